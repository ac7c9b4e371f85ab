/* Roles, the Bearer helper, key checks, sign/verify round trips, time limits, JWKS and interop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/errors.h"

#include "auth_tests.h"

static void roles(void **state)
{
    (void)state;
    assert_string_equal(auth_role_name(AUTH_CUSTOMER), "customer");
    assert_string_equal(auth_role_name(AUTH_BUSINESS), "business");
    assert_string_equal(auth_role_name(AUTH_PARTNER), "partner");
    assert_string_equal(auth_role_name(AUTH_ADMIN), "admin");
    assert_null(auth_role_name(0));
    assert_null(auth_role_name(AUTH_CUSTOMER | AUTH_ADMIN));
    assert_null(auth_role_name(16));
    assert_int_equal(auth_role_parse("customer"), AUTH_CUSTOMER);
    assert_int_equal(auth_role_parse("business"), AUTH_BUSINESS);
    assert_int_equal(auth_role_parse("partner"), AUTH_PARTNER);
    assert_int_equal(auth_role_parse("admin"), AUTH_ADMIN);
    assert_int_equal(auth_role_parse("Admin"), 0);
    assert_int_equal(auth_role_parse("admin "), 0);
    assert_int_equal(auth_role_parse(""), 0);
    assert_int_equal(auth_role_parse(NULL), 0);
    assert_int_equal(AUTH_ROLES_ALL, 15);
}

static void bearer_ok(const char *header, const char *want)
{
    char out[32];
    memset(out, 'x', sizeof out);
    assert_int_equal(auth_bearer(header, out, sizeof out), 0);
    assert_string_equal(out, want);
}

static void bearer_bad(const char *header, size_t len)
{
    char out[32] = "untouched";
    assert_int_equal(auth_bearer(header, out, len), -1);
    assert_string_equal(out, "untouched");
}

static void bearer(void **state)
{
    (void)state;
    bearer_ok("Bearer abc.def.ghi", "abc.def.ghi");
    bearer_ok("bearer abc", "abc");
    bearer_ok("BEARER abc", "abc");
    bearer_ok("Bearer\tabc", "abc");
    bearer_ok("Bearer \t  abc \t", "abc");
    bearer_ok("  Bearer abc", "abc");
    bearer_ok("Bearer a+/=~_-", "a+/=~_-");
    bearer_ok("Bearer 0123456789012345678901234567890", "0123456789012345678901234567890");
    bearer_bad(NULL, 32);
    bearer_bad("", 32);
    bearer_bad("Bearer", 32);
    bearer_bad("Bearer ", 32);
    bearer_bad("Bearer \t ", 32);
    bearer_bad("Bearerabc", 32);
    bearer_bad("Basic YWxhZGRpbjpvcGVuc2VzYW1l", 32);
    bearer_bad("Bear abc", 32);
    bearer_bad("Bearer abc def", 32);
    bearer_bad("Bearer abc\n", 32);
    bearer_bad("Bearer abc\x01"
               "def",
               32);
    bearer_bad("Bearer caf\xc3\xa9", 32);
    bearer_bad("Bearer \x7f", 32);
    bearer_bad("Bearer 01234567890123456789012345678901", 32); /* 32 chars + NUL do not fit */
    bearer_bad("Bearer abc", 3);
    bearer_bad("Bearer abc", 0);
    char out[4];
    assert_int_equal(auth_bearer("Bearer abc", out, sizeof out), 0); /* exact fit */
    assert_string_equal(out, "abc");
}

static void signer_refuses(const char *pem, const char *kid, const char *iss, int64_t life)
{
    struct auth_signer *s = (struct auth_signer *)0x1;
    assert_int_equal(auth_signer_new(pem, kid, iss, life, &s), OF_EPERMANENT);
    assert_ptr_equal(s, (struct auth_signer *)0x1);
}

/* An encrypted PKCS#8 PEM of key 1. */
static char *encrypted_pem(void)
{
    BIO *in = BIO_new_mem_buf(fx.priv1, -1), *out = BIO_new(BIO_s_mem());
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    assert_non_null(pkey);
    assert_int_equal(
        PEM_write_bio_PKCS8PrivateKey(out, pkey, EVP_aes_128_cbc(), "secret", 6, NULL, NULL), 1);
    char *data;
    long n = BIO_get_mem_data(out, &data);
    char *pem = strndup(data, (size_t)n);
    assert_non_null(strstr(pem, "ENCRYPTED"));
    EVP_PKEY_free(pkey);
    BIO_free(in);
    BIO_free(out);
    return pem;
}

