/* The outlet read model that consumers of business.outlet.created/updated.v1 keep (inventory-svc
 * and order-svc): the members of the event they need, and its one parser. Pure. */
#ifndef COMMON_OUTLET_EVENT_H
#define COMMON_OUTLET_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/uuid.h"

/* An outlet as a consumer knows it from business.outlet.*.v1: who owns it (the business-role
 * account whose token may manage it) and whether it takes orders. */
struct outlet_ref {
    char id[UUID_STR_LEN];
    char business_id[UUID_STR_LEN];
    char owner_id[UUID_STR_LEN]; /* "" when the events carried none: only an admin manages it */
    bool is_open;
    int64_t version; /* the producer's version of the outlet (>= 1), 0 when the event had none */
};

/* business.outlet.created/updated.v1 data {outlet_id, business_id, owner_id?, is_open,
 * version?}, checked in JSPEC_LENIENT mode (producers may add members): owner_id a UUID, or
 * absent or null for producers that predate it (the outlet then has no owner); version absent
 * for producers that predate it (0), else a JSON integer >= 1. Returns OF_OK with *ret filled,
 * or OF_EPERMANENT with *ret untouched and, in err (may be NULL), the reason for the dead letter
 * ("data.<field>: <why>", "data: ..." for the whole object), never the value. */
int outlet_event_parse(const json_t *data, struct outlet_ref *ret, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
