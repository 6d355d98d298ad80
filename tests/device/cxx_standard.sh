#!/usr/bin/env bash
# tests/device/cxx_standard.sh BUILD_INFO_CPP SRC WORK — the generated build_info.cpp records the
# C++ standard its compiler used: compiled as C++17 it says 17, as C++20 it says 20 (Kokkos 4/5
# raise a C++17 project to C++20, so CMAKE_CXX_STANDARD is not what was compiled).
set -eu
GEN="$1"; SRC="$2"; WORK="$3"
mkdir -p "$WORK"
cat >"$WORK/main.cpp" <<'CPP'
#include <cstdio>
#include "core/base/build_info.hpp"
int main() { std::printf("%d\n", xpb::build_info().cxx_standard); }
CPP
for std in 17 20; do
  c++ -std=c++$std -I"$SRC" "$WORK/main.cpp" "$GEN" -o "$WORK/std$std"
  got=$("$WORK/std$std")
  echo "compiled as C++$std: build_info().cxx_standard = $got"
  [ "$got" = "$std" ] || { echo "FAIL: expected $std"; exit 1; }
done
echo "PASS"
