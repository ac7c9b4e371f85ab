/* saga-load: the open-loop load generator of bench/saga. Places orders (POST /v1/orders with an
 * Idempotency-Key) at a constant arrival rate for a given time, whatever the answers do: order i
 * is due at t0 + i / rate and every latency is measured from that scheduled moment, so a slow
 * answer delays no later send and hides no latency (requests wait for one of --connections
 * keep-alive connections inside libcurl's multi handle, and that wait is counted). A Kafka
 * consumer started before the first POST, at the end of every partition of order.approved.v1,
 * order.delivered.v1 and the failure topics, stamps each order's approval, its delivery and its
 * first failure (with order.cancelled.v1's reason); orders are matched by the order_id of the 202
 * body. Each order is followed to DELIVERED: figures are reported to APPROVED (as before the
 * delivery existed) and to DELIVERED, with the orders that were approved and then stopped short
 * (cancelled, e.g. NO_PARTNER_AVAILABLE). Prints a report, then one `summary k=v ...` line for the
 * driver.
 *
 * Usage: saga-load --url URL --brokers HOST:PORT --rate R --duration S --customers FILE
 *                  --items FILE [--grace S] [--connections N] [--timeout S] [--run ID]
 *                  [--records FILE]
 *   --customers: one "TOKEN ADDRESS_ID" a line; --items: one "OUTLET_ID ITEM_ID" a line.
 *   Order i is placed by customer i mod M for item i mod K, qty 1, paid with tok_ok.
 *   --records: one line per order: index sched_ms post_ms http order_id end_ms outcome
 *              d_end_ms d_outcome (end/outcome: APPROVED or the failure before it; d_: DELIVERED
 *              or the failure that stopped the order, "order.cancelled.v1:REASON"; -1 and "-"
 *              when nothing came).
 * Exit status: 0 when the run was carried out (whatever the figures), 1 when it could not be
 * (bad arguments, no broker, no customer), 3 when some order did not reach DELIVERED. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define ID_LEN     36
#define REASON_LEN 40

/* The topics followed: the first is the approval, the last the delivery, those between the
 * saga's failure branches (order.cancelled.v1 also after the approval: no partner). */
static const char *const topics[] = {"order.approved.v1",  "order.rejected.v1",
                                     "order.cancelled.v1", "inventory.invalidated.v1",
                                     "payment.failed.v1",  "order.delivered.v1"};
#define N_TOPICS       (sizeof topics / sizeof topics[0])
#define KIND_APPROVED  0
#define KIND_CANCELLED 2
#define KIND_DELIVERED ((int)N_TOPICS - 1)
#define IS_FAILURE(k)  ((k) > KIND_APPROVED && (k) < KIND_DELIVERED)

struct opts {
    const char *url, *brokers, *customers, *items, *run, *records;
    double rate, duration, grace, timeout;
    long connections;
};

struct customer {
    char *auth;    /* "Authorization: Bearer ..." */
    char *address; /* address id */
};

struct item {
    char *outlet, *item;
};

struct order {
    double sched, started, answered; /* seconds from t0; answered < 0 until the POST ends */
    long http;                       /* status; 0 when the transfer failed */
    CURLcode curl;
    char id[ID_LEN + 1];     /* from the 202 body; empty otherwise */
    double end;              /* the approval, else the first failure; -1 until one came */
    int kind;                /* index in topics of that event, or -1 */
    double dend;             /* the delivery, else the first failure; -1 until one came */
    int dkind;               /* KIND_DELIVERED, a failure's index in topics, or -1 */
    char reason[REASON_LEN]; /* order.cancelled.v1's reason, when that was the failure */
};

/* One POST in flight. */
struct xfer {
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    char *resp;
    size_t resp_len;
    size_t index;
};

/* An order's events by order id: open addressing, written by the consumer thread, read by main.
 * Times are -1 until the event came; a failure is the first one that came. */
