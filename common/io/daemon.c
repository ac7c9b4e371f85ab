/* The daemon lifecycle: log and configuration -> database and migrations -> topics -> relay ->
 * consumer -> HTTP, then wait for SIGTERM/SIGINT and stop in reverse order; and --describe. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/apierror.h"
#include "common/auth.h"
#include "common/backoff.h"
#include "common/consumer.h"
#include "common/daemon.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/httpgate.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/migrate.h"
#include "common/outbox.h"
#include "common/redis.h"
#include "common/timefmt.h"
#include "common/topics.h"
#include "common/uuid.h"
#include "common/xalloc.h"

#define DC(field) offsetof(struct daemon_config, field)

static const struct config_var common_vars[] = {
    {"OF_ENV", CONFIG_ENUM, "dev",
     "deployment environment; dev allows conveniences for trying the stack", DC(env), 0, 0,
     "dev|test|prod"},
    {"OF_LOG_LEVEL", CONFIG_ENUM, "info", "lowest log level written", DC(log_level), 0, 0,
     "debug|info|warn|error"},
    {"OF_HTTP_ADDR", CONFIG_STRING, "0.0.0.0", "address the REST API listens on", DC(http_addr), 0,
     0, NULL},
    {"OF_HTTP_PORT", CONFIG_INT, NULL, "port the REST API listens on", DC(http_port), 1, 65535,
     NULL},
    {"OF_HTTP_THREADS", CONFIG_INT, "2", "HTTP worker threads", DC(http_threads), 1, 64, NULL},
    {"OF_HTTP_MAX_BODY", CONFIG_INT, "65536", "largest request body in bytes (413 above)",
     DC(http_max_body), 1024, 16777216, NULL},
    {"OF_HTTP_MAX_CONNECTIONS", CONFIG_INT, "4096",
     "open HTTP connections at most; beyond, new ones wait in the listen backlog (the open-file "
     "limit is raised to fit)",
     DC(http_max_connections), 64, 1000000, NULL},
    {"OF_HTTP_MAX_PER_CLIENT", CONFIG_INT, "64",
     "open HTTP connections per client address, trusted proxies exempt; beyond, refused at "
     "accept (0: no limit)",
     DC(http_max_per_client), 0, 1000000, NULL},
    {"OF_HTTP_REQUEST_TIMEOUT_S", CONFIG_INT, "10",
     "seconds a request's line, headers and body may take to arrive, however slowly they "
     "dribble in (from the connection's opening, or a later request's line); then the connection "
     "is cut",
     DC(http_request_timeout_s), 1, 3600, NULL},
    {"OF_HTTP_IDLE_TIMEOUT_S", CONFIG_INT, "30",
     "seconds an HTTP connection may stay silent (keep-alive between requests included)",
     DC(http_idle_timeout_s), 1, 3600, NULL},
    {"OF_HTTP_TRUSTED_PROXIES", CONFIG_STRING, "",
     "comma-separated IP addresses of the gateway(s) whose X-Forwarded-For names the client; "
     "empty: trust none",
     DC(http_trusted_proxies), 0, 0, NULL},
    {"OF_DATABASE_URL", CONFIG_STRING, NULL,
     "libpq connection string of the service's own login role", DC(database_url), 0, 0, NULL},
    {"OF_MIGRATIONS_URL", CONFIG_STRING, "",
     "connection used only to apply migrations at start-up (a role that may create roles); "
     "empty: OF_DATABASE_URL",
     DC(migrations_url), 0, 0, NULL},
    {"OF_MIGRATIONS_DIR", CONFIG_STRING, OF_DEFAULT_MIGRATIONS_DIR,
     "directory holding <service>/NNNN_name.sql", DC(migrations_dir), 0, 0, NULL},
    {"OF_DB_POOL_SIZE", CONFIG_INT, "4", "Postgres connections for HTTP handlers", DC(db_pool_size),
     1, 64, NULL},
    {"OF_KAFKA_BROKERS", CONFIG_STRING, "127.0.0.1:9092", "Kafka bootstrap servers",
     DC(kafka_brokers), 0, 0, NULL},
    {"OF_KAFKA_PARTITIONS", CONFIG_INT, "6", "partitions of the topics created at start-up",
     DC(kafka_partitions), 1, 1024, NULL},
    {"OF_KAFKA_REPLICATION", CONFIG_INT, "1", "replication factor of the topics created",
     DC(kafka_replication), 1, 16, NULL},
    {"OF_KAFKA_TIMEOUT_MS", CONFIG_INT, "30000",
     "Kafka delivery timeout (message.timeout.ms) and admin request timeout", DC(kafka_timeout_ms),
     1000, 600000, NULL},
    {"OF_KAFKA_SESSION_TIMEOUT_MS", CONFIG_INT, "45000",
     "how soon the consumer group notices a dead member and hands its partitions on",
     DC(kafka_session_timeout_ms), 6000, 300000, NULL},
    {"OF_KAFKA_MAX_MESSAGE_BYTES", CONFIG_INT, "1048576",
     "largest Kafka record batch: the max.message.bytes of the topics created; producers send "
     "records up to 1 KiB less, the consumer fetches records this large",
     DC(kafka_max_message_bytes), KAFKA_MAX_MESSAGE_BYTES_MIN, KAFKA_MAX_MESSAGE_BYTES_MAX, NULL},
    {"OF_REDIS_HOST", CONFIG_STRING, "127.0.0.1", "Redis host", DC(redis_host), 0, 0, NULL},
    {"OF_REDIS_PORT", CONFIG_INT, "6379", "Redis port", DC(redis_port), 1, 65535, NULL},
    {"OF_REDIS_TIMEOUT_MS", CONFIG_INT, "200", "Redis connect and command timeout",
     DC(redis_timeout_ms), 10, 10000, NULL},
    {"OF_OUTBOX_BATCH", CONFIG_INT, "256", "outbox rows published per batch", DC(outbox_batch), 1,
     10000, NULL},
    {"OF_OUTBOX_POLL_MS", CONFIG_INT, "500", "outbox poll interval when no NOTIFY arrives",
     DC(outbox_poll_ms), 10, 60000, NULL},
    {"OF_TIMER_POLL_MS", CONFIG_INT, "1000",
     "longest sleep of the timer thread between looks at the timers table (it is also woken when "
     "a timer is armed)",
     DC(timer_poll_ms), 10, 60000, NULL},
    {"OF_TIMER_BATCH", CONFIG_INT, "50", "timers fired per database transaction", DC(timer_batch),
     1, 10000, NULL},
    {"OF_CONSUMER_BATCH", CONFIG_INT, "128", "Kafka records handled per database transaction",
     DC(consumer_batch), 1, 10000, NULL},
    {"OF_RETRY_BASE_MS", CONFIG_INT, "100", "first backoff ceiling for a retryable failure",
     DC(retry_base_ms), 1, 60000, NULL},
    {"OF_RETRY_MAX_MS", CONFIG_INT, "10000", "largest backoff ceiling", DC(retry_max_ms), 1, 600000,
     NULL},
    {"OF_RETRY_BUDGET", CONFIG_INT, "8", "handler attempts per record before it is dead-lettered",
     DC(retry_budget), 1, 1000, NULL},
    {"OF_JWT_PUBLIC_KEY", CONFIG_STRING, "",
     "PEM file of the EC P-256 public key that verifies bearer tokens (customer-svc's key); "
     "required by services with authenticated routes",
     DC(jwt_public_key), 0, 0, NULL},
    {"OF_JWT_ISSUER", CONFIG_STRING, "orderflow", "the iss every token must carry", DC(jwt_issuer),
     0, 0, NULL},
    {"OF_JWT_KID", CONFIG_STRING, "orderflow-1", "the kid every token's header must carry",
     DC(jwt_kid), 0, 0, NULL},
    {"OF_SHUTDOWN_TIMEOUT_MS", CONFIG_INT, "10000",
     "longest a graceful stop may take before the process exits anyway", DC(shutdown_timeout_ms),
     100, 600000, NULL},
};

#define N_VARS (sizeof common_vars / sizeof common_vars[0])
_Static_assert(KAFKA_MAX_MESSAGE_BYTES_DEFAULT == 1048576,
               "OF_KAFKA_MAX_MESSAGE_BYTES's default is written out in the table");

/* The entry of vars (a copy of common_vars) named name. The table is this file's own, so a
 * missing name is a programming error: abort rather than patch the default of another entry. */
