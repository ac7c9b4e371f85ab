# shellcheck shell=bash
# Shared helpers for orderflow's bash scripts: messages, paths, ports, pid files and waiting.
# Source it after `set -euo pipefail`; it defines functions and a few variables, nothing runs.

if [[ -n ${OF_COMMON_SH_LOADED:-} ]]; then
    return 0
fi
OF_COMMON_SH_LOADED=1

# The repository root (this file lives in <repo>/scripts/lib).
# shellcheck disable=SC2034 # used by the scripts that source this file
OF_REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OF_PROG=${OF_PROG:-$(basename "$0" .sh)}

# ---- messages (all on stderr, so stdout stays free for a script's real output) ----

info() {
    printf '%s: %s\n' "$OF_PROG" "$*" >&2
}

warn() {
    printf '%s: warning: %s\n' "$OF_PROG" "$*" >&2
}

error() {
    printf '%s: error: %s\n' "$OF_PROG" "$*" >&2
}

die() {
    error "$@"
    exit 1
}

have() {
    command -v "$1" >/dev/null 2>&1
}

# need CMD [PACKAGE]: stops with a message naming the missing tool and the package that has it.
need() {
    have "$1" && return 0
    die "'$1' not found on PATH (install ${2:-$1}, e.g. with 'make deps' or scripts/deps.sh)"
}

# ---- ports ----

# port_in_use PORT: true when something listens on PORT (any address) or 127.0.0.1:PORT answers.
port_in_use() {
    local port=$1
    if have ss && [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
        return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# port_owner PORT: best-effort description of who listens on PORT ("" when unknown).
port_owner() {
    have ss || return 0
    local out
    out=$(ss -Hltnp "sport = :$1" 2>/dev/null) || return 0
    sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/\1/p;T;q' <<<"$out"
}

# require_port_free COMPONENT PORT VARIABLE: dies naming the component and port when taken.
require_port_free() {
    local what=$1 port=$2 var=$3 owner
    port_in_use "$port" || return 0
    owner=$(port_owner "$port")
    die "$what cannot start: port $port is already in use${owner:+ (by $owner)}; stop that" \
        "process or choose another port with $var=<port>"
}

# ---- pid files ----

# pid_of PIDFILE [PATTERN]: prints the pid when the file names a live process whose command line
# contains PATTERN (guards against a recycled pid); returns 1 otherwise.
pid_of() {
    local file=$1 pattern=${2:-} pid cmdline
    [[ -r $file ]] || return 1
    read -r pid <"$file" 2>/dev/null || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    pid_gone "$pid" && return 1
    if [[ -n $pattern ]]; then
        cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
        [[ $cmdline == *"$pattern"* ]] || return 1
    fi
    printf '%s\n' "$pid"
}

# pid_gone PID: true when PID no longer exists (or is a zombie waiting for its parent).
pid_gone() {
    local state
    kill -0 "$1" 2>/dev/null || return 0
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
    [[ $state == Z ]]
}

# wait_gone PID SECONDS: waits for PID to exit; returns 1 if it is still there after SECONDS.
wait_gone() {
    local pid=$1 tenths=$(($2 * 10))
    while ((tenths-- > 0)); do
        pid_gone "$pid" && return 0
        sleep 0.1
    done
    pid_gone "$pid"
}

# stop_pid NAME PID SECONDS [SIGNAL]: sends SIGNAL (TERM), waits SECONDS, then SIGKILLs.
stop_pid() {
    local name=$1 pid=$2 secs=$3 sig=${4:-TERM}
    kill "-$sig" "$pid" 2>/dev/null || return 0
    wait_gone "$pid" "$secs" && return 0
    warn "$name (pid $pid) still running after ${secs}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || warn "$name (pid $pid) did not exit even after SIGKILL"
}

# ---- waiting and logs ----

# wait_until SECONDS CMD...: runs CMD every 0.2 s until it succeeds; returns 1 on timeout.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    while ((SECONDS < deadline)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    "$@" >/dev/null 2>&1
}

# show_log_tail NAME FILE [LINES]: prints the end of a log file to stderr, framed.
show_log_tail() {
    local name=$1 file=$2 lines=${3:-30}
    if [[ ! -s $file ]]; then
        printf '    (%s: %s is empty or missing)\n' "$name" "$file" >&2
        return 0
    fi
    printf -- '---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '---- end of %s ----\n' "$file" >&2
}

# ---- privileges ----

is_root() {
    [[ $(id -u) -eq 0 ]]
}

# cache_dir: where downloaded artifacts (the Kafka jars) are kept between runs.
cache_dir() {
    printf '%s\n' "${OF_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/orderflow}"
}
