/* The public model API, used as an embedding program would: only
 * <nnpipe/nnpipe.h>, linked against the shared library. Loaded samples are
 * checked against onnxruntime's outputs and the README's counts; built
 * models against hand-computed values. Every error path is checked for its
 * documented status and a message naming the culprit (and, in the
 * sanitizer build, for leaks). */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define I64(...) ((const int64_t[]){__VA_ARGS__})
#define F32(...) ((const float[]){__VA_ARGS__})
#define NAMES(...) ((const char *const[]){__VA_ARGS__})
#define COUNT(...) ((int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void expect_err(nnp_model *m, int rc, int want, const char *needle)
{
    cr_assert_eq(rc, want, "status %d (%s), wanted %d; message: %s", rc, nnp_status_name(rc),
                 want, nnp_model_errmsg(m));
    cr_assert_eq(nnp_model_errcode(m), want);
    cr_assert(strstr(nnp_model_errmsg(m), needle), "message '%s' lacks '%s'",
              nnp_model_errmsg(m), needle);
}

/* A call on a handle in error state is misuse, and the handle keeps the
 * status and message of the failure that broke it. */
static void expect_broken(nnp_model *m, int rc, int why, const char *needle)
{
    cr_assert_eq(rc, NNP_MISUSE, "status %d (%s) on a broken handle", rc, nnp_status_name(rc));
    cr_assert_eq(nnp_model_errcode(m), why);
    cr_assert(strstr(nnp_model_errmsg(m), needle), "message '%s' lost '%s'", nnp_model_errmsg(m),
              needle);
}

static nnp_model *open_ok(const char *rel)
{
    nnp_model *m = NULL;
    int rc = nnp_model_open(src_path(rel), &m);
    cr_assert_eq(rc, NNP_OK, "%s: %s", rel, nnp_model_errmsg(m));
    return m;
}

static int64_t numel_of(nnp_model *m, int t)
{
    nnp_tensor_desc d;
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    return d.numel;
}

/* Runs m on the sample's .in<k>.bin files and compares with .out0.bin. */
static void run_matches_reference(nnp_model *m, const char *sample)
{
    int nin = nnp_model_input_count(m);
    float *in[4] = {0}, *ref = NULL;
    size_t in_n[4], out_n[1];
    char path[256];
    cr_assert(nin >= 1 && nin <= 4 && nnp_model_output_count(m) == 1);
    for (int k = 0; k < nin; k++) {
        snprintf(path, sizeof path, "samples/%s.in%d.bin", sample, k);
        long n = read_floats(src_path(path), &in[k]);
        int t;
        cr_assert_eq(nnp_model_input(m, k, &t), NNP_OK);
        cr_assert_eq(n, numel_of(m, t), "%s input %d", sample, k);
        in_n[k] = (size_t)n;
    }
    snprintf(path, sizeof path, "samples/%s.out0.bin", sample);
    long nref = read_floats(src_path(path), &ref);
    float *out = calloc((size_t)nref, sizeof(float));
    out_n[0] = (size_t)nref;
    int rc = nnp_model_run(m, (const float *const *)in, in_n, (float *const[]){out}, out_n);
    cr_assert_eq(rc, NNP_OK, "%s: %s", sample, nnp_model_errmsg(m));
    long bad = first_mismatch(out, ref, (size_t)nref, 1e-5f);
    cr_assert_eq(bad, -1, "%s: element %ld: %g vs onnxruntime %g", sample, bad,
                 bad >= 0 ? out[bad] : 0.0, bad >= 0 ? ref[bad] : 0.0);
    for (int k = 0; k < nin; k++)
        free(in[k]);
    free(ref);
    free(out);
}

Test(api_model, every_sample_opened_from_file_or_memory_matches_onnxruntime)
{
    static const char *const samples[] = {"lenet5", "resblock", "mobilenet_tiny", "big128",
                                          "tinymlp"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "samples/%s.json", samples[i]);
        nnp_model *m = open_ok(rel);
        run_matches_reference(m, samples[i]);
        nnp_model_close(m);

        /* The big ones once are enough: the binary path is the same code. */
        if (!strcmp(samples[i], "big128") || !strcmp(samples[i], "resblock"))
            continue;
        size_t len;
        snprintf(rel, sizeof rel, "samples/%s.onnx", samples[i]);
        void *buf = slurp(src_path(rel), &len);
        cr_assert_eq(nnp_model_open_buffer(buf, len, rel, &m), NNP_OK, "%s", nnp_model_errmsg(m));
        free(buf); /* the model keeps nothing of the caller's buffer */
        run_matches_reference(m, samples[i]);
        nnp_model_close(m);
    }
}

