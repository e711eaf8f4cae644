/* Replays every input the fuzzers once broke nnpipe with (tests/data/fuzz/
 * HARNESS/, one file per bug, named for it) through the same harness
 * function, so a fixed bug stays fixed; and the small seed models through
 * the model and pipeline harnesses, so a broken invariant shows here before
 * anyone runs a fuzzer.
 *
 * The harnesses are compiled into this test as they are (their libFuzzer
 * entry points exist only with NNPIPE_FUZZ_MAIN): what ctest replays is
 * exactly the code the fuzzers ran, under gcc and, in the ASan build, the
 * same sanitizers. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz_model.c"
#include "../fuzz/fuzz_pipeline.c"
#include "../fuzz/fuzz_randgraph.c"
#include "../fuzz/fuzz_target.c"
#include "../fuzz/invariants.c"
#include "../fuzz/pipeline.c"
#include "randgraph.h"
#include "testutil.h"

typedef const char *(*harness_fn)(const uint8_t *, size_t);

static unsigned char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Runs fn on every regular file of dir (relative to the source tree);
 * returns how many there were. A missing folder has none. */
static int replay_dir(const char *rel, harness_fn fn)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", src_path(rel));
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int count = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        size_t len;
        unsigned char *data = slurp_file(path, &len);
        const char *v = fn(data, len);
        if (v && fn == fuzz_randgraph_one) {
            /* Show the graph the bytes stand for. */
            rg_rng r;
            rg_bytes(&r, data, len);
            rg_opts o = rg_defaults();
            o.max_nodes = 12;
            rg_graph rg;
            randgraph(&r, &o, &rg);
            nnp_err e = {0};
            graph_check(rg.g, &e);
            char *desc = rg_describe(rg.g);
            fprintf(stderr, "%s:\n%s\n", ent->d_name, desc);
            free(desc);
            rg_free(&rg);
        }
        cr_expect_null(v, "%s/%s: %s", rel, ent->d_name, v);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

Test(fuzz_regressions, saved_model_inputs_load_or_fail_with_a_named_message)
{
    replay_dir("tests/data/fuzz/model", fuzz_model_one);
}

Test(fuzz_regressions, saved_target_inputs_parse_or_fail_with_a_named_message)
{
    replay_dir("tests/data/fuzz/target", fuzz_target_one);
}

Test(fuzz_regressions, saved_pipeline_inputs_pass_every_stage)
{
    replay_dir("tests/data/fuzz/pipeline", fuzz_pipeline_one);
}

Test(fuzz_regressions, saved_generator_inputs_pass_check_and_every_stage)
{
    cr_assert_geq(replay_dir("tests/data/fuzz/randgraph", fuzz_randgraph_one), 1,
                  "tests/data/fuzz/randgraph/ should hold the inputs of fixed bugs");
}

Test(fuzz_regressions, seed_models_pass_the_model_and_pipeline_harnesses)
{
    cr_assert_geq(replay_dir("fuzz/seeds/model", fuzz_model_one), 12);
    replay_dir("fuzz/seeds/model", fuzz_pipeline_one);
}

Test(fuzz_regressions, sample_targets_pass_the_target_harness)
{
    cr_assert_eq(replay_dir("samples/targets", fuzz_target_one), 3);
}

/* The invariants themselves must be able to fail, or a clean replay means
 * nothing. */
Test(fuzz_regressions, harness_invariants_reject_a_bad_error_report)
{
    nnp_err e = {0};
    err_set(&e, NNP_INVALID, "other: something");
    cr_expect_not_null(fuzz_check_error(NNP_INVALID, &e, FUZZ_NAME), "wrong name accepted");
    err_set(&e, NNP_NOMEM, "fuzz: out of memory");
    cr_expect_not_null(fuzz_check_error(NNP_NOMEM, &e, FUZZ_NAME), "NNP_NOMEM accepted");
    err_set(&e, NNP_INVALID, "fuzz: bad");
    cr_expect_not_null(fuzz_check_error(NNP_LIMIT, &e, FUZZ_NAME), "code mismatch accepted");
    cr_expect_null(fuzz_check_error(NNP_INVALID, &e, FUZZ_NAME));
}

Test(fuzz_regressions, harness_invariants_reject_an_unchecked_graph)
{
    graph *g = graph_new();
    int x = graph_intern_tensor(g, "x"), y = graph_intern_tensor(g, "y");
    g->tensors[x].rank = 1;
    g->tensors[x].dims[0] = 4;
    graph_add_input(g, x);
    graph_add_node(g, OP_RELU, "r", &x, 1, &y, 1);
    graph_add_output(g, y);
    cr_expect_not_null(fuzz_check_graph(g), "a graph with an unshaped tensor passed");
    nnp_err e = {0};
    cr_assert_eq(graph_check(g, &e), NNP_OK, "%s", e.msg);
    cr_expect_null(fuzz_check_graph(g));
    graph_free(g);
}
