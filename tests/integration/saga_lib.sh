#!/usr/bin/env bash
# The order saga's scenario helpers, sourced by integration.order and integration.saga after
# lib.sh: requests as a customer, business or admin would send them through the gateway, the
# order's state and topics as psql and kcat see them, and saga_world, which builds a business
# with an auto-approving and a manual outlet, a catalog, and two customers with addresses that
# order-svc has learnt from customer-svc's events.
BASE=$OF_GATEWAY_URL
BROKER="127.0.0.1:$OF_KAFKA_PORT"
MINT="$OF_BIN_DIR/customer-token"
RUN=$(date +%s%N)

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
reason_of() { sql "SELECT reason || '/' || coalesce(stage, '') FROM orders.orders WHERE id = '$1'"; }
wait_state() { # wait_state ORDER STATE...
  local o=$1; shift
  local want="$*"
  wait_until 60 bash -c "s=\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT status FROM orders.orders WHERE id = '$o'\"); [[ \" $want \" == *\" \$s \"* ]]" ||
    fail "order $o is $(state "$o"), expected one of: $want"
}
# wait_queued ORDER: PLACED is order-svc's; the outlet's queue has the order once business-svc has
# consumed order.placed.v1 too, and only then can its owner decide.
wait_queued() {
  wait_until 30 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM business.order_queue WHERE order_id = '$1'\")\" = 1 ]" ||
    fail "business-svc never queued $1"
}
on_topic() { kcat -b "$BROKER" -C -e -q -t "$1" -f '%k|%s\n' 2>/dev/null | awk -F'|' -v k="$2" '$1 == k { sub(/^[^|]*\|/, ""); print }'; }
count_on_topic() { on_topic "$1" "$2" | grep -c . || true; }
n_orders() { sql "SELECT count(*) FROM orders.orders"; }

payment_status() { sql "SELECT coalesce((SELECT status FROM payment.payments WHERE order_id = '$1'), 'none')"; }
wait_payment() { # wait_payment ORDER STATUS
  wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT status FROM payment.payments WHERE order_id = '$1'\")\" = $2 ]" ||
    fail "payment of $1 is $(payment_status "$1"), expected $2"
}
stock_of() { sql "SELECT on_hand - reserved - confirmed FROM inventory.items WHERE id = '$1'"; }
cancel() { authed "$1" POST "/v1/orders/$2/cancel"; }

# saga_world: the world every saga scenario starts from (globals: OWNER TO TOB TADM TPAR BIZ OUT
# OUTM DOSA CHAI LAST MDOSA TA TB CA CB ADDR_A ADDR_B).
saga_world() {
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
}
