/* Valgrind memcheck on the nnpipe command, end to end, on every sample:
 * info and run (the run's output is also compared with onnxruntime's),
 * convert, lower, schedule (list and modulo, verified) and compile; and on
 * refusals, whose error paths must free everything too. Any invalid read or
 * write, use of uninitialised memory or leak (definite, indirect or
 * possible) fails the run (--error-exitcode).
 *
 * Valgrind slows the command down some thirty times, so by default each
 * command runs on the smallest samples that reach it (a few seconds each);
 * NNPIPE_MEMCHECK_ALL=1 in the environment runs every command on every
 * sample and target (several minutes), as before a release.
 *
 * Valgrind cannot run sanitized binaries, so under ASan the tests skip
 * (ASan's leak checker covers that build); they also skip, saying so, when
 * valgrind is not installed (tools/deps.sh installs it). */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Smallest first: the default runs take the first one or two. */
static const char *const samples[] = {"tinymlp", "mobilenet_tiny", "resblock", "lenet5", "big128"};
enum { NSAMPLES = sizeof samples / sizeof *samples };

/* Exit status valgrind reports its own findings with. */
enum { MEMCHECK_ERROR = 99 };

/* NNPIPE_MEMCHECK_ALL set (and not "0"): every command on every sample. */
static int all_samples(void)
{
    const char *v = getenv("NNPIPE_MEMCHECK_ALL");
    return v && strcmp(v, "0") != 0;
}

static void need_valgrind(void)
{
#ifdef UNDER_ASAN
    cr_skip_test("valgrind cannot run an ASan build; ASan checks memory there");
#endif
    if (run_cmd("valgrind --version", NULL, NULL) != 0)
        cr_skip_test("valgrind is not installed (tools/deps.sh installs it)");
}

/* Runs `nnpipe ARGS` under memcheck and returns the command's exit status;
 * a memcheck finding fails the test with valgrind's report. With errout,
 * the command's stderr is kept there (the caller frees it). */
static int memcheck_err(const char *args, char **errout)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "valgrind -q --error-exitcode=%d --leak-check=full "
             "--show-leak-kinds=definite,indirect,possible "
             "--errors-for-leak-kinds=definite,indirect,possible %s %s",
             MEMCHECK_ERROR, NNP_CLI, args);
    char *err = NULL;
    int rc = run_cmd(cmd, NULL, &err);
    cr_assert_neq(rc, MEMCHECK_ERROR, "memcheck found errors in 'nnpipe %s':\n%s", args, err);
    if (errout)
        *errout = err;
    else
        free(err);
    return rc;
}

static int memcheck(const char *args)
{
    return memcheck_err(args, NULL);
}

/* The command refused with exit status 2 and a message naming `what`. */
static void memcheck_refused(const char *args, const char *what)
{
    char *err = NULL;
    int rc = memcheck_err(args, &err);
    cr_assert_eq(rc, 2, "'nnpipe %s' exited with %d, not 2", args, rc);
    cr_assert(strstr(err, "nnpipe: error: ") && strstr(err, what),
              "'nnpipe %s': the message does not name %s:\n%s", args, what, err);
    free(err);
}

static void memcheck_ok(const char *args)
{
    int rc = memcheck(args);
    cr_assert_eq(rc, 0, "'nnpipe %s' exited with %d", args, rc);
}

static const char *sample(const char *name, const char *ext)
{
    static char buf[4][1024];
    static int next;
    char rel[256];
    snprintf(rel, sizeof rel, "samples/%s%s", name, ext);
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s", src_path(rel));
    return b;
}

Test(memcheck, info_and_run_are_clean_and_match_onnxruntime, .timeout = 600)
{
    need_valgrind();
    const char *dir = temp_dir();
    for (int s = 0; s < (all_samples() ? NSAMPLES : 2); s++) {
        char args[4096];
        snprintf(args, sizeof args, "info %s", sample(samples[s], ".onnx"));
        memcheck_ok(args);
        /* Graph inputs are the files in0, in1... that exist. */
        int n = snprintf(args, sizeof args, "run %s", sample(samples[s], ".json"));
        for (int k = 0; k < 4; k++) {
            char ext[16];
            snprintf(ext, sizeof ext, ".in%d.bin", k);
            FILE *f = fopen(sample(samples[s], ext), "rb");
            if (!f)
                break;
            fclose(f);
            n += snprintf(args + n, sizeof args - (size_t)n, " --input %s", sample(samples[s], ext));
        }
        snprintf(args + n, sizeof args - (size_t)n, " --output %s/%s.out", dir, samples[s]);
        memcheck_ok(args);
        char out[1024];
        snprintf(out, sizeof out, "%s/%s.out", dir, samples[s]);
        float *got, *want;
        long ng = read_floats(out, &got), nw = read_floats(sample(samples[s], ".out0.bin"), &want);
        cr_assert(ng > 0 && ng == nw, "%s: %ld outputs, onnxruntime %ld", samples[s], ng, nw);
        long bad = first_mismatch(got, want, (size_t)ng, 1e-4f);
        cr_assert_eq(bad, -1, "%s: element %ld is %g, onnxruntime %g", samples[s], bad,
                     bad >= 0 ? got[bad] : 0.0, bad >= 0 ? want[bad] : 0.0);
        free(got);
        free(want);
        remove(out);
    }
    remove(dir);
}

