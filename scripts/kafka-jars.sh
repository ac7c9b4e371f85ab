#!/usr/bin/env bash
# Resolves the Apache Kafka 3.9.1 broker's runtime jars from Maven Central (scripts/kafka/pom.xml)
# into a cache directory once, and prints that libs directory. $KAFKA_HOME/libs wins when present.
#
# Usage: scripts/kafka-jars.sh        prints e.g. ~/.cache/orderflow/kafka-3.9.1/libs
# Env:   KAFKA_HOME    a Kafka distribution to use instead of downloading
#        OF_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-~/.cache}/orderflow)
set -euo pipefail

OF_PROG=kafka-jars
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

KAFKA_VERSION=3.9.1
POM="$OF_REPO_DIR/scripts/kafka/pom.xml"

# The marker records the pom's checksum: a changed pom or an interrupted run resolves again.
pom_sum() {
    sha256sum "$POM" | cut -d' ' -f1
}

cache_complete() {
    local dir=$1
    [[ -f $dir/.complete && -d $dir/libs ]] || return 1
    [[ $(cat "$dir/.complete") == "$(pom_sum)" ]]
}

kafka_home_libs() {
    [[ -n ${KAFKA_HOME:-} ]] || return 1
    if [[ -d $KAFKA_HOME/libs ]] && compgen -G "$KAFKA_HOME/libs/kafka_*.jar" >/dev/null; then
        printf '%s\n' "$(cd "$KAFKA_HOME/libs" && pwd)"
        return 0
    fi
    warn "KAFKA_HOME=$KAFKA_HOME has no libs/kafka_*.jar; resolving Kafka $KAFKA_VERSION with Maven"
    return 1
}

# resolve DIR: copies the runtime classpath into DIR/libs.partial, then renames it into place.
resolve() {
    local dir=$1 partial=$1/libs.partial
    need mvn maven
    need java openjdk-17-jre-headless
    rm -rf "$partial" "$dir/libs" "$dir/.complete"
    info "resolving Kafka $KAFKA_VERSION jars from Maven Central into $dir/libs (first run only)"
    if ! mvn -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$partial" >"$dir/mvn.log" 2>&1; then
        rm -rf "$partial"
        show_log_tail mvn "$dir/mvn.log" 40
        die "Maven could not resolve the Kafka jars (log: $dir/mvn.log); check network access" \
            "to Maven Central, or set KAFKA_HOME to a Kafka $KAFKA_VERSION distribution"
    fi
    compgen -G "$partial/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null ||
        die "Maven finished but $partial has no kafka_2.13-$KAFKA_VERSION.jar"
    mv "$partial" "$dir/libs"
    pom_sum >"$dir/.complete"
    info "cached $(find "$dir/libs" -name '*.jar' | wc -l) jars in $dir/libs"
}

main() {
    local dir
    if kafka_home_libs; then
        return 0
    fi
    dir="$(cache_dir)/kafka-$KAFKA_VERSION"
    mkdir -p "$dir"
    # One resolver at a time: a test fixture and `make up` may both ask on a fresh machine.
    exec 9>"$dir/.lock"
    flock 9 || die "cannot lock $dir/.lock"
    if ! cache_complete "$dir"; then
        resolve "$dir"
    fi
    printf '%s\n' "$dir/libs"
}

main "$@"
