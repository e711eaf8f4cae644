/* Lanes, categories, windows and ticks for the timeline views; see
 * timeline.h. The colours are one palette for every view, so the terminal,
 * the SVG and the README picture agree: loads blue, compute orange/yellow,
 * pooling purple, stores green. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

const cat_look cat_looks[CAT_COUNT] = {
    [CAT_LOAD] = {"load", '=', "44;97", "104;30", "34", "#4c78a8", "#a6c4e2"},
    [CAT_COMPUTE] = {"compute", '#', "43;30", "103;30", "33", "#f58518", "#fcc28c"},
    [CAT_POOL] = {"pool", '%', "45;97", "105;30", "35", "#b279a2", "#dcbdd3"},
    [CAT_STORE] = {"store", '~', "42;30", "102;30", "32", "#54a24b", "#a8d8a2"},
};

op_cat op_category(pop_kind k)
{
    switch (k) {
    case POP_COMPUTE:
        return CAT_COMPUTE;
    case POP_POOL:
        return CAT_POOL;
    case POP_STORE:
        return CAT_STORE;
    default:
        return CAT_LOAD;
    }
}

int64_t inst_hold(const plan_inst *in)
{
    return in->busy > 0 ? in->busy : 1;
}

int timeline_lane_of(const timeline *tl, const plan_inst *in)
{
    return tl->first_lane[in->unit] + in->instance;
}

/* qsort context: instances compared by lane, then start, then index. */
static const timeline *sort_tl;

static int by_lane_start(const void *a, const void *b)
{
    int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
    const plan_inst *x = &sort_tl->pl->insts[i], *y = &sort_tl->pl->insts[j];
    int lx = timeline_lane_of(sort_tl, x), ly = timeline_lane_of(sort_tl, y);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (i > j) - (i < j);
}

static int make_lanes(const plan *pl, timeline *tl)
{
    const target *t = pl->p->t;
    tl->first_lane = xcalloc((size_t)t->nunits + 1, sizeof(int));
    if (!tl->first_lane)
        return -1;
    for (int k = 0; k < t->nunits; k++)
        tl->first_lane[k + 1] = tl->first_lane[k] + t->units[k].count;
    tl->nlanes = tl->first_lane[t->nunits];
    tl->lanes = xcalloc((size_t)tl->nlanes + 1, sizeof(tl_lane));
    if (!tl->lanes)
        return -1;
    for (int k = 0; k < t->nunits; k++)
        for (int i = 0; i < t->units[k].count; i++) {
            tl_lane *l = &tl->lanes[tl->first_lane[k] + i];
            l->unit = k;
            l->instance = i;
            if (t->units[k].count == 1)
                snprintf(l->name, sizeof l->name, "%.40s", t->units[k].name);
            else
                snprintf(l->name, sizeof l->name, "%.36s.%d", t->units[k].name, i);
        }
    return 0;
}

/* Sorts every instance by lane and start, then points each lane at its run. */
static int fill_lanes(const plan *pl, timeline *tl)
{
    tl->pool = xcalloc((size_t)pl->ninsts + 1, sizeof(int64_t));
    if (!tl->pool)
        return -1;
    for (int64_t i = 0; i < pl->ninsts; i++)
        tl->pool[i] = i;
    sort_tl = tl;
    qsort(tl->pool, (size_t)pl->ninsts, sizeof(int64_t), by_lane_start);
    sort_tl = NULL;
    for (int64_t k = 0; k < pl->ninsts; k++) {
        tl_lane *l = &tl->lanes[timeline_lane_of(tl, &pl->insts[tl->pool[k]])];
        if (!l->n)
            l->insts = &tl->pool[k];
        l->n++;
    }
    return 0;
}

static int group_spans(const plan *pl, timeline *tl)
{
    int ng = pl->p->ngroups;
    tl->group_lo = xcalloc((size_t)ng + 1, sizeof(int64_t));
    tl->group_hi = xcalloc((size_t)ng + 1, sizeof(int64_t));
    if (!tl->group_lo || !tl->group_hi)
        return -1;
    for (int g = 0; g < ng; g++)
        tl->group_lo[g] = tl->group_hi[g] = -1;
    for (int64_t i = 0; i < pl->ninsts; i++) {
        const plan_inst *in = &pl->insts[i];
        int64_t end = max64(in->end, in->start + inst_hold(in));
        if (tl->group_lo[in->group] < 0 || in->start < tl->group_lo[in->group])
            tl->group_lo[in->group] = in->start;
        tl->group_hi[in->group] = max64(tl->group_hi[in->group], end);
        tl->makespan = max64(tl->makespan, end);
    }
    return 0;
}

