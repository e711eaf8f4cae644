/* Structural tests of every view on every sample: the trace is JSON with
 * exactly one complete event per op instance at the plan's start and
 * duration, on tracks where events never overlap; the SVG is well-formed
 * XML (xmllint) whose bars account for every op instance once; the
 * reservation table puts every kernel op in exactly the rows its offset and
 * occupancy give, on its unit instance; the Gantt chart's utilisation
 * matches the plan's statistics; the dot file has every body op and
 * dependence. Plus names that need escaping, a target without a clock, and
 * the command line. */
#include <cjson/cJSON.h>
#include <math.h>

#include "test_viz.h"

static const char *const samples[] = {"lenet5", "resblock", "mobilenet_tiny", "big128", "tinymlp"};
enum { NSAMPLES = sizeof samples / sizeof samples[0] };

static void load_sample(viz_fixture *f, const char *sample, const char *tgt, plan_kind kind)
{
    char model[128], target[128];
    snprintf(model, sizeof model, "samples/%s.json", sample);
    snprintf(target, sizeof target, "samples/targets/%s.json", tgt);
    viz_load(f, model, target, kind);
}

/* ---- trace ---- */

static int64_t find_inst(const plan *pl, int group, int64_t tile, const char *op, char *used)
{
    for (int64_t i = 0; i < pl->ninsts; i++) {
        const plan_inst *in = &pl->insts[i];
        if (in->group == group && in->tile == tile && !used[i] &&
            !strcmp(pl->p->groups[group].ops[in->op].name, op))
            return i;
    }
    return -1;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsNumber(x), "missing number %s", key);
    return x->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsString(x), "missing string %s", key);
    return x->valuestring;
}

typedef struct span {
    int tid;
    int64_t ts, end; /* nanoseconds */
} span;

static int by_track(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

/* Every op instance is one X event of process 1 with ts = start / clock and
 * dur = (end - start) / clock in microseconds; tracks are named and their
 * events do not overlap (Perfetto drops overlapping complete events). */
static void check_trace(const plan *pl, const char *what)
{
    char *s = viz_render(pl, "trace", NULL);
    cJSON *root = cJSON_Parse(s);
    cr_assert_not_null(root, "%s: trace is not JSON", what);
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "traceEvents");
    cr_assert(cJSON_IsArray(events));
    double mhz = pl->p->t->clock_mhz > 0 ? pl->p->t->clock_mhz : 1;
    char *used = calloc((size_t)pl->ninsts + 1, 1);
    span *spans = calloc((size_t)pl->ninsts + 1, sizeof *spans);
    int named[1 << 14] = {0};
    int64_t nx = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *ph = str(ev, "ph");
        int pid = (int)num(ev, "pid"), tid = (int)num(ev, "tid");
        if (!strcmp(ph, "M") && pid == 1 && !strcmp(str(ev, "name"), "thread_name") && tid < (1 << 14))
            named[tid] = 1;
        if (strcmp(ph, "X") || pid != 1)
            continue;
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(ev, "args");
        int64_t i = find_inst(pl, (int)num(args, "group"), (int64_t)num(args, "tile"),
                              str(ev, "name"), used);
        cr_assert_geq(i, 0, "%s: event %s of group %g tile %g matches no instance", what,
                      str(ev, "name"), num(args, "group"), num(args, "tile"));
        cr_assert_lt(nx, pl->ninsts, "%s: more events than instances", what);
        used[i] = 1;
        const plan_inst *in = &pl->insts[i];
        double ts = num(ev, "ts"), dur = num(ev, "dur");
        cr_assert(fabs(ts - (double)in->start / mhz) < 1e-6, "%s: ts %.9g for start %lld", what, ts,
                  (long long)in->start);
        cr_assert(fabs(dur - (double)(in->end - in->start) / mhz) < 1e-6, "%s: dur %.9g for %lld-%lld",
                  what, dur, (long long)in->start, (long long)in->end);
        cr_assert_eq((int)num(args, "stage"), in->stage);
        cr_assert_str_eq(str(args, "op_kind"),
                         pop_kind_name(pl->p->groups[in->group].ops[in->op].kind));
        spans[nx++] = (span){tid, llround(ts * 1000), llround(ts * 1000) + llround(dur * 1000)};
    }
    cr_assert_eq(nx, pl->ninsts, "%s: %lld events for %lld instances", what, (long long)nx,
                 (long long)pl->ninsts);
    qsort(spans, (size_t)nx, sizeof *spans, by_track);
    for (int64_t k = 0; k < nx; k++) {
        cr_assert(spans[k].tid < (1 << 14) && named[spans[k].tid], "%s: track %d has no name", what,
                  spans[k].tid);
        if (k && spans[k].tid == spans[k - 1].tid)
            cr_assert_geq(spans[k].ts, spans[k - 1].end, "%s: events overlap on track %d at %lld ns",
                          what, spans[k].tid, (long long)spans[k].ts);
    }
    const cJSON *other = cJSON_GetObjectItemCaseSensitive(root, "otherData");
    cr_assert(strstr(str(other, "time_scale"), "1 us ="), "%s", what);
    free(used);
    free(spans);
    cJSON_Delete(root);
    free(s);
}

