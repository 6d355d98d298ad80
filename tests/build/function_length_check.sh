#!/usr/bin/env bash
# tests/build/function_length_check.sh — no function in core/ is longer than 100 lines, and the
# check can fail: copies of core/ with one long function injected (a free function whose body has
# braces in strings and comments, a member function defined in its class, a constructor with a
# default argument `= {}` and braced member initialisers) are rejected with that function named,
# a function of exactly 100 lines passes, and an allow-list entry for a function that is not too
# long (any more) is rejected.
set -euo pipefail
SRC="$1"; CHECK="$SRC/scripts/check-function-length.py"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 "$CHECK" --root "$SRC"

body() {  # N: N lines of statements with braces the checker must not count
  for ((i = 0; i < $1; i++)); do echo "  x += $i;  // } not a brace; \"{\" neither: '}'"; done
}
free_function() {  # NAME LINES: a function of LINES lines in all
  echo "static int $1(int x) {"; body $(($2 - 3)); echo "  return x > 0 ? x : -x;"; echo "}"
}
member_function() {  # NAME LINES
  echo "struct Injected {"; echo "  int $1(int x) const {"; body $(($2 - 3)); echo "    return x;"; echo "  }"
  echo "};"
}
constructor() {  # LINES
  echo "struct Built {"; echo "  Built(int a, std::vector<int> v = {}) : m_a(a), m_v{1, 2} {"; body $(($1 - 3))
  echo "    m_v.push_back(m_a);"; echo "  }"; echo "  int m_a;"; echo "  std::vector<int> m_v;"; echo "};"
}
fresh() {
  rm -rf "$WORK/t" && mkdir -p "$WORK/t/scripts" && cp -r "$SRC/core" "$WORK/t/"
  cp "$SRC/scripts/function-length-allow.txt" "$WORK/t/scripts/" 2>/dev/null || true
}
expect_caught() {  # FILE MESSAGE
  if out=$(python3 "$CHECK" --root "$WORK/t"); then echo "FAIL: a long function in $1 was not caught"; exit 1; fi
  echo "$out" | grep "$2" >/dev/null || { echo "FAIL: wrong message for $1: $out"; exit 1; }
  echo "caught: $(echo "$out" | grep '^error' | head -1)"
}

fresh; free_function injected_long 101 >> "$WORK/t/core/run/runner.cpp"
expect_caught core/run/runner.cpp "core/run/runner.cpp:[0-9]*: injected_long is 101 lines (at most 100)"
fresh; free_function injected_fits 100 >> "$WORK/t/core/run/runner.cpp"
python3 "$CHECK" --root "$WORK/t" >/dev/null || { echo "FAIL: a function of exactly 100 lines was rejected"; exit 1; }
echo "passed: a function of exactly 100 lines"
fresh; member_function long_member 150 >> "$WORK/t/core/plugin/metrics.hpp"
expect_caught core/plugin/metrics.hpp "core/plugin/metrics.hpp:[0-9]*: long_member is 150 lines"
fresh; constructor 120 >> "$WORK/t/core/base/range.hpp"
expect_caught core/base/range.hpp "core/base/range.hpp:[0-9]*: Built is 120 lines"
fresh; echo "core/run/runner.cpp run_experiment  # short: a stale entry" >> "$WORK/t/scripts/function-length-allow.txt"
expect_caught scripts/function-length-allow.txt "run_experiment is not over 100 lines (any more): remove the entry"
echo "PASS"
