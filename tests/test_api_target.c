/* The public target API: the built-in default and sample files read back
 * field for field against the JSON they come from, the cost rule computed
 * by hand, and every failure's status and message. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <string.h>

#include "testutil.h"

static void expect_err(nnp_target *t, int rc, int want, const char *needle)
{
    cr_assert_eq(rc, want, "status %d, wanted %d: %s", rc, want, nnp_target_errmsg(t));
    cr_assert_eq(nnp_target_errcode(t), want);
    cr_assert(strstr(nnp_target_errmsg(t), needle), "message '%s' lacks '%s'",
              nnp_target_errmsg(t), needle);
}

/* A call on a handle in error state is misuse, and the handle keeps the
 * status and message of the failure that broke it. */
static void expect_broken(nnp_target *t, int rc, int why, const char *needle)
{
    cr_assert_eq(rc, NNP_MISUSE, "status %d (%s) on a broken handle", rc, nnp_status_name(rc));
    cr_assert_eq(nnp_target_errcode(t), why);
    cr_assert(strstr(nnp_target_errmsg(t), needle), "message '%s' lost '%s'",
              nnp_target_errmsg(t), needle);
}

Test(api_target, the_default_is_the_npu_of_samples_targets_npu_json)
{
    nnp_target *t;
    cr_assert_eq(nnp_target_default(&t), NNP_OK);
    nnp_target_desc d;
    cr_assert_eq(nnp_target_describe(t, &d), NNP_OK);
    cr_assert_str_eq(d.name, "npu");
    cr_assert_eq(d.unit_count, 4);
    cr_assert_eq(d.mem_bytes, 262144);
    cr_assert_eq(d.align, 64);
    cr_assert(!d.separate_pools);
    cr_assert_eq(d.pool_bytes[NNP_POOL_UNIFIED], 262144);
    cr_assert_eq(d.pool_bytes[NNP_POOL_WEIGHT], 0);
    cr_assert_float_eq(d.clock_mhz, 1000.0, 1e-9);
    nnp_unit_desc u;
    cr_assert_eq(nnp_target_unit(t, 2, &u), NNP_OK);
    cr_assert_str_eq(u.name, "mac");
    cr_assert_eq(u.kind, NNP_UNIT_MAC);
    cr_assert_str_eq(u.kind_name, "mac");
    cr_assert(u.count == 1 && u.latency == 16 && u.pipelined);
    cr_assert_float_eq(u.throughput, 1024.0, 1e-9);
    cr_assert_eq(nnp_target_unit(t, 0, &u), NNP_OK);
    cr_assert(u.kind == NNP_UNIT_DMA_IN && !u.pipelined && u.latency == 64);
    nnp_target_close(t);
}

Test(api_target, vta_has_separate_pools_as_in_its_file)
{
    nnp_target *t;
    cr_assert_eq(nnp_target_open(src_path("samples/targets/vta.json"), &t), NNP_OK, "%s",
                 nnp_target_errmsg(t));
    nnp_target_desc d;
    cr_assert_eq(nnp_target_describe(t, &d), NNP_OK);
    cr_assert_str_eq(d.name, "vta");
    cr_assert(d.separate_pools);
    cr_assert_eq(d.pool_bytes[NNP_POOL_INPUT], 32768);
    cr_assert_eq(d.pool_bytes[NNP_POOL_WEIGHT], 262144);
    cr_assert_eq(d.pool_bytes[NNP_POOL_OUTPUT], 131072);
    cr_assert_eq(d.mem_bytes, 425984);
    cr_assert(strstr(d.description, "VTA"));
    nnp_unit_desc u;
    cr_assert_eq(nnp_target_unit(t, 3, &u), NNP_OK);
    cr_assert_str_eq(u.name, "alu");
    cr_assert_eq(u.kind, NNP_UNIT_VECTOR);
    nnp_target_close(t);
}

