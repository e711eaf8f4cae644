/* The generic scheduling problem and its results.
 *
 * nnpipe's schedulers know nothing about neural networks. A problem is a set
 * of resources (units with a number of identical instances), ops (each using
 * at most one resource for `occupancy` cycles and producing its result
 * `latency` cycles after it starts) and edges
 *
 *     start(to) + distance*II >= start(from) + latency(from) + delay
 *
 * with distance > 0 linking iteration i to iteration i+distance of a loop.
 * The NN path builds one problem per tile loop (modulo scheduling) and one per
 * whole program (list scheduling, a DAG, with memory pools and buffers); the
 * loop JSON reader (frontends/loop_json.c) and the public API build them too.
 *
 * Everything is plain arrays of structs addressed by index, so the problem
 * and the results can be wrapped by other languages. A problem owns its names
 * and reader arrays; results own their arrays. Pointers into the arrays are
 * stable only until the next sched_add_*; keep indices.
 *
 * The implementations live one concept per file: sched.c (building and
 * checking), mii.c (lower bounds), modulo_sched.c (iterative modulo
 * scheduling), modulo_exact.c (the exact search), list_sched.c, verify.c.
 * (The header is not called sched.h: with passes/ on the include path that
 * name would shadow POSIX <sched.h>, which <pthread.h> includes.) */
#ifndef NNPIPE_SCHEDULER_H
#define NNPIPE_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* resource instances: unlimited; op resource, buffer pool: none */
enum { SCHED_UNLIMITED = -1, SCHED_NONE = -1 };

/* Keeps every cycle computation far from int64 overflow: the sum of all
 * latencies, occupancies, |delays| and blockings of a problem may not exceed
 * SCHED_MAX_CYCLES, nor any distance SCHED_MAX_DISTANCE. Then II, start
 * times and II*distance all stay below 2^62. */
#define SCHED_MAX_CYCLES ((int64_t)1 << 40)
#define SCHED_MAX_DISTANCE ((int64_t)1 << 16)

typedef struct sched_resource {
    char *name;
    int instances;    /* >= 1, or SCHED_UNLIMITED */
    int64_t blocking; /* default occupancy of its ops, >= 1 (1 = fully pipelined) */
} sched_resource;

typedef struct sched_op {
    char *name;        /* NULL allowed: messages then say "#index" */
    int resource;      /* index, or SCHED_NONE */
    int64_t latency;   /* >= 0: cycles until the result is available */
    int64_t occupancy; /* >= 0: cycles it holds one instance; 0 = the resource's blocking */
} sched_op;

typedef struct sched_edge {
    int from, to;
    int64_t delay;    /* any sign; negative for anti-dependences */
    int64_t distance; /* >= 0, in iterations */
} sched_edge;

/* Memory, for list scheduling only. */
typedef struct sched_pool {
    char *name;
    int64_t capacity; /* bytes, >= 0 */
} sched_pool;

/* A buffer holds its bytes from the start of its producer to the end
 * (start + latency) of its last reader; with no reader, to the end of its
 * producer. */
typedef struct sched_buffer {
    char *name;
    int pool;
    int64_t bytes;
    int producer;
    int *readers;
    int nreaders;
} sched_buffer;

typedef struct sched_problem {
    sched_resource *resources;
    int nresources;
    size_t cap_resources;
    sched_op *ops;
    int nops;
    size_t cap_ops;
    sched_edge *edges;
    int nedges;
    size_t cap_edges;
    sched_pool *pools;
    int npools;
    size_t cap_pools;
    sched_buffer *buffers;
    int nbuffers;
    size_t cap_buffers;
} sched_problem;

/* ---- sched.c: building and checking ---- */

/* A zero-initialised sched_problem is empty and valid. Each sched_add_*
 * copies its name (NULL stays NULL) and arrays and returns the new index, or
 * -1 when memory runs out (the problem is unchanged). Values are not checked
 * here: sched_check does that, once, with messages naming the culprit. */
int sched_add_resource(sched_problem *p, const char *name, int instances, int64_t blocking);
int sched_add_op(sched_problem *p, const char *name, int resource, int64_t latency,
                 int64_t occupancy);
int sched_add_edge(sched_problem *p, int from, int to, int64_t delay, int64_t distance);
int sched_add_pool(sched_problem *p, const char *name, int64_t capacity);
int sched_add_buffer(sched_problem *p, const char *name, int pool, int64_t bytes, int producer,
                     const int *readers, int nreaders);
/* Frees everything the problem owns and leaves it empty. NULL-safe. */
void sched_problem_free(sched_problem *p);

/* Validates indices and ranges (instances >= 1 or unlimited, blocking >= 1,
 * latency/occupancy/distance/bytes >= 0, the SCHED_MAX_* limits). Every
 * scheduler calls it first. Messages name the resource, op, edge or buffer. */
