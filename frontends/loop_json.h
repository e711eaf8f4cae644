/* Reading a loop (or any scheduling problem) from JSON:
 *
 *   {"resources": [{"name": "alu", "instances": 2, "blocking": 1}, ...],
 *    "ops":   [{"name": "ld1", "resource": "mem", "latency": 3, "occupancy": 1}, ...],
 *    "edges": [{"from": "ld1", "to": "add1", "delay": 0, "distance": 0}, ...],
 *    "pools": [{"name": "sram", "capacity": 65536}, ...],
 *    "buffers": [{"name": "t0", "pool": "sram", "bytes": 4096,
 *                 "producer": "ld1", "readers": ["add1"]}, ...]}
 *
 * instances omitted or -1 means unlimited; blocking defaults to 1; an op
 * without "resource" (or with null) uses none; occupancy defaults to 0 (the
 * resource's blocking); delay and distance default to 0; pools and buffers
 * (list scheduling only) are optional. "name" and "comment" may describe the
 * loop at the top level. Anything else is an error, so a misspelt field
 * never silently takes its default. */
#ifndef NNPIPE_FRONTENDS_LOOP_JSON_H
#define NNPIPE_FRONTENDS_LOOP_JSON_H

#include <stddef.h>
#include "scheduler.h"

/* Parses text (len bytes) into the empty problem p, which the caller frees
 * with sched_problem_free whatever the outcome. fname prefixes messages:
 * "FILE:LINE:COLUMN: ..." for syntax errors, "FILE: ops[3] (\"mul1\"):
 * latency: ..." for fields. The problem is also run through sched_check.
 * NNP_INVALID for malformed input, NNP_LIMIT past the cycle limits. */
int loop_json_parse(const char *text, size_t len, const char *fname, sched_problem *p,
                    nnp_err *e);
/* Reads and parses the file at path (at most 256 MiB). */
int loop_json_read(const char *path, sched_problem *p, nnp_err *e);

#endif
