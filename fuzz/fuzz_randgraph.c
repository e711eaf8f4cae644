/* Structured fuzzing of everything after the parser: the input bytes are
 * the random graph generator's choices (tests/randgraph.h), so every input
 * is a valid graph, and coverage feedback steers the fuzzer towards
 * geometries and op combinations the later stages handle differently.
 * A generated graph must pass graph_check with the shapes the generator
 * worked out on its own, then every stage of pipeline.c. */
#include <stdio.h>

#include "fuzz.h"
#include "../tests/randgraph.h"

const char *fuzz_randgraph_one(const uint8_t *data, size_t size)
{
    static char verdict[1024];
    rg_rng r;
    rg_bytes(&r, data, size);
    rg_opts o = rg_defaults();
    o.max_nodes = 12;
    rg_graph rg;
    if (randgraph(&r, &o, &rg))
        return NULL; /* out of memory: not the graph's fault */
    nnp_err e = {0};
    const char *v = NULL;
    if (graph_check(rg.g, &e)) {
        snprintf(verdict, sizeof verdict, "graph_check refused a generated graph: %s", e.msg);
        v = verdict;
    }
    if (!v)
        v = rg_shape_mismatch(&rg, verdict, sizeof verdict);
    if (!v)
        v = fuzz_check_graph(rg.g);
    if (!v)
        v = fuzz_pipeline_graph(rg.g);
    rg_free(&rg);
    return v;
}

FUZZ_ENTRY(fuzz_randgraph_one)
