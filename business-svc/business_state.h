/* business-svc's queue state machine, pure: what becomes of an order in an outlet's queue when
 * its owner approves or rejects it, its approval SLA runs out, or order-svc cancels it. One
 * table, (status, input) -> (effect, next status); every change of a queue entry goes through
 * business_state_apply(). */
#ifndef BUSINESS_STATE_H
#define BUSINESS_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "business.h"

/* What happens to a queue entry. */
enum business_queue_input {
    BUSINESS_IN_APPROVE = 0, /* the owner approves (or the outlet auto-approves) */
    BUSINESS_IN_REJECT,      /* the owner rejects */
    BUSINESS_IN_TIMEOUT,     /* the approval SLA ran out */
    BUSINESS_IN_CANCEL,      /* order.cancelled.v1 */
    BUSINESS_IN_COUNT
};

/* What the input does to the entry. */
enum business_queue_effect {
    BUSINESS_APPLY = 0,     /* the entry moves to next; a decision is announced by its event */
    BUSINESS_IGNORE,        /* nothing to do (a late timer, a repeated cancellation) */
    BUSINESS_DECIDED,       /* refused: the order has been approved or rejected already (409) */
    BUSINESS_WAS_CANCELLED, /* refused: the order has been cancelled (409) */
};

struct business_transition {
    enum business_queue_effect effect;
    enum business_queue_status next; /* the status after the input (the old one unless APPLY) */
};

/* The table's row for (status, input). An out-of-range status or input gives
 * {BUSINESS_IGNORE, status}. */
struct business_transition business_state_next(enum business_queue_status status,
                                               enum business_queue_input input);

/* The particulars of a decision. */
struct business_decision {
    bool auto_approved; /* APPROVE by the outlet's auto_approve */
    int prep_time_min;  /* APPROVE */
    const char *note;   /* REJECT: the owner's reason (NULL or "": none) */
    int64_t now_ms;     /* when it is decided or cancelled */
};

/* Applies input to e by the table: on BUSINESS_APPLY sets e->status to the next status and
 * records the decision (decided_ms, approved, auto_approved, prep_time_min; or reason
 * REJECTED_BY_BUSINESS with note, or APPROVAL_TIMEOUT) or the cancellation (cancelled_ms);
 * otherwise leaves e untouched. d may be NULL for TIMEOUT and CANCEL (now_ms is then 0). Returns
 * the effect. */
enum business_queue_effect business_state_apply(struct business_queue_entry *e,
                                                enum business_queue_input input,
                                                const struct business_decision *d);

/* "PENDING", "APPROVED", "REJECTED", "CANCELLED"; NULL for anything else. */
const char *business_state_status_name(enum business_queue_status s);
/* The status named s (exact, upper case); returns 0, or OF_EPERMANENT with *ret untouched. */
int business_state_status_parse(const char *s, enum business_queue_status *ret)
    __attribute__((warn_unused_result));
/* "REJECTED_BY_BUSINESS", "APPROVAL_TIMEOUT"; NULL for BUSINESS_REASON_NONE or out of range. */
const char *business_state_reason_name(enum business_reject_reason r);
/* The reason named s; returns 0, or OF_EPERMANENT with *ret untouched. */
int business_state_reason_parse(const char *s, enum business_reject_reason *ret)
    __attribute__((warn_unused_result));

#endif
