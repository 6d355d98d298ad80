// workloads/nn/gelu.hpp — GELU with the tanh approximation (GPT-2's), element-wise.
// y = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Backward overwrites dx. Kernels: NAME_fwd, NAME_bwd.
// tanh is evaluated as 1 − 2/(e^{2u} + 1): one exp, cheaper than libm's tanhf here, and exact
// at the limits (e^{2u} → ∞ gives 1, → 0 gives −1).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

namespace detail {
template <class T>
KOKKOS_INLINE_FUNCTION T tanh_via_exp(T u) {
  return T(1) - T(2) / (compat::exp(T(2) * u) + T(1));
}
}  // namespace detail

// y, x (N, C)
template <class Exec, class T>
void gelu_forward(const Exec& exec, const std::string& name, const Matrix<T>& y, const CMatrix<T>& x) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  Kokkos::parallel_for(
      label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), KOKKOS_LAMBDA(const int n) {
        for (int c = 0; c < C; ++c) {
          const T v = x(n, c);
          const T s = T(0.7978845608028654);  // √(2/π)
          y(n, c) = T(0.5) * v * (T(1) + detail::tanh_via_exp(s * (v + T(0.044715) * v * v * v)));
        }
      });
}

// dx, x, dy (N, C)
template <class Exec, class T>
void gelu_backward(const Exec& exec, const std::string& name, const Matrix<T>& dx,
                   const CMatrix<T>& x, const CMatrix<T>& dy) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  Kokkos::parallel_for(
      label(name, "_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), KOKKOS_LAMBDA(const int n) {
        for (int c = 0; c < C; ++c) {
          const T v = x(n, c);
          const T s = T(0.7978845608028654);
          const T th = detail::tanh_via_exp(s * (v + T(0.044715) * v * v * v));
          const T dinner = s * (T(1) + T(3) * T(0.044715) * v * v);
          dx(n, c) = dy(n, c) * (T(0.5) * (T(1) + th) + T(0.5) * v * (T(1) - th * th) * dinner);
        }
      });
}

inline Ledger gelu_forward_cost(const std::string& name, DType dtype, double N, double C) {
  return {vector_cost(label(name, "_fwd"), vector_dtype(dtype), 10 * N * C, dtype_bytes(dtype) * 2 * N * C)};
}
inline Ledger gelu_backward_cost(const std::string& name, DType dtype, double N, double C) {
  return {vector_cost(label(name, "_bwd"), vector_dtype(dtype), 16 * N * C, dtype_bytes(dtype) * 3 * N * C)};
}

}  // namespace xpb::nn
