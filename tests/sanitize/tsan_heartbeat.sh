#!/usr/bin/env bash
# tests/sanitize/tsan_heartbeat.sh CMAKE BUILD_DIR TEST_BINARY — build xpb_tests_tsan (one job) and
# run its cases. Fails on a build error, a failed case or any ThreadSanitizer report.
set -euo pipefail
cmake="$1" build="$2" bin="$3"
nice "$cmake" --build "$build" --target xpb_tests_tsan --parallel 1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
rc=0
"$bin" 2>&1 | tee "$log" || rc=$?
if grep -qE 'WARNING: ThreadSanitizer|terminate called' "$log"; then
  echo "sanitize.tsan_heartbeat: ThreadSanitizer report or terminate in the log above" >&2
  exit 1
fi
exit $rc
