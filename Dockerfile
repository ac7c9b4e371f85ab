# orderflow: one image holding all seven daemons; docker-compose.yml picks the daemon per service.
#
#   docker build -t orderflow:dev .
#   docker run --rm orderflow:dev order-svc --help
#
# Stage 1 builds the daemons with the Debian 12 toolchain and -dev packages; stage 2 carries only
# the shared libraries they link against, the binaries and the SQL migrations. The daemon names
# and ports below are checked against the build's list and each daemon's --describe by
# tests/integration/compose_check.sh.

# ---- build -------------------------------------------------------------------------------------
FROM debian:12-slim AS build

ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        librdkafka-dev libpq-dev libhiredis-dev libmicrohttpd-dev libjansson-dev libjwt-dev \
        libcmocka-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# Only the seven daemons are built: the test executables are not shipped, and leaving them out
# keeps a Release-only warning in test code (-Werror) from breaking the image build.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
    && cmake --build /build -j"$(nproc)" --target \
        order-svc inventory-svc payment-svc notification-svc customer-svc business-svc partner-svc \
        customer-token

# ---- runtime -----------------------------------------------------------------------------------
FROM debian:12-slim AS runtime

ARG DEBIAN_FRONTEND=noninteractive
# curl is for the health checks (curl -fsS http://localhost:<port>/readyz); openssl makes the
# token signing key pair once (the jwt-keys service of docker-compose.yml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        librdkafka1 libpq5 libhiredis0.14 libmicrohttpd12 libjansson4 libjwt0 libssl3 \
        ca-certificates curl openssl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 orderflow \
    && useradd --system --uid 10001 --gid orderflow --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin orderflow \
    && mkdir /keys && chown 10001:10001 /keys && chmod 700 /keys

COPY --from=build /build/order-svc /usr/local/bin/order-svc
COPY --from=build /build/inventory-svc /usr/local/bin/inventory-svc
COPY --from=build /build/payment-svc /usr/local/bin/payment-svc
COPY --from=build /build/notification-svc /usr/local/bin/notification-svc
COPY --from=build /build/customer-svc /usr/local/bin/customer-svc
COPY --from=build /build/business-svc /usr/local/bin/business-svc
COPY --from=build /build/partner-svc /usr/local/bin/partner-svc
COPY --from=build /build/customer-token /usr/local/bin/customer-token
COPY --from=build /src/migrations /usr/share/orderflow/migrations

ENV OF_MIGRATIONS_DIR=/usr/share/orderflow/migrations

# Numeric so that "run as non-root" checks (e.g. Kubernetes runAsNonRoot) can verify it.
USER 10001:10001
WORKDIR /tmp

# Default ports of order, inventory, payment, notification, customer, business, partner.
EXPOSE 8081 8082 8083 8084 8085 8086 8087

# No CMD for one daemon on purpose: the command is the daemon's name (compose sets it per service).
CMD ["sh", "-c", "echo 'usage: docker run orderflow <order-svc|inventory-svc|payment-svc|notification-svc|customer-svc|business-svc|partner-svc> [--help]' >&2; exit 64"]
