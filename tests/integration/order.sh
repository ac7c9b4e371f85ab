#!/usr/bin/env bash
# order-svc: POST /v1/orders through the gateway against the real read models (addresses from
# customer-svc, outlets from business-svc) and the real inventory-svc: the bad-input matrix with
# nothing written; an order validated (priced lines, total, payment.requested.v1 with the token,
# which order-svc then forgets) and its timeline; out of stock and unknown items -> REJECTED;
# Idempotency-Key replay, 422 for another body, one order for concurrent requests, and the
# database backstop with Redis stopped; the customer's cancel (CREATED with inventory-svc stopped,
# AWAITING_PAYMENT with payment-svc stopped) and 409 after; events produced a second time by hand
# change nothing; an event for an unknown order retried, then dead-lettered; BOLA; the rate
# limit; metrics; the OpenAPI document against the route table; the invariants at the end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/invariants.sh"
source "$(dirname "$0")/saga_lib.sh"
wait_all_ready

PORT=$(svc_port order-svc)
OPENAPI="$OF_REPO/docs/openapi/order-svc.yaml"
trap 'stack infra-up >/dev/null 2>&1 || true; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT

# ---- The world: a business with two outlets and a catalog; two customers with addresses ----
saga_world

# ---- The bad-input matrix: 400/404/413 naming the field, nothing written ----
good=$(order_body "$OUT" "$ADDR_A" "$(items "$DOSA" 1)")
before=$(n_orders)
k=0
bad() { # bad STATUS FIELD WHAT BODY [KEY]
  k=$((k + 1))
  expect "$1" "$2" "$3" "$(order "$TA" "${5:-bad-$RUN-$k}" "$4")"
}
expect 400 Idempotency-Key "no Idempotency-Key" "$(authed "$TA" POST /v1/orders --data-binary "$good")"
assert_eq "$(body .error.code)" missing_field "no key: missing_field"
expect 400 Idempotency-Key "a key with a space" "$(order "$TA" "a b" "$good")"
expect 400 Idempotency-Key "a key of 65 characters" "$(order "$TA" "$(printf 'k%.0s' $(seq 65))" "$good")"
bad 400 "" "not JSON" '{"outlet_id":'
bad 400 outlet_id "no outlet_id" "$(jq -c 'del(.outlet_id)' <<<"$good")"
bad 400 address_id "no address_id" "$(jq -c 'del(.address_id)' <<<"$good")"
bad 400 items "no items" "$(jq -c 'del(.items)' <<<"$good")"
bad 400 payment "no payment" "$(jq -c 'del(.payment)' <<<"$good")"
bad 400 outlet_id "outlet_id not a UUID" "$(jq -c '.outlet_id = "outlet-1"' <<<"$good")"
bad 400 outlet_id "outlet_id a number" "$(jq -c '.outlet_id = 7' <<<"$good")"
bad 400 items "items an object" "$(jq -c '.items = {}' <<<"$good")"
bad 400 items "no lines" "$(jq -c '.items = []' <<<"$good")"
bad 400 items "51 lines" "$(jq -c '.items = [range(51) | {item_id: "00000000-0000-4000-8000-\(. + 100000000000 | tostring)", qty: 1}]' <<<"$good")"
bad 400 "items[0].qty" "qty 0" "$(jq -c '.items[0].qty = 0' <<<"$good")"
bad 400 "items[0].qty" "qty -1" "$(jq -c '.items[0].qty = -1' <<<"$good")"
bad 400 "items[0].qty" "qty 101" "$(jq -c '.items[0].qty = 101' <<<"$good")"
bad 400 "items[0].qty" "qty 10^30" "$(jq -c '.items[0].qty = 1000000000000000000000000000000' <<<"$good")"
bad 400 "items[0].qty" "qty 1.5" "$(jq -c '.items[0].qty = 1.5' <<<"$good")"
bad 400 "items[0].qty" "qty a string" "$(jq -c '.items[0].qty = "1"' <<<"$good")"
bad 400 "items[0].item_id" "item_id not a UUID" "$(jq -c '.items[0].item_id = "x"' <<<"$good")"
bad 400 "items[1].item_id" "a repeated item" "$(jq -c '.items += [.items[0]]' <<<"$good")"
bad 400 "items[0].unit_price_minor" "a price sent" "$(jq -c '.items[0].unit_price_minor = 1' <<<"$good")"
bad 400 "items[0].colour" "an unknown line member" "$(jq -c '.items[0].colour = "red"' <<<"$good")"
bad 400 total_minor "a total sent" "$(jq -c '.total_minor = 1' <<<"$good")"
bad 400 status "a status sent" "$(jq -c '.status = "APPROVED"' <<<"$good")"
bad 400 customer_id "an owner sent" "$(jq -c '.customer_id = "'"$CB"'"' <<<"$good")"
bad 400 coupon "an unknown member" "$(jq -c '.coupon = "FREE"' <<<"$good")"
bad 400 "payment.method" "an unknown method" "$(jq -c '.payment.method = "CASH"' <<<"$good")"
bad 400 "payment.token" "no token" "$(jq -c 'del(.payment.token)' <<<"$good")"
bad 400 "payment.token" "an empty token" "$(jq -c '.payment.token = ""' <<<"$good")"
bad 400 "payment.token" "a token of 129 bytes" "$(jq -c --arg t "$(printf 't%.0s' $(seq 129))" '.payment.token = $t' <<<"$good")"
bad 400 "payment.card_number" "card data sent" "$(jq -c '.payment.card_number = "4111111111111111"' <<<"$good")"
bad 404 outlet_id "an unknown outlet" "$(jq -c --arg o "$(newid)" '.outlet_id = $o' <<<"$good")"
bad 404 address_id "an unknown address" "$(jq -c --arg a "$(newid)" '.address_id = $a' <<<"$good")"
bad 404 address_id "B's address" "$(jq -c --arg a "$ADDR_B" '.address_id = $a' <<<"$good")"
k=$((k + 1))
code=$({ printf '{"pad":"'; head -c 2000000 /dev/zero | tr '\0' x; printf '"}'; } | curl -s -m 10 -o "$BODY_FILE" -w '%{http_code}' -X POST -H "Authorization: Bearer $TA" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: bad-$RUN-$k" --data-binary @- "$BASE/v1/orders")
assert_eq "$code" 413 "a body over the limit"
expect 403 "" "a business token places no order" "$(authed "$TO" POST /v1/orders -H "Idempotency-Key: x-$RUN" --data-binary "$good")"
expect 401 "" "no token" "$(http -X POST -H 'Content-Type: application/json' -H "Idempotency-Key: y-$RUN" --data-binary "$good" "$BASE/v1/orders")"
assert_eq "$(n_orders)" "$before" "the bad requests wrote no order"
assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE idempotency_key LIKE 'bad-$RUN-%'")" 0 "no order under any bad request's key"
ok "bad input: $k requests 400/404/413 naming the field (Idempotency-Key, items[i].qty, payment.method, read-only price, total and status ...), 401/403 by role; no order written"

# ---- An order through the saga to APPROVED: priced, paid, auto-approved, with its timeline ----
assert_eq "$(order "$TA" "happy-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$DOSA" 2 "$CHAI" 1)")")" 202 "place an order"
O1=$(body .order_id)
assert_eq "$(body .status)" CREATED "202: CREATED"
assert_eq "$(header Location)" "/v1/orders/$O1" "Location"
wait_state "$O1" APPROVED
assert_eq "$(authed "$TA" GET "/v1/orders/$O1")" 200 "GET the order"
assert_eq "$(body '[.status, .total_minor, .currency, .payment.method, (.payment.payment_id != null), (.reservation_id != null)] | map(tostring) | join("/")')" \
  "APPROVED/27000/INR/CARD/true/true" "approved, priced by inventory (2 x 12000 + 3000), paid"
