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
static target *small_target(int64_t bytes)
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
 * asserts every output is within 1e-5 of ref (and, when ort is given,
 * within 1e-4 of onnxruntime's outputs). */
static void expect_program_matches(const graph *g, const target *t, float *const *inputs,
                                   float *const *ref, float *const *ort, const char *what)
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
        bad = ort ? first_mismatch(got[k], ort[k], (size_t)n, 1e-4f) : -1;
        cr_assert_eq(bad, -1, "%s on %s: output %d differs at %ld: %g vs onnxruntime %g", what,
                     t->name, k, bad, bad >= 0 ? got[k][bad] : 0.0, bad >= 0 ? ort[k][bad] : 0.0);
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
static void expect_same_as_reference(const graph *g, const target *t,
                                                             const char *what)
{
    float **in = random_inputs(g, 12345);
    float **ref = reference(g, in);
    expect_program_matches(g, t, in, ref, NULL, what);
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
    float **ort = calloc((size_t)g->noutputs + 1, sizeof *ort);
    for (int k = 0; k < g->noutputs; k++) {
        char rel[64];
        snprintf(rel, sizeof rel, "samples/%s.out%d.bin", name, k);
        long n = read_floats(src_path(rel), &ort[k]);
        cr_assert_eq(n, numel(&g->tensors[g->outputs[k]]), "%s", rel);
    }
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        target *t = load_target(targets[i]);
        expect_program_matches(g, t, in, ref, ort, name);
        target_free(t);
    }
    free_outputs(g, ort);
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

/* ---- hand-made graphs ---- */

static int64_t prod(const int64_t *d, int n)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        p *= d[i];
    return p;
}

static int tensor_of(graph *g, const char *name, int rank, const int64_t *dims)
{
    int t = graph_intern_tensor(g, name);
    g->tensors[t].rank = rank;
    memcpy(g->tensors[t].dims, dims, (size_t)rank * sizeof *dims);
    return t;
}

static int input_of(graph *g, const char *name, int rank, const int64_t *dims)
{
    int t = tensor_of(g, name, rank, dims);
    graph_add_input(g, t);
    return t;
}

/* A constant with seeded values in [lo, lo + span). */
static int const_of(graph *g, const char *name, int rank, const int64_t *dims, unsigned seed,
                    float lo, float span)
{
    int t = tensor_of(g, name, rank, dims);
    int64_t n = prod(dims, rank);
    float *d = malloc((size_t)n * sizeof(float) + 4);
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        d[i] = lo + span * (float)(seed >> 8) / 16777216.0f;
    }
    g->tensors[t].data = d;
    return t;
}

static int node_of(graph *g, op_kind op, const char *name, const int *in, int nin,
                   const char *out)
{
    int o = graph_intern_tensor(g, out);
    return graph_add_node(g, op, name, in, nin, &o, 1);
}

static int out_of(graph *g, int n)
{
    return g->nodes[n].out[0];
}

/* Conv with square kernel k, stride s, symmetric pad p, group grp. */
static int conv_of(graph *g, const char *name, int x, int64_t cin, int64_t m, int64_t k,
                   int64_t s, int64_t p, int64_t grp, int bias, const char *out)
{
    char nm[64];
    int64_t wd[4] = {m, cin / grp, k, k}, bd[1] = {m};
    snprintf(nm, sizeof nm, "%s.w", name);
    int in[3] = {x, const_of(g, nm, 4, wd, 7u + (unsigned)m, -0.5f, 1.0f), -1};
    if (bias) {
        snprintf(nm, sizeof nm, "%s.b", name);
        in[2] = const_of(g, nm, 1, bd, 11u, -0.2f, 0.4f);
    }
    int n = node_of(g, OP_CONV, name, in, bias ? 3 : 2, out);
    int64_t ks[2] = {k, k}, st[2] = {s, s}, pads[4] = {p, p, p, p};
    node_set_ints(g, n, "kernel_shape", ks, 2);
    node_set_ints(g, n, "strides", st, 2);
    node_set_ints(g, n, "pads", pads, 4);
    node_set_int(g, n, "group", grp);
    return n;
}

static int pool_of(graph *g, op_kind op, const char *name, int x, int64_t k, int64_t s,
                   int64_t p, const char *out)
{
    int n = node_of(g, op, name, &x, 1, out);
    int64_t ks[2] = {k, k}, st[2] = {s, s}, pads[4] = {p, p, p, p};
    node_set_ints(g, n, "kernel_shape", ks, 2);
    node_set_ints(g, n, "strides", st, 2);
    node_set_ints(g, n, "pads", pads, 4);
    return n;
}

