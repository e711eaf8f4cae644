/* Resource- and memory-constrained list scheduling of a DAG.
 *
 * Priority: an op's height (the longest latency path from its start to the
 * end of the program), ties to more successors, then to the lower index;
 * these are turned into one rank per op by a single sort.
 *
 * The scheduler is event driven, so it is O((ops + edges + buffers) log n)
 * with a factor of the resource count, never quadratic:
 *  - an op enters its resource's ready heap once its last predecessor has
 *    started and the edges allow it to start (a timed "ready" event);
 *  - at each event time, for every resource with a free instance, the
 *    highest ready op starts if its output buffers fit in their pools;
 *  - instance releases (start + occupancy), buffer frees (end of the last
 *    reader) and ready times are events in one time-ordered heap.
 * An op whose buffers do not fit waits, and so do the lower-ranked ops
 * behind it in its heap (each resource has two, see below): no overtaking,
 * so a large buffer is never starved by a stream of small ones and each
 * event costs O(1) heap operations per resource instead of a rescan of
 * every blocked op.
 *
 * Memory deadlock. Greedy order can strand the program: several producers
 * start, their buffers fill a pool, and the readers that would free them
 * need fresh buffers of their own. Nothing runs, every ready op waits for
 * memory, and only ops that cannot start would free it. Deciding whether a
 * memory-feasible order exists is NP-hard (it contains register
 * sufficiency), so the policy is:
 *  0. Avoidance, in the greedy pass. A starter is an op that reads no
 *     buffer (a tile load, say): starting it never leads to memory being
 *     freed. A starter must leave the pool's reserve free, unless the pool
 *     is empty; the reserve is the most any reader still needs once one of
 *     its inputs is live (its outputs plus its other inputs). But a starter
 *     that completes a consumer already partly fed (a weight load for a
 *     compute whose input tile is loaded) may start whenever the rest of
 *     that consumer - its unallocated inputs and its outputs - fits. Such
 *     starters move to the reader heap as soon as their consumer gets its
 *     first input, so a load held back by the reserve does not block them,
 *     nor the stores and computes behind it. On the tiled programs of
 *     bench_listsched the greedy pass then never deadlocks (pools of 24-48
 *     KiB tried; bench/README.md); a starter whose consumer is fed only two
 *     levels down is beyond these rules (tests/test_list.c).
 *     The reserve is a heuristic, so it can stall a program that would
 *     run: nothing running, no event left, and the ready ops held back by
 *     the reserve or queued behind a heap head that does not fit. Then
 *     the best-ranked ready op whose buffers physically fit starts anyway
 *     (a rescue, counted in the result); only when none fits is the greedy
 *     pass stuck. A pass that needed rescues ran under memory pressure, so
 *     the fixed orders of step 2 run too and the shortest schedule wins.
 *     On the 15 sample/target pairs the greedy pass now completes on 10
 *     (5 without rescues) and is kept on 8; no schedule got longer.
 *  1. Up front, a buffer larger than its pool, or an op whose own inputs and
 *     outputs exceed a pool, is infeasible in any order: an error naming it.
 *  2. The greedy pass runs. If it deadlocks, it is thrown away and the
 *     ordered-allocation pass runs instead: a topological order is fixed;
 *     ops that allocate memory start strictly in that order, others by that
 *     order's rank as resources allow. This pass cannot deadlock when
 *     running the ops one at a time in that order fits the pools, because
 *     whenever nothing runs, every op before the next allocator has
 *     finished and the memory live is at most what the one-at-a-time run
 *     holds at that op. Two orders are tried: depth first (readers of a
 *     buffer soon after its producer, keeping few buffers live) and the
 *     program order (op indices, when topological); each is checked one op
 *     at a time first, and the shorter schedule of those that fit is kept.
 *     If neither fits, the error names the pool, the op and the bytes.
 * The result records that the fallback was taken and where the greedy pass
 * stuck, for --format summary. */
#include "scheduler.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "sched_adj.h"

enum { EV_INSTANCE, EV_BUFFER, EV_READY, EV_KINDS };

typedef struct lsched {
    const sched_problem *p;
    sched_adj a;
    int n, nres;
    int *topo;                    /* a topological order */
    int64_t *height, *rank;       /* rank: smaller starts first */
    int *prod_start, *prod_buf;   /* buffers each op produces */
    int *read_start, *read_buf;   /* buffers each op reads */
    /* per run */
    int *npred, *pending;         /* unstarted predecessors; unstarted users of a buffer */
    int64_t *est, *buf_end, *pool_free, *need, *tmp;
    char *waited, *started;
    char *where;                  /* 0: not ready, 1: in a starter heap, 2: in a reader heap */
    int *live_in;                 /* per op: its input buffers already allocated */
    /* Ready ops, two heaps per resource (plus a pair for ops without a
     * limited resource): readers of buffers, and starters that read none. */
    heap *ready;
    int64_t *reserve;             /* per pool: the largest allocation of one reader */
    heap *free_inst;              /* per resource */
    heap events;
    int *alloc_order, nalloc, next_alloc; /* ordered pass: allocators in order */
    int ordered;
    int relaxed;                  /* fits() ignores the reserve (a rescue) */
    list_result *r;
} lsched;

static int nomem(nnp_err *e)
{
    return err_set(e, NNP_NOMEM, "out of memory in the list scheduler");
}

/* A starter reads no buffer: starting it never leads to memory being freed. */
static int starter(const lsched *s, int v)
{
    return s->read_start[v] == s->read_start[v + 1];
}

