#!/usr/bin/env bash
# inventory-svc: outlets announced with business.outlet.created/updated.v1 produced by kcat as
# business-svc would (owner_id = a business token's sub); the catalog of an outlet's owner (create,
# patch, adjust with its audit) and the public availability reads; reservations driven by events
# produced as order-svc would: validated with prices, total and expires_at, invalidated with each
# failing line (unknown, inactive, closed outlet, currency mismatch, out of stock) and no stock
# moved, confirmed, released (stock back), committed (sold); every event twice -> one effect; a
# cancellation before the request remembered; 20 orders racing for 5 units on two instances ->
# exactly 5 win; the bad-input and BOLA matrices with nothing written; OF_RESERVATION_TTL_S;
# metrics; every produced event valid against its schema in docs/events/; the OpenAPI document
# against the route table; the invariants at the end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/invariants.sh"
wait_all_ready

PORT=$(svc_port inventory-svc)
# User-facing requests go through the gateway; PORT is inventory-svc's own (operators).
BASE=$OF_GATEWAY_URL
BROKER="127.0.0.1:$OF_KAFKA_PORT"
MINT="$OF_BIN_DIR/customer-token"
OPENAPI="$OF_REPO/docs/openapi/inventory-svc.yaml"
EVENTS="$OF_REPO/docs/events"

sql() { psql_admin "$1"; }
mint() { OF_JWT_PRIVATE_KEY="$OF_JWT_PRIVATE_KEY" "$MINT" --role "$1" ${2:+--sub "$2"}; }
# authed TOKEN METHOD PATH [curl args...]; get PATH; post_public PATH BODY
authed() { local t=$1 m=$2 p=$3; shift 3; http -X "$m" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' "$@" "$BASE$p"; }
get() { http "$BASE$1"; }
post_public() { http -X POST -H 'Content-Type: application/json' --data-binary "$2" "$BASE$1"; }
body() { jq -r "$1" "$BODY_FILE"; }

handled() { [ "$(sql "SELECT count(*) FROM inventory.processed_events WHERE event_id = '$1'")" == 1 ]; }
wait_handled() {
  local e
  for e in "$@"; do wait_until 60 handled "$e" || fail "event $e was not consumed by inventory-svc"; done
}

# ---- Outlets, as business-svc announces them ----
# outlet_data ID OWNER OPEN VERSION: the data of business.outlet.*.v1 (the whole contract, so that
# customer-svc, which consumes the same topics, takes it too).
outlet_data() {
  jq -cn --arg id "$1" --arg b "$BIZ" --arg owner "$2" --argjson open "$3" --argjson v "$4" \
    '{outlet_id: $id, business_id: $b, owner_id: $owner, name: ("Outlet " + $id[0:8]), lat: 12.97,
      lng: 77.59, address: "1 MG Road", is_open: $open, auto_approve: true, approval_sla_s: 300,
      version: $v}'
}
# outlet TOPIC ID OWNER OPEN VERSION: announces the outlet, prints the event id.
outlet() { produce "$1" "$2" "$(outlet_data "$2" "$3" "$4" "$5")" "" business-svc; }

