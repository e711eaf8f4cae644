/* Looking into models, programs, loops and generated C through
 * <nnpipe/nnpipe.h> only: nnp_model_describe, the program report
 * (nnp_program_emit), the words for optimality and attempt outcomes, the
 * stage pushes of a modulo attempt, C names, and whether the C of a
 * schedule fell back to loops one after another. Values are worked out by
 * hand in the comments or checked against the other public views; every
 * refusal has its status and a message naming what is wrong. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* ---- helpers ---- */

static nnp_model *open_model(const char *rel)
{
    nnp_model *m = NULL;
    cr_assert_eq(nnp_model_open(src_path(rel), &m), NNP_OK, "%s: %s", rel, nnp_model_errmsg(m));
    return m;
}

static nnp_program *lower(nnp_model *m, const char *target_rel)
{
    nnp_target *t;
    int rc = target_rel ? nnp_target_open(src_path(target_rel), &t) : nnp_target_default(&t);
    cr_assert_eq(rc, NNP_OK, "%s", nnp_target_errmsg(t));
    nnp_program *p;
    cr_assert_eq(nnp_program_lower(m, t, &p), NNP_OK, "%s", nnp_program_errmsg(p));
    nnp_target_close(t); /* the program keeps it */
    return p;
}

static char *report(nnp_program *p, const char *format)
{
    collect c = {0};
    cr_assert_eq(nnp_program_emit(p, format, (nnp_sink){collect_write, &c}), NNP_OK, "%s",
                 nnp_program_errmsg(p));
    cr_assert_gt(c.len, 0);
    return c.s;
}

/* One input x of the given dims through a single node op_type to y. */
static nnp_model *one_node(const char *op_type, int rank, const int64_t *dims)
{
    nnp_model *m;
    const char *in[1] = {"x"}, *out[1] = {"y"};
    cr_assert_eq(nnp_model_new("one", 13, &m), NNP_OK);
    cr_assert_eq(nnp_model_add_input(m, "x", rank, dims), NNP_OK);
    cr_assert_eq(nnp_model_add_node(m, op_type, "n", in, 1, out, 1, NULL), NNP_OK);
    cr_assert_eq(nnp_model_add_output(m, "y"), NNP_OK);
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    return m;
}

/* ---- nnp_model_describe ---- */

Test(api_inspect, lenet5_describes_itself_with_the_readme_counts)
{
    nnp_model *m = open_model("samples/lenet5.onnx");
    nnp_model_desc d;
    cr_assert_eq(nnp_model_describe(m, &d), NNP_OK);
    /* Two Convs, three Gemms, four Relus, two MaxPools, a Flatten and a
     * Softmax: 13 nodes. Tensors: the input, a weight and a bias per Conv
     * and Gemm (10) and the 13 node outputs: 24. */
    cr_assert_eq(d.node_count, 13);
    cr_assert_eq(d.tensor_count, 24);
    cr_assert_eq(d.input_count, 1);
    cr_assert_eq(d.output_count, 1);
    cr_assert_eq(d.opset, 13);
    cr_assert(d.checked);
    cr_assert_eq(d.node_count, nnp_model_node_count(m));
    cr_assert_eq(d.tensor_count, nnp_model_tensor_count(m));
    cr_assert_not_null(d.name);
    nnp_model_close(m);
}

