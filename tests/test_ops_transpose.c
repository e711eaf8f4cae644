/* Data movement: Transpose (a real permutation), Squeeze and Unsqueeze
 * (reshapes: axes as an attribute before opset 13, as a constant input
 * from 13).
 *
 * Values and shapes are worked out by hand (in the comments) and checked in
 * the reference interpreter; malformed nodes are refused naming the node;
 * lowering makes Squeeze, Unsqueeze and order-keeping Transposes aliases
 * and tiles the others; and one model runs them all through lowering, the
 * tile interpreter and the generated C on every shipped target. */
#include "opsutil.h"
#include "program.h"
#include "test_emit_c.h"

static graph *transpose_of(const int64_t *dims, int rank)
{
    graph *g = graph_new();
    tb_input(g, "x", dims, rank);
    tb_node(g, OP_TRANSPOSE, "tr", NAMES("x"), NAMES("y"));
    return g;
}

Test(ops_transpose, default_perm_reverses_the_axes)
{
    graph *g = transpose_of(I64(2, 3));
    /* [[1 2 3] [4 5 6]] becomes [[1 4] [2 5] [3 6]] */
    float *y = tb_run1(g, (const float[]){1, 2, 3, 4, 5, 6});
    tb_expect_shape(g, "y", I64(3, 2));
    tb_expect(y, F32(1, 4, 2, 5, 3, 6), 0);
    free(y);
    graph_free(g);
}

Test(ops_transpose, a_permutation_of_three_axes_moves_every_element)
{
    graph *g = transpose_of(I64(2, 3, 4));
    node_set_ints(g, 0, "perm", I64(1, 2, 0));
    float x[24];
    for (int i = 0; i < 24; i++)
        x[i] = (float)i; /* x[k][i][j] = 12k + 4i + j */
    float *y = tb_run1(g, x);
    /* y[i][j][k] = x[k][i][j]: y is [3, 4, 2] */
    tb_expect_shape(g, "y", I64(3, 4, 2));
    tb_expect(y, F32(0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22,
                     11, 23),
              0);
    free(y);
    graph_free(g);
}

Test(ops_transpose, scalars_and_vectors_are_left_as_they_are)
{
    graph *g = transpose_of(SCALAR);
    float *y = tb_run1(g, (const float[]){7});
    tb_expect_shape(g, "y", SCALAR);
    tb_expect(y, F32(7), 0);
    free(y);
    graph_free(g);
    g = transpose_of(I64(3));
    y = tb_run1(g, (const float[]){1, 2, 3});
    tb_expect(y, F32(1, 2, 3), 0);
    free(y);
    graph_free(g);
}

/* A Squeeze or Unsqueeze of x at the given opset, its axes as an
 * attribute (opset < 13) or a constant input; count < 0: no axes. */
static graph *axes_op(op_kind op, int opset, const int64_t *dims, int rank, const int64_t *axes,
                      int count)
{
    graph *g = graph_new();
    g->opset = opset;
    tb_input(g, "x", dims, rank);
    if (count >= 0 && opset >= 13) {
        tb_iconst(g, "axes", (const int64_t[]){count}, 1, axes, count);
        tb_node(g, op, "ax", NAMES("x", "axes"), NAMES("y"));
    } else {
        tb_node(g, op, "ax", NAMES("x"), NAMES("y"));
        if (count >= 0)
            node_set_ints(g, 0, "axes", axes, count);
    }
    tb_output(g, "y");
    return g;
}

Test(ops_transpose, squeeze_drops_the_named_dims_of_one_or_all_of_them)
{
    graph *g = axes_op(OP_SQUEEZE, 11, I64(1, 3, 1), I64(0, -1));
    float *y = tb_run1(g, (const float[]){1, 2, 3});
    tb_expect_shape(g, "y", I64(3));
    tb_expect(y, F32(1, 2, 3), 0);
    free(y);
    graph_free(g);
    g = axes_op(OP_SQUEEZE, 13, I64(1, 3, 1, 2), NULL, -1);
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(3, 2));
    graph_free(g);
    g = axes_op(OP_SQUEEZE, 13, I64(1, 3, 1, 2), I64(2));
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(1, 3, 2));
    graph_free(g);
}

