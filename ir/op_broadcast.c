/* Binary elementwise ops with ONNX multidirectional (numpy) broadcasting:
 * Add and Mul.
 *
 * Shapes align at the right; along each axis the dims must be equal or one
 * of them 1, and a missing leading axis counts as 1. Evaluation walks the
 * output once in row-major order, carrying one offset per input that
 * advances by that input's broadcast stride (0 along a broadcast axis), so
 * the cost is linear in the output whatever the broadcast pattern. */
#include "op_impl.h"

int infer_binary(graph *g, int n, nnp_err *e)
{
    const tensor *a, *b;
    int rc = op_input(g, n, 0, DT_FLOAT, &a, e);
    if (!rc)
        rc = op_input(g, n, 1, DT_FLOAT, &b, e);
    if (rc)
        return rc;
    int r, bad;
    int64_t dims[MAX_RANK];
    if (bcast_shape(a->rank, a->dims, b->rank, b->dims, &r, dims, &bad)) {
        int ja = bad - (r - a->rank), jb = bad - (r - b->rank);
        return op_fail(g, n, e, NNP_INVALID,
                       "shapes of '%s' and '%s' do not broadcast: dim %d of '%s' is %lld, dim %d "
                       "of '%s' is %lld",
                       a->name, b->name, ja, a->name, (long long)a->dims[ja], jb, b->name,
                       (long long)b->dims[jb]);
    }
    return op_set_output(g, n, 0, r, dims, e);
}

typedef float (*binary_fn)(float, float);

static float add_fn(float x, float y) { return x + y; }
static float mul_fn(float x, float y) { return x * y; }

static int run_binary(const graph *g, const node *nd, float *const *v, binary_fn f)
{
    const tensor *ta = &g->tensors[nd->in[0]], *tb = &g->tensors[nd->in[1]];
    const tensor *ty = &g->tensors[nd->out[0]];
    const float *a = v[nd->in[0]], *b = v[nd->in[1]];
    float *y = v[nd->out[0]];
    int r = ty->rank;
    if (tensor_numel(ty) == 0)
        return NNP_OK;
    if (r == 0) {
        y[0] = f(a[0], b[0]);
        return NNP_OK;
    }
    int64_t sa[MAX_RANK], sb[MAX_RANK], idx[MAX_RANK] = {0};
    bcast_strides(ta->rank, ta->dims, r, ty->dims, sa);
    bcast_strides(tb->rank, tb->dims, r, ty->dims, sb);
    int64_t inner = ty->dims[r - 1], ia = sa[r - 1], ib = sb[r - 1];
    /* The odometer runs over all but the innermost axis. */
    do {
        int64_t oa = 0, ob = 0;
        for (int i = 0; i < r - 1; i++) {
            oa += idx[i] * sa[i];
            ob += idx[i] * sb[i];
        }
        for (int64_t j = 0; j < inner; j++)
            y[j] = f(a[oa + j * ia], b[ob + j * ib]);
        y += inner;
    } while (index_next(idx, ty->dims, r - 1));
    return NNP_OK;
}

int run_add(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    return run_binary(g, nd, v, add_fn);
}

int run_mul(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    return run_binary(g, nd, v, mul_fn);
}
