#!/usr/bin/env bash
# Regenerates samples/: builds the models with Python's onnx package
# (tools/gen_samples.py) and computes their reference outputs with
# onnxruntime-node (tools/ort_run.js).
#
# onnxruntime-node is installed into a temporary folder outside the repo
# (ONNXRUNTIME_NODE_INSTALL=skip stops its install script from fetching GPU
# files); set ORT_DIR to reuse a folder that already has it, ORT_VERSION to
# pick another release. Extra arguments go to gen_samples.py (sample names,
# -v for activation stats).
set -euo pipefail
cd "$(dirname "$0")/.."
ORT_VERSION=${ORT_VERSION:-1.30.0}
ort_dir=${ORT_DIR:-}
if [ -z "$ort_dir" ]; then
  ort_dir=$(mktemp -d "${TMPDIR:-/tmp}/nnpipe-ort.XXXXXX")
  trap 'rm -rf "$ort_dir"' EXIT
fi
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  echo "installing onnxruntime-node@$ORT_VERSION into $ort_dir" >&2
  (cd "$ort_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --no-audit --no-fund \
      "onnxruntime-node@$ORT_VERSION" >/dev/null)
fi
/usr/bin/python3 tools/gen_samples.py --ort-dir "$ort_dir" --out samples "$@"
