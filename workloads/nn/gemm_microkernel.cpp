// workloads/nn/gemm_microkernel.cpp — per-ISA instantiations of the GEMM micro-kernel.
// Each ISA's code sits in its own target region (function-level target attributes), so this file
// compiles with the project's portable flags and the wide kernels only run after a run-time CPU
// check. The kernel bodies are shared (gemm_microkernel_body.inc); only the SIMD traits differ.
#include "workloads/nn/gemm_microkernel.hpp"

#include <cmath>

#include "core/base/error.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define XPB_GEMM_X86 1
#include <immintrin.h>
#else
#define XPB_GEMM_X86 0
#endif

namespace xpb::nn {

std::string to_string(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::automatic: return "automatic";
    case GemmIsa::scalar: return "scalar";
    case GemmIsa::avx2: return "avx2";
    case GemmIsa::avx512: return "avx512";
  }
  return "?";
}

namespace detail {

// ================================================================================================
// Scalar (any CPU): std::fma is exact everywhere, so it matches the vector lanes bit for bit.

namespace scalar_isa {
template <class T>
struct Vec {
  using scalar = T;
  using reg = T;
  static constexpr int width = 1;
  static T zero() { return T(0); }
  static T load(const T* p) { return *p; }
  static void store(T* p, T v) { *p = v; }
  static T set1(T x) { return x; }
  static T fmadd(T a, T b, T c) { return std::fma(a, b, c); }
};
#include "workloads/nn/gemm_microkernel_body.inc"

void mk_f32(int kc, const float* Ap, const float* Bp, float* W, int ldw, bool first) {
  micro_kernel_body<Vec<float>, 4, 4, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mks_f32(int kc, const float* Ap, const float* B, int ldb, float* W, int ldw, bool first) {
  micro_kernel_body<Vec<float>, 4, 4, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mk_f64(int kc, const double* Ap, const double* Bp, double* W, int ldw, bool first) {
  micro_kernel_body<Vec<double>, 4, 4, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mks_f64(int kc, const double* Ap, const double* B, int ldb, double* W, int ldw, bool first) {
  micro_kernel_body<Vec<double>, 4, 4, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mka_f32(int kc, const float* A, int ak, int ar, const float* B, int ldb, float* W, int ldw, bool first) {
  in_place_body<Vec<float>, 4, 4>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void mka_f64(int kc, const double* A, int ak, int ar, const double* B, int ldb, double* W, int ldw,
             bool first) {
  in_place_body<Vec<double>, 4, 4>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void ep_f32(int r, int c, const float* W, int ldw, float* C, int ldc, float a, float b) {
  epilogue_body<float>(r, c, W, ldw, C, ldc, a, b);
}
void ep_f64(int r, int c, const double* W, int ldw, double* C, int ldc, double a, double b) {
  epilogue_body<double>(r, c, W, ldw, C, ldc, a, b);
}
}  // namespace scalar_isa

#if XPB_GEMM_X86
// ================================================================================================
// AVX2 + FMA: 6×16 (fp32) and 6×8 (fp64) micro-tiles in 12 of the 16 ymm registers.

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace avx2_isa {
struct VecF32 {
  using scalar = float;
  using reg = __m256;
  static constexpr int width = 8;
  static inline reg zero() { return _mm256_setzero_ps(); }
  static inline reg load(const float* p) { return _mm256_loadu_ps(p); }
  static inline void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static inline reg set1(float x) { return _mm256_set1_ps(x); }
  static inline reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
};
struct VecF64 {
  using scalar = double;
  using reg = __m256d;
  static constexpr int width = 4;
  static inline reg zero() { return _mm256_setzero_pd(); }
  static inline reg load(const double* p) { return _mm256_loadu_pd(p); }
  static inline void store(double* p, reg v) { _mm256_storeu_pd(p, v); }
  static inline reg set1(double x) { return _mm256_set1_pd(x); }
  static inline reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
};
#include "workloads/nn/gemm_microkernel_body.inc"

void mk_f32(int kc, const float* Ap, const float* Bp, float* W, int ldw, bool first) {
  micro_kernel_body<VecF32, 6, 2, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mks_f32(int kc, const float* Ap, const float* B, int ldb, float* W, int ldw, bool first) {
  micro_kernel_body<VecF32, 6, 2, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mk_f64(int kc, const double* Ap, const double* Bp, double* W, int ldw, bool first) {
  micro_kernel_body<VecF64, 6, 2, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mks_f64(int kc, const double* Ap, const double* B, int ldb, double* W, int ldw, bool first) {
  micro_kernel_body<VecF64, 6, 2, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mka_f32(int kc, const float* A, int ak, int ar, const float* B, int ldb, float* W, int ldw, bool first) {
  in_place_body<VecF32, 6, 2>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void mka_f64(int kc, const double* A, int ak, int ar, const double* B, int ldb, double* W, int ldw,
             bool first) {
  in_place_body<VecF64, 6, 2>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void ep_f32(int r, int c, const float* W, int ldw, float* C, int ldc, float a, float b) {
  epilogue_body<float>(r, c, W, ldw, C, ldc, a, b);
}
void ep_f64(int r, int c, const double* W, int ldw, double* C, int ldc, double a, double b) {
  epilogue_body<double>(r, c, W, ldw, C, ldc, a, b);
}
}  // namespace avx2_isa
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

// ================================================================================================
// AVX-512F: 12×32 (fp32) and 12×16 (fp64) micro-tiles in 24 of the 32 zmm registers.

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
#endif
namespace avx512_isa {
struct VecF32 {
  using scalar = float;
  using reg = __m512;
  static constexpr int width = 16;
  static inline reg zero() { return _mm512_setzero_ps(); }
  static inline reg load(const float* p) { return _mm512_loadu_ps(p); }
  static inline void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static inline reg set1(float x) { return _mm512_set1_ps(x); }
  static inline reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
};
struct VecF64 {
  using scalar = double;
  using reg = __m512d;
  static constexpr int width = 8;
  static inline reg zero() { return _mm512_setzero_pd(); }
  static inline reg load(const double* p) { return _mm512_loadu_pd(p); }
  static inline void store(double* p, reg v) { _mm512_storeu_pd(p, v); }
  static inline reg set1(double x) { return _mm512_set1_pd(x); }
  static inline reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_pd(a, b, c); }
};
#include "workloads/nn/gemm_microkernel_body.inc"

void mk_f32(int kc, const float* Ap, const float* Bp, float* W, int ldw, bool first) {
  micro_kernel_body<VecF32, 12, 2, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mks_f32(int kc, const float* Ap, const float* B, int ldb, float* W, int ldw, bool first) {
  micro_kernel_body<VecF32, 12, 2, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mk_f64(int kc, const double* Ap, const double* Bp, double* W, int ldw, bool first) {
  micro_kernel_body<VecF64, 12, 2, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mks_f64(int kc, const double* Ap, const double* B, int ldb, double* W, int ldw, bool first) {
  micro_kernel_body<VecF64, 12, 2, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mka_f32(int kc, const float* A, int ak, int ar, const float* B, int ldb, float* W, int ldw, bool first) {
  in_place_body<VecF32, 12, 2>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void mka_f64(int kc, const double* A, int ak, int ar, const double* B, int ldb, double* W, int ldw,
             bool first) {
  in_place_body<VecF64, 12, 2>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
// 4 rows (MicroKernel::run_tail): a last panel of 1-4 live rows of C, e.g. M = 16 = 12 + 4.
void mkt_f32(int kc, const float* A, int ak, int ar, const float* B, int ldb, float* W, int ldw, bool first) {
  in_place_body<VecF32, 4, 2>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void mkt_f64(int kc, const double* A, int ak, int ar, const double* B, int ldb, double* W, int ldw,
             bool first) {
  in_place_body<VecF64, 4, 2>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void ep_f32(int r, int c, const float* W, int ldw, float* C, int ldc, float a, float b) {
  epilogue_body<float>(r, c, W, ldw, C, ldc, a, b);
}
void ep_f64(int r, int c, const double* W, int ldw, double* C, int ldc, double a, double b) {
  epilogue_body<double>(r, c, W, ldw, C, ldc, a, b);
}
// One vector wide (12×16 fp32, 12×8 fp64): for operands only that wide (attention heads of 16).
void mkn_f32(int kc, const float* Ap, const float* Bp, float* W, int ldw, bool first) {
  micro_kernel_body<VecF32, 12, 1, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mksn_f32(int kc, const float* Ap, const float* B, int ldb, float* W, int ldw, bool first) {
  micro_kernel_body<VecF32, 12, 1, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mkan_f32(int kc, const float* A, int ak, int ar, const float* B, int ldb, float* W, int ldw,
              bool first) {
  in_place_body<VecF32, 12, 1>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
void mkn_f64(int kc, const double* Ap, const double* Bp, double* W, int ldw, bool first) {
  micro_kernel_body<VecF64, 12, 1, false>(kc, Ap, Bp, 0, W, ldw, first);
}
void mksn_f64(int kc, const double* Ap, const double* B, int ldb, double* W, int ldw, bool first) {
  micro_kernel_body<VecF64, 12, 1, true>(kc, Ap, B, ldb, W, ldw, first);
}
void mkan_f64(int kc, const double* A, int ak, int ar, const double* B, int ldb, double* W, int ldw,
              bool first) {
  in_place_body<VecF64, 12, 1>(kc, A, ak, ar, B, ldb, W, ldw, first);
}
}  // namespace avx512_isa
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // XPB_GEMM_X86

// ================================================================================================
// Run-time selection.

bool host_isa_supported(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::automatic:
    case GemmIsa::scalar: return true;
#if XPB_GEMM_X86
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
    case GemmIsa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    // The attention and row bodies' AVX-512 regions also use VL, BW and DQ (all present from
    // Skylake-SP and Zen 4 on; the Xeon Phi had AVX-512F without them).
    case GemmIsa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("fma");
#else
    case GemmIsa::avx2:
    case GemmIsa::avx512: return false;
#endif
  }
  return false;
}

GemmIsa best_host_isa() {
  static const GemmIsa best = [] {
    if (host_isa_supported(GemmIsa::avx512)) return GemmIsa::avx512;
    if (host_isa_supported(GemmIsa::avx2)) return GemmIsa::avx2;
    return GemmIsa::scalar;
  }();
  return best;
}

const MicroKernel<float>& micro_kernel_f32(GemmIsa isa) {
  if (isa == GemmIsa::automatic) isa = best_host_isa();
  XPB_ASSERT(host_isa_supported(isa), "gemm: micro-kernel ISA not supported by this CPU");
  static const MicroKernel<float> scalar{GemmIsa::scalar,
                                         4,
                                         4,
                                         scalar_isa::mk_f32,
                                         scalar_isa::mks_f32,
                                         scalar_isa::ep_f32,
                                         scalar_isa::mka_f32,
                                         scalar_isa::fin_f32};
#if XPB_GEMM_X86
  static const MicroKernel<float> avx2{
      GemmIsa::avx2,    6, 16, avx2_isa::mk_f32, avx2_isa::mks_f32, avx2_isa::ep_f32, avx2_isa::mka_f32,
      avx2_isa::fin_f32};
  static const MicroKernel<float> avx512{GemmIsa::avx512,
                                         12,
                                         32,
                                         avx512_isa::mk_f32,
                                         avx512_isa::mks_f32,
                                         avx512_isa::ep_f32,
                                         avx512_isa::mka_f32,
                                         avx512_isa::fin_f32,
                                         4,
                                         avx512_isa::mkt_f32};
  if (isa == GemmIsa::avx512) return avx512;
  if (isa == GemmIsa::avx2) return avx2;
#endif
  return scalar;
}

const MicroKernel<double>& micro_kernel_f64(GemmIsa isa) {
  if (isa == GemmIsa::automatic) isa = best_host_isa();
  XPB_ASSERT(host_isa_supported(isa), "gemm: micro-kernel ISA not supported by this CPU");
  static const MicroKernel<double> scalar{GemmIsa::scalar,
                                          4,
                                          4,
                                          scalar_isa::mk_f64,
                                          scalar_isa::mks_f64,
                                          scalar_isa::ep_f64,
                                          scalar_isa::mka_f64,
                                          scalar_isa::fin_f64};
#if XPB_GEMM_X86
  static const MicroKernel<double> avx2{
      GemmIsa::avx2,    6, 8, avx2_isa::mk_f64, avx2_isa::mks_f64, avx2_isa::ep_f64, avx2_isa::mka_f64,
      avx2_isa::fin_f64};
  static const MicroKernel<double> avx512{GemmIsa::avx512,
                                          12,
                                          16,
                                          avx512_isa::mk_f64,
                                          avx512_isa::mks_f64,
                                          avx512_isa::ep_f64,
                                          avx512_isa::mka_f64,
                                          avx512_isa::fin_f64,
                                          4,
                                          avx512_isa::mkt_f64};
  if (isa == GemmIsa::avx512) return avx512;
  if (isa == GemmIsa::avx2) return avx2;
#endif
  return scalar;
}

template <class T>
const MicroKernel<T>& narrow_micro_kernel(GemmIsa isa) {
  if (isa == GemmIsa::automatic) isa = best_host_isa();
#if XPB_GEMM_X86
  if (isa == GemmIsa::avx512) {
    if constexpr (sizeof(T) == 4) {
      static const MicroKernel<float> f32{GemmIsa::avx512,
                                          12,
                                          16,
                                          avx512_isa::mkn_f32,
                                          avx512_isa::mksn_f32,
                                          avx512_isa::ep_f32,
                                          avx512_isa::mkan_f32,
                                          avx512_isa::fin_f32};
      return f32;
    } else {
      static const MicroKernel<double> f64{GemmIsa::avx512,
                                           12,
                                           8,
                                           avx512_isa::mkn_f64,
                                           avx512_isa::mksn_f64,
                                           avx512_isa::ep_f64,
                                           avx512_isa::mkan_f64,
                                           avx512_isa::fin_f64};
      return f64;
    }
  }
#endif
  return micro_kernel<T>(isa);
}
template const MicroKernel<float>& narrow_micro_kernel<float>(GemmIsa);
template const MicroKernel<double>& narrow_micro_kernel<double>(GemmIsa);

}  // namespace detail
}  // namespace xpb::nn
