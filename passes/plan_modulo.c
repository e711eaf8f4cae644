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
 * Placing loops, one after another in program order, on a timeline of
 * unit instances and of memory:
 *  - A tile is anchored at a base: kernel op o of tile t is booked at
 *    base(t) + offset(o). Bases follow each other at least II apart, so
 *    the anchors keep every dependence of the modulo schedule (they point
 *    forward in iterations) and every rotating copy's reuse; a tile is
 *    delayed as a whole until its inputs from other loops and outside ops
 *    are ready, every anchor finds its unit instance free and every buffer
 *    it allocates fits.
 *  - Ops are placed in the order the kernel issues them (iteration k runs
 *    stage s of tile k - s, by offset mod II): each at its anchor, or
 *    earlier where exact costs allow - a ragged edge tile computes less
 *    than the worst case the offsets assume, a load of data ready long
 *    before - provided its unit instance is free, stays free for the
 *    tiles not anchored yet (their anchors, II apart, are projected), and
 *    its buffer fits. Ops booked and not yet placed keep their anchors'
 *    slots, so an op never takes the slot of one issued after it.
 *  - Memory is counted per generation of each buffer, as the verifier and
 *    the list scheduler count it: allocated at its producer's start, freed
 *    at the end of its last reader (plan_memory.c keeps the timeline per
 *    pool). A generation whose readers are not booked yet is claimed with
 *    no end. So a loop's first tiles start as soon as the earlier loops'
 *    drains have freed enough, not when their whole working sets have.
 *  - Outside-kernel loads are placed at their segment's start, as early as
 *    their unit, data, rotating copy and memory allow (often under an
 *    earlier loop), and raise the segment's base.
 * The plan's loop start and end span every instance of the loop. */
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
    /* Memory, generation by generation (the instance DAG's buffers, as the
     * verifier counts them): a generation is claimed from its producer's
     * start, with no end while a reader has no start yet, then up to the
     * latest end of its producer and readers, which moves earlier as they
     * are placed earlier than their anchors. */
    mem_line *mem;   /* per pool of u->sp */
    int *gen_of;     /* per instance: the generation it allocates, or -1 */
    int *rd_first, *rd_gen; /* generations instance v reads: rd_gen[rd_first[v] .. rd_first[v+1]) */
    int *unbooked;   /* per generation: its producer and readers without a start yet */
    int64_t *gen_end; /* per generation: where the timeline frees it, -1 while open */
    char *booked;    /* per instance: it has a start (an anchor, or placed) */
    int *op_inst;    /* per body op of the loop being placed: its unit instance */
    int *slot;       /* scratch: the ops of one kernel iteration */
    int64_t anchored; /* the loop's last tile with a base */
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

/* ---- memory ---- */

/* The earliest cycle in [s, hi] from which the generation instance i
 * allocates (if any) fits up to hi beside everything claimed (hi =
 * INT64_MAX: for good); -1 if it never fits, not even once everything
 * with an end has ended. */
static int64_t mem_ready(const placer *pc, int64_t i, int64_t s, int64_t hi)
{
    int k = pc->gen_of[i];
    if (k < 0 || pc->u->sp.buffers[k].bytes == 0)
        return s;
    const sched_buffer *b = &pc->u->sp.buffers[k];
    const mem_line *m = &pc->mem[b->pool];
    int64_t limit = pc->u->sp.pools[b->pool].capacity - b->bytes;
    if (mem_line_final(m) > limit)
        return -1;
    return mem_line_fit(m, s, hi, limit);
}

/* Claims (sign 1) or withdraws (sign -1) from cycle at the generation
 * instance i allocates, if any. */
static int claim(placer *pc, int64_t i, int64_t at, int sign)
{
    int k = pc->gen_of[i];
    if (k < 0 || pc->u->sp.buffers[k].bytes == 0)
        return 0;
    const sched_buffer *b = &pc->u->sp.buffers[k];
    return mem_line_add(&pc->mem[b->pool], at, sign * b->bytes);
}

