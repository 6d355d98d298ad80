#!/usr/bin/env bash
# tests/mpi/kill_dp_rank.sh — rank 1 of a data-parallel cell is killed while the cell trains, with
# a launcher that lets rank 0 live on (Open MPI: --mca orte_abort_on_non_zero_status 0). Rank 0 is
# then stuck in the cell's collectives: its heartbeat thread must notice the dead peer and end the
# job within seconds (no hang). `--resume` then trains the cell again, with the same losses as a
# single-process run.
# Usage: kill_dp_rank.sh XPUBENCH MPIEXEC EXPERIMENT
set -euo pipefail
source "$(dirname "$0")/rank_pid.sh"
XPB="$1"; MPIEXEC="$2"; EXP="$3"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export XPB_RANK_TIMEOUT=3
OUT="$WORK/dp.h5"
"$XPB" run "$EXP" -o "$WORK/one.h5" >/dev/null 2>&1

"$MPIEXEC" -n 2 --allow-run-as-root --oversubscribe --mca orte_abort_on_non_zero_status 0 \
  "$XPB" run "$EXP" -o "$OUT" >"$WORK/run.out" 2>&1 &
launcher=$!
victim=""
for _ in $(seq 1 400); do
  grep -q "started" "$WORK/run.out" 2>/dev/null && victim=$(rank_pid "xpubench run $EXP" 1)
  [ -n "$victim" ] && break
  sleep 0.05
done
[ -n "$victim" ] || { cat "$WORK/run.out"; echo "FAIL: rank 1 not found"; exit 1; }
sleep 0.5
# The kill must land while the cell trains: once the cell is done there is nothing to test (and
# Open MPI's launcher, told to let ranks live on, then waits for ever on a rank killed in or after
# MPI_Finalize, although no process of the job is left).
cell_done() { grep -q "ok  median" "$WORK/run.out"; }
ended_early() {
  cat "$WORK/run.out"
  echo "FAIL: the cell ended before rank 1 was killed; lengthen $EXP for this machine"
  exit 1
}
kill -9 "$victim" 2>/dev/null || ended_early
start=$SECONDS
while kill -0 "$launcher" 2>/dev/null; do
  if [ $((SECONDS - start)) -ge 60 ]; then
    kill -9 "$launcher"
    cell_done && ended_early
    cat "$WORK/run.out"
    echo "FAIL: the job hung after the kill"
    exit 1
  fi
  sleep 0.2
done
! cell_done || ended_early
wait "$launcher" && { echo "FAIL: the job reported success"; exit 1; } || true
echo "job ended $((SECONDS - start)) s after the kill"
grep -q "stopped (no heartbeat" "$WORK/run.out" || { cat "$WORK/run.out"; echo "FAIL: no report of the dead rank"; exit 1; }

"$MPIEXEC" -n 2 --allow-run-as-root --oversubscribe "$XPB" run "$EXP" -o "$OUT" --resume \
  >"$WORK/resume.out" 2>&1 || { cat "$WORK/resume.out"; exit 1; }
/usr/bin/python3 - "$WORK/one.h5" "$OUT" <<'PY'
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert sorted(a["cells"]) == sorted(b["cells"])
for cid in a["cells"]:
    assert b["cells"][cid]["metrics/dp_ranks"][0] == 2
    assert a["cells"][cid]["measured/loss"][()].tobytes() == b["cells"][cid]["measured/loss"][()].tobytes()
print("PASS: the job ended after the kill; --resume trained the cell on 2 ranks with the same losses")
PY
