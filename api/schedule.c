/* nnp_schedule over passes/plan.h: scheduling a program with one of the
 * three schedulers, the independent check, and read-only views of the
 * statistics, the op instances and (for modulo schedules) each group's
 * loop. Emitting text from a schedule is emit.c.
 *
 * Like lowering, scheduling only reads the program, and its message goes
 * into the new schedule; the schedule holds a reference on the program. */
#include <stdlib.h>
#include <string.h>

#include "handles.h"

static const plan_kind plan_kinds[] = {
    [NNP_SCHEDULER_SEQUENTIAL] = PLAN_SEQUENTIAL,
    [NNP_SCHEDULER_LIST] = PLAN_LIST,
    [NNP_SCHEDULER_MODULO] = PLAN_MODULO,
};

static const nnp_scheduler schedulers[PLAN_KIND_COUNT] = {
    [PLAN_SEQUENTIAL] = NNP_SCHEDULER_SEQUENTIAL,
    [PLAN_LIST] = NNP_SCHEDULER_LIST,
    [PLAN_MODULO] = NNP_SCHEDULER_MODULO,
};

static const nnp_optimality optimalities[SCHED_OPT_COUNT] = {
    [SCHED_OPT_AT_MII] = NNP_OPT_AT_MII, [SCHED_OPT_PROVEN] = NNP_OPT_PROVEN,
    [SCHED_OPT_BUDGET] = NNP_OPT_BUDGET, [SCHED_OPT_TOO_LARGE] = NNP_OPT_TOO_LARGE,
};

void nnp_schedule_options_init(nnp_schedule_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->scheduler = NNP_SCHEDULER_MODULO;
    nnp_modulo_options_init(&o->modulo);
    o->overlap_loops = 1;
    o->verify = 1;
}

/* The internal options for o, or a message in s->err. */
static int plan_opts(nnp_schedule *s, const nnp_schedule_options *o, plan_options *po, int *verify)
{
    plan_options_default(po);
    *verify = 1;
    if (!o)
        return NNP_OK;
    const nnp_modulo_options *m = &o->modulo;
    if ((unsigned)o->scheduler > NNP_SCHEDULER_MODULO)
        return err_set(&s->err, NNP_MISUSE, "nnp_schedule_new: unknown scheduler %d",
                       (int)o->scheduler);
    if (m->exact_limit < 0 || m->budget_ratio < 0 || m->exact_budget < 0)
        return err_set(&s->err, NNP_MISUSE, "nnp_schedule_new: negative modulo option "
                       "(exact_limit %d, budget_ratio %lld, exact_budget %lld)",
                       m->exact_limit, (long long)m->budget_ratio, (long long)m->exact_budget);
    po->kind = plan_kinds[o->scheduler];
    po->modulo = (modulo_options){m->exact_limit, m->budget_ratio, m->exact_budget};
    po->overlap_loops = o->overlap_loops != 0;
    *verify = o->verify != 0;
    return NNP_OK;
}

static int fail(nnp_schedule *s, int rc)
{
    s->broken = 1;
    return rc;
}

int nnp_schedule_new(nnp_program *p, const nnp_schedule_options *opt, nnp_schedule **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_schedule *s = *out = api_handle_new(sizeof *s);
    if (!s)
        return NNP_NOMEM;
    if (!p)
        return fail(s, err_set(&s->err, NNP_MISUSE, "nnp_schedule_new: the program is NULL"));
    if (p->broken)
        return fail(s, err_set(&s->err, NNP_MISUSE,
                               "nnp_schedule_new: the program failed to lower: %s", p->err.msg));
    int verify, rc = plan_opts(s, opt, &s->po, &verify);
    if (rc || (rc = plan_build(p->p, &s->po, &s->pl, &s->err)))
        return fail(s, rc);
    if (verify && (rc = plan_verify(s->pl, &s->err))) {
        plan_free(s->pl);
        s->pl = NULL;
        return fail(s, rc);
    }
    s->verified = verify;
    api_program_retain(p);
    s->p = p;
    return NNP_OK;
}

void nnp_schedule_close(nnp_schedule *s)
{
    if (!s)
        return;
    plan_free(s->pl);
    api_program_release(s->p);
    free(s);
}

const char *nnp_schedule_errmsg(const nnp_schedule *s)
{
    return s ? api_errmsg(&s->err, 0) : api_errmsg(NULL, 1);
}

int nnp_schedule_errcode(const nnp_schedule *s)
{
    return s ? s->err.code : NNP_NOMEM;
}

int api_schedule_usable(nnp_schedule *s, const void *out)
{
    int rc = api_usable(s, s ? s->broken : 1);
    if (rc || out)
        return rc;
    return err_set(&s->err, NNP_MISUSE, "output pointer is NULL");
}