static void finish(graph *g, int out)
{
    graph_add_output(g, out);
    nnp_err e = {0};
    cr_assert_eq(graph_check(g, &e), NNP_OK, "%s", e.msg);
}

static program *lower_ok(const graph *g, const target *t)
{
    program *p = NULL;
    nnp_err e = {0};
    cr_assert_eq(lower_program(g, t, &p, &e), NNP_OK, "%s", e.msg);
    return p;
}

/* x[1,4,hw,hw] -> Conv 8x3x3 pad 1 -> Relu -> MaxPool 3x3 stride 2 pad 1. */
static graph *conv_relu_pool_of(int64_t hw)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 4, hw, hw};
    int x = input_of(g, "x", 4, xd);
    int c = conv_of(g, "conv", x, 4, 8, 3, 1, 1, 1, 1, "c");
    int r = node_of(g, OP_RELU, "relu", (int[]){out_of(g, c)}, 1, "r");
    int p = pool_of(g, OP_MAXPOOL, "pool", out_of(g, r), 3, 2, 1, "y");
    finish(g, out_of(g, p));
    return g;
}

static graph *conv_relu_pool(void)
{
    return conv_relu_pool_of(16);
}

Test(lower, conv_relu_and_overlapping_maxpool_fuse_into_one_group)
{
    graph *g = conv_relu_pool();
    target *t = load_target("npu");
    program *p = lower_ok(g, t);
    cr_assert_eq(p->ngroups, 1);
    const prog_group *gr = &p->groups[0];
    cr_assert_eq(gr->kind, GK_CONV);
    cr_assert_eq(gr->nnodes, 3);
    cr_assert(gr->par.has_pool && gr->par.pool_max);
    static const pop_kind want[] = {POP_LOAD_INPUT, POP_LOAD_WEIGHT, POP_LOAD_BIAS, POP_COMPUTE,
                                    POP_POOL, POP_STORE};
    cr_assert_eq(gr->nops, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(gr->ops[i].kind, want[i], "op %d", i);
    cr_assert_eq(gr->ops[3].ukind, UNIT_MAC, "conv runs on the MAC array");
    cr_assert_eq(gr->ops[4].ukind, UNIT_VECTOR, "the fused pool runs on the vector unit");
    cr_assert_eq(p->tensors[gr->ops[3].tensor].home, HOME_ONCHIP, "the relu output never "
                 "reaches main memory");
    cr_assert_eq(gr->ops[0].pad_value, 0.0f);
    program_free(p);
    expect_same_as_reference(g, t, "conv+relu+maxpool");
    target_free(t);
    graph_free(g);
}

/* Pool output p reads conv rows 2p-1..2p+1, so a tile of pool rows
 * [p0, p1) computes conv rows [2*p0 - 1, 2*p1) clipped to [0, 32): every
 * boundary between row tiles recomputes exactly one conv row (and likewise
 * columns). The 32x32 input alone (18 KiB with its padding) exceeds the
 * 12 KiB target, so the layer must be split spatially. */
Test(lower, overlapping_pool_recomputes_one_conv_row_per_tile_boundary)
{
    graph *g = conv_relu_pool_of(32);
    target *t = small_target(12 * 1024);
    program *p = lower_ok(g, t);
    const prog_group *gr = &p->groups[0];
    int64_t rows = gr->loops[2].count, cols = gr->loops[3].count;
    cr_assert_gt(rows * cols, 1, "the small target forces several tiles");
    int64_t per_pos = 8 * 4 * 9; /* output channels x input channels x taps */
    int64_t extra = ((32 + rows - 1) * (32 + cols - 1) - 32 * 32) * per_pos;
    cr_assert_eq(gr->rep.recompute_macs, extra, "rows %lld cols %lld", (long long)rows,
                 (long long)cols);
    cr_assert_eq(gr->rep.macs, 32 * 32 * per_pos);
    program_free(p);
    expect_same_as_reference(g, t, "conv+relu+maxpool on a small target");
    target_free(t);
    graph_free(g);
}

Test(lower, batchnorm_after_conv_is_folded_once_into_new_constants)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 3, 9, 9}, cd[1] = {6};
    int x = input_of(g, "x", 4, xd);
    int c = conv_of(g, "conv", x, 3, 6, 3, 1, 1, 1, 0, "c");
    int in[5] = {out_of(g, c), const_of(g, "gamma", 1, cd, 1, 0.5f, 1.0f),
                 const_of(g, "beta", 1, cd, 2, -1.0f, 2.0f),
                 const_of(g, "mean", 1, cd, 3, -1.0f, 2.0f),
                 const_of(g, "var", 1, cd, 4, 0.1f, 2.0f)};
    int bn = node_of(g, OP_BATCHNORM, "bn", in, 5, "b");
    int r = node_of(g, OP_RELU, "relu", (int[]){out_of(g, bn)}, 1, "y");
    finish(g, out_of(g, r));
    target *t = load_target("npu");
    program *p = lower_ok(g, t);
    cr_assert_eq(p->ngroups, 1);
    const prog_group *gr = &p->groups[0];
    cr_assert_eq(gr->nnodes, 3);
    cr_assert(gr->par.has_bias, "BN supplies a bias even though the Conv has none");
    const prog_op *lw = &gr->ops[1];
    const prog_tensor *fw = &p->tensors[lw->tensor];
    cr_assert_eq(fw->graph_tensor, -1, "weights are a new, folded constant");
    /* channel 2, weight element 5: W * gamma / sqrt(var + 1e-5) */
    const float *w = g->tensors[g->nodes[c].in[1]].data;
    float a = g->tensors[in[1]].data[2] / sqrtf(g->tensors[in[4]].data[2] + 1e-5f);
    cr_assert_float_eq(fw->data[2 * 27 + 5], w[2 * 27 + 5] * a, 1e-7);
    const prog_tensor *fb = &p->tensors[gr->ops[2].tensor];
    float b = a * (0.0f - g->tensors[in[3]].data[2]) + g->tensors[in[2]].data[2];
    cr_assert_float_eq(fb->data[2], b, 1e-6);
    program_free(p);
    expect_same_as_reference(g, t, "conv+bn+relu");
    target_free(t);
    graph_free(g);
}

