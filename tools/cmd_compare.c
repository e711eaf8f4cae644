/* `nnpipe compare A.bin B.bin [--tol T]`: do two raw float32 files agree
 * within |a - b| <= T * (1 + |b|)? Used to check generated code against the
 * interpreter; exits 4 (not 2) on a mismatch so scripts can tell "differs"
 * from "could not compare". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { EXIT_DIFFERS = 4 };

static int load(const char *path, float **v, size_t *n, cli_err *e)
{
    char *buf;
    size_t len;
    int rc = cli_read_file(path, (size_t)1 << 32, &buf, &len, e);
    if (rc)
        return rc;
    if (len % 4) {
        free(buf);
        return cli_err_set(e, NNP_INVALID, "%s: %zu bytes is not a whole number of float32 values",
                           path, len);
    }
    *v = (float *)buf;
    *n = len / 4;
    return NNP_OK;
}

int cmd_compare(int argc, char **argv)
{
    const char *files[2] = {0};
    int nfiles = 0;
    double tol = 1e-5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: nnpipe compare A.bin B.bin [--tol T]\n\n"
                   "Compares two raw float32 files element by element: they agree when every\n"
                   "|a - b| <= T * (1 + |b|) (default T = 1e-5; NaN agrees only with NaN).\n"
                   "Exit 0 when they agree, 4 when they differ, 2 when a file is unreadable.\n");
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--tol")) {
            char *end = NULL;
            if (i + 1 >= argc || (tol = strtod(argv[i + 1], &end), *end) || !(tol >= 0)) {
                fprintf(stderr, "nnpipe: error: compare: --tol needs a non-negative number\n");
                return EXIT_USAGE;
            }
            i++;
        } else if (argv[i][0] == '-' || nfiles == 2) {
            fprintf(stderr, "nnpipe: error: compare: unexpected argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles != 2) {
        fprintf(stderr, "nnpipe: error: compare: needs two files (see 'nnpipe compare --help')\n");
        return EXIT_USAGE;
    }
    float *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    cli_err e;
    if (load(files[0], &a, &na, &e) || load(files[1], &b, &nb, &e)) {
        free(a);
        return cli_fail(&e);
    }
    int rc = EXIT_OK;
    if (na != nb) {
        printf("differ: %s has %zu values, %s has %zu\n", files[0], na, files[1], nb);
        rc = EXIT_DIFFERS;
    } else {
        double max_abs = 0;
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < na; i++) {
            double x = a[i], y = b[i], d = fabs(x - y);
            int ok = isnan(x) || isnan(y) ? isnan(x) && isnan(y) : x == y || d <= tol * (1 + fabs(y));
            if (!ok && bad++ == 0)
                first = i;
            if (!isnan(d) && d > max_abs)
                max_abs = d;
        }
        if (bad) {
            printf("differ: %zu of %zu values; first at %zu: %.9g vs %.9g; max |a-b| %.3g\n", bad, na,
                   first, a[first], b[first], max_abs);
            rc = EXIT_DIFFERS;
        } else {
            printf("agree: %zu values within %g; max |a-b| %.3g\n", na, tol, max_abs);
        }
    }
    free(a);
    free(b);
    return rc;
}