int timeline_build(const plan *pl, timeline *tl, nnp_err *e)
{
    memset(tl, 0, sizeof *tl);
    tl->pl = pl;
    for (int64_t i = 0; i < pl->ninsts; i++) {
        const plan_inst *in = &pl->insts[i];
        if (in->unit < 0 || in->unit >= pl->p->t->nunits || in->instance < 0 ||
            in->instance >= pl->p->t->units[in->unit].count)
            return err_set(e, NNP_INTERNAL, "plan instance %lld: unit %d instance %d out of range",
                           (long long)i, in->unit, in->instance);
    }
    if (make_lanes(pl, tl) || fill_lanes(pl, tl) || group_spans(pl, tl)) {
        timeline_free(tl);
        return err_set(e, NNP_NOMEM, "out of memory laying out the timeline");
    }
    return NNP_OK;
}

void timeline_free(timeline *tl)
{
    if (!tl)
        return;
    free(tl->lanes);
    free(tl->first_lane);
    free(tl->pool);
    free(tl->group_lo);
    free(tl->group_hi);
    memset(tl, 0, sizeof *tl);
}

int timeline_window(const timeline *tl, const emit_options *o, int64_t *from, int64_t *to,
                    nnp_err *e)
{
    *from = o ? o->from : 0;
    /* A plan with nothing to run still gets a (blank) one-cycle chart. */
    *to = o && o->to > 0 ? o->to : max64(tl->makespan, 1);
    if (*to <= *from) {
        if (o && o->to > 0)
            return err_set(e, NNP_MISUSE, "empty cycle window: --from %lld is not below --to %lld",
                           (long long)*from, (long long)*to);
        return err_set(e, NNP_MISUSE,
                       "empty cycle window: --from %lld is not below the makespan %lld",
                       (long long)*from, (long long)*to);
    }
    return NNP_OK;
}

int64_t nice_step(double min_step)
{
    int64_t p = 1;
    for (;;) {
        static const int mult[] = {1, 2, 5};
        for (int k = 0; k < 3; k++)
            if ((double)(p * mult[k]) >= min_step)
                return p * mult[k];
        if (p > INT64_MAX / 100)
            return p * 10;
        p *= 10;
    }
}

const char *group_short_name(const program *p, int g)
{
    const prog_group *gr = &p->groups[g];
    if (gr->anchor >= 0 && (size_t)gr->anchor < p->g->nnodes && p->g->nodes[gr->anchor].name[0])
        return p->g->nodes[gr->anchor].name;
    return gr->name;
}

const char *us_text(double us, char *buf, size_t len)
{
    char tmp[32];
    if (us == 0)
        snprintf(buf, len, "0");
    else if (fabs(us) >= 1000 && fabs(us) < 9e15)
        snprintf(buf, len, "%s", emit_cycles(llround(us), tmp));
    else
        snprintf(buf, len, "%.*f", fabs(us) < 10 ? 2 : 1, us);
    return buf;
}

const char *cycles_us(const target *t, int64_t c, int64_t step, char *buf, size_t len)
{
    buf[0] = 0;
    if (t->clock_mhz <= 0)
        return buf;
    /* Enough decimals that the step itself prints exactly (12.5 us, not 12),
     * or a few when it has no short decimal form (a 3 MHz clock). */
    double step_us = (double)step / t->clock_mhz;
    int dec = 0;
    for (double scaled = step_us; dec <= 3; dec++, scaled *= 10)
        if (fabs(scaled - round(scaled)) < 1e-6 * fmax(1, scaled))
            break;
    if (dec > 3)
        dec = step_us >= 10 ? 1 : 3;
    double us = (double)c / t->clock_mhz;
    if (dec == 0 && fabs(us) < 9e15) {
        char tmp[32];
        snprintf(buf, len, "%s", emit_cycles(llround(us), tmp));
    } else {
        snprintf(buf, len, "%.*f", dec, us);
    }
    return buf;
}
