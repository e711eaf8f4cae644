/* The broadcasting ops of the binary table (ops.h) beyond Add and Mul:
 * Sub, Div, the variadic Max, Min and Sum, and PRelu.
 *
 * Values are worked out by hand (in the comments) and checked in the
 * reference interpreter; shapes that do not broadcast are refused naming
 * the node and both tensors; and one model runs every op fused into a Conv
 * and a Gemm epilogue (with the skip operand on either side) and alone,
 * through lowering, the tile interpreter and the generated C on every
 * shipped target. */
#include "opsutil.h"
#include "program.h"
#include "test_emit_c.h"

/* op(a, b) with a and b graph inputs of the given shapes. */
static graph *binary(op_kind op, const int64_t *da, int ra, const int64_t *db, int rb)
{
    graph *g = graph_new();
    tb_input(g, "a", da, ra);
    tb_input(g, "b", db, rb);
    tb_node(g, op, "bin", NAMES("a", "b"), NAMES("y"));
    tb_output(g, "y");
    return g;
}

static float *run2(graph *g, const float *a, const float *b)
{
    float *out[1] = {0};
    const float *ins[2] = {a, b};
    tb_run(g, ins, out);
    return out[0];
}

Test(ops_binary, sub_broadcasts_a_row_over_a_matrix_either_way_round)
{
    graph *g = binary(OP_SUB, I64(2, 3), I64(3));
    /* [[1 2 3] [4 5 6]] - [1 10 100] */
    float *y = run2(g, (const float[]){1, 2, 3, 4, 5, 6}, (const float[]){1, 10, 100});
    tb_expect_shape(g, "y", I64(2, 3));
    tb_expect(y, F32(0, -8, -97, 3, -5, -94), 0);
    free(y);
    graph_free(g);
    g = binary(OP_SUB, I64(3), I64(2, 1));
    /* [1 2 3] - [[10] [20]]: the column stretches along the row */
    y = run2(g, (const float[]){1, 2, 3}, (const float[]){10, 20});
    tb_expect(y, F32(-9, -8, -7, -19, -18, -17), 0);
    free(y);
    graph_free(g);
}

Test(ops_binary, div_by_a_scalar_and_by_zero)
{
    graph *g = binary(OP_DIV, I64(5), SCALAR);
    float *y = run2(g, (const float[]){1, -3, 0, 7, 2}, (const float[]){2});
    tb_expect(y, F32(0.5f, -1.5f, 0, 3.5f, 1), 0);
    free(y);
    graph_free(g);
    /* 1/0 = inf, -1/0 = -inf, 0/0 = NaN */
    g = binary(OP_DIV, I64(3), I64(3));
    y = run2(g, (const float[]){1, -1, 0}, (const float[]){0, 0, 0});
    tb_expect(y, F32(INFINITY, -INFINITY, NAN), 0);
    free(y);
    graph_free(g);
}

/* op over inputs "a", "b", "c" of the given shapes (a variadic node). */
static graph *ternary(op_kind op, const int64_t *da, int ra, const int64_t *db, int rb,
                      const int64_t *dc, int rc)
{
    graph *g = graph_new();
    tb_input(g, "a", da, ra);
    tb_input(g, "b", db, rb);
    tb_input(g, "c", dc, rc);
    tb_node(g, op, "var", NAMES("a", "b", "c"), NAMES("y"));
    tb_output(g, "y");
    return g;
}

static float *run3(graph *g, const float *a, const float *b, const float *c)
{
    float *out[1] = {0};
    const float *ins[3] = {a, b, c};
    tb_run(g, ins, out);
    return out[0];
}

Test(ops_binary, max_min_and_sum_of_three_inputs_broadcast_to_all_of_them)
{
    /* a [2,1] = [[0] [5]], b [1,3] = [[1 4 -2]], c [3] = [3 3 3]: each
     * output element reads a[i], b[j], c[j] */
    static const float a[] = {0, 5}, b[] = {1, 4, -2}, c[] = {3, 3, 3};
    graph *g = ternary(OP_MAX, I64(2, 1), I64(1, 3), I64(3));
    float *y = run3(g, a, b, c);
    tb_expect_shape(g, "y", I64(2, 3));
    tb_expect(y, F32(3, 4, 3, 5, 5, 5), 0);
    free(y);
    graph_free(g);
    g = ternary(OP_MIN, I64(2, 1), I64(1, 3), I64(3));
    y = run3(g, a, b, c);
    tb_expect(y, F32(0, 0, -2, 1, 3, -2), 0);
    free(y);
    graph_free(g);
    g = ternary(OP_SUM, I64(2, 1), I64(1, 3), I64(3));
    y = run3(g, a, b, c);
    /* 0+1+3, 0+4+3, 0-2+3; 5+1+3, 5+4+3, 5-2+3 */
    tb_expect(y, F32(4, 7, 1, 9, 12, 6), 0);
    free(y);
    graph_free(g);
}

