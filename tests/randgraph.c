/* The random graph generator (see randgraph.h).
 *
 * A graph grows one node at a time. The generator keeps the tensors that a
 * new node may read (every float tensor made so far, with the shape it
 * worked out), picks an op from a weighted table of makers, and picks the
 * op's main input: the newest tensor (a chain) or, with dag_percent, an
 * older one (a branch; its result later meets the main line through a
 * binary op or Concat that looks for a live tensor of a fitting shape).
 *
 * A maker decides every parameter and the output shape before it adds
 * anything, and returns -1 without touching the graph when the op does not
 * fit its input (a Conv on a 2-D tensor, an output over max_elems); the
 * generator then tries another op. Shapes are computed here from the ONNX
 * specification's formulas, independently of ir/, and kept in rg_graph.
 *
 * Constants get values that keep activations near [-1, 1] (weights scaled
 * by 1/sqrt(fan-in), positive variances), so a property test may demand
 * finite outputs. */
#include "randgraph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* rg_opts.ops is a mask of 1 << op_kind. */
_Static_assert(OP_COUNT <= 64, "rg_opts.ops has one bit per op kind");

/* ---- choices ---- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rg_seed(rg_rng *r, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    r->state = seed;
}

void rg_bytes(rg_rng *r, const uint8_t *data, size_t n)
{
    memset(r, 0, sizeof *r);
    r->bytes = data ? data : (const uint8_t *)"";
    r->nbytes = data ? n : 0;
}

static uint64_t take(rg_rng *r, int nbytes)
{
    if (!r->bytes)
        return splitmix(&r->state);
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++)
        v = v << 8 | (r->pos < r->nbytes ? r->bytes[r->pos++] : 0);
    return v;
}

int64_t rg_int(rg_rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)(hi - lo) + 1;
    uint64_t v = take(r, span <= 256 ? 1 : span <= 65536 ? 2 : 4);
    return lo + (int64_t)(v % span);
}

float rg_float(rg_rng *r, float lo, float hi)
{
    double u = r->bytes ? (double)take(r, 1) / 255.0 : (double)(take(r, 8) >> 11) / 9007199254740992.0;
    return (float)(lo + (hi - lo) * u);
}

/* Exhausted bytes read as 0, which must mean "no": rg_int(0, 99) = 0 is
 * below 100 - percent for every percent < 100. */
int rg_chance(rg_rng *r, int percent)
{
    return rg_int(r, 0, 99) >= 100 - percent;
}

void rg_fill(rg_rng *r, float *v, int64_t n, float lo, float hi)
{
    for (int64_t i = 0; i < n; i++)
        v[i] = rg_float(r, lo, hi);
}

rg_opts rg_defaults(void)
{
    rg_opts o = {.max_nodes = 8, .max_elems = 4096, .ops = 0, .dag_percent = 30,
                 .min_opset = 11, .max_opset = 13, .max_inputs = 2};
    return o;
}

/* ---- shapes ---- */

typedef struct shape {
    int rank;
    int64_t d[MAX_RANK];
} shape;

static int64_t numel(const shape *s)
{
    int64_t p = 1;
    for (int i = 0; i < s->rank; i++)
        if (size_mul(p, s->d[i], &p))
            return INT64_MAX;
    return p;
}

/* Numpy broadcasting, written from the ONNX text: align at the right; per
 * axis equal dims, or a 1 that stretches. -1 when the shapes clash. */
static int bcast(const shape *a, const shape *b, shape *out)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    out->rank = r;
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->d[ia] : 1, db = ib >= 0 ? b->d[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return -1;
        out->d[i] = da == 1 ? db : da;
    }
    return 0;
}

/* ---- building ---- */

typedef struct gen {
    rg_rng *r;
    const rg_opts *o;
    rg_graph *rg;
    graph *g;
    int *live, nlive, cap_live;
    int counter;
    int failed;
} gen;

static int record(gen *s, int t, const shape *sh)
{
    rg_graph *rg = s->rg;
    size_t need = (size_t)t + 1;
    if (need > rg->cap) {
        size_t cap = rg->cap, c2 = rg->cap;
        if (grow((void **)&rg->rank, &cap, need, sizeof *rg->rank) ||
            grow((void **)&rg->dims, &c2, need, sizeof *rg->dims))
            return s->failed = -1;
        rg->cap = cap < c2 ? cap : c2;
    }
    rg->rank[t] = sh->rank;
    memcpy(rg->dims[t], sh->d, sizeof sh->d);
    return 0;
}

static shape shape_of(const gen *s, int t)
{
    shape sh = {s->rg->rank[t], {0}};
    memcpy(sh.d, s->rg->dims[t], sizeof sh.d);
    return sh;
}

/* A new tensor named prefix<N>; its graph shape is set when known
 * up front (inputs and constants), else left for graph_check. */
static int new_tensor(gen *s, const char *prefix, const shape *sh, int set_shape)
{
    char name[32];
    snprintf(name, sizeof name, "%s%d", prefix, s->counter++);
    int t = graph_intern_tensor(s->g, name);
    if (t < 0 || record(s, t, sh)) {
        s->failed = -1;
        return -1;
    }
    if (set_shape) {
        s->g->tensors[t].rank = sh->rank;
        memcpy(s->g->tensors[t].dims, sh->d, sizeof sh->d);
    }
    return t;
}

static int add_live(gen *s, int t)
{
    size_t cap = (size_t)s->cap_live;
    if (grow((void **)&s->live, &cap, (size_t)s->nlive + 1, sizeof *s->live))
        return s->failed = -1;
    s->cap_live = (int)cap;
    s->live[s->nlive++] = t;
    return 0;
}

static int add_const(gen *s, const shape *sh, float lo, float hi)
{
    int t = new_tensor(s, "w", sh, 1);
    if (t < 0)
        return -1;
    int64_t n = numel(sh);
    float *v = xcalloc((size_t)n, sizeof *v);
    if (!v) {
        s->failed = -1;
        return -1;
    }
    rg_fill(s->r, v, n, lo, hi);
    s->g->tensors[t].data = v;
    return t;
}