static struct config_var *var_named(struct config_var *vars, const char *name)
{
    for (size_t i = 0; i < N_VARS; i++)
        if (strcmp(vars[i].name, name) == 0)
            return &vars[i];
    fprintf(stderr, "daemon: %s is not in the configuration table\n", name);
    abort();
}

/* The table with this service's defaults filled in; the strings live in ret_port/ret_url. */
static void config_table(const struct service_def *def, struct config_var *vars, char *ret_port,
                         size_t port_len, char *ret_url, size_t url_len)
{
    memcpy(vars, common_vars, sizeof common_vars);
    snprintf(ret_port, port_len, "%ld", def->default_port);
    snprintf(ret_url, url_len, "postgresql://%s@127.0.0.1:5432/orderflow", def->db_role);
    var_named(vars, "OF_HTTP_PORT")->def = ret_port;
    var_named(vars, "OF_DATABASE_URL")->def = ret_url;
}

static void usage(const struct service_def *def, const struct config_var *vars, FILE *out)
{
    fprintf(
        out,
        "Usage: %s [--help] [--version] [--describe]\n\n"
        "orderflow %s: configured only through the environment.\n\n"
        "  --help      this text\n"
        "  --version   the name and version\n"
        "  --describe  the service as one JSON object on stdout: name, version, default_port,\n"
        "              schema, role, migrations, produces, consumes (each with its dlq),\n"
        "              routes, settings and the API error codes; the scripts build the service\n"
        "              table from it\n\n"
        "Environment:\n",
        def->name, def->name);
    config_print_help(vars, N_VARS, out);
    if (def->n_config)
        config_print_help(def->config, def->n_config, out);
}

