/* Fixture keys, base64url and libjwt minting for the auth unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include "auth_tests.h"

struct fixture fx;

static void die(const char *what)
{
    fprintf(stderr, "auth test fixture: %s\n", what);
    abort();
}

char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    char *data = calloc(1, 65536);
    size_t n = fread(data, 1, 65535, f);
    fclose(f);
    if (n == 0)
        die(path);
    return data;
}

static char *bio_text(BIO *bio)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *ret = strndup(data, (size_t)n);
    BIO_free(bio);
    return ret;
}

static void generate_key2(void)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!pkey)
        die("keygen");
    BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
    if (!PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_PUBKEY(pub, pkey))
        die("PEM write");
    fx.priv2 = bio_text(priv);
    fx.pub2 = bio_text(pub);
    EVP_PKEY_free(pkey);
}

void fixture_load(void)
{
    fx.priv1 = read_file("data/p256.key.pem");
    fx.pub1 = read_file("data/p256.pub.pem");
    fx.sec1 = read_file("data/p256.sec1.pem");
    fx.p384 = read_file("data/p384.key.pem");
    fx.rsa = read_file("data/rsa2048.key.pem");
    generate_key2();
    if (auth_signer_new(fx.priv1, T_KID, T_ISS, T_LIFETIME, &fx.signer) != 0)
        die("signer");
    if (auth_verifier_new(fx.pub1, T_KID, T_ISS, T_SKEW, &fx.verifier) != 0)
        die("verifier");
}

void fixture_free(void)
{
    auth_signer_free(fx.signer);
    auth_verifier_free(fx.verifier);
    free(fx.priv1);
    free(fx.pub1);
    free(fx.sec1);
    free(fx.priv2);
    free(fx.pub2);
    free(fx.p384);
    free(fx.rsa);
    memset(&fx, 0, sizeof fx);
}

char *b64url_encode(const void *data, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return out;
}

unsigned char *b64url_decode(const char *s, size_t n, size_t *ret_len)
{
    if (n % 4 == 1)
        return NULL;
    size_t pad = (4 - n % 4) % 4;
    char *std = malloc(n + pad + 1);
    for (size_t i = 0; i < n; i++)
        std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    memset(std + n, '=', pad);
    std[n + pad] = '\0';
    unsigned char *out = malloc(n + 3);
    int len = EVP_DecodeBlock(out, (unsigned char *)std, (int)(n + pad));
    free(std);
    if (len < 0) {
        free(out);
        return NULL;
    }
    *ret_len = (size_t)len - pad;
    out[*ret_len] = '\0';
    return out;
}

/* Start and length of part i. */
static void part_span(const char *token, int i, size_t *start, size_t *len)
{
    const char *p = token;
    for (int k = 0; k < i; k++) {
        p = strchr(p, '.');
        if (!p)
            die("token has too few parts");
        p++;
    }
    *start = (size_t)(p - token);
    *len = strcspn(p, ".");
}

unsigned char *token_part(const char *token, int i, size_t *ret_len)
{
    size_t start, len;
    part_span(token, i, &start, &len);
    unsigned char *ret = b64url_decode(token + start, len, ret_len);
    if (!ret)
        die("token part is not base64url");
    return ret;
}

char *token_with_part(const char *token, int i, const char *text)
{
    size_t start, len;
    part_span(token, i, &start, &len);
    size_t total = strlen(token) - len + strlen(text);
    char *ret = malloc(total + 1);
    memcpy(ret, token, start);
    strcpy(ret + start, text);
    strcat(ret, token + start + len);
    return ret;
}

json_t *good_claims(void)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:s}", "sub", T_SUB, "role", "customer", "iat",
                     (json_int_t)T_NOW, "exp", (json_int_t)(T_NOW + T_LIFETIME), "iss", T_ISS);
}

