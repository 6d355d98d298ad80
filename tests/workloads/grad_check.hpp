// tests/workloads/grad_check.hpp — central finite differences in double precision for the nn/,
// gpt/ and mlp/ tests: perturb one element of a host-accessible buffer, re-run the loss, compare
// with the analytic gradient. Errors are relative to max(|fd|, |analytic|, floor).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/base/rng.hpp"

namespace xpb::test {

struct GradCheck {
  double worst = 0;  // worst relative error seen
  int checked = 0;
};

// Checks `count` pseudo-random elements of data[0, n) (all when n <= count). `loss` re-runs the
// forward pass; `analytic(i)` is the gradient of element i. `skip(i)` excludes kinks (ReLU at 0).
inline GradCheck grad_check(double* data, std::int64_t n, const std::function<double()>& loss,
                            const std::function<double(std::int64_t)>& analytic, int count = 20,
                            std::uint64_t seed = 7, double h = 1e-6, double floor = 1e-3,
                            const std::function<bool(std::int64_t)>& skip = {}) {
  GradCheck r;
  const Rng rng(seed, 11);
  const std::int64_t m = n <= count ? n : count;
  for (std::int64_t k = 0; k < m; ++k) {
    const std::int64_t i = n <= count ? k : static_cast<std::int64_t>(rng.below(std::uint64_t(k), std::uint64_t(n)));
    if (skip && skip(i)) continue;
    const double g = analytic(i);  // read before perturbing: callers may recompute
    const double orig = data[i];
    data[i] = orig + h;
    const double lp = loss();
    data[i] = orig - h;
    const double lm = loss();
    data[i] = orig;
    const double fd = (lp - lm) / (2 * h);
    const double err = std::fabs(fd - g) / std::max({std::fabs(fd), std::fabs(g), floor});
    r.worst = std::max(r.worst, err);
    ++r.checked;
  }
  return r;
}

// Fills a host-accessible buffer with N(0, scale²) values from a counter-based stream.
inline void fill_normal(double* data, std::int64_t n, std::uint64_t stream, double scale = 1.0) {
  const Rng rng(1234, stream);
  for (std::int64_t i = 0; i < n; ++i) data[i] = scale * rng.normal(std::uint64_t(i));
}

}  // namespace xpb::test