int sched_check(const sched_problem *p, nnp_err *e);

/* How messages name an op: its name, or "#i" for an unnamed one. Writes into
 * buf (len bytes) and returns it. */
const char *sched_op_label(const sched_problem *p, int op, char *buf, size_t len);
/* Cycles op holds an instance: its occupancy, or its resource's blocking when
 * that is 0; 0 for an op without resource. */
int64_t sched_occupancy(const sched_problem *p, int op);
/* 1 when op uses a resource with a limited number of instances. */
int sched_is_limited(const sched_problem *p, int op);
/* latency(from) + delay: the weight of edge i before subtracting II*distance. */
int64_t sched_edge_weight(const sched_problem *p, int i);

/* ---- mii.c: lower bounds on II ---- */

/* ResMII = max over limited resources of max(ceil(sum occupancy / instances),
 * max occupancy): the second term because an op keeps the same instance in
 * every iteration (the kernel is not unrolled), so its occupancy must fit in
 * II. *which receives the resource setting the bound, or -1 (ResMII 0). */
int sched_res_mii(const sched_problem *p, int64_t *res_mii, int *which, nnp_err *e);
/* RecMII = the smallest II >= 0 such that no cycle has positive weight under
 * latency(from) + delay - II*distance; 0 without recurrences. A cycle of
 * distance 0 and positive weight can never be scheduled: NNP_INFEASIBLE with
 * a message naming its ops. */
int sched_rec_mii(const sched_problem *p, int64_t *rec_mii, nnp_err *e);
/* Longest-path helpers at a given II, shared by the modulo schedulers; both
 * assume II >= RecMII (no positive cycle) and return NNP_INTERNAL otherwise.
 * asap[v] = max(0, longest path into v); height[v] = max(latency(v),
 * longest path out of v + latency of its end). */
int sched_asap(const sched_problem *p, int64_t ii, int64_t *asap, nnp_err *e);
int sched_height(const sched_problem *p, int64_t ii, int64_t *height, nnp_err *e);

/* ---- modulo_sched.c and modulo_exact.c: modulo scheduling ---- */

/* What happened at one II, in the order tried. The heuristic's failures are
 * the reasons II was raised; the exact search's entries are its proof. */
typedef enum sched_outcome {
    SCHED_FOUND,        /* a schedule exists at this II (and was kept if smallest) */
    SCHED_NO_SLOT,      /* heuristic: no slot within the placement budget */
    SCHED_PROVEN_NONE,  /* exact search: no schedule exists at this II */
    SCHED_SEARCH_LIMIT, /* exact search: ran out of its node budget, unknown */
    SCHED_OUTCOME_COUNT
} sched_outcome;

typedef struct sched_attempt {
    int64_t ii;
    int exact;            /* 0: heuristic, 1: exact search */
    sched_outcome outcome;
    int64_t steps;        /* placements (heuristic) or search nodes (exact) */
    /* Heuristic only: ops unscheduled to free a resource slot, and ops
     * unscheduled because a newly placed neighbour violated their edge (the
     * recurrences pushing back). */
    int64_t resource_evictions, dependence_evictions;
    /* Heuristic only: ops moved later by whole stages (same rows in the
     * reservation table) instead of being evicted. */
    int64_t stage_pushes;
} sched_attempt;

typedef enum sched_optimality {
    SCHED_OPT_AT_MII,     /* II == MII: optimal by the lower bound */
    SCHED_OPT_PROVEN,     /* the exact search proved every smaller II infeasible */
    SCHED_OPT_BUDGET,     /* not proven: the exact search ran out of budget */
    SCHED_OPT_TOO_LARGE,  /* not proven: more ops than the exact search's limit */
    SCHED_OPT_COUNT
} sched_optimality;

typedef struct modulo_options {
    int exact_limit;        /* the exact search runs on loops of <= this many ops; 0 = no
                             * search at all (heuristic only) */
    int64_t budget_ratio;   /* heuristic placements per op at each II */
    int64_t exact_budget;   /* exact search nodes at each II */
} modulo_options;

/* Loops above exact_limit and up to this many ops get a bounded search (4
 * nodes per op) at each II where the heuristic fails: mostly a second
 * heuristic, though it can prove an II infeasible too. */
#define SCHED_BOUNDED_SEARCH_OPS 512

/* exact_limit 40, budget_ratio 8, exact_budget 200000. */
void modulo_options_default(modulo_options *o);

typedef struct modulo_result {
    int64_t ii, res_mii, rec_mii, mii;
    int res_mii_resource;     /* the resource setting ResMII, or -1 */
    int nops;
    int64_t *start;           /* per op, >= 0, the earliest is 0 */
    int *instance;            /* per op: its instance of a limited resource, else -1 */
    int64_t stage_count;      /* max over ops of start/II, plus 1 */
    int64_t length;           /* one iteration: max over ops of start + max(latency, occupancy) */
    sched_optimality optimality;
    int64_t iterations;       /* placements plus search nodes, over all attempts */
    sched_attempt *attempts;
    int nattempts;
    size_t cap_attempts;
} modulo_result;

