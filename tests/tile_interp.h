/* A tile interpreter for tests: executes a lowered program op by op on the
 * host and checks the program's own invariants as it goes. */
#ifndef NNPIPE_TILE_INTERP_H
#define NNPIPE_TILE_INTERP_H

#include <stddef.h>

#include "program.h"

/* Runs p on inputs[i] (graph input i) into outputs[i] (graph output i),
 * both sized from the tensors' shapes. Main memory is one array per
 * tensor; each buffer is a separate array; only load and store ops move
 * data between them, so a wrong region or a missing load shows up as a
 * wrong result. A skipped op whose region differs from its last run, or an
 * op reading a buffer no op has written, is an error. Returns 0, or -1 with
 * a message in err. */
int tile_interp_run(const program *p, const float *const *inputs, float *const *outputs,
                    char *err, size_t errlen);

#endif
