#!/usr/bin/env bash
# tests/build/format_check.sh — scripts/check-format.sh can fail, and fails for the right lines: in
# a scratch repository with the same script and style, a branch adding a misformatted line is
# rejected with that file named, a formatted change passes, --fix repairs it, a misformatted line
# that was already on main is not held against a branch, and a clone with no `main` checks its
# last commit. (The checkout itself is checked by the ctest build.format.)
set -euo pipefail
SRC="$1"

WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
R="$WORK/repo"
mkdir -p "$R/scripts" "$R/src"
cp "$SRC/.clang-format" "$R/"
cp "$SRC/scripts/check-format.sh" "$R/scripts/"
g() { git -C "$R" -c user.name=test -c user.email=test@example.invalid -c init.defaultBranch=main "$@"; }
g init -q
# main: one formatted function and one old misformatted line.
printf 'int twice(int x) { return 2 * x; }\nint   old_style( int x ){return x;}\n' > "$R/src/a.cpp"
g add -A && g commit -q -m base

expect() {  # RC REGEX: run the check in the scratch repo
  local rc=0 out
  out="$("$R/scripts/check-format.sh" 2>&1)" || rc=$?
  if [ "$rc" != "$1" ] || ! printf '%s' "$out" | tr '\n' ' ' | grep -E -- "$2" >/dev/null; then
    printf '%s\n' "$out"; echo "FAIL: wanted exit $1 and /$2/, got exit $rc"; exit 1
  fi
  echo "ok: exit $rc, /$2/"
}

g checkout -q -b work
printf 'int thrice(int x) { return 3 * x; }\n' > "$R/src/b.cpp"
g add -A && g commit -q -m formatted
expect 0 "did not modify any files"

printf 'int  four( int x ){return 4*x;}\n' > "$R/src/c.cpp"   # committed, misformatted
g add -A && g commit -q -m misformatted
expect 1 "src/c.cpp"
"$R/scripts/check-format.sh" --fix >/dev/null
expect 0 "did not modify any files"
grep -q '^int four(int x) { return 4 \* x; }$' "$R/src/c.cpp" || { echo "FAIL: --fix did not format c.cpp"; exit 1; }
g commit -q -am fixed

# An unstaged edit of a tracked file is checked too; the old line on main stays out of it.
printf 'int twice(int x) { return 2 * x; }\nint   old_style( int x ){return x;}\nint five(int x){return 5*x;}\n' > "$R/src/a.cpp"
expect 1 "five"
if "$R/scripts/check-format.sh" 2>&1 | grep "old_style" >/dev/null; then
  echo "FAIL: a line unchanged since main was checked"; exit 1
fi
g checkout -q -- src/a.cpp

# A clone of one branch (no `main`): the last commit is the change.
g checkout -q main
printf 'int   six( int x ){return 6*x;}\n' > "$R/src/d.cpp"
g add -A && g commit -q -m "on main"
git clone -q --single-branch --branch main "$R" "$WORK/clone"
R="$WORK/clone"
expect 1 "HEAD~1.*src/d.cpp"
echo "PASS"
