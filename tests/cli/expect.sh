#!/usr/bin/env bash
# tests/cli/expect.sh — run a command, check its exit code and that its output matches a regex.
# usage: expect.sh EXIT_CODE REGEX -- COMMAND...   (REGEX is grep -E, matched on stdout+stderr)
set -u
want_rc="$1"; regex="$2"; shift 2
[ "$1" = "--" ] && shift
out="$("$@" 2>&1)"; rc=$?
printf '%s\n' "$out"
if [ "$rc" != "$want_rc" ]; then
  echo "FAIL: exit code $rc, expected $want_rc" >&2; exit 1
fi
if ! printf "%s" "$out" | tr "\n" " " | grep -Eq -- "$regex"; then
  echo "FAIL: output does not match /$regex/" >&2; exit 1
fi
echo "PASS"