Test(viz_trace, one_event_per_op_instance_at_its_cycles_for_every_sample)
{
    for (int k = 0; k < NSAMPLES; k++) {
        viz_fixture f;
        load_sample(&f, samples[k], "npu", PLAN_MODULO);
        check_trace(f.pl, samples[k]);
        viz_unload(&f);
    }
}

/* The list scheduler packs pipelined units (mac: latency 16 on npu) so an op
 * may start before the previous result is ready; such events move to an
 * overflow track rather than overlapping. */
Test(viz_trace, list_plans_on_every_target_keep_tracks_nested)
{
    const char *targets[] = {"npu", "vta", "mcu"};
    for (int t = 0; t < 3; t++) {
        viz_fixture f;
        load_sample(&f, "resblock", targets[t], PLAN_LIST);
        check_trace(f.pl, targets[t]);
        viz_unload(&f);
    }
    /* big128's list plan on npu starts a conv on the pipelined mac before
     * the previous one's result is out. */
    viz_fixture f;
    load_sample(&f, "big128", "npu", PLAN_LIST);
    check_trace(f.pl, "big128 list");
    char *s = viz_render(f.pl, "trace", NULL);
    cr_assert(strstr(s, "\"mac (overlapping 1)\""), "an overflow track for mac");
    free(s);
    viz_unload(&f);
}

Test(viz_trace, without_a_clock_one_microsecond_is_one_cycle)
{
    viz_fixture f;
    load_sample(&f, "tinymlp", "npu", PLAN_MODULO);
    f.t->clock_mhz = 0; /* as a target built through the API may have */
    check_trace(f.pl, "no clock");
    char *s = viz_render(f.pl, "trace", NULL);
    cr_assert(strstr(s, "no clock: 1 us per cycle"));
    cr_assert(strstr(s, "1 us = 1 cycle (the target has no clock)"));
    free(s);
    s = viz_render(f.pl, "gantt", NULL);
    cr_assert_null(strstr(s, "\n     us "), "no microsecond axis without a clock");
    free(s);
    viz_unload(&f);
}

/* ---- svg ---- */

static int xmllint_ok(const char *text, char **err)
{
    char path[512], cmd[1100];
    snprintf(path, sizeof path, "%s/t.svg", temp_dir());
    cr_assert_eq(write_text(path, text), 0);
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    return run_cmd(cmd, NULL, err);
}

/* Op bars and merged bars, and the ops the merged ones stand for. */
static void count_bars(const char *s, int64_t *ops, int64_t *merged, int64_t *merged_ops)
{
    *ops = *merged = *merged_ops = 0;
    for (const char *p = s; (p = strstr(p, "<rect class=\"")); p++) {
        if (!strncmp(p + 13, "op ", 3)) {
            ++*ops;
        } else if (!strncmp(p + 13, "merged ", 7)) {
            const char *d = strstr(p, "data-ops=\"");
            const char *close = strchr(p, '>');
            cr_assert(d && d < close, "merged bar without data-ops");
            long n = strtol(d + 10, NULL, 10);
            cr_assert_geq(n, 2, "a merged bar stands for several ops");
            ++*merged;
            *merged_ops += n;
        }
    }
}

