/* Conv: padding (explicit, asymmetric, SAME_UPPER/SAME_LOWER, VALID),
 * strides, dilation, groups, depthwise, 1-D and 3-D, bias, and the MAC
 * count. Expected values are hand-computed in the comments; x counts up
 * from 1 (or 0) in row-major order so every position is distinguishable. */
#include "opsutil.h"

static float *iota(int n, float start)
{
    float *v = malloc((size_t)n * sizeof(float));
    for (int i = 0; i < n; i++)
        v[i] = start + (float)i;
    return v;
}

/* x (given dims) * constant w (given dims and values) -> y. */
static graph *conv(const int64_t *xd, int xr, const int64_t *wd, int wr, const float *w, int nw)
{
    graph *g = graph_new();
    tb_input(g, "x", xd, xr);
    tb_const(g, "w", wd, wr, w, nw);
    tb_node(g, OP_CONV, "conv", NAMES("x", "w"), NAMES("y"));
    return g;
}

static void run_and_expect(graph *g, const float *x, const float *want, int n)
{
    float *y = tb_run1(g, x);
    tb_expect(y, want, n, 1e-6f);
    free(y);
}

Test(ops_conv, unpadded_2x2_kernel_is_not_flipped)
{
    /* x 1..9 (3x3), w [1 2; 3 4]: y00 = 1*1 + 2*2 + 3*4 + 4*5 = 37, then
     * +10 per column step (sum w = 10) and +30 per row step. */
    graph *g = conv(I64(1, 1, 3, 3), I64(1, 1, 2, 2), F32(1, 2, 3, 4));
    float *x = iota(9, 1);
    run_and_expect(g, x, F32(37, 47, 67, 77));
    tb_expect_shape(g, "y", I64(1, 1, 2, 2));
    free(x);
    graph_free(g);
}

Test(ops_conv, asymmetric_pads_shift_the_window)
{
    /* pads [top 1, left 0, bottom 0, right 1]: the padded 4x4 input is
     *   0 0 0 0 / 1 2 3 0 / 4 5 6 0 / 7 8 9 0, summed over 2x2 windows. */
    graph *g = conv(I64(1, 1, 3, 3), I64(1, 1, 2, 2), F32(1, 1, 1, 1));
    node_set_ints(g, 0, "pads", I64(1, 0, 0, 1));
    float *x = iota(9, 1);
    run_and_expect(g, x, F32(3, 5, 3, 12, 16, 9, 24, 28, 15));
    tb_expect_shape(g, "y", I64(1, 1, 3, 3));
    free(x);
    graph_free(g);
}

Test(ops_conv, same_upper_puts_the_odd_pad_at_the_end)
{
    /* 1-D x [1 2 3 4], w [1 10]: total pad 1, at the end. */
    graph *g = conv(I64(1, 1, 4), I64(1, 1, 2), F32(1, 10));
    node_set_string(g, 0, "auto_pad", "SAME_UPPER");
    run_and_expect(g, (const float[]){1, 2, 3, 4}, F32(21, 32, 43, 4));
    graph_free(g);
}

Test(ops_conv, same_lower_puts_the_odd_pad_at_the_start)
{
    graph *g = conv(I64(1, 1, 4), I64(1, 1, 2), F32(1, 10));
    node_set_string(g, 0, "auto_pad", "SAME_LOWER");
    run_and_expect(g, (const float[]){1, 2, 3, 4}, F32(10, 21, 32, 43));
    graph_free(g);
}

Test(ops_conv, same_padding_with_stride_2_keeps_ceil_of_half)
{
    /* x = 0..24 (5x5), 2x2 ones, stride 2: 3x3 outputs, total pad 1 per
     * dim. UPPER windows cover rows {0,1},{2,3},{4}; LOWER {0},{1,2},{3,4}.
     * E.g. UPPER y00 = 0+1+5+6 = 12, LOWER y11 = 6+7+11+12 = 36. */
    float *x = iota(25, 0);
    const char *modes[] = {"SAME_UPPER", "SAME_LOWER"};
    const float want[2][9] = {{12, 20, 13, 52, 60, 33, 41, 45, 24},
                              {0, 3, 7, 15, 36, 44, 35, 76, 84}};
    for (int m = 0; m < 2; m++) {
        graph *g = conv(I64(1, 1, 5, 5), I64(1, 1, 2, 2), F32(1, 1, 1, 1));
        node_set_string(g, 0, "auto_pad", modes[m]);
        node_set_ints(g, 0, "strides", I64(2, 2));
        run_and_expect(g, x, want[m], 9);
        tb_expect_shape(g, "y", I64(1, 1, 3, 3));
        graph_free(g);
    }
    free(x);
}

