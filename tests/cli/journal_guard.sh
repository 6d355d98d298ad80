#!/usr/bin/env bash
# tests/cli/journal_guard.sh XPUBENCH TINY_EXPERIMENT — an earlier run's journal OUT.parts/ (the
# finished cells of a crashed or killed run, not yet merged into OUT) is never deleted unasked: a
# fresh run refuses it (exit 2, nothing written, the journal kept), --force discards it with a
# warning that counts its cells, --resume merges them. Cases 1-4 use another MPI rank's kind of
# entry, a complete one-cell result set in OUT.parts/<cell-id>.h5; case 6 the writer's own journal
# OUT.parts/cells.journal, left by a run killed (SIGKILL) while its second cell ran.
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
# 6. The writer's journal: a two-cell run killed once its first cell is in the journal (the second
# cell runs for at least 30 s), refused by a fresh run, merged by --resume.
cat > "$T/slow.yaml" <<'YAML'
name: journal-guard
seed: 1
repeats: 1
warmup: 0
platforms: [host]
workloads:
  - workload: stream
    params: {n: 1024, dtype: fp32}
  - workload: stream
    params: {n: 1024, dtype: fp64}
    repeats: 30
    min_time: 1
YAML
"$XPB" run "$T/slow.yaml" -o "$T/slow.h5" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ "$(count_cells "$T/slow.h5")" -ge 1 ] && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
[ -f "$T/slow.h5.parts/cells.journal" ] || fail "the killed run left no journal"
expect 2 "slow\.h5\.parts: holds 1 completed cell\(s\) of an earlier run" -- "$XPB" run "$T/slow.yaml" -o "$T/slow.h5"
first=$("$XPB" run "$T/slow.yaml" --dry-run | awk 'NF >= 2 && $1 ~ /^[0-9a-f]+$/ {print $1; exit}')
expect 0 "done earlier, skipped" -- "$XPB" run "$T/slow.yaml" -o "$T/slow.h5" --resume --only "$first"
[ ! -e "$T/slow.h5.parts" ] || fail "resume left the writer's journal"
[ "$(count_cells "$T/slow.h5")" = 1 ] || fail "the journal's cell is not in the file"
echo "PASS"