static void check_svg(const plan *pl, const char *what, int64_t *merged_out)
{
    char *s = viz_render(pl, "svg", NULL), *err = NULL;
    int rc = xmllint_ok(s, &err);
    cr_assert_eq(rc, 0, "%s: xmllint: %s", what, err ? err : "");
    free(err);
    int64_t ops, merged, merged_ops;
    count_bars(s, &ops, &merged, &merged_ops);
    cr_assert_eq(ops + merged_ops, pl->ninsts, "%s: %lld bars + %lld merged ops for %lld instances",
                 what, (long long)ops, (long long)merged_ops, (long long)pl->ninsts);
    /* Each op bar has its hover text. */
    int64_t titles = 0;
    for (const char *p = s; (p = strstr(p, "<title>")); p++)
        titles++;
    cr_assert_geq(titles, ops + merged, "%s: every bar has a title", what);
    if (merged_out)
        *merged_out = merged;
    free(s);
}

Test(viz_svg, well_formed_with_every_op_in_one_bar_for_every_sample)
{
    for (int k = 0; k < NSAMPLES; k++) {
        viz_fixture f;
        load_sample(&f, samples[k], "npu", PLAN_MODULO);
        check_svg(f.pl, samples[k], NULL);
        viz_unload(&f);
    }
}

/* On a 1,010-pixel timeline the small conv+pool loop (280 cycles) has no
 * bar under a pixel: one bar per op instance, nothing merged. */
Test(viz_svg, a_small_plan_gets_one_bar_per_op)
{
    viz_fixture f;
    viz_load(&f, "tests/data/viz/convpool.json", "tests/data/viz/viz_target.json", PLAN_MODULO);
    int64_t merged;
    check_svg(f.pl, "convpool", &merged);
    cr_assert_eq(merged, 0);
    viz_unload(&f);
}

/* big128 on the mcu target: 2,660 op instances over 28 million cycles, most
 * of them thinner than a pixel. They merge, and the file stays small. */
Test(viz_svg, thousands_of_thin_ops_merge_into_few_bars)
{
    viz_fixture f;
    load_sample(&f, "big128", "mcu", PLAN_MODULO);
    cr_assert_gt(f.pl->ninsts, 2000);
    int64_t merged;
    check_svg(f.pl, "big128 on mcu", &merged);
    cr_assert_gt(merged, 0);
    char *s = viz_render(f.pl, "svg", NULL);
    int64_t ops, m, mo;
    count_bars(s, &ops, &m, &mo);
    cr_assert_lt(ops + m, f.pl->ninsts / 2, "%lld bars for %lld ops", (long long)(ops + m),
                 (long long)f.pl->ninsts);
    cr_assert_lt(strlen(s), 600000, "SVG of %zu bytes", strlen(s));
    free(s);
    viz_unload(&f);
}

Test(viz_svg, zoom_draws_only_the_window)
{
    viz_fixture f;
    viz_load(&f, "tests/data/viz/convpool.json", "tests/data/viz/viz_target.json", PLAN_MODULO);
    emit_options o = {.from = 80, .to = 122};
    char *s = viz_render(f.pl, "svg", &o);
    int64_t ops, merged, mo;
    count_bars(s, &ops, &merged, &mo);
    int64_t want = 0;
    for (int64_t i = 0; i < f.pl->ninsts; i++) {
        const plan_inst *in = &f.pl->insts[i];
        want += in->start < 122 && in->start + (in->busy > 0 ? in->busy : 1) > 80;
    }
    cr_assert_eq(ops + mo, want, "%lld bars for %lld ops in the window", (long long)ops,
                 (long long)want);
    cr_assert(strstr(s, "cycles 80-122 shown"));
    free(s);
    viz_unload(&f);
}

