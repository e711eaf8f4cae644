/* The nnpipe command: a thin client of the library. Each subcommand lives in
 * tools/cmd_*.c and is one row of the table below. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_modsched(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_lower(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_schedule(int argc, char **argv);
int cmd_compile(int argc, char **argv);

static const struct command commands[] = {
    {"info", "print a model's nodes, shapes, MACs and parameters", cmd_info},
    {"run", "run the reference interpreter on raw float32 files", cmd_run},
    {"modsched", "modulo-schedule a loop given as JSON (II, stages, reservation table)", cmd_modsched},
    {"compare", "check that two raw float32 files agree within a tolerance", cmd_compare},
    {"convert", "convert a model between binary ONNX and its JSON mapping", cmd_convert},
    {"lower", "split layers into tiles for a target: groups, tiles, costs, working sets", cmd_lower},
    {"schedule", "schedule the tiled program (list or modulo) and show or verify it", cmd_schedule},
    {"compile", "compile a model to portable C following its pipelined schedule", cmd_compile},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: nnpipe COMMAND [ARGS...]\n\ncommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'nnpipe COMMAND --help' for a command's options.\n"
               "Exit codes: 0 success, 1 usage error, 2 invalid model or input, 3 internal error\n"
               "(compare: 4 when the files differ).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("nnpipe %s\n", nnp_version());
        return EXIT_OK;
    }
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "nnpipe: error: unknown command '%s' (see 'nnpipe --help')\n", argv[1]);
    return EXIT_USAGE;
}
