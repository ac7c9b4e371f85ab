#!/usr/bin/env bash
# The order saga across order, inventory, payment and business: every failure branch and its
# compensation, end to end through the gateway as a customer and a business would drive it, with
# the topics read as kcat reads them. Payment declined or short of funds -> CANCELLED, stock back;
# the business rejects -> CANCELLED, refunded, stock back; the approval SLA runs out -> the same;
# a payment.completed arriving after the cancel -> order.cancelled.v1 again, still one refund;
# the reservation's TTL runs out before payment -> CANCELLED; 20 customers racing for 5 units ->
# exactly 5 orders past validation; Kafka stopped for 30 s while orders are placed -> every POST
# 202 and every order completes once the broker is back; each of the four daemons SIGKILLed and
# restarted while orders flow -> none stuck, none charged twice. The invariants at the end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/invariants.sh"
source "$(dirname "$0")/saga_lib.sh"
wait_all_ready
trap 'stack infra-up >/dev/null 2>&1 || true; for s in order-svc inventory-svc payment-svc business-svc; do [ -f "$OF_STACK_DIR/pids/$s.pid" ] && kill -0 "$(cat "$OF_STACK_DIR/pids/$s.pid")" 2>/dev/null || stack daemon-start "$s" >/dev/null 2>&1 || true; done; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT

saga_world
wait_stock() { # wait_stock ITEM AVAILABLE
  wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT on_hand - reserved - confirmed FROM inventory.items WHERE id = '$1'\")\" = $2 ]" ||
    fail "item $1 has $(stock_of "$1") available, expected $2"
}
timeline_of() { authed "$TA" GET "/v1/orders/$1" >/dev/null; body '[.timeline[] | "\(.event):\(.disposition)"] | join(" ")'; }

# ---- Payment declined, funds short: CANCELLED, the stock back ----
for tok in tok_decline tok_insufficient; do
  avail=$(stock_of "$DOSA")
  assert_eq "$(order "$TA" "$tok-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$DOSA" 2)" "$tok")")" 202 "an order paid with $tok"
  o=$(body .order_id)
  wait_state "$o" CANCELLED
  assert_eq "$(reason_of "$o")" "PAYMENT_FAILED/AWAITING_PAYMENT" "$tok: cancelled, payment failed"
  wait_stock "$DOSA" "$avail"
  assert_eq "$(payment_status "$o")" FAILED "$tok: the payment FAILED"
  assert_eq "$(on_topic payment.failed.v1 "$o" | jq -r .data.reason)" "$([ $tok = tok_decline ] && echo CARD_DECLINED || echo INSUFFICIENT_FUNDS)" "$tok: the reason"
  assert_eq "$(timeline_of "$o")" "order.created:APPLIED inventory.validated:APPLIED payment.failed:APPLIED inventory.released:NOTED" "$tok: the timeline"
done
ok "payment declined / funds short: CANCELLED (PAYMENT_FAILED from AWAITING_PAYMENT), reservation released, the timeline shows it"

# ---- The business rejects: CANCELLED, refunded, stock back ----
avail=$(stock_of "$MDOSA")
assert_eq "$(order "$TA" "reject-$RUN" "$(order_body "$OUTM" "$ADDR_A" "$(items "$MDOSA" 3)")")" 202 "an order at the manual outlet"
OR=$(body .order_id)
wait_state "$OR" PLACED
assert_eq "$(stock_of "$MDOSA")" "$((avail - 3))" "3 units held"
wait_queued "$OR"
assert_eq "$(authed "$TO" POST "/v1/outlets/$OUTM/orders/$OR/reject" --data-binary '{"reason":"kitchen closed"}')" 200 "the owner rejects"
wait_state "$OR" CANCELLED
assert_eq "$(reason_of "$OR")" "REJECTED_BY_BUSINESS/PLACED" "cancelled: rejected by the business"
wait_payment "$OR" REFUNDED
wait_stock "$MDOSA" "$avail"
wait_until 30 bash -c "[ \"\$(kcat -b $BROKER -C -e -q -t payment.refunded.v1 -f '%k\n' 2>/dev/null | grep -cx $OR)\" = 1 ]" || fail "no payment.refunded.v1 for $OR"
wait_until 30 bash -c "psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM orders.timeline WHERE order_id = '$OR' AND event IN ('payment.refunded', 'inventory.released')\" | grep -qx 2" ||
  fail "the timeline lacks the refund or the release"
ok "business reject: CANCELLED (REJECTED_BY_BUSINESS from PLACED), one refund (payment.refunded.v1), the 3 units back, both on the timeline"

