/* Adjacency lists of a scheduling problem, in compressed form.
 *
 * Every scheduler walks edges by endpoint; the problem keeps edges as one
 * flat array, so each builds this index once: the out-edges of op v are
 * out_edge[out_start[v] .. out_start[v+1]), the in-edges likewise. Entries are
 * edge indices into p->edges. The verifier deliberately does not use it. */
#ifndef NNPIPE_PASSES_SCHED_ADJ_H
#define NNPIPE_PASSES_SCHED_ADJ_H

#include "scheduler.h"

typedef struct sched_adj {
    int n;
    int *out_start, *out_edge;
    int *in_start, *in_edge;
} sched_adj;

/* Builds the lists for p (indices already checked by sched_check). */
int sched_adj_build(const sched_problem *p, sched_adj *a, nnp_err *e);
void sched_adj_free(sched_adj *a);
/* Strongly connected components: comp[v] receives a component number (in
 * reverse topological order of the components). 0, or -1 out of memory. */
int sched_components(const sched_problem *p, const sched_adj *a, int *comp);
/* (mii.c) The RecMII of each of the ncomp components, from its own edges:
 * 0 for a component on no cycle. */
int sched_component_rec_mii(const sched_problem *p, const sched_adj *a, const int *comp,
                            int ncomp, int64_t *rec, nnp_err *e);

#endif
