/* Tile geometry and tile-size choice.
 *
 * Geometry. A tile is one index per loop; the group's output box follows
 * directly (each loop walks one output axis), and every op's region derives
 * from that box by the layer's window math, one function per group kind:
 * a Conv's input rows are the window of the conv rows it computes, and with
 * a fused pool those conv rows are themselves the window of the pool rows
 * (DESIGN-NOTES 2: the two mappings are composed, not special-cased).
 * Overlapping pool windows (stride < kernel) make neighbouring tiles need
 * some of the same conv rows; each tile recomputes them, and cost.c counts
 * the extra MACs as recompute.
 *
 * Classes. Costs are needed per tile, but tiles repeat: along one loop,
 * every index whose regions have the same extents (and the same
 * first/last position, which decides whether a load or store runs) costs
 * the same. tile_classes_build finds those classes per loop, so summing
 * over the product of classes (weighted by multiplicity) is exact and
 * independent of the tile count.
 *
 * Choice. tile_choose enumerates candidate tilings: for layers with a
 * channel/row structure (Conv, pools, Gemm), output-channel tile x row tile
 * (columns only once a single row is too big, the reduction only once
 * nothing fits without splitting it) in two loop orders, channels outer
 * (weights loaded once per channel tile, inputs re-read per channel tile)
 * or rows outer (inputs loaded once, weights re-read unless resident);
 * for elementwise-like groups, contiguous boxes (inner axes whole, one
 * axis split, outer axes one at a time). Each candidate's working set is
 * every buffer's largest box times its copies (2 for pipelined buffers, 1
 * for data loaded once), aligned, per pool; among those that fit, the
 * lowest pipelined estimate wins (within 1%, fewer DMA bytes break the
 * tie). Refusals are counted by reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

/* ---- geometry ---- */

void prog_loop_range(const prog_group *gr, int l, int64_t i, int64_t *lo, int64_t *hi)
{
    const prog_loop *lp = &gr->loops[l];
    *lo = i * lp->tile;
    *hi = min64(*lo + lp->tile, lp->extent);
}

void prog_tile_index(const prog_group *gr, int64_t t, int64_t *idx)
{
    for (int k = gr->nloops - 1; k >= 0; k--) {
        int l = gr->order[k];
        idx[l] = t % gr->loops[l].count;
        t /= gr->loops[l].count;
    }
}

int64_t prog_tile_linear(const prog_group *gr, const int64_t *idx)
{
    int64_t t = 0;
    for (int k = 0; k < gr->nloops; k++) {
        int l = gr->order[k];
        t = t * gr->loops[l].count + idx[l];
    }
    return t;
}

int prog_op_active(const prog_op *op, int64_t t)
{
    return t % op->period == op->phase;
}

static const prog_tensor *ten(const program *p, int t)
{
    return &p->tensors[t];
}

/* The whole tensor as a box. */
static void full_box(const program *p, int t, region *r)
{
    const prog_tensor *pt = ten(p, t);
    r->tensor = t;
    r->rank = pt->rank;
    for (int i = 0; i < pt->rank; i++) {
        r->lo[i] = 0;
        r->hi[i] = pt->dims[i];
    }
}

/* Fills clo/chi from lo/hi. */
static void clip(const program *p, region *r)
{
    const prog_tensor *pt = ten(p, r->tensor);
    for (int i = 0; i < r->rank; i++) {
        r->clo[i] = max64(0, min64(r->lo[i], pt->dims[i]));
        r->chi[i] = max64(r->clo[i], min64(r->hi[i], pt->dims[i]));
    }
}

/* The group's output box for tile idx: loops give their axes' ranges, the
 * other axes are whole. */
static void out_box(const program *p, const prog_group *gr, const int64_t *idx, region *r)
{
    full_box(p, gr->out_tensor, r);
    for (int l = 0; l < gr->nloops; l++)
        if (gr->loops[l].axis >= 0)
            prog_loop_range(gr, l, idx[l], &r->lo[gr->loops[l].axis], &r->hi[gr->loops[l].axis]);
}

static void red_range(const prog_group *gr, const int64_t *idx, int64_t *lo, int64_t *hi)
{
    prog_loop_range(gr, gr->red, idx[gr->red], lo, hi);
}

/* Box of tensor t read with numpy broadcasting by a computation over the
 * box `o` (right-aligned; size-1 dims always read index 0). */
static void bcast_box(const program *p, int t, const region *o, region *r)
{
    const prog_tensor *pt = ten(p, t);
    r->tensor = t;
    r->rank = pt->rank;
    for (int i = 0; i < pt->rank; i++) {
        int a = o->rank - pt->rank + i;
        if (pt->dims[i] == 1 || a < 0) {
            r->lo[i] = 0;
            r->hi[i] = 1;
        } else {
            r->lo[i] = o->lo[a];
            r->hi[i] = o->hi[a];
        }
    }
}

/* Input positions [lo, hi) that outputs [o0, o1) of window w read along
 * spatial dim d, padding included (the caller clips). */
