/* The public program API: lowering samples for the bundled targets and
 * reading groups, tile loops, ops, buffers and dependences back through
 * <nnpipe/nnpipe.h> only. Values are checked against the layer arithmetic
 * (MACs and output bytes computed by hand, the README's MAC totals), the
 * target's cost rule (recomputed with nnp_target_unit_cycles) and the
 * relations between views (per-tile costs sum to the totals, buffers add up
 * to the working set, which fits the pool), never against captured output. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <string.h>

#include "testutil.h"

#define I64(...) ((const int64_t[]){__VA_ARGS__})
#define F32(...) ((const float[]){__VA_ARGS__})
#define NAMES(...) ((const char *const[]){__VA_ARGS__})

static nnp_model *model(const char *rel)
{
    nnp_model *m;
    cr_assert_eq(nnp_model_open(src_path(rel), &m), NNP_OK, "%s", nnp_model_errmsg(m));
    return m;
}

static nnp_target *target(const char *rel)
{
    nnp_target *t;
    int rc = rel ? nnp_target_open(src_path(rel), &t) : nnp_target_default(&t);
    cr_assert_eq(rc, NNP_OK, "%s", nnp_target_errmsg(t));
    return t;
}

static nnp_program *lower(nnp_model *m, nnp_target *t)
{
    nnp_program *p;
    cr_assert_eq(nnp_program_lower(m, t, &p), NNP_OK, "%s", nnp_program_errmsg(p));
    return p;
}

static void expect_err(nnp_program *p, int rc, int want, const char *needle)
{
    cr_assert_eq(rc, want, "status %d (%s), wanted %d: %s", rc, nnp_status_name(rc), want,
                 nnp_program_errmsg(p));
    cr_assert_eq(nnp_program_errcode(p), want);
    cr_assert(strstr(nnp_program_errmsg(p), needle), "message '%s' lacks '%s'",
              nnp_program_errmsg(p), needle);
}

/* A call on a handle in error state is misuse, and the handle keeps the
 * status and message of the failure that broke it. */
static void expect_broken(nnp_program *p, int rc, int why, const char *needle)
{
    cr_assert_eq(rc, NNP_MISUSE, "status %d (%s) on a broken handle", rc, nnp_status_name(rc));
    cr_assert_eq(nnp_program_errcode(p), why);
    cr_assert(strstr(nnp_program_errmsg(p), needle), "message '%s' lost '%s'",
              nnp_program_errmsg(p), needle);
}

Test(api_program, every_node_lands_in_one_group_and_macs_add_up_to_the_readme)
{
    static const struct { const char *file; int64_t macs; } samples[] = {
        {"samples/lenet5.json", 416520}, {"samples/mobilenet_tiny.json", 594240},
        {"samples/resblock.json", 4718592}, {"samples/tinymlp.json", 2560},
    };
    nnp_target *t = target(NULL);
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        nnp_model *m = model(samples[i].file);
        nnp_program *p = lower(m, t);
        int nn = nnp_model_node_count(m), owner[64];
        cr_assert_leq(nn, 64);
        memset(owner, -1, sizeof owner);
        int64_t macs = 0;
        for (int g = 0; g < nnp_program_group_count(p); g++) {
            nnp_group_desc d;
            cr_assert_eq(nnp_program_group(p, g, &d), NNP_OK);
            macs += d.macs;
            for (int k = 0; k < d.node_count; k++) {
                cr_assert_eq(owner[d.nodes[k]], -1, "node %d in two groups", d.nodes[k]);
                owner[d.nodes[k]] = g;
            }
        }
        for (int n = 0; n < nn; n++) {
            int g;
            cr_assert_eq(nnp_program_group_of_node(p, n, &g), NNP_OK);
            cr_assert_eq(g, owner[n], "%s: node %d", samples[i].file, n);
        }
        nnp_program_desc pd;
        cr_assert_eq(nnp_program_describe(p, &pd), NNP_OK);
        cr_assert_eq(macs, samples[i].macs, "%s", samples[i].file);
        cr_assert_eq(pd.macs, samples[i].macs);
        cr_assert_eq(pd.group_count, nnp_program_group_count(p));
        nnp_program_close(p);
        nnp_model_close(m);
    }
    nnp_target_close(t);
}

