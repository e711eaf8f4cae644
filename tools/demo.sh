#!/usr/bin/env bash
# The main job on a bundled sample: build nnpipe, compile the model to C for
# the default target, build and run that C, check it against the reference
# interpreter (and the interpreter against onnxruntime's checked-in output),
# and print the schedule the C follows.
# Usage: tools/demo.sh [SAMPLE]   (default lenet5; see samples/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
sample=${1:-lenet5}
[ -f "samples/$sample.json" ] || { echo "demo: no sample '$sample' in samples/" >&2; exit 1; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target nnpipe >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
nnpipe=build/nnpipe
ins=()
for f in samples/"$sample".in*.bin; do ins+=("$f"); done
outs=()
for f in samples/"$sample".out*.bin; do outs+=("$out/$(basename "$f" | sed "s/^$sample\.//")"); done

echo "== nnpipe info samples/$sample.json"
$nnpipe info "samples/$sample.json"

echo
echo "== nnpipe compile samples/$sample.json --main  (default target: npu)"
$nnpipe compile "samples/$sample.json" -o "$out/$sample.c" --main
cc -std=c99 -O2 "$out/$sample.c" -o "$out/$sample" -lm
"$out/$sample" "${ins[@]}" "${outs[@]}"

echo
echo "== the compiled C against the reference interpreter, and the interpreter against onnxruntime"
interp=()
for f in "${outs[@]}"; do interp+=(--output "$f.interp"); done
inflags=()
for f in "${ins[@]}"; do inflags+=(--input "$f"); done
$nnpipe run "samples/$sample.json" "${inflags[@]}" "${interp[@]}"
k=0
for f in samples/"$sample".out*.bin; do
  echo -n "output $k, C vs interpreter:           "; $nnpipe compare "${outs[$k]}" "${outs[$k]}.interp"
  echo -n "output $k, interpreter vs onnxruntime: "; $nnpipe compare "${outs[$k]}.interp" "$f"
  k=$((k + 1))
done

echo
echo "== nnpipe schedule samples/$sample.json --verify  (the schedule the C follows)"
$nnpipe schedule "samples/$sample.json" --verify
