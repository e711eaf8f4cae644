/* Modulo plans: each group's tile loop software-pipelined, then the loops
 * laid end to end, overlapping where data, units and memory allow.
 *
 * Per loop (a group with tiles):
 *  - Loads that refill their buffer only every few tiles (weights reused
 *    along a row of tiles, data loaded once) run outside the kernel instead
 *    of holding a reservation-table slot in every iteration, where their
 *    occupancy would bound II: they split the tiles into segments, and each
 *    segment's loads are issued as early as their unit, data and rotating
 *    copy allow — typically under the previous segment's kernel.
 *  - Rotating buffers follow modulo variable expansion: schedule first with
 *    unbounded copies, then give each streaming buffer ceil(lifetime / II)
 *    copies. When that working set overflows a pool, copies are cut from
 *    the buffer that frees the most bytes, the buffer-reuse recurrences
 *    (with c copies, generation i+c waits for the readers of generation i)
 *    are added, and the loop is scheduled again: buffers trade against II.
 * Placing loops: a loop starts at the earliest cycle where its working set
 * fits beside the loops still running. Each segment's tiles then run II
 * apart, tile t's kernel ops at base(t) + offset, with the segment's base
 * the earliest cycle where its loads have their producer tiles stored, its
 * outside-kernel loads are done, it trails the previous tile by at least II
 * and no unit instance is double-booked. Delaying a whole segment keeps
 * every dependence of the modulo schedule (they all point forward in
 * iterations); unit conflicts across the gap are checked explicitly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* A load that refills its buffer only every few tiles (weights reused
 * across a row of tiles, data loaded once) runs outside the kernel, at the
 * start of each segment of tiles that uses it. */
static int outside_kernel(const prog_group *gr, const prog_op *op)
{
    return gr->ntiles > 1 && op->period > 1 && op->kind != POP_COMPUTE && op->kind != POP_POOL &&
           op->kind != POP_STORE;
}

/* Reuse distance in iterations for a buffer refilled every per tiles into
 * c copies: its last reader of generation k is at most per-1 tiles after
 * the generation starts, and generation k+c starts c*per tiles after. */
static int64_t reuse_distance(int64_t per, int c)
{
    return (c - 1) * per + 1;
}

/* The loop problem of group g: kernel ops with their worst-case cost,
 * data/accumulator edges, and reuse edges for buffers with copies (NULL:
 * streaming buffers unbounded; buffers refilled less often keep lowering's
 * copies). Preamble ops stay in the problem as free, unconstrained ops so
 * indices match the body. */
static int loop_problem(const program *p, int g, const int *in_loop, const int *copies,
                        sched_problem *sp)
{
    const prog_group *gr = &p->groups[g];
    memset(sp, 0, sizeof *sp);
    for (int i = 0; i < p->t->nunits; i++)
        if (sched_add_resource(sp, p->t->units[i].name, p->t->units[i].count, 1) < 0)
            return -1;
    for (int o = 0; o < gr->nops; o++) {
        const prog_op *op = &gr->ops[o];
        int ok = in_loop[o] ? sched_add_op(sp, op->name, op->unit, op->cycles, op->busy)
                            : sched_add_op(sp, op->name, SCHED_NONE, 0, 0);
        if (ok < 0)
            return -1;
    }
    for (int d = 0; d < gr->ndeps; d++) {
        const prog_dep *dp = &gr->deps[d];
        if (dp->kind == DEP_WAR || !in_loop[dp->from] || !in_loop[dp->to])
            continue;
        if (sched_add_edge(sp, dp->from, dp->to, 0, dp->distance) < 0)
            return -1;
    }
    for (int b = 0; b < gr->nbufs; b++) {
        const prog_buffer *bf = &gr->bufs[b];
        int64_t per = plan_buffer_period(gr, b);
        if (!in_loop[bf->producer] || per >= gr->ntiles || (per == 1 && !copies))
            continue;
        int c = copies ? copies[b] : bf->copies;
        for (int r = 0; r < bf->nreaders; r++)
            if (in_loop[bf->readers[r]] &&
                sched_add_edge(sp, bf->readers[r], bf->producer, 0, reuse_distance(per, c)) < 0)
                return -1;
    }
    return 0;
}

/* Copies each streaming buffer wants at II: ceil(lifetime / II), where the
 * lifetime runs from its producer's start to its last reader's end. */
