/* Target descriptions: the hardware a program is lowered for.
 *
 * A target is a handful of named units (DMA engines, a MAC array, a vector
 * unit, a scalar core), each with an instance count, a throughput, a fixed
 * per-op latency and whether it is pipelined, plus local memory: one
 * unified buffer or, as on VTA-like NPUs, separate input / weight / output
 * (accumulator) buffers. It is read from JSON (samples/targets/);
 * when no file is given the built-in default, identical to
 * samples/targets/npu.json, is used.
 *
 * Costs follow one rule everywhere (DESIGN-NOTES section 2): an op of
 * `work` units on unit u takes u.latency + ceil(work / u.throughput)
 * cycles. Work is bytes for DMA, multiply-accumulates for the MAC array
 * and elements for vector and scalar units (a MAC on a vector or scalar
 * unit counts as one element). A pipelined unit overlaps the fixed latency
 * of consecutive ops, so it is busy only for the throughput-bound part; an
 * unpipelined one is busy for the whole duration. */
#ifndef NNPIPE_TARGET_H
#define NNPIPE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef enum unit_kind {
    UNIT_DMA_IN,  /* main memory -> local memory */
    UNIT_DMA_OUT, /* local memory -> main memory */
    UNIT_DMA,     /* both directions */
    UNIT_MAC,     /* multiply-accumulate array: Conv, Gemm, MatMul */
    UNIT_VECTOR,  /* elementwise, pooling, reductions */
    UNIT_SCALAR,  /* does anything, slowly */
    UNIT_KIND_COUNT
} unit_kind;

/* What an op needs a unit for; target_unit_for maps a role to a unit with
 * the fallbacks described there. */
typedef enum unit_role { ROLE_LOAD, ROLE_STORE, ROLE_MAC, ROLE_VECTOR, ROLE_COUNT } unit_role;

/* Local-memory pools. A target with separate buffers has input, weight and
 * output capacities; otherwise everything comes from POOL_UNIFIED. */
typedef enum mem_pool { POOL_UNIFIED, POOL_INPUT, POOL_WEIGHT, POOL_OUTPUT, POOL_COUNT } mem_pool;

typedef struct target_unit {
    char *name;
    unit_kind kind;
    int count;         /* identical instances */
    double throughput; /* bytes/cycle (DMA), MACs/cycle (mac), elements/cycle (vector, scalar) */
    int64_t latency;   /* fixed cycles per op */
    int pipelined;
} target_unit;

typedef struct target {
    char *name;
    char *description;  /* may be "" */
    double clock_mhz;
    target_unit *units;
    int nunits;
    int64_t mem_bytes;  /* total local memory */
    int separate;       /* 1: input/weight/output buffers are separate pools */
    int64_t pool_bytes[POOL_COUNT]; /* capacity per pool; [POOL_UNIFIED] == mem_bytes */
    int64_t align;      /* every buffer allocation is rounded up to this (power of two) */
    int role_unit[ROLE_COUNT]; /* target_unit_for, resolved once when the target is read */
} target;

/* The built-in default target's JSON text (byte for byte the file
 * samples/targets/npu.json) and the name that labels it in messages. */
extern const char target_default_json[];
#define TARGET_DEFAULT_LABEL "<built-in npu>"

/* Parses a target from JSON text; label (usually the file path) prefixes
 * every message, e.g. "npu.json: units[2].throughput: must be > 0", and bad
 * JSON is reported as "LABEL:LINE:COL: ...". On success *out is a new
 * target the caller frees with target_free. */
int target_parse(const char *text, size_t len, const char *label, target **out, nnp_err *e);
/* Reads and parses the file at path (the label is the path). */
int target_load(const char *path, target **out, nnp_err *e);
/* The built-in default target (npu). */
int target_default(target **out, nnp_err *e);
/* NULL-safe. */
void target_free(target *t);

/* Index into t->units of the unit serving role: loads use the first
 * dma_in unit, else the first dma; stores the first dma_out, else dma.
 * ROLE_MAC prefers mac, then vector, then scalar; ROLE_VECTOR prefers
 * vector, then scalar, then mac. A parsed target always has all four. */
int target_unit_for(const target *t, unit_role role);

/* Cycles for an op of `work` units on u: latency + ceil(work / throughput);
 * 0 work still pays the latency. Saturates at INT64_MAX. */
int64_t unit_cycles(const target_unit *u, int64_t work);
/* Cycles u is occupied by such an op: the whole duration, or only the
 * throughput-bound part (at least 1) when u is pipelined. */
int64_t unit_busy(const target_unit *u, int64_t work);

/* Capacity of pool p: its own size on a target with separate buffers,
 * else (any p) the unified memory. */
int64_t target_capacity(const target *t, mem_pool p);
/* The pool a buffer meant for p really comes from: p itself with separate
 * buffers, else POOL_UNIFIED. */
mem_pool target_pool(const target *t, mem_pool p);
/* n rounded up to the target's alignment; -1 on overflow. */
int64_t target_align(const target *t, int64_t n);

const char *unit_kind_name(unit_kind k);
const char *mem_pool_name(mem_pool p);

#endif
