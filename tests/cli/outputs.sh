#!/usr/bin/env bash
# tests/cli/outputs.sh XPUBENCH TINY_EXPERIMENT LONG_EXPERIMENT — what `-o` may and may not write
# (core/base/output_path.hpp): never an existing file without --force, never an input of the same
# command (not even with --force), never a special file (a named pipe is not opened: no hang);
# a second run writing the same result set is refused by the lock, which a killed run does not
# leave held; temporary files of dead writers are cleaned by the next run.
set -uo pipefail
XPB="$1"; TINY="$2"; LONG="$3"; T="$(mktemp -d)"
trap 'kill -9 $bg 2>/dev/null; rm -rf "$T"' EXIT
bg=
fail() { echo "FAIL: $*"; exit 1; }
# expect RC REGEX -- CMD...: exit status and a message; at most 120 s (a hang is a failure)
expect() {
  local want="$1" re="$2"; shift 3
  local out rc
  out="$(timeout 120 "$@" 2>&1)"; rc=$?
  [ "$rc" = "$want" ] || { printf '%s\n' "$out"; fail "exit $rc (want $want): $*"; }
  [ -z "$re" ] || printf "%s" "$out" | tr "\n" " " | grep -E -- "$re" >/dev/null || { printf "%s\n" "$out"; fail "no /$re/: $*"; }
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

"$XPB" run "$TINY" -o "$T/r.h5" >/dev/null 2>&1 || fail "the first run"
h=$(sum "$T/r.h5")

# an input of the same command, even with --force; the file is untouched
expect 2 "r.h5: is also an input of this command" -- "$XPB" verify "$T/r.h5" -o "$T/r.h5" --force
expect 2 "is also an input of this command" -- "$XPB" report "$T/r.h5" -o "$T/r.h5" --force
cp "$TINY" "$T/exp.yaml"
expect 2 "exp.yaml: is also an input of this command" -- "$XPB" run "$T/exp.yaml" -o "$T/exp.yaml" --force
cmp -s "$TINY" "$T/exp.yaml" || fail "run -o EXPERIMENT --force changed the experiment"
[ "$(sum "$T/r.h5")" = "$h" ] || fail "the result set changed"

# existing files: refused without --force, replaced with it
echo keep >"$T/report.md"
expect 2 "report.md: already exists.*hint: use --force" -- "$XPB" report "$T/r.h5" -o "$T/report.md"
[ "$(cat "$T/report.md")" = keep ] || fail "report -o overwrote without --force"
expect 0 "" -- "$XPB" report "$T/r.h5" -o "$T/report.md" --force
grep -q "Cells" "$T/report.md" || fail "report -o --force did not write"
expect 2 "rerun.h5: already exists" -- bash -c "echo x >'$T/rerun.h5' && '$XPB' verify '$T/r.h5' -o '$T/rerun.h5'"
expect 2 "schema.json: already exists" -- bash -c "echo x >'$T/schema.json' && '$XPB' schema --format json -o '$T/schema.json'"
expect 2 "plot: is not a folder" -- bash -c "echo x >'$T/plot' && '$XPB' plot '$T/r.h5' -o '$T/plot'"

# special files: refused with or without --force, and a named pipe never opened (no hang)
mkfifo "$T/fifo"
expect 2 "fifo: is a named pipe" -- "$XPB" run "$TINY" -o "$T/fifo" --force
expect 2 "fifo: is a named pipe" -- "$XPB" report "$T/r.h5" -o "$T/fifo" --force
mkdir "$T/dir"
expect 2 "dir: is a folder" -- "$XPB" run "$TINY" -o "$T/dir" --force
if mknod "$T/null" c 1 3 2>/dev/null; then
  expect 2 "null: is a character device" -- "$XPB" run "$TINY" -o "$T/null" --force
  [ -c "$T/null" ] || fail "a device node was replaced"
fi

# two runs, one result set: the second is refused while the first holds the lock
"$XPB" run "$LONG" -o "$T/long.h5" >/dev/null 2>&1 &
bg=$!
for _ in $(seq 1 400); do [ -e "$T/long.h5.lock" ] && break; sleep 0.05; done
[ -e "$T/long.h5.lock" ] || fail "no lock file while the first run is writing"
expect 2 "another xpubench \\(pid $bg\\) is writing this result set" -- "$XPB" run "$LONG" -o "$T/long.h5" --resume
# killed with the lock held: the lock file stays, but nothing holds it any more
kill -9 "$bg"; wait "$bg" 2>/dev/null; bg=
# a temporary file of a dead writer is removed, a live process's is kept
sleep 0 & dead=$!; wait "$dead"
touch "$T/long.h5.tmp.$dead" "$T/long.h5.tmp.$$"
expect 0 "1 cell\(s\) run|0 cell\(s\) run" -- "$XPB" run "$LONG" -o "$T/long.h5" --resume --only 'stream dtype=fp32 n=1048576'
[ ! -e "$T/long.h5.tmp.$dead" ] || fail "the dead writer's temporary file was not removed"
[ -e "$T/long.h5.tmp.$$" ] || fail "a live process's temporary file was removed"
[ ! -e "$T/long.h5.lock" ] || fail "the lock file is left after a finished run"
echo "PASS: -o refuses inputs, existing files without --force, special files; one writer at a time"
