/* Lowering: from a checked graph to the tiled program (program.h).
 *
 * fuse.c decides which nodes share a group; here each group gets its loops
 * (one per output axis it may tile, plus the reduction), its body ops and
 * buffers, from one builder per group kind in the table at the bottom.
 * tile.c then picks the tile sizes and loop order, and this file finishes
 * the program: where every tensor lives, the dependences inside a tile and
 * across tiles, the producer groups each group waits for, and totals.
 *
 * BatchNormalization folded into a Conv is computed once here, as new
 * constants owned by the program: W'[m] = W[m] * a[m] and
 * B'[m] = (B[m] - mean[m]) * a[m] + beta[m] with a = gamma / sqrt(var + eps),
 * in float32 exactly as the reference applies BN. A lone BatchNormalization
 * is likewise reduced to a per-channel scale and shift. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

static int nomem(nnp_err *e, const char *what)
{
    return err_set(e, NNP_NOMEM, "out of memory lowering %s", what);
}

static int opset_of(const graph *g)
{
    return g->opset > 0 ? g->opset : 13;
}

static const tensor *gt(const program *p, int t)
{
    return &p->g->tensors[t];
}

static int is_const(const program *p, int t)
{
    return p->tensors[t].home == HOME_CONST;
}

/* ---- building blocks ---- */

static int add_loop(prog_group *gr, const char *name, int64_t extent, int axis)
{
    prog_loop *l = &gr->loops[gr->nloops];
    snprintf(l->name, sizeof l->name, "%s", name);
    l->extent = l->tile = extent;
    l->count = 1;
    l->axis = axis;
    gr->order[gr->nloops] = gr->nloops;
    if (axis < 0)
        gr->red = gr->nloops;
    return gr->nloops++;
}

static int add_buf(program *p, prog_group *gr, const char *name, mem_pool pool)
{
    prog_buffer *b = realloc(gr->bufs, (size_t)(gr->nbufs + 1) * sizeof *b);
    if (!b)
        return -1;
    gr->bufs = b;
    b = &gr->bufs[gr->nbufs];
    memset(b, 0, sizeof *b);
    snprintf(b->name, sizeof b->name, "%s", name);
    b->pool = target_pool(p->t, pool);
    b->producer = -1;
    return gr->nbufs++;
}

/* An op writing a new buffer `buf` (NULL: none, a store). */
static int add_op(program *p, prog_group *gr, pop_kind kind, const char *name, int arg,
                  int tensor, unit_role role, const char *buf, mem_pool pool)
{
    int out = -1;
    if (buf && (out = add_buf(p, gr, buf, pool)) < 0)
        return -1;
    prog_op *o = realloc(gr->ops, (size_t)(gr->nops + 1) * sizeof *o);
    if (!o)
        return -1;
    gr->ops = o;
    o = &gr->ops[gr->nops];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    snprintf(o->name, sizeof o->name, "%s", name);
    o->arg = arg;
    o->tensor = tensor;
    o->unit = target_unit_for(p->t, role);
    o->ukind = p->t->units[o->unit].kind;
    o->out = out;
    o->period = 1;
    if (out >= 0)
        gr->bufs[out].producer = gr->nops;
    return gr->nops++;
}

static int add_load(program *p, prog_group *gr, pop_kind kind, const char *name, int arg,
                    int tensor, mem_pool pool)
{
    return add_op(p, gr, kind, name, arg, tensor, ROLE_LOAD, name + 5, pool);
}

/* op reads buffer b. */
static int reads(prog_group *gr, int op, int b)
{
    prog_op *o = &gr->ops[op];
    prog_buffer *bf = &gr->bufs[b];
    int *in = realloc(o->in, (size_t)(o->nin + 1) * sizeof *in);
    if (!in)
        return -1;
    o->in = in;
    in[o->nin++] = b;
    int *rd = realloc(bf->readers, (size_t)(bf->nreaders + 1) * sizeof *rd);
    if (!rd)
        return -1;
    bf->readers = rd;
    rd[bf->nreaders++] = op;
    return 0;
}

/* op reads the buffers of every op before it up to `upto` (exclusive). */
static int reads_loads(prog_group *gr, int op, int upto)
{
    for (int i = 0; i < upto; i++)
        if (gr->ops[i].out >= 0 && reads(gr, op, gr->ops[i].out))
            return -1;
    return 0;
}

