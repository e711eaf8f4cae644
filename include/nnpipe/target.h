/* nnp_target: the hardware a model is lowered for. Include
 * <nnpipe/nnpipe.h> rather than this file; the rules there apply.
 *
 * A target is a few named units (DMA engines, a MAC array, a vector unit, a
 * scalar core), each with identical instances, a throughput, a fixed per-op
 * latency and whether it is pipelined, plus local memory: one unified
 * buffer, or separate input / weight / output buffers. An op of `work`
 * units takes latency + ceil(work / throughput) cycles; work is bytes for
 * DMA, MACs for the MAC array, elements for vector and scalar units. Targets
 * are JSON files (samples/targets/ has examples); the built-in default is
 * an edge NPU identical to samples/targets/npu.json. */
#ifndef NNPIPE_TARGET_API_H
#define NNPIPE_TARGET_API_H

#include <stddef.h>
#include <stdint.h>

#include <nnpipe/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnp_target nnp_target;

typedef enum nnp_unit_kind {
    NNP_UNIT_DMA_IN,  /* main memory -> local memory */
    NNP_UNIT_DMA_OUT, /* local memory -> main memory */
    NNP_UNIT_DMA,     /* both directions */
    NNP_UNIT_MAC,     /* multiply-accumulate array */
    NNP_UNIT_VECTOR,  /* elementwise work, pooling, reductions */
    NNP_UNIT_SCALAR   /* does anything, slowly */
} nnp_unit_kind;

/* Local-memory pools: a unified target has only NNP_POOL_UNIFIED. */
typedef enum nnp_pool {
    NNP_POOL_UNIFIED,
    NNP_POOL_INPUT,
    NNP_POOL_WEIGHT,
    NNP_POOL_OUTPUT,
    NNP_POOL_COUNT
} nnp_pool;

/* Reads the target JSON file at path. On success *out is a new target.
 * Errors: NNP_IO (unreadable file), NNP_INVALID (bad JSON, reported as
 * "PATH:LINE:COL: ...", or a bad field: "PATH: units[2].throughput: must be
 * > 0"), NNP_NOMEM, NNP_MISUSE (NULL path or out). See nnpipe.h for what
 * *out holds on failure. The caller closes *out. */
NNP_API int nnp_target_open(const char *path, nnp_target **out);
/* The same from len bytes of JSON text (not kept); name labels messages
 * (NULL: "<memory>"). */
NNP_API int nnp_target_open_buffer(const char *text, size_t len, const char *name,
                                   nnp_target **out);
/* The built-in default target ("npu"). Errors: NNP_NOMEM. */
NNP_API int nnp_target_default(nnp_target **out);

/* Releases the caller's target; programs lowered for it keep it alive until
 * they are closed. The handle must not be used again. NULL-safe. */
NNP_API void nnp_target_close(nnp_target *t);

/* The message and status of the last failed call on t, as for models. */
NNP_API const char *nnp_target_errmsg(const nnp_target *t);
NNP_API int nnp_target_errcode(const nnp_target *t);

typedef struct nnp_target_desc {
    const char *name;
    const char *description;      /* may be "" */
    double clock_mhz;
    int unit_count;
    int64_t mem_bytes;            /* all local memory */
    int separate_pools;           /* 1: input, weight, output pools; 0: one unified pool */
    int64_t pool_bytes[NNP_POOL_COUNT]; /* capacity per pool ([NNP_POOL_UNIFIED] = mem_bytes);
                                           0 for pools the target does not have */
    int64_t align;                /* every buffer is rounded up to this many bytes */
} nnp_target_desc;

/* Describes t (strings owned by t, valid until it is closed). */
NNP_API int nnp_target_describe(nnp_target *t, nnp_target_desc *out);

typedef struct nnp_unit_desc {
    const char *name;
    nnp_unit_kind kind;
    const char *kind_name; /* "dma_in", "mac", ... as in target files */
    int count;             /* identical instances */
    double throughput;     /* bytes, MACs or elements per cycle */
    int64_t latency;       /* fixed cycles per op */
    int pipelined;         /* 1: consecutive ops overlap their latency */
} nnp_unit_desc;

/* Unit u, 0 <= u < unit_count (strings owned by t). NNP_MISUSE when out of
 * range. */
NNP_API int nnp_target_unit(nnp_target *t, int u, nnp_unit_desc *out);

/* Cycles an op of `work` units takes on unit u: latency + ceil(work /
 * throughput). NNP_MISUSE for u out of range or negative work. */
NNP_API int nnp_target_unit_cycles(nnp_target *t, int u, int64_t work, int64_t *cycles);

#ifdef __cplusplus
}
#endif

#endif
