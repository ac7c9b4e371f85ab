/* customer-svc's own settings (OF_JWT_PRIVATE_KEY, OF_OTP_*, OF_EVENT_MAX_SKEW_S), its state (token
 * signer, OTP secret, rate-limit rules, SMS sender) and the lifecycle hooks that build and free it.
 */
#ifndef CUSTOMER_APP_H
#define CUSTOMER_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/log.h"
#include "common/ratelimit.h"

struct daemon;

/* customer-svc's own OF_* settings (service_def.config). */
struct customer_config {
    char *jwt_private_key; /* OF_JWT_PRIVATE_KEY: PEM file of the EC P-256 private key */
    long jwt_ttl_s;        /* OF_JWT_TTL_S */
    char *otp_secret;      /* OF_OTP_SECRET: hex or text, at least 16 bytes; "" only in dev */
    char *otp_rate_phone;  /* OF_OTP_RATE_PHONE: "3/10m" */
    char *otp_rate_ip;     /* OF_OTP_RATE_IP: "20/10m" */
    char *otp_rate_verify; /* OF_OTP_RATE_VERIFY: "10/10m" */
    long event_max_skew_s; /* OF_EVENT_MAX_SKEW_S: how far ahead an event's occurred_at may be */
};

extern const struct config_var customer_config_vars[];
extern const size_t customer_n_config_vars;

/* Sends code to phone. Returns 0, or a negative code when the message could not go out (the
 * request then answers 503). Must never log the code or the whole phone number. */
typedef int (*customer_sms_fn)(void *ctx, const char *phone, const char *code,
                               const struct log_fields *log);

/* The shipped sender: logs "OTP sent to +44********23" (customer_rules_phone_redact, never the
 * code). */
int customer_sms_log(void *ctx, const char *phone, const char *code, const struct log_fields *log);

/* The service state in daemon.app. */
struct customer_app {
    struct auth_signer *signer;
    uint8_t *otp_secret;
    size_t otp_secret_len;
    bool dev; /* OF_ENV=dev: the OTP answer carries dev_code */
    long token_ttl_s;
    struct ratelimit_rule rate_phone, rate_ip, rate_verify;
    int64_t event_max_skew_ms; /* consumed events dated later than now + this are dead letters */
    customer_sms_fn sms;
    void *sms_ctx;
};

/* service_def.init: reads the private key, makes the signer, decodes the OTP secret (a fixed dev
 * secret with a warning when unset in OF_ENV=dev), parses the rate-limit rules. Returns 0, or -1
 * after logging why. */
int customer_app_init(struct daemon *d);
/* service_def.fini: frees d->app (the secret scrubbed first). */
void customer_app_fini(struct daemon *d);

#endif
