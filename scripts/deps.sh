#!/usr/bin/env bash
# Installs the Debian packages orderflow needs to build, test and run its local stack: only those
# missing, with one `apt-get update` first when anything is missing. Safe to run any number of times.
set -euo pipefail

OF_PROG=deps
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Build tools and the C libraries (headers) the daemons link against.
BUILD_PACKAGES=(
    build-essential cmake pkg-config
    librdkafka-dev libpq-dev libhiredis-dev libmicrohttpd-dev libjansson-dev libjwt-dev
    libcmocka-dev libssl-dev libcurl4-openssl-dev
)
# The native local stack and the tools its scripts and tests use.
STACK_PACKAGES=(
    postgresql postgresql-client redis-server kcat jq curl procps iproute2 openssl nginx-light socat
)
# Development tools: memory checking, formatting, offline check of docker-compose.yml, the
# OpenAPI checks of the integration tests (yq, the jsonschema CLI) and bc for the 256-bit
# arithmetic of auth.sh's ECDSA signatures.
DEV_PACKAGES=(
    valgrind clang-format docker-compose yq python3-yaml python3-jsonschema bc
)

installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [[ $status == "install ok installed" ]]
}

# wanted: every package name, plus Java and Maven when the commands are not there already (a
# developer may have their own JDK or Maven on PATH).
wanted() {
    printf '%s\n' "${BUILD_PACKAGES[@]}" "${STACK_PACKAGES[@]}" "${DEV_PACKAGES[@]}"
    have java || printf '%s\n' openjdk-17-jre-headless
    have mvn || printf '%s\n' maven
}

# as_root CMD...: runs CMD as root, through sudo when needed and possible.
as_root() {
    if is_root; then
        "$@"
    elif have sudo; then
        sudo "$@"
    else
        return 127
    fi
}

install_packages() {
    local -a pkgs=("$@")
    if ! is_root && ! have sudo; then
        die "missing packages: ${pkgs[*]}; run as root (or install sudo), or install them" \
            "yourself: apt-get install -y --no-install-recommends ${pkgs[*]}"
    fi
    have apt-get || die "apt-get not found: this script supports Debian/Ubuntu; install by hand:" \
        "${pkgs[*]}"
    info "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
        die "apt-get update failed"
    info "installing: ${pkgs[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${pkgs[@]}" >&2 || die "apt-get install failed for: ${pkgs[*]}"
}

main() {
    local pkg
    local -a missing=()
    have dpkg-query || die "dpkg-query not found: this script supports Debian/Ubuntu only"
    while read -r pkg; do
        if installed "$pkg"; then
            continue
        fi
        info "missing: $pkg"
        missing+=("$pkg")
    done < <(wanted)
    if ((${#missing[@]} == 0)); then
        info "all packages present"
        return 0
    fi
    install_packages "${missing[@]}"
    for pkg in "${missing[@]}"; do
        installed "$pkg" || die "$pkg is still not installed after apt-get install"
        info "installed: $pkg"
    done
}

main "$@"
