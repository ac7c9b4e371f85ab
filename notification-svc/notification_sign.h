/* notification-svc webhook signatures: X-Orderflow-Signature is "sha256=" and the lowercase hex
 * HMAC-SHA256, keyed with OF_WEBHOOK_SECRET, over "<timestamp>.<body>", where timestamp is the
 * X-Orderflow-Timestamp header (Unix seconds). Pure (libcrypto only). */
#ifndef NOTIFICATION_SIGN_H
#define NOTIFICATION_SIGN_H

#include <stddef.h>

/* "sha256=" + 64 hex digits + NUL. */
#define NOTIFICATION_SIGNATURE_SIZE (7 + 64 + 1)

/* The lowercase hex HMAC-SHA256 of data (n bytes) under key (key_len bytes) into ret_hex (65
 * bytes). Returns 0, or -1 when libcrypto fails (ret_hex untouched). */
int notification_sign_hmac_hex(const void *key, size_t key_len, const void *data, size_t n,
                               char ret_hex[65]) __attribute__((warn_unused_result));

/* The header value "sha256=<hex>" for body (n bytes) sent at timestamp (the header's digits)
 * under secret. Returns 0, or -1 (ret untouched). */
int notification_sign_webhook(const char *secret, const char *timestamp, const char *body, size_t n,
                              char ret[NOTIFICATION_SIGNATURE_SIZE])
    __attribute__((warn_unused_result));

#endif
