/* The fuzz harnesses as plain functions.
 *
 * Each harness is a function from bytes to a verdict: NULL when every
 * invariant held, else a short static description of the one that broke
 * (a crash, a leak or a sanitizer report is a verdict too, given by the
 * tools). libFuzzer calls them through LLVMFuzzerTestOneInput, compiled in
 * only when NNPIPE_FUZZ_MAIN is defined (fuzz/CMakeLists.txt); the test
 * suite links the same functions to replay every input that once broke
 * something (tests/data/fuzz/<harness>/, see test_fuzz_regressions.c).
 *
 * Invariants checked beyond "no crash":
 *   - a failing call returns a status that is neither NNP_OK, NNP_NOMEM
 *     (on a small input, running out of memory means a size was trusted)
 *     nor NNP_INTERNAL, fills nnp_err with that status and a message that
 *     starts with the name of the input ("fuzz: ...");
 *   - a successful call returns a result whose documented properties hold
 *     (a checked graph: every tensor a node touches has a shape; a target:
 *     every role resolves to a unit; a program: every node in one group). */
#ifndef NNPIPE_FUZZ_H
#define NNPIPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "util.h"

/* The name every harness gives its input; messages must start with it. */
#define FUZZ_NAME "fuzz"

/* model_load_buffer on the bytes (JSON or protobuf, told by content). */
const char *fuzz_model_one(const uint8_t *data, size_t size);
/* target_parse on the bytes. */
const char *fuzz_target_one(const uint8_t *data, size_t size);
/* A model from the bytes, then every later stage (fuzz_pipeline_graph). */
const char *fuzz_pipeline_one(const uint8_t *data, size_t size);
/* The bytes drive the random graph generator (tests/randgraph.h) instead of
 * being parsed, so every input is a valid graph and the later stages get
 * the fuzzer's whole attention. */
const char *fuzz_randgraph_one(const uint8_t *data, size_t size);

/* The stages after parsing, on a checked graph: the interpreter (when the
 * graph is small enough to run quickly) and, as they land, lowering for
 * every sample target, scheduling, verification and C emission. */
const char *fuzz_pipeline_graph(const graph *g);

/* Shared checks. */
const char *fuzz_check_error(int rc, const nnp_err *e, const char *name);
const char *fuzz_check_graph(const graph *g);

/* The libFuzzer entry point of a harness file: calls fn and stops the run
 * (abort, so libFuzzer keeps the input) when it reports a broken invariant.
 * Written without a trailing semicolon at file scope. */
#ifdef NNPIPE_FUZZ_MAIN
#include <stdio.h>
#include <stdlib.h>
#define FUZZ_ENTRY(fn)                                                                             \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        const char *v = fn(data, size);                                                            \
        if (v) {                                                                                   \
            fprintf(stderr, "%s: broken invariant: %s\n", #fn, v);                                \
            abort();                                                                               \
        }                                                                                          \
        return 0;                                                                                  \
    }
#else
#define FUZZ_ENTRY(fn)
#endif

#endif
