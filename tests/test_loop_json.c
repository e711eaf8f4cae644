/* The loop JSON reader and `nnpipe modsched`: fixtures under
 * tests/data/loops/, every error naming its field, and the command's views
 * and exit codes. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop_json.h"
#include "testutil.h"

static int parse(const char *text, sched_problem *p, nnp_err *e)
{
    memset(p, 0, sizeof *p);
    return loop_json_parse(text, strlen(text), "t.json", p, e);
}

/* Parses text, expects NNP_INVALID and every needle in the message. */
static void expect_error(const char *text, const char *n1, const char *n2)
{
    sched_problem p;
    nnp_err e = {0};
    int st = parse(text, &p, &e);
    sched_problem_free(&p);
    cr_assert_eq(st, NNP_INVALID, "accepted: %s", text);
    cr_assert(strstr(e.msg, n1), "'%s' not in: %s", n1, e.msg);
    cr_assert(!n2 || strstr(e.msg, n2), "'%s' not in: %s", n2, e.msg);
}

Test(loop_json, reads_a_fixture_with_defaults)
{
    sched_problem p = {0};
    nnp_err e = {0};
    cr_assert_eq(loop_json_read(src_path("tests/data/loops/dot_product.json"), &p, &e), NNP_OK,
                 "%s", e.msg);
    cr_assert_eq(p.nresources, 3);
    cr_assert_eq(p.nops, 5);
    cr_assert_eq(p.nedges, 7);
    cr_assert_str_eq(p.resources[2].name, "alu");
    cr_assert_eq(p.resources[2].instances, 2);
    cr_assert_eq(p.resources[0].blocking, 1); /* omitted */
    cr_assert_str_eq(p.ops[2].name, "mul");
    cr_assert_eq(p.ops[2].resource, 1);
    cr_assert_eq(p.ops[2].latency, 3);
    cr_assert_eq(p.ops[2].occupancy, 0);
    cr_assert_eq(p.edges[3].from, 3); /* add -> add, distance 1 */
    cr_assert_eq(p.edges[3].to, 3);
    cr_assert_eq(p.edges[3].distance, 1);
    cr_assert_eq(p.edges[0].delay, 0);
    sched_problem_free(&p);
}

