/* Bearer tokens: ES256 JWT signing and verification over libjwt 1.10, JWKS and roles. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/auth.h"
#include "common/codec.h"
#include "common/errors.h"
#include "common/file.h"
#include "common/uuid.h"
#include "common/xalloc.h"

/* What auth_verify checks, in order, and why.
 *
 * libjwt 1.10 is only trusted with the signature arithmetic; everything else is checked here:
 * - Shape before libjwt: at most AUTH_TOKEN_MAX bytes, exactly three non-empty parts of
 *   canonical unpadded base64url (unused low bits zero, so one token has one spelling). libjwt
 *   splits at the first two dots only and its base64 decoder skips characters outside the
 *   alphabet, so without this "head.body.si.g" or a signature with junk inside still verifies.
 * - jwt_decode() is always given the key. With a NULL key libjwt 1.10 silently drops the
 *   signature check and accepts "alg":"none" tokens unverified.
 * - jwt_decode() takes the algorithm from the token's own header and verifies with it. So after
 *   a successful decode jwt_get_alg() must be ES256: otherwise an HS256 token whose HMAC secret
 *   is our public key PEM (which is public) would pass, and so would ES384 signed with a P-256
 *   key. libjwt itself refuses "none" when a key is given; we check anyway.
 * - The signature must be the canonical one: 64 bytes r || s with 1 <= r < n and
 *   1 <= s <= n/2 (n the P-256 group order). ECDSA signatures are malleable: (r, n - s) verifies
 *   as well as (r, s), and OpenSSL accepts both, so without this every token has a second
 *   spelling. auth_sign() writes the low-S one (BIP 62 and RFC 6979 practice, what Bitcoin and
 *   Ethereum require).
 * - libjwt parses the header and claims with jansson's defaults, where a duplicate member
 *   silently replaces the first ({"role":"customer","role":"admin"} reads as admin). Both are
 *   parsed again here from the token's own bytes with JSON_REJECT_DUPLICATES, and the claims are
 *   read from that parse only.
 * - libjwt 1.10 checks no claim at all: kid (header), iss, sub, role, iat and exp are checked
 *   here with their JSON types (jwt_get_grant_int() would read a string exp as 0).
 * - iat may not be negative nor more than skew seconds in the future, exp at most skew seconds
 *   in the past, and exp must come after iat by at most AUTH_LIFETIME_MAX (no signer of ours
 *   makes a longer-lived token, so exp = 2^63 - 1 is refused rather than trusted for ever).
 *
 * Thread safety: a verifier is never written after creation. jwt_decode() works on a jwt_t of
 * its own per call and only reads the key bytes we pass; libjwt 1.10 has no global state (no
 * allocator hooks yet, nothing in .data/.bss but the C runtime's 16 bytes). OpenSSL 3 and
 * jansson are thread-safe on objects that are not shared. Keys are kept as PEM text because
 * that is what libjwt 1.10 takes (it parses the PEM on every call). */

/* ---- Roles ---- */

static const struct {
    unsigned role;
    const char *name;
} roles[] = {
    {AUTH_CUSTOMER, "customer"},
    {AUTH_BUSINESS, "business"},
    {AUTH_PARTNER, "partner"},
    {AUTH_ADMIN, "admin"},
};

const char *auth_role_name(unsigned role)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (roles[i].role == role)
            return roles[i].name;
    }
    return NULL;
}

unsigned auth_role_parse(const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(roles[i].name, name) == 0)
            return roles[i].role;
    }
    return 0;
}

/* ---- Keys ---- */

/* Refuses encrypted PEM instead of letting OpenSSL prompt on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static bool is_p256(const EVP_PKEY *pkey)
{
    char group[32];
    size_t len = 0;
    if (!EVP_PKEY_is_a(pkey, "EC"))
        return false;
    if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        &len))
        return false;
    return strcmp(group, "prime256v1") == 0;
}

/* Parses a PEM private (private = true) or public key; NULL unless it is an EC P-256 key. */
static EVP_PKEY *load_p256(const char *pem, bool private)
{
    if (!pem || !*pem)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return NULL;
    EVP_PKEY *pkey = private ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
                             : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (pkey && !is_p256(pkey)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    return pkey;
}

/* The public half as SubjectPublicKeyInfo PEM; NULL on an OpenSSL failure. */
static char *public_pem(EVP_PKEY *pkey)
{
    char *ret = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return NULL;
    if (PEM_write_bio_PUBKEY(bio, pkey)) {
        char *data;
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0)
            ret = xstrndup(data, (size_t)n);
    }
    BIO_free(bio);
    return ret;
}

