// tests/core/run/test_min_time.cpp — a minimum time per timed repeat (Cell::min_time): a short step
// is called often enough per repeat, its times and values are divided back to one call, training
// cells ignore it, and the result set records what was done (@iterations, @min_time,
// @timed_seconds). Expectations come from what the workloads themselves count and report, never
// from the runner's own bookkeeping.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>

#include <memory>
#include <numeric>

#include "core/results/hdf5_util.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_workload.hpp"
#include "tests/test_support.hpp"

using namespace xpb;
using Catch::Matchers::WithinRel;

namespace {

// Every call reports a made-up time of 1, 2 or 3 ms in turn as its manual_seconds (as a workload
// timing itself does), the same time as a time value and its inverse as a rate; each call's time
// is appended to `log`, so a test knows exactly what each timed repeat was made of.
class Ticks final : public Workload {
 public:
  explicit Ticks(std::shared_ptr<std::vector<double>> log) : m_log(std::move(log)) {}
  void setup(const Params&, Context&) override {}
  StepResult step(Context&) override {
    const double t = double(m_log->size() % 3 + 1) * 1e-3;
    m_log->push_back(t);
    StepResult r;
    r.manual_seconds = t;
    r.value("tick_seconds", t);
    r.value("ticks_per_second", 1.0 / t);
    return r;
  }
  Ledger ledger() const override { return {{"ticks/none", OpKind::vector, DType::fp64, 1, 8}}; }
  Validation validate(Context&) override { return Validation::ok("ticks"); }
  Metrics finish(Context&) override { return {}; }

 private:
  std::shared_ptr<std::vector<double>> m_log;
};

Registry registry_with(const std::shared_ptr<std::vector<double>>& log) {
  Registry reg;
  test::register_toy(reg);
  WorkloadInfo info;
  info.name = "ticks";
  info.summary = "made-up step times";
  info.metrics = {{"tick_seconds", "s", MetricKind::time, "the call's made-up time"},
                  {"ticks_per_second", "1/s", MetricKind::rate, "1 / the call's made-up time"}};
  reg.add(std::move(info), [log] { return std::make_unique<Ticks>(log); });
  return reg;
}

Cell cell_of(const ExperimentSpec& spec, const std::string& workload) {
  for (const auto& c : spec.cells)
    if (c.workload == workload) return c;
  FAIL("no cell of " << workload);
  return {};
}

const std::vector<double>& values(const CellRecord& rec, const std::string& name) {
  for (const auto& [n, v] : rec.step_values)
    if (n == name) return v;
  FAIL("no step value " << name);
  static const std::vector<double> none;
  return none;
}

}  // namespace

TEST_CASE("min_time: a short step is called until each timed repeat lasts the minimum time", "[min_time]") {
  auto log = std::make_shared<std::vector<double>>();
  const Registry reg = registry_with(log);
  const ExperimentSpec spec = parse_experiment(
      "name: mt\nrepeats: 3\nwarmup: 1\nmin_time: 0.05\nworkloads:\n  - workload: toy\n    params: {n: 10}\n",
      "mt.yaml", reg);
  const Cell cell = cell_of(spec, "toy");
  REQUIRE(cell.min_time == 0.05);
  const CellRecord rec = measure_cell(cell, reg, Context{});
  REQUIRE(rec.status == CellStatus::ok);
  REQUIRE(rec.step_seconds.size() == 3);
  // The toy's own count of its step() calls: the warm-up, the calls that found the count, and
  // 3 repeats of `iterations` calls. A toy step sums 10 numbers: far below a millisecond.
  double toy_steps = 0;
  for (const auto& s : rec.metrics.scalars)
    if (s.name == "steps") toy_steps = s.value;
  CHECK(rec.iterations > 100);
  CHECK(toy_steps >= 1 + 3 * double(rec.iterations));
  // Each stored time is one call's: the repeat's time / iterations, so together the timed repeats
  // took iterations × their sum, at least the minimum time (each repeat was sized to last it).
  const double sum = std::accumulate(rec.step_seconds.begin(), rec.step_seconds.end(), 0.0);
  CHECK(double(rec.iterations) * sum >= 0.05);
  CHECK_THAT(rec.timed_seconds, WithinRel(double(rec.iterations) * sum, 1e-9));
  for (double t : rec.step_seconds) CHECK(t < 0.05 / 100);  // per call, not per repeat
  CHECK(rec.min_time == 0.05);
}

