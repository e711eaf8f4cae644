/* nnp_loop: a generic scheduling problem and its schedule, independent of
 * neural networks. Include <nnpipe/nnpipe.h> rather than this file; the
 * rules there apply.
 *
 * A loop body is resources, ops and edges, all addressed by index from 0:
 *   - a resource has a number of identical instances (or NNP_UNLIMITED) and
 *     a blocking time: how many consecutive cycles an op holds one instance
 *     by default (1 = fully pipelined);
 *   - an op uses at most one resource (NNP_NO_RESOURCE for none), for
 *     `occupancy` cycles (0 = its resource's blocking), and its result is
 *     ready `latency` cycles after it starts;
 *   - an edge (from, to, delay, distance) requires
 *         start(to) + distance * II >= start(from) + latency(from) + delay
 *     where distance > 0 links iteration i to iteration i + distance.
 * Modulo scheduling starts an iteration every II cycles and finds the
 * smallest II it can: never below MII = max(ResMII, RecMII). Small loops get
 * an exact search that proves the optimal II when the heuristic misses MII.
 * List scheduling (all distances 0) places one iteration as early as
 * resources allow. nnpipe's own pipeliner builds the same problems.
 *
 * A loop holds at most one schedule, the last one computed; any change to
 * the problem discards it, and reading results without one is NNP_MISUSE.
 *
 * Loops can also be read from JSON:
 *   {"resources": [{"name": "alu", "instances": 2, "blocking": 1}, ...],
 *    "ops": [{"name": "ld1", "resource": "mem", "latency": 3}, ...],
 *    "edges": [{"from": "ld1", "to": "add1", "delay": 0, "distance": 0}, ...]}
 * with the same meaning and defaults as the functions below (instances
 * omitted or -1: unlimited; blocking 1; no resource; occupancy 0; delay and
 * distance 0), plus optional "pools" and "buffers" for list scheduling. */
#ifndef NNPIPE_LOOP_H
#define NNPIPE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include <nnpipe/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnp_loop nnp_loop;

enum {
    NNP_UNLIMITED = -1,  /* a resource's instances: as many as needed */
    NNP_NO_RESOURCE = -1 /* an op's resource: none */
};

/* ---- Creating ---- */

/* A new empty loop. Errors: NNP_NOMEM (*out NULL), NNP_MISUSE (out NULL).
 * The caller closes *out. */
NNP_API int nnp_loop_new(nnp_loop **out);
/* Reads a loop from the JSON file at path. Errors: NNP_IO, NNP_INVALID
 * ("PATH:LINE:COL: ..." for syntax, "PATH: ops[3] (\"mul1\"): latency: ..."
 * for fields; misspelt fields are errors), NNP_LIMIT (past the cycle
 * limits below), NNP_NOMEM, NNP_MISUSE. See nnpipe.h for what *out holds
 * on failure. The caller closes *out. */
NNP_API int nnp_loop_open(const char *path, nnp_loop **out);
/* The same from len bytes of JSON text (not kept); name labels messages
 * (NULL: "<memory>"). */
NNP_API int nnp_loop_open_buffer(const char *text, size_t len, const char *name,
                                 nnp_loop **out);
/* Releases the loop and its schedule. NULL-safe. */
NNP_API void nnp_loop_close(nnp_loop *l);

/* The message and status of the last failed call on l, as for models. */
NNP_API const char *nnp_loop_errmsg(const nnp_loop *l);
NNP_API int nnp_loop_errcode(const nnp_loop *l);

/* ---- Building ----
 *
 * Each add copies its name (NULL allowed: messages then say "#index") and
 * stores the new index in *index when index is not NULL. Values are checked
 * when scheduling, with messages naming the culprit: instances >= 1 or
 * NNP_UNLIMITED, blocking >= 1, latency, occupancy and distance >= 0,
 * indices in range, and the sum of all latencies, occupancies, |delays| and
 * blockings at most 2^40 cycles (distances at most 2^16), else NNP_LIMIT.
 * Errors here: NNP_NOMEM (the loop is unchanged), NNP_MISUSE (NULL l). */
NNP_API int nnp_loop_add_resource(nnp_loop *l, const char *name, int instances,
                                  int64_t blocking, int *index);
NNP_API int nnp_loop_add_op(nnp_loop *l, const char *name, int resource, int64_t latency,
                            int64_t occupancy, int *index);
NNP_API int nnp_loop_add_edge(nnp_loop *l, int from, int to, int64_t delay, int64_t distance,
                              int *index);
/* Memory for list scheduling: a pool of capacity bytes, and a buffer of
 * `bytes` in a pool, live from the start of its producer op to the end of
 * its last reader (readers copied). Modulo scheduling ignores them. */
