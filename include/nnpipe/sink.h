/* nnp_sink: where the library writes text and bytes it makes (schedules,
 * reports, generated C, encoded models). Include <nnpipe/nnpipe.h> rather
 * than this file; the rules there apply.
 *
 * A sink is a write callback and its context. The callback receives the
 * output in pieces, in order, and returns 0 to go on or anything else to
 * stop (the call writing then fails with NNP_IO). Every writer makes its
 * whole output in memory first, so a sink never sees part of an output
 * whose making failed. nnp_file_sink(f) makes a sink that writes to a
 * FILE*. */
#ifndef NNPIPE_SINK_H
#define NNPIPE_SINK_H

#include <stddef.h>
#include <stdio.h>

#include <nnpipe/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes len bytes of data; returns 0 to continue. */
typedef int (*nnp_write_fn)(void *ctx, const char *data, size_t len);

typedef struct nnp_sink {
    nnp_write_fn write;
    void *ctx;
} nnp_sink;

/* A sink writing to f (which stays the caller's: it is not closed). */
NNP_API nnp_sink nnp_file_sink(FILE *f);
/* The write function of nnp_file_sink: fwrite to ctx, a FILE*. */
NNP_API int nnp_file_write(void *ctx, const char *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
