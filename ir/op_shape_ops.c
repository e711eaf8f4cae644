/* Ops that rearrange shapes: Concat, Flatten, Reshape, Squeeze, Unsqueeze
 * and Transpose.
 *
 * Flatten, Reshape, Squeeze and Unsqueeze never move data (a row-major
 * tensor reads the same under any shape of the same size), so they only
 * infer and share run_identity. Reshape's target shape must be a constant
 * int64 tensor: nnpipe compiles static shapes, so a shape computed at run
 * time is unsupported. In that shape, 0 copies the input dim at the same
 * index and one -1 takes whatever size is left; allowzero = 1 (opset 14,
 * where 0 means an empty dim) is accepted only when no 0 appears, since
 * then both readings agree.
 *
 * Squeeze and Unsqueeze took their axes as an attribute up to opset 12 and
 * as an optional (Squeeze) or required (Unsqueeze) int64 input from opset
 * 13; that input must be a constant, like Reshape's shape. Squeeze without
 * axes drops every dim of 1. Transpose really moves data: output axis i is
 * input axis perm[i] (perm defaults to the axes reversed). */
#include "op_impl.h"

#include <string.h>

int infer_concat(graph *g, int n, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    const tensor *first, *t;
    int64_t a;
    int axis;
    int rc = op_input(g, n, 0, DT_FLOAT, &first, e);
    if (rc)
        return rc;
    if (!node_attr(nd, "axis"))
        return op_fail(g, n, e, NNP_INVALID, "the required attribute axis is missing");
    rc = op_get_int(g, n, "axis", 0, &a, e);
    if (!rc)
        rc = op_axis(g, n, a, first->rank, 0, &axis, e);
    if (rc)
        return rc;
    int64_t dims[MAX_RANK];
    memcpy(dims, first->dims, sizeof dims);
    for (int k = 1; k < nd->nin; k++) {
        rc = op_input(g, n, k, DT_FLOAT, &t, e);
        if (rc)
            return rc;
        if (t->rank != first->rank)
            return op_fail(g, n, e, NNP_INVALID, "input %d '%s' has rank %d; input 0 '%s' has "
                           "rank %d", k, t->name, t->rank, first->name, first->rank);
        for (int d = 0; d < t->rank; d++)
            if (d != axis && t->dims[d] != first->dims[d])
                return op_fail(g, n, e, NNP_INVALID, "input %d '%s' has dim %d = %lld; input 0 "
                               "'%s' has %lld (only axis %d may differ)", k, t->name, d,
                               (long long)t->dims[d], first->name, (long long)first->dims[d],
                               axis);
        /* Each input is within the element limit, so the sum cannot
         * overflow before op_set_output checks it. */
        dims[axis] += t->dims[axis];
    }
    return op_set_output(g, n, 0, first->rank, dims, e);
}

int run_concat(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    const tensor *ty = &g->tensors[nd->out[0]];
    int64_t a = attr_int(nd, "axis", 0);
    int axis = (int)(a < 0 ? a + ty->rank : a);
    (void)e;
    /* Each input contributes a contiguous chunk of dims[axis] * inner
     * elements to every one of the `outer` slices of the output. */
    int64_t outer = dims_prod(ty->dims, 0, axis), inner = dims_prod(ty->dims, axis + 1, ty->rank);
    float *y = v[nd->out[0]];
    for (int64_t o = 0; o < outer; o++)
        for (int k = 0; k < nd->nin; k++) {
            int64_t chunk = g->tensors[nd->in[k]].dims[axis] * inner;
            if (chunk > 0)
                memcpy(y, v[nd->in[k]] + o * chunk, (size_t)chunk * sizeof(float));
            y += chunk;
        }
    return NNP_OK;
}

int infer_flatten(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    int64_t a;
    int axis;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = op_get_int(g, n, "axis", 1, &a, e);
    if (!rc)
        rc = op_axis(g, n, a, x->rank, 1, &axis, e);
    if (rc)
        return rc;
    int64_t dims[2] = {dims_prod(x->dims, 0, axis), dims_prod(x->dims, axis, x->rank)};
    return op_set_output(g, n, 0, 2, dims, e);
}

/* The constant target shape of a Reshape, checked for form. */
static int reshape_target(const graph *g, int n, const tensor **s, nnp_err *e)
{
    int rc = op_input(g, n, 1, DT_INT64, s, e);
    if (rc)
        return rc;
    if (!(*s)->idata)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "shape input '%s' is not a constant; nnpipe "
                       "needs static shapes", (*s)->name);
    if ((*s)->rank != 1)
        return op_fail(g, n, e, NNP_INVALID, "shape input '%s' must be 1-D (rank %d)",
                       (*s)->name, (*s)->rank);
    if ((*s)->dims[0] > MAX_RANK)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "shape input '%s' has %lld dims; nnpipe allows "
                       "%d", (*s)->name, (long long)(*s)->dims[0], MAX_RANK);
    return NNP_OK;
}

