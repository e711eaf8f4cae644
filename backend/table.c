/* `--format table`: the classic modulo-scheduling views of each tile loop,
 * for a terminal of 80 columns.
 *
 * For every loop of a modulo plan:
 *  - the modulo reservation table: rows are cycles mod II, columns the unit
 *    instances the kernel uses, and a cell names the op holding that
 *    instance in that row: "conv[1]" in the row where conv starts (in stage
 *    1), "(conv)" in the rows it still holds. An op at offset t with
 *    occupancy c holds rows (t + k) mod II for k < c. When II is large
 *    (more than MAX_FULL_ROWS rows), only rows where something starts,
 *    ends or has just started are kept; rows in between are identical and
 *    collapse into a range "19-25";
 *  - the stage diagram: kernel iteration i runs stage s of tile i - s, so
 *    the first SC-1 slots fill the pipeline (prologue) and the last SC-1
 *    drain it (epilogue);
 *  - the loop's statistics: II against ResMII (and the unit setting it),
 *    RecMII and MII, whether II is optimal and why not, stages, trips,
 *    cycles, rotating copies and the working set.
 * List and sequential plans have no reservation table (nothing repeats
 * every II cycles); for them the table is busy cycles per group and unit
 * instance, with utilisation and each lane's longest idle gap.
 *
 * Tables wider than 80 columns are cut into column blocks, each repeating
 * the row labels. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

enum { PAGE_W = 80, CELL_MAX_W = 22, MAX_FULL_ROWS = 24, DIAGRAM_FULL_ROWS = 10 };

/* ---- a grid of text cells printed in blocks that fit PAGE_W ---- */

typedef struct grid {
    int nrows, ncols; /* nrows may shrink below what grid_init allocated */
    int ncells;
    char **cell; /* nrows * ncols; NULL prints as "" */
    int *right;  /* per column: right-aligned */
    int failed;
} grid;

static int grid_init(grid *g, int nrows, int ncols)
{
    memset(g, 0, sizeof *g);
    g->nrows = nrows;
    g->ncols = ncols;
    g->ncells = nrows * ncols;
    g->cell = xcalloc((size_t)nrows * (size_t)ncols + 1, sizeof(char *));
    g->right = xcalloc((size_t)ncols + 1, sizeof(int));
    return g->cell && g->right ? 0 : -1;
}

static void grid_free(grid *g)
{
    for (int k = 0; g->cell && k < g->ncells; k++)
        free(g->cell[k]);
    free(g->cell);
    free(g->right);
}

static void grid_set(grid *g, int r, int c, const char *fmt, ...) NNP_PRINTF(4, 5);
static void grid_set(grid *g, int r, int c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **slot = &g->cell[r * g->ncols + c];
    free(*slot);
    *slot = xstrdup(buf);
    if (!*slot)
        g->failed = 1;
}

static const char *grid_get(const grid *g, int r, int c)
{
    const char *s = g->cell[r * g->ncols + c];
    return s ? s : "";
}

static int grid_width(const grid *g, int c)
{
    int w = 0;
    for (int r = 0; r < g->nrows; r++)
        w = (int)max64(w, (int64_t)strlen(grid_get(g, r, c)));
    return w > CELL_MAX_W && c > 0 ? CELL_MAX_W : w;
}

/* Prints the grid with column 0 repeated in every block of columns; rows
 * listed in `rule_after` (or -1) get a rule of dashes below them. */
