/* The tiled program: what lowering produces and what the schedulers, the C
 * emitter and the visualisers read.
 *
 * A program is a list of groups in execution order. A group is one loop
 * over tiles of one layer, possibly with fused neighbours (a Conv with its
 * bias, folded BatchNormalization, activations, a residual Add and a
 * following pool). Every graph node belongs to exactly one group (group_of_node).
 *
 * Loop nest. A group's tiles walk a small loop nest (loops[], outermost
 * first in order[]); each loop covers `extent` positions in tiles of
 * `tile`, `count` tiles in all, and either walks one axis of the group's
 * output tensor or is the reduction loop (red, always innermost) over which
 * partial sums stay on chip. Tile t is decoded into one index per loop by
 * prog_tile_index (innermost fastest).
 *
 * Body. Every tile runs the same body ops (loads, compute, pool, store) on
 * the group's buffers. An op does real work only in tiles where
 * `t % period == phase`: a load whose region does not change from the
 * previous tile (resident weights, or the same input reused across
 * output-channel tiles) is skipped and its buffer keeps the data; a store
 * (and a fused pool) runs only after the last reduction step. `cycles`,
 * `bytes` and `work` are the worst case over the tiles where the op runs;
 * prog_op_cycles_at & co. give the exact value for any tile (0 when the op
 * is skipped), and the totals sum them over all tiles.
 *
 * Regions. prog_op_region gives, for an op and a tile, the box of the
 * tensor it moves or computes: `lo..hi` is the box wanted (a load's box may
 * run past the tensor where the layer pads), `clo..chi` its part inside the
 * tensor (what DMA really moves). A buffer holds its op's whole box `lo..hi`
 * densely in row-major order (element x at x - lo); a load fills the
 * positions outside `clo..chi` with pad_value for free, as VTA's load
 * module does. Buffers are sized for the largest box over all tiles.
 *
 * Dependences. deps[] are edges between body ops, `start(to) + distance*II
 * >= start(from) + latency`, in DESIGN-NOTES section 3's form: data edges
 * inside a tile (distance 0), the accumulator carried from one reduction
 * step to the next (distance 1), and buffer reuse (a producer may
 * overwrite a copy only after its last reader of `copies` generations
 * ago). Between groups, preds[] lists the producer groups of the tensors a
 * group loads, and prog_pred_tile says which producer tile a given tile
 * needs last, so consecutive layers may overlap.
 *
 * Memory. Tensors are indexed as in the graph (prog->tensors[i] mirrors
 * graph tensor i), followed by constants that lowering makes (folded
 * BatchNormalization weights and biases), which the program owns. Reshape,
 * Flatten, Identity, Dropout, Squeeze, Unsqueeze and a Transpose that only
 * moves dims of 1 become zero-cost alias groups: their output shares its
 * input's storage (same row-major order), with no body ops.
 *
 * A program borrows its graph and target (both must outlive it) and is
 * freed with one call, program_free. */
#ifndef NNPIPE_PROGRAM_H
#define NNPIPE_PROGRAM_H

#include <stdint.h>

#include "graph.h"
#include "ops.h"
#include "target.h"

enum { PROG_MAX_LOOPS = MAX_RANK + 1, PROG_MAX_EPI = 8 };

/* How a group's tiles are computed; lower.c has one descriptor per kind. */
typedef enum group_kind {
    GK_CONV,       /* 2-D Conv (+bias, folded BN, activations, skip binary ops) (+pool) */
    GK_POOL,       /* 2-D MaxPool or AveragePool alone */
    GK_GLOBALPOOL, /* GlobalAveragePool / GlobalMaxPool, reducing over input rows */
    GK_GEMM,       /* Gemm, or MatMul with operands of rank >= 2 (+activations, Adds) */
    GK_ELTWISE,    /* an activation, a broadcasting binary op or BatchNormalization alone */
    GK_CONCAT,     /* Concat, tiled over every axis but the concatenated one */
    GK_SOFTMAX,    /* Softmax, tiled over the axes before the normalised ones */
    GK_ALIAS,      /* Reshape, Flatten, Identity, Dropout, Squeeze, Unsqueeze, a Transpose that
                      keeps the order of the elements: output aliases the input, no ops */
    GK_WHOLE,      /* anything else (Conv/pool of other ranks, MatMul with a 1-D operand,
                      Clip with computed bounds): one tile holding whole tensors, the compute
                      op is the reference op */
    GK_TRANSPOSE,  /* Transpose that reorders elements, tiled over its output axes */
    GK_COUNT
} group_kind;