Test(ops_conv, valid_padding_drops_partial_windows)
{
    /* x = 0..15 (4x4), 3x3 ones: y00 = sum over rows 0-2, cols 0-2 of
     * 4r + c = 36 + 9 = 45; +9 per column step, +36 per row step. */
    graph *g = conv(I64(1, 1, 4, 4), I64(1, 1, 3, 3), F32(1, 1, 1, 1, 1, 1, 1, 1, 1));
    node_set_string(g, 0, "auto_pad", "VALID");
    float *x = iota(16, 0);
    run_and_expect(g, x, F32(45, 54, 81, 90));
    free(x);
    graph_free(g);
}

Test(ops_conv, valid_padding_with_stride_rounds_down)
{
    /* 1-D length 5, k 2, stride 2: windows at 0 and 2 only. */
    graph *g = conv(I64(1, 1, 5), I64(1, 1, 2), F32(1, 1));
    node_set_string(g, 0, "auto_pad", "VALID");
    node_set_ints(g, 0, "strides", I64(2));
    run_and_expect(g, (const float[]){1, 2, 3, 4, 5}, F32(3, 7));
    tb_expect_shape(g, "y", I64(1, 1, 2));
    graph_free(g);
}

Test(ops_conv, dilation_spreads_the_taps)
{
    /* x 1..7, w [1 10 100], dilation 2: taps at i, i+2, i+4. */
    graph *g = conv(I64(1, 1, 7), I64(1, 1, 3), F32(1, 10, 100));
    node_set_ints(g, 0, "dilations", I64(2));
    float *x = iota(7, 1);
    run_and_expect(g, x, F32(531, 642, 753));
    free(x);
    graph_free(g);
}

Test(ops_conv, dilation_with_padding_and_stride)
{
    /* x 1..5, w [1 1], dilation 3, pads 2/2, stride 2: padded positions
     * -2..6; windows start at -2, 0, 2 and read (-2,1), (0,3), (2,5):
     * 0+2, 1+4, 3+0. */
    graph *g = conv(I64(1, 1, 5), I64(1, 1, 2), F32(1, 1));
    node_set_ints(g, 0, "dilations", I64(3));
    node_set_ints(g, 0, "pads", I64(2, 2));
    node_set_ints(g, 0, "strides", I64(2));
    float *x = iota(5, 1);
    run_and_expect(g, x, F32(2, 5, 3));
    free(x);
    graph_free(g);
}

Test(ops_conv, groups_read_only_their_own_channels)
{
    /* x channels {1,2,3,4}, group 2, four output channels (two per group):
     * oc0,oc1 read channels 0,1; oc2,oc3 read channels 2,3. */
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 4, 1, 1));
    tb_const(g, "w", I64(4, 2, 1, 1), F32(1, 10, 2, 20, 100, 1000, 3, 30));
    tb_const(g, "b", I64(4), F32(0.5f, 0, 0, -0.5f));
    int n = tb_node(g, OP_CONV, "conv", NAMES("x", "w", "b"), NAMES("y"));
    node_set_int(g, n, "group", 2);
    /* 1+20+0.5, 2+40, 300+4000, 9+120-0.5 */
    run_and_expect(g, (const float[]){1, 2, 3, 4}, F32(21.5f, 42, 4300, 128.5f));
    tb_expect_shape(g, "y", I64(1, 4, 1, 1));
    cr_assert_eq(op_table[OP_CONV].macs(g, &g->nodes[0]), 4 * 2);
    graph_free(g);
}

Test(ops_conv, depthwise_applies_one_kernel_per_channel)
{
    /* channels 1..4, 5..8, 9..12; kernels ones, [1 0;0 0], [0 0;0 2]. */
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 3, 2, 2));
    tb_const(g, "w", I64(3, 1, 2, 2), F32(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2));
    int n = tb_node(g, OP_CONV, "dw", NAMES("x", "w"), NAMES("y"));
    node_set_int(g, n, "group", 3);
    float *x = iota(12, 1);
    run_and_expect(g, x, F32(10, 5, 24));
    free(x);
    graph_free(g);
}

