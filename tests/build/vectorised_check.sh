#!/usr/bin/env bash
# tests/build/vectorised_check.sh BIN — the per-ISA bodies that the compiler vectorises (no
# intrinsics) came out vectorised in this build. A loop shape GCC does not vectorise passes every
# test and costs only time: in session 30 a Horner loop over an initializer list left GELU scalar
# (27 % of a GPT small step), which only `make bench` showed.
# - GELU's forward and backward for fp32 on AVX-512 and AVX2 each hold at least one packed fused
#   multiply-add per step of exp_fixed (2 + 7).
# - The layer norm's forward and backward, the softmax backward and the AdamW span (built with
#   -ffp-contract=off: no fused steps) each hold at least as many packed 256- or 512-bit arithmetic
#   instructions as their element loops have operations (counted in the source, below): a loop
#   that is vectorised at all emits one per operation, a scalar body none.
# The check can fail: the generic (no AVX) bodies, scalar or 128-bit by design, must be refused.
# Skipped (77) off x86-64 or without objdump.
set -euo pipefail
BIN="$1"
if [ "$(uname -m)" != x86_64 ] || ! command -v objdump >/dev/null; then
  echo "skip: needs an x86-64 build and objdump"
  exit 77
fi
MIN=9
FMA='v?fn?madd[0-9]{3}p[sd]'
# Packed arithmetic on ymm or zmm registers (an AVX-512 body tuned for 256-bit vectors uses ymm).
WIDE='v(add|sub|mul|div|max|min|sqrt|fn?m(add|sub)[0-9]{3})p[sd] .*%[yz]mm'
count() {  # SYMBOL REGEX -> instructions of its body that match; fails if it is absent
  local body
  body=$(objdump -d --no-show-raw-insn --disassemble="$1" "$BIN")
  if ! grep -q "<$1>:" <<<"$body"; then
    echo "FAIL: $1 is not in $BIN (renamed? update this check)" >&2
    return 2
  fi
  grep -cE "$2" <<<"$body" || true
}
at_least() {  # SYMBOL NAME MIN REGEX WHAT
  local n
  n=$(count "$1" "$4") || exit 1
  if [ "$n" -lt "$3" ]; then
    echo "FAIL: $2 has $n $5 (at least $3); it is not vectorised"
    return 1
  fi
  echo "ok: $2 ($n $5)"
}
check() {  # SYMBOL NAME: GELU, one packed fma per exp_fixed step
  at_least "$1" "$2" "$MIN" "$FMA" "packed fused multiply-adds"
}
check_wide() {  # SYMBOL NAME MIN: one packed 256/512-bit instruction per operation of its loops
  at_least "$1" "$2" "$3" "$WIDE" "packed 256/512-bit arithmetic instructions"
}
status=0
check _ZN3xpb2nn6detail15gelu_fwd_avx512IfEEvPKT_PS3_i "gelu_fwd_avx512<float>" || status=1
check _ZN3xpb2nn6detail15gelu_bwd_avx512IfEEvPKT_S5_PS3_i "gelu_bwd_avx512<float>" || status=1
check _ZN3xpb2nn6detail13gelu_fwd_avx2IfEEvPKT_PS3_i "gelu_fwd_avx2<float>" || status=1
check _ZN3xpb2nn6detail13gelu_bwd_avx2IfEEvPKT_S5_PS3_i "gelu_bwd_avx2<float>" || status=1
# Operations per element of each body's loops (nn/rownorm_kernels.hpp, nn/adamw.hpp):
#   ln_fwd: mean 1 (+), variance 3 (−, ×, +), output 4 (−, ×, ×, +)                      = 8
#   ln_bwd: first sweep 6 (×, +, −, ×, ×, +), second 11 (−, ×, ×, −, ×, −, ×, +, ×, +, +) = 17
#   sm_bwd: dot 2 (×, +), output 2 (−, ×)                                                 = 4
#   adamw:  g·s 1, m 3, v 4, decay 1, sqrt(v/bc2) + eps 3, p − lr·(m/d) 3                  = 15
# An object built with -fno-tree-vectorize fails every body but ln_fwd (checked): its statistics
# sweeps are 16-lane blocks that the SLP vectoriser still turns into vector code, so losing only its
# output loop leaves 13 (AVX-512) or 16 (AVX2) and passes. The floor catches a body that is not
# vectorised at all, not every lost loop.
D=_ZN3xpb2nn6detail
LN_FWD=IfEEvPKT_iPS3_iS5_S5_iiiS6_S6_
LN_BWD=IfEEvPKT_iS5_iPS3_iS5_S5_S5_iiiS6_S6_
SM_BWD=IfEEvPKT_S5_PS3_i
ADAMW=IfEEvPT_PKS3_S4_S4_lllRKNS1_9AdamWStepIS3_EE
check_wide "${D}13ln_fwd_avx512$LN_FWD" "ln_fwd_avx512<float>" 8 || status=1
check_wide "${D}11ln_fwd_avx2$LN_FWD" "ln_fwd_avx2<float>" 8 || status=1
check_wide "${D}13ln_bwd_avx512$LN_BWD" "ln_bwd_avx512<float>" 17 || status=1
check_wide "${D}11ln_bwd_avx2$LN_BWD" "ln_bwd_avx2<float>" 17 || status=1
check_wide "${D}13sm_bwd_avx512$SM_BWD" "sm_bwd_avx512<float>" 4 || status=1
check_wide "${D}11sm_bwd_avx2$SM_BWD" "sm_bwd_avx2<float>" 4 || status=1
check_wide "${D}12adamw_avx512$ADAMW" "adamw_avx512<float>" 15 || status=1
check_wide "${D}10adamw_avx2$ADAMW" "adamw_avx2<float>" 15 || status=1
refused=0
for generic in "${D}14ln_fwd_generic$LN_FWD 8" "${D}14ln_bwd_generic$LN_BWD 17" \
               "${D}14sm_bwd_generic$SM_BWD 4" "${D}13adamw_generic$ADAMW 15"; do
  read -r symbol floor <<<"$generic"
  if check_wide "$symbol" "$symbol" "$floor" >/dev/null; then
    echo "FAIL: the check passed the generic body $symbol"
    status=1
  else
    refused=$((refused + 1))
  fi
done
echo "caught: $refused of 4 generic layer-norm, softmax-backward and AdamW bodies are refused"
if check _ZN3xpb2nn6detail16gelu_fwd_genericIfEEvPKT_PS3_i "gelu_fwd_generic<float>" >/dev/null; then
  echo "FAIL: the check passed the scalar generic body"
  status=1
else
  echo "caught: gelu_fwd_generic<float> (scalar by design) is refused"
fi
[ "$status" -eq 0 ] && echo PASS
exit "$status"
