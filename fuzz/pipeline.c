/* The stages after parsing, shared by fuzz_pipeline (models from bytes)
 * and fuzz_randgraph (generated graphs): a table of stages run in order on
 * one checked graph, each returning a verdict.
 *
 *   interpret  the reference interpreter on fixed inputs; it must never
 *              fail on a checked graph, and its outputs are kept as the
 *              reference for the stages after it;
 *   lower      lower_program for every target in samples/targets/. It may
 *              refuse with NNP_INFEASIBLE (a layer fits no tiling) or
 *              NNP_UNSUPPORTED (an empty tensor), with a message; a program
 *              must have every node in a group and working sets that fit;
 *   tile       the tile interpreter (tests/tile_interp.c) runs each program,
 *              which must reproduce the reference outputs;
 *   schedule   list and modulo plans of each program; NNP_INFEASIBLE (no
 *              memory-feasible order) is the one documented refusal, and
 *              every plan made must pass the independent verifier;
 *   emit       the C backend writes each program to memory (emit_c_program:
 *              modulo plan, verifier, C text); NNP_INFEASIBLE only.
 *
 * The interpreters run only graphs cheap enough to keep the fuzzer fast
 * (WORK_BUDGET), the schedulers and the emitter only programs of at most
 * INSTANCE_BUDGET op instances: the point is correctness on every geometry,
 * not speed on large ones. Lowering runs on every graph. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "interp.h"
#include "ops.h"
#include "emit_c.h"
#include "plan.h"
#include "program.h"
#include "../tests/tile_interp.h"

/* Elements touched, multiply-accumulates and pooling taps, summed over
 * nodes; above this a graph is not interpreted. */
#define WORK_BUDGET ((int64_t)1 << 20)
/* Tiled and reference results agree within TOL*(1+|ref|): tiles sum in
 * another order, and folded BatchNormalization rounds differently. */
#define TOL 1e-3f
/* Op instances (tiles x body ops, summed over groups) a program may have
 * for the schedulers and the emitter to run on it. */
#define INSTANCE_BUDGET 4096

static const char *const target_files[] = {"npu", "mcu", "vta"};
enum { NTARGETS = sizeof target_files / sizeof *target_files };

typedef struct pipe {
    const graph *g;
    int small;          /* within WORK_BUDGET */
    int comparable;     /* constants moderate enough for results to agree within TOL */
    float **in, **ref;  /* inputs and reference outputs (NULL when not run) */
    target *targets[NTARGETS];
    program *prog[NTARGETS]; /* NULL where lowering refused */
    char verdict[1024];
} pipe;

static const char *say(pipe *p, const char *fmt, const char *a, const char *b)
{
    snprintf(p->verdict, sizeof p->verdict, fmt, a, b);
    return p->verdict;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    return size_add(a, b, &r) ? INT64_MAX : r;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
    int64_t r;
    return size_mul(a, b, &r) ? INT64_MAX : r;
}

/* Real input taps a pool reads per output, at most: kernel clipped to the
 * input along each spatial dim. */
static int64_t pool_taps(const graph *g, const node *n)
{
    int nk;
    const int64_t *ks = attr_ints(n, "kernel_shape", &nk);
    const tensor *x = &g->tensors[n->in[0]];
    int64_t taps = 1;
    for (int d = 0; d < nk && d + 2 < x->rank; d++)
        taps = sat_mul(taps, min64(ks[d], x->dims[d + 2]));
    return taps;
}

static int64_t graph_work(const graph *g)
{
    int64_t w = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        const node *n = &g->nodes[i];
        int64_t out = tensor_numel(&g->tensors[n->out[0]]);
        if (n->op == OP_MAXPOOL || n->op == OP_AVGPOOL)
            out = sat_mul(out, pool_taps(g, n));
        w = sat_add(w, sat_add(out, op_table[n->op].macs(g, n)));
        for (int k = 0; k < n->nin; k++)
            if (n->in[k] >= 0)
                w = sat_add(w, tensor_numel(&g->tensors[n->in[k]]));
    }
    return w;
}

static void free_all(float **v, int n)
{
    for (int k = 0; v && k < n; k++)
        free(v[k]);
    free(v);
}

/* Buffers for the tensors idx[0..n); inputs get a fixed pattern in [-1, 1]
 * (what matters is that every element is written and read). */
