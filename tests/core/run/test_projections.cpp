// tests/core/run/test_projections.cpp — an experiment's `projections:` section: strict parsing, and a
// run that stores one /projections row per platform and size with ordered intervals and the joint
// ratio to the parity reference (exactly 1 against itself, sample by sample).
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include "core/base/error.hpp"
#include "core/experiment/experiment.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/run/projections.hpp"
#include "core/run/runner.hpp"
#include "tests/test_support.hpp"

using Catch::Approx;

namespace {
const char* kExperiment = R"(name: proj
seed: 7
platforms: [nvidia-h20, nvidia-a100-sxm-80gb]
parity: {reference: nvidia-h20, band: 0.1}
projections:
  - model: narayanan-1.7b
    devices: [32, 64]
    global_batch: 512
    tokens: 1e11
)";
}  // namespace

TEST_CASE("projections: the section parses strictly", "[projections]") {
  xpb::Registry reg;
  const auto spec = xpb::parse_experiment(kExperiment, "p.yaml", reg);
  REQUIRE(spec.projections.size() == 1);
  CHECK(spec.projections[0].devices == std::vector<int>{32, 64});
  CHECK(spec.projections[0].global_batch == 512);
  CHECK(spec.cells.empty());  // projections only: no workloads needed
  CHECK_THROWS_AS(xpb::parse_experiment(std::string(kExperiment) + "    plna: tp=1\n", "p.yaml", reg), xpb::Error);
  CHECK_THROWS_AS(xpb::parse_experiment("name: p\nprojections:\n  - model: x\n", "p.yaml", reg), xpb::Error);
}

TEST_CASE("projections: a run stores one row per platform and size", "[projections]") {
  xpb::Registry reg;
  const auto spec = xpb::parse_experiment(kExperiment, xpb::test::source_path("p.yaml"), reg);
  const auto rows = xpb::project_training_plans(spec, xpb::resolve_experiment_platforms(spec));
  REQUIRE(rows.size() == 4);
  for (const auto& r : rows) {
    INFO(r.platform << " x " << r.devices << ": " << r.reason);
    REQUIRE(r.status == xpb::CellStatus::ok);
    CHECK(r.step_p5 <= r.step_median);
    CHECK(r.step_median <= r.step_p95);
    CHECK(r.step_envelope_low <= r.step_p5);
    CHECK(r.mfu_median > 0);
    CHECK(r.mfu_median < 1);
    CHECK(r.days_median == Approx(r.step_median * 1e11 / (512.0 * 2048) / 86400));
    CHECK(r.samples == 1000);
    CHECK(r.seed == 7);
    if (r.platform == "nvidia-h20") {
      CHECK(r.ratio_p5 == Approx(1));
      CHECK(r.ratio_p95 == Approx(1));
      CHECK(r.verdict == "parity");
    } else {
      CHECK(r.ratio_median > 1);  // the A100 has twice the H20's BF16 peak
    }
  }
  // Reproducible: the same seed gives the same rows.
  const auto again = xpb::project_training_plans(spec, xpb::resolve_experiment_platforms(spec));
  CHECK(again[1].step_median == rows[1].step_median);
  CHECK(again[1].ratio_p5 == rows[1].ratio_p5);
}

TEST_CASE("projections: the runner writes /projections next to the cells", "[projections]") {
  xpb::Registry reg;
  xpb::test::TempDir tmp;
  const auto spec = xpb::parse_experiment(kExperiment, tmp.file("p.yaml"), reg);
  xpb::RunOptions opt;
  opt.output = tmp.file("p.h5");
  const auto sum = xpb::run_experiment(spec, reg, opt, {});
  CHECK(sum.projections.size() == 4);
  xpb::h5::Handle f = xpb::h5::open_file(opt.output);
  REQUIRE(xpb::h5::exists(f, "projections"));
  const auto t = xpb::h5::read_table(f, "projections");
  CHECK(t.strings.size() == 4);
}
