/* The JSON frontend: the real MessageToJson mapping (fixtures made by
 * tests/data/frontend/make_fixtures.py with onnx.helper), its accepted
 * variants, and every class of error with the place it must name. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "interp.h"
#include "model_load.h"
#include "onnx_json.h"
#include "test_frontend_util.h"
#include "testutil.h"

static const char *fixture(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/tests/data/frontend/%s", NNP_SOURCE_DIR, name);
    return buf;
}

static graph *load_ok(const char *name)
{
    graph *g = NULL;
    nnp_err e = {0};
    int rc = model_load(fixture(name), &g, &e);
    cr_assert_eq(rc, NNP_OK, "%s: %s", name, e.msg);
    return g;
}

/* Loading `name` fails with code, and the message contains every needle
 * (NULL-terminated list), starting with the file name. */
static void expect_error_in(int rc, graph *g, const nnp_err *e, int code, const char *const *needles)
{
    cr_assert_null(g);
    cr_assert_eq(rc, code, "status %d (want %d): %s", rc, code, e->msg);
    cr_assert_eq(e->code, code);
    for (const char *const *n = needles; *n; n++)
        cr_assert(strstr(e->msg, *n), "message '%s' lacks '%s'", e->msg, *n);
}

#define EXPECT_ERROR(name, code, ...)                                                             \
    do {                                                                                          \
        graph *g_ = NULL;                                                                         \
        nnp_err e_ = {0};                                                                         \
        int rc_ = model_load(fixture(name), &g_, &e_);                                            \
        const char *n_[] = {name ":", __VA_ARGS__, NULL};                                        \
        expect_error_in(rc_, g_, &e_, code, n_);                                                  \
    } while (0)

#define EXPECT_TEXT_ERROR(text, code, ...)                                                        \
    do {                                                                                          \
        graph *g_ = NULL;                                                                         \
        nnp_err e_ = {0};                                                                         \
        int rc_ = onnx_json_parse(text, strlen(text), "t.json", &g_, &e_);                        \
        const char *n_[] = {__VA_ARGS__, NULL};                                                   \
        expect_error_in(rc_, g_, &e_, code, n_);                                                  \
    } while (0)

static const tensor *tensor_named(const graph *g, const char *name)
{
    int t = graph_find_tensor(g, name);
    cr_assert_geq(t, 0, "no tensor '%s'", name);
    return &g->tensors[t];
}

static const node *node_named(const graph *g, const char *name)
{
    for (size_t i = 0; i < g->nnodes; i++)
        if (!strcmp(g->nodes[i].name, name))
            return &g->nodes[i];
    cr_assert_fail("no node '%s'", name);
    return NULL;
}

/* ---- valid models ------------------------------------------------------------ */

Test(frontend_json, conv_relu_loads_with_weights_attributes_and_shapes)
{
    graph *g = load_ok("conv_relu.json");
    cr_assert_str_eq(g->name, "conv_relu");
    cr_assert_eq(g->opset, 13);
    cr_assert_eq(g->nnodes, 2);
    cr_assert_eq(g->nodes[0].op, OP_CONV);
    cr_assert_eq(g->nodes[1].op, OP_RELU);
    cr_assert_eq(g->ninputs, 1);
    const tensor *x = &g->tensors[g->inputs[0]];
    cr_assert_str_eq(x->name, "x");
    cr_assert_eq(x->rank, 4);
    cr_assert_eq(x->dims[1], 2);
    /* w[o][i][kh][kw] = o + i/2 - kh/4 + kw/8, from rawData. */
    const tensor *w = tensor_named(g, "w");
    cr_assert_eq(w->rank, 4);
    cr_assert_eq(w->data[((2 * 2 + 1) * 3 + 0) * 3 + 2], 2.75f);
    cr_assert_eq(w->data[((1 * 2 + 0) * 3 + 2) * 3 + 1], 0.625f);
    const tensor *b = tensor_named(g, "b");
    cr_assert_eq(b->data[0], 0.5f);
    cr_assert_eq(b->data[1], -1.0f);
    cr_assert_eq(b->data[2], 2.0f);
    int n;
    const int64_t *pads = attr_ints(&g->nodes[0], "pads", &n);
    cr_assert_eq(n, 4);
    cr_assert_eq(pads[0] + pads[1] + pads[2] + pads[3], 4);
    const tensor *y = &g->tensors[g->outputs[0]];
    cr_assert_eq(y->rank, 4);
    cr_assert_eq(y->dims[1], 3);
    cr_assert_eq(y->dims[3], 4);
    graph_free(g);
}