static void grid_print(const grid *g, int rule_after, const char *indent, strbuf *out)
{
    int w0 = grid_width(g, 0), avail = PAGE_W - (int)strlen(indent) - w0;
    for (int c0 = 1; c0 < g->ncols;) {
        int c1 = c0, used = 0;
        while (c1 < g->ncols && (c1 == c0 || used + 2 + grid_width(g, c1) <= avail))
            used += 2 + grid_width(g, c1++);
        if (c0 > 1)
            sb_putc(out, '\n');
        for (int r = 0; r < g->nrows; r++) {
            strbuf ln = {0};
            sb_printf(&ln, "%s%-*s", indent, w0, grid_get(g, r, 0));
            for (int c = c0; c < c1; c++) {
                int w = grid_width(g, c);
                sb_printf(&ln, g->right[c] ? "  %*.*s" : "  %-*.*s", w, w, grid_get(g, r, c));
            }
            int line = (int)ln.len;
            while (ln.len && ln.s[ln.len - 1] == ' ')
                ln.s[--ln.len] = 0;
            sb_puts(out, ln.s ? ln.s : "");
            sb_putc(out, '\n');
            out->failed |= ln.failed;
            sb_free(&ln);
            if (r == rule_after) {
                sb_puts(out, indent);
                for (int k = (int)strlen(indent); k < line; k++)
                    sb_putc(out, '-');
                sb_putc(out, '\n');
            }
        }
        c0 = c1;
    }
    if (g->failed)
        out->failed = 1;
}

/* ---- text that wraps at PAGE_W ---- */

typedef struct para {
    strbuf *out;
    int col, indent;
} para;

static void para_start(para *p, strbuf *out, const char *head, int indent)
{
    p->out = out;
    p->indent = indent;
    p->col = (int)strlen(head);
    sb_puts(out, head);
}

/* Appends sep and word; when the line would pass PAGE_W, sep's punctuation
 * ends the line and the word starts the next, at the indent. */
static void para_word(para *p, const char *sep, const char *word)
{
    int len = (int)(strlen(sep) + strlen(word));
    if (p->col + len > PAGE_W && p->col > p->indent) {
        for (; *sep && *sep != ' '; sep++)
            sb_putc(p->out, *sep);
        sb_printf(p->out, "\n%*s", p->indent, "");
        p->col = p->indent;
        sep = "";
    }
    sb_printf(p->out, "%s%s", sep, word);
    p->col += (int)(strlen(sep) + strlen(word));
}

/* Words of text separated by single spaces. */
static void para_text(para *p, const char *text)
{
    char word[256];
    while (*text) {
        while (*text == ' ')
            text++;
        int n = 0;
        while (text[n] && text[n] != ' ' && n < (int)sizeof word - 1)
            n++;
        if (!n)
            break;
        snprintf(word, sizeof word, "%.*s", n, text);
        para_word(p, " ", word);
        text += n;
    }
}

/* ---- the modulo reservation table ---- */

/* What the table needs of one loop: its kernel ops, each one's lane,
 * start row, stage and rows held. */
typedef struct mrt {
    const plan *pl;
    const timeline *tl;
    int g;
    int64_t ii;
    int *lane;      /* per body op: its lane, -1 outside the kernel */
    int64_t *occ;   /* per body op: rows held */
    int *col_lane;  /* columns: the lanes the kernel uses */
    int ncols;
} mrt;

/* The lane of op o of group g: the unit instance its instances run on (a
 * kernel op keeps one instance in every iteration). */
static int op_lane(const timeline *tl, int g, int o)
{
    const plan *pl = tl->pl;
    for (int64_t i = 0; i < pl->ninsts; i++)
        if (pl->insts[i].group == g && pl->insts[i].op == o)
            return timeline_lane_of(tl, &pl->insts[i]);
    return tl->first_lane[pl->p->groups[g].ops[o].unit];
}

