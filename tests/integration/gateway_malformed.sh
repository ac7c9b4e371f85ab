#!/usr/bin/env bash
# The malformed HTTP of issue 7 section 3 sent raw (bash /dev/tcp) through the gateway: every
# case is answered with a 4xx/5xx in the JSON error shape and an X-Request-Id, and none of those
# nginx refuses reaches a daemon (its access log line has no upstream). This includes what
# libmicrohttpd 0.9.75 answers itself with HTML (http_malformed.sh lists those as the gateway's):
# a malformed Content-Length alone, request lines and headers too long, HTTP/2.0 or 0.9 in the
# request line, header lines without a colon, bad chunk sizes, obs-fold. And what nginx itself
# would pass on as HTTP/1.1: HTTP/0.9, HTTP/1.0 without Host, HTTP/1.01 and 1.2, a fragment in
# the target. The few that nginx passes on (a body that is not JSON) get the daemon's own gate
# answer.
source "$(dirname "$0")/lib.sh"

GW_PORT=$OF_GATEWAY_PORT
TOKEN=$(OF_JWT_PRIVATE_KEY="$OF_JWT_PRIVATE_KEY" "$OF_BIN_DIR/customer-token" --role customer \
  --sub "$(cat /proc/sys/kernel/random/uuid)")

send() { send_raw "$GW_PORT" "$@"; }

# expect NAME STATUS CODE WHO FORMAT...: the answer to the request; WHO is "gateway" (refused by
# nginx, no upstream in the access log) or "daemon" (passed on, answered by the daemon's gate).
expect() {
  local name=$1 status=$2 code=$3 who=$4 id line upstream
  shift 4
  send "$@"
  [ -s "$RAW_RESP" ] || fail "$name: no answer within 5 s"
  assert_eq "$(status_of)" "$status" "$name: status"
  assert_eq "$(grep -c '^HTTP/1\.[01] [0-9]' "$RAW_RESP")" 1 "$name: status lines in the answer"
  assert_eq "$(body_of | jq -r '.error.code')" "$code" "$name: error code"
  body_of | jq -e '.error.message | type == "string"' >/dev/null || fail "$name: no error message"
  [[ "$(head_of Content-Type)" == application/json* ]] || fail "$name: not JSON"
  id=$(head_of X-Request-Id)
  [[ $id =~ ^[0-9a-f]{32}$ ]] || fail "$name: no X-Request-Id"
  line=$(gateway_log_line "$id") || fail "$name: no access log line for request $id"
  upstream=$(jq -r .upstream <<<"$line")
  if [ "$who" = gateway ]; then
    assert_eq "$upstream" "" "$name: reached a daemon"
  else
    [ -n "$upstream" ] || fail "$name: expected the daemon's answer, the gateway answered"
  fi
  ok "$name: $status $code ($who)"
}

H='Host: test\r\n'
J='Content-Type: application/json\r\n'
OTP='POST /v1/auth/otp HTTP/1.1\r\n'
body='{"phone":"+447700900123","role":"customer"}'

# The path: a NUL byte (raw or encoded), dot segments, encoded slashes, empty segments.
expect "NUL in the path" 400 malformed_request gateway 'GET /healthz\0/../x HTTP/1.1\r\n'"$H"'\r\n'
expect "NUL in an authenticated path" 400 malformed_request gateway \
  'GET /v1/me\0/addresses HTTP/1.1\r\n'"$H"'Authorization: Bearer %s\r\n\r\n' "$TOKEN"
expect "%%00 in the path" 400 malformed_request gateway 'GET /v1/me%%00/addresses HTTP/1.1\r\n'"$H"'\r\n'
expect "a dot-dot segment" 400 malformed_request gateway 'GET /v1/feed/../me HTTP/1.1\r\n'"$H"'\r\n'
expect "an encoded dot-dot segment" 400 malformed_request gateway \
  'GET /v1/feed/%%2e%%2e/me HTTP/1.1\r\n'"$H"'\r\n'
