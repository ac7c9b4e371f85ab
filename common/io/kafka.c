/* Kafka over librdkafka: the idempotent batch producer, topic creation and shared configuration.
 *
 * Delivery guarantees. kafka_produce_batch() reports a message as delivered (OF_OK) only when its
 * delivery report says the broker acknowledged it with acks=all; everything else is OF_ERETRY and
 * the caller keeps the message for a later attempt. Messages are enqueued in order and enqueueing
 * stops at the first one that fails (a full local queue is waited out, not a failure), so no
 * message is ever produced ahead of an earlier one of its batch. The idempotent producer keeps
 * per-partition order and drops the broker-side duplicates its own internal retries would cause;
 * duplicates caused by the caller re-producing a message are removed by the consumers' inbox. A
 * batch's kafka_msg array must stay alive until every delivery report arrived, which librdkafka
 * guarantees within message.timeout.ms; kafka_produce_batch() waits for all of them, so a
 * producer is used by one thread at a time and each user owns its own producer.
 *
 * Record sizes. The topics' max.message.bytes and the producers' message.max.bytes come from one
 * setting (kafka.h), so a record is never taken by a producer only to be refused by its topic. A
 * record that is too large anyway (a topic made elsewhere, by hand or by an older version) is
 * reported as OF_EPERMANENT, apart from the failures that may heal. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "common/errors.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

struct kafka_producer {
    rd_kafka_t *rk;
    int timeout_ms;
    /* The batch in hand, touched only by the delivery report callback, which runs inside
     * rd_kafka_poll() on the producing thread. */
    size_t reports;
    size_t failures;
    rd_kafka_resp_err_t first_err;
    const char *first_err_topic;
};

/* ---- record size limits ---- */

bool kafka_max_message_bytes_valid(long max_message_bytes)
{
    return max_message_bytes == 0 || (max_message_bytes >= KAFKA_MAX_MESSAGE_BYTES_MIN &&
                                      max_message_bytes <= KAFKA_MAX_MESSAGE_BYTES_MAX);
}

static int max_or_default(int max_message_bytes)
{
    return max_message_bytes ? max_message_bytes : KAFKA_MAX_MESSAGE_BYTES_DEFAULT;
}

size_t kafka_record_limit(int max_message_bytes)
{
    return (size_t)max_or_default(max_message_bytes) - KAFKA_BATCH_FRAMING;
}

size_t kafka_headers_size(const struct kafka_header *headers, size_t n)
{
    size_t size = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = headers[i].value ? headers[i].value : "";
        size += strlen(headers[i].name) + strlen(v) + 2 * 5; /* two varints of at most 5 bytes */
    }
    return size;
}

/* Whether librdkafka or the broker refused a message for its size: producing it again fails the
 * same way. */
static bool too_large(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
           e == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
}

static int check_max_message_bytes(int max_message_bytes, char *err, size_t errlen)
{
    if (kafka_max_message_bytes_valid(max_message_bytes))
        return OF_OK;
    snprintf(err, errlen,
             "kafka: the largest message must be 0 (default) or %d to %d bytes, not %d",
             KAFKA_MAX_MESSAGE_BYTES_MIN, KAFKA_MAX_MESSAGE_BYTES_MAX, max_message_bytes);
    return OF_EPERMANENT;
}

/* ---- configuration shared by producers and the consumer ---- */

/* librdkafka's syslog levels onto ours. Its "err" level (3) covers routine trouble such as a
 * refused connection while a broker restarts, so that is a warning here. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    enum log_level l = LOG_DEBUG;
    if (level <= 2)
        l = LOG_ERROR;
    else if (level <= 4)
        l = LOG_WARN;
    else if (level <= 6)
        l = LOG_INFO;
    LOG_AT(l, NULL, "librdkafka: %s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL)
        log_error(NULL, "kafka: fatal error: %s", reason);
    else
        log_warn(NULL, "kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                    size_t errlen)
{
    char why[256];
    if (rd_kafka_conf_set(conf, name, value, why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka config %s: %s", name, why);
        return OF_EPERMANENT;
    }
    return OF_OK;
}

rd_kafka_conf_t *kafka_conf_new(const char *brokers, const char *client_id, const char *const *kv,
                                char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (conf_set(conf, "bootstrap.servers", brokers, err, errlen) != OF_OK ||
        conf_set(conf, "client.id", client_id, err, errlen) != OF_OK ||
        conf_set(conf, "log.connection.close", "false", err, errlen) != OF_OK ||
        /* TCP_NODELAY: with Nagle a small request written while an earlier one is unacknowledged
         * waits for the peer's delayed ACK (tens of ms), and every saga hop is such requests. */
        conf_set(conf, "socket.nagle.disable", "true", err, errlen) != OF_OK)
        goto fail;
    for (size_t i = 0; kv && kv[i]; i += 2) {
        if (!kv[i + 1] || conf_set(conf, kv[i], kv[i + 1], err, errlen) != OF_OK)
            goto fail;
    }
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

