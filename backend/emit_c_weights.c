/* Constants of the generated C: the weights, biases and folded
 * BatchNormalization parameters the loads read (and constant graph
 * outputs), with their exact float bit patterns.
 *
 * Embedded, each constant is `static const float W<t>[n]` written in C99
 * hex floats (`%a` is exact; decimal would round). In a side file, all
 * constants are concatenated as raw little-endian float32 (the .bin text),
 * W<t> names a slice of one static array, and NAME_load_weights(path)
 * fills it, checking the size and an FNV-1a checksum of the bytes so a
 * stale or foreign file is refused rather than silently used. Only
 * constants some op reads are emitted: weights replaced by folded ones
 * are left out. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emit_c_impl.h"

static int64_t numel(const prog_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->rank; d++)
        n *= t->dims[d];
    return n;
}

/* Marks the constants the code reads. */
static void mark_used(cgen *cg)
{
    const program *p = cg->p;
    for (int g = 0; g < p->ngroups; g++)
        for (int o = 0; o < p->groups[g].nops; o++) {
            const prog_op *op = &p->groups[g].ops[o];
            if (op->kind == POP_STORE || op->kind == POP_COMPUTE || op->kind == POP_POOL ||
                o == cg->groups[g].bt_op)
                continue;
            int root = cg->tensors[op->tensor].root;
            if (cg->tensors[root].how == CS_CONST)
                cg->tensors[root].used = 1;
        }
    for (int k = 0; k < p->g->noutputs; k++) {
        int root = cg->tensors[p->g->outputs[k]].root;
        if (cg->tensors[root].how == CS_CONST)
            cg->tensors[root].used = 1;
    }
}

/* A float in as few exact characters as %a allows. */
static void put_weight(strbuf *out, float v)
{
    if (v != v)
        sb_puts(out, "NAN");
    else if (isinf(v))
        sb_puts(out, v > 0 ? "INFINITY" : "-INFINITY");
    else if (v == 0)
        sb_puts(out, signbit(v) ? "-0.0f" : "0");
    else
        sb_printf(out, "%af", (double)v);
}

static void comment(const prog_tensor *t, strbuf *out)
{
    char nm[128];
    sb_printf(out, "/* '%s' [", cg_comment_safe(t->name, nm, sizeof nm));
    for (int d = 0; d < t->rank; d++)
        sb_printf(out, "%s%lld", d ? "x" : "", (long long)t->dims[d]);
    sb_puts(out, "] */\n");
}

/* Element i of constant t (data of its storage root), with the last two
 * dims swapped when transposed. */
static float weight_at(const cgen *cg, int t, int64_t i, int transposed)
{
    const prog_tensor *pt = &cg->p->tensors[t];
    const float *d = cg->p->tensors[cg->tensors[t].root].data;
    if (!transposed)
        return d[i];
    int64_t r = pt->dims[pt->rank - 2], c = pt->dims[pt->rank - 1], m = r * c;
    int64_t base = i / m * m, k = i % m; /* k: position in the transposed c x r matrix */
    return d[base + (k % r) * c + k / r];
}

static int64_t numel_of(const cgen *cg, int t)
{
    return numel(&cg->p->tensors[t]);
}

static void embed_transposed(const cgen *cg, strbuf *src)
{
    for (int t = 0; t < cg->p->ntensors; t++) {
        if (!cg->tensors[t].transposed)
            continue;
        int64_t n = numel_of(cg, t);
        char nm[128];
        sb_printf(src, "/* '%s' with its last two dims swapped */\nstatic const float WT%d[%lld] = {",
                  cg_comment_safe(cg->p->tensors[t].name, nm, sizeof nm), t, (long long)n);
        for (int64_t i = 0; i < n; i++) {
            sb_puts(src, i % 8 == 0 ? "\n    " : " ");
            put_weight(src, weight_at(cg, t, i, 1));
            if (i + 1 < n)
                sb_putc(src, ',');
        }
        sb_puts(src, "\n};\n");
    }
}