expect "an encoded slash" 400 malformed_request gateway 'GET /v1/me%%2faddresses HTTP/1.1\r\n'"$H"'\r\n'
expect "an empty segment" 400 malformed_request gateway 'GET /v1//me HTTP/1.1\r\n'"$H"'\r\n'
expect "a space in the target" 400 malformed_request gateway 'GET /healthz /x HTTP/1.1\r\n'"$H"'\r\n'
expect "a fragment in the target" 400 malformed_request gateway \
  'GET /.well-known/jwks.json#/x HTTP/1.1\r\n'"$H"'\r\n'
expect "a fragment in the query" 400 malformed_request gateway \
  'GET /v1/feed?radius_km=1#x HTTP/1.1\r\n'"$H"'\r\n'

# Framing: Content-Length twice, malformed, huge; Transfer-Encoding other than chunked; both.
expect "two different Content-Length" 400 malformed_request gateway \
  "$OTP$H$J"'Content-Length: 2\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body"
expect "two equal Content-Length" 400 malformed_request gateway \
  "$OTP$H$J"'Content-Length: %d\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "${#body}" "$body"
for cl in -1 abc 18446744073709551616 '1 2'; do
  expect "Content-Length: $cl" 400 malformed_request gateway \
    "$OTP$H$J"'Content-Length: %s\r\n\r\n%s' "$cl" "$body"
done
expect "Transfer-Encoding: gzip, chunked" 501 not_implemented gateway \
  "$OTP$H$J"'Transfer-Encoding: gzip, chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' "${#body}" "$body"
expect "Transfer-Encoding: identity" 501 not_implemented gateway \
  "$OTP$H$J"'Transfer-Encoding: identity\r\n\r\n%s' "$body"
expect "Content-Length and Transfer-Encoding" 400 malformed_request gateway \
  "$OTP$H$J"'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
  "${#body}" "$body"
expect "a bad chunk size" 400 malformed_request gateway \
  "$OTP$H$J"'Transfer-Encoding: chunked\r\n\r\nzz\r\n%s\r\n0\r\n\r\n' "$body"

# Host missing or twice; header lines nginx cannot read; lines and versions out of bounds.
expect "no Host" 400 malformed_request gateway 'GET /v1/feed HTTP/1.1\r\nAccept: */*\r\n\r\n'
expect "two Host" 400 malformed_request gateway 'GET /v1/feed HTTP/1.1\r\n'"$H"'Host: other\r\n\r\n'
expect "whitespace before a colon" 400 malformed_request gateway \
  'GET /v1/feed HTTP/1.1\r\n'"$H"'X-Test : 1\r\n\r\n'
expect "a header line without a colon" 400 malformed_request gateway \
  'GET /v1/feed HTTP/1.1\r\n'"$H"'no colon here\r\n\r\n'
expect "a folded (obs-fold) header line" 400 malformed_request gateway \
  'GET /v1/feed HTTP/1.1\r\n'"$H"'X-A: 1\r\n  folded\r\n\r\n'
expect "a NUL byte inside a header value" 400 malformed_request gateway \
  'GET /v1/feed HTTP/1.1\r\n'"$H"'X-A: a\0b\r\n\r\n'
expect "HTTP/2.0 in the request line" 505 http_version_not_supported gateway \
  'GET /v1/feed HTTP/2.0\r\n'"$H"'\r\n'
expect "HTTP/9.9 in the request line" 505 http_version_not_supported gateway \
  'GET /v1/feed HTTP/9.9\r\n'"$H"'\r\n'
expect "HTTP/0.9 in the request line" 400 malformed_request gateway \
  'GET /v1/feed HTTP/0.9\r\n'"$H"'\r\n'
expect "HTTP/1.01 in the request line" 400 malformed_request gateway \
  'GET /.well-known/jwks.json HTTP/1.01\r\n'"$H"'\r\n'
expect "HTTP/1.1000 in the request line" 400 malformed_request gateway \
  'GET /.well-known/jwks.json HTTP/1.1000\r\n'"$H"'\r\n'
