# Shared helpers of the integration scenarios: the private stack's addresses, assertions and
# waiting. Sourced by every test; the stack itself is started by stack_fixture.sh.
set -euo pipefail

: "${OF_REPO:?run through ctest}" "${OF_BUILD_DIR:?}" "${OF_ITEST_DIR:?}"
[ -f "$OF_ITEST_DIR/env" ] || { echo "FAIL: the test stack is not up ($OF_ITEST_DIR/env)" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
source "$OF_ITEST_DIR/env"
set +a

STACK="$OF_REPO/scripts/stack.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# The service table of the stack, as scripts/stack.sh builds it from the daemons of the build
# and their --describe: SERVICES, PORTS, ROLES, SCHEMAS, index for index, in build order.
SERVICES=() PORTS=() ROLES=() SCHEMAS=()
svc_table=$("$STACK" services) || fail "scripts/stack.sh services failed"
while read -r name port role schema; do
  SERVICES+=("$name") PORTS+=("$port") ROLES+=("$role") SCHEMAS+=("$schema")
done <<<"$svc_table"
unset svc_table name port role schema
[ "${#SERVICES[@]}" -gt 0 ] && [ -n "${SCHEMAS[-1]}" ] || fail "scripts/stack.sh services listed no service"

# The HTTP port of a service in the stack: by index (0-based, order as in SERVICES) or by name.
svc_port() {
  local i
  for i in "${!SERVICES[@]}"; do
    [[ $1 == "$i" || $1 == "${SERVICES[$i]}" ]] && { echo "${PORTS[$i]}"; return 0; }
  done
  fail "no service $1 in the stack"
}

# describe NAME: the built daemon's --describe (one JSON object), checked to be JSON.
describe() {
  local out
  out=$("$OF_BIN_DIR/$1" --describe </dev/null) || fail "$1 --describe exited with status $?"
  jq -e 'type == "object"' >/dev/null <<<"$out" || fail "$1 --describe did not print a JSON object"
  printf '%s\n' "$out"
}

# Events as their producers write them, for scenarios that play another daemon's part with kcat.
TRACE=4bf92f3577b34da6a3ce929d0e0e4736
newid() { cat /proc/sys/kernel/random/uuid; }
now_ts() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
# envelope TOPIC KEY DATA [EVENT_ID] [PRODUCER]: one envelope as its producer (order-svc unless
# named) would write it, in trace TRACE, correlated by KEY.
envelope() {
  jq -cn --arg id "${4:-$(newid)}" --arg type "${1%.v1}" --arg at "$(now_ts)" --arg key "$2" \
    --arg producer "${5:-order-svc}" --arg trace "$TRACE" --argjson data "$3" \
    '{event_id: $id, event_type: $type, event_version: 1, occurred_at: $at, producer: $producer,
      trace_id: $trace, correlation_id: $key, causation_id: "", data: $data}'
}
# produce_record TOPIC KEY RECORD: one record, as it is, with kcat.
produce_record() {
  printf '%s|%s\n' "$2" "$3" | kcat -b "127.0.0.1:$OF_KAFKA_PORT" -P -t "$1" -K'|' || fail "kcat could not produce to $1"
}
# produce TOPIC KEY DATA [EVENT_ID] [PRODUCER]: the envelope of DATA, produced; prints its event_id.
produce() {
  local env
  env=$(envelope "$@")
  produce_record "$1" "$2" "$env"
  jq -r .event_id <<<"$env"
}

# HTTP status of a request; the body goes to $BODY_FILE.
BODY_FILE=$(mktemp)
HEADERS_FILE=$(mktemp)
RAW_REQ=$(mktemp)
RAW_RESP=$(mktemp)
trap 'rm -f "$BODY_FILE" "$HEADERS_FILE" "$RAW_REQ" "$RAW_RESP"' EXIT
http() { curl -s -m 10 -o "$BODY_FILE" -D "$HEADERS_FILE" -w '%{http_code}' "$@"; }
header() { grep -i "^$1:" "$HEADERS_FILE" | head -n1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }

