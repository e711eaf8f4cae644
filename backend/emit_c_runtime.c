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
 * DMA engine would never fetch them). The math helpers (nnp_expf,
 * nnp_logf, nnp_sqrtf, nnp_tanhf, nnp_softplusf and the double routines
 * under them) stand in for libm so that `cc model.c` links without -lm;
 * each works in double and rounds once, well inside the 1e-5 the outputs
 * are checked to. */
#include "emit_c_impl.h"

static const char includes[] =
    "#include <math.h>\n"
    "#include <stddef.h>\n"
    "#include <stdint.h>\n"
    "#include <string.h>\n"
    "\n"
    "/* gcc's -Warray-bounds also reasons about paths the tile tables rule out\n"
    " * (a 16-column block of a 10-column tile, cloned with the table's\n"
    " * constants); the accesses are checked under AddressSanitizer instead. */\n"
    "#if defined(__GNUC__) && !defined(__clang__)\n"
    "#pragma GCC diagnostic ignored \"-Warray-bounds\"\n"
    "#endif\n";

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
    "        if (!inside) {\n"
    "            for (i = 0; i < inner; i++)\n"
    "                dst[i] = v;\n"
    "        } else {\n"
    "            for (i = 0; i < a; i++)\n"
    "                dst[i] = v;\n"
    "            for (i = b; i < inner; i++)\n"
    "                dst[i] = v;\n"
    "        }\n"
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

static const char expd_text[] =
    "\n"
    "/* e^x in double without libm: x = k ln2 + r, |r| <= ln2/2 (ln2 in two parts,\n"
    " * so r is exact), e^r by its Taylor series to r^13 (relative error below\n"
    " * 1e-17), 2^k from exponent bits in two halves (k may pass the normal range). */\n"
    "static double nnp_expd(double x)\n"
    "{\n"
    "    double r, p, s1, s2;\n"
    "    long k, k1;\n"
    "    uint64_t bits;\n"
    "    int i;\n"
    "    if (x != x)\n"
    "        return x;\n"
    "    if (x > 709.5)\n"
    "        return (double)INFINITY;\n"
    "    if (x < -745.5)\n"
    "        return 0.0;\n"
    "    k = (long)(x * 1.4426950408889634 + (x >= 0 ? 0.5 : -0.5));\n"
    "    r = (x - (double)k * 6.93147180369123816490e-01) - (double)k * 1.90821492927058770002e-10;\n"
    "    p = 1 + r / 13;\n"
    "    for (i = 12; i >= 1; i--)\n"
    "        p = 1 + r / i * p;\n"
    "    k1 = k / 2;\n"
    "    bits = (uint64_t)(k1 + 1023) << 52;\n"
    "    memcpy(&s1, &bits, sizeof s1);\n"
    "    bits = (uint64_t)(k - k1 + 1023) << 52;\n"
    "    memcpy(&s2, &bits, sizeof s2);\n"
    "    return p * s1 * s2;\n"
    "}\n";

static const char exp_text[] =
    "\n"
    "/* e^x in float: nnp_expd rounded once. */\n"
    "static float nnp_expf(float x)\n"
    "{\n"
    "    double p;\n"
    "    if (x != x)\n"
    "        return x;\n"
    "    if (x > 89.0f)\n"
    "        return INFINITY;\n"
    "    if (x < -104.0f)\n"
    "        return 0.0f;\n"
    "    p = nnp_expd((double)x);\n"
    "    return p > 3.4028234663852886e38 ? INFINITY : (float)p;\n"
    "}\n";

static const char logd_text[] =
    "\n"
    "/* ln x in double without libm, for finite x > 0: x = m 2^e with m in\n"
    " * [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.18,\n"
    " * by its series to s^25 (relative error below 1e-17). */\n"
    "static double nnp_logd(double x)\n"
    "{\n"
    "    double m, s, s2, sum;\n"
    "    uint64_t bits;\n"
    "    long e;\n"
    "    int i;\n"
    "    memcpy(&bits, &x, sizeof bits);\n"
    "    e = (long)((bits >> 52) & 0x7ff);\n"
    "    if (e == 0) { /* subnormal: scale by 2^54 first */\n"
    "        x *= 18014398509481984.0;\n"
    "        memcpy(&bits, &x, sizeof bits);\n"
    "        e = (long)((bits >> 52) & 0x7ff) - 54;\n"
    "    }\n"
    "    e -= 1023;\n"
    "    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;\n"
    "    memcpy(&m, &bits, sizeof m);\n"
    "    if (m > 1.4142135623730951) {\n"
    "        m *= 0.5;\n"
    "        e++;\n"
    "    }\n"
    "    s = (m - 1) / (m + 1);\n"
    "    s2 = s * s;\n"
    "    sum = 1.0 / 25;\n"
    "    for (i = 23; i >= 1; i -= 2)\n"
    "        sum = 1.0 / i + s2 * sum;\n"
    "    return (double)e * 6.93147180369123816490e-01 +\n"
    "           (2 * s * sum + (double)e * 1.90821492927058770002e-10);\n"
    "}\n";

