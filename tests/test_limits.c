/* Absurd inputs are refused with a clear message, never with a failed
 * allocation, a crash or a hang: dims of 2^40, products past INT64_MAX, a
 * 1 GiB data claim backed by four bytes, a million and one nodes, nesting
 * a hundred thousand deep, pool kernels far larger than their input,
 * targets and schedules past their bounds. Every input is built in memory.
 *
 * Where a lying size could make the code allocate what the input claims,
 * the test first caps its own address space (cap_memory): such an
 * allocation would then fail, and the test would see NNP_NOMEM instead of
 * the refusal it expects. (Not under ASan, which reserves terabytes of
 * shadow memory up front; there, ASan's own allocation limit reports it.)
 * README.md, section Limits, lists every limit tested here. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "graph.h"
#include "interp.h"
#include "model_load.h"
#include "onnx_import.h"
#include "onnx_json.h"
#include "onnx_pb.h"
#include "program.h"
#include "scheduler.h"
#include "target.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Limits this process to its current size plus `extra` bytes of address
 * space (Criterion runs each test in its own process). */
static void cap_memory(size_t extra)
{
#ifndef UNDER_ASAN
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)pages * 4096 + extra;
    cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
#else
    (void)extra;
#endif
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The status is `code` and the message contains every fragment given
 * (NULL-terminated). */
static void expect_refusal(int rc, const nnp_err *e, int code, const char *frag, ...)
{
    cr_assert_eq(rc, code, "expected status %d (%s), got %d: %s", code, nnp_status_name(code), rc,
                 e->msg);
    cr_assert_eq(e->code, code);
    cr_log_info("%s", e->msg);
    va_list ap;
    va_start(ap, frag);
    for (const char *f = frag; f; f = va_arg(ap, const char *))
        cr_assert(strstr(e->msg, f), "message '%s' lacks '%s'", e->msg, f);
    va_end(ap);
}

/* ---- models in the JSON mapping ---- */

/* A Relu model whose input x has the dims listed in `dims` (JSON dim
 * objects) and whose graph carries the extra initializers in `inits`. */
static char *relu_model(const char *dims, const char *inits)
{
    static const char fmt[] =
        "{\"irVersion\": \"7\", \"opsetImport\": [{\"version\": \"13\"}],\n"
        " \"graph\": {\"name\": \"g\",\n"
        "  \"node\": [{\"input\": [\"x\"], \"output\": [\"y\"], \"name\": \"relu\", "
        "\"opType\": \"Relu\"}],\n"
        "  \"initializer\": [%s],\n"
        "  \"input\": [{\"name\": \"x\", \"type\": {\"tensorType\": {\"elemType\": 1, "
        "\"shape\": {\"dim\": [%s]}}}}],\n"
        "  \"output\": [{\"name\": \"y\", \"type\": {\"tensorType\": {\"elemType\": 1}}}]}}\n";
    size_t n = sizeof fmt + strlen(dims) + strlen(inits);
    char *s = malloc(n);
    snprintf(s, n, fmt, inits, dims);
    return s;
}

static int load_text(const char *text, graph **g, nnp_err *e)
{
    *g = NULL;
    return model_load_buffer(text, strlen(text), "limit.json", g, e);
}

Test(limits, input_dims_of_2_40_are_refused_naming_the_tensor)
{
    char *m = relu_model("{\"dimValue\": \"1099511627776\"}", "");
    graph *g;
    nnp_err e = {0};
    cap_memory((size_t)256 << 20);
    expect_refusal(load_text(m, &g, &e), &e, NNP_LIMIT, "limit.json", "'x'", "1099511627776",
                   "limit", NULL);
    cr_assert_null(g);
    free(m);
}