Test(ops_transpose, unsqueeze_inserts_dims_of_one_where_the_output_axes_say)
{
    graph *g = axes_op(OP_UNSQUEEZE, 11, I64(2, 3), I64(0, 3));
    float *y = tb_run1(g, (const float[]){1, 2, 3, 4, 5, 6});
    tb_expect_shape(g, "y", I64(1, 2, 3, 1));
    tb_expect(y, F32(1, 2, 3, 4, 5, 6), 0);
    free(y);
    graph_free(g);
    /* axes count in the output's rank: -1 is the new last axis */
    g = axes_op(OP_UNSQUEEZE, 13, I64(2, 3), I64(-1));
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(2, 3, 1));
    graph_free(g);
    /* unsorted axes name output positions all the same */
    g = axes_op(OP_UNSQUEEZE, 13, I64(2, 3), I64(2, 0));
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(1, 2, 1, 3));
    graph_free(g);
}

/* ---- refusals name the node ---- */

#define FAILS(g, code, ...) tb_check_fails(g, code, "node 'ax' (", __VA_ARGS__, NULL)

Test(ops_transpose, squeeze_refuses_dims_other_than_one_and_bad_axes)
{
    graph *g = axes_op(OP_SQUEEZE, 13, I64(1, 3), I64(1));
    FAILS(g, NNP_INVALID, "Squeeze)", "cannot squeeze axis 1 of 'x': its dim is 3, not 1");
    graph_free(g);
    g = axes_op(OP_SQUEEZE, 11, I64(1, 3), I64(2));
    FAILS(g, NNP_INVALID, "axis 2 is out of range [-2, 1] for rank 2");
    graph_free(g);
    g = axes_op(OP_SQUEEZE, 13, I64(1, 1, 3), I64(0, -3));
    FAILS(g, NNP_INVALID, "axis 0 appears twice in axes");
    graph_free(g);
}

Test(ops_transpose, axes_must_take_the_form_the_opset_gives_them)
{
    /* opset 13 with the old attribute */
    graph *g = axes_op(OP_SQUEEZE, 11, I64(1, 3), I64(0));
    g->opset = 13;
    FAILS(g, NNP_INVALID, "Squeeze from opset 13 takes its axes as an input",
          "(model opset 13)");
    graph_free(g);
    /* opset 12 with the new input */
    g = axes_op(OP_UNSQUEEZE, 13, I64(3), I64(0));
    g->opset = 12;
    FAILS(g, NNP_INVALID, "Unsqueeze before opset 13 takes its axes as an attribute");
    graph_free(g);
    /* axes computed at run time */
    g = graph_new();
    g->opset = 13;
    tb_input(g, "x", I64(1, 3));
    tb_input(g, "a", I64(1));
    g->tensors[graph_find_tensor(g, "a")].type = DT_INT64;
    tb_node(g, OP_SQUEEZE, "ax", NAMES("x", "a"), NAMES("y"));
    tb_output(g, "y");
    FAILS(g, NNP_UNSUPPORTED, "axes input 'a' is not a constant; nnpipe needs static shapes");
    graph_free(g);
    /* Unsqueeze needs axes */
    g = axes_op(OP_UNSQUEEZE, 13, I64(3), NULL, -1);
    FAILS(g, NNP_INVALID, "Unsqueeze)", "the axes input is missing");
    graph_free(g);
    g = axes_op(OP_UNSQUEEZE, 11, I64(3), NULL, -1);
    FAILS(g, NNP_INVALID, "the axes attribute is missing");
    graph_free(g);
}

Test(ops_transpose, unsqueeze_past_rank_eight_is_unsupported)
{
    graph *g = axes_op(OP_UNSQUEEZE, 13, I64(2, 2, 2, 2, 2, 2, 2), I64(0, 1));
    FAILS(g, NNP_UNSUPPORTED, "output would have rank 9; nnpipe allows 8");
    graph_free(g);
}

