/* `--format svg`: a standalone SVG timeline for any browser.
 *
 * The picture: a title with the plan's numbers; a band showing which loop
 * runs when; one lane per unit instance with a bar per op instance,
 * coloured by category (the palette of timeline.c), each carrying a
 * <title> that browsers show on hover (op, tile, group, cycles, bytes,
 * stage); the lane's utilisation at its right end; an axis in cycles and
 * microseconds with grid lines; a legend.
 *
 * Thousands of ops: bars narrower than a pixel are invisible one by one and
 * bloat the file, so on each lane consecutive such bars less than a pixel
 * apart merge into one bar (class "merged", data-ops="N", and a title
 * saying how many ops and which). Each bar, merged or not, is one <rect>
 * with class "op" or "merged", so its ops are counted exactly once. Names
 * from the model are escaped for XML. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

enum { SVG_W = 1200, LEFT = 120, RIGHT = 70, TOP = 58, BAND_H = 20, LANE_H = 26, BAR_H = 18 };

typedef struct svg {
    const timeline *tl;
    int64_t from, to;
    double px_per_cycle;
    strbuf *out;
} svg;

static void xml_text(strbuf *out, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': sb_puts(out, "&amp;"); break;
        case '<': sb_puts(out, "&lt;"); break;
        case '>': sb_puts(out, "&gt;"); break;
        case '"': sb_puts(out, "&quot;"); break;
        case '\'': sb_puts(out, "&apos;"); break;
        default:
            /* Control characters are not allowed in XML 1.0. */
            sb_putc(out, (unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' ? '?' : *s);
        }
}

static double x_of(const svg *v, int64_t c)
{
    return LEFT + (double)(c - v->from) * v->px_per_cycle;
}

static int lane_y(int lane)
{
    return TOP + BAND_H + 8 + lane * LANE_H;
}

static void inst_title(const svg *v, int64_t i, strbuf *out)
{
    const plan *pl = v->tl->pl;
    const plan_inst *in = &pl->insts[i];
    const prog_group *gr = &pl->p->groups[in->group];
    const prog_op *op = &gr->ops[in->op];
    char lb[96], a[32], b[32], c[32];
    sb_printf(out, "<title>%s", emit_inst_label(pl, in, lb, sizeof lb));
    sb_printf(out, " (%s)\ngroup %d ", pop_kind_name(op->kind), in->group);
    xml_text(out, gr->name);
    sb_printf(out, "\ncycles %s-%s, busy %s", emit_cycles(in->start, a), emit_cycles(in->end, b),
              emit_cycles(in->busy, c));
    int64_t bytes = prog_op_bytes_at(pl->p, in->group, in->op, in->tile);
    if (bytes > 0)
        sb_printf(out, ", %s bytes", emit_cycles(bytes, a));
    if (in->stage >= 0)
        sb_printf(out, ", stage %d", in->stage);
    sb_puts(out, "</title>");
}

/* A run of thin bars: flushed as one bar when it holds several ops. */
typedef struct run {
    int64_t first, last, n; /* plan instances, count */
    int64_t lo, hi;         /* cycles spanned */
    int64_t busy;
    int64_t cat_busy[CAT_COUNT];
} run;

/* A bar thinner than its own pixel, or a merged run with gaps, is drawn
 * translucent by how busy it really is, so a lane of sparse slivers does
 * not look as busy as a full one. */
static void bar(const svg *v, int lane, const run *r, const char *cls, const char *cat)
{
    double x0 = x_of(v, r->lo), w = x_of(v, r->hi) - x0;
    double density = fmin(1.0, (double)r->busy * v->px_per_cycle / fmax(w, 1.0));
    /* A white edge separates neighbours, but only on bars wide enough to
     * keep their colour. */
    sb_printf(v->out, "<rect class=\"%s %s%s\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\"",
              cls, cat, w >= 4 ? " edge" : "", x0, lane_y(lane) + (LANE_H - BAR_H) / 2, fmax(w, 1.0),
              BAR_H);
    if (density < 0.95)
        sb_printf(v->out, " fill-opacity=\"%.2f\"", fmax(0.3, density));
}

static void flush_run(const svg *v, int lane, run *r)
{
    if (!r->n)
        return;
    const plan *pl = v->tl->pl;
    const plan_inst *f = &pl->insts[r->first];
    int top = 0;
    for (int k = 1; k < CAT_COUNT; k++)
        if (r->cat_busy[k] > r->cat_busy[top])
            top = k;
    if (r->n == 1) {
        bar(v, lane, r, "op", cat_looks[op_category(pl->p->groups[f->group].ops[f->op].kind)].name);
        sb_puts(v->out, ">");
        inst_title(v, r->first, v->out);
        sb_puts(v->out, "</rect>\n");
    } else {
        char a[96], b[96], c[32], d[32], e[32];
        bar(v, lane, r, "merged", cat_looks[top].name);
        const plan_inst *l = &pl->insts[r->last];
        sb_printf(v->out, " data-ops=\"%lld\"><title>%lld ops merged (each under a pixel): ",
                  (long long)r->n, (long long)r->n);
        xml_text(v->out, emit_inst_label(pl, f, a, sizeof a));
        sb_puts(v->out, " ... ");
        xml_text(v->out, emit_inst_label(pl, l, b, sizeof b));
        sb_printf(v->out, "\ncycles %s-%s, busy %s", emit_cycles(r->lo, c), emit_cycles(r->hi, d),
                  emit_cycles(r->busy, e));
        for (int k = 0; k < CAT_COUNT; k++)
            if (r->cat_busy[k])
                sb_printf(v->out, "; %s %s", cat_looks[k].name, emit_cycles(r->cat_busy[k], c));
        sb_puts(v->out, "</title></rect>\n");
    }
    r->n = 0;
}

