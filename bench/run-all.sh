#!/usr/bin/env bash
# bench/run-all.sh [BUILD_DIR] — every side-by-side comparison in one go (what `make bench` runs):
# the plan-search speed, native Kokkos GEMM vs OpenBLAS and Kokkos triad vs plain OpenMP, the
# tiled attention and the layernorm/softmax row kernels against their ceilings (issue 17), the
# GPT and ERNIE training vs PyTorch, the runner's cost per cell over a 2,000-cell sweep, and the
# bit-reproducible data-parallel gradient exchange vs MPI_Allreduce on 2 ranks. Meaningful only on an otherwise idle machine.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cmake --build "$BUILD" --target xpb_bench_plan_search xpubench >/dev/null
cmake --build "$BUILD" --target xpb_bench_dp_exchange >/dev/null 2>&1 || true  # MPI builds only
echo "== plan search (GPT-3 175B, 1024 devices, one core)"
"$BUILD/bench/xpb_bench_plan_search"
echo
echo "== micro: GEMM and triad"
bash bench/run-micro.sh "$BUILD"
echo
echo "== kernels: attention vs GEMM and PyTorch, layernorm/softmax vs triad bandwidth"
bash bench/run-kernels.sh "$BUILD"
echo
echo "== GPT and ERNIE training vs PyTorch (target: >= 2x at each side's best thread count)"
/usr/bin/python3 bench/training_vs_pytorch.py --xpubench "$BUILD/cli/xpubench" --workload gpt --config small
/usr/bin/python3 bench/training_vs_pytorch.py --xpubench "$BUILD/cli/xpubench" --workload ernie --config medium
echo
echo "== runner and result store: cost per cell over a 2,000-cell sweep"
/usr/bin/python3 bench/runner_scaling.py --xpubench "$BUILD/cli/xpubench" || true

if [ -x "$BUILD/bench/xpb_bench_dp_exchange" ] && command -v mpirun >/dev/null; then
  echo
  echo "== data-parallel gradient exchange (canonical order) vs MPI_Allreduce, 2 ranks"
  root=(); [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
  OMP_NUM_THREADS=1 OMP_PROC_BIND=false mpirun -n 2 "${root[@]}" "$BUILD/bench/xpb_bench_dp_exchange" 30
fi
