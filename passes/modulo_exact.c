/* The exact modulo scheduler: a bounded branch and bound that either finds a
 * schedule at a given II or proves that none exists.
 *
 * Resources only see start times mod II. So the search branches, for each op
 * on a limited resource in turn, over its II possible residues (and its
 * instance), and lets the dependences decide the actual starts: lb[] holds
 * the least start times that satisfy every edge, given the residues chosen
 * so far - a longest-path fixpoint in which an op with a residue is rounded
 * up to the next start of that residue. Choosing residue rho for op v means
 * moving lb[v] up to the first start >= lb[v] with that residue, so the
 * candidates are lb[v], lb[v]+1, ..., lb[v]+II-1, which is how the search is
 * written: a branch over start times in a window, earliest first.
 *
 * Why this is complete, and where the windows come from: fix any residues
 * r(v) of a feasible schedule. Writing s(v) = r(v) + II*k(v), each edge
 * u -> v becomes k(v) - k(u) >= ceil((c + r(u) - r(v)) / II) with c =
 * latency + delay - II*distance, a system of difference constraints whose
 * least solution k >= 0 sums these ceilings along simple paths. Summing the
 * bound ceil(x/II) <= (x + II - 1)/II along a path of at most n-1 edges
 * gives s(v) <= asap(v) + n*(II-1), where asap(v) is the longest path into v
 * at this II. So U(v) = asap(v) + n*(II-1), tightened backwards along the
 * edges, bounds the least schedule of every feasible choice of residues,
 * and a branch whose lb[] passes U anywhere can be cut: no completion of it
 * is feasible. lb[] only ever rises and an op with a residue rises by II at a
 * time, so propagation stops quickly even when the residues are hopeless.
 *
 * Two symmetries are removed: shifting every start by the same amount keeps
 * a schedule valid, so the first op takes its earliest start only; and the
 * instances of a resource are interchangeable, so an op may use only the
 * instances already in use or the first unused one.
 *
 * The search visits at most `budget` placements; reaching it is "unknown".
 * Meant for loops of a few dozen ops (modulo_options.exact_limit). */
#include "scheduler.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mrt.h"
#include "sched_adj.h"

typedef struct exact {
    const sched_problem *p;
    sched_adj a;
    mrt m;
    int64_t ii, budget, nodes;
    int n, ncons;
    int *order;     /* ops on limited resources, in branching order */
    int64_t *upper; /* U(v) */
    int64_t *lb;    /* (ncons + 1) rows of n: the least starts at each depth */
    char *fixed;    /* residue chosen */
    int *lane, *used, *queue, *fcnt;
    char *queued;
    int64_t *c; /* per edge: latency + delay - II*distance */
    int64_t *height; /* ordering only */
} exact;

static int64_t mod(int64_t t, int64_t ii)
{
    int64_t r = t % ii;
    return r < 0 ? r + ii : r;
}

static int64_t edge_c(const exact *x, int i)
{
    return x->c[i];
}

/* Raises lb[] along the edges from v until every edge holds. Returns 0
 * when no completion can be feasible: some op would have to start after its
 * upper bound, or the relaxations chase each other around a cycle. The
 * chase is caught by counting, for each op, the ops with a residue on the
 * walk of relaxations that set its value (fcnt): past nfixed, an op with a
 * residue repeats on the walk. Its value rose around that cycle, so by at
 * least II (the residue holds), and the cycle's map commutes with adding II
 * - it would rise forever. That cuts a hopeless branch after at most nfixed
 * laps instead of the n laps it takes to reach the upper bounds. */
static int propagate(exact *x, int64_t *lb, int v, int nfixed)
{
    int head = 0, len = 1, n = x->n;
    x->queue[0] = v;
    x->queued[v] = 1;
    x->fcnt[v] = 1;
    int ok = 1;
    while (len > 0) {
        int u = x->queue[head];
        head = (head + 1) % n;
        len--;
        x->queued[u] = 0;
        if (!ok)
            continue; /* drain the queue to clear the flags */
        for (int k = x->a.out_start[u]; k < x->a.out_start[u + 1]; k++) {
            int i = x->a.out_edge[k], w = x->p->edges[i].to;
            int64_t cand = lb[u] + x->c[i];
            if (cand <= lb[w])
                continue;
            if (x->fixed[w])
                cand += mod(mod(lb[w], x->ii) - cand, x->ii);
            x->fcnt[w] = x->fcnt[u] + x->fixed[w];
            if (cand > x->upper[w] || x->fcnt[w] > nfixed) {
                ok = 0;
                break;
            }
            lb[w] = cand;
            if (!x->queued[w]) {
                x->queued[w] = 1;
                x->queue[(head + len) % n] = w;
                len++;
            }
        }
    }
    return ok;
}

/* Whether the ops still to place on resource r (order[from..]) can fit:
 * with m the shortest of their occupancies, a free gap of g cycles holds at
 * most floor(g/m) of them and an unused instance floor(II/m). Fewer slots
 * than ops, or fewer free cycles than their total occupancy, and no
 * completion exists. This is what proves, at once, that three 3-cycle ops
 * cannot share two instances at II 5. */