static int add_store(program *p, prog_group *gr, int tensor, int from_op)
{
    int s = add_op(p, gr, POP_STORE, "store", 0, tensor, ROLE_STORE, NULL, POOL_OUTPUT);
    if (s < 0 || reads(gr, s, gr->ops[from_op].out))
        return -1;
    return s;
}

/* A program-owned constant; *data is its (zeroed) storage. */
static int add_const(program *p, const char *name, int rank, const int64_t *dims, float **data)
{
    int64_t n;
    if (size_prod(dims, rank, &n))
        return -1;
    void **ow = realloc(p->owned, (size_t)(p->nowned + 2) * sizeof *ow);
    if (!ow)
        return -1;
    p->owned = ow;
    char *nm = xstrdup(name);
    float *d = xcalloc(n > 0 ? (size_t)n : 1, sizeof(float));
    prog_tensor *ts = realloc(p->tensors, (size_t)(p->ntensors + 1) * sizeof *ts);
    if (ts)
        p->tensors = ts;
    if (!nm || !d || !ts) {
        free(nm), free(d);
        return -1;
    }
    p->owned[p->nowned++] = nm;
    p->owned[p->nowned++] = d;
    prog_tensor *t = &p->tensors[p->ntensors];
    memset(t, 0, sizeof *t);
    t->name = nm;
    t->rank = rank;
    memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->data = d;
    t->home = HOME_CONST;
    t->alias_of = -1;
    t->group = -1;
    t->graph_tensor = -1;
    *data = d;
    return p->ntensors++;
}

/* ---- BatchNormalization ---- */

/* a[c] = gamma[c] / sqrt(var[c] + eps), as the reference computes it. */
static void bn_factor(const program *p, const node *bn, int64_t c, float *a, float *shift)
{
    const float *gamma = gt(p, bn->in[1])->data, *beta = gt(p, bn->in[2])->data;
    const float *mean = gt(p, bn->in[3])->data, *var = gt(p, bn->in[4])->data;
    float eps = attr_float(bn, "epsilon", 1e-5f);
    *a = gamma[c] / sqrtf(var[c] + eps);
    *shift = beta[c] - *a * mean[c];
}

/* Folds bn into the Conv's weights *w and bias *b (which becomes present). */
static int fold_bn(program *p, const node *bn, int *w, int *b, nnp_err *e)
{
    /* add_const grows p->tensors: keep copies, not pointers into it. */
    prog_tensor tw = p->tensors[*w];
    const float *bd = *b >= 0 ? p->tensors[*b].data : NULL;
    const float *mean = gt(p, bn->in[3])->data, *beta = gt(p, bn->in[2])->data;
    int64_t m = tw.dims[0], per = 1;
    for (int i = 1; i < tw.rank; i++)
        per *= tw.dims[i];
    char name[160];
    float *nw, *nb;
    snprintf(name, sizeof name, "%s.bn_folded", tw.name);
    int iw = add_const(p, name, tw.rank, tw.dims, &nw);
    snprintf(name, sizeof name, "%s.bn_bias", gt(p, bn->out[0])->name);
    int ib = iw < 0 ? -1 : add_const(p, name, 1, &m, &nb);
    if (ib < 0)
        return nomem(e, "folded BatchNormalization");
    for (int64_t c = 0; c < m; c++) {
        float a, sh;
        bn_factor(p, bn, c, &a, &sh);
        for (int64_t i = 0; i < per; i++)
            nw[c * per + i] = tw.data[c * per + i] * a;
        nb[c] = a * ((bd ? bd[c] : 0.0f) - mean[c]) + beta[c];
    }
    *w = iw;
    *b = ib;
    return NNP_OK;
}

/* ---- epilogue ---- */

/* Epilogue steps of fg; binary ops load their skip tensor (tensor t flows
 * in). */
