/* The convolution kernel of GK_CONV groups: a blocked direct convolution
 * that C compilers turn into vector code.
 *
 * Each call computes one tile's accumulator box (output channels x rows x
 * columns) from the input box, which holds the window's padding as zeros
 * (the load wrote them), so no tap needs a bounds check. Outputs are taken
 * in blocks of (up to) 8 channels x 16 positions: 8 arrays of 16 partial
 * sums stay in registers while the kernel walks the input channels, kernel
 * rows and kernel columns, each step loading 16 inputs once and scaling
 * them by 8 weights (block_shape picks fewer channels for layers tiled
 * into fewer). The inner loop has a constant trip count and no dependence
 * between its iterations, which gcc and clang vectorize at -O2 and -O3
 * alike. Every output still receives bias, then input channel by channel,
 * kernel row by row, column by column, exactly the reference's order of
 * additions, so results match the interpreter bit for bit (unless the
 * compiler fuses multiply and add).
 *
 * Positions. With stride 1 the input of output (y, x) at tap (ky, kx) sits
 * at (y + ky*dh) * IW + x + kx*dw in the input box: linear in y * IW + x.
 * So positions run across rows on a grid IW wide, the last (KW-1)*dw
 * columns of each row computed and dropped; long runs of positions keep
 * the vector lanes busy even for narrow outputs (LeNet's 10 columns).
 * Other strides take 16 columns of one row at a time.
 *
 * Channels. A block whose channels all read the same input channels (any
 * conv with one group, or a block inside one group of a grouped conv)
 * shares each input load among its 8 channels; otherwise (depthwise, a
 * block across groups) each channel reads its own. A last block with fewer
 * than 8 channels repeats its last channel: the copies compute and store
 * the same values to the same place, so no access depends on a branch. */
#include <stdio.h>
#include <string.h>

#include "emit_c_impl.h"

typedef struct conv_gen {
    int cb, cv;          /* channels and positions per block */
    cgen *cg;
    const prog_group *gr;
    const window *w;
    int64_t kk, mg, cgc;
    int flat, grouped;
    unsigned mask[PROG_MAX_EPI]; /* skip strides declared */
    strbuf *out;
} conv_gen;

/* The accumulation over input channels and taps for a block of `bound`
 * positions starting at input offset xoff; shared: one input pointer. */
static void accumulate(const conv_gen *c, const char *bound, const char *xoff, int shared,
                       const char *ind)
{
    strbuf *o = c->out;
    const window *w = c->w;
    int nx = shared ? 1 : c->cb;
    char step[32];
    snprintf(step, sizeof step, c->flat ? "j" : "j * %lld", (long long)w->stride[1]);
    sb_printf(o, "%sfor (c = 0; c < WC; c++) {\n", ind);
    for (int b = 0; b < nx; b++)
        sb_printf(o, "%s    const float *restrict xq%d = xb%d + c * IP + %s;\n", ind, b, b, xoff);
    for (int b = 0; b < c->cb; b++)
        sb_printf(o, "%s    const float *restrict wr%d = w%d + c * %lld;\n", ind, b, b,
                  (long long)c->kk);
    sb_printf(o,
              "%s    for (ky = 0; ky < %lld; ky++)\n"
              "%s        for (kx = 0; kx < %lld; kx++) {\n"
              "%s            const long tap = ky * %lld * IW + kx * %lld, k = ky * %lld + kx;\n",
              ind, (long long)w->kernel[0], ind, (long long)w->kernel[1], ind,
              (long long)w->dil[0], (long long)w->dil[1], (long long)w->kernel[1]);
    for (int b = 0; b < nx; b++)
        sb_printf(o, "%s            const float *restrict xp%d = xq%d + tap;\n", ind, b, b);
    sb_printf(o, "%s            const float ", ind);
    for (int b = 0; b < c->cb; b++)
        sb_printf(o, "%sf%d = wr%d[k]", b ? ", " : "", b, b);
    sb_printf(o, ";\n%s            for (j = 0; j < %s; j++) {\n", ind, bound);
    if (shared)
        sb_printf(o, "%s                const float u = xp0[%s];\n", ind, step);
    for (int b = 0; b < c->cb; b++)
        if (shared)
            sb_printf(o, "%s                s%d[j] += f%d * u;\n", ind, b, b);
        else
            sb_printf(o, "%s                s%d[j] += f%d * xp%d[%s];\n", ind, b, b, b, step);
    sb_printf(o, "%s            }\n%s        }\n%s}\n", ind, ind, ind);
}

