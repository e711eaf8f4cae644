/* What every op implementation shares: checked access to a node's inputs
 * and attributes, recording output shapes under the element limit, and
 * numpy broadcasting arithmetic.
 *
 * The checks live here rather than in each op so that every op words its
 * failures the same way ("node 'conv1' (Conv): ...") and none of them can
 * forget the element limit. */
#include "op_impl.h"

#include <stdarg.h>
#include <stdio.h>

int op_opset(const graph *g)
{
    return g->opset > 0 ? g->opset : 13;
}

int op_node_index(const graph *g, const node *nd)
{
    return (int)(nd - g->nodes);
}

int op_fail(const graph *g, int n, nnp_err *e, int code, const char *fmt, ...)
{
    char lbl[160], msg[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, code, "node %s: %s", node_label(g, n, lbl, sizeof lbl), msg);
}

int op_has_input(const node *nd, int k)
{
    return k < nd->nin && nd->in[k] >= 0;
}

int op_has_output(const node *nd, int k)
{
    return k < nd->nout && nd->out[k] >= 0;
}

static const char *dtype_name(dtype t)
{
    return t == DT_INT64 ? "int64" : "float32";
}

int op_input(const graph *g, int n, int k, dtype want, const tensor **t, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    if (!op_has_input(nd, k))
        return op_fail(g, n, e, NNP_INVALID, "input %d is missing", k);
    const tensor *x = &g->tensors[nd->in[k]];
    if (x->rank < 0)
        return op_fail(g, n, e, NNP_INVALID, "input %d '%s' has no known shape", k, x->name);
    int64_t count;
    for (int i = 0; i < x->rank; i++)
        if (x->dims[i] < 0)
            return op_fail(g, n, e, NNP_INVALID, "input %d '%s' has negative dim %d (%lld)", k,
                           x->name, i, (long long)x->dims[i]);
    if (size_prod(x->dims, x->rank, &count) || count > OP_MAX_ELEMS)
        return op_fail(g, n, e, NNP_LIMIT, "input %d '%s' has more than 2^31 elements", k,
                       x->name);
    if (x->type != want)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "input %d '%s' is %s; this input takes %s", k,
                       x->name, dtype_name(x->type), dtype_name(want));
    *t = x;
    return NNP_OK;
}

int op_set_output(graph *g, int n, int k, int rank, const int64_t *dims, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    if (!op_has_output(nd, k))
        return op_fail(g, n, e, NNP_INVALID, "output %d is missing", k);
    if (rank < 0 || rank > MAX_RANK)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "output would have rank %d; nnpipe allows %d",
                       rank, MAX_RANK);
    int64_t count;
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0)
            return op_fail(g, n, e, NNP_INVALID, "output %d would have negative dim %d (%lld)",
                           k, i, (long long)dims[i]);
    if (size_prod(dims, rank, &count) || count > OP_MAX_ELEMS)
        return op_fail(g, n, e, NNP_LIMIT, "output %d would have more than 2^31 elements", k);
    tensor *y = &g->tensors[nd->out[k]];
    y->type = DT_FLOAT;
    y->rank = rank;
    for (int i = 0; i < rank; i++)
        y->dims[i] = dims[i];
    return NNP_OK;
}

static int wrong_kind(const graph *g, int n, const char *name, const char *want, nnp_err *e)
{
    return op_fail(g, n, e, NNP_INVALID, "attribute '%s' must be %s", name, want);
}

int op_get_int(const graph *g, int n, const char *name, int64_t def, int64_t *v, nnp_err *e)
{
    const attr *a = node_attr(&g->nodes[n], name);
    if (a && a->kind != ATTR_INT)
        return wrong_kind(g, n, name, "an int", e);
    *v = a ? a->i : def;
    return NNP_OK;
}

int op_get_float(const graph *g, int n, const char *name, float def, float *v, nnp_err *e)
{
    const attr *a = node_attr(&g->nodes[n], name);
    if (a && a->kind != ATTR_FLOAT)
        return wrong_kind(g, n, name, "a float", e);
    *v = a ? a->f : def;
    return NNP_OK;
}

int op_get_string(const graph *g, int n, const char *name, const char *def, const char **v,
                  nnp_err *e)
{
    const attr *a = node_attr(&g->nodes[n], name);
    if (a && a->kind != ATTR_STRING)
        return wrong_kind(g, n, name, "a string", e);
    *v = a ? a->s : def;
    return NNP_OK;
}

int op_get_ints(const graph *g, int n, const char *name, int want, int64_t def, int64_t *v,
                int *got, nnp_err *e)
{
    const attr *a = node_attr(&g->nodes[n], name);
    if (a && a->kind != ATTR_INTS)
        return wrong_kind(g, n, name, "a list of ints", e);
    int count = a ? a->n : (want < 0 ? 0 : want);
    if (a && want >= 0 && a->n != want)
        return op_fail(g, n, e, NNP_INVALID, "attribute '%s' has %d values; expected %d", name,
                       a->n, want);
    if (a && want < 0 && a->n > 2 * MAX_RANK)
        return op_fail(g, n, e, NNP_INVALID, "attribute '%s' has %d values; at most %d allowed",
                       name, a->n, 2 * MAX_RANK);
    for (int i = 0; i < count; i++)
        v[i] = a ? a->ints[i] : def;
    if (got)
        *got = count;
    return NNP_OK;
}

int op_axis(const graph *g, int n, int64_t axis, int rank, int inclusive, int *out, nnp_err *e)
{
    int64_t hi = inclusive ? rank : rank - 1;
    if (axis < -(int64_t)rank || axis > hi)
        return op_fail(g, n, e, NNP_INVALID, "axis %lld is out of range [%d, %lld] for rank %d",
                       (long long)axis, -rank, (long long)hi, rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return NNP_OK;
}

int64_t dims_prod(const int64_t *dims, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= dims[i];
    return p;
}

int index_next(int64_t *idx, const int64_t *dims, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        if (++idx[i] < dims[i])
            return 1;
        idx[i] = 0;
    }
    return 0;
}

int bcast_shape(int ra, const int64_t *da, int rb, const int64_t *db, int *rout, int64_t *dout,
                int *bad)
{
    int r = ra > rb ? ra : rb;
    *rout = r;
    for (int i = 0; i < r; i++) {
        /* Right-aligned: a missing leading dim acts as 1. */
        int64_t a = i - (r - ra) >= 0 ? da[i - (r - ra)] : 1;
        int64_t b = i - (r - rb) >= 0 ? db[i - (r - rb)] : 1;
        if (a != b && a != 1 && b != 1) {
            *bad = i;
            return -1;
        }
        dout[i] = a == 1 ? b : a;
    }
    return 0;
}

void bcast_strides(int r, const int64_t *d, int rout, const int64_t *dout, int64_t *st)
{
    int64_t s = 1;
    for (int i = rout - 1; i >= 0; i--) {
        int j = i - (rout - r);
        if (j < 0 || (d[j] == 1 && dout[i] != 1)) {
            st[i] = 0;
        } else {
            st[i] = s;
        }
        if (j >= 0)
            s *= d[j];
    }
}