static int room_left(const exact *x, int r, int from)
{
    int64_t m = INT64_MAX, need = 0, count = 0;
    for (int d = from; d < x->ncons; d++) {
        int v = x->order[d];
        if (x->p->ops[v].resource != r)
            continue;
        int64_t occ = sched_occupancy(x->p, v);
        m = occ < m ? occ : m;
        need += occ;
        count++;
    }
    if (count == 0)
        return 1;
    int64_t slots = 0, free_cycles = 0;
    for (int l = 0; l < x->m.count[r]; l++) {
        const mrt_lane *ln = &x->m.lane[x->m.first[r] + l];
        if (ln->n == 0) {
            slots += x->ii / m;
            free_cycles += x->ii;
            continue;
        }
        for (int k = 0; k < ln->n; k++) {
            const mrt_arc *a = &ln->arc[k], *b = &ln->arc[(k + 1) % ln->n];
            int64_t gap = mod(b->begin - (a->begin + a->len), x->ii);
            if (ln->n == 1)
                gap = x->ii - a->len;
            slots += gap / m;
            free_cycles += gap;
        }
    }
    return slots >= count && free_cycles >= need;
}

/* Returns 1 when a schedule was found (lb row ncons and lane[] hold it), 0
 * when none extends this branch, -1 when the budget ran out, -2 on OOM. */
static int search(exact *x, int depth)
{
    if (depth == x->ncons)
        return 1;
    int n = x->n, v = x->order[depth], r = x->p->ops[v].resource;
    int64_t occ = sched_occupancy(x->p, v), *lb = x->lb + (size_t)depth * n, *next = lb + n;
    int lanes = x->used[r] < x->m.count[r] ? x->used[r] + 1 : x->m.count[r];
    int64_t end = lb[v] + (depth == 0 ? 1 : x->ii);
    if (!room_left(x, r, depth))
        return 0;
    for (int64_t t = lb[v]; t < end && t <= x->upper[v];) {
        int64_t best = INT64_MAX;
        for (int l = 0; l < lanes; l++) {
            int64_t c = mrt_next_free(&x->m, x->m.first[r] + l, t, occ);
            best = c < best ? c : best;
        }
        if (best >= end || best > x->upper[v])
            break;
        for (int l = 0; l < lanes; l++) {
            int lane = x->m.first[r] + l;
            if (!mrt_free_at(&x->m, lane, best, occ))
                continue;
            if (++x->nodes > x->budget)
                return -1;
            memcpy(next, lb, (size_t)n * sizeof *lb);
            next[v] = best;
            x->fixed[v] = 1;
            if (propagate(x, next, v, depth + 1)) {
                if (mrt_place(&x->m, lane, best, occ, v))
                    return -2;
                x->lane[v] = lane;
                int grew = l == x->used[r];
                x->used[r] += grew;
                int res = search(x, depth + 1);
                if (res != 0)
                    return res;
                x->used[r] -= grew;
                mrt_remove(&x->m, lane, best, v);
            }
            x->fixed[v] = 0;
        }
        t = best + 1;
    }
    return 0;
}

/* Branching order: recurrences first, the most constraining first (by the
 * RecMII of the op's component), one component at a time so that each cycle
 * closes - and fails - as early as possible; then the other ops. Within
 * that, earliest ASAP, greatest height, lowest index. */
typedef struct order_key {
    int64_t rec, asap, height;
    int comp, op;
} order_key;

static int by_order(const void *pa, const void *pb)
{
    const order_key *a = pa, *b = pb;
    if (a->rec != b->rec)
        return a->rec > b->rec ? -1 : 1;
    if (a->comp != b->comp)
        return a->comp < b->comp ? -1 : 1;
    if (a->asap != b->asap)
        return a->asap < b->asap ? -1 : 1;
    if (a->height != b->height)
        return a->height > b->height ? -1 : 1;
    return a->op - b->op;
}

static int sort_order(exact *x, nnp_err *e)
{
    order_key *k = xcalloc((size_t)x->ncons, sizeof *k);
    int *comp = xcalloc((size_t)x->n, sizeof *comp), ncomp = 0;
    int64_t *rec = xcalloc((size_t)x->n, sizeof *rec);
    int st = k && comp && rec && !sched_components(x->p, &x->a, comp)
                 ? NNP_OK
                 : err_set(e, NNP_NOMEM, "out of memory for the exact search");
    for (int v = 0; !st && v < x->n; v++)
        ncomp = comp[v] + 1 > ncomp ? comp[v] + 1 : ncomp;
    if (!st)
        st = sched_component_rec_mii(x->p, &x->a, comp, ncomp, rec, e);
    if (!st) {
        for (int i = 0; i < x->ncons; i++) {
            int v = x->order[i];
            k[i] = (order_key){rec[comp[v]], x->lb[v], x->height[v], comp[v], v};
        }
        qsort(k, (size_t)x->ncons, sizeof *k, by_order);
        for (int i = 0; i < x->ncons; i++)
            x->order[i] = k[i].op;
    }
    free(k);
    free(comp);
    free(rec);
    return st;
}

