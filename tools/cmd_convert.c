/* `nnpipe convert IN -o OUT [--to json|onnx]`: between binary ONNX and its
 * JSON mapping. The input's format is told by its content (nnp_model_open);
 * the output's by --to, else by OUT's extension. What is written is the
 * model as nnpipe understood it (checked, Constant nodes folded into
 * initializers), so converting also validates. The output is replaced
 * atomically and only after the whole model was read and encoded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef enum { FMT_NONE, FMT_JSON, FMT_ONNX } out_format;

static int usage_error(const char *msg)
{
    fprintf(stderr, "nnpipe: error: convert: %s (see 'nnpipe convert --help')\n", msg);
    return EXIT_USAGE;
}

static out_format format_named(const char *s)
{
    return !strcmp(s, "json") ? FMT_JSON : !strcmp(s, "onnx") ? FMT_ONNX : FMT_NONE;
}

static out_format format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return FMT_NONE;
    return format_named(dot + 1);
}

static int convert(const char *in, const char *out, out_format fmt, cli_err *e)
{
    nnp_model *m;
    int rc = cli_open_model(in, &m, e);
    if (rc)
        return rc;
    cli_buf b = {0};
    rc = nnp_model_write(m, fmt == FMT_JSON ? NNP_MODEL_JSON : NNP_MODEL_ONNX, cli_buf_sink(&b));
    if (rc && b.failed)
        cli_err_set(e, rc = NNP_NOMEM, "out of memory");
    else if (rc)
        cli_err_set(e, rc, "%s", nnp_model_errmsg(m));
    else
        rc = cli_write_file(out, b.s, b.len, e);
    cli_buf_free(&b);
    nnp_model_close(m);
    return rc;
}

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    out_format fmt = FMT_NONE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: nnpipe convert IN -o OUT [--to json|onnx]\n\n"
                   "Converts a model between binary ONNX (.onnx) and the ONNX JSON mapping (.json).\n"
                   "IN's format is detected from its content; OUT's comes from --to, else from\n"
                   "its extension. The model is checked on the way (Constant nodes become\n"
                   "initializers).\n");
            return EXIT_OK;
        }
        int is_out = !strcmp(argv[i], "-o") || !strcmp(argv[i], "--output");
        int is_to = !strcmp(argv[i], "--to");
        if ((is_out || is_to) && i + 1 >= argc)
            return usage_error("option needs a value");
        if (is_out) {
            out = argv[++i];
        } else if (is_to) {
            if ((fmt = format_named(argv[++i])) == FMT_NONE)
                return usage_error("--to takes json or onnx");
        } else if (argv[i][0] == '-' || in) {
            fprintf(stderr, "nnpipe: error: convert: unexpected argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        } else {
            in = argv[i];
        }
    }
    if (!in || !out)
        return usage_error(in ? "missing -o OUT" : "missing IN");
    if (fmt == FMT_NONE && (fmt = format_of_path(out)) == FMT_NONE)
        return usage_error("cannot tell the output format from its name; use --to json|onnx");
    cli_err e;
    int rc = convert(in, out, fmt, &e);
    return rc ? cli_fail(&e) : EXIT_OK;
}
