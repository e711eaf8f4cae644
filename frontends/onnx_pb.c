/* Binary ONNX: a protobuf wire-format reader for the ONNX messages nnpipe
 * uses, feeding onnx_import.
 *
 * Why not libprotobuf or protobuf-c: the format needs only varints, fixed
 * 32/64-bit words and length-delimited runs, and the handful of messages we
 * read fit in a few hundred lines. Writing them ourselves removes a
 * dependency and a code-generation step from the build, and lets every
 * error name its exact byte offset and field, which generated parsers do
 * not. The reader never recurses into messages it does not need (subgraphs
 * of GRAPH attributes, sequence types, functions), it only skips them, so
 * nesting depth is bounded by the fixed shape of a model, not by the input.
 *
 * Each message is read in two passes over its bytes: the first validates
 * the encoding and counts the repeated fields (elements, for packed
 * numbers), the second fills arrays of exactly that size in the arena.
 * Nothing is allocated from a count before the bytes holding it were seen,
 * so a small file cannot make us allocate much.
 *
 * Protobuf's merge rules are simplified where no ONNX writer goes: a
 * singular message field (ModelProto.graph, a value's type...) given twice
 * is an error instead of a merge; a scalar given twice takes the last value,
 * as protobuf does. */
#include "onnx_pb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the wire format ---------------------------------------------------------- */

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

/* How a field of a known message is encoded. */
typedef enum {
    K_VARINT,   /* int32, int64, enum */
    K_FIXED32,  /* float */
    K_LEN,      /* string, bytes, message */
    K_RVARINT,  /* repeated int32/int64/uint64: unpacked varints or packed */
    K_RFIXED32, /* repeated float */
    K_RFIXED64  /* repeated double */
} field_kind;

typedef struct fspec {
    int num;
    const char *name;
    field_kind kind;
} fspec;

typedef struct message_spec {
    const char *name;
    const fspec *fields; /* ends with num 0 */
} message_spec;

/* A message's bytes; base is the offset of p[0] in the file. */
typedef struct pbuf {
    const unsigned char *p;
    size_t len, base;
} pbuf;

typedef struct pfield {
    unsigned num;
    int wire;
    uint64_t v;        /* varint and fixed values */
    pbuf sub;          /* length-delimited payload */
    size_t at;         /* file offset of the tag */
    const fspec *spec; /* NULL for fields nnpipe skips */
} pfield;

enum { MAX_COUNTED = 32 }; /* every field nnpipe reads has a number below this */

typedef struct prd {
    onnx_arena arena;
    const onnx_limits *lim;
    nnp_err *e;
} prd;

enum { WHERE = 320 };

static int perr(prd *r, size_t at, const char *where, const char *fmt, ...) NNP_PRINTF(4, 5);
static int perr(prd *r, size_t at, const char *where, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(r->e, NNP_INVALID, "byte %zu: %s: %s", at, where, msg);
}

static int nomem(prd *r)
{
    return err_set(r->e, NNP_NOMEM, "out of memory reading the model");
}

static int read_varint(prd *r, const pbuf *b, size_t *pos, const char *where, uint64_t *v)
{
    size_t start = *pos;
    uint64_t acc = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= b->len)
            return perr(r, b->base + start, where, "truncated varint");
        unsigned char c = b->p[(*pos)++];
        if (shift == 63 && c > 1)
            return perr(r, b->base + start, where, "varint does not fit in 64 bits");
        acc |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = acc;
            return NNP_OK;
        }
    }
    return perr(r, b->base + start, where, "varint longer than 10 bytes");
}

static const char *wire_name(int w)
{
    static const char *const names[] = {"varint", "64-bit", "length-delimited", "group start",
                                        "group end", "32-bit", "invalid (6)", "invalid (7)"};
    return names[w & 7];
}

