/* ONNX's own conformance cases (Debian's libonnx-testdata) through the
 * whole front half of nnpipe: model.onnx by the protobuf frontend, the
 * test_data_set_N/input_K.pb and output_K.pb TensorProtos by
 * onnx_pb_read_tensor, then graph_check and the reference interpreter.
 *
 * Every case is either run, and must match its expected outputs within
 * 1e-5 absolute plus 1e-5 relative (NaN matching NaN), or skipped because
 * nnpipe refuses the model as unsupported (the reason is its message: an op
 * we do not have, an integer or bool tensor, a training mode...). A model
 * refused as *invalid*, or an interpreter error, is a failure: these are
 * models ONNX itself ships as correct. The list of every case with its
 * result and reason goes to conformance.txt in the build folder.
 *
 * Every case the interpreter passes is then compiled: lowered for a target
 * like the default npu but with 64 MiB of local memory (some cases are
 * single huge pool windows that no small target can hold: lowering refuses
 * them there, rightly), emitted as C with a main(), built with the system's
 * cc and run on the same inputs; its outputs must match the expected ones
 * too. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit_c.h"
#include "interp.h"
#include "model_load.h"
#include "onnx_pb.h"
#include "testutil.h"

#define TESTDATA "/usr/share/libonnx-testdata/data"

static const char *const suites[] = {"node", "pytorch-converted", "pytorch-operator", "simple",
                                     "real"};

typedef enum { PASS, FAIL, SKIP } result;
static const char *const result_names[] = {"pass", "FAIL", "skip"};

typedef struct names {
    char **v;
    size_t n;
} names;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir starting with prefix, sorted. */
static names list_dir(const char *dir, const char *prefix)
{
    names r = {0};
    DIR *d = opendir(dir);
    if (!d)
        return r;
    size_t cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        if (r.n == cap)
            r.v = realloc(r.v, (cap = cap ? 2 * cap : 64) * sizeof *r.v);
        r.v[r.n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(r.v, r.n, sizeof *r.v, cmp_str);
    return r;
}

static void free_names(names *n)
{
    for (size_t k = 0; k < n->n; k++)
        free(n->v[k]);
    free(n->v);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int read_tensor_file(const char *path, tensor *t, char *why, size_t len)
{
    char *buf;
    size_t n;
    nnp_err e = {0};
    int rc = read_file(path, (size_t)1 << 30, &buf, &n, &e);
    if (!rc) {
        rc = onnx_pb_read_tensor(buf, n, path, t, &e);
        free(buf);
    }
    if (rc)
        snprintf(why, len, "%s", e.msg);
    return rc;
}

static void free_tensor(tensor *t)
{
    free(t->name);
    free(t->data);
    free(t->idata);
    memset(t, 0, sizeof *t);
}

static int close_enough(float got, float want)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got))
        return got == want;
    return fabsf(got - want) <= 1e-5f + 1e-5f * fabsf(want);
}

/* Compares graph output k with the expected tensor. */
static result check_output(const graph *g, int k, const float *got, const tensor *want, char *why,
                           size_t len)
{
    const tensor *t = &g->tensors[g->outputs[k]];
    int same = want->type == DT_FLOAT && want->rank == t->rank;
    for (int i = 0; same && i < t->rank; i++)
        same = want->dims[i] == t->dims[i];
    if (!same) {
        snprintf(why, len, "output %d '%s': shape or type differs from the expected tensor", k,
                 t->name);
        return FAIL;
    }
    int64_t n = tensor_numel(t);
    for (int64_t i = 0; i < n; i++)
        if (!close_enough(got[i], want->data[i])) {
            snprintf(why, len, "output %d '%s': element %lld is %.9g, expected %.9g", k, t->name,
                     (long long)i, got[i], want->data[i]);
            return FAIL;
        }
    return PASS;
}

/* Finds the graph input an input_K.pb feeds: by the tensor's name when it
 * has one the graph knows, else by position. */
static int input_slot(const graph *g, const tensor *t, int k)
{
    for (int i = 0; t->name && t->name[0] && i < g->ninputs; i++)
        if (!strcmp(g->tensors[g->inputs[i]].name, t->name))
            return i;
    return k < g->ninputs ? k : -1;
}

static int write_floats(const char *path, const float *v, int64_t n)
{
    nnp_err e = {0};
    return write_file_atomic(path, v, (size_t)n * sizeof(float), &e);
}

