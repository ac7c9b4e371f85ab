#!/usr/bin/env bash
# make demo against the test stack, twice (it must be re-runnable), and the full happy path it
# drives checked from the data: the order went CREATED -> ... -> DELIVERED through every event
# in order, the customer was told placed, approved, assigned, picked up and delivered in that
# order (a step overtaken by the next is not told), each once and SENT; the receipt has the lines and the total; inventory sold the stock;
# the declined order was cancelled for PAYMENT_FAILED with its payment FAILED and its stock
# released; the second run used the tokens of the first (no new OTP codes); the
# invariants hold at the end. Also: the demo fails, saying why, when no stack answers.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/invariants.sh"
wait_all_ready

DEMO="$OF_REPO/scripts/demo.sh"
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
run_demo() {
  OF_DEMO_STEP_S=0 OF_DEMO_TIMEOUT_S=90 bash "$DEMO" >"$OUT" 2>&1 || {
    cat "$OUT"
    fail "make demo failed (run $1)"
  }
  cat "$OUT"
  grep -q '^demo done: .* DELIVERED, .* CANCELLED and compensated$' "$OUT" || fail "run $1: no 'demo done' line"
}
q() { psql_admin "$1"; }

tokens() { cat "$OF_STACK_DIR"/demo/token.* | sha256sum; }
run_demo 1
TOKENS1=$(tokens)
assert_eq "$(ls "$OF_STACK_DIR"/demo/token.* | wc -l)" 4 "four accounts logged in"
# shellcheck disable=SC1091
source "$OF_STACK_DIR/demo/last.env"
O1=$DEMO_ORDER_DELIVERED O2=$DEMO_ORDER_DECLINED
ok "make demo: order $O1 delivered, $O2 declined and compensated"

# ---- The happy path, from the data ----
assert_eq "$(q "SELECT status FROM orders.orders WHERE id = '$O1'")" DELIVERED "order 1's state"
assert_eq "$(q "SELECT string_agg(to_state, ',' ORDER BY id) FROM orders.timeline WHERE order_id = '$O1' AND disposition = 'APPLIED'")" \
  "CREATED,AWAITING_PAYMENT,PLACED,APPROVED,ASSIGNED,OUT_FOR_DELIVERY,DELIVERED" "order 1's states in order"
# in the order of the steps, each once; with no pause between the partner's steps a step whose
# event reached notification-svc after the next one's is not told (assigned, picked up)
KINDS1=$(q "SELECT string_agg(event_type, ',' ORDER BY created_at, id) FROM notification.notifications WHERE order_id = '$O1'")
case $KINDS1 in
order.placed,order.approved,delivery.agent.assigned,delivery.picked_up,order.delivered | \
  order.placed,order.approved,delivery.agent.assigned,order.delivered | \
  order.placed,order.approved,delivery.picked_up,order.delivered | order.placed,order.approved,order.delivered) ;;
*) fail "order 1's notifications out of order or missing: $KINDS1" ;;
esac
assert_eq "$(q "SELECT count(*) FROM notification.notifications WHERE order_id = '$O1' AND status <> 'SENT'")" 0 "all SENT"
assert_eq "$(q "SELECT status FROM partner.deliveries WHERE order_id = '$O1'")" DELIVERED "the delivery"
assert_eq "$(q "SELECT status FROM inventory.reservations WHERE order_id = '$O1'")" COMMITTED "order 1's stock sold"
assert_eq "$(q "SELECT status FROM payment.payments WHERE order_id = '$O1'")" CAPTURED "order 1's money held"
grep -q '^  RECEIPT$' "$OUT" || fail "no receipt in the demo's output"
TOTAL=$(q "SELECT to_char(total_minor / 100.0, 'FM999990.00') FROM orders.orders WHERE id = '$O1'")
grep -q "Tomato soup" "$OUT" && grep -q "$TOTAL" "$OUT" || fail "the receipt lacks the lines or the total $TOTAL"
ok "happy path: every state in order, the notifications in the steps' order ($KINDS1) and SENT, the receipt, stock sold"

# ---- The declined order ----
assert_eq "$(q "SELECT status || ' ' || reason FROM orders.orders WHERE id = '$O2'")" "CANCELLED PAYMENT_FAILED" "order 2"
assert_eq "$(q "SELECT status FROM payment.payments WHERE order_id = '$O2'")" FAILED "order 2's payment"
assert_eq "$(q "SELECT status FROM inventory.reservations WHERE order_id = '$O2'")" RELEASED "order 2's stock released"
assert_eq "$(q "SELECT string_agg(event_type, ',' ORDER BY created_at, id) FROM notification.notifications WHERE order_id = '$O2'")" \
  "payment.failed,order.cancelled" "order 2's notifications"
ok "declined: CANCELLED PAYMENT_FAILED, payment FAILED, stock released, told twice"

# ---- Re-run on the same stack: the kept tokens, a new outlet, both orders as before ----
run_demo 2
assert_eq "$(tokens)" "$TOKENS1" "the second run logged in with the first run's tokens"
# shellcheck disable=SC1091
source "$OF_STACK_DIR/demo/last.env"
[ "$DEMO_ORDER_DELIVERED" != "$O1" ] || fail "the second run reported the first run's order"
assert_eq "$(q "SELECT status FROM orders.orders WHERE id = '$DEMO_ORDER_DELIVERED'")" DELIVERED "run 2's order"
assert_eq "$(q "SELECT count(*) FROM partner.partners p JOIN partner.deliveries d ON d.id = p.delivery_id")" 0 \
  "no partner left holding a delivery"
ok "re-runnable: the second run reused the tokens and delivered again"

# ---- No personal data or secrets in the logs: the demo's phone numbers and tokens ----
leaks=$(grep -rlF -e 7700900901 -e 7700900902 -e 7700900903 -e 7700900904 \
  $(cat "$OF_STACK_DIR"/demo/token.* | sed 's/^/-e /') "$OF_STACK_DIR/logs" 2>/dev/null || true)
[ -z "$leaks" ] || fail "a phone number or token of the demo's accounts in the logs: $leaks"
ok "no phone number or token of the demo's accounts in any log"

# ---- No stack: a clear error ----
if OF_DEMO_URL=http://127.0.0.1:1 bash "$DEMO" >"$OUT" 2>&1; then
  fail "the demo passed with no stack"
fi
grep -q "no gateway at http://127.0.0.1:1" "$OUT" || fail "no stack: $(cat "$OUT")"
ok "no stack: the demo says to start it"

invariants_check
ok "invariants hold"
