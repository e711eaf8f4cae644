/* Writing a graph as a binary ONNX ModelProto.
 *
 * Each nested message is built in its own buffer and then appended to its
 * parent as tag, length, bytes: simpler than computing every size first,
 * and a model's nesting is only four deep. Fields go out in field-number
 * order and with the packing onnx.proto declares (dims and attribute lists
 * unpacked), as the Python tooling writes them; tensor data goes out as
 * raw_data. */
#include <stdlib.h>
#include <string.h>

#include "onnx_import.h"
#include "onnx_pb.h"
#include "ops.h"

typedef struct pbw {
    unsigned char *p;
    size_t len, cap;
    int failed;
} pbw;

enum { WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

static void put_bytes(pbw *w, const void *data, size_t n)
{
    if (w->failed || n > SIZE_MAX - w->len || grow((void **)&w->p, &w->cap, w->len + n, 1)) {
        w->failed = 1;
        return;
    }
    if (n)
        memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void put_varint(pbw *w, uint64_t v)
{
    unsigned char buf[10];
    size_t n = 0;
    do {
        buf[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            buf[n] |= 0x80;
        n++;
    } while (v);
    put_bytes(w, buf, n);
}

static void put_tag(pbw *w, int num, int wire)
{
    put_varint(w, (uint64_t)num << 3 | (uint64_t)wire);
}

static void put_int(pbw *w, int num, int64_t v)
{
    put_tag(w, num, WIRE_VARINT);
    put_varint(w, (uint64_t)v);
}

static void put_float(pbw *w, int num, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    put_tag(w, num, WIRE_FIXED32);
    put_bytes(w, b, 4);
}

static void put_len(pbw *w, int num, const void *data, size_t n)
{
    put_tag(w, num, WIRE_LEN);
    put_varint(w, n);
    put_bytes(w, data, n);
}

static void put_string(pbw *w, int num, const char *s)
{
    put_len(w, num, s, strlen(s));
}

/* Appends sub as field num of w and frees it. */
static void put_message(pbw *w, int num, pbw *sub)
{
    if (sub->failed)
        w->failed = 1;
    put_len(w, num, sub->p, sub->len);
    free(sub->p);
    *sub = (pbw){0};
}

/* ---- messages --------------------------------------------------------------------- */

static void write_tensor(pbw *w, const tensor *t)
{
    pbw m = {0};
    for (int i = 0; i < t->rank; i++)
        put_int(&m, 1, t->dims[i]);
    put_int(&m, 2, t->type == DT_INT64 ? ONNX_INT64 : ONNX_FLOAT);
    put_string(&m, 8, t->name);
    int64_t n = tensor_numel(t), bytes = 0;
    size_t es = t->type == DT_INT64 ? 8 : 4;
    if (size_mul(n, (int64_t)es, &bytes))
        m.failed = 1;
    put_tag(&m, 9, WIRE_LEN);
    put_varint(&m, (uint64_t)bytes);
    for (int64_t i = 0; i < n && !m.failed; i++) {
        uint64_t u = 0;
        if (t->type == DT_INT64) {
            memcpy(&u, &t->idata[i], 8);
        } else {
            uint32_t v;
            memcpy(&v, &t->data[i], 4);
            u = v;
        }
        unsigned char b[8];
        for (size_t k = 0; k < es; k++)
            b[k] = (unsigned char)(u >> (8 * k));
        put_bytes(&m, b, es);
    }
    put_message(w, 5, &m);
}

static const int attr_types[] = {[ATTR_FLOAT] = 1, [ATTR_INT] = 2, [ATTR_STRING] = 3,
                                 [ATTR_FLOATS] = 6, [ATTR_INTS] = 7};

static void write_attr(pbw *w, const attr *a)
{
    pbw m = {0};
    put_string(&m, 1, a->name);
    switch (a->kind) {
    case ATTR_FLOAT:
        put_float(&m, 2, a->f);
        break;
    case ATTR_INT:
        put_int(&m, 3, a->i);
        break;
    case ATTR_STRING:
        put_string(&m, 4, a->s);
        break;
    case ATTR_FLOATS:
        for (int k = 0; k < a->n; k++)
            put_float(&m, 7, a->floats[k]);
        break;
    case ATTR_INTS:
        for (int k = 0; k < a->n; k++)
            put_int(&m, 8, a->ints[k]);
        break;
    }
    put_int(&m, 20, attr_types[a->kind]);
    put_message(w, 5, &m);
}

static void write_node(pbw *w, const graph *g, const node *n)
{
    pbw m = {0};
    for (int k = 0; k < n->nin; k++)
        put_string(&m, 1, n->in[k] >= 0 ? g->tensors[n->in[k]].name : "");
    for (int k = 0; k < n->nout; k++)
        put_string(&m, 2, n->out[k] >= 0 ? g->tensors[n->out[k]].name : "");
    if (n->name[0])
        put_string(&m, 3, n->name);
    put_string(&m, 4, op_table[n->op].name);
    for (int k = 0; k < n->nattrs; k++)
        write_attr(&m, &n->attrs[k]);
    put_message(w, 1, &m);
}

/* ValueInfoProto: FLOAT with its shape; other types go out without one. */
static void write_value(pbw *w, int num, const tensor *t)
{
    pbw m = {0}, type = {0}, tt = {0}, shape = {0};
    put_string(&m, 1, t->name);
    if (t->type == DT_FLOAT && t->rank >= 0) {
        for (int i = 0; i < t->rank; i++) {
            pbw dim = {0};
            put_int(&dim, 1, t->dims[i]);
            put_message(&shape, 1, &dim);
        }
        put_int(&tt, 1, ONNX_FLOAT);
        put_message(&tt, 2, &shape);
        put_message(&type, 1, &tt);
        put_message(&m, 2, &type);
    }
    put_message(w, num, &m);
}

static void write_graph(pbw *w, const graph *g)
{
    pbw m = {0};
    for (size_t i = 0; i < g->nnodes; i++)
        write_node(&m, g, &g->nodes[i]);
    put_string(&m, 2, g->name ? g->name : "");
    for (size_t t = 0; t < g->ntensors; t++)
        if (g->tensors[t].data || g->tensors[t].idata)
            write_tensor(&m, &g->tensors[t]);
    for (int k = 0; k < g->ninputs; k++)
        write_value(&m, 11, &g->tensors[g->inputs[k]]);
    for (int k = 0; k < g->noutputs; k++)
        write_value(&m, 12, &g->tensors[g->outputs[k]]);
    put_message(w, 7, &m);
}

int onnx_pb_write(const graph *g, unsigned char **out, size_t *len, nnp_err *e)
{
    pbw w = {0};
    put_int(&w, 1, onnx_ir_version_for(g->opset));
    put_string(&w, 2, "nnpipe");
    write_graph(&w, g);
    if (g->opset > 0) {
        pbw o = {0};
        put_string(&o, 1, "");
        put_int(&o, 2, g->opset);
        put_message(&w, 8, &o);
    }
    if (w.failed) {
        free(w.p);
        return err_set(e, NNP_NOMEM, "out of memory writing the model");
    }
    *out = w.p;
    *len = w.len;
    return NNP_OK;
}
