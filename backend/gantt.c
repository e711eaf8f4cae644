/* `--format gantt`: the plan as a terminal timeline.
 *
 * One line per unit instance (a lane), time running left to right over a
 * cycle window scaled to the width, each column covering `w` cycles (w may
 * be below 1 when zoomed in). A column shows the op instance holding the
 * most of it:
 *  - at least half busy: the op's category glyph (= load, # compute,
 *    % pool, ~ store), or with colour its category's background;
 *  - busy, but less than half: '.', so short ops stay visible without
 *    making a mostly idle unit look busy;
 *  - idle: blank.
 * Consecutive columns held by one instance form a bar; a bar of two or more
 * columns starts with '[' (without colour) or alternates between two shades
 * of its colour (with colour) so neighbouring bars stay distinct, and
 * carries the instance's label ("load_in t3", or just "t3") when it fits.
 * Above the lanes a "loops" line shows which group runs when; below them
 * an axis with ticks in cycles (and microseconds on the target's clock).
 * Each lane ends with its busy share of the window, and the last lines name
 * the busiest lane: the bottleneck at a glance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

enum { NAME_MAX_W = 16, MIN_COLS = 10, UTIL_W = 7 };

typedef struct scale {
    int64_t from, to;
    int n;    /* chart columns */
    double w; /* cycles per column */
} scale;

/* One lane's columns: busy cycles, and the instance (or group) holding the
 * most of each column. */
typedef struct cells {
    double *cov, *best;
    int64_t *dom; /* -1: idle */
} cells;

/* Adds [a, b) held by `who` to the columns it overlaps. */
static void cover(const scale *s, int64_t a, int64_t b, int64_t who, cells *c)
{
    a = max64(a, s->from);
    b = min64(b, s->to);
    if (a >= b)
        return;
    double x0 = (double)(a - s->from) / s->w, x1 = (double)(b - s->from) / s->w;
    int c0 = (int)floor(x0), c1 = (int)ceil(x1);
    for (int k = c0 < 0 ? 0 : c0; k < c1 && k < s->n; k++) {
        double ov = (fmin(x1, k + 1.0) - fmax(x0, (double)k)) * s->w;
        c->cov[k] += ov;
        if (ov > c->best[k]) {
            c->best[k] = ov;
            c->dom[k] = who;
        }
    }
}

static void cells_clear(cells *c, int n)
{
    memset(c->cov, 0, (size_t)n * sizeof *c->cov);
    memset(c->best, 0, (size_t)n * sizeof *c->best);
    for (int k = 0; k < n; k++)
        c->dom[k] = -1;
}

/* Column k is drawn as a bar (at least half busy). */
static int full(const scale *s, const cells *c, int k)
{
    return c->dom[k] >= 0 && c->cov[k] >= 0.5 * s->w;
}

/* End of the run of full columns held by column k's holder. */
static int run_end(const scale *s, const cells *c, int k)
{
    int e = k + 1;
    while (e < s->n && full(s, c, e) && c->dom[e] == c->dom[k])
        e++;
    return e;
}

static void sgr(strbuf *out, int color, const char *code)
{
    if (color)
        sb_printf(out, "\x1b[%sm", code);
}

/* The longest label of `who` that fits in room columns, or "". */
typedef const char *(*label_fn)(const plan *pl, int64_t who, int room, char *buf, size_t len);
typedef op_cat (*cat_fn)(const plan *pl, int64_t who);

/* A column under half busy: '.' in its holder's colour; idle: blank. */
static void draw_thin(const plan *pl, const cells *c, int k, cat_fn cat, int color, strbuf *out)
{
    if (c->dom[k] < 0) {
        sb_putc(out, ' ');
        return;
    }
    const cat_look *lk = cat ? &cat_looks[cat(pl, c->dom[k])] : NULL;
    sgr(out, color && lk, lk ? lk->sgr_fg : "");
    sb_putc(out, '.');
    sgr(out, color && lk, "0");
}