Test(ops_binary, max_and_min_propagate_nan_from_either_side)
{
    graph *g = binary(OP_MAX, I64(3), I64(3));
    float *y = run2(g, (const float[]){NAN, 1, 2}, (const float[]){0, NAN, 1});
    tb_expect(y, F32(NAN, NAN, 2), 0);
    free(y);
    graph_free(g);
    g = binary(OP_MIN, I64(3), I64(3));
    y = run2(g, (const float[]){NAN, 1, 2}, (const float[]){0, NAN, 1});
    tb_expect(y, F32(NAN, NAN, 1), 0);
    free(y);
    graph_free(g);
}

Test(ops_binary, variadic_ops_of_one_input_copy_it)
{
    static const op_kind ops[] = {OP_MAX, OP_MIN, OP_SUM};
    for (int k = 0; k < 3; k++) {
        graph *g = graph_new();
        tb_input(g, "a", I64(2, 2));
        tb_node(g, ops[k], "one", NAMES("a"), NAMES("y"));
        float *y = tb_run1(g, (const float[]){1, -2, 3, -4});
        tb_expect(y, F32(1, -2, 3, -4), 0);
        free(y);
        graph_free(g);
    }
}

Test(ops_binary, prelu_scales_negatives_by_a_per_channel_or_scalar_slope)
{
    /* x [1,2,2,2], slope [2,1,1] = [0.1 ; 0.5]: channel 0 negatives times
     * 0.1, channel 1 negatives times 0.5 */
    graph *g = binary(OP_PRELU, I64(1, 2, 2, 2), I64(2, 1, 1));
    float *y = run2(g, (const float[]){-10, 2, -4, 0, -10, 2, -4, 0}, (const float[]){0.1f, 0.5f});
    tb_expect_shape(g, "y", I64(1, 2, 2, 2));
    tb_expect(y, F32(-1, 2, -0.4f, 0, -5, 2, -2, 0), 1e-6f);
    free(y);
    graph_free(g);
    g = binary(OP_PRELU, I64(3), SCALAR);
    y = run2(g, (const float[]){-3, 3, NAN}, (const float[]){0.25f});
    tb_expect(y, F32(-0.75f, 3, NAN), 0);
    free(y);
    graph_free(g);
}

/* ---- refusals name the node and the tensors ---- */

Test(ops_binary, shapes_that_do_not_broadcast_are_refused_naming_both_tensors)
{
    graph *g = binary(OP_SUB, I64(2, 3), I64(4));
    tb_check_fails(g, NNP_INVALID, "node 'bin' (Sub)", "shapes of 'a' and 'b' do not broadcast",
                   "dim 1 of 'a' is 3", "dim 0 of 'b' is 4", NULL);
    graph_free(g);
    /* the third input clashes with the first, not with the second */
    g = ternary(OP_MAX, I64(2, 1), I64(1, 1), I64(3, 5));
    tb_check_fails(g, NNP_INVALID, "node 'var' (Max)", "shapes of 'a' and 'c' do not broadcast",
                   "dim 0 of 'a' is 2", "dim 0 of 'c' is 3", NULL);
    graph_free(g);
}

Test(ops_binary, a_prelu_slope_must_broadcast_onto_the_input_without_growing_it)
{
    graph *g = binary(OP_PRELU, I64(2, 3), I64(1, 2, 3));
    tb_check_fails(g, NNP_INVALID, "node 'bin' (PRelu)", "slope 'b' has rank 3",
                   "more than input 'a' (rank 2)", NULL);
    graph_free(g);
    g = binary(OP_PRELU, I64(2, 3), I64(3, 1));
    tb_check_fails(g, NNP_INVALID, "node 'bin' (PRelu)",
                   "slope 'b' does not broadcast onto input 'a'", "dim 0 of 'b' is 3",
                   "dim 0 of 'a' is 2", NULL);
    graph_free(g);
    g = binary(OP_PRELU, I64(2, 3), I64(2));
    tb_check_fails(g, NNP_INVALID, "dim 0 of 'b' is 2", "dim 1 of 'a' is 3", NULL);
    graph_free(g);
}