Test(api_inspect, a_built_model_describes_its_name_opset_and_check_state)
{
    nnp_model *m;
    const int64_t dims[2] = {2, 3};
    const char *in[1] = {"x"}, *out[1] = {"y"};
    cr_assert_eq(nnp_model_new("net", 11, &m), NNP_OK);
    nnp_model_desc d;
    cr_assert_eq(nnp_model_describe(m, &d), NNP_OK);
    cr_assert_str_eq(d.name, "net");
    cr_assert_eq(d.opset, 11);
    cr_assert(!d.checked);
    cr_assert_eq(d.node_count + d.tensor_count + d.input_count + d.output_count, 0);
    nnp_model_add_input(m, "x", 2, dims);
    nnp_model_add_node(m, "Sigmoid", "s", in, 1, out, 1, NULL);
    nnp_model_add_output(m, "y");
    cr_assert_eq(nnp_model_describe(m, &d), NNP_OK);
    cr_assert(!d.checked);
    cr_assert_eq(d.node_count, 1);
    cr_assert_eq(d.tensor_count, 2);
    cr_assert_eq(d.input_count, 1);
    cr_assert_eq(d.output_count, 1);
    cr_assert_eq(nnp_model_check(m), NNP_OK, "%s", nnp_model_errmsg(m));
    cr_assert_eq(nnp_model_describe(m, &d), NNP_OK);
    cr_assert(d.checked);
    nnp_model_close(m);
    cr_assert_eq(nnp_model_new(NULL, 0, &m), NNP_OK);
    cr_assert_eq(nnp_model_describe(m, &d), NNP_OK);
    cr_assert_str_eq(d.name, "model");
    cr_assert_eq(d.opset, 0, "0: none declared");
    nnp_model_close(m);
}

Test(api_inspect, describe_refuses_null_and_broken_models)
{
    nnp_model_desc d;
    expect_null_misuse(nnp_model_describe(NULL, &d), nnp_model_errmsg(NULL));
    nnp_model *m = open_model("samples/tinymlp.json");
    cr_assert_eq(nnp_model_describe(m, NULL), NNP_MISUSE);
    cr_assert(strstr(nnp_model_errmsg(m), "output pointer is NULL"), "%s", nnp_model_errmsg(m));
    nnp_model_close(m);
    cr_assert_eq(nnp_model_open(src_path("tests/data/frontend/err_cycle.json"), &m), NNP_INVALID);
    cr_assert_eq(nnp_model_describe(m, &d), NNP_MISUSE);
    cr_assert_eq(nnp_model_errcode(m), NNP_INVALID, "the open failure is kept");
    cr_assert(strstr(nnp_model_errmsg(m), "err_cycle.json"), "%s", nnp_model_errmsg(m));
    nnp_model_close(m);
}

/* ---- nnp_program_emit ---- */

Test(api_inspect, an_identity_is_an_alias_group_reported_in_full)
{
    const int64_t dims[4] = {1, 2, 6, 6};
    nnp_model *m = one_node("Identity", 4, dims);
    nnp_program *p = lower(m, NULL);
    char *text = report(p, "text");
    cr_assert_str_eq(text,
                     "target npu: 262144 bytes local memory (unified), 4 units, 1000 MHz\n"
                     "\n"
                     "group 0 (alias): 'n' (Identity) -> 'y' [1x2x6x6]\n"
                     "  alias of 'x': no data movement, no cost\n"
                     "total: 1 groups, 0 MACs, 0 bytes loaded, 0 stored (minimum 0), ~0 cycles "
                     "pipelined, 0 sequential\n");
    free(text);
    nnp_program_close(p);
    nnp_model_close(m);
}

