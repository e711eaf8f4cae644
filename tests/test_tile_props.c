/* Properties of tilings over random seeded layers and targets: tiles cover
 * every output element exactly once, their MACs add up to the layer's,
 * each input tile holds exactly the receptive field it needs (checked
 * against a brute-force walk over kernel taps), the working set never
 * exceeds the target's memory, and the tiled program computes what the
 * reference interpreter does. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "ops.h"
#include "program.h"
#include "testutil.h"
#include "tile_interp.h"

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t next_u32(rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(r->s >> 33);
}

/* Uniform in [lo, hi]. */
static int64_t uni(rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next_u32(r) % (uint32_t)(hi - lo + 1));
}

/* One random layer: a Conv, optionally with Relu and a pool fused, or a
 * pool alone. */
typedef struct layer {
    int64_t n, c, h, w, m, group, k[2], s[2], d[2], pb[2], pe[2];
    int pool;           /* 0 none, 1 MaxPool, 2 AveragePool */
    int pool_only;      /* no Conv: the pool reads the input */
    int64_t pk, ps, ppb, ppe;
    int ceil_mode, count_include_pad;
} layer;

static int tensor_of(graph *g, const char *name, int rank, const int64_t *dims)
{
    int t = graph_intern_tensor(g, name);
    g->tensors[t].rank = rank;
    memcpy(g->tensors[t].dims, dims, (size_t)rank * sizeof *dims);
    return t;
}

static int const_of(graph *g, const char *name, int rank, const int64_t *dims, rng *r)
{
    int t = tensor_of(g, name, rank, dims);
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    float *d = malloc((size_t)n * sizeof(float) + 4);
    for (int64_t i = 0; i < n; i++)
        d[i] = (float)uni(r, -1000, 1000) / 1000.0f;
    g->tensors[t].data = d;
    return t;
}

static int add(graph *g, op_kind op, const char *name, const int *in, int nin, const char *out)
{
    int o = graph_intern_tensor(g, out);
    return graph_add_node(g, op, name, in, nin, &o, 1);
}

static void set_window(graph *g, int n, const int64_t *k, const int64_t *s, const int64_t *pb,
                       const int64_t *pe)
{
    int64_t pads[4] = {pb[0], pb[1], pe[0], pe[1]};
    node_set_ints(g, n, "kernel_shape", k, 2);
    node_set_ints(g, n, "strides", s, 2);
    node_set_ints(g, n, "pads", pads, 4);
}

/* Builds and checks the layer's graph; NULL when the geometry is invalid. */
static graph *build(const layer *L, rng *r)
{
    graph *g = graph_new();
    int64_t xd[4] = {L->n, L->c, L->h, L->w};
    int x = tensor_of(g, "x", 4, xd);
    graph_add_input(g, x);
    int cur = x;
    if (!L->pool_only) {
        int64_t wd[4] = {L->m, L->c / L->group, L->k[0], L->k[1]}, bd[1] = {L->m};
        int in[3] = {x, const_of(g, "w", 4, wd, r), const_of(g, "b", 1, bd, r)};
        int cv = add(g, OP_CONV, "conv", in, 3, "c");
        set_window(g, cv, L->k, L->s, L->pb, L->pe);
        node_set_ints(g, cv, "dilations", L->d, 2);
        node_set_int(g, cv, "group", L->group);
        int rl = add(g, OP_RELU, "relu", &g->nodes[cv].out[0], 1, "r");
        cur = g->nodes[rl].out[0];
    }
    if (L->pool) {
        int64_t k[2] = {L->pk, L->pk}, s[2] = {L->ps, L->ps}, pb[2] = {L->ppb, L->ppb};
        int64_t pe[2] = {L->ppe, L->ppe};
        int pl = add(g, L->pool == 1 ? OP_MAXPOOL : OP_AVGPOOL, "pool", &cur, 1, "y");
        set_window(g, pl, k, s, pb, pe);
        node_set_int(g, pl, "ceil_mode", L->ceil_mode);
        if (L->pool == 2)
            node_set_int(g, pl, "count_include_pad", L->count_include_pad);
        cur = g->nodes[pl].out[0];
    }
    graph_add_output(g, cur);
    nnp_err e;
    if (graph_check(g, &e)) {
        graph_free(g);
        return NULL;
    }
    return g;
}

