/* Bearer tokens: roles, ES256 JWT signing (customer-svc) and verification (every daemon), JWKS. */
#ifndef COMMON_AUTH_H
#define COMMON_AUTH_H

#include <stddef.h>
#include <stdint.h>

/* Roles are bits, so a route can allow several: AUTH_CUSTOMER | AUTH_ADMIN. A token carries
 * exactly one. */
enum auth_role {
    AUTH_CUSTOMER = 1,
    AUTH_BUSINESS = 2,
    AUTH_PARTNER = 4,
    AUTH_ADMIN = 8,
};
#define AUTH_ROLES_ALL (AUTH_CUSTOMER | AUTH_BUSINESS | AUTH_PARTNER | AUTH_ADMIN)

#define AUTH_TOKEN_MAX    8192        /* longest token auth_verify() looks at, in bytes */
#define AUTH_SUB_MAX      64          /* sizeof principal.sub; a sub is a UUID (36 characters) */
#define AUTH_SKEW_MAX     300         /* largest clock skew a verifier accepts, in seconds */
#define AUTH_LIFETIME_MAX (24 * 3600) /* longest token lifetime a signer accepts, in seconds */

/* "customer", "business", "partner" or "admin"; NULL unless role is exactly one known bit.
 * The string is static. */
const char *auth_role_name(unsigned role);
/* The role bit named by name (exact lowercase match); 0 for NULL or an unknown name. */
unsigned auth_role_parse(const char *name);

/* Who a verified token says the caller is. */
struct auth_principal {
    char sub[AUTH_SUB_MAX]; /* the account id, a canonical UUID */
    unsigned role;          /* exactly one enum auth_role bit */
    int64_t iat, exp;       /* Unix seconds */
};

/* ---- Signing (customer-svc only: it holds the private key) ---- */

struct auth_signer;

/* Makes a signer from an unencrypted EC P-256 private key in PEM form (PKCS#8 or SEC1), the kid
 * put in every token's header, the issuer put in "iss", and the token lifetime in seconds
 * (1..AUTH_LIFETIME_MAX). The strings are copied. Returns 0 and sets *ret_signer (free with
 * auth_signer_free); OF_EPERMANENT if the PEM is not such a key (an encrypted key is refused,
 * never prompted for), kid or issuer is NULL or empty, or lifetime is out of range.
 * A signer is read-only after creation and may be shared by threads. */
int auth_signer_new(const char *private_key_pem, const char *kid, const char *issuer,
                    int64_t lifetime_s, struct auth_signer **ret_signer);
/* The same from a PEM file at path (read whole, at most 64 KiB, the copy scrubbed after use).
 * On failure returns OF_EPERMANENT with a message naming the file in err. */
int auth_signer_load(const char *path, const char *kid, const char *issuer, int64_t lifetime_s,
                     struct auth_signer **ret_signer, char *err, size_t errlen);
/* Scrubs the private key and frees the signer; NULL is a no-op. */
void auth_signer_free(struct auth_signer *signer);

/* Signs a compact JWT: header {"alg":"ES256","typ":"JWT","kid"}, claims sub, role (its name),
 * iat = now_s, exp = now_s + lifetime, iss, with the low-S form of the ECDSA signature (the only
 * one auth_verify accepts). Returns 0 and sets *ret_token (the caller frees it
 * with free()); OF_EPERMANENT if sub is not a canonical UUID, role is not exactly one known bit,
 * or libjwt fails to sign (it should not: the key was checked when the signer was made). */
int auth_sign(const struct auth_signer *signer, const char *sub, unsigned role, int64_t now_s,
              char **ret_token);

/* The signer's JWKS document (see auth_jwks_json) and public key PEM (SubjectPublicKeyInfo,
 * what auth_verifier_new takes). Both are owned by the signer and live as long as it. */
const char *auth_signer_jwks(const struct auth_signer *signer);
const char *auth_signer_public_pem(const struct auth_signer *signer);

/* Builds the JWKS document for an EC P-256 public key in PEM form:
 * {"keys":[{"kty":"EC","crv":"P-256","x":"..","y":"..","kid":"..","alg":"ES256","use":"sig"}]}
 * with x and y as 32-byte big-endian coordinates in unpadded base64url. Returns 0 and sets
 * *ret_json (the caller frees it with free()); OF_EPERMANENT if the PEM is not an EC P-256
 * public key or kid is NULL or empty. */
int auth_jwks_json(const char *public_key_pem, const char *kid, char **ret_json);

/* ---- Verification (every daemon) ---- */

struct auth_verifier;

/* Makes a verifier from an EC P-256 public key in PEM form (SubjectPublicKeyInfo), the kid and
 * issuer tokens must carry, and the clock skew allowed on iat and exp (0..AUTH_SKEW_MAX s). The
 * strings are copied. Returns 0 and sets *ret_verifier (free with auth_verifier_free);
 * OF_EPERMANENT if the PEM is not such a key, kid or issuer is NULL or empty, or skew is out of
 * range. A verifier is read-only after creation: auth_verify may run on many threads at once. */
int auth_verifier_new(const char *public_key_pem, const char *kid, const char *issuer,
                      int64_t skew_s, struct auth_verifier **ret_verifier);
/* The same from a PEM file at path; on failure OF_EPERMANENT with a message naming the file. */
int auth_verifier_load(const char *path, const char *kid, const char *issuer, int64_t skew_s,
                       struct auth_verifier **ret_verifier, char *err, size_t errlen);
/* NULL is a no-op. */
void auth_verifier_free(struct auth_verifier *verifier);

/* Verifies a compact JWT at time now_s: shape, ES256 signature with the verifier's key, in its
 * canonical form (64 bytes r || s, 1 <= r < n, 1 <= s <= n/2: the high-S twin of a valid
 * signature is refused), header and claims each a JSON object with no member twice (parsed from
 * the token's bytes with JSON_REJECT_DUPLICATES, not libjwt's last-one-wins reading), header alg
 * and kid, claims iss, sub (UUID), role (one known name), iat and exp (integers, 0 <= iat < exp,
 * exp - iat at most AUTH_LIFETIME_MAX, iat not after now + skew, exp not before now - skew).
 * Returns 0 and fills *ret_principal (required). Otherwise returns OF_EPERMANENT for every
 * rejection (the caller answers 401), leaves *ret_principal untouched and, if ret_reason is not
 * NULL, points it at a static reason for logs that never contains any part of the token: "no
 * verifier", "no token", "token too long", "malformed token", "bad signature or encoding",
 * "algorithm not ES256", "non-canonical signature", "bad header", "missing kid", "unknown kid",
 * "bad claims", "missing iss", "wrong iss", "bad sub", "bad role", "bad iat", "bad exp", "exp
 * not after iat", "lifetime too long", "iat in the future" or "expired". token may be NULL. */
int auth_verify(const struct auth_verifier *verifier, const char *token, int64_t now_s,
                struct auth_principal *ret_principal, const char **ret_reason);

/* ---- HTTP helper ---- */

/* Extracts the token from an Authorization header value "Bearer <token>". The scheme is matched
 * case-insensitively; spaces and tabs are allowed around the value and between the scheme and
 * the token (at least one); the token is one run of visible ASCII characters. Copies it
 * NUL-terminated into ret[len] and returns 0; returns -1 (ret untouched) for NULL, another
 * scheme, no token, two words, a control or non-ASCII byte, or a token that does not fit in len.
 * Does not verify the token. */
int auth_bearer(const char *authorization, char *ret, size_t len);

#endif
