#!/usr/bin/env bash
# scripts/device-check.sh — run the CUDA build of xpubench on a machine with an NVIDIA GPU that has
# none of the build's libraries (no HDF5, yaml-cpp, ... and nothing can be installed there), and
# compare what it measures with the performance model's nvidia-h200-sxm projection.
#
#   scripts/device-check.sh pack [CUDA_BUILD_DIR [PACK_DIR]]   (here, after `make cuda`)
#       Packs build-cuda/cli/xpubench (stripped) with every shared library it needs (found with
#       ldd; not the NVIDIA driver's libcuda, not glibc), the platform descriptors, the two
#       experiments and the KJV text into PACK_DIR (default .cache/device-pack), checks it (below)
#       and prints its size. cuBLAS is not packed: the binary opens it at run time (dlopen), and
#       the run step looks for it in the GPU machine's CUDA toolkit or PyTorch's wheel.
#   scripts/device-check.sh verify PACK_DIR
#       The pack is under 64 MiB, and ldd of the packed binary with the pack's lib/ resolves
#       every library from the pack, except glibc (the machine's) and libcuda (the driver's).
#   PACK_DIR/device-check.sh run [--out DIR]         (on the GPU machine, from the pack)
#       Runs experiments/h20-parity.yaml (all but the MPI allreduce cells, which need 2 ranks) and
#       experiments/device-check-gpt.yaml (a GPT training cell) on the GPU, each under a time
#       limit (about 7 minutes together), writes their result sets to DIR (default
#       PACK_DIR/results), checks that their provenance names the GPU, driver and the Cuda
#       backend, and writes DIR/measured-vs-h200.md: measured step time vs the nvidia-h200-sxm
#       projection per cell. Exits 3 with "no NVIDIA GPU" where there is none.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MAX_PACK_BYTES=$((64 * 1024 * 1024))
die() { printf 'device-check: error: %s\n' "$1" >&2; [ -n "${2:-}" ] && printf 'hint: %s\n' "$2" >&2; exit 2; }
log() { printf 'device-check: %s\n' "$*" >&2; }

# glibc's own libraries come from the machine that runs the pack; so does the driver (libcuda,
# libnvidia-*), which must match the kernel module there.
is_system_lib() {
  case "$1" in
    linux-vdso.so*|ld-linux*|libc.so*|libm.so*|libmvec.so*|libpthread.so*|libdl.so*|librt.so*|\
    libresolv.so*|libutil.so*|libanl.so*|libnsl.so*|libBrokenLocale.so*|libnss_*) return 0 ;;
    libcuda.so*|libnvidia-*) return 0 ;;
  esac
  return 1
}

# ------------------------------------------------------------------------------------------------
# verify PACK_DIR

