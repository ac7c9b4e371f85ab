#!/usr/bin/env bash
# Malformed HTTP sent raw (bash /dev/tcp) to a daemon of the stack (customer-svc): each case of
# issue 7 section 3 that the daemon's request gate refuses is answered with its status, the JSON
# error shape and an X-Request-Id, exactly one answer, the connection closed; and the daemon
# serves the next normal request. The cases libmicrohttpd 0.9.75 answers itself before the gate
# can see them (HTML pages) are listed at the end as the gateway's to fix, and not sent here.
source "$(dirname "$0")/lib.sh"

SVC=customer-svc
PORT=$(svc_port "$SVC")
BASE="http://127.0.0.1:$PORT"
TOKEN=$(OF_JWT_PRIVATE_KEY="$OF_JWT_PRIVATE_KEY" "$OF_BIN_DIR/customer-token" --role customer \
  --sub "$(cat /proc/sys/kernel/random/uuid)")

send() { send_raw "$PORT" "$@"; }

# expect NAME STATUS CODE FORMAT...: the gate's answer to the request.
expect() {
  local name=$1 status=$2 code=$3
  shift 3
  send "$@"
  [ -s "$RAW_RESP" ] || fail "$name: no answer within 5 s"
  assert_eq "$(status_of)" "$status" "$name: status"
  assert_eq "$(grep -c '^HTTP/1\.[01] [0-9]' "$RAW_RESP")" 1 "$name: status lines in the answer"
  assert_eq "$(body_of | jq -r '.error.code')" "$code" "$name: error code"
  body_of | jq -e '.error.message | type == "string"' >/dev/null || fail "$name: no error message"
  [[ "$(head_of Content-Type)" == application/json* ]] || fail "$name: not JSON"
  [[ "$(head_of X-Request-Id)" =~ ^[0-9a-f]{32}$ ]] || fail "$name: no X-Request-Id"
  assert_eq "$(head_of Connection)" close "$name: Connection"
  assert_eq "$(http "$BASE/healthz")" 200 "$name: the next normal request"
  ok "$name: $status $code"
}

H='Host: test\r\n'
J='Content-Type: application/json\r\n'
OTP='POST /v1/auth/otp HTTP/1.1\r\n'

# A NUL byte truncated the path: /healthz\0/../x answered 200, /v1/me\0/addresses the profile.
expect "NUL in the path" 400 malformed_request 'GET /healthz\0/../x HTTP/1.1\r\n'"$H"'\r\n'
expect "NUL in an authenticated path" 400 malformed_request \
  'GET /v1/me\0/addresses HTTP/1.1\r\n'"$H"'Authorization: Bearer %s\r\n\r\n' "$TOKEN"

# Framing: two Content-Length (the first won), a malformed one next to a good one, a
# Transfer-Encoding other than chunked (no answer for 30 s), both framings at once.
body='{"phone":"+447700900123"}'
expect "two different Content-Length" 400 malformed_request \
  "$OTP$H$J"'Content-Length: 2\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body"
expect "two equal Content-Length" 400 malformed_request \
  "$OTP$H$J"'Content-Length: %d\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "${#body}" "$body"
expect "a malformed second Content-Length" 400 malformed_request \
  "$OTP$H$J"'Content-Length: %d\r\nContent-Length: abc\r\n\r\n%s' "${#body}" "$body"
expect "Transfer-Encoding: gzip, chunked" 400 malformed_request \
  "$OTP$H$J"'Transfer-Encoding: gzip, chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' "${#body}" "$body"
expect "Transfer-Encoding: identity" 400 malformed_request \
  "$OTP$H$J"'Transfer-Encoding: identity\r\n\r\n%s' "$body"
expect "two Transfer-Encoding" 400 malformed_request \
  "$OTP$H$J"'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
  "${#body}" "$body"
expect "Content-Length and Transfer-Encoding" 400 malformed_request \
  "$OTP$H$J"'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
  "${#body}" "$body"

# A body taken as JSON whatever its type; Host missing or twice; two Authorization headers.
expect "a text/plain body" 415 unsupported_media_type \
  "$OTP$H"'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body"
expect "a body without Content-Type" 415 unsupported_media_type \
  "$OTP$H"'Content-Length: %d\r\n\r\n%s' "${#body}" "$body"
expect "no Host" 400 malformed_request 'GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n'
expect "two Host" 400 malformed_request 'GET /healthz HTTP/1.1\r\n'"$H"'Host: other\r\n\r\n'
expect "two Authorization" 400 malformed_request \
  'GET /v1/me HTTP/1.1\r\n'"$H"'Authorization: Bearer %s\r\nAuthorization: Bearer x.y.z\r\n\r\n' \
  "$TOKEN"
expect "a space in the target" 400 malformed_request 'GET /healthz /x HTTP/1.1\r\n'"$H"'\r\n'
expect "whitespace before a colon" 400 malformed_request \
  'GET /healthz HTTP/1.1\r\n'"$H"'X-Test : 1\r\n\r\n'
expect "a control byte in a header" 400 malformed_request \
  'GET /healthz HTTP/1.1\r\n'"$H"'X-Test: a\001b\r\n\r\n'

# The JSON types still pass, parameters included.
send "$OTP$H"'Content-Type: application/json; charset=utf-8\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'
assert_eq "$(status_of)" 400 "application/json; charset=utf-8 reaches the handler"
assert_eq "$(body_of | jq -r .error.code)" missing_field "the handler's own answer"
ok "application/json; charset=utf-8: the handler answers (400 missing_field)"

# Only the gateway can fix these (docs/operations.md, "HTTP limits"; integration.gateway_malformed
# sends each through it): libmicrohttpd 0.9.75
# answers them before any callback of ours runs, with an HTML page and no X-Request-Id; for a
# malformed Content-Length it even sends the status line and headers twice.
for gw in "Content-Length: -1, abc or 2^64 alone (400/413 HTML, status line twice)" \
  "a request line or header too long (414/431 HTML)" \
  "HTTP/2.0 or HTTP/0.x in the request line (505 HTML)" \
  "a header line without a colon, a bad chunk size (400 HTML)" \
  "a NUL byte inside a header value (the value is cut at the NUL, unseen)" \
  "a folded (obs-fold) header line (merged into the name)"; do
  echo "skip - here; through the gateway in integration.gateway_malformed: $gw"
done
assert_eq "$(http "$BASE/readyz")" 200 "$SVC ready after the malformed requests"