Test(api_model, lenet5_has_the_readme_counts_shapes_and_macs)
{
    nnp_model *m = open_ok("samples/lenet5.onnx");
    cr_assert(nnp_model_is_checked(m));
    cr_assert_eq(nnp_model_node_count(m), 13);
    int64_t macs = 0;
    cr_assert_eq(nnp_model_macs(m, &macs), NNP_OK);
    cr_assert_eq(macs, 416520);
    int t;
    nnp_tensor_desc d;
    cr_assert_eq(nnp_model_input(m, 0, &t), NNP_OK);
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    cr_assert_str_eq(d.name, "input");
    cr_assert(d.is_input && !d.is_constant && d.rank == 4 && d.numel == 784);
    cr_assert(d.dims[0] == 1 && d.dims[1] == 1 && d.dims[2] == 28 && d.dims[3] == 28);
    cr_assert_eq(nnp_model_output(m, 0, &t), NNP_OK);
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    cr_assert_str_eq(d.name, "probs");
    cr_assert(d.is_output && d.rank == 2 && d.dims[1] == 10 && d.producer >= 0);
    nnp_node_desc nd;
    cr_assert_eq(nnp_model_node(m, d.producer, &nd), NNP_OK);
    cr_assert_str_eq(nd.op_type, "Softmax");
    cr_assert_eq(nd.noutputs, 1);
    cr_assert_eq(nd.outputs[0], t);
    /* Sum of per-node MACs is the model's total. */
    int64_t sum = 0;
    for (int n = 0; n < nnp_model_node_count(m); n++) {
        cr_assert_eq(nnp_model_node(m, n, &nd), NNP_OK);
        sum += nd.macs;
    }
    cr_assert_eq(sum, 416520);
    nnp_model_close(m);
}

Test(api_model, constants_and_attributes_are_readable)
{
    nnp_model *m = open_ok("samples/big128.json");
    int t = -1, n;
    nnp_tensor_desc d;
    /* big128's Reshape takes the constant int64 shape [0, -1]. */
    for (n = 0; n < nnp_model_node_count(m); n++) {
        nnp_node_desc nd;
        cr_assert_eq(nnp_model_node(m, n, &nd), NNP_OK);
        if (!strcmp(nd.op_type, "Reshape")) {
            t = nd.inputs[1];
            break;
        }
    }
    cr_assert_lt(n, nnp_model_node_count(m));
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    cr_assert(d.is_constant && d.dtype == NNP_INT64 && d.numel == 2 && !d.data);
    cr_assert(d.data_int64[0] == 0 && d.data_int64[1] == -1);
    /* Its grouped Conv has group = 4. */
    int found = 0;
    for (n = 0; n < nnp_model_node_count(m); n++) {
        nnp_node_desc nd;
        nnp_model_node(m, n, &nd);
        for (int k = 0; k < nd.nattrs; k++) {
            nnp_attr_desc a;
            cr_assert_eq(nnp_model_node_attr(m, n, k, &a), NNP_OK);
            if (!strcmp(nd.op_type, "Conv") && !strcmp(a.name, "group") && a.i == 4)
                found = a.kind == NNP_ATTR_INT;
        }
    }
    cr_assert(found);
    nnp_model_close(m);
}

/* ---- Building ---- */

/* x (1x1x4x4) = 0..15; conv 1x1 with w=-1, b=8 -> 8-x; relu; maxpool 2x2
 * stride 2 -> [8, 6, 0, 0]; flatten -> 1x4; gemm with B = [1 0; 0 1; 1 1;
 * 1 -1] and C = [0.5, -0.5] -> [8.5, 5.5]. Nodes are added out of order. */
