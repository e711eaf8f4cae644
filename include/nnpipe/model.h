/* nnp_model: a neural-network graph, loaded or built, and its reference
 * interpreter. Include <nnpipe/nnpipe.h> rather than this file; the rules
 * there (status, messages, creation, ownership, threads) apply to every
 * function below.
 *
 * A model is a list of tensors and a list of nodes, both addressed by index
 * from 0. A tensor is a graph input, a constant (an initializer) or the
 * output of one node; graph outputs are some of them. Only float32 flows
 * between nodes; int64 appears in constants that steer shapes (Reshape's
 * shape). Supported ops are those of the README (Conv, MaxPool, Gemm, ...,
 * ONNX opset 11-13 semantics).
 *
 * A loaded model is checked: every tensor has a shape. A model built with
 * nnp_model_new grows with nnp_model_add_* and becomes usable for lowering
 * and running once nnp_model_check succeeds; from then on it is frozen
 * (further additions are NNP_MISUSE). Checking sorts the nodes
 * topologically, which renumbers them when they were added out of order:
 * find them again by name with nnp_model_find_node. */
#ifndef NNPIPE_MODEL_H
#define NNPIPE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <nnpipe/sink.h>
#include <nnpipe/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnp_model nnp_model;

enum { NNP_MAX_RANK = 8 };

/* Element types (ONNX TensorProto.DataType values). */
typedef enum nnp_dtype { NNP_FLOAT32 = 1, NNP_INT64 = 7 } nnp_dtype;

/* ---- Opening and closing ---- */

/* Reads the model file at path, binary ONNX or its JSON mapping (told apart
 * by content), and checks it. External tensor data is read from beside the
 * file. On success *out is a new checked model. Errors: NNP_IO (unreadable
 * file), NNP_INVALID (malformed model; the message starts with path and
 * names the position, node or tensor), NNP_UNSUPPORTED (an op, type or
 * feature nnpipe does not handle), NNP_LIMIT (larger than 1 GiB, or a
 * tensor past 2^30 elements), NNP_NOMEM, NNP_MISUSE (path or out NULL).
 * See nnpipe.h for what *out holds on failure. The caller closes *out. */
NNP_API int nnp_model_open(const char *path, nnp_model **out);

/* The same from len bytes at data (copied as needed; the caller keeps
 * data). name labels messages (NULL: "<memory>"). External tensor data is
 * NNP_INVALID, as there is no folder to read it from. */
NNP_API int nnp_model_open_buffer(const void *data, size_t len, const char *name,
                                  nnp_model **out);

/* The sizes a model file may reach before nnp_model_open refuses it with
 * NNP_LIMIT: they keep a hostile or corrupt file from costing gigabytes
 * before anything is checked. Raise them to read a larger model. */
typedef struct nnp_model_limits {
    size_t max_file_bytes;    /* the file or buffer; default 1 GiB */
    int64_t max_nodes;        /* nodes of the graph; default 10^6 */
    int64_t max_tensor_elems; /* elements of one tensor; default 2^30. Above the IR's own
                               * limit of 2^31 the IR still refuses, naming the tensor. */
} nnp_model_limits;

/* The limits nnp_model_open and nnp_model_open_buffer apply. */
NNP_API void nnp_model_limits_default(nnp_model_limits *out);

/* nnp_model_open and nnp_model_open_buffer with limits *lim (NULL: the
 * defaults); the same errors, NNP_LIMIT naming the limit and its value. */
NNP_API int nnp_model_open_limited(const char *path, const nnp_model_limits *lim,
                                   nnp_model **out);
NNP_API int nnp_model_open_buffer_limited(const void *data, size_t len, const char *name,
                                          const nnp_model_limits *lim, nnp_model **out);

/* A new empty model to build call by call. name labels messages and the
 * graph (NULL: "model"); opset is the ONNX default-domain opset whose
 * semantics apply, as a loaded model's opset_import (0 means 13, the newest
 * nnpipe follows). Errors: NNP_INVALID (negative opset), NNP_NOMEM. The
 * caller closes *out. */
NNP_API int nnp_model_new(const char *name, int opset, nnp_model **out);

/* Releases the caller's model. Programs lowered from it keep it alive until
 * they are closed; the handle itself must not be used again. NULL-safe. */
NNP_API void nnp_model_close(nnp_model *m);

/* The message of the last failed call on m ("not an error" before any
 * failure). Owned by m, valid until its next failing call or close. NULL m
 * gives a fixed message. Never NULL. */
NNP_API const char *nnp_model_errmsg(const nnp_model *m);
/* The status of the last failed call on m, NNP_OK before any failure;
 * NNP_NOMEM for NULL m (the only way creation leaves NULL behind). */
NNP_API int nnp_model_errcode(const nnp_model *m);

