/* fir_modsched: nnpipe's modulo scheduler on a loop that has nothing to do
 * with neural networks, through the public API only.
 *
 * The loop is the body of a 4-tap FIR filter,
 *
 *     y[i] = c0*x[i] + c1*x[i-1] + c2*x[i-2] + c3*x[i-3],
 *
 * with the coefficients in registers and the delay line kept in registers
 * too: each iteration loads one new sample, and the product with x[i-k]
 * reads the value loaded k iterations earlier (an edge of distance k).
 * The machine has two ALUs, one pipelined multiplier and one load/store
 * unit. Four multiplies on one multiplier bound II below by 4 (ResMII);
 * the only recurrence, the index increment, by 1 (RecMII). The program
 * prints the bounds, the II found, each op's start, stage and instance,
 * and the modulo reservation table.
 *
 * Build against an installed nnpipe:
 *   cc fir_modsched.c $(pkg-config --cflags --libs nnpipe) -o fir_modsched */
#include <nnpipe/nnpipe.h>
#include <stdio.h>

enum { TAPS = 4 };

static int die(nnp_loop *l, int rc)
{
    fprintf(stderr, "fir_modsched: %s: %s\n", nnp_status_name(rc), nnp_loop_errmsg(l));
    nnp_loop_close(l);
    return 1;
}

/* Adds the FIR body to l; returns the first failing status, or NNP_OK. */
static int build_fir(nnp_loop *l)
{
    int alu, mul, lsu, ld, st, inc, mulk[TAPS], add01, add23, sum;
    int rc = nnp_loop_add_resource(l, "alu", 2, 1, &alu);
    rc = rc ? rc : nnp_loop_add_resource(l, "mul", 1, 1, &mul);
    rc = rc ? rc : nnp_loop_add_resource(l, "lsu", 1, 1, &lsu);
    rc = rc ? rc : nnp_loop_add_op(l, "ld_x", lsu, 2, 0, &ld);
    static const char *const mul_names[TAPS] = {"mul_c0", "mul_c1", "mul_c2", "mul_c3"};
    for (int k = 0; k < TAPS && !rc; k++) {
        rc = nnp_loop_add_op(l, mul_names[k], mul, 3, 0, &mulk[k]);
        /* x[i-k] was loaded k iterations ago. */
        rc = rc ? rc : nnp_loop_add_edge(l, ld, mulk[k], 0, k, NULL);
    }
    rc = rc ? rc : nnp_loop_add_op(l, "add_01", alu, 1, 0, &add01);
    rc = rc ? rc : nnp_loop_add_op(l, "add_23", alu, 1, 0, &add23);
    rc = rc ? rc : nnp_loop_add_op(l, "add_sum", alu, 1, 0, &sum);
    rc = rc ? rc : nnp_loop_add_op(l, "st_y", lsu, 1, 0, &st);
    rc = rc ? rc : nnp_loop_add_op(l, "inc_i", alu, 1, 0, &inc);
    rc = rc ? rc : nnp_loop_add_edge(l, mulk[0], add01, 0, 0, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, mulk[1], add01, 0, 0, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, mulk[2], add23, 0, 0, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, mulk[3], add23, 0, 0, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, add01, sum, 0, 0, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, add23, sum, 0, 0, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, sum, st, 0, 0, NULL);
    /* i += 1 feeds itself and the next iteration's addresses. */
    rc = rc ? rc : nnp_loop_add_edge(l, inc, inc, 0, 1, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, inc, ld, 0, 1, NULL);
    rc = rc ? rc : nnp_loop_add_edge(l, inc, st, 0, 1, NULL);
    return rc;
}

static void print_ops(nnp_loop *l)
{
    printf("\n%-8s %-8s %6s %6s %9s\n", "op", "resource", "start", "stage", "instance");
    for (int v = 0; v < nnp_loop_op_count(l); v++) {
        nnp_loop_op_desc op;
        nnp_resource_desc res;
        nnp_slot_desc s;
        nnp_loop_op(l, v, &op);
        nnp_loop_resource(l, op.resource, &res);
        nnp_loop_slot(l, v, &s);
        printf("%-8s %-8s %6lld %6lld %9d\n", op.name, res.name, (long long)s.start,
               (long long)s.stage, s.instance);
    }
}

static void print_table(nnp_loop *l, int64_t ii)
{
    printf("\nreservation table (cycle mod II):\n%-4s", "row");
    for (int r = 0; r < nnp_loop_resource_count(l); r++) {
        nnp_resource_desc res;
        nnp_loop_resource(l, r, &res);
        for (int k = 0; k < res.instances; k++) {
            char cell[32];
            snprintf(cell, sizeof cell, "%s.%d", res.name, k);
            printf(" %-8s", cell);
        }
    }
    printf("\n");
    for (int64_t row = 0; row < ii; row++) {
        printf("%-4lld", (long long)row);
        for (int r = 0; r < nnp_loop_resource_count(l); r++) {
            nnp_resource_desc res;
            nnp_loop_resource(l, r, &res);
            for (int k = 0; k < res.instances; k++) {
                int v;
                nnp_loop_op_desc op = {"-", 0, 0, 0};
                if (nnp_loop_reservation(l, r, k, row, &v) == NNP_OK && v >= 0)
                    nnp_loop_op(l, v, &op);
                printf(" %-8s", op.name);
            }
        }
        printf("\n");
    }
}

int main(void)
{
    nnp_loop *l;
    int rc = nnp_loop_new(&l);
    if (rc)
        return die(l, rc);
    if ((rc = build_fir(l)) || (rc = nnp_loop_modulo_schedule(l, NULL)) ||
        (rc = nnp_loop_verify(l)))
        return die(l, rc);
    nnp_loop_result r;
    nnp_loop_get_result(l, &r);
    printf("FIR filter, %d taps: %d ops on 2 ALUs, a multiplier and a load/store unit\n", TAPS,
           nnp_loop_op_count(l));
    printf("ResMII %lld  RecMII %lld  MII %lld\n", (long long)r.res_mii, (long long)r.rec_mii,
           (long long)r.mii);
    printf("II %lld (%s), %lld stages, one iteration takes %lld cycles\n", (long long)r.ii,
           r.optimal ? "optimal" : "not proven optimal", (long long)r.stage_count,
           (long long)r.length);
    print_ops(l);
    print_table(l, r.ii);
    nnp_trip_desc t;
    if (nnp_loop_trip(l, 1000, &t) == NNP_OK)
        printf("\n1000 samples: %lld cycles (%lld kernel iterations)\n",
               (long long)t.total_cycles, (long long)t.kernel_iterations);
    nnp_loop_close(l);
    return 0;
}