static void random_layer(rng *r, layer *L)
{
    memset(L, 0, sizeof *L);
    L->n = uni(r, 1, 2);
    L->group = uni(r, 0, 3) == 0 ? 1 : uni(r, 1, 3);
    int64_t cg = uni(r, 1, 5), mg = uni(r, 1, 4);
    if (uni(r, 0, 4) == 0) { /* depthwise */
        L->group = uni(r, 2, 6);
        cg = 1;
        mg = uni(r, 1, 2);
    }
    L->c = L->group * cg;
    L->m = L->group * mg;
    L->h = uni(r, 1, 14);
    L->w = uni(r, 1, 14);
    for (int d = 0; d < 2; d++) {
        L->k[d] = uni(r, 1, 4);
        L->s[d] = uni(r, 1, 3);
        L->d[d] = uni(r, 1, 2);
        int64_t ext = (L->k[d] - 1) * L->d[d] + 1;
        L->pb[d] = uni(r, 0, ext - 1);
        L->pe[d] = uni(r, 0, ext - 1);
    }
    L->pool_only = uni(r, 0, 5) == 0;
    L->pool = L->pool_only ? (int)uni(r, 1, 2) : uni(r, 0, 2) == 0 ? (int)uni(r, 1, 2) : 0;
    L->pk = uni(r, 1, 3);
    L->ps = uni(r, 1, 3);
    L->ppb = uni(r, 0, L->pk - 1);
    L->ppe = uni(r, 0, L->pk - 1);
    L->ceil_mode = (int)uni(r, 0, 1);
    L->count_include_pad = (int)uni(r, 0, 1);
}

/* A random target: unified or VTA-like separate buffers, 256 B to 64 KiB. */
static target *random_target(rng *r)
{
    char text[1024], mem[256];
    int64_t bytes = (int64_t)1 << uni(r, 8, 16);
    if (uni(r, 0, 2) == 0)
        snprintf(mem, sizeof mem, "{\"bytes\": %lld, \"alignment\": %lld, \"buffers\": "
                 "{\"input\": %lld, \"weight\": %lld, \"output\": %lld}}", (long long)(3 * bytes),
                 (long long)(1 << uni(r, 0, 6)), (long long)bytes, (long long)bytes,
                 (long long)bytes);
    else
        snprintf(mem, sizeof mem, "{\"bytes\": %lld, \"alignment\": %lld}", (long long)bytes,
                 (long long)(1 << uni(r, 0, 6)));
    snprintf(text, sizeof text,
             "{\"name\": \"rand\", \"clock_mhz\": 100, \"memory\": %s, \"units\": ["
             "{\"name\": \"in\", \"kind\": \"dma_in\", \"throughput\": %lld, \"latency\": %lld},"
             "{\"name\": \"out\", \"kind\": \"dma_out\", \"throughput\": %lld, \"latency\": %lld},"
             "{\"name\": \"mac\", \"kind\": \"mac\", \"throughput\": %lld, \"latency\": 3,"
             " \"pipelined\": true},"
             "{\"name\": \"vec\", \"kind\": \"vector\", \"throughput\": %lld, \"latency\": 2}]}",
             mem, (long long)uni(r, 1, 32), (long long)uni(r, 0, 100), (long long)uni(r, 1, 32),
             (long long)uni(r, 0, 100), (long long)(1 << uni(r, 0, 10)),
             (long long)uni(r, 1, 16));
    target *t = NULL;
    nnp_err e;
    cr_assert_eq(target_parse(text, strlen(text), "rand.json", &t, &e), NNP_OK, "%s", e.msg);
    return t;
}

/* ---- brute force ---- */

/* Bounding box [*lo, *hi) of real positions o*s - pb + k*d (k < taps) over
 * outputs [o0, o1) inside [0, in); empty gives lo == hi. */
static void taps_bbox(int64_t o0, int64_t o1, int64_t s, int64_t pb, int64_t d, int64_t taps,
                      int64_t in, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int64_t o = o0; o < o1; o++)
        for (int64_t k = 0; k < taps; k++) {
            int64_t p = o * s - pb + k * d;
            if (p >= 0 && p < in) {
                *lo = p < *lo ? p : *lo;
                *hi = p + 1 > *hi ? p + 1 : *hi;
            }
        }
    if (*lo > *hi)
        *lo = *hi = 0;
}

