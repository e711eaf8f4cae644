/* The ONNX JSON mapping, read with cJSON into an onnx_model_desc.
 *
 * cJSON builds the whole tree, then each read_* function below walks one
 * message type and fills its description, keeping every decoded array in an
 * arena that is freed once the graph is built. The functions carry a `where`
 * string ("node 'c1' (Conv): attribute 'pads'") so a message names the
 * exact place at fault, since cJSON keeps no positions after parsing.
 *
 * Syntax errors are found before cJSON runs, with line, column and reason
 * (json_parse in ir/json_syntax.h). */
#include "onnx_json.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json_syntax.h"

typedef struct jreader {
    onnx_arena arena;
    const onnx_limits *lim;
    nnp_err *e;
} jreader;

enum { WHERE = 320 };

static int nomem(jreader *r)
{
    return err_set(r->e, NNP_NOMEM, "out of memory reading the model");
}

/* ---- fields ---------------------------------------------------------------- */

/* The protobuf JSON name of a field: "op_type" -> "opType". */
static void camel_name(const char *snake, char *buf, size_t len)
{
    size_t n = 0;
    for (const char *p = snake; *p && n + 1 < len; p++) {
        if (*p == '_' && p[1]) {
            p++;
            buf[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
        } else {
            buf[n++] = *p;
        }
    }
    buf[n] = 0;
}

/* Finds field `snake` of obj under either of its names; *out is NULL when
 * absent. Giving a field twice (under one name or both) is an error, as in
 * protobuf's parser. */
static int field(jreader *r, const cJSON *obj, const char *snake, const char *where,
                 const cJSON **out)
{
    char cam[64];
    camel_name(snake, cam, sizeof cam);
    *out = NULL;
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (!c->string || (strcmp(c->string, snake) != 0 && strcmp(c->string, cam) != 0))
            continue;
        if (*out)
            return err_set(r->e, NNP_INVALID, "%s: field '%s' is given twice", where, cam);
        *out = c;
    }
    return NNP_OK;
}

static int type_error(jreader *r, const char *where, const char *snake, const char *want)
{
    char cam[64];
    camel_name(snake, cam, sizeof cam);
    return err_set(r->e, NNP_INVALID, "%s: field '%s' must be %s", where, cam, want);
}

/* A string field; *out is NULL when absent. */
static int get_string(jreader *r, const cJSON *obj, const char *snake, const char *where,
                      const char **out)
{
    const cJSON *v;
    *out = NULL;
    int rc = field(r, obj, snake, where, &v);
    if (rc || !v)
        return rc;
    if (!cJSON_IsString(v))
        return type_error(r, where, snake, "a string");
    *out = v->valuestring;
    return NNP_OK;
}

/* A message field; *out is NULL when absent. */
static int get_object(jreader *r, const cJSON *obj, const char *snake, const char *where,
                      const cJSON **out)
{
    const cJSON *v;
    *out = NULL;
    int rc = field(r, obj, snake, where, &v);
    if (rc || !v)
        return rc;
    if (!cJSON_IsObject(v))
        return type_error(r, where, snake, "an object");
    *out = v;
    return NNP_OK;
}

/* A repeated field: *n is 0 when absent. */
static int get_array(jreader *r, const cJSON *obj, const char *snake, const char *where,
                     const cJSON **out, size_t *n)
{
    const cJSON *v;
    *out = NULL;
    *n = 0;
    int rc = field(r, obj, snake, where, &v);
    if (rc || !v)
        return rc;
    if (!cJSON_IsArray(v))
        return type_error(r, where, snake, "an array");
    *out = v;
    for (const cJSON *c = v->child; c; c = c->next)
        (*n)++;
    return NNP_OK;
}

/* ---- scalar values --------------------------------------------------------- */

/* An int64 from a JSON string ("-12") or an integral number up to 2^53,
 * beyond which a double has lost digits. */
