/* Memory layout of the generated C: where every buffer copy sits in the
 * scratch array that models local memory, which DMA channel each copy
 * uses, and where tensors between groups live in main memory.
 *
 * Scratch. Each group's buffers are live while its loop runs, from the
 * plan's loop start to its end; loops the plan overlaps in time must not
 * overlap in space. Buffers are placed first fit, group by group, each at
 * the lowest aligned offset free of every block of its pool whose loop
 * overlaps its own, with all of a buffer's rotating copies side by side.
 * Each pool (one on a unified target; input, weight and output on a
 * target with separate buffers) is a section of one array, and a section
 * is as large as its highest block: never above the pool's capacity, or
 * emitting fails with NNP_INFEASIBLE (first fit can fragment where the
 * plan only counted bytes; emit_c_program then plans again with loops
 * one after another).
 *
 * Channels. Within a group, copy c of a buffer filled by a load is one
 * channel, and copy c of the buffer a store reads is another: a WAIT on a
 * channel then waits for exactly the transfer that touches that copy, so
 * waiting for tile i's input never waits for tile i+1's. Groups run one
 * after another and drain their channels, so numbers are reused.
 *
 * Main memory. Graph inputs are read in place from the caller's pointers;
 * a graph output stored by a group is written straight into the caller's
 * buffer (also when the output is a Reshape/Flatten/Identity view of it); constants are weight arrays; every other tensor between groups
 * gets a block of one activation arena, placed first fit over its lifetime
 * in group order (from the group storing it to the last group loading it
 * or any alias of it), so short-lived activations share memory. Aliases
 * use their root's storage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_impl.h"

/* A placed block: bytes [off, off + size) during [start, end). */
typedef struct block {
    int pool;
    int64_t off, size, start, end;
} block;

typedef struct blocks {
    block *b;
    size_t n, cap;
} blocks;

static int by_offset(const void *x, const void *y)
{
    const block *a = x, *b = y;
    return (a->off > b->off) - (a->off < b->off);
}

/* The lowest offset (a multiple of align) where size bytes of pool fit
 * beside every block overlapping [start, end) in time. */
static int first_fit(blocks *bs, int pool, int64_t size, int64_t start, int64_t end,
                     int64_t align, int64_t *off)
{
    block *live = xcalloc(bs->n + 1, sizeof *live);
    if (!live)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < bs->n; i++)
        if (bs->b[i].pool == pool && bs->b[i].start < end && start < bs->b[i].end)
            live[n++] = bs->b[i];
    qsort(live, n, sizeof *live, by_offset);
    int64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (live[i].off >= at + size)
            break;
        at = max64(at, ceil_div(live[i].off + live[i].size, align) * align);
    }
    free(live);
    *off = at;
    return 0;
}

static int place(blocks *bs, int pool, int64_t size, int64_t start, int64_t end, int64_t align,
                 int64_t *off)
{
    if (first_fit(bs, pool, size, start, end, align, off) ||
        grow((void **)&bs->b, &bs->cap, bs->n + 1, sizeof *bs->b))
        return -1;
    bs->b[bs->n++] = (block){pool, *off, size, start, end};
    return 0;
}

static int nomem(cgen *cg)
{
    return err_set(cg->e, NNP_NOMEM, "out of memory laying out the generated C");
}

