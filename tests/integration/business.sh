#!/usr/bin/env bash
# business-svc: businesses and outlets (versions and business.outlet.*.v1 on Kafka, customer-svc's
# feed showing the outlet), the outlet's order queue fed by order.placed.v1 produced by hand with
# kcat, approve / reject (order.approved.v1 with pickup and drop-off, order.rejected.v1), a second
# decision and a decision after order.cancelled.v1 409, auto-approval, the same event twice, dead
# letters, paging; the bad-input matrix on every route (nothing written), BOLA (another owner
# 404, other roles 403), the OpenAPI document against the route table, every produced event
# against its JSON Schema, and the decision metrics.
source "$(dirname "$0")/lib.sh"
wait_all_ready

PORT=$(svc_port business-svc)
# User-facing requests go through the gateway; PORT is business-svc's own (operators: /metrics).
BASE=$OF_GATEWAY_URL
CBASE=$OF_GATEWAY_URL
BROKER="127.0.0.1:$OF_KAFKA_PORT"
MINT="$OF_BIN_DIR/customer-token"
OPENAPI="$OF_REPO/docs/openapi/business-svc.yaml"
EVENTS="$OF_REPO/docs/events"
RUN="$RANDOM$RANDOM"

newid() { cat /proc/sys/kernel/random/uuid; }
mint() { OF_JWT_PRIVATE_KEY="$OF_JWT_PRIVATE_KEY" "$MINT" "$@"; }
# authed TOKEN METHOD PATH [curl args...]: the status; the body in $BODY_FILE.
authed() { local t=$1 m=$2 p=$3; shift 3; http -X "$m" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' "$@" "$BASE$p"; }
sql() { psql_admin "$1"; }
body() { jq -r "$1" "$BODY_FILE"; }
# expect STATUS CODE FIELD WHAT -- the last answer's status, error code and field.
expect_error() {
  assert_eq "$1" "$2" "$5: status"
  assert_eq "$(body '.error.code')" "$3" "$5: error code"
  assert_eq "$(body '.error.field // ""')" "$4" "$5: field"
}
now_ts() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# ---- Kafka ----
# produce TOPIC KEY DATA [EVENT_ID [TRACE_ID]]: one envelope as order-svc would write it; prints
# its event_id.
produce() {
  local id=${4:-$(newid)} trace=${5:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')} env
  env=$(jq -cn --arg id "$id" --arg type "${1%.v1}" --arg at "$(now_ts)" --arg key "$2" \
    --arg trace "$trace" --argjson data "$3" \
    '{event_id: $id, event_type: $type, event_version: 1, occurred_at: $at, producer: "order-svc",
      trace_id: $trace, correlation_id: $key, causation_id: "", data: $data}')
  printf '%s|%s\n' "$2" "$env" | kcat -b "$BROKER" -P -t "$1" -K'|'
  echo "$id"
}
# values TOPIC KEY: the values of the topic's records with that key, one a line.
values() { kcat -b "$BROKER" -C -e -q -t "$1" -f '%k\t%s\n' 2>/dev/null | awk -F'\t' -v k="$2" '$1 == k { print $2 }'; }
# wait_values TOPIC KEY N: waits until the topic holds at least N records with the key.
wait_values() {
  wait_until 60 bash -c "[ \"\$(kcat -b $BROKER -C -e -q -t $1 -f '%k\n' 2>/dev/null | grep -cx $2)\" -ge $3 ]" ||
    fail "fewer than $3 records keyed $2 on $1"
}
handled() { [ "$(sql "SELECT count(*) FROM business.processed_events WHERE event_id = '$1'")" == 1 ]; }
wait_handled() { wait_until 60 handled "$1" || fail "event $1 was not consumed"; }
dlq_error() {
  kcat -b "$BROKER" -C -e -q -t "$1.dlq" -f '%k\t%h\n' 2>/dev/null |
    awk -F'\t' -v k="$2" '$1 == k { print $2 }' | tail -n1 | tr ',' '\n' | sed -n 's/^dlq\.error=//p'
}
wait_dlq() {
  wait_until 60 bash -c "[ \"\$(kcat -b $BROKER -C -e -q -t $1.dlq -f '%k\n' 2>/dev/null | grep -cx $2)\" -ge 1 ]" ||
    fail "$2 was not dead-lettered to $1.dlq"
}
# placed_data ORDER OUTLET [JQ]: order.placed.v1 data as the saga contract has it.
CUST=$(newid) ITEM=$(newid)
placed_data() {
  jq -cn --arg o "$1" --arg out "$2" --arg c "$CUST" --arg i "$ITEM" --arg at "$(now_ts)" \
    '{order_id: $o, customer_id: $c, outlet_id: $out,
      lines: [{item_id: $i, sku: "MD-1", name: "Masala dosa", qty: 2, unit_price_minor: 12000,
               line_total_minor: 24000}],
      total_minor: 24000, currency: "INR", reservation_id: $o,
      drop_off: {lat: 12.9716, lng: 77.5946, line1: "1 MG Road", city: "Bengaluru"},
      placed_at: $at}' | jq -c "${3:-.}"
}
status_of() { sql "SELECT status FROM business.order_queue WHERE order_id = '$1'"; }
# Every event this test makes business-svc produce, checked against the schemas at the end.
PRODUCED=()
keep() { PRODUCED+=("$1|$2"); } # TOPIC KEY

OWNER_A=$(newid) OWNER_B=$(newid)
TA=$(mint --role business --sub "$OWNER_A")
TB=$(mint --role business --sub "$OWNER_B")
TADM=$(mint --role admin)
TCUS=$(mint --role customer)
TPAR=$(mint --role partner)

# ---- Businesses ----
assert_eq "$(authed "$TA" POST /v1/businesses --data-binary '{"name":"Dosa Point"}')" 201 "create a business"
BIZ=$(body .id)
assert_eq "$(header Location)" "/v1/businesses/$BIZ" "Location"
assert_eq "$(body '.name + "/" + .owner_id')" "Dosa Point/$OWNER_A" "the business and its owner"
assert_eq "$(authed "$TA" GET "/v1/businesses/$BIZ")" 200 "the owner reads it"
assert_eq "$(body '.outlets | length')" 0 "no outlets yet"
assert_eq "$(authed "$TADM" GET "/v1/businesses/$BIZ")" 200 "an admin reads it"
assert_eq "$(authed "$TB" POST /v1/businesses --data-binary '{"name":"Other Place"}')" 201 "B's business"
BIZ_B=$(body .id)
ok "businesses: 201 with Location and the caller as owner, read by the owner and an admin"

# ---- Outlets ----
outlet='{"name":"Dosa Point Koramangala","lat":12.9352,"lng":77.6245,"address":"80 Feet Rd, Koramangala","approval_sla_s":600}'
assert_eq "$(authed "$TA" POST "/v1/businesses/$BIZ/outlets" --data-binary "$outlet")" 201 "create an outlet"
OUT=$(body .id)
assert_eq "$(header Location)" "/v1/outlets/$OUT" "outlet Location"
assert_eq "$(body '[.business_id, .name, .lat, .lng, .address, .open, .auto_approve, .approval_sla_s, .version] | map(tostring) | join("/")')" \
  "$BIZ/Dosa Point Koramangala/12.9352/77.6245/80 Feet Rd, Koramangala/true/false/600/1" "the outlet, version 1, open by default"
assert_eq "$(authed "$TA" GET "/v1/outlets/$OUT")" 200 "GET the outlet"
assert_eq "$(body .version)" 1 "GET: version 1"
assert_eq "$(authed "$TADM" GET "/v1/outlets/$OUT")" 200 "an admin reads the outlet"
assert_eq "$(authed "$TA" PATCH "/v1/outlets/$OUT" --data-binary '{"name":"Dosa Point K"}')" 200 "PATCH the name"
assert_eq "$(body '.name + "/" + (.version | tostring)')" "Dosa Point K/2" "version 2"
assert_eq "$(authed "$TA" PATCH "/v1/outlets/$OUT" --data-binary '{"name":"Dosa Point K"}')" 200 "PATCH to the same name"
assert_eq "$(body .version)" 2 "no change, no version"
assert_eq "$(authed "$TA" PATCH "/v1/outlets/$OUT" --data-binary '{}')" 200 "PATCH {}"
assert_eq "$(body .version)" 2 "PATCH {}: no version"
assert_eq "$(authed "$TA" PATCH "/v1/outlets/$OUT" --data-binary '{"approval_sla_s":300,"address":"80 Feet Road"}')" 200 "PATCH two fields"
assert_eq "$(body '"\(.approval_sla_s)/\(.version)"')" "300/3" "version 3"
assert_eq "$(authed "$TA" GET "/v1/businesses/$BIZ")" 200 "the business with its outlet"
assert_eq "$(body '[.outlets[].id] | join(",")')" "$OUT" "the business lists its outlet"
assert_eq "$(sql "SELECT count(*) FROM business.outbox WHERE key = '$OUT'")" 3 "three outlet events in the outbox"
wait_values business.outlet.updated.v1 "$OUT" 2
created=$(values business.outlet.created.v1 "$OUT")
assert_eq "$(wc -l <<<"$created")" 1 "one business.outlet.created.v1"
assert_eq "$(jq -r '.data | [.outlet_id, .business_id, .owner_id, .name, .address, .is_open, .auto_approve, .approval_sla_s, .version] | map(tostring) | join("/")' <<<"$created")" \
  "$OUT/$BIZ/$OWNER_A/Dosa Point Koramangala/80 Feet Rd, Koramangala/true/false/600/1" "created: the fields"
assert_eq "$(jq -r '[.event_type, .producer, .correlation_id] | join("/")' <<<"$created")" "business.outlet.created/business-svc/$OUT" "created: the envelope"
assert_eq "$(values business.outlet.updated.v1 "$OUT" | jq -r '.data | "\(.version):\(.name):\(.address):\(.approval_sla_s)"' | paste -sd' ')" \
  "2:Dosa Point K:80 Feet Rd, Koramangala:600 3:Dosa Point K:80 Feet Road:300" "updated: versions 2 and 3, each the whole state"
keep business.outlet.created.v1 "$OUT"
keep business.outlet.updated.v1 "$OUT"
ok "outlets: create (version 1, defaults), PATCH (a version per change, none without), events on Kafka with owner_id, address, auto_approve, approval_sla_s"

# ---- customer-svc's feed shows the outlet (the existing contract holds) ----
redis-cli -p "$OF_REDIS_PORT" --scan --pattern 'otp:ip:*' | while read -r k; do redis-cli -p "$OF_REDIS_PORT" del "$k" >/dev/null; done
phone=$(printf '+4479%03d%05d' 1 $((RUN % 100000)))
assert_eq "$(http -X POST -H 'Content-Type: application/json' --data-binary "{\"phone\":\"$phone\"}" "$CBASE/v1/auth/otp")" 202 "customer OTP"
code=$(body .dev_code)
assert_eq "$(http -X POST -H 'Content-Type: application/json' --data-binary "{\"phone\":\"$phone\",\"code\":\"$code\"}" "$CBASE/v1/auth/verify")" 200 "customer verify"
TFEED=$(body .access_token)
assert_eq "$(http -X POST -H "Authorization: Bearer $TFEED" -H 'Content-Type: application/json' --data-binary \
  '{"label":"Home","line1":"5 Koramangala","city":"Bengaluru","postcode":"560034","lat":12.9360,"lng":77.6250}' "$CBASE/v1/me/addresses")" 201 "customer address"
ADDR=$(body .id)
in_feed() {
  [ "$(curl -s -m 5 -H "Authorization: Bearer $TFEED" "$CBASE/v1/feed?address_id=$ADDR&radius_km=1&limit=100" |
    jq -r --arg id "$OUT" '.outlets[] | select(.id == $id) | .name')" == "Dosa Point K" ]
}
wait_until 60 in_feed || fail "customer-svc's feed does not show the outlet as version 3 has it"
assert_eq "$(sql "SELECT version FROM customer.outlets WHERE id = '$OUT'")" 3 "customer-svc applied version 3"
ok "customer-svc's feed shows the outlet, as its latest version names it"

# ---- The queue: order.placed.v1 in, approve ----
O1=$(newid)
P1_TRACE=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
E1=$(produce order.placed.v1 "$O1" "$(placed_data "$O1" "$OUT")" "" "$P1_TRACE")
wait_handled "$E1"
assert_eq "$(status_of "$O1")" PENDING "order 1 queued"
assert_eq "$(authed "$TA" GET "/v1/outlets/$OUT/orders?status=PENDING")" 200 "the outlet's pending orders"
assert_eq "$(body '[.orders[].order_id] | join(",")')" "$O1" "order 1 listed"
assert_eq "$(body '.orders[0] | [.status, .total_minor, .currency, (.lines | length), .lines[0].name, .lines[0].qty, .decided_at, .auto] | map(tostring) | join("/")')" \
  "PENDING/24000/INR/1/Masala dosa/2/null/null" "order 1 as the kitchen sees it"
placed_ms=$(sql "SELECT placed_ms FROM business.order_queue WHERE order_id = '$O1'")
due=$(body '.orders[0].approve_by')
assert_eq "$(($(date -u -d "$due" +%s%3N) - placed_ms))" 300000 "approve_by = placed_at + approval_sla_s"
[[ $(cat "$BODY_FILE") != *"$CUST"* && $(cat "$BODY_FILE") != *"MG Road"* ]] || fail "the queue shows the customer or the drop-off"
timer_row() { sql "SELECT (EXTRACT(EPOCH FROM due_at) * 1000)::bigint FROM business.timers WHERE kind = 'approval_sla' AND key = '$1'"; }
assert_eq "$(timer_row "$O1")" "$((placed_ms + 300000))" "the approval timer armed for placed_at + SLA"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O1/approve" --data-binary '{"prep_time_min":20}')" 200 "approve order 1"
assert_eq "$(body '[.status, .auto, .prep_time_min, .reject_reason] | map(tostring) | join("/")')" "APPROVED/false/20/null" "approved"
wait_values order.approved.v1 "$O1" 1
approved=$(values order.approved.v1 "$O1")
assert_eq "$(jq -r '.data | [.order_id, .outlet_id, .business_id, .customer_id, .prep_time_min, .auto] | map(tostring) | join("/")' <<<"$approved")" \
  "$O1/$OUT/$BIZ/$CUST/20/false" "order.approved.v1"
assert_eq "$(jq -c '.data.pickup' <<<"$approved")" '{"lat":12.9352,"lng":77.6245,"address":"80 Feet Road","outlet_name":"Dosa Point K"}' "pickup: the outlet now"
assert_eq "$(jq -c '.data.drop_off' <<<"$approved")" '{"lat":12.9716,"lng":77.5946,"line1":"1 MG Road","city":"Bengaluru"}' "drop_off: from order.placed.v1"
assert_eq "$(jq -r '.trace_id' <<<"$approved")" "$P1_TRACE" "order.approved.v1 continues the order's trace"
keep order.approved.v1 "$O1"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O1/approve" --data-binary '{"prep_time_min":20}')" 409 "approve again"
assert_eq "$(body .error.code)/$(body .error.message)" "order_decided/the order was approved already" "second decision"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O1/reject" --data-binary '{"reason":"changed my mind"}')" 409 "reject after approve"
assert_eq "$(body .error.code)" order_decided "reject after approve: code"
assert_eq "$(sql "SELECT count(*) FROM business.outbox WHERE key = '$O1'")" 1 "one decision event for order 1"
assert_eq "$(timer_row "$O1")" "" "the approval timer cancelled by the decision"
ok "order.placed.v1 -> PENDING in the queue (approve_by = placed_at + SLA); approve -> order.approved.v1 with pickup, drop-off and the order's trace; a second decision 409 order_decided"

# ---- Reject ----
O2=$(newid)
wait_handled "$(produce order.placed.v1 "$O2" "$(placed_data "$O2" "$OUT")")"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O2/reject" --data-binary '{"reason":"Out of dosa batter"}')" 200 "reject order 2"
assert_eq "$(body '[.status, .reject_reason, .note, .prep_time_min] | map(tostring) | join("/")')" "REJECTED/REJECTED_BY_BUSINESS/Out of dosa batter/null" "rejected"
wait_values order.rejected.v1 "$O2" 1
assert_eq "$(values order.rejected.v1 "$O2" | jq -r '.data | [.order_id, .outlet_id, .customer_id, .reason, .note] | join("/")')" \
  "$O2/$OUT/$CUST/REJECTED_BY_BUSINESS/Out of dosa batter" "order.rejected.v1"
keep order.rejected.v1 "$O2"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O2/reject" --data-binary '{"reason":"again"}')" 409 "reject again"
assert_eq "$(body .error.message)" "the order was rejected already" "reject again: message"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O2/approve" --data-binary '{"prep_time_min":5}')" 409 "approve after reject"
# order-svc's cancellation that follows a rejection leaves the decision as it was.
wait_handled "$(produce order.cancelled.v1 "$O2" "{\"order_id\":\"$O2\",\"customer_id\":\"$CUST\",\"outlet_id\":\"$OUT\",\"reason\":\"REJECTED_BY_BUSINESS\",\"stage\":\"PLACED\",\"cancelled_at\":\"$(now_ts)\"}")"
assert_eq "$(status_of "$O2")" REJECTED "a rejected order stays REJECTED when its cancellation comes"
ok "reject -> order.rejected.v1 REJECTED_BY_BUSINESS with the owner's note; a second decision 409; the cancellation after it changes nothing"

# ---- Cancelled, then a decision ----
O3=$(newid)
wait_handled "$(produce order.placed.v1 "$O3" "$(placed_data "$O3" "$OUT")")"
cancel3=$(jq -cn --arg o "$O3" --arg c "$CUST" --arg out "$OUT" --arg at "$(now_ts)" \
  '{order_id: $o, customer_id: $c, outlet_id: $out, reason: "CUSTOMER_CANCELLED", stage: "PLACED", cancelled_at: $at}')
wait_handled "$(produce order.cancelled.v1 "$O3" "$cancel3")"
assert_eq "$(status_of "$O3")" CANCELLED "order 3 closed"
assert_eq "$(timer_row "$O3")" "" "the approval timer cancelled by the cancellation"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O3/approve" --data-binary '{"prep_time_min":10}')" 409 "approve a cancelled order"
assert_eq "$(body .error.code)" order_cancelled "approve a cancelled order: code"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O3/reject" --data-binary '{"reason":"x"}')" 409 "reject a cancelled order"
assert_eq "$(body .error.code)" order_cancelled "reject a cancelled order: code"
# order-svc may say it again (a new event id): still one closed entry.
wait_handled "$(produce order.cancelled.v1 "$O3" "$cancel3")"
assert_eq "$(status_of "$O3")/$(sql "SELECT count(*) FROM business.outbox WHERE key = '$O3'")" CANCELLED/0 "a second cancellation: nothing more"
# An approved order cancelled later (no partner, say) is closed too; its approval stays on record.
wait_handled "$(produce order.cancelled.v1 "$O1" "{\"order_id\":\"$O1\",\"reason\":\"ASSIGNMENT_FAILED\",\"stage\":\"APPROVED\"}")"
assert_eq "$(authed "$TA" GET "/v1/outlets/$OUT/orders?status=CANCELLED")" 200 "cancelled orders"
assert_eq "$(body '[.orders[] | .order_id + ":" + (.prep_time_min | tostring)] | sort | join(",")')" \
  "$(printf '%s\n' "$O1:20" "$O3:null" | sort | paste -sd,)" "orders 1 (approved before) and 3 cancelled"
# A cancellation of an order never placed here is nothing to do.
wait_handled "$(produce order.cancelled.v1 "$(newid)" "{\"order_id\":\"$(newid)\",\"reason\":\"PAYMENT_FAILED\",\"stage\":\"AWAITING_PAYMENT\"}")"
ok "order.cancelled.v1 closes PENDING and APPROVED entries (CANCELLED), then approve/reject 409 order_cancelled; repeated and unknown cancellations change nothing"

# ---- The approval SLA runs out ----
# The durable timer of order 4 is brought forward to now (the shortest SLA is 30 s): the timer
# thread rejects it with APPROVAL_TIMEOUT, once.
O4=$(newid)
wait_handled "$(produce order.placed.v1 "$O4" "$(placed_data "$O4" "$OUT")")"
[ -n "$(timer_row "$O4")" ] || fail "no approval timer for order 4"
timeouts0=$(metric_value "$PORT" 'business_decisions_total{outcome="timeout"}')
sql "UPDATE business.timers SET due_at = now() WHERE kind = 'approval_sla' AND key = '$O4'" >/dev/null
wait_until 10 bash -c "[ \"\$(psql '$OF_PG_ADMIN_URL' -XAtqc \"SELECT status FROM business.order_queue WHERE order_id = '$O4'\")\" = REJECTED ]" ||
  fail "order 4 not rejected after its SLA ran out: $(status_of "$O4")"
wait_values order.rejected.v1 "$O4" 1
assert_eq "$(values order.rejected.v1 "$O4" | jq -r '.data | [.order_id, .outlet_id, .reason] | join("/")')" \
  "$O4/$OUT/APPROVAL_TIMEOUT" "order.rejected.v1 of the timeout"
keep order.rejected.v1 "$O4"
assert_eq "$(timer_row "$O4")" "" "the fired timer's row"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O4/approve" --data-binary '{"prep_time_min":5}')" 409 "approve after the timeout"
timeouts=$(metric_value "$PORT" 'business_decisions_total{outcome="timeout"}')
awk -v a="$timeouts0" -v b="$timeouts" 'BEGIN { exit !(b - a == 1) }' || fail "timeout decisions went from $timeouts0 to $timeouts"
ok "an order nobody decides within the outlet's SLA: the durable timer rejects it (APPROVAL_TIMEOUT), once; a decision after it 409"

# ---- Auto-approval, and the same event twice ----
assert_eq "$(authed "$TA" POST "/v1/businesses/$BIZ/outlets" --data-binary '{"name":"Dosa Point Express","lat":12.97,"lng":77.60,"address":"MG Road Metro","auto_approve":true}')" 201 "an auto-approving outlet"
AUTO=$(body .id)
keep business.outlet.created.v1 "$AUTO"
O4=$(newid)
data4=$(placed_data "$O4" "$AUTO")
E4=$(produce order.placed.v1 "$O4" "$data4")
produce order.placed.v1 "$O4" "$data4" "$E4" >/dev/null # the same record again
E4B=$(produce order.placed.v1 "$O4" "$data4")          # and under a new event id
wait_handled "$E4"
wait_handled "$E4B"
wait_values order.approved.v1 "$O4" 1
sleep 1
assert_eq "$(values order.approved.v1 "$O4" | wc -l)" 1 "one order.approved.v1 for an order placed three times"
assert_eq "$(values order.approved.v1 "$O4" | jq -r '.data | "\(.auto)/\(.prep_time_min)/\(.pickup.outlet_name)"')" "true/15/Dosa Point Express" "auto: true, OF_AUTO_PREP_TIME_MIN"
assert_eq "$(values order.approved.v1 "$O4" | jq -r .causation_id)" "$E4" "an auto-approval is caused by the order.placed.v1 event"
assert_eq "$(sql "SELECT count(*) || '/' || min(status) || '/' || bool_and(auto) FROM business.order_queue WHERE order_id = '$O4'")" "1/APPROVED/true" "one queue entry, approved automatically"
assert_eq "$(sql "SELECT count(*) FROM business.processed_events WHERE event_id IN ('$E4', '$E4B')")" 2 "both event ids in the inbox"
keep order.approved.v1 "$O4"
# A closed auto-approving outlet does not approve: the order waits for its owner.
assert_eq "$(authed "$TA" PATCH "/v1/outlets/$AUTO" --data-binary '{"open":false}')" 200 "close the auto outlet"
keep business.outlet.updated.v1 "$AUTO"
O5=$(newid)
wait_handled "$(produce order.placed.v1 "$O5" "$(placed_data "$O5" "$AUTO")")"
assert_eq "$(status_of "$O5")/$(sql "SELECT count(*) FROM business.outbox WHERE key = '$O5'")" PENDING/0 "a closed outlet does not auto-approve"
# The manual outlet, the same event twice: one entry, one decision.
O6=$(newid)
data6=$(placed_data "$O6" "$OUT")
E6=$(produce order.placed.v1 "$O6" "$data6")
produce order.placed.v1 "$O6" "$data6" "$E6" >/dev/null
wait_handled "$E6"
assert_eq "$(sql "SELECT count(*) FROM business.order_queue WHERE order_id = '$O6'")" 1 "one entry for a record consumed twice"
ok "auto-approving outlet: order.approved.v1 auto:true without a call, once for an order placed three times (twice the same event); closed, it waits"

# ---- Dead letters ----
O7=$(newid)
produce order.placed.v1 "$O7" "$(placed_data "$O7" "$(newid)")" >/dev/null
wait_dlq order.placed.v1 "$O7"
assert_eq "$(dlq_error order.placed.v1 "$O7")" "data.outlet_id: no such outlet" "dlq.error of an unknown outlet"
O8=$(newid)
produce order.placed.v1 "$O8" "$(placed_data "$O8" "$OUT" 'del(.lines)')" >/dev/null
wait_dlq order.placed.v1 "$O8"
assert_eq "$(dlq_error order.placed.v1 "$O8")" "data.lines: is required" "dlq.error of missing lines"
O9=$(newid)
produce order.placed.v1 "$O9" "$(placed_data "$O9" "$OUT" '.lines[0].qty = 0')" >/dev/null
wait_dlq order.placed.v1 "$O9"
assert_eq "$(dlq_error order.placed.v1 "$O9")" "data.lines[0].qty: must be between 1 and 1000" "dlq.error of qty 0"
O10=$(newid)
produce order.placed.v1 "$O10" "$(placed_data "$O10" "$OUT" '.placed_at = "9999-12-31T00:00:00.000Z"')" >/dev/null
wait_dlq order.placed.v1 "$O10"
assert_eq "$(dlq_error order.placed.v1 "$O10")" "data.placed_at: more than the allowed skew in the future" "dlq.error of a far-future placed_at"
assert_eq "$(sql "SELECT count(*) FROM business.order_queue WHERE order_id IN ('$O7', '$O8', '$O9', '$O10')")" 0 "dead letters queue nothing"
ok "order.placed.v1 for an unknown outlet, without lines, with qty 0 or placed in 9999: dead-lettered with the reason"

# ---- Paging ----
for _ in 1 2 3; do
  o=$(newid)
  wait_handled "$(produce order.placed.v1 "$o" "$(placed_data "$o" "$OUT")")"
done
expected=$(sql "SELECT string_agg(order_id::text, ',' ORDER BY placed_ms, order_id) FROM business.order_queue WHERE outlet_id = '$OUT'")
got="" cursor="" pages=0
cursor_schema() { printf '"%s"\n' "$1" | schema_valid "$OPENAPI" /paths/~1v1~1outlets~1{id}~1orders/get/parameters/2/schema; }
while :; do
  assert_eq "$(authed "$TA" GET "/v1/outlets/$OUT/orders?limit=2${cursor:+&cursor=$cursor}")" 200 "a page"
  got="$got${got:+,}$(body '[.orders[].order_id] | join(",")')"
  cursor=$(body '.next_cursor // ""')
  [ -z "$cursor" ] || assert_eq "$(cursor_schema "$cursor")" valid "next_cursor fits the OpenAPI cursor schema"
  pages=$((pages + 1))
  [ -n "$cursor" ] || break
  ((pages < 10)) || fail "paging does not end"
done
assert_eq "$got" "$expected" "pages in (placed_at, order_id) order, each order once"
assert_eq "$(authed "$TA" GET "/v1/outlets/$OUT/orders?status=APPROVED")" 200 "status filter"
assert_eq "$(body '.orders | length')" 0 "order 1, the only one approved here, was cancelled since"
ok "queue paging with limit 2: $pages pages, each order once, oldest first; status filter"

# ---- BOLA and roles ----
assert_eq "$(authed "$TB" GET "/v1/businesses/$BIZ")" 404 "B reads A's business"
assert_eq "$(authed "$TB" GET "/v1/outlets/$OUT")" 404 "B reads A's outlet"
n_out=$(sql "SELECT count(*) FROM business.outlets")
assert_eq "$(authed "$TB" POST "/v1/businesses/$BIZ/outlets" --data-binary "$outlet")" 404 "B adds an outlet to A's business"
assert_eq "$(authed "$TB" PATCH "/v1/outlets/$OUT" --data-binary '{"open":false}')" 404 "B changes A's outlet"
assert_eq "$(sql "SELECT count(*) FROM business.outlets")/$(sql "SELECT is_open FROM business.outlets WHERE id = '$OUT'")" "$n_out/t" "nothing written by B"
assert_eq "$(authed "$TB" GET "/v1/outlets/$OUT/orders")" 404 "B lists A's queue"
assert_eq "$(authed "$TB" POST "/v1/outlets/$OUT/orders/$O5/approve" --data-binary '{"prep_time_min":5}')" 404 "B approves A's order"
assert_eq "$(authed "$TB" POST "/v1/outlets/$AUTO/orders/$O5/reject" --data-binary '{"reason":"x"}')" 404 "B rejects A's order"
assert_eq "$(authed "$TA" POST "/v1/outlets/$OUT/orders/$O5/approve" --data-binary '{"prep_time_min":5}')" 404 "A's order through A's other outlet"
assert_eq "$(status_of "$O5")" PENDING "order 5 untouched"
assert_eq "$(authed "$TA" GET "/v1/businesses/$BIZ_B")" 404 "A reads B's business"
for t in "$TCUS" "$TPAR"; do
  assert_eq "$(authed "$t" POST /v1/businesses --data-binary '{"name":"x"}')" 403 "another role creates a business"
  assert_eq "$(authed "$t" GET "/v1/businesses/$BIZ")" 403 "another role reads a business"
  assert_eq "$(authed "$t" POST "/v1/businesses/$BIZ/outlets" --data-binary "$outlet")" 403 "another role adds an outlet"
  assert_eq "$(authed "$t" GET "/v1/outlets/$OUT")" 403 "another role reads an outlet"
  assert_eq "$(authed "$t" PATCH "/v1/outlets/$OUT" --data-binary '{}')" 403 "another role changes an outlet"
  assert_eq "$(authed "$t" GET "/v1/outlets/$OUT/orders")" 403 "another role lists a queue"
  assert_eq "$(authed "$t" POST "/v1/outlets/$AUTO/orders/$O5/approve" --data-binary '{"prep_time_min":5}')" 403 "another role approves"
  assert_eq "$(authed "$t" POST "/v1/outlets/$AUTO/orders/$O5/reject" --data-binary '{"reason":"x"}')" 403 "another role rejects"
done
assert_eq "$(authed "$TADM" GET "/v1/outlets/$OUT/orders")" 403 "an admin on the queue"
assert_eq "$(authed "$TADM" PATCH "/v1/outlets/$OUT" --data-binary '{}')" 403 "an admin changing an outlet"
assert_eq "$(http "$BASE/v1/outlets/$OUT")" 401 "no token"
[[ "$(header WWW-Authenticate)" == Bearer* ]] || fail "no WWW-Authenticate: Bearer"
ok "BOLA: business B on A's business, outlet, queue and decisions 404 (nothing written); customer and partner 403 on every route; admin 403 on writes and the queue"

# ---- Bad input: 400/404/413 naming the field, nothing written ----
counts() { sql "SELECT (SELECT count(*) FROM business.businesses) || '/' || (SELECT count(*) FROM business.outlets) || '/' || (SELECT count(*) FROM business.order_queue) || '/' || (SELECT count(*) FROM business.outbox) || '/' || (SELECT max(version) FROM business.outlets WHERE id = '$OUT') || '/' || (SELECT status FROM business.order_queue WHERE order_id = '$O5')"; }
before=$(counts)
bad() { # METHOD PATH BODY STATUS CODE FIELD
  expect_error "$(authed "$TA" "$1" "$2" --data-binary "$3")" "$4" "$5" "$6" "$1 $2 $3"
}
B=/v1/businesses
bad POST $B '{}' 400 missing_field name
bad POST $B '{"name":5}' 400 invalid_type name
bad POST $B '{"name":""}' 400 invalid_value name
bad POST $B '{"name":"   "}' 400 invalid_value name
bad POST $B "{\"name\":\"$(printf 'n%.0s' $(seq 201))\"}" 400 too_long name
bad POST $B '{"name":"x","owner_id":"me"}' 400 read_only_field owner_id
bad POST $B '{"name":"x","colour":"red"}' 400 unknown_field colour
bad POST $B 'name=x' 400 invalid_json ""
bad POST $B '["x"]' 400 body_not_object ""
bad POST $B '{"name":"x","name":"y"}' 400 invalid_json ""
P="/v1/businesses/$BIZ/outlets"
for f in name lat lng address; do
  bad POST "$P" "$(jq -c --arg f "$f" 'del(.[$f])' <<<"$outlet")" 400 missing_field "$f"
done
bad POST "$P" "$(jq -c '.lat = 90.5' <<<"$outlet")" 400 out_of_range lat
bad POST "$P" "$(jq -c '.lng = -181' <<<"$outlet")" 400 out_of_range lng
bad POST "$P" "$(jq -c '.lat = "12.9"' <<<"$outlet")" 400 invalid_type lat
bad POST "$P" "$(jq -c '.open = "yes"' <<<"$outlet")" 400 invalid_type open
bad POST "$P" "$(jq -c '.auto_approve = 1' <<<"$outlet")" 400 invalid_type auto_approve
bad POST "$P" "$(jq -c '.approval_sla_s = 29' <<<"$outlet")" 400 out_of_range approval_sla_s
bad POST "$P" "$(jq -c '.approval_sla_s = 86401' <<<"$outlet")" 400 out_of_range approval_sla_s
bad POST "$P" "$(jq -c '.approval_sla_s = 60.5' <<<"$outlet")" 400 invalid_type approval_sla_s
bad POST "$P" "$(jq -c --arg n "$(printf 'a%.0s' $(seq 301))" '.address = $n' <<<"$outlet")" 400 too_long address
bad POST "$P" "$(jq -c '.version = 7' <<<"$outlet")" 400 read_only_field version
bad POST "$P" "$(jq -c '.is_open = true' <<<"$outlet")" 400 unknown_field is_open
bad POST "/v1/businesses/not-a-uuid/outlets" "$outlet" 404 not_found ""
bad POST "/v1/businesses/$(newid)/outlets" "$outlet" 404 not_found ""
Q="/v1/outlets/$OUT"
bad PATCH "$Q" '{"lat":100}' 400 out_of_range lat
bad PATCH "$Q" '{"name":""}' 400 invalid_value name
bad PATCH "$Q" '{"name":null}' 400 invalid_type name
bad PATCH "$Q" '{"approval_sla_s":"60"}' 400 invalid_type approval_sla_s
bad PATCH "$Q" '{"id":"x"}' 400 read_only_field id
bad PATCH "$Q" '{"business_id":"x"}' 400 read_only_field business_id
bad PATCH "$Q" '{"nmae":"typo"}' 400 unknown_field nmae
bad PATCH "/v1/outlets/not-a-uuid" '{"open":true}' 404 not_found ""
bad PATCH "/v1/outlets/$(newid)" '{"open":true}' 404 not_found ""
A="/v1/outlets/$AUTO/orders/$O5"
bad POST "$A/approve" '{}' 400 missing_field prep_time_min
bad POST "$A/approve" '{"prep_time_min":0}' 400 out_of_range prep_time_min
bad POST "$A/approve" '{"prep_time_min":241}' 400 out_of_range prep_time_min
bad POST "$A/approve" '{"prep_time_min":"10"}' 400 invalid_type prep_time_min
bad POST "$A/approve" '{"prep_time_min":10.5}' 400 invalid_type prep_time_min
bad POST "$A/approve" '{"prep_time_min":10,"status":"APPROVED"}' 400 read_only_field status
bad POST "$A/approve" '{"prep_time_min":10,"note":"x"}' 400 unknown_field note
bad POST "$A/reject" '{}' 400 missing_field reason
bad POST "$A/reject" '{"reason":""}' 400 invalid_value reason
bad POST "$A/reject" '{"reason":7}' 400 invalid_type reason
bad POST "$A/reject" "{\"reason\":\"$(printf 'r%.0s' $(seq 501))\"}" 400 too_long reason
bad POST "/v1/outlets/$AUTO/orders/not-a-uuid/approve" '{"prep_time_min":5}' 404 not_found ""
bad POST "/v1/outlets/$AUTO/orders/$(newid)/reject" '{"reason":"x"}' 404 not_found ""
bad POST "/v1/outlets/not-a-uuid/orders/$O5/approve" '{"prep_time_min":5}' 404 not_found ""
while read -r query code field; do
  expect_error "$(authed "$TA" GET "/v1/outlets/$OUT/orders?$query")" 400 "$code" "$field" "GET orders?$query"
done <<'QUERIES'
status=pending invalid_value status
status= invalid_value status
limit=0 out_of_range limit
limit=101 out_of_range limit
limit=ten invalid_value limit
cursor=garbage invalid_value cursor
QUERIES
assert_eq "$(authed "$TA" GET "/v1/outlets/not-a-uuid/orders")" 404 "queue of a non-UUID outlet"
assert_eq "$(authed "$TA" GET "/v1/businesses/not-a-uuid")" 404 "a non-UUID business"
assert_eq "$(authed "$TA" GET "/v1/outlets/not-a-uuid")" 404 "a non-UUID outlet"
big="$OF_ITEST_DIR/business-big.json"
{ printf '{"name":"x","pad":"'; head -c 70000 /dev/zero | tr '\0' 'x'; printf '"}'; } >"$big"
for r in "POST $B" "POST $P" "PATCH $Q" "POST $A/approve" "POST $A/reject"; do
  assert_eq "$(authed "$TA" ${r% *} "${r#* }" --data-binary "@$big")" 413 "$r: a body over the limit"
  assert_eq "$(body .error.code)" body_too_large "$r: 413 code"
done
rm -f "$big"
assert_eq "$(counts)" "$before" "row counts (businesses/outlets/queue/outbox), the outlet's version and order 5 unchanged"
ok "bad input on every route: missing, wrong types, out of range, too long, unknown and read-only fields, non-JSON, non-UUID ids, over the size limit -> 400/404/413 naming the field; nothing written"

# ---- The OpenAPI document ----
openapi_check "$OPENAPI"
openapi_routes_check business-svc "$OPENAPI"
ok "docs/openapi/business-svc.yaml describes exactly the route table and the API error table"
# The schema and the daemon agree on outlet names (schema-valid text is never refused).
texts=('"Ada"' '" Ada "' '"x\n"' '"tab\there"' '"a\u0007"' '"a\u0085b"' '"   "' '"\u00a0"'
  '"\u2028"' '"Zo\u00eb"' '"\ud83c\udf55"' '""' "\"$(printf 'n%.0s' $(seq 200))\"" "\"$(printf 'n%.0s' $(seq 201))\"")
for t in "${texts[@]}"; do
  b="{\"name\":$t}"
  verdict=$(printf '%s\n' "$b" | schema_valid "$OPENAPI" /components/schemas/OutletPatch)
  st=$(authed "$TA" PATCH "/v1/outlets/$AUTO" --data-binary "$b")
  if [[ $verdict == valid ]]; then assert_eq "$st" 200 "schema-valid name $t refused"; else assert_eq "$st" 400 "schema-invalid name $t accepted"; fi
done
ok "OpenAPI: ${#texts[@]} names, the schema and the daemon agree on every one"

# ---- Every event produced here against its JSON Schema ----
n=0
for p in "${PRODUCED[@]}"; do
  topic=${p%%|*} key=${p#*|}
  vals=$(values "$topic" "$key")
  [ -n "$vals" ] || fail "no $topic keyed $key"
  while IFS= read -r v; do
    assert_eq "$(jq -c .data <<<"$v" | schema_valid "$EVENTS/$topic.schema.json" "")" valid "$topic $key: data against $topic.schema.json"
    assert_eq "$(printf '%s\n' "$v" | schema_valid "$EVENTS/envelope.schema.json" "")" valid "$topic $key: the envelope"
    n=$((n + 1))
  done <<<"$vals"
done
# The schemas can fail: a rejection without its reason, an approval without its pickup.
assert_eq "$(values order.rejected.v1 "$O2" | jq -c '.data | del(.reason)' | schema_valid "$EVENTS/order.rejected.v1.schema.json" "")" invalid "a rejection without a reason"
assert_eq "$(values order.approved.v1 "$O1" | jq -c '.data | del(.pickup)' | schema_valid "$EVENTS/order.approved.v1.schema.json" "")" invalid "an approval without a pickup"
ok "$n events produced by business-svc are valid against docs/events/<topic>.schema.json and the envelope schema"

# ---- Metrics ----
assert_eq "$(http "http://127.0.0.1:$PORT/metrics")" 200 "/metrics"
metrics_lint <"$BODY_FILE" || fail "/metrics does not parse"
for o in approved rejected auto timeout; do
  v=$(metric_value "$PORT" "business_decisions_total{outcome=\"$o\"}")
  awk -v v="$v" 'BEGIN { exit !(v >= 1) }' || fail "business_decisions_total{outcome=\"$o\"} is $v"
done
grep -q '^business_decisions_total{outcome="timeout"} ' "$BODY_FILE" || fail "no timeout series"
pending=$(sql "SELECT count(*) FROM business.order_queue WHERE status = 'PENDING'")
wait_until 15 bash -c "[ \"\$(curl -s http://127.0.0.1:$PORT/metrics | awk '\$1 == \"business_queue_pending\" { print \$2 }')\" == $pending ]" ||
  fail "business_queue_pending is not $pending"
ok "metrics: business_decisions_total by outcome (approved, rejected, auto, timeout), business_queue_pending = $pending"
