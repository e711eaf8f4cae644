/* The cost model: work per op and tile, and the pipelined estimate.
 *
 * An op of `work` units on unit u costs latency + ceil(work / throughput)
 * cycles (target.c). Work is bytes for loads and stores (only the clipped
 * part of a box moves: padding is free), MACs for Conv and Gemm tiles
 * (padding taps included, as the MAC array computes them) plus one slot per
 * element and epilogue step on the last reduction step, and elements times
 * taps for the vector unit's pools.
 *
 * The estimate of a tiled loop follows DESIGN-NOTES section 1: while a
 * unit works on one tile, the others work on their neighbours, so a tile
 * costs about its busiest unit's occupancy (summed over the ops it runs,
 * spread over the unit's instances), and the whole loop that sum over
 * tiles plus the fill/drain of the first tile (every stage but the
 * slowest). Summing per class of tiles (tile.c) makes this exact over all
 * tiles without visiting each. The sequential figure adds every op of
 * every tile back to back: the baseline pipelining must beat. */
#include <stdlib.h>
#include <string.h>

#include "program.h"

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    return size_add(a, b, &r) ? INT64_MAX : r;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
    int64_t r;
    return size_mul(a, b, &r) ? INT64_MAX : r;
}

static int64_t box_elems(const region *r)
{
    int64_t n = 1;
    for (int i = 0; i < r->rank; i++)
        n = sat_mul(n, r->hi[i] - r->lo[i]);
    return n;
}

static int64_t clipped_elems(const region *r)
{
    int64_t n = 1;
    for (int i = 0; i < r->rank; i++)
        n = sat_mul(n, r->chi[i] - r->clo[i]);
    return n;
}

static int64_t red_len(const prog_group *gr, const int64_t *idx)
{
    int64_t lo, hi;
    prog_loop_range(gr, gr->red, idx[gr->red], &lo, &hi);
    return hi - lo;
}

static int last_red(const prog_group *gr, const int64_t *idx)
{
    return gr->red < 0 || idx[gr->red] == gr->loops[gr->red].count - 1;
}

/* The per-op functions below take the op's own region r for tile idx, so
 * a caller that has it (class_cost) computes it once. */

static int64_t macs_of(const program *p, const prog_group *gr, int op, const int64_t *idx,
                       const region *r)
{
    if (gr->ops[op].kind != POP_COMPUTE)
        return 0;
    switch (gr->kind) {
    case GK_CONV:
        return sat_mul(sat_mul(box_elems(r), red_len(gr, idx)),
                       gr->par.conv.kernel[0] * gr->par.conv.kernel[1]);
    case GK_GEMM:
        return sat_mul(box_elems(r), red_len(gr, idx));
    case GK_WHOLE:
        return op_table[gr->par.op].macs(p->g, &p->g->nodes[gr->anchor]);
    default:
        return 0;
    }
}

/* MACs plus one slot per element and epilogue step once the reduction is
 * complete. */
static int64_t work_mac(const program *p, const prog_group *gr, int op, const int64_t *idx,
                        const region *r)
{
    int64_t epi = last_red(gr, idx) ? sat_mul(box_elems(r), gr->par.nepi) : 0;
    return sat_add(macs_of(p, gr, op, idx, r), epi);
}

static int64_t work_pool(const program *p, const prog_group *gr, int op, const int64_t *idx,
                         const region *r)
{
    (void)p, (void)op, (void)idx;
    return sat_mul(box_elems(r), gr->par.pool.kernel[0] * gr->par.pool.kernel[1]);
}

/* A global pool reads each input element of its tile once. */
static int64_t work_globalpool(const program *p, const prog_group *gr, int op,
                               const int64_t *idx, const region *r)
{
    (void)op, (void)r;
    region in;
    tile_region_idx(p, gr, 0, idx, &in);
    return clipped_elems(&in);
}

/* One slot per element and operation: BatchNormalization's multiply and
 * add, an n-input binary op's n - 1 folds. */
static int64_t work_eltwise(const program *p, const prog_group *gr, int op, const int64_t *idx,
                            const region *r)
{
    (void)op, (void)idx;
    int nin = p->g->nodes[gr->anchor].nin;
    int64_t per = gr->par.op == OP_BATCHNORM ? 2 : bin_of(gr->par.op) && nin > 2 ? nin - 1 : 1;
    return sat_mul(box_elems(r), per);
}

/* max, exp, sum and divide: four passes over the elements. */
static int64_t work_softmax(const program *p, const prog_group *gr, int op, const int64_t *idx,
                            const region *r)
{
    (void)p, (void)gr, (void)op, (void)idx;
    return sat_mul(box_elems(r), 4);
}

static int64_t work_copy(const program *p, const prog_group *gr, int op, const int64_t *idx,
                         const region *r)
{
    (void)p, (void)gr, (void)op, (void)idx;
    return box_elems(r);
}

static int64_t work_whole(const program *p, const prog_group *gr, int op, const int64_t *idx,
                          const region *r)
{
    int64_t m = macs_of(p, gr, op, idx, r);
    return m > 0 ? m : box_elems(r);
}

