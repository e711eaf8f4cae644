/* BatchNormalization in inference form:
 *   y = scale * (x - mean) / sqrt(var + epsilon) + bias
 * per channel (axis 1) of an N x C x ... input.
 *
 * Training is out of scope: training_mode = 1 (opset 14), the running
 * statistics outputs of opsets 7-13, and spatial = 0 (opset 7-8's
 * per-element statistics) are all rejected as unsupported rather than
 * silently computed the inference way. */
#include "op_impl.h"

#include <math.h>
#include <string.h>

static const char *const param_names[] = {"", "scale", "bias", "mean", "var"};

int infer_batchnorm(graph *g, int n, nnp_err *e)
{
    const node *nd = &g->nodes[n];
    const tensor *x, *p;
    int64_t training, spatial;
    float eps;
    int rc = op_input(g, n, 0, DT_FLOAT, &x, e);
    if (!rc)
        rc = op_get_int(g, n, "training_mode", 0, &training, e);
    if (!rc)
        rc = op_get_int(g, n, "spatial", 1, &spatial, e);
    if (!rc)
        rc = op_get_float(g, n, "epsilon", 1e-5f, &eps, e);
    if (rc)
        return rc;
    if (training != 0)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "training_mode = %lld is not supported "
                       "(nnpipe runs inference only)", (long long)training);
    for (int k = 1; k < nd->nout; k++)
        if (op_has_output(nd, k))
            return op_fail(g, n, e, NNP_UNSUPPORTED, "output %d (training statistics) is not "
                           "supported; only Y is", k);
    if (spatial != 1)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "spatial = %lld is not supported",
                       (long long)spatial);
    if (!(eps >= 0))
        return op_fail(g, n, e, NNP_INVALID, "epsilon = %g must not be negative", (double)eps);
    if (x->rank < 2)
        return op_fail(g, n, e, NNP_INVALID, "input '%s' has rank %d; it needs N and C dims",
                       x->name, x->rank);
    for (int k = 1; k <= 4; k++) {
        rc = op_input(g, n, k, DT_FLOAT, &p, e);
        if (rc)
            return rc;
        if (p->rank != 1 || p->dims[0] != x->dims[1])
            return op_fail(g, n, e, NNP_INVALID, "%s '%s' must have shape [%lld] (the channels "
                           "of '%s')", param_names[k], p->name, (long long)x->dims[1], x->name);
    }
    int64_t dims[MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    return op_set_output(g, n, 0, x->rank, dims, e);
}

int run_batchnorm(const graph *g, const node *nd, float *const *v, nnp_err *e)
{
    (void)e;
    const tensor *tx = &g->tensors[nd->in[0]];
    const float *x = v[nd->in[0]], *scale = v[nd->in[1]], *bias = v[nd->in[2]];
    const float *mean = v[nd->in[3]], *var = v[nd->in[4]];
    float *y = v[nd->out[0]];
    float eps = attr_float(nd, "epsilon", 1e-5f);
    int64_t batch = tx->dims[0], chans = tx->dims[1], inner = dims_prod(tx->dims, 2, tx->rank);
    for (int64_t b = 0; b < batch; b++)
        for (int64_t c = 0; c < chans; c++) {
            float a = scale[c] / sqrtf(var[c] + eps);
            int64_t base = (b * chans + c) * inner;
            for (int64_t i = 0; i < inner; i++)
                y[base + i] = a * (x[base + i] - mean[c]) + bias[c];
        }
    return NNP_OK;
}
