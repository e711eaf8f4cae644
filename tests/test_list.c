/* List scheduling: hand cases with exact start times and makespans, the
 * memory rules (an op waits for room; deadlock falls back to ordered
 * allocation; what no order can fix is an error naming it), and seeded
 * random DAGs checked by the verifier. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scheduler.h"

static list_result list_ok(const sched_problem *p)
{
    list_result r;
    nnp_err e = {0};
    int st = list_schedule(p, &r, &e);
    cr_assert_eq(st, NNP_OK, "list_schedule: %s", e.msg);
    st = verify_list(p, r.start, r.instance, &e);
    cr_assert_eq(st, NNP_OK, "verifier: %s", e.msg);
    cr_assert_geq(r.makespan, r.critical_path);
    cr_assert_geq(r.makespan, r.resource_bound);
    return r;
}

/* a (2 cycles) -> b (3) -> c (1) on one pipelined unit: 0, 2, 5; done at 6. */
Test(list, chain_runs_back_to_back)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "u", 1, 1);
    int a = sched_add_op(&p, "a", u, 2, 0), b = sched_add_op(&p, "b", u, 3, 0);
    int c = sched_add_op(&p, "c", u, 1, 0);
    sched_add_edge(&p, a, b, 0, 0);
    sched_add_edge(&p, b, c, 0, 0);
    list_result r = list_ok(&p);
    cr_assert_eq(r.start[a], 0);
    cr_assert_eq(r.start[b], 2);
    cr_assert_eq(r.start[c], 5);
    cr_assert_eq(r.makespan, 6);
    cr_assert_eq(r.critical_path, 6);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* B (index 0, 1 cycle, nothing after it) and A (index 1, 1 cycle, then X
 * for 10 cycles on another unit) compete for one unit at cycle 0. A's
 * height is 11, B's 1: A goes first although B has the lower index, so X
 * starts at 1 and the program ends at 11 (B first would end at 12). */
Test(list, higher_op_goes_first)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "u", 1, 1), w = sched_add_resource(&p, "w", 1, 1);
    int b = sched_add_op(&p, "B", u, 1, 0), a = sched_add_op(&p, "A", u, 1, 0);
    int x = sched_add_op(&p, "X", w, 10, 0);
    sched_add_edge(&p, a, x, 0, 0);
    list_result r = list_ok(&p);
    cr_assert_eq(r.start[a], 0);
    cr_assert_eq(r.start[b], 1);
    cr_assert_eq(r.start[x], 1);
    cr_assert_eq(r.makespan, 11);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* Equal heights: P (index 0, one successor) and Q (index 1, two) on one
 * unit: Q first (more successors). Then two ops equal in everything: the
 * lower index first. */
Test(list, ties_go_to_more_successors_then_lower_index)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "u", 1, 1);
    int pp = sched_add_op(&p, "P", u, 1, 0), q = sched_add_op(&p, "Q", u, 1, 0);
    int s1 = sched_add_op(&p, "s1", SCHED_NONE, 1, 0), s2 = sched_add_op(&p, "s2", SCHED_NONE, 1, 0);
    int s3 = sched_add_op(&p, "s3", SCHED_NONE, 1, 0);
    sched_add_edge(&p, pp, s1, 0, 0);
    sched_add_edge(&p, q, s2, 0, 0);
    sched_add_edge(&p, q, s3, 0, 0);
    list_result r = list_ok(&p);
    cr_assert_eq(r.start[q], 0);
    cr_assert_eq(r.start[pp], 1);
    list_result_free(&r);
    sched_problem_free(&p);

    sched_problem p2 = {0};
    u = sched_add_resource(&p2, "u", 1, 1);
    int x = sched_add_op(&p2, "x", u, 3, 0), y = sched_add_op(&p2, "y", u, 3, 0);
    r = list_ok(&p2);
    cr_assert_eq(r.start[x], 0);
    cr_assert_eq(r.start[y], 1);
    list_result_free(&r);
    sched_problem_free(&p2);
}

/* Four independent 2-cycle ops on a non-pipelined unit with two instances:
 * two at 0, two at 2, done at 4, each pair on different instances. */