static nnp_model *build_small(void)
{
    nnp_model *m;
    int node;
    cr_assert_eq(nnp_model_new("small", 13, &m), NNP_OK);
    cr_assert_eq(nnp_model_add_input(m, "x", 4, I64(1, 1, 4, 4)), NNP_OK);
    cr_assert_eq(nnp_model_add_constant(m, "w", 4, I64(1, 1, 1, 1), F32(-1)), NNP_OK);
    cr_assert_eq(nnp_model_add_constant(m, "b", 1, I64(1), F32(8)), NNP_OK);
    cr_assert_eq(nnp_model_add_constant(m, "B", 2, I64(4, 2), F32(1, 0, 0, 1, 1, 1, 1, -1)),
                 NNP_OK);
    cr_assert_eq(nnp_model_add_constant(m, "C", 1, I64(2), F32(0.5f, -0.5f)), NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "Gemm", "fc", NAMES("f", "B", "C"), 3, NAMES("y"), 1,
                                    &node), NNP_OK);
    cr_assert_eq(node, 0);
    cr_assert_eq(nnp_model_add_node(m, "Flatten", "flat", NAMES("p"), 1, NAMES("f"), 1, NULL),
                 NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "MaxPool", "pool", NAMES("r"), 1, NAMES("p"), 1, &node),
                 NNP_OK);
    cr_assert_eq(nnp_model_set_attr_ints(m, node, "kernel_shape", I64(2, 2), 2), NNP_OK);
    cr_assert_eq(nnp_model_set_attr_ints(m, node, "strides", I64(2, 2), 2), NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "Relu", "relu", NAMES("c"), 1, NAMES("r"), 1, NULL),
                 NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "Conv", "conv", NAMES("x", "w", "b"), 3, NAMES("c"), 1,
                                    NULL), NNP_OK);
    cr_assert_eq(nnp_model_add_output(m, "y"), NNP_OK);
    return m;
}

Test(api_model, a_built_model_checks_runs_and_counts_macs_by_hand)
{
    nnp_model *m = build_small();
    cr_assert(!nnp_model_is_checked(m));
    nnp_tensor_desc d;
    int t;
    cr_assert_eq(nnp_model_find_tensor(m, "r", &t), NNP_OK);
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    cr_assert_eq(d.rank, -1, "intermediate shapes are unknown before checking");
    cr_assert_eq(d.numel, -1);
    int64_t macs;
    expect_err(m, nnp_model_macs(m, &macs), NNP_MISUSE,
               "nnp_model_macs: model 'small' is not checked");
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    cr_assert(nnp_model_is_checked(m));
    cr_assert_eq(nnp_model_check(m), NNP_OK, "checking twice is harmless");

    cr_assert_eq(nnp_model_find_tensor(m, "y", &t), NNP_OK);
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    cr_assert(d.rank == 2 && d.dims[0] == 1 && d.dims[1] == 2 && d.is_output);
    /* 16 outputs x 1 input channel for the 1x1 conv, 1x4 by 4x2 for Gemm. */
    cr_assert_eq(nnp_model_macs(m, &macs), NNP_OK);
    cr_assert_eq(macs, 16 + 8);

    float x[16], y[2] = {0};
    for (int i = 0; i < 16; i++)
        x[i] = (float)i;
    cr_assert_eq(nnp_model_run(m, (const float *const[]){x}, (const size_t[]){16},
                               (float *const[]){y}, (const size_t[]){2}),
                 NNP_OK, "%s", nnp_model_errmsg(m));
    cr_assert_float_eq(y[0], 8.5f, 1e-6f);
    cr_assert_float_eq(y[1], 5.5f, 1e-6f);
    nnp_model_close(m);
}

