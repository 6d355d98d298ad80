// core/experiment/experiment.hpp — experiment definitions (YAML) and their expansion into cells.
// An experiment names workloads with parameter lists; list values expand to a Cartesian product,
// `zip:` groups expand together. Parsing is strict (core/base/schema) against the registry's
// declarations. Running
// the cells is core/run/runner.hpp's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/input_schema.hpp"
#include "core/plugin/params.hpp"
#include "core/plugin/registry.hpp"

namespace xpb {

struct Cell {
  std::string id;        // short hash of canonical {workload, params, seed}
  std::string workload;
  Params params;
  std::uint64_t seed = 0;
  int repeats = 0, warmup = 0;
  // Seconds each timed repeat of a benchmark cell lasts at least: the runner calls step() as many
  // times per repeat as that takes (core/run/runner.hpp). 0: one step per repeat.
  double min_time = 0;
  int index = 0;         // position in the expansion (0-based)
  int entry = 0;         // index of the workload entry it came from
  std::string label() const;  // "stream dtype=fp32 n=1048576"
};

// One entry of an experiment's `projections:` section: a paper-scale training run projected by the
// performance model (core/model/training_model.hpp) onto each platform and device count, next to
// the measured cells. Nothing runs; the result set stores the projections in /projections.
struct ProjectionSpec {
  std::string model;                   // path, or a name under experiments/models/
  std::vector<std::string> platforms;  // empty: the experiment's platforms except the host
  std::vector<int> devices;
  double global_batch = 0;             // sequences per step (0: the model file's)
  std::string plan;                    // "tp=..,pp=..": evaluate it; empty: search plans
  std::string stack;                   // software stack (data/model/constants.yaml); empty: default
  std::string dtype;                   // linear-layer precision; empty: the model's
  double tokens = 0;                   // token budget for the days figure (0: none)
  std::string inter_node_gbps;         // "N" or "low,nominal,high" GB/s where a descriptor has none
  bool allow_zero3 = false;            // also search ZeRO-3 plans
  int line = 0;
};

struct ExperimentSpec {
  std::string path;       // file it came from
  std::string yaml_text;  // exact text
  std::string sha256;     // of yaml_text
  std::string name, description;
  std::uint64_t seed = 0;            // the first of `seeds`
  std::vector<std::uint64_t> seeds;  // `seeds:`, else {seed}; an entry may override them
  int repeats = 5, warmup = 1;
  double min_time = 0;                 // Cell::min_time of every entry that does not give its own
  std::vector<std::string> platforms;  // names or paths, as written
  std::string reference_platform = "nvidia-h20";
  double parity_band = 0.10;           // |ratio - 1| within band → parity
  std::vector<Cell> cells;             // expanded, in file order
  std::vector<ProjectionSpec> projections;  // paper-scale training projections
};

// The experiment file format, declared once (validation, `xpubench show schema experiment`).
const input::Node& experiment_schema();

// Cells one experiment may expand to unless raised (`--max-cells N` of run, expand and validate).
// The count is the product of the list lengths, computed (overflow-checked) before any cell is made.
constexpr std::size_t kDefaultMaxCells = 100000;
// Seeds one `seeds:` list may give.
constexpr std::size_t kMaxSeeds = 1000;

// Parse and expand; every problem is an xpb::Error with file, line and key path. An expansion to
// more than `max_cells` cells is refused, naming the lists that multiply.
ExperimentSpec load_experiment(const std::string& path, const Registry& registry,
                               std::size_t max_cells = kDefaultMaxCells);
ExperimentSpec parse_experiment(const std::string& text, const std::string& path, const Registry& registry,
                                std::size_t max_cells = kDefaultMaxCells);

// Stable id of a cell: first 12 hex digits of SHA-256 over its canonical form.
std::string cell_id(const std::string& workload, const Params& params, std::uint64_t seed);

// Does `pattern` (shell glob: * ? [..]) match the cell's workload, id or label?
bool cell_matches(const Cell& c, const std::string& pattern);

}  // namespace xpb
