/* Softmax, under both ONNX conventions.
 *
 * Opset 13 normalises along one axis (default -1). Opsets 1-12 coerce the
 * input to 2-D at `axis` (default 1) and normalise over everything from
 * that axis on. Both reduce to the same loop: `outer` independent groups
 * of `len` elements spaced `stride` apart, with
 *   opset 13:  outer = prod(d[:axis]), len = d[axis],     stride = prod(d[axis+1:])
 *   opset <13: outer = prod(d[:axis]), len = prod(d[axis:]), stride = 1
 * Each group subtracts its maximum before exponentiating, so large inputs
 * do not overflow, and sums in double. */
#include "op_impl.h"

#include <math.h>
#include <string.h>

static int softmax_axis(const graph *g, int n, int rank, int *axis, nnp_err *e)
{
    int legacy = op_opset(g) < 13;
    int64_t a;
    int rc = op_get_int(g, n, "axis", legacy ? 1 : -1, &a, e);
    /* The legacy 2-D coercion accepts axis == rank (an empty second dim). */
    return rc ? rc : op_axis(g, n, a, rank, legacy, axis, e);
}

int infer_softmax(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    int axis;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (rc)
        return rc;
    if (x->rank < 1)
        return op_fail(g, n, e, NNP_INVALID, "input '%s' is a scalar; Softmax needs an axis",
                       x->name);
    rc = softmax_axis(g, n, x->rank, &axis, e);
    if (rc)
        return rc;
    int64_t dims[MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    return op_set_output(g, n, 0, x->rank, dims, e);
}

static void softmax_group(const float *x, float *y, int64_t len, int64_t stride)
{
    float mx = -INFINITY;
    for (int64_t i = 0; i < len; i++)
        mx = x[i * stride] > mx ? x[i * stride] : mx;
    double sum = 0;
    for (int64_t i = 0; i < len; i++) {
        y[i * stride] = expf(x[i * stride] - mx);
        sum += y[i * stride];
    }
    for (int64_t i = 0; i < len; i++)
        y[i * stride] = (float)(y[i * stride] / sum);
}

int run_softmax(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    const tensor *t = &g->tensors[nd->in[0]];
    int axis;
    int rc = softmax_axis(g, op_node_index(g, nd), t->rank, &axis, e);
    if (rc)
        return rc;
    int64_t outer = dims_prod(t->dims, 0, axis), len, stride;
    if (op_opset(g) < 13) {
        len = dims_prod(t->dims, axis, t->rank);
        stride = 1;
    } else {
        len = t->dims[axis];
        stride = dims_prod(t->dims, axis + 1, t->rank);
    }
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]];
    for (int64_t o = 0; o < outer; o++)
        for (int64_t s = 0; s < stride; s++)
            softmax_group(x + o * len * stride + s, y + o * len * stride + s, len, stride);
    return NNP_OK;
}
