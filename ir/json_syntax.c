/* A validating JSON scanner: one function per grammar rule of RFC 8259,
 * each advancing j->pos or stopping at the first error; and the parse
 * every JSON reader goes through (the scanner, then cJSON). */
#include "json_syntax.h"

#include <string.h>

typedef struct jscan {
    const char *s;
    size_t len, pos;
    int depth;
    const char *why;
} jscan;

static int value(jscan *j);

static int fail(jscan *j, const char *why)
{
    j->why = j->pos >= j->len ? "unexpected end of input (is the file truncated?)" : why;
    return -1;
}

static int peek(const jscan *j)
{
    return j->pos < j->len ? (unsigned char)j->s[j->pos] : -1;
}

static void blanks(jscan *j)
{
    while (j->pos < j->len && strchr(" \t\n\r", j->s[j->pos]) && j->s[j->pos])
        j->pos++;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int string(jscan *j)
{
    j->pos++; /* the opening quote */
    for (;;) {
        int c = peek(j);
        if (c < 0) {
            j->why = "string never ends (is the file truncated?)";
            return -1;
        }
        if (c == '"') {
            j->pos++;
            return 0;
        }
        if (c < 0x20)
            return fail(j, "control character inside a string (write it as an escape)");
        if (c != '\\') {
            j->pos++;
            continue;
        }
        size_t at = j->pos++;
        c = peek(j);
        if (c >= 0 && strchr("\"\\/bfnrt", c) && c) {
            j->pos++;
            continue;
        }
        if (c == 'u') {
            int k = 1;
            while (k <= 4 && j->pos + k < j->len && is_hex((unsigned char)j->s[j->pos + k]))
                k++;
            if (k == 5) {
                j->pos += 5;
                continue;
            }
        }
        j->pos = at;
        return fail(j, "invalid escape sequence");
    }
}

static int digits(jscan *j)
{
    if (!is_digit(peek(j)))
        return fail(j, "expected a digit");
    while (is_digit(peek(j)))
        j->pos++;
    return 0;
}

static int number(jscan *j)
{
    if (peek(j) == '-')
        j->pos++;
    if (peek(j) == '0')
        j->pos++;
    else if (digits(j))
        return -1;
    if (peek(j) == '.') {
        j->pos++;
        if (digits(j))
            return -1;
    }
    if (peek(j) == 'e' || peek(j) == 'E') {
        j->pos++;
        if (peek(j) == '+' || peek(j) == '-')
            j->pos++;
        if (digits(j))
            return -1;
    }
    return 0;
}

static int literal(jscan *j, const char *word)
{
    size_t n = strlen(word);
    if (j->len - j->pos < n || memcmp(j->s + j->pos, word, n) != 0)
        return fail(j, "expected a value");
    j->pos += n;
    return 0;
}

/* Object or array: the members between open and close, separated by ','. */
static int container(jscan *j, int is_object)
{
    char close = is_object ? '}' : ']';
    if (++j->depth > JSON_MAX_DEPTH)
        return fail(j, "nesting is deeper than 1000 levels");
    j->pos++;
    blanks(j);
    if (peek(j) == close) {
        j->pos++;
        j->depth--;
        return 0;
    }
    for (;;) {
        if (is_object) {
            if (peek(j) != '"')
                return fail(j, "expected a string (an object key)");
            if (string(j))
                return -1;
            blanks(j);
            if (peek(j) != ':')
                return fail(j, "expected ':' after an object key");
            j->pos++;
            blanks(j);
        }
        if (value(j))
            return -1;
        blanks(j);
        if (peek(j) == close) {
            j->pos++;
            j->depth--;
            return 0;
        }
        if (peek(j) != ',')
            return fail(j, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
        j->pos++;
        blanks(j);
    }
}

static int value(jscan *j)
{
    int c = peek(j);
    switch (c) {
    case '{':
        return container(j, 1);
    case '[':
        return container(j, 0);
    case '"':
        return string(j);
    case 't':
        return literal(j, "true");
    case 'f':
        return literal(j, "false");
    case 'n':
        return literal(j, "null");
    default:
        if (c == '-' || is_digit(c))
            return number(j);
        return fail(j, "expected a value");
    }
}

int json_syntax_error(const char *text, size_t len, size_t *pos, const char **why)
{
    jscan j = {.s = text, .len = len};
    blanks(&j);
    int rc = value(&j);
    if (!rc) {
        blanks(&j);
        if (j.pos < len) {
            j.why = "unexpected text after the end of the JSON value";
            rc = -1;
        }
    }
    *pos = j.pos;
    *why = j.why;
    return rc;
}

int json_error_at(const char *label, const char *text, size_t pos, const char *what, nnp_err *e)
{
    int line = 1;
    size_t start = 0;
    for (size_t i = 0; i < pos; i++)
        if (text[i] == '\n') {
            line++;
            start = i + 1;
        }
    return err_set(e, NNP_INVALID, "%s:%d:%zu: %s", label, line, pos - start + 1, what);
}

int json_parse(const char *label, const char *text, size_t len, cJSON **out, nnp_err *e)
{
    *out = NULL;
    const char *nul = memchr(text, 0, len);
    if (nul)
        return json_error_at(label, text, (size_t)(nul - text), "NUL byte in the text", e);
    size_t pos = 0;
    while (pos < len && strchr(" \t\n\r", text[pos]))
        pos++;
    if (pos == len)
        return err_set(e, NNP_INVALID, "%s: empty file", label);
    const char *why;
    if (json_syntax_error(text, len, &pos, &why))
        return json_error_at(label, text, pos, why, e);
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    pos = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
    if (!*out)
        return json_error_at(label, text, pos,
                             "cJSON cannot parse the text here (an escape it refuses, or no "
                             "memory)",
                             e);
    return NNP_OK;
}
