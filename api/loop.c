/* nnp_loop, the problem side: creating a loop (empty or from loop JSON),
 * adding resources, ops, edges and memory, and reading them back. It is a
 * thin shell over passes/scheduler.h's sched_problem; values are checked by
 * sched_check when a scheduler runs, so messages come from one place
 * whichever way the problem was built. The schedule side is
 * loop_schedule.c. */
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "loop_json.h"

_Static_assert((int)NNP_UNLIMITED == (int)SCHED_UNLIMITED &&
                   (int)NNP_NO_RESOURCE == (int)SCHED_NONE,
               "the public markers are the scheduler's");

static nnp_loop *loop_alloc(void)
{
    return api_handle_new(sizeof(nnp_loop));
}

static int fail(nnp_loop *l, int rc)
{
    l->broken = 1;
    return rc;
}

int nnp_loop_new(nnp_loop **out)
{
    if (!out)
        return NNP_MISUSE;
    *out = loop_alloc();
    return *out ? NNP_OK : NNP_NOMEM;
}

int nnp_loop_open(const char *path, nnp_loop **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_loop *l = *out = loop_alloc();
    if (!l)
        return NNP_NOMEM;
    if (!path)
        return fail(l, err_set(&l->err, NNP_MISUSE, "nnp_loop_open: path is NULL"));
    int rc = loop_json_read(path, &l->p, &l->err);
    return rc ? fail(l, rc) : NNP_OK;
}

int nnp_loop_open_buffer(const char *text, size_t len, const char *name, nnp_loop **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_loop *l = *out = loop_alloc();
    if (!l)
        return NNP_NOMEM;
    if (!text && len)
        return fail(l, err_set(&l->err, NNP_MISUSE,
                               "nnp_loop_open_buffer: text is NULL but len is %zu", len));
    int rc = loop_json_parse(text ? text : "", len, name ? name : "<memory>", &l->p, &l->err);
    return rc ? fail(l, rc) : NNP_OK;
}

void api_loop_forget(nnp_loop *l)
{
    modulo_result_free(&l->mr);
    list_result_free(&l->lr);
    l->have = LOOP_NONE;
}

void nnp_loop_close(nnp_loop *l)
{
    if (!l)
        return;
    api_loop_forget(l);
    sched_problem_free(&l->p);
    free(l);
}

const char *nnp_loop_errmsg(const nnp_loop *l)
{
    return l ? api_errmsg(&l->err, 0) : api_errmsg(NULL, 1);
}

int nnp_loop_errcode(const nnp_loop *l)
{
    return l ? l->err.code : NNP_NOMEM;
}

/* ---- Building ---- */

/* Every add: a usable loop, whose schedule the change makes stale. */
static int changing(nnp_loop *l)
{
    int rc = api_usable(l, l ? l->broken : 1);
    if (!rc)
        api_loop_forget(l);
    return rc;
}

/* sched_add_* return the new index, or -1 when memory ran out. */
static int added(nnp_loop *l, int k, const char *what, int *index)
{
    if (k < 0)
        return err_set(&l->err, NNP_NOMEM, "out of memory adding a %s", what);
    if (index)
        *index = k;
    return NNP_OK;
}

int nnp_loop_add_resource(nnp_loop *l, const char *name, int instances, int64_t blocking,
                          int *index)
{
    int rc = changing(l);
    return rc ? rc
              : added(l, sched_add_resource(&l->p, name, instances, blocking), "resource", index);
}

int nnp_loop_add_op(nnp_loop *l, const char *name, int resource, int64_t latency,
                    int64_t occupancy, int *index)
{
    int rc = changing(l);
    return rc ? rc : added(l, sched_add_op(&l->p, name, resource, latency, occupancy), "op", index);
}

int nnp_loop_add_edge(nnp_loop *l, int from, int to, int64_t delay, int64_t distance, int *index)
{
    int rc = changing(l);
    return rc ? rc : added(l, sched_add_edge(&l->p, from, to, delay, distance), "edge", index);
}

