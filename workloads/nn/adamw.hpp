// workloads/nn/adamw.hpp — the AdamW optimizer over one flat parameter buffer.
// Bias-corrected moments and decoupled weight decay, in PyTorch's order of operations
// (p ← p·(1 − lr·wd), then p ← p − lr·m̂/(√v̂ + ε)). Weight decay applies to the first
// `n_decay` elements only: callers lay out decayed tensors (matrices) first. The gradient is
// multiplied by `grad_scale` on the fly (gradient-norm clipping). Kernel: NAME. On the host each
// iteration updates a contiguous span through restrict pointers, so the loop vectorises (the
// update is element-wise: the same bits as one element per iteration, which devices keep).
#pragma once

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/fixed_math.hpp"
#include "workloads/nn/for_each.hpp"
#include "workloads/nn/rownorm_kernels.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

struct AdamWConfig {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.1;
};

namespace detail {
// The constants of one AdamW step, rounded to T once.
template <class T>
struct AdamWStep {
  T lr_bc1, b1, ob1, b2, ob2, bc2, eps, decay, grad_scale;
};

// Elements i0 … i1-1 of the update.
template <class T>
KOKKOS_INLINE_FUNCTION void adamw_span(T* XPB_RESTRICT p, const T* XPB_RESTRICT g, T* XPB_RESTRICT m,
                                       T* XPB_RESTRICT v, std::int64_t i0, std::int64_t i1,
                                       std::int64_t n_decay, const AdamWStep<T>& c) {
  for (std::int64_t i = i0; i < i1; ++i) {
    const T gi = g[i] * c.grad_scale;
    const T mi = c.b1 * m[i] + c.ob1 * gi;
    const T vi = c.b2 * v[i] + c.ob2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const T pi = i < n_decay ? p[i] * c.decay : p[i];
    const T denom = compat::sqrt(vi / c.bc2) + c.eps;
    p[i] = pi - c.lr_bc1 * (mi / denom);
  }
}
}  // namespace detail

// params, grads, m, v (P); step is 1-based (bias correction).
template <class Exec, class T>
void adamw_update(const Exec& exec, const std::string& name, const Vec<T>& params, const CVec<T>& grads,
                  const Vec<T>& m, const Vec<T>& v, std::int64_t n_decay, const AdamWConfig& cfg,
                  std::int64_t step, T grad_scale) {
  detail::AdamWStep<T> c;
  c.b1 = T(cfg.beta1), c.b2 = T(cfg.beta2), c.eps = T(cfg.eps), c.grad_scale = grad_scale;
  // 1 − β in double, then rounded: 1 − float(0.999) would be off by 1.3e-5 relative (the rounding
  // error of β, magnified 1000×), a bias in every second moment that PyTorch does not have.
  c.ob1 = T(1.0 - cfg.beta1), c.ob2 = T(1.0 - cfg.beta2);
  c.decay = T(1) - T(cfg.lr) * T(cfg.weight_decay);
  const T bc1 = T(1) - T(std::pow(cfg.beta1, double(step)));
  c.bc2 = T(1) - T(std::pow(cfg.beta2, double(step)));
  c.lr_bc1 = T(cfg.lr) / bc1;
  const std::int64_t n = static_cast<std::int64_t>(params.extent(0));
  T* P = params.data();
  const T* G = grads.data();
  T* M = m.data();
  T* V = v.data();
  if constexpr (kHostExec<Exec>) {
    // The span compiled for this CPU's ISA (nn/rownorm_host.cpp): the same operations, at the
    // vector width (the square root and division dominate; baseline x86-64 has 4 lanes).
    const auto span_fn = detail::row_fns<T>().adamw;
    constexpr std::int64_t kSpan = 4096;
    Kokkos::parallel_for(name, Kokkos::RangePolicy<Exec>(exec, 0, (n + kSpan - 1) / kSpan),
                         [=](const std::int64_t s) {
                           const std::int64_t i0 = s * kSpan, i1 = i0 + kSpan < n ? i0 + kSpan : n;
                           span_fn(P, G, M, V, i0, i1, n_decay, c);
                         });
  } else {
    // nn::for_each_element's device shape, written out: passed through for_each_element, this
    // lambda made the CUDA build's GPT cell call a null function pointer on the host (in nvcc's
    // extended-lambda wrapper, inside for_each_element_teams) on the H200.
    constexpr std::int64_t span = std::int64_t(kForEachTeam) * kForEachItems;
    using Policy = Kokkos::TeamPolicy<Exec>;
    Kokkos::parallel_for(
        name, Policy(exec, static_cast<int>((n + span - 1) / span), kForEachTeam),
        KOKKOS_LAMBDA(const typename Policy::member_type& team) {
          const std::int64_t first = std::int64_t(team.league_rank()) * span + team.team_rank();
          for (int k = 0; k < kForEachItems; ++k) {
            const std::int64_t i = first + std::int64_t(k) * kForEachTeam;
            if (i < n) detail::adamw_span(P, G, M, V, i, i + 1, n_decay, c);
          }
        });
  }
}

inline Ledger adamw_cost(const std::string& name, double P) {
  // Optimizer state stays fp32 on accelerators (master weights, moments).
  return {vector_cost(name, DType::fp32, 14 * P, 4.0 * 7 * P)};
}

}  // namespace xpb::nn
