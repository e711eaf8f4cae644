/* nnp_program_emit: a lowered program as a report, "text" for reading and
 * "json" for tools (`nnpipe lower` prints them). Both show, per group, the
 * fused nodes, the tile loops, the tiling chosen, each op's costs, the
 * buffers, the working set against capacity and the bytes moved against
 * the minimum; then the program's totals.
 *
 * Like the schedule emitters, the report is made in memory first and only
 * then handed to the sink, so a failure writes nothing. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "handles.h"

static void shape_str(const prog_tensor *t, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < t->rank && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%" PRId64, i ? "x" : "", t->dims[i]);
    if (n < len)
        snprintf(buf + n, len - n, "]");
}

static const char *nodes_str(const program *p, const prog_group *gr, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int k = 0; k < gr->nnodes && n < len; k++) {
        char lbl[96];
        n += (size_t)snprintf(buf + n, len - n, "%s%s", k ? " + " : "",
                              node_label(p->g, gr->nodes[k], lbl, sizeof lbl));
    }
    return buf;
}

/* ---- text ---- */

static void text_loops(const prog_group *gr, strbuf *b)
{
    sb_printf(b, "  tiles %" PRId64 ":", gr->ntiles);
    for (int k = 0; k < gr->nloops; k++) {
        const prog_loop *l = &gr->loops[gr->order[k]];
        sb_printf(b, " %s %" PRId64 "/%" PRId64 "%s", l->name, l->tile, l->extent,
                  l->axis < 0 ? " (reduction)" : "");
    }
    sb_printf(b, "  (outermost first)\n");
}

static void text_ops(const program *p, const prog_group *gr, strbuf *b)
{
    sb_printf(b, "  %-3s %-12s %-12s %-8s %8s %12s %12s %14s %14s\n", "#", "op", "kind", "unit",
              "period", "max cycles", "max bytes", "total cycles", "total bytes");
    for (int i = 0; i < gr->nops; i++) {
        const prog_op *o = &gr->ops[i];
        sb_printf(b, "  %-3d %-12s %-12s %-8s %8" PRId64 " %12" PRId64 " %12" PRId64 " %14" PRId64
                  " %14" PRId64 "\n",
                  i, o->name, pop_kind_name(o->kind), p->t->units[o->unit].name, o->period,
                  o->cycles, o->bytes, o->total_cycles, o->total_bytes);
    }
}

static void text_memory(const program *p, const prog_group *gr, strbuf *b)
{
    sb_printf(b, "  buffers:");
    for (int k = 0; k < gr->nbufs; k++)
        sb_printf(b, " %s %" PRId64 "B x%d (%s)%s", gr->bufs[k].name, gr->bufs[k].bytes,
                  gr->bufs[k].copies, mem_pool_name(gr->bufs[k].pool),
                  k + 1 < gr->nbufs ? "," : "");
    sb_printf(b, "\n  working set:");
    const char *sep = " ";
    for (int q = 0; q < POOL_COUNT; q++)
        if (gr->rep.working_set[q] > 0) {
            sb_printf(b, "%s%s %" PRId64 " of %" PRId64 " bytes", sep, mem_pool_name((mem_pool)q),
                      gr->rep.working_set[q], target_capacity(p->t, (mem_pool)q));
            sep = ", ";
        }
    sb_printf(b, "\n");
}

static void text_group(const program *p, int g, strbuf *b)
{
    const prog_group *gr = &p->groups[g];
    const tiling_report *r = &gr->rep;
    char buf[512], sh[64];
    shape_str(&p->tensors[gr->out_tensor], sh, sizeof sh);
    sb_printf(b, "group %d (%s): %s -> '%s' %s\n", g, group_kind_name(gr->kind),
              nodes_str(p, gr, buf, sizeof buf), p->tensors[gr->out_tensor].name, sh);
    if (gr->kind == GK_ALIAS) {
        sb_printf(b, "  alias of '%s': no data movement, no cost\n",
                  p->tensors[p->tensors[gr->out_tensor].alias_of].name);
        return;
    }
    text_loops(gr, b);
    sb_printf(b, "  chosen: %s\n", r->why);
    text_ops(p, gr, b);
    text_memory(p, gr, b);
    sb_printf(b, "  bytes: loaded %" PRId64 ", stored %" PRId64 ", minimum %" PRId64
              " (halo/re-read +%" PRId64 ", weight re-load +%" PRId64 ")\n",
              r->bytes_loaded, r->bytes_stored, r->min_bytes, r->halo_bytes, r->reload_bytes);
    sb_printf(b, "  MACs %" PRId64 " (+%" PRId64 " recomputed); cycles: pipelined ~%" PRId64
              ", sequential %" PRId64 "\n\n",
              r->macs, r->recompute_macs, r->est_cycles, r->seq_cycles);
}