Test(lower, a_tensor_with_two_readers_or_a_graph_output_is_not_fused)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 2, 8, 8};
    int x = input_of(g, "x", 4, xd);
    int c = conv_of(g, "conv", x, 2, 4, 3, 1, 1, 1, 1, "c");
    int r = node_of(g, OP_RELU, "relu", (int[]){out_of(g, c)}, 1, "r");
    int s = node_of(g, OP_SIGMOID, "sig", (int[]){out_of(g, c)}, 1, "s");
    int a = node_of(g, OP_ADD, "add", (int[]){out_of(g, r), out_of(g, s)}, 2, "y");
    int c2 = conv_of(g, "conv2", out_of(g, a), 4, 4, 1, 1, 0, 1, 1, "c2");
    int r2 = node_of(g, OP_RELU, "relu2", (int[]){out_of(g, c2)}, 1, "y2");
    graph_add_output(g, out_of(g, c2)); /* conv2's output is itself a graph output */
    finish(g, out_of(g, r2));
    target *t = load_target("npu");
    program *p = lower_ok(g, t);
    cr_assert_eq(p->ngroups, 6, "conv, relu, sigmoid, add, conv2 and relu2 stand alone");
    for (int i = 0; i < p->ngroups; i++)
        cr_assert_eq(p->groups[i].nnodes, 1);
    cr_assert_eq(p->groups[p->group_of_node[r]].kind, GK_ELTWISE);
    program_free(p);
    expect_same_as_reference(g, t, "unfused graph");
    target_free(t);
    graph_free(g);
}

Test(lower, skip_add_after_conv_is_fused_and_its_tensor_loaded_per_tile)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 4, 12, 12};
    int x = input_of(g, "x", 4, xd);
    int c = conv_of(g, "conv", x, 4, 4, 3, 1, 1, 1, 1, "c");
    int a = node_of(g, OP_ADD, "add", (int[]){x, out_of(g, c)}, 2, "a");
    int r = node_of(g, OP_RELU, "relu", (int[]){out_of(g, a)}, 1, "y");
    finish(g, out_of(g, r));
    target *t = small_target(4096);
    program *p = lower_ok(g, t);
    cr_assert_eq(p->ngroups, 1);
    const prog_group *gr = &p->groups[0];
    int skip = -1;
    for (int i = 0; i < gr->nops; i++)
        if (gr->ops[i].kind == POP_LOAD_SKIP)
            skip = i;
    cr_assert_geq(skip, 0);
    cr_assert_eq(gr->ops[skip].tensor, x, "the skip operand is the block input");
    cr_assert_eq(gr->par.nepi, 2);
    cr_assert_eq(gr->par.epi[0].kind, EPI_BINARY);
    cr_assert_eq(gr->par.epi[1].kind, EPI_ACT);
    cr_assert_eq(gr->par.epi[1].act, OP_RELU);
    cr_assert_gt(gr->ntiles, 1);
    cr_assert_eq(gr->ops[skip].total_bytes, 4 * 12 * 12 * 4, "each skip element moves once");
    program_free(p);
    expect_same_as_reference(g, t, "conv+add+relu");
    target_free(t);
    graph_free(g);
}

