/* nnpipe modsched: modulo-schedule a loop given as JSON and show the result.
 *
 * The command reads, schedules, re-checks the schedule with the independent
 * verifier, and prints one of three views of the same result:
 *   summary  the bounds, the II and its optimality, why II was raised;
 *   table    (default) the summary, every op's start/stage/instance and the
 *            modulo reservation table;
 *   json     everything, machine-readable.
 * A schedule that fails verification is nnpipe's bug: exit 3. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "loop_json.h"
#include "scheduler.h"

typedef enum { FMT_SUMMARY, FMT_TABLE, FMT_JSON } out_format;

typedef struct modsched_args {
    const char *path;
    out_format format;
    int exact_limit;
    int64_t trip; /* -1: not asked */
} modsched_args;

static void usage(FILE *f)
{
    fprintf(f, "usage: nnpipe modsched LOOP.json [--format summary|table|json] [--exact-limit N]\n"
               "                        [--trip N]\n\n"
               "Modulo-schedules the loop: ResMII, RecMII, MII, the II found and whether it is\n"
               "proven optimal, each op's start/stage/instance and the reservation table. The\n"
               "schedule is checked by an independent verifier.\n\n"
               "  --format F       summary, table (default) or json\n"
               "  --exact-limit N  run the exact search on loops of at most N ops (default 40,\n"
               "                   0 = never) when the heuristic's II is above MII\n"
               "  --trip N         also show the prologue/kernel/epilogue for N iterations\n");
}

/* A whole non-negative decimal number, or -1. */
static int64_t parse_count(const char *s)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    long long v = strtoll(s, &end, 10);
    return *end || v < 0 ? -1 : (int64_t)v;
}

static int parse_args(int argc, char **argv, modsched_args *a)
{
    *a = (modsched_args){NULL, FMT_TABLE, 40, -1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--format")) {
            if (!val || (strcmp(val, "summary") && strcmp(val, "table") && strcmp(val, "json"))) {
                fprintf(stderr, "nnpipe modsched: --format takes summary, table or json\n");
                return -1;
            }
            a->format = !strcmp(val, "summary") ? FMT_SUMMARY : !strcmp(val, "json") ? FMT_JSON
                                                                                     : FMT_TABLE;
            i++;
        } else if (!strcmp(o, "--exact-limit") || !strcmp(o, "--trip")) {
            int64_t n = parse_count(val);
            if (n < 0 || (o[2] == 'e' && n > 100000)) {
                fprintf(stderr, "nnpipe modsched: %s takes a non-negative integer%s\n", o,
                        o[2] == 'e' ? " up to 100000" : "");
                return -1;
            }
            if (o[2] == 'e')
                a->exact_limit = (int)n;
            else
                a->trip = n;
            i++;
        } else if (o[0] == '-' && o[1]) {
            fprintf(stderr, "nnpipe modsched: unknown option '%s'\n", o);
            return -1;
        } else if (a->path) {
            fprintf(stderr, "nnpipe modsched: only one loop file, got '%s' and '%s'\n", a->path, o);
            return -1;
        } else {
            a->path = o;
        }
    }
    if (!a->path) {
        fprintf(stderr, "nnpipe modsched: missing LOOP.json\n");
        return -1;
    }
    return 0;
}

static const char *res_name(const sched_problem *p, int r)
{
    return r < 0 ? "-" : p->resources[r].name ? p->resources[r].name : "?";
}

/* ---- summary ---- */