static int emit_text(const program *p, strbuf *b, nnp_err *e)
{
    (void)e;
    const target *t = p->t;
    sb_printf(b, "target %s: %" PRId64 " bytes local memory%s, %d units, %g MHz\n\n", t->name,
              t->mem_bytes, t->separate ? " (separate input/weight/output buffers)" : " (unified)",
              t->nunits, t->clock_mhz);
    for (int g = 0; g < p->ngroups; g++)
        text_group(p, g, b);
    sb_printf(b, "total: %d groups, %" PRId64 " MACs, %" PRId64 " bytes loaded, %" PRId64
              " stored (minimum %" PRId64 "), ~%" PRId64 " cycles pipelined, %" PRId64
              " sequential\n",
              p->ngroups, p->macs, p->bytes_loaded, p->bytes_stored, p->min_bytes, p->est_cycles,
              p->seq_cycles);
    return NNP_OK;
}

/* ---- json ----
 *
 * cJSON's adders return NULL (or false) when memory runs out; every result
 * goes through these helpers, which remember the failure, so a report is
 * complete or not written at all. */

typedef struct jw {
    int failed;
} jw;

static cJSON *need(jw *w, cJSON *x)
{
    if (!x)
        w->failed = 1;
    return x;
}

static void num(jw *w, cJSON *o, const char *key, double v)
{
    need(w, cJSON_AddNumberToObject(o, key, v));
}

static void str(jw *w, cJSON *o, const char *key, const char *v)
{
    need(w, cJSON_AddStringToObject(o, key, v));
}

/* Appends x (made by the caller) to array a; x is freed if that fails. */
static void push(jw *w, cJSON *a, cJSON *x)
{
    if (!x || !a || !cJSON_AddItemToArray(a, x)) {
        cJSON_Delete(x);
        w->failed = 1;
    }
}