Test(frontend_json, conv_relu_computes_hand_checked_values)
{
    /* With x = 1 everywhere, an interior output sums all 18 weights of its
     * channel: 18*o + 4.5 - 4.5 + 2.25, plus the bias (0.5, -1, 2). */
    graph *g = load_ok("conv_relu.json");
    float x[32], y[48];
    for (int i = 0; i < 32; i++)
        x[i] = 1.0f;
    const float *in[] = {x};
    float *out[] = {y};
    nnp_err e = {0};
    cr_assert_eq(interp_run(g, in, out, &e), NNP_OK, "%s", e.msg);
    cr_assert_float_eq(y[0 * 16 + 5], 2.75f, 1e-6);
    cr_assert_float_eq(y[1 * 16 + 5], 19.25f, 1e-5);
    cr_assert_float_eq(y[2 * 16 + 10], 40.25f, 1e-5);
    graph_free(g);
}

Test(frontend_json, snake_case_names_and_numeric_int64s_load_the_same_model)
{
    graph *a = load_ok("conv_relu.json");
    graph *b = load_ok("conv_relu_snake.json");
    char why[256];
    cr_assert_eq(graph_diff(a, b, why, sizeof why), 0, "%s", why);
    graph_free(a);
    graph_free(b);
}

Test(frontend_json, every_attribute_kind_and_constant_form_is_converted)
{
    graph *g = load_ok("attrs.json");
    /* The four Constant nodes become constant tensors, not nodes. */
    cr_assert_eq(g->nnodes, 6);
    const node *conv = node_named(g, "conv_same");
    cr_assert_str_eq(attr_string(conv, "auto_pad", ""), "SAME_UPPER");
    cr_assert_eq(attr_int(conv, "group", 0), 1);
    int n;
    const int64_t *st = attr_ints(conv, "strides", &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(st[0], 1);
    cr_assert_eq(node_attr(node_named(g, "leaky"), "alpha")->kind, ATTR_FLOAT);
    cr_assert_eq(attr_float(node_named(g, "leaky"), "alpha", 0), 0.25f);
    cr_assert_eq(attr_int(node_named(g, "softmax"), "axis", 0), -1);

    const tensor *kf = tensor_named(g, "k_floats");
    cr_assert_eq(kf->rank, 1);
    cr_assert_eq(kf->dims[0], 3);
    cr_assert_eq(kf->data[0], 1.5f);
    cr_assert_eq(kf->data[1], -2.0f);
    cr_assert_eq(kf->data[2], 0.25f);
    const tensor *kt = tensor_named(g, "k_tensor");
    cr_assert_eq(kt->rank, 4);
    cr_assert_eq(kt->dims[1], 3);
    cr_assert_eq(kt->data[2], 4.0f);
    const tensor *ks = tensor_named(g, "k_shape");
    cr_assert_eq(ks->type, DT_INT64);
    cr_assert_eq(ks->idata[0], 1);
    cr_assert_eq(ks->idata[1], -1);
    const tensor *k0 = tensor_named(g, "k_scalar");
    cr_assert_eq(k0->rank, 0);
    cr_assert_eq(k0->data[0], 0.5f);
    const tensor *y = &g->tensors[g->outputs[0]];
    cr_assert_eq(y->rank, 2);
    cr_assert_eq(y->dims[1], 12);
    graph_free(g);
}

Test(frontend_json, nan_and_infinity_strings_and_initializer_inputs)
{
    graph *g = load_ok("specials.json");
    const tensor *c = tensor_named(g, "c");
    cr_assert_eq(c->data[0], 1.0f);
    cr_assert(isnan(c->data[1]));
    cr_assert(isinf(c->data[2]) && c->data[2] > 0);
    cr_assert(isinf(c->data[3]) && c->data[3] < 0);
    /* 'c' is listed among the graph inputs but has an initializer: a constant. */
    cr_assert_eq(g->ninputs, 1);
    cr_assert_str_eq(g->tensors[g->inputs[0]].name, "x");
    cr_assert_not(c->is_input);
    const tensor *s = tensor_named(g, "shape");
    cr_assert_eq(s->type, DT_INT64);
    cr_assert_eq(s->idata[0], 2);
    cr_assert_eq(g->tensors[g->outputs[0]].dims[0], 2);
    graph_free(g);
}

Test(frontend_json, format_is_detected_by_content_not_name)
{
    char *text;
    size_t len;
    nnp_err e = {0};
    cr_assert_eq(read_file(fixture("conv_relu.json"), 1 << 20, &text, &len, &e), NNP_OK);
    char *padded = malloc(len + 4);
    memcpy(padded, " \n\t", 3);
    memcpy(padded + 3, text, len);
    graph *g = NULL;
    cr_assert_eq(model_load_buffer(padded, len + 3, "weights.onnx", &g, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(g->nnodes, 2);
    graph_free(g);
    free(padded);
    free(text);
}

Test(frontend_json, attribute_values_in_every_accepted_spelling)
{
    /* type by number, f as a numeric string and as "-Infinity", i as a number. */
    const char *text =
        "{\"opset_import\":[{\"version\":13}],\"graph\":{\"name\":\"g\",\"node\":["
        "{\"op_type\":\"LeakyRelu\",\"name\":\"a\",\"input\":[\"x\"],\"output\":[\"y\"],"
        "\"attribute\":[{\"name\":\"alpha\",\"type\":1,\"f\":\"0.125\"}]},"
        "{\"opType\":\"LeakyRelu\",\"name\":\"b\",\"input\":[\"y\"],\"output\":[\"z\"],"
        "\"attribute\":[{\"name\":\"alpha\",\"type\":\"FLOAT\",\"f\":\"-Infinity\"}]},"
        "{\"opType\":\"Softmax\",\"name\":\"s\",\"input\":[\"z\"],\"output\":[\"o\"],"
        "\"attribute\":[{\"name\":\"axis\",\"type\":\"INT\",\"i\":-1}]}],"
        "\"input\":[{\"name\":\"x\",\"type\":{\"tensorType\":{\"elemType\":1,"
        "\"shape\":{\"dim\":[{\"dimValue\":2},{\"dimValue\":\"3\"}]}}}}],"
        "\"output\":[{\"name\":\"o\"}],\"unknownField\":{\"ignored\":[1,2]}}}";
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(onnx_json_parse(text, strlen(text), "t.json", &g, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(attr_float(node_named(g, "a"), "alpha", 0), 0.125f);
    cr_assert(isinf(attr_float(node_named(g, "b"), "alpha", 0)));
    cr_assert_eq(attr_int(node_named(g, "s"), "axis", 0), -1);
    cr_assert_eq(g->tensors[g->inputs[0]].dims[1], 3);
    graph_free(g);
}

/* ---- syntax errors: FILE:LINE:COLUMN -------------------------------------------- */

Test(frontend_json, missing_comma_is_reported_at_its_line_and_column)
{
    /* Line 16 lost its comma; the parser stops at the next key, 17:9. */
    EXPECT_ERROR("err_missing_comma.json", NNP_INVALID, "err_missing_comma.json:17:9: ",
                 "expected ',' or '}'");
}

Test(frontend_json, truncated_file_is_reported_at_its_end)
{
    /* The file is cut inside a base64 string on line 60. */
    EXPECT_ERROR("err_truncated.json", NNP_INVALID, "err_truncated.json:60:", "truncated");
}

Test(frontend_json, empty_and_blank_files_are_errors)
{
    EXPECT_ERROR("err_empty.json", NNP_INVALID, "empty file");
    EXPECT_ERROR("err_blank.json", NNP_INVALID, "empty file");
}

Test(frontend_json, syntax_error_positions_count_lines_and_bytes_from_one)
{
    EXPECT_TEXT_ERROR("{\n  \"graph\": tru\n}", NNP_INVALID, "t.json:2:12: expected a value");
    EXPECT_TEXT_ERROR("{\"a\": 1,}", NNP_INVALID, "t.json:1:9: expected a string");
    EXPECT_TEXT_ERROR("{\"a\" 1}", NNP_INVALID, "t.json:1:6: expected ':'");
    EXPECT_TEXT_ERROR("{\"a\": \"b\\q\"}", NNP_INVALID, "t.json:1:9: invalid escape");
    EXPECT_TEXT_ERROR("{\n\"graph\": {\"node\": [1, 2", NNP_INVALID, "t.json:2:24: unexpected end");
    EXPECT_TEXT_ERROR("{\"graph\": {}}\n  x", NNP_INVALID, "t.json:2:3: unexpected text");
}

Test(frontend_json, json_is_read_as_strictly_as_protobuf_reads_it)
{
    /* cJSON alone would take both of these. */
    EXPECT_TEXT_ERROR("{\"a\": 1.}", NNP_INVALID, "t.json:1:9: expected a digit");
    EXPECT_TEXT_ERROR("{\"a\": \"x\ty\"}", NNP_INVALID, "t.json:1:9: control character");
    /* Well-formed JSON that cJSON still refuses: reported at cJSON's place. */
    EXPECT_TEXT_ERROR("{\"a\": \"\\ud800\"}", NNP_INVALID, "t.json:1:8: cJSON cannot parse");
}

Test(frontend_json, top_level_must_be_an_object)
{
    EXPECT_TEXT_ERROR("  [1, 2]", NNP_INVALID, "t.json:1:3: the top level must be a JSON object");
    EXPECT_TEXT_ERROR("\"model\"", NNP_INVALID, "t.json:1:1: the top level must be a JSON object");
}

Test(frontend_json, nesting_bomb_is_a_positioned_error_not_a_crash)
{
    size_t n = 100000;
    char *deep = malloc(n + 8);
    memcpy(deep, "{\"a\":", 5);
    memset(deep + 5, '[', n);
    deep[n + 5] = 0;
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(onnx_json_parse(deep, n + 5, "deep.json", &g, &e), NNP_INVALID);
    /* cJSON's limit is 1000 levels; the object is the first. */
    cr_assert(strstr(e.msg, "deep.json:1:1005: nesting is deeper than 1000"), "%s", e.msg);
    cr_assert_null(g);
    free(deep);
}

Test(frontend_json, nul_byte_in_text_is_positioned)
{
    const char text[] = "{\n \"a\x00\": 1}";
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(onnx_json_parse(text, sizeof text - 1, "t.json", &g, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "t.json:2:4: NUL byte"), "%s", e.msg);
}

/* ---- model errors: the message names what is at fault ------------------------------ */

Test(frontend_json, unknown_op_names_node_and_op)
{
    EXPECT_ERROR("err_unknown_op.json", NNP_UNSUPPORTED, "'relu1'", "'Frobnicate'");
}

Test(frontend_json, foreign_domain_names_node_and_domain)
{
    EXPECT_ERROR("err_domain.json", NNP_UNSUPPORTED, "'relu1'", "'com.example'");
}

Test(frontend_json, dangling_tensor_names_node_and_tensor)
{
    EXPECT_ERROR("err_dangling.json", NNP_INVALID, "'relu1'", "'c_typo'");
}

Test(frontend_json, missing_initializer_names_node_and_tensor)
{
    EXPECT_ERROR("err_missing_init.json", NNP_INVALID, "'conv1'", "'b'");
}

Test(frontend_json, raw_data_length_mismatch_names_tensor_and_sizes)
{
    EXPECT_ERROR("err_raw_length.json", NNP_INVALID, "tensor 'w'", "212 bytes", "216");
}

Test(frontend_json, float_data_count_mismatch_names_tensor)
{
    EXPECT_ERROR("err_float_count.json", NNP_INVALID, "tensor 'b'", "2 values", "need 3");
}

Test(frontend_json, bad_base64_names_tensor_and_character)
{
    EXPECT_ERROR("err_base64.json", NNP_INVALID, "tensor 'w'", "rawData", "base64",
                 "character 10");
}

Test(frontend_json, duplicate_initializer_is_an_error)
{
    EXPECT_ERROR("err_dup_init.json", NNP_INVALID, "initializer 'b' is given twice");
}

Test(frontend_json, unsupported_data_type_names_tensor_and_type)
{
    EXPECT_ERROR("err_double.json", NNP_UNSUPPORTED, "tensor 'b'", "DOUBLE");
}

Test(frontend_json, integer_graph_input_is_unsupported)
{
    EXPECT_ERROR("err_int_input.json", NNP_UNSUPPORTED, "graph input 'x'", "INT64");
}

Test(frontend_json, negative_dim_names_tensor_and_dim)
{
    EXPECT_ERROR("err_neg_dim.json", NNP_INVALID, "tensor 'b'", "dim 0", "-3");
}

Test(frontend_json, huge_dims_hit_the_limit_before_any_allocation)
{
    EXPECT_ERROR("err_huge_dim.json", NNP_LIMIT, "graph input 'x'", "dim 0", "1099511627776");
    /* Each dim is allowed; their product (2^90) overflows int64. */
    EXPECT_ERROR("err_overflow_dims.json", NNP_LIMIT, "tensor 'b'", "more than the limit");
}

Test(frontend_json, symbolic_dim_names_input_dim_and_parameter)
{
    EXPECT_ERROR("err_symbolic.json", NNP_UNSUPPORTED, "graph input 'x'", "dim 0", "'batch'");
}

Test(frontend_json, missing_graph_is_an_error)
{
    EXPECT_ERROR("err_no_graph.json", NNP_INVALID, "no graph");
}

Test(frontend_json, cycle_names_a_node_on_it)
{
    EXPECT_ERROR("err_cycle.json", NNP_INVALID, "cycle", "'conv1'");
}

Test(frontend_json, graph_attribute_is_unsupported_naming_node_and_attribute)
{
    EXPECT_ERROR("err_graph_attr.json", NNP_UNSUPPORTED, "'relu1'", "'body'", "GRAPH");
}

Test(frontend_json, attribute_given_twice_is_an_error)
{
    EXPECT_ERROR("err_dup_attr.json", NNP_INVALID, "'conv1'", "'kernel_shape' is given twice");
}

Test(frontend_json, malformed_int64_names_node_attribute_and_index)
{
    EXPECT_ERROR("err_bad_int.json", NNP_INVALID, "'conv1'", "'kernel_shape'", "ints[1]", "3x");
}

Test(frontend_json, shape_mismatch_found_by_inference_names_the_node)
{
    EXPECT_ERROR("err_shape_mismatch.json", NNP_INVALID, "'conv1'", "'w'");
}

Test(frontend_json, declared_output_shape_must_match_the_inferred_one)
{
    EXPECT_ERROR("err_declared_shape.json", NNP_INVALID, "graph output 'y'", "[1, 5, 4, 4]",
                 "[1, 3, 4, 4]");
}

/* ---- smaller cases inline --------------------------------------------------------- */

#define MODEL(nodes, inits)                                                                       \
    "{\"graph\":{\"node\":[" nodes "],\"initializer\":[" inits "],"                               \
    "\"input\":[{\"name\":\"x\",\"type\":{\"tensorType\":{\"elemType\":1,\"shape\":{\"dim\":"      \
    "[{\"dimValue\":\"4\"}]}}}}],\"output\":[{\"name\":\"y\"}]},"                                  \
    "\"opsetImport\":[{\"version\":\"13\"}]}"

Test(frontend_json, tensor_attribute_outside_constant_is_unsupported)
{
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Relu\",\"name\":\"r\",\"input\":[\"x\"],\"output\":[\"y\"],"
                            "\"attribute\":[{\"name\":\"v\",\"type\":\"TENSOR\",\"t\":{}}]}",
                            ""),
                      NNP_UNSUPPORTED, "t.json: node 'r' (Relu): attribute 'v'", "TENSOR");
}

Test(frontend_json, attribute_without_type_is_an_error)
{
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Relu\",\"name\":\"r\",\"input\":[\"x\"],\"output\":[\"y\"],"
                            "\"attribute\":[{\"name\":\"v\",\"i\":\"2\"}]}",
                            ""),
                      NNP_INVALID, "node 'r' (Relu): attribute 'v' has no type");
}

Test(frontend_json, int64_numbers_beyond_2_53_must_be_strings)
{
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Relu\",\"name\":\"r\",\"input\":[\"x\"],\"output\":[\"y\"],"
                            "\"attribute\":[{\"name\":\"v\",\"type\":\"INT\","
                            "\"i\":18014398509481984}]}",
                            ""),
                      NNP_INVALID, "attribute 'v'", "not an integer");
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Relu\",\"name\":\"r\",\"input\":[\"x\"],\"output\":[\"y\"],"
                            "\"attribute\":[{\"name\":\"v\",\"type\":\"INT\","
                            "\"i\":\"9223372036854775808\"}]}",
                            ""),
                      NNP_INVALID, "attribute 'v'", "out of the int64 range");
}

