#!/usr/bin/env bash
# The daemons: ready, health, metrics, the HTTP conventions every route shares, --help and
# --version, --describe agreeing with the running stack, a bad setting refused by name, and a
# graceful stop on SIGTERM within 5 seconds.
source "$(dirname "$0")/lib.sh"

for i in "${!SERVICES[@]}"; do
  svc=${SERVICES[$i]} port=$(svc_port "$i")
  code=$(http "http://127.0.0.1:$port/healthz"); assert_eq "$code" 200 "$svc /healthz"
  code=$(http "http://127.0.0.1:$port/readyz"); assert_eq "$code" 200 "$svc /readyz"
  for dep in postgres migrations kafka redis relay consumer; do
    assert_eq "$(jq -r ".$dep" "$BODY_FILE")" ok "$svc /readyz $dep"
  done

  # Unknown path: 404 in the one error shape; a request id is generated and sent back.
  code=$(http "http://127.0.0.1:$port/v1/no-such-thing"); assert_eq "$code" 404 "$svc unknown path"
  assert_eq "$(jq -r .error.code "$BODY_FILE")" not_found "$svc 404 error code"
  [ -n "$(header X-Request-Id)" ] || fail "$svc: no X-Request-Id generated"
  # Wrong method: 405 with Allow. A sane X-Request-Id is echoed.
  code=$(http -X POST -H 'X-Request-Id: itest-42' "http://127.0.0.1:$port/healthz")
  assert_eq "$code" 405 "$svc POST /healthz"
  assert_eq "$(jq -r .error.code "$BODY_FILE")" method_not_allowed "$svc 405 error code"
  [[ "$(header Allow)" == *GET* ]] || fail "$svc: 405 without Allow: GET"
  assert_eq "$(header X-Request-Id)" itest-42 "$svc X-Request-Id echo"

  # /metrics is valid exposition text and counts the requests above.
  code=$(http "http://127.0.0.1:$port/metrics"); assert_eq "$code" 200 "$svc /metrics"
  [[ "$(header Content-Type)" == text/plain* ]] || fail "$svc /metrics content type"
  metrics_lint <"$BODY_FILE" || fail "$svc /metrics does not parse"
  grep -q '^http_requests_total{.*status="404"' "$BODY_FILE" || fail "$svc: 404 not counted"
  grep -q '^http_request_duration_seconds_bucket{' "$BODY_FILE" || fail "$svc: no latency histogram"
  grep -q "^orderflow_build_info{service=\"$svc\"" "$BODY_FILE" || fail "$svc: no build info"
  ok "$svc ready, healthy, metrics parse, 404/405 shapes, request ids"
done