static void window_in(const window *w, int d, int64_t o0, int64_t o1, int64_t *lo, int64_t *hi)
{
    *lo = o0 * w->stride[d] - w->pad_begin[d];
    *hi = (o1 - 1) * w->stride[d] - w->pad_begin[d] + (w->kernel[d] - 1) * w->dil[d] + 1;
}

/* The exact span [lo, hi) of real input positions (inside [0, w->in[d]))
 * that outputs [o0, o1) read along dim d: with dilation or a window that
 * starts in padding, the first and last rows of window_in's box may be
 * padding or holes no tap lands on. Per tap, the outputs whose position
 * is real form a range, so this is O(kernel). Empty: lo == hi. */
static void window_span(const window *w, int d, int64_t o0, int64_t o1, int64_t *lo,
                        int64_t *hi)
{
    int64_t s = w->stride[d], pb = w->pad_begin[d], in = w->in[d];
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int64_t k = 0; k < w->kernel[d]; k++) {
        int64_t off = k * w->dil[d] - pb;
        int64_t first = max64(o0, ceil_div(max64(0, -off), s));
        int64_t last = min64(o1 - 1, floor_div(in - 1 - off, s));
        if (first > last)
            continue;
        *lo = min64(*lo, first * s + off);
        *hi = max64(*hi, last * s + off + 1);
    }
    if (*lo > *hi)
        *lo = *hi = 0;
}

/* The first op of a kind (every group kind that asks has one). */
static int find_op(const prog_group *gr, pop_kind k)
{
    int i = 0;
    while (i < gr->nops - 1 && gr->ops[i].kind != k)
        i++;
    return i;
}

/* The conv output box a GK_CONV tile computes: the output box itself, or
 * with a fused pool the conv positions its windows read (padding dropped:
 * a pool never needs conv rows that do not exist). */
static void conv_out_box(const program *p, const prog_group *gr, const int64_t *idx, region *r)
{
    region o;
    out_box(p, gr, idx, &o);
    *r = o;
    r->tensor = gr->ops[find_op(gr, POP_COMPUTE)].tensor;
    if (!gr->par.has_pool)
        return;
    for (int d = 0; d < 2; d++)
        window_span(&gr->par.pool, d, o.lo[2 + d], o.hi[2 + d], &r->lo[2 + d], &r->hi[2 + d]);
}

static void region_conv(const program *p, const prog_group *gr, int op, const int64_t *idx,
                        region *r)
{
    const prog_op *o = &gr->ops[op];
    const group_params *pa = &gr->par;
    region c;
    int64_t k0, k1;
    conv_out_box(p, gr, idx, &c);
    red_range(gr, idx, &k0, &k1);
    switch (o->kind) {
    case POP_LOAD_INPUT: {
        const prog_tensor *w = ten(p, gr->ops[find_op(gr, POP_LOAD_WEIGHT)].tensor);
        int64_t mg = w->dims[0] / pa->conv_group, cg = w->dims[1];
        int64_t g0 = c.lo[1] / mg, g1 = (c.hi[1] - 1) / mg;
        full_box(p, o->tensor, r);
        r->lo[0] = c.lo[0];
        r->hi[0] = c.hi[0];
        r->lo[1] = g0 * cg + k0;
        r->hi[1] = g1 * cg + k1;
        for (int d = 0; d < 2; d++)
            window_in(&pa->conv, d, c.lo[2 + d], c.hi[2 + d], &r->lo[2 + d], &r->hi[2 + d]);
        break;
    }
    case POP_LOAD_WEIGHT:
        full_box(p, o->tensor, r);
        r->lo[0] = c.lo[1];
        r->hi[0] = c.hi[1];
        r->lo[1] = k0;
        r->hi[1] = k1;
        break;
    case POP_LOAD_BIAS:
        full_box(p, o->tensor, r);
        r->lo[0] = c.lo[1];
        r->hi[0] = c.hi[1];
        break;
    case POP_LOAD_SKIP:
        bcast_box(p, o->tensor, &c, r);
        break;
    case POP_COMPUTE:
        *r = c;
        break;
    default:
        out_box(p, gr, idx, r);
        break;
    }
}

static void region_pool(const program *p, const prog_group *gr, int op, const int64_t *idx,
                        region *r)
{
    const prog_op *o = &gr->ops[op];
    region b;
    out_box(p, gr, idx, &b);
    if (o->kind != POP_LOAD_INPUT) {
        *r = b;
        return;
    }
    *r = b;
    r->tensor = o->tensor;
    for (int d = 0; d < 2; d++)
        window_in(&gr->par.pool, d, b.lo[2 + d], b.hi[2 + d], &r->lo[2 + d], &r->hi[2 + d]);
}