static int wire_fits(field_kind k, int w)
{
    switch (k) {
    case K_VARINT:
        return w == WIRE_VARINT;
    case K_FIXED32:
        return w == WIRE_FIXED32;
    case K_LEN:
        return w == WIRE_LEN;
    case K_RVARINT:
        return w == WIRE_VARINT || w == WIRE_LEN;
    case K_RFIXED32:
        return w == WIRE_FIXED32 || w == WIRE_LEN;
    case K_RFIXED64:
        return w == WIRE_FIXED64 || w == WIRE_LEN;
    }
    return 0;
}

static const fspec *find_spec(const message_spec *m, unsigned num)
{
    for (const fspec *s = m->fields; s->num; s++)
        if ((unsigned)s->num == num)
            return s;
    return NULL;
}

/* Reads the field at *pos of message b: its tag, then its value. */
static int next_field(prd *r, const pbuf *b, size_t *pos, const message_spec *m, const char *where,
                      pfield *f)
{
    char w[WHERE + 64];
    onnx_place(w, sizeof w, "%s (%s)", where, m->name);
    f->at = b->base + *pos;
    uint64_t tag;
    int rc = read_varint(r, b, pos, w, &tag);
    if (rc)
        return rc;
    f->num = (unsigned)(tag >> 3);
    f->wire = (int)(tag & 7);
    if (tag >> 3 == 0 || tag >> 3 > 0x1fffffff)
        return perr(r, f->at, w, "invalid field number %llu", (unsigned long long)(tag >> 3));
    f->spec = find_spec(m, f->num);
    if (f->spec && !wire_fits(f->spec->kind, f->wire))
        return perr(r, f->at, w, "field '%s' (%u) has wire type %s", f->spec->name, f->num,
                    wire_name(f->wire));
    size_t left = b->len - *pos;
    switch (f->wire) {
    case WIRE_VARINT:
        return read_varint(r, b, pos, w, &f->v);
    case WIRE_FIXED64:
    case WIRE_FIXED32: {
        size_t n = f->wire == WIRE_FIXED64 ? 8 : 4;
        if (left < n)
            return perr(r, f->at, w, "field %u: %zu-byte value runs past the end of the message",
                        f->num, n);
        f->v = 0;
        for (size_t k = 0; k < n; k++)
            f->v |= (uint64_t)b->p[*pos + k] << (8 * k);
        *pos += n;
        return NNP_OK;
    }
    case WIRE_LEN: {
        uint64_t n;
        if ((rc = read_varint(r, b, pos, w, &n)))
            return rc;
        left = b->len - *pos;
        if (n > left)
            return perr(r, f->at, w,
                        "field %u: length %llu runs past the end of the message (%zu bytes left)",
                        f->num, (unsigned long long)n, left);
        f->sub = (pbuf){b->p + *pos, (size_t)n, b->base + *pos};
        *pos += (size_t)n;
        return NNP_OK;
    }
    default:
        return perr(r, f->at, w, "field %u has wire type %s, which ONNX never uses", f->num,
                    wire_name(f->wire));
    }
}

/* The number of values in one occurrence of a repeated numeric field. */
static int count_values(prd *r, const pfield *f, const char *where, size_t *n)
{
    if (f->wire != WIRE_LEN) {
        *n = 1;
        return NNP_OK;
    }
    if (f->spec->kind == K_RFIXED32 || f->spec->kind == K_RFIXED64) {
        size_t sz = f->spec->kind == K_RFIXED32 ? 4 : 8;
        if (f->sub.len % sz)
            return perr(r, f->at, where, "packed field '%s' has %zu bytes, not a multiple of %zu",
                        f->spec->name, f->sub.len, sz);
        *n = f->sub.len / sz;
        return NNP_OK;
    }
    *n = 0;
    for (size_t k = 0; k < f->sub.len; k++)
        *n += !(f->sub.p[k] & 0x80);
    if (f->sub.len && (f->sub.p[f->sub.len - 1] & 0x80))
        return perr(r, f->sub.base + f->sub.len - 1, where, "packed field '%s': truncated varint",
                    f->spec->name);
    return NNP_OK;
}

