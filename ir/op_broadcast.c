/* Elementwise ops of several inputs with ONNX multidirectional (numpy)
 * broadcasting: Add, Sub, Mul, Div, PRelu, and the variadic Max, Min and
 * Sum.
 *
 * Shapes align at the right; along each axis the dims must be equal or one
 * of them 1, and a missing leading axis counts as 1. PRelu's slope
 * broadcasts unidirectionally: onto its input's shape, which is the
 * output's (opset 7 on; the per-channel slope of earlier opsets is
 * refused). Evaluation walks the output once in row-major order, carrying
 * one offset per input that advances by that input's broadcast stride (0
 * along a broadcast axis), and folds the inputs from the left with the op's
 * function from the binary table, so the cost is linear in the output
 * whatever the broadcast pattern. A variadic op of one input is a copy. */
#include "op_impl.h"

#include <stdlib.h>

static float f_add(float x, float y) { return x + y; }
static float f_sub(float x, float y) { return x - y; }
static float f_mul(float x, float y) { return x * y; }
static float f_div(float x, float y) { return x / y; }
/* Either operand NaN gives NaN, like numpy.maximum/minimum. */
static float f_max(float x, float y) { return x != x || x > y ? x : y; }
static float f_min(float x, float y) { return x != x || x < y ? x : y; }
static float f_prelu(float x, float y) { return x < 0 ? y * x : x; }

static const bin_desc bins[OP_COUNT] = {
    [OP_ADD] = {f_add, "x + y"},
    [OP_SUB] = {f_sub, "x - y"},
    [OP_MUL] = {f_mul, "x * y"},
    [OP_DIV] = {f_div, "x / y"},
    [OP_MAX] = {f_max, "x != x || x > y ? x : y"},
    [OP_MIN] = {f_min, "x != x || x < y ? x : y"},
    [OP_SUM] = {f_add, "x + y"},
    [OP_PRELU] = {f_prelu, "x < 0 ? y * x : x"},
};

const bin_desc *bin_of(op_kind op)
{
    return op >= 0 && op < OP_COUNT && bins[op].fn ? &bins[op] : NULL;
}

/* Inputs a and b clash along output axis `bad` of an output of rank r. */
static int clash(const graph *g, int n, const tensor *a, const tensor *b, int r, int bad,
                 nnp_err *e)
{
    int ja = bad - (r - a->rank), jb = bad - (r - b->rank);
    return op_fail(g, n, e, NNP_INVALID,
                   "shapes of '%s' and '%s' do not broadcast: dim %d of '%s' is %lld, dim %d "
                   "of '%s' is %lld",
                   a->name, b->name, ja, a->name, (long long)a->dims[ja], jb, b->name,
                   (long long)b->dims[jb]);
}

/* The dim of t along output axis i of rank r (1 where t has none). */
static int64_t dim_at(const tensor *t, int r, int i)
{
    int j = i - (r - t->rank);
    return j >= 0 ? t->dims[j] : 1;
}

int infer_binary(graph *g, int n, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    int r = 0;
    int64_t dims[MAX_RANK];
    for (int k = 0; k < nd->nin; k++) {
        const tensor *t;
        int rc = op_input(g, n, k, DT_FLOAT, &t, e);
        if (rc)
            return rc;
        int r2, bad;
        int64_t d2[MAX_RANK];
        if (bcast_shape(r, dims, t->rank, t->dims, &r2, d2, &bad) == 0) {
            r = r2;
            for (int i = 0; i < r; i++)
                dims[i] = d2[i];
            continue;
        }
        /* Name the earlier input whose dim disagrees with t's there. */
        int64_t dt = dim_at(t, r2, bad);
        for (int j = 0; j < k; j++) {
            const tensor *u = &g->tensors[nd->in[j]];
            int64_t du = dim_at(u, r2, bad);
            if (du != dt && du != 1 && dt != 1)
                return clash(g, n, u, t, r2, bad, e);
        }
        return op_fail(g, n, e, NNP_INTERNAL, "input %d '%s' does not broadcast", k, t->name);
    }
    return op_set_output(g, n, 0, r, dims, e);
}

