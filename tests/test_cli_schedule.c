/* `nnpipe schedule`: summary and JSON output, verification, options. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static int nnpipe(const char *args, char **out, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s", NNP_SOURCE_DIR, NNP_CLI, args);
    return run_cmd(cmd, out, err);
}

Test(cli_schedule, summary_reports_loops_bounds_and_verification)
{
    char *out, *err;
    cr_assert_eq(nnpipe("schedule samples/resblock.json --verify", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "modulo schedule on target npu") != NULL, "%s", out);
    cr_assert(strstr(out, "ResMII") && strstr(out, "makespan") && strstr(out, "lower bound"), "%s", out);
    cr_assert(strstr(out, "verified:") != NULL, "%s", out);
    free(out);
    free(err);
}

Test(cli_schedule, json_lists_every_instance_with_its_cycles)
{
    char *out, *err;
    cr_assert_eq(nnpipe("schedule samples/lenet5.json --format json --target samples/targets/vta.json",
                        &out, &err),
                 0, "%s", err);
    cJSON *root = cJSON_Parse(out);
    cr_assert_not_null(root);
    cJSON *insts = cJSON_GetObjectItem(root, "instances");
    cJSON *stats = cJSON_GetObjectItem(root, "stats");
    cr_assert(cJSON_IsArray(insts) && cJSON_GetArraySize(insts) > 0);
    double makespan = cJSON_GetObjectItem(stats, "makespan")->valuedouble, last = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, insts)
    {
        double s = cJSON_GetObjectItem(it, "start")->valuedouble;
        double e = cJSON_GetObjectItem(it, "end")->valuedouble;
        cr_assert(s >= 0 && e >= s && e <= makespan);
        /* every predecessor is a valid instance id that ends no later than this starts
         * (edges may carry delays, so only ids are checked strictly) */
        cJSON *d;
        cJSON_ArrayForEach(d, cJSON_GetObjectItem(it, "after"))
            cr_assert(d->valuedouble >= 0 && d->valuedouble < cJSON_GetArraySize(insts));
        last = e > last ? e : last;
    }
    cr_assert_eq(last, makespan);
    cJSON_Delete(root);
    free(out);
    free(err);
}

Test(cli_schedule, sequential_scheduler_and_output_file)
{
    const char *path = "/tmp/nnp_sched_out.txt";
    remove(path);
    cr_assert_eq(nnpipe("schedule samples/tinymlp.json --scheduler sequential -o /tmp/nnp_sched_out.txt",
                        NULL, NULL),
                 0);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[256];
    cr_assert(fgets(line, sizeof line, f) != NULL);
    cr_assert(strstr(line, "sequential schedule") != NULL, "%s", line);
    fclose(f);
    remove(path);
}

Test(cli_schedule, bad_options_are_usage_errors)
{
    char *err;
    cr_assert_eq(nnpipe("schedule samples/lenet5.json --scheduler magic", NULL, &err), 1);
    cr_assert(strstr(err, "magic") != NULL, "%s", err);
    free(err);
    cr_assert_eq(nnpipe("schedule samples/lenet5.json --format bogus", NULL, &err), 1);
    cr_assert(strstr(err, "bogus") != NULL, "%s", err);
    free(err);
    cr_assert_eq(nnpipe("schedule", NULL, &err), 1);
    cr_assert(strstr(err, "nnpipe: error: schedule: missing MODEL"), "%s", err);
    free(err);
    cr_assert_eq(nnpipe("schedule samples/lenet5.json --target /nonexistent.json", NULL, &err), 2);
    cr_assert(strstr(err, "/nonexistent.json") != NULL, "%s", err);
    free(err);
}
