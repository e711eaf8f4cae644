/* nnpipe's public C API: one header to include, <nnpipe/nnpipe.h>.
 *
 * nnpipe compiles small ONNX graphs into tiled, software-pipelined programs
 * for accelerator-like targets, and its schedulers work on any loop. The API
 * is a handful of opaque handles, each in its own header:
 *
 *   nnp_model    a graph: loaded from a file or memory, or built call by call
 *                (nnpipe/model.h); runs the reference interpreter
 *   nnp_target   the hardware: units and local memory (nnpipe/target.h)
 *   nnp_program  a model lowered for a target: groups, tiles, ops, buffers
 *                (nnpipe/program.h)
 *   nnp_schedule a program scheduled on its target (sequential, list or
 *                modulo), and the emitters: tables, timelines, traces, SVG,
 *                portable C (nnpipe/schedule.h)
 *   nnp_loop     a generic scheduling problem and its modulo or list
 *                schedule, nothing to do with neural networks (nnpipe/loop.h)
 *
 * Text and bytes the library makes (reports, schedules, generated C, encoded
 * models) go to an nnp_sink: a write callback, or a FILE* (nnpipe/sink.h).
 *
 * The habits are SQLite's, and hold for every function:
 *
 *   Status. Every call that can fail returns an int status: NNP_OK (0) or
 *   one of nnp_status (nnpipe/status.h). Misusing the API (a NULL handle or
 *   pointer, an index out of range, a call the handle's state does not allow)
 *   is NNP_MISUSE, never a crash.
 *
 *   Messages. The message of the last failed call is kept by the handle the
 *   call was made on and read with nnp_model_errmsg(m), nnp_target_errmsg(t),
 *   ... . It names the file, position, node, tensor, op or field at fault.
 *   Calls that succeed leave it alone, so always test the status first.
 *   There is no global error state.
 *
 *   Creation. A call that creates a handle (nnp_model_open, nnp_target_default,
 *   nnp_program_lower, nnp_loop_new, ...) stores it in *out even when it fails:
 *   the handle is then in error state and holds the reason, readable with its
 *   errmsg; every other call on it returns NNP_MISUSE (leaving the message
 *   alone) until it is closed. *out is NULL only when memory ran out before
 *   the handle existed (status NNP_NOMEM) or out itself is NULL (NNP_MISUSE).
 *   Either way the caller closes what it got; every close accepts NULL.
 *
 *   Ownership. The caller owns each handle it creates and closes it once.
 *   Strings and arrays that queries return (names, descriptions, dims) are
 *   owned by the handle and stay valid until the handle changes or is closed;
 *   copy them to keep them longer. Data the caller passes in is copied.
 *   A program keeps its model and target alive, a schedule its program: they
 *   may be closed first.
 *
 *   Threads. The library keeps no global state, prints nothing and never
 *   exits. Different handles may be used from different threads at once.
 *   One handle is used by one thread at a time, with one exception: a checked
 *   model and a target may be shared by threads that lower them at the same
 *   time, and a program by threads that schedule it (nnp_program_lower and
 *   nnp_schedule_new only read them).
 *
 * Version: the macros below are the version of the headers; nnp_version()
 * that of the library actually linked. */
#ifndef NNPIPE_NNPIPE_H
#define NNPIPE_NNPIPE_H

#define NNPIPE_VERSION_MAJOR 0
#define NNPIPE_VERSION_MINOR 1
#define NNPIPE_VERSION_PATCH 0
#define NNPIPE_VERSION_STRING "0.1.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons. */
#define NNPIPE_VERSION_NUMBER \
    (NNPIPE_VERSION_MAJOR * 10000 + NNPIPE_VERSION_MINOR * 100 + NNPIPE_VERSION_PATCH)

#include <nnpipe/status.h>
#include <nnpipe/sink.h>
#include <nnpipe/model.h>
#include <nnpipe/target.h>
#include <nnpipe/program.h>
#include <nnpipe/loop.h>
#include <nnpipe/schedule.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string, e.g. "0.1.0" (static storage, never NULL). */
NNP_API const char *nnp_version(void);
/* The library's NNPIPE_VERSION_NUMBER. */
NNP_API int nnp_version_number(void);

#ifdef __cplusplus
}
#endif

#endif
