#!/usr/bin/env bash
# make demo: one order all the way to DELIVERED and one whose payment is declined, on a running
# stack (`make run` or `make up`), through the gateway with curl and jq only — what a customer,
# an outlet's owner and two delivery partners would do, each logged in with an OTP code.
#
# It makes a business with an outlet and two items, puts two partners online near the outlet and
# a customer with an address next to it; places an order and prints its timeline as it moves,
# with the owner approving it and the nearest partner accepting, picking up and delivering it
# (whoever holds the offer; with OF_PARTNER_AUTO=1 partner-svc does those steps itself); then the
# notifications the customer got and the receipt. Then an order paid with tok_decline: the
# payment fails, the order is cancelled and its reserved stock comes back.
#
# Re-runnable on the same stack: the four accounts are fixed phone numbers, their tokens are kept
# in $OF_STACK_DIR/demo/ while they are valid (the OTP limit is 3 codes per phone in 10 minutes),
# each run makes a new business and outlet, and the partners go offline when it ends.
#
# Settings: OF_DEMO_URL (default: the gateway of the stack scripts/stack.sh describes),
# OF_DEMO_STEP_S (seconds between the people's steps, default 1), OF_DEMO_TIMEOUT_S (how long an
# order may take to finish, default 120). Exit 0 when both orders ended as expected, else 1.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
    echo "demo: $*" >&2
    exit 1
}
for tool in curl jq; do
    command -v "$tool" >/dev/null || die "$tool is missing: run make deps"
done

