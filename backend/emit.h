/* Text emitters of a plan: one function per output format, all writing
 * into a strbuf so the caller decides where it goes (stdout, a file written
 * atomically, a callback of the public API).
 *
 * The formats are rows of emit_formats[]; `nnpipe schedule --format F` and
 * nnp_emit look them up by name. */
#ifndef NNPIPE_EMIT_H
#define NNPIPE_EMIT_H

#include "plan.h"

typedef struct emit_options {
    int width;            /* terminal columns for gantt (0: 100) */
    int color;            /* 1: ANSI colours */
    int64_t from, to;     /* gantt/svg: cycle window; to <= 0 means the makespan */
    int verified;         /* summary: 1 verified ok, 0 not checked */
} emit_options;

typedef int (*emit_fn)(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);

typedef struct emit_format {
    const char *name;
    emit_fn emit;
    const char *summary;
} emit_format;

/* Ends with a row whose name is NULL. */
extern const emit_format emit_formats[];
const emit_format *emit_format_find(const char *name);

int emit_summary(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);
int emit_schedule_json(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);
int emit_table(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);
int emit_gantt(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);
int emit_trace(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);
int emit_svg(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);
int emit_dot(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e);

/* Cycles as a short human string, e.g. "12,345"; buf of >= 32 bytes. */
const char *emit_cycles(int64_t c, char *buf);
/* A display label for an instance: "<op name> t<tile>". */
const char *emit_inst_label(const plan *pl, const plan_inst *in, char *buf, size_t len);

#endif