/* Pass one: validates the encoding of b and counts, per field number,
 * occurrences (or values, for repeated numbers). */
static int count_fields(prd *r, const pbuf *b, const message_spec *m, const char *where,
                        size_t counts[MAX_COUNTED])
{
    memset(counts, 0, MAX_COUNTED * sizeof *counts);
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        int rc = next_field(r, b, &pos, m, where, &f);
        if (rc)
            return rc;
        size_t n = 1;
        field_kind k = f.spec ? f.spec->kind : K_LEN;
        if ((k == K_RVARINT || k == K_RFIXED32 || k == K_RFIXED64) &&
            (rc = count_values(r, &f, where, &n)))
            return rc;
        if (f.num < MAX_COUNTED)
            counts[f.num] += n;
    }
    return NNP_OK;
}

/* Appends the values of one occurrence of a repeated varint field. */
static int take_varints(prd *r, const pfield *f, const char *where, int64_t *arr, size_t *n)
{
    if (f->wire == WIRE_VARINT) {
        arr[(*n)++] = (int64_t)f->v;
        return NNP_OK;
    }
    for (size_t pos = 0; pos < f->sub.len;) {
        uint64_t v = 0;
        int rc = read_varint(r, &f->sub, &pos, where, &v);
        if (rc)
            return rc;
        arr[(*n)++] = (int64_t)v;
    }
    return NNP_OK;
}

static float float_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, 4);
    return x;
}

