/* Modulo plans of two consecutive loops on a small local memory: the
 * second loop starts under the first one's drain as soon as units, data
 * and memory - counted per generation of each buffer - allow, although
 * the two loops' whole working sets never fit side by side; and where
 * memory is what holds it back, one cycle earlier would overflow it.
 *
 * The program: x [1x64] -> Relu -> y -> Sigmoid -> z, one loop per layer.
 * On both targets below each layer is tiled into 4 tiles of 16 floats
 * (64 bytes): load_in0 (dma_in), the activation (vector), store
 * (dma_out); each buffer gets 2 rotating copies, so a loop's working set
 * is 2 x (64 + 64) = 256 bytes, the whole local memory. Costs follow the
 * target's rule, latency + ceil(work / throughput); the tests check the
 * lowered costs first, so a change there is named before the plan's
 * numbers are. Lifetimes are half-open: a buffer is live from its
 * producer's start to the end of its last reader. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "model_load.h"
#include "plan.h"

static const char model[] =
    "{\"irVersion\": \"8\", \"opsetImport\": [{\"version\": \"13\"}], \"graph\": {"
    " \"node\": ["
    "  {\"input\": [\"x\"], \"output\": [\"y\"], \"name\": \"relu\", \"opType\": \"Relu\"},"
    "  {\"input\": [\"y\"], \"output\": [\"z\"], \"name\": \"sig\", \"opType\": \"Sigmoid\"}],"
    " \"name\": \"two\","
    " \"input\": [{\"name\": \"x\", \"type\": {\"tensorType\": {\"elemType\": 1, \"shape\": "
    "{\"dim\": [{\"dimValue\": \"1\"}, {\"dimValue\": \"64\"}]}}}}],"
    " \"output\": [{\"name\": \"z\", \"type\": {\"tensorType\": {\"elemType\": 1, \"shape\": "
    "{\"dim\": [{\"dimValue\": \"1\"}, {\"dimValue\": \"64\"}]}}}}]}}";

/* 256 bytes of memory; DMA 4 bytes/cycle + 8: a 64-byte tile moves in 24
 * cycles; vector 4 elements/cycle + 2: 16 elements in 6. */
static const char dma_bound[] =
    "{\"name\": \"dma_bound\", \"clock_mhz\": 1, \"memory\": {\"bytes\": 256, \"alignment\": 4},"
    " \"units\": ["
    "  {\"name\": \"dma_in\", \"kind\": \"dma_in\", \"throughput\": 4, \"latency\": 8},"
    "  {\"name\": \"dma_out\", \"kind\": \"dma_out\", \"throughput\": 4, \"latency\": 8},"
    "  {\"name\": \"vector\", \"kind\": \"vector\", \"throughput\": 4, \"latency\": 2},"
    "  {\"name\": \"mac\", \"kind\": \"mac\", \"throughput\": 4, \"latency\": 1}]}";

/* The same memory; DMA 16 bytes/cycle + 8: 12 cycles a tile; vector 1
 * element/cycle + 2: 18 cycles a tile. */
static const char vector_bound[] =
    "{\"name\": \"vector_bound\", \"clock_mhz\": 1, \"memory\": {\"bytes\": 256, \"alignment\": 4},"
    " \"units\": ["
    "  {\"name\": \"dma_in\", \"kind\": \"dma_in\", \"throughput\": 16, \"latency\": 8},"
    "  {\"name\": \"dma_out\", \"kind\": \"dma_out\", \"throughput\": 16, \"latency\": 8},"
    "  {\"name\": \"vector\", \"kind\": \"vector\", \"throughput\": 1, \"latency\": 2},"
    "  {\"name\": \"mac\", \"kind\": \"mac\", \"throughput\": 4, \"latency\": 1}]}";

typedef struct fixture {
    graph *g;
    target *t;
    program *p;
} fixture;

/* Lowers the model for the target; checks the tiling and the costs the
 * numbers below are worked out from: load, activation, store cycles. */
