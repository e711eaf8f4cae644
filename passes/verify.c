/* Independent checks of a schedule, from the problem and the result arrays
 * alone.
 *
 * Nothing here is shared with the schedulers (no adjacency index, no
 * reservation table, no heap): each property is checked the plainest way
 * that is still O(n log n), so that a bug in a scheduler's data structures
 * cannot hide itself.
 *  - Edges: the inequality itself, edge by edge.
 *  - Capacity: a sweep over sorted start/end events per resource, counting
 *    ops in flight at every cycle (mod II for a loop, where a busy interval
 *    that wraps past II is split in two). Intervals are half-open: an op
 *    ending at cycle c frees its instance for one starting at c.
 *  - Instances: ops sorted by (resource, instance, start); neighbours on one
 *    instance must not overlap (for a loop, also the last with the first
 *    one cycle of II later).
 *  - Memory (list schedules): a sweep per pool over buffer lifetimes.
 * A failure returns NNP_INVALID with a message naming the edge, ops,
 * resource, instance, pool and cycle; when the schedule came from nnpipe's
 * own scheduler, that is a bug and the caller says so. */
#include "scheduler.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct event {
    int64_t time;
    int64_t delta; /* ops (capacity) or bytes (memory); ends sort before starts */
    int group;     /* resource or pool */
    int id;        /* op or buffer */
} event;

static int by_time(const void *pa, const void *pb)
{
    const event *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if ((a->delta < 0) != (b->delta < 0))
        return a->delta < 0 ? -1 : 1;
    return a->id - b->id;
}

static int64_t mod(int64_t t, int64_t ii)
{
    int64_t r = t % ii;
    return r < 0 ? r + ii : r;
}

static int check_edges(const sched_problem *p, int64_t ii, const int64_t *start, nnp_err *e)
{
    char a[128], b[128];
    for (int v = 0; v < p->nops; v++)
        if (start[v] < 0)
            return err_set(e, NNP_INVALID, "op %s starts at cycle %" PRId64 ", before 0",
                           sched_op_label(p, v, a, sizeof a), start[v]);
    for (int i = 0; i < p->nedges; i++) {
        const sched_edge *ed = &p->edges[i];
        if (ii == 0 && ed->distance != 0)
            return err_set(e, NNP_INVALID, "edge %d (%s -> %s) has distance %" PRId64
                           " in a list schedule", i, sched_op_label(p, ed->from, a, sizeof a),
                           sched_op_label(p, ed->to, b, sizeof b), ed->distance);
        int64_t need = start[ed->from] + p->ops[ed->from].latency + ed->delay;
        int64_t have = start[ed->to] + ed->distance * ii;
        if (have < need)
            return err_set(e, NNP_INVALID,
                           "edge %d (%s -> %s, delay %" PRId64 ", distance %" PRId64 ") violated: "
                           "%s starts at %" PRId64 " (+%" PRId64 " for the distance) but %s starts "
                           "at %" PRId64 " with latency %" PRId64 ", so the earliest is %" PRId64,
                           i, sched_op_label(p, ed->from, a, sizeof a),
                           sched_op_label(p, ed->to, b, sizeof b), ed->delay, ed->distance, b,
                           start[ed->to], ed->distance * ii, a, start[ed->from],
                           p->ops[ed->from].latency, need);
    }
    return NNP_OK;
}

static int limited(const sched_problem *p, int v)
{
    int r = p->ops[v].resource;
    return r >= 0 && p->resources[r].instances != SCHED_UNLIMITED;
}

static int64_t busy(const sched_problem *p, int v)
{
    const sched_op *o = &p->ops[v];
    return o->occupancy ? o->occupancy : p->resources[o->resource].blocking;
}

/* Names every op on resource r busy at cycle c (mod ii when ii > 0). */
static void ops_at(const sched_problem *p, int r, int64_t ii, const int64_t *start, int64_t c,
                   strbuf *b)
{
    char nm[128];
    int k = 0;
    for (int v = 0; v < p->nops && b->len < 400; v++) {
        if (p->ops[v].resource != r || !limited(p, v))
            continue;
        int64_t off = ii ? mod(c - start[v], ii) : c - start[v];
        if (off >= 0 && off < busy(p, v))
            sb_printf(b, "%s%s", k++ ? ", " : "", sched_op_label(p, v, nm, sizeof nm));
    }
}