static int64_t total_need(const lsched *s, int v, int pool)
{
    int64_t t = 0;
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++)
        if (s->p->buffers[s->prod_buf[k]].pool == pool)
            t += s->p->buffers[s->prod_buf[k]].bytes;
    return t;
}

/* ---- preparation: order, priorities, buffer indexes, up-front checks ---- */

/* Names some ops of a cycle among the ops Kahn's algorithm could not order
 * (left[v] > 0): walk back along unordered predecessors until one repeats. */
static int cycle_error(const lsched *s, const int *left, nnp_err *e)
{
    const sched_problem *p = s->p;
    int v = 0;
    while (left[v] == 0)
        v++;
    int *seen = xcalloc((size_t)s->n, sizeof *seen), step = 0;
    if (!seen)
        return nomem(e);
    while (!seen[v]) {
        seen[v] = ++step;
        for (int k = s->a.in_start[v]; k < s->a.in_start[v + 1]; k++) {
            int u = p->edges[s->a.in_edge[k]].from;
            if (left[u] > 0) {
                v = u;
                break;
            }
        }
    }
    strbuf b = {0};
    char nm[128];
    int first = v, count = 0;
    do { /* the cycle runs backwards from v; list it that way round */
        sb_printf(&b, "%s <- ", sched_op_label(p, v, nm, sizeof nm));
        for (int k = s->a.in_start[v]; k < s->a.in_start[v + 1]; k++) {
            int u = p->edges[s->a.in_edge[k]].from;
            if (left[u] > 0 && seen[u]) {
                v = u;
                break;
            }
        }
    } while (v != first && ++count < 12);
    sb_printf(&b, "%s%s", v == first ? sched_op_label(p, v, nm, sizeof nm) : "...", "");
    int st = err_set(e, NNP_INVALID, "the graph has a cycle, so it cannot be list scheduled: %s",
                     b.failed ? "?" : b.s);
    sb_free(&b);
    free(seen);
    return st;
}

static int order_ops(lsched *s, nnp_err *e)
{
    const sched_problem *p = s->p;
    char a[128], b[128];
    for (int i = 0; i < p->nedges; i++)
        if (p->edges[i].distance != 0)
            return err_set(e, NNP_INVALID, "edge %d (%s -> %s) has distance %" PRId64 "; list "
                           "scheduling needs a DAG of distance-0 edges", i,
                           sched_op_label(p, p->edges[i].from, a, sizeof a),
                           sched_op_label(p, p->edges[i].to, b, sizeof b), p->edges[i].distance);
    int *left = xcalloc((size_t)s->n, sizeof *left), head = 0, tail = 0;
    if (!left)
        return nomem(e);
    for (int v = 0; v < s->n; v++)
        if ((left[v] = s->a.in_start[v + 1] - s->a.in_start[v]) == 0)
            s->topo[tail++] = v;
    while (head < tail) {
        int v = s->topo[head++];
        for (int k = s->a.out_start[v]; k < s->a.out_start[v + 1]; k++)
            if (--left[p->edges[s->a.out_edge[k]].to] == 0)
                s->topo[tail++] = p->edges[s->a.out_edge[k]].to;
    }
    int st = tail < s->n ? cycle_error(s, left, e) : NNP_OK;
    free(left);
    return st;
}

typedef struct rank_key {
    int64_t height;
    int nsucc, op;
} rank_key;

static int by_priority(const void *pa, const void *pb)
{
    const rank_key *x = pa, *y = pb;
    if (x->height != y->height)
        return x->height > y->height ? -1 : 1;
    if (x->nsucc != y->nsucc)
        return x->nsucc > y->nsucc ? -1 : 1;
    return x->op - y->op;
}

/* Heights in reverse topological order, then ranks by one sort. */
static int prioritise(lsched *s, nnp_err *e)
{
    const sched_problem *p = s->p;
    for (int k = s->n - 1; k >= 0; k--) {
        int v = s->topo[k];
        int64_t h = p->ops[v].latency;
        for (int j = s->a.out_start[v]; j < s->a.out_start[v + 1]; j++) {
            int i = s->a.out_edge[j];
            h = max64(h, sched_edge_weight(p, i) + s->height[p->edges[i].to]);
        }
        s->height[v] = h;
        s->r->critical_path = max64(s->r->critical_path, h);
    }
    rank_key *key = xcalloc((size_t)s->n, sizeof *key);
    if (!key)
        return nomem(e);
    for (int v = 0; v < s->n; v++)
        key[v] = (rank_key){s->height[v], s->a.out_start[v + 1] - s->a.out_start[v], v};
    qsort(key, (size_t)s->n, sizeof *key, by_priority);
    for (int k = 0; k < s->n; k++)
        s->rank[key[k].op] = k;
    free(key);
    return NNP_OK;
}

/* What reader v still needs once one input is live, per pool: its outputs
 * plus its inputs but the smallest (the one that may have come first; in a
 * pool v reads from alone, else nothing is subtracted). The pool's reserve
 * is the largest of these. */
