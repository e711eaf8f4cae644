/* The instance DAG of a whole program: every body op of every group at
 * every tile where it works, as one op of a generic scheduling problem.
 *
 * The list scheduler schedules this DAG and the verifier checks every plan
 * against it, so it states the program's real constraints and nothing more:
 *  - inside a group, a reader waits for the latest tile where its producer
 *    ran (resident data is read for many tiles after one load), and a split
 *    reduction's partial sums chain from tile to tile;
 *  - between groups, a load waits for the last producer tile it needs, and
 *    each group's stores complete in tile order, so "the last tile" means
 *    "all tiles up to it" (edge delay -latency(to): end(t) >= end(t-1));
 *  - memory: each generation of a buffer's contents is one allocation, from
 *    its producer's start to the end of its last reader.
 * Instances are created group by group, tile by tile, in body order, which
 * is a topological order: every edge goes from a lower to a higher index. */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int64_t plan_buffer_period(const prog_group *gr, int b)
{
    const prog_op *pr = &gr->ops[gr->bufs[b].producer];
    if (pr->kind == POP_COMPUTE && gr->red >= 0)
        return gr->loops[gr->red].count;
    return pr->period;
}

/* The latest tile <= t where op works, or -1. */
static int64_t latest_active(const prog_op *op, int64_t t)
{
    if (t < op->phase)
        return -1;
    return t - (t - op->phase) % op->period;
}

static int64_t inst_at(const unrolled *u, const program *p, int g, int op, int64_t t)
{
    if (t < 0)
        return -1;
    return u->at[g][t * p->groups[g].nops + op];
}

static int add_resources(const program *p, unrolled *u)
{
    for (int i = 0; i < p->t->nunits; i++)
        if (sched_add_resource(&u->sp, p->t->units[i].name, p->t->units[i].count, 1) < 0)
            return -1;
    for (int k = 0; k < POOL_COUNT; k++)
        u->pool_of[k] = -1;
    for (int k = 0; k < POOL_COUNT; k++) {
        mem_pool real = target_pool(p->t, (mem_pool)k);
        if (u->pool_of[real] < 0)
            u->pool_of[real] = sched_add_pool(&u->sp, mem_pool_name(real),
                                              target_capacity(p->t, real));
        if (u->pool_of[real] < 0)
            return -1;
        u->pool_of[k] = u->pool_of[real];
    }
    return 0;
}

static int add_instances(const program *p, unrolled *u, nnp_err *e)
{
    int64_t n = 0;
    for (int g = 0; g < p->ngroups; g++) {
        const prog_group *gr = &p->groups[g];
        int64_t cells;
        if (size_mul(gr->ntiles, gr->nops, &cells) || size_add(n, cells, &n) || n > INT32_MAX)
            return err_set(e, NNP_LIMIT, "the program has more than 2^31 op instances");
    }
    u->group = xcalloc((size_t)n, sizeof(int));
    u->op = xcalloc((size_t)n, sizeof(int));
    u->tile = xcalloc((size_t)n, sizeof(int64_t));
    u->first = xcalloc((size_t)p->ngroups + 1, sizeof(int64_t));
    u->at = xcalloc((size_t)p->ngroups + 1, sizeof(int64_t *));
    if (!u->group || !u->op || !u->tile || !u->first || !u->at)
        return err_set(e, NNP_NOMEM, "out of memory unrolling the program");
    for (int g = 0; g < p->ngroups; g++) {
        const prog_group *gr = &p->groups[g];
        u->first[g] = u->n;
        u->at[g] = xcalloc((size_t)(gr->ntiles * gr->nops), sizeof(int64_t));
        if (!u->at[g])
            return err_set(e, NNP_NOMEM, "out of memory unrolling the program");
        for (int64_t t = 0; t < gr->ntiles; t++)
            for (int o = 0; o < gr->nops; o++) {
                const prog_op *op = &gr->ops[o];
                if (!prog_op_active(op, t)) {
                    u->at[g][t * gr->nops + o] = -1;
                    continue;
                }
                int64_t lat = prog_op_cycles_at(p, g, o, t);
                int64_t busy = unit_busy(&p->t->units[op->unit], prog_op_work_at(p, g, o, t));
                if (sched_add_op(&u->sp, NULL, op->unit, lat, busy) < 0)
                    return err_set(e, NNP_NOMEM, "out of memory unrolling the program");
                u->group[u->n] = g;
                u->op[u->n] = o;
                u->tile[u->n] = t;
                u->at[g][t * gr->nops + o] = u->n++;
            }
    }
    u->first[p->ngroups] = u->n;
    return NNP_OK;
}

