/* The reference interpreter: runs a checked graph node by node in its
 * (topological) order, with every op's run function from the table.
 *
 * vals[t] holds the float data of tensor t while it is live: constants
 * point at the graph's own data, graph inputs at copies of the caller's
 * buffers, and each node output is allocated just before its producer runs
 * and freed right after its last reader, so peak memory follows the live
 * tensors rather than the whole graph. Graph outputs stay alive to the end
 * and are copied out then (an output may also be a constant or an input).
 * int64 constants (Reshape's shape) have no float data; the ops that take
 * them read tensor->idata directly. */
#include "interp.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"

typedef struct run_state {
    const graph *g;
    float **vals;
    char *owned;     /* vals[t] was allocated here */
    size_t *last;    /* index of the last node reading t, or nnodes for outputs */
} run_state;

static int alloc_tensor(run_state *s, int t, nnp_err *e)
{
    const tensor *x = &s->g->tensors[t];
    int64_t n = tensor_numel(x);
    s->vals[t] = xcalloc(n > 0 ? (size_t)n : 1, sizeof(float));
    if (!s->vals[t])
        return err_set(e, NNP_NOMEM, "out of memory for tensor '%s' (%lld elements)", x->name,
                       (long long)n);
    s->owned[t] = 1;
    return NNP_OK;
}

static void release(run_state *s, int t)
{
    if (s->owned[t]) {
        free(s->vals[t]);
        s->vals[t] = NULL;
        s->owned[t] = 0;
    }
}

static void find_last_readers(run_state *s)
{
    const graph *g = s->g;
    for (size_t i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].nin; k++)
            if (g->nodes[i].in[k] >= 0)
                s->last[g->nodes[i].in[k]] = i;
    for (int k = 0; k < g->noutputs; k++)
        s->last[g->outputs[k]] = g->nnodes;
}

static int bind_inputs(run_state *s, const float *const *inputs, nnp_err *e)
{
    const graph *g = s->g;
    for (size_t t = 0; t < g->ntensors; t++)
        if (g->tensors[t].data)
            s->vals[t] = g->tensors[t].data;
    for (int k = 0; k < g->ninputs; k++) {
        int t = g->inputs[k];
        if (s->owned[t])
            continue; /* listed twice */
        if (!inputs || !inputs[k])
            return err_set(e, NNP_MISUSE, "no data for graph input %d '%s'", k,
                           g->tensors[t].name);
        int rc = alloc_tensor(s, t, e);
        if (rc)
            return rc;
        int64_t n = tensor_numel(&g->tensors[t]);
        if (n > 0)
            memcpy(s->vals[t], inputs[k], (size_t)n * sizeof(float));
    }
    return NNP_OK;
}

static int run_node(run_state *s, size_t i, nnp_err *e)
{
    const graph *g = s->g;
    const node *nd = &g->nodes[i];
    char lbl[160];
    for (int k = 0; k < nd->nin; k++) {
        int t = nd->in[k];
        if (t >= 0 && g->tensors[t].type == DT_FLOAT && !s->vals[t])
            return err_set(e, NNP_INTERNAL, "node %s: input '%s' has no value (was the graph "
                           "checked?)", node_label(g, (int)i, lbl, sizeof lbl),
                           g->tensors[t].name);
    }
    for (int k = 0; k < nd->nout; k++) {
        int t = nd->out[k];
        if (t >= 0 && !s->vals[t]) {
            int rc = alloc_tensor(s, t, e);
            if (rc)
                return rc;
        }
    }
    int rc = op_table[nd->op].run(g, nd, s->vals, e);
    if (rc)
        return rc;
    /* Free what no later node reads: this node's dead inputs and any
     * output nobody reads at all. */
    for (int k = 0; k < nd->nin; k++)
        if (nd->in[k] >= 0 && s->last[nd->in[k]] <= i)
            release(s, nd->in[k]);
    for (int k = 0; k < nd->nout; k++)
        if (nd->out[k] >= 0 && s->last[nd->out[k]] <= i && !g->tensors[nd->out[k]].is_output)
            release(s, nd->out[k]);
    return NNP_OK;
}

static int copy_outputs(run_state *s, float *const *outputs, nnp_err *e)
{
    const graph *g = s->g;
    for (int k = 0; k < g->noutputs; k++) {
        const tensor *x = &g->tensors[g->outputs[k]];
        int64_t n = tensor_numel(x);
        if (!outputs || !outputs[k])
            return err_set(e, NNP_MISUSE, "no buffer for graph output %d '%s'", k, x->name);
        if (x->idata) {
            for (int64_t i = 0; i < n; i++)
                outputs[k][i] = (float)x->idata[i];
        } else if (s->vals[g->outputs[k]]) {
            if (n > 0)
                memcpy(outputs[k], s->vals[g->outputs[k]], (size_t)n * sizeof(float));
        } else {
            return err_set(e, NNP_INTERNAL, "graph output '%s' has no value", x->name);
        }
    }
    return NNP_OK;
}

/* Every tensor the run touches needs a shape; without one the graph was
 * not checked, which is the caller's mistake rather than the model's. */
static int check_shapes(const graph *g, nnp_err *e)
{
    for (size_t i = 0; i < g->nnodes; i++) {
        const node *nd = &g->nodes[i];
        for (int k = 0; k < nd->nin + nd->nout; k++) {
            int t = k < nd->nin ? nd->in[k] : nd->out[k - nd->nin];
            if (t >= 0 && g->tensors[t].rank < 0)
                return err_set(e, NNP_MISUSE, "tensor '%s' has no shape: run graph_check first",
                               g->tensors[t].name);
        }
    }
    for (int k = 0; k < g->ninputs + g->noutputs; k++) {
        int t = k < g->ninputs ? g->inputs[k] : g->outputs[k - g->ninputs];
        if (g->tensors[t].rank < 0)
            return err_set(e, NNP_MISUSE, "graph input/output '%s' has no shape: run "
                           "graph_check first", g->tensors[t].name);
    }
    return NNP_OK;
}

int interp_run(const graph *g, const float *const *inputs, float *const *outputs, nnp_err *e)
{
    size_t nt = g->ntensors;
    run_state s = {g, xcalloc(nt, sizeof(float *)), xcalloc(nt, 1), xcalloc(nt, sizeof(size_t))};
    int rc = NNP_OK;
    if (!s.vals || !s.owned || !s.last) {
        rc = err_set(e, NNP_NOMEM, "out of memory starting the interpreter");
        goto out;
    }
    rc = check_shapes(g, e);
    if (rc)
        goto out;
    find_last_readers(&s);
    rc = bind_inputs(&s, inputs, e);
    for (size_t i = 0; !rc && i < g->nnodes; i++)
        rc = run_node(&s, i, e);
    if (!rc)
        rc = copy_outputs(&s, outputs, e);
out:
    if (s.vals && s.owned)
        for (size_t t = 0; t < nt; t++)
            release(&s, (int)t);
    free(s.vals);
    free(s.owned);
    free(s.last);
    return rc;
}