static void reserve_of(lsched *s, int v)
{
    const sched_problem *p = s->p;
    int64_t *in = s->need, *small = s->tmp;
    int other = -1; /* the pool of v's inputs, or -2 when they span pools */
    for (int q = 0; q < p->npools; q++)
        small[q] = INT64_MAX;
    for (int k = s->read_start[v]; k < s->read_start[v + 1]; k++) {
        const sched_buffer *b = &p->buffers[s->read_buf[k]];
        in[b->pool] += b->bytes;
        small[b->pool] = min64(small[b->pool], b->bytes);
        other = other == -1 || other == b->pool ? b->pool : -2;
    }
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++)
        in[p->buffers[s->prod_buf[k]].pool] += p->buffers[s->prod_buf[k]].bytes;
    for (int q = 0; q < p->npools; q++) {
        int64_t rest = in[q] - (q == other ? small[q] : 0);
        s->reserve[q] = max64(s->reserve[q], rest);
        in[q] = 0;
    }
}

/* CSR lists of the buffers each op produces and reads. */
static int index_buffers(lsched *s, nnp_err *e)
{
    const sched_problem *p = s->p;
    size_t nread = 0;
    for (int b = 0; b < p->nbuffers; b++)
        nread += (size_t)p->buffers[b].nreaders;
    s->prod_start = xcalloc((size_t)s->n + 1, sizeof(int));
    s->read_start = xcalloc((size_t)s->n + 1, sizeof(int));
    s->prod_buf = xcalloc((size_t)p->nbuffers, sizeof(int));
    s->read_buf = xcalloc(nread, sizeof(int));
    if (!s->prod_start || !s->read_start || !s->prod_buf || !s->read_buf || nread > INT32_MAX)
        return nomem(e);
    for (int b = 0; b < p->nbuffers; b++) {
        s->prod_start[p->buffers[b].producer + 1]++;
        for (int k = 0; k < p->buffers[b].nreaders; k++)
            s->read_start[p->buffers[b].readers[k] + 1]++;
    }
    for (int v = 0; v < s->n; v++) {
        s->prod_start[v + 1] += s->prod_start[v];
        s->read_start[v + 1] += s->read_start[v];
    }
    int *pf = xcalloc((size_t)s->n + 1, sizeof *pf), *rf = xcalloc((size_t)s->n + 1, sizeof *rf);
    if (!pf || !rf) {
        free(pf);
        free(rf);
        return nomem(e);
    }
    memcpy(pf, s->prod_start, ((size_t)s->n + 1) * sizeof *pf);
    memcpy(rf, s->read_start, ((size_t)s->n + 1) * sizeof *rf);
    for (int b = 0; b < p->nbuffers; b++) {
        s->prod_buf[pf[p->buffers[b].producer]++] = b;
        for (int k = 0; k < p->buffers[b].nreaders; k++)
            s->read_buf[rf[p->buffers[b].readers[k]]++] = b;
    }
    free(pf);
    free(rf);
    for (int v = 0; v < s->n; v++) /* the reserve, from every reader */
        if (!starter(s, v))
            reserve_of(s, v);
    return NNP_OK;
}

/* Adds buffer b to op v's working set unless it is already counted. */
static void count_once(const sched_problem *p, int b, int v, int *stamp, int64_t *sum)
{
    if (stamp[b] == v + 1)
        return;
    stamp[b] = v + 1;
    sum[p->buffers[b].pool] += p->buffers[b].bytes;
}

/* Policy step 1: what no order can fix. */
static int check_fits(const lsched *s, nnp_err *e)
{
    const sched_problem *p = s->p;
    char nm[128];
    for (int b = 0; b < p->nbuffers; b++) {
        const sched_buffer *bf = &p->buffers[b];
        const sched_pool *pl = &p->pools[bf->pool];
        if (bf->bytes > pl->capacity)
            return err_set(e, NNP_INFEASIBLE, "buffer %s needs %" PRId64 " bytes but pool %s holds "
                           "only %" PRId64, bf->name ? bf->name : "?", bf->bytes,
                           pl->name ? pl->name : "?", pl->capacity);
    }
    /* An op's inputs stay live until it ends and its outputs are allocated
     * when it starts: all of them at once, each buffer counted once (the
     * stamp), however often it is listed. */
    int64_t *sum = s->need;
    int *stamp = xcalloc((size_t)p->nbuffers, sizeof *stamp);
    if (!stamp)
        return nomem(e);
    for (int v = 0; v < s->n; v++) {
        for (int k = s->read_start[v]; k < s->read_start[v + 1]; k++)
            count_once(p, s->read_buf[k], v, stamp, sum);
        for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++)
            count_once(p, s->prod_buf[k], v, stamp, sum);
        int bad = -1;
        for (int q = 0; q < p->npools; q++) {
            if (bad < 0 && sum[q] > p->pools[q].capacity)
                bad = q;
            if (bad != q)
                sum[q] = 0;
        }
        if (bad >= 0) {
            free(stamp);
            return err_set(e, NNP_INFEASIBLE, "op %s needs %" PRId64 " bytes of pool %s at once "
                           "(the buffers it reads and writes) but the pool holds only %" PRId64,
                           sched_op_label(p, v, nm, sizeof nm), sum[bad],
                           p->pools[bad].name ? p->pools[bad].name : "?", p->pools[bad].capacity);
        }
    }
    free(stamp);
    return NNP_OK;
}

/* ---- one pass of the event-driven scheduler ---- */

static int push_event(lsched *s, int64_t t, int kind, int idx)
{
    return heap_push(&s->events, t, idx * EV_KINDS + kind);
}

/* Does starting v complete the inputs of a consumer already partly fed? */
static int completing(const lsched *s, int v)
{
    const sched_problem *p = s->p;
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++) {
        const sched_buffer *b = &p->buffers[s->prod_buf[k]];
        for (int j = 0; j < b->nreaders; j++)
            if (s->live_in[b->readers[j]] > 0)
                return 1;
    }
    return 0;
}

