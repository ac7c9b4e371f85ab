/* Byte <-> text codecs: lowercase hex and unpadded base64url (RFC 4648 section 5), each written
 * once for every module that needs one (token parts, cursors, secrets, stored hashes). Pure. */
#ifndef COMMON_CODEC_H
#define COMMON_CODEC_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes needed for the text of n bytes, the NUL included. */
#define CODEC_HEX_SIZE(n)    (2 * (n) + 1)
#define CODEC_B64URL_SIZE(n) (4 * (((n) + 2) / 3) + 1)

/* Writes the lowercase hex of in[0..n-1] and a NUL into ret (CODEC_HEX_SIZE(n) bytes). */
void codec_hex_encode(const void *in, size_t n, char *ret);
/* True when s[0..len-1] is an even, non-zero number of hex digits (either case). */
bool codec_hex_valid(const char *s, size_t len);
/* Decodes s[0..len-1] (codec_hex_valid) into ret (cap bytes). Returns the byte count, or -1
 * (ret untouched) when s is not hex or does not fit. */
long codec_hex_decode(const char *s, size_t len, void *ret, size_t cap);

/* Writes the unpadded base64url of in[0..n-1] and a NUL into ret (CODEC_B64URL_SIZE(n) bytes). */
void codec_b64url_encode(const void *in, size_t n, char *ret);
/* True when s[0..len-1] is canonical unpadded base64url: non-empty, only [A-Za-z0-9_-], a length
 * that is not 4k+1, and the unused low bits of the last character zero (so that one byte string
 * has exactly one spelling). */
bool codec_b64url_canonical(const char *s, size_t len);
/* Decodes canonical base64url s[0..len-1] into ret (cap bytes). Returns the byte count, or -1
 * (ret untouched) when s is not canonical or does not fit. */
long codec_b64url_decode(const char *s, size_t len, void *ret, size_t cap);

#endif