Test(ops_conv, batch_and_channels_accumulate_independently)
{
    /* Two images, two input channels summed by w = [1, 100] (1x1). */
    graph *g = conv(I64(2, 2, 1, 2), I64(1, 2, 1, 1), F32(1, 100));
    /* image 0: c0 {1,2}, c1 {3,4}; image 1: c0 {5,6}, c1 {7,8}. */
    float *x = iota(8, 1);
    run_and_expect(g, x, F32(301, 402, 705, 806));
    tb_expect_shape(g, "y", I64(2, 1, 1, 2));
    free(x);
    graph_free(g);
}

Test(ops_conv, three_d_with_depth_padding_and_h_stride)
{
    /* x[d][h][w] = 1 + 4d + 2h + w (3x2x2); kernel 2x1x1 = [1, 10] along
     * depth, depth end pad 1, h stride 2: y[d][0][w] = x[d][0][w] +
     * 10*x[d+1][0][w], and x[3] is padding. */
    graph *g = conv(I64(1, 1, 3, 2, 2), I64(1, 1, 2, 1, 1), F32(1, 10));
    node_set_ints(g, 0, "pads", I64(0, 0, 0, 1, 0, 0));
    node_set_ints(g, 0, "strides", I64(1, 2, 1));
    float *x = iota(12, 1);
    run_and_expect(g, x, F32(51, 62, 95, 106, 9, 10));
    tb_expect_shape(g, "y", I64(1, 1, 3, 1, 2));
    free(x);
    graph_free(g);
}

Test(ops_conv, kernel_shape_attribute_may_restate_the_weights)
{
    graph *g = conv(I64(1, 1, 3, 3), I64(1, 1, 2, 2), F32(1, 2, 3, 4));
    node_set_ints(g, 0, "kernel_shape", I64(2, 2));
    float *x = iota(9, 1);
    run_and_expect(g, x, F32(37, 47, 67, 77));
    free(x);
    graph_free(g);
}

Test(ops_conv, macs_count_every_multiply_of_the_full_kernel)
{
    /* N=1, M=4, 8x8 out (pad 1), C=3, 3x3: 1*4*64*3*9 = 6912. */
    float w[4 * 3 * 9] = {0};
    graph *g = conv(I64(1, 3, 8, 8), I64(4, 3, 3, 3), w, 4 * 3 * 9);
    node_set_ints(g, 0, "pads", I64(1, 1, 1, 1));
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(1, 4, 8, 8));
    cr_assert_eq(op_table[OP_CONV].macs(g, &g->nodes[0]), 6912);
    graph_free(g);
}

/* An independent direct evaluation (explicitly padded copy of the input,
 * then textbook sums) cross-checks a random grouped, strided, dilated,
 * asymmetrically padded 2-D case that is too big to work by hand. */
Test(ops_conv, random_grouped_case_matches_a_direct_evaluation)
{
    enum { N = 2, C = 4, H = 7, W = 6, M = 6, G = 2, KH = 3, KW = 2 };
    enum { pt = 1, pl = 0, pb = 2, pr = 1, HP = H + pt + pb, WP = W + pl + pr };
    const int sh = 2, sw = 1, dh = 1, dw = 2;
    const int OH = (HP - ((KH - 1) * dh + 1)) / sh + 1, OW = (WP - ((KW - 1) * dw + 1)) / sw + 1;
    static float x[N * C * H * W], w[M * (C / G) * KH * KW], b[M], xp[N][C][HP][WP];
    unsigned s = 12345;
    for (int i = 0; i < N * C * H * W; i++)
        x[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 255) / 64.0f - 2;
    for (int i = 0; i < M * (C / G) * KH * KW; i++)
        w[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 255) / 64.0f - 2;
    for (int i = 0; i < M; i++)
        b[i] = (float)i - 2.5f;
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            for (int h = 0; h < H; h++)
                for (int ww = 0; ww < W; ww++)
                    xp[n][c][h + pt][ww + pl] = x[((n * C + c) * H + h) * W + ww];
    float *want = calloc(N * M * OH * OW, sizeof(float));
    for (int n = 0; n < N; n++)
        for (int m = 0; m < M; m++)
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    double acc = b[m];
                    for (int c = 0; c < C / G; c++)
                        for (int kh = 0; kh < KH; kh++)
                            for (int kw = 0; kw < KW; kw++)
                                acc += (double)w[((m * (C / G) + c) * KH + kh) * KW + kw] *
                                       xp[n][m / (M / G) * (C / G) + c][oh * sh + kh * dh]
                                         [ow * sw + kw * dw];
                    want[((n * M + m) * OH + oh) * OW + ow] = (float)acc;
                }
    graph *g = graph_new();
    tb_input(g, "x", I64(N, C, H, W));
    tb_const(g, "w", I64(M, C / G, KH, KW), w, M * (C / G) * KH * KW);
    tb_const(g, "b", I64(M), b, M);
    int k = tb_node(g, OP_CONV, "conv", NAMES("x", "w", "b"), NAMES("y"));
    node_set_int(g, k, "group", G);
    node_set_ints(g, k, "strides", I64(sh, sw));
    node_set_ints(g, k, "dilations", I64(dh, dw));
    node_set_ints(g, k, "pads", I64(pt, pl, pb, pr));
    float *y = tb_run1(g, x);
    tb_expect_shape(g, "y", I64(N, M, OH, OW));
    tb_expect(y, want, N * M * OH * OW, 1e-5f);
    free(y);
    free(want);
    graph_free(g);
}

