#!/usr/bin/env bash
# Writes the gateway's nginx configuration to stdout. The route map is not written here: each
# daemon's `--describe` lists its routes (method, pattern), and every pattern becomes one
# location that proxies to the daemon that declared it; gateway/errors.tsv gives the JSON error
# answers. Used by scripts/stack.sh (the native stack) and `make gateway-conf` (the checked-in
# gateway/nginx.compose.conf of docker-compose.yml).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: gateway/nginx-conf.sh [options] --service NAME HOST:PORT DESCRIBE_JSON [--service ...]

  --service NAME HOST:PORT FILE  a daemon: its upstream address and a file holding its
                                 --describe output (repeat for every daemon)
  --target native|compose        native [default]: files under --prefix and --log-dir, nginx in
                                 the background with a pid file; compose: the official image's
                                 layout, in the foreground, logs to stdout/stderr
  --listen ADDR:PORT             the front door [127.0.0.1:8080; compose: 8080]
  --status-listen ADDR:PORT      stub_status (GET /status) [127.0.0.1:8088; compose: 8088]
  --prefix DIR                   native: pid file and temporary files [required for native]
  --log-dir DIR                  native: gateway.access.log, gateway.error.log [--prefix]

Limits (environment; defaults in brackets):
  OF_GATEWAY_RATE [50]            requests per second per client address (limit_req)
  OF_GATEWAY_BURST [100]          requests above the rate a client may queue before 429
  OF_GATEWAY_MAX_PER_CLIENT [64]  open connections per client address (limit_conn; 429 above)
  OF_GATEWAY_MAX_BODY [65536]     largest request body in bytes (413 above): the daemons'
                                  OF_HTTP_MAX_BODY default
  OF_GATEWAY_TIMEOUT_S [10]       to receive the request head, and between two body reads (408)
  OF_GATEWAY_KEEPALIVE_S [15]     an idle keep-alive connection is closed after this
  OF_GATEWAY_UPSTREAM_TIMEOUT_S [30]  a daemon's answer (504 after)
  OF_GATEWAY_WORKER_CONNECTIONS [4096]  connections per worker process
EOF
}

die() {
    printf 'nginx-conf: %s\n' "$*" >&2
    exit 1
}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ERRORS_TSV=${OF_GATEWAY_ERRORS:-$HERE/errors.tsv}

TARGET=native LISTEN= STATUS_LISTEN= PREFIX= LOG_DIR=
NAMES=() UPSTREAMS=() DESCRIBES=()
while (($# > 0)); do
    case $1 in
    --service)
        (($# >= 4)) || die "--service needs NAME HOST:PORT FILE"
        NAMES+=("$2") UPSTREAMS+=("$3") DESCRIBES+=("$4")
        shift 4
        ;;
    --target) TARGET=${2:?} && shift 2 ;;
    --listen) LISTEN=${2:?} && shift 2 ;;
    --status-listen) STATUS_LISTEN=${2:?} && shift 2 ;;
    --prefix) PREFIX=${2:?} && shift 2 ;;
    --log-dir) LOG_DIR=${2:?} && shift 2 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && die "unknown argument '$1'" ;;
    esac
done

case $TARGET in
native)
    [[ -n $PREFIX ]] || die "--target native needs --prefix"
    LISTEN=${LISTEN:-127.0.0.1:8080} STATUS_LISTEN=${STATUS_LISTEN:-127.0.0.1:8088}
    LOG_DIR=${LOG_DIR:-$PREFIX}
    ;;
