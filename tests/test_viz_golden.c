/* Golden tests of the text views (table, gantt) on a plan small enough to
 * check by hand: tests/data/viz/convpool.json (Conv 2->4 channels 3x3 pad 1
 * on 1x2x6x6, Relu, MaxPool 2x2) lowered for tests/data/viz/viz_target.json
 * (DMA 4 bytes/cycle + 2 cycles latency, a 36-MAC array + 1, a 4-lane
 * vector unit + 1, 1 KiB of memory, 2 MHz).
 *
 * The program, worked out by hand from the target's cost rule
 * (latency + ceil(work / throughput)):
 *  - 6 tiles: all 4 output channels x 1 pooled row x 2 pooled columns
 *    (the last column tile is ragged: 1 of 3);
 *  - load_in, the input window of a tile: at most 160 bytes -> 2 + 40 = 42
 *    cycles on dma_in; it changes every tile, so it is in the kernel;
 *  - load_w (288 bytes) and load_bias (16 bytes) are the same for every
 *    tile: loaded once, outside the kernel;
 *  - conv: at most 4 x 2 x 4 conv outputs x 2 x 9 = 576 MACs plus 32 Relu
 *    elements: busy ceil(608 / 36) = 17, 18 cycles on mac;
 *  - maxpool: 4 x 2 outputs x 4 = 32 elements: busy 8, 9 cycles on vector;
 *  - store: 4 x 2 x 4 bytes = 32 bytes: 2 + 8 = 10 cycles on dma_out.
 * The modulo schedule: dma_in holds 42 cycles per tile, so ResMII = 42 and,
 * with no recurrence, II = 42. conv waits for load_in (offset 42, stage 1),
 * maxpool for conv (42 + 18 = 60, stage 1), store for maxpool (60 + 9 = 69,
 * stage 1): SC 2. convpool_plan_is_the_documented_one checks exactly this,
 * so if the lowering or the scheduler changes, that test says so first.
 *
 * The golden files were written by the code and then read line by line
 * against these numbers; each test below says what to look for. */
#include "test_viz.h"

#define MODEL "tests/data/viz/convpool.json"
#define TARGET "tests/data/viz/viz_target.json"

static int op_index(const prog_group *gr, const char *name)
{
    for (int o = 0; o < gr->nops; o++)
        if (!strcmp(gr->ops[o].name, name))
            return o;
    cr_assert_fail("no op %s", name);
    return -1;
}

static void expect_op(const plan *pl, const char *name, int in_loop, int64_t offset, int64_t busy,
                      int64_t cycles)
{
    const prog_group *gr = &pl->p->groups[0];
    int o = op_index(gr, name);
    cr_assert_eq(pl->loops[0].in_loop[o], in_loop, "%s in_loop", name);
    if (in_loop)
        cr_assert_eq(pl->loops[0].offset[o], offset, "%s offset", name);
    cr_assert_eq(gr->ops[o].busy, busy, "%s busy", name);
    cr_assert_eq(gr->ops[o].cycles, cycles, "%s cycles", name);
}

Test(viz_golden, convpool_plan_is_the_documented_one)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_MODULO);
    cr_assert_eq(f.p->ngroups, 1);
    const plan_loop *lp = &f.pl->loops[0];
    cr_assert_eq(lp->trips, 6);
    cr_assert_eq(lp->ii, 42);
    cr_assert_eq(lp->res_mii, 42);
    cr_assert_eq(lp->rec_mii, 0);
    cr_assert_eq(lp->stage_count, 2);
    expect_op(f.pl, "load_in", 1, 0, 42, 42);
    expect_op(f.pl, "load_w", 0, 0, 74, 74);
    expect_op(f.pl, "load_bias", 0, 0, 6, 6);
    expect_op(f.pl, "conv", 1, 42, 17, 18);
    expect_op(f.pl, "maxpool", 1, 60, 8, 9);
    expect_op(f.pl, "store", 1, 69, 10, 10);
    cr_assert_eq(f.pl->ninsts, 26, "6 tiles x 4 kernel ops + 2 loads once");
    viz_unload(&f);
}

/* What to check in convpool.table.txt: II 42 > 24 rows, so rows are grouped.
 * dma_in: load_in[0] in row 0 and "(load_in)" in every other row (42 of 42
 * rows). mac: conv starts at offset 42 = row 0 in stage 1 ("conv[1]"),
 * holds 17 rows: 0-16. vector: maxpool at 60 mod 42 = row 18, stage 1,
 * 8 rows: 18-25. dma_out: store at 69 mod 42 = row 27, stage 1, 10 rows:
 * 27-36. Rows 37-41 hold only load_in. The busy row: 42/42, 10/42, 17/42,
 * 8/42. Stage 0 is load_in, stage 1 conv, maxpool, store; the diagram has
 * 6 + 2 - 1 = 7 slots: slot 0 prologue (tile 0 in stage 0), slots 1-5 the
 * kernel (tile i in stage 0, tile i-1 in stage 1), slot 6 the epilogue. */