Test(frontend_json, field_of_the_wrong_json_type_names_the_field)
{
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Relu\",\"name\":\"r\",\"input\":\"x\",\"output\":[\"y\"]}", ""),
                      NNP_INVALID, "node 'r' (Relu): field 'input' must be an array");
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Relu\",\"op_type\":\"Relu\",\"input\":[\"x\"],"
                            "\"output\":[\"y\"]}",
                            ""),
                      NNP_INVALID, "node #0", "'opType' is given twice");
}

Test(frontend_json, float_out_of_range_is_an_error)
{
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Add\",\"name\":\"a\",\"input\":[\"x\",\"c\"],"
                            "\"output\":[\"y\"]}",
                            "{\"name\":\"c\",\"dims\":[\"1\"],\"dataType\":1,\"floatData\":[1e39]}"),
                      NNP_INVALID, "tensor 'c'", "float_data[0]", "out of the float range");
}

Test(frontend_json, data_in_a_field_that_does_not_match_the_type)
{
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Add\",\"name\":\"a\",\"input\":[\"x\",\"c\"],"
                            "\"output\":[\"y\"]}",
                            "{\"name\":\"c\",\"dims\":[\"1\"],\"dataType\":1,\"int32Data\":[1]}"),
                      NNP_INVALID, "tensor 'c'", "int32_data");
    EXPECT_TEXT_ERROR(MODEL("{\"opType\":\"Add\",\"name\":\"a\",\"input\":[\"x\",\"c\"],"
                            "\"output\":[\"y\"]}",
                            "{\"name\":\"c\",\"dims\":[\"1\"],\"dataType\":1}"),
                      NNP_INVALID, "tensor 'c' has no data");
}