static int int64_value(jreader *r, const cJSON *v, const char *where, int64_t *out)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d != floor(d) || fabs(d) > 9007199254740992.0)
            return err_set(r->e, NNP_INVALID,
                           "%s: %g is not an integer (large ones must be written as strings)", where,
                           d);
        *out = (int64_t)d;
        return NNP_OK;
    }
    if (!cJSON_IsString(v))
        return err_set(r->e, NNP_INVALID, "%s: expected an integer", where);
    const char *s = v->valuestring;
    int neg = *s == '-';
    const char *p = s + neg;
    uint64_t acc = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (!*p)
        return err_set(r->e, NNP_INVALID, "%s: \"%s\" is not an integer", where, s);
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return err_set(r->e, NNP_INVALID, "%s: \"%.40s\" is not an integer", where, s);
        unsigned dig = (unsigned)(*p - '0');
        if (acc > (lim - dig) / 10)
            return err_set(r->e, NNP_INVALID, "%s: %.40s is out of the int64 range", where, s);
        acc = acc * 10 + dig;
    }
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return NNP_OK;
}

static int float_from_double(jreader *r, double d, const char *where, float *out)
{
    if (isfinite(d) && fabs(d) > FLT_MAX)
        return err_set(r->e, NNP_INVALID, "%s: %g is out of the float range", where, d);
    *out = (float)d;
    return NNP_OK;
}

/* A float from a number, a numeric string, or "NaN"/"Infinity"/"-Infinity". */
static int float_value(jreader *r, const cJSON *v, const char *where, float *out)
{
    if (cJSON_IsNumber(v))
        return float_from_double(r, v->valuedouble, where, out);
    if (!cJSON_IsString(v))
        return err_set(r->e, NNP_INVALID, "%s: expected a number", where);
    const char *s = v->valuestring;
    if (!strcmp(s, "NaN")) {
        *out = NAN;
        return NNP_OK;
    }
    if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
        *out = *s == '-' ? -INFINITY : INFINITY;
        return NNP_OK;
    }
    /* strtod also takes "inf", hex and leading blanks; JSON numbers do not. */
    int ok = *s != 0 && strspn(s, "0123456789+-.eE") == strlen(s);
    char *end = NULL;
    double d = ok ? strtod(s, &end) : 0;
    if (!ok || *end)
        return err_set(r->e, NNP_INVALID, "%s: \"%.40s\" is not a number", where, s);
    return float_from_double(r, d, where, out);
}

/* An enum by name (names() maps it, -1 when unknown) or by number. */
static int enum_value(jreader *r, const cJSON *v, int (*names)(const char *), const char *where,
                      int64_t *out)
{
    if (cJSON_IsString(v) && names) {
        int k = names(v->valuestring);
        if (k >= 0) {
            *out = k;
            return NNP_OK;
        }
    }
    if (cJSON_IsString(v) && !(v->valuestring[0] == '-' || (v->valuestring[0] >= '0' &&
                                                           v->valuestring[0] <= '9')))
        return err_set(r->e, NNP_INVALID, "%s: unknown value \"%.40s\"", where, v->valuestring);
    return int64_value(r, v, where, out);
}

static int get_int64(jreader *r, const cJSON *obj, const char *snake, const char *where,
                     int64_t *out)
{
    const cJSON *v;
    int rc = field(r, obj, snake, where, &v);
    if (rc || !v)
        return rc;
    char w[WHERE];
    onnx_place(w, sizeof w, "%s: field '%s'", where, snake);
    return int64_value(r, v, w, out);
}

static int get_enum(jreader *r, const cJSON *obj, const char *snake, int (*names)(const char *),
                    const char *where, int64_t *out)
{
    const cJSON *v;
    int rc = field(r, obj, snake, where, &v);
    if (rc || !v)
        return rc;
    char w[WHERE];
    onnx_place(w, sizeof w, "%s: field '%s'", where, snake);
    return enum_value(r, v, names, w, out);
}

