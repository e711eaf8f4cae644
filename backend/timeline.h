/* What the timeline views (gantt, svg, trace, table) share: a plan seen as
 * lanes, one per unit instance, each holding the op instances it runs in
 * start order; the four op categories and how each view draws them; the
 * cycle window to show; axis ticks; and how cycles read in microseconds.
 *
 * Occupancy, not latency, is what a lane shows: an op holds its unit
 * instance for `busy` cycles from its start (the whole op on an unpipelined
 * unit, the throughput-bound part on a pipelined one), so the bars of one
 * lane never overlap and a lane's filled share is the unit's utilisation as
 * plan_stats counts it. The result is ready at `end`, which the hover texts
 * and the trace report. */
#ifndef NNPIPE_TIMELINE_H
#define NNPIPE_TIMELINE_H

#include "emit.h"

typedef enum op_cat { CAT_LOAD, CAT_COMPUTE, CAT_POOL, CAT_STORE, CAT_COUNT } op_cat;

typedef struct cat_look {
    const char *name; /* "load" */
    char glyph;       /* gantt fill character */
    const char *sgr, *sgr_alt; /* ANSI colours of a bar and of its neighbour of the same kind */
    const char *sgr_fg; /* ANSI colour for a glyph without background (partly busy cells) */
    const char *fill;   /* SVG colour */
    const char *light;  /* a lighter tint, behind black text (dot) */
} cat_look;

extern const cat_look cat_looks[CAT_COUNT];
op_cat op_category(pop_kind k);

typedef struct tl_lane {
    int unit, instance;
    char name[48];    /* "mac" for a single instance, "mac.1" otherwise */
    int64_t *insts;   /* plan instance indices by start (points into timeline.pool) */
    int64_t n;
} tl_lane;

typedef struct timeline {
    const plan *pl;
    tl_lane *lanes;
    int nlanes;
    int *first_lane;          /* per target unit: its first lane */
    int64_t *pool;
    int64_t *group_lo, *group_hi; /* per group: first start, last end; -1 without instances */
    int64_t makespan;
} timeline;

/* Lanes of every unit instance of the target, in target order (units with
 * no op still get theirs: an idle unit is worth seeing). */
int timeline_build(const plan *pl, timeline *tl, nnp_err *e);
void timeline_free(timeline *tl);
/* Lane of a plan instance. */
int timeline_lane_of(const timeline *tl, const plan_inst *in);
/* Cycles an instance holds its lane: busy, at least 1 so it stays visible. */
int64_t inst_hold(const plan_inst *in);

/* The cycle window [from, to) asked for by o (to <= 0: the makespan).
 * NNP_MISUSE when it is empty. */
int timeline_window(const timeline *tl, const emit_options *o, int64_t *from, int64_t *to,
                    nnp_err *e);
/* A 1-2-5 step of at least min_step (>= 1), for axis ticks. */
int64_t nice_step(double min_step);

/* A node's display name: the graph name of a group's anchor, else the
 * group's label. */
const char *group_short_name(const program *p, int g);

/* Cycles as microseconds on the target's clock, with as many decimals as
 * step (cycles between two printed values) needs; "" without a clock. */
const char *cycles_us(const target *t, int64_t c, int64_t step, char *buf, size_t len);

/* Microseconds for a reader: "3.25", "127.2", "141,420". */
const char *us_text(double us, char *buf, size_t len);

#endif