/* tools/render_svg.sh, which made the README's picture, makes a PNG. */
Test(viz_svg, the_render_script_makes_a_png)
{
    if (run_cmd("command -v rsvg-convert >/dev/null", NULL, NULL) != 0)
        cr_skip_test("rsvg-convert is not installed (Debian: librsvg2-bin)");
    char png[600], cmd[2000], model[512], *out = NULL, *err = NULL;
    snprintf(png, sizeof png, "%s/s.png", temp_dir());
    snprintf(model, sizeof model, "%s", src_path("samples/resblock.json"));
    snprintf(cmd, sizeof cmd, "NNPIPE='%s' ZOOM=1 '%s' '%s' '%s' --scheduler list", NNP_CLI,
             src_path("tools/render_svg.sh"), model, png);
    cr_assert_eq(run_cmd(cmd, &out, &err), 0, "%s", err);
    FILE *f = fopen(png, "rb");
    cr_assert_not_null(f);
    unsigned char sig[8] = {0};
    cr_assert_eq(fread(sig, 1, 8, f), 8);
    fclose(f);
    cr_assert(!memcmp(sig, "\x89PNG\r\n\x1a\n", 8), "a PNG file");
    free(out), free(err);
}

/* ---- table ---- */

typedef struct col {
    int at;
    char name[48];
} col;

/* Parses the reservation table of loop g out of the table text: for each
 * lane (by name) and row, the cell. rows_seen counts how often each row was
 * labelled, per column block. */
typedef struct parsed {
    char names[16][48];
    char **cells[16]; /* [lane][row] */
    int nlanes;
    int *rows_seen;
} parsed;

static int lane_slot(parsed *pt, const char *name, int64_t ii)
{
    for (int k = 0; k < pt->nlanes; k++)
        if (!strcmp(pt->names[k], name))
            return k;
    cr_assert_lt(pt->nlanes, 16);
    snprintf(pt->names[pt->nlanes], 48, "%s", name);
    pt->cells[pt->nlanes] = calloc((size_t)ii, sizeof(char *));
    return pt->nlanes++;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = 0;
}

static void parse_loop(char **lines, int n, int first, int64_t ii, parsed *pt)
{
    col cols[16];
    int ncols = 0;
    for (int k = first; k < n && strncmp(lines[k], "loop ", 5); k++) {
        char *ln = lines[k];
        if (!strncmp(ln, "  cycle ", 8)) { /* header of a column block */
            ncols = 0;
            for (int i = 7; ln[i];) {
                while (ln[i] == ' ')
                    i++;
                if (!ln[i])
                    break;
                cols[ncols].at = i;
                int j = 0;
                while (ln[i] && ln[i] != ' ')
                    cols[ncols].name[j++] = ln[i++];
                cols[ncols++].name[j] = 0;
            }
            continue;
        }
        if (!strncmp(ln, "  busy ", 7)) /* the block's last row */
            ncols = 0;
        if (!ncols || ln[0] != ' ' || ln[1] != ' ' || !(ln[2] >= '0' && ln[2] <= '9'))
            continue;
        long long lo, hi;
        char dash;
        int got = sscanf(ln + 2, "%lld%c%lld", &lo, &dash, &hi);
        if (got < 3 || dash != '-')
            hi = lo;
        cr_assert(lo >= 0 && hi < ii && lo <= hi, "row label %s", ln);
        size_t len = strlen(ln);
        for (int c = 0; c < ncols; c++) {
            char cell[96] = "";
            size_t a = (size_t)cols[c].at, b = c + 1 < ncols ? (size_t)cols[c + 1].at : len;
            if (a < len)
                snprintf(cell, sizeof cell, "%.*s", (int)((b < len ? b : len) - a), ln + a);
            trim(cell);
            int slot = lane_slot(pt, cols[c].name, ii);
            for (long long r = lo; r <= hi; r++) {
                cr_assert_null(pt->cells[slot][r], "row %lld of %s labelled twice", r, cols[c].name);
                pt->cells[slot][r] = xstrdup(cell);
            }
        }
        for (long long r = lo; r <= hi; r++)
            pt->rows_seen[r]++;
    }
}