# ---- The approval SLA runs out: the business's timer rejects, the saga compensates ----
avail=$(stock_of "$MDOSA")
assert_eq "$(order "$TA" "sla-$RUN" "$(order_body "$OUTM" "$ADDR_A" "$(items "$MDOSA" 1)")")" 202 "an order nobody decides"
OS=$(body .order_id)
wait_state "$OS" PLACED
wait_until 30 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM business.timers WHERE kind = 'approval_sla' AND key = '$OS'\")\" = 1 ]" ||
  fail "no approval timer armed for $OS"
# The outlet's SLA is 600 s: the timer is made due now, as if the 600 s had passed.
sql "UPDATE business.timers SET due_at = now() WHERE kind = 'approval_sla' AND key = '$OS'" >/dev/null
wait_state "$OS" CANCELLED
assert_eq "$(reason_of "$OS")" "APPROVAL_TIMEOUT/PLACED" "cancelled: approval timeout"
wait_payment "$OS" REFUNDED
wait_stock "$MDOSA" "$avail"
ok "approval SLA: the durable timer rejects with APPROVAL_TIMEOUT, the order is CANCELLED, refunded, the unit back"

# ---- A payment.completed arriving after the cancel: refund owed again, still refunded once ----
n_cancelled=$(count_on_topic order.cancelled.v1 "$OR")
late=$(on_topic payment.completed.v1 "$OR" | jq -c --arg id "$(newid)" '.event_id = $id')
produce_record payment.completed.v1 "$OR" "$late"
wait_until 30 bash -c "[ \"\$(kcat -b $BROKER -C -e -q -t order.cancelled.v1 -f '%k\n' 2>/dev/null | grep -cx $OR)\" = $((n_cancelled + 1)) ]" ||
  fail "no order.cancelled.v1 re-emitted for the late payment.completed"
assert_eq "$(sql "SELECT disposition FROM orders.timeline WHERE order_id = '$OR' AND event = 'payment.completed' ORDER BY id DESC LIMIT 1")" LATE "the timeline: LATE"
sleep 2
assert_eq "$(payment_status "$OR")" REFUNDED "still refunded"
assert_eq "$(sql "SELECT count(*) FROM payment.mock_ledger WHERE order_id = '$OR' AND kind = 'refund'")" 1 "one refund in the provider's ledger"
assert_eq "$(state "$OR")" CANCELLED "still CANCELLED"
ok "a payment.completed after the cancel: LATE on the timeline, order.cancelled.v1 sent again (refund owed), payment-svc refunds once"

# ---- The reservation's TTL runs out before payment: CANCELLED ----
stack daemon-stop payment-svc >/dev/null
stack daemon-stop inventory-svc >/dev/null
OF_RESERVATION_TTL_S=3 stack daemon-start inventory-svc >/dev/null
avail=$(stock_of "$CHAI")
assert_eq "$(order "$TA" "ttl-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$CHAI" 1)")")" 202 "an order nobody pays"
OT=$(body .order_id)
wait_state "$OT" AWAITING_PAYMENT
wait_state "$OT" CANCELLED
assert_eq "$(reason_of "$OT")" "RESERVATION_EXPIRED/AWAITING_PAYMENT" "cancelled: the reservation expired"
wait_stock "$CHAI" "$avail"
stack daemon-start payment-svc >/dev/null
stack daemon-stop inventory-svc >/dev/null
stack daemon-start inventory-svc >/dev/null
# payment-svc, back, sees the request and the cancellation: no money is kept either way.
wait_until 30 bash -c "psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT coalesce((SELECT status FROM payment.payments WHERE order_id = '$OT'), 'none')\" | grep -qE '^(FAILED|REFUNDED)$'" ||
  fail "the expired order's payment is $(payment_status "$OT")"
ok "reservation TTL (3 s) before payment: CANCELLED (RESERVATION_EXPIRED), the unit back; payment-svc, back later, keeps no money ($(payment_status "$OT"))"

# ---- 20 customers race for the last 5 units ----
FIVE=$(item "$OUT" "FIVE-$RUN" 700 5)
declare -a TOK ADR
for i in $(seq 1 20); do
  sub=$(newid) adr=$(newid)
  TOK[i]=$(mint customer "$sub") ADR[i]=$adr
  data=$(jq -cn --arg a "$adr" --arg c "$sub" '{address_id: $a, account_id: $c, label: "Home", line1: "\(1) Race St", city: "Bengaluru", postcode: "560001", lat: 12.97, lng: 77.59, deleted: false}')
  produce customer.address.updated.v1 "$sub" "$data" "" customer-svc >/dev/null
done
wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM orders.addresses WHERE line1 = '1 Race St' AND id IN ($(printf "'%s'," "${ADR[@]}" | sed 's/,$//'))\")\" = 20 ]" ||
  fail "order-svc did not learn the 20 addresses"