/* Where the bar starting at full column k ends: its holder's run, or for
 * ops thinner than a column every following one-column run of the same
 * category, so they make one unlabelled bar rather than a stripe per op
 * (*merged says so). */
static int bar_end(const plan *pl, const scale *s, const cells *c, cat_fn cat, int k, int *merged)
{
    int e = run_end(s, c, k);
    *merged = 0;
    if (e == k + 1 && cat)
        while (e < s->n && full(s, c, e) && run_end(s, c, e) == e + 1 &&
               cat(pl, c->dom[e]) == cat(pl, c->dom[k])) {
            e++;
            *merged = 1;
        }
    return e;
}

/* One bar of len columns: without colour '[' then the label then the
 * glyph; with colour the label on a background that alternates between two
 * shades from bar to bar. The label leaves one glyph of the kind visible. */
static void draw_bar(const cat_look *lk, char fill, int len, const char *label, int color, int alt,
                     strbuf *out)
{
    char glyph = lk ? lk->glyph : fill, pad = color ? ' ' : glyph;
    int at = 0;
    if (color)
        sb_printf(out, "\x1b[%sm", lk ? (alt ? lk->sgr_alt : lk->sgr) : (alt ? "100;97" : "47;30"));
    else if (len >= 2) {
        sb_putc(out, '[');
        at = 1;
    }
    int n = (int)strlen(label);
    if (n > len - at)
        n = 0;
    sb_printf(out, "%.*s", n, label);
    for (at += n; at < len; at++)
        sb_putc(out, pad);
    sgr(out, color, "0");
}

/* The columns of one line: runs of one holder become labelled bars. */
static void draw_cells(const plan *pl, const scale *s, const cells *c, label_fn label, cat_fn cat,
                       char fill_nocat, int color, strbuf *out)
{
    int alt = 0;
    for (int k = 0; k < s->n;) {
        if (!full(s, c, k)) {
            draw_thin(pl, c, k, cat, color, out);
            k++;
            continue;
        }
        int merged, e = bar_end(pl, s, c, cat, k, &merged), len = e - k;
        char lb[96] = "";
        if (!merged)
            label(pl, c->dom[k], len - (color ? 0 : 2), lb, sizeof lb);
        draw_bar(cat ? &cat_looks[cat(pl, c->dom[k])] : NULL, fill_nocat, len, lb, color, alt, out);
        alt = !alt;
        k = e;
    }
}

/* "load_in t3", else "t3". */
static const char *inst_label(const plan *pl, int64_t who, int room, char *buf, size_t len)
{
    const plan_inst *in = &pl->insts[who];
    emit_inst_label(pl, in, buf, len);
    if ((int)strlen(buf) > room)
        snprintf(buf, len, "t%lld", (long long)in->tile);
    if ((int)strlen(buf) > room)
        buf[0] = 0;
    return buf;
}

static op_cat inst_cat(const plan *pl, int64_t who)
{
    const plan_inst *in = &pl->insts[who];
    return op_category(pl->p->groups[in->group].ops[in->op].kind);
}

/* The group's node name, cut to fit: "globalaveragepool1" -> "globalav". */
static const char *group_label(const plan *pl, int64_t who, int room, char *buf, size_t len)
{
    snprintf(buf, len, "%s", group_short_name(pl->p, (int)who));
    if (room < 3) /* a letter or two says nothing */
        room = 0;
    if ((size_t)room < len && (int)strlen(buf) > room)
        buf[room] = 0;
    return buf;
}

/* Busy cycles of a lane inside the window. */
static int64_t lane_busy(const plan *pl, const tl_lane *l, const scale *s)
{
    int64_t busy = 0;
    for (int64_t k = 0; k < l->n; k++) {
        const plan_inst *in = &pl->insts[l->insts[k]];
        int64_t a = max64(in->start, s->from), b = min64(in->start + in->busy, s->to);
        if (b > a)
            busy += b - a;
    }
    return busy;
}

