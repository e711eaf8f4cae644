/* `--format dot`: Graphviz pictures of what was scheduled, in one digraph
 * (render with `dot -Tsvg`):
 *  - the model graph, one box per node filled with its group's colour, so
 *    fusion is visible at a glance; edges carry the tensor and its shape;
 *  - one cluster per tile loop, in the same colour: the loop's body ops
 *    (kind, unit, cycles; for modulo plans the start offset and stage, and
 *    a dashed border for ops issued outside the kernel) and its dependence
 *    edges labelled with latency and distance: data edges solid, the
 *    accumulator carried between reduction steps bold, buffer reuse (WAR)
 *    dashed.
 * Names from the model are escaped for DOT strings. */
#include <stdio.h>
#include <string.h>

#include "timeline.h"

/* ColorBrewer's Set3: light enough for black text, distinct neighbours. */
static const char *const palette[] = {"#8dd3c7", "#ffffb3", "#bebada", "#fb8072",
                                      "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
                                      "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"};
enum { NPALETTE = sizeof palette / sizeof palette[0] };

static const char *group_color(int g)
{
    return g >= 0 ? palette[g % NPALETTE] : "#ffffff";
}

static void dot_text(strbuf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_putc(out, '\\');
        sb_putc(out, (unsigned char)*s < 0x20 ? ' ' : *s);
    }
}

static void dims_text(strbuf *out, const tensor *t)
{
    for (int d = 0; d < t->rank; d++)
        sb_printf(out, "%s%lld", d ? "x" : "", (long long)t->dims[d]);
    if (t->rank == 0)
        sb_puts(out, "scalar");
}

static void model_nodes(const program *p, strbuf *out)
{
    const graph *g = p->g;
    sb_puts(out, "  subgraph cluster_model {\n    label=\"model graph (colour: fused group)\";\n"
                 "    style=rounded; color=\"#999999\";\n");
    for (int k = 0; k < g->ninputs; k++) {
        const tensor *t = &g->tensors[g->inputs[k]];
        sb_printf(out, "    t%d [shape=ellipse, style=\"\", label=\"", g->inputs[k]);
        dot_text(out, t->name);
        sb_puts(out, "\\n");
        dims_text(out, t);
        sb_puts(out, "\"];\n");
    }
    for (size_t n = 0; n < g->nnodes; n++) {
        const node *nd = &g->nodes[n];
        int grp = p->group_of_node ? p->group_of_node[n] : -1;
        sb_printf(out, "    n%zu [fillcolor=\"%s\", label=\"", n, group_color(grp));
        dot_text(out, nd->name[0] ? nd->name : op_table[nd->op].name);
        sb_printf(out, "\\n%s\\ngroup %d\"];\n", op_table[nd->op].name, grp);
    }
    for (int k = 0; k < g->noutputs; k++) {
        const tensor *t = &g->tensors[g->outputs[k]];
        sb_printf(out, "    out%d [shape=ellipse, style=\"\", label=\"", g->outputs[k]);
        dot_text(out, t->name);
        sb_puts(out, "\\n");
        dims_text(out, t);
        sb_puts(out, "\"];\n");
    }
}

static void tensor_edge(strbuf *out, const tensor *t, const char *from, long a, const char *to,
                        long b)
{
    sb_printf(out, "    %s%ld -> %s%ld [label=\"", from, a, to, b);
    dot_text(out, t->name);
    sb_puts(out, "\\n");
    dims_text(out, t);
    sb_puts(out, "\"];\n");
}

static void model_edges(const program *p, strbuf *out)
{
    const graph *g = p->g;
    for (size_t n = 0; n < g->nnodes; n++) {
        const node *nd = &g->nodes[n];
        for (int k = 0; k < nd->nin; k++) {
            int ti = nd->in[k];
            if (ti < 0)
                continue;
            const tensor *t = &g->tensors[ti];
            if (t->producer >= 0)
                tensor_edge(out, t, "n", t->producer, "n", (long)n);
            else if (t->is_input && !t->data && !t->idata)
                tensor_edge(out, t, "t", ti, "n", (long)n);
        }
    }
    for (int k = 0; k < g->noutputs; k++) {
        const tensor *t = &g->tensors[g->outputs[k]];
        if (t->producer >= 0)
            tensor_edge(out, t, "n", t->producer, "out", g->outputs[k]);
    }
    sb_puts(out, "  }\n");
}

