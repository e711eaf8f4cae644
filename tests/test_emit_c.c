/* The C backend on the samples: for every sample and every shipped target
 * the generated C compiles with gcc and clang under -std=c99 -O2 -Wall
 * -Wextra -Wpedantic -Werror and matches the reference interpreter within
 * 1e-5 (abs + rel), with weights embedded and in a side file; the header
 * states the entry point and sizes; code size follows the loop body, not
 * the tile count; `nnpipe compile` writes its files atomically. */
#include "test_emit_c.h"

static const char *const targets[] = {"npu", "mcu", "vta"};

static void remove_dir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(run_cmd(cmd, NULL, NULL), 0);
}

/* Every target, gcc and clang: 6 builds at make -j2, then 6 runs. Weights
 * go to a side file on the mcu (the loader path) and are embedded on the
 * others (the hex-float path). */
static void sample_everywhere(const char *sample)
{
    tcase cs[3];
    strbuf mk = {0};
    for (int i = 0; i < 3; i++) {
        tc_sample_in(&cs[i], sample, targets[i], i ? cs[0].dir : NULL); /* one folder */
        tc_emit(&cs[i], i == 1, NULL);
        for (int k = 0; k < 2; k++) {
            char exe[96], src[96];
            snprintf(exe, sizeof exe, "%s_%s", cs[i].name, k ? "clang" : "gcc");
            snprintf(src, sizeof src, "%s.c", cs[i].name);
            tc_rule(&mk, &cs[i], exe, k ? "clang" : "gcc", TC_STRICT, src);
        }
    }
    tc_make(cs[0].dir, mk.s);
    sb_free(&mk);
    for (int i = 0; i < 3; i++) {
        char exe[96], extra[1200] = "";
        if (i == 1)
            snprintf(extra, sizeof extra, "--weights %s.bin", cs[i].name);
        for (int k = 0; k < 2; k++) {
            snprintf(exe, sizeof exe, "%s_%s", cs[i].name, k ? "clang" : "gcc");
            tc_check(&cs[i], exe, extra[0] ? extra : NULL);
        }
    }
    remove_dir(cs[0].dir);
    for (int i = 0; i < 3; i++)
        tc_free(&cs[i]);
}

Test(emit_c, lenet5_matches_the_reference_on_every_target_with_gcc_and_clang)
{
    sample_everywhere("lenet5");
}

Test(emit_c, resblock_matches_the_reference_on_every_target_with_gcc_and_clang)
{
    sample_everywhere("resblock");
}

Test(emit_c, mobilenet_tiny_matches_the_reference_on_every_target_with_gcc_and_clang)
{
    sample_everywhere("mobilenet_tiny");
}

Test(emit_c, big128_matches_the_reference_on_every_target_with_gcc_and_clang)
{
    sample_everywhere("big128");
}

Test(emit_c, tinymlp_two_inputs_match_the_reference_on_every_target_with_gcc_and_clang)
{
    sample_everywhere("tinymlp");
}

/* ---- the generated text ---- */

static void emit_text(const char *sample, const char *tgt, int weights_file, emit_c_files *f,
                      tcase *c)
{
    tc_sample(c, sample, tgt);
    tc_emit(c, weights_file, f);
}

Test(emit_c, header_declares_the_entry_point_shapes_sizes_and_schedule_stats)
{
    tcase c;
    emit_c_files f;
    emit_text("tinymlp", "npu", 0, &f, &c);
    const char *h = f.h.s;
    cr_assert(strstr(h, "int tinymlp_npu_run(const float *in0, const float *in1, float *out0);"),
              "%s", h);
    cr_assert(strstr(h, "#define TINYMLP_NPU_IN0_NAME \"x\""));
    cr_assert(strstr(h, "#define TINYMLP_NPU_IN1_SHAPE {32}"));
    cr_assert(strstr(h, "#define TINYMLP_NPU_OUT0_SIZE 16 "));
    cr_assert(strstr(h, "#define TINYMLP_NPU_MACS 2560LL"));
    cr_assert(strstr(h, "_SCRATCH_BYTES ") && strstr(h, "_ACTIVATION_BYTES ") &&
              strstr(h, "_DMA_CHANNELS "));
    cr_assert(strstr(h, "makespan") && strstr(h, "speedup"), "schedule stats missing:\n%s", h);
    cr_assert(!strstr(h, "load_weights"), "embedded weights need no loader");
    emit_c_files_free(&f);
    remove_dir(c.dir);
    tc_free(&c);
}

