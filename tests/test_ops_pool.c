/* MaxPool, AveragePool and the global pools: ceil_mode (including the rule
 * that drops a last window starting in the right padding), padding that
 * never wins a max, count_include_pad, auto_pad, dilation, 1-D to 3-D.
 * Expected values are hand-computed in the comments. */
#include "opsutil.h"

static graph *pool(op_kind op, const int64_t *xd, int xr, const int64_t *k, int nk)
{
    graph *g = graph_new();
    tb_input(g, "x", xd, xr);
    int n = tb_node(g, op, "pool", NAMES("x"), NAMES("y"));
    node_set_ints(g, n, "kernel_shape", k, nk);
    return g;
}

static void run_and_expect(graph *g, const float *x, const float *want, int n)
{
    float *y = tb_run1(g, x);
    tb_expect(y, want, n, 1e-6f);
    free(y);
}

static float *iota(int n, float start)
{
    float *v = malloc((size_t)n * sizeof(float));
    for (int i = 0; i < n; i++)
        v[i] = start + (float)i;
    return v;
}

Test(ops_pool, maxpool_2x2_stride_2)
{
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 4, 4), I64(2, 2));
    node_set_ints(g, 0, "strides", I64(2, 2));
    float *x = iota(16, 0);
    run_and_expect(g, x, F32(5, 7, 13, 15));
    free(x);
    graph_free(g);
}

Test(ops_pool, ceil_mode_off_drops_the_partial_window)
{
    /* x = 0..24 (5x5), 2x2 stride 2: rows {0,1},{2,3} only. */
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 5, 5), I64(2, 2));
    node_set_ints(g, 0, "strides", I64(2, 2));
    float *x = iota(25, 0);
    run_and_expect(g, x, F32(6, 8, 16, 18));
    tb_expect_shape(g, "y", I64(1, 1, 2, 2));
    free(x);
    graph_free(g);
}

Test(ops_pool, ceil_mode_on_keeps_the_partial_window)
{
    /* Rows {0,1},{2,3},{4}: maxima at rows/cols 1, 3, 4 -> 5r + c. */
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 5, 5), I64(2, 2));
    node_set_ints(g, 0, "strides", I64(2, 2));
    node_set_int(g, 0, "ceil_mode", 1);
    float *x = iota(25, 0);
    run_and_expect(g, x, F32(6, 8, 9, 16, 18, 19, 21, 23, 24));
    tb_expect_shape(g, "y", I64(1, 1, 3, 3));
    free(x);
    graph_free(g);
}

Test(ops_pool, ceil_mode_drops_a_window_starting_in_the_right_padding)
{
    /* in 4, end pad 1, k 2, s 2: ceil((4+1-2)/2)+1 = 3 windows, but the
     * third would start at 4, inside the right padding: ONNX/PyTorch keep 2. */
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 4), I64(2));
    node_set_ints(g, 0, "strides", I64(2));
    node_set_ints(g, 0, "pads", I64(0, 1));
    node_set_int(g, 0, "ceil_mode", 1);
    run_and_expect(g, (const float[]){1, 2, 3, 4}, F32(2, 4));
    tb_expect_shape(g, "y", I64(1, 1, 2));
    graph_free(g);
}

Test(ops_pool, ceil_mode_window_may_run_past_the_end_padding)
{
    /* in 4, begin pad 1, k 2, s 2: windows start at -1, 1, 3; the last
     * starts inside the input, so it stays though it reaches position 4. */
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 4), I64(2));
    node_set_ints(g, 0, "strides", I64(2));
    node_set_ints(g, 0, "pads", I64(1, 0));
    node_set_int(g, 0, "ceil_mode", 1);
    run_and_expect(g, (const float[]){1, 2, 3, 4}, F32(1, 3, 4));
    graph_free(g);
}

Test(ops_pool, maxpool_padding_never_beats_negative_inputs)
{
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 3), I64(2));
    node_set_ints(g, 0, "pads", I64(1, 1));
    run_and_expect(g, (const float[]){-1, -2, -3}, F32(-1, -1, -2, -3));
    graph_free(g);
}

Test(ops_pool, maxpool_dilation_skips_between_taps)
{
    /* k 2, dilation 3: windows (0,3), (1,4), (2,5), (3,6). */
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 7), I64(2));
    node_set_ints(g, 0, "dilations", I64(3));
    run_and_expect(g, (const float[]){5, 1, 4, 2, 8, 3, 0}, F32(5, 8, 4, 2));
    graph_free(g);
}

Test(ops_pool, maxpool_valid_padding)
{
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 5), I64(2));
    node_set_ints(g, 0, "strides", I64(2));
    node_set_string(g, 0, "auto_pad", "VALID");
    run_and_expect(g, (const float[]){1, 2, 3, 4, 5}, F32(2, 4));
    graph_free(g);
}

Test(ops_pool, count_include_pad_off_divides_by_real_inputs)
{
    /* k 3, pads 1/1: sums 3, 6, 9, 7 over 2, 3, 3, 2 real inputs. */
    graph *g = pool(OP_AVGPOOL, I64(1, 1, 4), I64(3));
    node_set_ints(g, 0, "pads", I64(1, 1));
    run_and_expect(g, (const float[]){1, 2, 3, 4}, F32(1.5f, 2, 3, 3.5f));
    graph_free(g);
}