Test(limits, dims_whose_product_passes_int64_are_refused)
{
    char *m = relu_model("{\"dimValue\": \"2147483648\"}, {\"dimValue\": \"2147483648\"}, "
                         "{\"dimValue\": \"2147483648\"}", "");
    graph *g;
    nnp_err e = {0};
    expect_refusal(load_text(m, &g, &e), &e, NNP_LIMIT, "limit.json", "'x'", "limit", NULL);
    free(m);
}

Test(limits, initializer_of_2_40_elements_is_refused_before_its_data_is_read)
{
    char *m = relu_model("{\"dimValue\": \"4\"}",
                         "{\"name\": \"w\", \"dims\": [\"1099511627776\"], \"dataType\": 1, "
                         "\"rawData\": \"AAAAAA==\"}");
    graph *g;
    nnp_err e = {0};
    cap_memory((size_t)256 << 20);
    expect_refusal(load_text(m, &g, &e), &e, NNP_LIMIT, "limit.json", "'w'", NULL);
    free(m);
}

/* 2^28 floats is exactly 1 GiB, within the element limit: only the size
 * check against the four bytes present stands between the claim and a
 * 1 GiB allocation. */
Test(limits, one_gib_raw_data_claim_backed_by_four_bytes_is_refused_without_allocating)
{
    char *m = relu_model("{\"dimValue\": \"4\"}",
                         "{\"name\": \"w\", \"dims\": [\"268435456\"], \"dataType\": 1, "
                         "\"rawData\": \"AAAAAA==\"}");
    graph *g;
    nnp_err e = {0};
    cap_memory((size_t)256 << 20);
    expect_refusal(load_text(m, &g, &e), &e, NNP_INVALID, "limit.json", "'w'", "4", NULL);
    free(m);
}

Test(limits, one_gib_float_data_claim_with_one_value_is_refused_without_allocating)
{
    char *m = relu_model("{\"dimValue\": \"4\"}",
                         "{\"name\": \"w\", \"dims\": [\"268435456\"], \"dataType\": 1, "
                         "\"floatData\": [1.0]}");
    graph *g;
    nnp_err e = {0};
    cap_memory((size_t)256 << 20);
    expect_refusal(load_text(m, &g, &e), &e, NNP_INVALID, "limit.json", "'w'", NULL);
    free(m);
}

/* The node limit is 1,000,000; one more, as empty node objects, must be
 * refused by count, in well under the test's time. */
Test(limits, a_million_and_one_nodes_are_refused_by_count, .timeout = 60)
{
    const int n = 1000001;
    char *nodes = malloc((size_t)n * 3 + 1), *p = nodes;
    for (int i = 0; i < n; i++) {
        memcpy(p, i ? ",{}" : "{}", i ? 3 : 2);
        p += i ? 3 : 2;
    }
    *p = 0;
    const char *head = "{\"graph\": {\"node\": [", *tail = "]}}";
    size_t len = strlen(head) + strlen(nodes) + strlen(tail);
    char *m = malloc(len + 1);
    snprintf(m, len + 1, "%s%s%s", head, nodes, tail);
    graph *g;
    nnp_err e = {0};
    double t0 = now();
    expect_refusal(load_text(m, &g, &e), &e, NNP_LIMIT, "limit.json", "1000001", "1000000", NULL);
    cr_expect_lt(now() - t0, 20.0, "refusing took %.1f s", now() - t0);
    free(m);
    free(nodes);
}

Test(limits, json_nested_100000_deep_is_a_positioned_syntax_error)
{
    const int depth = 100000;
    size_t len = strlen("{\"graph\": ") + 2 * (size_t)depth + 2;
    char *m = malloc(len + 1);
    strcpy(m, "{\"graph\": ");
    size_t at = strlen(m);
    memset(m + at, '[', (size_t)depth);
    memset(m + at + depth, ']', (size_t)depth);
    strcpy(m + at + 2 * (size_t)depth, "}");
    graph *g;
    nnp_err e = {0};
    expect_refusal(load_text(m, &g, &e), &e, NNP_INVALID, "limit.json:1:", NULL);
    free(m);
}

/* ---- models in protobuf, encoded by hand ---- */

