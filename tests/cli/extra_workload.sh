#!/usr/bin/env bash
# tests/cli/extra_workload.sh — configures a second build with the examples/ workload added through
# XPB_EXTRA_WORKLOAD_DIRS (other optional workloads and MPI off, to keep it short), then checks that the
# binary lists it and runs it.
set -euo pipefail
SRC="$1"; BUILD="$2"
# Also the build without MPI, so that the stubs in core/base/mpi.cpp stay compiled.
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXPB_ENABLE_TESTS=OFF \
  -DXPB_ENABLE_MPI=OFF -DXPB_WORKLOAD_ERNIE=OFF -DXPB_WORKLOAD_GPT=OFF -DXPB_WORKLOAD_MLP=OFF \
  -DXPB_WORKLOAD_MICRO=OFF -DXPB_EXTRA_WORKLOAD_DIRS="$SRC/examples/hello_workload" >/dev/null
cmake --build "$BUILD" --target xpubench --parallel "$(nproc)" >/dev/null
"$BUILD/cli/xpubench" list workloads | grep -q '^hello ' || { echo "FAIL: hello not listed"; exit 1; }
"$BUILD/cli/xpubench" --version | grep -q 'hello' || { echo "FAIL: --version does not name hello"; exit 1; }
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
"$BUILD/cli/xpubench" run "$SRC/examples/hello_workload/hello.yaml" -o "$out/hello.h5"
echo PASS