static void header(const timeline *tl, const scale *s, strbuf *out)
{
    const plan *pl = tl->pl;
    const target *t = pl->p->t;
    char a[32], b[32], m[32], ua[48], ub[48];
    sb_printf(out, "%s schedule on %s: cycles %s to %s", plan_kind_name(pl->kind), t->name,
              emit_cycles(s->from, a), emit_cycles(s->to, b));
    if (t->clock_mhz > 0)
        sb_printf(out, " (%s to %s us at %g MHz)", us_text((double)s->from / t->clock_mhz, ua, sizeof ua),
                  us_text((double)s->to / t->clock_mhz, ub, sizeof ub), t->clock_mhz);
    if (tl->makespan > 0 && (s->from > 0 || s->to != tl->makespan))
        sb_printf(out, " of %s", emit_cycles(tl->makespan, m));
    if (s->w >= 10)
        sb_printf(out, "; 1 column = %s cycles\n", emit_cycles(llround(s->w), m));
    else
        sb_printf(out, "; 1 column = %.2g cycles\n", s->w);
}

static void lane_line(const char *name, int nw, strbuf *out)
{
    sb_printf(out, "%-*.*s |", nw, nw, name);
}

static void draw_loops(const timeline *tl, const scale *s, int nw, int color, cells *c,
                       strbuf *out)
{
    const plan *pl = tl->pl;
    cells_clear(c, s->n);
    for (int g = 0; g < pl->p->ngroups; g++)
        if (tl->group_lo[g] >= 0)
            cover(s, tl->group_lo[g], tl->group_hi[g], g, c);
    /* Loops are drawn full wherever they run, however thin. */
    for (int k = 0; k < s->n; k++)
        if (c->dom[k] >= 0)
            c->cov[k] = s->w;
    lane_line("loops", nw, out);
    draw_cells(pl, s, c, group_label, NULL, '-', color, out);
    sb_puts(out, "|\n");
}

/* Returns the busiest lane. */
static int draw_lanes(const timeline *tl, const scale *s, int nw, int color, cells *c, strbuf *out)
{
    const plan *pl = tl->pl;
    int busiest = 0;
    int64_t most = -1;
    for (int li = 0; li < tl->nlanes; li++) {
        const tl_lane *l = &tl->lanes[li];
        cells_clear(c, s->n);
        for (int64_t k = 0; k < l->n; k++) {
            const plan_inst *in = &pl->insts[l->insts[k]];
            cover(s, in->start, in->start + inst_hold(in), l->insts[k], c);
        }
        lane_line(l->name, nw, out);
        draw_cells(pl, s, c, inst_label, inst_cat, '=', color, out);
        int64_t busy = lane_busy(pl, l, s);
        sb_printf(out, "| %5.1f%%\n", 100.0 * (double)busy / (double)(s->to - s->from));
        if (busy > most) {
            most = busy;
            busiest = li;
        }
    }
    return busiest;
}

/* Tick marks and their labels in cycles and, with a clock, microseconds.
 * The axis spans the lanes' borders: position 0 is the left border (cycle
 * `from`), position n+1 the right one (cycle `to`). */