static void wanted_copies(const prog_group *gr, const modulo_result *mr, const int *in_loop,
                          int *copies)
{
    for (int b = 0; b < gr->nbufs; b++) {
        const prog_buffer *bf = &gr->bufs[b];
        copies[b] = bf->copies;
        if (gr->ntiles <= 1)
            copies[b] = 1; /* nothing rotates in a single iteration */
        if (gr->ntiles <= 1 || !in_loop[bf->producer] || plan_buffer_period(gr, b) != 1)
            continue;
        int64_t end = mr->start[bf->producer] + gr->ops[bf->producer].cycles;
        for (int r = 0; r < bf->nreaders; r++)
            end = max64(end, mr->start[bf->readers[r]] + gr->ops[bf->readers[r]].cycles);
        int64_t life = end - mr->start[bf->producer];
        copies[b] = (int)min64(max64(1, ceil_div(life, mr->ii)), 64);
    }
}

static void working_set(const program *p, const prog_group *gr, const int *copies, int64_t *ws)
{
    memset(ws, 0, POOL_COUNT * sizeof *ws);
    for (int b = 0; b < gr->nbufs; b++)
        ws[target_pool(p->t, gr->bufs[b].pool)] += gr->bufs[b].bytes * copies[b];
}

/* The pool ws overflows, or -1. */
static int overflow(const program *p, const int64_t *ws)
{
    for (int k = 0; k < POOL_COUNT; k++)
        if (ws[k] > target_capacity(p->t, (mem_pool)k))
            return k;
    return -1;
}

static int schedule_loop(const program *p, int g, const int *in_loop, const int *copies,
                         const modulo_options *mo, modulo_result *mr, nnp_err *e)
{
    sched_problem sp;
    if (loop_problem(p, g, in_loop, copies, &sp)) {
        sched_problem_free(&sp);
        return err_set(e, NNP_NOMEM, "out of memory scheduling %s", p->groups[g].name);
    }
    int rc = modulo_schedule(&sp, mo, mr, e);
    if (!rc)
        rc = verify_modulo(&sp, mr->ii, mr->start, mr->instance, e);
    sched_problem_free(&sp);
    if (rc)
        err_prefix(e, "%s", p->groups[g].name);
    return rc;
}

static void copy_result(plan_loop *lp, const modulo_result *mr)
{
    lp->ii = mr->ii;
    lp->res_mii = mr->res_mii;
    lp->rec_mii = mr->rec_mii;
    lp->mii = mr->mii;
    lp->stage_count = mr->stage_count;
    lp->length = mr->length;
    lp->optimality = mr->optimality;
}

/* Schedules group g's loop and chooses its copies; mr keeps the schedule. */
static int plan_one_loop(const program *p, int g, const modulo_options *mo, plan_loop *lp,
                         modulo_result *mr, nnp_err *e)
{
    const prog_group *gr = &p->groups[g];
    for (int o = 0; o < gr->nops; o++)
        lp->in_loop[o] = !outside_kernel(gr, &gr->ops[o]);
    int rc = schedule_loop(p, g, lp->in_loop, NULL, mo, mr, e);
    if (rc)
        return rc;
    lp->ii_unbounded = mr->ii;
    wanted_copies(gr, mr, lp->in_loop, lp->copies);
    working_set(p, gr, lp->copies, lp->working_set);
    int pool, cuts = 0;
    while ((pool = overflow(p, lp->working_set)) >= 0) {
        int best = -1;
        for (int b = 0; b < gr->nbufs; b++)
            if (lp->copies[b] > 1 && target_pool(p->t, gr->bufs[b].pool) == (mem_pool)pool &&
                (best < 0 || gr->bufs[b].bytes > gr->bufs[best].bytes))
                best = b;
        if (best < 0)
            return err_set(e, NNP_INFEASIBLE,
                           "%s: the working set needs %lld bytes of %s memory even with one copy "
                           "of each buffer; %lld are available",
                           gr->name, (long long)lp->working_set[pool], mem_pool_name((mem_pool)pool),
                           (long long)target_capacity(p->t, (mem_pool)pool));
        lp->copies[best]--;
        cuts++;
        working_set(p, gr, lp->copies, lp->working_set);
    }
    if (cuts) {
        modulo_result_free(mr);
        rc = schedule_loop(p, g, lp->in_loop, lp->copies, mo, mr, e);
        if (rc)
            return rc;
        if (mr->ii > lp->ii_unbounded)
            snprintf(lp->why, sizeof lp->why,
                     "%d buffer cop%s cut to fit local memory: II %lld -> %lld", cuts,
                     cuts == 1 ? "y" : "ies", (long long)lp->ii_unbounded, (long long)mr->ii);
        else
            snprintf(lp->why, sizeof lp->why, "%d buffer cop%s cut to fit local memory, II kept",
                     cuts, cuts == 1 ? "y" : "ies");
    } else if (mr->ii > mr->mii) {
        snprintf(lp->why, sizeof lp->why, "II %lld above MII %lld (%s)", (long long)mr->ii,
                 (long long)mr->mii, sched_optimality_name(mr->optimality));
    }
    copy_result(lp, mr);
    for (int o = 0; o < gr->nops; o++) {
        lp->offset[o] = lp->in_loop[o] ? mr->start[o] : 0;
        lp->order[o] = o;
    }
    /* Body ops by offset, ties in body order (a topological order). */
    for (int a = 1; a < gr->nops; a++)
        for (int b = a; b > 0 && lp->offset[lp->order[b - 1]] > lp->offset[lp->order[b]]; b--) {
            int x = lp->order[b];
            lp->order[b] = lp->order[b - 1];
            lp->order[b - 1] = x;
        }
    return NNP_OK;
}

