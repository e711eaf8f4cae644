/* Building and ordering the graph. Names are looked up linearly: models that
 * nnpipe targets have hundreds of tensors, and the frontends keep their own
 * hash of names while they build (see frontends/). */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

graph *graph_new(void)
{
    return xcalloc(1, sizeof(graph));
}

static void attr_free(attr *a)
{
    free(a->name);
    free(a->s);
    free(a->ints);
    free(a->floats);
}

void graph_free(graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->ntensors; i++) {
        free(g->tensors[i].name);
        free(g->tensors[i].data);
        free(g->tensors[i].idata);
    }
    for (size_t i = 0; i < g->nnodes; i++) {
        node *n = &g->nodes[i];
        free(n->name);
        free(n->in);
        free(n->out);
        for (int k = 0; k < n->nattrs; k++)
            attr_free(&n->attrs[k]);
        free(n->attrs);
    }
    free(g->tensors);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->name);
    free(g);
}

int graph_find_tensor(const graph *g, const char *name)
{
    for (size_t i = 0; i < g->ntensors; i++)
        if (strcmp(g->tensors[i].name, name) == 0)
            return (int)i;
    return -1;
}

int graph_new_tensor(graph *g, const char *name)
{
    if (g->ntensors >= INT32_MAX ||
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
    return (int)g->ntensors++;
}

int graph_intern_tensor(graph *g, const char *name)
{
    int t = graph_find_tensor(g, name);
    return t >= 0 ? t : graph_new_tensor(g, name);
}

static int *dup_ints(const int *v, int n)
{
    int *d = xcalloc(n > 0 ? (size_t)n : 1, sizeof(int));
    if (d && n > 0)
        memcpy(d, v, (size_t)n * sizeof(int));
    return d;
}

int graph_add_node(graph *g, op_kind op, const char *name, const int *in, int nin,
                   const int *out, int nout)
{
    if (g->nnodes >= INT32_MAX ||
        grow((void **)&g->nodes, &g->cap_nodes, g->nnodes + 1, sizeof(node)))
        return -1;
    node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->name = xstrdup(name ? name : "");
    n->in = dup_ints(in, nin);
    n->out = dup_ints(out, nout);
    if (!n->name || !n->in || !n->out) {
        free(n->name);
        free(n->in);
        free(n->out);
        return -1;
    }
    n->nin = nin;
    n->nout = nout;
    return (int)g->nnodes++;
}

/* Returns the attribute slot called name on node n, replacing an existing one
 * (ONNX forbids duplicates; the frontend reports them before calling us). */
static attr *attr_slot(graph *g, int n, const char *name)
{
    node *nd = &g->nodes[n];
    for (int k = 0; k < nd->nattrs; k++)
        if (strcmp(nd->attrs[k].name, name) == 0) {
            attr_free(&nd->attrs[k]);
            memset(&nd->attrs[k], 0, sizeof(attr));
            nd->attrs[k].name = xstrdup(name);
            return nd->attrs[k].name ? &nd->attrs[k] : NULL;
        }
    attr *a = realloc(nd->attrs, (size_t)(nd->nattrs + 1) * sizeof(attr));
    if (!a)
        return NULL;
    nd->attrs = a;
    a = &nd->attrs[nd->nattrs];
    memset(a, 0, sizeof *a);
    a->name = xstrdup(name);
    if (!a->name)
        return NULL;
    nd->nattrs++;
    return a;
}

int node_set_int(graph *g, int n, const char *name, int64_t v)
{
    attr *a = attr_slot(g, n, name);
    if (!a)
        return -1;
    a->kind = ATTR_INT;
    a->i = v;
    return 0;
}

int node_set_float(graph *g, int n, const char *name, float v)
{
    attr *a = attr_slot(g, n, name);
    if (!a)
        return -1;
    a->kind = ATTR_FLOAT;
    a->f = v;
    return 0;
}

int node_set_string(graph *g, int n, const char *name, const char *s)
{
    attr *a = attr_slot(g, n, name);
    if (!a)
        return -1;
    a->kind = ATTR_STRING;
    a->s = xstrdup(s);
    return a->s ? 0 : -1;
}

int node_set_ints(graph *g, int n, const char *name, const int64_t *v, int count)
{
    attr *a = attr_slot(g, n, name);
    if (!a)
        return -1;
    a->kind = ATTR_INTS;
    a->ints = xcalloc(count > 0 ? (size_t)count : 1, sizeof(int64_t));
    if (!a->ints)
        return -1;
    if (count > 0)
        memcpy(a->ints, v, (size_t)count * sizeof(int64_t));
    a->n = count;
    return 0;
}

int node_set_floats(graph *g, int n, const char *name, const float *v, int count)
{
    attr *a = attr_slot(g, n, name);
    if (!a)
        return -1;
    a->kind = ATTR_FLOATS;
    a->floats = xcalloc(count > 0 ? (size_t)count : 1, sizeof(float));
    if (!a->floats)
        return -1;
    if (count > 0)
        memcpy(a->floats, v, (size_t)count * sizeof(float));
    a->n = count;
    return 0;
}

static int push_index(int **arr, int *n, int t)
{
    int *a = realloc(*arr, (size_t)(*n + 1) * sizeof(int));
    if (!a)
        return -1;
    a[(*n)++] = t;
    *arr = a;
    return 0;
}

int graph_add_input(graph *g, int t)
{
    if (push_index(&g->inputs, &g->ninputs, t))
        return -1;
    g->tensors[t].is_input = 1;
    return 0;
}

int graph_add_output(graph *g, int t)
{
    if (push_index(&g->outputs, &g->noutputs, t))
        return -1;
    g->tensors[t].is_output = 1;
    return 0;
}

const attr *node_attr(const node *n, const char *name)
{
    for (int k = 0; k < n->nattrs; k++)
        if (strcmp(n->attrs[k].name, name) == 0)
            return &n->attrs[k];
    return NULL;
}

int64_t attr_int(const node *n, const char *name, int64_t def)
{
    const attr *a = node_attr(n, name);
    return a && a->kind == ATTR_INT ? a->i : def;
}

float attr_float(const node *n, const char *name, float def)
{
    const attr *a = node_attr(n, name);
    return a && a->kind == ATTR_FLOAT ? a->f : def;
}

const char *attr_string(const node *n, const char *name, const char *def)
{
    const attr *a = node_attr(n, name);
    return a && a->kind == ATTR_STRING ? a->s : def;
}

const int64_t *attr_ints(const node *n, const char *name, int *count)
{
    const attr *a = node_attr(n, name);
    if (!a || a->kind != ATTR_INTS) {
        *count = 0;
        return NULL;
    }
    *count = a->n;
    return a->ints;
}

int64_t tensor_numel(const tensor *t)
{
    int64_t p = 1;
    for (int i = 0; i < t->rank; i++)
        p *= t->dims[i];
    return p;
}

const char *node_label(const graph *g, int n, char *buf, size_t len)
{
    const node *nd = &g->nodes[n];
    if (nd->name[0])
        snprintf(buf, len, "'%s' (%s)", nd->name, op_table[nd->op].name);
    else
        snprintf(buf, len, "#%d (%s)", n, op_table[nd->op].name);
    return buf;
}

static int is_available(const tensor *t)
{
    return t->data || t->idata || t->is_input;
}

/* Kahn's algorithm over nodes; among ready nodes the earliest in model order
 * goes first so the order a user wrote is kept where it is already valid. */
int graph_sort(graph *g, nnp_err *e)
{
    size_t nn = g->nnodes, nt = g->ntensors;
    char lbl[160];
    for (size_t t = 0; t < nt; t++)
        g->tensors[t].producer = -1;
    for (size_t i = 0; i < nn; i++) {
        node *n = &g->nodes[i];
        for (int k = 0; k < n->nout; k++) {
            int t = n->out[k];
            if (t < 0)
                continue;
            tensor *x = &g->tensors[t];
            if (x->producer >= 0)
                return err_set(e, NNP_INVALID, "tensor '%s' is produced by both node %s and node %s",
                               x->name, node_label(g, x->producer, lbl, sizeof lbl),
                               node_label(g, (int)i, lbl + 80, 80));
            if (is_available(x))
                return err_set(e, NNP_INVALID,
                               "node %s writes tensor '%s', which is a graph input or initializer",
                               node_label(g, (int)i, lbl, sizeof lbl), x->name);
            x->producer = (int)i;
        }
    }
    for (size_t i = 0; i < nn; i++) {
        node *n = &g->nodes[i];
        for (int k = 0; k < n->nin; k++) {
            int t = n->in[k];
            if (t >= 0 && g->tensors[t].producer < 0 && !is_available(&g->tensors[t]))
                return err_set(e, NNP_INVALID,
                               "node %s reads tensor '%s', which no node produces and is neither a "
                               "graph input nor an initializer",
                               node_label(g, (int)i, lbl, sizeof lbl), g->tensors[t].name);
        }
    }
    for (int k = 0; k < g->noutputs; k++) {
        tensor *x = &g->tensors[g->outputs[k]];
        if (x->producer < 0 && !is_available(x))
            return err_set(e, NNP_INVALID, "graph output '%s' is never produced", x->name);
    }

    int *indeg = xcalloc(nn ? nn : 1, sizeof(int));
    int *order = xcalloc(nn ? nn : 1, sizeof(int));
    char *done = xcalloc(nn ? nn : 1, 1);
    node *sorted = xcalloc(nn ? nn : 1, sizeof(node));
    if (!indeg || !order || !done || !sorted) {
        free(indeg), free(order), free(done), free(sorted);
        return err_set(e, NNP_NOMEM, "out of memory sorting the graph");
    }
    /* Users per tensor as a CSR adjacency, so the sort is linear. */
    int *ustart = xcalloc(nt + 1, sizeof(int));
    size_t nedges = 0;
    for (size_t i = 0; i < nn; i++)
        nedges += (size_t)g->nodes[i].nin;
    int *users = xcalloc(nedges ? nedges : 1, sizeof(int));
    int *fill = xcalloc(nt + 1, sizeof(int));
    int rc = NNP_OK;
    if (!ustart || !users || !fill) {
        rc = err_set(e, NNP_NOMEM, "out of memory sorting the graph");
        goto out;
    }
    for (size_t i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].nin; k++) {
            int t = g->nodes[i].in[k];
            if (t >= 0 && g->tensors[t].producer >= 0) {
                ustart[t + 1]++;
                indeg[i]++;
            }
        }
    for (size_t t = 0; t < nt; t++)
        ustart[t + 1] += ustart[t];
    for (size_t i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].nin; k++) {
            int t = g->nodes[i].in[k];
            if (t >= 0 && g->tensors[t].producer >= 0)
                users[ustart[t] + fill[t]++] = (int)i;
        }
    /* A min-heap would keep this O(n log n); a scan cursor over model order
     * plus a ready flag is simpler and linear in practice for DAGs written
     * mostly in order. */
    size_t count = 0;
    size_t cursor = 0;
    while (count < nn) {
        size_t pick = nn;
        for (size_t i = cursor; i < nn; i++)
            if (!done[i] && indeg[i] == 0) {
                pick = i;
                break;
            }
        if (pick == nn) {
            for (size_t i = 0; i < nn; i++)
                if (!done[i]) {
                    rc = err_set(e, NNP_INVALID, "the graph has a cycle through node %s",
                                 node_label(g, (int)i, lbl, sizeof lbl));
                    goto out;
                }
        }
        done[pick] = 1;
        order[count++] = (int)pick;
        size_t newcursor = pick + 1;
        for (int k = 0; k < g->nodes[pick].nout; k++) {
            int t = g->nodes[pick].out[k];
            if (t < 0)
                continue;
            for (int u = ustart[t]; u < ustart[t + 1]; u++)
                if (--indeg[users[u]] == 0 && (size_t)users[u] < newcursor)
                    newcursor = (size_t)users[u];
        }
        /* Nodes before the cursor that became ready are revisited. */
        cursor = newcursor < cursor ? newcursor : cursor;
        while (cursor < nn && done[cursor])
            cursor++;
    }
    for (size_t i = 0; i < nn; i++)
        sorted[i] = g->nodes[order[i]];
    /* A graph without nodes may have no node array at all. */
    if (nn)
        memcpy(g->nodes, sorted, nn * sizeof(node));
    for (size_t i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].nout; k++)
            if (g->nodes[i].out[k] >= 0)
                g->tensors[g->nodes[i].out[k]].producer = (int)i;
