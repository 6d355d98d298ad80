// workloads/nn/gelu.hpp — GELU with the tanh approximation (GPT-2's), element-wise.
// y = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Backward overwrites dx. Kernels: NAME_fwd, NAME_bwd.
// No output may alias an input (the row bodies read through restrict pointers).
// tanh is evaluated as 1 − 2/(e^{2u} + 1) with exp_fixed (nn/fixed_math.hpp): one exp and no
// library call, exact at the limits (exp_fixed clamps its input: e^{2u} at its largest gives 1,
// at its smallest −1). On the host the row bodies run compiled per ISA (nn/rownorm_host.cpp), so
// the loop vectorises at the CPU's width; a libm expf per element cost about 7x the AVX-512 loop.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>

#include "workloads/nn/fixed_math.hpp"
#include "workloads/nn/for_each.hpp"
#include "workloads/nn/rownorm_kernels.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

namespace detail {
template <class T>
KOKKOS_INLINE_FUNCTION T tanh_via_exp(T u) {
  return T(1) - T(2) / (exp_fixed(T(2) * u) + T(1));
}

template <class T>
KOKKOS_INLINE_FUNCTION void gelu_fwd_row(const T* XPB_RESTRICT xr, T* XPB_RESTRICT yr, int C) {
  for (int c = 0; c < C; ++c) {
    const T v = xr[c];
    const T s = T(0.7978845608028654);  // √(2/π)
    yr[c] = T(0.5) * v * (T(1) + tanh_via_exp(s * (v + T(0.044715) * v * v * v)));
  }
}

template <class T>
KOKKOS_INLINE_FUNCTION void gelu_bwd_row(const T* XPB_RESTRICT xr, const T* XPB_RESTRICT gr,
                                         T* XPB_RESTRICT dr, int C) {
  for (int c = 0; c < C; ++c) {
    const T v = xr[c];
    const T s = T(0.7978845608028654);
    const T th = tanh_via_exp(s * (v + T(0.044715) * v * v * v));
    const T dinner = s * (T(1) + T(3) * T(0.044715) * v * v);
    dr[c] = gr[c] * (T(0.5) * (T(1) + th) + T(0.5) * v * (T(1) - th * th) * dinner);
  }
}
}  // namespace detail

// y, x (N, C)
template <class Exec, class T>
void gelu_forward(const Exec& exec, const std::string& name, const Matrix<T>& y, const CMatrix<T>& x) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  const std::int64_t ldx = x.stride(0), ldy = y.stride(0);
  if constexpr (kHostExec<Exec>) {
    const auto f = detail::row_fns<T>().gelu_fwd;
    Kokkos::parallel_for(label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N),
                         [=](const int n) { f(x.data() + n * ldx, y.data() + n * ldy, C); });
  } else {
    // Devices: a thread per element (neighbouring threads, neighbouring elements), the row body on
    // one element: element-wise, so the same bits.
    for_each_element(
        exec, label(name, "_fwd"), std::int64_t(N) * C, KOKKOS_LAMBDA(const std::int64_t i) {
          const std::int64_t n = i / C, c = i % C;
          detail::gelu_fwd_row(x.data() + n * ldx + c, y.data() + n * ldy + c, 1);
        });
  }
}

// dx, x, dy (N, C)
template <class Exec, class T>
void gelu_backward(const Exec& exec, const std::string& name, const Matrix<T>& dx, const CMatrix<T>& x,
                   const CMatrix<T>& dy) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  const std::int64_t ldx = x.stride(0), ldg = dy.stride(0), ldd = dx.stride(0);
  if constexpr (kHostExec<Exec>) {
    const auto f = detail::row_fns<T>().gelu_bwd;
    Kokkos::parallel_for(label(name, "_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), [=](const int n) {
      f(x.data() + n * ldx, dy.data() + n * ldg, dx.data() + n * ldd, C);
    });
  } else {
    for_each_element(
        exec, label(name, "_bwd"), std::int64_t(N) * C, KOKKOS_LAMBDA(const std::int64_t i) {
          const std::int64_t n = i / C, c = i % C;
          detail::gelu_bwd_row(x.data() + n * ldx + c, dy.data() + n * ldg + c, dx.data() + n * ldd + c, 1);
        });
  }
}

// exp_ops: operations per exponential, 1 where a special-function unit evaluates it (the charged
// ledger), detail::kExpFixedOps<T> for exp_fixed as run on a host (the ledger as run).
inline Ledger gelu_forward_cost(const std::string& name, DType dtype, double N, double C,
                                double exp_ops = 1) {
  return {vector_cost(label(name, "_fwd"), vector_dtype(dtype), (9 + exp_ops) * N * C,
                      dtype_bytes(dtype) * 2 * N * C)};
}
inline Ledger gelu_backward_cost(const std::string& name, DType dtype, double N, double C,
                                 double exp_ops = 1) {
  return {vector_cost(label(name, "_bwd"), vector_dtype(dtype), (15 + exp_ops) * N * C,
                      dtype_bytes(dtype) * 3 * N * C)};
}

}  // namespace xpb::nn
