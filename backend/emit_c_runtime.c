/* The fixed part of every generated model.c: the DMA macros and the few
 * helpers the loops and kernels call.
 *
 * Data movement goes through three macros an embedded user may define
 * before compiling (each has a synchronous memcpy default):
 *   NNPIPE_DMA_START(dst, src, bytes, channel)      one contiguous transfer
 *   NNPIPE_DMA_START_2D(dst, src, rows, row_bytes, dst_stride, src_stride, channel)
 *   NNPIPE_DMA_WAIT(channel)                        every transfer started on
 *                                                   channel has completed
 * The default 2-D transfer issues one NNPIPE_DMA_START per row, so
 * defining START and WAIT alone routes everything through them.
 *
 * nnp_move moves an N-D box between two dense row-major arrays: dims that
 * both sides hold whole merge into one contiguous run, the next dim becomes
 * the rows of a 2-D transfer and any dims left are walked in C. nnp_pad
 * writes the padding positions of a load's box (code, not DMA, as a real
 * DMA engine would never fetch them). nnp_expf and nnp_sqrtf stand in for
 * libm so that `cc model.c` links without -lm. */
#include "emit_c_impl.h"

static const char includes[] =
    "#include <math.h>\n"
    "#include <stddef.h>\n"
    "#include <stdint.h>\n"
    "#include <string.h>\n";

static const char prelude[] =
    "\n"
    "/* Data movement. Define these before compiling to drive a real DMA engine:\n"
    " *   NNPIPE_DMA_START(dst, src, bytes, channel)\n"
    " *   NNPIPE_DMA_START_2D(dst, src, rows, row_bytes, dst_stride, src_stride, channel)\n"
    " *   NNPIPE_DMA_WAIT(channel)   (all transfers started on channel are complete)\n"
    " * dst/src are byte addresses, sizes and strides in bytes, channel an int below\n"
    " * the header's _DMA_CHANNELS. A START may return before its transfer is done:\n"
    " * the code waits on a channel before its data is read and before a buffer a\n"
    " * transfer reads is written again. The defaults copy synchronously; the\n"
    " * default 2-D transfer is one NNPIPE_DMA_START per row. */\n"
    "#ifndef NNPIPE_DMA_START\n"
    "#define NNPIPE_DMA_START(dst, src, bytes, channel) \\\n"
    "    ((void)(channel), (void)memcpy((dst), (src), (bytes)))\n"
    "#endif\n"
    "#ifndef NNPIPE_DMA_WAIT\n"
    "#define NNPIPE_DMA_WAIT(channel) ((void)(channel))\n"
    "#endif\n"
    "#ifndef NNPIPE_DMA_START_2D\n"
    "static void nnp_dma_rows(void *dst, const void *src, size_t rows, size_t row_bytes,\n"
    "                         size_t dst_stride, size_t src_stride, int channel)\n"
    "{\n"
    "    size_t r;\n"
    "    (void)channel;\n"
    "    for (r = 0; r < rows; r++)\n"
    "        NNPIPE_DMA_START((char *)dst + r * dst_stride, (const char *)src + r * src_stride,\n"
    "                         row_bytes, channel);\n"
    "}\n"
    "#define NNPIPE_DMA_START_2D(dst, src, rows, row_bytes, dst_stride, src_stride, channel) \\\n"
    "    nnp_dma_rows((dst), (src), (rows), (row_bytes), (dst_stride), (src_stride), (channel))\n"
    "#endif\n";