Test(list, instances_run_in_parallel_and_occupancy_holds_them)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "mac", 2, 2);
    for (int i = 0; i < 4; i++)
        sched_add_op(&p, NULL, u, 2, 0);
    list_result r = list_ok(&p);
    cr_assert_eq(r.start[0], 0);
    cr_assert_eq(r.start[1], 0);
    cr_assert_eq(r.start[2], 2);
    cr_assert_eq(r.start[3], 2);
    cr_assert_neq(r.instance[0], r.instance[1]);
    cr_assert_eq(r.makespan, 4);
    cr_assert_eq(r.resource_bound, 4);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* Occupancy longer than latency: the result is ready after 1 cycle but the
 * unit stays busy for 4, so the second op waits until cycle 4. */
Test(list, occupancy_longer_than_latency_blocks_the_unit)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "div", 1, 4);
    int a = sched_add_op(&p, "a", u, 1, 0), b = sched_add_op(&p, "b", u, 1, 0);
    list_result r = list_ok(&p);
    cr_assert_eq(r.start[a], 0);
    cr_assert_eq(r.start[b], 4);
    cr_assert_eq(r.makespan, 8);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* A negative delay lets b start one cycle before a's 3-cycle result. Ops
 * without a resource or on an unlimited one never wait for each other. */