out:
    free(indeg), free(order), free(done), free(sorted), free(ustart), free(users), free(fill);
    return rc;
}

int graph_check(graph *g, nnp_err *e)
{
    int rc = graph_sort(g, e);
    if (rc)
        return rc;
    for (int k = 0; k < g->ninputs; k++) {
        tensor *x = &g->tensors[g->inputs[k]];
        if (x->rank < 0)
            return err_set(e, NNP_INVALID, "graph input '%s' has no shape", x->name);
    }
    char lbl[160];
    for (size_t i = 0; i < g->nnodes; i++) {
        node *n = &g->nodes[i];
        const op_desc *d = &op_table[n->op];
        if (n->nin < d->min_in || n->nin > d->max_in)
            return err_set(e, NNP_INVALID, "node %s has %d inputs; %s takes %d to %d",
                           node_label(g, (int)i, lbl, sizeof lbl), n->nin, d->name, d->min_in,
                           d->max_in);
        if (n->nout < d->min_out || n->nout > d->max_out)
            return err_set(e, NNP_INVALID, "node %s has %d outputs; %s gives %d to %d",
                           node_label(g, (int)i, lbl, sizeof lbl), n->nout, d->name, d->min_out,
                           d->max_out);
        for (int k = 0; k < d->min_in; k++)
            if (n->in[k] < 0)
                return err_set(e, NNP_INVALID, "node %s: required input %d is missing",
                               node_label(g, (int)i, lbl, sizeof lbl), k);
        rc = d->infer(g, (int)i, e);
        if (rc)
            return rc;
    }
    return NNP_OK;
}
