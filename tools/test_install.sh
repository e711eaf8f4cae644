#!/usr/bin/env bash
# Installs a built nnpipe into a temporary prefix and uses it the way an
# outsider would: checks what was installed (headers, both libraries, the
# SONAME, that the shared library exports exactly the nnp_* functions the
# headers declare, the command, the CMake package, the pkg-config file),
# then builds samples/embed/ against it through find_package (shared and
# static) and through pkg-config, and runs the programs. The structural
# checks fail here; the programs' outputs go to OUT_DIR for the caller
# (tests/test_install.c) to check against hand-computed values.
#
#   tools/test_install.sh BUILD_DIR OUT_DIR
#
# A sanitizer build installs instrumented libraries, so the samples are then
# built with the same -fsanitize flags.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nnpipe-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "test_install: FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

flags=""
[ "$(cache NNPIPE_SANITIZE)" = ON ] && flags="-fsanitize=address,undefined"
libdir=$(cache CMAKE_INSTALL_LIBDIR)
version=$(sed -n 's/^#define NNPIPE_VERSION_STRING "\(.*\)"/\1/p' "$src/include/nnpipe/nnpipe.h")
major=${version%%.*}

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install"
ok "installed into a temporary prefix"

# ---- What was installed ----
for f in include/nnpipe/nnpipe.h include/nnpipe/status.h "$libdir/libnnpipe.a" \
         "$libdir/libnnpipe.so" "$libdir/libnnpipe.so.$major" "$libdir/libnnpipe.so.$version" \
         bin/nnpipe "$libdir/cmake/nnpipe/nnpipeConfig.cmake" \
         "$libdir/cmake/nnpipe/nnpipeConfigVersion.cmake" "$libdir/pkgconfig/nnpipe.pc"; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
done
extra=$(cd "$prefix/include" && find . -type f ! -path './nnpipe/*')
[ -z "$extra" ] || fail "internal headers installed: $extra"
ok "headers, libraries, command, CMake package and pkg-config file are in place"

so=$prefix/$libdir/libnnpipe.so.$version
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$soname" = "libnnpipe.so.$major" ] || fail "SONAME is '$soname', want libnnpipe.so.$major"
ok "SONAME $soname"

