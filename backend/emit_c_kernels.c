/* Compute kernels of the generated C, one emitter per group kind.
 *
 * Each group gets its own kernel functions with the layer's constants
 * (kernel size, strides, pads, fused epilogue) written in, and box extents
 * read from the region rows the caller passes: the same kernel serves
 * every tile, so code grows with the number of layers, not of tiles. The
 * arithmetic is the tile interpreter's (tests/tile_interp.c), which is the
 * executable specification of what a tile computes:
 *  - Conv: bias first, then input channels, kernel rows, kernel columns in
 *    order, so every output sees the reference's order of additions. The
 *    input box holds the window's padding as zeros (the load writes them),
 *    so taps need no bounds checks and the inner loop runs over output
 *    columns, contiguous in the accumulator: compilers vectorize it.
 *  - Pools read real taps only (a fused pool's source is the conv box,
 *    which has no padding); AveragePool divides by the real taps or, with
 *    count_include_pad, the taps inside the explicit pads.
 *  - Gemm/MatMul: with B' rows contiguous (transB = 0) each A' element
 *    scales a B row into the output row (vectorized, reference order);
 *    with transB = 1 each output is a dot product with eight partial sums.
 *  - Elementwise, Concat, Softmax, global pools as in the interpreter;
 *    Transpose as a strided gather along output rows.
 * Epilogue steps (bias, activations, binary ops with a broadcast skip
 * operand) run on the last reduction step; a fused pool is its own kernel
 * reading the accumulator on chip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_impl.h"

int cg_op_by_kind(const prog_group *gr, pop_kind k, int arg)
{
    for (int i = 0; i < gr->nops; i++)
        if (gr->ops[i].kind == k && gr->ops[i].arg == arg)
            return i;
    return -1;
}

const prog_tensor *cg_op_tensor(const cgen *cg, const prog_group *gr, int op)
{
    return &cg->p->tensors[gr->ops[op].tensor];
}

void cg_kernel_name(const cgen *cg, int g, int op, char *buf, size_t len)
{
    snprintf(buf, len, "k%d_%s", g, cg->p->groups[g].ops[op].name);
}

/* "(row[r + d] - row[d])": extent of dim d of a box row of rank r. */
static void put_extent(strbuf *out, const char *row, int r, int d)
{
    sb_printf(out, "(%s[%d] - %s[%d])", row, r + d, row, d);
}

/* The row-major stride of dim d in a dense box of rank r. */
static void put_stride(strbuf *out, const char *row, int r, int d)
{
    if (d >= r - 1) {
        sb_puts(out, "1");
        return;
    }
    for (int j = d + 1; j < r; j++) {
        if (j > d + 1)
            sb_puts(out, " * ");
        put_extent(out, row, r, j);
    }
}

/* Strides of an operand of tensor t read with numpy broadcasting over an
 * output box of rank ro: declares P_a for every output axis a the operand
 * varies along and returns those axes as a mask. */
static unsigned bcast_decl_upto(strbuf *out, const char *ind, const char *P, const char *row,
                                const prog_tensor *t, int ro, int upto)
{
    unsigned mask = 0;
    for (int a = 0; a < ro; a++) {
        int i = a - (ro - t->rank);
        if (i < 0 || t->dims[i] == 1)
            continue;
        mask |= 1u << a;
        if (a >= upto)
            continue;
        sb_printf(out, "%sconst long %s_%d = ", ind, P, a);
        put_stride(out, row, t->rank, i);
        sb_puts(out, ";\n");
    }
    return mask;
}

static unsigned bcast_decl(strbuf *out, const char *ind, const char *P, const char *row,
                           const prog_tensor *t, int ro)
{
    return bcast_decl_upto(out, ind, P, row, t, ro, ro);
}

/* sum of vars[a] * P_a over the mask's axes from `from` to `to`, or "0". */
void cg_bcast_index(char *buf, size_t len, const char *P, unsigned mask,
                        const char *const *vars, int from, int to)
{
    size_t n = 0;
    buf[0] = 0;
    for (int a = from; a < to && n < len; a++)
        if (mask >> a & 1)
            n += (size_t)snprintf(buf + n, len - n, "%s%s * %s_%d", n ? " + " : "", vars[a], P, a);
    if (!n)
        snprintf(buf, len, "0");
}

void cg_act_expr(op_kind act, const char *x, float a, float b, strbuf *out)
{
    char ca[48], cb[48];
    const char *names[] = {"x", "a", "b"}, *vals[] = {x, cg_float(a, ca, sizeof ca),
                                                      cg_float(b, cb, sizeof cb)};
    cg_subst(act_of(act)->c_expr, names, vals, 3, out);
}

/* The statements applying the group's epilogue to `v`; skip[k] is the
 * element expression of epilogue step k's skip operand. */
void cg_epilogue(cgen *cg, const prog_group *gr, strbuf *out, const char *ind,
                     char skip[][256])
{
    (void)cg;
    for (int k = 0; k < gr->par.nepi; k++) {
        const epi_step *s = &gr->par.epi[k];
        if (s->kind == EPI_ACT) {
            sb_printf(out, "%sv = ", ind);
            cg_act_expr(s->act, "v", s->a, s->b, out);
            sb_puts(out, ";\n");
        } else {
            const char *names[] = {"x", "y"}, *vals[] = {s->swap ? skip[k] : "v",
                                                         s->swap ? "v" : skip[k]};
            sb_printf(out, "%sv = ", ind);
            cg_subst(bin_of(s->bin)->c_expr, names, vals, 2, out);
            sb_puts(out, ";\n");
        }
    }
}

/* Parameters and strides of the skip operands of a group's epilogue. */
void cg_skip_params(const prog_group *gr, strbuf *out)
{
    for (int k = 0; k < gr->par.nepi; k++)
        if (gr->par.epi[k].kind == EPI_BINARY)
            sb_printf(out, " const float *restrict sk%d, const int32_t *rs%d,", k, k);
}