assert_eq "$(body '[.lines[] | "\(.item_id):\(.qty):\(.unit_price_minor):\(.line_total_minor)"] | join(" ")')" \
  "$DOSA:2:12000:24000 $CHAI:1:3000:3000" "the priced lines"
assert_eq "$(body '.drop_off | "\(.line1)/\(.city)/\(.lat)/\(.lng)"')" "1 MG Road/Bengaluru/12.9716/77.5946" "the drop-off from the address book"
assert_eq "$(body '[.timeline[] | "\(.event):\(.from // "-")>\(.to):\(.disposition)"] | join(" ")')" \
  "order.created:->CREATED:APPLIED inventory.validated:CREATED>AWAITING_PAYMENT:APPLIED payment.completed:AWAITING_PAYMENT>PLACED:APPLIED order.approved:PLACED>APPROVED:APPLIED" \
  "the whole timeline"
assert_eq "$(body '[.timeline[] | (.at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"))] | all')" true "each entry has a timestamp"
assert_eq "$(body '[.timeline[1:][] | .event_id | test("^[0-9a-f-]{36}$")] | all')" true "each event's id"
assert_eq "$(sql "SELECT coalesce(payment_token, 'none') FROM orders.orders WHERE id = '$O1'")" none "order-svc forgot the token once payment.requested.v1 carried it"
req=$(on_topic payment.requested.v1 "$O1")
assert_eq "$(jq -r '.data | "\(.amount_minor)/\(.currency)/\(.method)/\(.token)/\(.customer_id)"' <<<"$req")" "27000/INR/CARD/tok_ok/$CA" "payment.requested.v1"
for t in order.created.v1 inventory.validation.requested.v1 payment.requested.v1 order.placed.v1; do
  assert_eq "$(count_on_topic "$t" "$O1")" 1 "one $t"
