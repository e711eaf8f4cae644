/* nnp_model: opening, closing, queries and the interpreter, over the
 * internal graph. Building a model call by call is model_build.c.
 *
 * Queries hand out pointers into the graph (names, index arrays, constant
 * data) rather than copies: they stay valid while the model does not
 * change, which for a checked (frozen) model is until it is closed. */
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "interp.h"
#include "model_load.h"
#include "ops.h"

static nnp_model *model_alloc(void)
{
    nnp_model *m = api_handle_new(sizeof *m);
    if (m)
        atomic_init(&m->refs, 1);
    return m;
}

/* Marks m unusable with the status rc (its message already in m->err). */
static int broken(nnp_model *m, int rc)
{
    m->broken = 1;
    return rc;
}

/* Opens from the file at path (from_file) or from len bytes at data,
 * within lim (NULL: the defaults). */
static int open_common(int from_file, const char *path, const void *data, size_t len,
                       const char *name, const nnp_model_limits *lim, nnp_model **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_model *m = *out = model_alloc();
    if (!m)
        return NNP_NOMEM;
    if (from_file && !path)
        return broken(m, err_set(&m->err, NNP_MISUSE, "nnp_model_open: path is NULL"));
    if (!from_file && !data && len)
        return broken(m, err_set(&m->err, NNP_MISUSE,
                                 "nnp_model_open_buffer: data is NULL but len is %zu", len));
    const char *label = from_file ? path : name ? name : "<memory>";
    m->label = xstrdup(label);
    if (!m->label)
        return broken(m, err_set(&m->err, NNP_NOMEM, "%s: out of memory", label));
    onnx_limits ol = onnx_default_limits;
    if (lim) {
        ol.max_file_bytes = lim->max_file_bytes;
        ol.max_nodes = lim->max_nodes;
        ol.max_tensor_elems = lim->max_tensor_elems;
    }
    int rc = from_file ? model_load_ex(path, &ol, &m->g, &m->err)
                       : model_load_buffer_ex(data ? data : "", len, label, &ol, &m->g, &m->err);
    if (rc)
        return broken(m, rc);
    m->checked = 1;
    return NNP_OK;
}

int nnp_model_open(const char *path, nnp_model **out)
{
    return open_common(1, path, NULL, 0, NULL, NULL, out);
}

int nnp_model_open_buffer(const void *data, size_t len, const char *name, nnp_model **out)
{
    return open_common(0, NULL, data, len, name, NULL, out);
}

void nnp_model_limits_default(nnp_model_limits *out)
{
    if (out)
        *out = (nnp_model_limits){onnx_default_limits.max_file_bytes,
                                  onnx_default_limits.max_nodes,
                                  onnx_default_limits.max_tensor_elems};
}

int nnp_model_open_limited(const char *path, const nnp_model_limits *lim, nnp_model **out)
{
    return open_common(1, path, NULL, 0, NULL, lim, out);
}

int nnp_model_open_buffer_limited(const void *data, size_t len, const char *name,
                                  const nnp_model_limits *lim, nnp_model **out)
{
    return open_common(0, NULL, data, len, name, lim, out);
}

int nnp_model_new(const char *name, int opset, nnp_model **out)
{
    if (!out)
        return NNP_MISUSE;
    nnp_model *m = *out = model_alloc();
    if (!m)
        return NNP_NOMEM;
    const char *label = name && *name ? name : "model";
    m->label = xstrdup(label);
    m->g = graph_new();
    if (!m->label || !m->g || !(m->g->name = xstrdup(label)))
        return broken(m, err_set(&m->err, NNP_NOMEM, "out of memory creating model '%s'", label));
    if (opset < 0)
        return broken(m, err_set(&m->err, NNP_INVALID,
                                 "model '%s': opset %d is negative (0 means the newest, 13)",
                                 label, opset));
    m->g->opset = opset;
    return NNP_OK;
}

void nnp_model_close(nnp_model *m)
{
    api_model_release(m);
}

const char *nnp_model_errmsg(const nnp_model *m)
{
    return m ? api_errmsg(&m->err, 0) : api_errmsg(NULL, 1);
}

int nnp_model_errcode(const nnp_model *m)
{
    return m ? m->err.code : NNP_NOMEM;
}