static const char move_text[] =
    "\n"
    "#if defined(__GNUC__)\n"
    "#define NNP_ALIGNED __attribute__((aligned(64)))\n"
    "#else\n"
    "#define NNP_ALIGNED\n"
    "#endif\n"
    "/* Placement of the scratch array, which stands for local memory: define e.g.\n"
    " * __attribute__((section(\".sram\"), aligned(64))) to put it in on-chip RAM. */\n"
    "#ifndef NNPIPE_SCRATCH_ATTR\n"
    "#define NNPIPE_SCRATCH_ATTR NNP_ALIGNED\n"
    "#endif\n"
    "\n"
    "static const int32_t nnp_zero[8] = {0, 0, 0, 0, 0, 0, 0, 0};\n"
    "\n"
    "/* Moves box [lo, hi) of a rank-`rank` tensor from src to dst; each side is a\n"
    " * dense row-major array over its own box (dlo..dhi, slo..shi). */\n"
    "static void nnp_move(float *dst, const int32_t *dlo, const int32_t *dhi, const float *src,\n"
    "                     const int32_t *slo, const int32_t *shi, const int32_t *lo,\n"
    "                     const int32_t *hi, int rank, int channel)\n"
    "{\n"
    "    long ds[8], ss[8], x[8], run, rows = 1, dstep = 0, sstep = 0, doff, soff;\n"
    "    int d, m;\n"
    "    if (rank == 0) {\n"
    "        NNPIPE_DMA_START(dst, src, sizeof(float), channel);\n"
    "        return;\n"
    "    }\n"
    "    for (d = rank - 1; d >= 0; d--) {\n"
    "        if (hi[d] <= lo[d])\n"
    "            return;\n"
    "        ds[d] = d == rank - 1 ? 1 : ds[d + 1] * (dhi[d + 1] - dlo[d + 1]);\n"
    "        ss[d] = d == rank - 1 ? 1 : ss[d + 1] * (shi[d + 1] - slo[d + 1]);\n"
    "        x[d] = lo[d];\n"
    "    }\n"
    "    m = rank - 1;\n"
    "    run = hi[m] - lo[m];\n"
    "    while (m > 0 && lo[m] == dlo[m] && hi[m] == dhi[m] && lo[m] == slo[m] && hi[m] == shi[m]) {\n"
    "        m--;\n"
    "        run *= hi[m] - lo[m];\n"
    "    }\n"
    "    if (m > 0) {\n"
    "        rows = hi[m - 1] - lo[m - 1];\n"
    "        dstep = ds[m - 1];\n"
    "        sstep = ss[m - 1];\n"
    "    }\n"
    "    for (;;) {\n"
    "        doff = soff = 0;\n"
    "        for (d = 0; d < rank; d++) {\n"
    "            doff += (x[d] - dlo[d]) * ds[d];\n"
    "            soff += (x[d] - slo[d]) * ss[d];\n"
    "        }\n"
    "        if (rows > 1)\n"
    "            NNPIPE_DMA_START_2D(dst + doff, src + soff, (size_t)rows,\n"
    "                                (size_t)run * sizeof(float), (size_t)dstep * sizeof(float),\n"
    "                                (size_t)sstep * sizeof(float), channel);\n"
    "        else\n"
    "            NNPIPE_DMA_START(dst + doff, src + soff, (size_t)run * sizeof(float), channel);\n"
    "        for (d = m - 2; d >= 0; d--) {\n"
    "            if (++x[d] < hi[d])\n"
    "                break;\n"
    "            x[d] = lo[d];\n"
    "        }\n"
    "        if (d < 0)\n"
    "            break;\n"
    "    }\n"
    "}\n";

static const char pad_text[] =
    "\n"
    "/* Writes v at the positions of box g (lo, hi, clo, chi) outside its clipped part. */\n"
    "static void nnp_pad(float *dst, const int32_t *g, int rank, float v)\n"
    "{\n"
    "    const int32_t *lo = g, *hi = g + rank, *clo = g + 2 * rank, *chi = g + 3 * rank;\n"
    "    long x[8], inner, a, b, i;\n"
    "    int d, inside, whole = 1;\n"
    "    for (d = 0; d < rank; d++) {\n"
    "        if (hi[d] <= lo[d])\n"
    "            return;\n"
    "        if (lo[d] != clo[d] || hi[d] != chi[d])\n"
    "            whole = 0;\n"
    "        x[d] = lo[d];\n"
    "    }\n"
    "    if (whole)\n"
    "        return;\n"
    "    inner = hi[rank - 1] - lo[rank - 1];\n"
    "    a = clo[rank - 1] - lo[rank - 1];\n"
    "    b = chi[rank - 1] - lo[rank - 1];\n"
    "    for (;;) {\n"
    "        inside = b > a;\n"
    "        for (d = 0; d < rank - 1; d++)\n"
    "            if (x[d] < clo[d] || x[d] >= chi[d])\n"
    "                inside = 0;\n"
    "        for (i = 0; i < inner; i++)\n"
    "            if (!inside || i < a || i >= b)\n"
    "                dst[i] = v;\n"
    "        dst += inner;\n"
    "        for (d = rank - 2; d >= 0; d--) {\n"
    "            if (++x[d] < hi[d])\n"
    "                break;\n"
    "            x[d] = lo[d];\n"
    "        }\n"
    "        if (d < 0)\n"
    "            break;\n"
    "    }\n"
    "}\n"
    "\n"
    "/* A load: box row g of a tensor of shape dims into buffer buf. */\n"
    "static void nnp_load(float *buf, const float *tensor, const int32_t *dims, const int32_t *g,\n"
    "                     int rank, float pad, int channel)\n"
    "{\n"
    "    nnp_pad(buf, g, rank, pad);\n"
    "    nnp_move(buf, g, g + rank, tensor, nnp_zero, dims, g + 2 * rank, g + 3 * rank, rank,\n"
    "             channel);\n"
    "}\n"
    "\n"
    "/* A store: the clipped part of row g from buffer buf (holding box src) to a tensor. */\n"
    "static void nnp_store(float *tensor, const int32_t *dims, const float *buf,\n"
    "                      const int32_t *src, const int32_t *g, int rank, int channel)\n"
    "{\n"
    "    nnp_move(tensor, nnp_zero, dims, buf, src, src + rank, g + 2 * rank, g + 3 * rank, rank,\n"
    "             channel);\n"
    "}\n";

