/* `nnpipe lower MODEL [--target T.json] [--format text|json]`: the tiled
 * program per group: fused nodes, tile shape and count, per-op cost, bytes
 * moved with their overhead over the minimum, working set vs capacity.
 * The report is the library's (nnp_program_emit). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: nnpipe lower MODEL [--target T.json] [--format text|json]\n\n"
               "Splits the model's layers into tiles for a target and prints, per group, the\n"
               "fused nodes, tile shape and count, each op's cost, the bytes moved and the\n"
               "working set. Without --target the built-in npu target is used (the same as\n"
               "samples/targets/npu.json).\n");
}

typedef struct opts {
    const char *model, *target, *format;
} opts;

static int parse_args(int argc, char **argv, opts *o)
{
    o->format = "text";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        if ((!strcmp(a, "--target") || !strcmp(a, "--format")) && i + 1 < argc) {
            *(a[2] == 't' ? &o->target : &o->format) = argv[++i];
        } else if (a[0] == '-' || o->model) {
            fprintf(stderr, "nnpipe: error: lower: unexpected argument '%s' (see 'nnpipe lower "
                            "--help')\n", a);
            return EXIT_USAGE;
        } else {
            o->model = a;
        }
    }
    if (!o->model) {
        fprintf(stderr, "nnpipe: error: lower: missing MODEL (see 'nnpipe lower --help')\n");
        return EXIT_USAGE;
    }
    if (strcmp(o->format, "text") && strcmp(o->format, "json")) {
        fprintf(stderr, "nnpipe: error: lower: --format must be text or json, not '%s'\n",
                o->format);
        return EXIT_USAGE;
    }
    return 0;
}

/* Prints p's report in format; the report is made whole before any of it
 * is printed. */
static int print_report(nnp_program *p, const char *format)
{
    cli_buf b = {0};
    int rc = nnp_program_emit(p, format, cli_buf_sink(&b));
    if (rc && (b.failed || rc == NNP_NOMEM)) {
        fprintf(stderr, "nnpipe: error: lower: out of memory printing %s\n",
                strcmp(format, "json") ? "the report" : "JSON");
        rc = EXIT_INTERNAL;
    } else if (rc) {
        cli_err e;
        cli_err_set(&e, rc, "%s", nnp_program_errmsg(p));
        rc = cli_fail(&e);
    } else {
        fwrite(b.s, 1, b.len, stdout);
    }
    cli_buf_free(&b);
    return rc;
}

int cmd_lower(int argc, char **argv)
{
    opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    cli_err e;
    nnp_target *t;
    nnp_model *m = NULL;
    nnp_program *p = NULL;
    if (cli_open_target(o.target, &t, &e))
        return cli_fail(&e);
    if (cli_open_model(o.model, &m, &e) || cli_lower(m, t, &p, &e))
        rc = cli_fail(&e);
    else
        rc = print_report(p, o.format);
    nnp_program_close(p);
    nnp_model_close(m);
    nnp_target_close(t);
    return rc;
}
