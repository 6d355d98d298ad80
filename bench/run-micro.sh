#!/usr/bin/env bash
# bench/run-micro.sh — side by side on this machine: the native Kokkos GEMM vs OpenBLAS sgemm
# (n = 512, 1024, 2048; 1 and N threads) and the Kokkos triad vs a plain C++/OpenMP triad, with
# the ratios and the issue-5 targets (GEMM >= 0.7x at n=2048 on 2 threads; triad >= 0.95x).
# Usage: bench/run-micro.sh [BUILD_DIR]   (default: build). Builds the two drivers if needed.
# Timings are only meaningful on an otherwise idle machine: the script warns when it is not.
set -euo pipefail

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"
cmake --build "$BUILD" --target xpb_bench_gemm xpb_bench_triad >/dev/null
GEMM="$BUILD/bench/xpb_bench_gemm"
TRIAD="$BUILD/bench/xpb_bench_triad"

NPROC=$(nproc)
THREADS="1"
if [ "$NPROC" -gt 1 ]; then THREADS="1 $NPROC"; fi
LOAD=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD" -v n="$NPROC" 'BEGIN { exit !(l > 0.5 * n) }'; then
  echo "warning: load average $LOAD on $NPROC CPUs: other work is running, ratios will be noisy" >&2
fi

# GEMM runs unbound: OpenBLAS's worker threads inherit the main thread's affinity, and with
# OMP_PROC_BIND=spread that is one core, which halves OpenBLAS on 2 threads (measured).
echo "# native Kokkos GEMM vs OpenBLAS sgemm (fp32, square, best of several runs)"
gemm_out=""
for t in $THREADS; do
  out=$(OMP_PROC_BIND=false OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "$GEMM" 512 1024 2048)
  echo "$out"
  gemm_out+="$out"$'\n'
done
echo "# Kokkos triad vs plain OpenMP triad (fp64, 3 x 2^25 elements, same arrays, 30 alternating runs)"
triad_out=""
for t in $THREADS; do
  out=$(OMP_PROC_BIND=spread OMP_PLACES=threads OMP_NUM_THREADS=$t "$TRIAD")
  echo "$out"
  triad_out+="$out"$'\n'
done

# Targets: the GEMM ratio at n=2048 on the most threads, the triad ratio (best) on the most threads.
T=${THREADS##* }
g=$(echo "$gemm_out" | awk -v t="threads=$T" '$2 == "n=2048" && $3 == t { print $NF }')
r=$(echo "$triad_out" | awk -v t="threads=$T" '$3 == t { for (i = 1; i <= NF; ++i) if ($i == "ratio") print $(i + 1) }')
verdict() { awk -v x="$1" -v m="$2" 'BEGIN { print (x >= m ? "meets" : "BELOW") }'; }
echo "# summary"
echo "gemm native/openblas at n=2048, $T threads: $g ($(verdict "$g" 0.70) target 0.70)"
echo "triad kokkos/openmp, $T threads: $r ($(verdict "$r" 0.95) target 0.95)"