/* One affine coordinate (OSSL_PKEY_PARAM_EC_PUB_X or _Y) as 32 bytes in base64url. */
static bool coordinate_b64url(const EVP_PKEY *pkey, const char *param, char out[45])
{
    BIGNUM *bn = NULL;
    unsigned char raw[32];
    if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
        return false;
    bool ok = BN_bn2binpad(bn, raw, sizeof raw) == (int)sizeof raw;
    BN_free(bn);
    if (ok)
        codec_b64url_encode(raw, sizeof raw, out);
    return ok;
}

/* The JWKS document of a P-256 key (malloc'd, compact JSON); NULL on failure. */
static char *jwks_of(const EVP_PKEY *pkey, const char *kid)
{
    char x[45], y[45];
    if (!coordinate_b64url(pkey, OSSL_PKEY_PARAM_EC_PUB_X, x) ||
        !coordinate_b64url(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, y))
        return NULL;
    json_t *doc = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "EC", "crv",
                            "P-256", "x", x, "y", y, "kid", kid, "alg", "ES256", "use", "sig");
    if (!doc)
        return NULL;
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return text;
}

int auth_jwks_json(const char *public_key_pem, const char *kid, char **ret_json)
{
    if (!kid || !*kid)
        return OF_EPERMANENT;
    EVP_PKEY *pkey = load_p256(public_key_pem, false);
    if (!pkey)
        return OF_EPERMANENT;
    char *json = jwks_of(pkey, kid);
    EVP_PKEY_free(pkey);
    if (!json)
        return OF_EPERMANENT;
    *ret_json = json;
    return OF_OK;
}

/* ---- ES256 signatures: 64 bytes r || s, canonical when low-S ---- */

#define SIG_LEN   64
#define COORD_LEN 32

/* The order n of the P-256 group (SEC 2 section 2.4.2, FIPS 186-4 D.1.2.3) and n / 2 rounded
 * down, big-endian. tests/unit/auth computes both with OpenSSL's group to check auth_sign's
 * output and to build the n - s twins that must be refused. */
static const uint8_t p256_order[COORD_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const uint8_t p256_half_order[COORD_LEN] = {
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
};

static bool is_zero(const uint8_t *v)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < COORD_LEN; i++)
        acc |= v[i];
    return acc == 0;
}

/* True when r || s is the canonical signature: 1 <= r < n, 1 <= s <= n/2. */
static bool signature_canonical(const uint8_t sig[SIG_LEN])
{
    const uint8_t *r = sig, *s = sig + COORD_LEN;
    return !is_zero(r) && memcmp(r, p256_order, COORD_LEN) < 0 && !is_zero(s) &&
           memcmp(s, p256_half_order, COORD_LEN) <= 0;
}

/* s = n - s (big-endian, 0 < s < n). */
static void negate_s(uint8_t s[COORD_LEN])
{
    unsigned borrow = 0;
    for (size_t i = COORD_LEN; i-- > 0;) {
        unsigned d = (unsigned)p256_order[i] - s[i] - borrow;
        borrow = d >> 8 & 1;
        s[i] = (uint8_t)d;
    }
}

/* The token's signature part decoded into sig; false if it is not 64 bytes. */
static bool signature_of(const char *token, uint8_t sig[SIG_LEN])
{
    const char *part = strrchr(token, '.');
    return part && codec_b64url_decode(part + 1, strlen(part + 1), sig, SIG_LEN) == SIG_LEN;
}

/* Rewrites a libjwt ES256 token (malloc'd, signature last) to carry the low-S twin of its
 * signature when it has the high one. false if the signature is not 64 bytes. */
static bool make_low_s(char *token)
{
    uint8_t sig[SIG_LEN];
    if (!signature_of(token, sig))
        return false;
    if (memcmp(sig + COORD_LEN, p256_half_order, COORD_LEN) > 0)
        negate_s(sig + COORD_LEN);
    char b64[CODEC_B64URL_SIZE(SIG_LEN)];
    codec_b64url_encode(sig, SIG_LEN, b64);
    char *part = strrchr(token, '.') + 1;
    if (strlen(part) != strlen(b64))
        return false;
    memcpy(part, b64, strlen(b64));
    return signature_canonical(sig);
}

