#include "cli.h"

#include <stdio.h>

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
