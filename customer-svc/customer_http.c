/* customer-svc HTTP: the handlers of OTP login, JWKS, profile, address book and feed, and the
 * route table. Handlers validate with customer_rules, write through customer_store and announce
 * changes through customer_events in the same transaction. */
#include "customer_http.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/auth.h"
#include "common/daemon.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/geo.h"
#include "common/http.h"
#include "common/xalloc.h"
#include "customer_app.h"
#include "customer_events.h"
#include "customer_feed.h"
#include "customer_json.h"
#include "customer_otp.h"
#include "customer_rules.h"
#include "customer_store.h"

#define DB_WAIT_MS  2000
#define TX_ATTEMPTS 3

/* ---- Helpers ---- */

static struct customer_app *app_of(struct http_request *req)
{
    return ((struct daemon *)req->app)->app;
}

static void reply_rules_error(struct http_response *res, const struct customer_error *err)
{
    enum api_error e;
    if (api_error_by_code(err->code, &e) != 0)
        e = API_INVALID_VALUE;
    http_reply_error(res, e, err->message, err->field[0] ? err->field : NULL);
}

static void reply_db_error(struct http_response *res)
{
    http_reply_error(res, API_DATABASE_UNAVAILABLE, NULL, NULL);
}

/* Runs fn in a transaction on a pooled connection; OF_EUNAVAIL when none can be had. */
static int transact(struct http_request *req, db_tx_fn fn, void *ud)
{
    struct daemon *d = req->app;
    PGconn *c = db_pool_get(d->pool, DB_WAIT_MS);
    if (!c)
        return OF_EUNAVAIL;
    int rc = db_transact(c, fn, ud, TX_ATTEMPTS);
    db_pool_put(d->pool, c);
    return rc;
}

static bool rate_limit(struct http_request *req, struct http_response *res, const char *kind,
                       const char *who, const struct ratelimit_rule *rule)
{
    char key[160];
    snprintf(key, sizeof key, "otp:%s:%s", kind, who);
    return daemon_rate_limit(req->app, res, key, rule);
}

/* ---- POST /v1/auth/otp ---- */

struct otp_put {
    const char *phone;
    unsigned role;
    const struct customer_otp_record *rec;
};

static int otp_put_tx(PGconn *c, void *ud)
{
    const struct otp_put *p = ud;
    return customer_store_otp_put(c, p->phone, p->role, p->rec);
}

/* Makes, stores and sends a code; replies 202 or the error. */
static void otp_issue(struct http_request *req, struct http_response *res,
                      const struct customer_otp_request *in)
{
    struct customer_app *app = app_of(req);
    char code[CUSTOMER_OTP_CODE_DIGITS + 1];
    struct customer_otp_record rec;
    if (customer_otp_generate(customer_otp_system_random, NULL, code) != 0 ||
        customer_otp_record_init(app->otp_secret, app->otp_secret_len, in->phone, code,
                                 (int64_t)time(NULL), &rec) != 0) {
        http_reply_error(res, API_INTERNAL, "could not make a code", NULL);
        goto out;
    }
    struct otp_put p = {in->phone, in->role, &rec};
    if (transact(req, otp_put_tx, &p) != OF_OK) {
        reply_db_error(res);
        goto out;
    }
    if (app->sms(app->sms_ctx, in->phone, code, &req->log) != 0) {
        http_reply_error(res, API_SMS_UNAVAILABLE, NULL, NULL);
        goto out;
    }
    json_t *body = json_pack("{s:i}", "expires_in", CUSTOMER_OTP_TTL_S);
    if (app->dev)
        json_object_set_new(body, "dev_code", json_string(code));
    http_reply_json(res, 202, body);
out:
    explicit_bzero(code, sizeof code);
}

