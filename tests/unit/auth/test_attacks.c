/* The token attack matrix: every forged, stale or malformed token is refused for its reason. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/errors.h"

#include "auth_tests.h"

/* ---- Builders: each returns a new token (or NULL for "no token") ---- */

static char *signed_at(int64_t now)
{
    char *token = NULL;
    if (auth_sign(fx.signer, T_SUB, AUTH_CUSTOMER, now, &token) != 0)
        abort();
    return token;
}

static char *good(void)
{
    return signed_at(T_NOW);
}

static json_t *kid_header(void)
{
    return json_pack("{s:s}", "kid", T_KID);
}

/* A token minted by libjwt with key 1 and the kid header, with one claim set (value stolen) or,
 * if value is NULL, removed. Only that claim differs from a token the verifier accepts. */
static char *with_claim(const char *name, json_t *value)
{
    json_t *claims = good_claims(), *headers = kid_header();
    if (value)
        json_object_set_new(claims, name, value);
    else
        json_object_del(claims, name);
    char *token = mint(JWT_ALG_ES256, fx.priv1, headers, claims);
    json_decref(claims);
    json_decref(headers);
    return token;
}

/* A token minted with key 1 and good claims under the given header fields. */
static char *with_headers(json_t *headers)
{
    json_t *claims = good_claims();
    char *token = mint(JWT_ALG_ES256, fx.priv1, headers, claims);
    json_decref(claims);
    json_decref(headers);
    return token;
}

/* Good claims and kid, signed with another algorithm and key. */
static char *alg_key(jwt_alg_t alg, const char *key)
{
    json_t *claims = good_claims(), *headers = kid_header();
    char *token = mint(alg, key, headers, claims);
    json_decref(claims);
    json_decref(headers);
    return token;
}

/* A good token with part i replaced by the base64url of text. */
static char *part_replaced(int i, const char *text)
{
    char *token = good(), *b64 = b64url_encode(text, strlen(text));
    char *ret = token_with_part(token, i, b64);
    free(token);
    free(b64);
    return ret;
}