STACK_ENV=$("$REPO/scripts/stack.sh" env 2>/dev/null) || die "scripts/stack.sh env failed"
setting() { sed -n "s/^$1=//p" <<<"$STACK_ENV"; }
URL=${OF_DEMO_URL:-$(setting OF_GATEWAY_URL)}
STATE_DIR=$(setting OF_STACK_DIR)/demo
STEP_S=${OF_DEMO_STEP_S:-1}
TIMEOUT_S=${OF_DEMO_TIMEOUT_S:-120}
[[ $STEP_S =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "OF_DEMO_STEP_S=$STEP_S is not a number of seconds"
[[ $TIMEOUT_S =~ ^[1-9][0-9]*$ ]] || die "OF_DEMO_TIMEOUT_S=$TIMEOUT_S is not a whole number"

OWNER_PHONE=+447700900901 CUSTOMER_PHONE=+447700900902
PARTNER_PHONES=(+447700900903 +447700900904) PARTNER_NAMES=(Asha Bilal)
# The outlet in Piccadilly, the customer 1.5 km east, the partners 250 m and 700 m from the outlet.
OUTLET_LAT=51.5010 OUTLET_LNG=-0.1410 HOME_LAT=51.5034 HOME_LNG=-0.1276
PARTNER_LAT=(51.5030 51.5060) PARTNER_LNG=(-0.1400 -0.1350)

mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
BODY=$(mktemp)
PARTNER_TOKENS=()
cleanup() {
    local t
    for t in "${PARTNER_TOKENS[@]}"; do # offline, so that no later order waits on a demo partner
        api "$t" PUT /v1/partners/me/status '{"available":false}' >/dev/null 2>&1 || true
    done
    rm -f "$BODY"
}
trap cleanup EXIT

# api TOKEN METHOD PATH [JSON] [extra curl args...]: the status on stdout, the body in $BODY.
api() {
    local token=$1 method=$2 path=$3 data=${4:-}
    local args=(-s -o "$BODY" -w '%{http_code}' -X "$method" --max-time 10)
    shift $(($# < 4 ? $# : 4))
    [[ -z $token ]] || args+=(-H "Authorization: Bearer $token")
    [[ -z $data ]] || args+=(-H 'Content-Type: application/json' --data-binary "$data")
    curl "${args[@]}" "$@" "$URL$path" || true # no answer: -w writes 000
}
body() { jq -r "$@" "$BODY"; }
error_of() { jq -r '.error | "\(.code): \(.message)"' "$BODY" 2>/dev/null || cat "$BODY"; }
expect() { # expect STATUS WHAT ACTUAL
    [[ $3 == "$1" ]] || die "$2: HTTP $3, expected $1 ($(error_of))"
}
pause() { sleep "$STEP_S"; }
now() { date +%s; }

# ---- Accounts: an OTP login, or the token kept from the last run while it has 2 min left ----
jwt_exp() { # the exp claim of a JWT (its payload is base64url without padding)
    local p
    p=$(cut -d. -f2 <<<"$1" | tr '_-' '/+')
    while ((${#p} % 4)); do p+='='; done
    base64 -d <<<"$p" 2>/dev/null | jq -r '.exp // 0' 2>/dev/null || echo 0
}
login() { # login PHONE ROLE: the access token on stdout
    local phone=$1 role=$2 file="$STATE_DIR/token.$2.${1#+}" token code st
    if [[ -s $file ]]; then
        token=$(<"$file")
        if (($(jwt_exp "$token") > $(now) + 120)); then
            echo "$token"
            return
        fi
    fi
    st=$(api "" POST /v1/auth/otp "{\"phone\":\"$phone\",\"role\":\"$role\"}")
    [[ $st == 429 ]] && die "$role $phone: too many OTP codes asked for (3 per 10 min): wait $(body '.error.retry_after_s // "a few minutes"') and run again"
    expect 202 "OTP for the $role" "$st"
    code=$(body '.dev_code // empty')
    [[ -n $code ]] || die "no dev_code in the OTP answer: the demo needs the stack in OF_ENV=dev (make run's default)"
    expect 200 "verify the $role's code" "$(api "" POST /v1/auth/verify \
        "{\"phone\":\"$phone\",\"code\":\"$code\",\"role\":\"$role\"}")"
    token=$(body .access_token)
    (umask 077 && printf '%s\n' "$token" >"$file")
    echo "$token"
}

# ---- The running stack ----
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz" || true)
[[ $st == 200 ]] || die "no gateway at $URL (HTTP $st): start the stack with 'make run' (or 'make up') first"
echo "orderflow demo against $URL"
echo

OWNER=$(login "$OWNER_PHONE" business)
CUSTOMER=$(login "$CUSTOMER_PHONE" customer)
for i in 0 1; do
    PARTNER_TOKENS[i]=$(login "${PARTNER_PHONES[i]}" partner)
done

# ---- The business: a new business and outlet each run, two items ----
RUN_TAG=$(date +%H%M%S)
expect 201 "create the business" "$(api "$OWNER" POST /v1/businesses '{"name":"Demo Kitchen Ltd"}')"
BIZ=$(body .id)
expect 201 "create the outlet" "$(api "$OWNER" POST "/v1/businesses/$BIZ/outlets" \
    "{\"name\":\"Demo Kitchen $RUN_TAG\",\"lat\":$OUTLET_LAT,\"lng\":$OUTLET_LNG,\"address\":\"1 Piccadilly, London\",\"approval_sla_s\":300}")"
OUTLET=$(body .id)
echo "business  Demo Kitchen Ltd ($BIZ), outlet 'Demo Kitchen $RUN_TAG' at $OUTLET_LAT,$OUTLET_LNG"

add_item() { # add_item SKU NAME PRICE STOCK: the item's id; inventory-svc learns the outlet from
    # business.outlet.created.v1, so the first attempts may find no such outlet yet
    local deadline=$(($(now) + 30)) st
    while :; do
        st=$(api "$OWNER" POST "/v1/outlets/$OUTLET/items" \
            "{\"sku\":\"$1\",\"name\":\"$2\",\"price_minor\":$3,\"currency\":\"GBP\",\"stock\":$4}")
        [[ $st == 201 ]] && break
        [[ $st == 404 || $st == 403 ]] && (($(now) < deadline)) || expect 201 "add $2" "$st"
        sleep 0.3
    done
    body .id
}
SOUP=$(add_item "SOUP-$RUN_TAG" "Tomato soup" 450 10)
BREAD=$(add_item "BREAD-$RUN_TAG" "Sourdough roll" 150 25)
echo "items     Tomato soup £4.50 (10 in stock), Sourdough roll £1.50 (25 in stock)"

# ---- Two partners online near the outlet ----
for i in 0 1; do
    st=$(api "${PARTNER_TOKENS[i]}" POST /v1/partners "{\"name\":\"${PARTNER_NAMES[i]}\",\"vehicle\":\"BIKE\"}")
    [[ $st == 201 || $st == 409 ]] || expect 201 "register partner ${PARTNER_NAMES[i]}" "$st"
    expect 200 "partner ${PARTNER_NAMES[i]} online" "$(api "${PARTNER_TOKENS[i]}" PUT /v1/partners/me/status \
        "{\"available\":true,\"lat\":${PARTNER_LAT[i]},\"lng\":${PARTNER_LNG[i]}}")"
done
# A run stopped half-way may have left a delivery with a demo partner: finish it first, so both
# are free for this run's order.
for i in 0 1; do
    expect 200 "${PARTNER_NAMES[i]}'s deliveries" "$(api "${PARTNER_TOKENS[i]}" GET "/v1/partners/me/deliveries?limit=20")"
    for d in $(body '.deliveries[] | select(.status == "OFFERED") | .id'); do
        api "${PARTNER_TOKENS[i]}" POST "/v1/deliveries/$d/reject" '{"reason":"demo restarted"}' >/dev/null
    done
    for d in $(body '.deliveries[] | select(.status == "ASSIGNED" or .status == "PICKED_UP") | .id'); do
        api "${PARTNER_TOKENS[i]}" POST "/v1/deliveries/$d/pickup" >/dev/null
        api "${PARTNER_TOKENS[i]}" POST "/v1/deliveries/$d/deliver" >/dev/null
    done
done
echo "partners  ${PARTNER_NAMES[0]} 250 m and ${PARTNER_NAMES[1]} 700 m from the outlet, online"

# ---- The customer and their address ----
expect 200 "the customer's addresses" "$(api "$CUSTOMER" GET /v1/me/addresses)"
ADDR=$(body '[.addresses[] | select(.label == "Demo home")][0].id // empty')
if [[ -z $ADDR ]]; then
    expect 201 "add the customer's address" "$(api "$CUSTOMER" POST /v1/me/addresses \
        "{\"label\":\"Demo home\",\"line1\":\"10 Downing St\",\"city\":\"London\",\"postcode\":\"SW1A 2AA\",\"lat\":$HOME_LAT,\"lng\":$HOME_LNG}")"
    ADDR=$(body .id)
fi
echo "customer  $CUSTOMER_PHONE, address 'Demo home' 1.5 km from the outlet"
echo

# ---- Orders ----
place() { # place TOKEN_OF_CARD LINES_JSON: the order's id; order-svc learns outlets and addresses
    # from events, so a brand-new outlet may be unknown to it for a moment
    local deadline=$(($(now) + 30)) st key
    key=$(cat /proc/sys/kernel/random/uuid)
    while :; do
        st=$(api "$CUSTOMER" POST /v1/orders \
            "{\"outlet_id\":\"$OUTLET\",\"address_id\":\"$ADDR\",\"items\":$2,\"payment\":{\"method\":\"CARD\",\"token\":\"$1\"}}" \
            -H "Idempotency-Key: $key")
        [[ $st == 202 ]] && break
        [[ $st == 404 ]] && (($(now) < deadline)) || expect 202 "place the order" "$st"
        sleep 0.3
    done
    body .order_id
}

# The timeline's new entries since the last call, one line each.
SHOWN=0
show_timeline() {
    local n
    n=$(body '.timeline | length')
    if ((n > SHOWN)); then
        jq -r --argjson from "$SHOWN" '.timeline[$from:][] |
            "  \(.at[11:23])  \(.event | . + " " * (32 - length))\(.from // "-") -> \(.to)" +
            (if .reason then "  (\(.reason))" else "" end)' "$BODY"
        SHOWN=$n
    fi
}

# Acts for whoever holds the order's next step: the owner approves a PLACED order, the partner
# offered its delivery accepts, then picks up and delivers. Each step once, a pause before each.
APPROVED_BY_OWNER=0
act() { # act ORDER STATUS
    local o=$1 s=$2 i d ds st
    case $s in
    PLACED)
        ((APPROVED_BY_OWNER)) && return
        api "$OWNER" GET "/v1/outlets/$OUTLET/orders?status=PENDING" >/dev/null
        [[ -n $(body --arg o "$o" '.orders[]? | select(.order_id == $o) | .order_id') ]] || return 0
        pause
        st=$(api "$OWNER" POST "/v1/outlets/$OUTLET/orders/$o/approve" '{"prep_time_min":10}')
        [[ $st == 200 || $st == 409 ]] || expect 200 "the owner approves" "$st"
        APPROVED_BY_OWNER=1
        echo "  ... the owner approved it (10 min to prepare)"
        ;;
    APPROVED | ASSIGNED | OUT_FOR_DELIVERY)
        for i in 0 1; do
            api "${PARTNER_TOKENS[i]}" GET "/v1/partners/me/deliveries?limit=5" >/dev/null
            d=$(body --arg o "$o" '[.deliveries[]? | select(.order_id == $o)][0] | "\(.id) \(.status)"')
            ds=${d#* } d=${d% *}
            case $ds in
            OFFERED) step "$i" "$d" accept "accepted the offer" ;;
            ASSIGNED) step "$i" "$d" pickup "picked it up" ;;
            PICKED_UP) step "$i" "$d" deliver "delivered it" ;;
            esac
        done
        ;;
    esac
}
step() { # step PARTNER DELIVERY ACTION WHAT: 409 means partner-svc's auto mode was first
    pause
    local st
    st=$(api "${PARTNER_TOKENS[$1]}" POST "/v1/deliveries/$2/$3")
    case $st in
    200) echo "  ... ${PARTNER_NAMES[$1]} $4" ;;
    409) ;;
    *) expect 200 "${PARTNER_NAMES[$1]}: $3" "$st" ;;
    esac
}