static cJSON *json_group(jw *w, const program *p, int g)
{
    const prog_group *gr = &p->groups[g];
    const tiling_report *r = &gr->rep;
    cJSON *o = need(w, cJSON_CreateObject()), *a;
    char lbl[128];
    str(w, o, "kind", group_kind_name(gr->kind));
    str(w, o, "output", p->tensors[gr->out_tensor].name);
    a = need(w, cJSON_AddArrayToObject(o, "nodes"));
    for (int k = 0; k < gr->nnodes; k++)
        push(w, a, cJSON_CreateString(node_label(p->g, gr->nodes[k], lbl, sizeof lbl)));
    num(w, o, "tiles", (double)gr->ntiles);
    a = need(w, cJSON_AddArrayToObject(o, "loops"));
    for (int k = 0; k < gr->nloops; k++) {
        const prog_loop *l = &gr->loops[gr->order[k]];
        cJSON *x = need(w, cJSON_CreateObject());
        str(w, x, "name", l->name);
        num(w, x, "extent", (double)l->extent);
        num(w, x, "tile", (double)l->tile);
        num(w, x, "count", (double)l->count);
        need(w, cJSON_AddBoolToObject(x, "reduction", l->axis < 0));
        push(w, a, x);
    }
    a = need(w, cJSON_AddArrayToObject(o, "ops"));
    for (int i = 0; i < gr->nops; i++) {
        const prog_op *op = &gr->ops[i];
        cJSON *x = need(w, cJSON_CreateObject());
        str(w, x, "name", op->name);
        str(w, x, "kind", pop_kind_name(op->kind));
        str(w, x, "unit", p->t->units[op->unit].name);
        str(w, x, "tensor", p->tensors[op->tensor].name);
        num(w, x, "period", (double)op->period);
        num(w, x, "phase", (double)op->phase);
        num(w, x, "cycles", (double)op->cycles);
        num(w, x, "bytes", (double)op->bytes);
        num(w, x, "total_cycles", (double)op->total_cycles);
        num(w, x, "total_bytes", (double)op->total_bytes);
        push(w, a, x);
    }
    a = need(w, cJSON_AddArrayToObject(o, "buffers"));
    for (int k = 0; k < gr->nbufs; k++) {
        cJSON *x = need(w, cJSON_CreateObject());
        str(w, x, "name", gr->bufs[k].name);
        str(w, x, "pool", mem_pool_name(gr->bufs[k].pool));
        num(w, x, "bytes", (double)gr->bufs[k].bytes);
        num(w, x, "copies", gr->bufs[k].copies);
        push(w, a, x);
    }
    cJSON *ws = need(w, cJSON_AddObjectToObject(o, "working_set"));
    for (int q = 0; q < POOL_COUNT; q++)
        if (r->working_set[q] > 0) {
            cJSON *x = need(w, cJSON_AddObjectToObject(ws, mem_pool_name((mem_pool)q)));
            num(w, x, "bytes", (double)r->working_set[q]);
            num(w, x, "capacity", (double)target_capacity(p->t, (mem_pool)q));
        }
    str(w, o, "why", r->why);
    num(w, o, "bytes_loaded", (double)r->bytes_loaded);
    num(w, o, "bytes_stored", (double)r->bytes_stored);
    num(w, o, "min_bytes", (double)r->min_bytes);
    num(w, o, "halo_bytes", (double)r->halo_bytes);
    num(w, o, "reload_bytes", (double)r->reload_bytes);
    num(w, o, "macs", (double)r->macs);
    num(w, o, "recompute_macs", (double)r->recompute_macs);
    num(w, o, "est_cycles", (double)r->est_cycles);
    num(w, o, "seq_cycles", (double)r->seq_cycles);
    return o;
}

static int emit_json(const program *p, strbuf *b, nnp_err *e)
{
    jw w = {0};
    cJSON *root = need(&w, cJSON_CreateObject());
    str(&w, root, "target", p->t->name);
    cJSON *a = need(&w, cJSON_AddArrayToObject(root, "groups"));
    for (int g = 0; g < p->ngroups; g++)
        push(&w, a, json_group(&w, p, g));
    cJSON *t = need(&w, cJSON_AddObjectToObject(root, "totals"));
    num(&w, t, "macs", (double)p->macs);
    num(&w, t, "bytes_loaded", (double)p->bytes_loaded);
    num(&w, t, "bytes_stored", (double)p->bytes_stored);
    num(&w, t, "min_bytes", (double)p->min_bytes);
    num(&w, t, "est_cycles", (double)p->est_cycles);
    num(&w, t, "seq_cycles", (double)p->seq_cycles);
    char *s = w.failed ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (!s)
        return err_set(e, NNP_NOMEM, "out of memory printing JSON");
    sb_printf(b, "%s\n", s);
    free(s);
    return NNP_OK;
}

/* ---- the public call ---- */

static const struct {
    const char *name;
    int (*emit)(const program *p, strbuf *b, nnp_err *e);
} formats[] = {
    {"text", emit_text},
    {"json", emit_json},
};
enum { NFORMATS = sizeof formats / sizeof *formats };

int nnp_program_emit(nnp_program *p, const char *format, nnp_sink out)
{
    int rc = api_usable(p, p ? p->broken : 1);
    if (rc)
        return rc;
    if (!out.write)
        return err_set(&p->err, NNP_MISUSE, "nnp_program_emit: the sink's write is NULL");
    int f = 0;
    while (f < NFORMATS && !(format && !strcmp(format, formats[f].name)))
        f++;
    if (f == NFORMATS)
        return err_set(&p->err, NNP_MISUSE, "unknown report format '%s'; the formats are text, json",
                       format ? format : "(null)");
    strbuf text = {0};
    rc = formats[f].emit(p->p, &text, &p->err);
    if (!rc && text.failed)
        rc = err_set(&p->err, NNP_NOMEM, "out of memory writing the %s report", formats[f].name);
    if (!rc)
        rc = api_drain(&p->err, text.s, text.len, out, "program report");
    sb_free(&text);
    return rc;
}