/* Appends the values of one occurrence of a repeated float field. */
static void take_floats(const pfield *f, float *arr, size_t *n)
{
    if (f->wire == WIRE_FIXED32) {
        arr[(*n)++] = float_bits((uint32_t)f->v);
        return;
    }
    for (size_t k = 0; k + 4 <= f->sub.len; k += 4) {
        const unsigned char *p = f->sub.p + k;
        arr[(*n)++] = float_bits((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                 (uint32_t)p[3] << 24);
    }
}

/* A string field as a NUL-terminated copy; embedded NULs are refused. */
static int take_string(prd *r, const pfield *f, const char *where, const char **out)
{
    if (memchr(f->sub.p, 0, f->sub.len))
        return perr(r, f->at, where, "string field '%s' holds a NUL byte",
                    f->spec ? f->spec->name : "?");
    char *s = arena_strndup(&r->arena, (const char *)f->sub.p, f->sub.len);
    if (!s)
        return nomem(r);
    *out = s;
    return NNP_OK;
}

static int once(prd *r, const pfield *f, const char *where, int *seen)
{
    if ((*seen)++)
        return perr(r, f->at, where, "field '%s' is given twice", f->spec->name);
    return NNP_OK;
}

static void *alloc_n(prd *r, size_t n, size_t size)
{
    return arena_alloc(&r->arena, n, size);
}

/* ---- messages ------------------------------------------------------------------ */

static const fspec entry_fields[] = {{1, "key", K_LEN}, {2, "value", K_LEN}, {0, 0, 0}};
static const message_spec entry_msg = {"StringStringEntryProto", entry_fields};

static const fspec tensor_fields[] = {
    {1, "dims", K_RVARINT},        {2, "data_type", K_VARINT},    {3, "segment", K_LEN},
    {4, "float_data", K_RFIXED32}, {5, "int32_data", K_RVARINT},  {6, "string_data", K_LEN},
    {7, "int64_data", K_RVARINT},  {8, "name", K_LEN},            {9, "raw_data", K_LEN},
    {10, "double_data", K_RFIXED64}, {11, "uint64_data", K_RVARINT}, {13, "external_data", K_LEN},
    {14, "data_location", K_VARINT}, {0, 0, 0}};
static const message_spec tensor_msg = {"TensorProto", tensor_fields};

static int read_entry(prd *r, const pfield *outer, const char *where, onnx_tensor_desc *t)
{
    const char *key = NULL, *val = NULL;
    pfield f;
    for (size_t pos = 0; pos < outer->sub.len;) {
        int rc = next_field(r, &outer->sub, &pos, &entry_msg, where, &f);
        if (!rc && f.spec)
            rc = take_string(r, &f, where, f.num == 1 ? &key : &val);
        if (rc)
            return rc;
    }
    if (!key || !val)
        return perr(r, outer->at, where, "an external_data entry lacks its key or value");
    int64_t *dst = !strcmp(key, "offset") ? &t->ext_offset : !strcmp(key, "length") ? &t->ext_length : NULL;
    if (!strcmp(key, "location"))
        t->ext_location = val;
    if (dst) {
        char *end;
        long long v = strtoll(val, &end, 10);
        if (!*val || *end || v < 0)
            return perr(r, outer->at, where, "external_data '%s' is not a size: '%s'", key, val);
        *dst = v;
    }
    return NNP_OK;
}

static const char *const unread_data_fields[MAX_COUNTED] = {
    [5] = "int32_data", [6] = "string_data", [10] = "double_data", [11] = "uint64_data"};

static int read_tensor(prd *r, const pbuf *b, const char *where, onnx_tensor_desc *t)
{
    size_t c[MAX_COUNTED];
    int rc = count_fields(r, b, &tensor_msg, where, c);
    if (rc)
        return rc;
    int64_t *dims = alloc_n(r, c[1], sizeof *dims), *i64 = alloc_n(r, c[7], sizeof *i64);
    float *fl = alloc_n(r, c[4], sizeof *fl);
    if (!dims || !i64 || !fl)
        return nomem(r);
    size_t nd = 0, nf = 0, ni = 0;
    t->ext_offset = t->ext_length = -1;
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        if ((rc = next_field(r, b, &pos, &tensor_msg, where, &f)))
            return rc;
        switch (f.spec ? f.num : 0) {
        case 1: rc = take_varints(r, &f, where, dims, &nd); break;
        case 2: t->data_type = (int32_t)f.v; break;
        case 3: t->has_segment = 1; break;
        case 4: take_floats(&f, fl, &nf); break;
        case 7: rc = take_varints(r, &f, where, i64, &ni); break;
        case 8: rc = take_string(r, &f, where, &t->name); break;
        case 9: t->has_raw = 1, t->raw = f.sub.p, t->raw_len = f.sub.len; break;
        case 13: rc = read_entry(r, &f, where, t); break;
        case 14: t->external = f.v == 1; break;
        default: break;
        }
        if (rc)
            return rc;
    }
    for (int k = 0; k < MAX_COUNTED && !t->other_field; k++)
        if (unread_data_fields[k] && c[k])
            t->other_field = unread_data_fields[k];
    if (nd > INT32_MAX)
        return perr(r, b->base, where, "too many dims");
    t->dims = dims;
    t->ndims = (int)nd;
    t->floats = fl;
    t->nfloats = nf;
    t->int64s = i64;
    t->nint64s = ni;
    return NNP_OK;
}

static const fspec attr_fields[] = {
    {1, "name", K_LEN},       {2, "f", K_FIXED32},      {3, "i", K_VARINT},
    {4, "s", K_LEN},          {5, "t", K_LEN},          {6, "g", K_LEN},
    {7, "floats", K_RFIXED32}, {8, "ints", K_RVARINT},  {9, "strings", K_LEN},
    {10, "tensors", K_LEN},   {11, "graphs", K_LEN},    {20, "type", K_VARINT},
    {0, 0, 0}};
static const message_spec attr_msg = {"AttributeProto", attr_fields};