/* The bars of one lane; returns its busy cycles inside the window. */
static int64_t lane_bars(const svg *v, int li)
{
    const plan *pl = v->tl->pl;
    const tl_lane *l = &v->tl->lanes[li];
    run r = {0};
    int64_t busy = 0;
    for (int64_t k = 0; k < l->n; k++) {
        int64_t i = l->insts[k];
        const plan_inst *in = &pl->insts[i];
        int64_t a = max64(in->start, v->from), b = min64(in->start + inst_hold(in), v->to);
        if (a >= b)
            continue;
        busy += max64(0, min64(in->start + in->busy, v->to) - a);
        double x0 = x_of(v, a), x1 = x_of(v, b);
        op_cat cat = op_category(pl->p->groups[in->group].ops[in->op].kind);
        int thin = x1 - x0 < 1.0;
        if (!thin || !r.n || x0 - x_of(v, r.hi) >= 1.0) {
            flush_run(v, li, &r);
            memset(&r, 0, sizeof r);
            r.first = i;
            r.lo = a;
        }
        r.last = i;
        r.hi = max64(r.hi, b);
        r.n++;
        r.busy += b - a;
        r.cat_busy[cat] += b - a;
        if (!thin)
            flush_run(v, li, &r);
    }
    flush_run(v, li, &r);
    return busy;
}

static void style(strbuf *out)
{
    sb_puts(out, "<style>\n"
                 "text { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; font-size: 12px; "
                 "fill: #222; }\n"
                 ".title { font-size: 15px; font-weight: bold; }\n"
                 ".sub { fill: #555; }\n"
                 ".lane { fill: #f4f4f4; }\n"
                 ".grid { stroke: #d0d0d0; stroke-width: 1; }\n"
                 ".axis { stroke: #666; stroke-width: 1; }\n"
                 ".loop { fill: #e2e2e2; stroke: #fff; stroke-width: 1; }\n"
                 ".looptext { font-size: 11px; fill: #444; }\n"
                 "rect.edge { stroke: #fff; stroke-width: 0.5; }\n");
    for (int k = 0; k < CAT_COUNT; k++)
        sb_printf(out, ".%s { fill: %s; }\n", cat_looks[k].name, cat_looks[k].fill);
    sb_puts(out, "</style>\n");
}

static void header(const svg *v, int height)
{
    const plan *pl = v->tl->pl;
    const target *t = pl->p->t;
    strbuf *out = v->out;
    char a[32], b[32];
    sb_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\">\n",
              SVG_W, height, SVG_W, height);
    style(out);
    sb_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", SVG_W, height);
    sb_puts(out, "<text class=\"title\" x=\"12\" y=\"22\">");
    if (pl->p->g->name && pl->p->g->name[0]) {
        xml_text(out, pl->p->g->name);
        sb_puts(out, ": ");
    }
    sb_printf(out, "%s schedule on ", plan_kind_name(pl->kind));
    xml_text(out, t->name);
    sb_puts(out, "</text>\n<text class=\"sub\" x=\"12\" y=\"42\">");
    sb_printf(out, "makespan %s cycles", emit_cycles(pl->stats.makespan, a));
    if (t->clock_mhz > 0)
        sb_printf(out, " (%s us at %g MHz)",
                  us_text((double)pl->stats.makespan / t->clock_mhz, b, sizeof b), t->clock_mhz);
    sb_printf(out, ", %.2fx faster than sequential, %.0f%% of the lower bound %s; %lld op instances",
              pl->stats.speedup, 100.0 * pl->stats.efficiency, emit_cycles(pl->stats.lower_bound, b),
              (long long)pl->ninsts);
    if (v->tl->makespan > 0 && (v->from > 0 || v->to != v->tl->makespan))
        sb_printf(out, "; cycles %s-%s shown", emit_cycles(v->from, a), emit_cycles(v->to, b));
    sb_puts(out, "</text>\n");
}