typedef enum pop_kind {
    POP_LOAD_INPUT,  /* an activation (or a group input) */
    POP_LOAD_WEIGHT, /* weights, or any constant operand */
    POP_LOAD_BIAS,   /* bias / BN shift / Gemm's C */
    POP_LOAD_SKIP,   /* the other operand of a fused Add */
    POP_COMPUTE,     /* the layer's arithmetic, epilogue included */
    POP_POOL,        /* a fused pool consuming the compute op's buffer on chip */
    POP_STORE,
    POP_KIND_COUNT
} pop_kind;

/* Where a tensor's data lives. */
typedef enum tensor_home {
    HOME_NONE,   /* not used by the program */
    HOME_MAIN,   /* main memory: graph inputs and outputs, tensors between groups */
    HOME_CONST,  /* constant in main memory (initializer or folded) */
    HOME_ONCHIP, /* intermediate of a fused group: never leaves local memory */
    HOME_ALIAS   /* shares alias_of's storage */
} tensor_home;

typedef struct prog_tensor {
    const char *name;
    int rank;
    int64_t dims[MAX_RANK];
    const float *data;  /* HOME_CONST: the values (graph-owned, or program-owned if folded) */
    tensor_home home;
    int alias_of;       /* HOME_ALIAS: the storage owner (never itself an alias), else -1 */
    int group;          /* group that stores it (for an alias: its owner's), -1 if none */
    int graph_tensor;   /* index in the graph, -1 for constants made by lowering */
} prog_tensor;

typedef struct region {
    int tensor; /* program tensor */
    int rank;
    int64_t lo[MAX_RANK], hi[MAX_RANK];   /* the box wanted; may run past the tensor (padding) */
    int64_t clo[MAX_RANK], chi[MAX_RANK]; /* lo..hi clipped to the tensor: what exists in memory */
} region;

typedef struct prog_loop {
    char name[8];   /* "n", "oc", "oh", "ow", "ic", "m", "k", "d0", ... */
    int64_t extent; /* positions walked */
    int64_t tile;   /* positions per tile (the last tile may be shorter) */
    int64_t count;  /* ceil(extent / tile) */
    int axis;       /* axis of the group's output tensor, -1 for the reduction loop */
} prog_loop;

typedef struct prog_buffer {
    char name[16];
    mem_pool pool;        /* pool it is allocated from (POOL_UNIFIED on a unified target) */
    int rank;
    int64_t dims[MAX_RANK]; /* largest box over all tiles */
    int64_t elems;        /* float32 elements of that box */
    int64_t bytes;        /* one copy, rounded up to the target's alignment */
    int copies;           /* rotating copies the working set counts: 2 double buffered, 1 resident */
    int producer;         /* op writing it */
    int *readers, nreaders; /* ops reading it (owned by the program) */
} prog_buffer;

typedef struct prog_op {
    pop_kind kind;
    char name[24];
    int arg;            /* loads: which operand of the group (input k, skip k, ...) */
    int tensor;         /* tensor it moves, or (compute, pool) the tensor it computes */
    int unit;           /* index into target->units */
    unit_kind ukind;
    int *in, nin;       /* buffers read (owned by the program) */
    int out;            /* buffer written, -1 for a store */
    int64_t period, phase; /* works in tile t iff t % period == phase */
    float pad_value;    /* loads: value of box positions outside the tensor */
    /* worst case over the tiles where the op works */
    int64_t work, cycles, busy, bytes;
    /* sums over all tiles */
    int64_t total_work, total_cycles, total_bytes;
} prog_op;

typedef enum dep_kind {
    DEP_DATA, /* from writes a buffer that to reads, same tile */
    DEP_ACC,  /* partial sums carried to the next reduction step */
    DEP_WAR   /* to may overwrite a buffer copy only after from has read it */
} dep_kind;

typedef struct prog_dep {
    int from, to;
    int distance;    /* in tiles */
    int64_t latency; /* cycles after from starts */
    dep_kind kind;
    int buffer;
} prog_dep;

/* A producer of a tensor the group loads. */
typedef struct prog_pred {
    int group;  /* producer group */
    int tensor; /* the tensor as the consumer names it (may be an alias) */
    int op;     /* the consumer's load op */
} prog_pred;

/* An epilogue step applied to each computed element, in order, after the
 * bias and before any fused pool: an activation (its row of the activation
 * table, ops.h, with the parameters act_params read) or a binary op (its
 * row of the binary table) with a skip operand loaded per tile: a residual
 * Add, a PRelu slope, a Mul by a scale... */
typedef enum epi_kind { EPI_ACT, EPI_BINARY } epi_kind;

typedef struct epi_step {
    epi_kind kind;
    op_kind act; /* ACT: the activation; act_of(act)->fn(v, a, b) is the step */
    float a, b;  /* ACT: its parameters (LeakyRelu's alpha, Clip's bounds, ...) */
    op_kind bin; /* BINARY: the op; bin_of(bin)->fn(v, skip) is the step, */
    int swap;    /*   or fn(skip, v) when the computed value is its second operand */
    int op;      /* BINARY: the load-skip op of the other operand (broadcast) */
    int node;    /* the graph node it comes from */
} epi_step;

