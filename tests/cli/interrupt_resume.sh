#!/usr/bin/env bash
# tests/cli/interrupt_resume.sh — a 10-cell run sent SIGINT (or SIGTERM) once its first cells are
# stored: it stops between steps with exit EXIT (130 / 143), keeps every finished cell (the one in
# progress is not stored), prints how to resume; with `compare`, --resume then completes it and
# `xpubench compare` finds it equal to an uninterrupted run.
# Usage: interrupt_resume.sh XPUBENCH EXPERIMENT SIGNAL EXIT [compare]
set -euo pipefail
XPB="$1"; EXP="$2"; SIG="$3"; WANT="$4"; MODE="${5:-}"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3
. "$(dirname "$0")/result_cells.sh"  # count_cells

# (A background job of a script starts with SIGINT ignored; xpubench run installs its handler anyway.)
"$XPB" run "$EXP" -o "$WORK/cut.h5" >"$WORK/cut.out" 2>"$WORK/cut.err" &
pid=$!
for _ in $(seq 1 600); do
  [ "$(count_cells "$WORK/cut.h5")" -ge 3 ] && break
  sleep 0.05
done
kill -s "$SIG" "$pid"
rc=0; wait "$pid" || rc=$?
cat "$WORK/cut.err"
[ "$rc" = "$WANT" ] || { echo "FAIL: exit $rc after SIG$SIG, expected $WANT"; exit 1; }
grep -q "interrupted (SIG$SIG)" "$WORK/cut.err" || { echo "FAIL: no 'interrupted' message"; exit 1; }
grep -Fq "resume with: xpubench run $EXP -o $WORK/cut.h5 --resume" "$WORK/cut.err" ||
  { echo "FAIL: no resume command"; exit 1; }
kept=$(count_cells "$WORK/cut.h5")
echo "cells kept after SIG$SIG: $kept"
[ "$kept" -ge 3 ] && [ "$kept" -lt 10 ] || { echo "FAIL: signal did not land half-way ($kept cells)"; exit 1; }
"$PY" - "$WORK/cut.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
bad = [c for c in f["cells"] if f["cells"][c].attrs["status"] != "ok"]
assert not bad, f"cells stored as not ok after the signal (the abandoned cell must not be stored): {bad}"
PY
ls "$WORK" | grep '\.tmp\.\|\.lock' >/dev/null && { echo "FAIL: temporary or lock file left behind"; ls "$WORK"; exit 1; }
[ "$MODE" = compare ] || { echo "PASS: SIG$SIG kept $kept finished cells, exit $rc"; exit 0; }

"$XPB" run "$EXP" -o "$WORK/cut.h5" --resume >/dev/null 2>"$WORK/resume.err"
skipped=$(grep -c 'done earlier, skipped' "$WORK/resume.err" || true)
[ "$skipped" = "$kept" ] || { echo "FAIL: resume skipped $skipped cells, $kept were kept"; exit 1; }
[ "$(count_cells "$WORK/cut.h5")" = 10 ] || { echo "FAIL: resume did not complete the run"; exit 1; }
"$XPB" run "$EXP" -o "$WORK/full.h5" >/dev/null 2>&1
"$XPB" compare "$WORK/full.h5" "$WORK/cut.h5"
echo "PASS: SIG$SIG kept $kept finished cells, exit $rc, --resume completed a run equal to an uninterrupted one"
