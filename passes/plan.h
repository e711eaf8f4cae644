/* Schedules of a tiled program ("plans"): every op instance (a body op of a
 * group at one tile) placed on a unit instance at a cycle.
 *
 * Three schedulers fill the same structure, so every reader (statistics,
 * tables, Gantt charts, traces, the C emitter) handles them alike:
 *  - sequential: every instance one after another, the unpipelined baseline;
 *  - list: the unrolled instance DAG of the whole program, list-scheduled
 *    by list_sched.c with memory pools;
 *  - modulo: each group's tile loop modulo-scheduled by modulo_sched.c with
 *    rotating buffers (plan_modulo.c), consecutive loops overlapping where
 *    the data, the units and the memory allow, then expanded into instances.
 * The unrolled DAG (plan_unroll.c) is also what plan_verify checks every
 * plan against with verify.c, whichever scheduler made it; plan_memory.c
 * keeps the modulo placer's timelines of bytes live per pool. */
#ifndef NNPIPE_PLAN_H
#define NNPIPE_PLAN_H

#include "program.h"
#include "scheduler.h"

typedef enum plan_kind { PLAN_SEQUENTIAL, PLAN_LIST, PLAN_MODULO, PLAN_KIND_COUNT } plan_kind;

typedef struct plan_inst {
    int group, op;      /* body op p->groups[group].ops[op] */
    int64_t tile;
    int unit;           /* index into target->units */
    int instance;       /* which copy of the unit */
    int64_t start, end; /* cycles; end = start + the op's exact cost at this tile */
    int64_t busy;       /* cycles the unit instance is held from start */
    int stage;          /* modulo: the op's stage in its loop (-1 outside a loop) */
} plan_inst;

typedef struct plan_loop {
    int group;
    int64_t trips;               /* tiles */
    int64_t ii, res_mii, rec_mii, mii;
    int64_t stage_count, length; /* length: one iteration's span */
    sched_optimality optimality;
    int64_t ii_unbounded;        /* II with every buffer as many copies as it wants */
    int *copies;                 /* per buffer of the group: rotating copies chosen */
    int64_t working_set[POOL_COUNT];
    int *in_loop;                /* per body op: 1 in the kernel; 0 outside it, issued once per
                                    segment of tiles that reuses its data */
    int64_t *offset;             /* per body op: start within an iteration (kernel ops) */
    int *order;                  /* body ops by offset: the kernel's issue order */
    int64_t *tile_base;          /* per tile: the cycle its iteration is anchored at, at
                                    least II after the previous tile's. Kernel op o of
                                    tile t starts at tile_base[t] + offset[o], or earlier
                                    where the tile's exact costs (a ragged edge tile), its
                                    unit and memory allow. */
    int64_t start, end;          /* cycles the loop spans: its first instance's start to
                                    its last one's end, outside-kernel loads included */
    char why[256];               /* why II > MII or copies were cut; "" if neither */
} plan_loop;

typedef struct plan_stats {
    int64_t makespan;
    int64_t sequential;     /* every instance one after another */
    int64_t critical_path;  /* longest dependence path through the instance DAG */
    int64_t unit_bound;     /* max over units of busy cycles / instances */
    int64_t lower_bound;    /* max(critical_path, unit_bound) */
    int64_t roofline_bound; /* max(MACs / MAC rate, minimum DMA bytes / DMA rate) */
    double speedup;         /* sequential / makespan */
    double efficiency;      /* lower_bound / makespan */
    int64_t peak[POOL_COUNT];
    int64_t *unit_busy;     /* per target unit: busy cycles over all instances */
    double *utilization;    /* per target unit: busy / (makespan * instances) */
} plan_stats;

typedef struct plan {
    const program *p;   /* borrowed */
    plan_kind kind;
    plan_inst *insts;   /* in unrolled order: group, tile, body op */
    int64_t ninsts;
    plan_loop *loops;   /* PLAN_MODULO: one per group (trips 0 for alias groups); else NULL */
    int nloops;
    plan_stats stats;
    double seconds;     /* time the scheduler took */
} plan;

