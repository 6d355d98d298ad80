#!/usr/bin/env bash
# tests/cli/kill_many.sh XPUBENCH EXPERIMENT [KILLS] — issue 18: a 20-cell run SIGKILLed at
# KILLS (default 20) random moments, each attempt resuming the last, then one --resume to the
# end: no cell lost or duplicated, no temporary file or journal left, and the result equal to an
# uninterrupted run in every non-timing number (`xpubench compare`). The moments are drawn
# uniformly from [0.05 s, 1.5 s] after each start (seeded, printed), so kills land in start-up,
# inside cells, while a journal entry is written and while the journal is merged.
set -euo pipefail
XPB="$1"; EXP="$2"; KILLS="${3:-20}"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "$0")/result_cells.sh"  # count_cells

"$XPB" run "$EXP" -o "$WORK/full.h5" >/dev/null 2>&1
total=$(count_cells "$WORK/full.h5")

RANDOM=20261203  # the draw is reproducible; the moments it hits depend on the machine's speed
moments=()
for k in $(seq 1 "$KILLS"); do
  ms=$(( 50 + RANDOM % 1451 ))
  resume=(); [ "$k" -gt 1 ] && resume=(--resume)
  "$XPB" run "$EXP" -o "$WORK/killed.h5" "${resume[@]}" >/dev/null 2>"$WORK/err.$k" &
  pid=$!
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  moments+=("${ms}ms:$(count_cells "$WORK/killed.h5")")
done
echo "kill moments (ms after start : cells saved so far): ${moments[*]}"

saved=$(count_cells "$WORK/killed.h5")
"$XPB" run "$EXP" -o "$WORK/killed.h5" --resume >/dev/null 2>"$WORK/err.final" ||
  { cat "$WORK/err.final"; echo "FAIL: the final --resume"; exit 1; }
skipped=$(grep -c 'done earlier, skipped' "$WORK/err.final" || true)
[ "$skipped" = "$saved" ] || { echo "FAIL: the final --resume skipped $skipped cells, $saved were saved"; exit 1; }
[ ! -e "$WORK/killed.h5.parts" ] || { ls -lR "$WORK/killed.h5.parts"; echo "FAIL: the journal was left behind"; exit 1; }
if ls "$WORK" | grep '\.tmp\.' >/dev/null; then ls -l "$WORK"; echo "FAIL: a temporary file was left behind"; exit 1; fi
/usr/bin/python3 - "$WORK/killed.h5" "$total" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
cells = list(f["cells"])
rows = {r["cell"] for r in f["summary"][()]}
assert len(cells) == int(sys.argv[2]) and len(rows) == len(cells), (len(cells), len(rows))
assert all(f["cells"][c].attrs["status"] == "ok" for c in cells)
PY
"$XPB" compare "$WORK/full.h5" "$WORK/killed.h5" >/dev/null ||
  { "$XPB" compare "$WORK/full.h5" "$WORK/killed.h5" | tail -20; echo "FAIL: the resumed result set differs"; exit 1; }
echo "PASS: $KILLS kills, $total cells, none lost or duplicated, equal to an uninterrupted run"