Test(frontend_json, node_count_limit_is_checked_before_reading_nodes)
{
    const char *text =
        MODEL("{\"opType\":\"Relu\",\"input\":[\"x\"],\"output\":[\"h\"]},"
              "{\"opType\":\"Relu\",\"input\":[\"h\"],\"output\":[\"y\"]}",
              "");
    onnx_limits lim = onnx_default_limits;
    lim.max_nodes = 1;
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(onnx_json_parse_ex(text, strlen(text), "t.json", NULL, &lim, &g, &e), NNP_LIMIT);
    cr_assert(strstr(e.msg, "t.json: the graph has 2 nodes; the limit is 1"), "%s", e.msg);
    lim = onnx_default_limits;
    cr_assert_eq(onnx_json_parse_ex(text, strlen(text), "t.json", NULL, &lim, &g, &e), NNP_OK,
                 "%s", e.msg);
    graph_free(g);
}

Test(frontend_json, file_size_limit_is_checked_before_parsing)
{
    const char *text = MODEL("", "");
    onnx_limits lim = onnx_default_limits;
    lim.max_file_bytes = 100;
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(onnx_json_parse_ex(text, strlen(text), "t.json", NULL, &lim, &g, &e), NNP_LIMIT);
    char want[96];
    snprintf(want, sizeof want, "t.json: %zu bytes is more than the limit of 100", strlen(text));
    cr_assert(strstr(e.msg, want), "%s", e.msg);
}