/* ---- Queries ---- */

static int usable(nnp_model *m, const void *out)
{
    int rc = api_usable(m, m ? m->broken : 1);
    if (rc || out)
        return rc;
    return err_set(&m->err, NNP_MISUSE, "output pointer is NULL");
}

static int in_range(nnp_model *m, const char *what, int64_t k, int64_t n)
{
    if (k >= 0 && k < n)
        return NNP_OK;
    return err_set(&m->err, NNP_MISUSE, "%s index %lld out of range: model '%s' has %lld", what,
                   (long long)k, m->label, (long long)n);
}

int nnp_model_describe(nnp_model *m, nnp_model_desc *out)
{
    int rc = usable(m, out);
    if (rc)
        return rc;
    const graph *g = m->g;
    *out = (nnp_model_desc){g->name ? g->name : "", g->opset, m->checked, (int)g->nnodes,
                            (int)g->ntensors, g->ninputs, g->noutputs};
    return NNP_OK;
}

int nnp_model_node_count(const nnp_model *m)
{
    return m && !m->broken ? (int)m->g->nnodes : 0;
}

int nnp_model_tensor_count(const nnp_model *m)
{
    return m && !m->broken ? (int)m->g->ntensors : 0;
}

int nnp_model_input_count(const nnp_model *m)
{
    return m && !m->broken ? m->g->ninputs : 0;
}

int nnp_model_output_count(const nnp_model *m)
{
    return m && !m->broken ? m->g->noutputs : 0;
}

int nnp_model_input(nnp_model *m, int k, int *tensor)
{
    int rc = usable(m, tensor);
    if (!rc && !(rc = in_range(m, "graph input", k, m->g->ninputs)))
        *tensor = m->g->inputs[k];
    return rc;
}

int nnp_model_output(nnp_model *m, int k, int *tensor)
{
    int rc = usable(m, tensor);
    if (!rc && !(rc = in_range(m, "graph output", k, m->g->noutputs)))
        *tensor = m->g->outputs[k];
    return rc;
}

int nnp_model_find_tensor(nnp_model *m, const char *name, int *tensor)
{
    int rc = usable(m, tensor);
    if (rc)
        return rc;
    if (!name)
        return err_set(&m->err, NNP_MISUSE, "nnp_model_find_tensor: name is NULL");
    int t = graph_find_tensor(m->g, name);
    if (t < 0)
        return err_set(&m->err, NNP_INVALID, "model '%s' has no tensor named '%s'", m->label,
                       name);
    *tensor = t;
    return NNP_OK;
}

int nnp_model_find_node(nnp_model *m, const char *name, int *node)
{
    int rc = usable(m, node);
    if (rc)
        return rc;
    if (!name)
        return err_set(&m->err, NNP_MISUSE, "nnp_model_find_node: name is NULL");
    for (size_t n = 0; *name && n < m->g->nnodes; n++)
        if (!strcmp(m->g->nodes[n].name, name)) {
            *node = (int)n;
            return NNP_OK;
        }
    return err_set(&m->err, NNP_INVALID, "model '%s' has no node named '%s'", m->label, name);
}

int nnp_model_tensor(nnp_model *m, int t, nnp_tensor_desc *out)
{
    int rc = usable(m, out);
    if (rc || (rc = in_range(m, "tensor", t, (int64_t)m->g->ntensors)))
        return rc;
    const tensor *x = &m->g->tensors[t];
    memset(out, 0, sizeof *out);
    out->name = x->name;
    out->dtype = x->type == DT_INT64 ? NNP_INT64 : NNP_FLOAT32;
    out->rank = x->rank;
    if (x->rank > 0)
        memcpy(out->dims, x->dims, (size_t)x->rank * sizeof(int64_t));
    out->numel = x->rank >= 0 ? tensor_numel(x) : -1;
    out->is_input = x->is_input;
    out->is_output = x->is_output;
    out->is_constant = x->data || x->idata;
    out->producer = m->checked ? x->producer : -1;
    out->data = x->data;
    out->data_int64 = x->idata;
    return NNP_OK;
}

