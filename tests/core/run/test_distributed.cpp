// tests/core/run/test_distributed.cpp — the runner's pieces of scale-out that run without a
// launcher: the host share of one rank, and rank 0 absorbing other ranks' one-cell fragments into
// the result set. The gradient fold of data-parallel workloads is tested in
// tests/workloads/test_data_parallel.cpp; the multi-rank behaviour with real `mpirun -n 2`
// processes in tests/mpi/.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/results/hdf5_util.hpp"
#include "core/results/record_journal.hpp"
#include "core/results/result_store.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_workload.hpp"
#include "tests/test_support.hpp"

using namespace xpb;

TEST_CASE("one rank's share of the host divides the cores among ranks", "[core][distributed]") {
  CHECK(host_share(2, 1, 2, 2) == 1.0);   // the whole host, as calibrated
  CHECK(host_share(1, 1, 2, 2) == 0.5);   // one thread of two
  CHECK(host_share(1, 2, 2, 2) == 0.5);   // two ranks, one core each
  CHECK(host_share(1, 4, 2, 2) == 0.25);  // oversubscribed: half a core each
  CHECK(host_share(8, 2, 16, 16) == 0.5);
  CHECK(host_share(4, 1, 2, 2) == 1.0);  // never above the calibrated host
  Platform host = describe_host();
  host.peak[DType::fp32].status = PeakStatus::known;
  host.peak[DType::fp32].flops.present = true;
  host.peak[DType::fp32].flops.value = Range::exact(100e9);
  host.memory_bandwidth.present = true;
  host.memory_bandwidth.value = Range{20e9, 30e9, 40e9};
  CacheStep step;
  step.max_bytes = 1 << 20;
  step.bandwidth.present = true;
  step.bandwidth.value = Range::exact(200e9);
  host.cache_bandwidth = {step};
  const Platform p = host_for_rank(host, 0.25, 4);
  CHECK(p.peak.at(DType::fp32).flops.value.nominal == Catch::Approx(25e9));
  CHECK(p.memory_bandwidth.value.low == Catch::Approx(5e9));
  CHECK(p.memory_bandwidth.value.high == Catch::Approx(10e9));
  REQUIRE(p.cache_bandwidth.size() == 1);  // the caches' bandwidth too, for the same working set
  CHECK(p.cache_bandwidth[0].bandwidth.value.nominal == Catch::Approx(50e9));
  CHECK(p.cache_bandwidth[0].max_bytes == 1 << 20);
  CHECK(p.devices_per_node >= 4);
}

TEST_CASE("rank 0 absorbs fragments into the result set in experiment order", "[core][distributed]") {
  test::TempDir dir;
  Registry reg;
  test::register_toy(reg);
  const ExperimentSpec spec = parse_experiment(
      "name: frag\nrepeats: 2\nwarmup: 0\nworkloads:\n  - workload: toy\n    params: {n: [10, 20, 30, 40]}\n",
      "frag.yaml", reg);
  RunHeader h;
  h.spec = &spec;
  h.provenance = collect_provenance("xpubench test");
  h.workloads_built = "toy";
  auto run = [&](std::size_t i) { return run_cell(spec.cells.at(i), reg, {}, Context{}); };
  const std::string out = dir.file("set.h5");
  {
    ResultStore store(out, h, false, false);
    store.commit(run(2));                                     // rank 0 ran cell 3
    for (std::size_t i : {std::size_t(3), std::size_t(0)}) {  // another rank ran cells 4 and 1
      ResultStore::write_single(fragment_path(out, spec.cells[i].id), h, run(i));
    }
    std::filesystem::create_directories(fragment_dir(out));
    { std::ofstream(fragment_dir(out) + "/x.h5.tmp.123") << "torn"; }  // an interrupted write
    const auto frags = list_fragments(out);
    REQUIRE(frags.size() == 2);  // the other rank's two; rank 0's own cell waits in its journal
    CHECK(count_journal_entries(journal_path(out)) == 1);
    CHECK(store.absorb(frags) == 2);  // cells new to the store
    CHECK(list_fragments(out).empty());
    CHECK_FALSE(std::filesystem::exists(journal_path(out)));  // merged with them
    CHECK(store.done().size() == 3);
    CHECK_FALSE(store.done().count(spec.cells[1].id));
    // Rows follow the experiment's cell order, not the order cells arrived in.
    std::vector<std::string> order;
    for (const auto& r : store.summary())
      if (order.empty() || order.back() != r.cell) order.push_back(r.cell);
    CHECK(order == std::vector<std::string>{spec.cells[0].id, spec.cells[2].id, spec.cells[3].id});
  }  // the writer's lock goes with it: one writer per result set at a time
  // A later opening (resume) sees the absorbed cells in the file itself.
  ResultStore again(out, h, true, false);
  CHECK(again.done().size() == 3);
  h5::Handle f = h5::open_file(out);
  CHECK(h5::children(h5::open_group(f, "cells")).size() == 3);
}