done
assert_eq "$(on_topic order.placed.v1 "$O1" | jq -r '.data | "\(.total_minor)/\(.lines | length)/\(.drop_off.city)/\(.trace_id // "")"')" "27000/2/Bengaluru/" "order.placed.v1"
assert_eq "$(on_topic order.placed.v1 "$O1" | jq -r .trace_id)" "$(on_topic order.created.v1 "$O1" | jq -r .trace_id)" "the saga keeps one trace"
ok "an order to APPROVED: 202 with Location, priced lines and total from inventory, paid by payment-svc, auto-approved; GET shows the whole timeline; one event of each kind; the token forgotten"

# Manual approval: PLACED until the owner approves.
assert_eq "$(order "$TA" "manual-$RUN" "$(order_body "$OUTM" "$ADDR_A" "$(items "$MDOSA" 1)")")" 202 "order at the manual outlet"
O2=$(body .order_id)
wait_state "$O2" PLACED
wait_queued "$O2"
assert_eq "$(authed "$TO" GET "/v1/orders/$O2")" 200 "the outlet's owner reads the order"
assert_eq "$(authed "$TO" POST "/v1/outlets/$OUTM/orders/$O2/approve" --data-binary '{"prep_time_min":20}')" 200 "the owner approves"
wait_state "$O2" APPROVED
assert_eq "$(authed "$TA" GET "/v1/orders/$O2")" 200 "GET"
assert_eq "$(body '.timeline[-1] | "\(.event):\(.to)"')" "order.approved:APPROVED" "approved by its owner"
ok "manual approval: PLACED until the owner approves, then APPROVED"

# ---- Metrics ----
m=$(curl -s "http://127.0.0.1:$PORT/metrics")
metrics_lint <<<"$m" || fail "order-svc /metrics is not valid exposition text"
for s in 'orders_by_state{state="APPROVED"}' 'order_transitions_total{to="APPROVED"}' 'orders_created_total' \
  'order_stage_seconds_count{stage="validation"}' 'order_stage_seconds_count{stage="payment"}' \
  'order_stage_seconds_count{stage="approval"}' 'order_stage_seconds_count{stage="created_to_approved"}'; do
  v=$(metric_value "$PORT" "$s")
  [ "${v%.*}" -ge 1 ] || fail "$s is $v"
done
ok "metrics: orders_by_state, order_transitions_total, orders_created_total, order_stage_seconds per stage"

# ---- Rejections by inventory: out of stock, unknown item ----
assert_eq "$(order "$TA" "oos-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$LAST" 3)")")" 202 "3 of the last 2"
O3=$(body .order_id)
wait_state "$O3" REJECTED
assert_eq "$(sql "SELECT reason FROM orders.orders WHERE id = '$O3'")" OUT_OF_STOCK "rejected: OUT_OF_STOCK"
assert_eq "$(order "$TA" "unknown-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$(newid)" 1)")")" 202 "an unknown item"
O4=$(body .order_id)
wait_state "$O4" REJECTED
assert_eq "$(sql "SELECT reason FROM orders.orders WHERE id = '$O4'")" UNKNOWN_ITEM "rejected: UNKNOWN_ITEM"
assert_eq "$(count_on_topic payment.requested.v1 "$O3")$(count_on_topic payment.requested.v1 "$O4")" 00 "no payment requested for a rejected order"
ok "inventory's answers: out of stock -> REJECTED OUT_OF_STOCK, unknown item -> REJECTED UNKNOWN_ITEM, no payment asked"

