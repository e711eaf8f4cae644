/* Between the files of the C backend (emit_c*.c); not for other passes.
 *
 * One `cgen` carries everything the files share while a plan is emitted:
 * the memory layout (emit_c_layout.c), the region tables (emit_c_tables.c)
 * and the runtime helpers the kernels asked for, so the driver can emit
 * only the helpers a model uses (an unused static function is a warning
 * under -Wall -Werror). */
#ifndef NNPIPE_EMIT_C_IMPL_H
#define NNPIPE_EMIT_C_IMPL_H

#include "emit_c.h"

/* Runtime helpers (emit_c_runtime.c) a model needs, as bits. The math
 * helpers are found by name in the generated code (cg_uses). */
enum {
    RT_EXP = 1u << 0,      /* nnp_expf: Sigmoid, Softmax, Exp, Elu, Selu */
    RT_SQRT = 1u << 1,     /* nnp_sqrtf: Sqrt, BatchNormalization with computed parameters */
    RT_MOVE = 1u << 2,     /* the DMA macros, nnp_move/pad/load/store: any tile loop */
    RT_EXPD = 1u << 3,     /* nnp_expd: e^x in double, under nnp_expf, tanh and softplus */
    RT_LOGD = 1u << 4,     /* nnp_logd: ln x in double */
    RT_LOG = 1u << 5,      /* nnp_logf: Log */
    RT_LOG1PD = 1u << 6,   /* nnp_log1pd: ln(1 + y) in double */
    RT_SOFTPLUS = 1u << 7, /* nnp_softplusf: Softplus */
    RT_TANH = 1u << 8,     /* nnp_tanhf: Tanh */
};

/* Where a main-memory tensor's data lives in the generated code. */
typedef enum c_storage {
    CS_NONE,   /* not in main memory (on chip, or unused) */
    CS_INPUT,  /* the caller's input pointer in<index> */
    CS_OUTPUT, /* the caller's output pointer out<index>, stored into directly */
    CS_ARENA,  /* the activation arena at `offset` bytes */
    CS_CONST,  /* a weight array */
    CS_ALIAS   /* the storage of tensor `root` */
} c_storage;

typedef struct c_tensor {
    c_storage how;
    int index;      /* CS_INPUT/CS_OUTPUT: graph input/output index */
    int root;       /* the tensor owning the storage (itself unless an alias) */
    int64_t offset; /* CS_ARENA: bytes into the arena */
    int used;       /* CS_CONST: some load or graph output reads it */
    int transposed; /* a constant also emitted with its last two dims swapped (WT<t>) */
} c_tensor;

/* One buffer of a group: its copies are contiguous at `offset`. */
typedef struct c_buf {
    int64_t offset;      /* bytes from the scratch start */
    int64_t stride;      /* bytes between copies (the buffer's aligned size) */
    int copies;          /* rotating copies the plan chose */
    int64_t period;      /* tiles between generations (plan_buffer_period) */
    int64_t first;       /* tile of the first generation */
    int load_chan;       /* DMA channel of copy 0 when a load fills it, else -1 */
    int store_chan;      /* DMA channel of copy 0 for the store reading it, else -1 */
} c_buf;

/* How an op's per-tile region rows are tabled. */
typedef enum c_tab_kind {
    TAB_CONST,   /* one row for every tile */
    TAB_DIRECT,  /* one row per tile, indexed by the tile */
    TAB_INDEXED  /* distinct rows, and an index per tile */
} c_tab_kind;

typedef struct c_table {
    c_tab_kind kind;
    int width;       /* int32 values per row: lo, hi, clo, chi of each dim */
    int64_t rows;    /* distinct rows */
    int64_t *index;  /* TAB_INDEXED: the row of each tile (owned) */
    int used;        /* some emitted code reads it (set while emitting code) */
} c_table;

typedef struct c_group {
    c_buf *bufs;
    c_table *tabs;   /* per op */
    int nchan;       /* DMA channels its copies use */
    int bt_op;       /* Gemm with transB and constant B: its load, which reads B^T (WT<t>) so
                        the kernel streams rows; -1 otherwise */
} c_group;

typedef struct cgen {
    const plan *pl;
    const program *p;
    const emit_c_options *o;
    c_group *groups;
    c_tensor *tensors;
    int64_t pool_base[POOL_COUNT], pool_used[POOL_COUNT];
    int64_t scratch_bytes; /* every pool section */
    int64_t arena_bytes;   /* activations between groups */
    int max_chan;
    char *dims_used;       /* per tensor: 1 a load or store names its shape (D<t>), 2 its
                              transposed shape (DT<t>) */
    int64_t bin_len;       /* bytes of the side weights file */
    unsigned features;     /* RT_* */
    nnp_err *e;
} cgen;

/* Where an op instance is being emitted: group g at tile `t`, a C
 * expression, or the constant tconst when the tile is known (>= 0). */
typedef struct cg_site {
    int g;
    int64_t tconst;
} cg_site;

/* emit_c_layout.c */
int cg_layout(cgen *cg);
void cg_layout_free(cgen *cg);
/* A comment listing every buffer copy's offset and the arena. */
void cg_layout_comment(const cgen *cg, strbuf *out);
/* The C expression of tensor t's storage ("in0", "out1", "NAME_arena + 12", "W5"). */
void cg_tensor_expr(const cgen *cg, int t, char *buf, size_t len);
/* The copy of buffer b that tile `t` of the site uses, as an expression
 * (a number when the tile is known). */
