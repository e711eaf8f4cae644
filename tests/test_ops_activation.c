/* The activations of the activation table (ops.h): Tanh, Exp, Log, Neg,
 * Abs, Sqrt, Elu, Selu, HardSigmoid, HardSwish, Softplus, Softsign.
 *
 * Each op's values are worked out by hand (in the comments) and checked in
 * the reference interpreter; malformed nodes are refused naming the node;
 * and one model runs every activation fused into a Conv and a Gemm
 * epilogue and alone, through lowering, the tile interpreter and the
 * generated C on every shipped target. */
#include <float.h>

#include "opsutil.h"
#include "program.h"
#include "test_emit_c.h"

static float *run_unary(op_kind op, const float *x, int n)
{
    graph *g = graph_new();
    tb_input(g, "x", (const int64_t[]){n}, 1);
    tb_node(g, op, "act", NAMES("x"), NAMES("y"));
    float *y = tb_run1(g, x);
    graph_free(g);
    return y;
}

/* Runs op with one float attribute (name = value) on x. */
static float *run_with(op_kind op, const char *name, float value, const float *x, int n)
{
    graph *g = graph_new();
    tb_input(g, "x", (const int64_t[]){n}, 1);
    tb_node(g, op, "act", NAMES("x"), NAMES("y"));
    node_set_float(g, 0, name, value);
    float *y = tb_run1(g, x);
    graph_free(g);
    return y;
}

#define CHECK(op, x, want, tol)                                                                    \
    do {                                                                                           \
        const float xs_[] = x;                                                                     \
        float *y_ = run_unary(op, xs_, (int)(sizeof xs_ / sizeof *xs_));                           \
        tb_expect(y_, want, tol);                                                                  \
        free(y_);                                                                                  \
    } while (0)
#define V(...) {__VA_ARGS__}

Test(ops_activation, tanh_is_odd_saturates_and_keeps_nan)
{
    /* tanh 0.5 = (e - 1) / (e + 1) = 0.462117157; tanh 1 = 0.761594156 */
    CHECK(OP_TANH, V(0, 0.5f, -1, 20, -20, NAN), F32(0, 0.462117157f, -0.761594156f, 1, -1, NAN),
          1e-6f);
}

Test(ops_activation, exp_of_zero_one_and_the_float_range)
{
    /* e^-1 = 0.367879441; e^88 = 1.65163625e38; e^-200 underflows to 0,
     * e^100 overflows to +inf */
    CHECK(OP_EXP, V(0, 1, -1, 88, -200, 100),
          F32(1, 2.71828183f, 0.367879441f, 1.65163625e38f, 0, INFINITY), 1e-6f);
}

Test(ops_activation, log_of_positives_zero_and_negatives)
{
    /* ln 0.5 = -0.693147181; ln 10 = 2.30258509; ln 0 = -inf; ln -1 = NaN */
    CHECK(OP_LOG, V(1, 0.5f, 10, 0, -1, INFINITY),
          F32(0, -0.693147181f, 2.30258509f, -INFINITY, NAN, INFINITY), 1e-6f);
}

Test(ops_activation, neg_and_abs_flip_signs_and_keep_nan)
{
    CHECK(OP_NEG, V(1, -2.5f, 0, NAN), F32(-1, 2.5f, 0, NAN), 0);
    CHECK(OP_ABS, V(-3, 2.5f, -0.0f, -INFINITY, NAN), F32(3, 2.5f, 0, INFINITY, NAN), 0);
}

Test(ops_activation, sqrt_of_squares_two_zero_and_a_negative)
{
    /* sqrt 2 = 1.41421356; sqrt -1 = NaN */
    CHECK(OP_SQRT, V(4, 2, 0, 0.25f, -1), F32(2, 1.41421356f, 0, 0.5f, NAN), 1e-6f);
}

Test(ops_activation, elu_scales_e_to_the_x_minus_one_below_zero)
{
    /* alpha 1: -1 -> e^-1 - 1 = -0.632120559; -10 -> -0.9999546 */
    CHECK(OP_ELU, V(-1, -10, 0, 3), F32(-0.632120559f, -0.999954600f, 0, 3), 1e-6f);
    /* alpha 2: -1 -> -1.26424112 */
    float *y = run_with(OP_ELU, "alpha", 2.0f, (const float[]){-1, 3}, 2);
    tb_expect(y, F32(-1.26424112f, 3), 1e-6f);
    free(y);
}