static const prog_loop *loop_named(const prog_group *gr, const char *name)
{
    for (int l = 0; l < gr->nloops; l++)
        if (!strcmp(gr->loops[l].name, name))
            return &gr->loops[l];
    cr_assert_fail("no loop %s", name);
    return NULL;
}

/* 16 input channels per group: even one output position needs a 16 x 3 x 3
 * input box (576 bytes, double buffered) and 576 bytes of weights, more
 * than 1 KiB, so the input channels must be split and partial sums kept on
 * chip. */
Test(lower, grouped_conv_splits_the_reduction_when_nothing_else_fits)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 32, 10, 10};
    int x = input_of(g, "x", 4, xd);
    int c = conv_of(g, "conv", x, 32, 8, 3, 1, 1, 2, 1, "y");
    finish(g, out_of(g, c));
    target *t = small_target(1024);
    program *p = lower_ok(g, t);
    const prog_group *gr = &p->groups[0];
    cr_assert_gt(loop_named(gr, "ic")->count, 1, "%s", gr->rep.why);
    int acc = 0;
    for (int d = 0; d < gr->ndeps; d++)
        if (gr->deps[d].kind == DEP_ACC) {
            acc = 1;
            cr_assert_eq(gr->deps[d].from, gr->deps[d].to);
            cr_assert_eq(gr->deps[d].distance, 1);
        }
    cr_assert(acc, "partial sums carry from one reduction step to the next");
    const prog_op *st = &gr->ops[gr->nops - 1];
    cr_assert_eq(st->kind, POP_STORE);
    cr_assert_eq(st->period, loop_named(gr, "ic")->count, "stores wait for the last step");
    cr_assert_eq(st->phase, st->period - 1);
    for (int q = 0; q < POOL_COUNT; q++)
        cr_assert_leq(gr->rep.working_set[q], 1024);
    program_free(p);
    expect_same_as_reference(g, t, "grouped conv with split reduction");
    target_free(t);
    graph_free(g);
}

Test(lower, gemm_with_transposes_bias_and_split_k_matches_reference)
{
    graph *g = graph_new();
    int64_t ad[2] = {300, 6}, bd[2] = {20, 300}, cd[1] = {20};
    int a = input_of(g, "a", 2, ad);
    int in[3] = {a, const_of(g, "b", 2, bd, 5, -0.5f, 1.0f), const_of(g, "c", 1, cd, 6, -1, 2)};
    int n = node_of(g, OP_GEMM, "gemm", in, 3, "g");
    node_set_int(g, n, "transA", 1);
    node_set_int(g, n, "transB", 1);
    node_set_float(g, n, "alpha", 0.5f);
    node_set_float(g, n, "beta", 2.0f);
    int s = node_of(g, OP_SIGMOID, "sig", (int[]){out_of(g, n)}, 1, "y");
    finish(g, out_of(g, s));
    target *t = small_target(2048);
    program *p = lower_ok(g, t);
    cr_assert_eq(p->ngroups, 1, "the sigmoid is the Gemm's epilogue");
    const prog_group *gr = &p->groups[0];
    cr_assert_gt(loop_named(gr, "k")->count, 1, "%s", gr->rep.why);
    cr_assert_eq(gr->rep.macs, 6 * 20 * 300);
    program_free(p);
    expect_same_as_reference(g, t, "gemm transA transB split k");
    target_free(t);
    graph_free(g);
}

Test(lower, a_target_too_small_for_one_tile_names_layer_and_bytes)
{
    graph *g = conv_relu_pool();
    target *t = small_target(160);
    program *p = NULL;
    nnp_err e = {0};
    cr_assert_eq(lower_program(g, t, &p, &e), NNP_INFEASIBLE);
    cr_assert_null(p);
    cr_assert(strstr(e.msg, "'conv' (Conv)") != NULL, "%s", e.msg);
    cr_assert(strstr(e.msg, "needs ") != NULL && strstr(e.msg, "160 available") != NULL, "%s",
              e.msg);
    target_free(t);
    graph_free(g);
}