static char *minted_control(void)
{
    return with_claim("role", json_string("customer"));
}
static char *alg_none(void)
{
    char *token = part_replaced(0, "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
    *(strrchr(token, '.') + 1) = '\0'; /* empty signature */
    return token;
}
static char *alg_none_with_signature(void)
{
    return part_replaced(0, "{\"alg\":\"none\",\"kid\":\"k1\"}");
}
static char *hs256_public_pem(void)
{
    return alg_key(JWT_ALG_HS256, fx.pub1); /* libjwt accepts it; only our alg check refuses */
}
static char *es384_same_key(void)
{
    return alg_key(JWT_ALG_ES384, fx.priv1); /* a valid ES384 signature by our key */
}
static char *rs256_rsa_key(void)
{
    return alg_key(JWT_ALG_RS256, fx.rsa);
}
static char *rs256_header(void)
{
    return part_replaced(0, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
}
static char *es384_header(void)
{
    return part_replaced(0, "{\"alg\":\"ES384\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
}
static char *expired(void)
{
    return signed_at(T_NOW - 3600);
}
static char *iat_future(void)
{
    return signed_at(T_NOW + 3600);
}
static char *exp_before_iat(void)
{
    return with_claim("exp", json_integer(T_NOW - 1));
}
static char *exp_equals_iat(void)
{
    return with_claim("exp", json_integer(T_NOW));
}
static char *wrong_iss(void)
{
    struct auth_signer *s = NULL;
    char *token = NULL;
    if (auth_signer_new(fx.priv1, T_KID, "https://evil.test", T_LIFETIME, &s) != 0 ||
        auth_sign(s, T_SUB, AUTH_CUSTOMER, T_NOW, &token) != 0)
        abort();
    auth_signer_free(s);
    return token;
}
static char *missing_iss(void)
{
    return with_claim("iss", NULL);
}
static char *iss_not_string(void)
{
    return with_claim("iss", json_pack("[s]", T_ISS));
}
static char *unknown_kid(void)
{
    return with_headers(json_pack("{s:s}", "kid", "k2"));
}
static char *missing_kid(void)
{
    return with_headers(json_object());
}
static char *kid_not_string(void)
{
    return with_headers(json_pack("{s:i}", "kid", 1));
}
static char *tampered_payload(void)
{
    char *token = good();
    size_t n;
    unsigned char *raw = token_part(token, 1, &n);
    json_t *claims = json_loadb((const char *)raw, n, 0, NULL);
    json_object_set_new(claims, "role", json_string("admin"));
    char *text = json_dumps(claims, JSON_COMPACT), *b64 = b64url_encode(text, strlen(text));
    char *ret = token_with_part(token, 1, b64);
    free(token);
    free(raw);
    free(text);
    free(b64);
    json_decref(claims);
    return ret;
}
static char *tampered_signature(void)
{
    char *token = good();
    char *c = strrchr(token, '.') + 10;
    *c = *c == 'A' ? 'B' : 'A';
    return token;
}
static char *other_tokens_signature(void)
{
    char *a = good(), *b = signed_at(T_NOW + 1);
    char *ret = token_with_part(a, 2, strrchr(b, '.') + 1);
    free(a);
    free(b);
    return ret;
}
static char *truncated(void)
{
    char *token = good();
    token[strlen(token) - 10] = '\0'; /* 76 characters: still canonical, libjwt must refuse */
    return token;
}
static char *truncated_to_two_dots(void)
{
    char *token = good();
    *(strrchr(token, '.') + 1) = '\0';
    return token;
}
static char *huge(size_t n)
{
    char *token = good();
    size_t len = strlen(token);
    char *ret = malloc(n + 1);
    memcpy(ret, token, len);
    memset(ret + len, 'A', n - len); /* a signature padded out to n bytes */
    ret[n] = '\0';
    free(token);
    return ret;
}
static char *huge_100k(void)
{
    return huge(100 * 1024);
}
static char *just_too_long(void)
{
    return huge(AUTH_TOKEN_MAX + 1);
}
static char *long_under_limit(void)
{
    /* At most AUTH_TOKEN_MAX bytes with a signature of 4k characters, so it reaches libjwt. */
    char *token = good();
    size_t prefix = (size_t)(strrchr(token, '.') + 1 - token);
    free(token);
    return huge(AUTH_TOKEN_MAX - (AUTH_TOKEN_MAX - prefix) % 4);
}
static char *garbage(void)
{
    return strdup("!!!$$.@@@@.####");
}
static char *garbage_alphabet(void)
{
    return strdup("abcd.efgh.ijkl"); /* base64url, but not JSON */
}
static char *header_not_object(void)
{
    return part_replaced(0, "[\"ES256\"]");
}
static char *payload_not_json(void)
{
    return part_replaced(1, "{\"sub\":");
}
static char *padded(void)
{
    char *token = good(), *ret = malloc(strlen(token) + 3);
    strcpy(ret, token);
    strcat(ret, "==");
    free(token);
    return ret;
}
static char *standard_base64(void)
{
    char *token = good();
    *(strrchr(token, '.') + 5) = '+';
    return token;
}
static char *noncanonical_tail(void)
{
    /* The 86-character signature ends in a character whose low 4 bits lie past the 64th byte:
     * set one. Decoders that ignore those bits would still see the original signature. */
    char *token = good();
    char *last = token + strlen(token) - 1;
    *last = *last == 'A' ? 'B' : (char)(*last ^ 1);
    return token;
}
static char *two_parts(void)
{
    char *token = good();
    *strrchr(token, '.') = '\0';
    return token;
}
static char *four_parts(void)
{
    char *token = good(), *ret = malloc(strlen(token) + 6);
    sprintf(ret, "%s.AAAA", token);
    free(token);
    return ret;
}
static char *empty_parts(void)
{
    return strdup("..");
}
static char *empty(void)
{
    return strdup("");
}
static char *null_token(void)
{
    return NULL;
}
static char *other_key(void)
{
    struct auth_signer *s = NULL;
    char *token = NULL;
    if (auth_signer_new(fx.priv2, T_KID, T_ISS, T_LIFETIME, &s) != 0 ||
        auth_sign(s, T_SUB, AUTH_CUSTOMER, T_NOW, &token) != 0)
        abort();
    auth_signer_free(s);
    return token;
}
static char *role_unknown(void)
{
    return with_claim("role", json_string("superuser"));
}
static char *role_capitalised(void)
{
    return with_claim("role", json_string("Admin"));
}
static char *role_number(void)
{
    return with_claim("role", json_integer(AUTH_ADMIN));
}
static char *role_missing(void)
{
    return with_claim("role", NULL);
}
static char *sub_missing(void)
{
    return with_claim("sub", NULL);
}
static char *sub_number(void)
{
    return with_claim("sub", json_integer(42));
}
static char *sub_not_uuid(void)
{
    return with_claim("sub", json_string("' OR 1=1 --"));
}
static char *exp_string(void)
{
    return with_claim("exp", json_string("1700000900"));
}
static char *exp_real(void)
{
    return with_claim("exp", json_real(1700000900.0));
}
static char *exp_missing(void)
{
    return with_claim("exp", NULL);
}
static char *iat_missing(void)
{
    return with_claim("iat", NULL);
}
static char *iat_string(void)
{
    return with_claim("iat", json_string("1700000000"));
}

/* ---- Hardening: duplicate members, signature malleability, absurd times ---- */

#define GOOD_HEADER "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"
#define CLAIMS_AFTER_SUB                                                                           \
    "\"iat\":1700000000,\"exp\":1700000900,\"iss\":\"https://customer.orderflow.test\""
#define SUB "\"sub\":\"" T_SUB "\""

/* Claims text signed as it is, byte for byte, under the good header. */
static char *signed_text(const char *claims)
{
    return sign_es256(GOOD_HEADER, claims, fx.priv1);
}
static char *raw_control(void)
{
    return signed_text("{" SUB ",\"role\":\"customer\"," CLAIMS_AFTER_SUB "}");
}
static char *duplicate_role(void)
{
    /* libjwt (and jansson's default) keep the last: this reads as admin there. */
    return signed_text("{" SUB ",\"role\":\"customer\",\"role\":\"admin\"," CLAIMS_AFTER_SUB "}");
}
static char *duplicate_role_same_value(void)
{
    return signed_text("{" SUB ",\"role\":\"customer\",\"role\":\"customer\"," CLAIMS_AFTER_SUB
                       "}");
}
static char *duplicate_sub(void)
{
    return signed_text("{" SUB ",\"sub\":\"0190f1a2-7b3c-7d4e-8f5a-000000000000\","
                       "\"role\":\"customer\"," CLAIMS_AFTER_SUB "}");
}
static char *duplicate_exp(void)
{
    return signed_text("{" SUB ",\"role\":\"customer\"," CLAIMS_AFTER_SUB
                       ",\"exp\":9223372036854775807}");
}
static char *duplicate_kid_header(void)
{
    return sign_es256("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k2\",\"kid\":\"k1\"}",
                      "{" SUB ",\"role\":\"customer\"," CLAIMS_AFTER_SUB "}", fx.priv1);
}
static char *duplicate_alg_header(void)
{
    return sign_es256("{\"alg\":\"HS256\",\"alg\":\"ES256\",\"kid\":\"k1\"}",
                      "{" SUB ",\"role\":\"customer\"," CLAIMS_AFTER_SUB "}", fx.priv1);
}
static char *high_s_twin(void)
{
    char *token = good();               /* auth_sign writes the low-S one... */
    char *twin = signature_twin(token); /* ...whose n - s twin is as valid an ECDSA signature */
    free(token);
    return twin;
}
static char *high_s_twin_minted(void)
{
    char *token = minted_control(), *twin = signature_twin(token);
    free(token);
    return twin;
}
static char *s_zero(void)
{
    char *token = good();
    size_t n;
    unsigned char *sig = token_part(token, 2, &n);
    memset(sig + 32, 0, 32);
    char *b64 = b64url_encode(sig, n), *ret = token_with_part(token, 2, b64);
    free(sig);
    free(b64);
    free(token);
    return ret;
}
static char *exp_int64_max(void)
{
    return with_claim("exp", json_integer(INT64_MAX));
}
static char *iat_negative(void)
{
    return with_claim("iat", json_integer(-1));
}
static char *iat_int64_min(void)
{
    return with_claim("iat", json_integer(INT64_MIN));
}
static char *iat_zero_exp_far(void)
{
    return with_claim("iat", json_integer(0)); /* exp stays T_NOW + T_LIFETIME: 54 years */
}
static char *lifetime_max(void)
{
    return with_claim("exp", json_integer(T_NOW + AUTH_LIFETIME_MAX));
}
static char *lifetime_max_plus_one(void)
{
    return with_claim("exp", json_integer(T_NOW + AUTH_LIFETIME_MAX + 1));
}

/* ---- The matrix ---- */

static const char *const SIG = "bad signature or encoding";
static const char *const SHAPE = "malformed token";

static const struct attack {
    const char *name;
    char *(*build)(void);
    const char *reason; /* NULL: must be accepted (a control) */
} attacks[] = {
    {"control: good token", good, NULL},
    {"control: minted like the attacks", minted_control, NULL},
    {"alg none, empty signature", alg_none, SHAPE},
    {"alg none, with a signature", alg_none_with_signature, SIG},
    {"HS256 with the public key PEM as secret", hs256_public_pem, "algorithm not ES256"},
    {"ES384 signed with our P-256 key", es384_same_key, "algorithm not ES256"},
    {"RS256 signed with an RSA key", rs256_rsa_key, SIG},
    {"RS256 header on an ES256 token", rs256_header, SIG},
    {"ES384 header on an ES256 token", es384_header, SIG},
    {"expired", expired, "expired"},
    {"iat in the future", iat_future, "iat in the future"},
    {"exp before iat", exp_before_iat, "exp not after iat"},
    {"exp equal to iat", exp_equals_iat, "exp not after iat"},
    {"wrong iss", wrong_iss, "wrong iss"},
    {"missing iss", missing_iss, "missing iss"},
    {"iss not a string", iss_not_string, "missing iss"},
    {"unknown kid", unknown_kid, "unknown kid"},
    {"missing kid", missing_kid, "missing kid"},
    {"kid not a string", kid_not_string, "missing kid"},
    {"tampered payload (role admin)", tampered_payload, SIG},
    {"tampered signature", tampered_signature, SIG},
    {"another token's signature", other_tokens_signature, SIG},
    {"truncated signature", truncated, SIG},
    {"truncated to header.payload.", truncated_to_two_dots, SHAPE},
    {"100 KB token", huge_100k, "token too long"},
    {"AUTH_TOKEN_MAX + 1 bytes", just_too_long, "token too long"},
    {"nearly AUTH_TOKEN_MAX bytes", long_under_limit, SIG},
    {"garbage characters", garbage, SHAPE},
    {"base64url garbage", garbage_alphabet, SIG},
    {"header not an object", header_not_object, SIG},
    {"payload not JSON", payload_not_json, SIG},
    {"padded base64", padded, SHAPE},
    {"standard base64 alphabet", standard_base64, SHAPE},
    {"non-canonical base64 tail", noncanonical_tail, SHAPE},
    {"two parts", two_parts, SHAPE},
    {"four parts", four_parts, SHAPE},
    {"empty parts", empty_parts, SHAPE},
    {"empty string", empty, "no token"},
    {"NULL", null_token, "no token"},
    {"signed by another EC key", other_key, SIG},
    {"role not in the set", role_unknown, "bad role"},
    {"role capitalised", role_capitalised, "bad role"},
    {"role a number", role_number, "bad role"},
    {"role missing", role_missing, "bad role"},
    {"sub missing", sub_missing, "bad sub"},
    {"sub a number", sub_number, "bad sub"},
    {"sub not a UUID", sub_not_uuid, "bad sub"},
    {"exp a string", exp_string, "bad exp"},
    {"exp a real", exp_real, "bad exp"},
    {"exp missing", exp_missing, "bad exp"},
    {"iat missing", iat_missing, "bad iat"},
    {"iat a string", iat_string, "bad iat"},
    {"control: claims signed as text", raw_control, NULL},
    {"duplicate role (customer, then admin)", duplicate_role, "bad claims"},
    {"duplicate role, same value", duplicate_role_same_value, "bad claims"},
    {"duplicate sub", duplicate_sub, "bad claims"},
    {"duplicate exp (then 2^63 - 1)", duplicate_exp, "bad claims"},
    {"duplicate kid header (k2, then k1)", duplicate_kid_header, "bad header"},
    {"duplicate alg header (HS256, then ES256)", duplicate_alg_header, "bad header"},
    {"high-S twin of auth_sign's signature", high_s_twin, "non-canonical signature"},
    {"high-S twin of a minted signature", high_s_twin_minted, "non-canonical signature"},
    {"s = 0", s_zero, SIG},
    {"exp 2^63 - 1", exp_int64_max, "lifetime too long"},
    {"iat -1", iat_negative, "bad iat"},
    {"iat -2^63", iat_int64_min, "bad iat"},
    {"iat 0 (a lifetime of 54 years)", iat_zero_exp_far, "lifetime too long"},
    {"control: lifetime AUTH_LIFETIME_MAX", lifetime_max, NULL},
    {"lifetime AUTH_LIFETIME_MAX + 1", lifetime_max_plus_one, "lifetime too long"},
};

/* Runs one case; prints what went wrong and returns 1 if the outcome is not the expected one. */
static int check_attack(const struct attack *a)
{
    char *token = a->build();
    struct auth_principal p, before;
    memset(&p, 0x5a, sizeof p);
    before = p;
    const char *reason = NULL;
    int rc = auth_verify(fx.verifier, token, T_NOW, &p, &reason);
    free(token);
    if (!a->reason) {
        if (rc == 0 && strcmp(p.sub, T_SUB) == 0)
            return 0;
        print_error("%s: refused (%s)\n", a->name, reason);
        return 1;
    }
    if (rc != OF_EPERMANENT) {
        print_error("%s: rc %d, expected a refusal\n", a->name, rc);
        return 1;
    }
    if (!reason || strcmp(reason, a->reason) != 0) {
        print_error("%s: reason \"%s\", expected \"%s\"\n", a->name, reason, a->reason);
        return 1;
    }
    if (memcmp(&p, &before, sizeof p) != 0) {
        print_error("%s: principal written on refusal\n", a->name);
        return 1;
    }
    return 0;
}

/* Every case runs and reports before the test fails, so one broken check shows all it lets in. */
static void matrix(void **state)
{
    (void)state;
    int wrong = 0;
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
        wrong += check_attack(&attacks[i]);
    assert_int_equal(wrong, 0);
}

/* A NULL verifier or reason pointer is handled. */
static void null_arguments(void **state)
{
    (void)state;
    char *token = good();
    struct auth_principal p;
    const char *reason = NULL;
    assert_int_equal(auth_verify(NULL, token, T_NOW, &p, &reason), OF_EPERMANENT);
    assert_string_equal(reason, "no verifier");
    assert_int_equal(auth_verify(fx.verifier, "x.y", T_NOW, &p, NULL), OF_EPERMANENT);
    free(token);
}

/* Random edits of a good token: each one that changes it must be refused, and none may crash
 * (run under ASan and valgrind). The seed is fixed so a failure reproduces. */
static void mutations(void **state)
{
    (void)state;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    char *token = good();
    size_t len = strlen(token);
    char *m = malloc(len + 2);
    srand(20240601);
    for (int i = 0; i < 1500; i++) {
        strcpy(m, token);
        size_t at = (size_t)rand() % len;
        char c = alphabet[rand() % (int)(sizeof alphabet - 1)];
        switch (rand() % 3) {
        case 0: /* replace */
            m[at] = c;
            break;
        case 1: /* delete */
            memmove(m + at, m + at + 1, len - at);
            break;
        default: /* insert */
            memmove(m + at + 1, m + at, len - at + 1);
            m[at] = c;
        }
        struct auth_principal p;
        int rc = auth_verify(fx.verifier, m, T_NOW, &p, NULL);
        if (strcmp(m, token) != 0 && rc == 0)
            fail_msg("mutation %d accepted: %s", i, m);
    }
    free(m);
    free(token);
}

/* ---- Threads: one verifier, many threads at once ---- */

struct worker {
    const char *good, *bad;
    int wrong;
};

static void *verify_loop(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 100; i++) {
        struct auth_principal p;
        const char *reason = NULL;
        if (auth_verify(fx.verifier, w->good, T_NOW, &p, NULL) != 0 || strcmp(p.sub, T_SUB) != 0)
            w->wrong++;
        if (auth_verify(fx.verifier, w->bad, T_NOW, &p, &reason) != OF_EPERMANENT ||
            strcmp(reason, SIG) != 0)
            w->wrong++;
    }
    return NULL;
}

static void threads(void **state)
{
    (void)state;
    enum { N = 4 };
    char *ok = good(), *bad = tampered_payload();
    pthread_t t[N];
    struct worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){ok, bad, 0};
        assert_int_equal(pthread_create(&t[i], NULL, verify_loop, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].wrong, 0);
    }
    free(ok);
    free(bad);
}

/* auth_sign writes the low-S signature every time (libjwt and OpenSSL alone would give the
 * high one about half the time), checked against OpenSSL's group order. */
static void sign_is_low_s(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        char *token = signed_at(T_NOW + i);
        if (!signature_low_s(token))
            fail_msg("token %d has a high-S signature", i);
        struct auth_principal p;
        assert_int_equal(auth_verify(fx.verifier, token, T_NOW + i, &p, NULL), 0);
        free(token);
    }
}

int run_attack_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matrix),         cmocka_unit_test(sign_is_low_s),
        cmocka_unit_test(null_arguments), cmocka_unit_test(mutations),
        cmocka_unit_test(threads),
    };
    return cmocka_run_group_tests_name("auth attacks", tests, fixture_setup, fixture_teardown);
}