Test(api_inspect, a_relu_reports_its_hand_computed_costs)
{
    /* Relu on 64 floats fits the npu's 256 KiB in one tile. Loading 256
     * bytes on dma_in takes latency 64 + 256 / 16 bytes per cycle = 80
     * cycles, and so does storing them; the vector unit does 64 elements
     * in 8 + 64 / 32 = 10 cycles. */
    const int64_t dims[2] = {1, 64};
    nnp_model *m = one_node("Relu", 2, dims);
    nnp_program *p = lower(m, NULL);
    char *text = report(p, "text");
    cr_assert(strstr(text, "group 0 (eltwise): 'n' (Relu) -> 'y' [1x64]\n"), "%s", text);
    cr_assert(strstr(text, "  tiles 1:"), "%s", text);
    nnp_group_desc g;
    cr_assert_eq(nnp_program_group(p, 0, &g), NNP_OK);
    int seen = 0;
    for (int k = 0; k < g.op_count; k++) {
        nnp_op_desc o;
        nnp_program_op(p, 0, k, &o);
        char row[256];
        int64_t cycles = o.kind == NNP_OP_COMPUTE ? 10 : 80, bytes = o.kind == NNP_OP_COMPUTE ? 0 : 256;
        /* "#  op  kind  unit  period  max cycles  max bytes  total cycles  total bytes" */
        snprintf(row, sizeof row, "  %-3d %-12s %-12s %-8s %8d %12lld %12lld %14lld %14lld\n", k,
                 o.name, o.kind_name, o.unit_name, 1, (long long)cycles, (long long)bytes,
                 (long long)cycles, (long long)bytes);
        cr_assert(strstr(text, row), "no row '%s' in:\n%s", row, text);
        seen += o.kind == NNP_OP_COMPUTE;
    }
    cr_assert_eq(seen, 1);
    cr_assert(strstr(text, "  bytes: loaded 256, stored 256, minimum 512 (halo/re-read +0, "
                           "weight re-load +0)\n"),
              "%s", text);
    cr_assert(strstr(text, "total: 1 groups, 0 MACs, 256 bytes loaded, 256 stored (minimum 512)"),
              "%s", text);
    free(text);
    nnp_program_close(p);
    nnp_model_close(m);
}

Test(api_inspect, the_lenet5_report_agrees_with_the_queries)
{
    nnp_model *m = open_model("samples/lenet5.json");
    nnp_program *p = lower(m, "samples/targets/vta.json");
    char *text = report(p, "text");
    cr_assert(strncmp(text, "target vta: 425984 bytes local memory (separate input/weight/output "
                            "buffers), 4 units, 100 MHz\n\n", 96) == 0,
              "%.120s", text);
    const char *at = text;
    for (int g = 0; g < nnp_program_group_count(p); g++) {
        nnp_group_desc d;
        nnp_program_group(p, g, &d);
        char head[128];
        snprintf(head, sizeof head, "group %d (%s): ", g, d.kind_name);
        const char *hit = strstr(at, head);
        cr_assert(hit, "no '%s' after offset %td", head, at - text);
        at = hit + 1; /* groups appear in order */
        if (d.kind != NNP_GROUP_ALIAS) {
            char chosen[600];
            snprintf(chosen, sizeof chosen, "  chosen: %s\n", d.why);
            cr_assert(strstr(hit, chosen), "group %d lacks '%s'", g, chosen);
        }
    }
    nnp_program_desc pd;
    cr_assert_eq(nnp_program_describe(p, &pd), NNP_OK);
    cr_assert_eq(pd.macs, 416520, "the README's MACs");
    char total[512];
    snprintf(total, sizeof total,
             "total: %d groups, %lld MACs, %lld bytes loaded, %lld stored (minimum %lld), ~%lld "
             "cycles pipelined, %lld sequential\n",
             pd.group_count, (long long)pd.macs, (long long)pd.bytes_loaded,
             (long long)pd.bytes_stored, (long long)pd.min_bytes, (long long)pd.est_cycles,
             (long long)pd.seq_cycles);
    cr_assert(strstr(text, total), "no '%s'", total);
    /* The working set is shown against each pool's capacity. */
    cr_assert(strstr(text, " of 32768 bytes") && strstr(text, " of 262144 bytes"), "%s", text);
    free(text);
    nnp_program_close(p);
    nnp_model_close(m);
}

