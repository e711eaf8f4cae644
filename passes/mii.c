/* Lower bounds on the initiation interval, and the longest paths at an II.
 *
 * ResMII is a sum per resource. RecMII is the smallest II at which no cycle
 * has positive weight under w(e) - II*distance(e), w(e) = latency(from) +
 * delay. Feasibility is monotone in II (weights only fall as II grows), so a
 * binary search over II with one positive-cycle test per step finds it; the
 * upper end is the sum of the positive weights on cycles, at which every
 * cycle of distance >= 1 is non-positive. Only edges inside one strongly
 * connected component can lie on a cycle, so the tests skip the others.
 *
 * The positive-cycle test is a queue-based Bellman-Ford (longest paths from
 * a virtual source joined to every op) that counts the edges of the walk
 * behind each value: when a value rests on a walk of n edges, the walk
 * repeats an op, and since every relaxation strictly raised that op's value
 * the repeated stretch is a positive cycle. Usually far fewer than n*edges
 * relaxations are needed, because ops come in program order.
 *
 * A cycle with distance 0 and positive weight is infeasible at any II; it is
 * found with plain Bellman-Ford rounds (only on that error path) so that the
 * message can name its ops. */
#include "scheduler.h"
#include "sched_adj.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sched_res_mii(const sched_problem *p, int64_t *res_mii, int *which, nnp_err *e)
{
    int64_t *sum = xcalloc((size_t)p->nresources, sizeof *sum);
    int64_t *big = xcalloc((size_t)p->nresources, sizeof *big);
    if (!sum || !big) {
        free(sum);
        free(big);
        return err_set(e, NNP_NOMEM, "out of memory computing ResMII");
    }
    for (int v = 0; v < p->nops; v++) {
        if (!sched_is_limited(p, v))
            continue;
        int r = p->ops[v].resource;
        int64_t occ = sched_occupancy(p, v);
        sum[r] += occ; /* sched_check bounds the total by 2^40 */
        big[r] = max64(big[r], occ);
    }
    *res_mii = 0;
    *which = -1;
    for (int r = 0; r < p->nresources; r++) {
        if (p->resources[r].instances == SCHED_UNLIMITED)
            continue;
        int64_t bound = max64(ceil_div(sum[r], p->resources[r].instances), big[r]);
        if (bound > *res_mii) {
            *res_mii = bound;
            *which = r;
        }
    }
    free(sum);
    free(big);
    return NNP_OK;
}

/* Which edges a longest-path computation follows. */
typedef struct lp_graph {
    const sched_problem *p;
    const sched_adj *a;
    const int *comp;  /* when set: only edges inside one component */
    int only;         /* with comp: only edges inside this component (-1: any) */
    int zero_only;    /* only distance-0 edges */
} lp_graph;

static int follows(const lp_graph *g, int i)
{
    const sched_edge *ed = &g->p->edges[i];
    if (g->comp && (g->comp[ed->from] != g->comp[ed->to] ||
                    (g->only >= 0 && g->comp[ed->from] != g->only)))
        return 0;
    return !g->zero_only || ed->distance == 0;
}

/* The scratch a queue-based Bellman-Ford needs. */
typedef struct lp_work {
    int *queue, *count;
    char *queued;
} lp_work;

static int work_alloc(lp_work *w, int n)
{
    w->queue = xcalloc((size_t)n, sizeof *w->queue);
    w->count = xcalloc((size_t)n, sizeof *w->count);
    w->queued = xcalloc((size_t)n, 1);
    return w->queue && w->count && w->queued ? 0 : -1;
}

static void work_free(lp_work *w)
{
    free(w->queue);
    free(w->count);
    free(w->queued);
}

/* Raises val[] to the longest paths (forward: into each op; reverse: out of
 * each op) under w(e) - ii*d(e), starting from the values given. Returns 1
 * when a positive cycle makes them unbounded, else 0. */
