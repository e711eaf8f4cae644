/* Thread safety of the public API (scenario in api_threads.h): in-process,
 * where the sanitizer build checks memory and leaks, and as a separate
 * ThreadSanitizer build of the whole library (tools/test_tsan.sh) that
 * fails on any data race. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "api_threads.h"
#include "testutil.h"

Test(api_threads, threads_compile_and_schedule_different_samples_at_once)
{
    char err[1024] = "";
    cr_assert_eq(run_threads(NNP_SOURCE_DIR, err, sizeof err), 0, "%s", err);
}

Test(api_threads, thread_sanitizer_finds_no_race, .timeout = 900)
{
    /* The TSan build lives beside this build and is incremental. */
    char cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "%s/tools/test_tsan.sh %s/tsan", NNP_SOURCE_DIR, NNP_BINARY_DIR);
    int st = run_cmd(cmd, &out, &err);
    cr_assert_eq(st, 0, "test_tsan.sh exits %d:\n%s\n%s", st, out, err);
    cr_assert(strstr(out, "threads agree, no data race"), "%s", out);
    cr_assert_null(strstr(err, "ThreadSanitizer"), "%s", err);
    free(out);
    free(err);
}