/* ---- Signing ---- */

struct auth_signer {
    char *private_pem; /* scrubbed on free */
    char *public_pem;
    char *jwks;
    char *kid;
    char *issuer;
    int64_t lifetime_s;
};

void auth_signer_free(struct auth_signer *s)
{
    if (!s)
        return;
    if (s->private_pem) {
        OPENSSL_cleanse(s->private_pem, strlen(s->private_pem));
        free(s->private_pem);
    }
    free(s->public_pem);
    free(s->jwks);
    free(s->kid);
    free(s->issuer);
    free(s);
}

int auth_signer_new(const char *private_key_pem, const char *kid, const char *issuer,
                    int64_t lifetime_s, struct auth_signer **ret_signer)
{
    if (!kid || !*kid || !issuer || !*issuer || lifetime_s < 1 || lifetime_s > AUTH_LIFETIME_MAX)
        return OF_EPERMANENT;
    EVP_PKEY *pkey = load_p256(private_key_pem, true);
    if (!pkey)
        return OF_EPERMANENT;
    struct auth_signer *s = xcalloc(1, sizeof *s);
    s->private_pem = xstrdup(private_key_pem);
    s->public_pem = public_pem(pkey);
    s->jwks = jwks_of(pkey, kid);
    s->kid = xstrdup(kid);
    s->issuer = xstrdup(issuer);
    s->lifetime_s = lifetime_s;
    EVP_PKEY_free(pkey);
    if (!s->public_pem || !s->jwks) {
        auth_signer_free(s);
        return OF_EPERMANENT;
    }
    *ret_signer = s;
    return OF_OK;
}

const char *auth_signer_jwks(const struct auth_signer *s)
{
    return s->jwks;
}

const char *auth_signer_public_pem(const struct auth_signer *s)
{
    return s->public_pem;
}

/* The claims as compact JSON (malloc'd by jansson); NULL on failure. */
static char *claims_json(const struct auth_signer *s, const char *sub, const char *role,
                         int64_t now_s)
{
    json_t *claims =
        json_pack("{s:s, s:s, s:I, s:I, s:s}", "sub", sub, "role", role, "iat", (json_int_t)now_s,
                  "exp", (json_int_t)(now_s + s->lifetime_s), "iss", s->issuer);
    if (!claims)
        return NULL;
    char *text = json_dumps(claims, JSON_COMPACT);
    json_decref(claims);
    return text;
}

int auth_sign(const struct auth_signer *s, const char *sub, unsigned role, int64_t now_s,
              char **ret_token)
{
    const char *role_name = auth_role_name(role);
    if (!s || !sub || !uuid_valid(sub) || !role_name)
        return OF_EPERMANENT;
    int rc = OF_EPERMANENT;
    jwt_t *jwt = NULL;
    char *claims = claims_json(s, sub, role_name, now_s);
    if (!claims || jwt_new(&jwt) != 0)
        goto out;
    if (jwt_add_grants_json(jwt, claims) != 0 || jwt_add_header(jwt, "kid", s->kid) != 0 ||
        jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)s->private_pem,
                    (int)strlen(s->private_pem)) != 0)
        goto out;
    char *token = jwt_encode_str(jwt);
    if (!token)
        goto out;
    if (!make_low_s(token)) {
        free(token);
        goto out;
    }
    *ret_token = token;
    rc = OF_OK;
out:
    jwt_free(jwt); /* scrubs libjwt's copy of the key */
    free(claims);
    return rc;
}

/* ---- Verification ---- */

struct auth_verifier {
    char *pem;
    int pem_len;
    char *kid;
    char *issuer;
    int64_t skew_s;
};

void auth_verifier_free(struct auth_verifier *v)
{
    if (!v)
        return;
    free(v->pem);
    free(v->kid);
    free(v->issuer);
    free(v);
}

int auth_verifier_new(const char *public_key_pem, const char *kid, const char *issuer,
                      int64_t skew_s, struct auth_verifier **ret_verifier)
{
    if (!kid || !*kid || !issuer || !*issuer || skew_s < 0 || skew_s > AUTH_SKEW_MAX)
        return OF_EPERMANENT;
    EVP_PKEY *pkey = load_p256(public_key_pem, false);
    if (!pkey)
        return OF_EPERMANENT;
    EVP_PKEY_free(pkey);
    struct auth_verifier *v = xcalloc(1, sizeof *v);
    v->pem = xstrdup(public_key_pem);
    v->pem_len = (int)strlen(v->pem);
    v->kid = xstrdup(kid);
    v->issuer = xstrdup(issuer);
    v->skew_s = skew_s;
    *ret_verifier = v;
    return OF_OK;
}