Test(ops_binary, a_per_channel_slope_before_opset_7_is_refused_as_unsupported)
{
    /* PRelu-6 applied a slope of C values along axis 1; opset 7 broadcasts
     * it from the right, which here would read it along the last axis */
    graph *g = binary(OP_PRELU, I64(2, 3, 3), I64(3));
    g->opset = 6;
    tb_check_fails(g, NNP_UNSUPPORTED, "node 'bin' (PRelu)", "slope 'b' has 3 values",
                   "before opset 7 (model opset 6)", "shape [3, 1, ...]", NULL);
    graph_free(g);
    /* the same node at opset 7 broadcasts along the last axis */
    g = binary(OP_PRELU, I64(1, 2, 3), I64(3));
    g->opset = 7;
    float *y = run2(g, (const float[]){-1, -1, -1, -2, 2, -2}, (const float[]){1, 2, 3});
    tb_expect(y, F32(-1, -2, -3, -2, 2, -6), 0);
    free(y);
    graph_free(g);
}

Test(ops_binary, wrong_input_counts_are_refused_naming_the_node)
{
    graph *g = ternary(OP_DIV, I64(2), I64(2), I64(2));
    tb_check_fails(g, NNP_INVALID, "node 'var' (Div) has 3 inputs", "Div takes 2 to 2", NULL);
    graph_free(g);
    g = graph_new();
    tb_input(g, "a", I64(2));
    tb_node(g, OP_PRELU, "pr", NAMES("a"), NAMES("y"));
    tb_output(g, "y");
    tb_check_fails(g, NNP_INVALID, "node 'pr' (PRelu) has 1 inputs", "PRelu takes 2 to 2", NULL);
    graph_free(g);
    g = graph_new();
    tb_input(g, "a", I64(2));
    tb_node(g, OP_SUM, "s", NAMES("a", NONE), NAMES("y"));
    tb_output(g, "y");
    tb_check_fails(g, NNP_INVALID, "node 's' (Sum)", "input 1 is missing", NULL);
    graph_free(g);
}

/* ---- fusion and the whole pipeline ---- */

/* x [1,3,8,8], z [1,1,1,8]:
 *   y0 = Sum(Min(1.5, Max(Div(Sub(s, PRelu(Conv(x), slope)), d), m), z), fused: the skip
 *        operand before the chain for Sub and Min, after it for the others;
 *   y1 = Max(x, z, k), y2 = Min(x), y3 = Sum(z, x), y4 = Sub(z, x), y5 = Div(x, d3),
 *        y6 = PRelu(x, slope3), each alone;
 *   y7 = PRelu(Gemm(Flatten(x), w), slope10) - bias, fused into the Gemm. */