# ---- Idempotency-Key ----
body1=$(order_body "$OUT" "$ADDR_A" "$(items "$CHAI" 1)")
assert_eq "$(order "$TA" "idem-$RUN" "$body1")" 202 "first request"
O5=$(body .order_id)
assert_eq "$(order "$TA" "idem-$RUN" "$body1")" 202 "the same request again"
assert_eq "$(body .order_id)/$(header Location)" "$O5//v1/orders/$O5" "replay: the same answer"
expect 422 Idempotency-Key "the same key, another body" "$(order "$TA" "idem-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$CHAI" 2)")")"
assert_eq "$(body .error.code)" idempotency_mismatch "422 idempotency_mismatch"
assert_eq "$(order "$TB" "idem-$RUN" "$(order_body "$OUT" "$ADDR_B" "$(items "$CHAI" 1)")")" 202 "another customer's key is their own"
assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE idempotency_key = 'idem-$RUN'")" 2 "one order per customer under the key"
# Concurrent requests under one key: one order; the others 409 while it runs, or its replay.
body2=$(order_body "$OUT" "$ADDR_A" "$(items "$DOSA" 1)")
dir=$(mktemp -d)
for i in $(seq 1 8); do
  curl -s -m 10 -o "$dir/$i.body" -w '%{http_code}' -X POST -H "Authorization: Bearer $TA" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: race-$RUN" --data-binary "$body2" "$BASE/v1/orders" >"$dir/$i.code" &
done
wait
assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE idempotency_key = 'race-$RUN'")" 1 "8 concurrent requests, one order"
ORACE=$(sql "SELECT id FROM orders.orders WHERE idempotency_key = 'race-$RUN'")
n202=0 n409=0
for i in $(seq 1 8); do
  case "$(cat "$dir/$i.code")" in
  202) assert_eq "$(jq -r .order_id "$dir/$i.body")" "$ORACE" "a 202 names the one order"; n202=$((n202 + 1)) ;;
  409) assert_eq "$(jq -r .error.code "$dir/$i.body")" idempotency_in_flight "409 idempotency_in_flight"; n409=$((n409 + 1)) ;;
  *) fail "concurrent request $i: $(cat "$dir/$i.code") $(cat "$dir/$i.body")" ;;
  esac
done
rm -rf "$dir"
((n202 >= 1)) || fail "no 202 among the concurrent requests"
# A request whose key is claimed by one still running (its pending record, "P <fingerprint>", as
# the first request leaves it in Redis; the fingerprint is the request's, whatever its key:
# taken from the finished record of the same request under the key idem-$RUN) is 409 at once;
# once the claim is gone the request proceeds. (A real concurrent pair cannot be timed from here:
# the daemon's few HTTP threads may queue the second behind the first, which then replays.)
fp=$(redis-cli -p "$OF_REDIS_PORT" get "idem:order:$CA:idem-$RUN" | cut -d' ' -f2)
[[ $fp =~ ^[0-9a-f]{64}$ ]] || fail "no finished idempotency record of idem-$RUN in Redis"
redis-cli -p "$OF_REDIS_PORT" set "idem:order:$CA:flight-$RUN" "P $fp" EX 60 >/dev/null
expect 409 Idempotency-Key "the same request while another holds the key" "$(order "$TA" "flight-$RUN" "$body1")"
assert_eq "$(body .error.code)" idempotency_in_flight "409 idempotency_in_flight"
assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE idempotency_key = 'flight-$RUN'")" 0 "409 wrote nothing"
redis-cli -p "$OF_REDIS_PORT" del "idem:order:$CA:flight-$RUN" >/dev/null
assert_eq "$(order "$TA" "flight-$RUN" "$body1")" 202 "the claim gone, the request proceeds"
ok "Idempotency-Key: a replay gets the same answer, another body 422, keys are per customer; 8 concurrent requests -> one order ($n202 x 202 naming it, $n409 x 409 in flight); a repeat while the first runs 409"

