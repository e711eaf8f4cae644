/* Property tests on random valid graphs (tests/randgraph.h), each seeded
 * and reproducible: a failure prints the seed and the graph.
 *
 *   - graph_check accepts every generated graph and infers the shapes the
 *     generator worked out from the ONNX formulas;
 *   - the reference interpreter gives finite outputs that match a naive
 *     evaluator written here from the ONNX operator specification
 *     (explicit loops over every output element and kernel tap, double
 *     accumulation, its own padding and broadcasting rules): for single-op
 *     graphs of every op, and for whole chains and DAGs;
 *   - lowering succeeds for every sample target, or refuses with
 *     NNP_INFEASIBLE and a message naming the layer and the target, and the
 *     tiled program, run by the tile interpreter, reproduces the reference;
 *   - the sequential, list and modulo schedulers plan every lowered program
 *     (the list scheduler may refuse with NNP_INFEASIBLE when no order fits
 *     memory), every plan passes the independent verifier, no makespan is
 *     below the plan's own lower bound, and no loop's II below its MII.
 * The C backend's compile-and-compare on these graphs is in
 * test_emit_c_random.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "ops.h"
#include "plan.h"
#include "program.h"
#include "randgraph.h"
#include "target.h"
#include "testutil.h"
#include "tile_interp.h"

/* Graph counts are halved under ASan (several times slower) to keep the
 * file at a few seconds there too; every kind of graph still runs. */
#if defined(__SANITIZE_ADDRESS__)
#define SCALE 2
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALE 2
#endif
#endif
#ifndef SCALE
#define SCALE 1
#endif

/* ---- a naive evaluator, from the ONNX specification ---- */

typedef struct nv_tensor {
    int rank;
    const int64_t *dims;
    double *v;
} nv_tensor;

static int64_t count(int rank, const int64_t *dims)
{
    int64_t p = 1;
    for (int i = 0; i < rank; i++)
        p *= dims[i];
    return p;
}

static void unravel(int64_t flat, int rank, const int64_t *dims, int64_t *idx)
{
    for (int i = rank - 1; i >= 0; i--) {
        idx[i] = flat % dims[i];
        flat /= dims[i];
    }
}

static int64_t ravel(int rank, const int64_t *dims, const int64_t *idx)
{
    int64_t f = 0;
    for (int i = 0; i < rank; i++)
        f = f * dims[i] + idx[i];
    return f;
}

/* Element of x at output index idx (rank ro) under numpy broadcasting. */
static double bread(const nv_tensor *x, int ro, const int64_t *idx)
{
    int64_t j[MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        int64_t o = idx[ro - x->rank + i];
        j[i] = x->dims[i] == 1 ? 0 : o;
    }
    return x->v[ravel(x->rank, x->dims, j)];
}

typedef struct nv_node {
    const node *n;
    nv_tensor in[8];
    int nin;
    nv_tensor out;
    int opset;
} nv_node;

static void nv_unary(nv_node *c)
{
    const nv_tensor *x = &c->in[0];
    double lo = -INFINITY, hi = INFINITY;
    if (c->n->op == OP_CLIP) {
        lo = c->nin > 1 && c->in[1].v ? c->in[1].v[0] : lo;
        hi = c->nin > 2 && c->in[2].v ? c->in[2].v[0] : hi;
    }
    /* alpha's default is the spec's for each op */
    float alpha0 = c->n->op == OP_LEAKYRELU ? 0.01f : c->n->op == OP_ELU ? 1.0f : 0.2f;
    if (c->n->op == OP_SELU)
        alpha0 = 1.67326319217681884765625f;
    double alpha = attr_float(c->n, "alpha", alpha0);
    double gamma = attr_float(c->n, "gamma", 1.05070102214813232421875f);
    double beta = attr_float(c->n, "beta", 0.5f);
    for (int64_t i = 0, n = count(x->rank, x->dims); i < n; i++) {
        double v = x->v[i];
        switch (c->n->op) {
        case OP_RELU: v = v > 0 ? v : 0; break;
        case OP_LEAKYRELU: v = v >= 0 ? v : alpha * v; break;
        case OP_SIGMOID: v = 1.0 / (1.0 + exp(-v)); break;
        case OP_CLIP: v = v < lo ? lo : v > hi ? hi : v; break;
        case OP_TANH: v = tanh(v); break;
        case OP_EXP: v = exp(v); break;
        case OP_LOG: v = log(v); break;
        case OP_NEG: v = -v; break;
        case OP_ABS: v = fabs(v); break;
        case OP_SQRT: v = sqrt(v); break;
        case OP_ELU: v = v >= 0 ? v : alpha * (exp(v) - 1); break;
        case OP_SELU: v = v > 0 ? gamma * v : gamma * (alpha * exp(v) - alpha); break;
        case OP_HARDSIGMOID: v = fmax(0, fmin(1, alpha * v + beta)); break;
        case OP_HARDSWISH: v = v * fmax(0, fmin(1, v / 6 + 0.5)); break;
        case OP_SOFTPLUS: v = log(exp(v) + 1); break;
        case OP_SOFTSIGN: v = v / (1 + fabs(v)); break;
        default: break; /* Identity, Dropout, Flatten, Reshape, Squeeze, Unsqueeze: as is */
        }
        c->out.v[i] = v;
    }
}

