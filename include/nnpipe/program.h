/* nnp_program: a model lowered for a target. Include <nnpipe/nnpipe.h>
 * rather than this file; the rules there apply.
 *
 * Lowering splits every layer into tiles that fit the target's local
 * memory. A program is a list of groups in execution order; a group is one
 * loop over the tiles of a layer and the neighbours fused into it (a Conv
 * with its bias, folded BatchNormalization, activations, a skip Add, a
 * following pool). Every tile runs the same body of ops (loads, compute,
 * pool, store) on the group's buffers; an op does work only in tiles where
 * tile % period == phase (a weight load whose data does not change is
 * skipped and its buffer keeps the data). Tiles walk a loop nest (tile
 * loops, outermost first); the reduction loop, if any, is innermost and
 * keeps partial sums on chip.
 *
 * Indices: groups, and within a group its tile loops, ops, buffers and
 * dependences, all count from 0. Node and tensor indices are the model's.
 * A program keeps its model and target alive as long as it lives. */
#ifndef NNPIPE_PROGRAM_API_H
#define NNPIPE_PROGRAM_API_H

#include <stddef.h>
#include <stdint.h>

#include <nnpipe/status.h>
#include <nnpipe/model.h>
#include <nnpipe/sink.h>
#include <nnpipe/target.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnp_program nnp_program;

/* Lowers the checked model m for target t. On success *out is a new
 * program; m and t are only read (see nnpipe.h on threads), and may be
 * closed before the program. Errors, with the message in *out:
 * NNP_INFEASIBLE (a layer cannot fit even its smallest tile: the message
 * names the layer, the pool and the bytes needed and available),
 * NNP_UNSUPPORTED, NNP_LIMIT, NNP_NOMEM, NNP_MISUSE (NULL or error-state
 * handles, an unchecked model). See nnpipe.h for what *out holds on
 * failure. The caller closes *out. */
NNP_API int nnp_program_lower(nnp_model *m, nnp_target *t, nnp_program **out);

/* Releases the caller's program. Schedules made from it keep it (and its
 * model and target) alive until they are closed; the handle itself must not
 * be used again. NULL-safe. */
NNP_API void nnp_program_close(nnp_program *p);

/* The message and status of the last failed call on p, as for models. */
NNP_API const char *nnp_program_errmsg(const nnp_program *p);
NNP_API int nnp_program_errcode(const nnp_program *p);

/* Groups; 0 for NULL or a program in error state. */
NNP_API int nnp_program_group_count(const nnp_program *p);

typedef struct nnp_program_desc {
    int group_count;
    int64_t macs;          /* useful multiply-accumulates */
    int64_t est_cycles;    /* sum over groups of each group's pipelined estimate */
    int64_t seq_cycles;    /* every op of every tile one after another */
    int64_t bytes_loaded, bytes_stored;
    int64_t min_bytes;     /* every input, weight and output moved exactly once */
} nnp_program_desc;

/* Totals over the program's groups. */
NNP_API int nnp_program_describe(nnp_program *p, nnp_program_desc *out);

typedef enum nnp_group_kind {
    NNP_GROUP_CONV,       /* 2-D Conv (+bias, BN, activations, broadcast binary ops) (+pool) */
    NNP_GROUP_POOL,       /* 2-D MaxPool or AveragePool */
    NNP_GROUP_GLOBALPOOL, /* GlobalAveragePool, GlobalMaxPool */
    NNP_GROUP_GEMM,       /* Gemm, MatMul (+activations, broadcast binary ops) */
    NNP_GROUP_ELTWISE,    /* an elementwise op on its own */
    NNP_GROUP_CONCAT,
    NNP_GROUP_SOFTMAX,
    NNP_GROUP_ALIAS,      /* Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout, a
                           * Transpose that moves only dims of 1: no ops, no tiles */
    NNP_GROUP_WHOLE,      /* anything else: one tile holding whole tensors */
    NNP_GROUP_TRANSPOSE   /* Transpose, tiled over its output */
} nnp_group_kind;

typedef struct nnp_group_desc {
    const char *name;         /* the label of the node the group is built around */
    nnp_group_kind kind;
    const char *kind_name;    /* "conv", "pool", ... */
    int node_count;
    const int *nodes;         /* the model nodes fused into it, in model order */
    int output_tensor;        /* the model tensor it produces */
    int loop_count, op_count, buffer_count, dep_count;
    int64_t tile_count;       /* product of the loops' counts; 0 for an alias group */
    /* The tiling's report: estimates, traffic and memory. */
    int64_t est_cycles;       /* pipelined: per-tile max stage plus fill and drain */
    int64_t seq_cycles;       /* every op of every tile one after another */
    int64_t macs, recompute_macs;
    int64_t bytes_loaded, bytes_stored, min_bytes;
    int64_t halo_bytes;       /* input bytes loaded more than once (halos, re-reads) */
    int64_t reload_bytes;     /* weight and bias bytes loaded more than once */
    int64_t working_set[NNP_POOL_COUNT]; /* bytes live at once per pool */
    int64_t candidates;       /* tilings considered */
    const char *why;          /* one line: the tiling chosen and the runner-up */
} nnp_group_desc;

/* Describes group g (arrays and strings owned by p). NNP_MISUSE when g is
 * out of range. */
NNP_API int nnp_program_group(nnp_program *p, int g, nnp_group_desc *out);
/* The group that model node `node` was lowered into. */
NNP_API int nnp_program_group_of_node(nnp_program *p, int node, int *group);

