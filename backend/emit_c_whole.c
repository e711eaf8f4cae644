/* Reference kernels for GK_WHOLE groups: the layers lowering does not tile
 * (Conv and pools of other ranks, MatMul with a 1-D operand, Clip and
 * BatchNormalization whose parameters are computed). Such a group is one
 * tile holding whole tensors, so its kernel is the reference interpreter's
 * algorithm (ir/op_*.c) written out in C with the shapes as constants:
 * rare shapes get correct code, not fast code. */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "emit_c_impl.h"

static const prog_tensor *load_tensor(const cgen *cg, const prog_group *gr, int arg)
{
    for (int o = 0; o < gr->nops; o++)
        if (gr->ops[o].kind != POP_COMPUTE && gr->ops[o].kind != POP_STORE &&
            gr->ops[o].arg == arg)
            return &cg->p->tensors[gr->ops[o].tensor];
    return NULL;
}

static int load_op(const prog_group *gr, int arg)
{
    for (int o = 0; o < gr->nops; o++)
        if (gr->ops[o].kind != POP_COMPUTE && gr->ops[o].kind != POP_STORE &&
            gr->ops[o].arg == arg)
            return o;
    return -1;
}

static void longs(strbuf *out, const char *name, const int64_t *v, int n)
{
    sb_printf(out, "    static const long %s[%d] = {", name, n);
    for (int i = 0; i < n; i++)
        sb_printf(out, "%s%lld", i ? ", " : "", (long long)v[i]);
    sb_puts(out, "};\n");
}

static void header(const cgen *cg, int g, strbuf *out, int nin)
{
    const prog_group *gr = &cg->p->groups[g];
    sb_printf(out, "\n/* %s: whole tensors, as the reference interpreter computes it. */\n"
                   "static void k%d_whole(float *restrict y",
              gr->ops[cg_op_by_kind(gr, POP_COMPUTE, 0)].name, g);
    for (int k = 0; k < nin; k++)
        if (load_op(gr, k) >= 0)
            sb_printf(out, ", const float *restrict in%d", k);
    sb_puts(out, ")\n{\n");
}

/* The sliding window shared by Conv and the pools, as constant arrays. */
static void window_consts(strbuf *out, const window *w)
{
    longs(out, "in", w->in, w->nsp);
    longs(out, "out", w->out, w->nsp);
    longs(out, "ks", w->kernel, w->nsp);
    longs(out, "st", w->stride, w->nsp);
    longs(out, "dl", w->dil, w->nsp);
    longs(out, "pb", w->pad_begin, w->nsp);
}

/* Code filling off[q] (flat input offset of tap q, -1 for padding) and
 * `real` for output position o[]. */
static void window_offsets_code(strbuf *out, int nsp, int64_t taps)
{
    sb_printf(out,
              "            real = 0;\n"
              "            for (q = 0; q < %lld; q++) {\n"
              "                long rem = q, flat = 0, stride = 1, kq[%d];\n"
              "                int inside = 1;\n"
              "                for (d = %d - 1; d >= 0; d--) {\n"
              "                    kq[d] = rem %% ks[d];\n"
              "                    rem /= ks[d];\n"
              "                }\n"
              "                for (d = %d - 1; d >= 0; d--) {\n"
              "                    long pos = o[d] * st[d] - pb[d] + kq[d] * dl[d];\n"
              "                    inside &= pos >= 0 && pos < in[d];\n"
              "                    flat += pos * stride;\n"
              "                    stride *= in[d];\n"
              "                }\n"
              "                off[q] = inside ? flat : -1;\n"
              "                real += inside;\n"
              "            }\n",
              (long long)taps, nsp, nsp, nsp);
}

static const char next_position[] =
    "            for (d = NSP - 1; d >= 0; d--) {\n"
    "                if (++o[d] < out[d])\n"
    "                    break;\n"
    "                o[d] = 0;\n"
    "            }\n"
    "            if (d < 0)\n"
    "                break;\n";

static void put_next(strbuf *out, int nsp)
{
    char n[8];
    snprintf(n, sizeof n, "%d", nsp);
    for (const char *s = next_position; *s; s++) {
        if (!strncmp(s, "NSP", 3)) {
            sb_puts(out, n);
            s += 2;
        } else {
            sb_putc(out, *s);
        }
    }
}

