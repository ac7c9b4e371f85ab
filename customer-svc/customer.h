/* customer-svc domain types: accounts, addresses, the outlet-feed query, and their limits. */
#ifndef CUSTOMER_H
#define CUSTOMER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/auth.h"
#include "common/uuid.h"

/* Phone numbers are E.164: '+', then 8 to 15 digits, the first not 0, stored and compared in
 * the normalised form of customer_rules_phone_normalize. */
#define CUSTOMER_PHONE_MIN_DIGITS 8
#define CUSTOMER_PHONE_MAX_DIGITS 15
#define CUSTOMER_PHONE_SIZE       (1 + CUSTOMER_PHONE_MAX_DIGITS + 1) /* '+', digits, NUL */
#define CUSTOMER_PHONE_VISIBLE    4 /* digits a redacted phone shows at most */

/* Text limits count characters (Unicode code points, as Postgres varchar(n) does); the buffers
 * hold up to 4 UTF-8 bytes per character and the NUL. */
#define CUSTOMER_TEXT_SIZE(chars) (4 * (chars) + 1)
#define CUSTOMER_NAME_MAX         100
#define CUSTOMER_EMAIL_MAX        254 /* bytes; e-mail addresses are ASCII here */
#define CUSTOMER_EMAIL_LOCAL_MAX  64
#define CUSTOMER_LABEL_MAX        40
#define CUSTOMER_LINE1_MAX        200
#define CUSTOMER_CITY_MAX         100
#define CUSTOMER_POSTCODE_MAX     20 /* ASCII letters, digits, space and '-' */

/* OTP codes as typed by the user. */
#define CUSTOMER_OTP_CODE_DIGITS 6

/* Outlet feed query parameters. */
#define CUSTOMER_FEED_RADIUS_KM_DEFAULT 5.0
#define CUSTOMER_FEED_RADIUS_KM_MAX     50.0
#define CUSTOMER_FEED_LIMIT_DEFAULT     20
#define CUSTOMER_FEED_LIMIT_MAX         100
#define CUSTOMER_CURSOR_SIZE            128 /* longest encoded cursor, NUL included */
/* An encoded cursor's length and first character, as docs/openapi/customer-svc.yaml states them:
 * "0:<uuid>" (38 bytes) to "4.9406564584124654e-324:<uuid>" (60) in base64url, whose first
 * character stands for a digit (0x30-0x39 >> 2: 'M', 'N' or 'O'). */
#define CUSTOMER_CURSOR_MIN_LEN 51
#define CUSTOMER_CURSOR_MAX_LEN 80

/* An account. role is exactly one enum auth_role bit (AUTH_CUSTOMER, AUTH_BUSINESS,
 * AUTH_PARTNER; AUTH_ADMIN only for tokens minted by the operator, never from a client). Empty
 * name or email means unset. */
struct customer_account {
    char id[UUID_STR_LEN];
    char phone[CUSTOMER_PHONE_SIZE];
    unsigned role;
    char name[CUSTOMER_TEXT_SIZE(CUSTOMER_NAME_MAX)];
    char email[CUSTOMER_EMAIL_MAX + 1];
};

/* An address in an account's address book; id is empty until stored. */
struct customer_address {
    char id[UUID_STR_LEN];
    char label[CUSTOMER_TEXT_SIZE(CUSTOMER_LABEL_MAX)];
    char line1[CUSTOMER_TEXT_SIZE(CUSTOMER_LINE1_MAX)];
    char city[CUSTOMER_TEXT_SIZE(CUSTOMER_CITY_MAX)];
    char postcode[CUSTOMER_POSTCODE_MAX + 1];
    double lat, lng; /* degrees, lat in [-90, 90], lng in [-180, 180] */
};

/* An outlet as the feed sees it (the read model of business.outlet.* events). */
#define CUSTOMER_OUTLET_NAME_MAX 200 /* characters */
struct customer_outlet {
    char id[UUID_STR_LEN];
    char business_id[UUID_STR_LEN];
    char name[CUSTOMER_TEXT_SIZE(CUSTOMER_OUTLET_NAME_MAX)];
    double lat, lng; /* degrees, valid */
    bool is_open;
    int64_t version; /* the producer's version of the outlet (>= 1), 0 when the event has none */
};

/* Where a feed page starts: after the outlet (distance_m, outlet_id) in the order
 * "distance_m ascending, then outlet_id ascending". */
struct customer_feed_cursor {
    double distance_m; /* exactly as the previous page's last row had it */
    char outlet_id[UUID_STR_LEN];
};

/* GET /v1/feed, validated. */
struct customer_feed_query {
    char address_id[UUID_STR_LEN];
    double radius_m; /* from radius_km */
    int limit;
    bool has_cursor;
    struct customer_feed_cursor cursor;
};

#endif