Test(lower, every_node_of_every_sample_lands_in_exactly_one_group)
{
    static const char *const names[] = {"lenet5", "resblock", "mobilenet_tiny", "big128",
                                        "tinymlp"};
    target *t = load_target("vta");
    for (size_t s = 0; s < sizeof names / sizeof *names; s++) {
        graph *g = load_sample(names[s]);
        program *p = lower_ok(g, t);
        int *seen = calloc(g->nnodes, sizeof(int));
        for (int i = 0; i < p->ngroups; i++)
            for (int k = 0; k < p->groups[i].nnodes; k++) {
                int n = p->groups[i].nodes[k];
                seen[n]++;
                cr_assert_eq(p->group_of_node[n], i);
            }
        for (size_t n = 0; n < g->nnodes; n++)
            cr_assert_eq(seen[n], 1, "%s node %zu in %d groups", names[s], n, seen[n]);
        free(seen);
        program_free(p);
        graph_free(g);
    }
    target_free(t);
}

Test(lower, reshape_flatten_identity_dropout_are_zero_cost_aliases)
{
    graph *g = load_sample("tinymlp");
    target *t = load_target("npu");
    program *p = lower_ok(g, t);
    int aliases = 0;
    for (int i = 0; i < p->ngroups; i++) {
        const prog_group *gr = &p->groups[i];
        if (gr->kind != GK_ALIAS)
            continue;
        aliases++;
        cr_assert_eq(gr->nops, 0);
        cr_assert_eq(gr->rep.est_cycles, 0);
        const prog_tensor *o = &p->tensors[gr->out_tensor];
        cr_assert_eq(o->home, HOME_ALIAS);
        cr_assert_neq(p->tensors[o->alias_of].home, HOME_ALIAS, "aliases point at storage");
    }
    cr_assert_eq(aliases, 2, "Identity and Dropout");
    program_free(p);
    target_free(t);
    graph_free(g);
}

Test(lower, units_follow_the_target_everything_on_scalar_for_the_mcu)
{
    graph *g = load_sample("lenet5");
    target *t = load_target("mcu");
    program *p = lower_ok(g, t);
    for (int i = 0; i < p->ngroups; i++)
        for (int k = 0; k < p->groups[i].nops; k++) {
            const prog_op *o = &p->groups[i].ops[k];
            int compute = o->kind == POP_COMPUTE || o->kind == POP_POOL;
            cr_assert_eq(o->ukind, compute ? UNIT_SCALAR : UNIT_DMA, "%s", o->name);
        }
    program_free(p);
    target_free(t);
    graph_free(g);
}

/* Weights of a layer that fit are loaded once (period = tile count) and
 * kept in a single copy; double-buffered loads get reuse edges of
 * distance 2. */
Test(lower, resident_weights_load_once_and_loads_are_double_buffered)
{
    graph *g = conv_relu_pool_of(32);
    target *t = small_target(12 * 1024);
    program *p = lower_ok(g, t);
    const prog_group *gr = &p->groups[0];
    const prog_op *lw = &gr->ops[1];
    cr_assert_eq(lw->kind, POP_LOAD_WEIGHT);
    if (loop_named(gr, "oc")->count == 1) {
        cr_assert_eq(lw->period, gr->ntiles);
        cr_assert_eq(gr->bufs[lw->out].copies, 1);
        cr_assert_eq(lw->total_bytes, 8 * 4 * 9 * 4);
    }
    const prog_op *li = &gr->ops[0];
    cr_assert_eq(gr->bufs[li->out].copies, 2);
    int war = 0;
    for (int d = 0; d < gr->ndeps; d++) {
        const prog_dep *dp = &gr->deps[d];
        if (dp->kind == DEP_WAR && dp->to == 0) {
            war = 1;
            /* new input every `period` tiles, two copies: the copy read in
             * tile i is overwritten period + 1 tiles later at the earliest */
            cr_assert_eq(dp->distance, li->period + 1);
            cr_assert_eq(gr->ops[dp->from].kind, POP_COMPUTE);
        }
        if (dp->kind == DEP_DATA)
            cr_assert_eq(dp->distance, 0);
    }
    cr_assert(war, "the input buffer's copies are reused");
    program_free(p);
    target_free(t);
    graph_free(g);
}

/* conv1 (1 -> 2 channels) feeds conv2 (3x3, pad 1) on a target small enough
 * for several row tiles: each consumer tile needs the producer tile that
 * holds its last input row, which the test finds by brute force over the
 * producer's stored regions. */
