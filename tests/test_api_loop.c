/* The generic scheduling API through <nnpipe/nnpipe.h> only: loops built
 * call by call or read from JSON, whose bounds (ResMII, RecMII, makespans)
 * are worked out by hand in each test's comment; the reservation table
 * cross-checked against the op slots; caller-made schedules accepted or
 * refused by the verifier; every misuse and malformed loop refused with
 * the documented status and a message naming the culprit. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"

static void expect_err(nnp_loop *l, int rc, int want, const char *needle)
{
    cr_assert_eq(rc, want, "status %d (%s), wanted %d: %s", rc, nnp_status_name(rc), want,
                 nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_errcode(l), want);
    cr_assert(strstr(nnp_loop_errmsg(l), needle), "message '%s' lacks '%s'", nnp_loop_errmsg(l),
              needle);
}

/* A call on a handle in error state is misuse, and the handle keeps the
 * status and message of the failure that broke it. */
static void expect_broken(nnp_loop *l, int rc, int why, const char *needle)
{
    cr_assert_eq(rc, NNP_MISUSE, "status %d (%s) on a broken handle", rc, nnp_status_name(rc));
    cr_assert_eq(nnp_loop_errcode(l), why);
    cr_assert(strstr(nnp_loop_errmsg(l), needle), "message '%s' lost '%s'", nnp_loop_errmsg(l),
              needle);
}

static nnp_loop *new_loop(void)
{
    nnp_loop *l;
    cr_assert_eq(nnp_loop_new(&l), NNP_OK);
    return l;
}

static void modulo_ok(nnp_loop *l, nnp_loop_result *r)
{
    cr_assert_eq(nnp_loop_modulo_schedule(l, NULL), NNP_OK, "%s", nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_verify(l), NNP_OK, "%s", nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_get_result(l, r), NNP_OK);
    cr_assert_eq(r->kind, NNP_SCHEDULE_MODULO);
}

Test(api_loop, five_ops_on_two_alus_need_ii_3)
{
    /* ResMII = ceil(5 ops x 1 cycle / 2 instances) = 3; no recurrence. */
    nnp_loop *l = new_loop();
    int alu, op;
    cr_assert_eq(nnp_loop_add_resource(l, "alu", 2, 1, &alu), NNP_OK);
    for (int k = 0; k < 5; k++)
        cr_assert_eq(nnp_loop_add_op(l, NULL, alu, 1, 0, &op), NNP_OK);
    cr_assert_eq(op, 4);
    nnp_loop_result r;
    modulo_ok(l, &r);
    cr_assert(r.res_mii == 3 && r.rec_mii == 0 && r.mii == 3 && r.ii == 3);
    cr_assert_eq(r.res_mii_resource, alu);
    cr_assert(r.optimal && r.optimality == NNP_OPT_AT_MII);
    /* Every op sits in exactly one cell of the 2 x 3 table; one cell is free. */
    int seen[5] = {0}, free_cells = 0;
    for (int inst = 0; inst < 2; inst++)
        for (int64_t row = 0; row < 3; row++) {
            int v;
            cr_assert_eq(nnp_loop_reservation(l, alu, inst, row, &v), NNP_OK);
            if (v < 0) {
                free_cells++;
                continue;
            }
            nnp_slot_desc s;
            cr_assert_eq(nnp_loop_slot(l, v, &s), NNP_OK);
            cr_assert(s.instance == inst && s.row == row && s.stage == s.start / 3);
            seen[v]++;
        }
    cr_assert_eq(free_cells, 1);
    for (int v = 0; v < 5; v++)
        cr_assert_eq(seen[v], 1);
    nnp_loop_close(l);
}

