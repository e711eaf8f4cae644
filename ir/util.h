/* Small helpers every layer uses: error reporting into a caller-owned buffer,
 * overflow-checked size arithmetic, and allocation that never aborts.
 *
 * Library code never prints and never exits; a failing function fills an
 * nnp_err and returns its status so the caller decides what to show. */
#ifndef NNPIPE_UTIL_H
#define NNPIPE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "nnpipe/status.h"

typedef struct nnp_err {
    int code;
    char msg[768];
} nnp_err;

#if defined(__GNUC__)
#define NNP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NNP_PRINTF(a, b)
#endif

/* Records code and a printf-style message in e (when e is not NULL) and
 * returns code, so failures read `return err_set(e, NNP_INVALID, ...)`. */
int err_set(nnp_err *e, int code, const char *fmt, ...) NNP_PRINTF(3, 4);
/* Prepends "prefix: " to the message already in e; returns e->code. */
int err_prefix(nnp_err *e, const char *fmt, ...) NNP_PRINTF(2, 3);

/* Overflow-checked arithmetic on non-negative sizes: return 0 and store the
 * result, or return -1 (and leave *out alone) when it would exceed INT64_MAX
 * or an operand is negative. */
int size_mul(int64_t a, int64_t b, int64_t *out);
int size_add(int64_t a, int64_t b, int64_t *out);
/* Product of n dims, overflow-checked the same way. */
int size_prod(const int64_t *dims, int n, int64_t *out);

/* For b > 0; never overflows (a + b - 1 would near INT64_MAX). */
static inline int64_t ceil_div(int64_t a, int64_t b) { return a / b + (a % b > 0); }
static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* calloc(n, size) with the product checked; NULL on overflow or failure. */
void *xcalloc(size_t n, size_t size);
/* Grows *p (holding *cap elements of size bytes) to at least need elements,
 * doubling. Returns 0, or -1 on overflow/failure with *p untouched. */
int grow(void **p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);

/* A growable string, used by every text emitter. On allocation failure it
 * stops growing and remembers it (sb.failed), so emitters check once at
 * the end instead of after every append. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
    int failed;
} strbuf;
void sb_printf(strbuf *b, const char *fmt, ...) NNP_PRINTF(2, 3);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_free(strbuf *b);

/* Reads a whole file into a NUL-terminated buffer the caller frees.
 * Refuses files larger than max_bytes with NNP_LIMIT. */
int read_file(const char *path, size_t max_bytes, char **out, size_t *len, nnp_err *e);
/* Writes data to path atomically: a temporary file in the same folder, then
 * rename, so a failure never leaves a truncated file or destroys the old one. */
int write_file_atomic(const char *path, const void *data, size_t len, nnp_err *e);

#endif
