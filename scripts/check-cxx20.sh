#!/usr/bin/env bash
# scripts/check-cxx20.sh BUILD_DIR [--kokkos INCLUDE_DIR] [--only REGEX] — re-compiles each C++
# source file of the build's compile database (once, with the product's own flags) with
# -std=c++20 -fsyntax-only (C++17 is the default; the code must also be valid C++20).
#   --kokkos DIR   compile against the Kokkos headers in DIR instead of the build's own Kokkos
#                  (the Kokkos include directories of each command are replaced): with Debian
#                  sid's Kokkos 5 headers (scripts/setup.sh puts them in .cache/kokkos5-headers/
#                  include) this checks that every source builds with Kokkos 5 as well as 3.4.
#   --only REGEX   only the files whose path matches REGEX (Python re.search)
# Prints one line per failing file with the compiler's errors, then "C++20 syntax check…: N passed,
# M failed".
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
import atexit, json, os, re, shlex, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
db = json.load(open(sys.argv[1]))
kokkos_inc = sys.argv[2]
only = sys.argv[3]

def is_kokkos_dir(d):
    return os.path.isfile(os.path.join(d, "Kokkos_Core.hpp"))

def output_of(args):
    return args[args.index("-o") + 1] if "-o" in args[:-1] else ""

def uses_kokkos(build_dir):
    """Objects (absolute paths) whose recorded dependencies include Kokkos_Core.hpp: ninja's
    dependency log of the build; empty when there is none (another generator, a fresh build)."""
    r = subprocess.run(["ninja", "-C", build_dir, "-t", "deps"], capture_output=True, text=True)
    users, obj = set(), None
    for line in r.stdout.splitlines() if r.returncode == 0 else []:
        if line and not line[0].isspace():
            obj = os.path.normpath(os.path.join(build_dir, line.split(":", 1)[0]))
        elif obj and line.strip().endswith("/Kokkos_Core.hpp"):
            users.add(obj)
    return users

def pch_flags(cmd, src):
    """The flags of a syntax-only command that a precompiled header must share."""
    keep, skip = [], False
    for a in cmd:
        if skip:
            skip = False
        elif a in ("-isystem", "-I", "-D", "-include"):
            skip = True
        elif a == src or a == "-fsyntax-only" or (a[:2] in ("-I", "-D") and a != "-DNDEBUG"):
            continue
        else:
            keep.append(a)
    # In any order, but of several -O the last one counts.
    opt = [a for a in keep[1:] if a.startswith("-O")]
    return keep[:1] + sorted(set(a for a in keep[1:] if not a.startswith("-O"))) + opt[-1:]

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
    jobs.append((f, out, e["directory"], output_of(args)))

workers = os.cpu_count() or 2
# With --kokkos, the files that include Kokkos (by the build's own dependency records) read the Kokkos
# 5 headers from a precompiled header: parsing Kokkos_Core.hpp is about 1.5 s of each such file's
# 2-4 s (syntax only). One PCH per set of flags (the flags that can change what the headers mean: everything but
# the file, its output and its -D/-I/-isystem, -DNDEBUG kept, in any order but the last -O; not
# even the warning options can go: -Wpedantic changes the predefined macros). GCC checks a PCH against each
# command and parses the header as text if it does not fit (-Winvalid-pch says so; named below),
# so the result of the check does not depend on it. Without dependency records, no PCH.
pch_for = {}
if kokkos_inc and jobs:
    kokkos_users = uses_kokkos(jobs[0][2])
    pch_dir = tempfile.mkdtemp(prefix="xpb-k5pch-")
    atexit.register(shutil.rmtree, pch_dir, True)
    signatures = {}
    for f, cmd, d, o in jobs:
        if os.path.normpath(os.path.join(d, o)) in kokkos_users:
            signatures.setdefault(tuple(pch_flags(cmd, f)), []).append(f)
    def build_pch(item):
        i, sig = item
        hdr = os.path.join(pch_dir, str(i), "kokkos5.hpp")
        os.makedirs(os.path.dirname(hdr))
        with open(hdr, "w") as h:
            h.write("#include <Kokkos_Core.hpp>\n")
        r = subprocess.run(list(sig) + ["-isystem", kokkos_inc, "-x", "c++-header", hdr,
                                        "-o", hdr + ".gch"], capture_output=True, text=True)
        return sig, hdr if r.returncode == 0 else None
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for sig, hdr in ex.map(build_pch, enumerate(signatures)):
            for f in signatures[sig]:
                if hdr:
                    pch_for[f] = hdr
    print(f"Kokkos 5 precompiled headers: {len(signatures)} flag sets, {len(pch_for)} files")

def run(j):
    f, cmd, d, _ = j
    if f in pch_for:
        cmd = cmd[:1] + ["-include", pch_for[f], "-Winvalid-pch"] + cmd[1:]
    r = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
    return f, r.returncode, r.stderr
bad = 0
with ThreadPoolExecutor(max_workers=workers) as ex:
    for f, rc, err in ex.map(run, jobs):
        for line in err.splitlines() if f in pch_for else []:
            if "kokkos5.hpp.gch" in line:
                print(f"note: {f}: {line} (parsed as text)")
        if rc != 0:
            bad += 1
            print(f"C++20 FAIL: {f}\n{err}")
what = f" against the Kokkos headers in {kokkos_inc}" if kokkos_inc else ""
print(f"C++20 syntax check{what}: {len(jobs) - bad} passed, {bad} failed")
sys.exit(1 if bad or not jobs else 0)
PY