static void check_table_loop(const plan *pl, int g, char **lines, int n, int first)
{
    const plan_loop *lp = &pl->loops[g];
    const prog_group *gr = &pl->p->groups[g];
    parsed pt = {.rows_seen = calloc((size_t)lp->ii, sizeof(int))};
    parse_loop(lines, n, first, lp->ii, &pt);
    for (int o = 0; o < gr->nops; o++) {
        if (!lp->in_loop[o])
            continue;
        /* The lane of its instances, the rows its offset and occupancy give. */
        const char *lane = NULL;
        char lname[64];
        for (int64_t i = 0; i < pl->ninsts && !lane; i++)
            if (pl->insts[i].group == g && pl->insts[i].op == o) {
                const target_unit *u = &pl->p->t->units[pl->insts[i].unit];
                if (u->count == 1)
                    snprintf(lname, sizeof lname, "%s", u->name);
                else
                    snprintf(lname, sizeof lname, "%s.%d", u->name, pl->insts[i].instance);
                lane = lname;
            }
        if (!lane)
            continue;
        int slot = lane_slot(&pt, lane, lp->ii);
        int64_t occ = gr->ops[o].busy > 0 ? gr->ops[o].busy : 1;
        int64_t start = lp->offset[o] % lp->ii;
        char first_cell[64], held[64];
        snprintf(first_cell, sizeof first_cell, "%s[%lld]", gr->ops[o].name,
                 (long long)(lp->offset[o] / lp->ii));
        snprintf(held, sizeof held, "(%s)", gr->ops[o].name);
        for (int64_t r = 0; r < lp->ii; r++) {
            const char *cell = pt.cells[slot][r] ? pt.cells[slot][r] : "";
            int64_t d = ((r - start) % lp->ii + lp->ii) % lp->ii;
            if (d == 0)
                cr_assert_str_eq(cell, first_cell, "loop %d row %lld of %s", g, (long long)r, lane);
            else if (d < occ)
                cr_assert_str_eq(cell, held, "loop %d row %lld of %s", g, (long long)r, lane);
            else
                cr_assert(strcmp(cell, first_cell) && strcmp(cell, held),
                          "loop %d row %lld of %s: %s holds only %lld rows from %lld", g,
                          (long long)r, lane, gr->ops[o].name, (long long)occ, (long long)start);
        }
    }
    for (int64_t r = 0; r < lp->ii; r++)
        cr_assert_gt(pt.rows_seen[r], 0, "loop %d: row %lld missing", g, (long long)r);
    for (int k = 0; k < pt.nlanes; k++) {
        for (int64_t r = 0; r < lp->ii; r++)
            free(pt.cells[k][r]);
        free(pt.cells[k]);
    }
    free(pt.rows_seen);
}

static void check_table(const plan *pl, const char *what)
{
    char *s = viz_render(pl, "table", NULL);
    static char *lines[1 << 16];
    int n = viz_lines(s, lines, 1 << 16), loops = 0;
    for (int k = 0; k < n; k++) {
        cr_assert_leq(strlen(lines[k]), 80, "%s: line %d is %zu wide: %s", what, k, strlen(lines[k]),
                      lines[k]);
        int g;
        if (sscanf(lines[k], "loop %d ", &g) == 1) {
            cr_assert(g >= 0 && g < pl->nloops);
            check_table_loop(pl, g, lines, n, k + 1);
            loops++;
        }
    }
    int want = 0;
    for (int g = 0; g < pl->nloops; g++)
        want += pl->loops[g].trips > 0;
    cr_assert_eq(loops, want, "%s: %d loop tables for %d loops", what, loops, want);
    free(s);
}

Test(viz_table, cells_agree_with_the_plan_for_every_sample)
{
    for (int k = 0; k < NSAMPLES; k++) {
        viz_fixture f;
        load_sample(&f, samples[k], "npu", PLAN_MODULO);
        check_table(f.pl, samples[k]);
        viz_unload(&f);
    }
}

Test(viz_table, cells_agree_with_the_plan_on_vta)
{
    viz_fixture f;
    load_sample(&f, "big128", "vta", PLAN_MODULO);
    check_table(f.pl, "big128 on vta");
    viz_unload(&f);
}

/* II 6: every row on its own line. */
Test(viz_table, cells_agree_with_the_plan_when_every_row_is_shown)
{
    viz_fixture f;
    viz_load(&f, "tests/data/viz/convpool.json", "tests/data/viz/fast_target.json", PLAN_MODULO);
    cr_assert_leq(f.pl->loops[0].ii, 24);
    check_table(f.pl, "convpool on fast");
    viz_unload(&f);
}

