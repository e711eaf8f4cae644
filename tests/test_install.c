/* Packaging: `cmake --install` of this build into a temporary prefix, then
 * samples/embed/ built against it through find_package (shared and static)
 * and pkg-config, and run (tools/test_install.sh does the work and the
 * structural checks: files, SONAME, exported = declared nnp_* symbols).
 * Here the programs' outputs are checked against values worked out by
 * hand, and the README's embedding example against its compiled copy. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char out_dir[64];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "missing %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc((size_t)n + 1, 1);
    cr_assert(s && fread(s, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    return s;
}

static char *result(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    return slurp(path);
}

static void has(const char *name, const char *text, const char *needle)
{
    cr_assert(strstr(text, needle), "%s lacks '%s':\n%s", name, needle, text);
}

/* Removes the line holding needle (the wall-clock time, which differs
 * from run to run). */
static void drop_line(char *text, const char *needle)
{
    char *at = strstr(text, needle);
    if (!at)
        return;
    while (at > text && at[-1] != '\n')
        at--;
    char *end = strchr(at, '\n');
    memmove(at, end ? end + 1 : at + strlen(at), strlen(end ? end + 1 : at + strlen(at)) + 1);
}

/* Installs and builds everything once (Criterion runs each Test in its own
 * process, so the checks below are steps of one Test). */
static void install(void)
{
    strcpy(out_dir, temp_dir());
    char cmd[1024], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s/tools/test_install.sh %s %s", NNP_SOURCE_DIR, NNP_BINARY_DIR,
             out_dir);
    char *out = NULL;
    int st = run_cmd(cmd, &out, &err);
    cr_assert_eq(st, 0, "test_install.sh exits %d:\n%s\n%s", st, out, err);
    cr_assert(strstr(out, "all install checks passed"), "%s", out);
    free(out);
    free(err);
}

static void fir_schedules_at_ii_4_set_by_its_one_multiplier(void)
{
    /* 4 multiplies on one pipelined multiplier: ResMII 4 (2 loads/stores
     * on one port: 2; 4 ALU ops on two ALUs: 2); the only recurrence is
     * i += 1 with latency 1 at distance 1: RecMII 1. */
    static const char *const builds[] = {"fir_pkgconfig.txt", "fir_cmake_shared.txt",
                                         "fir_cmake_static.txt"};
    char *first = NULL;
    for (int k = 0; k < 3; k++) {
        char *s = result(builds[k]);
        has(builds[k], s, "ResMII 4  RecMII 1  MII 4");
        has(builds[k], s, "II 4 (optimal)");
        has(builds[k], s, "reservation table");
        /* 1000 samples: (1000 - 1) * II + one iteration's length. */
        const char *len = strstr(s, "one iteration takes ");
        cr_assert(len);
        long cycles = strtol(len + strlen("one iteration takes "), NULL, 10), total;
        const char *tot = strstr(s, "1000 samples: ");
        cr_assert(tot);
        total = strtol(tot + strlen("1000 samples: "), NULL, 10);
        cr_assert_eq(total, 999 * 4 + cycles);
        if (first)
            cr_assert_str_eq(s, first, "the three builds link the same library");
        free(first);
        first = s;
    }
    free(first);
}

static void compile_model_lowers_lenet_with_its_readme_macs(void)
{
    static const char *const builds[] = {"compile_model_pkgconfig.txt",
                                         "compile_model_cmake.txt"};
    for (int k = 0; k < 2; k++) {
        char *s = result(builds[k]);
        /* samples/README.md: LeNet-5 has 416,520 MACs, conv1 6*28*28*25. */
        has(builds[k], s, "416520 MACs, ");
        has(builds[k], s, "(conv): 'conv1' (Conv), 3 nodes, 117600 MACs");
        has(builds[k], s, k == 0 ? "for target npu" : "for target vta");
        /* Then the verified modulo schedule and its table. */
        has(builds[k], s, "faster than sequential, verified");
        has(builds[k], s, "loop 0 'conv1' (Conv)");
        has(builds[k], s, "reservation table");
        free(s);
    }
    char *s = result("compile_model_missing.txt");
    has("compile_model_missing.txt", s, "missing.onnx");
    free(s);
}