Test(api_model, checking_renumbers_nodes_topologically_and_find_node_follows)
{
    nnp_model *m = build_small();
    int n;
    cr_assert_eq(nnp_model_find_node(m, "fc", &n), NNP_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    static const char *const order[] = {"conv", "relu", "pool", "flat", "fc"};
    for (int k = 0; k < 5; k++) {
        nnp_node_desc d;
        cr_assert_eq(nnp_model_node(m, k, &d), NNP_OK);
        cr_assert_str_eq(d.name, order[k]);
        cr_assert_eq(nnp_model_find_node(m, order[k], &n), NNP_OK);
        cr_assert_eq(n, k);
    }
    nnp_attr_desc a;
    cr_assert_eq(nnp_model_find_node(m, "pool", &n), NNP_OK);
    cr_assert_eq(nnp_model_node_attr(m, n, 1, &a), NNP_OK);
    cr_assert_str_eq(a.name, "strides");
    cr_assert(a.kind == NNP_ATTR_INTS && a.count == 2 && a.ints[0] == 2 && a.ints[1] == 2);
    nnp_model_close(m);
}

Test(api_model, an_int64_constant_steers_reshape)
{
    nnp_model *m;
    cr_assert_eq(nnp_model_new(NULL, 0, &m), NNP_OK);
    cr_assert_eq(nnp_model_add_input(m, "x", 2, I64(2, 3)), NNP_OK);
    cr_assert_eq(nnp_model_add_constant_int64(m, "shape", 1, I64(2), I64(3, -1)), NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "Reshape", NULL, NAMES("x", "shape"), 2, NAMES("y"), 1,
                                    NULL), NNP_OK);
    cr_assert_eq(nnp_model_add_output(m, "y"), NNP_OK);
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    int t;
    nnp_tensor_desc d;
    cr_assert_eq(nnp_model_find_tensor(m, "y", &t), NNP_OK);
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    cr_assert(d.rank == 2 && d.dims[0] == 3 && d.dims[1] == 2);
    float x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {0};
    cr_assert_eq(nnp_model_run(m, (const float *const[]){x}, (const size_t[]){6},
                               (float *const[]){y}, (const size_t[]){6}),
                 NNP_OK);
    cr_assert_arr_eq(x, y, sizeof x);
    nnp_model_close(m);
}

/* ---- Errors: status, message, and nothing leaked ---- */

Test(api_model, a_missing_file_is_io_and_the_handle_holds_the_message)
{
    nnp_model *m = NULL;
    int rc = nnp_model_open("/nonexistent/dir/model.onnx", &m);
    cr_assert_not_null(m, "failed creation still returns a handle");
    expect_err(m, rc, NNP_IO, "/nonexistent/dir/model.onnx");
    /* In error state, every other call is misuse and the reason stays. */
    int t;
    expect_broken(m, nnp_model_find_tensor(m, "x", &t), NNP_IO, "/nonexistent/dir/model.onnx");
    expect_broken(m, nnp_model_check(m), NNP_IO, "/nonexistent/dir/model.onnx");
    expect_broken(m, nnp_model_add_input(m, "x", 1, I64(1)), NNP_IO,
                  "/nonexistent/dir/model.onnx");
    cr_assert_eq(nnp_model_node_count(m), 0);
    cr_assert(strstr(nnp_model_errmsg(m), "/nonexistent/dir/model.onnx"));
    cr_assert_eq(nnp_model_errcode(m), NNP_IO);
    nnp_model_close(m);
}

Test(api_model, malformed_json_is_invalid_with_name_line_and_column)
{
    static const char text[] = "{\n  \"graph\": {\"node\": [}\n}";
    nnp_model *m;
    int rc = nnp_model_open_buffer(text, sizeof text - 1, "broken.json", &m);
    expect_err(m, rc, NNP_INVALID, "broken.json:2:");
    nnp_model_close(m);
    rc = nnp_model_open_buffer("", 0, NULL, &m);
    expect_err(m, rc, NNP_INVALID, "<memory>");
    nnp_model_close(m);
}

Test(api_model, an_unknown_op_in_a_file_is_unsupported_naming_the_node)
{
    nnp_model *m;
    int rc = nnp_model_open(src_path("tests/data/frontend/err_unknown_op.json"), &m);
    expect_err(m, rc, NNP_UNSUPPORTED, "err_unknown_op.json");
    cr_assert(strstr(nnp_model_errmsg(m), "'relu1'") &&
                  strstr(nnp_model_errmsg(m), "'Frobnicate'"),
              "%s", nnp_model_errmsg(m));
    nnp_model_close(m);
}

