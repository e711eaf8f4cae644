/* `--format trace`: the plan as a Chrome Trace Event Format file, for
 * Perfetto UI (ui.perfetto.dev) and chrome://tracing.
 *
 * Layout: process 1 is the hardware, one thread (track) per unit instance,
 * named and ordered as the target lists them; every op instance is one
 * complete event ("ph": "X") on its unit's track with ts = start and dur =
 * end - start, and args saying which group, tile, op kind, bytes and stage
 * it is. Process 2 has one track per tile loop, a single event spanning the
 * loop, with its II and bounds in args.
 *
 * Time. Trace timestamps are microseconds; cycles become microseconds on the
 * target's clock (1 cycle = 1/clock_mhz us), or 1 us per cycle when the
 * target has no clock (the metadata says which). Each time is first rounded
 * to whole nanoseconds and printed from there, so an op ending where the
 * next begins keeps exactly equal times after the viewer's own conversion to
 * nanoseconds: no spurious overlap.
 *
 * Overlap. Complete events on one track must nest; Perfetto hides an event
 * that starts inside another and ends after it. On a pipelined unit an op
 * may start before the previous one's result is ready (the unit is held
 * only for its busy cycles), so such an event goes to an overflow track of
 * the same unit ("mac (overlapping)"), the first whose last event has
 * ended. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

enum { PID_UNITS = 1, PID_LOOPS = 2, MAX_OVERFLOW = 64, TIDS_PER_LANE = MAX_OVERFLOW + 1 };

typedef struct trace_ctx {
    const plan *pl;
    const timeline *tl;
    double ns_per_cycle;
    cJSON *events;
} trace_ctx;

/* Microseconds, through whole nanoseconds. */
static double us_at(const trace_ctx *c, int64_t cycles)
{
    return (double)llround((double)cycles * c->ns_per_cycle) / 1000.0;
}

static double us_between(const trace_ctx *c, int64_t a, int64_t b)
{
    return (double)(llround((double)b * c->ns_per_cycle) - llround((double)a * c->ns_per_cycle)) /
           1000.0;
}

static cJSON *meta(trace_ctx *c, const char *what, int pid, int tid, const char *key, cJSON *val)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "name", what);
    cJSON_AddStringToObject(x, "ph", "M");
    cJSON_AddNumberToObject(x, "pid", pid);
    cJSON_AddNumberToObject(x, "tid", tid);
    cJSON *args = cJSON_AddObjectToObject(x, "args");
    if (!cJSON_AddItemToObject(args, key, val))
        cJSON_Delete(val);
    if (!cJSON_AddItemToArray(c->events, x))
        cJSON_Delete(x);
    return x;
}

static void name_track(trace_ctx *c, int pid, int tid, const char *name, int sort)
{
    meta(c, "thread_name", pid, tid, "name", cJSON_CreateString(name));
    meta(c, "thread_sort_index", pid, tid, "sort_index", cJSON_CreateNumber(sort));
}

static void name_process(trace_ctx *c, int pid, const char *name)
{
    meta(c, "process_name", pid, 0, "name", cJSON_CreateString(name));
    meta(c, "process_sort_index", pid, 0, "sort_index", cJSON_CreateNumber(pid));
}

static cJSON *complete(trace_ctx *c, const char *name, const char *cat, int pid, int tid,
                       int64_t start, int64_t end)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "name", name);
    cJSON_AddStringToObject(x, "cat", cat);
    cJSON_AddStringToObject(x, "ph", "X");
    cJSON_AddNumberToObject(x, "ts", us_at(c, start));
    cJSON_AddNumberToObject(x, "dur", us_between(c, start, end));
    cJSON_AddNumberToObject(x, "pid", pid);
    cJSON_AddNumberToObject(x, "tid", tid);
    if (!cJSON_AddItemToArray(c->events, x)) {
        cJSON_Delete(x);
        return NULL;
    }
    return x;
}