Test(api_program, lenet_conv1_group_does_the_layer_work_and_stores_its_output_once)
{
    /* conv1: 6 filters of 5x5 over one channel, 28x28 outputs: 6*28*28*25
     * = 117600 MACs; fused relu and 2x2 pool store 1x6x14x14 floats =
     * 4704 bytes. */
    nnp_model *m = model("samples/lenet5.json");
    nnp_target *t = target(NULL);
    nnp_program *p = lower(m, t);
    int n, g;
    cr_assert_eq(nnp_model_find_node(m, "conv1", &n), NNP_OK);
    cr_assert_eq(nnp_program_group_of_node(p, n, &g), NNP_OK);
    nnp_group_desc d;
    cr_assert_eq(nnp_program_group(p, g, &d), NNP_OK);
    cr_assert_eq(d.kind, NNP_GROUP_CONV);
    cr_assert_str_eq(d.kind_name, "conv");
    cr_assert_eq(d.macs, 117600);
    cr_assert_eq(d.node_count, 3, "conv1 + relu1 + maxpool1");
    nnp_tensor_desc out;
    cr_assert_eq(nnp_model_tensor(m, d.output_tensor, &out), NNP_OK);
    cr_assert(out.rank == 4 && out.dims[1] == 6 && out.dims[2] == 14 && out.dims[3] == 14);
    int stores = 0;
    for (int k = 0; k < d.op_count; k++) {
        nnp_op_desc o;
        cr_assert_eq(nnp_program_op(p, g, k, &o), NNP_OK);
        if (o.kind == NNP_OP_STORE) {
            stores++;
            cr_assert_eq(o.total_bytes, 4704);
            cr_assert_eq(o.output, -1);
            cr_assert_str_eq(o.tensor, out.name);
        }
        if (o.kind == NNP_OP_COMPUTE)
            cr_assert_str_eq(o.unit_name, "mac");
    }
    cr_assert_eq(stores, 1);
    cr_assert_eq(d.bytes_stored, 4704);
    nnp_program_close(p);
    nnp_model_close(m);
    nnp_target_close(t);
}

/* Every view of group g agrees with the others and with the target. */
static void check_group(nnp_program *p, nnp_target *t, int g)
{
    nnp_group_desc d;
    nnp_target_desc td;
    cr_assert_eq(nnp_program_group(p, g, &d), NNP_OK);
    cr_assert_eq(nnp_target_describe(t, &td), NNP_OK);
    int64_t tiles = d.kind == NNP_GROUP_ALIAS ? 0 : 1;
    for (int k = 0; k < d.loop_count; k++) {
        nnp_tile_loop_desc l;
        cr_assert_eq(nnp_program_tile_loop(p, g, k, &l), NNP_OK);
        cr_assert_eq(l.count, (l.extent + l.tile - 1) / l.tile, "%s loop %s", d.name, l.name);
        cr_assert_eq(l.reduction, l.axis < 0);
        cr_assert(!l.reduction || k == d.loop_count - 1, "the reduction loop is innermost");
        tiles *= l.count;
    }
    cr_assert_eq(d.tile_count, tiles, "%s", d.name);
    int64_t loaded = 0, stored = 0;
    for (int k = 0; k < d.op_count; k++) {
        nnp_op_desc o;
        cr_assert_eq(nnp_program_op(p, g, k, &o), NNP_OK);
        int64_t cyc = 0, bytes = 0, worst;
        for (int64_t i = 0; i < d.tile_count && d.tile_count <= 4096; i++) {
            nnp_op_tile_desc ot;
            cr_assert_eq(nnp_program_op_tile(p, g, k, i, &ot), NNP_OK);
            cr_assert_eq(ot.active, i % o.period == o.phase);
            if (!ot.active)
                continue;
            cr_assert_eq(nnp_target_unit_cycles(t, o.unit, ot.work, &worst), NNP_OK);
            cr_assert_eq(ot.cycles, worst, "%s op %s tile %lld", d.name, o.name, (long long)i);
            cyc += ot.cycles;
            bytes += ot.bytes;
        }
        if (d.tile_count <= 4096) {
            cr_assert_eq(cyc, o.total_cycles, "%s op %s", d.name, o.name);
            cr_assert_eq(bytes, o.total_bytes, "%s op %s", d.name, o.name);
        }
        if (o.kind == NNP_OP_STORE)
            stored += o.total_bytes;
        else if (o.kind != NNP_OP_COMPUTE && o.kind != NNP_OP_POOL)
            loaded += o.total_bytes;
    }
    cr_assert_eq(loaded, d.bytes_loaded, "%s", d.name);
    cr_assert_eq(stored, d.bytes_stored, "%s", d.name);
    int64_t ws[NNP_POOL_COUNT] = {0};
    for (int k = 0; k < d.buffer_count; k++) {
        nnp_buffer_desc b;
        cr_assert_eq(nnp_program_buffer(p, g, k, &b), NNP_OK);
        cr_assert_geq(b.bytes, b.elems * 4);
        cr_assert_eq(b.bytes % td.align, 0, "%s buffer %s", d.name, b.name);
        cr_assert(b.producer >= 0 && b.producer < d.op_count);
        ws[b.pool] += b.bytes * b.copies;
    }
    for (int q = 0; q < NNP_POOL_COUNT; q++) {
        cr_assert_eq(ws[q], d.working_set[q], "%s pool %d", d.name, q);
        cr_assert_leq(ws[q], td.pool_bytes[q], "%s pool %d fits", d.name, q);
    }
    for (int k = 0; k < d.dep_count; k++) {
        nnp_dep_desc dep;
        cr_assert_eq(nnp_program_dep(p, g, k, &dep), NNP_OK);
        cr_assert(dep.from >= 0 && dep.from < d.op_count && dep.to >= 0 && dep.to < d.op_count);
        cr_assert(dep.kind != NNP_DEP_ACC || dep.distance == 1);
    }
}