Test(lower, consumer_tiles_wait_only_for_the_producer_tiles_they_read)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 1, 40, 40};
    int x = input_of(g, "x", 4, xd);
    int c1 = conv_of(g, "conv1", x, 1, 2, 3, 1, 1, 1, 1, "c1");
    int c2 = conv_of(g, "conv2", out_of(g, c1), 2, 2, 3, 1, 1, 1, 1, "y");
    finish(g, out_of(g, c2));
    target *t = small_target(6 * 1024);
    program *p = lower_ok(g, t);
    cr_assert_eq(p->ngroups, 2);
    const prog_group *pg = &p->groups[0], *cg = &p->groups[1];
    cr_assert_eq(cg->npreds, 1);
    cr_assert_eq(cg->preds[0].group, 0);
    cr_assert_gt(pg->ntiles, 2);
    int64_t prev = -1;
    for (int64_t tc = 0; tc < cg->ntiles; tc++) {
        region need, have;
        nnp_err e;
        cr_assert_eq(prog_op_region(p, 1, cg->preds[0].op, tc, &need, &e), NNP_OK);
        int64_t want = -1;
        for (int64_t tp = 0; tp < pg->ntiles; tp++) {
            if (!prog_op_active(&pg->ops[pg->nops - 1], tp))
                continue;
            prog_op_region(p, 0, pg->nops - 1, tp, &have, &e);
            int meet = 1;
            for (int d = 0; d < 4; d++)
                meet &= have.clo[d] < need.chi[d] && need.clo[d] < have.chi[d];
            if (meet)
                want = tp;
        }
        int64_t got = prog_pred_tile(p, 1, 0, tc);
        cr_assert_geq(got, want, "tile %lld", (long long)tc);
        if (cg->loops[1].count == 1) /* one channel tile: exact */
            cr_assert_eq(got, want, "tile %lld", (long long)tc);
        if (tc == 0 && pg->loops[1].count == 1)
            cr_assert_lt(got, pg->ntiles - 1, "the first consumer tile can start early");
        prev = got;
    }
    cr_assert_eq(prev, pg->ntiles - 1, "the last tile needs the producer's last rows");
    program_free(p);
    expect_same_as_reference(g, t, "conv chain");
    target_free(t);
    graph_free(g);
}

/* ---- the command ---- */

static char *run_lower(const char *args, int *status, char **err)
{
    char cmd[4096];
    char *out = NULL;
    snprintf(cmd, sizeof cmd, "%s lower %s", NNP_CLI, args);
    *status = run_cmd(cmd, &out, err);
    return out;
}

Test(lower_cli, text_lists_groups_tiles_costs_and_uses_npu_by_default)
{
    char args[2048], *err;
    int st;
    snprintf(args, sizeof args, "%s", src_path("samples/lenet5.json"));
    char *out = run_lower(args, &st, &err);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert(strstr(out, "target npu:") != NULL, "%s", out);
    cr_assert(strstr(out, "'conv1' (Conv) + 'relu1' (Relu) + 'maxpool1' (MaxPool)") != NULL,
              "%s", out);
    cr_assert(strstr(out, "working set: unified") != NULL);
    cr_assert(strstr(out, "halo/re-read") != NULL);
    cr_assert(strstr(out, "alias of 'maxpool2_out'") != NULL);
    free(out);
    free(err);
}

Test(lower_cli, json_has_one_entry_per_group)
{
    char args[2048], *err;
    int st;
    char tpath[512];
    snprintf(tpath, sizeof tpath, "%s", src_path("samples/targets/vta.json"));
    snprintf(args, sizeof args, "%s --target %s --format json",
             src_path("samples/mobilenet_tiny.json"), tpath);
    char *out = run_lower(args, &st, &err);
    cr_assert_eq(st, 0, "%s", err);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "output is JSON");
    cr_assert_str_eq(cJSON_GetObjectItem(j, "target")->valuestring, "vta");
    graph *g = load_sample("mobilenet_tiny");
    target *t = load_target("vta");
    program *p = lower_ok(g, t);
    const cJSON *groups = cJSON_GetObjectItem(j, "groups");
    cr_assert_eq(cJSON_GetArraySize(groups), p->ngroups);
    const cJSON *g0 = cJSON_GetArrayItem(groups, 0);
    cr_assert_eq((int64_t)cJSON_GetObjectItem(g0, "tiles")->valuedouble, p->groups[0].ntiles);
    cr_assert_not_null(cJSON_GetObjectItem(g0, "working_set"));
    program_free(p);
    target_free(t);
    graph_free(g);
    cJSON_Delete(j);
    free(out);
    free(err);
}

