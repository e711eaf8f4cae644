/* Helpers shared by the frontend tests (header-only: each test file is its
 * own executable). graph_diff compares two graphs as a model's meaning, not
 * its storage: tensors are matched by name (their order depends on the order
 * of fields in the file), nodes by position (both graphs are sorted), and
 * attributes by name. */
#ifndef NNPIPE_TEST_FRONTEND_UTIL_H
#define NNPIPE_TEST_FRONTEND_UTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph.h"

static int same_float(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int tensor_diff(const tensor *x, const tensor *y, char *why, size_t len)
{
    if (x->type != y->type || x->rank != y->rank || x->is_input != y->is_input ||
        x->is_output != y->is_output || !x->data != !y->data || !x->idata != !y->idata) {
        snprintf(why, len, "tensor '%s': type/rank/role differ", x->name);
        return 1;
    }
    for (int i = 0; i < x->rank; i++)
        if (x->dims[i] != y->dims[i]) {
            snprintf(why, len, "tensor '%s': dim %d is %lld vs %lld", x->name, i,
                     (long long)x->dims[i], (long long)y->dims[i]);
            return 1;
        }
    int64_t n = x->rank >= 0 ? tensor_numel(x) : 0;
    for (int64_t i = 0; x->data && i < n; i++)
        if (!same_float(x->data[i], y->data[i])) {
            snprintf(why, len, "tensor '%s': data[%lld] is %g vs %g", x->name, (long long)i,
                     x->data[i], y->data[i]);
            return 1;
        }
    for (int64_t i = 0; x->idata && i < n; i++)
        if (x->idata[i] != y->idata[i]) {
            snprintf(why, len, "tensor '%s': idata[%lld] differs", x->name, (long long)i);
            return 1;
        }
    return 0;
}

static int attr_diff(const attr *a, const attr *b, const char *node, char *why, size_t len)
{
    int same = a->kind == b->kind && a->n == b->n;
    if (same && a->kind == ATTR_INT)
        same = a->i == b->i;
    if (same && a->kind == ATTR_FLOAT)
        same = same_float(a->f, b->f);
    if (same && a->kind == ATTR_STRING)
        same = strcmp(a->s, b->s) == 0;
    for (int k = 0; same && a->kind == ATTR_INTS && k < a->n; k++)
        same = a->ints[k] == b->ints[k];
    for (int k = 0; same && a->kind == ATTR_FLOATS && k < a->n; k++)
        same = same_float(a->floats[k], b->floats[k]);
    if (!same)
        snprintf(why, len, "node '%s': attribute '%s' differs", node, a->name);
    return !same;
}

static int tensor_name_diff(const graph *a, int ta, const graph *b, int tb)
{
    if (ta < 0 || tb < 0)
        return ta != tb;
    return strcmp(a->tensors[ta].name, b->tensors[tb].name) != 0;
}

static int node_diff(const graph *a, const node *x, const graph *b, const node *y, char *why,
                     size_t len)
{
    if (x->op != y->op || strcmp(x->name, y->name) != 0 || x->nin != y->nin ||
        x->nout != y->nout || x->nattrs != y->nattrs) {
        snprintf(why, len, "node '%s' vs '%s': op, name, arity or attribute count differ",
                 x->name, y->name);
        return 1;
    }
    for (int k = 0; k < x->nin; k++)
        if (tensor_name_diff(a, x->in[k], b, y->in[k])) {
            snprintf(why, len, "node '%s': input %d differs", x->name, k);
            return 1;
        }
    for (int k = 0; k < x->nout; k++)
        if (tensor_name_diff(a, x->out[k], b, y->out[k])) {
            snprintf(why, len, "node '%s': output %d differs", x->name, k);
            return 1;
        }
    for (int k = 0; k < x->nattrs; k++) {
        const attr *o = node_attr(y, x->attrs[k].name);
        if (!o) {
            snprintf(why, len, "node '%s': attribute '%s' missing", x->name, x->attrs[k].name);
            return 1;
        }
        if (attr_diff(&x->attrs[k], o, x->name, why, len))
            return 1;
    }
    return 0;
}

/* 0 when a and b describe the same model; else 1 with the first difference
 * in why. */
static int graph_diff(const graph *a, const graph *b, char *why, size_t len)
{
    if (a->ntensors != b->ntensors || a->nnodes != b->nnodes || a->ninputs != b->ninputs ||
        a->noutputs != b->noutputs || a->opset != b->opset || strcmp(a->name, b->name) != 0) {
        snprintf(why, len, "counts, opset or name differ (%zu/%zu tensors, %zu/%zu nodes)",
                 a->ntensors, b->ntensors, a->nnodes, b->nnodes);
        return 1;
    }
    for (size_t t = 0; t < a->ntensors; t++) {
        int u = graph_find_tensor(b, a->tensors[t].name);
        if (u < 0) {
            snprintf(why, len, "tensor '%s' missing", a->tensors[t].name);
            return 1;
        }
        if (tensor_diff(&a->tensors[t], &b->tensors[u], why, len))
            return 1;
    }
    for (int k = 0; k < a->ninputs; k++)
        if (tensor_name_diff(a, a->inputs[k], b, b->inputs[k])) {
            snprintf(why, len, "graph input %d differs", k);
            return 1;
        }
    for (int k = 0; k < a->noutputs; k++)
        if (tensor_name_diff(a, a->outputs[k], b, b->outputs[k])) {
            snprintf(why, len, "graph output %d differs", k);
            return 1;
        }
    for (size_t i = 0; i < a->nnodes; i++)
        if (node_diff(a, &a->nodes[i], b, &b->nodes[i], why, len))
            return 1;
    return 0;
}

#endif
