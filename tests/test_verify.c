/* The verifier, on hand-made schedules: each test breaks one rule and
 * checks that the message names what is at fault; the valid schedules next
 * to them must pass, so each check is shown to be neither too weak nor too
 * strict. */
#include <criterion/criterion.h>
#include <string.h>

#include "scheduler.h"

/* ld (3 cycles, dma) -> mul (4, mac, pipelined, 2 instances) -> st (2, dma)
 * with st -> ld at distance 2. */
static void loop3(sched_problem *p)
{
    int dma = sched_add_resource(p, "dma", 1, 1), mac = sched_add_resource(p, "mac", 2, 1);
    int ld = sched_add_op(p, "ld", dma, 3, 0), mul = sched_add_op(p, "mul", mac, 4, 0);
    int st = sched_add_op(p, "st", dma, 2, 0);
    sched_add_edge(p, ld, mul, 0, 0);
    sched_add_edge(p, mul, st, 0, 0);
    sched_add_edge(p, st, ld, 0, 2);
}

/* At II 5: ld 0, mul 3, st 7 (7 mod 5 = 2, apart from ld's row 0);
 * st -> ld: 0 + 2*5 >= 7 + 2. */
Test(verify, accepts_a_valid_modulo_schedule)
{
    sched_problem p = {0};
    loop3(&p);
    int64_t start[] = {0, 3, 7};
    int inst[] = {0, 1, 0};
    nnp_err e = {0};
    cr_assert_eq(verify_modulo(&p, 5, start, inst, &e), NNP_OK, "%s", e.msg);
    sched_problem_free(&p);
}

Test(verify, names_a_violated_edge)
{
    sched_problem p = {0};
    loop3(&p);
    int64_t start[] = {0, 2, 7}; /* mul before ld's 3 cycles are up */
    int inst[] = {0, 0, 0};
    nnp_err e = {0};
    cr_assert_eq(verify_modulo(&p, 5, start, inst, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "edge 0 (ld -> mul") && strstr(e.msg, "earliest is 3"), "%s", e.msg);
    /* the loop-carried edge: at II 4, ld of iteration i+2 at 8 < st end 9 */
    int64_t s2[] = {0, 3, 7};
    cr_assert_eq(verify_modulo(&p, 4, s2, inst, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "st -> ld") && strstr(e.msg, "distance 2"), "%s", e.msg);
    sched_problem_free(&p);
}

/* ld at 0 and st at 5 collide on the single DMA at II 5 (both row 0). */
Test(verify, names_a_resource_over_capacity_at_a_cycle_mod_ii)
{
    sched_problem p = {0};
    loop3(&p);
    p.edges[2].distance = 3;
    int64_t start[] = {0, 3, 10};
    int inst[] = {0, 0, 0};
    nnp_err e = {0};
    cr_assert_eq(verify_modulo(&p, 5, start, inst, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "resource dma") && strstr(e.msg, "cycle 0 mod II") &&
                  strstr(e.msg, "ld") && strstr(e.msg, "st"),
              "%s", e.msg);
    sched_problem_free(&p);
}

/* Two 2-cycle ops at rows 4 and 0 on one instance at II 5: the first wraps
 * into row 0 (4, 5 = 0 mod 5). The same starts on two instances pass. */
Test(verify, catches_an_interval_wrapping_past_ii)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "div", 2, 2);
    sched_add_op(&p, "a", u, 2, 0);
    sched_add_op(&p, "b", u, 2, 0);
    int64_t start[] = {4, 5};
    int same[] = {0, 0}, apart[] = {0, 1};
    nnp_err e = {0};
    cr_assert_eq(verify_modulo(&p, 5, start, same, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "instance 0 of resource div") && strstr(e.msg, "overlaps"), "%s",
              e.msg);
    cr_assert_eq(verify_modulo(&p, 5, start, apart, &e), NNP_OK, "%s", e.msg);
    /* three on two instances exceed the capacity at row 0 even counted
     * without instances */
    sched_add_op(&p, "c", u, 2, 0);
    int64_t s3[] = {4, 5, 10};
    int i3[] = {0, 1, 1};
    cr_assert_eq(verify_modulo(&p, 5, s3, i3, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "3 ops busy at cycle 0"), "%s", e.msg);
    sched_problem_free(&p);
}

Test(verify, rejects_bad_instances_long_ops_and_negative_starts)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "div", 2, 6);
    sched_add_op(&p, "d", u, 6, 0);
    int64_t start[] = {0};
    int bad[] = {2}, ok[] = {1};
    nnp_err e = {0};
    cr_assert_eq(verify_modulo(&p, 6, start, bad, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "instance 2") && strstr(e.msg, "out of range"), "%s", e.msg);
    cr_assert_eq(verify_modulo(&p, 6, start, ok, &e), NNP_OK);
    cr_assert_eq(verify_modulo(&p, 5, start, ok, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "longer than II=5"), "%s", e.msg);
    int64_t neg[] = {-1};
    cr_assert_eq(verify_modulo(&p, 6, neg, ok, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "before 0"), "%s", e.msg);
    sched_problem_free(&p);
}

/* A list schedule: p writes 60 bytes read by r (p 0..2, r 2..5); q writes
 * 50 bytes from cycle 4 while the first buffer is live until 5: 110 > 100
 * bytes. Starting q at 5 - when r ends - fits (lifetimes are half-open). */
Test(verify, names_a_pool_over_capacity)
{
    sched_problem p = {0};
    int pool = sched_add_pool(&p, "sram", 100);
    int a = sched_add_op(&p, "p", SCHED_NONE, 2, 0), r = sched_add_op(&p, "r", SCHED_NONE, 3, 0);
    int q = sched_add_op(&p, "q", SCHED_NONE, 1, 0);
    sched_add_edge(&p, a, r, 0, 0);
    sched_add_buffer(&p, "first", pool, 60, a, &r, 1);
    sched_add_buffer(&p, "second", pool, 50, q, NULL, 0);
    int64_t start[] = {0, 2, 4};
    int inst[] = {-1, -1, -1};
    nnp_err e = {0};
    cr_assert_eq(verify_list(&p, start, inst, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "pool sram") && strstr(e.msg, "110 bytes") &&
                  strstr(e.msg, "cycle 4") && strstr(e.msg, "second"),
              "%s", e.msg);
    start[2] = 5;
    cr_assert_eq(verify_list(&p, start, inst, &e), NNP_OK, "%s", e.msg);
    sched_problem_free(&p);
}

/* List capacity: two 3-cycle ops on one non-pipelined instance, overlapping
 * at cycles 1-2; back to back they pass. A loop-carried edge is refused. */
Test(verify, list_schedules_check_capacity_and_refuse_distances)
{
    sched_problem p = {0};
    int u = sched_add_resource(&p, "mac", 1, 3);
    int a = sched_add_op(&p, "a", u, 3, 0), b = sched_add_op(&p, "b", u, 3, 0);
    int64_t start[] = {0, 1};
    int inst[] = {0, 0};
    nnp_err e = {0};
    cr_assert_eq(verify_list(&p, start, inst, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "resource mac: 2 ops busy at cycle 1"), "%s", e.msg);
    start[1] = 3;
    cr_assert_eq(verify_list(&p, start, inst, &e), NNP_OK, "%s", e.msg);
    sched_add_edge(&p, a, b, 0, 1);
    cr_assert_eq(verify_list(&p, start, inst, &e), NNP_INVALID);
    cr_assert(strstr(e.msg, "distance 1"), "%s", e.msg);
    sched_problem_free(&p);
}