/* Resolves 0 and -1 entries of shape s against input x into dims. */
static int reshape_dims(const graph *g, int n, const tensor *x, const tensor *s, int64_t *dims,
                        nnp_err *e)
{
    int r = (int)s->dims[0], infer_at = -1;
    int64_t known = 1, total = tensor_numel(x);
    for (int i = 0; i < r; i++) {
        int64_t d = s->idata[i];
        if (d == 0 && i >= x->rank)
            return op_fail(g, n, e, NNP_INVALID, "shape[%d] = 0 copies input dim %d, but input "
                           "'%s' has rank %d", i, i, x->name, x->rank);
        if (d == -1 && infer_at >= 0)
            return op_fail(g, n, e, NNP_INVALID, "shape has -1 at both index %d and %d",
                           infer_at, i);
        if (d < -1)
            return op_fail(g, n, e, NNP_INVALID, "shape[%d] = %lld is negative", i, (long long)d);
        dims[i] = d == 0 ? x->dims[i] : d;
        if (d == -1)
            infer_at = i;
        else if (size_mul(known, dims[i], &known) || known > OP_MAX_ELEMS)
            return op_fail(g, n, e, NNP_INVALID, "shape holds more elements than input '%s' "
                           "(%lld)", x->name, (long long)total);
    }
    if (infer_at >= 0) {
        if (known == 0 || total % known != 0)
            return op_fail(g, n, e, NNP_INVALID, "cannot infer the -1 dim: %lld elements of '%s' "
                           "are not a multiple of the other dims' product %lld",
                           (long long)total, x->name, (long long)known);
        dims[infer_at] = total / known;
        known = total;
    }
    if (known != total)
        return op_fail(g, n, e, NNP_INVALID, "shape has %lld elements; input '%s' has %lld",
                       (long long)known, x->name, (long long)total);
    return NNP_OK;
}

int infer_reshape(graph *g, int n, nnp_err *e)
{
    const tensor *x, *s;
    int64_t allowzero, dims[MAX_RANK];
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = reshape_target(g, n, &s, e);
    if (!rc)
        rc = op_get_int(g, n, "allowzero", 0, &allowzero, e);
    if (rc)
        return rc;
    if (allowzero != 0)
        for (int64_t i = 0; i < s->dims[0]; i++)
            if (s->idata[i] == 0)
                return op_fail(g, n, e, NNP_UNSUPPORTED, "allowzero = %lld with a 0 in shape "
                               "(at index %lld) is not supported", (long long)allowzero,
                               (long long)i);
    rc = reshape_dims(g, n, x, s, dims, e);
    return rc ? rc : op_set_output(g, n, 0, (int)s->dims[0], dims, e);
}

/* The axes of a Squeeze or Unsqueeze, by the model's opset: the attribute
 * up to opset 12, the constant input from 13. *count = -1 when absent. */
static int shape_axes(const graph *g, int n, int64_t *axes, int *count, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    const char *op = op_table[nd->op].name;
    *count = -1;
    if (op_opset(g) < 13) {
        if (op_has_input(nd, 1))
            return op_fail(g, n, e, NNP_INVALID, "%s before opset 13 takes its axes as an "
                           "attribute, not an input (model opset %d)", op, op_opset(g));
        if (!node_attr(nd, "axes"))
            return NNP_OK;
        return op_get_ints(g, n, "axes", -1, 0, axes, count, e);
    }
    if (node_attr(nd, "axes"))
        return op_fail(g, n, e, NNP_INVALID, "%s from opset 13 takes its axes as an input; the "
                       "axes attribute is no longer allowed (model opset %d)", op, op_opset(g));
    if (!op_has_input(nd, 1))
        return NNP_OK;
    const tensor *a;
    int rc = op_input(g, n, 1, DT_INT64, &a, e);
    if (rc)
        return rc;
    if (!a->idata)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "axes input '%s' is not a constant; nnpipe "
                       "needs static shapes", a->name);
    if (a->rank != 1)
        return op_fail(g, n, e, NNP_INVALID, "axes input '%s' must be 1-D (rank %d)", a->name,
                       a->rank);
    if (a->dims[0] > MAX_RANK)
        return op_fail(g, n, e, NNP_INVALID, "axes input '%s' has %lld values; a tensor has at "
                       "most %d axes", a->name, (long long)a->dims[0], MAX_RANK);
    *count = (int)a->dims[0];
    for (int i = 0; i < *count; i++)
        axes[i] = a->idata[i];
    return NNP_OK;
}

/* Maps axes[0..count) into [0, rank), marking each in *mask; an axis named
 * twice is invalid. */