static int longest(const lp_graph *g, int64_t ii, int reverse, int64_t *val, lp_work *w)
{
    const sched_problem *p = g->p;
    int n = p->nops, head = 0, len = n;
    for (int v = 0; v < n; v++) {
        w->queue[v] = v;
        w->queued[v] = 1;
        w->count[v] = 0;
    }
    while (len > 0) {
        int u = w->queue[head];
        head = (head + 1) % n;
        len--;
        w->queued[u] = 0;
        const int *lst = reverse ? g->a->in_edge : g->a->out_edge;
        const int *st = reverse ? g->a->in_start : g->a->out_start;
        for (int k = st[u]; k < st[u + 1]; k++) {
            int i = lst[k];
            if (!follows(g, i))
                continue;
            int v = reverse ? p->edges[i].from : p->edges[i].to;
            int64_t cand = val[u] + sched_edge_weight(p, i) - ii * p->edges[i].distance;
            if (cand <= val[v])
                continue;
            val[v] = cand;
            w->count[v] = w->count[u] + 1;
            if (w->count[v] >= n)
                return 1;
            if (!w->queued[v]) {
                w->queued[v] = 1;
                w->queue[(head + len) % n] = v;
                len++;
            }
        }
    }
    return 0;
}

/* Finds a positive cycle among the distance-0 edges inside components (one
 * is known to exist) and describes it: "a -> b -> a (weight 3)". With the
 * virtual source there are n+1 nodes, so a relaxation in round n+1 proves a
 * positive cycle, and n steps back along the predecessors land on it. */
static void describe_zero_cycle(const sched_problem *p, const int *comp, char *out, size_t len)
{
    int n = p->nops, x = -1;
    int64_t *val = xcalloc((size_t)n, sizeof *val);
    int *pred = xcalloc((size_t)n, sizeof *pred), *cyc = xcalloc((size_t)n, sizeof *cyc);
    snprintf(out, len, "(ops not recorded)");
    if (!val || !pred || !cyc)
        goto done;
    for (int v = 0; v < n; v++)
        pred[v] = -1;
    for (int round = 0; round <= n; round++) {
        x = -1;
        for (int i = 0; i < p->nedges; i++) {
            const sched_edge *ed = &p->edges[i];
            if (ed->distance || comp[ed->from] != comp[ed->to])
                continue;
            if (val[ed->from] + sched_edge_weight(p, i) > val[ed->to]) {
                val[ed->to] = val[ed->from] + sched_edge_weight(p, i);
                pred[ed->to] = i;
                x = ed->to;
            }
        }
    }
    for (int k = 0; k < n && x >= 0; k++)
        x = pred[x] >= 0 ? p->edges[pred[x]].from : -1;
    if (x < 0)
        goto done;
    int m = 0, y = x;
    int64_t weight = 0;
    do { /* backwards along the predecessors */
        cyc[m++] = pred[y];
        weight += sched_edge_weight(p, pred[y]);
        y = p->edges[pred[y]].from;
    } while (y != x && m < n);
    strbuf b = {0};
    char nm[128];
    for (int k = m - 1; k >= 0 && b.len < len; k--)
        sb_printf(&b, "%s -> ", sched_op_label(p, p->edges[cyc[k]].from, nm, sizeof nm));
    sb_printf(&b, "%s (latency+delay %" PRId64 " around it, distance 0)",
              sched_op_label(p, x, nm, sizeof nm), weight);
    if (!b.failed)
        snprintf(out, len, "%s", b.s);
    sb_free(&b);
done:
    free(val);
    free(pred);
    free(cyc);
}

/* Sum of the positive weights of edges inside components: an II at which
 * every cycle of distance >= 1 is non-positive. */
static int64_t rec_upper(const sched_problem *p, const int *comp)
{
    int64_t s = 0;
    for (int i = 0; i < p->nedges; i++) {
        const sched_edge *ed = &p->edges[i];
        int64_t w = sched_edge_weight(p, i);
        if (comp[ed->from] == comp[ed->to] && w > 0)
            s += w;
    }
    return s;
}

/* 1 when II leaves a positive cycle on the graph g. */
static int has_positive_cycle(const lp_graph *g, int64_t ii, int64_t *val, lp_work *w)
{
    memset(val, 0, (size_t)g->p->nops * sizeof *val);
    return longest(g, ii, 0, val, w);
}