static void region_globalpool(const program *p, const prog_group *gr, int op,
                              const int64_t *idx, region *r)
{
    const prog_op *o = &gr->ops[op];
    region b;
    out_box(p, gr, idx, &b);
    if (o->kind != POP_LOAD_INPUT) {
        *r = b;
        return;
    }
    full_box(p, o->tensor, r);
    r->lo[0] = b.lo[0];
    r->hi[0] = b.hi[0];
    r->lo[1] = b.lo[1];
    r->hi[1] = b.hi[1];
    red_range(gr, idx, &r->lo[2], &r->hi[2]);
}

/* A Gemm/MatMul operand: batch dims broadcast from the output box's batch
 * dims, then its matrix dims [r0, r1) x [c0, c1), swapped when transposed. */
static void gemm_operand(const program *p, int t, const region *o, int trans, int64_t r0,
                         int64_t r1, int64_t c0, int64_t c1, region *r)
{
    const prog_tensor *pt = ten(p, t);
    int nb = pt->rank - 2, ob = o->rank - 2;
    full_box(p, t, r);
    for (int i = 0; i < nb; i++) {
        int a = ob - nb + i;
        if (pt->dims[i] != 1 && a >= 0) {
            r->lo[i] = o->lo[a];
            r->hi[i] = o->hi[a];
        } else {
            r->lo[i] = 0;
            r->hi[i] = 1;
        }
    }
    r->lo[nb + trans] = r0;
    r->hi[nb + trans] = r1;
    r->lo[nb + 1 - trans] = c0;
    r->hi[nb + 1 - trans] = c1;
}

static void region_gemm(const program *p, const prog_group *gr, int op, const int64_t *idx,
                        region *r)
{
    const prog_op *o = &gr->ops[op];
    region b;
    int64_t k0, k1;
    out_box(p, gr, idx, &b);
    red_range(gr, idx, &k0, &k1);
    int ro = b.rank;
    switch (o->kind) {
    case POP_LOAD_INPUT:
        gemm_operand(p, o->tensor, &b, gr->par.trans_a, b.lo[ro - 2], b.hi[ro - 2], k0, k1, r);
        break;
    case POP_LOAD_WEIGHT:
        gemm_operand(p, o->tensor, &b, gr->par.trans_b, k0, k1, b.lo[ro - 1], b.hi[ro - 1], r);
        break;
    case POP_LOAD_BIAS:
    case POP_LOAD_SKIP:
        bcast_box(p, o->tensor, &b, r);
        break;
    default:
        *r = b;
        break;
    }
}

static void region_eltwise(const program *p, const prog_group *gr, int op, const int64_t *idx,
                           region *r)
{
    const prog_op *o = &gr->ops[op];
    region b;
    out_box(p, gr, idx, &b);
    if (o->kind == POP_COMPUTE || o->kind == POP_STORE)
        *r = b;
    else
        bcast_box(p, o->tensor, &b, r);
}

static void region_concat(const program *p, const prog_group *gr, int op, const int64_t *idx,
                          region *r)
{
    const prog_op *o = &gr->ops[op];
    out_box(p, gr, idx, r);
    if (o->kind == POP_COMPUTE || o->kind == POP_STORE)
        return;
    r->tensor = o->tensor;
    r->lo[gr->par.axis] = 0;
    r->hi[gr->par.axis] = ten(p, o->tensor)->dims[gr->par.axis];
}

static void region_softmax(const program *p, const prog_group *gr, int op, const int64_t *idx,
                           region *r)
{
    out_box(p, gr, idx, r);
    r->tensor = gr->ops[op].kind == POP_STORE ? gr->out_tensor : gr->ops[op].tensor;
}

/* The input box is the output box read through the permutation. */
static void region_transpose(const program *p, const prog_group *gr, int op,
                             const int64_t *idx, region *r)
{
    const prog_op *o = &gr->ops[op];
    region b;
    out_box(p, gr, idx, &b);
    if (o->kind == POP_COMPUTE || o->kind == POP_STORE) {
        *r = b;
        return;
    }
    full_box(p, o->tensor, r);
    for (int i = 0; i < b.rank; i++) {
        r->lo[gr->par.perm[i]] = b.lo[i];
        r->hi[gr->par.perm[i]] = b.hi[i];
    }
}

static void region_whole(const program *p, const prog_group *gr, int op, const int64_t *idx,
                         region *r)
{
    (void)idx;
    full_box(p, gr->ops[op].tensor, r);
}

typedef void (*region_fn)(const program *, const prog_group *, int, const int64_t *, region *);

static const region_fn region_fns[GK_COUNT] = {
    [GK_CONV] = region_conv,       [GK_POOL] = region_pool,       [GK_GLOBALPOOL] = region_globalpool,
    [GK_GEMM] = region_gemm,       [GK_ELTWISE] = region_eltwise, [GK_CONCAT] = region_concat,
    [GK_SOFTMAX] = region_softmax, [GK_ALIAS] = region_whole,     [GK_WHOLE] = region_whole,
    [GK_TRANSPOSE] = region_transpose,
};

/* Narrows a windowed input load's clipped part to the positions the
 * window's taps really read (window_span), so DMA moves no padding or hole
 * rows. The box lo..hi stays the window's, padding included. */
