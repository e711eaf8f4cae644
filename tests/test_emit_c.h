/* Helpers shared by the C backend's tests (test_emit_c*.c) and the
 * whole-pipeline checks of the op tests: emit a model's C into a fresh
 * folder, build several variants at once with make -j2, run them on raw
 * float32 files and compare with the reference interpreter, computed
 * in-process on the same inputs; run the lowered program through the tile
 * interpreter and compare it too. */
#ifndef NNPIPE_TEST_EMIT_C_H
#define NNPIPE_TEST_EMIT_C_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "interp.h"
#include "model_load.h"
#include "testutil.h"
#include "tile_interp.h"

enum { TC_MAX_IO = 16 };

/* The flags every generated file must compile cleanly with. */
#define TC_STRICT "-std=c99 -O2 -Wall -Wextra -Wpedantic -Werror"
#define TC_SAN "-std=c99 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"

typedef struct tcase {
    char dir[1024];
    char name[64];
    graph *g;
    target *t;
    program *p;
    float *in[TC_MAX_IO], *ref[TC_MAX_IO];
    long nin_el[TC_MAX_IO], nout_el[TC_MAX_IO];
} tcase;

static inline long tc_numel(const graph *g, int t)
{
    long n = 1;
    for (int d = 0; d < g->tensors[t].rank; d++)
        n *= (long)g->tensors[t].dims[d];
    return n;
}

static inline void tc_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Inputs written as dir/in<k>.bin, reference outputs computed. */
static inline void tc_prepare(tcase *c)
{
    nnp_err e = {0};
    const graph *g = c->g;
    cr_assert_leq(g->ninputs, TC_MAX_IO);
    cr_assert_leq(g->noutputs, TC_MAX_IO);
    for (int k = 0; k < g->ninputs; k++) {
        char path[1200];
        c->nin_el[k] = tc_numel(g, g->inputs[k]);
        snprintf(path, sizeof path, "%s/in%d.bin", c->dir, k);
        tc_write(path, c->in[k], (size_t)c->nin_el[k] * sizeof(float));
    }
    for (int k = 0; k < g->noutputs; k++) {
        c->nout_el[k] = tc_numel(g, g->outputs[k]);
        c->ref[k] = calloc((size_t)c->nout_el[k] + 1, sizeof(float));
    }
    cr_assert_eq(interp_run(g, (const float *const *)c->in, c->ref, &e), NNP_OK, "%s", e.msg);
}

/* A sample with its recorded inputs, lowered for a shipped target, in
 * folder dir (NULL: a fresh one). */
