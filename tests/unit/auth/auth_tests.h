/* Shared fixture and helpers of the auth unit tests: keys, token minting and base64url. */
#ifndef AUTH_TESTS_H
#define AUTH_TESTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <jwt.h>

#include "common/auth.h"

#define T_KID      "k1"
#define T_ISS      "https://customer.orderflow.test"
#define T_SUB      "0190f1a2-7b3c-7d4e-8f5a-1b2c3d4e5f60"
#define T_NOW      1700000000
#define T_LIFETIME 900
#define T_SKEW     60

/* Keys and the signer/verifier pair every test starts from. key 1 is the fixture key from
 * data/, key 2 is generated at start so a "different key" is never one we chose. */
struct fixture {
    char *priv1, *pub1, *sec1; /* data/p256.key.pem, data/p256.pub.pem, data/p256.sec1.pem */
    char *priv2, *pub2;        /* generated P-256 */
    char *p384, *rsa;          /* data/p384.key.pem, data/rsa2048.key.pem */
    struct auth_signer *signer;
    struct auth_verifier *verifier;
};

extern struct fixture fx;

/* Loads fx (aborting on failure) and frees it. */
void fixture_load(void);
void fixture_free(void);
/* The same as cmocka group setup and teardown. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

/* The whole file as a NUL-terminated string (caller frees); aborts if it cannot be read. */
char *read_file(const char *path);

/* Unpadded base64url of n bytes (caller frees). */
char *b64url_encode(const void *data, size_t n);
/* Decodes n characters of unpadded base64url; caller frees; NULL if invalid. */
unsigned char *b64url_decode(const char *s, size_t n, size_t *ret_len);

/* Part i (0 header, 1 payload, 2 signature) of a compact token, decoded (caller frees). */
unsigned char *token_part(const char *token, int i, size_t *ret_len);
/* The token with part i replaced by text (caller frees). */
char *token_with_part(const char *token, int i, const char *text);

/* The claims a good token carries, as a new object: sub, role customer, iat T_NOW,
 * exp T_NOW + T_LIFETIME, iss T_ISS. */
json_t *good_claims(void);
/* Signs arbitrary headers and claims with libjwt (caller frees the token). headers may be NULL;
 * libjwt adds alg and typ itself. key is a PEM (or an HMAC secret for HS*). */
char *mint(jwt_alg_t alg, const char *key, const json_t *headers, const json_t *claims);

/* ---- ES256 signature forms (OpenSSL's P-256 group order n) ---- */

/* True when the token's signature is 64 bytes with s <= n/2. */
int signature_low_s(const char *token);
/* The token with its signature's s replaced by n - s: the high-S twin when it is low-S, and
 * back (caller frees). Both verify as ECDSA. */
char *signature_twin(const char *token);
/* The token (freed) with a low-S signature: its twin when its s is high, else itself. */
char *low_s(char *token);
/* Signs header_json.claims_json (exact bytes, so duplicate members survive) with ES256 and the
 * PEM private key, low-S (caller frees). */
char *sign_es256(const char *header_json, const char *claims_json, const char *key_pem);

int run_basic_tests(void);
int run_attack_tests(void);

#endif
