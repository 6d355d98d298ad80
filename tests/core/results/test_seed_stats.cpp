// tests/core/results/test_seed_stats.cpp — statistics over seeds: Student's t, grouping, the
// stored /seed_statistics table, and the experiment's `seeds:` lists.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <map>
#include <set>

#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/seed_stats.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_workload.hpp"
#include "tests/test_support.hpp"

using namespace xpb;

namespace {

SummaryRow metric_row(const std::string& cell, const std::string& params, double value,
                      CellStatus status = CellStatus::ok) {
  SummaryRow r = describe({value});
  r.cell = cell, r.workload = "w", r.params = params, r.kind = "metric", r.metric = "acc", r.status = status;
  return r;
}

Registry toy_registry() {
  Registry r;
  test::register_toy(r);
  return r;
}

}  // namespace

TEST_CASE("student_t95 gives the tabulated two-sided 95% points", "[core][seed_stats]") {
  // Values of t(0.975, df) from printed tables (e.g. Fisher & Yates; NIST e-Handbook 1.3.6.7.2),
  // not from the code under test: the table below 30 and the expansion above it.
  CHECK(student_t95(1) == Catch::Approx(12.706).margin(5e-4));
  CHECK(student_t95(4) == Catch::Approx(2.776).margin(5e-4));
  CHECK(student_t95(9) == Catch::Approx(2.262).margin(5e-4));
  CHECK(student_t95(30) == Catch::Approx(2.042).margin(5e-4));
  CHECK(student_t95(40) == Catch::Approx(2.021).margin(5e-4));
  CHECK(student_t95(60) == Catch::Approx(2.000).margin(5e-4));
  CHECK(student_t95(120) == Catch::Approx(1.980).margin(5e-4));
  CHECK(student_t95(100000) == Catch::Approx(1.960).margin(5e-4));
  CHECK(std::isnan(student_t95(0)));
}

TEST_CASE("seed statistics: mean, sample sd and the t interval per group", "[core][seed_stats]") {
  // Four seeds of one configuration: 1, 2, 3, 4 → mean 2.5, sd √(5/3), half-width 3.182·sd/2.
  const std::vector<SummaryRow> rows = {
      metric_row("c1", "{\"n\":1}", 1),
      metric_row("c2", "{\"n\":1}", 2),
      metric_row("c3", "{\"n\":1}", 3),
      metric_row("c4", "{\"n\":1}", 4),
      metric_row("c5", "{\"n\":2}", 9),                        // alone in its group: no statistics
      metric_row("c6", "{\"n\":1}", 100, CellStatus::failed),  // a failed cell does not enter
  };
  const std::map<std::string, std::uint64_t> seeds = {{"c1", 11}, {"c2", 12}, {"c3", 13},
                                                      {"c4", 14}, {"c5", 11}, {"c6", 15}};
  const auto stats = seed_statistics(rows, seeds);
  REQUIRE(stats.size() == 1);
  const SeedStatRow& s = stats[0];
  CHECK(s.n == 4);
  CHECK(s.mean == Catch::Approx(2.5));
  CHECK(s.sd == Catch::Approx(std::sqrt(5.0 / 3.0)));
  CHECK(s.ci95_high - s.mean == Catch::Approx(3.182 * std::sqrt(5.0 / 3.0) / 2.0));
  CHECK(s.mean - s.ci95_low == Catch::Approx(s.ci95_high - s.mean));
  CHECK(s.min == 1);
  CHECK(s.max == 4);
  CHECK(s.seeds == "11,12,13,14");
  CHECK(s.cells == "c1,c2,c3,c4");
  CHECK(s.group == seed_group_id("w", "{\"n\":1}"));
  CHECK(s.group != seed_group_id("w", "{\"n\":2}"));
}

