/* Graph-building shorthand for the op and interpreter tests: tensors and
 * nodes from literal lists, one call to check and run a graph, and float
 * comparisons that name the element that differs.
 *
 *   graph *g = graph_new();
 *   tb_input(g, "x", I64(1, 1, 3, 3));
 *   tb_const(g, "w", I64(1, 1, 2, 2), F32(1, 0, 0, 1));
 *   int n = tb_node(g, OP_CONV, "conv", NAMES("x", "w"), NAMES("y"));
 *   float *y = tb_run1(g, x_data);        (checks the graph, runs it)
 *   tb_expect(y, F32(...), 1e-6f);
 *
 * Header-only (static functions) so a test file needs nothing else. */
#ifndef NNPIPE_OPSUTIL_H
#define NNPIPE_OPSUTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "interp.h"
#include "ops.h"

/* A literal array and its length, as two arguments. */
#define I64(...)                                                                                   \
    ((const int64_t[]){__VA_ARGS__}), (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define F32(...)                                                                                   \
    ((const float[]){__VA_ARGS__}), (int)(sizeof((const float[]){__VA_ARGS__}) / sizeof(float))
#define NAMES(...)                                                                                 \
    ((const char *[]){__VA_ARGS__}), (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *))
/* The dims of a rank-0 tensor. */
#define SCALAR ((const int64_t *)NULL), 0
/* An empty name is an absent optional input/output. */
#define NONE ""

static inline int tb_tensor(graph *g, const char *name, const int64_t *dims, int rank)
{
    int t = graph_intern_tensor(g, name);
    cr_assert_geq(t, 0);
    g->tensors[t].rank = rank;
    for (int i = 0; i < rank; i++)
        g->tensors[t].dims[i] = dims[i];
    return t;
}

static inline int tb_input(graph *g, const char *name, const int64_t *dims, int rank)
{
    int t = tb_tensor(g, name, dims, rank);
    cr_assert_eq(graph_add_input(g, t), 0);
    return t;
}

/* A float constant; n values must match the dims. */
static inline int tb_const(graph *g, const char *name, const int64_t *dims, int rank,
                           const float *v, int n)
{
    int t = tb_tensor(g, name, dims, rank);
    cr_assert_eq(n, tensor_numel(&g->tensors[t]), "constant '%s' needs %lld values, got %d", name,
                 (long long)tensor_numel(&g->tensors[t]), n);
    g->tensors[t].data = malloc((size_t)(n ? n : 1) * sizeof(float));
    memcpy(g->tensors[t].data, v, (size_t)n * sizeof(float));
    return t;
}

/* A float constant with seeded values uniform in [lo, hi]: the weights of
 * a test model. */
static inline int tb_const_seeded(graph *g, const char *name, const int64_t *dims, int rank,
                                  float lo, float hi, unsigned seed)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    float *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = lo + (hi - lo) * (float)((seed >> 8) % 1001) / 1000.0f;
    }
    int t = tb_const(g, name, dims, rank, v, (int)n);
    free(v);
    return t;
}

static inline int tb_iconst(graph *g, const char *name, const int64_t *dims, int rank,
                            const int64_t *v, int n)
{
    int t = tb_tensor(g, name, dims, rank);
    cr_assert_eq(n, tensor_numel(&g->tensors[t]));
    g->tensors[t].type = DT_INT64;
    g->tensors[t].idata = malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    memcpy(g->tensors[t].idata, v, (size_t)n * sizeof(int64_t));
    return t;
}

static inline void tb_names(graph *g, const char **names, int n, int *idx)
{
    for (int k = 0; k < n; k++)
        idx[k] = names[k][0] ? graph_intern_tensor(g, names[k]) : -1;
}

/* Adds a node; a graph with no outputs yet gets this node's first output. */
static inline int tb_node(graph *g, op_kind op, const char *name, const char **in, int nin,
                          const char **out, int nout)
{
    int ii[64], oo[8];
    cr_assert(nin <= 64 && nout <= 8);
    tb_names(g, in, nin, ii);
    tb_names(g, out, nout, oo);
    int n = graph_add_node(g, op, name, ii, nin, oo, nout);
    cr_assert_geq(n, 0);
    return n;
}

