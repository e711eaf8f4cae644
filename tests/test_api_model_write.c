/* nnp_model_write through <nnpipe/nnpipe.h> only: a model encoded as
 * binary ONNX or the JSON mapping, into a callback or a FILE*. What is
 * written must open again as the same model (same nodes, tensors, MACs and
 * interpreter results, bit for bit); the first bytes are checked by hand
 * against the ONNX encoding (ModelProto field 1, ir_version 7 for opset
 * 13; field 2, producer "nnpipe"). Every refusal has its status and a
 * message naming the model or the failing sink. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static nnp_model *open_ok(const char *rel)
{
    nnp_model *m = NULL;
    cr_assert_eq(nnp_model_open(src_path(rel), &m), NNP_OK, "%s: %s", rel, nnp_model_errmsg(m));
    return m;
}

static void expect_err(nnp_model *m, int rc, int want, const char *needle)
{
    cr_assert_eq(rc, want, "status %d (%s), wanted %d; message: %s", rc, nnp_status_name(rc),
                 want, nnp_model_errmsg(m));
    cr_assert(strstr(nnp_model_errmsg(m), needle), "message '%s' lacks '%s'",
              nnp_model_errmsg(m), needle);
}

static collect write_ok(nnp_model *m, nnp_model_format f)
{
    collect c = {0};
    cr_assert_eq(nnp_model_write(m, f, (nnp_sink){collect_write, &c}), NNP_OK, "%s",
                 nnp_model_errmsg(m));
    cr_assert_gt(c.len, 0);
    return c;
}

/* Runs m on the sample's input; the caller frees the output. */
static float *run_sample(nnp_model *m, const char *sample, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "samples/%s.in0.bin", sample);
    float *in;
    long nin = read_floats(src_path(path), &in);
    cr_assert_gt(nin, 0);
    int t;
    nnp_tensor_desc d;
    cr_assert_eq(nnp_model_output(m, 0, &t), NNP_OK);
    cr_assert_eq(nnp_model_tensor(m, t, &d), NNP_OK);
    float *out = calloc((size_t)d.numel, sizeof(float));
    size_t in_count = (size_t)nin, out_count = (size_t)d.numel;
    const float *ins[1] = {in};
    float *outs[1] = {out};
    cr_assert_eq(nnp_model_run(m, ins, &in_count, outs, &out_count), NNP_OK, "%s",
                 nnp_model_errmsg(m));
    free(in);
    *n = out_count;
    return out;
}

/* Opens what was written and checks it is the same model as m. */
static void same_model(nnp_model *m, const collect *c, const char *sample)
{
    nnp_model *back;
    cr_assert_eq(nnp_model_open_buffer(c->s, c->len, "written", &back), NNP_OK, "%s",
                 nnp_model_errmsg(back));
    nnp_model_desc a, b;
    cr_assert_eq(nnp_model_describe(m, &a), NNP_OK);
    cr_assert_eq(nnp_model_describe(back, &b), NNP_OK);
    cr_assert_str_eq(a.name, b.name);
    cr_assert_eq(a.opset, b.opset);
    cr_assert_eq(a.node_count, b.node_count);
    cr_assert_eq(a.tensor_count, b.tensor_count);
    cr_assert_eq(a.input_count, b.input_count);
    cr_assert_eq(a.output_count, b.output_count);
    for (int n = 0; n < a.node_count; n++) {
        nnp_node_desc x, y;
        nnp_model_node(m, n, &x);
        nnp_model_node(back, n, &y);
        cr_assert_str_eq(x.name, y.name);
        cr_assert_str_eq(x.op_type, y.op_type);
        cr_assert_eq(x.macs, y.macs, "node %s", x.name);
        cr_assert_eq(x.nattrs, y.nattrs, "node %s", x.name);
    }
    int64_t ma, mb;
    nnp_model_macs(m, &ma);
    nnp_model_macs(back, &mb);
    cr_assert_eq(ma, mb);
    size_t na, nb;
    float *ya = run_sample(m, sample, &na), *yb = run_sample(back, sample, &nb);
    cr_assert_eq(na, nb);
    cr_assert_eq(memcmp(ya, yb, na * sizeof(float)), 0, "%s: results differ", sample);
    free(ya);
    free(yb);
    nnp_model_close(back);
}