/* Instances in range and no op longer than II on its instance. */
static int check_instances(const sched_problem *p, int64_t ii, const int *instance, nnp_err *e)
{
    char nm[128];
    for (int v = 0; v < p->nops; v++) {
        if (!limited(p, v))
            continue;
        const sched_resource *r = &p->resources[p->ops[v].resource];
        if (instance[v] < 0 || instance[v] >= r->instances)
            return err_set(e, NNP_INVALID, "op %s: instance %d of resource %s is out of range "
                           "(%d instances)", sched_op_label(p, v, nm, sizeof nm), instance[v],
                           r->name ? r->name : "?", r->instances);
        if (ii && busy(p, v) > ii)
            return err_set(e, NNP_INVALID, "op %s holds an instance of %s for %" PRId64
                           " cycles, longer than II=%" PRId64 ": it overlaps its own next iteration",
                           sched_op_label(p, v, nm, sizeof nm), r->name ? r->name : "?",
                           busy(p, v), ii);
    }
    return NNP_OK;
}

/* Start/end events of every limited op, split at II for a loop. */
static event *capacity_events(const sched_problem *p, int64_t ii, const int64_t *start, size_t *n)
{
    event *ev = xcalloc((size_t)p->nops * 4 + 1, sizeof *ev);
    *n = 0;
    if (!ev)
        return NULL;
    for (int v = 0; v < p->nops; v++) {
        if (!limited(p, v))
            continue;
        int r = p->ops[v].resource;
        int64_t a = ii ? mod(start[v], ii) : start[v], end = a + busy(p, v);
        if (ii && end > ii) {
            ev[(*n)++] = (event){a, 1, r, v};
            ev[(*n)++] = (event){ii, -1, r, v};
            ev[(*n)++] = (event){0, 1, r, v};
            end -= ii;
        } else {
            ev[(*n)++] = (event){a, 1, r, v};
        }
        ev[(*n)++] = (event){end, -1, r, v};
    }
    qsort(ev, *n, sizeof *ev, by_time);
    return ev;
}

static int check_capacity(const sched_problem *p, int64_t ii, const int64_t *start, nnp_err *e)
{
    size_t n;
    event *ev = capacity_events(p, ii, start, &n);
    if (!ev)
        return err_set(e, NNP_NOMEM, "out of memory verifying the schedule");
    int64_t count = 0;
    int st = NNP_OK;
    for (size_t i = 0; i < n && !st; i++) {
        if (i > 0 && ev[i].group != ev[i - 1].group)
            count = 0;
        count += ev[i].delta;
        const sched_resource *r = &p->resources[ev[i].group];
        if (count > r->instances) {
            strbuf b = {0};
            ops_at(p, ev[i].group, ii, start, ev[i].time, &b);
            st = err_set(e, NNP_INVALID, "resource %s: %" PRId64 " ops busy at cycle %" PRId64
                         "%s but it has %d instances (%s)", r->name ? r->name : "?", count,
                         ev[i].time, ii ? " mod II" : "", r->instances, b.s ? b.s : "");
            sb_free(&b);
        }
    }
    free(ev);
    return st;
}

/* Ops on limited resources sorted by resource, instance, start (mod II). */
typedef struct slot {
    int res, inst;
    int64_t at, len;
    int op;
} slot;

static int by_slot(const void *pa, const void *pb)
{
    const slot *a = pa, *b = pb;
    if (a->res != b->res)
        return a->res < b->res ? -1 : 1;
    if (a->inst != b->inst)
        return a->inst < b->inst ? -1 : 1;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->op - b->op;
}

static int overlap_error(const sched_problem *p, const slot *x, const slot *y, int64_t ii,
                         nnp_err *e)
{
    char a[128], b[128];
    const char *rn = p->resources[x->res].name;
    return err_set(e, NNP_INVALID, "instance %d of resource %s: op %s (cycles %" PRId64 "..%" PRId64
                   "%s) overlaps op %s (from cycle %" PRId64 ")", x->inst, rn ? rn : "?",
                   sched_op_label(p, x->op, a, sizeof a), x->at, x->at + x->len - 1,
                   ii ? " mod II" : "", sched_op_label(p, y->op, b, sizeof b), y->at);
}

