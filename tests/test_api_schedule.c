/* The public schedule and emitter API through <nnpipe/nnpipe.h> only.
 * Schedules are checked through other public views, not against captured
 * output: each instance lasts exactly its op's cost at its tile
 * (nnp_program_op_tile), no unit instance runs two instances at once, data
 * dependences hold, the instance count is the number of active (op, tile)
 * pairs, the sequential schedule's makespan is the sum of all costs, bounds
 * are bounds. The generated C is compiled and run against onnxruntime's
 * outputs; JSON formats are parsed by Python's json module. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct fixture {
    nnp_model *m;
    nnp_target *t;
    nnp_program *p;
} fixture;

static fixture open_fix(const char *model, const char *target)
{
    fixture f;
    cr_assert_eq(nnp_model_open(src_path(model), &f.m), NNP_OK, "%s", nnp_model_errmsg(f.m));
    int rc = target ? nnp_target_open(src_path(target), &f.t) : nnp_target_default(&f.t);
    cr_assert_eq(rc, NNP_OK, "%s", nnp_target_errmsg(f.t));
    cr_assert_eq(nnp_program_lower(f.m, f.t, &f.p), NNP_OK, "%s", nnp_program_errmsg(f.p));
    return f;
}

static void close_fix(fixture *f)
{
    nnp_program_close(f->p);
    nnp_target_close(f->t);
    nnp_model_close(f->m);
}

static nnp_schedule *schedule(nnp_program *p, nnp_scheduler kind)
{
    nnp_schedule_options o;
    nnp_schedule_options_init(&o);
    o.scheduler = kind;
    nnp_schedule *s;
    cr_assert_eq(nnp_schedule_new(p, &o, &s), NNP_OK, "%s", nnp_schedule_errmsg(s));
    return s;
}

static void expect_err(nnp_schedule *s, int rc, int want, const char *needle)
{
    cr_assert_eq(rc, want, "status %d (%s), wanted %d: %s", rc, nnp_status_name(rc), want,
                 nnp_schedule_errmsg(s));
    cr_assert_eq(nnp_schedule_errcode(s), want);
    cr_assert(strstr(nnp_schedule_errmsg(s), needle), "message '%s' lacks '%s'",
              nnp_schedule_errmsg(s), needle);
}

/* A call on a handle in error state is misuse, and the handle keeps the
 * status and message of the failure that broke it. */
static void expect_broken(nnp_schedule *s, int rc, int why, const char *needle)
{
    cr_assert_eq(rc, NNP_MISUSE, "status %d (%s) on a broken handle", rc, nnp_status_name(rc));
    cr_assert_eq(nnp_schedule_errcode(s), why);
    cr_assert(strstr(nnp_schedule_errmsg(s), needle), "message '%s' lost '%s'",
              nnp_schedule_errmsg(s), needle);
}

/* Every relation between the schedule and the program that must hold. */
static void check_schedule(fixture *f, nnp_schedule *s)
{
    nnp_schedule_desc d;
    cr_assert_eq(nnp_schedule_describe(s, &d), NNP_OK);
    cr_assert(d.verified);
    int64_t active = 0;
    for (int g = 0; g < nnp_program_group_count(f->p); g++) {
        nnp_group_desc gd;
        nnp_program_group(f->p, g, &gd);
        for (int k = 0; k < gd.op_count; k++)
            for (int64_t t = 0; t < gd.tile_count; t++) {
                nnp_op_tile_desc ot;
                cr_assert_eq(nnp_program_op_tile(f->p, g, k, t, &ot), NNP_OK);
                active += ot.active;
            }
    }
    cr_assert_eq(d.instance_count, active, "one instance per active (op, tile)");
    nnp_target_desc td;
    nnp_target_describe(f->t, &td);
    int64_t sum = 0, last = 0, busy[16] = {0};
    nnp_instance_desc *in = calloc((size_t)d.instance_count, sizeof *in);
    for (int64_t k = 0; k < d.instance_count; k++) {
        cr_assert_eq(nnp_schedule_instance(s, k, &in[k]), NNP_OK);
        nnp_op_tile_desc ot;
        nnp_op_desc od;
        nnp_program_op_tile(f->p, in[k].group, in[k].op, in[k].tile, &ot);
        nnp_program_op(f->p, in[k].group, in[k].op, &od);
        cr_assert(ot.active);
        cr_assert_eq(in[k].end - in[k].start, ot.cycles, "instance %lld", (long long)k);
        cr_assert_eq(in[k].unit, od.unit);
        sum += ot.cycles;
        busy[in[k].unit] += in[k].busy;
        last = in[k].end > last ? in[k].end : last;
    }
    cr_assert_eq(d.sequential, sum, "the sequential baseline is the sum of all costs");
    cr_assert_eq(d.makespan, last);
    cr_assert_geq(d.makespan, d.lower_bound);
    cr_assert_geq(d.lower_bound, d.critical_path);
    cr_assert_geq(d.lower_bound, d.unit_bound);
    cr_assert_leq(d.makespan, d.sequential);
    /* No unit instance holds two instances at once (quadratic: small models). */
    for (int64_t a = 0; a < d.instance_count; a++)
        for (int64_t b = a + 1; b < d.instance_count; b++)
            if (in[a].unit == in[b].unit && in[a].instance == in[b].instance)
                cr_assert(in[a].start + in[a].busy <= in[b].start ||
                              in[b].start + in[b].busy <= in[a].start,
                          "instances %lld and %lld overlap on unit %d", (long long)a,
                          (long long)b, in[a].unit);
    for (int u = 0; u < td.unit_count; u++) {
        int64_t b;
        double util;
        nnp_unit_desc ud;
        cr_assert_eq(nnp_schedule_unit_busy(s, u, &b, &util), NNP_OK);
        nnp_target_unit(f->t, u, &ud);
        cr_assert_eq(b, busy[u]);
        cr_assert_float_eq(util, (double)b / ((double)d.makespan * ud.count), 1e-9);
    }
    free(in);
}

