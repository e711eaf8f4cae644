/* nnp_program over passes/program.h: lowering, and read-only views of
 * groups, tile loops, ops, buffers and dependences.
 *
 * The program borrows its graph and target, so it holds a reference on the
 * model and target handles (handles.h) and releases them when it is freed,
 * with its last reference (the caller's, or a schedule's).
 * Lowering only reads the model: its message goes into the new program,
 * never into the model, which is what lets several threads lower one
 * model at once. Public enums are filled from tables indexed by the
 * internal ones. */
#include <stdlib.h>
#include <string.h>

#include "handles.h"

static const nnp_group_kind group_kinds[GK_COUNT] = {
    [GK_CONV] = NNP_GROUP_CONV,       [GK_POOL] = NNP_GROUP_POOL,
    [GK_GLOBALPOOL] = NNP_GROUP_GLOBALPOOL, [GK_GEMM] = NNP_GROUP_GEMM,
    [GK_ELTWISE] = NNP_GROUP_ELTWISE, [GK_CONCAT] = NNP_GROUP_CONCAT,
    [GK_SOFTMAX] = NNP_GROUP_SOFTMAX, [GK_ALIAS] = NNP_GROUP_ALIAS,
    [GK_WHOLE] = NNP_GROUP_WHOLE,     [GK_TRANSPOSE] = NNP_GROUP_TRANSPOSE,
};

static const nnp_op_kind op_kinds[POP_KIND_COUNT] = {
    [POP_LOAD_INPUT] = NNP_OP_LOAD_INPUT, [POP_LOAD_WEIGHT] = NNP_OP_LOAD_WEIGHT,
    [POP_LOAD_BIAS] = NNP_OP_LOAD_BIAS,   [POP_LOAD_SKIP] = NNP_OP_LOAD_SKIP,
    [POP_COMPUTE] = NNP_OP_COMPUTE,       [POP_POOL] = NNP_OP_POOL,
    [POP_STORE] = NNP_OP_STORE,
};

static const nnp_dep_kind dep_kinds[] = {
    [DEP_DATA] = NNP_DEP_DATA, [DEP_ACC] = NNP_DEP_ACC, [DEP_WAR] = NNP_DEP_WAR,
};

static int fail(nnp_program *p, int rc)
{
    p->broken = 1;
    return rc;
}

/* Why m or t cannot be lowered, as a message in p; NNP_OK when they can. */
static int lowerable(nnp_program *p, nnp_model *m, nnp_target *t)
{
    if (!m || !t)
        return err_set(&p->err, NNP_MISUSE, "nnp_program_lower: the %s is NULL",
                       m ? "target" : "model");
    if (m->broken)
        return err_set(&p->err, NNP_MISUSE, "nnp_program_lower: the model failed to open: %s",
                       m->err.msg);
    if (t->broken)
        return err_set(&p->err, NNP_MISUSE, "nnp_program_lower: the target failed to open: %s",
                       t->err.msg);
    if (!m->checked)
        return err_set(&p->err, NNP_MISUSE,
                       "nnp_program_lower: model '%s' is not checked; call nnp_model_check first",
                       m->label);
    return NNP_OK;
}

int nnp_program_lower(nnp_model *m, nnp_target *t, nnp_program **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_program *p = *out = api_handle_new(sizeof *p);
    if (!p)
        return NNP_NOMEM;
    atomic_init(&p->refs, 1);
    int rc = lowerable(p, m, t);
    if (rc)
        return fail(p, rc);
    if ((rc = lower_program(m->g, t->t, &p->p, &p->err)))
        return fail(p, rc);
    api_model_retain(m);
    api_target_retain(t);
    p->m = m;
    p->t = t;
    return NNP_OK;
}

void api_program_retain(nnp_program *p)
{
    atomic_fetch_add(&p->refs, 1);
}

void api_program_release(nnp_program *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    program_free(p->p);
    api_model_release(p->m);
    api_target_release(p->t);
    free(p);
}

void nnp_program_close(nnp_program *p)
{
    api_program_release(p);
}

const char *nnp_program_errmsg(const nnp_program *p)
{
    return p ? api_errmsg(&p->err, 0) : api_errmsg(NULL, 1);
}

int nnp_program_errcode(const nnp_program *p)
{
    return p ? p->err.code : NNP_NOMEM;
}

int nnp_program_group_count(const nnp_program *p)
{
    return p && !p->broken ? p->p->ngroups : 0;
}

static int usable(nnp_program *p, const void *out)
{
    int rc = api_usable(p, p ? p->broken : 1);
    if (rc || out)
        return rc;
    return err_set(&p->err, NNP_MISUSE, "output pointer is NULL");
}

static int in_range(nnp_program *p, const char *what, int64_t k, int64_t n)
{
    if (k >= 0 && k < n)
        return NNP_OK;
    return err_set(&p->err, NNP_MISUSE, "%s index %lld out of range: there are %lld", what,
                   (long long)k, (long long)n);
}

/* The group g after the common checks, or NULL with the message set. */
static const prog_group *group_at(nnp_program *p, int g, const void *out, int *rc)
{
    if ((*rc = usable(p, out)) || (*rc = in_range(p, "group", g, p->p->ngroups)))
        return NULL;
    return &p->p->groups[g];
}

int nnp_program_describe(nnp_program *p, nnp_program_desc *out)
{
    int rc = usable(p, out);
    if (rc)
        return rc;
    const program *x = p->p;
    *out = (nnp_program_desc){x->ngroups,      x->macs,         x->est_cycles, x->seq_cycles,
                              x->bytes_loaded, x->bytes_stored, x->min_bytes};
    return NNP_OK;
}