static int add_scalar(gen *s, float value)
{
    shape sh = {0, {0}};
    int t = add_const(s, &sh, value, value);
    return t;
}

static int add_iconst(gen *s, int n, const int64_t *v)
{
    shape sh = {1, {n}};
    int t = new_tensor(s, "s", &sh, 1);
    if (t < 0)
        return -1;
    int64_t *d = xcalloc((size_t)n, sizeof *d);
    if (!d) {
        s->failed = -1;
        return -1;
    }
    memcpy(d, v, (size_t)n * sizeof *d);
    s->g->tensors[t].type = DT_INT64;
    s->g->tensors[t].idata = d;
    return t;
}

/* A node reading in[0..nin) (-1 for an absent optional input) and writing
 * one new tensor of shape out, which becomes live. The node index, or -1. */
static int add_node(gen *s, op_kind op, const int *in, int nin, const shape *out)
{
    int y = new_tensor(s, "t", out, 0);
    if (y < 0)
        return -1;
    char name[48];
    snprintf(name, sizeof name, "n%d_%s", s->counter++, op_table[op].name);
    int n = graph_add_node(s->g, op, name, in, nin, &y, 1);
    if (n < 0 || add_live(s, y)) {
        s->failed = -1;
        return -1;
    }
    return n;
}

static void set_ints(gen *s, int n, const char *name, const int64_t *v, int count)
{
    if (n >= 0 && node_set_ints(s->g, n, name, v, count))
        s->failed = -1;
}

static void set_int(gen *s, int n, const char *name, int64_t v)
{
    if (n >= 0 && node_set_int(s->g, n, name, v))
        s->failed = -1;
}

static void set_float(gen *s, int n, const char *name, float v)
{
    if (n >= 0 && node_set_float(s->g, n, name, v))
        s->failed = -1;
}

static void set_string(gen *s, int n, const char *name, const char *v)
{
    if (n >= 0 && node_set_string(s->g, n, name, v))
        s->failed = -1;
}

static int fits(const gen *s, const shape *sh)
{
    return numel(sh) <= s->o->max_elems;
}

/* A live tensor other than x for which ok(x, t) holds, chosen at random,
 * or -1. */
static int find_live(gen *s, int x, int (*ok)(const gen *, const shape *, const shape *, int),
                     int arg)
{
    shape xs = shape_of(s, x);
    int cand[64], nc = 0;
    for (int i = 0; i < s->nlive && nc < 64; i++) {
        shape ts = shape_of(s, s->live[i]);
        if (s->live[i] != x && ok(s, &xs, &ts, arg))
            cand[nc++] = s->live[i];
    }
    return nc ? cand[rg_int(s->r, 0, nc - 1)] : -1;
}

/* ---- makers: one per op family ---- */

/* Parameters of the activations that have them, drawn around their
 * defaults now and then. */
static int make_unary(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    int n = add_node(s, op, &x, 1, &xs);
    if ((op == OP_LEAKYRELU || op == OP_ELU) && rg_chance(s->r, 60))
        set_float(s, n, "alpha", rg_float(s->r, 0.0f, op == OP_ELU ? 2.0f : 0.5f));
    if (op == OP_SELU && rg_chance(s->r, 60)) {
        set_float(s, n, "alpha", rg_float(s->r, 1.0f, 2.0f));
        set_float(s, n, "gamma", rg_float(s->r, 0.5f, 1.5f));
    }
    if (op == OP_HARDSIGMOID && rg_chance(s->r, 60)) {
        set_float(s, n, "alpha", rg_float(s->r, 0.1f, 1.0f));
        set_float(s, n, "beta", rg_float(s->r, 0.0f, 1.0f));
    }
    return n;
}

static int graph_has(const gen *s, op_kind op)
{
    for (size_t i = 0; i < s->g->nnodes; i++)
        if (s->g->nodes[i].op == op)
            return 1;
    return 0;
}

/* One Exp per graph: e^e^e^x overflows float for x a little above 1. */
static int make_exp(gen *s, int x, op_kind op)
{
    return graph_has(s, OP_EXP) ? -1 : make_unary(s, x, op);
}

/* Sqrt and Log of any tensor would be NaN half the time: they read
 * Abs(x), and Log Abs(x) plus a positive constant (a chain of three). */
static int make_positive_domain(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (add_node(s, OP_ABS, &x, 1, &xs) < 0)
        return -1;
    x = s->live[s->nlive - 1];
    if (op == OP_LOG) {
        int in[2] = {x, add_scalar(s, rg_float(s->r, 0.25f, 1.0f))};
        if (add_node(s, OP_ADD, in, 2, &xs) < 0)
            return -1;
        x = s->live[s->nlive - 1];
    }
    return add_node(s, op, &x, 1, &xs);
}

static int make_clip(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    float lo = rg_float(s->r, -1.0f, 0.2f), hi = lo + rg_float(s->r, 0.0f, 1.5f);
    int in[3] = {x, -1, -1}, nin = 1;
    if (rg_chance(s->r, 70)) {
        in[1] = add_scalar(s, lo);
        nin = 2;
    }
    if (rg_chance(s->r, 70)) {
        in[2] = add_scalar(s, hi);
        nin = 3;
    }
    return add_node(s, op, in, nin, &xs);
}

static int bcast_fits(const gen *s, const shape *xs, const shape *ts, int arg)
{
    shape out;
    (void)arg;
    return bcast(xs, ts, &out) == 0 && fits(s, &out);
}

/* A constant shape that broadcasts with xs: a suffix of its dims, each kept
 * or set to 1, a 1 sometimes stretched, sometimes one more leading dim. */
