#!/bin/bash
# The C backend's benchmark: for every sample, side by side in one run,
#   - the generated C (nnpipe compile, default target unless -t) at -O2 and
#     at -O3 -march=native, timed in-process over NAME_run;
#   - the reference interpreter, timed in-process over interp_run (a small
#     harness linked with libnnpipe.a, so no process start-up is counted);
#   - onnxruntime-node with one intra-op thread and graph optimizations on
#     (bench/ort_bench.js);
# plus callgrind's instruction count for one NAME_run of the -O2 build, the
# code size of the -O2 object (text, and rodata = weights + region tables)
# and the static RAM the model declares (scratch + activation arena).
# Every timing is the best batch mean over about SECONDS of runs, which is
# the least disturbed by other work on a shared machine. Each generated
# program's outputs are checked against the interpreter before timing.
#
#   bench/bench_codegen.sh [-b BUILD_DIR] [-t TARGET.json] [-s SECONDS] [SAMPLE...]
#
# BUILD_DIR (default: build) must hold nnpipe and libnnpipe.a, e.g. from
# `cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build`.
# onnxruntime-node is taken from $ORT_DIR/node_modules (default /tmp/ortnode)
# or installed there with ONNXRUNTIME_NODE_INSTALL=skip npm install; without
# node or npm its column says n/a. Prints a Markdown table on stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
TARGET=
SECONDS_PER=2
while getopts "b:t:s:h" opt; do
  case $opt in
    b) BUILD=$(cd "$OPTARG" && pwd) ;;
    t) TARGET=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
    s) SECONDS_PER=$OPTARG ;;
    *) sed -n '2,22p' "$0"; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
