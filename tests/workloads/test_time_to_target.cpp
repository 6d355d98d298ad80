// tests/workloads/test_time_to_target.cpp — time to target (nn/time_to_target.hpp and the runner's
// seconds_to_target): the step count is the first held-out evaluation at or below the target, the
// seconds are the measured times of the steps before it, and an unreached target reports no count.
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <string>

#include "core/experiment/experiment.hpp"
#include "core/run/runner.hpp"
#include "tests/test_support.hpp"
#include "tests/workloads/workload_harness.hpp"
#include "workloads/gpt/gpt.hpp"
#include "workloads/mlp/mlp.hpp"
#include "workloads/nn/time_to_target.hpp"

using namespace xpb;

namespace {

bool has_scalar(const Metrics& m, const std::string& name) {
  for (const auto& s : m.scalars)
    if (s.name == name) return true;
  return false;
}

CellRecord run_gpt(const test::TempDir& dir, double target) {
  Registry reg;
  workloads::register_gpt(reg);
  const auto spec = parse_experiment(
      "name: ttt\nseed: 3\nworkloads:\n  - workload: gpt\n    params: {corpus: synthetic.txt, steps: 60, "
      "eval_interval: 10, eval_batches: 2, target_loss: " +
          std::to_string(target) + "}\n",
      "ttt.yaml", reg);
  Context ctx;
  ctx.data_dir = dir.path().string();
  return run_cell(spec.cells.at(0), reg, {}, ctx);
}

}  // namespace

TEST_CASE("time to target: the first evaluation at or below the target", "[workloads][time_to_target]") {
  CHECK(nn::first_at_or_below({5.5, 4.0, 3.0, 3.5, 2.0}, 3.0) == 2);  // equal counts, later dips do not
  CHECK(nn::first_at_or_below({5.5, 4.0}, 1.0) == -1);
  CHECK(nn::first_at_or_below({}, 1.0) == -1);
  Metrics off;
  nn::report_time_to_target(off, 0.0, {0, 10}, {5, 1});
  CHECK(off.scalars.empty());  // target 0: off
}

TEST_CASE("time to target: a GPT cell reports the step of the crossing and its measured seconds",
          "[workloads][time_to_target][gpt]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 3000);
  // ln 256 = 5.55 at initialisation; 2.0 below anything 60 steps reach on this corpus.
  const CellRecord never = run_gpt(dir, 2.0);
  REQUIRE(never.status == CellStatus::ok);
  CHECK(test::find_scalar(never.metrics, "target_reached") == 0.0);
  CHECK_FALSE(has_scalar(never.metrics, "steps_to_target"));
  CHECK_FALSE(has_scalar(never.metrics, "seconds_to_target"));

  // A target between the first and the last evaluation: the crossing, found here from the curve.
  const Series* ev = test::find_series(never.metrics, "eval_loss");
  REQUIRE(ev != nullptr);
  REQUIRE(ev->values.size() == 7);  // steps 0, 10, ..., 60
  REQUIRE(ev->values.back() < ev->values.front() - 0.5);
  const double target = std::stod(std::to_string(0.5 * (ev->values.front() + ev->values.back())));
  std::size_t k = 0;
  while (ev->values[k] > target) ++k;
  const CellRecord hit = run_gpt(dir, target);
  REQUIRE(hit.status == CellStatus::ok);
  CHECK(test::find_scalar(hit.metrics, "eval_loss") == -1);  // (a series, not a scalar)
  CHECK(test::find_scalar(hit.metrics, "target_reached") == 1.0);
  const double steps = test::find_scalar(hit.metrics, "steps_to_target");
  CHECK(steps == ev->index[k]);
  REQUIRE(hit.step_seconds.size() == 60);
  double seconds = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(steps); ++i) seconds += hit.step_seconds[i];
  CHECK(test::find_scalar(hit.metrics, "seconds_to_target") == seconds);
}

TEST_CASE("time to target: accuracy rises, so the MLP's target is the first epoch at or above it",
          "[workloads][time_to_target][mlp]") {
  CHECK(nn::first_at_or_above({0.2, 0.5, 0.7, 0.6, 0.9}, 0.7) == 2);
  CHECK(nn::first_at_or_above({0.2, 0.5}, 0.9) == -1);
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 3000);
  auto run = [&](double target) {
    Registry reg;
    workloads::register_mlp(reg);
    const auto spec = parse_experiment(
        "name: ttt\nseed: 3\nworkloads:\n  - workload: mlp\n    params: {corpus: synthetic.txt, epochs: 3, "
        "target_accuracy: " +
            std::to_string(target) + "}\n",
        "ttt.yaml", reg);
    Context ctx;
    ctx.data_dir = dir.path().string();
    return run_cell(spec.cells.at(0), reg, {}, ctx);
  };
  const CellRecord never = run(0.999999);
  REQUIRE(never.status == CellStatus::ok);
  const Series* acc = test::find_series(never.metrics, "eval_accuracy");
  REQUIRE(acc != nullptr);
  REQUIRE(acc->values.size() == 3);
  const std::size_t steps = never.step_seconds.size(), per_epoch = steps / 3;
  REQUIRE(per_epoch * 3 == steps);
  if (acc->values.back() < 0.999999) {
    CHECK(test::find_scalar(never.metrics, "target_reached") == 0.0);
    CHECK_FALSE(has_scalar(never.metrics, "steps_to_target"));
  }
  // A target every epoch reaches: the end of the first epoch; the seconds are those steps' times.
  const CellRecord first = run(1e-6);
  CHECK(test::find_scalar(first.metrics, "target_reached") == 1.0);
  CHECK(test::find_scalar(first.metrics, "steps_to_target") == double(per_epoch));
  double seconds = 0;
  for (std::size_t i = 0; i < per_epoch; ++i) seconds += first.step_seconds[i];
  CHECK(test::find_scalar(first.metrics, "seconds_to_target") == seconds);
  // The last epoch's accuracy as the target: the first epoch that reaches it, read off the curve.
  std::size_t k = 0;
  while (acc->values[k] < acc->values.back()) ++k;
  const CellRecord last = run(acc->values.back());
  CHECK(test::find_scalar(last.metrics, "steps_to_target") == double((k + 1) * per_epoch));
}
