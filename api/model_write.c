/* nnp_model_write: a model encoded by the frontends' writers (binary ONNX
 * or the JSON mapping) and handed to a caller's sink. The writers encode
 * into memory, so a failure writes nothing; the graph is only read, and a
 * failure's message goes into the model handle. */
#include <stdlib.h>

#include "handles.h"
#include "onnx_json.h"
#include "onnx_pb.h"

int nnp_model_write(nnp_model *m, nnp_model_format format, nnp_sink out)
{
    int rc = api_usable(m, m ? m->broken : 1);
    if (rc)
        return rc;
    if (!m->checked)
        return err_set(&m->err, NNP_MISUSE,
                       "nnp_model_write: model '%s' is not checked; call nnp_model_check first",
                       m->label);
    if (format != NNP_MODEL_ONNX && format != NNP_MODEL_JSON)
        return err_set(&m->err, NNP_MISUSE,
                       "nnp_model_write: unknown format %d (NNP_MODEL_ONNX or NNP_MODEL_JSON)",
                       (int)format);
    if (!out.write)
        return err_set(&m->err, NNP_MISUSE, "nnp_model_write: the sink's write is NULL");
    char *text = NULL;
    unsigned char *pb = NULL;
    size_t len = 0;
    if (format == NNP_MODEL_JSON)
        rc = onnx_json_write(m->g, &text, &len, &m->err);
    else
        rc = onnx_pb_write(m->g, &pb, &len, &m->err);
    if (!rc)
        rc = api_drain(&m->err, text ? text : (const char *)pb, len, out,
                       text ? "model as JSON" : "model as ONNX");
    free(text);
    free(pb);
    return rc;
}