/* Output index i reads input index j with j[perm[i]] = i[i]. */
static void nv_transpose(nv_node *c)
{
    int r = c->out.rank, np;
    const int64_t *perm = attr_ints(c->n, "perm", &np);
    int64_t idx[MAX_RANK], j[MAX_RANK];
    for (int64_t f = 0, n = count(r, c->out.dims); f < n; f++) {
        unravel(f, r, c->out.dims, idx);
        for (int i = 0; i < r; i++)
            j[perm ? perm[i] : r - 1 - i] = idx[i];
        c->out.v[f] = c->in[0].v[ravel(r, c->in[0].dims, j)];
    }
}

/* Every input read with broadcasting, folded from the left. */
static void nv_binary(nv_node *c)
{
    int64_t idx[MAX_RANK];
    for (int64_t i = 0, n = count(c->out.rank, c->out.dims); i < n; i++) {
        unravel(i, c->out.rank, c->out.dims, idx);
        double a = bread(&c->in[0], c->out.rank, idx);
        for (int k = 1; k < c->nin; k++) {
            double b = bread(&c->in[k], c->out.rank, idx);
            switch (c->n->op) {
            case OP_ADD: case OP_SUM: a = a + b; break;
            case OP_SUB: a = a - b; break;
            case OP_MUL: a = a * b; break;
            case OP_DIV: a = a / b; break;
            case OP_MAX: a = fmax(a, b); break;
            case OP_MIN: a = fmin(a, b); break;
            case OP_PRELU: a = a < 0 ? b * a : a; break;
            default: break;
            }
        }
        c->out.v[i] = a;
    }
}

static void nv_batchnorm(nv_node *c)
{
    const nv_tensor *x = &c->in[0];
    double eps = attr_float(c->n, "epsilon", 1e-5f);
    int64_t idx[MAX_RANK];
    for (int64_t i = 0, n = count(x->rank, x->dims); i < n; i++) {
        unravel(i, x->rank, x->dims, idx);
        int64_t ch = idx[1];
        c->out.v[i] = (x->v[i] - c->in[3].v[ch]) / sqrt(c->in[4].v[ch] + eps) * c->in[1].v[ch] +
                      c->in[2].v[ch];
    }
}

/* Begin pads of a window along nsp spatial dims, per the auto_pad rules:
 * SAME_* pads so that out = ceil(in / stride), the odd pad at the end
 * (UPPER) or the beginning (LOWER); VALID none; NOTSET the pads attribute. */
typedef struct nv_win {
    int nsp;
    int64_t in[MAX_RANK], out[MAX_RANK], k[MAX_RANK], s[MAX_RANK], d[MAX_RANK];
    int64_t pb[MAX_RANK], pe[MAX_RANK];
} nv_win;

static void nv_window(const node *n, const nv_tensor *x, const int64_t *kernel,
                      const nv_tensor *y, nv_win *w)
{
    int np, ns, nd;
    const int64_t *pads = attr_ints(n, "pads", &np), *st = attr_ints(n, "strides", &ns);
    const int64_t *dl = attr_ints(n, "dilations", &nd);
    const char *ap = attr_string(n, "auto_pad", "NOTSET");
    w->nsp = x->rank - 2;
    for (int i = 0; i < w->nsp; i++) {
        w->in[i] = x->dims[2 + i];
        w->out[i] = y->dims[2 + i];
        w->k[i] = kernel[i];
        w->s[i] = ns ? st[i] : 1;
        w->d[i] = nd ? dl[i] : 1;
        int64_t ext = (w->k[i] - 1) * w->d[i] + 1;
        if (!strncmp(ap, "SAME", 4)) {
            int64_t total = (w->out[i] - 1) * w->s[i] + ext - w->in[i];
            total = total > 0 ? total : 0;
            w->pb[i] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
            w->pe[i] = total - w->pb[i];
        } else if (!strcmp(ap, "VALID")) {
            w->pb[i] = w->pe[i] = 0;
        } else {
            w->pb[i] = np ? pads[i] : 0;
            w->pe[i] = np ? pads[w->nsp + i] : 0;
        }
    }
}