/* The scratch array never exceeds local memory. */
Test(emit_c, scratch_fits_the_targets_local_memory_on_every_sample)
{
    static const char *const samples[] = {"lenet5", "resblock", "mobilenet_tiny", "big128",
                                          "tinymlp"};
    for (size_t s = 0; s < 5; s++)
        for (int i = 0; i < 3; i++) {
            tcase c;
            emit_c_files f;
            emit_text(samples[s], targets[i], 1, &f, &c);
            const char *at = strstr(f.h.s, "_SCRATCH_BYTES ");
            cr_assert(at);
            long bytes = atol(at + strlen("_SCRATCH_BYTES "));
            cr_assert_gt(bytes, 0);
            cr_assert_leq(bytes, c.t->mem_bytes, "%s: scratch %ld > %lld", c.name, bytes,
                          (long long)c.t->mem_bytes);
            emit_c_files_free(&f);
            remove_dir(c.dir);
            tc_free(&c);
        }
}

/* The layout comment's copies: group, cycle span, byte range. */
typedef struct copy_at {
    int group;
    long t0, t1, lo, hi;
} copy_at;

static int parse_copies(const char *src, copy_at *out, int cap)
{
    const char *p = strstr(src, " * Buffer copies:");
    int n = 0, g = 0;
    cr_assert(p, "no layout comment");
    for (p = strchr(p, '\n') + 1; p && !strncmp(p, " *", 2); p = strchr(p, '\n') + 1) {
        const char *cyc = strstr(p, "cycles "), *eol = strchr(p, '\n');
        if (!cyc || cyc > eol)
            continue;
        long t0, t1;
        cr_assert_eq(sscanf(cyc, "cycles %ld..%ld:", &t0, &t1), 2);
        for (const char *b = strchr(cyc, '['); b && b < eol; b = strchr(b + 1, '[')) {
            long size;
            const char *at = strchr(b, '@');
            cr_assert_eq(sscanf(b, "[%ldB]", &size), 1);
            for (const char *o = at; o && o < eol && (*o == '@' || *o == ','); ) {
                long off = strtol(o + 1, (char **)&o, 10);
                cr_assert_lt(n, cap);
                out[n++] = (copy_at){g, t0, t1, off, off + size};
            }
        }
        g++;
    }
    return n;
}

Test(emit_c, buffer_copies_of_loops_overlapping_in_time_never_share_bytes)
{
    static const char *const samples[] = {"big128", "mobilenet_tiny", "resblock"};
    int overlapping = 0;
    for (size_t s = 0; s < 3; s++)
        for (int i = 0; i < 3; i++) {
            tcase c;
            emit_c_files f;
            emit_text(samples[s], targets[i], 1, &f, &c);
            static copy_at cp[4096];
            int n = parse_copies(f.c.s, cp, 4096);
            long scratch = atol(strstr(f.h.s, "_SCRATCH_BYTES ") + strlen("_SCRATCH_BYTES "));
            cr_assert_gt(n, 0);
            for (int a = 0; a < n; a++) {
                cr_assert_leq(cp[a].hi, scratch, "%s: a copy ends past the scratch", c.name);
                for (int b = a + 1; b < n; b++) {
                    int live = cp[a].group == cp[b].group ||
                               (cp[a].t0 < cp[b].t1 && cp[b].t0 < cp[a].t1);
                    overlapping += live && cp[a].group != cp[b].group;
                    cr_assert(!live || cp[a].hi <= cp[b].lo || cp[b].hi <= cp[a].lo,
                              "%s: copies [%ld, %ld) and [%ld, %ld) of groups %d and %d are live "
                              "together but share bytes", c.name, cp[a].lo, cp[a].hi, cp[b].lo,
                              cp[b].hi, cp[a].group, cp[b].group);
                }
            }
            emit_c_files_free(&f);
            remove_dir(c.dir);
            tc_free(&c);
        }
    cr_assert_gt(overlapping, 0, "some loops should overlap in time, or this test checks nothing");
}

