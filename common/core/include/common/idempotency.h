/* Idempotency-key logic (pure): request fingerprints, the stored record's text form, and the
 * decision for a repeated key (DESIGN.md section 6). Storage is in redis.h. */
#ifndef COMMON_IDEMPOTENCY_H
#define COMMON_IDEMPOTENCY_H

#include <stddef.h>

#define IDEM_FP_LEN  65 /* SHA-256 hex and NUL */
#define IDEM_KEY_MAX 64 /* longest accepted Idempotency-Key header value */

enum idem_decision {
    IDEM_PROCEED,   /* the key was new: do the work, then record the response */
    IDEM_REPLAY,    /* finished before with the same request: send the stored response */
    IDEM_IN_FLIGHT, /* the first request is still running: 409 */
    IDEM_MISMATCH,  /* same key, different request: 422 */
};

/* A stored record: "P <fp>" while in flight, "D <fp> <status> <body>" when done. */
struct idem_record {
    int done;
    char fingerprint[IDEM_FP_LEN];
    int status;       /* when done */
    const char *body; /* when done: points into the parsed text */
};

/* SHA-256 over method, path, principal and body, each length-prefixed so no two different
 * requests share a fingerprint by concatenation. */
void idem_fingerprint(const char *method, const char *path, const char *principal, const char *body,
                      size_t body_len, char ret[IDEM_FP_LEN]);
/* True for 1..IDEM_KEY_MAX printable ASCII characters without spaces. */
int idem_key_valid(const char *key);
/* Text forms of a record; the caller frees the result. */
char *idem_record_pending(const char *fp);
char *idem_record_done(const char *fp, int status, const char *body);
/* Parses a stored text; returns 0 or -1 for anything malformed (treated as a mismatch). */
int idem_record_parse(const char *text, struct idem_record *ret);
/* What to do with a request whose key already holds `existing`. */
enum idem_decision idem_decide(const struct idem_record *existing, const char *fp);

#endif