int nnp_model_node(nnp_model *m, int n, nnp_node_desc *out)
{
    int rc = usable(m, out);
    if (rc || (rc = in_range(m, "node", n, (int64_t)m->g->nnodes)))
        return rc;
    const node *x = &m->g->nodes[n];
    *out = (nnp_node_desc){x->name, op_table[x->op].name, x->nin, x->nout, x->in, x->out,
                           x->nattrs, m->checked ? op_table[x->op].macs(m->g, x) : 0};
    return NNP_OK;
}

/* Public attribute kinds, indexed by the internal ones. */
static const nnp_attr_kind attr_kinds[] = {
    [ATTR_FLOAT] = NNP_ATTR_FLOAT, [ATTR_INT] = NNP_ATTR_INT,   [ATTR_STRING] = NNP_ATTR_STRING,
    [ATTR_FLOATS] = NNP_ATTR_FLOATS, [ATTR_INTS] = NNP_ATTR_INTS,
};

int nnp_model_node_attr(nnp_model *m, int n, int k, nnp_attr_desc *out)
{
    int rc = usable(m, out);
    if (rc || (rc = in_range(m, "node", n, (int64_t)m->g->nnodes)) ||
        (rc = in_range(m, "attribute", k, m->g->nodes[n].nattrs)))
        return rc;
    const attr *a = &m->g->nodes[n].attrs[k];
    *out = (nnp_attr_desc){a->name, attr_kinds[a->kind], a->i, a->f, a->s, NULL, NULL, 0};
    if (a->kind == ATTR_INTS)
        out->ints = a->ints, out->count = a->n;
    if (a->kind == ATTR_FLOATS)
        out->floats = a->floats, out->count = a->n;
    return NNP_OK;
}

static int need_checked(nnp_model *m, const char *fn)
{
    if (m->checked)
        return NNP_OK;
    return err_set(&m->err, NNP_MISUSE, "%s: model '%s' is not checked; call nnp_model_check first",
                   fn, m->label);
}

int nnp_model_macs(nnp_model *m, int64_t *macs)
{
    int rc = usable(m, macs);
    if (rc || (rc = need_checked(m, "nnp_model_macs")))
        return rc;
    int64_t sum = 0;
    for (size_t n = 0; n < m->g->nnodes; n++)
        if (size_add(sum, op_table[m->g->nodes[n].op].macs(m->g, &m->g->nodes[n]), &sum))
            return err_set(&m->err, NNP_LIMIT, "model '%s': MAC count overflows", m->label);
    *macs = sum;
    return NNP_OK;
}

/* Each caller buffer must exist and hold exactly its tensor's elements:
 * a mismatch here is the caller's bug, caught before any memory is read. */
static int check_buffers(nnp_model *m, const char *what, const int *tensors, int n,
                         const void *const *bufs, const size_t *counts)
{
    if (n > 0 && (!bufs || !counts))
        return err_set(&m->err, NNP_MISUSE, "nnp_model_run: the %s arrays are NULL", what);
    for (int k = 0; k < n; k++) {
        const tensor *x = &m->g->tensors[tensors[k]];
        int64_t numel = tensor_numel(x);
        if (!bufs[k])
            return err_set(&m->err, NNP_MISUSE, "nnp_model_run: %s %d ('%s') buffer is NULL",
                           what, k, x->name);
        if ((uint64_t)numel != (uint64_t)counts[k])
            return err_set(&m->err, NNP_MISUSE,
                           "nnp_model_run: %s %d ('%s') has %lld elements, but its buffer "
                           "holds %zu",
                           what, k, x->name, (long long)numel, counts[k]);
    }
    return NNP_OK;
}

int nnp_model_run(nnp_model *m, const float *const *inputs, const size_t *input_counts,
                  float *const *outputs, const size_t *output_counts)
{
    int rc = api_usable(m, m ? m->broken : 1);
    if (rc || (rc = need_checked(m, "nnp_model_run")))
        return rc;
    const graph *g = m->g;
    rc = check_buffers(m, "input", g->inputs, g->ninputs, (const void *const *)inputs,
                       input_counts);
    if (!rc)
        rc = check_buffers(m, "output", g->outputs, g->noutputs,
                           (const void *const *)outputs, output_counts);
    if (!rc && (rc = interp_run(g, inputs, outputs, &m->err)))
        err_prefix(&m->err, "%s", m->label);
    return rc;
}
