/* Shared by the visualiser tests (test_viz_*.c): load a model on a target,
 * plan it, render a format into a string, compare with a golden file. */
#ifndef NNPIPE_TEST_VIZ_H
#define NNPIPE_TEST_VIZ_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "model_load.h"
#include "plan.h"
#include "testutil.h"

typedef struct viz_fixture {
    graph *g;
    target *t;
    program *p;
    plan *pl;
} viz_fixture;

/* model and target are paths under the source tree. */
static inline void viz_load(viz_fixture *f, const char *model, const char *tgt, plan_kind kind)
{
    char path[512];
    nnp_err e = {0};
    memset(f, 0, sizeof *f);
    snprintf(path, sizeof path, "%s/%s", NNP_SOURCE_DIR, model);
    cr_assert_eq(model_load(path, &f->g, &e), NNP_OK, "%s", e.msg);
    snprintf(path, sizeof path, "%s/%s", NNP_SOURCE_DIR, tgt);
    cr_assert_eq(target_load(path, &f->t, &e), NNP_OK, "%s", e.msg);
    cr_assert_eq(lower_program(f->g, f->t, &f->p, &e), NNP_OK, "%s: %s", model, e.msg);
    plan_options o;
    plan_options_default(&o);
    o.kind = kind;
    cr_assert_eq(plan_build(f->p, &o, &f->pl, &e), NNP_OK, "%s: %s", model, e.msg);
}

static inline void viz_unload(viz_fixture *f)
{
    plan_free(f->pl);
    program_free(f->p);
    target_free(f->t);
    graph_free(f->g);
}

/* The named format's output (caller frees), asserting success. */
static inline char *viz_render(const plan *pl, const char *format, const emit_options *o)
{
    const emit_format *fmt = emit_format_find(format);
    cr_assert_not_null(fmt, "no format %s", format);
    strbuf out = {0};
    nnp_err e = {0};
    emit_options dflt = {0};
    cr_assert_eq(fmt->emit(pl, o ? o : &dflt, &out, &e), NNP_OK, "%s: %s", format, e.msg);
    cr_assert(!out.failed);
    return out.s ? out.s : calloc(1, 1);
}

/* Compares text with the golden file at rel (under the source tree),
 * reporting the first differing line. With NNP_UPDATE_GOLDEN=1 in the
 * environment it rewrites the file instead: read the new text and check it
 * by hand before committing it. */
static inline void viz_golden(const char *text, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", NNP_SOURCE_DIR, rel);
    if (getenv("NNP_UPDATE_GOLDEN")) {
        cr_assert_eq(write_text(path, text), 0, "cannot write %s", path);
        return;
    }
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "missing golden file %s", path);
    static char want[1 << 16];
    size_t n = fread(want, 1, sizeof want - 1, f);
    fclose(f);
    want[n] = 0;
    const char *a = text, *b = want;
    for (int line = 1;; line++) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        cr_assert(la == lb && !memcmp(a, b, la),
                  "%s differs at line %d:\n  got:  %.*s\n  want: %.*s", rel, line, (int)la, a,
                  (int)lb, b);
        if (!ea || !eb) {
            cr_assert(!ea && !eb, "%s: line counts differ after line %d", rel, line);
            break;
        }
        a = ea + 1;
        b = eb + 1;
    }
}

/* The lines of text (modified in place): fills lines[] and returns the count. */
static inline int viz_lines(char *text, char **lines, int max)
{
    int n = 0;
    for (char *s = text; *s && n < max;) {
        lines[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl)
            break;
        *nl = 0;
        s = nl + 1;
    }
    return n;
}

#endif