cmd_verify() {
  local pack="${1:?verify needs PACK_DIR}" bytes bad=0 name arrow path rest
  [ -x "$pack/bin/xpubench" ] || die "$pack/bin/xpubench: no packed binary" "scripts/device-check.sh pack"
  bytes=$(du -sb "$pack" | cut -f1)
  echo "pack: $pack, $((bytes / 1024 / 1024)) MiB ($bytes bytes; limit $MAX_PACK_BYTES)"
  if [ "$bytes" -ge "$MAX_PACK_BYTES" ]; then echo "FAIL: the pack is 64 MiB or more"; bad=1; fi
  # Every library ldd names must resolve inside the pack, except glibc and the driver's.
  while read -r name arrow path rest; do
    [ "$arrow" = "=>" ] || continue
    is_system_lib "$name" && continue
    case "$path" in
      "$pack"/lib/*) ;;
      *) echo "FAIL: $name resolves to '$path $rest', not to the pack's lib/"; bad=1 ;;
    esac
  done < <(LD_LIBRARY_PATH="$pack/lib" ldd "$pack/bin/xpubench")
  if [ "$bad" = 0 ]; then
    echo "ldd: every library resolves from $pack/lib (glibc and libcuda excepted):"
    LD_LIBRARY_PATH="$pack/lib" ldd "$pack/bin/xpubench" | sed 's/^/  /'
    echo "PASS"
  fi
  return "$bad"
}

# ------------------------------------------------------------------------------------------------
# pack [CUDA_BUILD_DIR [PACK_DIR]]

cmd_pack() {
  local root build pack bin name arrow path rest
  root="$(cd "$HERE/.." && pwd)"
  build="$(cd "${1:-$root/build-cuda}" 2>/dev/null && pwd)" ||
    die "${1:-$root/build-cuda}: no CUDA build" "make cuda (or cmake --preset cuda && cmake --build build-cuda)"
  pack="${2:-$root/.cache/device-pack}"
  bin="$build/cli/xpubench"
  [ -x "$bin" ] || die "$bin: not built" "cmake --build $build --target xpubench"
  "$bin" --version 2>&1 | grep -q "backend Cuda" ||
    die "$bin is not a CUDA build (its --version names no Cuda backend)" "configure with cmake --preset cuda"
  [ -s "$root/.cache/data/kjv.txt" ] || die "$root/.cache/data/kjv.txt: no corpus" "scripts/setup.sh"
  rm -rf "$pack" && mkdir -p "$pack/bin" "$pack/lib" "$pack/experiments" "$pack/platforms" "$pack/data"
  strip -o "$pack/bin/xpubench" "$bin"
  while read -r name arrow path rest; do
    [ "$arrow" = "=>" ] || continue
    is_system_lib "$name" && continue
    [ -f "$path" ] || die "$bin needs $name, which ldd does not find here" "install it, or fix the build"
    cp -L "$path" "$pack/lib/$name"
  done < <(ldd "$bin")
  cp "$root"/platforms/*.yaml "$pack/platforms/"
  cp "$root/experiments/h20-parity.yaml" "$root/experiments/device-check-gpt.yaml" "$pack/experiments/"
  cp "$root/.cache/data/kjv.txt" "$pack/data/"
  cp "$HERE/device-check.sh" "$pack/device-check.sh"
  cat >"$pack/xpubench" <<'WRAP'
#!/bin/sh
# The packed xpubench with the pack's libraries (and cuBLAS where device-check.sh found it).
here="$(cd "$(dirname "$0")" && pwd)"
export LD_LIBRARY_PATH="$here/lib${XPB_CUBLAS_DIR:+:$XPB_CUBLAS_DIR}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XPB_PLATFORM_DIR="${XPB_PLATFORM_DIR:-$here/platforms}" XPB_DATA_DIR="${XPB_DATA_DIR:-$here/data}"
exec "$here/bin/xpubench" "$@"
WRAP
  chmod +x "$pack/xpubench" "$pack/device-check.sh"
  {
    echo "packed $(date -u +%FT%TZ) from $bin"
    echo "git commit: $(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
    "$pack/xpubench" --version
    echo "libraries:"; (cd "$pack/lib" && ls -l | awk 'NR > 1 {print "  " $9 " " $5}')
  } >"$pack/MANIFEST"
  cmd_verify "$pack"
}

# ------------------------------------------------------------------------------------------------
# run [--out DIR]   (from inside a pack, on the GPU machine)

find_cublas_dir() {  # the folder holding libcublas.so.<major> on this machine, or nothing
  local d py
  for d in "${CUDA_HOME:+$CUDA_HOME/lib64}" /usr/local/cuda/lib64 /usr/local/cuda/lib \
           /usr/lib/x86_64-linux-gnu; do
    [ -n "$d" ] && ls "$d"/libcublas.so.* >/dev/null 2>&1 && { echo "$d"; return 0; }
  done
  for py in python3 /opt/torch/.venv/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    d=$("$py" -c 'import os, nvidia.cublas as c; print(os.path.join(list(c.__path__)[0], "lib"))' 2>/dev/null) || continue
    ls "$d"/libcublas.so.* >/dev/null 2>&1 && { echo "$d"; return 0; }
  done
  return 0
}

cmd_run() {
  local pack="$HERE" out="" gpu t0 rc_parity rc_gpt ok=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out="${2:?--out needs a directory}"; shift 2 ;;
      *) die "unknown option $1" "device-check.sh run [--out DIR]" ;;
    esac
  done
  [ -x "$pack/bin/xpubench" ] ||
    die "$pack has no packed binary: 'run' runs from inside a pack" "scripts/device-check.sh pack, then PACK/device-check.sh run"
  out="${out:-$pack/results}"
  gpu=""
  if command -v nvidia-smi >/dev/null 2>&1; then
    gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n1 || true)
  fi
  if [ -z "$gpu" ]; then
    echo "device-check: no NVIDIA GPU on this machine (nvidia-smi is missing or lists no GPU): nothing run."
    echo "hint: run PACK/device-check.sh run on a machine with an NVIDIA GPU and its driver"
    exit 3
  fi
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  log "GPU: $gpu"
  export XPB_CUBLAS_DIR
  XPB_CUBLAS_DIR="$(find_cublas_dir)"
  [ -n "$XPB_CUBLAS_DIR" ] && log "cuBLAS: $XPB_CUBLAS_DIR" ||
    log "cuBLAS not found (no CUDA toolkit lib64, no PyTorch nvidia-cublas): the gemm path=vendor cells will fail"
  # Device code is sm_80 machine code plus its PTX; a newer GPU JIT-compiles the PTX once into
  # this cache (kept with the results so that a second run starts at once).
  export CUDA_CACHE_PATH="$out/cuda-jit-cache" CUDA_CACHE_MAXSIZE=4294967296
  export XPB_CACHE_DIR="$out/cache"
  "$pack/xpubench" --version | tee "$out/version.txt"
  LD_LIBRARY_PATH="$pack/lib" ldd "$pack/bin/xpubench" | grep "not found" | grep -v libcuda &&
    die "the packed binary misses libraries here (above)" "re-pack on the build machine"

  # h20-parity without the allreduce cells (they need mpirun -n 2; alone they are stored invalid).
  t0=$(date +%s)
  set +e
  timeout 300 "$pack/xpubench" run "$pack/experiments/h20-parity.yaml" -o "$out/h20-parity.h5" --force \
    --only gemm --only attention --only layernorm --only softmax --only stream --only launch \
    2>&1 | tee "$out/h20-parity.log"
  rc_parity=${PIPESTATUS[0]}
  log "h20-parity: exit $rc_parity after $(( $(date +%s) - t0 )) s"
  t0=$(date +%s)
  timeout 150 "$pack/xpubench" run "$pack/experiments/device-check-gpt.yaml" -o "$out/gpt.h5" --force \
    2>&1 | tee "$out/gpt.log"
  rc_gpt=${PIPESTATUS[0]}
  set -e
  log "device-check-gpt: exit $rc_gpt after $(( $(date +%s) - t0 )) s"
  [ "$rc_parity" = 0 ] || ok=0
  [ "$rc_gpt" = 0 ] || ok=0

  local sets=()
  [ -f "$out/h20-parity.h5" ] && sets+=("$out/h20-parity.h5")
  [ -f "$out/gpt.h5" ] && sets+=("$out/gpt.h5")
  [ "${#sets[@]}" -gt 0 ] || die "no result set was written (logs in $out)"
  local s
  for s in "${sets[@]}"; do
    "$pack/xpubench" report "$s" --format json -o "${s%.h5}.report.json"
  done
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$out/measured-vs-h200.md" "${sets[@]/%.h5/.report.json}" <<'PY' || ok=0
# Measured step time on this GPU vs the nvidia-h200-sxm projection, per cell, and the provenance
# checks (GPU, driver, Cuda backend). Reads `xpubench report --format json`.
import json, sys
out, reports = sys.argv[1], sys.argv[2:]
def fmt(s):
    if s is None: return "n/a"
    for unit, f in (("s", 1), ("ms", 1e3), ("us", 1e6)):
        if s * f >= 1: return f"{s * f:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"
lines, bad = [], []
for path in reports:
    r = json.load(open(path))
    p = r["provenance"]
    for key in ("gpu_name", "gpu_driver"):
        if not p.get(key): bad.append(f"{r['result_set']}: provenance has no {key}")
    if p.get("kokkos_backend") != "Cuda":
        bad.append(f"{r['result_set']}: kokkos_backend is {p.get('kokkos_backend')!r}, not 'Cuda'")
    lines += [f"## {r['experiment']} ({r['result_set']})", "",
              f"GPU {p.get('gpu_name')} (compute capability {p.get('gpu_compute_capability')}, "
              f"{p.get('gpu_multiprocessors')} SMs), driver {p.get('gpu_driver')}, CUDA runtime "
              f"{p.get('cuda_runtime')}; Kokkos {p.get('kokkos_version')} backend "
              f"{p.get('kokkos_backend')}, device code {p.get('kokkos_gpu_arch')}; commit "
              f"{p.get('git_commit', '')[:12]}; {p.get('created_utc')}.", "",
              "| cell | workload | problem | status | measured median [quartiles] | "
              "projected nvidia-h200-sxm nominal [low, high] | measured / projected |",
              "|---|---|---|---|---|---|---|"]
    meas, proj = {}, {}
    for x in r["records"]:
        if x["quantity"] != "step_seconds": continue
        if x["section"] == "cells" and x["source"] == "measured": meas[x["cell"]] = x
        if x["section"] == "projection" and x["platform"] == "nvidia-h200-sxm": proj[x["cell"]] = x
    for cell, m in meas.items():
        q = proj.get(cell)
        ratio = "n/a"
        if q and q.get("value") and m.get("value"):
            ratio = f"{m['value'] / q['value']:.2f}"
        pr = (f"{fmt(q['value'])} [{fmt(q.get('low'))}, {fmt(q.get('high'))}]" if q and q.get("value")
              else ("n/a: " + q.get("note", "") if q else "not projected"))
        lines.append(f"| {cell} | {m['workload']} | {m['problem']} | {m.get('verdict', '')} | "
                     f"{fmt(m['value'])} [{fmt(m.get('low'))}, {fmt(m.get('high'))}] | {pr} | {ratio} |")
    lines.append("")
lines += ["Ledgers charge what an accelerator would train in (h20-parity: bf16 matrices, fp32 "
          "element-wise), while the kernels compute in fp32: a GEMM cell's measured/projected ratio "
          "includes the fp32/bf16 peak ratio.", ""]
if bad: lines += ["Provenance checks FAILED:"] + [f"- {b}" for b in bad]
else: lines += ["Provenance checks passed: every result set names the GPU, the driver and the Cuda backend."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(1 if bad else 0)
PY
  else
    log "no python3 here: the per-cell table is not written; the reports are in $out/*.report.json"
  fi
  if [ "$ok" = 1 ]; then log "done: results in $out"; else log "FAILED (see $out)"; exit 1; fi
}

case "${1:-}" in
  pack) shift; cmd_pack "$@" ;;
  verify) shift; cmd_verify "$@" ;;
  run) shift; cmd_run "$@" ;;
  *) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
