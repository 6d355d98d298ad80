#!/usr/bin/env bash
# tests/core/results/schema_current.sh — a checked-in description of the result set layout equals
# what `xpubench schema` generates from core/results/schema.cpp today.
# usage: schema_current.sh XPUBENCH FORMAT CHECKED_IN_FILE
# Fix a failure by regenerating: xpubench schema --format FORMAT -o CHECKED_IN_FILE --force
set -u
X="$1"; format="$2"; file="$3"
tmp="$(mktemp)"; trap 'rm -f "$tmp"' EXIT
"$X" schema --format "$format" > "$tmp" || { echo "FAIL: xpubench schema --format $format failed" >&2; exit 1; }
if ! diff -u "$file" "$tmp"; then
  echo "FAIL: $file differs from the schema declared in core/results/schema.cpp" >&2
  echo "hint: regenerate it: xpubench schema --format $format -o $file --force" >&2
  exit 1
fi
echo PASS