typedef int64_t (*work_fn)(const program *, const prog_group *, int, const int64_t *,
                           const region *);

static const work_fn compute_work[GK_COUNT] = {
    [GK_CONV] = work_mac,           [GK_POOL] = work_pool,       [GK_GLOBALPOOL] = work_globalpool,
    [GK_GEMM] = work_mac,           [GK_ELTWISE] = work_eltwise, [GK_CONCAT] = work_copy,
    [GK_SOFTMAX] = work_softmax,    [GK_ALIAS] = work_copy,      [GK_WHOLE] = work_whole,
    [GK_TRANSPOSE] = work_copy,
};

static int64_t bytes_of(const prog_op *o, const region *r)
{
    if (o->kind == POP_COMPUTE || o->kind == POP_POOL)
        return 0;
    return sat_mul(clipped_elems(r), (int64_t)sizeof(float));
}

static int64_t work_of(const program *p, const prog_group *gr, int op, const int64_t *idx,
                       const region *r)
{
    switch (gr->ops[op].kind) {
    case POP_COMPUTE:
        return compute_work[gr->kind](p, gr, op, idx, r);
    case POP_POOL:
        return work_pool(p, gr, op, idx, r);
    default:
        return bytes_of(&gr->ops[op], r);
    }
}

static int64_t cost_macs_idx(const program *p, const prog_group *gr, int op, const int64_t *idx)
{
    region r;
    tile_region_idx(p, gr, op, idx, &r);
    return macs_of(p, gr, op, idx, &r);
}

static int64_t cost_bytes_idx(const program *p, const prog_group *gr, int op, const int64_t *idx)
{
    region r;
    tile_region_idx(p, gr, op, idx, &r);
    return bytes_of(&gr->ops[op], &r);
}

static int64_t cost_work_idx(const program *p, const prog_group *gr, int op, const int64_t *idx)
{
    region r;
    tile_region_idx(p, gr, op, idx, &r);
    return work_of(p, gr, op, idx, &r);
}

/* ---- per tile, for readers of the program ---- */

static int tile_of(const program *p, int g, int op, int64_t t, int64_t *idx)
{
    const prog_group *gr = &p->groups[g];
    if (t < 0 || t >= gr->ntiles || op < 0 || op >= gr->nops)
        return 0;
    prog_tile_index(gr, t, idx);
    return prog_op_active(&gr->ops[op], t);
}

int64_t prog_op_work_at(const program *p, int g, int op, int64_t t)
{
    int64_t idx[PROG_MAX_LOOPS];
    return tile_of(p, g, op, t, idx) ? cost_work_idx(p, &p->groups[g], op, idx) : 0;
}

int64_t prog_op_macs_at(const program *p, int g, int op, int64_t t)
{
    int64_t idx[PROG_MAX_LOOPS];
    return tile_of(p, g, op, t, idx) ? cost_macs_idx(p, &p->groups[g], op, idx) : 0;
}

int64_t prog_op_bytes_at(const program *p, int g, int op, int64_t t)
{
    int64_t idx[PROG_MAX_LOOPS];
    return tile_of(p, g, op, t, idx) ? cost_bytes_idx(p, &p->groups[g], op, idx) : 0;
}

int64_t prog_op_cycles_at(const program *p, int g, int op, int64_t t)
{
    int64_t idx[PROG_MAX_LOOPS];
    if (!tile_of(p, g, op, t, idx))
        return 0;
    const prog_group *gr = &p->groups[g];
    return unit_cycles(&p->t->units[gr->ops[op].unit], cost_work_idx(p, gr, op, idx));
}

/* ---- the estimate ---- */

static void reset(prog_group *gr)
{
    for (int i = 0; i < gr->nops; i++) {
        prog_op *o = &gr->ops[i];
        o->work = o->cycles = o->busy = o->bytes = 0;
        o->total_work = o->total_cycles = o->total_bytes = 0;
    }
    for (int b = 0; b < gr->nbufs; b++) {
        memset(gr->bufs[b].dims, 0, sizeof gr->bufs[b].dims);
        gr->bufs[b].rank = 0;
    }
    tiling_report keep = gr->rep;
    memset(&gr->rep, 0, sizeof gr->rep);
    memcpy(gr->rep.why, keep.why, sizeof keep.why);
}

/* Grows op's output buffer to hold its box r. */
static void fit_buffer(prog_group *gr, const prog_op *o, const region *r)
{
    if (o->out < 0)
        return;
    prog_buffer *b = &gr->bufs[o->out];
    b->rank = r->rank;
    for (int i = 0; i < r->rank; i++)
        b->dims[i] = max64(b->dims[i], r->hi[i] - r->lo[i]);
}

/* One class of tiles: adds its ops' costs (times mult) and returns the
 * busiest unit's occupancy; *fill gets the other stages' sum. */
