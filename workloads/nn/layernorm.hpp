// workloads/nn/layernorm.hpp — layer normalisation over the last dimension (eps 1e-5).
// Forward saves the per-row mean and 1/std for backward. Backward ADDS into dx (so a residual
// stream's gradient can flow through in place, as in llm.c) and overwrites dw, db, which are
// summed over rows in ascending order. Kernels: NAME_fwd, NAME_bwd (rows), NAME_bwd_params (columns).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

inline constexpr double kLayerNormEps = 1e-5;

// y (N, C) = (x - mean) · rstd · w (C) + b (C); mean, rstd (N) saved.
template <class Exec, class T>
void layernorm_forward(const Exec& exec, const std::string& name, const Matrix<T>& y,
                       const Vec<T>& mean, const Vec<T>& rstd, const CMatrix<T>& x,
                       const CVec<T>& w, const CVec<T>& b) {
  const int C = static_cast<int>(x.extent(1));
  Kokkos::parallel_for(
      label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, static_cast<int>(x.extent(0))),
      KOKKOS_LAMBDA(const int n) {
        T m = 0;
        for (int c = 0; c < C; ++c) m += x(n, c);
        m /= T(C);
        T var = 0;
        for (int c = 0; c < C; ++c) var += (x(n, c) - m) * (x(n, c) - m);
        var /= T(C);
        const T rs = T(1) / compat::sqrt(var + T(kLayerNormEps));
        for (int c = 0; c < C; ++c) y(n, c) = (x(n, c) - m) * rs * w(c) + b(c);
        mean(n) = m;
        rstd(n) = rs;
      });
}

// dx (N, C) += ∂L/∂x; dw, db (C) = Σ_n (ascending) of dy·x̂ and dy.
template <class Exec, class T>
void layernorm_backward(const Exec& exec, const std::string& name, const Matrix<T>& dx,
                        const Vec<T>& dw, const Vec<T>& db, const CMatrix<T>& dy,
                        const CMatrix<T>& x, const CVec<T>& w, const CVec<T>& mean,
                        const CVec<T>& rstd) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  Kokkos::parallel_for(
      label(name, "_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), KOKKOS_LAMBDA(const int n) {
        const T m = mean(n), rs = rstd(n);
        T mean_g = 0, mean_gx = 0;  // means over c of g = dy·w and of g·x̂
        for (int c = 0; c < C; ++c) {
          const T g = dy(n, c) * w(c);
          mean_g += g;
          mean_gx += g * (x(n, c) - m) * rs;
        }
        mean_g /= T(C);
        mean_gx /= T(C);
        for (int c = 0; c < C; ++c) {
          const T xhat = (x(n, c) - m) * rs;
          dx(n, c) += rs * (dy(n, c) * w(c) - mean_g - xhat * mean_gx);
        }
      });
  // Blocks of kCols columns, rows in ascending order per column (contiguous reads per row).
  constexpr int kCols = 16;
  Kokkos::parallel_for(
      label(name, "_bwd_params"), Kokkos::RangePolicy<Exec>(exec, 0, (C + kCols - 1) / kCols),
      KOKKOS_LAMBDA(const int blk) {
        const int c0 = blk * kCols, cols = C - c0 < kCols ? C - c0 : kCols;
        T aw[kCols] = {}, ab[kCols] = {};
        for (int n = 0; n < N; ++n) {
          const T m = mean(n), rs = rstd(n);
          for (int j = 0; j < cols; ++j) {
            aw[j] += dy(n, c0 + j) * ((x(n, c0 + j) - m) * rs);
            ab[j] += dy(n, c0 + j);
          }
        }
        for (int j = 0; j < cols; ++j) {
          dw(c0 + j) = aw[j];
          db(c0 + j) = ab[j];
        }
      });
}

inline Ledger layernorm_forward_cost(const std::string& name, DType dtype, double N, double C) {
  const double s = dtype_bytes(dtype);
  return {vector_cost(label(name, "_fwd"), vector_dtype(dtype), 8 * N * C, s * (2 * N * C + 2 * C + 2 * N))};
}

inline Ledger layernorm_backward_cost(const std::string& name, DType dtype, double N, double C) {
  const double s = dtype_bytes(dtype);
  return {vector_cost(label(name, "_bwd"), vector_dtype(dtype), 12 * N * C, s * (4 * N * C + C + 2 * N)),
          vector_cost(label(name, "_bwd_params"), vector_dtype(dtype), 5 * N * C, s * (2 * N * C + 2 * C + 2 * N))};
}

}  // namespace xpb::nn
