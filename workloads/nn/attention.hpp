// workloads/nn/attention.hpp — multi-head scaled dot-product self-attention, causal or not.
// Input is the fused projection qkv (N, 3C) with rows [q | k | v], head h using columns
// h·D … h·D+D-1 of each part; output (N, C) before the output projection. The probabilities
// (B, H, T, T) are saved for backward. Every sum runs in ascending index order and every output
// element is written by exactly one iteration, so no atomics. No dropout, no padding mask.
// Kernels: NAME_softmax_fwd, NAME_value_fwd, NAME_softmax_bwd, NAME_kv_bwd.
// The workloads run the tiled version (nn/attention_kernels.hpp); this untiled layer stays as a
// simple reference (tests/workloads/test_nn_layers.cpp, test_attention.cpp).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

struct AttentionShape {
  int B = 1, T = 1, H = 1, C = 1;  // batch, sequence, heads, channels (C % H == 0)
  bool causal = true;              // position t attends to t2 <= t only
  int D() const { return C / H; }
};

// The tiled kernels' tiles (nn/attention_kernels.hpp, nn/attention_teams.hpp).
// Queries per tile: a multiple of every micro-kernel's MR (12, 6 and 4), so that no product whose
// rows are queries computes padding rows (64 queries were 72 rows at MR = 12). The bits do not
// depend on it: forward rows see the same key tiles, and backward chains run over queries in order.
inline constexpr int kBlockQ = 60;
// Keys per tile: a multiple of every micro-kernel's NR (32, 16 and 4) and MR, so that the backward's
// products whose rows are keys (dV, dK) compute no padding rows either (64 keys were 72 rows at
// MR = 12; 96 also halves the passes over dQ and the forward's rescales by a third).
inline constexpr int kBlockK = 96;

namespace detail {
// Σ a[d]·b[d] over n contiguous elements in a fixed order: kDotLanes interleaved partial sums
// (lane j takes d ≡ j mod kDotLanes), folded lane 0 first, then the tail. The order is part of the
// code, not of the schedule, so it is the same on every backend; it lets the compiler use SIMD.
template <class T>
KOKKOS_INLINE_FUNCTION T dot_fixed(const T* a, const T* b, int n) {
  constexpr int kDotLanes = 8;
  T acc[kDotLanes] = {};
  int d = 0;
  for (; d + kDotLanes <= n; d += kDotLanes)
    for (int j = 0; j < kDotLanes; ++j) acc[j] += a[d + j] * b[d + j];
  T s = 0;
  for (int j = 0; j < kDotLanes; ++j) s += acc[j];
  for (; d < n; ++d) s += a[d] * b[d];
  return s;
}
// y[d] += alpha·x[d] over n contiguous elements.
template <class T>
KOKKOS_INLINE_FUNCTION void axpy(T* y, T alpha, const T* x, int n) {
  for (int d = 0; d < n; ++d) y[d] += alpha * x[d];
}
}  // namespace detail