static void signer_keys(void **state)
{
    (void)state;
    signer_refuses(NULL, T_KID, T_ISS, T_LIFETIME);
    signer_refuses("", T_KID, T_ISS, T_LIFETIME);
    signer_refuses("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", T_KID, T_ISS,
                   T_LIFETIME);
    signer_refuses(fx.pub1, T_KID, T_ISS, T_LIFETIME);
    signer_refuses(fx.p384, T_KID, T_ISS, T_LIFETIME);
    signer_refuses(fx.rsa, T_KID, T_ISS, T_LIFETIME);
    char *enc = encrypted_pem();
    signer_refuses(enc, T_KID, T_ISS, T_LIFETIME); /* refused, not prompted for */
    free(enc);
    signer_refuses(fx.priv1, NULL, T_ISS, T_LIFETIME);
    signer_refuses(fx.priv1, "", T_ISS, T_LIFETIME);
    signer_refuses(fx.priv1, T_KID, NULL, T_LIFETIME);
    signer_refuses(fx.priv1, T_KID, "", T_LIFETIME);
    signer_refuses(fx.priv1, T_KID, T_ISS, 0);
    signer_refuses(fx.priv1, T_KID, T_ISS, -5);
    signer_refuses(fx.priv1, T_KID, T_ISS, AUTH_LIFETIME_MAX + 1);

    /* The SEC1 form of the same key signs tokens the verifier accepts. */
    struct auth_signer *s = NULL;
    assert_int_equal(auth_signer_new(fx.sec1, T_KID, T_ISS, AUTH_LIFETIME_MAX, &s), 0);
    char *token = NULL;
    assert_int_equal(auth_sign(s, T_SUB, AUTH_PARTNER, T_NOW, &token), 0);
    struct auth_principal p;
    assert_int_equal(auth_verify(fx.verifier, token, T_NOW, &p, NULL), 0);
    assert_int_equal(p.role, AUTH_PARTNER);
    assert_int_equal(p.exp, T_NOW + AUTH_LIFETIME_MAX);
    free(token);
    auth_signer_free(s);
    auth_signer_free(NULL);
}

static void verifier_refuses(const char *pem, const char *kid, const char *iss, int64_t skew)
{
    struct auth_verifier *v = (struct auth_verifier *)0x1;
    assert_int_equal(auth_verifier_new(pem, kid, iss, skew, &v), OF_EPERMANENT);
    assert_ptr_equal(v, (struct auth_verifier *)0x1);
}

static void verifier_keys(void **state)
{
    (void)state;
    verifier_refuses(NULL, T_KID, T_ISS, T_SKEW);
    verifier_refuses("", T_KID, T_ISS, T_SKEW);
    verifier_refuses("garbage", T_KID, T_ISS, T_SKEW);
    verifier_refuses(fx.priv1, T_KID, T_ISS, T_SKEW); /* a private key is not what it takes */
    verifier_refuses(fx.p384, T_KID, T_ISS, T_SKEW);
    verifier_refuses(fx.rsa, T_KID, T_ISS, T_SKEW);
    verifier_refuses(fx.pub1, NULL, T_ISS, T_SKEW);
    verifier_refuses(fx.pub1, "", T_ISS, T_SKEW);
    verifier_refuses(fx.pub1, T_KID, NULL, T_SKEW);
    verifier_refuses(fx.pub1, T_KID, "", T_SKEW);
    verifier_refuses(fx.pub1, T_KID, T_ISS, -1);
    verifier_refuses(fx.pub1, T_KID, T_ISS, AUTH_SKEW_MAX + 1);
    struct auth_verifier *v = NULL;
    assert_int_equal(auth_verifier_new(fx.pub1, T_KID, T_ISS, 0, &v), 0);
    auth_verifier_free(v);
    auth_verifier_free(NULL);
}

/* The decoded header or claims must be exactly want (key order aside). */
static void assert_part_json(const char *token, int part, const char *want)
{
    size_t n;
    unsigned char *raw = token_part(token, part, &n);
    json_t *got = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    json_t *expected = json_loads(want, 0, NULL);
    assert_non_null(got);
    assert_non_null(expected);
    assert_true(json_equal(got, expected));
    json_decref(got);
    json_decref(expected);
    free(raw);
}