static void narrow_input(const program *p, const prog_group *gr, const int64_t *idx, region *r)
{
    region o;
    const window *w = &gr->par.pool;
    if (gr->kind == GK_CONV) {
        conv_out_box(p, gr, idx, &o);
        w = &gr->par.conv;
    } else {
        out_box(p, gr, idx, &o);
    }
    for (int d = 0; d < 2; d++) {
        int64_t lo, hi;
        window_span(w, d, o.lo[2 + d], o.hi[2 + d], &lo, &hi);
        r->clo[2 + d] = lo;
        r->chi[2 + d] = hi;
    }
}

void tile_region_idx(const program *p, const prog_group *gr, int op, const int64_t *idx,
                     region *r)
{
    memset(r, 0, sizeof *r);
    region_fns[gr->kind](p, gr, op, idx, r);
    clip(p, r);
    if ((gr->kind == GK_CONV || gr->kind == GK_POOL) && gr->ops[op].kind == POP_LOAD_INPUT)
        narrow_input(p, gr, idx, r);
}

int prog_op_region(const program *p, int g, int op, int64_t t, region *r, nnp_err *e)
{
    if (g < 0 || g >= p->ngroups)
        return err_set(e, NNP_MISUSE, "group %d does not exist (the program has %d)", g,
                       p->ngroups);
    const prog_group *gr = &p->groups[g];
    if (op < 0 || op >= gr->nops || t < 0 || t >= gr->ntiles)
        return err_set(e, NNP_MISUSE, "group %d has %d ops and %lld tiles; asked for op %d of "
                       "tile %lld", g, gr->nops, (long long)gr->ntiles, op, (long long)t);
    int64_t idx[PROG_MAX_LOOPS] = {0};
    prog_tile_index(gr, t, idx);
    tile_region_idx(p, gr, op, idx, r);
    return NNP_OK;
}

int64_t prog_pred_tile(const program *p, int g, int pred, int64_t t)
{
    const prog_group *gr = &p->groups[g];
    const prog_pred *pr = &gr->preds[pred];
    const prog_group *src = &p->groups[pr->group];
    region r;
    int64_t idx[PROG_MAX_LOOPS] = {0};
    prog_tile_index(gr, t, idx);
    tile_region_idx(p, gr, pr->op, idx, &r);
    for (int i = 0; i < r.rank; i++)
        if (r.clo[i] >= r.chi[i])
            return -1;
    /* Through a reshape the boxes do not correspond: wait for all of it. */
    if (r.tensor != src->out_tensor)
        return src->ntiles - 1;
    int64_t last[PROG_MAX_LOOPS];
    for (int l = 0; l < src->nloops; l++) {
        const prog_loop *lp = &src->loops[l];
        last[l] = lp->axis < 0 ? lp->count - 1
                               : min64(lp->count - 1, (r.chi[lp->axis] - 1) / lp->tile);
    }
    return prog_tile_linear(src, last);
}

/* ---- classes ---- */

void tile_classes_free(tile_classes *c)
{
    for (int l = 0; l < PROG_MAX_LOOPS; l++) {
        free(c->rep[l]);
        free(c->mult[l]);
    }
    free(c->deps);
    memset(c, 0, sizeof *c);
}

/* The extents of every op's region at idx, plus loop l's first/last flags. */
static void signature(const program *p, const prog_group *gr, int l, const int64_t *idx,
                      region *regs, int64_t *sig)
{
    int64_t *s = sig;
    *s++ = idx[l] == 0;
    *s++ = idx[l] == gr->loops[l].count - 1;
    for (int op = 0; op < gr->nops; op++) {
        tile_region_idx(p, gr, op, idx, &regs[op]);
        for (int i = 0; i < MAX_RANK; i++) {
            *s++ = i < regs[op].rank ? regs[op].hi[i] - regs[op].lo[i] : 0;
            *s++ = i < regs[op].rank ? regs[op].chi[i] - regs[op].clo[i] : 0;
        }
    }
}

static int same_box(const region *a, const region *b)
{
    for (int i = 0; i < a->rank; i++)
        if (a->lo[i] != b->lo[i] || a->hi[i] != b->hi[i])
            return 0;
    return 1;
}

/* Classes of one loop; sets the deps bit of ops whose region moves with it.
 * sigs/cap hold the signatures of the classes found so far. */
