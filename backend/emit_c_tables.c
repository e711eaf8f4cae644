/* Per-tile region tables: the boxes every op moves or computes, as data.
 *
 * The generated code does no region arithmetic of its own. For each op the
 * backend evaluates prog_op_region at every tile, exactly as the tile
 * interpreter does, and writes the rows as const int32 arrays:
 *   lo[rank], hi[rank]    the box (a load's may run past the tensor: padding)
 *   clo[rank], chi[rank]  its part inside the tensor (what DMA moves)
 * Tiles repeat (resident weights, the same input rows for every output
 * channel tile), so only distinct rows are kept, with an index per tile
 * when there is more than one row and fewer rows than tiles. A kernel then
 * reads its boxes as R3_1[X3_1[t]]: data, not code, so code size does not
 * grow with the tile count and window, broadcast and group-conv geometry
 * is decided in one place (passes/tile.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_impl.h"

static uint64_t row_hash(const int32_t *v, int w)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < w; i++) {
        h ^= (uint32_t)v[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The region of op at tile t as a row; -1 when a value leaves int32. A
 * load of B^T (see transpose_constants) gets its box with the last two
 * dims swapped. */
static int region_row(const cgen *cg, int g, int op, int64_t t, int32_t *row, int w)
{
    region r;
    nnp_err e;
    if (prog_op_region(cg->p, g, op, t, &r, &e))
        return -1;
    int rank = r.rank;
    if (op == cg->groups[g].bt_op && rank >= 2) {
        int64_t *parts[4] = {r.lo, r.hi, r.clo, r.chi};
        for (int k = 0; k < 4; k++) {
            int64_t x = parts[k][rank - 1];
            parts[k][rank - 1] = parts[k][rank - 2];
            parts[k][rank - 2] = x;
        }
    }
    const int64_t *parts[4] = {r.lo, r.hi, r.clo, r.chi};
    memset(row, 0, (size_t)w * sizeof *row);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < rank; i++) {
            int64_t v = parts[k][i];
            if (v < INT32_MIN || v > INT32_MAX)
                return -1;
            row[k * rank + i] = (int32_t)v;
        }
    return 0;
}

/* Distinct rows of one op: rows[] keeps them in first-seen order, idx[t]
 * says which one tile t uses. */
static int dedup(const cgen *cg, int g, int op, int w, int32_t **rows, int64_t *nrows,
                 int64_t *idx)
{
    int64_t nt = cg->p->groups[g].ntiles, cap = 1, n = 0;
    while (cap < 2 * nt)
        cap *= 2;
    int64_t *slot = malloc((size_t)cap * sizeof *slot);
    int32_t *v = xcalloc((size_t)nt * (size_t)w + 1, sizeof *v);
    int32_t *cur = xcalloc((size_t)w + 1, sizeof *cur);
    int rc = slot && v && cur ? 0 : -1;
    for (int64_t i = 0; i < cap && slot; i++)
        slot[i] = -1;
    for (int64_t t = 0; t < nt && !rc; t++) {
        if (region_row(cg, g, op, t, cur, w)) {
            rc = -2;
            break;
        }
        uint64_t h = row_hash(cur, w) & (uint64_t)(cap - 1);
        while (slot[h] >= 0 && memcmp(v + slot[h] * w, cur, (size_t)w * sizeof *cur))
            h = (h + 1) & (uint64_t)(cap - 1);
        if (slot[h] < 0) {
            slot[h] = n;
            memcpy(v + n * w, cur, (size_t)w * sizeof *cur);
            n++;
        }
        idx[t] = slot[h];
    }
    free(slot);
    free(cur);
    if (rc) {
        free(v);
        return rc;
    }
    *rows = v;
    *nrows = n;
    return 0;
}