static shape bcast_partner(gen *s, const shape *xs)
{
    shape c = {(int)rg_int(s->r, 0, xs->rank), {0}};
    for (int i = 0; i < c.rank; i++) {
        int64_t d = xs->d[xs->rank - c.rank + i];
        c.d[i] = rg_chance(s->r, 50) ? d : 1;
        if (d == 1 && rg_chance(s->r, 20))
            c.d[i] = rg_int(s->r, 2, 3);
    }
    if (c.rank == xs->rank && c.rank < MAX_RANK && rg_chance(s->r, 10)) {
        memmove(c.d + 1, c.d, (size_t)c.rank * sizeof *c.d);
        c.d[0] = rg_int(s->r, 1, 2);
        c.rank++;
    }
    return c;
}

/* Add, Sub, Mul, Div, Max, Min of x and a live tensor or a constant that
 * broadcast together, either way round. Div divides only by a constant of
 * magnitude 0.5 to 1.5, so no output is infinite. */
static int make_binary(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x), ys, out;
    int y = op != OP_DIV && rg_chance(s->r, 50) ? find_live(s, x, bcast_fits, 0) : -1;
    if (y >= 0) {
        ys = shape_of(s, y);
    } else {
        ys = bcast_partner(s, &xs);
        if (bcast(&xs, &ys, &out) || !fits(s, &out))
            return -1;
        float lo = op == OP_MUL || op == OP_DIV ? 0.5f : -1.0f, hi = op == OP_DIV ? 1.5f : 1.0f;
        y = add_const(s, &ys, lo, hi);
        if (op == OP_DIV && y >= 0)
            for (int64_t i = 0, n = numel(&ys); i < n; i++)
                if (rg_chance(s->r, 50))
                    s->g->tensors[y].data[i] = -s->g->tensors[y].data[i];
    }
    bcast(&xs, &ys, &out);
    int in[2] = {x, y};
    if (op != OP_DIV && rg_chance(s->r, 30))
        in[0] = y, in[1] = x;
    return add_node(s, op, in, 2, &out);
}

/* Max, Min or Sum of x and 0 to 3 more operands (live tensors or
 * constants) that broadcast with it and each other. */
static int make_variadic(gen *s, int x, op_kind op)
{
    shape out = shape_of(s, x), cs[3];
    int in[4] = {x}, nin = 1, extra = (int)rg_int(s->r, 0, 3);
    for (int k = 0; k < extra; k++) {
        in[nin] = -1;
        if (rg_chance(s->r, 50)) {
            int cand[64], nc = 0;
            for (int i = 0; i < s->nlive && nc < 64; i++) {
                shape ts = shape_of(s, s->live[i]), b;
                if (bcast(&out, &ts, &b) == 0 && fits(s, &b))
                    cand[nc++] = s->live[i];
            }
            if (nc)
                in[nin] = cand[rg_int(s->r, 0, nc - 1)];
        }
        shape ts = in[nin] >= 0 ? shape_of(s, in[nin]) : bcast_partner(s, &out), b;
        if (bcast(&out, &ts, &b) || !fits(s, &b))
            return -1;
        cs[nin - 1] = ts;
        out = b;
        nin++;
    }
    for (int k = 1; k < nin; k++)
        if (in[k] < 0 && (in[k] = add_const(s, &cs[k - 1], -1.0f, 1.0f)) < 0)
            return -1;
    return add_node(s, op, in, nin, &out);
}

/* PRelu of x by a constant slope that broadcasts onto x: a suffix of its
 * dims, each kept or 1 (often one per channel). */
static int make_prelu(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x), cs = {(int)rg_int(s->r, 0, xs.rank), {0}};
    for (int i = 0; i < cs.rank; i++)
        cs.d[i] = rg_chance(s->r, 50) ? xs.d[xs.rank - cs.rank + i] : 1;
    if (xs.rank >= 2 && rg_chance(s->r, 50)) {
        cs.rank = xs.rank - 1; /* [C, 1, ...]: PyTorch's per-channel slope */
        for (int i = 0; i < cs.rank; i++)
            cs.d[i] = i == 0 ? xs.d[1] : 1;
    }
    int in[2] = {x, add_const(s, &cs, 0.0f, 0.5f)};
    return add_node(s, op, in, 2, &xs);
}

static int make_batchnorm(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (xs.rank < 2)
        return -1;
    shape c = {1, {xs.d[1]}};
    int in[5] = {x, add_const(s, &c, 0.5f, 1.5f), add_const(s, &c, -0.5f, 0.5f),
                 add_const(s, &c, -0.5f, 0.5f), add_const(s, &c, 0.25f, 2.0f)};
    int n = add_node(s, op, in, 5, &xs);
    if (rg_chance(s->r, 50))
        set_float(s, n, "epsilon", rg_float(s->r, 1e-5f, 1e-2f));
    return n;
}

/* Sliding-window parameters drawn for one spatial dim. */
typedef struct win1 {
    int64_t k, s, d, pb, pe, out;
} win1;

enum { AP_NOTSET, AP_SAME_UPPER, AP_SAME_LOWER, AP_VALID };
static const char *const auto_pad_names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};

static int draw_auto_pad(gen *s)
{
    int64_t p = rg_int(s->r, 0, 19);
    return p < 13 ? AP_NOTSET : p < 15 ? AP_SAME_UPPER : p < 17 ? AP_SAME_LOWER : AP_VALID;
}

/* Output length along one dim (ONNX Conv / pool shape formulas, with the
 * PyTorch rule that a ceil_mode window starting in the end padding is
 * dropped). Fills pb/pe for SAME_*. */
static void window_out(win1 *w, int64_t in, int mode, int ceil_mode)
{
    int64_t ext = (w->k - 1) * w->d + 1;
    if (mode == AP_SAME_UPPER || mode == AP_SAME_LOWER) {
        w->out = (in + w->s - 1) / w->s;
        int64_t total = (w->out - 1) * w->s + ext - in;
        if (total < 0)
            total = 0;
        w->pb = mode == AP_SAME_UPPER ? total / 2 : total - total / 2;
        w->pe = total - w->pb;
        return;
    }
    if (mode == AP_VALID)
        w->pb = w->pe = 0;
    int64_t span = in + w->pb + w->pe - ext;
    w->out = (ceil_mode ? (span + w->s - 1) / w->s : span / w->s) + 1;
    if (ceil_mode && (w->out - 1) * w->s >= in + w->pb)
        w->out--;
}

