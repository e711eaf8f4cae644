/* Building, checking and freeing scheduling problems.
 *
 * Builders only append: they copy what they are given and never judge it, so
 * a frontend can report its own field-level errors first and a program can
 * build a problem without thinking about order. sched_check then validates
 * everything once, before any scheduler touches the arrays, and sums every
 * cycle count so that no later computation can overflow (SCHED_MAX_CYCLES). */
#include "scheduler.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends one zeroed element to an array of n elements; returns its index or
 * -1. The counts are ints, so the array stops at INT32_MAX elements. */
static int append(void **arr, int *n, size_t *cap, size_t size)
{
    if (*n == INT32_MAX || grow(arr, cap, (size_t)*n + 1, size))
        return -1;
    memset((char *)*arr + (size_t)*n * size, 0, size);
    return (*n)++;
}

/* Copies a name; NULL stays NULL. Returns 0, or -1 when memory runs out. */
static int copy_name(const char *name, char **out)
{
    *out = NULL;
    if (!name)
        return 0;
    *out = xstrdup(name);
    return *out ? 0 : -1;
}

int sched_add_resource(sched_problem *p, const char *name, int instances, int64_t blocking)
{
    char *nm;
    if (copy_name(name, &nm))
        return -1;
    int i = append((void **)&p->resources, &p->nresources, &p->cap_resources, sizeof *p->resources);
    if (i < 0) {
        free(nm);
        return -1;
    }
    p->resources[i] = (sched_resource){nm, instances, blocking};
    return i;
}

int sched_add_op(sched_problem *p, const char *name, int resource, int64_t latency,
                 int64_t occupancy)
{
    char *nm;
    if (copy_name(name, &nm))
        return -1;
    int i = append((void **)&p->ops, &p->nops, &p->cap_ops, sizeof *p->ops);
    if (i < 0) {
        free(nm);
        return -1;
    }
    p->ops[i] = (sched_op){nm, resource, latency, occupancy};
    return i;
}

int sched_add_edge(sched_problem *p, int from, int to, int64_t delay, int64_t distance)
{
    int i = append((void **)&p->edges, &p->nedges, &p->cap_edges, sizeof *p->edges);
    if (i >= 0)
        p->edges[i] = (sched_edge){from, to, delay, distance};
    return i;
}

int sched_add_pool(sched_problem *p, const char *name, int64_t capacity)
{
    char *nm;
    if (copy_name(name, &nm))
        return -1;
    int i = append((void **)&p->pools, &p->npools, &p->cap_pools, sizeof *p->pools);
    if (i < 0) {
        free(nm);
        return -1;
    }
    p->pools[i] = (sched_pool){nm, capacity};
    return i;
}

int sched_add_buffer(sched_problem *p, const char *name, int pool, int64_t bytes, int producer,
                     const int *readers, int nreaders)
{
    if (nreaders < 0)
        nreaders = 0;
    char *nm;
    if (copy_name(name, &nm))
        return -1;
    int *rd = xcalloc((size_t)nreaders, sizeof *rd);
    if (!rd) {
        free(nm);
        return -1;
    }
    if (nreaders)
        memcpy(rd, readers, (size_t)nreaders * sizeof *rd);
    int i = append((void **)&p->buffers, &p->nbuffers, &p->cap_buffers, sizeof *p->buffers);
    if (i < 0) {
        free(nm);
        free(rd);
        return -1;
    }
    p->buffers[i] = (sched_buffer){nm, pool, bytes, producer, rd, nreaders};
    return i;
}

void sched_problem_free(sched_problem *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nresources; i++)
        free(p->resources[i].name);
    for (int i = 0; i < p->nops; i++)
        free(p->ops[i].name);
    for (int i = 0; i < p->npools; i++)
        free(p->pools[i].name);
    for (int i = 0; i < p->nbuffers; i++) {
        free(p->buffers[i].name);
        free(p->buffers[i].readers);
    }
    free(p->resources);
    free(p->ops);
    free(p->edges);
    free(p->pools);
    free(p->buffers);
    memset(p, 0, sizeof *p);
}

const char *sched_op_label(const sched_problem *p, int op, char *buf, size_t len)
{
    if (op >= 0 && op < p->nops && p->ops[op].name)
        snprintf(buf, len, "%s", p->ops[op].name);
    else
        snprintf(buf, len, "#%d", op);
    return buf;
}

int64_t sched_occupancy(const sched_problem *p, int op)
{
    const sched_op *o = &p->ops[op];
    if (o->resource < 0)
        return 0;
    return o->occupancy ? o->occupancy : p->resources[o->resource].blocking;
}

int sched_is_limited(const sched_problem *p, int op)
{
    int r = p->ops[op].resource;
    return r >= 0 && p->resources[r].instances != SCHED_UNLIMITED;
}

int64_t sched_edge_weight(const sched_problem *p, int i)
{
    const sched_edge *ed = &p->edges[i];
    return p->ops[ed->from].latency + ed->delay;
}

/* Adds a non-negative cycle count to the running total; fails past the limit. */
static int add_cycles(int64_t *total, int64_t v)
{
    return v < 0 || size_add(*total, v, total) || *total > SCHED_MAX_CYCLES;
}