static void print_summary(const sched_problem *p, const modulo_result *r, const modsched_args *a)
{
    printf("loop %s: %d ops, %d edges, %d resources\n", a->path, p->nops, p->nedges, p->nresources);
    printf("ResMII %" PRId64, r->res_mii);
    if (r->res_mii_resource >= 0)
        printf(" (%s)", res_name(p, r->res_mii_resource));
    printf("  RecMII %" PRId64 "  MII %" PRId64 "\n", r->rec_mii, r->mii);
    printf("II %" PRId64 ": %s\n", r->ii, sched_optimality_name(r->optimality));
    printf("stages %" PRId64 ", one iteration takes %" PRId64 " cycles, search steps %" PRId64 "\n",
           r->stage_count, r->length, r->iterations);
    for (int i = 0; i < r->nattempts; i++) {
        const sched_attempt *t = &r->attempts[i];
        printf("  II %" PRId64 " %s: %s (%" PRId64 " %s", t->ii, t->exact ? "exact" : "heuristic",
               sched_outcome_name(t->outcome), t->steps, t->exact ? "nodes" : "placements");
        if (!t->exact && t->outcome != SCHED_FOUND)
            printf("; evictions: %" PRId64 " for resources, %" PRId64 " for dependences: %s",
                   t->resource_evictions, t->dependence_evictions,
                   t->resource_evictions >= t->dependence_evictions ? "resource-bound"
                                                                    : "recurrence-bound");
        if (!t->exact && t->stage_pushes)
            printf("; %" PRId64 " ops pushed a stage later instead", t->stage_pushes);
        printf(")\n");
    }
    if (a->trip >= 0) {
        modulo_trip t;
        nnp_err e;
        if (modulo_trip_count(r, a->trip, &t, &e) == NNP_OK && t.overlapped)
            printf("trip %" PRId64 ": prologue %" PRId64 " stages, %" PRId64 " kernel iterations, "
                   "epilogue %" PRId64 " stages, %" PRId64 " cycles\n", t.trip, t.prologue_stages,
                   t.kernel_iterations, t.epilogue_stages, t.total_cycles);
        else if (modulo_trip_count(r, a->trip, &t, &e) == NNP_OK)
            printf("trip %" PRId64 ": fewer iterations than the %" PRId64 " stages, so no overlap: "
                   "one iteration after another, %" PRId64 " cycles\n", t.trip, t.stage_count,
                   t.total_cycles);
        else
            printf("trip %" PRId64 ": %s\n", a->trip, e.msg);
    }
}

/* ---- table ---- */

static void print_ops(const sched_problem *p, const modulo_result *r)
{
    int w = 2;
    char nm[128];
    for (int v = 0; v < p->nops; v++)
        w = max64(w, (int64_t)strlen(sched_op_label(p, v, nm, sizeof nm)));
    printf("\n%-*s  %-10s %8s %6s %8s\n", w, "op", "resource", "instance", "stage", "start");
    for (int v = 0; v < p->nops; v++) {
        char inst[16] = "-";
        if (r->instance[v] >= 0)
            snprintf(inst, sizeof inst, "%d", r->instance[v]);
        printf("%-*s  %-10s %8s %6" PRId64 " %8" PRId64 "\n", w, sched_op_label(p, v, nm, sizeof nm),
               res_name(p, p->ops[v].resource), inst, r->start[v] / r->ii, r->start[v]);
    }
}

/* Columns of the reservation table: one per instance of a limited
 * resource, one per unlimited resource, one for ops without a resource. */
typedef struct column {
    int res, inst; /* inst -1: every op of res; res -1: ops without resource */
    char title[64];
    int width;
} column;

/* The cell at (row, c): the op busy there ("ld s0" where it starts, "(ld)"
 * where it continues), or for unlimited columns the ops starting there. */
static void cell(const sched_problem *p, const modulo_result *r, const column *c, int64_t row,
                 strbuf *b)
{
    char nm[128];
    int k = 0;
    for (int v = 0; v < p->nops; v++) {
        if (p->ops[v].resource != c->res || (c->inst >= 0 && r->instance[v] != c->inst))
            continue;
        int64_t off = ((row - r->start[v]) % r->ii + r->ii) % r->ii;
        int64_t occ = c->inst >= 0 ? sched_occupancy(p, v) : 1;
        if (off >= occ)
            continue;
        sched_op_label(p, v, nm, sizeof nm);
        if (off == 0)
            sb_printf(b, "%s%s s%" PRId64, k++ ? ", " : "", nm, r->start[v] / r->ii);
        else
            sb_printf(b, "%s(%s)", k++ ? ", " : "", nm);
    }
}