# follow ORDER FINAL: prints the timeline until the order is FINAL (or terminal), acting for the
# people on the way; the final status on stdout's last line is checked by the caller.
follow() {
    local o=$1 final=$2 deadline=$(($(now) + TIMEOUT_S)) s
    SHOWN=0 APPROVED_BY_OWNER=0
    while :; do
        expect 200 "read the order" "$(api "$CUSTOMER" GET "/v1/orders/$o")"
        show_timeline
        s=$(body .status)
        case $s in
        "$final") return 0 ;;
        DELIVERED | CANCELLED | REJECTED) die "order $o ended $s ($(body '.reason // "no reason"')), expected $final" ;;
        esac
        (($(now) < deadline)) || die "order $o is still $s after ${TIMEOUT_S}s, expected $final"
        act "$o" "$s"
        sleep 0.2
    done
}

notifications() { # notifications ORDER KIND: the customer's messages about it, oldest first,
    # once the one of KIND (the last one owed) is there
    local deadline=$(($(now) + 30))
    while :; do
        expect 200 "the notifications" "$(api "$CUSTOMER" GET "/v1/notifications?limit=50")"
        [[ -n $(body --arg o "$1" --arg k "$2" '.notifications[] | select(.order_id == $o and .event_type == $k) | .id') ]] && break
        (($(now) < deadline)) || die "order $1: no $2 notification after 30 s"
        sleep 0.3
    done
    jq -r --arg o "$1" '[.notifications[] | select(.order_id == $o)] | sort_by(.created_at)[] |
        "  \(.created_at[11:19])  \(.status | . + " " * (5 - length))  \(.body)"' "$BODY"
}

