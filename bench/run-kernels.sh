#!/usr/bin/env bash
# bench/run-kernels.sh — issue 17's kernel targets, side by side on this machine, at 1 and N
# threads: the tiled attention fwd+bwd (T=512, d_head=64, 8 heads) vs the native GEMM's FLOP/s
# (target >= 0.5x) and vs PyTorch's matmul-softmax-matmul composition (target >= 1.5x);
# layernorm and softmax fwd/bwd at 128 MiB per operand vs the triad bandwidth (target >= 0.7x).
# Prints every ratio with its target and meets/BELOW. Ratios only mean something side by side:
# absolute numbers move with the machine's load, which the script prints.
# Usage: bench/run-kernels.sh [BUILD_DIR]
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cmake --build "$BUILD" --target xpb_bench_attention xpb_bench_rownorm >/dev/null
NPROC=$(nproc)
THREADS="1"
if [ "$NPROC" -gt 1 ]; then THREADS="1 $NPROC"; fi
echo "# load: $(uptime)"
verdict() { awk -v x="$1" -v m="$2" 'BEGIN { print (x >= m ? "meets" : "BELOW") }'; }
summary=()
for t in $THREADS; do
  echo "# $t thread(s): attention vs native GEMM (15 alternated rounds, medians)"
  a=$(OMP_PROC_BIND=false OMP_NUM_THREADS=$t "$BUILD/bench/xpb_bench_attention" 15)
  echo "$a"
  echo "# $t thread(s): attention vs PyTorch composition"
  p=$(/usr/bin/python3 bench/attention_vs_torch.py --driver "$BUILD/bench/xpb_bench_attention" \
        --threads "$t" --pairs 5 --rounds 9)
  echo "$p"
  echo "# $t thread(s): layernorm / softmax vs triad (15 alternated rounds, medians)"
  r=$(OMP_PROC_BIND=spread OMP_PLACES=threads OMP_NUM_THREADS=$t "$BUILD/bench/xpb_bench_rownorm" 15)
  echo "$r"
  for mode in causal bidirectional; do
    x=$(echo "$a" | awk -v k="attention_$mode/gemm" '$1 == "ratio" && $2 == k { print $3 }')
    summary+=("threads=$t attention_$mode/gemm_flops $x target 0.50 $(verdict "$x" 0.5)")
    x=$(echo "$p" | awk -v k="attention_$mode" '$1 == k { print $NF }')
    summary+=("threads=$t attention_$mode speedup_vs_torch $x target 1.50 $(verdict "$x" 1.5)")
  done
  for k in layernorm_fwd layernorm_bwd softmax_fwd softmax_bwd; do
    x=$(echo "$r" | awk -v k="$k/triad" '$1 == "ratio" && $2 == k { print $3 }')
    summary+=("threads=$t $k/triad_bandwidth $x target 0.70 $(verdict "$x" 0.7)")
  done
done
echo "# summary (ratio, target, verdict)"
printf '%s\n' "${summary[@]}"