struct event_slot {
    char id[ID_LEN + 1];
    double approved, delivered, failed;
    int fail_kind;
    char reason[REASON_LEN];
};
static struct event_slot *events;
static size_t events_cap; /* a power of two */
static size_t events_dropped;
static size_t events_by_kind[N_TOPICS];
static size_t events_unparsed;
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool consumer_stop;
static struct timespec t0;

static double since_t0(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - t0.tv_sec) + (double)(ts.tv_nsec - t0.tv_nsec) / 1e9;
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "saga-load: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        die("%s", "out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        die("%s", "out of memory");
    return p;
}

static size_t hash_id(const char *id)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < ID_LEN && id[i]; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
    return (size_t)h;
}

/* Stamps an event of an order: the first of each kind stands, and the first failure.
 * Called with events_lock held. */
static void event_put(const char *id, double at, int kind, const char *reason)
{
    size_t mask = events_cap - 1;
    for (size_t n = 0, i = hash_id(id) & mask; n < events_cap; n++, i = (i + 1) & mask) {
        struct event_slot *s = &events[i];
        if (s->id[0] == '\0') {
            memcpy(s->id, id, ID_LEN + 1);
            s->approved = s->delivered = s->failed = -1;
            s->fail_kind = -1;
        } else if (strcmp(s->id, id) != 0) {
            continue;
        }
        if (kind == KIND_APPROVED && s->approved < 0)
            s->approved = at;
        else if (kind == KIND_DELIVERED && s->delivered < 0)
            s->delivered = at;
        else if (IS_FAILURE(kind) && s->fail_kind < 0) {
            s->failed = at;
            s->fail_kind = kind;
            snprintf(s->reason, sizeof s->reason, "%s", reason ? reason : "");
        }
        return;
    }
    events_dropped++;
}

/* The slot of an order's terminal event, or NULL. Called with events_lock held. */
static const struct event_slot *event_get(const char *id)
{
    size_t mask = events_cap - 1;
    for (size_t n = 0, i = hash_id(id) & mask; n < events_cap; n++, i = (i + 1) & mask) {
        if (events[i].id[0] == '\0')
            return NULL;
        if (strcmp(events[i].id, id) == 0)
            return &events[i];
    }
    return NULL;
}

/* Copies what the slot says into the order: the approval (else the first failure) ends the
 * APPROVED stage, the delivery (else the first failure) the DELIVERED one. Called with
 * events_lock held. */
static void order_settle(struct order *o, const struct event_slot *s)
{
    if (s->approved >= 0) {
        o->end = s->approved;
        o->kind = KIND_APPROVED;
    } else if (s->fail_kind >= 0) {
        o->end = s->failed;
        o->kind = s->fail_kind;
    }
    if (s->delivered >= 0) {
        o->dend = s->delivered;
        o->dkind = KIND_DELIVERED;
        o->reason[0] = '\0';
    } else if (s->fail_kind >= 0) {
        o->dend = s->failed;
        o->dkind = s->fail_kind;
        memcpy(o->reason, s->reason, sizeof o->reason);
    }
}

/* Why approved orders stopped short of DELIVERED: a few distinct reasons, counted. */
#define REASONS_MAX 8
struct reasons {
    char name[REASONS_MAX][REASON_LEN + 32];
    size_t n[REASONS_MAX], count, other;
};

static void reasons_add(struct reasons *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->name[i], name) == 0) {
            r->n[i]++;
            return;
        }
    if (r->count == REASONS_MAX) {
        r->other++;
        return;
    }
    snprintf(r->name[r->count], sizeof r->name[0], "%s", name);
    r->n[r->count++] = 1;
}

static void reasons_print(const struct reasons *r)
{
    if (r->count == 0)
        return;
    printf(" (");
    for (size_t i = 0; i < r->count; i++)
        printf("%s%s %zu", i ? ", " : "", r->name[i], r->n[i]);
    if (r->other)
        printf(", other %zu", r->other);
    printf(")");
}

