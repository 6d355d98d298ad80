// workloads/nn/adamw.hpp — the AdamW optimizer over one flat parameter buffer.
// Bias-corrected moments and decoupled weight decay, in PyTorch's order of operations
// (p ← p·(1 − lr·wd), then p ← p − lr·m̂/(√v̂ + ε)). Weight decay applies to the first
// `n_decay` elements only: callers lay out decayed tensors (matrices) first. The gradient is
// multiplied by `grad_scale` on the fly (gradient-norm clipping). Kernel: NAME.
#pragma once

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

struct AdamWConfig {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.1;
};

// params, grads, m, v (P); step is 1-based (bias correction).
template <class Exec, class T>
void adamw_update(const Exec& exec, const std::string& name, const Vec<T>& params,
                  const CVec<T>& grads, const Vec<T>& m, const Vec<T>& v,
                  std::int64_t n_decay, const AdamWConfig& cfg, std::int64_t step, T grad_scale) {
  const T lr = T(cfg.lr), b1 = T(cfg.beta1), b2 = T(cfg.beta2), eps = T(cfg.eps);
  // 1 − β in double, then rounded: 1 − float(0.999) would be off by 1.3e-5 relative (the rounding
  // error of β, magnified 1000×), a bias in every second moment that PyTorch does not have.
  const T ob1 = T(1.0 - cfg.beta1), ob2 = T(1.0 - cfg.beta2);
  const T decay = T(1) - T(cfg.lr) * T(cfg.weight_decay);
  const T bc1 = T(1) - T(std::pow(cfg.beta1, double(step)));
  const T bc2 = T(1) - T(std::pow(cfg.beta2, double(step)));
  Kokkos::parallel_for(
      name, Kokkos::RangePolicy<Exec>(exec, 0, static_cast<std::int64_t>(params.extent(0))),
      KOKKOS_LAMBDA(const std::int64_t i) {
        const T g = grads(i) * grad_scale;
        const T mi = b1 * m(i) + ob1 * g;
        const T vi = b2 * v(i) + ob2 * g * g;
        m(i) = mi;
        v(i) = vi;
        T p = i < n_decay ? params(i) * decay : params(i);
        const T denom = compat::sqrt(vi / bc2) + eps;
        p -= (lr / bc1) * (mi / denom);
        params(i) = p;
      });
}

inline Ledger adamw_cost(const std::string& name, double P) {
  // Optimizer state stays fp32 on accelerators (master weights, moments).
  return {vector_cost(name, DType::fp32, 14 * P, 4.0 * 7 * P)};
}

}  // namespace xpb::nn