// out (N, C), att (B, H, T, T), qkv (N, 3C). All views LayoutRight (rows contiguous).
template <class Exec, class T>
void attention_forward(const Exec& exec, const std::string& name, const AttentionShape& s,
                       const Matrix<T>& out, const Tensor4<T>& att, const CMatrix<T>& qkv) {
  const int B = s.B, TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  // Probabilities: one iteration per (b, h, t) query row.
  Kokkos::parallel_for(
      label(name, "_softmax_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, B * H * TT),
      KOKKOS_LAMBDA(const int i) {
        const int t = i % TT, h = (i / TT) % H, b = i / (TT * H);
        const int n = b * TT + t, last = causal ? t : TT - 1;
        const T* q = &qkv(n, h * D);
        T* p = &att(b, h, t, 0);
        T mx = T(-1e30);
        for (int t2 = 0; t2 <= last; ++t2) {
          const T score = detail::dot_fixed(q, &qkv(b * TT + t2, C + h * D), D) * scale;
          p[t2] = score;
          mx = score > mx ? score : mx;
        }
        T sum = 0;
        for (int t2 = 0; t2 <= last; ++t2) {
          const T e = compat::exp(p[t2] - mx);
          p[t2] = e;
          sum += e;
        }
        const T inv = T(1) / sum;
        for (int t2 = 0; t2 <= last; ++t2) p[t2] *= inv;
        for (int t2 = last + 1; t2 < TT; ++t2) p[t2] = T(0);
      });
  // Weighted values.
  Kokkos::parallel_for(
      label(name, "_value_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, B * H * TT), KOKKOS_LAMBDA(const int i) {
        const int t = i % TT, h = (i / TT) % H, b = i / (TT * H);
        const int n = b * TT + t, last = causal ? t : TT - 1;
        T* o = &out(n, h * D);
        for (int d = 0; d < D; ++d) o[d] = 0;
        for (int t2 = 0; t2 <= last; ++t2)
          detail::axpy(o, att(b, h, t, t2), &qkv(b * TT + t2, 2 * C + h * D), D);
      });
}

// dqkv (N, 3C) overwritten; dscore (B, H, T, T) scratch; dout (N, C); qkv, att as in forward.
template <class Exec, class T>
void attention_backward(const Exec& exec, const std::string& name, const AttentionShape& s,
                        const Matrix<T>& dqkv, const Tensor4<T>& dscore, const CMatrix<T>& dout,
                        const CMatrix<T>& qkv, const CTensor4<T>& att) {
  const int B = s.B, TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  // Per query row: ∂L/∂score through the softmax, then dq.
  Kokkos::parallel_for(
      label(name, "_softmax_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, B * H * TT),
      KOKKOS_LAMBDA(const int i) {
        const int t = i % TT, h = (i / TT) % H, b = i / (TT * H);
        const int n = b * TT + t, last = causal ? t : TT - 1;
        const T* go = &dout(n, h * D);
        const T* p = &att(b, h, t, 0);
        T* ds = &dscore(b, h, t, 0);
        T pdp = 0;  // Σ p·dp
        for (int t2 = 0; t2 <= last; ++t2) {
          const T dp = detail::dot_fixed(go, &qkv(b * TT + t2, 2 * C + h * D), D);
          ds[t2] = dp;
          pdp += p[t2] * dp;
        }
        for (int t2 = 0; t2 <= last; ++t2) ds[t2] = p[t2] * (ds[t2] - pdp) * scale;
        for (int t2 = last + 1; t2 < TT; ++t2) ds[t2] = T(0);
        T* dq = &dqkv(n, h * D);
        for (int d = 0; d < D; ++d) dq[d] = 0;
        for (int t2 = 0; t2 <= last; ++t2) detail::axpy(dq, ds[t2], &qkv(b * TT + t2, C + h * D), D);
      });
  // Per key/value row: dk and dv gather over the query rows that saw them, ascending t.
  Kokkos::parallel_for(
      label(name, "_kv_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, B * H * TT), KOKKOS_LAMBDA(const int i) {
        const int t2 = i % TT, h = (i / TT) % H, b = i / (TT * H);
        const int n2 = b * TT + t2, first = causal ? t2 : 0;
        T* dk = &dqkv(n2, C + h * D);
        T* dv = &dqkv(n2, 2 * C + h * D);
        for (int d = 0; d < D; ++d) {
          dk[d] = 0;
          dv[d] = 0;
        }
        for (int t = first; t < TT; ++t) {
          detail::axpy(dk, dscore(b, h, t, t2), &qkv(b * TT + t, h * D), D);
          detail::axpy(dv, att(b, h, t, t2), &dout(b * TT + t, h * D), D);
        }
      });
}

inline Ledger attention_forward_cost(const std::string& name, DType dtype, const AttentionShape& s) {
  const double pairs = double(s.B) * s.H * s.T * s.T * (s.causal ? 0.5 : 1.0);
  const double b = dtype_bytes(dtype), N = double(s.B) * s.T;
  return {vector_cost(label(name, "_softmax_fwd"), vector_dtype(dtype), pairs * (2.0 * s.D() + 5),
                      b * (2 * N * s.C + double(s.B) * s.H * s.T * s.T)),
          vector_cost(label(name, "_value_fwd"), vector_dtype(dtype), pairs * 2.0 * s.D(),
                      b * (2 * N * s.C + double(s.B) * s.H * s.T * s.T))};
}

inline Ledger attention_backward_cost(const std::string& name, DType dtype, const AttentionShape& s) {
  const double pairs = double(s.B) * s.H * s.T * s.T * (s.causal ? 0.5 : 1.0);
  const double b = dtype_bytes(dtype), N = double(s.B) * s.T, P = double(s.B) * s.H * s.T * s.T;
  return {vector_cost(label(name, "_softmax_bwd"), vector_dtype(dtype), pairs * (4.0 * s.D() + 4),
                      b * (3 * N * s.C + 2 * P)),
          vector_cost(label(name, "_kv_bwd"), vector_dtype(dtype), pairs * 4.0 * s.D(),
                      b * (4 * N * s.C + 2 * P))};
}

}  // namespace xpb::nn
