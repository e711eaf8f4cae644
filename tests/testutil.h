/* Helpers shared by the tests: file fixtures, float comparison, and running
 * the nnpipe command. */
#ifndef NNPIPE_TESTUTIL_H
#define NNPIPE_TESTUTIL_H

#include <stddef.h>

/* Path under the source tree; returns a static buffer (one per call site is
 * not needed: copy it if you keep two). */
const char *src_path(const char *rel);
/* Reads a raw float32 file; returns the count, or -1. Caller frees *out. */
long read_floats(const char *path, float **out);
/* Index of the first element where |a-b| > tol*(1+|b|), or -1 when all
 * match. NaNs match only NaNs. */
long first_mismatch(const float *a, const float *b, size_t n, float tol);
/* Runs a shell command; stores its stdout and stderr (NUL-terminated,
 * caller frees, may be NULL to discard) and returns its exit status. */
int run_cmd(const char *cmd, char **out, char **err);
/* A fresh empty temporary folder (static buffer). */
const char *temp_dir(void);
/* Writes text to path; returns 0 on success. */
int write_text(const char *path, const char *text);

/* An output sink for the API tests (an nnp_write_fn's shape): appends what
 * it is given to s (NUL-terminated, caller frees), counting calls; on call
 * number fail_at it refuses, returning fail_code. */
typedef struct collect {
    char *s;
    size_t len;
    int calls, fail_at, fail_code;
} collect;
int collect_write(void *ctx, const char *data, size_t len);

/* A call on a NULL handle returns NNP_MISUSE and has no handle to keep its
 * message (SQLite's convention, nnpipe.h), so all there is to check besides
 * the status is the fixed text every nnp_*_errmsg(NULL) returns
 * (api/handle.c). Use in a test that includes Criterion and nnpipe. */
#define expect_null_misuse(rc, errmsg_of_null)                                                \
    do {                                                                                      \
        int rc_ = (rc);                                                                       \
        const char *msg_ = (errmsg_of_null);                                                  \
        cr_assert_eq(rc_, NNP_MISUSE, "status %d on a NULL handle, wanted NNP_MISUSE", rc_);  \
        cr_assert(msg_ && strstr(msg_, "no handle (NULL)"), "errmsg(NULL) is '%s'",           \
                  msg_ ? msg_ : "(null)");                                                    \
    } while (0)

#endif
