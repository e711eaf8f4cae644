/* Target descriptions: the shipped files, the built-in default, the cost
 * rule, and a clear message for every kind of broken description. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "testutil.h"

/* A valid two-unit target; tests patch one field at a time. */
static const char *base_units =
    "[{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 4},"
    " {\"name\": \"cpu\", \"kind\": \"scalar\", \"throughput\": 1}]";

static int parse_with(const char *memory, const char *units, nnp_err *e, target **t)
{
    char text[2048];
    snprintf(text, sizeof text, "{\"name\": \"t\", \"clock_mhz\": 100, \"memory\": %s, "
             "\"units\": %s}", memory, units);
    return target_parse(text, strlen(text), "t.json", t, e);
}

static void expect_error(const char *memory, const char *units, const char *msg)
{
    nnp_err e = {0};
    target *t = NULL;
    int rc = parse_with(memory, units, &e, &t);
    cr_assert_eq(rc, NNP_INVALID, "accepted %s %s", memory, units);
    cr_assert_null(t);
    cr_assert_str_eq(e.msg, msg);
}

static target *load_sample(const char *name)
{
    char rel[64];
    snprintf(rel, sizeof rel, "samples/targets/%s.json", name);
    nnp_err e = {0};
    target *t = NULL;
    cr_assert_eq(target_load(src_path(rel), &t, &e), NNP_OK, "%s", e.msg);
    return t;
}

Test(target, builtin_default_is_byte_identical_to_npu_json)
{
    char *text;
    size_t len;
    nnp_err e;
    cr_assert_eq(read_file(src_path("samples/targets/npu.json"), 1 << 20, &text, &len, &e), 0);
    cr_assert_eq(len, strlen(target_default_json));
    cr_assert_str_eq(text, target_default_json);
    free(text);
    target *t;
    cr_assert_eq(target_default(&t, &e), NNP_OK, "%s", e.msg);
    cr_assert_str_eq(t->name, "npu");
    target_free(t);
}

Test(target, npu_has_split_dma_mac_vector_and_256k_unified)
{
    target *t = load_sample("npu");
    cr_assert_eq(t->nunits, 4);
    cr_assert_eq(t->mem_bytes, 256 * 1024);
    cr_assert_eq(t->separate, 0);
    cr_assert_eq(t->units[target_unit_for(t, ROLE_LOAD)].kind, UNIT_DMA_IN);
    cr_assert_eq(t->units[target_unit_for(t, ROLE_STORE)].kind, UNIT_DMA_OUT);
    cr_assert_eq(t->units[target_unit_for(t, ROLE_MAC)].kind, UNIT_MAC);
    cr_assert_eq(t->units[target_unit_for(t, ROLE_VECTOR)].kind, UNIT_VECTOR);
    cr_assert_eq(target_capacity(t, POOL_WEIGHT), 256 * 1024);
    cr_assert_eq(target_pool(t, POOL_WEIGHT), POOL_UNIFIED);
    target_free(t);
}

Test(target, mcu_runs_everything_on_scalar_and_one_dma)
{
    target *t = load_sample("mcu");
    cr_assert_eq(t->mem_bytes, 64 * 1024);
    cr_assert_eq(target_unit_for(t, ROLE_LOAD), target_unit_for(t, ROLE_STORE));
    cr_assert_eq(t->units[target_unit_for(t, ROLE_LOAD)].kind, UNIT_DMA);
    cr_assert_eq(t->units[target_unit_for(t, ROLE_MAC)].kind, UNIT_SCALAR);
    cr_assert_eq(t->units[target_unit_for(t, ROLE_VECTOR)].kind, UNIT_SCALAR);
    target_free(t);
}