Test(ops_activation, selu_uses_the_specs_alpha_and_gamma)
{
    /* gamma = 1.05070102, alpha = 1.67326319: 2 -> 2.10140204;
     * -1 -> gamma * alpha * (e^-1 - 1) = 1.75809934 * -0.632120559 = -1.11133074 */
    CHECK(OP_SELU, V(2, 0, -1), F32(2.10140204f, 0, -1.11133074f), 1e-6f);
    graph *g = graph_new();
    tb_input(g, "x", I64(2));
    tb_node(g, OP_SELU, "selu", NAMES("x"), NAMES("y"));
    node_set_float(g, 0, "alpha", 2.0f);
    node_set_float(g, 0, "gamma", 3.0f);
    /* 1 -> 3; -1 -> 3 * (2 e^-1 - 2) = -3.79272335 */
    float *y = tb_run1(g, (const float[]){1, -1});
    tb_expect(y, F32(3, -3.79272335f), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_activation, hardsigmoid_is_a_clamped_line)
{
    /* 0.2 x + 0.5 clamped to [0, 1]: -3 -> 0, 1 -> 0.7, 3 -> 1 */
    CHECK(OP_HARDSIGMOID, V(-3, 0, 1, 3, NAN), F32(0, 0.5f, 0.7f, 1, NAN), 1e-6f);
    graph *g = graph_new();
    tb_input(g, "x", I64(3));
    tb_node(g, OP_HARDSIGMOID, "hs", NAMES("x"), NAMES("y"));
    node_set_float(g, 0, "alpha", 0.5f);
    node_set_float(g, 0, "beta", 0.25f);
    /* 0.5 x + 0.25: 1 -> 0.75, -1 -> 0, 2 -> 1 */
    float *y = tb_run1(g, (const float[]){1, -1, 2});
    tb_expect(y, F32(0.75f, 0, 1), 1e-6f);
    free(y);
    graph_free(g);
}

Test(ops_activation, hardswish_is_x_times_hardsigmoid_with_a_sixth)
{
    /* x * clamp(x / 6 + 1/2, 0, 1): -1 -> -1/3; 1 -> 2/3; 3 and more -> x */
    CHECK(OP_HARDSWISH, V(-4, -1, 0, 1, 3, 5), F32(0, -0.333333333f, 0, 0.666666667f, 3, 5),
          1e-6f);
}

Test(ops_activation, softplus_is_log_one_plus_e_to_the_x_without_overflow)
{
    /* ln 2 = 0.693147181; ln(1 + e) = 1.31326169; ln(1 + 1/e) = 0.313261687;
     * 100 -> 100 (e^100 would overflow); -100 -> e^-100, about 0 */
    CHECK(OP_SOFTPLUS, V(0, 1, -1, 100, -100, NAN),
          F32(0.693147181f, 1.31326169f, 0.313261687f, 100, 0, NAN), 1e-6f);
}

Test(ops_activation, softsign_is_x_over_one_plus_its_magnitude)
{
    CHECK(OP_SOFTSIGN, V(1, -3, 0, 1e6f), F32(0.5f, -0.75f, 0, 0.999999f), 1e-6f);
}

/* ---- refusals name the node ---- */

Test(ops_activation, a_parameter_of_the_wrong_kind_is_refused_naming_node_and_attribute)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2));
    tb_node(g, OP_ELU, "elu1", NAMES("x"), NAMES("y"));
    node_set_int(g, 0, "alpha", 2);
    tb_check_fails(g, NNP_INVALID, "node 'elu1' (Elu)", "attribute 'alpha' must be a float",
                   NULL);
    graph_free(g);
    g = graph_new();
    tb_input(g, "x", I64(2));
    tb_node(g, OP_HARDSIGMOID, "hs1", NAMES("x"), NAMES("y"));
    node_set_string(g, 0, "beta", "half");
    tb_check_fails(g, NNP_INVALID, "node 'hs1' (HardSigmoid)", "attribute 'beta' must be a float",
                   NULL);
    graph_free(g);
    g = graph_new();
    tb_input(g, "x", I64(2));
    tb_node(g, OP_SELU, "selu1", NAMES("x"), NAMES("y"));
    node_set_ints(g, 0, "gamma", I64(1, 2));
    tb_check_fails(g, NNP_INVALID, "node 'selu1' (Selu)", "attribute 'gamma' must be a float",
                   NULL);
    graph_free(g);
}

