#!/usr/bin/env bash
# bench/run-all.sh [BUILD_DIR] — every side-by-side comparison in one go (what `make bench` runs):
# the plan-search speed, native Kokkos GEMM vs OpenBLAS and Kokkos triad vs plain OpenMP, and the
# GPT workload vs PyTorch. Meaningful only on an otherwise idle machine.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cmake --build "$BUILD" --target xpb_bench_plan_search xpubench >/dev/null
echo "== plan search (GPT-3 175B, 1024 devices, one core)"
"$BUILD/bench/xpb_bench_plan_search"
echo
echo "== micro: GEMM and triad"
bash bench/run-micro.sh "$BUILD"
echo
echo "== GPT workload vs PyTorch"
/usr/bin/python3 bench/gpt_vs_pytorch.py --xpubench "$BUILD/cli/xpubench"
