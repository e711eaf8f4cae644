/* Elementwise ops: activations, Clip in both opset forms, Add/Mul
 * broadcasting, BatchNormalization, and the inference pass-throughs.
 * Expected values are worked out by hand in the comments. */
#include <float.h>

#include "opsutil.h"

static graph *unary(op_kind op, const int64_t *dims, int rank)
{
    graph *g = graph_new();
    tb_input(g, "x", dims, rank);
    tb_node(g, op, "act", NAMES("x"), NAMES("y"));
    return g;
}

Test(ops_elementwise, relu_zeroes_negatives_and_keeps_nan)
{
    graph *g = unary(OP_RELU, I64(5));
    float *y = tb_run1(g, (const float[]){-2, -0.0f, 0.5f, 3, NAN});
    tb_expect(y, F32(0, 0, 0.5f, 3, NAN), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, leakyrelu_scales_negatives_by_alpha)
{
    graph *g = unary(OP_LEAKYRELU, I64(4));
    node_set_float(g, 0, "alpha", 0.1f);
    float *y = tb_run1(g, (const float[]){-10, -1, 0, 2});
    tb_expect(y, F32(-1, -0.1f, 0, 2), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, leakyrelu_default_alpha_is_one_hundredth)
{
    graph *g = unary(OP_LEAKYRELU, I64(2));
    float *y = tb_run1(g, (const float[]){-3, 3});
    tb_expect(y, F32(-0.03f, 3), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, sigmoid_matches_logistic_values)
{
    graph *g = unary(OP_SIGMOID, I64(1, 4));
    float *y = tb_run1(g, (const float[]){0, 2, -2, -100});
    /* 1/(1+e^-2) = 0.880797078; 1/(1+e^2) = 0.119202922. */
    tb_expect(y, F32(0.5f, 0.880797078f, 0.119202922f, 0), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, identity_and_dropout_pass_data_through)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 2));
    tb_const(g, "ratio", SCALAR, F32(0.5f));
    tb_node(g, OP_IDENTITY, "id", NAMES("x"), NAMES("a"));
    tb_node(g, OP_DROPOUT, "drop", NAMES("a", "ratio"), NAMES("y", NONE));
    float *y = tb_run1(g, (const float[]){1, -2, 3, -4});
    tb_expect_shape(g, "y", I64(2, 2));
    tb_expect(y, F32(1, -2, 3, -4), 0);
    free(y);
    graph_free(g);
}

/* Clip ------------------------------------------------------------------ */

static graph *clip13(const char *lo, const char *hi)
{
    graph *g = graph_new();
    g->opset = 13;
    tb_input(g, "x", I64(6));
    tb_const(g, "lo", SCALAR, F32(-1));
    tb_const(g, "hi", SCALAR, F32(1));
    tb_node(g, OP_CLIP, "clip", NAMES("x", lo, hi), NAMES("y"));
    return g;
}

static const float clip_in[] = {-2, -0.5f, 0, 0.5f, 2, NAN};

Test(ops_elementwise, clip_with_both_bound_inputs)
{
    graph *g = clip13("lo", "hi");
    float *y = tb_run1(g, clip_in);
    tb_expect(y, F32(-1, -0.5f, 0, 0.5f, 1, NAN), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, clip_with_only_max_bound)
{
    graph *g = clip13(NONE, "hi");
    float *y = tb_run1(g, clip_in);
    tb_expect(y, F32(-2, -0.5f, 0, 0.5f, 1, NAN), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, clip_without_bounds_only_clamps_infinities)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(4));
    tb_node(g, OP_CLIP, "clip", NAMES("x"), NAMES("y"));
    float *y = tb_run1(g, (const float[]){-5e30f, 7, INFINITY, -INFINITY});
    /* The absent bounds are the lowest/highest finite floats. */
    tb_expect(y, F32(-5e30f, 7, FLT_MAX, -FLT_MAX), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, clip_before_opset_11_reads_attributes)
{
    graph *g = graph_new();
    g->opset = 10;
    tb_input(g, "x", I64(4));
    int n = tb_node(g, OP_CLIP, "relu6", NAMES("x"), NAMES("y"));
    node_set_float(g, n, "min", 0);
    node_set_float(g, n, "max", 6);
    float *y = tb_run1(g, (const float[]){-1, 3, 6.5f, 100});
    tb_expect(y, F32(0, 3, 6, 6), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, clip_reads_a_non_constant_bound_at_run_time)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(3));
    tb_input(g, "lo", SCALAR);
    tb_node(g, OP_CLIP, "clip", NAMES("x", "lo"), NAMES("y"));
    tb_output(g, "y");
    float *out[1];
    const float x[] = {1, 2, 3}, lo = 2.5f;
    tb_run(g, (const float *const[]){x, &lo}, out);
    tb_expect(out[0], F32(2.5f, 2.5f, 3), 0);
    free(out[0]);
    graph_free(g);
}

/* Add / Mul broadcasting ----------------------------------------------- */

static graph *binary(op_kind op, const int64_t *da, int ra, const int64_t *db, int rb,
                     const float *b, int nb)
{
    graph *g = graph_new();
    tb_input(g, "a", da, ra);
    tb_const(g, "b", db, rb, b, nb);
    tb_node(g, op, "bin", NAMES("a", "b"), NAMES("y"));
    return g;
}

static const float m23[] = {1, 2, 3, 4, 5, 6};

Test(ops_elementwise, add_broadcasts_a_scalar)
{
    graph *g = binary(OP_ADD, I64(2, 3), SCALAR, F32(10));
    float *y = tb_run1(g, m23);
    tb_expect_shape(g, "y", I64(2, 3));
    tb_expect(y, F32(11, 12, 13, 14, 15, 16), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, mul_broadcasts_a_row)
{
    graph *g = binary(OP_MUL, I64(2, 3), I64(3), F32(1, 10, 100));
    float *y = tb_run1(g, m23);
    tb_expect(y, F32(1, 20, 300, 4, 50, 600), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, add_broadcasts_a_column)
{
    graph *g = binary(OP_ADD, I64(2, 3), I64(2, 1), F32(10, 20));
    float *y = tb_run1(g, m23);
    tb_expect(y, F32(11, 12, 13, 24, 25, 26), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, add_broadcasts_a_channel_bias_over_nchw)
{
    /* x is 1x2x2x2 = 0..7; b is C x 1 x 1 = {100, 200}. */
    graph *g = binary(OP_ADD, I64(1, 2, 2, 2), I64(2, 1, 1), F32(100, 200));
    float *y = tb_run1(g, (const float[]){0, 1, 2, 3, 4, 5, 6, 7});
    tb_expect_shape(g, "y", I64(1, 2, 2, 2));
    tb_expect(y, F32(100, 101, 102, 103, 204, 205, 206, 207), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, both_operands_broadcast_into_an_outer_product)
{
    /* a is 3x1 {1,2,3}, b is 1x2 {10,20}: y[i][j] = a[i] * b[j]. */
    graph *g = binary(OP_MUL, I64(3, 1), I64(1, 2), F32(10, 20));
    float *y = tb_run1(g, (const float[]){1, 2, 3});
    tb_expect_shape(g, "y", I64(3, 2));
    tb_expect(y, F32(10, 20, 20, 40, 30, 60), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, lower_rank_operand_first_broadcasts_too)
{
    /* a is [2] {1, 2}, b is 2x1x2: y[i][0][j] = a[j] + b[i][0][j]. */
    graph *g = binary(OP_ADD, I64(2), I64(2, 1, 2), F32(10, 20, 30, 40));
    float *y = tb_run1(g, (const float[]){1, 2});
    tb_expect_shape(g, "y", I64(2, 1, 2));
    tb_expect(y, F32(11, 22, 31, 42), 0);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, broadcast_cost_is_linear_in_the_output)
{
    /* 1x64x64x64 + 64x1x1: a quadratic walk would take visibly long here. */
    int64_t n = 64 * 64 * 64;
    float *x = malloc((size_t)n * sizeof(float)), b[64];
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)(i % 7);
    for (int c = 0; c < 64; c++)
        b[c] = (float)c * 1000;
    graph *g = binary(OP_ADD, I64(1, 64, 64, 64), I64(64, 1, 1), b, 64);
    float *y = tb_run1(g, x);
    for (int64_t i = 0; i < n; i += 997)
        cr_assert_eq(y[i], (float)(i % 7) + (float)(i / 4096) * 1000, "element %lld",
                     (long long)i);
    free(x);
    free(y);
    graph_free(g);
}

/* BatchNormalization ---------------------------------------------------- */

Test(ops_elementwise, batchnorm_normalises_each_channel)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 2, 1, 2));
    tb_const(g, "scale", I64(2), F32(1, 2));
    tb_const(g, "bias", I64(2), F32(0, 1));
    tb_const(g, "mean", I64(2), F32(1, 3));
    tb_const(g, "var", I64(2), F32(4, 0.25f));
    int n = tb_node(g, OP_BATCHNORM, "bn", NAMES("x", "scale", "bias", "mean", "var"),
                    NAMES("y"));
    node_set_float(g, n, "epsilon", 0);
    float *y = tb_run1(g, (const float[]){1, 2, 3, 4});
    /* c0: 1*(x-1)/2 + 0 -> 0, 0.5;  c1: 2*(x-3)/0.5 + 1 -> 1, 5. */
    tb_expect(y, F32(0, 0.5f, 1, 5), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_elementwise, batchnorm_adds_epsilon_to_the_variance)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 1));
    tb_const(g, "scale", I64(1), F32(1));
    tb_const(g, "bias", I64(1), F32(0));
    tb_const(g, "mean", I64(1), F32(0));
    tb_const(g, "var", I64(1), F32(3));
    int n = tb_node(g, OP_BATCHNORM, "bn", NAMES("x", "scale", "bias", "mean", "var"),
                    NAMES("y"));
    node_set_float(g, n, "epsilon", 1);
    float *y = tb_run1(g, (const float[]){4, -6});
    /* sqrt(3 + 1) = 2. */
    tb_expect(y, F32(2, -3), 1e-6f);
    free(y);
    graph_free(g);
}