Test(api_inspect, the_json_report_parses_and_its_groups_add_up_to_the_totals)
{
    nnp_model *m = open_model("samples/lenet5.json");
    nnp_program *p = lower(m, NULL);
    char *json = report(p, "json");
    const char *dir = temp_dir();
    char path[256], cmd[1024];
    snprintf(path, sizeof path, "%s/report.json", dir);
    cr_assert_eq(write_text(path, json), 0);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); "
             "assert d[\"target\"] == \"npu\"; g = d[\"groups\"]; t = d[\"totals\"]; "
             "assert len(g) == %d, len(g); "
             "assert sum(x[\"macs\"] for x in g) == t[\"macs\"] == 416520, t; "
             "assert sum(x[\"bytes_loaded\"] for x in g) == t[\"bytes_loaded\"]; "
             "assert g[0][\"nodes\"][0] == \"\\x27conv1\\x27 (Conv)\", g[0][\"nodes\"]' %s",
             nnp_program_group_count(p), path);
    char *err = NULL;
    cr_assert_eq(run_cmd(cmd, NULL, &err), 0, "%s", err);
    free(err);
    cr_assert_eq(json[strlen(json) - 1], '\n');
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    run_cmd(cmd, NULL, NULL);
    free(json);
    nnp_program_close(p);
    nnp_model_close(m);
}

Test(api_inspect, report_refusals_name_the_format_or_the_sink)
{
    nnp_model *m = open_model("samples/tinymlp.json");
    nnp_program *p = lower(m, NULL);
    collect c = {0};
    cr_assert_eq(nnp_program_emit(p, "xml", (nnp_sink){collect_write, &c}), NNP_MISUSE);
    cr_assert_str_eq(nnp_program_errmsg(p),
                     "unknown report format 'xml'; the formats are text, json");
    cr_assert_eq(nnp_program_emit(p, NULL, (nnp_sink){collect_write, &c}), NNP_MISUSE);
    cr_assert(strstr(nnp_program_errmsg(p), "'(null)'"), "%s", nnp_program_errmsg(p));
    cr_assert_eq(nnp_program_emit(p, "text", (nnp_sink){NULL, NULL}), NNP_MISUSE);
    cr_assert(strstr(nnp_program_errmsg(p), "write is NULL"), "%s", nnp_program_errmsg(p));
    cr_assert_eq(c.calls, 0);
    c.fail_at = 1, c.fail_code = 9;
    cr_assert_eq(nnp_program_emit(p, "json", (nnp_sink){collect_write, &c}), NNP_IO);
    cr_assert(strstr(nnp_program_errmsg(p), "writing the program report: the sink returned 9 "
                                            "after 0 of"),
              "%s", nnp_program_errmsg(p));
    cr_assert_eq(nnp_program_errcode(p), NNP_IO);
    cr_assert_eq(c.len, 0);
    nnp_program_close(p);
    expect_null_misuse(nnp_program_emit(NULL, "text", (nnp_sink){collect_write, &c}),
                       nnp_program_errmsg(NULL));
    nnp_model_close(m);
    /* A program that failed to lower is unusable and keeps its reason. */
    nnp_target *tiny;
    cr_assert_eq(nnp_target_open(src_path("tests/data/emit_c/tiny_memory.json"), &tiny), NNP_OK);
    m = open_model("samples/lenet5.json");
    cr_assert_eq(nnp_program_lower(m, tiny, &p), NNP_INFEASIBLE);
    cr_assert_eq(nnp_program_emit(p, "text", (nnp_sink){collect_write, &c}), NNP_MISUSE);
    cr_assert_eq(nnp_program_errcode(p), NNP_INFEASIBLE);
    cr_assert(strstr(nnp_program_errmsg(p), "layer 'conv1' (Conv) does not fit target"), "%s",
              nnp_program_errmsg(p));
    nnp_program_close(p);
    nnp_target_close(tiny);
    nnp_model_close(m);
}

/* ---- loops: words and stage pushes ---- */

