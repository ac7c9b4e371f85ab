#!/usr/bin/env bash
# `make test`: installs whatever is missing; runs the cmocka unit tests under valgrind (a plain
# build); then builds with AddressSanitizer and UBSan and runs every test through one ctest run:
# the unit tests, then the integration scenarios against a private stack that the stack fixture
# starts on free ports and always stops. Extra arguments go to that last ctest run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${OF_TEST_BUILD_DIR:-$repo/build-asan}

"$repo/scripts/deps.sh"
"$repo/scripts/kafka-jars.sh" >/dev/null

# No leaks and no memory errors in the unit tests, as valgrind sees them.
vbuild=${OF_VALGRIND_BUILD_DIR:-$repo/build-valgrind}
cmake -S "$repo" -B "$vbuild" -DCMAKE_BUILD_TYPE=Debug -DOF_VALGRIND=ON >/dev/null
cmake --build "$vbuild" -j"$(nproc)"
(cd "$vbuild" && ctest --output-on-failure -L valgrind)

cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DOF_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$repo/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Whatever happens to ctest, never leave the test stack running.
stop_stack() {
  OF_REPO=$repo OF_BUILD_DIR=$build OF_ITEST_DIR=$build/itest \
    bash "$repo/tests/integration/stack_fixture.sh" down >/dev/null 2>&1 || true
}
trap stop_stack EXIT INT TERM

cd "$build"
ctest --output-on-failure --timeout 900 "$@"