Test(api_schedule, every_scheduler_respects_costs_units_and_bounds)
{
    fixture f = open_fix("samples/lenet5.json", NULL);
    for (int k = NNP_SCHEDULER_SEQUENTIAL; k <= NNP_SCHEDULER_MODULO; k++) {
        nnp_schedule *s = schedule(f.p, (nnp_scheduler)k);
        check_schedule(&f, s);
        nnp_schedule_desc d;
        nnp_schedule_describe(s, &d);
        cr_assert_eq(d.scheduler, (nnp_scheduler)k);
        if (k == NNP_SCHEDULER_SEQUENTIAL)
            cr_assert_eq(d.makespan, d.sequential);
        else
            cr_assert_lt(d.makespan, d.sequential, "pipelining beats one-after-another");
        nnp_schedule_close(s);
    }
    close_fix(&f);
}

Test(api_schedule, modulo_loops_meet_their_bounds_on_vta)
{
    fixture f = open_fix("samples/mobilenet_tiny.json", "samples/targets/vta.json");
    nnp_schedule *s = schedule(f.p, NNP_SCHEDULER_MODULO);
    check_schedule(&f, s);
    for (int g = 0; g < nnp_program_group_count(f.p); g++) {
        nnp_group_loop_desc l;
        nnp_group_desc gd;
        cr_assert_eq(nnp_schedule_loop(s, g, &l), NNP_OK);
        nnp_program_group(f.p, g, &gd);
        cr_assert_eq(l.trips, gd.tile_count);
        if (!l.trips)
            continue;
        cr_assert_eq(l.mii, l.res_mii > l.rec_mii ? l.res_mii : l.rec_mii);
        cr_assert_geq(l.ii, l.mii);
        cr_assert_eq(l.optimal, l.optimality == NNP_OPT_AT_MII || l.optimality == NNP_OPT_PROVEN);
        cr_assert(l.optimality != NNP_OPT_AT_MII || l.ii == l.mii);
        cr_assert_leq(l.start, l.end);
        for (int k = 0; k < gd.op_count; k++) {
            int64_t off, stage;
            int in_loop;
            cr_assert_eq(nnp_schedule_loop_op(s, g, k, &off, &stage, &in_loop), NNP_OK);
            cr_assert(off >= 0 && stage == off / l.ii);
            cr_assert(stage < l.stage_count || !in_loop);
        }
        for (int b = 0; b < gd.buffer_count; b++) {
            int copies;
            cr_assert_eq(nnp_schedule_loop_copies(s, g, b, &copies), NNP_OK);
            cr_assert_geq(copies, 1);
        }
    }
    nnp_schedule_close(s);
    close_fix(&f);
}

/* ---- Emitting ---- */

static char *file_text(FILE *f)
{
    long n = ftell(f);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    return s;
}