Test(api_inspect, optimality_and_outcomes_have_words)
{
    cr_assert_str_eq(nnp_optimality_name(NNP_OPT_AT_MII), "optimal (II = MII)");
    cr_assert_str_eq(nnp_optimality_name(NNP_OPT_PROVEN), "optimal (proven by exact search)");
    cr_assert_str_eq(nnp_optimality_name(NNP_OPT_BUDGET),
                     "not proven (exact search ran out of budget)");
    cr_assert_str_eq(nnp_optimality_name(NNP_OPT_TOO_LARGE),
                     "not proven (loop larger than the exact search limit)");
    cr_assert_str_eq(nnp_optimality_name(NNP_OPT_NONE), "no II (a list schedule)");
    cr_assert_str_eq(nnp_optimality_name((nnp_optimality)99), "?");
    cr_assert_str_eq(nnp_attempt_outcome_name(NNP_ATTEMPT_FOUND), "scheduled");
    cr_assert_str_eq(nnp_attempt_outcome_name(NNP_ATTEMPT_NO_SLOT), "no slot within budget");
    cr_assert_str_eq(nnp_attempt_outcome_name(NNP_ATTEMPT_PROVEN_NONE), "proven infeasible");
    cr_assert_str_eq(nnp_attempt_outcome_name(NNP_ATTEMPT_SEARCH_LIMIT), "search budget exhausted");
    cr_assert_str_eq(nnp_attempt_outcome_name((nnp_attempt_outcome)-1), "?");
}

Test(api_inspect, three_dividers_try_ii_5_twice_and_push_nothing)
{
    /* Three 3-cycle ops on two dividers blocked 3 cycles each: ResMII =
     * ceil(9 / 2) = 5, but at II 5 one divider would hold two ops for 6
     * cycles, so the heuristic fails at 5, the exact search proves 5
     * infeasible and the heuristic schedules II 6. No op has a successor,
     * so nothing is ever pushed a stage later. */
    nnp_loop *l;
    cr_assert_eq(nnp_loop_open(src_path("tests/data/loops/three_dividers.json"), &l), NNP_OK);
    cr_assert_eq(nnp_loop_modulo_schedule(l, NULL), NNP_OK, "%s", nnp_loop_errmsg(l));
    nnp_loop_result r;
    cr_assert_eq(nnp_loop_get_result(l, &r), NNP_OK);
    cr_assert_eq(r.ii, 6);
    cr_assert_str_eq(nnp_optimality_name(r.optimality), "optimal (proven by exact search)");
    cr_assert_eq(r.attempt_count, 3);
    const char *want[3] = {"no slot within budget", "proven infeasible", "scheduled"};
    for (int k = 0; k < 3; k++) {
        nnp_attempt_desc a;
        int64_t pushes = -1;
        cr_assert_eq(nnp_loop_attempt(l, k, &a), NNP_OK);
        cr_assert_str_eq(nnp_attempt_outcome_name(a.outcome), want[k]);
        cr_assert_eq(a.exact, k == 1);
        cr_assert_eq(nnp_loop_attempt_stage_pushes(l, k, &pushes), NNP_OK);
        cr_assert_eq(pushes, 0, "attempt %d", k);
    }
    int64_t pushes;
    cr_assert_eq(nnp_loop_attempt_stage_pushes(l, 3, &pushes), NNP_MISUSE);
    cr_assert(strstr(nnp_loop_errmsg(l), "attempt index 3 out of range: the loop has 3"), "%s",
              nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_attempt_stage_pushes(l, 0, NULL), NNP_MISUSE);
    cr_assert(strstr(nnp_loop_errmsg(l), "output pointer is NULL"), "%s", nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_list_schedule(l), NNP_OK);
    cr_assert_eq(nnp_loop_attempt_stage_pushes(l, 0, &pushes), NNP_MISUSE);
    cr_assert(strstr(nnp_loop_errmsg(l), "no modulo schedule"), "%s", nnp_loop_errmsg(l));
    nnp_loop_close(l);
    expect_null_misuse(nnp_loop_attempt_stage_pushes(NULL, 0, &pushes), nnp_loop_errmsg(NULL));
}

