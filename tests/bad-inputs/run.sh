#!/usr/bin/env bash
# tests/bad-inputs/run.sh — the bad-input catalogue: every file under tests/bad-inputs/<kind>/ is
# one hostile or careless input with, in its first lines, the command that reads it and what
# must come out. The test passes when every case exits with its code, prints its fragment, and
# nothing crashes (no `terminate called`, no signal, no sanitizer report). It does not judge the
# wording beyond the fragment.
#
# usage: run.sh XPUBENCH [CASE...]     (default: every case; run from anywhere; VERBOSE=1 shows
#        what each case printed)
#
# Header keys (lines "# key: value" among the first 20; a case needs cmd and expect):
#   cmd:    a bash command line; $X is xpubench, $IN the input, $SRC the source tree, $TMP a
#           scratch folder, $GOLDEN data/golden/golden.h5. Runs in $SRC.
#   rc:     the expected exit code (default 2)
#   expect: a fixed string the output (stdout + stderr) must contain
#   make:   a bash command that writes $IN (the input is generated: a damaged copy of a good file,
#           an empty file, a directory, ...); without it $IN is the case file itself
#   absent: a path (with $TMP) that must not exist afterwards (nothing written)
#   skip-if-root: yes (root reads files whatever their permissions)
set -u
X="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/../.." && pwd)"
GOLDEN="$SRC/data/golden/golden.h5"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/xpb-bad-inputs.XXXXXX")"
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
export X SRC GOLDEN TMP

header() {  # header FILE KEY → the value, or nothing
  head -n 20 "$1" | sed -n "s/^# $2: //p" | head -n 1
}

if [ $# -gt 0 ]; then
  cases=(); for c in "$@"; do cases+=("$(cd "$(dirname "$c")" && pwd)/$(basename "$c")"); done
else
  mapfile -t cases < <(find "$HERE" -mindepth 2 -type f \( -name '*.yaml' -o -name '*.case' -o -name '*.h5' \) ! -name '*.h5.case' | sort)
fi

fails=() ; declare -A per_kind
for c in "${cases[@]}"; do
  kind="$(basename "$(dirname "$c")")"; name="$(basename "$c")"; id="$kind/$name"
  hfile="$c"; [ "${c##*.}" = h5 ] && hfile="$c.case"
  cmd="$(header "$hfile" cmd)"; want_rc="$(header "$hfile" rc)"; want_rc="${want_rc:-2}"
  expect="$(header "$hfile" expect)"; make="$(header "$hfile" make)"; absent="$(header "$hfile" absent)"
  if [ -z "$cmd" ] || [ -z "$expect" ]; then fails+=("$id: no '# cmd:' or '# expect:' header"); continue; fi
  if [ "$(header "$hfile" skip-if-root)" = yes ] && [ "$(id -u)" = 0 ]; then echo "skip  $id (root)"; continue; fi
  per_kind[$kind]=$(( ${per_kind[$kind]:-0} + 1 ))
  IN="$c"
  if [ -n "$make" ]; then
    ext="yaml"; [ "$kind" = results ] && ext="h5"
    IN="$TMP/${kind}-${name%.*}.$ext"
    if ! (cd "$SRC" && export IN && bash -c "$make") >/dev/null 2>&1; then fails+=("$id: the make: command failed"); continue; fi
  fi
  export IN
  out="$(cd "$SRC" && timeout 120 bash -c "$cmd" 2>&1)"; rc=$?
  problems=()
  [ "$rc" = "$want_rc" ] || problems+=("exit $rc, expected $want_rc")
  [ "$rc" -ge 124 ] && problems+=("timed out or killed by a signal (exit $rc)")
  printf '%s' "$out" | grep -qF -- "$expect" || problems+=("output lacks '$expect'")
  if printf '%s' "$out" | grep -qE 'terminate called|Segmentation|AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|internal error'; then
    problems+=("a crash or sanitizer report in the output")
  fi
  if [ "$want_rc" = 2 ] && ! printf '%s' "$out" | grep -q '^error: '; then problems+=("no 'error: ' line"); fi
  if [ -n "$absent" ]; then absent="$(eval echo "$absent")"; [ -e "$absent" ] && problems+=("$absent was written"); fi
  if [ ${#problems[@]} -gt 0 ]; then
    fails+=("$id: $(IFS=';'; echo "${problems[*]}")")
    printf 'FAIL  %s\n      %s\n' "$id" "$(printf '%s' "$out" | head -n 3 | tr '\n' '|')"
  else
    echo "ok    $id"
  fi
  [ -n "${VERBOSE:-}" ] && printf '%s\n' "$out" | head -n 4 | sed 's/^/      /'

done

total=0; summary=""
for k in $(printf '%s\n' "${!per_kind[@]}" | sort); do total=$((total + per_kind[$k])); summary+=" $k=${per_kind[$k]}"; done
echo "cases: $total ($summary )"
if [ ${#fails[@]} -gt 0 ]; then
  echo "${#fails[@]} case(s) did not behave:" >&2
  printf '  %s\n' "${fails[@]}" >&2
  exit 1
fi
echo "all bad inputs refused cleanly"
