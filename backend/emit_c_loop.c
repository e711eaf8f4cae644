/* Loop expansion: one group's tile loop written out from its modulo
 * schedule, as LLVM's ModuloSchedule expanders do for machine loops.
 *
 * The plan gives every kernel op an offset within an iteration; its stage
 * is offset / II, and in kernel iteration k it works on tile k - stage.
 * The loop becomes:
 *   preamble:  loads outside the kernel whose rotating copy has never been
 *              used (the first `copies` segments), in the plan's order;
 *   prologue:  iterations 0 .. SC-2, straight-line, each running only the
 *              stages whose tile exists (the pipeline filling);
 *   kernel:    `for (k = SC-1; k < T; k++)`, every op once, in the
 *              order of its issue cycle within the II;
 *   epilogue:  iterations T .. T+SC-2, straight-line (the pipeline draining).
 * Program order follows the schedule's time line as a CPU driving a DMA
 * engine sees it: a transfer is issued at its start (START returns at
 * once), a computation at its end (the CPU is busy until then). So every
 * transfer that the schedule runs under a computation (the next tile's
 * loads, the previous tile's store) is issued before that computation.
 * Issue stage = issue cycle / II; kernel iteration k runs each op on tile
 * k - issue stage; ties go computation first, then older tile, then body
 * order.
 * Straight-line iterations know their tile, so their copy numbers, rows
 * and reduction flags are constants; inside the kernel they are small
 * expressions of t. An op that skips tiles (t % period != phase) is
 * guarded. The modulo schedule makes this order valid whatever the exact
 * start times: a dependence from tile i to tile i+d satisfies
 * offset(to) + d*II >= offset(from) + latency(from), so the issue cycle
 * of `to` is at least that of `from` and it lands in a later iteration or
 * later in the same one.
 *
 * Loads outside the kernel (weights reused along a segment of tiles) fill
 * their buffer once per segment; the plan issues each as early as its
 * rotating copy is free, under the previous segment's kernel. The C does
 * the same: the load for segment a is issued right after the last reader
 * of the generation `copies` back (the copy it refills) has run, i.e.
 * after that reader's slot in iteration a - (copies-1)*per - 1 + stage.
 *
 * Waits. A compute op first waits on the channels of the load copies it
 * reads; any op writing a copy that a store reads first waits on that
 * store's channel. With a synchronous default these are no-ops; with a
 * real DMA engine (or the test's deferred copies) they are exactly the
 * points where the pipeline needs the data. The group ends by draining
 * its channels, so the next group sees every stored byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_impl.h"

/* An outside-kernel op's preamble instance: tile and plan start. */
typedef struct pre_inst {
    int op;
    int64_t tile, start;
} pre_inst;

typedef struct loop_info {
    const prog_group *gr;
    const plan_loop *lp;
    int g;
    int64_t ii, sc, trips;
    int *order, norder;  /* kernel ops in issue order */
    int *pos;            /* per op: position in order, -1 outside the kernel */
    int *after;          /* per outside op: the kernel op after which it is issued */
    pre_inst *pre;       /* preamble instances in start order */
    int npre;
    int *instance;       /* per op: the unit instance the plan uses */
} loop_info;

/* The op's stage in the modulo schedule (for the comments). */
static int64_t stage_of(const loop_info *li, int op)
{
    return li->lp->offset[op] / li->ii;
}

static int is_dma(const prog_op *o)
{
    return o->kind != POP_COMPUTE && o->kind != POP_POOL;
}

/* Where an op goes in program order, in cycles of its iteration: a DMA
 * transfer where it starts (START returns at once), a computation where it
 * ends (the CPU is busy until then). So every transfer the schedule starts
 * while a computation runs is issued before it, and runs under it. */
static int64_t issue_at(const loop_info *li, int op)
{
    const prog_op *o = &li->gr->ops[op];
    return li->lp->offset[op] + (is_dma(o) ? 0 : o->cycles);
}

