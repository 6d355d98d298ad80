#!/usr/bin/env bash
# tests/analysis/run_cli.sh — reproducibility scenarios driving the real xpubench binary.
# usage: run_cli.sh XPUBENCH SCENARIO [ARGS...]; each scenario works in its own temporary folder
# and exits non-zero with a FAIL line when an expectation does not hold.
set -u
X="$1"; scenario="$2"; shift 2
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
PY=/usr/bin/python3
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() {  # expect_rc WANT CMD...
  local want="$1"; shift
  "$@" > "$tmp/out.txt" 2>&1; local rc=$?
  cat "$tmp/out.txt"
  [ "$rc" = "$want" ] || fail "exit $rc from '$*', expected $want"
}
run_quickstart() {  # run_quickstart OUT [env...]
  local out="$1"; shift
  env "$@" "$X" run "$SRC/experiments/quickstart.yaml" -o "$out" --force > "$tmp/run.log" 2>&1 \
    || { cat "$tmp/run.log"; fail "quickstart run failed"; }
}

case "$scenario" in
  quickstart_twice)  # two runs of the quickstart: compare finds no difference
    run_quickstart "$tmp/a.h5"; run_quickstart "$tmp/b.h5"
    expect_rc 0 "$X" compare "$tmp/a.h5" "$tmp/b.h5"
    grep -q "^EQUAL" "$tmp/out.txt" || fail "no EQUAL line"
    # ... but with --timings the step times differ
    expect_rc 1 "$X" compare "$tmp/a.h5" "$tmp/b.h5" --timings -q ;;
  changed_number)  # a changed projected number: exit 1 and the path is printed
    run_quickstart "$tmp/a.h5"; cp "$tmp/a.h5" "$tmp/b.h5"
    "$PY" - "$tmp/b.h5" <<'PYEOF' || fail "could not edit the copy"
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    cell = sorted(f["cells"].keys())[0]
    d = f[f"cells/{cell}/projected/nvidia-h20/step_seconds"]
    v = d[()]; v[1] *= 1.000001; d[...] = v
    print("edited", cell)
PYEOF
    expect_rc 1 "$X" compare "$tmp/a.h5" "$tmp/b.h5"
    grep -q "projected/nvidia-h20/step_seconds\[1\]" "$tmp/out.txt" || fail "difference not located"
    # A tolerance that covers the change makes them equal again.
    expect_rc 0 "$X" compare "$tmp/a.h5" "$tmp/b.h5" --rtol 1e-5
    expect_rc 2 "$X" compare "$tmp/a.h5" "$tmp/missing.h5" ;;
  threads)  # 1 vs 2 OpenMP threads: identical numerics
    run_quickstart "$tmp/t1.h5" OMP_NUM_THREADS=1
    run_quickstart "$tmp/t2.h5" OMP_NUM_THREADS=2
    # Strict: every number but timings is bit-identical (STREAM's dot is a fixed-order sum).
    expect_rc 0 "$X" compare "$tmp/t1.h5" "$tmp/t2.h5" -v --rules "$SRC/tests/analysis/threads-rules.yaml"
    grep -q "EQUAL" "$tmp/out.txt" || fail "1 and 2 threads differ" ;;
  report)  # the acceptance: parity matrix and portability metric in the report
    run_quickstart "$tmp/q.h5"
    expect_rc 0 "$X" report "$tmp/q.h5"
    grep -q "H20 parity matrix" "$tmp/out.txt" || fail "no parity matrix"
    grep -q "Pennycook PP" "$tmp/out.txt" || fail "no portability metric"
    expect_rc 0 "$X" report "$tmp/q.h5" --format csv -o "$tmp/q.csv"
    head -1 "$tmp/q.csv" | grep -q "^section,cell" || fail "csv header"
    expect_rc 0 "$X" report "$tmp/q.h5" --format json -o "$tmp/q.json"
    "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['portability'] and d['records']" "$tmp/q.json" \
      || fail "json does not parse"
    expect_rc 2 "$X" report "$tmp/q.h5" --format pdf ;;
  verify)  # verify re-runs the embedded experiment
    run_quickstart "$tmp/q.h5"
    expect_rc 0 "$X" verify "$tmp/q.h5"
    grep -q "VERIFIED" "$tmp/out.txt" || fail "no VERIFIED line" ;;
  golden)  # the golden result set, re-run and compared with its documented rules
    cd "$SRC/data/golden" || fail "no data/golden"
    # Any thread count: golden.h5 was written with 1 thread, and STREAM's dot is an ordered sum.
    "$X" run golden.yaml -o "$tmp/golden.h5" --force > "$tmp/run.log" 2>&1 || { cat "$tmp/run.log"; fail "golden run failed"; }
    expect_rc 0 "$X" compare golden.h5 "$tmp/golden.h5" --rules rules.yaml ;;
  plot)  # plot writes the charts; the Python test checks titles and axes
    run_quickstart "$tmp/q.h5"
    expect_rc 0 "$X" plot "$tmp/q.h5" -o "$tmp/plots"
    "$PY" "$SRC/tests/analysis/test_plots.py" "$tmp/q.h5" "$tmp/plots" || fail "plot checks" ;;
  reader)  # the Python reader
    run_quickstart "$tmp/q.h5"
    "$PY" "$SRC/tests/analysis/test_reader.py" "$tmp/q.h5" || fail "reader checks"
    # A schema version 1 file (the golden set as first recorded) reads too; its timings are known by their unit.
    "$PY" - "$SRC/data/golden/golden-schema1.h5" "$SRC/analysis/plots" <<'PYEOF' || fail "reader on a schema 1 file"
import sys
sys.path.insert(0, sys.argv[2])
import xpb_results as x
cells = x.load_cells(sys.argv[1])
assert len(cells) == 4 and all(c["status"] == "ok" and c["seed"] == 7 for c in cells), cells
assert all(not c["series"] for c in cells), "STREAM's per-kernel seconds are timings, not series"
assert all(c["projected"] and not c["hfu"] for c in cells)
s = x.load_summary(sys.argv[1], use_pandas=False)
assert "median" in s and "value_kind" not in s
print("schema 1 file read:", len(cells), "cells")
PYEOF
    ;;
  *) fail "unknown scenario $scenario" ;;
esac
echo PASS