static int axes_mask(const graph *g, int n, const int64_t *axes, int count, int rank,
                     unsigned *mask, nnp_err *e)
{
    *mask = 0;
    for (int i = 0; i < count; i++) {
        int a;
        int rc = op_axis(g, n, axes[i], rank, 0, &a, e);
        if (rc)
            return rc;
        if (*mask >> a & 1)
            return op_fail(g, n, e, NNP_INVALID, "axis %d appears twice in axes", a);
        *mask |= 1u << a;
    }
    return NNP_OK;
}

int infer_squeeze(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    int64_t axes[2 * MAX_RANK], dims[MAX_RANK];
    int count, r = 0;
    unsigned mask = 0;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = shape_axes(g, n, axes, &count, e);
    if (!rc && count >= 0)
        rc = axes_mask(g, n, axes, count, x->rank, &mask, e);
    if (rc)
        return rc;
    for (int i = 0; i < x->rank; i++) {
        if (count < 0 && x->dims[i] == 1)
            mask |= 1u << i;
        if (mask >> i & 1 && x->dims[i] != 1)
            return op_fail(g, n, e, NNP_INVALID, "cannot squeeze axis %d of '%s': its dim is "
                           "%lld, not 1", i, x->name, (long long)x->dims[i]);
        if (!(mask >> i & 1))
            dims[r++] = x->dims[i];
    }
    return op_set_output(g, n, 0, r, dims, e);
}

int infer_unsqueeze(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    int64_t axes[2 * MAX_RANK], dims[MAX_RANK];
    int count;
    unsigned mask;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = shape_axes(g, n, axes, &count, e);
    if (rc)
        return rc;
    if (count < 0)
        return op_fail(g, n, e, NNP_INVALID, "the axes %s is missing",
                       op_opset(g) < 13 ? "attribute" : "input");
    int r = x->rank + count;
    if (r > MAX_RANK)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "output would have rank %d; nnpipe allows %d",
                       r, MAX_RANK);
    if ((rc = axes_mask(g, n, axes, count, r, &mask, e)))
        return rc;
    for (int i = 0, k = 0; i < r; i++)
        dims[i] = mask >> i & 1 ? 1 : x->dims[k++];
    return op_set_output(g, n, 0, r, dims, e);
}

void transpose_perm(const node *nd, int r, int *perm)
{
    int np;
    const int64_t *p = attr_ints(nd, "perm", &np);
    for (int i = 0; i < r; i++)
        perm[i] = p ? (int)p[i] : r - 1 - i;
}

int infer_transpose(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    int64_t perm[2 * MAX_RANK], dims[MAX_RANK];
    int count;
    unsigned seen = 0;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = op_get_ints(g, n, "perm", -1, 0, perm, &count, e);
    if (rc)
        return rc;
    if (node_attr(&g->nodes[n], "perm") && count != x->rank)
        return op_fail(g, n, e, NNP_INVALID, "perm has %d values; input '%s' has rank %d", count,
                       x->name, x->rank);
    for (int i = 0; i < x->rank; i++) {
        int64_t p = node_attr(&g->nodes[n], "perm") ? perm[i] : x->rank - 1 - i;
        if (p < 0 || p >= x->rank)
            return op_fail(g, n, e, NNP_INVALID, "perm[%d] = %lld is not an axis of '%s' "
                           "(rank %d)", i, (long long)p, x->name, x->rank);
        if (seen >> p & 1)
            return op_fail(g, n, e, NNP_INVALID, "perm[%d] = %lld names an axis already "
                           "taken: perm is not a permutation", i, (long long)p);
        seen |= 1u << p;
        dims[i] = x->dims[p];
    }
    return op_set_output(g, n, 0, x->rank, dims, e);
}

/* Walks the output in row-major order; the input offset advances by the
 * input stride of the axis each output axis comes from. */
int run_transpose(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const tensor *tx = &g->tensors[nd->in[0]], *ty = &g->tensors[nd->out[0]];
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]];
    int r = ty->rank, perm[MAX_RANK];
    if (tensor_numel(ty) == 0)
        return NNP_OK;
    if (r == 0) {
        y[0] = x[0];
        return NNP_OK;
    }
    transpose_perm(nd, r, perm);
    int64_t in_st[MAX_RANK], st[MAX_RANK], idx[MAX_RANK] = {0}, s = 1;
    for (int i = r - 1; i >= 0; i--) {
        in_st[i] = s;
        s *= tx->dims[i];
    }
    for (int i = 0; i < r; i++)
        st[i] = in_st[perm[i]];
    int64_t inner = ty->dims[r - 1], si = st[r - 1];
    do {
        int64_t off = 0;
        for (int i = 0; i < r - 1; i++)
            off += idx[i] * st[i];
        for (int64_t j = 0; j < inner; j++)
            y[j] = x[off + j * si];
        y += inner;
    } while (index_next(idx, ty->dims, r - 1));
    return NNP_OK;
}