/* Input position of kernel tap kk for output position o, or -1 when it
 * falls in padding; *padded says whether it is inside [-pb, in + pe). */
static int64_t nv_tap(const nv_win *w, const int64_t *o, const int64_t *kk, int *padded)
{
    int64_t flat = 0;
    int inside = 1;
    *padded = 1;
    for (int i = 0; i < w->nsp; i++) {
        int64_t p = o[i] * w->s[i] - w->pb[i] + kk[i] * w->d[i];
        inside &= p >= 0 && p < w->in[i];
        *padded &= p >= -w->pb[i] && p < w->in[i] + w->pe[i];
        flat = flat * w->in[i] + p;
    }
    return inside ? flat : -1;
}

static void nv_conv(nv_node *c)
{
    const nv_tensor *x = &c->in[0], *wt = &c->in[1];
    const nv_tensor *b = c->nin > 2 && c->in[2].v ? &c->in[2] : NULL;
    nv_win w;
    nv_window(c->n, x, wt->dims + 2, &c->out, &w);
    int64_t group = attr_int(c->n, "group", 1), m_all = wt->dims[0], cg = wt->dims[1];
    int64_t plane = count(w.nsp, w.in), outs = count(w.nsp, w.out), taps = count(w.nsp, w.k);
    int64_t o[MAX_RANK], kk[MAX_RANK];
    for (int64_t bi = 0; bi < x->dims[0]; bi++)
        for (int64_t m = 0; m < m_all; m++)
            for (int64_t p = 0; p < outs; p++) {
                unravel(p, w.nsp, w.out, o);
                int64_t gi = m / (m_all / group);
                double acc = b ? b->v[m] : 0.0;
                for (int64_t ci = 0; ci < cg; ci++)
                    for (int64_t t = 0; t < taps; t++) {
                        int padded;
                        unravel(t, w.nsp, w.k, kk);
                        int64_t q = nv_tap(&w, o, kk, &padded);
                        if (q >= 0)
                            acc += wt->v[(m * cg + ci) * taps + t] *
                                   x->v[(bi * x->dims[1] + gi * cg + ci) * plane + q];
                    }
                c->out.v[(bi * m_all + m) * outs + p] = acc;
            }
}

static void nv_pool(nv_node *c)
{
    const nv_tensor *x = &c->in[0];
    int nk;
    const int64_t *ks = attr_ints(c->n, "kernel_shape", &nk);
    nv_win w;
    nv_window(c->n, x, ks, &c->out, &w);
    int incl = attr_int(c->n, "count_include_pad", 0) != 0;
    int64_t planes = x->dims[0] * x->dims[1], plane = count(w.nsp, w.in);
    int64_t outs = count(w.nsp, w.out), taps = count(w.nsp, w.k);
    int64_t o[MAX_RANK], kk[MAX_RANK];
    for (int64_t pl = 0; pl < planes; pl++)
        for (int64_t p = 0; p < outs; p++) {
            unravel(p, w.nsp, w.out, o);
            double sum = 0, mx = -INFINITY;
            int64_t real = 0, padded_taps = 0;
            for (int64_t t = 0; t < taps; t++) {
                int padded;
                unravel(t, w.nsp, w.k, kk);
                int64_t q = nv_tap(&w, o, kk, &padded);
                padded_taps += padded;
                if (q < 0)
                    continue;
                double v = x->v[pl * plane + q];
                sum += v;
                mx = v > mx ? v : mx;
                real++;
            }
            c->out.v[pl * outs + p] =
                c->n->op == OP_MAXPOOL ? mx : sum / (double)(incl ? padded_taps : real);
        }
}

static void nv_global_pool(nv_node *c)
{
    const nv_tensor *x = &c->in[0];
    int64_t planes = x->dims[0] * x->dims[1], plane = count(x->rank - 2, x->dims + 2);
    for (int64_t pl = 0; pl < planes; pl++) {
        double sum = 0, mx = -INFINITY;
        for (int64_t i = 0; i < plane; i++) {
            double v = x->v[pl * plane + i];
            sum += v;
            mx = v > mx ? v : mx;
        }
        c->out.v[pl] = c->n->op == OP_GLOBALMAXPOOL ? mx : sum / (double)plane;
    }
}

static void nv_concat(nv_node *c)
{
    int r = c->out.rank;
    int64_t axis = attr_int(c->n, "axis", 0);
    axis = axis < 0 ? axis + r : axis;
    int64_t idx[MAX_RANK];
    for (int64_t i = 0, n = count(r, c->out.dims); i < n; i++) {
        unravel(i, r, c->out.dims, idx);
        int k = 0;
        while (idx[axis] >= c->in[k].dims[axis])
            idx[axis] -= c->in[k++].dims[axis];
        c->out.v[i] = c->in[k].v[ravel(r, c->in[k].dims, idx)];
    }
}

