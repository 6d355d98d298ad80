// workloads/nn/residual.hpp — the residual connection y = a + b, element-wise.
// Its backward is the identity on both inputs, so callers pass the gradient on (no kernel).
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>

#include "workloads/nn/for_each.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// y, a, b (N, C). Kernel: NAME_fwd.
template <class Exec, class T>
void residual_forward(const Exec& exec, const std::string& name, const Matrix<T>& y, const CMatrix<T>& a,
                      const CMatrix<T>& b) {
  const int N = static_cast<int>(y.extent(0)), C = static_cast<int>(y.extent(1));
  if constexpr (kHostExec<Exec>) {
    Kokkos::parallel_for(label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), [=](const int n) {
      for (int c = 0; c < C; ++c) y(n, c) = a(n, c) + b(n, c);
    });
  } else {  // devices: a thread per element, neighbouring threads on neighbouring elements
    for_each_element(
        exec, label(name, "_fwd"), std::int64_t(N) * C, KOKKOS_LAMBDA(const std::int64_t i) {
          const int n = int(i / C), c = int(i % C);
          y(n, c) = a(n, c) + b(n, c);
        });
  }
}

inline Ledger residual_forward_cost(const std::string& name, DType dtype, double N, double C) {
  return {vector_cost(label(name, "_fwd"), vector_dtype(dtype), N * C, dtype_bytes(dtype) * 3 * N * C)};
}

}  // namespace xpb::nn
