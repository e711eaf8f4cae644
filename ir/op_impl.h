/* Internals shared by the op implementations (ir/op_*.c, ir/window.c) and
 * the descriptor table in ops.c. Not part of any public API.
 *
 * Every infer function follows one pattern: fetch its inputs through
 * op_input (which checks presence, shape and element type), read its
 * attributes through the checked getters (which reject an attribute of the
 * wrong kind instead of silently using the default), then record each
 * output with op_set_output (which enforces the element limit). After a
 * successful graph_check every tensor a node touches has a known shape of
 * at most OP_MAX_ELEMS elements, so run and macs functions may multiply
 * dims without checks. */
#ifndef NNPIPE_OP_IMPL_H
#define NNPIPE_OP_IMPL_H

#include "ops.h"

/* nnpipe is a small-model tool: no tensor may exceed 2^31 elements, which
 * also keeps every flat index and product of dims far from overflow. */
#define OP_MAX_ELEMS ((int64_t)1 << 31)
/* A sliding window (Conv, pools) has at most 2^24 kernel positions: far
 * more than any real layer, and few enough that a pass may keep one offset
 * per position. Without it, a pool's kernel_shape (an attribute, unlike a
 * Conv's weights) could ask for 2^62 positions over a 4x4 input. */
#define OP_MAX_TAPS ((int64_t)1 << 24)

/* The opset a node's semantics follow: the model's, or 13 when unknown. */
int op_opset(const graph *g);
/* Index of nd in g->nodes (run functions get a pointer, messages an index). */
int op_node_index(const graph *g, const node *nd);

/* Sets e to code with "node LABEL: message" and returns code. */
int op_fail(const graph *g, int n, nnp_err *e, int code, const char *fmt, ...) NNP_PRINTF(5, 6);

/* Input k of node n: checks it is present, has a known shape within the
 * element limit and holds type want. Stores the tensor in *t. */
int op_input(const graph *g, int n, int k, dtype want, const tensor **t, nnp_err *e);
/* 1 when optional input k is given (not absent, not beyond nin). */
int op_has_input(const node *nd, int k);
/* 1 when optional output k is requested by the model. */
int op_has_output(const node *nd, int k);
/* Records the shape of float output k of node n (required to be present),
 * refusing negative dims and more than OP_MAX_ELEMS elements (NNP_LIMIT). */
int op_set_output(graph *g, int n, int k, int rank, const int64_t *dims, nnp_err *e);

/* Checked attribute getters: absent gives the default; present with the
 * wrong kind (or, for ints, the wrong length) is NNP_INVALID. op_get_ints
 * fills want values; want < 0 accepts any length up to MAX_RANK*2 and
 * stores it in *got. */
int op_get_int(const graph *g, int n, const char *name, int64_t def, int64_t *v, nnp_err *e);
int op_get_float(const graph *g, int n, const char *name, float def, float *v, nnp_err *e);
int op_get_string(const graph *g, int n, const char *name, const char *def, const char **v,
                  nnp_err *e);
int op_get_ints(const graph *g, int n, const char *name, int want, int64_t def, int64_t *v,
                int *got, nnp_err *e);
/* Maps axis in [-rank, rank) (or [-rank, rank] when inclusive) to [0, ..]. */
int op_axis(const graph *g, int n, int64_t axis, int rank, int inclusive, int *out, nnp_err *e);

/* Product of dims[from..to), unchecked (see above). */
int64_t dims_prod(const int64_t *dims, int from, int to);
/* Advances a row-major multi-index over dims; 0 when it wrapped around. */
int index_next(int64_t *idx, const int64_t *dims, int n);

/* Multidirectional (numpy) broadcasting of two shapes into (*rout, dout);
 * returns -1 and the offending output axis in *bad when a pair of dims is
 * neither equal nor 1 (*rout is set either way). */
int bcast_shape(int ra, const int64_t *da, int rb, const int64_t *db, int *rout, int64_t *dout,
                int *bad);
