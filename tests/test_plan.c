/* Plans of tiled programs: every scheduler's plan of every sample on every
 * shipped target passes the independent verifier and sits between the
 * lower bound and the sequential baseline; modulo loops reach the II that a
 * count of unit occupancy per tile predicts, keep it from tile to tile and
 * span every instance of theirs; the modulo plan is never slower than the
 * list schedule on the samples; the verifier catches a plan that breaks a
 * dependence or double-books a unit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "model_load.h"
#include "plan.h"
#include "testutil.h"

static const char *const samples[] = {"lenet5", "resblock", "mobilenet_tiny", "big128", "tinymlp"};
static const char *const targets[] = {"npu", "mcu", "vta"};

typedef struct fixture {
    graph *g;
    target *t;
    program *p;
} fixture;

static void load(fixture *f, const char *sample, const char *tgt)
{
    char path[512];
    nnp_err e = {0};
    snprintf(path, sizeof path, "%s/samples/%s.json", NNP_SOURCE_DIR, sample);
    cr_assert_eq(model_load(path, &f->g, &e), NNP_OK, "%s", e.msg);
    snprintf(path, sizeof path, "%s/samples/targets/%s.json", NNP_SOURCE_DIR, tgt);
    cr_assert_eq(target_load(path, &f->t, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(lower_program(f->g, f->t, &f->p, &e), NNP_OK, "%s on %s: %s", sample, tgt, e.msg);
}

static void unload(fixture *f)
{
    program_free(f->p);
    target_free(f->t);
    graph_free(f->g);
}

static plan *build(const program *p, plan_kind k)
{
    plan_options o;
    plan_options_default(&o);
    o.kind = k;
    plan *pl = NULL;
    nnp_err e = {0};
    cr_assert_eq(plan_build(p, &o, &pl, &e), NNP_OK, "%s: %s", plan_kind_name(k), e.msg);
    return pl;
}

static void check_plan(const plan *pl, const char *what)
{
    nnp_err e = {0};
    cr_assert_eq(plan_verify(pl, &e), NNP_OK, "%s: %s", what, e.msg);
    const plan_stats *s = &pl->stats;
    cr_assert_geq(s->makespan, s->lower_bound, "%s: makespan below the lower bound", what);
    cr_assert_leq(s->makespan, s->sequential, "%s: slower than sequential", what);
    cr_assert_leq(s->roofline_bound, s->lower_bound + 1, "%s: roofline above the bound", what);
    for (int q = 0; q < POOL_COUNT; q++)
        cr_assert_leq(s->peak[q], target_capacity(pl->p->t, (mem_pool)q), "%s: pool %d over", what, q);
}

Test(plan, modulo_and_sequential_plans_of_every_sample_verify_on_every_target)
{
    for (size_t s = 0; s < sizeof samples / sizeof *samples; s++)
        for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
            fixture f;
            load(&f, samples[s], targets[t]);
            for (int k = 0; k < PLAN_KIND_COUNT; k++) {
                if (k == PLAN_LIST)
                    continue;
                char what[128];
                snprintf(what, sizeof what, "%s on %s, %s", samples[s], targets[t],
                         plan_kind_name((plan_kind)k));
                plan *pl = build(f.p, (plan_kind)k);
                check_plan(pl, what);
                /* a loop's start and end span its instances (the C
                 * backend lays buffers out over them) */
                for (int64_t i = 0; pl->loops && i < pl->ninsts; i++) {
                    const plan_loop *lp = &pl->loops[pl->insts[i].group];
                    cr_assert(lp->start <= pl->insts[i].start && pl->insts[i].end <= lp->end,
                              "%s: an instance of loop %d outside [%lld, %lld)", what,
                              pl->insts[i].group, (long long)lp->start, (long long)lp->end);
                }
                plan_free(pl);
            }
            unload(&f);
        }
}

Test(plan, sequential_makespan_is_the_sum_of_all_op_costs)
{
    fixture f;
    load(&f, "lenet5", "npu");
    plan *pl = build(f.p, PLAN_SEQUENTIAL);
    int64_t sum = 0;
    for (int g = 0; g < f.p->ngroups; g++)
        for (int o = 0; o < f.p->groups[g].nops; o++)
            for (int64_t t = 0; t < f.p->groups[g].ntiles; t++)
                sum += prog_op_cycles_at(f.p, g, o, t);
    cr_assert_eq(pl->stats.makespan, sum);
    cr_assert_eq(pl->stats.sequential, sum);
    plan_free(pl);
    unload(&f);
}