Test(api_program, views_agree_with_each_other_and_the_target_on_every_bundled_target)
{
    static const char *const targets[] = {NULL, "samples/targets/vta.json",
                                          "samples/targets/mcu.json"};
    static const char *const models[] = {"samples/lenet5.json", "samples/mobilenet_tiny.json",
                                         "samples/tinymlp.json"};
    for (size_t i = 0; i < 3; i++) {
        nnp_target *t = target(targets[i]);
        for (size_t j = 0; j < 3; j++) {
            nnp_model *m = model(models[j]);
            nnp_program *p = lower(m, t);
            for (int g = 0; g < nnp_program_group_count(p); g++)
                check_group(p, t, g);
            nnp_program_close(p);
            nnp_model_close(m);
        }
        nnp_target_close(t);
    }
}

Test(api_program, a_program_outlives_the_model_and_target_it_was_lowered_from)
{
    nnp_model *m = model("samples/tinymlp.json");
    nnp_target *t = target("samples/targets/vta.json");
    nnp_program *p = lower(m, t);
    nnp_model_close(m);
    nnp_target_close(t);
    /* Names and units still point into live memory (ASan would object). */
    for (int g = 0; g < nnp_program_group_count(p); g++) {
        nnp_group_desc d;
        cr_assert_eq(nnp_program_group(p, g, &d), NNP_OK);
        cr_assert_gt(strlen(d.name), 0);
        for (int k = 0; k < d.op_count; k++) {
            nnp_op_desc o;
            cr_assert_eq(nnp_program_op(p, g, k, &o), NNP_OK);
            cr_assert(strlen(o.unit_name) > 0 && o.tensor);
        }
    }
    nnp_program_close(p);
}

Test(api_program, a_built_gemm_lowers_to_one_group_with_its_macs)
{
    /* y = x(1x4) * B(4x2): 8 MACs. */
    nnp_model *m;
    cr_assert_eq(nnp_model_new("fc", 13, &m), NNP_OK);
    nnp_model_add_input(m, "x", 2, I64(1, 4));
    nnp_model_add_constant(m, "B", 2, I64(4, 2), F32(1, 2, 3, 4, 5, 6, 7, 8));
    nnp_model_add_node(m, "Gemm", "fc", NAMES("x", "B"), 2, NAMES("y"), 1, NULL);
    nnp_model_add_output(m, "y");
    nnp_target *t = target(NULL);
    nnp_program *p;
    int rc = nnp_program_lower(m, t, &p);
    expect_err(p, rc, NNP_MISUSE, "model 'fc' is not checked");
    nnp_program_close(p);
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    p = lower(m, t);
    cr_assert_eq(nnp_program_group_count(p), 1);
    nnp_group_desc d;
    cr_assert_eq(nnp_program_group(p, 0, &d), NNP_OK);
    cr_assert(d.kind == NNP_GROUP_GEMM && d.macs == 8 && d.bytes_stored == 8);
    check_group(p, t, 0);
    nnp_program_close(p);
    nnp_model_close(m);
    nnp_target_close(t);
}

