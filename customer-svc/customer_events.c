/* customer-svc events, appended to the outbox in the caller's transaction. */
#include "customer_events.h"

#include "common/envelope.h"
#include "common/errors.h"
#include "common/outbox.h"

#define PRODUCER "customer-svc"
#define SCHEMA   "customer"

/* Wraps data (stolen) in an envelope and appends it under key. The key (the account id) is also
 * the correlation id; the request that caused the event is the causation. */
static int append(PGconn *c, const struct customer_event_origin *o, const char *type,
                  const char *key, json_t *data)
{
    if (!data)
        return OF_EPERMANENT;
    struct envelope ev = {0};
    int rc = envelope_init(&ev, type, 1, PRODUCER, o->trace_id, key, o->request_id, data);
    if (rc == OF_OK)
        rc = outbox_append(c, SCHEMA, key, &ev);
    envelope_clear(&ev);
    return rc;
}

int customer_events_registered(PGconn *c, const struct customer_event_origin *o,
                               const struct customer_account *account)
{
    const char *role = auth_role_name(account->role);
    if (!role)
        return OF_EPERMANENT;
    json_t *data = json_pack("{s:s, s:s}", "account_id", account->id, "role", role);
    return append(c, o, "customer.registered", account->id, data);
}

int customer_events_address(PGconn *c, const struct customer_event_origin *o,
                            const char *account_id, const struct customer_address *a, bool deleted)
{
    json_t *data =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:b}", "address_id", a->id,
                  "account_id", account_id, "label", a->label, "line1", a->line1, "city", a->city,
                  "postcode", a->postcode, "lat", a->lat, "lng", a->lng, "deleted", deleted);
    return append(c, o, "customer.address.updated", account_id, data);
}