/* The iteration offset of op in the expansion: in kernel iteration k it
 * works on tile k - issue_stage. */
static int64_t issue_stage(const loop_info *li, int op)
{
    return issue_at(li, op) / li->ii;
}

static int issue_cmp(const loop_info *li, int a, int b)
{
    int64_t ca = issue_at(li, a) % li->ii, cb = issue_at(li, b) % li->ii;
    if (ca != cb)
        return ca < cb ? -1 : 1;
    int da = is_dma(&li->gr->ops[a]), db = is_dma(&li->gr->ops[b]);
    if (da != db)
        return da ? 1 : -1; /* a computation ending as a transfer starts comes first */
    int64_t sa = issue_stage(li, a), sb = issue_stage(li, b);
    if (sa != sb)
        return sa > sb ? -1 : 1; /* an older tile first */
    return a < b ? -1 : a > b;
}

/* Rotating copies and refill period of the buffer outside op o writes. */
static void refill(const cgen *cg, const loop_info *li, int o, int *copies, int64_t *per)
{
    const c_buf *cb = &cg->groups[li->g].bufs[li->gr->ops[o].out];
    *copies = cb->copies;
    *per = cb->period;
}

/* The generation of the buffer outside op o fills at tile a. */
static int64_t generation(const cgen *cg, const loop_info *li, int o, int64_t a)
{
    const c_buf *cb = &cg->groups[li->g].bufs[li->gr->ops[o].out];
    return floor_div(a - cb->first, cb->period);
}

/* The segment start whose load is issued after kernel op `after` ran on
 * tile tl, or -1 when none is. */
static int64_t segment_after(const cgen *cg, const loop_info *li, int o, int64_t tl)
{
    int copies;
    int64_t per;
    refill(cg, li, o, &copies, &per);
    int64_t a = tl + (copies - 1) * per + 1;
    if (a < 0 || a >= li->trips || !prog_op_active(&li->gr->ops[o], a) ||
        generation(cg, li, o, a) < copies)
        return -1;
    return a;
}

/* 1 when outside op o refills a copy already used at some tile, i.e. is
 * issued inside the loop at all (else every instance is in the preamble). */
static int refilled_in_loop(const cgen *cg, const loop_info *li, int o)
{
    const c_buf *cb = &cg->groups[li->g].bufs[li->gr->ops[o].out];
    for (int64_t a = cb->first + cb->copies * cb->period; a < li->trips; a++)
        if (prog_op_active(&li->gr->ops[o], a))
            return 1;
    return 0;
}