static void otp_request(struct http_request *req, struct http_response *res)
{
    struct customer_app *app = app_of(req);
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct customer_otp_request in;
    struct customer_error err;
    if (customer_rules_otp_request(body, &in, &err) != 0) {
        reply_rules_error(res, &err);
        goto out;
    }
    char addr[INET6_ADDRSTRLEN + 1];
    http_client_address(req, addr, sizeof addr);
    if (!rate_limit(req, res, "ip", addr, &app->rate_ip) ||
        !rate_limit(req, res, "phone", in.phone, &app->rate_phone))
        goto out;
    otp_issue(req, res, &in);
out:
    json_decref(body);
}

/* ---- POST /v1/auth/verify ---- */

struct verify_tx {
    const char *phone;
    unsigned role;
    const uint8_t *presented;
    struct customer_event_origin origin;
    /* results */
    enum customer_otp_outcome outcome;
    int attempts_left;
    int64_t expires_at;
    struct customer_account account;
};

/* The right code: single use, then the account (created at the first login). */
static int verify_ok(PGconn *c, struct verify_tx *v)
{
    bool created;
    int rc = customer_store_otp_delete(c, v->phone, v->role);
    if (rc == OF_OK)
        rc = customer_store_account_upsert(c, v->phone, v->role, &v->account, &created);
    if (rc == OF_OK && created && v->role == AUTH_CUSTOMER)
        rc = customer_events_registered(c, &v->origin, &v->account);
    return rc;
}

static int verify_tx(PGconn *c, void *ud)
{
    struct verify_tx *v = ud;
    struct customer_otp_record rec;
    int rc = customer_store_otp_lock(c, v->phone, v->role, &rec);
    if (rc != OF_OK && rc != OF_ENOTFOUND)
        return rc;
    int64_t now = (int64_t)time(NULL);
    v->expires_at = rc == OF_OK ? rec.expires_at : 0;
    v->outcome =
        customer_otp_decide(rc == OF_OK ? &rec : NULL, v->presented, now, &v->attempts_left);
    switch (v->outcome) {
    case CUSTOMER_OTP_OK:
        return verify_ok(c, v);
    case CUSTOMER_OTP_WRONG:
        return customer_store_otp_set_attempts(c, v->phone, v->role, v->attempts_left);
    case CUSTOMER_OTP_EXPIRED:
        return customer_store_otp_delete(c, v->phone, v->role);
    default:
        return OF_OK;
    }
}

/* Splits the optional role off the body (customer_rules_otp_verify takes {phone, code}). */
static int verify_parse(json_t *body, struct customer_otp_verify *in, unsigned *role,
                        struct customer_error *err)
{
    *role = AUTH_CUSTOMER;
    json_t *copy = json_is_object(body) ? json_copy(body) : json_incref(body);
    json_t *r = json_is_object(copy) ? json_object_get(copy, "role") : NULL;
    int rc = OF_OK;
    if (r && (!json_is_string(r) || customer_rules_role_parse(json_string_value(r), role) != 0)) {
        *err = (struct customer_error){.code = json_is_string(r) ? CUSTOMER_ERR_INVALID_VALUE
                                                                 : CUSTOMER_ERR_INVALID_TYPE};
        snprintf(err->field, sizeof err->field, "role");
        snprintf(err->message, sizeof err->message,
                 "role must be one of customer, business, partner");
        rc = OF_EPERMANENT;
    }
    if (r && rc == OF_OK)
        json_object_del(copy, "role");
    if (rc == OF_OK)
        rc = customer_rules_otp_verify(copy, in, err);
    json_decref(copy);
    return rc;
}