static int topic_kind(const char *name)
{
    for (size_t k = 0; k < N_TOPICS; k++)
        if (strcmp(topics[k], name) == 0)
            return (int)k;
    return -1;
}

static void consume_one(const rd_kafka_message_t *m)
{
    double at = since_t0();
    int kind = topic_kind(rd_kafka_topic_name(m->rkt));
    json_error_t jerr;
    json_t *env = json_loadb(m->payload, m->len, 0, &jerr);
    const json_t *data = json_object_get(env, "data");
    const char *id = json_string_value(json_object_get(data, "order_id"));
    const char *reason = json_string_value(json_object_get(data, "reason"));
    pthread_mutex_lock(&events_lock);
    if (kind < 0 || !id || strlen(id) != ID_LEN) {
        events_unparsed++;
    } else {
        events_by_kind[kind]++;
        event_put(id, at, kind, kind == KIND_CANCELLED ? reason : NULL);
    }
    pthread_mutex_unlock(&events_lock);
    json_decref(env);
}

static size_t consumer_errors;

static void *consumer_main(void *arg)
{
    rd_kafka_t *rk = arg;
    while (!atomic_load(&consumer_stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
            consume_one(m);
        else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            fprintf(stderr, "saga-load: consumer: %s\n", rd_kafka_message_errstr(m));
            pthread_mutex_lock(&events_lock);
            consumer_errors++;
            pthread_mutex_unlock(&events_lock);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* A consumer assigned every partition of the followed topics at its current high watermark, so
 * that it sees exactly the events produced from now on, however late its fetchers start. */
static rd_kafka_t *consumer_open(const char *brokers)
{
    char err[512], group[64];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    snprintf(group, sizeof group, "saga-load-%ld", (long)getpid());
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "fetch.error.backoff.ms", "50", err, sizeof err) !=
            RD_KAFKA_CONF_OK)
        die("kafka configuration: %s", err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        die("kafka consumer: %s", err);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(64);
    for (size_t k = 0; k < N_TOPICS; k++) {
        rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topics[k], NULL);
        const rd_kafka_metadata_t *md = NULL;
        if (!t)
            die("kafka topic %s", topics[k]);
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 10000);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 || md->topics[0].err ||
            md->topics[0].partition_cnt < 1)
            die("no metadata for topic %s (are the daemons up?)", topics[k]);
        for (int p = 0; p < md->topics[0].partition_cnt; p++) {
            int32_t id = md->topics[0].partitions[p].id;
            int64_t lo = 0, hi = 0;
            e = rd_kafka_query_watermark_offsets(rk, topics[k], id, &lo, &hi, 10000);
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
                die("watermarks of %s: %s", topics[k], rd_kafka_err2str(e));
            rd_kafka_topic_partition_list_add(list, topics[k], id)->offset = hi;
        }
        rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(t);
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        die("kafka assign: %s", rd_kafka_err2str(e));
    return rk;
}

/* Reads FILE's lines of two words into *ret (an array of two strings per line). */
static size_t read_pairs(const char *path, char ***ret)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open %s", path);
    size_t n = 0, cap = 64;
    char **v = xmalloc(cap * 2 * sizeof *v);
    char *line = NULL;
    size_t len = 0;
    while (getline(&line, &len, f) > 0) {
        char *save = NULL, *a = strtok_r(line, " \t\n", &save), *b = strtok_r(NULL, " \t\n", &save);
        if (!a || !b)
            continue;
        if (n == cap) {
            cap *= 2;
            char **w = realloc(v, cap * 2 * sizeof *v);
            if (!w)
                die("%s", "out of memory");
            v = w;
        }
        v[2 * n] = xstrdup(a);
        v[2 * n + 1] = xstrdup(b);
        n++;
    }
    free(line);
    fclose(f);
    *ret = v;
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = size * nmemb;
    if (x->resp_len + n > 65536)
        return 0; /* no answer of ours is that long */
    char *p = realloc(x->resp, x->resp_len + n + 1);
    if (!p)
        return 0;
    memcpy(p + x->resp_len, data, n);
    x->resp = p;
    x->resp_len += n;
    p[x->resp_len] = '\0';
    return n;
}