unsigned cg_skip_decl(const cgen *cg, const prog_group *gr, strbuf *out, int k, int ro)
{
    char P[16], row[16];
    sb_printf(out, "    (void)rs%d;\n", k);
    snprintf(P, sizeof P, "s%d", k);
    snprintf(row, sizeof row, "rs%d", k);
    return bcast_decl(out, "    ", P, row, cg_op_tensor(cg, gr, gr->par.epi[k].op), ro);
}

/* ---- call sites ---- */

static void red_flags(const cgen *cg, const cg_site *s, char *first, char *last, size_t len)
{
    const prog_group *gr = &cg->p->groups[s->g];
    if (gr->red < 0 || gr->loops[gr->red].count == 1) {
        snprintf(first, len, "1");
        snprintf(last, len, "1");
        return;
    }
    int64_t inner = 1, cnt = gr->loops[gr->red].count;
    int k = gr->nloops - 1;
    for (; k >= 0 && gr->order[k] != gr->red; k--)
        inner *= gr->loops[gr->order[k]].count;
    if (s->tconst >= 0) {
        int64_t i = s->tconst / inner % cnt;
        snprintf(first, len, "%d", i == 0);
        snprintf(last, len, "%d", i == cnt - 1);
    } else if (inner == 1) {
        snprintf(first, len, "t %% %lld == 0", (long long)cnt);
        snprintf(last, len, "t %% %lld == %lld", (long long)cnt, (long long)(cnt - 1));
    } else {
        snprintf(first, len, "t / %lld %% %lld == 0", (long long)inner, (long long)cnt);
        snprintf(last, len, "t / %lld %% %lld == %lld", (long long)inner, (long long)cnt,
                 (long long)(cnt - 1));
    }
}

/* ", <buffer of op>, <row of op>" pieces of a call. */
void cg_arg_buf(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    char e[160];
    cg_buf_expr(cg, s, cg->p->groups[s->g].ops[op].out, e, sizeof e);
    sb_printf(out, ", %s", e);
}

void cg_arg_row(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    char e[96];
    cg_row_expr(cg, s, op, e, sizeof e);
    sb_printf(out, ", %s", e);
}

void cg_arg_skips(const cgen *cg, const cg_site *s, const prog_group *gr, strbuf *out)
{
    for (int k = 0; k < gr->par.nepi; k++)
        if (gr->par.epi[k].kind == EPI_BINARY) {
            cg_arg_buf(cg, s, gr->par.epi[k].op, out);
            cg_arg_row(cg, s, gr->par.epi[k].op, out);
        }
}

void cg_arg_flags(const cgen *cg, const cg_site *s, strbuf *out)
{
    char f[64], l[64];
    red_flags(cg, s, f, l, sizeof f);
    sb_printf(out, ", %s, %s", f, l);
}

/* ---- MaxPool / AveragePool (alone, or fused after a Conv) ---- */

/* Lines counting the taps of output position o0 (a variable) along one
 * dim inside [lo, hi): AveragePool's count_include_pad divisor. */
static void padded_count(strbuf *out, const char *ind, const char *var, const char *o0, int64_t k,
                         int64_t d, int64_t lo, int64_t hi)
{
    sb_printf(out,
              "%s%s = 0;\n"
              "%sfor (q = 0; q < %lld; q++)\n"
              "%s    %s += %s + q * %lld >= %lld && %s + q * %lld < %lld;\n",
              ind, var, ind, (long long)k, ind, var, o0, (long long)d, (long long)lo, o0,
              (long long)d, (long long)hi);
}

/* One output column x of row y (window start x0) with bounds checks: the
 * columns at the edges, where some taps fall in the padding. */
static void pool_edge(strbuf *out, const window *w, int mx, int inc)
{
    sb_printf(out,
              "                    const long x0 = x * %lld - %lld;\n"
              "                    float m = %s;\n"
              "                    kx0 = 0;\n"
              "                    while (kx0 < %lld && x0 + kx0 * %lld < 0)\n"
              "                        kx0++;\n"
              "                    kx1 = %lld;\n"
              "                    while (kx1 > kx0 && x0 + (kx1 - 1) * %lld >= %lld)\n"
              "                        kx1--;\n"
              "                    for (ky = ky0; ky < ky1; ky++) {\n"
              "                        const long base = (y0 + ky * %lld - rs[2]) * SW + x0 - rs[3];\n"
              "                        for (kx = kx0; kx < kx1; kx++) {\n"
              "                            const float t = s[base + kx * %lld];\n"
              "                            %s\n"
              "                        }\n"
              "                    }\n",
              (long long)w->stride[1], (long long)w->pad_begin[1], mx ? "-INFINITY" : "0.0f",
              (long long)w->kernel[1], (long long)w->dil[1], (long long)w->kernel[1],
              (long long)w->dil[1], (long long)w->in[1], (long long)w->dil[0], (long long)w->dil[1],
              mx ? "if (t > m || t != t)\n                                m = t;" : "m += t;");
    if (inc)
        padded_count(out, "                    ", "cx", "x0", w->kernel[1], w->dil[1],
                     -w->pad_begin[1], w->in[1] + w->pad_end[1]);
    sb_printf(out, "                    o[x - ro[3]] = %s;\n",
              mx ? "m" : inc ? "m / (float)(cy * cx)" : "m / (float)((ky1 - ky0) * (kx1 - kx0))");
}

/* Pools one tile's box from a source box (the load's, padding included,
 * or a fused pool's conv box). Per output row: the rows of taps inside
 * the input; then the interior columns, whose taps are all real, as one
 * vectorizable pass per tap over the row (taps in the reference's order,
 * so sums and NaN handling match it); then the edge columns one by one. */