static int loop_init(cgen *cg, int g, loop_info *li)
{
    memset(li, 0, sizeof *li);
    li->g = g;
    li->gr = &cg->p->groups[g];
    li->lp = &cg->pl->loops[g];
    li->ii = li->lp->ii > 0 ? li->lp->ii : 1;
    li->trips = li->gr->ntiles;
    const prog_group *gr = li->gr;
    int n = gr->nops;
    li->order = xcalloc((size_t)n + 1, sizeof(int));
    li->pos = xcalloc((size_t)n + 1, sizeof(int));
    li->after = xcalloc((size_t)n + 1, sizeof(int));
    li->instance = xcalloc((size_t)n + 1, sizeof(int));
    size_t cap = 0;
    if (!li->order || !li->pos || !li->after || !li->instance)
        return err_set(cg->e, NNP_NOMEM, "out of memory emitting %s", gr->name);
    for (int o = 0; o < n; o++) {
        li->pos[o] = li->after[o] = -1;
        if (!li->lp->in_loop[o])
            continue;
        int k = li->norder++;
        while (k > 0 && issue_cmp(li, o, li->order[k - 1]) < 0) {
            li->order[k] = li->order[k - 1];
            k--;
        }
        li->order[k] = o;
        li->sc = max64(li->sc, issue_stage(li, o) + 1);
    }
    for (int k = 0; k < li->norder; k++)
        li->pos[li->order[k]] = k;
    /* Each outside op follows the reader of its buffer that runs last on a
     * tile: the latest stage, then the latest slot. */
    for (int o = 0; o < n; o++) {
        if (li->lp->in_loop[o] || gr->ops[o].out < 0)
            continue;
        const prog_buffer *bf = &gr->bufs[gr->ops[o].out];
        for (int r = 0; r < bf->nreaders; r++) {
            int x = bf->readers[r], y = li->after[o];
            if (li->pos[x] < 0)
                continue;
            if (y < 0 || issue_stage(li, x) > issue_stage(li, y) ||
                (issue_stage(li, x) == issue_stage(li, y) && li->pos[x] > li->pos[y]))
                li->after[o] = x;
        }
    }
    for (int64_t i = 0; i < cg->pl->ninsts; i++) {
        const plan_inst *in = &cg->pl->insts[i];
        if (in->group != g)
            continue;
        li->instance[in->op] = in->instance;
        if (li->lp->in_loop[in->op])
            continue;
        int copies;
        int64_t per;
        refill(cg, li, in->op, &copies, &per);
        if (li->after[in->op] >= 0 && generation(cg, li, in->op, in->tile) >= copies)
            continue; /* issued inside the loop */
        if (grow((void **)&li->pre, &cap, (size_t)li->npre + 1, sizeof *li->pre))
            return err_set(cg->e, NNP_NOMEM, "out of memory emitting %s", gr->name);
        int k = li->npre++;
        while (k > 0 && li->pre[k - 1].start > in->start) {
            li->pre[k] = li->pre[k - 1];
            k--;
        }
        li->pre[k] = (pre_inst){in->op, in->tile, in->start};
    }
    return NNP_OK;
}

static void loop_free(loop_info *li)
{
    free(li->order);
    free(li->pos);
    free(li->after);
    free(li->pre);
    free(li->instance);
}

/* ---- the reservation table comment ---- */

static char op_letter(int op)
{
    return (char)(op < 26 ? 'a' + op : op < 52 ? 'A' + op - 26 : '?');
}

/* 1 when op (offset off, busy cycles) holds its unit somewhere in [c0, c1)
 * modulo ii. */
static int holds(int64_t off, int64_t busy, int64_t ii, int64_t c0, int64_t c1)
{
    if (busy >= ii)
        return 1;
    int64_t a = off % ii, b = a + (busy > 0 ? busy : 1);
    return (a < c1 && c0 < b) || (b > ii && c0 < b - ii);
}

static void mrt_comment(const cgen *cg, const loop_info *li, strbuf *out)
{
    const prog_group *gr = li->gr;
    const target *t = cg->p->t;
    int width = li->ii < 60 ? (int)li->ii : 60;
    sb_printf(out, " * Modulo reservation table: one row per unit instance, the II's %lld cycles "
                   "across\n * (%s); a letter marks the op holding the unit then, in every "
                   "iteration.\n",
              (long long)li->ii, width == li->ii ? "one column per cycle" : "scaled to 60 columns");
    for (int u = 0; u < t->nunits; u++)
        for (int k = 0; k < t->units[u].count; k++) {
            int any = 0;
            for (int i = 0; i < li->norder; i++)
                any |= gr->ops[li->order[i]].unit == u && li->instance[li->order[i]] == k;
            if (!any)
                continue;
            char label[40];
            snprintf(label, sizeof label, t->units[u].count > 1 ? "%s#%d" : "%s", t->units[u].name, k);
            sb_printf(out, " *   %-10.10s |", label);
            for (int c = 0; c < width; c++) {
                int64_t c0 = c * li->ii / width, c1 = (c + 1) * li->ii / width;
                char ch = '.';
                for (int i = 0; i < li->norder; i++) {
                    int o = li->order[i];
                    if (gr->ops[o].unit == u && li->instance[o] == k &&
                        holds(li->lp->offset[o], gr->ops[o].busy, li->ii, c0, c1 > c0 ? c1 : c0 + 1))
                        ch = ch == '.' ? op_letter(o) : '*';
                }
                sb_putc(out, ch);
            }
            sb_puts(out, "|\n");
        }
    for (int i = 0; i < li->norder; i++) {
        int o = li->order[i];
        const prog_op *op = &gr->ops[o];
        int64_t off = li->lp->offset[o];
        sb_printf(out, " *   %c = %-12s %-8s stage %lld, starts at cycle %lld of its iteration "
                       "(%lld of the II), holds the unit %lld cycles%s\n",
                  op_letter(o), op->name, t->units[op->unit].name, (long long)stage_of(li, o),
                  (long long)off, (long long)(off % li->ii), (long long)op->busy,
                  op->period > 1 ? "; skips tiles" : "");
    }
    for (int o = 0; o < gr->nops; o++) {
        if (li->lp->in_loop[o])
            continue;
        int copies;
        int64_t per;
        refill(cg, li, o, &copies, &per);
        sb_printf(out, " *   outside the kernel: %s, once per %lld tiles into %d cop%s; ", gr->ops[o].name,
                  (long long)gr->ops[o].period, copies, copies == 1 ? "y" : "ies");
        if (li->after[o] >= 0 && refilled_in_loop(cg, li, o))
            sb_printf(out, "issued after %s has read the copy it refills\n",
                      gr->ops[li->after[o]].name);
        else
            sb_puts(out, "issued before the loop\n");
    }
}