static int read_attr(prd *r, const pbuf *b, const char *node_where, size_t idx, onnx_attr_desc *a)
{
    char where[WHERE];
    onnx_place(where, sizeof where, "%s: attribute #%zu", node_where, idx);
    size_t c[MAX_COUNTED];
    int rc = count_fields(r, b, &attr_msg, where, c);
    if (rc)
        return rc;
    int64_t *ints = alloc_n(r, c[8], sizeof *ints);
    float *fl = alloc_n(r, c[7], sizeof *fl);
    if (!ints || !fl)
        return nomem(r);
    size_t ni = 0, nf = 0;
    int seen_t = 0;
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        if ((rc = next_field(r, b, &pos, &attr_msg, where, &f)))
            return rc;
        switch (f.spec ? f.num : 0) {
        case 1:
            if (!(rc = take_string(r, &f, where, &a->name)))
                onnx_place(where, sizeof where, "%s: attribute '%s'", node_where, a->name);
            break;
        case 2: a->f = float_bits((uint32_t)f.v); break;
        case 3: a->i = (int64_t)f.v; break;
        case 4: {
            char *s = arena_strndup(&r->arena, (const char *)f.sub.p, f.sub.len);
            if (!s)
                return nomem(r);
            a->s = s;
            a->slen = f.sub.len;
            break;
        }
        case 5: {
            onnx_tensor_desc *t = alloc_n(r, 1, sizeof *t);
            if (!t)
                return nomem(r);
            char w[WHERE + 16];
            onnx_place(w, sizeof w, "%s: tensor", where);
            if (!(rc = once(r, &f, where, &seen_t)))
                rc = read_tensor(r, &f.sub, w, t);
            a->t = t;
            break;
        }
        case 6: a->ngraphs++; break;
        case 7: take_floats(&f, fl, &nf); break;
        case 8: rc = take_varints(r, &f, where, ints, &ni); break;
        case 9: a->nstrings++; break;
        case 10: a->ntensors++; break;
        case 11: a->ngraphs++; break;
        case 20: a->type = (int64_t)f.v; break;
        default: break;
        }
        if (rc)
            return rc;
    }
    a->ints = ints;
    a->nints = ni;
    a->floats = fl;
    a->nfloats = nf;
    return NNP_OK;
}

static const fspec node_fields[] = {{1, "input", K_LEN},     {2, "output", K_LEN},
                                    {3, "name", K_LEN},      {4, "op_type", K_LEN},
                                    {5, "attribute", K_LEN}, {7, "domain", K_LEN},
                                    {0, 0, 0}};
static const message_spec node_msg = {"NodeProto", node_fields};

static void node_where(const onnx_node_desc *nd, size_t idx, char *buf, size_t len)
{
    const char *op = nd->op_type ? nd->op_type : "?";
    if (nd->name && *nd->name)
        onnx_place(buf, len, "node '%s' (%s)", nd->name, op);
    else if (nd->op_type)
        onnx_place(buf, len, "node #%zu (%s)", idx, op);
    else
        onnx_place(buf, len, "node #%zu", idx);
}

static int read_node(prd *r, const pbuf *b, size_t idx, onnx_node_desc *nd)
{
    char where[WHERE];
    node_where(nd, idx, where, sizeof where);
    size_t c[MAX_COUNTED];
    int rc = count_fields(r, b, &node_msg, where, c);
    if (rc)
        return rc;
    if (c[1] > INT32_MAX / 2 || c[2] > INT32_MAX / 2 || c[5] > INT32_MAX / 2)
        return perr(r, b->base, where, "too many inputs, outputs or attributes");
    const char **in = alloc_n(r, c[1], sizeof *in), **out = alloc_n(r, c[2], sizeof *out);
    onnx_attr_desc *attrs = alloc_n(r, c[5], sizeof *attrs);
    if (!in || !out || !attrs)
        return nomem(r);
    int ni = 0, no = 0, na = 0;
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        if ((rc = next_field(r, b, &pos, &node_msg, where, &f)))
            return rc;
        switch (f.spec ? f.num : 0) {
        case 1: rc = take_string(r, &f, where, &in[ni++]); break;
        case 2: rc = take_string(r, &f, where, &out[no++]); break;
        case 3: rc = take_string(r, &f, where, &nd->name); break;
        case 4: rc = take_string(r, &f, where, &nd->op_type); break;
        case 5: rc = read_attr(r, &f.sub, where, (size_t)na, &attrs[na]), na++; break;
        case 7: rc = take_string(r, &f, where, &nd->domain); break;
        default: break;
        }
        if (rc)
            return rc;
        if (f.num == 3 || f.num == 4)
            node_where(nd, idx, where, sizeof where);
    }
    nd->in = in;
    nd->nin = ni;
    nd->out = out;
    nd->nout = no;
    nd->attrs = attrs;
    nd->nattrs = na;
    return NNP_OK;
}

