/* nnpipe modsched: modulo-schedule a loop given as JSON and show the result.
 *
 * The command reads, schedules, re-checks the schedule with the independent
 * verifier, and prints one of three views of the same result:
 *   summary  the bounds, the II and its optimality, why II was raised;
 *   table    (default) the summary, every op's start/stage/instance and the
 *            modulo reservation table;
 *   json     everything, machine-readable.
 * A schedule that fails verification is nnpipe's bug: exit 3. Everything
 * comes from the library's nnp_loop calls; the views are the command's. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

/* "nnpipe: error: modsched: ..." like every other command's usage errors. */
static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nnpipe: error: modsched: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see 'nnpipe modsched --help')\n", stderr);
    va_end(ap);
}

static int parse_args(int argc, char **argv, modsched_args *a)
{
    *a = (modsched_args){NULL, FMT_TABLE, 40, -1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--format")) {
            if (!val || (strcmp(val, "summary") && strcmp(val, "table") && strcmp(val, "json"))) {
                usage_error("--format takes summary, table or json");
                return -1;
            }
            a->format = !strcmp(val, "summary") ? FMT_SUMMARY : !strcmp(val, "json") ? FMT_JSON
                                                                                     : FMT_TABLE;
            i++;
        } else if (!strcmp(o, "--exact-limit") || !strcmp(o, "--trip")) {
            int64_t n = parse_count(val);
            if (n < 0 || (o[2] == 'e' && n > 100000)) {
                usage_error("%s takes a non-negative integer%s", o,
                        o[2] == 'e' ? " up to 100000" : "");
                return -1;
            }
            if (o[2] == 'e')
                a->exact_limit = (int)n;
            else
                a->trip = n;
            i++;
        } else if (o[0] == '-' && o[1]) {
            usage_error("unknown option '%s'", o);
            return -1;
        } else if (a->path) {
            usage_error("only one loop file, got '%s' and '%s'", a->path, o);
            return -1;
        } else {
            a->path = o;
        }
    }
    if (!a->path) {
        usage_error("missing LOOP.json");
        return -1;
    }
    return 0;
}

/* The loop and its schedule as the views read them. */
typedef struct view {
    nnp_loop *l;
    nnp_loop_result r;
    int nops, nres, nedges;
    nnp_loop_op_desc *ops;
    nnp_resource_desc *res;
    nnp_slot_desc *slot;
} view;

/* Reads the problem and l's modulo schedule into v; -1 when memory ran out. */
static int view_init(view *v, nnp_loop *l)
{
    *v = (view){.l = l, .nops = nnp_loop_op_count(l), .nres = nnp_loop_resource_count(l),
                .nedges = nnp_loop_edge_count(l)};
    nnp_loop_get_result(l, &v->r);
    v->ops = calloc((size_t)v->nops + 1, sizeof *v->ops);
    v->slot = calloc((size_t)v->nops + 1, sizeof *v->slot);
    v->res = calloc((size_t)v->nres + 1, sizeof *v->res);
    if (!v->ops || !v->slot || !v->res)
        return -1;
    for (int k = 0; k < v->nops; k++) {
        nnp_loop_op(l, k, &v->ops[k]);
        nnp_loop_slot(l, k, &v->slot[k]);
    }
    for (int q = 0; q < v->nres; q++)
        nnp_loop_resource(l, q, &v->res[q]);
    return 0;
}

static void view_free(view *v)
{
    free(v->ops);
    free(v->slot);
    free(v->res);
}

static const char *res_name(const view *v, int r)
{
    return r < 0 ? "-" : v->res[r].name ? v->res[r].name : "?";
}

/* An op's name, or #index for an unnamed one. */
static const char *op_label(const view *v, int op, char *buf, size_t len)
{
    if (v->ops[op].name)
        snprintf(buf, len, "%s", v->ops[op].name);
    else
        snprintf(buf, len, "#%d", op);
    return buf;
}

/* Cycles op holds its resource instance: its occupancy, else the
 * resource's blocking; 0 without a resource. */
static int64_t occupancy(const view *v, int op)
{
    const nnp_loop_op_desc *o = &v->ops[op];
    if (o->resource < 0)
        return 0;
    return o->occupancy ? o->occupancy : v->res[o->resource].blocking;
}

/* ---- summary ---- */

