// workloads/nn/cross_entropy.hpp — softmax followed by cross-entropy against integer targets.
// Rows whose target is negative are ignored (loss 0, gradient 0), so masked-LM callers can mark
// unpredicted positions. The mean over rows is the caller's (ordered_sum over `losses`).
// Kernels: NAME_fwd (stable softmax + per-row loss), NAME_mean, NAME_bwd.
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/reduce.hpp"
#include "workloads/nn/rownorm_kernels.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// losses (N), probs (N, V), logits (N, V), targets (N); probs must not alias logits. One row per
// iteration, the softmax row kernel's arithmetic (nn/rownorm_kernels.hpp: exp_fixed, lane sums
// in a fixed order), compiled per ISA on host spaces; device spaces run the same row body.
template <class Exec, class T>
void cross_entropy_forward(const Exec& exec, const std::string& name, const Vec<T>& losses,
                           const Matrix<T>& probs, const CMatrix<T>& logits, const Tokens& targets) {
  const int N = static_cast<int>(logits.extent(0)), V = static_cast<int>(logits.extent(1));
  const int ldx = static_cast<int>(logits.stride(0)), ldp = static_cast<int>(probs.stride(0));
  const T* x = logits.data();
  T* p = probs.data();
  if constexpr (kHostExec<Exec>) {
    const auto f = detail::row_fns<T>().ce_fwd;
    Kokkos::parallel_for(label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), [=](const int n) {
      losses(n) = f(x + std::int64_t(n) * ldx, p + std::int64_t(n) * ldp, V, targets(n));
    });
  } else {
    Kokkos::parallel_for(
        label(name, "_fwd"), Kokkos::RangePolicy<Exec>(exec, 0, N), KOKKOS_LAMBDA(const int n) {
          losses(n) = detail::ce_fwd_row(x + std::int64_t(n) * ldx, p + std::int64_t(n) * ldp, V, targets(n));
        });
  }
}

// Mean loss over rows with a target (ascending-order sum); 0 when none has one.
template <class Exec, class T>
double cross_entropy_mean(const Exec& exec, const std::string& name, const Vec<T>& losses,
                          const Tokens& targets, int* valid_rows = nullptr) {
  const Vec<const T> l = losses;
  const Tokens y = targets;
  const double sum = ordered_sum(
      exec, label(name, "_mean"), static_cast<std::int64_t>(l.extent(0)),
      KOKKOS_LAMBDA(const std::int64_t n) { return double(l(n)); });
  const double count = ordered_sum(
      exec, label(name, "_count"), static_cast<std::int64_t>(y.extent(0)),
      KOKKOS_LAMBDA(const std::int64_t n) { return y(n) >= 0 ? 1.0 : 0.0; });
  if (valid_rows) *valid_rows = static_cast<int>(count);
  return count > 0 ? sum / count : 0.0;
}

// dlogits (N, V) = scale · (probs − onehot(target)); rows without a target get 0. dlogits may
// alias probs. scale is usually 1 / (number of rows with a target).
template <class Exec, class T>
void cross_entropy_backward(const Exec& exec, const std::string& name, const Matrix<T>& dlogits,
                            const CMatrix<T>& probs, const Tokens& targets, T scale) {
  const int V = static_cast<int>(probs.extent(1));
  const int ldd = static_cast<int>(dlogits.stride(0)), ldp = static_cast<int>(probs.stride(0));
  T* d = dlogits.data();
  const T* p = probs.data();
  // Per row: scale·p for every column (p − 0 is p, so the same value as scale·(p − onehot)), then
  // the target's own column; a plain loop over contiguous columns, which vectorises.
  Kokkos::parallel_for(
      label(name, "_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, static_cast<int>(probs.extent(0))),
      KOKKOS_LAMBDA(const int n) {
        const int y = targets(n);
        T* dr = d + std::int64_t(n) * ldd;
        const T* pr = p + std::int64_t(n) * ldp;
        if (y < 0) {
          for (int v = 0; v < V; ++v) dr[v] = T(0);
          return;
        }
        const T py = pr[y];  // read before the row is written: dlogits may alias probs
        for (int v = 0; v < V; ++v) dr[v] = scale * pr[v];
        dr[y] = scale * (py - T(1));
      });
}

// exp_ops: operations per exponential (1 charged; detail::kExpFixedOps<T> as run on a host).
inline Ledger cross_entropy_forward_cost(const std::string& name, DType dtype, double N, double V,
                                         double exp_ops = 1) {
  const double b = dtype_bytes(dtype);
  return {vector_cost(label(name, "_fwd"), vector_dtype(dtype), (5 + exp_ops) * N * V,
                      b * (2 * N * V + N) + 4 * N),
          vector_cost(label(name, "_mean"), vector_dtype(dtype), N, b * N),
          vector_cost(label(name, "_count"), vector_dtype(dtype), N, 4 * N)};
}
inline Ledger cross_entropy_backward_cost(const std::string& name, DType dtype, double N, double V) {
  return {vector_cost(label(name, "_bwd"), vector_dtype(dtype), 2 * N * V,
                      dtype_bytes(dtype) * 2 * N * V + 4 * N)};
}

}  // namespace xpb::nn
