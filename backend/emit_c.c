/* The C backend's driver: lays out memory, emits every group (its region
 * tables, kernels and pipelined loop), then assembles model.c and model.h.
 *
 * model.c, top to bottom: the runtime (DMA macros, box moves), the memory
 * layout as a comment with the scratch and arena arrays, the constants,
 * tensor shapes, region tables, each group's kernels and loop function,
 * NAME_run calling the groups in program order, and optionally main().
 * Everything is generated into memory first; the helpers a model needs
 * are known only after its kernels are written, so the runtime goes in
 * last, at the top. NAME_run keeps its state in static arrays: it is not
 * reentrant, as usual for code meant for a microcontroller. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_impl.h"
#include "nnpipe/nnpipe.h"

/* ---- text helpers ---- */

const char *cg_comment_safe(const char *s, char *buf, size_t len)
{
    size_t n = 0;
    for (; s && *s && n + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c == '*' && s[1] == '/') || (c == '/' && s[1] == '*'))
            buf[n++] = '_';
        else
            buf[n++] = c < 32 || c > 126 ? '?' : (char)c;
    }
    buf[n] = 0;
    return buf;
}

static void cg_string_lit(strbuf *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(out, "\\%c", c);
        else if (c < 32 || c > 126 || c == '?')
            sb_printf(out, "\\%03o", c);
        else
            sb_putc(out, (char)c);
    }
}

const char *cg_float(float v, char *buf, size_t len)
{
    if (v != v)
        snprintf(buf, len, "NAN");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "INFINITY" : "(-INFINITY)");
    else if (v == 0)
        snprintf(buf, len, signbit(v) ? "(-0.0f)" : "0.0f");
    else if (v < 0)
        snprintf(buf, len, "(%af)", (double)v);
    else
        snprintf(buf, len, "%af", (double)v);
    return buf;
}

const char *cg_group_name(const cgen *cg, int g, char *buf, size_t len)
{
    int n = snprintf(buf, len, "g%d", g);
    const char *s = cg->p->groups[g].name;
    for (; *s && n + 2 < (int)len && n < 40; s++) {
        if (!isalnum((unsigned char)*s))
            continue;
        if (s == cg->p->groups[g].name || !isalnum((unsigned char)s[-1]))
            buf[n++] = '_';
        buf[n++] = *s;
    }
    buf[n] = 0;
    return buf;
}

static int ident_char(char c)
{
    return c == '_' || isalnum((unsigned char)c);
}

int cg_mentions(const char *text, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = text; p && (p = strstr(p, id)); p++)
        if ((p == text || !ident_char(p[-1])) && !ident_char(p[n]))
            return 1;
    return 0;
}

void cg_subst(const char *tmpl, const char *const *names, const char *const *vals, int n,
              strbuf *out)
{
    for (const char *p = tmpl; *p;) {
        const char *q = p;
        if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
            while (ident_char(*q) || *q == '.')
                q++;
        } else if (ident_char(*p)) {
            while (ident_char(*q))
                q++;
            size_t len = (size_t)(q - p);
            int k = 0;
            while (k < n && (strlen(names[k]) != len || strncmp(names[k], p, len)))
                k++;
            if (k < n) {
                /* a name or an unsigned literal is one token */
                int plain = emit_c_valid_name(vals[k]) || isdigit((unsigned char)vals[k][0]);
                sb_printf(out, plain ? "%s" : "(%s)", vals[k]);
                p = q;
                continue;
            }
        } else {
            q++;
        }
        sb_printf(out, "%.*s", (int)(q - p), p);
        p = q;
    }
}

int emit_c_valid_name(const char *s)
{
    if (!s || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    size_t n = 0;
    for (; s[n]; n++)
        if (!ident_char(s[n]))
            return 0;
    return n <= 64;
}

/* ---- pieces of the files ---- */

static int64_t numel(const prog_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->rank; d++)
        n *= t->dims[d];
    return n;
}

static void upper(const char *s, char *buf, size_t len)
{
    size_t n = 0;
    for (; *s && n + 1 < len; s++)
        buf[n++] = (char)toupper((unsigned char)*s);
    buf[n] = 0;
}

