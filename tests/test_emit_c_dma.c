/* The generated C under an asynchronous DMA engine and under sanitizers.
 *
 * The harness defines NNPIPE_DMA_START to queue a transfer and poison its
 * destination with NaN, and NNPIPE_DMA_WAIT(ch) to perform the transfers
 * queued on ch, in order: data moves at WAIT time, not at START. A load
 * read before its WAIT, a buffer overwritten while a store still has to
 * read it, or a missing wait shows up as NaN or stale data in the outputs.
 * The results must still match the reference, which proves the emitted
 * order is a correct pipeline and not an accident of synchronous copies.
 * The harness also counts, at every WAIT, the other channels with a load
 * still in flight: above zero means a later tile's data was requested
 * before the current tile's was needed, i.e. transfers overlap compute.
 * The same generated code, with the default synchronous macros, runs clean
 * under AddressSanitizer and UndefinedBehaviorSanitizer. */
#include "test_emit_c.h"

static const char harness_head[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "static void t_start(void *dst, const void *src, size_t n, int ch);\n"
    "static void t_wait(int ch);\n"
    "#define NNPIPE_DMA_START(dst, src, n, ch) t_start((dst), (src), (n), (ch))\n"
    "#define NNPIPE_DMA_WAIT(ch) t_wait(ch)\n";

/* After the model: the scratch array is in scope, so a transfer into it is a load. */
static const char harness_tail[] =
    "typedef struct xfer { char *dst; const char *src; size_t n; } xfer;\n"
    "enum { CHANNELS = 256 };\n"
    "static xfer *q[CHANNELS];\n"
    "static size_t nq[CHANNELS], cq[CHANNELS];\n"
    "static int loads[CHANNELS];\n"
    "static long started, waits, most_ahead;\n"
    "static void report(void)\n"
    "{\n"
    "    long pending = 0;\n"
    "    int c;\n"
    "    for (c = 0; c < CHANNELS; c++) {\n"
    "        pending += (long)nq[c];\n"
    "        free(q[c]);\n"
    "    }\n"
    "    fprintf(stderr, \"dma: started %ld waits %ld ahead %ld pending %ld\\n\", started, waits,\n"
    "            most_ahead, pending);\n"
    "}\n"
    "static void t_start(void *dst, const void *src, size_t n, int ch)\n"
    "{\n"
    "    const char *s0 = (const char *)nnp_scratch;\n"
    "    if (!started)\n"
    "        atexit(report);\n"
    "    if (ch < 0 || ch >= CHANNELS) {\n"
    "        fprintf(stderr, \"dma: channel %d out of range\\n\", ch);\n"
    "        exit(3);\n"
    "    }\n"
    "    if (nq[ch] == cq[ch]) {\n"
    "        cq[ch] = cq[ch] ? 2 * cq[ch] : 16;\n"
    "        q[ch] = realloc(q[ch], cq[ch] * sizeof *q[ch]);\n"
    "        if (!q[ch])\n"
    "            exit(4);\n"
    "    }\n"
    "    q[ch][nq[ch]].dst = (char *)dst;\n"
    "    q[ch][nq[ch]].src = (const char *)src;\n"
    "    q[ch][nq[ch]].n = n;\n"
    "    nq[ch]++;\n"
    "    loads[ch] = (const char *)dst >= s0 && (const char *)dst < s0 + sizeof nnp_scratch;\n"
    "    memset(dst, 0xff, n); /* NaN until the transfer really happens */\n"
    "    started++;\n"
    "}\n"
    "static void t_wait(int ch)\n"
    "{\n"
    "    size_t i;\n"
    "    long ahead = 0;\n"
    "    int c;\n"
    "    if (ch < 0 || ch >= CHANNELS)\n"
    "        exit(3);\n"
    "    if (nq[ch] && loads[ch]) {\n"
    "        for (c = 0; c < CHANNELS; c++)\n"
    "            ahead += c != ch && nq[c] && loads[c];\n"
    "        if (ahead > most_ahead)\n"
    "            most_ahead = ahead;\n"
    "    }\n"
    "    for (i = 0; i < nq[ch]; i++)\n"
    "        memcpy(q[ch][i].dst, q[ch][i].src, q[ch][i].n);\n"
    "    nq[ch] = 0;\n"
    "    waits++;\n"
    "}\n";

static void write_harness(const tcase *c)
{
    char path[1200];
    strbuf h = {0};
    sb_puts(&h, harness_head);
    sb_printf(&h, "#include \"%s.c\"\n", c->name);
    sb_puts(&h, harness_tail);
    snprintf(path, sizeof path, "%s/async_%s.c", c->dir, c->name);
    cr_assert_eq(write_text(path, h.s), 0);
    sb_free(&h);
}

/* Runs exe and returns the harness's "ahead" count; checks nothing is left pending. */
static long run_async(const tcase *c, const char *exe)
{
    char *err = NULL, extra[128];
    snprintf(extra, sizeof extra, "--weights %s.bin", c->name);
    tc_check_err(c, exe, extra, &err);
    long started = -1, waits = -1, ahead = -1, pending = -1;
    const char *at = err ? strstr(err, "dma: started") : NULL;
    cr_assert(at, "%s: no DMA report:\n%s", c->name, err ? err : "");
    cr_assert_eq(sscanf(at, "dma: started %ld waits %ld ahead %ld pending %ld", &started, &waits,
                        &ahead, &pending), 4);
    cr_assert_gt(started, 0, "%s: no transfer went through the macros", c->name);
    cr_assert_geq(waits, 1);
    cr_assert_eq(pending, 0, "%s: %ld transfers never waited for", c->name, pending);
    free(err);
    return ahead;
}

/* Every target: the deferred-DMA harness (with sanitizers on one target),
 * and the plain code under ASan+UBSan on another. Returns the largest
 * number of loads seen in flight ahead of a wait. */
static long sample_async(const char *sample, int san_target)
{
    static const char *const targets[] = {"npu", "mcu", "vta"};
    tcase cs[3];
    strbuf mk = {0};
    for (int i = 0; i < 3; i++) {
        tc_sample_in(&cs[i], sample, targets[i], i ? cs[0].dir : NULL);
        tc_emit(&cs[i], 1, NULL); /* weights in a side file: much quicker to compile */
        write_harness(&cs[i]);
        char exe[128], src[128];
        snprintf(exe, sizeof exe, "async_%s", cs[i].name);
        snprintf(src, sizeof src, "async_%s.c", cs[i].name);
        tc_rule(&mk, &cs[i], exe, "gcc", i == san_target ? TC_SAN : "-std=c99 -O1 -w", src);
    }
    int plain = (san_target + 1) % 3;
    char exe[128], src[128];
    snprintf(exe, sizeof exe, "san_%s", cs[plain].name);
    snprintf(src, sizeof src, "%s.c", cs[plain].name);
    tc_rule(&mk, &cs[plain], exe, "gcc", TC_SAN, src);
    tc_make(cs[0].dir, mk.s);
    sb_free(&mk);
    long ahead = 0;
    for (int i = 0; i < 3; i++) {
        char ex[128];
        snprintf(ex, sizeof ex, "async_%s", cs[i].name);
        long a = run_async(&cs[i], ex);
        ahead = a > ahead ? a : ahead;
    }
    char extra[128];
    snprintf(extra, sizeof extra, "--weights %s.bin", cs[plain].name);
    tc_check(&cs[plain], exe, extra);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cs[0].dir);
    cr_assert_eq(run_cmd(cmd, NULL, NULL), 0);
    for (int i = 0; i < 3; i++)
        tc_free(&cs[i]);
    return ahead;
}