/* ---- placing loops on the timeline ---- */

/* Busy intervals of one unit instance, sorted by start, disjoint. */
typedef struct lane {
    int64_t *lo, *hi;
    size_t n, cap;
} lane;

typedef struct placer {
    const program *p;
    plan *pl;
    const unrolled *u;
    lane *lanes;     /* lanes[first_lane[unit] + instance] */
    int *first_lane;
    int *in_first, *in_edges; /* edges into instance v: in_edges[in_first[v] .. in_first[v+1]) */
} placer;

static lane *lane_of(placer *pc, int unit, int instance)
{
    return &pc->lanes[pc->first_lane[unit] + instance];
}

/* The end of the first interval of l overlapping [a, b), or -1 if none. */
static int64_t lane_conflict(const lane *l, int64_t a, int64_t b)
{
    size_t lo = 0, hi = l->n; /* first interval with hi > a */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->hi[mid] > a)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < l->n && l->lo[lo] < b ? l->hi[lo] : -1;
}

static int lane_insert(lane *l, int64_t a, int64_t b)
{
    size_t cap = l->cap;
    if (grow((void **)&l->lo, &cap, l->n + 1, sizeof(int64_t)))
        return -1;
    cap = l->cap;
    if (grow((void **)&l->hi, &cap, l->n + 1, sizeof(int64_t)))
        return -1;
    l->cap = cap;
    size_t i = l->n;
    while (i > 0 && l->lo[i - 1] > a) { /* new work is mostly at the end */
        l->lo[i] = l->lo[i - 1];
        l->hi[i] = l->hi[i - 1];
        i--;
    }
    l->lo[i] = a;
    l->hi[i] = b;
    l->n++;
    return 0;
}

/* Earliest start >= t where an instance of unit is free for busy cycles. */
static int64_t earliest_free(placer *pc, int unit, int64_t t, int64_t busy, int *instance)
{
    int64_t best = -1;
    for (int k = 0; k < pc->p->t->units[unit].count; k++) {
        int64_t s = t, c;
        while ((c = lane_conflict(lane_of(pc, unit, k), s, s + max64(busy, 1))) >= 0)
            s = c;
        if (best < 0 || s < best) {
            best = s;
            *instance = k;
        }
    }
    return best;
}

/* When the stored data of group h's tile t is all out: its last store. */
static int64_t stored_by(const placer *pc, int h, int64_t t)
{
    const prog_group *src = &pc->p->groups[h];
    for (int o = 0; o < src->nops; o++)
        if (src->ops[o].kind == POP_STORE) {
            for (int64_t s = t; s < src->ntiles; s++) {
                int64_t i = pc->u->at[h][s * src->nops + o];
                if (i >= 0)
                    return pc->pl->insts[i].end;
            }
        }
    return 0;
}

/* Earliest cycle for op instance i of group g as far as other groups go. */
static int64_t cross_ready(const placer *pc, int g, int op, int64_t t)
{
    const prog_group *gr = &pc->p->groups[g];
    int64_t ready = 0;
    for (int k = 0; k < gr->npreds; k++) {
        if (gr->preds[k].op != op)
            continue;
        int64_t need = prog_pred_tile(pc->p, g, k, t);
        if (need >= 0)
            ready = max64(ready, stored_by(pc, gr->preds[k].group, need));
    }
    return ready;
}

