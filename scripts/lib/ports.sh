# shellcheck shell=bash
# Free TCP ports for a private stack (the integration tests' fixture, the benchmarks): picked at
# random below the ephemeral range, checked free with ss, never handed out twice by one shell.
# Source it; it defines functions and one variable, nothing runs.

if [[ -n ${OF_PORTS_SH_LOADED:-} ]]; then
    return 0
fi
OF_PORTS_SH_LOADED=1

# The ports this shell has handed out already (" p1 p2 ... "): a port picked but not yet listened
# on still looks free to ss.
OF_PORTS_TAKEN=" "

# port_free PORT: true when nothing listens on PORT.
port_free() {
    ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
}

# pick_port VAR [COUNT]: sets VAR to a free port, or with COUNT to the first of that many
# consecutive free ports, none of them handed out before. Sets VAR itself rather than printing,
# so that OF_PORTS_TAKEN survives (a $(pick_port) subshell would forget it). Returns 1 when 200
# tries found nothing.
pick_port() {
    local var=$1 n=${2:-1} p i try
    for ((try = 0; try < 200; try++)); do
        # 20000-31999: below the ephemeral range (32768+), where outgoing connections land.
        p=$((20000 + RANDOM % 12000))
        for ((i = 0; i < n; i++)); do
            port_free $((p + i)) && [[ $OF_PORTS_TAKEN != *" $((p + i)) "* ]] || continue 2
        done
        for ((i = 0; i < n; i++)); do
            OF_PORTS_TAKEN+="$((p + i)) "
        done
        printf -v "$var" '%s' "$p"
        return 0
    done
    printf 'no free port found\n' >&2
    return 1
}

# pick_stack_ports [HTTP_COUNT]: sets and exports the ports scripts/stack.sh reads (OF_PG_PORT,
# OF_REDIS_PORT, OF_KAFKA_PORT, OF_KAFKA_CONTROLLER_PORT and OF_HTTP_PORT_BASE, the first of
# HTTP_COUNT (default 10) consecutive ports: base + 1..7 are the services). Returns 1 on failure.
pick_stack_ports() {
    pick_port OF_HTTP_PORT_BASE "${1:-10}" && pick_port OF_PG_PORT && pick_port OF_REDIS_PORT &&
        pick_port OF_KAFKA_PORT && pick_port OF_KAFKA_CONTROLLER_PORT || return 1
    export OF_HTTP_PORT_BASE OF_PG_PORT OF_REDIS_PORT OF_KAFKA_PORT OF_KAFKA_CONTROLLER_PORT
}