Test(viz_golden, table_of_the_conv_pool_loop)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_MODULO);
    char *s = viz_render(f.pl, "table", NULL);
    viz_golden(s, "tests/data/viz/convpool.table.txt");
    free(s);
    viz_unload(&f);
}

/* The same model on tests/data/viz/fast_target.json (DMA 64 bytes/cycle,
 * 144 MACs/cycle, 16 vector lanes) has II 6 <= 24: one line per row, none
 * merged. By hand: load_in 2 + ceil(160/64) = 5 cycles at offset 0 (rows
 * 0-4); conv busy ceil(608/144) = 5, 6 cycles, at offset 5 = row 5 of
 * stage 0, holding rows 5, 0, 1, 2, 3; maxpool busy ceil(32/16) = 2 at
 * 5 + 6 = 11 = row 5 of stage 1, holding rows 5 and 0; store 2 + 1 = 3
 * cycles at 11 + 3 = 14 = row 2 of stage 2, rows 2-4. ResMII is 5 (dma_in
 * and mac hold 5 rows each) and II would be 5 with every buffer it wants,
 * but 1 KiB of memory holds only 1,008 bytes of copies: one copy is cut,
 * the reuse recurrence this adds makes RecMII 6, and "why" says so. */
Test(viz_golden, table_of_a_short_loop_shows_every_row)
{
    viz_fixture f;
    viz_load(&f, MODEL, "tests/data/viz/fast_target.json", PLAN_MODULO);
    const plan_loop *lp = &f.pl->loops[0];
    cr_assert(lp->ii == 6 && lp->res_mii == 5 && lp->rec_mii == 6 && lp->ii_unbounded == 5,
              "plan moved: II %lld ResMII %lld RecMII %lld", (long long)lp->ii,
              (long long)lp->res_mii, (long long)lp->rec_mii);
    expect_op(f.pl, "load_in", 1, 0, 5, 5);
    expect_op(f.pl, "conv", 1, 5, 5, 6);
    expect_op(f.pl, "maxpool", 1, 11, 2, 3);
    expect_op(f.pl, "store", 1, 14, 3, 3);
    char *s = viz_render(f.pl, "table", NULL);
    viz_golden(s, "tests/data/viz/convpool_fast.table.txt");
    free(s);
    viz_unload(&f);
}

/* What to check in convpool_list.table.txt: the list plan has no
 * reservation table; the busy cycles per lane are sums of the instances'
 * busy cycles: dma_in 74 + 6 + the six load_in tiles, dma_out the six
 * stores, and so on; utilisation is busy / makespan. */
Test(viz_golden, table_of_a_list_plan_explains_and_counts_busy_cycles)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_LIST);
    char *s = viz_render(f.pl, "table", NULL);
    cr_assert(strstr(s, "reservation tables belong to modulo plans"));
    int64_t busy_in = 0;
    for (int64_t i = 0; i < f.pl->ninsts; i++)
        if (!strcmp(f.t->units[f.pl->insts[i].unit].name, "dma_in"))
            busy_in += f.pl->insts[i].busy;
    char want[64];
    snprintf(want, sizeof want, "%lld", (long long)busy_in);
    cr_assert(strstr(s, want), "dma_in's busy cycles %s are in the table", want);
    viz_golden(s, "tests/data/viz/convpool_list.table.txt");
    free(s);
    viz_unload(&f);
}

/* What to check in convpool.gantt.txt (100 columns: 7 for names, 83 for
 * time, 3.37 cycles each): dma_in is busy from 0 to 252 (load_w 0-74,
 * load_bias 74-80, then the six load_in back to back) and idle after:
 * 252/280 = 90.0%, the busiest lane. Each conv comes after its tile's
 * load_in (conv t0 at 112, as load_in t0 ends), each pool after its conv,
 * each store after its pool, so the mac, vector and dma_out bars step
 * right tile by tile; a 17-cycle conv of a full tile covers 5 columns, and
 * the short pools and stores (4-10 cycles) straddle two or three columns,
 * drawn as a bar where they fill at least half a column and as '.' where
 * they fill less. The axis has a tick every 50 cycles = 25 us at 2 MHz. */
Test(viz_golden, gantt_of_the_conv_pool_loop)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_MODULO);
    emit_options o = {.width = 100};
    char *s = viz_render(f.pl, "gantt", &o);
    viz_golden(s, "tests/data/viz/convpool.gantt.txt");
    free(s);
    viz_unload(&f);
}

static const char *lane_cells(char **lines, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (!strncmp(lines[k], name, strlen(name)) && lines[k][strlen(name)] == ' ') {
            const char *bar = strchr(lines[k], '|');
            cr_assert_not_null(bar);
            return bar + 1;
        }
    cr_assert_fail("no lane %s", name);
    return NULL;
}

/* Zoomed to cycles 80-122 with 42 time columns, one column is one cycle,
 * so every bar can be written down from the plan: load_in t0 holds dma_in
 * 80-112 (32 columns), load_in t1 112-132 (the last 10), conv t0 holds mac
 * 112-129 (17 busy cycles, 10 of them in the window); nothing else runs.
 * A bar starts with '[' and keeps one glyph of its kind after its label,
 * so the 10-column bars read "[t1=======" ("load_in t1" needs 12) and
 * "[conv t0##". */
