#!/usr/bin/env bash
# The integration tests' private stack: `up` starts Postgres, Redis, Kafka and the seven daemons
# on free ports in a new temporary directory; `down` stops all of it and keeps the logs under
# $OF_ITEST_DIR/logs. Never touches a developer's `make up` stack.
set -euo pipefail
: "${OF_REPO:?}" "${OF_BUILD_DIR:?}" "${OF_ITEST_DIR:?}"
STACK="$OF_REPO/scripts/stack.sh"

port_free() { ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

# A free TCP port not in $TAKEN; with a count, the first of that many consecutive free ports.
TAKEN=" "
pick_port() {
  local n=${1:-1} p i
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+), where outgoing connections land
    for ((i = 0; i < n; i++)); do
      port_free $((p + i)) && [[ $TAKEN != *" $((p + i)) "* ]] || continue 2
    done
    for ((i = 0; i < n; i++)); do TAKEN+="$((p + i)) "; done
    echo "$p"
    return 0
  done
  echo "no free port found" >&2
  return 1
}

up() {
  mkdir -p "$OF_ITEST_DIR"
  local dir
  dir=$(mktemp -d /tmp/orderflow-itest.XXXXXX)
  chmod 755 "$dir"
  # Ports first, all distinct: HTTP base + 1..7 for the services, base + 9 for the probe.
  local base pg redis kafka ctrl
  base=$(pick_port 10); pg=$(pick_port); redis=$(pick_port); kafka=$(pick_port); ctrl=$(pick_port)
  cat >"$OF_ITEST_DIR/env" <<ENV
OF_STACK_DIR=$dir
OF_BIN_DIR=$OF_BUILD_DIR
OF_HTTP_PORT_BASE=$base
OF_PG_PORT=$pg
OF_REDIS_PORT=$redis
OF_KAFKA_PORT=$kafka
OF_KAFKA_CONTROLLER_PORT=$ctrl
OF_PROBE_PORT=$((base + 9))
OF_PG_FAST=1
ENV
  set -a
  # shellcheck disable=SC1091
  source "$OF_ITEST_DIR/env"
  set +a
  "$STACK" up
  "$STACK" env >>"$OF_ITEST_DIR/env"
  echo "test stack up in $dir"
}

down() {
  [ -f "$OF_ITEST_DIR/env" ] || { echo "no test stack to stop"; return 0; }
  set -a
  # shellcheck disable=SC1091
  source "$OF_ITEST_DIR/env"
  set +a
  local rc=0
  "$STACK" down || rc=$?
  rm -rf "$OF_ITEST_DIR/logs"
  if [ -d "$OF_STACK_DIR/logs" ]; then
    cp -r "$OF_STACK_DIR/logs" "$OF_ITEST_DIR/logs"
  fi
  case "$OF_STACK_DIR" in
  /tmp/orderflow-itest.*) rm -rf "$OF_STACK_DIR" ;;
  esac
  rm -f "$OF_ITEST_DIR/env"
  echo "test stack stopped (logs kept in $OF_ITEST_DIR/logs)"
  return $rc
}

case "${1:-}" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
