/* Building plans with any of the three schedulers, their statistics, and
 * the independent check.
 *
 * Bounds reported beside the makespan (DESIGN-NOTES section 4):
 *  - critical path: the longest dependence chain of the instance DAG;
 *  - unit bound: the busiest unit's total occupancy over its instances;
 *  - roofline: every MAC at the MAC unit's peak rate, or the minimum bytes
 *    (every input, weight and output moved once) at every DMA engine's
 *    combined rate, whichever is slower. It ignores costs nnpipe adds
 *    (halos, re-loads, latencies), so it is the physical limit. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan.h"

static const char *const kind_names[PLAN_KIND_COUNT] = {"sequential", "list", "modulo"};

const char *plan_kind_name(plan_kind k)
{
    return k >= 0 && k < PLAN_KIND_COUNT ? kind_names[k] : "?";
}

int plan_kind_from_name(const char *name)
{
    for (int k = 0; k < PLAN_KIND_COUNT; k++)
        if (!strcmp(name, kind_names[k]))
            return k;
    return -1;
}

void plan_options_default(plan_options *o)
{
    memset(o, 0, sizeof *o);
    o->kind = PLAN_MODULO;
    modulo_options_default(&o->modulo);
    o->overlap_loops = 1;
}

static int init_insts(const program *p, const unrolled *u, plan *pl)
{
    pl->ninsts = u->n;
    pl->insts = xcalloc((size_t)u->n + 1, sizeof(plan_inst));
    if (!pl->insts)
        return -1;
    for (int64_t i = 0; i < u->n; i++) {
        plan_inst *in = &pl->insts[i];
        in->group = u->group[i];
        in->op = u->op[i];
        in->tile = u->tile[i];
        in->unit = p->groups[in->group].ops[in->op].unit;
        in->busy = u->sp.ops[i].occupancy;
        in->stage = -1;
    }
    return 0;
}

/* Every instance one after another, in the DAG's topological order. */
static void plan_sequential(const unrolled *u, plan *pl)
{
    int64_t t = 0;
    for (int64_t i = 0; i < u->n; i++) {
        pl->insts[i].start = t;
        pl->insts[i].end = t + u->sp.ops[i].latency;
        pl->insts[i].instance = 0;
        t += max64(u->sp.ops[i].latency, u->sp.ops[i].occupancy);
    }
}

static int plan_list(const unrolled *u, plan *pl, nnp_err *e)
{
    list_result r;
    int rc = list_schedule(&u->sp, &r, e);
    if (rc)
        return rc;
    for (int64_t i = 0; i < u->n; i++) {
        pl->insts[i].start = r.start[i];
        pl->insts[i].end = r.start[i] + u->sp.ops[i].latency;
        pl->insts[i].instance = r.instance[i] < 0 ? 0 : r.instance[i];
    }
    list_result_free(&r);
    return NNP_OK;
}

/* Longest latency path; edges run from lower to higher index, so one pass
 * in edge order after sorting by target suffices. */
static int64_t critical_path(const unrolled *u)
{
    const sched_problem *sp = &u->sp;
    int64_t *dist = xcalloc((size_t)u->n + 1, sizeof(int64_t));
    int *order = xcalloc((size_t)sp->nedges + 1, sizeof(int));
    int *count = xcalloc((size_t)u->n + 2, sizeof(int));
    int64_t best = 0;
    if (dist && order && count) {
        for (int k = 0; k < sp->nedges; k++)
            count[sp->edges[k].to + 1]++;
        for (int64_t i = 0; i < u->n; i++)
            count[i + 1] += count[i];
        for (int k = 0; k < sp->nedges; k++)
            order[count[sp->edges[k].to]++] = k;
        int k = 0;
        for (int64_t v = 0; v < u->n; v++) {
            for (; k < sp->nedges && sp->edges[order[k]].to == v; k++) {
                const sched_edge *ed = &sp->edges[order[k]];
                dist[v] = max64(dist[v], dist[ed->from] + sp->ops[ed->from].latency + ed->delay);
            }
            best = max64(best, dist[v] + sp->ops[v].latency);
        }
    }
    free(dist);
    free(order);
    free(count);
    return best;
}