static inline void tc_sample_in(tcase *c, const char *sample, const char *tgt, const char *dir)
{
    char path[1024];
    nnp_err e = {0};
    memset(c, 0, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "%s", dir ? dir : temp_dir());
    snprintf(c->name, sizeof c->name, "%s_%s", sample, tgt);
    snprintf(path, sizeof path, "%s/samples/%s.json", NNP_SOURCE_DIR, sample);
    cr_assert_eq(model_load(path, &c->g, &e), NNP_OK, "%s", e.msg);
    snprintf(path, sizeof path, "%s/samples/targets/%s.json", NNP_SOURCE_DIR, tgt);
    cr_assert_eq(target_load(path, &c->t, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(lower_program(c->g, c->t, &c->p, &e), NNP_OK, "%s on %s: %s", sample, tgt, e.msg);
    for (int k = 0; k < c->g->ninputs; k++) {
        snprintf(path, sizeof path, "%s/samples/%s.in%d.bin", NNP_SOURCE_DIR, sample, k);
        cr_assert_eq(read_floats(path, &c->in[k]), tc_numel(c->g, c->g->inputs[k]), "%s", path);
    }
    tc_prepare(c);
}

static inline void tc_sample(tcase *c, const char *sample, const char *tgt)
{
    tc_sample_in(c, sample, tgt, NULL);
}

/* A graph built in memory (the tcase takes it; checked here) lowered for
 * the shipped target tgt, on seeded inputs uniform in [lo, hi], in folder
 * dir (NULL: a fresh one). The case is named <name>_<tgt>. */
static inline void tc_graph_in(tcase *c, graph *g, const char *name, const char *tgt,
                               const char *dir, float lo, float hi)
{
    char path[1024];
    nnp_err e = {0};
    memset(c, 0, sizeof *c);
    c->g = g;
    snprintf(c->dir, sizeof c->dir, "%s", dir ? dir : temp_dir());
    snprintf(c->name, sizeof c->name, "%s_%s", name, tgt);
    cr_assert_eq(graph_check(g, &e), NNP_OK, "%s: %s", c->name, e.msg);
    snprintf(path, sizeof path, "%s/samples/targets/%s.json", NNP_SOURCE_DIR, tgt);
    cr_assert_eq(target_load(path, &c->t, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(lower_program(g, c->t, &c->p, &e), NNP_OK, "%s: %s", c->name, e.msg);
    unsigned seed = 12345;
    for (int k = 0; k < g->ninputs; k++) {
        long n = tc_numel(g, g->inputs[k]);
        c->in[k] = malloc((size_t)n * sizeof(float) + 4);
        for (long i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            c->in[k][i] = lo + (hi - lo) * (float)((seed >> 8) % 65536) / 65535.0f;
        }
    }
    tc_prepare(c);
}

/* The lowered program, run tile by tile by the tile interpreter, matches
 * the reference within 1e-5 (abs + rel). */
static inline void tc_check_tiled(const tcase *c)
{
    float *got[TC_MAX_IO] = {0};
    char err[512] = "";
    for (int k = 0; k < c->g->noutputs; k++)
        got[k] = calloc((size_t)c->nout_el[k] + 1, sizeof(float));
    cr_assert_eq(tile_interp_run(c->p, (const float *const *)c->in, got, err, sizeof err), 0,
                 "%s: tile interpreter: %s", c->name, err);
    for (int k = 0; k < c->g->noutputs; k++) {
        long bad = first_mismatch(got[k], c->ref[k], (size_t)c->nout_el[k], 1e-5f);
        cr_assert_eq(bad, -1, "%s (tiled): output %d element %ld is %.9g, the reference %.9g",
                     c->name, k, bad, bad >= 0 ? got[k][bad] : 0.0,
                     bad >= 0 ? c->ref[k][bad] : 0.0);
        free(got[k]);
    }
}

static inline void tc_free(tcase *c)
{
    for (int k = 0; k < TC_MAX_IO; k++) {
        free(c->in[k]);
        free(c->ref[k]);
    }
    program_free(c->p);
    target_free(c->t);
    graph_free(c->g);
    memset(c, 0, sizeof *c);
}

/* Emits c as dir/<name>.c and .h (and .bin with weights_file), with main. */
static inline void tc_emit(tcase *c, int weights_file, emit_c_files *keep)
{
    char hdr[128], bin[1200], path[1200];
    snprintf(hdr, sizeof hdr, "%s.h", c->name);
    snprintf(bin, sizeof bin, "%s/%s.bin", c->dir, c->name);
    emit_c_options o = {.name = c->name, .header = hdr, .weights_file = weights_file,
                        .bin_path = bin, .with_main = 1, .model_label = c->name};
    emit_c_files f = {0};
    nnp_err e = {0};
    cr_assert_eq(emit_c_program(c->p, NULL, &o, &f, NULL, &e), NNP_OK, "%s: %s", c->name, e.msg);
    snprintf(path, sizeof path, "%s/%s.c", c->dir, c->name);
    tc_write(path, f.c.s, f.c.len);
    snprintf(path, sizeof path, "%s/%s.h", c->dir, c->name);
    tc_write(path, f.h.s, f.h.len);
    if (weights_file)
        tc_write(bin, f.bin.s ? f.bin.s : "", f.bin.len);
    if (keep)
        *keep = f;
    else
        emit_c_files_free(&f);
}

/* Runs `make -j2 -k` on the rules in dir/Makefile; fails the test with the
 * compiler's messages when any rule fails. */
static inline void tc_make(const char *dir, const char *rules)
{
    char path[1200], cmd[1400];
    snprintf(path, sizeof path, "%s/Makefile", dir);
    cr_assert_eq(write_text(path, rules), 0);
    snprintf(cmd, sizeof cmd, "make -s -j2 -k -C %s 2>&1", dir);
    char *out = NULL;
    int st = run_cmd(cmd, &out, NULL);
    cr_assert_eq(st, 0, "building in %s failed:\n%.3000s", dir, out ? out : "");
    free(out);
}

/* A make rule building exe from c->name.c (plus extra sources) with cc and flags. */
static inline void tc_rule(strbuf *mk, const tcase *c, const char *exe, const char *cc, const char *flags,
                    const char *src)
{
    sb_printf(mk, "all: %s\n%s: %s\n\t%s %s %s -o %s\n", exe, exe, src ? src : "", cc, flags,
              src ? src : "", exe);
    (void)c;
}

/* Runs dir/exe on the inputs and checks every output against the
 * reference within 1e-5 (abs + rel); *stderr_out (may be NULL) receives
 * what it printed on stderr (caller frees). */
static inline void tc_check_err(const tcase *c, const char *exe, const char *extra, char **stderr_out)
{
    char cmd[8192], path[1200];
    int n = snprintf(cmd, sizeof cmd, "cd %s && ./%s%s%s", c->dir, exe, extra ? " " : "",
                     extra ? extra : "");
    for (int k = 0; k < c->g->ninputs; k++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " in%d.bin", k);
    for (int k = 0; k < c->g->noutputs; k++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " %s.out%d.bin", exe, k);
    char *err = NULL;
    int st = run_cmd(cmd, NULL, &err);
    cr_assert_eq(st, 0, "%s: %s exited with %d:\n%.3000s", c->name, exe, st, err ? err : "");
    cr_assert(!err || !strstr(err, "runtime error"), "%s: %s reported:\n%.3000s", c->name, exe, err);
    if (stderr_out)
        *stderr_out = err;
    else
        free(err);
    for (int k = 0; k < c->g->noutputs; k++) {
        float *got = NULL;
        snprintf(path, sizeof path, "%s/%s.out%d.bin", c->dir, exe, k);
        cr_assert_eq(read_floats(path, &got), c->nout_el[k], "%s: %s", c->name, path);
        long bad = first_mismatch(got, c->ref[k], (size_t)c->nout_el[k], 1e-5f);
        cr_assert_eq(bad, -1, "%s (%s): output %d element %ld is %.9g, the reference %.9g",
                     c->name, exe, k, bad, bad >= 0 ? got[bad] : 0.0, bad >= 0 ? c->ref[k][bad] : 0.0);
        free(got);
    }
}

static inline void tc_check(const tcase *c, const char *exe, const char *extra)
{
    tc_check_err(c, exe, extra, NULL);
}

/* The whole pipeline on a graph built in memory, for every shipped target
 * (npu, mcu, vta): lowered, run by the tile interpreter, compiled to C
 * (weights embedded on npu and vta, in a side file on mcu) by gcc and clang
 * under TC_STRICT without -lm, run; every output matches the reference
 * within 1e-5. build() makes a fresh graph per target. */
static inline void tc_pipeline(graph *(*build)(void), const char *name, float lo, float hi)
{
    static const char *const tgts[] = {"npu", "mcu", "vta"};
    tcase cs[3];
    strbuf mk = {0};
    for (int i = 0; i < 3; i++) {
        tc_graph_in(&cs[i], build(), name, tgts[i], i ? cs[0].dir : NULL, lo, hi);
        tc_check_tiled(&cs[i]);
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
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 2; k++) {
            char exe[96], extra[160] = "";
            snprintf(exe, sizeof exe, "%s_%s", cs[i].name, k ? "clang" : "gcc");
            if (i == 1)
                snprintf(extra, sizeof extra, "--weights %s.bin", cs[i].name);
            tc_check(&cs[i], exe, extra[0] ? extra : NULL);
        }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cs[0].dir);
    cr_assert_eq(run_cmd(cmd, NULL, NULL), 0);
    for (int i = 0; i < 3; i++)
        tc_free(&cs[i]);
}

#endif
