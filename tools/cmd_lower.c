/* `nnpipe lower MODEL [--target T.json] [--format text|json]`: the tiled
 * program per group: fused nodes, tile shape and count, per-op cost, bytes
 * moved with their overhead over the minimum, working set vs capacity. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_load.h"
#include "program.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: nnpipe lower MODEL [--target T.json] [--format text|json]\n\n"
               "Splits the model's layers into tiles for a target and prints, per group, the\n"
               "fused nodes, tile shape and count, each op's cost, the bytes moved and the\n"
               "working set. Without --target the built-in npu target is used (the same as\n"
               "samples/targets/npu.json).\n");
}

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

static void print_loops(const prog_group *gr)
{
    printf("  tiles %" PRId64 ":", gr->ntiles);
    for (int k = 0; k < gr->nloops; k++) {
        const prog_loop *l = &gr->loops[gr->order[k]];
        printf(" %s %" PRId64 "/%" PRId64 "%s", l->name, l->tile, l->extent,
               l->axis < 0 ? " (reduction)" : "");
    }
    printf("  (outermost first)\n");
}

static void print_ops(const program *p, const prog_group *gr)
{
    printf("  %-3s %-12s %-12s %-8s %8s %12s %12s %14s %14s\n", "#", "op", "kind", "unit",
           "period", "max cycles", "max bytes", "total cycles", "total bytes");
    for (int i = 0; i < gr->nops; i++) {
        const prog_op *o = &gr->ops[i];
        printf("  %-3d %-12s %-12s %-8s %8" PRId64 " %12" PRId64 " %12" PRId64 " %14" PRId64
               " %14" PRId64 "\n",
               i, o->name, pop_kind_name(o->kind), p->t->units[o->unit].name, o->period, o->cycles,
               o->bytes, o->total_cycles, o->total_bytes);
    }
}

static void print_memory(const program *p, const prog_group *gr)
{
    printf("  buffers:");
    for (int b = 0; b < gr->nbufs; b++)
        printf(" %s %" PRId64 "B x%d (%s)%s", gr->bufs[b].name, gr->bufs[b].bytes,
               gr->bufs[b].copies, mem_pool_name(gr->bufs[b].pool), b + 1 < gr->nbufs ? "," : "");
    printf("\n  working set:");
    const char *sep = " ";
    for (int q = 0; q < POOL_COUNT; q++)
        if (gr->rep.working_set[q] > 0) {
            printf("%s%s %" PRId64 " of %" PRId64 " bytes", sep, mem_pool_name((mem_pool)q),
                   gr->rep.working_set[q], target_capacity(p->t, (mem_pool)q));
            sep = ", ";
        }
    printf("\n");
}

static void print_group(const program *p, int g)
{
    const prog_group *gr = &p->groups[g];
    const tiling_report *r = &gr->rep;
    char buf[512], sh[64];
    shape_str(&p->tensors[gr->out_tensor], sh, sizeof sh);
    printf("group %d (%s): %s -> '%s' %s\n", g, group_kind_name(gr->kind),
           nodes_str(p, gr, buf, sizeof buf), p->tensors[gr->out_tensor].name, sh);
    if (gr->kind == GK_ALIAS) {
        printf("  alias of '%s': no data movement, no cost\n",
               p->tensors[p->tensors[gr->out_tensor].alias_of].name);
        return;
    }
    print_loops(gr);
    printf("  chosen: %s\n", r->why);
    print_ops(p, gr);
    print_memory(p, gr);
    printf("  bytes: loaded %" PRId64 ", stored %" PRId64 ", minimum %" PRId64 " (halo/re-read +%"
           PRId64 ", weight re-load +%" PRId64 ")\n",
           r->bytes_loaded, r->bytes_stored, r->min_bytes, r->halo_bytes, r->reload_bytes);
    printf("  MACs %" PRId64 " (+%" PRId64 " recomputed); cycles: pipelined ~%" PRId64
           ", sequential %" PRId64 "\n\n",
           r->macs, r->recompute_macs, r->est_cycles, r->seq_cycles);
}

static void print_text(const program *p)
{
    const target *t = p->t;
    printf("target %s: %" PRId64 " bytes local memory%s, %d units, %g MHz\n\n", t->name,
           t->mem_bytes, t->separate ? " (separate input/weight/output buffers)" : " (unified)",
           t->nunits, t->clock_mhz);
    for (int g = 0; g < p->ngroups; g++)
        print_group(p, g);
    printf("total: %d groups, %" PRId64 " MACs, %" PRId64 " bytes loaded, %" PRId64
           " stored (minimum %" PRId64 "), ~%" PRId64 " cycles pipelined, %" PRId64
           " sequential\n",
           p->ngroups, p->macs, p->bytes_loaded, p->bytes_stored, p->min_bytes, p->est_cycles,
           p->seq_cycles);
}

static cJSON *json_group(const program *p, int g)
{
    const prog_group *gr = &p->groups[g];
    const tiling_report *r = &gr->rep;
    cJSON *o = cJSON_CreateObject(), *a;
    char lbl[128];
    cJSON_AddStringToObject(o, "kind", group_kind_name(gr->kind));
    cJSON_AddStringToObject(o, "output", p->tensors[gr->out_tensor].name);
    a = cJSON_AddArrayToObject(o, "nodes");
    for (int k = 0; k < gr->nnodes; k++)
        cJSON_AddItemToArray(a, cJSON_CreateString(node_label(p->g, gr->nodes[k], lbl, sizeof lbl)));
    cJSON_AddNumberToObject(o, "tiles", (double)gr->ntiles);
    a = cJSON_AddArrayToObject(o, "loops");
    for (int k = 0; k < gr->nloops; k++) {
        const prog_loop *l = &gr->loops[gr->order[k]];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", l->name);
        cJSON_AddNumberToObject(x, "extent", (double)l->extent);
        cJSON_AddNumberToObject(x, "tile", (double)l->tile);
        cJSON_AddNumberToObject(x, "count", (double)l->count);
        cJSON_AddBoolToObject(x, "reduction", l->axis < 0);
        cJSON_AddItemToArray(a, x);
    }
    a = cJSON_AddArrayToObject(o, "ops");
    for (int i = 0; i < gr->nops; i++) {
        const prog_op *op = &gr->ops[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", op->name);
        cJSON_AddStringToObject(x, "kind", pop_kind_name(op->kind));
        cJSON_AddStringToObject(x, "unit", p->t->units[op->unit].name);
        cJSON_AddStringToObject(x, "tensor", p->tensors[op->tensor].name);
        cJSON_AddNumberToObject(x, "period", (double)op->period);
        cJSON_AddNumberToObject(x, "phase", (double)op->phase);
        cJSON_AddNumberToObject(x, "cycles", (double)op->cycles);
        cJSON_AddNumberToObject(x, "bytes", (double)op->bytes);
        cJSON_AddNumberToObject(x, "total_cycles", (double)op->total_cycles);
        cJSON_AddNumberToObject(x, "total_bytes", (double)op->total_bytes);
        cJSON_AddItemToArray(a, x);
    }
    a = cJSON_AddArrayToObject(o, "buffers");
    for (int b = 0; b < gr->nbufs; b++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", gr->bufs[b].name);
        cJSON_AddStringToObject(x, "pool", mem_pool_name(gr->bufs[b].pool));
        cJSON_AddNumberToObject(x, "bytes", (double)gr->bufs[b].bytes);
        cJSON_AddNumberToObject(x, "copies", gr->bufs[b].copies);
        cJSON_AddItemToArray(a, x);
    }
    cJSON *ws = cJSON_AddObjectToObject(o, "working_set");
    for (int q = 0; q < POOL_COUNT; q++)
        if (r->working_set[q] > 0) {
            cJSON *x = cJSON_AddObjectToObject(ws, mem_pool_name((mem_pool)q));
            cJSON_AddNumberToObject(x, "bytes", (double)r->working_set[q]);
            cJSON_AddNumberToObject(x, "capacity", (double)target_capacity(p->t, (mem_pool)q));
        }
    cJSON_AddStringToObject(o, "why", r->why);
    cJSON_AddNumberToObject(o, "bytes_loaded", (double)r->bytes_loaded);
    cJSON_AddNumberToObject(o, "bytes_stored", (double)r->bytes_stored);
    cJSON_AddNumberToObject(o, "min_bytes", (double)r->min_bytes);
    cJSON_AddNumberToObject(o, "halo_bytes", (double)r->halo_bytes);
    cJSON_AddNumberToObject(o, "reload_bytes", (double)r->reload_bytes);
    cJSON_AddNumberToObject(o, "macs", (double)r->macs);
    cJSON_AddNumberToObject(o, "recompute_macs", (double)r->recompute_macs);
    cJSON_AddNumberToObject(o, "est_cycles", (double)r->est_cycles);
    cJSON_AddNumberToObject(o, "seq_cycles", (double)r->seq_cycles);
    return o;
}

static int print_json(const program *p)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "target", p->t->name);
    cJSON *a = cJSON_AddArrayToObject(root, "groups");
    for (int g = 0; g < p->ngroups; g++)
        cJSON_AddItemToArray(a, json_group(p, g));
    cJSON *t = cJSON_AddObjectToObject(root, "totals");
    cJSON_AddNumberToObject(t, "macs", (double)p->macs);
    cJSON_AddNumberToObject(t, "bytes_loaded", (double)p->bytes_loaded);
    cJSON_AddNumberToObject(t, "bytes_stored", (double)p->bytes_stored);
    cJSON_AddNumberToObject(t, "min_bytes", (double)p->min_bytes);
    cJSON_AddNumberToObject(t, "est_cycles", (double)p->est_cycles);
    cJSON_AddNumberToObject(t, "seq_cycles", (double)p->seq_cycles);
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    if (!s) {
        fprintf(stderr, "nnpipe: error: lower: out of memory printing JSON\n");
        return EXIT_INTERNAL;
    }
    printf("%s\n", s);
    free(s);
    return EXIT_OK;
}

typedef struct opts {
    const char *model, *target, *format;
} opts;

static int parse_args(int argc, char **argv, opts *o)
{
    o->format = "text";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        if ((!strcmp(a, "--target") || !strcmp(a, "--format")) && i + 1 < argc) {
            *(a[2] == 't' ? &o->target : &o->format) = argv[++i];
        } else if (a[0] == '-' || o->model) {
            fprintf(stderr, "nnpipe: error: lower: unexpected argument '%s' (see 'nnpipe lower "
                            "--help')\n", a);
            return EXIT_USAGE;
        } else {
            o->model = a;
        }
    }
    if (!o->model) {
        fprintf(stderr, "nnpipe: error: lower: missing MODEL (see 'nnpipe lower --help')\n");
        return EXIT_USAGE;
    }
    if (strcmp(o->format, "text") && strcmp(o->format, "json")) {
        fprintf(stderr, "nnpipe: error: lower: --format must be text or json, not '%s'\n",
                o->format);
        return EXIT_USAGE;
    }
    return 0;
}

int cmd_lower(int argc, char **argv)
{
    opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    nnp_err e = {0};
    target *t = NULL;
    graph *g = NULL;
    program *p = NULL;
    if (o.target ? target_load(o.target, &t, &e) : target_default(&t, &e))
        return cli_fail(&e);
    if (model_load(o.model, &g, &e) || lower_program(g, t, &p, &e)) {
        rc = cli_fail(&e);
    } else if (!strcmp(o.format, "json")) {
        rc = print_json(p);
    } else {
        print_text(p);
        rc = EXIT_OK;
    }
    program_free(p);
    graph_free(g);
    target_free(t);
    return rc;
}