/* ---- the producer ---- */

/* Runs inside rd_kafka_poll() on the producing thread: records the outcome in the kafka_msg given
 * as the message's opaque and counts the report for the batch. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct kafka_producer *p = opaque;
    struct kafka_msg *msg = m->_private;
    msg->status = !m->err ? OF_OK : too_large(m->err) ? OF_EPERMANENT : OF_ERETRY;
    if (m->err && p->failures++ == 0) {
        p->first_err = m->err;
        p->first_err_topic = msg->topic;
    }
    p->reports++;
}

struct kafka_producer *kafka_producer_new(const char *brokers, const char *client_id,
                                          int message_timeout_ms, int max_message_bytes, char *err,
                                          size_t errlen)
{
    if (message_timeout_ms <= 0) {
        snprintf(err, errlen, "kafka: message timeout must be positive");
        return NULL;
    }
    if (check_max_message_bytes(max_message_bytes, err, errlen) != OF_OK)
        return NULL;
    char timeout[16], max_bytes[24];
    snprintf(timeout, sizeof timeout, "%d", message_timeout_ms);
    snprintf(max_bytes, sizeof max_bytes, "%zu", kafka_record_limit(max_message_bytes));
    const char *const kv[] = {"enable.idempotence",
                              "true",
                              "acks",
                              "all",
                              "linger.ms",
                              "1",
                              "message.timeout.ms",
                              timeout,
                              "message.max.bytes",
                              max_bytes,
                              NULL};
    rd_kafka_conf_t *conf = kafka_conf_new(brokers, client_id, kv, err, errlen);
    if (!conf)
        return NULL;

    struct kafka_producer *p = xcalloc(1, sizeof *p);
    p->timeout_ms = message_timeout_ms;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    char why[512];
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!p->rk) {
        snprintf(err, errlen, "kafka producer: %s", why);
        rd_kafka_conf_destroy(conf); /* not taken on failure */
        free(p);
        return NULL;
    }
    return p;
}

int kafka_producer_renew(struct kafka_producer **p, const char *brokers, const char *client_id,
                         int message_timeout_ms, int max_message_bytes, char *err, size_t errlen)
{
    if (*p && !kafka_producer_failed(*p))
        return OF_OK;
    kafka_producer_free(*p, 0); /* a failed producer delivers nothing more: do not wait */
    *p = kafka_producer_new(brokers, client_id, message_timeout_ms, max_message_bytes, err, errlen);
    return *p ? OF_OK : OF_ERETRY;
}

/* Builds the header list of m; the caller owns it until rd_kafka_producev() succeeds. */
static rd_kafka_headers_t *make_headers(const struct kafka_msg *m)
{
    if (m->n_headers == 0)
        return NULL;
    rd_kafka_headers_t *h = rd_kafka_headers_new(m->n_headers);
    for (size_t i = 0; i < m->n_headers; i++) {
        const char *v = m->headers[i].value ? m->headers[i].value : "";
        rd_kafka_header_add(h, m->headers[i].name, -1, v, (ssize_t)strlen(v));
    }
    return h;
}

