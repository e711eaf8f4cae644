/* A random generator of valid graphs, for property tests and structured
 * fuzzing.
 *
 *   rg_rng r;
 *   rg_seed(&r, 42);                       (or rg_bytes(&r, data, size))
 *   rg_opts o = rg_defaults();
 *   rg_graph rg;
 *   randgraph(&r, &o, &rg);                (rg.g is unchecked)
 *   graph_check(rg.g, &e);                 (must succeed)
 *   rg_shape_mismatch(&rg, buf, len);      (NULL: inference agrees)
 *   rg_free(&rg);
 *
 * Graphs are chains and DAGs of every op nnpipe supports, with random
 * shapes and attributes: every activation (Log and Sqrt read an Abs, so
 * their outputs stay finite; at most one Exp); Conv with random pads,
 * strides, dilations, groups and auto_pad; pools with ceil_mode and
 * count_include_pad; Add, Sub, Mul, Div (by constants away from 0), Max,
 * Min and Sum (of 1 to 4 inputs) with multidirectional broadcasting against
 * constants or other live tensors; PRelu with a broadcast slope; Squeeze and
 * Unsqueeze with axes as an attribute or (opset 13) an input; Transpose; Concat along any axis; Gemm with
 * transposes and broadcast C; batched MatMul; Reshape with 0 and -1;
 * Softmax on any axis under both opset conventions. Every tensor stays
 * under max_elems elements and no dim is 0.
 *
 * The generator works out each output shape itself, from the ONNX
 * specification rather than from ir/, and records it next to the graph:
 * comparing it with what graph_check infers is a test of shape inference.
 *
 * Choices come from a seeded PRNG (reproducible: a test prints its seed) or
 * from a byte string (a fuzzer's input: each choice reads one or a few
 * bytes, so a mutation changes one choice; past the end every choice is 0,
 * which always ends the graph). */
#ifndef NNPIPE_RANDGRAPH_H
#define NNPIPE_RANDGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

typedef struct rg_rng {
    uint64_t state;
    const uint8_t *bytes; /* byte mode when not NULL */
    size_t nbytes, pos;
} rg_rng;

void rg_seed(rg_rng *r, uint64_t seed);
/* Choices read from data[0..n), which must outlive the generation. */
void rg_bytes(rg_rng *r, const uint8_t *data, size_t n);
/* Uniform in [lo, hi] (lo when hi <= lo). */
int64_t rg_int(rg_rng *r, int64_t lo, int64_t hi);
float rg_float(rg_rng *r, float lo, float hi);
/* 1 with probability percent/100. */
int rg_chance(rg_rng *r, int percent);
/* n values uniform in [lo, hi] into v. */
void rg_fill(rg_rng *r, float *v, int64_t n, float lo, float hi);

typedef struct rg_opts {
    int max_nodes;        /* nodes after the inputs: 1 to max_nodes (a few more when an op
                             needs a Flatten first) */
    int64_t max_elems;    /* per tensor */
    uint64_t ops;         /* allowed ops as bits 1 << OP_x; 0 allows all */
    int dag_percent;      /* chance a node reads an older live tensor, not the newest */
    int min_opset, max_opset; /* opset drawn in this range (Softmax and Clip depend on it) */
    int max_inputs;       /* graph inputs: 1 to max_inputs */
} rg_opts;

/* 8 nodes, 4096 elements, every op, 30% DAG edges, opsets 11 to 13, up to
 * 2 inputs. */
rg_opts rg_defaults(void);

typedef struct rg_graph {
    graph *g;
    /* The shape of every tensor as the generator worked it out. */
    int *rank;
    int64_t (*dims)[MAX_RANK];
    size_t cap;
} rg_graph;

/* Builds a graph into out (out->g unchecked: intermediate tensors have no
 * shape until graph_check). 0, or -1 when memory ran out (out is then
 * empty). Free with rg_free. */
int randgraph(rg_rng *r, const rg_opts *o, rg_graph *out);
void rg_free(rg_graph *rg);

/* After graph_check: NULL when every tensor has the shape the generator
 * worked out, else a description of the first difference in buf. */
const char *rg_shape_mismatch(const rg_graph *rg, char *buf, size_t len);

/* The graph as text, one line per node with its input and output shapes
 * and attributes, for failure messages. The caller frees it. */
char *rg_describe(const graph *g);

#endif
