/* Building a model call by call, without any ONNX file: the graph grows
 * exactly as a frontend would grow it (graph_intern_tensor, graph_add_node,
 * node_set_*), and nnp_model_check runs the same graph_check, so a built
 * model and a loaded one are indistinguishable afterwards.
 *
 * Checks here are the ones only the builder can make, at the call that
 * breaks them: a name defined twice, a malformed shape, an unknown op.
 * Arity, attributes and shapes are left to graph_check, which knows each
 * op's rules. A failed add leaves the tensor list as it was: names interned
 * by the failing call are dropped again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "onnx_import.h"
#include "ops.h"

/* Builder calls need a usable, not yet checked model. */
static int building(nnp_model *m, const char *fn)
{
    int rc = api_usable(m, m ? m->broken : 1);
    if (rc)
        return rc;
    if (m->checked)
        return err_set(&m->err, NNP_MISUSE, "%s: model '%s' is checked and can no longer change",
                       fn, m->label);
    return NNP_OK;
}

static int need_name(nnp_model *m, const char *fn, const char *what, const char *name)
{
    if (!name)
        return err_set(&m->err, NNP_MISUSE, "%s: %s is NULL", fn, what);
    if (!*name)
        return err_set(&m->err, NNP_INVALID, "%s: model '%s': %s is empty", fn, m->label, what);
    return NNP_OK;
}

/* How tensor t is already defined, or NULL when it is only referred to. */
static const char *definition(const graph *g, int t, char *buf, size_t len)
{
    const tensor *x = &g->tensors[t];
    if (x->is_input)
        return "a graph input";
    if (x->data || x->idata)
        return "a constant";
    for (size_t n = 0; n < g->nnodes; n++)
        for (int k = 0; k < g->nodes[n].nout; k++)
            if (g->nodes[n].out[k] == t) {
                char lbl[128];
                snprintf(buf, len, "the output of node %s", node_label(g, (int)n, lbl, sizeof lbl));
                return buf;
            }
    return NULL;
}

static int undefined(nnp_model *m, const char *fn, const char *name)
{
    char buf[200];
    int t = graph_find_tensor(m->g, name);
    const char *d = t >= 0 ? definition(m->g, t, buf, sizeof buf) : NULL;
    if (d)
        return err_set(&m->err, NNP_INVALID, "%s: model '%s': tensor '%s' is already %s", fn,
                       m->label, name, d);
    return NNP_OK;
}

/* Drops the tensors interned since the graph had n, undoing a failed add. */
static void drop_tensors(graph *g, size_t n)
{
    while (g->ntensors > n)
        free(g->tensors[--g->ntensors].name);
}

/* Validates a shape with the frontends' rules and limits. */
static int shape(nnp_model *m, const char *fn, const char *name, int rank, const int64_t *dims,
                 int64_t *numel)
{
    if (rank < 0)
        return err_set(&m->err, NNP_INVALID, "%s: model '%s': tensor '%s': rank %d is negative",
                       fn, m->label, name, rank);
    if (rank > 0 && !dims)
        return err_set(&m->err, NNP_MISUSE, "%s: tensor '%s': dims is NULL for rank %d", fn, name,
                       rank);
    char what[200];
    snprintf(what, sizeof what, "%s: model '%s': tensor '%s'", fn, m->label, name);
    return onnx_dims_numel(dims, rank, &onnx_default_limits, what, numel, &m->err);
}

typedef struct tensor_def {
    const char *fn, *name;
    int rank;
    const int64_t *dims;
    dtype type;
    const void *data; /* constants */
    int is_input;
} tensor_def;

static int add_tensor(nnp_model *m, const tensor_def *d)
{
    int64_t numel;
    int rc = building(m, d->fn);
    if (rc || (rc = need_name(m, d->fn, "tensor name", d->name)) ||
        (rc = shape(m, d->fn, d->name, d->rank, d->dims, &numel)) ||
        (rc = undefined(m, d->fn, d->name)))
        return rc;
    size_t esize = d->type == DT_INT64 ? sizeof(int64_t) : sizeof(float);
    void *copy = NULL;
    if (!d->is_input) {
        if (!d->data && numel > 0)
            return err_set(&m->err, NNP_MISUSE, "%s: constant '%s': data is NULL", d->fn,
                           d->name);
        if (!(copy = xcalloc(numel > 0 ? (size_t)numel : 1, esize)))
            return err_set(&m->err, NNP_NOMEM, "out of memory for constant '%s'", d->name);
        if (numel > 0)
            memcpy(copy, d->data, (size_t)numel * esize);
    }
    graph *g = m->g;
    size_t before = g->ntensors;
    int t = graph_intern_tensor(g, d->name);
    if (t < 0 || (d->is_input && graph_add_input(g, t))) {
        free(copy);
        drop_tensors(g, before);
        return err_set(&m->err, NNP_NOMEM, "out of memory adding tensor '%s'", d->name);
    }
    tensor *x = &g->tensors[t];
    x->type = d->type;
    x->rank = d->rank;
    if (d->rank > 0)
        memcpy(x->dims, d->dims, (size_t)d->rank * sizeof(int64_t));
    if (d->type == DT_INT64)
        x->idata = copy;
    else
        x->data = copy;
    return NNP_OK;
}