/* Enqueues one message; waits (serving delivery reports) while the local queue is full. */
static rd_kafka_resp_err_t enqueue(struct kafka_producer *p, struct kafka_msg *m)
{
    for (;;) {
        rd_kafka_headers_t *h = make_headers(m);
        rd_kafka_resp_err_t e =
            rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(m->topic), RD_KAFKA_V_KEY(m->key, m->key_len),
                              RD_KAFKA_V_VALUE((void *)m->value, m->value_len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                              RD_KAFKA_V_OPAQUE(m), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return e; /* the headers are librdkafka's now */
        if (h)
            rd_kafka_headers_destroy(h);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return e;
        rd_kafka_poll(p->rk, 100);
    }
}

/* Serves delivery reports until every enqueued message has one. librdkafka guarantees a report
 * within message.timeout.ms; should that ever fail, the queue is purged (which reports the
 * purged messages) rather than returning while reports could still write into the batch. */
static void await_reports(struct kafka_producer *p, size_t enqueued)
{
    int64_t deadline = time_monotonic_ms() + 2 * (int64_t)p->timeout_ms + 10000;
    bool purged = false;
    while (p->reports < enqueued) {
        rd_kafka_poll(p->rk, 100);
        if (!purged && time_monotonic_ms() > deadline) {
            log_error(NULL, "kafka: delivery reports overdue, purging the producer queue");
            rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            purged = true;
        }
    }
}

/* One line per failing batch rather than one per message. */
static void log_batch_failures(struct kafka_producer *p, size_t n, size_t enqueued,
                               rd_kafka_resp_err_t enqueue_err, const char *enqueue_topic)
{
    size_t failed = p->failures + (n - enqueued);
    if (failed == 0)
        return;
    rd_kafka_resp_err_t e = p->failures ? p->first_err : enqueue_err;
    const char *topic = p->failures ? p->first_err_topic : enqueue_topic;
    struct log_fields f = {.topic = topic};
    log_error(&f, "kafka: %zu of %zu messages not delivered: %s", failed, n, rd_kafka_err2str(e));
}

static bool fatal(struct kafka_producer *p)
{
    char why[256];
    if (rd_kafka_fatal_error(p->rk, why, sizeof why) == RD_KAFKA_RESP_ERR_NO_ERROR)
        return false;
    log_error(NULL, "kafka: producer has a fatal error: %s", why);
    return true;
}

/* Enqueues msgs in order and stops at the first that cannot be enqueued: producing the ones after
 * it could put a later message of a key ahead of an earlier one. Returns how many were enqueued;
 * *ret_err names the failure. */
static size_t enqueue_prefix(struct kafka_producer *p, struct kafka_msg *msgs, size_t n,
                             rd_kafka_resp_err_t *ret_err)
{
    for (size_t i = 0; i < n; i++) {
        *ret_err = enqueue(p, &msgs[i]);
        if (*ret_err != RD_KAFKA_RESP_ERR_NO_ERROR)
            return i;
    }
    return n;
}

size_t kafka_produce_batch(struct kafka_producer *p, struct kafka_msg *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        msgs[i].status = OF_ERETRY; /* until a delivery report says otherwise */
    if (n == 0 || fatal(p))
        return 0;
    p->reports = p->failures = 0;
    p->first_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    p->first_err_topic = NULL;

    rd_kafka_resp_err_t enqueue_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    size_t enqueued = enqueue_prefix(p, msgs, n, &enqueue_err);
    if (enqueued < n && too_large(enqueue_err))
        msgs[enqueued].status = OF_EPERMANENT;
    await_reports(p, enqueued);
    log_batch_failures(p, n, enqueued, enqueue_err, enqueued < n ? msgs[enqueued].topic : NULL);

    size_t delivered = 0;
    for (size_t i = 0; i < n; i++)
        delivered += msgs[i].status == OF_OK;
    return delivered;
}

bool kafka_producer_failed(struct kafka_producer *p)
{
    char why[16];
    return p && rd_kafka_fatal_error(p->rk, why, sizeof why) != RD_KAFKA_RESP_ERR_NO_ERROR;
}

int kafka_producer_ping(struct kafka_producer *p, int timeout_ms)
{
    /* Serves queued events (errors, logs), which would otherwise pile up on a producer used
     * only for pings. Such a producer may be pinged from several threads (no delivery report can
     * run); one that produces is pinged only by the thread that produces. */
    rd_kafka_poll(p->rk, 0);
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(p->rk, 0, NULL, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return OF_ERETRY;
    rd_kafka_metadata_destroy(md);
    return OF_OK;
}

/* True when md lists topic without an error. */
static bool metadata_has(const struct rd_kafka_metadata *md, const char *topic)
{
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, topic) == 0)
            return md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    return false;
}

