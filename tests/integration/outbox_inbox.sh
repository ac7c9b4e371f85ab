#!/usr/bin/env bash
# Outbox -> Kafka -> inbox, end to end through probe-svc (a test daemon on the shared lifecycle):
# per-key order and exactly-once effects; SIGKILL between produce and mark-published leads to a
# redelivery the inbox swallows; a malformed record is dead-lettered while its partition keeps
# flowing; a record its handler rejects is dead-lettered with the handler's reason; a transient
# database error is retried with backoff; a broken deployment stalls without blaming or
# dead-lettering anything.
source "$(dirname "$0")/lib.sh"

PORT=$OF_PROBE_PORT
TOPIC=probe.event.v1
BROKER="127.0.0.1:$OF_KAFKA_PORT"

start_probe() {
  OF_MIGRATIONS_DIR="$OF_REPO/tests/integration/probe/migrations" OF_OUTBOX_POLL_MS=200 \
    OF_RETRY_BASE_MS=50 OF_RETRY_MAX_MS=400 OF_KAFKA_SESSION_TIMEOUT_MS=6000 OF_RETRY_BUDGET=30 OF_CONSUMER_BATCH=64 \
    stack daemon-start probe-svc "$OF_BIN_DIR/probe-svc" "$PORT" probe_svc >/dev/null
}
trap 'stack daemon-stop probe-svc >/dev/null 2>&1 || true; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT
start_probe

emit() {
  local code
  code=$(http -X POST -H 'Content-Type: application/json' -d "{\"key\":\"$1\",\"count\":$2}" \
    "http://127.0.0.1:$PORT/v1/probe/emit")
  assert_eq "$code" 202 "emit $2 events for $1"
}
effects() { psql_admin "SELECT count(*) FROM probe.effects WHERE key = '$1'"; }
effects_are() { [ "$(effects "$1")" == "$2" ]; }
unpublished() { psql_admin "SELECT count(*) FROM probe.outbox WHERE published_at IS NULL AND key = '$1'"; }
unpublished_are() { [ "$(unpublished "$1")" == "$2" ]; }
records_with_key() { kcat -b "$BROKER" -C -e -q -t "$1" -f '%k\n' 2>/dev/null | grep -cx "$2" || true; }

# 1. Three keys written concurrently: each effect exactly once, in order per key.
emit order-a 300 & emit order-b 300 & emit order-c 300 & wait
for k in order-a order-b order-c; do
  wait_until 60 effects_are "$k" 300 || fail "$k: $(effects "$k") of 300 events handled"
done
assert_eq "$(psql_admin "SELECT count(DISTINCT event_id) FROM probe.effects WHERE key LIKE 'order-_'")" 900 "distinct events"
out_of_order=$(psql_admin "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (PARTITION BY key ORDER BY handled) AS prev
                           FROM probe.effects WHERE key LIKE 'order-_') t WHERE seq <> prev + 1")
assert_eq "$out_of_order" 0 "events handled out of order"
wait_until 20 unpublished_are order-a 0 || fail "outbox rows left unpublished"
ok "900 events on 3 keys: each handled once, in order per key, all marked published"

# 2. The relay cannot mark rows published (UPDATE revoked), so it keeps re-producing them; the
#    daemon is SIGKILLed in that state and restarted with the grant back: every row is published,
#    Kafka holds redeliveries, and the effect is still applied exactly once.
psql_admin "REVOKE UPDATE ON probe.outbox FROM probe_svc"
emit crash 50
wait_until 60 effects_are crash 50 || fail "crash: $(effects crash) of 50 handled before the kill"
assert_eq "$(unpublished crash)" 50 "rows published although marking was refused"
wait_until 30 bash -c "(( \$(kcat -b $BROKER -C -e -q -t $TOPIC -f '%k\n' 2>/dev/null | grep -cx crash) > 50 ))" ||
  fail "the relay did not re-produce unmarked rows"
stack daemon-kill probe-svc >/dev/null
psql_admin "GRANT UPDATE ON probe.outbox TO probe_svc"
start_probe
wait_until 30 unpublished_are crash 0 || fail "rows not published after the restart"
sleep 1 # let the consumer drain what the restarted relay produced
assert_eq "$(effects crash)" 50 "effects after redelivery"
dups=$(metric_value "$PORT" "events_duplicate_total{topic=\"$TOPIC\"}")
awk -v d="$dups" 'BEGIN { exit !(d > 0) }' || fail "no duplicate was counted after the restart"
ok "SIGKILL between produce and mark: $(records_with_key $TOPIC crash) records for 50 events, effects once"

# 3. Poison records are dead-lettered with their origin, and the partition keeps flowing.
printf 'poison:this is not json\n' | kcat -b "$BROKER" -P -t $TOPIC -K: -p 0
bad_version=$(jq -cn --arg id "$(cat /proc/sys/kernel/random/uuid)" '{event_id: $id, event_type: "probe.event",
  event_version: 9, occurred_at: "2026-11-21T10:00:00.000Z", producer: "itest",
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", correlation_id: "poison", causation_id: "",
  data: {key: "poison", seq: 1}}')
