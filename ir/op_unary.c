/* Elementwise ops with one data input: the activations (Relu, LeakyRelu,
 * Sigmoid, Tanh, Exp, Log, Neg, Abs, Sqrt, Elu, Selu, HardSigmoid,
 * HardSwish, Softplus, Softsign), Clip, and the pass-throughs Identity and
 * Dropout (inference only).
 *
 * Each keeps its input's shape. The activations are rows of one table
 * (act_desc, ops.h): their parameters' attributes, the scalar function and
 * its C form, so the interpreter runs them all through run_activation and
 * lowering and the C backend need no case per op. NaN propagates (the
 * piecewise functions compare so that a NaN input is never replaced), as in
 * numpy and onnxruntime. Softplus is written as max(x, 0) + log1p(e^-|x|),
 * which is ONNX's log(e^x + 1) without the overflow of e^x.
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

/* ---- the activation table ---- */

static float f_relu(float x, float a, float b)
{
    (void)a, (void)b;
    return x < 0 ? 0.0f : x;
}

static float f_leakyrelu(float x, float a, float b)
{
    (void)b;
    return x < 0 ? a * x : x;
}

/* min(max(x, lo), hi) so that NaN passes through; lo > hi gives hi
 * everywhere, like numpy.clip. */
static float f_clip(float x, float a, float b)
{
    float t = x < a ? a : x;
    return t > b ? b : t;
}

static float f_sigmoid(float x, float a, float b)
{
    (void)a, (void)b;
    return 1.0f / (1.0f + expf(-x));
}

static float f_tanh(float x, float a, float b)
{
    (void)a, (void)b;
    return tanhf(x);
}

static float f_exp(float x, float a, float b)
{
    (void)a, (void)b;
    return expf(x);
}

static float f_log(float x, float a, float b)
{
    (void)a, (void)b;
    return logf(x);
}

static float f_neg(float x, float a, float b)
{
    (void)a, (void)b;
    return -x;
}

static float f_abs(float x, float a, float b)
{
    (void)a, (void)b;
    return fabsf(x);
}

static float f_sqrt(float x, float a, float b)
{
    (void)a, (void)b;
    return sqrtf(x);
}

static float f_elu(float x, float a, float b)
{
    (void)b;
    return x < 0 ? a * (expf(x) - 1.0f) : x;
}

/* gamma * x above 0, gamma * (alpha * e^x - alpha) below (a = alpha, b = gamma). */
static float f_selu(float x, float a, float b)
{
    return x > 0 ? b * x : b * (a * expf(x) - a);
}

static float f_hardsigmoid(float x, float a, float b)
{
    float t = a * x + b;
    return t < 0 ? 0.0f : t > 1 ? 1.0f : t;
}

static float f_hardswish(float x, float a, float b)
{
    return x * f_hardsigmoid(x, a, b);
}

static float f_softplus(float x, float a, float b)
{
    (void)a, (void)b;
    return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

static float f_softsign(float x, float a, float b)
{
    (void)a, (void)b;
    return x / (1.0f + fabsf(x));
}

#define NOPARAM {NULL, NULL}, {0, 0}
static const act_desc acts[OP_COUNT] = {
    [OP_RELU] = {NOPARAM, f_relu, "x < 0 ? 0.0f : x"},
    [OP_LEAKYRELU] = {{"alpha", NULL}, {0.01f, 0}, f_leakyrelu, "x < 0 ? a * x : x"},
    [OP_CLIP] = {{"min", "max"}, {-FLT_MAX, FLT_MAX}, f_clip,
                 "(x < a ? a : x) > b ? b : (x < a ? a : x)"},
    [OP_SIGMOID] = {NOPARAM, f_sigmoid, "1.0f / (1.0f + nnp_expf(-x))"},
    [OP_TANH] = {NOPARAM, f_tanh, "nnp_tanhf(x)"},
    [OP_EXP] = {NOPARAM, f_exp, "nnp_expf(x)"},
    [OP_LOG] = {NOPARAM, f_log, "nnp_logf(x)"},
    [OP_NEG] = {NOPARAM, f_neg, "-x"},
    [OP_ABS] = {NOPARAM, f_abs, "x < 0 ? -x : x"},
    [OP_SQRT] = {NOPARAM, f_sqrt, "nnp_sqrtf(x)"},
    [OP_ELU] = {{"alpha", NULL}, {1.0f, 0}, f_elu, "x < 0 ? a * (nnp_expf(x) - 1.0f) : x"},
    [OP_SELU] = {{"alpha", "gamma"}, {1.67326319217681884765625f, 1.05070102214813232421875f},
                 f_selu, "x > 0 ? b * x : b * (a * nnp_expf(x) - a)"},
    [OP_HARDSIGMOID] = {{"alpha", "beta"}, {0.2f, 0.5f}, f_hardsigmoid,
                        "a * x + b < 0 ? 0.0f : (a * x + b > 1 ? 1.0f : a * x + b)"},
    /* HardSwish is x * HardSigmoid(x) with alpha 1/6 and beta 1/2 fixed. */
    [OP_HARDSWISH] = {{NULL, NULL}, {1.0f / 6.0f, 0.5f}, f_hardswish,
                      "x * (a * x + b < 0 ? 0.0f : (a * x + b > 1 ? 1.0f : a * x + b))"},
    [OP_SOFTPLUS] = {NOPARAM, f_softplus, "nnp_softplusf(x)"},
    [OP_SOFTSIGN] = {NOPARAM, f_softsign, "x / (1.0f + (x < 0 ? -x : x))"},
};

const act_desc *act_of(op_kind op)
{
    return op >= 0 && op < OP_COUNT && acts[op].fn ? &acts[op] : NULL;
}

static void attr_params(const node *n, const act_desc *d, float *p)
{
    for (int k = 0; k < 2; k++)
        p[k] = d->param[k] ? attr_float(n, d->param[k], d->def[k]) : d->def[k];
}

int act_params(const graph *g, const node *n, float *a, float *b)
{
    float p[2];
    attr_params(n, act_of(n->op), p);
    if (n->op == OP_CLIP && op_opset(g) >= 11)
        for (int k = 1; k <= 2; k++) {
            p[k - 1] = k == 1 ? -FLT_MAX : FLT_MAX;
            if (!op_has_input(n, k))
                continue;
            const tensor *t = &g->tensors[n->in[k]];
            if (!t->data)
                return -1;
            p[k - 1] = t->data[0];
        }
    *a = p[0];
    *b = p[1];
    return 0;
}

/* ---- the ops ---- */

int infer_unary(graph *g, int n, nnp_err *e)
{
    const tensor *x;
    float f;
    const act_desc *d = act_of(g->nodes[n].op);
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    /* Clip's attributes depend on the opset; infer_clip checks them. */
    for (int k = 0; !rc && d && g->nodes[n].op != OP_CLIP && k < 2; k++)
        if (d->param[k])
            rc = op_get_float(g, n, d->param[k], d->def[k], &f, e);
    if (rc)
        return rc;
    int64_t dims[MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    return op_set_output(g, n, 0, x->rank, dims, e);
}

int run_activation(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const act_desc *d = act_of(nd->op);
    const float *x = v[nd->in[0]];
    float *y = v[nd->out[0]], p[2];
    attr_params(nd, d, p);
    for (int64_t i = 0, c = out_count(g, nd); i < c; i++)
        y[i] = d->fn(x[i], p[0], p[1]);
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
    for (int64_t i = 0, c = out_count(g, nd); i < c; i++)
        y[i] = f_clip(x[i], lo, hi);
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