static int find(const prog_group *gr, pop_kind k)
{
    for (int i = 0; i < gr->nops; i++)
        if (gr->ops[i].kind == k)
            return i;
    return -1;
}

/* The compute region of a fused conv is the bounding box of conv
 * positions the pool outputs read; the input load is the bounding box of
 * input positions those conv outputs read. */
static void check_tile(const program *p, const layer *L, const prog_group *gr, int64_t t)
{
    nnp_err e;
    region st, cp, in;
    int ist = find(gr, POP_STORE), icp = find(gr, POP_COMPUTE), iin = find(gr, POP_LOAD_INPUT);
    cr_assert_eq(prog_op_region(p, 0, ist, t, &st, &e), NNP_OK, "%s", e.msg);
    prog_op_region(p, 0, icp, t, &cp, &e);
    prog_op_region(p, 0, iin, t, &in, &e);
    int64_t rows[2] = {st.lo[2], st.hi[2]}, cols[2] = {st.lo[3], st.hi[3]};
    if (L->pool && !L->pool_only) {
        const tensor *c = &p->g->tensors[p->g->nodes[0].out[0]];
        taps_bbox(st.lo[2], st.hi[2], L->ps, L->ppb, 1, L->pk, c->dims[2], &rows[0], &rows[1]);
        taps_bbox(st.lo[3], st.hi[3], L->ps, L->ppb, 1, L->pk, c->dims[3], &cols[0], &cols[1]);
        cr_assert(cp.lo[2] == rows[0] && cp.hi[2] == rows[1] && cp.lo[3] == cols[0] &&
                  cp.hi[3] == cols[1], "tile %lld: conv box rows [%lld,%lld) cols [%lld,%lld)",
                  (long long)t, (long long)cp.lo[2], (long long)cp.hi[2], (long long)cp.lo[3],
                  (long long)cp.hi[3]);
    }
    int64_t lo[4], hi[4];
    lo[0] = st.lo[0];
    hi[0] = st.hi[0];
    if (L->pool_only) {
        lo[1] = st.lo[1];
        hi[1] = st.hi[1];
        taps_bbox(rows[0], rows[1], L->ps, L->ppb, 1, L->pk, L->h, &lo[2], &hi[2]);
        taps_bbox(cols[0], cols[1], L->ps, L->ppb, 1, L->pk, L->w, &lo[3], &hi[3]);
    } else {
        int64_t idx[PROG_MAX_LOOPS], k0, k1;
        prog_tile_index(gr, t, idx);
        prog_loop_range(gr, gr->red, idx[gr->red], &k0, &k1);
        int64_t mg = L->m / L->group, cg = L->c / L->group;
        lo[1] = INT64_MAX;
        hi[1] = INT64_MIN;
        for (int64_t oc = st.lo[1]; oc < st.hi[1]; oc++)
            for (int64_t kc = k0; kc < k1; kc++) {
                int64_t ic = oc / mg * cg + kc;
                lo[1] = ic < lo[1] ? ic : lo[1];
                hi[1] = ic + 1 > hi[1] ? ic + 1 : hi[1];
            }
        taps_bbox(rows[0], rows[1], L->s[0], L->pb[0], L->d[0], L->k[0], L->h, &lo[2], &hi[2]);
        taps_bbox(cols[0], cols[1], L->s[1], L->pb[1], L->d[1], L->k[1], L->w, &lo[3], &hi[3]);
    }
    for (int d = 0; d < 4; d++)
        cr_assert(in.clo[d] == lo[d] && in.chi[d] == hi[d],
                  "tile %lld dim %d: input tile [%lld,%lld), receptive field [%lld,%lld)",
                  (long long)t, d, (long long)in.clo[d], (long long)in.chi[d], (long long)lo[d],
                  (long long)hi[d]);
}

static void check_cover(const program *p, const prog_group *gr)
{
    const prog_tensor *y = &p->tensors[gr->out_tensor];
    int64_t n = y->dims[0] * y->dims[1] * y->dims[2] * y->dims[3];
    int *hits = calloc((size_t)n + 1, sizeof(int));
    int ist = find(gr, POP_STORE);
    for (int64_t t = 0; t < gr->ntiles; t++) {
        if (!prog_op_active(&gr->ops[ist], t))
            continue;
        region r;
        nnp_err e;
        prog_op_region(p, 0, ist, t, &r, &e);
        for (int64_t a = r.clo[0]; a < r.chi[0]; a++)
            for (int64_t b = r.clo[1]; b < r.chi[1]; b++)
                for (int64_t c = r.clo[2]; c < r.chi[2]; c++)
                    for (int64_t d = r.clo[3]; d < r.chi[3]; d++)
                        hits[((a * y->dims[1] + b) * y->dims[2] + c) * y->dims[3] + d]++;
    }
    for (int64_t i = 0; i < n; i++)
        cr_assert_eq(hits[i], 1, "output element %lld stored %d times", (long long)i, hits[i]);
    free(hits);
}

