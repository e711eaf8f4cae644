/* nnp_schedule: a program scheduled on its target, and the emitters that
 * turn a schedule into text (tables, timelines, traces, SVG, portable C).
 * Include <nnpipe/nnpipe.h> rather than this file; the rules there apply.
 *
 * A schedule places every op instance (a body op of a group at one tile) on
 * an instance of its unit at a cycle. Three schedulers make one:
 *   sequential  every instance one after another: the unpipelined baseline;
 *   list        the whole program's instance DAG, list-scheduled with the
 *               local-memory pools;
 *   modulo      (the default) each group's tile loop modulo-scheduled with
 *               rotating buffers, consecutive loops overlapping where data,
 *               units and memory allow.
 * Every schedule can be checked by an independent verifier that rebuilds the
 * dependences from the program. A schedule keeps its program (and so the
 * model and target) alive until it is closed.
 *
 * Output goes to an nnp_sink (nnpipe/sink.h): a write callback and its
 * context, or nnp_file_sink(f) for a FILE*. */
#ifndef NNPIPE_SCHEDULE_H
#define NNPIPE_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <nnpipe/loop.h>
#include <nnpipe/program.h>
#include <nnpipe/sink.h>
#include <nnpipe/status.h>
#include <nnpipe/target.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnp_schedule nnp_schedule;

typedef enum nnp_scheduler {
    NNP_SCHEDULER_SEQUENTIAL,
    NNP_SCHEDULER_LIST,
    NNP_SCHEDULER_MODULO
} nnp_scheduler;

typedef struct nnp_schedule_options {
    nnp_scheduler scheduler;    /* default NNP_SCHEDULER_MODULO */
    nnp_modulo_options modulo;  /* for each tile loop (modulo scheduler) */
    int overlap_loops;          /* modulo: 1 (default) lets a loop start under the
                                   previous one's tail */
    int verify;                 /* 1 (default): run the independent verifier */
} nnp_schedule_options;

/* Fills o with the defaults. */
NNP_API void nnp_schedule_options_init(nnp_schedule_options *o);

/* Schedules program p (opt NULL: the defaults). On success *out is a new
 * schedule holding a reference on p (p may be closed first; p is only
 * read, so several threads may schedule one program at once). Errors, with
 * the message in *out: NNP_INFEASIBLE (memory cannot hold what the
 * schedule needs), NNP_INTERNAL (the verifier refused the schedule: a bug,
 * the message names the dependence, unit or pool), NNP_NOMEM, NNP_MISUSE
 * (NULL or error-state program, negative options). See nnpipe.h for what
 * *out holds on failure. The caller closes *out. */
NNP_API int nnp_schedule_new(nnp_program *p, const nnp_schedule_options *opt,
                             nnp_schedule **out);

/* Releases the schedule and its hold on the program. NULL-safe. */
NNP_API void nnp_schedule_close(nnp_schedule *s);

/* The message and status of the last failed call on s, as for models. */
NNP_API const char *nnp_schedule_errmsg(const nnp_schedule *s);
NNP_API int nnp_schedule_errcode(const nnp_schedule *s);

/* ---- Results ---- */

typedef struct nnp_schedule_desc {
    nnp_scheduler scheduler;
    int verified;              /* 1 when the verifier accepted it */
    int64_t instance_count;    /* op instances placed */
    int64_t makespan;          /* cycles from the first start to the last end */
    int64_t sequential;        /* every instance one after another */
    int64_t critical_path;     /* longest dependence path through the instances */
    int64_t unit_bound;        /* max over units of busy cycles / instances */
    int64_t lower_bound;       /* max(critical_path, unit_bound) */
    int64_t roofline_bound;    /* max(MACs / MAC rate, minimum DMA bytes / DMA rate) */
    double speedup;            /* sequential / makespan */
    double efficiency;         /* lower_bound / makespan */
    int64_t peak[NNP_POOL_COUNT]; /* most local-memory bytes live at once, per pool */
    double seconds;            /* time the scheduler took */
} nnp_schedule_desc;

/* The schedule's statistics. */
NNP_API int nnp_schedule_describe(nnp_schedule *s, nnp_schedule_desc *out);

/* Busy cycles of target unit u over all its instances, and busy /
 * (makespan * instances). */
NNP_API int nnp_schedule_unit_busy(nnp_schedule *s, int u, int64_t *busy, double *utilization);

typedef struct nnp_instance_desc {
    int group, op;       /* the body op nnp_program_op(p, group, op) */
    int64_t tile;
    int unit;            /* target unit */
    int instance;        /* which copy of the unit */
    int64_t start, end;  /* cycles; end = start + the op's exact cost at this tile */
    int64_t busy;        /* cycles the unit instance is held from start */
    int stage;           /* modulo: the op's stage in its loop; -1 otherwise */
} nnp_instance_desc;

/* Instance k, 0 <= k < instance_count, in program order (group, tile,
 * body op). */
NNP_API int nnp_schedule_instance(nnp_schedule *s, int64_t k, nnp_instance_desc *out);