# Redis stopped: orders still placed (the limit fails open), each key once by the database, and
# a replay answered from the database.
fail_open0=$(metric_value "$PORT" ratelimit_fail_open_total)
redis-cli -p "$OF_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
wait_until 10 bash -c "! redis-cli -p $OF_REDIS_PORT ping >/dev/null 2>&1" || fail "Redis did not stop"
body3=$(order_body "$OUT" "$ADDR_A" "$(items "$CHAI" 3)")
assert_eq "$(order "$TA" "noredis-$RUN" "$body3")" 202 "an order with Redis down"
O6=$(body .order_id)
assert_eq "$(order "$TA" "noredis-$RUN" "$body3")" 202 "its replay with Redis down"
assert_eq "$(body .order_id)" "$O6" "the database answers the replay"
expect 422 Idempotency-Key "another body under the key, Redis down" "$(order "$TA" "noredis-$RUN" "$body1")"
assert_eq "$(order "$TA" "idem-$RUN" "$body1")" 202 "a key Redis forgot"
assert_eq "$(body .order_id)" "$O5" "replayed from the database"
assert_eq "$(sql "SELECT count(*) FROM orders.orders WHERE idempotency_key IN ('noredis-$RUN', 'idem-$RUN') AND customer_id = '$CA'")" 2 "one order per key"
fail_open1=$(metric_value "$PORT" ratelimit_fail_open_total)
((${fail_open1%.*} >= ${fail_open0%.*} + 4)) || fail "ratelimit_fail_open_total went from $fail_open0 to $fail_open1"
wait_state "$O6" APPROVED
stack infra-up >/dev/null
wait_all_ready
ok "Redis down: orders placed (rate limit open, counted), replays and 422 answered by the database's (customer, key), the saga unaffected"

# ---- The rate limit per customer ----
stack daemon-stop order-svc >/dev/null
OF_ORDER_RATE=3/1m stack daemon-start order-svc >/dev/null
TC=$(mint customer)
codes=""
for i in 1 2 3 4; do codes+="$(order "$TC" "rate-$RUN-$i" "$good") "; done
assert_eq "$codes" "404 404 404 429 " "3 requests a minute, the 4th 429 (the first three fail on the address: the limit counts attempts)"
[ -n "$(header Retry-After)" ] || fail "429 without Retry-After"
assert_eq "$(header RateLimit-Limit)" 3 "RateLimit-Limit"
stack daemon-stop order-svc >/dev/null
stack daemon-start order-svc >/dev/null
ok "per-customer order limit (OF_ORDER_RATE): 429 with Retry-After and RateLimit-*"

# ---- The customer's cancel: in CREATED, AWAITING_PAYMENT and PLACED; 409 after ----
# CREATED: inventory-svc is down, so nobody has answered yet.
stack daemon-stop inventory-svc >/dev/null
avail0=$(stock_of "$DOSA")
assert_eq "$(order "$TA" "cancel-created-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$DOSA" 1)")")" 202 "an order while inventory-svc is down"
OC1=$(body .order_id)
assert_eq "$(state "$OC1")" CREATED "still CREATED"
expect 404 "" "B cancels A's order" "$(cancel "$TB" "$OC1")"
assert_eq "$(cancel "$TA" "$OC1")" 200 "cancel in CREATED"
assert_eq "$(body '.status + "/" + .reason + "/" + .stage')" "CANCELLED/CUSTOMER_CANCELLED/CREATED" "cancelled from CREATED"
stack daemon-start inventory-svc >/dev/null
# inventory-svc now sees the request and the cancellation: it reserves nothing, or releases it.
wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT on_hand - reserved - confirmed FROM inventory.items WHERE id = '$DOSA'\")\" = $avail0 ]" ||
  fail "the stock of a cancelled order is held: $(stock_of "$DOSA") available, was $avail0"
sleep 1
assert_eq "$(state "$OC1")" CANCELLED "a late inventory answer leaves it CANCELLED"
# AWAITING_PAYMENT: payment-svc is down.
stack daemon-stop payment-svc >/dev/null
assert_eq "$(order "$TA" "cancel-awaiting-$RUN" "$(order_body "$OUT" "$ADDR_A" "$(items "$DOSA" 1)")")" 202 "an order while payment-svc is down"
OC2=$(body .order_id)
wait_state "$OC2" AWAITING_PAYMENT
assert_eq "$(cancel "$TA" "$OC2")" 200 "cancel in AWAITING_PAYMENT"
assert_eq "$(body '.status + "/" + .stage')" "CANCELLED/AWAITING_PAYMENT" "cancelled from AWAITING_PAYMENT"
wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT on_hand - reserved - confirmed FROM inventory.items WHERE id = '$DOSA'\")\" = $avail0 ]" ||
  fail "the reservation of a cancelled order was not released"
