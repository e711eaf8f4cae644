#!/bin/sh
# Renders a schedule's SVG timeline to PNG: `nnpipe schedule --format svg`,
# checked with xmllint when present, then rasterised by rsvg-convert
# (Debian: librsvg2-bin). The README's picture is made with the defaults.
#
# usage: tools/render_svg.sh [MODEL [OUT.png [nnpipe schedule options...]]]
#   MODEL    default samples/big128.json
#   OUT.png  default docs/big128-schedule.png
# The nnpipe binary is $NNPIPE, else build/nnpipe. $ZOOM scales the
# picture (default 1.5: crisp on high-density screens, 1800 pixels wide).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/samples/big128.json}
out=${2:-$root/docs/big128-schedule.png}
[ $# -gt 2 ] && shift 2 || shift $#
nnpipe=${NNPIPE:-$root/build/nnpipe}
zoom=${ZOOM:-1.5}

if ! command -v rsvg-convert >/dev/null 2>&1; then
    echo "render_svg.sh: rsvg-convert not found (Debian: apt install librsvg2-bin)" >&2
    exit 1
fi
if [ ! -x "$nnpipe" ]; then
    echo "render_svg.sh: no nnpipe at $nnpipe (build it, or set NNPIPE)" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$nnpipe" schedule "$model" --format svg -o "$tmp/schedule.svg" "$@"
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$tmp/schedule.svg"
fi
rsvg-convert --zoom "$zoom" --background-color white -o "$tmp/schedule.png" "$tmp/schedule.svg"
mv "$tmp/schedule.png" "$out"
echo "$out"
