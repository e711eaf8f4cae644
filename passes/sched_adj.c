/* Counting sort of the edges by source and by target: two passes each, no
 * comparisons, O(ops + edges). Edges of one op keep their input order.
 * Strongly connected components come from Tarjan's algorithm on top. */
#include "sched_adj.h"

#include <stdlib.h>
#include <string.h>

static void bucket(const sched_problem *p, int by_target, int *start, int *list)
{
    int n = p->nops;
    for (int i = 0; i < p->nedges; i++)
        start[(by_target ? p->edges[i].to : p->edges[i].from) + 1]++;
    for (int v = 0; v < n; v++)
        start[v + 1] += start[v];
    int *fill = start; /* reuse: shift back afterwards */
    for (int i = 0; i < p->nedges; i++) {
        int v = by_target ? p->edges[i].to : p->edges[i].from;
        list[fill[v]++] = i;
    }
    memmove(start + 1, start, (size_t)n * sizeof *start);
    start[0] = 0;
}

int sched_adj_build(const sched_problem *p, sched_adj *a, nnp_err *e)
{
    memset(a, 0, sizeof *a);
    a->n = p->nops;
    a->out_start = xcalloc((size_t)p->nops + 1, sizeof(int));
    a->in_start = xcalloc((size_t)p->nops + 1, sizeof(int));
    a->out_edge = xcalloc((size_t)p->nedges, sizeof(int));
    a->in_edge = xcalloc((size_t)p->nedges, sizeof(int));
    if (!a->out_start || !a->in_start || !a->out_edge || !a->in_edge) {
        sched_adj_free(a);
        return err_set(e, NNP_NOMEM, "out of memory indexing %d edges", p->nedges);
    }
    bucket(p, 0, a->out_start, a->out_edge);
    bucket(p, 1, a->in_start, a->in_edge);
    return NNP_OK;
}

void sched_adj_free(sched_adj *a)
{
    if (!a)
        return;
    free(a->out_start);
    free(a->out_edge);
    free(a->in_start);
    free(a->in_edge);
    memset(a, 0, sizeof *a);
}

/* Tarjan's algorithm, iteratively: loops can be long chains, too deep for
 * recursion. */
int sched_components(const sched_problem *p, const sched_adj *a, int *comp)
{
    int n = p->nops, ncomp = 0, idx = 0, sp = 0, cs = 0;
    int *index = xcalloc((size_t)n, sizeof *index), *low = xcalloc((size_t)n, sizeof *low);
    int *stack = xcalloc((size_t)n, sizeof *stack), *call = xcalloc((size_t)n, sizeof *call);
    int *next = xcalloc((size_t)n, sizeof *next);
    char *on = xcalloc((size_t)n, 1);
    int ok = index && low && stack && call && next && on;
    for (int root = 0; ok && root < n; root++) {
        if (index[root])
            continue;
        call[cs++] = root;
        index[root] = low[root] = ++idx;
        stack[sp++] = root;
        on[root] = 1;
        next[root] = a->out_start[root];
        while (cs > 0) {
            int v = call[cs - 1];
            if (next[v] < a->out_start[v + 1]) {
                int w = p->edges[a->out_edge[next[v]++]].to;
                if (!index[w]) {
                    index[w] = low[w] = ++idx;
                    stack[sp++] = w;
                    on[w] = 1;
                    next[w] = a->out_start[w];
                    call[cs++] = w;
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            cs--;
            if (cs > 0 && low[v] < low[call[cs - 1]])
                low[call[cs - 1]] = low[v];
            if (low[v] == index[v]) {
                int w;
                do {
                    w = stack[--sp];
                    on[w] = 0;
                    comp[w] = ncomp;
                } while (w != v);
                ncomp++;
            }
        }
    }
    free(index);
    free(low);
    free(stack);
    free(call);
    free(next);
    free(on);
    return ok ? 0 : -1;
}