static const char big_target[] =
    "{\"name\": \"npu64m\", \"clock_mhz\": 1000, \"memory\": {\"bytes\": 67108864, "
    "\"alignment\": 64}, \"units\": ["
    "{\"name\": \"dma_in\", \"kind\": \"dma_in\", \"count\": 1, \"throughput\": 16, "
    "\"latency\": 64, \"pipelined\": false},"
    "{\"name\": \"dma_out\", \"kind\": \"dma_out\", \"count\": 1, \"throughput\": 16, "
    "\"latency\": 64, \"pipelined\": false},"
    "{\"name\": \"mac\", \"kind\": \"mac\", \"count\": 1, \"throughput\": 1024, "
    "\"latency\": 16, \"pipelined\": true},"
    "{\"name\": \"vector\", \"kind\": \"vector\", \"count\": 1, \"throughput\": 32, "
    "\"latency\": 8, \"pipelined\": true}]}";

/* Compiles g to C (big_target, --main) in a fresh folder, runs it on
 * inputs and leaves its outputs in outputs[]. */
static result run_compiled(const graph *g, const float *const *inputs, float *const *outputs,
                           char *why, size_t len)
{
    target *t = NULL;
    program *p = NULL;
    emit_c_files files = {0};
    nnp_err e = {0};
    emit_c_options o = {.name = "model", .header = "model.h", .with_main = 1};
    const char *dir = temp_dir();
    char path[4096], cmd[16384];
    int rc = target_parse(big_target, sizeof big_target - 1, "npu64m", &t, &e);
    if (!rc)
        rc = lower_program(g, t, &p, &e);
    if (!rc)
        rc = emit_c_program(p, NULL, &o, &files, NULL, &e);
    snprintf(path, sizeof path, "%s/model.c", dir);
    if (!rc)
        rc = write_file_atomic(path, files.c.s, files.c.len, &e);
    snprintf(path, sizeof path, "%s/model.h", dir);
    if (!rc)
        rc = write_file_atomic(path, files.h.s, files.h.len, &e);
    emit_c_files_free(&files);
    program_free(p);
    target_free(t);
    if (rc) {
        snprintf(why, len, "compiled C: %s", e.msg);
        return FAIL;
    }
    int n = snprintf(cmd, sizeof cmd, "cd %s && cc -std=c99 -O1 -o model model.c -lm && ./model", dir);
    for (int k = 0; k < g->ninputs; k++) {
        snprintf(path, sizeof path, "%s/in%d.bin", dir, k);
        if (write_floats(path, inputs[k], tensor_numel(&g->tensors[g->inputs[k]]))) {
            snprintf(why, len, "compiled C: cannot write %s", path);
            return FAIL;
        }
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " in%d.bin", k);
    }
    for (int k = 0; k < g->noutputs; k++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " out%d.bin", k);
    char *err = NULL;
    rc = run_cmd(cmd, NULL, &err);
    if (rc) {
        snprintf(why, len, "compiled C: exit %d: %.300s", rc, err ? err : "");
        free(err);
        return FAIL;
    }
    free(err);
    for (int k = 0; k < g->noutputs; k++) {
        float *v = NULL;
        snprintf(path, sizeof path, "%s/out%d.bin", dir, k);
        long got = read_floats(path, &v);
        int64_t want = tensor_numel(&g->tensors[g->outputs[k]]);
        if (got != want) {
            free(v);
            snprintf(why, len, "compiled C: output %d has %ld values, expected %lld", k, got,
                     (long long)want);
            return FAIL;
        }
        memcpy(outputs[k], v, (size_t)want * sizeof(float));
        free(v);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return run_cmd(cmd, NULL, NULL) ? FAIL : PASS;
}