# Exported functions vs declared ones: every NNP_API declaration names its
# function on the same line, just before the first parenthesis.
nm -D --defined-only "$so" | awk '{print $NF}' | sort >"$out/exports.txt"
grep -ho 'NNP_API[^(]*(' "$prefix"/include/nnpipe/*.h | grep -o 'nnp_[a-z0-9_]*($' | tr -d '(' \
    | sort -u >"$out/declared.txt"
stray=$(grep -v '^nnp_' "$out/exports.txt" || true)
[ -z "$stray" ] || fail "exported symbols without the nnp_ prefix: $(echo $stray | head -c 400)"
missing=$(comm -23 "$out/declared.txt" "$out/exports.txt")
[ -z "$missing" ] || fail "declared but not exported: $missing"
undeclared=$(comm -13 "$out/declared.txt" "$out/exports.txt")
[ -z "$undeclared" ] || fail "exported but not declared in a public header: $undeclared"
ok "$(wc -l <"$out/exports.txt") exported symbols, all nnp_* and all declared"

# Each public header stands on its own, in C99 and C11, and the umbrella
# header is usable from C++.
strict="-Wall -Wextra -Wpedantic -Werror"
for h in "$prefix"/include/nnpipe/*.h; do
    for std in c99 c11; do
        printf '#include <nnpipe/%s>\n' "$(basename "$h")" \
            | cc -std=$std $strict -fsyntax-only -I"$prefix/include" -x c - \
            || fail "nnpipe/$(basename "$h") does not compile on its own as $std"
    done
done
if command -v c++ >/dev/null; then
    printf '#include <nnpipe/nnpipe.h>\nint main() { return nnp_version()[0] == 0; }\n' \
        | c++ -std=c++11 $strict -fsyntax-only -I"$prefix/include" -x c++ - \
        || fail "nnpipe/nnpipe.h does not compile as C++"
fi
ok "every header compiles on its own (C99, C11) and from C++"

"$prefix/bin/nnpipe" --version >"$out/nnpipe_version.txt" || fail "installed nnpipe --version"

# ---- pkg-config ----
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
pkg-config --modversion nnpipe >"$out/pc_modversion.txt" || fail "pkg-config --modversion"
pkg-config --cflags --libs nnpipe >"$out/pc_flags.txt"
pkg-config --static --libs nnpipe >"$out/pc_static.txt"
warn="-std=c11 -Wall -Wextra -Wpedantic -Werror"
for s in fir_modsched compile_model; do
    # shellcheck disable=SC2046
    cc $warn $flags "$src/samples/embed/$s.c" -o "$work/${s}_pc" \
        $(pkg-config --cflags --libs nnpipe) -Wl,-rpath,"$prefix/$libdir" \
        || fail "building $s with pkg-config"
done
"$work/fir_modsched_pc" >"$out/fir_pkgconfig.txt" || fail "fir_modsched (pkg-config) exits $?"
"$work/compile_model_pc" "$src/samples/lenet5.onnx" >"$out/compile_model_pkgconfig.txt" \
    || fail "compile_model (pkg-config) exits $?"
# (ldd's output is kept first: grep -q stopping early would kill ldd, and
# pipefail would count that as a failure.)
deps=$(ldd "$work/fir_modsched_pc")
grep -q "libnnpipe.so.$major => $prefix" <<<"$deps" \
    || fail "the pkg-config build does not use the installed shared library"
ok "built and ran the samples with pkg-config against libnnpipe.so.$major"

# ---- CMake package ----
for kind in shared static; do
    st=OFF; [ $kind = static ] && st=ON
    cmake -S "$src/samples/embed" -B "$work/cmake_$kind" -DCMAKE_PREFIX_PATH="$prefix" \
        -DNNPIPE_EMBED_STATIC=$st -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
        >"$work/cmake_$kind.log" 2>&1 \
        || { cat "$work/cmake_$kind.log" >&2; fail "configuring samples/embed ($kind)"; }
    # Linking statically is the point of the second build: two programs do.
    targets="fir_modsched quickstart"; [ $kind = shared ] && targets="$targets compile_model"
    # shellcheck disable=SC2086
    cmake --build "$work/cmake_$kind" -j2 --target $targets >>"$work/cmake_$kind.log" 2>&1 \
        || { cat "$work/cmake_$kind.log" >&2; fail "building samples/embed ($kind)"; }
    b=$work/cmake_$kind
    "$b/fir_modsched" >"$out/fir_cmake_$kind.txt" || fail "fir_modsched ($kind) exits $?"
    "$b/quickstart" "$src/samples/lenet5.onnx" >"$out/quickstart_cmake_$kind.txt" \
        || fail "quickstart ($kind) exits $?"
done
b=$work/cmake_shared
"$b/compile_model" "$src/samples/lenet5.json" "$src/samples/targets/vta.json" \
    >"$out/compile_model_cmake.txt" || fail "compile_model (CMake) exits $?"
# A model that does not exist: the library's message, exit 1.
st=0; "$b/compile_model" "$work/missing.onnx" 2>"$out/compile_model_missing.txt" || st=$?
[ $st -eq 1 ] || fail "compile_model on a missing file exits $st, want 1"
deps=$(ldd "$work/cmake_static/fir_modsched")
if grep -q libnnpipe <<<"$deps"; then fail "the static build links libnnpipe.so"; fi
ok "built and ran the samples with find_package(nnpipe), shared and static"

# ---- Relocation: the package and .pc find the prefix from where they are ----
mv "$prefix" "$work/moved"
PKG_CONFIG_PATH=$work/moved/$libdir/pkgconfig pkg-config --cflags nnpipe >"$out/pc_moved.txt"
ok "relocated prefix"
echo "all install checks passed"
