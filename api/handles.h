/* What the public handles really are: thin shells around the internal data
 * structures (graph, target, program, sched_problem), each with the message
 * of its last failed call. The api/ files are the only code that knows the
 * two worlds; nothing below api/ includes this.
 *
 * Error state. A creation call that fails still returns its handle, with
 * `broken` set and the reason in err (SQLite's open). api_usable() is the
 * guard every other call starts with: it refuses NULL and broken handles
 * with NNP_MISUSE and leaves the creation message alone, so the caller can
 * read why the handle is unusable however many calls later.
 *
 * Lifetimes. A program reads its model's graph and its target for as long as
 * it lives, and a schedule its program, so models, targets and programs are
 * reference counted: the caller's handle is one reference and each program
 * (schedule) another; the last release frees. The counts are atomic because
 * one model may be lowered (one program scheduled) from several threads at
 * once; nothing else in a handle is shared between threads. */
#ifndef NNPIPE_API_HANDLES_H
#define NNPIPE_API_HANDLES_H

#include <stdatomic.h>

#include "nnpipe/nnpipe.h"

#include "graph.h"
#include "plan.h"
#include "program.h"
#include "scheduler.h"
#include "target.h"
#include "util.h"

struct nnp_model {
    graph *g;       /* NULL only in error state */
    char *label;    /* file or model name, prefixes builder messages */
    int checked;    /* graph_check succeeded: frozen, ready to run and lower */
    int broken;
    atomic_int refs;
    nnp_err err;
};

struct nnp_target {
    target *t;      /* NULL only in error state */
    int broken;
    atomic_int refs;
    nnp_err err;
};

struct nnp_program {
    program *p;     /* NULL only in error state */
    nnp_model *m;   /* references held while p lives */
    nnp_target *t;
    int broken;
    atomic_int refs; /* the caller's and one per schedule */
    nnp_err err;
};

struct nnp_schedule {
    plan *pl;         /* NULL only in error state */
    nnp_program *p;   /* reference held while pl lives */
    plan_options po;  /* how pl was made (the C emitter may re-plan without overlap) */
    int verified;
    int c_emitted;    /* nnp_schedule_emit_c succeeded at least once */
    int c_fallback;   /* ... and the last time followed the plan re-made without overlap */
    int broken;
    nnp_err err;
};

typedef enum loop_sched { LOOP_NONE, LOOP_MODULO, LOOP_LIST } loop_sched;

struct nnp_loop {
    sched_problem p;
    loop_sched have;  /* which result below is valid */
    modulo_result mr;
    list_result lr;
    int broken;
    nnp_err err;
};

/* NNP_OK when the handle h (whose broken flag is `broken`) may be used;
 * NNP_MISUSE for NULL or a handle in error state. */
static inline int api_usable(const void *h, int broken)
{
    return h && !broken ? NNP_OK : NNP_MISUSE;
}

/* The message a handle's errmsg shows. */
const char *api_errmsg(const nnp_err *e, int null_handle);

/* Allocates a zeroed handle of size bytes with its error cleared. */
void *api_handle_new(size_t size);

/* Hands len bytes at data to the sink in pieces small enough for any
 * callback; what names the output in the message when the sink refuses a
 * piece (NNP_IO in e). */
int api_drain(nnp_err *e, const char *data, size_t len, nnp_sink out, const char *what);

/* The public pool for an internal one (target.c; programs need it too). */
nnp_pool api_pool(mem_pool p);

/* Loops (loop.c): drop the schedule; the guard for queries (NULL out is
 * misuse); an index range check with a message naming what. */
void api_loop_forget(nnp_loop *l);
int api_loop_usable(nnp_loop *l, const void *out);
int api_loop_index(nnp_loop *l, const char *what, int64_t k, int64_t n);

/* Schedules (schedule.c): the guard for queries (NULL out is misuse). */
int api_schedule_usable(nnp_schedule *s, const void *out);

void api_model_retain(nnp_model *m);
void api_model_release(nnp_model *m);
void api_target_retain(nnp_target *t);
void api_target_release(nnp_target *t);
/* program.c: a program is freed (releasing its model and target) with its
 * last reference. */
void api_program_retain(nnp_program *p);
void api_program_release(nnp_program *p);

#endif