printf 'poison|%s\n' "$bad_version" | kcat -b "$BROKER" -P -t $TOPIC -K'|' -p 0
emit poison 5
wait_until 60 effects_are poison 5 || fail "poison: $(effects poison) of 5 good events handled"
dlq=$(kcat -b "$BROKER" -C -e -q -t "$TOPIC.dlq" -f '%k|%h|%s\n' 2>/dev/null)
grep -q '^poison|.*dlq.error=.*this is not json$' <<<"$dlq" || fail "malformed record not dead-lettered: $dlq"
grep -q '^poison|.*dlq.partition=0.*' <<<"$dlq" || fail "dead letter without its partition"
grep -q '^poison|.*dlq.error=[^,]*event_version' <<<"$dlq" || fail "unknown version not dead-lettered by field"
dead=$(metric_value "$PORT" "events_dead_lettered_total{topic=\"$TOPIC\"}")
awk -v d="$dead" 'BEGIN { exit !(d >= 2) }' || fail "dead letters not counted ($dead)"
ok "malformed JSON and an unknown version dead-lettered with origin; the partition kept flowing"

# 4. A record the handler rejects (consumer_fail) is dead-lettered with the handler's reason:
#    exactly that in dlq.error and in the log line, and nothing of its data; the next is handled.
probe_event() { # KEY DATA: a probe.event.v1 envelope as one JSON line
  jq -cn --arg id "$(cat /proc/sys/kernel/random/uuid)" --arg key "$1" --argjson data "$2" '{event_id: $id,
    event_type: "probe.event", event_version: 1, occurred_at: "2026-11-21T10:00:00.000Z", producer: "itest",
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", correlation_id: $key, causation_id: "", data: $data}'
}
{ printf 'reject|%s\n' "$(probe_event reject '{"key": "reject", "seq": 1, "reject": "secret-value-7f3a"}')"
  printf 'reject-next|%s\n' "$(probe_event reject-next '{"key": "reject-next", "seq": 1}')"
} | kcat -b "$BROKER" -P -t $TOPIC -K'|' -p 0
wait_until 60 effects_are reject-next 1 || fail "the record after the rejected one was not handled"
wait_until 30 bash -c "(( \$(kcat -b $BROKER -C -e -q -t $TOPIC.dlq -f '%k\n' 2>/dev/null | grep -cx reject) >= 1 ))" ||
  fail "the rejected record was not dead-lettered"
letter=$(kcat -b "$BROKER" -C -e -q -t "$TOPIC.dlq" -f '%k|%h\n' 2>/dev/null | grep '^reject|' | head -n1)
assert_eq "$(grep -o 'dlq.error=[^,]*' <<<"$letter")" "dlq.error=data.reject: asked to" "the dead letter's reason"
[[ "$letter" != *secret-value* ]] || fail "payload content in the dead letter's headers: $letter"
assert_eq "$(effects reject)" 0 "effects of the rejected record"
PROBE_LOG="$OF_STACK_DIR/logs/probe-svc.log"
wait_until 10 grep -q 'dead-lettered to probe.event.v1.dlq after 1 handler attempt(s): data.reject: asked to' "$PROBE_LOG" ||
  fail "the consumer's log line does not carry the handler's reason"
! grep -q 'secret-value' "$PROBE_LOG" || fail "payload content in the probe's log"
ok "a rejected record goes to the DLQ with dlq.error exactly the handler's reason, and no data"

# 5. A transient database error (the effects table locked by another session for 3 s) is retried
#    with backoff, then handled exactly once, with nothing dead-lettered.
retried_before=$(metric_value "$PORT" "events_retried_total{topic=\"$TOPIC\"}")
psql_admin "BEGIN; LOCK TABLE probe.effects IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;" >/dev/null &
locker=$!
sleep 0.5
emit transient 10
wait "$locker"
wait_until 60 effects_are transient 10 || fail "transient: $(effects transient) of 10 handled"
retried=$(metric_value "$PORT" "events_retried_total{topic=\"$TOPIC\"}")
awk -v a="$retried" -v b="$retried_before" 'BEGIN { exit !(a > b) }' || fail "no retry counted"
[ "$(records_with_key "$TOPIC.dlq" transient)" == 0 ] || fail "a transient failure was dead-lettered"
ok "a locked table is retried with backoff ($retried retries) and handled once"

# 6. A broken deployment (the handler's table lost its INSERT grant: SQLSTATE 42501) is not the
#    records' fault: the batch is rolled back and redelivered with backoff, no retry is counted
#    against a record, nothing is dead-lettered; once the grant is back, every event is handled
#    once, in order.
retried_before=$(metric_value "$PORT" "events_retried_total{topic=\"$TOPIC\"}")
psql_admin "REVOKE INSERT ON probe.effects FROM probe_svc"
emit unavail 40
sleep 4
assert_eq "$(effects unavail)" 0 "effects while the grant is missing"
psql_admin "GRANT INSERT ON probe.effects TO probe_svc"
wait_until 60 effects_are unavail 40 || fail "unavail: $(effects unavail) of 40 handled after the grant"
assert_eq "$(metric_value "$PORT" "events_retried_total{topic=\"$TOPIC\"}")" "$retried_before" \
  "retries counted for an infrastructure failure"
assert_eq "$(records_with_key "$TOPIC.dlq" unavail)" 0 "dead letters for an infrastructure failure"
out_of_order=$(psql_admin "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (ORDER BY handled) AS prev
                           FROM probe.effects WHERE key = 'unavail') t WHERE seq <> prev + 1")
assert_eq "$out_of_order" 0 "events handled out of order after the outage"
ok "a missing grant stalls the partition without blame; after the grant, 40 events once, in order"