/* A bytes field, base64-decoded into the arena (NUL-terminated too). */
static int get_bytes(jreader *r, const cJSON *obj, const char *snake, const char *where,
                     const unsigned char **out, size_t *len, int *present)
{
    const char *s = NULL;
    int rc = get_string(r, obj, snake, where, &s);
    if (rc || !s)
        return rc;
    size_t n = strlen(s), bad;
    const char *why;
    unsigned char *buf = arena_alloc(&r->arena, base64_decoded_max(n) + 1, 1);
    if (!buf)
        return nomem(r);
    if (base64_decode(s, n, buf, len, &bad, &why)) {
        char cam[64];
        camel_name(snake, cam, sizeof cam);
        return err_set(r->e, NNP_INVALID, "%s: field '%s' is not valid base64: %s at character %zu",
                       where, cam, why, bad);
    }
    buf[*len] = 0;
    *out = buf;
    *present = 1;
    return NNP_OK;
}

/* ---- repeated scalars -------------------------------------------------------- */

static int int64_list(jreader *r, const cJSON *obj, const char *snake, const char *where,
                      int64_t **out, size_t *n)
{
    const cJSON *a;
    int rc = get_array(r, obj, snake, where, &a, n);
    *out = NULL;
    if (rc || !*n)
        return rc;
    if (!(*out = arena_alloc(&r->arena, *n, sizeof(int64_t))))
        return nomem(r);
    size_t k = 0;
    char w[WHERE];
    for (const cJSON *c = a->child; c; c = c->next, k++) {
        onnx_place(w, sizeof w, "%s: %s[%zu]", where, snake, k);
        if ((rc = int64_value(r, c, w, &(*out)[k])))
            return rc;
    }
    return NNP_OK;
}

static int float_list(jreader *r, const cJSON *obj, const char *snake, const char *where,
                      float **out, size_t *n)
{
    const cJSON *a;
    int rc = get_array(r, obj, snake, where, &a, n);
    *out = NULL;
    if (rc || !*n)
        return rc;
    if (!(*out = arena_alloc(&r->arena, *n, sizeof(float))))
        return nomem(r);
    size_t k = 0;
    char w[WHERE];
    for (const cJSON *c = a->child; c; c = c->next, k++) {
        onnx_place(w, sizeof w, "%s: %s[%zu]", where, snake, k);
        if ((rc = float_value(r, c, w, &(*out)[k])))
            return rc;
    }
    return NNP_OK;
}

/* Names (node inputs and outputs): every element must be a string. */
static int string_list(jreader *r, const cJSON *obj, const char *snake, const char *where,
                       const char *const **out, int *count)
{
    const cJSON *a;
    size_t n;
    int rc = get_array(r, obj, snake, where, &a, &n);
    *out = NULL;
    *count = 0;
    if (rc || !n)
        return rc;
    if (n > INT32_MAX / 2)
        return err_set(r->e, NNP_LIMIT, "%s: too many %s", where, snake);
    const char **v = arena_alloc(&r->arena, n, sizeof(char *));
    if (!v)
        return nomem(r);
    size_t k = 0;
    for (const cJSON *c = a->child; c; c = c->next, k++) {
        if (!cJSON_IsString(c))
            return err_set(r->e, NNP_INVALID, "%s: %s[%zu] must be a string", where, snake, k);
        v[k] = c->valuestring;
    }
    *out = v;
    *count = (int)n;
    return NNP_OK;
}

/* Counts the elements of a repeated field nnpipe never decodes. */
static int count_of(jreader *r, const cJSON *obj, const char *snake, const char *where, size_t *n)
{
    const cJSON *a;
    return get_array(r, obj, snake, where, &a, n);
}

/* ---- messages ------------------------------------------------------------------ */

static int data_location_from_name(const char *s)
{
    return !strcmp(s, "DEFAULT") ? 0 : !strcmp(s, "EXTERNAL") ? 1 : -1;
}