static void print_summary(const view *v, const modsched_args *a)
{
    const nnp_loop_result *r = &v->r;
    printf("loop %s: %d ops, %d edges, %d resources\n", a->path, v->nops, v->nedges, v->nres);
    printf("ResMII %" PRId64, r->res_mii);
    if (r->res_mii_resource >= 0)
        printf(" (%s)", res_name(v, r->res_mii_resource));
    printf("  RecMII %" PRId64 "  MII %" PRId64 "\n", r->rec_mii, r->mii);
    printf("II %" PRId64 ": %s\n", r->ii, nnp_optimality_name(r->optimality));
    printf("stages %" PRId64 ", one iteration takes %" PRId64 " cycles, search steps %" PRId64 "\n",
           r->stage_count, r->length, r->steps);
    for (int i = 0; i < r->attempt_count; i++) {
        nnp_attempt_desc t;
        int64_t pushes = 0;
        nnp_loop_attempt(v->l, i, &t);
        nnp_loop_attempt_stage_pushes(v->l, i, &pushes);
        printf("  II %" PRId64 " %s: %s (%" PRId64 " %s", t.ii, t.exact ? "exact" : "heuristic",
               nnp_attempt_outcome_name(t.outcome), t.steps, t.exact ? "nodes" : "placements");
        if (!t.exact && t.outcome != NNP_ATTEMPT_FOUND)
            printf("; evictions: %" PRId64 " for resources, %" PRId64 " for dependences: %s",
                   t.resource_evictions, t.dependence_evictions,
                   t.resource_evictions >= t.dependence_evictions ? "resource-bound"
                                                                  : "recurrence-bound");
        if (!t.exact && pushes)
            printf("; %" PRId64 " ops pushed a stage later instead", pushes);
        printf(")\n");
    }
    if (a->trip >= 0) {
        nnp_trip_desc t;
        if (nnp_loop_trip(v->l, a->trip, &t) != NNP_OK)
            printf("trip %" PRId64 ": %s\n", a->trip, nnp_loop_errmsg(v->l));
        else if (t.overlapped)
            printf("trip %" PRId64 ": prologue %" PRId64 " stages, %" PRId64 " kernel iterations, "
                   "epilogue %" PRId64 " stages, %" PRId64 " cycles\n", t.trip, t.prologue_stages,
                   t.kernel_iterations, t.epilogue_stages, t.total_cycles);
        else
            printf("trip %" PRId64 ": fewer iterations than the %" PRId64 " stages, so no overlap: "
                   "one iteration after another, %" PRId64 " cycles\n", t.trip, r->stage_count,
                   t.total_cycles);
    }
}

/* ---- table ---- */