static void the_readme_example_runs(void)
{
    char *s = result("quickstart_cmake_shared.txt");
    has("quickstart", s, "nnpipe " NNPIPE_VERSION_STRING);
    has("quickstart", s, "117600 MACs");
    has("quickstart", s, "modulo schedule on target npu");
    has("quickstart", s, "verified: every dependence");
    /* Two loads on one port: ResMII 2; the add feeds itself with latency
     * 2 at distance 1: RecMII 2. */
    has("quickstart", s, "II 2: ResMII 2, RecMII 2, optimal");
    char *t = result("quickstart_cmake_static.txt");
    drop_line(s, "scheduler time");
    drop_line(t, "scheduler time");
    cr_assert_str_eq(s, t, "the shared and static builds print the same");
    free(s);
    free(t);
}

static void pkg_config_reports_the_header_version_and_private_cjson(void)
{
    char *v = result("pc_modversion.txt"), *st = result("pc_static.txt");
    char *fl = result("pc_flags.txt"), *mv = result("pc_moved.txt");
    char *cli = result("nnpipe_version.txt");
    cr_assert_eq(strncmp(v, NNPIPE_VERSION_STRING "\n", strlen(NNPIPE_VERSION_STRING) + 1), 0,
                 "%s", v);
    has("pc_static", st, "-lcjson");
    has("pc_static", st, "-lm");
    cr_assert_null(strstr(fl, "-lcjson"), "cjson is private to the shared library: %s", fl);
    has("pc_flags", fl, "-lnnpipe");
    has("pc_moved", mv, "/moved/");
    has("nnpipe --version", cli, NNPIPE_VERSION_STRING);
    free(v), free(st), free(fl), free(mv), free(cli);
}

static void the_shared_library_exports_only_the_api(void)
{
    char *e = result("exports.txt");
    static const char *const some[] = {"nnp_model_open\n", "nnp_program_lower\n",
                                       "nnp_loop_modulo_schedule\n", "nnp_loop_reservation\n",
                                       "nnp_status_name\n", "nnp_version\n"};
    for (size_t k = 0; k < sizeof some / sizeof *some; k++)
        has("exports.txt", e, some[k]);
    /* Internals stay hidden: every export is nnp_*. */
    for (char *line = e; *line; line = strchr(line, '\n') + 1)
        cr_assert_eq(strncmp(line, "nnp_", 4), 0, "exported: %.40s", line);
    free(e);
}

Test(install, an_installed_nnpipe_builds_and_runs_the_embedding_samples)
{
    install();
    fir_schedules_at_ii_4_set_by_its_one_multiplier();
    compile_model_lowers_lenet_with_its_readme_macs();
    the_readme_example_runs();
    pkg_config_reports_the_header_version_and_private_cjson();
    the_shared_library_exports_only_the_api();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", out_dir);
    run_cmd(cmd, NULL, NULL);
}

/* The README's Embedding example is the ```c block after "## Embedding". */
Test(install, the_readme_example_is_samples_embed_quickstart_c)
{
    char *readme = slurp(src_path("README.md"));
    char *sec = strstr(readme, "\n## Embedding\n");
    cr_assert(sec, "README has no Embedding section");
    char *code = strstr(sec, "\n```c\n");
    cr_assert(code);
    code += strlen("\n```c\n");
    char *end = strstr(code, "\n```\n");
    cr_assert(end);
    end[1] = '\0';
    char *file = slurp(src_path("samples/embed/quickstart.c"));
    cr_assert_str_eq(code, file, "README example and samples/embed/quickstart.c differ");
    free(file);
    free(readme);
}