typedef struct pb {
    unsigned char *b;
    size_t n, cap;
} pb;

static void pb_raw(pb *p, const void *d, size_t n)
{
    if (p->n + n > p->cap) {
        p->cap = (p->n + n) * 2 + 64;
        p->b = realloc(p->b, p->cap);
    }
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void pb_varint(pb *p, uint64_t v)
{
    unsigned char c[10];
    int n = 0;
    do {
        c[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    pb_raw(p, c, (size_t)n);
}

static void pb_key(pb *p, int field, int wire)
{
    pb_varint(p, (uint64_t)field << 3 | (uint64_t)wire);
}

static void pb_int(pb *p, int field, uint64_t v)
{
    pb_key(p, field, 0);
    pb_varint(p, v);
}

static void pb_bytes(pb *p, int field, const void *d, size_t n)
{
    pb_key(p, field, 2);
    pb_varint(p, n);
    pb_raw(p, d, n);
}

static void pb_str(pb *p, int field, const char *s)
{
    pb_bytes(p, field, s, strlen(s));
}

/* Appends inner as field `field` and frees it. */
static void pb_msg(pb *p, int field, pb *inner)
{
    pb_bytes(p, field, inner->b, inner->n);
    free(inner->b);
    memset(inner, 0, sizeof *inner);
}

/* ModelProto{ir_version 7, opset 13, graph} around the graph fields. */
static pb pb_model(pb *graph_fields)
{
    pb m = {0}, op = {0};
    pb_int(&m, 1, 7);
    pb_int(&op, 2, 13);
    pb_msg(&m, 8, &op);
    pb_msg(&m, 7, graph_fields);
    return m;
}

/* ValueInfoProto x: float [dim]. */
static void pb_input(pb *graph_fields, int field, const char *name, uint64_t dim)
{
    pb vi = {0}, type = {0}, tt = {0}, shape = {0}, d = {0};
    pb_str(&vi, 1, name);
    pb_int(&tt, 1, 1);
    pb_int(&d, 1, dim);
    pb_msg(&shape, 1, &d);
    pb_msg(&tt, 2, &shape);
    pb_msg(&type, 1, &tt);
    pb_msg(&vi, 2, &type);
    pb_msg(graph_fields, field, &vi);
}

static int load_pb(const pb *m, graph **g, nnp_err *e)
{
    *g = NULL;
    return model_load_buffer(m->b, m->n, "limit.onnx", g, e);
}

/* raw_data's length prefix says 1 GiB; the tensor message ends after four
 * bytes. */
Test(limits, protobuf_raw_data_length_of_1_gib_past_the_end_is_refused_without_allocating)
{
    pb gr = {0}, t = {0};
    pb_int(&t, 1, (uint64_t)1 << 28);
    pb_int(&t, 2, 1);
    pb_str(&t, 8, "w");
    pb_key(&t, 9, 2);
    pb_varint(&t, (uint64_t)1 << 30);
    pb_raw(&t, "\0\0\0\0", 4);
    pb_msg(&gr, 5, &t);
    pb_input(&gr, 11, "x", 4);
    pb m = pb_model(&gr);
    graph *g;
    nnp_err e = {0};
    cap_memory((size_t)256 << 20);
    expect_refusal(load_pb(&m, &g, &e), &e, NNP_INVALID, "limit.onnx", "byte", NULL);
    free(m.b);
}

Test(limits, protobuf_initializer_of_2_40_elements_is_refused)
{
    pb gr = {0}, t = {0};
    pb_int(&t, 1, (uint64_t)1 << 40);
    pb_int(&t, 2, 1);
    pb_str(&t, 8, "w");
    pb_bytes(&t, 9, "\0\0\0\0", 4);
    pb_msg(&gr, 5, &t);
    pb_input(&gr, 11, "x", 4);
    pb m = pb_model(&gr);
    graph *g;
    nnp_err e = {0};
    cap_memory((size_t)256 << 20);
    expect_refusal(load_pb(&m, &g, &e), &e, NNP_LIMIT, "limit.onnx", "'w'", NULL);
    free(m.b);
}

Test(limits, protobuf_with_a_million_and_one_nodes_is_refused_by_count, .timeout = 60)
{
    pb gr = {0};
    for (int i = 0; i < 1000001; i++)
        pb_bytes(&gr, 1, "", 0);
    pb m = pb_model(&gr);
    graph *g;
    nnp_err e = {0};
    cap_memory((size_t)256 << 20);
    expect_refusal(load_pb(&m, &g, &e), &e, NNP_LIMIT, "limit.onnx", "1000001", "1000000", NULL);
    free(m.b);
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    for (; v > 0x7f; v >>= 7)
        n++;
    return n;
}

/* graph { node { attribute { g { node { attribute { g ... } } } } } },
 * 100000 levels: the reader must not recurse into subgraphs. Written from
 * the outside in, with every length worked out first (wrapping the inner
 * message level by level would copy it 100000 times). */
Test(limits, protobuf_subgraphs_nested_100000_deep_do_not_exhaust_the_stack, .timeout = 60)
{
    enum { DEPTH = 100000 };
    /* Per level: graph.node(1) -> node{op_type(4) "Relu", attribute(5)} ->
     * attribute{name(1) "body", type(20) GRAPH, g(6)} -> the next graph. */
    const size_t op_type = 2 + 4, name = 2 + 4, type = 2 + 1;
    size_t *gsize = malloc((DEPTH + 1) * sizeof *gsize);
    size_t *nsize = malloc((DEPTH + 1) * sizeof *nsize);
    size_t *asize = malloc((DEPTH + 1) * sizeof *asize);
    gsize[0] = 0;
    for (int i = 1; i <= DEPTH; i++) {
        asize[i] = name + type + 1 + varint_len(gsize[i - 1]) + gsize[i - 1];
        nsize[i] = op_type + 1 + varint_len(asize[i]) + asize[i];
        gsize[i] = 1 + varint_len(nsize[i]) + nsize[i];
    }
    pb gr = {0};
    for (int i = DEPTH; i >= 1; i--) {
        pb_key(&gr, 1, 2);
        pb_varint(&gr, nsize[i]);
        pb_str(&gr, 4, "Relu");
        pb_key(&gr, 5, 2);
        pb_varint(&gr, asize[i]);
        pb_str(&gr, 1, "body");
        pb_int(&gr, 20, 5);
        pb_key(&gr, 6, 2);
        pb_varint(&gr, gsize[i - 1]);
    }
    cr_assert_eq(gr.n, gsize[DEPTH]);
    free(gsize), free(nsize), free(asize);
    pb m = pb_model(&gr);
    graph *g;
    nnp_err e = {0};
    int rc = load_pb(&m, &g, &e);
    cr_assert_neq(rc, NNP_OK);
    cr_assert_neq(rc, NNP_NOMEM, "%s", e.msg);
    /* Refused at the first level, without descending: the outermost node. */
    expect_refusal(rc, &e, NNP_UNSUPPORTED, "limit.onnx", "node #0 (Relu)", "attribute 'body'",
                   "GRAPH", NULL);
    free(m.b);
}

/* ---- limits that can be raised: onnx_limits ---- */

Test(limits, onnx_limits_given_to_the_reader_replace_the_defaults)
{
    char *m = relu_model("{\"dimValue\": \"4\"}, {\"dimValue\": \"4\"}", "");
    graph *g = NULL;
    nnp_err e = {0};
    onnx_limits lim = onnx_default_limits;
    lim.max_tensor_elems = 8;
    int rc = onnx_json_parse_ex(m, strlen(m), "small.json", NULL, &lim, &g, &e);
    expect_refusal(rc, &e, NNP_LIMIT, "small.json", "'x'", "8", NULL);
    lim = onnx_default_limits;
    lim.max_nodes = 0;
    rc = onnx_json_parse_ex(m, strlen(m), "small.json", NULL, &lim, &g, &e);
    expect_refusal(rc, &e, NNP_LIMIT, "small.json", "1 nodes", "limit is 0", NULL);
    lim = onnx_default_limits;
    lim.max_file_bytes = 100;
    rc = onnx_json_parse_ex(m, strlen(m), "small.json", NULL, &lim, &g, &e);
    expect_refusal(rc, &e, NNP_LIMIT, "small.json", "100", NULL);
    rc = onnx_json_parse_ex(m, strlen(m), "small.json", NULL, &onnx_default_limits, &g, &e);
    cr_assert_eq(rc, NNP_OK, "%s", e.msg);
    graph_free(g);
    free(m);
}

/* model_load_buffer_ex takes the same limits whatever the encoding: an
 * input of 2^30 + 8 elements (no data to allocate) is past the default and
 * loads once the limit is raised to the IR's own 2^31. */
Test(limits, model_load_ex_raises_the_tensor_limit_for_json_and_protobuf)
{
    char *m = relu_model("{\"dimValue\": \"1073741832\"}", "");
    graph *g = NULL;
    nnp_err e = {0};
    int rc = model_load_buffer_ex(m, strlen(m), "big.json", NULL, &g, &e);
    expect_refusal(rc, &e, NNP_LIMIT, "big.json", "'x'", "1073741824", NULL);
    onnx_limits lim = onnx_default_limits;
    lim.max_tensor_elems = (int64_t)1 << 31;
    rc = model_load_buffer_ex(m, strlen(m), "big.json", &lim, &g, &e);
    cr_assert_eq(rc, NNP_OK, "%s", e.msg);
    cr_assert_eq(g->tensors[g->inputs[0]].dims[0], ((int64_t)1 << 30) + 8);
    graph_free(g);
    free(m);

    pb gr = {0}, node = {0};
    pb_str(&node, 1, "x");
    pb_str(&node, 2, "y");
    pb_str(&node, 4, "Relu");
    pb_msg(&gr, 1, &node);
    pb_input(&gr, 11, "x", ((uint64_t)1 << 30) + 8);
    pb out = {0};
    pb_str(&out, 1, "y");
    pb_msg(&gr, 12, &out);
    pb model = pb_model(&gr);
    rc = model_load_buffer_ex(model.b, model.n, "big.onnx", NULL, &g, &e);
    expect_refusal(rc, &e, NNP_LIMIT, "big.onnx", "'x'", NULL);
    rc = model_load_buffer_ex(model.b, model.n, "big.onnx", &lim, &g, &e);
    cr_assert_eq(rc, NNP_OK, "%s", e.msg);
    graph_free(g);
    free(model.b);
}

Test(limits, files_past_the_size_limit_are_refused_while_reading)
{
    const char *dir = temp_dir();
    char path[256];
    snprintf(path, sizeof path, "%s/big.json", dir);
    cr_assert_eq(write_text(path, "{\"graph\": {}}\n"), 0);
    char *buf = NULL;
    size_t len;
    nnp_err e = {0};
    expect_refusal(read_file(path, 8, &buf, &len, &e), &e, NNP_LIMIT, path, "8 bytes", NULL);
    cr_assert_null(buf);
    remove(path);
    remove(dir);
}

/* ---- graphs built through the IR ---- */

static graph *one_input(const char *name, const int64_t *dims, int rank)
{
    graph *g = graph_new();
    int t = graph_intern_tensor(g, name);
    g->tensors[t].rank = rank;
    memcpy(g->tensors[t].dims, dims, (size_t)rank * sizeof *dims);
    graph_add_input(g, t);
    return g;
}

static int add(graph *g, op_kind op, const char *name, const char *in0, const char *in1,
               const char *out)
{
    int in[2] = {graph_intern_tensor(g, in0), in1 ? graph_intern_tensor(g, in1) : -1};
    int y = graph_intern_tensor(g, out);
    int n = graph_add_node(g, op, name, in, in1 ? 2 : 1, &y, 1);
    graph_add_output(g, y);
    return n;
}

Test(limits, tensors_past_2_31_elements_are_refused_by_shape_inference)
{
    graph *g = one_input("x", (const int64_t[]){65536, 65536}, 2);
    add(g, OP_RELU, "relu", "x", NULL, "y");
    nnp_err e = {0};
    expect_refusal(graph_check(g, &e), &e, NNP_LIMIT, "'relu'", "'x'", "2^31", NULL);
    graph_free(g);
}

Test(limits, conv_output_past_2_31_elements_is_refused_before_anything_is_allocated)
{
    graph *g = one_input("x", (const int64_t[]){1, 1, 4, 4}, 4);
    int w = graph_intern_tensor(g, "w");
    g->tensors[w].rank = 4;
    memcpy(g->tensors[w].dims, (const int64_t[]){1, 1, 1, 1}, 4 * sizeof(int64_t));
    g->tensors[w].data = calloc(1, sizeof(float));
    int n = add(g, OP_CONV, "conv", "x", "w", "y");
    node_set_ints(g, n, "pads", (const int64_t[]){40000, 40000, 40000, 40000}, 4);
    nnp_err e = {0};
    expect_refusal(graph_check(g, &e), &e, NNP_LIMIT, "'conv'", "2^31", NULL);
    graph_free(g);
}

Test(limits, reshape_to_2_40_elements_is_refused)
{
    graph *g = one_input("x", (const int64_t[]){4}, 1);
    int s = graph_intern_tensor(g, "shape");
    g->tensors[s].type = DT_INT64;
    g->tensors[s].rank = 1;
    g->tensors[s].dims[0] = 2;
    g->tensors[s].idata = malloc(2 * sizeof(int64_t));
    g->tensors[s].idata[0] = g->tensors[s].idata[1] = (int64_t)1 << 40;
    add(g, OP_RESHAPE, "reshape", "x", "shape", "y");
    nnp_err e = {0};
    expect_refusal(graph_check(g, &e), &e, NNP_INVALID, "'reshape'", "'x'", NULL);
    graph_free(g);
}

static graph *pool_graph(op_kind op, const int64_t *in, int rank, const int64_t *ks,
                         const int64_t *pads, int nsp)
{
    graph *g = one_input("x", in, rank);
    int n = add(g, op, "pool", "x", NULL, "y");
    node_set_ints(g, n, "kernel_shape", ks, nsp);
    node_set_ints(g, n, "pads", pads, 2 * nsp);
    return g;
}

/* 8192 x 8192 taps over a 4 x 4 input (pads make the kernel fit): 2^26
 * positions per window, past the limit of 2^24. */
Test(limits, pool_kernel_of_2_26_positions_over_a_4x4_input_is_refused)
{
    graph *g = pool_graph(OP_MAXPOOL, (const int64_t[]){1, 1, 4, 4}, 4,
                          (const int64_t[]){8192, 8192},
                          (const int64_t[]){4094, 4094, 4094, 4094}, 2);
    nnp_err e = {0};
    expect_refusal(graph_check(g, &e), &e, NNP_LIMIT, "'pool'", "8192 x 8192", "2^24", NULL);
    graph_free(g);
}

Test(limits, pool_kernel_of_2_40_along_one_dim_is_refused)
{
    graph *g = pool_graph(OP_AVGPOOL, (const int64_t[]){1, 1, 4}, 3,
                          (const int64_t[]){(int64_t)1 << 40},
                          (const int64_t[]){0, 0}, 1);
    nnp_err e = {0};
    expect_refusal(graph_check(g, &e), &e, NNP_INVALID, "'pool'", "kernel extent",
                   "spatial dim 0", "kernel 1099511627776", "dilation 1", "2^31", NULL);
    graph_free(g);
}

/* A small kernel spread by its dilation: (3 - 1) * (2^30 + 1) + 1 taps
 * span 2^31 + 3 inputs along dim 1. */
Test(limits, pool_kernel_dilated_past_2_31_names_kernel_and_dilation)
{
    graph *g = pool_graph(OP_MAXPOOL, (const int64_t[]){1, 1, 4, 4}, 4,
                          (const int64_t[]){1, 3}, (const int64_t[]){0, 0, 0, 0}, 2);
    node_set_ints(g, 0, "dilations", (const int64_t[]){1, ((int64_t)1 << 30) + 1}, 2);
    nnp_err e = {0};
    expect_refusal(graph_check(g, &e), &e, NNP_INVALID, "'pool'", "spatial dim 1", "kernel 3",
                   "dilation 1073741825", "2^31", NULL);
    graph_free(g);
}

/* A kernel of 2^20 taps over 4 inputs is allowed (under 2^24) and must
 * cost what its 4 real inputs cost, in the interpreter and in lowering. */
Test(limits, pool_kernel_of_2_20_over_4_inputs_runs_in_time_proportional_to_the_input,
     .timeout = 30)
{
    graph *g = pool_graph(OP_AVGPOOL, (const int64_t[]){1, 2, 4}, 3,
                          (const int64_t[]){(int64_t)1 << 20},
                          (const int64_t[]){(1 << 19) - 2, (1 << 19) - 2}, 1);
    nnp_err e = {0};
    cr_assert_eq(graph_check(g, &e), NNP_OK, "%s", e.msg);
    const tensor *y = &g->tensors[g->outputs[0]];
    cr_assert_eq(y->dims[2], 1, "one window covers the whole padded input");
    float x[8] = {1, 2, 3, 4, 10, 20, 30, 50}, out[2];
    const float *ins[] = {x};
    float *outs[] = {out};
    double t0 = now();
    cr_assert_eq(interp_run(g, ins, outs, &e), NNP_OK, "%s", e.msg);
    cr_assert_lt(now() - t0, 1.0, "the interpreter visited padding: %.2f s", now() - t0);
    cr_assert_float_eq(out[0], 2.5f, 1e-6f);
    cr_assert_float_eq(out[1], 27.5f, 1e-6f);
    target *t = NULL;
    cr_assert_eq(target_default(&t, &e), NNP_OK, "%s", e.msg);
    program *p = NULL;
    t0 = now();
    int rc = lower_program(g, t, &p, &e);
    cr_assert(rc == NNP_OK || (rc == NNP_INFEASIBLE && strstr(e.msg, "'pool'")), "lowering: %s",
              e.msg);
    cr_assert_lt(now() - t0, 5.0, "lowering took %.2f s", now() - t0);
    program_free(p);
    target_free(t);
    graph_free(g);
}

/* ---- targets ---- */

static int parse_target(const char *units, const char *memory, target **t, nnp_err *e)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"clock_mhz\": 100, \"memory\": %s, \"units\": [%s]}", memory,
             units);
    return target_parse(text, strlen(text), "limit_target.json", t, e);
}

static const char *dma = "{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 4}";

Test(limits, target_values_past_their_bounds_name_the_field)
{
    static const struct {
        const char *units, *memory, *field;
    } cases[] = {
        {NULL, "{\"bytes\": 2199023255552}", "memory.bytes"},
        {"{\"name\": \"m\", \"kind\": \"mac\", \"count\": 4097, \"throughput\": 4}", NULL,
         "units[1].count"},
        {"{\"name\": \"m\", \"kind\": \"mac\", \"throughput\": 1e13}", NULL,
         "units[1].throughput"},
        {"{\"name\": \"m\", \"kind\": \"mac\", \"throughput\": 4, \"latency\": 8589934592}",
         NULL, "units[1].latency"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char units[512];
        snprintf(units, sizeof units, "%s%s%s", dma, cases[i].units ? ", " : "",
                 cases[i].units ? cases[i].units : "");
        target *t = NULL;
        nnp_err e = {0};
        int rc = parse_target(units, cases[i].memory ? cases[i].memory : "{\"bytes\": 1024}", &t,
                              &e);
        expect_refusal(rc, &e, NNP_INVALID, "limit_target.json", cases[i].field, NULL);
        cr_assert_null(t);
    }
}

Test(limits, target_nested_100000_deep_is_a_positioned_syntax_error)
{
    const int depth = 100000;
    char *text = malloc(2 * (size_t)depth + 1);
    memset(text, '[', (size_t)depth);
    memset(text + depth, ']', (size_t)depth);
    text[2 * depth] = 0;
    target *t = NULL;
    nnp_err e = {0};
    int rc = target_parse(text, strlen(text), "deep.json", &t, &e);
    expect_refusal(rc, &e, NNP_INVALID, "deep.json:1:1001: ", "nesting is deeper than 1000 levels",
                   NULL);
    free(text);
}

/* The cost rule saturates instead of overflowing: a pipelined unit's busy
 * time for work near INT64_MAX is that work over its throughput, not 1. */
Test(limits, unit_costs_saturate_for_work_near_int64_max)
{
    target *t = NULL;
    nnp_err e = {0};
    cr_assert_eq(target_default(&t, &e), NNP_OK, "%s", e.msg);
    const target_unit *mac = &t->units[target_unit_for(t, ROLE_MAC)];
    cr_assert(mac->pipelined && mac->throughput == 1024);
    cr_assert_eq(unit_busy(mac, INT64_MAX - 1), (INT64_MAX - 1) / 1024 + 1);
    cr_assert_eq(unit_cycles(mac, INT64_MAX), INT64_MAX / 1024 + 1 + mac->latency);
    const target_unit *load = &t->units[target_unit_for(t, ROLE_LOAD)];
    cr_assert_eq(unit_cycles(load, INT64_MAX - 1), (INT64_MAX - 1) / 16 + 1 + load->latency);
    target_free(t);
    /* One element per cycle plus a latency: the sum would pass INT64_MAX. */
    const char *slow = "{\"name\": \"cpu\", \"kind\": \"scalar\", \"throughput\": 1, "
                       "\"latency\": 10}, {\"name\": \"half\", \"kind\": \"vector\", "
                       "\"throughput\": 0.5, \"pipelined\": true}";
    char units[512];
    snprintf(units, sizeof units, "%s, %s", dma, slow);
    cr_assert_eq(parse_target(units, "{\"bytes\": 1024}", &t, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(unit_cycles(&t->units[1], INT64_MAX - 5), INT64_MAX);
    cr_assert_eq(unit_cycles(&t->units[2], INT64_MAX / 2 + 1), INT64_MAX);
    cr_assert_eq(unit_busy(&t->units[2], INT64_MAX / 2 + 1), INT64_MAX);
    target_free(t);
}

/* ---- scheduling problems ---- */

Test(limits, schedule_cycles_past_2_40_are_refused_naming_the_op)
{
    sched_problem p = {0};
    int r = sched_add_resource(&p, "mac", 1, 1);
    sched_add_op(&p, "conv", r, (int64_t)1 << 41, 1);
    nnp_err e = {0};
    expect_refusal(sched_check(&p, &e), &e, NNP_LIMIT, "op conv", "2^40", NULL);
    sched_problem_free(&p);
    sched_add_resource(&p, "mac", 1, 1);
    sched_add_op(&p, "a", 0, 1, 1);
    sched_add_op(&p, "b", 0, 1, 1);
    sched_add_edge(&p, 0, 1, 0, (int64_t)1 << 17);
    expect_refusal(sched_check(&p, &e), &e, NNP_LIMIT, "edge 0 (a -> b)", "distance is 131072",
                   "65536", NULL);
    sched_problem_free(&p);
}