/* Generation k's producer and readers all have a start (booked at their
 * anchors or placed): it ends at the latest of their ends, which only
 * moves earlier as ops are placed earlier than their anchors. */
static int bound_gen(placer *pc, int k)
{
    const sched_buffer *b = &pc->u->sp.buffers[k];
    int64_t end = pc->pl->insts[b->producer].end;
    for (int r = 0; r < b->nreaders; r++)
        end = max64(end, pc->pl->insts[b->readers[r]].end);
    if (!b->bytes || end == pc->gen_end[k])
        return 0;
    mem_line *m = &pc->mem[b->pool];
    if (pc->gen_end[k] >= 0 && mem_line_add(m, pc->gen_end[k], b->bytes))
        return -1;
    pc->gen_end[k] = end;
    return mem_line_add(m, end, -b->bytes);
}

/* Instance i got a start (booked) or a new one (placed earlier): bounds
 * or re-bounds the generations it allocates or reads. */
static int gens_of_inst(placer *pc, int64_t i, int booking)
{
    int k = pc->gen_of[i];
    if (booking)
        pc->booked[i] = 1;
    if (k >= 0 && (booking ? --pc->unbooked[k] == 0 : pc->gen_end[k] >= 0) && bound_gen(pc, k))
        return -1;
    for (int r = pc->rd_first[i]; r < pc->rd_first[i + 1]; r++) {
        k = pc->rd_gen[r];
        if ((booking ? --pc->unbooked[k] == 0 : pc->gen_end[k] >= 0) && bound_gen(pc, k))
            return -1;
    }
    return 0;
}

/* Where the generation that instance i (kernel op o of tile t) allocates
 * ends if tile t is booked at base: the latest end of its readers, booked
 * or in tile t; INT64_MAX while a reader in a later tile has no start. */
static int64_t booked_end(const placer *pc, int g, int64_t t, int64_t base, int64_t i)
{
    int k = pc->gen_of[i];
    if (k < 0)
        return INT64_MAX;
    const sched_buffer *b = &pc->u->sp.buffers[k];
    const plan_loop *lp = &pc->pl->loops[g];
    int64_t end = base + lp->offset[pc->u->op[i]] + pc->u->sp.ops[i].latency;
    for (int r = 0; r < b->nreaders; r++) {
        int64_t v = b->readers[r];
        if (pc->booked[v])
            end = max64(end, pc->pl->insts[v].end);
        else if (pc->u->group[v] == g && pc->u->tile[v] == t && lp->in_loop[pc->u->op[v]])
            end = max64(end, base + lp->offset[pc->u->op[v]] + pc->u->sp.ops[v].latency);
        else
            return INT64_MAX;
    }
    return end;
}

static int out_of_memory(const placer *pc, int g, int o, nnp_err *e)
{
    return err_set(e, NNP_INTERNAL, "%s: no cycle where the buffer of %s fits in local memory "
                   "(a bug in the modulo placer)", pc->p->groups[g].name, pc->p->groups[g].ops[o].name);
}

/* ---- ops and tiles ---- */

static void set_inst(placer *pc, int64_t i, int64_t start, int instance, int stage)
{
    plan_inst *in = &pc->pl->insts[i];
    in->start = start;
    in->end = start + pc->u->sp.ops[i].latency;
    in->busy = pc->u->sp.ops[i].occupancy;
    in->instance = instance;
    in->stage = stage;
}