/* ---- external data ------------------------------------------------------------------ */

static const char *external_model(const char *location)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             MODEL("{\"opType\":\"Add\",\"name\":\"a\",\"input\":[\"x\",\"c\"],\"output\":[\"y\"]}",
                   "{\"name\":\"c\",\"dims\":[\"4\"],\"dataType\":1,\"dataLocation\":\"EXTERNAL\","
                   "\"externalData\":[{\"key\":\"location\",\"value\":\"%s\"},"
                   "{\"key\":\"offset\",\"value\":\"4\"},{\"key\":\"length\",\"value\":\"16\"}]}"),
             location);
    return buf;
}

Test(frontend_json, external_data_is_read_beside_the_model)
{
    const char *dir = temp_dir();
    char path[512], data[512];
    snprintf(data, sizeof data, "%s/weights.bin", dir);
    float vals[5] = {99.0f, 1.0f, 2.0f, 3.0f, 4.5f}; /* 4 bytes of offset first */
    FILE *f = fopen(data, "wb");
    fwrite(vals, 4, 5, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/model.json", dir);
    cr_assert_eq(write_text(path, external_model("weights.bin")), 0);
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load(path, &g, &e), NNP_OK, "%s", e.msg);
    const tensor *c = tensor_named(g, "c");
    cr_assert_eq(c->data[0], 1.0f);
    cr_assert_eq(c->data[3], 4.5f);
    graph_free(g);

    /* Paths that leave the folder, and buffers without a folder, are refused. */
    cr_assert_eq(write_text(path, external_model("../weights.bin")), 0);
    cr_assert_eq(model_load(path, &g, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "tensor 'c'") && strstr(e.msg, "leaves the model's folder"), "%s",
              e.msg);
    cr_assert_eq(write_text(path, external_model("/etc/passwd")), 0);
    cr_assert_eq(model_load(path, &g, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "model.json: ") && strstr(e.msg, "tensor 'c'") &&
                  strstr(e.msg, "'/etc/passwd' leaves the model's folder"),
              "%s", e.msg);
    const char *text = external_model("weights.bin");
    cr_assert_eq(model_load_buffer(text, strlen(text), "buf", &g, &e), NNP_UNSUPPORTED);
    cr_assert(strstr(e.msg, "buf: tensor 'c'"), "%s", e.msg);
    remove(data);
    remove(path);
    rmdir(dir);
}