Test(api_model, null_arguments_are_misuse_not_crashes)
{
    /* No out pointer: no handle to hold a message. */
    expect_null_misuse(nnp_model_open("x", NULL), nnp_model_errmsg(NULL));
    expect_null_misuse(nnp_model_new("x", 13, NULL), nnp_model_errmsg(NULL));
    nnp_model *m;
    int rc = nnp_model_open(NULL, &m);
    expect_err(m, rc, NNP_MISUSE, "path is NULL");
    nnp_model_close(m);
    rc = nnp_model_open_buffer(NULL, 5, NULL, &m);
    expect_err(m, rc, NNP_MISUSE, "data is NULL");
    nnp_model_close(m);
    /* A NULL handle: misuse everywhere, a fixed message, close is a no-op. */
    int t;
    expect_null_misuse(nnp_model_check(NULL), nnp_model_errmsg(NULL));
    expect_null_misuse(nnp_model_find_tensor(NULL, "x", &t), nnp_model_errmsg(NULL));
    expect_null_misuse(nnp_model_add_input(NULL, "x", 1, I64(1)), nnp_model_errmsg(NULL));
    expect_null_misuse(nnp_model_run(NULL, NULL, NULL, NULL, NULL), nnp_model_errmsg(NULL));
    cr_assert_eq(nnp_model_node_count(NULL), 0);
    cr_assert_not_null(nnp_model_errmsg(NULL));
    cr_assert_eq(nnp_model_errcode(NULL), NNP_NOMEM);
    nnp_model_close(NULL);
    rc = nnp_model_new("m", -1, &m);
    expect_err(m, rc, NNP_INVALID, "model 'm': opset -1 is negative");
    nnp_model_close(m);
}

Test(api_model, builder_refuses_bad_names_and_shapes_with_the_right_status)
{
    nnp_model *m;
    cr_assert_eq(nnp_model_new("net", 13, &m), NNP_OK);
    cr_assert_str_eq(nnp_model_errmsg(m), "not an error");
    cr_assert_eq(nnp_model_errcode(m), NNP_OK);
    cr_assert_eq(nnp_model_add_input(m, "x", 2, I64(2, 3)), NNP_OK);
    expect_err(m, nnp_model_add_input(m, "x", 1, I64(4)), NNP_INVALID,
               "tensor 'x' is already a graph input");
    expect_err(m, nnp_model_add_constant(m, "x", 1, I64(1), F32(1)), NNP_INVALID,
               "'x' is already a graph input");
    expect_err(m, nnp_model_add_input(m, "", 1, I64(4)), NNP_INVALID, "tensor name is empty");
    expect_err(m, nnp_model_add_input(m, "neg", 2, I64(2, -3)), NNP_INVALID, "'neg'");
    cr_assert(strstr(nnp_model_errmsg(m), "-3"), "%s", nnp_model_errmsg(m));
    expect_err(m, nnp_model_add_input(m, "deep", 9, I64(1, 1, 1, 1, 1, 1, 1, 1, 1)),
               NNP_UNSUPPORTED, "'deep'");
    cr_assert(strstr(nnp_model_errmsg(m), "rank 9"), "%s", nnp_model_errmsg(m));
    expect_err(m, nnp_model_add_input(m, "huge", 2, I64(1 << 20, 1 << 20)), NNP_LIMIT, "'huge'");
    cr_assert(strstr(nnp_model_errmsg(m), "[1048576, 1048576]") &&
                  strstr(nnp_model_errmsg(m), "limit of 1073741824"),
              "%s", nnp_model_errmsg(m));
    expect_err(m, nnp_model_add_input(m, "r", -1, NULL), NNP_INVALID, "rank -1");
    expect_err(m, nnp_model_add_input(m, "nodims", 2, NULL), NNP_MISUSE, "dims is NULL");
    expect_err(m, nnp_model_add_constant(m, "nodata", 1, I64(3), NULL), NNP_MISUSE,
               "data is NULL");
    /* None of the failures left a tensor behind. */
    cr_assert_eq(nnp_model_tensor_count(m), 1);
    /* An empty constant needs no data. */
    cr_assert_eq(nnp_model_add_constant(m, "empty", 1, I64(0), NULL), NNP_OK);
    nnp_model_close(m);
}