/* numpy.matmul: a 1-D A gains a leading 1, a 1-D B a trailing 1, both
 * dropped from the result; batch dims broadcast. */
static void nv_matmul(nv_node *c)
{
    const nv_tensor *a = &c->in[0], *b = &c->in[1];
    int64_t ad[MAX_RANK + 1], bd[MAX_RANK + 1];
    int ar = a->rank, br = b->rank;
    memcpy(ad + (ar == 1), a->dims, (size_t)ar * sizeof *ad);
    if (ar == 1)
        ad[0] = 1, ar = 2;
    memcpy(bd, b->dims, (size_t)br * sizeof *bd);
    if (br == 1)
        bd[1] = 1, br = 2;
    int64_t m = ad[ar - 2], k = ad[ar - 1], n = bd[br - 1];
    int r = ar > br ? ar : br;
    int64_t od[MAX_RANK + 1], idx[MAX_RANK + 1], ia[MAX_RANK + 1], ib[MAX_RANK + 1];
    for (int i = 0; i < r - 2; i++) {
        int ja = i - (r - ar), jb = i - (r - br);
        int64_t da = ja >= 0 ? ad[ja] : 1, db = jb >= 0 ? bd[jb] : 1;
        od[i] = da > db ? da : db;
    }
    od[r - 2] = m, od[r - 1] = n;
    for (int64_t f = 0, total = count(r, od); f < total; f++) {
        unravel(f, r, od, idx);
        for (int i = 0; i < ar - 2; i++)
            ia[i] = ad[i] == 1 ? 0 : idx[i + r - ar];
        for (int i = 0; i < br - 2; i++)
            ib[i] = bd[i] == 1 ? 0 : idx[i + r - br];
        double acc = 0;
        for (int64_t q = 0; q < k; q++) {
            ia[ar - 2] = idx[r - 2], ia[ar - 1] = q;
            ib[br - 2] = q, ib[br - 1] = idx[r - 1];
            acc += a->v[ravel(ar, ad, ia)] * b->v[ravel(br, bd, ib)];
        }
        c->out.v[f] = acc;
    }
}

static void nv_gemm(nv_node *c)
{
    const nv_tensor *a = &c->in[0], *b = &c->in[1];
    const nv_tensor *cc = c->nin > 2 && c->in[2].v ? &c->in[2] : NULL;
    int ta = attr_int(c->n, "transA", 0) != 0, tb = attr_int(c->n, "transB", 0) != 0;
    double alpha = attr_float(c->n, "alpha", 1.0f), beta = attr_float(c->n, "beta", 1.0f);
    int64_t m = c->out.dims[0], n = c->out.dims[1], k = ta ? a->dims[0] : a->dims[1];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double acc = 0;
            for (int64_t q = 0; q < k; q++)
                acc += a->v[ta ? q * m + i : i * k + q] * b->v[tb ? j * k + q : q * n + j];
            int64_t idx[2] = {i, j};
            c->out.v[i * n + j] = alpha * acc + (cc ? beta * bread(cc, 2, idx) : 0.0);
        }
}

/* Opset 13 normalises along one axis; before, the input is read as a 2-D
 * matrix [prod(dims[:axis]), prod(dims[axis:])] normalised along its rows. */
static void nv_softmax(nv_node *c)
{
    const nv_tensor *x = &c->in[0];
    int r = x->rank, legacy = c->opset < 13;
    int64_t axis = attr_int(c->n, "axis", legacy ? 1 : -1);
    axis = axis < 0 ? axis + r : axis;
    int64_t outer = count((int)axis, x->dims);
    int64_t len = legacy ? count(r - (int)axis, x->dims + axis) : x->dims[axis];
    int64_t inner = legacy ? 1 : count(r - (int)axis - 1, x->dims + axis + 1);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            double mx = -INFINITY, sum = 0;
            for (int64_t i = 0; i < len; i++)
                mx = fmax(mx, x->v[(o * len + i) * inner + in]);
            for (int64_t i = 0; i < len; i++)
                sum += exp(x->v[(o * len + i) * inner + in] - mx);
            for (int64_t i = 0; i < len; i++)
                c->out.v[(o * len + i) * inner + in] =
                    exp(x->v[(o * len + i) * inner + in] - mx) / sum;
        }
}