Test(loop_json, unlimited_resources_ops_without_resource_and_memory)
{
    sched_problem p;
    nnp_err e = {0};
    const char *t = "{\"resources\": [{\"name\": \"alu\"}, {\"name\": \"div\", \"instances\": -1, "
                    "\"blocking\": 8}],"
                    " \"ops\": [{\"name\": \"x\", \"latency\": 0}, {\"name\": \"y\", \"resource\": "
                    "\"div\", \"latency\": 8, \"occupancy\": 4}],"
                    " \"edges\": [{\"from\": \"x\", \"to\": \"y\", \"delay\": -2}],"
                    " \"pools\": [{\"name\": \"sram\", \"capacity\": 1024}],"
                    " \"buffers\": [{\"name\": \"t\", \"pool\": \"sram\", \"bytes\": 64, "
                    "\"producer\": \"x\", \"readers\": [\"y\"]}]}";
    cr_assert_eq(parse(t, &p, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(p.resources[0].instances, SCHED_UNLIMITED);
    cr_assert_eq(p.resources[1].blocking, 8);
    cr_assert_eq(p.ops[0].resource, SCHED_NONE);
    cr_assert_eq(p.ops[1].occupancy, 4);
    cr_assert_eq(p.edges[0].delay, -2);
    cr_assert_eq(p.npools, 1);
    cr_assert_eq(p.buffers[0].bytes, 64);
    cr_assert_eq(p.buffers[0].producer, 0);
    cr_assert_eq(p.buffers[0].nreaders, 1);
    cr_assert_eq(p.buffers[0].readers[0], 1);
    sched_problem_free(&p);
}

Test(loop_json, syntax_errors_give_file_line_and_column)
{
    /* line 3 is `    {"name": "a" "latency": 1}`: after "a" (columns
     * 14-16) and a space, a ',' or '}' is due at column 18. */
    expect_error("{\n  \"ops\": [\n    {\"name\": \"a\" \"latency\": 1}\n  ]\n}", "t.json:3:18:",
                 "expected ',' or '}'");
    expect_error("{\"ops\": []} x", "t.json:1:13:", "unexpected text after the end of the JSON value");
    expect_error("{\"ops\": [1.]}", "t.json:1:12:", "digit"); /* strict: cJSON alone took "1." */
    expect_error(" \n", "t.json: empty file", NULL);
}

Test(loop_json, names_the_entry_and_field_at_fault)
{
    expect_error("{\"ops\": [{\"name\": \"a\", \"resource\": \"fpu\", \"latency\": 1}]}",
                 "ops[0] (\"a\"): resource: no resource named \"fpu\"", NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1}, {\"name\": \"a\", \"latency\": 2}]}",
                 "ops[1] (\"a\"): name: duplicate name: ops[0]", NULL);
    expect_error("{\"resources\": [{\"name\": \"m\"}, {\"name\": \"m\"}], \"ops\": []}",
                 "resources[1] (\"m\")", "duplicate");
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": -1}]}",
                 "ops[0] (\"a\"): latency: must be an integer >= 0, got -1", NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1.5}]}", "latency", "got 1.5");
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": \"3\"}]}", "latency", "got a string");
    expect_error("{\"ops\": [{\"name\": \"a\"}]}", "ops[0] (\"a\"): missing field \"latency\"",
                 NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latncy\": 1}]}", "unknown field \"latncy\"",
                 "expected name, resource, latency, occupancy");
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1}], \"edges\": [{\"from\": \"a\", "
                 "\"to\": \"a\", \"distance\": -1}]}",
                 "edges[0] (a -> a): distance: must be an integer >= 0", NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1}], \"edges\": [{\"from\": \"a\", "
                 "\"to\": \"b\"}]}",
                 "edges[0] (a -> b): to: no op named \"b\"", NULL);
    expect_error("{\"resources\": [{\"name\": \"m\", \"instances\": 0}], \"ops\": []}",
                 "resources[0] (\"m\"): instances: must be >= 1", NULL);
    expect_error("{\"resources\": [{\"name\": \"m\", \"blocking\": 0}], \"ops\": []}",
                 "blocking: must be an integer >= 1", NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1, \"occupancy\": 2}]}",
                 "occupancy: given, but the op uses no resource", NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1}], \"pools\": [], \"buffers\": "
                 "[{\"name\": \"t\", \"pool\": \"l2\", \"bytes\": 4, \"producer\": \"a\"}]}",
                 "buffers[0] (\"t\"): pool: no pool named \"l2\"", NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1}], \"pools\": [{\"name\": \"l\", "
                 "\"capacity\": 9}], \"buffers\": [{\"name\": \"t\", \"pool\": \"l\", \"bytes\": 4, "
                 "\"producer\": \"a\", \"readers\": [\"a\", 7]}]}",
                 "readers[1]: must be an op name", NULL);
    expect_error("{\"op\": []}", "unknown field \"op\"", NULL);
    expect_error("{}", "missing top-level field \"ops\"", NULL);
    expect_error("[]", "must be an object", NULL);
    expect_error("{\"ops\": {}}", "ops: must be an array", NULL);
    expect_error("{\"ops\": [{\"name\": \"a\", \"latency\": 1, \"latency\": 2}]}",
                 "latency: appears twice", NULL);
}

Test(loop_json, cycle_counts_past_the_limit_are_refused)
{
    sched_problem p;
    nnp_err e = {0};
    int st = parse("{\"ops\": [{\"name\": \"a\", \"latency\": 2000000000000}]}", &p, &e);
    sched_problem_free(&p);
    cr_assert_eq(st, NNP_LIMIT);
    cr_assert(strstr(e.msg, "t.json") && strstr(e.msg, "op a"), "%s", e.msg);
}

/* ---- the command ---- */

static int modsched(const char *args, char **out, char **err)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s modsched %s", NNP_CLI, args);
    return run_cmd(cmd, out, err);
}

static const char *loop(const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/data/loops/%s", NNP_SOURCE_DIR, name);
    return buf;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(it), "no number %s", k);
    return it->valuedouble;
}

Test(modsched_cli, json_view_gives_the_hand_computed_schedule)
{
    char args[1200], *out, *err;
    snprintf(args, sizeof args, "%s --format json --trip 10", loop("double_buffer.json"));
    cr_assert_eq(modsched(args, &out, &err), 0, "%s", err);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert_eq(num(j, "ii"), 5);
    cr_assert_eq(num(j, "mii"), 5);
    cr_assert_eq(num(j, "res_mii"), 5);
    cr_assert_eq(num(j, "rec_mii"), 5);
    cr_assert_eq(num(j, "stage_count"), 2);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "optimal")));
    cr_assert_str_eq(cJSON_GetObjectItem(j, "verifier")->valuestring, "ok");
    const cJSON *st = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "ops"), 2);
    cr_assert_str_eq(cJSON_GetObjectItem(st, "name")->valuestring, "st");
    cr_assert_eq(num(st, "start"), 8);
    cr_assert_eq(num(st, "stage"), 1);
    cr_assert_eq(num(st, "instance"), 0);
    const cJSON *trip = cJSON_GetObjectItem(j, "trip");
    cr_assert_eq(num(trip, "kernel_iterations"), 9);
    cr_assert_eq(num(trip, "total_cycles"), 55);
    cJSON_Delete(j);
    free(out);
    free(err);
}

