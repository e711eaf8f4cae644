/* The table of output formats and helpers the emitters share. */
#include <stdio.h>
#include <string.h>

#include "emit.h"

const emit_format emit_formats[] = {
    {"summary", emit_summary, "statistics per loop and for the whole program"},
    {"json", emit_schedule_json, "every op instance and the statistics, as JSON"},
    {"table", emit_table, "per loop: modulo reservation table, stage diagram and statistics"},
    {"gantt", emit_gantt, "terminal timeline: a lane per unit, bars per op (--width, --from/--to)"},
    {"trace", emit_trace, "Chrome Trace Event JSON for Perfetto UI and chrome://tracing"},
    {"svg", emit_svg, "standalone SVG timeline with hover details (--from/--to)"},
    {"dot", emit_dot, "Graphviz: the model graph by group and each loop's dependence graph"},
    {NULL, NULL, NULL},
};

const emit_format *emit_format_find(const char *name)
{
    for (const emit_format *f = emit_formats; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

const char *emit_cycles(int64_t c, char *buf)
{
    char raw[32];
    int n = snprintf(raw, sizeof raw, "%lld", (long long)(c < 0 ? -c : c));
    int o = 0;
    if (c < 0)
        buf[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = 0;
    return buf;
}

const char *emit_inst_label(const plan *pl, const plan_inst *in, char *buf, size_t len)
{
    const prog_op *op = &pl->p->groups[in->group].ops[in->op];
    snprintf(buf, len, "%s t%lld", op->name, (long long)in->tile);
    return buf;
}
