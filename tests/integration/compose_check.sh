#!/usr/bin/env bash
# Offline check of docker-compose.yml and the Dockerfile: parses the stack with `docker-compose
# config` (no Docker engine needed) and asserts its shape. Neither file can run a daemon, so both
# write the service table out; this checks every copy against the build: the daemons it lists
# (services.list, from the foreach of CMakeLists.txt, which must match the <name>/main.c
# directories of the source tree) and what each built daemon's --describe says (name, port,
# database role). Exit 0 pass, 1 fail, 77 skip.
#
# usage: compose_check.sh [REPO_DIR [BUILD_DIR]]   (default: the repository holding this script,
#        and $OF_BUILD_DIR or REPO_DIR/build)
set -euo pipefail

REPO=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${2:-${OF_BUILD_DIR:-$REPO/build}}
COMPOSE_FILE_IN="$REPO/docker-compose.yml"
DOCKERFILE="$REPO/Dockerfile"
INFRA=(kafka postgres redis)

if command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
else
    echo "SKIP: neither docker-compose nor the docker compose plugin is installed"
    exit 77
fi

failures=0
pass() { echo "ok    $*"; }
fail() {
    echo "FAIL  $*"
    failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: runs the command; its status decides pass or fail.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$COMPOSE_FILE_IN" "$DOCKERFILE"; do
    if [[ ! -f $f ]]; then
        echo "FAIL  $f does not exist"
        exit 1
    fi
done
command -v jq >/dev/null 2>&1 || {
    echo "FAIL  jq is required"
    exit 1
}

# ---- the service table, from the build -----------------------------------------------------
echo "== the service table: $BUILD/services.list and each daemon's --describe"
[[ -r $BUILD/services.list ]] || {
    echo "FAIL  no $BUILD/services.list: build first (cmake --build), or give BUILD_DIR"
    exit 1
}
mapfile -t DAEMONS < <(grep -v '^[[:space:]]*$' "$BUILD/services.list")
PORTS=() ROLES=()
for s in "${DAEMONS[@]}"; do
    if ! desc=$("$BUILD/$s" --describe </dev/null) ||
        ! row=$(jq -er --arg s "$s" 'select(.name == $s) | [.default_port, .role] | @tsv' \
            <<<"$desc"); then
        echo "FAIL  $BUILD/$s --describe does not describe $s"
        exit 1
    fi
    IFS=$'\t' read -r port role <<<"$row"
    PORTS+=("$port") ROLES+=("$role")
done
pass "the build lists ${#DAEMONS[@]} daemons: ${DAEMONS[*]}"
sources=$(for f in "$REPO"/*/main.c; do
    grep -q 'daemon_main(' "$f" && basename "$(dirname "$f")"
done | sort)
check "the build's list is the source tree's <name>/main.c daemons ($(echo $sources))" \
    test "$(printf '%s\n' "${DAEMONS[@]}" | sort)" == "$sources"
check "no two daemons share a default_port (${PORTS[*]})" \
    test "$(printf '%s\n' "${PORTS[@]}" | sort -u | wc -l)" -eq "${#DAEMONS[@]}"

# ---- parse -------------------------------------------------------------------------------------
echo "== ${COMPOSE[*]} -f $COMPOSE_FILE_IN config"
# A fixed password so the check does not depend on the caller's environment.
if ! POSTGRES_PASSWORD=compose-check "${COMPOSE[@]}" -f "$COMPOSE_FILE_IN" config \
    >"$tmp/config.yml" 2>"$tmp/config.err"; then
    cat "$tmp/config.err"
    echo "FAIL  docker-compose config rejected the file"
    exit 1
fi
pass "docker-compose config parses the file"
if grep -qi 'warn' "$tmp/config.err"; then
    cat "$tmp/config.err"
    fail "docker-compose config printed warnings"
fi

# The normalized YAML to JSON: Debian's yq is a jq wrapper; PyYAML comes with docker-compose.
if command -v yq >/dev/null 2>&1 && yq . "$tmp/config.yml" >"$tmp/config.json" 2>/dev/null; then
    :
elif python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' \
    <"$tmp/config.yml" >"$tmp/config.json" 2>/dev/null; then
    :
else
    echo "FAIL  cannot convert the normalized YAML to JSON (need yq or python3-yaml)"
    exit 1
fi
# q [jq options...] FILTER: one query on the parsed configuration.
q() {
    jq -r "${@:1:$#-1}" "${@: -1}" "$tmp/config.json"
}

# ---- services ----------------------------------------------------------------------------------
echo "== services"
expected=$(printf '%s\n' "${INFRA[@]}" "${DAEMONS[@]}" jwt-keys gateway | sort)
actual=$(q '.services | keys[]' | sort)
check "exactly these services: $(echo "$expected" | tr '\n' ' ')" \
    test "$expected" == "$actual"

# The token key pair: made once by a one-shot service; every daemon waits for it and mounts the
# keys read-only; only customer-svc gets the private key.
check "jwt-keys makes the key pair with openssl into the jwt-keys volume" \
    test -n "$(q '.services["jwt-keys"] | select((.command | tostring | contains("openssl genpkey"))
        and (.volumes | tostring | contains("/keys")))')"
for s in "${DAEMONS[@]}"; do
    check "$s waits for jwt-keys and verifies tokens with /keys/jwt.pub.pem" \
        test -n "$(q --arg s "$s" '.services[$s] | select(.depends_on["jwt-keys"].condition
            == "service_completed_successfully" and .environment.OF_JWT_PUBLIC_KEY
            == "/keys/jwt.pub.pem")')"
done
check "only customer-svc holds the private key" \
    test "$(q '[.services | to_entries[] | select(.value.environment.OF_JWT_PRIVATE_KEY) | .key]
        | join(",")')" == "customer-svc"

check "kafka runs apache/kafka 3.9.x" \
    test -n "$(q '.services.kafka.image // "" | select(startswith("apache/kafka:3.9"))')"
check "postgres runs postgres:15" \
    test -n "$(q '.services.postgres.image // "" | select(test("^postgres:15($|[.-])"))')"
check "redis runs redis:7" \
    test -n "$(q '.services.redis.image // "" | select(test("^redis:7($|[.-])"))')"
for s in "${INFRA[@]}"; do
    check "$s has a healthcheck" \
        test "$(q --arg s "$s" '.services[$s].healthcheck.test // [] | length')" -gt 0
done
check "postgres healthcheck uses pg_isready" \
    test -n "$(q '.services.postgres.healthcheck.test // [] | tostring | select(contains("pg_isready"))')"
check "redis healthcheck uses redis-cli ping" \
    test -n "$(q '.services.redis.healthcheck.test // [] | tostring | select(test("redis-cli.*ping"))')"
check "kafka healthcheck asks the broker" \
    test -n "$(q '.services.kafka.healthcheck.test // [] | tostring | select(contains("kafka-broker-api-versions"))')"

# ---- kafka -------------------------------------------------------------------------------------
echo "== kafka (single KRaft node)"
kenv() { q --arg k "$1" '.services.kafka.environment[$k] // "" | tostring'; }
check "KAFKA_PROCESS_ROLES=broker,controller" test "$(kenv KAFKA_PROCESS_ROLES)" == "broker,controller"
check "KAFKA_NODE_ID=1" test "$(kenv KAFKA_NODE_ID)" == "1"
check "KAFKA_CONTROLLER_QUORUM_VOTERS is set" test -n "$(kenv KAFKA_CONTROLLER_QUORUM_VOTERS)"
check "advertised listeners: kafka:19092 for containers, localhost:9092 for the host" \
    test -n "$(kenv KAFKA_ADVERTISED_LISTENERS | grep -E '://kafka:19092' | grep -E '://localhost:9092')"
check "auto topic creation is off" test "$(kenv KAFKA_AUTO_CREATE_TOPICS_ENABLE)" == "false"
for k in KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR \
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR; do
    check "$k=1" test "$(kenv $k)" == "1"
done
check "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0" \
    test "$(kenv KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS)" == "0"
check "postgres database orderflow, admin orderflow_admin" \
    test "$(q '.services.postgres.environment.POSTGRES_DB // ""')/$(q '.services.postgres.environment.POSTGRES_USER // ""')" == "orderflow/orderflow_admin"

# ---- daemons -----------------------------------------------------------------------------------
# Published host ports of a service, whatever form the tool normalizes them to:
# "127.0.0.1:8081:8081/tcp", "8081:8081", or {published: 8081, target: 8081}.
published_ports() {
    q --arg s "$1" '.services[$s].ports // [] | .[] |
        if type == "object" then (.published | tostring)
        else (split("/")[0] | split(":") | if length >= 2 then .[-2] else .[0] end) end'
}
# The target (container) port published for a given host port.
target_port() {
    q --arg s "$1" --arg p "$2" '.services[$s].ports // [] | .[] |
        if type == "object" then select((.published | tostring) == $p) | (.target | tostring)
        else (split("/")[0] | split(":")) | select(length >= 2 and .[-2] == $p) | .[-1] end'
}
denv() { q --arg s "$1" --arg k "$2" '.services[$s].environment[$k] // "" | tostring'; }

gw_ip=$(q '.services.gateway.networks.default.ipv4_address // ""')

# ---- gateway -----------------------------------------------------------------------------------
echo "== gateway"
check "gateway runs the official nginx image" \
    test -n "$(q '.services.gateway.image // "" | select(test("^nginx:"))')"
check "gateway mounts gateway/nginx.compose.conf and runs nginx -c on it" \
    test -n "$(q '.services.gateway | select((.volumes | tostring | contains("gateway/nginx.compose.conf:/etc/orderflow/nginx.conf"))
        and (.command | tostring | contains("/etc/orderflow/nginx.conf")))')"
check "gateway publishes 8080 -> 8080" \
    test "$(published_ports gateway | tr '\n' ' ')" == "8080 " -a "$(target_port gateway 8080)" == "8080"
check "gateway has a fixed address ($gw_ip) on the network's subnet" \
    test -n "$gw_ip" -a -n "$(q '.networks.default.ipam.config // [] | .[].subnet' | grep -F "${gw_ip%.*}.")"
check "gateway healthcheck is curl -fsS http://localhost:8080/healthz" \
    test -n "$(q '.services.gateway.healthcheck.test // [] | join(" ") | select(contains("curl") and contains("http://localhost:8080/healthz"))')"
check "the gateway's configuration listens on 8080 and proxies to the daemons by service name" \
    grep -q 'listen 8080 ' "$REPO/gateway/nginx.compose.conf"

first_build=$(q --arg s "${DAEMONS[0]}" '.services[$s] | {build, image} | tojson')
for i in "${!DAEMONS[@]}"; do
    s=${DAEMONS[$i]}
    port=${PORTS[$i]}
    role=${ROLES[$i]}
    echo "== $s"
    check "$s: command is its binary" \
        test "$(q --arg s "$s" '.services[$s].command // [] | if type == "array" then join(" ") else . end')" == "$s"
    for dep in "${INFRA[@]}"; do
        check "$s: depends on $dep being healthy" \
            test "$(q --arg s "$s" --arg d "$dep" '.services[$s].depends_on[$d].condition // ""')" == "service_healthy"
    done
    check "$s: healthcheck is curl -fsS http://localhost:$port/readyz" \
        test -n "$(q --arg s "$s" --arg u "http://localhost:$port/readyz" \
            '.services[$s].healthcheck.test // [] | select(.[0] == "CMD" or .[0] == "CMD-SHELL")
             | .[1:] | join(" ") | select(contains("curl") and contains("-f") and contains($u))')"
    check "$s: publishes $port -> $port" \
        test "$(published_ports "$s" | tr '\n' ' ')" == "$port " -a "$(target_port "$s" "$port")" == "$port"
    check "$s: OF_HTTP_PORT=$port" test "$(denv "$s" OF_HTTP_PORT)" == "$port"
    check "$s: OF_DATABASE_URL connects as $role to orderflow" \
        test -n "$(denv "$s" OF_DATABASE_URL | grep -E "^postgres(ql)?://$role@postgres:5432/orderflow$")"
    check "$s: OF_MIGRATIONS_URL connects as orderflow_admin" \
        test -n "$(denv "$s" OF_MIGRATIONS_URL | grep -E '^postgres(ql)?://orderflow_admin(:[^@]*)?@postgres:5432/orderflow$')"
    check "$s: OF_KAFKA_BROKERS=kafka:19092" test "$(denv "$s" OF_KAFKA_BROKERS)" == "kafka:19092"
    check "$s: OF_REDIS_HOST=redis, OF_REDIS_PORT=6379" \
        test "$(denv "$s" OF_REDIS_HOST):$(denv "$s" OF_REDIS_PORT)" == "redis:6379"
    check "$s: OF_ENV=dev" test "$(denv "$s" OF_ENV)" == "dev"
    check "$s: trusts X-Forwarded-For from the gateway's address only ($gw_ip)" \
        test "$(denv "$s" OF_HTTP_TRUSTED_PROXIES)" == "$gw_ip"
    check "$s: the gateway waits for it to be healthy" \
        test "$(q --arg s "$s" '.services.gateway.depends_on[$s].condition // ""')" == "service_healthy"
    check "$s: restart unless-stopped" \
        test "$(q --arg s "$s" '.services[$s].restart // ""')" == "unless-stopped"
    check "$s: same build and image as ${DAEMONS[0]}" \
        test "$(q --arg s "$s" '.services[$s] | {build, image} | tojson')" == "$first_build"
done

echo "== the stack"
check "the daemons are built from the repository's Dockerfile" \
    test -n "$(q --arg s "${DAEMONS[0]}" '.services[$s].build // {} |
        select((.dockerfile // "Dockerfile") == "Dockerfile" and (.context // "") != "")
        | .context')"
check "the daemons share one image name" \
    test -n "$(q --arg s "${DAEMONS[0]}" '.services[$s].image // ""')"
all_published=$(for s in "${INFRA[@]}" "${DAEMONS[@]}" gateway; do published_ports "$s"; done |
    sort -n | tr '\n' ' ')
want_published=$(printf '%s\n' "${PORTS[@]}" 8080 9092 | sort -n | tr '\n' ' ')
check "published host ports are exactly the default ports, 8080 and 9092 ($want_published; got: $all_published)" \
    test "$all_published" == "$want_published"

# ---- Dockerfile --------------------------------------------------------------------------------
echo "== Dockerfile"
# Instructions without comments, continuation lines joined.
sed -e '/^[[:space:]]*#/d' "$DOCKERFILE" | sed -e ':a' -e '/\\$/{N;s/\\\n/ /;ba' -e '}' \
    >"$tmp/Dockerfile"
nfrom=$(grep -ciE '^[[:space:]]*FROM[[:space:]]' "$tmp/Dockerfile" || true)
check "at least two FROM stages (got $nfrom)" test "$nfrom" -ge 2
check "every stage is FROM debian:12-slim" \
    test -z "$(grep -iE '^[[:space:]]*FROM[[:space:]]' "$tmp/Dockerfile" |
        grep -viE '^[[:space:]]*FROM[[:space:]]+(--platform=[^ ]+[[:space:]]+)?debian:12-slim([[:space:]]|$)' || true)"
# The final stage: everything after the last FROM.
awk 'toupper($1) == "FROM" { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
    "$tmp/Dockerfile" >"$tmp/runtime"
for s in "${DAEMONS[@]}"; do
    check "runtime stage copies $s into /usr/local/bin" \
        grep -qiE "^[[:space:]]*COPY[[:space:]]+--from=[^[:space:]]+[[:space:]].*[[:space:]/]$s([[:space:]].*)?[[:space:]]/usr/local/bin(/$s)?/?[[:space:]]*$" \
        "$tmp/runtime"
done
# The daemons the Dockerfile names (build targets, COPY lines, the usage message): no more, no
# fewer than the build's list; EXPOSE: their default ports.
want_daemons=$(printf '%s\n' "${DAEMONS[@]}" | sort | tr '\n' ' ')
targets=$(grep -E -- '--target' "$tmp/Dockerfile" | sed 's/.*--target//' | tr -s ' ' '\n' |
    grep -E -- '-svc$' | sort | tr '\n' ' ' || true)
check "the build stage builds exactly the listed daemons (got: $targets)" \
    test "$targets" == "$want_daemons"
copied=$(grep -iE '^[[:space:]]*COPY[[:space:]]+--from=' "$tmp/runtime" |
    grep -oE '/[a-z0-9-]+-svc[[:space:]]' | tr -d '/ \t' | sort | tr '\n' ' ' || true)
check "the runtime stage copies exactly the listed daemons (got: $copied)" \
    test "$copied" == "$want_daemons"
usage_names=$(grep -iE '^[[:space:]]*CMD[[:space:]]' "$tmp/runtime" | grep -oE '[a-z0-9-]+-svc' |
    sort -u | tr '\n' ' ' || true)
check "the image's usage message names exactly the listed daemons (got: $usage_names)" \
    test "$usage_names" == "$want_daemons"
exposed=$(grep -iE '^[[:space:]]*EXPOSE[[:space:]]' "$tmp/runtime" | sed -E 's/^[[:space:]]*EXPOSE//I' |
    tr -s ' \t' '\n' | sed 's|/tcp$||' | grep . | sort -n | tr '\n' ' ' || true)
want_ports=$(printf '%s\n' "${PORTS[@]}" | sort -n | tr '\n' ' ')
check "EXPOSE is exactly the default ports ($want_ports; got: $exposed)" \
    test "$exposed" == "$want_ports"
check "runtime stage copies the migrations" \
    grep -qiE '^[[:space:]]*COPY[[:space:]].*migrations[[:space:]]+/usr/share/orderflow/migrations/?[[:space:]]*$' \
    "$tmp/runtime"
check "runtime stage sets OF_MIGRATIONS_DIR=/usr/share/orderflow/migrations" \
    grep -qE '^[[:space:]]*ENV[[:space:]]+OF_MIGRATIONS_DIR[= ]/usr/share/orderflow/migrations[[:space:]]*$' \
    "$tmp/runtime"
last_user=$(grep -iE '^[[:space:]]*USER[[:space:]]' "$tmp/runtime" | tail -n 1 | awk '{print $2}')
check "runtime stage runs as a non-root user (USER ${last_user:-<none>})" \
    test -n "$last_user" -a -z "$(echo "$last_user" | grep -E '^(root|0)(:|$)' || true)"
check "runtime stage installs no -dev packages or compilers" \
    test -z "$(grep -iE '^[[:space:]]*RUN[[:space:]].*apt-get[[:space:]]+install' "$tmp/runtime" |
        grep -E -- '-dev([[:space:]]|$)|build-essential|[[:space:]](gcc|cmake)([[:space:]]|$)' || true)"
check "runtime stage installs curl for the health checks" \
    grep -qE '^[[:space:]]*RUN[[:space:]].*apt-get[[:space:]]+install.*[[:space:]]curl([[:space:]]|$)' \
    "$tmp/runtime"
check "the build runs cmake in Release" grep -qE 'CMAKE_BUILD_TYPE=Release' "$tmp/Dockerfile"

# ---- README ------------------------------------------------------------------------------------
echo "== README.md"
for i in "${!DAEMONS[@]}"; do
    check "README's table has ${DAEMONS[$i]} on port ${PORTS[$i]}" \
        grep -qE "^\|[[:space:]]*${DAEMONS[$i]}[[:space:]]*\|[[:space:]]*${PORTS[$i]}[[:space:]]*\|" \
        "$REPO/README.md"
done

# ---- result ------------------------------------------------------------------------------------
if [[ $failures -ne 0 ]]; then
    echo "compose_check: $failures check(s) failed"
    exit 1
fi
echo "compose_check: all checks passed"