static void check_macs(const program *p, const layer *L, const prog_group *gr)
{
    int icp = find(gr, POP_COMPUTE);
    int64_t sum = 0, want = 0;
    for (int64_t t = 0; t < gr->ntiles; t++) {
        sum += prog_op_macs_at(p, 0, icp, t);
        if (L->pool && !L->pool_only) {
            region cp;
            nnp_err e;
            int64_t idx[PROG_MAX_LOOPS], k0, k1;
            prog_op_region(p, 0, icp, t, &cp, &e);
            prog_tile_index(gr, t, idx);
            prog_loop_range(gr, gr->red, idx[gr->red], &k0, &k1);
            want += (cp.hi[0] - cp.lo[0]) * (cp.hi[1] - cp.lo[1]) * (cp.hi[2] - cp.lo[2]) *
                    (cp.hi[3] - cp.lo[3]) * (k1 - k0) * L->k[0] * L->k[1];
        }
    }
    if (L->pool_only)
        return;
    const node *cv = &p->g->nodes[0];
    int64_t layer_macs = op_table[OP_CONV].macs(p->g, cv);
    if (!L->pool) {
        cr_assert_eq(sum, layer_macs, "tile MACs add up to the layer's");
        cr_assert_eq(gr->rep.recompute_macs, 0);
    } else {
        cr_assert_eq(sum, want, "tile MACs are the conv boxes' MACs");
        cr_assert_eq(gr->rep.recompute_macs, sum > layer_macs ? sum - layer_macs : 0);
    }
}

static void check_memory(const program *p, const prog_group *gr)
{
    int64_t used[POOL_COUNT] = {0};
    for (int b = 0; b < gr->nbufs; b++) {
        const prog_buffer *bf = &gr->bufs[b];
        cr_assert_eq(bf->bytes % p->t->align, 0, "allocations are aligned");
        cr_assert_geq(bf->bytes, bf->elems * 4);
        used[bf->pool] += bf->bytes * bf->copies;
    }
    for (int q = 0; q < POOL_COUNT; q++) {
        cr_assert_leq(used[q], target_capacity(p->t, (mem_pool)q), "pool %s: %lld bytes",
                      mem_pool_name((mem_pool)q), (long long)used[q]);
        cr_assert_eq(used[q], gr->rep.working_set[q]);
    }
}

/* The per-class sums the tiler uses agree with walking every tile, and
 * pipelining never costs more than running every op back to back. */
static void check_costs(const program *p, const prog_group *gr)
{
    for (int i = 0; i < gr->nops; i++) {
        const prog_op *o = &gr->ops[i];
        int64_t cyc = 0, bytes = 0, worst = 0;
        for (int64_t t = 0; t < gr->ntiles; t++) {
            int64_t c = prog_op_cycles_at(p, 0, i, t);
            cyc += c;
            bytes += prog_op_bytes_at(p, 0, i, t);
            worst = c > worst ? c : worst;
            if (!prog_op_active(o, t))
                cr_assert_eq(c, 0, "a skipped op costs nothing");
        }
        cr_assert_eq(cyc, o->total_cycles, "%s", o->name);
        cr_assert_eq(bytes, o->total_bytes, "%s", o->name);
        cr_assert_eq(worst, o->cycles, "%s", o->name);
    }
    cr_assert_leq(gr->rep.est_cycles, gr->rep.seq_cycles);
}

