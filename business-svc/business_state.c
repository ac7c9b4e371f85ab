/* business-svc's queue state machine (see business_state.h). */
#include "business_state.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/errors.h"

#define APPLY(s)                                                                                   \
    {                                                                                              \
        BUSINESS_APPLY, BUSINESS_##s                                                               \
    }
#define IGNORE(s)                                                                                  \
    {                                                                                              \
        BUSINESS_IGNORE, BUSINESS_##s                                                              \
    }
#define DECIDED(s)                                                                                 \
    {                                                                                              \
        BUSINESS_DECIDED, BUSINESS_##s                                                             \
    }
#define GONE(s)                                                                                    \
    {                                                                                              \
        BUSINESS_WAS_CANCELLED, BUSINESS_##s                                                       \
    }

/* Rows: the status; columns: approve, reject, timeout, cancel. A rejected order stays REJECTED
 * when order-svc's cancellation (its consequence) comes; an approved one that is cancelled
 * later (no partner, the customer) is CANCELLED, so the kitchen stops. */
static const struct business_transition table[BUSINESS_STATUS_COUNT][BUSINESS_IN_COUNT] = {
    [BUSINESS_PENDING] = {APPLY(APPROVED), APPLY(REJECTED), APPLY(REJECTED), APPLY(CANCELLED)},
    [BUSINESS_APPROVED] = {DECIDED(APPROVED), DECIDED(APPROVED), IGNORE(APPROVED),
                           APPLY(CANCELLED)},
    [BUSINESS_REJECTED] = {DECIDED(REJECTED), DECIDED(REJECTED), IGNORE(REJECTED),
                           IGNORE(REJECTED)},
    [BUSINESS_CANCELLED] = {GONE(CANCELLED), GONE(CANCELLED), IGNORE(CANCELLED), IGNORE(CANCELLED)},
};

struct business_transition business_state_next(enum business_queue_status status,
                                               enum business_queue_input input)
{
    if ((unsigned)status >= BUSINESS_STATUS_COUNT || (unsigned)input >= BUSINESS_IN_COUNT)
        return (struct business_transition){BUSINESS_IGNORE, status};
    return table[status][input];
}

/* Records the decision or cancellation of input in e (the move is decided already). */
static void record(struct business_queue_entry *e, enum business_queue_input input,
                   const struct business_decision *d)
{
    int64_t now = d ? d->now_ms : 0;
    switch (input) {
    case BUSINESS_IN_APPROVE:
        e->decided_ms = now;
        e->approved = true;
        e->auto_approved = d && d->auto_approved;
        e->prep_time_min = d ? d->prep_time_min : 0;
        break;
    case BUSINESS_IN_REJECT:
    case BUSINESS_IN_TIMEOUT:
        e->decided_ms = now;
        e->approved = false;
        e->auto_approved = false;
        e->reason =
            input == BUSINESS_IN_REJECT ? BUSINESS_REASON_BY_BUSINESS : BUSINESS_REASON_TIMEOUT;
        snprintf(e->note, sizeof e->note, "%s",
                 input == BUSINESS_IN_REJECT && d && d->note ? d->note : "");
        break;
    default:
        e->cancelled_ms = now;
        break;
    }
}

enum business_queue_effect business_state_apply(struct business_queue_entry *e,
                                                enum business_queue_input input,
                                                const struct business_decision *d)
{
    struct business_transition t = business_state_next(e->status, input);
    if (t.effect != BUSINESS_APPLY)
        return t.effect;
    record(e, input, d);
    e->status = t.next;
    return BUSINESS_APPLY;
}

static const char *const status_names[BUSINESS_STATUS_COUNT] = {
    [BUSINESS_PENDING] = "PENDING",
    [BUSINESS_APPROVED] = "APPROVED",
    [BUSINESS_REJECTED] = "REJECTED",
    [BUSINESS_CANCELLED] = "CANCELLED",
};

static const char *const reason_names[BUSINESS_REASON_COUNT] = {
    [BUSINESS_REASON_BY_BUSINESS] = "REJECTED_BY_BUSINESS",
    [BUSINESS_REASON_TIMEOUT] = "APPROVAL_TIMEOUT",
};

const char *business_state_status_name(enum business_queue_status s)
{
    return (unsigned)s < BUSINESS_STATUS_COUNT ? status_names[s] : NULL;
}

int business_state_status_parse(const char *s, enum business_queue_status *ret)
{
    for (unsigned i = 0; s && i < BUSINESS_STATUS_COUNT; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *ret = (enum business_queue_status)i;
            return OF_OK;
        }
    }
    return OF_EPERMANENT;
}

const char *business_state_reason_name(enum business_reject_reason r)
{
    return (unsigned)r < BUSINESS_REASON_COUNT ? reason_names[r] : NULL;
}

int business_state_reason_parse(const char *s, enum business_reject_reason *ret)
{
    for (unsigned i = 1; s && i < BUSINESS_REASON_COUNT; i++) {
        if (strcmp(s, reason_names[i]) == 0) {
            *ret = (enum business_reject_reason)i;
            return OF_OK;
        }
    }
    return OF_EPERMANENT;
}