int sched_rec_mii(const sched_problem *p, int64_t *rec_mii, nnp_err *e)
{
    *rec_mii = 0;
    if (p->nops == 0)
        return NNP_OK;
    sched_adj a;
    int st = sched_adj_build(p, &a, e);
    if (st)
        return st;
    int *comp = xcalloc((size_t)p->nops, sizeof *comp);
    int64_t *val = xcalloc((size_t)p->nops, sizeof *val);
    lp_work w = {0};
    if (!comp || !val || work_alloc(&w, p->nops) || sched_components(p, &a, comp)) {
        st = err_set(e, NNP_NOMEM, "out of memory computing RecMII");
        goto done;
    }
    lp_graph g = {p, &a, comp, -1, 1};
    if (has_positive_cycle(&g, 0, val, &w)) {
        char msg[600];
        describe_zero_cycle(p, comp, msg, sizeof msg);
        st = err_set(e, NNP_INFEASIBLE, "cycle with distance 0 and positive weight: %s; no II can "
                     "schedule it", msg);
        goto done;
    }
    g.zero_only = 0;
    int64_t lo = 0, hi = rec_upper(p, comp); /* hi is feasible, lo - 1 is not known */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (has_positive_cycle(&g, mid, val, &w))
            lo = mid + 1;
        else
            hi = mid;
    }
    *rec_mii = lo;
done:
    free(comp);
    free(val);
    work_free(&w);
    sched_adj_free(&a);
    return st;
}

/* Shared body of sched_asap and sched_height. */
static int paths_at(const sched_problem *p, int64_t ii, int reverse, int64_t *val, nnp_err *e)
{
    for (int v = 0; v < p->nops; v++)
        val[v] = reverse ? p->ops[v].latency : 0;
    if (p->nops == 0)
        return NNP_OK;
    sched_adj a;
    int st = sched_adj_build(p, &a, e);
    if (st)
        return st;
    lp_work w = {0};
    if (work_alloc(&w, p->nops)) {
        st = err_set(e, NNP_NOMEM, "out of memory computing longest paths");
    } else {
        lp_graph g = {p, &a, NULL, -1, 0};
        if (longest(&g, ii, reverse, val, &w))
            st = err_set(e, NNP_INTERNAL, "longest paths at II=%" PRId64 ": a positive cycle "
                         "remains (II below RecMII)", ii);
    }
    work_free(&w);
    sched_adj_free(&a);
    return st;
}

int sched_asap(const sched_problem *p, int64_t ii, int64_t *asap, nnp_err *e)
{
    return paths_at(p, ii, 0, asap, e);
}

int sched_height(const sched_problem *p, int64_t ii, int64_t *height, nnp_err *e)
{
    return paths_at(p, ii, 1, height, e);
}

/* The same binary search, once per component with an internal edge, on
 * that component's edges only. */
int sched_component_rec_mii(const sched_problem *p, const sched_adj *a, const int *comp,
                            int ncomp, int64_t *rec, nnp_err *e)
{
    int64_t *hi = xcalloc((size_t)ncomp, sizeof *hi), *val = xcalloc((size_t)p->nops, sizeof *val);
    char *cyclic = xcalloc((size_t)ncomp, 1);
    lp_work w = {0};
    int st = NNP_OK;
    if (!hi || !val || !cyclic || work_alloc(&w, p->nops)) {
        st = err_set(e, NNP_NOMEM, "out of memory computing RecMII per component");
        goto done;
    }
    for (int i = 0; i < p->nedges; i++) {
        const sched_edge *ed = &p->edges[i];
        int64_t wt = sched_edge_weight(p, i);
        if (comp[ed->from] != comp[ed->to])
            continue;
        cyclic[comp[ed->from]] = 1;
        if (wt > 0)
            hi[comp[ed->from]] += wt;
    }
    for (int c = 0; c < ncomp; c++) {
        int64_t lo = 0, top = hi[c];
        lp_graph g = {p, a, comp, c, 0};
        while (cyclic[c] && lo < top) {
            int64_t mid = lo + (top - lo) / 2;
            if (has_positive_cycle(&g, mid, val, &w))
                lo = mid + 1;
            else
                top = mid;
        }
        rec[c] = lo;
    }
done:
    free(hi);
    free(val);
    free(cyclic);
    work_free(&w);
    return st;
}
