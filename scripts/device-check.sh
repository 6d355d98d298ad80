#!/usr/bin/env bash
# scripts/device-check.sh — run the CUDA build of xpubench on a machine with an NVIDIA GPU that has
# none of the build's libraries (no HDF5, yaml-cpp, ... and nothing can be installed there), and
# compare what it measures with the performance model's nvidia-h200-sxm projection.
#
#   scripts/device-check.sh pack [CUDA_BUILD_DIR [PACK_DIR]]   (here, after `make cuda`)
#       Packs build-cuda/cli/xpubench (stripped) with every shared library it needs (found with
#       ldd; not the NVIDIA driver's libcuda, not glibc), the platform descriptors, the three
#       experiments, the model's constants and the KJV text into PACK_DIR (default .cache/device-pack), checks it (below)
#       and prints its size. cuBLAS is not packed: the binary opens it at run time (dlopen), and
#       the run step looks for it in the GPU machine's CUDA toolkit or PyTorch's wheel.
#   scripts/device-check.sh verify PACK_DIR
#       The pack is under 64 MiB, and ldd of the packed binary with the pack's lib/ resolves
#       every library from the pack, except glibc (the machine's) and libcuda (the driver's).
#   PACK_DIR/device-check.sh run [--out DIR] [--budget S] [--tests S]   (on the GPU machine)
#       Runs experiments/device-check-gpt.yaml (a GPT training cell), device-check-bench.yaml (STREAM
#       and the 4096³ GEMM, native and cuBLAS: the bench targets) and then every cell of
#       experiments/h20-parity.yaml but the MPI allreduce ones (they need 2 ranks) on the GPU, each
#       cell in its own process appended to its result set (--resume), so that a cell that aborts
#       or hangs loses only itself, within S seconds (default 300; cells left when it is spent are
#       listed as not run). Writes the result sets to DIR (default PACK_DIR/results) with
#       cells.tsv (each cell's exit status and seconds), checks that their provenance names the
#       GPU, driver and the Cuda backend, and writes DIR/measured-vs-h200.md: measured step time
#       vs the nvidia-h200-sxm projection per cell. With --tests S and a packed bin/xpb_tests, the
#       test suite's kernel and workload tags then run on the GPU, one process per tag, within S
#       seconds (tests.log, tests.tsv). Exits 3 with "no NVIDIA GPU" where there is none.
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
  "$bin" --version 2>&1 | grep "backend Cuda" >/dev/null ||
    die "$bin is not a CUDA build (its --version names no Cuda backend)" "configure with cmake --preset cuda"
  [ -s "$root/.cache/data/kjv.txt" ] || die "$root/.cache/data/kjv.txt: no corpus" "scripts/setup.sh"
  rm -rf "$pack" && mkdir -p "$pack/bin" "$pack/lib" "$pack/experiments" "$pack/platforms" "$pack/data"
  strip -o "$pack/bin/xpubench" "$bin"
  # The test driver too, when the CUDA build has it and it adds no library (run --tests).
  if [ -x "$build/tests/xpb_tests" ] && [ -z "${XPB_PACK_NO_TESTS:-}" ]; then
    strip -o "$pack/bin/xpb_tests" "$build/tests/xpb_tests"
  fi
  while read -r name arrow path rest; do
    [ "$arrow" = "=>" ] || continue
    is_system_lib "$name" && continue
    [ -f "$path" ] || die "$bin needs $name, which ldd does not find here" "install it, or fix the build"
    [ -f "$pack/lib/$name" ] || cp -L "$path" "$pack/lib/$name"
  done < <(ldd "$bin"; if [ -x "$pack/bin/xpb_tests" ]; then ldd "$build/tests/xpb_tests"; fi)
  cp "$root"/platforms/*.yaml "$pack/platforms/"
  cp "$root/experiments/h20-parity.yaml" "$root/experiments/device-check-gpt.yaml" \
    "$root/experiments/device-check-bench.yaml" "$pack/experiments/"
  cp "$root/.cache/data/kjv.txt" "$pack/data/"
  # The pack is xpubench's share folder too: the performance model's constants are read from it.
  mkdir -p "$pack/data/model" && cp "$root"/data/model/*.yaml "$pack/data/model/"
  cp "$HERE/device-check.sh" "$pack/device-check.sh"
  cat >"$pack/xpubench" <<'WRAP'
#!/bin/sh
# The packed xpubench with the pack's libraries (and cuBLAS where device-check.sh found it).
here="$(cd "$(dirname "$0")" && pwd)"
export LD_LIBRARY_PATH="$here/lib${XPB_CUBLAS_DIR:+:$XPB_CUBLAS_DIR}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XPB_SHARE_DIR="${XPB_SHARE_DIR:-$here}" XPB_PLATFORM_DIR="${XPB_PLATFORM_DIR:-$here/platforms}"
export XPB_DATA_DIR="${XPB_DATA_DIR:-$here/data}"
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

# One cell of an experiment in its own process, appended to RESULT_SET (--resume): a cell that
# crashes (Kokkos::abort, a bad access) or overruns its time loses itself only. Appends
# "cell<TAB>exit<TAB>seconds" to $out/cells.tsv; 124 means the time limit, 134 an abort.
run_one_cell() {
  local exp="$1" set="$2" cell="$3" limit="$4" t0 rc
  t0=$(date +%s)
  timeout --kill-after=5 "$limit" "$pack/xpubench" run "$exp" -o "$set" --resume --only "$cell" \
    >>"${set%.h5}.log" 2>&1
  rc=$?
  printf '%s\t%s\t%s\t%s\n' "$(basename "$exp" .yaml)" "$cell" "$rc" "$(( $(date +%s) - t0 ))" >>"$out/cells.tsv"
  log "$(basename "$exp" .yaml) $cell: exit $rc after $(( $(date +%s) - t0 )) s"
  return "$rc"
}

# The cells of EXPERIMENT (their ids, from --dry-run), less those of the workloads named after it.
cell_ids() {
  local exp="$1"; shift
  "$pack/xpubench" run "$exp" --dry-run | awk -v skip=" $* " '
    $1 ~ /^[0-9a-f]+$/ && length($1) == 12 && index(skip, " " $2 " ") == 0 { print $1 }'
}

cmd_run() {
  local out="" budget=300 tests_budget=0 gpu start cell left rc ok=1
  pack="$HERE"
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out="${2:?--out needs a directory}"; shift 2 ;;
      --budget) budget="${2:?--budget needs seconds}"; shift 2 ;;
      --tests) tests_budget="${2:?--tests needs seconds}"; shift 2 ;;
      *) die "unknown option $1" "device-check.sh run [--out DIR] [--budget SECONDS] [--tests SECONDS]" ;;
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
  # Device code is sm_80 machine code plus its PTX; a newer GPU JIT-compiles the PTX (each kernel
  # at its first launch) into this cache, which the per-cell processes share.
  export CUDA_CACHE_PATH="${CUDA_CACHE_PATH:-$out/cuda-jit-cache}" CUDA_CACHE_MAXSIZE=4294967296
  export XPB_CACHE_DIR="$out/cache"
  "$pack/xpubench" --version | tee "$out/version.txt"
  LD_LIBRARY_PATH="$pack/lib" ldd "$pack/bin/xpubench" | grep "not found" | grep -v libcuda &&
    die "the packed binary misses libraries here (above)" "re-pack on the build machine"

  # The GPT cell first (a quarter of the budget, at least 60 s), then every h20-parity cell but the MPI
  # allreduce ones (they need 2 ranks), each in its own process, while the budget lasts.
  set +e
  : >"$out/cells.tsv"
  start=$(date +%s)
  rm -f "$out/gpt.h5" "$out/bench.h5" "$out/h20-parity.h5"
  for cell in $(cell_ids "$pack/experiments/device-check-gpt.yaml"); do
    run_one_cell "$pack/experiments/device-check-gpt.yaml" "$out/gpt.h5" "$cell" $(( budget / 4 > 60 ? budget / 4 : 60 )) || ok=0
  done
  # The bench targets (STREAM bandwidth, native GEMM against cuBLAS), up to a minute each.
  for cell in $(cell_ids "$pack/experiments/device-check-bench.yaml"); do
    run_one_cell "$pack/experiments/device-check-bench.yaml" "$out/bench.h5" "$cell" 60 || ok=0
  done
  for cell in $(cell_ids "$pack/experiments/h20-parity.yaml" allreduce); do
    left=$(( budget - ($(date +%s) - start) ))
    if [ "$left" -lt 10 ]; then
      printf 'h20-parity\t%s\tnot-run\t0\n' "$cell" >>"$out/cells.tsv"; log "h20-parity $cell: not run (budget spent)"; ok=0
      continue
    fi
    run_one_cell "$pack/experiments/h20-parity.yaml" "$out/h20-parity.h5" "$cell" $(( left < 90 ? left : 90 )) || ok=0
  done
  log "cells: $(awk -F'\t' '$3 == 0' "$out/cells.tsv" | wc -l) of $(wc -l <"$out/cells.tsv") ran to the end in $(( $(date +%s) - start )) s (table: $out/cells.tsv)"

  # The test suite's device-side tests (the kernels, the workloads), one process per tag so that an
  # abort ends only its tag, while the tests budget lasts. The pack carries bin/xpb_tests when the
  # CUDA build had it; the tests read source_path() files from the tree they were built in.
  if [ "$tests_budget" -gt 0 ] && [ -x "$pack/bin/xpb_tests" ]; then
    local tag tstart
    tstart=$(date +%s)
    for tag in gemm reduce attention flash layernorm softmax gelu cross_entropy embedding linear adamw \
               grad_clip rng dtype determinism stream launch mlp gpt ernie; do
      left=$(( tests_budget - ($(date +%s) - tstart) ))
      [ "$left" -ge 10 ] || { log "tests [$tag]: not run (budget spent)"; continue; }
      echo "=== [$tag]" >>"$out/tests.log"
      LD_LIBRARY_PATH="$pack/lib${XPB_CUBLAS_DIR:+:$XPB_CUBLAS_DIR}" XPB_DATA_DIR="$pack/data" \
        timeout --kill-after=5 "$left" "$pack/bin/xpb_tests" "[$tag]" -d yes >>"$out/tests.log" 2>&1
      rc=$?
      printf '%s\t%s\t%s\n' "$tag" "$rc" "$(grep -c '^[0-9.]* s: ' "$out/tests.log")" >>"$out/tests.tsv"
      log "tests [$tag]: exit $rc"
    done
  fi
  set -e

  local sets=()
  [ -f "$out/h20-parity.h5" ] && sets+=("$out/h20-parity.h5")
  [ -f "$out/gpt.h5" ] && sets+=("$out/gpt.h5")
  [ -f "$out/bench.h5" ] && sets+=("$out/bench.h5")
  [ "${#sets[@]}" -gt 0 ] || die "no result set was written (logs in $out)"
  local s reports=()
  for s in "${sets[@]}"; do
    if "$pack/xpubench" report "$s" --format json -o "${s%.h5}.report.json"; then
      reports+=("${s%.h5}.report.json")
    else
      log "report of $s failed"; ok=0
    fi
  done
  if command -v python3 >/dev/null 2>&1 && [ "${#reports[@]}" -gt 0 ]; then
    python3 - "$out/measured-vs-h200.md" "$out/cells.tsv" "${reports[@]}" <<'PY' || ok=0
# Measured step time on this GPU vs the nvidia-h200-sxm projection, per cell, and the provenance
# checks (GPU, driver, Cuda backend). Reads `xpubench report --format json`.
import json, sys
out, cells_tsv, reports = sys.argv[1], sys.argv[2], sys.argv[3:]
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
failed = [l.rstrip("\n").split("\t") for l in open(cells_tsv) if l.split("\t")[2] != "0"]
if failed:
    lines += ["Cells that did not finish (exit 124: time limit; 134: abort; not-run: budget spent):", "",
              "| experiment | cell | exit | seconds |", "|---|---|---|---|"]
    lines += [f"| {e} | {c} | {rc} | {t} |" for e, c, rc, t in failed] + [""]
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