/* Books instance i's unit and claims its memory from its start. */
static int commit(placer *pc, int64_t i)
{
    const plan_inst *in = &pc->pl->insts[i];
    if (lane_insert(lane_of(pc, in->unit, in->instance), in->start,
                    in->start + max64(in->busy, 1)) ||
        claim(pc, i, in->start, 1))
        return -1;
    return 0;
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

/* Places the outside-kernel ops active at tile a, each at the earliest
 * cycle its unit, data, rotating copy and memory allow; *base is raised
 * to the earliest base their readers allow for the segment starting
 * there. */
static int place_outside(placer *pc, int g, int64_t a, int64_t t0, int64_t *base, nnp_err *e)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    for (int o = 0; o < gr->nops; o++) {
        int64_t i = pc->u->at[g][a * gr->nops + o];
        if (lp->in_loop[o] || i < 0)
            continue;
        int inst = 0;
        int64_t s = max64(t0, max64(cross_ready(pc, g, o, a), copy_free(pc, g, o, a))), m;
        for (;;) {
            s = earliest_free(pc, gr->ops[o].unit, s, pc->u->sp.ops[i].occupancy, &inst);
            if ((m = mem_ready(pc, i, s, INT64_MAX)) < 0)
                return out_of_memory(pc, g, o, e);
            if (m == s)
                break;
            s = m;
        }
        set_inst(pc, i, s, inst, -1);
        if (commit(pc, i) || gens_of_inst(pc, i, 1))
            return err_set(e, NNP_NOMEM, "out of memory planning the program");
        for (int d = 0; d < gr->ndeps; d++)
            if (gr->deps[d].from == o && gr->deps[d].kind != DEP_WAR && lp->in_loop[gr->deps[d].to])
                *base = max64(*base, pc->pl->insts[i].end - lp->offset[gr->deps[d].to]);
    }
    return NNP_OK;
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

/* The earliest start of instance v as far as work with a start goes
 * (placed, or booked at its anchor: it will start there or earlier). */
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

/* The end of the first reservation within [x, y) on op o's unit instance
 * of a tile not anchored yet (the tiles after the last anchored one, based
 * II apart as the kernel runs), or -1. An op moved earlier must not take
 * it: that tile would have to move. */
static int64_t future_conflict(const placer *pc, int g, int o, int64_t x, int64_t y)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    int64_t last = pc->anchored, base = lp->tile_base[last];
    for (int q = 0; q < gr->nops; q++) {
        if (!lp->in_loop[q] || gr->ops[q].unit != gr->ops[o].unit || pc->op_inst[q] != pc->op_inst[o])
            continue;
        for (int64_t k = 1; last + k < gr->ntiles; k++) {
            int64_t a = base + k * lp->ii + lp->offset[q], b = a + max64(gr->ops[q].busy, 1);
            if (a >= y)
                break;
            if (b > x && prog_op_active(&gr->ops[q], last + k))
                return b;
        }
    }
    return -1;
}

/* Where kernel op o of tile t (instance i, anchored at `anchor`) may start
 * earlier: the earliest cycle from t0 on where its inputs are ready (a
 * ragged edge tile computes less than the worst case the offsets assume;
 * an input loaded long before), its unit instance is free and stays free
 * for the tiles not anchored yet, and its buffer fits; its anchor if there
 * is none. Predecessors not placed yet count at their anchors. */
static int64_t early_start(placer *pc, int g, int64_t t, int o, int64_t i, int64_t anchor,
                           int64_t t0)
{
    int64_t busy = max64(pc->u->sp.ops[i].occupancy, 1), c;
    const lane *ln = lane_of(pc, pc->p->groups[g].ops[o].unit, pc->pl->insts[i].instance);
    int64_t s = max64(t0, inst_ready(pc, g, o, t, i));
    while (s < anchor) {
        if ((c = lane_conflict(ln, s, s + busy)) >= 0 ||
            (c = future_conflict(pc, g, o, s, s + busy)) >= 0)
            s = c;
        else if ((c = mem_ready(pc, i, s, anchor)) != s)
            s = c < 0 ? anchor : c;
        else
            break;
    }
    return min64(s, anchor);
}

