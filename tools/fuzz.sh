#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/) with clang 14 and runs each in turn.
#
#   tools/fuzz.sh [-t SECONDS] [HARNESS...]
#
# HARNESS is any of model, target, pipeline, randgraph (default: all four);
# each runs for SECONDS (default 600), one at a time, in one process, under
# nice -n 10, because the machine is shared. Corpora grow in
# $FUZZ_BUILD/corpus/HARNESS and are kept between runs; inputs that break
# an invariant, crash, leak, time out (10 s) or allocate more than 2 GiB are
# saved in $FUZZ_BUILD/artifacts/HARNESS/. Copy such an input into
# tests/data/fuzz/HARNESS/ to keep it as a regression test (ctest replays
# every file there through the same harness, without libFuzzer).
#
# Seeds: the samples and the small models of fuzz/seeds/model (regenerate
# with fuzz/make_seeds.py) and tests/data/frontend for the model readers,
# samples/targets for the target reader, and every saved regression input.
# The summary (executions, coverage, features, corpus size, result per
# harness) is printed at the end and kept in $FUZZ_BUILD/summary.txt.
#
# Environment: FUZZ_BUILD (default build-fuzz), FUZZ_CC (default clang-14),
# FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=600
if [[ ${1:-} == -t ]]; then
    secs=$2
    shift 2
fi
harnesses=("$@")
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=(model target pipeline randgraph)
build=${FUZZ_BUILD:-build-fuzz}
cc=${FUZZ_CC:-clang-14}

if ! command -v "$cc" >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    echo "fuzz.sh: needs $cc and libFuzzer: apt-get install clang-14 libclang-rt-14-dev" >&2
    exit 1
fi

cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNNPIPE_FUZZ=ON -DNNPIPE_TESTS=OFF >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
cmake --build "$build" -j2 "${targets[@]}"

seeds_of() {
    case $1 in
    model | pipeline)
        ls samples/*.json samples/*.onnx fuzz/seeds/model/* tests/data/frontend/*.json \
            tests/data/frontend/*.onnx ;;
    target) ls samples/targets/*.json tests/data/targets/*.json ;;
    randgraph) ;;
    *) echo "fuzz.sh: unknown harness '$1'" >&2; exit 1 ;;
    esac
    ls tests/data/fuzz/"$1"/* 2>/dev/null || true
}

options_of() {
    case $1 in
    model | pipeline) echo "-dict=fuzz/onnx_json.dict -max_len=65536" ;;
    target) echo "-dict=fuzz/target_json.dict -max_len=4096" ;;
    # Each byte is one of the generator's choices: let inputs be as long as
    # a whole graph's choices from the start, not grow from a few bytes.
    randgraph) echo "-max_len=512 -len_control=0" ;;
    esac
}

summary="$build/summary.txt"
: >"$summary"
for h in "${harnesses[@]}"; do
    corpus="$build/corpus/$h" seeds="$build/seeds/$h" art="$build/artifacts/$h"
    rm -rf "$seeds"
    mkdir -p "$corpus" "$seeds" "$art"
    for f in $(seeds_of "$h"); do cp "$f" "$seeds/"; done
    log="$build/fuzz_$h.log"
    echo "== fuzz_$h for ${secs}s (log: $log)"
    status=0
    # shellcheck disable=SC2046,SC2086
    nice -n 10 "$build/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
        $(options_of "$h") ${FUZZ_ARGS:-} "$corpus" "$seeds" >"$log" 2>&1 || status=$?
    done_line=$(grep -E '^#[0-9]+ +DONE' "$log" | tail -1 || true)
    [[ -n $done_line ]] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
    result=ok
    [[ $status -eq 0 ]] || result="FOUND A PROBLEM (exit $status): $(grep -E 'ERROR|broken invariant' "$log" | head -1)"
    line="fuzz_$h: ${execs:-?} executions in ${secs}s; ${done_line#*DONE }; $result"
    echo "$line" | tee -a "$summary"
done
echo "== summary ($summary)"
cat "$summary"
