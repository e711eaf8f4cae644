/* Matrix products: Gemm and MatMul.
 *
 * Gemm is Y = alpha * A' B' + beta * C on 2-D A and B, where A' is A or its
 * transpose (transA) and likewise B'; the optional C broadcasts one way
 * onto M x N (a scalar, a row [N], a column [M, 1] or the full matrix).
 *
 * MatMul follows numpy.matmul: a 1-D A is a row vector and a 1-D B a column
 * vector, with that dim removed from the result; dims before the last two
 * are batch dims that broadcast like Add's. Both runs read operands through
 * strides, so transposition and broadcasting cost nothing extra; the
 * multiply count of either is Y's element count times K. */
#include "op_impl.h"

static int check_bool(const graph *g, int n, const char *name, int64_t *v, nnp_err *e)
{
    int rc = op_get_int(g, n, name, 0, v, e);
    if (!rc && *v != 0 && *v != 1)
        return op_fail(g, n, e, NNP_INVALID, "%s = %lld must be 0 or 1", name, (long long)*v);
    return rc;
}

int infer_gemm(graph *g, int n, nnp_err *e)
{
    const tensor *a, *b, *c;
    int64_t ta, tb;
    float f;
    int rc = op_input(g, n, 0, DT_FLOAT, &a, e);
    if (!rc)
        rc = op_input(g, n, 1, DT_FLOAT, &b, e);
    if (!rc)
        rc = check_bool(g, n, "transA", &ta, e);
    if (!rc)
        rc = check_bool(g, n, "transB", &tb, e);
    if (!rc)
        rc = op_get_float(g, n, "alpha", 1.0f, &f, e);
    if (!rc)
        rc = op_get_float(g, n, "beta", 1.0f, &f, e);
    if (rc)
        return rc;
    if (a->rank != 2 || b->rank != 2)
        return op_fail(g, n, e, NNP_INVALID, "A '%s' and B '%s' must be 2-D (ranks %d and %d)",
                       a->name, b->name, a->rank, b->rank);
    int64_t m = a->dims[ta], k = a->dims[1 - ta], kb = b->dims[tb], nn = b->dims[1 - tb];
    if (k != kb)
        return op_fail(g, n, e, NNP_INVALID, "inner dims differ: A%s '%s' is %lld x %lld, B%s "
                       "'%s' is %lld x %lld", ta ? "^T" : "", a->name, (long long)m,
                       (long long)k, tb ? "^T" : "", b->name, (long long)kb, (long long)nn);
    int64_t dims[2] = {m, nn};
    if (op_has_input(&g->nodes[n], 2)) {
        rc = op_input(g, n, 2, DT_FLOAT, &c, e);
        if (rc)
            return rc;
        int r, bad;
        int64_t bd[MAX_RANK];
        if (c->rank > 2 || bcast_shape(c->rank, c->dims, 2, dims, &r, bd, &bad) ||
            bd[0] != m || bd[1] != nn)
            return op_fail(g, n, e, NNP_INVALID, "C '%s' (rank %d) does not broadcast to the "
                           "%lld x %lld output", c->name, c->rank, (long long)m, (long long)nn);
    }
    return op_set_output(g, n, 0, 2, dims, e);
}

int run_gemm(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const tensor *tx_a = &g->tensors[nd->in[0]], *ty = &g->tensors[nd->out[0]];
    int ta = attr_int(nd, "transA", 0) != 0, tb = attr_int(nd, "transB", 0) != 0;
    float alpha = attr_float(nd, "alpha", 1.0f), beta = attr_float(nd, "beta", 1.0f);
    int64_t m = ty->dims[0], n = ty->dims[1], k = tx_a->dims[1 - ta];
    /* Element (i, p) of A' is at i*ai + p*ap; (p, j) of B' at p*bp + j*bj. */
    int64_t ai = ta ? 1 : k, ap = ta ? m : 1, bp = tb ? 1 : n, bj = tb ? k : 1;
    const float *a = v[nd->in[0]], *b = v[nd->in[1]];
    const float *c = op_has_input(nd, 2) ? v[nd->in[2]] : NULL;
    int64_t cs[2] = {0, 0};
    if (c) {
        const tensor *tc = &g->tensors[nd->in[2]];
        bcast_strides(tc->rank, tc->dims, 2, ty->dims, cs);
    }
    float *y = v[nd->out[0]];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (int64_t p = 0; p < k; p++)
                acc += a[i * ai + p * ap] * b[p * bp + j * bj];
            y[i * n + j] = alpha * acc + (c ? beta * c[i * cs[0] + j * cs[1]] : 0.0f);
        }
    return NNP_OK;
}

