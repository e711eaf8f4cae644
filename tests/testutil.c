#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *src_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", NNP_SOURCE_DIR, rel);
    return buf;
}

long read_floats(const char *path, float **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc(n > 0 ? (size_t)n : 1);
    if (!*out || (n > 0 && fread(*out, 1, (size_t)n, f) != (size_t)n)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return n / 4;
}

long first_mismatch(const float *a, const float *b, size_t n, float tol)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) {
            if (!(isnan(a[i]) && isnan(b[i])))
                return (long)i;
            continue;
        }
        if (isinf(b[i]) && a[i] == b[i])
            continue;
        if (fabsf(a[i] - b[i]) > tol * (1.0f + fabsf(b[i])))
            return (long)i;
    }
    return -1;
}

static char *slurp(FILE *f)
{
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    rewind(f);
    for (;;) {
        size_t got = fread(s + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n + 1 >= cap)
            s = realloc(s, cap *= 2);
    }
    s[n] = 0;
    return s;
}

int run_cmd(const char *cmd, char **out, char **err)
{
    char ofile[] = "/tmp/nnp_outXXXXXX", efile[] = "/tmp/nnp_errXXXXXX";
    int fo = mkstemp(ofile), fe = mkstemp(efile);
    char *full = malloc(strlen(cmd) + 200);
    sprintf(full, "(%s) >%s 2>%s", cmd, ofile, efile);
    int st = system(full);
    free(full);
    FILE *f;
    f = fdopen(fo, "r");
    if (out)
        *out = slurp(f);
    fclose(f);
    f = fdopen(fe, "r");
    if (err)
        *err = slurp(f);
    fclose(f);
    remove(ofile);
    remove(efile);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char *temp_dir(void)
{
    static char buf[64];
    strcpy(buf, "/tmp/nnp_testXXXXXX");
    return mkdtemp(buf);
}

int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

int collect_write(void *ctx, const char *data, size_t len)
{
    collect *c = ctx;
    if (++c->calls == c->fail_at)
        return c->fail_code;
    c->s = realloc(c->s, c->len + len + 1);
    memcpy(c->s + c->len, data, len);
    c->len += len;
    c->s[c->len] = 0;
    return 0;
}
