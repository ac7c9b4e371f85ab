#!/usr/bin/env bash
# The native local stack: a private Postgres cluster, Redis and a single-node Kafka (KRaft) broker
# with all their data under one directory, and the daemons of the build on top. No Docker involved.
set -euo pipefail

OF_PROG=stack
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    cat <<'EOF'
Usage: scripts/stack.sh <command> [arguments]

Commands:
  infra-up       start Postgres, Redis and Kafka (those not yet running) and wait until ready
  infra-down     stop Kafka, Redis and Postgres
  up             infra-up, then start the daemons of the build and wait until every /readyz is 200
  down           stop the daemons, then the infrastructure
  run            up, then follow the logs in the foreground; Ctrl-C runs down
  status         one line per component: running or stopped, pid, port, /readyz
  logs           follow every log (tail -F), each line prefixed by its component
  env            print the stack's settings as KEY=value lines (also saved in stack.env)
  services       print the service table, one daemon a line: name, HTTP port, database role,
                 schema
  clean-data     down, then delete all data, logs and pid files
  gateway-start  (re)write the gateway's nginx.conf from the daemons' --describe and start nginx
                 (up does this after the daemons)
  gateway-stop   stop the gateway
  gateway-conf [native|compose]
                 print the gateway's nginx configuration (compose: the file docker-compose.yml
                 mounts, gateway/nginx.compose.conf; `make gateway-conf` rewrites it)
  daemon-start NAME [BINARY] [PORT] [DB_ROLE]
                 start one daemon and wait for its /readyz (BINARY: <OF_BIN_DIR>/NAME; PORT and
                 DB_ROLE: what BINARY --describe says)
  daemon-stop NAME [SIGNAL]
                 send SIGNAL (TERM), wait up to 10 s, print "NAME exited STATUS" and exit with
                 the daemon's exit status
  daemon-kill NAME
                 SIGKILL a daemon
  daemon-up NAME [BINARY] [PORT] [DB_ROLE]
                 like daemon-start, but polls /readyz every OF_READY_POLL_MS [2] ms and prints
                 "name=NAME pid=PID port=PORT launch_ms=L ready_ms=R fork_at=T1 ready_at=T2": L
                 from the command to the daemon's fork, R from the fork to the first 200, T1 and
                 T2 those moments in Unix seconds (for bench/)

Environment (defaults in brackets; once the stack has run, stack.env supplies them):
  OF_STACK_DIR [<repo>/.run]   OF_PG_PORT [15432]   OF_REDIS_PORT [16379]
  OF_KAFKA_PORT [9092]   OF_KAFKA_CONTROLLER_PORT [9093]   OF_HTTP_PORT_BASE [8080]
  OF_GATEWAY_PORT [OF_HTTP_PORT_BASE]   OF_GATEWAY_STATUS_PORT [OF_HTTP_PORT_BASE + 8]
  OF_GATEWAY_ADDR [127.0.0.1]   OF_GATEWAY_* limits: gateway/nginx-conf.sh --help
  OF_BIN_DIR [<repo>/build]   OF_READY_TIMEOUT [60]   OF_INFRA_TIMEOUT [90]
  OF_PG_FAST=1 (Postgres without fsync: for tests)   OF_LOG_LEVEL [info]   KAFKA_HOME
Every other OF_* variable exported by the caller reaches the daemons unchanged.

The daemons are those the build lists in <OF_BIN_DIR>/services.list; each one's port, database
role and schema come from its --describe. A daemon listens on OF_HTTP_PORT_BASE plus its default
port minus 8080, so with the default base every daemon is on its default port. The daemons
listen on OF_HTTP_ADDR [127.0.0.1] and take X-Forwarded-For from OF_HTTP_TRUSTED_PROXIES
[127.0.0.1], the gateway: users go through http://OF_GATEWAY_ADDR:OF_GATEWAY_PORT, the daemons'
own ports are for operators.
EOF
}

# The service table is not written here: the build names its daemons (services.list) and each
# daemon describes itself (load_services).
SERVICES=()
declare -A SVC_PORT=() SVC_ROLE=() SVC_SCHEMA=()
DEFAULT_PORT_BASE=8080 # the default OF_HTTP_PORT_BASE: default_port - 8080 is a daemon's offset
PORT_VARS=(OF_PG_PORT OF_REDIS_PORT OF_KAFKA_PORT OF_KAFKA_CONTROLLER_PORT OF_HTTP_PORT_BASE
    OF_GATEWAY_PORT OF_GATEWAY_STATUS_PORT)
DB_NAME=orderflow
DB_ADMIN=orderflow_admin

# Undo actions for what this invocation started; run in reverse when it fails or is interrupted.
ROLLBACK=()

# ============================================================================================
# Settings and paths
# ============================================================================================

init_paths() {
    STACK_DIR=$(realpath -m "${OF_STACK_DIR:-$OF_REPO_DIR/.run}")
    [[ $STACK_DIR != / ]] || die "OF_STACK_DIR must not be /"
    PG_DIR=$STACK_DIR/pg
    PG_DATA=$PG_DIR/data
    REDIS_DIR=$STACK_DIR/redis
    KAFKA_DIR=$STACK_DIR/kafka
    LOG_DIR=$STACK_DIR/logs
    PID_DIR=$STACK_DIR/pids
    KEY_DIR=$STACK_DIR/keys
    ENV_FILE=$STACK_DIR/stack.env
    BIN_DIR=$(realpath -m "${OF_BIN_DIR:-$OF_REPO_DIR/build}")
    GATEWAY_DIR=$STACK_DIR/gateway
    GATEWAY_ADDR=${OF_GATEWAY_ADDR:-127.0.0.1}
}

# saved_setting KEY: the value stack.env recorded for KEY, if any.
saved_setting() {
    [[ -r $ENV_FILE ]] || return 1
    sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1 | grep .
}

