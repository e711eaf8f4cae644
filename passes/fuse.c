/* Fusion: deciding which nodes share a group (one loop over tiles).
 *
 * A group is built around an anchor. A 2-D Conv absorbs the chain that
 * follows it as long as each link is the only reader of the previous
 * tensor (and that tensor is no graph output): first a BatchNormalization
 * with constant parameters (folded into the weights at lowering time), then
 * any mix of activations (every row of the activation table, ops.h; Clip
 * only with constant bounds) and binary ops with a skip tensor that
 * broadcasts onto the chain (a residual Add, PRelu's slope, a Mul by a
 * scale, a Sub or Div by a constant...; applied in the tile epilogue), and
 * last a 2-D MaxPool or AveragePool, which consumes the conv tile on chip.
 * Gemm and MatMul absorb the same activations and binary ops (no BN, no
 * pool). Every other node is a group of its own; kind_of decides how it
 * will be tiled.
 *
 * Groups are returned ordered by their last node. Every tensor a group
 * reads from outside is the output of some other group's last node, which
 * comes earlier in the (topologically sorted) node list, so this order is a
 * valid execution order even when a skip operand is a branch that the graph
 * lists after the Conv. */
#include <stdlib.h>

#include "program.h"

/* What a node alone becomes. GK_COUNT marks anchors that start a chain. */
static const group_kind lone_kind[OP_COUNT] = {
    [OP_CONV] = GK_CONV,           [OP_MAXPOOL] = GK_POOL,       [OP_AVGPOOL] = GK_POOL,
    [OP_GLOBALAVGPOOL] = GK_GLOBALPOOL, [OP_GLOBALMAXPOOL] = GK_GLOBALPOOL,
    [OP_RELU] = GK_ELTWISE,        [OP_LEAKYRELU] = GK_ELTWISE,  [OP_CLIP] = GK_ELTWISE,
    [OP_SIGMOID] = GK_ELTWISE,     [OP_ADD] = GK_ELTWISE,        [OP_MUL] = GK_ELTWISE,
    [OP_BATCHNORM] = GK_ELTWISE,   [OP_CONCAT] = GK_CONCAT,      [OP_FLATTEN] = GK_ALIAS,
    [OP_RESHAPE] = GK_ALIAS,       [OP_GEMM] = GK_GEMM,          [OP_MATMUL] = GK_GEMM,
    [OP_SOFTMAX] = GK_SOFTMAX,     [OP_IDENTITY] = GK_ALIAS,     [OP_DROPOUT] = GK_ALIAS,
    [OP_TANH] = GK_ELTWISE,        [OP_EXP] = GK_ELTWISE,        [OP_LOG] = GK_ELTWISE,
    [OP_NEG] = GK_ELTWISE,         [OP_ABS] = GK_ELTWISE,        [OP_SQRT] = GK_ELTWISE,
    [OP_ELU] = GK_ELTWISE,         [OP_SELU] = GK_ELTWISE,       [OP_HARDSIGMOID] = GK_ELTWISE,
    [OP_HARDSWISH] = GK_ELTWISE,   [OP_SOFTPLUS] = GK_ELTWISE,   [OP_SOFTSIGN] = GK_ELTWISE,
    [OP_SUB] = GK_ELTWISE,         [OP_DIV] = GK_ELTWISE,        [OP_MAX] = GK_ELTWISE,
    [OP_MIN] = GK_ELTWISE,         [OP_SUM] = GK_ELTWISE,        [OP_PRELU] = GK_ELTWISE,
    [OP_SQUEEZE] = GK_ALIAS,       [OP_UNSQUEEZE] = GK_ALIAS,    [OP_TRANSPOSE] = GK_TRANSPOSE,
};

static int is_const(const graph *g, int t)
{
    return t >= 0 && g->tensors[t].data != NULL;
}

static int rank_of(const graph *g, int t)
{
    return g->tensors[t].rank;
}

/* An activation whose parameters are known at lowering time (Clip's
 * bounds may be computed tensors). */
static int is_activation(const graph *g, const node *n)
{
    float a, b;
    return act_of(n->op) && act_params(g, n, &a, &b) == 0;
}

static int bn_params_const(const graph *g, const node *n)
{
    for (int k = 1; k < 5; k++)
        if (!is_const(g, n->in[k]))
            return 0;
    return 1;
}

/* A Transpose that keeps its input's dims other than 1 in order leaves
 * every element where it is in row-major order: a reshape. */
static int keeps_order(const graph *g, const node *n)
{
    const tensor *x = &g->tensors[n->in[0]];
    int perm[MAX_RANK], last = -1;
    transpose_perm(n, x->rank, perm);
    for (int i = 0; i < x->rank; i++)
        if (x->dims[perm[i]] != 1) {
            if (perm[i] < last)
                return 0;
            last = perm[i];
        }
    return 1;
}

/* The kind a node gets alone, demoted to GK_WHOLE where tiling does not
 * apply (other ranks, 1-D MatMul operands, computed Clip bounds), or to an
 * alias where a Transpose moves nothing. */
