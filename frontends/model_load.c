/* Format detection and dispatch to the JSON or protobuf frontend. */
#include "model_load.h"

#include <stdlib.h>

#include "onnx_import.h"
#include "onnx_json.h"
#include "onnx_pb.h"

/* Blank text is JSON too, so that it is reported as an empty file. */
static int is_json(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i == len || p[i] == '{';
}

static int load(const void *buf, size_t len, const char *name, const char *dir,
                const onnx_limits *lim, graph **out, nnp_err *e)
{
    *out = NULL;
    if (len == 0)
        return err_set(e, NNP_INVALID, "%s: empty file", name);
    if (is_json(buf, len))
        return onnx_json_parse_ex(buf, len, name, dir, lim, out, e);
    return onnx_pb_parse(buf, len, name, dir, lim, out, e);
}

int model_load_buffer_ex(const void *buf, size_t len, const char *name, const onnx_limits *lim,
                         graph **out, nnp_err *e)
{
    return load(buf, len, name, NULL, lim, out, e);
}

int model_load_buffer(const void *buf, size_t len, const char *name, graph **out, nnp_err *e)
{
    return model_load_buffer_ex(buf, len, name, NULL, out, e);
}

int model_load_ex(const char *path, const onnx_limits *lim, graph **out, nnp_err *e)
{
    char *text = NULL, *dir = NULL;
    size_t len = 0;
    *out = NULL;
    if (!lim)
        lim = &onnx_default_limits;
    int rc = read_file(path, lim->max_file_bytes, &text, &len, e);
    if (rc)
        return rc;
    rc = onnx_model_dir(path, &dir, e);
    if (!rc) {
        rc = load(text, len, path, dir, lim, out, e);
        free(dir);
    }
    free(text);
    return rc;
}

int model_load(const char *path, graph **out, nnp_err *e)
{
    return model_load_ex(path, NULL, out, e);
}
