#!/usr/bin/env bash
# payment-svc: payment.requested.v1 and order.cancelled.v1 produced with kcat as order-svc would.
# Each token of the mock provider (tok_ok captured, tok_decline and unknown tokens CARD_DECLINED,
# tok_insufficient INSUFFICIENT_FUNDS, tok_error captured after two transient failures retried
# by the consumer); the same request twice (two event ids) -> one payment, one event; a charge
# the provider made before a crash -> the same provider reference, no second charge; cancel after
# capture -> one refund even when order.cancelled.v1 comes twice; cancel before the request ->
# ORDER_CANCELLED and nothing charged; malformed data dead-lettered naming the field; the GET
# routes through the gateway with their BOLA matrix; no token anywhere; metrics; every produced
# event valid against its schema; the OpenAPI document against the route table; the invariants.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/invariants.sh"
wait_all_ready

PORT=$(svc_port payment-svc)
BASE=$OF_GATEWAY_URL
BROKER="127.0.0.1:$OF_KAFKA_PORT"
MINT="$OF_BIN_DIR/customer-token"
OPENAPI="$OF_REPO/docs/openapi/payment-svc.yaml"
EVENTS="$OF_REPO/docs/events"

sql() { psql_admin "$1"; }
mint() { OF_JWT_PRIVATE_KEY="$OF_JWT_PRIVATE_KEY" "$MINT" --role "$1" ${2:+--sub "$2"}; }
authed() { local t=$1 p=$2; shift 2; http -H "Authorization: Bearer $t" "$@" "$BASE$p"; }
body() { jq -r "$1" "$BODY_FILE"; }

handled() { [ "$(sql "SELECT count(*) FROM payment.processed_events WHERE event_id = '$1'")" == 1 ]; }
wait_handled() {
  local e
  for e in "$@"; do wait_until 60 handled "$e" || fail "event $e was not consumed by payment-svc"; done
}

# request_data ORDER CUSTOMER AMOUNT CURRENCY METHOD TOKEN: payment.requested.v1's data.
request_data() {
  jq -cn --arg o "$1" --arg c "$2" --argjson a "$3" --arg cur "$4" --arg m "$5" --arg t "$6" \
    '{order_id: $o, customer_id: $c, amount_minor: $a, currency: $cur, method: $m, token: $t}'
}
# request ORDER CUSTOMER TOKEN [AMOUNT] [EVENT_ID]: payment.requested.v1, prints the event id.
request() { produce payment.requested.v1 "$1" "$(request_data "$1" "$2" "${4:-29900}" INR CARD "$3")" "${5:-}"; }
# cancel ORDER CUSTOMER: order.cancelled.v1 as order-svc writes it, prints the event id.
cancel() {
  produce order.cancelled.v1 "$1" "$(jq -cn --arg o "$1" --arg c "$2" --arg out "$OUTLET" --arg at "$(now_ts)" \
    '{order_id: $o, customer_id: $c, outlet_id: $out, reason: "CUSTOMER_CANCELLED", stage: "PLACED",
      reservation_id: null, cancelled_at: $at}')"
}

status_of() { sql "SELECT status || '/' || coalesce(failure_reason, '-') FROM payment.payments WHERE order_id = '$1'"; }
out_count() { sql "SELECT count(*) FROM payment.outbox WHERE topic = '$1' AND key = '$2'"; }
out_data() { sql "SELECT payload->'data' FROM payment.outbox WHERE topic = '$1' AND key = '$2' ORDER BY id DESC LIMIT 1"; }
ledger() { sql "SELECT coalesce(string_agg(kind || ':' || coalesce(outcome, '-') || ':' || attempts, ',' ORDER BY kind), '') FROM payment.mock_ledger WHERE order_id = '$1'"; }
snapshot() { sql "SELECT (SELECT count(*) FROM payment.payments) || '/' || (SELECT count(*) FROM payment.mock_ledger) || '/' || (SELECT count(*) FROM payment.outbox) || '/' || (SELECT count(*) FROM payment.cancellations)"; }
metric() { metric_value "$PORT" "$1"; }
# payment_id ORDER: the derived id payment-svc gives the order's payment (as invariants/payment.sql).
payment_id() {
  sql "SELECT encode(set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | 128), 8, (get_byte(h, 8) & 63) | 128), 'hex')::uuid
         FROM (SELECT substring(sha256(convert_to('orderflow.payment:$1', 'UTF8')) FROM 1 FOR 16) AS h) d"
}

