/* Modulo scheduling: iterative modulo scheduling (Rau, MICRO 1994) from MII
 * upwards, then the exact search (modulo_exact.c) below the heuristic's II
 * for small loops.
 *
 * At a candidate II the heuristic takes the unscheduled op of greatest
 * height (longest path to the end of the iteration, with edges weighted
 * latency + delay - II*distance) and looks for a start whose cycles mod II
 * are free on some instance of its resource:
 *  - after its scheduled predecessors: the window [Estart, Estart + II - 1],
 *    cut at Lstart when successors are scheduled too (Rau scans only up from
 *    Estart; stopping at Lstart avoids evicting successors needlessly);
 *  - before its scheduled successors when it has no scheduled predecessor:
 *    down from Lstart (as swing modulo scheduling places ops next to the
 *    neighbours already placed);
 *  - from its ASAP time when it has no scheduled neighbour.
 * A window of II consecutive starts covers every row, so when it has no free
 * slot the op is forced in anyway - at Estart, or one cycle after its last
 * placement so that the search moves on - evicting the ops holding its
 * instance and any neighbour whose edge it now violates. Evicted ops return
 * to the queue. A budget of placements per op bounds the work; when it runs
 * out, II grows (by one at first, then by doubling steps with a bisection
 * back, so hopeless loops end quickly) and the failure is recorded with its
 * eviction counts: mostly resource evictions mean the reservation table was
 * too tight, mostly dependence evictions mean the recurrences were.
 *
 * Result starts are shifted so the earliest is 0; stages follow. */
#include "scheduler.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "mrt.h"
#include "sched_adj.h"

void modulo_options_default(modulo_options *o)
{
    o->exact_limit = 40;
    o->budget_ratio = 8;
    o->exact_budget = 200000;
}

static const char *const optimality_names[SCHED_OPT_COUNT] = {
    [SCHED_OPT_AT_MII] = "optimal (II = MII)",
    [SCHED_OPT_PROVEN] = "optimal (proven by exact search)",
    [SCHED_OPT_BUDGET] = "not proven (exact search ran out of budget)",
    [SCHED_OPT_TOO_LARGE] = "not proven (loop larger than the exact search limit)",
};

static const char *const outcome_names[SCHED_OUTCOME_COUNT] = {
    [SCHED_FOUND] = "scheduled",
    [SCHED_NO_SLOT] = "no slot within budget",
    [SCHED_PROVEN_NONE] = "proven infeasible",
    [SCHED_SEARCH_LIMIT] = "search budget exhausted",
};

const char *sched_optimality_name(sched_optimality o)
{
    return o >= 0 && o < SCHED_OPT_COUNT ? optimality_names[o] : "?";
}

const char *sched_outcome_name(sched_outcome o)
{
    return o >= 0 && o < SCHED_OUTCOME_COUNT ? outcome_names[o] : "?";
}

int modulo_is_optimal(const modulo_result *r)
{
    return r->optimality == SCHED_OPT_AT_MII || r->optimality == SCHED_OPT_PROVEN;
}

void modulo_result_free(modulo_result *r)
{
    if (!r)
        return;
    free(r->start);
    free(r->instance);
    free(r->attempts);
    memset(r, 0, sizeof *r);
}

/* State of one heuristic attempt at one II. */
typedef struct ims {
    const sched_problem *p;
    const sched_adj *a;
    int64_t ii;
    mrt m;
    int64_t *height, *asap, *start, *last, *push_old;
    int *lane, *scratch, *push_op;
    char *placed, *ever;
    heap queue; /* unscheduled ops, highest first */
    sched_attempt *stat;
    int best_fit; /* second pass: place next to busy intervals */
} ims;