/* Buffers of group g, largest first so big blocks find room early. */
static int place_group(cgen *cg, int g, blocks *bs)
{
    const program *p = cg->p;
    const prog_group *gr = &p->groups[g];
    const plan_loop *lp = &cg->pl->loops[g];
    c_group *cgr = &cg->groups[g];
    int *order = xcalloc((size_t)gr->nbufs + 1, sizeof(int));
    if (!order)
        return nomem(cg);
    for (int b = 0; b < gr->nbufs; b++)
        order[b] = b;
    for (int i = 1; i < gr->nbufs; i++)
        for (int j = i; j > 0; j--) {
            int64_t x = gr->bufs[order[j]].bytes * lp->copies[order[j]];
            int64_t y = gr->bufs[order[j - 1]].bytes * lp->copies[order[j - 1]];
            if (x <= y)
                break;
            int s = order[j];
            order[j] = order[j - 1];
            order[j - 1] = s;
        }
    int rc = NNP_OK;
    for (int i = 0; i < gr->nbufs && !rc; i++) {
        int b = order[i];
        const prog_buffer *bf = &gr->bufs[b];
        c_buf *cb = &cgr->bufs[b];
        cb->copies = lp->copies[b] > 0 ? lp->copies[b] : 1;
        cb->stride = bf->bytes;
        int64_t size, off;
        if (size_mul(bf->bytes, cb->copies, &size))
            rc = err_set(cg->e, NNP_LIMIT, "%s: buffer %s is too large", gr->name, bf->name);
        else if (place(bs, bf->pool, size, lp->start, max64(lp->end, lp->start + 1),
                       p->t->align, &off))
            rc = nomem(cg);
        else
            cb->offset = off;
        if (!rc && off + size > target_capacity(p->t, bf->pool))
            rc = err_set(cg->e, NNP_INFEASIBLE,
                         "%s: buffer %s (%lld bytes x %d copies) does not fit beside the "
                         "buffers of the loops running at the same time: it would end at byte "
                         "%lld of %s memory, which has %lld",
                         gr->name, bf->name, (long long)bf->bytes, cb->copies,
                         (long long)(off + size), mem_pool_name(bf->pool),
                         (long long)target_capacity(p->t, bf->pool));
        if (!rc)
            cg->pool_used[bf->pool] = max64(cg->pool_used[bf->pool], off + size);
    }
    free(order);
    return rc;
}

static void set_channels(cgen *cg, int g)
{
    const prog_group *gr = &cg->p->groups[g];
    c_group *cgr = &cg->groups[g];
    int n = 0;
    for (int b = 0; b < gr->nbufs; b++) {
        c_buf *cb = &cgr->bufs[b];
        cb->load_chan = cb->store_chan = -1;
        cb->period = plan_buffer_period(gr, b);
        const prog_op *pr = &gr->ops[gr->bufs[b].producer];
        cb->first = pr->kind == POP_COMPUTE && gr->red >= 0 ? 0 : pr->phase;
        if (pr->kind != POP_COMPUTE && pr->kind != POP_POOL) {
            cb->load_chan = n;
            n += cb->copies;
        }
    }
    for (int o = 0; o < gr->nops; o++)
        if (gr->ops[o].kind == POP_STORE && gr->ops[o].nin > 0) {
            c_buf *cb = &cgr->bufs[gr->ops[o].in[0]];
            if (cb->store_chan < 0) {
                cb->store_chan = n;
                n += cb->copies;
            }
        }
    cgr->nchan = n;
    if (n > cg->max_chan)
        cg->max_chan = n;
}

static int scratch_layout(cgen *cg)
{
    const program *p = cg->p;
    blocks bs = {0};
    int rc = NNP_OK;
    for (int g = 0; g < p->ngroups && !rc; g++) {
        const prog_group *gr = &p->groups[g];
        c_group *cgr = &cg->groups[g];
        cgr->bufs = xcalloc((size_t)gr->nbufs + 1, sizeof(c_buf));
        cgr->tabs = xcalloc((size_t)gr->nops + 1, sizeof(c_table));
        if (!cgr->bufs || !cgr->tabs) {
            rc = nomem(cg);
            break;
        }
        cgr->bt_op = -1;
        if (gr->ntiles == 0 || gr->nops == 0)
            continue;
        rc = place_group(cg, g, &bs);
        if (!rc)
            set_channels(cg, g);
    }
    free(bs.b);
    int64_t base = 0;
    for (int k = 0; k < POOL_COUNT && !rc; k++) {
        cg->pool_base[k] = base;
        base += ceil_div(cg->pool_used[k], p->t->align) * p->t->align;
    }
    cg->scratch_bytes = base;
    return rc;
}

/* The last group reading tensor t's storage (through any alias), or -1. */
static int last_reader(const program *p, int root)
{
    int last = -1;
    for (int g = 0; g < p->ngroups; g++) {
        const prog_group *gr = &p->groups[g];
        for (int o = 0; o < gr->nops; o++) {
            const prog_op *op = &gr->ops[o];
            if (op->kind == POP_STORE || op->kind == POP_COMPUTE || op->kind == POP_POOL)
                continue;
            int t = op->tensor;
            if (p->tensors[t].home == HOME_ALIAS)
                t = p->tensors[t].alias_of;
            if (t == root)
                last = g;
        }
    }
    return last;
}

static int graph_index(const int *list, int n, int t)
{
    for (int k = 0; k < n; k++)
        if (list[k] == t)
            return k;
    return -1;
}