static void loop_comment(const cgen *cg, const loop_info *li, strbuf *out)
{
    const prog_group *gr = li->gr;
    const plan_loop *lp = li->lp;
    const prog_tensor *y = &cg->p->tensors[gr->out_tensor];
    char nm[128], tn[128];
    sb_printf(out, "\n/* Group %d (%s):", li->g, group_kind_name(gr->kind));
    for (int k = 0; k < gr->nnodes; k++) {
        char lb[128];
        node_label(cg->p->g, gr->nodes[k], lb, sizeof lb);
        sb_printf(out, "%s %s", k ? " +" : "", cg_comment_safe(lb, nm, sizeof nm));
    }
    sb_printf(out, " -> '%s' [", cg_comment_safe(y->name, tn, sizeof tn));
    for (int d = 0; d < y->rank; d++)
        sb_printf(out, "%s%lld", d ? "x" : "", (long long)y->dims[d]);
    sb_printf(out, "]\n * %lld tiles, II %lld cycles (ResMII %lld, RecMII %lld), %lld stages; "
                   "the loop spans cycles %lld..%lld of the plan.\n * Rotating copies:",
              (long long)li->trips, (long long)li->ii, (long long)lp->res_mii,
              (long long)lp->rec_mii, (long long)li->sc, (long long)lp->start, (long long)lp->end);
    for (int b = 0; b < gr->nbufs; b++)
        sb_printf(out, " %s x%d", gr->bufs[b].name, cg->groups[li->g].bufs[b].copies);
    sb_puts(out, ".\n");
    if (lp->why[0])
        sb_printf(out, " * Note: %s.\n", cg_comment_safe(lp->why, nm, sizeof nm));
    mrt_comment(cg, li, out);
    sb_puts(out, " */\n");
}

/* ---- one op instance ---- */

static void tensor_param(const cgen *cg, int t, char *buf, size_t len)
{
    int root = cg->tensors[t].root;
    if (cg->tensors[root].how == CS_CONST)
        snprintf(buf, len, "W%d", root);
    else
        snprintf(buf, len, "m%d", root);
}

static void dims_expr(const cgen *cg, int t, char *buf, size_t len)
{
    if (cg->p->tensors[t].rank == 0) {
        snprintf(buf, len, "nnp_zero");
        return;
    }
    cg->dims_used[t] |= 1;
    snprintf(buf, len, "D%d", t);
}

