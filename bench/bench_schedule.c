/* Schedule quality on the bundled samples: for every sample and target,
 * lower the model, build the sequential, list and modulo plans, verify
 * them, and print per loop II against MII and for the program the makespan
 * against its lower bound and the sequential baseline; a last line counts
 * where the modulo plan beats, ties or trails the list schedule and gives
 * each scheduler's mean efficiency. Ratios, not times, are the point: they
 * are the same on any machine.
 *
 * usage: bench_schedule [SAMPLES_DIR] */
#include <stdio.h>
#include <string.h>

#include "model_load.h"
#include "plan.h"

static const char *const samples[] = {"lenet5", "resblock", "mobilenet_tiny", "big128", "tinymlp"};
static const char *const targets[] = {"mcu", "npu", "vta"};

static struct {
    int faster, tied, slower;   /* modulo against list */
    double eff_modulo, eff_list; /* sums, for the means */
} total;

static int bench_one(const char *dir, const char *sample, const char *tgt)
{
    char path[1024];
    nnp_err e = {0};
    graph *g = NULL;
    target *t = NULL;
    program *p = NULL;
    plan *pl[PLAN_KIND_COUNT] = {0};
    snprintf(path, sizeof path, "%s/%s.json", dir, sample);
    int rc = model_load(path, &g, &e);
    snprintf(path, sizeof path, "%s/targets/%s.json", dir, tgt);
    if (!rc)
        rc = target_load(path, &t, &e);
    if (!rc)
        rc = lower_program(g, t, &p, &e);
    for (int k = 0; k < PLAN_KIND_COUNT && !rc; k++) {
        plan_options o;
        plan_options_default(&o);
        o.kind = (plan_kind)k;
        rc = plan_build(p, &o, &pl[k], &e);
        if (!rc)
            rc = plan_verify(pl[k], &e);
    }
    if (rc) {
        printf("%-15s %-4s error: %s\n", sample, tgt, e.msg);
    } else {
        const plan *m = pl[PLAN_MODULO], *l = pl[PLAN_LIST];
        int loops = 0, at_mii = 0, proven = 0;
        double worst = 1;
        for (int k = 0; k < m->nloops; k++) {
            const plan_loop *lp = &m->loops[k];
            if (lp->trips == 0)
                continue;
            loops++;
            at_mii += lp->ii == lp->mii;
            proven += lp->optimality == SCHED_OPT_AT_MII || lp->optimality == SCHED_OPT_PROVEN;
            if ((double)lp->ii / (double)lp->mii > worst)
                worst = (double)lp->ii / (double)lp->mii;
        }
        printf("%-15s %-4s %5d %6d/%-3d %6d %6.3f %12lld %12lld %6.1f%% %7.2fx %12lld %6.1f%% %7.2fx %7.3f\n",
               sample, tgt, loops, at_mii, loops, proven, worst, (long long)m->stats.makespan,
               (long long)m->stats.lower_bound, 100 * m->stats.efficiency, m->stats.speedup,
               (long long)l->stats.makespan, 100 * l->stats.efficiency, l->stats.speedup,
               m->seconds + l->seconds);
        total.faster += m->stats.makespan < l->stats.makespan;
        total.tied += m->stats.makespan == l->stats.makespan;
        total.slower += m->stats.makespan > l->stats.makespan;
        total.eff_modulo += m->stats.efficiency;
        total.eff_list += l->stats.efficiency;
    }
    for (int k = 0; k < PLAN_KIND_COUNT; k++)
        plan_free(pl[k]);
    program_free(p);
    target_free(t);
    graph_free(g);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : NNP_BENCH_SAMPLES;
    printf("%-15s %-4s %5s %10s %6s %6s %12s %12s %7s %8s %12s %7s %8s %7s\n", "sample", "tgt",
           "loops", "II=MII", "proven", "II/MII", "modulo", "lower bound", "eff", "speedup", "list",
           "eff", "speedup", "sched s");
    int bad = 0;
    for (size_t s = 0; s < sizeof samples / sizeof *samples; s++)
        for (size_t t = 0; t < sizeof targets / sizeof *targets; t++)
            bad |= bench_one(dir, samples[s], targets[t]) != 0;
    int n = total.faster + total.tied + total.slower;
    if (n)
        printf("modulo vs list: faster on %d, tied on %d, slower on %d of %d; mean efficiency "
               "modulo %.1f%%, list %.1f%%\n", total.faster, total.tied, total.slower, n,
               100 * total.eff_modulo / n, 100 * total.eff_list / n);
    return bad;
}
