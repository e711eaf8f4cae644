/* `--format summary`: a plan's statistics as readable tables: one row per
 * tile loop (II against its bounds, stages, rotating copies), then the
 * whole program against its bounds, each unit's utilisation, and memory. */
#include <stdio.h>
#include <string.h>

#include "emit.h"

/* Short names for the optimality column; the legend under the table
 * spells them out. */
static const char *optimality_mark(sched_optimality o)
{
    switch (o) {
    case SCHED_OPT_AT_MII:
        return "=MII";
    case SCHED_OPT_PROVEN:
        return "proven";
    default:
        return "open";
    }
}

/* One row per loop, at most 80 columns; why a loop's II was raised, or why
 * it is not known to be optimal, goes on its own line under the row. */
static void loop_rows(const plan *pl, strbuf *out)
{
    const program *p = pl->p;
    sb_printf(out, "%-3s %-18s %5s %6s %6s %6s %2s %-9s %10s %s\n", "#", "loop", "tiles", "II",
              "ResMII", "RecMII", "SC", "copies", "cycles", "opt");
    for (int g = 0; g < pl->nloops; g++) {
        const plan_loop *lp = &pl->loops[g];
        const prog_group *gr = &p->groups[g];
        if (lp->trips == 0)
            continue;
        char copies[64] = "", cyc[32], *c = copies;
        for (int b = 0; b < gr->nbufs && c < copies + sizeof copies - 8; b++)
            c += snprintf(c, (size_t)(copies + sizeof copies - c), "%s%d", b ? "," : "", lp->copies[b]);
        /* A label too long for its column drops its "(Op)" part first. */
        int w = (int)strlen(gr->name);
        const char *op = strstr(gr->name, "' (");
        if (w > 18 && op)
            w = (int)(op - gr->name) + 1;
        sb_printf(out, "%-3d %-18.*s %5lld %6lld %6lld %6lld %2lld %-9.9s %10s %s\n", g,
                  w < 18 ? w : 18, gr->name, (long long)lp->trips, (long long)lp->ii, (long long)lp->res_mii,
                  (long long)lp->rec_mii, (long long)lp->stage_count, copies,
                  emit_cycles(lp->end - lp->start, cyc), optimality_mark(lp->optimality));
        if (lp->why[0])
            sb_printf(out, "    %s\n", lp->why);
    }
    sb_puts(out, "opt: =MII, II met its lower bound; proven, exact search found no smaller II;\n"
                 "     open, not proven optimal\n\n");
}

static void time_str(const target *t, int64_t c, char *buf, size_t len)
{
    char cyc[32];
    if (t->clock_mhz > 0)
        snprintf(buf, len, "%s cycles (%.1f us at %g MHz)", emit_cycles(c, cyc),
                 (double)c / t->clock_mhz, t->clock_mhz);
    else
        snprintf(buf, len, "%s cycles", emit_cycles(c, cyc));
}

static void program_rows(const plan *pl, strbuf *out)
{
    const plan_stats *s = &pl->stats;
    const target *t = pl->p->t;
    char a[96], b[32], c[32];
    time_str(t, s->makespan, a, sizeof a);
    sb_printf(out, "makespan        %s\n", a);
    sb_printf(out, "sequential      %s cycles  (speedup %.2fx)\n", emit_cycles(s->sequential, b),
              s->speedup);
    sb_printf(out, "lower bound     %s cycles  (efficiency %.1f%%)\n",
              emit_cycles(s->lower_bound, b), 100.0 * s->efficiency);
    sb_printf(out, "  critical path %s, busiest unit %s\n", emit_cycles(s->critical_path, b),
              emit_cycles(s->unit_bound, c));
    sb_printf(out, "roofline        %s cycles  (MACs at peak rate vs minimum DMA bytes)\n",
              emit_cycles(s->roofline_bound, b));
    sb_printf(out, "scheduler time  %.3f s\n\n", pl->seconds);
}

static void unit_rows(const plan *pl, strbuf *out)
{
    const target *t = pl->p->t;
    sb_printf(out, "%-10s %-7s %9s %14s  %s\n", "unit", "kind", "instances", "busy cycles",
              "utilization");
    for (int k = 0; k < t->nunits; k++) {
        char b[32], bar[21];
        double u = pl->stats.utilization[k];
        int n = (int)(u * 20 + 0.5);
        for (int i = 0; i < 20; i++)
            bar[i] = i < n ? '#' : '.';
        bar[20] = 0;
        sb_printf(out, "%-10.10s %-7s %9d %14s  %5.1f%% %s\n", t->units[k].name,
                  unit_kind_name(t->units[k].kind), t->units[k].count,
                  emit_cycles(pl->stats.unit_busy[k], b), 100.0 * u, bar);
    }
    sb_printf(out, "\n%-10s %14s %14s  %s\n", "memory", "peak bytes", "capacity", "used");
    for (int q = 0; q < POOL_COUNT; q++)
        if (target_pool(t, (mem_pool)q) == (mem_pool)q &&
            (q != POOL_UNIFIED || !t->separate)) {
            char b[32], c[32];
            int64_t cap = target_capacity(t, (mem_pool)q);
            sb_printf(out, "%-10s %14s %14s  %5.1f%%\n", mem_pool_name((mem_pool)q),
                      emit_cycles(pl->stats.peak[q], b), emit_cycles(cap, c),
                      cap > 0 ? 100.0 * (double)pl->stats.peak[q] / (double)cap : 0.0);
        }
}

int emit_summary(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e)
{
    const program *p = pl->p;
    sb_printf(out, "%s schedule on target %s: %d groups, %lld op instances\n\n",
              plan_kind_name(pl->kind), p->t->name, p->ngroups, (long long)pl->ninsts);
    if (pl->loops)
        loop_rows(pl, out);
    program_rows(pl, out);
    unit_rows(pl, out);
    if (o && o->verified)
        sb_puts(out, "verified: every dependence, unit and memory pool checked\n");
    if (out->failed)
        return err_set(e, NNP_NOMEM, "out of memory writing the summary");
    return NNP_OK;
}