Test(api_program, a_transpose_is_its_own_group_kind)
{
    /* y = x^T for x 1x2x3x4 with perm (0, 3, 1, 2): 24 floats moved. */
    nnp_model *m;
    cr_assert_eq(nnp_model_new("tr", 13, &m), NNP_OK);
    nnp_model_add_input(m, "x", 4, I64(1, 2, 3, 4));
    int n = -1;
    nnp_model_add_node(m, "Transpose", "tr", NAMES("x"), 1, NAMES("y"), 1, &n);
    cr_assert_eq(nnp_model_set_attr_ints(m, n, "perm", I64(0, 3, 1, 2), 4), NNP_OK, "%s",
                 nnp_model_errmsg(m));
    nnp_model_add_output(m, "y");
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    nnp_target *t = target(NULL);
    nnp_program *p = lower(m, t);
    cr_assert_eq(nnp_program_group_count(p), 1);
    nnp_group_desc d;
    cr_assert_eq(nnp_program_group(p, 0, &d), NNP_OK);
    cr_assert_eq(d.kind, NNP_GROUP_TRANSPOSE);
    cr_assert_str_eq(d.kind_name, "transpose");
    cr_assert_eq(d.bytes_stored, 24 * 4);
    check_group(p, t, 0);
    nnp_program_close(p);
    nnp_model_close(m);
    nnp_target_close(t);
}

Test(api_program, a_target_too_small_for_any_tile_is_infeasible_naming_layer_and_pool)
{
    static const char tiny[] =
        "{\"name\": \"tiny\", \"clock_mhz\": 100, \"memory\": {\"bytes\": 256},"
        " \"units\": [{\"name\": \"dma\", \"kind\": \"dma\", \"count\": 1, \"throughput\": 4,"
        " \"latency\": 1, \"pipelined\": false},"
        " {\"name\": \"mac\", \"kind\": \"mac\", \"count\": 1, \"throughput\": 4, \"latency\": 1,"
        " \"pipelined\": true}]}";
    nnp_target *t;
    cr_assert_eq(nnp_target_open_buffer(tiny, sizeof tiny - 1, "tiny", &t), NNP_OK, "%s",
                 nnp_target_errmsg(t));
    nnp_model *m = model("samples/lenet5.json");
    nnp_program *p;
    int rc = nnp_program_lower(m, t, &p);
    cr_assert_not_null(p);
    expect_err(p, rc, NNP_INFEASIBLE, "conv1");
    cr_assert(strstr(nnp_program_errmsg(p), "unified"), "%s", nnp_program_errmsg(p));
    /* The model and target are untouched by the failure. */
    cr_assert_eq(nnp_model_errcode(m), NNP_OK);
    cr_assert_eq(nnp_target_errcode(t), NNP_OK);
    nnp_group_desc d;
    expect_broken(p, nnp_program_group(p, 0, &d), NNP_INFEASIBLE, "conv1");
    cr_assert_eq(nnp_program_group_count(p), 0);
    nnp_program_close(p);
    nnp_model_close(m);
    nnp_target_close(t);
}

Test(api_program, misuse_is_refused_with_the_reason_in_the_new_handle)
{
    nnp_target *t = target(NULL);
    nnp_program *p;
    /* No out pointer: no program to hold a message. */
    expect_null_misuse(nnp_program_lower(NULL, t, NULL), nnp_program_errmsg(NULL));
    int rc = nnp_program_lower(NULL, t, &p);
    expect_err(p, rc, NNP_MISUSE, "the model is NULL");
    nnp_program_close(p);
    nnp_model *bad;
    cr_assert_eq(nnp_model_open("/nonexistent.onnx", &bad), NNP_IO);
    cr_assert(strstr(nnp_model_errmsg(bad), "/nonexistent.onnx"), "%s", nnp_model_errmsg(bad));
    rc = nnp_program_lower(bad, t, &p);
    expect_err(p, rc, NNP_MISUSE, "/nonexistent.onnx");
    nnp_program_close(p);
    nnp_model_close(bad);

    nnp_model *m = model("samples/lenet5.json");
    p = lower(m, t);
    nnp_group_desc d;
    nnp_op_desc o;
    nnp_op_tile_desc ot;
    nnp_tile_loop_desc l;
    int g;
    expect_err(p, nnp_program_group(p, 99, &d), NNP_MISUSE, "group index 99");
    expect_err(p, nnp_program_op(p, 0, -1, &o), NNP_MISUSE, "op index -1");
    expect_err(p, nnp_program_op_tile(p, 0, 0, 1 << 30, &ot), NNP_MISUSE, "tile index");
    expect_err(p, nnp_program_tile_loop(p, 0, 42, &l), NNP_MISUSE, "tile loop index 42");
    expect_err(p, nnp_program_group_of_node(p, 13, &g), NNP_MISUSE, "node index 13");
    expect_err(p, nnp_program_describe(p, NULL), NNP_MISUSE, "output pointer is NULL");
    expect_null_misuse(nnp_program_group(NULL, 0, &d), nnp_program_errmsg(NULL));
    cr_assert_not_null(nnp_program_errmsg(NULL));
    nnp_program_close(p);
    nnp_program_close(NULL);
    nnp_model_close(m);
    nnp_target_close(t);
}