/* The earliest cycle >= t0 at which loop g's working set fits beside the
 * loops placed before it that are still running. */
static int64_t memory_start(const placer *pc, int g, int64_t t0)
{
    const plan *pl = pc->pl;
    for (;;) {
        int64_t ws[POOL_COUNT], next = -1;
        memcpy(ws, pl->loops[g].working_set, sizeof ws);
        for (int h = 0; h < g; h++)
            if (pl->loops[h].trips > 0 && pl->loops[h].end > t0) {
                for (int k = 0; k < POOL_COUNT; k++)
                    ws[k] += pl->loops[h].working_set[k];
                if (next < 0 || pl->loops[h].end < next)
                    next = pl->loops[h].end;
            }
        if (next < 0 || overflow(pc->p, ws) < 0)
            return t0;
        t0 = next;
    }
}

static void set_inst(placer *pc, int64_t i, int64_t start, int instance, int stage)
{
    plan_inst *in = &pc->pl->insts[i];
    in->start = start;
    in->end = start + pc->u->sp.ops[i].latency;
    in->busy = pc->u->sp.ops[i].occupancy;
    in->instance = instance;
    in->stage = stage;
}

static int occupy(placer *pc, int64_t i)
{
    const plan_inst *in = &pc->pl->insts[i];
    return lane_insert(lane_of(pc, in->unit, in->instance), in->start,
                       in->start + max64(in->busy, 1));
}

/* When the rotating copy that op o (a buffer's producer) overwrites at tile
 * t is free: the end of the readers of the generation `copies` back. */
static int64_t copy_free(const placer *pc, int g, int o, int64_t t)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    int b = gr->ops[o].out;
    if (b < 0)
        return 0;
    int64_t per = plan_buffer_period(gr, b), from = t - lp->copies[b] * per, ready = 0;
    for (int64_t s = max64(from, 0); s < from + per && s < t; s++)
        for (int r = 0; r < gr->bufs[b].nreaders; r++) {
            int64_t i = pc->u->at[g][s * gr->nops + gr->bufs[b].readers[r]];
            if (i >= 0)
                ready = max64(ready, pc->pl->insts[i].end);
        }
    return ready;
}

/* Places the outside-kernel ops active at tile a; returns the earliest base
 * their readers allow for the segment starting there. */
static int64_t place_outside(placer *pc, int g, int64_t a, int64_t t0, int64_t *first, int *fail)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    int64_t base = 0;
    for (int o = 0; o < gr->nops; o++) {
        int64_t i = pc->u->at[g][a * gr->nops + o];
        if (lp->in_loop[o] || i < 0)
            continue;
        int inst = 0;
        int64_t ready = max64(t0, max64(cross_ready(pc, g, o, a), copy_free(pc, g, o, a)));
        int64_t s = earliest_free(pc, gr->ops[o].unit, ready, pc->u->sp.ops[i].occupancy, &inst);
        set_inst(pc, i, s, inst, -1);
        *first = min64(*first, s);
        if (occupy(pc, i))
            *fail = 1;
        for (int d = 0; d < gr->ndeps; d++)
            if (gr->deps[d].from == o && gr->deps[d].kind != DEP_WAR && lp->in_loop[gr->deps[d].to])
                base = max64(base, pc->pl->insts[i].end - lp->offset[gr->deps[d].to]);
    }
    return base;
}

/* The first conflict of tile t's kernel ops, based at base, with earlier
 * work: how far to move the tile, or 0. */
static int64_t tile_conflict(placer *pc, int g, int64_t t, int64_t base)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    for (int o = 0; o < gr->nops; o++) {
        int64_t i = pc->u->at[g][t * gr->nops + o];
        if (i < 0 || !lp->in_loop[o])
            continue;
        int64_t x = base + lp->offset[o], y = x + max64(pc->u->sp.ops[i].occupancy, 1);
        int64_t c = lane_conflict(lane_of(pc, gr->ops[o].unit, pc->pl->insts[i].instance), x, y);
        if (c >= 0)
            return c - x;
    }
    return 0;
}

