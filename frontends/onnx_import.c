/* From an ONNX model description to a checked graph.
 *
 * The work is done in model order of dependence, not file order, because
 * JSON objects and protobuf messages may list their fields in any order:
 * initializers first (so a graph input that names one is recognised as a
 * constant, as ONNX says), then graph inputs, nodes, outputs, and last the
 * declared shapes of outputs and value_info, which are compared with the
 * shapes graph_check infers. A declared shape that disagrees is an error:
 * either the model is inconsistent or our inference is wrong, and both
 * deserve a message rather than a silently different program.
 *
 * Names are resolved through a hash table of our own; graph_find_tensor is
 * linear, which would make importing a large model quadratic. Tensors are
 * therefore appended here directly, initialised the way graph_intern_tensor
 * does it.
 *
 * Constant nodes do not become IR nodes: their value becomes the data of
 * their output tensor, exactly like an initializer, since nnpipe folds
 * constants anyway and exporters use both forms for the same thing. */
#define _XOPEN_SOURCE 700
#include "onnx_import.h"

#include <limits.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ops.h"

/* A node with more attributes than this is rejected (NNP_LIMIT): no ONNX
 * op has more than a dozen, and checking duplicates is quadratic. */
enum { MAX_ATTRS_PER_NODE = 1024 };

const onnx_limits onnx_default_limits = {
    .max_file_bytes = (size_t)1 << 30,
    .max_nodes = 1000000,
    .max_tensor_elems = (int64_t)1 << 30,
};

/* ---- names of enums ---------------------------------------------------- */

static const char *const dtype_names[] = {
    "UNDEFINED", "FLOAT",  "UINT8",  "INT8",      "UINT16",     "INT16",
    "INT32",     "INT64",  "STRING", "BOOL",      "FLOAT16",    "DOUBLE",
    "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
};

static const char *const attr_type_names[ONNX_ATTR_TYPE_COUNT] = {
    "UNDEFINED", "FLOAT",  "INT",           "STRING",         "TENSOR",
    "GRAPH",     "FLOATS", "INTS",          "STRINGS",        "TENSORS",
    "GRAPHS",    "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS",
};

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

static int index_of(const char *const *names, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (strcmp(names[k], name) == 0)
            return k;
    return -1;
}

const char *onnx_dtype_name(int64_t t)
{
    return t >= 0 && t < COUNT(dtype_names) ? dtype_names[t] : "?";
}

int onnx_dtype_from_name(const char *name)
{
    return index_of(dtype_names, COUNT(dtype_names), name);
}

const char *onnx_attr_type_name(int64_t t)
{
    return t >= 0 && t < COUNT(attr_type_names) ? attr_type_names[t] : "?";
}

int onnx_attr_type_from_name(const char *name)
{
    return index_of(attr_type_names, COUNT(attr_type_names), name);
}

int64_t onnx_ir_version_for(int opset)
{
    /* From ONNX's release table: (first opset of a release, its IR version). */
    static const int table[][2] = {{15, 8}, {12, 7}, {11, 6}, {10, 5}, {9, 4}, {1, 3}};
    for (size_t k = 0; k < sizeof table / sizeof *table; k++)
        if (opset >= table[k][0])
            return table[k][1];
    return 7; /* opset unknown */
}

/* ---- arena ------------------------------------------------------------- */

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
};

