// workloads/nn/attention_host.cpp — the host tile bodies of the tiled attention
// (nn/attention_kernels.hpp), compiled once per ISA so that the softmax, exp and packing loops
// vectorise at the CPU's width (the project builds without -march). Each wrapper lives in its own
// target region and flattens the shared body into itself; no contraction of a·b+c into fma
// happens in any of them (ISO C++ mode), so every ISA gives the same bits as the portable loop
// nest. The tile products call the GEMM micro-kernels either way.
#include "workloads/nn/attention_kernels.hpp"

#include "workloads/nn/fixed_math_avx512.hpp"
#include "workloads/nn/gemm_microkernel.hpp"

#include <type_traits>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define XPB_ATTN_X86 1
#include <immintrin.h>
#else
#define XPB_ATTN_X86 0
#endif

namespace xpb::nn::detail {

#define XPB_FLASH_WRAPPERS(SUFFIX)                                                                           \
  template <class T>                                                                                         \
  __attribute__((flatten)) void fwd_##SUFFIX(const HostTileOps<T>& ops, const HeadPtrs<T>& hp, T* out,       \
                                             T* lse, int TT, int D, bool causal, T scale, int i0, int group, \
                                             T* scr) {                                                       \
    flash_fwd_tiles(ops, hp, out, lse, TT, D, causal, scale, i0, group, scr);                                \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void bwd_##SUFFIX(const HostTileOps<T>& ops, const HeadPtrs<T>& hp, const T* lse, \
                                             T* dq, T* dk, T* dv, int TT, int D, bool causal, T scale,       \
                                             T* scr) {                                                       \
    flash_bwd_head(ops, hp, lse, dq, dk, dv, TT, D, causal, scale, scr);                                     \
  }                                                                                                          \
  template void fwd_##SUFFIX<float>(const HostTileOps<float>&, const HeadPtrs<float>&, float*, float*, int,  \
                                    int, bool, float, int, int, float*);                                     \
  template void fwd_##SUFFIX<double>(const HostTileOps<double>&, const HeadPtrs<double>&, double*, double*,  \
                                     int, int, bool, double, int, int, double*);                             \
  template void bwd_##SUFFIX<float>(const HostTileOps<float>&, const HeadPtrs<float>&, const float*, float*, \
                                    float*, float*, int, int, bool, float, float*);                          \
  template void bwd_##SUFFIX<double>(const HostTileOps<double>&, const HeadPtrs<double>&, const double*,     \
                                     double*, double*, double*, int, int, bool, double, double*);

XPB_FLASH_WRAPPERS(generic)

#if XPB_ATTN_X86
// The block walk of the vector packing copies below (transpose_rows for fp32): W × W blocks of the
// source. Block::copy(s, lds, loaded, stored, cw, d, ldd) loads `loaded` rows of cw columns from s
// (zeros below them), transposes them in registers and stores `stored` lanes of each of the cw
// destination rows from d. Flattened into each ISA's wrapper, so the block body is inlined there.
namespace {
template <int W, class Block>
inline void transpose_blocks(const float* src, std::ptrdiff_t lds, int rows, int rows_pad, int cols,
                             float* dst, std::ptrdiff_t ldd) {
  for (int rb = 0; rb < rows_pad; rb += W) {
    const int loaded = rows - rb < 0 ? 0 : (rows - rb < W ? rows - rb : W);
    const int stored = rows_pad - rb < W ? rows_pad - rb : W;
    const float* s = loaded > 0 ? src + rb * lds : src;  // padding rows read nothing
    for (int cb = 0; cb < cols; cb += W)
      Block::copy(s + cb, lds, loaded, stored, cols - cb < W ? cols - cb : W, dst + cb * ldd + rb, ldd);
  }
}
}  // namespace

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
XPB_FLASH_WRAPPERS(avx2)