compose) LISTEN=${LISTEN:-8080} STATUS_LISTEN=${STATUS_LISTEN:-8088} ;;
*) die "--target is native or compose, not '$TARGET'" ;;
esac
((${#NAMES[@]} > 0)) || die "no --service given"

# setting NAME DEFAULT MIN MAX: the value of OF_GATEWAY_<NAME>, checked to be an integer in range.
setting() {
    local var=OF_GATEWAY_$1 v
    v=${!var:-$2}
    [[ $v =~ ^[0-9]+$ ]] && ((v >= $3 && v <= $4)) || die "$var=$v is not an integer in $3..$4"
    printf '%s\n' "$v"
}
RATE=$(setting RATE 50 1 1000000)
BURST=$(setting BURST 100 0 1000000)
MAX_PER_CLIENT=$(setting MAX_PER_CLIENT 64 1 1000000)
MAX_BODY=$(setting MAX_BODY 65536 1024 16777216)
TIMEOUT_S=$(setting TIMEOUT_S 10 1 3600)
KEEPALIVE_S=$(setting KEEPALIVE_S 15 0 3600)
UPSTREAM_TIMEOUT_S=$(setting UPSTREAM_TIMEOUT_S 30 1 3600)
WORKER_CONNECTIONS=$(setting WORKER_CONNECTIONS 4096 64 1000000)

# ==============================================================================================
# The route map: pattern -> owner, one entry per pattern, a pattern declared twice is an error
# ==============================================================================================

declare -A OWNER=()
ROUTES=() # "specificity<TAB>kind<TAB>nginx location argument<TAB>upstream name<TAB>pattern"

upstream_name() { printf '%s\n' "${1//[^A-Za-z0-9]/_}"; }

# location_of PATTERN: "exact<TAB>/path" for a literal pattern, "regex<TAB>^...$" otherwise, where
# every {param} matches one non-empty segment and regex metacharacters of the literal parts are
# escaped. Dies on a pattern that is not a path.
location_of() {
    local p=$1 re
    [[ $p == /* && $p != *[[:space:]\"\'\;\\]* ]] || die "route pattern '$p' is not a path"
    if [[ $p != *'{'* ]]; then
        printf 'exact\t%s\n' "$p"
        return 0
    fi
    [[ $p =~ ^(/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))+$ ]] ||
        die "route pattern '$p': a {param} must be a whole segment"
    re=$(sed -e 's/[.+*?()|^$[]/\\&/g' -e 's/{[A-Za-z_][A-Za-z0-9_]*}/[^\/]+/g' <<<"$p")
    printf 'regex\t^%s$\n' "$re"
}

for i in "${!NAMES[@]}"; do
    name=${NAMES[i]}
    [[ $name =~ ^[a-z][a-z0-9-]*$ ]] || die "service name '$name' is not a daemon name"
    [[ ${UPSTREAMS[i]} =~ ^[A-Za-z0-9.-]+:[0-9]+$ ]] || die "$name: '${UPSTREAMS[i]}' is not HOST:PORT"
    [[ -r ${DESCRIBES[i]} ]] || die "$name: cannot read ${DESCRIBES[i]}"
    described=$(jq -er '.name' "${DESCRIBES[i]}") || die "$name: ${DESCRIBES[i]} is no --describe output"
    [[ $described == "$name" ]] || die "${DESCRIBES[i]} describes '$described', not $name"
    while IFS= read -r pattern; do
        [[ -n $pattern ]] || continue
        if [[ -n ${OWNER[$pattern]:-} ]]; then
            [[ ${OWNER[$pattern]} == "$name" ]] && continue # one pattern, several methods
            die "route $pattern is declared by both ${OWNER[$pattern]} and $name"
        fi
        OWNER[$pattern]=$name
        IFS=$'\t' read -r kind arg < <(location_of "$pattern")
        # Literal characters first: of two regexes that both match, the more literal one wins,
        # as a literal segment beats a {param} in the daemons' own route lookup.
        literal=$(sed 's/{[^}]*}//g' <<<"$pattern")
        ROUTES+=("$(printf '%05d\t%s\t%s\t%s\t%s' "${#literal}" "$kind" "$arg" \
            "$(upstream_name "$name")" "$pattern")")
    done < <(jq -r '.routes[]?.pattern' "${DESCRIBES[i]}")
done

# ==============================================================================================
# The configuration
# ==============================================================================================

json_error() { # STATUS CODE MESSAGE: the body of one JSON error answer, as an nginx string
    printf '{"error":{"code":"%s","message":"%s"}}' "$2" "$3"
}

emit_paths() {
    if [[ $TARGET == native ]]; then
        cat <<EOF
pid $PREFIX/nginx.pid;
error_log $LOG_DIR/gateway.error.log warn;
EOF
    else
        cat <<EOF
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
daemon off;
EOF
    fi
}

# nginx makes each temporary directory itself, but not its parent.
emit_temp_paths() {
    local base=/tmp/nginx- t
    [[ $TARGET == native ]] && base=$PREFIX/tmp/
    for t in client_body proxy fastcgi uwsgi scgi; do
        printf '    %s_temp_path %s%s;\n' "$t" "$base" "$t"
    done
}

emit_upstreams() {
    local i
    for i in "${!NAMES[@]}"; do
        cat <<EOF
    upstream $(upstream_name "${NAMES[i]}") {
        server ${UPSTREAMS[i]} max_fails=0;
        keepalive 16;
        keepalive_timeout 20s; # below the daemons' OF_HTTP_IDLE_TIMEOUT_S (30 s)
    }
EOF
    done
}

emit_routes() {
    local line spec kind arg up pattern
    # Exact locations win over regexes in nginx anyway; regexes are tried in file order.
    while IFS=$'\t' read -r spec kind arg up pattern; do
        if [[ $kind == exact ]]; then
            printf '        location = %s { proxy_pass http://%s; } # %s\n' "$arg" "$up" "$pattern"
        else
            printf '        location ~ "%s" { proxy_pass http://%s; } # %s\n' "$arg" "$up" "$pattern"
        fi
    done < <(printf '%s\n' "${ROUTES[@]}" | sort -t $'\t' -k2,2 -k1,1r -k5,5)
}

emit_error_pages() {
    local status code message out
    # URI error pages, not named locations: nginx cannot redirect a request whose request line
    # it could not parse to a named location (it answers 500 then).
    while IFS=$'\t' read -r status code message; do
        [[ -z $status || $status == \#* ]] && continue
        out=$status
        [[ $status == 494 ]] && out=431 # nginx's "request header too large"
        printf '        error_page %s =%s /_gateway/%s;\n' "$status" "$out" "$status"
        printf '        location = /_gateway/%s { internal; return %s '\''%s\n'\''; }\n' \
            "$status" "$out" "$(json_error "$out" "$code" "$message")"
    done <"$ERRORS_TSV"
}

access_log_line() {
    if [[ $TARGET == native ]]; then
        printf '    access_log %s/gateway.access.log of_json;\n' "$LOG_DIR"
    else
        printf '    access_log /dev/stdout of_json;\n'
    fi
}

cat <<EOF
# Generated by gateway/nginx-conf.sh from the daemons' --describe and gateway/errors.tsv:
# do not edit (make gateway-conf rewrites the compose copy; the native stack writes its own).
$(emit_paths)
worker_processes 1;
events {
    worker_connections $WORKER_CONNECTIONS;
}
http {
$(emit_temp_paths)
    server_tokens off;
    default_type application/json;

    # One JSON line per request; the path as the client sent it, without its query string (an
    # error page's internal redirect does not change it, as it changes \$uri).
    map \$request_uri \$of_path {
        "~^([^?]*)" \$1;
        default "";
    }
    log_format of_json escape=json '{"time":"\$time_iso8601","level":"info","service":"gateway",'
        '"msg":"request","request_id":"\$of_request_id","remote_addr":"\$remote_addr",'
        '"method":"\$request_method","path":"\$of_path","status":\$status,'
        '"bytes":\$body_bytes_sent,"request_time":\$request_time,'
        '"upstream":"\$upstream_addr","upstream_status":"\$upstream_status",'
        '"upstream_time":"\$upstream_response_time","traceparent":"\$http_traceparent"}';
$(access_log_line)

    # Strict client discipline: what nginx itself refuses (duplicate Host or Content-Length,
    # Content-Length with Transfer-Encoding, a coding other than chunked, NUL) it answers from
    # the error pages below; headers with invalid names are dropped, as are underscores (which
    # some servers read as dashes).
    ignore_invalid_headers on;
    underscores_in_headers off;
    merge_slashes off;
    client_header_buffer_size 1k;
    large_client_header_buffers 4 8k;
    client_max_body_size $MAX_BODY;
    client_body_buffer_size $MAX_BODY;
    client_header_timeout ${TIMEOUT_S}s;
    client_body_timeout ${TIMEOUT_S}s;
    send_timeout ${TIMEOUT_S}s;
    keepalive_timeout ${KEEPALIVE_S}s;
    keepalive_requests 1000;
    reset_timedout_connection on;

    # Per client address: open connections and a request rate with a burst.
    limit_conn_zone \$binary_remote_addr zone=of_conn:10m;
    limit_req_zone \$binary_remote_addr zone=of_req:10m rate=${RATE}r/s;
    limit_conn_status 429;
    limit_req_status 429;
    limit_conn_log_level warn;
    limit_req_log_level warn;

    # The client's X-Request-Id when it is a sane token, else nginx's own; the daemons log it
    # and answer with it.
    map \$http_x_request_id \$of_request_id {
        "~^[A-Za-z0-9._:-]{1,128}\$" \$http_x_request_id;
        default \$request_id;
    }

    # A target the daemons would read differently from nginx: dot segments, empty segments,
    # encoded slashes, backslashes, dots or NUL, and a fragment (nginx routes the path before a
    # '#' and passes the '#' on) (the gateway's own error pages excepted, as an error page is an
    # internal redirect that keeps the original target).
    map "\$uri|\$request_uri" \$of_bad_target {
        volatile;
        "~^/_gateway/" 0;
        "~(?i)\\|.*(%2f|%5c|%00|%2e|#|//|/\\.\\.?(/|\\?|\$))" 1;
        default 0;
    }

    # HTTP/1.0 and HTTP/1.1 only, each spelled as RFC 9112 spells it, and a Host header in every
    # request: nginx passes an HTTP/0.9 request (no version), HTTP/1.01 and HTTP/1.2 on as
    # HTTP/1.1, and makes up a Host ("_") for an HTTP/1.0 request without one (it answers 2.x and
    # up with 505, HTTP/1.1 without Host with 400, itself). 400 for a malformed version or a
    # missing Host, 505 for a later 1.x (error pages excepted, as above).
    map "\$server_protocol|\$http_host|\$uri" \$of_bad_head {
        volatile;
        "~^[^|]*\\|[^|]*\\|/_gateway/" "";
        "~^HTTP/1\\.[01]\\|[^|]" "";
        "~^HTTP/1\\.[2-9]\\|[^|]" 505;
        default 400;
    }

$(emit_upstreams)

    server {
        listen $LISTEN default_server reuseport;
        server_name _;
        limit_conn of_conn $MAX_PER_CLIENT;
        limit_req zone=of_req burst=$BURST nodelay;
        add_header X-Request-Id \$of_request_id always;

        # A target the daemons would read differently from nginx never passes (of_bad_target).
        if (\$of_bad_target) {
            return 400;
        }
        if (\$of_bad_head = 400) {
            return 400;
        }
        if (\$of_bad_head = 505) {
            return 505;
        }

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$host;
        proxy_set_header X-Request-Id \$of_request_id;
        proxy_set_header X-Forwarded-For \$remote_addr;
        proxy_set_header X-Forwarded-Proto \$scheme;
        # Other client-address headers are not passed at all, so that nothing behind the gateway
        # can come to believe one the client wrote.
        proxy_set_header X-Real-IP "";
        proxy_set_header Forwarded "";
        proxy_hide_header X-Request-Id;
        proxy_connect_timeout 2s;
        proxy_read_timeout ${UPSTREAM_TIMEOUT_S}s;
        proxy_send_timeout ${UPSTREAM_TIMEOUT_S}s;
        proxy_next_upstream off;
        proxy_request_buffering on;

        location = /healthz { return 200 '{"status":"ok"}\n'; }

$(emit_routes)

        location / { return 404; }

$(emit_error_pages)
    }

    # nginx's own counters, for scraping; not on the front door.
    server {
        listen $STATUS_LISTEN;
        access_log off;
        location = /status { stub_status; }
        location / { return 404; }
    }
}
EOF