void *arena_alloc(onnx_arena *a, size_t n, size_t size)
{
    const size_t al = alignof(max_align_t);
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    if (bytes > SIZE_MAX - al - sizeof(struct arena_block))
        return NULL;
    bytes = bytes ? (bytes + al - 1) / al * al : al;
    struct arena_block *b = a->head;
    if (!b || b->cap - b->used < bytes) {
        size_t cap = bytes > 65536 ? bytes : 65536;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += bytes;
    memset(p, 0, bytes);
    return p;
}

char *arena_strndup(onnx_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = arena_alloc(a, n + 1, 1);
    if (d && n)
        memcpy(d, s, n);
    return d;
}

void arena_free(onnx_arena *a)
{
    while (a->head) {
        struct arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- tensor data --------------------------------------------------------- */

static void fmt_dims(const int64_t *dims, int n, char *buf, size_t len)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, i ? ", %lld" : "%lld", (long long)dims[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
}

int onnx_dims_numel(const int64_t *dims, int ndims, const onnx_limits *lim, const char *what,
                    int64_t *numel, nnp_err *e)
{
    if (ndims > MAX_RANK)
        return err_set(e, NNP_UNSUPPORTED, "%s has rank %d; nnpipe supports rank up to %d", what,
                       ndims, MAX_RANK);
    int zero = 0;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0)
            return err_set(e, NNP_INVALID, "%s: dim %d is negative (%lld)", what, i,
                           (long long)dims[i]);
        if (dims[i] > lim->max_tensor_elems)
            return err_set(e, NNP_LIMIT, "%s: dim %d is %lld, more than the limit of %lld elements",
                           what, i, (long long)dims[i], (long long)lim->max_tensor_elems);
        zero |= dims[i] == 0;
    }
    int64_t p = 1;
    for (int i = 0; i < ndims && !zero; i++)
        if (size_mul(p, dims[i], &p) || p > lim->max_tensor_elems) {
            char d[200];
            fmt_dims(dims, ndims, d, sizeof d);
            return err_set(e, NNP_LIMIT, "%s: dims %s hold more than the limit of %lld elements",
                           what, d, (long long)lim->max_tensor_elems);
        }
    *numel = zero ? 0 : p;
    return NNP_OK;
}

/* Whether location, a relative path, stays inside its folder lexically: no
 * absolute path, no ".." component. (Symbolic links are checked after.) */
static int location_is_local(const char *loc)
{
    if (loc[0] == '/' || loc[0] == 0)
        return 0;
    for (const char *p = loc; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += n + (end != NULL);
    }
    return 1;
}

/* Opens model_dir/loc after checking that it resolves inside model_dir. */
static FILE *open_external(const char *model_dir, const char *loc, const char *what, nnp_err *e)
{
    if (!location_is_local(loc)) {
        err_set(e, NNP_INVALID,
                "%s: external data location '%s' leaves the model's folder (it must be a "
                "relative path without '..')",
                what, loc);
        return NULL;
    }
    size_t n = strlen(model_dir) + strlen(loc) + 2;
    char *path = malloc(n);
    char *rdir = realpath(model_dir, NULL);
    char *rfile = NULL;
    FILE *f = NULL;
    if (!path || !rdir) {
        err_set(e, path ? NNP_IO : NNP_NOMEM, "%s: cannot resolve the model's folder '%s'", what,
                model_dir);
        goto out;
    }
    snprintf(path, n, "%s/%s", model_dir, loc);
    rfile = realpath(path, NULL);
    size_t dl = strlen(rdir);
    if (!rfile) {
        err_set(e, NNP_IO, "%s: cannot open external data file '%s'", what, path);
        goto out;
    }
    if (strncmp(rfile, rdir, dl) != 0 || (rfile[dl] != '/' && strcmp(rdir, "/") != 0)) {
        err_set(e, NNP_INVALID, "%s: external data file '%s' resolves outside the model's folder",
                what, loc);
        goto out;
    }
    f = fopen(rfile, "rb");
    if (!f)
        err_set(e, NNP_IO, "%s: cannot open external data file '%s'", what, path);
out:
    free(path);
    free(rdir);
    free(rfile);
    return f;
}

/* Reads exactly `bytes` bytes of external data into a new buffer. */
static int read_external(const onnx_tensor_desc *t, const char *model_dir, int64_t bytes,
                         unsigned char **out, const char *what, nnp_err *e)
{
    if (!model_dir)
        return err_set(e, NNP_UNSUPPORTED,
                       "%s keeps its data in an external file, which needs the model to be "
                       "loaded from a file path",
                       what);
    if (!t->ext_location)
        return err_set(e, NNP_INVALID, "%s: external data has no 'location'", what);
    int64_t off = t->ext_offset < 0 ? 0 : t->ext_offset;
    if (t->ext_length >= 0 && t->ext_length != bytes)
        return err_set(e, NNP_INVALID, "%s: external data length is %lld bytes, but its dims need %lld",
                       what, (long long)t->ext_length, (long long)bytes);
    FILE *f = open_external(model_dir, t->ext_location, what, e);
    if (!f)
        return e ? e->code : NNP_IO;
    int rc = NNP_OK;
    unsigned char *buf = NULL;
    off_t size = -1;
    if (fseeko(f, 0, SEEK_END) == 0)
        size = ftello(f);
    if (size < 0 || (int64_t)size < off || (int64_t)size - off < bytes) {
        rc = err_set(e, NNP_INVALID,
                     "%s: external data file '%s' has %lld bytes, too few for %lld bytes at "
                     "offset %lld",
                     what, t->ext_location, (long long)size, (long long)bytes, (long long)off);
        goto out;
    }
    buf = malloc(bytes ? (size_t)bytes : 1);
    if (!buf) {
        rc = err_set(e, NNP_NOMEM, "%s: out of memory reading external data", what);
        goto out;
    }
    if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, (size_t)bytes, f) != (size_t)bytes) {
        free(buf);
        buf = NULL;
        rc = err_set(e, NNP_IO, "%s: cannot read external data file '%s'", what, t->ext_location);
    }
out:
    fclose(f);
    *out = buf;
    return rc;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Copies n little-endian elements of type dt from raw into dst. */
