#!/usr/bin/env bash
# tests/mpi/sweep_equals_single.sh — an experiment spread over 2 MPI ranks (one cell per rank at
# a time) gives one result set that `xpubench compare` finds equal to a single-process run in
# every non-timing number; both ranks ran cells, and no fragment is left behind.
# Usage: sweep_equals_single.sh XPUBENCH MPIEXEC EXPERIMENT
set -euo pipefail
XPB="$1"; MPIEXEC="$2"; EXP="$3"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$XPB" run "$EXP" -o "$WORK/one.h5" >"$WORK/one.out" 2>&1 || { cat "$WORK/one.out"; exit 1; }
"$MPIEXEC" -n 2 --allow-run-as-root --oversubscribe "$XPB" run "$EXP" -o "$WORK/two.h5" \
  --max-cell-ranks 1 >"$WORK/two.out" 2>&1 || { cat "$WORK/two.out"; exit 1; }
for r in 0 1; do
  grep -q "(rank $r)" "$WORK/two.out" || { cat "$WORK/two.out"; echo "FAIL: rank $r ran no cell"; exit 1; }
done
[ ! -e "$WORK/two.h5.parts" ] || { ls -l "$WORK/two.h5.parts"; echo "FAIL: fragments left behind"; exit 1; }
"$XPB" compare "$WORK/one.h5" "$WORK/two.h5"
echo "PASS: distributed sweep equals the single-process sweep"
