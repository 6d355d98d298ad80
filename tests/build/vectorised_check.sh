#!/usr/bin/env bash
# tests/build/vectorised_check.sh BIN — the per-ISA bodies that the compiler vectorises (no
# intrinsics) came out vectorised in this build: GELU's forward and backward for fp32 on AVX-512 and
# AVX2 each hold at least one packed fused multiply-add per step of exp_fixed (2 + 7). A loop shape
# GCC does not vectorise passes every test and costs only time: in session 30 a Horner loop over an
# initializer list left GELU scalar (27 % of a GPT small step), which only `make bench` showed.
# The check can fail: the generic (no FMA) body, which is scalar by design, must be refused.
# Skipped (77) off x86-64 or without objdump.
set -euo pipefail
BIN="$1"
if [ "$(uname -m)" != x86_64 ] || ! command -v objdump >/dev/null; then
  echo "skip: needs an x86-64 build and objdump"
  exit 77
fi
MIN=9
packed_fmas() {  # SYMBOL -> count of packed fma instructions in its body; fails if it is absent
  local body
  body=$(objdump -d --no-show-raw-insn --disassemble="$1" "$BIN")
  if ! grep -q "<$1>:" <<<"$body"; then
    echo "FAIL: $1 is not in $BIN (renamed? update this check)" >&2
    return 2
  fi
  grep -cE 'v?fn?madd[0-9]{3}p[sd]' <<<"$body" || true
}
check() {  # SYMBOL NAME
  local n
  n=$(packed_fmas "$1") || exit 1
  if [ "$n" -lt "$MIN" ]; then
    echo "FAIL: $2 has $n packed fused multiply-adds (at least $MIN: one per exp_fixed step); it is not vectorised"
    return 1
  fi
  echo "ok: $2 ($n packed fused multiply-adds)"
}
status=0
check _ZN3xpb2nn6detail15gelu_fwd_avx512IfEEvPKT_PS3_i "gelu_fwd_avx512<float>" || status=1
check _ZN3xpb2nn6detail15gelu_bwd_avx512IfEEvPKT_S5_PS3_i "gelu_bwd_avx512<float>" || status=1
check _ZN3xpb2nn6detail13gelu_fwd_avx2IfEEvPKT_PS3_i "gelu_fwd_avx2<float>" || status=1
check _ZN3xpb2nn6detail13gelu_bwd_avx2IfEEvPKT_S5_PS3_i "gelu_bwd_avx2<float>" || status=1
if check _ZN3xpb2nn6detail16gelu_fwd_genericIfEEvPKT_PS3_i "gelu_fwd_generic<float>" >/dev/null; then
  echo "FAIL: the check passed the scalar generic body"
  status=1
else
  echo "caught: gelu_fwd_generic<float> (scalar by design) is refused"
fi
[ "$status" -eq 0 ] && echo PASS
exit "$status"
