#!/usr/bin/env bash
# tests/mpi/kill_rank_resume.sh — a 20-cell sweep on 2 MPI ranks; rank 1 is killed with SIGKILL
# half-way. The cells finished before the kill (in the result file or in rank 1's fragments) are
# kept; `--resume` on 2 ranks runs only the rest, and the completed set equals a single-process
# run in every non-timing number.
# MODE abort (default): mpirun tears the job down when a rank dies, as launchers do by default.
# MODE survive: mpirun lets rank 0 live on (--mca orte_abort_on_non_zero_status 0); rank 0 takes
# the cells nobody claimed, notices the missing heartbeat at the end (XPB_RANK_TIMEOUT=3) and ends
# the job, so the kill loses at most the one cell rank 1 was running.
# Usage: kill_rank_resume.sh XPUBENCH MPIEXEC EXPERIMENT [abort|survive]
set -euo pipefail
source "$(dirname "$0")/rank_pid.sh"
XPB="$1"; MPIEXEC="$2"; EXP="$3"; MODE="${4:-abort}"; WORK="$(mktemp -d)"
LAUNCH=("$MPIEXEC" -n 2 --allow-run-as-root --oversubscribe)
[ "$MODE" = survive ] && LAUNCH+=(--mca orte_abort_on_non_zero_status 0)
export XPB_RANK_TIMEOUT=3
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3
OUT="$WORK/killed.h5"

"$XPB" run "$EXP" -o "$WORK/full.h5" >/dev/null 2>&1

"${LAUNCH[@]}" "$XPB" run "$EXP" -o "$OUT" >"$WORK/run.out" 2>&1 &
launcher=$!
victim=""
for _ in $(seq 1 600); do
  [ -n "$victim" ] || victim=$(rank_pid "xpubench run $EXP" 1)
  if [ -n "$victim" ] && [ -d "$OUT.parts" ] && [ "$(finished "$OUT")" -ge 6 ]; then break; fi
  sleep 0.05
done
[ -n "$victim" ] || { cat "$WORK/run.out"; echo "FAIL: rank 1 not found"; exit 1; }
kill -9 "$victim"
wait "$launcher" && { echo "FAIL: mpirun reported success after a rank was killed"; exit 1; } || true
before=$(finished "$OUT")
frags=$(ls "$OUT.parts" 2>/dev/null | grep -c '\.h5$' || true)
echo "after kill -9 of rank 1 (pid $victim): $before cell(s) kept, $frags of them in fragments"
if [ "$MODE" = survive ]; then
  grep -q "stopped (no heartbeat" "$WORK/run.out" || { cat "$WORK/run.out"; echo "FAIL: rank 0 did not report rank 1"; exit 1; }
  [ "$before" -ge 19 ] || { cat "$WORK/run.out"; echo "FAIL: more than rank 1's running cell was lost ($before kept)"; exit 1; }
else
  [ "$before" -ge 1 ] && [ "$before" -lt 20 ] || { echo "FAIL: kill did not land half-way ($before cells)"; exit 1; }
fi

"$MPIEXEC" -n 2 --allow-run-as-root --oversubscribe "$XPB" run "$EXP" -o "$OUT" --resume \
  >"$WORK/resume.out" 2>&1 || { cat "$WORK/resume.out"; exit 1; }
skipped=$(grep -c 'skipped' "$WORK/resume.out" || true)
echo "skipped on resume: $skipped"
[ "$skipped" -ge "$before" ] || { cat "$WORK/resume.out"; echo "FAIL: resume re-ran finished cells"; exit 1; }
[ ! -e "$OUT.parts" ] || { echo "FAIL: fragments left behind"; exit 1; }
"$XPB" compare "$WORK/full.h5" "$OUT"
"$PY" - "$OUT" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert len(f["cells"]) == 20, len(f["cells"])
assert len({r["cell"] for r in f["summary"][()]}) == 20
assert f.attrs["resume_count"] >= 1
print("PASS: 20 cells after the rank kill and --resume, equal to the single-process run")
PY
