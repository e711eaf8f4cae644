/* The pieces every handle shares: allocation, the errmsg convention,
 * handing output to sinks, and the reference counts that let a program
 * outlive the caller's model and target handles (see handles.h). */
#include "handles.h"

#include <stdlib.h>

const char *api_errmsg(const nnp_err *e, int null_handle)
{
    if (null_handle)
        return "no handle (NULL): out of memory while creating it, or never created";
    return e->code == NNP_OK ? "not an error" : e->msg;
}

void *api_handle_new(size_t size)
{
    return xcalloc(1, size);
}

enum { PIECE = 1 << 16 };

int api_drain(nnp_err *e, const char *data, size_t len, nnp_sink out, const char *what)
{
    for (size_t at = 0; at < len; at += PIECE) {
        size_t n = len - at < PIECE ? len - at : PIECE;
        int rc = out.write(out.ctx, data + at, n);
        if (rc)
            return err_set(e, NNP_IO, "writing the %s: the sink returned %d after %zu of %zu bytes",
                           what, rc, at, len);
    }
    return NNP_OK;
}

void api_model_retain(nnp_model *m)
{
    atomic_fetch_add(&m->refs, 1);
}

void api_model_release(nnp_model *m)
{
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) {
        graph_free(m->g);
        free(m->label);
        free(m);
    }
}

void api_target_retain(nnp_target *t)
{
    atomic_fetch_add(&t->refs, 1);
}

void api_target_release(nnp_target *t)
{
    if (t && atomic_fetch_sub(&t->refs, 1) == 1) {
        target_free(t->t);
        free(t);
    }
}
