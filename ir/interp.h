/* The reference interpreter: the golden model every generated program is
 * checked against. Plain float32, one op at a time, in topological order. */
#ifndef NNPIPE_INTERP_H
#define NNPIPE_INTERP_H

#include "graph.h"

/* Runs a checked graph (graph_check succeeded). inputs[i] holds the data of
 * graph input i, outputs[i] receives graph output i; both sized from the
 * tensors' shapes and owned by the caller. */
int interp_run(const graph *g, const float *const *inputs, float *const *outputs, nnp_err *e);

#endif
