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
wait_all_ready

PORT=$(svc_port order-svc)
BASE=$OF_GATEWAY_URL
BROKER="127.0.0.1:$OF_KAFKA_PORT"
MINT="$OF_BIN_DIR/customer-token"
OPENAPI="$OF_REPO/docs/openapi/order-svc.yaml"
RUN=$(date +%s%N)
trap 'stack infra-up >/dev/null 2>&1 || true; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT

newid() { cat /proc/sys/kernel/random/uuid; }
sql() { psql_admin "$1"; }
mint() { OF_JWT_PRIVATE_KEY="$OF_JWT_PRIVATE_KEY" "$MINT" --role "$1" ${2:+--sub "$2"}; }
authed() { local t=$1 m=$2 p=$3; shift 3; http -X "$m" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' "$@" "$BASE$p"; }
body() { jq -r "$1" "$BODY_FILE"; }
expect() { # expect STATUS FIELD WHAT ACTUAL_STATUS
  [ "$4" == "$1" ] || fail "$3: expected $1, got $4: $(head -c 300 "$BODY_FILE")"
  [ -z "$2" ] || assert_eq "$(body .error.field)" "$2" "$3: the field named"
}
post() { http -X POST -H 'Content-Type: application/json' --data-binary "$2" "$BASE$1"; }
# login PHONE: the dev OTP flow; prints an access token.
login() {
  redis-cli -p "$OF_REDIS_PORT" --scan --pattern 'otp:ip:*' | while read -r k; do redis-cli -p "$OF_REDIS_PORT" del "$k" >/dev/null; done
  assert_eq "$(post /v1/auth/otp "{\"phone\":\"$1\"}")" 202 "OTP request"
  local code
  code=$(body .dev_code)
  assert_eq "$(post /v1/auth/verify "{\"phone\":\"$1\",\"code\":\"$code\"}")" 200 "verify"
  body .access_token
}
sub_of() { jq -Rr 'split(".")[1] | gsub("-"; "+") | gsub("_"; "/") | . + ("=" * ((4 - length % 4) % 4)) | @base64d | fromjson | .sub' <<<"$1"; }
# order TOKEN KEY BODY: POST /v1/orders.
order() { authed "$1" POST /v1/orders -H "Idempotency-Key: $2" --data-binary "$3"; }
# order_body OUTLET ADDRESS ITEMS_JSON [TOKEN]
order_body() {
  jq -cn --arg o "$1" --arg a "$2" --argjson items "$3" --arg t "${4:-tok_ok}" \
    '{outlet_id: $o, address_id: $a, items: $items, payment: {method: "CARD", token: $t}}'
}
items() { # items ID QTY [ID QTY ...]
  local out="[" sep=""
  while (($#)); do out+="$sep{\"item_id\":\"$1\",\"qty\":$2}"; sep=","; shift 2; done
  echo "$out]"
}
state() { sql "SELECT status FROM orders.orders WHERE id = '$1'"; }
wait_state() { # wait_state ORDER STATE...
  local o=$1; shift
  local want="$*"
  wait_until 60 bash -c "s=\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT status FROM orders.orders WHERE id = '$o'\"); [[ \" $want \" == *\" \$s \"* ]]" ||
    fail "order $o is $(state "$o"), expected one of: $want"
}
on_topic() { kcat -b "$BROKER" -C -e -q -t "$1" -f '%k|%s\n' 2>/dev/null | awk -F'|' -v k="$2" '$1 == k { sub(/^[^|]*\|/, ""); print }'; }
count_on_topic() { on_topic "$1" "$2" | grep -c . || true; }
n_orders() { sql "SELECT count(*) FROM orders.orders"; }

# ---- The world: a business with two outlets and a catalog; two customers with addresses ----
OWNER=$(newid) OWNER_B=$(newid)
TO=$(mint business "$OWNER")
TOB=$(mint business "$OWNER_B")
TADM=$(mint admin)
TPAR=$(mint partner)
assert_eq "$(authed "$TO" POST /v1/businesses --data-binary '{"name":"Saga Kitchen"}')" 201 "business"
BIZ=$(body .id)
assert_eq "$(authed "$TO" POST "/v1/businesses/$BIZ/outlets" --data-binary '{"name":"Saga Auto","lat":12.9352,"lng":77.6245,"address":"1 Auto Rd","auto_approve":true,"approval_sla_s":600}')" 201 "auto outlet"
OUT=$(body .id)
assert_eq "$(authed "$TO" POST "/v1/businesses/$BIZ/outlets" --data-binary '{"name":"Saga Manual","lat":12.9352,"lng":77.6245,"address":"2 Manual Rd","auto_approve":false,"approval_sla_s":600}')" 201 "manual outlet"
OUTM=$(body .id)
# item OUTLET SKU PRICE STOCK: waits for inventory-svc to know the outlet, prints the item id.
item() {
  local i
  for i in $(seq 1 100); do
    if [ "$(authed "$TO" POST "/v1/outlets/$1/items" --data-binary "{\"sku\":\"$2\",\"name\":\"Item $2\",\"price_minor\":$3,\"currency\":\"INR\",\"stock\":$4}")" == 201 ]; then
      body .id
      return 0
    fi
    sleep 0.2
  done
  fail "inventory-svc never took items for outlet $1: $(head -c 300 "$BODY_FILE")"
}
DOSA=$(item "$OUT" "DOSA-$RUN" 12000 1000)
CHAI=$(item "$OUT" "CHAI-$RUN" 3000 1000)
LAST=$(item "$OUT" "LAST-$RUN" 5000 2)
MDOSA=$(item "$OUTM" "MDOSA-$RUN" 12000 1000)
TA=$(login "$(printf '+4477%03d%05d' 1 $((RUN / 1000 % 100000)))")
TB=$(login "$(printf '+4477%03d%05d' 2 $((RUN / 1000 % 100000)))")
CA=$(sub_of "$TA") CB=$(sub_of "$TB")
add_address() {
  assert_eq "$(authed "$1" POST /v1/me/addresses --data-binary '{"label":"Home","line1":"1 MG Road","city":"Bengaluru","postcode":"560001","lat":12.9716,"lng":77.5946}')" 201 "address"
  body .id
}
ADDR_A=$(add_address "$TA")
ADDR_B=$(add_address "$TB")
wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM orders.addresses WHERE id IN ('$ADDR_A', '$ADDR_B')\")\" = 2 ]" ||
  fail "order-svc never learnt the customers' addresses"
wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM orders.outlets WHERE id IN ('$OUT', '$OUTM') AND owner_id = '$OWNER'\")\" = 2 ]" ||
  fail "order-svc never learnt the outlets"
ok "the world: a business with an auto-approving and a manual outlet, items, two customers whose addresses and outlets order-svc has from events"

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