/* Takes back the interval of l starting at a. */
static int lane_remove(lane *l, int64_t a)
{
    size_t lo = 0, hi = l->n; /* first interval with lo >= a */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->lo[mid] >= a)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == l->n || l->lo[lo] != a)
        return -1;
    memmove(l->lo + lo, l->lo + lo + 1, (l->n - lo - 1) * sizeof *l->lo);
    memmove(l->hi + lo, l->hi + lo + 1, (l->n - lo - 1) * sizeof *l->hi);
    l->n--;
    return 0;
}

static int nomem(nnp_err *e)
{
    return err_set(e, NNP_NOMEM, "out of memory planning the program");
}

/* Books tile t's kernel ops at their anchors base + offset: each op's unit
 * instance and, in offset order, its buffer from there. Returns 0, or how
 * far the tile must move for the first op whose instance is taken or whose
 * buffer does not fit there (nothing stays booked then); -1 on an error. */
static int64_t book_anchors(placer *pc, int g, int64_t t, int64_t base, nnp_err *e)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    for (int o = 0; o < gr->nops; o++) { /* units first: cheap, and nothing to take back */
        int64_t i = pc->u->at[g][t * gr->nops + o];
        if (i < 0 || !lp->in_loop[o])
            continue;
        int64_t a = base + lp->offset[o], busy = max64(pc->u->sp.ops[i].occupancy, 1);
        int64_t c = lane_conflict(lane_of(pc, gr->ops[o].unit, pc->op_inst[o]), a, a + busy);
        if (c >= 0)
            return c - a;
    }
    int64_t shift = 0;
    int k = 0;
    for (; k < gr->nops; k++) {
        int o = lp->order[k];
        int64_t i = pc->u->at[g][t * gr->nops + o];
        if (i < 0 || !lp->in_loop[o])
            continue;
        int64_t a = base + lp->offset[o];
        int64_t c = mem_ready(pc, i, a, booked_end(pc, g, t, base, i));
        if (c < 0)
            return out_of_memory(pc, g, o, e), -1;
        if (c > a) {
            shift = c - a;
            break;
        }
        set_inst(pc, i, a, pc->op_inst[o], (int)(lp->offset[o] / lp->ii));
        if (claim(pc, i, a, 1))
            return nomem(e), -1;
    }
    for (int j = 0; shift && j < k; j++) { /* take back what was claimed */
        int o = lp->order[j];
        int64_t i = pc->u->at[g][t * gr->nops + o];
        if (i >= 0 && lp->in_loop[o] && claim(pc, i, pc->pl->insts[i].start, -1))
            return nomem(e), -1;
    }
    for (int j = 0; !shift && j < gr->nops; j++) { /* booked: units, and bound what can be */
        int o = lp->order[j];
        int64_t i = pc->u->at[g][t * gr->nops + o];
        if (i < 0 || !lp->in_loop[o])
            continue;
        int64_t a = pc->pl->insts[i].start;
        if (lane_insert(lane_of(pc, gr->ops[o].unit, pc->op_inst[o]), a,
                        a + max64(pc->u->sp.ops[i].occupancy, 1)) ||
            gens_of_inst(pc, i, 1))
            return nomem(e), -1;
    }
    return shift;
}

/* Anchors tile t at the earliest base >= base that its inputs, the
 * rotating copies it overwrites, its ops' unit instances and memory allow,
 * and books it there. */
static int anchor_tile(placer *pc, int g, int64_t t, int64_t base, nnp_err *e)
{
    plan_loop *lp = &pc->pl->loops[g];
    base = max64(base, tile_ready(pc, g, t));
    /* Each shift clears one conflict; past a few, start after the earlier
     * loops instead of walking through them interval by interval. */
    int64_t shift;
    for (int tries = 0; (shift = book_anchors(pc, g, t, base, e)) != 0; tries++) {
        if (shift < 0)
            return e->code;
        base += shift;
        if (tries == 64)
            for (int h = 0; h < g; h++)
                base = max64(base, pc->pl->loops[h].end);
    }
    lp->tile_base[t] = base;
    pc->anchored = t;
    return NNP_OK;
}