static int pool_emit(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const group_params *pa = &gr->par;
    const window *w = &pa->pool;
    int mx = pa->pool_max, inc = !mx && pa->count_include_pad;
    int64_t kx = w->kernel[1], sx = w->stride[1], dx = w->dil[1], px = w->pad_begin[1];
    /* interior columns: x*sx - px >= 0 and x*sx - px + (kx-1)*dx < in */
    int64_t xa = ceil_div(px, sx), xb = floor_div(w->in[1] - 1 - (kx - 1) * dx + px, sx) + 1;
    if (xb < xa)
        xb = xa;
    char fn[64];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    sb_printf(out, "\n/* %s: %lldx%lld window, stride %lldx%lld, dilation %lldx%lld, pads begin "
                   "%lld,%lld end %lld,%lld%s; columns %lld..%lld have no padding. */\n",
              gr->ops[op].name, (long long)w->kernel[0], (long long)kx, (long long)w->stride[0],
              (long long)sx, (long long)w->dil[0], (long long)dx, (long long)w->pad_begin[0],
              (long long)px, (long long)w->pad_end[0], (long long)w->pad_end[1],
              mx ? "" : inc ? ", dividing by the taps inside the pads" : ", dividing by the real taps",
              (long long)xa, (long long)(xb - 1));
    sb_printf(out,
              "static void %s(float *restrict out, const float *restrict src, const int32_t *ro, "
              "const int32_t *rs)\n{\n"
              "    const long C = ro[5] - ro[1], OH = ro[6] - ro[2], OW = ro[7] - ro[3];\n"
              "    const long SC = rs[5] - rs[1], SH = rs[6] - rs[2], SW = rs[7] - rs[3];\n"
              "    const long xa = ro[3] > %lld ? ro[3] : %lld, xb0 = ro[7] < %lld ? ro[7] : %lld;\n"
              "    const long xb = xb0 > xa ? xb0 : xa;\n"
              "    long n, c, y, x, xc, i, ky, kx, ky0, ky1, kx0, kx1%s;\n"
              "    for (n = ro[0]; n < ro[4]; n++)\n"
              "        for (c = ro[1]; c < ro[5]; c++) {\n"
              "            const float *restrict s = src + ((n - rs[0]) * SC + (c - rs[1])) * SH * SW;\n"
              "            for (y = ro[2]; y < ro[6]; y++) {\n"
              "                float *restrict o = out + (((n - ro[0]) * C + (c - ro[1])) * OH + y - "
              "ro[2]) * OW;\n"
              "                const long y0 = y * %lld - %lld;\n"
              "                ky0 = 0;\n"
              "                while (ky0 < %lld && y0 + ky0 * %lld < 0)\n"
              "                    ky0++;\n"
              "                ky1 = %lld;\n"
              "                while (ky1 > ky0 && y0 + (ky1 - 1) * %lld >= %lld)\n"
              "                    ky1--;\n",
              fn, (long long)xa, (long long)xa, (long long)xb, (long long)xb, inc ? ", q, cy, cx" : "",
              (long long)w->stride[0], (long long)w->pad_begin[0], (long long)w->kernel[0],
              (long long)w->dil[0], (long long)w->kernel[0], (long long)w->dil[0],
              (long long)w->in[0]);
    if (inc)
        padded_count(out, "                ", "cy", "y0", w->kernel[0], w->dil[0], -w->pad_begin[0],
                     w->in[0] + w->pad_end[0]);
    /* interior, 32 (or 16) columns at a time, each block reduced over every
     * tap in registers and stored once; the last block ends at xb,
     * recomputing a few columns to the same values. Max keeps NaNs apart
     * (q) so both selects are plain comparisons compilers vectorize. */
    char fin[96];
    if (mx)
        snprintf(fin, sizeof fin, "q[i] != q[i] ? q[i] : a[i]");
    else
        snprintf(fin, sizeof fin, "a[i] / (float)(%s * %lld)", inc ? "cy" : "(ky1 - ky0)",
                 (long long)kx);
    for (int bw = 32; bw >= 16; bw /= 2) {
        char qinit[160] = "";
        if (mx)
            snprintf(qinit, sizeof qinit,
                     "                        for (i = 0; i < %d; i++)\n"
                     "                            q[i] = 0.0f;\n",
                     bw);
        sb_printf(out, "                %sif (xb - xa >= %d)\n", bw == 32 ? "" : "else ", bw);
        sb_printf(out,
                  "                    for (xc = xa; xc < xb; xc += %d) {\n"
                  "                        float a[%d]%s;\n"
                  "                        if (xc + %d > xb)\n"
                  "                            xc = xb - %d;\n"
                  "                        for (i = 0; i < %d; i++)\n"
                  "                            a[i] = %s;\n"
                  "%s"
                  "                        for (ky = ky0; ky < ky1; ky++)\n"
                  "                            for (kx = 0; kx < %lld; kx++) {\n"
                  "                                const float *restrict sv = s + (y0 + ky * %lld - rs[2]) * SW + "
                  "(xc * %lld - %lld + kx * %lld - rs[3]);\n"
                  "                                for (i = 0; i < %d; i++) {\n"
                  "                                    const float t = sv[i * %lld];\n"
                  "%s"
                  "                                }\n"
                  "                            }\n"
                  "                        for (i = 0; i < %d; i++)\n"
                  "                            o[xc - ro[3] + i] = %s;\n"
                  "                    }\n",
                  bw, bw, mx ? (bw == 32 ? ", q[32]" : ", q[16]") : "", bw, bw, bw,
                  mx ? "-INFINITY" : "0.0f",
                  qinit,
                  (long long)kx, (long long)w->dil[0], (long long)sx, (long long)px, (long long)dx,
                  bw, (long long)sx,
                  mx ? "                                    a[i] = t > a[i] ? t : a[i];\n"
                       "                                    q[i] = t != t ? t : q[i];\n"
                     : "                                    a[i] = a[i] + t;\n",
                  bw, fin);
    }
    /* edges */
    sb_puts(out, "                for (x = ro[3]; x < ro[7]; x++) {\n"
                 "                    if (x == xa && xb - xa >= 16)\n"
                 "                        x = xb;\n"
                 "                    if (x >= ro[7])\n"
                 "                        break;\n"
                 "                    {\n");
    pool_edge(out, w, mx, inc);
    sb_puts(out, "                    }\n"
                 "                }\n"
                 "            }\n"
                 "        }\n"
                 "}\n");
    return NNP_OK;
}

static void pool_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const prog_op *o = &gr->ops[op];
    char fn[64], dst[160];
    cg_kernel_name(cg, s->g, op, fn, sizeof fn);
    cg_buf_expr(cg, s, o->out, dst, sizeof dst);
    sb_printf(out, "%s(%s", fn, dst);
    int src = gr->bufs[o->in[0]].producer;
    cg_arg_buf(cg, s, src, out);
    cg_arg_row(cg, s, op, out);
    cg_arg_row(cg, s, src, out);
    sb_puts(out, ");\n");
}

