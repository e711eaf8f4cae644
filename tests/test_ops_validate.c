/* Validation: every malformed or unsupported node is refused by
 * graph_check with the right status and a message that names the node
 * ("node 'bad' (Op)") and the attribute, tensor or dims at fault. */
#include "opsutil.h"

#define FAILS(g, code, ...) tb_check_fails(g, code, "node 'bad' (", __VA_ARGS__, NULL)

static graph *conv_graph(const int64_t *xd, int xr, const int64_t *wd, int wr)
{
    graph *g = graph_new();
    tb_input(g, "x", xd, xr);
    tb_input(g, "w", wd, wr);
    tb_node(g, OP_CONV, "bad", NAMES("x", "w"), NAMES("y"));
    return g;
}

static graph *conv3x3(void)
{
    return conv_graph(I64(1, 4, 5, 5), I64(8, 4, 3, 3));
}

Test(ops_validate, conv_negative_pads)
{
    graph *g = conv3x3();
    node_set_ints(g, 0, "pads", I64(0, -1, 0, 0));
    FAILS(g, NNP_INVALID, "pads[1] = -1");
    graph_free(g);
}

Test(ops_validate, conv_zero_stride)
{
    graph *g = conv3x3();
    node_set_ints(g, 0, "strides", I64(1, 0));
    FAILS(g, NNP_INVALID, "strides[1] = 0");
    graph_free(g);
}

Test(ops_validate, conv_zero_dilation)
{
    graph *g = conv3x3();
    node_set_ints(g, 0, "dilations", I64(0, 1));
    FAILS(g, NNP_INVALID, "dilations[0] = 0");
    graph_free(g);
}

Test(ops_validate, conv_kernel_larger_than_padded_input)
{
    graph *g = conv_graph(I64(1, 1, 2, 5), I64(1, 1, 3, 3));
    FAILS(g, NNP_INVALID, "kernel extent 3", "padded input 2", "spatial dim 0");
    graph_free(g);
    /* Dilation makes a small kernel too wide as well. */
    g = conv3x3();
    node_set_ints(g, 0, "dilations", I64(1, 3));
    FAILS(g, NNP_INVALID, "kernel extent 7", "dilation 3", "spatial dim 1");
    graph_free(g);
}

Test(ops_validate, conv_channels_not_divisible_by_group)
{
    graph *g = conv_graph(I64(1, 6, 5, 5), I64(8, 2, 3, 3));
    node_set_int(g, 0, "group", 4);
    FAILS(g, NNP_INVALID, "input channels 6", "group 4");
    graph_free(g);
}

Test(ops_validate, conv_output_channels_not_divisible_by_group)
{
    graph *g = conv_graph(I64(1, 4, 5, 5), I64(6, 1, 3, 3));
    node_set_int(g, 0, "group", 4);
    FAILS(g, NNP_INVALID, "output channels 6", "group 4");
    graph_free(g);
}

Test(ops_validate, conv_weight_channels_mismatch)
{
    graph *g = conv_graph(I64(1, 4, 5, 5), I64(8, 3, 3, 3));
    FAILS(g, NNP_INVALID, "weights 'w'", "3 input channels", "expected 4");
    graph_free(g);
}

Test(ops_validate, conv_weight_rank_mismatch)
{
    graph *g = conv_graph(I64(1, 4, 5, 5), I64(8, 4, 3));
    FAILS(g, NNP_INVALID, "weights 'w' have rank 3");
    graph_free(g);
}

Test(ops_validate, conv_kernel_shape_disagrees_with_weights)
{
    graph *g = conv3x3();
    node_set_ints(g, 0, "kernel_shape", I64(3, 2));
    FAILS(g, NNP_INVALID, "kernel_shape[1] = 2", "'w'");
    graph_free(g);
}

Test(ops_validate, conv_bias_shape)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 4, 5, 5));
    tb_input(g, "w", I64(8, 4, 3, 3));
    tb_input(g, "b", I64(4));
    tb_node(g, OP_CONV, "bad", NAMES("x", "w", "b"), NAMES("y"));
    FAILS(g, NNP_INVALID, "bias 'b'", "[8]");
    graph_free(g);
}

Test(ops_validate, conv_needs_a_spatial_dim)
{
    graph *g = conv_graph(I64(1, 4), I64(8, 4));
    FAILS(g, NNP_INVALID, "rank 2");
    graph_free(g);
}

Test(ops_validate, explicit_pads_with_auto_pad)
{
    graph *g = conv3x3();
    node_set_string(g, 0, "auto_pad", "SAME_UPPER");
    node_set_ints(g, 0, "pads", I64(1, 1, 1, 1));
    FAILS(g, NNP_INVALID, "auto_pad SAME_UPPER");
    graph_free(g);
}

