/* `--format json`: every op instance of a plan with its unit, cycles and
 * dependences' context, plus loop and program statistics, for other tools
 * to check or draw. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "emit.h"

static cJSON *json_loops(const plan *pl)
{
    cJSON *a = cJSON_CreateArray();
    for (int g = 0; g < pl->nloops; g++) {
        const plan_loop *lp = &pl->loops[g];
        if (lp->trips == 0)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "group", g);
        cJSON_AddStringToObject(x, "name", pl->p->groups[g].name);
        cJSON_AddNumberToObject(x, "iterations", (double)lp->trips);
        cJSON_AddNumberToObject(x, "ii", (double)lp->ii);
        cJSON_AddNumberToObject(x, "res_mii", (double)lp->res_mii);
        cJSON_AddNumberToObject(x, "rec_mii", (double)lp->rec_mii);
        cJSON_AddNumberToObject(x, "mii", (double)lp->mii);
        cJSON_AddNumberToObject(x, "ii_unbounded_buffers", (double)lp->ii_unbounded);
        cJSON_AddNumberToObject(x, "stage_count", (double)lp->stage_count);
        cJSON_AddStringToObject(x, "optimality", sched_optimality_name(lp->optimality));
        cJSON *c = cJSON_AddArrayToObject(x, "copies");
        for (int b = 0; b < pl->p->groups[g].nbufs; b++)
            cJSON_AddItemToArray(c, cJSON_CreateNumber(lp->copies[b]));
        cJSON_AddNumberToObject(x, "start", (double)lp->start);
        cJSON_AddNumberToObject(x, "end", (double)lp->end);
        cJSON_AddNumberToObject(x, "cycles", (double)(lp->end - lp->start));
        cJSON_AddStringToObject(x, "why", lp->why);
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

static cJSON *json_stats(const plan *pl)
{
    const plan_stats *s = &pl->stats;
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "makespan", (double)s->makespan);
    cJSON_AddNumberToObject(x, "sequential", (double)s->sequential);
    cJSON_AddNumberToObject(x, "critical_path", (double)s->critical_path);
    cJSON_AddNumberToObject(x, "unit_bound", (double)s->unit_bound);
    cJSON_AddNumberToObject(x, "lower_bound", (double)s->lower_bound);
    cJSON_AddNumberToObject(x, "roofline_bound", (double)s->roofline_bound);
    cJSON_AddNumberToObject(x, "speedup", s->speedup);
    cJSON_AddNumberToObject(x, "efficiency", s->efficiency);
    cJSON *u = cJSON_AddArrayToObject(x, "units");
    for (int k = 0; k < pl->p->t->nunits; k++) {
        cJSON *y = cJSON_CreateObject();
        cJSON_AddStringToObject(y, "name", pl->p->t->units[k].name);
        cJSON_AddNumberToObject(y, "busy", (double)s->unit_busy[k]);
        cJSON_AddNumberToObject(y, "utilization", s->utilization[k]);
        cJSON_AddItemToArray(u, y);
    }
    cJSON *m = cJSON_AddObjectToObject(x, "peak_bytes");
    for (int q = 0; q < POOL_COUNT; q++)
        if (s->peak[q] > 0)
            cJSON_AddNumberToObject(m, mem_pool_name((mem_pool)q), (double)s->peak[q]);
    return x;
}

static cJSON *json_inst(const plan *pl, const unrolled *u, const int *first_in, const int *in_edges,
                        int64_t i)
{
    const plan_inst *in = &pl->insts[i];
    const prog_group *gr = &pl->p->groups[in->group];
    const prog_op *op = &gr->ops[in->op];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "id", (double)i);
    cJSON_AddNumberToObject(x, "group", in->group);
    cJSON_AddNumberToObject(x, "tile", (double)in->tile);
    cJSON_AddStringToObject(x, "op", op->name);
    cJSON_AddStringToObject(x, "kind", pop_kind_name(op->kind));
    cJSON_AddStringToObject(x, "unit", pl->p->t->units[in->unit].name);
    cJSON_AddNumberToObject(x, "instance", in->instance);
    cJSON_AddNumberToObject(x, "start", (double)in->start);
    cJSON_AddNumberToObject(x, "end", (double)in->end);
    cJSON_AddNumberToObject(x, "busy", (double)in->busy);
    cJSON_AddNumberToObject(x, "bytes", (double)prog_op_bytes_at(pl->p, in->group, in->op, in->tile));
    cJSON_AddNumberToObject(x, "stage", in->stage);
    cJSON *d = cJSON_AddArrayToObject(x, "after");
    for (int k = first_in[i]; k < first_in[i + 1]; k++)
        cJSON_AddItemToArray(d, cJSON_CreateNumber(u->sp.edges[in_edges[k]].from));
    return x;
}

int emit_schedule_json(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e)
{
    (void)o;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scheduler", plan_kind_name(pl->kind));
    cJSON_AddStringToObject(root, "target", pl->p->t->name);
    cJSON_AddNumberToObject(root, "clock_mhz", pl->p->t->clock_mhz);
    if (pl->loops)
        cJSON_AddItemToObject(root, "loops", json_loops(pl));
    cJSON_AddItemToObject(root, "stats", json_stats(pl));
    /* Dependences as each instance's list of predecessors. */
    unrolled u;
    int rc = plan_dag(pl, &u, e);
    if (rc) {
        cJSON_Delete(root);
        return rc;
    }
    int *first_in = xcalloc((size_t)u.n + 2, sizeof(int));
    int *in_edges = xcalloc((size_t)u.sp.nedges + 1, sizeof(int));
    if (first_in && in_edges) {
        for (int k = 0; k < u.sp.nedges; k++)
            first_in[u.sp.edges[k].to + 1]++;
        for (int64_t i = 0; i < u.n; i++)
            first_in[i + 1] += first_in[i];
        int *fill = xcalloc((size_t)u.n + 1, sizeof(int));
        for (int k = 0; fill && k < u.sp.nedges; k++) {
            int to = u.sp.edges[k].to;
            in_edges[first_in[to] + fill[to]++] = k;
        }
        free(fill);
        cJSON *a = cJSON_AddArrayToObject(root, "instances");
        for (int64_t i = 0; i < pl->ninsts; i++)
            cJSON_AddItemToArray(a, json_inst(pl, &u, first_in, in_edges, i));
    }
    free(first_in);
    free(in_edges);
    unrolled_free(&u);
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    if (!s)
        return err_set(e, NNP_NOMEM, "out of memory writing JSON");
    sb_puts(out, s);
    sb_putc(out, '\n');
    free(s);
    return out->failed ? err_set(e, NNP_NOMEM, "out of memory writing JSON") : NNP_OK;
}
