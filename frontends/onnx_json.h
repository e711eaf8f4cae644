/* Reading (and writing) ONNX models in the standard JSON mapping: what
 * google.protobuf.json_format.MessageToJson prints for a ModelProto, and
 * what protobuf's JSON parser accepts.
 *
 * Accepted: lowerCamelCase field names (opType, rawData) and the original
 * proto names (op_type, raw_data); int64 values as JSON strings or as
 * integral numbers up to 2^53; floats as numbers, numeric strings, "NaN",
 * "Infinity" or "-Infinity"; enums (attribute type, data_location) by name or
 * number; bytes (rawData, string attributes) in standard or URL-safe base64.
 * Unknown fields are ignored. Everything onnx_import.h says about limits,
 * statuses and messages holds here too; in addition JSON syntax errors are
 * reported as `FILE:LINE:COLUMN: message` (line and byte column from 1), and
 * nesting deeper than cJSON's limit (1000) is such a syntax error. */
#ifndef NNPIPE_ONNX_JSON_H
#define NNPIPE_ONNX_JSON_H

#include <stddef.h>

#include "graph.h"
#include "onnx_import.h"

/* Parses text[0..len) (not necessarily NUL-terminated) into a new checked
 * graph the caller frees with graph_free. fname prefixes messages; external
 * data is read from model_dir (NULL rejects it). */
int onnx_json_parse(const char *text, size_t len, const char *fname, graph **out, nnp_err *e);
int onnx_json_parse_ex(const char *text, size_t len, const char *fname, const char *model_dir,
                       const onnx_limits *lim, graph **out, nnp_err *e);

/* Prints g in the JSON mapping, laid out as MessageToJson lays it out, for
 * the same ModelProto onnx_pb_write would write. *out is NUL-terminated
 * text of *len bytes the caller frees. */
int onnx_json_write(const graph *g, char **out, size_t *len, nnp_err *e);

#endif
