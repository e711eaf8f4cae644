/* The thread scenario of ../api_threads.h as a program, for the
 * ThreadSanitizer build: api_threads SOURCE_DIR. */
#include <stdio.h>

#include "api_threads.h"

int main(int argc, char **argv)
{
    char err[1024] = "";
    if (argc != 2) {
        fprintf(stderr, "usage: api_threads SOURCE_DIR\n");
        return 2;
    }
    if (run_threads(argv[1], err, sizeof err)) {
        fprintf(stderr, "api_threads: %s\n", err);
        return 1;
    }
    printf("threads agree, no data race\n");
    return 0;
}
