/* The nnpipe command as a user runs it: exit codes, messages on stderr,
 * outputs that match the checked-in onnxruntime references, and no partial
 * output file after a failure. */
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

static const char *samples[] = {"lenet5", "resblock", "mobilenet_tiny", "big128"};

Test(cli, run_matches_onnxruntime_on_every_sample)
{
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char args[512], outp[256], ref[256];
        snprintf(outp, sizeof outp, "/tmp/nnp_cli_%s_%d.bin", samples[i], (int)getpid());
        snprintf(args, sizeof args, "run samples/%s.json --input samples/%s.in0.bin --output %s",
                 samples[i], samples[i], outp);
        char *err;
        cr_assert_eq(nnpipe(args, NULL, &err), 0, "%s: %s", samples[i], err);
        free(err);
        snprintf(ref, sizeof ref, "%s/samples/%s.out0.bin", NNP_SOURCE_DIR, samples[i]);
        float *a, *b;
        long na = read_floats(outp, &a), nb = read_floats(ref, &b);
        cr_assert(na > 0 && na == nb, "%s: %ld vs %ld values", samples[i], na, nb);
        long bad = first_mismatch(a, b, (size_t)na, 1e-5f);
        cr_assert_eq(bad, -1, "%s: element %ld: %g vs %g", samples[i], bad, bad >= 0 ? a[bad] : 0,
                     bad >= 0 ? b[bad] : 0);
        free(a);
        free(b);
        remove(outp);
    }
}

Test(cli, run_takes_one_file_per_graph_input_in_order)
{
    const char *outp = "/tmp/nnp_cli_tinymlp.bin";
    char *err;
    cr_assert_eq(nnpipe("run samples/tinymlp.json -i samples/tinymlp.in0.bin -i samples/tinymlp.in1.bin "
                        "-o /tmp/nnp_cli_tinymlp.bin",
                        NULL, &err),
                 0, "%s", err);
    free(err);
    float *a, *b;
    long na = read_floats(outp, &a), nb = read_floats(src_path("samples/tinymlp.out0.bin"), &b);
    cr_assert(na == nb && na > 0);
    cr_assert_eq(first_mismatch(a, b, (size_t)na, 1e-5f), -1);
    free(a);
    free(b);
    remove(outp);
}

Test(cli, wrong_input_size_is_exit_2_naming_file_and_leaves_no_output)
{
    const char *outp = "/tmp/nnp_cli_never.bin";
    remove(outp);
    char *err;
    int rc = nnpipe("run samples/lenet5.json -i samples/tinymlp.in0.bin -o /tmp/nnp_cli_never.bin", NULL,
                    &err);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "nnpipe: error: samples/tinymlp.in0.bin") != NULL, "%s", err);
    cr_assert(strstr(err, "3136 bytes") && strstr(err, "256 bytes"), "%s", err);
    free(err);
    cr_assert_eq(access(outp, F_OK), -1, "a failed run must not leave an output file");
}

Test(cli, failed_run_keeps_previous_output_intact)
{
    const char *outp = "/tmp/nnp_cli_keep.bin";
    cr_assert_eq(write_text(outp, "previous"), 0);
    char *err;
    int rc = nnpipe("run samples/lenet5.json -i /nonexistent.bin -o /tmp/nnp_cli_keep.bin", NULL,
                    &err);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "nnpipe: error: /nonexistent.bin: cannot open"), "%s", err);
    free(err);
    FILE *f = fopen(outp, "r");
    char buf[32] = {0};
    cr_assert(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    cr_assert_str_eq(buf, "previous");
    remove(outp);
}

Test(cli, run_counts_inputs_and_outputs)
{
    char *err;
    cr_assert_eq(nnpipe("run samples/tinymlp.json -i samples/tinymlp.in0.bin -o /tmp/x.bin", NULL, &err), 1);
    cr_assert(strstr(err, "2 input(s) and 1 output(s)") != NULL, "%s", err);
    free(err);
}