static void decode_le(int64_t dt, const unsigned char *raw, int64_t n, void *dst)
{
    for (int64_t i = 0; i < n; i++) {
        if (dt == ONNX_FLOAT) {
            uint32_t u = le32(raw + 4 * i);
            memcpy((float *)dst + i, &u, 4);
        } else {
            uint64_t u = le64(raw + 8 * i);
            memcpy((int64_t *)dst + i, &u, 8);
        }
    }
}

/* Checks which data field t uses and that its size matches numel. */
static int check_data_fields(const onnx_tensor_desc *t, int64_t numel, int64_t bytes,
                             const char *what, nnp_err *e)
{
    int isf = t->data_type == ONNX_FLOAT;
    const char *typed = isf ? "float_data" : "int64_data";
    size_t ntyped = isf ? t->nfloats : t->nint64s;
    const char *wrong = t->other_field ? t->other_field
                        : isf && t->nint64s ? "int64_data"
                        : !isf && t->nfloats ? "float_data"
                                             : NULL;
    if (wrong)
        return err_set(e, NNP_INVALID, "%s has data type %s but holds values in %s", what,
                       onnx_dtype_name(t->data_type), wrong);
    if (t->has_raw + (ntyped > 0) + t->external > 1)
        return err_set(e, NNP_INVALID, "%s has data in more than one of raw_data, %s and external data",
                       what, typed);
    char d[200];
    fmt_dims(t->dims, t->ndims, d, sizeof d);
    if (t->has_raw && (int64_t)t->raw_len != bytes)
        return err_set(e, NNP_INVALID, "%s: raw_data holds %zu bytes, but dims %s of %s need %lld",
                       what, t->raw_len, d, onnx_dtype_name(t->data_type), (long long)bytes);
    if (ntyped > 0 && (int64_t)ntyped != numel)
        return err_set(e, NNP_INVALID, "%s: %s holds %zu values, but dims %s need %lld", what, typed,
                       ntyped, d, (long long)numel);
    if (!t->has_raw && !ntyped && !t->external && numel > 0)
        return err_set(e, NNP_INVALID, "%s has no data (dims %s need %lld values)", what, d,
                       (long long)numel);
    return NNP_OK;
}

int onnx_tensor_load(const onnx_tensor_desc *t, const char *model_dir, const onnx_limits *lim,
                     tensor *dst, nnp_err *e)
{
    char what[160];
    snprintf(what, sizeof what, "tensor '%s'", t->name ? t->name : "");
    int64_t dt = t->data_type;
    if (dt != ONNX_FLOAT && dt != ONNX_INT64)
        return err_set(e, NNP_UNSUPPORTED,
                       "%s has data type %s (%lld); nnpipe keeps only FLOAT and INT64 tensors",
                       what, onnx_dtype_name(dt), (long long)dt);
    if (t->has_segment)
        return err_set(e, NNP_UNSUPPORTED, "%s is segmented, which nnpipe does not support", what);
    int64_t numel, bytes;
    int rc = onnx_dims_numel(t->dims, t->ndims, lim, what, &numel, e);
    if (rc)
        return rc;
    size_t esize = dt == ONNX_FLOAT ? 4 : 8;
    if (size_mul(numel, (int64_t)esize, &bytes))
        return err_set(e, NNP_LIMIT, "%s is too large", what);
    rc = check_data_fields(t, numel, bytes, what, e);
    if (rc)
        return rc;
    unsigned char *ext = NULL;
    if (t->external && (rc = read_external(t, model_dir, bytes, &ext, what, e)))
        return rc;
    void *data = xcalloc(numel ? (size_t)numel : 1, esize);
    if (!data) {
        free(ext);
        return err_set(e, NNP_NOMEM, "%s: out of memory", what);
    }
    if (ext || t->has_raw)
        decode_le(dt, ext ? ext : t->raw, numel, data);
    else if (dt == ONNX_FLOAT && t->nfloats)
        memcpy(data, t->floats, (size_t)numel * esize);
    else if (dt == ONNX_INT64 && t->nint64s)
        memcpy(data, t->int64s, (size_t)numel * esize);
    free(ext);
    dst->type = dt == ONNX_FLOAT ? DT_FLOAT : DT_INT64;
    dst->rank = t->ndims;
    memset(dst->dims, 0, sizeof dst->dims);
    for (int i = 0; i < t->ndims; i++)
        dst->dims[i] = t->dims[i];
    if (dt == ONNX_FLOAT)
        dst->data = data;
    else
        dst->idata = data;
    return NNP_OK;
}

/* ---- the importer -------------------------------------------------------- */

/* A shape some value_info or graph output declares; -1 for an unknown dim. */
typedef struct declared {
    int t;
    int rank;
    int64_t dims[MAX_RANK];
    const char *kind;
} declared;

