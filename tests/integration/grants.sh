#!/usr/bin/env bash
# Each daemon's login role may use only its own schema; migrations are recorded once.
source "$(dirname "$0")/lib.sh"

for i in "${!ROLES[@]}"; do
  role=${ROLES[$i]} own=${SCHEMAS[$i]}
  assert_eq "$(psql_as "$role" "SELECT count(*) FROM $own.outbox WHERE false")" 0 "$role reads $own.outbox"
  psql_as "$role" "SELECT version FROM $own.schema_migrations" | grep -qx 1 || fail "$own: 0001 not recorded"
  for j in "${!SCHEMAS[@]}"; do
    [ "$i" == "$j" ] && continue
    other=${SCHEMAS[$j]}
    if out=$(psql_as "$role" "SELECT count(*) FROM $other.processed_events" 2>&1); then
      fail "$role can read $other.processed_events"
    fi
    grep -q 'permission denied' <<<"$out" || fail "$role on $other: unexpected error: $out"
  done
  psql_as "$role" "CREATE TABLE $own.sneaky (x int)" 2>/dev/null && fail "$role can create tables"
  psql_as "$role" "CREATE TABLE public.sneaky (x int)" 2>/dev/null && fail "$role can create in public"
  psql_as "$role" "DELETE FROM $own.schema_migrations" 2>/dev/null && fail "$role can rewrite migrations"
  ok "$role: own schema only, no DDL, migrations read-only"
done

# Applying migrations again (a restart) applies nothing twice.
files=$(find "$OF_REPO/migrations/order/" -maxdepth 1 -name '[0-9]*.sql' | wc -l)
assert_eq "$(psql_admin "SELECT count(*) FROM orders.schema_migrations")" "$files" "orders migrations before restart"
stack daemon-stop order-svc >/dev/null
stack daemon-start order-svc >/dev/null
assert_eq "$(psql_admin "SELECT count(*) FROM orders.schema_migrations")" "$files" "orders migrations after restart"
ok "restart applies no migration twice"
