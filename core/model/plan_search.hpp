// core/model/plan_search.hpp — exhaustive search of parallel plans for one model on one cluster.
// Enumerates TP/PP/EP, micro-batch size, interleaving, recomputation, sequence parallelism, ZeRO
// stage and DP overlap; returns the plan with the lowest nominal step time that fits in memory.
// It evaluates with core/model/training_model.hpp and knows nothing of files or the CLI.
#pragma once

#include <vector>

#include "core/model/training_model.hpp"

namespace xpb {

// The values tried per dimension (dp is derived: devices / (tp·pp)).
struct SearchSpace {
  std::vector<int> tp, pp, cp, ep, mbs, interleave, zero;
  std::vector<Recompute> recompute;
  std::vector<bool> seqpar, dp_overlap;
};

// Every structurally sensible value for this model and cluster: tp powers of two up to
// 2 × devices per node, pp the divisors of the device count up to the layer count, ep the
// divisors of the expert count, cp 1 (and 2, 4, 8 for sequences of 16k and more), mbs 1..16,
// interleave 1..8, recompute none/selective/full, ZeRO 0/1/2 (ZeRO-3 only when asked: add 3 to
// `zero`; docs/validation.md says how far its projection is trusted).
SearchSpace default_space(const TrainingModel& tm);

struct SearchResult {
  bool found = false;        // a valid plan fits
  std::string reason;        // why none was found
  StepEstimate best;              // nominal inputs (run TrainingModel::estimate for its intervals)
  std::vector<StepEstimate> top;  // the fastest fitting plans, best first (up to `keep`)
  long candidates = 0;       // plans enumerated (every combination of the space)
  long valid = 0;            // structurally valid plans (memory computed)
  long fitting = 0;          // valid plans that fit in memory (fully timed)
  double seconds = 0;        // wall time of the search
};

SearchResult search_plans(const TrainingModel& tm, const SearchSpace& space, int keep = 5);

}  // namespace xpb