Test(api_model, builder_refuses_bad_nodes_and_leaves_the_model_unchanged)
{
    nnp_model *m;
    cr_assert_eq(nnp_model_new("net", 13, &m), NNP_OK);
    cr_assert_eq(nnp_model_add_input(m, "x", 2, I64(2, 3)), NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "Relu", "r1", NAMES("x"), 1, NAMES("y"), 1, NULL), NNP_OK);
    expect_err(m, nnp_model_add_node(m, "Frobnicate", "f", NAMES("x"), 1, NAMES("z"), 1, NULL),
               NNP_UNSUPPORTED, "op 'Frobnicate'");
    expect_err(m, nnp_model_add_node(m, "Relu", "r1", NAMES("y"), 1, NAMES("z"), 1, NULL),
               NNP_INVALID, "a node named 'r1' already exists");
    expect_err(m, nnp_model_add_node(m, "Relu", "r2", NAMES("y"), 1, NAMES("y"), 1, NULL),
               NNP_INVALID, "'y' is already the output of node 'r1' (Relu)");
    expect_err(m, nnp_model_add_node(m, "Relu", "r3", NAMES("new_in"), 1, NAMES("x"), 1, NULL),
               NNP_INVALID, "'x' is already a graph input");
    expect_err(m, nnp_model_add_node(m, "Relu", "r4", NAMES("y"), 1, NAMES(""), 1, NULL),
               NNP_INVALID, "output 0 has no name");
    expect_err(m, nnp_model_add_node(m, "Dropout", "d", NAMES("y"), 1, NAMES("a", "a"), 2, NULL),
               NNP_INVALID, "writes tensor 'a' twice");
    expect_err(m, nnp_model_add_node(m, "Relu", "r5", NULL, 1, NAMES("z"), 1, NULL), NNP_MISUSE,
               "NULL array");
    expect_err(m, nnp_model_add_node(m, NULL, "r6", NAMES("y"), 1, NAMES("z"), 1, NULL),
               NNP_MISUSE, "op_type is NULL");
    /* Failed adds interned nothing: still x and y, one node. */
    cr_assert_eq(nnp_model_tensor_count(m), 2);
    cr_assert_eq(nnp_model_node_count(m), 1);
    expect_err(m, nnp_model_set_attr_int(m, 5, "axis", 1), NNP_MISUSE, "node index 5");
    expect_err(m, nnp_model_set_attr_ints(m, 0, "k", NULL, 2), NNP_MISUSE, "NULL value");
    expect_err(m, nnp_model_set_attr_string(m, 0, "", "v"), NNP_INVALID, "attribute name is empty");
    expect_err(m, nnp_model_add_output(m, NULL), NNP_MISUSE, "output name is NULL");
    cr_assert_eq(nnp_model_add_output(m, "y"), NNP_OK);
    expect_err(m, nnp_model_add_output(m, "y"), NNP_INVALID, "already an output");
    nnp_model_close(m);
}

Test(api_model, check_names_the_dangling_tensor_or_the_bad_node)
{
    nnp_model *m;
    cr_assert_eq(nnp_model_new("dangling", 13, &m), NNP_OK);
    cr_assert_eq(nnp_model_add_input(m, "x", 2, I64(2, 3)), NNP_OK);
    expect_err(m, nnp_model_check(m), NNP_INVALID, "no graph output");
    cr_assert_eq(nnp_model_add_node(m, "Add", "add", NAMES("x", "ghost"), 2, NAMES("y"), 1, NULL),
                 NNP_OK);
    cr_assert_eq(nnp_model_add_output(m, "y"), NNP_OK);
    expect_err(m, nnp_model_check(m), NNP_INVALID, "ghost");
    cr_assert(strstr(nnp_model_errmsg(m), "model 'dangling'"));
    cr_assert(!nnp_model_is_checked(m));
    nnp_model_close(m);

    cr_assert_eq(nnp_model_new("badattr", 13, &m), NNP_OK);
    int n;
    cr_assert_eq(nnp_model_add_input(m, "x", 2, I64(2, 3)), NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "Softmax", "sm", NAMES("x"), 1, NAMES("y"), 1, &n), NNP_OK);
    cr_assert_eq(nnp_model_set_attr_int(m, n, "axis", 7), NNP_OK);
    cr_assert_eq(nnp_model_add_output(m, "y"), NNP_OK);
    expect_err(m, nnp_model_check(m), NNP_INVALID, "node 'sm' (Softmax)");
    cr_assert(strstr(nnp_model_errmsg(m), "axis 7"), "%s", nnp_model_errmsg(m));
    /* A failed check leaves the model open for the fix. */
    cr_assert_eq(nnp_model_set_attr_int(m, n, "axis", 1), NNP_OK, "%s", nnp_model_errmsg(m));
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    nnp_model_close(m);
}