int nnp_model_add_input(nnp_model *m, const char *name, int rank, const int64_t *dims)
{
    return add_tensor(m, &(tensor_def){"nnp_model_add_input", name, rank, dims, DT_FLOAT, NULL, 1});
}

int nnp_model_add_constant(nnp_model *m, const char *name, int rank, const int64_t *dims,
                           const float *data)
{
    return add_tensor(m,
                      &(tensor_def){"nnp_model_add_constant", name, rank, dims, DT_FLOAT, data, 0});
}

int nnp_model_add_constant_int64(nnp_model *m, const char *name, int rank, const int64_t *dims,
                                 const int64_t *data)
{
    return add_tensor(
        m, &(tensor_def){"nnp_model_add_constant_int64", name, rank, dims, DT_INT64, data, 0});
}

/* ---- Nodes ---- */

static int check_outputs(nnp_model *m, const char *lbl, const char *const *outputs, int n)
{
    static const char fn[] = "nnp_model_add_node";
    for (int k = 0; k < n; k++) {
        if (!outputs[k] || !*outputs[k])
            return err_set(&m->err, NNP_INVALID, "%s: model '%s': node %s: output %d has no name",
                           fn, m->label, lbl, k);
        int rc = undefined(m, fn, outputs[k]);
        if (rc)
            return rc;
        for (int j = 0; j < k; j++)
            if (!strcmp(outputs[j], outputs[k]))
                return err_set(&m->err, NNP_INVALID,
                               "%s: model '%s': node %s writes tensor '%s' twice", fn, m->label,
                               lbl, outputs[k]);
    }
    return NNP_OK;
}

static int check_node(nnp_model *m, const char *op_type, const char *name, const char *lbl,
                      const char *const *inputs, int nin, const char *const *outputs, int nout)
{
    static const char fn[] = "nnp_model_add_node";
    if (!op_type)
        return err_set(&m->err, NNP_MISUSE, "%s: op_type is NULL", fn);
    if (nin < 0 || nout < 0 || (nin && !inputs) || (nout && !outputs))
        return err_set(&m->err, NNP_MISUSE,
                       "%s: node %s: negative count or NULL array (%d inputs, %d outputs)", fn,
                       lbl, nin, nout);
    if (op_from_name(op_type) < 0)
        return err_set(&m->err, NNP_UNSUPPORTED,
                       "%s: model '%s': node %s: op '%s' is not supported by nnpipe", fn,
                       m->label, lbl, op_type);
    for (size_t n = 0; name && *name && n < m->g->nnodes; n++)
        if (!strcmp(m->g->nodes[n].name, name))
            return err_set(&m->err, NNP_INVALID, "%s: model '%s': a node named '%s' already exists",
                           fn, m->label, name);
    return check_outputs(m, lbl, outputs, nout);
}

/* Interns every name of the node into idx (inputs then outputs). */
static int intern_all(graph *g, const char *const *inputs, int nin, const char *const *outputs,
                      int nout, int *idx)
{
    for (int k = 0; k < nin + nout; k++) {
        const char *s = k < nin ? inputs[k] : outputs[k - nin];
        idx[k] = s && *s ? graph_intern_tensor(g, s) : -1;
        if (s && *s && idx[k] < 0)
            return -1;
    }
    return 0;
}

int nnp_model_add_node(nnp_model *m, const char *op_type, const char *name,
                       const char *const *inputs, int ninputs, const char *const *outputs,
                       int noutputs, int *node)
{
    int rc = building(m, "nnp_model_add_node");
    if (rc)
        return rc;
    char lbl[160];
    if (name && *name)
        snprintf(lbl, sizeof lbl, "'%s'", name);
    else
        snprintf(lbl, sizeof lbl, "#%zu (%s)", m->g->nnodes, op_type ? op_type : "?");
    if ((rc = check_node(m, op_type, name, lbl, inputs, ninputs, outputs, noutputs)))
        return rc;
    graph *g = m->g;
    size_t before = g->ntensors;
    int64_t count = (int64_t)ninputs + noutputs;
    int *idx = xcalloc(count > 0 ? (size_t)count : 1, sizeof(int));
    int n = -1;
    if (idx && !intern_all(g, inputs, ninputs, outputs, noutputs, idx))
        n = graph_add_node(g, (op_kind)op_from_name(op_type), name, idx, ninputs, idx + ninputs,
                           noutputs);
    free(idx);
    if (n < 0) {
        drop_tensors(g, before);
        return err_set(&m->err, NNP_NOMEM, "out of memory adding node %s", lbl);
    }
    if (node)
        *node = n;
    return NNP_OK;
}