/* Readers, and starters that complete a consumer, wait in the reader heap
 * of their resource (even index); other starters in the starter heap. */
static int heap_of(lsched *s, int v)
{
    int r = sched_is_limited(s->p, v) ? s->p->ops[v].resource : s->nres;
    int st = starter(s, v) && !completing(s, v);
    s->where[v] = st ? 1 : 2;
    return 2 * r + st;
}

static int reset_run(lsched *s)
{
    const sched_problem *p = s->p;
    s->events.n = 0;
    for (int r = 0; r <= s->nres; r++) {
        s->ready[2 * r].n = s->ready[2 * r + 1].n = 0;
        if (r < s->nres)
            s->free_inst[r].n = 0;
    }
    for (int r = 0; r < s->nres; r++)
        for (int k = 0; k < p->resources[r].instances; k++) /* none when unlimited (-1) */
            if (heap_push(&s->free_inst[r], k, k))
                return -1;
    for (int q = 0; q < p->npools; q++) {
        s->pool_free[q] = p->pools[q].capacity;
        s->r->peak[q] = 0;
    }
    for (int b = 0; b < p->nbuffers; b++) {
        s->pending[b] = p->buffers[b].nreaders + 1;
        s->buf_end[b] = INT64_MIN;
    }
    for (int v = 0; v < s->n; v++) {
        s->npred[v] = s->a.in_start[v + 1] - s->a.in_start[v];
        s->est[v] = 0;
        s->waited[v] = 0;
        s->started[v] = 0;
        s->where[v] = 0;
        s->live_in[v] = 0;
        s->r->instance[v] = -1;
        if (s->npred[v] == 0 && push_event(s, 0, EV_READY, v))
            return -1;
    }
    s->next_alloc = 0;
    s->r->memory_waits = 0;
    s->r->rescues = 0;
    return 0;
}

/* Whether starting v completes consumer r with room to spare: v's buffers,
 * r's inputs whose producers have not started and r's own outputs fit. */
static int completes_in_room(lsched *s, int v, int r)
{
    const sched_problem *p = s->p;
    int ok = 1;
    for (int k = s->read_start[r]; k < s->read_start[r + 1]; k++) {
        const sched_buffer *b = &p->buffers[s->read_buf[k]];
        if (!s->started[b->producer] && b->producer != v)
            s->need[b->pool] += b->bytes;
    }
    for (int k = s->prod_start[r]; k < s->prod_start[r + 1]; k++)
        s->need[p->buffers[s->prod_buf[k]].pool] += p->buffers[s->prod_buf[k]].bytes;
    for (int q = 0; q < p->npools; q++) { /* need[] also holds v's own bytes */
        ok &= s->need[q] <= s->pool_free[q];
    }
    for (int k = s->read_start[r]; k < s->read_start[r + 1]; k++) {
        const sched_buffer *b = &p->buffers[s->read_buf[k]];
        if (!s->started[b->producer] && b->producer != v)
            s->need[b->pool] -= b->bytes;
    }
    for (int k = s->prod_start[r]; k < s->prod_start[r + 1]; k++)
        s->need[p->buffers[s->prod_buf[k]].pool] -= p->buffers[s->prod_buf[k]].bytes;
    return ok;
}

/* Do v's output buffers fit? In the greedy pass a starter must also leave
 * the reserve free (unless the pool is empty), or complete a consumer that
 * is partly fed with room for the rest of it (policy step 0 above). */
static int fits(lsched *s, int v)
{
    const sched_problem *p = s->p;
    int ok = 1, keep = !s->ordered && !s->relaxed && starter(s, v), reserve_ok = 1;
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++)
        s->need[p->buffers[s->prod_buf[k]].pool] += p->buffers[s->prod_buf[k]].bytes;
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++) {
        int q = p->buffers[s->prod_buf[k]].pool;
        ok &= s->need[q] <= s->pool_free[q];
        if (keep && s->pool_free[q] < p->pools[q].capacity)
            reserve_ok &= s->need[q] + s->reserve[q] <= s->pool_free[q];
    }
    if (ok && keep && !reserve_ok) {
        ok = 0;
        for (int k = s->prod_start[v]; k < s->prod_start[v + 1] && !ok; k++) {
            const sched_buffer *b = &p->buffers[s->prod_buf[k]];
            for (int j = 0; j < b->nreaders && !ok; j++)
                ok = s->live_in[b->readers[j]] > 0 && completes_in_room(s, v, b->readers[j]);
        }
    }
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++)
        s->need[p->buffers[s->prod_buf[k]].pool] = 0;
    return ok;
}

/* One more user of buffer b has started; the last one schedules its free. */
static int buffer_used(lsched *s, int b, int64_t end)
{
    s->buf_end[b] = max64(s->buf_end[b], end);
    if (--s->pending[b] > 0)
        return 0;
    return push_event(s, s->buf_end[b], EV_BUFFER, b);
}

/* v's buffers are now allocated: each consumer gets a live input, and on
 * its first, the producers of its other inputs that wait in a starter heap
 * move to the reader heap (the entry left behind is skipped as stale). */
