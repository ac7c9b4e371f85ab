#!/usr/bin/env bash
# Every topic a service produces or consumes, and the dead-letter topic of each it consumes,
# exists, created by the daemons at start-up with the configured partition count (broker
# auto-creation is off in the test stack). The topics are what each daemon's --describe lists.
source "$(dirname "$0")/lib.sh"

meta=$(kcat -b "127.0.0.1:$OF_KAFKA_PORT" -L -J -m 10)
expected=
for svc in "${SERVICES[@]}"; do
  desc=$(describe "$svc")
  expected+=$(jq -r '.produces[], (.consumes[] | .topic, .dlq)' <<<"$desc")$'\n'
done
expected=$(sort -u <<<"$expected" | grep .) || fail "no topics found in the services' --describe"
for t in $expected; do
  parts=$(jq --arg t "$t" '[.topics[] | select(.topic == $t)][0].partitions | length' <<<"$meta")
  assert_eq "$parts" 6 "partitions of $t"
done
ok "$(wc -w <<<"$expected") produced, consumed and dead-letter topics exist with 6 partitions"
