// tests/workloads/test_metric_declarations.cpp — every compiled-in workload declares every metric
// it emits: its smallest cell runs through the runner (which fails a cell emitting an undeclared
// name) and each emitted name has a spec. A workload added without a smallest cell here fails.
#include <catch2/catch_test_macros.hpp>

#include <map>
#include <string>

#include "core/experiment/experiment.hpp"
#include "core/run/runner.hpp"
#include "tests/test_support.hpp"
#include "tests/workloads/workload_harness.hpp"
#include "workloads/register_all.hpp"

using namespace xpb;

namespace {

// The smallest useful cell of each workload (YAML flow map of its parameters).
const std::map<std::string, std::string> kSmallest = {
    {"allreduce", "{bytes: 64}"},  // one rank: invalid ("needs >= 2 ranks"); tests/mpi runs it on two
    {"attention", "{batch: 1, seq: 8, heads: 2, head_dim: 4}"},
    {"ernie",
     "{corpus: planted, layers: 1, width: 16, heads: 2, context: 16, batch: 8, steps: 2, "
     "eval_every: 1, eval_batches: 1}"},
    {"gemm", "{m: 8, n: 8, k: 8}"},
    {"handoff", "{n: 1024, dtype: fp32}"},
    {"gpt",
     "{corpus: synthetic.txt, layers: 1, width: 8, heads: 1, context: 8, batch: 2, steps: 2, "
     "eval_interval: 1, eval_batches: 1}"},
    {"launch", "{launches: 4}"},
    {"layernorm", "{rows: 4, channels: 8}"},
    {"mlp", "{corpus: synthetic.txt, features: 64, hidden: 4, batch: 16, epochs: 1}"},
    {"softmax", "{rows: 4, cols: 8}"},
    {"stream", "{n: 1024, dtype: fp32}"},
};

}  // namespace

TEST_CASE("every workload declares every metric it emits", "[workloads][metrics]") {
  Registry reg;
  workloads::register_all(reg);
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 600);
  Context ctx;
  ctx.data_dir = ctx.cache_dir = dir.path().string();
  for (const auto& name : reg.names()) {
    INFO("workload " << name);
    const auto it = kSmallest.find(name);
    REQUIRE(it != kSmallest.end());  // give a new workload its smallest cell above
    const std::string yaml = "name: metrics\nrepeats: 2\nwarmup: 0\nworkloads:\n  - workload: " + name +
                             "\n    params: " + it->second + "\n";
    const ExperimentSpec spec = parse_experiment(yaml, "metrics.yaml", reg);
    const CellRecord rec = run_cell(spec.cells.at(0), reg, {}, ctx);
    INFO(rec.reason);
    CHECK(rec.status != CellStatus::failed);  // an undeclared name fails the cell
    // Ran and emitted something (a failed self-check is fine: finish() still reports). On one
    // rank allreduce measures nothing; tests/workloads/allreduce_driver.cpp checks it on two.
    if (name != "allreduce") CHECK_FALSE((rec.step_values.empty() && rec.metrics.scalars.empty()));
    const std::vector<MetricSpec>& specs = reg.info(name).metrics;
    for (const auto& [value, samples] : rec.step_values) CHECK(find_metric(specs, value) != nullptr);
    for (const auto& s : rec.metrics.scalars)
      CHECK((find_metric(specs, s.name) || find_metric(runner_metrics(), s.name)));
    for (const auto& s : specs) CHECK(metric_spec_problem(s).empty());
  }
}