static void verify_reply(struct http_request *req, struct http_response *res,
                         const struct verify_tx *v)
{
    struct customer_app *app = app_of(req);
    char *token = NULL, retry[32];
    switch (v->outcome) {
    case CUSTOMER_OTP_OK:
        if (auth_sign(app->signer, v->account.id, v->role, (int64_t)time(NULL), &token) != 0) {
            http_reply_error(res, API_INTERNAL, "could not sign a token", NULL);
            return;
        }
        http_reply_json(res, 200,
                        json_pack("{s:s, s:s, s:i, s:{s:s, s:s}}", "access_token", token,
                                  "token_type", "Bearer", "expires_in", (int)app->token_ttl_s,
                                  "account", "id", v->account.id, "role", auth_role_name(v->role)));
        free(token);
        return;
    case CUSTOMER_OTP_WRONG:
        http_reply_error(res, API_INVALID_CODE, NULL, "code");
        json_object_set_new(json_object_get(res->json, "error"), "attempts_left",
                            json_integer(v->attempts_left));
        return;
    case CUSTOMER_OTP_LOCKED:
        snprintf(retry, sizeof retry, "%lld",
                 (long long)(v->expires_at > time(NULL) ? v->expires_at - time(NULL) : 1));
        http_add_header(res, "Retry-After", retry);
        http_reply_error(res, API_OTP_LOCKED, NULL, NULL);
        return;
    case CUSTOMER_OTP_EXPIRED:
        http_reply_error(res, API_OTP_EXPIRED, NULL, NULL);
        return;
    default:
        http_reply_error(res, API_OTP_NOT_FOUND, NULL, NULL);
        return;
    }
}

static void otp_verify(struct http_request *req, struct http_response *res)
{
    struct customer_app *app = app_of(req);
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct customer_otp_verify in;
    struct customer_error err;
    unsigned role;
    uint8_t presented[CUSTOMER_OTP_HASH_LEN];
    if (verify_parse(body, &in, &role, &err) != 0) {
        reply_rules_error(res, &err);
        goto out;
    }
    if (!rate_limit(req, res, "verify", in.phone, &app->rate_verify))
        goto out;
    if (customer_otp_hash(app->otp_secret, app->otp_secret_len, in.phone, in.code, presented) !=
        0) {
        http_reply_error(res, API_INVALID_VALUE, "the code is malformed", "code");
        goto out;
    }
    struct verify_tx v = {.phone = in.phone, .role = role, .presented = presented};
    v.origin = (struct customer_event_origin){req->trace.trace_id, req->request_id};
    if (transact(req, verify_tx, &v) != OF_OK)
        reply_db_error(res);
    else
        verify_reply(req, res, &v);
out:
    explicit_bzero(&in, sizeof in);
    json_decref(body);
}

/* ---- GET /.well-known/jwks.json ---- */

static void jwks(struct http_request *req, struct http_response *res)
{
    const char *doc = auth_signer_jwks(app_of(req)->signer);
    res->status = 200;
    res->raw = xstrdup(doc);
    res->raw_len = strlen(doc);
    res->content_type = "application/json";
    http_add_header(res, "Cache-Control", "public, max-age=300");
}

/* ---- GET/PATCH /v1/me ---- */

struct me_tx {
    const struct auth_principal *who;
    const struct customer_profile_patch *patch; /* NULL: read only */
    struct customer_account account;
};

static int me_tx(PGconn *c, void *ud)
{
    struct me_tx *m = ud;
    int rc = m->patch ? customer_store_account_patch(c, m->who->sub, m->patch, &m->account)
                      : customer_store_account_get(c, m->who->sub, &m->account);
    if (rc == OF_OK && m->account.role != m->who->role)
        rc = OF_ENOTFOUND;
    return rc;
}

static void me_run(struct http_request *req, struct http_response *res,
                   const struct customer_profile_patch *patch)
{
    struct me_tx m = {.who = &req->principal, .patch = patch};
    int rc = transact(req, me_tx, &m);
    if (rc == OF_ENOTFOUND)
        http_reply_error(res, API_ACCOUNT_NOT_FOUND, NULL, NULL);
    else if (rc != OF_OK)
        reply_db_error(res);
    else
        http_reply_json(res, 200, customer_json_account(&m.account));
}

static void me_get(struct http_request *req, struct http_response *res)
{
    me_run(req, res, NULL);
}

static void me_patch(struct http_request *req, struct http_response *res)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct customer_profile_patch patch;
    struct customer_error err;
    if (customer_rules_profile_patch(body, &patch, &err) != 0)
        reply_rules_error(res, &err);
    else
        me_run(req, res, &patch);
    json_decref(body);
}