/* The first graph output that aliases tensor root, or -1. */
static int output_alias(const program *p, int root)
{
    for (int k = 0; k < p->g->noutputs; k++) {
        const prog_tensor *t = &p->tensors[p->g->outputs[k]];
        if (t->home == HOME_ALIAS && t->alias_of == root)
            return k;
    }
    return -1;
}

static int main_layout(cgen *cg)
{
    const program *p = cg->p;
    const graph *g = p->g;
    blocks bs = {0};
    int rc = NNP_OK;
    for (int i = 0; i < p->ntensors && !rc; i++) {
        const prog_tensor *pt = &p->tensors[i];
        c_tensor *ct = &cg->tensors[i];
        ct->root = pt->home == HOME_ALIAS ? pt->alias_of : i;
        ct->index = -1;
        if (pt->home == HOME_CONST) {
            ct->how = CS_CONST;
        } else if (pt->home == HOME_ALIAS) {
            ct->how = CS_ALIAS;
        } else if (pt->home == HOME_MAIN) {
            int gt = pt->graph_tensor, k;
            if (gt >= 0 && (k = graph_index(g->inputs, g->ninputs, gt)) >= 0) {
                ct->how = CS_INPUT;
                ct->index = k;
            } else if (gt >= 0 && (k = graph_index(g->outputs, g->noutputs, gt)) >= 0) {
                ct->how = CS_OUTPUT;
                ct->index = k;
            } else if ((k = output_alias(p, i)) >= 0) {
                ct->how = CS_OUTPUT; /* a graph output is a view of it: store there */
                ct->index = k;
            } else {
                int64_t n, bytes, off;
                int from = pt->group, to = max64(last_reader(p, i), from);
                ct->how = CS_ARENA;
                if (size_prod(pt->dims, pt->rank, &n) || size_mul(n, 4, &bytes))
                    rc = err_set(cg->e, NNP_LIMIT, "tensor '%s' is too large", pt->name);
                else if (place(&bs, 0, max64(bytes, 4), from, to + 1, 64, &off))
                    rc = nomem(cg);
                else {
                    ct->offset = off;
                    cg->arena_bytes = max64(cg->arena_bytes, off + max64(bytes, 4));
                }
            }
        }
    }
    free(bs.b);
    return rc;
}

/* Gemm with transB reading a constant B: B^T is emitted as a constant of
 * its own and loaded instead, so the kernel scales rows of B' into the
 * output row (contiguous, vectorized, the reference's order of additions)
 * instead of taking strided dot products. The DMA moves the same box of
 * the same values. */
static void transpose_constants(cgen *cg)
{
    const program *p = cg->p;
    for (int g = 0; g < p->ngroups; g++) {
        const prog_group *gr = &p->groups[g];
        int o = cg_op_by_kind(gr, POP_LOAD_WEIGHT, 0);
        if (gr->kind != GK_GEMM || !gr->par.trans_b || o < 0 || gr->ntiles == 0)
            continue;
        int t = gr->ops[o].tensor;
        if (cg->tensors[cg->tensors[t].root].how != CS_CONST || p->tensors[t].rank < 2)
            continue;
        cg->groups[g].bt_op = o;
        cg->tensors[t].transposed = 1;
    }
}

int cg_layout(cgen *cg)
{
    const program *p = cg->p;
    cg->groups = xcalloc((size_t)p->ngroups + 1, sizeof(c_group));
    cg->tensors = xcalloc((size_t)p->ntensors + 1, sizeof(c_tensor));
    cg->dims_used = xcalloc((size_t)p->ntensors + 1, 1);
    if (!cg->groups || !cg->tensors || !cg->dims_used)
        return nomem(cg);
    int rc = scratch_layout(cg);
    if (!rc)
        rc = main_layout(cg);
    if (!rc)
        transpose_constants(cg);
    return rc;
}

void cg_layout_free(cgen *cg)
{
    for (int g = 0; cg->groups && g < cg->p->ngroups; g++) {
        for (int o = 0; cg->groups[g].tabs && o < cg->p->groups[g].nops; o++)
            free(cg->groups[g].tabs[o].index);
        free(cg->groups[g].bufs);
        free(cg->groups[g].tabs);
    }
    free(cg->groups);
    free(cg->tensors);
    free(cg->dims_used);
    cg->groups = NULL;
    cg->tensors = NULL;
    cg->dims_used = NULL;
}

