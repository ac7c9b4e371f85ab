/* customer-svc input rules: E.164 phones, roles, e-mail, postcodes, feed query parameters and
 * cursors, and the JSON-spec tables (common/jspec.h) of its request bodies and of the outlet
 * events it consumes. Pure: no I/O, no allocation that outlives a call. Every failure names the
 * first offending field in a struct jspec_error, so the HTTP layer can answer
 * 400 {"error":{"code","message","field"}} and the consumer can dead-letter with a reason. */
#ifndef CUSTOMER_RULES_H
#define CUSTOMER_RULES_H

#include <stdbool.h>

#include <jansson.h>

#include "common/jspec.h"
#include "customer.h"

/* POST /v1/auth/otp {phone, role?}. role defaults to AUTH_CUSTOMER; phone is normalised
 * (customer_rules_phone_normalize). */
struct customer_otp_request {
    char phone[CUSTOMER_PHONE_SIZE];
    unsigned role;
};

/* POST /v1/auth/verify {phone, code, role?}. role defaults to AUTH_CUSTOMER; phone is
 * normalised. */
struct customer_otp_verify {
    char phone[CUSTOMER_PHONE_SIZE];
    char code[CUSTOMER_OTP_CODE_DIGITS + 1];
    unsigned role;
};

/* PATCH /v1/me {name?, email?}: only the members present change. email null (stored here as
 * set_email with an empty email) removes the address; name cannot be removed. */
struct customer_profile_patch {
    bool set_name;
    char name[CUSTOMER_TEXT_SIZE(CUSTOMER_NAME_MAX)];
    bool set_email;
    char email[CUSTOMER_EMAIL_MAX + 1];
};

/* ---- Single values ---- */

/* Normalises a phone number as a client typed it into its one E.164 spelling, before it is
 * counted by a rate limit, hashed or stored, so that +4407700900123 and +447700900123 are one
 * phone. s must be '+' and 3 to 16 ASCII digits, the first not 0 (no spaces, dashes or
 * parentheses). When the country code is one of the plans with a trunk prefix 0 that is dropped
 * in international dialling (the table in customer_rules.c: 44, 49, 33, 61, 81, 91 and about a
 * hundred more, derived from libphonenumber's metadata; not 39, Italy, where the 0 is part of
 * the number) and a 0 follows it, then a digit 1-9, that 0 is removed. The result must then be
 * E.164: '+' and 8 to 15 digits, the national part within its plan's shortest and longest
 * length. Writes it into ret and returns 0, or returns OF_EPERMANENT with ret untouched. */
int customer_rules_phone_normalize(const char *s, char ret[CUSTOMER_PHONE_SIZE])
    __attribute__((warn_unused_result));
/* True if s is a phone in its normalised form: customer_rules_phone_normalize(s) gives s. */
bool customer_rules_phone_valid(const char *s);
/* The role a client may ask for: "customer", "business" or "partner" (exact, lowercase) give
 * AUTH_CUSTOMER, AUTH_BUSINESS or AUTH_PARTNER in *ret_role. "admin" and anything else return
 * OF_EPERMANENT with *ret_role untouched: admin tokens only come from the operator command. */
int customer_rules_role_parse(const char *s, unsigned *ret_role)
    __attribute__((warn_unused_result));
/* True if s is a practical e-mail address: at most 254 ASCII bytes, one '@', a local part of 1
 * to 64 characters from [A-Za-z0-9!#$%&'*+/=?^_`{|}~.-] without leading, trailing or doubled
 * dots, and a domain of at least two dot-separated labels of [A-Za-z0-9-] (1 to 63 each, no
 * leading or trailing '-'), the last at least 2 letters. */
bool customer_rules_email_valid(const char *s);
/* Writes phone into ret (len bytes, cut to fit, always NUL-terminated when len > 0) with all
 * but a few characters replaced by '*': the only form in which a phone number may reach a log
 * line. A leading '+' is kept; of the n characters after it, v = min(CUSTOMER_PHONE_VISIBLE,
 * n / 2) stay visible, the first ceil(v / 2) (the start of the country code) and the last
 * floor(v / 2): +447700900123 -> +44********23, +12345678 -> +12****78. Whatever the length, at
 * least half of the digits are hidden, and never more than 4 are shown. */
