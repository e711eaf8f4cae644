/* Fuzzing the model frontends through their one entry point,
 * model_load_buffer: the same bytes reach the JSON reader when they start
 * with '{' and the protobuf reader otherwise, so one corpus (seeded with
 * the .json and .onnx samples) exercises both. A loaded model must be a
 * checked graph; a refused one must come with a proper message.
 *
 * A loaded model also goes through both writers and back: what
 * onnx_pb_write and onnx_json_write print must load again into the same
 * graph (graph_diff, the frontend tests' comparison of meaning), so a
 * writer that drops or mangles anything a reader accepted shows here. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "model_load.h"
#include "onnx_json.h"
#include "onnx_pb.h"
#include "../tests/test_frontend_util.h"

typedef int (*writer_fn)(const graph *g, unsigned char **out, size_t *len, nnp_err *e);

static int write_json(const graph *g, unsigned char **out, size_t *len, nnp_err *e)
{
    char *text = NULL;
    int rc = onnx_json_write(g, &text, len, e);
    *out = (unsigned char *)text;
    return rc;
}

static const struct {
    const char *name;
    writer_fn write;
} writers[] = {{"onnx_pb_write", onnx_pb_write}, {"onnx_json_write", write_json}};

static const char *round_trip(const graph *g)
{
    static char verdict[1024];
    for (size_t k = 0; k < sizeof writers / sizeof *writers; k++) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        nnp_err e = {0};
        graph *back = NULL;
        char why[512] = "";
        const char *v = NULL;
        if (writers[k].write(g, &bytes, &len, &e))
            snprintf(verdict, sizeof verdict, "%s failed on a loaded model: %s", writers[k].name,
                     e.msg), v = verdict;
        else if (model_load_buffer(bytes, len, FUZZ_NAME, &back, &e))
            snprintf(verdict, sizeof verdict, "what %s wrote does not load: %s", writers[k].name,
                     e.msg), v = verdict;
        else if (graph_diff(g, back, why, sizeof why))
            snprintf(verdict, sizeof verdict, "what %s wrote loads differently: %s",
                     writers[k].name, why), v = verdict;
        free(bytes);
        graph_free(back);
        if (v)
            return v;
    }
    return NULL;
}

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
    if (!v && !rc)
        v = round_trip(g);
    graph_free(g);
    return v;
}

FUZZ_ENTRY(fuzz_model_one)
