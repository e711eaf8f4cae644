/* The C backend: a modulo plan of a tiled program as portable C99.
 *
 * emit_c writes three texts into memory (the caller decides where they go,
 * so a failure never leaves a partial file):
 *  - the header: `int NAME_run(const float *in0, ..., float *out0, ...)`
 *    in graph input/output order, shapes and sizes as macros, the scratch
 *    and activation sizes, a comment with MACs and schedule statistics;
 *  - the source: self-contained C99 that needs only the C standard library
 *    headers (no libm): weights as static const arrays written as exact hex
 *    floats (or loaded from the side file), one static scratch array that
 *    models local memory, activations in static arrays, and each tile loop
 *    expanded from its modulo schedule as preamble / prologue / kernel loop
 *    / epilogue, with data movement through the NNPIPE_DMA_* macros;
 *  - with weights_file, the weights as raw little-endian float32 for
 *    NAME_load_weights.
 *
 * The files of the backend, one concept each: emit_c.c (this driver: the
 * header, the run function, main), emit_c_layout.c (scratch offsets, DMA
 * channels, main-memory storage), emit_c_tables.c (per-tile region tables),
 * emit_c_loop.c (the pipelined loop expansion and its reservation table),
 * emit_c_kernels.c (compute kernels per group kind), emit_c_conv.c (the
 * blocked direct convolution), emit_c_whole.c (reference kernels for
 * GK_WHOLE groups), emit_c_runtime.c (the fixed helpers: DMA macros, box
 * moves, exp), emit_c_weights.c (constants). */
#ifndef NNPIPE_EMIT_C_H
#define NNPIPE_EMIT_C_H

#include "plan.h"

typedef struct emit_c_options {
    const char *name;       /* prefix of every exported symbol; a C identifier */
    const char *header;     /* how the source includes the header, e.g. "model.h" */
    int weights_file;       /* 1: constants go to the .bin text, not the source */
    const char *bin_path;   /* weights_file: the path main() loads by default */
    int with_main;          /* add main(): raw float32 files in, raw float32 files out */
    const char *model_label; /* the model's path, for comments (may be NULL) */
} emit_c_options;

typedef struct emit_c_files {
    strbuf c, h, bin; /* bin is empty unless weights_file */
} emit_c_files;

/* Emits pl (a PLAN_MODULO plan) as C. On success out holds the texts; the
 * caller frees them with emit_c_files_free (also after a failure).
 * NNP_INFEASIBLE when the buffers of loops the plan overlaps in time do
 * not fit side by side in local memory (emit_c_program then retries with
 * loops one after another); NNP_UNSUPPORTED for other plan kinds. */
int emit_c(const plan *pl, const emit_c_options *o, emit_c_files *out, nnp_err *e);
void emit_c_files_free(emit_c_files *f);

/* Plans p with the modulo scheduler (po, NULL: defaults), verifies the
 * plan, and emits it; when the loops' buffers cannot be laid out side by
 * side, plans again without overlapping loops. *used (may be NULL)
 * receives 1 when that fallback was taken. */
int emit_c_program(const program *p, const plan_options *po, const emit_c_options *o,
                   emit_c_files *out, int *used, nnp_err *e);

/* 1 when s is usable as a C identifier prefix ([A-Za-z_][A-Za-z0-9_]*, at
 * most 64 characters). */
int emit_c_valid_name(const char *s);

#endif