typedef struct importer {
    graph *g;
    const onnx_limits *lim;
    const char *model_dir;
    int *slots; /* open-addressed hash of tensor names; -1 empty */
    size_t nslots;
    declared *decl;
    size_t ndecl, cap_decl;
    nnp_err *e;
} importer;

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int find_tensor(const importer *im, const char *name)
{
    if (!im->nslots)
        return -1;
    for (size_t k = hash_name(name) & (im->nslots - 1);; k = (k + 1) & (im->nslots - 1)) {
        int t = im->slots[k];
        if (t < 0 || strcmp(im->g->tensors[t].name, name) == 0)
            return t;
    }
}

static void slot_insert(int *slots, size_t nslots, const graph *g, int t)
{
    size_t k = hash_name(g->tensors[t].name) & (nslots - 1);
    while (slots[k] >= 0)
        k = (k + 1) & (nslots - 1);
    slots[k] = t;
}

/* Keeps the table at most half full, so probes stay short. */
static int rehash(importer *im)
{
    size_t need = im->g->ntensors * 2 + 2;
    if (im->nslots >= need)
        return 0;
    size_t n = im->nslots ? im->nslots : 64;
    while (n < need)
        n *= 2;
    int *s = malloc(n * sizeof(int));
    if (!s)
        return -1;
    memset(s, 0xff, n * sizeof(int));
    for (size_t t = 0; t < im->g->ntensors; t++)
        slot_insert(s, n, im->g, (int)t);
    free(im->slots);
    im->slots = s;
    im->nslots = n;
    return 0;
}

static int new_tensor(importer *im, const char *name)
{
    graph *g = im->g;
    if (g->ntensors >= INT32_MAX / 4 ||
        grow((void **)&g->tensors, &g->cap_tensors, g->ntensors + 1, sizeof(tensor)))
        return -1;
    tensor *x = &g->tensors[g->ntensors];
    memset(x, 0, sizeof *x);
    x->name = xstrdup(name);
    if (!x->name)
        return -1;
    x->type = DT_FLOAT;
    x->rank = -1;
    x->producer = -1;
    g->ntensors++;
    if (rehash(im))
        return -1;
    slot_insert(im->slots, im->nslots, g, (int)g->ntensors - 1);
    return (int)g->ntensors - 1;
}

/* The tensor called name, created when new; -1 (with e set) when out of
 * memory. */
static int intern(importer *im, const char *name)
{
    int t = find_tensor(im, name);
    if (t < 0 && (t = new_tensor(im, name)) < 0)
        err_set(im->e, NNP_NOMEM, "out of memory adding tensor '%s'", name);
    return t;
}

static int has_value(const tensor *x)
{
    return x->data || x->idata;
}

static int import_opsets(importer *im, const onnx_model_desc *m)
{
    int seen = 0;
    for (size_t k = 0; k < m->nopsets; k++) {
        const onnx_opset_desc *o = &m->opsets[k];
        if (o->domain && *o->domain && strcmp(o->domain, "ai.onnx") != 0)
            continue;
        if (seen++)
            return err_set(im->e, NNP_INVALID, "opset_import lists the default domain twice");
        if (o->version < 1 || o->version > INT_MAX)
            return err_set(im->e, NNP_INVALID, "opset_import: invalid version %lld for the default domain",
                           (long long)o->version);
        im->g->opset = (int)o->version;
    }
    return NNP_OK;
}

static int import_initializers(importer *im, const onnx_model_desc *m)
{
    for (size_t k = 0; k < m->ninits; k++) {
        const onnx_tensor_desc *d = &m->inits[k];
        if (!d->name || !*d->name)
            return err_set(im->e, NNP_INVALID, "initializer #%zu has no name", k);
        int t = intern(im, d->name);
        if (t < 0)
            return NNP_NOMEM;
        tensor *x = &im->g->tensors[t];
        if (has_value(x))
            return err_set(im->e, NNP_INVALID, "initializer '%s' is given twice", d->name);
        int rc = onnx_tensor_load(d, im->model_dir, im->lim, x, im->e);
        if (rc)
            return rc;
    }
    return NNP_OK;
}

/* The declared shape of v: rank -1 when it has none. Unknown dims are -1. */
static int declared_shape(importer *im, const onnx_value_desc *v, const char *kind, declared *d)
{
    d->rank = -1;
    d->kind = kind;
    if (!v->has_shape)
        return NNP_OK;
    if (v->ndims > MAX_RANK)
        return err_set(im->e, NNP_UNSUPPORTED, "%s '%s' has rank %d; nnpipe supports rank up to %d",
                       kind, v->name, v->ndims, MAX_RANK);
    d->rank = v->ndims;
    for (int i = 0; i < v->ndims; i++) {
        const onnx_dim_desc *dd = &v->dims[i];
        if (dd->has_value && dd->value < 0)
            return err_set(im->e, NNP_INVALID, "%s '%s': dim %d is negative (%lld)", kind, v->name, i,
                           (long long)dd->value);
        d->dims[i] = dd->has_value ? dd->value : -1;
    }
    return NNP_OK;
}