Test(api_inspect, an_iir_filter_repairs_its_schedule_by_pushing_stages)
{
    /* A first-order IIR section on two ALUs, one adder, one multiplier and
     * two memory ports: the heuristic schedules it at II = MII = 9 in one
     * attempt, repairing successors by moving them whole stages later (4
     * ops today) instead of evicting them. How many depends on the
     * heuristic's order, so the test asks only that some were pushed. */
    nnp_loop *l;
    cr_assert_eq(nnp_loop_open(src_path("bench/loops/iir_s1_u1_bal_fp2.json"), &l), NNP_OK,
                 "%s", nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_modulo_schedule(l, NULL), NNP_OK, "%s", nnp_loop_errmsg(l));
    nnp_loop_result r;
    cr_assert_eq(nnp_loop_get_result(l, &r), NNP_OK);
    cr_assert_eq(r.ii, r.mii);
    int64_t total = 0;
    for (int k = 0; k < r.attempt_count; k++) {
        int64_t pushes;
        cr_assert_eq(nnp_loop_attempt_stage_pushes(l, k, &pushes), NNP_OK);
        cr_assert_geq(pushes, 0, "attempt %d", k);
        total += pushes;
    }
    cr_assert_gt(total, 0);
    nnp_loop_close(l);
}

/* ---- C names and the C fallback ---- */

Test(api_inspect, c_names_are_identifiers_of_at_most_64_characters)
{
    char longest[66];
    memset(longest, 'a', 64);
    longest[64] = 0;
    cr_assert(nnp_c_name_valid("lenet5"));
    cr_assert(nnp_c_name_valid("_x9"));
    cr_assert(nnp_c_name_valid("Z"));
    cr_assert(nnp_c_name_valid(longest));
    longest[64] = 'a';
    longest[65] = 0;
    cr_assert(!nnp_c_name_valid(longest), "65 characters");
    cr_assert(!nnp_c_name_valid("9lives"));
    cr_assert(!nnp_c_name_valid("my-net"));
    cr_assert(!nnp_c_name_valid("a b"));
    cr_assert(!nnp_c_name_valid(""));
    cr_assert(!nnp_c_name_valid(NULL));
}

/* The npu target with 78 KiB of local memory: mobilenet_tiny's modulo
 * schedule overlaps loops whose buffers fit by byte count but not side by
 * side once placed first fit, so the C falls back. */
static nnp_target *npu_78k(void)
{
    static const char json[] =
        "{\"name\": \"npu78k\", \"clock_mhz\": 1000, \"memory\": {\"bytes\": 79872, "
        "\"alignment\": 64}, \"units\": ["
        "{\"name\": \"dma_in\", \"kind\": \"dma_in\", \"count\": 1, \"throughput\": 16, "
        "\"latency\": 64, \"pipelined\": false},"
        "{\"name\": \"dma_out\", \"kind\": \"dma_out\", \"count\": 1, \"throughput\": 16, "
        "\"latency\": 64, \"pipelined\": false},"
        "{\"name\": \"mac\", \"kind\": \"mac\", \"count\": 1, \"throughput\": 1024, \"latency\": "
        "16, \"pipelined\": true},"
        "{\"name\": \"vector\", \"kind\": \"vector\", \"count\": 1, \"throughput\": 32, "
        "\"latency\": 8, \"pipelined\": true}]}";
    nnp_target *t;
    cr_assert_eq(nnp_target_open_buffer(json, sizeof json - 1, "npu78k", &t), NNP_OK, "%s",
                 nnp_target_errmsg(t));
    return t;
}

static int emit_c(nnp_schedule *s, collect *c)
{
    nnp_sink sink = {collect_write, c};
    return nnp_schedule_emit_c(s, NULL, sink, sink, sink);
}

static nnp_schedule *schedule(nnp_program *p, int overlap)
{
    nnp_schedule_options o;
    nnp_schedule_options_init(&o);
    o.overlap_loops = overlap;
    nnp_schedule *s;
    cr_assert_eq(nnp_schedule_new(p, &o, &s), NNP_OK, "%s", nnp_schedule_errmsg(s));
    return s;
}

