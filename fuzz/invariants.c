/* What every harness checks after a call returns, beyond "it did not
 * crash": the error contract of the library (util.h) and the documented
 * shape of a checked graph (graph.h). Checks read only, and return the
 * first broken invariant as text in a static buffer, so a harness can hand
 * it to libFuzzer (which then stops and keeps the input) or to a test. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "ops.h"

static char inv_verdict[1024];

static const char *broken(const char *what, const char *detail)
{
    snprintf(inv_verdict, sizeof inv_verdict, "%s: %s", what, detail);
    return inv_verdict;
}

const char *fuzz_check_error(int rc, const nnp_err *e, const char *name)
{
    if (rc == NNP_INTERNAL)
        return broken("NNP_INTERNAL (an invariant inside nnpipe failed)", e->msg);
    if (rc == NNP_NOMEM)
        return broken("NNP_NOMEM on a small input (a size from the input was trusted)", e->msg);
    if (rc < NNP_INVALID || rc > NNP_INTERNAL)
        return broken("unknown status", e->msg);
    if (e->code != rc)
        return broken("nnp_err.code differs from the returned status", e->msg);
    if (!e->msg[0])
        return broken("empty error message", nnp_status_name(rc));
    if (strncmp(e->msg, name, strlen(name)) != 0)
        return broken("error message does not start with the input's name", e->msg);
    return NULL;
}

static const char *check_tensor_ref(const graph *g, int t, const char *role)
{
    if (t < -1 || t >= (int)g->ntensors)
        return broken(role, "tensor index out of range");
    if (t < 0)
        return NULL;
    const tensor *x = &g->tensors[t];
    if (x->rank < 0 || x->rank > MAX_RANK)
        return broken(role, x->name);
    int64_t n;
    if (size_prod(x->dims, x->rank, &n) || n > ((int64_t)1 << 31))
        return broken("a checked tensor has negative dims or more than 2^31 elements", x->name);
    if (x->type != DT_FLOAT && x->type != DT_INT64)
        return broken("a tensor has an unknown element type", x->name);
    return NULL;
}

static const char *check_node(const graph *g, size_t i)
{
    const node *n = &g->nodes[i];
    if ((unsigned)n->op >= OP_COUNT)
        return broken("a node has an unknown op kind", n->name);
    const op_desc *d = &op_table[n->op];
    if (n->nin < d->min_in || n->nin > d->max_in || n->nout < d->min_out || n->nout > d->max_out)
        return broken("a checked node has the wrong number of inputs or outputs", n->name);
    const char *v = NULL;
    for (int k = 0; !v && k < n->nin; k++) {
        v = check_tensor_ref(g, n->in[k], "a node input has no shape after graph_check");
        /* Topological order: whatever a node reads is made before it. */
        if (!v && n->in[k] >= 0 && g->tensors[n->in[k]].producer >= (int)i)
            v = broken("nodes are not in topological order", n->name);
    }
    for (int k = 0; !v && k < n->nout; k++) {
        v = check_tensor_ref(g, n->out[k], "a node output has no shape after graph_check");
        if (!v && n->out[k] >= 0 && g->tensors[n->out[k]].producer != (int)i)
            v = broken("a tensor's producer is not the node writing it", n->name);
    }
    return v;
}

const char *fuzz_check_graph(const graph *g)
{
    if (!g)
        return "success without a graph";
    const char *v = NULL;
    for (size_t i = 0; !v && i < g->nnodes; i++)
        v = check_node(g, i);
    for (int k = 0; !v && k < g->ninputs + g->noutputs; k++) {
        int t = k < g->ninputs ? g->inputs[k] : g->outputs[k - g->ninputs];
        v = t < 0 ? "a graph input or output is an absent tensor (-1)"
                  : check_tensor_ref(g, t, "a graph input or output has no shape");
    }
    return v;
}
