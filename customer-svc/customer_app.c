/* customer-svc settings, state and lifecycle hooks (see customer_app.h). */
#include "customer_app.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/daemon.h"
#include "common/xalloc.h"
#include "customer.h"
#include "customer_otp.h"
#include "customer_rules.h"

#define DEV_OTP_SECRET "orderflow-dev-otp-secret-not-for-production"

#define CC(f) offsetof(struct customer_config, f)
const struct config_var customer_config_vars[] = {
    {"OF_JWT_PRIVATE_KEY", CONFIG_STRING, NULL,
     "PEM file of the EC P-256 private key that signs bearer tokens", CC(jwt_private_key), 0, 0,
     NULL},
    {"OF_JWT_TTL_S", CONFIG_INT, "900", "bearer token lifetime in seconds", CC(jwt_ttl_s), 60,
     AUTH_LIFETIME_MAX, NULL},
    {"OF_OTP_SECRET", CONFIG_STRING, "",
     "key of the OTP code hashes, hex or text of at least 16 bytes (required unless OF_ENV=dev)",
     CC(otp_secret), 0, 0, NULL},
    {"OF_OTP_RATE_PHONE", CONFIG_STRING, "3/10m", "OTP requests allowed per phone",
     CC(otp_rate_phone), 0, 0, NULL},
    {"OF_OTP_RATE_IP", CONFIG_STRING, "20/10m", "OTP requests allowed per client address",
     CC(otp_rate_ip), 0, 0, NULL},
    {"OF_OTP_RATE_VERIFY", CONFIG_STRING, "10/10m", "OTP verifications allowed per phone",
     CC(otp_rate_verify), 0, 0, NULL},
    {"OF_EVENT_MAX_SKEW_S", CONFIG_INT, "300",
     "seconds a consumed event's occurred_at may lie in the future (producer clock skew); later "
     "ones are dead-lettered",
     CC(event_max_skew_s), 0, 86400, NULL},
};
const size_t customer_n_config_vars = sizeof customer_config_vars / sizeof customer_config_vars[0];

int customer_sms_log(void *ctx, const char *phone, const char *code, const struct log_fields *log)
{
    (void)ctx;
    (void)code;
    char redacted[CUSTOMER_PHONE_SIZE];
    customer_rules_phone_redact(phone, redacted, sizeof redacted);
    log_info(log, "OTP sent to %s", redacted);
    return 0;
}

static int load_secret(struct daemon *d, struct customer_app *app)
{
    const struct customer_config *cfg = d->svc_cfg;
    const char *s = cfg->otp_secret;
    if (!s[0]) {
        if (!app->dev) {
            log_error(NULL, "OF_OTP_SECRET is required outside OF_ENV=dev");
            return -1;
        }
        log_warn(NULL, "OF_OTP_SECRET is not set: using the fixed development secret");
        s = DEV_OTP_SECRET;
    }
    if (customer_otp_secret_decode(s, &app->otp_secret, &app->otp_secret_len) != 0) {
        log_error(NULL, "OF_OTP_SECRET must hold at least %d bytes", CUSTOMER_OTP_SECRET_MIN);
        return -1;
    }
    return 0;
}

static int load_signer(struct daemon *d, struct customer_app *app)
{
    const struct customer_config *cfg = d->svc_cfg;
    char err[512];
    if (auth_signer_load(cfg->jwt_private_key, d->cfg.jwt_kid, d->cfg.jwt_issuer, cfg->jwt_ttl_s,
                         &app->signer, err, sizeof err) != 0) {
        log_error(NULL, "OF_JWT_PRIVATE_KEY: %s", err);
        return -1;
    }
    return 0;
}

static int load_rule(const char *name, const char *text, struct ratelimit_rule *ret)
{
    if (ratelimit_rule_parse(text, ret) == 0 && ret->limit > 0)
        return 0;
    log_error(NULL, "%s: expected N/Ws, N/Wm or N/Wh, e.g. 3/10m", name);
    return -1;
}

int customer_app_init(struct daemon *d)
{
    const struct customer_config *cfg = d->svc_cfg;
    struct customer_app *app = xcalloc(1, sizeof *app);
    d->app = app;
    app->dev = strcmp(d->cfg.env, "dev") == 0;
    app->token_ttl_s = cfg->jwt_ttl_s;
    app->event_max_skew_ms = (int64_t)cfg->event_max_skew_s * 1000;
    app->sms = customer_sms_log;
    if (!d->verifier) {
        log_error(NULL, "OF_JWT_PUBLIC_KEY is required");
        return -1;
    }
    if (load_signer(d, app) != 0 || load_secret(d, app) != 0)
        return -1;
    if (load_rule("OF_OTP_RATE_PHONE", cfg->otp_rate_phone, &app->rate_phone) != 0 ||
        load_rule("OF_OTP_RATE_IP", cfg->otp_rate_ip, &app->rate_ip) != 0 ||
        load_rule("OF_OTP_RATE_VERIFY", cfg->otp_rate_verify, &app->rate_verify) != 0)
        return -1;
    return 0;
}

void customer_app_fini(struct daemon *d)
{
    struct customer_app *app = d->app;
    if (!app)
        return;
    auth_signer_free(app->signer);
    if (app->otp_secret) {
        explicit_bzero(app->otp_secret, app->otp_secret_len);
        free(app->otp_secret);
    }
    free(app);
    d->app = NULL;
}