/* Dimension independence: a 2-D case (checked above against a direct
 * evaluation) must give the same numbers when written as a 3-D conv with a
 * depth of 1, and a 1-D conv as a 2-D conv with a height of 1. */
static float *conv_nd(const float *x, const int64_t *xd, const float *w, const int64_t *wd,
                      int rank, const int64_t *pads, const int64_t *strides,
                      const int64_t *dils, int64_t group, int64_t *ycount)
{
    graph *g = graph_new();
    tb_input(g, "x", xd, rank);
    int wt = tb_tensor(g, "w", wd, rank);
    int64_t nw = tensor_numel(&g->tensors[wt]);
    g->tensors[wt].data = malloc((size_t)nw * sizeof(float));
    memcpy(g->tensors[wt].data, w, (size_t)nw * sizeof(float));
    int n = tb_node(g, OP_CONV, "conv", NAMES("x", "w"), NAMES("y"));
    node_set_ints(g, n, "pads", pads, 2 * (rank - 2));
    node_set_ints(g, n, "strides", strides, rank - 2);
    node_set_ints(g, n, "dilations", dils, rank - 2);
    node_set_int(g, n, "group", group);
    float *y = tb_run1(g, x);
    *ycount = tensor_numel(tb_t(g, "y"));
    graph_free(g);
    return y;
}

Test(ops_conv, unit_extra_dims_do_not_change_the_result)
{
    float x[2 * 4 * 5 * 6], w[6 * 2 * 3 * 2];
    unsigned s = 777;
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 63) / 16.0f - 2;
    for (size_t i = 0; i < sizeof w / sizeof *w; i++)
        w[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 63) / 16.0f - 2;
    int64_t n2, n3, n1, n1as2;
    float *y2 = conv_nd(x, (const int64_t[]){2, 4, 5, 6}, w, (const int64_t[]){6, 2, 3, 2}, 4,
                        (const int64_t[]){1, 0, 2, 1}, (const int64_t[]){2, 1},
                        (const int64_t[]){1, 2}, 2, &n2);
    float *y3 = conv_nd(x, (const int64_t[]){2, 4, 1, 5, 6}, w, (const int64_t[]){6, 2, 1, 3, 2},
                        5, (const int64_t[]){0, 1, 0, 0, 2, 1}, (const int64_t[]){1, 2, 1},
                        (const int64_t[]){1, 1, 2}, 2, &n3);
    cr_assert_eq(n2, n3);
    tb_expect(y3, y2, (int)n2, 0);
    /* The same data as a 1-D problem: N=2, C=4, length 30. */
    float *y1 = conv_nd(x, (const int64_t[]){2, 4, 30}, w, (const int64_t[]){6, 2, 6}, 3,
                        (const int64_t[]){3, 1}, (const int64_t[]){2}, (const int64_t[]){3}, 2,
                        &n1);
    float *y12 = conv_nd(x, (const int64_t[]){2, 4, 1, 30}, w, (const int64_t[]){6, 2, 1, 6}, 4,
                         (const int64_t[]){0, 3, 0, 1}, (const int64_t[]){1, 2},
                         (const int64_t[]){1, 3}, 2, &n1as2);
    cr_assert_eq(n1, n1as2);
    tb_expect(y1, y12, (int)n1, 0);
    free(y1);
    free(y12);
    free(y2);
    free(y3);
}