Test(ops_validate, unknown_auto_pad)
{
    graph *g = conv3x3();
    node_set_string(g, 0, "auto_pad", "SAME");
    FAILS(g, NNP_INVALID, "auto_pad 'SAME'");
    graph_free(g);
}

Test(ops_validate, attribute_of_the_wrong_kind_or_length)
{
    graph *g = conv3x3();
    node_set_int(g, 0, "strides", 2);
    FAILS(g, NNP_INVALID, "'strides' must be a list of ints");
    graph_free(g);
    g = conv3x3();
    node_set_ints(g, 0, "pads", I64(1, 1));
    FAILS(g, NNP_INVALID, "'pads' has 2 values; expected 4");
    graph_free(g);
}

Test(ops_validate, unnamed_node_is_named_by_index_and_op)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 3));
    tb_input(g, "z", I64(4));
    tb_node(g, OP_ADD, "", NAMES("x", "z"), NAMES("y"));
    tb_check_fails(g, NNP_INVALID, "node #0 (Add)", "do not broadcast", "'z'", NULL);
    graph_free(g);
}

/* Pools ------------------------------------------------------------------ */

static graph *pool_graph(op_kind op, int nout)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 1, 4, 4));
    if (nout == 2)
        tb_node(g, op, "bad", NAMES("x"), NAMES("y", "idx"));
    else
        tb_node(g, op, "bad", NAMES("x"), NAMES("y"));
    return g;
}

Test(ops_validate, pool_needs_kernel_shape)
{
    graph *g = pool_graph(OP_MAXPOOL, 1);
    FAILS(g, NNP_INVALID, "kernel_shape is missing");
    graph_free(g);
}

Test(ops_validate, maxpool_indices_output_is_unsupported)
{
    graph *g = pool_graph(OP_MAXPOOL, 2);
    node_set_ints(g, 0, "kernel_shape", I64(2, 2));
    FAILS(g, NNP_UNSUPPORTED, "Indices output");
    graph_free(g);
}

Test(ops_validate, maxpool_storage_order_1_is_unsupported)
{
    graph *g = pool_graph(OP_MAXPOOL, 1);
    node_set_ints(g, 0, "kernel_shape", I64(2, 2));
    node_set_int(g, 0, "storage_order", 1);
    FAILS(g, NNP_UNSUPPORTED, "storage_order = 1");
    graph_free(g);
}

Test(ops_validate, pool_window_made_only_of_padding)
{
    graph *g = pool_graph(OP_AVGPOOL, 1);
    node_set_ints(g, 0, "kernel_shape", I64(2, 2));
    node_set_ints(g, 0, "pads", I64(0, 2, 0, 0));
    FAILS(g, NNP_INVALID, "entirely in padding", "spatial dim 1");
    graph_free(g);
}

Test(ops_validate, pool_flags_must_be_0_or_1)
{
    graph *g = pool_graph(OP_AVGPOOL, 1);
    node_set_ints(g, 0, "kernel_shape", I64(2, 2));
    node_set_int(g, 0, "ceil_mode", 2);
    FAILS(g, NNP_INVALID, "ceil_mode = 2");
    graph_free(g);
    g = pool_graph(OP_AVGPOOL, 1);
    node_set_ints(g, 0, "kernel_shape", I64(2, 2));
    node_set_int(g, 0, "count_include_pad", -1);
    FAILS(g, NNP_INVALID, "count_include_pad = -1");
    graph_free(g);
}

Test(ops_validate, pool_kernel_shape_length)
{
    graph *g = pool_graph(OP_MAXPOOL, 1);
    node_set_ints(g, 0, "kernel_shape", I64(2));
    FAILS(g, NNP_INVALID, "kernel_shape has 1 values", "2 spatial dims");
    graph_free(g);
}

/* Elementwise ------------------------------------------------------------ */

Test(ops_validate, broadcast_incompatible_shapes)
{
    graph *g = graph_new();
    tb_input(g, "a", I64(2, 3));
    tb_input(g, "b", I64(4, 2));
    tb_node(g, OP_MUL, "bad", NAMES("a", "b"), NAMES("y"));
    FAILS(g, NNP_INVALID, "do not broadcast", "dim 0 of 'a' is 2", "dim 0 of 'b' is 4");
    graph_free(g);
}

static graph *clip_graph(int opset, int nin)
{
    graph *g = graph_new();
    g->opset = opset;
    tb_input(g, "x", I64(4));
    tb_const(g, "lo", I64(2), F32(0, 1));
    const char *in[] = {"x", "lo"};
    tb_node(g, OP_CLIP, "bad", in, nin, NAMES("y"));
    return g;
}

