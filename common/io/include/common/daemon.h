/* The daemon lifecycle every service shares: configuration, logging, database and migrations,
 * topics, outbox relay, consumer and HTTP, started in that order and stopped in reverse. */
#ifndef COMMON_DAEMON_H
#define COMMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"
#include "common/consumer.h"
#include "common/http.h"
#include "common/timers.h"

struct auth_verifier;
struct daemon;
struct db_pool;
struct metrics;
struct redis_client;

/* Settings every daemon has (the OF_* table in daemon.c). */
struct daemon_config {
    char *env;
    char *log_level;
    char *http_addr;
    long http_port;
    long http_threads;
    long http_max_body;
    long http_max_connections;
    long http_max_per_client;
    long http_request_timeout_s;
    long http_idle_timeout_s;
    char *http_trusted_proxies;
    char *database_url;
    char *migrations_url;
    char *migrations_dir;
    long db_pool_size;
    char *kafka_brokers;
    long kafka_partitions;
    long kafka_replication;
    long kafka_timeout_ms;
    long kafka_session_timeout_ms;
    long kafka_max_message_bytes;
    char *redis_host;
    long redis_port;
    long redis_timeout_ms;
    long outbox_batch;
    long outbox_poll_ms;
    long consumer_batch;
    long timer_poll_ms;
    long timer_batch;
    long retry_base_ms;
    long retry_max_ms;
    long retry_budget;
    long shutdown_timeout_ms;
    char *jwt_public_key;
    char *jwt_issuer;
    char *jwt_kid;
};

/* What makes one service different from another; main.c fills one and calls daemon_main. This is
 * the one service table: `<daemon> --describe` prints it, and the scripts, docker-compose.yml and
 * the Dockerfile derive from it or are checked against it (docs/operations.md). The topics a
 * service produces are not listed here: they are the rows of common/topics.c whose producer is
 * name. */
struct service_def {
    const char *name;       /* "order-svc": logs, client ids, consumer group, topics' producer */
    const char *schema;     /* "orders" */
    const char *migrations; /* subdirectory of OF_MIGRATIONS_DIR: "order" */
    const char *db_role;    /* "order_svc": the default database user */
    long default_port;      /* 8080 + the service's offset from OF_HTTP_PORT_BASE in the stack */
    const struct http_route *routes;
    size_t n_routes;
    const struct event_handler *handlers;
    size_t n_handlers;
    /* Durable timers (common/timers.h): one handler per kind; the timer thread runs only when
     * there is one. */
    const struct timer_kind *timers;
    size_t n_timers;
    /* The service's own OF_* settings, parsed like the common ones into a zeroed struct of
     * config_size bytes that daemon.svc_cfg points to; --help lists them after the common ones. */
    const struct config_var *config;
    size_t n_config;
    size_t config_size;
    /* Called once the database pool, Redis and the token verifier are up, before the relay,
     * consumer and HTTP start: builds the service's state in d->app. Returns 0, or -1 after
     * logging why (the daemon then exits 1). May be NULL. */
    int (*init)(struct daemon *d);
    /* Frees d->app after HTTP, the consumer and the relay have stopped. May be NULL. */
    void (*fini)(struct daemon *d);
};

/* The running daemon, as handlers see it through req->app / ctx->app. */
struct daemon {
    const struct service_def *def;
    struct daemon_config cfg;
    struct metrics *metrics;
    struct db_pool *pool;
    struct redis_client *redis;
    struct auth_verifier *verifier; /* bearer tokens; NULL when the service has no such routes */
    void *svc_cfg;                  /* the service's own settings (service_def.config) */
    void *app;                      /* the service's own state (service_def.init) */
};

/* Counts one request against key (namespaced by the caller, e.g. "otp:phone:+4420...") under
 * rule and sets the RateLimit-* headers on res. Returns true when the request may go on. When it
 * may not, res already holds the answer: 429 with Retry-After over the limit, or 503 when Redis
 * cannot be asked (rate-limited endpoints fail closed, DESIGN.md section 6). */
bool daemon_rate_limit(struct daemon *d, struct http_response *res, const char *key,
                       const struct ratelimit_rule *rule) __attribute__((warn_unused_result));

/* One key and the rule it is counted under, for daemon_rate_limits(). */
struct daemon_rate_check {
    const char *key;
    const struct ratelimit_rule *rule;
};
#define DAEMON_RATE_CHECKS_MAX 4

/* The same for a request counted against several keys (e.g. per client address and per phone),
 * 1 to DAEMON_RATE_CHECKS_MAX of them, in order, stopping at the first that refuses (the later
 * buckets are not spent on a refused request). Sets one set of RateLimit-* headers, those of the
 * policy closest to exhaustion (ratelimit_combine), and answers 429 when any refused, 503 when
 * Redis cannot be asked. Returns true when the request may go on. */
bool daemon_rate_limits(struct daemon *d, struct http_response *res,
                        const struct daemon_rate_check *checks, size_t n)
    __attribute__((warn_unused_result));

/* The same for a limit that only guards load (order placement, DESIGN.md section 6): when Redis
 * cannot be asked the request goes on without RateLimit-* headers and ratelimit_fail_open_total
 * counts it. Returns true when the request may go on; false with 429 in res over the limit. */
bool daemon_rate_limit_open(struct daemon *d, struct http_response *res, const char *key,
                            const struct ratelimit_rule *rule) __attribute__((warn_unused_result));

/* Parses arguments (--help, --version, --describe), then runs the daemon until SIGTERM or SIGINT.
 * --describe prints the service table row of def as one JSON object on stdout (name, version,
 * default_port, schema, role, migrations, produces, consumes with their dead-letter topics,
 * routes, settings) and returns 0. Returns the process exit status: 0 after a clean stop or
 * --help/--version/--describe, 2 for bad arguments or configuration, 1 when a dependency failed
 * at start-up or stdout could not be written. */
int daemon_main(int argc, char **argv, const struct service_def *def)
    __attribute__((warn_unused_result));

#endif
