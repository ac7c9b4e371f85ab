/* customer-svc one-time passwords, pure: code generation from a given random source, the keyed
 * hash that is all the server keeps, and the decision for a verification attempt. No I/O. */
#ifndef CUSTOMER_OTP_H
#define CUSTOMER_OTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "customer.h"

#define CUSTOMER_OTP_TTL_S      300 /* a code is valid for 5 minutes */
#define CUSTOMER_OTP_ATTEMPTS   5   /* verification attempts per code */
#define CUSTOMER_OTP_HASH_LEN   32  /* HMAC-SHA256 */
#define CUSTOMER_OTP_SECRET_MIN 16  /* shortest server secret accepted, bytes */
#define CUSTOMER_OTP_MAX_DRAWS  64  /* random draws before generation gives up */

/* The secret's bytes from its setting (OF_OTP_SECRET): hex-decoded when s is an even number of
 * hex digits (either case), else the text itself. Returns 0 with a new buffer in *ret (the
 * caller scrubs and frees it) of *ret_len bytes, or OF_EPERMANENT (both untouched) when the
 * secret is shorter than CUSTOMER_OTP_SECRET_MIN bytes. */
int customer_otp_secret_decode(const char *s, uint8_t **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

/* A source of random bytes: fills buf with n bytes and returns 0, or a negative code. */
typedef int (*customer_otp_random_fn)(void *ctx, void *buf, size_t n);

/* The production source: cryptographically random bytes from getrandom (random_bytes() of
 * common/uuid.h, which aborts if none can be had). ctx is ignored. Returns 0. */
int customer_otp_system_random(void *ctx, void *buf, size_t n) __attribute__((warn_unused_result));

/* Writes a uniformly distributed code of CUSTOMER_OTP_CODE_DIGITS digits (leading zeros kept)
 * and its NUL into ret_code. Draws 32-bit big-endian numbers from rnd and rejects those at or
 * above the largest multiple of 10^6 below 2^32, so every code is equally likely (no modulo
 * bias). Returns 0; the source's own negative code if it fails; OF_EPERMANENT if
 * CUSTOMER_OTP_MAX_DRAWS draws in a row were rejected (a broken source: the odds for a real one
 * are below 10^-230). ret_code is untouched on failure. */
int customer_otp_generate(customer_otp_random_fn rnd, void *ctx,
                          char ret_code[CUSTOMER_OTP_CODE_DIGITS + 1])
    __attribute__((warn_unused_result));

/* HMAC-SHA256 keyed with secret over "orderflow-otp-v1", NUL, phone, NUL, code: the only form
 * in which a code is stored. The phone binds a code to its number. Returns 0, or OF_EPERMANENT
 * (ret_hash untouched) if secret_len < CUSTOMER_OTP_SECRET_MIN, phone is not E.164 or code is not
 * CUSTOMER_OTP_CODE_DIGITS digits. */
int customer_otp_hash(const void *secret, size_t secret_len, const char *phone, const char *code,
                      uint8_t ret_hash[CUSTOMER_OTP_HASH_LEN]) __attribute__((warn_unused_result));

/* Constant-time equality of two hashes (CRYPTO_memcmp). */
bool customer_otp_hash_equal(const uint8_t a[CUSTOMER_OTP_HASH_LEN],
                             const uint8_t b[CUSTOMER_OTP_HASH_LEN]);

/* What the server keeps for a phone's pending code. */
struct customer_otp_record {
    uint8_t hash[CUSTOMER_OTP_HASH_LEN];
    int64_t expires_at; /* Unix seconds; the code is dead from this second on */
    int attempts_left;  /* 0 or less: locked */
};

/* A fresh record for code sent to phone at now: its hash, now + CUSTOMER_OTP_TTL_S and
 * CUSTOMER_OTP_ATTEMPTS. Returns 0 or, as customer_otp_hash, OF_EPERMANENT (untouched). */
int customer_otp_record_init(const void *secret, size_t secret_len, const char *phone,
                             const char *code, int64_t now, struct customer_otp_record *ret_record)
    __attribute__((warn_unused_result));

enum customer_otp_outcome {
    CUSTOMER_OTP_OK,     /* right code: the caller deletes the record (single use) */
    CUSTOMER_OTP_WRONG,  /* wrong code: the caller stores the decremented attempts_left */
    CUSTOMER_OTP_LOCKED, /* no attempts left: nothing compared, the record stays until it expires */
    CUSTOMER_OTP_EXPIRED, /* too late: nothing compared, the caller deletes the record */
    CUSTOMER_OTP_NONE,    /* no code pending for this phone */
};

/* Decides a verification attempt at time now (Unix seconds) for the presented code's hash
 * (customer_otp_hash with the same secret and phone) against record (NULL: none pending).
 * Checked in order: NONE, EXPIRED (now >= expires_at), LOCKED (attempts_left <= 0), then a
 * constant-time comparison: OK or WRONG. *ret_attempts_left receives the attempts left after this
 * one: attempts_left - 1 for WRONG (0 means the code is now locked), attempts_left for OK, 0
 * otherwise. */
enum customer_otp_outcome customer_otp_decide(const struct customer_otp_record *record,
                                              const uint8_t presented[CUSTOMER_OTP_HASH_LEN],
                                              int64_t now, int *ret_attempts_left);

/* "ok", "wrong", "locked", "expired", "none" (static), or "unknown". */
const char *customer_otp_outcome_name(enum customer_otp_outcome outcome);

#endif