Test(modsched_cli, table_view_shows_ops_and_the_reservation_table)
{
    char *out, *err;
    cr_assert_eq(modsched(loop("double_buffer.json"), &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "ResMII 5 (mac)  RecMII 5  MII 5"), "%s", out);
    cr_assert(strstr(out, "II 5: optimal (II = MII)"), "%s", out);
    cr_assert(strstr(out, "verifier: ok"), "%s", out);
    /* row 3: comp starts (stage 0) while st of the previous iteration
     * starts (stage 1); row 0: ld starts, comp still busy */
    const char *row3 = strstr(out, "\n    3 |");
    cr_assert(row3 && strstr(row3, "comp s0") && strstr(row3, "st s1"), "%s", out);
    const char *row0 = strstr(out, "\n    0 |");
    cr_assert(row0 && strstr(row0, "ld s0") && strstr(row0, "(comp)"), "%s", out);
    free(out);
    free(err);
}

Test(modsched_cli, summary_says_why_ii_was_raised_and_what_is_proven)
{
    char args[1200], *out, *err;
    snprintf(args, sizeof args, "%s --format summary", loop("three_dividers.json"));
    cr_assert_eq(modsched(args, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "ResMII 5 (div)"), "%s", out);
    cr_assert(strstr(out, "II 6: optimal (proven by exact search)"), "%s", out);
    cr_assert(strstr(out, "II 5 heuristic: no slot within budget"), "%s", out);
    cr_assert(strstr(out, "resource-bound"), "%s", out);
    cr_assert(strstr(out, "II 5 exact: proven infeasible"), "%s", out);
    cr_assert(!strstr(out, "reservation table"), "%s", out);
    free(out);
    free(err);
    snprintf(args, sizeof args, "%s --format summary --exact-limit 0", loop("three_dividers.json"));
    cr_assert_eq(modsched(args, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "II 6: not proven (loop larger than the exact search limit)"), "%s", out);
    free(out);
    free(err);
}

Test(modsched_cli, short_trip_count_says_it_does_not_overlap)
{
    char args[1200], *out, *err;
    snprintf(args, sizeof args, "%s --format summary --trip 1", loop("double_buffer.json"));
    cr_assert_eq(modsched(args, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "trip 1: fewer iterations than the 2 stages, so no overlap"), "%s", out);
    free(out);
    free(err);
}

Test(modsched_cli, exit_codes_and_messages)
{
    char args[1200], *out, *err;
    cr_assert_eq(modsched(loop("zero_cycle.json"), &out, &err), 2);
    cr_assert(strstr(err, "a -> b -> a") || strstr(err, "b -> a -> b"), "%s", err);
    cr_assert(strstr(err, "zero_cycle.json"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(modsched("/nonexistent/loop.json", &out, &err), 2);
    cr_assert(strstr(err, "/nonexistent/loop.json"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(modsched("", &out, &err), 1);
    cr_assert(strstr(err, "nnpipe: error: modsched: missing LOOP.json"), "%s", err);
    free(out);
    free(err);
    snprintf(args, sizeof args, "%s --format pretty", loop("double_buffer.json"));
    cr_assert_eq(modsched(args, &out, &err), 1);
    cr_assert(strstr(err, "--format"), "%s", err);
    free(out);
    free(err);
    snprintf(args, sizeof args, "%s --exact-limit -3", loop("double_buffer.json"));
    cr_assert_eq(modsched(args, &out, &err), 1);
    cr_assert(strstr(err, "--exact-limit takes a non-negative integer up to 100000"), "%s", err);
    free(out);
    free(err);
    const char *dir = temp_dir();
    char path[256];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    cr_assert_eq(write_text(path, "{\"ops\": [\n  {\"name\": \"a\", \"latency\": 1,}\n]}"), 0);
    cr_assert_eq(modsched(path, &out, &err), 2);
    cr_assert(strstr(err, "bad.json:2:"), "%s", err);
    free(out);
    free(err);
    remove(path);
    remove(dir);
    cr_assert_eq(modsched("--help", &out, &err), 0);
    cr_assert(strstr(out, "--exact-limit"), "%s", out);
    free(out);
    free(err);
}