/* Channel b's finished sums of one row segment into the accumulator box:
 * cnt positions from s<b>[j0], row yy, columns xx.. (epilogue on the last
 * reduction step). */
static void store_segment(const conv_gen *c, int b, int last, const char *ind)
{
    strbuf *o = c->out;
    const prog_group *gr = c->gr;
    char occ[48];
    snprintf(occ, sizeof occ, b ? "(oc + (%d < nb ? %d : nb - 1) - ro[1])" : "(oc - ro[1])", b, b);
    const char *vars[4] = {"(n - ro[0])", occ, "yy", "(xx + jj)"};
    char skip[PROG_MAX_EPI][256];
    for (int k = 0; k < gr->par.nepi; k++)
        if (gr->par.epi[k].kind == EPI_BINARY) {
            char P[16], idx[200];
            snprintf(P, sizeof P, "s%d", k);
            cg_bcast_index(idx, sizeof idx, P, c->mask[k], vars, 0, 4);
            snprintf(skip[k], sizeof skip[k], "sk%d[%s]", k, idx);
        }
    if (!last) {
        sb_printf(o, "%sfor (jj = 0; jj < cnt; jj++)\n%s    a%d[q0 + jj] = s%d[j0 + jj];\n", ind, ind,
                  b, b);
        return;
    }
    char eind[96];
    snprintf(eind, sizeof eind, "%s    ", ind);
    sb_printf(o, "%sfor (jj = 0; jj < cnt; jj++) {\n%s    float v = s%d[j0 + jj];\n", ind, ind, b);
    cg_epilogue(c->cg, gr, o, eind, skip);
    sb_printf(o, "%s    a%d[q0 + jj] = v;\n%s}\n", ind, b, ind);
}

/* Opens the walk over the row segments of a block's positions (flat: the
 * block may span rows and garbage columns; rows: one segment). Inside:
 * j0, cnt valid positions, q0 their first index in a plane, yy, xx. */
static void segments_open(const conv_gen *c, const char *ind)
{
    strbuf *o = c->out;
    if (c->flat)
        sb_printf(o,
                  "%s{\n"
                  "%s    long j0 = 0, yy = y, xx = x;\n"
                  "%s    while (j0 < m) {\n"
                  "%s        const long len = IW - xx < m - j0 ? IW - xx : m - j0;\n"
                  "%s        const long cnt = xx < OW ? (OW - xx < len ? OW - xx : len) : 0;\n"
                  "%s        const long q0 = yy * OW + xx;\n",
                  ind, ind, ind, ind, ind, ind);
    else
        sb_printf(o,
                  "%s{\n"
                  "%s    const long j0 = 0, yy = y, xx = x0, cnt = m, q0 = y * OW + x0;\n"
                  "%s    (void)yy;\n"
                  "%s    (void)xx;\n"
                  "%s    {\n",
                  ind, ind, ind, ind, ind);
}

static void segments_close(const conv_gen *c, const char *ind)
{
    if (c->flat)
        sb_printf(c->out, "%s        j0 += len;\n%s        xx = 0;\n%s        yy++;\n", ind, ind, ind);
    sb_printf(c->out, "%s    }\n%s}\n", ind, ind);
}

