/* Reading (and writing) binary ONNX: the protobuf wire format of
 * ModelProto, read by a small reader of our own (see onnx_pb.c for why).
 *
 * Everything onnx_import.h says about limits, statuses and messages holds;
 * in addition a malformed encoding (truncated varint, a length past the end
 * of its message, a wire type a field cannot have) is NNP_INVALID with the
 * byte offset of the offending field in the file: "FILE: byte N: ...". */
#ifndef NNPIPE_ONNX_PB_H
#define NNPIPE_ONNX_PB_H

#include <stddef.h>

#include "graph.h"
#include "onnx_import.h"

/* Parses a serialized ModelProto into a new checked graph the caller frees
 * with graph_free. fname prefixes messages; external data is read from
 * model_dir (NULL rejects it); lim NULL means onnx_default_limits. */
int onnx_pb_parse(const void *buf, size_t len, const char *fname, const char *model_dir,
                  const onnx_limits *lim, graph **out, nnp_err *e);

/* Reads a serialized TensorProto on its own (as ONNX's test data stores
 * inputs and outputs) into dst's name, type, rank, dims and data/idata,
 * which the caller frees. Only FLOAT and INT64 tensors are kept. */
int onnx_pb_read_tensor(const void *buf, size_t len, const char *fname, tensor *dst, nnp_err *e);

/* Serializes g as a ModelProto (opset g->opset, initializers as raw_data,
 * graph inputs and outputs with their shapes). The bytes in *out (*len of
 * them) are the caller's to free. */
int onnx_pb_write(const graph *g, unsigned char **out, size_t *len, nnp_err *e);

#endif
