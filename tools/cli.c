/* What every subcommand shares: statuses to exit codes, messages, opening
 * a model and a target, and the command's own file handling (the library
 * reads models, targets and loops itself, but input data and outputs are
 * the caller's business). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>


int cli_exit_code(int status)
{
    switch (status) {
    case NNP_OK:
        return EXIT_OK;
    case NNP_MISUSE:
        return EXIT_USAGE;
    case NNP_NOMEM:
    case NNP_INTERNAL:
        return EXIT_INTERNAL;
    default:
        return EXIT_INVALID;
    }
}

int cli_err_set(cli_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return e->code = code;
}

int cli_fail(const cli_err *e)
{
    fprintf(stderr, "nnpipe: error: %s\n", e->msg);
    return cli_exit_code(e->code);
}

int cli_open_model(const char *path, nnp_model **m, cli_err *e)
{
    int rc = nnp_model_open(path, m);
    if (rc) {
        cli_err_set(e, rc, "%s", nnp_model_errmsg(*m));
        nnp_model_close(*m);
        *m = NULL;
    }
    return rc;
}

int cli_open_target(const char *path, nnp_target **t, cli_err *e)
{
    int rc = path ? nnp_target_open(path, t) : nnp_target_default(t);
    if (rc) {
        cli_err_set(e, rc, "%s", nnp_target_errmsg(*t));
        nnp_target_close(*t);
        *t = NULL;
    }
    return rc;
}

int cli_open(const char *model_path, const char *target_path, nnp_model **m, nnp_target **t,
             cli_err *e)
{
    *t = NULL;
    int rc = cli_open_model(model_path, m, e);
    if (!rc && (rc = cli_open_target(target_path, t, e))) {
        nnp_model_close(*m);
        *m = NULL;
    }
    return rc;
}

int cli_lower(nnp_model *m, nnp_target *t, nnp_program **p, cli_err *e)
{
    int rc = nnp_program_lower(m, t, p);
    if (rc) {
        cli_err_set(e, rc, "%s", nnp_program_errmsg(*p));
        nnp_program_close(*p);
        *p = NULL;
    }
    return rc;
}

static int buf_write(void *ctx, const char *data, size_t len)
{
    cli_buf *b = ctx;
    if (b->failed || len > SIZE_MAX / 2 - b->len)
        return b->failed = -1;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return b->failed = -1;
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, data, len);
    b->len += len;
    b->s[b->len] = 0;
    return 0;
}

nnp_sink cli_buf_sink(cli_buf *b)
{
    return (nnp_sink){buf_write, b};
}

void cli_buf_printf(cli_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = -1;
    } else if ((size_t)n < sizeof small) {
        buf_write(b, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            b->failed = -1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        buf_write(b, big, (size_t)n);
        free(big);
    }
}

void cli_buf_free(cli_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

enum { CHUNK = 65536 };

int cli_read_file(const char *path, size_t max_bytes, char **out, size_t *len, cli_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_err_set(e, NNP_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (cap - n < CHUNK + 1) { /* room for a chunk and the NUL */
            size_t want = cap ? cap * 2 : CHUNK + 1;
            char *grown = cap <= SIZE_MAX / 2 ? realloc(buf, want) : NULL;
            if (!grown) {
                free(buf);
                fclose(f);
                return cli_err_set(e, NNP_NOMEM, "%s: out of memory reading file", path);
            }
            buf = grown;
            cap = want;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max_bytes) {
            free(buf);
            fclose(f);
            return cli_err_set(e, NNP_LIMIT, "%s: file is larger than the limit of %zu bytes", path,
                               max_bytes);
        }
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return cli_err_set(e, NNP_IO, "%s: read error", path);
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return NNP_OK;
}

int cli_write_file(const char *path, const void *data, size_t len, cli_err *e)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 32);
    if (!tmp)
        return cli_err_set(e, NNP_NOMEM, "out of memory");
    snprintf(tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cli_err_set(e, NNP_IO, "%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return NNP_IO;
    }
    int bad = len && fwrite(data, 1, len, f) != len;
    bad |= fflush(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        cli_err_set(e, NNP_IO, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return NNP_IO;
    }
    free(tmp);
    return NNP_OK;
}

int cli_write_output(const char *path, const cli_buf *out, cli_err *e)
{
    if (path && strcmp(path, "-"))
        return cli_write_file(path, out->s ? out->s : "", out->len, e);
    if (out->len && fwrite(out->s, 1, out->len, stdout) != out->len)
        return cli_err_set(e, NNP_IO, "cannot write to standard output");
    return fflush(stdout) ? cli_err_set(e, NNP_IO, "cannot write to standard output") : NNP_OK;
}

int cli_use_color(const char *mode, const char *output)
{
    if (!strcmp(mode, "always"))
        return 1;
    if (!strcmp(mode, "never"))
        return 0;
    const char *nc = getenv("NO_COLOR");
    return (!output || !strcmp(output, "-")) && !(nc && nc[0]) && isatty(STDOUT_FILENO);
}

int cli_term_width(const char *output)
{
    if ((output && strcmp(output, "-")) || !isatty(STDOUT_FILENO))
        return 0;
#ifdef TIOCGWINSZ
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
#endif
    const char *cols = getenv("COLUMNS");
    int n = cols ? atoi(cols) : 0;
    return n > 0 && n < 100000 ? n : 0;
}
