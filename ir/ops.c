/* Op descriptor table. (Placeholder rows until shape inference and the
 * interpreter land: every op reports itself unsupported.) */
#include "ops.h"

#include <string.h>

static int infer_todo(graph *g, int n, nnp_err *e)
{
    return err_set(e, NNP_UNSUPPORTED, "op %s is not implemented yet", op_table[g->nodes[n].op].name);
}

static int run_todo(const graph *g, const node *n, float *const *vals, nnp_err *e)
{
    (void)g, (void)vals;
    return err_set(e, NNP_UNSUPPORTED, "op %s is not implemented yet", op_table[n->op].name);
}

static int64_t macs_none(const graph *g, const node *n)
{
    (void)g, (void)n;
    return 0;
}

#define TODO(nm, a, b, c, d) {nm, a, b, c, d, infer_todo, run_todo, macs_none}
const op_desc op_table[OP_COUNT] = {
    [OP_CONV] = TODO("Conv", 2, 3, 1, 1),
    [OP_MAXPOOL] = TODO("MaxPool", 1, 1, 1, 2),
    [OP_AVGPOOL] = TODO("AveragePool", 1, 1, 1, 1),
    [OP_GLOBALAVGPOOL] = TODO("GlobalAveragePool", 1, 1, 1, 1),
    [OP_GLOBALMAXPOOL] = TODO("GlobalMaxPool", 1, 1, 1, 1),
    [OP_RELU] = TODO("Relu", 1, 1, 1, 1),
    [OP_LEAKYRELU] = TODO("LeakyRelu", 1, 1, 1, 1),
    [OP_CLIP] = TODO("Clip", 1, 3, 1, 1),
    [OP_SIGMOID] = TODO("Sigmoid", 1, 1, 1, 1),
    [OP_ADD] = TODO("Add", 2, 2, 1, 1),
    [OP_MUL] = TODO("Mul", 2, 2, 1, 1),
    [OP_BATCHNORM] = TODO("BatchNormalization", 5, 5, 1, 1),
    [OP_CONCAT] = TODO("Concat", 1, 1 << 20, 1, 1),
    [OP_FLATTEN] = TODO("Flatten", 1, 1, 1, 1),
    [OP_RESHAPE] = TODO("Reshape", 2, 2, 1, 1),
    [OP_GEMM] = TODO("Gemm", 2, 3, 1, 1),
    [OP_MATMUL] = TODO("MatMul", 2, 2, 1, 1),
    [OP_SOFTMAX] = TODO("Softmax", 1, 1, 1, 1),
    [OP_IDENTITY] = TODO("Identity", 1, 1, 1, 1),
    [OP_DROPOUT] = TODO("Dropout", 1, 3, 1, 2),
};

int op_from_name(const char *name)
{
    for (int k = 0; k < OP_COUNT; k++)
        if (strcmp(op_table[k].name, name) == 0)
            return k;
    return -1;
}

int window_of_node(const graph *g, const node *n, const int64_t *in_sp, const int64_t *kernel,
                   int nsp, window *w, nnp_err *e)
{
    (void)g, (void)n, (void)in_sp, (void)kernel, (void)nsp, (void)w;
    return err_set(e, NNP_UNSUPPORTED, "windows are not implemented yet");
}
