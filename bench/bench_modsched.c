/* Modulo-schedules every loop of the corpus (bench/loops/, written by
 * gen_loops.py) and reports, per loop, its size, ResMII, RecMII, the II
 * found, whether it is proven optimal and the time taken; then the
 * totals. Every schedule is re-checked by the verifier; a failure makes
 * the exit status 1.
 *
 * usage: bench_modsched [DIR] [--exact-limit N] [--quiet] */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop_json.h"
#include "scheduler.h"

/* CPU time of this process: on a shared machine, wall time can be several
 * times larger. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int is_json(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

typedef struct totals {
    int loops, at_mii, optimal, failed;
    int64_t ops;
    double sched_s, parse_s, worst_s;
    char worst[256];
} totals;

static const char *status(const modulo_result *r)
{
    switch (r->optimality) {
    case SCHED_OPT_AT_MII:
        return "=MII";
    case SCHED_OPT_PROVEN:
        return "proven";
    default:
        return "NOT PROVEN";
    }
}

static void one(const char *dir, const char *file, const modulo_options *o, int quiet, totals *t)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    sched_problem p = {0};
    modulo_result r;
    nnp_err e = {0};
    double t0 = now();
    int st = loop_json_read(path, &p, &e);
    double t1 = now();
    if (!st)
        st = modulo_schedule(&p, o, &r, &e);
    double t2 = now();
    if (!st && (st = verify_modulo(&p, r.ii, r.start, r.instance, &e)))
        modulo_result_free(&r);
    t->parse_s += t1 - t0;
    if (st) {
        printf("%-36s FAILED: %s\n", file, e.msg);
        t->failed++;
        sched_problem_free(&p);
        return;
    }
    t->loops++;
    t->ops += p.nops;
    t->at_mii += r.ii == r.mii;
    t->optimal += modulo_is_optimal(&r);
    t->sched_s += t2 - t1;
    if (t2 - t1 > t->worst_s) {
        t->worst_s = t2 - t1;
        snprintf(t->worst, sizeof t->worst, "%s", file);
    }
    if (!quiet)
        printf("%-36s %6d %6" PRId64 " %6" PRId64 " %6" PRId64 " %3" PRId64 "  %-10s %9.3f\n", file,
               p.nops, r.res_mii, r.rec_mii, r.ii, r.stage_count, status(&r), (t2 - t1) * 1e3);
    modulo_result_free(&r);
    sched_problem_free(&p);
}

int main(int argc, char **argv)
{
    const char *dir = NNP_BENCH_LOOPS;
    int quiet = 0;
    modulo_options o;
    modulo_options_default(&o);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else if (!strcmp(argv[i], "--exact-limit") && i + 1 < argc)
            o.exact_limit = atoi(argv[++i]);
        else if (argv[i][0] != '-')
            dir = argv[i];
        else {
            fprintf(stderr, "usage: bench_modsched [DIR] [--exact-limit N] [--quiet]\n");
            return 2;
        }
    }
    struct dirent **list;
    int n = scandir(dir, &list, is_json, alphasort);
    if (n < 0) {
        perror(dir);
        return 2;
    }
    if (!quiet)
        printf("%-36s %6s %6s %6s %6s %3s  %-10s %9s\n", "loop", "ops", "ResMII", "RecMII", "II",
               "SC", "optimal", "cpu ms");
    totals t = {0};
    double w0 = wall();
    for (int i = 0; i < n; i++) {
        one(dir, list[i]->d_name, &o, quiet, &t);
        free(list[i]);
    }
    free(list);
    int k = t.loops ? t.loops : 1;
    printf("\n%d loops, %" PRId64 " ops; II = MII on %d (%.1f%%); proven optimal on %d (%.1f%%); "
           "%d failed\n", t.loops, t.ops, t.at_mii, 100.0 * t.at_mii / k, t.optimal,
           100.0 * t.optimal / k, t.failed);
    printf("scheduling %.3f s CPU in total (slowest: %s, %.3f s); reading JSON %.3f s; "
           "wall time for everything %.3f s\n", t.sched_s, t.worst, t.worst_s, t.parse_s, wall() - w0);
    return t.failed ? 1 : 0;
}
