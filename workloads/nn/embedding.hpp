// workloads/nn/embedding.hpp — token embedding plus optional learned position embedding.
// out(b·T + t) = wte(token) + wpe(t). The backward needs no atomics: on devices each vocabulary
// row gathers the positions holding its token, on the host each block of columns walks the rows;
// either way every element adds its rows in ascending order, so the bits are the same on any
// backend. It ADDS into dwte (a tied output layer may
// have written it first) and overwrites dwpe. Kernels: NAME_fwd, NAME_bwd_tokens, NAME_bwd_positions.
#pragma once

#include <Kokkos_Core.hpp>
#include <cmath>
#include <string>

#include "workloads/nn/for_each.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// out (N, C), tokens (N), wte (V, C), wpe (T, C) or empty; row n has position n % T.
template <class Exec, class T>
void embedding_forward(const Exec& exec, const std::string& name, const Matrix<T>& out, const Tokens& tokens,
                       const CMatrix<T>& wte, const CMatrix<T>& wpe, int seq_len) {
  const int N = static_cast<int>(out.extent(0)), C = static_cast<int>(out.extent(1));
  const bool pos = wpe.extent(0) != 0;
  Kokkos::parallel_for(
      label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), KOKKOS_LAMBDA(const int n) {
        const int tok = tokens(n), t = n % seq_len;
        for (int c = 0; c < C; ++c) out(n, c) = wte(tok, c) + (pos ? wpe(t, c) : T(0));
      });
}

namespace detail {
inline constexpr int kEmbedCols = 16;  // columns per host work item of the token gradient

// dwte(v, :) += dout(n, :) for every row n with token v, n ascending. Device shape: a work item
// per vocabulary row, scanning all N tokens for its own.
template <class Exec, class T>
void embed_bwd_tokens_scan(const Exec& exec, const std::string& lbl, const Matrix<T>& dwte,
                           const CMatrix<T>& dout, const Tokens& tokens) {
  const int N = static_cast<int>(dout.extent(0)), C = static_cast<int>(dout.extent(1));
  Kokkos::parallel_for(
      lbl, Kokkos::RangePolicy<Exec>(exec, 0, static_cast<int>(dwte.extent(0))), KOKKOS_LAMBDA(const int v) {
        for (int n = 0; n < N; ++n) {
          if (tokens(n) != v) continue;
          for (int c = 0; c < C; ++c) dwte(v, c) += dout(n, c);
        }
      });
}

// The same sums on the host: a work item per block of kEmbedCols columns walks the rows once,
// adding each into its token's row. Every element still receives its rows in ascending n, so the
// bits are the scan's, without its V·N token comparisons. Tokens outside [0, V) are skipped, as
// the scan never matches them.
template <class Exec, class T>
void embed_bwd_tokens_columns(const Exec& exec, const std::string& lbl, const Matrix<T>& dwte,
                              const CMatrix<T>& dout, const Tokens& tokens) {
  const int N = static_cast<int>(dout.extent(0)), C = static_cast<int>(dout.extent(1));
  const int V = static_cast<int>(dwte.extent(0));
  Kokkos::parallel_for(
      lbl, Kokkos::RangePolicy<Exec>(exec, 0, (C + kEmbedCols - 1) / kEmbedCols),
      KOKKOS_LAMBDA(const int blk) {
        const int c0 = blk * kEmbedCols, c1 = C - c0 < kEmbedCols ? C : c0 + kEmbedCols;
        for (int n = 0; n < N; ++n) {
          const int v = tokens(n);
          if (v < 0 || v >= V) continue;
          for (int c = c0; c < c1; ++c) dwte(v, c) += dout(n, c);
        }
      });
}
}  // namespace detail

// dwte (V, C) += Σ over rows with that token; dwpe (T, C) = Σ_b dout(b·T + t) (if not empty).
template <class Exec, class T>
void embedding_backward(const Exec& exec, const std::string& name, const Matrix<T>& dwte,
                        const Matrix<T>& dwpe, const CMatrix<T>& dout, const Tokens& tokens, int seq_len) {
  const int N = static_cast<int>(dout.extent(0)), C = static_cast<int>(dout.extent(1));
  if constexpr (kHostExec<Exec>)
    detail::embed_bwd_tokens_columns(exec, label(name, "_bwd_tokens"), dwte, dout, tokens);
  else
    detail::embed_bwd_tokens_scan(exec, label(name, "_bwd_tokens"), dwte, dout, tokens);
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
  return {
      vector_cost(label(name, "_fwd"), vector_dtype(dtype), N * C, dtype_bytes(dtype) * 3 * N * C + 4 * N)};
}
// `columns`: the host shape, which reads the N tokens once per block of columns; the device scan
// reads them once per vocabulary row.
inline Ledger embedding_backward_cost(const std::string& name, DType dtype, double N, double C, double V,
                                      double T, bool columns = kHostExec<Kokkos::DefaultExecutionSpace>) {
  const double b = dtype_bytes(dtype);
  const double token_reads = columns ? std::ceil(C / detail::kEmbedCols) : V;
  return {vector_cost(label(name, "_bwd_tokens"), vector_dtype(dtype), N * C,
                      b * (N * C + 2 * V * C) + 4 * N * token_reads),
          vector_cost(label(name, "_bwd_positions"), vector_dtype(dtype), N * C, b * (N * C + T * C))};
}

}  // namespace xpb::nn
