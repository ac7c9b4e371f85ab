#!/usr/bin/env bash
# Reusable invariants of the stack's data: any integration test or drill sources this file
# (after lib.sh) and calls invariants_check at its end, or runs it on its own:
#   bash tests/integration/invariants.sh [NAME...]      (through ctest's environment)
# Each service's invariants are an SQL file invariants/<NAME>.sql (inventory.sql: stock conserved
# per item, nothing negative, reservations well formed) that raises an exception naming the broken
# invariant; later services add theirs there. Then every service's outbox must be fully
# published and its inbox hold each event id once.

INVARIANTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/invariants"

# invariants_sql NAME: runs invariants/NAME.sql as the admin; fails with its exception.
invariants_sql() {
  local out
  out=$(psql "$OF_PG_ADMIN_URL" -X -q -A -t -v ON_ERROR_STOP=1 -f "$INVARIANTS_DIR/$1.sql" 2>&1) ||
    fail "invariants of $1 broken: $out"
}

# invariants_outbox: every schema's outbox is published within 30 s and no inbox holds an event
# id twice (processed_events' primary key makes that so; this proves the table still has it).
invariants_outbox() {
  local schema q
  for schema in "${SCHEMAS[@]}"; do
    q="SELECT count(*) FROM $schema.outbox WHERE published_at IS NULL"
    wait_until 30 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"$q\")\" = 0 ]" ||
      fail "invariants: $schema.outbox has $(psql_admin "$q") unpublished rows after 30 s"
    q="SELECT count(*) - count(DISTINCT event_id) FROM $schema.processed_events"
    assert_eq "$(psql_admin "$q")" 0 "invariants: event ids applied twice in $schema.processed_events"
  done
}

# invariants_check [NAME...]: the SQL invariants of NAME... (all files when none is named), then
# the outboxes and inboxes.
invariants_check() {
  local names=("$@") f
  if ((${#names[@]} == 0)); then
    for f in "$INVARIANTS_DIR"/*.sql; do
      names+=("$(basename "$f" .sql)")
    done
  fi
  for f in "${names[@]}"; do
    invariants_sql "$f"
  done
  invariants_outbox
  ok "invariants hold: ${names[*]}; outboxes published, inboxes without duplicates"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  source "$(dirname "$0")/lib.sh"
  invariants_check "$@"
fi