typedef struct nnp_tile_loop_desc {
    const char *name;   /* "oc", "oh", "ow", "ic", "m", "k", "d0", ... */
    int64_t extent;     /* positions walked */
    int64_t tile;       /* positions per tile (the last tile may be shorter) */
    int64_t count;      /* ceil(extent / tile) */
    int axis;           /* axis of the group's output tensor; -1 for the reduction loop */
    int reduction;      /* 1 for the reduction loop (always innermost) */
} nnp_tile_loop_desc;

/* Tile loop k of group g in nesting order: k = 0 is the outermost. */
NNP_API int nnp_program_tile_loop(nnp_program *p, int g, int k, nnp_tile_loop_desc *out);

typedef enum nnp_op_kind {
    NNP_OP_LOAD_INPUT,  /* an activation */
    NNP_OP_LOAD_WEIGHT, /* weights or another constant operand */
    NNP_OP_LOAD_BIAS,
    NNP_OP_LOAD_SKIP,   /* the other operand of a fused Add */
    NNP_OP_COMPUTE,     /* the layer's arithmetic, epilogue included */
    NNP_OP_POOL,        /* a fused pool reading the compute op's buffer on chip */
    NNP_OP_STORE
} nnp_op_kind;

typedef struct nnp_op_desc {
    const char *name;
    nnp_op_kind kind;
    const char *kind_name;  /* "load-input", "compute", ... */
    int unit;               /* index of the target unit it runs on */
    const char *unit_name;
    const char *tensor;     /* the tensor it moves or computes */
    int64_t period, phase;  /* works in tile t iff t % period == phase */
    /* The worst case over the tiles where it works: work in the unit's
     * terms (bytes, MACs or elements), cycles it takes, cycles it keeps
     * its unit busy, bytes it moves. */
    int64_t work, cycles, busy, bytes;
    /* Sums over all tiles. */
    int64_t total_work, total_cycles, total_bytes;
    int input_count;
    const int *inputs;      /* buffers it reads */
    int output;             /* the buffer it writes, -1 for a store */
} nnp_op_desc;

/* Op k of group g's body (strings and arrays owned by p). */
NNP_API int nnp_program_op(nnp_program *p, int g, int k, nnp_op_desc *out);

typedef struct nnp_op_tile_desc {
    int active;             /* 0 when the op skips this tile (everything below is 0) */
    int64_t work, macs, bytes, cycles;
} nnp_op_tile_desc;

/* The exact cost of op k of group g in tile `tile` (0 <= tile < the
 * group's tile_count). */
NNP_API int nnp_program_op_tile(nnp_program *p, int g, int k, int64_t tile,
                                nnp_op_tile_desc *out);

typedef struct nnp_buffer_desc {
    const char *name;
    nnp_pool pool;          /* the pool it is allocated from */
    const char *pool_name;
    int rank;
    int64_t dims[NNP_MAX_RANK]; /* the largest box over all tiles */
    int64_t elems;          /* float32 elements of that box */
    int64_t bytes;          /* one copy, rounded up to the target's alignment */
    int copies;             /* rotating copies: 2 double-buffered, 1 resident */
    int producer;           /* the op writing it */
    int reader_count;
    const int *readers;     /* the ops reading it */
} nnp_buffer_desc;

/* Buffer k of group g. */
NNP_API int nnp_program_buffer(nnp_program *p, int g, int k, nnp_buffer_desc *out);

typedef enum nnp_dep_kind {
    NNP_DEP_DATA, /* from writes a buffer that to reads, in the same tile */
    NNP_DEP_ACC,  /* partial sums carried to the next reduction step */
    NNP_DEP_WAR   /* to may overwrite a buffer copy only after from read it */
} nnp_dep_kind;

/* start(to) + distance * II >= start(from) + latency, between ops of one
 * group's body, distance counted in tiles. */
typedef struct nnp_dep_desc {
    int from, to;
    int64_t distance, latency;
    nnp_dep_kind kind;
    int buffer;
} nnp_dep_desc;

/* Dependence k of group g. */
NNP_API int nnp_program_dep(nnp_program *p, int g, int k, nnp_dep_desc *out);

/* ---- Reports ---- */

/* Writes a report of p to out, in format:
 *   "text"  the target's local memory, unit count and clock; per group the
 *           fused nodes, the output tensor and its shape (for an alias
 *           group, the tensor it aliases), the tile loops (outermost
 *           first), the tiling chosen and the runner-up, each op's unit,
 *           period, cycles and bytes (worst tile and total), the buffers
 *           with their copies and pools, the working set against each
 *           pool's capacity, the bytes moved against the minimum and the
 *           cycle estimates; then the totals (what `nnpipe lower` prints);
 *   "json"  one object {"target", "groups", "totals"}: per group its kind,
 *           output, nodes, tiles, loops, ops, buffers, working set, tiling
 *           choice and the numbers of the text, then the totals.
 * The text is made in memory first, so nothing is written when making it
 * fails. Errors: NNP_MISUSE (unknown format: the message lists the known
 * ones; NULL or error-state p, NULL sink write), NNP_NOMEM, NNP_IO (the
 * sink returned non-zero). */
NNP_API int nnp_program_emit(nnp_program *p, const char *format, nnp_sink out);

#ifdef __cplusplus
}
#endif

#endif
