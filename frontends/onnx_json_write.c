/* Writing a graph in the ONNX JSON mapping.
 *
 * The layout copies MessageToJson (two-space indent, one value per line,
 * camelCase names, int64s as strings, empty fields left out) so a written
 * model diffs cleanly against one exported by the Python tooling. Tensor
 * data goes out as rawData, which is exact and compact; floats in
 * attributes are printed with the fewest digits that read back to the same
 * float, and NaN/Infinity as the strings the mapping uses for them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "onnx_json.h"
#include "ops.h"

/* A JSON printer that keeps track of commas and indentation. */
typedef struct jw {
    strbuf b;
    int depth;
    int first; /* nothing written yet in the innermost container */
} jw;

static void put_escaped(jw *w, const char *s)
{
    sb_putc(&w->b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            sb_putc(&w->b, '\\');
            sb_putc(&w->b, (char)*p);
        } else if (*p < 0x20) {
            sb_printf(&w->b, "\\u%04x", *p);
        } else {
            sb_putc(&w->b, (char)*p);
        }
    }
    sb_putc(&w->b, '"');
}

/* Starts a value: the comma after the previous one, a new line, and the key
 * when inside an object. */
static void item(jw *w, const char *key)
{
    if (!w->first)
        sb_putc(&w->b, ',');
    w->first = 0;
    sb_printf(&w->b, "\n%*s", 2 * w->depth, "");
    if (key) {
        put_escaped(w, key);
        sb_puts(&w->b, ": ");
    }
}

static void open_(jw *w, const char *key, char c)
{
    if (w->depth > 0)
        item(w, key);
    sb_putc(&w->b, c);
    w->depth++;
    w->first = 1;
}

static void close_(jw *w, char c)
{
    w->depth--;
    if (!w->first)
        sb_printf(&w->b, "\n%*s", 2 * w->depth, "");
    sb_putc(&w->b, c);
    w->first = 0;
}

static void str_field(jw *w, const char *key, const char *s)
{
    item(w, key);
    put_escaped(w, s);
}

static void int64_field(jw *w, const char *key, int64_t v)
{
    item(w, key);
    sb_printf(&w->b, "\"%lld\"", (long long)v);
}

static void number_field(jw *w, const char *key, long long v)
{
    item(w, key);
    sb_printf(&w->b, "%lld", v);
}

/* The shortest %g form that reads back to f. */
static void float_field(jw *w, const char *key, float f)
{
    item(w, key);
    if (isnan(f)) {
        sb_puts(&w->b, "\"NaN\"");
        return;
    }
    if (isinf(f)) {
        sb_puts(&w->b, f > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f)
            break;
    }
    sb_puts(&w->b, buf);
}

static void int64_list(jw *w, const char *key, const int64_t *v, int n)
{
    if (n <= 0)
        return;
    open_(w, key, '[');
    for (int k = 0; k < n; k++)
        int64_field(w, NULL, v[k]);
    close_(w, ']');
}

/* ---- messages --------------------------------------------------------------------- */

static void write_tensor(jw *w, const tensor *t)
{
    open_(w, NULL, '{');
    int64_list(w, "dims", t->dims, t->rank);
    number_field(w, "dataType", t->type == DT_INT64 ? 7 : 1);
    str_field(w, "name", t->name);
    int64_t n = tensor_numel(t), bytes = 0;
    size_t es = t->type == DT_INT64 ? 8 : 4;
    unsigned char *raw = size_mul(n, (int64_t)es, &bytes) ? NULL : malloc(bytes ? (size_t)bytes : 1);
    if (!raw) {
        w->b.failed = 1;
        close_(w, '}');
        return;
    }
    /* Little-endian bytes whatever the host order. */
    for (int64_t i = 0; i < n; i++) {
        uint64_t u = 0;
        if (t->type == DT_INT64)
            memcpy(&u, &t->idata[i], 8);
        else {
            uint32_t v;
            memcpy(&v, &t->data[i], 4);
            u = v;
        }
        for (size_t k = 0; k < es; k++)
            raw[(size_t)i * es + k] = (unsigned char)(u >> (8 * k));
    }
    item(w, "rawData");
    sb_putc(&w->b, '"');
    base64_encode(&w->b, raw, (size_t)bytes);
    sb_putc(&w->b, '"');
    free(raw);
    close_(w, '}');
}

