#!/usr/bin/env bash
# tests/cli/install_package.sh — `cmake --install` writes a working program and a CMake package.
#   1. installs BUILD into a temporary prefix: binary, headers, libraries, data, package files;
#   2. builds examples/hello_workload (copied out of the tree) as a separate project against it
#      with find_package(xpubench), and runs its xpubench: the installed workloads plus hello;
#   3. moves the prefix and runs the installed xpubench from elsewhere: it finds its data through
#      the install prefix and never names the checkout.
#   4. installs the example's binary into the prefix: it finds the same share folder.
# The separate project compiles two files (hello.cpp and its registration unit) and links the
# installed libraries: the core is not compiled again.
# usage: install_package.sh SOURCE_DIR BUILD_DIR [CMAKE_ARGS...] (compiler and launcher of BUILD)
set -uo pipefail
SRC="$1"; BUILD="$2"; shift 2
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $* ($(( $(date +%s) - t0 )) s)"; }
t0=$(date +%s)

# 1. Install.
P="$T/prefix"
cmake --install "$BUILD" --prefix "$P" >/dev/null || fail "cmake --install failed"
for f in bin/xpubench include/xpubench/core/plugin/plugin.hpp include/xpubench/core/base/kokkos_compat.hpp \
         lib/cmake/xpubench/xpubenchConfig.cmake lib/cmake/xpubench/xpubenchConfigVersion.cmake \
         lib/cmake/xpubench/xpubenchTargets.cmake lib/cmake/xpubench/XpbWorkloads.cmake \
         share/xpubench/platforms/nvidia-h20.yaml share/xpubench/experiments/quickstart.yaml \
         share/xpubench/analysis/plots/plot_results.py share/xpubench/data/model/constants.yaml; do
  [ -e "$P/$f" ] || fail "not installed: $f"
done
step "installed"

# 2. The example workload as its own project, from outside the tree.
cp -r "$SRC/examples/hello_workload" "$T/hello"
cmake -S "$T/hello" -B "$T/hello-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$P" \
  -DCMAKE_INSTALL_PREFIX="$P" "$@" > "$T/configure.log" 2>&1 ||
  { cat "$T/configure.log"; fail "the example does not configure against the package"; }
grep -q "xpubench: xpubench links the workloads .*hello" "$T/configure.log" ||
  { cat "$T/configure.log"; fail "hello is not among the linked workloads"; }
cmake --build "$T/hello-build" > "$T/build.log" 2>&1 || { cat "$T/build.log"; fail "the example does not build"; }
compiled=$(grep -c 'Building CXX object' "$T/build.log")
[ "$compiled" -le 2 ] || { cat "$T/build.log"; fail "the example compiled $compiled files (want 2: no core)"; }
step "built the example against the package ($compiled files compiled)"
H="$T/hello-build/bin/xpubench"
mkdir -p "$T/work" "$T/home"
run() { (cd "$T/work" && env -u XPB_SHARE_DIR -u XPB_CACHE_DIR -u XPB_PLATFORM_DIR HOME="$T/home" "$@") 2>&1; }
out="$(run "$H" list workloads)" || fail "hello build: list workloads failed: $out"
printf '%s\n' "$out" | grep '^hello ' >/dev/null || fail "hello build does not list hello: $out"
printf '%s\n' "$out" | grep '^stream ' >/dev/null || fail "hello build lost the installed stream workload: $out"
out="$(run "$H" run "$T/hello/hello.yaml" -o "$T/hello.h5")" || fail "hello run failed: $out"
printf '%s\n' "$out" | tail -n 3
printf '%s' "$out" | grep "2 cell(s) run, .* 0 not ok" >/dev/null || fail "hello run: not 2 cells ok: $out"
h5dump -a /workloads_built "$T/hello.h5" | grep 'hello' >/dev/null || fail "the result set does not name hello"
# From its build folder it reads the package's share folder (build-hello/share/xpubench, a link).
run "$H" list platforms | grep nvidia-h20 >/dev/null || fail "the example's binary finds no descriptors: $(run "$H" list paths)"
out="$(run "$H" validate "$P/share/xpubench/experiments/quickstart.yaml")" || fail "example validate: $out"
step "ran the hello workload"

# 3. The installed program, moved, away from the checkout.
mv "$P" "$T/moved"; P="$T/moved"
X="$P/bin/xpubench"
for cmd in "--version" "list paths" "list platforms" "list workloads" "show platform nvidia-h20"; do
  # shellcheck disable=SC2086
  out="$(run "$X" $cmd)" || fail "installed xpubench $cmd failed: $out"
  if printf '%s' "$out" | grep -F -- "$SRC/" >/dev/null; then fail "installed xpubench $cmd names the checkout: $out"; fi
done
run "$X" list paths | grep -E "^share +$P/share/xpubench +install prefix $P" >/dev/null ||
  fail "the share folder is not the install prefix's: $(run "$X" list paths)"
run "$X" list platforms | grep nvidia-h20 >/dev/null || fail "no platforms from the prefix"
run "$X" --version | grep '^xpubench ' >/dev/null || fail "--version"
out="$(run "$P/bin/xpubench" validate "$P/share/xpubench/experiments/quickstart.yaml")" || fail "validate: $out"
step "the installed program works from a moved prefix"
# Installed into the prefix (replacing xpubench), the example's binary uses the prefix's share folder.
cmake --install "$T/hello-build" --prefix "$P" >/dev/null || fail "installing the example failed"
run "$X" list workloads | grep '^hello ' >/dev/null || fail "the installed example does not list hello"
run "$X" list paths | grep -E "^share +$P/share/xpubench +install prefix" >/dev/null || fail "the installed example has no share"
step "the example installed next to xpubench"
echo PASS