static int64_t roofline(const program *p)
{
    const target *t = p->t;
    double mac_rate = 0, dma_rate = 0;
    const target_unit *mac = &t->units[target_unit_for(t, ROLE_MAC)];
    mac_rate = mac->throughput * mac->count;
    for (int k = 0; k < t->nunits; k++)
        if (t->units[k].kind == UNIT_DMA || t->units[k].kind == UNIT_DMA_IN ||
            t->units[k].kind == UNIT_DMA_OUT)
            dma_rate += t->units[k].throughput * t->units[k].count;
    double a = mac_rate > 0 ? (double)p->macs / mac_rate : 0;
    double b = dma_rate > 0 ? (double)p->min_bytes / dma_rate : 0;
    return (int64_t)(a > b ? a : b);
}

typedef struct mem_event {
    int64_t t, bytes;
    int pool;
} mem_event;

/* By time; at the same cycle frees (negative) before allocations, as a
 * buffer's end is exclusive. */
static int event_cmp(const void *a, const void *b)
{
    const mem_event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->bytes > y->bytes) - (x->bytes < y->bytes);
}

/* Peak live bytes per target pool, from the buffers' allocation intervals. */
static int peaks(const unrolled *u, const plan *pl, int64_t *peak)
{
    const sched_problem *sp = &u->sp;
    memset(peak, 0, POOL_COUNT * sizeof *peak);
    mem_event *ev = xcalloc((size_t)sp->nbuffers * 2 + 1, sizeof *ev);
    if (!ev)
        return -1;
    int target_pool_of[POOL_COUNT]; /* scheduler pool -> target pool */
    for (int k = POOL_COUNT - 1; k >= 0; k--)
        if (u->pool_of[k] >= 0)
            target_pool_of[u->pool_of[k]] = k;
    for (int k = 0; k < sp->nbuffers; k++) {
        const sched_buffer *b = &sp->buffers[k];
        int64_t end = pl->insts[b->producer].end;
        for (int r = 0; r < b->nreaders; r++)
            end = max64(end, pl->insts[b->readers[r]].end);
        int pool = target_pool_of[b->pool];
        ev[2 * k] = (mem_event){pl->insts[b->producer].start, b->bytes, pool};
        ev[2 * k + 1] = (mem_event){end, -b->bytes, pool};
    }
    qsort(ev, (size_t)sp->nbuffers * 2, sizeof *ev, event_cmp);
    int64_t live[POOL_COUNT] = {0};
    for (int k = 0; k < sp->nbuffers * 2; k++) {
        live[ev[k].pool] += ev[k].bytes;
        peak[ev[k].pool] = max64(peak[ev[k].pool], live[ev[k].pool]);
    }
    free(ev);
    return 0;
}

static int fill_stats(const program *p, const unrolled *u, plan *pl)
{
    plan_stats *s = &pl->stats;
    const target *t = p->t;
    s->unit_busy = xcalloc((size_t)t->nunits + 1, sizeof(int64_t));
    s->utilization = xcalloc((size_t)t->nunits + 1, sizeof(double));
    if (!s->unit_busy || !s->utilization)
        return -1;
    for (int64_t i = 0; i < pl->ninsts; i++) {
        const plan_inst *in = &pl->insts[i];
        s->makespan = max64(s->makespan, max64(in->end, in->start + in->busy));
        s->sequential += max64(u->sp.ops[i].latency, u->sp.ops[i].occupancy);
        s->unit_busy[in->unit] += in->busy;
    }
    for (int k = 0; k < t->nunits; k++) {
        s->unit_bound = max64(s->unit_bound, ceil_div(s->unit_busy[k], t->units[k].count));
        s->utilization[k] = s->makespan ? (double)s->unit_busy[k] /
                                              ((double)s->makespan * t->units[k].count)
                                        : 0;
    }
    s->critical_path = critical_path(u);
    s->lower_bound = max64(s->critical_path, s->unit_bound);
    s->roofline_bound = roofline(p);
    s->speedup = s->makespan ? (double)s->sequential / (double)s->makespan : 1;
    s->efficiency = s->makespan ? (double)s->lower_bound / (double)s->makespan : 1;
    return peaks(u, pl, s->peak);
}