# ---- Orders, as order-svc drives them ----
# request ORDER OUTLET LINES_JSON [EVENT_ID]: inventory.validation.requested.v1.
request() {
  produce inventory.validation.requested.v1 "$1" "$(jq -cn --arg o "$1" --arg out "$2" \
    --arg c "$CUSTOMER" --argjson l "$3" '{order_id: $o, outlet_id: $out, customer_id: $c, lines: $l}')" "${4:-}"
}
# lines ITEM QTY [ITEM QTY...]: a lines array.
lines() {
  local out='[]'
  while (($# >= 2)); do
    out=$(jq -c --arg i "$1" --argjson q "$2" '. + [{item_id: $i, qty: $q}]' <<<"$out")
    shift 2
  done
  printf '%s\n' "$out"
}
placed() { produce order.placed.v1 "$1" "$(jq -cn --arg o "$1" --arg out "$2" --arg c "$CUSTOMER" \
  --arg r "${3:-}" '{order_id: $o, outlet_id: $out, customer_id: $c, lines: [], total_minor: 0,
  currency: "INR", reservation_id: (if $r == "" then null else $r end),
  drop_off: {lat: 12.9, lng: 77.6, line1: "2 Brigade Road", city: "Bengaluru"}, placed_at: "2026-11-21T10:00:00.000Z"}')"; }
cancelled() { produce order.cancelled.v1 "$1" "$(jq -cn --arg o "$1" --arg out "$2" --arg c "$CUSTOMER" \
  --arg why "$3" '{order_id: $o, customer_id: $c, outlet_id: $out, reason: $why, stage: "AWAITING_PAYMENT",
  cancelled_at: "2026-11-21T10:00:00.000Z"}')" "${4:-}"; }
delivered() { produce order.delivered.v1 "$1" "$(jq -cn --arg o "$1" --arg out "$2" --arg c "$CUSTOMER" \
  '{order_id: $o, outlet_id: $out, customer_id: $c, delivered_at: "2026-11-21T10:00:00.000Z"}')" "${3:-}"; }

# What inventory-svc produced: outbox rows (each effect once) and the records on the topics.
out_count() { sql "SELECT count(*) FROM inventory.outbox WHERE topic = '$1' AND key = '$2'"; }
out_data() { sql "SELECT payload->'data' FROM inventory.outbox WHERE topic = '$1' AND key = '$2' ORDER BY id DESC LIMIT 1"; }
# on_topic TOPIC KEY: waits until a record keyed KEY is on TOPIC (read as kcat would), prints
# the data of the last one.
on_topic() {
  local v=""
  wait_until 60 bash -c "kcat -b $BROKER -C -e -q -t $1 -f '%k\t%s\n' 2>/dev/null | grep -q '^$2	'" ||
    fail "no record keyed $2 on $1"
  v=$(kcat -b "$BROKER" -C -e -q -t "$1" -f '%k\t%s\n' 2>/dev/null | awk -F'\t' -v k="$2" '$1 == k { v = $2 } END { print v }')
  jq -c .data <<<"$v"
}
# answered ORDER: waits until the order's validation request has been answered, prints the topic.
answered() {
  wait_until 60 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(*) FROM inventory.outbox WHERE key = '$1'\")\" != 0 ]" ||
    fail "order $1 got no answer"
  sql "SELECT topic FROM inventory.outbox WHERE key = '$1' ORDER BY id DESC LIMIT 1"
}
# stock ITEM: on_hand/reserved/confirmed/sold of an item.
stock() { sql "SELECT on_hand || '/' || reserved || '/' || confirmed || '/' || sold FROM inventory.items WHERE id = '$1'"; }
status_of() { sql "SELECT status FROM inventory.reservations WHERE order_id = '$1'"; }
# snapshot: every item's counts and the reservations, to prove that nothing moved.
snapshot() { sql "SELECT (SELECT string_agg(id || ':' || on_hand || '/' || reserved || '/' || confirmed || '/' || sold, ',' ORDER BY id) FROM inventory.items) || '|' || (SELECT count(*) FROM inventory.reservations) || '|' || (SELECT count(*) FROM inventory.stock_adjustments)"; }
reservations_metric() { metric_value "$PORT" "inventory_reservations_total{$1}"; }

RUN="$RANDOM$RANDOM"
BIZ=$(newid)
A=$(newid) B=$(newid) CUSTOMER=$(newid)
TA=$(mint business "$A") TB=$(mint business "$B")
TADMIN=$(mint admin) TCUST=$(mint customer "$CUSTOMER") TPART=$(mint partner)
OA=$(newid) OB=$(newid) OC=$(newid) ONOBODY=$(newid)
metrics_before=$(curl -s "http://127.0.0.1:$PORT/metrics")
m0() { awk -v s="inventory_reservations_total{$1}" 'index($0, s " ") == 1 { print $2; f=1 } END { if (!f) print 0 }' <<<"$metrics_before"; }

# ---- Outlets: the read model of business.outlet.*.v1 ----
wait_handled "$(outlet business.outlet.created.v1 "$OA" "$A" true 1)" \
  "$(outlet business.outlet.created.v1 "$OB" "$B" true 1)" \
  "$(outlet business.outlet.created.v1 "$OC" "$A" true 1)" \
  "$(produce business.outlet.created.v1 "$ONOBODY" "$(outlet_data "$ONOBODY" "$A" true 1 | jq -c 'del(.owner_id)')" "" business-svc)"
assert_eq "$(sql "SELECT owner_id || '/' || is_open || '/' || version FROM inventory.outlets WHERE id = '$OA'")" "$A/true/1" "outlet A in the read model"
assert_eq "$(sql "SELECT coalesce(owner_id::text, '-') FROM inventory.outlets WHERE id = '$ONOBODY'")" - "an outlet announced without owner_id"
wait_handled "$(outlet business.outlet.updated.v1 "$OC" "$A" false 2)"
wait_handled "$(outlet business.outlet.updated.v1 "$OC" "$A" true 1)" # stale: version 1 after 2
assert_eq "$(sql "SELECT is_open || '/' || version FROM inventory.outlets WHERE id = '$OC'")" false/2 "a stale update is ignored"
ok "business.outlet.*.v1: owners and open flags in inventory.outlets, stale versions ignored"

# ---- Catalog: the owner's writes ----
# item TOKEN OUTLET SKU NAME PRICE CURRENCY STOCK: creates an item (201), prints its id.
item() {
  local b
  b=$(jq -cn --arg s "$3" --arg n "$4" --argjson p "$5" --arg c "$6" --argjson st "$7" \
    '{sku: $s, name: $n, price_minor: $p, currency: $c, stock: $st}')
  assert_eq "$(authed "$1" POST "/v1/outlets/$2/items" --data-binary "$b")" 201 "create $3"
  assert_eq "$(header Location)" "/v1/items/$(body .id)" "Location of $3"
  body .id
}
PIZZA=$(item "$TA" "$OA" PIZ-1 Margherita 29900 INR 10)
assert_eq "$(body '[.sku, .name, .price_minor, .currency, .active, .available, .on_hand, .reserved, .confirmed, .sold] | map(tostring) | join("/")')" \
  "PIZ-1/Margherita/29900/INR/true/10/10/0/0/0" "the created item, as its owner sees it"
COLA=$(item "$TA" "$OA" COLA "Cola 330 ml" 4000 INR 5)
IMPORT=$(item "$TA" "$OA" IMPORT "Imported soda" 250 USD 9)
OLD=$(item "$TA" "$OA" OLD "Retired dish" 100 INR 9)
RACE=$(item "$TA" "$OA" RACE-5 "Last five" 1000 INR 5)
CLOSED_ITEM=$(item "$TA" "$OC" C-1 "Closed outlet's dish" 500 INR 5)
B_ITEM=$(item "$TB" "$OB" B-1 "B's dish" 700 INR 3)
ADMIN_ITEM=$(item "$TADMIN" "$ONOBODY" X-1 "Made by an admin" 100 INR 2)
assert_eq "$(authed "$TA" POST "/v1/outlets/$OA/items" --data-binary '{"sku":"COLA","name":"Again","price_minor":1,"currency":"INR"}')" 409 "a second COLA in the outlet"
assert_eq "$(body .error.code)/$(body .error.field)" conflict/sku "the sku conflict names the field"
item "$TB" "$OB" COLA "B's own cola" 4000 INR 1 >/dev/null # the sku is unique per outlet only
assert_eq "$(authed "$TA" PATCH "/v1/items/$OLD" --data-binary '{"active":false}')" 200 "deactivate"
assert_eq "$(body .active)" false "inactive"
assert_eq "$(authed "$TA" PATCH "/v1/items/$COLA" --data-binary '{"name":"Cola 330 ml (can)","price_minor":4500}')" 200 "rename and reprice"
assert_eq "$(body '.name + "/" + (.price_minor | tostring) + "/" + .sku')" "Cola 330 ml (can)/4500/COLA" "patched item"
assert_eq "$(authed "$TA" PATCH "/v1/items/$COLA" --data-binary '{}')" 200 "an empty patch changes nothing"
assert_eq "$(authed "$TADMIN" PATCH "/v1/items/$COLA" --data-binary '{"price_minor":4000}')" 200 "an admin reprices"
assert_eq "$(authed "$TA" PATCH "/v1/items/$ADMIN_ITEM" --data-binary '{"price_minor":1}')" 404 "an outlet without an owner: only admins"
assert_eq "$(sql "SELECT actor_role || '/' || delta || '/' || reason FROM inventory.stock_adjustments WHERE item_id = '$ADMIN_ITEM'")" \
  "admin/2/initial stock" "the admin's initial stock, audited"
ok "catalog: create (201, Location), sku unique per outlet (409 naming sku), patch, admin rights, ownerless outlets"

# ---- Public reads ----
assert_eq "$(get "/v1/outlets/$OA/items?limit=2")" 200 "page 1"
assert_eq "$(body '.outlet_id + "/" + (.is_open | tostring) + "/" + (.items | length | tostring)')" "$OA/true/2" "page 1 of 2"
[[ "$(cat "$BODY_FILE")" != *on_hand* ]] || fail "the public list shows on_hand"
seen=$(body '[.items[].id] | join(",")') cursor=$(body .next_cursor) pages=1
while [ "$cursor" != null ]; do
  assert_eq "$(get "/v1/outlets/$OA/items?limit=2&cursor=$cursor")" 200 "next page"
  seen="$seen,$(body '[.items[].id] | join(",")')"
  cursor=$(body .next_cursor) pages=$((pages + 1))
  ((pages < 10)) || fail "paging does not end"
done
assert_eq "$seen" "$(printf '%s\n' "$PIZZA" "$COLA" "$IMPORT" "$OLD" "$RACE" | sort | paste -sd,)" "all 5 items in id order, each once"
assert_eq "$pages" 3 "5 items, 2 a page"
assert_eq "$(get "/v1/items/$PIZZA/availability")" 200 "one item's availability"
assert_eq "$(body '.available | tostring')/$(body .price_minor)/$(body 'has("reserved")')" "10/29900/false" "its public view"
UNKNOWN=$(newid)
assert_eq "$(post_public /v1/items/availability "{\"ids\":[\"$COLA\",\"$UNKNOWN\",\"$B_ITEM\"]}")" 200 "batch availability"
assert_eq "$(body '[.items[].id] | join(",")')|$(body '.unknown | join(",")')" "$COLA,$B_ITEM|$UNKNOWN" "found in the order asked, and the unknown"
assert_eq "$(get "/v1/outlets/$(newid)/items")" 404 "an outlet inventory never heard of"
assert_eq "$(get "/v1/items/$UNKNOWN/availability")" 404 "an unknown item"
assert_eq "$(get "/v1/items/not-a-uuid/availability")" 404 "a malformed item id"
ok "public reads: paged catalog (no stock counts), one item, a batch with unknown ids, 404s"

# ---- Adjust, audited ----
assert_eq "$(authed "$TA" POST "/v1/items/$PIZZA/adjust" --data-binary '{"delta":5,"reason":"delivery from the wholesaler"}')" 200 "adjust +5"
assert_eq "$(body '.item.on_hand | tostring')/$(body '.adjustment | [.delta, .on_hand_before, .on_hand_after, .available_before, .available_after] | map(tostring) | join("/")')" \
  "15/5/10/15/10/15" "the adjusted item and its audit record"
assert_eq "$(body '.adjustment.actor_id + "/" + .adjustment.actor_role + "/" + .adjustment.reason')" "$A/business/delivery from the wholesaler" "who and why"
assert_eq "$(authed "$TA" POST "/v1/items/$PIZZA/adjust" --data-binary '{"delta":-3,"reason":"dropped a tray"}')" 200 "adjust -3"
before=$(snapshot)
assert_eq "$(authed "$TA" POST "/v1/items/$PIZZA/adjust" --data-binary '{"delta":-13,"reason":"too many"}')" 409 "below available 0"
assert_eq "$(body .error.code)/$(body .error.field)" conflict/delta "the 409 names delta"
assert_eq "$(snapshot)" "$before" "a refused adjustment changes and audits nothing"
assert_eq "$(sql "SELECT string_agg(delta || ':' || reason || ':' || actor_id, ',' ORDER BY id) FROM inventory.stock_adjustments WHERE item_id = '$PIZZA'")" \
  "10:initial stock:$A,5:delivery from the wholesaler:$A,-3:dropped a tray:$A" "the audit of the pizza"
assert_eq "$(stock "$PIZZA")" 12/0/0/0 "pizza stock"
ok "adjust: +5 and -3 audited (who, when, why, before/after), below 0 is 409 and changes nothing"

# ---- Validated: priced, totalled, held until expires_at ----
O1=$(newid)
t0=$(date +%s)
wait_handled "$(request "$O1" "$OA" "$(lines "$PIZZA" 2 "$COLA" 1)")"
assert_eq "$(answered "$O1")" inventory.validated.v1 "order 1 validated"
v=$(on_topic inventory.validated.v1 "$O1")
RES1=$(jq -r .reservation_id <<<"$v")
assert_eq "$(jq -c '[.order_id, .outlet_id, .total_minor, .currency, (.lines | map([.item_id, .sku, .name, .qty, .unit_price_minor, .line_total_minor]))]' <<<"$v")" \
  "$(jq -cn --arg o "$O1" --arg out "$OA" --arg p "$PIZZA" --arg c "$COLA" \
  '[$o, $out, 63800, "INR", [[$p, "PIZ-1", "Margherita", 2, 29900, 59800], [$c, "COLA", "Cola 330 ml (can)", 1, 4000, 4000]]]')" \
  "inventory.validated.v1: the lines priced from the catalog, the total, the currency"
exp=$(date -d "$(jq -r .expires_at <<<"$v")" +%s)
((exp >= t0 + 890 && exp <= $(date +%s) + 910)) || fail "expires_at $(jq -r .expires_at <<<"$v") is not now + 900 s"
assert_eq "$(sql "SELECT id || '/' || status || '/' || total_minor FROM inventory.reservations WHERE order_id = '$O1'")" "$RES1/RESERVED/63800" "the reservation"
assert_eq "$(stock "$PIZZA")|$(stock "$COLA")" "12/2/0/0|5/1/0/0" "stock reserved"
get "/v1/items/$PIZZA/availability" >/dev/null
assert_eq "$(body .available)" 10 "available, publicly"
ok "validation: inventory.validated.v1 with priced lines, total 63800 INR, expires_at now + 900 s; stock reserved"

# ---- Invalidated: each failing line, no stock moved ----
invalid() { # NAME OUTLET LINES WANT_REASON WANT_LINES_JQ
  local o e
  o=$(newid)
  before=$(snapshot)
  e=$(request "$o" "$2" "$3")
  wait_handled "$e"
  assert_eq "$(answered "$o")" inventory.invalidated.v1 "$1: invalidated"
  local d
  d=$(on_topic inventory.invalidated.v1 "$o")
  assert_eq "$(jq -r '.order_id + "/" + .outlet_id + "/" + .reason' <<<"$d")" "$o/$2/$4" "$1: the order's reason"
  assert_eq "$(jq -c '.lines | map([.item_id, .reason, .requested, .available])' <<<"$d")" "$5" "$1: the failing lines"
  assert_eq "$(snapshot)" "$before" "$1: no stock moved, no reservation"
}
invalid "unknown item" "$OA" "$(lines "$PIZZA" 1 "$UNKNOWN" 2)" UNKNOWN_ITEM "[[\"$UNKNOWN\",\"UNKNOWN_ITEM\",2,0]]"
invalid "another outlet's item" "$OB" "$(lines "$PIZZA" 1)" UNKNOWN_ITEM "[[\"$PIZZA\",\"UNKNOWN_ITEM\",1,0]]"
invalid "inactive item" "$OA" "$(lines "$OLD" 1 "$COLA" 1)" ITEM_INACTIVE "[[\"$OLD\",\"ITEM_INACTIVE\",1,9]]"
invalid "closed outlet" "$OC" "$(lines "$CLOSED_ITEM" 1)" OUTLET_CLOSED "[[\"$CLOSED_ITEM\",\"OUTLET_CLOSED\",1,5]]"
invalid "currency mismatch" "$OA" "$(lines "$PIZZA" 1 "$IMPORT" 1)" CURRENCY_MISMATCH "[[\"$IMPORT\",\"CURRENCY_MISMATCH\",1,9]]"
invalid "out of stock" "$OA" "$(lines "$PIZZA" 1 "$COLA" 5)" OUT_OF_STOCK "[[\"$COLA\",\"OUT_OF_STOCK\",5,4]]"
invalid "unknown outlet" "$(newid)" "$(lines "$PIZZA" 1)" UNKNOWN_ITEM "[[\"$PIZZA\",\"UNKNOWN_ITEM\",1,0]]"
ok "invalidated.v1: unknown item, another outlet's item, inactive, closed outlet, currency mismatch, out of stock, unknown outlet: each failing line with requested and available, nothing moved"

# ---- Confirm, commit; release from reserved and from confirmed ----
wait_handled "$(placed "$O1" "$OA" "$RES1")"
assert_eq "$(status_of "$O1")/$(sql "SELECT coalesce(expires_at::text, '-') FROM inventory.reservations WHERE order_id = '$O1'")" CONFIRMED/- "placed: confirmed, no deadline"
assert_eq "$(stock "$PIZZA")|$(stock "$COLA")" "12/0/2/0|5/0/1/0" "reserved -> confirmed"
assert_eq "$(out_count inventory.released.v1 "$O1")$(out_count inventory.committed.v1 "$O1")" 00 "confirming produces nothing"
wait_handled "$(delivered "$O1" "$OA")"
assert_eq "$(status_of "$O1")" COMMITTED "delivered: committed"
assert_eq "$(stock "$PIZZA")|$(stock "$COLA")" "10/0/0/2|4/0/0/1" "confirmed -> sold, on_hand down"
assert_eq "$(on_topic inventory.committed.v1 "$O1")" "$(jq -cn --arg o "$O1" --arg r "$RES1" --arg p "$PIZZA" --arg c "$COLA" \
  '{order_id: $o, reservation_id: $r, lines: [{item_id: $p, qty: 2}, {item_id: $c, qty: 1}]}')" "inventory.committed.v1"

O2=$(newid)
wait_handled "$(request "$O2" "$OA" "$(lines "$PIZZA" 3)")"
RES2=$(jq -r .reservation_id <<<"$(on_topic inventory.validated.v1 "$O2")")
assert_eq "$(stock "$PIZZA")" 10/3/0/2 "order 2 reserved"
CANCEL2=$(cancelled "$O2" "$OA" PAYMENT_FAILED)
wait_handled "$CANCEL2"
assert_eq "$(status_of "$O2")" RELEASED "cancelled: released"
assert_eq "$(stock "$PIZZA")" 10/0/0/2 "the stock is back"
assert_eq "$(on_topic inventory.released.v1 "$O2")" "$(jq -cn --arg o "$O2" --arg r "$RES2" --arg p "$PIZZA" \
  '{order_id: $o, reservation_id: $r, lines: [{item_id: $p, qty: 3}], reason: "PAYMENT_FAILED"}')" "inventory.released.v1"

O3=$(newid)
wait_handled "$(request "$O3" "$OA" "$(lines "$COLA" 2)")"
wait_handled "$(placed "$O3" "$OA")"
assert_eq "$(stock "$COLA")" 4/0/2/1 "order 3 confirmed"
wait_handled "$(cancelled "$O3" "$OA" REJECTED_BY_BUSINESS)"
assert_eq "$(status_of "$O3")/$(stock "$COLA")" RELEASED/4/0/0/1 "a confirmed reservation released: confirmed back"
assert_eq "$(jq -r .reason <<<"$(on_topic inventory.released.v1 "$O3")")" REJECTED_BY_BUSINESS "its reason"
ok "order.placed -> CONFIRMED, order.delivered -> COMMITTED (inventory.committed.v1, sold), order.cancelled -> RELEASED from reserved and from confirmed (inventory.released.v1, stock back)"

# ---- The same event twice -> one effect ----
O4=$(newid) E4=$(newid)
request "$O4" "$OA" "$(lines "$PIZZA" 1)" "$E4" >/dev/null
request "$O4" "$OA" "$(lines "$PIZZA" 1)" "$E4" >/dev/null # the same event id: a redelivery
wait_handled "$E4"
sleep 1
assert_eq "$(out_count inventory.validated.v1 "$O4")/$(stock "$PIZZA")" 1/10/1/0/2 "a redelivered request reserves once"
wait_handled "$(request "$O4" "$OA" "$(lines "$PIZZA" 1)")" # a new request for a reserved order
assert_eq "$(out_count inventory.validated.v1 "$O4")/$(stock "$PIZZA")" 2/10/1/0/2 "answered again from the reservation, nothing reserved twice"
assert_eq "$(sql "SELECT count(DISTINCT payload->'data'->>'reservation_id') FROM inventory.outbox WHERE key = '$O4'")" 1 "the same reservation"
produce order.cancelled.v1 "$O2" "$(jq -cn --arg o "$O2" --arg out "$OA" '{order_id: $o, outlet_id: $out, reason: "PAYMENT_FAILED"}')" "$CANCEL2" >/dev/null
wait_handled "$(cancelled "$O2" "$OA" PAYMENT_FAILED)" # re-emitted by order-svc: a new event id
sleep 1
assert_eq "$(out_count inventory.released.v1 "$O2")/$(stock "$PIZZA")" 1/10/1/0/2 "a re-emitted cancel releases nothing twice"
wait_handled "$(placed "$O3" "$OA")" # a late placed after the release
assert_eq "$(status_of "$O3")/$(stock "$COLA")" RELEASED/4/0/0/1 "a placed after the release is ignored"
wait_handled "$(delivered "$O1" "$OA")" # delivered twice (new event id)
assert_eq "$(out_count inventory.committed.v1 "$O1")/$(stock "$PIZZA")" 1/10/1/0/2 "a second delivery sells nothing twice"
ok "redelivery (same event id) and repeats (new ids: request, re-emitted cancel, late placed, second delivery): one effect each"

# ---- A cancellation before its validation request is remembered ----
O5=$(newid)
wait_handled "$(cancelled "$O5" "$OA" CUSTOMER_CANCELLED)"
assert_eq "$(sql "SELECT status || '/' || tombstone || '/' || reason FROM inventory.reservations WHERE order_id = '$O5'")" RELEASED/true/CUSTOMER_CANCELLED "a tombstone"
before=$(snapshot)
wait_handled "$(request "$O5" "$OA" "$(lines "$PIZZA" 1)")"
assert_eq "$(answered "$O5")" inventory.released.v1 "the late request is answered released"
assert_eq "$(jq -c '[.lines, .reason]' <<<"$(on_topic inventory.released.v1 "$O5")")" '[[],"CUSTOMER_CANCELLED"]' "nothing held, the cancellation's reason"
assert_eq "$(snapshot)|$(out_count inventory.validated.v1 "$O5")" "$before|0" "and reserves nothing"
ok "order.cancelled.v1 before inventory.validation.requested.v1: remembered, the request answered with an empty inventory.released.v1"

# ---- Out of order: a placed before its reservation is retried, not dropped ----
O6=$(newid)
P6=$(placed "$O6" "$OA")
sleep 1
handled "$P6" && fail "order.placed.v1 without a reservation was consumed"
wait_handled "$(request "$O6" "$OA" "$(lines "$PIZZA" 1)")"
wait_handled "$P6"
assert_eq "$(status_of "$O6")" CONFIRMED "the retried placed confirms once the reservation exists"
ok "order.placed.v1 ahead of its reservation: retried until the request arrives, then confirmed"

# ---- Dead letters: malformed data and contradictions, with their reasons ----
# The dead letters of inventory-svc only: other consumers of a topic (business-svc reads
# order.placed.v1 too) dead-letter to the same <topic>.dlq, named by dlq.consumer.
dlq_error() { # TOPIC KEY
  kcat -b "$BROKER" -C -e -q -t "$1.dlq" -f '%k\t%h\n' 2>/dev/null | grep -F 'dlq.consumer=inventory-svc' |
    awk -F'\t' -v k="$2" '$1 == k { print $2 }' | tail -n1 | tr ',' '\n' | sed -n 's/^dlq\.error=//p'
}
wait_dlq() { wait_until 60 bash -c "kcat -b $BROKER -C -e -q -t $1.dlq -f '%k\t%h\n' 2>/dev/null | grep -F 'dlq.consumer=inventory-svc' | cut -f1 | grep -qx $2" || fail "$2 not dead-lettered on $1.dlq by inventory-svc"; }
BAD=$(newid)
request "$BAD" "$OA" "$(lines "$PIZZA" 0)" >/dev/null
wait_dlq inventory.validation.requested.v1 "$BAD"
assert_eq "$(dlq_error inventory.validation.requested.v1 "$BAD")" "data.lines[0].qty: must be between 1 and 10000" "dlq.error of qty 0"
BAD2=$(newid)
request "$BAD2" "$OA" "$(lines "$PIZZA" 1 "$PIZZA" 2)" >/dev/null
wait_dlq inventory.validation.requested.v1 "$BAD2"
assert_eq "$(dlq_error inventory.validation.requested.v1 "$BAD2")" "data.lines[1].item_id: repeats the item of line 0" "dlq.error of a repeated item"
delivered "$O2" "$OA" >/dev/null
wait_dlq order.delivered.v1 "$O2"
assert_eq "$(dlq_error order.delivered.v1 "$O2")" "data.order_id: the order's reservation was released" "dlq.error of a delivery after a release"
placed "$O4" "$OB" >/dev/null
wait_dlq order.placed.v1 "$O4"
assert_eq "$(dlq_error order.placed.v1 "$O4")" "data.outlet_id: not the outlet of the order" "dlq.error of another outlet"
assert_eq "$(status_of "$O4")/$(sql "SELECT count(*) FROM inventory.reservations WHERE order_id IN ('$BAD', '$BAD2')")" RESERVED/0 "dead letters change nothing"
ok "dead letters name the field and the rule: qty 0, a repeated item, a delivery after a release, another outlet"

# ---- Metrics: reservations by outcome ----
curl -s "http://127.0.0.1:$PORT/metrics" | metrics_lint || fail "/metrics does not parse"
counted() { # SERIES WANT: the series grew by WANT since the start of this test
  assert_eq "$(($(reservations_metric "$1") - $(m0 "$1")))" "$2" "inventory_reservations_total{$1}"
}
counted 'outcome="validated"' 5 # orders 1, 2, 3, 4 and 6
counted 'outcome="invalidated",reason="UNKNOWN_ITEM"' 3
counted 'outcome="invalidated",reason="ITEM_INACTIVE"' 1
counted 'outcome="invalidated",reason="OUTLET_CLOSED"' 1
counted 'outcome="invalidated",reason="CURRENCY_MISMATCH"' 1
counted 'outcome="invalidated",reason="OUT_OF_STOCK"' 1
counted 'outcome="confirmed"' 3 # orders 1, 3 and 6
counted 'outcome="released"' 2  # orders 2 and 3
counted 'outcome="committed"' 1 # order 1
counted 'outcome="tombstoned"' 1
ok "metrics: inventory_reservations_total by outcome (and reason) counts each outcome of this run once"

# ---- Two orders racing for the last unit: 20 orders for 5 units, two instances ----
source "$OF_REPO/scripts/lib/ports.sh"
pick_port PORT2 || fail "no free port for a second instance"
LOG2="$OF_STACK_DIR/logs/inventory-svc-2.log"
trap 'stack daemon-stop inventory-svc-2 >/dev/null 2>&1 || true; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT
stack daemon-start inventory-svc-2 "$OF_BIN_DIR/inventory-svc" "$PORT2" inventory_svc >/dev/null
wait_until 60 grep -q '"consumer: assigned [1-9][0-9]* partitions' "$LOG2" || fail "the second instance got no partitions"
r1_valid=$(reservations_metric 'outcome="validated"')
r1_oos=$(reservations_metric 'outcome="invalidated",reason="OUT_OF_STOCK"')
race_orders=() batch=""
for i in $(seq 20); do
  o=$(newid)
  race_orders+=("$o")
  batch+="$o|$(envelope inventory.validation.requested.v1 "$o" "$(jq -cn --arg o "$o" --arg out "$OA" --arg c "$CUSTOMER" --arg it "$RACE" \
    '{order_id: $o, outlet_id: $out, customer_id: $c, lines: [{item_id: $it, qty: 1}]}')")"$'\n'
done
printf '%s' "$batch" | kcat -b "$BROKER" -P -t inventory.validation.requested.v1 -K'|'
in_list=$(printf "'%s'," "${race_orders[@]}")
in_list=${in_list%,}
wait_until 90 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -X -q -A -t -c \"SELECT count(DISTINCT key) FROM inventory.outbox WHERE key IN ($in_list)\")\" = 20 ]" ||
  fail "not every racing order was answered"
assert_eq "$(sql "SELECT count(*) FROM inventory.outbox WHERE topic = 'inventory.validated.v1' AND key IN ($in_list)")" 5 "exactly 5 validated"
assert_eq "$(sql "SELECT count(*) FROM inventory.outbox WHERE topic = 'inventory.invalidated.v1' AND key IN ($in_list) AND payload->'data'->>'reason' = 'OUT_OF_STOCK'")" 15 "15 invalidated OUT_OF_STOCK"
assert_eq "$(stock "$RACE")" 5/5/0/0 "5 reserved, none available"
# Both instances took part: each counted some of the outcomes, and together all of them.
m2() { metric_value "$PORT2" "inventory_reservations_total{$1}"; }
v1=$(($(reservations_metric 'outcome="validated"') - r1_valid)) v2=$(m2 'outcome="validated"')
i1=$(($(reservations_metric 'outcome="invalidated",reason="OUT_OF_STOCK"') - r1_oos)) i2=$(m2 'outcome="invalidated",reason="OUT_OF_STOCK"')
assert_eq "$((v1 + v2))/$((i1 + i2))" 5/15 "outcomes counted by the two instances"
((v1 + i1 > 0 && v2 + i2 > 0)) || fail "one instance handled every racing order ($((v1 + i1)) and $((v2 + i2))): no race"
stack daemon-stop inventory-svc-2 >/dev/null
trap 'rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT
ok "20 orders for the last 5 units, produced at once with kcat to two instances: exactly 5 validated, 15 invalidated OUT_OF_STOCK"

# ---- Bad input on every route: 400/404/413 naming the field, nothing written ----
before=$(snapshot)
n_items=$(sql "SELECT count(*) FROM inventory.items")
expect() { # WANT_STATUS WANT_FIELD NAME STATUS
  assert_eq "$4" "$1" "$3"
  [ "$1" != 400 ] || assert_eq "$(body '.error.field // ""')" "$2" "$3: field"
}
good_item='{"sku":"NEW-1","name":"New","price_minor":100,"currency":"INR","stock":1}'
with() { jq -c "$1" <<<"$good_item"; }
create() { authed "$TA" POST "/v1/outlets/$OA/items" --data-binary "$1"; }
expect 400 sku "create: missing sku" "$(create "$(with 'del(.sku)')")"
expect 400 sku "create: sku with a space" "$(create "$(with '.sku = "NEW 1"')")"
expect 400 sku "create: sku of 65" "$(create "$(with ".sku = \"$(printf 's%.0s' $(seq 65))\"")")"
expect 400 name "create: blank name" "$(create "$(with '.name = "   "')")"
expect 400 name "create: name of 201" "$(create "$(with ".name = \"$(printf 'n%.0s' $(seq 201))\"")")"
expect 400 price_minor "create: negative price" "$(create "$(with '.price_minor = -1')")"
expect 400 price_minor "create: huge price" "$(create "$(with '.price_minor = 100000000001')")"
expect 400 price_minor "create: price as a string" "$(create "$(with '.price_minor = "100"')")"
expect 400 price_minor "create: fractional price" "$(create "$(with '.price_minor = 1.5')")"
expect 400 currency "create: lower-case currency" "$(create "$(with '.currency = "inr"')")"
expect 400 stock "create: negative stock" "$(create "$(with '.stock = -1')")"
expect 400 stock "create: huge stock" "$(create "$(with '.stock = 1000000001')")"
expect 400 available "create: available is the server's" "$(create "$(with '.available = 5')")"
expect 400 id "create: id is the server's" "$(create "$(with ".id = \"$(newid)\"")")"
expect 400 colour "create: unknown field" "$(create "$(with '.colour = "red"')")"
expect 400 "" "create: not JSON" "$(create 'sku=NEW-1')"
expect 400 "" "create: an array" "$(create '[]')"
expect 404 "" "create: unknown outlet" "$(authed "$TA" POST "/v1/outlets/$(newid)/items" --data-binary "$good_item")"
expect 404 "" "create: malformed outlet id" "$(authed "$TA" POST "/v1/outlets/not-a-uuid/items" --data-binary "$good_item")"
patch() { authed "$TA" PATCH "/v1/items/$PIZZA" --data-binary "$1"; }
expect 400 stock "patch: stock" "$(patch '{"stock":100}')"
expect 400 sku "patch: sku" "$(patch '{"sku":"X"}')"
expect 400 currency "patch: currency" "$(patch '{"currency":"USD"}')"
expect 400 on_hand "patch: on_hand" "$(patch '{"on_hand":100}')"
expect 400 price_minor "patch: negative price" "$(patch '{"price_minor":-1}')"
expect 400 active "patch: active as a string" "$(patch '{"active":"no"}')"
expect 400 name "patch: name null" "$(patch '{"name":null}')"
expect 404 "" "patch: unknown item" "$(authed "$TA" PATCH "/v1/items/$(newid)" --data-binary '{"name":"x"}')"
expect 404 "" "patch: malformed id" "$(authed "$TA" PATCH "/v1/items/not-a-uuid" --data-binary '{"name":"x"}')"
adjust() { authed "$TA" POST "/v1/items/$PIZZA/adjust" --data-binary "$1"; }
expect 400 delta "adjust: delta 0" "$(adjust '{"delta":0,"reason":"x"}')"
expect 400 delta "adjust: missing delta" "$(adjust '{"reason":"x"}')"
expect 400 delta "adjust: delta as a string" "$(adjust '{"delta":"5","reason":"x"}')"
expect 400 delta "adjust: huge delta" "$(adjust '{"delta":10000000000,"reason":"x"}')"
expect 400 reason "adjust: missing reason" "$(adjust '{"delta":1}')"
expect 400 reason "adjust: empty reason" "$(adjust '{"delta":1,"reason":""}')"
expect 400 actor_id "adjust: actor_id is the server's" "$(adjust "{\"delta\":1,\"reason\":\"x\",\"actor_id\":\"$(newid)\"}")"
expect 404 "" "adjust: unknown item" "$(authed "$TA" POST "/v1/items/$(newid)/adjust" --data-binary '{"delta":1,"reason":"x"}')"
batch_ids() { post_public /v1/items/availability "$1"; }
expect 400 ids "batch: no ids" "$(batch_ids '{}')"
expect 400 ids "batch: empty" "$(batch_ids '{"ids":[]}')"
expect 400 ids "batch: not a UUID" "$(batch_ids '{"ids":["x"]}')"
expect 400 ids "batch: repeated" "$(batch_ids "{\"ids\":[\"$PIZZA\",\"$PIZZA\"]}")"
expect 400 ids "batch: 101 ids" "$(batch_ids "$(for _ in $(seq 101); do newid; done | jq -Rsc '{ids: split("\n")[:-1]}')")"
expect 400 ids "batch: a number" "$(batch_ids '{"ids":[1]}')"
expect 400 limit "list: limit 0" "$(get "/v1/outlets/$OA/items?limit=0")"
expect 400 limit "list: limit 101" "$(get "/v1/outlets/$OA/items?limit=101")"
expect 400 limit "list: limit abc" "$(get "/v1/outlets/$OA/items?limit=abc")"
expect 400 cursor "list: a cursor that is not one" "$(get "/v1/outlets/$OA/items?cursor=garbage")"
big="$OF_ITEST_DIR/inventory-big.json"
{ printf '{"sku":"BIG","name":"'; head -c 70000 /dev/zero | tr '\0' 'x'; printf '","price_minor":1,"currency":"INR"}'; } >"$big"
expect 413 "" "create: a body over the limit" "$(authed "$TA" POST "/v1/outlets/$OA/items" --data-binary "@$big")"
expect 413 "" "batch: a body over the limit" "$(http -X POST -H 'Content-Type: application/json' --data-binary "@$big" "$BASE/v1/items/availability")"
rm -f "$big"
assert_eq "$(snapshot)|$(sql "SELECT count(*) FROM inventory.items")" "$before|$n_items" "no row written by bad input"
ok "bad input on every route: 400 naming the field (missing, wrong type, negative, huge, read-only, unknown, not JSON), 404 for unknown and malformed ids, 413 over the limit; nothing written"

# ---- BOLA: another owner's outlet and items are 404; other roles 403; no token 401 ----
before=$(snapshot)
expect 404 "" "B adds to A's outlet" "$(authed "$TB" POST "/v1/outlets/$OA/items" --data-binary "$good_item")"
expect 404 "" "B patches A's item" "$(authed "$TB" PATCH "/v1/items/$PIZZA" --data-binary '{"price_minor":1}')"
expect 404 "" "B adjusts A's item" "$(authed "$TB" POST "/v1/items/$PIZZA/adjust" --data-binary '{"delta":-1,"reason":"theft"}')"
[[ "$(cat "$BODY_FILE")" != *Margherita* ]] || fail "the 404 shows A's item"
for role in customer partner; do
  t=$TCUST
  [ $role == customer ] || t=$TPART
  expect 403 "" "a $role creates" "$(authed "$t" POST "/v1/outlets/$OA/items" --data-binary "$good_item")"
  expect 403 "" "a $role patches" "$(authed "$t" PATCH "/v1/items/$PIZZA" --data-binary '{"price_minor":1}')"
  expect 403 "" "a $role adjusts" "$(authed "$t" POST "/v1/items/$PIZZA/adjust" --data-binary '{"delta":1,"reason":"x"}')"
done
expect 401 "" "no token" "$(http -X POST -H 'Content-Type: application/json' --data-binary "$good_item" "$BASE/v1/outlets/$OA/items")"
[[ "$(header WWW-Authenticate)" == Bearer* ]] || fail "no WWW-Authenticate: Bearer"
expect 200 "" "A still reads its own" "$(authed "$TA" PATCH "/v1/items/$PIZZA" --data-binary '{}')"
assert_eq "$(snapshot)" "$before" "BOLA attempts changed nothing"
ok "BOLA: business B on A's outlet and items 404 (no data), customer and partner 403, no token 401; nothing changed"

# ---- OF_RESERVATION_TTL_S ----
stack daemon-stop inventory-svc >/dev/null
OF_RESERVATION_TTL_S=120 stack daemon-start inventory-svc >/dev/null
O7=$(newid)
t0=$(date +%s)
wait_handled "$(request "$O7" "$OA" "$(lines "$COLA" 1)")"
exp=$(date -d "$(jq -r .expires_at <<<"$(on_topic inventory.validated.v1 "$O7")")" +%s)
((exp >= t0 + 115 && exp <= $(date +%s) + 125)) || fail "with OF_RESERVATION_TTL_S=120, expires_at is $((exp - t0)) s away"
stack daemon-stop inventory-svc >/dev/null
ok "OF_RESERVATION_TTL_S=120: expires_at is now + 120 s"

# ---- The TTL runs out: a durable timer releases the unpaid reservation ----
# With a 5 s TTL: order 8 stays unpaid and expires (inventory.reservation.expired.v1, stock back,
# the timer's row gone); order 9 is paid (order.placed.v1) in time, which cancels its timer.
OF_RESERVATION_TTL_S=5 stack daemon-start inventory-svc >/dev/null
before=$(stock "$COLA")
O8=$(newid) O9=$(newid)
wait_handled "$(request "$O8" "$OA" "$(lines "$COLA" 1)")"
wait_handled "$(request "$O9" "$OA" "$(lines "$COLA" 1)")"
RES9=$(jq -r .reservation_id <<<"$(on_topic inventory.validated.v1 "$O9")")
assert_eq "$(sql "SELECT count(*) FROM inventory.timers WHERE kind = 'reservation_ttl' AND key IN ('$O8', '$O9')")" 2 "two TTL timers armed"
wait_handled "$(placed "$O9" "$OA" "$RES9")"
assert_eq "$(sql "SELECT count(*) FROM inventory.timers WHERE key = '$O9'")" 0 "order 9's timer cancelled by its payment"
expired_now() { [ "$(status_of "$O8")" = EXPIRED ]; }
wait_until 15 expired_now || fail "order 8's reservation is $(status_of "$O8") 15 s after a 5 s TTL"
wait_until 10 bash -c "kcat -b $BROKER -C -e -q -t inventory.reservation.expired.v1 -f '%k\n' 2>/dev/null | grep -qx $O8" ||
  fail "no inventory.reservation.expired.v1 for order 8"
assert_eq "$(on_topic inventory.reservation.expired.v1 "$O8" | jq -r .order_id)" "$O8" "the expiry event's order"
assert_eq "$(sql "SELECT count(*) FROM inventory.timers WHERE key = '$O8'")" 0 "order 8's fired timer"
sleep 1
assert_eq "$(status_of "$O9")" CONFIRMED "order 9, paid in time, after its TTL would have run out"
IFS=/ read -r oh0 r0 c0 s0 <<<"$before"
assert_eq "$(stock "$COLA")" "$oh0/$r0/$((c0 + 1))/$s0" "order 8's unit back, order 9's confirmed"
stack daemon-stop inventory-svc >/dev/null
stack daemon-start inventory-svc >/dev/null
ok "a 5 s TTL: the unpaid reservation expires by its durable timer (inventory.reservation.expired.v1, stock back); a paid one's timer is cancelled"

# ---- Every event produced is valid against its schema ----
# One schema document per topic: the envelope with its data's schema, wrapped for schema_valid
# (draft 4, whose "not" of an unknown "const" would refuse everything: the envelope's one const
# becomes the enum of one value it means).
for topic in inventory.validated.v1 inventory.invalidated.v1 inventory.released.v1 inventory.committed.v1; do
  doc="$OF_ITEST_DIR/schema/$topic.event.json"
  mkdir -p "$OF_ITEST_DIR/schema"
  jq -n --slurpfile env "$EVENTS/envelope.schema.json" --slurpfile data "$EVENTS/$topic.schema.json" \
    '{components: {schemas: {envelope: ($env[0] | del(."$schema", ."$id")
      | walk(if type == "object" and has("const") then del(.const) + {enum: [.const]} else . end)), data: ($data[0] | del(."$schema", ."$id")),
      event: {allOf: [{"$ref": "#/components/schemas/envelope"}, {properties: {data: {"$ref": "#/components/schemas/data"}}}]}}}}' >"$doc"
  records=$(kcat -b "$BROKER" -C -e -q -t "$topic" -f '%s\n' 2>/dev/null)
  n=$(grep -c . <<<"$records")
  ((n > 0)) || fail "no record on $topic"
  verdicts=$(schema_valid "$doc" /components/schemas/event <<<"$records" | sort | uniq -c | tr -s ' ')
  assert_eq "$verdicts" " $n valid" "$topic: every record valid against docs/events/$topic.schema.json"
  assert_eq "$(head -n1 <<<"$records" | jq -c '.data.order_id = "x"' | schema_valid "$doc" /components/schemas/event)" invalid \
    "$topic: the schema refuses a bad order_id"
  ok "$topic: $n records valid against docs/events/$topic.schema.json (draft 4)"