static void inst_event(trace_ctx *c, int64_t i, int tid)
{
    const plan *pl = c->pl;
    const plan_inst *in = &pl->insts[i];
    const prog_group *gr = &pl->p->groups[in->group];
    const prog_op *op = &gr->ops[in->op];
    cJSON *x = complete(c, op->name, cat_looks[op_category(op->kind)].name, PID_UNITS, tid,
                        in->start, in->end);
    cJSON *a = cJSON_AddObjectToObject(x, "args");
    cJSON_AddNumberToObject(a, "group", in->group);
    cJSON_AddStringToObject(a, "group_name", gr->name);
    cJSON_AddNumberToObject(a, "tile", (double)in->tile);
    cJSON_AddStringToObject(a, "op_kind", pop_kind_name(op->kind));
    cJSON_AddNumberToObject(a, "bytes", (double)prog_op_bytes_at(pl->p, in->group, in->op, in->tile));
    cJSON_AddNumberToObject(a, "stage", in->stage);
    cJSON_AddStringToObject(a, "unit", pl->p->t->units[in->unit].name);
    cJSON_AddNumberToObject(a, "instance", in->instance);
    cJSON_AddNumberToObject(a, "start_cycle", (double)in->start);
    cJSON_AddNumberToObject(a, "end_cycle", (double)in->end);
    cJSON_AddNumberToObject(a, "busy_cycles", (double)in->busy);
}

/* One lane's events, each on the first of its tracks that is free. */
static int lane_events(trace_ctx *c, int li)
{
    const tl_lane *l = &c->tl->lanes[li];
    int64_t free_at[MAX_OVERFLOW + 1];
    int used = 0;
    for (int64_t k = 0; k < l->n; k++) {
        const plan_inst *in = &c->pl->insts[l->insts[k]];
        int s = 0;
        while (s < used && free_at[s] > in->start)
            s++;
        if (s > MAX_OVERFLOW)
            return -1;
        if (s == used)
            used++;
        free_at[s] = max64(in->end, in->start);
        inst_event(c, l->insts[k], li * TIDS_PER_LANE + s);
    }
    for (int s = 0; s < (used ? used : 1); s++) {
        char name[96];
        if (s == 0)
            snprintf(name, sizeof name, "%s", l->name);
        else
            snprintf(name, sizeof name, "%s (overlapping %d)", l->name, s);
        name_track(c, PID_UNITS, li * TIDS_PER_LANE + s, name, li * TIDS_PER_LANE + s);
    }
    return 0;
}

static void loop_events(trace_ctx *c)
{
    const plan *pl = c->pl;
    for (int g = 0; g < pl->p->ngroups; g++) {
        if (c->tl->group_lo[g] < 0)
            continue;
        const prog_group *gr = &pl->p->groups[g];
        char name[96];
        snprintf(name, sizeof name, "%d %s", g, group_short_name(pl->p, g));
        name_track(c, PID_LOOPS, g, name, g);
        cJSON *x = complete(c, gr->name, "loop", PID_LOOPS, g, c->tl->group_lo[g], c->tl->group_hi[g]);
        cJSON *a = cJSON_AddObjectToObject(x, "args");
        cJSON_AddNumberToObject(a, "group", g);
        cJSON_AddNumberToObject(a, "tiles", (double)gr->ntiles);
        if (pl->loops && pl->loops[g].trips > 0) {
            const plan_loop *lp = &pl->loops[g];
            cJSON_AddNumberToObject(a, "ii", (double)lp->ii);
            cJSON_AddNumberToObject(a, "res_mii", (double)lp->res_mii);
            cJSON_AddNumberToObject(a, "rec_mii", (double)lp->rec_mii);
            cJSON_AddNumberToObject(a, "stage_count", (double)lp->stage_count);
            cJSON_AddStringToObject(a, "optimality", sched_optimality_name(lp->optimality));
            if (lp->why[0])
                cJSON_AddStringToObject(a, "why", lp->why);
        }
    }
}