static int read_external(jreader *r, const cJSON *obj, const char *where, onnx_tensor_desc *t)
{
    const cJSON *a;
    size_t n;
    int rc = get_array(r, obj, "external_data", where, &a, &n);
    t->ext_offset = t->ext_length = -1;
    for (const cJSON *c = a ? a->child : NULL; !rc && c; c = c->next) {
        const char *key = NULL, *val = NULL;
        if (!cJSON_IsObject(c))
            return err_set(r->e, NNP_INVALID, "%s: externalData entries must be objects", where);
        if ((rc = get_string(r, c, "key", where, &key)) || (rc = get_string(r, c, "value", where, &val)))
            return rc;
        if (!key || !val)
            return err_set(r->e, NNP_INVALID, "%s: an externalData entry lacks its key or value", where);
        cJSON tmp = {.type = cJSON_String, .valuestring = (char *)val};
        char w[WHERE];
        onnx_place(w, sizeof w, "%s: externalData '%s'", where, key);
        if (!strcmp(key, "location"))
            t->ext_location = val;
        else if (!strcmp(key, "offset"))
            rc = int64_value(r, &tmp, w, &t->ext_offset);
        else if (!strcmp(key, "length"))
            rc = int64_value(r, &tmp, w, &t->ext_length);
        if (!rc && (t->ext_offset < -1 || t->ext_length < -1))
            rc = err_set(r->e, NNP_INVALID, "%s is negative", w);
    }
    return rc;
}

/* Typed data fields nnpipe never reads: only their presence matters. */
static const char *const other_data_fields[] = {"int32_data", "string_data", "double_data",
                                                "uint64_data"};

static int read_tensor(jreader *r, const cJSON *obj, const char *where, onnx_tensor_desc *t)
{
    int64_t *dims;
    size_t nd;
    float *fl;
    int64_t *il;
    int64_t loc = 0;
    const cJSON *seg;
    int rc = get_string(r, obj, "name", where, &t->name);
    if (!rc)
        rc = int64_list(r, obj, "dims", where, &dims, &nd);
    if (!rc)
        rc = get_enum(r, obj, "data_type", onnx_dtype_from_name, where, &t->data_type);
    if (!rc)
        rc = get_bytes(r, obj, "raw_data", where, &t->raw, &t->raw_len, &t->has_raw);
    if (!rc)
        rc = float_list(r, obj, "float_data", where, &fl, &t->nfloats);
    if (!rc)
        rc = int64_list(r, obj, "int64_data", where, &il, &t->nint64s);
    if (!rc)
        rc = get_object(r, obj, "segment", where, &seg);
    if (!rc)
        rc = get_enum(r, obj, "data_location", data_location_from_name, where, &loc);
    if (!rc && loc == 1)
        rc = read_external(r, obj, where, t);
    for (size_t k = 0; !rc && k < sizeof other_data_fields / sizeof *other_data_fields; k++) {
        size_t n;
        rc = count_of(r, obj, other_data_fields[k], where, &n);
        if (n && !t->other_field)
            t->other_field = other_data_fields[k];
    }
    if (rc)
        return rc;
    if (nd > INT32_MAX)
        return err_set(r->e, NNP_LIMIT, "%s: too many dims", where);
    t->dims = dims;
    t->ndims = (int)nd;
    t->floats = fl;
    t->int64s = il;
    t->has_segment = seg != NULL;
    t->external = loc == 1;
    return NNP_OK;
}

static int read_attr(jreader *r, const cJSON *obj, const char *node_where, size_t pos,
                     onnx_attr_desc *a)
{
    char where[WHERE];
    onnx_place(where, sizeof where, "%s: attribute #%zu", node_where, pos);
    int rc = get_string(r, obj, "name", where, &a->name);
    if (rc)
        return rc;
    if (a->name)
        onnx_place(where, sizeof where, "%s: attribute '%s'", node_where, a->name);
    float *fl;
    int64_t *il;
    const cJSON *v, *t, *g;
    const unsigned char *s = NULL;
    int has_s = 0;
    if ((rc = get_enum(r, obj, "type", onnx_attr_type_from_name, where, &a->type)) ||
        (rc = get_int64(r, obj, "i", where, &a->i)) ||
        (rc = get_bytes(r, obj, "s", where, &s, &a->slen, &has_s)) ||
        (rc = float_list(r, obj, "floats", where, &fl, &a->nfloats)) ||
        (rc = int64_list(r, obj, "ints", where, &il, &a->nints)) ||
        (rc = count_of(r, obj, "strings", where, &a->nstrings)) ||
        (rc = count_of(r, obj, "tensors", where, &a->ntensors)) ||
        (rc = count_of(r, obj, "graphs", where, &a->ngraphs)) ||
        (rc = get_object(r, obj, "g", where, &g)) || (rc = get_object(r, obj, "t", where, &t)) ||
        (rc = field(r, obj, "f", where, &v)))
        return rc;
    char w[WHERE + 16];
    onnx_place(w, sizeof w, "%s: field 'f'", where);
    if (v && (rc = float_value(r, v, w, &a->f)))
        return rc;
    a->s = (const char *)s;
    a->floats = fl;
    a->ints = il;
    a->ngraphs += g != NULL;
    if (t) {
        onnx_tensor_desc *td = arena_alloc(&r->arena, 1, sizeof *td);
        if (!td)
            return nomem(r);
        onnx_place(w, sizeof w, "%s: tensor", where);
        if ((rc = read_tensor(r, t, w, td)))
            return rc;
        a->t = td;
    }
    return NNP_OK;
}

