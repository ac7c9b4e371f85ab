#!/usr/bin/env bash
# Record size limits (issue 7, section 2), through probe-svc: every topic is created with an
# explicit max.message.bytes (OF_KAFKA_MAX_MESSAGE_BYTES, 1048576 by default) and the producers'
# limit matches it; a record over librdkafka's default message.max.bytes (1,000,000) but within
# the topic's is dead-lettered whole, one its dead letter cannot carry whole is cut with
# dlq.truncated, one over the topic's limit never arrives, and each time the valid record behind
# it on the same partition is handled; a dead-letter topic that takes less gets a letter cut to
# 4 KiB; one that refuses every letter makes the record back off (not twice a second) while
# consumer_lag and consumer_oldest_wait_seconds show the partition held up; lag returns to 0.
source "$(dirname "$0")/lib.sh"

PORT=$OF_PROBE_PORT
TOPIC=probe.event.v1
DLQ=$TOPIC.dlq
BROKER="127.0.0.1:$OF_KAFKA_PORT"
LIMIT=1048576 # the default of OF_KAFKA_MAX_MESSAGE_BYTES, which the stack leaves alone
RUN=-$$ # keys of this run: the scenario may run again on the same stack

# Kafka's own ConfigCommand (the broker's jars): what kcat cannot read or change.
KAFKA_LIBS=$("$OF_REPO/scripts/kafka-jars.sh") || fail "no Kafka jars"
kafka_configs() {
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Dlog4j.configuration="file:$OF_REPO/scripts/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.admin.ConfigCommand --bootstrap-server "$BROKER" --entity-type topics "$@" 2>&1 |
    grep -v ' INFO '
}
dlq_accepts() { kafka_configs --entity-name "$DLQ" --alter --add-config "max.message.bytes=$1" >/dev/null; }

start_probe() { # the consumer's default backoff (OF_RETRY_BASE_MS=100 up to OF_RETRY_MAX_MS=10000)
  OF_MIGRATIONS_DIR="$OF_REPO/tests/integration/probe/migrations" OF_KAFKA_SESSION_TIMEOUT_MS=6000 \
    stack daemon-start probe-svc "$OF_BIN_DIR/probe-svc" "$PORT" probe_svc >/dev/null
}
trap 'dlq_accepts $LIMIT || true; stack daemon-stop probe-svc >/dev/null 2>&1 || true; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT
start_probe