int plan_build(const program *p, const plan_options *o, plan **out, nnp_err *e)
{
    plan_options dflt;
    plan_options_default(&dflt);
    if (!o)
        o = &dflt;
    *out = NULL;
    plan *pl = xcalloc(1, sizeof *pl);
    if (!pl)
        return err_set(e, NNP_NOMEM, "out of memory planning the program");
    pl->p = p;
    pl->kind = o->kind;
    clock_t c0 = clock();
    unrolled u;
    int rc = plan_unroll(p, NULL, &u, e);
    if (rc) {
        free(pl);
        return rc;
    }
    if (init_insts(p, &u, pl))
        rc = err_set(e, NNP_NOMEM, "out of memory planning the program");
    else if (o->kind == PLAN_SEQUENTIAL)
        plan_sequential(&u, pl);
    else if (o->kind == PLAN_LIST)
        rc = plan_list(&u, pl, e);
    else if (o->kind == PLAN_MODULO)
        rc = plan_modulo(p, o, &u, pl, e);
    else
        rc = err_set(e, NNP_MISUSE, "unknown scheduler kind %d", (int)o->kind);
    pl->seconds = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (!rc && fill_stats(p, &u, pl))
        rc = err_set(e, NNP_NOMEM, "out of memory planning the program");
    unrolled_free(&u);
    if (rc) {
        plan_free(pl);
        return rc;
    }
    *out = pl;
    return NNP_OK;
}

void plan_free(plan *pl)
{
    if (!pl)
        return;
    for (int g = 0; pl->loops && g < pl->nloops; g++) {
        free(pl->loops[g].copies);
        free(pl->loops[g].in_loop);
        free(pl->loops[g].offset);
        free(pl->loops[g].tile_base);
        free(pl->loops[g].order);
    }
    free(pl->loops);
    free(pl->insts);
    free(pl->stats.unit_busy);
    free(pl->stats.utilization);
    free(pl);
}

int plan_dag(const plan *pl, unrolled *u, nnp_err *e)
{
    const program *p = pl->p;
    int **copies = NULL;
    if (pl->loops) {
        copies = xcalloc((size_t)p->ngroups + 1, sizeof(int *));
        if (!copies)
            return err_set(e, NNP_NOMEM, "out of memory unrolling the plan");
        for (int g = 0; g < p->ngroups; g++)
            copies[g] = pl->loops[g].copies;
    }
    int rc = plan_unroll(p, copies, u, e);
    free(copies);
    return rc;
}

int plan_verify(const plan *pl, nnp_err *e)
{
    unrolled u;
    int rc = plan_dag(pl, &u, e);
    if (rc)
        return rc;
    int64_t *start = xcalloc((size_t)u.n + 1, sizeof(int64_t));
    int *inst = xcalloc((size_t)u.n + 1, sizeof(int));
    if (!start || !inst || u.n != pl->ninsts) {
        rc = !start || !inst ? err_set(e, NNP_NOMEM, "out of memory verifying the plan")
                             : err_set(e, NNP_INTERNAL, "the plan has %lld instances, the program %lld",
                                       (long long)pl->ninsts, (long long)u.n);
    } else {
        for (int64_t i = 0; i < u.n; i++) {
            start[i] = pl->insts[i].start;
            inst[i] = sched_is_limited(&u.sp, (int)i) ? pl->insts[i].instance : -1;
        }
        rc = verify_list(&u.sp, start, inst, e);
        if (rc)
            err_prefix(e, "%s plan", plan_kind_name(pl->kind));
    }
    free(start);
    free(inst);
    unrolled_free(&u);
    return rc;
}