Test(api_schedule, every_format_reaches_a_callback_and_a_file_alike)
{
    fixture f = open_fix("samples/lenet5.json", NULL);
    nnp_schedule *s = schedule(f.p, NNP_SCHEDULER_MODULO);
    const char *dir = temp_dir();
    int k;
    for (k = 0; nnp_emit_format_name(k); k++) {
        const char *fmt = nnp_emit_format_name(k);
        cr_assert_not_null(nnp_emit_format_summary(k));
        collect c = {0};
        cr_assert_eq(nnp_schedule_emit(s, fmt, NULL, (nnp_sink){collect_write, &c}), NNP_OK,
                     "%s: %s", fmt, nnp_schedule_errmsg(s));
        cr_assert_gt(c.len, 0, "%s", fmt);
        FILE *tf = tmpfile();
        cr_assert_eq(nnp_schedule_emit_file(s, fmt, NULL, tf), NNP_OK);
        char *ft = file_text(tf);
        fclose(tf);
        cr_assert_str_eq(ft, c.s, "%s: the file and the callback got different text", fmt);
        if (!strcmp(fmt, "json") || !strcmp(fmt, "trace")) {
            char path[256], cmd[512];
            snprintf(path, sizeof path, "%s/%s.json", dir, fmt);
            cr_assert_eq(write_text(path, c.s), 0);
            snprintf(cmd, sizeof cmd,
                     "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s", path);
            cr_assert_eq(run_cmd(cmd, NULL, NULL), 0, "%s is not valid JSON", fmt);
        }
        free(ft);
        free(c.s);
    }
    cr_assert_eq(k, 7, "summary, json, table, gantt, trace, svg, dot");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    run_cmd(cmd, NULL, NULL);
    cr_assert_null(nnp_emit_format_summary(k));
    nnp_schedule_close(s);
    close_fix(&f);
}

Test(api_schedule, emit_errors_name_the_format_or_the_failing_sink)
{
    fixture f = open_fix("samples/tinymlp.json", NULL);
    nnp_schedule *s = schedule(f.p, NNP_SCHEDULER_LIST);
    collect c = {0};
    expect_err(s, nnp_schedule_emit(s, "pdf", NULL, (nnp_sink){collect_write, &c}), NNP_MISUSE,
               "unknown format 'pdf'; the formats are summary, json");
    expect_err(s, nnp_schedule_emit(s, "table", NULL, (nnp_sink){NULL, NULL}), NNP_MISUSE,
               "write is NULL");
    expect_err(s, nnp_schedule_emit_file(s, "table", NULL, NULL), NNP_MISUSE, "FILE is NULL");
    c.fail_at = 1, c.fail_code = 7;
    expect_err(s, nnp_schedule_emit(s, "summary", NULL, (nnp_sink){collect_write, &c}), NNP_IO,
               "the sink returned 7");
    cr_assert_eq(c.len, 0);
    /* The C backend follows modulo schedules only. */
    nnp_sink sink = {collect_write, &c};
    expect_err(s, nnp_schedule_emit_c(s, NULL, sink, sink, sink), NNP_UNSUPPORTED, "modulo");
    nnp_group_loop_desc l;
    expect_err(s, nnp_schedule_loop(s, 0, &l), NNP_MISUSE, "a list schedule has no modulo loops");
    nnp_schedule_close(s);
    s = schedule(f.p, NNP_SCHEDULER_MODULO);
    nnp_c_options co;
    nnp_c_options_init(&co);
    co.name = "9lives";
    expect_err(s, nnp_schedule_emit_c(s, &co, sink, sink, sink), NNP_MISUSE, "'9lives'");
    expect_err(s, nnp_schedule_emit_c(s, NULL, sink, (nnp_sink){NULL, NULL}, sink), NNP_MISUSE,
               "sink is NULL");
    free(c.s);
    nnp_schedule_close(s);
    close_fix(&f);
}

/* Writes the sample's C (through FILE sinks), compiles it with main(), runs
 * it on the sample's inputs and compares with onnxruntime's output. */