static float **alloc_buffers(const graph *g, const int *idx, int n, int fill)
{
    float **v = xcalloc((size_t)(n ? n : 1), sizeof *v);
    for (int k = 0; v && k < n; k++) {
        int64_t c = tensor_numel(&g->tensors[idx[k]]);
        v[k] = xcalloc((size_t)(c ? c : 1), sizeof(float));
        if (!v[k]) {
            free_all(v, k);
            return NULL;
        }
        for (int64_t i = 0; i < c; i++)
            v[k][i] = fill ? (float)((i * 37 + k * 11) % 201 - 100) / 100.0f : NAN;
    }
    return v;
}

static const char *stage_interpret(pipe *p)
{
    const graph *g = p->g;
    if (!p->small)
        return NULL;
    p->in = alloc_buffers(g, g->inputs, g->ninputs, 1);
    p->ref = alloc_buffers(g, g->outputs, g->noutputs, 0);
    if (!p->in || !p->ref)
        return NULL;
    nnp_err e = {0};
    if (interp_run(g, (const float *const *)p->in, p->ref, &e))
        return say(p, "the interpreter failed on a checked graph: %s%s", e.msg, "");
    return NULL;
}

/* A fuzzed model may hold weights near FLT_MAX, where summing in another
 * order overflows or cancels differently: results are compared only when
 * every constant is finite and at most MAX_CONST in magnitude, and only
 * elements whose reference is below MAX_REF. */
#define MAX_CONST 1e3f
#define MAX_REF 1e20f

static int moderate_constants(const graph *g)
{
    for (size_t t = 0; t < g->ntensors; t++) {
        const tensor *x = &g->tensors[t];
        for (int64_t i = 0, n = x->data ? tensor_numel(x) : 0; i < n; i++)
            if (!(fabsf(x->data[i]) <= MAX_CONST))
                return 0;
    }
    return 1;
}

static int differ(float a, float b)
{
    if (!(fabsf(b) <= MAX_REF))
        return 0;
    return !(fabsf(a - b) <= TOL * (1.0f + fabsf(b)));
}

static const char *check_program(pipe *pp, const program *p, const target *t)
{
    const graph *g = pp->g;
    for (size_t i = 0; i < g->nnodes; i++)
        if (p->group_of_node[i] < 0 || p->group_of_node[i] >= p->ngroups)
            return say(pp, "lowering for %s left node '%s' outside every group", t->name,
                       g->nodes[i].name);
    for (int k = 0; k < p->ngroups; k++)
        for (int pool = 0; pool < POOL_COUNT; pool++)
            if (p->groups[k].rep.working_set[pool] > target_capacity(t, (mem_pool)pool))
                return say(pp, "lowering for %s: layer %s has a working set larger than its "
                           "pool", t->name, p->groups[k].name);
    return NULL;
}

/* Runs the program on the reference's inputs and compares. */
static const char *tile_run(pipe *pp, const program *p, const target *t)
{
    const graph *g = pp->g;
    float **out = alloc_buffers(g, g->outputs, g->noutputs, 0);
    if (!out)
        return NULL;
    char err[512] = "";
    const char *v = NULL;
    if (tile_interp_run(p, (const float *const *)pp->in, out, err, sizeof err))
        v = say(pp, "the tile interpreter failed for %s: %s", t->name, err);
    for (int k = 0; !v && pp->comparable && k < g->noutputs; k++) {
        int64_t n = tensor_numel(&g->tensors[g->outputs[k]]);
        for (int64_t i = 0; !v && i < n; i++)
            if (differ(out[k][i], pp->ref[k][i])) {
                char where[256];
                snprintf(where, sizeof where, "output '%s' element %lld: tiled %.9g, reference "
                         "%.9g", g->tensors[g->outputs[k]].name, (long long)i,
                         (double)out[k][i], (double)pp->ref[k][i]);
                v = say(pp, "the program lowered for %s computes a different result: %s",
                        t->name, where);
            }
    }
    free_all(out, g->noutputs);
    return v;
}

static target *targets[NTARGETS];

static int load_targets(void)
{
    static int loaded;
    for (int k = 0; !loaded && k < NTARGETS; k++) {
        char path[4096];
        nnp_err e = {0};
        snprintf(path, sizeof path, "%s/samples/targets/%s.json", NNP_SOURCE_DIR, target_files[k]);
        if (target_load(path, &targets[k], &e))
            return -1;
    }
    loaded = 1;
    return 0;
}

/* A refusal must carry its status and a message, and return nothing. */
static int proper_refusal(int rc, const nnp_err *e, const void *result)
{
    return !result && e->code == rc && e->msg[0];
}