static const fspec dim_fields[] = {{1, "dim_value", K_VARINT}, {2, "dim_param", K_LEN}, {0, 0, 0}};
static const message_spec dim_msg = {"TensorShapeProto.Dimension", dim_fields};
static const fspec shape_fields[] = {{1, "dim", K_LEN}, {0, 0, 0}};
static const message_spec shape_msg = {"TensorShapeProto", shape_fields};
static const fspec ttype_fields[] = {{1, "elem_type", K_VARINT}, {2, "shape", K_LEN}, {0, 0, 0}};
static const message_spec ttype_msg = {"TypeProto.Tensor", ttype_fields};
static const fspec type_fields[] = {
    {1, "tensor_type", K_LEN}, {4, "sequence_type", K_LEN},     {5, "map_type", K_LEN},
    {7, "opaque_type", K_LEN}, {8, "sparse_tensor_type", K_LEN}, {9, "optional_type", K_LEN},
    {0, 0, 0}};
static const message_spec type_msg = {"TypeProto", type_fields};
static const fspec value_fields[] = {{1, "name", K_LEN}, {2, "type", K_LEN}, {0, 0, 0}};
static const message_spec value_msg = {"ValueInfoProto", value_fields};

static int read_dim(prd *r, const pbuf *b, const char *where, onnx_dim_desc *d)
{
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        int rc = next_field(r, b, &pos, &dim_msg, where, &f);
        if (!rc && f.spec && f.num == 1) {
            d->has_value = 1;
            d->value = (int64_t)f.v;
            d->param = NULL; /* oneof: the last one set wins */
        } else if (!rc && f.spec && f.num == 2) {
            rc = take_string(r, &f, where, &d->param);
            d->has_value = 0;
        }
        if (rc)
            return rc;
    }
    return NNP_OK;
}

static int read_shape(prd *r, const pbuf *b, const char *where, onnx_value_desc *v)
{
    size_t c[MAX_COUNTED];
    int rc = count_fields(r, b, &shape_msg, where, c);
    if (rc)
        return rc;
    if (c[1] > INT32_MAX)
        return perr(r, b->base, where, "too many dims");
    onnx_dim_desc *dims = alloc_n(r, c[1], sizeof *dims);
    if (!dims)
        return nomem(r);
    size_t n = 0;
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        if ((rc = next_field(r, b, &pos, &shape_msg, where, &f)))
            return rc;
        if (f.spec) {
            char w[WHERE + 32];
            onnx_place(w, sizeof w, "%s: dim %zu", where, n);
            if ((rc = read_dim(r, &f.sub, w, &dims[n++])))
                return rc;
        }
    }
    v->has_shape = 1;
    v->dims = dims;
    v->ndims = (int)n;
    return NNP_OK;
}

static int read_tensor_type(prd *r, const pbuf *b, const char *where, onnx_value_desc *v)
{
    pfield f;
    int seen = 0;
    v->has_type = 1;
    for (size_t pos = 0; pos < b->len;) {
        int rc = next_field(r, b, &pos, &ttype_msg, where, &f);
        if (!rc && f.spec && f.num == 1)
            v->elem_type = (int32_t)f.v;
        else if (!rc && f.spec && f.num == 2 && !(rc = once(r, &f, where, &seen)))
            rc = read_shape(r, &f.sub, where, v);
        if (rc)
            return rc;
    }
    return NNP_OK;
}

