/* The HTTP connection guard (see http_guard.h): open connections, their deadlines and clients,
 * the sweeper that cuts the overdue ones, and the summary of connections closed early. */
#include <errno.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "common/metrics.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

#include "http_guard.h"

#define SWEEP_MS       250 /* how often deadlines are checked */
#define SUMMARY_S      10  /* one summary line at most this often */
#define LOG_BURST      10  /* libmicrohttpd lines shown per summary interval */
#define OPEN_METRIC    "http_connections_open"
#define CLOSED_METRIC  "http_connections_closed_early_total"
#define REFUSED_METRIC "http_connections_refused_total"

/* Where a connection is in its life; every change goes through set_phase(). */
enum phase {
    PHASE_FIRST,   /* accepted; its first request is not complete: deadline from the accept */
    PHASE_REQUEST, /* a later request's line arrived: deadline from it */
    PHASE_SERVING, /* the request is complete: handled and answered, no deadline */
    PHASE_IDLE,    /* kept alive between requests: deadline for the next request line */
};

struct http_guard_conn {
    struct http_guard_conn *prev, *next;
    int fd;
    struct httpgate_addr peer;
    const struct httpgate_proxies *proxies; /* the guard's, for X-Forwarded-For */
    bool counted; /* holds one of its client's max_per_client connections */
    bool cut;     /* shut down by the sweeper */
    enum phase phase;
    double deadline; /* CLOCK_MONOTONIC seconds; 0: none */
};

/* One client address and the connections it holds (the node of a tsearch tree). */
struct client {
    struct httpgate_addr addr; /* first: the tree compares keys and nodes alike */
    unsigned n;
};

/* What one summary line reports; reset after each line. */
struct counts {
    unsigned timeouts, resets, errors; /* connections closed early, by why */
    unsigned refused;                  /* over max_per_client */
    unsigned suppressed;               /* libmicrohttpd lines not shown */
    unsigned shown;                    /* libmicrohttpd lines shown */
};

struct http_guard {
    struct http_guard_config cfg;
    pthread_mutex_t lock; /* everything below */
    pthread_cond_t wake;
    struct http_guard_conn *conns;
    size_t n_conns;
    void *clients; /* tsearch tree of struct client */
    struct counts counts;
    bool stopping;
    pthread_t sweeper;
};

/* ---- clients -------------------------------------------------------------------------------- */

static int client_cmp(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct httpgate_addr));
}

static unsigned client_count(struct http_guard *g, const struct httpgate_addr *a)
{
    struct client **found = tfind(a, &g->clients, client_cmp);
    return found ? (*found)->n : 0;
}

static void client_add(struct http_guard *g, const struct httpgate_addr *a)
{
    struct client *fresh = xcalloc(1, sizeof *fresh);
    fresh->addr = *a;
    struct client **node = tsearch(fresh, &g->clients, client_cmp);
    if (!node)
        abort(); /* out of memory */
    if (*node != fresh)
        free(fresh);
    (*node)->n++;
}

static void client_drop(struct http_guard *g, const struct httpgate_addr *a)
{
    struct client **node = tfind(a, &g->clients, client_cmp);
    if (!node || --(*node)->n > 0)
        return;
    struct client *c = *node;
    tdelete(c, &g->clients, client_cmp);
    free(c);
}

/* ---- connections ---------------------------------------------------------------------------- */

/* Moves c to phase p, with the deadline that phase has. Called with the lock held. */
static void set_phase(struct http_guard *g, struct http_guard_conn *c, enum phase p)
{
    double now = time_monotonic_s();
    c->phase = p;
    switch (p) {
    case PHASE_FIRST:
    case PHASE_REQUEST:
        c->deadline = now + g->cfg.request_timeout_s;
        break;
    case PHASE_SERVING:
        c->deadline = 0;
        break;
    case PHASE_IDLE: /* the idle timeout closes a silent one first; this cuts a dribbler */
        c->deadline = now + g->cfg.idle_timeout_s + g->cfg.request_timeout_s;
        break;
    }
}

