/* Base64 as the protobuf JSON mapping uses it for `bytes` fields (rawData,
 * string attributes): RFC 4648, standard or URL-safe alphabet, padding
 * optional. Decoding is strict: no whitespace, no stray characters, '=' only
 * at the end, no length that cannot come from an encoder (4k+1), and no
 * non-zero bits left over in the last character, so a corrupted field is
 * reported instead of silently decoded into something else. */
#ifndef NNPIPE_BASE64_H
#define NNPIPE_BASE64_H

#include <stddef.h>

#include "util.h"

/* Bytes needed to hold the decoding of n characters (an upper bound). */
size_t base64_decoded_max(size_t n);

/* Decodes src[0..n) into dst, which has room for base64_decoded_max(n)
 * bytes, and stores the decoded length in *outlen. On malformed input
 * returns -1 with *bad_at set to the offset of the first offending
 * character (n when the text ends too early) and *why to a short reason. */
int base64_decode(const char *src, size_t n, unsigned char *dst, size_t *outlen, size_t *bad_at,
                  const char **why);

/* Appends the standard, padded encoding of data[0..n) to b. */
void base64_encode(strbuf *b, const void *data, size_t n);

#endif