static struct xfer *xfer_start(CURLM *multi, const struct opts *o, const struct customer *c,
                               const struct item *it, size_t index)
{
    struct xfer *x = xmalloc(sizeof *x);
    char key[128], url[1024];
    x->index = index;
    x->easy = curl_easy_init();
    if (!x->easy)
        die("%s", "curl_easy_init failed");
    size_t blen = strlen(it->outlet) + strlen(it->item) + strlen(c->address) + 160;
    x->body = xmalloc(blen);
    snprintf(
        x->body, blen,
        "{\"outlet_id\":\"%s\",\"address_id\":\"%s\",\"items\":[{\"item_id\":\"%s\",\"qty\":1}],"
        "\"payment\":{\"method\":\"CARD\",\"token\":\"tok_ok\"}}",
        it->outlet, c->address, it->item);
    snprintf(key, sizeof key, "Idempotency-Key: %s-%zu", o->run, index);
    snprintf(url, sizeof url, "%s/v1/orders", o->url);
    struct curl_slist *h = NULL;
    const char *lines[] = {c->auth, key, "Content-Type: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        struct curl_slist *n = curl_slist_append(h, lines[i]);
        if (!n)
            die("%s", "curl_slist_append failed");
        h = n;
    }
    x->headers = h;
    if (curl_easy_setopt(x->easy, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000)) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK ||
        curl_multi_add_handle(multi, x->easy) != CURLM_OK)
        die("%s", "cannot set up a transfer");
    return x;
}

static void xfer_finish(CURLM *multi, struct xfer *x, CURLcode rc, struct order *ord)
{
    ord->answered = since_t0();
    ord->curl = rc;
    if (rc == CURLE_OK)
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &ord->http);
    if (ord->http == 202 && x->resp) {
        json_error_t jerr;
        json_t *b = json_loads(x->resp, 0, &jerr);
        const char *id = json_string_value(json_object_get(b, "order_id"));
        if (id && strlen(id) == ID_LEN)
            memcpy(ord->id, id, ID_LEN + 1);
        json_decref(b);
    }
    curl_multi_remove_handle(multi, x->easy);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(x->body);
    free(x->resp);
    free(x);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values, in ms. */