/* Whether the topic table names this service as the producer of t. */
static bool produced_by(const struct topic_def *t, const struct service_def *def)
{
    return strcmp(t->producer, def->name) == 0;
}

/* v, or NULL (v released) when building it failed somewhere. */
static json_t *built(json_t *v, bool ok)
{
    if (ok)
        return v;
    json_decref(v);
    return NULL;
}

/* The topics of the topic table this service produces, as a new array of names. */
static json_t *describe_produces(const struct service_def *def)
{
    size_t n;
    const struct topic_def *all = topics_all(&n);
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < n; i++)
        if (produced_by(&all[i], def)) /* _append_new releases the value even on failure */
            ok = json_array_append_new(a, json_string(all[i].name)) == 0 && ok;
    return built(a, ok);
}

/* The consumed topics with their dead-letter topics: a new array of {topic, dlq}. */
static json_t *describe_consumes(const struct service_def *def)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < def->n_handlers; i++) {
        char dlq[TOPIC_NAME_MAX] = ""; /* left empty when the name does not fit */
        const char *topic = def->handlers[i].topic;
        ok = topics_dlq_name(topic, dlq, sizeof dlq) == 0 && ok;
        ok = json_array_append_new(a, json_pack("{s:s, s:s}", "topic", topic, "dlq", dlq)) == 0 &&
             ok;
    }
    return built(a, ok);
}

/* The role names of a route's role bits, as a new array ([] for a public route). */
static json_t *describe_roles(unsigned roles)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (unsigned bit = 1; bit <= AUTH_ROLES_ALL; bit <<= 1)
        if ((roles & bit) && auth_role_name(bit))
            ok = json_array_append_new(a, json_string(auth_role_name(bit))) == 0 && ok;
    return built(a, ok);
}

/* The service's route table (without /healthz, /readyz and /metrics, which every daemon serves):
 * a new array of {method, pattern, roles}. */
static json_t *describe_routes(const struct service_def *def)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < def->n_routes; i++) {
        const struct http_route *r = &def->routes[i];
        json_t *o = json_pack("{s:s, s:s}", "method", r->key.method, "pattern", r->key.pattern);
        ok = json_object_set_new(o, "roles", describe_roles(r->roles)) == 0 && ok;
        ok = json_array_append_new(a, o) == 0 && ok;
    }
    return built(a, ok);
}

/* Appends {name, default, help} for each of vars to a; default is null for a required one. */
static bool describe_vars(json_t *a, const struct config_var *vars, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        ok = json_array_append_new(a, json_pack("{s:s, s:s?, s:s}", "name", vars[i].name, "default",
                                                vars[i].def, "help",
                                                vars[i].help ? vars[i].help : "")) == 0 &&
             ok;
    return ok;
}

/* The common settings (with this service's defaults) and the service's own: a new array. */
static json_t *describe_settings(const struct service_def *def, const struct config_var *vars)
{
    json_t *a = json_array();
    bool ok = a != NULL && describe_vars(a, vars, N_VARS);
    ok = ok && describe_vars(a, def->config, def->n_config);
    return built(a, ok);
}

/* The API error table (common/apierror.h) every daemon answers from: a new array of
 * {code, status}; the OpenAPI documents list the same codes. */
static json_t *describe_errors(void)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (int e = 0; e < API_ERROR_COUNT; e++) {
        const struct api_error_def *d = api_error_get((enum api_error)e);
        ok = json_array_append_new(
                 a, json_pack("{s:s, s:i}", "code", d->code, "status", d->status)) == 0 &&
             ok;
    }
    return built(a, ok);
}

/* --describe: the service_def as one JSON object on stdout. Returns the exit status. */
static int describe(const struct service_def *def, const struct config_var *vars)
{
    json_t *d = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "name", def->name, "version",
                          OF_VERSION, "default_port", (json_int_t)def->default_port, "schema",
                          def->schema, "role", def->db_role, "migrations", def->migrations);
    bool ok = d != NULL; /* _set_new releases the value even on failure */
    ok = json_object_set_new(d, "produces", describe_produces(def)) == 0 && ok;
    ok = json_object_set_new(d, "consumes", describe_consumes(def)) == 0 && ok;
    ok = json_object_set_new(d, "routes", describe_routes(def)) == 0 && ok;
    ok = json_object_set_new(d, "settings", describe_settings(def, vars)) == 0 && ok;
    ok = json_object_set_new(d, "errors", describe_errors()) == 0 && ok;
    ok = ok && json_dumpf(d, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
    ok = ok && putchar('\n') != EOF && fflush(stdout) == 0;
    json_decref(d);
    if (!ok) {
        fprintf(stderr, "%s: cannot describe the service\n", def->name);
        return 1;
    }
    return 0;
}

