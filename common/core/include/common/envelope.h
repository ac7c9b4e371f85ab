/* The event envelope of DESIGN.md section 3: strict JSON encoding and decoding. */
#ifndef COMMON_ENVELOPE_H
#define COMMON_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/timefmt.h"
#include "common/trace.h"
#include "common/uuid.h"

#define ENVELOPE_ID_MAX 128 /* correlation and causation ids */

struct envelope {
    char event_id[UUID_STR_LEN];
    char event_type[64];
    int event_version;
    char occurred_at[TIMESTAMP_LEN];
    char producer[32];
    char trace_id[TRACE_ID_LEN];
    char correlation_id[ENVELOPE_ID_MAX];
    char causation_id[ENVELOPE_ID_MAX];
    json_t *data; /* a JSON object; owned by the envelope */
};

/* Why decoding failed: which field and what was wrong. */
struct envelope_error {
    char field[32];
    char message[128];
};

/* Fills a new envelope: fresh UUIDv7 id, current time, the given type/version/producer,
 * trace id and correlation/causation ids (NULL causation becomes ""). Takes ownership of data
 * (a JSON object). Returns 0, or OF_EPERMANENT (data is then released and ret untouched) for
 * anything envelope_decode() would reject: a text field that does not fit or is not UTF-8, an
 * unknown (type, version), a bad trace id, an empty producer or correlation id, data that is not
 * an object. So no event that every consumer would dead-letter is ever written. */
int envelope_init(struct envelope *ret, const char *event_type, int version, const char *producer,
                  const char *trace_id, const char *correlation_id, const char *causation_id,
                  json_t *data);
/* Encodes as compact JSON with keys in the documented order; the caller frees the string. */
char *envelope_encode(const struct envelope *ev);
/* Decodes and validates: every field present with the right type, event_id a UUID, occurred_at
 * RFC 3339, trace_id 32 hex, data an object, (event_type, event_version) in the topic table.
 * Never crashes on any input. Returns 0, or OF_EPERMANENT with err filled (err may be NULL);
 * ret is untouched on failure. */
int envelope_decode(const char *buf, size_t len, struct envelope *ret, struct envelope_error *err);
/* The event's occurred_at as Unix milliseconds in *ret_ms, for a consumer that orders or dates
 * by it: returns 0, or OF_EPERMANENT (*ret_ms untouched) with *ret_reason (may be NULL) set to a
 * static reason for the dead letter: "occurred_at: not a timestamp", or "occurred_at: more than
 * the allowed skew in the future" when it is later than now_ms + max_skew_ms. A producer's clock
 * may run a little ahead; an event from the far future (9999-12-31) would otherwise outrank
 * every later one for good. */
int envelope_occurred_ms(const struct envelope *ev, int64_t now_ms, int64_t max_skew_ms,
                         int64_t *ret_ms, const char **ret_reason)
    __attribute__((warn_unused_result));
/* Releases data; the struct itself is the caller's. Safe on a zeroed envelope. */
void envelope_clear(struct envelope *ev);

#endif