/* ---- Address book ---- */

enum addr_op { ADDR_CREATE, ADDR_UPDATE, ADDR_DELETE };

struct addr_tx {
    enum addr_op op;
    const char *account_id;
    struct customer_address addr; /* in: the new fields (and id); out: as stored */
    struct customer_event_origin origin;
};

static int addr_tx(PGconn *c, void *ud)
{
    struct addr_tx *t = ud;
    int rc;
    if (t->op == ADDR_CREATE) {
        t->addr.id[0] = '\0';
        rc = customer_store_address_insert(c, t->account_id, &t->addr);
    } else if (t->op == ADDR_UPDATE) {
        rc = customer_store_address_update(c, t->account_id, &t->addr);
    } else {
        char id[UUID_STR_LEN];
        memcpy(id, t->addr.id, sizeof id);
        rc = customer_store_address_delete(c, t->account_id, id, &t->addr);
    }
    if (rc == OF_OK)
        rc = customer_events_address(c, &t->origin, t->account_id, &t->addr, t->op == ADDR_DELETE);
    return rc;
}

/* Copies the {id} path parameter; a malformed one simply matches nothing (404). */
static void path_id(struct http_request *req, char ret[UUID_STR_LEN])
{
    const char *id = route_param(&req->params, "id");
    snprintf(ret, UUID_STR_LEN, "%s", id && strlen(id) < UUID_STR_LEN ? id : "");
}

static void addr_run(struct http_request *req, struct http_response *res, struct addr_tx *t)
{
    t->account_id = req->principal.sub;
    t->origin = (struct customer_event_origin){req->trace.trace_id, req->request_id};
    int rc = transact(req, addr_tx, t);
    if (rc == OF_ENOTFOUND && t->op == ADDR_CREATE) {
        http_reply_error(res, API_ACCOUNT_NOT_FOUND, NULL, NULL);
    } else if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such address", NULL);
    } else if (rc != OF_OK) {
        reply_db_error(res);
    } else if (t->op == ADDR_DELETE) {
        res->status = 204;
    } else {
        if (t->op == ADDR_CREATE) {
            char location[64 + UUID_STR_LEN];
            snprintf(location, sizeof location, "/v1/me/addresses/%s", t->addr.id);
            http_add_header(res, "Location", location);
        }
        http_reply_json(res, t->op == ADDR_CREATE ? 201 : 200, customer_json_address(&t->addr));
    }
}

/* POST and PUT: the body is a whole address. */
static void addr_write(struct http_request *req, struct http_response *res, enum addr_op op)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct addr_tx t = {.op = op};
    struct customer_error err;
    if (customer_rules_address(body, &t.addr, &err) != 0) {
        reply_rules_error(res, &err);
    } else {
        if (op == ADDR_UPDATE)
            path_id(req, t.addr.id);
        addr_run(req, res, &t);
    }
    json_decref(body);
}

static void addr_create(struct http_request *req, struct http_response *res)
{
    addr_write(req, res, ADDR_CREATE);
}

static void addr_update(struct http_request *req, struct http_response *res)
{
    addr_write(req, res, ADDR_UPDATE);
}

static void addr_delete(struct http_request *req, struct http_response *res)
{
    struct addr_tx t = {.op = ADDR_DELETE};
    path_id(req, t.addr.id);
    addr_run(req, res, &t);
}

/* GET /v1/me/addresses/{id}: one of the caller's addresses. */
static void addr_get(struct http_request *req, struct http_response *res)
{
    struct daemon *d = req->app;
    char id[UUID_STR_LEN];
    path_id(req, id);
    PGconn *c = db_pool_get(d->pool, DB_WAIT_MS);
    if (!c) {
        reply_db_error(res);
        return;
    }
    struct customer_address a;
    int rc = customer_store_address_get(c, req->principal.sub, id, &a);
    db_pool_put(d->pool, c);
    if (rc == OF_ENOTFOUND)
        http_reply_error(res, API_NOT_FOUND, "no such address", NULL);
    else if (rc != OF_OK)
        reply_db_error(res);
    else
        http_reply_json(res, 200, customer_json_address(&a));
}