SAMPLES=("$@")
if [ ${#SAMPLES[@]} -eq 0 ]; then
  for f in "$ROOT"/samples/*.in0.bin; do SAMPLES+=("$(basename "$f" .in0.bin)"); done
fi
NNPIPE=$BUILD/nnpipe
LIB=$BUILD/libnnpipe.a
[ -x "$NNPIPE" ] && [ -f "$LIB" ] || { echo "bench_codegen: no nnpipe/libnnpipe.a in $BUILD" >&2; exit 1; }
WORK=$(mktemp -d /tmp/nnp_benchXXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
log() { echo "bench_codegen: $*" >&2; }

# ---- onnxruntime-node ----
ORT_DIR=${ORT_DIR:-/tmp/ortnode}
HAVE_ORT=0
if command -v node >/dev/null; then
  if ! NODE_PATH=$ORT_DIR/node_modules node -e "require('onnxruntime-node')" 2>/dev/null &&
     command -v npm >/dev/null; then
    log "installing onnxruntime-node into $ORT_DIR"
    mkdir -p "$ORT_DIR"
    (cd "$ORT_DIR" && ONNXRUNTIME_NODE_INSTALL=skip npm install --silent onnxruntime-node >/dev/null 2>&1) || true
  fi
  NODE_PATH=$ORT_DIR/node_modules node -e "require('onnxruntime-node')" 2>/dev/null && HAVE_ORT=1
fi
[ $HAVE_ORT = 1 ] || log "onnxruntime-node unavailable: its column will say n/a"

# ---- the interpreter's timer: interp_run in-process ----
cat > "$WORK/interp_timer.c" <<'EOF'
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "interp.h"
#include "model_load.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* interp_timer MODEL SECONDS IN0.bin ... : best batch mean in microseconds */
int main(int argc, char **argv)
{
    graph *g = NULL;
    nnp_err e = {0};
    if (argc < 3 || model_load(argv[1], &g, &e)) {
        fprintf(stderr, "interp_timer: %s\n", e.msg);
        return 1;
    }
    float *in[16], *out[16];
    for (int k = 0; k < g->ninputs; k++) {
        long n = (long)tensor_numel(&g->tensors[g->inputs[k]]);
        FILE *f = fopen(argv[3 + k], "rb");
        in[k] = malloc((size_t)n * sizeof(float));
        if (!f || fread(in[k], sizeof(float), (size_t)n, f) != (size_t)n)
            return 1;
        fclose(f);
    }
    for (int k = 0; k < g->noutputs; k++)
        out[k] = malloc((size_t)tensor_numel(&g->tensors[g->outputs[k]]) * sizeof(float));
    double budget = atof(argv[2]), best = 1e30, t0 = now(), start;
    long batch = 0;
    while (now() - t0 < 0.05 || batch < 1) {
        if (interp_run(g, (const float *const *)in, out, &e))
            return 1;
        batch++;
    }
    start = now();
    while (now() - start < budget) {
        t0 = now();
        for (long i = 0; i < batch; i++)
            interp_run(g, (const float *const *)in, out, &e);
        double per = (now() - t0) / (double)batch * 1e6;
        best = per < best ? per : best;
    }
    printf("%.3f\n", best);
    return 0;
}
EOF
gcc -std=c11 -O2 -I"$ROOT/ir" -I"$ROOT/frontends" -I"$ROOT/include" "$WORK/interp_timer.c" "$LIB" \
  -lcjson -lm -o "$WORK/interp_timer"

# ---- one sample ----
# The timer for generated code: includes NAME.c, times NAME_run; with
# SECONDS = 0 it runs once and writes the outputs (for checking and callgrind).
write_timer() { # name nin nout
  local name=$1 nin=$2 nout=$3 up
  up=$(echo "$name" | tr '[:lower:]' '[:upper:]')
  {
    echo '#define _POSIX_C_SOURCE 199309L'
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    echo '#include <time.h>'
    echo "#include \"$name.c\""
    for ((k = 0; k < nin; k++)); do echo "static float i$k[${up}_IN${k}_SIZE];"; done
    for ((k = 0; k < nout; k++)); do echo "static float o$k[${up}_OUT${k}_SIZE];"; done
    echo 'static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);'
    echo '    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }'
    echo 'int main(int argc, char **argv) {'
    echo '    double budget = atof(argv[1]), best = 1e30, t0, start; long batch = 0, i; FILE *f;'
    echo '    (void)argc;'
    for ((k = 0; k < nin; k++)); do
      echo "    f = fopen(argv[2 + $k], \"rb\"); if (!f || fread(i$k, 4, ${up}_IN${k}_SIZE, f) != ${up}_IN${k}_SIZE) return 1; fclose(f);"
    done
    local args=""
    for ((k = 0; k < nin; k++)); do args="$args${args:+, }i$k"; done
    for ((k = 0; k < nout; k++)); do args="$args${args:+, }o$k"; done
    echo "    if (budget <= 0) { ${name}_run($args);"
    for ((k = 0; k < nout; k++)); do
      echo "        f = fopen(argv[2 + $nin + $k], \"wb\"); fwrite(o$k, 4, ${up}_OUT${k}_SIZE, f); fclose(f);"
    done
    echo '        return 0; }'
    echo "    t0 = now(); while (now() - t0 < 0.05 || batch < 1) { ${name}_run($args); batch++; }"
    echo "    start = now(); while (now() - start < budget) { t0 = now();"
    echo "        for (i = 0; i < batch; i++) ${name}_run($args);"
    echo '        t0 = (now() - t0) / (double)batch * 1e6; best = t0 < best ? t0 : best; }'
    echo '    printf("%.3f\n", best); return 0; }'
  } > "$WORK/$name/${name}_timer.c"
}

fmt_us() { awk -v x="$1" 'BEGIN { if (x >= 1000) printf "%.2f ms", x / 1000; else printf "%.1f us", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2gx", a / b; else print "n/a" }'; }
kib() { awk -v x="$1" 'BEGIN { printf "%.1f KiB", x / 1024 }'; }

ROWS=()
for s in "${SAMPLES[@]}"; do
  model=$ROOT/samples/$s.json
  name=$(echo "$s" | tr -c 'A-Za-z0-9_\n' '_')
  d=$WORK/$name
  mkdir -p "$d"
  log "$s: compiling"
  "$NNPIPE" compile "$model" ${TARGET:+--target "$TARGET"} -o "$d/$name.c" -q
  up=$(echo "$name" | tr '[:lower:]' '[:upper:]')
  nin=$(sed -n "s/^#define ${up}_NUM_INPUTS \([0-9]*\).*/\1/p" "$d/$name.h")
  nout=$(sed -n "s/^#define ${up}_NUM_OUTPUTS \([0-9]*\).*/\1/p" "$d/$name.h")
  ins=() ortins=() outs=() routs=() rflags=()
  for ((k = 0; k < nin; k++)); do
    ins+=("$ROOT/samples/$s.in$k.bin")
    shape=$(sed -n "s/^#define ${up}_IN${k}_SHAPE {\(.*\)}.*/\1/p" "$d/$name.h" | tr -d ' ' | tr ',' 'x')
    ortins+=("$ROOT/samples/$s.in$k.bin:$shape")
    rflags+=(--input "$ROOT/samples/$s.in$k.bin")
  done
  for ((k = 0; k < nout; k++)); do outs+=("$d/o$k.bin"); routs+=(--output "$d/r$k.bin"); done
  write_timer "$name" "$nin" "$nout"
  (cd "$d" && gcc -std=c99 -O2 "${name}_timer.c" -o t_o2 && gcc -std=c99 -O3 -march=native "${name}_timer.c" -o t_o3 &&
   gcc -std=c99 -O2 -c "$name.c" -o "$name.o")
  # correctness first: both builds against the interpreter
  "$NNPIPE" run "$model" "${rflags[@]}" "${routs[@]}"
  for b in t_o2 t_o3; do
    "$d/$b" 0 "${ins[@]}" "${outs[@]}"
    for ((k = 0; k < nout; k++)); do
      "$NNPIPE" compare "$d/o$k.bin" "$d/r$k.bin" >/dev/null || { log "$s: $b output $k differs from the interpreter"; exit 2; }
    done
  done
  log "$s: timing"
  c2=$("$d/t_o2" "$SECONDS_PER" "${ins[@]}")
  c3=$("$d/t_o3" "$SECONDS_PER" "${ins[@]}")
  it=$("$WORK/interp_timer" "$model" "$SECONDS_PER" "${ins[@]}")
  ort=n/a ortv=
  if [ $HAVE_ORT = 1 ]; then
    j=$(NODE_PATH=$ORT_DIR/node_modules node "$ROOT/bench/ort_bench.js" "$ROOT/samples/$s.onnx" "$SECONDS_PER" "${ortins[@]}")
    ort=$(echo "$j" | sed -n 's/.*"us_per_run":\([0-9.e+-]*\).*/\1/p')
    ortv=$(echo "$j" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')
  fi
  ir=n/a
  if command -v valgrind >/dev/null; then
    log "$s: callgrind"
    (cd "$d" && valgrind --tool=callgrind --callgrind-out-file=cg.out --toggle-collect="${name}_run" \
      ./t_o2 0 "${ins[@]}" "${outs[@]}" >/dev/null 2>&1) &&
      ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$d/cg.out" | head -1)
  fi
  read -r text rodata <<<"$(size -A "$d/$name.o" | awk '$1 == ".text" { t += $2 } $1 ~ /^\.rodata/ { r += $2 } END { print t + 0, r + 0 }')"
  scratch=$(sed -n "s/^#define ${up}_SCRATCH_BYTES \([0-9]*\).*/\1/p" "$d/$name.h")
  arena=$(sed -n "s/^#define ${up}_ACTIVATION_BYTES \([0-9]*\).*/\1/p" "$d/$name.h")
  macs=$(sed -n "s/^#define ${up}_MACS \([0-9]*\).*/\1/p" "$d/$name.h")
  ortcol=n/a ortratio=n/a
  if [ "$ort" != n/a ]; then ortcol=$(fmt_us "$ort"); ortratio="$(ratio "$ort" "$c2") / $(ratio "$ort" "$c3")"; fi
  irf=n/a
  [ "$ir" != n/a ] && irf=$(awk -v x="$ir" 'BEGIN { printf "%.2fM", x / 1e6 }')
  ROWS+=("| \`$s\` | $(awk -v x="$macs" 'BEGIN { printf "%.2fM", x / 1e6 }') | $(fmt_us "$c2") | $(fmt_us "$c3") | $(fmt_us "$it") | $ortcol | $(ratio "$it" "$c2") / $(ratio "$it" "$c3") | $ortratio | $irf | $(kib "$text") + $(kib "$rodata") | $(kib "$scratch") + $(kib "$arena") |")
done

echo "Target: ${TARGET:-built-in npu}; $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'); gcc $(gcc -dumpfullversion); onnxruntime-node ${ortv:-n/a}, 1 thread."
echo
echo "| sample | MACs | C -O2 | C -O3 native | interpreter | onnxruntime | interp / C (-O2 / -O3) | ort / C (-O2 / -O3) | callgrind Ir (-O2) | text + rodata | scratch + arena |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for r in "${ROWS[@]}"; do echo "$r"; done