probe_event() { # KEY: a valid probe.event.v1 envelope as one JSON line
  jq -cn --arg id "$(cat /proc/sys/kernel/random/uuid)" --arg key "$1" '{event_id: $id,
    event_type: "probe.event", event_version: 1, occurred_at: "2026-11-21T10:00:00.000Z", producer: "itest",
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", correlation_id: $key, causation_id: "", data: {key: $key, seq: 1}}'
}
# produce_pair KEY BYTES [KCAT ARGS...]: to partition 0, a record of BYTES bytes that is not an
# envelope (so it is dead-lettered), then a valid event keyed KEY-next behind it. kcat's own
# librdkafka would refuse anything over 1,000,000 bytes, hence its larger message.max.bytes.
produce_pair() {
  local key=$1 bytes=$2
  shift 2
  { printf '%s|' "$key"; head -c "$bytes" /dev/zero | tr '\0' x; printf '\n'; } |
    kcat -b "$BROKER" -P -t $TOPIC -p 0 -K'|' -X message.max.bytes=4000000 "$@" || return 1
  printf '%s-next|%s\n' "$key" "$(probe_event "$key-next")" | kcat -b "$BROKER" -P -t $TOPIC -p 0 -K'|'
}
effects() { psql_admin "SELECT count(*) FROM probe.effects WHERE key = '$1'"; }
effects_are() { [ "$(effects "$1")" == "$2" ]; }
letter() { kcat -b "$BROKER" -C -e -q -t $DLQ -f '%k|%S|%h\n' 2>/dev/null | grep "^$1|" | head -n1 || true; }
has_letter() { [ -n "$(letter "$1")" ]; }
header_of() { grep -o "$2=[^,]*" <<<"$1" | head -n1 | cut -d= -f2-; }
size_of() { cut -d'|' -f2 <<<"$1"; }
metric() { metric_value "$PORT" "$1{topic=\"$TOPIC\"}"; }
lag_is() { [ "$(metric consumer_lag)" == "$1" ]; }
failed_since() { awk -v a="$(metric events_dead_letter_failed_total)" -v b="$1" 'BEGIN { exit !(a > b) }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# 1. Every topic of every daemon, and the probe's, carries max.message.bytes explicitly.
expected=$(for svc in "${SERVICES[@]}" probe-svc; do
  describe "$svc" | jq -r '.produces[], (.consumes[] | .topic, .dlq)'
done | sort -u | grep .)
configs=$(kafka_configs --describe)
for t in $expected; do
  got=$(awk -v t="$t" '$0 == "Dynamic configs for topic " t " are:" { f = 1; next }
    /^Dynamic configs/ { f = 0 } f && $1 ~ /^max\.message\.bytes=/ { sub(/^max\.message\.bytes=/, "", $1); print $1 }' <<<"$configs")
  assert_eq "$got" $LIMIT "max.message.bytes of $t"
done
ok "$(wc -w <<<"$expected") topics created with max.message.bytes=$LIMIT"

# 2. 1,040,000 bytes: over librdkafka's default, within the topic's limit: the dead-letter
#    producer (message.max.bytes $LIMIT - 1024) carries it whole, and the partition moves on.
failed_before=$(metric events_dead_letter_failed_total)
produce_pair big-whole${RUN} 1040000
wait_until 60 effects_are big-whole${RUN}-next 1 || fail "the record behind the 1,040,000-byte one was not handled"
wait_until 20 has_letter big-whole${RUN} || fail "the 1,040,000-byte record was not dead-lettered"
l=$(letter big-whole${RUN})
assert_eq "$(size_of "$l")" 1040000 "size of the whole dead letter"
assert_eq "$(header_of "$l" dlq.partition)" 0 "its dlq.partition"
[[ "$(header_of "$l" dlq.error)" == envelope:* ]] || fail "its dlq.error: $l"
[[ "$l" != *dlq.truncated* ]] || fail "a dead letter that fits was cut: $l"
ok "a 1,040,000-byte record is dead-lettered whole and the valid record behind it handled"

# 3. As large as the topic takes (a batch of at most $LIMIT bytes): whole it would not fit
#    beside the dlq.* headers, so its value is cut and dlq.truncated says from what.
produce_pair big-cut${RUN} $((LIMIT - 200)) -H origin=itest
wait_until 60 effects_are big-cut${RUN}-next 1 || fail "the record behind the largest one was not handled"
wait_until 20 has_letter big-cut${RUN} || fail "the largest record was not dead-lettered"
l=$(letter big-cut${RUN})
assert_eq "$(header_of "$l" dlq.truncated)" $((LIMIT - 200)) "dlq.truncated of the cut dead letter"
size=$(size_of "$l")
((size > 1040000 && size < LIMIT - 1024)) || fail "the cut dead letter holds $size bytes of its value"
assert_eq "$(header_of "$l" origin)" itest "the record's own header on the cut dead letter"
ok "a record at the topic's limit is dead-lettered cut to $size bytes with dlq.truncated"

# 4. Over the topic's limit: the broker refuses it when it is produced, so it never reaches the
#    consumer; the record after it is handled.
if out=$(produce_pair big-over${RUN} $((LIMIT + 1)) 2>&1); then fail "the broker took a record over max.message.bytes"; fi
[[ $out == *"too large"* ]] || fail "kcat did not say the record was too large: $out"
printf '%s|%s\n' "big-over$RUN-next" "$(probe_event "big-over$RUN-next")" | kcat -b "$BROKER" -P -t $TOPIC -p 0 -K'|'
wait_until 60 effects_are big-over${RUN}-next 1 || fail "the record after a refused one was not handled"
assert_eq "$(kcat -b "$BROKER" -C -e -q -t $TOPIC -p 0 -f '%k\n' 2>/dev/null | grep -cx big-over${RUN} || true)" 0 \
  "records over the limit on the topic"
assert_eq "$(metric events_dead_letter_failed_total)" "$failed_before" "dead letters that failed so far"
ok "a record over max.message.bytes is refused at produce time and never arrives"

# 5. A dead-letter topic that takes less than the configured limit (made by hand, or by an older
#    version): the letter it refuses as too large is produced again cut to 4 KiB.
dlq_accepts 8192
produce_pair small-dlq${RUN} 20000
wait_until 60 effects_are small-dlq${RUN}-next 1 || fail "the record behind the one its DLQ refused was not handled"
wait_until 20 has_letter small-dlq${RUN} || fail "no dead letter in a DLQ that takes 8 KiB"
l=$(letter small-dlq${RUN})
assert_eq "$(header_of "$l" dlq.truncated)" 20000 "dlq.truncated of the fallback dead letter"
(($(size_of "$l") < 4096)) || fail "the fallback dead letter holds $(size_of "$l") bytes"
ok "a DLQ that takes less gets the letter cut to $(size_of "$l") bytes"

# 6. A dead-letter topic that refuses every letter: each failure counts as a try and the record
#    backs off further (before, twice a second forever); meanwhile the held-up partition shows in
#    consumer_lag and consumer_oldest_wait_seconds (before, lag said 0), and /readyz stays 200
#    (serving HTTP is unaffected; docs/operations.md). Once the topic takes it, it moves on.
dlq_accepts 1500
failed_before=$(metric events_dead_letter_failed_total)
produce_pair stuck${RUN} 20000
wait_until 20 failed_since "$failed_before" || fail "no failed dead letter counted"
failed_before=$(metric events_dead_letter_failed_total) # from the first failure on
sleep 8
failures=$(awk -v a="$(metric events_dead_letter_failed_total)" -v b="$failed_before" 'BEGIN { print a - b }')
((failures >= 2 && failures <= 10)) || fail "$failures dead-letter failures in about 8 s: no backoff"
at_least "$(metric consumer_lag)" 2 || fail "consumer_lag $(metric consumer_lag) while the partition is held up"
at_least "$(metric consumer_oldest_wait_seconds)" 3 ||
  fail "consumer_oldest_wait_seconds $(metric consumer_oldest_wait_seconds) while held up"
assert_eq "$(http "http://127.0.0.1:$PORT/readyz")" 200 "/readyz while a partition is held up"
assert_eq "$(effects stuck${RUN}-next)" 0 "records handled past the one whose dead letter failed"
dlq_accepts $LIMIT
wait_until 60 effects_are stuck${RUN}-next 1 || fail "the partition did not move on once the DLQ took the letter"
l=$(letter stuck${RUN})
assert_eq "$(size_of "$l")" 20000 "the dead letter produced once the DLQ takes it"
ok "$failures failed dead letters in 8 s (backing off), lag and wait age shown, then it moved on"

# 7. A stall that is no record's fault (the handler's table lost its INSERT grant): the records
#    waiting show in consumer_lag although the consumer fetched them all.
psql_admin "REVOKE INSERT ON probe.effects FROM probe_svc"
for i in 1 2 3 4 5; do printf '%s|%s\n' "wedge$RUN" "$(probe_event "wedge$RUN")"; done | kcat -b "$BROKER" -P -t $TOPIC -p 0 -K'|'
wait_until 20 lag_is 5 || fail "consumer_lag $(metric consumer_lag) with 5 records stalled"
psql_admin "GRANT INSERT ON probe.effects TO probe_svc"
wait_until 60 effects_are wedge${RUN} 5 || fail "wedge${RUN}: $(effects wedge${RUN}) of 5 handled after the grant"
wait_until 20 lag_is 0 || fail "consumer_lag $(metric consumer_lag) once everything is handled"
assert_eq "$(metric consumer_oldest_wait_seconds)" 0 "consumer_oldest_wait_seconds once everything is handled"
ok "a stalled partition shows in consumer_lag; lag and wait age return to 0"
