// workloads/nn/grad_clip.hpp — global gradient-norm clipping, PyTorch's clip_grad_norm_ rule.
// The norm is a fixed-order sum (ordered_sum), so it is identical on every backend. This file
// only computes the factor; the optimizer applies it (AdamW's grad_scale) to save a pass.
// Kernel: NAME (the squared-norm reduction).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "workloads/nn/reduce.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// ‖grads‖₂ over (P).
template <class Exec, class T>
double grad_norm(const Exec& exec, const std::string& name, const Vec<T>& grads) {
  const Vec<const T> g = grads;
  const double sq = ordered_sum(exec, name, static_cast<std::int64_t>(g.extent(0)),
                                KOKKOS_LAMBDA(const std::int64_t i) { return double(g(i)) * double(g(i)); });
  return std::sqrt(sq);
}

// Factor to multiply gradients by: max_norm / (norm + 1e-6) when that is below 1, else 1.
// max_norm <= 0 disables clipping.
inline double clip_factor(double norm, double max_norm) {
  if (max_norm <= 0) return 1.0;
  const double f = max_norm / (norm + 1e-6);
  return f < 1.0 ? f : 1.0;
}

inline Ledger grad_norm_cost(const std::string& name, double P) {
  return {vector_cost(name, DType::fp32, 2 * P, 4.0 * P)};
}

}  // namespace xpb::nn