/* A non-tensor type or a non-FLOAT element type, on a graph input/output. */
static int check_value_type(importer *im, const onnx_value_desc *v, const char *kind, int required)
{
    if (v->other_type)
        return err_set(im->e, NNP_UNSUPPORTED, "%s '%s' has a %s; nnpipe takes only tensors", kind,
                       v->name, v->other_type);
    if (!v->has_type)
        return required ? err_set(im->e, NNP_INVALID, "%s '%s' has no type", kind, v->name) : NNP_OK;
    if (v->elem_type != ONNX_FLOAT && (required || v->elem_type != ONNX_UNDEFINED))
        return err_set(im->e, NNP_UNSUPPORTED,
                       "%s '%s' has element type %s (%lld); nnpipe computes in FLOAT (INT64 "
                       "only in initializers)",
                       kind, v->name, onnx_dtype_name(v->elem_type), (long long)v->elem_type);
    return NNP_OK;
}

static int input_shape(importer *im, const onnx_value_desc *v, tensor *x)
{
    int rc = check_value_type(im, v, "graph input", 1);
    if (rc)
        return rc;
    if (!v->has_shape)
        return err_set(im->e, NNP_UNSUPPORTED, "graph input '%s' has no shape; nnpipe needs fixed shapes",
                       v->name);
    int64_t dims[MAX_RANK], numel;
    for (int i = 0; i < v->ndims && i < MAX_RANK; i++) {
        const onnx_dim_desc *d = &v->dims[i];
        if (!d->has_value && d->param)
            return err_set(im->e, NNP_UNSUPPORTED,
                           "graph input '%s': dim %d is symbolic ('%s'); nnpipe needs fixed shapes",
                           v->name, i, d->param);
        if (!d->has_value)
            return err_set(im->e, NNP_UNSUPPORTED,
                           "graph input '%s': dim %d has no value; nnpipe needs fixed shapes",
                           v->name, i);
        dims[i] = d->value;
    }
    char what[200];
    snprintf(what, sizeof what, "graph input '%s'", v->name);
    rc = onnx_dims_numel(dims, v->ndims, im->lim, what, &numel, im->e);
    if (rc)
        return rc;
    x->rank = v->ndims;
    memcpy(x->dims, dims, (size_t)v->ndims * sizeof(int64_t));
    return NNP_OK;
}

static int same_shape(const declared *d, const tensor *x)
{
    if (d->rank != x->rank)
        return 0;
    for (int i = 0; i < d->rank; i++)
        if (d->dims[i] >= 0 && d->dims[i] != x->dims[i])
            return 0;
    return 1;
}

static void fmt_declared(const declared *d, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < d->rank && at < len; i++)
        at += d->dims[i] >= 0 ? (size_t)snprintf(buf + at, len - at, i ? ", %lld" : "%lld",
                                                 (long long)d->dims[i])
                              : (size_t)snprintf(buf + at, len - at, i ? ", ?" : "?");
    if (at < len)
        snprintf(buf + at, len - at, "]");
}

/* An initializer named among the inputs is a constant; its declared shape,
 * if any, must be the initializer's. */
static int constant_input(importer *im, const onnx_value_desc *v, const tensor *x)
{
    declared d;
    int rc = declared_shape(im, v, "graph input", &d);
    if (rc)
        return rc;
    if (d.rank >= 0 && !same_shape(&d, x)) {
        char a[200], b[200];
        fmt_declared(&d, a, sizeof a);
        fmt_dims(x->dims, x->rank, b, sizeof b);
        return err_set(im->e, NNP_INVALID,
                       "graph input '%s' is declared with shape %s, but its initializer has dims %s",
                       v->name, a, b);
    }
    int want = x->type == DT_FLOAT ? ONNX_FLOAT : ONNX_INT64;
    if (v->has_type && v->elem_type != want)
        return err_set(im->e, NNP_INVALID,
                       "graph input '%s' is declared as %s, but its initializer is %s", v->name,
                       onnx_dtype_name(v->elem_type), onnx_dtype_name(want));
    return NNP_OK;
}

static int import_inputs(importer *im, const onnx_model_desc *m)
{
    for (size_t k = 0; k < m->ninputs; k++) {
        const onnx_value_desc *v = &m->inputs[k];
        if (!v->name || !*v->name)
            return err_set(im->e, NNP_INVALID, "graph input #%zu has no name", k);
        int t = intern(im, v->name);
        if (t < 0)
            return NNP_NOMEM;
        tensor *x = &im->g->tensors[t];
        if (x->is_input)
            return err_set(im->e, NNP_INVALID, "graph input '%s' is listed twice", v->name);
        if (has_value(x)) {
            int rc = constant_input(im, v, x);
            if (rc)
                return rc;
            continue;
        }
        int rc = input_shape(im, v, x);
        if (rc)
            return rc;
        if (graph_add_input(im->g, t))
            return err_set(im->e, NNP_NOMEM, "out of memory");
    }
    return NNP_OK;
}