static int classes_of_loop(const program *p, const prog_group *gr, int l, tile_classes *c,
                           region *base, region *regs, int64_t *sig, int64_t **sigs,
                           size_t *cap)
{
    size_t len = 2 + (size_t)gr->nops * MAX_RANK * 2, caprep = 0, capmult = 0;
    int64_t idx[PROG_MAX_LOOPS] = {0};
    int n = 0;
    for (int64_t j = 0; j < gr->loops[l].count; j++) {
        idx[l] = j;
        signature(p, gr, l, idx, j ? regs : base, sig);
        for (int op = 0; j && op < gr->nops; op++)
            if (!same_box(&regs[op], &base[op]))
                c->deps[op] |= 1u << l;
        int k = 0;
        while (k < n && memcmp(*sigs + (size_t)k * len, sig, len * sizeof *sig))
            k++;
        if (k < n) {
            c->mult[l][k]++;
            continue;
        }
        if (grow((void **)sigs, cap, (size_t)(n + 1) * len, sizeof **sigs) ||
            grow((void **)&c->rep[l], &caprep, (size_t)n + 1, sizeof(int64_t)) ||
            grow((void **)&c->mult[l], &capmult, (size_t)n + 1, sizeof(int64_t)))
            return -1;
        memcpy(*sigs + (size_t)n * len, sig, len * sizeof *sig);
        c->rep[l][n] = j;
        c->mult[l][n] = 1;
        n++;
    }
    c->n[l] = n;
    return 0;
}

int tile_classes_build(const program *p, const prog_group *gr, tile_classes *c, nnp_err *e)
{
    memset(c, 0, sizeof *c);
    size_t nops = gr->nops ? (size_t)gr->nops : 1, cap = 0;
    c->deps = xcalloc(nops, sizeof(unsigned));
    region *regs = xcalloc(2 * nops, sizeof(region));
    int64_t *sig = xcalloc(2 + nops * MAX_RANK * 2, sizeof(int64_t)), *sigs = NULL;
    int rc = c->deps && regs && sig ? 0 : -1;
    for (int l = 0; l < gr->nloops && !rc; l++)
        rc = classes_of_loop(p, gr, l, c, regs, regs + nops, sig, &sigs, &cap);
    free(regs), free(sig), free(sigs);
    if (rc) {
        tile_classes_free(c);
        return err_set(e, NNP_NOMEM, "out of memory tiling %s", gr->name);
    }
    return NNP_OK;
}

/* ---- choice ---- */

/* Loop roles of channel/row-structured kinds, by output axis (negative:
 * from the end; 99: none). */
static const struct grid_axes {
    int grid;          /* searched as channels x rows (x columns) */
    int oc, row, col;
} grid_axes[GK_COUNT] = {
    [GK_CONV] = {1, 1, 2, 3},
    [GK_POOL] = {1, 1, 2, 3},
    [GK_GLOBALPOOL] = {1, 1, 99, 99},
    [GK_GEMM] = {1, -1, -2, 99},
};

static int loop_on_axis(const program *p, const prog_group *gr, int axis)
{
    if (axis == 99)
        return -1;
    if (axis < 0)
        axis += ten(p, gr->out_tensor)->rank;
    for (int l = 0; l < gr->nloops; l++)
        if (gr->loops[l].axis == axis)
            return l;
    return -1;
}

/* One evaluated tiling. */
typedef struct cand {
    int64_t tile[PROG_MAX_LOOPS];
    int order[PROG_MAX_LOOPS];
    int fits;
    int64_t need[POOL_COUNT];
    int64_t est, bytes, ntiles;
} cand;

typedef struct search {
    program *p;
    prog_group *gr;
    int oc, row, col;       /* loop roles, -1 when absent */
    cand best, second;
    int have_best, have_second;
    cand smallest;          /* the least demanding candidate seen, for the error */
    int have_smallest;
    tiling_report counts;   /* considered / refused tallies */
    int batch_one;          /* batch-like loops (no role) get tiles of 1, not whole */
} search;

/* Periods from the loop order and each load's dependences. */
static void set_periods(prog_group *gr, const tile_classes *c)
{
    int level[PROG_MAX_LOOPS];
    for (int k = 0; k < gr->nloops; k++)
        level[gr->order[k]] = k;
    int64_t rc = gr->red >= 0 ? gr->loops[gr->red].count : 1;
    for (int i = 0; i < gr->nops; i++) {
        prog_op *o = &gr->ops[i];
        o->period = 1;
        o->phase = 0;
        if (o->kind == POP_STORE || o->kind == POP_POOL) {
            o->period = rc;
            o->phase = rc - 1;
        } else if (o->kind != POP_COMPUTE) {
            int m = -1;
            for (int l = 0; l < gr->nloops; l++)
                if ((c->deps[i] >> l & 1) && gr->loops[l].count > 1 && level[l] > m)
                    m = level[l];
            o->period = 1;
            for (int k = m + 1; k < gr->nloops; k++)
                o->period *= gr->loops[gr->order[k]].count;
            if (m < 0)
                o->period = gr->ntiles;
        }
    }
}

/* Rotating copies: nothing rotates in a single tile or for data loaded once. */
static void set_copies(prog_group *gr)
{
    for (int b = 0; b < gr->nbufs; b++) {
        prog_buffer *bf = &gr->bufs[b];
        const prog_op *pr = &gr->ops[bf->producer];
        bf->copies = gr->ntiles <= 1 || (pr->kind != POP_COMPUTE && pr->kind != POP_POOL &&
                                         pr->period >= gr->ntiles)
                         ? 1
                         : 2;
    }
}