static int feed_consumers(lsched *s, int v)
{
    const sched_problem *p = s->p;
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++) {
        const sched_buffer *b = &p->buffers[s->prod_buf[k]];
        for (int j = 0; j < b->nreaders; j++) {
            int r = b->readers[j];
            if (s->live_in[r]++ > 0)
                continue;
            for (int i = s->read_start[r]; i < s->read_start[r + 1]; i++) {
                int u = p->buffers[s->read_buf[i]].producer;
                if (s->where[u] != 1 || s->started[u])
                    continue;
                int res = sched_is_limited(p, u) ? p->ops[u].resource : s->nres;
                s->where[u] = 2;
                if (heap_push(&s->ready[2 * res], s->rank[u], u))
                    return -1;
            }
        }
    }
    return 0;
}

static int start_op(lsched *s, int v, int64_t t)
{
    const sched_problem *p = s->p;
    const sched_op *o = &p->ops[v];
    s->r->start[v] = t;
    s->started[v] = 1;
    if (feed_consumers(s, v))
        return -1;
    if (sched_is_limited(p, v)) {
        s->r->instance[v] = heap_pop(&s->free_inst[o->resource]).id;
        if (push_event(s, t + sched_occupancy(p, v), EV_INSTANCE, v))
            return -1;
    }
    for (int k = s->prod_start[v]; k < s->prod_start[v + 1]; k++) {
        int b = s->prod_buf[k];
        int q = p->buffers[b].pool;
        s->pool_free[q] -= p->buffers[b].bytes;
        s->r->peak[q] = max64(s->r->peak[q], p->pools[q].capacity - s->pool_free[q]);
        if (buffer_used(s, b, p->buffers[b].nreaders ? t : t + o->latency))
            return -1;
    }
    for (int k = s->read_start[v]; k < s->read_start[v + 1]; k++)
        if (buffer_used(s, s->read_buf[k], t + o->latency))
            return -1;
    for (int k = s->a.out_start[v]; k < s->a.out_start[v + 1]; k++) {
        int i = s->a.out_edge[k], w = p->edges[i].to;
        s->est[w] = max64(s->est[w], t + sched_edge_weight(p, i));
        if (--s->npred[w] == 0 && push_event(s, max64(s->est[w], t), EV_READY, w))
            return -1;
    }
    if (s->ordered && s->next_alloc < s->nalloc && s->alloc_order[s->next_alloc] == v)
        s->next_alloc++;
    return 0;
}

static int handle_event(lsched *s, heap_item ev)
{
    const sched_problem *p = s->p;
    int kind = ev.id % EV_KINDS, idx = ev.id / EV_KINDS;
    if (kind == EV_INSTANCE)
        return heap_push(&s->free_inst[p->ops[idx].resource], s->r->instance[idx],
                         s->r->instance[idx]);
    if (kind == EV_BUFFER) {
        s->pool_free[p->buffers[idx].pool] += p->buffers[idx].bytes;
        return 0;
    }
    return heap_push(&s->ready[heap_of(s, idx)], s->rank[idx], idx);
}

/* May v start now as far as the ordered pass is concerned? */
static int allocation_turn(const lsched *s, int v)
{
    if (!s->ordered || s->prod_start[v] == s->prod_start[v + 1])
        return 1;
    return s->next_alloc < s->nalloc && s->alloc_order[s->next_alloc] == v;
}

/* Whether v can start as far as memory and the allocation order go;
 * counts the first time memory holds it back. */
static int can_start(lsched *s, int v)
{
    if (!allocation_turn(s, v))
        return 0;
    if (fits(s, v))
        return 1;
    if (!s->waited[v]) {
        s->waited[v] = 1;
        s->r->memory_waits++;
    }
    return 0;
}

/* One sweep over the resources, starting what can start at t. Each
 * resource takes the better head of its two heaps while instances last; a
 * heap whose head cannot start is done for this sweep (no overtaking inside
 * a heap), but a stalled starter does not hold up the readers. */
static int sweep(lsched *s, int64_t t)
{
    int started = 0;
    for (int r = 0; r <= s->nres; r++) {
        heap *h[2] = {&s->ready[2 * r], &s->ready[2 * r + 1]};
        int open[2] = {1, 1};
        while (r == s->nres || s->free_inst[r].n > 0) {
            int k = -1;
            for (int j = 0; j < 2; j++) {
                while (h[j]->n > 0 && (s->started[heap_top(h[j]).id] ||
                                       s->where[heap_top(h[j]).id] != 2 - j))
                    heap_pop(h[j]); /* stale: started, or moved to the reader heap */
                if (open[j] && h[j]->n > 0 && (k < 0 || heap_top(h[j]).key < heap_top(h[k]).key))
                    k = j;
            }
            if (k < 0)
                break;
            int v = heap_top(h[k]).id;
            if (!can_start(s, v)) {
                open[k] = 0;
                continue;
            }
            heap_pop(h[k]);
            if (start_op(s, v, t))
                return -1;
            started++;
        }
    }
    return started;
}

/* Starts what can start at t; returns how many, or -1 out of memory. In
 * the ordered pass, a start can hand the allocation turn to an op on a
 * resource the sweep has passed, so sweeps repeat until one starts nothing. */
static int start_ready(lsched *s, int64_t t)
{
    int total = 0, k;
    do {
        if ((k = sweep(s, t)) < 0)
            return -1;
        total += k;
    } while (k > 0 && s->ordered);
    return total;
}

/* Nothing runs and nothing can start, but the reserve, or a heap head
 * that does not fit blocking smaller ops behind it, may be all that holds
 * the program back. Starts the best-ranked ready op on a free instance
 * whose buffers fit, whatever the reserve and wherever it sits in its heap
 * (its heap entry goes stale). Returns 1 when one started, 0 when none
 * fits (a true deadlock), -1 out of memory. */
