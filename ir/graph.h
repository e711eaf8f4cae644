/* The graph IR: tensors, nodes with typed attributes, graph inputs/outputs.
 *
 * Everything is index-based: a node names its inputs and outputs by tensor
 * index, and an absent optional input (ONNX's empty name) is -1. Arrays grow
 * as the frontend or the API adds to them, so pointers into them are only
 * stable until the next add; keep indices instead.
 *
 * A graph owns every name, attribute array and constant it holds. */
#ifndef NNPIPE_GRAPH_H
#define NNPIPE_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

enum { MAX_RANK = 8 };

/* Element types nnpipe keeps. Activations are always float32; int64 appears
 * only in constants that steer shapes (Reshape's shape, Clip's bounds are
 * float). */
typedef enum { DT_FLOAT = 1, DT_INT64 = 7 } dtype;

typedef struct tensor {
    char *name;
    dtype type;
    int rank;          /* -1 until known */
    int64_t dims[MAX_RANK];
    float *data;       /* constant float data (initializer), or NULL */
    int64_t *idata;    /* constant int64 data, or NULL */
    int producer;      /* index of the node writing it, or -1 */
    unsigned is_input : 1, is_output : 1;
} tensor;

typedef enum { ATTR_FLOAT, ATTR_INT, ATTR_STRING, ATTR_FLOATS, ATTR_INTS } attr_kind;

typedef struct attr {
    char *name;
    attr_kind kind;
    int64_t i;
    float f;
    char *s;         /* NUL-terminated; ONNX strings here are ASCII enums */
    int64_t *ints;
    float *floats;
    int n;           /* element count of ints/floats */
} attr;

/* Op kinds; the descriptor table in ops.c gives each its name and rules. */
typedef enum op_kind {
    OP_CONV,
    OP_MAXPOOL,
    OP_AVGPOOL,
    OP_GLOBALAVGPOOL,
    OP_GLOBALMAXPOOL,
    OP_RELU,
    OP_LEAKYRELU,
    OP_CLIP,
    OP_SIGMOID,
    OP_ADD,
    OP_MUL,
    OP_BATCHNORM,
    OP_CONCAT,
    OP_FLATTEN,
    OP_RESHAPE,
    OP_GEMM,
    OP_MATMUL,
    OP_SOFTMAX,
    OP_IDENTITY,
    OP_DROPOUT,
    OP_TANH,
    OP_EXP,
    OP_LOG,
    OP_NEG,
    OP_ABS,
    OP_SQRT,
    OP_ELU,
    OP_SELU,
    OP_HARDSIGMOID,
    OP_HARDSWISH,
    OP_SOFTPLUS,
    OP_SOFTSIGN,
    OP_SUB,
    OP_DIV,
    OP_MAX,
    OP_MIN,
    OP_SUM,
    OP_PRELU,
    OP_SQUEEZE,
    OP_UNSQUEEZE,
    OP_TRANSPOSE,
    OP_COUNT
} op_kind;

typedef struct node {
    char *name;      /* never NULL; "" when the model gave none */
    op_kind op;
    int *in, nin;    /* tensor indices, -1 for an absent optional input */
    int *out, nout;
    attr *attrs;
    int nattrs;
} node;

typedef struct graph {
    tensor *tensors;
    size_t ntensors, cap_tensors;
    node *nodes;
    size_t nnodes, cap_nodes;
    int *inputs, ninputs;   /* non-constant graph inputs, in model order */
    int *outputs, noutputs;
    int opset;              /* default-domain opset version, 0 if unknown */
    char *name;
} graph;

graph *graph_new(void);
void graph_free(graph *g);

/* Looks a tensor up by name; -1 when absent. Linear in the tensor count only
 * for graphs without the index (built lazily by graph_index_names). */
int graph_find_tensor(const graph *g, const char *name);
/* Appends an empty tensor (float, rank -1, no producer) called name,
 * without looking for one already there. Its index, or -1 on allocation
 * failure. */
int graph_new_tensor(graph *g, const char *name);
/* Returns the index of the tensor called name, adding an empty one (rank -1)
 * if there is none. -1 on allocation failure. */
int graph_intern_tensor(graph *g, const char *name);
/* Appends a node with the given input/output tensor indices (copied).
 * Returns the node index, or -1 on allocation failure. */
int graph_add_node(graph *g, op_kind op, const char *name, const int *in, int nin,
                   const int *out, int nout);
/* Attributes on node n; the value arrays are copied. 0 or -1 on failure. */
int node_set_int(graph *g, int n, const char *name, int64_t v);
int node_set_float(graph *g, int n, const char *name, float v);
int node_set_string(graph *g, int n, const char *name, const char *s);
int node_set_ints(graph *g, int n, const char *name, const int64_t *v, int count);
int node_set_floats(graph *g, int n, const char *name, const float *v, int count);
int graph_add_input(graph *g, int t);
int graph_add_output(graph *g, int t);

const attr *node_attr(const node *n, const char *name);
int64_t attr_int(const node *n, const char *name, int64_t def);
float attr_float(const node *n, const char *name, float def);
const char *attr_string(const node *n, const char *name, const char *def);
/* The ints of an attribute, or NULL with *count = 0 when absent. */
const int64_t *attr_ints(const node *n, const char *name, int *count);

/* Number of elements of a tensor with known shape (rank >= 0). */
int64_t tensor_numel(const tensor *t);
/* "N" when the node has a name, else "#i (Op)": how messages name a node. */
const char *node_label(const graph *g, int n, char *buf, size_t len);

/* Puts g->nodes in topological order (stable: model order among ready
 * nodes), sets every tensor's producer, and checks that each tensor has at
 * most one producer, every used tensor is produced, constant or an input,
 * and the graph has no cycle. Messages name the tensor or node. */
int graph_sort(graph *g, nnp_err *e);

/* Runs graph_sort, then shape inference and attribute validation for every
 * node (ops.c). On success every tensor has a known shape. */
int graph_check(graph *g, nnp_err *e);

#endif