A=$(newid) B=$(newid) OUTLET=$(newid)
TA=$(mint customer "$A") TB=$(mint customer "$B") TADMIN=$(mint admin)
TBIZ=$(mint business "$A") TPART=$(mint partner "$A")
m_before=$(curl -s "http://127.0.0.1:$PORT/metrics")
m0() { awk -v s="$1" 'index($0, s " ") == 1 { print $2; f=1 } END { if (!f) print 0 }' <<<"$m_before"; }

# ---- Each token's outcome ----
O_OK=$(newid) O_DECLINE=$(newid) O_INSUF=$(newid) O_OTHER=$(newid)
wait_handled "$(request "$O_OK" "$A" tok_ok)" "$(request "$O_DECLINE" "$A" tok_decline)" \
  "$(request "$O_INSUF" "$A" tok_insufficient)" "$(request "$O_OTHER" "$A" tok_unknown_to_the_mock)"
assert_eq "$(status_of "$O_OK")" CAPTURED/- "tok_ok"
assert_eq "$(status_of "$O_DECLINE")" FAILED/CARD_DECLINED "tok_decline"
assert_eq "$(status_of "$O_INSUF")" FAILED/INSUFFICIENT_FUNDS "tok_insufficient"
assert_eq "$(status_of "$O_OTHER")" FAILED/CARD_DECLINED "a token the mock does not know"
PAY_OK=$(payment_id "$O_OK")
assert_eq "$(sql "SELECT id FROM payment.payments WHERE order_id = '$O_OK'")" "$PAY_OK" "the payment id is derived from the order id"
d=$(out_data payment.completed.v1 "$O_OK")
assert_eq "$(jq -r '[.order_id, .payment_id, .customer_id, .amount_minor, .currency, .method] | map(tostring) | join("/")' <<<"$d")" \
  "$O_OK/$PAY_OK/$A/29900/INR/CARD" "payment.completed.v1's data"
assert_eq "$(jq -r .provider_ref <<<"$d")" "$(sql "SELECT provider_ref FROM payment.mock_ledger WHERE kind = 'charge' AND order_id = '$O_OK'")" "the provider reference is the ledger's"
[[ $(jq -r .completed_at <<<"$d") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]] || fail "completed_at is not RFC 3339 UTC with ms"
assert_eq "$(out_data payment.failed.v1 "$O_DECLINE" | jq -r '.reason + "/" + .payment_id')" "CARD_DECLINED/$(payment_id "$O_DECLINE")" "payment.failed.v1 CARD_DECLINED"
assert_eq "$(out_data payment.failed.v1 "$O_INSUF" | jq -r .reason)" INSUFFICIENT_FUNDS "payment.failed.v1 INSUFFICIENT_FUNDS"
assert_eq "$(ledger "$O_OK")|$(ledger "$O_DECLINE")|$(ledger "$O_INSUF")" "charge:CAPTURED:1|charge:DECLINED:1|charge:INSUFFICIENT:1" "the mock's ledger"
assert_eq "$(out_count payment.completed.v1 "$O_DECLINE")$(out_count payment.failed.v1 "$O_OK")" 00 "one answer per order"
ok "tokens: tok_ok CAPTURED (payment.completed.v1 with the ledger's reference), tok_decline and unknown CARD_DECLINED, tok_insufficient INSUFFICIENT_FUNDS"

