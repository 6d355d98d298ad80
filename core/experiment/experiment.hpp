// core/experiment/experiment.hpp — experiment definitions (YAML) and their expansion into cells.
// An experiment names workloads with parameter lists; list values expand to a Cartesian product,
// `zip:` groups expand together. Parsing is strict (core/base/schema) against the registry's
// declarations. Running
// the cells is core/run/runner.hpp's job.
#pragma once

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
  int index = 0;         // position in the expansion (0-based)
  int entry = 0;         // index of the workload entry it came from
  std::string label() const;  // "stream dtype=fp32 n=1048576"
};

struct ExperimentSpec {
  std::string path;       // file it came from
  std::string yaml_text;  // exact text
  std::string sha256;     // of yaml_text
  std::string name, description;
  std::uint64_t seed = 0;
  int repeats = 5, warmup = 1;
  std::vector<std::string> platforms;  // names or paths, as written
  std::string reference_platform = "nvidia-h20";
  double parity_band = 0.10;           // |ratio - 1| within band → parity
  std::vector<Cell> cells;             // expanded, in file order
};

// The experiment file format, declared once (validation, `xpubench show schema experiment`).
const input::Node& experiment_schema();

// Parse and expand; every problem is an xpb::Error with file, line and key path.
ExperimentSpec load_experiment(const std::string& path, const Registry& registry);
ExperimentSpec parse_experiment(const std::string& text, const std::string& path,
                                const Registry& registry);

// Stable id of a cell: first 12 hex digits of SHA-256 over its canonical form.
std::string cell_id(const std::string& workload, const Params& params, std::uint64_t seed);

// Does `pattern` (shell glob: * ? [..]) match the cell's workload, id or label?
bool cell_matches(const Cell& c, const std::string& pattern);

}  // namespace xpb
