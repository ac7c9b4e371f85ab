/* http-flood: the attacker of integration.http_flood. Opens many TCP connections to one port from
 * one loopback address and holds them, idle or dribbling a request one header line at a time
 * (slowloris), then prints one line of what the server did to them:
 *   opened=N connected=C closed_fast=F closed=K max_alive_s=X still_open=O answered=A
 * (closed_fast: within 1 s of connecting, i.e. refused; answered: the server sent bytes).
 * Every socket is closed when it exits, however it exits. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct sock {
    int fd;
    bool connected, closed, answered;
    double opened_at, closed_at;
};

struct opts {
    const char *mode; /* "idle" or "slowloris" */
    const char *from;
    int port;
    int count;
    double seconds;
    double interval; /* slowloris: seconds between header lines */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: http-flood idle|slowloris --from ADDR --port PORT --count N "
                    "--seconds S [--interval S]\n");
    return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
    if (argc < 2)
        return -1;
    o->mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--from") == 0)
            o->from = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            o->port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--count") == 0)
            o->count = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            o->seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--interval") == 0)
            o->interval = atof(argv[i + 1]);
        else
            return -1;
    }
    bool known = strcmp(o->mode, "idle") == 0 || strcmp(o->mode, "slowloris") == 0;
    return known && o->from && o->port > 0 && o->count > 0 && o->seconds > 0 ? 0 : -1;
}

/* Room for count sockets: the soft open-file limit up to the hard one. */
static void raise_nofile(int count)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)count + 64;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            perror("setrlimit");
    }
}

/* Starts a non-blocking connect from o->from; returns the socket or -1. */
static int start_connect(const struct opts *o)
{
    struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, o->from, &src.sin_addr) != 1)
        return -1;
    dst.sin_port = htons((uint16_t)o->port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
        (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void mark_closed(struct sock *s, double t)
{
    if (s->closed)
        return;
    s->closed = true;
    s->closed_at = t;
}

/* Sends on one socket; a failure means the server has closed it. */
static void send_line(struct sock *s, const char *line, double t)
{
    if (s->closed || !s->connected)
        return;
    if (send(s->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
        mark_closed(s, t);
}

/* Handles what poll() reported for s. */
static void on_event(struct sock *s, short revents, const struct opts *o, double t)
{
    if (!s->connected && (revents & (POLLOUT | POLLERR | POLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            mark_closed(s, t);
            return;
        }
        s->connected = true;
        if (strcmp(o->mode, "slowloris") == 0)
            send_line(s, "GET /healthz HTTP/1.1\r\nHost: flood\r\n", t);
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    char buf[4096];
    ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0)
        s->answered = true;
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        mark_closed(s, t);
}

static void run(struct sock *socks, int n, const struct opts *o)
{
    struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
    if (!pfd)
        abort();
    double start = now_s(), next_line = start + o->interval;
    unsigned line_no = 0;
    for (double t = start; t - start < o->seconds; t = now_s()) {
        for (int i = 0; i < n; i++) {
            pfd[i].fd = socks[i].closed ? -1 : socks[i].fd;
            pfd[i].events = socks[i].connected ? POLLIN : POLLOUT;
            pfd[i].revents = 0;
        }
        if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
            break;
        t = now_s();
        for (int i = 0; i < n; i++)
            if (pfd[i].revents)
                on_event(&socks[i], pfd[i].revents, o, t);
        if (strcmp(o->mode, "slowloris") == 0 && o->interval > 0 && t >= next_line) {
            char line[64];
            snprintf(line, sizeof line, "X-Slow-%u: 1\r\n", line_no++);
            for (int i = 0; i < n; i++)
                send_line(&socks[i], line, t);
            next_line = t + o->interval;
        }
    }
    free(pfd);
}

static void report(const struct sock *socks, int n, int opened, double end)
{
    int connected = 0, fast = 0, closed = 0, open = 0, answered = 0;
    double max_alive = 0;
    for (int i = 0; i < n; i++) {
        const struct sock *s = &socks[i];
        connected += s->connected;
        answered += s->answered;
        double alive = (s->closed ? s->closed_at : end) - s->opened_at;
        if (alive > max_alive)
            max_alive = alive;
        if (s->closed) {
            closed++;
            fast += alive < 1.0;
        } else {
            open++;
        }
    }
    printf("opened=%d connected=%d closed_fast=%d closed=%d max_alive_s=%.1f still_open=%d "
           "answered=%d\n",
           opened, connected, fast, closed, max_alive, open, answered);
}

int main(int argc, char **argv)
{
    struct opts o = {.interval = 2};
    if (parse(argc, argv, &o) != 0)
        return usage();
    raise_nofile(o.count);
    struct sock *socks = calloc((size_t)o.count, sizeof *socks);
    if (!socks)
        return 1;
    int n = 0;
    for (int i = 0; i < o.count; i++) {
        int fd = start_connect(&o);
        if (fd < 0)
            continue;
        socks[n].fd = fd;
        socks[n].opened_at = now_s();
        n++;
    }
    run(socks, n, &o);
    report(socks, n, n, now_s());
    for (int i = 0; i < n; i++)
        close(socks[i].fd);
    free(socks);
    return 0;
}