/* 1 when every window position reads at least one real input element. */
static int window_covers(const win1 *w, int64_t in)
{
    for (int64_t o = 0; o < w->out; o++) {
        int hit = 0;
        for (int64_t i = 0; i < w->k && !hit; i++) {
            int64_t p = o * w->s - w->pb + i * w->d;
            hit = p >= 0 && p < in;
        }
        if (!hit)
            return 0;
    }
    return 1;
}

/* Draws one dim's window: kernel, stride, dilation and pads (each pad
 * below the kernel, as onnxruntime demands), shrinking the kernel until it
 * fits the padded input. */
static win1 draw_window(gen *s, int64_t in, int mode, int max_dil, int ceil_mode)
{
    win1 w;
    w.k = rg_int(s->r, 1, 3);
    w.s = rg_chance(s->r, 20) ? 3 : rg_int(s->r, 1, 2);
    w.d = rg_chance(s->r, 25) ? rg_int(s->r, 1, max_dil) : 1;
    w.pb = mode == AP_NOTSET ? rg_int(s->r, 0, w.k - 1) : 0;
    w.pe = mode == AP_NOTSET ? rg_int(s->r, 0, w.k - 1) : 0;
    while (w.k > 1 && (w.k - 1) * w.d + 1 > in + w.pb + w.pe) {
        w.k--;
        w.pb = w.pb < w.k ? w.pb : w.k - 1;
        w.pe = w.pe < w.k ? w.pe : w.k - 1;
    }
    if ((w.k - 1) * w.d + 1 > in + w.pb + w.pe)
        w.d = 1;
    window_out(&w, in, mode, ceil_mode);
    return w;
}

/* The window attributes common to Conv and the pools; strides and
 * dilations of all 1 and zero pads are sometimes left to their defaults. */
static void set_window_attrs(gen *s, int n, const win1 *w, int nsp, int mode, int dilations)
{
    int64_t v[2 * MAX_SPATIAL];
    int ones = 1, zeros = 1;
    for (int i = 0; i < nsp; i++)
        v[i] = w[i].s, ones &= w[i].s == 1;
    if (!ones || rg_chance(s->r, 50))
        set_ints(s, n, "strides", v, nsp);
    ones = 1;
    for (int i = 0; i < nsp; i++)
        v[i] = w[i].d, ones &= w[i].d == 1;
    if (dilations && (!ones || rg_chance(s->r, 50)))
        set_ints(s, n, "dilations", v, nsp);
    if (mode == AP_NOTSET) {
        for (int i = 0; i < nsp; i++) {
            v[i] = w[i].pb, v[nsp + i] = w[i].pe;
            zeros &= w[i].pb == 0 && w[i].pe == 0;
        }
        if (!zeros || rg_chance(s->r, 50))
            set_ints(s, n, "pads", v, 2 * nsp);
    }
    if (mode != AP_NOTSET || rg_chance(s->r, 10))
        set_string(s, n, "auto_pad", auto_pad_names[mode]);
}

static int divisor_of(gen *s, int64_t c)
{
    int64_t divs[64] = {1};
    int nd = 0;
    for (int64_t d = 1; d <= c && nd < 64; d++)
        if (c % d == 0)
            divs[nd++] = d;
    return (int)divs[rg_int(s->r, 0, nd - 1)];
}

static int make_conv(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (xs.rank < 3 || xs.rank > 2 + MAX_SPATIAL || xs.rank > 5)
        return -1;
    int nsp = xs.rank - 2, mode = draw_auto_pad(s);
    int64_t c = xs.d[1], group = rg_chance(s->r, 25) ? c : divisor_of(s, c);
    int64_t m = group * rg_int(s->r, 1, group > 4 ? 1 : 3);
    win1 w[MAX_SPATIAL];
    shape ws = {xs.rank, {m, c / group}}, ys = {xs.rank, {xs.d[0], m}};
    int64_t taps = 1;
    for (int i = 0; i < nsp; i++) {
        int64_t in = xs.d[2 + i];
        w[i] = draw_window(s, in, mode, 2, 0);
        if (mode == AP_VALID && (w[i].k - 1) * w[i].d + 1 > in)
            return -1;
        ws.d[2 + i] = w[i].k;
        ys.d[2 + i] = w[i].out;
        taps *= w[i].k;
    }
    if (!fits(s, &ys) || !fits(s, &ws))
        return -1;
    float scale = 1.0f / sqrtf((float)(c / group * taps));
    int in[3] = {x, add_const(s, &ws, -scale, scale), -1}, nin = 2;
    if (rg_chance(s->r, 50)) {
        shape bs = {1, {m}};
        in[2] = add_const(s, &bs, -0.5f, 0.5f);
        nin = 3;
    }
    int n = add_node(s, op, in, nin, &ys);
    if (group != 1 || rg_chance(s->r, 30))
        set_int(s, n, "group", group);
    if (rg_chance(s->r, 50))
        set_ints(s, n, "kernel_shape", ws.d + 2, nsp);
    set_window_attrs(s, n, w, nsp, mode, 1);
    return n;
}