# Raw HTTP, for what curl will not send. send_raw PORT FORMAT...: the request (a printf format:
# \r, \n and \0 as escapes) on a new connection to 127.0.0.1:PORT; the whole answer, until the
# server closes or 5 s pass, lands in $RAW_RESP. status_of, head_of NAME and body_of read it.
send_raw() {
  local port=$1
  shift
  # shellcheck disable=SC2059
  printf "$@" >"$RAW_REQ"
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && cat "$2" >&3 && cat <&3' _ "$port" "$RAW_REQ" \
    >"$RAW_RESP" 2>/dev/null || true
}
status_of() { head -c 200 "$RAW_RESP" | sed -n '1s/^HTTP\/1\.1 \([0-9][0-9][0-9]\).*/\1/p'; }
head_of() { sed -n '1,/^\r$/p' "$RAW_RESP" | grep -i "^$1:" | head -n1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
body_of() { sed '1,/^\r$/d' "$RAW_RESP"; }

# gateway_log_line ID [ACCESS_LOG]: the gateway's access log line of request ID (nginx writes it
# when the request ends, which may be just after the client has the answer); 1 after 5 s.
gateway_log_line() {
  local line log=${2:-$OF_STACK_DIR/logs/gateway.access.log}
  for _ in $(seq 50); do
    line=$(grep -F "\"request_id\":\"$1\"" "$log" | tail -n 1 || true)
    [ -n "$line" ] && { printf '%s\n' "$line"; return 0; }
    sleep 0.1
  done
  return 1
}

assert_eq() { [ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"; }

psql_admin() { psql "$OF_PG_ADMIN_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
psql_as() { psql "postgresql://$1@127.0.0.1:$OF_PG_PORT/orderflow" -X -q -A -t -v ON_ERROR_STOP=1 -c "$2"; }

# wait_until SECONDS COMMAND...: retries COMMAND every 0.2 s until it succeeds or time runs out.
wait_until() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

stack() { "$STACK" "$@"; }

# The value of one series in Prometheus text, e.g. metric_value 8089 'events_retried_total{topic="x"}'.
metric_value() {
  curl -s -m 5 "http://127.0.0.1:$1/metrics" | awk -v s="$2" 'index($0, s " ") == 1 { print $2; f=1 } END { if (!f) print 0 }'
}

# Validates the Prometheus text exposition format line by line; prints offending lines.
metrics_lint() {
  awk '
    /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
    /^$/ { next }
    /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$/ { next }
    { print "bad line: " $0; bad = 1 }
    END { exit bad }'
}

# Waits until every service answers /readyz 200 (e.g. after Redis was restarted: clients fail
# fast for a second after an error, then reconnect).
wait_all_ready() {
  local i port
  for i in "${!SERVICES[@]}"; do
    port=$(svc_port "$i")
    wait_until 20 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/readyz)\" = 200 ]" ||
      fail "${SERVICES[$i]} is not ready"
  done
}

# The validator of the OpenAPI checks: the jsonschema command of Debian's python3-jsonschema
# (scripts/deps.sh installs it), else whichever jsonschema is on PATH.
JSONSCHEMA=/usr/bin/jsonschema
[ -x "$JSONSCHEMA" ] || JSONSCHEMA=jsonschema

# schema_valid SPEC POINTER: reads one JSON value a line on stdin and prints "valid" or
# "invalid" for each, in order, against the schema at POINTER (a JSON pointer into the YAML
# document SPEC, ~0 and ~1 escaped: /components/schemas/ProfilePatch,
# /paths/~1v1~1feed/get/parameters/3/schema), its $refs resolved, as JSON Schema draft 4 (what
# OpenAPI 3.0 schemas are based on). With POINTER "" SPEC is itself a JSON Schema document (a
# docs/events/<topic>.schema.json), read as its own "$schema" says. One jsonschema run for all
# the lines; fails when it gives no verdict on one (a pointer that resolves to nothing, a line
# that is not JSON).
schema_valid() {
  local spec=$1 pointer=$2 dir json line out i n=0
  local -a inst=()
  mkdir -p "$OF_ITEST_DIR/schema"
  # The YAML as JSON, converted once per version of the document.
  json="$OF_ITEST_DIR/schema/$(basename "$spec").json"
  if ! [ "$json" -nt "$spec" ]; then
    yq . "$spec" >"$json.$$" || fail "yq cannot read $spec"
    mv -f "$json.$$" "$json"
  fi
  dir=$(mktemp -d "$OF_ITEST_DIR/schema/run.XXXXXX")
  if [ -z "$pointer" ]; then
    jq -e 'type == "object"' "$spec" >/dev/null || fail "$spec is not a JSON Schema document"
    cp "$spec" "$dir/schema.json"
  else
    jq --arg ref "#$pointer" \
      '{"$schema": "http://json-schema.org/draft-04/schema#", "$ref": $ref, components, paths}' \
      "$json" >"$dir/schema.json" || fail "cannot build the schema document of $pointer"
  fi
  while IFS= read -r line; do
    [[ -n ${line//[[:space:]]/} ]] || continue
    n=$((n + 1))
    printf '%s\n' "$line" >"$dir/$n.json"
    inst+=(-i "$dir/$n.json")
  done
  ((n > 0)) || { rm -rf "$dir"; return 0; }
  # Exit status 1 when any instance is invalid: the verdicts are read from the pretty output,
  # one ===[SUCCESS]=== or ===[ValidationError]=== header per instance.
  out=$("$JSONSCHEMA" -o pretty "${inst[@]}" "$dir/schema.json" 2>&1) || true
  for ((i = 1; i <= n; i++)); do
    if grep -qxF "===[SUCCESS]===($dir/$i.json)===" <<<"$out"; then
      echo valid
    elif grep -qxF "===[ValidationError]===($dir/$i.json)===" <<<"$out"; then
      echo invalid
    else
      rm -rf "$dir"
      fail "jsonschema gave no verdict on line $i against $pointer of $spec: $out"
    fi
  done
  rm -rf "$dir"
}

# openapi_check SPEC: SPEC is a valid OpenAPI document by openapi-spec-validator (a pip tool,
# not a Debian package) when it is on PATH; prints a skip line otherwise. The document's patterns
# are not compared across regex engines: they avoid `$` (which Python's re also matches before a
# final newline) and end with `(?![\s\S])` where they anchor the end, which ECMA-262 and
# Python's re read alike.
openapi_check() {
  if ! command -v openapi-spec-validator >/dev/null 2>&1; then
    echo "skip - openapi-spec-validator is not on PATH: the structure of $1 is not checked"
    return 0
  fi
  local out
  out=$(openapi-spec-validator "$1" 2>&1) || fail "openapi-spec-validator refuses $1: $out"
}

# openapi_routes_check SVC SPEC: the OpenAPI document SPEC describes exactly the routes of SVC's
# route table (method and pattern, from `SVC --describe`), and its Error schema's code enum lists
# exactly the codes of the API error table.
openapi_routes_check() {
  local svc=$1 spec=$2 desc routes documented codes
  desc=$(describe "$svc")
  routes=$(jq -r '.routes[] | "\(.method) \(.pattern)"' <<<"$desc" | sort)
  documented=$(yq -r '.paths | to_entries[] | .key as $p | .value | keys[]
    | select(. != "parameters") | "\(ascii_upcase) \($p)"' "$spec" | sort)
  assert_eq "$documented" "$routes" "$(basename "$spec"): OpenAPI paths vs the route table of $svc"
  codes=$(jq -r '.errors[].code' <<<"$desc" | sort)
  documented=$(yq -r '.components.schemas.Error.properties.error.properties.code.enum[]' "$spec" | sort)
  assert_eq "$documented" "$codes" "$(basename "$spec"): OpenAPI error codes vs the API error table"
}
