// workloads/nn/relu.hpp — the rectifier y = max(x, 0), element-wise; backward overwrites dx.
// Kernels: NAME_fwd, NAME_bwd.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>

#include "workloads/nn/for_each.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// y, x (N, C)
template <class Exec, class T>
void relu_forward(const Exec& exec, const std::string& name, const Matrix<T>& y, const CMatrix<T>& x) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  if constexpr (kHostExec<Exec>) {
    Kokkos::parallel_for(label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), [=](const int n) {
      for (int c = 0; c < C; ++c) y(n, c) = x(n, c) > T(0) ? x(n, c) : T(0);
    });
  } else {  // devices: a thread per element
    for_each_element(
        exec, label(name, "_fwd"), std::int64_t(N) * C, KOKKOS_LAMBDA(const std::int64_t i) {
          const int n = int(i / C), c = int(i % C);
          y(n, c) = x(n, c) > T(0) ? x(n, c) : T(0);
        });
  }
}

// dx, x, dy (N, C)
template <class Exec, class T>
void relu_backward(const Exec& exec, const std::string& name, const Matrix<T>& dx, const CMatrix<T>& x,
                   const CMatrix<T>& dy) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  if constexpr (kHostExec<Exec>) {
    Kokkos::parallel_for(label(name, "_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), [=](const int n) {
      for (int c = 0; c < C; ++c) dx(n, c) = x(n, c) > T(0) ? dy(n, c) : T(0);
    });
  } else {  // devices: a thread per element
    for_each_element(
        exec, label(name, "_bwd"), std::int64_t(N) * C, KOKKOS_LAMBDA(const std::int64_t i) {
          const int n = int(i / C), c = int(i % C);
          dx(n, c) = x(n, c) > T(0) ? dy(n, c) : T(0);
        });
  }
}

inline Ledger relu_forward_cost(const std::string& name, DType dtype, double N, double C) {
  return {vector_cost(label(name, "_fwd"), vector_dtype(dtype), N * C, dtype_bytes(dtype) * 2 * N * C)};
}
inline Ledger relu_backward_cost(const std::string& name, DType dtype, double N, double C) {
  return {vector_cost(label(name, "_bwd"), vector_dtype(dtype), N * C, dtype_bytes(dtype) * 3 * N * C)};
}

}  // namespace xpb::nn