Test(emit_c_dma, lenet5_matches_with_deferred_poisoned_transfers_on_every_target)
{
    cr_assert_geq(sample_async("lenet5", 0), 1, "no load was ever in flight ahead of a wait");
}

Test(emit_c_dma, resblock_matches_with_deferred_poisoned_transfers_on_every_target)
{
    cr_assert_geq(sample_async("resblock", 1), 1, "no load was ever in flight ahead of a wait");
}

Test(emit_c_dma, mobilenet_tiny_matches_with_deferred_poisoned_transfers_on_every_target)
{
    cr_assert_geq(sample_async("mobilenet_tiny", 2), 1);
}

Test(emit_c_dma, big128_matches_with_deferred_poisoned_transfers_on_every_target)
{
    cr_assert_geq(sample_async("big128", 0), 1);
}

Test(emit_c_dma, tinymlp_matches_with_deferred_poisoned_transfers_on_every_target)
{
    sample_async("tinymlp", 1);
}

/* A wait placed one op too late must be caught: the harness is not
 * forgiving by accident. Moving conv's first WAIT of lenet5 on npu after
 * the conv call makes the conv read poisoned input. */
Test(emit_c_dma, a_missing_wait_is_caught_by_the_deferred_harness)
{
    tcase c;
    tc_sample(&c, "lenet5", "npu");
    emit_c_files f;
    tc_emit(&c, 0, &f);
    /* drop every wait on the first input-load channels of group 0's prologue */
    char *s = f.c.s, *g0 = strstr(s, "static void g0_");
    cr_assert(g0);
    char *w = strstr(g0, "    NNPIPE_DMA_WAIT(0);\n");
    cr_assert(w, "group 0's prologue waits on channel 0 before its conv");
    memset(w, ' ', strlen("    NNPIPE_DMA_WAIT(0);"));
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.c", c.dir, c.name);
    cr_assert_eq(write_text(path, s), 0);
    emit_c_files_free(&f);
    write_harness(&c);
    strbuf mk = {0};
    char src[128];
    snprintf(src, sizeof src, "async_%s.c", c.name);
    tc_rule(&mk, &c, "broken", "gcc", "-std=c99 -O1 -w", src);
    tc_make(c.dir, mk.s);
    sb_free(&mk);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && ./broken in0.bin o.bin", c.dir);
    cr_assert_eq(run_cmd(cmd, NULL, NULL), 0);
    float *got = NULL;
    snprintf(path, sizeof path, "%s/o.bin", c.dir);
    cr_assert_eq(read_floats(path, &got), c.nout_el[0]);
    cr_assert_neq(first_mismatch(got, c.ref[0], (size_t)c.nout_el[0], 1e-5f), -1,
                  "reading a load before its wait must change the result");
    free(got);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
    run_cmd(cmd, NULL, NULL);
    tc_free(&c);
}