int kafka_producer_has_topics(struct kafka_producer *p, const char *const *names, size_t n,
                              int timeout_ms)
{
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(p->rk, 1, NULL, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return OF_ERETRY;
    int rc = OF_OK;
    for (size_t i = 0; i < n && rc == OF_OK; i++)
        rc = metadata_has(md, names[i]) ? OF_OK : OF_ENOTFOUND;
    rd_kafka_metadata_destroy(md);
    return rc;
}

void kafka_producer_free(struct kafka_producer *p, int timeout_ms)
{
    if (!p)
        return;
    rd_kafka_resp_err_t e = rd_kafka_flush(p->rk, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        log_warn(NULL, "kafka: flush at shutdown: %s", rd_kafka_err2str(e));
    rd_kafka_destroy(p->rk);
    free(p);
}

/* ---- topic creation ---- */

/* Broker unavailability and timeouts may heal; anything else (bad partition count, replication
 * factor above the broker count, policy violations) will not. */
static int classify_admin_err(rd_kafka_resp_err_t e)
{
    switch (e) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
    /* A KRaft broker that has just started answers this until it has registered with its
     * controller ("only 0 broker(s) are registered"); the caller retries for a bounded time. */
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
        return OF_ERETRY;
    default:
        return OF_EPERMANENT;
    }
}

/* Reads the CreateTopics result event: OF_OK when every topic exists now. */
static int check_create_result(rd_kafka_event_t *ev, char *err, size_t errlen)
{
    rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "create topics: %s", rd_kafka_event_error_string(ev));
        return classify_admin_err(e);
    }
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    if (!res) {
        snprintf(err, errlen, "create topics: unexpected result event");
        return OF_ERETRY;
    }
    size_t cnt = 0;
    const rd_kafka_topic_result_t **topics = rd_kafka_CreateTopics_result_topics(res, &cnt);
    for (size_t i = 0; i < cnt; i++) {
        e = rd_kafka_topic_result_error(topics[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            continue;
        const char *why = rd_kafka_topic_result_error_string(topics[i]);
        snprintf(err, errlen, "create topic %s: %s", rd_kafka_topic_result_name(topics[i]),
                 why ? why : rd_kafka_err2str(e));
        return classify_admin_err(e);
    }
    return OF_OK;
}

/* Makes the NewTopic objects, each with max.message.bytes max_bytes; returns OF_OK or
 * OF_EPERMANENT with err. */
static int new_topics(const char *const *names, size_t n, int partitions, int replication,
                      const char *max_bytes, rd_kafka_NewTopic_t **ret, char *err, size_t errlen)
{
    char why[256];
    for (size_t i = 0; i < n; i++) {
        ret[i] = rd_kafka_NewTopic_new(names[i], partitions, replication, why, sizeof why);
        if (!ret[i]) {
            snprintf(err, errlen, "topic %s: %s", names[i], why);
            return OF_EPERMANENT;
        }
        rd_kafka_resp_err_t e =
            rd_kafka_NewTopic_set_config(ret[i], "max.message.bytes", max_bytes);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(err, errlen, "topic %s: max.message.bytes: %s", names[i], rd_kafka_err2str(e));
            return OF_EPERMANENT;
        }
    }
    return OF_OK;
}

/* Sends the request on a temporary handle and waits for its result. */
static int create_topics(rd_kafka_t *rk, rd_kafka_NewTopic_t **topics, size_t n, int timeout_ms,
                         char *err, size_t errlen)
{
    char why[256];
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    if (rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, why, sizeof why) ||
        rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, why, sizeof why)) {
        snprintf(err, errlen, "create topics: %s", why);
        rd_kafka_AdminOptions_destroy(opts);
        return OF_EPERMANENT;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, topics, n, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
    int rc;
    if (!ev) {
        snprintf(err, errlen, "create topics: no answer from the broker in %d ms", timeout_ms);
        rc = OF_ERETRY;
    } else {
        rc = check_create_result(ev, err, errlen);
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(opts);
    return rc;
}

int kafka_ensure_topics(const char *brokers, const char *const *names, size_t n, int partitions,
                        int replication, int max_message_bytes, int timeout_ms, char *err,
                        size_t errlen)
{
    if (n == 0)
        return OF_OK;
    if (check_max_message_bytes(max_message_bytes, err, errlen) != OF_OK)
        return OF_EPERMANENT;
    char max_bytes[16];
    snprintf(max_bytes, sizeof max_bytes, "%d", max_or_default(max_message_bytes));
    rd_kafka_conf_t *conf = kafka_conf_new(brokers, "orderflow-admin", NULL, err, errlen);
    if (!conf)
        return OF_EPERMANENT;
    char why[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!rk) {
        snprintf(err, errlen, "kafka admin client: %s", why);
        rd_kafka_conf_destroy(conf);
        return OF_EPERMANENT;
    }
    rd_kafka_NewTopic_t **topics = xcalloc(n, sizeof *topics);
    int rc = new_topics(names, n, partitions, replication, max_bytes, topics, err, errlen);
    if (rc == OF_OK)
        rc = create_topics(rk, topics, n, timeout_ms, err, errlen);
    for (size_t i = 0; i < n; i++) {
        if (topics[i])
            rd_kafka_NewTopic_destroy(topics[i]);
    }
    free(topics);
    rd_kafka_destroy(rk);
    return rc;
}
