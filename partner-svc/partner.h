/* partner-svc domain types: delivery partners, the deliveries of approved orders, and their
 * limits. */
#ifndef PARTNER_H
#define PARTNER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/trace.h"
#include "common/uuid.h"

/* Text limits count characters; buffers hold up to 4 UTF-8 bytes per character and the NUL. */
#define PARTNER_TEXT_SIZE(chars) (4 * (chars) + 1)
#define PARTNER_NAME_MAX         100 /* a partner's display name */
#define PARTNER_NOTE_MAX         500 /* a rejection's free text */
#define PARTNER_OUTLET_NAME_MAX  200
#define PARTNER_ADDRESS_MAX      300
#define PARTNER_LINE1_MAX        200
#define PARTNER_CITY_MAX         100

/* GET /v1/partners/me/deliveries paging. */
#define PARTNER_LIST_LIMIT_DEFAULT 20
#define PARTNER_LIST_LIMIT_MAX     100

enum partner_vehicle { PARTNER_BIKE = 0, PARTNER_SCOOTER, PARTNER_CAR, PARTNER_VEHICLE_COUNT };

/* A partner's profile and availability. has_position: lat/lng/position_ms are set. */
struct partner {
    char id[UUID_STR_LEN];
    char account_id[UUID_STR_LEN];
    char name[PARTNER_TEXT_SIZE(PARTNER_NAME_MAX)];
    enum partner_vehicle vehicle;
    bool available;
    bool has_position;
    double lat, lng;
    int64_t position_ms;
    char delivery_id[UUID_STR_LEN]; /* the active delivery, "" when free */
    int64_t created_ms, updated_ms;
};

/* A delivery's state (partner_state.h moves it). */
enum delivery_status {
    DELIVERY_SEARCHING = 0, /* no partner offered at the moment: the search timer looks again */
    DELIVERY_OFFERED,       /* offered to partner_id, who may accept or reject until the timeout */
    DELIVERY_ASSIGNED,      /* accepted: on the way to the outlet (delivery.agent.assigned.v1) */
    DELIVERY_PICKED_UP,     /* delivery.picked_up.v1 */
    DELIVERY_DELIVERED,     /* delivery.delivered.v1; terminal */
    DELIVERY_CANCELLED,     /* order.cancelled.v1; terminal, the partner freed */
    DELIVERY_FAILED,        /* no taker within the window: delivery.assignment.failed.v1 */
    DELIVERY_STATUS_COUNT
};

/* What happens to a delivery. */
enum delivery_input {
    DELIVERY_IN_OFFER = 0, /* a free partner was found and offered it */
    DELIVERY_IN_ACCEPT,
    DELIVERY_IN_DECLINE, /* the partner rejected it, or the offer timed out */
    DELIVERY_IN_PICKUP,
    DELIVERY_IN_DELIVER,
    DELIVERY_IN_CANCEL,
    DELIVERY_IN_FAIL, /* the assignment window ran out */
    DELIVERY_INPUT_COUNT
};

/* A delivery: order.approved.v1's pickup and drop-off, and what became of it. */
struct delivery {
    char id[UUID_STR_LEN];
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char trace_id[TRACE_ID_LEN];
    enum delivery_status status;
    char partner_id[UUID_STR_LEN]; /* offered or assigned partner; "" none */
    char outlet_name[PARTNER_TEXT_SIZE(PARTNER_OUTLET_NAME_MAX)];
    char pickup_address[PARTNER_TEXT_SIZE(PARTNER_ADDRESS_MAX)];
    double pickup_lat, pickup_lng;
    double drop_lat, drop_lng;
    char drop_line1[PARTNER_TEXT_SIZE(PARTNER_LINE1_MAX)]; /* "" not given */
    char drop_city[PARTNER_TEXT_SIZE(PARTNER_CITY_MAX)];   /* "" not given */
    int prep_time_min;
    double radius_m;   /* the search radius reached */
    int offers;        /* offers made so far */
    double distance_m; /* partner to pickup at the offer; < 0 none yet */
    int eta_min;       /* minutes to the drop-off at the offer; < 0 none yet */
    int64_t window_due_ms;
    char failure_reason[32];
    int64_t created_ms, offered_ms, assigned_ms, picked_up_ms, delivered_ms, closed_ms; /* 0 */
};

/* A candidate of the search: a free, available partner near the pickup. */
struct partner_candidate {
    char id[UUID_STR_LEN];
    double lat, lng;
    double distance_m; /* to the pickup, filled by partner_rules_rank */
};

#endif
