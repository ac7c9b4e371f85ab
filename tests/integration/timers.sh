#!/usr/bin/env bash
# Durable timers (common/timers.h) through probe-svc, whose "probe" timer records each firing in
# probe.timer_fired and writes a probe.event to its outbox in the claiming transaction: a timer
# fires after its due time and not before; a cancelled one never fires; re-arming moves it; its
# event reaches Kafka once; a handler's transient failure is retried with backoff, a permanent
# one parks the timer; two instances on one schema fire each of 100 timers exactly once; a timer
# that fell due while the daemon was stopped fires when it is back; /metrics counts all of it.
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/lib/ports.sh
source "$OF_REPO/scripts/lib/ports.sh"

PORT=$OF_PROBE_PORT
BROKER="127.0.0.1:$OF_KAFKA_PORT"
pick_port PORT2 || fail "no free port"

start_probe() { # NAME PORT
  OF_MIGRATIONS_DIR="$OF_REPO/tests/integration/probe/migrations" OF_OUTBOX_POLL_MS=200 \
    OF_RETRY_BASE_MS=200 OF_RETRY_MAX_MS=400 OF_TIMER_POLL_MS=500 \
    stack daemon-start "$1" "$OF_BIN_DIR/probe-svc" "$2" probe_svc >/dev/null
}
trap 'stack daemon-stop probe-svc >/dev/null 2>&1 || true; stack daemon-stop probe-svc2 >/dev/null 2>&1 || true
  rm -f "$BODY_FILE" "$HEADERS_FILE" "$RAW_REQ" "$RAW_RESP"' EXIT
start_probe probe-svc "$PORT"

run=$RANDOM$RANDOM
arm() { # KEY DUE_IN_MS [MODE] [PORT]
  assert_eq "$(http -X POST -H 'Content-Type: application/json' \
    -d "{\"key\":\"$run-$1\",\"due_in_ms\":$2,\"mode\":\"${3:-ok}\"}" \
    "http://127.0.0.1:${4:-$PORT}/v1/probe/timers")" 202 "arm $1"
}
cancel() {
  assert_eq "$(http -X POST -H 'Content-Type: application/json' -d "{\"key\":\"$run-$1\"}" \
    "http://127.0.0.1:$PORT/v1/probe/timers/cancel")" 202 "cancel $1"
}
fired() { psql_admin "SELECT count(*) FROM probe.timer_fired WHERE key = '$run-$1'"; }
fired_is() { [ "$(fired "$1")" == "$2" ]; }
armed() { psql_admin "SELECT count(*) FROM probe.timers WHERE key = '$run-$1'"; }

# 1. Not before its due time, soon after it.
t0=$(date +%s.%N)
arm due 2000
sleep 1
assert_eq "$(fired due)" 0 "fired before its due time"
wait_until 6 fired_is due 1 || fail "not fired 7 s after arming for 2 s"
late=$(psql_admin "SELECT EXTRACT(EPOCH FROM fired_at) - $t0 FROM probe.timer_fired WHERE key = '$run-due'")
awk -v l="$late" 'BEGIN { exit !(l >= 1.9 && l < 4) }' || fail "fired ${late} s after arming for 2 s"
assert_eq "$(armed due)" 0 "the fired timer's row"
ok "a timer armed for 2 s fired once, ${late} s later, and its row is gone"

# 2. Its event reaches Kafka once, and the consumer's effect happens once.
wait_until 10 bash -c "[ \"\$(kcat -b $BROKER -C -e -q -t probe.event.v1 -f '%k\n' 2>/dev/null | grep -cx '$run-due')\" = 1 ]" ||
  fail "the timer's event is not on probe.event.v1 exactly once"
wait_until 10 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -XAtqc \"SELECT count(*) FROM probe.effects WHERE key = '$run-due'\")\" = 1 ]" ||
  fail "the timer's event was not handled exactly once"
ok "the handler's outbox event is on Kafka once and consumed once"

