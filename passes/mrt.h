/* The modulo reservation table: which op holds which resource instance at
 * each cycle mod II.
 *
 * A classic MRT has II rows per instance and marks every cycle an op holds.
 * Ours stores, per instance ("lane"), the ops' busy arcs [start mod II,
 * + occupancy) on the circle of length II, sorted and disjoint. Checks,
 * placements and the search for the next free start then cost O(log k + arcs
 * skipped) for k ops on the lane, independent of II and of occupancy, which
 * matters for NN tile loops whose II and occupancies are thousands of cycles.
 *
 * Lanes exist for resources with a limited number of instances; ops on an
 * unlimited resource or none never conflict and have no lane. Every arc is
 * at most II long (ResMII guarantees occupancy <= II). */
#ifndef NNPIPE_PASSES_MRT_H
#define NNPIPE_PASSES_MRT_H

#include "scheduler.h"

typedef struct mrt_arc {
    int64_t begin, len; /* begin in [0, ii) */
    int op;
} mrt_arc;

typedef struct mrt_lane {
    mrt_arc *arc;
    int n;
    size_t cap;
} mrt_lane;

typedef struct mrt {
    int64_t ii;
    int nres;
    int *first;  /* per resource: its instance 0's lane, or -1 when unlimited/absent */
    int *count;  /* per resource: its lanes (0 when unlimited) */
    mrt_lane *lane;
    int nlanes;
} mrt;

/* An empty table for p at ii >= 1. Returns 0, or -1 when memory runs out. */
int mrt_init(mrt *m, const sched_problem *p, int64_t ii);
void mrt_free(mrt *m);

/* 1 when [t, t+len) mod II is free on lane. */
int mrt_free_at(const mrt *m, int lane, int64_t t, int64_t len);
/* The earliest t' in [t, t+II) with [t', t'+len) free on lane, or t+II. */
int64_t mrt_next_free(const mrt *m, int lane, int64_t t, int64_t len);
/* The latest t' in (t-II, t] with [t', t'+len) free on lane, or t-II. */
int64_t mrt_prev_free(const mrt *m, int lane, int64_t t, int64_t len);
/* Records op on lane at t (which must be free). 0, or -1 out of memory. */
int mrt_place(mrt *m, int lane, int64_t t, int64_t len, int op);
/* Removes op, placed at t, from lane. */
void mrt_remove(mrt *m, int lane, int64_t t, int op);
/* Stores in ops[] (room for the lane's op count) the ops whose arcs overlap
 * [t, t+len) on lane; returns how many. */
int mrt_conflicts(const mrt *m, int lane, int64_t t, int64_t len, int *ops);

#endif