static void chan_expr(const cgen *cg, const cg_site *s, int b, int base, char *buf, size_t len)
{
    char copy[64];
    cg_copy_expr(cg, s, b, copy, sizeof copy);
    if (!strcmp(copy, "0"))
        snprintf(buf, len, "%d", base);
    else if (s->tconst >= 0)
        snprintf(buf, len, "%d", base + atoi(copy));
    else
        snprintf(buf, len, "%d + %s", base, copy);
}

/* Waits before op runs: for the loads of the copies it reads, and for a
 * store still reading the copy it writes. */
static void waits(const cgen *cg, const cg_site *s, int op, strbuf *out, const char *ind)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const prog_op *o = &gr->ops[op];
    const c_buf *bufs = cg->groups[s->g].bufs;
    char ch[96];
    for (int k = 0; k < o->nin; k++)
        if (bufs[o->in[k]].load_chan >= 0) {
            chan_expr(cg, s, o->in[k], bufs[o->in[k]].load_chan, ch, sizeof ch);
            sb_printf(out, "%sNNPIPE_DMA_WAIT(%s);\n", ind, ch);
        }
    if (o->out >= 0 && bufs[o->out].store_chan >= 0) {
        chan_expr(cg, s, o->out, bufs[o->out].store_chan, ch, sizeof ch);
        sb_printf(out, "%sNNPIPE_DMA_WAIT(%s);\n", ind, ch);
    }
}

static void emit_load(const cgen *cg, const cg_site *s, int op, strbuf *out, const char *ind)
{
    const prog_op *o = &cg->p->groups[s->g].ops[op];
    char buf[160], ten[32], dims[32], row[96], ch[96], pad[48];
    cg_buf_expr(cg, s, o->out, buf, sizeof buf);
    if (op == cg->groups[s->g].bt_op) { /* B^T, its own constant */
        snprintf(ten, sizeof ten, "WT%d", o->tensor);
        snprintf(dims, sizeof dims, "DT%d", o->tensor);
        cg->dims_used[o->tensor] |= 2;
    } else {
        tensor_param(cg, o->tensor, ten, sizeof ten);
        dims_expr(cg, o->tensor, dims, sizeof dims);
    }
    cg_row_expr(cg, s, op, row, sizeof row);
    chan_expr(cg, s, o->out, cg->groups[s->g].bufs[o->out].load_chan, ch, sizeof ch);
    sb_printf(out, "%snnp_load(%s, %s, %s, %s, %d, %s, %s);\n", ind, buf, ten, dims, row,
              cg->p->tensors[o->tensor].rank, cg_float(o->pad_value, pad, sizeof pad), ch);
}

static void emit_store(const cgen *cg, const cg_site *s, int op, strbuf *out, const char *ind)
{
    const prog_group *gr = &cg->p->groups[s->g];
    const prog_op *o = &gr->ops[op];
    int b = o->in[0];
    char buf[160], ten[32], dims[32], row[96], src[96], ch[96];
    cg_buf_expr(cg, s, b, buf, sizeof buf);
    tensor_param(cg, o->tensor, ten, sizeof ten);
    dims_expr(cg, o->tensor, dims, sizeof dims);
    cg_row_expr(cg, s, op, row, sizeof row);
    cg_row_expr(cg, s, gr->bufs[b].producer, src, sizeof src);
    chan_expr(cg, s, b, cg->groups[s->g].bufs[b].store_chan, ch, sizeof ch);
    sb_printf(out, "%snnp_store(%s, %s, %s, %s, %s, %d, %s);\n", ind, ten, dims, buf, src, row,
              cg->p->tensors[o->tensor].rank, ch);
}

static void op_body(const cgen *cg, const cg_site *s, int op, strbuf *out, const char *ind)
{
    const prog_op *o = &cg->p->groups[s->g].ops[op];
    waits(cg, s, op, out, ind);
    if (o->kind == POP_STORE) {
        emit_store(cg, s, op, out, ind);
    } else if (o->kind == POP_COMPUTE || o->kind == POP_POOL) {
        sb_puts(out, ind);
        cg_kernel_call(cg, s, op, out);
    } else {
        emit_load(cg, s, op, out, ind);
    }
}