Test(api_loop, a_recurrence_sets_rec_mii_and_stages_follow_ii)
{
    /* a (latency 3) -> b (latency 2) -> a of the next iteration: the cycle
     * weighs 3 + 2 = 5 over distance 1, so RecMII = 5; over distance 2 it
     * would be ceil(5 / 2) = 3. Unlimited resource: ResMII 0. */
    for (int dist = 1; dist <= 2; dist++) {
        nnp_loop *l = new_loop();
        int u, a, b;
        cr_assert_eq(nnp_loop_add_resource(l, "any", NNP_UNLIMITED, 1, &u), NNP_OK);
        cr_assert_eq(nnp_loop_add_op(l, "a", u, 3, 0, &a), NNP_OK);
        cr_assert_eq(nnp_loop_add_op(l, "b", NNP_NO_RESOURCE, 2, 0, &b), NNP_OK);
        cr_assert_eq(nnp_loop_add_edge(l, a, b, 0, 0, NULL), NNP_OK);
        cr_assert_eq(nnp_loop_add_edge(l, b, a, 0, dist, NULL), NNP_OK);
        nnp_loop_result r;
        modulo_ok(l, &r);
        cr_assert_eq(r.res_mii, 0);
        cr_assert_eq(r.rec_mii, dist == 1 ? 5 : 3);
        cr_assert_eq(r.ii, r.rec_mii);
        nnp_slot_desc sa, sb;
        cr_assert_eq(nnp_loop_slot(l, a, &sa), NNP_OK);
        cr_assert_eq(nnp_loop_slot(l, b, &sb), NNP_OK);
        cr_assert_geq(sb.start, sa.start + 3, "b waits for a's latency");
        cr_assert_eq(sa.instance, -1, "an unlimited resource has no instances");
        cr_assert_eq(r.stage_count, (sa.start > sb.start ? sa.start : sb.start) / r.ii + 1);
        int v;
        expect_err(l, nnp_loop_reservation(l, u, 0, 0, &v), NNP_MISUSE, "unlimited");
        nnp_loop_close(l);
    }
}

Test(api_loop, an_unpipelined_multiplier_blocks_for_its_occupancy)
{
    /* Two multiplies of blocking 3 on one instance: ResMII = 6, and each
     * holds three consecutive rows of the table. */
    nnp_loop *l = new_loop();
    int mul;
    cr_assert_eq(nnp_loop_add_resource(l, "mul", 1, 3, &mul), NNP_OK);
    cr_assert_eq(nnp_loop_add_op(l, "m0", mul, 4, 0, NULL), NNP_OK);
    cr_assert_eq(nnp_loop_add_op(l, "m1", mul, 4, 0, NULL), NNP_OK);
    nnp_loop_result r;
    modulo_ok(l, &r);
    cr_assert(r.res_mii == 6 && r.ii == 6);
    int count[2] = {0};
    for (int64_t row = 0; row < 6; row++) {
        int v;
        cr_assert_eq(nnp_loop_reservation(l, mul, 0, row, &v), NNP_OK);
        cr_assert(v == 0 || v == 1);
        count[v]++;
    }
    cr_assert(count[0] == 3 && count[1] == 3);
    nnp_loop_close(l);
}

Test(api_loop, the_dot_product_fixture_reads_back_and_schedules_at_ii_2)
{
    /* Its comment: two loads on one port (ResMII 2), add recurrence of 2
     * cycles at distance 1 (RecMII 2). */
    nnp_loop *l;
    cr_assert_eq(nnp_loop_open(src_path("tests/data/loops/dot_product.json"), &l), NNP_OK, "%s",
                 nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_op_count(l), 5);
    cr_assert_eq(nnp_loop_resource_count(l), 3);
    cr_assert_eq(nnp_loop_edge_count(l), 7);
    int mul, mem;
    cr_assert_eq(nnp_loop_find_op(l, "mul", &mul), NNP_OK);
    cr_assert_eq(nnp_loop_find_resource(l, "mem", &mem), NNP_OK);
    nnp_loop_op_desc od;
    cr_assert_eq(nnp_loop_op(l, mul, &od), NNP_OK);
    cr_assert(!strcmp(od.name, "mul") && od.latency == 3 && od.occupancy == 0);
    nnp_resource_desc rd;
    cr_assert_eq(nnp_loop_resource(l, mem, &rd), NNP_OK);
    cr_assert(rd.instances == 1 && rd.blocking == 1);
    nnp_edge_desc ed;
    cr_assert_eq(nnp_loop_edge(l, 3, &ed), NNP_OK);
    cr_assert(ed.from == ed.to && ed.distance == 1);
    nnp_loop_result r;
    modulo_ok(l, &r);
    cr_assert(r.res_mii == 2 && r.rec_mii == 2 && r.ii == 2 && r.optimal);
    cr_assert_geq(r.attempt_count, 1);
    nnp_attempt_desc a;
    cr_assert_eq(nnp_loop_attempt(l, r.attempt_count - 1, &a), NNP_OK);
    cr_assert(a.ii == 2 && a.outcome == NNP_ATTEMPT_FOUND);
    /* trip >= SC overlaps: (trip - 1) * II + length cycles. */
    nnp_trip_desc t;
    cr_assert_eq(nnp_loop_trip(l, 100, &t), NNP_OK);
    cr_assert(t.overlapped && t.total_cycles == 99 * 2 + r.length);
    cr_assert_eq(t.kernel_iterations, 100 - r.stage_count + 1);
    cr_assert_eq(nnp_loop_trip(l, 0, &t), NNP_OK);
    cr_assert_eq(t.total_cycles, 0);
    nnp_loop_close(l);
}