static int in_range(nnp_schedule *s, const char *what, int64_t k, int64_t n)
{
    if (k >= 0 && k < n)
        return NNP_OK;
    return err_set(&s->err, NNP_MISUSE, "%s index %lld out of range: there are %lld", what,
                   (long long)k, (long long)n);
}

int nnp_schedule_describe(nnp_schedule *s, nnp_schedule_desc *out)
{
    int rc = api_schedule_usable(s, out);
    if (rc)
        return rc;
    const plan_stats *st = &s->pl->stats;
    memset(out, 0, sizeof *out);
    out->scheduler = schedulers[s->pl->kind];
    out->verified = s->verified;
    out->instance_count = s->pl->ninsts;
    out->makespan = st->makespan;
    out->sequential = st->sequential;
    out->critical_path = st->critical_path;
    out->unit_bound = st->unit_bound;
    out->lower_bound = st->lower_bound;
    out->roofline_bound = st->roofline_bound;
    out->speedup = st->speedup;
    out->efficiency = st->efficiency;
    for (int k = 0; k < POOL_COUNT; k++)
        out->peak[api_pool((mem_pool)k)] = st->peak[k];
    out->seconds = s->pl->seconds;
    return NNP_OK;
}

int nnp_schedule_unit_busy(nnp_schedule *s, int u, int64_t *busy, double *utilization)
{
    int rc = api_schedule_usable(s, busy && utilization ? busy : NULL);
    if (rc || (rc = in_range(s, "unit", u, s->p->p->t->nunits)))
        return rc;
    *busy = s->pl->stats.unit_busy[u];
    *utilization = s->pl->stats.utilization[u];
    return NNP_OK;
}

int nnp_schedule_instance(nnp_schedule *s, int64_t k, nnp_instance_desc *out)
{
    int rc = api_schedule_usable(s, out);
    if (rc || (rc = in_range(s, "instance", k, s->pl->ninsts)))
        return rc;
    const plan_inst *x = &s->pl->insts[k];
    *out = (nnp_instance_desc){x->group, x->op,  x->tile, x->unit, x->instance,
                               x->start, x->end, x->busy, x->stage};
    return NNP_OK;
}

/* Group g's modulo loop, or NULL with the message set. */
static const plan_loop *loop_at(nnp_schedule *s, int g, const void *out, int *rc)
{
    if ((*rc = api_schedule_usable(s, out)))
        return NULL;
    if (s->pl->kind != PLAN_MODULO || !s->pl->loops) {
        *rc = err_set(&s->err, NNP_MISUSE, "a %s schedule has no modulo loops",
                      plan_kind_name(s->pl->kind));
        return NULL;
    }
    if ((*rc = in_range(s, "group", g, s->pl->nloops)))
        return NULL;
    return &s->pl->loops[g];
}

int nnp_schedule_loop(nnp_schedule *s, int g, nnp_group_loop_desc *out)
{
    int rc;
    const plan_loop *l = loop_at(s, g, out, &rc);
    if (!l)
        return rc;
    memset(out, 0, sizeof *out);
    out->trips = l->trips;
    out->ii = l->ii;
    out->res_mii = l->res_mii;
    out->rec_mii = l->rec_mii;
    out->mii = l->mii;
    out->stage_count = l->stage_count;
    out->length = l->length;
    out->optimality = optimalities[l->optimality];
    out->optimal = l->optimality == SCHED_OPT_AT_MII || l->optimality == SCHED_OPT_PROVEN;
    out->ii_unbounded = l->ii_unbounded;
    for (int k = 0; k < POOL_COUNT; k++)
        out->working_set[api_pool((mem_pool)k)] = l->working_set[k];
    out->start = l->start;
    out->end = l->end;
    out->why = l->why;
    return NNP_OK;
}

int nnp_schedule_loop_op(nnp_schedule *s, int g, int k, int64_t *offset, int64_t *stage,
                         int *in_loop)
{
    int rc;
    const plan_loop *l = loop_at(s, g, "", &rc);
    if (!l || (rc = in_range(s, "op", k, s->p->p->groups[g].nops)))
        return rc;
    if (l->trips == 0)
        return err_set(&s->err, NNP_MISUSE, "group %d has no loop (an alias group)", g);
    if (offset)
        *offset = l->offset[k];
    if (stage)
        *stage = l->ii > 0 ? l->offset[k] / l->ii : 0;
    if (in_loop)
        *in_loop = l->in_loop[k];
    return NNP_OK;
}

int nnp_schedule_loop_copies(nnp_schedule *s, int g, int k, int *copies)
{
    int rc;
    const plan_loop *l = loop_at(s, g, copies, &rc);
    if (!l || (rc = in_range(s, "buffer", k, s->p->p->groups[g].nbufs)))
        return rc;
    *copies = l->copies[k];
    return NNP_OK;
}
