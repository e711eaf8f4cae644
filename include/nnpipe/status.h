/* Status codes shared by every nnpipe call.
 *
 * A call returns NNP_OK or one of these; the message that explains a failure
 * is kept by the handle the call was made on (see nnp_*_errmsg). */
#ifndef NNPIPE_STATUS_H
#define NNPIPE_STATUS_H

/* NNP_API marks every public declaration. The library is compiled with
 * hidden visibility, so the shared library exports exactly the functions
 * declared with it (all named nnp_*) and none of its internals. */
#ifndef NNP_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define NNP_API __attribute__((visibility("default")))
#else
#define NNP_API
#endif
#endif

typedef enum nnp_status {
    NNP_OK = 0,
    NNP_INVALID = 1,     /* the model, target, loop or input is malformed */
    NNP_UNSUPPORTED = 2, /* well-formed, but uses something nnpipe does not do */
    NNP_IO = 3,          /* a file could not be read or written */
    NNP_LIMIT = 4,       /* exceeds a documented size limit */
    NNP_NOMEM = 5,       /* an allocation failed */
    NNP_MISUSE = 6,      /* the caller broke an API contract (NULL handle, bad index) */
    NNP_INFEASIBLE = 7,  /* no schedule exists (e.g. a zero-distance cycle, no tiling fits) */
    NNP_INTERNAL = 8     /* a bug in nnpipe: an invariant check failed */
} nnp_status;

#ifdef __cplusplus
extern "C" {
#endif

/* A short English name for a status, e.g. "invalid input". Never NULL. */
NNP_API const char *nnp_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
