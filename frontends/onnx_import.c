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
#include "onnx_import.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *onnx_attr_type_name(int64_t t)
{
    return t >= 0 && t < COUNT(attr_type_names) ? attr_type_names[t] : "?";
}

int onnx_attr_type_from_name(const char *name)
{
    return index_of(attr_type_names, COUNT(attr_type_names), name);
}

void onnx_place(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
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

/* Makes room for count tensors keeping the table at most half full, so
 * probes stay short; a rebuild inserts the tensors already there. */
static int rehash(importer *im, size_t count)
{
    size_t need = count * 2 + 2;
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
    if (g->ntensors >= INT32_MAX / 4 || rehash(im, g->ntensors + 1))
        return -1;
    int t = graph_new_tensor(g, name);
    if (t < 0)
        return -1;
    slot_insert(im->slots, im->nslots, g, t);
    return t;
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
        onnx_format_dims(x->dims, x->rank, b, sizeof b);
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
        onnx_format_dims(x->dims, x->rank, b, sizeof b);
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
