#!/usr/bin/env bash
# scripts/check-cxx20.sh BUILD_DIR [--kokkos INCLUDE_DIR] [--only REGEX] — re-compiles each C++
# source file of the build's compile database (once, with the product's own flags) with
# -std=c++20 -fsyntax-only (C++17 is the default; the code must also be valid C++20).
#   --kokkos DIR   compile against the Kokkos headers in DIR instead of the build's own Kokkos
#                  (the Kokkos include directories of each command are replaced): with Debian
#                  sid's Kokkos 5 headers (scripts/setup.sh puts them in .cache/kokkos5-headers/
#                  include) this checks that every source builds with Kokkos 5 as well as 3.4.
#   --only REGEX   only the files whose path matches REGEX (Python re.search)
# Prints one line per failing file with the compiler's errors, then "N passed, M failed".
set -euo pipefail
BUILD="${1:?usage: check-cxx20.sh BUILD_DIR [--kokkos INCLUDE_DIR] [--only REGEX]}"
shift
KOKKOS_INC=""
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kokkos) KOKKOS_INC="${2:?--kokkos needs a directory}"; shift 2 ;;
    --only) ONLY="${2:?--only needs a regular expression}"; shift 2 ;;
    *) echo "error: check-cxx20.sh: unknown argument $1"; exit 1 ;;
  esac
done
if [ -n "$KOKKOS_INC" ]; then
  if [ ! -f "$KOKKOS_INC/Kokkos_Core.hpp" ]; then
    echo "error: $KOKKOS_INC/Kokkos_Core.hpp: no such file"
    echo "hint: scripts/setup.sh fetches the Kokkos 5 headers into .cache/kokkos5-headers"
    exit 1
  fi
  KOKKOS_INC="$(cd "$KOKKOS_INC" && pwd)"  # the compiles run in the build's directories
  # Which Kokkos this is, read by the preprocessor (KOKKOS_VERSION is MAJOR*10000+MINOR*100+PATCH).
  v=$(printf '#include <Kokkos_Macros.hpp>\nKOKKOS_VERSION\n' |
        c++ -std=c++20 -fopenmp -isystem "$KOKKOS_INC" -E -P -x c++ - | tail -n1)
  echo "Kokkos headers: $KOKKOS_INC (KOKKOS_VERSION $v)"
fi
/usr/bin/python3 - "$BUILD/compile_commands.json" "$KOKKOS_INC" "$ONLY" <<'PY'
import json, os, re, shlex, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
db = json.load(open(sys.argv[1]))
kokkos_inc = sys.argv[2]
only = sys.argv[3]

def is_kokkos_dir(d):
    return os.path.isfile(os.path.join(d, "Kokkos_Core.hpp"))

# One compile per source file: the sanitizer builds (tests/sanitize, tests/fuzz) compile many
# sources a second and third time (262 entries, 164 files); the product's own command is kept.
first = {}
for e in db:
    f = e["file"]
    if f not in first or ("-fsanitize" in first[f]["command"] and "-fsanitize" not in e["command"]):
        first[f] = e
jobs = []
for e in first.values():
    f = e["file"]
    if "/generated/" in f or "/extra_build/" in f or not f.endswith(".cpp"):
        continue
    if only and not re.search(only, f):
        continue
    args = shlex.split(e["command"])
    out = []
    skip = False
    replaced = False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if kokkos_inc and a in ("-isystem", "-I") and i + 1 < len(args) and is_kokkos_dir(args[i + 1]):
            skip = True
            if not replaced:
                out += ["-isystem", kokkos_inc]
                replaced = True
            continue
        if kokkos_inc and a.startswith("-I") and len(a) > 2 and is_kokkos_dir(a[2:]):
            if not replaced:
                out += ["-isystem", kokkos_inc]
                replaced = True
            continue
        if a.startswith("-std="):
            a = "-std=c++20"
        if a == "-c":
            a = "-fsyntax-only"
        out.append(a)
    # The ThreadSanitizer target (tests/sanitize) is built without Kokkos on purpose.
    if kokkos_inc and not replaced and "-fsanitize=thread" not in e["command"]:
        print(f"error: {f}: no Kokkos include directory in its compile command to replace")
        sys.exit(1)
    jobs.append((f, out, e["directory"]))
def run(j):
    f, cmd, d = j
    r = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
    return f, r.returncode, r.stderr
bad = 0
with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
    for f, rc, err in ex.map(run, jobs):
        if rc != 0:
            bad += 1
            print(f"C++20 FAIL: {f}\n{err}")
print(f"{len(jobs) - bad} passed, {bad} failed")
sys.exit(1 if bad or not jobs else 0)
PY
