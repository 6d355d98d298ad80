#!/usr/bin/env bash
# scripts/check-cuda.sh HOST_BUILD [--all] [--only REGEX] — compiles the device code of the CUDA
# build without building it: the project is configured for CUDA (Kokkos 3.4.01 Cuda + Serial,
# sm_80, from the patched source scripts/setup.sh leaves in .cache/kokkos-3.4.01-cuda-src, taken
# in-tree through XPB_KOKKOS_SOURCE so that no Kokkos library is built) into HOST_BUILD/cuda-check,
# and each chosen source goes through nvcc's device passes (nvcc_wrapper's own command, stopped at
# the cubin: the CUDA C++ front end, NVVM and ptxas; no host object, no link). A host function
# called from device code is an error here (--Werror cross-execution-space-call): nvcc only warns
# about it, and the build fails or not later depending on what ptxas is left with.
#
# Chosen: every source of the workloads (workloads/), the sources whose host object (HOST_BUILD)
# instantiates a Kokkos parallel_for, _reduce or _scan — the ones that launch kernels, so the ones
# with device code — and the sources that name KOKKOS_ENABLE_CUDA, __CUDA_ARCH__ or XPB_HAS_CUBLAS
# themselves. The rest include Kokkos at most for its types and host calls: their device pass finds
# nothing to compile (on 2026-12-06, 67 of the 91 sources of the CUDA build that include Kokkos gave
# an empty PTX module, and none of those 67 launches kernels) and their host side is what the host
# build compiles. A source the CUDA build gives to the host compiler alone (nvcc_wrapper
# --host-only: the AVX GEMM micro-kernels) gets that compiler's syntax check.
#   --all          every source of the CUDA configuration instead
#   --only REGEX   of those, only the files whose path matches REGEX (Python re.search)
# Prints one line per source (ok, with the cubin's size and the numbers of nvcc's warnings if any,
# or FAIL with nvcc's errors), then a summary.
# Exit 0 all compiled, 1 a failure, 77 no nvcc on this machine (a skip).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST="${1:?usage: check-cuda.sh HOST_BUILD [--all] [--only REGEX]}"
shift
ALL=0
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --all) ALL=1; shift ;;
    --only) ONLY="${2:?--only needs a regular expression}"; shift 2 ;;
    *) echo "error: check-cuda.sh: unknown argument $1"; exit 1 ;;
  esac
done
HOST="$(cd "$HOST" && pwd)"
SRC="${XPB_CACHE_DIR:-$ROOT/.cache}/kokkos-3.4.01-cuda-src"
if [ ! -x "$SRC/xpb-nvcc" ]; then
  if ! command -v nvcc >/dev/null && [ ! -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]; then
    echo "skip: no nvcc on this machine (PATH, \$CUDA_HOME, /usr/local/cuda): no CUDA check"
    exit 77
  fi
  echo "error: $SRC/xpb-nvcc: no patched Kokkos source for CUDA"
  echo "hint: scripts/setup.sh prepares it where nvcc is found"
  exit 1
fi
if [ ! -f "$HOST/compile_commands.json" ]; then
  echo "error: $HOST/compile_commands.json: not a configured build"
  exit 1
fi

CHECK="$HOST/cuda-check"
# The Kokkos options of the installed CUDA Kokkos of `make cuda` (cmake/kokkos-cuda.cmake).
if ! cmake -S "$ROOT" -B "$CHECK" -G Ninja -DCMAKE_BUILD_TYPE=Release -C "$ROOT/cmake/kokkos-cuda.cmake" \
     -DCMAKE_CXX_COMPILER="$SRC/xpb-nvcc" -DXPB_KOKKOS_SOURCE="$SRC/kokkos" \
     >"$CHECK.configure.log" 2>&1; then
  tail -n 30 "$CHECK.configure.log"
  echo "error: configuring the CUDA build failed (log: $CHECK.configure.log)"
  exit 1
fi
grep -h "xpubench: Kokkos\|GEMM vendor path" "$CHECK.configure.log" | sed 's/^-- /cuda configuration: /'

exec /usr/bin/python3 - "$HOST" "$CHECK" "$ROOT" "$ALL" "$ONLY" <<'PY'
import json, os, re, shlex, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
host, check, root, every, only = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5]
KERNEL = re.compile(r"Kokkos::Impl::Parallel(For|Reduce|Scan)<")
CUDA_TEXT = re.compile(r"\b(KOKKOS_ENABLE_CUDA|__CUDA_ARCH__|XPB_HAS_CUBLAS)\b")
workers = int(os.environ.get("XPB_JOBS", "0")) or os.cpu_count() or 2

