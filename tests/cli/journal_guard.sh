#!/usr/bin/env bash
# tests/cli/journal_guard.sh XPUBENCH TINY_EXPERIMENT — an earlier run's journal OUT.parts/ (the
# finished cells of a crashed or killed run, not yet merged into OUT) is never deleted unasked: a
# fresh run refuses it (exit 2, nothing written, the journal kept), --force discards it with a
# warning that counts its cells, --resume merges them. The journal entry is made as a run makes one:
# a complete one-cell result set of the same experiment, in OUT.parts/<cell-id>.h5.
set -uo pipefail
XPB="$1"; EXP="$2"; T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect RC REGEX -- CMD...: exit status and a message (grep -E on stdout+stderr, one line)
expect() {
  local want="$1" re="$2"; shift 3
  out="$(timeout 300 "$@" 2>&1)"; local rc=$?
  printf '%s\n' "$out"
  [ "$rc" = "$want" ] || fail "exit $rc (want $want): $*"
  printf "%s" "$out" | tr "\n" " " | grep -E -- "$re" >/dev/null || fail "no /$re/: $*"
}
. "$(dirname "$0")/result_cells.sh"  # count_cells

id=$("$XPB" run "$EXP" --dry-run | awk 'NF >= 2 && $1 ~ /^[0-9a-f]+$/ {print $1; exit}')
[ -n "$id" ] || fail "no cell id from --dry-run"
"$XPB" run "$EXP" --only "$id" -o "$T/one.h5" >/dev/null 2>&1 || fail "the one-cell run"
journal() { mkdir -p "$T/out.h5.parts" && cp "$T/one.h5" "$T/out.h5.parts/$id.h5"; }

# 1. No OUT yet, a journal of one cell: refused before anything is written.
journal
expect 2 "error: .*out\.h5\.parts: holds 1 completed cell\(s\) of an earlier run.*hint: .*--resume to merge them.*--force to discard them" \
  -- "$XPB" run "$EXP" -o "$T/out.h5"
[ ! -e "$T/out.h5" ] || fail "the refused run created out.h5"
[ -f "$T/out.h5.parts/$id.h5" ] || fail "the refused run deleted the journal"

# 2. OUT exists too: still refused, OUT and the journal untouched.
cp "$T/one.h5" "$T/out.h5"
before=$(sha256sum "$T/out.h5")
expect 2 "holds 1 completed cell\(s\).*--resume" -- "$XPB" run "$EXP" -o "$T/out.h5"
[ "$(sha256sum "$T/out.h5")" = "$before" ] || fail "the refused run changed out.h5"
[ -f "$T/out.h5.parts/$id.h5" ] || fail "the refused run deleted the journal"

# 3. --force discards the journal, and says how many cells it threw away.
expect 0 "warning: --force discarded 1 completed cell\(s\) of an earlier run from .*out\.h5\.parts" \
  -- "$XPB" run "$EXP" -o "$T/out.h5" --force
[ ! -e "$T/out.h5.parts" ] || fail "--force left the journal"

# 4. --resume merges the journal's cell instead of running it again.
rm -f "$T/out.h5"
journal
expect 0 "skipped" -- "$XPB" run "$EXP" -o "$T/out.h5" --resume
[ "$(count_cells "$T/out.h5")" = 2 ] || fail "resume did not end with both cells"
[ ! -e "$T/out.h5.parts" ] || fail "resume left the journal"

# 5. A fresh run without a journal (or with an empty folder) is not bothered.
mkdir -p "$T/new.h5.parts"
expect 0 "" -- "$XPB" run "$EXP" -o "$T/new.h5"
echo "PASS"