static int check_resources(const sched_problem *p, int64_t *total, nnp_err *e)
{
    for (int i = 0; i < p->nresources; i++) {
        const sched_resource *r = &p->resources[i];
        const char *nm = r->name ? r->name : "(unnamed)";
        if (r->instances < 1 && r->instances != SCHED_UNLIMITED)
            return err_set(e, NNP_INVALID,
                           "resource %d (%s): instances is %d; must be >= 1, or -1 for unlimited",
                           i, nm, r->instances);
        if (r->blocking < 1)
            return err_set(e, NNP_INVALID, "resource %d (%s): blocking is %" PRId64 "; must be >= 1",
                           i, nm, r->blocking);
        if (add_cycles(total, r->blocking))
            return err_set(e, NNP_LIMIT, "resource %d (%s): cycle counts exceed 2^40 in total", i,
                           nm);
    }
    return NNP_OK;
}

static int check_ops(const sched_problem *p, int64_t *total, nnp_err *e)
{
    char b[128];
    for (int i = 0; i < p->nops; i++) {
        const sched_op *o = &p->ops[i];
        sched_op_label(p, i, b, sizeof b);
        if (o->resource != SCHED_NONE && (o->resource < 0 || o->resource >= p->nresources))
            return err_set(e, NNP_INVALID, "op %s: resource index %d is out of range (%d resources)",
                           b, o->resource, p->nresources);
        if (o->latency < 0)
            return err_set(e, NNP_INVALID, "op %s: latency is %" PRId64 "; must be >= 0", b,
                           o->latency);
        if (o->occupancy < 0)
            return err_set(e, NNP_INVALID, "op %s: occupancy is %" PRId64 "; must be >= 0", b,
                           o->occupancy);
        if (add_cycles(total, o->latency) || add_cycles(total, o->occupancy))
            return err_set(e, NNP_LIMIT, "op %s: cycle counts exceed 2^40 in total", b);
    }
    return NNP_OK;
}

static int check_edges(const sched_problem *p, int64_t *total, nnp_err *e)
{
    for (int i = 0; i < p->nedges; i++) {
        const sched_edge *ed = &p->edges[i];
        if (ed->from < 0 || ed->from >= p->nops || ed->to < 0 || ed->to >= p->nops)
            return err_set(e, NNP_INVALID, "edge %d: op index out of range (%d -> %d, %d ops)", i,
                           ed->from, ed->to, p->nops);
        char a[128], b[128];
        sched_op_label(p, ed->from, a, sizeof a);
        sched_op_label(p, ed->to, b, sizeof b);
        if (ed->distance < 0 || ed->distance > SCHED_MAX_DISTANCE)
            return err_set(e, ed->distance < 0 ? NNP_INVALID : NNP_LIMIT,
                           "edge %d (%s -> %s): distance is %" PRId64 "; must be in [0, %" PRId64 "]",
                           i, a, b, ed->distance, SCHED_MAX_DISTANCE);
        if (ed->delay < -SCHED_MAX_CYCLES || ed->delay > SCHED_MAX_CYCLES ||
            add_cycles(total, ed->delay < 0 ? -ed->delay : ed->delay))
            return err_set(e, NNP_LIMIT, "edge %d (%s -> %s): cycle counts exceed 2^40 in total", i,
                           a, b);
    }
    return NNP_OK;
}

static int check_buffers(const sched_problem *p, nnp_err *e)
{
    for (int i = 0; i < p->npools; i++)
        if (p->pools[i].capacity < 0)
            return err_set(e, NNP_INVALID, "pool %d (%s): capacity is %" PRId64 "; must be >= 0", i,
                           p->pools[i].name ? p->pools[i].name : "(unnamed)", p->pools[i].capacity);
    for (int i = 0; i < p->nbuffers; i++) {
        const sched_buffer *bf = &p->buffers[i];
        const char *nm = bf->name ? bf->name : "(unnamed)";
        if (bf->pool < 0 || bf->pool >= p->npools)
            return err_set(e, NNP_INVALID, "buffer %d (%s): pool index %d is out of range (%d pools)",
                           i, nm, bf->pool, p->npools);
        if (bf->bytes < 0)
            return err_set(e, NNP_INVALID, "buffer %d (%s): bytes is %" PRId64 "; must be >= 0", i,
                           nm, bf->bytes);
        if (bf->producer < 0 || bf->producer >= p->nops)
            return err_set(e, NNP_INVALID, "buffer %d (%s): producer index %d is out of range", i,
                           nm, bf->producer);
        for (int k = 0; k < bf->nreaders; k++)
            if (bf->readers[k] < 0 || bf->readers[k] >= p->nops)
                return err_set(e, NNP_INVALID, "buffer %d (%s): reader %d has index %d, out of range",
                               i, nm, k, bf->readers[k]);
    }
    return NNP_OK;
}

int sched_check(const sched_problem *p, nnp_err *e)
{
    int64_t total = 0;
    int st = check_resources(p, &total, e);
    if (!st)
        st = check_ops(p, &total, e);
    if (!st)
        st = check_edges(p, &total, e);
    if (!st)
        st = check_buffers(p, e);
    return st;
}
