/* Gemm (every transpose combination, alpha/beta, each way C broadcasts)
 * and MatMul (1-D operands, batches, broadcast batches). The base product
 * A B with A = [1 2 3; 4 5 6] and B = [1 2; 3 4; 5 6] is
 * [22 28; 49 64], worked out by hand. */
#include "opsutil.h"

static const float a23[] = {1, 2, 3, 4, 5, 6};    /* A, 2x3 */
static const float a23t[] = {1, 4, 2, 5, 3, 6};   /* A^T stored 3x2 */
static const float b32[] = {1, 2, 3, 4, 5, 6};    /* B, 3x2 */
static const float b32t[] = {1, 3, 5, 2, 4, 6};   /* B^T stored 2x3 */

/* Gemm with A as input "a" (stored transposed when ta) and constant B. */
static graph *gemm(int ta, int tb)
{
    graph *g = graph_new();
    if (ta)
        tb_input(g, "a", I64(3, 2));
    else
        tb_input(g, "a", I64(2, 3));
    if (tb)
        tb_const(g, "b", I64(2, 3), b32t, 6);
    else
        tb_const(g, "b", I64(3, 2), b32, 6);
    return g;
}

static void gemm_case(int ta, int tb, const int64_t *cd, int cr, const float *c, int nc,
                      const float *want)
{
    graph *g = gemm(ta, tb);
    tb_const(g, "c", cd, cr, c, nc);
    int n = tb_node(g, OP_GEMM, "fc", NAMES("a", "b", "c"), NAMES("y"));
    node_set_int(g, n, "transA", ta);
    node_set_int(g, n, "transB", tb);
    node_set_float(g, n, "alpha", 2);
    node_set_float(g, n, "beta", 0.5f);
    float *y = tb_run1(g, ta ? a23t : a23);
    tb_expect_shape(g, "y", I64(2, 2));
    tb_expect(y, want, 4, 1e-6f);
    cr_assert_eq(op_table[OP_GEMM].macs(g, &g->nodes[0]), 2 * 2 * 3);
    free(y);
    graph_free(g);
}

/* 2 A B = [44 56; 98 128]; beta = 0.5 halves C. */
Test(ops_matmul, gemm_plain_with_scalar_c)
{
    gemm_case(0, 0, SCALAR, F32(10), (const float[]){49, 61, 103, 133});
}

Test(ops_matmul, gemm_trans_a_with_row_c)
{
    gemm_case(1, 0, I64(2), F32(10, 20), (const float[]){49, 66, 103, 138});
}

Test(ops_matmul, gemm_trans_b_with_column_c)
{
    gemm_case(0, 1, I64(2, 1), F32(10, 20), (const float[]){49, 61, 108, 138});
}

Test(ops_matmul, gemm_trans_a_and_b_with_full_c)
{
    gemm_case(1, 1, I64(2, 2), F32(1, 2, 3, 4), (const float[]){44.5f, 57, 99.5f, 130});
}

Test(ops_matmul, gemm_single_element_c_broadcasts)
{
    gemm_case(1, 1, I64(1), F32(-88), (const float[]){0, 12, 54, 84});
}

Test(ops_matmul, gemm_without_c_is_the_scaled_product)
{
    graph *g = gemm(0, 0);
    tb_node(g, OP_GEMM, "fc", NAMES("a", "b"), NAMES("y"));
    float *y = tb_run1(g, a23);
    tb_expect(y, F32(22, 28, 49, 64), 0);
    free(y);
    graph_free(g);
}

/* MatMul ---------------------------------------------------------------- */

static float *matmul(const int64_t *ad, int ar, const float *a, const int64_t *bd, int br,
                     const float *b, int nb, graph **gp)
{
    graph *g = graph_new();
    tb_input(g, "a", ad, ar);
    tb_const(g, "b", bd, br, b, nb);
    tb_node(g, OP_MATMUL, "mm", NAMES("a", "b"), NAMES("y"));
    *gp = g;
    return tb_run1(g, a);
}

Test(ops_matmul, matmul_2d)
{
    graph *g;
    float *y = matmul(I64(2, 3), a23, I64(3, 2), b32, 6, &g);
    tb_expect_shape(g, "y", I64(2, 2));
    tb_expect(y, F32(22, 28, 49, 64), 0);
    free(y);
    graph_free(g);
}

Test(ops_matmul, matmul_1d_by_2d_drops_the_row_dim)
{
    graph *g;
    float *y = matmul(I64(3), a23, I64(3, 2), b32, 6, &g);
    tb_expect_shape(g, "y", I64(2));
    tb_expect(y, F32(22, 28), 0);
    free(y);
    graph_free(g);
}

Test(ops_matmul, matmul_2d_by_1d_drops_the_column_dim)
{
    graph *g;
    float *y = matmul(I64(2, 3), a23, I64(3), F32(1, 1, 1), &g);
    tb_expect_shape(g, "y", I64(2));
    tb_expect(y, F32(6, 15), 0);
    free(y);
    graph_free(g);
}

Test(ops_matmul, matmul_1d_by_1d_is_a_scalar_dot_product)
{
    graph *g;
    float *y = matmul(I64(3), a23, I64(3), F32(4, 5, 6), &g);
    tb_expect_shape(g, "y", SCALAR);
    tb_expect(y, F32(32), 0);
    free(y);
    graph_free(g);
}

Test(ops_matmul, matmul_batched_a_shares_one_b)
{
    /* [1 2; 3 4] and [5 6; 7 8] times [1 0; 1 1]. */
    graph *g;
    float *y = matmul(I64(2, 2, 2), (const float[]){1, 2, 3, 4, 5, 6, 7, 8}, I64(2, 2),
                      F32(1, 0, 1, 1), &g);
    tb_expect_shape(g, "y", I64(2, 2, 2));
    tb_expect(y, F32(3, 2, 7, 4, 11, 6, 15, 8), 0);
    cr_assert_eq(op_table[OP_MATMUL].macs(g, &g->nodes[0]), 2 * 2 * 2 * 2);
    free(y);
    graph_free(g);
}

Test(ops_matmul, matmul_batch_dims_broadcast_both_ways)
{
    /* A: 2x1 batch of rows [1 2], [3 4]; B: batch of 3 columns [1;0],
     * [0;1], [1;1]. y[i][j] = A_i . B_j. */
    graph *g;
    float *y = matmul(I64(2, 1, 1, 2), (const float[]){1, 2, 3, 4}, I64(3, 2, 1),
                      F32(1, 0, 0, 1, 1, 1), &g);
    tb_expect_shape(g, "y", I64(2, 3, 1, 1));
    tb_expect(y, F32(1, 2, 3, 3, 4, 7), 0);
    free(y);
    graph_free(g);
}