static int read_type(prd *r, const pbuf *b, const char *where, onnx_value_desc *v)
{
    pfield f;
    int seen = 0;
    for (size_t pos = 0; pos < b->len;) {
        int rc = next_field(r, b, &pos, &type_msg, where, &f);
        if (!rc && f.spec && f.num == 1 && !(rc = once(r, &f, where, &seen)))
            rc = read_tensor_type(r, &f.sub, where, v);
        else if (!rc && f.spec && f.num != 1)
            v->other_type = f.spec->name;
        if (rc)
            return rc;
    }
    if (v->has_type)
        v->other_type = NULL;
    return NNP_OK;
}

static int read_value_info(prd *r, const pbuf *b, const char *kind, size_t idx, onnx_value_desc *v)
{
    char where[WHERE];
    onnx_place(where, sizeof where, "%s #%zu", kind, idx);
    pfield f;
    int seen = 0;
    for (size_t pos = 0; pos < b->len;) {
        int rc = next_field(r, b, &pos, &value_msg, where, &f);
        if (!rc && f.spec && f.num == 1 && !(rc = take_string(r, &f, where, &v->name)))
            onnx_place(where, sizeof where, "%s '%s'", kind, v->name);
        else if (!rc && f.spec && f.num == 2 && !(rc = once(r, &f, where, &seen)))
            rc = read_type(r, &f.sub, where, v);
        if (rc)
            return rc;
    }
    return NNP_OK;
}

static const fspec graph_fields[] = {
    {1, "node", K_LEN},   {2, "name", K_LEN},   {5, "initializer", K_LEN},
    {11, "input", K_LEN}, {12, "output", K_LEN}, {13, "value_info", K_LEN},
    {15, "sparse_initializer", K_LEN}, {0, 0, 0}};
static const message_spec graph_msg = {"GraphProto", graph_fields};

static int read_graph(prd *r, const pbuf *b, onnx_model_desc *m)
{
    const char *where = "graph";
    size_t c[MAX_COUNTED];
    int rc = count_fields(r, b, &graph_msg, where, c);
    if (rc)
        return rc;
    if (c[15])
        return err_set(r->e, NNP_UNSUPPORTED, "graph: sparse initializers are not supported");
    if (c[1] > (uint64_t)r->lim->max_nodes)
        return err_set(r->e, NNP_LIMIT, "the graph has %zu nodes; the limit is %lld", c[1],
                       (long long)r->lim->max_nodes);
    onnx_node_desc *nodes = alloc_n(r, c[1], sizeof *nodes);
    onnx_tensor_desc *inits = alloc_n(r, c[5], sizeof *inits);
    onnx_value_desc *in = alloc_n(r, c[11], sizeof *in), *out = alloc_n(r, c[12], sizeof *out),
                    *vi = alloc_n(r, c[13], sizeof *vi);
    if (!nodes || !inits || !in || !out || !vi)
        return nomem(r);
    pfield f;
    char w[WHERE];
    for (size_t pos = 0; pos < b->len;) {
        if ((rc = next_field(r, b, &pos, &graph_msg, where, &f)))
            return rc;
        switch (f.spec ? f.num : 0) {
        case 1: rc = read_node(r, &f.sub, m->nnodes, &nodes[m->nnodes]), m->nnodes++; break;
        case 2: rc = take_string(r, &f, where, &m->graph_name); break;
        case 5:
            onnx_place(w, sizeof w, "initializer #%zu", m->ninits);
            rc = read_tensor(r, &f.sub, w, &inits[m->ninits++]);
            break;
        case 11: rc = read_value_info(r, &f.sub, "graph input", m->ninputs, &in[m->ninputs]), m->ninputs++; break;
        case 12: rc = read_value_info(r, &f.sub, "graph output", m->noutputs, &out[m->noutputs]), m->noutputs++; break;
        case 13: rc = read_value_info(r, &f.sub, "value_info", m->nvalue_info, &vi[m->nvalue_info]), m->nvalue_info++; break;
        default: break;
        }
        if (rc)
            return rc;
    }
    m->nodes = nodes;
    m->inits = inits;
    m->inputs = in;
    m->outputs = out;
    m->value_info = vi;
    return NNP_OK;
}