static int mrt_init(mrt *m, const timeline *tl, int g)
{
    const prog_group *gr = &tl->pl->p->groups[g];
    const plan_loop *lp = &tl->pl->loops[g];
    memset(m, 0, sizeof *m);
    m->pl = tl->pl;
    m->tl = tl;
    m->g = g;
    m->ii = lp->ii;
    m->lane = xcalloc((size_t)gr->nops + 1, sizeof(int));
    m->occ = xcalloc((size_t)gr->nops + 1, sizeof(int64_t));
    m->col_lane = xcalloc((size_t)tl->nlanes + 1, sizeof(int));
    if (!m->lane || !m->occ || !m->col_lane)
        return -1;
    int *used = xcalloc((size_t)tl->nlanes + 1, sizeof(int));
    if (!used)
        return -1;
    for (int o = 0; o < gr->nops; o++) {
        m->lane[o] = lp->in_loop[o] ? op_lane(tl, g, o) : -1;
        /* The loop problem's occupancy: the worst case over tiles, and a
         * zero-cycle op still takes its row (the unit's blocking, 1). */
        m->occ[o] = min64(max64(gr->ops[o].busy, 1), m->ii);
        if (m->lane[o] >= 0)
            used[m->lane[o]] = 1;
    }
    for (int l = 0; l < tl->nlanes; l++)
        if (used[l])
            m->col_lane[m->ncols++] = l;
    free(used);
    return 0;
}

static void mrt_free(mrt *m)
{
    free(m->lane);
    free(m->occ);
    free(m->col_lane);
}

static int64_t start_row(const mrt *m, int o)
{
    return m->pl->loops[m->g].offset[o] % m->ii;
}

static int64_t stage_of(const mrt *m, int o)
{
    return m->pl->loops[m->g].offset[o] / m->ii;
}

/* The op of lane l holding row r, or -1. */
static int holder(const mrt *m, int l, int64_t r)
{
    const prog_group *gr = &m->pl->p->groups[m->g];
    for (int o = 0; o < gr->nops; o++)
        if (m->lane[o] == l && ((r - start_row(m, o)) % m->ii + m->ii) % m->ii < m->occ[o])
            return o;
    return -1;
}

