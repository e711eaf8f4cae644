/* nnp_loop, the schedule side: running the modulo or list scheduler,
 * reading the result (II and its bounds, start times, stages, instances,
 * the reservation table, the attempts that explain II) and checking
 * schedules with the independent verifier.
 *
 * The loop keeps the last schedule as the scheduler returned it
 * (modulo_result or list_result); every view is computed from it on
 * demand. The reservation table in particular is not stored: II can be
 * large while the ops are few, so a cell is found by asking which op on
 * that instance covers the row. */
#include <string.h>

#include "handles.h"

static const nnp_optimality optimalities[SCHED_OPT_COUNT] = {
    [SCHED_OPT_AT_MII] = NNP_OPT_AT_MII, [SCHED_OPT_PROVEN] = NNP_OPT_PROVEN,
    [SCHED_OPT_BUDGET] = NNP_OPT_BUDGET, [SCHED_OPT_TOO_LARGE] = NNP_OPT_TOO_LARGE,
};

static const nnp_attempt_outcome outcomes[SCHED_OUTCOME_COUNT] = {
    [SCHED_FOUND] = NNP_ATTEMPT_FOUND,
    [SCHED_NO_SLOT] = NNP_ATTEMPT_NO_SLOT,
    [SCHED_PROVEN_NONE] = NNP_ATTEMPT_PROVEN_NONE,
    [SCHED_SEARCH_LIMIT] = NNP_ATTEMPT_SEARCH_LIMIT,
};

void nnp_modulo_options_init(nnp_modulo_options *o)
{
    modulo_options d;
    modulo_options_default(&d);
    if (o)
        *o = (nnp_modulo_options){d.exact_limit, d.budget_ratio, d.exact_budget};
}

int nnp_loop_modulo_schedule(nnp_loop *l, const nnp_modulo_options *opt)
{
    int rc = api_usable(l, l ? l->broken : 1);
    if (rc)
        return rc;
    api_loop_forget(l);
    modulo_options o;
    modulo_options_default(&o);
    if (opt) {
        if (opt->exact_limit < 0 || opt->budget_ratio < 0 || opt->exact_budget < 0)
            return err_set(&l->err, NNP_MISUSE,
                           "nnp_loop_modulo_schedule: negative option (exact_limit %d, "
                           "budget_ratio %lld, exact_budget %lld)",
                           opt->exact_limit, (long long)opt->budget_ratio,
                           (long long)opt->exact_budget);
        o = (modulo_options){opt->exact_limit, opt->budget_ratio, opt->exact_budget};
    }
    if ((rc = modulo_schedule(&l->p, &o, &l->mr, &l->err)))
        return rc;
    l->have = LOOP_MODULO;
    return NNP_OK;
}

int nnp_loop_list_schedule(nnp_loop *l)
{
    int rc = api_usable(l, l ? l->broken : 1);
    if (rc)
        return rc;
    api_loop_forget(l);
    if ((rc = list_schedule(&l->p, &l->lr, &l->err)))
        return rc;
    l->have = LOOP_LIST;
    return NNP_OK;
}

/* NNP_OK when l holds a schedule (a modulo one when modulo_only). */
static int has_schedule(nnp_loop *l, int modulo_only)
{
    if (modulo_only && l->have != LOOP_MODULO)
        return err_set(&l->err, NNP_MISUSE,
                       "the loop has no modulo schedule: call nnp_loop_modulo_schedule first");
    if (l->have == LOOP_NONE)
        return err_set(&l->err, NNP_MISUSE, "the loop has no schedule: call "
                       "nnp_loop_modulo_schedule or nnp_loop_list_schedule first");
    return NNP_OK;
}

/* The guard for result queries. */
static int scheduled(nnp_loop *l, const void *out, int modulo_only)
{
    int rc = api_loop_usable(l, out);
    return rc ? rc : has_schedule(l, modulo_only);
}

int nnp_loop_get_result(nnp_loop *l, nnp_loop_result *out)
{
    int rc = scheduled(l, out, 0);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    if (l->have == LOOP_LIST) {
        out->kind = NNP_SCHEDULE_LIST;
        out->optimality = NNP_OPT_NONE;
        out->stage_count = 1;
        out->res_mii_resource = -1;
        out->length = l->lr.makespan;
        out->critical_path = l->lr.critical_path;
        out->resource_bound = l->lr.resource_bound;
        return NNP_OK;
    }
    const modulo_result *r = &l->mr;
    out->kind = NNP_SCHEDULE_MODULO;
    out->ii = r->ii;
    out->res_mii = r->res_mii;
    out->rec_mii = r->rec_mii;
    out->mii = r->mii;
    out->res_mii_resource = r->res_mii_resource;
    out->stage_count = r->stage_count;
    out->optimality = optimalities[r->optimality];
    out->optimal = modulo_is_optimal(r);
    out->attempt_count = r->nattempts;
    out->steps = r->iterations;
    out->length = r->length;
    return NNP_OK;
}

