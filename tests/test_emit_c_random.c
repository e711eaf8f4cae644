/* The C backend on seeded random graphs (tests/randgraph.h): chains and
 * DAGs of every op with random shapes, pads, strides, dilations, groups,
 * broadcasting and opsets, lowered for the shipped targets (and a tiny
 * one that forces many tiles and split reductions), compiled with
 * -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror by clang and gcc (and at
 * -O3 -march=native, where gcc vectorizes differently) and run: every output
 * matches the reference interpreter within 1e-5 (abs + rel). A failure
 * names the case r<seed>_<target>. All graphs build in one
 * `make -j2`, each in its own folder. */
#include "randgraph.h"
#include "test_emit_c.h"

static const char *const target_files[] = {"samples/targets/npu.json", "samples/targets/mcu.json",
                                           "samples/targets/vta.json",
                                           "tests/data/emit_c/small_npu.json"};
enum { NTARGETS = 4 };

typedef struct rcase {
    tcase c;
    rg_graph rg;
    uint64_t seed;
    int target;
    char *desc;
} rcase;

/* Graph `seed` lowered for target k into top/<name>; 0 when the target
 * cannot hold one of its layers (a refusal the lowering tests cover). */
static int rcase_make(rcase *r, uint64_t seed, int k, target *t, const char *top, const rg_opts *o)
{
    memset(r, 0, sizeof *r);
    r->seed = seed;
    r->target = k;
    rg_rng rng;
    rg_seed(&rng, seed);
    cr_assert_eq(randgraph(&rng, o, &r->rg), 0);
    tcase *c = &r->c;
    c->g = r->rg.g;
    nnp_err e = {0};
    cr_assert_eq(graph_check(c->g, &e), NNP_OK, "seed %llu: %s", (unsigned long long)seed, e.msg);
    r->desc = rg_describe(c->g);
    int rc = lower_program(c->g, t, &c->p, &e);
    if (rc == NNP_INFEASIBLE)
        return 0;
    cr_assert_eq(rc, NNP_OK, "seed %llu on %s: %s\n%s", (unsigned long long)seed, t->name, e.msg,
                 r->desc);
    snprintf(c->name, sizeof c->name, "r%llu_%s", (unsigned long long)seed, t->name);
    snprintf(c->dir, sizeof c->dir, "%s/%s", top, c->name);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", c->dir);
    cr_assert_eq(run_cmd(cmd, NULL, NULL), 0);
    for (int i = 0; i < c->g->ninputs; i++) {
        long n = tc_numel(c->g, c->g->inputs[i]);
        c->in[i] = calloc((size_t)n + 1, sizeof(float));
        rg_fill(&rng, c->in[i], n, -1.0f, 1.0f);
    }
    tc_prepare(c);
    return 1;
}

static void rcase_free(rcase *r)
{
    tcase *c = &r->c;
    for (int k = 0; k < TC_MAX_IO; k++) {
        free(c->in[k]);
        free(c->ref[k]);
    }
    program_free(c->p);
    rg_free(&r->rg);
    free(r->desc);
}

/* Seeds first..first+n-1, each on the target seed % NTARGETS. */
static void random_batch(uint64_t first, int n, const rg_opts *o)
{
    target *ts[NTARGETS];
    nnp_err e = {0};
    for (int k = 0; k < NTARGETS; k++)
        cr_assert_eq(target_load(src_path(target_files[k]), &ts[k], &e), NNP_OK, "%s", e.msg);
    char top[256];
    snprintf(top, sizeof top, "%s", temp_dir());
    rcase *rs = calloc((size_t)n, sizeof *rs);
    int *ok = calloc((size_t)n, sizeof *ok);
    strbuf mk = {0};
    int built = 0;
    for (int i = 0; i < n; i++) {
        uint64_t seed = first + (uint64_t)i;
        int k = (int)(seed % NTARGETS);
        ok[i] = rcase_make(&rs[i], seed, k, ts[k], top, o);
        if (!ok[i])
            continue;
        rs[i].c.t = ts[k];
        tc_emit(&rs[i].c, seed % 2 == 0, NULL);
        char exe[200], src[200];
        snprintf(exe, sizeof exe, "%s/run", rs[i].c.name);
        snprintf(src, sizeof src, "%s/%s.c", rs[i].c.name, rs[i].c.name);
        /* clang -O2, gcc -O2, gcc -O3 -march=native in turn: vectorizers differ */
        static const char *const ccs[3] = {"clang", "gcc", "gcc"};
        static const char *const flags[3] = {TC_STRICT, TC_STRICT, TC_STRICT " -O3 -march=native"};
        tc_rule(&mk, &rs[i].c, exe, ccs[seed % 3], flags[seed % 3], src);
        built++;
    }
    cr_assert_geq(built, n * 3 / 4, "only %d of %d graphs lowered", built, n);
    tc_make(top, mk.s);
    sb_free(&mk);
    for (int i = 0; i < n; i++) {
        if (!ok[i])
            continue;
        char extra[300] = "";
        if (rs[i].seed % 2 == 0)
            snprintf(extra, sizeof extra, "--weights %s.bin", rs[i].c.name);
        tc_check(&rs[i].c, "run", extra[0] ? extra : NULL);
        rcase_free(&rs[i]);
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    run_cmd(cmd, NULL, NULL);
    free(rs);
    free(ok);
    for (int k = 0; k < NTARGETS; k++)
        target_free(ts[k]);
}

Test(emit_c_random, chains_and_dags_of_every_op_match_the_reference)
{
    rg_opts o = rg_defaults();
    random_batch(7000, 32, &o);
}

Test(emit_c_random, longer_graphs_with_larger_tensors_match_the_reference)
{
    rg_opts o = rg_defaults();
    o.max_nodes = 14;
    o.max_elems = 16384;
    random_batch(9000, 12, &o);
}
