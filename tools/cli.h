/* Shared by the command's subcommands: exit codes and small helpers. */
#ifndef NNPIPE_CLI_H
#define NNPIPE_CLI_H

#include "util.h"

#define NNPIPE_VERSION_STRING "0.1.0"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INVALID = 2, EXIT_INTERNAL = 3 };

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

/* Prints "nnpipe: error: MSG" to stderr and returns the exit code for status. */
int cli_fail(const nnp_err *e);
/* The exit code that a library status maps to. */
int cli_exit_code(int status);

#endif