done

# ---- The OpenAPI document says what the code does ----
openapi_check "$OPENAPI"
routes=$("$OF_BIN_DIR/inventory-svc" --describe | jq -r '.routes[] | "\(.method) \(.pattern)"' | sort)
documented=$(yq -r '.paths | to_entries[] | .key as $p | .value | keys[] | select(. != "parameters") | "\(ascii_upcase) \($p)"' "$OPENAPI" | sort)
assert_eq "$documented" "$routes" "OpenAPI paths vs the route table"
codes=$("$OF_BIN_DIR/inventory-svc" --describe | jq -r '.errors[].code' | sort)
documented=$(yq -r '.components.schemas.Error.properties.error.properties.code.enum[]' "$OPENAPI" | sort)
assert_eq "$documented" "$codes" "OpenAPI error codes vs the API error table"
public=$("$OF_BIN_DIR/inventory-svc" --describe | jq -r '.routes[] | select(.roles == []) | "\(.method) \(.pattern)"' | sort)
documented=$(yq -r '.paths | to_entries[] | .key as $p | .value | to_entries[] | select(.key != "parameters" and .value.security == []) | "\(.key | ascii_upcase) \($p)"' "$OPENAPI" | sort)
assert_eq "$documented" "$public" "OpenAPI public routes (security: []) vs the routes without roles"
agree() { # WHAT POINTER BODY STATUS OK_STATUS
  local verdict
  verdict=$(printf '%s\n' "$3" | schema_valid "$OPENAPI" "$2")
  if [[ $verdict == valid ]]; then assert_eq "$4" "$5" "$1: schema-valid $3, refused"; else assert_eq "$4" 400 "$1: schema-invalid $3, accepted"; fi
}
n_checked=0
for v in '"Ada"' '" x "' '"x\n"' '"\u00a0"' '"\u2028"' '"Zo\u00eb"' '"\ud83c\udf55"' '"a\u0085b"' '""' \
  "\"$(printf 'n%.0s' $(seq 200))\"" "\"$(printf 'n%.0s' $(seq 201))\""; do
  b=$(jq -cn --argjson v "$v" '{name: $v}')
  agree name /components/schemas/ItemPatch "$b" "$(authed "$TA" PATCH "/v1/items/$COLA" --data-binary "$b")" 200
  n_checked=$((n_checked + 1))
