#!/usr/bin/env bash
# tests/cli/kill_resume.sh — a 20-cell run killed with SIGKILL half-way, then --resume: all 20
# cells present, none lost or duplicated, and every non-timing number equal to an uninterrupted run.
set -euo pipefail
XPB="$1"; EXP="$2"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3
. "$(dirname "$0")/result_cells.sh"  # count_cells

"$XPB" run "$EXP" -o "$WORK/full.h5" >/dev/null 2>&1

"$XPB" run "$EXP" -o "$WORK/killed.h5" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(count_cells "$WORK/killed.h5")
  [ "$n" -ge 8 ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
before=$(count_cells "$WORK/killed.h5")
echo "cells after kill -9: $before"
[ "$before" -ge 1 ] && [ "$before" -lt 20 ] || { echo "FAIL: kill did not land half-way ($before cells)"; exit 1; }
# A reader of the killed file is told about the cells still in the journal.
if [ -e "$WORK/killed.h5.parts/cells.journal" ]; then
  "$XPB" report "$WORK/killed.h5" >/dev/null 2>"$WORK/report.err"
  echo "report: $(cat "$WORK/report.err")"; grep -q "not yet merged into" "$WORK/report.err" || { cat "$WORK/report.err"; echo "FAIL: report says nothing of the journal"; exit 1; }
fi

"$XPB" run "$EXP" -o "$WORK/killed.h5" --resume 2>"$WORK/resume.err" >/dev/null
skipped=$(grep -c 'skipped' "$WORK/resume.err" || true)
echo "skipped on resume: $skipped"
[ "$skipped" -ge "$before" ] || { echo "FAIL: resume re-ran completed cells"; exit 1; }

"$PY" - "$WORK/full.h5" "$WORK/killed.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
ca, cb = sorted(a["cells"]), sorted(b["cells"])
assert len(cb) == 20 and ca == cb, (len(ca), len(cb))
for cid in ca:
    ga, gb = a["cells"][cid], b["cells"][cid]
    for k in ("workload", "params", "seed", "status", "index"):
        assert ga.attrs[k] == gb.attrs[k], (cid, k)
    assert len(ga["measured/step_seconds"]) == len(gb["measured/step_seconds"])
    la, lb = ga["ledger"][()], gb["ledger"][()]
    assert (la == lb).all(), cid
rows = b["summary"][()]
assert len({r["cell"] for r in rows}) == 20
print("PASS: 20 cells, none lost or duplicated, non-timing numbers equal")
PY
