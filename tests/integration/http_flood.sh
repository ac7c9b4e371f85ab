#!/usr/bin/env bash
# Connection floods against one daemon of the stack (customer-svc, default limits): 3,000 idle
# sockets from 127.0.0.2 (far past the 1,020 that used to lock a daemon out: libmicrohttpd's
# default connection limit, FD_SETSIZE - 4) and 50 slowloris connections from 127.0.0.4 that
# dribble a header line every 2 s. Meanwhile every one of 20 requests from 127.0.0.1 is answered
# within 2 s; the per-client limit refuses the flood at once, the request deadline
# (OF_HTTP_REQUEST_TIMEOUT_S, 10 s) cuts the slowloris however it dribbles, and the log gets one
# summary line instead of a libmicrohttpd line per connection. Afterwards all is normal.
source "$(dirname "$0")/lib.sh"

SVC=customer-svc
PORT=$(svc_port "$SVC")
BASE="http://127.0.0.1:$PORT"
LOG="$OF_STACK_DIR/logs/$SVC.log"
FLOOD="$OF_BIN_DIR/http-flood"
IDLE_N=3000 SLOW_N=50 HOLD_S=14
IDLE_OUT=$(mktemp) SLOW_OUT=$(mktemp)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$BODY_FILE" "$HEADERS_FILE" "$IDLE_OUT" "$SLOW_OUT"
}
trap cleanup EXIT

[ -x "$FLOOD" ] || fail "$FLOOD is not built"
assert_eq "$(http "$BASE/healthz")" 200 "$SVC before the flood"
refused0=$(metric_value "$PORT" 'http_connections_refused_total{reason="per_client"}')
timeouts0=$(metric_value "$PORT" 'http_connections_closed_early_total{reason="timeout"}')
log_from=$(($(wc -l <"$LOG") + 1))

"$FLOOD" idle --from 127.0.0.2 --port "$PORT" --count "$IDLE_N" --seconds "$HOLD_S" >"$IDLE_OUT" &
PIDS+=($!)
"$FLOOD" slowloris --from 127.0.0.4 --port "$PORT" --count "$SLOW_N" --seconds "$HOLD_S" \
  --interval 2 >"$SLOW_OUT" &
PIDS+=($!)
sleep 1 # let the sockets open

slowest=0
for i in $(seq 1 20); do
  out=$(curl -s -m 2 -o /dev/null -w '%{http_code} %{time_total}' "$BASE/healthz") || true
  read -r code took <<<"$out"
  assert_eq "$code" 200 "request $i during the flood (took ${took:-?} s)"
  slowest=$(awk -v a="$slowest" -v b="$took" 'BEGIN { print (b > a) ? b : a }')
  sleep 0.4
done
ok "20 requests during the flood, each within 2 s (slowest $slowest s)"

wait "${PIDS[@]}"
PIDS=()
idle=$(cat "$IDLE_OUT") slow=$(cat "$SLOW_OUT")
field() { sed -n "s/.*\\b$2=\\([0-9.]*\\).*/\\1/p" <<<"$1"; }
echo "idle flood: $idle"
echo "slowloris:  $slow"
(($(field "$idle" connected) >= IDLE_N * 9 / 10)) || fail "the idle flood did not connect: $idle"
(($(field "$idle" closed_fast) >= IDLE_N - 200)) ||
  fail "the per-client limit did not refuse the idle flood at once: $idle"
assert_eq "$(field "$idle" still_open)" 0 "idle sockets left open after ${HOLD_S} s"
assert_eq "$(field "$idle" answered)" 0 "answers to idle sockets"
ok "idle flood: $(field "$idle" closed_fast) of $IDLE_N refused at once, the rest cut by the deadline"

assert_eq "$(field "$slow" connected)" "$SLOW_N" "slowloris connections"
assert_eq "$(field "$slow" still_open)" 0 "slowloris connections left open after ${HOLD_S} s"
assert_eq "$(field "$slow" answered)" 0 "answers to slowloris"
max=$(field "$slow" max_alive_s)
awk -v m="$max" 'BEGIN { exit !(m >= 9 && m <= 12.5) }' ||
  fail "slowloris lived $max s, not about OF_HTTP_REQUEST_TIMEOUT_S (10 s)"
ok "slowloris: every connection cut after at most $max s though it sent a line every 2 s"

refused=$(metric_value "$PORT" 'http_connections_refused_total{reason="per_client"}')
timeouts=$(metric_value "$PORT" 'http_connections_closed_early_total{reason="timeout"}')
((refused - refused0 >= IDLE_N - 200)) || fail "refusals counted: $((refused - refused0))"
((timeouts - timeouts0 >= SLOW_N)) || fail "timeouts counted: $((timeouts - timeouts0))"
ok "metrics: $((refused - refused0)) refused per client, $((timeouts - timeouts0)) timeouts"

# One summary line per 10 s, and no libmicrohttpd line per connection.
wait_until 12 bash -c "tail -n +$log_from '$LOG' | grep -q 'http, last 10 s: .*connections closed early'" ||
  fail "no summary line in $LOG"
summaries=$(tail -n +"$log_from" "$LOG" | grep -c 'connections closed early' || true)
noise=$(tail -n +"$log_from" "$LOG" | grep -v '"level":"debug"' | grep -c 'libmicrohttpd' || true)
((summaries <= 3)) || fail "$summaries summary lines for one flood"
((noise <= 10)) || fail "$noise libmicrohttpd lines logged during the flood"
ok "log: $summaries summary line(s), $noise libmicrohttpd line(s) for $((IDLE_N + SLOW_N)) attacking connections"

for i in $(seq 1 5); do
  assert_eq "$(http "$BASE/healthz")" 200 "request $i after the flood"
done
assert_eq "$(http "$BASE/readyz")" 200 "$SVC ready after the flood"
assert_eq "$(http -H 'X-Request-Id: after-flood' "$BASE/nope")" 404 "an unknown path after the flood"
assert_eq "$(header X-Request-Id)" after-flood "X-Request-Id after the flood"
ok "after the attackers left, $SVC answers as before"
