#!/usr/bin/env bash
# Bearer tokens on a route that declares roles (probe-svc's GET /v1/probe/whoami, for customers
# and admins), verified by the shared HTTP layer with the stack's public key; and a rate limit
# counted in Redis with RateLimit-* headers. Every attack is a 401 and crashes nothing.
source "$(dirname "$0")/lib.sh"

PORT=$OF_PROBE_PORT
URL="http://127.0.0.1:$PORT/v1/probe/whoami"
MINT="$OF_BIN_DIR/customer-token"
OF_MIGRATIONS_DIR="$OF_REPO/tests/integration/probe/migrations" \
  stack daemon-start probe-svc "$OF_BIN_DIR/probe-svc" "$PORT" probe_svc >/dev/null
trap 'stack daemon-stop probe-svc >/dev/null 2>&1 || true; rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
mint() { OF_JWT_PRIVATE_KEY="$OF_JWT_PRIVATE_KEY" "$MINT" "$@"; }
# expect_401 NAME TOKEN: the token is refused with a Bearer challenge.
expect_401() {
  local code
  code=$(http -H "Authorization: Bearer $2" "$URL")
  assert_eq "$code" 401 "$1"
  [[ "$(header WWW-Authenticate)" == Bearer* ]] || fail "$1: no WWW-Authenticate: Bearer"
}

sub=$(cat /proc/sys/kernel/random/uuid)
now=$(date +%s)
good=$(mint --role customer --sub "$sub")
assert_eq "$(http -H "Authorization: Bearer $good" "$URL")" 200 "a customer token"
assert_eq "$(jq -r .sub "$BODY_FILE")/$(jq -r .role "$BODY_FILE")" "$sub/customer" "the principal"
assert_eq "$(http -H "Authorization: Bearer $(mint --role admin)" "$URL")" 200 "an admin token"
assert_eq "$(http -H "Authorization: Bearer $(mint --role partner)" "$URL")" 403 "a partner token"
assert_eq "$(jq -r .error.code "$BODY_FILE")" forbidden "403 error code"
assert_eq "$(http "$URL")" 401 "no token"
[[ "$(header WWW-Authenticate)" == Bearer* ]] || fail "no token: no WWW-Authenticate: Bearer"
assert_eq "$(http -H "Authorization: Basic dXNlcjpwYXNz" "$URL")" 401 "Basic credentials"
ok "roles: customer and admin pass, partner 403, no token 401 with a Bearer challenge"