# ---- tok_error: two transient failures, retried by the consumer, then captured ----
O_ERR=$(newid)
retries0=$(metric payment_provider_retries_total)
wait_handled "$(request "$O_ERR" "$A" tok_error)"
assert_eq "$(status_of "$O_ERR")" CAPTURED/- "tok_error completes"
assert_eq "$(ledger "$O_ERR")" charge:CAPTURED:3 "three charge attempts under one idempotency key"
assert_eq "$(out_count payment.completed.v1 "$O_ERR")" 1 "one payment.completed.v1"
assert_eq "$(($(metric payment_provider_retries_total) - retries0))" 2 "payment_provider_retries_total counts the two"
ok "tok_error: failed transiently twice (consumer_retry), captured on the third attempt with the same key"

# ---- The same request twice, under two event ids: one payment, one event ----
O_DUP=$(newid)
wait_handled "$(request "$O_DUP" "$A" tok_ok)"
wait_handled "$(request "$O_DUP" "$A" tok_ok)" "$(request "$O_DUP" "$A" tok_decline 100)"
assert_eq "$(sql "SELECT count(*) FROM payment.payments WHERE order_id = '$O_DUP'")/$(status_of "$O_DUP")" 1/CAPTURED/- "one payment"
assert_eq "$(out_count payment.completed.v1 "$O_DUP")$(out_count payment.failed.v1 "$O_DUP")" 10 "one payment.completed.v1, no failure"
assert_eq "$(ledger "$O_DUP")" charge:CAPTURED:1 "charged once"
ok "payment.requested.v1 three times under new event ids: one payment, one payment.completed.v1, one charge"

# ---- A charge the provider made before the daemon died: the redelivery gets the same reference ----
# As if payment-svc charged, then was SIGKILLed before its commit: the ledger (the provider's, on
# its own connection) has the capture, payment-svc has nothing; the redelivered request charges
# under the same derived key and gets the first answer.
O_CRASH=$(newid)
sql "INSERT INTO payment.mock_ledger (kind, idempotency_key, order_id, amount_minor, currency, outcome, provider_ref, decided_at)
     VALUES ('charge', '$(payment_id "$O_CRASH")', '$O_CRASH', 29900, 'INR', 'CAPTURED', 'mock_ch_before_the_crash', now())" >/dev/null
wait_handled "$(request "$O_CRASH" "$A" tok_ok)"
assert_eq "$(status_of "$O_CRASH")/$(out_data payment.completed.v1 "$O_CRASH" | jq -r .provider_ref)" CAPTURED/-/mock_ch_before_the_crash "the first charge's reference"
assert_eq "$(ledger "$O_CRASH")" charge:CAPTURED:2 "asked twice, charged once"
ok "a redelivery after a crash between charge and commit: the same idempotency key, the same provider_ref, no second charge"

# ---- Cancel after capture: one refund, even when order.cancelled.v1 comes twice ----
refunds0=$(metric payment_refunds_total)
wait_handled "$(cancel "$O_OK" "$A")"
wait_handled "$(cancel "$O_OK" "$A")"
assert_eq "$(status_of "$O_OK")" REFUNDED/- "refunded"
assert_eq "$(out_count payment.refunded.v1 "$O_OK")" 1 "one payment.refunded.v1"
d=$(out_data payment.refunded.v1 "$O_OK")
assert_eq "$(jq -r '[.order_id, .payment_id, .customer_id, .amount_minor, .currency] | map(tostring) | join("/")' <<<"$d")" \
  "$O_OK/$PAY_OK/$A/29900/INR" "payment.refunded.v1's data"