Test(api_loop, a_loop_from_memory_equals_the_same_loop_built_by_calls)
{
    static const char text[] =
        "{\"resources\": [{\"name\": \"alu\", \"instances\": 2}],\n"
        " \"ops\": [{\"name\": \"x\", \"resource\": \"alu\", \"latency\": 2},\n"
        "         {\"name\": \"y\", \"resource\": \"alu\", \"latency\": 1},\n"
        "         {\"name\": \"z\", \"resource\": \"alu\", \"latency\": 1}],\n"
        " \"edges\": [{\"from\": \"x\", \"to\": \"y\"}, {\"from\": \"y\", \"to\": \"x\","
        " \"distance\": 1}]}";
    nnp_loop *a, *b = new_loop();
    cr_assert_eq(nnp_loop_open_buffer(text, sizeof text - 1, "mem.json", &a), NNP_OK, "%s",
                 nnp_loop_errmsg(a));
    int alu, x, y, z;
    nnp_loop_add_resource(b, "alu", 2, 1, &alu);
    nnp_loop_add_op(b, "x", alu, 2, 0, &x);
    nnp_loop_add_op(b, "y", alu, 1, 0, &y);
    nnp_loop_add_op(b, "z", alu, 1, 0, &z);
    nnp_loop_add_edge(b, x, y, 0, 0, NULL);
    nnp_loop_add_edge(b, y, x, 0, 1, NULL);
    nnp_loop_result ra, rb;
    modulo_ok(a, &ra);
    modulo_ok(b, &rb);
    /* ResMII ceil(3/2) = 2, RecMII 2 + 1 = 3. */
    cr_assert(ra.res_mii == 2 && ra.rec_mii == 3 && ra.ii == 3);
    cr_assert(rb.res_mii == ra.res_mii && rb.rec_mii == ra.rec_mii && rb.ii == ra.ii);
    nnp_loop_close(a);
    nnp_loop_close(b);
}

Test(api_loop, list_scheduling_a_diamond_meets_its_hand_made_bounds)
{
    /* a(2) -> b(3) -> d(1), a -> c(1) -> d: critical path 2 + 3 + 1 = 6.
     * With unlimited units the makespan is 6; on one non-pipelined unit
     * the ops run one after another: 2 + 3 + 1 + 1 = 7. */
    for (int one_unit = 0; one_unit <= 1; one_unit++) {
        nnp_loop *l = new_loop();
        int u, a, b, c, d;
        nnp_loop_add_resource(l, "u", one_unit ? 1 : NNP_UNLIMITED, 1, &u);
        nnp_loop_add_op(l, "a", u, 2, 2, &a);
        nnp_loop_add_op(l, "b", u, 3, 3, &b);
        nnp_loop_add_op(l, "c", u, 1, 1, &c);
        nnp_loop_add_op(l, "d", u, 1, 1, &d);
        nnp_loop_add_edge(l, a, b, 0, 0, NULL);
        nnp_loop_add_edge(l, a, c, 0, 0, NULL);
        nnp_loop_add_edge(l, b, d, 0, 0, NULL);
        nnp_loop_add_edge(l, c, d, 0, 0, NULL);
        cr_assert_eq(nnp_loop_list_schedule(l), NNP_OK, "%s", nnp_loop_errmsg(l));
        cr_assert_eq(nnp_loop_verify(l), NNP_OK, "%s", nnp_loop_errmsg(l));
        nnp_loop_result r;
        cr_assert_eq(nnp_loop_get_result(l, &r), NNP_OK);
        cr_assert(r.kind == NNP_SCHEDULE_LIST && r.optimality == NNP_OPT_NONE);
        cr_assert_eq(r.critical_path, 6);
        cr_assert_eq(r.length, one_unit ? 7 : 6);
        nnp_slot_desc s;
        cr_assert_eq(nnp_loop_slot(l, d, &s), NNP_OK);
        cr_assert_eq(s.start, r.length - 1);
        /* Modulo-only views refuse a list schedule. */
        int v;
        expect_err(l, nnp_loop_reservation(l, u, 0, 0, &v), NNP_MISUSE, "no modulo schedule");
        nnp_loop_close(l);
    }
}