/* Exactly three parts separated by dots, each canonical unpadded base64url (codec.h): a length
 * of 4k+1 cannot be base64; in a 4k+2 or 4k+3 tail the bits past the last whole byte are zero. */
static bool shape_ok(const char *token, size_t len)
{
    size_t start = 0, parts = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && token[i] != '.')
            continue;
        if (++parts > 3 || !codec_b64url_canonical(token + start, i - start))
            return false;
        start = i + 1;
    }
    return parts == 3;
}

/* Reads an integer claim; false if it is missing or not a JSON integer. */
static bool int_claim(const json_t *claims, const char *name, int64_t *ret)
{
    const json_t *v = json_object_get(claims, name);
    if (!json_is_integer(v))
        return false;
    *ret = (int64_t)json_integer_value(v);
    return true;
}

/* Checks the claims that say who the caller is and fills p; a reason or NULL. */
static const char *check_identity(const struct auth_verifier *v, const json_t *claims,
                                  struct auth_principal *p)
{
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss)
        return "missing iss";
    if (strcmp(iss, v->issuer) != 0)
        return "wrong iss";
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    if (!sub || !uuid_valid(sub))
        return "bad sub";
    p->role = auth_role_parse(json_string_value(json_object_get(claims, "role")));
    if (!p->role)
        return "bad role";
    snprintf(p->sub, sizeof p->sub, "%s", sub);
    return NULL;
}

/* Checks iat and exp against now with the allowed skew and fills p; a reason or NULL. */
static const char *check_times(const struct auth_verifier *v, const json_t *claims, int64_t now,
                               struct auth_principal *p)
{
    if (!int_claim(claims, "iat", &p->iat) || p->iat < 0)
        return "bad iat";
    if (!int_claim(claims, "exp", &p->exp))
        return "bad exp";
    if (p->exp <= p->iat)
        return "exp not after iat";
    if (p->exp - p->iat > AUTH_LIFETIME_MAX) /* no overflow: 0 <= iat < exp */
        return "lifetime too long";
    if (p->iat > now + v->skew_s)
        return "iat in the future";
    if (p->exp < now - v->skew_s)
        return "expired";
    return NULL;
}

/* Part i (0 header, 1 claims) of the token, parsed strictly: JSON_REJECT_DUPLICATES, an object.
 * NULL otherwise. The parts are canonical base64url (shape_ok) and at most AUTH_TOKEN_MAX long. */
