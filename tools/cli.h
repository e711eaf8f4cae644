/* Shared by the command's subcommands: exit codes, messages, and the file
 * handling the library leaves to its callers (reading input files, writing
 * outputs atomically). */
#ifndef NNPIPE_CLI_H
#define NNPIPE_CLI_H

#include <stddef.h>

#include <nnpipe/nnpipe.h>

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INVALID = 2, EXIT_INTERNAL = 3 };

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

/* A failure to report: its status and message, as a handle keeps them
 * (the library's messages are shorter than msg). */
typedef struct cli_err {
    int code;
    char msg[768];
} cli_err;

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* Records code and a printf-style message in e; returns code. */
int cli_err_set(cli_err *e, int code, const char *fmt, ...) CLI_PRINTF(3, 4);
/* Prints "nnpipe: error: MSG" to stderr and returns the exit code for status. */
int cli_fail(const cli_err *e);
/* The exit code that a library status maps to. */
int cli_exit_code(int status);

/* Open a model, a target (path NULL: the built-in default), or the model
 * at model_path and then the target at target_path. On failure e holds the
 * failing handle's status and message, and nothing is left to close. */
int cli_open_model(const char *path, nnp_model **m, cli_err *e);
int cli_open_target(const char *path, nnp_target **t, cli_err *e);
int cli_open(const char *model_path, const char *target_path, nnp_model **m, nnp_target **t,
             cli_err *e);
/* Lowers m for t; on failure e holds the reason and *p is NULL. */
int cli_lower(nnp_model *m, nnp_target *t, nnp_program **p, cli_err *e);

/* Output collected in memory, to be written once complete: cli_buf_sink
 * hands it to the library's emitters. failed: memory ran out (the sink then
 * refused the write). */
typedef struct cli_buf {
    char *s;
    size_t len, cap;
    int failed;
} cli_buf;
nnp_sink cli_buf_sink(cli_buf *b);
void cli_buf_printf(cli_buf *b, const char *fmt, ...) CLI_PRINTF(2, 3);
void cli_buf_free(cli_buf *b);

/* Reads a whole file into a NUL-terminated buffer the caller frees;
 * NNP_LIMIT for files larger than max_bytes. */
int cli_read_file(const char *path, size_t max_bytes, char **out, size_t *len, cli_err *e);
/* Writes data to path atomically: a temporary file in the same folder, then
 * rename, so a failure never leaves a truncated file or destroys the old one. */
int cli_write_file(const char *path, const void *data, size_t len, cli_err *e);

/* Writes out to path atomically, or to stdout when path is NULL or "-". */
int cli_write_output(const char *path, const cli_buf *out, cli_err *e);
/* Whether to colour: "always", "never", or "auto" (stdout is a terminal,
 * no -o file, and NO_COLOR unset). */
int cli_use_color(const char *mode, const char *output);
/* Columns of the terminal stdout writes to (TIOCGWINSZ, else $COLUMNS), or
 * 0 when output goes to a file or stdout is not a terminal. */
int cli_term_width(const char *output);

#endif
