// core/plugin/metrics.hpp — what a workload reports besides its timings.
// Scalars (accuracy, tokens/s), series (loss per step, held-out loss per evaluation), named arrays
// (an exported reference step) and string attributes (a corpus SHA-256). The runner writes all of
// them under the cell's group; nothing here knows HDF5.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace xpb {

struct Scalar {
  std::string name;
  double value = 0;
  std::string unit;  // "" for dimensionless
  std::string doc;
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

  void scalar(std::string name, double v, std::string unit = {}, std::string doc = {}) {
    scalars.push_back({std::move(name), v, std::move(unit), std::move(doc)});
  }
  void attribute(std::string name, std::string v) {
    attributes.emplace_back(std::move(name), std::move(v));
  }
};

// What one call of Workload::step reports.
struct StepResult {
  // Values recorded per step, appended to the series of the same name (e.g. {"loss", 5.2}).
  std::vector<std::pair<std::string, double>> values;
  // When > 0 the runner stores this instead of its own wall-clock (e.g. an MPI collective timed
  // with MPI_Wtime, or a device event time).
  double manual_seconds = -1;
  // Units of the values by name ("s", "GB/s", "nats"); a value without one is dimensionless.
  // Times and timing-derived values must carry a time or per-second unit ("s", "*/s"): the result
  // set marks them as timings from it (core/results/schema.hpp, kind_for_unit).
  std::vector<std::pair<std::string, std::string>> units;

  void value(std::string name, double v, std::string unit = {}) {
    if (!unit.empty()) units.emplace_back(name, std::move(unit));
    values.emplace_back(std::move(name), v);
  }
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
