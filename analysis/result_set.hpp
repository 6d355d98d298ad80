// analysis/result_set.hpp — a result set read back into plain structs for reports and metrics.
// Reads the layout declared in core/results/schema.cpp, every version from schema::kOldestReadable
// on (fields a version lacks stay empty); unknown groups and attributes are ignored, a newer
// schema version is refused. It does not compare files
// (analysis/compare.hpp) and does not compute metrics (analysis/portability.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/range.hpp"
#include "core/plugin/ledger.hpp"
#include "core/results/result_store.hpp"
#include "core/results/seed_stats.hpp"

namespace xpb::analysis {

struct PlatformRecord {
  std::string name, display_name, kind, path, sha256, worst_confidence;
  std::string descriptor_yaml;  // the exact text the run used
};

struct KernelProjectionRecord {
  std::string name, bound;
  Range seconds;  // all its launches in one step
};

struct ProjectionRecord {
  std::string platform;
  bool ok = false;
  std::string reason, bound;
  Range step_seconds, compute_seconds, memory_seconds, comm_seconds, launch_seconds, energy_joules;
  std::optional<Range> hfu;  // hardware FLOP utilization (schema 2; absent when not computed)
  // Schema 2: the Monte Carlo behind the ranges (5 %, median, 95 %), the step at nominal inputs
  // and the worst-case envelope [low, high] (absent in schema 1 files, whose ranges are extremes).
  long long monte_carlo_samples = 0, monte_carlo_seed = 0;
  std::optional<double> step_seconds_nominal_inputs;
  std::optional<std::pair<double, double>> step_seconds_envelope;
  std::string hfu_dtype;
  std::vector<KernelProjectionRecord> kernels;  // per ledger row (schema 2)
  std::optional<double> error_vs_measured;      // host only: projected / measured − 1
};

struct SeriesRecord {
  std::string name, unit;
  std::string kind;                   // schema::Kind: numeric or timing
  std::vector<double> values, index;  // index empty: 0..n-1
};

struct ScalarRecord {
  std::string name, unit;
  double value = 0;
  std::string kind;  // schema::Kind: numeric or timing
};

struct CellResult {
  std::string id, workload, params, label, reason, started_utc, finished_utc;
  CellStatus status = CellStatus::failed;  // from the stored name; one this version does not know: failed
  long long seed = 0, index = 0, repeats = 0, warmup = 0;
  bool noisy = false;         // timings taken on a busy machine (core/run/noise.hpp); status unchanged
  std::string noise_reasons;  // why, `; `-separated
  std::optional<double> dispersion;  // IQR / median of the timed steps (absent: fewer than 2)
  long long iterations = 1;          // step() calls per timed repeat (min_time; 1 before it existed)
  double min_time = 0;               // the minimum seconds per timed repeat in force (0: none)
  std::map<std::string, std::vector<double>> measured;                // "step_seconds", "loss", ... per step
  std::map<std::string, std::string> measured_units, measured_kinds;  // by the same names
  std::vector<ScalarRecord> metrics;
  std::vector<SeriesRecord> series;
  bool validation_passed = true;
  std::string validation_reason;
  std::optional<double> validation_max_rel_err, validation_tolerance;  // checks that compare numbers
  Ledger ledger;
  std::vector<ProjectionRecord> projections;  // in platform order of the file

  const ProjectionRecord* projection(const std::string& platform) const;
  const ScalarRecord* metric(const std::string& name) const;
  // Median of measured/step_seconds (NaN when none).
  double median_step_seconds() const;
};

struct ResultSet {
  std::string path;
  long long schema_version = 0;
  std::map<std::string, std::string> root_strings;  // provenance and experiment attributes
  std::map<std::string, long long> root_integers;
  std::string experiment_name, experiment_yaml, experiment_path, parity_reference;
  double parity_band = 0.10;
  std::vector<PlatformRecord> platforms;     // sorted by name
  std::vector<CellResult> cells;             // in expansion order (attribute `index`)
  std::vector<SummaryRow> summary;           // the /summary table
  std::vector<ParityRow> parity;             // the /parity table
  std::vector<PlanProjection> projections;   // the /projections table (schema 2; empty when absent)
  std::vector<SeedStatRow> seed_statistics;  // the /seed_statistics table (empty when absent)

  std::string root(const std::string& key) const;  // "" when absent
  const PlatformRecord* platform(const std::string& name) const;
  // Platforms of the experiment in the order of the projections (hosts last).
  std::vector<std::string> platform_order() const;
  // Whether `platform` is of kind host: the machine that ran, whose projection is the model's
  // self-check, never a parity target.
  bool is_host(const std::string& platform) const;
  // The platform the cells were measured on: the first of kind host, else the default name "host".
  std::string self_check_platform() const;
};

// Loads a result set. Throws xpb::Error when the file is missing, not HDF5, not a result set, or
// written by a newer major schema version.
ResultSet load_result_set(const std::string& path);

// Ledger enums back from their stored names (unknown names map to `other` / `none`).
OpKind parse_op_kind(const std::string& s);
Collective parse_collective(const std::string& s);

}  // namespace xpb::analysis