static int ims_alloc(ims *s, const sched_problem *p, const sched_adj *a)
{
    size_t n = (size_t)p->nops;
    memset(s, 0, sizeof *s);
    s->p = p;
    s->a = a;
    s->height = xcalloc(n, sizeof *s->height);
    s->asap = xcalloc(n, sizeof *s->asap);
    s->start = xcalloc(n, sizeof *s->start);
    s->last = xcalloc(n, sizeof *s->last);
    s->lane = xcalloc(n, sizeof *s->lane);
    s->scratch = xcalloc(n, sizeof *s->scratch);
    s->push_op = xcalloc(n + 1, sizeof *s->push_op);
    s->push_old = xcalloc(n + 1, sizeof *s->push_old);
    s->placed = xcalloc(n, 1);
    s->ever = xcalloc(n, 1);
    return s->height && s->asap && s->start && s->last && s->lane && s->scratch && s->push_op &&
                   s->push_old && s->placed && s->ever
               ? 0
               : -1;
}

static void ims_free(ims *s)
{
    free(s->height);
    free(s->asap);
    free(s->start);
    free(s->last);
    free(s->lane);
    free(s->scratch);
    free(s->push_op);
    free(s->push_old);
    free(s->placed);
    free(s->ever);
    mrt_free(&s->m);
    heap_free(&s->queue);
}

static int unschedule(ims *s, int v)
{
    const sched_problem *p = s->p;
    if (sched_is_limited(p, v))
        mrt_remove(&s->m, s->lane[v], s->start[v], v);
    s->placed[v] = 0;
    return heap_push(&s->queue, -s->height[v], v);
}

/* Bounds from the scheduled neighbours of v: *lo = Estart (when *has_lo),
 * *hi = Lstart (when *has_hi). Self-edges hold at any II >= RecMII. */
static void window(const ims *s, int v, int64_t *lo, int *has_lo, int64_t *hi, int *has_hi)
{
    const sched_problem *p = s->p;
    *has_lo = *has_hi = 0;
    *lo = *hi = 0;
    for (int k = s->a->in_start[v]; k < s->a->in_start[v + 1]; k++) {
        int i = s->a->in_edge[k], u = p->edges[i].from;
        if (u == v || !s->placed[u])
            continue;
        int64_t t = s->start[u] + sched_edge_weight(p, i) - s->ii * p->edges[i].distance;
        if (!*has_lo || t > *lo)
            *lo = t;
        *has_lo = 1;
    }
    for (int k = s->a->out_start[v]; k < s->a->out_start[v + 1]; k++) {
        int i = s->a->out_edge[k], w = p->edges[i].to;
        if (w == v || !s->placed[w])
            continue;
        int64_t t = s->start[w] - sched_edge_weight(p, i) + s->ii * p->edges[i].distance;
        if (!*has_hi || t < *hi)
            *hi = t;
        *has_hi = 1;
    }
}

static int64_t mod(int64_t t, int64_t ii)
{
    int64_t r = t % ii;
    return r < 0 ? r + ii : r;
}

/* Best fit, for the second pass at an II: the earliest (up) or latest
 * (down) free start in [lo, hi] whose busy interval touches one already on
 * the lane, so no sliver too short for any op is left between them. A fully
 * booked non-pipelined unit (II = total occupancy) needs exactly that. */
static int find_touching(const ims *s, int v, int64_t lo, int64_t hi, int up, int64_t *t,
                         int *lane)
{
    const sched_problem *p = s->p;
    int r = p->ops[v].resource, found = 0;
    int64_t occ = sched_occupancy(p, v);
    for (int k = 0; k < s->m.count[r]; k++) {
        int l = s->m.first[r] + k;
        const mrt_lane *ln = &s->m.lane[l];
        for (int j = 0; j < ln->n; j++) {
            int64_t ends[2] = {ln->arc[j].begin + ln->arc[j].len, ln->arc[j].begin - occ};
            for (int side = 0; side < 2; side++) {
                int64_t c = up ? lo + mod(ends[side] - lo, s->ii) : hi - mod(hi - ends[side], s->ii);
                if (c < lo || c > hi || (found && (up ? c >= *t : c <= *t)) ||
                    !mrt_free_at(&s->m, l, c, occ))
                    continue;
                *t = c;
                *lane = l;
                found = 1;
            }
        }
    }
    return found;
}

/* The earliest free (start, lane) in [lo, hi] (up) or the latest (down);
 * returns 0 when there is none. Ops without a lane are free anywhere. */