/* The model tensor of program tensor t, or -1 for one lowering made. */
static int model_tensor(const program *x, int t)
{
    return t >= 0 && t < x->ntensors ? x->tensors[t].graph_tensor : -1;
}

int nnp_program_group(nnp_program *p, int g, nnp_group_desc *out)
{
    int rc;
    const prog_group *gr = group_at(p, g, out, &rc);
    if (!gr)
        return rc;
    const tiling_report *r = &gr->rep;
    memset(out, 0, sizeof *out);
    out->name = gr->name;
    out->kind = group_kinds[gr->kind];
    out->kind_name = group_kind_name(gr->kind);
    out->node_count = gr->nnodes;
    out->nodes = gr->nodes;
    out->output_tensor = model_tensor(p->p, gr->out_tensor);
    out->loop_count = gr->nloops;
    out->op_count = gr->nops;
    out->buffer_count = gr->nbufs;
    out->dep_count = gr->ndeps;
    out->tile_count = gr->ntiles;
    out->est_cycles = r->est_cycles;
    out->seq_cycles = r->seq_cycles;
    out->macs = r->macs;
    out->recompute_macs = r->recompute_macs;
    out->bytes_loaded = r->bytes_loaded;
    out->bytes_stored = r->bytes_stored;
    out->min_bytes = r->min_bytes;
    out->halo_bytes = r->halo_bytes;
    out->reload_bytes = r->reload_bytes;
    for (int k = 0; k < POOL_COUNT; k++)
        out->working_set[api_pool((mem_pool)k)] = r->working_set[k];
    out->candidates = r->considered;
    out->why = r->why;
    return NNP_OK;
}

int nnp_program_group_of_node(nnp_program *p, int node, int *group)
{
    int rc = usable(p, group);
    if (rc || (rc = in_range(p, "node", node, (int64_t)p->p->g->nnodes)))
        return rc;
    *group = p->p->group_of_node[node];
    return NNP_OK;
}

int nnp_program_tile_loop(nnp_program *p, int g, int k, nnp_tile_loop_desc *out)
{
    int rc;
    const prog_group *gr = group_at(p, g, out, &rc);
    if (!gr || (rc = in_range(p, "tile loop", k, gr->nloops)))
        return rc;
    int l = gr->order[k];
    const prog_loop *x = &gr->loops[l];
    *out = (nnp_tile_loop_desc){x->name, x->extent, x->tile, x->count, x->axis, l == gr->red};
    return NNP_OK;
}

int nnp_program_op(nnp_program *p, int g, int k, nnp_op_desc *out)
{
    int rc;
    const prog_group *gr = group_at(p, g, out, &rc);
    if (!gr || (rc = in_range(p, "op", k, gr->nops)))
        return rc;
    const prog_op *x = &gr->ops[k];
    const program *pr = p->p;
    memset(out, 0, sizeof *out);
    out->name = x->name;
    out->kind = op_kinds[x->kind];
    out->kind_name = pop_kind_name(x->kind);
    out->unit = x->unit;
    out->unit_name = pr->t->units[x->unit].name;
    out->tensor = x->tensor >= 0 ? pr->tensors[x->tensor].name : "";
    out->period = x->period;
    out->phase = x->phase;
    out->work = x->work;
    out->cycles = x->cycles;
    out->busy = x->busy;
    out->bytes = x->bytes;
    out->total_work = x->total_work;
    out->total_cycles = x->total_cycles;
    out->total_bytes = x->total_bytes;
    out->input_count = x->nin;
    out->inputs = x->in;
    out->output = x->out;
    return NNP_OK;
}

int nnp_program_op_tile(nnp_program *p, int g, int k, int64_t tile, nnp_op_tile_desc *out)
{
    int rc;
    const prog_group *gr = group_at(p, g, out, &rc);
    if (!gr || (rc = in_range(p, "op", k, gr->nops)) ||
        (rc = in_range(p, "tile", tile, gr->ntiles)))
        return rc;
    const prog_op *x = &gr->ops[k];
    memset(out, 0, sizeof *out);
    if (!(out->active = prog_op_active(x, tile)))
        return NNP_OK;
    out->work = prog_op_work_at(p->p, g, k, tile);
    out->macs = prog_op_macs_at(p->p, g, k, tile);
    out->bytes = prog_op_bytes_at(p->p, g, k, tile);
    out->cycles = prog_op_cycles_at(p->p, g, k, tile);
    return NNP_OK;
}

int nnp_program_buffer(nnp_program *p, int g, int k, nnp_buffer_desc *out)
{
    int rc;
    const prog_group *gr = group_at(p, g, out, &rc);
    if (!gr || (rc = in_range(p, "buffer", k, gr->nbufs)))
        return rc;
    const prog_buffer *x = &gr->bufs[k];
    memset(out, 0, sizeof *out);
    out->name = x->name;
    out->pool = api_pool(x->pool);
    out->pool_name = mem_pool_name(x->pool);
    out->rank = x->rank;
    if (x->rank > 0)
        memcpy(out->dims, x->dims, (size_t)x->rank * sizeof(int64_t));
    out->elems = x->elems;
    out->bytes = x->bytes;
    out->copies = x->copies;
    out->producer = x->producer;
    out->reader_count = x->nreaders;
    out->readers = x->readers;
    return NNP_OK;
}

int nnp_program_dep(nnp_program *p, int g, int k, nnp_dep_desc *out)
{
    int rc;
    const prog_group *gr = group_at(p, g, out, &rc);
    if (!gr || (rc = in_range(p, "dependence", k, gr->ndeps)))
        return rc;
    const prog_dep *x = &gr->deps[k];
    *out = (nnp_dep_desc){x->from, x->to, x->distance, x->latency, dep_kinds[x->kind], x->buffer};
    return NNP_OK;
}
