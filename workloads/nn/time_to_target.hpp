// workloads/nn/time_to_target.hpp — time to a quality target, as MLPerf Training reports it, for
// the training workloads: the first held-out evaluation whose loss is at or below `target_loss`
// gives steps_to_target (its resolution is the evaluation interval); the runner turns it into
// seconds_to_target from the measured step times (core/run/runner.cpp), so platforms can be
// compared on convergence as well as on speed. A target that is never reached reports
// target_reached = 0 and no step count.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/plugin/plugin.hpp"

namespace xpb::nn {

// Declares `target_loss` (a member of the workload's parameter struct; 0 turns it off) in the
// unit of the held-out loss it applies to, named in `which`.
template <class P>
ParamStruct<P> with_target_loss(ParamStruct<P> s, double P::*member, const std::string& unit,
                                const std::string& which) {
  s.number("target_loss", member, 0.0, 0, 1e6,
           "time-to-target: held-out loss target (" + which +
               "); 0: off. steps_to_target is the first "
               "evaluation at or below it",
           unit);
  return s;
}

// `target` names the parameter and `reached` how an evaluation reaches it ("at or below").
inline void declare_time_to_target_metrics(WorkloadInfo& info, const std::string& target = "target_loss",
                                           const std::string& reached = "at or below") {
  info.metrics.push_back({"target_reached", "", MetricKind::quantity,
                          "1 when a held-out evaluation reached " + target + ", else 0"});
  info.metrics.push_back({"steps_to_target", "steps", MetricKind::quantity,
                          "optimizer steps before the first held-out evaluation " + reached + " " + target +
                              " (resolution: the evaluation interval)"});
}

// The first index k with values[k] <= target, or -1. `values` are the held-out losses in the
// order they were evaluated.
inline std::ptrdiff_t first_at_or_below(const std::vector<double>& values, double target) {
  for (std::size_t k = 0; k < values.size(); ++k)
    if (values[k] <= target) return static_cast<std::ptrdiff_t>(k);
  return -1;
}

// The first index k with values[k] >= target, or -1 (a quality that rises: accuracy).
inline std::ptrdiff_t first_at_or_above(const std::vector<double>& values, double target) {
  for (std::size_t k = 0; k < values.size(); ++k)
    if (values[k] >= target) return static_cast<std::ptrdiff_t>(k);
  return -1;
}

// Adds target_reached and (when reached) steps_to_target for evaluations `values` made after
// `steps[k]` optimizer steps. Nothing when target <= 0.
inline void report_time_to_target(Metrics& m, double target, const std::vector<double>& steps,
                                  const std::vector<double>& values) {
  if (!(target > 0)) return;
  const std::ptrdiff_t k = first_at_or_below(values, target);
  m.scalar("target_reached", k >= 0 ? 1.0 : 0.0);
  if (k >= 0) m.scalar("steps_to_target", steps[static_cast<std::size_t>(k)]);
}

// The same for a quality that rises (held-out accuracy): the first evaluation at or above `target`.
inline void report_time_to_target_at_least(Metrics& m, double target, const std::vector<double>& steps,
                                           const std::vector<double>& values) {
  if (!(target > 0)) return;
  const std::ptrdiff_t k = first_at_or_above(values, target);
  m.scalar("target_reached", k >= 0 ? 1.0 : 0.0);
  if (k >= 0) m.scalar("steps_to_target", steps[static_cast<std::size_t>(k)]);
}

}  // namespace xpb::nn
