// tests/core/test_distributed.cpp — the pieces of scale-out that run without a launcher: the
// canonical gradient fold on a group of one, rank counts for micro-batches, the host share of one
// rank, and rank 0 absorbing other ranks' one-cell fragments into the result set.
// The multi-rank behaviour is tested with real `mpirun -n 2` processes in tests/mpi/.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/results/hdf5_util.hpp"
#include "core/results/result_store.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_workload.hpp"
#include "tests/test_support.hpp"
#include "workloads/nn/data_parallel.hpp"

using namespace xpb;

TEST_CASE("ranks_for picks the largest divisor of the micro-batches within the world", "[core][distributed]") {
  CHECK(nn::ranks_for(1, 8) == 1);
  CHECK(nn::ranks_for(4, 2) == 2);
  CHECK(nn::ranks_for(4, 3) == 2);
  CHECK(nn::ranks_for(6, 4) == 3);
  CHECK(nn::ranks_for(8, 16) == 8);
  CHECK(nn::ranks_for(7, 4) == 1);
}

TEST_CASE("the gradient reducer folds micro-batches left to right from zero in fp32", "[core][distributed]") {
  const std::int64_t n = 1000;
  const int M = 3;
  nn::GradientReducer<float> red(mpi::Group(), n, M);
  REQUIRE(red.rounds() == M);
  std::vector<std::vector<float>> g(M, std::vector<float>(n));
  for (int m = 0; m < M; ++m)
    for (std::int64_t i = 0; i < n; ++i)  // (small + 1) − 1 loses the small part's low bits
      g[m][i] = m == 0 ? float((i * 37) % 101 + 1) * 1.37e-4f : (m == 1 ? 1.0f : -1.0f);
  Kokkos::View<float*> grads("grads", n);
  auto h = Kokkos::create_mirror_view(grads);
  for (int j = 0; j < M; ++j) {
    REQUIRE(red.micro_batch(j) == j);
    for (std::int64_t i = 0; i < n; ++i) h(i) = g[j][i];
    Kokkos::deep_copy(grads, h);
    red.add(grads, j);
  }
  red.finish(grads);
  Kokkos::deep_copy(h, grads);
  std::int64_t exact = 0, differs_from_other_order = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float want = ((0.f + g[0][i]) + g[1][i]) + g[2][i];
    const float other = g[0][i] + (g[1][i] + g[2][i]);
    exact += h(i) == want;
    differs_from_other_order += want != other;
  }
  CHECK(exact == n);
  CHECK(differs_from_other_order > 0);  // the order matters for these numbers, so this test can fail
  CHECK(red.comm_seconds() >= 0);
  const Ledger l = red.ledger();
  REQUIRE(l.size() == 1);  // one rank: the fold only, no collective
  CHECK(l[0].name == "dp/accumulate");
  CHECK(l[0].count == M);  // one pass per micro-batch
}

TEST_CASE("one micro-batch leaves the gradient where backward wrote it", "[core][distributed]") {
  nn::GradientReducer<double> red(mpi::Group(), 4, 1);
  Kokkos::View<double*> grads("grads", 4);
  Kokkos::deep_copy(grads, -0.0);
  red.add(grads, 0);
  red.finish(grads);
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), grads);
  CHECK(std::signbit(h(0)));
  CHECK(red.ledger().empty());
}

TEST_CASE("one rank's share of the host divides the cores among ranks", "[core][distributed]") {
  CHECK(host_share(2, 1, 2, 2) == 1.0);           // the whole host, as calibrated
  CHECK(host_share(1, 1, 2, 2) == 0.5);           // one thread of two
  CHECK(host_share(1, 2, 2, 2) == 0.5);           // two ranks, one core each
  CHECK(host_share(1, 4, 2, 2) == 0.25);          // oversubscribed: half a core each
  CHECK(host_share(8, 2, 16, 16) == 0.5);
  CHECK(host_share(4, 1, 2, 2) == 1.0);           // never above the calibrated host
  Platform host = describe_host();
  host.peak[DType::fp32].status = PeakStatus::known;
  host.peak[DType::fp32].flops.present = true;
  host.peak[DType::fp32].flops.value = Range::exact(100e9);
  host.memory_bandwidth.present = true;
  host.memory_bandwidth.value = Range{20e9, 30e9, 40e9};
  const Platform p = host_for_rank(host, 0.25, 4);
  CHECK(p.peak.at(DType::fp32).flops.value.nominal == Catch::Approx(25e9));
  CHECK(p.memory_bandwidth.value.low == Catch::Approx(5e9));
  CHECK(p.memory_bandwidth.value.high == Catch::Approx(10e9));
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
  ResultStore store(out, h, false, false);
  store.commit(run(2));  // rank 0 ran cell 3
  for (std::size_t i : {std::size_t(3), std::size_t(0)}) {  // another rank ran cells 4 and 1
    ResultStore::write_single(fragment_path(out, spec.cells[i].id), h, run(i));
  }
  std::filesystem::create_directories(fragment_dir(out));
  { std::ofstream(fragment_dir(out) + "/x.h5.tmp.123") << "torn"; }  // an interrupted write
  const auto frags = list_fragments(out);
  REQUIRE(frags.size() == 2);
  CHECK(store.absorb(frags) == 2);
  CHECK(list_fragments(out).empty());
  CHECK(store.done().size() == 3);
  CHECK_FALSE(store.done().count(spec.cells[1].id));
  // Rows follow the experiment's cell order, not the order cells arrived in.
  std::vector<std::string> order;
  for (const auto& r : store.summary())
    if (order.empty() || order.back() != r.cell) order.push_back(r.cell);
  CHECK(order == std::vector<std::string>{spec.cells[0].id, spec.cells[2].id, spec.cells[3].id});
  // A later opening (resume) sees the absorbed cells in the file itself.
  ResultStore again(out, h, true, false);
  CHECK(again.done().size() == 3);
  h5::Handle f = h5::open_file(out);
  CHECK(h5::children(h5::open_group(f, "cells")).size() == 3);
}