assert_eq "$(jq -r .provider_ref <<<"$d")" "$(sql "SELECT provider_ref FROM payment.mock_ledger WHERE kind = 'refund' AND order_id = '$O_OK'")" "the refund's reference"
assert_eq "$(ledger "$O_OK")" charge:CAPTURED:1,refund:REFUNDED:1 "refunded once at the provider"
assert_eq "$(($(metric payment_refunds_total) - refunds0))" 1 "payment_refunds_total"
wait_handled "$(cancel "$O_DECLINE" "$A")"
assert_eq "$(status_of "$O_DECLINE")/$(out_count payment.refunded.v1 "$O_DECLINE")/$(ledger "$O_DECLINE")" FAILED/CARD_DECLINED/0/charge:DECLINED:1 "a failed payment's cancellation changes nothing"
ok "order.cancelled.v1 twice after capture: one refund (payment.refunded.v1, the ledger's refund); a failed payment's cancellation refunds nothing"

# ---- Cancel before the request: remembered, the request fails ORDER_CANCELLED, nothing charged ----
O_EARLY=$(newid)
wait_handled "$(cancel "$O_EARLY" "$A")"
assert_eq "$(sql "SELECT count(*) FROM payment.cancellations WHERE order_id = '$O_EARLY'")" 1 "the tombstone"
wait_handled "$(request "$O_EARLY" "$A" tok_ok)"
assert_eq "$(status_of "$O_EARLY")" FAILED/ORDER_CANCELLED "the late request"
assert_eq "$(out_data payment.failed.v1 "$O_EARLY" | jq -r .reason)/$(out_count payment.completed.v1 "$O_EARLY")" ORDER_CANCELLED/0 "payment.failed.v1 ORDER_CANCELLED"
assert_eq "$(ledger "$O_EARLY")" "" "no charge in the mock's ledger"
wait_handled "$(cancel "$O_EARLY" "$A")"
assert_eq "$(out_count payment.refunded.v1 "$O_EARLY")/$(status_of "$O_EARLY")" 0/FAILED/ORDER_CANCELLED "its re-emitted cancellation changes nothing"
ok "order.cancelled.v1 before payment.requested.v1: remembered; the request fails with ORDER_CANCELLED and charges nothing"

# ---- Malformed data: dead-lettered to payment.requested.v1.dlq naming the field, nothing written ----
dlq_error() { # KEY
  kcat -b "$BROKER" -C -e -q -t payment.requested.v1.dlq -f '%k\t%h\n' 2>/dev/null | grep -F 'dlq.consumer=payment-svc' |
    awk -F'\t' -v k="$1" '$1 == k { print $2 }' | tail -n1 | tr ',' '\n' | sed -n 's/^dlq\.error=//p'
}
dead() { # DATA_JQ WANT_REASON NAME
  local o data
  o=$(newid)
  data=$(request_data "$o" "$A" 29900 INR CARD tok_ok | jq -c "$1")
  produce payment.requested.v1 "$o" "$data" >/dev/null
  wait_until 60 bash -c "kcat -b $BROKER -C -e -q -t payment.requested.v1.dlq -f '%k\t%h\n' 2>/dev/null | grep -F 'dlq.consumer=payment-svc' | cut -f1 | grep -qx $o" ||
    fail "$3: not dead-lettered"
  assert_eq "$(dlq_error "$o")" "$2" "$3: dlq.error"
}
before=$(snapshot)
dead 'del(.customer_id)' "data.customer_id: is required" "missing customer_id"
dead 'del(.amount_minor)' "data.amount_minor: is required" "missing amount_minor"
dead 'del(.token)' "data.token: is required" "missing token"
dead '.amount_minor = 0' "data.amount_minor: must be between 1 and 100000000000000000" "amount 0"
dead '.amount_minor = 12.5' "data.amount_minor: must be an integer" "a fractional amount"
dead '.currency = "inr"' "data.currency: must be an ISO 4217 code: 3 upper-case letters" "lower-case currency"
dead '.method = "CASH"' "data.method: must be UPI|CARD|WALLET" "unknown method"
dead '.token = ""' "data.token: must not be empty" "an empty token"
dead '.order_id = "not-a-uuid"' "data.order_id: must be a UUID: 8-4-4-4-12 lowercase hex digits" "a bad order_id"
assert_eq "$(snapshot)" "$before" "dead letters wrote nothing (payments/ledger/outbox/cancellations)"
[[ "$(kcat -b "$BROKER" -C -e -q -t payment.requested.v1.dlq -f '%h\n' 2>/dev/null | grep -F 'dlq.consumer=payment-svc')" != *tok_ok* ]] ||
  fail "a dead letter's headers show the token"