static void embed(const cgen *cg, strbuf *src)
{
    for (int t = 0; t < cg->p->ntensors; t++) {
        if (!cg->tensors[t].used)
            continue;
        const prog_tensor *pt = &cg->p->tensors[t];
        int64_t n = numel(pt);
        comment(pt, src);
        sb_printf(src, "static const float W%d[%lld] = {", t, (long long)(n > 0 ? n : 1));
        for (int64_t i = 0; i < n; i++) {
            sb_puts(src, i % 8 == 0 ? "\n    " : " ");
            put_weight(src, pt->data[i]);
            if (i + 1 < n)
                sb_putc(src, ',');
        }
        sb_puts(src, n > 0 ? "\n};\n" : "0};\n");
    }
    embed_transposed(cg, src);
}

static uint32_t fnv1a(uint32_t h, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

static void side_file(const cgen *cg, strbuf *src, strbuf *bin)
{
    int64_t off = 0;
    uint32_t h = 2166136261u;
    for (int pass = 0; pass < 2; pass++)
    for (int t = 0; t < cg->p->ntensors; t++) {
        if (pass ? !cg->tensors[t].transposed : !cg->tensors[t].used)
            continue;
        const prog_tensor *pt = &cg->p->tensors[t];
        int64_t n = numel(pt);
        comment(pt, src);
        sb_printf(src, "#define W%s%d (nnp_weights + %lld)\n", pass ? "T" : "", t, (long long)off);
        for (int64_t i = 0; i < n; i++) {
            uint32_t u;
            unsigned char b[4];
            float v = weight_at(cg, t, i, pass);
            memcpy(&u, &v, 4);
            for (int k = 0; k < 4; k++)
                b[k] = (unsigned char)(u >> (8 * k));
            h = fnv1a(h, b, 4);
            for (int k = 0; k < 4; k++)
                sb_putc(bin, (char)b[k]);
        }
        off += n;
    }
    const char *nm = cg->o->name;
    sb_printf(src,
              "\nstatic float nnp_weights[%lld];\n"
              "static int nnp_weights_loaded;\n\n"
              "/* Fills the weights from the raw little-endian float32 file at path (the\n"
              " * .bin written beside this file): 0 on success, -1 when it cannot be read,\n"
              " * -2 when its size is not %lld bytes, -3 when its checksum differs. */\n"
              "int %s_load_weights(const char *path)\n"
              "{\n"
              "    unsigned char buf[4096];\n"
              "    long have = 0, i;\n"
              "    size_t got;\n"
              "    uint32_t h = 2166136261u, u = 0;\n"
              "    FILE *f = fopen(path, \"rb\");\n"
              "    nnp_weights_loaded = 0;\n"
              "    if (!f)\n"
              "        return -1;\n"
              "    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {\n"
              "        if (have + (long)got > %lldL) {\n"
              "            fclose(f);\n"
              "            return -2;\n"
              "        }\n"
              "        for (i = 0; i < (long)got; i++) {\n"
              "            const long at = have + i;\n"
              "            h = (h ^ buf[i]) * 16777619u;\n"
              "            u |= (uint32_t)buf[i] << (8 * (at %% 4));\n"
              "            if (at %% 4 == 3) {\n"
              "                memcpy(&nnp_weights[at / 4], &u, 4);\n"
              "                u = 0;\n"
              "            }\n"
              "        }\n"
              "        have += (long)got;\n"
              "    }\n"
              "    fclose(f);\n"
              "    if (have != %lldL)\n"
              "        return -2;\n"
              "    if (h != %luu)\n"
              "        return -3;\n"
              "    nnp_weights_loaded = 1;\n"
              "    return 0;\n"
              "}\n",
              (long long)(off > 0 ? off : 1), (long long)(off * 4), nm, (long long)(off * 4),
              (long long)(off * 4), (unsigned long)h);
}

int cg_weights(cgen *cg, strbuf *src, strbuf *bin)
{
    mark_used(cg);
    sb_puts(src, "\n/* ---- constants ---- */\n");
    if (cg->o->weights_file)
        side_file(cg, src, bin);
    else
        embed(cg, src);
    return NNP_OK;
}