static int find_slot(const ims *s, int v, int64_t lo, int64_t hi, int up, int64_t *t, int *lane)
{
    const sched_problem *p = s->p;
    if (lo > hi)
        return 0;
    *lane = -1;
    if (!sched_is_limited(p, v)) {
        *t = up ? lo : hi;
        return 1;
    }
    if (s->best_fit && find_touching(s, v, lo, hi, up, t, lane))
        return 1;
    int r = p->ops[v].resource, found = 0;
    int64_t occ = sched_occupancy(p, v);
    for (int k = 0; k < s->m.count[r]; k++) {
        int l = s->m.first[r] + k;
        int64_t c = up ? mrt_next_free(&s->m, l, lo, occ) : mrt_prev_free(&s->m, l, hi, occ);
        if (c < lo || c > hi || (found && (up ? c >= *t : c <= *t)))
            continue;
        *t = c;
        *lane = l;
        found = 1;
    }
    return found;
}

/* The lane of v's resource where starting at t evicts the fewest ops. */
static int least_conflicting_lane(const ims *s, int v, int64_t t)
{
    const sched_problem *p = s->p;
    int r = p->ops[v].resource, best = -1, fewest = 0;
    for (int k = 0; k < s->m.count[r]; k++) {
        int l = s->m.first[r] + k;
        int c = mrt_conflicts(&s->m, l, t, sched_occupancy(p, v), s->scratch);
        if (best < 0 || c < fewest) {
            best = l;
            fewest = c;
        }
    }
    return best;
}

/* Repairs the scheduled successors that v's new start violates by moving
 * them - and whatever they push in turn - later by whole multiples of II:
 * their rows in the reservation table stay the same, so no resource check
 * changes. Successful pushes converge (a cycle that excludes v held before
 * and moves by whole stages), so the only failure is a push that comes
 * back to v: these rows do not fit the recurrence. Then everything is put
 * back and the caller evicts instead. Returns 1 when repaired. */
static int push_successors(ims *s, int v)
{
    const sched_problem *p = s->p;
    int nlog = 0, head = 0, ok = 1;
    s->push_op[nlog] = v;
    s->push_old[nlog++] = s->start[v];
    while (ok && head < nlog) {
        int u = s->push_op[head++];
        for (int k = s->a->out_start[u]; ok && k < s->a->out_start[u + 1]; k++) {
            int i = s->a->out_edge[k], w = p->edges[i].to;
            if (w == u || !s->placed[w])
                continue;
            int64_t need = s->start[u] + sched_edge_weight(p, i) - s->ii * p->edges[i].distance -
                           s->start[w];
            if (need <= 0)
                continue;
            if (w == v || nlog == s->p->nops) {
                ok = 0;
                break;
            }
            s->push_op[nlog] = w;
            s->push_old[nlog++] = s->start[w];
            s->start[w] += ceil_div(need, s->ii) * s->ii;
        }
    }
    if (!ok) /* undo, latest first, so an op pushed twice gets its first start */
        while (--nlog > 0)
            s->start[s->push_op[nlog]] = s->push_old[nlog];
    else
        s->stat->stage_pushes += nlog - 1;
    return ok;
}

/* Puts v at t on lane, evicting what stands in the way. */
static int place(ims *s, int v, int64_t t, int lane)
{
    const sched_problem *p = s->p;
    if (sched_is_limited(p, v)) {
        int64_t occ = sched_occupancy(p, v);
        int c = mrt_conflicts(&s->m, lane, t, occ, s->scratch);
        for (int k = 0; k < c; k++)
            if (unschedule(s, s->scratch[k]))
                return -1;
        s->stat->resource_evictions += c;
        if (mrt_place(&s->m, lane, t, occ, v))
            return -1;
    }
    s->start[v] = s->last[v] = t;
    s->lane[v] = lane;
    s->placed[v] = s->ever[v] = 1;
    if (push_successors(s, v))
        return 0;
    for (int k = s->a->out_start[v]; k < s->a->out_start[v + 1]; k++) {
        int i = s->a->out_edge[k], w = p->edges[i].to;
        if (w != v && s->placed[w] &&
            s->start[w] + s->ii * p->edges[i].distance < t + sched_edge_weight(p, i)) {
            s->stat->dependence_evictions++;
            if (unschedule(s, w))
                return -1;
        }
    }
    for (int k = s->a->in_start[v]; k < s->a->in_start[v + 1]; k++) {
        int i = s->a->in_edge[k], u = p->edges[i].from;
        if (u != v && s->placed[u] &&
            t + s->ii * p->edges[i].distance < s->start[u] + sched_edge_weight(p, i)) {
            s->stat->dependence_evictions++;
            if (unschedule(s, u))
                return -1;
        }
    }
    return 0;
}

