#!/usr/bin/env bash
# tests/build/include_check.sh — the tree has no forbidden include edge, and the check can fail:
# a copy of the tree with one forbidden edge added per rule kind (core → analysis, a plugin →
# another plugin, base → a higher room, the engine's tests → a workload) is rejected with that
# edge named.
set -euo pipefail
SRC="$1"; CHECK="$SRC/scripts/check-includes.py"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 "$CHECK" --root "$SRC"
inject() {  # FILE INCLUDE EXPECTED-MESSAGE
  rm -rf "$WORK/t" && mkdir -p "$WORK/t"
  (cd "$SRC" && cp -r core calibration workloads analysis cli examples bench tests "$WORK/t/")
  sed -i "0,/^#include/s||#include \"$2\"\n#include|" "$WORK/t/$1"
  if out=$(python3 "$CHECK" --root "$WORK/t"); then
    echo "FAIL: an include of $2 from $1 was not caught"; exit 1
  fi
  echo "$out" | grep "$3" >/dev/null || { echo "FAIL: wrong message for $1 -> $2: $out"; exit 1; }
  echo "caught: $1 -> $2"
}
inject core/run/runner.cpp analysis/report.hpp "core/run may not depend on analysis"
inject core/base/error.cpp core/model/projector.hpp "core/base may not depend on core/model"
inject workloads/gpt/gpt.cpp workloads/ernie/masking.hpp "workloads/gpt may not depend on workloads/ernie"
inject workloads/stream/stream.cpp cli/table.hpp "workloads/stream may not depend on cli"
inject calibration/calibrate.cpp workloads/stream/stream.hpp "calibration may not depend on workloads/stream"
inject tests/core/run/test_distributed.cpp workloads/nn/data_parallel.hpp "tests/core may not depend on workloads/nn"
echo "PASS"
