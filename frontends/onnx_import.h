/* The part of ONNX import that does not depend on how the model was encoded.
 *
 * A frontend (onnx_json.c for the JSON mapping, onnx_pb.c for protobuf)
 * reads its format into the plain description below, which mirrors the few
 * ONNX messages nnpipe uses (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto) field for field, and
 * onnx_import turns that description into a checked graph. Keeping the two
 * steps apart means every rule about what ONNX means (which ops and types
 * nnpipe takes, initializers listed as inputs, shapes, opsets) is written
 * once, and a reader only decodes its syntax.
 *
 * Descriptions point into memory the reader owns (usually an onnx_arena that
 * is freed in one go after import); onnx_import copies what it keeps. The
 * tensor part (data fields, sizes, external files) is in onnx_tensor.c.
 *
 * Limits (onnx_default_limits; readers take another set for tests):
 *   - a model file is at most 1 GiB (max_file_bytes), checked before parsing;
 *   - at most 1,000,000 nodes (max_nodes), checked before node storage is
 *     allocated;
 *   - at most 1024 attributes on a node;
 *   - a tensor has at most 2^30 elements (max_tensor_elems) and rank at most
 *     MAX_RANK (more is NNP_UNSUPPORTED); its element count is computed with
 *     overflow checks, so absurd dims (2^40, or a product past INT64_MAX)
 *     are NNP_LIMIT, never a failed allocation; and the amount of data a
 *     tensor carries is compared with its dims before memory of the dims'
 *     size is allocated.
 * Breaking a limit is NNP_LIMIT; everything else that is wrong with a model
 * is NNP_INVALID, and well-formed ONNX that nnpipe does not handle (other
 * ops, domains, data types, symbolic dims, graph attributes) NNP_UNSUPPORTED.
 * Every message starts with the file name and names the node, tensor,
 * attribute or field at fault. */
#ifndef NNPIPE_ONNX_IMPORT_H
#define NNPIPE_ONNX_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "graph.h"

typedef struct onnx_limits {
    size_t max_file_bytes;
    int64_t max_nodes;
    int64_t max_tensor_elems;
} onnx_limits;

extern const onnx_limits onnx_default_limits;

/* TensorProto.DataType values nnpipe names in messages and keeps. */
enum { ONNX_UNDEFINED = 0, ONNX_FLOAT = 1, ONNX_INT64 = 7 };
/* "FLOAT", "INT64", ... for a TensorProto.DataType; "?" when unknown. */
const char *onnx_dtype_name(int64_t t);
/* The DataType called name, or -1. */
int onnx_dtype_from_name(const char *name);

/* AttributeProto.AttributeType. */
enum {
    ONNX_ATTR_UNDEFINED = 0,
    ONNX_ATTR_FLOAT = 1,
    ONNX_ATTR_INT = 2,
    ONNX_ATTR_STRING = 3,
    ONNX_ATTR_TENSOR = 4,
    ONNX_ATTR_GRAPH = 5,
    ONNX_ATTR_FLOATS = 6,
    ONNX_ATTR_INTS = 7,
    ONNX_ATTR_STRINGS = 8,
    ONNX_ATTR_TYPE_COUNT = 15
};
int onnx_attr_type_from_name(const char *name);

/* The IR version that ONNX releases pair with a default-domain opset (the
 * oldest that allows it), for writers: 7 for opsets 12 to 14. */
int64_t onnx_ir_version_for(int opset);

/* A TensorProto. At most one data field is normally set; the importer
 * checks which one fits data_type and that its size matches dims. */
typedef struct onnx_tensor_desc {
    const char *name;
    int64_t data_type;
    const int64_t *dims;
    int ndims;
    int has_raw;                     /* raw_data: little-endian element bytes */
    const unsigned char *raw;
    size_t raw_len;
    const float *floats;             /* float_data, decoded */
    size_t nfloats;
    const int64_t *int64s;           /* int64_data, decoded */
    size_t nint64s;
    const char *other_field;         /* a typed data field nnpipe never reads
                                      * (int32_data, double_data...) holding
                                      * values, or NULL */
    int has_segment;
    int external;                    /* data_location == EXTERNAL */
    const char *ext_location;        /* external_data entries */
    int64_t ext_offset, ext_length;  /* -1 when absent */
} onnx_tensor_desc;