static int make_pool(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (xs.rank < 3 || xs.rank > 5)
        return -1;
    int nsp = xs.rank - 2, mode = draw_auto_pad(s);
    int ceil_mode = mode == AP_NOTSET && rg_chance(s->r, 30);
    /* Dilations exist for MaxPool only (AveragePool gains them in opset 19). */
    int max_dil = op == OP_MAXPOOL ? 2 : 1;
    win1 w[MAX_SPATIAL];
    shape ys = {xs.rank, {xs.d[0], xs.d[1]}};
    int64_t ks[MAX_SPATIAL];
    for (int i = 0; i < nsp; i++) {
        int64_t in = xs.d[2 + i];
        w[i] = draw_window(s, in, mode, max_dil, ceil_mode);
        if ((mode == AP_VALID && (w[i].k - 1) * w[i].d + 1 > in) || !window_covers(&w[i], in))
            return -1;
        ks[i] = w[i].k;
        ys.d[2 + i] = w[i].out;
    }
    if (!fits(s, &ys))
        return -1;
    int n = add_node(s, op, &x, 1, &ys);
    set_ints(s, n, "kernel_shape", ks, nsp);
    set_window_attrs(s, n, w, nsp, mode, op == OP_MAXPOOL);
    if (ceil_mode)
        set_int(s, n, "ceil_mode", 1);
    if (op == OP_AVGPOOL && rg_chance(s->r, 30))
        set_int(s, n, "count_include_pad", 1);
    return n;
}

static int make_global_pool(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (xs.rank < 3)
        return -1;
    for (int i = 2; i < xs.rank; i++)
        xs.d[i] = 1;
    return add_node(s, op, &x, 1, &xs);
}

static int concat_fits(const gen *s, const shape *xs, const shape *ts, int axis)
{
    if (ts->rank != xs->rank)
        return 0;
    for (int i = 0; i < xs->rank; i++)
        if (i != axis && ts->d[i] != xs->d[i])
            return 0;
    shape out = *xs;
    out.d[axis] += ts->d[axis];
    return fits(s, &out);
}

static int make_concat(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (xs.rank < 1)
        return -1;
    int axis = (int)rg_int(s->r, 0, xs.rank - 1), extra = (int)rg_int(s->r, 1, 3);
    int in[4] = {x}, nin = 1;
    shape out = xs;
    /* Decide every operand before adding constants, so a refusal adds
     * nothing: kind 0 a live tensor, 1 x again, 2 a constant. */
    int kind[3], other[3];
    int64_t cdim[3];
    for (int k = 0; k < extra; k++) {
        kind[k] = (int)rg_int(s->r, 0, 2);
        other[k] = kind[k] == 0 ? find_live(s, x, concat_fits, axis) : -1;
        if (kind[k] == 0 && other[k] < 0)
            kind[k] = 2;
        cdim[k] = kind[k] == 0 ? s->rg->dims[other[k]][axis]
                  : kind[k] == 1 ? xs.d[axis] : rg_int(s->r, 1, 3);
        out.d[axis] += cdim[k];
    }
    if (!fits(s, &out))
        return -1;
    for (int k = 0; k < extra; k++) {
        if (kind[k] == 2) {
            shape cs = xs;
            cs.d[axis] = cdim[k];
            other[k] = add_const(s, &cs, -1.0f, 1.0f);
        }
        in[nin++] = kind[k] == 1 ? x : other[k];
    }
    int at = (int)rg_int(s->r, 0, nin - 1), t = in[0];
    in[0] = in[at], in[at] = t;
    int n = add_node(s, op, in, nin, &out);
    set_int(s, n, "axis", rg_chance(s->r, 30) ? axis - xs.rank : axis);
    return n;
}

static int make_flatten_axis(gen *s, int x, int axis)
{
    shape xs = shape_of(s, x), ys = {2, {1, 1}};
    for (int i = 0; i < xs.rank; i++)
        ys.d[i < axis ? 0 : 1] *= xs.d[i];
    int n = add_node(s, OP_FLATTEN, &x, 1, &ys);
    if (axis != 1 || rg_chance(s->r, 50))
        set_int(s, n, "axis", axis < xs.rank && rg_chance(s->r, 30) ? axis - xs.rank : axis);
    return n;
}

static int make_flatten(gen *s, int x, op_kind op)
{
    (void)op;
    shape xs = shape_of(s, x);
    return make_flatten_axis(s, x, (int)rg_int(s->r, 0, xs.rank));
}

static int make_reshape(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x), ys = {(int)rg_int(s->r, 1, 5), {0}};
    for (int i = 0; i < ys.rank; i++)
        ys.d[i] = 1;
    /* Spread the prime factors of the element count over the new dims. */
    int64_t total = numel(&xs), rest = total;
    for (int64_t p = 2; rest > 1; p++)
        while (rest % p == 0) {
            ys.d[rg_int(s->r, 0, ys.rank - 1)] *= p;
            rest /= p;
        }
    int64_t spec[MAX_RANK];
    for (int i = 0; i < ys.rank; i++)
        spec[i] = i < xs.rank && xs.d[i] == ys.d[i] && rg_chance(s->r, 30) ? 0 : ys.d[i];
    if (rg_chance(s->r, 40))
        spec[rg_int(s->r, 0, ys.rank - 1)] = -1;
    int in[2] = {x, add_iconst(s, ys.rank, spec)};
    return add_node(s, op, in, 2, &ys);
}

/* A Squeeze or Unsqueeze of x with its axes as an opset-13 constant input,
 * or the attribute before (count < 0: no axes at all). */
static int axes_node(gen *s, op_kind op, int x, const int64_t *axes, int count, const shape *ys)
{
    int in[2] = {x, -1};
    if (count >= 0 && s->g->opset >= 13 && (in[1] = add_iconst(s, count, axes)) < 0)
        return -1;
    int n = add_node(s, op, in, in[1] >= 0 ? 2 : 1, ys);
    if (count >= 0 && s->g->opset < 13)
        set_ints(s, n, "axes", axes, count);
    return n;
}

/* Squeeze some of x's dims of 1 (negative axes now and then), or all of
 * them with no axes; with none, an Unsqueeze first makes one. */