Test(ops_pool, count_include_pad_on_divides_by_the_kernel_size)
{
    graph *g = pool(OP_AVGPOOL, I64(1, 1, 4), I64(3));
    node_set_ints(g, 0, "pads", I64(1, 1));
    node_set_int(g, 0, "count_include_pad", 1);
    run_and_expect(g, (const float[]){1, 2, 3, 4}, F32(1, 2, 3, 7.0f / 3));
    graph_free(g);
}

Test(ops_pool, count_include_pad_ignores_taps_past_the_end_padding)
{
    /* Windows [-1,0], [1,2], [3,4] (ceil_mode) with sums 1, 5, 4; taps in
     * [-1, 4) count: 2, 2, 1. Without count_include_pad: 1, 2, 1. */
    const float x[] = {1, 2, 3, 4};
    for (int inc = 0; inc < 2; inc++) {
        graph *g = pool(OP_AVGPOOL, I64(1, 1, 4), I64(2));
        node_set_ints(g, 0, "strides", I64(2));
        node_set_ints(g, 0, "pads", I64(1, 0));
        node_set_int(g, 0, "ceil_mode", 1);
        node_set_int(g, 0, "count_include_pad", inc);
        if (inc)
            run_and_expect(g, x, F32(0.5f, 2.5f, 4));
        else
            run_and_expect(g, x, F32(1, 2.5f, 4));
        graph_free(g);
    }
}

Test(ops_pool, avgpool_same_upper_and_same_lower)
{
    /* k 2, s 1 on 4 inputs: one pad, at the end (UPPER) or start (LOWER). */
    const char *modes[] = {"SAME_UPPER", "SAME_LOWER"};
    const float want[2][2][4] = {{{1.5f, 2.5f, 3.5f, 4}, {1.5f, 2.5f, 3.5f, 2}},
                                 {{1, 1.5f, 2.5f, 3.5f}, {0.5f, 1.5f, 2.5f, 3.5f}}};
    for (int m = 0; m < 2; m++)
        for (int inc = 0; inc < 2; inc++) {
            graph *g = pool(OP_AVGPOOL, I64(1, 1, 4), I64(2));
            node_set_string(g, 0, "auto_pad", modes[m]);
            node_set_int(g, 0, "count_include_pad", inc);
            run_and_expect(g, (const float[]){1, 2, 3, 4}, want[m][inc], 4);
            tb_expect_shape(g, "y", I64(1, 1, 4));
            graph_free(g);
        }
}

Test(ops_pool, avgpool_2d_asymmetric_pads)
{
    /* pads [top 1, left 0, bottom 0, right 1] on 1..9 (3x3), 2x2 windows:
     * sums 3 5 3 / 12 16 9 / 24 28 15 over 2 2 1 / 4 4 2 / 4 4 2 reals. */
    graph *g = pool(OP_AVGPOOL, I64(1, 1, 3, 3), I64(2, 2));
    node_set_ints(g, 0, "pads", I64(1, 0, 0, 1));
    float *x = iota(9, 1);
    run_and_expect(g, x, F32(1.5f, 2.5f, 3, 3, 4, 4.5f, 6, 7, 7.5f));
    free(x);
    graph_free(g);
}

Test(ops_pool, three_d_pools_reduce_the_whole_cube)
{
    float *x = iota(8, 1);
    graph *g = pool(OP_MAXPOOL, I64(1, 1, 2, 2, 2), I64(2, 2, 2));
    run_and_expect(g, x, F32(8));
    tb_expect_shape(g, "y", I64(1, 1, 1, 1, 1));
    graph_free(g);
    g = pool(OP_AVGPOOL, I64(1, 1, 2, 2, 2), I64(2, 2, 2));
    run_and_expect(g, x, F32(4.5f));
    graph_free(g);
    free(x);
}

Test(ops_pool, global_pools_reduce_each_channel)
{
    const float x[] = {1, 2, 3, 4, -1, -5, 2, 0};
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 2, 2, 2));
    tb_node(g, OP_GLOBALAVGPOOL, "gap", NAMES("x"), NAMES("avg"));
    tb_node(g, OP_GLOBALMAXPOOL, "gmp", NAMES("x"), NAMES("max"));
    tb_output(g, "avg");
    tb_output(g, "max");
    float *out[2];
    tb_run(g, (const float *const[]){x}, out);
    tb_expect_shape(g, "avg", I64(1, 2, 1, 1));
    tb_expect(out[0], F32(2.5f, -1), 1e-6f);
    tb_expect(out[1], F32(4, 2), 0);
    free(out[0]);
    free(out[1]);
    graph_free(g);
}

Test(ops_pool, pools_do_no_macs)
{
    graph *g = pool(OP_AVGPOOL, I64(1, 1, 4), I64(2));
    tb_check_ok(g);
    cr_assert_eq(op_table[OP_AVGPOOL].macs(g, &g->nodes[0]), 0);
    graph_free(g);
}