void customer_rules_phone_redact(const char *phone, char *ret, size_t len);
/* True if s is exactly CUSTOMER_OTP_CODE_DIGITS ASCII digits. */
bool customer_rules_code_valid(const char *s);

/* ---- Request bodies ----
 * Each takes the parsed body (borrowed), checks it with its jspec table in JSPEC_STRICT mode and
 * on success fills *ret and returns 0. On failure returns OF_EPERMANENT, fills *err with the first
 * problem and leaves *ret untouched. Checks, in order (jspec_parse): the body is an object; every
 * member is known to this request (server-owned members such as id, account_id, owner, status or
 * created_at are read_only_field, anything else unknown_field); then each field in turn: present
 * if required, of the right JSON type (numbers must be JSON numbers, not strings), within its
 * limits. Text (name, label, line1, city) follows jspec_text_check: valid UTF-8 without control
 * characters, not blank, at most its limit in characters. */

/* {phone, role?}. */
int customer_rules_otp_request(const json_t *body, struct customer_otp_request *ret,
                               struct jspec_error *err) __attribute__((warn_unused_result));
/* {phone, code, role?}. */
int customer_rules_otp_verify(const json_t *body, struct customer_otp_verify *ret,
                              struct jspec_error *err) __attribute__((warn_unused_result));
/* {name?, email?}; phone and role are read-only here. */
int customer_rules_profile_patch(const json_t *body, struct customer_profile_patch *ret,
                                 struct jspec_error *err) __attribute__((warn_unused_result));
/* {label, line1, city, postcode, lat, lng}, all required (POST and PUT alike); ret->id is set to
 * "". postcode is 1 to 20 of ASCII letters, digits, space and '-', with a letter or digit. */
int customer_rules_address(const json_t *body, struct customer_address *ret,
                           struct jspec_error *err) __attribute__((warn_unused_result));

/* ---- Feed ---- */

/* GET /v1/feed query parameters, each as received or NULL when absent: address_id (required,
 * a UUID), radius_km (decimal digits with an optional fraction, 0 < r <= 50, default 5), limit
 * (digits, 1..100, default 20), cursor (optional, see below). Same contract as the body
 * functions, the field being the parameter's name. */
int customer_rules_feed_query(const char *address_id, const char *radius_km, const char *limit,
                              const char *cursor, struct customer_feed_query *ret,
                              struct jspec_error *err) __attribute__((warn_unused_result));

/* Writes the opaque cursor for c: unpadded base64url of "<distance_m as %.17g>:<outlet_id>", so
 * the distance survives the round trip bit for bit. Returns 0, or OF_EPERMANENT (ret untouched)
 * if the distance is negative, not finite or longer than half the Earth's circumference, or the
 * outlet id is not a UUID. */
int customer_rules_cursor_encode(const struct customer_feed_cursor *c,
                                 char ret[CUSTOMER_CURSOR_SIZE])
    __attribute__((warn_unused_result));
/* Reads a cursor made by customer_rules_cursor_encode. Only the exact encoding of a valid cursor
 * is accepted (no padding, no stray bits, no other spelling of the same number); anything else
 * returns OF_EPERMANENT with *ret untouched. */
int customer_rules_cursor_decode(const char *s, struct customer_feed_cursor *ret)
    __attribute__((warn_unused_result));

/* ---- Event data ---- */

/* Checks an outlet event's data {outlet_id, business_id, name, lat, lng, is_open, version?} with
 * its jspec table in JSPEC_LENIENT mode (producers may add members): ids canonical UUIDs, name
 * text of at most CUSTOMER_OUTLET_NAME_MAX characters by the same rule as HTTP bodies
 * (jspec_text_check), lat/lng JSON numbers in range, is_open a boolean, version (optional: events
 * of producers that predate it have none, ret->version 0) a JSON integer from 1 to 2^63 - 1.
 * Returns 0 with *ret filled, or OF_EPERMANENT with *ret untouched and, in err (may be NULL), the
 * reason for the dead letter: "data.<field>: <why>" ("data: ..." for the whole object), never the
 * value. */
int customer_rules_outlet_event(const json_t *data, struct customer_outlet *ret, char *err,
                                size_t errlen) __attribute__((warn_unused_result));

#endif
