/* Elementwise ops with one data input: Relu, LeakyRelu, Sigmoid, Clip,
 * and the pass-throughs Identity and Dropout (inference only).
 *
 * Each keeps its input's shape. NaN propagates (Relu and Clip compare so
 * that a NaN input is never replaced), as in numpy and onnxruntime.
 *
 * Clip changed form at opset 11: the bounds moved from float attributes to
 * optional scalar inputs. Those inputs are usually constants, but may be
 * any float tensor, so run reads them from the value array like any other
 * input. An absent bound is the float type's lowest/highest finite value,
 * as the spec says (so Clip maps +inf to FLT_MAX, like onnxruntime). */
#include "op_impl.h"

#include <float.h>
#include <math.h>
#include <string.h>

static int64_t out_count(const graph *g, const node *nd)
{
    return tensor_numel(&g->tensors[nd->out[0]]);
}

int infer_unary(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    float alpha;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc && g->nodes[n].op == OP_LEAKYRELU)
        rc = op_get_float(g, n, "alpha", 0.01f, &alpha, e);
    if (rc)
        return rc;
    int64_t dims[MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    return op_set_output(g, n, 0, x->rank, dims, e);
}

int run_relu(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]];
    for (int64_t i = 0, c = out_count(g, nd); i < c; i++)
        y[i] = x[i] < 0 ? 0.0f : x[i];
    return NNP_OK;
}

int run_leakyrelu(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]], alpha = attr_float(nd, "alpha", 0.01f);
    for (int64_t i = 0, c = out_count(g, nd); i < c; i++)
        y[i] = x[i] < 0 ? alpha * x[i] : x[i];
    return NNP_OK;
}

int run_sigmoid(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]];
    for (int64_t i = 0, c = out_count(g, nd); i < c; i++)
        y[i] = 1.0f / (1.0f + expf(-x[i]));
    return NNP_OK;
}

int run_identity(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    int64_t c = out_count(g, nd);
    if (c > 0 && v[nd->out[0]] != v[nd->in[0]])
        memcpy(v[nd->out[0]], v[nd->in[0]], (size_t)c * sizeof(float));
    return NNP_OK;
}

/* Clip-11+ bound k (1 = min, 2 = max): a float tensor of one element. */
static int check_bound(const graph *g, int n, int k, nnp_err *e)
{
    const tensor *b;
    if (!op_has_input(&g->nodes[n], k))
        return NNP_OK;
    int rc = op_input(g, n, k, DT_FLOAT, &b, e);
    if (rc)
        return rc;
    if (tensor_numel(b) != 1)
        return op_fail(g, n, e, NNP_INVALID, "the %s bound '%s' must be a scalar, not %lld "
                       "elements", k == 1 ? "min" : "max", b->name, (long long)tensor_numel(b));
    return NNP_OK;
}

int infer_clip(graph *g, int n, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    float f;
    int rc;
    if (op_opset(g) < 11) {
        if (nd->nin > 1)
            return op_fail(g, n, e, NNP_INVALID, "Clip before opset 11 takes its bounds as "
                           "attributes, not inputs (model opset %d)", op_opset(g));
        rc = op_get_float(g, n, "min", -FLT_MAX, &f, e);
        if (!rc)
            rc = op_get_float(g, n, "max", FLT_MAX, &f, e);
    } else {
        if (node_attr(nd, "min") || node_attr(nd, "max"))
            return op_fail(g, n, e, NNP_INVALID, "Clip from opset 11 takes its bounds as inputs; "
                           "the min/max attributes are no longer allowed (model opset %d)",
                           op_opset(g));
        rc = check_bound(g, n, 1, e);
        if (!rc)
            rc = check_bound(g, n, 2, e);
    }
    return rc ? rc : infer_unary(g, n, e);
}

int run_clip(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    float lo, hi;
    if (op_opset(g) < 11) {
        lo = attr_float(nd, "min", -FLT_MAX);
        hi = attr_float(nd, "max", FLT_MAX);
    } else {
        lo = op_has_input(nd, 1) ? v[nd->in[1]][0] : -FLT_MAX;
        hi = op_has_input(nd, 2) ? v[nd->in[2]][0] : FLT_MAX;
    }
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]];
    /* min(max(x, lo), hi) written so NaN passes through; lo > hi gives hi
     * everywhere, like numpy.clip. */
    for (int64_t i = 0, c = out_count(g, nd); i < c; i++) {
        float t = x[i] < lo ? lo : x[i];
        y[i] = t > hi ? hi : t;
    }
    return NNP_OK;
}

/* A constant scalar that is zero/false, whatever its stored type. */
static int is_const_false(const tensor *t)
{
    if (t->rank < 0 || tensor_numel(t) != 1)
        return 0;
    if (t->idata)
        return t->idata[0] == 0;
    return t->data && t->data[0] == 0.0f;
}

int infer_dropout(graph *g, int n, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    if (op_has_output(nd, 1))
        return op_fail(g, n, e, NNP_UNSUPPORTED, "the mask output of Dropout is not supported "
                       "(nnpipe runs inference only)");
    if (op_has_input(nd, 2) && !is_const_false(&g->tensors[nd->in[2]]))
        return op_fail(g, n, e, NNP_UNSUPPORTED, "Dropout's training_mode input '%s' must be a "
                       "constant false: nnpipe runs inference only",
                       g->tensors[nd->in[2]].name);
    return infer_unary(g, n, e);
}
