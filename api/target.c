/* nnp_target over passes/target.h: opening (file, memory, built-in) and
 * read-only queries. The public enums mirror the internal ones through
 * tables, so either side may reorder its values without the other
 * silently changing meaning. */
#include <string.h>

#include "handles.h"

static const nnp_unit_kind unit_kinds[UNIT_KIND_COUNT] = {
    [UNIT_DMA_IN] = NNP_UNIT_DMA_IN, [UNIT_DMA_OUT] = NNP_UNIT_DMA_OUT,
    [UNIT_DMA] = NNP_UNIT_DMA,       [UNIT_MAC] = NNP_UNIT_MAC,
    [UNIT_VECTOR] = NNP_UNIT_VECTOR, [UNIT_SCALAR] = NNP_UNIT_SCALAR,
};

static const nnp_pool pools[POOL_COUNT] = {
    [POOL_UNIFIED] = NNP_POOL_UNIFIED, [POOL_INPUT] = NNP_POOL_INPUT,
    [POOL_WEIGHT] = NNP_POOL_WEIGHT,   [POOL_OUTPUT] = NNP_POOL_OUTPUT,
};

_Static_assert((int)POOL_COUNT == (int)NNP_POOL_COUNT, "public and internal pools differ");

nnp_pool api_pool(mem_pool p)
{
    return pools[p];
}

static nnp_target *target_alloc(void)
{
    nnp_target *t = api_handle_new(sizeof *t);
    if (t)
        atomic_init(&t->refs, 1);
    return t;
}

static int finish(nnp_target *t, int rc)
{
    t->broken = rc != NNP_OK;
    return rc;
}

int nnp_target_open(const char *path, nnp_target **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_target *t = *out = target_alloc();
    if (!t)
        return NNP_NOMEM;
    if (!path)
        return finish(t, err_set(&t->err, NNP_MISUSE, "nnp_target_open: path is NULL"));
    return finish(t, target_load(path, &t->t, &t->err));
}

int nnp_target_open_buffer(const char *text, size_t len, const char *name, nnp_target **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_target *t = *out = target_alloc();
    if (!t)
        return NNP_NOMEM;
    if (!text && len)
        return finish(t, err_set(&t->err, NNP_MISUSE,
                                 "nnp_target_open_buffer: text is NULL but len is %zu", len));
    return finish(t, target_parse(text ? text : "", len, name ? name : "<memory>", &t->t, &t->err));
}

int nnp_target_default(nnp_target **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_target *t = *out = target_alloc();
    if (!t)
        return NNP_NOMEM;
    return finish(t, target_default(&t->t, &t->err));
}

void nnp_target_close(nnp_target *t)
{
    api_target_release(t);
}

const char *nnp_target_errmsg(const nnp_target *t)
{
    return t ? api_errmsg(&t->err, 0) : api_errmsg(NULL, 1);
}

int nnp_target_errcode(const nnp_target *t)
{
    return t ? t->err.code : NNP_NOMEM;
}

static int usable(nnp_target *t, const void *out)
{
    int rc = api_usable(t, t ? t->broken : 1);
    if (rc || out)
        return rc;
    return err_set(&t->err, NNP_MISUSE, "output pointer is NULL");
}

int nnp_target_describe(nnp_target *t, nnp_target_desc *out)
{
    int rc = usable(t, out);
    if (rc)
        return rc;
    const target *x = t->t;
    memset(out, 0, sizeof *out);
    out->name = x->name;
    out->description = x->description ? x->description : "";
    out->clock_mhz = x->clock_mhz;
    out->unit_count = x->nunits;
    out->mem_bytes = x->mem_bytes;
    out->separate_pools = x->separate;
    out->pool_bytes[pools[POOL_UNIFIED]] = x->mem_bytes;
    for (int p = POOL_INPUT; x->separate && p < POOL_COUNT; p++)
        out->pool_bytes[pools[p]] = x->pool_bytes[p];
    out->align = x->align;
    return NNP_OK;
}

static int unit_index(nnp_target *t, int u)
{
    if (u >= 0 && u < t->t->nunits)
        return NNP_OK;
    return err_set(&t->err, NNP_MISUSE, "unit index %d out of range: target '%s' has %d units", u,
                   t->t->name, t->t->nunits);
}

int nnp_target_unit(nnp_target *t, int u, nnp_unit_desc *out)
{
    int rc = usable(t, out);
    if (rc || (rc = unit_index(t, u)))
        return rc;
    const target_unit *x = &t->t->units[u];
    *out = (nnp_unit_desc){x->name, unit_kinds[x->kind], unit_kind_name(x->kind), x->count,
                           x->throughput, x->latency, x->pipelined};
    return NNP_OK;
}

int nnp_target_unit_cycles(nnp_target *t, int u, int64_t work, int64_t *cycles)
{
    int rc = usable(t, cycles);
    if (rc || (rc = unit_index(t, u)))
        return rc;
    if (work < 0)
        return err_set(&t->err, NNP_MISUSE, "nnp_target_unit_cycles: work %lld is negative",
                       (long long)work);
    *cycles = unit_cycles(&t->t->units[u], work);
    return NNP_OK;
}