NNP_API int nnp_loop_add_pool(nnp_loop *l, const char *name, int64_t capacity, int *index);
NNP_API int nnp_loop_add_buffer(nnp_loop *l, const char *name, int pool, int64_t bytes,
                                int producer, const int *readers, int nreaders, int *index);

/* ---- The problem ---- */

/* Counts; 0 for NULL or a loop in error state. */
NNP_API int nnp_loop_resource_count(const nnp_loop *l);
NNP_API int nnp_loop_op_count(const nnp_loop *l);
NNP_API int nnp_loop_edge_count(const nnp_loop *l);

/* The index of the op or resource called name. NNP_INVALID when there is
 * none. */
NNP_API int nnp_loop_find_op(nnp_loop *l, const char *name, int *op);
NNP_API int nnp_loop_find_resource(nnp_loop *l, const char *name, int *resource);

typedef struct nnp_resource_desc {
    const char *name;  /* NULL when unnamed */
    int instances;     /* or NNP_UNLIMITED */
    int64_t blocking;
} nnp_resource_desc;

typedef struct nnp_loop_op_desc {
    const char *name;  /* NULL when unnamed */
    int resource;      /* or NNP_NO_RESOURCE */
    int64_t latency;
    int64_t occupancy; /* as given (0: the resource's blocking) */
} nnp_loop_op_desc;

typedef struct nnp_edge_desc {
    int from, to;
    int64_t delay, distance;
} nnp_edge_desc;

/* Element k of the problem (names owned by l, valid until l changes or is
 * closed). NNP_MISUSE when k is out of range. */
NNP_API int nnp_loop_resource(nnp_loop *l, int k, nnp_resource_desc *out);
NNP_API int nnp_loop_op(nnp_loop *l, int k, nnp_loop_op_desc *out);
NNP_API int nnp_loop_edge(nnp_loop *l, int k, nnp_edge_desc *out);

/* ---- Scheduling ---- */

typedef struct nnp_modulo_options {
    /* The exact search runs on loops of at most this many ops whose
     * heuristic II is above MII; 0 = never. Default 40. */
    int exact_limit;
    /* Heuristic placements per op at each II. Default 8. */
    int64_t budget_ratio;
    /* Exact-search nodes at each II. Default 200000. */
    int64_t exact_budget;
} nnp_modulo_options;

/* Fills o with the defaults. */
NNP_API void nnp_modulo_options_init(nnp_modulo_options *o);

/* Modulo-schedules the loop: the smallest II the heuristic finds from MII
 * up, then, within the exact limit, every smaller II is searched exactly.
 * opt NULL means the defaults. The schedule replaces the loop's previous
 * one. Errors: NNP_INVALID (a bad value; the message names the resource, op
 * or edge), NNP_LIMIT (past the cycle limits), NNP_INFEASIBLE (a cycle of
 * distance 0 and positive latency: the message names its ops), NNP_MISUSE
 * (negative options), NNP_NOMEM. On failure the loop has no schedule. */
NNP_API int nnp_loop_modulo_schedule(nnp_loop *l, const nnp_modulo_options *opt);

/* List-schedules the loop as a DAG (every edge of distance 0), honouring
 * resources and, if any, memory pools. Errors: NNP_INVALID (bad values, an
 * edge of distance > 0, a cycle), NNP_INFEASIBLE (memory that cannot fit:
 * the message names the buffer, op and pool), NNP_NOMEM. */
NNP_API int nnp_loop_list_schedule(nnp_loop *l);

/* ---- Results (after a successful schedule) ---- */

typedef enum nnp_schedule_kind { NNP_SCHEDULE_MODULO = 1, NNP_SCHEDULE_LIST = 2 } nnp_schedule_kind;

typedef enum nnp_optimality {
    NNP_OPT_AT_MII,    /* II == MII: optimal by the lower bound */
    NNP_OPT_PROVEN,    /* the exact search proved every smaller II infeasible */
    NNP_OPT_BUDGET,    /* not proven: the exact search ran out of budget */
    NNP_OPT_TOO_LARGE, /* not proven: more ops than the exact limit */
    NNP_OPT_NONE       /* a list schedule: no II */
} nnp_optimality;

typedef struct nnp_loop_result {
    nnp_schedule_kind kind;
    /* Modulo schedules (0 for list schedules): */
    int64_t ii, res_mii, rec_mii, mii;
    int res_mii_resource;     /* the resource setting ResMII, or -1 */
    int64_t stage_count;      /* max over ops of floor(start / II), plus 1 */
    nnp_optimality optimality;
    int optimal;              /* 1 when II is known optimal (AT_MII or PROVEN) */
    int attempt_count;        /* IIs tried, see nnp_loop_attempt */
    int64_t steps;            /* placements plus search nodes over all attempts */
    /* Both: one iteration's length (modulo) or the makespan (list):
     * max over ops of start + max(latency, occupancy). */
    int64_t length;
    /* List schedules (0 for modulo): lower bounds on the makespan. */
    int64_t critical_path, resource_bound;
} nnp_loop_result;

