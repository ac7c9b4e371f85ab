/* customer-svc one-time passwords: unbiased generation, keyed hashing, and the verification
 * decision (see customer_otp.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/codec.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "common/xalloc.h"
#include "customer_otp.h"
#include "customer_rules.h"

#define CODE_SPACE 1000000u /* 10^CUSTOMER_OTP_CODE_DIGITS */
/* The largest multiple of CODE_SPACE not above 2^32: draws at or above it are rejected. */
#define DRAW_LIMIT ((uint32_t)(4294967296ull - 4294967296ull % CODE_SPACE))

_Static_assert(CUSTOMER_OTP_CODE_DIGITS == 6, "CODE_SPACE assumes 6 digits");

static const char hash_context[] = "orderflow-otp-v1";

int customer_otp_secret_decode(const char *s, uint8_t **ret, size_t *ret_len)
{
    size_t n = strlen(s);
    long len = (long)n;
    uint8_t *out = xmalloc(n + 1);
    if (codec_hex_valid(s, n))
        len = codec_hex_decode(s, n, out, n);
    else
        memcpy(out, s, n);
    if (len < CUSTOMER_OTP_SECRET_MIN) {
        explicit_bzero(out, n + 1);
        free(out);
        return OF_EPERMANENT;
    }
    *ret = out;
    *ret_len = (size_t)len;
    return OF_OK;
}

int customer_otp_system_random(void *ctx, void *buf, size_t n)
{
    (void)ctx;
    random_bytes(buf, n);
    return OF_OK;
}

int customer_otp_generate(customer_otp_random_fn rnd, void *ctx,
                          char ret_code[CUSTOMER_OTP_CODE_DIGITS + 1])
{
    for (int draw = 0; draw < CUSTOMER_OTP_MAX_DRAWS; draw++) {
        unsigned char b[4];
        uint32_t v;
        int rc = rnd(ctx, b, sizeof b);

        if (rc < 0)
            return rc;
        v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (v >= DRAW_LIMIT)
            continue;
        snprintf(ret_code, CUSTOMER_OTP_CODE_DIGITS + 1, "%06u", (unsigned)(v % CODE_SPACE));
        return OF_OK;
    }
    return OF_EPERMANENT;
}

int customer_otp_hash(const void *secret, size_t secret_len, const char *phone, const char *code,
                      uint8_t ret_hash[CUSTOMER_OTP_HASH_LEN])
{
    /* context, NUL, phone (at most 16 bytes), NUL, code (6 bytes) */
    unsigned char msg[sizeof hash_context + CUSTOMER_PHONE_SIZE + CUSTOMER_OTP_CODE_DIGITS];
    size_t plen, n = 0;
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned int out_len = 0;

    if (!secret || secret_len < CUSTOMER_OTP_SECRET_MIN || secret_len > INT_MAX ||
        !customer_rules_phone_valid(phone) || !customer_rules_code_valid(code))
        return OF_EPERMANENT;
    plen = strlen(phone);
    memcpy(msg, hash_context, sizeof hash_context); /* with its NUL */
    n += sizeof hash_context;
    memcpy(msg + n, phone, plen + 1);
    n += plen + 1;
    memcpy(msg + n, code, CUSTOMER_OTP_CODE_DIGITS);
    n += CUSTOMER_OTP_CODE_DIGITS;
    if (!HMAC(EVP_sha256(), secret, (int)secret_len, msg, n, out, &out_len) ||
        out_len != CUSTOMER_OTP_HASH_LEN)
        return OF_EPERMANENT;
    memcpy(ret_hash, out, CUSTOMER_OTP_HASH_LEN);
    return OF_OK;
}

bool customer_otp_hash_equal(const uint8_t a[CUSTOMER_OTP_HASH_LEN],
                             const uint8_t b[CUSTOMER_OTP_HASH_LEN])
{
    return CRYPTO_memcmp(a, b, CUSTOMER_OTP_HASH_LEN) == 0;
}

int customer_otp_record_init(const void *secret, size_t secret_len, const char *phone,
                             const char *code, int64_t now, struct customer_otp_record *ret_record)
{
    struct customer_otp_record r;

    if (customer_otp_hash(secret, secret_len, phone, code, r.hash) < 0)
        return OF_EPERMANENT;
    r.expires_at = now + CUSTOMER_OTP_TTL_S;
    r.attempts_left = CUSTOMER_OTP_ATTEMPTS;
    *ret_record = r;
    return OF_OK;
}

enum customer_otp_outcome customer_otp_decide(const struct customer_otp_record *record,
                                              const uint8_t presented[CUSTOMER_OTP_HASH_LEN],
                                              int64_t now, int *ret_attempts_left)
{
    *ret_attempts_left = 0;
    if (!record)
        return CUSTOMER_OTP_NONE;
    if (now >= record->expires_at)
        return CUSTOMER_OTP_EXPIRED;
    if (record->attempts_left <= 0)
        return CUSTOMER_OTP_LOCKED;
    if (customer_otp_hash_equal(record->hash, presented)) {
        *ret_attempts_left = record->attempts_left;
        return CUSTOMER_OTP_OK;
    }
    *ret_attempts_left = record->attempts_left - 1;
    return CUSTOMER_OTP_WRONG;
}

const char *customer_otp_outcome_name(enum customer_otp_outcome outcome)
{
    static const char *const names[] = {
        [CUSTOMER_OTP_OK] = "ok",         [CUSTOMER_OTP_WRONG] = "wrong",
        [CUSTOMER_OTP_LOCKED] = "locked", [CUSTOMER_OTP_EXPIRED] = "expired",
        [CUSTOMER_OTP_NONE] = "none",
    };

    if ((unsigned)outcome >= sizeof names / sizeof names[0])
        return "unknown";
    return names[outcome];
}
