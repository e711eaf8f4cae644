/* Sliding-window geometry: every ONNX convention for Conv, MaxPool and
 * AveragePool resolved once into a plain `window` (ops.h).
 *
 * ONNX spreads the geometry over several attributes whose meanings
 * interact: explicit pads (all begins, then all ends), auto_pad (SAME_UPPER
 * puts the odd extra pad at the end, SAME_LOWER at the beginning, VALID
 * pads nothing), dilations (a kernel of k taps spans (k-1)*d+1 inputs) and
 * ceil_mode for pools. Shape inference, the interpreter and the tiling
 * pass all read the resolved window instead, so they cannot disagree.
 *
 * ceil_mode follows ONNX/PyTorch: rounding up may add one more output
 * position, but only if that last window starts inside the input or its
 * left padding; a window starting in the right padding is dropped. The
 * window keeps pad_end as the model gave it; a ceil_mode window may reach
 * past in + pad_end, and those positions are padding that no divisor
 * counts. */
#include "op_impl.h"

#include <stdio.h>
#include <string.h>

typedef enum { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID } pad_mode;

static const char *const pad_mode_names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};

static int read_pad_mode(const graph *g, int n, pad_mode *m, nnp_err *e)
{
    const char *s;
    int rc = op_get_string(g, n, "auto_pad", "NOTSET", &s, e);
    if (rc)
        return rc;
    for (int k = 0; k < 4; k++)
        if (strcmp(s, pad_mode_names[k]) == 0) {
            *m = (pad_mode)k;
            return NNP_OK;
        }
    return op_fail(g, n, e, NNP_INVALID,
                   "auto_pad '%s' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", s);
}

/* strides, dilations and pads, with their defaults and range checks. */
static int read_geometry(const graph *g, int n, int nsp, window *w, nnp_err *e)
{
    int64_t pads[2 * MAX_SPATIAL];
    int rc = op_get_ints(g, n, "strides", nsp, 1, w->stride, NULL, e);
    if (!rc)
        rc = op_get_ints(g, n, "dilations", nsp, 1, w->dil, NULL, e);
    if (!rc)
        rc = op_get_ints(g, n, "pads", 2 * nsp, 0, pads, NULL, e);
    if (rc)
        return rc;
    for (int d = 0; d < nsp; d++) {
        if (w->stride[d] < 1 || w->stride[d] > OP_MAX_ELEMS)
            return op_fail(g, n, e, NNP_INVALID, "strides[%d] = %lld must be in [1, 2^31]", d,
                           (long long)w->stride[d]);
        if (w->dil[d] < 1 || w->dil[d] > OP_MAX_ELEMS)
            return op_fail(g, n, e, NNP_INVALID, "dilations[%d] = %lld must be in [1, 2^31]", d,
                           (long long)w->dil[d]);
    }
    /* Upper bounds keep all later window arithmetic far from overflow. */
    for (int d = 0; d < 2 * nsp; d++)
        if (pads[d] < 0 || pads[d] > OP_MAX_ELEMS)
            return op_fail(g, n, e, NNP_INVALID, "pads[%d] = %lld must be in [0, 2^31]", d,
                           (long long)pads[d]);
    for (int d = 0; d < nsp; d++) {
        w->pad_begin[d] = pads[d];
        w->pad_end[d] = pads[nsp + d];
    }
    return NNP_OK;
}

static int has_nonzero_pads(const node *nd)
{
    int count;
    const int64_t *p = attr_ints(nd, "pads", &count);
    for (int i = 0; i < count; i++)
        if (p[i] != 0)
            return 1;
    return 0;
}

/* Output length and padding along spatial dim d. */
static int resolve_dim(const graph *g, int n, window *w, int d, pad_mode mode, int ceil_mode,
                       nnp_err *e)
{
    int64_t in = w->in[d], s = w->stride[d], ext, total;
    if (size_mul(w->kernel[d] - 1, w->dil[d], &ext) || size_add(ext, 1, &ext) ||
        ext > OP_MAX_ELEMS)
        return op_fail(g, n, e, NNP_INVALID,
                       "kernel extent along spatial dim %d is too large: kernel %lld with "
                       "dilation %lld spans more than the limit of 2^31 inputs",
                       d, (long long)w->kernel[d], (long long)w->dil[d]);
    if (mode == PAD_SAME_UPPER || mode == PAD_SAME_LOWER) {
        w->out[d] = ceil_div(in, s);
        total = max64(0, (w->out[d] - 1) * s + ext - in);
        w->pad_begin[d] = mode == PAD_SAME_UPPER ? total / 2 : total - total / 2;
        w->pad_end[d] = total - w->pad_begin[d];
        return NNP_OK;
    }
    if (mode == PAD_VALID)
        w->pad_begin[d] = w->pad_end[d] = 0;
    if (size_add(in, w->pad_begin[d], &total) || size_add(total, w->pad_end[d], &total))
        return op_fail(g, n, e, NNP_INVALID, "pads along spatial dim %d are too large", d);
    if (total < ext)
        return op_fail(g, n, e, NNP_INVALID,
                       "kernel extent %lld (kernel %lld, dilation %lld) exceeds the padded input "
                       "%lld along spatial dim %d",
                       (long long)ext, (long long)w->kernel[d], (long long)w->dil[d],
                       (long long)total, d);
    w->out[d] = (ceil_mode ? ceil_div(total - ext, s) : (total - ext) / s) + 1;
    if (ceil_mode && (w->out[d] - 1) * s >= in + w->pad_begin[d])
        w->out[d]--;
    return NNP_OK;
}