void cg_copy_expr(const cgen *cg, const cg_site *s, int b, char *buf, size_t len);
/* A pointer expression to that copy: "S + 112 + 448 * (copy)". */
void cg_buf_expr(const cgen *cg, const cg_site *s, int b, char *buf, size_t len);

/* emit_c_tables.c */
/* Builds the region tables of every op of group g (c_table), keeping the
 * rows in *rows (per op, caller frees with cg_tables_free). */
typedef struct cg_rows {
    int32_t **v; /* per op: rows x width values */
    int nops;
} cg_rows;
int cg_tables(cgen *cg, int g, cg_rows *rows);
/* Writes the tables that emitted code marked used. */
void cg_tables_emit(const cgen *cg, int g, const cg_rows *rows, strbuf *out);
void cg_tables_free(cg_rows *rows);
/* A pointer to op's region row at the site's tile. */
void cg_row_expr(const cgen *cg, const cg_site *s, int op, char *buf, size_t len);

/* emit_c_kernels.c */
/* Emits the compute (and fused pool) kernel functions of group g. */
int cg_kernels(cgen *cg, int g, strbuf *out);
/* Writes the call of compute/pool op `op` at the site as statements. */
void cg_kernel_call(const cgen *cg, const cg_site *s, int op, strbuf *out);
/* The first op of kind k with argument arg in group gr, or -1. */
int cg_op_by_kind(const prog_group *gr, pop_kind k, int arg);

/* Pieces the kernel emitters share (emit_c_kernels.c). */
void cg_kernel_name(const cgen *cg, int g, int op, char *buf, size_t len);
const prog_tensor *cg_op_tensor(const cgen *cg, const prog_group *gr, int op);
/* sum of vars[a] * P_a over the axes of mask in [from, to), or "0". */
void cg_bcast_index(char *buf, size_t len, const char *P, unsigned mask, const char *const *vars,
                    int from, int to);
/* The value of activation `act` with parameters a, b at the element
 * expression x, as C (its activation table row's c_expr). */
void cg_act_expr(op_kind act, const char *x, float a, float b, strbuf *out);
/* The statements applying the group's epilogue to `v` (skip[k]: the
 * element of epilogue step k's skip operand). */
void cg_epilogue(cgen *cg, const prog_group *gr, strbuf *out, const char *ind, char skip[][256]);
/* Parameters of the skip operands, and the strides of skip k over an
 * output box of rank ro (declared as s<k>_<axis>; returns the axes). */
void cg_skip_params(const prog_group *gr, strbuf *out);
unsigned cg_skip_decl(const cgen *cg, const prog_group *gr, strbuf *out, int k, int ro);
/* ", buffer", ", row", the skips' pairs, ", first, last" of a call. */
void cg_arg_buf(const cgen *cg, const cg_site *s, int op, strbuf *out);
void cg_arg_row(const cgen *cg, const cg_site *s, int op, strbuf *out);
void cg_arg_skips(const cgen *cg, const cg_site *s, const prog_group *gr, strbuf *out);
void cg_arg_flags(const cgen *cg, const cg_site *s, strbuf *out);

/* emit_c_conv.c: the blocked direct convolution of GK_CONV groups. */
int cg_conv_kernel(cgen *cg, int g, int op, strbuf *out);

/* emit_c_whole.c: reference kernels of GK_WHOLE groups. */
int cg_whole_kernel(cgen *cg, int g, int op, strbuf *out);
void cg_whole_call(const cgen *cg, const cg_site *s, int op, strbuf *out);

/* emit_c_loop.c: the group's function, its loop expanded from the plan. */
int cg_group(cgen *cg, int g, strbuf *out);
/* The statement calling group g's function from the run function. */
void cg_group_call(const cgen *cg, int g, strbuf *out);

/* emit_c_runtime.c */
void cg_runtime(const cgen *cg, strbuf *out);
/* Marks the math helpers that code names (nnp_expf, nnp_tanhf, ...), so
 * cg_runtime writes them and the helpers they call. */
void cg_uses(cgen *cg, const char *code);

/* emit_c_weights.c: the constant arrays (or the side file and its loader). */
int cg_weights(cgen *cg, strbuf *src, strbuf *bin);

/* Small text helpers (emit_c.c). */
/* Copies s into buf so it is safe inside a C comment. */
const char *cg_comment_safe(const char *s, char *buf, size_t len);
/* A float as an exact C constant: hex float, INFINITY or NAN. */
const char *cg_float(float v, char *buf, size_t len);
/* 1 when text mentions the identifier id (not as part of a longer one). */
int cg_mentions(const char *text, const char *id);
/* Writes the C expression tmpl with every identifier names[k] replaced by
 * vals[k] (in parentheses unless it is one token: a name or an unsigned
 * literal); numbers are copied whole, so the f of 1.0f is never taken for
 * a name. */
void cg_subst(const char *tmpl, const char *const *names, const char *const *vals, int n,
              strbuf *out);
/* Group function / kernel names: "g3_conv1". */
const char *cg_group_name(const cgen *cg, int g, char *buf, size_t len);

#endif