static void loop_band(const svg *v)
{
    const timeline *tl = v->tl;
    const program *p = tl->pl->p;
    strbuf *out = v->out;
    sb_printf(out, "<text x=\"%d\" y=\"%d\">loops</text>\n", 12, TOP + 14);
    for (int g = 0; g < p->ngroups; g++) {
        int64_t a = max64(tl->group_lo[g], v->from), b = min64(tl->group_hi[g], v->to);
        if (tl->group_lo[g] < 0 || a >= b)
            continue;
        double x0 = x_of(v, a), w = fmax(x_of(v, b) - x0, 1.0);
        char c0[32], c1[32];
        sb_printf(out, "<g><rect class=\"loop\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\">"
                       "<title>group %d ",
                  x0, TOP, w, BAND_H, g);
        xml_text(out, p->groups[g].name);
        sb_printf(out, ": %lld tiles, cycles %s-%s", (long long)p->groups[g].ntiles,
                  emit_cycles(tl->group_lo[g], c0), emit_cycles(tl->group_hi[g], c1));
        if (tl->pl->loops && tl->pl->loops[g].trips > 0)
            sb_printf(out, ", II %lld, SC %lld", (long long)tl->pl->loops[g].ii,
                      (long long)tl->pl->loops[g].stage_count);
        sb_puts(out, "</title></rect>");
        const char *name = group_short_name(p, g);
        if (w > 7.0 * (double)strlen(name) + 6) {
            sb_printf(out, "<text class=\"looptext\" x=\"%.2f\" y=\"%d\">", x0 + 4, TOP + 14);
            xml_text(out, name);
            sb_puts(out, "</text>");
        }
        sb_puts(out, "</g>\n");
    }
}

static void axis(const svg *v, int y0, int y1)
{
    const target *t = v->tl->pl->p->t;
    strbuf *out = v->out;
    int64_t step = nice_step(100.0 / v->px_per_cycle);
    for (int64_t c = ceil_div(v->from, step) * step; c <= v->to; c += step) {
        double x = x_of(v, c);
        char a[32], b[48];
        sb_printf(out, "<line class=\"grid\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\"/>", x, y0, x,
                  y1);
        sb_printf(out, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, y1 + 16,
                  emit_cycles(c, a));
        if (cycles_us(t, c, step, b, sizeof b)[0])
            sb_printf(out, "<text class=\"sub\" x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%s us</text>",
                      x, y1 + 31, b);
        sb_putc(out, '\n');
    }
    sb_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, y1,
              SVG_W - RIGHT, y1);
    sb_printf(out, "<text class=\"sub\" x=\"12\" y=\"%d\">cycles</text>\n", y1 + 16);
}

static void legend(const svg *v, int y)
{
    strbuf *out = v->out;
    int x = LEFT;
    for (int k = 0; k < CAT_COUNT; k++) {
        const char *cls = cat_looks[k].name, *text = cat_looks[k].name;
        sb_printf(out, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"14\" height=\"14\"/>"
                       "<text x=\"%d\" y=\"%d\">%s</text>\n",
                  cls, x, y, x + 19, y + 12, text);
        x += 30 + 8 * (int)strlen(text);
    }
    sb_printf(out, "<text class=\"sub\" x=\"%d\" y=\"%d\">a bar: the cycles an op holds its unit "
                   "(pale: ops under a pixel, merged); hover for details</text>\n",
              x + 10, y + 12);
}

int emit_svg(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e)
{
    timeline tl;
    int rc = timeline_build(pl, &tl, e);
    if (rc)
        return rc;
    svg v = {&tl, 0, 0, 0, out};
    rc = timeline_window(&tl, o, &v.from, &v.to, e);
    if (rc) {
        timeline_free(&tl);
        return rc;
    }
    v.px_per_cycle = (double)(SVG_W - LEFT - RIGHT) / (double)(v.to - v.from);
    int lanes_end = lane_y(tl.nlanes), height = lanes_end + 80;
    header(&v, height);
    loop_band(&v);
    for (int li = 0; li < tl.nlanes; li++)
        sb_printf(out, "<rect class=\"lane\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", LEFT,
                  lane_y(li) + 1, SVG_W - LEFT - RIGHT, LANE_H - 2);
    axis(&v, TOP, lanes_end + 4);
    int64_t *busy = xcalloc((size_t)tl.nlanes + 1, sizeof(int64_t));
    int top = 0;
    for (int li = 0; li < tl.nlanes; li++) {
        sb_printf(out, "<text x=\"12\" y=\"%d\">", lane_y(li) + LANE_H / 2 + 4);
        xml_text(out, tl.lanes[li].name);
        sb_puts(out, "</text>\n");
        int64_t b = lane_bars(&v, li);
        if (busy)
            busy[li] = b;
        if (busy && b > busy[top])
            top = li;
    }
    /* Each lane's busy share; the busiest, the bottleneck, in bold. */
    for (int li = 0; busy && li < tl.nlanes; li++)
        sb_printf(out, "<text x=\"%d\" y=\"%d\"%s>%.1f%%</text>\n", SVG_W - RIGHT + 8,
                  lane_y(li) + LANE_H / 2 + 4, li == top ? " font-weight=\"bold\"" : "",
                  100.0 * (double)busy[li] / (double)(v.to - v.from));
    if (!busy)
        out->failed = 1;
    free(busy);
    legend(&v, lanes_end + 46);
    sb_puts(out, "</svg>\n");
    timeline_free(&tl);
    return out->failed ? err_set(e, NNP_NOMEM, "out of memory writing the SVG") : NNP_OK;
}
