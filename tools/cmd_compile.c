/* `nnpipe compile MODEL`: lower a model for a target, modulo-schedule it,
 * verify the plan and write it as portable C: NAME.c and NAME.h (and
 * NAME.bin with --weights file). Every file is generated in memory first
 * and written atomically; if one write fails, the files this run already
 * wrote are removed, so a failure leaves none of them. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct opts {
    const char *model, *target, *output, *name, *weights;
    int with_main, quiet;
} opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: nnpipe compile MODEL [--target T.json] [-o FILE.c] [--name NAME] [--main]\n"
               "                      [--weights embed|file] [--quiet]\n\n"
               "Compiles MODEL to portable C99 for the target (default: the built-in npu): each\n"
               "layer is a tile loop following its modulo schedule, with data movement through\n"
               "the NNPIPE_DMA_START/_2D/WAIT macros (synchronous memcpy unless defined).\n"
               "Writes FILE.c and FILE.h (default: MODEL's base name in the current folder);\n"
               "--weights file also writes FILE.bin, read by NAME_load_weights(path) (embed, the\n"
               "default, puts the weights in FILE.c as exact hex floats). NAME (default: FILE's\n"
               "base name) prefixes the entry point NAME_run(in0, ..., out0, ...).\n"
               "--main adds main(): `cc FILE.c -O2 -o model && ./model IN0.bin ... OUT0.bin ...`\n"
               "with raw float32 files.\n");
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "nnpipe: error: compile: %s%s%s (see 'nnpipe compile --help')\n", what,
            arg ? " " : "", arg ? arg : "");
    return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->weights = "embed";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "--main")) {
            o->with_main = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (a[0] == '-' && a[1] && !v) {
            return usage_error("option needs a value:", a);
        } else if (!strcmp(a, "--target")) {
            o->target = argv[++i];
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->output = argv[++i];
        } else if (!strcmp(a, "--name")) {
            o->name = argv[++i];
        } else if (!strcmp(a, "--weights")) {
            o->weights = argv[++i];
        } else if (a[0] == '-' || o->model) {
            return usage_error("unexpected argument", a);
        } else {
            o->model = a;
        }
    }
    if (!o->model)
        return usage_error("missing MODEL", NULL);
    if (strcmp(o->weights, "embed") && strcmp(o->weights, "file"))
        return usage_error("--weights must be embed or file, not", o->weights);
    if (o->name && !nnp_c_name_valid(o->name))
        return usage_error("--name must be a C identifier (letters, digits, _; at most 64), not",
                           o->name);
    return 0;
}

/* The paths of the three files: stem + .c/.h/.bin, stem from -o or MODEL. */
typedef struct paths {
    char c[4096], h[4096], bin[4096], stem[4096];
    char name[72];
    const char *header; /* the header's file name, as the source includes it */
} paths;

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int make_paths(const opts *o, paths *ps)
{
    if (o->output) {
        snprintf(ps->stem, sizeof ps->stem, "%s", o->output);
        size_t n = strlen(ps->stem);
        if (n > 2 && !strcmp(ps->stem + n - 2, ".c"))
            ps->stem[n - 2] = 0;
    } else {
        snprintf(ps->stem, sizeof ps->stem, "%s", base_name(o->model));
        char *dot = strrchr(ps->stem, '.');
        if (dot && dot != ps->stem)
            *dot = 0;
    }
    if (!ps->stem[0] || ps->stem[strlen(ps->stem) - 1] == '/')
        return -1;
    snprintf(ps->c, sizeof ps->c, "%s.c", ps->stem);
    snprintf(ps->h, sizeof ps->h, "%s.h", ps->stem);
    snprintf(ps->bin, sizeof ps->bin, "%s.bin", ps->stem);
    ps->header = base_name(ps->h);
    if (o->name) {
        snprintf(ps->name, sizeof ps->name, "%s", o->name);
        return 0;
    }
    /* the stem's base name, made an identifier */
    const char *b = base_name(ps->stem);
    size_t n = 0;
    if (!isalpha((unsigned char)b[0]) && b[0] != '_')
        ps->name[n++] = 'm';
    for (; *b && n + 1 < sizeof ps->name && n < 64; b++)
        ps->name[n++] = isalnum((unsigned char)*b) ? *b : '_';
    ps->name[n] = 0;
    return 0;
}