/* PRelu(X, slope): slope must broadcast onto X without growing it. Before
 * opset 7 a slope of C values applied along axis 1 whatever X's rank;
 * that reading is refused as unsupported rather than broadcast wrongly. */
int infer_prelu(graph *g, int n, nnp_err *e)
{
    const tensor *x, *s;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = op_input(g, n, 1, DT_FLOAT, &s, e);
    if (rc)
        return rc;
    if (op_opset(g) < 7 && s->rank == 1 && x->rank > 2 && s->dims[0] > 1)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "slope '%s' has %lld values, one per channel "
                       "as PRelu read it before opset 7 (model opset %d); nnpipe broadcasts "
                       "the slope as opset 7 does: give it shape [%lld, 1, ...]", s->name,
                       (long long)s->dims[0], op_opset(g), (long long)s->dims[0]);
    if (s->rank > x->rank)
        return op_fail(g, n, e, NNP_INVALID, "slope '%s' has rank %d, more than input '%s' "
                       "(rank %d): it must broadcast onto the input", s->name, s->rank, x->name,
                       x->rank);
    for (int i = 0; i < s->rank; i++) {
        int a = x->rank - s->rank + i;
        if (s->dims[i] != 1 && s->dims[i] != x->dims[a])
            return op_fail(g, n, e, NNP_INVALID, "slope '%s' does not broadcast onto input "
                           "'%s': dim %d of '%s' is %lld, dim %d of '%s' is %lld", s->name,
                           x->name, i, s->name, (long long)s->dims[i], a, x->name,
                           (long long)x->dims[a]);
    }
    int64_t dims[MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        dims[i] = x->dims[i];
    return op_set_output(g, n, 0, x->rank, dims, e);
}

int run_binary(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    const bin_desc *d = bin_of(nd->op);
    const tensor *ty = &g->tensors[nd->out[0]];
    int r = ty->rank, nin = nd->nin;
    float *y = v[nd->out[0]];
    if (tensor_numel(ty) == 0)
        return NNP_OK;
    /* st[k * MAX_RANK + i]: input k's stride along output axis i; off[k]
     * its offset at the start of the current row. */
    int64_t *st = xcalloc((size_t)nin * (MAX_RANK + 1), sizeof *st), *off = st + nin * MAX_RANK;
    const float **x = xcalloc((size_t)nin, sizeof *x);
    if (!st || !x) {
        free(st);
        free(x);
        return err_set(e, NNP_NOMEM, "out of memory running %s", op_table[nd->op].name);
    }
    for (int k = 0; k < nin; k++) {
        const tensor *t = &g->tensors[nd->in[k]];
        bcast_strides(t->rank, t->dims, r, ty->dims, st + k * MAX_RANK);
        x[k] = v[nd->in[k]];
    }
    int64_t idx[MAX_RANK] = {0}, inner = r > 0 ? ty->dims[r - 1] : 1;
    /* The odometer runs over all but the innermost axis. */
    do {
        for (int k = 0; k < nin; k++) {
            off[k] = 0;
            for (int i = 0; i < r - 1; i++)
                off[k] += idx[i] * st[k * MAX_RANK + i];
        }
        for (int64_t j = 0; j < inner; j++) {
            float acc = x[0][off[0] + (r > 0 ? j * st[r - 1] : 0)];
            for (int k = 1; k < nin; k++)
                acc = d->fn(acc, x[k][off[k] + (r > 0 ? j * st[k * MAX_RANK + r - 1] : 0)]);
            y[j] = acc;
        }
        y += inner;
    } while (index_next(idx, ty->dims, r - 1));
    free(st);
    free(x);
    return NNP_OK;
}