# --describe is one JSON object per daemon, and what it says is what the running stack uses: the
# port the daemon was started on (OF_HTTP_PORT_BASE + default_port - 8080) and answers on, the role
# it connects as, the schema its migrations went into, the name and version in /metrics.
for i in "${!SERVICES[@]}"; do
  svc=${SERVICES[$i]}
  desc=$(describe "$svc")
  jq -e --arg s "$svc" '.name == $s and (.version | type) == "string"
      and (.default_port | type) == "number" and ([.schema, .role, .migrations] | map(type))
      == ["string", "string", "string"] and ([.produces, .consumes, .routes, .settings]
      | map(type)) == ["array", "array", "array", "array"]' <<<"$desc" >/dev/null ||
    fail "$svc --describe: not the documented shape: $desc"
  IFS=$'\t' read -r dport role schema migrations version < <(jq -r \
    '[.default_port, .role, .schema, .migrations, .version] | map(tostring) | @tsv' <<<"$desc")
  port=$((OF_HTTP_PORT_BASE + dport - 8080))
  assert_eq "${PORTS[$i]}/${ROLES[$i]}/${SCHEMAS[$i]}" "$port/$role/$schema" "$svc in the stack's table"
  assert_eq "$(jq -r '.settings[] | select(.name == "OF_HTTP_PORT") | .default' <<<"$desc")" "$dport" \
    "$svc --describe: OF_HTTP_PORT's default"
  pid=$(cat "$OF_STACK_DIR/pids/$svc.pid") || fail "$svc: no pid file"
  started_env=$(tr '\0' '\n' <"/proc/$pid/environ") || fail "$svc: cannot read the environment of pid $pid"
  assert_eq "$(sed -n 's/^OF_HTTP_PORT=//p' <<<"$started_env")" "$port" "$svc: OF_HTTP_PORT it runs with"
  code=$(http "http://127.0.0.1:$port/metrics"); assert_eq "$code" 200 "$svc /metrics on port $port"
  grep -q "^orderflow_build_info{service=\"$svc\",version=\"$version\"} 1" "$BODY_FILE" ||
    fail "$svc on port $port does not report service $svc version $version"
  url=$(sed -n 's/^OF_DATABASE_URL=//p' <<<"$started_env")
  [[ $url == postgresql://"$role"@* ]] || fail "$svc runs with OF_DATABASE_URL=$url, not as $role"
  files=$(find "$OF_REPO/migrations/$migrations/" -maxdepth 1 -name '[0-9]*.sql' | wc -l)
  [ "$files" -gt 0 ] || fail "$svc: no migrations in migrations/$migrations"
  assert_eq "$(psql_as "$role" "SELECT count(*) FROM $schema.schema_migrations")" "$files" \
    "$svc: migrations of migrations/$migrations recorded in $schema, read as $role"
  ok "$svc --describe: JSON; port $port, role $role, schema $schema as the stack runs it"
done
# The stack runs exactly the daemons the build lists (the foreach of CMakeLists.txt).
built=$(grep . "$OF_BUILD_DIR/services.list" | sort)
running=$(stack status | awk 'NR > 1 && $2 == "running" { print $1 }' |
  grep -vxE 'postgres|redis|kafka|gateway|probe-svc' | sort)
assert_eq "$running" "$built" "the daemons the stack runs vs services.list"
ok "the stack runs the $(wc -l <<<"$built") daemons of services.list"

bin="$OF_BIN_DIR/order-svc"
# --help lists every setting with its default; --version prints the version.
help=$("$bin" --help)
for var in OF_HTTP_PORT OF_DATABASE_URL OF_KAFKA_BROKERS OF_REDIS_HOST OF_LOG_LEVEL OF_OUTBOX_BATCH; do
  grep -q "$var" <<<"$help" || fail "--help does not list $var"
done
grep -q '8081' <<<"$help" || fail "--help does not show order-svc's default port"
"$bin" --version | grep -Eq '^order-svc [0-9]+\.[0-9]+\.[0-9]+' || fail "--version"
ok "--help lists the settings, --version"

# A bad value stops start-up with exit status 2 and a message naming the variable.
for bad in OF_HTTP_PORT=abc OF_HTTP_PORT=70000 OF_LOG_LEVEL=loud OF_DB_POOL_SIZE=0; do
  set +e
  out=$(env "$bad" "$bin" 2>&1 </dev/null)
  rc=$?
  set -e
  assert_eq "$rc" 2 "exit status with $bad"
  grep -q "${bad%%=*}" <<<"$out" || fail "the message for $bad does not name ${bad%%=*}: $out"
done
ok "bad settings refused by name"

# SIGTERM: a daemon that is ready exits 0 within 5 s. Each one is stopped in the stack, run here
# as our own child (so its exit status can be read) and then given back to the stack.
for i in "${!SERVICES[@]}"; do
  svc=${SERVICES[$i]} port=$(svc_port "$i")
  stack daemon-stop "$svc" >/dev/null
  log="$OF_ITEST_DIR/$svc.sigterm.log"
  env OF_HTTP_PORT="$port" OF_DATABASE_URL="postgresql://${ROLES[$i]}@127.0.0.1:$OF_PG_PORT/orderflow" \
    OF_MIGRATIONS_URL="$OF_PG_ADMIN_URL" OF_KAFKA_BROKERS="127.0.0.1:$OF_KAFKA_PORT" \
    OF_REDIS_HOST=127.0.0.1 OF_REDIS_PORT="$OF_REDIS_PORT" "$OF_BIN_DIR/$svc" 2>"$log" &
  pid=$!
  wait_until 20 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/readyz)\" = 200 ]" ||
    { kill -9 "$pid" 2>/dev/null; fail "$svc did not become ready; log: $(tail -5 "$log")"; }
  start=$(date +%s%N)
  kill -TERM "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  ms=$((($(date +%s%N) - start) / 1000000))
  assert_eq "$rc" 0 "$svc exit status after SIGTERM"
  ((ms < 5000)) || fail "$svc took $ms ms to stop"
  grep -q '"msg":"stopped in' "$log" || fail "$svc did not log its stop"
  stack daemon-start "$svc" >/dev/null
  ok "$svc stopped on SIGTERM in $ms ms with status 0"
done
