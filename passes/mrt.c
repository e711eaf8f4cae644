/* Arcs on a circle. For a start a = t mod II, the only arcs that can overlap
 * [a, a+len) are the one beginning at or after a (it must begin within len)
 * and the one beginning last before a (it must still cover a): the arcs are
 * disjoint, so any other overlapping arc would overlap one of these two.
 * Both are found by binary search on the sorted begins. */
#include "mrt.h"

#include <stdlib.h>
#include <string.h>

static int64_t mod(int64_t t, int64_t ii)
{
    int64_t r = t % ii;
    return r < 0 ? r + ii : r;
}

/* Forward distance from x to y on the circle, in [0, ii). */
static int64_t ahead(int64_t x, int64_t y, int64_t ii)
{
    return mod(y - x, ii);
}

/* Index of the first arc beginning at or after a (n when none). */
static int first_at_or_after(const mrt_lane *l, int64_t a)
{
    int lo = 0, hi = l->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (l->arc[mid].begin < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int mrt_init(mrt *m, const sched_problem *p, int64_t ii)
{
    memset(m, 0, sizeof *m);
    m->ii = ii;
    m->nres = p->nresources;
    m->first = xcalloc((size_t)p->nresources, sizeof *m->first);
    m->count = xcalloc((size_t)p->nresources, sizeof *m->count);
    if (!m->first || !m->count)
        goto fail;
    for (int r = 0; r < p->nresources; r++) {
        int k = p->resources[r].instances;
        m->first[r] = k == SCHED_UNLIMITED ? -1 : m->nlanes;
        m->count[r] = k == SCHED_UNLIMITED ? 0 : k;
        if (k != SCHED_UNLIMITED) {
            if (m->nlanes > INT32_MAX - k)
                goto fail;
            m->nlanes += k;
        }
    }
    m->lane = xcalloc((size_t)m->nlanes, sizeof *m->lane);
    if (!m->lane)
        goto fail;
    return 0;
fail:
    mrt_free(m);
    return -1;
}

void mrt_free(mrt *m)
{
    for (int i = 0; m->lane && i < m->nlanes; i++)
        free(m->lane[i].arc);
    free(m->lane);
    free(m->first);
    free(m->count);
    memset(m, 0, sizeof *m);
}

/* The two arcs that may overlap a start at a: the next one (index s) and
 * the previous one (index s-1, circularly). */
static void neighbours(const mrt_lane *l, int64_t a, const mrt_arc **next, const mrt_arc **prev)
{
    int s = first_at_or_after(l, a);
    *next = &l->arc[s % l->n];
    *prev = &l->arc[(s + l->n - 1) % l->n];
}

int mrt_free_at(const mrt *m, int lane, int64_t t, int64_t len)
{
    const mrt_lane *l = &m->lane[lane];
    if (l->n == 0)
        return 1;
    int64_t a = mod(t, m->ii);
    const mrt_arc *nx, *pv;
    neighbours(l, a, &nx, &pv);
    return ahead(a, nx->begin, m->ii) >= len && ahead(pv->begin, a, m->ii) >= pv->len;
}

int64_t mrt_next_free(const mrt *m, int lane, int64_t t, int64_t len)
{
    const mrt_lane *l = &m->lane[lane];
    int64_t t0 = t;
    while (l->n > 0 && t - t0 < m->ii) {
        int64_t a = mod(t, m->ii);
        const mrt_arc *nx, *pv;
        neighbours(l, a, &nx, &pv);
        int64_t into = ahead(pv->begin, a, m->ii);
        if (into < pv->len) {
            t += pv->len - into; /* to the end of the arc covering a */
            continue;
        }
        int64_t gap = ahead(a, nx->begin, m->ii);
        if (gap < len) {
            t += gap + nx->len; /* past the arc we would run into */
            continue;
        }
        return t;
    }
    return t - t0 < m->ii ? t : t0 + m->ii;
}

int64_t mrt_prev_free(const mrt *m, int lane, int64_t t, int64_t len)
{
    const mrt_lane *l = &m->lane[lane];
    int64_t t0 = t;
    while (l->n > 0 && t0 - t < m->ii) {
        int64_t a = mod(t, m->ii);
        const mrt_arc *nx, *pv;
        neighbours(l, a, &nx, &pv);
        int64_t gap = ahead(a, nx->begin, m->ii);
        if (gap < len) {
            t -= len - gap; /* end just where the next arc begins */
            continue;
        }
        int64_t into = ahead(pv->begin, a, m->ii);
        if (into < pv->len) {
            t -= into + len; /* end just where the covering arc begins */
            continue;
        }
        return t;
    }
    return t0 - t < m->ii ? t : t0 - m->ii;
}

int mrt_place(mrt *m, int lane, int64_t t, int64_t len, int op)
{
    mrt_lane *l = &m->lane[lane];
    if (grow((void **)&l->arc, &l->cap, (size_t)l->n + 1, sizeof *l->arc))
        return -1;
    int64_t a = mod(t, m->ii);
    int s = first_at_or_after(l, a);
    memmove(l->arc + s + 1, l->arc + s, (size_t)(l->n - s) * sizeof *l->arc);
    l->arc[s] = (mrt_arc){a, len, op};
    l->n++;
    return 0;
}

void mrt_remove(mrt *m, int lane, int64_t t, int op)
{
    mrt_lane *l = &m->lane[lane];
    int s = first_at_or_after(l, mod(t, m->ii));
    if (s < l->n && l->arc[s].op == op) {
        memmove(l->arc + s, l->arc + s + 1, (size_t)(l->n - s - 1) * sizeof *l->arc);
        l->n--;
    }
}

int mrt_conflicts(const mrt *m, int lane, int64_t t, int64_t len, int *ops)
{
    const mrt_lane *l = &m->lane[lane];
    if (l->n == 0)
        return 0;
    int64_t a = mod(t, m->ii);
    int s = first_at_or_after(l, a), k = 0, prev = (s + l->n - 1) % l->n;
    int covers = ahead(l->arc[prev].begin, a, m->ii) < l->arc[prev].len;
    if (covers)
        ops[k++] = l->arc[prev].op;
    for (int j = 0; j < l->n; j++) {
        int i = (s + j) % l->n;
        if (ahead(a, l->arc[i].begin, m->ii) >= len)
            break;
        if (i != prev || !covers)
            ops[k++] = l->arc[i].op;
    }
    return k;
}