/* ---- Attributes ---- */

/* The checks every setter shares; values is the array or string (NULL
 * allowed only when count is 0), or "" for scalars. */
static int attr_ok(nnp_model *m, const char *fn, int node, const char *name, const void *values,
                   int count)
{
    int rc = building(m, fn);
    if (rc || (rc = need_name(m, fn, "attribute name", name)))
        return rc;
    if (node < 0 || (size_t)node >= m->g->nnodes)
        return err_set(&m->err, NNP_MISUSE, "%s: node index %d out of range: model '%s' has %zu",
                       fn, node, m->label, m->g->nnodes);
    if (count < 0 || (count > 0 && !values))
        return err_set(&m->err, NNP_MISUSE, "%s: attribute '%s': NULL value or negative count",
                       fn, name);
    return NNP_OK;
}

/* node_set_* fails only when memory runs out. */
static int attr_set(nnp_model *m, int rc, const char *name)
{
    return rc ? err_set(&m->err, NNP_NOMEM, "out of memory setting attribute '%s'", name) : NNP_OK;
}

int nnp_model_set_attr_int(nnp_model *m, int node, const char *name, int64_t value)
{
    int rc = attr_ok(m, "nnp_model_set_attr_int", node, name, "", 1);
    return rc ? rc : attr_set(m, node_set_int(m->g, node, name, value), name);
}

int nnp_model_set_attr_float(nnp_model *m, int node, const char *name, float value)
{
    int rc = attr_ok(m, "nnp_model_set_attr_float", node, name, "", 1);
    return rc ? rc : attr_set(m, node_set_float(m->g, node, name, value), name);
}

int nnp_model_set_attr_string(nnp_model *m, int node, const char *name, const char *value)
{
    int rc = attr_ok(m, "nnp_model_set_attr_string", node, name, value, 1);
    return rc ? rc : attr_set(m, node_set_string(m->g, node, name, value), name);
}

int nnp_model_set_attr_ints(nnp_model *m, int node, const char *name, const int64_t *values,
                            int count)
{
    int rc = attr_ok(m, "nnp_model_set_attr_ints", node, name, values, count);
    return rc ? rc : attr_set(m, node_set_ints(m->g, node, name, values, count), name);
}

int nnp_model_set_attr_floats(nnp_model *m, int node, const char *name, const float *values,
                              int count)
{
    int rc = attr_ok(m, "nnp_model_set_attr_floats", node, name, values, count);
    return rc ? rc : attr_set(m, node_set_floats(m->g, node, name, values, count), name);
}

/* ---- Outputs and checking ---- */

int nnp_model_add_output(nnp_model *m, const char *name)
{
    static const char fn[] = "nnp_model_add_output";
    int rc = building(m, fn);
    if (rc || (rc = need_name(m, fn, "output name", name)))
        return rc;
    graph *g = m->g;
    int t = graph_find_tensor(g, name);
    if (t >= 0 && g->tensors[t].is_output)
        return err_set(&m->err, NNP_INVALID, "%s: model '%s': tensor '%s' is already an output",
                       fn, m->label, name);
    size_t before = g->ntensors;
    if ((t = graph_intern_tensor(g, name)) < 0 || graph_add_output(g, t)) {
        drop_tensors(g, before);
        return err_set(&m->err, NNP_NOMEM, "out of memory adding output '%s'", name);
    }
    return NNP_OK;
}

int nnp_model_check(nnp_model *m)
{
    int rc = api_usable(m, m ? m->broken : 1);
    if (rc || m->checked)
        return rc;
    if (m->g->noutputs == 0)
        return err_set(&m->err, NNP_INVALID, "model '%s' has no graph output", m->label);
    if ((rc = graph_check(m->g, &m->err)))
        return err_prefix(&m->err, "model '%s'", m->label);
    m->checked = 1;
    return NNP_OK;
}

int nnp_model_is_checked(const nnp_model *m)
{
    return m && !m->broken && m->checked;
}