static void mrt_cell(const mrt *m, int l, int64_t r, char *buf, size_t len)
{
    const prog_group *gr = &m->pl->p->groups[m->g];
    int o = holder(m, l, r);
    if (o < 0)
        buf[0] = 0;
    else if (start_row(m, o) == r)
        snprintf(buf, len, "%s[%lld]", gr->ops[o].name, (long long)stage_of(m, o));
    else
        snprintf(buf, len, "(%s)", gr->ops[o].name);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Rows where a cell may change: 0, and each op's start, the row after it
 * (where "op[s]" becomes "(op)") and its end. Every row when II is small. */
static int64_t *break_rows(const mrt *m, int64_t *n)
{
    const prog_group *gr = &m->pl->p->groups[m->g];
    int64_t cap = m->ii <= MAX_FULL_ROWS ? m->ii : 3 * (int64_t)gr->nops + 1;
    int64_t *b = xcalloc((size_t)cap + 1, sizeof(int64_t)), k = 0;
    if (!b)
        return NULL;
    if (m->ii <= MAX_FULL_ROWS) {
        for (; k < m->ii; k++)
            b[k] = k;
    } else {
        b[k++] = 0;
        for (int o = 0; o < gr->nops; o++)
            if (m->lane[o] >= 0) {
                b[k++] = start_row(m, o);
                b[k++] = (start_row(m, o) + 1) % m->ii;
                b[k++] = (start_row(m, o) + m->occ[o]) % m->ii;
            }
        qsort(b, (size_t)k, sizeof *b, cmp_i64);
        int64_t u = 0;
        for (int64_t i = 0; i < k; i++)
            if (!u || b[i] != b[u - 1])
                b[u++] = b[i];
        k = u;
    }
    *n = k;
    return b;
}

/* Rows a and b show the same cells in every column. */
static int same_cells(const mrt *m, int64_t a, int64_t b)
{
    char x[96], y[96];
    for (int c = 0; c < m->ncols; c++) {
        mrt_cell(m, m->col_lane[c], a, x, sizeof x);
        mrt_cell(m, m->col_lane[c], b, y, sizeof y);
        if (strcmp(x, y))
            return 0;
    }
    return 1;
}

static void row_label(grid *gd, int row, int64_t lo, int64_t hi)
{
    if (lo == hi)
        grid_set(gd, row, 0, "%lld", (long long)lo);
    else
        grid_set(gd, row, 0, "%lld-%lld", (long long)lo, (long long)hi);
}

/* Every row when II is small; otherwise rows between break rows are alike
 * and consecutive ranges showing the same cells merge into one ("19-25").
 * A footer gives each column's rows held. */
static int mrt_grid(const mrt *m, grid *gd)
{
    int64_t nb;
    int64_t *b = break_rows(m, &nb);
    if (!b || grid_init(gd, (int)nb + 3, m->ncols + 1)) {
        free(b);
        return -1;
    }
    grid_set(gd, 0, 0, "cycle");
    for (int c = 0; c < m->ncols; c++)
        grid_set(gd, 0, c + 1, "%s", m->tl->lanes[m->col_lane[c]].name);
    int row = 0;
    int64_t open = 0; /* first row of the range being written */
    char cell[96];
    for (int64_t k = 0; k < nb; k++) {
        int64_t lo = b[k], hi = k + 1 < nb ? b[k + 1] - 1 : m->ii - 1;
        if (row > 0 && m->ii > MAX_FULL_ROWS && same_cells(m, open, lo)) {
            row_label(gd, row, open, hi);
            continue;
        }
        open = lo;
        row_label(gd, ++row, lo, hi);
        for (int c = 0; c < m->ncols; c++) {
            mrt_cell(m, m->col_lane[c], lo, cell, sizeof cell);
            grid_set(gd, row, c + 1, "%s", cell);
        }
    }
    free(b);
    const prog_group *gr = &m->pl->p->groups[m->g];
    grid_set(gd, ++row, 0, "busy");
    for (int c = 0; c < m->ncols; c++) {
        int64_t rows = 0;
        for (int o = 0; o < gr->nops; o++)
            if (m->lane[o] == m->col_lane[c])
                rows += m->occ[o];
        grid_set(gd, row, c + 1, "%lld/%lld", (long long)rows, (long long)m->ii);
    }
    gd->nrows = row + 1;
    return 0;
}

/* ---- stage diagram ---- */

/* Ops of each stage by offset, then which tile each stage runs per slot. */
static void stage_lists(const mrt *m, strbuf *out)
{
    const prog_group *gr = &m->pl->p->groups[m->g];
    const plan_loop *lp = &m->pl->loops[m->g];
    for (int64_t s = 0; s < lp->stage_count; s++) {
        char head[96];
        snprintf(head, sizeof head, "  stage %lld, cycles %lld-%lld of a tile:", (long long)s,
                 (long long)(s * m->ii), (long long)((s + 1) * m->ii - 1));
        para pa;
        para_start(&pa, out, head, 4);
        /* The stage's ops by offset: insertion sort, loops have few ops. */
        int idx[64], n = 0;
        for (int o = 0; o < gr->nops && n < 64; o++) {
            if (m->lane[o] < 0 || lp->offset[o] / m->ii != s)
                continue;
            int k = n++;
            for (; k > 0 && lp->offset[idx[k - 1]] > lp->offset[o]; k--)
                idx[k] = idx[k - 1];
            idx[k] = o;
        }
        for (int k = 0; k < n; k++)
            para_word(&pa, " ", gr->ops[idx[k]].name);
        sb_puts(out, n ? "\n" : " (nothing starts)\n");
    }
}

static const char *slot_phase(int64_t k, int64_t trips, int64_t sc)
{
    int filling = k < sc - 1, draining = k >= trips;
    if (filling && draining)
        return "fill+drain";
    return filling ? "prologue" : draining ? "epilogue" : "kernel";
}

static int diagram_grid(const mrt *m, grid *gd)
{
    const plan_loop *lp = &m->pl->loops[m->g];
    int64_t sc = lp->stage_count, trips = lp->trips, slots = trips + sc - 1;
    /* Slots shown: all, or the prologue, two kernel slots, the last kernel
     * slot and the epilogue with "..." between. */
    int64_t keep[64];
    int n = 0;
    for (int64_t k = 0; k < slots && n < 60; k++) {
        int show = slots <= DIAGRAM_FULL_ROWS || k <= sc || k >= slots - sc;
        if (show)
            keep[n++] = k;
        else if (n && keep[n - 1] >= 0)
            keep[n++] = -1;
    }
    if (grid_init(gd, n + 1, (int)min64(sc, 40) + 2))
        return -1;
    grid_set(gd, 0, 0, "slot");
    for (int64_t s = 0; s < sc && s < 40; s++)
        grid_set(gd, 0, (int)s + 1, "stage %lld", (long long)s);
    for (int r = 0; r < n; r++) {
        int64_t k = keep[r];
        if (k < 0) {
            grid_set(gd, r + 1, 0, "...");
            continue;
        }
        grid_set(gd, r + 1, 0, "%lld", (long long)k);
        for (int64_t s = 0; s < sc && s < 40; s++) {
            int64_t t = k - s;
            if (t >= 0 && t < trips)
                grid_set(gd, r + 1, (int)s + 1, "tile %lld", (long long)t);
            else
                grid_set(gd, r + 1, (int)s + 1, "-");
        }
        grid_set(gd, r + 1, gd->ncols - 1, "%s", slot_phase(k, trips, sc));
    }
    return 0;
}

/* ---- statistics ---- */

/* The unit setting ResMII: the most kernel occupancy per instance. */
static int res_unit(const mrt *m, int64_t *per_inst)
{
    const program *p = m->pl->p;
    const prog_group *gr = &p->groups[m->g];
    int best = -1;
    *per_inst = 0;
    for (int u = 0; u < p->t->nunits; u++) {
        int64_t sum = 0;
        for (int o = 0; o < gr->nops; o++)
            if (m->lane[o] >= 0 && gr->ops[o].unit == u)
                sum += m->occ[o];
        int64_t v = ceil_div(sum, p->t->units[u].count);
        if (v > *per_inst) {
            *per_inst = v;
            best = u;
        }
    }
    return best;
}

static void loop_stats(const mrt *m, strbuf *out)
{
    const program *p = m->pl->p;
    const prog_group *gr = &p->groups[m->g];
    const plan_loop *lp = &m->pl->loops[m->g];
    char a[32], b[32], c[32];
    int64_t per;
    int u = res_unit(m, &per);
    sb_printf(out, "  II      %lld %s MII %lld: %s\n", (long long)lp->ii,
              lp->ii == lp->mii ? "=" : ">", (long long)lp->mii,
              sched_optimality_name(lp->optimality));
    if (u >= 0)
        sb_printf(out, "  ResMII  %lld: %s holds %lld cycles per tile on %d instance%s\n",
                  (long long)lp->res_mii, p->t->units[u].name, (long long)per,
                  p->t->units[u].count, p->t->units[u].count == 1 ? "" : "s");
    sb_printf(out, "  RecMII  %lld%s\n", (long long)lp->rec_mii,
              lp->rec_mii ? "" : " (no recurrence bounds II)");
    if (lp->ii_unbounded != lp->ii)
        sb_printf(out, "  with unlimited buffers II would be %lld\n", (long long)lp->ii_unbounded);
    sb_printf(out, "  SC      %lld; one tile spans %s cycles\n", (long long)lp->stage_count,
              emit_cycles(lp->length, a));
    sb_printf(out, "  trips   %lld tile%s, cycles %s-%s (%s)%s\n", (long long)lp->trips,
              lp->trips == 1 ? "" : "s", emit_cycles(lp->start, a), emit_cycles(lp->end, b),
              emit_cycles(lp->end - lp->start, c),
              lp->trips == 1 ? ": nothing to overlap" : "");
    para pa;
    para_start(&pa, out, "  copies  ", 10);
    for (int k = 0; k < gr->nbufs; k++) {
        char item[64];
        snprintf(item, sizeof item, "%s %d", gr->bufs[k].name, lp->copies[k]);
        para_word(&pa, k ? ", " : "", item);
    }
    sb_putc(out, '\n');
    const char *head = "  memory  ";
    for (int q = 0; q < POOL_COUNT; q++)
        if (lp->working_set[q] > 0) {
            sb_printf(out, "%s%s %s of %s bytes\n", head, mem_pool_name((mem_pool)q),
                      emit_cycles(lp->working_set[q], a),
                      emit_cycles(target_capacity(p->t, (mem_pool)q), b));
            head = "          ";
        }
    para_start(&pa, out, "  why    ", 10);
    para_text(&pa, lp->why[0] ? lp->why : "-");
    sb_putc(out, '\n');
}

static void outside_ops(const mrt *m, strbuf *out)
{
    const program *p = m->pl->p;
    const prog_group *gr = &p->groups[m->g];
    int any = 0;
    for (int o = 0; o < gr->nops; o++) {
        if (m->lane[o] >= 0)
            continue;
        if (!any)
            sb_puts(out, "\n  outside the kernel (once per run of tiles that reuses the data):\n");
        any = 1;
        sb_printf(out, "    %s on %s, %lld cycles, every %lld tiles\n", gr->ops[o].name,
                  p->t->units[gr->ops[o].unit].name, (long long)gr->ops[o].cycles,
                  (long long)gr->ops[o].period);
    }
}

static int loop_section(const timeline *tl, int g, strbuf *out)
{
    const plan_loop *lp = &tl->pl->loops[g];
    const prog_group *gr = &tl->pl->p->groups[g];
    mrt m;
    grid gd = {0}, dg = {0};
    int rc = mrt_init(&m, tl, g);
    if (!rc)
        rc = mrt_grid(&m, &gd);
    if (!rc)
        rc = diagram_grid(&m, &dg);
    if (!rc) {
        sb_printf(out, "loop %d %s: %lld tile%s, II %lld, SC %lld\n\n", g, gr->name,
                  (long long)lp->trips, lp->trips == 1 ? "" : "s", (long long)lp->ii,
                  (long long)lp->stage_count);
        sb_printf(out, "  reservation table: row = cycle mod II; op[s] starts there in stage s,\n"
                       "  (op) still holds the unit%s\n\n",
                  m.ii > MAX_FULL_ROWS ? "; a-b = rows a to b alike" : "");
        grid_print(&gd, 0, "  ", out);
        outside_ops(&m, out);
        sb_puts(out, "\n  stages: kernel slot i runs stage s of tile i - s\n");
        stage_lists(&m, out);
        sb_putc(out, '\n');
        grid_print(&dg, 0, "  ", out);
        sb_putc(out, '\n');
        loop_stats(&m, out);
        sb_putc(out, '\n');
    }
    grid_free(&gd);
    grid_free(&dg);
    mrt_free(&m);
    return rc;
}

/* ---- list and sequential plans: busy cycles per group and lane ---- */

/* The longest stretch of a lane with nothing on it, within [0, makespan). */
static int64_t longest_idle(const timeline *tl, const tl_lane *l, int64_t *at)
{
    int64_t t = 0, best = 0;
    *at = 0;
    for (int64_t k = 0; k < l->n; k++) {
        const plan_inst *in = &tl->pl->insts[l->insts[k]];
        if (in->start - t > best) {
            best = in->start - t;
            *at = t;
        }
        t = max64(t, in->start + in->busy);
    }
    if (tl->makespan - t > best) {
        best = tl->makespan - t;
        *at = t;
    }
    return best;
}

static int busy_grid(const timeline *tl, grid *gd)
{
    const plan *pl = tl->pl;
    const program *p = pl->p;
    int rows = 0;
    for (int g = 0; g < p->ngroups; g++)
        rows += tl->group_lo[g] >= 0;
    if (grid_init(gd, rows + 5, tl->nlanes + 1))
        return -1;
    int64_t *busy = xcalloc((size_t)p->ngroups * (size_t)tl->nlanes + 1, sizeof(int64_t));
    if (!busy)
        return -1;
    for (int64_t i = 0; i < pl->ninsts; i++)
        busy[pl->insts[i].group * tl->nlanes + timeline_lane_of(tl, &pl->insts[i])] +=
            pl->insts[i].busy;
    char a[32], b[32];
    grid_set(gd, 0, 0, "group");
    for (int l = 0; l < tl->nlanes; l++) {
        grid_set(gd, 0, l + 1, "%s", tl->lanes[l].name);
        gd->right[l + 1] = 1;
    }
    int r = 1;
    for (int g = 0; g < p->ngroups; g++) {
        if (tl->group_lo[g] < 0)
            continue;
        grid_set(gd, r, 0, "%d %.20s", g, group_short_name(p, g));
        for (int l = 0; l < tl->nlanes; l++)
            grid_set(gd, r, l + 1, "%s", emit_cycles(busy[g * tl->nlanes + l], a));
        r++;
    }
    grid_set(gd, r, 0, "busy");
    grid_set(gd, r + 1, 0, "utilisation");
    grid_set(gd, r + 2, 0, "longest idle");
    grid_set(gd, r + 3, 0, "  from cycle");
    for (int l = 0; l < tl->nlanes; l++) {
        int64_t sum = 0, at;
        for (int g = 0; g < p->ngroups; g++)
            sum += busy[g * tl->nlanes + l];
        grid_set(gd, r, l + 1, "%s", emit_cycles(sum, a));
        grid_set(gd, r + 1, l + 1, "%.1f%%",
                 tl->makespan ? 100.0 * (double)sum / (double)tl->makespan : 0.0);
        int64_t idle = longest_idle(tl, &tl->lanes[l], &at);
        grid_set(gd, r + 2, l + 1, "%s", emit_cycles(idle, a));
        grid_set(gd, r + 3, l + 1, "%s", emit_cycles(at, b));
    }
    free(busy);
    return 0;
}

static int busy_section(const timeline *tl, strbuf *out)
{
    char a[32];
    sb_printf(out, "%s schedule on %s: reservation tables belong to modulo plans (nothing\n"
                   "repeats every II cycles here; try --scheduler modulo). Busy cycles per group\n"
                   "and unit instance instead; makespan %s cycles.\n\n",
              plan_kind_name(tl->pl->kind), tl->pl->p->t->name, emit_cycles(tl->makespan, a));
    grid gd;
    if (busy_grid(tl, &gd)) {
        grid_free(&gd);
        return -1;
    }
    grid_print(&gd, 0, "", out);
    grid_free(&gd);
    return 0;
}

int emit_table(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e)
{
    (void)o;
    timeline tl;
    int rc = timeline_build(pl, &tl, e);
    if (rc)
        return rc;
    int fail = 0;
    if (pl->kind != PLAN_MODULO || !pl->loops) {
        fail = busy_section(&tl, out);
    } else {
        sb_printf(out, "modulo schedule on %s: %d group%s\n\n", pl->p->t->name, pl->p->ngroups,
                  pl->p->ngroups == 1 ? "" : "s");
        int shown = 0;
        for (int g = 0; g < pl->nloops && !fail; g++)
            if (pl->loops[g].trips > 0 && pl->loops[g].ii > 0) {
                fail = loop_section(&tl, g, out);
                shown++;
            }
        if (!shown)
            sb_puts(out, "no tile loops: every group only renames its input (Reshape, Identity, "
                         "...)\n");
    }
    timeline_free(&tl);
    if (fail || out->failed)
        return err_set(e, NNP_NOMEM, "out of memory writing the reservation tables");
    return NNP_OK;
}