int nnp_loop_slot(nnp_loop *l, int k, nnp_slot_desc *out)
{
    int rc = scheduled(l, out, 0);
    if (rc || (rc = api_loop_index(l, "op", k, l->p.nops)))
        return rc;
    if (l->have == LOOP_LIST) {
        int64_t s = l->lr.start[k];
        *out = (nnp_slot_desc){s, 0, s, l->lr.instance[k]};
        return NNP_OK;
    }
    int64_t s = l->mr.start[k], ii = l->mr.ii;
    *out = (nnp_slot_desc){s, s / ii, s % ii, l->mr.instance[k]};
    return NNP_OK;
}

int nnp_loop_reservation(nnp_loop *l, int r, int instance, int64_t row, int *op)
{
    int rc = scheduled(l, op, 1);
    if (rc || (rc = api_loop_index(l, "resource", r, l->p.nresources)))
        return rc;
    const sched_resource *res = &l->p.resources[r];
    if (res->instances == SCHED_UNLIMITED)
        return err_set(&l->err, NNP_MISUSE,
                       "resource '%s' is unlimited: it has no reservation table",
                       res->name ? res->name : "?");
    if ((rc = api_loop_index(l, "instance", instance, res->instances)) ||
        (rc = api_loop_index(l, "row", row, l->mr.ii)))
        return rc;
    const modulo_result *m = &l->mr;
    *op = -1;
    for (int v = 0; v < l->p.nops; v++) {
        if (l->p.ops[v].resource != r || m->instance[v] != instance)
            continue;
        /* Rows start .. start+occupancy-1, wrapped mod II. */
        int64_t since = ((row - m->start[v]) % m->ii + m->ii) % m->ii;
        if (since < sched_occupancy(&l->p, v)) {
            *op = v;
            break;
        }
    }
    return NNP_OK;
}

int nnp_loop_attempt(nnp_loop *l, int k, nnp_attempt_desc *out)
{
    int rc = scheduled(l, out, 1);
    if (rc || (rc = api_loop_index(l, "attempt", k, l->mr.nattempts)))
        return rc;
    const sched_attempt *a = &l->mr.attempts[k];
    *out = (nnp_attempt_desc){a->ii,    a->exact, outcomes[a->outcome], a->steps,
                              a->resource_evictions, a->dependence_evictions};
    return NNP_OK;
}

int nnp_loop_attempt_stage_pushes(nnp_loop *l, int k, int64_t *pushes)
{
    int rc = scheduled(l, pushes, 1);
    if (rc || (rc = api_loop_index(l, "attempt", k, l->mr.nattempts)))
        return rc;
    *pushes = l->mr.attempts[k].stage_pushes;
    return NNP_OK;
}

/* The scheduler's words for the public values, found through the tables
 * above so the two enums may differ in order. */
const char *nnp_optimality_name(nnp_optimality o)
{
    if (o == NNP_OPT_NONE)
        return "no II (a list schedule)";
    for (int k = 0; k < SCHED_OPT_COUNT; k++)
        if (optimalities[k] == o)
            return sched_optimality_name((sched_optimality)k);
    return "?";
}

const char *nnp_attempt_outcome_name(nnp_attempt_outcome o)
{
    for (int k = 0; k < SCHED_OUTCOME_COUNT; k++)
        if (outcomes[k] == o)
            return sched_outcome_name((sched_outcome)k);
    return "?";
}

int nnp_loop_trip(nnp_loop *l, int64_t trip, nnp_trip_desc *out)
{
    int rc = scheduled(l, out, 1);
    if (rc)
        return rc;
    if (trip < 0)
        return err_set(&l->err, NNP_MISUSE, "nnp_loop_trip: trip count %lld is negative",
                       (long long)trip);
    modulo_trip t;
    if ((rc = modulo_trip_count(&l->mr, trip, &t, &l->err)))
        return rc;
    *out = (nnp_trip_desc){t.trip, t.overlapped, t.prologue_stages, t.kernel_iterations,
                           t.epilogue_stages, t.total_cycles};
    return NNP_OK;
}

int nnp_loop_verify(nnp_loop *l)
{
    int rc = api_usable(l, l ? l->broken : 1);
    if (rc || (rc = has_schedule(l, 0)))
        return rc;
    rc = l->have == LOOP_MODULO
             ? verify_modulo(&l->p, l->mr.ii, l->mr.start, l->mr.instance, &l->err)
             : verify_list(&l->p, l->lr.start, l->lr.instance, &l->err);
    if (!rc)
        return NNP_OK;
    err_prefix(&l->err, "nnpipe's own schedule fails verification (a bug)");
    return l->err.code = NNP_INTERNAL;
}

int nnp_loop_check_modulo(nnp_loop *l, int64_t ii, const int64_t *start, const int *instance)
{
    int rc = api_usable(l, l ? l->broken : 1);
    if (rc)
        return rc;
    if (!start || !instance)
        return err_set(&l->err, NNP_MISUSE, "nnp_loop_check_modulo: start or instance is NULL");
    if ((rc = sched_check(&l->p, &l->err)))
        return rc;
    return verify_modulo(&l->p, ii, start, instance, &l->err);
}