done
for v in '"A-1"' '"a.b_c"' '"A 1"' '"A/1"' '""' '"\u00e9"' "\"$(printf 's%.0s' $(seq 64))\"" "\"$(printf 's%.0s' $(seq 65))\""; do
  b=$(jq -cn --argjson v "$v" --arg n "$RUN$n_checked" '{sku: ($v | if . == "A-1" or . == "a.b_c" then . + $n else . end), name: "S", price_minor: 1, currency: "INR"}')
  agree sku /components/schemas/ItemInput "$b" "$(authed "$TB" POST "/v1/outlets/$OB/items" --data-binary "$b")" 201
  n_checked=$((n_checked + 1))
done
for v in 0 1 -1 1000000000 1000000001 1.0 '"1"'; do
  b="{\"delta\":$v,\"reason\":\"agree\"}"
  code=$(authed "$TB" POST "/v1/items/$B_ITEM/adjust" --data-binary "$b")
  [[ $code == 409 ]] && code=200 # a valid delta the stock cannot take (B's item has few units)
  agree delta /components/schemas/AdjustInput "$b" "$code" 200
  n_checked=$((n_checked + 1))
done
ok "OpenAPI: paths and public routes = the route table, errors = the API table, $n_checked names, skus and deltas: the schema and the daemon agree"

# ---- Invariants ----
invariants_check inventory