/* ---- Building (before nnp_model_check) ----
 *
 * Tensors are named; a name may be used (as a node input or a graph output)
 * before the call that defines it. Every name is copied. All of these
 * return NNP_MISUSE on a checked model, a model in error state or a NULL
 * argument, and NNP_NOMEM when memory runs out. A failed nnp_model_add_*
 * leaves the model as it was. */

/* Declares a graph input: a float32 tensor of the given rank and dims
 * (dims copied, each >= 0, at most 2^30 elements in all). Errors:
 * NNP_INVALID (empty name, a name already defined, negative rank or dim),
 * NNP_UNSUPPORTED (rank above NNP_MAX_RANK), NNP_LIMIT (too many
 * elements), NNP_MISUSE (dims NULL with rank > 0). */
NNP_API int nnp_model_add_input(nnp_model *m, const char *name, int rank, const int64_t *dims);

/* Adds a constant float32 tensor (an initializer) with the given shape;
 * its prod(dims) values are copied from data (which may be NULL only when
 * that product is 0). Errors as for nnp_model_add_input. */
NNP_API int nnp_model_add_constant(nnp_model *m, const char *name, int rank, const int64_t *dims,
                                   const float *data);
/* The same for an int64 constant, e.g. Reshape's shape. */
NNP_API int nnp_model_add_constant_int64(nnp_model *m, const char *name, int rank,
                                         const int64_t *dims, const int64_t *data);

/* Appends a node running op_type (an ONNX op name such as "Conv") from the
 * tensors named inputs[0..ninputs) to those named outputs[0..noutputs). A
 * NULL or "" input is an absent optional input. name may be NULL or "" (no
 * name); a non-empty name must be unique. On success *node (if node is not
 * NULL) receives the node's index. Arity and attributes are checked by
 * nnp_model_check. Errors: NNP_UNSUPPORTED (an op nnpipe does not know),
 * NNP_INVALID (a duplicate node name, an empty output name, an output
 * already defined as an input, constant or another node's output). */
NNP_API int nnp_model_add_node(nnp_model *m, const char *op_type, const char *name,
                               const char *const *inputs, int ninputs,
                               const char *const *outputs, int noutputs, int *node);

/* Sets attribute name of node `node` (an index from nnp_model_add_node),
 * replacing any earlier value of that name. Arrays and strings are copied;
 * values may be NULL only when count is 0. Errors: NNP_MISUSE (node out of
 * range, count < 0), NNP_INVALID (empty name). Whether the attribute makes
 * sense for the op is checked by nnp_model_check. */
NNP_API int nnp_model_set_attr_int(nnp_model *m, int node, const char *name, int64_t value);
NNP_API int nnp_model_set_attr_float(nnp_model *m, int node, const char *name, float value);
NNP_API int nnp_model_set_attr_string(nnp_model *m, int node, const char *name,
                                      const char *value);
NNP_API int nnp_model_set_attr_ints(nnp_model *m, int node, const char *name,
                                    const int64_t *values, int count);
NNP_API int nnp_model_set_attr_floats(nnp_model *m, int node, const char *name,
                                      const float *values, int count);

/* Marks the tensor called name as a graph output (in call order).
 * Errors: NNP_INVALID (empty name, already an output). */
NNP_API int nnp_model_add_output(nnp_model *m, const char *name);

/* Checks the model: topological order (nodes are renumbered), every used
 * tensor defined exactly once, no cycle, attributes valid, shapes inferred.
 * On success the model is frozen and ready for nnp_model_run and
 * nnp_program_lower; on failure it stays open for changes and the message
 * names the node or tensor at fault. Checking a checked model is NNP_OK.
 * Errors: NNP_INVALID, NNP_UNSUPPORTED (a valid ONNX form nnpipe does not
 * handle), NNP_LIMIT, NNP_NOMEM. */
NNP_API int nnp_model_check(nnp_model *m);
/* 1 when m is checked (loaded, or nnp_model_check succeeded), else 0. */
NNP_API int nnp_model_is_checked(const nnp_model *m);

/* ---- Queries ---- */

typedef struct nnp_model_desc {
    const char *name;    /* the graph's name; "" when the file gives none */
    int opset;           /* the ONNX default-domain opset the model declares;
                            0 when it declares none (opset 13 semantics) */
    int checked;         /* as nnp_model_is_checked */
    int node_count, tensor_count, input_count, output_count; /* as the counts below */
} nnp_model_desc;

/* Describes m (the name is owned by m, valid until m changes or is
 * closed). Errors: NNP_MISUSE (NULL or error-state m, NULL out). */
NNP_API int nnp_model_describe(nnp_model *m, nnp_model_desc *out);

/* Counts; 0 for NULL or a model in error state. */
NNP_API int nnp_model_node_count(const nnp_model *m);
NNP_API int nnp_model_tensor_count(const nnp_model *m);
NNP_API int nnp_model_input_count(const nnp_model *m);
NNP_API int nnp_model_output_count(const nnp_model *m);

