/* customer-svc events: outlet handlers and the event builders (see customer_events.h). */
#include "customer_events.h"

#include "common/daemon.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "customer_app.h"
#include "customer_json.h"
#include "customer_rules.h"
#include "customer_store.h"

#define PRODUCER "customer-svc"
#define SCHEMA   "customer"

/* ---- Consumed: business.outlet.created.v1 / business.outlet.updated.v1 ---- */

/* Dead-letters what the rules refuse, with their reason (it names the field, never the value),
 * and an event dated further ahead than OF_EVENT_MAX_SKEW_S; upserts the rest under the
 * producer's version (customer_store_outlet_upsert). */
static int outlet_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    const struct customer_app *app = ((const struct daemon *)ctx->app)->app;
    struct customer_outlet o;
    char why[160];
    const char *reason;
    int64_t occurred_ms;
    if (envelope_occurred_ms(ev, time_now_ms(), app->event_max_skew_ms, &occurred_ms, &reason) !=
        OF_OK)
        return consumer_fail(ctx, "%s", reason);
    if (customer_rules_outlet_event(ev->data, &o, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    return customer_store_outlet_upsert(ctx->db, &o, occurred_ms);
}

const struct event_handler customer_events_handlers[] = {
    {"business.outlet.created.v1", outlet_handle, NULL},
    {"business.outlet.updated.v1", outlet_handle, NULL},
};
const size_t customer_events_n_handlers =
    sizeof customer_events_handlers / sizeof customer_events_handlers[0];

/* ---- Produced ---- */

/* Appends data (stolen) as an event of type under key. The key (the account id) is also the
 * correlation id; the request that caused the event is the causation. */
static int append(PGconn *c, const struct customer_event_origin *o, const char *type,
                  const char *key, json_t *data)
{
    const struct outbox_origin from = {PRODUCER, SCHEMA, o->trace_id, o->request_id};
    return outbox_emit(c, &from, type, key, data);
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

/* The address as customer_json_address has it, with id as address_id, plus the owner and the
 * deleted flag. NULL when it cannot be built. */
static json_t *address_event_data(const char *account_id, const struct customer_address *a,
                                  bool deleted)
{
    json_t *data = customer_json_address(a);
    if (!data || json_object_set_new(data, "address_id", json_string(a->id)) != 0 ||
        json_object_del(data, "id") != 0 ||
        json_object_set_new(data, "account_id", json_string(account_id)) != 0 ||
        json_object_set_new(data, "deleted", json_boolean(deleted)) != 0) {
        json_decref(data);
        return NULL;
    }
    return data;
}

int customer_events_address(PGconn *c, const struct customer_event_origin *o,
                            const char *account_id, const struct customer_address *a, bool deleted)
{
    return append(c, o, "customer.address.updated", account_id,
                  address_event_data(account_id, a, deleted));
}