static void (*const nv_ops[OP_COUNT])(nv_node *) = {
    [OP_CONV] = nv_conv,          [OP_MAXPOOL] = nv_pool,
    [OP_AVGPOOL] = nv_pool,       [OP_GLOBALAVGPOOL] = nv_global_pool,
    [OP_GLOBALMAXPOOL] = nv_global_pool,
    [OP_RELU] = nv_unary,         [OP_LEAKYRELU] = nv_unary,
    [OP_CLIP] = nv_unary,         [OP_SIGMOID] = nv_unary,
    [OP_ADD] = nv_binary,         [OP_MUL] = nv_binary,
    [OP_BATCHNORM] = nv_batchnorm, [OP_CONCAT] = nv_concat,
    [OP_FLATTEN] = nv_unary,      [OP_RESHAPE] = nv_unary,
    [OP_GEMM] = nv_gemm,          [OP_MATMUL] = nv_matmul,
    [OP_SOFTMAX] = nv_softmax,    [OP_IDENTITY] = nv_unary,
    [OP_DROPOUT] = nv_unary,      [OP_TANH] = nv_unary,
    [OP_EXP] = nv_unary,          [OP_LOG] = nv_unary,
    [OP_NEG] = nv_unary,          [OP_ABS] = nv_unary,
    [OP_SQRT] = nv_unary,         [OP_ELU] = nv_unary,
    [OP_SELU] = nv_unary,         [OP_HARDSIGMOID] = nv_unary,
    [OP_HARDSWISH] = nv_unary,    [OP_SOFTPLUS] = nv_unary,
    [OP_SOFTSIGN] = nv_unary,     [OP_SUB] = nv_binary,
    [OP_DIV] = nv_binary,         [OP_MAX] = nv_binary,
    [OP_MIN] = nv_binary,         [OP_SUM] = nv_binary,
    [OP_PRELU] = nv_binary,       [OP_SQUEEZE] = nv_unary,
    [OP_UNSQUEEZE] = nv_unary,    [OP_TRANSPOSE] = nv_transpose,
};

/* Evaluates the checked graph g on inputs; returns each graph output as a
 * new array of doubles (caller frees with free_outputs). */
static double **naive_run(const graph *g, float *const *inputs)
{
    double **val = calloc(g->ntensors, sizeof *val);
    for (size_t t = 0; t < g->ntensors; t++) {
        const tensor *x = &g->tensors[t];
        if (!x->data)
            continue;
        int64_t n = tensor_numel(x);
        val[t] = calloc((size_t)n + 1, sizeof(double));
        for (int64_t i = 0; i < n; i++)
            val[t][i] = x->data[i];
    }
    for (int k = 0; k < g->ninputs; k++) {
        int t = g->inputs[k];
        int64_t n = tensor_numel(&g->tensors[t]);
        free(val[t]);
        val[t] = calloc((size_t)n + 1, sizeof(double));
        for (int64_t i = 0; i < n; i++)
            val[t][i] = inputs[k][i];
    }
    for (size_t i = 0; i < g->nnodes; i++) {
        const node *n = &g->nodes[i];
        nv_node c = {.n = n, .nin = n->nin, .opset = g->opset > 0 ? g->opset : 13};
        for (int k = 0; k < n->nin; k++)
            if (n->in[k] >= 0)
                c.in[k] = (nv_tensor){g->tensors[n->in[k]].rank, g->tensors[n->in[k]].dims,
                                      val[n->in[k]]};
        const tensor *y = &g->tensors[n->out[0]];
        val[n->out[0]] = calloc((size_t)tensor_numel(y) + 1, sizeof(double));
        c.out = (nv_tensor){y->rank, y->dims, val[n->out[0]]};
        nv_ops[n->op](&c);
    }
    double **out = calloc((size_t)g->noutputs, sizeof *out);
    for (int k = 0; k < g->noutputs; k++) {
        int t = g->outputs[k];
        int64_t n = tensor_numel(&g->tensors[t]);
        out[k] = calloc((size_t)n + 1, sizeof(double));
        memcpy(out[k], val[t], (size_t)n * sizeof(double));
    }
    for (size_t t = 0; t < g->ntensors; t++)
        free(val[t]);
    free(val);
    return out;
}

/* ---- running generated graphs ---- */

typedef struct run {
    uint64_t seed;
    rg_graph rg;
    float **in, **ref;
    char *desc;
} run;

static float **new_buffers(const graph *g, const int *idx, int n)
{
    float **v = calloc((size_t)n + 1, sizeof *v);
    for (int k = 0; k < n; k++)
        v[k] = calloc((size_t)tensor_numel(&g->tensors[idx[k]]) + 1, sizeof(float));
    return v;
}

static void free_buffers(float **v, int n)
{
    for (int k = 0; v && k < n; k++)
        free(v[k]);
    free(v);
}

/* Generates graph `seed` with options o, checks it (shapes must be the
 * generator's), and runs the interpreter on random inputs in [-1, 1]. */
