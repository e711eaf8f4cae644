/* Memory timelines: bytes live in one pool as a function of time, for the
 * modulo placer (plan_modulo.c).
 *
 * The placer does not lay work out in time order: a loop is placed after
 * the loop before it, yet its first tiles may start under that loop's
 * drain, and a tile's ops are booked before they are placed. So it asks
 * "if a buffer is allocated at cycle s, does it fit beside everything live
 * at any cycle of [s, e)?", where e may be infinite (a buffer whose readers
 * are still to be placed).
 *
 * The timeline is a sum of steps: +bytes where a buffer is allocated,
 * -bytes where it is freed (at the end of its last reader: intervals are
 * half-open, as the verifier counts them), and the bytes live at cycle t
 * are the sum of the steps at cycles <= t. The steps sit in a treap keyed
 * by cycle (one node per distinct cycle, holding the net delta); each node
 * keeps its subtree's sum and the largest sum of a non-empty prefix of the
 * subtree in cycle order. Adding a step, the most bytes live over a range
 * of cycles, and the earliest cycle from which a limit holds up to a given
 * cycle all cost O(log n).
 *
 * The treap's shape depends on a fixed pseudo-random sequence, never on
 * addresses or time, so plans are reproducible. */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

struct mem_node {
    int64_t t, delta, sum, maxpre; /* maxpre: largest non-empty prefix sum of the subtree */
    int l, r;
    uint32_t prio;
};

#define NONE_PRE (INT64_MIN / 4) /* the largest prefix of nothing */

typedef struct agg {
    int64_t sum, maxpre;
} agg;

static const agg empty = {0, NONE_PRE};

static agg agg_of(const mem_line *m, int x)
{
    return x < 0 ? empty : (agg){m->n[x].sum, m->n[x].maxpre};
}

/* a then b, in cycle order. */
static agg cat(agg a, agg b)
{
    int64_t tail = b.maxpre == NONE_PRE ? NONE_PRE : a.sum + b.maxpre;
    return (agg){a.sum + b.sum, max64(a.maxpre, tail)};
}

static agg step(int64_t delta)
{
    return (agg){delta, delta};
}

static void update(mem_line *m, int x)
{
    struct mem_node *n = &m->n[x];
    int64_t sum = n->delta, pre = n->delta;
    if (n->l >= 0) {
        const struct mem_node *l = &m->n[n->l];
        sum += l->sum;
        pre = max64(l->maxpre, sum);
    }
    if (n->r >= 0) {
        const struct mem_node *r = &m->n[n->r];
        pre = max64(pre, sum + r->maxpre);
        sum += r->sum;
    }
    n->sum = sum;
    n->maxpre = pre;
}

static int rotate_right(mem_line *m, int x)
{
    int y = m->n[x].l;
    m->n[x].l = m->n[y].r;
    m->n[y].r = x;
    update(m, x);
    update(m, y);
    return y;
}

static int rotate_left(mem_line *m, int x)
{
    int y = m->n[x].r;
    m->n[x].r = m->n[y].l;
    m->n[y].l = x;
    update(m, x);
    update(m, y);
    return y;
}

/* Room for a new node is reserved by the caller, so m->n never moves
 * during the descent. */
static int insert(mem_line *m, int x, int64_t t, int64_t delta)
{
    if (x < 0) {
        int k = (int)m->len++;
        m->seed ^= m->seed << 13; /* xorshift32 */
        m->seed ^= m->seed >> 17;
        m->seed ^= m->seed << 5;
        m->n[k] = (struct mem_node){t, delta, delta, delta, -1, -1, m->seed};
        return k;
    }
    if (t == m->n[x].t) {
        m->n[x].delta += delta;
    } else if (t < m->n[x].t) {
        int c = insert(m, m->n[x].l, t, delta);
        m->n[x].l = c;
        if (m->n[c].prio > m->n[x].prio)
            return rotate_right(m, x);
    } else {
        int c = insert(m, m->n[x].r, t, delta);
        m->n[x].r = c;
        if (m->n[c].prio > m->n[x].prio)
            return rotate_left(m, x);
    }
    update(m, x);
    return x;
}