Test(target, vta_has_separate_inp_wgt_acc_buffers_and_16x16_gemm)
{
    target *t = load_sample("vta");
    cr_assert_eq(t->separate, 1);
    cr_assert_eq(target_capacity(t, POOL_INPUT), 32 * 1024);
    cr_assert_eq(target_capacity(t, POOL_WEIGHT), 256 * 1024);
    cr_assert_eq(target_capacity(t, POOL_OUTPUT), 128 * 1024);
    cr_assert_eq(target_pool(t, POOL_OUTPUT), POOL_OUTPUT);
    const target_unit *mac = &t->units[target_unit_for(t, ROLE_MAC)];
    cr_assert_eq(mac->kind, UNIT_MAC);
    cr_assert_float_eq(mac->throughput, 256.0, 1e-9);
    cr_assert(strstr(t->description, "int8") != NULL, "the description explains the widths");
    target_free(t);
}

Test(target, cost_is_latency_plus_ceil_work_over_throughput)
{
    target_unit u = {.name = "x", .kind = UNIT_DMA, .count = 1, .throughput = 16, .latency = 64};
    cr_assert_eq(unit_cycles(&u, 0), 64);
    cr_assert_eq(unit_cycles(&u, 16), 65);
    cr_assert_eq(unit_cycles(&u, 17), 66);
    cr_assert_eq(unit_busy(&u, 17), 66, "an unpipelined unit is busy for the whole op");
    u.pipelined = 1;
    cr_assert_eq(unit_busy(&u, 17), 2, "a pipelined unit overlaps the latency");
    cr_assert_eq(unit_busy(&u, 0), 1);
    u.throughput = 2.5;
    cr_assert_eq(unit_cycles(&u, 10), 68);
    cr_assert_eq(unit_cycles(&u, 11), 69);
}

Test(target, alignment_rounds_allocations_up)
{
    target *t = load_sample("npu");
    cr_assert_eq(target_align(t, 1), 64);
    cr_assert_eq(target_align(t, 64), 64);
    cr_assert_eq(target_align(t, 65), 128);
    target_free(t);
}

Test(target, zero_throughput_is_named)
{
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 4},"
                 " {\"name\": \"a\", \"kind\": \"scalar\", \"throughput\": 1},"
                 " {\"name\": \"b\", \"kind\": \"mac\", \"throughput\": 0}]",
                 "t.json: units[2].throughput: must be > 0");
}

Test(target, missing_negative_and_mistyped_fields_are_named)
{
    expect_error("{\"bytes\": 1024}", "[{\"name\": \"dma\", \"kind\": \"dma\"}]",
                 "t.json: units[0].throughput: missing");
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 4, \"latency\": -3}]",
                 "t.json: units[0].latency: must be >= 0");
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 4, \"count\": 0}]",
                 "t.json: units[0].count: must be > 0");
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": \"fast\"}]",
                 "t.json: units[0].throughput: must be a number");
    expect_error("{\"bytes\": -1}", base_units, "t.json: memory.bytes: must be > 0");
    expect_error("{\"size\": 1024}", base_units, "t.json: memory.size: unknown field");
    expect_error("{\"bytes\": 1024, \"alignment\": 48}", base_units,
                 "t.json: memory.alignment: must be a power of two");
    expect_error("{\"bytes\": 1024, \"buffers\": {\"input\": 512, \"weight\": 512}}", base_units,
                 "t.json: memory.buffers.output: missing");
    expect_error("{\"bytes\": 1024, \"buffers\": {\"input\": 512, \"weight\": 512, "
                 "\"output\": 512}}", base_units,
                 "t.json: memory.buffers: input + weight + output = 1536 bytes exceed "
                 "memory.bytes = 1024");
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 4, \"thruput\": 4}]",
                 "t.json: units[0].thruput: unknown field");
}

Test(target, unknown_kind_duplicate_name_and_missing_units_are_refused)
{
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"dma\", \"kind\": \"gpu\", \"throughput\": 4}]",
                 "t.json: units[0].kind: unknown kind 'gpu' (expected dma_in, dma_out, dma, "
                 "mac, vector or scalar)");
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"x\", \"kind\": \"dma\", \"throughput\": 4},"
                 " {\"name\": \"x\", \"kind\": \"mac\", \"throughput\": 4}]",
                 "t.json: units[1].name: 'x' is also the name of units[0]");
    expect_error("{\"bytes\": 1024}", "[]", "t.json: units: must list at least one unit");
}