static void run_start(run *r, uint64_t seed, const rg_opts *o)
{
    memset(r, 0, sizeof *r);
    r->seed = seed;
    rg_rng rng;
    rg_seed(&rng, seed);
    cr_assert_eq(randgraph(&rng, o, &r->rg), 0, "seed %llu: generator out of memory",
                 (unsigned long long)seed);
    graph *g = r->rg.g;
    nnp_err e = {0};
    int rc = graph_check(g, &e);
    r->desc = rg_describe(g);
    cr_assert_eq(rc, NNP_OK, "seed %llu: graph_check refused a generated graph: %s\n%s",
                 (unsigned long long)seed, e.msg, r->desc);
    char why[512];
    const char *bad = rg_shape_mismatch(&r->rg, why, sizeof why);
    cr_assert_null(bad, "seed %llu: %s\n%s", (unsigned long long)seed, bad, r->desc);
    r->in = new_buffers(g, g->inputs, g->ninputs);
    for (int k = 0; k < g->ninputs; k++)
        rg_fill(&rng, r->in[k], tensor_numel(&g->tensors[g->inputs[k]]), -1.0f, 1.0f);
    r->ref = new_buffers(g, g->outputs, g->noutputs);
    rc = interp_run(g, (const float *const *)r->in, r->ref, &e);
    cr_assert_eq(rc, NNP_OK, "seed %llu: interpreter: %s\n%s", (unsigned long long)seed, e.msg,
                 r->desc);
}

static void run_end(run *r)
{
    free_buffers(r->in, r->rg.g->ninputs);
    free_buffers(r->ref, r->rg.g->noutputs);
    free(r->desc);
    rg_free(&r->rg);
}

static void expect_close(const run *r, const char *what, int k, const float *got, double want,
                         int64_t i, double tol)
{
    double d = fabs((double)got[i] - want);
    cr_assert(d <= tol * (1.0 + fabs(want)),
              "seed %llu: %s: output %d element %lld is %.9g, expected %.9g\n%s",
              (unsigned long long)r->seed, what, k, (long long)i, (double)got[i], want, r->desc);
}

static void compare_naive(const run *r)
{
    const graph *g = r->rg.g;
    double **want = naive_run(g, r->in);
    for (int k = 0; k < g->noutputs; k++) {
        for (int64_t i = 0, n = tensor_numel(&g->tensors[g->outputs[k]]); i < n; i++) {
            cr_assert(isfinite(r->ref[k][i]), "seed %llu: output %d element %lld is %g\n%s",
                      (unsigned long long)r->seed, k, (long long)i, (double)r->ref[k][i],
                      r->desc);
            expect_close(r, "interpreter vs naive", k, r->ref[k], want[k][i], i, 1e-4);
        }
        free(want[k]);
    }
    free(want);
}

Test(random_graphs, generation_is_reproducible_from_the_seed)
{
    rg_opts o = rg_defaults();
    for (uint64_t seed = 1; seed <= 20; seed++) {
        run a, b;
        run_start(&a, seed, &o);
        run_start(&b, seed, &o);
        cr_assert_str_eq(a.desc, b.desc, "seed %llu gave two graphs", (unsigned long long)seed);
        run_end(&a);
        run_end(&b);
    }
}

Test(random_graphs, exhausted_choice_bytes_still_give_a_valid_graph)
{
    static const uint8_t none[1], some[] = {7, 200, 13, 255, 0, 91};
    const uint8_t *inputs[] = {none, some};
    size_t lens[] = {0, sizeof some};
    for (int i = 0; i < 2; i++) {
        rg_rng r;
        rg_bytes(&r, inputs[i], lens[i]);
        rg_opts o = rg_defaults();
        rg_graph rg;
        cr_assert_eq(randgraph(&r, &o, &rg), 0);
        nnp_err e = {0};
        cr_assert_eq(graph_check(rg.g, &e), NNP_OK, "%s", e.msg);
        cr_assert_geq(rg.g->noutputs, 1);
        rg_free(&rg);
    }
}

/* Every op alone: the generator with a one-op mask makes single-node
 * graphs (Gemm may add the Flatten it needs), so each op's every attribute
 * combination meets the naive evaluator. */
Test(random_graphs, single_op_graphs_match_the_naive_evaluator_for_every_op)
{
    for (int op = 0; op < OP_COUNT; op++) {
        rg_opts o = rg_defaults();
        o.ops = (uint64_t)1 << op;
        o.max_nodes = 1;
        int made = 0;
        for (uint64_t s = 0; s < 40; s++) {
            run r;
            run_start(&r, 1000 * (uint64_t)(op + 1) + s, &o);
            for (size_t i = 0; i < r.rg.g->nnodes; i++)
                made += r.rg.g->nodes[i].op == (op_kind)op;
            compare_naive(&r);
            run_end(&r);
        }
        cr_assert_geq(made, 20, "op %s was generated only %d times in 40 graphs",
                      op_table[op].name, made);
    }
}