int mem_line_add(mem_line *m, int64_t t, int64_t delta)
{
    if (m->len == 0) {
        m->root = -1;
        m->seed = 2463534242u;
    }
    if (m->len >= m->cap &&
        (m->len >= INT32_MAX - 1 || grow((void **)&m->n, &m->cap, m->len + 1, sizeof *m->n)))
        return -1;
    m->root = insert(m, m->root, t, delta);
    return 0;
}

/* The steps of subtree x (whose cycles lie in [xlo, xhi)) at cycles in
 * [lo, hi), in order. */
static agg range(const mem_line *m, int x, int64_t xlo, int64_t xhi, int64_t lo, int64_t hi)
{
    if (x < 0 || xhi <= lo || xlo >= hi)
        return empty;
    if (lo <= xlo && xhi <= hi)
        return agg_of(m, x);
    const struct mem_node *n = &m->n[x];
    agg mid = lo <= n->t && n->t < hi ? step(n->delta) : empty;
    return cat(cat(range(m, n->l, xlo, n->t, lo, hi), mid), range(m, n->r, n->t + 1, xhi, lo, hi));
}

static int has_step(const mem_line *m, int64_t t)
{
    for (int x = m->len ? m->root : -1; x >= 0; x = t < m->n[x].t ? m->n[x].l : m->n[x].r)
        if (m->n[x].t == t)
            return 1;
    return 0;
}

/* Bytes live just before cycle t. */
static int64_t before(const mem_line *m, int64_t t)
{
    return m->len ? range(m, m->root, INT64_MIN, INT64_MAX, INT64_MIN, t).sum : 0;
}

int64_t mem_line_peak(const mem_line *m, int64_t lo, int64_t hi)
{
    if (lo >= hi)
        return 0;
    agg a = m->len ? range(m, m->root, INT64_MIN, INT64_MAX, lo, hi) : empty;
    int64_t live = before(m, lo), rise = a.maxpre == NONE_PRE ? 0 : a.maxpre;
    if (!has_step(m, lo)) /* nothing changes at lo itself: live(lo) = live before it */
        rise = max64(rise, 0);
    return live + rise;
}

/* The last cycle in [lo, hi) with a step after which more than limit bytes
 * are live, in subtree x (cycles [xlo, xhi), base bytes live before it);
 * *found says whether there is one. */
static int64_t last_over(const mem_line *m, int x, int64_t xlo, int64_t xhi, int64_t base,
                         int64_t lo, int64_t hi, int64_t limit, int *found)
{
    if (x < 0 || xhi <= lo || xlo >= hi)
        return 0;
    if (lo <= xlo && xhi <= hi && (m->n[x].maxpre == NONE_PRE || base + m->n[x].maxpre <= limit))
        return 0;
    const struct mem_node *n = &m->n[x];
    int64_t at = base + agg_of(m, n->l).sum + n->delta;
    int64_t t = last_over(m, n->r, n->t + 1, xhi, at, lo, hi, limit, found);
    if (*found)
        return t;
    if (lo <= n->t && n->t < hi && at > limit) {
        *found = 1;
        return n->t;
    }
    return last_over(m, n->l, xlo, n->t, base, lo, hi, limit, found);
}

/* The first step after cycle t, or hi if there is none before hi. */
static int64_t next_step(const mem_line *m, int64_t t, int64_t hi)
{
    int64_t best = hi;
    for (int x = m->root; x >= 0;) {
        if (m->n[x].t > t) {
            best = min64(best, m->n[x].t);
            x = m->n[x].l;
        } else {
            x = m->n[x].r;
        }
    }
    return best;
}

int64_t mem_line_final(const mem_line *m)
{
    return m->len ? m->n[m->root].sum : 0;
}

int64_t mem_line_fit(const mem_line *m, int64_t s, int64_t hi, int64_t limit)
{
    if (limit < 0)
        return -1;
    if (m->len == 0 || s >= hi || m->n[m->root].maxpre <= limit) /* never over the limit */
        return s;
    int found = 0;
    int64_t last = last_over(m, m->root, INT64_MIN, INT64_MAX, 0, s, hi, limit, &found);
    if (!found) {
        if (has_step(m, s) || before(m, s) <= limit)
            return s;
        last = s; /* over the limit at s itself, until the next step */
    }
    int64_t next = next_step(m, last, hi);
    return next < hi ? next : hi == INT64_MAX ? -1 : hi;
}

void mem_line_free(mem_line *m)
{
    free(m->n);
    memset(m, 0, sizeof *m);
}