static int read_node(jreader *r, const cJSON *obj, size_t pos, onnx_node_desc *nd)
{
    char where[WHERE];
    onnx_place(where, sizeof where, "node #%zu", pos);
    if (!cJSON_IsObject(obj))
        return err_set(r->e, NNP_INVALID, "%s must be an object", where);
    int rc;
    if ((rc = get_string(r, obj, "name", where, &nd->name)) ||
        (rc = get_string(r, obj, "op_type", where, &nd->op_type)) ||
        (rc = get_string(r, obj, "domain", where, &nd->domain)))
        return rc;
    if (nd->name && *nd->name)
        onnx_place(where, sizeof where, "node '%s' (%s)", nd->name, nd->op_type ? nd->op_type : "?");
    else
        onnx_place(where, sizeof where, "node #%zu (%s)", pos, nd->op_type ? nd->op_type : "?");
    const cJSON *a;
    size_t n;
    if ((rc = string_list(r, obj, "input", where, &nd->in, &nd->nin)) ||
        (rc = string_list(r, obj, "output", where, &nd->out, &nd->nout)) ||
        (rc = get_array(r, obj, "attribute", where, &a, &n)))
        return rc;
    if (n > INT32_MAX / 2)
        return err_set(r->e, NNP_LIMIT, "%s: too many attributes", where);
    onnx_attr_desc *attrs = arena_alloc(&r->arena, n, sizeof *attrs);
    if (!attrs)
        return nomem(r);
    size_t k = 0;
    for (const cJSON *c = a ? a->child : NULL; c; c = c->next, k++) {
        if (!cJSON_IsObject(c))
            return err_set(r->e, NNP_INVALID, "%s: attribute #%zu must be an object", where, k);
        if ((rc = read_attr(r, c, where, k, &attrs[k])))
            return rc;
    }
    nd->attrs = attrs;
    nd->nattrs = (int)n;
    return NNP_OK;
}

static int read_shape(jreader *r, const cJSON *shape, const char *where, onnx_value_desc *v)
{
    const cJSON *a;
    size_t n;
    int rc = get_array(r, shape, "dim", where, &a, &n);
    if (rc)
        return rc;
    if (n > INT32_MAX)
        return err_set(r->e, NNP_LIMIT, "%s: too many dims", where);
    onnx_dim_desc *dims = arena_alloc(&r->arena, n, sizeof *dims);
    if (!dims)
        return nomem(r);
    size_t k = 0;
    char w[WHERE];
    for (const cJSON *c = a ? a->child : NULL; c; c = c->next, k++) {
        onnx_place(w, sizeof w, "%s: dim %zu", where, k);
        const cJSON *val;
        if (!cJSON_IsObject(c))
            return err_set(r->e, NNP_INVALID, "%s must be an object", w);
        if ((rc = field(r, c, "dim_value", w, &val)) ||
            (rc = get_string(r, c, "dim_param", w, &dims[k].param)))
            return rc;
        if (val && (rc = int64_value(r, val, w, &dims[k].value)))
            return rc;
        dims[k].has_value = val != NULL;
    }
    v->has_shape = 1;
    v->dims = dims;
    v->ndims = (int)n;
    return NNP_OK;
}

