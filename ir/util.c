/* Error reporting, checked size arithmetic, allocation, strings and files. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const status_names[] = {
    [NNP_OK] = "ok",
    [NNP_INVALID] = "invalid input",
    [NNP_UNSUPPORTED] = "unsupported",
    [NNP_IO] = "i/o error",
    [NNP_LIMIT] = "size limit exceeded",
    [NNP_NOMEM] = "out of memory",
    [NNP_MISUSE] = "API misuse",
    [NNP_INFEASIBLE] = "infeasible",
    [NNP_INTERNAL] = "internal error",
};

const char *nnp_status_name(int status)
{
    if (status < 0 || status >= (int)(sizeof status_names / sizeof *status_names))
        return "unknown status";
    return status_names[status];
}

int err_set(nnp_err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

int err_prefix(nnp_err *e, const char *fmt, ...)
{
    if (!e)
        return NNP_INTERNAL;
    char head[sizeof e->msg], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* Truncation is fine: a long message loses its tail, never its head. */
    size_t hn = strlen(head);
    if (hn > sizeof e->msg - 3)
        hn = sizeof e->msg - 3;
    memcpy(e->msg, head, hn);
    memcpy(e->msg + hn, ": ", 2);
    size_t room = sizeof e->msg - hn - 3, on = strlen(old);
    if (on > room)
        on = room;
    memcpy(e->msg + hn + 2, old, on);
    e->msg[hn + 2 + on] = 0;
    return e->code;
}

int size_mul(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || (a != 0 && b > INT64_MAX / a))
        return -1;
    *out = a * b;
    return 0;
}

int size_add(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || a > INT64_MAX - b)
        return -1;
    *out = a + b;
    return 0;
}

int size_prod(const int64_t *dims, int n, int64_t *out)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        if (size_mul(p, dims[i], &p))
            return -1;
    *out = p;
    return 0;
}

void *xcalloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    if (n > SIZE_MAX / size)
        return NULL;
    return calloc(n, size);
}

int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / size)
        return -1;
    void *q = realloc(*p, ncap * size);
    if (!q)
        return -1;
    memset((char *)q + *cap * size, 0, (ncap - *cap) * size);
    *p = q;
    *cap = ncap;
    return 0;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int sb_reserve(strbuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > SIZE_MAX - b->len - 1 || grow((void **)&b->s, &b->cap, b->len + extra + 1, 1)) {
        b->failed = 1;
        return -1;
    }
    return 0;
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_puts(strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (sb_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void sb_putc(strbuf *b, char c)
{
    if (sb_reserve(b, 1))
        return;
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

void sb_free(strbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

int read_file(const char *path, size_t max_bytes, char **out, size_t *len, nnp_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, NNP_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (grow((void **)&buf, &cap, n + 65536 + 1, 1)) {
            free(buf);
            fclose(f);
            return err_set(e, NNP_NOMEM, "%s: out of memory reading file", path);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max_bytes) {
            free(buf);
            fclose(f);
            return err_set(e, NNP_LIMIT, "%s: file is larger than the limit of %zu bytes", path,
                           max_bytes);
        }
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return err_set(e, NNP_IO, "%s: read error", path);
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return NNP_OK;
}

int write_file_atomic(const char *path, const void *data, size_t len, nnp_err *e)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 32);
    if (!tmp)
        return err_set(e, NNP_NOMEM, "out of memory");
    snprintf(tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        err_set(e, NNP_IO, "%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return NNP_IO;
    }
    int bad = len && fwrite(data, 1, len, f) != len;
    bad |= fflush(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        err_set(e, NNP_IO, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return NNP_IO;
    }
    free(tmp);
    return NNP_OK;
}