# Ports: the caller's environment, else what stack.env recorded, else the defaults. While any
# infrastructure of this directory runs, stack.env wins: it says where things really listen.
load_settings() {
    local var saved running=0
    local -A defaults=([OF_PG_PORT]=15432 [OF_REDIS_PORT]=16379 [OF_KAFKA_PORT]=9092
        [OF_KAFKA_CONTROLLER_PORT]=9093 [OF_HTTP_PORT_BASE]=$DEFAULT_PORT_BASE)
    # The gateway's ports follow the base (its own slot and base + 8) unless set or recorded.
    defaults[OF_GATEWAY_PORT]=${OF_HTTP_PORT_BASE:-$(saved_setting OF_HTTP_PORT_BASE ||
        echo $DEFAULT_PORT_BASE)}
    defaults[OF_GATEWAY_STATUS_PORT]=$((defaults[OF_GATEWAY_PORT] + 8))
    if pg_pid >/dev/null || redis_pid >/dev/null || kafka_pid >/dev/null ||
        gateway_pid >/dev/null; then
        running=1
    fi
    for var in "${PORT_VARS[@]}"; do
        saved=$(saved_setting "$var" || true)
        if ((running)) && [[ -n $saved && -n ${!var:-} && ${!var} != "$saved" ]]; then
            warn "$var=${!var} ignored: the stack in $STACK_DIR is running with $var=$saved"
            printf -v "$var" '%s' "$saved"
        elif [[ -z ${!var:-} ]]; then
            printf -v "$var" '%s' "${saved:-${defaults[$var]}}"
        fi
        valid_port "${!var}" || die "$var=${!var} is not a port number (1-65535)"
    done
    READY_TIMEOUT=${OF_READY_TIMEOUT:-60}
    INFRA_TIMEOUT=${OF_INFRA_TIMEOUT:-90}
    [[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "OF_READY_TIMEOUT=$READY_TIMEOUT is not a number"
    [[ $INFRA_TIMEOUT =~ ^[0-9]+$ ]] || die "OF_INFRA_TIMEOUT=$INFRA_TIMEOUT is not a number"
}

valid_port() {
    [[ $1 =~ ^[1-9][0-9]{0,4}$ ]] && (($1 <= 65535))
}

pg_url() {
    printf 'postgresql://%s@127.0.0.1:%s/%s\n' "$1" "$OF_PG_PORT" "${2:-$DB_NAME}"
}

env_lines() {
    cat <<EOF
OF_STACK_DIR=$STACK_DIR
OF_PG_PORT=$OF_PG_PORT
OF_REDIS_PORT=$OF_REDIS_PORT
OF_KAFKA_PORT=$OF_KAFKA_PORT
OF_KAFKA_CONTROLLER_PORT=$OF_KAFKA_CONTROLLER_PORT
OF_HTTP_PORT_BASE=$OF_HTTP_PORT_BASE
OF_GATEWAY_PORT=$OF_GATEWAY_PORT
OF_GATEWAY_STATUS_PORT=$OF_GATEWAY_STATUS_PORT
OF_GATEWAY_URL=http://$GATEWAY_ADDR:$OF_GATEWAY_PORT
OF_KAFKA_BROKERS=127.0.0.1:$OF_KAFKA_PORT
OF_REDIS_HOST=127.0.0.1
OF_PG_ADMIN_URL=$(pg_url "$DB_ADMIN")
OF_PG_SUPER_URL=$(pg_url postgres)
OF_JWT_PRIVATE_KEY=$KEY_DIR/jwt.pem
OF_JWT_PUBLIC_KEY=$KEY_DIR/jwt.pub.pem
EOF
}

write_env() {
    env_lines >"$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
}

make_dirs() {
    mkdir -p "$STACK_DIR" "$LOG_DIR" "$PID_DIR"
}

# ============================================================================================
# Rollback: whatever this invocation started is stopped again when it fails
# ============================================================================================

on_exit() {
    local rc=$? i
    ((rc != 0)) || return 0
    ((${#ROLLBACK[@]} > 0)) || return 0
    info "stopping what this command started"
    for ((i = ${#ROLLBACK[@]} - 1; i >= 0; i--)); do
        # Entries are "function argument" pairs without spaces inside the argument.
        # shellcheck disable=SC2086
        ${ROLLBACK[i]} || true
    done
    ROLLBACK=()
}

# fail_with_log NAME LOGFILE MESSAGE...: prints the end of the log, then dies with MESSAGE.
fail_with_log() {
    local name=$1 file=$2
    shift 2
    show_log_tail "$name" "$file" 30
    die "$@"
}

# wait_ready NAME PID SECONDS CHECK...: waits until CHECK succeeds. Returns 1 on timeout and 2
# when PID exits first.
wait_ready() {
    local name=$1 pid=$2 deadline=$((SECONDS + $3))
    shift 3
    while ((SECONDS < deadline)); do
        "$@" >/dev/null 2>&1 && return 0
        pid_gone "$pid" && return 2
        sleep 0.2
    done
    "$@" >/dev/null 2>&1 && return 0
    return 1
}

# ============================================================================================
# Postgres
# ============================================================================================

pg_pid() {
    pid_of "$PG_DATA/postmaster.pid" postgres
}

# pg_bindir: the server binaries (initdb, pg_ctl); pg_config --bindir may be client-only.
pg_bindir() {
    local dir
    if [[ -n ${OF_PG_BINDIR:-} ]]; then
        printf '%s\n' "$OF_PG_BINDIR"
        return 0
    fi
    dir=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)
    if [[ -n $dir && -x $dir/initdb ]]; then
        printf '%s\n' "$dir"
        return 0
    fi
    if have pg_config && dir=$(pg_config --bindir 2>/dev/null) && [[ -x $dir/initdb ]]; then
        printf '%s\n' "$dir"
        return 0
    fi
    if have initdb; then
        dirname "$(command -v initdb)"
        return 0
    fi
    die "Postgres server binaries (initdb, pg_ctl) not found: install the 'postgresql' package" \
        "(make deps) or set OF_PG_BINDIR"
}

# pg_run CMD...: Postgres refuses to run as root, so root runs it as the postgres user.
pg_run() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# The postgres user must be able to reach the data directory through every parent.
pg_check_traversal() {
    local dir=$PG_DIR
    while [[ $dir != / ]]; do
        if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
            if [[ $dir == "$STACK_DIR" || $dir == "$STACK_DIR"/* ]]; then
                chmod o+x "$dir"
            else
                die "postgres: Postgres runs as the 'postgres' user (you are root) and cannot enter" \
                    "$dir (mode $(stat -c %a "$dir")): run 'chmod o+x $dir' or choose an" \
                    "OF_STACK_DIR whose parent directories are all world-traversable"
            fi
        fi
        dir=$(dirname "$dir")
    done
}

pg_prepare() {
    mkdir -p "$PG_DIR"
    touch "$LOG_DIR/postgres.log"
    if is_root; then
        id postgres >/dev/null 2>&1 ||
            die "postgres: running as root needs the 'postgres' user (install the postgresql package)"
        chown postgres: "$PG_DIR" "$LOG_DIR/postgres.log"
        pg_check_traversal
    fi
}

pg_locale() {
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        printf 'C.UTF-8\n'
    else
        printf 'C\n'
    fi
}

pg_initdb() {
    local bindir=$1 log=$LOG_DIR/initdb.log
    [[ -f $PG_DATA/PG_VERSION ]] && return 0
    info "postgres: creating a cluster in $PG_DATA"
    pg_run rm -rf "$PG_DATA"
    if ! pg_run "$bindir/initdb" -D "$PG_DATA" -A trust -U postgres --no-sync -E UTF8 \
        --locale="$(pg_locale)" >"$log" 2>&1; then
        pg_run rm -rf "$PG_DATA"
        fail_with_log postgres "$log" "postgres: initdb failed"
    fi
}

# pg_options: the server settings given at every start (ports may change between runs).
pg_options() {
    local opts sockdir=$PG_DIR
    # A Unix socket path longer than 107 bytes is refused; TCP is all the stack needs anyway.
    if ((${#sockdir} + 20 > 107)); then
        sockdir=
    fi
    opts="-p $OF_PG_PORT -k '$sockdir' -c listen_addresses=127.0.0.1"
    opts+=" -c shared_buffers=32MB -c max_connections=200"
    if [[ ${OF_PG_FAST:-0} == 1 ]]; then
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    printf '%s\n' "$opts"
}

pg_ready() {
    "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$OF_PG_PORT" -U postgres -d postgres -t 2
}

pg_psql() {
    psql -X -q -v ON_ERROR_STOP=1 "$(pg_url postgres postgres)"
}

# The admin role (it runs the migrations and creates the service roles) and the database.
pg_bootstrap() {
    pg_psql <<SQL || die "postgres: could not create role $DB_ADMIN and database $DB_NAME"
SELECT 'CREATE ROLE $DB_ADMIN LOGIN CREATEROLE'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_ADMIN')\gexec
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_ADMIN'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
SQL
}

pg_start() {
    local bindir log=$LOG_DIR/postgres.log
    bindir=$(pg_bindir)
    need psql postgresql-client
    pg_prepare
    pg_initdb "$bindir"
    info "postgres: starting on 127.0.0.1:$OF_PG_PORT"
    ROLLBACK+=("pg_stop")
    if ! pg_run "$bindir/pg_ctl" -w -t "$INFRA_TIMEOUT" -D "$PG_DATA" -l "$log" \
        -o "$(pg_options)" start >/dev/null 2>&1; then
        fail_with_log postgres "$log" "postgres did not start on port $OF_PG_PORT"
    fi
    wait_until 10 pg_ready || fail_with_log postgres "$log" "postgres is not accepting connections"
    pg_pid >"$PID_DIR/postgres.pid"
    pg_bootstrap
    info "postgres: ready (pid $(pg_pid))"
}

pg_stop() {
    local pid bindir
    pid=$(pg_pid) || {
        rm -f "$PID_DIR/postgres.pid"
        return 0
    }
    info "postgres: stopping (pid $pid)"
    bindir=$(pg_bindir)
    if ! pg_run "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
        warn "postgres: pg_ctl stop failed; signalling pid $pid"
        stop_pid postgres "$pid" 10 INT
    fi
    wait_gone "$pid" 5 || stop_pid postgres "$pid" 1 KILL
    rm -f "$PID_DIR/postgres.pid"
}

# ============================================================================================
# Redis
# ============================================================================================

redis_pid() {
    pid_of "$PID_DIR/redis.pid" redis-server
}

redis_ready() {
    [[ $(redis-cli -h 127.0.0.1 -p "$OF_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

redis_start() {
    local log=$LOG_DIR/redis.log pid
    need redis-server redis-server
    need redis-cli redis-tools
    mkdir -p "$REDIS_DIR"
    rm -f "$PID_DIR/redis.pid"
    info "redis: starting on 127.0.0.1:$OF_REDIS_PORT"
    ROLLBACK+=("redis_stop")
    redis-server --port "$OF_REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --daemonize yes \
        --pidfile "$PID_DIR/redis.pid" --logfile "$log" --save "" --appendonly no >/dev/null ||
        fail_with_log redis "$log" "redis-server failed to start"
    wait_until 10 redis_pid || fail_with_log redis "$log" "redis did not start on port $OF_REDIS_PORT"
    pid=$(redis_pid)
    wait_ready redis "$pid" "$INFRA_TIMEOUT" redis_ready ||
        fail_with_log redis "$log" "redis is not answering PING on port $OF_REDIS_PORT"
    info "redis: ready (pid $pid)"
}

redis_stop() {
    local pid
    pid=$(redis_pid) || {
        rm -f "$PID_DIR/redis.pid"
        return 0
    }
    info "redis: stopping (pid $pid)"
    stop_pid redis "$pid" 10
    rm -f "$PID_DIR/redis.pid"
}

# ============================================================================================
# Kafka (one combined broker + controller node, KRaft)
# ============================================================================================

kafka_pid() {
    pid_of "$PID_DIR/kafka.pid" kafka.Kafka
}

kafka_java() {
    if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
        printf '%s\n' "$JAVA_HOME/bin/java"
        return 0
    fi
    need java openjdk-17-jre-headless
    command -v java
}

kafka_ready() {
    kcat -b "127.0.0.1:$OF_KAFKA_PORT" -L -t __none -m 3 -q
}

kafka_write_props() {
    cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by scripts/stack.sh at every start: one node that is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$OF_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$OF_KAFKA_PORT,CONTROLLER://127.0.0.1:$OF_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$OF_KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
log.segment.bytes=16777216
log.retention.hours=168
EOF
}

# kafka_tool JAVA LIBS ARGS...: runs kafka.tools.StorageTool.
kafka_tool() {
    local java=$1 libs=$2
    shift 2
    "$java" -Xmx256m -Dlog4j.configuration="file:$OF_REPO_DIR/scripts/kafka/log4j.properties" \
        -cp "$libs/*" kafka.tools.StorageTool "$@"
}

# Storage is formatted once; meta.properties marks a formatted log directory.
kafka_format() {
    local java=$1 libs=$2 log=$LOG_DIR/kafka-format.log cluster
    [[ -f $KAFKA_DIR/data/meta.properties ]] && return 0
    info "kafka: formatting storage in $KAFKA_DIR/data"
    rm -rf "$KAFKA_DIR/data"
    cluster=$(kafka_tool "$java" "$libs" random-uuid 2>"$log") ||
        fail_with_log kafka "$log" "kafka: StorageTool random-uuid failed"
    kafka_tool "$java" "$libs" format -t "$cluster" -c "$KAFKA_DIR/server.properties" \
        >>"$log" 2>&1 || fail_with_log kafka "$log" "kafka: StorageTool format failed"
}

kafka_start() {
    local java libs log=$LOG_DIR/kafka.log pid rc=0
    java=$(kafka_java)
    need kcat kcat
    libs=$("$OF_REPO_DIR/scripts/kafka-jars.sh") || die "kafka: could not get the Kafka jars"
    mkdir -p "$KAFKA_DIR"
    kafka_write_props
    kafka_format "$java" "$libs"
    info "kafka: starting on 127.0.0.1:$OF_KAFKA_PORT (controller $OF_KAFKA_CONTROLLER_PORT)"
    : >"$log"
    setsid nohup "$java" -Xms128m -Xmx512m -XX:+UseSerialGC \
        -Dlog4j.configuration="file:$OF_REPO_DIR/scripts/kafka/log4j.properties" \
        -Dkafka.logs.dir="$LOG_DIR" -cp "$libs/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
        >>"$log" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$PID_DIR/kafka.pid"
    ROLLBACK+=("kafka_stop")
    wait_ready kafka "$pid" "$INFRA_TIMEOUT" kafka_ready || rc=$?
    case $rc in
    0) info "kafka: ready (pid $pid)" ;;
    2) fail_with_log kafka "$log" "kafka exited during start-up" ;;
    *) fail_with_log kafka "$log" "kafka did not answer on port $OF_KAFKA_PORT within" \
        "${INFRA_TIMEOUT}s" ;;
    esac
}

kafka_stop() {
    local pid
    pid=$(kafka_pid) || {
        rm -f "$PID_DIR/kafka.pid"
        return 0
    }
    info "kafka: stopping (pid $pid)"
    stop_pid kafka "$pid" 30
    rm -f "$PID_DIR/kafka.pid"
}

# ============================================================================================
# Infrastructure as a whole
# ============================================================================================

# Every port is checked before anything starts, so a clash leaves nothing half started.
infra_check_ports() {
    if ! pg_pid >/dev/null; then
        require_port_free postgres "$OF_PG_PORT" OF_PG_PORT
    fi
    if ! redis_pid >/dev/null; then
        require_port_free redis "$OF_REDIS_PORT" OF_REDIS_PORT
    fi
    if ! kafka_pid >/dev/null; then
        require_port_free kafka "$OF_KAFKA_PORT" OF_KAFKA_PORT
        require_port_free "kafka controller" "$OF_KAFKA_CONTROLLER_PORT" OF_KAFKA_CONTROLLER_PORT
    fi
    [[ $OF_KAFKA_PORT != "$OF_KAFKA_CONTROLLER_PORT" ]] ||
        die "OF_KAFKA_PORT and OF_KAFKA_CONTROLLER_PORT must differ"
}

# start_or_report NAME PIDFUNC STARTFUNC
start_or_report() {
    local pid
    if pid=$($2); then
        info "$1: already running (pid $pid)"
        return 0
    fi
    $3
}

# The token signing key pair: customer-svc signs with the private key, every daemon verifies with
# the public one. Made once per stack directory (EC P-256, for ES256).
jwt_keys() {
    [[ -s $KEY_DIR/jwt.pem && -s $KEY_DIR/jwt.pub.pem ]] && return 0
    need openssl
    mkdir -p "$KEY_DIR"
    chmod 700 "$KEY_DIR"
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$KEY_DIR/jwt.pem" 2>/dev/null) || die "cannot generate the token signing key"
    openssl pkey -in "$KEY_DIR/jwt.pem" -pubout -out "$KEY_DIR/jwt.pub.pem" 2>/dev/null ||
        die "cannot derive the token public key"
    info "token signing key generated in $KEY_DIR"
}

infra_up() {
    make_dirs
    jwt_keys
    infra_check_ports
    start_or_report postgres pg_pid pg_start
    start_or_report redis redis_pid redis_start
    start_or_report kafka kafka_pid kafka_start
    write_env
}

infra_down() {
    kafka_stop
    redis_stop
    pg_stop
}

# ============================================================================================
# Daemons
# ============================================================================================

# service_list [quiet]: SERVICES from <BIN_DIR>/services.list, the daemons the build made, in
# build order. Dies when there is none, or with quiet returns 1 (down and status need no build).
service_list() {
    local list=$BIN_DIR/services.list
    ((${#SERVICES[@]} > 0)) && return 0
    if [[ ! -r $list ]]; then
        [[ -n ${1:-} ]] && return 1
        die "no service list at $list: build the daemons first ('make build', or set OF_BIN_DIR)"
    fi
    mapfile -t SERVICES < <(grep -v '^[[:space:]]*$' "$list")
    ((${#SERVICES[@]} > 0)) || die "$list names no daemon"
}

# describe NAME [BINARY]: what BINARY (default: the built NAME) says about itself with --describe,
# into SVC_PORT (its port in this stack), SVC_ROLE and SVC_SCHEMA. Dies when the binary cannot
# describe itself, describes another service, or the port falls outside 1-65535.
describe() {
    local name=$1 bin json fields dname dport role schema port
    [[ -n ${SVC_PORT[$name]:-} ]] && return 0
    need jq
    bin=$(daemon_binary "$name" "${2:-}") || exit 1 # (no errexit inside $(svc_port ...))
    json=$("$bin" --describe </dev/null) || die "$name: '$bin --describe' failed"
    fields=$(jq -er '[.name, .default_port, .role, .schema] | map(tostring) | join(" ")' \
        <<<"$json") || die "$name: '$bin --describe' printed no service description"
    read -r dname dport role schema <<<"$fields"
    [[ $dname == "$name" ]] || die "$bin describes itself as '$dname', not $name"
    [[ $dport =~ ^[0-9]+$ ]] || die "$name: default_port '$dport' is not a number"
    port=$((OF_HTTP_PORT_BASE + dport - DEFAULT_PORT_BASE))
    valid_port "$port" || die "$name: OF_HTTP_PORT_BASE=$OF_HTTP_PORT_BASE puts it on port" \
        "$port (the base + its default port $dport - $DEFAULT_PORT_BASE), not a port number"
    SVC_PORT[$name]=$port
    SVC_ROLE[$name]=$role
    SVC_SCHEMA[$name]=$schema
}

# load_services: the whole service table, every daemon of the build described; dies when two
# daemons would share a port.
load_services() {
    local name other
    local -A owner=()
    service_list
    for name in "${SERVICES[@]}"; do
        describe "$name"
        other=${owner[${SVC_PORT[$name]}]:-}
        [[ -z $other ]] || die "$other and $name both have port ${SVC_PORT[$name]}: two" \
            "service_defs share a default_port"
        owner[${SVC_PORT[$name]}]=$name
    done
}

svc_port() {
    describe "$1"
    printf '%s\n' "${SVC_PORT[$1]}"
}

svc_role() {
    describe "$1"
    printf '%s\n' "${SVC_ROLE[$1]}"
}

known_service() {
    local name
    service_list quiet || return 1
    for name in "${SERVICES[@]}"; do
        [[ $name == "$1" ]] && return 0
    done
    return 1
}

# daemon_pid NAME: the live pid, checked against the binary recorded at start.
daemon_pid() {
    local bin=
    [[ -r $PID_DIR/$1.bin ]] && bin=$(<"$PID_DIR/$1.bin")
    pid_of "$PID_DIR/$1.pid" "$(basename "${bin:-$1}")"
}

daemon_port() {
    if [[ -r $PID_DIR/$1.port ]]; then
        cat "$PID_DIR/$1.port"
    elif known_service "$1"; then
        svc_port "$1"
    fi
}

readyz_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/readyz" 2>/dev/null ||
        true
}

daemon_ready() {
    [[ $(readyz_code "$1") == 200 ]]
}

# daemon_binary NAME [BINARY]: the executable to run; dies clearly when it is not built.
daemon_binary() {
    local bin=${2:-$BIN_DIR/$1}
    [[ -x $bin && ! -d $bin ]] && {
        realpath "$bin"
        return 0
    }
    die "$1: no executable at $bin; build the daemons first ('make build', or set OF_BIN_DIR)"
}

# daemon_launch NAME BINARY PORT ROLE: starts the daemon in its own session through a small
# wrapper that records its pid (pids/NAME.pid) and, when it ends, its exit status (NAME.exit).
daemon_launch() {
    local name=$1 bin=$2 port=$3 role=$4 log=$LOG_DIR/$1.log
    rm -f "$PID_DIR/$name.pid" "$PID_DIR/$name.exit"
    printf '%s\n' "$bin" >"$PID_DIR/$name.bin"
    printf '%s\n' "$port" >"$PID_DIR/$name.port"
    printf '\n==== %s starting %s on port %s ====\n' "$(date -Is)" "$name" "$port" >>"$log"
    # shellcheck disable=SC2016 # the wrapper's script expands its own positional parameters
    # An async command of a non-interactive shell starts with SIGINT and SIGQUIT ignored, which
    # no shell can undo: env --default-signal gives the daemon default dispositions for all.
    OF_HTTP_PORT=$port \
        OF_HTTP_ADDR=${OF_HTTP_ADDR:-127.0.0.1} \
        OF_HTTP_TRUSTED_PROXIES=${OF_HTTP_TRUSTED_PROXIES-127.0.0.1} \
        OF_DATABASE_URL=$(pg_url "$role") \
        OF_MIGRATIONS_URL=$(pg_url "$DB_ADMIN") \
        OF_KAFKA_BROKERS=127.0.0.1:$OF_KAFKA_PORT \
        OF_REDIS_HOST=127.0.0.1 \
        OF_REDIS_PORT=$OF_REDIS_PORT \
        OF_ENV=${OF_ENV:-dev} \
        OF_LOG_LEVEL=${OF_LOG_LEVEL:-info} \
        OF_JWT_PUBLIC_KEY=$KEY_DIR/jwt.pub.pem \
        OF_JWT_PRIVATE_KEY=$KEY_DIR/jwt.pem \
        setsid bash -c 'pf=$1 ef=$2; shift 2
            env --default-signal "$@" </dev/null & pid=$!
            echo "$pid" >"$pf.tmp" && mv "$pf.tmp" "$pf"
            wait "$pid"; echo "$?" >"$ef.tmp" && mv "$ef.tmp" "$ef"' \
        of-daemon "$PID_DIR/$name.pid" "$PID_DIR/$name.exit" "$bin" >>"$log" 2>&1 </dev/null &
    wait_until 5 test -s "$PID_DIR/$name.pid" ||
        fail_with_log "$name" "$log" "$name: did not start"
    ROLLBACK+=("daemon_stop $name")
}

# daemon_start NAME BINARY PORT ROLE: launches unless already running (port checked first).
daemon_start() {
    local name=$1 pid
    if pid=$(daemon_pid "$name"); then
        info "$name: already running (pid $pid)"
        return 0
    fi
    require_port_free "$name" "$3" OF_HTTP_PORT_BASE
    daemon_launch "$@"
    info "$name: started (pid $(<"$PID_DIR/$name.pid"), port $3)"
}

# wait_daemons SECONDS NAME...: waits for every /readyz; on failure names the laggards.
wait_daemons() {
    local timeout=$1 deadline=$((SECONDS + $1)) name pid
    shift
    local -a pending=("$@") left failed=()
    while ((${#pending[@]} > 0 && SECONDS < deadline)); do
        left=()
        for name in "${pending[@]}"; do
            if daemon_ready "$(daemon_port "$name")"; then
                info "$name: ready on http://127.0.0.1:$(daemon_port "$name")"
            elif ! pid=$(daemon_pid "$name"); then
                error "$name exited during start-up$(exit_note "$name")"
                failed+=("$name")
            else
                left+=("$name")
            fi
        done
        pending=("${left[@]}")
        ((${#pending[@]} == 0)) || sleep 0.2
    done
    for name in "${pending[@]}"; do
        error "$name: not ready after ${timeout}s (/readyz: $(readyz_code "$(daemon_port "$name")"))"
    done
    failed+=("${pending[@]}")
    ((${#failed[@]} == 0)) && return 0
    for name in "${failed[@]}"; do
        show_log_tail "$name" "$LOG_DIR/$name.log" 30
    done
    die "not ready: ${failed[*]}"
}

exit_note() {
    local status
    [[ -r $PID_DIR/$1.exit ]] || return 0
    status=$(<"$PID_DIR/$1.exit")
    printf ' with status %s' "$status"
}

# describe_exit NAME STATUS: "order-svc exited 0", or with the signal for statuses above 128.
describe_exit() {
    local name=$1 status=$2 sig
    if ((status > 128)) && sig=$(kill -l "$((status - 128))" 2>/dev/null); then
        printf '%s exited %s (killed by SIG%s)\n' "$name" "$status" "$sig"
    else
        printf '%s exited %s\n' "$name" "$status"
    fi
}

# daemon_stop NAME [SIGNAL] [SECONDS]: signals, waits, SIGKILLs if needed. Prints how the daemon
# ended and returns its exit status (0 when it was not running).
daemon_stop() {
    local name=$1 sig=${2:-TERM} secs=${3:-10} pid status=
    pid=$(daemon_pid "$name") || {
        rm -f "$PID_DIR/$name.pid"
        return 0
    }
    kill "-$sig" "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$secs"; then
        warn "$name (pid $pid) still running ${secs}s after SIG$sig; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || warn "$name (pid $pid) survived SIGKILL"
    fi
    wait_until 2 test -s "$PID_DIR/$name.exit" || true
    [[ -s $PID_DIR/$name.exit ]] && status=$(<"$PID_DIR/$name.exit")
    rm -f "$PID_DIR/$name.pid"
    if [[ -z $status ]]; then
        info "$name stopped (exit status unknown)"
        return 0
    fi
    describe_exit "$name" "$status"
    return "$status"
}

# Every daemon with a pid file: the services of the build and any started with daemon-start.
all_daemons() {
    local f name
    if service_list quiet; then
        printf '%s\n' "${SERVICES[@]}"
    fi
    for f in "$PID_DIR"/*.bin; do
        [[ -e $f ]] || continue
        name=$(basename "$f" .bin)
        known_service "$name" || printf '%s\n' "$name"
    done
}

daemons_stop_all() {
    local name
    while read -r name; do
        daemon_pid "$name" >/dev/null || continue
        daemon_stop "$name" TERM 10 || true
    done < <(all_daemons)
}

# ============================================================================================
# The gateway: nginx in front of the daemons, its configuration generated from their --describe
# ============================================================================================

gateway_pid() {
    pid_of "$GATEWAY_DIR/nginx.pid" nginx
}

gateway_healthz_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
        "http://$GATEWAY_ADDR:$OF_GATEWAY_PORT/healthz" 2>/dev/null || true
}

gateway_ready() {
    [[ $(gateway_healthz_code) == 200 ]]
}

gateway_check_ports() {
    gateway_pid >/dev/null && return 0
    require_port_free gateway "$OF_GATEWAY_PORT" OF_GATEWAY_PORT
    require_port_free "gateway status" "$OF_GATEWAY_STATUS_PORT" OF_GATEWAY_STATUS_PORT
}

# gateway_conf TARGET: the configuration for the native stack (upstreams on this stack's ports)
# or for docker-compose (upstreams by service name on their default ports).
gateway_conf() {
    local target=$1 name dir port host rc=0
    local -a args=()
    need jq
    load_services
    dir=$(mktemp -d)
    for name in "${SERVICES[@]}"; do
        "$(daemon_binary "$name")" --describe </dev/null >"$dir/$name.json" ||
            die "$name: --describe failed"
        if [[ $target == compose ]]; then
            host=$name port=$(jq -r .default_port "$dir/$name.json")
        else
            host=127.0.0.1 port=${SVC_PORT[$name]}
        fi
        args+=(--service "$name" "$host:$port" "$dir/$name.json")
    done
    if [[ $target == compose ]]; then
        "$OF_REPO_DIR/gateway/nginx-conf.sh" --target compose "${args[@]}" || rc=$?
    else
        "$OF_REPO_DIR/gateway/nginx-conf.sh" --target native --prefix "$GATEWAY_DIR" \
            --log-dir "$LOG_DIR" --listen "$GATEWAY_ADDR:$OF_GATEWAY_PORT" \
            --status-listen "127.0.0.1:$OF_GATEWAY_STATUS_PORT" "${args[@]}" || rc=$?
    fi
    rm -rf "$dir"
    return $rc
}

gateway_start() {
    local conf=$GATEWAY_DIR/nginx.conf log=$LOG_DIR/gateway.error.log pid
    if pid=$(gateway_pid); then
        info "gateway: already running (pid $pid)"
        return 0
    fi
    need nginx nginx-light
    gateway_check_ports
    mkdir -p "$GATEWAY_DIR/tmp" "$LOG_DIR"
    gateway_conf native >"$conf.tmp" || die "gateway: cannot generate its configuration"
    mv "$conf.tmp" "$conf"
    nginx -q -t -p "$GATEWAY_DIR" -c "$conf" -e "$log" 2>>"$log" ||
        fail_with_log gateway "$log" "gateway: nginx refuses $conf"
    info "gateway: starting on http://$GATEWAY_ADDR:$OF_GATEWAY_PORT"
    ROLLBACK+=("gateway_stop")
    nginx -p "$GATEWAY_DIR" -c "$conf" -e "$log" 2>>"$log" </dev/null ||
        fail_with_log gateway "$log" "gateway: nginx failed to start"
    wait_until 10 gateway_pid || fail_with_log gateway "$log" "gateway: no nginx pid"
    wait_ready gateway "$(gateway_pid)" 10 gateway_ready ||
        fail_with_log gateway "$log" "gateway: /healthz is not answering"
    info "gateway: ready (pid $(gateway_pid))"
}

gateway_stop() {
    local pid
    pid=$(gateway_pid) || return 0
    info "gateway: stopping (pid $pid)"
    stop_pid gateway "$pid" 10 QUIT
    rm -f "$GATEWAY_DIR/nginx.pid"
}

# ============================================================================================
# Commands
# ============================================================================================

cmd_gateway_start() {
    make_dirs
    gateway_start
    ROLLBACK=()
    write_env
}

cmd_gateway_stop() {
    gateway_stop
}

cmd_gateway_conf() {
    local target=${1:-native}
    [[ $target == native || $target == compose ]] || die "gateway-conf: native or compose"
    gateway_conf "$target"
}

cmd_infra_up() {
    infra_up
    ROLLBACK=()
    info "infrastructure ready; settings in $ENV_FILE"
}

cmd_infra_down() {
    infra_down
    info "infrastructure stopped"
}

cmd_up() {
    local name
    local -a started=()
    # Check the binaries and ports before starting anything.
    load_services
    for name in "${SERVICES[@]}"; do
        daemon_binary "$name" >/dev/null
        daemon_pid "$name" >/dev/null ||
            require_port_free "$name" "$(svc_port "$name")" OF_HTTP_PORT_BASE
    done
    gateway_check_ports
    infra_up
    for name in "${SERVICES[@]}"; do
        daemon_start "$name" "$(daemon_binary "$name")" "$(svc_port "$name")" "$(svc_role "$name")"
        started+=("$name")
    done
    wait_daemons "$READY_TIMEOUT" "${started[@]}"
    gateway_start
    ROLLBACK=()
    summary
}

summary() {
    local name
    printf '\norderflow is up (%s)\n\n' "$STACK_DIR"
    printf '  %-17s http://%s:%s   (the front door: every /v1 route)\n\n' gateway \
        "$GATEWAY_ADDR" "$OF_GATEWAY_PORT"
    printf '  Operator ports (each daemon directly; /metrics, /readyz):\n'
    for name in "${SERVICES[@]}"; do
        printf '  %-17s http://127.0.0.1:%s\n' "$name" "$(svc_port "$name")"
    done
    cat <<EOF

  Kafka bootstrap    127.0.0.1:$OF_KAFKA_PORT
  Postgres           psql $(pg_url "$DB_ADMIN")
  Redis              redis-cli -p $OF_REDIS_PORT

  Try:           curl -s http://$GATEWAY_ADDR:$OF_GATEWAY_PORT/.well-known/jwks.json
  Gateway:       status http://127.0.0.1:$OF_GATEWAY_STATUS_PORT/status, access log
                 $LOG_DIR/gateway.access.log (JSON lines)
  Watch events:  kcat -b 127.0.0.1:$OF_KAFKA_PORT -C -t order.created.v1 -f '%t %k %s\\n'
     all topics: kcat -b 127.0.0.1:$OF_KAFKA_PORT -G watch-\$USER -X auto.offset.reset=earliest \\
                   -f '%t %k %s\\n' '^[a-z]+\\..*\\.v[0-9]+\$'
  Logs:          make logs      Status: make status      Stop: make down

EOF
}

cmd_down() {
    gateway_stop
    daemons_stop_all
    infra_down
    verify_nothing_left
}

# After down, no pid file of this directory may name a live process.
verify_nothing_left() {
    local f pid alive=0
    for f in "$PID_DIR"/*.pid "$PG_DATA/postmaster.pid"; do
        [[ -e $f ]] || continue
        if pid=$(pid_of "$f"); then
            error "still running: pid $pid ($f)"
            alive=1
        else
            rm -f "$f" 2>/dev/null || true
        fi
    done
    ((alive == 0)) || die "some processes of $STACK_DIR are still running"
    info "stack in $STACK_DIR stopped"
}

status_line() {
    # NAME STATE PID PORT [EXTRA]
    printf '%-17s %-8s %-9s %-7s %s\n' "$1" "$2" "${3:+pid $3}" "$4" "${5:-}"
}

cmd_status() {
    local pid name port
    printf '%-17s %-8s %-9s %-7s %s\n' COMPONENT STATE PID PORT DETAIL
    if pid=$(pg_pid); then
        status_line postgres running "$pid" "$OF_PG_PORT" \
            "$(pg_ready && echo accepting connections || echo not accepting connections)"
    else
        status_line postgres stopped "" "$OF_PG_PORT"
    fi
    if pid=$(redis_pid); then
        status_line redis running "$pid" "$OF_REDIS_PORT" "$(redis_ready && echo PONG || echo no PONG)"
    else
        status_line redis stopped "" "$OF_REDIS_PORT"
    fi
    if pid=$(kafka_pid); then
        status_line kafka running "$pid" "$OF_KAFKA_PORT" \
            "$(kafka_ready >/dev/null 2>&1 && echo metadata ok || echo no metadata)"
    else
        status_line kafka stopped "" "$OF_KAFKA_PORT"
    fi
    if pid=$(gateway_pid); then
        status_line gateway running "$pid" "$OF_GATEWAY_PORT" \
            "healthz $(gateway_healthz_code), status :$OF_GATEWAY_STATUS_PORT/status"
    else
        status_line gateway stopped "" "$OF_GATEWAY_PORT"
    fi
    while read -r name; do
        port=$(daemon_port "$name" 2>/dev/null) || port=
        if pid=$(daemon_pid "$name"); then
            status_line "$name" running "$pid" "$port" "readyz $(readyz_code "$port")"
        else
            status_line "$name" stopped "" "$port" "$(exit_note "$name" | sed 's/^ with/last exit:/')"
        fi
    done < <(all_daemons)
}

# Log followers run in the background so a trap can stop them; LOG_TAILS holds their pids.
LOG_TAILS=()

start_log_tails() {
    local name f
    local -a names=(postgres redis kafka gateway.error gateway.access)
    mapfile -t -O 5 names < <(all_daemons)
    mkdir -p "$LOG_DIR"
    for name in "${names[@]}"; do
        f=$LOG_DIR/$name.log
        tail -n 20 -F "$f" 2>/dev/null > >(sed -u "s/^/$(printf '%-16s|' "$name") /") &
        LOG_TAILS+=("$!")
    done
}

stop_log_tails() {
    local pid
    for pid in "${LOG_TAILS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    LOG_TAILS=()
}

cmd_logs() {
    trap 'stop_log_tails; exit 0' INT TERM
    start_log_tails
    wait
}

cmd_run() {
    cmd_up
    trap 'stop_log_tails; info "stopping the stack"; cmd_down; exit 0' INT TERM
    info "following the logs; press Ctrl-C to stop everything"
    start_log_tails
    wait
}

cmd_clean_data() {
    cmd_down
    info "deleting data, logs and pid files under $STACK_DIR"
    rm -rf "$PG_DIR" "$REDIS_DIR" "$KAFKA_DIR" "$GATEWAY_DIR" "$LOG_DIR" "$PID_DIR" "$ENV_FILE"
}

cmd_env() {
    env_lines
}

cmd_services() {
    local name
    load_services
    for name in "${SERVICES[@]}"; do
        printf '%-17s %-6s %-17s %s\n' "$name" "${SVC_PORT[$name]}" "${SVC_ROLE[$name]}" \
            "${SVC_SCHEMA[$name]}"
    done
}

cmd_daemon_start() {
    local name=${1:-} bin port role
    [[ -n $name ]] || die "usage: stack.sh daemon-start NAME [BINARY] [PORT] [DB_ROLE]"
    bin=$(daemon_binary "$name" "${2:-}")
    if [[ -z ${3:-} || -z ${4:-} ]]; then
        describe "$name" "$bin"
    fi
    port=${3:-${SVC_PORT[$name]:-}}
    valid_port "$port" || die "$name: $port is not a port number"
    role=${4:-${SVC_ROLE[$name]:-}}
    make_dirs
    daemon_start "$name" "$bin" "$port" "$role"
    wait_daemons "$READY_TIMEOUT" "$name"
    ROLLBACK=()
}

cmd_daemon_stop() {
    local name=${1:-}
    [[ -n $name ]] || die "usage: stack.sh daemon-stop NAME [SIGNAL]"
    daemon_pid "$name" >/dev/null || die "$name is not running"
    daemon_stop "$name" "${2:-TERM}" 10
}

cmd_daemon_kill() {
    local name=${1:-} pid
    [[ -n $name ]] || die "usage: stack.sh daemon-kill NAME"
    pid=$(daemon_pid "$name") || die "$name is not running"
    kill -KILL "$pid"
    wait_gone "$pid" 5 || die "$name (pid $pid) survived SIGKILL"
    rm -f "$PID_DIR/$name.pid"
    info "$name killed (pid $pid)"
}

# ============================================================================================
# For the benchmarks (bench/): daemon-up starts one daemon through daemon_launch, as every other
# command does, and times it
# ============================================================================================

# The background poller of daemon-up, killed by the rollback when daemon-up fails.
UP_POLLER=

up_poller_stop() {
    [[ -n $UP_POLLER ]] || return 0
    kill "$UP_POLLER" 2>/dev/null || true
    UP_POLLER=
}

# up_readyz PORT: one GET /readyz over bash's /dev/tcp (no process per poll); true on 200.
up_readyz() {
    local fd code=
    { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&"$fd" \
        2>/dev/null || true
    read -r -t 2 _ code _ <&"$fd" || true
    exec {fd}>&-
    [[ $code == 200 ]]
}

# up_poll NAME PORT FILE SECONDS: runs beside daemon_launch. Notes when the launcher has forked
# the daemon (its pid file appears), then polls /readyz until it answers 200, sleeping
# OF_READY_POLL_MS between tries on a descriptor that never has data (no process per sleep).
# Writes "FORK_TIME READY_TIME" (Unix seconds) to FILE. Returns 1 on timeout, 2 when the daemon
# exited first.
up_poll() {
    local name=$1 port=$2 out=$3 deadline=$((SECONDS + $4)) ms=${OF_READY_POLL_MS:-2}
    local pf=$PID_DIR/$1.pid ef=$PID_DIR/$1.exit t_fork= nap sleep_fd
    printf -v nap '%d.%03d' $((ms / 1000)) $((ms % 1000))
    exec {sleep_fd}<> <(:)
    while ((SECONDS < deadline)); do
        if [[ -z $t_fork && (-e $pf.tmp || -e $pf) ]]; then
            t_fork=$EPOCHREALTIME
        fi
        if [[ -n $t_fork ]]; then
            if up_readyz "$port"; then
                printf '%s %s\n' "$t_fork" "$EPOCHREALTIME" >"$out"
                return 0
            fi
            [[ ! -e $ef ]] || return 2
        fi
        read -r -t "$nap" -u "$sleep_fd" _ || true
    done
    return 1
}

# up_ms FROM TO: milliseconds between two $EPOCHREALTIME values, one decimal.
up_ms() {
    local us=$((10#${2//[.,]/} - 10#${1//[.,]/}))
    printf '%d.%d' $((us / 1000)) $((us % 1000 / 100))
}

cmd_daemon_up() {
    local name=${1:-} bin port role out rc=0 t0 t_fork t_ready
    [[ -n $name ]] || die "usage: stack.sh daemon-up NAME [BINARY] [PORT] [DB_ROLE]"
    if ! known_service "$name" && [[ -z ${2:-} || -z ${3:-} ]]; then
        die "$name is not one of the seven services: give its BINARY and PORT"
    fi
    bin=$(daemon_binary "$name" "${2:-}")
    port=${3:-$(svc_port "$name")}
    valid_port "$port" || die "$name: $port is not a port number"
    role=${4:-$(svc_role "$name")}
    [[ ${OF_READY_POLL_MS:-2} =~ ^[1-9][0-9]{0,3}$ ]] ||
        die "OF_READY_POLL_MS=$OF_READY_POLL_MS is not a number of milliseconds (1-9999)"
    ! daemon_pid "$name" >/dev/null || die "$name is already running (daemon-stop it first)"
    require_port_free "$name" "$port" OF_HTTP_PORT_BASE
    make_dirs
    out=$PID_DIR/$name.up
    rm -f "$out" "$PID_DIR/$name.pid" "$PID_DIR/$name.pid.tmp" "$PID_DIR/$name.exit"
    up_poll "$name" "$port" "$out" "$READY_TIMEOUT" &
    UP_POLLER=$!
    ROLLBACK+=("up_poller_stop")
    t0=$EPOCHREALTIME
    daemon_launch "$name" "$bin" "$port" "$role"
    wait "$UP_POLLER" || rc=$?
    UP_POLLER=
    case $rc in
    0) ;;
    2) fail_with_log "$name" "$LOG_DIR/$name.log" \
        "$name exited during start-up$(exit_note "$name")" ;;
    *) fail_with_log "$name" "$LOG_DIR/$name.log" "$name: not ready after ${READY_TIMEOUT}s" ;;
    esac
    read -r t_fork t_ready <"$out"
    rm -f "$out"
    ROLLBACK=()
    printf 'name=%s pid=%s port=%s launch_ms=%s ready_ms=%s fork_at=%s ready_at=%s\n' "$name" \
        "$(<"$PID_DIR/$name.pid")" "$port" "$(up_ms "$t0" "$t_fork")" \
        "$(up_ms "$t_fork" "$t_ready")" "${t_fork/,/.}" "${t_ready/,/.}"
}

main() {
    local cmd=${1:-help}
    shift || true
    init_paths
    case $cmd in
    help | -h | --help)
        usage
        return 0
        ;;
    infra-up | infra-down | up | down | run | status | logs | env | services | clean-data | \
        daemon-start | daemon-stop | daemon-kill | gateway-start | gateway-stop | gateway-conf) ;;
    daemon-up) ;;
    *)
        usage >&2
        die "unknown command '$cmd'"
        ;;
    esac
    load_settings
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    "cmd_${cmd//-/_}" "$@"
}

main "$@"
