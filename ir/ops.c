/* The op descriptor table: one row per op kind, giving its ONNX name, how
 * many inputs and outputs it takes, and its infer, run and macs functions.
 *
 * graph_check enforces the input/output counts before calling infer, so an
 * infer function may index its required inputs directly. Input counts are
 * the widest any opset from 7 to 13 allows (Clip's min/max inputs, Dropout's
 * ratio and training_mode, BatchNormalization's training outputs); infer
 * decides what the model's opset actually permits, and rejects what nnpipe
 * does not do with NNP_UNSUPPORTED and a message saying so.
 *
 * Ops that only move data (Identity, Dropout at inference, Flatten,
 * Reshape, Squeeze, Unsqueeze) share run_identity: a row-major copy is the
 * whole semantics.
 * The activations share run_activation, which applies their row of the
 * activation table (op_unary.c); the broadcasting ops share run_binary,
 * which folds their inputs with their row of the binary table
 * (op_broadcast.c). */
#include "op_impl.h"

#include <string.h>

static int64_t macs_none(const graph *g, const node *n)
{
    (void)g, (void)n;
    return 0;
}

#define ROW(nm, i0, i1, o0, o1, inf, run, mac) {nm, i0, i1, o0, o1, inf, run, mac}
const op_desc op_table[OP_COUNT] = {
    [OP_CONV] = ROW("Conv", 2, 3, 1, 1, infer_conv, run_conv, macs_conv),
    [OP_MAXPOOL] = ROW("MaxPool", 1, 1, 1, 2, infer_pool, run_maxpool, macs_none),
    [OP_AVGPOOL] = ROW("AveragePool", 1, 1, 1, 1, infer_pool, run_avgpool, macs_none),
    [OP_GLOBALAVGPOOL] = ROW("GlobalAveragePool", 1, 1, 1, 1, infer_global_pool,
                             run_global_avgpool, macs_none),
    [OP_GLOBALMAXPOOL] = ROW("GlobalMaxPool", 1, 1, 1, 1, infer_global_pool,
                             run_global_maxpool, macs_none),
    [OP_RELU] = ROW("Relu", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_LEAKYRELU] = ROW("LeakyRelu", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_CLIP] = ROW("Clip", 1, 3, 1, 1, infer_clip, run_clip, macs_none),
    [OP_SIGMOID] = ROW("Sigmoid", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_ADD] = ROW("Add", 2, 2, 1, 1, infer_binary, run_binary, macs_none),
    [OP_MUL] = ROW("Mul", 2, 2, 1, 1, infer_binary, run_binary, macs_none),
    [OP_BATCHNORM] = ROW("BatchNormalization", 5, 5, 1, 5, infer_batchnorm, run_batchnorm,
                         macs_none),
    [OP_CONCAT] = ROW("Concat", 1, 1 << 20, 1, 1, infer_concat, run_concat, macs_none),
    [OP_FLATTEN] = ROW("Flatten", 1, 1, 1, 1, infer_flatten, run_identity, macs_none),
    [OP_RESHAPE] = ROW("Reshape", 2, 2, 1, 1, infer_reshape, run_identity, macs_none),
    [OP_GEMM] = ROW("Gemm", 2, 3, 1, 1, infer_gemm, run_gemm, macs_gemm),
    [OP_MATMUL] = ROW("MatMul", 2, 2, 1, 1, infer_matmul, run_matmul, macs_matmul),
    [OP_SOFTMAX] = ROW("Softmax", 1, 1, 1, 1, infer_softmax, run_softmax, macs_none),
    [OP_IDENTITY] = ROW("Identity", 1, 1, 1, 1, infer_unary, run_identity, macs_none),
    [OP_DROPOUT] = ROW("Dropout", 1, 3, 1, 2, infer_dropout, run_identity, macs_none),
    [OP_TANH] = ROW("Tanh", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_EXP] = ROW("Exp", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_LOG] = ROW("Log", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_NEG] = ROW("Neg", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_ABS] = ROW("Abs", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_SQRT] = ROW("Sqrt", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_ELU] = ROW("Elu", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_SELU] = ROW("Selu", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_HARDSIGMOID] = ROW("HardSigmoid", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_HARDSWISH] = ROW("HardSwish", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_SOFTPLUS] = ROW("Softplus", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_SOFTSIGN] = ROW("Softsign", 1, 1, 1, 1, infer_unary, run_activation, macs_none),
    [OP_SUB] = ROW("Sub", 2, 2, 1, 1, infer_binary, run_binary, macs_none),
    [OP_DIV] = ROW("Div", 2, 2, 1, 1, infer_binary, run_binary, macs_none),
    [OP_MAX] = ROW("Max", 1, 1 << 20, 1, 1, infer_binary, run_binary, macs_none),
    [OP_MIN] = ROW("Min", 1, 1 << 20, 1, 1, infer_binary, run_binary, macs_none),
    [OP_SUM] = ROW("Sum", 1, 1 << 20, 1, 1, infer_binary, run_binary, macs_none),
    [OP_PRELU] = ROW("PRelu", 2, 2, 1, 1, infer_prelu, run_binary, macs_none),
    [OP_SQUEEZE] = ROW("Squeeze", 1, 2, 1, 1, infer_squeeze, run_identity, macs_none),
    [OP_UNSQUEEZE] = ROW("Unsqueeze", 1, 2, 1, 1, infer_unsqueeze, run_identity, macs_none),
    [OP_TRANSPOSE] = ROW("Transpose", 1, 1, 1, 1, infer_transpose, run_transpose, macs_none),
};

int op_from_name(const char *name)
{
    for (int k = 0; k < OP_COUNT; k++)
        if (strcmp(op_table[k].name, name) == 0)
            return k;
    return -1;
}
