#!/usr/bin/env bash
# tests/cli/extra_workload.sh — configures a second build with the examples/ workload added through
# XPB_EXTRA_WORKLOAD_DIRS (the in-tree workloads and MPI off, to keep it short), then checks that the
# binary lists it, runs it, and calibrates the host's memory bandwidth with it: `hello` declares
# the memory_bandwidth capability and is the only workload that does in this build.
set -euo pipefail
SRC="$1"; BUILD="$2"
# Also the build without MPI, so that the stubs in core/base/mpi.cpp stay compiled.
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXPB_ENABLE_TESTS=OFF \
  -DXPB_ENABLE_MPI=OFF -DXPB_WORKLOAD_ERNIE=OFF -DXPB_WORKLOAD_GPT=OFF -DXPB_WORKLOAD_MLP=OFF \
  -DXPB_WORKLOAD_MICRO=OFF -DXPB_WORKLOAD_STREAM=OFF \
  -DXPB_EXTRA_WORKLOAD_DIRS="$SRC/examples/hello_workload" >/dev/null
cmake --build "$BUILD" --target xpubench --parallel "$(nproc)" >/dev/null
"$BUILD/cli/xpubench" list workloads | grep -q '^hello ' || { echo "FAIL: hello not listed"; exit 1; }
"$BUILD/cli/xpubench" --version | grep -q 'hello' || { echo "FAIL: --version does not name hello"; exit 1; }
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
"$BUILD/cli/xpubench" run "$SRC/examples/hello_workload/hello.yaml" -o "$out/hello.h5"
"$BUILD/cli/xpubench" list workloads | grep -q '^stream ' && { echo "FAIL: stream is built"; exit 1; }
"$BUILD/cli/xpubench" calibrate --quick --link-ranks 0 -o "$out/calibrated.yaml"
grep -A3 '^memory:' "$out/calibrated.yaml" |
  grep -q 'bandwidth: {.*confidence: measured.*hello step, fp64, n=2^22' ||
  { echo "FAIL: the memory bandwidth was not measured with hello"; cat "$out/calibrated.yaml"; exit 1; }
grep -q 'matmul_peak (gemm ceilings and efficiency table): not built' "$out/calibrated.yaml" ||
  { echo "FAIL: the missing matmul_peak is not noted"; exit 1; }
echo PASS
