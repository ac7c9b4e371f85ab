/* notification-svc pure validation: the data of every event it consumes read into one struct
 * (each topic's JSON-spec table), the kind of notification a topic makes, the message values
 * (struct notification_vars) of an event, and the listing's query parameters and cursor. */
#ifndef NOTIFICATION_RULES_H
#define NOTIFICATION_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/cursor.h"
#include "common/jspec.h"
#include "notification.h"

/* What the consumed events carry, as far as notification-svc needs it. */
struct notification_event {
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN]; /* "" for delivery.* (the read model knows it) */
    char outlet_id[UUID_STR_LEN];
    char reason[64];
    long long total_minor;  /* order.placed.v1 */
    long long amount_minor; /* payment.refunded.v1 */
    char currency[4];
    long eta_min;       /* delivery.agent.assigned.v1 */
    long prep_time_min; /* order.approved.v1 */
    char outlet_name[4 * 100 + 1];
    const json_t *lines;  /* order.placed.v1: borrowed from the data */
    const json_t *pickup; /* order.approved.v1: borrowed */
    char at[40];          /* placed_at, delivered_at ...: the event's own time */
};

/* The topic's row: which kind of notification it makes (NULL: none, only the read model), and
 * whether it lacks customer_id. NULL for a topic not consumed. */
struct notification_topic {
    const char *topic;
    const char *kind;
    bool needs_read_model;
};
const struct notification_topic *notification_rules_topic(const char *topic);
/* The kind of notification ev of topic t makes (NULL: none). t's kind, except that an
 * order.cancelled.v1 whose reason is the outlet's rejection (REJECTED_BY_BUSINESS,
 * APPROVAL_TIMEOUT) is of kind "order.rejected": order.rejected.v1 told the customer already,
 * and UNIQUE (order_id, event_type) keeps the one that comes first. */
const char *notification_rules_kind(const struct notification_topic *t,
                                    const struct notification_event *ev);
/* The kinds of a later step of the same delivery than kind (assigned < picked up < delivered),
 * as a Postgres text array literal, or NULL when kind is not a delivery step or the last one.
 * The delivery's events travel on three topics and may come in any order: once a later step was
 * told, an earlier one is stale and not told at all. */
const char *notification_rules_later_kinds(const char *kind);
/* Every consumed topic, for the handler table. */
const struct notification_topic *notification_rules_topics(size_t *ret_n);

/* Reads data (borrowed) of topic into *ret (zeroed first; lines and pickup borrow from data).
 * Returns 0, or OF_EPERMANENT with the reason ("data.order_id: ...") in why (len bytes). */
int notification_rules_event(const char *topic, const json_t *data, struct notification_event *ret,
                             char *why, size_t len) __attribute__((warn_unused_result));

/* The message values of ev for an order o (may be NULL) into ret, with the texts in buf (owned
 * by the caller, alive as long as ret is used). */
struct notification_vars_buf {
    char order_short[9], total[48], eta[24], prep[24];
};
void notification_rules_vars(const struct notification_event *ev,
                             const struct notification_order *o, struct notification_vars_buf *buf,
                             struct notification_vars *ret);

/* GET /v1/notifications?limit=&cursor= (each NULL when absent): limit 1..NOTIFICATION_LIMIT_MAX
 * (default NOTIFICATION_LIMIT_DEFAULT), cursor a next_cursor given out before. Returns 0, or
 * OF_EPERMANENT with err naming the field. */
struct notification_query {
    int limit;
    bool has_cursor;
    struct page_cursor after;
};
int notification_rules_query(const char *limit, const char *cursor, struct notification_query *ret,
                             struct jspec_error *err) __attribute__((warn_unused_result));

/* A path id: 0 when id is a canonical lowercase UUID, else OF_EPERMANENT with err (400
 * invalid_value naming field). */
int notification_rules_path_id(const char *id, const char *field, struct jspec_error *err)
    __attribute__((warn_unused_result));

#endif