/* ---- GlobalAveragePool / GlobalMaxPool, reducing over input rows ---- */

static int globalpool_emit(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    int in = cg_op_by_kind(gr, POP_LOAD_INPUT, 0);
    const prog_tensor *tx = cg_op_tensor(cg, gr, in);
    int r = tx->rank;
    int64_t plane = 1;
    for (int d = 2; d < r; d++)
        plane *= tx->dims[d];
    char fn[64];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    sb_printf(out, "\n/* %s over %lld positions per channel, a band of rows per tile. */\n"
                   "static void %s(float *restrict acc, const float *restrict in, "
                   "const int32_t *ro, const int32_t *ri, int first, int last)\n{\n"
                   "    const long OC = ro[%d] - ro[1], IC = ri[%d] - ri[1];\n"
                   "    const long P = ",
              gr->ops[op].name, (long long)plane, fn, r + 1, r + 1);
    put_stride(out, "ri", r, 1);
    sb_printf(out, ";\n    long n, c, i;\n"
                   "    for (n = ro[0]; n < ro[%d]; n++)\n"
                   "        for (c = ro[1]; c < ro[%d]; c++) {\n"
                   "            float *restrict a = acc + (n - ro[0]) * OC + (c - ro[1]);\n"
                   "            const float *restrict x = in + ((n - ri[0]) * IC + (c - ri[1])) * P;\n",
              r, r + 1);
    if (gr->par.pool_max)
        sb_puts(out, "            float m = first ? -INFINITY : *a;\n"
                     "            for (i = 0; i < P; i++)\n"
                     "                if (x[i] > m || x[i] != x[i])\n"
                     "                    m = x[i];\n"
                     "            *a = m;\n"
                     "        }\n"
                     "    (void)last;\n}\n");
    else
        sb_printf(out, "            const long P4 = P - P %% 4;\n"
                       "            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;\n"
                       "            for (i = 0; i < P4; i += 4) {\n"
                       "                s0 += x[i];\n"
                       "                s1 += x[i + 1];\n"
                       "                s2 += x[i + 2];\n"
                       "                s3 += x[i + 3];\n"
                       "            }\n"
                       "            for (i = P4; i < P; i++)\n"
                       "                s0 += x[i];\n"
                       "            s0 = (s0 + s1) + (s2 + s3);\n"
                       "            *a = first ? (float)s0 : *a + (float)s0;\n"
                       "            if (last)\n"
                       "                *a = (float)((double)*a / %lld.0);\n"
                       "        }\n}\n",
                  (long long)plane);
    return NNP_OK;
}

static void globalpool_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    int in = cg_op_by_kind(gr, POP_LOAD_INPUT, 0);
    char fn[64], acc[160];
    cg_kernel_name(cg, s->g, op, fn, sizeof fn);
    cg_buf_expr(cg, s, gr->ops[op].out, acc, sizeof acc);
    sb_printf(out, "%s(%s", fn, acc);
    cg_arg_buf(cg, s, in, out);
    cg_arg_row(cg, s, op, out);
    cg_arg_row(cg, s, in, out);
    cg_arg_flags(cg, s, out);
    sb_puts(out, ");\n");
}

/* ---- Gemm / MatMul ---- */

/* Batch strides of a matrix operand (rank r, batch dims broadcast) over
 * the output's nb batch axes: declares P_a, returns the mask. */
static unsigned batch_decl(strbuf *out, const char *P, const char *row, const prog_tensor *t,
                           int nb)
{
    unsigned mask = 0;
    int tb = t->rank - 2;
    for (int a = 0; a < nb; a++) {
        int i = a - (nb - tb);
        if (i < 0 || t->dims[i] == 1)
            continue;
        mask |= 1u << a;
        sb_printf(out, "    const long %s_%d = ", P, a);
        put_stride(out, row, t->rank, i);
        sb_puts(out, ";\n");
    }
    return mask;
}