/* ---- nodes --------------------------------------------------------------- */

static void node_desc_label(const onnx_node_desc *nd, size_t pos, char *buf, size_t len)
{
    const char *op = nd->op_type ? nd->op_type : "?";
    if (nd->name && *nd->name)
        snprintf(buf, len, "'%s' (%s)", nd->name, op);
    else
        snprintf(buf, len, "#%zu (%s)", pos, op);
}

static int import_attr(importer *im, int n, const onnx_attr_desc *a, const char *lbl)
{
    graph *g = im->g;
    nnp_err *e = im->e;
    int64_t ty = a->type;
    size_t count = ty == ONNX_ATTR_FLOATS ? a->nfloats : a->nints;
    int wrong_list = (ty == ONNX_ATTR_FLOATS && a->nints) || (ty == ONNX_ATTR_INTS && a->nfloats);
    if (wrong_list)
        return err_set(e, NNP_INVALID, "node %s: attribute '%s' has type %s but holds %s", lbl,
                       a->name, onnx_attr_type_name(ty), a->nints ? "ints" : "floats");
    if (count > INT_MAX)
        return err_set(e, NNP_LIMIT, "node %s: attribute '%s' has too many values", lbl, a->name);
    int bad;
    switch (ty) {
    case ONNX_ATTR_FLOAT:
        bad = node_set_float(g, n, a->name, a->f);
        break;
    case ONNX_ATTR_INT:
        bad = node_set_int(g, n, a->name, a->i);
        break;
    case ONNX_ATTR_STRING:
        if (strlen(a->s ? a->s : "") != a->slen)
            return err_set(e, NNP_UNSUPPORTED, "node %s: attribute '%s' holds a NUL byte", lbl,
                           a->name);
        bad = node_set_string(g, n, a->name, a->s ? a->s : "");
        break;
    case ONNX_ATTR_FLOATS:
        bad = node_set_floats(g, n, a->name, a->floats, (int)count);
        break;
    case ONNX_ATTR_INTS:
        bad = node_set_ints(g, n, a->name, a->ints, (int)count);
        break;
    case ONNX_ATTR_UNDEFINED:
        return err_set(e, NNP_INVALID, "node %s: attribute '%s' has no type", lbl, a->name);
    default:
        return err_set(e, NNP_UNSUPPORTED,
                       "node %s: attribute '%s' has type %s (%lld), which nnpipe does not support",
                       lbl, a->name, onnx_attr_type_name(ty), (long long)ty);
    }
    return bad ? err_set(e, NNP_NOMEM, "out of memory") : NNP_OK;
}

static int check_attr_names(importer *im, const onnx_node_desc *nd, const char *lbl)
{
    if (nd->nattrs > MAX_ATTRS_PER_NODE)
        return err_set(im->e, NNP_LIMIT, "node %s has %d attributes; the limit is %d", lbl,
                       nd->nattrs, MAX_ATTRS_PER_NODE);
    for (int k = 0; k < nd->nattrs; k++) {
        const char *nm = nd->attrs[k].name;
        if (!nm || !*nm)
            return err_set(im->e, NNP_INVALID, "node %s: attribute #%d has no name", lbl, k);
        for (int j = 0; j < k; j++)
            if (strcmp(nd->attrs[j].name, nm) == 0)
                return err_set(im->e, NNP_INVALID, "node %s: attribute '%s' is given twice", lbl, nm);
    }
    return NNP_OK;
}

