/* A long-lived Postgres connection owned by one thread, re-made when it is lost. */
#ifndef COMMON_DBCONN_H
#define COMMON_DBCONN_H

#include <stddef.h>

#include <libpq-fe.h>

/* What dbconn_ensure() did besides failing. */
enum dbconn_result {
    DBCONN_KEPT = 0, /* OF_OK: *c was connected and is kept */
    DBCONN_NEW = 1,  /* *c is a new session: whatever the lost one held (session advisory locks,
                        LISTEN, SET) is gone */
};

/* Makes *c a live connection for a thread that keeps one across outages (the outbox relay, the
 * consumer loop): one whose status is CONNECTION_OK is kept; otherwise a lost one is closed and
 * db_connect(conninfo, app_name) makes a new one. *c NULL (not connected yet) is fine. Logs
 * nothing. Returns DBCONN_KEPT (OF_OK) or DBCONN_NEW, or OF_EUNAVAIL with the reason in err and
 * *c NULL (Postgres unreachable: try again later). */
int dbconn_ensure(PGconn **c, const char *conninfo, const char *app_name, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