Test(emit_c, weights_are_exact_hex_floats_or_a_side_file_of_raw_float32)
{
    tcase c;
    emit_c_files f;
    emit_text("lenet5", "npu", 0, &f, &c);
    /* conv1's first weight, as the model stores it, appears bit for bit */
    const tensor *w = &c.g->tensors[graph_find_tensor(c.g, "conv1_w")];
    char lit[64];
    snprintf(lit, sizeof lit, "%af", (double)w->data[0]);
    cr_assert(strstr(f.c.s, lit), "%s not in the source", lit);
    cr_assert_eq(f.bin.len, 0);
    emit_c_files_free(&f);
    tc_emit(&c, 1, &f);
    cr_assert(strstr(f.h.s, "int lenet5_npu_load_weights(const char *path);"));
    cr_assert(!strstr(f.c.s, lit), "weights must not be embedded with --weights file");
    /* every parameter the program reads, once: 61,706 floats */
    cr_assert_eq(f.bin.len, 61706u * 4, "%zu bytes", f.bin.len);
    int found = 0;
    for (size_t at = 0; at + 25 * sizeof(float) <= f.bin.len && !found; at += 4)
        found = !memcmp(f.bin.s + at, w->data, 25 * sizeof(float));
    cr_assert(found, "conv1's weights are in the file as raw float32");
    emit_c_files_free(&f);
    remove_dir(c.dir);
    tc_free(&c);
}

/* Lines of the kernels and loop functions (tables and weights excluded). */
static long code_lines(const char *src)
{
    const char *a = strstr(src, "/* ---- kernels and tile loops ---- */");
    const char *b = a ? strstr(a, "_run(") : NULL;
    long n = 0;
    for (const char *p = a; p && p < b; p++)
        n += *p == '\n';
    return n;
}

static int64_t total_tiles(const program *p)
{
    int64_t n = 0;
    for (int g = 0; g < p->ngroups; g++)
        n += p->groups[g].ntiles;
    return n;
}

