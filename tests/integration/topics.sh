#!/usr/bin/env bash
# Every topic a service produces exists, created by the daemons at start-up with the configured
# partition count (broker auto-creation is off in the test stack).
source "$(dirname "$0")/lib.sh"

meta=$(kcat -b "127.0.0.1:$OF_KAFKA_PORT" -L -J -m 10)
expected=$(grep -ho '"[a-z_.]*\.v[0-9]*"' "$OF_REPO"/*-svc/main.c | tr -d '"' | sort -u)
[ -n "$expected" ] || fail "no produced topics found in the services"
for t in $expected; do
  parts=$(jq --arg t "$t" '[.topics[] | select(.topic == $t)][0].partitions | length' <<<"$meta")
  assert_eq "$parts" 6 "partitions of $t"
done
ok "$(wc -w <<<"$expected") produced topics exist with 6 partitions"