static group_kind kind_of(const graph *g, const node *n)
{
    group_kind k = lone_kind[n->op];
    int r0 = rank_of(g, n->in[0]);
    switch (k) {
    case GK_CONV:
    case GK_POOL:
        return r0 == 4 ? k : GK_WHOLE;
    case GK_GEMM:
        return n->op == OP_MATMUL && (r0 < 2 || rank_of(g, n->in[1]) < 2) ? GK_WHOLE : k;
    case GK_TRANSPOSE:
        return keeps_order(g, n) ? GK_ALIAS : k;
    case GK_ELTWISE:
        if (n->op == OP_CLIP && !is_activation(g, n))
            return GK_WHOLE;
        if (n->op == OP_BATCHNORM && !bn_params_const(g, n))
            return GK_WHOLE;
        return k;
    default:
        return k;
    }
}

static int same_shape(const tensor *a, const tensor *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

/* Per tensor: how many node inputs read it, and the last such node. */
typedef struct readers {
    int *count, *node;
} readers;

static int readers_build(const graph *g, readers *r)
{
    size_t nt = g->ntensors ? g->ntensors : 1;
    r->count = xcalloc(nt, sizeof(int));
    r->node = xcalloc(nt, sizeof(int));
    if (!r->count || !r->node)
        return -1;
    for (size_t i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].nin; k++) {
            int t = g->nodes[i].in[k];
            if (t >= 0) {
                r->count[t]++;
                r->node[t] = (int)i;
            }
        }
    return 0;
}

/* The node that is t's only reader, or -1 (several readers, a graph output). */
static int sole_reader(const graph *g, const readers *r, int t)
{
    if (g->tensors[t].is_output || r->count[t] != 1)
        return -1;
    return r->node[t];
}

/* A binary op of t and one other tensor that broadcasts onto t (the
 * result has t's shape, so nothing grows): t is the chain, the other
 * operand a skip tensor loaded per tile. PRelu only with t as its input,
 * the other as its slope. */
static int is_skip_binary(const graph *g, const node *n, int t)
{
    if (!bin_of(n->op) || n->nin != 2 || n->in[0] == n->in[1])
        return 0;
    if (n->op == OP_PRELU && n->in[0] != t)
        return 0;
    return same_shape(&g->tensors[n->out[0]], &g->tensors[t]);
}

/* Extends fg from its anchor along sole readers; claims what it takes. */
static void grow_chain(const graph *g, const readers *r, fused_group *fg, char *claimed)
{
    int t = g->nodes[fg->anchor].out[0];
    for (;;) {
        int ni = sole_reader(g, r, t);
        if (ni < 0)
            return;
        const node *n = &g->nodes[ni];
        int conv = fg->kind == GK_CONV;
        if (conv && n->op == OP_BATCHNORM && fg->bn < 0 && fg->nepi == 0 &&
            n->in[0] == t && bn_params_const(g, n)) {
            fg->bn = ni;
        } else if (fg->nepi < PROG_MAX_EPI &&
                   ((is_activation(g, n) && n->in[0] == t) || is_skip_binary(g, n, t))) {
            fg->epi[fg->nepi++] = ni;
        } else if (conv && (n->op == OP_MAXPOOL || n->op == OP_AVGPOOL) && n->in[0] == t &&
                   rank_of(g, t) == 4) {
            fg->pool = ni;
            claimed[ni] = 1;
            fg->last = ni;
            return;
        } else {
            return;
        }
        claimed[ni] = 1;
        fg->last = ni;
        t = n->out[0];
    }
}

static int by_last(const void *a, const void *b)
{
    const fused_group *x = a, *y = b;
    return (x->last > y->last) - (x->last < y->last);
}

int fuse_nodes(const graph *g, fused_group **out, int *n, nnp_err *e)
{
    size_t nn = g->nnodes;
    readers r = {0};
    fused_group *fg = xcalloc(nn ? nn : 1, sizeof *fg);
    char *claimed = xcalloc(nn ? nn : 1, 1);
    if (!fg || !claimed || readers_build(g, &r)) {
        free(fg), free(claimed), free(r.count), free(r.node);
        return err_set(e, NNP_NOMEM, "out of memory fusing the graph");
    }
    int count = 0;
    for (size_t i = 0; i < nn; i++) {
        if (claimed[i])
            continue;
        const node *nd = &g->nodes[i];
        fused_group *f = &fg[count++];
        f->kind = kind_of(g, nd);
        f->anchor = f->last = (int)i;
        f->bn = f->pool = -1;
        claimed[i] = 1;
        if (f->kind == GK_CONV || f->kind == GK_GEMM)
            grow_chain(g, &r, f, claimed);
    }
    qsort(fg, (size_t)count, sizeof *fg, by_last);
    free(claimed), free(r.count), free(r.node);
    *out = fg;
    *n = count;
    return NNP_OK;
}