Test(ops_validate, clip_bounds_must_match_the_opset_form)
{
    graph *g = clip_graph(13, 1);
    node_set_float(g, 0, "min", 0);
    FAILS(g, NNP_INVALID, "opset 11", "attributes");
    graph_free(g);
    g = clip_graph(10, 2);
    FAILS(g, NNP_INVALID, "before opset 11");
    graph_free(g);
}

Test(ops_validate, clip_bound_must_be_a_scalar)
{
    graph *g = clip_graph(13, 2);
    FAILS(g, NNP_INVALID, "min bound 'lo' must be a scalar");
    graph_free(g);
}

static graph *bn_graph(int nout, int64_t chans)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 2, 2, 2));
    const char *p[] = {"scale", "bias", "mean", "var"};
    for (int k = 0; k < 4; k++)
        tb_input(g, p[k], (const int64_t[]){k == 3 ? chans : 2}, 1);
    const char *out[] = {"y", "rm", "rv"};
    tb_node(g, OP_BATCHNORM, "bad", NAMES("x", "scale", "bias", "mean", "var"), out, nout);
    return g;
}

Test(ops_validate, batchnorm_training_is_unsupported)
{
    graph *g = bn_graph(1, 2);
    node_set_int(g, 0, "training_mode", 1);
    FAILS(g, NNP_UNSUPPORTED, "training_mode = 1");
    graph_free(g);
    g = bn_graph(3, 2);
    FAILS(g, NNP_UNSUPPORTED, "output 1");
    graph_free(g);
}

Test(ops_validate, batchnorm_parameter_shape)
{
    graph *g = bn_graph(1, 3);
    FAILS(g, NNP_INVALID, "var 'var' must have shape [2]");
    graph_free(g);
}

Test(ops_validate, dropout_mask_and_training_are_unsupported)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(4));
    tb_node(g, OP_DROPOUT, "bad", NAMES("x"), NAMES("y", "mask"));
    FAILS(g, NNP_UNSUPPORTED, "mask output");
    graph_free(g);
    g = graph_new();
    tb_input(g, "x", I64(4));
    tb_iconst(g, "train", SCALAR, I64(1));
    tb_node(g, OP_DROPOUT, "bad", NAMES("x", NONE, "train"), NAMES("y"));
    FAILS(g, NNP_UNSUPPORTED, "training_mode input 'train'");
    graph_free(g);
}

Test(ops_validate, float_op_refuses_an_int64_tensor)
{
    graph *g = graph_new();
    tb_iconst(g, "k", I64(2), I64(1, 2));
    tb_node(g, OP_RELU, "bad", NAMES("k"), NAMES("y"));
    FAILS(g, NNP_UNSUPPORTED, "'k' is int64");
    graph_free(g);
}

/* Shape ops ---------------------------------------------------------------- */

static graph *reshape_graph(const int64_t *s, int ns)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 3, 4));
    tb_iconst(g, "shape", (const int64_t[]){ns}, 1, s, ns);
    tb_node(g, OP_RESHAPE, "bad", NAMES("x", "shape"), NAMES("y"));
    return g;
}

Test(ops_validate, reshape_element_count_mismatch)
{
    graph *g = reshape_graph(I64(5, 2));
    FAILS(g, NNP_INVALID, "shape has 10 elements", "'x' has 24");
    graph_free(g);
    g = reshape_graph(I64(5, -1));
    FAILS(g, NNP_INVALID, "cannot infer the -1 dim");
    graph_free(g);
}

Test(ops_validate, reshape_malformed_shapes)
{
    graph *g = reshape_graph(I64(-1, -1));
    FAILS(g, NNP_INVALID, "-1 at both index 0 and 1");
    graph_free(g);
    g = reshape_graph(I64(-2, 12));
    FAILS(g, NNP_INVALID, "shape[0] = -2");
    graph_free(g);
    g = reshape_graph(I64(2, 3, 4, 0));
    FAILS(g, NNP_INVALID, "shape[3] = 0 copies input dim 3");
    graph_free(g);
}

Test(ops_validate, reshape_unsupported_forms)
{
    graph *g = reshape_graph(I64(0, 12));
    node_set_int(g, 0, "allowzero", 1);
    FAILS(g, NNP_UNSUPPORTED, "allowzero");
    graph_free(g);
    g = graph_new();
    tb_input(g, "x", I64(2, 3));
    int s = tb_input(g, "shape", I64(1));
    g->tensors[s].type = DT_INT64;
    tb_node(g, OP_RESHAPE, "bad", NAMES("x", "shape"), NAMES("y"));
    FAILS(g, NNP_UNSUPPORTED, "'shape' is not a constant");
    graph_free(g);
}