Test(cli, info_lists_nodes_and_hand_computed_totals)
{
    char *out;
    cr_assert_eq(nnpipe("info samples/lenet5.json", &out, NULL), 0);
    /* conv1: 6 maps x 28x28 outputs x 5x5 taps = 117600; conv2: 16 x 10x10 x
     * 6x5x5 = 240000; gemms 400x120 + 120x84 + 84x10 = 58920. */
    cr_assert(strstr(out, "117600") && strstr(out, "240000"), "%s", out);
    cr_assert(strstr(out, "total: 416520 MACs") != NULL, "%s", out);
    cr_assert(strstr(out, "13 nodes") != NULL, "%s", out);
    free(out);
}

Test(cli, usage_errors_exit_1)
{
    char *err;
    /* No command: the usage, on stderr. */
    cr_assert_eq(nnpipe("", NULL, &err), 1);
    cr_assert(strstr(err, "usage: nnpipe COMMAND"), "%s", err);
    free(err);
    cr_assert_eq(nnpipe("frobnicate", NULL, &err), 1);
    cr_assert(strstr(err, "unknown command 'frobnicate'") != NULL, "%s", err);
    free(err);
    cr_assert_eq(nnpipe("info", NULL, &err), 1);
    cr_assert(strstr(err, "nnpipe: error: info: missing MODEL"), "%s", err);
    free(err);
    cr_assert_eq(nnpipe("run samples/lenet5.json --input", NULL, &err), 1);
    cr_assert(strstr(err, "nnpipe: error: run: --input needs a file name"), "%s", err);
    free(err);
    cr_assert_eq(nnpipe("info --bogus samples/lenet5.json", NULL, &err), 1);
    cr_assert(strstr(err, "nnpipe: error: info: unexpected argument '--bogus'"), "%s", err);
    free(err);
}

Test(cli, help_and_version_exit_0)
{
    char *out;
    cr_assert_eq(nnpipe("--version", &out, NULL), 0);
    cr_assert(strncmp(out, "nnpipe ", 7) == 0, "%s", out);
    free(out);
    cr_assert_eq(nnpipe("--help", &out, NULL), 0);
    cr_assert(strstr(out, "info") && strstr(out, "run"), "%s", out);
    free(out);
    cr_assert_eq(nnpipe("run --help", &out, NULL), 0);
    cr_assert(strstr(out, "--input") != NULL);
    free(out);
}

Test(cli, missing_model_is_exit_2_naming_the_file)
{
    char *err;
    cr_assert_eq(nnpipe("info /nonexistent/model.json", NULL, &err), 2);
    cr_assert(strstr(err, "nnpipe: error: /nonexistent/model.json") != NULL, "%s", err);
    free(err);
}

Test(cli, compare_agrees_within_tolerance_and_exits_4_on_difference)
{
    const char *a = "/tmp/nnp_cmp_a.bin", *b = "/tmp/nnp_cmp_b.bin";
    float va[3] = {1.0f, -2.0f, 100.0f}, vb[3] = {1.0f, -2.0f, 100.0005f};
    FILE *f = fopen(a, "wb");
    fwrite(va, 4, 3, f);
    fclose(f);
    f = fopen(b, "wb");
    fwrite(vb, 4, 3, f);
    fclose(f);
    char *out;
    /* |100 - 100.0005| = 5e-4 <= 1e-5 * 101 = 1.01e-3: agree. */
    cr_assert_eq(nnpipe("compare /tmp/nnp_cmp_a.bin /tmp/nnp_cmp_b.bin", &out, NULL), 0);
    cr_assert(strstr(out, "agree: 3 values") != NULL, "%s", out);
    free(out);
    /* With T = 1e-6 the bound is 1.01e-4 < 5e-4: the third value differs. */
    cr_assert_eq(nnpipe("compare /tmp/nnp_cmp_a.bin /tmp/nnp_cmp_b.bin --tol 1e-6", &out, NULL), 4);
    cr_assert(strstr(out, "first at 2") != NULL, "%s", out);
    free(out);
    cr_assert_eq(nnpipe("compare /tmp/nnp_cmp_a.bin samples/lenet5.in0.bin", &out, NULL), 4);
    cr_assert(strstr(out, "/tmp/nnp_cmp_a.bin has 3 values") &&
                  strstr(out, "samples/lenet5.in0.bin has 784"),
              "%s", out);
    free(out);
    remove(a);
    remove(b);
}