/* What the compute (and pool) ops compute, per group kind. Operands are
 * the buffers of the load ops, found by kind and arg; tests/tile_interp.c
 * is an executable reference for all of this.
 *   GK_CONV: on the first reduction step the accumulator starts at the
 *     bias (or 0), every step adds its input channels' taps (padding taps
 *     skipped), and the last step applies epi[] in order; the pool op then
 *     pools the accumulator box (positions outside the Conv output are
 *     padding). Weights and bias may be folded constants.
 *   GK_GEMM: the same with Y = alpha * sum + beta * C at the last step.
 *   GK_POOL, GK_GLOBALPOOL: max or average; the global average divides
 *     the sum over all reduction steps by the spatial size at the last.
 *   GK_ELTWISE: load arg k is input k (broadcast); an activation is
 *     act_of(op)->fn(x, p0, p1), a binary op folds its inputs with
 *     bin_of(op)->fn from the left; BatchNormalization is x * scale + shift
 *     with per-channel constants as load-weight (scale) and load-bias
 *     (shift).
 *   GK_CONCAT: load arg k is input k; GK_SOFTMAX: over axes from `axis`
 *     (legacy) or along `axis`; GK_WHOLE: op_table[op].run on whole
 *     tensors; GK_TRANSPOSE: the input box is the output box with its
 *     axes permuted (output axis i is input axis perm[i]), copied across. */
typedef struct group_params {
    window conv;          /* GK_CONV: the Conv's window */
    int64_t conv_group;   /* GK_CONV: Conv's group attribute */
    int has_pool;         /* GK_CONV: a fused pool follows */
    window pool;          /* GK_POOL's window, or the fused pool's over the Conv output */
    int pool_max;         /* GK_CONV fused pool, GK_POOL, GK_GLOBALPOOL: 1 max, 0 average */
    int count_include_pad;
    int trans_a, trans_b; /* GK_GEMM */
    float alpha, beta;    /* GK_GEMM: Y = alpha*A'B' + beta*C (beta unused without C) */
    int has_bias;         /* GK_CONV, GK_GEMM: a load-bias op exists */
    epi_step epi[PROG_MAX_EPI];
    int nepi;
    op_kind op;           /* GK_ELTWISE, GK_WHOLE: the op */
    float p0, p1;         /* GK_ELTWISE: an activation's parameters a, b (act_params) */
    int axis;             /* GK_CONCAT: the axis; GK_SOFTMAX: the first normalised axis */
    int legacy_softmax;   /* GK_SOFTMAX: opset < 13 (normalise over every axis from `axis`) */
    int perm[MAX_RANK];   /* GK_TRANSPOSE: output axis i is input axis perm[i] */
} group_params;

/* Why the tiling was chosen, and what the search refused. */
typedef struct tiling_report {
    int64_t considered;             /* candidate tilings evaluated */
    int64_t refused[POOL_COUNT];    /* of those, how many overflowed each pool */
    int64_t refused_straddle;       /* split reductions whose channel tile crossed conv groups */
    char why[512];                  /* one line: the winner, the runner-up, the refusals */
    int64_t working_set[POOL_COUNT]; /* bytes the chosen tiling keeps live per pool */
    int64_t est_cycles;             /* pipelined estimate: sum of per-tile max stage + fill/drain */
    int64_t seq_cycles;             /* every op of every tile one after another */
    int64_t macs;                   /* useful multiply-accumulates (the layer's) */
    int64_t recompute_macs;         /* conv rows computed twice for overlapping fused pools */
    int64_t bytes_loaded, bytes_stored;
    int64_t min_bytes;              /* every input, weight and output moved exactly once */
    int64_t halo_bytes;             /* input bytes loaded beyond once (halos, re-reads per tile) */
    int64_t reload_bytes;           /* weight/bias bytes loaded beyond once */
} tiling_report;

typedef struct prog_group {
    group_kind kind;
    char name[64];            /* label of the anchor node */
    int *nodes, nnodes;       /* fused graph nodes, in graph order */
    int anchor;               /* the node the group is built around */
    int out_tensor;           /* the only tensor the group makes visible */
    prog_loop loops[PROG_MAX_LOOPS];
    int nloops;
    int order[PROG_MAX_LOOPS]; /* loop indices, outermost first */
    int red;                  /* the reduction loop, or -1 */
    int64_t ntiles;           /* product of counts; 0 for GK_ALIAS */
    prog_op *ops;
    int nops;
    prog_buffer *bufs;
    int nbufs;
    prog_dep *deps;
    int ndeps;
    prog_pred *preds;
    int npreds;
    group_params par;
    tiling_report rep;
} prog_group;