Test(ops_validate, concat_axis_and_dims)
{
    graph *g = graph_new();
    tb_input(g, "a", I64(2, 3));
    tb_input(g, "b", I64(2, 4));
    tb_input(g, "c", I64(2));
    tb_node(g, OP_CONCAT, "bad", NAMES("a", "b"), NAMES("y"));
    FAILS(g, NNP_INVALID, "axis is missing");
    node_set_int(g, 0, "axis", 0);
    FAILS(g, NNP_INVALID, "input 1 'b' has dim 1 = 4", "only axis 0 may differ");
    node_set_int(g, 0, "axis", 2);
    FAILS(g, NNP_INVALID, "axis 2 is out of range [-2, 1]");
    graph_free(g);
    g = graph_new();
    tb_input(g, "a", I64(2, 3));
    tb_input(g, "c", I64(2));
    int n = tb_node(g, OP_CONCAT, "bad", NAMES("a", "c"), NAMES("y"));
    node_set_int(g, n, "axis", 0);
    FAILS(g, NNP_INVALID, "'c' has rank 1");
    graph_free(g);
}

Test(ops_validate, axis_out_of_range_for_flatten_and_softmax)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2, 3));
    int n = tb_node(g, OP_FLATTEN, "bad", NAMES("x"), NAMES("y"));
    node_set_int(g, n, "axis", 3);
    FAILS(g, NNP_INVALID, "axis 3 is out of range [-2, 2]");
    graph_free(g);
    g = graph_new();
    tb_input(g, "x", I64(2, 3));
    n = tb_node(g, OP_SOFTMAX, "bad", NAMES("x"), NAMES("y"));
    node_set_int(g, n, "axis", -3);
    FAILS(g, NNP_INVALID, "axis -3");
    graph_free(g);
}

/* Matrix products ---------------------------------------------------------- */

static graph *mm_graph(op_kind op, const int64_t *ad, int ar, const int64_t *bd, int br)
{
    graph *g = graph_new();
    tb_input(g, "a", ad, ar);
    tb_input(g, "b", bd, br);
    tb_node(g, op, "bad", NAMES("a", "b"), NAMES("y"));
    return g;
}

Test(ops_validate, gemm_inner_dims_and_ranks)
{
    graph *g = mm_graph(OP_GEMM, I64(2, 3), I64(4, 5));
    FAILS(g, NNP_INVALID, "inner dims differ", "2 x 3", "4 x 5");
    graph_free(g);
    g = mm_graph(OP_GEMM, I64(2, 3), I64(4, 3));
    node_set_int(g, 0, "transB", 1);
    tb_check_ok(g);
    tb_expect_shape(g, "y", I64(2, 4));
    graph_free(g);
    g = mm_graph(OP_GEMM, I64(1, 2, 3), I64(3, 2));
    FAILS(g, NNP_INVALID, "must be 2-D");
    graph_free(g);
}

Test(ops_validate, gemm_c_must_broadcast_one_way)
{
    graph *g = graph_new();
    tb_input(g, "a", I64(2, 3));
    tb_input(g, "b", I64(3, 4));
    tb_input(g, "c", I64(3, 4));
    tb_node(g, OP_GEMM, "bad", NAMES("a", "b", "c"), NAMES("y"));
    FAILS(g, NNP_INVALID, "C 'c'", "2 x 4");
    graph_free(g);
}

Test(ops_validate, matmul_inner_and_batch_dims)
{
    graph *g = mm_graph(OP_MATMUL, I64(2, 3), I64(2, 3));
    FAILS(g, NNP_INVALID, "'a' has 3 columns", "'b' has 2 rows");
    graph_free(g);
    g = mm_graph(OP_MATMUL, I64(2, 2, 3), I64(3, 3, 4));
    FAILS(g, NNP_INVALID, "batch dims");
    graph_free(g);
}

/* Limits --------------------------------------------------------------------- */

Test(ops_validate, outputs_over_2_pow_31_elements_hit_the_limit)
{
    graph *g = mm_graph(OP_MATMUL, I64(65536, 1), I64(1, 65536));
    FAILS(g, NNP_LIMIT, "2^31");
    graph_free(g);
    g = mm_graph(OP_ADD, I64(65536, 1), I64(1, 32768));
    tb_check_ok(g); /* exactly 2^31 is allowed */
    graph_free(g);
}

Test(ops_validate, absurd_pads_are_refused_before_any_arithmetic)
{
    graph *g = conv3x3();
    node_set_ints(g, 0, "pads", I64(0, 0, INT64_MAX, 0));
    FAILS(g, NNP_INVALID, "pads[2]");
    graph_free(g);
    g = conv3x3();
    node_set_ints(g, 0, "strides", I64(INT64_MAX, 1));
    FAILS(g, NNP_INVALID, "strides[0]");
    graph_free(g);
}