/* The index of the node called name (which must exist). */
static inline int tb_node_named(const graph *g, const char *name)
{
    for (size_t i = 0; i < g->nnodes; i++)
        if (!strcmp(g->nodes[i].name, name))
            return (int)i;
    cr_assert_fail("no node '%s'", name);
    return -1;
}

/* Marks tensor name as a graph output. */
static inline void tb_output(graph *g, const char *name)
{
    cr_assert_eq(graph_add_output(g, graph_intern_tensor(g, name)), 0);
}

/* Checks the graph, expecting success (the message shows otherwise). */
static inline void tb_check_ok(graph *g)
{
    nnp_err e = {0};
    int rc = graph_check(g, &e);
    cr_assert_eq(rc, NNP_OK, "graph_check failed: %s", e.msg);
}

/* Checks the graph expecting status code and a message containing every
 * fragment given (NULL-terminated). */
static inline void tb_check_fails(graph *g, int code, const char *frag, ...)
{
    nnp_err e = {0};
    int rc = graph_check(g, &e);
    cr_assert_eq(rc, code, "expected status %d, got %d: %s", code, rc, e.msg);
    va_list ap;
    va_start(ap, frag);
    for (const char *f = frag; f; f = va_arg(ap, const char *))
        cr_assert(strstr(e.msg, f), "message '%s' lacks '%s'", e.msg, f);
    va_end(ap);
}

static inline const tensor *tb_t(graph *g, const char *name)
{
    int t = graph_find_tensor(g, name);
    cr_assert_geq(t, 0, "no tensor '%s'", name);
    return &g->tensors[t];
}

static inline void tb_expect_shape(graph *g, const char *name, const int64_t *dims, int rank)
{
    const tensor *t = tb_t(g, name);
    cr_assert_eq(t->rank, rank, "'%s' has rank %d, expected %d", name, t->rank, rank);
    for (int i = 0; i < rank; i++)
        cr_assert_eq(t->dims[i], dims[i], "'%s' dim %d is %lld, expected %lld", name, i,
                     (long long)t->dims[i], (long long)dims[i]);
}

/* Checks and runs g with the given input buffers (graph input order);
 * returns a malloc'd copy of every graph output in outs. */
static inline void tb_run(graph *g, const float *const *ins, float **outs)
{
    tb_check_ok(g);
    for (int k = 0; k < g->noutputs; k++) {
        int64_t n = tensor_numel(&g->tensors[g->outputs[k]]);
        outs[k] = calloc((size_t)(n ? n : 1), sizeof(float));
        for (int64_t i = 0; i < n; i++)
            outs[k][i] = NAN; /* unwritten elements must show */
    }
    nnp_err e = {0};
    int rc = interp_run(g, ins, outs, &e);
    cr_assert_eq(rc, NNP_OK, "interp_run failed: %s", e.msg);
}

/* One input (may be NULL for none), one output: the usual op test. The
 * output defaults to the first output of the last node. */
static inline float *tb_run1(graph *g, const float *x)
{
    if (g->noutputs == 0) {
        const node *last = &g->nodes[g->nnodes - 1];
        cr_assert_eq(graph_add_output(g, last->out[0]), 0);
    }
    float *out[8] = {0};
    const float *ins[1] = {x};
    cr_assert(g->noutputs <= 8);
    tb_run(g, ins, out);
    for (int k = 1; k < g->noutputs; k++)
        free(out[k]);
    return out[0];
}

/* Every element of got matches want within tol*(1+|want|); names the first
 * mismatch. want's length is the count compared. */
static inline void tb_expect(const float *got, const float *want, int n, float tol)
{
    for (int i = 0; i < n; i++) {
        int same = (isnan(want[i]) && isnan(got[i])) || got[i] == want[i] ||
                   fabsf(got[i] - want[i]) <= tol * (1.0f + fabsf(want[i]));
        cr_assert(same, "element %d is %.9g, expected %.9g", i, (double)got[i], (double)want[i]);
    }
}

#endif
