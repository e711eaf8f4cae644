/* `nnpipe schedule MODEL`: lower a model for a target, schedule it with the
 * list or modulo scheduler (or the sequential baseline), optionally verify,
 * and print the schedule in one of the library's formats. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct opts {
    const char *model, *target, *format, *output;
    nnp_schedule_options sched;
    nnp_emit_options emit;
    int verify, compare;
    const char *color;
} opts;

/* The schedulers by name, in the order --compare shows them. */
static const struct {
    const char *name;
    nnp_scheduler kind;
} schedulers[] = {
    {"sequential", NNP_SCHEDULER_SEQUENTIAL},
    {"list", NNP_SCHEDULER_LIST},
    {"modulo", NNP_SCHEDULER_MODULO},
};
enum { NSCHEDULERS = sizeof schedulers / sizeof *schedulers };

static int scheduler_named(const char *name)
{
    for (int k = 0; k < NSCHEDULERS; k++)
        if (!strcmp(name, schedulers[k].name))
            return k;
    return -1;
}

static int format_known(const char *name)
{
    for (int k = 0; nnp_emit_format_name(k); k++)
        if (!strcmp(name, nnp_emit_format_name(k)))
            return 1;
    return 0;
}

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
    for (int k = 0; nnp_emit_format_name(k); k++)
        fprintf(f, "  %-8s %s\n", nnp_emit_format_name(k), nnp_emit_format_summary(k));
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
    nnp_schedule_options_init(&o->sched);
    nnp_emit_options_init(&o->emit);
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
            o->sched.overlap_loops = 0;
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
            int k = scheduler_named(argv[++i]);
            if (k < 0)
                return usage_error("--scheduler must be list, modulo or sequential, not", argv[i]);
            o->sched.scheduler = schedulers[k].kind;
        } else if (!strcmp(a, "--exact-limit") || !strcmp(a, "--width") || !strcmp(a, "--from") ||
                   !strcmp(a, "--to")) {
            if (parse_int(argv[++i], &n) || n > 1000000000)
                return usage_error("expected a non-negative number after", a);
            if (a[2] == 'e')
                o->sched.modulo.exact_limit = (int)n;
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
    if (!format_known(o->format))
        return usage_error("unknown --format", o->format);
    if (strcmp(o->color, "auto") && strcmp(o->color, "always") && strcmp(o->color, "never"))
        return usage_error("--color must be auto, always or never, not", o->color);
    o->emit.color = cli_use_color(o->color, o->output);
    if (!o->emit.width)
        o->emit.width = cli_term_width(o->output);
    o->sched.verify = o->verify;
    return 0;
}

/* Cycle counts with thousands separators: 127,204. */
static const char *cycles_str(int64_t c, char *buf)
{
    char raw[32];
    int n = snprintf(raw, sizeof raw, "%lld", (long long)(c < 0 ? -c : c));
    int o = 0;
    if (c < 0)
        buf[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = 0;
    return buf;
}

/* Schedules p with the options of o but the scheduler kind. */
static int schedule(nnp_program *p, const opts *o, nnp_scheduler kind, nnp_schedule **s,
                    cli_err *e)
{
    nnp_schedule_options so = o->sched;
    so.scheduler = kind;
    int rc = nnp_schedule_new(p, &so, s);
    if (rc) {
        cli_err_set(e, rc, "%s", nnp_schedule_errmsg(*s));
        nnp_schedule_close(*s);
        *s = NULL;
    }
    return rc;
}

/* Sequential, list and modulo side by side. */
static int compare(nnp_program *p, const opts *o, cli_buf *out, cli_err *e)
{
    nnp_schedule *s[NSCHEDULERS] = {0};
    nnp_schedule_desc d[NSCHEDULERS];
    int rc = NNP_OK;
    for (int k = 0; k < NSCHEDULERS && !rc; k++)
        if (!(rc = schedule(p, o, schedulers[k].kind, &s[k], e)))
            nnp_schedule_describe(s[k], &d[k]);
    if (!rc) {
        const nnp_schedule_desc *seq = &d[0];
        char a[32], b[32];
        cli_buf_printf(out, "%-11s %14s %9s %11s %9s\n", "scheduler", "makespan", "speedup",
                       "efficiency", "time(s)");
        for (int k = 0; k < NSCHEDULERS; k++)
            cli_buf_printf(out, "%-11s %14s %8.2fx %10.1f%% %9.3f\n", schedulers[k].name,
                           cycles_str(d[k].makespan, a),
                           (double)seq->makespan / (double)d[k].makespan,
                           100.0 * d[k].efficiency, d[k].seconds);
        cli_buf_printf(out, "\nlower bound %s cycles, roofline %s cycles%s\n",
                       cycles_str(seq->lower_bound, a), cycles_str(seq->roofline_bound, b),
                       o->verify ? "; all three verified" : "");
    }
    for (int k = 0; k < NSCHEDULERS; k++)
        nnp_schedule_close(s[k]);
    return rc;
}

static int run(const opts *o, cli_buf *out, cli_err *e)
{
    nnp_model *m = NULL;
    nnp_target *t = NULL;
    nnp_program *p = NULL;
    nnp_schedule *s = NULL;
    int rc = cli_open(o->model, o->target, &m, &t, e);
    if (!rc)
        rc = cli_lower(m, t, &p, e);
    if (!rc && o->compare)
        rc = compare(p, o, out, e);
    else if (!rc && !(rc = schedule(p, o, o->sched.scheduler, &s, e)) &&
             (rc = nnp_schedule_emit(s, o->format, &o->emit, cli_buf_sink(out))))
        cli_err_set(e, rc, "%s", nnp_schedule_errmsg(s));
    if (out->failed)
        rc = cli_err_set(e, NNP_NOMEM, "out of memory");
    nnp_schedule_close(s);
    nnp_program_close(p);
    nnp_target_close(t);
    nnp_model_close(m);
    return rc;
}

int cmd_schedule(int argc, char **argv)
{
    opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    cli_buf out = {0};
    cli_err e;
    rc = run(&o, &out, &e);
    if (!rc)
        rc = cli_write_output(o.output, &out, &e);
    cli_buf_free(&out);
    return rc ? cli_fail(&e) : EXIT_OK;
}