/* Without recurrences, a loop's ResMII is its busiest unit's occupancy per
 * tile: count it from the program directly. */
Test(plan, modulo_loops_reach_the_occupancy_bound)
{
    fixture f;
    load(&f, "resblock", "npu");
    plan *pl = build(f.p, PLAN_MODULO);
    for (int g = 0; g < f.p->ngroups; g++) {
        const prog_group *gr = &f.p->groups[g];
        const plan_loop *lp = &pl->loops[g];
        if (lp->trips == 0)
            continue;
        int64_t per_unit[16] = {0}, bound = 1;
        for (int o = 0; o < gr->nops; o++)
            if (lp->in_loop[o])
                per_unit[gr->ops[o].unit] += gr->ops[o].busy;
        for (int u = 0; u < f.t->nunits; u++)
            bound = per_unit[u] > bound ? per_unit[u] : bound;
        cr_assert_eq(lp->res_mii, bound, "group %d", g);
        if (lp->rec_mii <= lp->res_mii)
            cr_assert_eq(lp->ii, bound, "group %d: II %lld, bound %lld", g, (long long)lp->ii,
                         (long long)bound);
        /* Kernel op o of tile t starts by tile_base[t] + offset[o] (earlier
         * only when the tile is smaller than the worst case); tiles start in
         * order. */
        for (int64_t i = 0; i < pl->ninsts; i++) {
            const plan_inst *a = &pl->insts[i];
            if (a->group == g && lp->in_loop[a->op])
                cr_assert_leq(a->start, lp->tile_base[a->tile] + lp->offset[a->op]);
        }
        for (int64_t t = 1; t < lp->trips; t++)
            cr_assert_geq(lp->tile_base[t], lp->tile_base[t - 1]);
    }
    cr_assert_gt(pl->stats.speedup, 1.2, "pipelining should beat sequential on resblock");
    plan_free(pl);
    unload(&f);
}

Test(plan, verifier_catches_a_broken_dependence_and_a_double_booked_unit)
{
    fixture f;
    load(&f, "resblock", "npu");
    plan *pl = build(f.p, PLAN_MODULO);
    nnp_err e = {0};
    /* A compute instance moved to cycle 0 starts before its loads finish. */
    int64_t victim = -1;
    for (int64_t i = 0; i < pl->ninsts && victim < 0; i++)
        if (f.p->groups[pl->insts[i].group].ops[pl->insts[i].op].kind == POP_COMPUTE &&
            pl->insts[i].tile == 1)
            victim = i;
    cr_assert_geq(victim, 0);
    int64_t saved = pl->insts[victim].start;
    pl->insts[victim].start = 0;
    cr_assert_neq(plan_verify(pl, &e), NNP_OK);
    cr_assert(strstr(e.msg, "edge") && strstr(e.msg, "violated"), "%s", e.msg);
    pl->insts[victim].start = saved;
    cr_assert_eq(plan_verify(pl, &e), NNP_OK, "%s", e.msg);
    /* Two loads of the same tile stacked on the one dma_in engine. */
    int64_t a = -1, b = -1;
    for (int64_t i = 0; i < pl->ninsts && b < 0; i++)
        if (f.p->groups[pl->insts[i].group].ops[pl->insts[i].op].kind == POP_LOAD_INPUT) {
            if (a < 0)
                a = i;
            else if (pl->insts[i].unit == pl->insts[a].unit && pl->insts[i].start > pl->insts[a].start)
                b = i;
        }
    cr_assert_geq(b, 0);
    pl->insts[b].start = pl->insts[a].start;
    pl->insts[b].end = pl->insts[a].end;
    cr_assert_neq(plan_verify(pl, &e), NNP_OK);
    cr_assert(strstr(e.msg, f.t->units[pl->insts[a].unit].name) != NULL, "%s", e.msg);
    plan_free(pl);
    unload(&f);
}

/* A weight tile reloaded every few tiles (period > 1) would bound II by the
 * sum of all loads if it held its reservation-table slot in every
 * iteration. It runs outside the kernel instead, once per segment of tiles,
 * so II stays below that sum. Checked wherever lowering chose such a tiling
 * (mobilenet_tiny's depthwise layers on every shipped target today). */