static int gemm_emit(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const group_params *pa = &gr->par;
    int la = cg_op_by_kind(gr, POP_LOAD_INPUT, 0), lw = cg_op_by_kind(gr, POP_LOAD_WEIGHT, 0);
    int lc = pa->has_bias ? cg_op_by_kind(gr, POP_LOAD_BIAS, 0) : -1;
    const prog_tensor *ty = cg_op_tensor(cg, gr, op), *ta = cg_op_tensor(cg, gr, la);
    const prog_tensor *tb = cg_op_tensor(cg, gr, lw);
    int ro = ty->rank, nb = ro - 2, ra = ta->rank, rb = tb->rank;
    /* with B^T loaded (emit_c_layout.c: transpose_constants) B' rows are contiguous */
    int trans_b = pa->trans_b && cg->groups[g].bt_op < 0;
    char fn[64], al[48], be[48];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    cg_float(pa->alpha, al, sizeof al);
    cg_float(pa->beta, be, sizeof be);
    sb_printf(out, "\n/* %s: Y = %sA'B'%s, A' = %s, B' = %s%s. */\n", gr->ops[op].name,
              pa->alpha == 1.0f ? "" : "alpha ", lc >= 0 ? " + beta C" : "",
              pa->trans_a ? "A^T" : "A",
              trans_b ? "B^T" : pa->trans_b ? "B^T, loaded from a transposed copy" : "B",
              pa->nepi ? ", then the fused epilogue" : "");
    sb_printf(out, "static void %s(float *restrict acc, const float *restrict A, "
                   "const float *restrict B,%s", fn, lc >= 0 ? " const float *restrict C," : "");
    cg_skip_params(gr, out);
    sb_printf(out, "\n    const int32_t *ro, const int32_t *ra, const int32_t *rb,%s int first, "
                   "int last)\n{\n", lc >= 0 ? " const int32_t *rc," : "");
    sb_printf(out, "    const long M = ro[%d] - ro[%d], N = ro[%d] - ro[%d];\n", ro + ro - 2, ro - 2,
              ro + ro - 1, ro - 1);
    /* K is the reduction tile: A's k dim (last unless transposed). */
    int ak = pa->trans_a ? ra - 2 : ra - 1;
    sb_printf(out, "    const long K = ra[%d] - ra[%d];\n", ra + ak, ak);
    sb_printf(out, "    const long AR = ra[%d] - ra[%d], BR = rb[%d] - rb[%d];\n", ra + ra - 1,
              ra - 1, rb + rb - 1, rb - 1);
    sb_puts(out, "    long i, j, j0, p;\n");
    for (int a = 0; a < nb; a++)
        sb_printf(out, "    long b%d;\n", a);
    unsigned am = batch_decl(out, "sa", "ra", ta, nb), bm = batch_decl(out, "sb", "rb", tb, nb);
    /* output batch strides: the acc box is dense over the output box */
    for (int a = 0; a < nb; a++) {
        sb_printf(out, "    const long so_%d = ", a);
        put_stride(out, "ro", ro, a);
        sb_puts(out, ";\n");
    }
    char vars[MAX_RANK][16];
    const char *vp[MAX_RANK];
    for (int a = 0; a < nb; a++)
        snprintf(vars[a], sizeof vars[a], "b%d", a);
    snprintf(vars[nb], sizeof vars[nb], "i");
    snprintf(vars[nb + 1], sizeof vars[nb + 1], "(j0 + j)");
    for (int a = 0; a < ro; a++)
        vp[a] = vars[a];
    unsigned cm = 0, sm[PROG_MAX_EPI] = {0};
    if (lc >= 0) {
        sb_puts(out, "    (void)rc;\n");
        cm = bcast_decl(out, "    ", "sc", "rc", cg_op_tensor(cg, gr, lc), ro);
    }
    for (int k = 0; k < pa->nepi; k++)
        if (pa->epi[k].kind == EPI_BINARY)
            sm[k] = cg_skip_decl(cg, gr, out, k, ro);
    char ind[64] = "    ";
    for (int a = 0; a < nb; a++) {
        sb_printf(out, "%sfor (b%d = 0; b%d < ro[%d] - ro[%d]; b%d++)\n", ind, a, a, ro + a, a, a);
        strcat(ind, "    ");
    }
    char ao[200], bo[200], oo[200];
    cg_bcast_index(ao, sizeof ao, "sa", am, vp, 0, nb);
    cg_bcast_index(bo, sizeof bo, "sb", bm, vp, 0, nb);
    size_t n = 0;
    oo[0] = 0;
    for (int a = 0; a < nb; a++)
        n += (size_t)snprintf(oo + n, sizeof oo - n, "%sb%d * so_%d", n ? " + " : "", a, a);
    if (!n)
        snprintf(oo, sizeof oo, "0");
    sb_printf(out, "%sfor (i = 0; i < M; i++) {\n", ind);
    sb_printf(out, "%s    float *restrict y = acc + %s + i * N;\n", ind, oo);
    sb_printf(out, "%s    const float *restrict Ab = A + %s;\n", ind, ao);
    sb_printf(out, "%s    const float *restrict Bb = B + %s;\n", ind, bo);
    const char *aip = pa->trans_a ? "Ab[p * AR + i]" : "Ab[i * AR + p]";
    /* the finishing statements of element j from its sum `v` */
    char skip[PROG_MAX_EPI][256];
    for (int k = 0; k < pa->nepi; k++)
        if (pa->epi[k].kind == EPI_BINARY) {
            char P[16], idx[200];
            snprintf(P, sizeof P, "s%d", k);
            cg_bcast_index(idx, sizeof idx, P, sm[k], vp, 0, ro);
            snprintf(skip[k], sizeof skip[k], "sk%d[%s]", k, idx);
        }
    char cidx[200] = "", eind[80], fin[2048];
    if (lc >= 0)
        cg_bcast_index(cidx, sizeof cidx, "sc", cm, vp, 0, ro);
    snprintf(eind, sizeof eind, "%s                ", ind);
    strbuf ep = {0};
    cg_epilogue(cg, gr, &ep, eind, skip);
    if (lc >= 0)
        snprintf(fin, sizeof fin, "%s            if (last) {\n%s                v = %s * v + %s * C[%s];\n%s%s            }\n",
                 ind, ind, al, be, cidx, ep.s ? ep.s : "", ind);
    else
        snprintf(fin, sizeof fin, "%s            if (last) {\n%s                v = %s * v + 0.0f;\n%s%s            }\n",
                 ind, ind, al, ep.s ? ep.s : "", ind);
    sb_free(&ep);
    if (!trans_b) {
        /* blocks of 16 output columns summed in registers over the whole
         * reduction, rows of B' streamed once; a shorter last block */
        for (int tail = 0; tail < 2; tail++) {
            const char *bound = tail ? "m" : "16";
            if (tail)
                sb_printf(out, "%s    if (j0 < N) {\n%s        const long m = N - j0;\n", ind, ind);
            else
                sb_printf(out, "%s    for (j0 = 0; j0 + 16 <= N; j0 += 16) {\n", ind);
            sb_printf(out,
                      "%s        float s[16];\n"
                      "%s        for (j = 0; j < 16; j++)\n"
                      "%s            s[j] = 0.0f;\n"
                      "%s        if (!first)\n"
                      "%s            for (j = 0; j < %s; j++)\n"
                      "%s                s[j] = y[j0 + j];\n"
                      "%s        for (p = 0; p < K; p++) {\n"
                      "%s            const float av = %s;\n"
                      "%s            const float *restrict br = Bb + p * BR + j0;\n"
                      "%s            for (j = 0; j < %s; j++)\n"
                      "%s                s[j] += av * br[j];\n"
                      "%s        }\n"
                      "%s        for (j = 0; j < %s; j++) {\n"
                      "%s            float v = s[j];\n",
                      ind, ind, ind, ind, ind, bound, ind, ind, ind, aip, ind, ind, bound, ind, ind,
                      ind, bound, ind);
            sb_puts(out, fin);
            sb_printf(out, "%s            y[j0 + j] = v;\n%s        }\n%s    }\n", ind, ind, ind);
        }
    } else {
        /* one dot product per output, finished at once */
        sb_printf(out, "%s    j0 = 0;\n%s    for (j = 0; j < N; j++) {\n", ind, ind);
        if (!pa->trans_a)
            sb_printf(out,
                      "%s        const float *restrict ar = Ab + i * AR, *restrict br = Bb + j * BR;\n"
                      "%s        float s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, tot;\n"
                      "%s        const long K8 = K - K %% 8;\n"
                      "%s        for (p = 0; p < K8; p += 8) {\n"
                      "%s            int q;\n"
                      "%s            for (q = 0; q < 8; q++)\n"
                      "%s                s[q] += ar[p + q] * br[p + q];\n"
                      "%s        }\n"
                      "%s        tot = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));\n"
                      "%s        for (p = K8; p < K; p++)\n"
                      "%s            tot += ar[p] * br[p];\n"
                      "%s        {\n"
                      "%s            float v = first ? tot : y[j] + tot;\n",
                      ind, ind, ind, ind, ind, ind, ind, ind, ind, ind, ind, ind, ind);
        else
            sb_printf(out,
                      "%s        float tot = first ? 0.0f : y[j];\n"
                      "%s        for (p = 0; p < K; p++)\n"
                      "%s            tot += %s * Bb[j * BR + p];\n"
                      "%s        {\n"
                      "%s            float v = tot;\n",
                      ind, ind, ind, aip, ind, ind);
        sb_puts(out, fin);
        sb_printf(out, "%s            y[j] = v;\n%s        }\n%s    }\n", ind, ind, ind);
    }
    sb_printf(out, "%s}\n}\n", ind);
    return NNP_OK;
}