static void load(fixture *f, const char *tgt, int64_t load_c, int64_t act_c, int64_t store_c)
{
    nnp_err e = {0};
    cr_assert_eq(model_load_buffer(model, strlen(model), "two.json", &f->g, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(target_parse(tgt, strlen(tgt), "target.json", &f->t, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(lower_program(f->g, f->t, &f->p, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(f->p->ngroups, 2);
    for (int g = 0; g < 2; g++) {
        const prog_group *gr = &f->p->groups[g];
        cr_assert_eq(gr->ntiles, 4, "%s", gr->name);
        cr_assert_eq(gr->nops, 3, "%s", gr->name);
        cr_assert_eq(gr->ops[0].kind, POP_LOAD_INPUT);
        cr_assert_eq(gr->ops[1].kind, POP_COMPUTE);
        cr_assert_eq(gr->ops[2].kind, POP_STORE);
        cr_assert_eq(gr->ops[0].cycles, load_c, "%s load", gr->name);
        cr_assert_eq(gr->ops[1].cycles, act_c, "%s activation", gr->name);
        cr_assert_eq(gr->ops[2].cycles, store_c, "%s store", gr->name);
        for (int b = 0; b < gr->nbufs; b++)
            cr_assert_eq(gr->bufs[b].bytes, 64, "%s buffer %s", gr->name, gr->bufs[b].name);
    }
}

static void unload(fixture *f)
{
    program_free(f->p);
    target_free(f->t);
    graph_free(f->g);
}

static plan *build(const program *p, int overlap)
{
    plan_options o;
    plan_options_default(&o);
    o.overlap_loops = overlap;
    plan *pl = NULL;
    nnp_err e = {0};
    cr_assert_eq(plan_build(p, &o, &pl, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(plan_verify(pl, &e), NNP_OK, "%s", e.msg);
    cr_assert_leq(pl->stats.peak[POOL_UNIFIED], 256);
    return pl;
}

static const plan_inst *inst(const plan *pl, int group, int64_t tile, int op)
{
    for (int64_t i = 0; i < pl->ninsts; i++)
        if (pl->insts[i].group == group && pl->insts[i].tile == tile && pl->insts[i].op == op)
            return &pl->insts[i];
    cr_assert_fail("no instance of op %d of tile %lld of group %d", op, (long long)tile, group);
    return NULL;
}

/* dma_in and dma_out each hold 24 cycles a tile: II 24, load at offset 0,
 * the activation at 24 (after the load), the store at 30 (stage 1).
 * Relu's tile t: load [24t, 24t+24), relu [24t+24, 24t+30), store
 * [24t+30, 24t+54); its last store ends at 126. Sigmoid's tile 0 needs
 * relu's tile 0 stored (54) and dma_in, free from 96 when relu's last load
 * ends; at 96 relu still holds in(3) [72, 102), out(2) [72, 102) and
 * out(3) [96, 126): 192 bytes, so sigmoid's 64-byte input fits (256, the
 * capacity; memory would have allowed it from 78, when in(2) and out(1)
 * end). Sigmoid then runs II apart from 96: its last store ends at
 * 96 + 3*24 + 54 = 222. Counting whole working sets (256 + 256 bytes), the
 * loops could not overlap at all: sigmoid would start at 126 and end at
 * 252, which is what the plan without overlap does. */
Test(plan_overlap, the_second_loop_starts_under_the_first_ones_drain)
{
    fixture f;
    load(&f, dma_bound, 24, 6, 24);
    plan *pl = build(f.p, 1);
    const plan_loop *a = &pl->loops[0], *b = &pl->loops[1];
    for (int g = 0; g < 2; g++) {
        const plan_loop *lp = &pl->loops[g];
        cr_assert_eq(lp->ii, 24);
        cr_assert_eq(lp->offset[0], 0);
        cr_assert_eq(lp->offset[1], 24);
        cr_assert_eq(lp->offset[2], 30);
        cr_assert_eq(lp->copies[0], 2);
        cr_assert_eq(lp->copies[1], 2);
        cr_assert_eq(lp->working_set[POOL_UNIFIED], 256);
    }
    for (int64_t t = 0; t < 4; t++) {
        cr_assert_eq(a->tile_base[t], 24 * t);
        cr_assert_eq(b->tile_base[t], 96 + 24 * t, "tile %lld", (long long)t);
        cr_assert_eq(inst(pl, 1, t, 0)->start, 96 + 24 * t);
        cr_assert_eq(inst(pl, 1, t, 2)->start, 126 + 24 * t);
    }
    cr_assert_eq(a->end, 126);
    cr_assert_eq(b->start, 96, "the second loop starts before the first ends");
    cr_assert_eq(b->end, 222);
    cr_assert_eq(pl->stats.makespan, 222);
    cr_assert_eq(pl->stats.peak[POOL_UNIFIED], 256);
    plan_free(pl);

    pl = build(f.p, 0);
    cr_assert_eq(pl->loops[1].start, 126);
    cr_assert_eq(pl->stats.makespan, 252);
    plan_free(pl);
    unload(&f);
}

/* The vector unit holds 18 cycles a tile: II 18, load at 0, activation at
 * 12, store at 30 (stage 1). Relu's loads run ahead as far as their 2
 * copies allow (load(t+2) overwrites load(t)'s copy once relu(t) has read
 * it): loads at 0, 12, 30, 48; relu(t) at 12 + 18t; stores at 30 + 18t.
 * Its buffers live: in(2) [30, 66), in(3) [48, 84), out(1) [30, 60),
 * out(2) [48, 78), out(3) [66, 96).
 * Sigmoid's load(0) waits for dma_in (relu's load(3) ends at 60; relu's
 * tile 0 is stored at 42) and fits: 192 bytes live at 60. Its load(1)
 * could start at 72 by dma_in and at 60 by data, but from 72 the memory
 * is full - in(3), out(2), out(3) and sigmoid's in(0) [60, 102) - until
 * relu's store(2) ends at 78: it starts at 78. Starting it at 77 would
 * put 320 bytes in a 256-byte memory, which the verifier refuses. */
Test(plan_overlap, a_tile_waits_exactly_until_the_earlier_loop_frees_its_memory)
{
    fixture f;
    load(&f, vector_bound, 12, 18, 12);
    plan *pl = build(f.p, 1);
    const plan_loop *a = &pl->loops[0], *b = &pl->loops[1];
    cr_assert_eq(a->ii, 18);
    cr_assert_eq(b->ii, 18);
    static const int64_t relu_loads[4] = {0, 12, 30, 48};
    for (int64_t t = 0; t < 4; t++) {
        cr_assert_eq(inst(pl, 0, t, 0)->start, relu_loads[t], "relu load(%lld)", (long long)t);
        cr_assert_eq(inst(pl, 0, t, 1)->start, 12 + 18 * t);
        cr_assert_eq(inst(pl, 0, t, 2)->start, 30 + 18 * t);
    }
    cr_assert_eq(a->end, 96);
    cr_assert_eq(b->start, 60);
    const plan_inst *load1 = inst(pl, 1, 1, 0);
    cr_assert_eq(load1->start, 78, "sigmoid's load(1) starts when relu's store(2) frees out(2)");
    cr_assert_eq(inst(pl, 0, 2, 2)->end, 78);
    cr_assert_eq(pl->stats.makespan, 168);
    cr_assert_eq(pl->stats.peak[POOL_UNIFIED], 256);

    nnp_err e = {0};
    plan_inst *mv = &pl->insts[load1 - pl->insts];
    mv->start = 77;
    mv->end = 77 + 12;
    cr_assert_neq(plan_verify(pl, &e), NNP_OK, "one cycle earlier overflows the memory");
    cr_assert(strstr(e.msg, "pool unified") && strstr(e.msg, "320 bytes live"), "%s", e.msg);
    plan_free(pl);
    unload(&f);
}