static graph *binary_model(void)
{
    graph *g = graph_new();
    g->opset = 13;
    tb_input(g, "x", I64(1, 3, 8, 8));
    tb_input(g, "z", I64(1, 1, 1, 8));
    tb_const_seeded(g, "w", I64(4, 3, 3, 3), -0.3f, 0.3f, 7);
    int c = tb_node(g, OP_CONV, "conv", NAMES("x", "w"), NAMES("c"));
    node_set_ints(g, c, "pads", I64(1, 1, 1, 1));
    tb_const_seeded(g, "slope", I64(4, 1, 1), 0.05f, 0.3f, 8);
    tb_node(g, OP_PRELU, "f_prelu", NAMES("c", "slope"), NAMES("f0"));
    tb_const_seeded(g, "s", I64(4, 1, 1), -0.5f, 0.5f, 9);
    tb_node(g, OP_SUB, "f_sub", NAMES("s", "f0"), NAMES("f1"));
    tb_const_seeded(g, "d", I64(1), 0.5f, 0.5f, 10);
    tb_node(g, OP_DIV, "f_div", NAMES("f1", "d"), NAMES("f2"));
    tb_const_seeded(g, "m", I64(8), -0.2f, 0.2f, 11);
    tb_node(g, OP_MAX, "f_max", NAMES("f2", "m"), NAMES("f3"));
    tb_const(g, "cap", SCALAR, F32(1.5f));
    tb_node(g, OP_MIN, "f_min", NAMES("cap", "f3"), NAMES("f4"));
    tb_node(g, OP_SUM, "f_sum", NAMES("f4", "z"), NAMES("y0"));
    tb_const_seeded(g, "k", I64(3, 1, 1), -1, 1, 12);
    tb_node(g, OP_MAX, "a_max", NAMES("x", "z", "k"), NAMES("y1"));
    tb_node(g, OP_MIN, "a_min", NAMES("x"), NAMES("y2"));
    tb_node(g, OP_SUM, "a_sum", NAMES("z", "x"), NAMES("y3"));
    tb_node(g, OP_SUB, "a_sub", NAMES("z", "x"), NAMES("y4"));
    tb_const_seeded(g, "d3", I64(3, 1, 1), 0.5f, 2.0f, 13);
    tb_node(g, OP_DIV, "a_div", NAMES("x", "d3"), NAMES("y5"));
    tb_const_seeded(g, "slope3", I64(3, 1, 1), 0.0f, 0.5f, 14);
    tb_node(g, OP_PRELU, "a_prelu", NAMES("x", "slope3"), NAMES("y6"));
    tb_node(g, OP_FLATTEN, "flat", NAMES("x"), NAMES("fx"));
    tb_const_seeded(g, "wg", I64(192, 10), -0.1f, 0.1f, 15);
    tb_node(g, OP_GEMM, "gemm", NAMES("fx", "wg"), NAMES("gm"));
    tb_const_seeded(g, "slope10", I64(10), 0.0f, 0.5f, 16);
    tb_node(g, OP_PRELU, "g_prelu", NAMES("gm", "slope10"), NAMES("g0"));
    tb_const_seeded(g, "bias", I64(1, 10), -1, 1, 17);
    tb_node(g, OP_SUB, "g_sub", NAMES("g0", "bias"), NAMES("y7"));
    for (int k = 0; k < 8; k++) {
        char nm[8];
        snprintf(nm, sizeof nm, "y%d", k);
        tb_output(g, nm);
    }
    return g;
}

Test(ops_binary, binary_ops_with_a_skip_operand_fuse_into_the_conv_and_gemm_epilogue)
{
    tcase c;
    tc_graph_in(&c, binary_model(), "bin", "npu", NULL, -2.0f, 2.0f);
    const program *p = c.p;
    const prog_group *gr = &p->groups[p->group_of_node[tb_node_named(c.g, "conv")]];
    static const op_kind chain[] = {OP_PRELU, OP_SUB, OP_DIV, OP_MAX, OP_MIN, OP_SUM};
    static const int swapped[] = {0, 1, 0, 0, 1, 0};
    cr_assert_eq(gr->par.nepi, 6, "the whole chain is fused, got %d steps", gr->par.nepi);
    for (int k = 0; k < 6; k++) {
        const epi_step *s = &gr->par.epi[k];
        cr_assert_eq(s->kind, EPI_BINARY, "step %d", k);
        cr_assert_eq(s->bin, chain[k], "step %d", k);
        cr_assert_eq(s->swap, swapped[k], "step %d: the chain is operand %d", k, swapped[k]);
        cr_assert_eq(gr->ops[s->op].kind, POP_LOAD_SKIP);
    }
    cr_assert_str_eq(p->tensors[gr->ops[gr->par.epi[0].op].tensor].name, "slope");
    cr_assert_str_eq(p->tensors[gr->ops[gr->par.epi[5].op].tensor].name, "z");
    const prog_group *gm = &p->groups[p->group_of_node[tb_node_named(c.g, "gemm")]];
    cr_assert_eq(gm->par.nepi, 2);
    cr_assert_eq(p->group_of_node[tb_node_named(c.g, "g_sub")],
                 p->group_of_node[tb_node_named(c.g, "gemm")]);
    const prog_group *mx = &p->groups[p->group_of_node[tb_node_named(c.g, "a_max")]];
    cr_assert_eq(mx->kind, GK_ELTWISE);
    int loads = 0;
    for (int i = 0; i < mx->nops; i++)
        loads += mx->ops[i].kind == POP_LOAD_INPUT || mx->ops[i].kind == POP_LOAD_WEIGHT;
    cr_assert_eq(loads, 3, "a Max of three inputs loads three operands");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
    run_cmd(cmd, NULL, NULL);
    tc_free(&c);
}

Test(ops_binary, fused_and_alone_match_the_reference_tiled_and_compiled_on_every_target)
{
    tc_pipeline(binary_model, "bin", -2.0f, 2.0f);
}
