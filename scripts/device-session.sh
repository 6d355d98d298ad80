#!/usr/bin/env bash
# scripts/device-session.sh — one lent GPU session in one call: the device check of
# scripts/device-check.sh and Nsight Compute on one launch of the native 4096³ GEMM, with what
# comes back gathered into a handful of files (a lent machine returns at most 8).
#
#   scripts/device-session.sh prepare            (here, after `make cuda`)
#       scripts/device-check.sh pack, then the pack as one .devpack/pack.tar.xz (about 16 MB; the
#       pack itself is about 61 MiB, too close to a transfer limit of 64 MiB with the source tree),
#       and .devpack/ listed in .git/info/exclude so that it travels only when carried.
#   scripts/device-session.sh run [OUT]          (there, from the repository root, carrying .devpack)
#       Unpacks it under /tmp, runs device-check.sh run (--budget $BUDGET, default 240 s, --tests
#       $TESTS, default 120 s), then, if fewer than $NCU_BEFORE seconds (default 420) have passed
#       and ncu is there, profiles one launch of the register-tiled GEMM kernel (SpeedOfLight,
#       occupancy, launch, compute, memory and warp-state sections). Into OUT (default $OUT):
#       gpu.txt (nvidia-smi and the pack's MANIFEST), run.log, measured-vs-h200.md, cells.tsv,
#       tests.tsv, ncu.txt and results.tgz (the result sets, reports and logs). Exits 3 with
#       "no NVIDIA GPU" where there is none, as device-check.sh does.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { printf 'device-session: error: %s\n' "$1" >&2; exit 2; }

cmd_prepare() {
  cd "$ROOT" || die "cannot enter $ROOT"
  bash scripts/device-check.sh pack || die "the pack failed (above)"
  mkdir -p .devpack .git/info
  grep -qx '/.devpack/' .git/info/exclude 2>/dev/null || echo '/.devpack/' >>.git/info/exclude
  tar cJf .devpack/pack.tar.xz -C .cache device-pack || die "cannot write .devpack/pack.tar.xz"
  echo "device-session: .devpack/pack.tar.xz, $(du -h .devpack/pack.tar.xz | cut -f1); carry .devpack and run:"
  echo "  bash scripts/device-session.sh run"
}

cmd_run() {
  local out="${1:-${OUT:-}}" t0 p rc
  [ -n "$out" ] || die "no output folder (give one, or set OUT)"
  mkdir -p "$out" || die "cannot create $out"
  [ -s "$ROOT/.devpack/pack.tar.xz" ] || die "$ROOT/.devpack/pack.tar.xz: no pack (scripts/device-session.sh prepare, then carry .devpack)"
  t0=$(date +%s)
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv \
    >"$out/gpu.txt" 2>&1
  rm -rf /tmp/xpb-session && mkdir -p /tmp/xpb-session &&
    tar xJf "$ROOT/.devpack/pack.tar.xz" -C /tmp/xpb-session || die "cannot unpack the pack"
  p=/tmp/xpb-session/device-pack
  cat "$p/MANIFEST" >>"$out/gpu.txt"
  "$p/device-check.sh" run --out /tmp/xpb-session/results --budget "${BUDGET:-240}" --tests "${TESTS:-120}" \
    >"$out/run.log" 2>&1
  rc=$?
  echo "device-check exit $rc after $(( $(date +%s) - t0 )) s" >>"$out/run.log"
  [ "$rc" = 3 ] && { cat "$out/run.log"; exit 3; }
  for f in measured-vs-h200.md cells.tsv tests.tsv; do
    [ -f "/tmp/xpb-session/results/$f" ] && cp "/tmp/xpb-session/results/$f" "$out/"
  done
  if command -v ncu >/dev/null 2>&1 && [ $(( $(date +%s) - t0 )) -lt "${NCU_BEFORE:-420}" ]; then
    # The native GEMM cell of device-check-bench.yaml, by workload and path.
    local cell
    cell=$("$p/xpubench" run "$p/experiments/device-check-bench.yaml" --dry-run |
             awk '$2 == "gemm" && / path=native/ {print $1; exit}')
    XPB_CUBLAS_DIR="$(sed -n 's/^device-check: cuBLAS: //p' "$out/run.log" | head -n1)" \
      CUDA_CACHE_PATH=/tmp/xpb-session/results/cuda-jit-cache XPB_CACHE_DIR=/tmp/xpb-session/results/cache \
      timeout 90 ncu --clock-control none -k regex:RegisterTile --launch-count 1 \
      --section SpeedOfLight --section Occupancy --section LaunchStats --section ComputeWorkloadAnalysis \
      --section MemoryWorkloadAnalysis --section WarpStateStats \
      "$p/xpubench" run "$p/experiments/device-check-bench.yaml" -o /tmp/xpb-session/ncu.h5 --force \
      --only "$cell" >"$out/ncu.txt" 2>&1
    echo "ncu exit $? at $(( $(date +%s) - t0 )) s" >>"$out/ncu.txt"
  fi
  tar czf "$out/results.tgz" -C /tmp/xpb-session/results --exclude=cuda-jit-cache --exclude=cache . 2>/dev/null
  ls -l "$out"
  return "$rc"
}

case "${1:-}" in
  prepare) cmd_prepare ;;
  run) shift; cmd_run "$@" ;;
  *) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