static int rescue(lsched *s, int64_t t)
{
    int best = -1;
    s->relaxed = 1;
    for (int h = 0; h < 2 * (s->nres + 1); h++) {
        if (h / 2 < s->nres && s->free_inst[h / 2].n == 0)
            continue;
        for (size_t k = 0; k < s->ready[h].n; k++) {
            int v = s->ready[h].a[k].id;
            if (!s->started[v] && s->where[v] == 2 - h % 2 &&
                (best < 0 || s->rank[v] < s->rank[best]) && fits(s, v))
                best = v;
        }
    }
    s->relaxed = 0;
    if (best < 0)
        return 0;
    s->r->rescues++;
    return start_op(s, best, t) ? -1 : 1;
}

/* Describes a memory deadlock: the highest op waiting and its pool. */
static void describe_deadlock(lsched *s, int64_t t, char *out, size_t len)
{
    const sched_problem *p = s->p;
    int best = -1;
    for (int r = 0; r < 2 * (s->nres + 1); r++)
        if (s->ready[r].n > 0 && !s->started[heap_top(&s->ready[r]).id] &&
            (best < 0 || heap_top(&s->ready[r]).key < s->rank[best]))
            best = heap_top(&s->ready[r]).id;
    if (best < 0 || s->prod_start[best] == s->prod_start[best + 1]) {
        snprintf(out, len, "at cycle %" PRId64 " no op can start", t);
        return;
    }
    int q = p->buffers[s->prod_buf[s->prod_start[best]]].pool;
    for (int k = s->prod_start[best]; k < s->prod_start[best + 1]; k++)
        if (p->buffers[s->prod_buf[k]].bytes > s->pool_free[p->buffers[s->prod_buf[k]].pool])
            q = p->buffers[s->prod_buf[k]].pool;
    char nm[128];
    snprintf(out, len, "at cycle %" PRId64 " op %s needs %" PRId64 " bytes of pool %s, %" PRId64
             " free, and every op that would free memory is waiting too", t,
             sched_op_label(p, best, nm, sizeof nm), total_need(s, best, q),
             p->pools[q].name ? p->pools[q].name : "?", s->pool_free[q]);
}

/* One pass. Returns NNP_OK with *stuck = 0 when every op started. */
static int run(lsched *s, int *stuck, nnp_err *e)
{
    *stuck = 0;
    if (reset_run(s))
        return nomem(e);
    int64_t t = 0, done = 0;
    while (done < s->n) {
        while (s->events.n > 0 && heap_top(&s->events).key <= t)
            if (handle_event(s, heap_pop(&s->events)))
                return nomem(e);
        int k = start_ready(s, t);
        if (k < 0)
            return nomem(e);
        done += k;
        if (done == s->n)
            break;
        if (s->events.n == 0) {
            if ((k = s->ordered ? 0 : rescue(s, t)) < 0)
                return nomem(e);
            if (k > 0) {
                done += k;
                continue;
            }
            *stuck = 1;
            describe_deadlock(s, t, s->r->deadlock, sizeof s->r->deadlock);
            return NNP_OK;
        }
        t = max64(t, heap_top(&s->events).key);
    }
    return NNP_OK;
}

/* ---- the ordered-allocation fallback ---- */

/* A depth-first topological order: after an op, the successors it made
 * ready come next, highest rank first. Ranks are then that order. */
static int depth_first_order(lsched *s, int *order, nnp_err *e)
{
    const sched_problem *p = s->p;
    int *stack = xcalloc((size_t)s->n, sizeof *stack), sp = 0, m = 0;
    int *left = xcalloc((size_t)s->n, sizeof *left);
    rank_key *batch = xcalloc((size_t)s->n, sizeof *batch);
    if (!stack || !left || !batch) {
        free(stack);
        free(left);
        free(batch);
        return nomem(e);
    }
    int nb = 0;
    for (int v = 0; v < s->n; v++)
        if ((left[v] = s->a.in_start[v + 1] - s->a.in_start[v]) == 0)
            batch[nb++] = (rank_key){-s->rank[v], 0, v};
    for (;;) {
        /* push the batch so that the best-ranked ends on top */
        qsort(batch, (size_t)nb, sizeof *batch, by_priority);
        for (int k = nb - 1; k >= 0; k--)
            stack[sp++] = batch[k].op;
        if (sp == 0)
            break;
        int v = stack[--sp];
        order[m++] = v;
        nb = 0;
        for (int k = s->a.out_start[v]; k < s->a.out_start[v + 1]; k++) {
            int w = p->edges[s->a.out_edge[k]].to;
            if (--left[w] == 0)
                batch[nb++] = (rank_key){-s->rank[w], 0, w};
        }
    }
    free(stack);
    free(left);
    free(batch);
    return NNP_OK;
}