static void count_closed(struct http_guard *g, const char *reason)
{
    if (!g->cfg.metrics)
        return;
    char labels[64];
    metrics_labels(labels, sizeof labels, "reason", reason, NULL);
    metrics_inc(g->cfg.metrics, CLOSED_METRIC, labels, 1);
}

bool http_guard_admit(struct http_guard *g, const struct sockaddr *sa)
{
    struct httpgate_addr a;
    if (g->cfg.max_per_client == 0 || httpgate_addr_from_sockaddr(sa, &a) != 0 ||
        httpgate_proxies_contains(g->cfg.proxies, &a))
        return true;
    pthread_mutex_lock(&g->lock);
    bool ok = client_count(g, &a) < g->cfg.max_per_client;
    if (!ok)
        g->counts.refused++;
    pthread_mutex_unlock(&g->lock);
    if (!ok && g->cfg.metrics)
        metrics_inc(g->cfg.metrics, REFUSED_METRIC, "reason=\"per_client\"", 1);
    return ok;
}

struct http_guard_conn *http_guard_open(struct http_guard *g, int fd, const struct sockaddr *sa)
{
    struct http_guard_conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->proxies = g->cfg.proxies;
    bool known = httpgate_addr_from_sockaddr(sa, &c->peer) == 0;
    c->counted =
        known && g->cfg.max_per_client > 0 && !httpgate_proxies_contains(g->cfg.proxies, &c->peer);
    pthread_mutex_lock(&g->lock);
    set_phase(g, c, PHASE_FIRST);
    c->next = g->conns;
    if (g->conns)
        g->conns->prev = c;
    g->conns = c;
    g->n_conns++;
    if (c->counted)
        client_add(g, &c->peer);
    pthread_mutex_unlock(&g->lock);
    return c;
}

void http_guard_close(struct http_guard *g, struct http_guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    g->n_conns--;
    if (c->counted)
        client_drop(g, &c->peer);
    if (c->cut)
        g->counts.timeouts++;
    pthread_mutex_unlock(&g->lock);
    if (c->cut)
        count_closed(g, "timeout");
    free(c);
}

void http_guard_request_line(struct http_guard *g, struct http_guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->phase == PHASE_IDLE)
        set_phase(g, c, PHASE_REQUEST);
    pthread_mutex_unlock(&g->lock);
}

void http_guard_serving(struct http_guard *g, struct http_guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    set_phase(g, c, PHASE_SERVING);
    pthread_mutex_unlock(&g->lock);
}

void http_guard_request_done(struct http_guard *g, struct http_guard_conn *c,
                             enum http_guard_end end)
{
    static const char *const reasons[] = {[GUARD_END_TIMEOUT] = "timeout",
                                          [GUARD_END_RESET] = "client_reset",
                                          [GUARD_END_ERROR] = "error"};
    bool early = end != GUARD_END_OK && !(c && c->cut); /* a cut one counts when it closes */
    pthread_mutex_lock(&g->lock);
    if (c)
        set_phase(g, c, PHASE_IDLE);
    if (early && end == GUARD_END_TIMEOUT)
        g->counts.timeouts++;
    else if (early && end == GUARD_END_RESET)
        g->counts.resets++;
    else if (early)
        g->counts.errors++;
    pthread_mutex_unlock(&g->lock);
    if (early)
        count_closed(g, reasons[end]);
}

void http_guard_suppressed(struct http_guard *g)
{
    pthread_mutex_lock(&g->lock);
    g->counts.suppressed++;
    pthread_mutex_unlock(&g->lock);
}

bool http_guard_may_log(struct http_guard *g)
{
    pthread_mutex_lock(&g->lock);
    bool ok = g->counts.shown < LOG_BURST;
    if (ok)
        g->counts.shown++;
    else
        g->counts.suppressed++;
    pthread_mutex_unlock(&g->lock);
    return ok;
}

const struct httpgate_addr *http_guard_peer(const struct http_guard_conn *c)
{
    return &c->peer;
}

const struct httpgate_proxies *http_guard_conn_proxies(const struct http_guard_conn *c)
{
    return c->proxies;
}

/* ---- the sweeper ---------------------------------------------------------------------------- */

