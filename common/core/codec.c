/* Hex and unpadded base64url codecs (see codec.h). */
#include <stdint.h>
#include <string.h>

#include "common/codec.h"

static const char hex_digits[] = "0123456789abcdef";
static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---- hex ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void codec_hex_encode(const void *in, size_t n, char *ret)
{
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        ret[2 * i] = hex_digits[p[i] >> 4];
        ret[2 * i + 1] = hex_digits[p[i] & 15];
    }
    ret[2 * n] = '\0';
}

bool codec_hex_valid(const char *s, size_t len)
{
    if (len == 0 || len % 2 != 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (hex_value(s[i]) < 0)
            return false;
    }
    return true;
}

long codec_hex_decode(const char *s, size_t len, void *ret, size_t cap)
{
    unsigned char *out = ret;
    if (!codec_hex_valid(s, len) || len / 2 > cap)
        return -1;
    for (size_t i = 0; i < len / 2; i++)
        out[i] = (unsigned char)(hex_value(s[2 * i]) << 4 | hex_value(s[2 * i + 1]));
    return (long)(len / 2);
}

/* ---- base64url ---- */

/* The 6-bit value of c, or -1 outside the alphabet. */
static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    return c == '_' ? 63 : -1;
}

void codec_b64url_encode(const void *in, size_t n, char *ret)
{
    const unsigned char *p = in;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t take = n - i < 3 ? n - i : 3;
        uint32_t v = (uint32_t)p[i] << 16;
        if (take > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (take > 2)
            v |= p[i + 2];
        for (size_t k = 0; k <= take; k++)
            ret[o++] = b64url_alphabet[(v >> (18 - 6 * k)) & 0x3F];
    }
    ret[o] = '\0';
}

bool codec_b64url_canonical(const char *s, size_t len)
{
    if (len == 0 || len % 4 == 1)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (b64url_value(s[i]) < 0)
            return false;
    }
    int unused = len % 4 == 2 ? 0x0f : len % 4 == 3 ? 0x03 : 0;
    return (b64url_value(s[len - 1]) & unused) == 0;
}

long codec_b64url_decode(const char *s, size_t len, void *ret, size_t cap)
{
    unsigned char *out = ret;
    size_t n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0), o = 0;
    uint32_t acc = 0;
    int bits = 0;
    if (!codec_b64url_canonical(s, len) || n > cap)
        return -1;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 6) | (uint32_t)b64url_value(s[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}