static int check_exclusive(const sched_problem *p, int64_t ii, const int64_t *start,
                           const int *instance, nnp_err *e)
{
    slot *s = xcalloc((size_t)p->nops, sizeof *s);
    if (!s)
        return err_set(e, NNP_NOMEM, "out of memory verifying the schedule");
    size_t n = 0;
    for (int v = 0; v < p->nops; v++)
        if (limited(p, v))
            s[n++] = (slot){p->ops[v].resource, instance[v], ii ? mod(start[v], ii) : start[v],
                            busy(p, v), v};
    qsort(s, n, sizeof *s, by_slot);
    int st = NNP_OK;
    for (size_t i = 0; i < n && !st; i++) {
        size_t j = i + 1;
        int same = j < n && s[j].res == s[i].res && s[j].inst == s[i].inst;
        if (same && s[i].at + s[i].len > s[j].at)
            st = overlap_error(p, &s[i], &s[j], ii, e);
        if (!same && ii) { /* s[i] is the last on its instance: wrap to the first */
            size_t f = i;
            while (f > 0 && s[f - 1].res == s[i].res && s[f - 1].inst == s[i].inst)
                f--;
            if (f != i && s[i].at + s[i].len > s[f].at + ii)
                st = overlap_error(p, &s[i], &s[f], ii, e);
        }
    }
    free(s);
    return st;
}

int verify_modulo(const sched_problem *p, int64_t ii, const int64_t *start, const int *instance,
                  nnp_err *e)
{
    if (ii < 1)
        return err_set(e, NNP_INVALID, "II is %" PRId64 "; must be >= 1", ii);
    int st = check_edges(p, ii, start, e);
    if (!st)
        st = check_instances(p, ii, instance, e);
    if (!st)
        st = check_capacity(p, ii, start, e);
    if (!st)
        st = check_exclusive(p, ii, start, instance, e);
    return st;
}

/* Buffer lifetimes [start(producer), end of the last reader), or to the end
 * of the producer when nothing reads it. */
static event *memory_events(const sched_problem *p, const int64_t *start, size_t *n)
{
    event *ev = xcalloc((size_t)p->nbuffers * 2 + 1, sizeof *ev);
    *n = 0;
    if (!ev)
        return NULL;
    for (int i = 0; i < p->nbuffers; i++) {
        const sched_buffer *bf = &p->buffers[i];
        int64_t from = start[bf->producer], to = from;
        if (bf->nreaders == 0)
            to = from + p->ops[bf->producer].latency;
        for (int k = 0; k < bf->nreaders; k++)
            to = max64(to, start[bf->readers[k]] + p->ops[bf->readers[k]].latency);
        if (to == from || bf->bytes == 0)
            continue;
        ev[(*n)++] = (event){from, bf->bytes, bf->pool, i};
        ev[(*n)++] = (event){to, -bf->bytes, bf->pool, i};
    }
    qsort(ev, *n, sizeof *ev, by_time);
    return ev;
}

static int check_memory(const sched_problem *p, const int64_t *start, nnp_err *e)
{
    size_t n;
    event *ev = memory_events(p, start, &n);
    if (!ev)
        return err_set(e, NNP_NOMEM, "out of memory verifying the schedule");
    int64_t live = 0;
    int st = NNP_OK;
    for (size_t i = 0; i < n && !st; i++) {
        if (i > 0 && ev[i].group != ev[i - 1].group)
            live = 0;
        live += ev[i].delta;
        const sched_pool *pl = &p->pools[ev[i].group];
        if (live > pl->capacity) {
            const char *bn = p->buffers[ev[i].id].name;
            st = err_set(e, NNP_INVALID, "pool %s: %" PRId64 " bytes live at cycle %" PRId64
                         " when buffer %s is allocated, over its capacity of %" PRId64,
                         pl->name ? pl->name : "?", live, ev[i].time, bn ? bn : "?", pl->capacity);
        }
    }
    free(ev);
    return st;
}

int verify_list(const sched_problem *p, const int64_t *start, const int *instance, nnp_err *e)
{
    int st = check_edges(p, 0, start, e);
    if (!st)
        st = check_instances(p, 0, instance, e);
    if (!st)
        st = check_capacity(p, 0, start, e);
    if (!st)
        st = check_exclusive(p, 0, start, instance, e);
    if (!st)
        st = check_memory(p, start, e);
    return st;
}