/* Op at a known tile: straight-line code. */
static void emit_fixed(const cgen *cg, const loop_info *li, int op, int64_t tile, strbuf *out)
{
    cg_site s = {li->g, tile};
    sb_printf(out, "    /* %s, tile %lld */\n", li->gr->ops[op].name, (long long)tile);
    op_body(cg, &s, op, out, "    ");
}

/* A block of the kernel loop running op on tile k - back when cond (a C
 * condition on t, or NULL) holds. */
static int kernel_block(const cgen *cg, const loop_info *li, int op, int64_t back,
                        const char *cond, strbuf *out)
{
    const prog_op *o = &li->gr->ops[op];
    cg_site s = {li->g, -1};
    strbuf body = {0};
    const char *ind = cond ? "                " : "            ";
    op_body(cg, &s, op, &body, ind);
    if (body.failed) {
        sb_free(&body);
        return -1;
    }
    sb_printf(out, "        /* %s, tile k", o->name);
    if (back)
        sb_printf(out, " %c %lld", back > 0 ? '-' : '+', (long long)(back > 0 ? back : -back));
    sb_puts(out, " */\n        {\n");
    if (cg_mentions(body.s, "t") || cond) {
        sb_puts(out, "            const long t = k");
        if (back)
            sb_printf(out, " %c %lld", back > 0 ? '-' : '+', (long long)(back > 0 ? back : -back));
        sb_puts(out, ";\n");
    }
    if (cond)
        sb_printf(out, "            if (%s) {\n", cond);
    sb_puts(out, body.s);
    if (cond)
        sb_puts(out, "            }\n");
    sb_puts(out, "        }\n");
    sb_free(&body);
    return 0;
}

/* Kernel op op (with the outside loads issued after it) in the loop body. */
static int emit_kernel_op(const cgen *cg, const loop_info *li, int op, strbuf *out)
{
    const prog_op *o = &li->gr->ops[op];
    char cond[160];
    snprintf(cond, sizeof cond, "t %% %lld == %lld", (long long)o->period, (long long)o->phase);
    if (kernel_block(cg, li, op, issue_stage(li, op), o->period > 1 ? cond : NULL, out))
        return -1;
    for (int x = 0; x < li->gr->nops; x++) {
        if (li->after[x] != op || !refilled_in_loop(cg, li, x))
            continue;
        const prog_op *ox = &li->gr->ops[x];
        const c_buf *cb = &cg->groups[li->g].bufs[ox->out];
        int64_t lead = (cb->copies - 1) * cb->period + 1;
        snprintf(cond, sizeof cond, "t < %lld && t %% %lld == %lld && t >= %lld",
                 (long long)li->trips, (long long)ox->period, (long long)ox->phase,
                 (long long)(cb->first + cb->copies * cb->period));
        if (kernel_block(cg, li, x, issue_stage(li, op) - lead, cond, out))
            return -1;
    }
    return 0;
}

/* Straight-line iteration k of the loop (prologue or epilogue). */
static void emit_iteration(const cgen *cg, const loop_info *li, int64_t k, strbuf *out)
{
    sb_printf(out, "    /* iteration %lld */\n", (long long)k);
    for (int i = 0; i < li->norder; i++) {
        int op = li->order[i];
        int64_t tile = k - issue_stage(li, op);
        if (tile >= 0 && tile < li->trips && prog_op_active(&li->gr->ops[op], tile))
            emit_fixed(cg, li, op, tile, out);
        for (int x = 0; x < li->gr->nops; x++) {
            int64_t a;
            if (li->after[x] == op && tile >= 0 && tile < li->trips &&
                (a = segment_after(cg, li, x, tile)) >= 0)
                emit_fixed(cg, li, x, a, out);
        }
    }
}