/* Type kinds other than tensor_type, named in "not supported" messages. */
static const char *const other_types[] = {"sequence_type", "map_type", "optional_type",
                                          "sparse_tensor_type", "opaque_type"};

static int read_value_info(jreader *r, const cJSON *obj, const char *kind, size_t pos,
                           onnx_value_desc *v)
{
    char where[WHERE];
    onnx_place(where, sizeof where, "%s #%zu", kind, pos);
    if (!cJSON_IsObject(obj))
        return err_set(r->e, NNP_INVALID, "%s must be an object", where);
    const cJSON *type, *tt, *shape, *o;
    int rc = get_string(r, obj, "name", where, &v->name);
    if (rc)
        return rc;
    if (v->name)
        onnx_place(where, sizeof where, "%s '%s'", kind, v->name);
    if ((rc = get_object(r, obj, "type", where, &type)) || !type)
        return rc;
    if ((rc = get_object(r, type, "tensor_type", where, &tt)))
        return rc;
    for (size_t k = 0; !tt && k < sizeof other_types / sizeof *other_types; k++) {
        if ((rc = field(r, type, other_types[k], where, &o)))
            return rc;
        if (o)
            v->other_type = other_types[k];
    }
    if (!tt)
        return NNP_OK;
    v->has_type = 1;
    if ((rc = get_enum(r, tt, "elem_type", onnx_dtype_from_name, where, &v->elem_type)) ||
        (rc = get_object(r, tt, "shape", where, &shape)))
        return rc;
    return shape ? read_shape(r, shape, where, v) : NNP_OK;
}

/* Reads one element of a repeated message field into out[pos]. */
typedef int (*read_fn)(jreader *r, const cJSON *obj, const char *ctx, size_t pos, void *out);

/* Reads a repeated message field into a new array of elements of `size`
 * bytes, one read_fn call per element; ctx is passed through. */
static int read_list(jreader *r, const cJSON *obj, const char *snake, const char *where,
                     const char *ctx, read_fn fn, size_t size, void **arr, size_t *count)
{
    const cJSON *a;
    int rc = get_array(r, obj, snake, where, &a, count);
    if (rc)
        return rc;
    char *v = arena_alloc(&r->arena, *count, size);
    if (!v)
        return nomem(r);
    size_t k = 0;
    for (const cJSON *c = a ? a->child : NULL; c; c = c->next, k++)
        if ((rc = fn(r, c, ctx, k, v + k * size)))
            return rc;
    *arr = v;
    return NNP_OK;
}

static int read_init(jreader *r, const cJSON *obj, const char *ctx, size_t pos, void *out)
{
    (void)ctx;
    char where[WHERE];
    onnx_place(where, sizeof where, "initializer #%zu", pos);
    if (!cJSON_IsObject(obj))
        return err_set(r->e, NNP_INVALID, "%s must be an object", where);
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (cJSON_IsString(nm))
        onnx_place(where, sizeof where, "tensor '%s'", nm->valuestring);
    return read_tensor(r, obj, where, out);
}

static int read_node_at(jreader *r, const cJSON *obj, const char *ctx, size_t pos, void *out)
{
    (void)ctx;
    return read_node(r, obj, pos, out);
}

static int read_value_at(jreader *r, const cJSON *obj, const char *kind, size_t pos, void *out)
{
    return read_value_info(r, obj, kind, pos, out);
}

