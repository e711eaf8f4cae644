/* List-schedules synthetic tiled programs of 1k, 10k, 100k and 1M ops and
 * reports the time of each size and the growth of its CPU time over the
 * previous size (10 for linear work, a little over 10 for n log n, 100 for
 * quadratic).
 *
 * The programs look like what the NN path produces: a chain of layers, each
 * split into tiles; a tile loads its input window (which overlaps two
 * neighbouring output tiles of the previous layer, the halo), sometimes
 * weights, computes on the MAC array, post-processes on the vector unit and
 * stores. DMA, MAC and vector units are non-pipelined (occupancy = cost),
 * costs vary with a seeded generator, and every tile buffer lives in one
 * on-chip pool sized for a few tiles, so memory binds.
 *
 * usage: bench_listsched [MAX_OPS]   (default 1000000) */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this process: on a shared machine, wall time can be several
 * times larger. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static int64_t rnd(int64_t lo, int64_t hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (int64_t)(rng % (uint64_t)(hi - lo + 1));
}

enum { OPS_PER_TILE = 5, TILES_PER_LAYER = 64 };

/* Builds a program of about n ops; returns 0 or -1 (out of memory). */
static int build(sched_problem *p, int n)
{
    int dma = sched_add_resource(p, "dma", 2, 1), mac = sched_add_resource(p, "mac", 1, 1);
    int vec = sched_add_resource(p, "vec", 1, 1);
    int pool = sched_add_pool(p, "sram", 6 * 4096);
    int layers = n / (OPS_PER_TILE * TILES_PER_LAYER);
    layers = layers < 1 ? 1 : layers;
    int *prev_store = calloc(TILES_PER_LAYER, sizeof *prev_store);
    if (!prev_store)
        return -1;
    int ok = dma >= 0 && mac >= 0 && vec >= 0 && pool >= 0;
    for (int l = 0; l < layers && ok; l++) {
        int64_t work = rnd(200, 2000);
        for (int t = 0; t < TILES_PER_LAYER && ok; t++) {
            int64_t in = rnd(100, 400), out = rnd(50, 200);
            int ld = sched_add_op(p, NULL, dma, in, in);
            int w = sched_add_op(p, NULL, dma, t % 8 == 0 ? 300 : 1, 0); /* weights now and then */
            int c = sched_add_op(p, NULL, mac, work, work);
            int v = sched_add_op(p, NULL, vec, work / 4, work / 4);
            int st = sched_add_op(p, NULL, dma, out, out);
            ok = ld >= 0 && w >= 0 && c >= 0 && v >= 0 && st >= 0;
            if (l > 0) /* the input window spans two output tiles of the previous layer */
                for (int k = t; k <= t + 1 && k < TILES_PER_LAYER; k++)
                    ok = ok && sched_add_edge(p, prev_store[k], ld, 0, 0) >= 0;
            ok = ok && sched_add_edge(p, ld, c, 0, 0) >= 0 && sched_add_edge(p, w, c, 0, 0) >= 0 &&
                 sched_add_edge(p, c, v, 0, 0) >= 0 && sched_add_edge(p, v, st, 0, 0) >= 0;
            ok = ok && sched_add_buffer(p, NULL, pool, 4096, ld, &c, 1) >= 0 &&
                 sched_add_buffer(p, NULL, pool, 2048, w, &c, 1) >= 0 &&
                 sched_add_buffer(p, NULL, pool, 4096, c, &v, 1) >= 0 &&
                 sched_add_buffer(p, NULL, pool, 2048, v, &st, 1) >= 0;
            prev_store[t] = st;
        }
    }
    free(prev_store);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    int max = argc > 1 ? atoi(argv[1]) : 1000000;
    double last = 0;
    printf("%9s %10s %12s %12s %6s %7s %8s %8s %8s %7s\n", "ops", "edges", "makespan",
           "lower bound", "ratio", "ordered", "build s", "sched s", "cpu s", "growth");
    for (int n = 1000; n <= max; n *= 10) {
        sched_problem p = {0};
        list_result r;
        nnp_err e = {0};
        double t0 = now();
        if (build(&p, n)) {
            fprintf(stderr, "out of memory building %d ops\n", n);
            return 1;
        }
        double t1 = now(), c1 = cpu();
        int st = list_schedule(&p, &r, &e);
        double t2 = now(), c2 = cpu();
        if (st || (st = verify_list(&p, r.start, r.instance, &e))) {
            fprintf(stderr, "%d ops: %s\n", n, e.msg);
            return 1;
        }
        double t3 = now();
        int64_t bound = r.critical_path > r.resource_bound ? r.critical_path : r.resource_bound;
        printf("%9d %10d %12" PRId64 " %12" PRId64 " %6.3f %7s %8.3f %8.3f %8.3f", p.nops, p.nedges,
               r.makespan, bound, (double)r.makespan / (double)bound, r.ordered ? "yes" : "no",
               t1 - t0, t2 - t1, c2 - c1);
        if (last > 0)
            printf(" %7.1f", (c2 - c1) / last);
        printf("   (verify %.3f s)\n", t3 - t2);
        last = c2 - c1;
        list_result_free(&r);
        sched_problem_free(&p);
    }
    return 0;
}
