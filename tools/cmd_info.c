/* `nnpipe info MODEL`: a table of nodes with shapes, MACs and parameter
 * bytes, and the model's totals. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static nnp_tensor_desc tensor(nnp_model *m, int t)
{
    nnp_tensor_desc d;
    nnp_model_tensor(m, t, &d);
    return d;
}

static void shape_str(const nnp_tensor_desc *t, char *buf, size_t len)
{
    size_t n = 0;
    n += (size_t)snprintf(buf + n, len - n, "[");
    for (int i = 0; i < t->rank && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%" PRId64, i ? "x" : "", t->dims[i]);
    if (n < len)
        snprintf(buf + n, len - n, "]");
}

/* Bytes of constant inputs: weights, biases, BN statistics, shapes. */
static int64_t param_bytes(nnp_model *m, const nnp_node_desc *n)
{
    int64_t b = 0;
    for (int k = 0; k < n->ninputs; k++) {
        if (n->inputs[k] < 0)
            continue;
        nnp_tensor_desc t = tensor(m, n->inputs[k]);
        if (t.is_constant)
            b += t.numel * (t.dtype == NNP_INT64 ? 8 : 4);
    }
    return b;
}

static void print_table(nnp_model *m)
{
    nnp_model_desc md;
    nnp_model_describe(m, &md);
    printf("%-4s %-22s %-18s %-22s %-16s %14s %12s\n", "#", "node", "op", "input", "output", "MACs",
           "params(B)");
    int64_t tmacs = 0, tparams = 0;
    for (int i = 0; i < md.node_count; i++) {
        nnp_node_desc n;
        nnp_model_node(m, i, &n);
        char in[64] = "-", out[64] = "-";
        if (n.ninputs > 0 && n.inputs[0] >= 0) {
            nnp_tensor_desc t = tensor(m, n.inputs[0]);
            shape_str(&t, in, sizeof in);
        }
        if (n.noutputs > 0 && n.outputs[0] >= 0) {
            nnp_tensor_desc t = tensor(m, n.outputs[0]);
            shape_str(&t, out, sizeof out);
        }
        int64_t pb = param_bytes(m, &n);
        tmacs += n.macs;
        tparams += pb;
        printf("%-4d %-22.22s %-18s %-22s %-16s %14" PRId64 " %12" PRId64 "\n", i,
               n.name[0] ? n.name : "-", n.op_type, in, out, n.macs, pb);
    }
    printf("\n%d nodes, %d tensors, opset %d\n", md.node_count, md.tensor_count, md.opset);
    for (int k = 0; k < md.input_count; k++) {
        int t;
        char s[64];
        nnp_model_input(m, k, &t);
        nnp_tensor_desc d = tensor(m, t);
        shape_str(&d, s, sizeof s);
        printf("input  %d: %s %s\n", k, d.name, s);
    }
    for (int k = 0; k < md.output_count; k++) {
        int t;
        char s[64];
        nnp_model_output(m, k, &t);
        nnp_tensor_desc d = tensor(m, t);
        shape_str(&d, s, sizeof s);
        printf("output %d: %s %s\n", k, d.name, s);
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
    nnp_model *m;
    cli_err e;
    if (cli_open_model(path, &m, &e))
        return cli_fail(&e);
    print_table(m);
    nnp_model_close(m);
    return EXIT_OK;
}