/* Runs the order one op at a time and checks every pool at every op. */
static int check_sequential(lsched *s, const int *order, nnp_err *e)
{
    const sched_problem *p = s->p;
    int64_t *live = s->pool_free; /* reused as bytes in use */
    memset(live, 0, (size_t)p->npools * sizeof *live);
    for (int b = 0; b < p->nbuffers; b++)
        s->pending[b] = p->buffers[b].nreaders + 1;
    for (int k = 0; k < s->n; k++) {
        int v = order[k];
        for (int j = s->prod_start[v]; j < s->prod_start[v + 1]; j++) {
            const sched_buffer *bf = &p->buffers[s->prod_buf[j]];
            live[bf->pool] += bf->bytes;
            if (live[bf->pool] > p->pools[bf->pool].capacity) {
                char nm[128];
                return err_set(e, NNP_INFEASIBLE, "no memory-feasible order found: the greedy "
                               "schedule deadlocked (%s), and even one op at a time, in depth-first "
                               "or program order, needs %" PRId64 " bytes of pool %s at op %s, "
                               "over its "
                               "capacity of %" PRId64, s->r->deadlock, live[bf->pool],
                               p->pools[bf->pool].name ? p->pools[bf->pool].name : "?",
                               sched_op_label(p, v, nm, sizeof nm), p->pools[bf->pool].capacity);
            }
        }
        for (int j = s->prod_start[v]; j < s->prod_start[v + 1]; j++)
            if (--s->pending[s->prod_buf[j]] == 0)
                live[p->buffers[s->prod_buf[j]].pool] -= p->buffers[s->prod_buf[j]].bytes;
        for (int j = s->read_start[v]; j < s->read_start[v + 1]; j++)
            if (--s->pending[s->read_buf[j]] == 0)
                live[p->buffers[s->read_buf[j]].pool] -= p->buffers[s->read_buf[j]].bytes;
    }
    return NNP_OK;
}

/* Program order when the op indices are already topological (the order
 * the problem's author wrote), else Kahn's order. */
static void program_order(const lsched *s, int *order)
{
    int forward = 1;
    for (int i = 0; i < s->p->nedges && forward; i++)
        forward = s->p->edges[i].from < s->p->edges[i].to;
    for (int k = 0; k < s->n; k++)
        order[k] = forward ? k : s->topo[k];
}

/* The ordered-allocation pass with one fixed order. */
static int run_ordered(lsched *s, const int *order, nnp_err *e)
{
    s->nalloc = 0;
    for (int k = 0; k < s->n; k++) {
        s->rank[order[k]] = k;
        if (s->prod_start[order[k]] < s->prod_start[order[k] + 1])
            s->alloc_order[s->nalloc++] = order[k];
    }
    s->ordered = 1;
    int stuck, st = run(s, &stuck, e);
    if (!st && stuck)
        st = err_set(e, NNP_INTERNAL, "the ordered-allocation pass deadlocked (%s)",
                     s->r->deadlock);
    return st;
}

/* Keeps the schedule now in r when it is the first or shorter than best. */
static void keep_best(const lsched *s, list_result *best, int *have)
{
    const list_result *r = s->r;
    int64_t span = 0;
    for (int v = 0; v < s->n; v++)
        span = max64(span, r->start[v] + max64(s->p->ops[v].latency, sched_occupancy(s->p, v)));
    if (*have && span >= best->makespan)
        return;
    *have = 1;
    best->makespan = span;
    best->memory_waits = r->memory_waits;
    best->rescues = r->rescues;
    best->ordered = s->ordered;
    memcpy(best->start, r->start, (size_t)s->n * sizeof *r->start);
    memcpy(best->instance, r->instance, (size_t)s->n * sizeof *r->instance);
    memcpy(best->peak, r->peak, (size_t)s->p->npools * sizeof *r->peak);
}

/* Policy step 2: fixed orders - depth first, and program order - each
 * checked one op at a time, each run when it fits; the shorter schedule
 * wins, against the greedy one too when it completed (seeded: it is in
 * s->r). When none is at hand, the depth-first order's failure is
 * reported. */
static int ordered_pass(lsched *s, int seeded, nnp_err *e)
{
    list_result best = {0};
    int *order = xcalloc((size_t)s->n, sizeof *order);
    s->alloc_order = xcalloc((size_t)s->n, sizeof *s->alloc_order);
    best.start = xcalloc((size_t)s->n, sizeof *best.start);
    best.instance = xcalloc((size_t)s->n, sizeof *best.instance);
    best.peak = xcalloc((size_t)s->p->npools, sizeof *best.peak);
    int st = !order || !s->alloc_order || !best.start || !best.instance || !best.peak ? nomem(e)
                                                                                     : NNP_OK;
    int have = 0, first_st = NNP_OK;
    nnp_err first = {0};
    if (!st && seeded)
        keep_best(s, &best, &have);
    for (int kind = 0; kind < 2 && !st; kind++) {
        if (kind == 0)
            st = depth_first_order(s, order, e);
        else
            program_order(s, order);
        if (st)
            break;
        nnp_err why = {0};
        int fit = check_sequential(s, order, &why);
        if (fit && !first_st) {
            first_st = fit;
            first = why;
        }
        if (!fit && !(st = run_ordered(s, order, e)))
            keep_best(s, &best, &have);
    }
    if (!st && !have) {
        st = first_st;
        if (e)
            *e = first;
    }
    if (!st) {
        list_result *r = s->r;
        memcpy(r->start, best.start, (size_t)s->n * sizeof *r->start);
        memcpy(r->instance, best.instance, (size_t)s->n * sizeof *r->instance);
        memcpy(r->peak, best.peak, (size_t)s->p->npools * sizeof *r->peak);
        r->memory_waits = best.memory_waits;
        r->rescues = best.rescues;
        r->ordered = best.ordered;
    }
    free(order);
    free(best.start);
    free(best.instance);
    free(best.peak);
    return st;
}

/* ---- driver ---- */

