/* customer-svc HTTP: the route table, the helpers the handler files share, and the handlers of
 * OTP login and JWKS (the profile and address book are in customer_http_account.c, the feed in
 * customer_http_feed.c). Each handler is parse -> rules (customer_rules) -> boundary_run or
 * boundary_read (common/boundary.h: a pooled connection, the transaction, the error mapping and
 * its one log line) around a body that calls customer_store and customer_events -> reply
 * (customer_json). */
#include "customer_http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/auth.h"
#include "common/boundary.h"
#include "common/daemon.h"
#include "common/errors.h"
#include "common/xalloc.h"
#include "customer_app.h"
#include "customer_events.h"
#include "customer_otp.h"
#include "customer_rules.h"
#include "customer_store.h"

/* ---- Helpers shared by the handler files (customer_http.h) ---- */

struct customer_app *customer_http_app(struct http_request *req)
{
    return ((struct daemon *)req->app)->app;
}

struct customer_event_origin customer_http_origin(const struct http_request *req)
{
    return (struct customer_event_origin){req->trace.trace_id, req->request_id};
}

void customer_http_path_id(struct http_request *req, char ret[UUID_STR_LEN])
{
    const char *id = route_param(&req->params, "id");
    snprintf(ret, UUID_STR_LEN, "%s", id && strlen(id) < UUID_STR_LEN ? id : "");
}

#define RATE_KEY_SIZE 160

/* The Redis key of an OTP limit: "otp:<kind>:<who>" (who a normalised phone or an address). */
static void rate_key(char key[RATE_KEY_SIZE], const char *kind, const char *who)
{
    snprintf(key, RATE_KEY_SIZE, "otp:%s:%s", kind, who);
}

/* One request against the OTP limit rule, keyed "otp:<kind>:<who>". */
static bool rate_limit(struct http_request *req, struct http_response *res, const char *kind,
                       const char *who, const struct ratelimit_rule *rule)
{
    char key[RATE_KEY_SIZE];
    rate_key(key, kind, who);
    return daemon_rate_limit(req->app, res, key, rule);
}

/* ---- POST /v1/auth/otp ---- */

struct otp_put {
    const char *phone;
    unsigned role;
    const struct customer_otp_record *rec;
};

static int otp_put_tx(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    const struct otp_put *p = ud;
    return customer_store_otp_put(c, p->phone, p->role, p->rec);
}

/* Makes, stores and sends a code; replies 202 or the error. */
static void otp_issue(struct http_request *req, struct http_response *res,
                      const struct customer_otp_request *in)
{
    struct customer_app *app = customer_http_app(req);
    char code[CUSTOMER_OTP_CODE_DIGITS + 1];
    struct customer_otp_record rec;
    if (customer_otp_generate(customer_otp_system_random, NULL, code) != 0 ||
        customer_otp_record_init(app->otp_secret, app->otp_secret_len, in->phone, code,
                                 (int64_t)time(NULL), &rec) != 0) {
        http_reply_error(res, API_INTERNAL, "could not make a code", NULL);
        goto out;
    }
    struct otp_put p = {in->phone, in->role, &rec};
    if (!boundary_run(req, res, "otp.put", otp_put_tx, &p))
        goto out;
    if (app->sms(app->sms_ctx, in->phone, code, &req->log) != 0) {
        http_reply_error(res, API_SMS_UNAVAILABLE, NULL, NULL);
        goto out;
    }
    json_t *body = json_pack("{s:i}", "expires_in", CUSTOMER_OTP_TTL_S);
    if (body && app->dev && json_object_set_new(body, "dev_code", json_string(code)) != 0) {
        json_decref(body);
        body = NULL;
    }
    http_reply_body(req, res, 202, body);
out:
    explicit_bzero(code, sizeof code);
}