typedef struct texts {
    cli_buf c, h, bin; /* bin stays empty unless --weights file */
} texts;

static int write_all(const opts *o, const paths *ps, const texts *f, cli_err *e)
{
    const char *names[3] = {ps->h, ps->c, ps->bin};
    const cli_buf *bufs[3] = {&f->h, &f->c, &f->bin};
    int n = !strcmp(o->weights, "file") ? 3 : 2, rc = NNP_OK, done = 0;
    for (; done < n && !rc; done++)
        rc = cli_write_file(names[done], bufs[done]->s ? bufs[done]->s : "", bufs[done]->len, e);
    if (rc)
        for (int k = 0; k < done - 1; k++)
            unlink(names[k]);
    return rc;
}

/* Lowers, modulo-schedules and verifies the model, and makes its C in
 * memory; *fallback 1 when the C lays the loops out one after another. */
static int generate(const opts *o, const paths *ps, nnp_model *m, nnp_target *t, texts *f,
                    int *fallback, cli_err *e)
{
    nnp_program *p = NULL;
    nnp_schedule *s = NULL;
    nnp_c_options co;
    nnp_c_options_init(&co);
    co.name = ps->name;
    co.header = ps->header;
    co.weights_file = !strcmp(o->weights, "file");
    co.bin_path = ps->bin;
    co.with_main = o->with_main;
    int rc = cli_lower(m, t, &p, e);
    if (!rc && (rc = nnp_schedule_new(p, NULL, &s)))
        cli_err_set(e, rc, "%s", nnp_schedule_errmsg(s));
    else if (!rc && (rc = nnp_schedule_emit_c(s, &co, cli_buf_sink(&f->c), cli_buf_sink(&f->h),
                                              cli_buf_sink(&f->bin))))
        cli_err_set(e, rc, "%s", nnp_schedule_errmsg(s));
    if (!rc)
        nnp_schedule_c_fallback(s, fallback);
    if (f->c.failed || f->h.failed || f->bin.failed)
        rc = cli_err_set(e, NNP_NOMEM, "out of memory");
    nnp_schedule_close(s);
    nnp_program_close(p);
    return rc;
}

static int run(const opts *o, cli_err *e)
{
    paths ps;
    if (make_paths(o, &ps))
        return cli_err_set(e, NNP_MISUSE, "compile: cannot name the output files from '%s'",
                           o->output ? o->output : o->model);
    nnp_model *m = NULL;
    nnp_target *t = NULL;
    texts f = {{0}, {0}, {0}};
    int fallback = 0;
    int rc = cli_open(o->model, o->target, &m, &t, e);
    if (!rc)
        rc = generate(o, &ps, m, t, &f, &fallback, e);
    if (!rc)
        rc = write_all(o, &ps, &f, e);
    if (!rc && !o->quiet) {
        nnp_target_desc td;
        nnp_target_describe(t, &td);
        printf("wrote %s (%zu bytes) and %s", ps.c, f.c.len, ps.h);
        if (!strcmp(o->weights, "file"))
            printf(", weights %s (%zu bytes)", ps.bin, f.bin.len);
        printf("\nentry point %s_run for target %s%s\n", ps.name, td.name,
               fallback ? "; loops laid out one after another (their buffers did not fit side by "
                          "side)"
                        : "");
    }
    cli_buf_free(&f.c);
    cli_buf_free(&f.h);
    cli_buf_free(&f.bin);
    nnp_target_close(t);
    nnp_model_close(m);
    return rc;
}

int cmd_compile(int argc, char **argv)
{
    opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    cli_err e;
    rc = run(&o, &e);
    return rc ? cli_fail(&e) : EXIT_OK;
}