int nnp_loop_add_pool(nnp_loop *l, const char *name, int64_t capacity, int *index)
{
    int rc = changing(l);
    return rc ? rc : added(l, sched_add_pool(&l->p, name, capacity), "pool", index);
}

int nnp_loop_add_buffer(nnp_loop *l, const char *name, int pool, int64_t bytes, int producer,
                        const int *readers, int nreaders, int *index)
{
    int rc = changing(l);
    if (rc)
        return rc;
    if (nreaders < 0 || (nreaders > 0 && !readers))
        return err_set(&l->err, NNP_MISUSE, "nnp_loop_add_buffer: NULL readers or negative count");
    return added(l, sched_add_buffer(&l->p, name, pool, bytes, producer, readers, nreaders),
                 "buffer", index);
}

/* ---- The problem ---- */

int nnp_loop_resource_count(const nnp_loop *l)
{
    return l && !l->broken ? l->p.nresources : 0;
}

int nnp_loop_op_count(const nnp_loop *l)
{
    return l && !l->broken ? l->p.nops : 0;
}

int nnp_loop_edge_count(const nnp_loop *l)
{
    return l && !l->broken ? l->p.nedges : 0;
}

int api_loop_usable(nnp_loop *l, const void *out)
{
    int rc = api_usable(l, l ? l->broken : 1);
    if (rc || out)
        return rc;
    return err_set(&l->err, NNP_MISUSE, "output pointer is NULL");
}

int api_loop_index(nnp_loop *l, const char *what, int64_t k, int64_t n)
{
    if (k >= 0 && k < n)
        return NNP_OK;
    return err_set(&l->err, NNP_MISUSE, "%s index %lld out of range: the loop has %lld", what,
                   (long long)k, (long long)n);
}

int nnp_loop_find_op(nnp_loop *l, const char *name, int *op)
{
    int rc = api_loop_usable(l, op);
    if (rc)
        return rc;
    if (!name)
        return err_set(&l->err, NNP_MISUSE, "nnp_loop_find_op: name is NULL");
    for (int k = 0; k < l->p.nops; k++)
        if (l->p.ops[k].name && !strcmp(l->p.ops[k].name, name)) {
            *op = k;
            return NNP_OK;
        }
    return err_set(&l->err, NNP_INVALID, "the loop has no op named '%s'", name);
}

int nnp_loop_find_resource(nnp_loop *l, const char *name, int *resource)
{
    int rc = api_loop_usable(l, resource);
    if (rc)
        return rc;
    if (!name)
        return err_set(&l->err, NNP_MISUSE, "nnp_loop_find_resource: name is NULL");
    for (int k = 0; k < l->p.nresources; k++)
        if (l->p.resources[k].name && !strcmp(l->p.resources[k].name, name)) {
            *resource = k;
            return NNP_OK;
        }
    return err_set(&l->err, NNP_INVALID, "the loop has no resource named '%s'", name);
}

int nnp_loop_resource(nnp_loop *l, int k, nnp_resource_desc *out)
{
    int rc = api_loop_usable(l, out);
    if (rc || (rc = api_loop_index(l, "resource", k, l->p.nresources)))
        return rc;
    const sched_resource *r = &l->p.resources[k];
    *out = (nnp_resource_desc){r->name, r->instances, r->blocking};
    return NNP_OK;
}

int nnp_loop_op(nnp_loop *l, int k, nnp_loop_op_desc *out)
{
    int rc = api_loop_usable(l, out);
    if (rc || (rc = api_loop_index(l, "op", k, l->p.nops)))
        return rc;
    const sched_op *o = &l->p.ops[k];
    *out = (nnp_loop_op_desc){o->name, o->resource, o->latency, o->occupancy};
    return NNP_OK;
}

int nnp_loop_edge(nnp_loop *l, int k, nnp_edge_desc *out)
{
    int rc = api_loop_usable(l, out);
    if (rc || (rc = api_loop_index(l, "edge", k, l->p.nedges)))
        return rc;
    const sched_edge *e = &l->p.edges[k];
    *out = (nnp_edge_desc){e->from, e->to, e->delay, e->distance};
    return NNP_OK;
}