/* Applies tiles and order to gr and evaluates it into *cd. */
static int evaluate(search *s, cand *cd, nnp_err *e)
{
    prog_group *gr = s->gr;
    const target *t = s->p->t;
    int64_t nt = 1;
    for (int l = 0; l < gr->nloops; l++) {
        prog_loop *lp = &gr->loops[l];
        lp->tile = cd->tile[l];
        lp->count = ceil_div(lp->extent, lp->tile);
        if (size_mul(nt, lp->count, &nt))
            return err_set(e, NNP_LIMIT, "%s: too many tiles", gr->name);
        gr->order[l] = cd->order[l];
    }
    gr->ntiles = gr->kind == GK_ALIAS ? 0 : nt;
    tile_classes c;
    int rc = tile_classes_build(s->p, gr, &c, e);
    if (rc)
        return rc;
    set_periods(gr, &c);
    set_copies(gr);
    rc = cost_evaluate(s->p, gr, &c, e);
    tile_classes_free(&c);
    if (rc)
        return rc;
    memset(cd->need, 0, sizeof cd->need);
    for (int b = 0; b < gr->nbufs; b++) {
        const prog_buffer *bf = &gr->bufs[b];
        int64_t x;
        if (size_mul(bf->bytes, bf->copies, &x) || size_add(cd->need[bf->pool], x,
                                                               &cd->need[bf->pool]))
            cd->need[bf->pool] = INT64_MAX;
    }
    cd->fits = 1;
    for (int q = 0; q < POOL_COUNT; q++)
        if (cd->need[q] > 0 && cd->need[q] > target_capacity(t, (mem_pool)q))
            cd->fits = 0;
    cd->est = gr->rep.est_cycles;
    cd->bytes = gr->rep.bytes_loaded + gr->rep.bytes_stored;
    cd->ntiles = gr->ntiles;
    return NNP_OK;
}

static int same_tiles(const cand *a, const cand *b, int nloops)
{
    for (int l = 0; l < nloops; l++)
        if (a->tile[l] != b->tile[l])
            return 0;
    return 1;
}

/* Lower estimate wins; estimates within 1% are a tie (the model is not
 * that precise), broken by fewer bytes moved, which costs energy and
 * leaves the bus to neighbouring layers. */
static int better(const cand *a, const cand *b)
{
    int64_t lo = min64(a->est, b->est), diff = a->est > b->est ? a->est - b->est : b->est - a->est;
    if (diff > lo / 100)
        return a->est < b->est;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes;
    return a->ntiles < b->ntiles;
}

/* Largest fraction over capacity: how far a candidate is from fitting. */
static double overflow(const search *s, const cand *cd)
{
    double worst = 0;
    for (int q = 0; q < POOL_COUNT; q++)
        if (cd->need[q] > 0) {
            double r = (double)cd->need[q] / (double)target_capacity(s->p->t, (mem_pool)q);
            worst = r > worst ? r : worst;
        }
    return worst;
}

/* Evaluates a candidate and keeps it if it is among the two best. Sets
 * *fits. */
static int try_cand(search *s, cand *cd, int *fits, nnp_err *e)
{
    int rc = evaluate(s, cd, e);
    if (rc)
        return rc;
    *fits = cd->fits;
    s->counts.considered++;
    if (!cd->fits) {
        for (int q = 0; q < POOL_COUNT; q++)
            if (cd->need[q] > 0 && cd->need[q] > target_capacity(s->p->t, (mem_pool)q))
                s->counts.refused[q]++;
        if (!s->have_smallest || overflow(s, cd) < overflow(s, &s->smallest)) {
            s->smallest = *cd;
            s->have_smallest = 1;
        }
        return NNP_OK;
    }
    /* The runner-up shown in the report is the best tiling with other tile
     * sizes: a different loop order alone is rarely informative. */
    int n = s->gr->nloops;
    if (!s->have_best || better(cd, &s->best)) {
        if (s->have_best && !same_tiles(&s->best, cd, n)) {
            s->second = s->best;
            s->have_second = 1;
        }
        s->best = *cd;
        s->have_best = 1;
        if (s->have_second && same_tiles(&s->second, cd, n))
            s->have_second = 0;
    } else if (!same_tiles(cd, &s->best, n) && (!s->have_second || better(cd, &s->second))) {
        s->second = *cd;
        s->have_second = 1;
    }
    return NNP_OK;
}

/* Tile sizes worth trying for an extent: E/k rounded up for k = 1..16 and
 * powers of two beyond, down to 1; descending, distinct. */
static int tile_sizes(int64_t extent, int64_t *out)
{
    int n = 0;
    int64_t k = 1;
    while (k <= extent) {
        int64_t v = ceil_div(extent, k);
        if (n == 0 || out[n - 1] != v)
            out[n++] = v;
        k = k < 16 ? k + 1 : k * 2;
    }
    if (out[n - 1] != 1)
        out[n++] = 1;
    return n;
}

