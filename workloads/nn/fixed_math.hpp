// workloads/nn/fixed_math.hpp — exp and fixed-order row reductions that vectorise and round the
// same way on every thread count, with no library call in the inner loop where the code is built
// for a CPU with FMA instructions (the per-ISA host bodies, GPUs; elsewhere fma is libm's).
// exp_fixed: Cody–Waite reduction x = n·ln2 + r (|r| <= ln2/2), e^r by its Taylor series (degree
// 7 for float: truncation r^8/8! < 6e-9; degree 12 for double: r^13/13! < 2e-16), times 2^n built
// from the exponent bits. Inputs are clamped to the normal range (below it the result is the
// smallest normal, not 0: callers that need an exact 0 for masked entries write it themselves).
// Accuracy: a few ulp (tests/workloads/test_flash_attention.cpp checks it against std::exp).
// Reductions: kLanes interleaved partial sums (lane j takes index ≡ j mod kLanes), folded lane 0
// first, then the tail: the order is part of the code, so the bits do not depend on the schedule,
// and the compiler can keep the lanes in SIMD registers (a plain running sum cannot vectorise
// without reassociation).
#pragma once

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace xpb::nn::detail {

inline constexpr int kLanes = 16;

// No-alias qualifier for the inner loops (all supported compilers spell it __restrict).
#define XPB_RESTRICT __restrict

// A read prefetch on host builds with GCC or clang; nothing in device code.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDA_ARCH__) && \
    !defined(__HIP_DEVICE_COMPILE__) && !defined(__SYCL_DEVICE_ONLY__)
#define XPB_PREFETCH(p) __builtin_prefetch(p, 0, 3)
#define XPB_PREFETCH_W(p) __builtin_prefetch(p, 1, 3)
#else
#define XPB_PREFETCH(p) ((void)0)
#define XPB_PREFETCH_W(p) ((void)0)
#endif

// Prefetches the cache lines of n elements from p, for reading or (write) for writing. For rows
// far apart (the heads' columns of qkv, out and their gradients: 3C or C elements), which the
// hardware prefetchers do not follow from one row to the next.
template <class T>
KOKKOS_INLINE_FUNCTION void prefetch_row(const T* p, int n, bool write) {
  constexpr int kLine = 64 / int(sizeof(T));
  for (int e = 0; e < n; e += kLine) {
    if (write)
      XPB_PREFETCH_W(p + e);
    else
      XPB_PREFETCH(p + e);
  }
  (void)p;  // device builds: the prefetches are nothing
}

// `omp simd` on a lane loop (for j < kLanes: acc[j] += ...) on host builds with OpenMP or
// -fopenmp-simd (XPB_OMP_SIMD, set by workloads/nn/CMakeLists.txt); nothing on device passes.
// It changes no result: each lane's operations and their order stay as written, the pragma only
// keeps GCC from unrolling the 16 iterations and then leaving them scalar (it did: the SLP pass
// gave up on two interleaved lane arrays, and layer-norm backward's first sweep ran scalar, 5x
// slower than the vector loop — bench/rownorm_vs_stream.cpp).
// Defining it empty on the command line (-DXPB_SIMD=) builds the loops without it, for A/B runs.
#ifndef XPB_SIMD
#if (defined(_OPENMP) || defined(XPB_OMP_SIMD)) && !defined(__CUDA_ARCH__) && \
    !defined(__HIP_DEVICE_COMPILE__) && !defined(__SYCL_DEVICE_ONLY__)
#define XPB_SIMD _Pragma("omp simd")
#else
#define XPB_SIMD
#endif
#endif

// fma that compiles for host and device; exact (one rounding) everywhere. On a host it is one
// instruction where the code is compiled for a CPU with FMA (the per-ISA bodies), a library call
// otherwise.
template <class T>
KOKKOS_INLINE_FUNCTION T fma_exact(T a, T b, T c) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
  return ::fma(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

// p, then p = p·r + c for each c in turn, each step one fused multiply-add. A fold rather than a
// loop: a loop over the coefficients kept GCC from vectorising the callers' loops (GELU's).
template <class T, class... C>
KOKKOS_INLINE_FUNCTION T horner_fma(T p, T r, C... c) {
  ((p = fma_exact(p, r, T(c))), ...);
  return p;
}

// The reduction's two steps and the Horner steps are fused multiply-adds (one rounding each):
// the vector forms then take one instruction per step (nn/fixed_math_avx512.hpp), and a GPU's
// compiler would fuse them anyway.
KOKKOS_INLINE_FUNCTION float exp_fixed(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float magic = 12582912.0f;  // 1.5·2^23: adding it rounds |t| < 2^22 to an integer
  const float n = (x * 1.44269504088896341f + magic) - magic;
  float r = fma_exact(-n, 0.693145751953125f, x);  // ln2 split: the high part has 16 significant
  r = fma_exact(-n, 1.428606765330187e-06f, r);    // bits, so n·hi is exact for |n| <= 128
  const float p = horner_fma(1.0f / 5040.0f, r, 1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f,
                             1.0f, 1.0f);
  const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
  float two_n;
  std::memcpy(&two_n, &bits, sizeof two_n);
  return p * two_n;
}

KOKKOS_INLINE_FUNCTION double exp_fixed(double x) {
  x = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
  const double magic = 6755399441055744.0;  // 1.5·2^52
  const double n = (x * 1.4426950408889634 + magic) - magic;
  double r = fma_exact(-n, 6.93147180369123816490e-01, x);  // ln2 high part (fdlibm split)
  r = fma_exact(-n, 1.90821492927058770002e-10, r);
  const double p = horner_fma(1.0 / 479001600, r, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
                              1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1.0, 1.0);
  const std::int64_t bits = (static_cast<std::int64_t>(n) + 1023) << 52;
  double two_n;
  std::memcpy(&two_n, &bits, sizeof two_n);
  return p * two_n;
}

// Floating-point operations of one exp_fixed, as written above (the ledgers' count of the work as
// run on a host, where no special-function unit evaluates it): the clamp's 2 comparisons, 3 to
// round x·log2(e) to n, 4 for the two-part reduction and 2 per Horner step (7 for float, 12 for
// double; each a fused multiply-add, counted as its 2 operations) and the final product with 2^n. float: 2 +
// 3 + 4 + 14 + 1 = 24; double: 2 + 3 + 4 + 24 + 1 = 34.
template <class T>
inline constexpr int kExpFixedOps = sizeof(T) == 4 ? 24 : 34;

// x[i] = exp_fixed(x[i]·scale − shift) over n contiguous elements (vectorises: no call, no alias).
template <class T>
KOKKOS_INLINE_FUNCTION void exp_shifted(T* XPB_RESTRICT x, int n, T scale, T shift) {
  for (int i = 0; i < n; ++i) x[i] = exp_fixed(x[i] * scale - shift);
}

// Σ x[i] over n contiguous elements, in the fixed lane order above.
template <class T>
KOKKOS_INLINE_FUNCTION T sum_fixed(const T* x, int n) {
  T acc[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    XPB_SIMD
    for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j];
  }
  T s = 0;
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  for (; i < n; ++i) s += x[i];
  return s;
}

// Σ a[i]·b[i], same order.
template <class T>
KOKKOS_INLINE_FUNCTION T dot_lanes(const T* a, const T* b, int n) {
  T acc[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    XPB_SIMD
    for (int j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  }
  T s = 0;
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// An OpenMP simd max reduction on host builds with OpenMP (GCC does not vectorise a
// `v > m ? v : m` chain on its own without -ffinite-math-only); nothing on device passes.
#if (defined(_OPENMP) || defined(XPB_OMP_SIMD)) && !defined(__CUDA_ARCH__) && \
    !defined(__HIP_DEVICE_COMPILE__) && !defined(__SYCL_DEVICE_ONLY__)
#define XPB_SIMD_MAX_M _Pragma("omp simd reduction(max : m)")
#else
#define XPB_SIMD_MAX_M
#endif

// max(init, max_i x[i]·scale). max is exact, so the vector order does not change the value;
// only a NaN (the row's result is NaN either way) or the sign of a zero maximum can depend on
// it, and x − (±0) then gives the same exp.
template <class T>
KOKKOS_INLINE_FUNCTION T max_scaled(const T* XPB_RESTRICT x, int n, T scale, T init) {
  T m = init;
  XPB_SIMD_MAX_M
  for (int i = 0; i < n; ++i) {
    const T v = x[i] * scale;
    m = v > m ? v : m;
  }
  return m;
}

}  // namespace xpb::nn::detail
