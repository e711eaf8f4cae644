/* `nnpipe info MODEL`: a table of nodes with shapes, MACs and parameter
 * bytes, and the model's totals. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "graph.h"
#include "model_load.h"
#include "ops.h"

static void shape_str(const tensor *t, char *buf, size_t len)
{
    size_t n = 0;
    n += (size_t)snprintf(buf + n, len - n, "[");
    for (int i = 0; i < t->rank && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%" PRId64, i ? "x" : "", t->dims[i]);
    if (n < len)
        snprintf(buf + n, len - n, "]");
}

/* Bytes of constant inputs: weights, biases, BN statistics, shapes. */
static int64_t param_bytes(const graph *g, const node *n)
{
    int64_t b = 0;
    for (int k = 0; k < n->nin; k++) {
        const tensor *t = n->in[k] >= 0 ? &g->tensors[n->in[k]] : NULL;
        if (t && (t->data || t->idata))
            b += tensor_numel(t) * (t->type == DT_INT64 ? 8 : 4);
    }
    return b;
}

static void print_table(const graph *g)
{
    printf("%-4s %-22s %-18s %-22s %-16s %14s %12s\n", "#", "node", "op", "input", "output", "MACs",
           "params(B)");
    int64_t tmacs = 0, tparams = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        const node *n = &g->nodes[i];
        char in[64] = "-", out[64] = "-";
        if (n->nin > 0 && n->in[0] >= 0)
            shape_str(&g->tensors[n->in[0]], in, sizeof in);
        if (n->nout > 0 && n->out[0] >= 0)
            shape_str(&g->tensors[n->out[0]], out, sizeof out);
        int64_t macs = op_table[n->op].macs(g, n), pb = param_bytes(g, n);
        tmacs += macs;
        tparams += pb;
        printf("%-4zu %-22.22s %-18s %-22s %-16s %14" PRId64 " %12" PRId64 "\n", i,
               n->name[0] ? n->name : "-", op_table[n->op].name, in, out, macs, pb);
    }
    printf("\n%zu nodes, %zu tensors, opset %d\n", g->nnodes, g->ntensors, g->opset);
    for (int k = 0; k < g->ninputs; k++) {
        char s[64];
        shape_str(&g->tensors[g->inputs[k]], s, sizeof s);
        printf("input  %d: %s %s\n", k, g->tensors[g->inputs[k]].name, s);
    }
    for (int k = 0; k < g->noutputs; k++) {
        char s[64];
        shape_str(&g->tensors[g->outputs[k]], s, sizeof s);
        printf("output %d: %s %s\n", k, g->tensors[g->outputs[k]].name, s);
    }
    printf("total: %" PRId64 " MACs, %" PRId64 " parameter bytes\n", tmacs, tparams);
}

int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: nnpipe info MODEL\n\nPrints each node's op, shapes, MACs and parameter "
                   "bytes, and the totals.\nMODEL is an ONNX model (.onnx or its JSON mapping).\n");
            return EXIT_OK;
        }
        if (argv[i][0] == '-' || path) {
            fprintf(stderr, "nnpipe: error: info: unexpected argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
        path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "nnpipe: error: info: missing MODEL (see 'nnpipe info --help')\n");
        return EXIT_USAGE;
    }
    graph *g = NULL;
    nnp_err e = {0};
    if (model_load(path, &g, &e))
        return cli_fail(&e);
    print_table(g);
    graph_free(g);
    return EXIT_OK;
}