static void check_runs_like_reference(const program *p)
{
    const graph *g = p->g;
    const tensor *x = &g->tensors[g->inputs[0]], *y = &g->tensors[g->outputs[0]];
    int64_t nx = tensor_numel(x), ny = tensor_numel(y);
    float *in = malloc((size_t)nx * 4 + 4), *ref = calloc((size_t)ny + 1, 4);
    float *got = calloc((size_t)ny + 1, 4);
    for (int64_t i = 0; i < nx; i++)
        in[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
    nnp_err e;
    char err[512];
    cr_assert_eq(interp_run(g, (const float *const *)&in, &ref, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(tile_interp_run(p, (const float *const *)&in, &got, err, sizeof err), 0, "%s",
                 err);
    long bad = first_mismatch(got, ref, (size_t)ny, 1e-5f);
    cr_assert_eq(bad, -1, "element %ld: %g vs %g", bad, bad >= 0 ? got[bad] : 0.0,
                 bad >= 0 ? ref[bad] : 0.0);
    free(in), free(ref), free(got);
}

Test(tile_props, random_layers_tile_exactly_within_memory_and_match_reference)
{
    rng r = {20240601};
    int lowered = 0, infeasible = 0, tried = 0, multi = 0;
    while (lowered < 150) {
        layer L;
        random_layer(&r, &L);
        graph *g = build(&L, &r);
        if (!g)
            continue;
        tried++;
        target *t = random_target(&r);
        program *p = NULL;
        nnp_err e = {0};
        int rc = lower_program(g, t, &p, &e);
        if (rc == NNP_INFEASIBLE) {
            cr_assert(strstr(e.msg, "needs ") && strstr(e.msg, "available"), "%s", e.msg);
            infeasible++;
        } else {
            cr_assert_eq(rc, NNP_OK, "%s", e.msg);
            const prog_group *gr = &p->groups[0];
            cr_assert_eq(p->ngroups, 1, "conv, relu and pool form one group");
            check_cover(p, gr);
            check_macs(p, &L, gr);
            check_memory(p, gr);
            check_costs(p, gr);
            for (int64_t tt = 0; tt < gr->ntiles; tt++)
                check_tile(p, &L, gr, tt);
            check_runs_like_reference(p);
            lowered++;
            multi += gr->ntiles > 1;
        }
        program_free(p);
        target_free(t);
        graph_free(g);
    }
    cr_assert_lt(infeasible, tried / 2, "most random layers fit (%d of %d did not)", infeasible,
                 tried);
    cr_assert_gt(multi, lowered / 3, "many layers need several tiles (%d of %d)", multi,
                 lowered);
}

/* The same layer on ever smaller memories: still exact, never over. */
Test(tile_props, shrinking_memory_only_shrinks_tiles_until_infeasible)
{
    rng r = {77};
    layer L = {.n = 1, .c = 6, .h = 13, .w = 11, .m = 6, .group = 3, .k = {3, 3}, .s = {1, 2},
               .d = {2, 1}, .pb = {2, 1}, .pe = {2, 0}, .pool = 2, .pk = 3, .ps = 2, .ppb = 1,
               .ppe = 1, .count_include_pad = 1};
    graph *g = build(&L, &r);
    cr_assert_not_null(g);
    int64_t prev_tiles = 0;
    for (int64_t bytes = 65536; bytes >= 64; bytes /= 2) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"name\": \"m\", \"clock_mhz\": 1, \"memory\": {\"bytes\": %lld}, \"units\": "
                 "[{\"name\": \"d\", \"kind\": \"dma\", \"throughput\": 8},"
                 " {\"name\": \"s\", \"kind\": \"scalar\", \"throughput\": 1}]}",
                 (long long)bytes);
        target *t;
        nnp_err e;
        cr_assert_eq(target_parse(text, strlen(text), "m.json", &t, &e), NNP_OK);
        program *p = NULL;
        int rc = lower_program(g, t, &p, &e);
        if (rc == NNP_INFEASIBLE) {
            cr_assert(strstr(e.msg, "'conv' (Conv)") != NULL, "%s", e.msg);
            target_free(t);
            break;
        }
        cr_assert_eq(rc, NNP_OK, "%s", e.msg);
        const prog_group *gr = &p->groups[0];
        cr_assert_geq(gr->ntiles, prev_tiles / 4, "tiles never jump back to far fewer");
        prev_tiles = gr->ntiles;
        check_cover(p, gr);
        check_memory(p, gr);
        for (int64_t tt = 0; tt < gr->ntiles; tt++)
            check_tile(p, &L, gr, tt);
        check_runs_like_reference(p);
        program_free(p);
        target_free(t);
    }
    cr_assert_gt(prev_tiles, 1);
    graph_free(g);
}
