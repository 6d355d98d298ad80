// core/run/projections.hpp — an experiment's `projections:` section, run: each entry's model projected
// onto each platform and device count (plan search or the given plan, then the Monte Carlo), with
// the joint speed ratio to the experiment's parity reference. Nothing is measured here; the
// runner stores the rows in /projections next to the measured cells.
#pragma once

#include <vector>

#include "core/experiment/experiment.hpp"
#include "core/platforms/platform.hpp"
#include "core/results/result_store.hpp"

namespace xpb {

// `platforms` are the experiment's resolved platforms (an entry's own list is resolved here).
// Throws xpb::Error for a model file or plan that does not parse (named by the entry's line).
std::vector<PlanProjection> project_training_plans(const ExperimentSpec& spec,
                                                   const std::vector<Platform>& platforms);

}  // namespace xpb
