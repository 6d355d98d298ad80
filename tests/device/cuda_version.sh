#!/usr/bin/env bash
# tests/device/cuda_version.sh CUDA_BUILD EXPECT — the CUDA build's `xpubench --version` on this
# machine, which has no GPU: it names the Cuda backend and the GPU arch it was compiled for,
# without initialising Kokkos (which needs a GPU: any other command aborts here, checked first).
set -u
BUILD="$1"; EXPECT="$2"; BIN="$BUILD/cli/xpubench"
[ -x "$BIN" ] || { echo "SKIP: no CUDA build at $BUILD (make cuda)"; exit 77; }
if "$BIN" list workloads >/dev/null 2>&1; then
  echo "note: Kokkos initialised here, so this machine has a GPU; --version is checked all the same"
else
  echo "as expected without a GPU, a command that initialises Kokkos fails here"
fi
exec "$EXPECT" 0 "backend Cuda \(compiled: Cuda, Serial\), GPU arch AMPERE80 \(sm_80\).*workloads: .*gpt" \
  -- "$BIN" --version