static int make_squeeze(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x), ys = {0, {0}};
    int64_t axes[MAX_RANK];
    int count = 0, all = rg_chance(s->r, 25), ones = 0;
    for (int i = 0; i < xs.rank; i++)
        ones += xs.d[i] == 1;
    if (!ones) {
        if (xs.rank >= MAX_RANK)
            return -1;
        int64_t at = rg_int(s->r, 0, xs.rank);
        shape us = {xs.rank + 1, {0}};
        for (int i = 0, k = 0; i < us.rank; i++)
            us.d[i] = i == at ? 1 : xs.d[k++];
        if (axes_node(s, OP_UNSQUEEZE, x, &at, 1, &us) < 0)
            return -1;
        x = s->live[s->nlive - 1];
        xs = us;
    }
    for (int i = 0; i < xs.rank; i++) {
        int drop = xs.d[i] == 1 && (all || rg_chance(s->r, 60));
        if (drop && !all)
            axes[count++] = rg_chance(s->r, 30) ? i - xs.rank : i;
        if (!drop)
            ys.d[ys.rank++] = xs.d[i];
    }
    if (!all && count == 0) { /* keep at least one axis when listing them */
        for (int i = 0; i < xs.rank && count == 0; i++)
            if (xs.d[i] == 1)
                axes[count++] = i;
        ys.rank = 0;
        for (int i = 0; i < xs.rank; i++)
            if (i != axes[0])
                ys.d[ys.rank++] = xs.d[i];
    }
    return axes_node(s, op, x, axes, all ? -1 : count, &ys);
}

/* Unsqueeze one or two new axes of 1 at random places. */
static int make_unsqueeze(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x), ys;
    int count = (int)rg_int(s->r, 1, 2);
    if (xs.rank + count > MAX_RANK)
        return -1;
    ys.rank = xs.rank + count;
    int64_t axes[2];
    unsigned mask = 0;
    for (int k = 0; k < count; k++) {
        int64_t a;
        do
            a = rg_int(s->r, 0, ys.rank - 1);
        while (mask >> a & 1);
        mask |= 1u << a;
        axes[k] = rg_chance(s->r, 30) ? a - ys.rank : a;
    }
    for (int i = 0, k = 0; i < ys.rank; i++)
        ys.d[i] = mask >> i & 1 ? 1 : xs.d[k++];
    return axes_node(s, op, x, axes, count, &ys);
}

/* A random permutation of x's axes, or the default (reversed). */
static int make_transpose(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x), ys = xs;
    int64_t perm[MAX_RANK];
    int dflt = rg_chance(s->r, 20);
    for (int i = 0; i < xs.rank; i++)
        perm[i] = dflt ? xs.rank - 1 - i : i;
    for (int i = xs.rank - 1; i > 0 && !dflt; i--) {
        int64_t j = rg_int(s->r, 0, i), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    for (int i = 0; i < xs.rank; i++)
        ys.d[i] = xs.d[perm[i]];
    int n = add_node(s, op, &x, 1, &ys);
    if (!dflt)
        set_ints(s, n, "perm", perm, xs.rank);
    return n;
}

static int make_gemm(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (xs.rank < 1)
        return -1;
    if (xs.rank != 2) {
        if (make_flatten_axis(s, x, 1) < 0)
            return -1;
        x = s->live[s->nlive - 1];
        xs = shape_of(s, x);
    }
    int ta = rg_chance(s->r, 30), tb = rg_chance(s->r, 40);
    int64_t m = ta ? xs.d[1] : xs.d[0], k = ta ? xs.d[0] : xs.d[1], nn = rg_int(s->r, 1, 12);
    shape bs = {2, {tb ? nn : k, tb ? k : nn}}, ys = {2, {m, nn}};
    if (!fits(s, &bs) || !fits(s, &ys))
        return -1;
    float scale = 1.0f / sqrtf((float)k);
    int in[3] = {x, add_const(s, &bs, -scale, scale), -1}, nin = 2;
    if (rg_chance(s->r, 60)) {
        static const shape cshapes[] = {{1, {0}}, {2, {1, 0}}, {2, {-1, 0}}, {2, {-1, 1}},
                                        {1, {1}}, {0, {0}}};
        shape cs = cshapes[rg_int(s->r, 0, 5)];
        for (int i = 0; i < cs.rank; i++)
            cs.d[i] = cs.d[i] == 0 ? nn : cs.d[i] == -1 ? m : 1;
        in[2] = add_const(s, &cs, -0.5f, 0.5f);
        nin = 3;
    }
    int n = add_node(s, op, in, nin, &ys);
    if (ta || rg_chance(s->r, 20))
        set_int(s, n, "transA", ta);
    if (tb || rg_chance(s->r, 20))
        set_int(s, n, "transB", tb);
    if (rg_chance(s->r, 40))
        set_float(s, n, "alpha", rg_float(s->r, 0.25f, 2.0f));
    if (rg_chance(s->r, 40))
        set_float(s, n, "beta", rg_float(s->r, 0.0f, 2.0f));
    return n;
}

/* MatMul with x as A (B a constant of rank 1, 2, or batched, its batch
 * dims broadcasting against x's) or, sometimes, x as B. Shapes follow
 * numpy.matmul: a 1-D operand gains a dim of 1 that the result drops. */