enum { MAX_SIZES = 96 };

static void base_cand(const search *s, cand *cd)
{
    const prog_group *gr = s->gr;
    memset(cd, 0, sizeof *cd);
    for (int l = 0; l < gr->nloops; l++) {
        int role = l == s->oc || l == s->row || l == s->col || l == gr->red;
        cd->tile[l] = s->batch_one && !role ? 1 : gr->loops[l].extent;
        cd->order[l] = l;
    }
}

/* Loop order with the channel loop outermost (after batch-like loops) or
 * innermost before the reduction. */
static void grid_order(const search *s, int oc_outer, int *order)
{
    const prog_group *gr = s->gr;
    int n = 0;
    for (int l = 0; l < gr->nloops; l++)
        if (l != s->oc && l != s->row && l != s->col && l != gr->red)
            order[n++] = l;
    if (oc_outer && s->oc >= 0)
        order[n++] = s->oc;
    if (s->row >= 0)
        order[n++] = s->row;
    if (s->col >= 0)
        order[n++] = s->col;
    if (!oc_outer && s->oc >= 0)
        order[n++] = s->oc;
    if (gr->red >= 0)
        order[n++] = gr->red;
}

/* A split reduction must not let a channel tile straddle conv groups: the
 * input box would then hold channels no output reads. */
static int straddles(const search *s, const cand *cd)
{
    const prog_group *gr = s->gr;
    if (gr->kind != GK_CONV || gr->par.conv_group == 1 || cd->tile[gr->red] >= gr->loops[gr->red].extent)
        return 0;
    int64_t mg = gr->loops[s->oc].extent / gr->par.conv_group;
    return mg % cd->tile[s->oc] != 0;
}

/* Tries sizes of loop l in descending order, skipping those that do not
 * fit, up to `keep` that do (smaller tiles only add per-tile latency once
 * the pipeline is full, and they are the costly ones to evaluate).
 * Returns the number that fitted through *fitted. */
static int descend(search *s, cand *cd, int l, int from, int keep, int *fitted, nnp_err *e)
{
    int64_t sizes[MAX_SIZES];
    int n = tile_sizes(s->gr->loops[l].extent, sizes), fits, rc;
    *fitted = 0;
    for (int i = from; i < n && *fitted < keep; i++) {
        cd->tile[l] = sizes[i];
        if ((rc = try_cand(s, cd, &fits, e)))
            return rc;
        *fitted += fits;
    }
    return NNP_OK;
}

/* Rows for one channel tile and order; columns only once a single row is
 * too big. */
static int grid_rows(search *s, cand *cd, nnp_err *e)
{
    int fits, rc;
    if (s->row < 0)
        return try_cand(s, cd, &fits, e);
    if ((rc = descend(s, cd, s->row, 0, 6, &fits, e)) || fits || s->col < 0)
        return rc;
    cd->tile[s->row] = 1;
    rc = descend(s, cd, s->col, 1, 6, &fits, e);
    cd->tile[s->col] = s->gr->loops[s->col].extent;
    return rc;
}

static int search_grid(search *s, int split_red, nnp_err *e)
{
    prog_group *gr = s->gr;
    int64_t ocs[MAX_SIZES], reds[MAX_SIZES];
    int noc = s->oc >= 0 ? tile_sizes(gr->loops[s->oc].extent, ocs) : 1;
    int nred = 1;
    reds[0] = gr->red >= 0 ? gr->loops[gr->red].extent : 1;
    if (split_red && gr->red >= 0)
        nred = tile_sizes(gr->loops[gr->red].extent, reds);
    /* Split reductions descend from the largest: a few sizes past the
     * first that fits are enough (smaller ones only add partial sums). */
    int after_fit = 0;
    for (int r = split_red ? 1 : 0; r < nred && after_fit < 3; r++, after_fit += s->have_best)
        for (int i = 0; i < noc; i++)
            for (int oc_outer = 1; oc_outer >= 0; oc_outer--) {
                cand cd;
                base_cand(s, &cd);
                if (s->oc >= 0)
                    cd.tile[s->oc] = ocs[i];
                if (gr->red >= 0)
                    cd.tile[gr->red] = reds[r];
                grid_order(s, oc_outer, cd.order);
                if (straddles(s, &cd)) {
                    s->counts.refused_straddle++;
                    continue;
                }
                int rc = grid_rows(s, &cd, e);
                if (rc)
                    return rc;
                /* With one channel tile both orders are the same loop. */
                if (s->oc < 0 || ocs[i] == gr->loops[s->oc].extent)
                    break;
            }
    return NNP_OK;
}

/* Contiguous boxes: axis a split, inner axes whole, outer axes one index
 * at a time. Per axis, sizes descend to the first that fits and a few
 * below it (more tiles pipeline better until per-op latency dominates). */