static int build_epilogue(program *p, const fused_group *fg, prog_group *gr, int t, nnp_err *e)
{
    int nskip = 0;
    for (int k = 0; k < fg->nepi; k++) {
        const node *n = &p->g->nodes[fg->epi[k]];
        epi_step *s = &gr->par.epi[gr->par.nepi++];
        s->node = fg->epi[k];
        if (act_of(n->op)) {
            s->kind = EPI_ACT;
            s->act = n->op;
            act_params(p->g, n, &s->a, &s->b); /* constant: fuse.c checked */
        } else {
            char name[24];
            s->kind = EPI_BINARY;
            s->bin = n->op;
            s->swap = n->in[0] != t;
            snprintf(name, sizeof name, "load_skip%d", nskip);
            s->op = add_load(p, gr, POP_LOAD_SKIP, name, nskip++, n->in[s->swap ? 0 : 1],
                             POOL_OUTPUT);
            if (s->op < 0)
                return nomem(e, gr->name);
        }
        t = n->out[0];
    }
    return NNP_OK;
}

/* The tensor a chain ends in before any pool. */
static int chain_out(const program *p, const fused_group *fg)
{
    int last = fg->nepi ? fg->epi[fg->nepi - 1] : fg->bn >= 0 ? fg->bn : fg->anchor;
    return p->g->nodes[last].out[0];
}

/* ---- group builders ---- */

static int pool_window(const program *p, const node *n, int x, window *w, nnp_err *e)
{
    int nk;
    const int64_t *ks = attr_ints(n, "kernel_shape", &nk);
    if (nk != 2)
        return err_set(e, NNP_INVALID, "%s: kernel_shape must have 2 values", n->name);
    return window_of_node(p->g, n, gt(p, x)->dims + 2, ks, 2, w, e);
}

/* n, oc, oh, ow over a 4-D output. */
static void nchw_loops(const program *p, prog_group *gr)
{
    static const char *const names[] = {"n", "oc", "oh", "ow"};
    const prog_tensor *y = &p->tensors[gr->out_tensor];
    for (int a = 0; a < 4; a++)
        add_loop(gr, names[a], y->dims[a], a);
}

static int build_conv(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const graph *g = p->g;
    const node *c = &g->nodes[fg->anchor];
    group_params *pa = &gr->par;
    int x = c->in[0], w = c->in[1], b = c->nin > 2 ? c->in[2] : -1;
    pa->conv_group = attr_int(c, "group", 1);
    int rc = window_of_node(g, c, gt(p, x)->dims + 2, gt(p, w)->dims + 2, 2, &pa->conv, e);
    if (!rc && fg->bn >= 0)
        rc = fold_bn(p, &g->nodes[fg->bn], &w, &b, e);
    if (rc)
        return rc;
    int cout = chain_out(p, fg);
    gr->out_tensor = cout;
    if (fg->pool >= 0) {
        const node *pn = &g->nodes[fg->pool];
        pa->has_pool = 1;
        pa->pool_max = pn->op == OP_MAXPOOL;
        pa->count_include_pad = attr_int(pn, "count_include_pad", 0) != 0;
        gr->out_tensor = pn->out[0];
        if ((rc = pool_window(p, pn, cout, &pa->pool, e)))
            return rc;
    }
    nchw_loops(p, gr);
    add_loop(gr, "ic", p->tensors[w].dims[1], -1);
    pa->has_bias = b >= 0;
    if (add_load(p, gr, POP_LOAD_INPUT, "load_in", 0, x, POOL_INPUT) < 0 ||
        add_load(p, gr, POP_LOAD_WEIGHT, "load_w", 0, w, POOL_WEIGHT) < 0 ||
        (b >= 0 && add_load(p, gr, POP_LOAD_BIAS, "load_bias", 0, b, POOL_OUTPUT) < 0))
        return nomem(e, gr->name);
    if ((rc = build_epilogue(p, fg, gr, g->nodes[fg->bn >= 0 ? fg->bn : fg->anchor].out[0], e)))
        return rc;
    int nl = gr->nops;
    int cp = add_op(p, gr, POP_COMPUTE, "conv", 0, cout, ROLE_MAC, "acc", POOL_OUTPUT);
    if (cp < 0 || reads_loads(gr, cp, nl))
        return nomem(e, gr->name);
    int last = cp;
    if (pa->has_pool) {
        last = add_op(p, gr, POP_POOL, pa->pool_max ? "maxpool" : "avgpool", 0, gr->out_tensor,
                      ROLE_VECTOR, "pool", POOL_OUTPUT);
        if (last < 0 || reads(gr, last, gr->ops[cp].out))
            return nomem(e, gr->name);
    }
    return add_store(p, gr, gr->out_tensor, last) < 0 ? nomem(e, gr->name) : NNP_OK;
}