static const fspec opset_fields[] = {{1, "domain", K_LEN}, {2, "version", K_VARINT}, {0, 0, 0}};
static const message_spec opset_msg = {"OperatorSetIdProto", opset_fields};
static const fspec model_fields[] = {{1, "ir_version", K_VARINT}, {7, "graph", K_LEN},
                                     {8, "opset_import", K_LEN}, {0, 0, 0}};
static const message_spec model_msg = {"ModelProto", model_fields};

static int read_opset(prd *r, const pbuf *b, onnx_opset_desc *o)
{
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        int rc = next_field(r, b, &pos, &opset_msg, "opset_import", &f);
        if (!rc && f.spec && f.num == 1)
            rc = take_string(r, &f, "opset_import", &o->domain);
        else if (!rc && f.spec && f.num == 2)
            o->version = (int64_t)f.v;
        if (rc)
            return rc;
    }
    return NNP_OK;
}

static int read_model(prd *r, const pbuf *b, onnx_model_desc *m)
{
    size_t c[MAX_COUNTED];
    int rc = count_fields(r, b, &model_msg, "model", c);
    if (rc)
        return rc;
    onnx_opset_desc *ops = alloc_n(r, c[8], sizeof *ops);
    if (!ops)
        return nomem(r);
    pfield f;
    for (size_t pos = 0; pos < b->len;) {
        if ((rc = next_field(r, b, &pos, &model_msg, "model", &f)))
            return rc;
        switch (f.spec ? f.num : 0) {
        case 1: m->ir_version = (int64_t)f.v; break;
        case 7:
            if (m->has_graph)
                return perr(r, f.at, "model", "field 'graph' is given twice");
            m->has_graph = 1;
            rc = read_graph(r, &f.sub, m);
            break;
        case 8: rc = read_opset(r, &f.sub, &ops[m->nopsets++]); break;
        default: break;
        }
        if (rc)
            return rc;
    }
    m->opsets = ops;
    return NNP_OK;
}

/* ---- entry points ----------------------------------------------------------------- */

int onnx_pb_parse(const void *buf, size_t len, const char *fname, const char *model_dir,
                  const onnx_limits *lim, graph **out, nnp_err *e)
{
    nnp_err local;
    prd r = {.lim = lim ? lim : &onnx_default_limits, .e = e ? e : &local};
    *out = NULL;
    if (len > r.lim->max_file_bytes)
        return err_set(r.e, NNP_LIMIT, "%s: %zu bytes is more than the limit of %zu", fname, len,
                       r.lim->max_file_bytes);
    onnx_model_desc m = {0};
    pbuf b = {buf, len, 0};
    int rc = read_model(&r, &b, &m);
    if (rc)
        err_prefix(r.e, "%s", fname);
    else
        rc = onnx_import(&m, fname, model_dir, r.lim, out, r.e);
    arena_free(&r.arena);
    return rc;
}

int onnx_pb_read_tensor(const void *buf, size_t len, const char *fname, tensor *dst, nnp_err *e)
{
    nnp_err local;
    prd r = {.lim = &onnx_default_limits, .e = e ? e : &local};
    onnx_tensor_desc t = {0};
    pbuf b = {buf, len, 0};
    int rc = read_tensor(&r, &b, "tensor", &t);
    if (!rc) {
        memset(dst, 0, sizeof *dst);
        dst->name = xstrdup(t.name ? t.name : "");
        rc = dst->name ? onnx_tensor_load(&t, NULL, r.lim, dst, r.e)
                       : err_set(r.e, NNP_NOMEM, "out of memory");
        if (rc) {
            free(dst->name);
            dst->name = NULL;
        }
    }
    if (rc)
        err_prefix(r.e, "%s", fname);
    arena_free(&r.arena);
    return rc;
}