IFS=. read -r h p s <<<"$good"
claims() { printf '{"sub":"%s","role":"%s","iat":%s,"exp":%s,"iss":"orderflow"}' "$sub" "$1" "$now" $((now + 900)); }
none_header=$(printf '{"alg":"none","typ":"JWT","kid":"orderflow-1"}' | b64url)
expect_401 "alg none" "$none_header.$(claims admin | b64url)."
hs_header=$(printf '{"alg":"HS256","typ":"JWT","kid":"orderflow-1"}' | b64url)
hs_body=$(claims admin | b64url)
hs_sig=$(printf '%s.%s' "$hs_header" "$hs_body" |
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(od -An -tx1 -v "$OF_JWT_PUBLIC_KEY" | tr -d ' \n')" -binary | b64url)
expect_401 "HS256 signed with the public key" "$hs_header.$hs_body.$hs_sig"
expect_401 "expired" "$(mint --role customer --issued-at $((now - 7200)) --ttl 600)"
expect_401 "iat in the future" "$(mint --role customer --issued-at $((now + 3600)))"
expect_401 "wrong iss" "$(OF_JWT_ISSUER=someone-else mint --role customer)"
expect_401 "unknown kid" "$(OF_JWT_KID=another-key mint --role customer)"
expect_401 "tampered payload" "$h.$(claims admin | b64url).$s"
expect_401 "truncated" "${good:0:$((${#good} - 12))}"
expect_401 "garbage base64" "%%%.@@@.!!!"
expect_401 "two parts" "$h.$p"
big=$(head -c 34000 /dev/zero | tr '\0' 'A')
big_header="$OF_ITEST_DIR/big-token.header"
printf 'Authorization: Bearer %s.%s.%s\n' "$big" "$big" "$big" >"$big_header"
code=$(http -H "@$big_header" "$URL")
rm -f "$big_header"
[[ $code == 401 || $code == 431 || $code == 413 || $code == 400 ]] || fail "a 100 KB token: $code"
assert_eq "$(http "http://127.0.0.1:$PORT/healthz")" 200 "alive after the attacks"
ok "alg none, HS256 with the public key, expired, future iat, wrong iss, unknown kid, tampered, truncated, garbage, 100 KB: all refused"

# Tokens that need the private key: signed here with openssl over exact bytes (so duplicate
# members survive), the signature turned from DER into JWS r || s, low-S as auth_sign makes it.
P256_N=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# sig_raw: DER ECDSA signature on stdin -> base64url r || s, s low (min(s, n - s)) as auth_sign
# makes it, or its high-S twin n - s when $1 is "high". openssl asn1parse prints the two INTEGERs
# in hex, bc does the 256-bit arithmetic, r and s are zero-padded to 32 bytes each.
sig_raw() {
  local r s hex high=0
  [[ $1 != high ]] || high=1
  { read -r r && read -r s; } < <(openssl asn1parse -inform DER | awk -F: '/prim: INTEGER/ { print $NF }') ||
    fail "sig_raw: no two INTEGERs in the DER signature"
  s=$(BC_LINE_LENGTH=0 bc <<<"obase=16; ibase=16; n = ${P256_N#0x}; s = $s; h = $high
    if (n - s < s) s = n - s
    if (h) s = n - s
    s")
  [[ ${#r} -le 64 && ${#s} -le 64 && $r$s =~ ^[0-9A-F]+$ ]] || fail "sig_raw: r '$r', s '$s'"
  hex=$(printf '%64s%64s' "$r" "$s" | tr ' ' 0)
  printf '%b' "$(sed 's/../\\x&/g' <<<"$hex")" | basenc --base64url -w0 | tr -d =
}
# es256 HEADER_JSON CLAIMS_JSON [high]: a compact token signed with the stack's private key.
es256() {
  local input
  input="$(printf '%s' "$1" | b64url).$(printf '%s' "$2" | b64url)"
  printf '%s.%s' "$input" "$(printf '%s' "$input" | openssl dgst -sha256 -sign "$OF_JWT_PRIVATE_KEY" | sig_raw "${3:-low}")"
}
b64url_json() { # BASE64URL (unpadded) -> the text it encodes
  local s=$1
  while ((${#s} % 4)); do s+="="; done
  basenc -d --base64url <<<"$s"
  echo
}
kid=$(b64url_json "$h" | jq -r .kid)
iss=$(b64url_json "$p" | jq -r .iss)
HDR="{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"$kid\"}"
body() { printf '{"sub":"%s","role":"customer","iat":%s,"exp":%s,"iss":"%s"%s}' "$sub" "$1" "$2" "$iss" "${3:-}"; }
assert_eq "$(http -H "Authorization: Bearer $(es256 "$HDR" "$(body "$now" $((now + 900)))")" "$URL")" 200 "control: a token signed here"
assert_eq "$(jq -r .role "$BODY_FILE")" customer "control: its role"
expect_401 "the high-S twin of a valid signature" "$(es256 "$HDR" "$(body "$now" $((now + 900)))" high)"
expect_401 "duplicate role (customer, then admin)" "$(es256 "$HDR" "$(body "$now" $((now + 900)) ',"role":"admin"')")"
expect_401 "duplicate kid header" "$(es256 "{\"alg\":\"ES256\",\"kid\":\"other\",\"kid\":\"$kid\"}" "$(body "$now" $((now + 900)))")"
expect_401 "exp 2^63 - 1" "$(es256 "$HDR" "$(body "$now" 9223372036854775807)")"
expect_401 "iat -1" "$(es256 "$HDR" "$(body -1 $((now + 900)))")"
expect_401 "a lifetime over 24 h" "$(es256 "$HDR" "$(body "$now" $((now + 86401)))")"
assert_eq "$(http -H "Authorization: Bearer $(es256 "$HDR" "$(body "$now" $((now + 86400)))")" "$URL")" 200 "a lifetime of exactly 24 h"
ok "with the private key: high-S twin, duplicate role, duplicate kid, exp 2^63 - 1, iat -1, lifetime over 24 h: all refused"

# Rate limit: 3 per 10 s per key, then 429 with Retry-After; Redis down: 503, fail closed.
key="itest-$RANDOM$RANDOM"
for left in 2 1 0; do
  assert_eq "$(http -X POST -H "X-Probe-Key: $key" "http://127.0.0.1:$PORT/v1/probe/limited")" 200 "request under the limit"
  assert_eq "$(header RateLimit-Remaining)" "$left" "RateLimit-Remaining"
  assert_eq "$(header RateLimit-Limit)" 3 "RateLimit-Limit"
done
assert_eq "$(http -X POST -H "X-Probe-Key: $key" "http://127.0.0.1:$PORT/v1/probe/limited")" 429 "over the limit"
retry=$(header Retry-After)
((retry >= 1 && retry <= 10)) || fail "Retry-After $retry"
assert_eq "$(jq -r .error.code "$BODY_FILE")" rate_limited "429 error code"
redis-cli -p "$OF_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
assert_eq "$(http -X POST -H "X-Probe-Key: other-$key" "http://127.0.0.1:$PORT/v1/probe/limited")" 503 "Redis down"
assert_eq "$(http -H "Authorization: Bearer $good" "$URL")" 200 "tokens still verify with Redis down"
stack infra-up >/dev/null
wait_all_ready
ok "rate limit: RateLimit headers, 429 with Retry-After, 503 with Redis down while tokens still verify"