Test(api_loop, list_scheduling_respects_a_memory_pool)
{
    /* Two producers of 60-byte buffers read by one consumer each, pool of
     * 100 bytes: both buffers cannot be live at once. */
    nnp_loop *l = new_loop();
    int p0, p1, c0, c1, pool;
    nnp_loop_add_op(l, "p0", NNP_NO_RESOURCE, 1, 0, &p0);
    nnp_loop_add_op(l, "p1", NNP_NO_RESOURCE, 1, 0, &p1);
    nnp_loop_add_op(l, "c0", NNP_NO_RESOURCE, 1, 0, &c0);
    nnp_loop_add_op(l, "c1", NNP_NO_RESOURCE, 1, 0, &c1);
    nnp_loop_add_edge(l, p0, c0, 0, 0, NULL);
    nnp_loop_add_edge(l, p1, c1, 0, 0, NULL);
    cr_assert_eq(nnp_loop_add_pool(l, "sram", 100, &pool), NNP_OK);
    cr_assert_eq(nnp_loop_add_buffer(l, "b0", pool, 60, p0, (const int[]){c0}, 1, NULL), NNP_OK);
    cr_assert_eq(nnp_loop_add_buffer(l, "b1", pool, 60, p1, (const int[]){c1}, 1, NULL), NNP_OK);
    cr_assert_eq(nnp_loop_list_schedule(l), NNP_OK, "%s", nnp_loop_errmsg(l));
    cr_assert_eq(nnp_loop_verify(l), NNP_OK, "%s", nnp_loop_errmsg(l));
    nnp_slot_desc s[4];
    for (int v = 0; v < 4; v++)
        nnp_loop_slot(l, v, &s[v]);
    /* Lifetimes [start(p), start(c) + 1) must not overlap. */
    int disjoint = s[c0].start + 1 <= s[p1].start || s[c1].start + 1 <= s[p0].start;
    cr_assert(disjoint, "b0 [%lld, %lld) and b1 [%lld, %lld) overlap", (long long)s[p0].start,
              (long long)s[c0].start + 1, (long long)s[p1].start, (long long)s[c1].start + 1);
    expect_err(l, nnp_loop_add_buffer(l, "b2", pool, 1, p0, NULL, 1, NULL), NNP_MISUSE,
               "NULL readers");
    nnp_loop_close(l);
}

Test(api_loop, the_verifier_accepts_a_good_caller_schedule_and_names_faults)
{
    /* ld (mem, latency 2) -> add (alu, latency 1); one instance each. */
    nnp_loop *l = new_loop();
    int mem, alu, ld, add, ld2;
    nnp_loop_add_resource(l, "mem", 1, 1, &mem);
    nnp_loop_add_resource(l, "alu", 1, 1, &alu);
    nnp_loop_add_op(l, "ld", mem, 2, 0, &ld);
    nnp_loop_add_op(l, "add", alu, 1, 0, &add);
    nnp_loop_add_op(l, "ld2", mem, 2, 0, &ld2);
    nnp_loop_add_edge(l, ld, add, 0, 0, NULL);
    const int inst[] = {0, 0, 0};
    cr_assert_eq(nnp_loop_check_modulo(l, 2, (const int64_t[]){0, 2, 1}, inst), NNP_OK, "%s",
                 nnp_loop_errmsg(l));
    /* add before ld's result: the edge is named. */
    expect_err(l, nnp_loop_check_modulo(l, 2, (const int64_t[]){0, 1, 1}, inst), NNP_INVALID,
               "add");
    /* ld and ld2 on the one memory port in the same row mod 2. */
    expect_err(l, nnp_loop_check_modulo(l, 2, (const int64_t[]){0, 2, 2}, inst), NNP_INVALID,
               "mem");
    expect_err(l, nnp_loop_check_modulo(l, 2, (const int64_t[]){0, 2, 1}, (const int[]){0, 0, 1}),
               NNP_INVALID, "instance 1");
    expect_err(l, nnp_loop_check_modulo(l, 0, (const int64_t[]){0, 2, 1}, inst), NNP_INVALID,
               "II is 0");
    expect_err(l, nnp_loop_check_modulo(l, 2, NULL, inst), NNP_MISUSE,
               "start or instance is NULL");
    nnp_loop_close(l);
}

