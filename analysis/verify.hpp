// analysis/verify.hpp — `xpubench verify`: re-run the experiment a result set embeds, compare.
// The experiment YAML stored in the file is parsed again against this build's registry, the cells
// the file holds are run into a new result set, and the two are compared under tolerance rules
// (timings ignored unless asked). Needs Kokkos initialised by the caller; prints nothing.
#pragma once

#include <functional>
#include <string>

#include "analysis/compare.hpp"
#include "core/experiment/experiment.hpp"
#include "core/plugin/registry.hpp"
#include "core/run/runner.hpp"

namespace xpb::analysis {

struct VerifyOptions {
  std::string rerun_path;    // where the re-run is written (required)
  std::string command_line;  // provenance of the re-run
  CompareOptions compare;
  std::size_t max_cells = kDefaultMaxCells;  // the expansion limit, as `run --max-cells`
};

struct VerifyResult {
  std::string rerun_path;
  int cells = 0;  // cells re-run
  CompareResult comparison;
};

VerifyResult verify_result_set(const std::string& path, const Registry& registry, const ToleranceRules& rules,
                               const VerifyOptions& opt,
                               const std::function<void(const CellEvent&)>& progress = {});

}  // namespace xpb::analysis