static void addr_list(struct http_request *req, struct http_response *res)
{
    struct daemon *d = req->app;
    PGconn *c = db_pool_get(d->pool, DB_WAIT_MS);
    if (!c) {
        reply_db_error(res);
        return;
    }
    struct customer_address *list;
    size_t n;
    int rc = customer_store_address_list(c, req->principal.sub, &list, &n);
    db_pool_put(d->pool, c);
    if (rc != OF_OK) {
        reply_db_error(res);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, customer_json_address(&list[i]));
    free(list);
    http_reply_json(res, 200, json_pack("{s:o}", "addresses", items));
}

/* ---- GET /v1/feed ---- */

/* The address, the candidates in the box around it, then the pure ranking and paging. */
static int feed_read(PGconn *c, const char *account_id, const struct customer_feed_query *q,
                     json_t **ret_body)
{
    struct customer_address a;
    struct geo_box box;
    struct customer_outlet *list = NULL;
    size_t n = 0;
    int rc = customer_store_address_get(c, account_id, q->address_id, &a);
    if (rc != OF_OK)
        return rc;
    if (geo_box_around(a.lat, a.lng, q->radius_m, &box) != OF_OK)
        return OF_EPERMANENT; /* the store holds only valid coordinates */
    rc = customer_store_outlet_in_box(c, &box, &list, &n);
    if (rc == OF_OK)
        rc = customer_feed_page(list, n, a.lat, a.lng, q, ret_body);
    free(list);
    return rc;
}

static void feed_get(struct http_request *req, struct http_response *res)
{
    struct daemon *d = req->app;
    struct customer_feed_query q;
    struct customer_error err;
    if (customer_rules_feed_query(http_query(req, "address_id"), http_query(req, "radius_km"),
                                  http_query(req, "limit"), http_query(req, "cursor"), &q,
                                  &err) != 0) {
        reply_rules_error(res, &err);
        return;
    }
    PGconn *c = db_pool_get(d->pool, DB_WAIT_MS);
    if (!c) {
        reply_db_error(res);
        return;
    }
    json_t *body = NULL;
    int rc = feed_read(c, req->principal.sub, &q, &body);
    db_pool_put(d->pool, c);
    if (rc == OF_ENOTFOUND)
        http_reply_error(res, API_NOT_FOUND, "no such address", "address_id");
    else if (rc != OF_OK)
        reply_db_error(res);
    else
        http_reply_json(res, 200, body);
}

#define ME_ROLES (AUTH_CUSTOMER | AUTH_BUSINESS | AUTH_PARTNER)

const struct http_route customer_routes[] = {
    {{"POST", "/v1/auth/otp"}, otp_request, 0},
    {{"POST", "/v1/auth/verify"}, otp_verify, 0},
    {{"GET", "/.well-known/jwks.json"}, jwks, 0},
    {{"GET", "/v1/me"}, me_get, ME_ROLES},
    {{"PATCH", "/v1/me"}, me_patch, ME_ROLES},
    {{"GET", "/v1/me/addresses"}, addr_list, AUTH_CUSTOMER},
    {{"POST", "/v1/me/addresses"}, addr_create, AUTH_CUSTOMER},
    {{"GET", "/v1/me/addresses/{id}"}, addr_get, AUTH_CUSTOMER},
    {{"PUT", "/v1/me/addresses/{id}"}, addr_update, AUTH_CUSTOMER},
    {{"DELETE", "/v1/me/addresses/{id}"}, addr_delete, AUTH_CUSTOMER},
    {{"GET", "/v1/feed"}, feed_get, AUTH_CUSTOMER},
};
const size_t customer_n_routes = sizeof customer_routes / sizeof customer_routes[0];
