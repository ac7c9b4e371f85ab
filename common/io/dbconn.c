/* A long-lived Postgres connection owned by one thread, re-made when it is lost. */
#include <libpq-fe.h>

#include "common/db.h"
#include "common/dbconn.h"
#include "common/errors.h"

int dbconn_ensure(PGconn **c, const char *conninfo, const char *app_name, char *err, size_t errlen)
{
    if (*c && PQstatus(*c) == CONNECTION_OK)
        return DBCONN_KEPT;
    PQfinish(*c); /* NULL is a no-op */
    *c = db_connect(conninfo, app_name, err, errlen);
    return *c ? DBCONN_NEW : OF_EUNAVAIL;
}
