#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "graph.h"
#include "model_load.h"
#include "target.h"

int cli_exit_code(int status)
{
    switch (status) {
    case NNP_OK:
        return EXIT_OK;
    case NNP_MISUSE:
        return EXIT_USAGE;
    case NNP_NOMEM:
    case NNP_INTERNAL:
        return EXIT_INTERNAL;
    default:
        return EXIT_INVALID;
    }
}

int cli_fail(const nnp_err *e)
{
    fprintf(stderr, "nnpipe: error: %s\n", e->msg);
    return cli_exit_code(e->code);
}

int cli_load(const char *model_path, const char *target_path, struct graph **g, struct target **t,
             nnp_err *e)
{
    *g = NULL;
    *t = NULL;
    int rc = model_load(model_path, g, e);
    if (!rc)
        rc = target_path ? target_load(target_path, t, e) : target_default(t, e);
    if (rc) {
        graph_free(*g);
        *g = NULL;
    }
    return rc;
}

int cli_write_output(const char *path, const strbuf *out, nnp_err *e)
{
    if (path && strcmp(path, "-"))
        return write_file_atomic(path, out->s ? out->s : "", out->len, e);
    if (out->len && fwrite(out->s, 1, out->len, stdout) != out->len)
        return err_set(e, NNP_IO, "cannot write to standard output");
    return fflush(stdout) ? err_set(e, NNP_IO, "cannot write to standard output") : NNP_OK;
}

int cli_use_color(const char *mode, const char *output)
{
    if (!strcmp(mode, "always"))
        return 1;
    if (!strcmp(mode, "never"))
        return 0;
    const char *nc = getenv("NO_COLOR");
    return (!output || !strcmp(output, "-")) && !(nc && nc[0]) && isatty(STDOUT_FILENO);
}

int cli_term_width(const char *output)
{
    if ((output && strcmp(output, "-")) || !isatty(STDOUT_FILENO))
        return 0;
#ifdef TIOCGWINSZ
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
#endif
    const char *cols = getenv("COLUMNS");
    int n = cols ? atoi(cols) : 0;
    return n > 0 && n < 100000 ? n : 0;
}