/* The earliest base for tile t's kernel ops that the exact costs of work
 * already placed allow: every instance-DAG edge into the tile from another
 * tile, group or outside op, and the rotating copies each producer reuses.
 * Edges inside the tile hold by the offsets, which were scheduled with
 * worst-case costs. */
static int64_t tile_ready(placer *pc, int g, int64_t t)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    const sched_problem *sp = &pc->u->sp;
    int64_t base = 0;
    for (int o = 0; o < gr->nops; o++) {
        int64_t v = pc->u->at[g][t * gr->nops + o];
        if (v < 0 || !lp->in_loop[o])
            continue;
        for (int k = pc->in_first[v]; k < pc->in_first[v + 1]; k++) {
            const sched_edge *ed = &sp->edges[pc->in_edges[k]];
            int64_t f = ed->from;
            if (pc->u->group[f] == g && pc->u->tile[f] == t && lp->in_loop[pc->u->op[f]])
                continue;
            base = max64(base, pc->pl->insts[f].start + sp->ops[f].latency + ed->delay - lp->offset[o]);
        }
        if (gr->ops[o].out >= 0)
            base = max64(base, copy_free(pc, g, o, t) - lp->offset[o]);
    }
    return base;
}

/* The earliest start of instance v as far as already placed work goes. */
static int64_t inst_ready(placer *pc, int g, int o, int64_t t, int64_t v)
{
    const sched_problem *sp = &pc->u->sp;
    int64_t ready = 0;
    for (int k = pc->in_first[v]; k < pc->in_first[v + 1]; k++) {
        const sched_edge *ed = &sp->edges[pc->in_edges[k]];
        ready = max64(ready, pc->pl->insts[ed->from].start + sp->ops[ed->from].latency + ed->delay);
    }
    return max64(ready, copy_free(pc, g, o, t));
}

/* Anchors tile t at the earliest conflict-free base >= base, then lets
 * each kernel op start earlier than base + offset where the tile's exact
 * costs allow (a ragged edge tile computes less than the worst case the
 * offsets assume). Ops go in offset order, so their in-tile predecessors
 * are placed first; an op never moves later than its anchor, whose slot
 * stays free because earlier ops only move earlier. */
static int place_tile(placer *pc, int g, int64_t t, int64_t base, int64_t t0)
{
    const prog_group *gr = &pc->p->groups[g];
    plan_loop *lp = &pc->pl->loops[g];
    base = max64(base, tile_ready(pc, g, t));
    /* Each shift clears one conflict; past a few, start after the earlier
     * loops instead of walking through them interval by interval. */
    int64_t shift;
    for (int tries = 0; (shift = tile_conflict(pc, g, t, base)) > 0; tries++) {
        base += shift;
        if (tries == 64)
            for (int h = 0; h < g; h++)
                base = max64(base, pc->pl->loops[h].end);
    }
    lp->tile_base[t] = base;
    for (int k = 0; k < gr->nops; k++) {
        int o = lp->order[k];
        int64_t i = pc->u->at[g][t * gr->nops + o];
        if (i < 0 || !lp->in_loop[o])
            continue;
        int64_t anchor = base + lp->offset[o], s = max64(t0, inst_ready(pc, g, o, t, i)), c;
        const lane *ln = lane_of(pc, gr->ops[o].unit, pc->pl->insts[i].instance);
        while (s < anchor && (c = lane_conflict(ln, s, s + max64(pc->u->sp.ops[i].occupancy, 1))) >= 0)
            s = c;
        set_inst(pc, i, min64(s, anchor), pc->pl->insts[i].instance, (int)(lp->offset[o] / lp->ii));
        if (occupy(pc, i))
            return -1;
    }
    return 0;
}

static int place_loop(placer *pc, int g, int overlap, const modulo_result *mr)
{
    const prog_group *gr = &pc->p->groups[g];
    plan_loop *lp = &pc->pl->loops[g];
    int64_t t0 = 0;
    for (int h = 0; h < g && !overlap; h++)
        t0 = max64(t0, pc->pl->loops[h].end);
    t0 = memory_start(pc, g, t0);
    for (int o = 0; o < gr->nops; o++)
        for (int64_t t = 0; t < gr->ntiles; t++) {
            int64_t i = pc->u->at[g][t * gr->nops + o];
            if (i >= 0 && lp->in_loop[o])
                pc->pl->insts[i].instance = mr->instance[o] < 0 ? 0 : mr->instance[o];
        }
    int64_t first = INT64_MAX, base = t0;
    int fail = 0;
    for (int64_t t = 0; t < gr->ntiles; t++) {
        /* Tiles start in order; segment starts first issue their loads. */
        base = max64(base, place_outside(pc, g, t, t0, &first, &fail));
        if (fail || place_tile(pc, g, t, base, t0))
            return -1;
        base = lp->tile_base[t];
    }
    int64_t end = t0;
    for (int64_t i = pc->u->first[g]; i < pc->u->first[g + 1]; i++)
        end = max64(end, pc->pl->insts[i].end);
    lp->start = min64(lp->tile_base[0], first);
    lp->end = end;
    return 0;
}