static int whole_conv(cgen *cg, int g, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const graph *gg = cg->p->g;
    const node *nd = &gg->nodes[gr->anchor];
    const prog_tensor *x = load_tensor(cg, gr, 0), *w = load_tensor(cg, gr, 1);
    int has_b = load_op(gr, 2) >= 0, nsp = x->rank - 2;
    window win;
    int rc = window_of_node(gg, nd, x->dims + 2, w->dims + 2, nsp, &win, cg->e);
    if (rc)
        return rc;
    int64_t group = attr_int(nd, "group", 1), m_all = w->dims[0], cgc = w->dims[1];
    int64_t taps = 1, plane = 1, outs = 1;
    for (int d = 0; d < nsp; d++) {
        taps *= win.kernel[d];
        plane *= win.in[d];
        outs *= win.out[d];
    }
    header(cg, g, out, 3);
    window_consts(out, &win);
    sb_printf(out, "    long off[%lld], o[%d], q, d, m, c, bn, p, real;\n", (long long)taps, nsp);
    sb_printf(out,
              "    for (bn = 0; bn < %lld; bn++) {\n"
              "        for (d = 0; d < %d; d++)\n"
              "            o[d] = 0;\n"
              "        p = 0;\n"
              "        for (;;) {\n",
              (long long)x->dims[0], nsp);
    window_offsets_code(out, nsp, taps);
    sb_printf(out,
              "            (void)real;\n"
              "            for (m = 0; m < %lld; m++) {\n"
              "                const float *xg = in0 + (bn * %lld + (m / %lld) * %lld) * %lld;\n"
              "                const float *wm = in1 + m * %lld;\n"
              "                float acc = %s;\n"
              "                for (c = 0; c < %lld; c++)\n"
              "                    for (q = 0; q < %lld; q++)\n"
              "                        if (off[q] >= 0)\n"
              "                            acc += wm[c * %lld + q] * xg[c * %lld + off[q]];\n"
              "                y[(bn * %lld + m) * %lld + p] = acc;\n"
              "            }\n"
              "            p++;\n",
              (long long)m_all, (long long)x->dims[1], (long long)(m_all / group), (long long)cgc,
              (long long)plane, (long long)(cgc * taps), has_b ? "in2[m]" : "0.0f",
              (long long)cgc, (long long)taps, (long long)taps, (long long)plane, (long long)m_all,
              (long long)outs);
    put_next(out, nsp);
    sb_puts(out, "        }\n    }\n}\n");
    return NNP_OK;
}

static int whole_pool(cgen *cg, int g, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const graph *gg = cg->p->g;
    const node *nd = &gg->nodes[gr->anchor];
    const prog_tensor *x = load_tensor(cg, gr, 0);
    int nsp = x->rank - 2, nk, is_max = nd->op == OP_MAXPOOL;
    int padded = !is_max && attr_int(nd, "count_include_pad", 0);
    const int64_t *ks = attr_ints(nd, "kernel_shape", &nk);
    window win;
    int rc = window_of_node(gg, nd, x->dims + 2, ks, nsp, &win, cg->e);
    if (rc)
        return rc;
    int64_t taps = 1, plane = 1, outs = 1;
    for (int d = 0; d < nsp; d++) {
        taps *= win.kernel[d];
        plane *= win.in[d];
        outs *= win.out[d];
    }
    header(cg, g, out, 1);
    window_consts(out, &win);
    longs(out, "pe", win.pad_end, nsp);
    sb_printf(out, "    long off[%lld], o[%d], q, d, c, p = 0, real;\n", (long long)taps, nsp);
    sb_printf(out, "    for (d = 0; d < %d; d++)\n        o[d] = 0;\n    for (;;) {\n", nsp);
    window_offsets_code(out, nsp, taps);
    sb_puts(out, "        {\n            float div = (float)real;\n");
    if (padded)
        sb_printf(out,
                  "            long cnt = 1;\n"
                  "            for (d = 0; d < %d; d++) {\n"
                  "                long n = 0, k;\n"
                  "                for (k = 0; k < ks[d]; k++) {\n"
                  "                    long pos = o[d] * st[d] - pb[d] + k * dl[d];\n"
                  "                    n += pos >= -pb[d] && pos < in[d] + pe[d];\n"
                  "                }\n"
                  "                cnt *= n;\n"
                  "            }\n"
                  "            div = (float)cnt;\n",
                  nsp);
    else
        sb_puts(out, "            (void)pe;\n");
    sb_printf(out,
              "            for (c = 0; c < %lld; c++) {\n"
              "                const float *xp = in0 + c * %lld;\n"
              "                float acc = %s;\n"
              "                for (q = 0; q < %lld; q++) {\n"
              "                    float t;\n"
              "                    if (off[q] < 0)\n"
              "                        continue;\n"
              "                    t = xp[off[q]];\n"
              "                    %s\n"
              "                }\n"
              "                y[c * %lld + p] = %s;\n"
              "            }\n"
              "            %s\n"
              "        }\n"
              "        p++;\n",
              (long long)(x->dims[0] * x->dims[1]), (long long)plane,
              is_max ? "-INFINITY" : "0.0f", (long long)taps,
              is_max ? "if (t > acc || t != t)\n                        acc = t;" : "acc += t;",
              (long long)outs, is_max ? "acc" : "acc / div", is_max ? "(void)div;" : "");
    put_next(out, nsp);
    sb_puts(out, "    }\n}\n");
    return NNP_OK;
}