static void print_ops(const view *v)
{
    int w = 2;
    char nm[128];
    for (int k = 0; k < v->nops; k++) {
        int n = (int)strlen(op_label(v, k, nm, sizeof nm));
        w = n > w ? n : w;
    }
    printf("\n%-*s  %-10s %8s %6s %8s\n", w, "op", "resource", "instance", "stage", "start");
    for (int k = 0; k < v->nops; k++) {
        char inst[16] = "-";
        if (v->slot[k].instance >= 0)
            snprintf(inst, sizeof inst, "%d", v->slot[k].instance);
        printf("%-*s  %-10s %8s %6" PRId64 " %8" PRId64 "\n", w, op_label(v, k, nm, sizeof nm),
               res_name(v, v->ops[k].resource), inst, v->slot[k].start / v->r.ii, v->slot[k].start);
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
static void cell(const view *v, const column *c, int64_t row, cli_buf *b)
{
    char nm[128];
    int64_t ii = v->r.ii;
    int k = 0;
    for (int op = 0; op < v->nops; op++) {
        if (v->ops[op].resource != c->res || (c->inst >= 0 && v->slot[op].instance != c->inst))
            continue;
        int64_t off = ((row - v->slot[op].start) % ii + ii) % ii;
        int64_t occ = c->inst >= 0 ? occupancy(v, op) : 1;
        if (off >= occ)
            continue;
        op_label(v, op, nm, sizeof nm);
        if (off == 0)
            cli_buf_printf(b, "%s%s s%" PRId64, k++ ? ", " : "", nm, v->slot[op].start / ii);
        else
            cli_buf_printf(b, "%s(%s)", k++ ? ", " : "", nm);
    }
}

static int row_has_start(const view *v, int64_t row)
{
    for (int op = 0; op < v->nops; op++)
        if (v->slot[op].start % v->r.ii == row)
            return 1;
    return 0;
}

static int make_columns(const view *v, column **out)
{
    int n = 0, none = 0;
    for (int q = 0; q < v->nres; q++)
        n += v->res[q].instances == NNP_UNLIMITED ? 1 : v->res[q].instances;
    for (int op = 0; op < v->nops; op++)
        none |= v->ops[op].resource < 0;
    column *c = calloc((size_t)n + 1, sizeof *c);
    if (!c)
        return -1;
    int k = 0;
    for (int q = 0; q < v->nres; q++) {
        int m = v->res[q].instances;
        for (int i = 0; i < (m == NNP_UNLIMITED ? 1 : m); i++, k++) {
            c[k] = (column){q, m == NNP_UNLIMITED ? -1 : i, "", 0};
            if (m == NNP_UNLIMITED)
                snprintf(c[k].title, sizeof c[k].title, "%.50s (unlimited)", res_name(v, q));
            else
                snprintf(c[k].title, sizeof c[k].title, "%.50s.%d", res_name(v, q), i);
        }
    }
    if (none)
        c[k++] = (column){-1, -1, "(no resource)", 0};
    *out = c;
    return k;
}

static void print_table(const view *v)
{
    column *col;
    int nc = make_columns(v, &col);
    if (nc < 0)
        return;
    int64_t ii = v->r.ii;
    int full = ii <= 256;
    for (int c = 0; c < nc; c++) { /* widths from the rows we print */
        col[c].width = (int)strlen(col[c].title);
        for (int64_t row = 0; row < ii; row++) {
            if (!full && !row_has_start(v, row))
                continue;
            cli_buf b = {0};
            cell(v, &col[c], row, &b);
            if (b.len > (size_t)col[c].width)
                col[c].width = b.len > 60 ? 60 : (int)b.len;
            cli_buf_free(&b);
        }
    }
    printf("\nreservation table, II %" PRId64
           " (rows: cycle mod II; sN: stage N; (op): still busy)%s\n",
           ii, full ? "" : "\nonly rows where an op starts are shown");
    printf("%5s", "cycle");
    for (int c = 0; c < nc; c++)
        printf(" | %-*s", col[c].width, col[c].title);
    printf("\n");
    int64_t last = -1;
    for (int64_t row = 0; row < ii; row++) {
        if (!full && !row_has_start(v, row))
            continue;
        if (!full && row != last + 1)
            printf("%5s\n", "...");
        last = row;
        printf("%5" PRId64, row);
        for (int c = 0; c < nc; c++) {
            cli_buf b = {0};
            cell(v, &col[c], row, &b);
            printf(" | %-*.*s", col[c].width, col[c].width, b.s ? b.s : "");
            cli_buf_free(&b);
        }
        printf("\n");
    }
    free(col);
}

/* ---- json ---- */

static cJSON *result_json(const view *v, const char *verified)
{
    const nnp_loop_result *r = &v->r;
    cJSON *o = cJSON_CreateObject(), *ops = cJSON_CreateArray(), *att = cJSON_CreateArray();
    char nm[128];
    cJSON_AddNumberToObject(o, "res_mii", (double)r->res_mii);
    cJSON_AddNumberToObject(o, "rec_mii", (double)r->rec_mii);
    cJSON_AddNumberToObject(o, "mii", (double)r->mii);
    cJSON_AddNumberToObject(o, "ii", (double)r->ii);
    cJSON_AddBoolToObject(o, "optimal", r->optimal);
    cJSON_AddStringToObject(o, "optimality", nnp_optimality_name(r->optimality));
    cJSON_AddNumberToObject(o, "stage_count", (double)r->stage_count);
    cJSON_AddNumberToObject(o, "length", (double)r->length);
    cJSON_AddNumberToObject(o, "iterations", (double)r->steps);
    cJSON_AddStringToObject(o, "verifier", verified);
    for (int k = 0; k < v->nops; k++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", op_label(v, k, nm, sizeof nm));
        if (v->ops[k].resource >= 0)
            cJSON_AddStringToObject(x, "resource", res_name(v, v->ops[k].resource));
        else
            cJSON_AddNullToObject(x, "resource");
        cJSON_AddNumberToObject(x, "start", (double)v->slot[k].start);
        cJSON_AddNumberToObject(x, "stage", (double)(v->slot[k].start / r->ii));
        cJSON_AddNumberToObject(x, "instance", v->slot[k].instance);
        cJSON_AddItemToArray(ops, x);
    }
    for (int i = 0; i < r->attempt_count; i++) {
        nnp_attempt_desc t;
        int64_t pushes = 0;
        nnp_loop_attempt(v->l, i, &t);
        nnp_loop_attempt_stage_pushes(v->l, i, &pushes);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "ii", (double)t.ii);
        cJSON_AddStringToObject(x, "by", t.exact ? "exact" : "heuristic");
        cJSON_AddStringToObject(x, "outcome", nnp_attempt_outcome_name(t.outcome));
        cJSON_AddNumberToObject(x, "steps", (double)t.steps);
        cJSON_AddNumberToObject(x, "resource_evictions", (double)t.resource_evictions);
        cJSON_AddNumberToObject(x, "dependence_evictions", (double)t.dependence_evictions);
        cJSON_AddNumberToObject(x, "stage_pushes", (double)pushes);
        cJSON_AddItemToArray(att, x);
    }
    cJSON_AddItemToObject(o, "ops", ops);
    cJSON_AddItemToObject(o, "attempts", att);
    return o;
}

static int print_json(const view *v, const modsched_args *a)
{
    cJSON *o = result_json(v, "ok");
    nnp_trip_desc t;
    if (o && a->trip >= 0 && nnp_loop_trip(v->l, a->trip, &t) == NNP_OK) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "trip", (double)t.trip);
        cJSON_AddBoolToObject(x, "overlapped", t.overlapped);
        cJSON_AddNumberToObject(x, "kernel_iterations", (double)t.kernel_iterations);
        cJSON_AddNumberToObject(x, "prologue_stages", (double)t.prologue_stages);
        cJSON_AddNumberToObject(x, "epilogue_stages", (double)t.epilogue_stages);
        cJSON_AddNumberToObject(x, "total_cycles", (double)t.total_cycles);
        cJSON_AddItemToObject(o, "trip", x);
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

/* Re-checks the schedule with the independent verifier; NNP_OK or its
 * status, with the verifier's message in l. */
static int verify(const view *v)
{
    int64_t *start = calloc((size_t)v->nops + 1, sizeof *start);
    int *inst = calloc((size_t)v->nops + 1, sizeof *inst);
    int rc = NNP_NOMEM;
    if (start && inst) {
        for (int k = 0; k < v->nops; k++) {
            start[k] = v->slot[k].start;
            inst[k] = v->slot[k].instance;
        }
        rc = nnp_loop_check_modulo(v->l, v->r.ii, start, inst);
    }
    free(start);
    free(inst);
    return rc;
}

int cmd_modsched(int argc, char **argv)
{
    modsched_args a;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return EXIT_OK;
    }
    if (parse_args(argc, argv, &a))
        return EXIT_USAGE;
    nnp_loop *l;
    nnp_modulo_options o;
    cli_err e;
    nnp_modulo_options_init(&o);
    o.exact_limit = a.exact_limit;
    int st = nnp_loop_open(a.path, &l);
    if (st)
        cli_err_set(&e, st, "%s", nnp_loop_errmsg(l));
    else if ((st = nnp_loop_modulo_schedule(l, &o)))
        cli_err_set(&e, st, "%s: %s", a.path, nnp_loop_errmsg(l));
    if (st) {
        nnp_loop_close(l);
        return cli_fail(&e);
    }
    view v;
    int code = EXIT_OK;
    if (view_init(&v, l)) {
        fprintf(stderr, "nnpipe: error: out of memory\n");
        code = EXIT_INTERNAL;
    } else if (verify(&v)) {
        fprintf(stderr, "nnpipe: error: internal: the schedule of %s failed verification: %s\n",
                a.path, nnp_loop_errmsg(l));
        code = EXIT_INTERNAL;
    } else if (a.format == FMT_JSON) {
        code = print_json(&v, &a);
    } else {
        print_summary(&v, &a);
        printf("verifier: ok\n");
        if (a.format == FMT_TABLE) {
            print_ops(&v);
            print_table(&v);
        }
    }
    view_free(&v);
    nnp_loop_close(l);
    return code;
}
