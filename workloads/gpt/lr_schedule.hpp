// workloads/gpt/lr_schedule.hpp — learning rate per step: linear warm-up, then cosine or linear
// decay to lr·final_ratio (nanoGPT's scheme), or constant. Pure arithmetic, no state.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace xpb::gpt {

struct LrSchedule {
  double lr = 1e-3;          // peak
  double final_ratio = 0.1;  // lr at the last step, as a fraction of the peak
  std::int64_t warmup = 0;   // steps of linear warm-up
  std::int64_t steps = 1;    // total steps
  std::string kind = "cosine";  // cosine | linear | constant

  // Learning rate of 0-based step `s`.
  double at(std::int64_t s) const {
    if (kind == "constant") return lr;
    if (s < warmup) return lr * double(s + 1) / double(warmup);
    const double lo = lr * final_ratio;
    const double span = double(steps - warmup > 1 ? steps - warmup - 1 : 1);
    const double p = std::fmin(1.0, double(s - warmup) / span);
    if (kind == "linear") return lr - (lr - lo) * p;
    return lo + 0.5 * (1.0 + std::cos(3.141592653589793 * p)) * (lr - lo);
  }
};

}  // namespace xpb::gpt