/* Places booked kernel op o of tile t for good: at its anchor or earlier
 * (early_start), never later. */
static int place_op(placer *pc, int g, int64_t t, int o, int64_t t0, nnp_err *e)
{
    const prog_group *gr = &pc->p->groups[g];
    int64_t i = pc->u->at[g][t * gr->nops + o], anchor = pc->pl->insts[i].start;
    lane *ln = lane_of(pc, gr->ops[o].unit, pc->pl->insts[i].instance);
    if (lane_remove(ln, anchor))
        return nomem(e);
    /* Its buffer stays claimed from the anchor on; early_start checks the
     * cycles before. */
    int64_t s = early_start(pc, g, t, o, i, anchor, t0);
    set_inst(pc, i, s, pc->pl->insts[i].instance, pc->pl->insts[i].stage);
    if (lane_insert(ln, s, s + max64(pc->pl->insts[i].busy, 1)) ||
        (s < anchor && (claim(pc, i, anchor, -1) || claim(pc, i, s, 1) || gens_of_inst(pc, i, 0))))
        return nomem(e);
    return NNP_OK;
}

/* Kernel iteration k runs stage s of tile k - s: places those ops in the
 * order the kernel issues them (by offset mod II, older tiles first). */
static int place_slot(placer *pc, int g, int64_t k, int64_t t0, nnp_err *e)
{
    const prog_group *gr = &pc->p->groups[g];
    const plan_loop *lp = &pc->pl->loops[g];
    int n = 0, *ops = pc->slot;
    for (int j = 0; j < gr->nops; j++) {
        int o = lp->order[j];
        int64_t t = k - lp->offset[o] / lp->ii;
        if (!lp->in_loop[o] || t < 0 || t >= gr->ntiles || pc->u->at[g][t * gr->nops + o] < 0)
            continue;
        int at = n++; /* insertion sort: by offset mod II, then older tile, then offset order */
        for (; at > 0; at--) {
            int q = ops[at - 1];
            int64_t rq = lp->offset[q] % lp->ii, ro = lp->offset[o] % lp->ii;
            if (rq < ro || (rq == ro && lp->offset[q] >= lp->offset[o]))
                break;
            ops[at] = q;
        }
        ops[at] = o;
    }
    for (int j = 0; j < n; j++) {
        int rc = place_op(pc, g, k - lp->offset[ops[j]] / lp->ii, ops[j], t0, e);
        if (rc)
            return rc;
    }
    return NNP_OK;
}

/* Places loop g: kernel iteration by kernel iteration, a segment's
 * outside-kernel loads first, then the new tile's anchors (at least II
 * after the previous tile's), then the ops the iteration issues. */
static int place_loop(placer *pc, int g, int overlap, const modulo_result *mr, nnp_err *e)
{
    const prog_group *gr = &pc->p->groups[g];
    plan_loop *lp = &pc->pl->loops[g];
    int64_t t0 = 0;
    for (int h = 0; h < g && !overlap; h++)
        t0 = max64(t0, pc->pl->loops[h].end);
    for (int o = 0; o < gr->nops; o++)
        pc->op_inst[o] = mr->instance[o] < 0 ? 0 : mr->instance[o];
    int64_t base = t0;
    for (int64_t k = 0; k < gr->ntiles + lp->stage_count - 1; k++) {
        int rc = NNP_OK;
        if (k < gr->ntiles) {
            rc = place_outside(pc, g, k, t0, &base, e);
            if (!rc)
                rc = anchor_tile(pc, g, k, base, e);
            base = lp->tile_base[k] + lp->ii;
        }
        if (!rc)
            rc = place_slot(pc, g, k, t0, e);
        if (rc)
            return rc;
    }
    lp->start = INT64_MAX;
    lp->end = t0;
    for (int64_t i = pc->u->first[g]; i < pc->u->first[g + 1]; i++) {
        lp->start = min64(lp->start, pc->pl->insts[i].start);
        lp->end = max64(lp->end, pc->pl->insts[i].end);
    }
    if (lp->start == INT64_MAX)
        lp->start = t0;
    return NNP_OK;
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
    for (int k = 0; pc->mem && k < pc->u->sp.npools; k++)
        mem_line_free(&pc->mem[k]);
    free(pc->mem);
    free(pc->lanes);
    free(pc->first_lane);
    free(pc->in_first);
    free(pc->in_edges);
    free(pc->gen_of);
    free(pc->rd_first);
    free(pc->rd_gen);
    free(pc->unbooked);
    free(pc->gen_end);
    free(pc->booked);
    free(pc->op_inst);
    free(pc->slot);
}

