#!/usr/bin/env bash
# scripts/check-format.sh — are the C++ lines changed since a base formatted as .clang-format says?
#
# usage: scripts/check-format.sh [--fix] [BASE]
#
# Checks only the lines that differ between BASE and the working tree (committed, staged or not;
# new files once `git add`ed), with `git clang-format` and Debian's clang-format 14, so a change
# is held to the style without the tree being reformatted at once. Exit 0: clean; 1: the diff that
# would fix it is printed; 2: cannot run; 77: not a git checkout (a test skip). --fix applies the
# diff instead.
#
# BASE, when not given ($XPB_FORMAT_BASE, or the argument):
#   `git merge-base HEAD main` — the work on this branch since it left main;
#   HEAD~1 when that is HEAD itself (on main) or there is no `main` (a fresh single-branch clone):
#   the last commit;
#   nothing to check when there is no HEAD~1 either (one commit).
set -uo pipefail

fix=0
if [ "${1:-}" = "--fix" ]; then fix=1; shift; fi
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

CF="$(command -v clang-format-14 || command -v clang-format || true)"
GCF="$(command -v git-clang-format-14 || command -v git-clang-format || true)"
if [ -z "$CF" ] || [ -z "$GCF" ]; then
  echo "check-format: clang-format 14 not found (apt-get install clang-format; scripts/setup.sh)" >&2
  exit 2
fi

base="${1:-${XPB_FORMAT_BASE:-}}"
if [ -z "$base" ]; then
  head="$(git rev-parse HEAD 2>/dev/null)" || { echo "check-format: not a git checkout; nothing to compare" >&2; exit 77; }
  mb="$(git merge-base HEAD main 2>/dev/null || true)"
  if [ -n "$mb" ] && [ "$mb" != "$head" ]; then
    base="$mb"
  elif git rev-parse -q --verify HEAD~1 >/dev/null; then
    base="HEAD~1"
  else
    echo "check-format: one commit and no base to compare with; nothing to check"
    exit 0
  fi
fi
git rev-parse -q --verify "$base^{commit}" >/dev/null || { echo "check-format: no commit '$base'" >&2; exit 2; }
echo "check-format: lines changed since $(git rev-parse --short "$base") ($base), $("$CF" --version | head -n1)"

exts="cpp,hpp,h,cc,inc"
if [ "$fix" = 1 ]; then
  "$GCF" --binary "$CF" --extensions "$exts" --force "$base"
  exit $?
fi
out="$("$GCF" --binary "$CF" --extensions "$exts" --diff "$base" 2>&1)" || { printf '%s\n' "$out" >&2; exit 2; }
printf '%s\n' "$out"
# git-clang-format 14 exits 0 either way: a diff in its output is the failure.
if printf '%s\n' "$out" | grep '^diff --git ' >/dev/null; then
  echo "check-format: the lines above are not formatted; fix with scripts/check-format.sh --fix $base" >&2
  exit 1
fi
exit 0