Test(api_model_write, lenet5_written_both_ways_opens_as_the_same_model)
{
    nnp_model *m = open_ok("samples/lenet5.json");
    collect pb = write_ok(m, NNP_MODEL_ONNX), js = write_ok(m, NNP_MODEL_JSON);
    /* ModelProto: field 1 varint (tag 0x08) ir_version 7 (opset 13), field 2
     * length-delimited (tag 0x12) of 6 bytes: the producer. */
    cr_assert_eq(memcmp(pb.s, "\x08\x07\x12\x06nnpipe", 9), 0);
    cr_assert(strncmp(js.s, "{\n  \"irVersion\": \"7\",\n  \"producerName\": \"nnpipe\",", 48) == 0,
              "%.60s", js.s);
    cr_assert(strstr(js.s, "\"opType\": \"Conv\"") && strstr(js.s, "\"name\": \"conv1\""));
    cr_assert_eq(js.s[js.len - 1], '}', "one JSON object, nothing after it");
    same_model(m, &pb, "lenet5");
    same_model(m, &js, "lenet5");
    free(pb.s);
    free(js.s);
    nnp_model_close(m);
}

Test(api_model_write, the_json_and_onnx_samples_encode_to_the_same_bytes)
{
    /* samples/X.json and X.onnx are one model in two encodings, so what
     * nnpipe writes from either is the same, byte for byte. */
    const char *samples[] = {"lenet5", "tinymlp", "resblock"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char pj[128], po[128];
        snprintf(pj, sizeof pj, "samples/%s.json", samples[i]);
        snprintf(po, sizeof po, "samples/%s.onnx", samples[i]);
        nnp_model *a = open_ok(pj), *b = open_ok(po);
        for (int f = NNP_MODEL_ONNX; f <= NNP_MODEL_JSON; f++) {
            collect x = write_ok(a, (nnp_model_format)f), y = write_ok(b, (nnp_model_format)f);
            cr_assert_eq(x.len, y.len, "%s, format %d", samples[i], f);
            cr_assert_eq(memcmp(x.s, y.s, x.len), 0, "%s, format %d", samples[i], f);
            free(x.s);
            free(y.s);
        }
        nnp_model_close(a);
        nnp_model_close(b);
    }
}

Test(api_model_write, a_built_model_is_written_with_its_shapes_and_no_opset_it_did_not_declare)
{
    nnp_model *m;
    cr_assert_eq(nnp_model_new("tiny", 0, &m), NNP_OK);
    const int64_t dims[2] = {1, 4};
    const char *in[1] = {"x"}, *out[1] = {"y"};
    cr_assert_eq(nnp_model_add_input(m, "x", 2, dims), NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, "Relu", "act", in, 1, out, 1, NULL), NNP_OK);
    cr_assert_eq(nnp_model_add_output(m, "y"), NNP_OK);
    collect c = {0};
    expect_err(m, nnp_model_write(m, NNP_MODEL_JSON, (nnp_sink){collect_write, &c}), NNP_MISUSE,
               "model 'tiny' is not checked");
    cr_assert_eq(c.calls, 0);
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    c = write_ok(m, NNP_MODEL_JSON);
    cr_assert(strstr(c.s, "\"name\": \"tiny\""), "%s", c.s);
    cr_assert(strstr(c.s, "\"opType\": \"Relu\""), "%s", c.s);
    cr_assert(strstr(c.s, "\"dimValue\": \"4\""), "%s", c.s);
    cr_assert_null(strstr(c.s, "opsetImport"), "opset 0 means none was declared: %s", c.s);
    nnp_model *back;
    cr_assert_eq(nnp_model_open_buffer(c.s, c.len, "tiny.json", &back), NNP_OK, "%s",
                 nnp_model_errmsg(back));
    int t;
    nnp_tensor_desc d;
    cr_assert_eq(nnp_model_find_tensor(back, "y", &t), NNP_OK);
    cr_assert_eq(nnp_model_tensor(back, t, &d), NNP_OK);
    cr_assert(d.rank == 2 && d.dims[0] == 1 && d.dims[1] == 4 && d.is_output);
    const float x[4] = {-1.5f, 0.0f, 2.0f, -0.0f};
    float y[4];
    size_t n = 4;
    const float *ins[1] = {x};
    float *outs[1] = {y};
    cr_assert_eq(nnp_model_run(back, ins, &n, outs, &n), NNP_OK);
    cr_assert(y[0] == 0.0f && y[1] == 0.0f && y[2] == 2.0f && y[3] == 0.0f);
    free(c.s);
    nnp_model_close(back);
    nnp_model_close(m);
}

