// workloads/nn/rownorm_host.cpp — the layer-norm and softmax row bodies (nn/rownorm_kernels.hpp),
// GELU's (nn/gelu.hpp) and the AdamW span (nn/adamw.hpp) compiled once per ISA, so that their inner loops
// vectorise at the CPU's width (the project builds without -march). Same structure as nn/attention_host.cpp:
// a target region per ISA, the shared body flattened into each wrapper, no a·b+c → fma contraction, so every
// ISA and the portable kernels give the same bits.
#include "workloads/nn/adamw.hpp"
#include "workloads/nn/fixed_math_avx512.hpp"
#include "workloads/nn/gelu.hpp"
#include "workloads/nn/gemm_microkernel.hpp"
#include "workloads/nn/rownorm_kernels.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define XPB_ROW_X86 1
#else
#define XPB_ROW_X86 0
#endif

namespace xpb::nn::detail {

#define XPB_ROW_WRAPPERS(SUFFIX)                                                                             \
  template <class T>                                                                                         \
  __attribute__((flatten)) void ln_fwd_##SUFFIX(const T* x, int ldx, T* y, int ldy, const T* w, const T* b,  \
                                                int n0, int n1, int C, T* m, T* rs) {                        \
    ln_fwd_rows(x, ldx, y, ldy, w, b, n0, n1, C, m, rs);                                                     \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void ln_bwd_##SUFFIX(const T* x, int ldx, const T* dy, int ldg, T* dx, int ldd,   \
                                                const T* w, const T* mean, const T* rstd, int n0, int n1,    \
                                                int C, T* pw, T* pb) {                                       \
    ln_bwd_block(x, ldx, dy, ldg, dx, ldd, w, mean, rstd, n0, n1, C, pw, pb);                                \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void sm_fwd_##SUFFIX(const T* x, int ldx, T* y, int ldy, int n0, int n1, int V) { \
    for (int n = n0; n < n1; ++n) sm_fwd_row(x + std::ptrdiff_t(n) * ldx, y + std::ptrdiff_t(n) * ldy, V);   \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void sm_bwd_##SUFFIX(const T* y, const T* g, T* dx, int V) {                      \
    sm_bwd_row(y, g, dx, V);                                                                                 \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) T ce_fwd_##SUFFIX(const T* x, T* p, int V, int y) {                               \
    return ce_fwd_row(x, p, V, y);                                                                           \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void gelu_fwd_##SUFFIX(const T* x, T* y, int C) {                                 \
    gelu_fwd_row(x, y, C);                                                                                   \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void gelu_bwd_##SUFFIX(const T* x, const T* g, T* dx, int C) {                    \
    gelu_bwd_row(x, g, dx, C);                                                                               \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void adamw_##SUFFIX(T* p, const T* g, T* m, T* v, std::int64_t i0,                \
                                               std::int64_t i1, std::int64_t n_decay,                        \
                                               const AdamWStep<T>& c) {                                      \
    adamw_span(p, g, m, v, i0, i1, n_decay, c);                                                              \
  }                                                                                                          \
  template <class T>                                                                                         \
  RowFns<T> fns_##SUFFIX() {                                                                                 \
    return {ln_fwd_##SUFFIX<T>, ln_bwd_##SUFFIX<T>,   sm_fwd_##SUFFIX<T>,   sm_bwd_##SUFFIX<T>,              \
            ce_fwd_##SUFFIX<T>, gelu_fwd_##SUFFIX<T>, gelu_bwd_##SUFFIX<T>, adamw_##SUFFIX<T>};              \
  }

XPB_ROW_WRAPPERS(generic)

#if XPB_ROW_X86
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
XPB_ROW_WRAPPERS(avx2)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")
#endif
XPB_ROW_WRAPPERS(avx512)

// One lane block of the exp sweep: y[v0, v0 + 16) = exp_fixed(x − max), returned for the sum,
// with a prefetch of the same block of the next row (`next` elements on), as exp_sum_row does.
static inline __m512 exp_block_16(const float* XPB_RESTRICT xr, float* XPB_RESTRICT yr, int v0, __m512 vmx,
                                  std::ptrdiff_t next) {
  XPB_PREFETCH(xr + next + v0);
  const __m512 e = exp_fixed_16<false>(_mm512_sub_ps(_mm512_loadu_ps(xr + v0), vmx));
  _mm512_storeu_ps(yr + v0, e);
  return e;
}

// exp_sum_row for floats on AVX-512: 16 lanes are one register, so lane j's running sum is the
// register's element j; the fold (lane 0 first) and the tail are the portable code's.
struct ExpSumAvx512 {
  float operator()(const float* XPB_RESTRICT xr, float* XPB_RESTRICT yr, int V, float mx) const {
    static_assert(kLanes == 16 && 64 / sizeof(float) == kLanes,
                  "one register, one cache line per lane block");
    const __m512 vmx = _mm512_set1_ps(mx);
    __m512 acc = _mm512_setzero_ps();
    int v0 = 0;
    for (; v0 + kLanes <= V; v0 += kLanes) acc = _mm512_add_ps(acc, exp_block_16(xr, yr, v0, vmx, V));
    alignas(64) float lanes[kLanes];
    _mm512_store_ps(lanes, acc);
    return exp_sum_finish(lanes, xr, yr, v0, V, mx);
  }
};