Test(random_graphs, chains_and_dags_match_the_naive_evaluator)
{
    rg_opts o = rg_defaults();
    for (uint64_t seed = 1; seed <= 400 / SCALE; seed++) {
        run r;
        run_start(&r, seed, &o);
        compare_naive(&r);
        run_end(&r);
    }
}

/* Longer graphs of larger tensors, fewer of them. */
Test(random_graphs, long_chains_of_larger_tensors_match_the_naive_evaluator)
{
    rg_opts o = rg_defaults();
    o.max_nodes = 16;
    o.max_elems = 16384;
    o.dag_percent = 50;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        run r;
        run_start(&r, 3000 + seed, &o);
        compare_naive(&r);
        run_end(&r);
    }
}

/* ---- lowering ---- */

/* The sample targets, and a small one (2 KiB of local memory, one DMA
 * engine, a scalar core) that forces many tiles, split reductions and
 * refusals. */
static const char *const target_names[] = {"npu", "mcu", "vta", "small"};
enum { NTARGETS = sizeof target_names / sizeof *target_names };

static const char small_target[] =
    "{\"name\": \"small\", \"clock_mhz\": 10, \"memory\": {\"bytes\": 2048, \"alignment\": 16},"
    " \"units\": [{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 2, \"latency\": 5},"
    " {\"name\": \"cpu\", \"kind\": \"scalar\", \"throughput\": 1, \"latency\": 1}]}";

static target *load_sample_target(const char *name)
{
    target *t = NULL;
    nnp_err e = {0};
    if (!strcmp(name, "small")) {
        cr_assert_eq(target_parse(small_target, strlen(small_target), "small", &t, &e), NNP_OK,
                     "%s", e.msg);
        return t;
    }
    char rel[64];
    snprintf(rel, sizeof rel, "samples/targets/%s.json", name);
    cr_assert_eq(target_load(src_path(rel), &t, &e), NNP_OK, "%s", e.msg);
    return t;
}

/* Lowers r's graph for t: success, or NNP_INFEASIBLE naming the layer and
 * the target; a program must reproduce the reference when tile-interpreted.
 * Returns 1 when lowered. */
static int lower_and_run(const run *r, const target *t)
{
    const graph *g = r->rg.g;
    program *p = NULL;
    nnp_err e = {0};
    int rc = lower_program(g, t, &p, &e);
    if (rc == NNP_INFEASIBLE) {
        cr_assert(strstr(e.msg, "layer ") && strstr(e.msg, t->name),
                  "seed %llu, %s: refusal without the layer or target: %s",
                  (unsigned long long)r->seed, t->name, e.msg);
        cr_assert_null(p);
        return 0;
    }
    cr_assert_eq(rc, NNP_OK, "seed %llu, %s: lowering failed: %s\n%s",
                 (unsigned long long)r->seed, t->name, e.msg, r->desc);
    for (size_t i = 0; i < g->nnodes; i++)
        cr_assert(p->group_of_node[i] >= 0 && p->group_of_node[i] < p->ngroups);
    for (int k = 0; k < p->ngroups; k++)
        for (int pool = 0; pool < POOL_COUNT; pool++)
            cr_assert_leq(p->groups[k].rep.working_set[pool], target_capacity(t, (mem_pool)pool),
                          "seed %llu, %s: layer %s overflows pool %s",
                          (unsigned long long)r->seed, t->name, p->groups[k].name,
                          mem_pool_name((mem_pool)pool));
    float **out = new_buffers(g, g->outputs, g->noutputs);
    char err[512] = "";
    rc = tile_interp_run(p, (const float *const *)r->in, out, err, sizeof err);
    cr_assert_eq(rc, 0, "seed %llu, %s: tile interpreter: %s\n%s", (unsigned long long)r->seed,
                 t->name, err, r->desc);
    char what[64];
    snprintf(what, sizeof what, "tiled for %s vs reference", t->name);
    for (int k = 0; k < g->noutputs; k++)
        for (int64_t i = 0, n = tensor_numel(&g->tensors[g->outputs[k]]); i < n; i++)
            expect_close(r, what, k, out[k], r->ref[k][i], i, 1e-3);
    free_buffers(out, g->noutputs);
    program_free(p);
    return 1;
}

