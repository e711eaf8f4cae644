/* Fuzzing the model frontends through their one entry point,
 * model_load_buffer: the same bytes reach the JSON reader when they start
 * with '{' and the protobuf reader otherwise, so one corpus (seeded with
 * the .json and .onnx samples) exercises both. A loaded model must be
 * a checked graph; a refused one must come with a proper message. */
#include "fuzz.h"
#include "model_load.h"

const char *fuzz_model_one(const uint8_t *data, size_t size)
{
    graph *g = NULL;
    nnp_err e = {0};
    int rc = model_load_buffer(data, size, FUZZ_NAME, &g, &e);
    const char *v;
    if (rc)
        v = g ? "a failed load returned a graph" : fuzz_check_error(rc, &e, FUZZ_NAME);
    else
        v = fuzz_check_graph(g);
    graph_free(g);
    return v;
}

FUZZ_ENTRY(fuzz_model_one)