static void c_matches_onnxruntime(const char *sample, int weights_file)
{
    char model[128];
    snprintf(model, sizeof model, "samples/%s.json", sample);
    fixture f = open_fix(model, NULL);
    nnp_schedule *s = schedule(f.p, NNP_SCHEDULER_MODULO);
    const char *dir = temp_dir();
    char c_path[256], h_path[256], bin_path[256], exe[256], out_path[256], cmd[2048];
    snprintf(c_path, sizeof c_path, "%s/net.c", dir);
    snprintf(h_path, sizeof h_path, "%s/net.h", dir);
    snprintf(bin_path, sizeof bin_path, "%s/net.bin", dir);
    snprintf(exe, sizeof exe, "%s/net", dir);
    snprintf(out_path, sizeof out_path, "%s/out0.bin", dir);
    nnp_c_options o;
    nnp_c_options_init(&o);
    o.name = "net";
    o.with_main = 1;
    o.weights_file = weights_file;
    o.bin_path = bin_path;
    FILE *fc = fopen(c_path, "w"), *fh = fopen(h_path, "w"), *fb = fopen(bin_path, "wb");
    cr_assert(fc && fh && fb);
    cr_assert_eq(nnp_schedule_emit_c(s, &o, nnp_file_sink(fc), nnp_file_sink(fh),
                                     nnp_file_sink(fb)),
                 NNP_OK, "%s", nnp_schedule_errmsg(s));
    long bin_len = ftell(fb);
    fclose(fc), fclose(fh), fclose(fb);
    cr_assert(weights_file ? bin_len > 0 : bin_len == 0);
    snprintf(cmd, sizeof cmd, "cc -std=c99 -O1 -w %s -o %s", c_path, exe);
    char *err = NULL;
    cr_assert_eq(run_cmd(cmd, NULL, &err), 0, "%s", err);
    free(err);
    int n = 0;
    int len = snprintf(cmd, sizeof cmd, "%s", exe);
    for (int k = 0; k < nnp_model_input_count(f.m); k++, n++)
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s/samples/%s.in%d.bin",
                        NNP_SOURCE_DIR, sample, k);
    snprintf(cmd + len, sizeof cmd - (size_t)len, " %s", out_path);
    cr_assert_eq(run_cmd(cmd, NULL, &err), 0, "%s: %s", cmd, err);
    free(err);
    char ref_rel[128];
    snprintf(ref_rel, sizeof ref_rel, "samples/%s.out0.bin", sample);
    float *got, *ref;
    long ng = read_floats(out_path, &got), nr = read_floats(src_path(ref_rel), &ref);
    cr_assert_eq(ng, nr);
    long bad = first_mismatch(got, ref, (size_t)nr, 1e-4f);
    cr_assert_eq(bad, -1, "%s: element %ld: %g vs onnxruntime %g", sample, bad,
                 bad >= 0 ? got[bad] : 0.0, bad >= 0 ? ref[bad] : 0.0);
    free(got);
    free(ref);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    run_cmd(cmd, NULL, NULL);
    nnp_schedule_close(s);
    close_fix(&f);
}

Test(api_schedule, generated_c_with_embedded_weights_matches_onnxruntime)
{
    c_matches_onnxruntime("lenet5", 0);
}

Test(api_schedule, generated_c_with_a_weights_file_matches_onnxruntime)
{
    c_matches_onnxruntime("tinymlp", 1);
}

Test(api_schedule, a_schedule_outlives_its_program_model_and_target)
{
    fixture f = open_fix("samples/tinymlp.json", "samples/targets/mcu.json");
    nnp_schedule *s = schedule(f.p, NNP_SCHEDULER_MODULO);
    close_fix(&f);
    collect c = {0};
    cr_assert_eq(nnp_schedule_emit(s, "table", NULL, (nnp_sink){collect_write, &c}), NNP_OK,
                 "%s", nnp_schedule_errmsg(s));
    cr_assert_gt(c.len, 0);
    nnp_instance_desc in;
    cr_assert_eq(nnp_schedule_instance(s, 0, &in), NNP_OK);
    free(c.s);
    nnp_schedule_close(s);
}

Test(api_schedule, misuse_is_refused_with_the_reason_in_the_new_handle)
{
    nnp_schedule *s;
    /* No out pointer: no schedule to hold a message. */
    expect_null_misuse(nnp_schedule_new(NULL, NULL, NULL), nnp_schedule_errmsg(NULL));
    int rc = nnp_schedule_new(NULL, NULL, &s);
    expect_err(s, rc, NNP_MISUSE, "the program is NULL");
    nnp_schedule_desc d;
    expect_broken(s, nnp_schedule_describe(s, &d), NNP_MISUSE, "the program is NULL");
    nnp_schedule_close(s);

    fixture f = open_fix("samples/lenet5.json", NULL);
    nnp_schedule_options o;
    nnp_schedule_options_init(&o);
    cr_assert(o.scheduler == NNP_SCHEDULER_MODULO && o.overlap_loops && o.verify);
    o.modulo.exact_budget = -5;
    rc = nnp_schedule_new(f.p, &o, &s);
    expect_err(s, rc, NNP_MISUSE, "exact_budget -5");
    nnp_schedule_close(s);
    o.modulo.exact_budget = 1000;
    o.scheduler = (nnp_scheduler)9;
    rc = nnp_schedule_new(f.p, &o, &s);
    expect_err(s, rc, NNP_MISUSE, "unknown scheduler 9");
    nnp_schedule_close(s);

    s = schedule(f.p, NNP_SCHEDULER_MODULO);
    nnp_instance_desc in;
    int64_t busy;
    double util;
    int copies;
    expect_err(s, nnp_schedule_instance(s, -1, &in), NNP_MISUSE, "instance index -1");
    expect_err(s, nnp_schedule_unit_busy(s, 9, &busy, &util), NNP_MISUSE, "unit index 9");
    expect_err(s, nnp_schedule_loop_copies(s, 0, 99, &copies), NNP_MISUSE, "buffer index 99");
    expect_err(s, nnp_schedule_describe(s, NULL), NNP_MISUSE, "output pointer is NULL");
    cr_assert_not_null(nnp_schedule_errmsg(NULL));
    nnp_schedule_close(s);
    nnp_schedule_close(NULL);
    close_fix(&f);
}