/* Conv and Gemm kernels take the same arguments: the accumulator, the
 * input, the weights and the bias when there is one, the fused skip inputs,
 * then the region rows of each and the first/last flags. */
static void mac_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    int in = cg_op_by_kind(gr, POP_LOAD_INPUT, 0), w = cg_op_by_kind(gr, POP_LOAD_WEIGHT, 0);
    int b = gr->par.has_bias ? cg_op_by_kind(gr, POP_LOAD_BIAS, 0) : -1;
    char fn[64], acc[160];
    cg_kernel_name(cg, s->g, op, fn, sizeof fn);
    cg_buf_expr(cg, s, gr->ops[op].out, acc, sizeof acc);
    sb_printf(out, "%s(%s", fn, acc);
    cg_arg_buf(cg, s, in, out);
    cg_arg_buf(cg, s, w, out);
    if (b >= 0)
        cg_arg_buf(cg, s, b, out);
    cg_arg_skips(cg, s, gr, out);
    cg_arg_row(cg, s, op, out);
    cg_arg_row(cg, s, in, out);
    cg_arg_row(cg, s, w, out);
    if (b >= 0)
        cg_arg_row(cg, s, b, out);
    cg_arg_flags(cg, s, out);
    sb_puts(out, ");\n");
}

/* ---- Elementwise ---- */

/* Statements setting dst to the group's op on operand values x0..x<nin-1>:
 * an activation, a binary op folded from the left, or BatchNormalization
 * (x0 * scale x1 + shift x2). */
static void eltwise_body(const group_params *pa, int nin, const char *ind, const char *dst,
                         strbuf *out)
{
    const char *names[] = {"x", "y"};
    char xk[16];
    if (act_of(pa->op)) {
        sb_printf(out, "%s%s = ", ind, dst);
        cg_act_expr(pa->op, "x0", pa->p0, pa->p1, out);
        sb_puts(out, ";\n");
    } else if (bin_of(pa->op) && nin == 2) {
        const char *vals[] = {"x0", "x1"};
        sb_printf(out, "%s%s = ", ind, dst);
        cg_subst(bin_of(pa->op)->c_expr, names, vals, 2, out);
        sb_puts(out, ";\n");
    } else if (bin_of(pa->op) && nin > 2) {
        const char *vals[] = {"v", xk};
        sb_printf(out, "%sfloat v = x0;\n", ind);
        for (int k = 1; k < nin; k++) {
            snprintf(xk, sizeof xk, "x%d", k);
            sb_printf(out, "%sv = ", ind);
            cg_subst(bin_of(pa->op)->c_expr, names, vals, 2, out);
            sb_puts(out, ";\n");
        }
        sb_printf(out, "%s%s = v;\n", ind, dst);
    } else if (pa->op == OP_BATCHNORM) {
        sb_printf(out, "%s%s = x1 * x0 + x2;\n", ind, dst);
    } else {
        sb_printf(out, "%s%s = x0;\n", ind, dst);
    }
}

