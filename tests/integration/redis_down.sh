#!/usr/bin/env bash
# Redis stopped under the running daemons: each answers /readyz 503 naming Redis, quickly (the
# client's timeout bounds every call), keeps serving /healthz, does not crash, and is ready again
# by itself once Redis is back.
source "$(dirname "$0")/lib.sh"

redis-cli -p "$OF_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
wait_until 10 bash -c "! redis-cli -p $OF_REDIS_PORT ping >/dev/null 2>&1" || fail "Redis did not stop"

for i in "${!SERVICES[@]}"; do
  svc=${SERVICES[$i]} port=$(svc_port "$i")
  start=$(date +%s%N)
  code=$(http "http://127.0.0.1:$port/readyz")
  ms=$((($(date +%s%N) - start) / 1000000))
  assert_eq "$code" 503 "$svc /readyz with Redis down"
  assert_eq "$(jq -r .redis "$BODY_FILE")" unavailable "$svc /readyz redis"
  assert_eq "$(jq -r .postgres "$BODY_FILE")" ok "$svc /readyz postgres"
  ((ms < 2000)) || fail "$svc took $ms ms to answer /readyz with Redis down"
  assert_eq "$(http "http://127.0.0.1:$port/healthz")" 200 "$svc /healthz with Redis down"
done
ok "Redis down: every daemon answers /readyz 503 (redis unavailable) promptly and stays up"

stack infra-up >/dev/null
wait_all_ready
for svc in "${SERVICES[@]}"; do
  pid=$(cat "$OF_STACK_DIR/pids/$svc.pid")
  kill -0 "$pid" 2>/dev/null || fail "$svc is gone"
done
ok "Redis back: every daemon ready again without a restart"