Test(api_target, unit_cycles_follow_latency_plus_ceil_work_over_throughput)
{
    nnp_target *t;
    cr_assert_eq(nnp_target_default(&t), NNP_OK);
    int64_t c;
    /* dma_in: 64 + ceil(100 / 16) = 64 + 7. */
    cr_assert_eq(nnp_target_unit_cycles(t, 0, 100, &c), NNP_OK);
    cr_assert_eq(c, 71);
    /* mac: 16 + ceil(2049 / 1024) = 16 + 3; no work still pays the latency. */
    cr_assert_eq(nnp_target_unit_cycles(t, 2, 2049, &c), NNP_OK);
    cr_assert_eq(c, 19);
    cr_assert_eq(nnp_target_unit_cycles(t, 2, 0, &c), NNP_OK);
    cr_assert_eq(c, 16);
    expect_err(t, nnp_target_unit_cycles(t, 2, -1, &c), NNP_MISUSE, "work -1 is negative");
    expect_err(t, nnp_target_unit_cycles(t, 4, 1, &c), NNP_MISUSE, "unit index 4 out of range");
    nnp_target_close(t);
}

Test(api_target, a_target_from_memory_is_labelled_by_its_name)
{
    static const char text[] =
        "{\"name\": \"mini\", \"clock_mhz\": 200, \"memory\": {\"bytes\": 4096},\n"
        " \"units\": [{\"name\": \"dma\", \"kind\": \"dma\", \"count\": 1, \"throughput\": 4,"
        " \"latency\": 10, \"pipelined\": false},\n"
        "  {\"name\": \"cpu\", \"kind\": \"scalar\", \"count\": 2, \"throughput\": 1,"
        " \"latency\": 1, \"pipelined\": true}]}";
    nnp_target *t;
    cr_assert_eq(nnp_target_open_buffer(text, sizeof text - 1, "mini.json", &t), NNP_OK, "%s",
                 nnp_target_errmsg(t));
    nnp_target_desc d;
    cr_assert_eq(nnp_target_describe(t, &d), NNP_OK);
    cr_assert(!strcmp(d.name, "mini") && d.unit_count == 2 && d.mem_bytes == 4096);
    nnp_unit_desc u;
    cr_assert_eq(nnp_target_unit(t, 1, &u), NNP_OK);
    cr_assert(u.kind == NNP_UNIT_SCALAR && u.count == 2);
    nnp_target_close(t);
}

Test(api_target, bad_json_and_bad_fields_are_invalid_with_position_or_field)
{
    nnp_target *t;
    static const char syntax[] = "{\"name\": \"x\",\n \"units\": [,]}";
    int rc = nnp_target_open_buffer(syntax, sizeof syntax - 1, "bad.json", &t);
    cr_assert_not_null(t);
    expect_err(t, rc, NNP_INVALID, "bad.json:2:");
    nnp_target_close(t);
    rc = nnp_target_open(src_path("tests/data/targets/zero_mac.json"), &t);
    expect_err(t, rc, NNP_INVALID, "zero_mac.json: units[2].throughput: must be > 0");
    nnp_target_close(t);
    rc = nnp_target_open("/nonexistent/t.json", &t);
    expect_err(t, rc, NNP_IO, "/nonexistent/t.json");
    /* Error state: the reason stays, every query is misuse. */
    nnp_target_desc d;
    expect_broken(t, nnp_target_describe(t, &d), NNP_IO, "/nonexistent/t.json");
    cr_assert(strstr(nnp_target_errmsg(t), "/nonexistent/t.json"));
    nnp_target_close(t);
}

Test(api_target, null_arguments_are_misuse)
{
    nnp_target *t;
    /* No out pointer: no target to hold a message. */
    expect_null_misuse(nnp_target_default(NULL), nnp_target_errmsg(NULL));
    expect_null_misuse(nnp_target_open("x", NULL), nnp_target_errmsg(NULL));
    int rc = nnp_target_open(NULL, &t);
    expect_err(t, rc, NNP_MISUSE, "path is NULL");
    nnp_target_close(t);
    rc = nnp_target_open_buffer(NULL, 3, NULL, &t);
    expect_err(t, rc, NNP_MISUSE, "text is NULL");
    nnp_target_close(t);
    expect_null_misuse(nnp_target_describe(NULL, NULL), nnp_target_errmsg(NULL));
    cr_assert_not_null(nnp_target_errmsg(NULL));
    nnp_target_close(NULL);
    cr_assert_eq(nnp_target_default(&t), NNP_OK);
    expect_err(t, nnp_target_describe(t, NULL), NNP_MISUSE, "output pointer is NULL");
    nnp_unit_desc u;
    expect_err(t, nnp_target_unit(t, -1, &u), NNP_MISUSE, "unit index -1");
    nnp_target_close(t);
}