/* A target with two MAC arrays and two input DMA engines: the table has a
 * column per instance and each op sits in its own instance's column. */
Test(viz_table, each_unit_instance_is_a_column)
{
    viz_fixture f;
    viz_load(&f, "samples/resblock.json", "tests/data/viz/twin_target.json", PLAN_MODULO);
    check_table(f.pl, "resblock on twin");
    char *s = viz_render(f.pl, "table", NULL);
    cr_assert(strstr(s, "dma_in.0") && strstr(s, "mac.0"), "%s", s);
    free(s);
    s = viz_render(f.pl, "gantt", NULL);
    cr_assert(strstr(s, "\ndma_in.1 ") && strstr(s, "\nmac.1 "), "%s", s);
    free(s);
    viz_unload(&f);
}

/* ---- gantt ---- */

/* Without zoom a lane's share is its unit's utilisation in the plan's
 * statistics (every unit of npu has one instance). */
Test(viz_gantt, lane_utilisation_matches_the_plan_statistics)
{
    for (int k = 0; k < NSAMPLES; k++) {
        viz_fixture f;
        load_sample(&f, samples[k], "npu", PLAN_MODULO);
        char *s = viz_render(f.pl, "gantt", NULL);
        char *lines[64];
        int n = viz_lines(s, lines, 64);
        for (int u = 0; u < f.t->nunits; u++) {
            const char *name = f.t->units[u].name;
            int found = 0;
            for (int i = 0; i < n; i++)
                if (!strncmp(lines[i], name, strlen(name)) && lines[i][strlen(name)] == ' ') {
                    double pct = atof(strrchr(lines[i], '|') + 1);
                    cr_assert(fabs(pct - 100.0 * f.pl->stats.utilization[u]) <= 0.051,
                              "%s %s: %.1f%% vs %.3f%%", samples[k], name, pct,
                              100.0 * f.pl->stats.utilization[u]);
                    found = 1;
                }
            cr_assert(found, "%s: no lane %s", samples[k], name);
        }
        free(s);
        viz_unload(&f);
    }
}

/* ---- summary ---- */

/* Every line fits 80 columns; each loop row gives the plan's II, bounds and
 * trip count, and its optimality mark; a loop whose II was raised says why
 * on the next line. */
Test(viz_summary, loop_rows_fit_80_columns_and_carry_the_plan_numbers)
{
    static const char *const targets[] = {"npu", "mcu", "vta"};
    for (int k = 0; k < NSAMPLES; k++)
        for (int t = 0; t < 3; t++) {
            viz_fixture f;
            load_sample(&f, samples[k], targets[t], PLAN_MODULO);
            char *s = viz_render(f.pl, "summary", NULL);
            char *lines[512];
            int n = viz_lines(s, lines, 512);
            for (int i = 0; i < n; i++)
                cr_assert_leq(strlen(lines[i]), 80, "%s/%s: %s", samples[k], targets[t], lines[i]);
            for (int g = 0; g < f.pl->nloops; g++) {
                const plan_loop *lp = &f.pl->loops[g];
                if (lp->trips == 0)
                    continue;
                int row = -1;
                for (int i = 0; i < n && row < 0; i++)
                    if (atoi(lines[i]) == g && lines[i][0] >= '0' && lines[i][0] <= '9')
                        row = i;
                cr_assert_geq(row, 0, "%s/%s: no row for loop %d", samples[k], targets[t], g);
                long long tiles, ii, res, rec;
                cr_assert_eq(sscanf(lines[row] + 23, "%lld %lld %lld %lld", &tiles, &ii, &res, &rec),
                             4, "%s", lines[row]);
                cr_assert_eq(tiles, lp->trips, "%s", lines[row]);
                cr_assert_eq(ii, lp->ii, "%s", lines[row]);
                cr_assert_eq(res, lp->res_mii, "%s", lines[row]);
                cr_assert_eq(rec, lp->rec_mii, "%s", lines[row]);
                const char *mark = strrchr(lines[row], ' ') + 1;
                cr_assert_str_eq(mark,
                                 lp->optimality == SCHED_OPT_AT_MII ? "=MII"
                                 : lp->optimality == SCHED_OPT_PROVEN ? "proven"
                                                                      : "open",
                                 "%s", lines[row]);
                if (lp->why[0])
                    cr_assert(row + 1 < n && strstr(lines[row + 1], lp->why), "%s/%s loop %d: %s",
                              samples[k], targets[t], g, lp->why);
            }
            /* One memory row per pool: its peak and capacity, as in the plan. */
            int pools = 0;
            for (int q = 0; q < POOL_COUNT; q++) {
                const char *name = mem_pool_name((mem_pool)q);
                for (int i = 0; i < n; i++)
                    if (!strncmp(lines[i], name, strlen(name)) && lines[i][strlen(name)] == ' ') {
                        char peak[32], cap[32];
                        cr_assert_eq(sscanf(lines[i] + strlen(name), "%31s %31s", peak, cap), 2);
                        cr_assert_str_eq(peak, emit_cycles(f.pl->stats.peak[q], (char[32]){0}),
                                         "%s", lines[i]);
                        cr_assert_str_eq(cap, emit_cycles(target_capacity(f.t, (mem_pool)q),
                                                          (char[32]){0}),
                                         "%s", lines[i]);
                        pools++;
                    }
            }
            cr_assert_eq(pools, f.t->separate ? 3 : 1, "%s/%s", samples[k], targets[t]);
            free(s);
            viz_unload(&f);
        }
}