static int row_has_start(const modulo_result *r, int64_t row)
{
    for (int v = 0; v < r->nops; v++)
        if (r->start[v] % r->ii == row)
            return 1;
    return 0;
}

static int make_columns(const sched_problem *p, column **out)
{
    int n = 0, none = 0;
    for (int q = 0; q < p->nresources; q++)
        n += p->resources[q].instances == SCHED_UNLIMITED ? 1 : p->resources[q].instances;
    for (int v = 0; v < p->nops; v++)
        none |= p->ops[v].resource < 0;
    column *c = xcalloc((size_t)n + 1, sizeof *c);
    if (!c)
        return -1;
    int k = 0;
    for (int q = 0; q < p->nresources; q++) {
        int m = p->resources[q].instances;
        for (int i = 0; i < (m == SCHED_UNLIMITED ? 1 : m); i++, k++) {
            c[k] = (column){q, m == SCHED_UNLIMITED ? -1 : i, "", 0};
            if (m == SCHED_UNLIMITED)
                snprintf(c[k].title, sizeof c[k].title, "%.50s (unlimited)", res_name(p, q));
            else
                snprintf(c[k].title, sizeof c[k].title, "%.50s.%d", res_name(p, q), i);
        }
    }
    if (none)
        c[k++] = (column){-1, -1, "(no resource)", 0};
    *out = c;
    return k;
}

static void print_table(const sched_problem *p, const modulo_result *r)
{
    column *col;
    int nc = make_columns(p, &col);
    if (nc < 0)
        return;
    int full = r->ii <= 256;
    for (int c = 0; c < nc; c++) { /* widths from the rows we print */
        col[c].width = (int)strlen(col[c].title);
        for (int64_t row = 0; row < r->ii; row++) {
            if (!full && !row_has_start(r, row))
                continue;
            strbuf b = {0};
            cell(p, r, &col[c], row, &b);
            if (b.len > (size_t)col[c].width)
                col[c].width = b.len > 60 ? 60 : (int)b.len;
            sb_free(&b);
        }
    }
    printf("\nreservation table, II %" PRId64
           " (rows: cycle mod II; sN: stage N; (op): still busy)%s\n",
           r->ii, full ? "" : "\nonly rows where an op starts are shown");
    printf("%5s", "cycle");
    for (int c = 0; c < nc; c++)
        printf(" | %-*s", col[c].width, col[c].title);
    printf("\n");
    int64_t last = -1;
    for (int64_t row = 0; row < r->ii; row++) {
        if (!full && !row_has_start(r, row))
            continue;
        if (!full && row != last + 1)
            printf("%5s\n", "...");
        last = row;
        printf("%5" PRId64, row);
        for (int c = 0; c < nc; c++) {
            strbuf b = {0};
            cell(p, r, &col[c], row, &b);
            printf(" | %-*.*s", col[c].width, col[c].width, b.s ? b.s : "");
            sb_free(&b);
        }
        printf("\n");
    }
    free(col);
}

/* ---- json ---- */