TEST_CASE("seeds: lists expand every entry once per seed, outermost", "[core][seed_stats][experiment]") {
  const Registry r = toy_registry();
  const auto spec = parse_experiment(R"(
name: t
seeds: [5, 6, 7]
workloads:
  - workload: toy
    params: {n: [1, 2]}
  - workload: toy
    seeds: [9]
    params: {n: 3}
)",
                                     "exp.yaml", r);
  REQUIRE(spec.cells.size() == 7);
  CHECK(spec.seed == 5);
  CHECK(spec.seeds == std::vector<std::uint64_t>{5, 6, 7});
  CHECK(spec.cells[0].seed == 5);
  CHECK(spec.cells[1].seed == 5);
  CHECK(spec.cells[1].params.get_int("n") == 2);
  CHECK(spec.cells[2].seed == 6);
  CHECK(spec.cells[5].seed == 7);
  CHECK(spec.cells[6].seed == 9);
  CHECK(spec.cells[0].id != spec.cells[2].id);  // the seed is part of the cell's identity
  CHECK(spec.cells[0].id == cell_id("toy", spec.cells[0].params, 5));
}

TEST_CASE("seeds: lists are checked where they are written", "[core][seed_stats][experiment]") {
  const Registry r = toy_registry();
  auto error_of = [&](const std::string& text) -> std::string {
    try {
      parse_experiment(text, "exp.yaml", r);
    } catch (const Error& e) {
      return e.located();
    }
    return "no error";
  };
  const std::string both = error_of("name: t\nseed: 1\nseeds: [1, 2]\nworkloads:\n  - workload: toy\n");
  CHECK(both.find("exp.yaml:3") != std::string::npos);
  CHECK(both.find("either seed or seeds") != std::string::npos);
  const std::string twice = error_of("name: t\nseeds:\n  - 1\n  - 2\n  - 1\nworkloads:\n  - workload: toy\n");
  CHECK(twice.find("exp.yaml:5") != std::string::npos);
  CHECK(twice.find("listed twice (first at line 3)") != std::string::npos);
  CHECK(error_of("name: t\nseeds: []\nworkloads:\n  - workload: toy\n").find("seeds") != std::string::npos);
  CHECK(error_of("name: t\nseeds: [-1]\nworkloads:\n  - workload: toy\n").find("seeds") != std::string::npos);
  // The seeds multiply the cell budget like any list.
  try {
    parse_experiment("name: t\nseeds: [1, 2, 3]\nworkloads:\n  - workload: toy\n    params: {n: [1, 2]}\n",
                     "exp.yaml", r, 5);
    FAIL("6 cells must exceed a limit of 5");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("seeds: 3") != std::string::npos);
  }
}

TEST_CASE("a multi-seed run stores /seed_statistics; a single-seed run does not", "[core][seed_stats]") {
  const Registry reg = toy_registry();
  test::TempDir dir;
  for (const bool multi : {true, false}) {
    const ExperimentSpec spec = parse_experiment(
        std::string("name: s\n") + (multi ? "seeds: [1, 2, 3]\n" : "seed: 1\n") +
            "repeats: 2\nwarmup: 0\nworkloads:\n  - workload: toy\n    params: {n: [10, 20]}\n",
        "s.yaml", reg);
    RunHeader h;
    h.spec = &spec;
    h.provenance = collect_provenance("xpubench test");
    h.workloads_built = "toy";
    const std::string path = dir.file(multi ? "multi.h5" : "single.h5");
    {
      ResultStore store(path, h, false, false);
      for (const auto& c : spec.cells) store.commit(run_cell(c, reg, {}, Context{}));
    }
    h5::Handle f = h5::open_file(path);
    const auto stats = read_seed_statistics(f);
    if (!multi) {
      CHECK(stats.empty());
      continue;
    }
    // Two groups (n = 10, 20), each of three seeds; every row's n is 3.
    std::set<std::string> groups;
    for (const auto& s : stats) {
      groups.insert(s.group);
      CHECK(s.n == 3);
      CHECK(s.seeds == "1,2,3");
      CHECK(s.ci95_low <= s.mean);
      CHECK(s.mean <= s.ci95_high);
    }
    CHECK(groups.size() == 2);
  }
}
