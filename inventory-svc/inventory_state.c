/* inventory-svc's reservation state machine: the status names and the transition table (see
 * inventory_state.h). */
#include "inventory_state.h"

#include <stddef.h>
#include <string.h>

static const char *const status_names[INVENTORY_STATUS_COUNT] = {
    [INVENTORY_RESERVED] = "RESERVED", [INVENTORY_CONFIRMED] = "CONFIRMED",
    [INVENTORY_RELEASED] = "RELEASED", [INVENTORY_COMMITTED] = "COMMITTED",
    [INVENTORY_EXPIRED] = "EXPIRED",
};

const char *inventory_state_status_name(enum inventory_status s)
{
    return (unsigned)s < INVENTORY_STATUS_COUNT ? status_names[s] : NULL;
}

enum inventory_status inventory_state_status_parse(const char *s)
{
    for (unsigned i = 1; s && i < INVENTORY_STATUS_COUNT; i++)
        if (strcmp(s, status_names[i]) == 0)
            return (enum inventory_status)i;
    return INVENTORY_NONE;
}

/* The transition table: [from][trigger] */

#define APPLY(to_, move_, emit_, cancel_)                                                          \
    {                                                                                              \
        INVENTORY_APPLY, INVENTORY_##to_, INVENTORY_MOVE_##move_, INVENTORY_EMIT_##emit_, cancel_, \
            NULL                                                                                   \
    }
#define ANSWER(emit_)                                                                              \
    {                                                                                              \
        INVENTORY_ANSWER, INVENTORY_NONE, INVENTORY_MOVE_NONE, INVENTORY_EMIT_##emit_, false, NULL \
    }
#define NOPE(verdict_, why_)                                                                       \
    {                                                                                              \
        INVENTORY_##verdict_, INVENTORY_NONE, INVENTORY_MOVE_NONE, INVENTORY_EMIT_NONE, false,     \
            why_                                                                                   \
    }

static const struct inventory_transition
    transitions[INVENTORY_STATUS_COUNT][INVENTORY_TRIGGER_COUNT] =
        {
            [INVENTORY_NONE] =
                {
                    [INVENTORY_REQUESTED] = {INVENTORY_DECIDE, INVENTORY_RESERVED,
                                             INVENTORY_MOVE_RESERVE, INVENTORY_EMIT_DECISION, false,
                                             NULL},
                    [INVENTORY_PLACED] = NOPE(RETRY, "no reservation for the order yet"),
                    [INVENTORY_CANCELLED] = {INVENTORY_TOMBSTONE, INVENTORY_RELEASED,
                                             INVENTORY_MOVE_NONE, INVENTORY_EMIT_NONE, false, NULL},
                    [INVENTORY_DELIVERED] = NOPE(RETRY, "no reservation for the order yet"),
                    [INVENTORY_TTL] = NOPE(IGNORE, "no reservation for the order"),
                },
            [INVENTORY_RESERVED] =
                {
                    [INVENTORY_REQUESTED] = ANSWER(VALIDATED),
                    [INVENTORY_PLACED] = APPLY(CONFIRMED, CONFIRM, NONE, true),
                    [INVENTORY_CANCELLED] = APPLY(RELEASED, RELEASE_RESERVED, RELEASED, true),
                    [INVENTORY_DELIVERED] = NOPE(RETRY, "the reservation is not confirmed yet"),
                    [INVENTORY_TTL] = APPLY(EXPIRED, RELEASE_RESERVED, EXPIRED, false),
                },
            [INVENTORY_CONFIRMED] =
                {
                    [INVENTORY_REQUESTED] = NOPE(IGNORE, "the order is placed already"),
                    [INVENTORY_PLACED] = NOPE(IGNORE, "confirmed already"),
                    [INVENTORY_CANCELLED] = APPLY(RELEASED, RELEASE_CONFIRMED, RELEASED, false),
                    [INVENTORY_DELIVERED] = APPLY(COMMITTED, COMMIT, COMMITTED, false),
                    [INVENTORY_TTL] = NOPE(IGNORE, "a confirmed reservation has no deadline"),
                },
            [INVENTORY_RELEASED] =
                {
                    [INVENTORY_REQUESTED] = ANSWER(RELEASED),
                    [INVENTORY_PLACED] = NOPE(IGNORE, "the reservation was released"),
                    [INVENTORY_CANCELLED] = NOPE(IGNORE, "released already"),
                    [INVENTORY_DELIVERED] = NOPE(REFUSE, "the order's reservation was released"),
                    [INVENTORY_TTL] = NOPE(IGNORE, "released already"),
                },
            [INVENTORY_COMMITTED] =
                {
                    [INVENTORY_REQUESTED] = NOPE(IGNORE, "the order is delivered already"),
                    [INVENTORY_PLACED] = NOPE(IGNORE, "committed already"),
                    [INVENTORY_CANCELLED] = NOPE(IGNORE, "the stock is sold: nothing to release"),
                    [INVENTORY_DELIVERED] = NOPE(IGNORE, "committed already"),
                    [INVENTORY_TTL] = NOPE(IGNORE, "committed already"),
                },
            [INVENTORY_EXPIRED] =
                {
                    [INVENTORY_REQUESTED] = ANSWER(RELEASED),
                    [INVENTORY_PLACED] = NOPE(IGNORE, "the reservation expired"),
                    [INVENTORY_CANCELLED] = NOPE(IGNORE, "expired already: nothing to release"),
                    [INVENTORY_DELIVERED] = NOPE(REFUSE, "the order's reservation expired"),
                    [INVENTORY_TTL] = NOPE(IGNORE, "expired already"),
                },
};

const struct inventory_transition *inventory_state_transition(enum inventory_status from,
                                                              enum inventory_trigger trigger)
{
    static const struct inventory_transition refuse = NOPE(REFUSE, "no such transition");
    if ((unsigned)from >= INVENTORY_STATUS_COUNT || (unsigned)trigger >= INVENTORY_TRIGGER_COUNT)
        return &refuse;
    return &transitions[from][trigger];
}