ok "malformed payment.requested.v1 (missing fields, amount 0, fractional, lower-case currency, unknown method, empty token, bad id): dead-lettered naming the field, nothing written"

# ---- GET /v1/payments/{id} and ?order_id= through the gateway: the payer, admin, nobody else ----
assert_eq "$(authed "$TA" "/v1/payments/$PAY_OK")" 200 "A reads A's payment"
assert_eq "$(body '[.id, .order_id, .customer_id, .amount_minor, .currency, .method, .status, (.failure_reason // "-")] | map(tostring) | join("/")')" \
  "$PAY_OK/$O_OK/$A/29900/INR/CARD/REFUNDED/-" "the payment"
assert_eq "$(body 'keys | join(",")')" "amount_minor,created_at,currency,customer_id,failure_reason,id,method,order_id,provider_ref,status,updated_at" "exactly the documented members"
[[ "$(cat "$BODY_FILE")" != *tok_* ]] || fail "the answer shows a token"
assert_eq "$(authed "$TA" "/v1/payments/$(payment_id "$O_EARLY")")" 200 "a failed payment"
assert_eq "$(body '.status + "/" + .failure_reason + "/" + (.provider_ref | tostring)')" FAILED/ORDER_CANCELLED/null "never charged: no provider_ref"
assert_eq "$(authed "$TB" "/v1/payments/$PAY_OK")" 404 "B on A's payment"
[[ "$(cat "$BODY_FILE")" != *"$O_OK"* ]] || fail "the 404 shows A's order"
assert_eq "$(authed "$TBIZ" "/v1/payments/$PAY_OK")" 404 "a business token with A's sub"
assert_eq "$(authed "$TPART" "/v1/payments/$PAY_OK")" 404 "a partner token with A's sub"
assert_eq "$(authed "$TADMIN" "/v1/payments/$PAY_OK")" 200 "an admin"
assert_eq "$(authed "$TA" "/v1/payments/$(newid)")" 404 "an unknown payment"
assert_eq "$(authed "$TA" "/v1/payments/not-a-uuid")" 404 "a non-UUID id"
assert_eq "$(http "$BASE/v1/payments/$PAY_OK")" 401 "no token"
assert_eq "$(authed "$TA" "/v1/payments?order_id=$O_OK")" 200 "A lists A's order"
assert_eq "$(body '[.payments[].id] | join(",")')" "$PAY_OK" "A's order's payment"
assert_eq "$(authed "$TB" "/v1/payments?order_id=$O_OK")" 200 "B lists A's order"
assert_eq "$(body '.payments | length')" 0 "B sees nothing of A's order"
assert_eq "$(authed "$TADMIN" "/v1/payments?order_id=$O_OK")" 200 "an admin lists"
assert_eq "$(body '.payments | length')" 1 "an admin sees it"
assert_eq "$(authed "$TA" "/v1/payments?order_id=$(newid)")" 200 "an order without a payment"
assert_eq "$(body '.payments | length')" 0 "empty"
assert_eq "$(authed "$TA" "/v1/payments")" 400 "no order_id"
assert_eq "$(body .error.code)/$(body .error.field)" missing_field/order_id "names order_id"
assert_eq "$(authed "$TA" "/v1/payments?order_id=nope")" 400 "a bad order_id"
assert_eq "$(body .error.code)/$(body .error.field)" invalid_value/order_id "names order_id"
assert_eq "$(authed "$TA" "/v1/payments?order_id=${O_OK^^}")" 400 "an upper-case order_id"
ok "GET /v1/payments/{id} and ?order_id=: the payer and admins; another customer, a business or partner token 404 (or an empty list); non-UUID 404; bad query 400 naming order_id; no token 401"

