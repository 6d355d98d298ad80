// tests/core/toy_experiment.hpp — an experiment of six toy cells (n = 10, 20, 30 × mode = ok,
// invalid; cell 0 is ok) with its registry, a run header and a way to run one cell: what the
// result-store and journal tests commit.
#pragma once

#include <cstddef>
#include <string>

#include "core/experiment/experiment.hpp"
#include "core/results/result_store.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_workload.hpp"

namespace xpb::test {

struct ToyExperiment {
  Registry reg;
  ExperimentSpec spec;
  explicit ToyExperiment(const std::string& name = "store") {
    register_toy(reg);
    spec = parse_experiment("name: " + name +
                                "\nrepeats: 3\nwarmup: 1\nworkloads:\n  - workload: toy\n"
                                "    params: {n: [10, 20, 30], mode: [ok, invalid]}\n",
                            "store.yaml", reg);
  }
  RunHeader header() const {
    RunHeader h;
    h.spec = &spec;
    h.provenance = collect_provenance("xpubench test");
    h.workloads_built = "toy";
    return h;
  }
  CellRecord run(int i) const { return run_cell(spec.cells.at(std::size_t(i)), reg, {}, Context{}); }
};

}  // namespace xpb::test
