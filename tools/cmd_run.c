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
#include "graph.h"
#include "interp.h"
#include "model_load.h"

enum { MAX_IO = 64 };

static int usage_error(const char *msg)
{
    fprintf(stderr, "nnpipe: error: run: %s (see 'nnpipe run --help')\n", msg);
    return EXIT_USAGE;
}

/* Reads a raw float32 file that must hold exactly the input's numel floats. */
static int read_input(const graph *g, int k, const char *path, float **out, nnp_err *e)
{
    const tensor *t = &g->tensors[g->inputs[k]];
    int64_t want = tensor_numel(t) * (int64_t)sizeof(float);
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, NNP_IO, "%s: cannot open: %s", path, strerror(errno));
    if ((int64_t)st.st_size != want)
        return err_set(e, NNP_INVALID,
                       "%s: input %d ('%s') needs %" PRId64 " float32 values (%" PRId64
                       " bytes); the file has %" PRId64 " bytes",
                       path, k, t->name, tensor_numel(t), want, (int64_t)st.st_size);
    char *buf;
    size_t len;
    int rc = read_file(path, (size_t)want, &buf, &len, e);
    if (rc)
        return rc;
    if ((int64_t)len != want) {
        free(buf);
        return err_set(e, NNP_IO, "%s: file changed while being read", path);
    }
    *out = (float *)buf; /* malloc'd, so aligned for float */
    return NNP_OK;
}

static int run_model(const char *model, const char **ins, int nin, const char **outs, int nout,
                     nnp_err *e)
{
    graph *g = NULL;
    int rc = model_load(model, &g, e);
    if (rc)
        return rc;
    float *in[MAX_IO] = {0}, *out[MAX_IO] = {0};
    if (nin != g->ninputs || nout != g->noutputs) {
        rc = err_set(e, NNP_MISUSE, "%s has %d input(s) and %d output(s); got %d --input and %d --output",
                     model, g->ninputs, g->noutputs, nin, nout);
        goto done;
    }
    for (int k = 0; k < nin && !rc; k++)
        rc = read_input(g, k, ins[k], &in[k], e);
    for (int k = 0; k < nout && !rc; k++) {
        out[k] = xcalloc((size_t)tensor_numel(&g->tensors[g->outputs[k]]), sizeof(float));
        if (!out[k])
            rc = err_set(e, NNP_NOMEM, "out of memory");
    }
    if (!rc)
        rc = interp_run(g, (const float *const *)in, out, e);
    for (int k = 0; k < nout && !rc; k++)
        rc = write_file_atomic(outs[k], out[k],
                               (size_t)tensor_numel(&g->tensors[g->outputs[k]]) * sizeof(float), e);
done:
    for (int k = 0; k < MAX_IO; k++) {
        free(in[k]);
        free(out[k]);
    }
    graph_free(g);
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
            if (i + 1 >= argc)
                return usage_error("option needs a file name");
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
    nnp_err e = {0};
    int rc = run_model(model, ins, nin, outs, nout, &e);
    return rc ? cli_fail(&e) : EXIT_OK;
}