/* Edges into each instance, and the generations each instance allocates
 * and reads. */
static int placer_index(placer *pc)
{
    const unrolled *u = pc->u;
    const sched_problem *sp = &u->sp;
    int *fill = xcalloc((size_t)u->n + 1, sizeof(int));
    int64_t nreads = 0;
    for (int k = 0; k < sp->nbuffers; k++)
        nreads += sp->buffers[k].nreaders;
    pc->in_first = xcalloc((size_t)u->n + 2, sizeof(int));
    pc->in_edges = xcalloc((size_t)sp->nedges + 1, sizeof(int));
    pc->rd_first = xcalloc((size_t)u->n + 2, sizeof(int));
    pc->rd_gen = xcalloc((size_t)nreads + 1, sizeof(int));
    pc->gen_of = xcalloc((size_t)u->n + 1, sizeof(int));
    pc->unbooked = xcalloc((size_t)sp->nbuffers + 1, sizeof(int));
    pc->gen_end = xcalloc((size_t)sp->nbuffers + 1, sizeof(int64_t));
    pc->booked = xcalloc((size_t)u->n + 1, 1);
    pc->mem = xcalloc((size_t)sp->npools + 1, sizeof(mem_line));
    if (!fill || !pc->in_first || !pc->in_edges || !pc->rd_first || !pc->rd_gen || !pc->gen_of ||
        !pc->unbooked || !pc->gen_end || !pc->booked || !pc->mem || nreads > INT32_MAX) {
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
    memset(fill, 0, ((size_t)u->n + 1) * sizeof(int));
    for (int64_t v = 0; v < u->n; v++)
        pc->gen_of[v] = -1;
    for (int k = 0; k < sp->nbuffers; k++) {
        const sched_buffer *b = &sp->buffers[k];
        pc->gen_of[b->producer] = k;
        pc->unbooked[k] = b->nreaders + 1;
        pc->gen_end[k] = -1;
        for (int r = 0; r < b->nreaders; r++)
            pc->rd_first[b->readers[r] + 1]++;
    }
    for (int64_t v = 0; v < u->n; v++)
        pc->rd_first[v + 1] += pc->rd_first[v];
    for (int k = 0; k < sp->nbuffers; k++) {
        const sched_buffer *b = &sp->buffers[k];
        for (int r = 0; r < b->nreaders; r++)
            pc->rd_gen[pc->rd_first[b->readers[r]] + fill[b->readers[r]]++] = k;
    }
    free(fill);
    return 0;
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
    int nops = 0;
    for (int g = 0; g < p->ngroups; g++)
        nops = nops > p->groups[g].nops ? nops : p->groups[g].nops;
    pc->op_inst = xcalloc((size_t)nops + 1, sizeof(int));
    pc->slot = xcalloc((size_t)nops + 1, sizeof(int));
    if (!pc->lanes || !pc->op_inst || !pc->slot)
        return -1;
    return placer_index(pc);
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
        if (!rc)
            rc = place_loop(&pc, g, o->overlap_loops, &mr, e);
        modulo_result_free(&mr);
    }
    placer_free(&pc);
    return rc;
}