Test(api_model, a_checked_model_is_frozen)
{
    nnp_model *m = build_small();
    cr_assert_eq(nnp_model_check(m), NNP_OK);
    expect_err(m, nnp_model_add_input(m, "z", 1, I64(1)), NNP_MISUSE,
               "model 'small' is checked and can no longer change");
    expect_err(m, nnp_model_set_attr_int(m, 0, "axis", 1), NNP_MISUSE,
               "model 'small' is checked");
    expect_err(m, nnp_model_add_output(m, "x"), NNP_MISUSE, "model 'small' is checked");
    nnp_model_close(m);
}

Test(api_model, queries_refuse_bad_indices_and_unknown_names)
{
    nnp_model *m = open_ok("samples/tinymlp.json");
    nnp_tensor_desc d;
    nnp_node_desc nd;
    nnp_attr_desc a;
    int t;
    expect_err(m, nnp_model_tensor(m, -1, &d), NNP_MISUSE, "tensor index -1 out of range");
    expect_err(m, nnp_model_node(m, 6, &nd), NNP_MISUSE, "node index 6 out of range");
    expect_err(m, nnp_model_node_attr(m, 0, 99, &a), NNP_MISUSE, "attribute index 99");
    expect_err(m, nnp_model_input(m, 2, &t), NNP_MISUSE, "graph input index 2");
    expect_err(m, nnp_model_output(m, 1, &t), NNP_MISUSE, "graph output index 1");
    expect_err(m, nnp_model_find_tensor(m, "nope", &t), NNP_INVALID, "no tensor named 'nope'");
    expect_err(m, nnp_model_find_node(m, "nope", &t), NNP_INVALID, "no node named 'nope'");
    expect_err(m, nnp_model_tensor(m, 0, NULL), NNP_MISUSE, "output pointer is NULL");
    nnp_model_close(m);
}

Test(api_model, run_refuses_wrong_sizes_naming_the_tensor)
{
    nnp_model *m = open_ok("samples/tinymlp.json");
    float x[64] = {0}, b[32] = {0}, out[16];
    const float *const in[] = {x, b};
    expect_err(m, nnp_model_run(m, in, (const size_t[]){64, 31}, (float *const[]){out},
                                (const size_t[]){16}),
               NNP_MISUSE, "input 1 ('bias_in') has 32 elements, but its buffer holds 31");
    expect_err(m, nnp_model_run(m, in, (const size_t[]){64, 32}, (float *const[]){out},
                                (const size_t[]){17}),
               NNP_MISUSE, "output 0 ('out') has 16 elements");
    expect_err(m, nnp_model_run(m, NULL, NULL, (float *const[]){out}, (const size_t[]){16}),
               NNP_MISUSE, "input arrays are NULL");
    nnp_model_close(m);

    m = build_small();
    float y[2];
    expect_err(m, nnp_model_run(m, (const float *const[]){x}, (const size_t[]){16},
                                (float *const[]){y}, (const size_t[]){2}),
               NNP_MISUSE, "model 'small' is not checked");
    nnp_model_close(m);
}

Test(api_model, version_macros_match_the_library)
{
    cr_assert_str_eq(nnp_version(), NNPIPE_VERSION_STRING);
    cr_assert_eq(nnp_version_number(), NNPIPE_VERSION_NUMBER);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", NNPIPE_VERSION_MAJOR, NNPIPE_VERSION_MINOR,
             NNPIPE_VERSION_PATCH);
    cr_assert_str_eq(nnp_version(), want);
    cr_assert_str_eq(nnp_status_name(NNP_INFEASIBLE), "infeasible");
}