static const char exp_text[] =
    "\n"
    "/* e^x without libm: x = k ln2 + r, |r| <= ln2/2; e^r by its Taylor series to\n"
    " * r^11 in double (error far below float rounding); 2^k from exponent bits. */\n"
    "static float nnp_expf(float x)\n"
    "{\n"
    "    double r, p, s;\n"
    "    long k;\n"
    "    uint64_t bits;\n"
    "    if (x != x)\n"
    "        return x;\n"
    "    if (x > 89.0f)\n"
    "        return INFINITY;\n"
    "    if (x < -104.0f)\n"
    "        return 0.0f;\n"
    "    k = (long)((double)x * 1.4426950408889634 + (x >= 0 ? 0.5 : -0.5));\n"
    "    r = (double)x - (double)k * 0.6931471805599453;\n"
    "    p = 1 + r / 11;\n"
    "    p = 1 + r / 10 * p;\n"
    "    p = 1 + r / 9 * p;\n"
    "    p = 1 + r / 8 * p;\n"
    "    p = 1 + r / 7 * p;\n"
    "    p = 1 + r / 6 * p;\n"
    "    p = 1 + r / 5 * p;\n"
    "    p = 1 + r / 4 * p;\n"
    "    p = 1 + r / 3 * p;\n"
    "    p = 1 + r / 2 * p;\n"
    "    p = 1 + r * p;\n"
    "    bits = (uint64_t)(k + 1023) << 52;\n"
    "    memcpy(&s, &bits, sizeof s);\n"
    "    p *= s;\n"
    "    return p > 3.4028234663852886e38 ? INFINITY : (float)p;\n"
    "}\n";

static const char sqrt_text[] =
    "\n"
    "/* sqrt without libm: Newton's iteration in double from a first guess with\n"
    " * half the exponent. */\n"
    "static float nnp_sqrtf(float x)\n"
    "{\n"
    "    double d = x, y;\n"
    "    uint64_t bits;\n"
    "    long e;\n"
    "    int i;\n"
    "    if (x != x || x == 0 || x == INFINITY)\n"
    "        return x;\n"
    "    if (x < 0)\n"
    "        return NAN;\n"
    "    memcpy(&bits, &d, sizeof d);\n"
    "    e = (long)((bits >> 52) & 0x7ff) - 1023;\n"
    "    bits = (uint64_t)(e / 2 + 1023) << 52;\n"
    "    memcpy(&y, &bits, sizeof y);\n"
    "    for (i = 0; i < 8; i++)\n"
    "        y = 0.5 * (y + d / y);\n"
    "    return (float)y;\n"
    "}\n";

void cg_runtime(const cgen *cg, strbuf *out)
{
    sb_puts(out, includes);
    if (cg->features & RT_MOVE) {
        sb_puts(out, prelude);
        sb_puts(out, move_text);
        sb_puts(out, pad_text);
    }
    if (cg->features & RT_EXP)
        sb_puts(out, exp_text);
    if (cg->features & RT_SQRT)
        sb_puts(out, sqrt_text);
}