/* numpy's promotion of a MatMul operand: batch dims, rows, cols. */
static void mm_shape(const prog_tensor *t, int is_b, int *nb, int64_t *batch, int64_t *rows,
                     int64_t *cols)
{
    if (t->rank == 1) {
        *nb = 0;
        *rows = is_b ? t->dims[0] : 1;
        *cols = is_b ? 1 : t->dims[0];
        return;
    }
    *nb = t->rank - 2;
    memcpy(batch, t->dims, (size_t)*nb * sizeof *batch);
    *rows = t->dims[t->rank - 2];
    *cols = t->dims[t->rank - 1];
}

/* Strides (in matrices) for reading batch shape (n, d) broadcast to (no, dout). */
static void mm_strides(int n, const int64_t *d, int no, const int64_t *dout, int64_t *st)
{
    int64_t s = 1;
    for (int i = no - 1; i >= 0; i--) {
        int j = i - (no - n);
        if (j < 0 || d[j] == 1) {
            st[i] = 0;
        } else {
            st[i] = s;
            s *= d[j];
        }
        (void)dout;
    }
}

static int whole_matmul(cgen *cg, int g, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const prog_tensor *ta = load_tensor(cg, gr, 0), *tb = load_tensor(cg, gr, 1);
    int na, nb;
    int64_t ba[MAX_RANK] = {0}, bb[MAX_RANK] = {0}, m, k, k2, n, bo[MAX_RANK] = {0};
    mm_shape(ta, 0, &na, ba, &m, &k);
    mm_shape(tb, 1, &nb, bb, &k2, &n);
    int no = na > nb ? na : nb;
    for (int i = 0; i < no; i++) {
        int ia = i - (no - na), ib = i - (no - nb);
        int64_t da = ia >= 0 ? ba[ia] : 1, db = ib >= 0 ? bb[ib] : 1;
        bo[i] = da > db ? da : db;
    }
    int64_t sa[MAX_RANK], sb[MAX_RANK];
    mm_strides(na, ba, no, bo, sa);
    mm_strides(nb, bb, no, bo, sb);
    header(cg, g, out, 2);
    sb_puts(out, "    long i, j, p;\n");
    if (no > 0) {
        longs(out, "sa", sa, no);
        longs(out, "sb", sb, no);
        longs(out, "bo", bo, no);
        sb_printf(out, "    long idx[%d], d, oa, ob;\n    for (d = 0; d < %d; d++)\n"
                       "        idx[d] = 0;\n    for (;;) {\n"
                       "        oa = ob = 0;\n        for (d = 0; d < %d; d++) {\n"
                       "            oa += idx[d] * sa[d];\n            ob += idx[d] * sb[d];\n"
                       "        }\n",
                  no, no, no);
    } else {
        sb_puts(out, "    {\n        const long oa = 0, ob = 0;\n");
    }
    sb_printf(out,
              "        {\n"
              "            const float *am = in0 + oa * %lld, *bm = in1 + ob * %lld;\n"
              "            for (i = 0; i < %lld; i++)\n"
              "                for (j = 0; j < %lld; j++) {\n"
              "                    float acc = 0.0f;\n"
              "                    for (p = 0; p < %lld; p++)\n"
              "                        acc += am[i * %lld + p] * bm[p * %lld + j];\n"
              "                    y[i * %lld + j] = acc;\n"
              "                }\n"
              "            y += %lld;\n"
              "        }\n",
              (long long)(m * k), (long long)(k * n), (long long)m, (long long)n, (long long)k,
              (long long)k, (long long)n, (long long)n, (long long)(m * n));
    if (no > 0)
        sb_printf(out, "        for (d = %d - 1; d >= 0; d--) {\n"
                       "            if (++idx[d] < bo[d])\n                break;\n"
                       "            idx[d] = 0;\n        }\n        if (d < 0)\n"
                       "            break;\n",
                  no);
    sb_puts(out, "    }\n}\n");
    (void)k2;
    return NNP_OK;
}