void customer_http_otp_request(struct http_request *req, struct http_response *res)
{
    struct customer_app *app = customer_http_app(req);
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct customer_otp_request in;
    struct jspec_error err;
    if (customer_rules_otp_request(body, &in, &err) != 0) {
        http_reply_jspec(res, &err);
        goto out;
    }
    /* Both limits, one set of RateLimit-* headers: the one closest to exhaustion. */
    char addr[INET6_ADDRSTRLEN + 1], ip_key[RATE_KEY_SIZE], phone_key[RATE_KEY_SIZE];
    http_client_address(req, addr, sizeof addr);
    rate_key(ip_key, "ip", addr);
    rate_key(phone_key, "phone", in.phone);
    const struct daemon_rate_check checks[] = {{ip_key, &app->rate_ip},
                                               {phone_key, &app->rate_phone}};
    if (!daemon_rate_limits(req->app, res, checks, 2))
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

/* Decides the attempt and writes its consequence; every outcome commits (a wrong code's
 * counter must stick), and verify_reply() answers from v->outcome. */
static int verify_tx(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
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

/* The answer for v->outcome once the attempt is committed. */
static void verify_reply(struct http_request *req, struct http_response *res,
                         const struct verify_tx *v)
{
    struct customer_app *app = customer_http_app(req);
    char *token = NULL, retry[32];
    int64_t now = (int64_t)time(NULL);
    switch (v->outcome) {
    case CUSTOMER_OTP_OK:
        if (auth_sign(app->signer, v->account.id, v->role, now, &token) != 0) {
            http_reply_error(res, API_INTERNAL, "could not sign a token", NULL);
            return;
        }
        http_reply_body(req, res, 200,
                        json_pack("{s:s, s:s, s:i, s:{s:s, s:s}}", "access_token", token,
                                  "token_type", "Bearer", "expires_in", (int)app->token_ttl_s,
                                  "account", "id", v->account.id, "role", auth_role_name(v->role)));
        free(token);
        return;
    case CUSTOMER_OTP_WRONG:
        http_reply_error(res, API_INVALID_CODE, NULL, "code");
        if (json_object_set_new(json_object_get(res->json, "error"), "attempts_left",
                                json_integer(v->attempts_left)) != 0)
            http_reply_error(res, API_INTERNAL, NULL, NULL);
        return;
    case CUSTOMER_OTP_LOCKED:
        snprintf(retry, sizeof retry, "%lld",
                 (long long)(v->expires_at > now ? v->expires_at - now : 1));
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

void customer_http_otp_verify(struct http_request *req, struct http_response *res)
{
    struct customer_app *app = customer_http_app(req);
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct customer_otp_verify in;
    struct jspec_error err;
    uint8_t presented[CUSTOMER_OTP_HASH_LEN];
    if (customer_rules_otp_verify(body, &in, &err) != 0) {
        http_reply_jspec(res, &err);
        goto out;
    }
    if (!rate_limit(req, res, "verify", in.phone, &app->rate_verify))
        goto out;
    if (customer_otp_hash(app->otp_secret, app->otp_secret_len, in.phone, in.code, presented) !=
        0) {
        http_reply_error(res, API_INVALID_VALUE, "the code is malformed", "code");
        goto out;
    }
    struct verify_tx v = {.phone = in.phone, .role = in.role, .presented = presented};
    v.origin = customer_http_origin(req);
    if (boundary_run(req, res, "otp.verify", verify_tx, &v))
        verify_reply(req, res, &v);
out:
    explicit_bzero(&in, sizeof in);
    json_decref(body);
}

/* ---- GET /.well-known/jwks.json ---- */

void customer_http_jwks(struct http_request *req, struct http_response *res)
{
    const char *doc = auth_signer_jwks(customer_http_app(req)->signer);
    res->status = 200;
    res->raw = xstrdup(doc);
    res->raw_len = strlen(doc);
    res->content_type = "application/json";
    http_add_header(res, "Cache-Control", "public, max-age=300");
}

#define ME_ROLES (AUTH_CUSTOMER | AUTH_BUSINESS | AUTH_PARTNER)

const struct http_route customer_routes[] = {
    {{"POST", "/v1/auth/otp"}, customer_http_otp_request, 0},
    {{"POST", "/v1/auth/verify"}, customer_http_otp_verify, 0},
    {{"GET", "/.well-known/jwks.json"}, customer_http_jwks, 0},
    {{"GET", "/v1/me"}, customer_http_me_get, ME_ROLES},
    {{"PATCH", "/v1/me"}, customer_http_me_patch, ME_ROLES},
    {{"GET", "/v1/me/addresses"}, customer_http_addr_list, AUTH_CUSTOMER},
    {{"POST", "/v1/me/addresses"}, customer_http_addr_create, AUTH_CUSTOMER},
    {{"GET", "/v1/me/addresses/{id}"}, customer_http_addr_get, AUTH_CUSTOMER},
    {{"PUT", "/v1/me/addresses/{id}"}, customer_http_addr_update, AUTH_CUSTOMER},
    {{"DELETE", "/v1/me/addresses/{id}"}, customer_http_addr_delete, AUTH_CUSTOMER},
    {{"GET", "/v1/feed"}, customer_http_feed, AUTH_CUSTOMER},
};
const size_t customer_n_routes = sizeof customer_routes / sizeof customer_routes[0];
