/* inventory-svc's reservation state machine, pure: the one table of what each trigger (the
 * events and the timer that drive an order's reservation) does to a reservation in each status:
 * whether the handler decides, applies, answers again, ignores, retries or refuses; the status it
 * sets; how the stock of the lines moves; the event it produces; whether the reservation_ttl
 * timer becomes moot. tests/unit/inventory/data/transitions.txt is the same table as data. */
#ifndef INVENTORY_STATE_H
#define INVENTORY_STATE_H

#include <stdbool.h>

#include "inventory.h"

/* The wire name of a status ("RESERVED"); NULL for INVENTORY_NONE or a value out of range. A
 * static string. */
const char *inventory_state_status_name(enum inventory_status s);
/* The status named s (exact), or INVENTORY_NONE for anything else. */
enum inventory_status inventory_state_status_parse(const char *s);

/* What happens to an order's reservation: the events and the timer that drive it. */
enum inventory_trigger {
    INVENTORY_REQUESTED = 0, /* inventory.validation.requested.v1 */
    INVENTORY_PLACED,        /* order.placed.v1 */
    INVENTORY_CANCELLED,     /* order.cancelled.v1 */
    INVENTORY_DELIVERED,     /* order.delivered.v1 */
    INVENTORY_TTL,           /* the reservation_ttl timer */
    INVENTORY_TRIGGER_COUNT
};

/* How the stock of a reservation's lines moves (per line, by its qty). */
enum inventory_move {
    INVENTORY_MOVE_NONE = 0,
    INVENTORY_MOVE_RESERVE,           /* reserved += qty */
    INVENTORY_MOVE_CONFIRM,           /* reserved -= qty, confirmed += qty */
    INVENTORY_MOVE_RELEASE_RESERVED,  /* reserved -= qty */
    INVENTORY_MOVE_RELEASE_CONFIRMED, /* confirmed -= qty */
    INVENTORY_MOVE_COMMIT,            /* confirmed -= qty, on_hand -= qty, sold += qty */
    INVENTORY_MOVE_COUNT
};

/* The event a transition produces. */
enum inventory_emit {
    INVENTORY_EMIT_NONE = 0,
    INVENTORY_EMIT_DECISION,  /* inventory.validated.v1 or inventory.invalidated.v1 */
    INVENTORY_EMIT_VALIDATED, /* inventory.validated.v1 from the stored reservation */
    INVENTORY_EMIT_RELEASED,  /* inventory.released.v1 */
    INVENTORY_EMIT_COMMITTED, /* inventory.committed.v1 */
    INVENTORY_EMIT_EXPIRED,   /* inventory.reservation.expired.v1 */
};

/* What the handler does. */
enum inventory_verdict {
    INVENTORY_APPLY = 0, /* move the stock, set the status, emit, cancel the timer if asked */
    INVENTORY_DECIDE,    /* no reservation yet: run inventory_rules_reserve (and reserve) */
    INVENTORY_TOMBSTONE, /* no reservation yet: remember the cancellation (RELEASED, no lines) */
    INVENTORY_ANSWER,    /* already decided: emit the decision again from the stored row */
    INVENTORY_IGNORE,    /* moot or done already (a duplicate, a re-emitted cancel): OF_OK */
    INVENTORY_RETRY,     /* too early (an event overtook the one before it): retry later */
    INVENTORY_REFUSE,    /* contradicts what happened: dead-letter */
};

struct inventory_transition {
    enum inventory_verdict verdict;
    enum inventory_status to; /* for APPLY and TOMBSTONE */
    enum inventory_move move;
    enum inventory_emit emit;
    bool cancel_timer; /* the reservation_ttl timer becomes moot */
    const char *why;   /* for IGNORE, RETRY and REFUSE: a static reason naming no value */
};

/* The one table of what trigger does to a reservation in status from (INVENTORY_NONE when the
 * order has none). Never NULL; an out-of-range argument gives a REFUSE entry. */
const struct inventory_transition *inventory_state_transition(enum inventory_status from,
                                                              enum inventory_trigger trigger);

#endif
