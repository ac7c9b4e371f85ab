/* business-svc domain types: businesses, outlets, the outlet's order queue and its decisions,
 * and their limits. */
#ifndef BUSINESS_H
#define BUSINESS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/timefmt.h"
#include "common/trace.h"
#include "common/uuid.h"

/* Text limits count characters (Unicode code points, as Postgres varchar(n) does); the buffers
 * hold up to 4 UTF-8 bytes per character and the NUL. */
#define BUSINESS_TEXT_SIZE(chars) (4 * (chars) + 1)
#define BUSINESS_NAME_MAX         200 /* a business's name */
#define BUSINESS_OUTLET_NAME_MAX  200 /* an outlet's name: customer-svc's read model takes 200 */
#define BUSINESS_ADDRESS_MAX      300 /* an outlet's street address, one line */
#define BUSINESS_NOTE_MAX         500 /* the owner's reason for a rejection */

/* An outlet's approval SLA: how long an order may wait for a decision before it is rejected
 * with APPROVAL_TIMEOUT. */
#define BUSINESS_SLA_MIN_S     30
#define BUSINESS_SLA_MAX_S     86400
#define BUSINESS_SLA_DEFAULT_S 300

/* The preparation time an approval promises, in minutes. */
#define BUSINESS_PREP_MIN 1
#define BUSINESS_PREP_MAX 240

/* GET /v1/outlets/{id}/orders paging. */
#define BUSINESS_QUEUE_LIMIT_DEFAULT 20
#define BUSINESS_QUEUE_LIMIT_MAX     100
#define BUSINESS_CURSOR_SIZE         96 /* longest encoded cursor, NUL included */
/* An encoded cursor is the unpadded base64url of "<placed_ms>:<order_id>": from "0:<uuid>" (38
 * bytes, 51 characters) to a 15-digit placed_ms (year 9999, 52 bytes, 70 characters). */
#define BUSINESS_CURSOR_MIN_LEN 51
#define BUSINESS_CURSOR_MAX_LEN 70
/* The latest placed_at a queue entry may have: 9999-12-31T23:59:59.999Z. */
#define BUSINESS_MS_MAX INT64_C(253402300799999)

/* order.placed.v1 lines the queue keeps (order-svc allows 1 to 50). */
#define BUSINESS_LINES_MAX     50
#define BUSINESS_LINE_NAME_MAX 200
#define BUSINESS_SKU_MAX       64
#define BUSINESS_LINE1_MAX     200 /* drop-off street line, as customer-svc's address book */
#define BUSINESS_CITY_MAX      100

/* A business, owned by the business-role account that created it. */
struct business {
    char id[UUID_STR_LEN];
    char owner_id[UUID_STR_LEN];
    char name[BUSINESS_TEXT_SIZE(BUSINESS_NAME_MAX)];
    int64_t created_ms;
};

/* An outlet of a business. version counts its changes (1 when created), and is what its
 * business.outlet.*.v1 events carry. */
struct business_outlet {
    char id[UUID_STR_LEN];
    char business_id[UUID_STR_LEN];
    char owner_id[UUID_STR_LEN]; /* the business's owner */
    char name[BUSINESS_TEXT_SIZE(BUSINESS_OUTLET_NAME_MAX)];
    char address[BUSINESS_TEXT_SIZE(BUSINESS_ADDRESS_MAX)];
    double lat, lng; /* degrees, lat in [-90, 90], lng in [-180, 180] */
    bool is_open;
    bool auto_approve;
    int approval_sla_s;
    int64_t version;
    int64_t created_ms, updated_ms;
};

/* The fields of POST /v1/businesses/{id}/outlets and PATCH /v1/outlets/{id}, each with whether
 * the client sent it (the member names are the JSON names). */
struct business_outlet_fields {
    bool set_name, set_address, set_lat, set_lng, set_open, set_auto_approve, set_sla;
    char name[BUSINESS_TEXT_SIZE(BUSINESS_OUTLET_NAME_MAX)];
    char address[BUSINESS_TEXT_SIZE(BUSINESS_ADDRESS_MAX)];
    double lat, lng;
    bool open;
    bool auto_approve;
    int approval_sla_s;
};

/* Where an order goes: order.placed.v1's drop_off. Empty line1/city: not given. */
struct business_drop_off {
    double lat, lng;
    char line1[BUSINESS_TEXT_SIZE(BUSINESS_LINE1_MAX)];
    char city[BUSINESS_TEXT_SIZE(BUSINESS_CITY_MAX)];
};

/* The state of an order in its outlet's queue (business_state.h moves it). */
enum business_queue_status {
    BUSINESS_PENDING = 0, /* waiting for the owner's decision (or the SLA) */
    BUSINESS_APPROVED,
    BUSINESS_REJECTED,
    BUSINESS_CANCELLED, /* order-svc cancelled it (order.cancelled.v1), before or after approval */
    BUSINESS_STATUS_COUNT
};

/* Why an order was rejected (order.rejected.v1's reason). */
enum business_reject_reason {
    BUSINESS_REASON_NONE = 0,
    BUSINESS_REASON_BY_BUSINESS, /* "REJECTED_BY_BUSINESS" */
    BUSINESS_REASON_TIMEOUT,     /* "APPROVAL_TIMEOUT" */
    BUSINESS_REASON_COUNT
};

/* An order in an outlet's queue: what order.placed.v1 said, and what became of it. */
struct business_queue_entry {
    char order_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char reservation_id[UUID_STR_LEN]; /* "" when the event had none */
    char trace_id[TRACE_ID_LEN];       /* the order's trace, continued by the decision's event */
    enum business_queue_status status;
    json_t *lines; /* owned: [{item_id, sku?, name, qty, unit_price_minor?, line_total_minor?}] */
    int64_t total_minor;
    char currency[4];
    struct business_drop_off drop_off;
    int64_t placed_ms; /* order.placed.v1's placed_at, Unix ms */
    int64_t due_ms;    /* placed_ms + the outlet's SLA: rejected with APPROVAL_TIMEOUT then */
    /* The decision: decided_ms 0 until there is one. */
    int64_t decided_ms;
    bool approved; /* the decision was an approval (else a rejection) */
    bool auto_approved;
    int prep_time_min; /* approvals */
    enum business_reject_reason reason;
    char note[BUSINESS_TEXT_SIZE(BUSINESS_NOTE_MAX)]; /* a rejection's free text; "" none */
    int64_t cancelled_ms;                             /* 0 unless CANCELLED */
};

/* Releases entry->lines (the struct is the caller's). Safe on a zeroed entry. */
static inline void business_queue_entry_clear(struct business_queue_entry *e)
{
    json_decref(e->lines);
    e->lines = NULL;
}

/* Where a queue page starts: after (placed_ms, order_id), in that ascending order. */
struct business_queue_cursor {
    int64_t placed_ms;
    char order_id[UUID_STR_LEN];
};

/* GET /v1/outlets/{id}/orders, validated. */
struct business_queue_query {
    bool has_status;
    enum business_queue_status status;
    int limit;
    bool has_cursor;
    struct business_queue_cursor cursor;
};

#endif
