/* quickstart: lower a model for the default target, print its groups and
 * its schedule's statistics, then modulo-schedule a small loop. (samples/embed/quickstart.c is the
 * README's example; a test checks they are the same and runs it.) */
#include <nnpipe/nnpipe.h>
#include <stdio.h>

static int lower_model(const char *path)
{
    nnp_model *m;
    nnp_target *t = NULL;
    nnp_program *p = NULL;
    nnp_schedule *s = NULL;
    int rc = nnp_model_open(path, &m); /* on failure m holds the message */
    if (rc != NNP_OK)
        fprintf(stderr, "%s\n", nnp_model_errmsg(m));
    else if ((rc = nnp_target_default(&t)) != NNP_OK)
        fprintf(stderr, "%s\n", nnp_target_errmsg(t));
    else if ((rc = nnp_program_lower(m, t, &p)) != NNP_OK)
        fprintf(stderr, "%s\n", nnp_program_errmsg(p));
    for (int g = 0; g < nnp_program_group_count(p); g++) {
        nnp_group_desc d;
        nnp_program_group(p, g, &d);
        printf("%-22s %-8s %4lld tiles %9lld MACs\n", d.name, d.kind_name,
               (long long)d.tile_count, (long long)d.macs);
    }
    /* Modulo-schedule (verified by default) and print the statistics. */
    if (rc == NNP_OK && (rc = nnp_schedule_new(p, NULL, &s)) == NNP_OK)
        rc = nnp_schedule_emit_file(s, "summary", NULL, stdout);
    if (rc != NNP_OK && s)
        fprintf(stderr, "%s\n", nnp_schedule_errmsg(s));
    nnp_schedule_close(s); /* every close accepts NULL */
    nnp_program_close(p);
    nnp_target_close(t);
    nnp_model_close(m);
    return rc;
}

/* s += a[i] * b[i] without the multiply: two loads share one memory port,
 * and each add needs the previous iteration's sum. */
static int schedule_loop(void)
{
    nnp_loop *l;
    int mem, alu, ld_a, ld_b, add;
    if (nnp_loop_new(&l) != NNP_OK)
        return NNP_NOMEM;
    nnp_loop_add_resource(l, "mem", 1, 1, &mem);
    nnp_loop_add_resource(l, "alu", 1, 1, &alu);
    nnp_loop_add_op(l, "ld_a", mem, 2, 0, &ld_a); /* latency 2 */
    nnp_loop_add_op(l, "ld_b", mem, 2, 0, &ld_b);
    nnp_loop_add_op(l, "add", alu, 2, 0, &add);
    nnp_loop_add_edge(l, ld_a, add, 0, 0, NULL);
    nnp_loop_add_edge(l, ld_b, add, 0, 0, NULL);
    nnp_loop_add_edge(l, add, add, 0, 1, NULL); /* distance 1: next iteration */
    nnp_loop_result r;
    int rc = nnp_loop_modulo_schedule(l, NULL);
    if (rc == NNP_OK && (rc = nnp_loop_get_result(l, &r)) == NNP_OK)
        printf("II %lld: ResMII %lld, RecMII %lld, %s\n", (long long)r.ii, (long long)r.res_mii,
               (long long)r.rec_mii, r.optimal ? "optimal" : "not proven optimal");
    else
        fprintf(stderr, "%s\n", nnp_loop_errmsg(l));
    nnp_loop_close(l);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: quickstart MODEL.onnx\n");
        return 2;
    }
    printf("nnpipe %s\n", nnp_version());
    return lower_model(argv[1]) != NNP_OK || schedule_loop() != NNP_OK;
}