static void placer_free(placer *pc)
{
    if (pc->lanes) {
        int total = pc->first_lane[pc->p->t->nunits];
        for (int k = 0; k < total; k++) {
            free(pc->lanes[k].lo);
            free(pc->lanes[k].hi);
        }
    }
    free(pc->lanes);
    free(pc->first_lane);
    free(pc->in_first);
    free(pc->in_edges);
}

static int placer_init(placer *pc, const program *p, plan *pl, const unrolled *u)
{
    memset(pc, 0, sizeof *pc);
    pc->p = p;
    pc->pl = pl;
    pc->u = u;
    pc->first_lane = xcalloc((size_t)p->t->nunits + 1, sizeof(int));
    if (!pc->first_lane)
        return -1;
    for (int k = 0; k < p->t->nunits; k++)
        pc->first_lane[k + 1] = pc->first_lane[k] + p->t->units[k].count;
    pc->lanes = xcalloc((size_t)pc->first_lane[p->t->nunits], sizeof(lane));
    const sched_problem *sp = &u->sp;
    pc->in_first = xcalloc((size_t)u->n + 2, sizeof(int));
    pc->in_edges = xcalloc((size_t)sp->nedges + 1, sizeof(int));
    int *fill = xcalloc((size_t)u->n + 1, sizeof(int));
    if (!pc->lanes || !pc->in_first || !pc->in_edges || !fill) {
        free(fill);
        return -1;
    }
    for (int k = 0; k < sp->nedges; k++)
        pc->in_first[sp->edges[k].to + 1]++;
    for (int64_t v = 0; v < u->n; v++)
        pc->in_first[v + 1] += pc->in_first[v];
    for (int k = 0; k < sp->nedges; k++) {
        int v = sp->edges[k].to;
        pc->in_edges[pc->in_first[v] + fill[v]++] = k;
    }
    free(fill);
    return 0;
}

int plan_modulo(const program *p, const plan_options *o, const unrolled *u, plan *pl, nnp_err *e)
{
    int rc = NNP_OK;
    placer pc;
    pl->loops = xcalloc((size_t)p->ngroups + 1, sizeof(plan_loop));
    pl->nloops = p->ngroups;
    if (!pl->loops || placer_init(&pc, p, pl, u)) {
        if (pl->loops)
            placer_free(&pc);
        return err_set(e, NNP_NOMEM, "out of memory planning the program");
    }
    for (int g = 0; g < p->ngroups && !rc; g++) {
        const prog_group *gr = &p->groups[g];
        plan_loop *lp = &pl->loops[g];
        lp->group = g;
        lp->trips = gr->ntiles;
        lp->copies = xcalloc((size_t)gr->nbufs + 1, sizeof(int));
        lp->in_loop = xcalloc((size_t)gr->nops + 1, sizeof(int));
        lp->offset = xcalloc((size_t)gr->nops + 1, sizeof(int64_t));
        lp->tile_base = xcalloc((size_t)gr->ntiles + 1, sizeof(int64_t));
        lp->order = xcalloc((size_t)gr->nops + 1, sizeof(int));
        if (!lp->copies || !lp->in_loop || !lp->offset || !lp->tile_base || !lp->order) {
            rc = err_set(e, NNP_NOMEM, "out of memory planning the program");
            break;
        }
        if (gr->ntiles == 0 || gr->nops == 0)
            continue;
        modulo_result mr = {0};
        rc = plan_one_loop(p, g, &o->modulo, lp, &mr, e);
        if (!rc && place_loop(&pc, g, o->overlap_loops, &mr))
            rc = err_set(e, NNP_NOMEM, "out of memory planning the program");
        modulo_result_free(&mr);
    }
    placer_free(&pc);
    return rc;
}
