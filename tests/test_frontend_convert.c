/* `nnpipe convert`: both directions on the samples, checked by reloading and,
 * independently, by the ONNX Python tooling (onnx.checker and protobuf's own
 * JSON parser), plus the command's usage and failure behaviour. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_load.h"
#include "test_frontend_util.h"
#include "testutil.h"

static graph *load_ok(const char *path)
{
    graph *g = NULL;
    nnp_err e = {0};
    cr_assert_eq(model_load(path, &g, &e), NNP_OK, "%s", e.msg);
    return g;
}

static void assert_same_model(const char *a, const char *b)
{
    graph *ga = load_ok(a), *gb = load_ok(b);
    char why[256];
    cr_assert_eq(graph_diff(ga, gb, why, sizeof why), 0, "%s vs %s: %s", a, b, why);
    graph_free(ga);
    graph_free(gb);
}

static int convert(const char *args, char **err)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s convert %s", NNP_CLI, args);
    return run_cmd(cmd, NULL, err);
}

static int have_python_onnx(void)
{
    return run_cmd("/usr/bin/python3 -c 'import onnx'", NULL, NULL) == 0;
}

Test(convert, onnx_to_json_and_back_keeps_the_model)
{
    const char *dir = temp_dir();
    char src[4096], js[512], pb[512], args[8192];
    snprintf(src, sizeof src, "%s/samples/big128.onnx", NNP_SOURCE_DIR);
    snprintf(js, sizeof js, "%s/big128.json", dir);
    snprintf(pb, sizeof pb, "%s/big128.onnx", dir);
    char *err;
    snprintf(args, sizeof args, "%s -o %s", src, js);
    cr_assert_eq(convert(args, &err), 0, "%s", err);
    free(err);
    snprintf(args, sizeof args, "%s -o %s", js, pb);
    cr_assert_eq(convert(args, &err), 0, "%s", err);
    free(err);
    assert_same_model(src, js);
    assert_same_model(src, pb);
    remove(js);
    remove(pb);
    rmdir(dir);
}

Test(convert, written_files_pass_the_onnx_checker_and_protobufs_json_parser)
{
    if (!have_python_onnx())
        cr_skip_test("python3-onnx is not installed");
    const char *names[] = {"lenet5", "resblock", "mobilenet_tiny", "big128", "tinymlp"};
    const char *dir = temp_dir();
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char src[4096], js[512], pb[512], args[8192], *err;
        snprintf(src, sizeof src, "%s/samples/%s.json", NNP_SOURCE_DIR, names[k]);
        snprintf(js, sizeof js, "%s/%s.json", dir, names[k]);
        snprintf(pb, sizeof pb, "%s/%s.onnx", dir, names[k]);
        snprintf(args, sizeof args, "%s -o %s && %s convert %s --to json -o %s", src, pb, NNP_CLI,
                 src, js);
        cr_assert_eq(convert(args, &err), 0, "%s", err);
        free(err);
        /* The binary is a valid model; the JSON, parsed by protobuf itself,
         * is the same message as the binary. */
        char cmd[8192], *out;
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import onnx; from google.protobuf import json_format; "
                 "m = onnx.load('%s'); onnx.checker.check_model(m, full_check=True); "
                 "j = json_format.Parse(open('%s').read(), onnx.ModelProto()); "
                 "print('same' if j == m else 'differ')\"",
                 pb, js);
        cr_assert_eq(run_cmd(cmd, &out, &err), 0, "%s: %s", names[k], err);
        cr_assert(strstr(out, "same"), "%s: %s", names[k], out);
        free(out);
        free(err);
        remove(js);
        remove(pb);
    }
    rmdir(dir);
}

Test(convert, usage_errors_exit_1_and_bad_models_exit_2_without_output)
{
    const char *dir = temp_dir();
    char src[4096], out[512], args[8192], *err;
    snprintf(src, sizeof src, "%s/samples/tinymlp.onnx", NNP_SOURCE_DIR);
    snprintf(out, sizeof out, "%s/out.model", dir);
    snprintf(args, sizeof args, "%s", src);
    cr_assert_eq(convert(args, &err), 1);
    cr_assert(strstr(err, "missing -o"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "%s -o %s", src, out);
    cr_assert_eq(convert(args, &err), 1);
    cr_assert(strstr(err, "--to json|onnx"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "%s -o %s --to yaml", src, out);
    cr_assert_eq(convert(args, &err), 1);
    cr_assert(strstr(err, "nnpipe: error: convert: --to takes json or onnx"), "%s", err);
    free(err);
    /* --to picks the format whatever the name says. */
    snprintf(args, sizeof args, "%s -o %s --to json", src, out);
    cr_assert_eq(convert(args, &err), 0, "%s", err);
    free(err);
    char *text;
    size_t len;
    nnp_err e = {0};
    cr_assert_eq(read_file(out, 1 << 20, &text, &len, &e), NNP_OK);
    cr_assert_eq(text[0], '{');
    free(text);
    remove(out);

    char bad[4096];
    snprintf(bad, sizeof bad, "%s/tests/data/frontend/err_unknown_op.json", NNP_SOURCE_DIR);
    snprintf(args, sizeof args, "%s -o %s.onnx", bad, out);
    cr_assert_eq(convert(args, &err), 2);
    cr_assert(strstr(err, "err_unknown_op.json") && strstr(err, "Frobnicate"), "%s", err);
    free(err);
    char made[600];
    snprintf(made, sizeof made, "%s.onnx", out);
    cr_assert_eq(access(made, F_OK), -1, "a failed conversion left %s", made);
    rmdir(dir);
}