typedef struct nnp_group_loop_desc {
    int64_t trips;             /* tiles; 0 for an alias group (no loop) */
    int64_t ii, res_mii, rec_mii, mii;
    int64_t stage_count;
    int64_t length;            /* one iteration's span */
    nnp_optimality optimality;
    int optimal;               /* 1 when II is known optimal */
    int64_t ii_unbounded;      /* II if every buffer had as many copies as it wants */
    int64_t working_set[NNP_POOL_COUNT]; /* bytes with the rotating copies chosen */
    int64_t start, end;        /* cycles the loop spans */
    const char *why;           /* why II > MII or copies were cut; "" if neither */
} nnp_group_loop_desc;

/* The modulo loop of group g (as in nnp_program_group). NNP_MISUSE for a
 * schedule that is not a modulo one, or g out of range. */
NNP_API int nnp_schedule_loop(nnp_schedule *s, int g, nnp_group_loop_desc *out);

/* Op k of group g in the modulo loop: *offset its start within an
 * iteration, *stage = offset / II, *in_loop 1 when it is in the kernel (0:
 * issued once per run of tiles that reuse its data). Any pointer may be
 * NULL. */
NNP_API int nnp_schedule_loop_op(nnp_schedule *s, int g, int k, int64_t *offset, int64_t *stage,
                                 int *in_loop);

/* Rotating copies the modulo schedule gives buffer k of group g. */
NNP_API int nnp_schedule_loop_copies(nnp_schedule *s, int g, int k, int *copies);

/* ---- Output ---- */

/* The text formats, k = 0, 1, ...: their names ("summary", "json",
 * "table", "gantt", "trace", "svg", "dot") and one-line descriptions;
 * NULL past the last. Static strings. */
NNP_API const char *nnp_emit_format_name(int k);
NNP_API const char *nnp_emit_format_summary(int k);

typedef struct nnp_emit_options {
    int width;          /* gantt: columns (0: 100) */
    int color;          /* gantt: 1 for ANSI colours */
    int64_t from, to;   /* gantt, svg: the cycle window; to <= 0 means the makespan */
} nnp_emit_options;

/* Fills o with the defaults (all 0). */
NNP_API void nnp_emit_options_init(nnp_emit_options *o);

/* Writes schedule s in the named format to out (o NULL: defaults). The text
 * is made in memory first, so nothing is written when making it fails.
 * Errors: NNP_MISUSE (unknown format: the message lists the known ones;
 * NULL sink), NNP_IO (the sink returned non-zero), NNP_NOMEM. */
NNP_API int nnp_schedule_emit(nnp_schedule *s, const char *format, const nnp_emit_options *o,
                              nnp_sink out);
/* The same into a FILE*. */
NNP_API int nnp_schedule_emit_file(nnp_schedule *s, const char *format,
                                   const nnp_emit_options *o, FILE *f);

typedef struct nnp_c_options {
    const char *name;      /* prefix of every exported symbol (a C identifier);
                              default "model" */
    const char *header;    /* how the source includes the header; default NAME.h */
    int weights_file;      /* 1: constants go to the weights sink as raw float32,
                              read by NAME_load_weights; 0 (default): in the source */
    const char *bin_path;  /* weights_file: the path main() loads by default */
    int with_main;         /* 1: add main() reading and writing raw float32 files */
} nnp_c_options;

/* Fills o with the defaults. */
NNP_API void nnp_c_options_init(nnp_c_options *o);

/* Writes the modulo schedule s as portable C99: the source to `source`, the
 * header (NAME_run(in0, ..., out0, ...), shapes, sizes) to `header`, and
 * with weights_file the weights to `weights` (ignored otherwise). The code
 * follows s; when the buffers of loops s overlaps in time cannot sit side by
 * side in local memory, it follows the same schedule made without overlap.
 * All three texts are made before any is written. Errors: NNP_UNSUPPORTED
 * (s is not a modulo schedule), NNP_MISUSE (a name that is not a C
 * identifier, a NULL sink), NNP_IO (a sink failed), NNP_NOMEM. */
NNP_API int nnp_schedule_emit_c(nnp_schedule *s, const nnp_c_options *o, nnp_sink source,
                                nnp_sink header, nnp_sink weights);

/* Whether the last successful nnp_schedule_emit_c on s fell back: *fallback
 * is 1 when the C it wrote follows the same schedule made without
 * overlapping loops (the buffers of the loops s overlaps in time did not fit
 * side by side in local memory), 0 when it follows s itself. Errors:
 * NNP_MISUSE (no C written from s yet, NULL fallback). */
NNP_API int nnp_schedule_c_fallback(nnp_schedule *s, int *fallback);

/* 1 when name can be nnp_c_options.name: a C identifier
 * ([A-Za-z_][A-Za-z0-9_]*) of at most 64 characters; else 0 (also for
 * NULL). Lets a caller refuse a bad name before lowering anything. */
NNP_API int nnp_c_name_valid(const char *name);

#ifdef __cplusplus
}
#endif

#endif