stack daemon-start payment-svc >/dev/null
# PLACED: the manual outlet has not decided.
assert_eq "$(order "$TA" "cancel-placed-$RUN" "$(order_body "$OUTM" "$ADDR_A" "$(items "$MDOSA" 1)")")" 202 "an order at the manual outlet"
OC3=$(body .order_id)
wait_state "$OC3" PLACED
assert_eq "$(cancel "$TA" "$OC3")" 200 "cancel in PLACED"
assert_eq "$(body '.status + "/" + .stage')" "CANCELLED/PLACED" "cancelled from PLACED"
wait_until 30 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT status FROM payment.payments WHERE order_id = '$OC3'\")\" = REFUNDED ]" ||
  fail "the paid order cancelled in PLACED was not refunded"
expect 409 "" "approving a cancelled order" "$(authed "$TO" POST "/v1/outlets/$OUTM/orders/$OC3/approve" --data-binary '{"prep_time_min":20}')"
sleep 2 # payment-svc's answer to the late request of OC2 (ORDER_CANCELLED), if any, is in
for o in "$OC1" "$OC2" "$OC3" "$O1" "$O3"; do
  expect 409 "" "a second cancel or one after $(state "$o")" "$(cancel "$TA" "$o")"
done
assert_eq "$(state "$O1")/$(state "$O3")" "APPROVED/REJECTED" "409 changed nothing"
assert_eq "$(sql "SELECT count(*) FROM payment.payments WHERE order_id IN ('$OC1', '$OC2') AND status = 'CAPTURED'")" 0 "no charge kept for the orders cancelled before payment"
ok "cancel: CREATED (inventory down: nothing held once it is back), AWAITING_PAYMENT (payment down: reservation released), PLACED (refunded, the business's approval 409); 409 in APPROVED, REJECTED, CANCELLED; another customer's 404"

# ---- Events produced a second time by hand change nothing ----
before=$(sql "SELECT count(*) FROM orders.outbox WHERE key = '$O1'")
for t in inventory.validated.v1 payment.completed.v1 order.approved.v1; do
  rec=$(on_topic "$t" "$O1")
  again=$(jq -c --arg id "$(newid)" '.event_id = $id' <<<"$rec")
  printf '%s|%s\n' "$O1" "$again" | kcat -b "$BROKER" -P -t "$t" -K'|' || fail "kcat could not produce"
  wait_until 30 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM orders.processed_events WHERE event_id = '$(jq -r .event_id <<<"$again")'\")\" = 1 ]" ||
    fail "the repeated $t was not consumed"
  # and the very same record again (same event id): the inbox drops it
  printf '%s|%s\n' "$O1" "$again" | kcat -b "$BROKER" -P -t "$t" -K'|'
done
sleep 2
assert_eq "$(state "$O1")" APPROVED "still APPROVED"
assert_eq "$(sql "SELECT count(*) FROM orders.outbox WHERE key = '$O1'")" "$before" "nothing emitted again"
assert_eq "$(sql "SELECT string_agg(disposition, ',' ORDER BY id) FROM orders.timeline WHERE order_id = '$O1' AND id > (SELECT max(id) FROM orders.timeline WHERE order_id = '$O1' AND event = 'order.approved' AND disposition = 'APPLIED')")" \
  "DUPLICATE,DUPLICATE,DUPLICATE" "the timeline notes each repeat (new event ids) once, the same event id never"
ok "inventory.validated, payment.completed and order.approved produced again by hand (new and same event ids): DUPLICATE notes, no state change, nothing emitted"

