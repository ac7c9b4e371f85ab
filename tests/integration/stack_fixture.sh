#!/usr/bin/env bash
# The integration tests' private stack: `up` starts Postgres, Redis, Kafka and the seven daemons
# on free ports in a new temporary directory; `down` stops all of it and keeps the logs under
# $OF_ITEST_DIR/logs. Never touches a developer's `make up` stack.
set -euo pipefail
: "${OF_REPO:?}" "${OF_BUILD_DIR:?}" "${OF_ITEST_DIR:?}"
STACK="$OF_REPO/scripts/stack.sh"

# shellcheck source=../../scripts/lib/ports.sh
source "$OF_REPO/scripts/lib/ports.sh"

up() {
  mkdir -p "$OF_ITEST_DIR"
  local dir
  dir=$(mktemp -d /tmp/orderflow-itest.XXXXXX)
  chmod 755 "$dir"
  # Ports first, all distinct: HTTP base + 1..7 for the services, base for the gateway, base + 8
  # for its status, base + 9 for the probe. The gateway's request rate is raised for the
  # scenarios' bursts of requests from one address; gateway.sh checks the limits on a gateway
  # of its own.
  pick_stack_ports 10
  cat >"$OF_ITEST_DIR/env" <<ENV
OF_STACK_DIR=$dir
OF_BIN_DIR=$OF_BUILD_DIR
OF_HTTP_PORT_BASE=$OF_HTTP_PORT_BASE
OF_PG_PORT=$OF_PG_PORT
OF_REDIS_PORT=$OF_REDIS_PORT
OF_KAFKA_PORT=$OF_KAFKA_PORT
OF_KAFKA_CONTROLLER_PORT=$OF_KAFKA_CONTROLLER_PORT
OF_PROBE_PORT=$((OF_HTTP_PORT_BASE + 9))
OF_PG_FAST=1
OF_GATEWAY_RATE=500
OF_GATEWAY_BURST=1000
# An approved order nobody can deliver is cancelled after OF_ASSIGN_WINDOW_S (10 min by default):
# in a full run that would cancel the saga tests' Bengaluru orders (no partners there) in the
# middle of later tests and move their counters (inventory.sh counts releases). The window is an
# hour here; partner.sh sets a short one for its own no-partner scenario.
OF_ASSIGN_WINDOW_S=3600
# notification-svc writes one JSON line per message here (the file channel), which
# notification.sh reads; the other daemons ignore these settings.
OF_NOTIFY_CHANNEL=file
OF_NOTIFY_FILE=$dir/notifications.jsonl
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