static void axis(const timeline *tl, const scale *s, int nw, strbuf *out)
{
    const target *t = tl->pl->p->t;
    int64_t step = nice_step(s->w * 10);
    int width = s->n + 2, cap = width + 64;
    char *marks = xcalloc((size_t)cap, 1), *cyc = xcalloc((size_t)cap, 1),
         *us = xcalloc((size_t)cap, 1);
    if (!marks || !cyc || !us) {
        out->failed = 1;
        free(marks), free(cyc), free(us);
        return;
    }
    memset(marks, '-', (size_t)width);
    memset(cyc, ' ', (size_t)cap - 1);
    memset(us, ' ', (size_t)cap - 1);
    marks[0] = marks[width - 1] = '+';
    int end_c = 0, end_u = 0;
    for (int64_t v = ceil_div(s->from, step) * step; v <= s->to; v += step) {
        int p = (int)llround((double)(v - s->from) / (double)(s->to - s->from) * (s->n + 1));
        marks[p] = '+';
        char a[32], b[48];
        int n = (int)strlen(emit_cycles(v, a));
        if (p >= end_c + (end_c > 0) && p + n < cap) {
            memcpy(cyc + p, a, (size_t)n);
            end_c = p + n;
        }
        n = (int)strlen(cycles_us(t, v, step, b, sizeof b));
        if (n && p >= end_u + (end_u > 0) && p + n < cap) {
            memcpy(us + p, b, (size_t)n);
            end_u = p + n;
        }
    }
    cyc[end_c] = us[end_u] = 0;
    sb_printf(out, "%*s %s\n%*s %s\n", nw, "", marks, nw, "cycle", cyc);
    if (t->clock_mhz > 0)
        sb_printf(out, "%*s %s\n", nw, "us", us);
    free(marks), free(cyc), free(us);
}

static void legend(const timeline *tl, const scale *s, int busiest, int color, strbuf *out)
{
    sb_puts(out, "\n");
    for (int k = 0; k < CAT_COUNT; k++) {
        const cat_look *lk = &cat_looks[k];
        if (color)
            sb_printf(out, "\x1b[%sm %s \x1b[0m ", lk->sgr, lk->name);
        else
            sb_printf(out, "%c %s  ", lk->glyph, lk->name);
    }
    sb_printf(out, ". under half busy   [t3 op of tile 3\n");
    const tl_lane *l = &tl->lanes[busiest];
    int64_t busy = lane_busy(tl->pl, l, s);
    char a[32], b[32];
    sb_printf(out, "busiest: %s, busy %.1f%% of the window (%s of %s cycles)\n", l->name,
              100.0 * (double)busy / (double)(s->to - s->from), emit_cycles(busy, a),
              emit_cycles(s->to - s->from, b));
}

int emit_gantt(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e)
{
    timeline tl;
    int rc = timeline_build(pl, &tl, e);
    if (rc)
        return rc;
    scale s;
    rc = timeline_window(&tl, o, &s.from, &s.to, e);
    if (rc) {
        timeline_free(&tl);
        return rc;
    }
    int nw = 6; /* "loops", "cycle" */
    for (int k = 0; k < tl.nlanes; k++)
        nw = (int)max64(nw, (int64_t)strlen(tl.lanes[k].name));
    nw = nw > NAME_MAX_W ? NAME_MAX_W : nw;
    int width = o && o->width > 0 ? o->width : 100;
    s.n = width - nw - 3 - UTIL_W;
    s.n = s.n < MIN_COLS ? MIN_COLS : s.n;
    s.w = (double)(s.to - s.from) / s.n;
    int color = o && o->color;
    cells c = {xcalloc((size_t)s.n, sizeof(double)), xcalloc((size_t)s.n, sizeof(double)),
               xcalloc((size_t)s.n, sizeof(int64_t))};
    if (!c.cov || !c.best || !c.dom) {
        rc = err_set(e, NNP_NOMEM, "out of memory drawing the Gantt chart");
    } else {
        header(&tl, &s, out);
        draw_loops(&tl, &s, nw, color, &c, out);
        int busiest = draw_lanes(&tl, &s, nw, color, &c, out);
        axis(&tl, &s, nw, out);
        legend(&tl, &s, busiest, color, out);
        if (out->failed)
            rc = err_set(e, NNP_NOMEM, "out of memory drawing the Gantt chart");
    }
    free(c.cov), free(c.best), free(c.dom);
    timeline_free(&tl);
    return rc;
}
