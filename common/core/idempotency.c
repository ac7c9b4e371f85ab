/* Idempotency keys (pure): request fingerprints, the stored record's text form and the decision
 * for a repeated key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/idempotency.h"
#include "common/xalloc.h"

#define FP_HEX (IDEM_FP_LEN - 1)

/* Feeds an 8-byte big-endian length and then the bytes, so field boundaries are unambiguous. */
static int digest_field(EVP_MD_CTX *ctx, const char *s, size_t len)
{
    unsigned char prefix[8];
    for (int i = 0; i < 8; i++)
        prefix[i] = (unsigned char)((uint64_t)len >> (8 * (7 - i)));
    if (EVP_DigestUpdate(ctx, prefix, sizeof prefix) != 1)
        return -1;
    return len ? (EVP_DigestUpdate(ctx, s, len) == 1 ? 0 : -1) : 0;
}

void idem_fingerprint(const char *method, const char *path, const char *principal, const char *body,
                      size_t body_len, char ret[IDEM_FP_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    method = method ? method : "";
    path = path ? path : "";
    principal = principal ? principal : "";
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        digest_field(ctx, method, strlen(method)) != 0 ||
        digest_field(ctx, path, strlen(path)) != 0 ||
        digest_field(ctx, principal, strlen(principal)) != 0 ||
        digest_field(ctx, body ? body : "", body ? body_len : 0) != 0 ||
        EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != FP_HEX / 2)
        abort(); /* libcrypto cannot fail SHA-256 short of running out of memory */
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; i < md_len; i++) {
        ret[2 * i] = hex[md[i] >> 4];
        ret[2 * i + 1] = hex[md[i] & 15];
    }
    ret[FP_HEX] = '\0';
}

int idem_key_valid(const char *key)
{
    if (!key)
        return 0;
    size_t n = strlen(key);
    if (n < 1 || n > IDEM_KEY_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (key[i] <= 0x20 || key[i] >= 0x7f)
            return 0;
    }
    return 1;
}

char *idem_record_pending(const char *fp)
{
    return xasprintf("P %s", fp);
}

char *idem_record_done(const char *fp, int status, const char *body)
{
    return xasprintf("D %s %d %s", fp, status, body ? body : "");
}

/* True if s starts with FP_HEX lowercase hex characters. */
static int fp_valid(const char *s)
{
    for (size_t i = 0; i < FP_HEX; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return 1;
}

/* Parses "<status> " (three digits, 100..599, then a space); returns the body start or NULL. */
static const char *parse_status(const char *s, int *ret_status)
{
    for (int i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9')
            return NULL;
    }
    int st = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if (st < 100 || st > 599 || s[3] != ' ')
        return NULL;
    *ret_status = st;
    return s + 4;
}

int idem_record_parse(const char *text, struct idem_record *ret)
{
    struct idem_record r = {0};
    if (!text || (text[0] != 'P' && text[0] != 'D') || text[1] != ' ' || !fp_valid(text + 2))
        return -1;
    memcpy(r.fingerprint, text + 2, FP_HEX);
    r.fingerprint[FP_HEX] = '\0';
    const char *rest = text + 2 + FP_HEX;
    if (text[0] == 'P') {
        if (*rest != '\0')
            return -1;
    } else {
        if (*rest != ' ' || !(r.body = parse_status(rest + 1, &r.status)))
            return -1;
        r.done = 1;
    }
    *ret = r;
    return 0;
}

enum idem_decision idem_decide(const struct idem_record *existing, const char *fp)
{
    if (!existing)
        return IDEM_PROCEED;
    if (!fp || strcmp(existing->fingerprint, fp) != 0)
        return IDEM_MISMATCH;
    return existing->done ? IDEM_REPLAY : IDEM_IN_FLIGHT;
}