static cJSON *other_data(const plan *pl)
{
    const target *t = pl->p->t;
    cJSON *x = cJSON_CreateObject();
    char buf[128];
    cJSON_AddStringToObject(x, "generator", "nnpipe schedule --format trace");
    cJSON_AddStringToObject(x, "scheduler", plan_kind_name(pl->kind));
    cJSON_AddStringToObject(x, "target", t->name);
    if (t->clock_mhz > 0) {
        cJSON_AddNumberToObject(x, "clock_mhz", t->clock_mhz);
        snprintf(buf, sizeof buf, "1 us = %g cycles at %g MHz", t->clock_mhz, t->clock_mhz);
    } else {
        snprintf(buf, sizeof buf, "1 us = 1 cycle (the target has no clock)");
    }
    cJSON_AddStringToObject(x, "time_scale", buf);
    cJSON_AddNumberToObject(x, "makespan_cycles", (double)pl->stats.makespan);
    cJSON_AddNumberToObject(x, "op_instances", (double)pl->ninsts);
    return x;
}

/* The object with one event per line: readable, greppable, diffable. */
static int print_trace(const cJSON *root, strbuf *out)
{
    sb_puts(out, "{\"traceEvents\": [\n");
    const cJSON *x;
    int first = 1;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(root, "traceEvents"))
    {
        char *s = cJSON_PrintUnformatted(x);
        if (!s)
            return -1;
        sb_printf(out, "%s%s", first ? "" : ",\n", s);
        first = 0;
        free(s);
    }
    sb_puts(out, "\n]");
    cJSON_ArrayForEach(x, root)
    {
        if (!strcmp(x->string, "traceEvents"))
            continue;
        char *s = cJSON_PrintUnformatted(x);
        if (!s)
            return -1;
        sb_printf(out, ",\n\"%s\": %s", x->string, s);
        free(s);
    }
    sb_puts(out, "\n}\n");
    return out->failed ? -1 : 0;
}

int emit_trace(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e)
{
    (void)o;
    timeline tl;
    int rc = timeline_build(pl, &tl, e);
    if (rc)
        return rc;
    const target *t = pl->p->t;
    trace_ctx c = {pl, &tl, t->clock_mhz > 0 ? 1000.0 / t->clock_mhz : 1000.0, NULL};
    cJSON *root = cJSON_CreateObject();
    c.events = cJSON_AddArrayToObject(root, "traceEvents");
    if (!c.events) {
        cJSON_Delete(root);
        timeline_free(&tl);
        return err_set(e, NNP_NOMEM, "out of memory writing the trace");
    }
    char name[160];
    if (t->clock_mhz > 0)
        snprintf(name, sizeof name, "%s on %s (%g MHz)", plan_kind_name(pl->kind), t->name,
                 t->clock_mhz);
    else
        snprintf(name, sizeof name, "%s on %s (no clock: 1 us per cycle)", plan_kind_name(pl->kind),
                 t->name);
    name_process(&c, PID_UNITS, name);
    for (int li = 0; li < tl.nlanes && !rc; li++)
        if (lane_events(&c, li))
            rc = err_set(e, NNP_INTERNAL, "%s: more than %d ops overlap on one unit instance",
                         tl.lanes[li].name, MAX_OVERFLOW);
    name_process(&c, PID_LOOPS, "tile loops");
    loop_events(&c);
    cJSON_AddStringToObject(root, "displayTimeUnit", "ns");
    cJSON *other = other_data(pl);
    if (!cJSON_AddItemToObject(root, "otherData", other))
        cJSON_Delete(other);
    if (!rc && print_trace(root, out))
        rc = err_set(e, NNP_NOMEM, "out of memory writing the trace");
    cJSON_Delete(root);
    timeline_free(&tl);
    return rc;
}