static int setup(lsched *s, const sched_problem *p, list_result *r, nnp_err *e)
{
    size_t n = (size_t)p->nops, nb = (size_t)p->nbuffers;
    memset(s, 0, sizeof *s);
    s->p = p;
    s->r = r;
    s->n = p->nops;
    s->nres = p->nresources;
    if ((size_t)p->nops > INT32_MAX / EV_KINDS || (size_t)p->nbuffers > INT32_MAX / EV_KINDS)
        return err_set(e, NNP_LIMIT, "list scheduling handles at most %d ops and buffers",
                       INT32_MAX / EV_KINDS);
    int st = sched_adj_build(p, &s->a, e);
    if (st)
        return st;
    s->topo = xcalloc(n, sizeof *s->topo);
    s->height = xcalloc(n, sizeof *s->height);
    s->rank = xcalloc(n, sizeof *s->rank);
    s->npred = xcalloc(n, sizeof *s->npred);
    s->est = xcalloc(n, sizeof *s->est);
    s->waited = xcalloc(n, 1);
    s->started = xcalloc(n, 1);
    s->where = xcalloc(n, 1);
    s->live_in = xcalloc(n, sizeof *s->live_in);
    s->pending = xcalloc(nb, sizeof *s->pending);
    s->buf_end = xcalloc(nb, sizeof *s->buf_end);
    s->pool_free = xcalloc((size_t)p->npools, sizeof *s->pool_free);
    s->need = xcalloc((size_t)p->npools, sizeof *s->need);
    s->tmp = xcalloc((size_t)p->npools, sizeof *s->tmp);
    s->ready = xcalloc(2 * ((size_t)s->nres + 1), sizeof *s->ready);
    s->reserve = xcalloc((size_t)p->npools, sizeof *s->reserve);
    s->free_inst = xcalloc((size_t)s->nres + 1, sizeof *s->free_inst);
    r->nops = p->nops;
    r->npools = p->npools;
    r->start = xcalloc(n, sizeof *r->start);
    r->instance = xcalloc(n, sizeof *r->instance);
    r->peak = xcalloc((size_t)p->npools, sizeof *r->peak);
    if (!s->topo || !s->height || !s->rank || !s->npred || !s->est || !s->waited || !s->started ||
        !s->where || !s->live_in || !s->pending || !s->buf_end || !s->pool_free || !s->need ||
        !s->tmp || !s->ready || !s->reserve || !s->free_inst || !r->start || !r->instance ||
        !r->peak)
        return nomem(e);
    return NNP_OK;
}

static void teardown(lsched *s)
{
    sched_adj_free(&s->a);
    for (int r = 0; s->ready && r < 2 * (s->nres + 1); r++)
        heap_free(&s->ready[r]);
    for (int r = 0; s->free_inst && r <= s->nres; r++)
        heap_free(&s->free_inst[r]);
    heap_free(&s->events);
    free(s->ready);
    free(s->reserve);
    free(s->free_inst);
    free(s->topo);
    free(s->height);
    free(s->rank);
    free(s->prod_start);
    free(s->prod_buf);
    free(s->read_start);
    free(s->read_buf);
    free(s->npred);
    free(s->pending);
    free(s->est);
    free(s->buf_end);
    free(s->pool_free);
    free(s->need);
    free(s->tmp);
    free(s->waited);
    free(s->started);
    free(s->where);
    free(s->live_in);
    free(s->alloc_order);
}

/* Makespan and the resource bound, from the schedule. */
static int summarise(const lsched *s, nnp_err *e)
{
    const sched_problem *p = s->p;
    list_result *r = s->r;
    int64_t *busy = xcalloc((size_t)s->nres, sizeof *busy);
    if (!busy)
        return nomem(e);
    r->makespan = 0;
    for (int v = 0; v < s->n; v++) {
        int64_t occ = sched_occupancy(p, v);
        r->makespan = max64(r->makespan, r->start[v] + max64(p->ops[v].latency, occ));
        if (sched_is_limited(p, v))
            busy[p->ops[v].resource] += occ;
    }
    for (int q = 0; q < s->nres; q++)
        if (p->resources[q].instances != SCHED_UNLIMITED)
            r->resource_bound = max64(r->resource_bound, ceil_div(busy[q], p->resources[q].instances));
    free(busy);
    return NNP_OK;
}

int list_schedule(const sched_problem *p, list_result *r, nnp_err *e)
{
    lsched s;
    memset(r, 0, sizeof *r);
    int st = sched_check(p, e);
    if (!st)
        st = setup(&s, p, r, e);
    else
        memset(&s, 0, sizeof s);
    if (!st)
        st = order_ops(&s, e);
    if (!st)
        st = prioritise(&s, e);
    if (!st)
        st = index_buffers(&s, e);
    if (!st)
        st = check_fits(&s, e);
    int stuck = 0;
    if (!st)
        st = run(&s, &stuck, e);
    /* A stuck greedy pass leaves only the fixed orders; one that needed
     * rescues ran under memory pressure, where a fixed order may do better:
     * the shortest schedule wins. */
    if (!st && (stuck || r->rescues > 0))
        st = ordered_pass(&s, !stuck, e);
    if (!st)
        st = summarise(&s, e);
    teardown(&s);
    if (st)
        list_result_free(r);
    return st;
}

void list_result_free(list_result *r)
{
    if (!r)
        return;
    free(r->start);
    free(r->instance);
    free(r->peak);
    memset(r, 0, sizeof *r);
}
