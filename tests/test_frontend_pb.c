/* The protobuf frontend: real .onnx files written by python3-onnx
 * (tests/data/frontend/make_fixtures.py) must load to the same IR as their
 * JSON mapping; hand-assembled bytes pin down packed and unpacked fields and
 * the byte offsets of malformed input. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_load.h"
#include "onnx_json.h"
#include "onnx_pb.h"
#include "test_frontend_util.h"
#include "testutil.h"

static const char *fixture(const char *name)
{
    static char buf[2][4096];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/tests/data/frontend/%s", NNP_SOURCE_DIR, name);
    return buf[k];
}

static graph *load_ok(const char *path)
{
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load(path, &g, &e), NNP_OK, "%s", e.msg);
    return g;
}

static void assert_same_model(const char *a, const char *b)
{
    graph *ga = load_ok(a), *gb = load_ok(b);
    char why[256];
    cr_assert_eq(graph_diff(ga, gb, why, sizeof why), 0, "%s vs %s: %s", a, b, why);
    graph_free(ga);
    graph_free(gb);
}

/* ---- real files ---------------------------------------------------------------------- */

Test(frontend_pb, onnx_files_load_to_the_same_ir_as_their_json_mapping)
{
    const char *names[] = {"conv_relu", "mlp_opset11", "mlp_opset12", "mlp_opset13"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "%s.onnx", names[k]);
        snprintf(b, sizeof b, "%s.json", names[k]);
        char pa[4096];
        snprintf(pa, sizeof pa, "%s", fixture(a));
        assert_same_model(pa, fixture(b));
    }
}

Test(frontend_pb, opset_and_every_data_field_come_through)
{
    const int opsets[] = {11, 12, 13};
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "mlp_opset%d.onnx", opsets[k]);
        graph *g = load_ok(fixture(name));
        cr_assert_eq(g->opset, opsets[k]);
        /* w = 0.5*i - 1 as float_data; bias as raw_data; shape as int64_data. */
        const tensor *w = &g->tensors[graph_find_tensor(g, "w")];
        cr_assert_eq(w->data[0], -1.0f);
        cr_assert_eq(w->data[11], 4.5f);
        const tensor *b = &g->tensors[graph_find_tensor(g, "bias")];
        cr_assert_eq(b->data[1], -0.5f);
        const tensor *s = &g->tensors[graph_find_tensor(g, "shape")];
        cr_assert_eq(s->type, DT_INT64);
        cr_assert_eq(s->idata[0], 1);
        cr_assert_eq(s->idata[1], 4);
        cr_assert_float_eq(attr_float(&g->nodes[1], "alpha", 0), 0.5f, 0);
        graph_free(g);
    }
}

Test(frontend_pb, conv_relu_weights_match_their_formula)
{
    graph *g = load_ok(fixture("conv_relu.onnx"));
    const tensor *w = &g->tensors[graph_find_tensor(g, "w")];
    /* w[o][i][kh][kw] = o + i/2 - kh/4 + kw/8 */
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 2; i++)
            for (int kh = 0; kh < 3; kh++)
                for (int kw = 0; kw < 3; kw++)
                    cr_assert_eq(w->data[((o * 2 + i) * 3 + kh) * 3 + kw],
                                 o + 0.5f * i - 0.25f * kh + 0.125f * kw);
    graph_free(g);
}

Test(frontend_pb, external_data_written_by_onnx_is_read)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", fixture("external/conv_relu_ext.onnx"));
    assert_same_model(path, fixture("conv_relu.onnx"));
}

Test(frontend_pb, truncated_file_reports_the_offset_of_the_cut_field)
{
    /* ir_version (2 bytes) and producer_name (2 + 13) come first: the graph
     * field starts at byte 17 and claims 417 bytes of which 180 remain. */
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load(fixture("err_truncated.onnx"), &g, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "err_truncated.onnx: byte 17: ") && strstr(e.msg, "length 417") &&
                  strstr(e.msg, "180 bytes left"),
              "%s", e.msg);
    cr_assert_null(g);
}

