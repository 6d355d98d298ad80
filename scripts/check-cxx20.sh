#!/usr/bin/env bash
# scripts/check-cxx20.sh BUILD_DIR — re-compiles every C++ file of the build's compile database
# with -std=c++20 -fsyntax-only (C++17 is the default; the code must also be valid C++20).
set -euo pipefail
BUILD="${1:-build}"
/usr/bin/python3 - "$BUILD/compile_commands.json" <<'PY'
import json, os, shlex, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
db = json.load(open(sys.argv[1]))
root = os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1])))
jobs = []
for e in db:
    f = e["file"]
    if "/generated/" in f or "/extra_build/" in f or not f.endswith(".cpp"):
        continue
    args = shlex.split(e["command"])
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a.startswith("-std="):
            a = "-std=c++20"
        if a == "-c":
            a = "-fsyntax-only"
        out.append(a)
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
sys.exit(1 if bad else 0)
PY