static void dims_arrays(const cgen *cg, strbuf *out)
{
    sb_puts(out, "\n/* ---- tensor shapes (loads and stores address main memory by them) ---- */\n");
    for (int t = 0; t < cg->p->ntensors; t++)
        for (int tr = 0; tr < 2; tr++) {
            if (!(cg->dims_used[t] & (1 << tr)))
                continue;
            const prog_tensor *pt = &cg->p->tensors[t];
            char nm[96];
            sb_printf(out, "static const int32_t D%s%d[%d] = {", tr ? "T" : "", t, pt->rank);
            for (int d = 0; d < pt->rank; d++) {
                int k = tr && d >= pt->rank - 2 ? 2 * pt->rank - 3 - d : d;
                sb_printf(out, "%s%lld", d ? ", " : "", (long long)pt->dims[k]);
            }
            sb_printf(out, "}; /* '%s'%s */\n", cg_comment_safe(pt->name, nm, sizeof nm),
                      tr ? ", last two dims swapped" : "");
        }
}

static void io_params(const graph *g, strbuf *out)
{
    for (int k = 0; k < g->ninputs; k++)
        sb_printf(out, "%sconst float *in%d", k ? ", " : "", k);
    for (int k = 0; k < g->noutputs; k++)
        sb_printf(out, "%sfloat *out%d", k || g->ninputs ? ", " : "", k);
    if (!g->ninputs && !g->noutputs)
        sb_puts(out, "void");
}

static int has_code(const program *p, int g)
{
    return p->groups[g].ntiles > 0 && p->groups[g].nops > 0;
}

static void run_function(const cgen *cg, strbuf *out)
{
    const program *p = cg->p;
    const graph *g = p->g;
    strbuf body = {0};
    if (cg->o->weights_file)
        sb_puts(&body, "    if (!nnp_weights_loaded)\n        return -1;\n");
    for (int gi = 0; gi < p->ngroups; gi++)
        if (has_code(p, gi))
            cg_group_call(cg, gi, &body);
    for (int k = 0; k < g->noutputs; k++) {
        int t = g->outputs[k], root = cg->tensors[t].root;
        const c_tensor *ct = &cg->tensors[root];
        if (ct->how == CS_OUTPUT && ct->index == k)
            continue;
        char e[96];
        cg_tensor_expr(cg, root, e, sizeof e);
        sb_printf(&body, "    memcpy(out%d, %s, %lld * sizeof(float));\n", k, e,
                  (long long)numel(&p->tensors[t]));
    }
    sb_printf(out, "\nint %s_run(", cg->o->name);
    io_params(g, out);
    sb_puts(out, ")\n{\n");
    for (int k = 0; k < g->ninputs + g->noutputs; k++) {
        char id[16];
        snprintf(id, sizeof id, k < g->ninputs ? "in%d" : "out%d",
                 k < g->ninputs ? k : k - g->ninputs);
        if (!cg_mentions(body.s, id))
            sb_printf(out, "    (void)%s;\n", id);
    }
    if (body.s)
        sb_puts(out, body.s);
    sb_puts(out, "    return 0;\n}\n");
    sb_free(&body);
}