# ---- An event for an order order-svc does not know: retried, then dead-lettered ----
GHOST=$(newid)
ghost=$(jq -cn --arg id "$(newid)" --arg o "$GHOST" --arg at "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" \
  '{event_id: $id, event_type: "order.approved", event_version: 1, occurred_at: $at, producer: "business-svc",
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", correlation_id: $o, causation_id: "", data: {order_id: $o}}')
printf '%s|%s\n' "$GHOST" "$ghost" | kcat -b "$BROKER" -P -t order.approved.v1 -K'|'
wait_until 90 bash -c "kcat -b $BROKER -C -e -q -t order.approved.v1.dlq -f '%k %h\n' 2>/dev/null | grep '^$GHOST ' | grep -q 'dlq.consumer=order-svc'" ||
  fail "an event for an unknown order was not dead-lettered"
err=$(kcat -b "$BROKER" -C -e -q -t order.approved.v1.dlq -f '%k %h\n' 2>/dev/null | grep "^$GHOST " | grep 'dlq.consumer=order-svc' | grep -o 'dlq.error=[^,]*')
assert_eq "$err" "dlq.error=retry budget spent: data.order_id: no such order (yet)" "the dead letter says why"
ok "an event for an unknown order: retried through the budget, then dead-lettered with the reason, never dropped"

# ---- BOLA and roles on the reads ----
expect 404 "" "B reads A's order" "$(authed "$TB" GET "/v1/orders/$O1")"
expect 404 "" "another business reads A's order" "$(authed "$TOB" GET "/v1/orders/$O1")"
expect 200 "" "the outlet's owner reads it" "$(authed "$TO" GET "/v1/orders/$O1")"
expect 200 "" "an admin reads it" "$(authed "$TADM" GET "/v1/orders/$O1")"
expect 403 "" "a partner" "$(authed "$TPAR" GET "/v1/orders/$O1")"
expect 404 "" "a non-UUID id" "$(authed "$TA" GET "/v1/orders/not-an-id")"
expect 404 "" "an unknown id" "$(authed "$TA" GET "/v1/orders/$(newid)")"
expect 403 "" "a business lists no orders here" "$(authed "$TO" GET "/v1/orders")"
expect 403 "" "a business cancels nothing" "$(authed "$TO" POST "/v1/orders/$OC3/cancel")"
expect 401 "" "no token" "$(http "$BASE/v1/orders/$O1")"
ok "BOLA: customer B and another business 404 on A's order, the outlet's owner and admin 200, partner 403, non-UUID 404"

# ---- Listing with paging ----
assert_eq "$(authed "$TB" GET "/v1/orders")" 200 "B's list"
assert_eq "$(body '[.orders[].customer_id] | unique | join(",")')" "$CB" "B sees only B's orders"
total=$(sql "SELECT count(*) FROM orders.orders WHERE customer_id = '$CA'")
seen=0 cursor="" pages=0
while :; do
  assert_eq "$(authed "$TA" GET "/v1/orders?limit=3${cursor:+&cursor=$cursor}")" 200 "a page"
  seen=$((seen + $(body '.orders | length'))) pages=$((pages + 1))
  assert_eq "$(body '[.orders[].customer_id] | unique | join(",")')" "$CA" "A's page holds only A's orders"
  cursor=$(body '.next_cursor // empty')
  [ -n "$cursor" ] || break
done
assert_eq "$seen" "$total" "paging 3 at a time saw each of A's orders once"
assert_eq "$(authed "$TA" GET "/v1/orders?status=REJECTED")" 200 "by status"
assert_eq "$(body '[.orders[].status] | unique | join(",")')" REJECTED "only REJECTED"
assert_eq "$(authed "$TADM" GET "/v1/orders?limit=100")" 200 "an admin lists everyone's"
[ "$(body '[.orders[].customer_id] | unique | length')" -ge 2 ] || fail "admin: one customer only"
expect 400 status "a bad status" "$(authed "$TA" GET "/v1/orders?status=LOST")"
expect 400 limit "limit 0" "$(authed "$TA" GET "/v1/orders?limit=0")"
expect 400 limit "limit 101" "$(authed "$TA" GET "/v1/orders?limit=101")"
expect 400 limit "limit x" "$(authed "$TA" GET "/v1/orders?limit=x")"
expect 400 cursor "a forged cursor" "$(authed "$TA" GET "/v1/orders?cursor=abc")"
ok "GET /v1/orders: own orders only (admin all), $pages pages of 3 cover $total orders once, status filter, bad parameters 400 naming them"

# ---- The API document ----
openapi_check "$OPENAPI"
openapi_routes_check order-svc "$OPENAPI"
ok "docs/openapi/order-svc.yaml describes exactly the route table and the error codes"

invariants_check