Test(ops_transpose, perm_must_be_a_permutation_of_the_input_axes)
{
    graph *g = transpose_of(I64(2, 3));
    node_set_ints(g, 0, "perm", I64(1, 0, 2));
    tb_output(g, "y");
    tb_check_fails(g, NNP_INVALID, "node 'tr' (Transpose)", "perm has 3 values",
                   "input 'x' has rank 2", NULL);
    graph_free(g);
    g = transpose_of(I64(2, 3));
    node_set_ints(g, 0, "perm", I64(0, 2));
    tb_output(g, "y");
    tb_check_fails(g, NNP_INVALID, "node 'tr' (Transpose)", "perm[1] = 2 is not an axis of 'x'",
                   NULL);
    graph_free(g);
    g = transpose_of(I64(2, 3, 4));
    node_set_ints(g, 0, "perm", I64(1, 0, 1));
    tb_output(g, "y");
    tb_check_fails(g, NNP_INVALID, "node 'tr' (Transpose)", "perm[2] = 1 names an axis already",
                   "not a permutation", NULL);
    graph_free(g);
    g = transpose_of(I64(2, 3));
    node_set_int(g, 0, "perm", 1);
    tb_output(g, "y");
    tb_check_fails(g, NNP_INVALID, "node 'tr' (Transpose)", "attribute 'perm' must be a list",
                   NULL);
    graph_free(g);
}

/* ---- lowering and the whole pipeline ---- */

/* x [1,3,6,8], opset 13:
 *   c  = Conv(Transpose(Transpose(x, NCHW->NHWC), NHWC->NCHW))   [1,4,6,8]
 *   y0 = Transpose(Squeeze(c, [0]))                               [8,6,4]
 *   y1 = Transpose(Unsqueeze(y0, [1,3]), (1,0,3,2,4))             [1,8,1,6,4], an alias
 *   y2 = Reshape(Transpose(Reshape(c, [1,1,2,2,6,8]), (0,1,4,2,5,3)), [1,1,12,16]):
 *        PyTorch's PixelShuffle, a 6-D transpose
 *   y3 = MatMul(Flatten(x), Transpose(w)) with w [10,144] constant: a transposed weight */
static graph *transpose_model(void)
{
    graph *g = graph_new();
    g->opset = 13;
    tb_input(g, "x", I64(1, 3, 6, 8));
    int n = tb_node(g, OP_TRANSPOSE, "to_nhwc", NAMES("x"), NAMES("nhwc"));
    node_set_ints(g, n, "perm", I64(0, 2, 3, 1));
    n = tb_node(g, OP_TRANSPOSE, "to_nchw", NAMES("nhwc"), NAMES("nchw"));
    node_set_ints(g, n, "perm", I64(0, 3, 1, 2));
    tb_const_seeded(g, "w", I64(4, 3, 3, 3), -0.3f, 0.3f, 7);
    n = tb_node(g, OP_CONV, "conv", NAMES("nchw", "w"), NAMES("c"));
    node_set_ints(g, n, "pads", I64(1, 1, 1, 1));
    tb_iconst(g, "ax0", I64(1), I64(0));
    tb_node(g, OP_SQUEEZE, "squeeze", NAMES("c", "ax0"), NAMES("s"));
    tb_node(g, OP_TRANSPOSE, "reverse", NAMES("s"), NAMES("y0"));
    tb_iconst(g, "ax13", I64(2), I64(1, 3));
    tb_node(g, OP_UNSQUEEZE, "unsqueeze", NAMES("y0", "ax13"), NAMES("u"));
    n = tb_node(g, OP_TRANSPOSE, "ones_only", NAMES("u"), NAMES("y1"));
    node_set_ints(g, n, "perm", I64(1, 0, 3, 2, 4));
    tb_iconst(g, "shape6", I64(6), I64(1, 1, 2, 2, 6, 8));
    tb_node(g, OP_RESHAPE, "split", NAMES("c", "shape6"), NAMES("r6"));
    n = tb_node(g, OP_TRANSPOSE, "shuffle", NAMES("r6"), NAMES("t6"));
    node_set_ints(g, n, "perm", I64(0, 1, 4, 2, 5, 3));
    tb_iconst(g, "shape4", I64(4), I64(1, 1, 12, 16));
    tb_node(g, OP_RESHAPE, "merge", NAMES("t6", "shape4"), NAMES("y2"));
    tb_node(g, OP_FLATTEN, "flat", NAMES("x"), NAMES("f"));
    tb_const_seeded(g, "wl", I64(10, 144), -0.1f, 0.1f, 8);
    tb_node(g, OP_TRANSPOSE, "wT", NAMES("wl"), NAMES("wlt"));
    tb_node(g, OP_MATMUL, "linear", NAMES("f", "wlt"), NAMES("y3"));
    for (int k = 0; k < 4; k++) {
        char nm[8];
        snprintf(nm, sizeof nm, "y%d", k);
        tb_output(g, nm);
    }
    return g;
}