static int make_matmul(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x), cs, ys;
    if (xs.rank < 1)
        return -1;
    int64_t nn = rg_int(s->r, 1, 8);
    int x_first = xs.rank == 1 || rg_chance(s->r, 75);
    if (!x_first) {
        /* A = [M', xs[-2]] (2-D), B = x. */
        int64_t mm = rg_int(s->r, 1, 8);
        cs = (shape){2, {mm, xs.d[xs.rank - 2]}};
        ys = xs;
        ys.d[xs.rank - 2] = mm;
    } else {
        int64_t k = xs.d[xs.rank - 1];
        int kind = (int)rg_int(s->r, 0, xs.rank >= 3 ? 3 : 2);
        if (xs.rank == 1 && kind == 0)
            kind = 1; /* avoid 1-D x 1-D: a scalar ends most chains */
        ys = xs;
        if (kind == 0) {
            cs = (shape){1, {k}};
            ys.rank--;
        } else if (kind == 1 || kind == 2) {
            cs = (shape){2, {k, nn}};
            ys.d[xs.rank - 1] = nn;
            if (xs.rank == 1)
                ys.d[0] = nn;
        } else {
            cs = xs;
            for (int i = 0; i < xs.rank - 2; i++)
                cs.d[i] = xs.d[i] == 1 ? rg_int(s->r, 1, 2) : rg_chance(s->r, 30) ? 1 : xs.d[i];
            cs.d[xs.rank - 2] = k;
            cs.d[xs.rank - 1] = nn;
            for (int i = 0; i < xs.rank - 2; i++)
                ys.d[i] = xs.d[i] == 1 ? cs.d[i] : xs.d[i];
            ys.d[xs.rank - 1] = nn;
        }
    }
    if (!fits(s, &cs) || !fits(s, &ys))
        return -1;
    int64_t k = x_first ? xs.d[xs.rank - 1] : xs.d[xs.rank - 2];
    float scale = 1.0f / sqrtf((float)k);
    int c = add_const(s, &cs, -scale, scale);
    int in[2] = {x_first ? x : c, x_first ? c : x};
    return add_node(s, op, in, 2, &ys);
}

static int make_softmax(gen *s, int x, op_kind op)
{
    shape xs = shape_of(s, x);
    if (xs.rank < 1)
        return -1;
    int n = add_node(s, op, &x, 1, &xs);
    if (rg_chance(s->r, 70))
        set_int(s, n, "axis", rg_int(s->r, -xs.rank, xs.rank - 1));
    return n;
}

static const struct maker {
    op_kind op;
    int weight;
    int (*make)(gen *s, int x, op_kind op);
} makers[] = {
    {OP_CONV, 8, make_conv},
    {OP_MAXPOOL, 4, make_pool},
    {OP_AVGPOOL, 4, make_pool},
    {OP_GLOBALAVGPOOL, 1, make_global_pool},
    {OP_GLOBALMAXPOOL, 1, make_global_pool},
    {OP_RELU, 3, make_unary},
    {OP_LEAKYRELU, 2, make_unary},
    {OP_CLIP, 2, make_clip},
    {OP_SIGMOID, 2, make_unary},
    {OP_ADD, 4, make_binary},
    {OP_MUL, 3, make_binary},
    {OP_BATCHNORM, 3, make_batchnorm},
    {OP_CONCAT, 3, make_concat},
    {OP_FLATTEN, 2, make_flatten},
    {OP_RESHAPE, 2, make_reshape},
    {OP_GEMM, 3, make_gemm},
    {OP_MATMUL, 3, make_matmul},
    {OP_SOFTMAX, 2, make_softmax},
    {OP_IDENTITY, 1, make_unary},
    {OP_DROPOUT, 1, make_unary},
    {OP_TANH, 2, make_unary},
    {OP_EXP, 1, make_exp},
    {OP_LOG, 1, make_positive_domain},
    {OP_NEG, 1, make_unary},
    {OP_ABS, 1, make_unary},
    {OP_SQRT, 1, make_positive_domain},
    {OP_ELU, 1, make_unary},
    {OP_SELU, 1, make_unary},
    {OP_HARDSIGMOID, 1, make_unary},
    {OP_HARDSWISH, 1, make_unary},
    {OP_SOFTPLUS, 1, make_unary},
    {OP_SOFTSIGN, 1, make_unary},
    {OP_SUB, 3, make_binary},
    {OP_DIV, 2, make_binary},
    {OP_MAX, 2, make_variadic},
    {OP_MIN, 2, make_variadic},
    {OP_SUM, 2, make_variadic},
    {OP_PRELU, 2, make_prelu},
    {OP_SQUEEZE, 1, make_squeeze},
    {OP_UNSQUEEZE, 1, make_unsqueeze},
    {OP_TRANSPOSE, 2, make_transpose},
};
enum { NMAKERS = sizeof makers / sizeof *makers };

static int allowed(const gen *s, op_kind op)
{
    return !s->o->ops || (s->o->ops >> op & 1);
}

static const struct maker *pick_maker(gen *s)
{
    int total = 0;
    for (int i = 0; i < NMAKERS; i++)
        total += allowed(s, makers[i].op) ? makers[i].weight : 0;
    if (total == 0)
        return NULL;
    int64_t at = rg_int(s->r, 0, total - 1);
    for (int i = 0; i < NMAKERS; i++) {
        if (!allowed(s, makers[i].op))
            continue;
        if (at < makers[i].weight)
            return &makers[i];
        at -= makers[i].weight;
    }
    return NULL;
}

/* ---- the graph ---- */

static shape draw_input_shape(gen *s)
{
    static const int ranks[] = {4, 4, 4, 4, 4, 4, 3, 5, 2, 1};
    shape sh = {ranks[rg_int(s->r, 0, 9)], {0}};
    for (int i = 0; i < sh.rank; i++) {
        if (sh.rank <= 2)
            sh.d[i] = rg_int(s->r, 1, i == sh.rank - 1 ? 24 : 4);
        else
            sh.d[i] = i == 0 ? rg_int(s->r, 1, 2) : i == 1 ? rg_int(s->r, 1, 6) : rg_int(s->r, 1, 10);
    }
    while (!fits(s, &sh)) {
        int big = 0;
        for (int i = 1; i < sh.rank; i++)
            big = sh.d[i] > sh.d[big] ? i : big;
        sh.d[big] = (sh.d[big] + 1) / 2;
    }
    return sh;
}

static int add_inputs(gen *s)
{
    shape first = draw_input_shape(s);
    int n = (int)rg_int(s->r, 1, s->o->max_inputs);
    for (int k = 0; k < n; k++) {
        shape sh = k == 0 ? first : rg_chance(s->r, 50) ? bcast_partner(s, &first) : draw_input_shape(s);
        shape b;
        if (k > 0 && (bcast(&first, &sh, &b) || !fits(s, &sh)))
            sh = first;
        int t = new_tensor(s, "x", &sh, 1);
        if (t < 0 || graph_add_input(s->g, t) || add_live(s, t))
            return s->failed = -1;
    }
    return 0;
}