/* Element strides for reading a tensor of shape (r, d) as if broadcast to
 * (rout, dout): right-aligned, 0 along broadcast dims. */
void bcast_strides(int r, const int64_t *d, int rout, const int64_t *dout, int64_t *st);

/* Spatial flat offsets (row-major over kernel positions) that output
 * position o of window w reads in one input plane, -1 for padding. Returns
 * how many are real input positions. */
int64_t window_offsets(const window *w, const int64_t *o, int64_t *off);
/* The kernel positions of output position o that read real input, as one
 * range per spatial dim: positions first[d] .. first[d] + count[d] - 1.
 * Returns their number (the product of the counts). Lets a pool visit only
 * real inputs, whatever the padding. */
int64_t window_real_taps(const window *w, const int64_t *o, int64_t *first, int64_t *count);
/* Kernel positions of output position o inside the explicitly padded input
 * [-pad_begin, in + pad_end): AveragePool's count_include_pad divisor. */
int64_t window_padded_count(const window *w, const int64_t *o);
/* 1 when every window reads at least one real input position; otherwise 0
 * with the spatial dim and output position of a window made of padding. */
int window_covers_input(const window *w, int *dim, int64_t *pos);

/* The ops, grouped by file. */
int infer_unary(graph *g, int n, nnp_err *e);
int run_activation(const graph *g, const node *nd, float *const *v, nnp_err *e);
int run_identity(const graph *g, const node *nd, float *const *v, nnp_err *e);
int infer_clip(graph *g, int n, nnp_err *e);
int run_clip(const graph *g, const node *nd, float *const *v, nnp_err *e);
int infer_dropout(graph *g, int n, nnp_err *e);

int infer_binary(graph *g, int n, nnp_err *e);
int infer_prelu(graph *g, int n, nnp_err *e);
int run_binary(const graph *g, const node *nd, float *const *v, nnp_err *e);

int infer_batchnorm(graph *g, int n, nnp_err *e);
int run_batchnorm(const graph *g, const node *nd, float *const *v, nnp_err *e);

int infer_conv(graph *g, int n, nnp_err *e);
int run_conv(const graph *g, const node *nd, float *const *v, nnp_err *e);
int64_t macs_conv(const graph *g, const node *nd);

int infer_pool(graph *g, int n, nnp_err *e);
int run_maxpool(const graph *g, const node *nd, float *const *v, nnp_err *e);
int run_avgpool(const graph *g, const node *nd, float *const *v, nnp_err *e);
int infer_global_pool(graph *g, int n, nnp_err *e);
int run_global_avgpool(const graph *g, const node *nd, float *const *v, nnp_err *e);
int run_global_maxpool(const graph *g, const node *nd, float *const *v, nnp_err *e);

int infer_gemm(graph *g, int n, nnp_err *e);
int run_gemm(const graph *g, const node *nd, float *const *v, nnp_err *e);
int64_t macs_gemm(const graph *g, const node *nd);
int infer_matmul(graph *g, int n, nnp_err *e);
int run_matmul(const graph *g, const node *nd, float *const *v, nnp_err *e);
int64_t macs_matmul(const graph *g, const node *nd);

int infer_softmax(graph *g, int n, nnp_err *e);
int run_softmax(const graph *g, const node *nd, float *const *v, nnp_err *e);

int infer_concat(graph *g, int n, nnp_err *e);
int run_concat(const graph *g, const node *nd, float *const *v, nnp_err *e);
int infer_flatten(graph *g, int n, nnp_err *e);
int infer_reshape(graph *g, int n, nnp_err *e);
int infer_squeeze(graph *g, int n, nnp_err *e);
int infer_unsqueeze(graph *g, int n, nnp_err *e);
int infer_transpose(graph *g, int n, nnp_err *e);
int run_transpose(const graph *g, const node *nd, float *const *v, nnp_err *e);

#endif