/* ---- dot ---- */

Test(viz_dot, every_body_op_and_dependence_is_drawn)
{
    for (int k = 0; k < NSAMPLES; k++) {
        viz_fixture f;
        load_sample(&f, samples[k], "npu", PLAN_MODULO);
        char *s = viz_render(f.pl, "dot", NULL);
        int want_ops = 0, want_deps = 0, want_war = 0;
        for (int g = 0; g < f.p->ngroups; g++) {
            want_ops += f.p->groups[g].nops;
            want_deps += f.p->groups[g].ndeps;
            for (int d = 0; d < f.p->groups[g].ndeps; d++)
                want_war += f.p->groups[g].deps[d].kind == DEP_WAR;
        }
        /* Graphviz itself, when installed, must accept it. */
        if (run_cmd("command -v dot >/dev/null", NULL, NULL) == 0) {
            char path[512], cmd[1100], *err = NULL;
            snprintf(path, sizeof path, "%s/g.dot", temp_dir());
            cr_assert_eq(write_text(path, s), 0);
            snprintf(cmd, sizeof cmd, "dot -Tsvg -o /dev/null '%s'", path);
            cr_assert_eq(run_cmd(cmd, NULL, &err), 0, "%s: dot: %s", samples[k], err ? err : "");
            free(err);
        }
        int ops = 0, deps = 0, war = 0, depth = 0;
        char *lines[1 << 12];
        int n = viz_lines(s, lines, 1 << 12);
        for (int i = 0; i < n; i++) {
            int g, o;
            char c;
            if (sscanf(lines[i], " g%d_o%d %c", &g, &o, &c) == 3 && c == '[')
                ops++;
            if (sscanf(lines[i], " g%d_o%d -%c", &g, &o, &c) == 3 && c == '>') {
                deps++;
                war += strstr(lines[i], "style=dashed") != NULL;
            }
            for (char *p = lines[i]; *p; p++)
                depth += (*p == '{') - (*p == '}');
        }
        cr_assert_eq(depth, 0, "%s: braces balance", samples[k]);
        cr_assert_eq(ops, want_ops, "%s", samples[k]);
        cr_assert_eq(deps, want_deps, "%s", samples[k]);
        cr_assert_eq(war, want_war, "%s: WAR edges dashed", samples[k]);
        free(s);
        viz_unload(&f);
    }
}

/* ---- names that need escaping ---- */