Test(api_model_write, a_file_sink_gets_the_same_bytes_as_a_callback)
{
    nnp_model *m = open_ok("samples/tinymlp.onnx");
    collect c = write_ok(m, NNP_MODEL_ONNX);
    FILE *f = tmpfile();
    cr_assert_eq(nnp_model_write(m, NNP_MODEL_ONNX, nnp_file_sink(f)), NNP_OK);
    long n = ftell(f);
    rewind(f);
    cr_assert_eq((size_t)n, c.len);
    char *s = malloc((size_t)n);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    cr_assert_eq(memcmp(s, c.s, c.len), 0);
    fclose(f);
    free(s);
    free(c.s);
    nnp_model_close(m);
}

Test(api_model_write, big_outputs_arrive_in_pieces_and_a_refusing_sink_is_io)
{
    /* big128's weights make a model of some 200 KiB: the sink sees it in
     * pieces of at most 64 KiB, and refusing one stops the write. */
    nnp_model *m = open_ok("samples/big128.onnx");
    collect c = write_ok(m, NNP_MODEL_ONNX);
    cr_assert_gt(c.calls, 1, "%zu bytes in %d piece(s)", c.len, c.calls);
    cr_assert_leq(c.len, (size_t)c.calls * 65536);
    collect stop = {.fail_at = 2, .fail_code = 9};
    expect_err(m, nnp_model_write(m, NNP_MODEL_ONNX, (nnp_sink){collect_write, &stop}), NNP_IO,
               "writing the model as ONNX: the sink returned 9 after 65536 of");
    cr_assert_eq(stop.len, 65536, "the first piece arrived, nothing after the refusal");
    cr_assert_eq(stop.calls, 2);
    free(stop.s);
    free(c.s);
    nnp_model_close(m);
}

Test(api_model_write, misuse_is_refused_naming_what_is_wrong)
{
    nnp_model *m = open_ok("samples/tinymlp.json");
    collect c = {0};
    expect_err(m, nnp_model_write(m, (nnp_model_format)7, (nnp_sink){collect_write, &c}),
               NNP_MISUSE, "unknown format 7");
    expect_err(m, nnp_model_write(m, NNP_MODEL_JSON, (nnp_sink){NULL, NULL}), NNP_MISUSE,
               "the sink's write is NULL");
    cr_assert_eq(c.calls, 0);
    /* The model is still fine after refused calls. */
    c = write_ok(m, NNP_MODEL_JSON);
    free(c.s);
    nnp_model_close(m);
    expect_null_misuse(nnp_model_write(NULL, NNP_MODEL_JSON, (nnp_sink){collect_write, &c}),
                       nnp_model_errmsg(NULL));
    /* A model that failed to open stays unusable and keeps its reason. */
    nnp_model *bad;
    cr_assert_eq(nnp_model_open("/nonexistent/model.onnx", &bad), NNP_IO);
    cr_assert_eq(nnp_model_write(bad, NNP_MODEL_ONNX, (nnp_sink){collect_write, &c}), NNP_MISUSE);
    cr_assert(strstr(nnp_model_errmsg(bad), "/nonexistent/model.onnx"), "%s",
              nnp_model_errmsg(bad));
    cr_assert_eq(nnp_model_errcode(bad), NNP_IO);
    nnp_model_close(bad);
}
