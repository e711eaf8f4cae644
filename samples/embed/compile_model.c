/* compile_model: load an ONNX model, lower it for a target and print, per
 * group of fused layers, its tiling and the ops every tile runs; then
 * modulo-schedule it and print the schedule table (each loop's reservation
 * table, stages and bounds). Public API only.
 *
 *   compile_model MODEL.onnx|MODEL.json [TARGET.json]
 *
 * Without a target file the built-in default (an edge NPU) is used. Errors
 * print the library's message, which names the file and the node, tensor
 * or field at fault, and exit 1.
 *
 * Build against an installed nnpipe:
 *   cc compile_model.c $(pkg-config --cflags --libs nnpipe) -o compile_model */
#include <nnpipe/nnpipe.h>
#include <stdio.h>

static void print_tiling(nnp_program *p, int g, const nnp_group_desc *d)
{
    printf("  %lld tiles:", (long long)d->tile_count);
    for (int k = 0; k < d->loop_count; k++) {
        nnp_tile_loop_desc l;
        nnp_program_tile_loop(p, g, k, &l);
        printf(" %s %lld/%lld%s", l.name, (long long)l.tile, (long long)l.extent,
               l.reduction ? " (reduction)" : "");
    }
    printf("\n");
}

static void print_ops(nnp_program *p, int g, const nnp_group_desc *d)
{
    printf("  %-12s %-12s %-8s %6s %8s %8s %12s\n", "op", "kind", "unit", "period", "cycles",
           "bytes", "total cycles");
    for (int k = 0; k < d->op_count; k++) {
        nnp_op_desc o;
        nnp_program_op(p, g, k, &o);
        printf("  %-12s %-12s %-8s %6lld %8lld %8lld %12lld\n", o.name, o.kind_name, o.unit_name,
               (long long)o.period, (long long)o.cycles, (long long)o.bytes,
               (long long)o.total_cycles);
    }
}

static void print_buffers(nnp_program *p, int g, const nnp_group_desc *d)
{
    printf("  buffers:");
    for (int k = 0; k < d->buffer_count; k++) {
        nnp_buffer_desc b;
        nnp_program_buffer(p, g, k, &b);
        printf(" %s %lldB x%d (%s)", b.name, (long long)b.bytes, b.copies, b.pool_name);
    }
    printf("\n");
}

/* Modulo-schedules p (verified) and prints the statistics and the table. */
static int print_schedule(nnp_program *p)
{
    nnp_schedule *s;
    nnp_schedule_desc d;
    int rc = nnp_schedule_new(p, NULL, &s);
    if (rc == NNP_OK && (rc = nnp_schedule_describe(s, &d)) == NNP_OK) {
        printf("\nschedule: %lld cycles (lower bound %lld), %.2fx faster than sequential, %s\n\n",
               (long long)d.makespan, (long long)d.lower_bound, d.speedup,
               d.verified ? "verified" : "not verified");
        rc = nnp_schedule_emit_file(s, "table", NULL, stdout);
    }
    if (rc != NNP_OK)
        fprintf(stderr, "compile_model: %s\n", nnp_schedule_errmsg(s));
    nnp_schedule_close(s);
    return rc;
}

static void print_program(nnp_program *p)
{
    for (int g = 0; g < nnp_program_group_count(p); g++) {
        nnp_group_desc d;
        nnp_program_group(p, g, &d);
        printf("\ngroup %d (%s): %s, %d node%s, %lld MACs\n", g, d.kind_name, d.name,
               d.node_count, d.node_count == 1 ? "" : "s", (long long)d.macs);
        if (d.kind == NNP_GROUP_ALIAS) {
            printf("  no ops: the output shares its input's memory\n");
            continue;
        }
        print_tiling(p, g, &d);
        print_ops(p, g, &d);
        print_buffers(p, g, &d);
        printf("  cycles: pipelined ~%lld, sequential %lld\n", (long long)d.est_cycles,
               (long long)d.seq_cycles);
    }
    nnp_program_desc pd;
    nnp_program_describe(p, &pd);
    printf("\ntotal: %d groups, %lld MACs, %lld bytes loaded, %lld stored, "
           "~%lld cycles pipelined vs %lld sequential\n",
           pd.group_count, (long long)pd.macs, (long long)pd.bytes_loaded,
           (long long)pd.bytes_stored, (long long)pd.est_cycles, (long long)pd.seq_cycles);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: compile_model MODEL [TARGET.json]\n");
        return 2;
    }
    nnp_model *m = NULL;
    nnp_target *t = NULL;
    nnp_program *p = NULL;
    int status = 1;
    if (nnp_model_open(argv[1], &m) != NNP_OK)
        fprintf(stderr, "compile_model: %s\n", nnp_model_errmsg(m));
    else if ((argc == 3 ? nnp_target_open(argv[2], &t) : nnp_target_default(&t)) != NNP_OK)
        fprintf(stderr, "compile_model: %s\n", nnp_target_errmsg(t));
    else if (nnp_program_lower(m, t, &p) != NNP_OK)
        fprintf(stderr, "compile_model: %s\n", nnp_program_errmsg(p));
    else {
        nnp_target_desc td;
        nnp_target_describe(t, &td);
        printf("nnpipe %s: %s for target %s (%d nodes)\n", nnp_version(), argv[1], td.name,
               nnp_model_node_count(m));
        print_program(p);
        status = print_schedule(p) != NNP_OK;
    }
    nnp_program_close(p);
    nnp_target_close(t);
    nnp_model_close(m);
    return status;
}