/* load, compute on the vector unit, store: the shape of most groups. */
static int simple_body(program *p, prog_group *gr, const char *what, unit_role role)
{
    int nl = gr->nops;
    int cp = add_op(p, gr, POP_COMPUTE, what, 0, gr->out_tensor, role, "out", POOL_OUTPUT);
    if (cp < 0 || reads_loads(gr, cp, nl) || add_store(p, gr, gr->out_tensor, cp) < 0)
        return -1;
    return 0;
}

static int build_pool(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    group_params *pa = &gr->par;
    pa->pool_max = n->op == OP_MAXPOOL;
    pa->count_include_pad = attr_int(n, "count_include_pad", 0) != 0;
    gr->out_tensor = n->out[0];
    int rc = pool_window(p, n, n->in[0], &pa->pool, e);
    if (rc)
        return rc;
    nchw_loops(p, gr);
    int ld = add_load(p, gr, POP_LOAD_INPUT, "load_in", 0, n->in[0], POOL_INPUT);
    if (ld < 0)
        return nomem(e, gr->name);
    gr->ops[ld].pad_value = pa->pool_max ? -INFINITY : 0.0f;
    return simple_body(p, gr, pa->pool_max ? "maxpool" : "avgpool", ROLE_VECTOR)
               ? nomem(e, gr->name)
               : NNP_OK;
}

/* Reduces over the first spatial axis (rows) in the reduction loop. */
static int build_globalpool(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    const prog_tensor *y = &p->tensors[n->out[0]];
    gr->out_tensor = n->out[0];
    gr->par.pool_max = n->op == OP_GLOBALMAXPOOL;
    add_loop(gr, "n", y->dims[0], 0);
    add_loop(gr, "oc", y->dims[1], 1);
    add_loop(gr, "ih", gt(p, n->in[0])->dims[2], -1);
    if (add_load(p, gr, POP_LOAD_INPUT, "load_in", 0, n->in[0], POOL_INPUT) < 0)
        return nomem(e, gr->name);
    int cp = add_op(p, gr, POP_COMPUTE, gr->par.pool_max ? "globalmax" : "globalavg", 0,
                    gr->out_tensor, ROLE_VECTOR, "acc", POOL_OUTPUT);
    if (cp < 0 || reads_loads(gr, cp, 1) || add_store(p, gr, gr->out_tensor, cp) < 0)
        return nomem(e, gr->name);
    return NNP_OK;
}

static int build_gemm(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    group_params *pa = &gr->par;
    int gemm = n->op == OP_GEMM, a = n->in[0], b = n->in[1];
    int c = gemm && n->nin > 2 ? n->in[2] : -1;
    pa->trans_a = gemm && attr_int(n, "transA", 0) != 0;
    pa->trans_b = gemm && attr_int(n, "transB", 0) != 0;
    pa->alpha = gemm ? attr_float(n, "alpha", 1.0f) : 1.0f;
    pa->beta = gemm ? attr_float(n, "beta", 1.0f) : 1.0f;
    pa->has_bias = c >= 0;
    gr->out_tensor = chain_out(p, fg);
    const prog_tensor *y = &p->tensors[gr->out_tensor], *ta = &p->tensors[a];
    int ro = y->rank;
    for (int i = 0; i < ro - 2; i++) {
        char nm[8];
        snprintf(nm, sizeof nm, "b%d", i);
        add_loop(gr, nm, y->dims[i], i);
    }
    add_loop(gr, "m", y->dims[ro - 2], ro - 2);
    add_loop(gr, "n", y->dims[ro - 1], ro - 1);
    add_loop(gr, "k", pa->trans_a ? ta->dims[0] : ta->dims[ta->rank - 1], -1);
    if (add_load(p, gr, POP_LOAD_INPUT, "load_a", 0, a, POOL_INPUT) < 0 ||
        add_load(p, gr, POP_LOAD_WEIGHT, "load_w", 0, b, POOL_WEIGHT) < 0 ||
        (c >= 0 && add_load(p, gr, POP_LOAD_BIAS, "load_c", 0, c, POOL_OUTPUT) < 0))
        return nomem(e, gr->name);
    int rc = build_epilogue(p, fg, gr, n->out[0], e);
    if (rc)
        return rc;
    return simple_body(p, gr, gemm ? "gemm" : "matmul", ROLE_MAC) ? nomem(e, gr->name) : NNP_OK;
}

