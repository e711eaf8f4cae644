/* The pieces every handle shares: allocation, the errmsg convention, and
 * the reference counts that let a program outlive the caller's model and
 * target handles (see handles.h). */
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