static int edge(unrolled *u, int64_t from, int64_t to, int64_t delay)
{
    return from < 0 || to < 0 || sched_add_edge(&u->sp, (int)from, (int)to, delay, 0) >= 0 ? 0 : -1;
}

/* Data and accumulator edges inside group g. */
static int add_group_edges(const program *p, int g, unrolled *u)
{
    const prog_group *gr = &p->groups[g];
    for (int64_t t = 0; t < gr->ntiles; t++)
        for (int d = 0; d < gr->ndeps; d++) {
            const prog_dep *dp = &gr->deps[d];
            if (dp->kind == DEP_WAR || !prog_op_active(&gr->ops[dp->to], t))
                continue;
            int64_t src = latest_active(&gr->ops[dp->from], t - dp->distance);
            if (edge(u, inst_at(u, p, g, dp->from, src), inst_at(u, p, g, dp->to, t), 0))
                return -1;
        }
    return 0;
}

/* The tile where the first generation of buffer b starts (generations
 * then start every plan_buffer_period tiles), or -1 if it never does. */
static int64_t first_generation(const prog_group *gr, int b)
{
    const prog_op *pr = &gr->ops[gr->bufs[b].producer];
    if (pr->kind == POP_COMPUTE && gr->red >= 0)
        return 0;
    return pr->phase < gr->ntiles ? pr->phase : -1;
}

/* Buffer reuse with c rotating copies: generation k + c overwrites the copy
 * of generation k, so its producer waits for generation k's last readers. */
static int add_war_edges(const program *p, int g, const int *copies, unrolled *u)
{
    const prog_group *gr = &p->groups[g];
    for (int b = 0; b < gr->nbufs; b++) {
        const prog_buffer *bf = &gr->bufs[b];
        int64_t per = plan_buffer_period(gr, b), s0 = first_generation(gr, b);
        if (s0 < 0 || per >= gr->ntiles)
            continue; /* one generation: never overwritten */
        for (int64_t s = s0; s + copies[b] * per < gr->ntiles; s += per) {
            int64_t prod = inst_at(u, p, g, bf->producer, s + copies[b] * per);
            for (int r = 0; r <= bf->nreaders; r++) {
                int op = r < bf->nreaders ? bf->readers[r] : bf->producer;
                int64_t last = latest_active(&gr->ops[op], s + per - 1);
                if (last >= s && edge(u, inst_at(u, p, g, op, last), prod, 0))
                    return -1;
            }
        }
    }
    return 0;
}

/* The store op of group g (the op writing its output tensor), or -1. */
static int store_op(const prog_group *gr)
{
    for (int o = 0; o < gr->nops; o++)
        if (gr->ops[o].kind == POP_STORE)
            return o;
    return -1;
}