static int add_nodes(gen *s)
{
    int count = (int)rg_int(s->r, 1, s->o->max_nodes);
    for (int i = 0; i < count && !s->failed; i++) {
        int x = s->live[s->nlive - 1];
        if (s->nlive > 1 && rg_chance(s->r, s->o->dag_percent))
            x = s->live[rg_int(s->r, 0, s->nlive - 2)];
        int made = -1;
        for (int attempt = 0; attempt < 16 && made < 0 && !s->failed; attempt++) {
            const struct maker *m = pick_maker(s);
            if (!m)
                break;
            made = m->make(s, x, m->op);
        }
    }
    return s->failed;
}

/* Outputs: every node output nobody reads, and now and then one that is
 * also read further on. */
static int add_outputs(gen *s)
{
    graph *g = s->g;
    char *read = xcalloc(g->ntensors ? g->ntensors : 1, 1);
    if (!read)
        return s->failed = -1;
    for (size_t i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].nin; k++)
            if (g->nodes[i].in[k] >= 0)
                read[g->nodes[i].in[k]] = 1;
    for (size_t i = 0; i < g->nnodes && !s->failed; i++) {
        int y = g->nodes[i].out[0];
        if ((!read[y] || rg_chance(s->r, 10)) && graph_add_output(g, y))
            s->failed = -1;
    }
    /* A graph of no nodes (every maker refused) outputs its input. */
    if (!s->failed && g->noutputs == 0 && graph_add_output(g, g->inputs[0]))
        s->failed = -1;
    free(read);
    return s->failed;
}

int randgraph(rg_rng *r, const rg_opts *o, rg_graph *out)
{
    memset(out, 0, sizeof *out);
    gen s = {.r = r, .o = o, .rg = out, .g = graph_new()};
    out->g = s.g;
    if (!s.g)
        return -1;
    s.g->opset = (int)rg_int(r, o->min_opset, o->max_opset);
    if (add_inputs(&s) || add_nodes(&s) || add_outputs(&s)) {
        free(s.live);
        rg_free(out);
        return -1;
    }
    free(s.live);
    return 0;
}

void rg_free(rg_graph *rg)
{
    graph_free(rg->g);
    free(rg->rank);
    free(rg->dims);
    memset(rg, 0, sizeof *rg);
}

static void put_shape(strbuf *b, int rank, const int64_t *dims)
{
    sb_putc(b, '[');
    for (int i = 0; i < rank; i++)
        sb_printf(b, "%s%lld", i ? "x" : "", (long long)dims[i]);
    if (rank < 0)
        sb_putc(b, '?');
    sb_putc(b, ']');
}

const char *rg_shape_mismatch(const rg_graph *rg, char *buf, size_t len)
{
    const graph *g = rg->g;
    for (size_t t = 0; t < g->ntensors && t < rg->cap; t++) {
        const tensor *x = &g->tensors[t];
        int same = x->rank == rg->rank[t];
        for (int i = 0; same && i < x->rank; i++)
            same = x->dims[i] == rg->dims[t][i];
        if (!same) {
            strbuf b = {0};
            sb_printf(&b, "tensor '%s': inferred ", x->name);
            put_shape(&b, x->rank, x->dims);
            sb_puts(&b, ", generator expected ");
            put_shape(&b, rg->rank[t], rg->dims[t]);
            snprintf(buf, len, "%s", b.s ? b.s : "?");
            sb_free(&b);
            return buf;
        }
    }
    return NULL;
}

static void put_attr(strbuf *b, const attr *a)
{
    sb_printf(b, " %s=", a->name);
    switch (a->kind) {
    case ATTR_INT:
        sb_printf(b, "%lld", (long long)a->i);
        break;
    case ATTR_FLOAT:
        sb_printf(b, "%g", (double)a->f);
        break;
    case ATTR_STRING:
        sb_puts(b, a->s);
        break;
    case ATTR_INTS:
        for (int i = 0; i < a->n; i++)
            sb_printf(b, "%s%lld", i ? "," : "", (long long)a->ints[i]);
        break;
    case ATTR_FLOATS:
        for (int i = 0; i < a->n; i++)
            sb_printf(b, "%s%g", i ? "," : "", (double)a->floats[i]);
        break;
    }
}

static void put_tensor(strbuf *b, const graph *g, int t)
{
    if (t < 0) {
        sb_puts(b, "-");
        return;
    }
    sb_puts(b, g->tensors[t].name);
    put_shape(b, g->tensors[t].rank, g->tensors[t].dims);
}

char *rg_describe(const graph *g)
{
    strbuf b = {0};
    sb_printf(&b, "opset %d, inputs:", g->opset);
    for (int k = 0; k < g->ninputs; k++) {
        sb_putc(&b, ' ');
        put_tensor(&b, g, g->inputs[k]);
    }
    sb_putc(&b, '\n');
    for (size_t i = 0; i < g->nnodes; i++) {
        const node *n = &g->nodes[i];
        sb_printf(&b, "  %s = %s(", n->name, op_table[n->op].name);
        for (int k = 0; k < n->nin; k++) {
            sb_puts(&b, k ? ", " : "");
            put_tensor(&b, g, n->in[k]);
        }
        sb_puts(&b, ") -> ");
        put_tensor(&b, g, n->out[0]);
        for (int k = 0; k < n->nattrs; k++)
            put_attr(&b, &n->attrs[k]);
        sb_putc(&b, '\n');
    }
    sb_puts(&b, "  outputs:");
    for (int k = 0; k < g->noutputs; k++)
        sb_printf(&b, " %s", g->tensors[g->outputs[k]].name);
    if (b.failed) {
        sb_free(&b);
        return NULL;
    }
    return b.s;
}