/* One loop per axis of the output, named d0, d1, ... */
static void axis_loops(const program *p, prog_group *gr, int skip_from, int skip_axis)
{
    const prog_tensor *y = &p->tensors[gr->out_tensor];
    for (int a = 0; a < y->rank && a < skip_from; a++) {
        char nm[8];
        if (a == skip_axis)
            continue;
        snprintf(nm, sizeof nm, "d%d", a);
        add_loop(gr, nm, y->dims[a], a);
    }
}

/* A load of input k: constants come from the weight pool. */
static int load_operand(program *p, prog_group *gr, int k, int t)
{
    char nm[24];
    int c = is_const(p, t);
    snprintf(nm, sizeof nm, c ? "load_w%d" : "load_in%d", k);
    return add_load(p, gr, c ? POP_LOAD_WEIGHT : POP_LOAD_INPUT, nm, k, t,
                    c ? POOL_WEIGHT : POOL_INPUT);
}

/* A lone BatchNormalization: per-channel scale and shift, shaped to
 * broadcast over the input ([1, C, 1, ...]). */
static int bn_scale_shift(program *p, prog_group *gr, const node *n, nnp_err *e)
{
    const tensor *x = gt(p, n->in[0]);
    int64_t dims[MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        dims[i] = i == 1 ? x->dims[1] : 1;
    char nm[160];
    float *sc, *sh;
    snprintf(nm, sizeof nm, "%s.bn_scale", x->name);
    int is = add_const(p, nm, x->rank, dims, &sc);
    snprintf(nm, sizeof nm, "%s.bn_shift", x->name);
    int ih = is < 0 ? -1 : add_const(p, nm, x->rank, dims, &sh);
    if (ih < 0)
        return nomem(e, gr->name);
    for (int64_t c = 0; c < dims[1]; c++)
        bn_factor(p, n, c, &sc[c], &sh[c]);
    if (add_load(p, gr, POP_LOAD_WEIGHT, "load_scale", 1, is, POOL_WEIGHT) < 0 ||
        add_load(p, gr, POP_LOAD_BIAS, "load_shift", 2, ih, POOL_WEIGHT) < 0)
        return nomem(e, gr->name);
    return NNP_OK;
}

static int build_eltwise(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    group_params *pa = &gr->par;
    pa->op = n->op;
    gr->out_tensor = n->out[0];
    axis_loops(p, gr, MAX_RANK, -1);
    int nin = bin_of(n->op) ? n->nin : 1;
    for (int k = 0; k < nin; k++)
        if (load_operand(p, gr, k, n->in[k]) < 0)
            return nomem(e, gr->name);
    if (act_of(n->op))
        act_params(p->g, n, &pa->p0, &pa->p1); /* constant: fuse.c checked */
    if (n->op == OP_BATCHNORM) {
        int rc = bn_scale_shift(p, gr, n, e);
        if (rc)
            return rc;
    }
    return simple_body(p, gr, op_table[n->op].name, ROLE_VECTOR) ? nomem(e, gr->name) : NNP_OK;
}

static int build_concat(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    gr->out_tensor = n->out[0];
    int rank = p->tensors[gr->out_tensor].rank;
    int64_t axis = attr_int(n, "axis", 0);
    gr->par.axis = (int)(axis < 0 ? axis + rank : axis);
    axis_loops(p, gr, MAX_RANK, gr->par.axis);
    for (int k = 0; k < n->nin; k++)
        if (n->in[k] >= 0 && load_operand(p, gr, k, n->in[k]) < 0)
            return nomem(e, gr->name);
    return simple_body(p, gr, "concat", ROLE_VECTOR) ? nomem(e, gr->name) : NNP_OK;
}

static int build_softmax(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    gr->out_tensor = n->out[0];
    int rank = p->tensors[gr->out_tensor].rank;
    gr->par.legacy_softmax = opset_of(p->g) < 13;
    int64_t axis = attr_int(n, "axis", gr->par.legacy_softmax ? 1 : -1);
    gr->par.axis = (int)(axis < 0 ? axis + rank : axis);
    axis_loops(p, gr, gr->par.axis, -1);
    if (load_operand(p, gr, 0, n->in[0]) < 0)
        return nomem(e, gr->name);
    return simple_body(p, gr, "softmax", ROLE_VECTOR) ? nomem(e, gr->name) : NNP_OK;
}

static int build_whole(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    gr->par.op = n->op;
    gr->out_tensor = n->out[0];
    for (int k = 0; k < n->nin; k++)
        if (n->in[k] >= 0 && load_operand(p, gr, k, n->in[k]) < 0)
            return nomem(e, gr->name);
    unit_role role = op_table[n->op].macs(p->g, n) > 0 ? ROLE_MAC : ROLE_VECTOR;
    return simple_body(p, gr, op_table[n->op].name, role) ? nomem(e, gr->name) : NNP_OK;
}

/* Reshape, Flatten, Identity, Dropout, Squeeze, Unsqueeze and a Transpose
 * that moves only dims of 1: row-major order is unchanged, so the output is
 * the input's storage under another shape; nothing moves. */
static int build_alias(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    (void)e;
    const node *n = &p->g->nodes[fg->anchor];
    gr->out_tensor = n->out[0];
    return NNP_OK;
}

/* One loop per output axis; the load reads the output box with its axes
 * permuted back, and the compute op copies it across transposed. */
static int build_transpose(program *p, const fused_group *fg, prog_group *gr, nnp_err *e)
{
    const node *n = &p->g->nodes[fg->anchor];
    gr->out_tensor = n->out[0];
    transpose_perm(n, p->tensors[gr->out_tensor].rank, gr->par.perm);
    axis_loops(p, gr, MAX_RANK, -1);
    if (load_operand(p, gr, 0, n->in[0]) < 0)
        return nomem(e, gr->name);
    return simple_body(p, gr, "transpose", ROLE_VECTOR) ? nomem(e, gr->name) : NNP_OK;
}

typedef int (*build_fn)(program *, const fused_group *, prog_group *, nnp_err *);

static const struct kind_desc {
    const char *name;
    build_fn build;
} kinds[GK_COUNT] = {
    [GK_CONV] = {"conv", build_conv},
    [GK_POOL] = {"pool", build_pool},
    [GK_GLOBALPOOL] = {"globalpool", build_globalpool},
    [GK_GEMM] = {"gemm", build_gemm},
    [GK_ELTWISE] = {"eltwise", build_eltwise},
    [GK_CONCAT] = {"concat", build_concat},
    [GK_SOFTMAX] = {"softmax", build_softmax},
    [GK_ALIAS] = {"alias", build_alias},
    [GK_WHOLE] = {"whole", build_whole},
    [GK_TRANSPOSE] = {"transpose", build_transpose},
};

const char *group_kind_name(group_kind k)
{
    return k >= 0 && k < GK_COUNT ? kinds[k].name : "?";
}

const char *pop_kind_name(pop_kind k)
{
    static const char *const names[POP_KIND_COUNT] = {
        [POP_LOAD_INPUT] = "load-input", [POP_LOAD_WEIGHT] = "load-weight",
        [POP_LOAD_BIAS] = "load-bias",   [POP_LOAD_SKIP] = "load-skip",
        [POP_COMPUTE] = "compute",       [POP_POOL] = "pool",
        [POP_STORE] = "store",
    };
    return k >= 0 && k < POP_KIND_COUNT ? names[k] : "?";
}

const char *dep_kind_name(dep_kind k)
{
    static const char *const names[] = {[DEP_DATA] = "data", [DEP_ACC] = "acc",
                                        [DEP_WAR] = "war"};
    return k >= DEP_DATA && k <= DEP_WAR ? names[k] : "?";
}

/* ---- the whole program ---- */

static int init_tensors(program *p)
{
    const graph *g = p->g;
    p->tensors = xcalloc(g->ntensors ? g->ntensors : 1, sizeof(prog_tensor));
    if (!p->tensors)
        return -1;
    p->ntensors = (int)g->ntensors;
    for (size_t i = 0; i < g->ntensors; i++) {
        const tensor *t = &g->tensors[i];
        prog_tensor *pt = &p->tensors[i];
        pt->name = t->name;
        pt->rank = t->rank;
        memcpy(pt->dims, t->dims, sizeof pt->dims);
        pt->data = t->data;
        pt->home = t->data || t->idata ? HOME_CONST : t->is_input ? HOME_MAIN : HOME_NONE;
        pt->alias_of = -1;
        pt->group = -1;
        pt->graph_tensor = (int)i;
    }
    return 0;
}

static int root_of(const program *p, int t)
{
    return p->tensors[t].home == HOME_ALIAS ? p->tensors[t].alias_of : t;
}

/* Nodes of fg in graph order; output homes. */
static int place_group(program *p, const fused_group *fg, prog_group *gr, int gi)
{
    int list[3 + PROG_MAX_EPI], n = 0;
    list[n++] = fg->anchor;
    if (fg->bn >= 0)
        list[n++] = fg->bn;
    for (int k = 0; k < fg->nepi; k++)
        list[n++] = fg->epi[k];
    if (fg->pool >= 0)
        list[n++] = fg->pool;
    gr->nodes = xcalloc((size_t)n, sizeof(int));
    if (!gr->nodes)
        return -1;
    memcpy(gr->nodes, list, (size_t)n * sizeof(int));
    gr->nnodes = n;
    for (int k = 0; k < n; k++) {
        p->group_of_node[list[k]] = gi;
        const node *nd = &p->g->nodes[list[k]];
        for (int o = 0; o < nd->nout; o++)
            if (nd->out[o] >= 0 && nd->out[o] != gr->out_tensor)
                p->tensors[nd->out[o]].home = HOME_ONCHIP;
    }
    prog_tensor *out = &p->tensors[gr->out_tensor];
    if (gr->kind == GK_ALIAS) {
        int src = root_of(p, p->g->nodes[fg->anchor].in[0]);
        out->home = HOME_ALIAS;
        out->alias_of = src;
        out->group = p->tensors[src].group;
    } else {
        out->home = HOME_MAIN;
        out->group = gi;
    }
    return 0;
}

static int refuse_empty(const program *p, const prog_group *gr, nnp_err *e)
{
    for (int l = 0; l < gr->nloops; l++)
        if (gr->loops[l].extent <= 0)
            return err_set(e, NNP_UNSUPPORTED, "layer %s: tensor '%s' is empty along loop %s",
                           gr->name, p->tensors[gr->out_tensor].name, gr->loops[l].name);
    return NNP_OK;
}

static int build_group(program *p, const fused_group *fg, int gi, nnp_err *e)
{
    prog_group *gr = &p->groups[gi];
    gr->kind = fg->kind;
    gr->anchor = fg->anchor;
    gr->red = -1;
    node_label(p->g, fg->anchor, gr->name, sizeof gr->name);
    int rc = kinds[fg->kind].build(p, fg, gr, e);
    if (!rc && place_group(p, fg, gr, gi))
        rc = nomem(e, gr->name);
    if (!rc)
        rc = refuse_empty(p, gr, e);
    if (!rc && gr->kind != GK_ALIAS)
        rc = tile_choose(p, gr, e);
    return rc;
}

static int add_dep(prog_group *gr, int from, int to, int dist, dep_kind k, int buf)
{
    prog_dep *d = realloc(gr->deps, (size_t)(gr->ndeps + 1) * sizeof *d);
    if (!d)
        return -1;
    gr->deps = d;
    d[gr->ndeps++] = (prog_dep){from, to, dist, gr->ops[from].cycles, k, buf};
    return 0;
}

/* Data edges, the accumulator chain, and buffer reuse: a producer that
 * starts new contents every `per` tiles into c copies may overwrite a copy
 * (c-1)*per + 1 tiles after its last reader used it. */
static int build_deps(prog_group *gr)
{
    int64_t rcount = gr->red >= 0 ? gr->loops[gr->red].count : 1;
    for (int b = 0; b < gr->nbufs; b++) {
        const prog_buffer *bf = &gr->bufs[b];
        const prog_op *pr = &gr->ops[bf->producer];
        int64_t per = pr->kind == POP_COMPUTE ? rcount : pr->period;
        for (int r = 0; r < bf->nreaders; r++) {
            if (add_dep(gr, bf->producer, bf->readers[r], 0, DEP_DATA, b))
                return -1;
            if (pr->period >= gr->ntiles && pr->kind != POP_COMPUTE && pr->kind != POP_POOL)
                continue; /* loaded once, never overwritten */
            int64_t dist = (bf->copies - 1) * per + 1;
            if (add_dep(gr, bf->readers[r], bf->producer, (int)min64(dist, INT32_MAX), DEP_WAR,
                        b))
                return -1;
        }
    }
    for (int i = 0; i < gr->nops; i++)
        if (gr->ops[i].kind == POP_COMPUTE && rcount > 1 &&
            add_dep(gr, i, i, 1, DEP_ACC, gr->ops[i].out))
            return -1;
    return 0;
}

static int build_preds(program *p, prog_group *gr)
{
    for (int i = 0; i < gr->nops; i++) {
        const prog_op *o = &gr->ops[i];
        if (o->kind == POP_STORE || o->kind == POP_COMPUTE || o->kind == POP_POOL)
            continue;
        const prog_tensor *src = &p->tensors[root_of(p, o->tensor)];
        if (src->home != HOME_MAIN || src->group < 0)
            continue;
        prog_pred *pr = realloc(gr->preds, (size_t)(gr->npreds + 1) * sizeof *pr);
        if (!pr)
            return -1;
        gr->preds = pr;
        pr[gr->npreds++] = (prog_pred){src->group, o->tensor, i};
    }
    return 0;
}

static void totals(program *p)
{
    for (int i = 0; i < p->ngroups; i++) {
        const tiling_report *r = &p->groups[i].rep;
        p->est_cycles += r->est_cycles;
        p->seq_cycles += r->seq_cycles;
        p->macs += r->macs;
        p->bytes_loaded += r->bytes_loaded;
        p->bytes_stored += r->bytes_stored;
        p->min_bytes += r->min_bytes;
    }
}

static int lower_all(program *p, nnp_err *e)
{
    fused_group *fg;
    int n, rc = fuse_nodes(p->g, &fg, &n, e);
    if (rc)
        return rc;
    p->groups = xcalloc(n ? (size_t)n : 1, sizeof(prog_group));
    p->group_of_node = xcalloc(p->g->nnodes ? p->g->nnodes : 1, sizeof(int));
    if (!p->groups || !p->group_of_node || init_tensors(p)) {
        free(fg);
        return nomem(e, "the graph");
    }
    for (int i = 0; i < n && !rc; i++) {
        p->ngroups = i + 1;
        rc = build_group(p, &fg[i], i, e);
    }
    free(fg);
    for (int i = 0; i < p->ngroups && !rc; i++)
        if (build_deps(&p->groups[i]) || build_preds(p, &p->groups[i]))
            rc = nomem(e, p->groups[i].name);
    if (!rc)
        totals(p);
    return rc;
}

int lower_program(const graph *g, const target *t, program **out, nnp_err *e)
{
    *out = NULL;
    program *p = xcalloc(1, sizeof *p);
    if (!p)
        return nomem(e, "the graph");
    p->g = g;
    p->t = t;
    int rc = lower_all(p, e);
    if (rc) {
        program_free(p);
        return rc;
    }
    *out = p;
    return NNP_OK;
}

static void group_free(prog_group *gr)
{
    for (int i = 0; i < gr->nops; i++)
        free(gr->ops[i].in);
    for (int b = 0; b < gr->nbufs; b++)
        free(gr->bufs[b].readers);
    free(gr->nodes);
    free(gr->ops);
    free(gr->bufs);
    free(gr->deps);
    free(gr->preds);
}

void program_free(program *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ngroups; i++)
        group_free(&p->groups[i]);
    for (int i = 0; i < p->nowned; i++)
        free(p->owned[i]);
    free(p->owned);
    free(p->groups);
    free(p->group_of_node);
    free(p->tensors);
    free(p);
}
