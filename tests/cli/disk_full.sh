#!/usr/bin/env bash
# tests/cli/disk_full.sh — a run whose disk fills half-way (a small tmpfs) exits 2 with a clear
# message and no crash, the result set written so far stays readable with its completed cells and
# no temporary file is left; `report -o` onto the full disk fails the same way; after freeing the space, --resume finishes the sweep and the result
# equals an uninterrupted run (xpubench compare, timings ignored). Needs root to mount the tmpfs:
# exits 77 (skipped) otherwise.
set -euo pipefail
XPB="$1"; EXP="$2"; WORK="$(mktemp -d)"; MNT="$WORK/disk"
PY=/usr/bin/python3
cleanup() { umount "$MNT" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=4m tmpfs "$MNT" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (needs root)"; exit 77
fi
. "$(dirname "$0")/result_cells.sh"  # count_cells: the file's cells and its journal's

"$XPB" run "$EXP" -o "$WORK/full.h5" >/dev/null 2>&1
total=$(count_cells "$WORK/full.h5")
size=$(stat -c %s "$WORK/full.h5")
# Leave room for a one-cell result set: the run writes the file's header at once, then appends
# each finished cell's record to its journal, a few times smaller than the cell in the file, so
# the disk fills while the journal is written, part-way through the sweep.
first=$("$XPB" run "$EXP" --dry-run | awk 'NF >= 2 && $1 ~ /^[0-9a-f]+$/ {print $1; exit}')
"$XPB" run "$EXP" --only "$first" -o "$WORK/one.h5" >/dev/null 2>&1
free=$(( $(stat -f -c '%a * %S' "$MNT") ))
head -c $(( free - $(stat -c %s "$WORK/one.h5") )) /dev/zero > "$MNT/filler" 2>/dev/null || true
echo "result set: $total cells, $size bytes; room left on the disk: $(( $(stat -f -c '%a * %S' "$MNT") )) bytes"

set +e
"$XPB" run "$EXP" -o "$MNT/r.h5" >"$WORK/out" 2>"$WORK/err"; rc=$?
set -e
cat "$WORK/err" | tail -3
[ "$rc" = 2 ] || { echo "FAIL: exit code $rc on a full disk, expected 2"; exit 1; }
grep -q "No space left on device" "$WORK/err" || { echo "FAIL: the message does not say the disk is full"; exit 1; }
grep -q -- "--resume" "$WORK/err" || { echo "FAIL: the message does not say how to finish the run"; exit 1; }
$PY -c 'import h5py,sys; h5py.File(sys.argv[1], "r")["cells"]' "$MNT/r.h5" || { echo "FAIL: the result set no longer opens"; exit 1; }
kept=$(count_cells "$MNT/r.h5")
echo "cells kept after the disk filled: $kept of $total"
[ "$kept" -ge 1 ] && [ "$kept" -lt "$total" ] || { echo "FAIL: the disk did not fill half-way ($kept cells)"; exit 1; }
if ls -R "$MNT" | grep '\.tmp\.' >/dev/null; then echo "FAIL: a temporary file was left behind"; ls -lR "$MNT"; exit 1; fi

# A report written onto the full disk fails the same way, leaving nothing behind.
head -c 100000000 /dev/zero > "$MNT/filler2" 2>/dev/null || true
set +e
"$XPB" report "$MNT/r.h5" -o "$MNT/report.md" 2>"$WORK/err3"; rc=$?
set -e
cat "$WORK/err3"
[ "$rc" = 2 ] && grep -q "No space left on device" "$WORK/err3" || { echo "FAIL: report -o on a full disk: exit $rc"; exit 1; }
[ ! -e "$MNT/report.md" ] || { echo "FAIL: report -o left a truncated file"; exit 1; }

rm -f "$MNT/filler" "$MNT/filler2"
"$XPB" run "$EXP" -o "$MNT/r.h5" --resume >/dev/null 2>"$WORK/err2" || { cat "$WORK/err2"; echo "FAIL: --resume"; exit 1; }
skipped=$(grep -c 'done earlier, skipped' "$WORK/err2" || true)
[ "$skipped" = "$kept" ] || { echo "FAIL: resume skipped $skipped cells, $kept were saved"; exit 1; }
"$XPB" compare "$WORK/full.h5" "$MNT/r.h5" || { echo "FAIL: the resumed result set differs"; exit 1; }
echo "PASS: disk full after $kept cells, nothing lost, --resume completed $total cells"
