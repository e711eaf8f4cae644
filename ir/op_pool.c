/* Pooling: MaxPool and AveragePool over a sliding window, and their global
 * forms, on N x C x D1..Dn inputs.
 *
 * The window (window.c) carries pads, auto_pad, dilations and ceil_mode.
 * Padding never contributes a value: MaxPool ignores it, and AveragePool
 * divides by the number of real inputs, or with count_include_pad = 1 by
 * the number of taps inside the explicitly padded input (taps that a
 * ceil_mode window puts past the end padding are not counted, as in
 * onnxruntime and PyTorch). A window made only of padding has no defined
 * value, so infer rejects geometries that produce one.
 *
 * Unsupported: MaxPool's optional Indices output and storage_order = 1
 * (which only affects Indices). */
#include "op_impl.h"

#include <math.h>

static int pool_window(const graph *g, const node *nd, window *w, nnp_err *e)
{
    const tensor *x = &g->tensors[nd->in[0]];
    int nk;
    int64_t ks[2 * MAX_RANK];
    int n = op_node_index(g, nd);
    int rc = op_get_ints(g, n, "kernel_shape", -1, 0, ks, &nk, e);
    if (rc)
        return rc;
    if (!node_attr(nd, "kernel_shape"))
        return op_fail(g, n, e, NNP_INVALID, "the required attribute kernel_shape is missing");
    if (nk != x->rank - 2)
        return op_fail(g, n, e, NNP_INVALID, "kernel_shape has %d values; input '%s' has %d "
                       "spatial dims", nk, x->name, x->rank - 2);
    return window_of_node(g, nd, x->dims + 2, ks, x->rank - 2, w, e);
}

static int check_pool_attrs(const graph *g, int n, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    int64_t v;
    int rc;
    if (nd->op == OP_MAXPOOL) {
        if (op_has_output(nd, 1))
            return op_fail(g, n, e, NNP_UNSUPPORTED, "the Indices output of MaxPool is not "
                           "supported");
        rc = op_get_int(g, n, "storage_order", 0, &v, e);
        if (!rc && v != 0)
            return op_fail(g, n, e, NNP_UNSUPPORTED, "storage_order = %lld is not supported "
                           "(only 0, row-major)", (long long)v);
        return rc;
    }
    rc = op_get_int(g, n, "count_include_pad", 0, &v, e);
    if (!rc && v != 0 && v != 1)
        return op_fail(g, n, e, NNP_INVALID, "count_include_pad = %lld must be 0 or 1",
                       (long long)v);
    return rc;
}

int infer_pool(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    window w;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (rc)
        return rc;
    if (x->rank < 3)
        return op_fail(g, n, e, NNP_INVALID, "input '%s' has rank %d; pooling needs N x C x at "
                       "least one spatial dim", x->name, x->rank);
    rc = check_pool_attrs(g, n, e);
    if (!rc)
        rc = pool_window(g, &g->nodes[n], &w, e);
    if (rc)
        return rc;
    int dim;
    int64_t pos;
    if (!window_covers_input(&w, &dim, &pos))
        return op_fail(g, n, e, NNP_INVALID, "the window at output position %lld along spatial "
                       "dim %d lies entirely in padding (pads too large for the kernel)",
                       (long long)pos, dim);
    int64_t dims[MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int d = 0; d < w.nsp; d++)
        dims[2 + d] = w.out[d];
    return op_set_output(g, n, 0, x->rank, dims, e);
}

typedef enum { POOL_MAX, POOL_AVG, POOL_AVG_PADDED } pool_kind;

/* One output position of every plane, reducing only the taps that read real
 * input (per-dim ranges from window_real_taps), in kernel row-major order:
 * the same order as visiting every tap and skipping padding, so the sums
 * are the same, but a window that is mostly padding costs nothing extra. */
static void pool_position(const window *w, const int64_t *o, const float *x, float *y,
                          int64_t planes, int64_t plane, int64_t outs, pool_kind kind)
{
    int64_t first[MAX_SPATIAL], count[MAX_SPATIAL];
    int64_t real = window_real_taps(w, o, first, count);
    float divisor = (float)(kind == POOL_AVG_PADDED ? window_padded_count(w, o) : real);
    for (int64_t c = 0; c < planes; c++) {
        const float *xp = x + c * plane;
        float acc = kind == POOL_MAX ? -INFINITY : 0.0f;
        int64_t k[MAX_SPATIAL] = {0};
        do {
            int64_t flat = 0;
            for (int d = 0; d < w->nsp; d++)
                flat = flat * w->in[d] + o[d] * w->stride[d] - w->pad_begin[d] +
                       (first[d] + k[d]) * w->dil[d];
            float t = xp[flat];
            if (kind != POOL_MAX)
                acc += t;
            else if (t > acc || isnan(t))
                acc = t;
        } while (index_next(k, count, w->nsp));
        y[c * outs] = kind == POOL_MAX ? acc : acc / divisor;
    }
}

static int run_pool(const graph *g, const node *nd, float *const *v, pool_kind kind, nnp_err *e)
{
    const tensor *tx = &g->tensors[nd->in[0]];
    window w;
    int rc = pool_window(g, nd, &w, e);
    if (rc)
        return rc;
    int64_t planes = tx->dims[0] * tx->dims[1];
    int64_t plane = dims_prod(w.in, 0, w.nsp), outs = dims_prod(w.out, 0, w.nsp);
    int64_t o[MAX_SPATIAL] = {0}, p = 0;
    do {
        pool_position(&w, o, v[nd->in[0]], v[nd->out[0]] + p, planes, plane, outs, kind);
        p++;
    } while (index_next(o, w.out, w.nsp));
    return NNP_OK;
}

int run_maxpool(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    return run_pool(g, nd, v, POOL_MAX, e);
}

int run_avgpool(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    pool_kind k = attr_int(nd, "count_include_pad", 0) ? POOL_AVG_PADDED : POOL_AVG;
    return run_pool(g, nd, v, k, e);
}

int infer_global_pool(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (rc)
        return rc;
    if (x->rank < 3)
        return op_fail(g, n, e, NNP_INVALID, "input '%s' has rank %d; pooling needs N x C x at "
                       "least one spatial dim", x->name, x->rank);
    int64_t dims[MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int d = 2; d < x->rank; d++) {
        if (x->dims[d] == 0)
            return op_fail(g, n, e, NNP_INVALID, "input '%s' is empty along dim %d", x->name, d);
        dims[d] = 1;
    }
    return op_set_output(g, n, 0, x->rank, dims, e);
}

static void run_global(const graph *g, const node *nd, float *const *v, int is_max)
{
    const tensor *tx = &g->tensors[nd->in[0]];
    int64_t planes = tx->dims[0] * tx->dims[1], plane = dims_prod(tx->dims, 2, tx->rank);
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]];
    for (int64_t c = 0; c < planes; c++) {
        const float *xp = x + c * plane;
        double sum = 0;
        float best = -INFINITY;
        for (int64_t i = 0; i < plane; i++) {
            sum += xp[i];
            if (xp[i] > best || isnan(xp[i]))
                best = xp[i];
        }
        y[c] = is_max ? best : (float)(sum / (double)plane);
    }
}

int run_global_avgpool(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    run_global(g, nd, v, 0);
    return NNP_OK;
}

int run_global_maxpool(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    run_global(g, nd, v, 1);
    return NNP_OK;
}