static int whole_clip(cgen *cg, int g, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const prog_tensor *x = load_tensor(cg, gr, 0);
    int64_t n = 1;
    for (int d = 0; d < x->rank; d++)
        n *= x->dims[d];
    char lo[48], hi[48];
    cg_float(-FLT_MAX, lo, sizeof lo);
    cg_float(FLT_MAX, hi, sizeof hi);
    header(cg, g, out, 3);
    sb_printf(out,
              "    const float lo = %s, hi = %s;\n"
              "    long i;\n"
              "    for (i = 0; i < %lld; i++) {\n"
              "        float t = in0[i] < lo ? lo : in0[i];\n"
              "        y[i] = t > hi ? hi : t;\n"
              "    }\n}\n",
              load_op(gr, 1) >= 0 ? "in1[0]" : lo, load_op(gr, 2) >= 0 ? "in2[0]" : hi,
              (long long)n);
    return NNP_OK;
}

static int whole_batchnorm(cgen *cg, int g, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const node *nd = &cg->p->g->nodes[gr->anchor];
    const prog_tensor *x = load_tensor(cg, gr, 0);
    int64_t inner = 1;
    for (int d = 2; d < x->rank; d++)
        inner *= x->dims[d];
    char eps[48];
    cg_float(attr_float(nd, "epsilon", 1e-5f), eps, sizeof eps);
    header(cg, g, out, 5);
    sb_printf(out,
              "    long b, c, i;\n"
              "    for (b = 0; b < %lld; b++)\n"
              "        for (c = 0; c < %lld; c++) {\n"
              "            const float a = in1[c] / nnp_sqrtf(in4[c] + %s);\n"
              "            const long base = (b * %lld + c) * %lld;\n"
              "            for (i = 0; i < %lld; i++)\n"
              "                y[base + i] = a * (in0[base + i] - in3[c]) + in2[c];\n"
              "        }\n}\n",
              (long long)x->dims[0], (long long)x->dims[1], eps, (long long)x->dims[1],
              (long long)inner, (long long)inner);
    return NNP_OK;
}

int cg_whole_kernel(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    (void)op;
    switch (gr->par.op) {
    case OP_CONV:
        return whole_conv(cg, g, out);
    case OP_MAXPOOL:
    case OP_AVGPOOL:
        return whole_pool(cg, g, out);
    case OP_MATMUL:
        return whole_matmul(cg, g, out);
    case OP_CLIP:
        return whole_clip(cg, g, out);
    case OP_BATCHNORM:
        return whole_batchnorm(cg, g, out);
    default:
        return err_set(cg->e, NNP_UNSUPPORTED, "%s: no C kernel for %s on whole tensors",
                       gr->name, op_table[gr->par.op].name);
    }
}

void cg_whole_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    char e[160];
    cg_buf_expr(cg, s, gr->ops[op].out, e, sizeof e);
    sb_printf(out, "k%d_whole(%s", s->g, e);
    for (int k = 0; k < gr->ops[op].nin + 8; k++) {
        int l = load_op(gr, k);
        if (l < 0)
            continue;
        cg_buf_expr(cg, s, gr->ops[l].out, e, sizeof e);
        sb_printf(out, ", %s", e);
    }
    sb_puts(out, ");\n");
}