static int eltwise_emit(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const prog_op *o = &gr->ops[op];
    const prog_tensor *ty = cg_op_tensor(cg, gr, op);
    int r = ty->rank, nin = o->nin;
    char fn[64];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    sb_printf(out, "\n/* %s over a box of rank %d. */\nstatic void %s(float *restrict out", o->name, r,
              fn);
    for (int k = 0; k < nin; k++)
        sb_printf(out, ", const float *restrict in%d", k);
    sb_puts(out, ", const int32_t *ro");
    for (int k = 0; k < nin; k++)
        sb_printf(out, ", const int32_t *r%d", k);
    sb_puts(out, ")\n{\n");
    if (r == 0) {
        sb_puts(out, "    (void)ro;\n");
        for (int k = 0; k < nin; k++)
            sb_printf(out, "    const float x%d = in%d[0];\n    (void)r%d;\n", k, k, k);
        eltwise_body(&gr->par, nin, "    ", "out[0]", out);
        sb_puts(out, "}\n");
        return NNP_OK;
    }
    unsigned *mask = xcalloc((size_t)nin + 1, sizeof *mask);
    if (!mask)
        return err_set(cg->e, NNP_NOMEM, "out of memory writing %s", gr->name);
    for (int k = 0; k < nin; k++) {
        char P[16], row[16];
        snprintf(P, sizeof P, "s%d", k);
        snprintf(row, sizeof row, "r%d", k);
        sb_printf(out, "    (void)r%d;\n", k);
        mask[k] = bcast_decl_upto(out, "    ", P, row, cg_op_tensor(cg, gr, gr->bufs[o->in[k]].producer),
                                  r, r - 1);
    }
    sb_printf(out, "    const long E = ro[%d] - ro[%d];\n    long i", 2 * r - 1, r - 1);
    for (int d = 0; d < r - 1; d++)
        sb_printf(out, ", d%d", d);
    sb_puts(out, ";\n    float *restrict y = out;\n");
    char vars[MAX_RANK][8];
    const char *vp[MAX_RANK];
    for (int d = 0; d < r; d++) {
        snprintf(vars[d], sizeof vars[d], d == r - 1 ? "i" : "d%d", d);
        vp[d] = vars[d];
    }
    char ind[64] = "    ";
    for (int d = 0; d < r - 1; d++) {
        sb_printf(out, "%sfor (d%d = 0; d%d < ro[%d] - ro[%d]; d%d++)%s\n", ind, d, d, r + d, d, d,
                  d == r - 2 ? " {" : "");
        strcat(ind, "    ");
    }
    if (r == 1)
        sb_puts(out, "    {\n");
    for (int k = 0; k < nin; k++) {
        char P[16], base[200];
        snprintf(P, sizeof P, "s%d", k);
        cg_bcast_index(base, sizeof base, P, mask[k], vp, 0, r - 1);
        sb_printf(out, "%sconst float *restrict a%d = in%d + %s;\n", ind, k, k, base);
    }
    sb_printf(out, "%sfor (i = 0; i < E; i++) {\n", ind);
    for (int k = 0; k < nin; k++)
        sb_printf(out, "%s    const float x%d = a%d[%s];\n", ind, k, k,
                  mask[k] >> (r - 1) & 1 ? "i" : "0");
    char body_ind[80];
    snprintf(body_ind, sizeof body_ind, "%s    ", ind);
    eltwise_body(&gr->par, nin, body_ind, "y[i]", out);
    sb_printf(out, "%s}\n%sy += E;\n", ind, ind);
    sb_puts(out, "    }\n}\n");
    free(mask);
    return NNP_OK;
}

static void eltwise_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const prog_op *o = &gr->ops[op];
    char fn[64], dst[160];
    cg_kernel_name(cg, s->g, op, fn, sizeof fn);
    cg_buf_expr(cg, s, o->out, dst, sizeof dst);
    sb_printf(out, "%s(%s", fn, dst);
    for (int k = 0; k < o->nin; k++)
        cg_arg_buf(cg, s, gr->bufs[o->in[k]].producer, out);
    cg_arg_row(cg, s, op, out);
    for (int k = 0; k < o->nin; k++)
        cg_arg_row(cg, s, gr->bufs[o->in[k]].producer, out);
    sb_puts(out, ");\n");
}

/* ---- Concat ---- */

static int concat_emit(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const prog_op *o = &gr->ops[op];
    int r = cg_op_tensor(cg, gr, op)->rank, ax = gr->par.axis;
    char fn[64];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    sb_printf(out, "\n/* %s of %d inputs along axis %d. */\nstatic void %s(float *restrict out",
              o->name, o->nin, ax, fn);
    for (int k = 0; k < o->nin; k++)
        sb_printf(out, ", const float *restrict in%d", k);
    sb_puts(out, ", const int32_t *ro");
    for (int k = 0; k < o->nin; k++)
        sb_printf(out, ", const int32_t *r%d", k);
    sb_puts(out, ")\n{\n    const long outer = 1");
    for (int d = 0; d < ax; d++) {
        sb_puts(out, " * ");
        put_extent(out, "ro", r, d);
    }
    sb_puts(out, ";\n    long q;\n    float *restrict y = out;\n    (void)ro;\n");
    for (int k = 0; k < o->nin; k++) {
        char row[8];
        snprintf(row, sizeof row, "r%d", k);
        sb_printf(out, "    const long n%d = ", k);
        put_extent(out, row, r, ax);
        if (ax < r - 1) {
            sb_puts(out, " * ");
            put_stride(out, row, r, ax);
        }
        sb_puts(out, ";\n");
    }
    sb_puts(out, "    for (q = 0; q < outer; q++) {\n");
    for (int k = 0; k < o->nin; k++)
        sb_printf(out, "        memcpy(y, in%d + q * n%d, (size_t)n%d * sizeof(float));\n"
                       "        y += n%d;\n",
                  k, k, k, k);
    sb_puts(out, "    }\n}\n");
    return NNP_OK;
}

static void concat_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const prog_op *o = &gr->ops[op];
    char fn[64], dst[160];
    cg_kernel_name(cg, s->g, op, fn, sizeof fn);
    cg_buf_expr(cg, s, o->out, dst, sizeof dst);
    sb_printf(out, "%s(%s", fn, dst);
    for (int k = 0; k < o->nin; k++)
        cg_arg_buf(cg, s, gr->bufs[o->in[k]].producer, out);
    cg_arg_row(cg, s, op, out);
    for (int k = 0; k < o->nin; k++)
        cg_arg_row(cg, s, gr->bufs[o->in[k]].producer, out);
    sb_puts(out, ");\n");
}

/* ---- Softmax ---- */

static int softmax_emit(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    int r = cg_op_tensor(cg, gr, op)->rank, ax = gr->par.axis;
    char fn[64];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    sb_printf(out, "\n/* %s from axis %d%s. */\nstatic void %s(float *restrict out, "
                   "const float *restrict in, const int32_t *ro)\n{\n    const long outer = 1",
              gr->ops[op].name, ax, gr->par.legacy_softmax ? " (opset < 13: every axis after it too)" : "",
              fn);
    for (int d = 0; d < ax; d++) {
        sb_puts(out, " * ");
        put_extent(out, "ro", r, d);
    }
    sb_puts(out, ";\n    const long len = ");
    if (gr->par.legacy_softmax) {
        sb_puts(out, "1");
        for (int d = ax; d < r; d++) {
            sb_puts(out, " * ");
            put_extent(out, "ro", r, d);
        }
        sb_puts(out, ", stride = 1;\n");
    } else {
        put_extent(out, "ro", r, ax);
        sb_puts(out, ", stride = ");
        put_stride(out, "ro", r, ax);
        sb_puts(out, ";\n");
    }
    sb_puts(out, "    long q, s, i;\n"
                 "    for (q = 0; q < outer; q++)\n"
                 "        for (s = 0; s < stride; s++) {\n"
                 "            const float *restrict x = in + q * len * stride + s;\n"
                 "            float *restrict y = out + q * len * stride + s;\n"
                 "            float mx = -INFINITY;\n"
                 "            double sum = 0;\n"
                 "            for (i = 0; i < len; i++)\n"
                 "                mx = x[i * stride] > mx ? x[i * stride] : mx;\n"
                 "            for (i = 0; i < len; i++) {\n"
                 "                y[i * stride] = nnp_expf(x[i * stride] - mx);\n"
                 "                sum += y[i * stride];\n"
                 "            }\n"
                 "            for (i = 0; i < len; i++)\n"
                 "                y[i * stride] = (float)(y[i * stride] / sum);\n"
                 "        }\n}\n");
    return NNP_OK;
}

