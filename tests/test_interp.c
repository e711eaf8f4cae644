/* The reference interpreter: multi-node graphs in topological order,
 * tensors read by several nodes (freed only after the last reader),
 * outputs that are inputs, constants or intermediates, and misuse. */
#include <stdio.h>

#include "opsutil.h"

Test(interp, runs_a_small_network_given_out_of_order)
{
    /* x = 0..15 (4x4); conv 1x1 w=-1 b=8 -> 8-x; relu -> 8..1 then 0s;
     * maxpool 2x2/2 -> blocks {0,1,4,5}:8, {2,3,6,7}:6, 0, 0; flatten
     * (1,4); gemm with B = [1 0; 0 1; 1 1; 1 -1], C = [0.5 -0.5]. */
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 1, 4, 4));
    tb_const(g, "w", I64(1, 1, 1, 1), F32(-1));
    tb_const(g, "b", I64(1), F32(8));
    tb_const(g, "B", I64(4, 2), F32(1, 0, 0, 1, 1, 1, 1, -1));
    tb_const(g, "C", I64(2), F32(0.5f, -0.5f));
    tb_node(g, OP_GEMM, "fc", NAMES("f", "B", "C"), NAMES("y"));
    tb_node(g, OP_FLATTEN, "flat", NAMES("p"), NAMES("f"));
    int mp = tb_node(g, OP_MAXPOOL, "pool", NAMES("r"), NAMES("p"));
    node_set_ints(g, mp, "kernel_shape", I64(2, 2));
    node_set_ints(g, mp, "strides", I64(2, 2));
    tb_node(g, OP_RELU, "relu", NAMES("c"), NAMES("r"));
    tb_node(g, OP_CONV, "conv", NAMES("x", "w", "b"), NAMES("c"));
    tb_output(g, "y");
    float x[16], *out[1];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i;
    tb_run(g, (const float *const[]){x}, out);
    tb_expect_shape(g, "y", I64(1, 2));
    tb_expect(out[0], F32(8.5f, 5.5f), 1e-6f);
    cr_assert_str_eq(g->nodes[0].name, "conv");
    free(out[0]);
    graph_free(g);
}

Test(interp, a_tensor_read_twice_lives_until_its_last_reader)
{
    /* a = relu(x) feeds sigmoid and the final Mul, and is an output too. */
    graph *g = graph_new();
    tb_input(g, "x", I64(3));
    tb_node(g, OP_RELU, "relu", NAMES("x"), NAMES("a"));
    tb_node(g, OP_SIGMOID, "sig", NAMES("a"), NAMES("s"));
    tb_node(g, OP_IDENTITY, "id", NAMES("s"), NAMES("b"));
    tb_node(g, OP_MUL, "mul", NAMES("a", "b"), NAMES("y"));
    tb_output(g, "y");
    tb_output(g, "a");
    float *out[2];
    tb_run(g, (const float *const[]){(const float[]){-1, 0, 2}}, out);
    /* sigmoid(2) = 0.880797078 */
    tb_expect(out[0], F32(0, 0, 1.761594156f), 1e-6f);
    tb_expect(out[1], F32(0, 0, 2), 0);
    free(out[0]);
    free(out[1]);
    graph_free(g);
}

Test(interp, outputs_may_be_inputs_or_constants)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2));
    tb_const(g, "k", I64(2), F32(7, 8));
    tb_iconst(g, "shape", I64(1), I64(2));
    tb_node(g, OP_ADD, "add", NAMES("x", "k"), NAMES("y"));
    tb_output(g, "x");
    tb_output(g, "k");
    tb_output(g, "shape");
    tb_output(g, "y");
    float *out[4];
    tb_run(g, (const float *const[]){(const float[]){1, 2}}, out);
    tb_expect(out[0], F32(1, 2), 0);
    tb_expect(out[1], F32(7, 8), 0);
    tb_expect(out[2], F32(2), 0);
    tb_expect(out[3], F32(8, 10), 0);
    for (int k = 0; k < 4; k++)
        free(out[k]);
    graph_free(g);
}

Test(interp, caller_buffers_are_not_modified)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2));
    tb_node(g, OP_RELU, "relu", NAMES("x"), NAMES("y"));
    tb_output(g, "y");
    float x[] = {-3, 3}, *out[1];
    tb_run(g, (const float *const[]){x}, out);
    cr_assert_eq(x[0], -3);
    tb_expect(out[0], F32(0, 3), 0);
    free(out[0]);
    graph_free(g);
}

Test(interp, missing_input_data_is_misuse)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2));
    tb_node(g, OP_RELU, "relu", NAMES("x"), NAMES("y"));
    tb_output(g, "y");
    tb_check_ok(g);
    float y[2];
    nnp_err e = {0};
    int rc = interp_run(g, (const float *const[]){NULL}, (float *const[]){y}, &e);
    cr_assert_eq(rc, NNP_MISUSE);
    cr_assert(strstr(e.msg, "'x'"), "%s", e.msg);
    graph_free(g);
}

Test(interp, unchecked_graph_is_misuse)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2));
    tb_node(g, OP_RELU, "relu", NAMES("x"), NAMES("y"));
    tb_output(g, "y");
    nnp_err e = {0};
    float y[2];
    const float x[] = {1, 2};
    int rc = interp_run(g, (const float *const[]){x}, (float *const[]){y}, &e);
    cr_assert_eq(rc, NNP_MISUSE, "%s", e.msg);
    cr_assert(strstr(e.msg, "graph_check"), "%s", e.msg);
    graph_free(g);
}

Test(interp, a_long_chain_reuses_memory_and_stays_correct)
{
    /* 200 alternating Add(+1) / Mul(x0.5) nodes on 4096 elements: value
     * v -> (v+1)/2 a hundred times converges to 1 from any start. */
    graph *g = graph_new();
    tb_input(g, "t0", I64(64, 64));
    tb_const(g, "one", SCALAR, F32(1));
    tb_const(g, "half", SCALAR, F32(0.5f));
    char a[16], b[16];
    for (int i = 0; i < 200; i++) {
        snprintf(a, sizeof a, "t%d", i);
        snprintf(b, sizeof b, "t%d", i + 1);
        const char *in[] = {a, i % 2 ? "half" : "one"}, *out[] = {b};
        tb_node(g, i % 2 ? OP_MUL : OP_ADD, "", in, 2, out, 1);
    }
    tb_output(g, "t200");
    float *x = malloc(4096 * sizeof(float)), *out[1];
    for (int i = 0; i < 4096; i++)
        x[i] = (float)i;
    tb_run(g, (const float *const[]){x}, out);
    for (int i = 0; i < 4096; i += 511)
        cr_assert_float_eq(out[0][i], 1.0f, 1e-3f, "element %d is %g", i, (double)out[0][i]);
    free(x);
    free(out[0]);
    graph_free(g);
}