/* "k0 x k1 x ..." for messages. */
static const char *kernel_text(const window *w, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (int d = 0; d < w->nsp && at < len; d++)
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", d ? " x " : "",
                               (long long)w->kernel[d]);
    return buf;
}

int window_of_node(const graph *g, const node *nd, const int64_t *in_sp, const int64_t *kernel,
                   int nsp, window *w, nnp_err *e)
{
    int n = op_node_index(g, nd);
    if (nsp < 1 || nsp > MAX_SPATIAL)
        return op_fail(g, n, e, NNP_UNSUPPORTED, "%d spatial dims; nnpipe supports 1 to %d", nsp,
                       MAX_SPATIAL);
    memset(w, 0, sizeof *w);
    w->nsp = nsp;
    pad_mode mode = PAD_NOTSET;
    int64_t ceil_mode = 0;
    int rc = read_pad_mode(g, n, &mode, e);
    if (!rc)
        rc = read_geometry(g, n, nsp, w, e);
    /* Conv has no ceil_mode; only pools read it. */
    if (!rc && nd->op != OP_CONV)
        rc = op_get_int(g, n, "ceil_mode", 0, &ceil_mode, e);
    if (rc)
        return rc;
    if (ceil_mode != 0 && ceil_mode != 1)
        return op_fail(g, n, e, NNP_INVALID, "ceil_mode = %lld must be 0 or 1",
                       (long long)ceil_mode);
    if (mode != PAD_NOTSET && has_nonzero_pads(nd))
        return op_fail(g, n, e, NNP_INVALID, "explicit pads cannot be combined with auto_pad %s",
                       pad_mode_names[mode]);
    for (int d = 0; d < nsp; d++) {
        if (kernel[d] < 1)
            return op_fail(g, n, e, NNP_INVALID, "kernel size %lld along spatial dim %d must be "
                           "at least 1", (long long)kernel[d], d);
        if (in_sp[d] < 1)
            return op_fail(g, n, e, NNP_INVALID, "the input is empty along spatial dim %d", d);
        w->in[d] = in_sp[d];
        w->kernel[d] = kernel[d];
        rc = resolve_dim(g, n, w, d, mode, (int)ceil_mode, e);
        if (rc)
            return rc;
    }
    int64_t taps;
    if (size_prod(w->kernel, nsp, &taps) || taps > OP_MAX_TAPS)
        return op_fail(g, n, e, NNP_LIMIT, "the kernel (%s) has more than 2^24 positions per "
                       "window, the limit", kernel_text(w, (char[96]){0}, 96));
    return NNP_OK;
}

int64_t window_offsets(const window *w, const int64_t *o, int64_t *off)
{
    int64_t k[MAX_SPATIAL] = {0}, valid = 0, q = 0;
    do {
        int64_t flat = 0;
        int inside = 1;
        for (int d = 0; d < w->nsp; d++) {
            int64_t p = o[d] * w->stride[d] - w->pad_begin[d] + k[d] * w->dil[d];
            inside &= p >= 0 && p < w->in[d];
            flat = flat * w->in[d] + p;
        }
        off[q++] = inside ? flat : -1;
        valid += inside;
    } while (index_next(k, w->kernel, w->nsp));
    return valid;
}

/* Taps i in [0, k) of a 1-D window starting at `start` whose position
 * start + i*dil lands in [lo, hi); O(1) so huge outputs stay cheap. */
static int64_t taps_in(int64_t start, int64_t k, int64_t dil, int64_t lo, int64_t hi)
{
    int64_t first = max64(0, -floor_div(start - lo, dil));
    int64_t last = min64(k - 1, floor_div(hi - 1 - start, dil));
    return last >= first ? last - first + 1 : 0;
}

int64_t window_real_taps(const window *w, const int64_t *o, int64_t *first, int64_t *count)
{
    int64_t c = 1;
    for (int d = 0; d < w->nsp; d++) {
        int64_t start = o[d] * w->stride[d] - w->pad_begin[d];
        first[d] = max64(0, -floor_div(start, w->dil[d]));
        count[d] = taps_in(start, w->kernel[d], w->dil[d], 0, w->in[d]);
        c *= count[d];
    }
    return c;
}

int64_t window_padded_count(const window *w, const int64_t *o)
{
    int64_t c = 1;
    for (int d = 0; d < w->nsp; d++)
        c *= taps_in(o[d] * w->stride[d] - w->pad_begin[d], w->kernel[d], w->dil[d],
                     -w->pad_begin[d], w->in[d] + w->pad_end[d]);
    return c;
}

/* Dims are independent: a window reads real input iff it does along every
 * dim, so checking each dim's positions alone is enough. */
int window_covers_input(const window *w, int *dim, int64_t *pos)
{
    for (int d = 0; d < w->nsp; d++)
        for (int64_t o = 0; o < w->out[d]; o++)
            if (taps_in(o * w->stride[d] - w->pad_begin[d], w->kernel[d], w->dil[d], 0,
                        w->in[d]) == 0) {
                *dim = d;
                *pos = o;
                return 0;
            }
    return 1;
}