/* Schedules one op: a free slot in its window, or a forced one. */
static int schedule_op(ims *s, int v)
{
    int64_t lo, hi, t;
    int has_lo, has_hi, lane;
    window(s, v, &lo, &has_lo, &hi, &has_hi);
    int up = has_lo || !has_hi;
    if (!has_lo && !has_hi)
        lo = s->asap[v];
    if (up) {
        int64_t top = lo + s->ii - 1;
        if (has_hi && hi < top)
            top = hi;
        if (find_slot(s, v, lo, top, 1, &t, &lane))
            return place(s, v, t, lane);
        t = !s->ever[v] || lo > s->last[v] ? lo : s->last[v] + 1;
    } else {
        if (find_slot(s, v, hi - s->ii + 1, hi, 0, &t, &lane))
            return place(s, v, t, lane);
        t = !s->ever[v] || hi < s->last[v] ? hi : s->last[v] - 1;
    }
    lane = sched_is_limited(s->p, v) ? least_conflicting_lane(s, v, t) : -1;
    return place(s, v, t, lane);
}

/* One attempt at ii. Returns NNP_OK with *found set, or NNP_NOMEM etc. */
static int ims_at(ims *s, int64_t ii, int64_t budget, int *found, nnp_err *e)
{
    const sched_problem *p = s->p;
    int n = p->nops, st;
    *found = 0;
    s->ii = ii;
    mrt_free(&s->m);
    s->queue.n = 0;
    if (mrt_init(&s->m, p, ii))
        return err_set(e, NNP_NOMEM, "out of memory for the reservation table at II=%" PRId64, ii);
    if ((st = sched_height(p, ii, s->height, e)) || (st = sched_asap(p, ii, s->asap, e)))
        return st;
    memset(s->placed, 0, (size_t)n);
    memset(s->ever, 0, (size_t)n);
    for (int v = 0; v < n; v++)
        if (heap_push(&s->queue, -s->height[v], v))
            return err_set(e, NNP_NOMEM, "out of memory");
    while (s->queue.n > 0) {
        if (s->stat->steps >= budget)
            return NNP_OK;
        int v = heap_pop(&s->queue).id;
        s->stat->steps++;
        if (schedule_op(s, v))
            return err_set(e, NNP_NOMEM, "out of memory placing ops at II=%" PRId64, ii);
    }
    *found = 1;
    return NNP_OK;
}

static int add_attempt(modulo_result *r, sched_attempt a, nnp_err *e)
{
    if (grow((void **)&r->attempts, &r->cap_attempts, (size_t)r->nattempts + 1,
             sizeof *r->attempts))
        return err_set(e, NNP_NOMEM, "out of memory");
    r->attempts[r->nattempts++] = a;
    r->iterations += a.steps;
    return NNP_OK;
}

/* An II past which the heuristic gives up: every op could run alone one
 * after another in this many cycles. */
static int64_t ii_limit(const sched_problem *p, int64_t mii)
{
    int64_t total = mii + 1;
    for (int v = 0; v < p->nops; v++)
        total += p->ops[v].latency + sched_occupancy(p, v);
    for (int i = 0; i < p->nedges; i++)
        total += p->edges[i].delay < 0 ? -p->edges[i].delay : p->edges[i].delay;
    return total;
}

/* Tries the heuristic at ii - earliest slots first, then best fit - and
 * keeps the schedule in r when it succeeds. */
