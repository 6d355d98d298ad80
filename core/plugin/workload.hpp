// core/plugin/workload.hpp — the workload plugin interface.
// A workload sets itself up from checked Params, runs one blocking step at a time, states the
// analytic cost of one step (its Ledger), checks its own numbers, and reports metrics at the end.
// It does not time itself (the runner fences and times around step()) and it never touches HDF5.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/capability.hpp"
#include "core/plugin/context.hpp"
#include "core/plugin/ledger.hpp"
#include "core/plugin/metrics.hpp"
#include "core/plugin/params.hpp"

namespace xpb {

enum class WorkloadKind {
  benchmark,  // warm-up + repeats of the same step; the experiment's warmup/repeats apply
  training    // a fixed number of optimizer steps (planned_steps); every step is kept
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Allocate and initialise deterministically from (params, ctx.seed). Throws xpb::Error for
  // parameter combinations the declaration cannot express (the cell is marked invalid).
  virtual void setup(const Params& params, Context& ctx) = 0;
  // One step (benchmark repetition or training step). Must be blocking (fence before return).
  virtual StepResult step(Context& ctx) = 0;
  // Analytic cost of one step.
  virtual Ledger ledger() const = 0;
  // The cost of the step as this host ran it, when it differs from ledger(): a micro-benchmark
  // that charges an accelerator's precision (bf16) while computing in fp32 here. The model's
  // self-check projects this one onto the host. Empty: the same as ledger().
  virtual Ledger ledger_as_run() const { return {}; }
  // Self-check after the steps; a failure is data, not a crash.
  virtual Validation validate(Context& ctx) = 0;
  // Metrics at the end (loss curves, accuracy...). Called after validate().
  virtual Metrics finish(Context& ctx) = 0;
  // For training workloads: how many steps to run; -1 means use the experiment's repeats.
  virtual std::int64_t planned_steps() const { return -1; }
};

struct WorkloadInfo {
  std::string name;     // e.g. "stream"
  std::string summary;  // one line
  WorkloadKind kind = WorkloadKind::benchmark;
  ParamSchema params;
  std::string doc;  // a paragraph for `xpubench show workload`
  // Every name the workload emits in StepResult::values and Metrics::scalars, with its unit, kind
  // and doc (core/plugin/metrics.hpp). The runner fails a cell that emits an undeclared name.
  std::vector<MetricSpec> metrics;
  // How many MPI ranks a cell with these parameters can use when `world` are available (it gets
  // a Context::group of that size). Empty: one rank. Used by distributed runs to place cells.
  std::function<int(const Params& params, int world)> ranks;
  // The fewest ranks a cell needs to measure anything (a collective: 2). A cell given fewer is set
  // up, its ledger taken and projected, and it is stored as `skipped` with the reason; no step runs.
  int min_ranks = 1;
  // What `xpubench calibrate` may measure with it, and how (core/plugin/capability.hpp).
  std::vector<CapabilitySpec> capabilities;
};

}  // namespace xpb
