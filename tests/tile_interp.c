/* The tile interpreter: runs a lowered program the way hardware would, one
 * body op at a time, group after group, tile after tile.
 *
 * Main memory is one array per tensor (aliases share their owner's). Each
 * buffer is its own array holding the box its producer last wrote, laid
 * out densely in row-major order. Loads copy the clipped part of their
 * region into the box and fill the rest with the pad value; stores copy
 * a box back. Compute ops read only buffers, so every value that reaches an
 * output went through the program's regions; a region that is off by one
 * row, a halo that is missing or a load that is skipped when it should not
 * be all change the result.
 *
 * The arithmetic mirrors the reference interpreter's order of operations
 * (bias first, input channels then kernel taps, padding taps skipped), so
 * tiling a layer changes its result only through BN folding and float
 * accumulation in buffers. */
#include "tile_interp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bufstate {
    float *data;
    region box;
    int valid;
} bufstate;

typedef struct ctx {
    const program *p;
    const prog_group *gr;
    int g;
    int64_t t, idx[PROG_MAX_LOOPS];
    float **mem;
    bufstate *bufs;
    region *last;
    char *err;
    size_t errlen;
} ctx;

static int fail(ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(c->err, c->errlen, "group %d (%s) tile %lld: ", c->g,
                     c->gr ? c->gr->name : "-", (long long)c->t);
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int64_t box_count(const region *r)
{
    int64_t n = 1;
    for (int i = 0; i < r->rank; i++)
        n *= r->hi[i] - r->lo[i];
    return n;
}

/* Index of x in a dense box. */
static int64_t box_at(const region *r, const int64_t *x)
{
    int64_t k = 0;
    for (int i = 0; i < r->rank; i++)
        k = k * (r->hi[i] - r->lo[i]) + (x[i] - r->lo[i]);
    return k;
}

static int in_box(const region *r, const int64_t *x)
{
    for (int i = 0; i < r->rank; i++)
        if (x[i] < r->lo[i] || x[i] >= r->hi[i])
            return 0;
    return 1;
}

static int64_t tensor_at(const prog_tensor *t, const int64_t *x)
{
    int64_t k = 0;
    for (int i = 0; i < t->rank; i++)
        k = k * t->dims[i] + x[i];
    return k;
}

/* Advances x over [lo, hi); 0 once it wraps. An empty box yields nothing:
 * callers check box_count first. */
static int next(int64_t *x, const int64_t *lo, const int64_t *hi, int rank)
{
    for (int i = rank - 1; i >= 0; i--) {
        if (++x[i] < hi[i])
            return 1;
        x[i] = lo[i];
    }
    return 0;
}

static int nonempty(const int64_t *lo, const int64_t *hi, int rank)
{
    for (int i = 0; i < rank; i++)
        if (lo[i] >= hi[i])
            return 0;
    return 1;
}

static bufstate *buf_of(ctx *c, int b)
{
    return &c->bufs[b];
}

/* Readies buffer b to hold box r. */
static int buf_open(ctx *c, int b, const region *r)
{
    const prog_buffer *pb = &c->gr->bufs[b];
    if (box_count(r) > pb->elems)
        return fail(c, "box of %lld elements overflows buffer %s (%lld elements)",
                    (long long)box_count(r), pb->name, (long long)pb->elems);
    c->bufs[b].box = *r;
    c->bufs[b].valid = 1;
    return 0;
}

static const bufstate *input_buf(ctx *c, const prog_op *o, int k)
{
    return buf_of(c, o->in[k]);
}

/* The buffer written by the first op of kind k, or NULL. */
static const bufstate *buf_by_kind(ctx *c, pop_kind k, int arg)
{
    for (int i = 0; i < c->gr->nops; i++)
        if (c->gr->ops[i].kind == k && c->gr->ops[i].arg == arg)
            return buf_of(c, c->gr->ops[i].out);
    return NULL;
}

/* Value of a buffer read with broadcasting at output coordinates x (rank rx). */
static float bcast_read(const program *p, const bufstate *b, const int64_t *x, int rx)
{
    const prog_tensor *t = &p->tensors[b->box.tensor];
    int64_t y[MAX_RANK];
    for (int i = 0; i < t->rank; i++)
        y[i] = t->dims[i] == 1 ? 0 : x[rx - t->rank + i];
    return b->data[box_at(&b->box, y)];
}

/* ---- loads and stores ---- */

static int do_load(ctx *c, const prog_op *o, const region *r)
{
    int b = o->out;
    if (buf_open(c, b, r))
        return -1;
    float *d = c->bufs[b].data, *m = c->mem[o->tensor];
    if (!m)
        return fail(c, "%s reads tensor '%s', which is not in main memory", o->name,
                    c->p->tensors[o->tensor].name);
    for (int64_t i = 0, n = box_count(r); i < n; i++)
        d[i] = o->pad_value;
    int64_t x[MAX_RANK];
    memcpy(x, r->clo, sizeof x);
    if (!nonempty(r->clo, r->chi, r->rank))
        return 0;
    const prog_tensor *t = &c->p->tensors[o->tensor];
    do
        d[box_at(r, x)] = m[tensor_at(t, x)];
    while (next(x, r->clo, r->chi, r->rank));
    return 0;
}

static int do_store(ctx *c, const prog_op *o, const region *r)
{
    const bufstate *s = input_buf(c, o, 0);
    const prog_tensor *t = &c->p->tensors[o->tensor];
    float *m = c->mem[o->tensor];
    if (!m || t->home == HOME_CONST)
        return fail(c, "store writes tensor '%s', which is not a main-memory activation",
                    t->name);
    if (!s->valid || s->box.tensor != o->tensor)
        return fail(c, "store reads a buffer holding no box of '%s'", t->name);
    int64_t x[MAX_RANK];
    memcpy(x, r->clo, sizeof x);
    if (!nonempty(r->clo, r->chi, r->rank))
        return 0;
    do {
        if (!in_box(&s->box, x))
            return fail(c, "store needs an element outside the computed box");
        m[tensor_at(t, x)] = s->data[box_at(&s->box, x)];
    } while (next(x, r->clo, r->chi, r->rank));
    return 0;
}

/* ---- epilogue ---- */

static float epilogue(ctx *c, float v, const int64_t *x, int rank)
{
    const group_params *pa = &c->gr->par;
    for (int k = 0; k < pa->nepi; k++) {
        const epi_step *s = &pa->epi[k];
        if (s->kind == EPI_ACT) {
            v = act_of(s->act)->fn(v, s->a, s->b);
        } else {
            float o = bcast_read(c->p, buf_of(c, c->gr->ops[s->op].out), x, rank);
            v = s->swap ? bin_of(s->bin)->fn(o, v) : bin_of(s->bin)->fn(v, o);
        }
    }
    return v;
}

static void red_info(ctx *c, int64_t *k0, int64_t *k1, int *first, int *last)
{
    const prog_group *gr = c->gr;
    prog_loop_range(gr, gr->red, c->idx[gr->red], k0, k1);
    *first = c->idx[gr->red] == 0;
    *last = c->idx[gr->red] == gr->loops[gr->red].count - 1;
}

/* ---- compute ops ---- */

/* Kernel taps [*k0, *k1) of output position o whose input position lies
 * in [0, in): positions grow with the tap, so the real ones are a range. */
static void real_taps(int64_t o, int64_t s, int64_t pb, int64_t d, int64_t k, int64_t in,
                      int64_t *k0, int64_t *k1)
{
    *k0 = 0;
    *k1 = k;
    while (*k0 < k && o * s - pb + *k0 * d < 0)
        (*k0)++;
    while (*k1 > *k0 && o * s - pb + (*k1 - 1) * d >= in)
        (*k1)--;
}

/* Every tap of an output reads inside the loaded input and weight boxes:
 * checked at the extremes, which bound all taps. */
static int conv_reads_inside(ctx *c, const bufstate *in, const bufstate *w, const int64_t *x,
                             int64_t ic0, int64_t ic1, int64_t k0, int64_t k1, const int64_t *ty,
                             const int64_t *tx)
{
    const window *cw = &c->gr->par.conv;
    if (ty[0] >= ty[1] || tx[0] >= tx[1] || ic0 >= ic1)
        return 0;
    int64_t lo[4] = {x[0], ic0, x[2] * cw->stride[0] - cw->pad_begin[0] + ty[0] * cw->dil[0],
                     x[3] * cw->stride[1] - cw->pad_begin[1] + tx[0] * cw->dil[1]};
    int64_t hi[4] = {x[0], ic1 - 1,
                     x[2] * cw->stride[0] - cw->pad_begin[0] + (ty[1] - 1) * cw->dil[0],
                     x[3] * cw->stride[1] - cw->pad_begin[1] + (tx[1] - 1) * cw->dil[1]};
    int64_t wlo[4] = {x[1], k0, 0, 0}, whi[4] = {x[1], k1 - 1, cw->kernel[0] - 1,
                                                 cw->kernel[1] - 1};
    if (in_box(&in->box, lo) && in_box(&in->box, hi) && in_box(&w->box, wlo) &&
        in_box(&w->box, whi))
        return 0;
    return fail(c, "conv output (%lld,%lld,%lld,%lld) reads outside the loaded input or weight "
                "box", (long long)x[0], (long long)x[1], (long long)x[2], (long long)x[3]);
}

static int conv_compute(ctx *c, const prog_op *o, const region *r)
{
    const group_params *pa = &c->gr->par;
    const window *cw = &pa->conv;
    const bufstate *in = buf_by_kind(c, POP_LOAD_INPUT, 0), *w = buf_by_kind(c, POP_LOAD_WEIGHT, 0);
    const bufstate *b = pa->has_bias ? buf_by_kind(c, POP_LOAD_BIAS, 0) : NULL;
    const prog_tensor *tw = &c->p->tensors[w->box.tensor];
    int64_t mg = tw->dims[0] / pa->conv_group, cg = tw->dims[1], k0, k1;
    int first, last;
    red_info(c, &k0, &k1, &first, &last);
    if (buf_open(c, o->out, r))
        return -1;
    float *acc = c->bufs[o->out].data;
    const region *ib = &in->box, *wb = &w->box;
    int64_t b1 = ib->hi[1] - ib->lo[1], b2 = ib->hi[2] - ib->lo[2], b3 = ib->hi[3] - ib->lo[3];
    int64_t w1 = wb->hi[1] - wb->lo[1], kh = cw->kernel[0], kw = cw->kernel[1];
    int64_t x[4];
    memcpy(x, r->lo, sizeof x);
    if (!nonempty(r->lo, r->hi, 4))
        return 0;
    do {
        int64_t oc = x[1], ic0 = (oc / mg) * cg + k0, ty[2], tx[2];
        real_taps(x[2], cw->stride[0], cw->pad_begin[0], cw->dil[0], kh, cw->in[0], &ty[0], &ty[1]);
        real_taps(x[3], cw->stride[1], cw->pad_begin[1], cw->dil[1], kw, cw->in[1], &tx[0], &tx[1]);
        if (conv_reads_inside(c, in, w, x, ic0, ic0 + k1 - k0, k0, k1, ty, tx))
            return -1;
        float v = first ? (b ? b->data[oc - b->box.lo[0]] : 0.0f) : acc[box_at(r, x)];
        const float *wr = w->data + ((oc - wb->lo[0]) * w1 + (k0 - wb->lo[1])) * kh * kw;
        const float *xr = in->data + ((x[0] - ib->lo[0]) * b1 + (ic0 - ib->lo[1])) * b2 * b3;
        int64_t y0 = x[2] * cw->stride[0] - cw->pad_begin[0] - ib->lo[2];
        int64_t x0 = x[3] * cw->stride[1] - cw->pad_begin[1] - ib->lo[3];
        for (int64_t kc = 0; kc < k1 - k0; kc++)
            for (int64_t ky = ty[0]; ky < ty[1]; ky++) {
                const float *xrow = xr + (kc * b2 + y0 + ky * cw->dil[0]) * b3 + x0;
                const float *wrow = wr + (kc * kh + ky) * kw;
                for (int64_t kx = tx[0]; kx < tx[1]; kx++)
                    v += wrow[kx] * xrow[kx * cw->dil[1]];
            }
        acc[box_at(r, x)] = last ? epilogue(c, v, x, 4) : v;
    } while (next(x, r->lo, r->hi, 4));
    return 0;
}

/* Taps of a 1-D window starting at s inside [lo, hi). */
static int64_t taps_in(int64_t s, int64_t k, int64_t d, int64_t lo, int64_t hi)
{
    int64_t n = 0;
    for (int64_t i = 0; i < k; i++)
        n += s + i * d >= lo && s + i * d < hi;
    return n;
}

/* Pools src (a box over a tensor whose spatial extent is w->in) into box r,
 * taps in the reference's order (rows, then columns). */
static int pool_from(ctx *c, const window *w, const bufstate *src, const region *r, float *out)
{
    const group_params *pa = &c->gr->par;
    const region *sb = &src->box;
    int64_t d2 = sb->hi[2] - sb->lo[2], d3 = sb->hi[3] - sb->lo[3], d1 = sb->hi[1] - sb->lo[1];
    int64_t x[4];
    memcpy(x, r->lo, sizeof x);
    if (!nonempty(r->lo, r->hi, 4))
        return 0;
    do {
        int64_t ty[2], tx[2], s0 = x[2] * w->stride[0] - w->pad_begin[0];
        int64_t s1 = x[3] * w->stride[1] - w->pad_begin[1];
        real_taps(x[2], w->stride[0], w->pad_begin[0], w->dil[0], w->kernel[0], w->in[0], &ty[0],
                  &ty[1]);
        real_taps(x[3], w->stride[1], w->pad_begin[1], w->dil[1], w->kernel[1], w->in[1], &tx[0],
                  &tx[1]);
        int64_t lo[4] = {x[0], x[1], s0 + ty[0] * w->dil[0], s1 + tx[0] * w->dil[1]};
        int64_t hi[4] = {x[0], x[1], s0 + (ty[1] - 1) * w->dil[0], s1 + (tx[1] - 1) * w->dil[1]};
        if (ty[0] < ty[1] && tx[0] < tx[1] && !(in_box(sb, lo) && in_box(sb, hi)))
            return fail(c, "pool output (%lld,%lld) reads outside the box on chip",
                        (long long)x[2], (long long)x[3]);
        const float *plane = src->data + ((x[0] - sb->lo[0]) * d1 + (x[1] - sb->lo[1])) * d2 * d3;
        float acc = pa->pool_max ? -INFINITY : 0.0f;
        for (int64_t ky = ty[0]; ky < ty[1]; ky++) {
            const float *row = plane + (s0 + ky * w->dil[0] - sb->lo[2]) * d3 + s1 - sb->lo[3];
            for (int64_t kx = tx[0]; kx < tx[1]; kx++) {
                float t = row[kx * w->dil[1]];
                if (!pa->pool_max)
                    acc += t;
                else if (t > acc || isnan(t))
                    acc = t;
            }
        }
        float div = (float)((ty[1] - ty[0]) * (tx[1] - tx[0]));
        if (pa->count_include_pad)
            div = (float)(taps_in(s0, w->kernel[0], w->dil[0], -w->pad_begin[0],
                                  w->in[0] + w->pad_end[0]) *
                          taps_in(s1, w->kernel[1], w->dil[1], -w->pad_begin[1],
                                  w->in[1] + w->pad_end[1]));
        out[box_at(r, x)] = pa->pool_max ? acc : acc / div;
    } while (next(x, r->lo, r->hi, 4));
    return 0;
}

static int pool_compute(ctx *c, const prog_op *o, const region *r)
{
    const bufstate *src = input_buf(c, o, 0);
    if (buf_open(c, o->out, r))
        return -1;
    return pool_from(c, &c->gr->par.pool, src, r, c->bufs[o->out].data);
}

static int globalpool_compute(ctx *c, const prog_op *o, const region *r)
{
    const bufstate *in = input_buf(c, o, 0);
    int64_t k0, k1;
    int first, last, is_max = c->gr->par.pool_max;
    red_info(c, &k0, &k1, &first, &last);
    if (buf_open(c, o->out, r))
        return -1;
    float *acc = c->bufs[o->out].data;
    const prog_tensor *tx = &c->p->tensors[in->box.tensor];
    int64_t plane = 1;
    for (int i = 2; i < tx->rank; i++)
        plane *= tx->dims[i];
    for (int64_t n = r->lo[0]; n < r->hi[0]; n++)
        for (int64_t ch = r->lo[1]; ch < r->hi[1]; ch++) {
            int64_t o4[MAX_RANK] = {n, ch};
            float *a = &acc[box_at(r, o4)];
            if (first)
                *a = is_max ? -INFINITY : 0.0f;
            int64_t y[MAX_RANK];
            memcpy(y, in->box.lo, sizeof y);
            y[0] = n;
            y[1] = ch;
            int64_t lo[MAX_RANK], hi[MAX_RANK];
            memcpy(lo, y, sizeof lo);
            memcpy(hi, in->box.hi, sizeof hi);
            hi[0] = n + 1;
            hi[1] = ch + 1;
            do {
                float t = in->data[box_at(&in->box, y)];
                if (!is_max)
                    *a += t;
                else if (t > *a || isnan(t))
                    *a = t;
            } while (next(y, lo, hi, tx->rank));
            if (last && !is_max)
                *a = (float)((double)*a / (double)plane);
        }
    return 0;
}

/* Element (i, p) of A' or (p, j) of B' from an operand buffer. */
static float gemm_read(const bufstate *b, const int64_t *x, int ro, int trans, int64_t r,
                       int64_t col, const program *p)
{
    const prog_tensor *t = &p->tensors[b->box.tensor];
    int64_t y[MAX_RANK];
    int nb = t->rank - 2;
    for (int i = 0; i < nb; i++)
        y[i] = t->dims[i] == 1 ? 0 : x[ro - 2 - nb + i];
    y[nb + trans] = r;
    y[nb + 1 - trans] = col;
    return b->data[box_at(&b->box, y)];
}

static int gemm_compute(ctx *c, const prog_op *o, const region *r)
{
    const group_params *pa = &c->gr->par;
    const bufstate *a = buf_by_kind(c, POP_LOAD_INPUT, 0), *w = buf_by_kind(c, POP_LOAD_WEIGHT, 0);
    const bufstate *cb = pa->has_bias ? buf_by_kind(c, POP_LOAD_BIAS, 0) : NULL;
    int64_t k0, k1;
    int first, last, ro = r->rank;
    red_info(c, &k0, &k1, &first, &last);
    if (buf_open(c, o->out, r))
        return -1;
    float *acc = c->bufs[o->out].data;
    int64_t x[MAX_RANK];
    memcpy(x, r->lo, sizeof x);
    if (!nonempty(r->lo, r->hi, ro))
        return 0;
    do {
        int64_t i = x[ro - 2], j = x[ro - 1];
        float v = first ? 0.0f : acc[box_at(r, x)];
        for (int64_t q = k0; q < k1; q++)
            v += gemm_read(a, x, ro, pa->trans_a, i, q, c->p) *
                 gemm_read(w, x, ro, pa->trans_b, q, j, c->p);
        if (last) {
            v = pa->alpha * v + (cb ? pa->beta * bcast_read(c->p, cb, x, ro) : 0.0f);
            v = epilogue(c, v, x, ro);
        }
        acc[box_at(r, x)] = v;
    } while (next(x, r->lo, r->hi, ro));
    return 0;
}

/* The group's op on the operand values x[0..n): an activation, a fold of
 * a binary op, or BatchNormalization (x, scale, shift). */
static float eltwise_one(const group_params *pa, const float *x, int n)
{
    const act_desc *a = act_of(pa->op);
    const bin_desc *b = bin_of(pa->op);
    if (a)
        return a->fn(x[0], pa->p0, pa->p1);
    if (b) {
        float v = x[0];
        for (int k = 1; k < n; k++)
            v = b->fn(v, x[k]);
        return v;
    }
    return pa->op == OP_BATCHNORM ? x[1] * x[0] + x[2] : x[0];
}

static int eltwise_compute(ctx *c, const prog_op *o, const region *r)
{
    const group_params *pa = &c->gr->par;
    const bufstate **ops = calloc((size_t)o->nin + 1, sizeof *ops);
    float *v = calloc((size_t)o->nin + 1, sizeof *v);
    if (!ops || !v || buf_open(c, o->out, r)) {
        free(ops);
        free(v);
        return ops && v ? -1 : fail(c, "out of memory");
    }
    for (int k = 0; k < o->nin; k++)
        ops[k] = input_buf(c, o, k);
    float *out = c->bufs[o->out].data;
    int64_t x[MAX_RANK];
    memcpy(x, r->lo, sizeof x);
    if (r->rank == 0 || nonempty(r->lo, r->hi, r->rank))
        do {
            for (int k = 0; k < o->nin; k++)
                v[k] = bcast_read(c->p, ops[k], x, r->rank);
            out[box_at(r, x)] = eltwise_one(pa, v, o->nin);
        } while (r->rank > 0 && next(x, r->lo, r->hi, r->rank));
    free(ops);
    free(v);
    return 0;
}

static int concat_compute(ctx *c, const prog_op *o, const region *r)
{
    int axis = c->gr->par.axis;
    if (buf_open(c, o->out, r))
        return -1;
    float *out = c->bufs[o->out].data;
    int64_t off = 0;
    for (int k = 0; k < o->nin; k++) {
        const bufstate *b = input_buf(c, o, k);
        int64_t x[MAX_RANK];
        memcpy(x, b->box.lo, sizeof x);
        if (nonempty(b->box.lo, b->box.hi, b->box.rank))
            do {
                int64_t y[MAX_RANK];
                memcpy(y, x, sizeof y);
                y[axis] += off;
                out[box_at(r, y)] = b->data[box_at(&b->box, x)];
            } while (next(x, b->box.lo, b->box.hi, b->box.rank));
        off += c->p->tensors[b->box.tensor].dims[axis];
    }
    return 0;
}

/* The reference's softmax of one group of len values spaced stride apart. */
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

static int softmax_compute(ctx *c, const prog_op *o, const region *r)
{
    const group_params *pa = &c->gr->par;
    const bufstate *in = input_buf(c, o, 0);
    if (buf_open(c, o->out, r))
        return -1;
    int64_t d[MAX_RANK], outer = 1, len = 1, stride = 1;
    for (int i = 0; i < r->rank; i++)
        d[i] = r->hi[i] - r->lo[i];
    for (int i = 0; i < pa->axis; i++)
        outer *= d[i];
    for (int i = pa->axis; i < r->rank; i++)
        len *= d[i];
    if (!pa->legacy_softmax) {
        stride = len / d[pa->axis];
        len = d[pa->axis];
    }
    for (int64_t q = 0; q < outer; q++)
        for (int64_t s = 0; s < stride; s++)
            softmax_group(in->data + q * len * stride + s,
                          c->bufs[o->out].data + q * len * stride + s, len, stride);
    return 0;
}

/* Copies the input box across transposed: output position x reads input
 * position y with y[perm[i]] = x[i]. */
static int transpose_compute(ctx *c, const prog_op *o, const region *r)
{
    const bufstate *in = input_buf(c, o, 0);
    const int *perm = c->gr->par.perm;
    if (buf_open(c, o->out, r))
        return -1;
    float *out = c->bufs[o->out].data;
    int64_t x[MAX_RANK], y[MAX_RANK];
    memcpy(x, r->lo, sizeof x);
    if (!nonempty(r->lo, r->hi, r->rank))
        return 0;
    do {
        for (int i = 0; i < r->rank; i++)
            y[perm[i]] = x[i];
        if (!in_box(&in->box, y))
            return fail(c, "transpose output reads outside the loaded box");
        out[box_at(r, x)] = in->data[box_at(&in->box, y)];
    } while (next(x, r->lo, r->hi, r->rank));
    return 0;
}

/* The reference op on whole tensors held in buffers. */
static int whole_compute(ctx *c, const prog_op *o, const region *r)
{
    const graph *g = c->p->g;
    const node *nd = &g->nodes[c->gr->anchor];
    float **vals = calloc(g->ntensors, sizeof *vals);
    if (!vals || buf_open(c, o->out, r)) {
        free(vals);
        return vals ? -1 : fail(c, "out of memory");
    }
    for (int k = 0; k < c->gr->nops; k++) {
        const prog_op *l = &c->gr->ops[k];
        if (l->kind != POP_COMPUTE && l->kind != POP_STORE)
            vals[nd->in[l->arg]] = c->bufs[l->out].data;
    }
    vals[nd->out[0]] = c->bufs[o->out].data;
    nnp_err e = {0};
    int rc = op_table[nd->op].run(g, nd, vals, &e);
    free(vals);
    return rc ? fail(c, "%s", e.msg) : 0;
}

typedef int (*compute_fn)(ctx *, const prog_op *, const region *);

static const compute_fn computes[GK_COUNT] = {
    [GK_CONV] = conv_compute,       [GK_POOL] = NULL, /* set below: reads its input */
    [GK_GLOBALPOOL] = globalpool_compute, [GK_GEMM] = gemm_compute,
    [GK_ELTWISE] = eltwise_compute, [GK_CONCAT] = concat_compute,
    [GK_SOFTMAX] = softmax_compute, [GK_WHOLE] = whole_compute,
    [GK_TRANSPOSE] = transpose_compute,
};

static int run_op(ctx *c, int i)
{
    const prog_op *o = &c->gr->ops[i];
    region r;
    nnp_err e;
    if (prog_op_region(c->p, c->g, i, c->t, &r, &e))
        return fail(c, "%s", e.msg);
    if (!prog_op_active(o, c->t)) {
        if (o->kind != POP_COMPUTE && o->kind != POP_POOL && o->kind != POP_STORE &&
            memcmp(&r, &c->last[i], sizeof r))
            return fail(c, "%s is skipped but its region changed since it last ran", o->name);
        return 0;
    }
    for (int k = 0; k < o->nin; k++)
        if (!c->bufs[o->in[k]].valid)
            return fail(c, "%s reads buffer %s before anything wrote it", o->name,
                        c->gr->bufs[o->in[k]].name);
    c->last[i] = r;
    switch (o->kind) {
    case POP_STORE:
        return do_store(c, o, &r);
    case POP_POOL:
        return pool_compute(c, o, &r);
    case POP_COMPUTE:
        return c->gr->kind == GK_POOL ? pool_compute(c, o, &r) : computes[c->gr->kind](c, o, &r);
    default:
        return do_load(c, o, &r);
    }
}

static int run_group(ctx *c)
{
    const prog_group *gr = c->gr;
    int rc = 0;
    c->bufs = calloc((size_t)gr->nbufs + 1, sizeof *c->bufs);
    c->last = calloc((size_t)gr->nops + 1, sizeof *c->last);
    if (!c->bufs || !c->last)
        rc = fail(c, "out of memory");
    for (int b = 0; b < gr->nbufs && !rc; b++)
        if (!(c->bufs[b].data = calloc((size_t)gr->bufs[b].elems + 1, sizeof(float))))
            rc = fail(c, "out of memory");
    for (c->t = 0; c->t < gr->ntiles && !rc; c->t++) {
        prog_tile_index(gr, c->t, c->idx);
        for (int i = 0; i < gr->nops && !rc; i++)
            rc = run_op(c, i);
    }
    for (int b = 0; b < gr->nbufs && c->bufs; b++)
        free(c->bufs[b].data);
    free(c->bufs);
    free(c->last);
    c->bufs = NULL;
    c->last = NULL;
    return rc;
}

static int64_t numel(const prog_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dims[i];
    return n;
}

int tile_interp_run(const program *p, const float *const *inputs, float *const *outputs,
                    char *err, size_t errlen)
{
    ctx c = {.p = p, .err = err, .errlen = errlen, .g = -1};
    int rc = 0;
    c.mem = calloc((size_t)p->ntensors + 1, sizeof *c.mem);
    char *owned = calloc((size_t)p->ntensors + 1, 1);
    if (!c.mem || !owned)
        rc = fail(&c, "out of memory");
    for (int t = 0; t < p->ntensors && !rc; t++) {
        const prog_tensor *pt = &p->tensors[t];
        if (pt->home == HOME_CONST)
            c.mem[t] = (float *)pt->data;
        else if (pt->home == HOME_MAIN && !(c.mem[t] = calloc((size_t)numel(pt) + 1, 4)))
            rc = fail(&c, "out of memory");
        owned[t] = pt->home == HOME_MAIN;
    }
    for (int t = 0; t < p->ntensors && !rc; t++)
        if (p->tensors[t].home == HOME_ALIAS)
            c.mem[t] = c.mem[p->tensors[t].alias_of];
    for (int k = 0; k < p->g->ninputs && !rc; k++) {
        int t = p->g->inputs[k];
        memcpy(c.mem[t], inputs[k], (size_t)numel(&p->tensors[t]) * sizeof(float));
    }
    for (c.g = 0; c.g < p->ngroups && !rc; c.g++) {
        c.gr = &p->groups[c.g];
        rc = run_group(&c);
    }
    for (int k = 0; k < p->g->noutputs && !rc; k++) {
        int t = p->g->outputs[k];
        if (!c.mem[t])
            rc = fail(&c, "graph output '%s' has no storage", p->tensors[t].name);
        else
            memcpy(outputs[k], c.mem[t], (size_t)numel(&p->tensors[t]) * sizeof(float));
    }
    for (int t = 0; t < p->ntensors && c.mem; t++)
        if (owned[t])
            free(c.mem[t]);
    free(c.mem);
    free(owned);
    return rc;
}