Test(viz_escape, names_with_markup_characters_stay_well_formed)
{
    viz_fixture f;
    viz_load(&f, "tests/data/viz/escape.json", "tests/data/viz/viz_target.json", PLAN_MODULO);
    char *s = viz_render(f.pl, "svg", NULL), *err = NULL;
    cr_assert_eq(xmllint_ok(s, &err), 0, "xmllint: %s", err ? err : "");
    cr_assert(strstr(s, "c&lt;1&gt; &amp; &quot;x&quot;"), "escaped node name");
    free(err);
    free(s);
    s = viz_render(f.pl, "dot", NULL);
    cr_assert(strstr(s, "c<1> & \\\"x\\\""), "dot escapes quotes");
    free(s);
    s = viz_render(f.pl, "trace", NULL);
    cJSON *root = cJSON_Parse(s);
    cr_assert_not_null(root);
    cJSON_Delete(root);
    free(s);
    viz_unload(&f);
}

/* ---- a plan with nothing in it ---- */

/* A lone Identity lowers to an alias group without ops: every view still
 * renders, and says so rather than failing. */
Test(viz_empty, a_plan_without_ops_renders_everywhere)
{
    viz_fixture f;
    viz_load(&f, "tests/data/viz/alias.json", "tests/data/viz/viz_target.json", PLAN_MODULO);
    cr_assert_eq(f.pl->ninsts, 0);
    char *s = viz_render(f.pl, "table", NULL);
    cr_assert(strstr(s, "no tile loops"), "%s", s);
    free(s);
    s = viz_render(f.pl, "gantt", NULL);
    cr_assert(strstr(s, "dma_in  |") && strstr(s, "0.0%"), "%s", s);
    free(s);
    check_svg(f.pl, "empty", NULL);
    check_trace(f.pl, "empty");
    s = viz_render(f.pl, "dot", NULL);
    cr_assert(strstr(s, "Identity"));
    free(s);
    viz_unload(&f);
}

/* ---- the command ---- */

Test(viz_cli, formats_from_the_command_line)
{
    char cmd[1400], *out = NULL, *err = NULL;
    const char *model = src_path("tests/data/viz/convpool.json");
    char m[512];
    snprintf(m, sizeof m, "%s", model);
    const char *tgt = src_path("tests/data/viz/viz_target.json");
    snprintf(cmd, sizeof cmd, "%s schedule '%s' --target '%s' --format gantt", NNP_CLI, m, tgt);
    cr_assert_eq(run_cmd(cmd, &out, &err), 0, "%s", err);
    char *lines[64];
    int n = viz_lines(out, lines, 64);
    cr_assert_gt(n, 5);
    cr_assert_eq(strlen(lines[2]), 100, "not a terminal: 100 columns: '%s'", lines[2]);
    cr_assert_null(strchr(out, '\x1b'), "not a terminal: no colour");
    free(out), free(err);

    snprintf(cmd, sizeof cmd, "%s schedule '%s' --target '%s' --format gantt --color always "
                              "--width 70 --from 80 --to 200",
             NNP_CLI, m, src_path("tests/data/viz/viz_target.json"));
    cr_assert_eq(run_cmd(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "\x1b[") && strstr(out, "cycles 80 to 200"), "%s", out);
    free(out), free(err);

    char path[600];
    snprintf(path, sizeof path, "%s/out.svg", temp_dir());
    snprintf(cmd, sizeof cmd, "%s schedule '%s' --target '%s' --format svg -o '%s' && xmllint "
                              "--noout '%s'",
             NNP_CLI, m, src_path("tests/data/viz/viz_target.json"), path, path);
    cr_assert_eq(run_cmd(cmd, &out, &err), 0, "%s", err);
    free(out), free(err);

    snprintf(cmd, sizeof cmd, "%s schedule '%s' --format gantt --from 500 --to 100", NNP_CLI, m);
    cr_assert_eq(run_cmd(cmd, &out, &err), 1, "an empty window is a usage error");
    cr_assert(strstr(err, "empty cycle window"), "%s", err);
    free(out), free(err);

    snprintf(cmd, sizeof cmd, "%s schedule --help", NNP_CLI);
    cr_assert_eq(run_cmd(cmd, &out, &err), 0);
    const char *names[] = {"table", "gantt", "trace", "svg", "dot"};
    for (int k = 0; k < 5; k++)
        cr_assert(strstr(out, names[k]), "--help lists %s", names[k]);
    free(out), free(err);
}