Test(lower_cli, bad_arguments_and_failures_map_to_exit_codes)
{
    char args[2048], *err, *out;
    int st;
    out = run_lower("", &st, &err);
    cr_assert_eq(st, 1);
    cr_assert(strstr(err, "nnpipe: error: lower: missing MODEL") != NULL, "%s", err);
    free(out), free(err);
    snprintf(args, sizeof args, "%s --format yaml", src_path("samples/lenet5.json"));
    out = run_lower(args, &st, &err);
    cr_assert_eq(st, 1);
    cr_assert(strstr(err, "nnpipe: error: lower: --format must be text or json, not 'yaml'") !=
                  NULL,
              "%s", err);
    free(out), free(err);
    snprintf(args, sizeof args, "%s --target /nonexistent/t.json",
             src_path("samples/lenet5.json"));
    out = run_lower(args, &st, &err);
    cr_assert_eq(st, 2);
    cr_assert(strstr(err, "/nonexistent/t.json") != NULL, "%s", err);
    free(out), free(err);
    char model[512];
    snprintf(model, sizeof model, "%s", src_path("samples/lenet5.json"));
    snprintf(args, sizeof args, "%s --target %s", model,
             src_path("tests/data/targets/zero_mac.json"));
    out = run_lower(args, &st, &err);
    cr_assert_eq(st, 2);
    cr_assert(strstr(err, "zero_mac.json: units[2].throughput: must be > 0") != NULL, "%s", err);
    free(out), free(err);
    snprintf(model, sizeof model, "%s", src_path("samples/big128.json"));
    snprintf(args, sizeof args, "%s --target %s", model, src_path("tests/data/targets/tiny.json"));
    out = run_lower(args, &st, &err);
    cr_assert_eq(st, 2);
    cr_assert(strstr(err, "does not fit target 'tiny'") != NULL, "%s", err);
    cr_assert(strstr(err, "layer 'conv1' (Conv)") && strstr(err, "needs ") &&
                  strstr(err, "256 available"),
              "%s", err);
    free(out), free(err);
}

/* ---- the other group kinds, squeezed onto small targets ---- */

Test(lower, global_pool_splits_its_rows_when_a_plane_does_not_fit)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 3, 40, 40};
    int x = input_of(g, "x", 4, xd);
    int a = node_of(g, OP_GLOBALAVGPOOL, "gap", &x, 1, "y");
    finish(g, out_of(g, a));
    target *t = small_target(2048);
    program *p = lower_ok(g, t);
    const prog_group *gr = &p->groups[0];
    cr_assert_eq(gr->kind, GK_GLOBALPOOL);
    cr_assert_gt(loop_named(gr, "ih")->count, 1, "%s", gr->rep.why);
    program_free(p);
    expect_same_as_reference(g, t, "global average pool");
    target_free(t);
    graph_free(g);
}

Test(lower, standalone_avgpool_ceil_mode_and_padding_match_reference)
{
    graph *g = graph_new();
    int64_t xd[4] = {2, 3, 21, 19};
    int x = input_of(g, "x", 4, xd);
    int a = pool_of(g, OP_AVGPOOL, "avg", x, 3, 2, 1, "a");
    node_set_int(g, a, "ceil_mode", 1);
    node_set_int(g, a, "count_include_pad", 1);
    int m = pool_of(g, OP_MAXPOOL, "max", out_of(g, a), 2, 1, 1, "y");
    finish(g, out_of(g, m));
    target *t = small_target(1024);
    program *p = lower_ok(g, t);
    cr_assert_eq(p->ngroups, 2);
    cr_assert_eq(p->groups[0].kind, GK_POOL);
    cr_assert_gt(p->groups[0].ntiles, 1);
    cr_assert(isinf(p->groups[1].ops[0].pad_value), "MaxPool pads with -inf");
    program_free(p);
    expect_same_as_reference(g, t, "avgpool ceil_mode + maxpool");
    target_free(t);
    graph_free(g);
}