static const char log_text[] =
    "\n"
    "/* ln x in float: NaN below 0, -inf at 0. */\n"
    "static float nnp_logf(float x)\n"
    "{\n"
    "    if (x != x || x == INFINITY)\n"
    "        return x;\n"
    "    if (x < 0)\n"
    "        return NAN;\n"
    "    if (x == 0)\n"
    "        return -INFINITY;\n"
    "    return (float)nnp_logd((double)x);\n"
    "}\n";

static const char log1pd_text[] =
    "\n"
    "/* ln(1 + y) for y >= 0, accurate for tiny y: ln(u) * y / (u - 1) with\n"
    " * u = 1 + y as rounded (the rounding error cancels). */\n"
    "static double nnp_log1pd(double y)\n"
    "{\n"
    "    double u = 1 + y;\n"
    "    if (u == 1)\n"
    "        return y;\n"
    "    if (u == (double)INFINITY)\n"
    "        return u;\n"
    "    return nnp_logd(u) * y / (u - 1);\n"
    "}\n";

static const char softplus_text[] =
    "\n"
    "/* ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|): no overflow for large x. */\n"
    "static float nnp_softplusf(float x)\n"
    "{\n"
    "    const double d = x;\n"
    "    if (x != x)\n"
    "        return x;\n"
    "    return (float)((d > 0 ? d : 0.0) + nnp_log1pd(nnp_expd(d > 0 ? -d : d)));\n"
    "}\n";

static const char tanh_text[] =
    "\n"
    "/* tanh x = (1 - e^-2|x|) / (1 + e^-2|x|) in double with the sign of x; x itself\n"
    " * below 2^-13 (tanh x rounds to x in float there), +-1 beyond 10. */\n"
    "static float nnp_tanhf(float x)\n"
    "{\n"
    "    const double d = x < 0 ? -(double)x : (double)x;\n"
    "    double t;\n"
    "    if (x != x || d < 1.0 / 8192)\n"
    "        return x;\n"
    "    if (d > 10)\n"
    "        return x < 0 ? -1.0f : 1.0f;\n"
    "    t = nnp_expd(-2 * d);\n"
    "    t = (1 - t) / (1 + t);\n"
    "    return (float)(x < 0 ? -t : t);\n"
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

/* The math helpers, callers after what they call: a model gets those its
 * code names (cg_uses) and everything they need. */
static const struct helper {
    unsigned bit;
    const char *name;
    unsigned needs;
    const char *text;
} helpers[] = {
    {RT_EXPD, "nnp_expd", 0, expd_text},
    {RT_EXP, "nnp_expf", RT_EXPD, exp_text},
    {RT_LOGD, "nnp_logd", 0, logd_text},
    {RT_LOG, "nnp_logf", RT_LOGD, log_text},
    {RT_LOG1PD, "nnp_log1pd", RT_LOGD, log1pd_text},
    {RT_SOFTPLUS, "nnp_softplusf", RT_EXPD | RT_LOG1PD, softplus_text},
    {RT_TANH, "nnp_tanhf", RT_EXPD, tanh_text},
    {RT_SQRT, "nnp_sqrtf", 0, sqrt_text},
};
enum { NHELPERS = sizeof helpers / sizeof *helpers };

void cg_uses(cgen *cg, const char *code)
{
    for (int i = 0; code && i < NHELPERS; i++)
        if (cg_mentions(code, helpers[i].name))
            cg->features |= helpers[i].bit;
}

void cg_runtime(const cgen *cg, strbuf *out)
{
    unsigned f = cg->features;
    /* Each helper's needs come earlier in the table: one pass from the
     * end closes the set. */
    for (int i = NHELPERS - 1; i >= 0; i--)
        if (f & helpers[i].bit)
            f |= helpers[i].needs;
    sb_puts(out, includes);
    if (f & RT_MOVE) {
        sb_puts(out, prelude);
        sb_puts(out, move_text);
        sb_puts(out, pad_text);
    }
    for (int i = 0; i < NHELPERS; i++)
        if (f & helpers[i].bit)
            sb_puts(out, helpers[i].text);
}