/* Shuts down every connection past its deadline; libmicrohttpd then sees the socket end and
 * closes the connection itself, and http_guard_close() counts it. The socket is still open: it
 * is closed only after libmicrohttpd's close notification, which takes the lock we hold. */
static void cut_overdue(struct http_guard *g, double now)
{
    for (struct http_guard_conn *c = g->conns; c; c = c->next) {
        if (c->cut || c->deadline == 0 || now < c->deadline || c->fd < 0)
            continue;
        c->cut = true;
        if (shutdown(c->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
            log_debug(NULL, "http: cannot shut down an overdue connection: %s", strerror(errno));
    }
}

/* Logs what the counts say, if anything, as one line: "http, last 10 s: 1062 connections closed
 * early (timeouts 1040, client resets 22, errors 0); 300 connections refused over the per-client
 * limit; 4 libmicrohttpd messages not shown". */
static void log_summary(const struct counts *k)
{
    unsigned closed = k->timeouts + k->resets + k->errors;
    struct buf b = {0};
    if (closed)
        buf_printf(&b, "; %u connections closed early (timeouts %u, client resets %u, errors %u)",
                   closed, k->timeouts, k->resets, k->errors);
    if (k->refused)
        buf_printf(&b, "; %u connections refused over the per-client limit", k->refused);
    if (k->suppressed)
        buf_printf(&b, "; %u libmicrohttpd messages not shown", k->suppressed);
    if (b.len > 2) /* each part starts with "; " */
        log_warn(NULL, "http, last %d s: %s", SUMMARY_S, b.data + 2);
    buf_free(&b);
}

static void *sweep(void *arg)
{
    struct http_guard *g = arg;
    double next_summary = time_monotonic_s() + SUMMARY_S;
    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        struct timespec until = time_monotonic_deadline(SWEEP_MS);
        pthread_cond_timedwait(&g->wake, &g->lock, &until);
        double now = time_monotonic_s();
        cut_overdue(g, now);
        size_t open = g->n_conns;
        struct counts k = {0};
        if (now >= next_summary || g->stopping) {
            k = g->counts;
            memset(&g->counts, 0, sizeof g->counts);
            next_summary = now + SUMMARY_S;
        }
        pthread_mutex_unlock(&g->lock);
        if (g->cfg.metrics)
            metrics_set(g->cfg.metrics, OPEN_METRIC, "", (double)open);
        log_summary(&k);
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static void declare_metrics(struct metrics *m)
{
    if (!m)
        return;
    metrics_declare(m, OPEN_METRIC, METRIC_GAUGE, "Open HTTP connections.", NULL, 0);
    metrics_declare(m, CLOSED_METRIC, METRIC_COUNTER,
                    "HTTP connections closed before their request was answered, by reason "
                    "(timeout, client_reset, error).",
                    NULL, 0);
    metrics_declare(m, REFUSED_METRIC, METRIC_COUNTER,
                    "HTTP connections refused at accept, by reason (per_client).", NULL, 0);
}

static int init_sync(struct http_guard *g)
{
    pthread_condattr_t attr;
    if (pthread_mutex_init(&g->lock, NULL) != 0)
        return -1;
    if (pthread_condattr_init(&attr) != 0)
        goto fail;
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&g->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (rc == 0)
        return 0;
fail:
    pthread_mutex_destroy(&g->lock);
    return -1;
}

struct http_guard *http_guard_new(const struct http_guard_config *cfg, char *err, size_t errlen)
{
    struct http_guard *g = xcalloc(1, sizeof *g);
    g->cfg = *cfg;
    declare_metrics(cfg->metrics);
    if (init_sync(g) != 0) {
        snprintf(err, errlen, "cannot set up the connection guard's lock");
        free(g);
        return NULL;
    }
    int rc = pthread_create(&g->sweeper, NULL, sweep, g);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the connection sweeper: %s", strerror(rc));
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        free(g);
        return NULL;
    }
    return g;
}

void http_guard_free(struct http_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->sweeper, NULL);
    /* the server closed every connection before; anything left is freed all the same */
    while (g->conns) {
        struct http_guard_conn *c = g->conns;
        g->conns = c->next;
        free(c);
    }
    tdestroy(g->clients, free);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
