/* customer-token: the operator command that mints a bearer token for any role, admin included,
 * with customer-svc's private key (OF_JWT_PRIVATE_KEY). Whoever can read that key can already
 * sign anything; this only makes it convenient and keeps the claims right. Prints the token. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/timefmt.h"
#include "common/uuid.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: customer-token --role customer|business|partner|admin [--sub UUID]\n"
            "                      [--ttl SECONDS] [--issued-at UNIX_SECONDS]\n\n"
            "Prints a bearer token signed with customer-svc's key.\n"
            "  --sub        the account id (default: a new UUID)\n"
            "  --ttl        lifetime in seconds (default 900, at most 86400)\n"
            "  --issued-at  the iat claim (default: now), e.g. to reproduce a client's clock\n\n"
            "Environment: OF_JWT_PRIVATE_KEY (PEM file, required), OF_JWT_KID (default\n"
            "orderflow-1), OF_JWT_ISSUER (default orderflow).\n");
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* Parses a whole decimal number; returns 0 or -1. */
static int parse_long(const char *s, long long *ret)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end)
        return -1;
    *ret = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'}, {"sub", required_argument, NULL, 's'},
        {"ttl", required_argument, NULL, 't'},  {"issued-at", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    unsigned role = 0;
    char sub[UUID_STR_LEN] = "";
    long long ttl = 900, iat = time_now_ms() / 1000;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        if (c == 'r' && (role = auth_role_parse(optarg)) != 0)
            continue;
        if (c == 's' && uuid_valid(optarg)) {
            snprintf(sub, sizeof sub, "%s", optarg);
            continue;
        }
        if ((c == 't' && parse_long(optarg, &ttl) == 0) ||
            (c == 'i' && parse_long(optarg, &iat) == 0))
            continue;
        usage(c == 'h' ? stdout : stderr);
        return c == 'h' ? 0 : 2;
    }
    if (!role || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!sub[0])
        uuid_v7(sub);

    const char *path = getenv("OF_JWT_PRIVATE_KEY");
    if (!path || !*path) {
        fprintf(stderr, "customer-token: OF_JWT_PRIVATE_KEY is not set\n");
        return 2;
    }
    char err[512];
    struct auth_signer *signer = NULL;
    if (auth_signer_load(path, env_or("OF_JWT_KID", "orderflow-1"),
                         env_or("OF_JWT_ISSUER", "orderflow"), ttl, &signer, err,
                         sizeof err) != 0) {
        fprintf(stderr, "customer-token: OF_JWT_PRIVATE_KEY: %s\n", err);
        return 1;
    }
    char *token = NULL;
    int rc = auth_sign(signer, sub, role, iat, &token);
    auth_signer_free(signer);
    if (rc != 0) {
        fprintf(stderr, "customer-token: signing failed\n");
        return 1;
    }
    printf("%s\n", token);
    free(token);
    return 0;
}
