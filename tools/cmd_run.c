/* `nnpipe run MODEL --input IN.bin... --output OUT.bin...`: the reference
 * interpreter on raw little-endian float32 files, one flag per graph input
 * and output in graph order. Outputs are written only after the whole run
 * succeeded, each atomically, so a failure leaves no partial file. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { MAX_IO = 64 };

static int usage_error(const char *msg)
{
    fprintf(stderr, "nnpipe: error: run: %s (see 'nnpipe run --help')\n", msg);
    return EXIT_USAGE;
}

/* Graph input (is_input) or output k's tensor. */
static nnp_tensor_desc io_tensor(nnp_model *m, int is_input, int k)
{
    int t;
    nnp_tensor_desc d;
    if (is_input)
        nnp_model_input(m, k, &t);
    else
        nnp_model_output(m, k, &t);
    nnp_model_tensor(m, t, &d);
    return d;
}

/* Reads a raw float32 file that must hold exactly the input's numel floats. */
static int read_input(nnp_model *m, int k, const char *path, float **out, cli_err *e)
{
    nnp_tensor_desc t = io_tensor(m, 1, k);
    int64_t want = t.numel * (int64_t)sizeof(float);
    struct stat st;
    if (stat(path, &st) != 0)
        return cli_err_set(e, NNP_IO, "%s: cannot open: %s", path, strerror(errno));
    if ((int64_t)st.st_size != want)
        return cli_err_set(e, NNP_INVALID,
                           "%s: input %d ('%s') needs %" PRId64 " float32 values (%" PRId64
                           " bytes); the file has %" PRId64 " bytes",
                           path, k, t.name, t.numel, want, (int64_t)st.st_size);
    char *buf;
    size_t len;
    int rc = cli_read_file(path, (size_t)want, &buf, &len, e);
    if (rc)
        return rc;
    if ((int64_t)len != want) {
        free(buf);
        return cli_err_set(e, NNP_IO, "%s: file changed while being read", path);
    }
    *out = (float *)buf; /* malloc'd, so aligned for float */
    return NNP_OK;
}

static int run_model(const char *model, const char **ins, int nin, const char **outs, int nout,
                     cli_err *e)
{
    nnp_model *m;
    int rc = cli_open_model(model, &m, e);
    if (rc)
        return rc;
    float *in[MAX_IO] = {0}, *out[MAX_IO] = {0};
    size_t in_count[MAX_IO] = {0}, out_count[MAX_IO] = {0};
    if (nin != nnp_model_input_count(m) || nout != nnp_model_output_count(m)) {
        rc = cli_err_set(e, NNP_MISUSE,
                         "%s has %d input(s) and %d output(s); got %d --input and %d --output",
                         model, nnp_model_input_count(m), nnp_model_output_count(m), nin, nout);
        goto done;
    }
    for (int k = 0; k < nin && !rc; k++) {
        in_count[k] = (size_t)io_tensor(m, 1, k).numel;
        rc = read_input(m, k, ins[k], &in[k], e);
    }
    for (int k = 0; k < nout && !rc; k++) {
        out_count[k] = (size_t)io_tensor(m, 0, k).numel;
        if (!(out[k] = calloc(out_count[k] ? out_count[k] : 1, sizeof(float))))
            rc = cli_err_set(e, NNP_NOMEM, "out of memory");
    }
    if (!rc && (rc = nnp_model_run(m, (const float *const *)in, in_count, out, out_count)))
        cli_err_set(e, rc, "%s", nnp_model_errmsg(m));
    for (int k = 0; k < nout && !rc; k++)
        rc = cli_write_file(outs[k], out[k], out_count[k] * sizeof(float), e);
done:
    for (int k = 0; k < MAX_IO; k++) {
        free(in[k]);
        free(out[k]);
    }
    nnp_model_close(m);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *ins[MAX_IO], *outs[MAX_IO];
    int nin = 0, nout = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: nnpipe run MODEL --input IN.bin [--input ...] --output OUT.bin [--output ...]\n\n"
                   "Runs the reference interpreter. Files are raw little-endian float32 in C order,\n"
                   "one --input per graph input and one --output per graph output, in graph order.\n");
            return EXIT_OK;
        }
        int is_in = !strcmp(argv[i], "--input") || !strcmp(argv[i], "-i");
        int is_out = !strcmp(argv[i], "--output") || !strcmp(argv[i], "-o");
        if (is_in || is_out) {
            if (i + 1 >= argc) {
                char msg[96];
                snprintf(msg, sizeof msg, "%s needs a file name", argv[i]);
                return usage_error(msg);
            }
            if ((is_in ? nin : nout) >= MAX_IO)
                return usage_error("too many files");
            if (is_in)
                ins[nin++] = argv[++i];
            else
                outs[nout++] = argv[++i];
        } else if (argv[i][0] == '-' || model) {
            fprintf(stderr, "nnpipe: error: run: unexpected argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        } else {
            model = argv[i];
        }
    }
    if (!model)
        return usage_error("missing MODEL");
    cli_err e;
    int rc = run_model(model, ins, nin, outs, nout, &e);
    return rc ? cli_fail(&e) : EXIT_OK;
}