static int64_t class_cost(const program *p, prog_group *gr, const int64_t *idx, int64_t mult,
                          int64_t *stage, int64_t *seq, int64_t *macs, int64_t *fill)
{
    const target *t = p->t;
    int64_t tn = prog_tile_linear(gr, idx), seq_tile = 0;
    memset(stage, 0, (size_t)t->nunits * sizeof *stage);
    for (int i = 0; i < gr->nops; i++) {
        prog_op *o = &gr->ops[i];
        region r;
        tile_region_idx(p, gr, i, idx, &r);
        fit_buffer(gr, o, &r);
        if (!prog_op_active(o, tn))
            continue;
        const target_unit *u = &t->units[o->unit];
        int64_t w = work_of(p, gr, i, idx, &r), c = unit_cycles(u, w), b = unit_busy(u, w);
        int64_t by = bytes_of(o, &r);
        o->work = max64(o->work, w);
        o->cycles = max64(o->cycles, c);
        o->busy = max64(o->busy, b);
        o->bytes = max64(o->bytes, by);
        o->total_work = sat_add(o->total_work, sat_mul(w, mult));
        o->total_cycles = sat_add(o->total_cycles, sat_mul(c, mult));
        o->total_bytes = sat_add(o->total_bytes, sat_mul(by, mult));
        *macs = sat_add(*macs, sat_mul(macs_of(p, gr, i, idx, &r), mult));
        stage[o->unit] = sat_add(stage[o->unit], b);
        seq_tile = sat_add(seq_tile, c);
    }
    int64_t worst = 0, sum = 0;
    for (int u = 0; u < t->nunits; u++) {
        int64_t s = ceil_div(stage[u], t->units[u].count);
        worst = max64(worst, s);
        sum = sat_add(sum, s);
    }
    *seq = sat_add(*seq, sat_mul(seq_tile, mult));
    *fill = sum - worst;
    return worst;
}

/* Minimum traffic and overheads from the op totals. */
static void traffic(const program *p, prog_group *gr, int64_t macs)
{
    tiling_report *rep = &gr->rep;
    for (int i = 0; i < gr->nops; i++) {
        const prog_op *o = &gr->ops[i];
        if (o->kind == POP_COMPUTE || o->kind == POP_POOL)
            continue;
        const prog_tensor *pt = &p->tensors[o->tensor];
        int64_t once = 4, extra;
        for (int d = 0; d < pt->rank; d++)
            once = sat_mul(once, pt->dims[d]);
        rep->min_bytes = sat_add(rep->min_bytes, once);
        extra = max64(0, o->total_bytes - once);
        if (o->kind == POP_STORE)
            rep->bytes_stored = sat_add(rep->bytes_stored, o->total_bytes);
        else
            rep->bytes_loaded = sat_add(rep->bytes_loaded, o->total_bytes);
        if (o->kind == POP_LOAD_INPUT || o->kind == POP_LOAD_SKIP)
            rep->halo_bytes = sat_add(rep->halo_bytes, extra);
        if (o->kind == POP_LOAD_WEIGHT || o->kind == POP_LOAD_BIAS)
            rep->reload_bytes = sat_add(rep->reload_bytes, extra);
    }
    int64_t useful = 0;
    if (gr->kind == GK_CONV || gr->kind == GK_GEMM) {
        const node *a = &p->g->nodes[gr->anchor];
        useful = op_table[a->op].macs(p->g, a);
    } else {
        useful = macs;
    }
    rep->macs = useful;
    rep->recompute_macs = max64(0, macs - useful);
}

int cost_evaluate(const program *p, prog_group *gr, const tile_classes *c, nnp_err *e)
{
    int64_t *stage = xcalloc((size_t)p->t->nunits, sizeof *stage);
    if (!stage)
        return err_set(e, NNP_NOMEM, "out of memory costing %s", gr->name);
    reset(gr);
    int ci[PROG_MAX_LOOPS] = {0};
    int64_t idx[PROG_MAX_LOOPS] = {0}, est = 0, seq = 0, macs = 0, fill = 0;
    for (;;) {
        int64_t mult = 1, f;
        for (int l = 0; l < gr->nloops; l++) {
            idx[l] = c->rep[l][ci[l]];
            mult = sat_mul(mult, c->mult[l][ci[l]]);
        }
        int64_t worst = class_cost(p, gr, idx, mult, stage, &seq, &macs, &f);
        est = sat_add(est, sat_mul(worst, mult));
        int first = 1;
        for (int l = 0; l < gr->nloops; l++)
            first &= ci[l] == 0;
        if (first)
            fill = f;
        int l = gr->nloops - 1;
        while (l >= 0 && ++ci[l] == c->n[l])
            ci[l--] = 0;
        if (l < 0)
            break;
    }
    free(stage);
    for (int b = 0; b < gr->nbufs; b++) {
        prog_buffer *bf = &gr->bufs[b];
        bf->elems = 1;
        for (int i = 0; i < bf->rank; i++)
            bf->elems = sat_mul(bf->elems, bf->dims[i]);
        bf->bytes = target_align(p->t, sat_mul(bf->elems, (int64_t)sizeof(float)));
        if (bf->bytes < 0)
            bf->bytes = INT64_MAX;
    }
    gr->rep.est_cycles = sat_add(est, fill);
    gr->rep.seq_cycles = seq;
    traffic(p, gr, macs);
    return NNP_OK;
}
