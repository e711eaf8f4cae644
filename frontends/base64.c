/* Base64 decoding and encoding (RFC 4648), strict on input.
 *
 * The decoder maps each character through a 256-entry table built from both
 * alphabets, so '+' and '-' are both 62 and '/' and '_' both 63: protobuf's
 * JSON parser accepts either and so do we. Everything else in the table is
 * invalid, which is how whitespace and stray bytes are rejected. */
#include "base64.h"

#include <string.h>

static const char enc_table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for an alphabet character, -1 otherwise. */
static int dec_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

size_t base64_decoded_max(size_t n)
{
    return n / 4 * 3 + 3;
}

static int fail(size_t at, const char *reason, size_t *bad_at, const char **why)
{
    *bad_at = at;
    *why = reason;
    return -1;
}

int base64_decode(const char *src, size_t n, unsigned char *dst, size_t *outlen, size_t *bad_at,
                  const char **why)
{
    /* Padding is only ever the last one or two characters of a 4-group. */
    size_t body = n;
    while (body > 0 && src[body - 1] == '=' && n - body < 2)
        body--;
    for (size_t i = 0; i < body; i++)
        if (dec_value((unsigned char)src[i]) < 0)
            return fail(i, src[i] == '=' ? "'=' before the end" : "character outside the alphabet",
                        bad_at, why);
    if (body % 4 == 1)
        return fail(body, "length leaves a single character in the last group", bad_at, why);
    if (body < n && (n % 4 != 0 || (body % 4) + (n - body) != 4))
        return fail(body, "wrong amount of padding", bad_at, why);
    uint32_t acc = 0;
    size_t out = 0;
    int bits = 0;
    for (size_t i = 0; i < body; i++) {
        acc = (acc << 6) | (uint32_t)dec_value((unsigned char)src[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[out++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return fail(body - 1, "non-zero bits after the last byte", bad_at, why);
    *outlen = out;
    return 0;
}

void base64_encode(strbuf *b, const void *data, size_t n)
{
    const unsigned char *p = data;
    char quad[5] = {0};
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        quad[0] = enc_table[v >> 18];
        quad[1] = enc_table[(v >> 12) & 63];
        quad[2] = i + 1 < n ? enc_table[(v >> 6) & 63] : '=';
        quad[3] = i + 2 < n ? enc_table[v & 63] : '=';
        sb_puts(b, quad);
    }
}
