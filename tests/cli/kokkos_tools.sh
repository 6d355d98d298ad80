#!/usr/bin/env bash
# tests/cli/kokkos_tools.sh — `run --kokkos-tools-library PATH` and the Kokkos Tools environment
# variable load a tool into Kokkos, and the result set records which (/@kokkos_tools_library).
# TOOL is tests/cli/kokkos_tool/tiny_tool.c built as a module: it writes what Kokkos told it to
# $XPB_TEST_TOOL_OUT at finalize. usage: kokkos_tools.sh XPUBENCH TOOL
set -uo pipefail
X="$1"; TOOL="$2"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset KOKKOS_TOOLS_LIBS KOKKOS_PROFILE_LIBRARY
printf 'name: tools\nseed: 1\nrepeats: 2\nwarmup: 1\nplatforms: [host]\nworkloads:\n  - workload: stream\n    params: {n: 2^12}\n' > "$T/e.yaml"
attr() { h5dump -a /kokkos_tools_library "$1" | sed -n 's/^ *(0): "\(.*\)"$/\1/p'; }
tool_called() {  # the tool's report: initialised once, told about the stream kernels by label
  [ -f "$T/tool.txt" ] || fail "$1: the tool wrote nothing (not loaded?)"
  sed 's/^/  | /' "$T/tool.txt"
  grep -qx 'init 1' "$T/tool.txt" || fail "$1: kokkosp_init_library not called once"
  grep -Eq '^parallel_for [1-9][0-9]*$' "$T/tool.txt" || fail "$1: no parallel_for reported"
  grep -Eq '^first .+' "$T/tool.txt" || fail "$1: kernel without a label"
}

# 1. The option.
XPB_TEST_TOOL_OUT="$T/tool.txt" "$X" run "$T/e.yaml" -o "$T/a.h5" --kokkos-tools-library "$TOOL" ||
  fail "run with --kokkos-tools-library failed"
tool_called "--kokkos-tools-library"
[ "$(attr "$T/a.h5")" = "$TOOL" ] || fail "recorded '$(attr "$T/a.h5")', wanted $TOOL"
echo "ok: --kokkos-tools-library loads the tool and is recorded"

# 2. No tool: recorded as none, nothing written.
rm -f "$T/tool.txt"
XPB_TEST_TOOL_OUT="$T/tool.txt" "$X" run "$T/e.yaml" -o "$T/b.h5" || fail "plain run failed"
[ ! -f "$T/tool.txt" ] || fail "a tool ran without being asked for"
[ "$(attr "$T/b.h5")" = "none" ] || fail "recorded '$(attr "$T/b.h5")' without a tool, wanted none"
echo "ok: without a tool: none"

# 3. The variable of this Kokkos version (KOKKOS_TOOLS_LIBS from Kokkos 4, KOKKOS_PROFILE_LIBRARY before).
major="$("$X" --version | sed -n 's/^Kokkos \([0-9]*\)\..*/\1/p')"
var=KOKKOS_PROFILE_LIBRARY; [ "${major:-0}" -ge 4 ] && var=KOKKOS_TOOLS_LIBS
env "$var=$TOOL" XPB_TEST_TOOL_OUT="$T/tool.txt" "$X" run "$T/e.yaml" -o "$T/c.h5" || fail "run with $var failed"
tool_called "$var"
[ "$(attr "$T/c.h5")" = "$TOOL" ] || fail "$var: recorded '$(attr "$T/c.h5")', wanted $TOOL"
echo "ok: $var loads the tool and is recorded"

# 4. A path that is not there: exit 2 with a hint, nothing run.
out="$("$X" run "$T/e.yaml" -o "$T/d.h5" --kokkos-tools-library "$T/nowhere.so" 2>&1)"; rc=$?
[ "$rc" = 2 ] || fail "missing tool library: exit $rc, wanted 2"
printf '%s' "$out" | grep "is not a readable file" >/dev/null || fail "missing tool library: no clear error: $out"
[ ! -f "$T/d.h5" ] || fail "missing tool library: the run went ahead"
echo "ok: a missing tool library is an error"
echo PASS
