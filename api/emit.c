/* Emitting a schedule through the public API: the text formats of
 * backend/emit.h and the C backend, written to caller sinks.
 *
 * Every emitter fills strbufs first (that is how the backend works), so a
 * failure while making the text writes nothing; only then is the text
 * handed to the sink, in pieces small enough for any callback. A sink that
 * refuses a piece stops the output: the caller learns it from NNP_IO. */
#include <string.h>

#include "emit.h"
#include "emit_c.h"
#include "handles.h"

int nnp_file_write(void *ctx, const char *data, size_t len)
{
    return ctx && fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

nnp_sink nnp_file_sink(FILE *f)
{
    return (nnp_sink){nnp_file_write, f};
}

const char *nnp_emit_format_name(int k)
{
    for (int i = 0; emit_formats[i].name; i++)
        if (i == k)
            return emit_formats[i].name;
    return NULL;
}

const char *nnp_emit_format_summary(int k)
{
    for (int i = 0; emit_formats[i].name; i++)
        if (i == k)
            return emit_formats[i].summary;
    return NULL;
}

void nnp_emit_options_init(nnp_emit_options *o)
{
    if (o)
        memset(o, 0, sizeof *o);
}

void nnp_c_options_init(nnp_c_options *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->name = "model";
    }
}

/* Hands text to the sink piece by piece; what names the text in messages. */
static int drain(nnp_schedule *s, const strbuf *text, nnp_sink out, const char *what)
{
    return api_drain(&s->err, text->s, text->len, out, what);
}

static int known_formats(nnp_schedule *s, const char *format)
{
    strbuf names = {0};
    for (const emit_format *f = emit_formats; f->name; f++)
        sb_printf(&names, "%s%s", f == emit_formats ? "" : ", ", f->name);
    int rc = err_set(&s->err, NNP_MISUSE, "unknown format '%s'; the formats are %s",
                     format ? format : "(null)", names.s ? names.s : "?");
    sb_free(&names);
    return rc;
}

int nnp_schedule_emit(nnp_schedule *s, const char *format, const nnp_emit_options *o,
                      nnp_sink out)
{
    int rc = api_usable(s, s ? s->broken : 1);
    if (rc)
        return rc;
    if (!out.write)
        return err_set(&s->err, NNP_MISUSE, "nnp_schedule_emit: the sink's write is NULL");
    const emit_format *f = format ? emit_format_find(format) : NULL;
    if (!f)
        return known_formats(s, format);
    emit_options eo = {0};
    if (o)
        eo = (emit_options){o->width, o->color, o->from, o->to, 0};
    eo.verified = s->verified;
    strbuf text = {0};
    rc = f->emit(s->pl, &eo, &text, &s->err);
    if (!rc && text.failed)
        rc = err_set(&s->err, NNP_NOMEM, "out of memory writing the %s", f->name);
    if (!rc)
        rc = drain(s, &text, out, f->name);
    sb_free(&text);
    return rc;
}

int nnp_schedule_emit_file(nnp_schedule *s, const char *format, const nnp_emit_options *o,
                           FILE *f)
{
    int rc = api_usable(s, s ? s->broken : 1);
    if (rc)
        return rc;
    if (!f)
        return err_set(&s->err, NNP_MISUSE, "nnp_schedule_emit_file: the FILE is NULL");
    return nnp_schedule_emit(s, format, o, nnp_file_sink(f));
}

/* The C of s into files: from s's own plan, or, when its overlapped loops'
 * buffers cannot sit side by side, from the same schedule made without
 * overlap (*fallback then 1). */
static int make_c(nnp_schedule *s, const emit_c_options *eo, emit_c_files *files, int *fallback)
{
    *fallback = 0;
    int rc = emit_c(s->pl, eo, files, &s->err);
    if (rc == NNP_INFEASIBLE && s->po.overlap_loops) {
        emit_c_files_free(files);
        plan_options po = s->po;
        po.overlap_loops = 0;
        *fallback = 1;
        rc = emit_c_program(s->p->p, &po, eo, files, NULL, &s->err);
    }
    return rc;
}

int nnp_schedule_emit_c(nnp_schedule *s, const nnp_c_options *o, nnp_sink source,
                        nnp_sink header, nnp_sink weights)
{
    int rc = api_usable(s, s ? s->broken : 1);
    if (rc)
        return rc;
    nnp_c_options c;
    nnp_c_options_init(&c);
    if (o)
        c = *o;
    if (!source.write || !header.write || (c.weights_file && !weights.write))
        return err_set(&s->err, NNP_MISUSE, "nnp_schedule_emit_c: a needed sink is NULL");
    char hname[96];
    snprintf(hname, sizeof hname, "%.64s.h", c.name ? c.name : "");
    emit_c_options eo = {c.name, c.header ? c.header : hname, c.weights_file, c.bin_path,
                         c.with_main, s->p->m->label};
    emit_c_files files = {0};
    int fallback;
    rc = make_c(s, &eo, &files, &fallback);
    if (!rc)
        rc = drain(s, &files.c, source, "C source");
    if (!rc)
        rc = drain(s, &files.h, header, "C header");
    if (!rc && c.weights_file)
        rc = drain(s, &files.bin, weights, "weights");
    emit_c_files_free(&files);
    if (!rc) {
        s->c_emitted = 1;
        s->c_fallback = fallback;
    }
    return rc;
}

int nnp_schedule_c_fallback(nnp_schedule *s, int *fallback)
{
    int rc = api_schedule_usable(s, fallback);
    if (rc)
        return rc;
    if (!s->c_emitted)
        return err_set(&s->err, NNP_MISUSE, "nnp_schedule_c_fallback: no C has been written from "
                       "this schedule; call nnp_schedule_emit_c first");
    *fallback = s->c_fallback;
    return NNP_OK;
}

int nnp_c_name_valid(const char *name)
{
    return emit_c_valid_name(name);
}