Test(api_inspect, the_c_says_when_it_laid_loops_out_one_after_another)
{
    nnp_model *m = open_model("samples/mobilenet_tiny.json");
    nnp_target *t = npu_78k();
    nnp_program *p;
    cr_assert_eq(nnp_program_lower(m, t, &p), NNP_OK, "%s", nnp_program_errmsg(p));
    nnp_schedule *s = schedule(p, 1);
    int fallback = -1;
    cr_assert_eq(nnp_schedule_c_fallback(s, &fallback), NNP_MISUSE);
    cr_assert(strstr(nnp_schedule_errmsg(s), "no C has been written from this schedule"), "%s",
              nnp_schedule_errmsg(s));
    cr_assert_eq(fallback, -1);
    collect c = {0};
    cr_assert_eq(emit_c(s, &c), NNP_OK, "%s", nnp_schedule_errmsg(s));
    cr_assert_eq(nnp_schedule_c_fallback(s, &fallback), NNP_OK);
    cr_assert_eq(fallback, 1, "the overlapped loops' buffers do not fit side by side");
    /* A failed emit leaves the answer of the last successful one. */
    nnp_c_options bad;
    nnp_c_options_init(&bad);
    bad.name = "9lives";
    nnp_sink sink = {collect_write, &c};
    cr_assert_eq(nnp_schedule_emit_c(s, &bad, sink, sink, sink), NNP_MISUSE);
    cr_assert_eq(nnp_schedule_c_fallback(s, &fallback), NNP_OK);
    cr_assert_eq(fallback, 1);
    /* Without overlap there is nothing to fall back from. */
    nnp_schedule *flat = schedule(p, 0);
    cr_assert_eq(emit_c(flat, &c), NNP_OK, "%s", nnp_schedule_errmsg(flat));
    cr_assert_eq(nnp_schedule_c_fallback(flat, &fallback), NNP_OK);
    cr_assert_eq(fallback, 0);
    cr_assert_eq(nnp_schedule_c_fallback(flat, NULL), NNP_MISUSE);
    cr_assert(strstr(nnp_schedule_errmsg(flat), "output pointer is NULL"), "%s",
              nnp_schedule_errmsg(flat));
    free(c.s);
    nnp_schedule_close(flat);
    nnp_schedule_close(s);
    nnp_program_close(p);
    nnp_target_close(t);
    nnp_model_close(m);
}

Test(api_inspect, on_the_default_target_the_c_follows_the_schedule_itself)
{
    nnp_model *m = open_model("samples/mobilenet_tiny.json");
    nnp_program *p = lower(m, NULL);
    nnp_schedule *s = schedule(p, 1);
    collect c = {0};
    int fallback = -1;
    cr_assert_eq(emit_c(s, &c), NNP_OK, "%s", nnp_schedule_errmsg(s));
    cr_assert_eq(nnp_schedule_c_fallback(s, &fallback), NNP_OK);
    cr_assert_eq(fallback, 0);
    free(c.s);
    nnp_schedule_close(s);
    /* A list schedule has no C at all, so no answer either. */
    nnp_schedule_options o;
    nnp_schedule_options_init(&o);
    o.scheduler = NNP_SCHEDULER_LIST;
    cr_assert_eq(nnp_schedule_new(p, &o, &s), NNP_OK);
    cr_assert_eq(emit_c(s, &c), NNP_UNSUPPORTED);
    cr_assert_eq(nnp_schedule_c_fallback(s, &fallback), NNP_MISUSE);
    nnp_schedule_close(s);
    expect_null_misuse(nnp_schedule_c_fallback(NULL, &fallback), nnp_schedule_errmsg(NULL));
    nnp_program_close(p);
    nnp_model_close(m);
}