typedef struct program {
    const graph *g;  /* borrowed */
    const target *t; /* borrowed */
    prog_tensor *tensors;
    int ntensors;
    prog_group *groups;
    int ngroups;
    int *group_of_node; /* per graph node */
    /* Totals over groups. */
    int64_t est_cycles, seq_cycles, macs, bytes_loaded, bytes_stored, min_bytes;
    /* Names and data of constants made by lowering (owned). */
    void **owned;
    int nowned;
} program;

/* Lowers a checked graph (graph_check succeeded) for target t. On success
 * *out is a new program that borrows g and t. NNP_INFEASIBLE when a layer
 * cannot fit even its smallest tile: the message names the layer, the pool
 * and the bytes needed vs available. */
int lower_program(const graph *g, const target *t, program **out, nnp_err *e);
/* NULL-safe. */
void program_free(program *p);

/* Tile geometry (tile.c). */

/* Per-loop tile indices of tile t (idx[loop], loop in 0..nloops-1). */
void prog_tile_index(const prog_group *gr, int64_t t, int64_t *idx);
/* The positions [lo, hi) of loop l covered by its tile index i. */
void prog_loop_range(const prog_group *gr, int l, int64_t i, int64_t *lo, int64_t *hi);
/* 1 when op works in tile t (t % period == phase). */
int prog_op_active(const prog_op *op, int64_t t);
/* The box op (index into gr->ops) moves or computes in tile t. */
int prog_op_region(const program *p, int g, int op, int64_t t, region *r, nnp_err *e);
/* The last tile of pred's producer group that tile t of group g needs
 * (producer tiles complete in order); -1 if it needs none. */
int64_t prog_pred_tile(const program *p, int g, int pred, int64_t t);

/* Exact per-tile costs (cost.c): 0 for a tile where the op is skipped.
 * Work is in the unit's terms (bytes, MACs or elements); a compute op's
 * work includes its epilogue elements, prog_op_macs_at only the MACs. */
int64_t prog_op_work_at(const program *p, int g, int op, int64_t t);
int64_t prog_op_macs_at(const program *p, int g, int op, int64_t t);
int64_t prog_op_bytes_at(const program *p, int g, int op, int64_t t);
int64_t prog_op_cycles_at(const program *p, int g, int op, int64_t t);

/* Linear tile index of per-loop indices (the inverse of prog_tile_index). */
int64_t prog_tile_linear(const prog_group *gr, const int64_t *idx);

/* Names for messages and dumps. */
const char *group_kind_name(group_kind k);
const char *pop_kind_name(pop_kind k);
const char *dep_kind_name(dep_kind k);

/* ---- Between the files of the lowering pass; not for other passes. ---- */

/* fuse.c: which nodes share a group. Nodes are referred to by index. */
typedef struct fused_group {
    group_kind kind;
    int anchor;                /* Conv, Gemm, MatMul, or the lone node */
    int bn;                    /* BatchNormalization folded into the Conv, -1 */
    int epi[PROG_MAX_EPI];     /* activations and skip binary ops, in order */
    int nepi;
    int pool;                  /* MaxPool/AveragePool fused after a Conv, -1 */
    int last;                  /* node producing the group's output */
} fused_group;
/* Groups for every node of a checked graph, in an order where each group
 * comes after the groups producing its inputs. *out is caller-freed. */
int fuse_nodes(const graph *g, fused_group **out, int *n, nnp_err *e);

/* tile.c */
void tile_region_idx(const program *p, const prog_group *gr, int op, const int64_t *idx,
                     region *r);
/* Chooses loop tiles and order for gr (whose loops, ops and buffers lower.c
 * has built with tile = extent), sets periods, buffer sizes and the
 * report; NNP_INFEASIBLE when nothing fits. */
int tile_choose(program *p, prog_group *gr, nnp_err *e);

/* Tiles of a group fall into few classes: along each loop, indices whose
 * regions have the same extents (and the same first/last flags) cost the
 * same. rep[l][c] is a representative index of class c of loop l, mult the
 * number of indices it stands for. */
typedef struct tile_classes {
    int n[PROG_MAX_LOOPS];
    int64_t *rep[PROG_MAX_LOOPS], *mult[PROG_MAX_LOOPS];
    unsigned *deps;            /* per op: bit l set when its region varies along loop l */
} tile_classes;
int tile_classes_build(const program *p, const prog_group *gr, tile_classes *c, nnp_err *e);
void tile_classes_free(tile_classes *c);

/* cost.c */
/* Walks every class of tiles once: sets each op's worst-case and total
 * work/cycles/bytes, each buffer's box, the report's cycle estimates and
 * byte counts. */
int cost_evaluate(const program *p, prog_group *gr, const tile_classes *c, nnp_err *e);

#endif