Test(frontend_json, external_data_symlink_out_of_the_folder_is_refused)
{
    char outside[64], target[128], path[512], link[512];
    snprintf(outside, sizeof outside, "%s", temp_dir());
    snprintf(target, sizeof target, "%s/secret.bin", outside);
    float vals[5] = {0};
    FILE *f = fopen(target, "wb");
    fwrite(vals, 4, 5, f);
    fclose(f);
    const char *dir = temp_dir();
    snprintf(link, sizeof link, "%s/weights.bin", dir);
    cr_assert_eq(symlink(target, link), 0);
    snprintf(path, sizeof path, "%s/model.json", dir);
    cr_assert_eq(write_text(path, external_model("weights.bin")), 0);
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load(path, &g, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "model.json: ") && strstr(e.msg, "tensor 'c'") &&
                  strstr(e.msg, "'weights.bin' resolves outside the model's folder"),
              "%s", e.msg);
    remove(link);
    remove(path);
    rmdir(dir);
    remove(target);
    rmdir(outside);
}

/* ---- base64 ----------------------------------------------------------------------- */

static int b64(const char *s, unsigned char *out, size_t *n, size_t *bad)
{
    const char *why;
    return base64_decode(s, strlen(s), out, n, bad, &why);
}

Test(base64, decodes_standard_url_safe_and_unpadded_text)
{
    unsigned char out[16];
    size_t n, bad;
    cr_assert_eq(b64("TWFu", out, &n, &bad), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(out, "Man", 3), 0);
    cr_assert_eq(b64("TWE=", out, &n, &bad), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(b64("TWE", out, &n, &bad), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(b64("-_8=", out, &n, &bad), 0); /* URL-safe for "+/8=" */
    cr_assert_eq(out[0], 0xfb);
    cr_assert_eq(out[1], 0xff);
    cr_assert_eq(b64("", out, &n, &bad), 0);
    cr_assert_eq(n, 0);
}

Test(base64, rejects_malformed_text_with_its_offset)
{
    unsigned char out[16];
    size_t n, bad;
    cr_assert_eq(b64("TW Fu", out, &n, &bad), -1);
    cr_assert_eq(bad, 2);
    cr_assert_eq(b64("TWFuT", out, &n, &bad), -1); /* 4k+1 characters */
    cr_assert_eq(b64("TW=u", out, &n, &bad), -1);
    cr_assert_eq(bad, 2);
    cr_assert_eq(b64("TWF=", out, &n, &bad), -1); /* leftover bits set */
    cr_assert_eq(b64("TWE==", out, &n, &bad), -1);
}

Test(base64, encoding_round_trips_every_length)
{
    unsigned char data[40], out[64];
    for (int i = 0; i < 40; i++)
        data[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 0; len <= 40; len++) {
        strbuf b = {0};
        base64_encode(&b, data, len);
        sb_putc(&b, 0);
        size_t n, bad;
        const char *why;
        cr_assert_eq(base64_decode(b.s, strlen(b.s), out, &n, &bad, &why), 0);
        cr_assert_eq(n, len);
        cr_assert_eq(memcmp(out, data, len), 0);
        cr_assert_eq(strlen(b.s) % 4, 0);
        sb_free(&b);
    }
}
