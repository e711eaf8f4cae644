/* `nnpipe schedule MODEL`: lower a model for a target, schedule it with the
 * list or modulo scheduler (or the sequential baseline), optionally verify,
 * and print the plan in one of the backend's formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emit.h"
#include "model_load.h"
#include "plan.h"

typedef struct opts {
    const char *model, *target, *format, *output;
    plan_options plan;
    emit_options emit;
    int verify, compare;
    const char *color;
} opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: nnpipe schedule MODEL [--target T.json] [--scheduler list|modulo|sequential]\n"
               "                       [--format F] [-o FILE] [--verify] [--compare]\n"
               "                       [--exact-limit N] [--no-overlap] [--width N]\n"
               "                       [--color auto|always|never] [--from C] [--to C]\n\n"
               "Lowers MODEL for the target (default: the built-in npu) and schedules the tiled\n"
               "program. modulo (default) software-pipelines each tile loop; list schedules every\n"
               "op of every tile as one DAG; sequential runs them one after another.\n\n"
               "formats:\n");
    for (const emit_format *e = emit_formats; e->name; e++)
        fprintf(f, "  %-8s %s\n", e->name, e->summary);
    fprintf(f, "\n--verify checks the plan with the independent verifier; --compare prints the\n"
               "sequential, list and modulo schedules side by side. -o writes the output to FILE\n"
               "atomically. --exact-limit: loops of up to N ops get an exact II search (default 40).\n");
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "nnpipe: error: schedule: %s%s%s (see 'nnpipe schedule --help')\n", what,
            arg ? " " : "", arg ? arg : "");
    return EXIT_USAGE;
}

static int parse_int(const char *s, int64_t *v)
{
    char *end;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || x < 0)
        return -1;
    *v = x;
    return 0;
}

static int parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = "summary";
    o->color = "auto";
    plan_options_default(&o->plan);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "--verify")) {
            o->verify = 1;
        } else if (!strcmp(a, "--compare")) {
            o->compare = 1;
        } else if (!strcmp(a, "--no-overlap")) {
            o->plan.overlap_loops = 0;
        } else if (a[0] == '-' && a[1] && !v) {
            return usage_error("option needs a value:", a);
        } else if (!strcmp(a, "--target")) {
            o->target = argv[++i];
        } else if (!strcmp(a, "--format")) {
            o->format = argv[++i];
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->output = argv[++i];
        } else if (!strcmp(a, "--color")) {
            o->color = argv[++i];
        } else if (!strcmp(a, "--scheduler")) {
            int k = plan_kind_from_name(argv[++i]);
            if (k < 0)
                return usage_error("--scheduler must be list, modulo or sequential, not", argv[i]);
            o->plan.kind = (plan_kind)k;
        } else if (!strcmp(a, "--exact-limit") || !strcmp(a, "--width") || !strcmp(a, "--from") ||
                   !strcmp(a, "--to")) {
            if (parse_int(argv[++i], &n) || n > 1000000000)
                return usage_error("expected a non-negative number after", a);
            if (a[2] == 'e')
                o->plan.modulo.exact_limit = (int)n;
            else if (a[2] == 'w')
                o->emit.width = (int)n;
            else if (a[2] == 'f')
                o->emit.from = n;
            else
                o->emit.to = n;
        } else if (a[0] == '-' || o->model) {
            return usage_error("unexpected argument", a);
        } else {
            o->model = a;
        }
    }
    if (!o->model)
        return usage_error("missing MODEL", NULL);
    if (!emit_format_find(o->format))
        return usage_error("unknown --format", o->format);
    if (strcmp(o->color, "auto") && strcmp(o->color, "always") && strcmp(o->color, "never"))
        return usage_error("--color must be auto, always or never, not", o->color);
    o->emit.color = cli_use_color(o->color, o->output);
    if (!o->emit.width)
        o->emit.width = cli_term_width(o->output);
    return 0;
}

/* Sequential, list and modulo side by side. */
static int compare(const program *p, const opts *o, strbuf *out, nnp_err *e)
{
    plan *pls[PLAN_KIND_COUNT] = {0};
    int rc = NNP_OK;
    for (int k = 0; k < PLAN_KIND_COUNT && !rc; k++) {
        plan_options po = o->plan;
        po.kind = (plan_kind)k;
        rc = plan_build(p, &po, &pls[k], e);
        if (!rc && o->verify)
            rc = plan_verify(pls[k], e);
    }
    if (!rc) {
        const plan_stats *seq = &pls[PLAN_SEQUENTIAL]->stats;
        char a[32], b[32];
        sb_printf(out, "%-11s %14s %9s %11s %9s\n", "scheduler", "makespan", "speedup",
                  "efficiency", "time(s)");
        for (int k = 0; k < PLAN_KIND_COUNT; k++) {
            const plan_stats *s = &pls[k]->stats;
            sb_printf(out, "%-11s %14s %8.2fx %10.1f%% %9.3f\n", plan_kind_name((plan_kind)k),
                      emit_cycles(s->makespan, a), (double)seq->makespan / (double)s->makespan,
                      100.0 * s->efficiency, pls[k]->seconds);
        }
        sb_printf(out, "\nlower bound %s cycles, roofline %s cycles%s\n",
                  emit_cycles(seq->lower_bound, a), emit_cycles(seq->roofline_bound, b),
                  o->verify ? "; all three verified" : "");
    }
    for (int k = 0; k < PLAN_KIND_COUNT; k++)
        plan_free(pls[k]);
    return rc;
}

static int run(const opts *o, strbuf *out, nnp_err *e)
{
    graph *g = NULL;
    target *t = NULL;
    program *p = NULL;
    plan *pl = NULL;
    int rc = cli_load(o->model, o->target, &g, &t, e);
    if (!rc)
        rc = lower_program(g, t, &p, e);
    if (!rc && o->compare)
        rc = compare(p, o, out, e);
    else if (!rc) {
        rc = plan_build(p, &o->plan, &pl, e);
        if (!rc && o->verify)
            rc = plan_verify(pl, e);
        emit_options eo = o->emit;
        eo.verified = o->verify;
        if (!rc)
            rc = emit_format_find(o->format)->emit(pl, &eo, out, e);
    }
    plan_free(pl);
    program_free(p);
    target_free(t);
    graph_free(g);
    return rc;
}

int cmd_schedule(int argc, char **argv)
{
    opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    strbuf out = {0};
    nnp_err e = {0};
    rc = run(&o, &out, &e);
    if (!rc)
        rc = cli_write_output(o.output, &out, &e);
    sb_free(&out);
    return rc ? cli_fail(&e) : EXIT_OK;
}