# 3. Cancelled: never fires. Re-armed: fires at the new time.
arm gone 1000
cancel gone
cancel gone # again: not an error
arm later 500
arm later 60000
arm sooner 60000
arm sooner 300
wait_until 5 fired_is sooner 1 || fail "a timer re-armed from 60 s to 0.3 s did not fire"
sleep 2
assert_eq "$(fired gone)" 0 "a cancelled timer fired"
assert_eq "$(armed gone)" 0 "a cancelled timer's row"
assert_eq "$(fired later)" 0 "a timer re-armed from 0.5 s to 60 s fired"
assert_eq "$(armed later)" 1 "the re-armed timer's row"
cancel later
ok "cancel (twice) prevents firing; re-arming moves a timer both ways"

# 4. Transient failures: retried with backoff, fired on the third try. Permanent: parked.
failed0=$(metric_value "$PORT" 'timers_failed_total{kind="probe"}')
arm flaky 100 retry
arm broken 100 fail
wait_until 10 fired_is flaky 1 || fail "a timer failing twice transiently did not fire"
assert_eq "$(psql_admin "SELECT attempts FROM probe.timer_fired WHERE key = '$run-flaky'")" 2 "tries before firing"
wait_until 5 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -XAtqc \"SELECT due_at = 'infinity' FROM probe.timers WHERE key = '$run-broken'\")\" = t ]" ||
  fail "a permanently failing timer was not parked"
psql_admin "SELECT last_error FROM probe.timers WHERE key = '$run-broken'" | grep -q 'asked to fail' ||
  fail "the parked timer's last_error"
assert_eq "$(fired broken)" 0 "the parked timer fired"
failed=$(metric_value "$PORT" 'timers_failed_total{kind="probe"}')
awk -v a="$failed0" -v b="$failed" 'BEGIN { exit !(b - a >= 3) }' || fail "timers_failed_total went from $failed0 to $failed"
[ "$(metric_value "$PORT" timers_parked)" -ge 1 ] 2>/dev/null || fail "timers_parked: $(metric_value "$PORT" timers_parked)"
grep -q "timers: probe $run-broken: parked: payload.mode: asked to fail" "$OF_STACK_DIR/logs/probe-svc.log" ||
  fail "no log line for the parked timer"
psql_admin "DELETE FROM probe.timers WHERE key = '$run-broken'" >/dev/null
ok "two transient failures then fired (attempts 2); a permanent failure parked with its reason"

# 5. Two instances on one schema: each of 100 timers fires exactly once.
start_probe probe-svc2 "$PORT2"
for i in $(seq 100); do
  arm "many-$i" 1500 ok "$([ $((i % 2)) = 0 ] && echo "$PORT" || echo "$PORT2")" &
  ((i % 20 == 0)) && wait
done
wait
all_fired() { [ "$(psql_admin "SELECT count(*) FROM probe.timer_fired WHERE key LIKE '$run-many-%'")" -ge 100 ]; }
wait_until 20 all_fired || fail "of 100 timers only $(psql_admin "SELECT count(*) FROM probe.timer_fired WHERE key LIKE '$run-many-%'") fired"
sleep 1
assert_eq "$(psql_admin "SELECT count(*) || ' ' || count(DISTINCT key) FROM probe.timer_fired WHERE key LIKE '$run-many-%'")" \
  "100 100" "firings and distinct timers"
instances=$(psql_admin "SELECT count(DISTINCT instance) FROM probe.timer_fired WHERE key LIKE '$run-many-%'")
ok "two instances: 100 timers fired exactly once each (by $instances instance(s))"

# 6. Due while no instance runs: fires when one is back.
arm asleep 1500
stack daemon-stop probe-svc2 >/dev/null
stack daemon-stop probe-svc >/dev/null
sleep 3
assert_eq "$(fired asleep)" 0 "fired with no instance running"
start_probe probe-svc "$PORT"
wait_until 10 fired_is asleep 1 || fail "a timer that fell due while the daemon was stopped did not fire"
lag=$(metric_value "$PORT" timers_lag_seconds)
ok "a timer due while the daemon was stopped fired after the restart (last lag ${lag} s)"

# 7. /metrics.
fired_total=$(metric_value "$PORT" 'timers_fired_total{kind="probe"}')
[ "${fired_total%.*}" -ge 1 ] || fail "timers_fired_total: $fired_total"
curl -s "http://127.0.0.1:$PORT/metrics" | metrics_lint || fail "the metrics do not lint"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -q '^timers_due ' || fail "no timers_due gauge"
ok "/metrics: timers_fired_total, timers_failed_total, timers_lag_seconds, timers_due, timers_parked"