Test(api_loop, options_reach_the_scheduler_and_negative_ones_are_misuse)
{
    nnp_modulo_options o;
    nnp_modulo_options_init(&o);
    cr_assert(o.exact_limit == 40 && o.budget_ratio == 8 && o.exact_budget == 200000);
    nnp_loop *l;
    cr_assert_eq(nnp_loop_open(src_path("tests/data/loops/dot_product.json"), &l), NNP_OK);
    o.exact_limit = 0;
    cr_assert_eq(nnp_loop_modulo_schedule(l, &o), NNP_OK, "%s", nnp_loop_errmsg(l));
    o.exact_budget = -1;
    expect_err(l, nnp_loop_modulo_schedule(l, &o), NNP_MISUSE, "exact_budget -1");
    nnp_loop_result r;
    expect_err(l, nnp_loop_get_result(l, &r), NNP_MISUSE, "no schedule");
    nnp_loop_close(l);
}

Test(api_loop, any_change_discards_the_schedule)
{
    nnp_loop *l = new_loop();
    int u;
    nnp_loop_add_resource(l, "u", 1, 1, &u);
    nnp_loop_add_op(l, "a", u, 1, 0, NULL);
    nnp_loop_result r;
    modulo_ok(l, &r);
    cr_assert_eq(r.ii, 1);
    nnp_loop_add_op(l, "b", u, 1, 0, NULL);
    expect_err(l, nnp_loop_get_result(l, &r), NNP_MISUSE, "no schedule");
    expect_err(l, nnp_loop_verify(l), NNP_MISUSE, "no schedule");
    modulo_ok(l, &r);
    cr_assert_eq(r.ii, 2, "two ops on one unit now");
    nnp_loop_close(l);
}

Test(api_loop, malformed_loops_are_refused_naming_the_culprit)
{
    nnp_loop *l = new_loop();
    int u, a, b;
    nnp_loop_add_resource(l, "alu", 0, 1, &u);
    nnp_loop_add_op(l, "a", u, 1, 0, &a);
    expect_err(l, nnp_loop_modulo_schedule(l, NULL), NNP_INVALID, "alu");
    nnp_loop_close(l);

    l = new_loop();
    nnp_loop_add_op(l, "a", 7, 1, 0, &a);
    expect_err(l, nnp_loop_modulo_schedule(l, NULL), NNP_INVALID, "op a");
    cr_assert(strstr(nnp_loop_errmsg(l), "resource index 7"), "%s", nnp_loop_errmsg(l));
    nnp_loop_close(l);

    l = new_loop();
    nnp_loop_add_op(l, "neg", NNP_NO_RESOURCE, -2, 0, &a);
    expect_err(l, nnp_loop_list_schedule(l), NNP_INVALID, "neg");
    nnp_loop_close(l);

    l = new_loop();
    nnp_loop_add_op(l, "big", NNP_NO_RESOURCE, INT64_C(1) << 41, 0, &a);
    expect_err(l, nnp_loop_modulo_schedule(l, NULL), NNP_LIMIT, "op big");
    cr_assert(strstr(nnp_loop_errmsg(l), "2^40"), "%s", nnp_loop_errmsg(l));
    nnp_loop_close(l);

    /* A zero-distance cycle can never be scheduled: both ops are named. */
    l = new_loop();
    nnp_loop_add_op(l, "ping", NNP_NO_RESOURCE, 1, 0, &a);
    nnp_loop_add_op(l, "pong", NNP_NO_RESOURCE, 1, 0, &b);
    nnp_loop_add_edge(l, a, b, 0, 0, NULL);
    nnp_loop_add_edge(l, b, a, 0, 0, NULL);
    expect_err(l, nnp_loop_modulo_schedule(l, NULL), NNP_INFEASIBLE, "ping");
    cr_assert(strstr(nnp_loop_errmsg(l), "pong"));
    expect_err(l, nnp_loop_list_schedule(l), NNP_INVALID, "ping");
    nnp_loop_close(l);

    cr_assert_eq(nnp_loop_open(src_path("tests/data/loops/zero_cycle.json"), &l), NNP_OK);
    expect_err(l, nnp_loop_modulo_schedule(l, NULL), NNP_INFEASIBLE, "a -> b -> a");
    nnp_loop_close(l);
}