static void main_function(const cgen *cg, strbuf *out)
{
    const graph *g = cg->p->g;
    const char *nm = cg->o->name;
    int nio = g->ninputs + g->noutputs;
    sb_puts(out, "\n/* ---- main: raw float32 files in, raw float32 files out ---- */\n"
                 "static int nnp_read(const char *path, float *dst, long n)\n{\n"
                 "    FILE *f = fopen(path, \"rb\");\n"
                 "    long got;\n"
                 "    if (!f)\n        return -1;\n"
                 "    got = (long)fread(dst, sizeof(float), (size_t)n, f);\n"
                 "    if (got != n || fgetc(f) != EOF) {\n"
                 "        fclose(f);\n        return -2;\n    }\n"
                 "    fclose(f);\n    return 0;\n}\n\n"
                 "static int nnp_write(const char *path, const float *src, long n)\n{\n"
                 "    FILE *f = fopen(path, \"wb\");\n"
                 "    int ok;\n"
                 "    if (!f)\n        return -1;\n"
                 "    ok = (long)fwrite(src, sizeof(float), (size_t)n, f) == n;\n"
                 "    return fclose(f) == 0 && ok ? 0 : -1;\n}\n\n");
    for (int k = 0; k < g->ninputs; k++)
        sb_printf(out, "static float nnp_in%d[%lld];\n", k,
                  (long long)max64(1, numel(&cg->p->tensors[g->inputs[k]])));
    for (int k = 0; k < g->noutputs; k++)
        sb_printf(out, "static float nnp_out%d[%lld];\n", k,
                  (long long)max64(1, numel(&cg->p->tensors[g->outputs[k]])));
    sb_puts(out, "\nint main(int argc, char **argv)\n{\n    int a = 1, rc;\n");
    if (cg->o->weights_file) {
        sb_puts(out, "    const char *weights = \"");
        cg_string_lit(out, cg->o->bin_path ? cg->o->bin_path : "model.bin");
        sb_printf(out, "\";\n"
                       "    if (argc > 2 && !strcmp(argv[1], \"--weights\")) {\n"
                       "        weights = argv[2];\n        a = 3;\n    }\n"
                       "    if ((rc = %s_load_weights(weights)) != 0) {\n"
                       "        fprintf(stderr, \"%%s: cannot load weights (error %%d)\\n\", "
                       "weights, rc);\n        return 1;\n    }\n",
                  nm);
    }
    sb_printf(out, "    if (argc - a != %d) {\n"
                   "        fprintf(stderr, \"usage: %%s%s", nio,
              cg->o->weights_file ? " [--weights FILE]" : "");
    for (int k = 0; k < g->ninputs; k++)
        sb_printf(out, " IN%d.bin", k);
    for (int k = 0; k < g->noutputs; k++)
        sb_printf(out, " OUT%d.bin", k);
    sb_puts(out, "\\n\", argv[0]);\n        return 2;\n    }\n");
    for (int k = 0; k < g->ninputs; k++)
        sb_printf(out, "    if (nnp_read(argv[a + %d], nnp_in%d, %lld)) {\n"
                       "        fprintf(stderr, \"%%s: cannot read %lld float32 values\\n\", "
                       "argv[a + %d]);\n        return 1;\n    }\n",
                  k, k, (long long)numel(&cg->p->tensors[g->inputs[k]]),
                  (long long)numel(&cg->p->tensors[g->inputs[k]]), k);
    sb_printf(out, "    rc = %s_run(", nm);
    for (int k = 0; k < nio; k++)
        sb_printf(out, "%snnp_%s%d", k ? ", " : "", k < g->ninputs ? "in" : "out",
                  k < g->ninputs ? k : k - g->ninputs);
    sb_puts(out, ");\n    if (rc) {\n        fprintf(stderr, \"run failed (%d)\\n\", rc);\n"
                 "        return 1;\n    }\n");
    for (int k = 0; k < g->noutputs; k++)
        sb_printf(out, "    if (nnp_write(argv[a + %d], nnp_out%d, %lld)) {\n"
                       "        fprintf(stderr, \"%%s: cannot write\\n\", argv[a + %d]);\n"
                       "        return 1;\n    }\n",
                  g->ninputs + k, k, (long long)numel(&cg->p->tensors[g->outputs[k]]),
                  g->ninputs + k);
    sb_puts(out, "    return 0;\n}\n");
}

static void io_macros(const cgen *cg, strbuf *h, const char *up, const char *kind, int k, int t)
{
    const prog_tensor *pt = &cg->p->tensors[t];
    sb_printf(h, "#define %s_%s%d_NAME \"", up, kind, k);
    cg_string_lit(h, pt->name);
    sb_printf(h, "\"\n#define %s_%s%d_RANK %d\n#define %s_%s%d_SHAPE {", up, kind, k, pt->rank, up,
              kind, k);
    for (int d = 0; d < pt->rank; d++)
        sb_printf(h, "%s%lld", d ? ", " : "", (long long)pt->dims[d]);
    sb_printf(h, "}\n#define %s_%s%d_SIZE %lld /* float32 elements */\n", up, kind, k,
              (long long)numel(pt));
}

static void stats_comment(const cgen *cg, strbuf *h)
{
    const plan *pl = cg->pl;
    const program *p = cg->p;
    const plan_stats *s = &pl->stats;
    int loops = 0;
    double ii_sum = 0;
    for (int g = 0; g < p->ngroups; g++)
        if (has_code(p, g)) {
            loops++;
            ii_sum += pl->loops[g].mii > 0 ? (double)pl->loops[g].ii / (double)pl->loops[g].mii : 1;
        }
    sb_printf(h, " * Model: %lld MACs in %d tile loops.\n"
                 " * Schedule (modulo, target %s at %g MHz): makespan %lld cycles, sequential %lld "
                 "(speedup %.2fx),\n * lower bound %lld (efficiency %.1f%%), mean II/MII %.2f.\n"
                 " * Local memory: %lld bytes of scratch (the plan's peak: %lld); activations: %lld "
                 "bytes.\n",
              (long long)p->macs, loops, p->t->name, p->t->clock_mhz, (long long)s->makespan,
              (long long)s->sequential, s->speedup, (long long)s->lower_bound,
              100.0 * s->efficiency, loops ? ii_sum / loops : 1.0, (long long)cg->scratch_bytes,
              (long long)(s->peak[0] + s->peak[1] + s->peak[2] + s->peak[3]),
              (long long)cg->arena_bytes);
}