available() { # available ITEM: units on sale
    expect 200 "availability" "$(api "" GET "/v1/items/$1/availability")"
    body .available
}

echo "== Order 1: 2 x Tomato soup and 1 x Sourdough roll, paid with tok_ok"
ORDER1=$(place tok_ok "[{\"item_id\":\"$SOUP\",\"qty\":2},{\"item_id\":\"$BREAD\",\"qty\":1}]")
echo "order $ORDER1 placed (202); its timeline:"
follow "$ORDER1" DELIVERED
api "$CUSTOMER" GET "/v1/orders/$ORDER1" >/dev/null
TOTAL=$(body .total_minor)
printf 'order %s is DELIVERED, total %d.%02d %s\n' "$ORDER1" $((TOTAL / 100)) $((TOTAL % 100)) "$(body .currency)"
echo
echo "== What the customer was told"
# placed, approved, partner assigned, picked up, delivered (a step whose event came after the
# next step's is not told: nobody wants "picked up" after "delivered")
notifications "$ORDER1" order.delivered
echo
echo "== The receipt"
expect 200 "the receipt" "$(api "$CUSTOMER" GET "/v1/receipts/$ORDER1?format=text")"
sed 's/^/  /' "$BODY"
echo

echo "== Order 2: 1 x Tomato soup, paid with tok_decline"
SOUP_BEFORE=$(available "$SOUP")
ORDER2=$(place tok_decline "[{\"item_id\":\"$SOUP\",\"qty\":1}]")
echo "order $ORDER2 placed (202); its timeline:"
follow "$ORDER2" CANCELLED
api "$CUSTOMER" GET "/v1/orders/$ORDER2" >/dev/null
REASON=$(body '.reason // "?"')
[[ $REASON == PAYMENT_FAILED ]] || die "order $ORDER2 was cancelled for $REASON, expected PAYMENT_FAILED"
expect 200 "order 2's payments" "$(api "$CUSTOMER" GET "/v1/payments?order_id=$ORDER2")"
echo "order $ORDER2 is CANCELLED ($REASON); payment: $(body '[.payments[]? | "\(.status) \(.failure_reason // .decline_code // "")"] | join(", ")')"
# the stock the order reserved comes back with the cancel (inventory.released.v1)
deadline=$(($(now) + 30))
while SOUP_AFTER=$(available "$SOUP") && ((SOUP_AFTER != SOUP_BEFORE)); do
    (($(now) < deadline)) || die "Tomato soup: $SOUP_AFTER on sale after the cancel, $SOUP_BEFORE before it"
    sleep 0.3
done
echo "stock: Tomato soup $SOUP_BEFORE on sale before the order, $SOUP_AFTER after its cancel (reservation released)"
echo
echo "== What the customer was told"
# payment failed, order cancelled
notifications "$ORDER2" order.cancelled
echo

# For scripts that check the demo (tests/integration/demo.sh): what this run made.
cat >"$STATE_DIR/last.env" <<EOF
DEMO_OUTLET=$OUTLET
DEMO_ORDER_DELIVERED=$ORDER1
DEMO_ORDER_DECLINED=$ORDER2
DEMO_ITEM_SOUP=$SOUP
EOF
echo "demo done: $ORDER1 DELIVERED, $ORDER2 CANCELLED and compensated"