Test(api_loop, bad_json_and_missing_files_leave_a_handle_with_the_reason)
{
    static const char typo[] = "{\"ops\": [{\"name\": \"a\", \"latnecy\": 1}]}";
    nnp_loop *l;
    int rc = nnp_loop_open_buffer(typo, sizeof typo - 1, "typo.json", &l);
    cr_assert_not_null(l);
    expect_err(l, rc, NNP_INVALID, "typo.json");
    cr_assert(strstr(nnp_loop_errmsg(l), "latnecy"));
    expect_broken(l, nnp_loop_modulo_schedule(l, NULL), NNP_INVALID, "latnecy");
    expect_broken(l, nnp_loop_add_op(l, "x", -1, 1, 0, NULL), NNP_INVALID, "latnecy");
    cr_assert_eq(nnp_loop_op_count(l), 0);
    cr_assert(strstr(nnp_loop_errmsg(l), "latnecy"), "the reason survives later misuse");
    nnp_loop_close(l);
    static const char syntax[] = "{\n\"ops\": [}";
    rc = nnp_loop_open_buffer(syntax, sizeof syntax - 1, NULL, &l);
    expect_err(l, rc, NNP_INVALID, "<memory>:2:");
    nnp_loop_close(l);
    rc = nnp_loop_open("/nonexistent/loop.json", &l);
    expect_err(l, rc, NNP_IO, "/nonexistent/loop.json");
    nnp_loop_close(l);
}

Test(api_loop, queries_without_a_schedule_or_out_of_range_are_misuse)
{
    nnp_loop *l = new_loop();
    nnp_loop_result r;
    nnp_slot_desc s;
    nnp_loop_op_desc od;
    int v;
    expect_err(l, nnp_loop_get_result(l, &r), NNP_MISUSE, "no schedule");
    expect_err(l, nnp_loop_slot(l, 0, &s), NNP_MISUSE, "no schedule");
    expect_err(l, nnp_loop_op(l, 0, &od), NNP_MISUSE, "op index 0 out of range");
    expect_err(l, nnp_loop_find_op(l, "x", &v), NNP_INVALID, "no op named 'x'");
    expect_err(l, nnp_loop_find_resource(l, "r", &v), NNP_INVALID, "no resource named 'r'");
    int u;
    nnp_loop_add_resource(l, "u", 2, 1, &u);
    nnp_loop_add_op(l, "a", u, 1, 0, NULL);
    modulo_ok(l, &r);
    expect_err(l, nnp_loop_slot(l, 1, &s), NNP_MISUSE, "op index 1");
    expect_err(l, nnp_loop_reservation(l, u, 2, 0, &v), NNP_MISUSE, "instance index 2");
    expect_err(l, nnp_loop_reservation(l, u, 0, r.ii, &v), NNP_MISUSE, "row index 1");
    expect_err(l, nnp_loop_attempt(l, 99, NULL), NNP_MISUSE, "output pointer is NULL");
    nnp_trip_desc t;
    expect_err(l, nnp_loop_trip(l, -1, &t), NNP_MISUSE, "negative");
    nnp_loop_close(l);
    /* No out pointer, no loop: nothing to hold a message. */
    expect_null_misuse(nnp_loop_new(NULL), nnp_loop_errmsg(NULL));
    expect_null_misuse(nnp_loop_add_op(NULL, "a", -1, 1, 0, NULL), nnp_loop_errmsg(NULL));
    cr_assert_eq(nnp_loop_op_count(NULL), 0);
    cr_assert_not_null(nnp_loop_errmsg(NULL));
    nnp_loop_close(NULL);
}