char *mint(jwt_alg_t alg, const char *key, const json_t *headers, const json_t *claims)
{
    jwt_t *jwt = NULL;
    if (jwt_new(&jwt) != 0)
        die("jwt_new");
    char *h = headers ? json_dumps(headers, JSON_COMPACT) : NULL;
    char *c = json_dumps(claims, JSON_COMPACT);
    if ((h && jwt_add_headers_json(jwt, h) != 0) || jwt_add_grants_json(jwt, c) != 0)
        die("jwt_add_*_json");
    int keylen = key ? (int)strlen(key) : 0;
    if (jwt_set_alg(jwt, alg, (const unsigned char *)key, keylen) != 0)
        die("jwt_set_alg");
    char *token = jwt_encode_str(jwt);
    if (!token)
        die("jwt_encode_str");
    if (alg == JWT_ALG_ES256)
        token = low_s(token); /* libjwt leaves half of them high-S, which auth_verify refuses */
    free(h);
    free(c);
    jwt_free(jwt);
    return token;
}

/* ---- ES256 signature forms ---- */

/* n, the order of P-256, from OpenSSL (not from auth.c's constants). */
static BIGNUM *p256_order(void)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    if (!g)
        die("EC_GROUP");
    BIGNUM *n = BN_dup(EC_GROUP_get0_order(g));
    EC_GROUP_free(g);
    if (!n)
        die("BN_dup");
    return n;
}

/* The 64-byte signature of token into sig. */
static void signature_bytes(const char *token, unsigned char sig[64])
{
    size_t n;
    unsigned char *raw = token_part(token, 2, &n);
    if (n != 64)
        die("signature is not 64 bytes");
    memcpy(sig, raw, 64);
    free(raw);
}

static char *with_signature(const char *token, const unsigned char sig[64])
{
    char *b64 = b64url_encode(sig, 64);
    char *ret = token_with_part(token, 2, b64);
    free(b64);
    return ret;
}

int signature_low_s(const char *token)
{
    unsigned char sig[64];
    signature_bytes(token, sig);
    BIGNUM *n = p256_order(), *half = BN_new(), *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!half || !s || !BN_rshift1(half, n))
        die("BN");
    int low = BN_cmp(s, half) <= 0;
    BN_free(n);
    BN_free(half);
    BN_free(s);
    return low;
}

char *signature_twin(const char *token)
{
    unsigned char sig[64];
    signature_bytes(token, sig);
    BIGNUM *n = p256_order(), *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!s || !BN_sub(s, n, s) || BN_bn2binpad(s, sig + 32, 32) != 32)
        die("BN");
    BN_free(n);
    BN_free(s);
    return with_signature(token, sig);
}

char *low_s(char *token)
{
    if (signature_low_s(token))
        return token;
    char *twin = signature_twin(token);
    free(token);
    return twin;
}

char *sign_es256(const char *header_json, const char *claims_json, const char *key_pem)
{
    char *h = b64url_encode(header_json, strlen(header_json));
    char *c = b64url_encode(claims_json, strlen(claims_json));
    size_t input_len = strlen(h) + 1 + strlen(c);
    char *input = malloc(input_len + 1);
    sprintf(input, "%s.%s", h, c);
    BIO *bio = BIO_new_mem_buf(key_pem, -1);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[128];
    size_t der_len = sizeof der;
    if (!pkey || !md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
        EVP_DigestSign(md, der, &der_len, (const unsigned char *)input, input_len) != 1)
        die("EVP_DigestSign");
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    unsigned char sig[64];
    if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
        die("ECDSA_SIG");
    char *b64 = b64url_encode(sig, 64);
    char *token = malloc(input_len + 1 + strlen(b64) + 1);
    sprintf(token, "%s.%s", input, b64);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    free(b64);
    free(input);
    free(h);
    free(c);
    return low_s(token);
}

int fixture_setup(void **state)
{
    (void)state;
    fixture_load();
    return 0;
}

int fixture_teardown(void **state)
{
    (void)state;
    fixture_free();
    return 0;
}