static double pct(const double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    size_t r = (size_t)ceil(q * (double)n);
    return v[r < 1 ? 0 : r - 1] * 1000;
}

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.grace = 30, .timeout = 10, .connections = 32, .run = "saga"};
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(k, "--url") == 0)
            o->url = v;
        else if (strcmp(k, "--brokers") == 0)
            o->brokers = v;
        else if (strcmp(k, "--customers") == 0)
            o->customers = v;
        else if (strcmp(k, "--items") == 0)
            o->items = v;
        else if (strcmp(k, "--run") == 0)
            o->run = v;
        else if (strcmp(k, "--records") == 0)
            o->records = v;
        else if (strcmp(k, "--rate") == 0)
            o->rate = strtod(v, NULL);
        else if (strcmp(k, "--duration") == 0)
            o->duration = strtod(v, NULL);
        else if (strcmp(k, "--grace") == 0)
            o->grace = strtod(v, NULL);
        else if (strcmp(k, "--timeout") == 0)
            o->timeout = strtod(v, NULL);
        else if (strcmp(k, "--connections") == 0)
            o->connections = strtol(v, NULL, 10);
        else
            return -1;
    }
    if (!o->url || !o->brokers || !o->customers || !o->items || !(o->rate > 0) ||
        !(o->duration > 0) || !(o->grace >= 0) || !(o->timeout > 0) || o->connections < 1)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: saga-load --url URL --brokers HOST:PORT --rate R --duration S "
                        "--customers FILE --items FILE [--grace S] [--connections N] "
                        "[--timeout S] [--run ID] [--records FILE]\n");
        return 1;
    }
    char **cv, **iv;
    size_t nc = read_pairs(o.customers, &cv), ni = read_pairs(o.items, &iv);
    if (nc == 0 || ni == 0)
        die("%s", "no customers or no items");
    struct customer *cust = xmalloc(nc * sizeof *cust);
    for (size_t i = 0; i < nc; i++) {
        size_t n = strlen(cv[2 * i]) + 32;
        cust[i].auth = xmalloc(n);
        snprintf(cust[i].auth, n, "Authorization: Bearer %s", cv[2 * i]);
        cust[i].address = cv[2 * i + 1];
        free(cv[2 * i]);
    }
    struct item *items = xmalloc(ni * sizeof *items);
    for (size_t i = 0; i < ni; i++)
        items[i] = (struct item){iv[2 * i], iv[2 * i + 1]};
    free(cv);
    free(iv);

    size_t total = (size_t)llround(o.rate * o.duration);
    if (total < 1)
        total = 1;
    struct order *orders = xmalloc(total * sizeof *orders);
    for (size_t i = 0; i < total; i++)
        orders[i] = (struct order){.sched = (double)i / o.rate,
                                   .answered = -1,
                                   .end = -1,
                                   .kind = -1,
                                   .dend = -1,
                                   .dkind = -1};
    for (events_cap = 1024; events_cap < 4 * total; events_cap *= 2)
        ;
    events = xmalloc(events_cap * sizeof *events);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        die("%s", "curl_global_init failed");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rd_kafka_t *rk = consumer_open(o.brokers);
    pthread_t consumer;
    if (pthread_create(&consumer, NULL, consumer_main, rk) != 0)
        die("%s", "cannot start the consumer thread");

    CURLM *multi = curl_multi_init();
    if (!multi || curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, o.connections) ||
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, o.connections))
        die("%s", "curl_multi_init failed");

    /* Sends: t0 is the first order's scheduled moment. */
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t next = 0, active = 0;
    double lag_max = 0;
    while (next < total || active > 0) {
        double now = since_t0();
        while (next < total && orders[next].sched <= now) {
            orders[next].started = now;
            if (now - orders[next].sched > lag_max)
                lag_max = now - orders[next].sched;
            xfer_start(multi, &o, &cust[next % nc], &items[next % ni], next);
            next++;
            active++;
        }
        int running;
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            die("%s", "curl_multi_perform failed");
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(multi, &queued))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct xfer *x = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            xfer_finish(multi, x, msg->data.result, &orders[x->index]);
            active--;
        }
        int wait_ms = 50;
        if (next < total) {
            double d = (orders[next].sched - since_t0()) * 1000;
            wait_ms = d <= 0 ? 0 : d < 50 ? (int)ceil(d) : 50;
        }
        if (wait_ms > 0 && curl_multi_poll(multi, NULL, 0, wait_ms, NULL) != CURLM_OK)
            die("%s", "curl_multi_poll failed");
    }
    double posts_done = since_t0();
    getrusage(RUSAGE_SELF, &ru1);

    /* Follows: until every accepted order is delivered or has failed, or the grace period is
     * over. An order's slot is read again each time: its approval may come after a failure's. */
    size_t accepted = 0, pending = 0, dpending = 0;
    for (;;) {
        accepted = pending = dpending = 0;
        pthread_mutex_lock(&events_lock);
        for (size_t i = 0; i < total; i++) {
            if (!orders[i].id[0])
                continue;
            accepted++;
            const struct event_slot *s = event_get(orders[i].id);
            if (s)
                order_settle(&orders[i], s);
            if (orders[i].kind < 0)
                pending++;
            if (orders[i].dkind < 0)
                dpending++;
        }
        pthread_mutex_unlock(&events_lock);
        if (dpending == 0 || since_t0() > posts_done + o.grace)
            break;
        usleep(50000);
    }
    atomic_store(&consumer_stop, true);
    pthread_join(consumer, NULL);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    curl_multi_cleanup(multi);

    /* Figures. */
    double *post = xmalloc(total * sizeof *post), *e2e = xmalloc(total * sizeof *e2e);
    double *d2e = xmalloc(total * sizeof *d2e), *a2d = xmalloc(total * sizeof *a2d);
    size_t np = 0, ne = 0, http[600] = {0}, timeouts = 0, transport = 0, by_kind[N_TOPICS] = {0};
    size_t no_id = 0, nd = 0, na2d = 0, stopped = 0;
    struct reasons stops = {0};
    double last_end = 0, last_dend = 0;
    for (size_t i = 0; i < total; i++) {
        struct order *r = &orders[i];
        if (r->curl == CURLE_OPERATION_TIMEDOUT) {
            timeouts++;
            continue;
        }
        if (r->curl != CURLE_OK) {
            transport++;
            continue;
        }
        if (r->http >= 0 && r->http < 600)
            http[r->http]++;
        post[np++] = r->answered - r->sched;
        if (r->http == 202 && !r->id[0])
            no_id++;
        if (r->kind >= 0)
            by_kind[r->kind]++;
        if (r->kind == KIND_APPROVED) {
            e2e[ne++] = r->end - r->sched;
            if (r->end > last_end)
                last_end = r->end;
        }
        if (r->dkind == KIND_DELIVERED) {
            d2e[nd++] = r->dend - r->sched;
            if (r->kind == KIND_APPROVED)
                a2d[na2d++] = r->dend - r->end;
            if (r->dend > last_dend)
                last_dend = r->dend;
        } else if (r->kind == KIND_APPROVED && r->dkind >= 0) {
            stopped++;
            reasons_add(&stops, r->reason[0] ? r->reason : topics[r->dkind]);
        }
    }
    qsort(post, np, sizeof *post, cmp_double);
    qsort(e2e, ne, sizeof *e2e, cmp_double);
    qsort(d2e, nd, sizeof *d2e, cmp_double);
    qsort(a2d, na2d, sizeof *a2d, cmp_double);
    double span = (double)(total - 1) / o.rate + 1 / o.rate;
    double sustained = ne && last_end > 0 ? (double)ne / last_end : 0;
    double d_sustained = nd && last_dend > 0 ? (double)nd / last_dend : 0;
    size_t d_pending = dpending - pending; /* approved, neither delivered nor failed */
    double gen_cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                     (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                     (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;

    printf("orders offered %zu at %.1f/s over %.1f s (sends done at %.2f s, latest send %.1f ms "
           "behind schedule)\n",
           total, o.rate, span, posts_done, lag_max * 1000);
    printf("POST answered %zu: 202 x %zu", np, http[202]);
    for (int c = 0; c < 600; c++)
        if (c != 202 && http[c])
            printf(", %d x %zu", c, http[c]);
    printf("; timeouts %zu, transport errors %zu, 202 without an order_id %zu\n", timeouts,
           transport, no_id);
    printf("approved %zu of %zu accepted; sustained %.1f approved/s (approved / time from the "
           "first scheduled send to the last approval)\n",
           ne, http[202], sustained);
    printf("not approved:");
    for (int k = KIND_APPROVED + 1; k < KIND_DELIVERED; k++)
        printf(" %s %zu,", topics[k], by_kind[k]);
    printf(" no terminal event within %.0f s of the last answer %zu\n", o.grace, pending);
    printf("latency ms POST alone   : p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", pct(post, np, .50),
           pct(post, np, .95), pct(post, np, .99), np ? post[np - 1] * 1000 : NAN);
    printf("latency ms POST->APPROVED: p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", pct(e2e, ne, .50),
           pct(e2e, ne, .95), pct(e2e, ne, .99), ne ? e2e[ne - 1] * 1000 : NAN);
    printf("delivered %zu of %zu approved; sustained %.1f delivered/s (delivered / time from the "
           "first scheduled send to the last delivery)\n",
           nd, ne, d_sustained);
    printf("approved but not delivered: stopped short %zu", stopped);
    reasons_print(&stops);
    printf(", no order.delivered.v1 within %.0f s of the last answer %zu\n", o.grace, d_pending);
    printf("latency ms POST->DELIVERED: p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n",
           pct(d2e, nd, .50), pct(d2e, nd, .95), pct(d2e, nd, .99), nd ? d2e[nd - 1] * 1000 : NAN);
    printf("latency ms APPROVED->DELIVERED (as seen on Kafka): p50 %.1f  p95 %.1f  p99 %.1f  max "
           "%.1f\n",
           pct(a2d, na2d, .50), pct(a2d, na2d, .95), pct(a2d, na2d, .99),
           na2d ? a2d[na2d - 1] * 1000 : NAN);
    printf("generator: %.2f CPU s while sending, %ld connections; events seen: approved %zu, "
           "unparsed %zu, dropped %zu, consumer errors %zu, delivered %zu\n",
           gen_cpu, o.connections, events_by_kind[KIND_APPROVED], events_unparsed, events_dropped,
           consumer_errors, events_by_kind[KIND_DELIVERED]);
    printf("summary rate=%.1f offered=%zu accepted=%zu approved=%zu sustained=%.1f "
           "post_p50=%.1f post_p95=%.1f post_p99=%.1f post_max=%.1f e2e_p50=%.1f e2e_p95=%.1f "
           "e2e_p99=%.1f e2e_max=%.1f timeouts=%zu transport=%zu non202=%zu pending=%zu "
           "failed=%zu gen_cpu=%.2f lag_max_ms=%.1f",
           o.rate, total, http[202], ne, sustained, pct(post, np, .50), pct(post, np, .95),
           pct(post, np, .99), np ? post[np - 1] * 1000 : NAN, pct(e2e, ne, .50), pct(e2e, ne, .95),
           pct(e2e, ne, .99), ne ? e2e[ne - 1] * 1000 : NAN, timeouts, transport, np - http[202],
           pending, http[202] - ne - pending, gen_cpu, lag_max * 1000);
    printf(" delivered=%zu d_sustained=%.1f d_p50=%.1f d_p95=%.1f d_p99=%.1f d_max=%.1f "
           "ad_p50=%.1f ad_p99=%.1f stopped=%zu d_pending=%zu\n",
           nd, d_sustained, pct(d2e, nd, .50), pct(d2e, nd, .95), pct(d2e, nd, .99),
           nd ? d2e[nd - 1] * 1000 : NAN, pct(a2d, na2d, .50), pct(a2d, na2d, .99), stopped,
           d_pending);

    if (o.records) {
        FILE *f = fopen(o.records, "w");
        if (!f)
            die("cannot write %s", o.records);
        for (size_t i = 0; i < total; i++) {
            const struct order *r = &orders[i];
            fprintf(f, "%zu %.3f %.3f %ld %s %.3f %s %.3f %s%s%s\n", i, r->sched * 1000,
                    r->answered < 0 ? -1 : (r->answered - r->sched) * 1000, r->http,
                    r->id[0] ? r->id : "-", r->end < 0 ? -1 : (r->end - r->sched) * 1000,
                    r->kind < 0 ? "-" : topics[r->kind],
                    r->dend < 0 ? -1 : (r->dend - r->sched) * 1000,
                    r->dkind < 0 ? "-" : topics[r->dkind], r->reason[0] ? ":" : "", r->reason);
        }
        if (fclose(f) != 0)
            die("cannot write %s", o.records);
    }
    for (size_t i = 0; i < nc; i++) {
        free(cust[i].auth);
        free(cust[i].address);
    }
    for (size_t i = 0; i < ni; i++) {
        free(items[i].outlet);
        free(items[i].item);
    }
    free(cust);
    free(items);
    free(orders);
    free(events);
    free(post);
    free(e2e);
    free(d2e);
    free(a2d);
    curl_global_cleanup();
    return nd == total ? 0 : 3;
}