static cJSON *result_json(const sched_problem *p, const modulo_result *r, const char *verified)
{
    cJSON *o = cJSON_CreateObject(), *ops = cJSON_CreateArray(), *att = cJSON_CreateArray();
    char nm[128];
    cJSON_AddNumberToObject(o, "res_mii", (double)r->res_mii);
    cJSON_AddNumberToObject(o, "rec_mii", (double)r->rec_mii);
    cJSON_AddNumberToObject(o, "mii", (double)r->mii);
    cJSON_AddNumberToObject(o, "ii", (double)r->ii);
    cJSON_AddBoolToObject(o, "optimal", modulo_is_optimal(r));
    cJSON_AddStringToObject(o, "optimality", sched_optimality_name(r->optimality));
    cJSON_AddNumberToObject(o, "stage_count", (double)r->stage_count);
    cJSON_AddNumberToObject(o, "length", (double)r->length);
    cJSON_AddNumberToObject(o, "iterations", (double)r->iterations);
    cJSON_AddStringToObject(o, "verifier", verified);
    for (int v = 0; v < p->nops; v++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", sched_op_label(p, v, nm, sizeof nm));
        if (p->ops[v].resource >= 0)
            cJSON_AddStringToObject(x, "resource", res_name(p, p->ops[v].resource));
        else
            cJSON_AddNullToObject(x, "resource");
        cJSON_AddNumberToObject(x, "start", (double)r->start[v]);
        cJSON_AddNumberToObject(x, "stage", (double)(r->start[v] / r->ii));
        cJSON_AddNumberToObject(x, "instance", r->instance[v]);
        cJSON_AddItemToArray(ops, x);
    }
    for (int i = 0; i < r->nattempts; i++) {
        const sched_attempt *t = &r->attempts[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "ii", (double)t->ii);
        cJSON_AddStringToObject(x, "by", t->exact ? "exact" : "heuristic");
        cJSON_AddStringToObject(x, "outcome", sched_outcome_name(t->outcome));
        cJSON_AddNumberToObject(x, "steps", (double)t->steps);
        cJSON_AddNumberToObject(x, "resource_evictions", (double)t->resource_evictions);
        cJSON_AddNumberToObject(x, "dependence_evictions", (double)t->dependence_evictions);
        cJSON_AddNumberToObject(x, "stage_pushes", (double)t->stage_pushes);
        cJSON_AddItemToArray(att, x);
    }
    cJSON_AddItemToObject(o, "ops", ops);
    cJSON_AddItemToObject(o, "attempts", att);
    return o;
}

static int print_json(const sched_problem *p, const modulo_result *r, const modsched_args *a)
{
    cJSON *o = result_json(p, r, "ok");
    if (o && a->trip >= 0) {
        modulo_trip t;
        nnp_err e;
        if (modulo_trip_count(r, a->trip, &t, &e) == NNP_OK) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "trip", (double)t.trip);
            cJSON_AddBoolToObject(x, "overlapped", t.overlapped);
            cJSON_AddNumberToObject(x, "kernel_iterations", (double)t.kernel_iterations);
            cJSON_AddNumberToObject(x, "prologue_stages", (double)t.prologue_stages);
            cJSON_AddNumberToObject(x, "epilogue_stages", (double)t.epilogue_stages);
            cJSON_AddNumberToObject(x, "total_cycles", (double)t.total_cycles);
            cJSON_AddItemToObject(o, "trip", x);
        }
    }
    char *s = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (!s) {
        fprintf(stderr, "nnpipe: error: out of memory printing JSON\n");
        return EXIT_INTERNAL;
    }
    printf("%s\n", s);
    free(s);
    return EXIT_OK;
}

int cmd_modsched(int argc, char **argv)
{
    modsched_args a;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return EXIT_OK;
    }
    if (parse_args(argc, argv, &a)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    sched_problem p = {0};
    modulo_result r;
    modulo_options o;
    nnp_err e = {0};
    modulo_options_default(&o);
    o.exact_limit = a.exact_limit;
    int st = loop_json_read(a.path, &p, &e);
    if (!st && (st = modulo_schedule(&p, &o, &r, &e)))
        err_prefix(&e, "%s", a.path);
    if (st) {
        sched_problem_free(&p);
        return cli_fail(&e);
    }
    int code = EXIT_OK;
    if (verify_modulo(&p, r.ii, r.start, r.instance, &e)) {
        fprintf(stderr, "nnpipe: error: internal: the schedule of %s failed verification: %s\n",
                a.path, e.msg);
        code = EXIT_INTERNAL;
    } else if (a.format == FMT_JSON) {
        code = print_json(&p, &r, &a);
    } else {
        print_summary(&p, &r, &a);
        printf("verifier: ok\n");
        if (a.format == FMT_TABLE) {
            print_ops(&p, &r);
            print_table(&p, &r);
        }
    }
    modulo_result_free(&r);
    sched_problem_free(&p);
    return code;
}