static void softmax_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const prog_op *o = &gr->ops[op];
    char fn[64], dst[160];
    cg_kernel_name(cg, s->g, op, fn, sizeof fn);
    cg_buf_expr(cg, s, o->out, dst, sizeof dst);
    sb_printf(out, "%s(%s", fn, dst);
    cg_arg_buf(cg, s, gr->bufs[o->in[0]].producer, out);
    cg_arg_row(cg, s, op, out);
    sb_puts(out, ");\n");
}

/* ---- Transpose ---- */

/* Output box position d reads the input box at sum d_a * s_a, s_a being
 * the input box's stride along axis perm[a]: the copy runs along output
 * rows, gathering from the input with stride s_<r-1>. */
static int transpose_emit(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    int r = cg_op_tensor(cg, gr, op)->rank;
    const int *perm = gr->par.perm;
    char fn[64];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    sb_printf(out, "\n/* %s: output axis a is input axis (", gr->ops[op].name);
    for (int a = 0; a < r; a++)
        sb_printf(out, "%s%d", a ? ", " : "", perm[a]);
    sb_printf(out, ")[a]. */\nstatic void %s(float *restrict out, const float *restrict in, "
                   "const int32_t *ro, const int32_t *ri)\n{\n", fn);
    for (int a = 0; a < r; a++) {
        sb_printf(out, "    const long s%d = ", a);
        put_stride(out, "ri", r, perm[a]);
        sb_puts(out, ";\n");
    }
    sb_printf(out, "    const long E = ro[%d] - ro[%d];\n    long i", 2 * r - 1, r - 1);
    for (int d = 0; d < r - 1; d++)
        sb_printf(out, ", d%d", d);
    sb_puts(out, ";\n    float *restrict y = out;\n");
    char ind[64] = "    ";
    for (int d = 0; d < r - 1; d++) {
        sb_printf(out, "%sfor (d%d = 0; d%d < ro[%d] - ro[%d]; d%d++)%s\n", ind, d, d, r + d, d, d,
                  d == r - 2 ? " {" : "");
        strcat(ind, "    ");
    }
    sb_printf(out, "%sconst float *restrict a = in", ind);
    for (int d = 0; d < r - 1; d++)
        sb_printf(out, " + d%d * s%d", d, d);
    sb_printf(out, ";\n%sfor (i = 0; i < E; i++)\n%s    y[i] = a[i * s%d];\n%sy += E;\n", ind,
              ind, r - 1, ind);
    sb_puts(out, "    }\n}\n");
    return NNP_OK;
}

static void transpose_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const prog_op *o = &gr->ops[op];
    char fn[64], dst[160];
    cg_kernel_name(cg, s->g, op, fn, sizeof fn);
    cg_buf_expr(cg, s, o->out, dst, sizeof dst);
    sb_printf(out, "%s(%s", fn, dst);
    cg_arg_buf(cg, s, gr->bufs[o->in[0]].producer, out);
    cg_arg_row(cg, s, op, out);
    cg_arg_row(cg, s, gr->bufs[o->in[0]].producer, out);
    sb_puts(out, ");\n");
}

/* ---- the table ---- */

typedef struct kernel_desc {
    int (*emit)(cgen *cg, int g, int op, strbuf *out);
    void (*call)(const cgen *cg, const cg_site *s, int op, strbuf *out);
} kernel_desc;

static const kernel_desc compute_kernels[GK_COUNT] = {
    [GK_CONV] = {cg_conv_kernel, mac_call},
    [GK_POOL] = {pool_emit, pool_call},
    [GK_GLOBALPOOL] = {globalpool_emit, globalpool_call},
    [GK_GEMM] = {gemm_emit, mac_call},
    [GK_ELTWISE] = {eltwise_emit, eltwise_call},
    [GK_CONCAT] = {concat_emit, concat_call},
    [GK_SOFTMAX] = {softmax_emit, softmax_call},
    [GK_WHOLE] = {cg_whole_kernel, cg_whole_call},
    [GK_TRANSPOSE] = {transpose_emit, transpose_call},
};

static const kernel_desc fused_pool = {pool_emit, pool_call};

static const kernel_desc *kernel_of(const prog_group *gr, int op)
{
    if (gr->ops[op].kind == POP_POOL)
        return &fused_pool;
    if (gr->ops[op].kind == POP_COMPUTE && compute_kernels[gr->kind].emit)
        return &compute_kernels[gr->kind];
    return NULL;
}

int cg_kernels(cgen *cg, int g, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    for (int o = 0; o < gr->nops; o++) {
        if (gr->ops[o].kind != POP_COMPUTE && gr->ops[o].kind != POP_POOL)
            continue;
        const kernel_desc *k = kernel_of(gr, o);
        if (!k)
            return err_set(cg->e, NNP_UNSUPPORTED, "%s: no C kernel for a %s group", gr->name,
                           group_kind_name(gr->kind));
        int rc = k->emit(cg, g, o, out);
        if (rc)
            return rc;
    }
    return NNP_OK;
}

void cg_kernel_call(const cgen *cg, const cg_site *s, int op, strbuf *out)
{
    const kernel_desc *k = kernel_of(&cg->p->groups[s->g], op);
    if (k)
        k->call(cg, s, op, out);
}
