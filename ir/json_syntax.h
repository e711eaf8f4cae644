/* Reading JSON text, for every JSON reader (models, targets, loops).
 *
 * cJSON says that a text is malformed and roughly where, but not why, and
 * for a missing object key it points one character late; it also takes
 * text RFC 8259 refuses ("1.", raw tabs in strings). So a small RFC 8259
 * scanner walks the text first, building nothing, to find the first
 * offending byte and name the problem ("expected ',' or '}'", "string
 * never ends"...), and only then does cJSON build the tree. The scanner
 * applies cJSON's nesting limit (1000), so a nesting bomb is a positioned
 * error, and it recurses no deeper than that. */
#ifndef NNPIPE_JSON_SYNTAX_H
#define NNPIPE_JSON_SYNTAX_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util.h"

enum { JSON_MAX_DEPTH = 1000 };

/* Scans text[0..len) as one JSON value surrounded by blanks. Returns 0 when
 * it is well-formed; else -1 with *pos at the first offending byte (len when
 * the text ends too early) and *why a short reason. */
int json_syntax_error(const char *text, size_t len, size_t *pos, const char **why);

/* Parses text[0..len) as one JSON value. A text that is empty or blank
 * ("LABEL: empty file"), holds a NUL byte, or is not strict JSON is
 * NNP_INVALID with "LABEL:LINE:COLUMN: reason" at the first offending
 * byte. The caller frees *out with cJSON_Delete. */
int json_parse(const char *label, const char *text, size_t len, cJSON **out, nnp_err *e);

/* NNP_INVALID with "LABEL:LINE:COLUMN: what" for byte pos of text. */
int json_error_at(const char *label, const char *text, size_t pos, const char *what, nnp_err *e);

#endif
