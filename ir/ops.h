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

/* Activations: ops that map each element on its own through a scalar
 * function of the element and up to two float parameters (Relu, Sigmoid,
 * Tanh, Elu, Clip, ...). One row per op holds everything every layer needs:
 * the attributes the parameters come from, the function the reference
 * interpreter and the tile interpreter apply, and the same function as a C
 * expression for the generated code. That expression reads the element as
 * `x` and the parameters as `a` and `b` (the C backend substitutes them),
 * uses only operators and the backend's libm-free helpers (nnp_expf,
 * nnp_logf, nnp_sqrtf, nnp_tanhf, nnp_softplusf), and must agree with fn
 * within float rounding, NaN propagation included. Lowering fuses any of
 * these into a Conv or Gemm epilogue, or runs it as an elementwise group. */
typedef float (*act_fn)(float x, float a, float b);
typedef struct act_desc {
    const char *param[2]; /* attributes holding a and b; NULL: the parameter is fixed */
    float def[2];         /* their defaults (the fixed values when param is NULL) */
    act_fn fn;
    const char *c_expr;
} act_desc;

/* The activation row of op, or NULL when op is not an activation. */
const act_desc *act_of(op_kind op);
/* The parameters of activation node n (its attributes, or the defaults;
 * Clip's bounds from its constant inputs from opset 11). 0, or -1 when a
 * parameter is not a constant (Clip with computed bounds), which a fused
 * epilogue cannot take. n must have passed graph_check. */
int act_params(const graph *g, const node *n, float *a, float *b);

/* Binary elementwise ops with numpy broadcasting: Add, Sub, Mul, Div,
 * Max, Min, Sum and PRelu. Max, Min and Sum take any number of inputs and
 * fold them from the left, f(f(x0, x1), x2)...; PRelu is f(x, slope). Like
 * the activations, one row gives the function and its C expression (of x
 * and y; NaN propagates through Max and Min as in numpy). */
typedef struct bin_desc {
    float (*fn)(float x, float y);
    const char *c_expr;
} bin_desc;

/* The binary row of op, or NULL when op is not a binary elementwise op. */
const bin_desc *bin_of(op_kind op);

/* The permutation of Transpose node nd over a rank-r input (its perm
 * attribute, or the axes reversed): output axis i is input axis perm[i].
 * nd must have passed graph_check. */
void transpose_perm(const node *nd, int r, int *perm);

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