// transpose_rows for fp32 in 8 × 8 blocks (the AVX-512 form below, at half the width): masked
// loads of up to 8 source rows, two rounds of in-lane shuffles and one of 128-bit halves, masked
// stores of each block column (the walk: transpose_blocks).
namespace {

__m256i first_lanes8(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

struct Avx2Block {
  static void copy(const float* s, std::ptrdiff_t lds, int loaded, int stored, int cw, float* d,
                   std::ptrdiff_t ldd) {
    const __m256i cols = first_lanes8(cw), keep = first_lanes8(stored);
    __m256 r[8], t[8];
    for (int i = 0; i < 8; ++i)
      r[i] = i < loaded ? _mm256_maskload_ps(s + i * lds, cols) : _mm256_setzero_ps();
    for (int i = 0; i < 8; i += 2) {  // per 128-bit half: (r_i[0], r_i+1[0], r_i[1], r_i+1[1]) and [2], [3]
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {  // r[i + e] half H: rows i .. i+3, element 4H + e
      r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
      r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int e = 0; e < 4; ++e) {  // element e: low halves of r[e], r[4 + e]; element 4 + e: high halves
      t[e] = _mm256_permute2f128_ps(r[e], r[4 + e], 0x20);
      t[4 + e] = _mm256_permute2f128_ps(r[e], r[4 + e], 0x31);
    }
    for (int c = 0; c < cw; ++c) _mm256_maskstore_ps(d + c * ldd, keep, t[c]);
  }
};

__attribute__((flatten)) void transpose_avx2_f32(const float* src, std::ptrdiff_t lds, int rows, int rows_pad,
                                                 int cols, float* dst, std::ptrdiff_t ldd) {
  transpose_blocks<8, Avx2Block>(src, lds, rows, rows_pad, cols, dst, ldd);
}

}  // namespace
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
XPB_FLASH_WRAPPERS(avx512)

// transpose_rows for fp32 in 16 × 16 blocks: up to 16 source rows loaded (masked to the block's
// columns; rows past `rows` are zero), transposed in registers by three rounds of shuffles, and
// each block column stored as one masked row of dst (the walk: transpose_blocks). The packing
// loops it replaces were scalar copies, one store per element into a column of the destination.
namespace {

// The masked forms with every lane set are the plain instructions (GCC 12's unmasked intrinsics
// start from an undefined register that -Wmaybe-uninitialized flags).
constexpr __mmask16 all = 0xFFFF;
constexpr int kEven = 0x88, kOdd = 0xDD;  // 128-bit lanes 0, 2 (or 1, 3) of x, then of y
template <int Imm>
inline __m512 lanes(__m512 x, __m512 y) {
  return _mm512_maskz_shuffle_f32x4(all, x, y, Imm);
}

inline void transpose16(__m512 (&r)[16]) {
  __m512 a[16];
  for (int i = 0; i < 16; i += 2) {  // per 128-bit lane: (r_i[0], r_i+1[0], r_i[1], r_i+1[1]) and [2], [3]
    a[i] = _mm512_maskz_unpacklo_ps(all, r[i], r[i + 1]);
    a[i + 1] = _mm512_maskz_unpackhi_ps(all, r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {  // r[i + e] lane L: rows i .. i+3, element 4L + e
    r[i] = _mm512_maskz_shuffle_ps(all, a[i], a[i + 2], 0x44);
    r[i + 1] = _mm512_maskz_shuffle_ps(all, a[i], a[i + 2], 0xEE);
    r[i + 2] = _mm512_maskz_shuffle_ps(all, a[i + 1], a[i + 3], 0x44);
    r[i + 3] = _mm512_maskz_shuffle_ps(all, a[i + 1], a[i + 3], 0xEE);
  }
  for (int e = 0; e < 4; ++e) {  // element 4L + e gathers lane L of r[e], r[4 + e], r[8 + e], r[12 + e]
    const __m512 c = lanes<kEven>(r[e], r[4 + e]), d = lanes<kOdd>(r[e], r[4 + e]);
    const __m512 f = lanes<kEven>(r[8 + e], r[12 + e]), g = lanes<kOdd>(r[8 + e], r[12 + e]);
    a[e] = lanes<kEven>(c, f);
    a[8 + e] = lanes<kOdd>(c, f);
    a[4 + e] = lanes<kEven>(d, g);
    a[12 + e] = lanes<kOdd>(d, g);
  }
  for (int i = 0; i < 16; ++i) r[i] = a[i];
}

__mmask16 first_lanes(int n) { return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1); }

struct Avx512Block {
  static void copy(const float* s, std::ptrdiff_t lds, int loaded, int stored, int cw, float* d,
                   std::ptrdiff_t ldd) {
    const __mmask16 cols = first_lanes(cw), keep = first_lanes(stored);
    __m512 r[16];
    for (int i = 0; i < 16; ++i)
      r[i] = i < loaded ? _mm512_maskz_loadu_ps(cols, s + i * lds) : _mm512_setzero_ps();
    transpose16(r);
    for (int c = 0; c < cw; ++c) _mm512_mask_storeu_ps(d + c * ldd, keep, r[c]);
  }
};

// The softmax row updates (exp_sum_rows, prob_grad_rows) for floats, 16 elements a register, the
// last n mod 16 under a mask, exp_fixed as nn/fixed_math_avx512.hpp writes it: the same bits.
// A row's sum keeps lane j in the register's element j; the rows' sums are folded after all
// their exponentials (lane 0 first, then the tail, as sum_fixed), so that one row's 16 dependent
// additions overlap the others' instead of holding up the next row's exponentials.
inline __m512 exp_scaled_16(__m512 x, __m512 scale, __m512 shift) {
  return exp_fixed_16<true>(_mm512_sub_ps(_mm512_mul_ps(x, scale), shift));
}

void exp_sum_rows_avx512(float* x, int ld, int R, const int* n, float scale, const float* shift, float* sum) {
  const __m512 vs = _mm512_set1_ps(scale);
  alignas(64) float lanes[kFlashRowsMax][16];
  for (int i = 0; i < R; ++i) {
    if (n[i] == 0) continue;
    float* XPB_RESTRICT r = x + std::ptrdiff_t(i) * ld;
    const __m512 vh = _mm512_set1_ps(shift[i]);
    __m512 acc = _mm512_setzero_ps();
    int j = 0;
    for (; j + 16 <= n[i]; j += 16) {
      const __m512 e = exp_scaled_16(_mm512_loadu_ps(r + j), vs, vh);
      _mm512_storeu_ps(r + j, e);
      acc = _mm512_add_ps(acc, e);
    }
    if (j < n[i]) {
      const __mmask16 m = first_lanes(n[i] - j);
      _mm512_mask_storeu_ps(r + j, m, exp_scaled_16(_mm512_maskz_loadu_ps(m, r + j), vs, vh));
    }
    _mm512_store_ps(lanes[i], acc);
  }
  for (int i = 0; i < R; ++i) {
    float s = 0;
    if (n[i] > 0) {
      for (const float l : lanes[i]) s += l;
      const float* r = x + std::ptrdiff_t(i) * ld;
      for (int j = n[i] / 16 * 16; j < n[i]; ++j) s += r[j];
    }
    sum[i] = s;
  }
}

void prob_grad_rows_avx512(float* p, float* dp, int ld, int R, const int* n, float scale, const float* lse,
                           const float* delta) {
  const __m512 vs = _mm512_set1_ps(scale);
  for (int i = 0; i < R; ++i) {
    if (n[i] == 0) continue;
    float* XPB_RESTRICT pr = p + std::ptrdiff_t(i) * ld;
    float* XPB_RESTRICT gr = dp + std::ptrdiff_t(i) * ld;
    const __m512 vl = _mm512_set1_ps(lse[i]), vd = _mm512_set1_ps(delta[i]);
    for (int j = 0; j < n[i]; j += 16) {
      const __mmask16 m = first_lanes(n[i] - j);
      const __m512 e = exp_scaled_16(_mm512_maskz_loadu_ps(m, pr + j), vs, vl);
      _mm512_mask_storeu_ps(pr + j, m, e);
      const __m512 g = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, gr + j), vd);
      _mm512_mask_storeu_ps(gr + j, m, _mm512_mul_ps(_mm512_mul_ps(e, g), vs));
    }
  }
}

__attribute__((flatten)) void transpose_avx512_f32(const float* src, std::ptrdiff_t lds, int rows,
                                                   int rows_pad, int cols, float* dst, std::ptrdiff_t ldd) {
  transpose_blocks<16, Avx512Block>(src, lds, rows, rows_pad, cols, dst, ldd);
}

}  // namespace
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

template <class T>
TransposeFn<T> packing_transpose_fn(GemmIsa isa) {
#if XPB_ATTN_X86
  if constexpr (std::is_same_v<T, float>) {
    if (isa == GemmIsa::avx512) return transpose_avx512_f32;
    if (isa == GemmIsa::avx2) return transpose_avx2_f32;
  }
#endif
  (void)isa;
  return nullptr;  // fp64 and the scalar build: the loop
}
template TransposeFn<float> packing_transpose_fn<float>(GemmIsa);
template TransposeFn<double> packing_transpose_fn<double>(GemmIsa);

template <class T>
FlashRowFns<T> flash_row_fns(GemmIsa isa) {
#if XPB_ATTN_X86
  if constexpr (std::is_same_v<T, float>)
    if (isa == GemmIsa::avx512) return {exp_sum_rows_avx512, prob_grad_rows_avx512};
#endif
  (void)isa;
  return {};  // the loops
}
template FlashRowFns<float> flash_row_fns<float>(GemmIsa);
template FlashRowFns<double> flash_row_fns<double>(GemmIsa);

template <class T>
FlashHostFns<T> flash_host_fns() {
#if XPB_ATTN_X86
  switch (best_host_isa()) {
    case GemmIsa::avx512: return {fwd_avx512<T>, bwd_avx512<T>};
    case GemmIsa::avx2: return {fwd_avx2<T>, bwd_avx2<T>};
    default: break;
  }
#endif
  return {fwd_generic<T>, bwd_generic<T>};
}
template FlashHostFns<float> flash_host_fns<float>();
template FlashHostFns<double> flash_host_fns<double>();

}  // namespace xpb::nn::detail