Test(target, a_target_needs_compute_and_dma_both_ways)
{
    expect_error("{\"bytes\": 1024}", "[{\"name\": \"d\", \"kind\": \"dma\", \"throughput\": 4}]",
                 "t.json: units: no compute unit (kind mac, vector or scalar)");
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"m\", \"kind\": \"mac\", \"throughput\": 4}]",
                 "t.json: units: no DMA engine for loads (kind dma_in or dma)");
    expect_error("{\"bytes\": 1024}",
                 "[{\"name\": \"i\", \"kind\": \"dma_in\", \"throughput\": 4},"
                 " {\"name\": \"m\", \"kind\": \"mac\", \"throughput\": 4}]",
                 "t.json: units: no DMA engine for stores (kind dma_out or dma)");
}

Test(target, bad_json_reports_file_line_and_column)
{
    const char *text = "{\n  \"name\": \"t\",\n  \"clock_mhz\": 100,,\n}";
    nnp_err e;
    target *t;
    cr_assert_eq(target_parse(text, strlen(text), "bad.json", &t, &e), NNP_INVALID);
    /* The second ',' of line 3, where a key should start. */
    cr_assert_str_eq(e.msg, "bad.json:3:20: expected a string (an object key)");
    const char *trailing = "{\"name\": \"t\"} x";
    cr_assert_eq(target_parse(trailing, strlen(trailing), "b.json", &t, &e), NNP_INVALID);
    cr_assert_str_eq(e.msg, "b.json:1:15: unexpected text after the end of the JSON value");
}

/* Writes {"units": [[...]]} to a file, the brackets `depth` deep, and
 * loads it; the caller frees *msg. */
static int load_nested(int depth, char *path, size_t pathlen, char **msg)
{
    char dir[64];
    snprintf(dir, sizeof dir, "%s", temp_dir());
    snprintf(path, pathlen, "%s/deep_target.json", dir);
    char *text = malloc(2 * (size_t)depth + 32);
    size_t n = (size_t)sprintf(text, "{\n  \"units\": ");
    memset(text + n, '[', (size_t)depth);
    memset(text + n + depth, ']', (size_t)depth);
    strcpy(text + n + 2 * (size_t)depth, "}\n");
    cr_assert_eq(write_text(path, text), 0);
    free(text);
    nnp_err e = {0};
    target *t = NULL;
    int rc = target_load(path, &t, &e);
    cr_assert(rc == NNP_OK || !t);
    target_free(t);
    *msg = xstrdup(e.msg);
    remove(path);
    remove(dir);
    return rc;
}

Test(target, a_file_nested_deeper_than_1000_levels_is_named_with_the_depth_and_position)
{
    /* The object is level 1, so 1000 brackets make 1001 levels: the
     * model reader's limit (ir/json_syntax.h, the same as cJSON's) is passed
     * at the 1000th '[', column 12 + 999 of line 2. */
    char path[256], want[512], *msg;
    cr_assert_eq(load_nested(1000, path, sizeof path, &msg), NNP_INVALID);
    snprintf(want, sizeof want, "%s:2:1011: nesting is deeper than 1000 levels",
             path);
    cr_assert_str_eq(msg, want);
    free(msg);
    /* 1000 levels are still JSON: what is wrong then is the content. */
    cr_assert_eq(load_nested(999, path, sizeof path, &msg), NNP_INVALID);
    snprintf(want, sizeof want, "%s: name: missing", path);
    cr_assert_str_eq(msg, want);
    free(msg);
}

Test(target, a_missing_file_is_an_io_error_naming_it)
{
    nnp_err e;
    target *t;
    cr_assert_eq(target_load("/nonexistent/npu.json", &t, &e), NNP_IO);
    cr_assert(strstr(e.msg, "/nonexistent/npu.json") != NULL, "%s", e.msg);
}

Test(target, shipped_fixture_with_a_bad_field_names_it)
{
    nnp_err e;
    target *t;
    const char *p = src_path("tests/data/targets/zero_mac.json");
    cr_assert_eq(target_load(p, &t, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "zero_mac.json: units[2].throughput: must be > 0") != NULL, "%s",
              e.msg);
}