/* The tensor index of graph input k (non-constant inputs, in order) or of
 * graph output k. NNP_MISUSE when k is out of range. */
NNP_API int nnp_model_input(nnp_model *m, int k, int *tensor);
NNP_API int nnp_model_output(nnp_model *m, int k, int *tensor);

/* The index of the tensor or node called name. NNP_INVALID when there is
 * none (the message says so); NNP_MISUSE for NULL arguments. */
NNP_API int nnp_model_find_tensor(nnp_model *m, const char *name, int *tensor);
NNP_API int nnp_model_find_node(nnp_model *m, const char *name, int *node);

typedef struct nnp_tensor_desc {
    const char *name;
    nnp_dtype dtype;
    int rank;                    /* -1 while unknown (an unchecked model's intermediates) */
    int64_t dims[NNP_MAX_RANK];  /* dims[0..rank) */
    int64_t numel;               /* prod(dims), -1 while the shape is unknown */
    int is_input, is_output, is_constant;
    int producer;                /* the node writing it, -1 for inputs and constants
                                    (and, before checking, for every tensor) */
    const float *data;           /* a float32 constant's numel values, else NULL */
    const int64_t *data_int64;   /* an int64 constant's numel values, else NULL */
} nnp_tensor_desc;

/* Describes tensor t. Strings and data are owned by m (valid until m
 * changes or is closed). NNP_MISUSE when t is out of range. */
NNP_API int nnp_model_tensor(nnp_model *m, int t, nnp_tensor_desc *out);

typedef struct nnp_node_desc {
    const char *name;    /* "" when the node has none */
    const char *op_type; /* "Conv", "Relu", ... */
    int ninputs, noutputs;
    const int *inputs;   /* tensor indices; -1 for an absent optional input */
    const int *outputs;
    int nattrs;
    int64_t macs;        /* multiply-accumulates it performs; 0 before checking */
} nnp_node_desc;

/* Describes node n (arrays and strings owned by m, valid until m changes or
 * is closed). NNP_MISUSE when n is out of range. */
NNP_API int nnp_model_node(nnp_model *m, int n, nnp_node_desc *out);

typedef enum nnp_attr_kind {
    NNP_ATTR_FLOAT,
    NNP_ATTR_INT,
    NNP_ATTR_STRING,
    NNP_ATTR_FLOATS,
    NNP_ATTR_INTS
} nnp_attr_kind;

typedef struct nnp_attr_desc {
    const char *name;
    nnp_attr_kind kind;
    int64_t i;             /* NNP_ATTR_INT */
    float f;               /* NNP_ATTR_FLOAT */
    const char *s;         /* NNP_ATTR_STRING, else NULL */
    const int64_t *ints;   /* NNP_ATTR_INTS (count values), else NULL */
    const float *floats;   /* NNP_ATTR_FLOATS (count values), else NULL */
    int count;
} nnp_attr_desc;

/* Attribute k (0 <= k < the node's nattrs) of node n. NNP_MISUSE when n or
 * k is out of range. */
NNP_API int nnp_model_node_attr(nnp_model *m, int n, int k, nnp_attr_desc *out);

/* Total multiply-accumulates of a checked model. NNP_MISUSE if unchecked. */
NNP_API int nnp_model_macs(nnp_model *m, int64_t *macs);

/* Runs the reference interpreter on a checked model. inputs[k] holds
 * input_counts[k] floats for graph input k (C order), outputs[k] receives
 * graph output k and has room for output_counts[k] floats; each count must
 * equal the tensor's element count. All buffers belong to the caller and
 * are not kept. Errors: NNP_MISUSE (unchecked model, NULL array, a count
 * that does not match: the message names the tensor and both sizes),
 * NNP_NOMEM, NNP_INVALID (an op refused the data at run time). */
NNP_API int nnp_model_run(nnp_model *m, const float *const *inputs, const size_t *input_counts,
                          float *const *outputs, const size_t *output_counts);

/* ---- Writing ---- */

typedef enum nnp_model_format {
    NNP_MODEL_ONNX, /* binary ONNX: a serialized ModelProto */
    NNP_MODEL_JSON  /* the ONNX JSON mapping (as protobuf's MessageToJson lays it out) */
} nnp_model_format;

/* Encodes the checked model m in format and writes it to out. What is
 * written is the model as nnpipe holds it: Constant nodes folded into
 * initializers, constant data (external data included) stored inline as
 * raw bytes, the opset it declares, graph inputs and outputs with their
 * shapes; opening the result gives the same model back. The encoding is
 * made in memory first, so nothing is written when that fails; the model
 * does not change. Errors: NNP_MISUSE (unchecked model, unknown format,
 * NULL sink write), NNP_NOMEM, NNP_IO (the sink returned non-zero). */
NNP_API int nnp_model_write(nnp_model *m, nnp_model_format format, nnp_sink out);

#ifdef __cplusplus
}
#endif

#endif