/* The current schedule's summary. NNP_MISUSE without a schedule. */
NNP_API int nnp_loop_get_result(nnp_loop *l, nnp_loop_result *out);

typedef struct nnp_slot_desc {
    int64_t start;    /* cycle within its iteration, >= 0 (the earliest op is at 0) */
    int64_t stage;    /* modulo: floor(start / II); list: 0 */
    int64_t row;      /* modulo: start mod II, its row of the reservation table; list: start */
    int instance;     /* the instance of its resource it uses; -1 for an unlimited or no resource */
} nnp_slot_desc;

/* Where op k was placed. */
NNP_API int nnp_loop_slot(nnp_loop *l, int k, nnp_slot_desc *out);

/* The modulo reservation table: *op receives the op holding instance
 * `instance` of resource r at row `row` (0 <= row < II), or -1 when that
 * cell is free. An op of occupancy c starting at s holds rows s .. s+c-1
 * mod II. NNP_MISUSE without a modulo schedule, for an unlimited resource,
 * or an index out of range. */
NNP_API int nnp_loop_reservation(nnp_loop *l, int r, int instance, int64_t row, int *op);

typedef enum nnp_attempt_outcome {
    NNP_ATTEMPT_FOUND,        /* a schedule exists at this II */
    NNP_ATTEMPT_NO_SLOT,      /* heuristic: no slot within its budget */
    NNP_ATTEMPT_PROVEN_NONE,  /* exact search: no schedule exists at this II */
    NNP_ATTEMPT_SEARCH_LIMIT  /* exact search: out of budget, unknown */
} nnp_attempt_outcome;

typedef struct nnp_attempt_desc {
    int64_t ii;
    int exact;                /* 0: heuristic, 1: exact search */
    nnp_attempt_outcome outcome;
    int64_t steps;            /* placements (heuristic) or search nodes (exact) */
    /* Heuristic: ops evicted to free a resource slot, and for a violated
     * dependence: what pushed II up. */
    int64_t resource_evictions, dependence_evictions;
} nnp_attempt_desc;

/* Attempt k of the modulo schedule, in the order tried. */
NNP_API int nnp_loop_attempt(nnp_loop *l, int k, nnp_attempt_desc *out);

/* Ops that heuristic attempt k moved a whole stage later (keeping their
 * rows of the reservation table) instead of evicting anything; 0 for an
 * exact attempt. NNP_MISUSE without a modulo schedule or for k out of
 * range. */
NNP_API int nnp_loop_attempt_stage_pushes(nnp_loop *l, int k, int64_t *pushes);

/* What o and an attempt's outcome mean, in a few words: "optimal (II =
 * MII)", "not proven (exact search ran out of budget)", ...; "scheduled",
 * "proven infeasible", ... . "?" for values outside the enums. Static
 * strings. */
NNP_API const char *nnp_optimality_name(nnp_optimality o);
NNP_API const char *nnp_attempt_outcome_name(nnp_attempt_outcome o);

typedef struct nnp_trip_desc {
    int64_t trip;
    int overlapped;           /* 0 when trip < stage_count: iterations run one by one */
    int64_t prologue_stages, kernel_iterations, epilogue_stages;
    int64_t total_cycles;     /* (trip - 1) * II + length, or trip * length */
} nnp_trip_desc;

/* How `trip` iterations (>= 0) run with the modulo schedule: prologue,
 * kernel and epilogue. */
NNP_API int nnp_loop_trip(nnp_loop *l, int64_t trip, nnp_trip_desc *out);

/* ---- Checking ---- */

/* Re-checks the loop's own schedule with nnpipe's independent verifier
 * (every edge, every instance and resource at every cycle mod II, memory
 * for list schedules). NNP_OK, or NNP_INTERNAL with the verifier's message
 * (a schedule nnpipe made that fails is a bug), NNP_MISUSE without a
 * schedule. */
NNP_API int nnp_loop_verify(nnp_loop *l);

/* Checks a modulo schedule the caller made: II >= 1, start[k] and
 * instance[k] for every op k (instance -1 for ops on unlimited or no
 * resources, else 0 <= instance < instances). NNP_INVALID with a message
 * naming the edge, resource, instance, ops and cycle at fault; NNP_MISUSE
 * for NULL arrays. The loop's own schedule is left alone. */
NNP_API int nnp_loop_check_modulo(nnp_loop *l, int64_t ii, const int64_t *start,
                                  const int *instance);

#ifdef __cplusplus
}
#endif

#endif