Test(random_graphs, lowering_for_every_sample_target_reproduces_the_reference)
{
    target *t[NTARGETS];
    for (int k = 0; k < NTARGETS; k++)
        t[k] = load_sample_target(target_names[k]);
    rg_opts o = rg_defaults();
    int lowered = 0, tried = 0;
    for (uint64_t seed = 1; seed <= 200 / SCALE; seed++) {
        run r;
        run_start(&r, 5000 + seed, &o);
        for (int k = 0; k < NTARGETS; k++, tried++)
            lowered += lower_and_run(&r, t[k]);
        run_end(&r);
    }
    cr_log_info("%d of %d lowerings succeeded and matched the reference", lowered, tried);
    /* Small graphs fit these targets (even 2 KiB, mostly); refusals must
     * stay the exception. */
    cr_assert_geq(lowered, tried * 8 / 10, "only %d of %d lowerings succeeded", lowered, tried);
    for (int k = 0; k < NTARGETS; k++)
        target_free(t[k]);
}

/* ---- schedulers and verifier ---- */

static int64_t instance_count(const program *p)
{
    int64_t n = 0;
    for (int g = 0; g < p->ngroups; g++)
        n += p->groups[g].ntiles * p->groups[g].nops;
    return n;
}

/* Plans p with scheduler kind; returns 1 when a plan was made. */
static int plan_and_verify(const run *r, const program *p, const target *t, plan_kind kind)
{
    plan_options o;
    plan_options_default(&o);
    o.kind = kind;
    plan *pl = NULL;
    nnp_err e = {0};
    int rc = plan_build(p, &o, &pl, &e);
    if (rc == NNP_INFEASIBLE && kind == PLAN_LIST) {
        /* Every refusal of the list scheduler names the pool that
         * overflows and the bytes it would need. */
        cr_assert(strstr(e.msg, "pool ") && strstr(e.msg, " bytes") && !pl,
                  "seed %llu, %s: a refusal without the pool and bytes: %s",
                  (unsigned long long)r->seed, t->name, e.msg);
        return 0;
    }
    cr_assert_eq(rc, NNP_OK, "seed %llu, %s, %s scheduler: %s\n%s", (unsigned long long)r->seed,
                 t->name, plan_kind_name(kind), e.msg, r->desc);
    rc = plan_verify(pl, &e);
    cr_assert_eq(rc, NNP_OK, "seed %llu, %s: the verifier rejects the %s plan: %s\n%s",
                 (unsigned long long)r->seed, t->name, plan_kind_name(kind), e.msg, r->desc);
    const plan_stats *st = &pl->stats;
    cr_assert_geq(st->makespan, st->lower_bound, "seed %llu, %s, %s: makespan %lld below the "
                  "lower bound %lld", (unsigned long long)r->seed, t->name, plan_kind_name(kind),
                  (long long)st->makespan, (long long)st->lower_bound);
    cr_assert_leq(st->lower_bound, st->sequential);
    for (int l = 0; l < pl->nloops; l++) {
        const plan_loop *lp = &pl->loops[l];
        if (lp->trips == 0)
            continue;
        cr_assert_geq(lp->ii, lp->mii, "seed %llu, %s: loop %d has II %lld below its MII %lld",
                      (unsigned long long)r->seed, t->name, l, (long long)lp->ii,
                      (long long)lp->mii);
        cr_assert_geq(lp->stage_count, 1);
    }
    plan_free(pl);
    return 1;
}

Test(random_graphs, every_scheduler_plans_every_lowered_program_and_the_verifier_agrees)
{
    target *t[NTARGETS];
    for (int k = 0; k < NTARGETS; k++)
        t[k] = load_sample_target(target_names[k]);
    rg_opts o = rg_defaults();
    int planned[PLAN_KIND_COUNT] = {0}, programs = 0;
    for (uint64_t seed = 1; seed <= 150 / SCALE; seed++) {
        run r;
        run_start(&r, 9000 + seed, &o);
        for (int k = 0; k < NTARGETS; k++) {
            program *p = NULL;
            nnp_err e = {0};
            if (lower_program(r.rg.g, t[k], &p, &e) != NNP_OK || instance_count(p) > 20000) {
                program_free(p);
                continue;
            }
            programs++;
            for (int kind = 0; kind < PLAN_KIND_COUNT; kind++)
                planned[kind] += plan_and_verify(&r, p, t[k], (plan_kind)kind);
            program_free(p);
        }
        run_end(&r);
    }
    cr_log_info("%d programs: %d sequential, %d list, %d modulo plans verified", programs,
                planned[PLAN_SEQUENTIAL], planned[PLAN_LIST], planned[PLAN_MODULO]);
    cr_assert_geq(programs, 400 / SCALE, "only %d programs were small enough to plan", programs);
    cr_assert_eq(planned[PLAN_SEQUENTIAL], programs);
    cr_assert_eq(planned[PLAN_MODULO], programs);
    cr_assert_geq(planned[PLAN_LIST], programs * 9 / 10, "the list scheduler refused %d of %d",
                  programs - planned[PLAN_LIST], programs);
    for (int k = 0; k < NTARGETS; k++)
        target_free(t[k]);
}
