// tests/core/plugin/test_metrics.cpp — declared metrics: name patterns, kind/unit consistency, and
// the runner's refusal of a name the workload did not declare.
#include <catch2/catch_test_macros.hpp>

#include <memory>

#include "core/experiment/experiment.hpp"
#include "core/plugin/metrics.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_workload.hpp"

using namespace xpb;

TEST_CASE("a metric pattern's braces stand for one name part", "[core][metrics]") {
  CHECK(metric_name_matches("loss", "loss"));
  CHECK_FALSE(metric_name_matches("loss", "loss2"));
  CHECK_FALSE(metric_name_matches("loss", "los"));
  CHECK(metric_name_matches("heldout_acc_{level}", "heldout_acc_basic"));
  CHECK_FALSE(metric_name_matches("heldout_acc_{level}", "heldout_acc_"));  // a part is not empty
  CHECK_FALSE(metric_name_matches("heldout_acc_{level}", "heldout_loss_basic"));
  CHECK_FALSE(metric_name_matches("{x}_seconds", "copy/x_seconds"));        // only name characters
  CHECK(metric_name_matches("heldout_units_{level}_{kind}", "heldout_units_basic_byte"));
  CHECK(metric_name_matches("heldout_units_{level}_{kind}", "heldout_units_phrase_named_entity"));
  CHECK_FALSE(metric_name_matches("heldout_units_{level}_{kind}", "heldout_units_basic"));
  const std::vector<MetricSpec> specs = {{"a_{x}", "", MetricKind::quantity, "first"},
                                         {"a_b", "s", MetricKind::time, "second"}};
  REQUIRE(find_metric(specs, "a_b") != nullptr);
  CHECK(find_metric(specs, "a_b")->doc == "first");  // the first match wins
  CHECK(find_metric(specs, "b") == nullptr);
}

TEST_CASE("a metric's kind and unit must agree", "[core][metrics]") {
  CHECK(metric_spec_problem({"t", "s", MetricKind::time, ""}).empty());
  CHECK(metric_spec_problem({"t", "us", MetricKind::time, ""}).empty());
  CHECK_FALSE(metric_spec_problem({"t", "", MetricKind::time, ""}).empty());
  CHECK_FALSE(metric_spec_problem({"c", "GB/s", MetricKind::comm_time, ""}).empty());
  CHECK(metric_spec_problem({"r", "GB/s", MetricKind::rate, ""}).empty());
  CHECK_FALSE(metric_spec_problem({"r", "GB", MetricKind::rate, ""}).empty());
  CHECK(metric_spec_problem({"q", "nats", MetricKind::quantity, ""}).empty());
  CHECK_FALSE(metric_spec_problem({"q", "s", MetricKind::quantity, ""}).empty());  // would hide a timing
  CHECK(metric_spec_problem({"p", "s", MetricKind::projected, ""}).empty());
}

TEST_CASE("the runner takes units and docs from the declarations and fails an undeclared name",
          "[core][metrics][runner]") {
  Registry reg;
  test::register_toy(reg);
  const auto spec = parse_experiment("name: m\nrepeats: 2\nwarmup: 0\nworkloads:\n  - workload: toy\n", "m.yaml", reg);
  const CellRecord ok = run_cell(spec.cells[0], reg, {}, Context{});
  REQUIRE(ok.status == CellStatus::ok);
  REQUIRE(ok.step_units.count("value"));
  CHECK(ok.metrics.scalars.at(0).name == "steps");
  CHECK(ok.metrics.scalars.at(0).doc == "steps run");

  // The same workload with its scalar "steps" left undeclared.
  WorkloadInfo info = reg.info("toy");
  info.metrics.pop_back();
  Registry bare;
  bare.add(info, [] { return std::make_unique<test::Toy>(); });
  const CellRecord bad = run_cell(spec.cells[0], bare, {}, Context{});
  CHECK(bad.status == CellStatus::failed);
  CHECK(bad.reason.find("undeclared metric 'steps'") != std::string::npos);
}

TEST_CASE("the communication share comes from the declared kind, not the name", "[core][metrics][runner]") {
  Registry toy;
  test::register_toy(toy);
  WorkloadInfo info = toy.info("toy");
  info.metrics.at(0) = {"value", "s", MetricKind::comm_time, "pretend exchange time"};  // not *_seconds
  Registry reg;
  reg.add(info, [] { return std::make_unique<test::Toy>(); });
  const auto spec = parse_experiment("name: c\nrepeats: 3\nwarmup: 0\nworkloads:\n  - workload: toy\n", "c.yaml", reg);
  const CellRecord rec = run_cell(spec.cells[0], reg, {}, Context{});
  REQUIRE(rec.status == CellStatus::ok);
  double comm = 0, total = 0;
  for (double v : rec.step_values.at(0).second) comm += v;
  for (double t : rec.step_seconds) total += t;
  const Scalar* share = nullptr;
  for (const auto& s : rec.metrics.scalars) {
    CHECK(s.name != "wait_share");  // nothing declared wait_time
    if (s.name == "comm_share") share = &s;
  }
  REQUIRE(share != nullptr);
  CHECK(share->value == comm / total);
  CHECK(share->doc == "measured data exchange (value) over step time, all steps");
  CHECK(rec.step_units.at("value") == "s");
}
