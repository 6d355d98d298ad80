// workloads/nn/fixed_math_avx512.hpp — exp_fixed (nn/fixed_math.hpp) on 16 floats in AVX-512
// instructions, for the host bodies compiled per ISA (nn/rownorm_host.cpp, nn/attention_host.cpp).
// Included only where XPB_FIXED_MATH_AVX512 is 1 (x86-64 with GCC or clang); the function carries
// its own target attribute, so it inlines into those files' AVX-512 regions.
//
// Written out because GCC's vector form of the portable code takes 31–33 vector instructions per
// 16 elements (the clamp became compares and blends of the result, 2^n three integer steps and a
// product), and the softmax sweeps and the attention's row updates are bound by them in cache.
// Same operations in the same order (the fused multiply-adds as vfmadd/vfnmadd), two of them done
// by one exact instruction each, so the same bits as exp_fixed for every input:
//  - the clamp to [−87, 88] as vmaxps(−87, x) then vminps(88, ·): each returns its second operand
//    when one is NaN, so a NaN passes through as the portable comparisons let it (kUpper = false
//    leaves out the upper bound, for callers whose arguments are x − max ≤ 0 or NaN);
//  - n = x·log2(e) rounded to the nearest integer, ties to even: vrndscaleps, where the portable
//    form adds and subtracts 1.5·2^23 (the same rounding for |t| < 2^22; the clamped |t| < 128);
//    the two differ only in the sign of a zero n, which changes neither x − n·c nor 2^n;
//  - p·2^n: vscalefps, where the portable form builds 2^n in the exponent bits and multiplies.
//    Both round the same exact product p·2^n (n in [−126, 127] after the clamp) the same way.
// (The masked forms with every lane set are the plain instructions; the unmasked intrinsics of
// GCC 12 start from an undefined register that -Wmaybe-uninitialized flags.)
#pragma once

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define XPB_FIXED_MATH_AVX512 1
#include <immintrin.h>

namespace xpb::nn::detail {

template <bool kUpper>
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) inline __m512 exp_fixed_16(__m512 x) {
  constexpr __mmask16 all = 0xFFFF;
  x = _mm512_mask_max_ps(x, all, _mm512_set1_ps(-87.0f), x);
  if constexpr (kUpper) x = _mm512_mask_min_ps(x, all, _mm512_set1_ps(88.0f), x);
  const __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f));
  const __m512 n = _mm512_mask_roundscale_ps(t, all, t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
  for (const float c : {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f})
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
  return _mm512_mask_scalef_ps(p, all, p, n);
}

}  // namespace xpb::nn::detail

#else
#define XPB_FIXED_MATH_AVX512 0
#endif