static void loop_ops(const plan *pl, int g, strbuf *out)
{
    const program *p = pl->p;
    const prog_group *gr = &p->groups[g];
    const plan_loop *lp = pl->loops && pl->loops[g].trips > 0 ? &pl->loops[g] : NULL;
    for (int o = 0; o < gr->nops; o++) {
        const prog_op *op = &gr->ops[o];
        int outside = lp && !lp->in_loop[o];
        sb_printf(out, "    g%d_o%d [fillcolor=\"%s\"%s, label=\"", g, o,
                  cat_looks[op_category(op->kind)].light, outside ? ", style=\"filled,dashed\"" : "");
        dot_text(out, op->name);
        sb_printf(out, "\\n%s on ", pop_kind_name(op->kind));
        dot_text(out, p->t->units[op->unit].name);
        sb_printf(out, "\\n%lld cycles", (long long)op->cycles);
        if (lp && !outside)
            sb_printf(out, "\\nat +%lld, stage %lld", (long long)lp->offset[o],
                      (long long)(lp->offset[o] / lp->ii));
        else if (outside)
            sb_printf(out, "\\noutside the kernel, every %lld tiles", (long long)op->period);
        sb_puts(out, "\"];\n");
    }
}

static void loop_edges(const plan *pl, int g, strbuf *out)
{
    const prog_group *gr = &pl->p->groups[g];
    for (int d = 0; d < gr->ndeps; d++) {
        const prog_dep *dp = &gr->deps[d];
        static const char *const styles[] = {[DEP_DATA] = "solid", [DEP_ACC] = "bold",
                                             [DEP_WAR] = "dashed"};
        const char *style = dp->kind >= DEP_DATA && dp->kind <= DEP_WAR ? styles[dp->kind] : "dotted";
        /* Edges to later iterations do not rank the picture: data flows down. */
        sb_printf(out, "    g%d_o%d -> g%d_o%d [style=%s%s, label=\"%s\\nlat %lld, dist %d\"];\n", g,
                  dp->from, g, dp->to, style, dp->distance > 0 ? ", constraint=false" : "",
                  dep_kind_name(dp->kind), (long long)dp->latency, dp->distance);
    }
}

static void loop_cluster(const plan *pl, int g, strbuf *out)
{
    const prog_group *gr = &pl->p->groups[g];
    sb_printf(out, "  subgraph cluster_loop%d {\n    style=filled; color=\"%s\"; fillcolor=\"%s40\";\n"
                   "    label=\"loop %d: ",
              g, group_color(g), group_color(g), g);
    dot_text(out, gr->name);
    sb_printf(out, ", %lld tiles", (long long)gr->ntiles);
    if (pl->loops && pl->loops[g].trips > 0)
        sb_printf(out, ", II %lld (MII %lld), SC %lld", (long long)pl->loops[g].ii,
                  (long long)pl->loops[g].mii, (long long)pl->loops[g].stage_count);
    sb_puts(out, "\";\n");
    loop_ops(pl, g, out);
    loop_edges(pl, g, out);
    sb_puts(out, "  }\n");
}

int emit_dot(const plan *pl, const emit_options *o, strbuf *out, nnp_err *e)
{
    (void)o;
    const program *p = pl->p;
    sb_puts(out, "digraph nnpipe {\n  graph [fontname=\"Helvetica\", fontsize=11, labelloc=t, "
                 "label=\"");
    if (p->g->name && p->g->name[0]) {
        dot_text(out, p->g->name);
        sb_puts(out, ": ");
    }
    sb_printf(out, "%s schedule on ", plan_kind_name(pl->kind));
    dot_text(out, p->t->name);
    sb_puts(out, "\"];\n  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=filled];\n"
                 "  edge [fontname=\"Helvetica\", fontsize=9];\n");
    model_nodes(p, out);
    model_edges(p, out);
    for (int g = 0; g < p->ngroups; g++)
        if (p->groups[g].nops > 0)
            loop_cluster(pl, g, out);
    sb_puts(out, "}\n");
    return out->failed ? err_set(e, NNP_NOMEM, "out of memory writing the dot graph") : NNP_OK;
}