/* One block: initial sums, accumulation (a full block and a tail), store. */
static void block(const conv_gen *c, int shared, const char *ind)
{
    strbuf *o = c->out;
    char in1[96], in2[96], in3[96], xoff[64];
    snprintf(in1, sizeof in1, "%s    ", ind);
    snprintf(in2, sizeof in2, "%s        ", ind);
    snprintf(in3, sizeof in3, "%s            ", ind);
    sb_printf(o, "%sfloat ", ind);
    for (int b = 0; b < c->cb; b++)
        sb_printf(o, "%ss%d[%d]", b ? ", " : "", b, c->cv);
    sb_puts(o, ";\n");
    if (c->flat) {
        snprintf(xoff, sizeof xoff, "p0");
        sb_printf(o, "%sconst long y = p0 / IW, x = p0 - y * IW;\n", ind);
    } else {
        snprintf(xoff, sizeof xoff, "y * %lld * IW + x0 * %lld", (long long)c->w->stride[0],
                 (long long)c->w->stride[1]);
    }
    /* initial sums: the bias on the first reduction step, else the box */
    sb_printf(o, "%sfor (j = 0; j < %d; j++) {\n", ind, c->cv);
    for (int b = 0; b < c->cb; b++)
        sb_printf(o, "%s    s%d[j] = first ? z%d : 0.0f;\n", ind, b, b);
    sb_printf(o, "%s}\n%sif (!first) {\n", ind, ind);
    segments_open(c, in1);
    for (int b = 0; b < c->cb; b++)
        sb_printf(o, "%sfor (jj = 0; jj < cnt; jj++)\n%s    s%d[j0 + jj] = a%d[q0 + jj];\n", in3,
                  in3, b, b);
    segments_close(c, in1);
    sb_printf(o, "%s}\n%sif (m == %d) {\n", ind, ind, c->cv);
    char full[8];
    snprintf(full, sizeof full, "%d", c->cv);
    accumulate(c, full, xoff, shared, in1);
    sb_printf(o, "%s} else {\n", ind);
    accumulate(c, "m", xoff, shared, in1);
    sb_printf(o, "%s}\n", ind);
    /* store */
    segments_open(c, ind);
    if (c->gr->par.nepi) {
        sb_printf(o, "%sif (last) {\n", in2);
        for (int b = 0; b < c->cb; b++)
            store_segment(c, b, 1, in3);
        sb_printf(o, "%s} else {\n", in2);
        for (int b = 0; b < c->cb; b++)
            store_segment(c, b, 0, in3);
        sb_printf(o, "%s}\n", in2);
    } else {
        for (int b = 0; b < c->cb; b++)
            store_segment(c, b, 0, in2);
    }
    segments_close(c, ind);
}

/* Every block of the tile for one channel block. */
static void blocks(const conv_gen *c, int shared, const char *ind)
{
    strbuf *o = c->out;
    char in1[96], in2[96];
    snprintf(in1, sizeof in1, "%s    ", ind);
    snprintf(in2, sizeof in2, "%s        ", ind);
    if (c->flat) {
        sb_printf(o, "%sconst long P = (OH - 1) * IW + OW;\n%slong p0;\n"
                     "%sfor (p0 = 0; p0 < P; p0 += %d) {\n%s    const long m = P - p0 < %d ? P - p0 : %d;\n",
                  ind, ind, ind, c->cv, ind, c->cv, c->cv);
        block(c, shared, in1);
        sb_printf(o, "%s}\n", ind);
    } else {
        sb_printf(o, "%slong y, x0;\n%sfor (y = 0; y < OH; y++)\n"
                     "%s    for (x0 = 0; x0 < OW; x0 += %d) {\n"
                     "%s        const long m = OW - x0 < %d ? OW - x0 : %d;\n",
                  ind, ind, ind, c->cv, ind, c->cv, c->cv);
        block(c, shared, in2);
        sb_printf(o, "%s    }\n", ind);
    }
}

/* Channels per block: the largest of 8, 4, 2, 1 that computes at most a
 * quarter more channels than the tiles have (a tile of 2 output channels
 * would waste three quarters of an 8-channel block); positions per block:
 * 16, or 32 when fewer than 4 channels share the registers. */
static void block_shape(cgen *cg, int g, int op, conv_gen *c)
{
    const prog_group *gr = &cg->p->groups[g];
    static const int sizes[] = {8, 4, 2, 1};
    int64_t need = 0, done[4] = {0};
    for (int64_t t = 0; t < gr->ntiles; t++) {
        region r;
        nnp_err e;
        if (prog_op_region(cg->p, g, op, t, &r, &e))
            continue;
        int64_t ext = r.hi[1] - r.lo[1];
        need += ext;
        for (int k = 0; k < 4; k++)
            done[k] += ceil_div(ext, sizes[k]) * sizes[k];
    }
    int k = 0;
    while (k < 3 && done[k] * 4 > need * 5)
        k++;
    c->cb = sizes[k];
    c->cv = c->cb >= 4 ? 16 : 32;
}