Test(list, negative_delay_and_unlimited_units)
{
    sched_problem p = {0};
    int alu = sched_add_resource(&p, "alu", SCHED_UNLIMITED, 1);
    int a = sched_add_op(&p, "a", alu, 3, 0), b = sched_add_op(&p, "b", alu, 3, 0);
    int c = sched_add_op(&p, "c", alu, 3, 0), d = sched_add_op(&p, "d", SCHED_NONE, 1, 0);
    sched_add_edge(&p, a, b, -1, 0);
    list_result r = list_ok(&p);
    cr_assert_eq(r.start[a], 0);
    cr_assert_eq(r.start[b], 2);
    cr_assert_eq(r.start[c], 0);
    cr_assert_eq(r.start[d], 0);
    cr_assert_eq(r.instance[c], -1);
    cr_assert_eq(r.makespan, 5);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* Pool of 100 bytes; P1 and P2 (2 cycles, on a 2-instance DMA) each write
 * a 60-byte buffer read by R1 and R2 (3 cycles, pipelined MAC). Heights tie
 * (5), so P1 (lower index) starts at 0; P2 has a free DMA at 0 but 60 + 60
 * > 100, so it waits until R1 (2..5) frees buffer 1 at cycle 5. R2 then
 * runs 7..10. */
Test(list, memory_capacity_makes_an_op_wait)
{
    sched_problem p = {0};
    int dma = sched_add_resource(&p, "dma", 2, 1), mac = sched_add_resource(&p, "mac", 1, 1);
    int pool = sched_add_pool(&p, "sram", 100);
    int p1 = sched_add_op(&p, "P1", dma, 2, 0), p2 = sched_add_op(&p, "P2", dma, 2, 0);
    int r1 = sched_add_op(&p, "R1", mac, 3, 0), r2 = sched_add_op(&p, "R2", mac, 3, 0);
    sched_add_edge(&p, p1, r1, 0, 0);
    sched_add_edge(&p, p2, r2, 0, 0);
    sched_add_buffer(&p, "b1", pool, 60, p1, &r1, 1);
    sched_add_buffer(&p, "b2", pool, 60, p2, &r2, 1);
    list_result r = list_ok(&p);
    cr_assert_eq(r.start[p1], 0);
    cr_assert_eq(r.start[r1], 2);
    cr_assert_eq(r.start[p2], 5);
    cr_assert_eq(r.start[r2], 7);
    cr_assert_eq(r.makespan, 10);
    cr_assert_eq(r.memory_waits, 1);
    cr_assert_eq(r.peak[pool], 60);
    cr_assert(!r.ordered);
    list_result_free(&r);
    /* With room for both they overlap: R2 right behind R1 on the MAC. */
    p.pools[pool].capacity = 120;
    r = list_ok(&p);
    cr_assert_eq(r.start[p2], 0);
    cr_assert_eq(r.start[r2], 3);
    cr_assert_eq(r.peak[pool], 120);
    cr_assert_eq(r.memory_waits, 0);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* Four chains P -> Q -> R (1 cycle each, no units); P writes A (100 bytes)
 * for Q, Q writes B (100) for R; the pool holds 300. Greedy by height alone
 * would start all four P at 0, fill the pool and strand every Q. The
 * reserve (the largest allocation of a reader: Q's 100) keeps that from
 * happening: P0 starts in the empty pool, P1 leaves 100 free, P2 waits.
 *   t=1 Q0 takes the reserve (0 free); P2 still waits
 *   t=2 A0 freed (100): Q1 starts, R0 starts; P2 would leave no reserve
 *   t=3 A1, B0 freed (200): P2 starts, R1 starts; P3 waits
 *   t=4 B1 freed (200): P3, Q2 start
 *   t=5 A2 freed: Q3, R2 start;  t=6: R3 starts; done at 7 */
Test(list, a_reserve_keeps_readers_moving_so_greedy_does_not_deadlock)
{
    sched_problem p = {0};
    int pool = sched_add_pool(&p, "sram", 300);
    int ops[4][3];
    for (int i = 0; i < 4; i++) {
        char nm[8];
        snprintf(nm, sizeof nm, "P%d", i);
        ops[i][0] = sched_add_op(&p, nm, SCHED_NONE, 1, 0);
        nm[0] = 'Q';
        ops[i][1] = sched_add_op(&p, nm, SCHED_NONE, 1, 0);
        nm[0] = 'R';
        ops[i][2] = sched_add_op(&p, nm, SCHED_NONE, 1, 0);
        sched_add_edge(&p, ops[i][0], ops[i][1], 0, 0);
        sched_add_edge(&p, ops[i][1], ops[i][2], 0, 0);
        sched_add_buffer(&p, NULL, pool, 100, ops[i][0], &ops[i][1], 1);
        sched_add_buffer(&p, NULL, pool, 100, ops[i][1], &ops[i][2], 1);
    }
    list_result r = list_ok(&p);
    static const int64_t want[4][3] = {{0, 1, 2}, {0, 2, 3}, {3, 4, 5}, {4, 5, 6}};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 3; k++)
            cr_assert_eq(r.start[ops[i][k]], want[i][k], "chain %d op %d starts at %" PRId64, i, k,
                         r.start[ops[i][k]]);
    cr_assert_eq(r.makespan, 7);
    cr_assert_eq(r.peak[pool], 300);
    cr_assert(!r.ordered);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* J joins A (from Pa, 2 cycles) and C (from Pc, 1 cycle); K joins B (Pb, 2
 * cycles) and D (Pd, 1 cycle); every buffer is 100 bytes, the pool 200. By
 * height Pa and Pb (3) go before Pc and Pd (2); greedy by height alone
 * would start Pa and Pb at 0, fill the pool, and strand both joins. The
 * reserve (what a join still needs once one input is live: 100) holds Pb
 * back, and Pc, which completes J, may take it:
 *   t=0 Pa starts in the empty pool; Pb would leave no reserve; Pc
 *       completes J (its rest, C, fits in the 100 free): starts
 *   t=2 J (after Pa's 2 cycles);  t=3 A and C freed: Pb in the empty pool,
 *       Pd completes K;  t=5 K;  done at 6 */
Test(list, a_starter_that_completes_a_join_may_use_the_reserve)
{
    sched_problem p = {0};
    int pool = sched_add_pool(&p, "sram", 200);
    int pa = sched_add_op(&p, "Pa", SCHED_NONE, 2, 0), pc = sched_add_op(&p, "Pc", SCHED_NONE, 1, 0);
    int j = sched_add_op(&p, "J", SCHED_NONE, 1, 0);
    int pb = sched_add_op(&p, "Pb", SCHED_NONE, 2, 0), pd = sched_add_op(&p, "Pd", SCHED_NONE, 1, 0);
    int k = sched_add_op(&p, "K", SCHED_NONE, 1, 0);
    int from[4] = {pa, pc, pb, pd}, to[4] = {j, j, k, k};
    for (int i = 0; i < 4; i++) {
        sched_add_edge(&p, from[i], to[i], 0, 0);
        sched_add_buffer(&p, NULL, pool, 100, from[i], &to[i], 1);
    }
    list_result r = list_ok(&p);
    cr_assert(!r.ordered, "%s", r.deadlock);
    cr_assert_eq(r.start[pa], 0);
    cr_assert_eq(r.start[pc], 0);
    cr_assert_eq(r.start[j], 2);
    cr_assert_eq(r.start[pb], 3);
    cr_assert_eq(r.start[pd], 3);
    cr_assert_eq(r.start[k], 5);
    cr_assert_eq(r.makespan, 6);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* The reserve stalls, a rescue unblocks: W (10 cycles, 50 bytes X for J)
 * and S (20 bytes Y for M) are starters; M turns Y into Z (20)
 * for J. Pool 100; the reserve is 50 (J's X and Z less the smaller). W,
 * the highest, starts at 0 and leaves 50; S would leave 30 < 50 and feeds
 * nothing partly fed, and no event is left: the greedy pass would stop.
 * The rescue starts S at 0 (20 bytes fit), M follows at 1 (Z fits in the
 * 30 left), J at 10 when W is done: no fallback, makespan 11, peak 90. */
Test(list, a_stall_on_the_reserve_is_rescued_without_the_fallback)
{
    sched_problem p = {0};
    int pool = sched_add_pool(&p, "sram", 100);
    int w = sched_add_op(&p, "W", SCHED_NONE, 10, 0);
    int s = sched_add_op(&p, "S", SCHED_NONE, 1, 0);
    int m = sched_add_op(&p, "M", SCHED_NONE, 1, 0);
    int j = sched_add_op(&p, "J", SCHED_NONE, 1, 0);
    sched_add_edge(&p, s, m, 0, 0);
    sched_add_edge(&p, m, j, 0, 0);
    sched_add_edge(&p, w, j, 0, 0);
    sched_add_buffer(&p, "X", pool, 50, w, &j, 1);
    sched_add_buffer(&p, "Y", pool, 20, s, &m, 1);
    sched_add_buffer(&p, "Z", pool, 20, m, &j, 1);
    list_result r = list_ok(&p);
    cr_assert_eq(r.rescues, 1);
    cr_assert(!r.ordered, "kept the greedy schedule: %s", r.deadlock);
    cr_assert_eq(r.start[w], 0);
    cr_assert_eq(r.start[s], 0);
    cr_assert_eq(r.start[m], 1);
    cr_assert_eq(r.start[j], 10);
    cr_assert_eq(r.makespan, 11);
    cr_assert_eq(r.peak[0], 90);
    list_result_free(&r);
    sched_problem_free(&p);
}

/* Two levels are beyond the reserve: J joins X (80 bytes, from W, 10
 * cycles) and Z (64, from M); M reads Y (16, from S). Pool 144; the reserve
 * is 80 (J's rest once Z is live). W, far the highest, starts first in the
 * empty pool and leaves 64; S must leave the 80 reserve (16 + 80 > 64) and
 * completes nothing partly fed (M has no live input), but nothing else can
 * run, so S is rescued at cycle 0 (16 bytes fit) and leaves 48; M, ready
 * at 1, needs 64: deadlock at cycle 1.
 * Depth first (W, S, M, J) needs 160 bytes at M; program order S, M, W, J
 * fits (peak 144), so the ordered pass runs it: S at 0, M at 1 (after S),
 * W at 2 when Y is freed (M's end) and 80 bytes are free, J at 12. */
static void two_levels(sched_problem *p, int w_first, int *ops)
{
    int pool = sched_add_pool(p, "sram", 144);
    int w = 0, s, m, j;
    if (w_first)
        w = sched_add_op(p, "W", SCHED_NONE, 10, 0);
    s = sched_add_op(p, "S", SCHED_NONE, 1, 0);
    m = sched_add_op(p, "M", SCHED_NONE, 1, 0);
    if (!w_first)
        w = sched_add_op(p, "W", SCHED_NONE, 10, 0);
    j = sched_add_op(p, "J", SCHED_NONE, 1, 0);
    sched_add_edge(p, s, m, 0, 0);
    sched_add_edge(p, m, j, 0, 0);
    sched_add_edge(p, w, j, 0, 0);
    sched_add_buffer(p, "X", pool, 80, w, &j, 1);
    sched_add_buffer(p, "Y", pool, 16, s, &m, 1);
    sched_add_buffer(p, "Z", pool, 64, m, &j, 1);
    ops[0] = w, ops[1] = s, ops[2] = m, ops[3] = j;
}

Test(list, memory_deadlock_falls_back_to_ordered_allocation)
{
    sched_problem p = {0};
    int op[4];
    two_levels(&p, 0, op);
    list_result r = list_ok(&p);
    cr_assert(r.ordered);
    cr_assert(strstr(r.deadlock, "at cycle 1 op M needs 64 bytes of pool sram, 48 free"), "%s",
              r.deadlock);
    cr_assert_eq(r.start[op[1]], 0);
    cr_assert_eq(r.start[op[2]], 1);
    cr_assert_eq(r.start[op[0]], 2);
    cr_assert_eq(r.start[op[3]], 12);
    cr_assert_eq(r.makespan, 13);
    cr_assert_eq(r.peak[0], 144);
    list_result_free(&r);
    sched_problem_free(&p);
    /* Written W, S, M, J, program order overflows too (160 bytes at M, like
     * depth first): the scheduler says it found no order. One exists (S, M,
     * W, J); it does not claim otherwise. */
    sched_problem q = {0};
    two_levels(&q, 1, op);
    nnp_err e = {0};
    cr_assert_eq(list_schedule(&q, &r, &e), NNP_INFEASIBLE);
    cr_assert(strstr(e.msg, "no memory-feasible order found") &&
                  strstr(e.msg, "160 bytes of pool sram at op M"),
              "%s", e.msg);
    sched_problem_free(&q);
}

/* When even one op at a time in depth-first order overflows, the error
 * names the pool: J reads all four 100-byte buffers (working set 400 > 350
 * is caught first), and with the pool at 400 the same graph is fine. */
Test(list, what_no_order_can_fix_is_an_error_naming_it)
{
    sched_problem p = {0};
    int pool = sched_add_pool(&p, "sram", 350);
    int j = sched_add_op(&p, "J", SCHED_NONE, 1, 0);
    for (int i = 0; i < 4; i++) {
        int a = sched_add_op(&p, NULL, SCHED_NONE, 1, 0);
        sched_add_edge(&p, a, j, 0, 0);
        sched_add_buffer(&p, NULL, pool, 100, a, &j, 1);
    }
    list_result r;
    nnp_err e = {0};
    cr_assert_eq(list_schedule(&p, &r, &e), NNP_INFEASIBLE);
    cr_assert(strstr(e.msg, "op J") && strstr(e.msg, "sram") && strstr(e.msg, "400"), "%s", e.msg);
    p.pools[pool].capacity = 400;
    r = list_ok(&p);
    list_result_free(&r);
    /* a buffer larger than its pool */
    sched_add_buffer(&p, "huge", pool, 401, j, NULL, 0);
    cr_assert_eq(list_schedule(&p, &r, &e), NNP_INFEASIBLE);
    cr_assert(strstr(e.msg, "buffer huge") && strstr(e.msg, "401"), "%s", e.msg);
    sched_problem_free(&p);
}

Test(list, cycles_and_loop_carried_edges_are_rejected)
{
    sched_problem p = {0};
    int a = sched_add_op(&p, "alpha", SCHED_NONE, 1, 0);
    int b = sched_add_op(&p, "beta", SCHED_NONE, 1, 0);
    int c = sched_add_op(&p, "gamma", SCHED_NONE, 1, 0);
    sched_add_edge(&p, c, a, 0, 0);
    sched_add_edge(&p, a, b, 0, 0);
    sched_add_edge(&p, b, a, 0, 0);
    list_result r;
    nnp_err e = {0};
    cr_assert_eq(list_schedule(&p, &r, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "cycle") && strstr(e.msg, "alpha") && strstr(e.msg, "beta"), "%s",
              e.msg);
    cr_assert(!strstr(e.msg, "gamma"), "%s", e.msg);
    p.edges[2].distance = 1;
    cr_assert_eq(list_schedule(&p, &r, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "distance 1") && strstr(e.msg, "beta -> alpha"), "%s", e.msg);
    sched_problem_free(&p);
}

/* ---- random DAGs ---- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Bytes live when ops run one at a time in index order (a topological
 * order here: edges go forward), at the worst op. */
static int64_t index_order_peak(const sched_problem *p)
{
    int64_t live = 0, peak = 0;
    int64_t *end = calloc((size_t)p->nbuffers + 1, sizeof *end);
    for (int b = 0; b < p->nbuffers; b++) {
        end[b] = p->buffers[b].producer;
        for (int k = 0; k < p->buffers[b].nreaders; k++)
            end[b] = p->buffers[b].readers[k] > end[b] ? p->buffers[b].readers[k] : end[b];
    }
    for (int v = 0; v < p->nops; v++) {
        for (int b = 0; b < p->nbuffers; b++)
            if (p->buffers[b].producer == v)
                live += p->buffers[b].bytes;
        peak = live > peak ? live : peak;
        for (int b = 0; b < p->nbuffers; b++)
            if (end[b] == v)
                live -= p->buffers[b].bytes;
    }
    free(end);
    return peak;
}

/* A random DAG of n ops over 1-3 units, edges to a few later ops, and a
 * pool whose buffers go from an op to its successors. The pool holds what
 * running the ops one at a time in index order needs, plus 0-3 x 64 bytes:
 * feasible, yet often tight enough to make ops wait or stall the greedy
 * pass. */
static void random_dag(sched_problem *p, int n)
{
    int nres = 1 + (int)rnd(3);
    for (int r = 0; r < nres; r++)
        sched_add_resource(p, NULL, rnd(6) == 0 ? SCHED_UNLIMITED : 1 + (int)rnd(3), 1 + rnd(3));
    for (int v = 0; v < n; v++)
        sched_add_op(p, NULL, rnd(8) == 0 ? SCHED_NONE : (int)rnd((uint32_t)nres), rnd(6),
                     rnd(5) == 0 ? 1 + rnd(4) : 0);
    int pool = sched_add_pool(p, "mem", 0);
    for (int v = 0; v < n; v++) {
        int readers[4], k = 0;
        for (int j = 0; j < 4 && v + 1 < n; j++)
            if (rnd(3) == 0) {
                int w = v + 1 + (int)rnd((uint32_t)(n - v - 1 < 20 ? n - v - 1 : 20));
                sched_add_edge(p, v, w, rnd(5) == 0 ? -1 : 0, 0);
                readers[k++] = w;
            }
        if (k && rnd(2))
            sched_add_buffer(p, NULL, pool, 16 * (1 + rnd(8)), v, readers, k);
    }
    p->pools[pool].capacity = index_order_peak(p) + (int64_t)rnd(4) * 64;
}

Test(list, random_dags_pass_the_verifier, .timeout = 60)
{
    rng_state = 0xC0FFEE1234567ull;
    int ordered = 0, waited = 0;
    for (int i = 0; i < 600; i++) {
        sched_problem p = {0};
        random_dag(&p, 2 + (int)rnd(i < 550 ? 60 : 1500));
        list_result r = list_ok(&p);
        ordered += r.ordered;
        waited += r.memory_waits > 0;
        for (int q = 0; q < p.npools; q++)
            cr_assert_leq(r.peak[q], p.pools[q].capacity);
        list_result_free(&r);
        sched_problem_free(&p);
    }
    fprintf(stderr, "random DAGs: 600, %d waited for memory, %d kept a fixed-order schedule\n",
            waited, ordered);
    cr_assert_gt(waited, 0); /* the pools do bind */
}
