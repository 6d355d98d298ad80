#!/usr/bin/env bash
# tests/cli/extra_workload.sh — configures a second build with the examples/ workload added through
# XPB_EXTRA_WORKLOAD_DIRS (the in-tree workloads and MPI off, to keep it short), then checks that the
# binary lists it, runs it, and calibrates the host's memory bandwidth with it: `hello` declares
# the memory_bandwidth capability and is the only workload that does in this build.
# The folder is given relative to the directory cmake runs in (the checkout), as the README does;
# a second folder added later recompiles only its own source and the registration unit.
set -euo pipefail
SRC="$1"; BUILD="$2"; shift 2  # then extra cmake arguments (compiler launcher)
# Also the build without MPI, so that the stubs in core/base/mpi.cpp stay compiled. Unoptimised
# (-O0): this build's compile time is what counts, as it runs alone at the end of `make test` (the
# test is RUN_SERIAL); on the 2-core machine, otherwise idle, the whole script took 210 and 222 s
# at the Release -O3, 134, 184 and 156 s at -O0 (2026-12-06, runs alternated).
(cd "$SRC" && cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXPB_ENABLE_TESTS=OFF \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O0 -DNDEBUG" \
  -DXPB_ENABLE_MPI=OFF -DXPB_WORKLOAD_ERNIE=OFF -DXPB_WORKLOAD_GPT=OFF -DXPB_WORKLOAD_MLP=OFF \
  -DXPB_WORKLOAD_MICRO=OFF -DXPB_WORKLOAD_STREAM=OFF \
  -DXPB_EXTRA_WORKLOAD_DIRS="examples/hello_workload" "$@" >/dev/null)
grep -qx "XPB_EXTRA_WORKLOAD_DIRS:STRING=$SRC/examples/hello_workload" "$BUILD/CMakeCache.txt" ||
  { echo "FAIL: the relative folder is not stored absolute"; grep XPB_EXTRA "$BUILD/CMakeCache.txt"; exit 1; }
cmake --build "$BUILD" --target xpubench --parallel "$(nproc)" >/dev/null
"$BUILD/cli/xpubench" list workloads | grep '^hello ' >/dev/null || { echo "FAIL: hello not listed"; exit 1; }
"$BUILD/cli/xpubench" --version | grep 'hello' >/dev/null || { echo "FAIL: --version does not name hello"; exit 1; }
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
"$BUILD/cli/xpubench" run "$SRC/examples/hello_workload/hello.yaml" -o "$out/hello.h5"
"$BUILD/cli/xpubench" list workloads | grep '^stream ' >/dev/null && { echo "FAIL: stream is built"; exit 1; }
"$BUILD/cli/xpubench" calibrate --quick --link-ranks 0 -o "$out/calibrated.yaml"
grep -A3 '^memory:' "$out/calibrated.yaml" |
  grep -q 'bandwidth: {.*confidence: measured.*hello step, fp64, n=2^22' ||
  { echo "FAIL: the memory bandwidth was not measured with hello"; cat "$out/calibrated.yaml"; exit 1; }
grep -q 'matmul_peak (gemm ceilings and efficiency table): not built' "$out/calibrated.yaml" ||
  { echo "FAIL: the missing matmul_peak is not noted"; exit 1; }
# A second folder (hello renamed hello2, outside the tree), added from the build folder: only its
# source and the registration unit compile; nothing of core/, cli/ or hello.
W2="$out/hello2"; mkdir -p "$W2"
sed 's/register_hello/register_hello2/; s/info.name = "hello"/info.name = "hello2"/' \
  "$SRC/examples/hello_workload/hello.cpp" > "$W2/hello2.cpp"
echo 'xpb_add_workload(NAME hello2 SOURCES hello2.cpp)' > "$W2/CMakeLists.txt"
(cd "$BUILD" && cmake . "-DXPB_EXTRA_WORKLOAD_DIRS=$SRC/examples/hello_workload;$W2" >/dev/null)
# (counted on the real build: a dry run also lists build_info.cpp, which is rewritten only when the
# git state changed, and so never between these two builds)
plan="$(cmake --build "$BUILD" --target xpubench | grep 'Building CXX object' || true)"
printf '%s\n' "$plan" | sed 's/^/  | /'
rebuilt="$(printf '%s' "$plan" | grep -c 'Building CXX object' || true)"
[ "$rebuilt" = 2 ] || { echo "FAIL: adding a workload folder recompiles $rebuilt files (want 2)"; exit 1; }
"$BUILD/cli/xpubench" list workloads | grep '^hello2 ' >/dev/null || { echo "FAIL: hello2 not listed"; exit 1; }
echo PASS