Test(ops_activation, wrong_input_counts_and_types_are_refused_naming_the_node)
{
    graph *g = graph_new();
    tb_input(g, "x", I64(2));
    tb_input(g, "z", I64(2));
    tb_node(g, OP_TANH, "t2", NAMES("x", "z"), NAMES("y"));
    tb_check_fails(g, NNP_INVALID, "node 't2' (Tanh) has 2 inputs", "Tanh takes 1 to 1", NULL);
    graph_free(g);
    g = graph_new();
    tb_iconst(g, "k", I64(2), I64(1, 2));
    tb_node(g, OP_SQRT, "sq", NAMES("k"), NAMES("y"));
    tb_output(g, "y");
    tb_check_fails(g, NNP_UNSUPPORTED, "node 'sq' (Sqrt)", "input 0 'k' is int64", NULL);
    graph_free(g);
}

/* ---- fusion and the whole pipeline ---- */

static const op_kind chain[] = {OP_TANH, OP_ELU,      OP_SELU, OP_HARDSIGMOID,
                                OP_SOFTPLUS, OP_NEG, OP_SOFTSIGN, OP_HARDSWISH};
enum { NCHAIN = sizeof chain / sizeof *chain };

/* Applies the ops in order from tensor `from`; the last output is `to`. */
static void apply_chain(graph *g, const char *prefix, const op_kind *ops, int n, const char *from,
                        const char *to)
{
    char in[32], out[32], name[32];
    snprintf(in, sizeof in, "%s", from);
    for (int k = 0; k < n; k++) {
        snprintf(out, sizeof out, k == n - 1 ? "%s" : "%s_%d", k == n - 1 ? to : prefix, k);
        snprintf(name, sizeof name, "%s_%s", prefix, op_table[ops[k]].name);
        int nd = tb_node(g, ops[k], name, (const char *[]){in}, 1, (const char *[]){out}, 1);
        if (ops[k] == OP_ELU)
            node_set_float(g, nd, "alpha", 0.5f);
        snprintf(in, sizeof in, "%s", out);
    }
}

/* x [1,3,8,8]:
 *   y0 = HardSwish(Softsign(Neg(Softplus(HardSigmoid(Selu(Elu(Tanh(Conv(x))))))))), fused;
 *   y1 = the same chain on x alone, one elementwise group per op;
 *   y2 = Log(Exp(Sqrt(Abs(x)))), alone;
 *   y3 = Log(Softplus(Gemm(Flatten(x), w))), fused into the Gemm. */
static graph *activation_model(void)
{
    graph *g = graph_new();
    g->opset = 13;
    tb_input(g, "x", I64(1, 3, 8, 8));
    tb_const_seeded(g, "w", I64(4, 3, 3, 3), -0.3f, 0.3f, 7);
    tb_const_seeded(g, "b", I64(4), -0.5f, 0.5f, 8);
    int c = tb_node(g, OP_CONV, "conv", NAMES("x", "w", "b"), NAMES("c"));
    node_set_ints(g, c, "pads", I64(1, 1, 1, 1));
    apply_chain(g, "f", chain, NCHAIN, "c", "y0");
    apply_chain(g, "a", chain, NCHAIN, "x", "y1");
    static const op_kind alone[] = {OP_ABS, OP_SQRT, OP_EXP, OP_LOG};
    apply_chain(g, "m", alone, 4, "x", "y2");
    tb_node(g, OP_FLATTEN, "flat", NAMES("x"), NAMES("fx"));
    tb_const_seeded(g, "wg", I64(192, 10), -0.1f, 0.1f, 9);
    tb_node(g, OP_GEMM, "gemm", NAMES("fx", "wg"), NAMES("gm"));
    static const op_kind tail[] = {OP_SOFTPLUS, OP_LOG};
    apply_chain(g, "g", tail, 2, "gm", "y3");
    for (int k = 0; k < 4; k++) {
        char nm[8];
        snprintf(nm, sizeof nm, "y%d", k);
        tb_output(g, nm);
    }
    return g;
}