/* The function's parameters: the main-memory tensors it loads or stores. */
static void params(const cgen *cg, const prog_group *gr, strbuf *out, int call)
{
    int first = 1;
    for (int o = 0; o < gr->nops; o++) {
        const prog_op *op = &gr->ops[o];
        if (op->kind == POP_COMPUTE || op->kind == POP_POOL)
            continue;
        int root = cg->tensors[op->tensor].root, dup = 0;
        if (cg->tensors[root].how == CS_CONST)
            continue;
        for (int q = 0; q < o; q++) {
            const prog_op *pq = &gr->ops[q];
            dup |= pq->kind != POP_COMPUTE && pq->kind != POP_POOL &&
                   cg->tensors[pq->tensor].root == root;
        }
        if (dup)
            continue;
        char e[96];
        if (call)
            cg_tensor_expr(cg, root, e, sizeof e);
        else
            snprintf(e, sizeof e, "%sfloat *m%d", op->kind == POP_STORE ? "" : "const ", root);
        sb_printf(out, "%s%s", first ? "" : ", ", e);
        first = 0;
    }
    if (first && !call)
        sb_puts(out, "void");
}

int cg_group(cgen *cg, int g, strbuf *out)
{
    loop_info li;
    int rc = loop_init(cg, g, &li);
    if (rc) {
        loop_free(&li);
        return rc;
    }
    const prog_group *gr = li.gr;
    char fn[96];
    loop_comment(cg, &li, out);
    sb_printf(out, "static void %s(", cg_group_name(cg, g, fn, sizeof fn));
    params(cg, gr, out, 0);
    sb_puts(out, ")\n{\n");
    int64_t total = li.trips + li.sc - 1, pro_end = min64(li.sc - 1, total);
    int kernel = li.trips > li.sc - 1;
    if (kernel)
        sb_puts(out, "    long k;\n");
    if (cg->groups[g].nchan)
        sb_puts(out, "    int ch;\n");
    if (li.npre)
        sb_puts(out, "    /* preamble: loads outside the kernel into copies not used yet */\n");
    for (int i = 0; i < li.npre; i++)
        emit_fixed(cg, &li, li.pre[i].op, li.pre[i].tile, out);
    if (pro_end > 0)
        sb_puts(out, "    /* prologue: the pipeline filling */\n");
    for (int64_t k = 0; k < pro_end; k++)
        emit_iteration(cg, &li, k, out);
    if (kernel) {
        sb_printf(out, "    /* kernel: iteration k issues");
        for (int i = 0; i < li.norder; i++) {
            int64_t st = issue_stage(&li, li.order[i]);
            sb_printf(out, "%s %s(k%s", i ? "," : "", gr->ops[li.order[i]].name, st ? "-" : "");
            if (st)
                sb_printf(out, "%lld", (long long)st);
            sb_puts(out, ")");
        }
        sb_printf(out, " */\n    for (k = %lld; k < %lld; k++) {\n", (long long)(li.sc - 1),
                  (long long)li.trips);
        for (int i = 0; i < li.norder && !rc; i++)
            if (emit_kernel_op(cg, &li, li.order[i], out))
                rc = err_set(cg->e, NNP_NOMEM, "out of memory emitting %s", gr->name);
        sb_puts(out, "    }\n");
    }
    if (total > max64(pro_end, li.trips))
        sb_puts(out, "    /* epilogue: the pipeline draining */\n");
    for (int64_t k = max64(pro_end, li.trips); k < total; k++)
        emit_iteration(cg, &li, k, out);
    if (cg->groups[g].nchan)
        sb_printf(out, "    /* drain: every transfer of this loop is complete */\n"
                       "    for (ch = 0; ch < %d; ch++)\n        NNPIPE_DMA_WAIT(ch);\n",
                  cg->groups[g].nchan);
    sb_puts(out, "}\n");
    loop_free(&li);
    return rc;
}

void cg_group_call(const cgen *cg, int g, strbuf *out)
{
    char fn[96];
    sb_printf(out, "    %s(", cg_group_name(cg, g, fn, sizeof fn));
    params(cg, &cg->p->groups[g], out, 1);
    sb_puts(out, ");\n");
}