dir=$(mktemp -d)
for i in $(seq 1 20); do
  curl -s -m 20 -o "$dir/$i" -w '%{http_code}' -X POST -H "Authorization: Bearer ${TOK[i]}" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: race5-$RUN-$i" --data-binary "$(order_body "$OUT" "${ADR[i]}" "$(items "$FIVE" 1)")" "$BASE/v1/orders" >"$dir/$i.code" &
done
wait
RACE=()
for i in $(seq 1 20); do
  assert_eq "$(cat "$dir/$i.code")" 202 "racer $i"
  RACE+=("$(jq -r .order_id "$dir/$i")")
done
rm -rf "$dir"
for o in "${RACE[@]}"; do wait_state "$o" APPROVED REJECTED; done
ids=$(printf "'%s'," "${RACE[@]}" | sed 's/,$//')
assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE id IN ($ids) AND status = 'APPROVED'")" 5 "exactly 5 orders past validation, all approved"
assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE id IN ($ids) AND status = 'REJECTED' AND reason = 'OUT_OF_STOCK'")" 15 "15 rejected OUT_OF_STOCK"
assert_eq "$(stock_of "$FIVE")" 0 "none left, none below zero"
ok "20 customers racing for 5 units: exactly 5 orders past validation (APPROVED), 15 REJECTED OUT_OF_STOCK, stock 0"

# ---- Kafka stopped for 30 s while orders are placed ----
kpid=$(cat "$OF_STACK_DIR/pids/kafka.pid")
kill "$kpid"
wait_until 60 bash -c "! kill -0 $kpid 2>/dev/null" || fail "Kafka did not stop"
t0=$SECONDS
KO=()
# Customer B places these: the scenarios below place 12 orders a minute as customer A, whose
# per-customer limit (OF_ORDER_RATE, 30 a minute) these would share.
for i in $(seq 1 10); do
  assert_eq "$(order "$TB" "kafka-down-$RUN-$i" "$(order_body "$OUT" "$ADDR_B" "$(items "$CHAI" 1)")")" 202 "order $i with Kafka down"
  KO+=("$(body .order_id)")
  sleep 1
done
assert_eq "$(sql "SELECT count(*) FROM orders.outbox WHERE published_at IS NULL AND key IN ($(printf "'%s'," "${KO[@]}" | sed 's/,$//'))")" 20 \
  "the outbox holds each order's two events"
sleep $((30 - (SECONDS - t0) > 0 ? 30 - (SECONDS - t0) : 0))
stack infra-up >/dev/null
for o in "${KO[@]}"; do wait_until 120 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT status FROM orders.orders WHERE id = '$o'\")\" = APPROVED ]" || fail "order $o is $(state "$o") after Kafka came back"; done
ok "Kafka down 30 s: 10 orders answered 202 (the outbox held their events), all APPROVED once the broker was back"

# ---- Each daemon SIGKILLed while orders flow ----
# place_until_accepted TOKEN KEY BODY: retries the same request (same key) until it is 202, as a
# client does when the server dies mid-request; prints the order id.
place_until_accepted() {
  local i
  for i in $(seq 1 100); do
    if [ "$(order "$1" "$2" "$3")" == 202 ]; then body .order_id; return 0; fi
    sleep 0.3
  done
  fail "$2 never accepted: $(head -c 200 "$BODY_FILE")"
}
for victim in order-svc inventory-svc payment-svc business-svc; do
  KILLED=()
  ( sleep 1.5; stack daemon-kill "$victim" >/dev/null; sleep 2; stack daemon-start "$victim" >/dev/null ) &
  killer=$!
  for i in $(seq 1 12); do
    KILLED+=("$(place_until_accepted "$TA" "kill-$victim-$RUN-$i" "$(order_body "$OUT" "$ADDR_A" "$(items "$DOSA" 1 "$CHAI" 1)")")")
    sleep 0.3
  done
  wait "$killer"
  wait_all_ready
  for o in "${KILLED[@]}"; do
    wait_until 120 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT status FROM orders.orders WHERE id = '$o'\")\" = APPROVED ]" ||
      fail "after $victim was killed, order $o is stuck in $(state "$o")"
  done
  ids=$(printf "'%s'," "${KILLED[@]}" | sed 's/,$//')
  assert_eq "$(sql "SELECT count(*) FROM payment.mock_ledger WHERE order_id IN ($ids) AND kind = 'charge'")" 12 "one charge per order"
  assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE idempotency_key LIKE 'kill-$victim-$RUN-%'")" 12 "one order per key"
  ok "$victim SIGKILLed and restarted while 12 orders flowed: all APPROVED, each charged once, one order per key"
done

invariants_check