typedef struct onnx_attr_desc {
    const char *name;
    int64_t type;                    /* ONNX_ATTR_*, UNDEFINED when absent */
    float f;
    int64_t i;
    const char *s;                   /* NUL-terminated; slen excludes it */
    size_t slen;
    const float *floats;
    size_t nfloats;
    const int64_t *ints;
    size_t nints;
    const onnx_tensor_desc *t;       /* TENSOR (Constant's value), or NULL */
    size_t nstrings;                 /* counts of values nnpipe never reads, */
    size_t ngraphs, ntensors;        /* reported when type says so */
} onnx_attr_desc;

typedef struct onnx_node_desc {
    const char *name, *op_type, *domain; /* NULL when absent */
    const char *const *in;
    int nin;
    const char *const *out;
    int nout;
    const onnx_attr_desc *attrs;
    int nattrs;
} onnx_node_desc;

typedef struct onnx_dim_desc {
    int has_value;
    int64_t value;
    const char *param;               /* dim_param, or NULL */
} onnx_dim_desc;

/* A ValueInfoProto whose type is a tensor type. */
typedef struct onnx_value_desc {
    const char *name;
    int has_type;                    /* type.tensor_type present */
    const char *other_type;          /* "sequence_type"... when the type is
                                      * not a tensor, else NULL */
    int64_t elem_type;
    int has_shape;
    const onnx_dim_desc *dims;
    int ndims;
} onnx_value_desc;

typedef struct onnx_opset_desc {
    const char *domain;              /* NULL or "" for the default domain */
    int64_t version;
} onnx_opset_desc;

typedef struct onnx_model_desc {
    int64_t ir_version;
    const onnx_opset_desc *opsets;
    size_t nopsets;
    int has_graph;
    const char *graph_name;
    const onnx_node_desc *nodes;
    size_t nnodes;
    const onnx_tensor_desc *inits;
    size_t ninits;
    const onnx_value_desc *inputs, *outputs, *value_info;
    size_t ninputs, noutputs, nvalue_info;
} onnx_model_desc;

/* Builds and checks (graph_check) the graph a description describes.
 * fname prefixes every message; model_dir is the folder external data is
 * read from, NULL to reject external data. On success *out is a new graph
 * the caller frees with graph_free. */
int onnx_import(const onnx_model_desc *m, const char *fname, const char *model_dir,
                const onnx_limits *lim, graph **out, nnp_err *e);

/* Checked element count of a tensor with these dims: NNP_INVALID for a
 * negative dim, NNP_UNSUPPORTED past rank MAX_RANK, NNP_LIMIT on overflow
 * or past lim->max_tensor_elems. what names the tensor in the message. */
int onnx_dims_numel(const int64_t *dims, int ndims, const onnx_limits *lim, const char *what,
                    int64_t *numel, nnp_err *e);

/* Converts a TensorProto into dst's type, rank, dims and data (FLOAT) or
 * idata (INT64), as for an initializer; dst->name and the graph links are
 * left alone. Used by onnx_import and for tensors stored on their own (the
 * conformance tests' input_0.pb). On failure dst holds no new memory. */
int onnx_tensor_load(const onnx_tensor_desc *t, const char *model_dir, const onnx_limits *lim,
                     tensor *dst, nnp_err *e);

/* The folder holding the model file at path ("." for a bare name), where
 * its external data lives: a new string in *dir the caller frees. */
int onnx_model_dir(const char *path, char **dir, nnp_err *e);

/* snprintf for the names of places in messages ("node 'c1' (Conv):
 * attribute 'pads'"). Truncating a very long one is fine; going through
 * vsnprintf keeps -Wformat-truncation from flagging every nesting level. */
void onnx_place(char *buf, size_t len, const char *fmt, ...) NNP_PRINTF(3, 4);

/* "[2, 3]": how messages print dims. */
void onnx_format_dims(const int64_t *dims, int n, char *buf, size_t len);

#endif