static result run_data_set(const graph *g, const char *dir, int compile, char *why, size_t len)
{
    enum { MAX_IO = 16 };
    tensor in[MAX_IO] = {{0}}, want[MAX_IO] = {{0}};
    const float *inputs[MAX_IO] = {0};
    float *outputs[MAX_IO] = {0};
    result res = PASS;
    if (g->ninputs > MAX_IO || g->noutputs > MAX_IO) {
        snprintf(why, len, "more than %d inputs or outputs", MAX_IO);
        return SKIP;
    }
    char path[4096];
    for (int k = 0; k < g->ninputs && res == PASS; k++) {
        snprintf(path, sizeof path, "%s/input_%d.pb", dir, k);
        if (read_tensor_file(path, &in[k], why, len))
            res = FAIL;
        int slot = res == PASS ? input_slot(g, &in[k], k) : -1;
        const tensor *gt = slot >= 0 ? &g->tensors[g->inputs[slot]] : NULL;
        if (res == PASS && (!gt || in[k].type != DT_FLOAT || tensor_numel(&in[k]) != tensor_numel(gt))) {
            snprintf(why, len, "input %d does not fit the graph's inputs", k);
            res = FAIL;
        }
        if (res == PASS)
            inputs[slot] = in[k].data;
    }
    for (int k = 0; k < g->noutputs && res == PASS; k++) {
        snprintf(path, sizeof path, "%s/output_%d.pb", dir, k);
        if (read_tensor_file(path, &want[k], why, len))
            res = FAIL;
        outputs[k] = calloc((size_t)tensor_numel(&g->tensors[g->outputs[k]]) + 1, sizeof(float));
    }
    nnp_err e = {0};
    if (res == PASS && interp_run(g, inputs, outputs, &e)) {
        snprintf(why, len, "interpreter: %s", e.msg);
        res = FAIL;
    }
    for (int k = 0; k < g->noutputs && res == PASS; k++)
        res = check_output(g, k, outputs[k], &want[k], why, len);
    if (res == PASS && compile) {
        for (int k = 0; k < g->noutputs; k++)
            for (int64_t i = 0; i < tensor_numel(&g->tensors[g->outputs[k]]); i++)
                outputs[k][i] = NAN; /* so a stale value cannot pass */
        res = run_compiled(g, inputs, outputs, why, len);
        for (int k = 0; k < g->noutputs && res == PASS; k++) {
            res = check_output(g, k, outputs[k], &want[k], why, len);
            if (res != PASS) {
                char inner[1024];
                snprintf(inner, sizeof inner, "%s", why);
                snprintf(why, len, "compiled C: %s", inner);
            }
        }
    }
    for (int k = 0; k < MAX_IO; k++) {
        free_tensor(&in[k]);
        free_tensor(&want[k]);
        free(outputs[k]);
    }
    return res;
}

static result run_case(const char *dir, char *why, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    if (!exists(path)) {
        snprintf(why, len, "no model.onnx in the package (downloaded on demand)");
        return SKIP;
    }
    graph *g = NULL;
    nnp_err e = {0};
    int rc = model_load(path, &g, &e);
    if (rc) {
        /* Drop the path prefix: the case name says where. */
        const char *m = strstr(e.msg, "model.onnx: ");
        snprintf(why, len, "%s", m ? m + 12 : e.msg);
        return rc == NNP_UNSUPPORTED ? SKIP : FAIL;
    }
    names sets = list_dir(dir, "test_data_set_");
    result res = sets.n ? PASS : SKIP;
    if (!sets.n)
        snprintf(why, len, "no test data");
    for (size_t k = 0; k < sets.n && res == PASS; k++) {
        char sub[4096 + 64];
        snprintf(sub, sizeof sub, "%s/%s", dir, sets.v[k]);
        res = run_data_set(g, sub, k == 0, why, len);
    }
    free_names(&sets);
    graph_free(g);
    return res;
}

Test(conformance, onnx_test_data_matches_for_every_supported_case)
{
    if (!exists(TESTDATA))
        cr_skip_test("libonnx-testdata is not installed");
    char listing[4096];
    snprintf(listing, sizeof listing, "%s/conformance.txt", NNP_BINARY_DIR);
    FILE *out = fopen(listing, "w");
    cr_assert_not_null(out);
    int count[3] = {0};
    for (size_t s = 0; s < sizeof suites / sizeof *suites; s++) {
        char sdir[4096];
        snprintf(sdir, sizeof sdir, "%s/%s", TESTDATA, suites[s]);
        names cases = list_dir(sdir, "test_");
        for (size_t k = 0; k < cases.n; k++) {
            char dir[8192], why[1024] = "";
            snprintf(dir, sizeof dir, "%s/%s", sdir, cases.v[k]);
            result r = run_case(dir, why, sizeof why);
            count[r]++;
            fprintf(out, "%s/%s\t%s\t%s\n", suites[s], cases.v[k], result_names[r], why);
            if (r == FAIL)
                fprintf(stderr, "conformance FAIL %s/%s: %s\n", suites[s], cases.v[k], why);
        }
        free_names(&cases);
    }
    fclose(out);
    fprintf(stderr, "conformance: %d passed, %d failed, %d skipped (list in %s)\n", count[PASS],
            count[FAIL], count[SKIP], listing);
    cr_assert_gt(count[PASS], 0);
    cr_assert_eq(count[FAIL], 0, "%d supported cases fail; see %s", count[FAIL], listing);
}