static void header_file(const cgen *cg, strbuf *h)
{
    const graph *g = cg->p->g;
    const char *nm = cg->o->name;
    char up[80], label[256];
    upper(nm, up, sizeof up);
    sb_printf(h, "/* %s.h: generated by nnpipe %s from %s. Do not edit.\n", nm,
              NNPIPE_VERSION_STRING,
              cg_comment_safe(cg->o->model_label ? cg->o->model_label : "a model", label,
                              sizeof label));
    stats_comment(cg, h);
    sb_printf(h, " *\n * %s_run computes the model: inputs and outputs are float32 arrays in row-major\n"
                 " * order, in graph order (see the _NAME/_SHAPE macros); it returns 0. It keeps\n"
                 " * its buffers in static arrays, so it is not reentrant.\n",
              nm);
    if (cg->o->weights_file)
        sb_printf(h, " * Call %s_load_weights(path) first (0 on success); until then %s_run\n"
                     " * returns -1.\n",
                  nm, nm);
    sb_puts(h, " */\n");
    sb_printf(h, "#ifndef %s_H\n#define %s_H\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
              up, up);
    sb_printf(h, "#define %s_NUM_INPUTS %d\n#define %s_NUM_OUTPUTS %d\n", up, g->ninputs, up,
              g->noutputs);
    for (int k = 0; k < g->ninputs; k++)
        io_macros(cg, h, up, "IN", k, g->inputs[k]);
    for (int k = 0; k < g->noutputs; k++)
        io_macros(cg, h, up, "OUT", k, g->outputs[k]);
    sb_printf(h, "#define %s_MACS %lldLL\n"
                 "#define %s_SCRATCH_BYTES %lld /* local memory: the static scratch array */\n"
                 "#define %s_ACTIVATION_BYTES %lld /* tensors between layers: the static arena */\n"
                 "#define %s_DMA_CHANNELS %d /* channel numbers are below this */\n"
                 "#define %s_MAKESPAN_CYCLES %lldLL\n",
              up, (long long)cg->p->macs, up, (long long)cg->scratch_bytes, up,
              (long long)cg->arena_bytes, up, cg->max_chan > 0 ? cg->max_chan : 1, up,
              (long long)cg->pl->stats.makespan);
    if (cg->o->weights_file)
        sb_printf(h, "#define %s_WEIGHTS_BYTES %lldLL\n\nint %s_load_weights(const char *path);\n",
                  up, (long long)cg->bin_len, nm);
    sb_printf(h, "\nint %s_run(", nm);
    io_params(g, h);
    sb_printf(h, ");\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* Every group's tables, kernels and loop function. */
static int groups_code(cgen *cg, strbuf *tables, strbuf *code)
{
    int rc = NNP_OK;
    for (int g = 0; g < cg->p->ngroups && !rc; g++) {
        if (!has_code(cg->p, g))
            continue;
        cg->features |= RT_MOVE;
        cg_rows rows = {0};
        rc = cg_tables(cg, g, &rows);
        if (!rc)
            rc = cg_kernels(cg, g, code);
        if (!rc)
            rc = cg_group(cg, g, code);
        if (!rc)
            cg_tables_emit(cg, g, &rows, tables);
        cg_tables_free(&rows);
    }
    return rc;
}

static void memory_arrays(const cgen *cg, strbuf *out)
{
    int any = (cg->features & RT_MOVE) != 0;
    sb_puts(out, "\n/* ---- memory ---- */\n");
    cg_layout_comment(cg, out);
    if (any)
        sb_printf(out, "static float nnp_scratch[%lld] NNPIPE_SCRATCH_ATTR;\n",
                  (long long)max64(1, cg->scratch_bytes / 4));
    if (cg->arena_bytes)
        sb_printf(out, "static float nnp_arena[%lld] NNP_ALIGNED;\n",
                  (long long)(cg->arena_bytes / 4));
}

static int assemble(cgen *cg, emit_c_files *out)
{
    strbuf tables = {0}, code = {0}, weights = {0};
    int rc = groups_code(cg, &tables, &code);
    cg_uses(cg, code.s);
    if (!rc)
        rc = cg_weights(cg, &weights, &out->bin);
    if (!rc) {
        strbuf *c = &out->c;
        char label[256];
        sb_printf(c, "/* %s.c: generated by nnpipe %s from %s for target %s. Do not edit.\n"
                     " * Self-contained C99: needs only the C standard library headers. Each tile\n"
                     " * loop follows its modulo schedule (preamble / prologue / kernel / epilogue);\n"
                     " * per-tile boxes come from the const tables R<group>_<op> (data, not code). */\n",
                  cg->o->name, NNPIPE_VERSION_STRING,
                  cg_comment_safe(cg->o->model_label ? cg->o->model_label : "a model", label,
                                  sizeof label),
                  cg->p->t->name);
        if (cg->o->with_main || cg->o->weights_file)
            sb_puts(c, "#include <stdio.h>\n");
        sb_puts(c, "#include \"");
        cg_string_lit(c, cg->o->header ? cg->o->header : "model.h");
        sb_puts(c, "\"\n\n");
        cg_runtime(cg, c);
        memory_arrays(cg, c);
        if (weights.s)
            sb_puts(c, weights.s);
        dims_arrays(cg, c);
        sb_puts(c, "\n/* ---- region tables ---- */\n");
        if (tables.s)
            sb_puts(c, tables.s);
        sb_puts(c, "\n/* ---- kernels and tile loops ---- */\n");
        if (code.s)
            sb_puts(c, code.s);
        run_function(cg, c);
        if (cg->o->with_main)
            main_function(cg, c);
        cg->bin_len = (int64_t)out->bin.len;
        header_file(cg, &out->h);
    }
    sb_free(&tables);
    sb_free(&code);
    sb_free(&weights);
    if (!rc && (out->c.failed || out->h.failed || out->bin.failed))
        rc = err_set(cg->e, NNP_NOMEM, "out of memory writing the generated C");
    return rc;
}

int emit_c(const plan *pl, const emit_c_options *o, emit_c_files *out, nnp_err *e)
{
    memset(out, 0, sizeof *out);
    if (pl->kind != PLAN_MODULO || !pl->loops)
        return err_set(e, NNP_UNSUPPORTED, "the C backend needs a modulo plan, not a %s one",
                       plan_kind_name(pl->kind));
    if (!emit_c_valid_name(o->name))
        return err_set(e, NNP_MISUSE, "'%s' is not a C identifier usable as the model's name "
                       "(letters, digits and _, not starting with a digit, at most 64)",
                       o->name ? o->name : "(null)");
    cgen cg = {.pl = pl, .p = pl->p, .o = o, .e = e};
    int rc = cg_layout(&cg);
    if (!rc)
        rc = assemble(&cg, out);
    cg_layout_free(&cg);
    return rc;
}

void emit_c_files_free(emit_c_files *f)
{
    sb_free(&f->c);
    sb_free(&f->h);
    sb_free(&f->bin);
}

static int plan_and_emit(const program *p, const plan_options *po, const emit_c_options *o,
                         emit_c_files *out, nnp_err *e)
{
    plan *pl = NULL;
    int rc = plan_build(p, po, &pl, e);
    if (!rc)
        rc = plan_verify(pl, e);
    if (!rc)
        rc = emit_c(pl, o, out, e);
    plan_free(pl);
    return rc;
}

int emit_c_program(const program *p, const plan_options *po, const emit_c_options *o,
                   emit_c_files *out, int *used, nnp_err *e)
{
    plan_options opt;
    if (po)
        opt = *po;
    else
        plan_options_default(&opt);
    opt.kind = PLAN_MODULO;
    if (used)
        *used = 0;
    int rc = plan_and_emit(p, &opt, o, out, e);
    if (rc == NNP_INFEASIBLE && opt.overlap_loops) {
        emit_c_files_free(out);
        opt.overlap_loops = 0;
        if (used)
            *used = 1;
        rc = plan_and_emit(p, &opt, o, out, e);
    }
    return rc;
}