/* Constant: the value becomes the output tensor's data. */
static int constant_value(importer *im, const onnx_attr_desc *a, tensor *x, const char *lbl)
{
    static const struct {
        const char *name;
        int type;
    } forms[] = {
        {"value", ONNX_ATTR_TENSOR},     {"value_float", ONNX_ATTR_FLOAT},
        {"value_floats", ONNX_ATTR_FLOATS}, {"value_int", ONNX_ATTR_INT},
        {"value_ints", ONNX_ATTR_INTS},
    };
    int f = -1;
    for (int k = 0; k < COUNT(forms); k++)
        if (strcmp(a->name, forms[k].name) == 0)
            f = k;
    if (f < 0)
        return err_set(im->e, NNP_UNSUPPORTED, "node %s: Constant attribute '%s' is not supported",
                       lbl, a->name);
    if (a->type != forms[f].type)
        return err_set(im->e, NNP_INVALID, "node %s: attribute '%s' has type %s, expected %s", lbl,
                       a->name, onnx_attr_type_name(a->type), onnx_attr_type_name(forms[f].type));
    if (a->type == ONNX_ATTR_TENSOR) {
        if (!a->t)
            return err_set(im->e, NNP_INVALID, "node %s: attribute 'value' has no tensor", lbl);
        int rc = onnx_tensor_load(a->t, im->model_dir, im->lim, x, im->e);
        return rc ? err_prefix(im->e, "node %s", lbl), rc : NNP_OK;
    }
    onnx_tensor_desc t = {.name = x->name};
    int64_t n = a->type == ONNX_ATTR_FLOATS ? (int64_t)a->nfloats
                : a->type == ONNX_ATTR_INTS ? (int64_t)a->nints
                                            : 1;
    float fv = a->f;
    int64_t iv = a->i;
    int isf = a->type == ONNX_ATTR_FLOAT || a->type == ONNX_ATTR_FLOATS;
    t.data_type = isf ? ONNX_FLOAT : ONNX_INT64;
    t.dims = &n;
    t.ndims = a->type == ONNX_ATTR_FLOATS || a->type == ONNX_ATTR_INTS;
    t.floats = a->type == ONNX_ATTR_FLOAT ? &fv : a->floats;
    t.nfloats = isf ? (size_t)n : 0;
    t.int64s = a->type == ONNX_ATTR_INT ? &iv : a->ints;
    t.nint64s = isf ? 0 : (size_t)n;
    int rc = onnx_tensor_load(&t, NULL, im->lim, x, im->e);
    return rc ? err_prefix(im->e, "node %s", lbl), rc : NNP_OK;
}

static int import_constant(importer *im, const onnx_node_desc *nd, const char *lbl)
{
    if (nd->nin != 0 || nd->nout != 1 || !nd->out[0] || !*nd->out[0])
        return err_set(im->e, NNP_INVALID, "node %s must have no inputs and one named output", lbl);
    if (nd->nattrs != 1)
        return err_set(im->e, NNP_INVALID,
                       "node %s must have exactly one attribute (value, value_float, value_floats, "
                       "value_int or value_ints)",
                       lbl);
    int t = intern(im, nd->out[0]);
    if (t < 0)
        return NNP_NOMEM;
    tensor *x = &im->g->tensors[t];
    if (has_value(x) || x->is_input)
        return err_set(im->e, NNP_INVALID,
                       "node %s writes tensor '%s', which is already a graph input, initializer or "
                       "constant",
                       lbl, x->name);
    return constant_value(im, &nd->attrs[0], x, lbl);
}

/* Tensor indices for names; "" is an absent optional tensor (-1). */
static int intern_all(importer *im, const char *const *names, int n, int *idx, const char *lbl)
{
    for (int k = 0; k < n; k++) {
        if (!names[k])
            return err_set(im->e, NNP_INVALID, "node %s: tensor name #%d is missing", lbl, k);
        idx[k] = *names[k] ? intern(im, names[k]) : -1;
        if (*names[k] && idx[k] < 0)
            return NNP_NOMEM;
    }
    return NNP_OK;
}

static int import_node(importer *im, const onnx_node_desc *nd, size_t pos)
{
    char lbl[200];
    node_desc_label(nd, pos, lbl, sizeof lbl);
    if (!nd->op_type || !*nd->op_type)
        return err_set(im->e, NNP_INVALID, "node %s has no op_type", lbl);
    if (nd->domain && *nd->domain && strcmp(nd->domain, "ai.onnx") != 0)
        return err_set(im->e, NNP_UNSUPPORTED,
                       "node %s is in domain '%s'; nnpipe supports only the default ONNX domain",
                       lbl, nd->domain);
    int rc = check_attr_names(im, nd, lbl);
    if (rc)
        return rc;
    if (strcmp(nd->op_type, "Constant") == 0)
        return import_constant(im, nd, lbl);
    int op = op_from_name(nd->op_type);
    if (op < 0)
        return err_set(im->e, NNP_UNSUPPORTED, "node %s: op '%s' is not supported by nnpipe", lbl,
                       nd->op_type);
    int *in = xcalloc((size_t)nd->nin + 1, sizeof(int));
    int *out = xcalloc((size_t)nd->nout + 1, sizeof(int));
    int n = -1;
    rc = !in || !out ? err_set(im->e, NNP_NOMEM, "out of memory") : NNP_OK;
    if (!rc)
        rc = intern_all(im, nd->in, nd->nin, in, lbl);
    if (!rc)
        rc = intern_all(im, nd->out, nd->nout, out, lbl);
    if (!rc && (n = graph_add_node(im->g, (op_kind)op, nd->name, in, nd->nin, out, nd->nout)) < 0)
        rc = err_set(im->e, NNP_NOMEM, "out of memory");
    free(in);
    free(out);
    for (int k = 0; !rc && k < nd->nattrs; k++)
        rc = import_attr(im, n, &nd->attrs[k], lbl);
    return rc;
}

