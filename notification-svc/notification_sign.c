/* notification-svc webhook signatures (see notification_sign.h). */
#include "notification_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/xalloc.h"

int notification_sign_hmac_hex(const void *key, size_t key_len, const void *data, size_t n,
                               char ret_hex[65])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    static const char hex[] = "0123456789abcdef";
    if (key_len > 0x7fffffff)
        return -1;
    if (!HMAC(EVP_sha256(), key, (int)key_len, data, n, mac, &mac_len) || mac_len != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++) {
        ret_hex[2 * i] = hex[mac[i] >> 4];
        ret_hex[2 * i + 1] = hex[mac[i] & 15];
    }
    ret_hex[64] = '\0';
    return 0;
}

int notification_sign_webhook(const char *secret, const char *timestamp, const char *body, size_t n,
                              char ret[NOTIFICATION_SIGNATURE_SIZE])
{
    size_t tlen = strlen(timestamp);
    char *msg = xmalloc(tlen + 1 + n + 1);
    char hex[65];
    memcpy(msg, timestamp, tlen);
    msg[tlen] = '.';
    memcpy(msg + tlen + 1, body, n);
    int rc = notification_sign_hmac_hex(secret, strlen(secret), msg, tlen + 1 + n, hex);
    free(msg);
    if (rc != 0)
        return -1;
    snprintf(ret, NOTIFICATION_SIGNATURE_SIZE, "sha256=%s", hex);
    return 0;
}