Test(lower, concat_softmax_eltwise_and_legacy_softmax_match_reference)
{
    graph *g = graph_new();
    g->opset = 11; /* Softmax normalises over every axis from `axis` on */
    int64_t ad[3] = {4, 3, 10}, bd[3] = {4, 5, 10}, cd[1] = {10};
    int a = input_of(g, "a", 3, ad), b = input_of(g, "b", 3, bd);
    int c = node_of(g, OP_CONCAT, "cat", (int[]){a, b}, 2, "c");
    node_set_int(g, c, "axis", 1);
    int m = node_of(g, OP_MUL, "mul", (int[]){out_of(g, c), const_of(g, "k", 1, cd, 3, 0, 2)}, 2,
                    "m");
    int l = node_of(g, OP_LEAKYRELU, "lrelu", (int[]){out_of(g, m)}, 1, "l");
    node_set_float(g, l, "alpha", 0.3f);
    int s = node_of(g, OP_SOFTMAX, "sm", (int[]){out_of(g, l)}, 1, "y");
    node_set_int(g, s, "axis", 1);
    finish(g, out_of(g, s));
    target *t = small_target(1536);
    program *p = lower_ok(g, t);
    cr_assert_eq(p->groups[0].kind, GK_CONCAT);
    cr_assert_eq(p->groups[1].kind, GK_ELTWISE);
    cr_assert_eq(p->groups[3].kind, GK_SOFTMAX);
    cr_assert(p->groups[3].par.legacy_softmax);
    cr_assert_gt(p->groups[0].ntiles, 1);
    cr_assert_eq(p->groups[1].ops[1].kind, POP_LOAD_WEIGHT, "the constant comes as a weight");
    program_free(p);
    expect_same_as_reference(g, t, "concat, mul, leakyrelu, legacy softmax");
    target_free(t);
    graph_free(g);
}

Test(lower, lone_batchnorm_becomes_a_per_channel_scale_and_shift)
{
    graph *g = graph_new();
    int64_t xd[4] = {1, 5, 6, 7}, cd[1] = {5};
    int x = input_of(g, "x", 4, xd);
    int in[5] = {x, const_of(g, "gamma", 1, cd, 1, 0.5f, 1.0f),
                 const_of(g, "beta", 1, cd, 2, -1.0f, 2.0f),
                 const_of(g, "mean", 1, cd, 3, -1.0f, 2.0f),
                 const_of(g, "var", 1, cd, 4, 0.1f, 2.0f)};
    int bn = node_of(g, OP_BATCHNORM, "bn", in, 5, "y");
    finish(g, out_of(g, bn));
    target *t = small_target(512);
    program *p = lower_ok(g, t);
    cr_assert_eq(p->groups[0].kind, GK_ELTWISE);
    cr_assert_gt(p->groups[0].ntiles, 1);
    program_free(p);
    expect_same_as_reference(g, t, "batchnorm alone");
    target_free(t);
    graph_free(g);
}

Test(lower, batched_matmul_tiles_batches_and_1d_operands_run_whole)
{
    graph *g = graph_new();
    int64_t ad[4] = {2, 3, 5, 8}, bd[2] = {8, 6}, vd[1] = {6};
    int a = input_of(g, "a", 4, ad);
    int mm = node_of(g, OP_MATMUL, "mm", (int[]){a, const_of(g, "b", 2, bd, 9, -1, 2)}, 2, "m");
    int mv = node_of(g, OP_MATMUL, "mv", (int[]){out_of(g, mm), const_of(g, "v", 1, vd, 8, -1, 2)},
                     2, "y");
    finish(g, out_of(g, mv));
    target *t = small_target(1024);
    program *p = lower_ok(g, t);
    cr_assert_eq(p->groups[0].kind, GK_GEMM);
    cr_assert_eq(p->groups[0].nloops, 5, "two batch loops, m, n and k");
    cr_assert_gt(p->groups[0].ntiles, 1);
    cr_assert_eq(p->groups[1].kind, GK_WHOLE, "a 1-D operand runs as the reference op");
    program_free(p);
    expect_same_as_reference(g, t, "batched matmul and matrix-vector");
    target_free(t);
    graph_free(g);
}

/* A whole batch of four does not fit even as a single output position
 * (4 images x 2 channels x 3 x 3 inputs, double buffered, is 576 bytes), one
 * image does. */
Test(lower, batches_are_split_into_single_images_when_a_whole_batch_does_not_fit)
{
    graph *g = graph_new();
    int64_t xd[4] = {4, 2, 8, 8};
    int x = input_of(g, "x", 4, xd);
    int c = conv_of(g, "conv", x, 2, 2, 3, 1, 1, 1, 1, "y");
    finish(g, out_of(g, c));
    target *t = small_target(512);
    program *p = lower_ok(g, t);
    const prog_loop *n = loop_named(&p->groups[0], "n");
    cr_assert_eq(n->tile, 1);
    cr_assert_eq(n->count, 4);
    program_free(p);
    expect_same_as_reference(g, t, "batched conv");
    target_free(t);
    graph_free(g);
}
