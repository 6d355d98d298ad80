// workloads/nn/embedding.hpp — token embedding plus optional learned position embedding.
// out(b·T + t) = wte(token) + wpe(t). The backward gathers instead of scattering: each
// vocabulary row sums the positions holding that token in ascending order, so it needs no
// atomics and rounds identically on any backend. It ADDS into dwte (a tied output layer may
// have written it first) and overwrites dwpe. Kernels: NAME_fwd, NAME_bwd_tokens, NAME_bwd_positions.
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// out (N, C), tokens (N), wte (V, C), wpe (T, C) or empty; row n has position n % T.
template <class Exec, class T>
void embedding_forward(const Exec& exec, const std::string& name, const Matrix<T>& out,
                       const Tokens& tokens, const CMatrix<T>& wte, const CMatrix<T>& wpe,
                       int seq_len) {
  const int N = static_cast<int>(out.extent(0)), C = static_cast<int>(out.extent(1));
  const bool pos = wpe.extent(0) != 0;
  Kokkos::parallel_for(
      label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), KOKKOS_LAMBDA(const int n) {
        const int tok = tokens(n), t = n % seq_len;
        for (int c = 0; c < C; ++c) out(n, c) = wte(tok, c) + (pos ? wpe(t, c) : T(0));
      });
}

// dwte (V, C) += Σ over rows with that token; dwpe (T, C) = Σ_b dout(b·T + t) (if not empty).
template <class Exec, class T>
void embedding_backward(const Exec& exec, const std::string& name, const Matrix<T>& dwte,
                        const Matrix<T>& dwpe, const CMatrix<T>& dout, const Tokens& tokens,
                        int seq_len) {
  const int N = static_cast<int>(dout.extent(0)), C = static_cast<int>(dout.extent(1));
  Kokkos::parallel_for(
      label(name, "_bwd_tokens"), Kokkos::RangePolicy<Exec>(exec, 0, static_cast<int>(dwte.extent(0))),
      KOKKOS_LAMBDA(const int v) {
        for (int n = 0; n < N; ++n) {
          if (tokens(n) != v) continue;
          for (int c = 0; c < C; ++c) dwte(v, c) += dout(n, c);
        }
      });
  if (dwpe.extent(0) == 0) return;
  const int rows = N / seq_len;
  Kokkos::parallel_for(
      label(name, "_bwd_positions"), Kokkos::MDRangePolicy<Exec, Kokkos::Rank<2>>(exec, {0, 0}, {seq_len, C}),
      KOKKOS_LAMBDA(const int t, const int c) {
        T acc = 0;
        for (int b = 0; b < rows; ++b) acc += dout(b * seq_len + t, c);
        dwpe(t, c) = acc;
      });
}

inline Ledger embedding_forward_cost(const std::string& name, DType dtype, double N, double C) {
  return {vector_cost(label(name, "_fwd"), vector_dtype(dtype), N * C, dtype_bytes(dtype) * 3 * N * C + 4 * N)};
}
inline Ledger embedding_backward_cost(const std::string& name, DType dtype, double N, double C, double V,
                                      double T) {
  const double b = dtype_bytes(dtype);
  return {vector_cost(label(name, "_bwd_tokens"), vector_dtype(dtype), N * C, b * (N * C + 2 * V * C) + 4 * N * V),
          vector_cost(label(name, "_bwd_positions"), vector_dtype(dtype), N * C, b * (N * C + T * C))};
}

}  // namespace xpb::nn
