/* Memory timelines (passes/plan_memory.c), the modulo placer's count of
 * bytes live per pool: a few cases worked out by hand (half-open
 * lifetimes, a buffer claimed with no end yet, a limit never met), then
 * random steps checked against a plain array of bytes per cycle. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "plan.h"

/* bytes live over [a, b); b = INT64_MAX: no end yet */
static void live(mem_line *m, int64_t a, int64_t b, int64_t bytes)
{
    cr_assert_eq(mem_line_add(m, a, bytes), 0);
    if (b != INT64_MAX)
        cr_assert_eq(mem_line_add(m, b, -bytes), 0);
}

Test(plan_memory, an_empty_timeline_has_room_everywhere)
{
    mem_line m = {0};
    cr_assert_eq(mem_line_peak(&m, 0, INT64_MAX), 0);
    cr_assert_eq(mem_line_fit(&m, 7, INT64_MAX, 0), 7);
    cr_assert_eq(mem_line_fit(&m, 7, INT64_MAX, -1), -1, "a buffer larger than the pool");
    mem_line_free(&m);
}

/* 100 bytes over [10, 20) and 50 over [15, 30): 100 live in [10, 15), 150
 * in [15, 20), 50 in [20, 30), none from 30 on. */
Test(plan_memory, peaks_and_fits_of_two_buffers_by_hand)
{
    mem_line m = {0};
    live(&m, 10, 20, 100);
    live(&m, 15, 30, 50);
    cr_assert_eq(mem_line_peak(&m, 0, 10), 0);
    cr_assert_eq(mem_line_peak(&m, 0, 11), 100);
    cr_assert_eq(mem_line_peak(&m, 0, INT64_MAX), 150);
    cr_assert_eq(mem_line_peak(&m, 19, 20), 150);
    cr_assert_eq(mem_line_peak(&m, 20, INT64_MAX), 50, "freed at 20: the end is exclusive");
    cr_assert_eq(mem_line_peak(&m, 16, 17), 150, "no step at 16: what is live there");
    cr_assert_eq(mem_line_peak(&m, 30, INT64_MAX), 0);
    /* 60 bytes of room (limit 60 of what is live): from 20 on for good */
    cr_assert_eq(mem_line_fit(&m, 0, INT64_MAX, 60), 20);
    cr_assert_eq(mem_line_fit(&m, 0, 10, 60), 0, "before 10 nothing is live");
    cr_assert_eq(mem_line_fit(&m, 0, 12, 60), 12, "only the empty range [12, 12) fits");
    cr_assert_eq(mem_line_fit(&m, 16, INT64_MAX, 120), 20, "over the limit at 16 itself");
    cr_assert_eq(mem_line_fit(&m, 12, INT64_MAX, 150), 12);
    cr_assert_eq(mem_line_fit(&m, 25, 28, 0), 28, "50 live all through [25, 28)");
    cr_assert_eq(mem_line_fit(&m, 25, INT64_MAX, 0), 30);
    mem_line_free(&m);
}

Test(plan_memory, a_buffer_freed_where_another_is_allocated_does_not_count_twice)
{
    mem_line m = {0};
    live(&m, 0, 50, 100);
    live(&m, 50, 60, 100);
    cr_assert_eq(mem_line_peak(&m, 0, INT64_MAX), 100);
    cr_assert_eq(mem_line_fit(&m, 50, INT64_MAX, 0), 60);
    /* taking a claim back leaves the timeline as it was */
    live(&m, 20, 40, 30);
    cr_assert_eq(mem_line_peak(&m, 0, INT64_MAX), 130);
    cr_assert_eq(mem_line_add(&m, 20, -30), 0);
    cr_assert_eq(mem_line_add(&m, 40, 30), 0);
    cr_assert_eq(mem_line_peak(&m, 0, INT64_MAX), 100);
    mem_line_free(&m);
}

/* A claim with no end (its readers are not placed yet) blocks every later
 * cycle: a buffer that does not fit beside it never fits for good, yet it
 * fits over a bounded range before the claim starts. */
Test(plan_memory, a_claim_with_no_end_is_live_for_ever)
{
    mem_line m = {0};
    live(&m, 40, INT64_MAX, 70);
    live(&m, 0, 10, 100);
    cr_assert_eq(mem_line_peak(&m, 1000000, INT64_MAX), 70);
    cr_assert_eq(mem_line_fit(&m, 0, INT64_MAX, 50), -1);
    cr_assert_eq(mem_line_fit(&m, 0, INT64_MAX, 70), 10);
    cr_assert_eq(mem_line_fit(&m, 0, 40, 50), 10);
    cr_assert_eq(mem_line_fit(&m, 0, 41, 50), 41);
    mem_line_free(&m);
}

/* ---- random steps against an array ---- */

enum { HORIZON = 96 };

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* live[t] for t < HORIZON; live[HORIZON] holds from HORIZON on */
static int64_t naive_peak(const int64_t *lv, int64_t lo, int64_t hi)
{
    int64_t best = 0;
    int first = 1;
    for (int64_t t = lo; t < hi && t <= HORIZON; t++) {
        if (first || lv[t] > best)
            best = lv[t];
        first = 0;
    }
    return best;
}

static int64_t naive_fit(const int64_t *lv, int64_t s, int64_t hi, int64_t limit)
{
    if (limit < 0)
        return -1;
    for (int64_t c = s; c <= HORIZON && c < hi; c++)
        if (naive_peak(lv, c, hi) <= limit)
            return c;
    return hi == INT64_MAX ? -1 : hi; /* the tail from HORIZON on was tried */
}

Test(plan_memory, random_steps_agree_with_a_count_per_cycle)
{
    uint64_t seed = 88172645463325252ull;
    for (int round = 0; round < 300; round++) {
        mem_line m = {0};
        int64_t lv[HORIZON + 1];
        memset(lv, 0, sizeof lv);
        int n = 1 + (int)(rng(&seed) % 24);
        for (int k = 0; k < n; k++) {
            int64_t a = (int64_t)(rng(&seed) % (HORIZON - 24)); /* every end below HORIZON */
            int64_t b = rng(&seed) % 5 == 0 ? INT64_MAX : a + 1 + (int64_t)(rng(&seed) % 20);
            int64_t bytes = 1 + (int64_t)(rng(&seed) % 64);
            live(&m, a, b, bytes);
            for (int64_t t = a; t <= HORIZON && t < b; t++)
                lv[t] += bytes;
        }
        for (int q = 0; q < 40; q++) {
            int64_t lo = (int64_t)(rng(&seed) % HORIZON);
            int64_t hi = rng(&seed) % 4 == 0 ? INT64_MAX : lo + (int64_t)(rng(&seed) % 30);
            int64_t limit = (int64_t)(rng(&seed) % 200) - 5;
            if (lo < hi)
                cr_assert_eq(mem_line_peak(&m, lo, hi), naive_peak(lv, lo, hi),
                             "round %d: peak over [%lld, %lld)", round, (long long)lo,
                             (long long)hi);
            cr_assert_eq(mem_line_fit(&m, lo, hi, limit), naive_fit(lv, lo, hi, limit),
                         "round %d: fit from %lld to %lld under %lld", round, (long long)lo,
                         (long long)hi, (long long)limit);
        }
        mem_line_free(&m);
    }
}