static void write_attr(jw *w, const attr *a)
{
    static const char *const type_names[] = {
        [ATTR_FLOAT] = "FLOAT", [ATTR_INT] = "INT", [ATTR_STRING] = "STRING",
        [ATTR_FLOATS] = "FLOATS", [ATTR_INTS] = "INTS"};
    open_(w, NULL, '{');
    str_field(w, "name", a->name);
    switch (a->kind) {
    case ATTR_FLOAT:
        float_field(w, "f", a->f);
        break;
    case ATTR_INT:
        int64_field(w, "i", a->i);
        break;
    case ATTR_STRING:
        item(w, "s");
        sb_putc(&w->b, '"');
        base64_encode(&w->b, a->s, strlen(a->s));
        sb_putc(&w->b, '"');
        break;
    case ATTR_FLOATS:
        if (a->n > 0) {
            open_(w, "floats", '[');
            for (int k = 0; k < a->n; k++)
                float_field(w, NULL, a->floats[k]);
            close_(w, ']');
        }
        break;
    case ATTR_INTS:
        int64_list(w, "ints", a->ints, a->n);
        break;
    }
    str_field(w, "type", type_names[a->kind]);
    close_(w, '}');
}

static void name_list(jw *w, const char *key, const graph *g, const int *idx, int n)
{
    if (n <= 0)
        return;
    open_(w, key, '[');
    for (int k = 0; k < n; k++)
        str_field(w, NULL, idx[k] >= 0 ? g->tensors[idx[k]].name : "");
    close_(w, ']');
}

static void write_node(jw *w, const graph *g, const node *n)
{
    open_(w, NULL, '{');
    name_list(w, "input", g, n->in, n->nin);
    name_list(w, "output", g, n->out, n->nout);
    if (n->name[0])
        str_field(w, "name", n->name);
    str_field(w, "opType", op_table[n->op].name);
    if (n->nattrs > 0) {
        open_(w, "attribute", '[');
        for (int k = 0; k < n->nattrs; k++)
            write_attr(w, &n->attrs[k]);
        close_(w, ']');
    }
    close_(w, '}');
}

/* A graph input or output: FLOAT with its shape. Other types are written
 * without a type, which ONNX allows for outputs. */
static void write_value(jw *w, const tensor *t)
{
    open_(w, NULL, '{');
    str_field(w, "name", t->name);
    if (t->type == DT_FLOAT && t->rank >= 0) {
        open_(w, "type", '{');
        open_(w, "tensorType", '{');
        number_field(w, "elemType", 1);
        open_(w, "shape", '{');
        if (t->rank > 0) {
            open_(w, "dim", '[');
            for (int i = 0; i < t->rank; i++) {
                open_(w, NULL, '{');
                int64_field(w, "dimValue", t->dims[i]);
                close_(w, '}');
            }
            close_(w, ']');
        }
        close_(w, '}');
        close_(w, '}');
        close_(w, '}');
    }
    close_(w, '}');
}

static void write_graph(jw *w, const graph *g)
{
    open_(w, "graph", '{');
    if (g->nnodes > 0) {
        open_(w, "node", '[');
        for (size_t i = 0; i < g->nnodes; i++)
            write_node(w, g, &g->nodes[i]);
        close_(w, ']');
    }
    str_field(w, "name", g->name ? g->name : "");
    int any = 0;
    for (size_t t = 0; t < g->ntensors; t++)
        if (g->tensors[t].data || g->tensors[t].idata) {
            if (!any++)
                open_(w, "initializer", '[');
            write_tensor(w, &g->tensors[t]);
        }
    if (any)
        close_(w, ']');
    const char *keys[] = {"input", "output"};
    const int *lists[] = {g->inputs, g->outputs};
    int counts[] = {g->ninputs, g->noutputs};
    for (int l = 0; l < 2; l++) {
        if (counts[l] <= 0)
            continue;
        open_(w, keys[l], '[');
        for (int k = 0; k < counts[l]; k++)
            write_value(w, &g->tensors[lists[l][k]]);
        close_(w, ']');
    }
    close_(w, '}');
}

int onnx_json_write(const graph *g, char **out, size_t *len, nnp_err *e)
{
    jw w = {.first = 1};
    open_(&w, NULL, '{');
    int64_field(&w, "irVersion", onnx_ir_version_for(g->opset));
    str_field(&w, "producerName", "nnpipe");
    write_graph(&w, g);
    if (g->opset > 0) {
        open_(&w, "opsetImport", '[');
        open_(&w, NULL, '{');
        str_field(&w, "domain", "");
        int64_field(&w, "version", g->opset);
        close_(&w, '}');
        close_(&w, ']');
    }
    close_(&w, '}');
    if (w.b.failed || !w.b.s) {
        sb_free(&w.b);
        return err_set(e, NNP_NOMEM, "out of memory writing JSON");
    }
    *out = w.b.s;
    *len = w.b.len;
    return NNP_OK;
}