/* ---- hand-assembled bytes -------------------------------------------------------------- */

typedef struct bytes {
    unsigned char p[1 << 20];
    size_t n;
} bytes;

static void raw(bytes *b, const void *p, size_t n)
{
    cr_assert_leq(b->n + n, sizeof b->p);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void varint(bytes *b, uint64_t v)
{
    do {
        unsigned char c = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            c |= 0x80;
        raw(b, &c, 1);
    } while (v);
}

static void tag(bytes *b, int num, int wire)
{
    varint(b, (uint64_t)num << 3 | (uint64_t)wire);
}

static void str(bytes *b, int num, const char *s)
{
    tag(b, num, 2);
    varint(b, strlen(s));
    raw(b, s, strlen(s));
}

static void sub(bytes *b, int num, const bytes *m)
{
    tag(b, num, 2);
    varint(b, m->n);
    raw(b, m->p, m->n);
}

static void f32(bytes *b, int num, float f)
{
    tag(b, num, 5);
    raw(b, &f, 4); /* the test host is little-endian like the format */
}

static int parse(const bytes *b, graph **g, nnp_err *e)
{
    return onnx_pb_parse(b->p, b->n, "m.onnx", NULL, NULL, g, e);
}

static void expect_msg(int rc, int code, const nnp_err *e, const char *needle)
{
    cr_assert_eq(rc, code, "%s", e->msg);
    cr_assert(strstr(e->msg, needle), "'%s' lacks '%s'", e->msg, needle);
}

Test(frontend_pb, packed_and_unpacked_repeated_fields_decode_alike)
{
    static bytes t1, t2;
    /* TensorProto c: dims [2, 2] unpacked, FLOAT, float_data unpacked. */
    t1.n = 0;
    tag(&t1, 1, 0), varint(&t1, 2), tag(&t1, 1, 0), varint(&t1, 2);
    tag(&t1, 2, 0), varint(&t1, 1);
    for (int k = 0; k < 4; k++)
        f32(&t1, 4, 1.5f * (float)k - 2.0f);
    str(&t1, 8, "c");
    /* The same tensor with packed dims and packed float_data. */
    t2.n = 0;
    tag(&t2, 1, 2), varint(&t2, 2), varint(&t2, 2), varint(&t2, 2);
    tag(&t2, 2, 0), varint(&t2, 1);
    tag(&t2, 4, 2), varint(&t2, 16);
    for (int k = 0; k < 4; k++) {
        float f = 1.5f * (float)k - 2.0f;
        raw(&t2, &f, 4);
    }
    str(&t2, 8, "c");
    tensor a = {0}, b = {0};
    nnp_err e = {0};
    cr_assert_eq(onnx_pb_read_tensor(t1.p, t1.n, "t1.pb", &a, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(onnx_pb_read_tensor(t2.p, t2.n, "t2.pb", &b, &e), NNP_OK, "%s", e.msg);
    cr_assert_str_eq(a.name, "c");
    cr_assert_eq(a.rank, 2);
    cr_assert_eq(b.rank, 2);
    cr_assert_eq(a.dims[1], 2);
    cr_assert_eq(b.dims[1], 2);
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(a.data[k], 1.5f * (float)k - 2.0f);
        cr_assert_eq(b.data[k], a.data[k]);
    }
    free(a.name), free(a.data), free(b.name), free(b.data);
}

Test(frontend_pb, int64_data_unpacked_negative_values)
{
    static bytes t;
    t.n = 0;
    tag(&t, 1, 0), varint(&t, 2);
    tag(&t, 2, 0), varint(&t, 7);
    tag(&t, 7, 0), varint(&t, (uint64_t)(int64_t)-1); /* ten bytes */
    tag(&t, 7, 0), varint(&t, 300);
    tensor x = {0};
    nnp_err e = {0};
    cr_assert_eq(onnx_pb_read_tensor(t.p, t.n, "t.pb", &x, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(x.type, DT_INT64);
    cr_assert_eq(x.idata[0], -1);
    cr_assert_eq(x.idata[1], 300);
    free(x.name), free(x.idata);
}

Test(frontend_pb, malformed_encodings_report_their_byte_offset)
{
    static bytes b;
    graph *g = NULL;
    nnp_err e = {0};

    b.n = 0; /* ir_version tag and nothing after it */
    tag(&b, 1, 0);
    expect_msg(parse(&b, &g, &e), NNP_INVALID, &e, "m.onnx: byte 1: model (ModelProto): truncated varint");

    b.n = 0; /* graph claims 5 bytes, 2 remain */
    tag(&b, 1, 0), varint(&b, 7), tag(&b, 7, 2), varint(&b, 5), varint(&b, 10), varint(&b, 1);
    expect_msg(parse(&b, &g, &e), NNP_INVALID, &e, "byte 2: model (ModelProto): field 7: length 5");

    b.n = 0; /* graph given as a varint */
    tag(&b, 7, 0), varint(&b, 1);
    expect_msg(parse(&b, &g, &e), NNP_INVALID, &e, "byte 0: model (ModelProto): field 'graph' (7) has wire type varint");

    b.n = 0; /* an eleven-byte varint */
    tag(&b, 1, 0);
    for (int k = 0; k < 10; k++)
        raw(&b, "\xff", 1);
    raw(&b, "\x01", 1);
    expect_msg(parse(&b, &g, &e), NNP_INVALID, &e, "byte 1: model (ModelProto): varint does not fit in 64 bits");

    b.n = 0; /* a group, which ONNX never uses */
    tag(&b, 3, 0), varint(&b, 0), tag(&b, 9, 3);
    expect_msg(parse(&b, &g, &e), NNP_INVALID, &e, "byte 2: model (ModelProto): field 9 has wire type group start");

    b.n = 0; /* field number 0 */
    raw(&b, "\x08\x07\x00", 3);
    expect_msg(parse(&b, &g, &e), NNP_INVALID, &e, "byte 2: model (ModelProto): invalid field number 0");
    cr_assert_null(g);
}

Test(frontend_pb, nested_errors_name_the_message_and_the_node)
{
    static bytes node, graph_, model, attr;
    graph *g = NULL;
    nnp_err e = {0};
    /* A node whose op_type field claims more bytes than the node holds. The
     * encoding is checked before any field is used, so the node is named by
     * its position. */
    node.n = 0;
    str(&node, 3, "n1");
    tag(&node, 4, 2), varint(&node, 9), raw(&node, "Relu", 4);
    graph_.n = 0;
    sub(&graph_, 1, &node);
    model.n = 0;
    sub(&model, 7, &graph_);
    /* model: tag+len (2) | graph: tag+len (2) | node: name (4), op_type tag at 8 */
    expect_msg(parse(&model, &g, &e), NNP_INVALID, &e,
               "m.onnx: byte 8: node #0 (NodeProto): field 4: length 9");

    /* A packed float attribute whose length is not a multiple of 4. */
    attr.n = 0;
    str(&attr, 1, "alpha");
    tag(&attr, 7, 2), varint(&attr, 6), raw(&attr, "abcdef", 6);
    node.n = 0;
    str(&node, 4, "Relu");
    sub(&node, 5, &attr);
    graph_.n = 0;
    sub(&graph_, 1, &node);
    model.n = 0;
    sub(&model, 7, &graph_);
    /* 2 + 2 + op_type (6) + attribute tag+len (2) + name (7) = byte 19 */
    expect_msg(parse(&model, &g, &e), NNP_INVALID, &e, "byte 19: node #0 (Relu): attribute #0");
    cr_assert(strstr(e.msg, "not a multiple of 4"), "%s", e.msg);
}

Test(frontend_pb, nesting_bomb_in_a_graph_attribute_is_not_followed)
{
    /* 3000 levels of GraphProto > NodeProto > AttributeProto(g) > ...: the
     * reader skips subgraphs, so this is the GRAPH attribute refusal, not a
     * stack overflow. */
    static bytes cur, next;
    cur.n = 0;
    for (int level = 0; level < 3000 && cur.n < sizeof cur.p - 256; level++) {
        static bytes a, n;
        a.n = 0;
        str(&a, 1, "body");
        tag(&a, 20, 0), varint(&a, 5);
        sub(&a, 6, &cur);
        n.n = 0;
        str(&n, 4, "Relu");
        str(&n, 1, "x");
        str(&n, 2, "y");
        sub(&n, 5, &a);
        next.n = 0;
        sub(&next, 1, &n);
        cur = next;
    }
    cr_assert_gt(cur.n, 3000 * 20);
    static bytes model;
    model.n = 0;
    sub(&model, 7, &cur);
    graph *g = NULL;
    nnp_err e = {0};
    expect_msg(parse(&model, &g, &e), NNP_UNSUPPORTED, &e, "attribute 'body' has type GRAPH");
}

Test(frontend_pb, node_limit_is_checked_before_node_storage)
{
    static bytes node, graph_, model;
    node.n = 0;
    str(&node, 4, "Relu");
    graph_.n = 0;
    for (int k = 0; k < 5; k++)
        sub(&graph_, 1, &node);
    model.n = 0;
    sub(&model, 7, &graph_);
    onnx_limits lim = onnx_default_limits;
    lim.max_nodes = 4;
    graph *g = NULL;
    nnp_err e = {0};
    expect_msg(onnx_pb_parse(model.p, model.n, "m.onnx", NULL, &lim, &g, &e), NNP_LIMIT, &e,
               "m.onnx: the graph has 5 nodes; the limit is 4");
}

Test(frontend_pb, unknown_fields_of_every_wire_type_are_skipped)
{
    static bytes model;
    graph *g = NULL;
    nnp_err e = {0};
    model.n = 0;
    tag(&model, 1, 0), varint(&model, 8);
    tag(&model, 100, 0), varint(&model, 12345);
    tag(&model, 101, 1), raw(&model, "12345678", 8);
    tag(&model, 102, 5), raw(&model, "1234", 4);
    str(&model, 103, "ignored");
    /* No graph: the unknown fields were read past and the model is refused
     * for what it lacks, not for them. */
    expect_msg(parse(&model, &g, &e), NNP_INVALID, &e, "m.onnx: the model has no graph");
}

/* ---- samples: .onnx, .json and both writers agree ------------------------------------- */

static const char *const samples[] = {"lenet5", "resblock", "mobilenet_tiny", "big128", "tinymlp"};

static graph *reload(const void *buf, size_t len, const char *name)
{
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load_buffer(buf, len, name, &g, &e), NNP_OK, "%s", e.msg);
    return g;
}

Test(frontend_pb, every_sample_loads_identically_from_onnx_and_json)
{
    for (size_t k = 0; k < sizeof samples / sizeof *samples; k++) {
        char a[4096], b[4096];
        snprintf(a, sizeof a, "%s/samples/%s.onnx", NNP_SOURCE_DIR, samples[k]);
        snprintf(b, sizeof b, "%s/samples/%s.json", NNP_SOURCE_DIR, samples[k]);
        assert_same_model(a, b);
    }
}

Test(frontend_pb, every_sample_round_trips_through_both_writers)
{
    for (size_t k = 0; k < sizeof samples / sizeof *samples; k++) {
        char path[4096], why[256];
        snprintf(path, sizeof path, "%s/samples/%s.json", NNP_SOURCE_DIR, samples[k]);
        graph *g = load_ok(path);
        nnp_err e = {0};
        unsigned char *pb;
        char *js;
        size_t pl, jl;
        cr_assert_eq(onnx_pb_write(g, &pb, &pl, &e), NNP_OK, "%s", e.msg);
        cr_assert_eq(onnx_json_write(g, &js, &jl, &e), NNP_OK, "%s", e.msg);
        cr_assert_eq(pb[0], 0x08); /* ir_version first, as ONNX writes it */
        cr_assert_eq(js[0], '{');
        graph *from_pb = reload(pb, pl, "written.onnx"), *from_js = reload(js, jl, "written.json");
        cr_assert_eq(graph_diff(g, from_pb, why, sizeof why), 0, "%s via onnx: %s", samples[k], why);
        cr_assert_eq(graph_diff(g, from_js, why, sizeof why), 0, "%s via json: %s", samples[k], why);
        /* And the JSON of the protobuf-read model is the same text. */
        char *js2;
        size_t jl2;
        cr_assert_eq(onnx_json_write(from_pb, &js2, &jl2, &e), NNP_OK);
        cr_assert_eq(jl2, jl);
        cr_assert_eq(memcmp(js, js2, jl), 0);
        free(js2);
        graph_free(from_pb);
        graph_free(from_js);
        graph_free(g);
        free(pb);
        free(js);
    }
}

/* ---- robustness ------------------------------------------------------------------------- */

Test(frontend_pb, missing_file_and_foreign_bytes_are_clear_errors)
{
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load("/nonexistent/model.onnx", &g, &e), NNP_IO);
    cr_assert(strstr(e.msg, "/nonexistent/model.onnx"), "%s", e.msg);
    /* A PNG header is not JSON, so it is read as protobuf: the varint
     * 0x89 0x50 is tag 10249, field 1281 with wire type 1 (64-bit), and
     * only 4 bytes follow. */
    const unsigned char png[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a};
    cr_assert_eq(model_load_buffer(png, sizeof png, "image.png", &g, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "image.png: byte 0: model (ModelProto): field 1281: 8-byte value"), "%s",
              e.msg);
}

/* xorshift64: the corruptions below are the same on every run. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Corrupts a valid model in random places (byte changes, flipped bits,
 * cuts) many times: every attempt must load or fail with a message that
 * starts with the name, never crash or leak (the sanitizers watch). */
static void corrupt_and_load(const char *path, int rounds, uint64_t seed)
{
    char *buf;
    size_t len;
    nnp_err e = {0};
    cr_assert_eq(read_file(path, 1 << 22, &buf, &len, &e), NNP_OK);
    unsigned char *m = malloc(len);
    int loaded = 0, failed = 0;
    for (int it = 0; it < rounds; it++) {
        memcpy(m, buf, len);
        size_t n = len;
        for (int j = 0, k = 1 + (int)(next_random(&seed) % 3); j < k; j++) {
            size_t at = (size_t)(next_random(&seed) % n);
            switch (next_random(&seed) % 3) {
            case 0: m[at] = (unsigned char)next_random(&seed); break;
            case 1: m[at] ^= (unsigned char)(1u << (next_random(&seed) % 8)); break;
            default: n = at + 1; break;
            }
        }
        graph *g = NULL;
        int rc = model_load_buffer(m, n, "fuzzed", &g, &e);
        if (rc == NNP_OK) {
            loaded++;
            graph_free(g);
        } else {
            failed++;
            cr_assert_null(g);
            cr_assert(!strncmp(e.msg, "fuzzed", 6), "round %d: '%s'", it, e.msg);
        }
    }
    /* Both outcomes occur, or the corruption was not doing its job. */
    cr_assert_gt(failed, rounds / 4);
    cr_assert_gt(loaded, 0);
    free(m);
    free(buf);
}

Test(model_load, random_corruptions_of_an_onnx_model_fail_cleanly)
{
    corrupt_and_load(fixture("conv_relu.onnx"), 1500, 0x9e3779b97f4a7c15u);
}

Test(model_load, random_corruptions_of_a_json_model_fail_cleanly)
{
    corrupt_and_load(fixture("specials.json"), 1500, 0x2545f4914f6cdd1du);
}