int64_t macs_gemm(const graph *g, const node *nd)
{
    const tensor *a = &g->tensors[nd->in[0]], *y = &g->tensors[nd->out[0]];
    if (a->rank != 2 || y->rank < 0)
        return 0;
    return tensor_numel(y) * a->dims[attr_int(nd, "transA", 0) ? 0 : 1];
}

/* MatMul operands seen as (batch..., rows, cols) after numpy's promotion
 * of 1-D operands. */
typedef struct mm_shape {
    int batch_rank;
    int64_t batch[MAX_RANK];
    int64_t rows, cols;
} mm_shape;

static void mm_promote(const tensor *t, int is_b, mm_shape *s)
{
    if (t->rank == 1) {
        s->batch_rank = 0;
        s->rows = is_b ? t->dims[0] : 1;
        s->cols = is_b ? 1 : t->dims[0];
        return;
    }
    s->batch_rank = t->rank - 2;
    for (int i = 0; i < s->batch_rank; i++)
        s->batch[i] = t->dims[i];
    s->rows = t->dims[t->rank - 2];
    s->cols = t->dims[t->rank - 1];
}

int infer_matmul(graph *g, int n, nnp_err *e)
{
    const tensor *a, *b;
    int rc = op_input(g, n, 0, DT_FLOAT, &a, e);
    if (!rc)
        rc = op_input(g, n, 1, DT_FLOAT, &b, e);
    if (rc)
        return rc;
    if (a->rank < 1 || b->rank < 1)
        return op_fail(g, n, e, NNP_INVALID, "operands '%s' and '%s' must have rank >= 1 (ranks "
                       "%d and %d)", a->name, b->name, a->rank, b->rank);
    mm_shape sa, sb;
    mm_promote(a, 0, &sa);
    mm_promote(b, 1, &sb);
    if (sa.cols != sb.rows)
        return op_fail(g, n, e, NNP_INVALID, "inner dims differ: '%s' has %lld columns, '%s' has "
                       "%lld rows", a->name, (long long)sa.cols, b->name, (long long)sb.rows);
    int r, bad;
    int64_t dims[MAX_RANK + 2];
    if (bcast_shape(sa.batch_rank, sa.batch, sb.batch_rank, sb.batch, &r, dims, &bad))
        return op_fail(g, n, e, NNP_INVALID, "batch dims of '%s' and '%s' do not broadcast (at "
                       "batch axis %d)", a->name, b->name, bad);
    if (a->rank > 1)
        dims[r++] = sa.rows;
    if (b->rank > 1)
        dims[r++] = sb.cols;
    return op_set_output(g, n, 0, r, dims, e);
}

int run_matmul(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const tensor *ta = &g->tensors[nd->in[0]], *tb = &g->tensors[nd->in[1]];
    mm_shape sa, sb, so;
    int bad;
    mm_promote(ta, 0, &sa);
    mm_promote(tb, 1, &sb);
    bcast_shape(sa.batch_rank, sa.batch, sb.batch_rank, sb.batch, &so.batch_rank, so.batch, &bad);
    int64_t m = sa.rows, k = sa.cols, n = sb.cols;
    int64_t bsa[MAX_RANK], bsb[MAX_RANK], idx[MAX_RANK] = {0};
    bcast_strides(sa.batch_rank, sa.batch, so.batch_rank, so.batch, bsa);
    bcast_strides(sb.batch_rank, sb.batch, so.batch_rank, so.batch, bsb);
    const float *a = v[nd->in[0]], *b = v[nd->in[1]];
    float *y = v[nd->out[0]];
    if (dims_prod(so.batch, 0, so.batch_rank) == 0)
        return NNP_OK;
    do {
        int64_t oa = 0, ob = 0;
        for (int i = 0; i < so.batch_rank; i++) {
            oa += idx[i] * bsa[i];
            ob += idx[i] * bsb[i];
        }
        /* Batch strides count matrices; scale to elements. */
        const float *am = a + oa * m * k, *bm = b + ob * k * n;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                float acc = 0.0f;
                for (int64_t p = 0; p < k; p++)
                    acc += am[i * k + p] * bm[p * n + j];
                y[i * n + j] = acc;
            }
        y += m * n;
    } while (index_next(idx, so.batch, so.batch_rank));
    return NNP_OK;
}

int64_t macs_matmul(const graph *g, const node *nd)
{
    const tensor *a = &g->tensors[nd->in[0]], *y = &g->tensors[nd->out[0]];
    if (a->rank < 1 || y->rank < 0)
        return 0;
    return tensor_numel(y) * a->dims[a->rank - 1];
}