static int group_of(const program *p, const graph *g, const char *node_name)
{
    return p->group_of_node[tb_node_named(g, node_name)];
}

Test(ops_activation, every_activation_fuses_into_the_conv_and_gemm_epilogue)
{
    tcase c;
    tc_graph_in(&c, activation_model(), "act", "npu", NULL, -2.0f, 2.0f);
    const program *p = c.p;
    int conv = group_of(p, c.g, "conv");
    const prog_group *gr = &p->groups[conv];
    cr_assert_eq(gr->par.nepi, NCHAIN, "all %d activations fused, got %d", NCHAIN, gr->par.nepi);
    for (int k = 0; k < NCHAIN; k++) {
        cr_assert_eq(gr->par.epi[k].kind, EPI_ACT);
        cr_assert_eq(gr->par.epi[k].act, chain[k], "step %d", k);
        cr_assert_eq(group_of(p, c.g, c.g->nodes[gr->par.epi[k].node].name), conv);
    }
    cr_assert_float_eq(gr->par.epi[1].a, 0.5f, 0, "Elu's alpha reaches the epilogue");
    cr_assert_float_eq(gr->par.epi[2].a, 1.67326319217681884765625f, 0, "Selu's default alpha");
    cr_assert_float_eq(gr->par.epi[2].b, 1.05070102214813232421875f, 0, "Selu's default gamma");
    int gemm = group_of(p, c.g, "gemm");
    cr_assert_eq(p->groups[gemm].par.nepi, 2);
    cr_assert_eq(group_of(p, c.g, "g_Log"), gemm);
    /* alone, each activation is an elementwise group of its own */
    cr_assert_neq(group_of(p, c.g, "a_Tanh"), group_of(p, c.g, "a_Elu"));
    cr_assert_eq(p->groups[group_of(p, c.g, "m_Exp")].kind, GK_ELTWISE);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
    run_cmd(cmd, NULL, NULL);
    tc_free(&c);
}

Test(ops_activation, fused_and_alone_match_the_reference_tiled_and_compiled_on_every_target)
{
    tc_pipeline(activation_model, "act", -2.0f, 2.0f);
}

/* The generated helpers against libm over a wide sweep, with no -lm: each
 * activation alone on 4096 values spread over [-30, 30] (log on their
 * magnitudes), the results concatenated as rows of one output, compiled and
 * compared with the interpreter. */
static graph *sweep_model(void)
{
    static const op_kind ops[] = {OP_TANH,        OP_EXP,      OP_SQRT,     OP_ELU,
                                  OP_SELU,        OP_SOFTPLUS, OP_SOFTSIGN, OP_HARDSIGMOID,
                                  OP_HARDSWISH,   OP_NEG,      OP_LOG};
    enum { N = sizeof ops / sizeof *ops };
    char names[N][16];
    const char *ys[N];
    graph *g = graph_new();
    tb_input(g, "x", I64(1, 4096));
    tb_node(g, OP_ABS, "s_abs", NAMES("x"), NAMES("ax"));
    for (int k = 0; k < N; k++) {
        char nm[32];
        snprintf(names[k], sizeof names[k], "y%d", k);
        snprintf(nm, sizeof nm, "s_%s", op_table[ops[k]].name);
        ys[k] = names[k];
        const char *in = ops[k] == OP_LOG ? "ax" : "x";
        tb_node(g, ops[k], nm, &in, 1, &ys[k], 1);
    }
    int cat = tb_node(g, OP_CONCAT, "cat", ys, N, NAMES("y"));
    node_set_int(g, cat, "axis", 0);
    tb_output(g, "y");
    return g;
}

Test(ops_activation, generated_math_helpers_match_libm_over_a_wide_sweep)
{
    tcase c;
    tc_graph_in(&c, sweep_model(), "sweep", "npu", NULL, -30.0f, 30.0f);
    tc_emit(&c, 0, NULL);
    strbuf mk = {0};
    tc_rule(&mk, &c, "sweep", "gcc", TC_STRICT, "sweep_npu.c");
    tc_make(c.dir, mk.s);
    sb_free(&mk);
    tc_check(&c, "sweep", NULL);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
    run_cmd(cmd, NULL, NULL);
    tc_free(&c);
}
