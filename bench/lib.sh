# shellcheck shell=bash
# Shared by the benchmarks: a private stack that scripts/stack.sh runs in a new temporary
# directory on free ports (the daemons get exactly the environment and keys `make run` gives
# them), stopped at exit whatever happens; an optional watchdog (OF_BENCH_TIMEOUT seconds) that
# ends an overlong run through the same cleanup; the fields of `stack.sh daemon-up`'s line.
# Source it after `set -euo pipefail`, with OF_PROG set.

# shellcheck source=../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source=../scripts/lib/ports.sh
source "$OF_REPO_DIR/scripts/lib/ports.sh"

STACK=$OF_REPO_DIR/scripts/stack.sh
BENCH_WATCHDOG=
# Scratch directories of the bench itself, deleted by bench_cleanup.
BENCH_SCRATCH=()

# bench_cleanup: the EXIT trap. Stops the daemons and the infrastructure, keeps the logs in
# OF_BENCH_LOG_DIR when that is set, deletes the stack directory; keeps the exit status.
bench_cleanup() {
    local rc=$?
    trap - EXIT
    if [[ -n $BENCH_WATCHDOG ]]; then
        kill "$BENCH_WATCHDOG" 2>/dev/null || true
        wait "$BENCH_WATCHDOG" 2>/dev/null || true
    fi
    if [[ -n ${OF_STACK_DIR:-} && -d $OF_STACK_DIR ]]; then
        if ! "$STACK" down >"$OF_STACK_DIR/down.log" 2>&1; then
            show_log_tail "stack.sh down" "$OF_STACK_DIR/down.log" 30
            ((rc != 0)) || rc=1
        fi
        if [[ -n ${OF_BENCH_LOG_DIR:-} ]]; then
            rm -rf "$OF_BENCH_LOG_DIR"
            mkdir -p "$(dirname "$OF_BENCH_LOG_DIR")"
            cp -r "$OF_STACK_DIR/logs" "$OF_BENCH_LOG_DIR" 2>/dev/null || true
        fi
        rm -rf "$OF_STACK_DIR"
    fi
    if ((${#BENCH_SCRATCH[@]} > 0)); then
        rm -rf "${BENCH_SCRATCH[@]}"
    fi
    exit "$rc"
}

# bench_traps: bench_cleanup at every exit; signals end the run through it.
bench_traps() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'error "gave up after OF_BENCH_TIMEOUT=${OF_BENCH_TIMEOUT}s"; exit 124' USR1
}

# bench_watchdog SECONDS: signals this shell (USR1) after SECONDS; bench_cleanup stops it.
bench_watchdog() {
    (
        trap 'kill "$nap" 2>/dev/null; exit 0' TERM
        sleep "$1" &
        nap=$!
        wait "$nap" && kill -USR1 $$
    ) &
    BENCH_WATCHDOG=$!
}

# bench_stack_up: a new stack directory and free ports, the cleanup traps, then infra-up.
# OF_PG_FAST [1]: Postgres with fsync, synchronous_commit and full_page_writes off.
bench_stack_up() {
    OF_BIN_DIR=$(realpath -m "${OF_BIN_DIR:-$OF_REPO_DIR/build}")
    OF_STACK_DIR=$(mktemp -d /tmp/orderflow-bench.XXXXXX)
    chmod 755 "$OF_STACK_DIR" # Postgres runs as its own user when we are root
    # Postgres without fsync unless the bench says otherwise (bench/saga keeps durability on).
    OF_PG_FAST=${OF_PG_FAST:-1}
    export OF_BIN_DIR OF_STACK_DIR OF_PG_FAST
    bench_traps
    if [[ -n ${OF_BENCH_TIMEOUT:-} && -z $BENCH_WATCHDOG ]]; then
        [[ $OF_BENCH_TIMEOUT =~ ^[1-9][0-9]*$ ]] ||
            die "OF_BENCH_TIMEOUT=$OF_BENCH_TIMEOUT is not a number of seconds"
        bench_watchdog "$OF_BENCH_TIMEOUT"
    fi
    pick_stack_ports 10 || die "no free ports for the stack"
    "$STACK" infra-up >"$OF_STACK_DIR/infra-up.log" 2>&1 || {
        show_log_tail "stack.sh infra-up" "$OF_STACK_DIR/infra-up.log" 40
        die "the infrastructure did not start"
    }
}

# bench_binaries NAME...: dies before anything starts when a daemon is not built.
bench_binaries() {
    local name
    for name in "$@"; do
        [[ -x $OF_BIN_DIR/$name ]] ||
            die "$OF_BIN_DIR/$name is missing: run 'make build' first (or set OF_BIN_DIR)"
    done
}

# bench_build_note: which build the binaries come from, e.g. "build/ (RelWithDebInfo)".
bench_build_note() {
    local cache=$OF_BIN_DIR/CMakeCache.txt type=unknown extra=
    if [[ -r $cache ]]; then
        type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
        grep -q '^OF_SANITIZE:BOOL=ON' "$cache" && extra=", sanitizers: figures not comparable"
    fi
    printf '%s (%s%s)\n' "$OF_BIN_DIR" "${type:-unknown}" "$extra"
}

# up_field LINE KEY: the value of KEY in a daemon-up line ("name=x pid=1 ... ready_ms=2.5").
up_field() {
    local kv
    for kv in $1; do
        if [[ $kv == "$2="* ]]; then
            printf '%s\n' "${kv#*=}"
            return 0
        fi
    done
    return 1
}

# median: of the numbers on stdin, one a line.
median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]
        else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