static int read_graph(jreader *r, const cJSON *gobj, onnx_model_desc *m)
{
    const char *where = "graph";
    const cJSON *nodes, *sparse;
    size_t n, nsparse;
    int rc;
    if ((rc = get_string(r, gobj, "name", where, &m->graph_name)) ||
        (rc = get_array(r, gobj, "node", where, &nodes, &n)) ||
        (rc = get_array(r, gobj, "sparse_initializer", where, &sparse, &nsparse)))
        return rc;
    if (nsparse)
        return err_set(r->e, NNP_UNSUPPORTED, "graph: sparse initializers are not supported");
    /* Before allocating anything per node. */
    if (n > (uint64_t)r->lim->max_nodes)
        return err_set(r->e, NNP_LIMIT, "the graph has %zu nodes; the limit is %lld", n,
                       (long long)r->lim->max_nodes);
    void *nd = NULL, *inits = NULL, *in = NULL, *out = NULL, *vi = NULL;
    if ((rc = read_list(r, gobj, "node", where, NULL, read_node_at, sizeof(onnx_node_desc), &nd,
                        &m->nnodes)) ||
        (rc = read_list(r, gobj, "initializer", where, NULL, read_init, sizeof(onnx_tensor_desc),
                        &inits, &m->ninits)) ||
        (rc = read_list(r, gobj, "input", where, "graph input", read_value_at,
                        sizeof(onnx_value_desc), &in, &m->ninputs)) ||
        (rc = read_list(r, gobj, "output", where, "graph output", read_value_at,
                        sizeof(onnx_value_desc), &out, &m->noutputs)) ||
        (rc = read_list(r, gobj, "value_info", where, "value_info", read_value_at,
                        sizeof(onnx_value_desc), &vi, &m->nvalue_info)))
        return rc;
    m->nodes = nd;
    m->inits = inits;
    m->inputs = in;
    m->outputs = out;
    m->value_info = vi;
    return NNP_OK;
}

static int read_opset(jreader *r, const cJSON *obj, const char *ctx, size_t pos, void *out)
{
    (void)ctx;
    onnx_opset_desc *o = out;
    char where[WHERE];
    onnx_place(where, sizeof where, "opsetImport #%zu", pos);
    if (!cJSON_IsObject(obj))
        return err_set(r->e, NNP_INVALID, "%s must be an object", where);
    int rc = get_string(r, obj, "domain", where, &o->domain);
    return rc ? rc : get_int64(r, obj, "version", where, &o->version);
}

static int read_model(jreader *r, const cJSON *root, onnx_model_desc *m)
{
    const cJSON *g;
    void *ops = NULL;
    int rc;
    if ((rc = get_int64(r, root, "ir_version", "model", &m->ir_version)) ||
        (rc = read_list(r, root, "opset_import", "model", NULL, read_opset, sizeof(onnx_opset_desc),
                        &ops, &m->nopsets)) ||
        (rc = get_object(r, root, "graph", "model", &g)))
        return rc;
    m->opsets = ops;
    m->has_graph = g != NULL;
    return g ? read_graph(r, g, m) : NNP_OK;
}

/* ---- syntax ---------------------------------------------------------------------- */

/* The model's JSON tree (see json_syntax.h); the top level must be an
 * object. */
static int parse_json(const char *text, size_t len, const char *fname, cJSON **out, nnp_err *e)
{
    int rc = json_parse(fname, text, len, out, e);
    if (rc || cJSON_IsObject(*out))
        return rc;
    cJSON_Delete(*out);
    *out = NULL;
    size_t first = 0;
    while (strchr(" \t\n\r", text[first]))
        first++;
    return json_error_at(fname, text, first,
                         "the top level must be a JSON object (an ONNX ModelProto)", e);
}

int onnx_json_parse_ex(const char *text, size_t len, const char *fname, const char *model_dir,
                       const onnx_limits *lim, graph **out, nnp_err *e)
{
    nnp_err local;
    jreader r = {.lim = lim ? lim : &onnx_default_limits, .e = e ? e : &local};
    *out = NULL;
    if (len > r.lim->max_file_bytes)
        return err_set(r.e, NNP_LIMIT, "%s: %zu bytes is more than the limit of %zu", fname, len,
                       r.lim->max_file_bytes);
    cJSON *root = NULL;
    int rc = parse_json(text, len, fname, &root, r.e);
    if (rc)
        return rc;
    onnx_model_desc m = {0};
    rc = read_model(&r, root, &m);
    if (rc)
        err_prefix(r.e, "%s", fname);
    else
        rc = onnx_import(&m, fname, model_dir, r.lim, out, r.e);
    arena_free(&r.arena);
    cJSON_Delete(root);
    return rc;
}

int onnx_json_parse(const char *text, size_t len, const char *fname, graph **out, nnp_err *e)
{
    return onnx_json_parse_ex(text, len, fname, NULL, NULL, out, e);
}