# ---- No token or card data in the database, the events or the logs ----
assert_eq "$(sql "SELECT count(*) FROM payment.outbox WHERE payload::text ~ 'tok_'")" 0 "tokens in the outbox"
assert_eq "$(sql "SELECT count(*) FROM payment.payments p WHERE row_to_json(p)::text ~ 'tok_'")" 0 "tokens in payments"
assert_eq "$(sql "SELECT count(*) FROM payment.mock_ledger l WHERE row_to_json(l)::text ~ 'tok_'")" 0 "tokens in the ledger"
LOG="$OF_STACK_DIR/logs/payment-svc.log"
[ -s "$LOG" ] || fail "no log at $LOG"
! grep -q 'tok_' "$LOG" || fail "payment-svc's log shows a token: $(grep -m1 'tok_' "$LOG")"
ok "no token in payments, the ledger, the outbox or payment-svc's log"

# ---- Metrics ----
assert_eq "$(http "http://127.0.0.1:$PORT/metrics")" 200 "/metrics"
metrics_lint <"$BODY_FILE" || fail "/metrics does not parse"
for pair in captured:4 declined:2 insufficient:1 cancelled:1; do
  o=${pair%%:*} want=${pair#*:} s="payments_total{outcome=\"${pair%%:*}\"}"
  assert_eq "$(($(metric "$s") - $(m0 "$s")))" "$want" "$s"
done
ok "metrics: payments_total by outcome, payment_refunds_total, payment_provider_retries_total"

# ---- Every event produced is valid against its schema ----
n=0
for topic in payment.completed.v1 payment.failed.v1 payment.refunded.v1; do
  wait_until 30 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM payment.outbox WHERE published_at IS NULL\")\" = 0 ]" ||
    fail "payment.outbox not published"
  records=$(kcat -b "$BROKER" -C -e -q -t "$topic" -f '%s\n' 2>/dev/null | jq -c 'select(.producer == "payment-svc")')
  c=$(grep -c . <<<"$records")
  ((c > 0)) || fail "no record on $topic"
  assert_eq "$(jq -c .data <<<"$records" | schema_valid "$EVENTS/$topic.schema.json" "" | sort | uniq -c | tr -s ' ')" " $c valid" "$topic: data against $topic.schema.json"
  assert_eq "$(schema_valid "$EVENTS/envelope.schema.json" "" <<<"$records" | sort | uniq -c | tr -s ' ')" " $c valid" "$topic: the envelopes"
  assert_eq "$(head -n1 <<<"$records" | jq -c '.data | del(.order_id)' | schema_valid "$EVENTS/$topic.schema.json" "")" invalid "$topic: the schema refuses data without order_id"
  n=$((n + c))
done
assert_eq "$(out_data payment.failed.v1 "$O_DECLINE" | jq -c '.reason = "LOST"' | schema_valid "$EVENTS/payment.failed.v1.schema.json" "")" invalid "an unknown reason"
assert_eq "$(out_data payment.completed.v1 "$O_ERR" | jq -c '.amount_minor = 1.5' | schema_valid "$EVENTS/payment.completed.v1.schema.json" "")" invalid "a fractional amount"
ok "$n events produced by payment-svc valid against docs/events/payment.*.v1.schema.json and the envelope schema"

# ---- The OpenAPI document says what the code does ----
openapi_check "$OPENAPI"
openapi_routes_check payment-svc "$OPENAPI"
ok "docs/openapi/payment-svc.yaml describes exactly the route table and the API error table"

# ---- Invariants ----
invariants_check payment