static json_t *part_json(const char *token, int i)
{
    const char *start = token;
    for (int k = 0; k < i; k++)
        start = strchr(start, '.') + 1;
    size_t len = strcspn(start, ".");
    size_t cap = len / 4 * 3 + 3;
    char *raw = xmalloc(cap);
    long n = codec_b64url_decode(start, len, raw, cap);
    json_t *obj = n > 0 ? json_loadb(raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(raw);
    if (obj && !json_is_object(obj)) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

/* The header libjwt read, read again strictly: an object with no member twice. */
static bool header_strict(const char *token)
{
    json_t *header = part_json(token, 0);
    json_decref(header);
    return header != NULL;
}

/* Everything after the signature arithmetic: algorithm, canonical signature, header, kid,
 * claims. A reason or NULL. */
static const char *check_decoded(const struct auth_verifier *v, const char *token, jwt_t *jwt,
                                 int64_t now, struct auth_principal *p)
{
    if (jwt_get_alg(jwt) != JWT_ALG_ES256)
        return "algorithm not ES256";
    uint8_t sig[SIG_LEN];
    if (!signature_of(token, sig) || !signature_canonical(sig))
        return "non-canonical signature";
    if (!header_strict(token))
        return "bad header";
    const char *kid = jwt_get_header(jwt, "kid");
    if (!kid)
        return "missing kid";
    if (strcmp(kid, v->kid) != 0)
        return "unknown kid";
    json_t *claims = part_json(token, 1);
    if (!claims)
        return "bad claims";
    const char *reason = check_identity(v, claims, p);
    if (!reason)
        reason = check_times(v, claims, now, p);
    json_decref(claims);
    return reason;
}

/* The whole check; a reason or NULL when the token is good (p filled). */
static const char *verify(const struct auth_verifier *v, const char *token, int64_t now,
                          struct auth_principal *p)
{
    if (!v)
        return "no verifier";
    if (!token || !*token)
        return "no token";
    size_t len = strnlen(token, AUTH_TOKEN_MAX + 1);
    if (len > AUTH_TOKEN_MAX)
        return "token too long";
    if (!shape_ok(token, len))
        return "malformed token";
    jwt_t *jwt = NULL;
    /* Always with the key: see the comment at the top. */
    if (jwt_decode(&jwt, token, (const unsigned char *)v->pem, v->pem_len) != 0 || !jwt) {
        jwt_free(jwt);
        return "bad signature or encoding";
    }
    const char *reason = check_decoded(v, token, jwt, now, p);
    jwt_free(jwt);
    return reason;
}

int auth_verify(const struct auth_verifier *v, const char *token, int64_t now_s,
                struct auth_principal *ret_principal, const char **ret_reason)
{
    struct auth_principal p = {0};
    const char *reason = verify(v, token, now_s, &p);
    if (reason) {
        if (ret_reason)
            *ret_reason = reason;
        return OF_EPERMANENT;
    }
    *ret_principal = p;
    return OF_OK;
}

/* ---- HTTP helper ---- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

int auth_bearer(const char *authorization, char *ret, size_t len)
{
    if (!authorization)
        return -1;
    const char *p = authorization;
    while (is_ws(*p))
        p++;
    if (strncasecmp(p, "bearer", 6) != 0 || !is_ws(p[6]))
        return -1;
    p += 6;
    while (is_ws(*p))
        p++;
    size_t n = 0;
    while (p[n] > 0x20 && p[n] < 0x7f)
        n++;
    for (const char *q = p + n; *q; q++) {
        if (!is_ws(*q))
            return -1; /* inner whitespace or a control or non-ASCII byte */
    }
    if (n == 0 || n >= len)
        return -1;
    memcpy(ret, p, n);
    ret[n] = '\0';
    return 0;
}

/* ---- keys from files ---- */

#define KEY_FILE_MAX 65536

/* Reads path and hands the PEM to make(); the text is scrubbed before it is freed. */
static int load_pem(const char *path, const char *what, char *err, size_t errlen,
                    int (*make)(const char *pem, void *ud), void *ud)
{
    char *pem = NULL;
    size_t len = 0;
    if (file_read_text(path, KEY_FILE_MAX, &pem, &len, err, errlen) != 0)
        return OF_EPERMANENT;
    int rc = make(pem, ud);
    OPENSSL_cleanse(pem, len);
    free(pem);
    if (rc != 0)
        snprintf(err, errlen, "%s is not %s", path, what);
    return rc == 0 ? 0 : OF_EPERMANENT;
}

struct signer_args {
    const char *kid, *issuer;
    int64_t lifetime_s;
    struct auth_signer **ret;
};

static int make_signer(const char *pem, void *ud)
{
    struct signer_args *a = ud;
    return auth_signer_new(pem, a->kid, a->issuer, a->lifetime_s, a->ret);
}

int auth_signer_load(const char *path, const char *kid, const char *issuer, int64_t lifetime_s,
                     struct auth_signer **ret_signer, char *err, size_t errlen)
{
    struct signer_args a = {kid, issuer, lifetime_s, ret_signer};
    return load_pem(path,
                    "an unencrypted EC P-256 private key in PEM form (or the lifetime is out "
                    "of range)",
                    err, errlen, make_signer, &a);
}

struct verifier_args {
    const char *kid, *issuer;
    int64_t skew_s;
    struct auth_verifier **ret;
};

static int make_verifier(const char *pem, void *ud)
{
    struct verifier_args *a = ud;
    return auth_verifier_new(pem, a->kid, a->issuer, a->skew_s, a->ret);
}

int auth_verifier_load(const char *path, const char *kid, const char *issuer, int64_t skew_s,
                       struct auth_verifier **ret_verifier, char *err, size_t errlen)
{
    struct verifier_args a = {kid, issuer, skew_s, ret_verifier};
    return load_pem(path, "an EC P-256 public key in PEM form", err, errlen, make_verifier, &a);
}
