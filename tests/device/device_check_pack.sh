#!/usr/bin/env bash
# tests/device/device_check_pack.sh SRC CUDA_BUILD WORK — scripts/device-check.sh up to the point
# where it needs a GPU: the pack of the CUDA build is under 64 MiB and resolves every library from
# itself (glibc and libcuda excepted), the packed binary starts from the pack, and the run step
# stops with a clear "no NVIDIA GPU" (exit 3) here. Then the check is shown to fail: a pack that
# lacks a library, or that is too large, is rejected.
set -u
SRC="$1"; BUILD="$2"; WORK="$3"; DC="$SRC/scripts/device-check.sh"
[ -x "$BUILD/cli/xpubench" ] || { echo "SKIP: no CUDA build at $BUILD (make cuda)"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK"
"$DC" pack "$BUILD" "$WORK/pack" || fail "pack or its verification failed"
"$WORK/pack/xpubench" --version | grep "backend Cuda" >/dev/null || fail "the packed binary does not start from the pack"
for f in bin/xpubench device-check.sh experiments/h20-parity.yaml experiments/device-check-gpt.yaml \
         experiments/device-check-bench.yaml \
         platforms/nvidia-h200-sxm.yaml data/kjv.txt data/model/constants.yaml; do
  [ -s "$WORK/pack/$f" ] || fail "the pack has no $f"
done
out=$(env PATH=/usr/bin:/bin "$WORK/pack/device-check.sh" run --out "$WORK/results" 2>&1); rc=$?
echo "$out"
[ "$rc" = 3 ] || fail "run without a GPU exited $rc, expected 3"
echo "$out" | grep -q "no NVIDIA GPU" || fail "run without a GPU did not say so"

# The check can fail. A library missing from the pack resolves from the system instead:
cp -r "$WORK/pack" "$WORK/broken"
rm -f "$WORK/broken"/lib/libyaml-cpp.so*
out=$("$DC" verify "$WORK/broken" 2>&1) && fail "a pack without libyaml-cpp passed verify"
echo "$out" | grep -q "FAIL: libyaml-cpp" || fail "verify did not name the missing libyaml-cpp: $out"
echo "caught: a pack without libyaml-cpp"
# ... and a pack of 64 MiB or more:
cp -f "$WORK/pack"/lib/libyaml-cpp.so* "$WORK/broken/lib/"
dd if=/dev/zero of="$WORK/broken/data/padding" bs=1M count=64 status=none
out=$("$DC" verify "$WORK/broken" 2>&1) && fail "a pack of 64 MiB or more passed verify"
echo "$out" | grep -q "64 MiB or more" || fail "verify did not report the size: $out"
echo "caught: a pack of 64 MiB or more"
rm -rf "$WORK/broken"
echo "PASS"
