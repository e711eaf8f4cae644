#!/usr/bin/env bash
# Installs the Debian packages nnpipe needs to build and test, when missing.
# As root it runs apt-get itself; otherwise it prints the exact line to run.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libcjson-dev libcriterion-dev clang
      libclang-rt-14-dev libxml2-utils librsvg2-bin valgrind libonnx-testdata)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "nnpipe needs these Debian packages; run as root:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