def key(path, build):
    """A source's name common to both builds: relative to the build for generated files."""
    path = os.path.normpath(path)
    return os.path.relpath(path, build) if path.startswith(build + os.sep) else path

def object_of(entry):
    args = shlex.split(entry["command"])
    return os.path.normpath(os.path.join(entry["directory"], args[args.index("-o") + 1]))

def launches_kernels(obj):
    r = subprocess.run(["nm", "-C", "--defined-only", obj], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"error: {obj}: nm failed ({r.stderr.strip()}); build {host} first")
    return bool(KERNEL.search(r.stdout))

def chosen_sources():
    """Keys of the host build's sources that launch Kokkos kernels, are a workload's or name CUDA."""
    entries = {}
    for e in json.load(open(os.path.join(host, "compile_commands.json"))):
        if "-fsanitize" not in e["command"]:  # the product's command, not a sanitizer build's
            entries.setdefault(e["file"], e)
    with ThreadPoolExecutor(max_workers=workers) as ex:
        kernels = dict(zip(entries, ex.map(launches_kernels, (object_of(e) for e in entries.values()))))
    return {key(f, host) for f in entries
            if kernels[f] or f.startswith(os.path.join(root, "workloads") + os.sep)
            or CUDA_TEXT.search(open(f, errors="replace").read())}

def device_command(entry, out):
    """nvcc_wrapper's own command for the entry (--show prints it), stopped at the cubin; for a
    source the CUDA build compiles with the host compiler alone (--host-only), that compiler's
    syntax check. Returns the command and whether it is nvcc's."""
    args = shlex.split(entry["command"])
    r = subprocess.run(args + ["--show"], cwd=entry["directory"], capture_output=True, text=True)
    cmd = shlex.split(r.stdout.strip().splitlines()[-1])
    i = cmd.index("-o")
    del cmd[i:i + 2]
    cmd.remove("-c")
    if os.path.basename(cmd[0]) != "nvcc":
        return cmd + ["-fsyntax-only"], False
    return cmd + ["-o", out, "-cubin", "--Werror", "cross-execution-space-call"], True

db = [e for e in json.load(open(os.path.join(check, "compile_commands.json")))
      if e["file"].startswith(root + os.sep) and not e["file"].startswith(os.path.join(root, ".cache"))]
wanted = None if every else chosen_sources()
jobs = [e for e in db if (wanted is None or key(e["file"], check) in wanted)
        and (not only or re.search(only, e["file"]))]
out_dir = tempfile.mkdtemp(prefix="xpb-cubin-")

def run(i_e):
    i, e = i_e
    out = os.path.join(out_dir, f"{i}.cubin")
    t = time.monotonic()
    cmd, nvcc = device_command(e, out)
    r = subprocess.run(cmd, cwd=e["directory"], capture_output=True, text=True)
    size = os.path.getsize(out) if r.returncode == 0 and os.path.exists(out) else 0
    if os.path.exists(out):
        os.remove(out)
    what = f"cubin {size / 1024:.0f} KiB" if nvcc else f"host only: {os.path.basename(cmd[0])} -fsyntax-only"
    return key(e["file"], check), r.returncode, r.stderr, what, time.monotonic() - t

bad = 0
start = time.monotonic()
with ThreadPoolExecutor(max_workers=workers) as ex:
    for f, rc, err, what, secs in ex.map(run, enumerate(jobs)):
        name = os.path.relpath(f, root) if f.startswith(root) else f
        if rc != 0:
            bad += 1
            print(f"CUDA FAIL: {name}\n{err}")
        else:
            codes = sorted(set(re.findall(r"warning #(\d+)", err)))
            warned = f", nvcc warnings #{', #'.join(codes)}" if codes else ""
            print(f"ok  {name}  ({what}, {secs:.1f} s{warned})")
os.rmdir(out_dir)
what = "every source" if every else "the workloads and the sources that launch Kokkos kernels or name CUDA"
print(f"CUDA device code ({what}): {len(jobs) - bad} compiled for sm_80, {bad} failed "
      f"({time.monotonic() - start:.0f} s, {workers} jobs)")
sys.exit(1 if bad or not jobs else 0)
PY
