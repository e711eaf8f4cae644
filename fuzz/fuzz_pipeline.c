/* Fuzzing the whole pipeline from model bytes: model_load_buffer, then
 * every stage in pipeline.c on what loads. Seeded with the sample models;
 * most mutations die in the parser, the rest (other dims, attributes,
 * pads...) give the later stages geometries nobody wrote a test for. */
#include "fuzz.h"
#include "model_load.h"

const char *fuzz_pipeline_one(const uint8_t *data, size_t size)
{
    graph *g = NULL;
    nnp_err e = {0};
    int rc = model_load_buffer(data, size, FUZZ_NAME, &g, &e);
    const char *v;
    if (rc)
        v = g ? "a failed load returned a graph" : fuzz_check_error(rc, &e, FUZZ_NAME);
    else
        v = fuzz_check_graph(g);
    if (!v && !rc)
        v = fuzz_pipeline_graph(g);
    graph_free(g);
    return v;
}

FUZZ_ENTRY(fuzz_pipeline_one)