Test(emit_c, code_grows_with_the_loop_body_not_with_the_tile_count)
{
    tcase big, small;
    emit_c_files fb, fs;
    emit_text("resblock", "npu", 1, &fb, &big);
    /* the same model on a target with an eighth of the memory: more tiles */
    char path[1200];
    const char *tiny = "{\"name\": \"tiny\", \"clock_mhz\": 1000, \"memory\": {\"bytes\": 32768, "
                       "\"alignment\": 64}, \"units\": ["
                       "{\"name\": \"dma_in\", \"kind\": \"dma_in\", \"count\": 1, \"throughput\": 16, "
                       "\"latency\": 64, \"pipelined\": false},"
                       "{\"name\": \"dma_out\", \"kind\": \"dma_out\", \"count\": 1, \"throughput\": 16, "
                       "\"latency\": 64, \"pipelined\": false},"
                       "{\"name\": \"mac\", \"kind\": \"mac\", \"count\": 1, \"throughput\": 1024, "
                       "\"latency\": 16, \"pipelined\": true},"
                       "{\"name\": \"vector\", \"kind\": \"vector\", \"count\": 1, \"throughput\": 32, "
                       "\"latency\": 8, \"pipelined\": true}]}";
    tc_sample(&small, "resblock", "npu");
    program_free(small.p);
    target_free(small.t);
    nnp_err e = {0};
    snprintf(path, sizeof path, "%s/tiny.json", small.dir);
    cr_assert_eq(write_text(path, tiny), 0);
    cr_assert_eq(target_load(path, &small.t, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(lower_program(small.g, small.t, &small.p, &e), NNP_OK, "%s", e.msg);
    snprintf(small.name, sizeof small.name, "resblock_tiny");
    tc_emit(&small, 1, &fs);
    int64_t tb = total_tiles(big.p), ts = total_tiles(small.p);
    cr_assert_geq(ts, 4 * tb, "the small target should need many more tiles (%lld vs %lld)",
                  (long long)ts, (long long)tb);
    long lb = code_lines(fb.c.s), ls = code_lines(fs.c.s);
    cr_assert_gt(lb, 50);
    cr_assert_lt(ls, lb * 3 / 2, "code lines %ld for %lld tiles vs %ld for %lld tiles", ls,
                 (long long)ts, lb, (long long)tb);
    /* and the many-tile version still computes the same thing */
    strbuf mk = {0};
    tc_rule(&mk, &small, "small", "gcc", TC_STRICT, "resblock_tiny.c");
    tc_make(small.dir, mk.s);
    sb_free(&mk);
    tc_check(&small, "small", "--weights resblock_tiny.bin");
    emit_c_files_free(&fb);
    emit_c_files_free(&fs);
    remove_dir(big.dir);
    remove_dir(small.dir);
    tc_free(&big);
    tc_free(&small);
}

Test(emit_c, each_loop_has_its_reservation_table_and_a_kernel_loop_in_schedule_order)
{
    tcase c;
    emit_c_files f;
    emit_text("big128", "npu", 1, &f, &c);
    const char *s = f.c.s;
    int loops = 0;
    for (int g = 0; g < c.p->ngroups; g++)
        loops += c.p->groups[g].ntiles > 0;
    int mrts = 0, kernels = 0;
    for (const char *p = s; (p = strstr(p, "Modulo reservation table")); p++)
        mrts++;
    for (const char *p = s; (p = strstr(p, "/* kernel: iteration k issues")); p++)
        kernels++;
    cr_assert_eq(mrts, loops, "one reservation table per tile loop");
    cr_assert_geq(kernels, 5, "loops with more tiles than stages have a kernel loop");
    /* conv1's kernel issues the next tile's input load before this tile's conv */
    const char *k = strstr(s, "static void g0_");
    cr_assert(k);
    const char *kern = strstr(k, "for (k = ");
    cr_assert(kern);
    const char *ld = strstr(kern, "/* load_in, tile k");
    const char *cv = strstr(kern, "/* conv, tile k");
    cr_assert(ld && cv);
    emit_c_files_free(&f);
    remove_dir(c.dir);
    tc_free(&c);
}

Test(emit_c, bad_options_are_refused_with_a_message)
{
    tcase c;
    tc_sample(&c, "tinymlp", "npu");
    emit_c_options o = {.name = "9lives", .header = "x.h"};
    emit_c_files f;
    nnp_err e = {0};
    cr_assert_eq(emit_c_program(c.p, NULL, &o, &f, NULL, &e), NNP_MISUSE);
    cr_assert(strstr(e.msg, "9lives"), "%s", e.msg);
    emit_c_files_free(&f);
    plan_options po;
    plan_options_default(&po);
    po.kind = PLAN_LIST;
    plan *pl = NULL;
    cr_assert_eq(plan_build(c.p, &po, &pl, &e), NNP_OK);
    o.name = "ok";
    cr_assert_eq(emit_c(pl, &o, &f, &e), NNP_UNSUPPORTED);
    cr_assert(strstr(e.msg, "needs a modulo plan, not a list one"), "%s", e.msg);
    plan_free(pl);
    emit_c_files_free(&f);
    cr_assert(emit_c_valid_name("model_1") && emit_c_valid_name("_x"));
    cr_assert(!emit_c_valid_name("") && !emit_c_valid_name("a-b") && !emit_c_valid_name("1a"));
    remove_dir(c.dir);
    tc_free(&c);
}

/* ---- the command ---- */

/* src_path's buffer is static: one copy per path of a command. */
static const char *sp(char *buf, const char *rel)
{
    snprintf(buf, 1024, "%s", src_path(rel));
    return buf;
}

Test(emit_c_cli, compile_writes_c_and_header_that_build_and_run_as_documented)
{
    const char *dir = temp_dir();
    char d[256], cmd[4096];
    snprintf(d, sizeof d, "%s", dir);
    char a[1024], b[1024], c[1024];
    snprintf(cmd, sizeof cmd, "cd %s && %s compile %s --main -o lenet.c && "
             "gcc -O2 lenet.c -o lenet && ./lenet %s out.bin && %s compare out.bin %s",
             d, NNP_CLI, sp(a, "samples/lenet5.json"), sp(b, "samples/lenet5.in0.bin"), NNP_CLI,
             sp(c, "samples/lenet5.out0.bin"));
    char *out = NULL, *err = NULL;
    int st = run_cmd(cmd, &out, &err);
    cr_assert_eq(st, 0, "%s\n%s", out, err);
    cr_assert(strstr(out, "wrote lenet.c"), "%s", out);
    cr_assert(strstr(out, "entry point lenet_run"), "%s", out);
    free(out);
    free(err);
    remove_dir(d);
}

Test(emit_c_cli, weights_file_name_option_and_errors_map_to_exit_codes)
{
    const char *dir = temp_dir();
    char d[256], cmd[4096];
    snprintf(d, sizeof d, "%s", dir);
    char a[1024], b[1024], c[1024], x[1024], y[1024];
    snprintf(cmd, sizeof cmd, "cd %s && %s compile %s --target %s --weights file --name mlp "
             "--main -q && test -s tinymlp.bin && grep -q 'int mlp_load_weights' tinymlp.h && "
             "cc -std=c99 -O1 tinymlp.c -o m && ./m --weights tinymlp.bin %s %s o.bin && "
             "%s compare o.bin %s",
             d, NNP_CLI, sp(a, "samples/tinymlp.json"), sp(b, "samples/targets/vta.json"),
             sp(c, "samples/tinymlp.in0.bin"), sp(x, "samples/tinymlp.in1.bin"), NNP_CLI,
             sp(y, "samples/tinymlp.out0.bin"));
    char *out = NULL, *err = NULL;
    int st = run_cmd(cmd, &out, &err);
    cr_assert_eq(st, 0, "%s\n%s", out, err);
    free(out);
    free(err);
    /* usage errors: 1 */
    snprintf(cmd, sizeof cmd, "cd %s && %s compile %s --weights both", d, NNP_CLI,
             src_path("samples/tinymlp.json"));
    cr_assert_eq(run_cmd(cmd, NULL, &err), 1);
    cr_assert(strstr(err, "--weights"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "cd %s && %s compile %s --name 'a b'", d, NNP_CLI,
             src_path("samples/tinymlp.json"));
    cr_assert_eq(run_cmd(cmd, NULL, &err), 1);
    cr_assert(strstr(err, "nnpipe: error: compile: --name must be a C identifier") &&
                  strstr(err, "a b"),
              "%s", err);
    free(err);
    /* an infeasible target: 2, and no file written */
    snprintf(cmd, sizeof cmd, "cd %s && mkdir fail && cd fail && %s compile %s --target %s",
             d, NNP_CLI, sp(a, "samples/big128.json"), sp(b, "tests/data/emit_c/tiny_memory.json"));
    cr_assert_eq(run_cmd(cmd, NULL, &err), 2, "%s", err);
    cr_assert(strstr(err, "nnpipe: error: layer '") &&
                  strstr(err, "does not fit target 'tiny_memory'") && strstr(err, "available"),
              "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s/fail)\"", d);
    cr_assert_eq(run_cmd(cmd, NULL, NULL), 0, "a failed compile must leave no file");
    /* an unwritable output folder: the header is not left behind either */
    snprintf(cmd, sizeof cmd, "cd %s && %s compile %s -o nodir/x.c", d, NNP_CLI,
             src_path("samples/tinymlp.json"));
    cr_assert_eq(run_cmd(cmd, NULL, &err), 2);
    cr_assert(strstr(err, "nnpipe: error: nodir/x.") && strstr(err, "cannot create"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "test ! -e %s/nodir", d);
    cr_assert_eq(run_cmd(cmd, NULL, NULL), 0);
    remove_dir(d);
}