int cg_tables(cgen *cg, int g, cg_rows *rows)
{
    const prog_group *gr = &cg->p->groups[g];
    c_group *cgr = &cg->groups[g];
    rows->nops = gr->nops;
    rows->v = xcalloc((size_t)gr->nops + 1, sizeof *rows->v);
    if (!rows->v)
        return err_set(cg->e, NNP_NOMEM, "out of memory tabling regions of %s", gr->name);
    for (int o = 0; o < gr->nops; o++) {
        c_table *tb = &cgr->tabs[o];
        region r;
        if (prog_op_region(cg->p, g, o, 0, &r, cg->e))
            return cg->e->code;
        tb->width = r.rank > 0 ? 4 * r.rank : 1;
        tb->index = xcalloc((size_t)gr->ntiles + 1, sizeof *tb->index);
        if (!tb->index)
            return err_set(cg->e, NNP_NOMEM, "out of memory tabling regions of %s", gr->name);
        int rc = dedup(cg, g, o, tb->width, &rows->v[o], &tb->rows, tb->index);
        if (rc == -2)
            return err_set(cg->e, NNP_LIMIT, "%s: op %s has a region coordinate outside the "
                           "32-bit range of the generated tables", gr->name, gr->ops[o].name);
        if (rc)
            return err_set(cg->e, NNP_NOMEM, "out of memory tabling regions of %s", gr->name);
        tb->kind = tb->rows == 1 ? TAB_CONST : tb->rows == gr->ntiles ? TAB_DIRECT : TAB_INDEXED;
        if (tb->kind != TAB_INDEXED) {
            free(tb->index);
            tb->index = NULL;
        }
    }
    return NNP_OK;
}

void cg_tables_free(cg_rows *rows)
{
    for (int o = 0; rows->v && o < rows->nops; o++)
        free(rows->v[o]);
    free(rows->v);
    rows->v = NULL;
}

static void put_row(strbuf *out, const int32_t *v, int w)
{
    sb_putc(out, '{');
    for (int i = 0; i < w; i++)
        sb_printf(out, "%s%ld", i ? "," : "", (long)v[i]);
    sb_putc(out, '}');
}

static const char *index_type(int64_t rows)
{
    return rows <= 256 ? "uint8_t" : rows <= 65536 ? "uint16_t" : "uint32_t";
}

void cg_tables_emit(const cgen *cg, int g, const cg_rows *rows, strbuf *out)
{
    const prog_group *gr = &cg->p->groups[g];
    for (int o = 0; o < gr->nops; o++) {
        const c_table *tb = &cg->groups[g].tabs[o];
        if (!tb->used)
            continue;
        char nm[64];
        sb_printf(out, "/* %s: %s boxes (lo, hi, clipped lo, clipped hi per dim)%s */\n",
                  cg_comment_safe(gr->name, nm, sizeof nm), gr->ops[o].name,
                  tb->kind == TAB_CONST ? ", the same for every tile" : "");
        if (tb->kind == TAB_CONST) {
            sb_printf(out, "static const int32_t R%d_%d[%d] = ", g, o, tb->width);
            put_row(out, rows->v[o], tb->width);
            sb_puts(out, ";\n");
            continue;
        }
        sb_printf(out, "static const int32_t R%d_%d[%lld][%d] = {\n", g, o, (long long)tb->rows,
                  tb->width);
        for (int64_t r = 0; r < tb->rows; r++) {
            sb_puts(out, "    ");
            put_row(out, rows->v[o] + r * tb->width, tb->width);
            sb_puts(out, r + 1 < tb->rows ? ",\n" : "\n");
        }
        sb_puts(out, "};\n");
        if (tb->kind == TAB_INDEXED) {
            sb_printf(out, "static const %s X%d_%d[%lld] = {", index_type(tb->rows), g, o,
                      (long long)gr->ntiles);
            for (int64_t t = 0; t < gr->ntiles; t++)
                sb_printf(out, "%s%s%lld", t ? "," : "", t % 32 == 0 ? "\n    " : "",
                          (long long)tb->index[t]);
            sb_puts(out, "\n};\n");
        }
    }
}

void cg_row_expr(const cgen *cg, const cg_site *s, int op, char *buf, size_t len)
{
    c_table *tb = &cg->groups[s->g].tabs[op];
    tb->used = 1;
    if (tb->kind == TAB_CONST)
        snprintf(buf, len, "R%d_%d", s->g, op);
    else if (s->tconst >= 0)
        snprintf(buf, len, "R%d_%d[%lld]", s->g, op,
                 (long long)(tb->kind == TAB_DIRECT ? s->tconst : tb->index[s->tconst]));
    else if (tb->kind == TAB_DIRECT)
        snprintf(buf, len, "R%d_%d[t]", s->g, op);
    else
        snprintf(buf, len, "R%d_%d[X%d_%d[t]]", s->g, op, s->g, op);
}