static int search_contig(search *s, nnp_err *e)
{
    prog_group *gr = s->gr;
    int64_t sizes[MAX_SIZES];
    int fits = 1, rc;
    cand cd;
    base_cand(s, &cd);
    if (gr->nloops == 0)
        return try_cand(s, &cd, &fits, e);
    for (int a = 0; a < gr->nloops; a++) {
        base_cand(s, &cd);
        for (int l = 0; l < a; l++)
            cd.tile[l] = 1;
        int n = tile_sizes(gr->loops[a].extent, sizes), tried = 0;
        for (int i = 0; i < n && tried < 6; i++) {
            cd.tile[a] = sizes[i];
            if ((rc = try_cand(s, &cd, &fits, e)))
                return rc;
            tried += fits;
        }
    }
    return NNP_OK;
}

/* "oc 16 x oh 8 x ic 32 (oc outer)" */
static void describe(const prog_group *gr, const cand *cd, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int k = 0; k < gr->nloops && n < len; k++) {
        int l = cd->order[k];
        if (gr->loops[l].extent <= 1)
            continue;
        n += (size_t)snprintf(buf + n, len - n, "%s%s %lld", n ? " x " : "", gr->loops[l].name,
                              (long long)cd->tile[l]);
    }
    if (n == 0)
        snprintf(buf, len, "one tile");
}

static void smallest_error(const search *s, nnp_err *e)
{
    const prog_group *gr = s->gr;
    const target *t = s->p->t;
    const cand *cd = &s->smallest;
    int worst = POOL_UNIFIED;
    double wr = 0;
    for (int q = 0; q < POOL_COUNT; q++) {
        double r = (double)cd->need[q] / (double)target_capacity(t, (mem_pool)q);
        if (r > wr) {
            wr = r;
            worst = q;
        }
    }
    char d[160];
    describe(gr, cd, d, sizeof d);
    err_set(e, NNP_INFEASIBLE, "layer %s does not fit target '%s': even the smallest tile (%s) "
            "needs %lld bytes of %s local memory, %lld available", gr->name, t->name, d,
            (long long)cd->need[worst], t->separate ? mem_pool_name((mem_pool)worst) : "unified",
            (long long)target_capacity(t, (mem_pool)worst));
}

/* "unified 12, input 3" or "none" */
static void refusals(const search *s, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int q = 0; q < POOL_COUNT && n < len; q++)
        if (s->counts.refused[q])
            n += (size_t)snprintf(buf + n, len - n, "%s%s memory full %lld", n ? ", " : "",
                                  mem_pool_name((mem_pool)q), (long long)s->counts.refused[q]);
    if (s->counts.refused_straddle && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%schannel tile across conv groups %lld",
                              n ? ", " : "", (long long)s->counts.refused_straddle);
    if (n == 0)
        snprintf(buf, len, "none");
}

static void write_why(const search *s)
{
    prog_group *gr = s->gr;
    char a[96], b[96], r[128];
    describe(gr, &s->best, a, sizeof a);
    refusals(s, r, sizeof r);
    if (s->have_second) {
        describe(gr, &s->second, b, sizeof b);
        snprintf(gr->rep.why, sizeof gr->rep.why, "%s: est %lld cycles; next best %s: %lld; "
                 "%lld considered; refused: %s", a, (long long)s->best.est, b,
                 (long long)s->second.est, (long long)s->counts.considered, r);
    } else {
        snprintf(gr->rep.why, sizeof gr->rep.why, "%s: est %lld cycles; %lld considered; "
                 "refused: %s", a, (long long)s->best.est, (long long)s->counts.considered, r);
    }
}

int tile_choose(program *p, prog_group *gr, nnp_err *e)
{
    search s = {.p = p, .gr = gr, .oc = -1, .row = -1, .col = -1};
    const struct grid_axes *ga = &grid_axes[gr->kind];
    int rc;
    if (ga->grid) {
        s.oc = loop_on_axis(p, gr, ga->oc);
        s.row = loop_on_axis(p, gr, ga->row);
        s.col = loop_on_axis(p, gr, ga->col);
        /* Whole batches first; then one image at a time; then a split
         * reduction, the last resort. */
        rc = search_grid(&s, 0, e);
        for (int pass = 0; pass < 2 && !rc && !s.have_best; pass++) {
            s.batch_one = 1;
            rc = search_grid(&s, pass, e);
        }
    } else {
        rc = search_contig(&s, e);
    }
    if (rc)
        return rc;
    if (!s.have_best) {
        smallest_error(&s, e);
        return NNP_INFEASIBLE;
    }
    /* The group holds the last candidate tried: re-apply the winner. */
    if ((rc = evaluate(&s, &s.best, e)))
        return rc;
    gr->rep.considered = s.counts.considered;
    memcpy(gr->rep.refused, s.counts.refused, sizeof gr->rep.refused);
    gr->rep.refused_straddle = s.counts.refused_straddle;
    memcpy(gr->rep.working_set, s.best.need, sizeof gr->rep.working_set);
    write_why(&s);
    return NNP_OK;
}
