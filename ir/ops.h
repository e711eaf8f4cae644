/* The op descriptor table and the geometry shared by every pass that reasons
 * about sliding windows (shape inference, the interpreter, tiling).
 *
 * Adding an op is adding an OP_ value in graph.h, a row in ops.c, and its
 * infer and run functions; nothing else switches on op kinds. */
#ifndef NNPIPE_OPS_H
#define NNPIPE_OPS_H

#include "graph.h"

typedef struct op_desc {
    const char *name; /* ONNX op_type */
    int min_in, max_in, min_out, max_out;
    /* Validates the node's attributes and input shapes and sets the shapes
     * of its outputs. Messages name the node. */
    int (*infer)(graph *g, int n, nnp_err *e);
    /* Computes the node: vals[t] is the float data of tensor t (inputs
     * filled, outputs allocated with their inferred sizes). */
    int (*run)(const graph *g, const node *n, float *const *vals, nnp_err *e);
    /* Multiply-accumulates the node performs (0 for ops without any), from
     * its inferred shapes; used by `nnpipe info` and the cost model. */
    int64_t (*macs)(const graph *g, const node *n);
} op_desc;

extern const op_desc op_table[OP_COUNT];

/* The op kind named name in the default ONNX domain, or -1. */
int op_from_name(const char *name);

enum { MAX_SPATIAL = MAX_RANK - 2 };

/* A sliding window over the spatial dims of an NC... tensor, with every ONNX
 * convention (auto_pad, ceil_mode, dilations) already resolved. Output
 * position o along dim d reads input positions
 *   o*stride[d] - pad_begin[d] + k*dil[d],  k in [0, kernel[d]),
 * of which those outside [0, in[d]) are padding. */
typedef struct window {
    int nsp;
    int64_t in[MAX_SPATIAL], out[MAX_SPATIAL];
    int64_t kernel[MAX_SPATIAL], stride[MAX_SPATIAL], dil[MAX_SPATIAL];
    int64_t pad_begin[MAX_SPATIAL], pad_end[MAX_SPATIAL];
} window;

/* Resolves the window of a Conv, MaxPool or AveragePool node given its input
 * tensor's spatial dims and kernel (for Conv, from the weight shape). A
 * kernel of more than 2^24 positions is NNP_LIMIT, so a resolved window's
 * kernel product always fits comfortably in memory and in int64. */
int window_of_node(const graph *g, const node *n, const int64_t *in_sp, const int64_t *kernel,
                   int nsp, window *w, nnp_err *e);

#endif
