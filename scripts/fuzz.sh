#!/usr/bin/env bash
# scripts/fuzz.sh — build the libFuzzer targets of tests/fuzz/ with clang into build-fuzz/ and run
# each one for FUZZ_SECONDS (default 60) over its corpus (`make fuzz`; docs/fuzzing.md).
#
# usage: scripts/fuzz.sh [KIND...]       (default: every target: experiment platform model
#                                         constants rules result_set journal)
#   FUZZ_SECONDS=N   seconds per target          FUZZ_BUILD=DIR   build folder (build-fuzz)
#   FUZZ_JOBS=N      build jobs (nproc)          FUZZ_ARGS="..."  more libFuzzer flags
# New inputs go to $FUZZ_BUILD/corpus/<kind> (not committed), crashers to
# $FUZZ_BUILD/findings/<kind>/. The committed seeds under tests/fuzz/corpus/<kind> are only read.
# Exit 1 when a target reports a finding; the rest still run.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${FUZZ_BUILD:-$ROOT/build-fuzz}"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
JOBS="${FUZZ_JOBS:-$(nproc)}"
KINDS=("$@")
[ ${#KINDS[@]} -gt 0 ] || KINDS=(experiment platform model constants rules result_set journal)

if ! command -v clang++ >/dev/null; then
  echo "fuzz: error: clang++ not found" >&2
  echo "hint: apt-get install clang (libFuzzer ships with it)" >&2
  exit 2
fi

# The loaders are instrumented (tests/fuzz/CMakeLists.txt); the rest is built at -O1 to keep the
# build short. Kokkos stays the g++-built one of .cache (headers only matter to the loaders).
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1 \
  -DXPB_FUZZ=ON -DXPB_ENABLE_MPI=OFF -DXPB_CUDA_BUILD_DIR="$BUILD/no-cuda" >/dev/null || exit 2
targets=(); for k in "${KINDS[@]}"; do targets+=("fuzz_$k"); done
cmake --build "$BUILD" --parallel "$JOBS" --target "${targets[@]}" || exit 2

status=0
for k in "${KINDS[@]}"; do
  mkdir -p "$BUILD/corpus/$k" "$BUILD/findings/$k"
  echo "fuzz: $k for ${SECONDS_PER_TARGET}s"
  # A result-set input on which libhdf5 spins is refused by the reader's probe after 10 s plus
  # 10 s per MB (core/results/hdf5_util.cpp); the per-input timeout must exceed that, or the
  # first such input ends the run as a timeout instead of being refused and left behind.
  per_input=10
  [ "$k" = result_set ] && per_input=30
  # The first corpus folder receives new inputs; the committed seeds are read only.
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan.supp" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$BUILD/tests/fuzz/fuzz_$k" -max_total_time="$SECONDS_PER_TARGET" -timeout="$per_input" -rss_limit_mb=2048 \
    -artifact_prefix="$BUILD/findings/$k/" -print_final_stats=1 ${FUZZ_ARGS:-} \
    "$BUILD/corpus/$k" "$ROOT/tests/fuzz/corpus/$k" >"$BUILD/findings/$k.log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^Done' "$BUILD/findings/$k.log" | sed "s/^/fuzz: $k: /"
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz: $k: FINDING (exit $rc); log $BUILD/findings/$k.log, input in $BUILD/findings/$k/" >&2
    grep -m 3 -E 'ERROR|runtime error|not an xpb::Error|SUMMARY' "$BUILD/findings/$k.log" >&2
  fi
done
exit $status