void cg_layout_comment(const cgen *cg, strbuf *out)
{
    const program *p = cg->p;
    sb_printf(out, "/* Local memory: %lld bytes of scratch", (long long)cg->scratch_bytes);
    for (int k = 0; k < POOL_COUNT; k++)
        if (cg->pool_used[k])
            sb_printf(out, "; %s section at byte %lld, %lld of %lld bytes used", mem_pool_name(k),
                      (long long)cg->pool_base[k], (long long)cg->pool_used[k],
                      (long long)target_capacity(p->t, (mem_pool)k));
    sb_puts(out, ".\n * Buffer copies: name[bytes]@offset of each copy, in bytes into the scratch; "
                 "loops\n * overlapping in time never share bytes:\n");
    for (int g = 0; g < p->ngroups; g++) {
        const prog_group *gr = &p->groups[g];
        if (gr->ntiles == 0 || gr->nops == 0)
            continue;
        char nm[96];
        sb_printf(out, " *   %-20s cycles %lld..%lld:", cg_comment_safe(gr->name, nm, sizeof nm),
                  (long long)cg->pl->loops[g].start, (long long)cg->pl->loops[g].end);
        for (int b = 0; b < gr->nbufs; b++) {
            const c_buf *cb = &cg->groups[g].bufs[b];
            sb_printf(out, " %s[%lldB]", gr->bufs[b].name, (long long)cb->stride);
            for (int c = 0; c < cb->copies; c++)
                sb_printf(out, "%s%lld", c ? "," : "@",
                          (long long)(cg->pool_base[gr->bufs[b].pool] + cb->offset +
                                      c * cb->stride));
        }
        sb_putc(out, '\n');
    }
    sb_printf(out, " * Activations between groups: one arena of %lld bytes, shared by tensors "
                   "whose lifetimes do not overlap.\n */\n",
              (long long)cg->arena_bytes);
}

void cg_tensor_expr(const cgen *cg, int t, char *buf, size_t len)
{
    const c_tensor *ct = &cg->tensors[cg->tensors[t].root];
    int root = cg->tensors[t].root;
    switch (ct->how) {
    case CS_INPUT:
        snprintf(buf, len, "in%d", ct->index);
        break;
    case CS_OUTPUT:
        snprintf(buf, len, "out%d", ct->index);
        break;
    case CS_ARENA:
        snprintf(buf, len, "(nnp_arena + %lld)", (long long)(ct->offset / 4));
        break;
    case CS_CONST:
        snprintf(buf, len, "W%d", root);
        break;
    default:
        snprintf(buf, len, "0");
        break;
    }
}

void cg_copy_expr(const cgen *cg, const cg_site *s, int b, char *buf, size_t len)
{
    const c_buf *cb = &cg->groups[s->g].bufs[b];
    if (cb->copies == 1) {
        snprintf(buf, len, "0");
    } else if (s->tconst >= 0) {
        snprintf(buf, len, "%lld",
                 (long long)(floor_div(s->tconst - cb->first, cb->period) % cb->copies));
    } else if (cb->period == 1 && cb->first == 0) {
        snprintf(buf, len, "(int)(t %% %d)", cb->copies);
    } else if (cb->first == 0) {
        snprintf(buf, len, "(int)((t / %lld) %% %d)", (long long)cb->period, cb->copies);
    } else {
        snprintf(buf, len, "(int)(((t - %lld) / %lld) %% %d)", (long long)cb->first,
                 (long long)cb->period, cb->copies);
    }
}

void cg_buf_expr(const cgen *cg, const cg_site *s, int b, char *buf, size_t len)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const c_buf *cb = &cg->groups[s->g].bufs[b];
    int64_t base = (cg->pool_base[gr->bufs[b].pool] + cb->offset) / 4;
    char copy[64];
    cg_copy_expr(cg, s, b, copy, sizeof copy);
    if (!strcmp(copy, "0"))
        snprintf(buf, len, "(nnp_scratch + %lld)", (long long)base);
    else if (s->tconst >= 0)
        snprintf(buf, len, "(nnp_scratch + %lld)",
                 (long long)(base + atoll(copy) * (cb->stride / 4)));
    else
        snprintf(buf, len, "(nnp_scratch + %lld + %lld * %s)", (long long)base,
                 (long long)(cb->stride / 4), copy);
}