static int try_heuristic(ims *s, int64_t ii, int64_t budget, modulo_result *r, int *found,
                         nnp_err *e)
{
    sched_attempt at = {.ii = ii, .outcome = SCHED_NO_SLOT};
    s->stat = &at;
    int st = NNP_OK;
    *found = 0;
    for (int pass = 0; pass < 2 && !st && !*found; pass++) {
        s->best_fit = pass;
        st = ims_at(s, ii, budget * (pass + 1), found, e);
    }
    if (st)
        return st;
    if (*found) {
        at.outcome = SCHED_FOUND;
        r->ii = ii;
        for (int v = 0; v < s->p->nops; v++) {
            r->start[v] = s->start[v];
            r->instance[v] = s->lane[v] < 0 ? -1 : s->lane[v] - s->m.first[s->p->ops[v].resource];
        }
    }
    return add_attempt(r, at, e);
}

/* Driver state: what the loop over II needs besides the result. */
typedef struct driver {
    const sched_problem *p;
    const modulo_options *o;
    sched_adj adj;
    ims s;
    int64_t budget, search_spent, *start;
    int *inst;
} driver;

/* After the heuristic misses at ii: the search. Exact (full budget) on
 * loops within exact_limit; on loops within SCHED_BOUNDED_SEARCH_OPS a bounded search
 * (4 nodes per op) that mostly serves as a second heuristic, though it too
 * can prove an II infeasible. All searches together stop at 8 budgets. */
static int try_search(driver *d, int64_t ii, modulo_result *r, int *found, nnp_err *e)
{
    const sched_problem *p = d->p;
    int exact_sized = p->nops <= d->o->exact_limit;
    if (d->o->exact_limit <= 0 || (!exact_sized && p->nops > SCHED_BOUNDED_SEARCH_OPS))
        return NNP_OK;
    int64_t budget = exact_sized ? d->o->exact_budget : 4 * (int64_t)p->nops;
    if (d->search_spent >= 8 * max64(d->o->exact_budget, budget))
        return NNP_OK;
    sched_attempt at = {.ii = ii, .exact = 1};
    int st = modulo_exact_at(p, ii, budget, d->start, d->inst, &at.outcome, &at.steps, e);
    d->search_spent += at.steps;
    if (!st && at.outcome == SCHED_FOUND) {
        *found = 1;
        r->ii = ii;
        memcpy(r->start, d->start, (size_t)p->nops * sizeof *d->start);
        memcpy(r->instance, d->inst, (size_t)p->nops * sizeof *d->inst);
    }
    return st ? st : add_attempt(r, at, e);
}

static int try_ii(driver *d, int64_t ii, modulo_result *r, int *found, nnp_err *e)
{
    int st = try_heuristic(&d->s, ii, d->budget, r, found, e);
    if (!st && !*found)
        st = try_search(d, ii, r, found, e);
    return st;
}

/* The smallest II found from MII up: +1 steps for a while, then doubling
 * steps with a bisection back once a jump succeeds, so that hopeless loops
 * end quickly. */
static int search_ii(driver *d, modulo_result *r, nnp_err *e)
{
    int64_t limit = ii_limit(d->p, r->mii), ii = r->mii, failed = r->mii - 1, step = 1;
    int found = 0, st = NNP_OK;
    for (int tries = 0; !st && !found; tries++) {
        if (ii > limit)
            return err_set(e, NNP_LIMIT, "no modulo schedule found for II from %" PRId64
                           " to %" PRId64, r->mii, limit);
        st = try_ii(d, ii, r, &found, e);
        if (!st && !found) {
            failed = ii;
            if (tries >= 64)
                step *= 2;
            ii += step;
        }
    }
    int64_t good = r->ii;
    while (!st && good - failed > 1) { /* only after a jump */
        int64_t mid = failed + (good - failed) / 2;
        st = try_ii(d, mid, r, &found, e);
        if (found)
            good = mid;
        else
            failed = mid;
    }
    r->ii = good; /* r's arrays hold the schedule of the last success: good's */
    return st;
}

/* Optimal when II = MII, or when every smaller II was proven infeasible. */
static sched_optimality optimality(const modulo_result *r, int nops, const modulo_options *o)
{
    if (r->ii == r->mii)
        return SCHED_OPT_AT_MII;
    for (int64_t ii = r->mii; ii < r->ii; ii++) {
        int proven = 0;
        for (int i = 0; i < r->nattempts && !proven; i++)
            proven = r->attempts[i].ii == ii && r->attempts[i].outcome == SCHED_PROVEN_NONE;
        if (!proven)
            return nops <= o->exact_limit ? SCHED_OPT_BUDGET : SCHED_OPT_TOO_LARGE;
    }
    return SCHED_OPT_PROVEN;
}

