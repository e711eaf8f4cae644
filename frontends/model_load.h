/* The one entry point the rest of nnpipe uses to read a model, whatever its
 * encoding: the JSON mapping of ONNX or binary ONNX protobuf. The format is
 * told by content, not by file name: a JSON model's first non-blank byte is
 * '{', which can never start a ModelProto (it would be field 15 with the
 * deprecated group wire type), so everything else is read as protobuf. */
#ifndef NNPIPE_MODEL_LOAD_H
#define NNPIPE_MODEL_LOAD_H

#include <stddef.h>

#include "graph.h"
#include "onnx_import.h"

/* Reads the model file at path (at most 1 GiB) into a new checked graph the
 * caller frees with graph_free. External tensor data is looked for beside
 * the file. Messages start with path. */
int model_load(const char *path, graph **out, nnp_err *e);

/* The same from memory; name prefixes messages. External data is rejected,
 * as there is no folder to read it from. */
int model_load_buffer(const void *buf, size_t len, const char *name, graph **out, nnp_err *e);

/* Both with other limits than onnx_default_limits (file size, node count,
 * tensor elements; onnx_import.h), e.g. to read a model past 1 GiB; NULL
 * means the defaults. */
int model_load_ex(const char *path, const onnx_limits *lim, graph **out, nnp_err *e);
int model_load_buffer_ex(const void *buf, size_t len, const char *name, const onnx_limits *lim,
                         graph **out, nnp_err *e);

#endif
