#!/usr/bin/env bash
# The main job on a bundled sample: build nnpipe, describe the model, run the
# reference interpreter and check it against onnxruntime's output.
# Usage: tools/demo.sh [SAMPLE]   (default lenet5; see samples/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
sample=${1:-lenet5}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target nnpipe >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
nnpipe=build/nnpipe
echo "== nnpipe info samples/$sample.json"
$nnpipe info "samples/$sample.json"
ins=()
for f in samples/"$sample".in*.bin; do ins+=(--input "$f"); done
echo
echo "== nnpipe run (reference interpreter) vs onnxruntime"
$nnpipe run "samples/$sample.json" "${ins[@]}" --output "$out/interp.bin"
$nnpipe compare "$out/interp.bin" "samples/$sample.out0.bin"
