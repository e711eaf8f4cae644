/* Shared by the command's subcommands: exit codes and small helpers. */
#ifndef NNPIPE_CLI_H
#define NNPIPE_CLI_H

#include "util.h"

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

struct graph;
struct target;
/* Loads the model at model_path and the target at target_path (NULL: the
 * built-in default). On failure nothing is left to free. */
int cli_load(const char *model_path, const char *target_path, struct graph **g,
             struct target **t, nnp_err *e);
/* Writes out to path atomically, or to stdout when path is NULL or "-". */
int cli_write_output(const char *path, const strbuf *out, nnp_err *e);
/* Whether to colour: "always", "never", or "auto" (stdout is a terminal,
 * no -o file, and NO_COLOR unset). */
int cli_use_color(const char *mode, const char *output);
/* Columns of the terminal stdout writes to (TIOCGWINSZ, else $COLUMNS), or
 * 0 when output goes to a file or stdout is not a terminal. */
int cli_term_width(const char *output);

#endif
