// core/plugin/metrics.hpp — what a workload reports besides its timings.
// Every number a workload emits by name (a per-step value, a scalar at the end) is declared once
// in its WorkloadInfo as a MetricSpec: unit, kind, doc, and whether it is a headline figure. The
// runner takes units and docs from there and refuses names that are not declared; nothing is
// inferred from a name. Also: series (loss per step, held-out loss per evaluation), named arrays
// (an exported reference step) and string attributes (a corpus SHA-256). Nothing here knows HDF5.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpb {

// What a metric measures. The runner derives the communication and wait shares of a step from
// the comm_time and wait_time metrics; a comparison of two runs treats every kind but quantity
// and projected as a timing of this machine.
enum class MetricKind {
  quantity,   // computed by the workload, the same on every run (loss, accuracy, counts)
  time,       // a duration measured on this machine (a kernel's time)
  comm_time,  // seconds of a step spent exchanging data with other ranks
  wait_time,  // seconds of a step spent waiting for the slowest rank before an exchange
  rate,       // per second, derived from a measured time (GB/s, GFLOP/s, tokens/s)
  share,      // a fraction of measured time (communication share of a step)
  projected,  // from the performance model, not measured
};
std::string_view to_string(MetricKind k);

// One declared metric. `name` may hold placeholders in braces, each standing for one name part
// of letters, digits and underscores: "heldout_acc_{level}" declares heldout_acc_basic, ...
struct MetricSpec {
  std::string name;
  std::string unit;  // "" for dimensionless
  MetricKind kind = MetricKind::quantity;
  std::string doc;
  bool headline = false;  // shown per cell in `run`'s table and in the report
};

// Whether `name` is an instance of the declared `pattern` (see MetricSpec::name).
bool metric_name_matches(const std::string& pattern, const std::string& name);
// The first spec whose name matches `name`, or nullptr.
const MetricSpec* find_metric(const std::vector<MetricSpec>& specs, const std::string& name);
// Why a spec is inconsistent ("" when it is not): a time kind needs a time unit (s, ms, us, ns),
// a rate a unit per second, a quantity neither.
std::string metric_spec_problem(const MetricSpec& spec);

struct Scalar {
  std::string name;
  double value = 0;
  std::string unit;  // "" for dimensionless
  std::string doc;
  MetricKind kind = MetricKind::quantity;  // filled in from the MetricSpec by the runner
};

struct Series {
  std::string name;           // e.g. "loss", "eval_loss"
  std::string unit;
  std::vector<double> values;
  std::vector<double> index;  // x values (e.g. step numbers); empty means 0..n-1
};

struct NamedArray {
  std::string name;                 // may contain '/', e.g. "reference/grad/wte"
  std::vector<std::size_t> shape;   // row-major
  std::vector<double> data;         // float32 values widen exactly
  std::string dtype = "float64";    // dtype the values had in the workload
};

struct Metrics {
  std::vector<Scalar> scalars;
  std::vector<Series> series;
  std::vector<NamedArray> arrays;
  std::vector<std::pair<std::string, std::string>> attributes;

  // A declared scalar; the runner fills in its unit and doc from the MetricSpec.
  void scalar(std::string name, double v) { scalars.push_back({std::move(name), v, {}, {}}); }
  void attribute(std::string name, std::string v) {
    attributes.emplace_back(std::move(name), std::move(v));
  }
};

// What one call of Workload::step reports.
struct StepResult {
  // Values recorded per step, appended to the series of the same name (e.g. {"loss", 5.2}). Each
  // name is declared in WorkloadInfo::metrics, which gives its unit and kind.
  std::vector<std::pair<std::string, double>> values;
  // When > 0 the runner stores this instead of its own wall-clock (e.g. an MPI collective timed
  // with MPI_Wtime, or a device event time).
  double manual_seconds = -1;

  void value(std::string name, double v) { values.emplace_back(std::move(name), v); }
};

struct Validation {
  bool passed = true;
  std::string reason;  // why it failed, or what was checked
  // Only for checks that compare numbers with a reference: the worst relative error seen and the
  // one allowed. Other checks (a loss that falls, a count in range) leave them empty and say what
  // they saw in `reason` and in their metrics.
  std::optional<double> max_rel_err, tolerance;
  static Validation ok(std::string what) { return {true, std::move(what), {}, {}}; }
  static Validation ok(std::string what, double err, double tol) { return {true, std::move(what), err, tol}; }
  static Validation fail(std::string why) { return {false, std::move(why), {}, {}}; }
  static Validation fail(std::string why, double err, double tol) { return {false, std::move(why), err, tol}; }
};

}  // namespace xpb
