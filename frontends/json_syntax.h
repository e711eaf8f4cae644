/* Locating JSON syntax errors precisely.
 *
 * cJSON says that a text is malformed and roughly where, but not why, and
 * for a missing object key it points one character late. When cJSON
 * rejects a model, this small RFC 8259 scanner walks the text again,
 * building nothing, to find the first offending byte and name the problem
 * ("expected ',' or '}'", "string never ends"...). It applies the same
 * nesting limit as cJSON (1000), so a nesting bomb is a positioned error,
 * and it recurses no deeper than that. */
#ifndef NNPIPE_JSON_SYNTAX_H
#define NNPIPE_JSON_SYNTAX_H

#include <stddef.h>

enum { JSON_MAX_DEPTH = 1000 };

/* Scans text[0..len) as one JSON value surrounded by blanks. Returns 0 when
 * it is well-formed; else -1 with *pos at the first offending byte (len when
 * the text ends too early) and *why a short reason. */
int json_syntax_error(const char *text, size_t len, size_t *pos, const char **why);

#endif