static int schedule_from_mii(const sched_problem *p, const modulo_options *o, modulo_result *r,
                             nnp_err *e)
{
    driver d = {.p = p, .o = o};
    int st = sched_adj_build(p, &d.adj, e);
    if (st)
        return st;
    d.start = xcalloc((size_t)p->nops, sizeof *d.start);
    d.inst = xcalloc((size_t)p->nops, sizeof *d.inst);
    if (!d.start || !d.inst || ims_alloc(&d.s, p, &d.adj))
        st = err_set(e, NNP_NOMEM, "out of memory");
    d.budget = max64(o->budget_ratio, 1) * max64(p->nops, 8);
    if (!st)
        st = search_ii(&d, r, e);
    if (!st)
        r->optimality = optimality(r, p->nops, o);
    ims_free(&d.s);
    sched_adj_free(&d.adj);
    free(d.start);
    free(d.inst);
    return st;
}

/* Shifts starts so the earliest is 0, then derives stages and length. */
static void finish(const sched_problem *p, modulo_result *r)
{
    int64_t lo = 0;
    for (int v = 0; v < p->nops; v++)
        lo = v == 0 ? r->start[v] : min64(lo, r->start[v]);
    r->stage_count = p->nops ? 1 : 0;
    r->length = 0;
    for (int v = 0; v < p->nops; v++) {
        r->start[v] -= lo;
        r->stage_count = max64(r->stage_count, r->start[v] / r->ii + 1);
        int64_t busy = max64(p->ops[v].latency, sched_occupancy(p, v));
        r->length = max64(r->length, r->start[v] + busy);
    }
}

int modulo_schedule(const sched_problem *p, const modulo_options *opt, modulo_result *r,
                    nnp_err *e)
{
    modulo_options dflt;
    modulo_options_default(&dflt);
    const modulo_options *o = opt ? opt : &dflt;
    memset(r, 0, sizeof *r);
    int st = sched_check(p, e);
    if (!st)
        st = sched_res_mii(p, &r->res_mii, &r->res_mii_resource, e);
    if (!st)
        st = sched_rec_mii(p, &r->rec_mii, e);
    if (st) {
        modulo_result_free(r);
        return st;
    }
    r->mii = max64(1, max64(r->res_mii, r->rec_mii));
    r->nops = p->nops;
    r->start = xcalloc((size_t)p->nops, sizeof *r->start);
    r->instance = xcalloc((size_t)p->nops, sizeof *r->instance);
    if (!r->start || !r->instance)
        st = err_set(e, NNP_NOMEM, "out of memory");
    if (!st)
        st = schedule_from_mii(p, o, r, e);
    if (st) {
        modulo_result_free(r);
        return st;
    }
    finish(p, r);
    return NNP_OK;
}

int modulo_trip_count(const modulo_result *r, int64_t trip, modulo_trip *out, nnp_err *e)
{
    memset(out, 0, sizeof *out);
    if (trip < 0)
        return err_set(e, NNP_INVALID, "trip count %" PRId64 " is negative", trip);
    out->trip = trip;
    out->stage_count = r->stage_count;
    if (trip == 0)
        return NNP_OK;
    if (trip < r->stage_count) {
        if (size_mul(trip, r->length, &out->total_cycles))
            return err_set(e, NNP_LIMIT, "trip count %" PRId64 ": cycle count overflows", trip);
        return NNP_OK;
    }
    out->overlapped = 1;
    out->kernel_iterations = trip - r->stage_count + 1;
    out->prologue_stages = out->epilogue_stages = r->stage_count - 1;
    if (size_mul(trip - 1, r->ii, &out->total_cycles) ||
        size_add(out->total_cycles, r->length, &out->total_cycles))
        return err_set(e, NNP_LIMIT, "trip count %" PRId64 ": cycle count overflows", trip);
    return NNP_OK;
}