static void round_trip(void **state)
{
    (void)state;
    char *token = NULL;
    assert_int_equal(auth_sign(fx.signer, T_SUB, AUTH_BUSINESS, T_NOW, &token), 0);
    assert_part_json(token, 0, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
    assert_part_json(token, 1,
                     "{\"sub\":\"" T_SUB "\",\"role\":\"business\",\"iat\":1700000000,"
                     "\"exp\":1700000900,\"iss\":\"" T_ISS "\"}");
    struct auth_principal p;
    memset(&p, 0xaa, sizeof p);
    const char *reason = "unset";
    assert_int_equal(auth_verify(fx.verifier, token, T_NOW + 10, &p, &reason), 0);
    assert_string_equal(reason, "unset"); /* untouched on success */
    assert_string_equal(p.sub, T_SUB);
    assert_int_equal(p.role, AUTH_BUSINESS);
    assert_int_equal(p.iat, T_NOW);
    assert_int_equal(p.exp, T_NOW + T_LIFETIME);
    free(token);
}

static void every_role(void **state)
{
    (void)state;
    for (unsigned role = 1; role <= AUTH_ADMIN; role <<= 1) {
        char *token = NULL;
        struct auth_principal p;
        assert_int_equal(auth_sign(fx.signer, T_SUB, role, T_NOW, &token), 0);
        assert_int_equal(auth_verify(fx.verifier, token, T_NOW, &p, NULL), 0);
        assert_int_equal(p.role, role);
        free(token);
    }
}

static void sign_refuses(void **state)
{
    (void)state;
    char *token = (char *)0x1;
    assert_int_equal(auth_sign(fx.signer, "not-a-uuid", AUTH_CUSTOMER, T_NOW, &token),
                     OF_EPERMANENT);
    assert_int_equal(auth_sign(fx.signer, "", AUTH_CUSTOMER, T_NOW, &token), OF_EPERMANENT);
    assert_int_equal(auth_sign(fx.signer, NULL, AUTH_CUSTOMER, T_NOW, &token), OF_EPERMANENT);
    assert_int_equal(auth_sign(fx.signer, T_SUB, 0, T_NOW, &token), OF_EPERMANENT);
    assert_int_equal(auth_sign(fx.signer, T_SUB, AUTH_CUSTOMER | AUTH_ADMIN, T_NOW, &token),
                     OF_EPERMANENT);
    assert_int_equal(auth_sign(fx.signer, T_SUB, 16, T_NOW, &token), OF_EPERMANENT);
    assert_ptr_equal(token, (char *)0x1);
}

static int verify_at(const char *token, int64_t now, const char **reason)
{
    struct auth_principal p;
    return auth_verify(fx.verifier, token, now, &p, reason);
}

/* iat may lead the clock by the skew, exp may trail it by the skew, and not one second more. */
static void time_limits(void **state)
{
    (void)state;
    char *token = NULL;
    const char *reason = NULL;
    assert_int_equal(auth_sign(fx.signer, T_SUB, AUTH_CUSTOMER, T_NOW, &token), 0);
    assert_int_equal(verify_at(token, T_NOW - T_SKEW, &reason), 0);
    assert_int_equal(verify_at(token, T_NOW - T_SKEW - 1, &reason), OF_EPERMANENT);
    assert_string_equal(reason, "iat in the future");
    assert_int_equal(verify_at(token, T_NOW + T_LIFETIME + T_SKEW, &reason), 0);
    assert_int_equal(verify_at(token, T_NOW + T_LIFETIME + T_SKEW + 1, &reason), OF_EPERMANENT);
    assert_string_equal(reason, "expired");
    free(token);
}

/* Checks a JWKS document against a key's public point 04||X||Y read by a different OpenSSL call
 * (octet string, not the BIGNUM coordinates auth.c uses) and against expected x/y if given. */
static void check_jwks(const char *jwks, const char *pub_pem, const char *kid)
{
    json_error_t err;
    json_t *doc = json_loads(jwks, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(doc);
    json_t *keys = json_object_get(doc, "keys");
    assert_int_equal(json_object_size(doc), 1);
    assert_int_equal(json_array_size(keys), 1);
    json_t *k = json_array_get(keys, 0);
    assert_int_equal(json_object_size(k), 7);
    assert_string_equal(json_string_value(json_object_get(k, "kty")), "EC");
    assert_string_equal(json_string_value(json_object_get(k, "crv")), "P-256");
    assert_string_equal(json_string_value(json_object_get(k, "kid")), kid);
    assert_string_equal(json_string_value(json_object_get(k, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(k, "use")), "sig");

    BIO *bio = BIO_new_mem_buf(pub_pem, -1);
    EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    assert_non_null(pkey);
    unsigned char point[65];
    size_t n = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &n), 1);
    assert_int_equal(n, 65);
    assert_int_equal(point[0], 4);
    char *x = b64url_encode(point + 1, 32), *y = b64url_encode(point + 33, 32);
    assert_string_equal(json_string_value(json_object_get(k, "x")), x);
    assert_string_equal(json_string_value(json_object_get(k, "y")), y);
    free(x);
    free(y);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    json_decref(doc);
}

static void jwks(void **state)
{
    (void)state;
    const char *from_signer = auth_signer_jwks(fx.signer);
    check_jwks(from_signer, fx.pub1, T_KID);
    /* x and y as Python computed them from `openssl ec -text` (data/p256.jwk.expected). */
    char *expected_text = read_file("data/p256.jwk.expected");
    json_t *expected = json_loads(expected_text, 0, NULL);
    json_t *doc = json_loads(from_signer, 0, NULL);
    json_t *k = json_array_get(json_object_get(doc, "keys"), 0);
    assert_true(json_equal(json_object_get(k, "x"), json_object_get(expected, "x")));
    assert_true(json_equal(json_object_get(k, "y"), json_object_get(expected, "y")));
    json_decref(doc);
    json_decref(expected);
    free(expected_text);

    char *from_pem = NULL;
    assert_int_equal(auth_jwks_json(fx.pub1, T_KID, &from_pem), 0);
    assert_string_equal(from_pem, from_signer);
    free(from_pem);
    assert_int_equal(auth_jwks_json(fx.pub2, "other", &from_pem), 0); /* a generated key */
    check_jwks(from_pem, fx.pub2, "other");
    free(from_pem);

    char *untouched = (char *)0x1;
    assert_int_equal(auth_jwks_json(fx.priv1, T_KID, &untouched), OF_EPERMANENT);
    assert_int_equal(auth_jwks_json(fx.pub1, "", &untouched), OF_EPERMANENT);
    assert_int_equal(auth_jwks_json(fx.pub1, NULL, &untouched), OF_EPERMANENT);
    assert_int_equal(auth_jwks_json(NULL, T_KID, &untouched), OF_EPERMANENT);
    assert_ptr_equal(untouched, (char *)0x1);
}

static void public_pem(void **state)
{
    (void)state;
    assert_string_equal(auth_signer_public_pem(fx.signer), fx.pub1);
}

/* Verifies an ES256 JWS with plain OpenSSL: the signature must be the 64-byte R||S of RFC 7518
 * section 3.4 over "header.payload", so that any other JOSE library accepts our tokens. */
static int openssl_verify(const char *token, EVP_PKEY *pkey)
{
    size_t siglen;
    unsigned char *sig = token_part(token, 2, &siglen);
    int ok = 0;
    if (siglen != 64)
        goto out;
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
    unsigned char *der = NULL;
    int derlen = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    size_t signed_len = (size_t)(strrchr(token, '.') - token);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
         EVP_DigestVerify(md, der, (size_t)derlen, (const unsigned char *)token, signed_len) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
out:
    free(sig);
    return ok;
}

/* Many tokens, so that an R or S with leading zero bytes (about 1 in 64 tokens) is covered. */
static void interop(void **state)
{
    (void)state;
    BIO *bio = BIO_new_mem_buf(fx.pub1, -1);
    EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    assert_non_null(pkey);
    for (int i = 0; i < 300; i++) {
        char *token = NULL;
        assert_int_equal(auth_sign(fx.signer, T_SUB, AUTH_CUSTOMER, T_NOW + i, &token), 0);
        assert_true(openssl_verify(token, pkey));
        free(token);
    }
    EVP_PKEY_free(pkey);
    BIO_free(bio);
}

int run_basic_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles),        cmocka_unit_test(bearer),
        cmocka_unit_test(signer_keys),  cmocka_unit_test(verifier_keys),
        cmocka_unit_test(round_trip),   cmocka_unit_test(every_role),
        cmocka_unit_test(sign_refuses), cmocka_unit_test(time_limits),
        cmocka_unit_test(jwks),         cmocka_unit_test(public_pem),
        cmocka_unit_test(interop),
    };
    return cmocka_run_group_tests_name("auth basics", tests, fixture_setup, fixture_teardown);
}