/* Schedules the loop p at the smallest II found from MII up: at each II the
 * heuristic, then, when it fails, the exact search (loops within the exact
 * limit) or a bounded search (within SCHED_BOUNDED_SEARCH_OPS ops). The II is proven
 * optimal when it equals MII or every smaller II was proven infeasible.
 * opt may be NULL (defaults). On success r owns its
 * arrays (modulo_result_free); on failure r is left empty. Errors:
 * NNP_INVALID (sched_check), NNP_INFEASIBLE (a zero-distance positive cycle),
 * NNP_LIMIT (no schedule below the II limit; not expected in practice). */
int modulo_schedule(const sched_problem *p, const modulo_options *opt, modulo_result *r,
                    nnp_err *e);
void modulo_result_free(modulo_result *r);
/* 1 when r's II is known optimal (SCHED_OPT_AT_MII or SCHED_OPT_PROVEN). */
int modulo_is_optimal(const modulo_result *r);
const char *sched_optimality_name(sched_optimality o);
const char *sched_outcome_name(sched_outcome o);

/* The exact search at one II (>= MII, which sched_check'd p must allow): on
 * SCHED_FOUND fills start[] (>= 0) and instance[] (nops entries each, caller
 * owned). *nodes receives the search nodes used. Only for small loops: the
 * search is exponential in the op count and keeps (n+1)*n start times. */
int modulo_exact_at(const sched_problem *p, int64_t ii, int64_t budget, int64_t *start,
                    int *instance, sched_outcome *outcome, int64_t *nodes, nnp_err *e);

/* How a loop of `trip` iterations runs with schedule r. When trip >= SC the
 * loop is a prologue of SC-1 partial kernels, `kernel_iterations` = trip -
 * SC + 1 full kernels and an epilogue of SC-1, finishing after (trip-1)*II +
 * length cycles. When 0 < trip < SC the pipeline never fills: overlapped is 0
 * and the iterations run one after another, trip * length cycles. */
typedef struct modulo_trip {
    int64_t trip, stage_count, kernel_iterations, prologue_stages, epilogue_stages;
    int64_t total_cycles;
    int overlapped;
} modulo_trip;
int modulo_trip_count(const modulo_result *r, int64_t trip, modulo_trip *out, nnp_err *e);

/* ---- list_sched.c: list scheduling of a DAG ---- */

typedef struct list_result {
    int nops;
    int64_t *start;           /* per op, >= 0 */
    int *instance;            /* per op: its instance of a limited resource, else -1 */
    int64_t makespan;         /* max over ops of start + max(latency, occupancy) */
    int npools;
    int64_t *peak;            /* per pool: the most bytes live at once */
    /* Lower bounds, to report the makespan against: the longest latency
     * path, and the busiest resource's total occupancy / instances. */
    int64_t critical_path, resource_bound;
    int64_t memory_waits;     /* ops that were ready with a free instance but waited for memory */
    int64_t rescues;          /* starts past the reserve when nothing else could run */
    /* 1 when the schedule comes from the ordered-allocation pass (see
     * list_sched.c): the greedy pass deadlocked on memory (`deadlock` then
     * says where it stuck), or needed rescues and a fixed order came out
     * shorter. */
    int ordered;
    char deadlock[256];
} list_result;

/* Schedules the DAG p (every edge of distance 0) on its resources and
 * memory pools, highest op first, ties to more successors, then lower index.
 * Errors: NNP_INVALID (sched_check, an edge with distance > 0, a cycle: the
 * message names its ops), NNP_INFEASIBLE (a buffer larger than its pool, an
 * op whose own inputs and outputs exceed a pool, or no memory-feasible order
 * found; the message names the buffer, op and pool). */
int list_schedule(const sched_problem *p, list_result *r, nnp_err *e);
void list_result_free(list_result *r);

/* ---- verify.c: independent checks of a schedule ---- */

/* Checks a modulo schedule of p at II: starts >= 0, every edge inequality,
 * instances within range, no instance used by two ops in the same cycle mod
 * II, and at every cycle mod II no more ops on a resource than instances.
 * NNP_INVALID with a message naming the edge, resource, instance, ops and
 * cycle (for a schedule nnpipe made itself, that is a bug: report it as
 * internal). */
int verify_modulo(const sched_problem *p, int64_t ii, const int64_t *start, const int *instance,
                  nnp_err *e);
/* The same for a list schedule (no II, all distances 0), plus memory: at
 * every cycle the live buffers of each pool fit its capacity. */
int verify_list(const sched_problem *p, const int64_t *start, const int *instance, nnp_err *e);

#endif
