#!/usr/bin/env bash
# Postgres restarted under concurrent HTTP load on probe-svc (8 request loops, 8 HTTP threads, 4
# pooled connections): every request is answered, 200 or a clean 503 with the JSON error shape
# and Retry-After, never a hang, a reset or a 500; no connection is ever shared by two requests
# (each sets a session marker, sleeps 5 ms and reads it back: a shared connection shows another
# request's marker); and afterwards every request succeeds again without a daemon restart.
source "$(dirname "$0")/lib.sh"

PORT=$OF_PROBE_PORT
LOOPS=8
OUT=$(mktemp -d)
LOOP_PIDS=()

start_probe() {
  OF_MIGRATIONS_DIR="$OF_REPO/tests/integration/probe/migrations" OF_LOG_LEVEL=info \
    OF_HTTP_THREADS=8 OF_DB_POOL_SIZE=4 \
    stack daemon-start probe-svc "$OF_BIN_DIR/probe-svc" "$PORT" probe_svc >/dev/null
}
cleanup() {
  touch "$OUT/stop"
  for pid in "${LOOP_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  stack daemon-stop probe-svc >/dev/null 2>&1 || true
  rm -rf "$OUT" "$BODY_FILE" "$HEADERS_FILE"
}
trap cleanup EXIT
start_probe
probe_pid=$(cat "$OF_STACK_DIR/pids/probe-svc.pid")

# check_one N I: one request with marker mN-I; prints one verdict line: "200 <pid>", "503", or
# "BAD <why>".
check_one() {
  local marker=m$1-$2 body=$OUT/body.$1 headers=$OUT/headers.$1 status rc=0
  status=$(curl -s -m 10 -o "$body" -D "$headers" -w '%{http_code}' \
    "http://127.0.0.1:$PORT/v1/probe/backend?marker=$marker") || rc=$?
  if ((rc != 0)); then
    echo "BAD $marker: curl exit $rc (status $status)"
    return
  fi
  case $status in
  200)
    if [[ $(<"$body") =~ ^\{\"marker\":\"([^\"]*)\",\"pid\":([0-9]+)\}$ ]] &&
      [[ ${BASH_REMATCH[1]} == "$marker" ]]; then
      echo "200 ${BASH_REMATCH[2]}"
    else
      echo "BAD $marker: shared connection or bad body: $(<"$body")"
    fi
    ;;
  503)
    if jq -e 'keys == ["error"] and .error.code == "database_unavailable"
              and (.error.message | type) == "string"' "$body" >/dev/null 2>&1 &&
      grep -qi '^Retry-After: 1' "$headers"; then
      echo 503
    else
      echo "BAD $marker: unclean 503: $(<"$body")"
    fi
    ;;
  *) echo "BAD $marker: status $status: $(<"$body")" ;;
  esac
}

load_loop() {
  local n=$1 i=0
  while [ ! -e "$OUT/stop" ]; do
    i=$((i + 1))
    check_one "$n" "$i" >>"$OUT/phase.$(<"$OUT/phase")"
  done
}

# burst PHASE COUNT: COUNT requests from each of the loops at once, then waits for them.
burst() {
  local phase=$1 count=$2 n
  for n in $(seq 1 "$LOOPS"); do
    (for i in $(seq 1 "$count"); do check_one "b$n" "$i"; done >>"$OUT/phase.$phase") &
  done
  wait
}

verdicts() { cat "$OUT"/phase."$1" 2>/dev/null || true; }
count_of() { verdicts "$1" | grep -c "^$2" || true; }
no_bad() {
  local bad
  bad=$(verdicts "$1" | grep '^BAD' | head -n 5 || true)
  [ -z "$bad" ] || fail "$1: $bad"
}

# 1. Load before the restart: every request 200, markers intact.
burst warm 10
no_bad warm
assert_eq "$(count_of warm 200)" $((LOOPS * 10)) "requests answered 200 before the restart"

# 2. The restart under load: fast shutdown (what pg_ctl -m fast sends), a second of downtime,
#    then scripts/stack.sh starts it again.
echo before >"$OUT/phase"
for n in $(seq 1 "$LOOPS"); do
  load_loop "$n" &
  LOOP_PIDS+=("$!")
done
sleep 2
pg_pid=$(head -n 1 "$OF_STACK_DIR/pg/data/postmaster.pid")
echo down >"$OUT/phase"
kill -INT "$pg_pid"
wait_until 30 bash -c "! kill -0 $pg_pid 2>/dev/null" || fail "Postgres did not stop"
sleep 1
stack infra-up >/dev/null 2>&1 || fail "Postgres did not start again"
echo after >"$OUT/phase"
sleep 4
touch "$OUT/stop"
for pid in "${LOOP_PIDS[@]}"; do
  wait "$pid"
done
LOOP_PIDS=()
for phase in before down after; do
  no_bad "$phase"
done
answered_503=$(($(count_of down 503) + $(count_of after 503)))
((answered_503 > 0)) || fail "no request saw the restart (no 503): the test proved nothing"
(($(count_of before 200) > 0)) || fail "no request succeeded before the restart"
(($(count_of after 200) > 0)) || fail "no request succeeded after the restart"
pids_before=$(verdicts before | awk '$1 == 200 { print $2 }' | sort -u | tr '\n' ' ')
pids_after=$(verdicts after | awk '$1 == 200 { print $2 }' | sort -u | tr '\n' ' ')
ok "restart under load: $(verdicts before | wc -l) + $(verdicts down | wc -l) + $(verdicts after | wc -l) requests, all 200 or a clean 503 ($answered_503), no shared connection (backends before: $pids_before; after: $pids_after)"

# 3. Afterwards every request succeeds, on the same daemon process.
burst settled 20
no_bad settled
assert_eq "$(count_of settled 200)" $((LOOPS * 20)) "requests answered 200 after the restart"
assert_eq "$(cat "$OF_STACK_DIR/pids/probe-svc.pid")" "$probe_pid" "probe-svc pid"
kill -0 "$probe_pid" 2>/dev/null || fail "probe-svc is gone"
ok "after the restart: $((LOOPS * 20)) concurrent requests all 200, without a daemon restart"

# The seven services reconnect by themselves as well (later scenarios need them).
wait_all_ready
ok "every service ready again"