/* schedule --compare runs the sequential, list and modulo schedulers and
 * --verify the verifier, all in one process. */
Test(memcheck, convert_lower_schedule_and_compile_are_clean, .timeout = 900)
{
    need_valgrind();
    const char *dir = temp_dir();
    static const char *const targets[] = {"vta", "npu", "mcu"};
    for (int s = 0; s < (all_samples() ? NSAMPLES : 1); s++) {
        for (int k = 0; k < (all_samples() ? 3 : 1); k++) {
            char args[4096], tgt[1024];
            snprintf(tgt, sizeof tgt, "%s/samples/targets/%s.json", NNP_SOURCE_DIR, targets[k]);
            snprintf(args, sizeof args, "schedule %s --target %s --compare --verify",
                     sample(samples[s], ".json"), tgt);
            memcheck_ok(args);
            snprintf(args, sizeof args, "compile %s --target %s -o %s/%s.c",
                     sample(samples[s], ".onnx"), tgt, dir, samples[s]);
            memcheck_ok(args);
            if (!all_samples())
                continue;
            snprintf(args, sizeof args, "lower %s --target %s", sample(samples[s], ".onnx"), tgt);
            memcheck_ok(args);
            snprintf(args, sizeof args, "schedule %s --target %s --scheduler list --format json "
                     "-o %s/%s.sched.json", sample(samples[s], ".json"), tgt, dir, samples[s]);
            memcheck_ok(args);
        }
        char args[4096];
        snprintf(args, sizeof args, "convert %s -o %s/%s.onnx", sample(samples[s], ".json"), dir,
                 samples[s]);
        memcheck_ok(args);
    }
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    run_cmd(cmd, NULL, NULL);
}

/* Each refusal exits 2 (invalid input) with every allocation freed. */
Test(memcheck, refusals_free_everything_they_allocated, .timeout = 300)
{
    need_valgrind();
    /* Refused in the JSON syntax, the protobuf reader, the importer and
     * shape inference; by default one of each kind. */
    static const char *const bad[] = {
        "err_truncated.json", "err_truncated.onnx", "err_raw_length.json",
        "err_shape_mismatch.json", "err_cycle.json", "err_dangling.json", "err_huge_dim.json",
        "err_unknown_op.json", "err_dup_attr.json", "err_base64.json",
    };
    size_t nbad = all_samples() ? sizeof bad / sizeof *bad : 4;
    for (size_t i = 0; i < nbad; i++) {
        char rel[256], args[2048];
        snprintf(rel, sizeof rel, "tests/data/frontend/%s", bad[i]);
        snprintf(args, sizeof args, "info %s", src_path(rel));
        memcheck_refused(args, bad[i]);
    }
    /* Lowering refused: no layer fits 16 bytes of local memory. */
    const char *dir = temp_dir();
    char tgt[1024], args[2048];
    snprintf(tgt, sizeof tgt, "%s/nano.json", dir);
    cr_assert_eq(write_text(tgt, "{\"name\": \"nano\", \"clock_mhz\": 50, \"memory\": "
                            "{\"bytes\": 16}, \"units\": [{\"name\": \"dma\", \"kind\": "
                            "\"dma\", \"throughput\": 4}, {\"name\": \"cpu\", \"kind\": "
                            "\"scalar\", \"throughput\": 1}]}"), 0);
    snprintf(args, sizeof args, "compile %s --target %s -o %s/x.c", sample("tinymlp", ".json"),
             tgt, dir);
    memcheck_refused(args, "does not fit target 'nano'");
    remove(tgt);
    remove(dir);
}