static const char *stage_lower(pipe *pp)
{
    if (load_targets())
        return "cannot read samples/targets/ (built from another source tree?)";
    const char *v = NULL;
    for (int k = 0; !v && k < NTARGETS; k++) {
        program *p = NULL;
        nnp_err e = {0};
        int rc = lower_program(pp->g, targets[k], &p, &e);
        if (rc == NNP_INFEASIBLE || rc == NNP_UNSUPPORTED) {
            if (!proper_refusal(rc, &e, p))
                v = say(pp, "lowering for %s refused without a proper message%s",
                        targets[k]->name, "");
            program_free(p);
            continue;
        }
        if (rc)
            v = say(pp, "lowering for %s failed: %s", targets[k]->name, e.msg);
        if (!v)
            v = check_program(pp, p, targets[k]);
        pp->targets[k] = targets[k];
        pp->prog[k] = p;
    }
    return v;
}

static const char *stage_tile(pipe *pp)
{
    const char *v = NULL;
    for (int k = 0; !v && k < NTARGETS; k++)
        if (pp->prog[k] && pp->ref)
            v = tile_run(pp, pp->prog[k], pp->targets[k]);
    return v;
}

static int64_t instances(const program *p)
{
    int64_t n = 0;
    for (int g = 0; g < p->ngroups; g++)
        n = sat_add(n, sat_mul(p->groups[g].ntiles, p->groups[g].nops));
    return n;
}

static const char *plan_one(pipe *pp, const program *p, plan_kind kind)
{
    plan_options o;
    plan_options_default(&o);
    o.kind = kind;
    plan *pl = NULL;
    nnp_err e = {0};
    int rc = plan_build(p, &o, &pl, &e);
    const char *v = NULL;
    if (rc == NNP_INFEASIBLE) {
        if (!proper_refusal(rc, &e, pl))
            v = say(pp, "the %s scheduler refused without a proper message%s",
                    plan_kind_name(kind), "");
    } else if (rc) {
        v = say(pp, "the %s scheduler failed: %s", plan_kind_name(kind), e.msg);
    } else if (plan_verify(pl, &e)) {
        v = say(pp, "the verifier rejects the %s plan: %s", plan_kind_name(kind), e.msg);
    }
    plan_free(pl);
    return v;
}

static const char *stage_schedule(pipe *pp)
{
    static const plan_kind kinds[] = {PLAN_LIST, PLAN_MODULO};
    const char *v = NULL;
    for (int k = 0; !v && k < NTARGETS; k++)
        for (size_t i = 0; !v && pp->prog[k] && i < sizeof kinds / sizeof *kinds; i++)
            if (instances(pp->prog[k]) <= INSTANCE_BUDGET)
                v = plan_one(pp, pp->prog[k], kinds[i]);
    return v;
}

static const char *stage_emit(pipe *pp)
{
    const char *v = NULL;
    for (int k = 0; !v && k < NTARGETS; k++) {
        if (!pp->prog[k] || instances(pp->prog[k]) > INSTANCE_BUDGET)
            continue;
        emit_c_options o = {.name = "model", .header = "model.h"};
        emit_c_files f;
        memset(&f, 0, sizeof f);
        nnp_err e = {0};
        int rc = emit_c_program(pp->prog[k], NULL, &o, &f, NULL, &e);
        if (rc == NNP_INFEASIBLE ? !e.msg[0] : rc != NNP_OK)
            v = say(pp, "the C backend failed for %s: %s", pp->targets[k]->name, e.msg);
        else if (!rc && (f.c.failed || f.h.failed || !f.c.len || !f.h.len))
            v = say(pp, "the C backend gave empty or truncated text for %s%s",
                    pp->targets[k]->name, "");
        emit_c_files_free(&f);
    }
    return v;
}

static const struct stage {
    const char *name;
    const char *(*run)(pipe *p);
} stages[] = {
    {"interpret", stage_interpret},
    {"lower", stage_lower},
    {"tile", stage_tile},
    {"schedule", stage_schedule},
    {"emit", stage_emit},
};

const char *fuzz_pipeline_graph(const graph *g)
{
    static char verdict[1100];
    pipe *p = xcalloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->g = g;
    p->small = graph_work(g) <= WORK_BUDGET;
    p->comparable = moderate_constants(g);
    const char *v = NULL;
    for (size_t s = 0; !v && s < sizeof stages / sizeof *stages; s++)
        if ((v = stages[s].run(p)) != NULL) {
            snprintf(verdict, sizeof verdict, "%s: %s", stages[s].name, v);
            v = verdict;
        }
    free_all(p->in, g->ninputs);
    free_all(p->ref, g->noutputs);
    for (int k = 0; k < NTARGETS; k++)
        program_free(p->prog[k]);
    free(p);
    return v;
}
