#!/usr/bin/env bash
# The HTTP <-> database boundary (common/boundary.h) through probe-svc: each kind of database
# failure is answered with its status and the JSON error shape (Retry-After where waiting helps)
# and logged in exactly one line for the request, carrying the SQLSTATE and none of the rejected
# values; a body that answers by itself has its answer sent and its transaction committed or
# rolled back as it asked, unless the COMMIT fails, which overrules the answer.
source "$(dirname "$0")/lib.sh"

PORT=$OF_PROBE_PORT
LOG=$OF_STACK_DIR/logs/probe-svc.log
RUN=dbb$$x$RANDOM # request ids and names unique to this run (the log is appended to)

start_probe() {
  OF_MIGRATIONS_DIR="$OF_REPO/tests/integration/probe/migrations" OF_LOG_LEVEL=info \
    stack daemon-start probe-svc "$OF_BIN_DIR/probe-svc" "$PORT" probe_svc >/dev/null
}
trap 'stack daemon-stop probe-svc >/dev/null 2>&1 || true; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT
start_probe

# call ID METHOD PATH [JSON]: the status; the body and headers in $BODY_FILE and $HEADERS_FILE.
call() {
  local id=$1 method=$2 path=$3
  if (($# > 3)); then
    http -X "$method" -H "X-Request-Id: $id" -H 'Content-Type: application/json' -d "$4" \
      "http://127.0.0.1:$PORT$path"
  else
    http -X "$method" -H "X-Request-Id: $id" "http://127.0.0.1:$PORT$path"
  fi
}

# expect_error WHAT STATUS GOT_STATUS CODE RETRY_AFTER(yes|no): status, the error shape
# {"error":{"code","message"[,"field"]}} and nothing else, and Retry-After when asked for.
expect_error() {
  local what=$1 want=$2 got=$3 code=$4 retry=$5
  assert_eq "$got" "$want" "$what: status"
  jq -e 'keys == ["error"] and (.error | (.code | type) == "string" and (.message | type) == "string"
         and (keys - ["code", "message", "field"] | length) == 0)' "$BODY_FILE" >/dev/null ||
    fail "$what: not the error shape: $(cat "$BODY_FILE")"
  assert_eq "$(jq -r .error.code "$BODY_FILE")" "$code" "$what: error code"
  if [ "$retry" = yes ]; then
    assert_eq "$(header Retry-After)" 1 "$what: Retry-After"
  else
    assert_eq "$(header Retry-After)" "" "$what: Retry-After"
  fi
}

# The probe's log lines of one request.
log_of() { grep -F "\"request_id\":\"$1\"" "$LOG" || true; }

# expect_logged_once WHAT ID SQLSTATE_REGEX SECRET...: exactly one line for the request, with the
# SQLSTATE, and no secret anywhere in the request's lines.
expect_logged_once() {
  local what=$1 id=$2 state=$3 lines secret
  shift 3
  lines=$(log_of "$id")
  assert_eq "$(grep -c . <<<"$lines" || true)" 1 "$what: log lines for request $id"
  grep -Eq "$state" <<<"$lines" || fail "$what: the log line lacks SQLSTATE $state: $lines"
  for secret in "$@"; do
    if grep -qF -- "$secret" <<<"$lines"; then
      fail "$what: the log line holds the rejected value '$secret': $lines"
    fi
  done
}

expect_not_logged() { assert_eq "$(log_of "$2")" "" "$1: log lines for request $2"; }

# 1. A row inserted and read back: 201 then 200, nothing logged.
name=secret-$RUN-item
code=$(call "$RUN-1" POST /v1/probe/items "{\"name\":\"$name\",\"qty\":3}")
assert_eq "$code" 201 "insert"
code=$(call "$RUN-2" GET "/v1/probe/items/$name")
assert_eq "$code" 200 "read back"
assert_eq "$(jq -r .qty "$BODY_FILE")" 3 "qty read back"
expect_not_logged insert "$RUN-1"
expect_not_logged "read back" "$RUN-2"
ok "a committed insert and a read: 201, 200, no log line"

# 2. The same name again: a unique violation is 409 conflict, logged once with 23505; the key
#    value (only in libpq's DETAIL line) is not in the log.
code=$(call "$RUN-3" POST /v1/probe/items "{\"name\":\"$name\",\"qty\":4}")
expect_error "unique violation" 409 "$code" conflict no
expect_logged_once "unique violation" "$RUN-3" '23505' "$name"
ok "unique violation: 409 conflict, one log line with 23505 and without the key"

# 3. A negative qty violates the CHECK: 500 internal with the generic message.
neg=secret-$RUN-negative
code=$(call "$RUN-4" POST /v1/probe/items "{\"name\":\"$neg\",\"qty\":-5}")
expect_error "check violation" 500 "$code" internal no
assert_eq "$(jq -r .error.message "$BODY_FILE")" "internal error" "check violation: message"
expect_logged_once "check violation" "$RUN-4" '23514' "$neg"
assert_eq "$(psql_admin "SELECT count(*) FROM probe.items WHERE name = '$neg'")" 0 "row kept after CHECK"
ok "check violation: 500 internal, generic message, one log line with 23514 and no row data"

# 4. Input Postgres rejects (22P02): its primary message quotes the value, which is cut off.
bad=nan-$RUN
code=$(call "$RUN-5" POST /v1/probe/items "{\"name\":\"other-$RUN\",\"qty\":\"$bad\"}")
expect_error "bad input" 500 "$code" internal no
expect_logged_once "bad input" "$RUN-5" '22P02' "$bad"
ok "bad input: 500 internal, one log line with 22P02 and without the rejected text"

# 5. Nothing under that name: OF_ENOTFOUND is 404 not_found.
code=$(call "$RUN-6" GET "/v1/probe/items/none-$RUN")
expect_error "not found" 404 "$code" not_found no
assert_eq "$(log_of "$RUN-6" | grep -c 'probe.items.get failed: not_found')" 1 "not found: log line"
ok "not found: 404 not_found"

# 6. The connection is lost mid-transaction (the backend terminates itself): 503 with
#    Retry-After, logged once with 57P01 (or a connection-class 08xxx); the next request gets a
#    fresh connection.
code=$(call "$RUN-7" GET /v1/probe/db/terminate)
expect_error "lost connection" 503 "$code" database_unavailable yes
expect_logged_once "lost connection" "$RUN-7" '57P01|08[0-9A-Z]{3}'
code=$(call "$RUN-8" GET "/v1/probe/items/$name")
assert_eq "$code" 200 "a request after the lost connection"
ok "lost connection: 503 database_unavailable with Retry-After, one log line; the pool recovers"

# 7. A table of another schema (no grant): 42501 is a broken deployment, 503 with Retry-After.
code=$(call "$RUN-9" GET /v1/probe/db/foreign)
expect_error "missing grant" 503 "$code" database_unavailable yes
expect_logged_once "missing grant" "$RUN-9" '42501'
ok "missing grant: 503 database_unavailable with Retry-After, one log line with 42501"

# 8. A body that answers by itself: its answer (202, X-Probe-Reply) is sent, committed or rolled
#    back as it asked, and not logged. A COMMIT that fails (a deferred unique key) overrules it.
kept=secret-$RUN-kept dropped=secret-$RUN-dropped
deferred_rows() { psql_admin "SELECT count(*) FROM probe.deferred WHERE name = '$1'"; }
code=$(call "$RUN-10" POST /v1/probe/replies "{\"name\":\"$kept\",\"commit\":true}")
assert_eq "$code" 202 "body answer, commit"
assert_eq "$(jq -r .replied "$BODY_FILE")" body "body answer, commit: body"
assert_eq "$(header X-Probe-Reply)" body "body answer, commit: header"
assert_eq "$(deferred_rows "$kept")" 1 "row of a body answer with commit"
expect_not_logged "body answer, commit" "$RUN-10"
code=$(call "$RUN-11" POST /v1/probe/replies "{\"name\":\"$dropped\",\"commit\":false}")
assert_eq "$code" 202 "body answer, rollback"
assert_eq "$(header X-Probe-Reply)" body "body answer, rollback: header"
assert_eq "$(deferred_rows "$dropped")" 0 "row of a body answer with rollback"
expect_not_logged "body answer, rollback" "$RUN-11"
code=$(call "$RUN-12" POST /v1/probe/replies "{\"name\":\"$kept\",\"commit\":true}")
expect_error "failed COMMIT" 409 "$code" conflict no
assert_eq "$(header X-Probe-Reply)" "" "failed COMMIT: the body's header"
assert_eq "$(deferred_rows "$kept")" 1 "rows after the failed COMMIT"
expect_logged_once "failed COMMIT" "$RUN-12" '23505' "$kept"
ok "a body's own answer: committed or rolled back as asked; a failed COMMIT overrules it (409)"

# 9. Nothing of this run's rejected values reached the log at all.
for secret in "$name" "$neg" "$bad" "$kept" "$dropped"; do
  if grep -qF -- "$secret" "$LOG"; then
    fail "the probe's log holds '$secret'"
  fi
done
ok "no rejected value in the probe's log"