/* U(v) = asap(v) + n*(II-1), then U(u) <= U(w) - c along each edge. */
static void upper_bounds(exact *x)
{
    const sched_problem *p = x->p;
    for (int v = 0; v < x->n; v++)
        x->upper[v] = x->lb[v] + (int64_t)x->n * (x->ii - 1);
    for (int round = 0; round <= x->n; round++) {
        int changed = 0;
        for (int i = 0; i < p->nedges; i++) {
            int u = p->edges[i].from, w = p->edges[i].to;
            if (x->upper[w] - edge_c(x, i) < x->upper[u]) {
                x->upper[u] = x->upper[w] - edge_c(x, i);
                changed = 1;
            }
        }
        if (!changed)
            break;
    }
}

/* Cheap proofs of infeasibility: an op longer than II on one instance, or
 * more occupancy than the instances offer. */
static int obviously_infeasible(const sched_problem *p, int64_t ii)
{
    int64_t res_mii;
    int which;
    if (sched_res_mii(p, &res_mii, &which, NULL))
        return 0;
    return res_mii > ii;
}

static int setup(exact *x, const sched_problem *p, int64_t ii, int64_t budget, nnp_err *e)
{
    int n = p->nops, st;
    memset(x, 0, sizeof *x);
    x->p = p;
    x->ii = ii;
    x->budget = budget;
    x->n = n;
    if ((st = sched_adj_build(p, &x->a, e)))
        return st;
    x->order = xcalloc((size_t)n, sizeof *x->order);
    x->upper = xcalloc((size_t)n, sizeof *x->upper);
    x->lb = xcalloc(((size_t)n + 1) * (size_t)n, sizeof *x->lb);
    x->fixed = xcalloc((size_t)n, 1);
    x->lane = xcalloc((size_t)n, sizeof *x->lane);
    x->used = xcalloc((size_t)p->nresources, sizeof *x->used);
    x->queue = xcalloc((size_t)n, sizeof *x->queue);
    x->queued = xcalloc((size_t)n, 1);
    x->fcnt = xcalloc((size_t)n, sizeof *x->fcnt);
    x->c = xcalloc((size_t)p->nedges, sizeof *x->c);
    x->height = xcalloc((size_t)n, sizeof *x->height);
    if (!x->order || !x->upper || !x->lb || !x->fixed || !x->lane || !x->used || !x->queue ||
        !x->queued || !x->fcnt || !x->c || !x->height || mrt_init(&x->m, p, ii))
        return err_set(e, NNP_NOMEM, "out of memory for the exact search");
    for (int i = 0; i < p->nedges; i++)
        x->c[i] = sched_edge_weight(p, i) - ii * p->edges[i].distance;
    if ((st = sched_asap(p, ii, x->lb, e)) || (st = sched_height(p, ii, x->height, e)))
        return st;
    upper_bounds(x);
    for (int v = 0; v < n; v++) {
        x->lane[v] = -1;
        if (sched_is_limited(p, v))
            x->order[x->ncons++] = v;
    }
    return sort_order(x, e);
}

static void teardown(exact *x)
{
    sched_adj_free(&x->a);
    mrt_free(&x->m);
    free(x->order);
    free(x->upper);
    free(x->lb);
    free(x->fixed);
    free(x->lane);
    free(x->used);
    free(x->queue);
    free(x->queued);
    free(x->fcnt);
    free(x->c);
    free(x->height);
}

int modulo_exact_at(const sched_problem *p, int64_t ii, int64_t budget, int64_t *start,
                    int *instance, sched_outcome *outcome, int64_t *nodes, nnp_err *e)
{
    *nodes = 0;
    *outcome = SCHED_PROVEN_NONE;
    if (ii < 1)
        return err_set(e, NNP_MISUSE, "exact search at II=%" PRId64 ": II must be >= 1", ii);
    if (obviously_infeasible(p, ii))
        return NNP_OK;
    exact x;
    int st = setup(&x, p, ii, budget, e);
    int res = st ? 0 : search(&x, 0);
    *nodes = x.nodes;
    if (res == -2)
        st = err_set(e, NNP_NOMEM, "out of memory in the exact search");
    if (!st && res == -1)
        *outcome = SCHED_SEARCH_LIMIT;
    if (!st && res == 1) {
        *outcome = SCHED_FOUND;
        const int64_t *lb = x.lb + (size_t)x.ncons * x.n;
        for (int v = 0; v < p->nops; v++) {
            start[v] = lb[v];
            instance[v] = x.lane[v] < 0 ? -1 : x.lane[v] - x.m.first[p->ops[v].resource];
        }
    }
    teardown(&x);
    return st;
}
