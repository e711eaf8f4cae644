/* Conv: N-D convolution (1 to MAX_SPATIAL spatial dims) with groups,
 * dilation, strides, explicit or automatic padding and an optional bias.
 *
 * Shapes: X is N x C x D1..Dn, W is M x C/group x k1..kn, B is M, and Y is
 * N x M x O1..On with the Oi from the resolved window (window.c). Output
 * channel m belongs to group m / (M/group) and reads only that group's
 * C/group input channels; group = C = M is depthwise convolution.
 *
 * run computes each output position's input offsets once (window_offsets)
 * and reuses them for every output and input channel, so padding and
 * dilation are decided in one place and the inner loop is a plain dot
 * product over kernel taps. */
#include "op_impl.h"

#include <stdlib.h>

/* Group count and the window, from validated shapes. */
static int conv_geometry(const graph *g, const node *nd, int64_t *group, window *w, nnp_err *e)
{
    const tensor *x = &g->tensors[nd->in[0]], *wt = &g->tensors[nd->in[1]];
    *group = attr_int(nd, "group", 1);
    return window_of_node(g, nd, x->dims + 2, wt->dims + 2, x->rank - 2, w, e);
}

static int check_weights(const graph *g, int n, const tensor *x, const tensor *wt, int64_t group,
                         nnp_err *e)
{
    int64_t chans = x->dims[1], m = wt->dims[0];
    if (wt->rank != x->rank)
        return op_fail(g, n, e, NNP_INVALID, "weights '%s' have rank %d; input '%s' has rank %d "
                       "(they must match)", wt->name, wt->rank, x->name, x->rank);
    if (chans % group != 0)
        return op_fail(g, n, e, NNP_INVALID, "input channels %lld of '%s' are not divisible by "
                       "group %lld", (long long)chans, x->name, (long long)group);
    if (m % group != 0)
        return op_fail(g, n, e, NNP_INVALID, "output channels %lld (dim 0 of '%s') are not "
                       "divisible by group %lld", (long long)m, wt->name, (long long)group);
    if (wt->dims[1] != chans / group)
        return op_fail(g, n, e, NNP_INVALID, "weights '%s' have %lld input channels (dim 1); "
                       "expected %lld = %lld channels / group %lld", wt->name,
                       (long long)wt->dims[1], (long long)(chans / group), (long long)chans,
                       (long long)group);
    int64_t ks[2 * MAX_RANK];
    int nk, rc = op_get_ints(g, n, "kernel_shape", -1, 0, ks, &nk, e);
    if (rc)
        return rc;
    if (node_attr(&g->nodes[n], "kernel_shape") && nk != x->rank - 2)
        return op_fail(g, n, e, NNP_INVALID, "kernel_shape has %d values; the input has %d "
                       "spatial dims", nk, x->rank - 2);
    for (int d = 0; d < nk; d++)
        if (ks[d] != wt->dims[2 + d])
            return op_fail(g, n, e, NNP_INVALID, "kernel_shape[%d] = %lld disagrees with dim "
                           "%d of weights '%s' (%lld)", d, (long long)ks[d], 2 + d, wt->name,
                           (long long)wt->dims[2 + d]);
    return NNP_OK;
}

int infer_conv(graph *g, int n, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    const tensor *x, *wt, *b;
    int64_t group;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = op_input(g, n, 1, DT_FLOAT, &wt, e);
    if (!rc)
        rc = op_get_int(g, n, "group", 1, &group, e);
    if (rc)
        return rc;
    if (x->rank < 3)
        return op_fail(g, n, e, NNP_INVALID, "input '%s' has rank %d; Conv needs N x C x at "
                       "least one spatial dim", x->name, x->rank);
    if (group < 1)
        return op_fail(g, n, e, NNP_INVALID, "group = %lld must be at least 1", (long long)group);
    rc = check_weights(g, n, x, wt, group, e);
    if (rc)
        return rc;
    if (op_has_input(nd, 2)) {
        rc = op_input(g, n, 2, DT_FLOAT, &b, e);
        if (rc)
            return rc;
        if (b->rank != 1 || b->dims[0] != wt->dims[0])
            return op_fail(g, n, e, NNP_INVALID, "bias '%s' must have shape [%lld] (the output "
                           "channels)", b->name, (long long)wt->dims[0]);
    }
    window w;
    rc = conv_geometry(g, nd, &group, &w, e);
    if (rc)
        return rc;
    int64_t dims[MAX_RANK] = {x->dims[0], wt->dims[0]};
    for (int d = 0; d < w.nsp; d++)
        dims[2 + d] = w.out[d];
    return op_set_output(g, n, 0, x->rank, dims, e);
}

int run_conv(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    const tensor *tx = &g->tensors[nd->in[0]], *tw = &g->tensors[nd->in[1]];
    int64_t group;
    window w;
    int rc = conv_geometry(g, nd, &group, &w, e);
    if (rc)
        return rc;
    int64_t batch = tx->dims[0], chans = tx->dims[1], m_all = tw->dims[0];
    int64_t cg = chans / group, mg = m_all / group;
    int64_t plane = dims_prod(w.in, 0, w.nsp), outs = dims_prod(w.out, 0, w.nsp);
    int64_t taps = dims_prod(w.kernel, 0, w.nsp);
    const float *x = v[nd->in[0]], *wt = v[nd->in[1]];
    const float *bias = op_has_input(nd, 2) ? v[nd->in[2]] : NULL;
    float *y = v[nd->out[0]];
    int64_t *off = malloc((size_t)taps * sizeof *off);
    if (!off)
        return err_set(e, NNP_NOMEM, "out of memory running Conv");
    for (int64_t b = 0; b < batch; b++) {
        int64_t o[MAX_SPATIAL] = {0}, p = 0;
        do {
            window_offsets(&w, o, off);
            for (int64_t m = 0; m < m_all; m++) {
                const float *xg = x + (b * chans + (m / mg) * cg) * plane;
                const float *wm = wt + m * cg * taps;
                float acc = bias ? bias[m] : 0.0f;
                for (int64_t c = 0; c < cg; c++)
                    for (int64_t q = 0; q < taps; q++)
                        if (off[q] >= 0)
                            acc += wm[c * taps + q] * xg[c * plane + off[q]];
                y[(b * m_all + m) * outs + p] = acc;
            }
            p++;
        } while (index_next(o, w.out, w.nsp));
    }
    free(off);
    return NNP_OK;
}

/* Saturates at INT64_MAX: a count that large only needs to compare big. */
static int64_t mul_sat(int64_t a, int64_t b)
{
    int64_t r;
    return size_mul(a, b, &r) ? INT64_MAX : r;
}

int64_t macs_conv(const graph *g, const node *nd)
{
    const tensor *y = &g->tensors[nd->out[0]], *wt = &g->tensors[nd->in[1]];
    if (y->rank < 0 || wt->rank < 0)
        return 0;
    /* N*M*prod(out) is Y's element count; W's dims 1.. are C/group x kernel. */
    return mul_sat(tensor_numel(y), dims_prod(wt->dims, 1, wt->rank));
}