Test(viz_gantt, zoomed_to_one_cycle_per_column_bars_are_exact)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_MODULO);
    int64_t t0 = -1, t1 = -1, c0 = -1;
    for (int64_t i = 0; i < f.pl->ninsts; i++) {
        const plan_inst *in = &f.pl->insts[i];
        const char *nm = f.p->groups[0].ops[in->op].name;
        if (!strcmp(nm, "load_in") && in->tile == 0)
            t0 = in->start;
        if (!strcmp(nm, "load_in") && in->tile == 1)
            t1 = in->start;
        if (!strcmp(nm, "conv") && in->tile == 0)
            c0 = in->start;
    }
    cr_assert(t0 == 80 && t1 == 112 && c0 == 112, "plan moved: load_in %lld, %lld, conv %lld",
              (long long)t0, (long long)t1, (long long)c0);
    /* 7 name columns + " |" + 42 + "|" + " 100.0%" */
    emit_options o = {.width = 7 + 3 + 42 + 7, .from = 80, .to = 122};
    char *s = viz_render(f.pl, "gantt", &o);
    char *lines[64];
    int n = viz_lines(s, lines, 64);
    cr_assert(strstr(lines[0], "cycles 80 to 122") && strstr(lines[0], "1 column = 1 cycles"), "%s",
              lines[0]);
    cr_assert_str_eq(lane_cells(lines, n, "dma_in"),
                     "[load_in t0=====================[t1=======| 100.0%");
    cr_assert_str_eq(lane_cells(lines, n, "mac"),
                     "                                [conv t0##|  23.8%");
    cr_assert_str_eq(lane_cells(lines, n, "vector"),
                     "                                          |   0.0%");
    cr_assert_str_eq(lane_cells(lines, n, "dma_out"),
                     "                                          |   0.0%");
    cr_assert_str_eq(lane_cells(lines, n, "loops"), "[conv-------------------------------------|");
    free(s);
    viz_unload(&f);
}

Test(viz_gantt, every_line_of_the_chart_fills_the_width)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_MODULO);
    int widths[] = {60, 100, 137};
    for (int k = 0; k < 3; k++) {
        emit_options o = {.width = widths[k]};
        char *s = viz_render(f.pl, "gantt", &o);
        char *lines[64];
        int n = viz_lines(s, lines, 64), lanes = 0;
        for (int i = 0; i < n; i++) {
            size_t len = strlen(lines[i]);
            if (len && lines[i][len - 1] == '%' && strchr(lines[i], '|')) {
                cr_assert_eq((int)len, widths[k], "width %d: '%s'", widths[k], lines[i]);
                lanes++;
            }
            /* The loops line has no utilisation column. */
            if (!strncmp(lines[i], "loops ", 6))
                cr_assert_eq((int)len, widths[k] - 7, "width %d: '%s'", widths[k], lines[i]);
        }
        cr_assert_eq(lanes, 4, "4 unit lanes");
        free(s);
    }
    emit_options dflt = {0};
    char *s = viz_render(f.pl, "gantt", &dflt);
    char *lines[64];
    viz_lines(s, lines, 64);
    cr_assert_eq(strlen(lines[2]), 100, "default width 100: '%s'", lines[2]);
    free(s);
    viz_unload(&f);
}

Test(viz_gantt, colour_paints_categories_and_resets_every_line)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_MODULO);
    emit_options o = {.width = 100, .color = 1};
    char *s = viz_render(f.pl, "gantt", &o);
    cr_assert(strstr(s, "\x1b[44;97m") || strstr(s, "\x1b[104;30m"), "load background");
    cr_assert(strstr(s, "\x1b[43;30m") || strstr(s, "\x1b[103;30m"), "compute background");
    char *lines[64];
    int n = viz_lines(s, lines, 64);
    for (int k = 0; k < n; k++) {
        char *esc = strrchr(lines[k], '\x1b');
        cr_assert(!esc || !strncmp(esc, "\x1b[0m", 4), "line %d ends with a colour on: %s", k,
                  lines[k]);
    }
    free(s);
    o.color = 0;
    s = viz_render(f.pl, "gantt", &o);
    cr_assert_null(strchr(s, '\x1b'), "no escape without colour");
    free(s);
    viz_unload(&f);
}

Test(viz_gantt, an_empty_window_is_refused)
{
    viz_fixture f;
    viz_load(&f, MODEL, TARGET, PLAN_MODULO);
    strbuf out = {0};
    nnp_err e = {0};
    emit_options o = {.from = 100, .to = 50};
    cr_assert_eq(emit_gantt(f.pl, &o, &out, &e), NNP_MISUSE);
    cr_assert(strstr(e.msg, "--from 100") && strstr(e.msg, "--to 50"), "%s", e.msg);
    o = (emit_options){.from = 1000};
    cr_assert_eq(emit_svg(f.pl, &o, &out, &e), NNP_MISUSE);
    cr_assert(strstr(e.msg, "makespan"), "%s", e.msg);
    sb_free(&out);
    viz_unload(&f);
}
