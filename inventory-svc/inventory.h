/* inventory-svc domain types: outlets (the read model of business.outlet.*), catalog items and
 * their stock, reservations and their lines, the reservation decision, and their limits. */
#ifndef INVENTORY_H
#define INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/outlet_event.h"
#include "common/timefmt.h"
#include "common/uuid.h"

/* Text limits count characters (Unicode code points, as Postgres varchar(n) does); the buffers
 * hold up to 4 UTF-8 bytes per character and the NUL. */
#define INVENTORY_TEXT_SIZE(chars) (4 * (chars) + 1)
#define INVENTORY_NAME_MAX         200 /* an item's name */
#define INVENTORY_REASON_MAX       200 /* why stock was adjusted */
#define INVENTORY_SKU_MAX          64  /* bytes: ASCII letters, digits, '.', '_' and '-' */
#define INVENTORY_CURRENCY_SIZE    4   /* ISO 4217 alphabetic code: 3 upper-case letters, NUL */
#define INVENTORY_CODE_MAX         64  /* a reason code carried by an event (order.cancelled) */

/* Money and quantities. A line total is at most PRICE_MAX * QTY_MAX and an order's total at
 * most LINES_MAX times that (1e17), far inside int64; the arithmetic is checked anyway. */
#define INVENTORY_PRICE_MAX 100000000000LL /* minor units: 1e9 of a currency with cents */
#define INVENTORY_STOCK_MAX 1000000000LL   /* units on hand of one item, and |delta| */
#define INVENTORY_QTY_MAX   10000          /* units of one item in one order */
#define INVENTORY_LINES_MAX 100            /* lines of one validation request */
#define INVENTORY_IDS_MAX   100            /* ids of one POST /v1/items/availability */

/* GET /v1/outlets/{id}/items paging. */
#define INVENTORY_LIST_LIMIT_DEFAULT 50
#define INVENTORY_LIST_LIMIT_MAX     100

#define INVENTORY_TTL_S_DEFAULT 900 /* OF_RESERVATION_TTL_S */

/* An item's stock (DESIGN.md section 2). on_hand counts the units in the outlet, reserved and
 * confirmed among them (held for unpaid and for placed orders); sold counts the units that left
 * with delivered orders, no longer on hand. available = on_hand - reserved - confirmed; the
 * schema's CHECK constraints keep every count and available >= 0. */
struct inventory_stock {
    int64_t on_hand, reserved, confirmed, sold;
};

/* on_hand - reserved - confirmed. */
int64_t inventory_available(const struct inventory_stock *s);

/* A catalog item of one outlet; sku is unique within the outlet. */
struct inventory_item {
    char id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char sku[INVENTORY_SKU_MAX + 1];
    char name[INVENTORY_TEXT_SIZE(INVENTORY_NAME_MAX)];
    int64_t price_minor; /* 0 .. INVENTORY_PRICE_MAX, in the minor unit of currency */
    char currency[INVENTORY_CURRENCY_SIZE];
    bool active; /* an inactive item is never reserved (ITEM_INACTIVE) */
    struct inventory_stock stock;
};

/* A stock adjustment as audited: who (the token's sub and role), why, the delta and on_hand and
 * available before and after. id and created_at are the store's. */
struct inventory_adjustment {
    int64_t id;
    char item_id[UUID_STR_LEN];
    char actor_id[UUID_STR_LEN];
    unsigned actor_role; /* AUTH_BUSINESS or AUTH_ADMIN */
    int64_t delta;
    char reason[INVENTORY_TEXT_SIZE(INVENTORY_REASON_MAX)];
    int64_t on_hand_before, on_hand_after, available_before, available_after;
    char created_at[TIMESTAMP_LEN];
};

/* ---- Reservations ---- */

/* Why a validation request is refused, for the order (data.reason) and for each failing line
 * (lines[].reason) of inventory.invalidated.v1. INVENTORY_OK: every line can be reserved. */
enum inventory_reason {
    INVENTORY_OK = 0,
    INVENTORY_OUT_OF_STOCK,
    INVENTORY_UNKNOWN_ITEM,
    INVENTORY_ITEM_INACTIVE,
    INVENTORY_OUTLET_CLOSED,
    INVENTORY_CURRENCY_MISMATCH,
    INVENTORY_REASON_COUNT
};

/* A reservation's life. INVENTORY_NONE is "no reservation for the order", never stored. */
enum inventory_status {
    INVENTORY_NONE = 0,
    INVENTORY_RESERVED,  /* held, unpaid, until expires_at */
    INVENTORY_CONFIRMED, /* the order is placed: held without a deadline */
    INVENTORY_RELEASED,  /* the order was cancelled: stock back (or never taken: a tombstone) */
    INVENTORY_COMMITTED, /* the order was delivered: sold */
    INVENTORY_EXPIRED,   /* unpaid past its TTL: stock back */
    INVENTORY_STATUS_COUNT
};

/* One line of a validation request: the item and how many. */
struct inventory_line {
    char item_id[UUID_STR_LEN];
    int64_t qty; /* 1 .. INVENTORY_QTY_MAX */
};

/* A reserved line, priced from the catalog when it was reserved. */
struct inventory_priced_line {
    char item_id[UUID_STR_LEN];
    char sku[INVENTORY_SKU_MAX + 1];
    char name[INVENTORY_TEXT_SIZE(INVENTORY_NAME_MAX)];
    int64_t qty, unit_price_minor, line_total_minor;
};

/* A line that cannot be reserved, as inventory.invalidated.v1 reports it. */
struct inventory_failed_line {
    char item_id[UUID_STR_LEN];
    enum inventory_reason reason;
    int64_t requested, available; /* available 0 for an unknown item */
};

/* A reservation (the row; its lines are separate). A tombstone remembers an order cancelled
 * before inventory saw its validation request: RELEASED, no lines, never held anything. */
struct inventory_reservation {
    char id[UUID_STR_LEN];
    char order_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    enum inventory_status status;
    int64_t total_minor;
    char currency[INVENTORY_CURRENCY_SIZE]; /* "" for a tombstone */
    int64_t expires_ms;                     /* Unix ms while RESERVED, else 0 */
    char reason[INVENTORY_CODE_MAX + 1];    /* why it was released or expired; "" otherwise */
    bool tombstone;
};

#endif
