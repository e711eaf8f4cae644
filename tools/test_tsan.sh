#!/usr/bin/env bash
# Builds the library and the thread scenario of tests/api_threads.h with
# ThreadSanitizer in BUILD_DIR (incrementally: later runs rebuild only what
# changed) and runs it; any data race makes TSan exit with status 66.
#
#   tools/test_tsan.sh BUILD_DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
build=$(cd "$1" && pwd)
log=$build/build.log
if ! { cmake -S "$src/tests/tsan" -B "$build" && cmake --build "$build" --target api_threads -j2; } \
    >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "test_tsan: the ThreadSanitizer build failed (log: $log)" >&2
    exit 1
fi
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" "$build/api_threads" "$src"