static const prog_group *group_named(const program *p, const graph *g, const char *name)
{
    return &p->groups[p->group_of_node[tb_node_named(g, name)]];
}

Test(ops_transpose, reshapes_become_aliases_and_real_transposes_tiled_groups)
{
    tcase c;
    tc_graph_in(&c, transpose_model(), "tr", "npu", NULL, -2.0f, 2.0f);
    static const char *const aliases[] = {"squeeze", "unsqueeze", "ones_only", "split", "merge"};
    for (int k = 0; k < 5; k++)
        cr_assert_eq(group_named(c.p, c.g, aliases[k])->kind, GK_ALIAS, "%s", aliases[k]);
    static const char *const moves[] = {"to_nhwc", "to_nchw", "reverse", "shuffle", "wT"};
    for (int k = 0; k < 5; k++) {
        const prog_group *gr = group_named(c.p, c.g, moves[k]);
        cr_assert_eq(gr->kind, GK_TRANSPOSE, "%s", moves[k]);
        cr_assert_str_eq(group_kind_name(gr->kind), "transpose");
    }
    const prog_group *sh = group_named(c.p, c.g, "shuffle");
    static const int perm[] = {0, 1, 4, 2, 5, 3};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(sh->par.perm[i], perm[i]);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
    run_cmd(cmd, NULL, NULL);
    tc_free(&c);
}

Test(ops_transpose, transposes_and_reshapes_match_the_reference_tiled_and_compiled_everywhere)
{
    tc_pipeline(transpose_model, "tr", -2.0f, 2.0f);
}

/* [1,64,32,32] is 256 KiB, four times the mcu's local memory. */
static graph *big_transpose(void)
{
    graph *g = transpose_of(I64(1, 64, 32, 32));
    node_set_ints(g, 0, "perm", I64(0, 2, 3, 1));
    tb_output(g, "y");
    return g;
}

Test(ops_transpose, a_transpose_larger_than_local_memory_is_split_into_tiles)
{
    tcase c;
    tc_graph_in(&c, big_transpose(), "big", "mcu", NULL, -1.0f, 1.0f);
    const prog_group *gr = &c.p->groups[0];
    cr_assert_eq(gr->kind, GK_TRANSPOSE);
    cr_assert_gt(gr->ntiles, 4, "%lld tiles", (long long)gr->ntiles);
    cr_assert_leq(gr->rep.working_set[POOL_UNIFIED], c.t->mem_bytes);
    tc_check_tiled(&c);
    tc_emit(&c, 1, NULL);
    strbuf mk = {0};
    tc_rule(&mk, &c, "big", "gcc", TC_STRICT, "big_mcu.c");
    tc_make(c.dir, mk.s);
    sb_free(&mk);
    tc_check(&c, "big", "--weights big_mcu.bin");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
    run_cmd(cmd, NULL, NULL);
    tc_free(&c);
}