/* ---- outputs and declared shapes ----------------------------------------- */

static int add_declared(importer *im, int t, const onnx_value_desc *v, const char *kind)
{
    declared d;
    int rc = declared_shape(im, v, kind, &d);
    if (rc || d.rank < 0)
        return rc;
    if (grow((void **)&im->decl, &im->cap_decl, im->ndecl + 1, sizeof(declared)))
        return err_set(im->e, NNP_NOMEM, "out of memory");
    d.t = t;
    im->decl[im->ndecl++] = d;
    return NNP_OK;
}

static int import_outputs(importer *im, const onnx_model_desc *m)
{
    for (size_t k = 0; k < m->noutputs; k++) {
        const onnx_value_desc *v = &m->outputs[k];
        if (!v->name || !*v->name)
            return err_set(im->e, NNP_INVALID, "graph output #%zu has no name", k);
        int rc = check_value_type(im, v, "graph output", 0);
        if (rc)
            return rc;
        int t = intern(im, v->name);
        if (t < 0)
            return NNP_NOMEM;
        if (im->g->tensors[t].is_output)
            return err_set(im->e, NNP_INVALID, "graph output '%s' is listed twice", v->name);
        if (graph_add_output(im->g, t))
            return err_set(im->e, NNP_NOMEM, "out of memory");
        if ((rc = add_declared(im, t, v, "graph output")))
            return rc;
    }
    /* value_info about tensors the graph does not use says nothing. */
    for (size_t k = 0; k < m->nvalue_info; k++) {
        const onnx_value_desc *v = &m->value_info[k];
        int t = v->name && !v->other_type ? find_tensor(im, v->name) : -1;
        int rc = t >= 0 ? add_declared(im, t, v, "value_info") : NNP_OK;
        if (rc)
            return rc;
    }
    return NNP_OK;
}

static int check_declared(importer *im)
{
    for (size_t k = 0; k < im->ndecl; k++) {
        const declared *d = &im->decl[k];
        const tensor *x = &im->g->tensors[d->t];
        if (same_shape(d, x))
            continue;
        char a[200], b[200];
        fmt_declared(d, a, sizeof a);
        fmt_dims(x->dims, x->rank, b, sizeof b);
        return err_set(im->e, NNP_INVALID, "%s '%s' is declared with shape %s, but its shape is %s",
                       d->kind, x->name, a, b);
    }
    return NNP_OK;
}

static int import_graph(importer *im, const onnx_model_desc *m)
{
    if (!m->has_graph)
        return err_set(im->e, NNP_INVALID, "the model has no graph");
    if (m->nnodes > (uint64_t)im->lim->max_nodes)
        return err_set(im->e, NNP_LIMIT, "the graph has %zu nodes; the limit is %lld", m->nnodes,
                       (long long)im->lim->max_nodes);
    im->g->name = xstrdup(m->graph_name ? m->graph_name : "");
    /* Node storage exists even when every node is a folded Constant:
     * graph_sort copies nodes with memcpy, which must not get NULL. */
    if (!im->g->name || grow((void **)&im->g->nodes, &im->g->cap_nodes, 1, sizeof(node)))
        return err_set(im->e, NNP_NOMEM, "out of memory");
    int rc = import_opsets(im, m);
    if (!rc)
        rc = import_initializers(im, m);
    if (!rc)
        rc = import_inputs(im, m);
    for (size_t k = 0; !rc && k < m->nnodes; k++)
        rc = import_node(im, &m->nodes[k], k);
    if (!rc)
        rc = import_outputs(im, m);
    if (!rc)
        rc = graph_check(im->g, im->e);
    if (!rc)
        rc = check_declared(im);
    return rc;
}

int onnx_import(const onnx_model_desc *m, const char *fname, const char *model_dir,
                const onnx_limits *lim, graph **out, nnp_err *e)
{
    nnp_err local;
    importer im = {.lim = lim ? lim : &onnx_default_limits, .model_dir = model_dir,
                   .e = e ? e : &local};
    *out = NULL;
    im.g = graph_new();
    int rc = im.g ? import_graph(&im, m) : err_set(im.e, NNP_NOMEM, "out of memory");
    free(im.slots);
    free(im.decl);
    if (rc) {
        err_prefix(im.e, "%s", fname);
        graph_free(im.g);
        return rc;
    }
    *out = im.g;
    return NNP_OK;
}

int onnx_model_dir(const char *path, char **dir, nnp_err *e)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    *dir = malloc(n + 2);
    if (!*dir)
        return err_set(e, NNP_NOMEM, "out of memory");
    if (!slash)
        memcpy(*dir, ".", 2);
    else if (n == 0)
        memcpy(*dir, "/", 2);
    else {
        memcpy(*dir, path, n);
        (*dir)[n] = 0;
    }
    return NNP_OK;
}