TEST_CASE("min_time: times and values are per call: a rate by its harmonic mean", "[min_time]") {
  auto log = std::make_shared<std::vector<double>>();
  const Registry reg = registry_with(log);
  const ExperimentSpec spec = parse_experiment(
      "name: mt\nrepeats: 2\nwarmup: 0\nworkloads:\n  - workload: ticks\n    min_time: 0.02\n", "mt.yaml",
      reg);
  const CellRecord rec = measure_cell(cell_of(spec, "ticks"), reg, Context{});
  REQUIRE(rec.status == CellStatus::ok);
  const std::int64_t n = rec.iterations;
  REQUIRE(n > 1);
  REQUIRE(log->size() >= std::size_t(2 * n));
  // The last 2n calls are the two timed repeats, in order.
  const std::size_t first = log->size() - std::size_t(2 * n);
  for (std::size_t r = 0; r < 2; ++r) {
    const auto b = log->begin() + std::ptrdiff_t(first + r * std::size_t(n));
    const double total = std::accumulate(b, b + n, 0.0);
    // The count was sized on other calls of the 1, 2, 3 ms rotation: n consecutive calls differ
    // from those by at most one call's spread (3 ms - 1 ms).
    CHECK(total >= 0.02 - 0.002);
    CHECK_THAT(rec.step_seconds[r], WithinRel(total / double(n), 1e-12));
    CHECK_THAT(values(rec, "tick_seconds")[r], WithinRel(total / double(n), 1e-12));
    // n calls / the time they took; the mean of the rates would be larger (1, 2, 3 ms differ).
    CHECK_THAT(values(rec, "ticks_per_second")[r], WithinRel(double(n) / total, 1e-12));
  }
}

TEST_CASE("min_time: without it one call per repeat; training cells ignore it", "[min_time]") {
  auto log = std::make_shared<std::vector<double>>();
  const Registry reg = registry_with(log);
  const ExperimentSpec spec = parse_experiment(
      "name: mt\nrepeats: 4\nwarmup: 1\nworkloads:\n  - workload: ticks\n"
      "  - workload: toy\n    params: {mode: train}\n    min_time: 0.05\n",
      "mt.yaml", reg);
  const CellRecord plain = measure_cell(cell_of(spec, "ticks"), reg, Context{});
  CHECK(plain.iterations == 1);
  CHECK(plain.min_time == 0);
  CHECK(log->size() == 5);  // one warm-up and four timed calls
  const CellRecord train = measure_cell(cell_of(spec, "toy"), reg, Context{});
  REQUIRE(train.status == CellStatus::ok);
  CHECK(train.iterations == 1);
  CHECK(train.min_time == 0);
  CHECK(train.step_seconds.size() == 7);  // the toy's planned steps, each its own
}

TEST_CASE("min_time: the result set records iterations, min_time and the time timed", "[min_time]") {
  auto log = std::make_shared<std::vector<double>>();
  const Registry reg = registry_with(log);
  const ExperimentSpec spec = parse_experiment(
      "name: mt\nrepeats: 2\nwarmup: 0\nmin_time: 0.01\nworkloads:\n  - workload: ticks\n", "mt.yaml", reg);
  const test::TempDir dir;
  const std::string out = dir.file("mt.h5");
  RunOptions opt;
  opt.output = out;
  opt.force = true;
  REQUIRE(run_experiment(spec, reg, opt).ok == 1);
  const hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t g = H5Gopen2(f, ("/cells/" + spec.cells.at(0).id).c_str(), H5P_DEFAULT);
  REQUIRE(g >= 0);
  const auto iterations = h5::read_attr_int(g, "iterations");
  const auto min_time = h5::read_attr_double(g, "min_time");
  const auto timed = h5::read_attr_double(g, "timed_seconds");
  H5Gclose(g);
  H5Fclose(f);
  REQUIRE(iterations);
  REQUIRE(min_time);
  REQUIRE(timed);
  CHECK(*iterations > 1);
  CHECK(*min_time == 0.01);
  // The made-up times of the last 2 × iterations calls, summed here.
  const double made_up = std::accumulate(log->end() - 2 * *iterations, log->end(), 0.0);
  CHECK_THAT(*timed, WithinRel(made_up, 1e-12));
}