static int add_cross_edges(const program *p, int g, unrolled *u)
{
    const prog_group *gr = &p->groups[g];
    int st = store_op(gr);
    if (st >= 0) { /* stores complete in tile order */
        int64_t prev = -1;
        for (int64_t t = 0; t < gr->ntiles; t++) {
            int64_t cur = inst_at(u, p, g, st, t);
            if (cur < 0)
                continue;
            if (prev >= 0 && edge(u, prev, cur, -u->sp.ops[cur].latency))
                return -1;
            prev = cur;
        }
    }
    for (int k = 0; k < gr->npreds; k++) {
        const prog_pred *pr = &gr->preds[k];
        const prog_group *src = &p->groups[pr->group];
        int sst = store_op(src);
        if (sst < 0)
            continue;
        for (int64_t t = 0; t < gr->ntiles; t++) {
            int64_t to = inst_at(u, p, g, pr->op, t);
            if (to < 0)
                continue;
            int64_t need = prog_pred_tile(p, g, k, t);
            if (need < 0)
                continue;
            /* the producer tile's contents are out once its last store ran */
            int64_t from = inst_at(u, p, pr->group, sst, latest_active(&src->ops[sst], need));
            int64_t next = need;
            while (from < 0 && ++next < src->ntiles)
                from = inst_at(u, p, pr->group, sst, next);
            if (edge(u, from, to, 0))
                return -1;
        }
    }
    return 0;
}

/* One allocation per generation of each buffer: from the producer instance
 * that starts it to the last reader within the generation's tiles. */
static int add_buffers(const program *p, int g, unrolled *u)
{
    const prog_group *gr = &p->groups[g];
    int *readers = NULL;
    size_t cap = 0;
    for (int b = 0; b < gr->nbufs; b++) {
        const prog_buffer *bf = &gr->bufs[b];
        int64_t per = plan_buffer_period(gr, b);
        int chain = gr->ops[bf->producer].kind == POP_COMPUTE && gr->red >= 0;
        int64_t s0 = first_generation(gr, b);
        for (int64_t t = s0 < 0 ? gr->ntiles : s0; t < gr->ntiles; t += per) {
            int64_t prod = inst_at(u, p, g, bf->producer, t);
            if (prod < 0)
                continue;
            int64_t end = min64(t + per, gr->ntiles);
            if (per >= gr->ntiles)
                end = gr->ntiles;
            size_t n = 0;
            for (int64_t s = t; s < end; s++) {
                for (int r = 0; r <= bf->nreaders; r++) {
                    /* the accumulator's later steps read it too */
                    int op = r < bf->nreaders ? bf->readers[r] : (chain ? bf->producer : -1);
                    int64_t i = op >= 0 ? inst_at(u, p, g, op, s) : -1;
                    if (i < 0 || i == prod)
                        continue;
                    if (grow((void **)&readers, &cap, n + 1, sizeof(int))) {
                        free(readers);
                        return -1;
                    }
                    readers[n++] = (int)i;
                }
            }
            if (sched_add_buffer(&u->sp, NULL, u->pool_of[bf->pool], bf->bytes, (int)prod,
                                 readers, (int)n) < 0) {
                free(readers);
                return -1;
            }
        }
    }
    free(readers);
    return 0;
}

int plan_unroll(const program *p, int *const *copies, unrolled *u, nnp_err *e)
{
    memset(u, 0, sizeof *u);
    if (add_resources(p, u)) {
        unrolled_free(u);
        return err_set(e, NNP_NOMEM, "out of memory unrolling the program");
    }
    int rc = add_instances(p, u, e);
    for (int g = 0; g < p->ngroups && !rc; g++)
        if (add_group_edges(p, g, u) || add_cross_edges(p, g, u) || add_buffers(p, g, u) ||
            (copies && copies[g] && add_war_edges(p, g, copies[g], u)))
            rc = err_set(e, NNP_NOMEM, "out of memory unrolling the program");
    if (rc)
        unrolled_free(u);
    return rc;
}

void unrolled_free(unrolled *u)
{
    if (!u)
        return;
    sched_problem_free(&u->sp);
    if (u->at)
        for (int64_t g = 0; u->first && u->at[g]; g++)
            free(u->at[g]);
    free(u->at);
    free(u->group);
    free(u->op);
    free(u->tile);
    free(u->first);
    memset(u, 0, sizeof *u);
}