/* Handles the command line. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const struct service_def *def,
                      const struct config_var *vars)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(def, vars, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("%s %s\n", def->name, OF_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--describe") == 0)
            return describe(def, vars);
        fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", def->name, argv[i]);
        return 2;
    }
    return -1;
}

/* Appends name to names unless it is there already (a service may consume what it produces). */
static void add_topic(char **names, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return;
    names[(*n)++] = xstrdup(name);
}

/* Collects the topics this service needs: what it produces (the topic table's rows with this
 * producer), what it consumes and the consumed topics' dead-letter topics, each once. Returns an
 * owned array of owned strings. */
static char **service_topics(const struct service_def *def, size_t *ret_n)
{
    size_t n_all, n = 0;
    const struct topic_def *all = topics_all(&n_all);
    char **names = xcalloc(n_all + 2 * def->n_handlers + 1, sizeof *names);
    for (size_t i = 0; i < n_all; i++)
        if (produced_by(&all[i], def))
            add_topic(names, &n, all[i].name);
    for (size_t i = 0; i < def->n_handlers; i++) {
        char dlq[TOPIC_NAME_MAX];
        add_topic(names, &n, def->handlers[i].topic);
        if (topics_dlq_name(def->handlers[i].topic, dlq, sizeof dlq) == 0)
            add_topic(names, &n, dlq);
    }
    *ret_n = n;
    return names;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* What the lifecycle owns beyond struct daemon. */
struct runtime {
    struct daemon d;
    struct kafka_producer *probe; /* readiness checks only */
    struct outbox_relay *relay;
    struct consumer *consumer;
    struct timers *timers;
    struct http_server *http;
    bool app_ready; /* the service's init ran and its fini is owed */
    char migrations_path[4096];
};

static int run_migrations(struct runtime *rt)
{
    const struct daemon_config *c = &rt->d.cfg;
    const char *url = c->migrations_url[0] ? c->migrations_url : c->database_url;
    char err[512];
    PGconn *conn = db_connect(url, rt->d.def->name, err, sizeof err);
    if (!conn) {
        log_error(NULL, "cannot connect to Postgres to apply migrations: %s", err);
        return OF_ERETRY;
    }
    int applied = 0;
    int rc = migrate_run(conn, rt->d.def->schema, rt->d.def->db_role, rt->migrations_path, &applied,
                         err, sizeof err);
    PQfinish(conn);
    if (rc != OF_OK) {
        log_error(NULL, "migrations in %s failed: %s", rt->migrations_path, err);
        return rc;
    }
    log_info(NULL, "migrations: %d applied from %s", applied, rt->migrations_path);
    return OF_OK;
}

/* Applies what is pending. On a restart nothing is: one check on a pool connection (the one the
 * first /readyz then finds) saves the admin connection and the migration lock's round trips. A
 * first start, where the service's role does not exist yet, runs the migrations as usual. */
static int apply_migrations(struct runtime *rt)
{
    PGconn *conn = db_pool_get(rt->d.pool, 1000);
    int rc = conn ? migrate_check(conn, rt->d.def->schema, rt->migrations_path) : OF_EUNAVAIL;
    db_pool_put(rt->d.pool, conn);
    if (rc == OF_OK) {
        log_info(NULL, "migrations: none pending in %s", rt->migrations_path);
        return OF_OK;
    }
    return run_migrations(rt);
}

static int create_topics(struct runtime *rt)
{
    const struct daemon_config *c = &rt->d.cfg;
    size_t n;
    char **names = service_topics(rt->d.def, &n);
    char err[512] = "";
    int rc = OF_OK;
    /* A broker that has only just started may answer metadata before its controller takes
     * topic creation: retry what is retryable for up to the Kafka timeout. */
    int64_t give_up = time_monotonic_ms() + c->kafka_timeout_ms;
    /* On a restart they all exist: one metadata request on the probe's connection (which the
     * first /readyz reuses) instead of an admin client and a CreateTopics round trip. */
    if (n > 0 && kafka_producer_has_topics(rt->probe, (const char *const *)names, n,
                                           (int)c->kafka_timeout_ms) == OF_OK) {
        log_info(NULL, "topics: %zu present", n);
        free_strings(names, n);
        return OF_OK;
    }
    for (unsigned attempt = 0; n > 0; attempt++) {
        rc = kafka_ensure_topics(c->kafka_brokers, (const char *const *)names, n,
                                 (int)c->kafka_partitions, (int)c->kafka_replication,
                                 (int)c->kafka_max_message_bytes, (int)c->kafka_timeout_ms, err,
                                 sizeof err);
        if (rc != OF_ERETRY || time_monotonic_ms() >= give_up)
            break;
        log_warn(NULL, "creating topics on %s: %s; retrying", c->kafka_brokers, err);
        backoff_sleep(&BACKOFF_BROKER_START, attempt);
    }
    if (rc != OF_OK)
        log_error(NULL, "cannot create topics on %s: %s", c->kafka_brokers, err);
    else
        log_info(NULL, "topics: %zu present", n);
    free_strings(names, n);
    return rc;
}

static bool needs_tokens(const struct service_def *def)
{
    for (size_t i = 0; i < def->n_routes; i++)
        if (def->routes[i].roles)
            return true;
    return false;
}

/* Loads the token verifier from OF_JWT_PUBLIC_KEY: required when a route declares roles, checked
 * whenever it is set. */
static int load_verifier(struct runtime *rt)
{
    const struct daemon_config *c = &rt->d.cfg;
    if (!c->jwt_public_key[0]) {
        if (!needs_tokens(rt->d.def))
            return 0;
        log_error(NULL, "OF_JWT_PUBLIC_KEY is required: %s has authenticated routes",
                  rt->d.def->name);
        return -1;
    }
    char err[512];
    if (auth_verifier_load(c->jwt_public_key, c->jwt_kid, c->jwt_issuer, 60, &rt->d.verifier, err,
                           sizeof err) != 0) {
        log_error(NULL, "OF_JWT_PUBLIC_KEY: %s", err);
        return -1;
    }
    return 0;
}

bool daemon_rate_limits(struct daemon *d, struct http_response *res,
                        const struct daemon_rate_check *checks, size_t n)
{
    struct ratelimit_decision dec[DAEMON_RATE_CHECKS_MAX], one;
    size_t done = 0;
    if (n == 0 || n > DAEMON_RATE_CHECKS_MAX)
        abort(); /* a programming error, as a bad format string would be */
    while (done < n) {
        if (redis_ratelimit_hit(d->redis, checks[done].key, checks[done].rule, &dec[done]) !=
            OF_OK) {
            http_reply_error(res, API_RATE_LIMITER_UNAVAILABLE, NULL, NULL);
            http_add_header(res, "Retry-After", "1");
            return false;
        }
        if (!dec[done++].allowed)
            break; /* the later rules' buckets are not spent on a refused request */
    }
    ratelimit_combine(dec, done, &one); /* one set of RateLimit-* headers: the tightest policy */
    http_ratelimit_headers(res, &one);
    if (!one.allowed)
        http_reply_error(res, API_RATE_LIMITED, NULL, NULL);
    return one.allowed;
}

bool daemon_rate_limit(struct daemon *d, struct http_response *res, const char *key,
                       const struct ratelimit_rule *rule)
{
    const struct daemon_rate_check check = {key, rule};
    return daemon_rate_limits(d, res, &check, 1);
}

bool daemon_rate_limit_open(struct daemon *d, struct http_response *res, const char *key,
                            const struct ratelimit_rule *rule)
{
    struct ratelimit_decision dec;
    if (redis_ratelimit_hit(d->redis, key, rule, &dec) != OF_OK) {
        metrics_inc(d->metrics, "ratelimit_fail_open_total", "", 1);
        return true;
    }
    http_ratelimit_headers(res, &dec);
    if (!dec.allowed)
        http_reply_error(res, API_RATE_LIMITED, NULL, NULL);
    return dec.allowed;
}

static const char *check(bool ok)
{
    return ok ? "ok" : "unavailable";
}

/* /readyz: every dependency reachable and every migration applied. */
static bool ready(void *ud, json_t *detail)
{
    struct runtime *rt = ud;
    bool pg = false, migrations = false;
    PGconn *conn = db_pool_get(rt->d.pool, 500);
    if (conn) {
        int rc = migrate_check(conn, rt->d.def->schema, rt->migrations_path);
        pg = rc == OF_OK || rc == OF_ENOTFOUND;
        migrations = rc == OF_OK;
        db_pool_put(rt->d.pool, conn);
    }
    bool kafka = kafka_producer_ping(rt->probe, 500) == OF_OK;
    bool redis = redis_ping(rt->d.redis) == OF_OK;
    bool relay = outbox_relay_running(rt->relay);
    bool consumer = consumer_running(rt->consumer);

    /* A detail that cannot be written (out of memory) counts as not ready. */
    bool written =
        json_object_set_new(detail, "postgres", json_string(check(pg))) == 0 &&
        json_object_set_new(detail, "migrations",
                            json_string(pg ? (migrations ? "ok" : "pending") : "unknown")) == 0 &&
        json_object_set_new(detail, "kafka", json_string(check(kafka))) == 0 &&
        json_object_set_new(detail, "redis", json_string(check(redis))) == 0 &&
        json_object_set_new(detail, "relay", json_string(relay ? "ok" : "starting")) == 0 &&
        json_object_set_new(detail, "consumer", json_string(consumer ? "ok" : "starting")) == 0;
    return written && pg && migrations && kafka && redis && relay && consumer;
}

static void declare_process_metrics(struct runtime *rt)
{
    char labels[128];
    metrics_declare(rt->d.metrics, "orderflow_build_info", METRIC_GAUGE,
                    "Service name and version; always 1.", NULL, 0);
    metrics_labels(labels, sizeof labels, "service", rt->d.def->name, "version", OF_VERSION, NULL);
    metrics_set(rt->d.metrics, "orderflow_build_info", labels, 1);
    metrics_declare(rt->d.metrics, "ratelimit_fail_open_total", METRIC_COUNTER,
                    "Requests let through unlimited because Redis could not be asked (limits "
                    "that only guard load fail open)",
                    NULL, 0);
    metrics_inc(rt->d.metrics, "ratelimit_fail_open_total", "", 0);
    metrics_declare(rt->d.metrics, "process_start_time_seconds", METRIC_GAUGE,
                    "Start time of the process since the Unix epoch in seconds.", NULL, 0);
    metrics_set(rt->d.metrics, "process_start_time_seconds", "", (double)time_now_ms() / 1000.0);
}

static int start_threads(struct runtime *rt)
{
    const struct daemon_config *c = &rt->d.cfg;
    const struct service_def *def = rt->d.def;
    char err[512] = "";

    const struct outbox_relay_config oc = {
        .conninfo = c->database_url,
        .schema = def->schema,
        .brokers = c->kafka_brokers,
        .client_id = def->name,
        .batch = (unsigned)c->outbox_batch,
        .poll_ms = (unsigned)c->outbox_poll_ms,
        .message_timeout_ms = (int)c->kafka_timeout_ms,
        .max_message_bytes = (int)c->kafka_max_message_bytes,
        .metrics = rt->d.metrics,
    };
    if (outbox_relay_start(&oc, &rt->relay, err, sizeof err) != OF_OK) {
        log_error(NULL, "outbox relay did not start: %s", err);
        return -1;
    }

    const struct consumer_config cc = {
        .conninfo = c->database_url,
        .schema = def->schema,
        .service = def->name,
        .brokers = c->kafka_brokers,
        .handlers = def->handlers,
        .n_handlers = def->n_handlers,
        .batch_max = (unsigned)c->consumer_batch,
        .backoff = {(uint32_t)c->retry_base_ms, (uint32_t)c->retry_max_ms},
        .retry_budget = (unsigned)c->retry_budget,
        .message_timeout_ms = (int)c->kafka_timeout_ms,
        .session_timeout_ms = (int)c->kafka_session_timeout_ms,
        .max_message_bytes = (int)c->kafka_max_message_bytes,
        .metrics = rt->d.metrics,
        .app = &rt->d,
    };
    if (consumer_start(&cc, &rt->consumer, err, sizeof err) != OF_OK) {
        log_error(NULL, "consumer did not start: %s", err);
        return -1;
    }

    const struct timers_config tc = {
        .conninfo = c->database_url,
        .schema = def->schema,
        .service = def->name,
        .kinds = def->timers,
        .n_kinds = def->n_timers,
        .batch = (unsigned)c->timer_batch,
        .poll_ms = (unsigned)c->timer_poll_ms,
        .retry_base_ms = (uint32_t)c->retry_base_ms,
        .retry_max_ms = (uint32_t)c->retry_max_ms,
        .metrics = rt->d.metrics,
        .app = &rt->d,
    };
    if (timers_start(&tc, &rt->timers, err, sizeof err) != OF_OK) {
        log_error(NULL, "timers did not start: %s", err);
        return -1;
    }

    const struct http_server_config hc = {
        .addr = c->http_addr,
        .port = (int)c->http_port,
        .threads = (unsigned)c->http_threads,
        .max_body = (size_t)c->http_max_body,
        .service = def->name,
        .verifier = rt->d.verifier,
        .max_connections = (unsigned)c->http_max_connections,
        .max_per_client = (unsigned)c->http_max_per_client,
        .request_timeout_s = (unsigned)c->http_request_timeout_s,
        .idle_timeout_s = (unsigned)c->http_idle_timeout_s,
        .trusted_proxies = c->http_trusted_proxies,
    };
    rt->http = http_server_start(&hc, def->routes, def->n_routes, &rt->d, rt->d.metrics, ready, rt,
                                 err, sizeof err);
    if (!rt->http) {
        log_error(NULL, "HTTP server did not start on %s:%ld: %s", c->http_addr, c->http_port, err);
        return -1;
    }
    return 0;
}

/* Brings every part up in order. Returns 0, or -1 after logging what failed. */
static int start(struct runtime *rt)
{
    const struct daemon_config *c = &rt->d.cfg;
    char err[512] = "";
    snprintf(rt->migrations_path, sizeof rt->migrations_path, "%s/%s", c->migrations_dir,
             rt->d.def->migrations);

    rt->d.metrics = metrics_new();
    declare_process_metrics(rt);
    if (load_verifier(rt) != 0)
        return -1;
    rt->d.pool = db_pool_new(c->database_url, rt->d.def->name, (unsigned)c->db_pool_size);
    if (!rt->d.pool) {
        log_error(NULL, "cannot set up the database pool");
        return -1;
    }
    if (apply_migrations(rt) != OF_OK)
        return -1;
    rt->probe = kafka_producer_new(c->kafka_brokers, rt->d.def->name, (int)c->kafka_timeout_ms,
                                   (int)c->kafka_max_message_bytes, err, sizeof err);
    if (!rt->probe) {
        log_error(NULL, "cannot create a Kafka client: %s", err);
        return -1;
    }
    if (create_topics(rt) != OF_OK)
        return -1;
    rt->d.redis = redis_client_new(c->redis_host, (int)c->redis_port, (int)c->redis_timeout_ms);
    if (!rt->d.redis) {
        log_error(NULL, "cannot set up the Redis client");
        return -1;
    }
    if (rt->d.def->init && rt->d.def->init(&rt->d) != 0)
        return -1;
    rt->app_ready = true;
    return start_threads(rt);
}

/* Stops everything start() made, in reverse order; safe on a partly started runtime. HTTP goes
 * first and completely (in-flight requests finish), because /readyz looks at the consumer and the
 * relay; outbox rows its last requests wrote are published by the relay below or the next start. */
static void stop(struct runtime *rt)
{
    if (rt->http)
        http_server_quiesce(rt->http);
    http_server_stop(rt->http);
    rt->http = NULL;
    timers_stop(rt->timers); /* finishes its round, commits */
    rt->timers = NULL;
    consumer_stop(rt->consumer); /* finishes its batch, commits, leaves the group */
    rt->consumer = NULL;
    outbox_relay_stop(rt->relay); /* finishes its batch, flushes the producer */
    rt->relay = NULL;
    if (rt->app_ready && rt->d.def->fini)
        rt->d.def->fini(&rt->d);
    rt->app_ready = false;
    redis_client_free(rt->d.redis);
    rt->d.redis = NULL;
    kafka_producer_free(rt->probe, 0);
    rt->probe = NULL;
    db_pool_free(rt->d.pool);
    rt->d.pool = NULL;
    auth_verifier_free(rt->d.verifier);
    rt->d.verifier = NULL;
    metrics_free(rt->d.metrics);
    rt->d.metrics = NULL;
}

/* Ends the process if a graceful stop hangs (a wedged broker must not keep a pod alive). arg is
 * the timeout in milliseconds itself, not a pointer: the thread may outlive daemon_main's frame. */
static void *shutdown_watchdog(void *arg)
{
    long ms = (long)(intptr_t)arg;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    log_error(NULL, "graceful stop took longer than %ld ms; exiting", ms);
    _exit(1);
    return NULL;
}

/* SIGTERM and SIGINT are blocked in every thread from the first moment and taken here: during
 * start-up nothing is held that could be lost (migrations are transactions, nothing is consumed
 * yet), so the process simply exits 0; once running, the main thread is told to stop in order. */
struct stop_signal {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    sigset_t set;
    int sig;      /* the signal taken, 0 until then */
    bool running; /* start-up finished: the main thread handles the stop */
};

static void *signal_thread(void *arg)
{
    struct stop_signal *s = arg;
    int sig = 0;
    while (sigwait(&s->set, &sig) != 0)
        ;
    pthread_mutex_lock(&s->lock);
    if (!s->running) {
        log_info(NULL, "%s received during start-up; exiting", strsignal(sig));
        _exit(0);
    }
    s->sig = sig;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Marks start-up finished and waits for the stop signal; returns it. */
static int wait_for_signal(struct stop_signal *s)
{
    pthread_mutex_lock(&s->lock);
    s->running = true;
    while (s->sig == 0)
        pthread_cond_wait(&s->cond, &s->lock);
    int sig = s->sig;
    pthread_mutex_unlock(&s->lock);
    return sig;
}

/* Blocks the stop signals in this thread, and so in every thread made after; until the signal
 * thread runs they stay pending. Ignores SIGPIPE (a client gone mid-reply). Returns 0 or -1. */
static int block_signals(struct stop_signal *s)
{
    if (sigemptyset(&s->set) != 0 || sigaddset(&s->set, SIGTERM) != 0 ||
        sigaddset(&s->set, SIGINT) != 0)
        return -1;
    if (pthread_sigmask(SIG_BLOCK, &s->set, NULL) != 0)
        return -1;
    return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0;
}

/* Starts the thread that takes the signals block_signals() blocked. Returns 0 or -1. */
static int watch_signals(struct stop_signal *s)
{
    pthread_t t;
    if (pthread_create(&t, NULL, signal_thread, s) != 0)
        return -1;
    return pthread_detach(t) == 0 ? 0 : -1;
}

/* Loads the common settings into d->cfg and the service's own into a new d->svc_cfg, then sets
 * the log level from OF_LOG_LEVEL. Runs before any thread exists: log_init is not thread-safe. */
static int load_config(struct daemon *d, const struct config_var *vars)
{
    const struct service_def *def = d->def;
    char err[512];
    enum log_level level;
    d->svc_cfg = xcalloc(1, def->config_size ? def->config_size : 1);
    if (config_load(vars, N_VARS, &d->cfg, config_getenv, NULL, err, sizeof err) != 0 ||
        (def->n_config && config_load(def->config, def->n_config, d->svc_cfg, config_getenv, NULL,
                                      err, sizeof err) != 0)) {
        log_error(NULL, "configuration: %s", err);
        return -1;
    }
    if (log_level_parse(d->cfg.log_level, &level) != 0) { /* the table's choices allow no other */
        log_error(NULL, "configuration: OF_LOG_LEVEL: unknown level");
        return -1;
    }
    struct httpgate_proxies *proxies; /* checked here to fail as configuration; HTTP parses it */
    if (httpgate_proxies_parse(d->cfg.http_trusted_proxies, &proxies, err, sizeof err) != 0) {
        log_error(NULL, "configuration: OF_HTTP_TRUSTED_PROXIES: %s", err);
        return -1;
    }
    httpgate_proxies_free(proxies);
    log_init(def->name, level);
    return 0;
}

static void free_config(struct daemon *d, const struct config_var *vars)
{
    config_free(vars, N_VARS, &d->cfg);
    if (d->svc_cfg && d->def->n_config)
        config_free(d->def->config, d->def->n_config, d->svc_cfg);
    free(d->svc_cfg);
    d->svc_cfg = NULL;
}

int daemon_main(int argc, char **argv, const struct service_def *def)
{
    struct config_var vars[N_VARS];
    char port[16], url[256];
    config_table(def, vars, port, sizeof port, url, sizeof url);
    int rc = parse_args(argc, argv, def, vars);
    if (rc >= 0)
        return rc;

    /* Logging, the signal mask and the configuration are set up while this is the only thread:
     * the signal thread logs, and log_init must not race with it. A stop signal arriving before
     * the signal thread runs stays pending and is taken as soon as it does. */
    log_init(def->name, LOG_INFO);
    static struct stop_signal stop_signal = {.lock = PTHREAD_MUTEX_INITIALIZER,
                                             .cond = PTHREAD_COND_INITIALIZER};
    if (block_signals(&stop_signal) != 0) {
        log_error(NULL, "cannot block the stop signals");
        return 1;
    }
    double t0 = time_monotonic_s();
    struct runtime rt = {.d.def = def};
    if (load_config(&rt.d, vars) != 0) {
        free_config(&rt.d, vars);
        return 2;
    }
    if (watch_signals(&stop_signal) != 0) {
        log_error(NULL, "cannot start the signal thread");
        free_config(&rt.d, vars);
        return 1;
    }
    log_info(NULL, "starting %s %s", def->name, OF_VERSION);
    if (start(&rt) != 0) {
        stop(&rt);
        free_config(&rt.d, vars);
        return 1;
    }
    log_info(NULL, "ready in %.1f ms on port %ld", (time_monotonic_s() - t0) * 1000.0,
             rt.d.cfg.http_port);

    int sig = wait_for_signal(&stop_signal);
    log_info(NULL, "%s received; stopping", strsignal(sig));
    pthread_t watchdog;
    void *timeout = (void *)(intptr_t)rt.d.cfg.shutdown_timeout_ms; /* the value: see the thread */
    if (pthread_create(&watchdog, NULL, shutdown_watchdog, timeout) != 0)
        log_warn(NULL, "no shutdown watchdog: a hung stop will not be cut short");
    else if (pthread_detach(watchdog) != 0)
        log_warn(NULL, "cannot detach the shutdown watchdog");
    double t1 = time_monotonic_s();
    stop(&rt);
    log_info(NULL, "stopped in %.1f ms", (time_monotonic_s() - t1) * 1000.0);
    free_config(&rt.d, vars);
    return 0;
}