Test(plan, periodic_weight_loads_run_outside_the_kernel)
{
    int seen = 0;
    for (size_t s = 0; s < sizeof samples / sizeof *samples; s++)
        for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
            fixture f;
            load(&f, samples[s], targets[t]);
            plan *pl = build(f.p, PLAN_MODULO);
            for (int g = 0; g < f.p->ngroups; g++) {
                const prog_group *gr = &f.p->groups[g];
                const plan_loop *lp = &pl->loops[g];
                for (int o = 0; o < gr->nops; o++) {
                    const prog_op *op = &gr->ops[o];
                    if (lp->trips == 0 || op->period <= 1 || op->period >= gr->ntiles ||
                        op->kind != POP_LOAD_WEIGHT)
                        continue;
                    seen++;
                    cr_assert_eq(lp->in_loop[o], 0);
                    /* ResMII counts kernel ops only. */
                    int64_t per_unit[16] = {0}, bound = 1;
                    for (int k = 0; k < gr->nops; k++)
                        if (lp->in_loop[k])
                            per_unit[gr->ops[k].unit] += gr->ops[k].busy;
                    for (int u = 0; u < f.t->nunits; u++) {
                        int64_t b = (per_unit[u] + f.t->units[u].count - 1) / f.t->units[u].count;
                        bound = b > bound ? b : bound;
                    }
                    cr_assert_eq(lp->res_mii, bound, "%s on %s group %d", samples[s], targets[t], g);
                }
            }
            nnp_err e = {0};
            cr_assert_eq(plan_verify(pl, &e), NNP_OK, "%s", e.msg);
            plan_free(pl);
            unload(&f);
        }
    cr_assert_gt(seen, 0, "expected a weight load reused across tiles somewhere");
}

/* The modulo plan overlaps loops where units, data and memory (counted per
 * buffer generation, like the list scheduler and the verifier) allow, so
 * on the samples it is never slower than the list schedule. */
Test(plan, modulo_is_never_slower_than_list_on_the_samples)
{
    for (size_t s = 0; s < sizeof samples / sizeof *samples; s++)
        for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
            fixture f;
            load(&f, samples[s], targets[t]);
            plan *m = build(f.p, PLAN_MODULO), *l = build(f.p, PLAN_LIST);
            cr_assert_leq(m->stats.makespan, l->stats.makespan, "%s on %s: modulo %lld, list %lld",
                          samples[s], targets[t], (long long)m->stats.makespan,
                          (long long)l->stats.makespan);
            plan_free(m);
            plan_free(l);
            unload(&f);
        }
}

/* lenet5's gemm1 on mcu: one DMA engine loads each tile's 12,800 bytes of
 * weights and stores its output, 3,288 cycles a tile = II, while the CPU
 * computes 3,212. Once the pipeline is full a tile computes every II
 * cycles: an op moved earlier (a store right after its gemm) must not take
 * the DMA slot the next tile's weight load needs, or every other tile
 * slips by a whole II. */
Test(plan, a_loop_bound_by_one_unit_keeps_its_pace)
{
    fixture f;
    load(&f, "lenet5", "mcu");
    plan *pl = build(f.p, PLAN_MODULO);
    int g = -1, gemm = -1;
    for (int k = 0; k < f.p->ngroups && g < 0; k++)
        if (!strcmp(f.p->groups[k].name, "'gemm1' (Gemm)"))
            g = k;
    cr_assert_geq(g, 0);
    const prog_group *gr = &f.p->groups[g];
    for (int o = 0; o < gr->nops; o++)
        if (gr->ops[o].kind == POP_COMPUTE)
            gemm = o;
    const plan_loop *lp = &pl->loops[g];
    cr_assert_eq(lp->ii, 3288);
    cr_assert_eq(lp->trips, 15);
    int64_t prev = -1;
    for (int64_t i = 0; i < pl->ninsts; i++) {
        const plan_inst *in = &pl->insts[i];
        if (in->group != g || in->op != gemm)
            continue;
        if (in->tile >= 2)
            cr_assert_eq(in->start - prev, lp->ii, "gemm of tile %lld", (long long)in->tile);
        prev = in->start;
    }
    plan_free(pl);
    unload(&f);
}
