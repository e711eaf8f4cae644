/* Concat, Flatten, Reshape and Softmax: shapes, axes (negative too), and
 * Softmax under both opset conventions. */
#include "opsutil.h"

static float *iota(int n, float start)
{
    float *v = malloc((size_t)n * sizeof(float));
    for (int i = 0; i < n; i++)
        v[i] = start + (float)i;
    return v;
}

/* x (2,3,4) through one node whose single extra input is int64 "shape". */
static graph *reshape(const int64_t *s, int ns)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 3, 4));
    tb_iconst(g, "shape", (const int64_t[]){ns}, 1, s, ns);
    tb_node(g, OP_RESHAPE, "rs", NAMES("x", "shape"), NAMES("y"));
    return g;
}

Test(ops_shape, reshape_zero_copies_and_minus_one_infers)
{
    graph *g = reshape(I64(0, -1));
    float *x = iota(24, 0);
    float *y = tb_run1(g, x);
    tb_expect_shape(g, "y", I64(2, 12));
    tb_expect(y, x, 24, 0);
    free(y);
    free(x);
    graph_free(g);
}

Test(ops_shape, reshape_minus_one_first_and_zero_in_the_middle)
{
    graph *g = reshape(I64(-1, 2, 2));
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(6, 2, 2));
    graph_free(g);
    g = reshape(I64(4, 0, -1));
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(4, 3, 2));
    graph_free(g);
}

Test(ops_shape, reshape_with_allowzero_and_no_zero_behaves_as_usual)
{
    graph *g = reshape(I64(24));
    node_set_int(g, 0, "allowzero", 1);
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(24));
    graph_free(g);
}

static graph *flatten(int64_t axis)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 3, 4));
    int n = tb_node(g, OP_FLATTEN, "fl", NAMES("x"), NAMES("y"));
    node_set_int(g, n, "axis", axis);
    return g;
}

Test(ops_shape, flatten_axis_0_makes_one_row)
{
    graph *g = flatten(0);
    float *x = iota(24, 0);
    float *y = tb_run1(g, x);
    tb_expect_shape(g, "y", I64(1, 24));
    tb_expect(y, x, 24, 0);
    free(y);
    free(x);
    graph_free(g);
}

Test(ops_shape, flatten_axes_split_the_dims)
{
    const int64_t axes[] = {1, 2, 3, -1, -3};
    const int64_t want[][2] = {{2, 12}, {6, 4}, {24, 1}, {6, 4}, {1, 24}};
    for (int i = 0; i < 5; i++) {
        graph *g = flatten(axes[i]);
        tb_check_ok(g);
        tb_expect_shape(g, "y", want[i], 2);
        graph_free(g);
    }
}

Test(ops_shape, flatten_default_axis_is_1)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 3, 4));
    tb_node(g, OP_FLATTEN, "fl", NAMES("x"), NAMES("y"));
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(2, 12));
    graph_free(g);
}

Test(ops_shape, concat_interleaves_along_an_inner_axis)
{
    /* a = [1; 2] (2x1), b = [3 4; 5 6]: rows [1 3 4], [2 5 6]. */
    graph *g = graph_new();
    tb_input(g, "a", I64(2, 1));
    tb_const(g, "b", I64(2, 2), F32(3, 4, 5, 6));
    int n = tb_node(g, OP_CONCAT, "cat", NAMES("a", "b"), NAMES("y"));
    node_set_int(g, n, "axis", 1);
    float *y = tb_run1(g, (const float[]){1, 2});
    tb_expect_shape(g, "y", I64(2, 3));
    tb_expect(y, F32(1, 3, 4, 2, 5, 6), 0);
    free(y);
    graph_free(g);
}

Test(ops_shape, concat_negative_axis_counts_from_the_end)
{
    /* axis -3 of rank 3 is axis 0: three inputs stacked. */
    graph *g = graph_new();
    tb_input(g, "a", I64(1, 2, 1));
    tb_const(g, "b", I64(2, 2, 1), F32(3, 4, 5, 6));
    tb_const(g, "c", I64(1, 2, 1), F32(7, 8));
    int n = tb_node(g, OP_CONCAT, "cat", NAMES("a", "b", "c"), NAMES("y"));
    node_set_int(g, n, "axis", -3);
    float *y = tb_run1(g, (const float[]){1, 2});
    tb_expect_shape(g, "y", I64(4, 2, 1));
    tb_expect(y, F32(1, 2, 3, 4, 5, 6, 7, 8), 0);
    free(y);
    graph_free(g);
}

/* Softmax ---------------------------------------------------------------- */

static graph *softmax(int opset, const int64_t *d, int r)
{
    graph *g = graph_new();
    g->opset = opset;
    tb_input(g, "x", d, r);
    tb_node(g, OP_SOFTMAX, "sm", NAMES("x"), NAMES("y"));
    return g;
}

Test(ops_shape, softmax_13_defaults_to_the_last_axis)
{
    /* [1 2 3] -> e^{-2,-1,0} / 1.503214724; [0 0 0] -> thirds. */
    graph *g = softmax(13, I64(2, 3));
    float *y = tb_run1(g, (const float[]){1, 2, 3, 0, 0, 0});
    tb_expect(y, F32(0.090030573f, 0.244728471f, 0.665240956f, 1.0f / 3, 1.0f / 3, 1.0f / 3),
              1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_shape, softmax_13_along_axis_0_normalises_columns)
{
    /* Columns [0, ln 3] -> 1/4, 3/4 and [1, 1] -> 1/2, 1/2. */
    graph *g = softmax(13, I64(2, 2));
    node_set_int(g, 0, "axis", 0);
    float *y = tb_run1(g, (const float[]){0, 1, logf(3), 1});
    tb_expect(y, F32(0.25f, 0.5f, 0.75f, 0.5f), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_shape, softmax_before_13_coerces_to_2d_at_axis_1)
{
    /* (1,2,2) with exps 1 1 2 4: one group of four, sum 8. */
    graph *g = softmax(11, I64(1, 2, 2));
    float *y = tb_run1(g, (const float[]){0, 0, logf(2), logf(4)});
    tb_expect(y, F32(0.125f, 0.125f, 0.25f, 0.5f), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_shape, softmax_13_on_the_same_input_normalises_each_row)
{
    graph *g = softmax(13, I64(1, 2, 2));
    float *y = tb_run1(g, (const float[]){0, 0, logf(2), logf(4)});
    tb_expect(y, F32(0.5f, 0.5f, 1.0f / 3, 2.0f / 3), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_shape, softmax_before_13_with_explicit_axis_2)
{
    graph *g = softmax(12, I64(1, 2, 2));
    node_set_int(g, 0, "axis", 2);
    float *y = tb_run1(g, (const float[]){0, 0, logf(2), logf(4)});
    tb_expect(y, F32(0.5f, 0.5f, 1.0f / 3, 2.0f / 3), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_shape, softmax_survives_large_inputs)
{
    graph *g = softmax(13, I64(2));
    float *y = tb_run1(g, (const float[]){1000, 1001});
    tb_expect(y, F32(0.268941421f, 0.731058579f), 1e-6f);
    free(y);
    graph_free(g);
}