int cg_conv_kernel(cgen *cg, int g, int op, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    const group_params *pa = &gr->par;
    const window *w = &pa->conv;
    int wl = cg_op_by_kind(gr, POP_LOAD_WEIGHT, 0);
    const prog_tensor *tw = cg_op_tensor(cg, gr, wl);
    conv_gen c = {.cg = cg, .gr = gr, .w = w, .out = out};
    c.kk = w->kernel[0] * w->kernel[1];
    c.mg = tw->dims[0] / pa->conv_group;
    c.cgc = tw->dims[1];
    c.flat = w->stride[0] == 1 && w->stride[1] == 1;
    block_shape(cg, g, op, &c);
    c.grouped = pa->conv_group > 1;
    char fn[64];
    cg_kernel_name(cg, g, op, fn, sizeof fn);
    sb_printf(out, "\n/* %s: %lldx%lld kernel, stride %lldx%lld, dilation %lldx%lld, pads begin "
                   "%lld,%lld; %lld group%s of %lld input channels. Blocks of %d channels x %d "
                   "positions (%s). */\n",
              gr->ops[op].name, (long long)w->kernel[0], (long long)w->kernel[1],
              (long long)w->stride[0], (long long)w->stride[1], (long long)w->dil[0],
              (long long)w->dil[1], (long long)w->pad_begin[0], (long long)w->pad_begin[1],
              (long long)pa->conv_group, pa->conv_group == 1 ? "" : "s", (long long)c.cgc, c.cb, c.cv,
              c.flat ? "stride 1: positions run across rows" : "16 columns of a row");
    sb_printf(out, "static void %s(float *restrict acc, const float *restrict in, "
                   "const float *restrict w,%s", fn, pa->has_bias ? " const float *restrict bias," : "");
    cg_skip_params(gr, out);
    sb_printf(out, "\n    const int32_t *ro, const int32_t *ri, const int32_t *rw,%s int first, "
                   "int last)\n{\n", pa->has_bias ? " const int32_t *rb," : "");
    sb_puts(out, "    const long OC = ro[5] - ro[1], OH = ro[6] - ro[2], OW = ro[7] - ro[3];\n"
                 "    const long IC = ri[5] - ri[1], IH = ri[6] - ri[2], IW = ri[7] - ri[3];\n"
                 "    const long WC = rw[5] - rw[1], PL = OH * OW, IP = IH * IW;\n"
                 "    long n, oc, j, jj, c, ky, kx;\n");
    for (int k = 0; k < pa->nepi; k++)
        if (pa->epi[k].kind == EPI_BINARY)
            c.mask[k] = cg_skip_decl(cg, gr, out, k, 4);
    sb_printf(out,
              "    for (n = ro[0]; n < ro[4]; n++)\n"
              "        for (oc = ro[1]; oc < ro[5]; oc += %d) {\n"
              "            const long nb = ro[5] - oc < %d ? ro[5] - oc : %d;\n"
              "            (void)nb;\n"
              "            float *restrict a = acc + ((n - ro[0]) * OC + (oc - ro[1])) * PL;\n"
              "            const float *restrict xn = in + (n - ri[0]) * IC * IP + (ro[2] * %lld - "
              "%lld - ri[2]) * IW + ro[3] * %lld - %lld - ri[3];\n",
              c.cb, c.cb, c.cb, (long long)w->stride[0], (long long)w->pad_begin[0],
              (long long)w->stride[1], (long long)w->pad_begin[1]);
    /* per channel of the block (the last one repeated): weights, bias, input */
    for (int b = 0; b < c.cb; b++) {
        char o[48];
        snprintf(o, sizeof o, b ? "(oc + (%d < nb ? %d : nb - 1))" : "oc", b, b);
        sb_printf(out, "            const float *restrict w%d = w + (%s - rw[0]) * WC * %lld;\n", b,
                  o, (long long)c.kk);
        if (pa->has_bias)
            sb_printf(out, "            const float z%d = bias[%s - rb[0]];\n", b, o);
        else
            sb_printf(out, "            const float z%d = 0.0f;\n", b);
        sb_printf(out, "            float *a%d = a + (%s - oc) * PL;\n", b, o);
        if (b == 0 || (c.grouped && c.cb > 1))
            sb_printf(out, "            const float *restrict xb%d = xn + (%s / %lld * %lld + rw[1] - "
                           "ri[1]) * IP;\n",
                      b, o, (long long)c.mg, (long long)c.cgc);
    }
    if (c.grouped && c.cb > 1) {
        sb_printf(out, "            if (xb%d == xb0) {\n", c.cb - 1);
        blocks(&c, 1, "                ");
        sb_puts(out, "            } else {\n");
        blocks(&c, 0, "                ");
        sb_puts(out, "            }\n");
    } else {
        sb_puts(out, "            {\n");
        blocks(&c, 1, "                ");
        sb_puts(out, "            }\n");
    }
    sb_puts(out, "        }\n");
    if (!pa->nepi)
        sb_puts(out, "    (void)last;\n");
    sb_puts(out, "}\n");
    return NNP_OK;
}
