#!/usr/bin/env bash
# tests/cli/resume_empty_journal.sh XPUBENCH EXPERIMENT OUT — a run killed after merging its
# journal but before removing the folder leaves OUT.parts empty; a --resume with nothing left to
# run must still remove it (cli.kill_many met this at one kill moment).
set -euo pipefail
XPB="$1"; EXP="$2"; OUT="$3"
mkdir -p "$OUT.parts"
"$XPB" run "$EXP" -o "$OUT" --resume >/dev/null 2>&1 || { echo "FAIL: the --resume"; exit 1; }
[ ! -e "$OUT.parts" ] || { echo "FAIL: the empty journal folder $OUT.parts was left behind"; exit 1; }
echo "PASS: the empty journal folder is gone"