// max_scaled(x, V, 1, x[0]) for floats on AVX-512 in four independent chains of 16 lanes: the
// compiler's vector form keeps one chain, whose latency bounds the sweep (one vmaxps per 16
// elements, each waiting for the last; 7 % of the softmax forward at 1 thread). max is exact, so
// only its treatment of NaN and of zeros' signs could differ with the order: vmaxps returns its
// second operand, the running max, when either is NaN, as `v > m ? v : m` does (a NaN element is
// passed over; a NaN x[0] stays the max); and which of +0 and −0 is kept changes no exponential
// nor any sum (x − (±0) differs only for x = −0, and exp_fixed(±0) is 1).
struct MaxAvx512 {
  float operator()(const float* XPB_RESTRICT x, int V) const {
    constexpr __mmask16 all = 0xFFFF;
    float m = x[0];
    int v0 = 0;
    if (V >= 4 * kLanes) {
      __m512 a0 = _mm512_set1_ps(m), a1 = a0, a2 = a0, a3 = a0;
      for (; v0 + 4 * kLanes <= V; v0 += 4 * kLanes) {
        a0 = _mm512_mask_max_ps(a0, all, _mm512_loadu_ps(x + v0), a0);
        a1 = _mm512_mask_max_ps(a1, all, _mm512_loadu_ps(x + v0 + kLanes), a1);
        a2 = _mm512_mask_max_ps(a2, all, _mm512_loadu_ps(x + v0 + 2 * kLanes), a2);
        a3 = _mm512_mask_max_ps(a3, all, _mm512_loadu_ps(x + v0 + 3 * kLanes), a3);
      }
      // The chains, then the halves of the register, in vector steps (a NaN lane can only come
      // from a NaN x[0], which is then in every lane).
      a0 = _mm512_mask_max_ps(a0, all, a1, a0);
      a2 = _mm512_mask_max_ps(a2, all, a3, a2);
      a0 = _mm512_mask_max_ps(a0, all, a2, a0);
      __m256 h = _mm256_max_ps(_mm512_extractf32x8_ps(a0, 1), _mm512_extractf32x8_ps(a0, 0));
      __m128 q = _mm_max_ps(_mm256_extractf128_ps(h, 1), _mm256_castps256_ps128(h));
      q = _mm_max_ps(_mm_movehl_ps(q, q), q);
      q = _mm_max_ss(_mm_shuffle_ps(q, q, 1), q);
      m = _mm_cvtss_f32(q);
    }
    for (int v = v0; v < V; ++v) m = x[v] > m ? x[v] : m;
    return m;
  }
};

// Softmax rows on AVX-512, each row's scaling pass (y *= 1/Σ) done during the next row's exp sweep:
// the sweep is bound by its arithmetic and leaves the load and store ports room for the scaling,
// which alone is a short sweep bound by them. Each element gets the same operations: the same bits.
template <>
__attribute__((flatten)) void sm_fwd_avx512<float>(const float* x, int ldx, float* y, int ldy, int n0, int n1,
                                                   int V) {
  float* prev = nullptr;
  __m512 vinv = _mm512_setzero_ps();
  float inv = 0;
  for (int n = n0; n < n1; ++n) {
    const float* XPB_RESTRICT xr = x + std::ptrdiff_t(n) * ldx;
    float* XPB_RESTRICT yr = y + std::ptrdiff_t(n) * ldy;
    const float mx = MaxAvx512{}(xr, V);
    const __m512 vmx = _mm512_set1_ps(mx);
    __m512 acc = _mm512_setzero_ps();
    int v0 = 0;
    if (prev) {
      for (; v0 + kLanes <= V; v0 += kLanes) {
        acc = _mm512_add_ps(acc, exp_block_16(xr, yr, v0, vmx, ldx));
        _mm512_storeu_ps(prev + v0, _mm512_mul_ps(_mm512_loadu_ps(prev + v0), vinv));
      }
      for (int v = v0; v < V; ++v) prev[v] *= inv;
    } else {
      for (; v0 + kLanes <= V; v0 += kLanes) acc = _mm512_add_ps(acc, exp_block_16(xr, yr, v0, vmx, ldx));
    }
    alignas(64) float lanes[kLanes];
    _mm512_store_ps(lanes, acc);
    inv = 1.0f / exp_sum_finish(lanes, xr, yr, v0, V, mx);
    vinv = _mm512_set1_ps(inv);
    prev = yr;
  }
  if (prev)
    for (int v = 0; v < V; ++v) prev[v] *= inv;
}
template <>
__attribute__((flatten)) float ce_fwd_avx512<float>(const float* x, float* p, int V, int y) {
  return ce_fwd_row(x, p, V, y, ExpSumAvx512{}, MaxAvx512{});
}
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

template <class T>
RowFns<T> row_fns_for(GemmIsa isa) {
#if XPB_ROW_X86
  if (isa == GemmIsa::avx512) return fns_avx512<T>();
  if (isa == GemmIsa::avx2) return fns_avx2<T>();
#endif
  (void)isa;
  return fns_generic<T>();
}

template <class T>
RowFns<T> row_fns() {
  static const RowFns<T> chosen = row_fns_for<T>(best_host_isa());
  return chosen;
}
template RowFns<float> row_fns<float>();
template RowFns<double> row_fns<double>();
template RowFns<float> row_fns_for<float>(GemmIsa);
template RowFns<double> row_fns_for<double>(GemmIsa);

}  // namespace xpb::nn::detail