typedef struct plan_options {
    plan_kind kind;
    modulo_options modulo;
    int overlap_loops; /* modulo: a loop may start under the previous one's tail */
} plan_options;

void plan_options_default(plan_options *o);

/* Schedules p as o says (NULL: modulo with defaults). On success *out is a
 * new plan the caller frees with plan_free; it borrows p. */
int plan_build(const program *p, const plan_options *o, plan **out, nnp_err *e);
void plan_free(plan *pl);

/* The independent check: rebuilds the instance DAG from the program (with
 * the buffer-reuse edges the plan's rotating copies imply) and runs
 * verify_list on the plan's starts and instances. NNP_INTERNAL names the
 * violated dependence, unit or memory pool. */
int plan_verify(const plan *pl, nnp_err *e);

const char *plan_kind_name(plan_kind k);
/* "sequential", "list", "modulo" -> kind; -1 if unknown. */
int plan_kind_from_name(const char *name);

/* ---- plan_unroll.c: the instance DAG ---- */

typedef struct unrolled {
    sched_problem sp;   /* one op per instance, in plan order */
    int64_t n;
    int *group, *op;    /* per instance */
    int64_t *tile;
    int64_t *first;     /* per group: index of its first instance */
    int64_t **at;       /* per group: at[g][t * nops + op] = instance or -1 */
    int pool_of[POOL_COUNT]; /* target pool -> sp pool, -1 when unused */
} unrolled;

/* Builds the DAG of every active op instance: data and accumulator
 * dependences, producer-to-consumer dependences between groups (a tile
 * waits for the last producer tile it needs; a group's stores complete in
 * order), one memory buffer per generation of each on-chip buffer, and,
 * when copies is not NULL (copies[g][b]), the buffer-reuse edges those
 * rotating copies imply. */
int plan_unroll(const program *p, int *const *copies, unrolled *u, nnp_err *e);
void unrolled_free(unrolled *u);

/* The instance DAG plan pl must satisfy (what plan_verify checks), with
 * u->sp.ops in plan order. The caller frees it with unrolled_free. */
int plan_dag(const plan *pl, unrolled *u, nnp_err *e);

/* Tiles between two generations of buffer b's contents: a compute op with
 * a split reduction refills its accumulator once per reduction sweep,
 * anything else once per active tile. */
int64_t plan_buffer_period(const prog_group *gr, int b);

/* ---- plan_memory.c: bytes live in one pool over time ---- */

typedef struct mem_line {
    struct mem_node *n;
    size_t len, cap;
    int root;
    uint32_t seed;
} mem_line; /* zero-initialised: empty */

/* Adds delta bytes live from cycle t on (negative: freed at t). -1 when
 * out of memory. */
int mem_line_add(mem_line *m, int64_t t, int64_t delta);
/* The most bytes live at any cycle of [lo, hi) (hi = INT64_MAX: from lo on). */
int64_t mem_line_peak(const mem_line *m, int64_t lo, int64_t hi);
/* The earliest cycle s' in [s, hi] such that at most limit bytes are live
 * at every cycle of [s', hi) — where a buffer of capacity - limit bytes
 * allocated at s' fits up to hi. hi = INT64_MAX: -1 if there is none;
 * otherwise hi when only the empty range fits. -1 when limit < 0. */
int64_t mem_line_fit(const mem_line *m, int64_t s, int64_t hi, int64_t limit);
/* The bytes live after the last step: those claimed with no end. */
int64_t mem_line_final(const mem_line *m);
void mem_line_free(mem_line *m);

/* ---- plan_modulo.c ---- */
/* Fills pl->loops and the starts of pl->insts (laid out as u says). */
int plan_modulo(const program *p, const plan_options *o, const unrolled *u, plan *pl, nnp_err *e);

#endif