expect "HTTP/1.2 in the request line" 505 http_version_not_supported gateway \
  'GET /.well-known/jwks.json HTTP/1.2\r\n'"$H"'\r\n'
expect "HTTP/1.0 without Host" 400 malformed_request gateway \
  'GET /.well-known/jwks.json HTTP/1.0\r\n\r\n'
expect "HTTP/1.0 without Host, its target in absolute form" 400 malformed_request gateway \
  'GET http://test/.well-known/jwks.json HTTP/1.0\r\n\r\n'
expect "HTTP/1.0 with an empty Host" 400 malformed_request gateway \
  'GET /.well-known/jwks.json HTTP/1.0\r\nHost: \r\n\r\n'
expect "HTTP/1.0 with Transfer-Encoding" 400 malformed_request gateway \
  'POST /v1/auth/otp HTTP/1.0\r\n'"$H$J"'Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
  "${#body}" "$body"
expect "not HTTP at all" 400 malformed_request gateway 'GARBAGE\r\n\r\n'

# An HTTP/0.9 request (a request line without a version, no headers): nginx answers it without
# a status line or headers, so the answer is the bare JSON body and the access log, found by the
# request's unique path, says it went nowhere.
path="/v1/feed-h09-$RANDOM$RANDOM"
send 'GET %s\r\n' "$path"
assert_eq "$(jq -r .error.code "$RAW_RESP" 2>/dev/null)" malformed_request "HTTP/0.9: the answer"
line=
for _ in $(seq 50); do
  line=$(grep -F "\"path\":\"$path\"" "$OF_STACK_DIR/logs/gateway.access.log" || true)
  [ -n "$line" ] && break
  sleep 0.1
done
[ -n "$line" ] || fail "HTTP/0.9: no access log line for $path"
assert_eq "$(jq -r '"\(.status) \(.upstream)"' <<<"$line")" "400 " "HTTP/0.9: status and upstream"
ok "an HTTP/0.9 request: 400 malformed_request (a bare JSON body), not passed on"

# HTTP/1.0 with a Host is served, as HTTP/1.1 to the daemon.
send 'GET /.well-known/jwks.json HTTP/1.0\r\n'"$H"'\r\n'
assert_eq "$(status_of)" 200 "HTTP/1.0 with a Host"
body_of | jq -e '.keys | length > 0' >/dev/null || fail "HTTP/1.0 with a Host: no key set"
ok "an HTTP/1.0 request with a Host is served"
long=$(head -c 9000 /dev/zero | tr '\0' a)
expect "a request line too long" 414 uri_too_long gateway 'GET /v1/feed?q=%s HTTP/1.1\r\n'"$H"'\r\n' "$long"
expect "a header too long" 431 header_too_large gateway 'GET /v1/feed HTTP/1.1\r\n'"$H"'X-A: %s\r\n\r\n' "$long"

expect "two Authorization" 400 malformed_request gateway \
  'GET /v1/me HTTP/1.1\r\n'"$H"'Authorization: Bearer %s\r\nAuthorization: Bearer x.y.z\r\n\r\n' \
  "$TOKEN"

# Passed on, re-framed by nginx: the daemon's gate answers.
expect "a text/plain body" 415 unsupported_media_type daemon \
  "$OTP$H"'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body"

# A header with an underscore is dropped (some servers read it as a dash): it cannot smuggle an
# X-Forwarded-For past the gateway.
send 'GET /v1/me HTTP/1.1\r\n'"$H"'Connection: close\r\nAuthorization: Bearer %s\r\nX_Forwarded_For: 6.6.6.6\r\n\r\n' "$TOKEN"
assert_eq "$(status_of)" 404 "underscore header: the daemon answers (no account yet)"
ok "a header with an underscore is dropped, the request served"

assert_eq "$(http "$OF_GATEWAY_URL/healthz")" 200 "the gateway after the malformed requests"
assert_eq "$(http "$OF_GATEWAY_URL/.well-known/jwks.json")" 200 "a route after the malformed requests"
ok "the gateway and customer-svc serve normal requests after all of them"
