// tests/workloads/test_stream.cpp — the stream workload validates, reports bandwidth, its ledger
// matches BabelStream's byte counts, and its cells record the working set the projector uses.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>

#include "core/experiment/experiment.hpp"
#include "core/platforms/platform.hpp"
#include "core/plugin/registry.hpp"
#include "core/run/runner.hpp"
#include "workloads/nn/for_each.hpp"
#include "workloads/stream/stream.hpp"

using namespace xpb;
using Catch::Approx;

// Both workloads of the folder: handoff runs stream's kernels one chunk per thread, triad on the
// chunk another thread wrote. Each element must still be computed exactly once per kernel. The
// step replay cannot see a triad that leaves elements out (a call maps a onto itself), so
// validation also runs mul and triad once more into arrays filled with a sentinel: an element left
// out, or a chunk done by wrong bounds, fails it (checked by breaking the chunk bounds). n = 1031
// does not split evenly between threads.
TEST_CASE("stream and handoff cells validate for both element types", "[workloads][stream]") {
  Registry reg;
  workloads::register_stream(reg);
  const auto spec = parse_experiment(
      "name: s\nrepeats: 3\nworkloads:\n  - workload: stream\n"
      "    params: {n: [1031, 4096, 100003], dtype: [fp32, fp64]}\n"
      "  - workload: handoff\n"
      "    params: {n: [1031, 100003], dtype: [fp32, fp64]}\n",
      "s.yaml", reg);
  REQUIRE(spec.cells.size() == 10);
  REQUIRE(Kokkos::DefaultExecutionSpace().concurrency() >= 2);  // else no chunk changes thread
  for (const auto& c : spec.cells) {
    const CellRecord r = run_cell(c, reg, {}, Context{});
    INFO(c.label() << ": " << r.reason);
    CHECK(r.status == CellStatus::ok);
    CHECK(r.validation.passed);
    REQUIRE(r.ledger.size() == 5);
    const double n = double(c.params.get_int("n")), s = c.params.get_string("dtype") == "fp32" ? 4 : 8;
    CHECK(r.ledger[0].bytes == 2 * n * s);  // copy
    CHECK(r.ledger[3].bytes == 3 * n * s);  // triad
    CHECK(r.ledger[3].flops == 2 * n);
    CHECK(r.ledger[3].name == c.workload + "/triad");
    bool has_triad_bw = false;
    for (const auto& m : r.metrics.scalars)
      has_triad_bw = has_triad_bw || (m.name == "triad_bandwidth" && m.value > 0);
    CHECK(has_triad_bw);
    REQUIRE(r.step_values.size() == 5);  // one timing series per kernel
    CHECK(r.step_values[0].first == "copy_seconds");
  }
}

// A min_time cell calls step() thousands of times, and the values must stay in range. Were each
// call to shrink a by 0.96 (BabelStream's scalar 0.4), fp32's products a·b in the dot would
// underflow (below 1.2e-38) from a ≈ 1e-19, that is after ln(1e-18) / ln(0.96) ≈ 1,000 calls,
// and a itself would be subnormal after about 2,100: the dot check fails in both.
TEST_CASE("stream validates after thousands of calls, as a min_time cell makes", "[workloads][stream]") {
  Registry reg;
  workloads::register_stream(reg);
  for (const char* dtype : {"fp32", "fp64"}) {
    for (const int calls : {1500, 2300}) {
      const Params params = complete(reg.info("stream").params, {{"n", ParamValue(std::int64_t(1000))},
                                                                 {"dtype", ParamValue(std::string(dtype))}});
      auto w = reg.create("stream");
      Context ctx;
      w->setup(params, ctx);
      for (int k = 0; k < calls; ++k) w->step(ctx);
      const Validation v = w->validate(ctx);
      INFO(dtype << ", " << calls << " calls: " << v.reason);
      CHECK(v.passed);
    }
  }
}

TEST_CASE("for_each_element: the device launch shape visits every element once",
          "[workloads][stream][for_each]") {
  using Exec = Kokkos::DefaultExecutionSpace;
  const int max_team = Kokkos::TeamPolicy<Exec>(1, 1).team_size_max(
      KOKKOS_LAMBDA(const Kokkos::TeamPolicy<Exec>::member_type&){}, Kokkos::ParallelForTag());
  // Lengths around the span edges of the team form (team_size·items elements per team).
  for (const int team : {1, 2, max_team < 256 ? max_team : 256})
    for (const int items : {1, 3, nn::kForEachItems}) {
      const auto run = [&](std::int64_t n, const auto& f) {
        if (items == 1) nn::for_each_element_teams<1>(Exec(), "t/for_each", n, f, team);
        if (items == 3) nn::for_each_element_teams<3>(Exec(), "t/for_each", n, f, team);
        if (items == nn::kForEachItems)
          nn::for_each_element_teams<nn::kForEachItems>(Exec(), "t/for_each", n, f, team);
      };
      const std::int64_t span = std::int64_t(team) * items;
      for (const std::int64_t n :
           {std::int64_t(0), std::int64_t(1), span - 1, span, span + 1, 7 * span + 3}) {
        INFO("team " << team << ", items " << items << ", n " << n);
        Kokkos::View<int*> hits("hits", n + 1);  // one past the end: must stay 0
        run(
            n, KOKKOS_LAMBDA(const std::int64_t i) { Kokkos::atomic_add(&hits(i), int(i % 7) + 1); });
        auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), hits);
        std::int64_t wrong = 0;
        for (std::int64_t i = 0; i <= n; ++i) wrong += h(i) != (i < n ? int(i % 7) + 1 : 0);
        CHECK(wrong == 0);
      }
    }
  // The dispatching form gives the same on whatever backend this is.
  const std::int64_t n = 100003;
  Kokkos::View<double*> y("y", n);
  nn::for_each_element(
      Exec(), "t/for_each", n, KOKKOS_LAMBDA(const std::int64_t i) { y(i) += 0.5 * double(i); });
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), y);
  std::int64_t wrong = 0;
  for (std::int64_t i = 0; i < n; ++i) wrong += h(i) != 0.5 * double(i);
  CHECK(wrong == 0);
}

TEST_CASE("for_each_assign: every element gets its value once, nothing past the end",
          "[workloads][stream][for_each]") {
  using Exec = Kokkos::DefaultExecutionSpace;
  const int max_team = Kokkos::TeamPolicy<Exec>(1, 1).team_size_max(
      KOKKOS_LAMBDA(const Kokkos::TeamPolicy<Exec>::member_type&){}, Kokkos::ParallelForTag());
  // The default team size (a RangePolicy on hosts) and named ones (the team form on any space),
  // lengths around the span edges; dst(n) must stay untouched.
  for (const int team : {nn::kForEachTeam, 1, 2, max_team < 256 ? max_team : 256})
    for (const int items : {1, 3, nn::kForEachItems}) {
      const std::int64_t span = std::int64_t(team) * items;
      for (const std::int64_t n :
           {std::int64_t(0), std::int64_t(1), span - 1, span, span + 1, 7 * span + 3}) {
        INFO("team " << team << ", items " << items << ", n " << n);
        Kokkos::View<double*> src("src", n + 2), dst("dst", n + 1);  // dst(n): one past the end
        auto h0 = Kokkos::create_mirror_view(Kokkos::HostSpace(), src);
        for (std::int64_t i = 0; i < n + 2; ++i) h0(i) = 3.0 * double(i) + 1.0;
        Kokkos::deep_copy(src, h0);
        const auto value = KOKKOS_LAMBDA(const std::int64_t i) { return 2.0 * src(i + 1); };
        if (items == 1) nn::for_each_assign<1>(Exec(), "t/assign", n, dst, value, team);
        if (items == 3) nn::for_each_assign<3>(Exec(), "t/assign", n, dst, value, team);
        if (items == nn::kForEachItems) nn::for_each_assign(Exec(), "t/assign", n, dst, value, team);
        auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), dst);
        std::int64_t wrong = 0;
        for (std::int64_t i = 0; i <= n; ++i)
          wrong += h(i) != (i < n ? 2.0 * (3.0 * double(i + 1) + 1.0) : 0.0);
        CHECK(wrong == 0);
      }
    }
}

// The runner meters what setup() allocates (its working set: the three arrays and a few scalars)
// and the self-check picks the host's cache bandwidth steps around it.
TEST_CASE("a cell records its working set and the host projection uses the cache steps around it",
          "[workloads][stream][runner]") {
  Registry reg;
  workloads::register_stream(reg);
  const auto spec = parse_experiment(
      "name: s\nrepeats: 2\nworkloads:\n  - workload: stream\n    params: {n: 65536, dtype: fp64}\n",
      "s.yaml", reg);
  REQUIRE(spec.cells.size() == 1);
  auto quantity = [](double v) {
    Quantity q;
    q.value = Range::exact(v);
    q.present = true;
    return q;
  };
  Platform host;
  host.name = "host", host.kind = "host";
  for (auto d : kAllDTypes) {
    host.peak[d].status = PeakStatus::known;
    host.peak[d].flops = quantity(1e12);
  }
  host.memory_bandwidth = quantity(1e10);
  Platform cached = host;
  const double arrays = 3 * 65536 * 8.0;  // a, b, c
  // The set lies between the two upper steps, both 40 GB/s, so between them it gets 40 GB/s too
  // (log-log interpolation); the 1 TB/s step below must not be reached.
  cached.cache_bandwidth = {
      {arrays / 4, quantity(1e12)}, {arrays / 2, quantity(4e10)}, {arrays * 1.01, quantity(4e10)}};
  const CellRecord r = run_cell(spec.cells[0], reg, {host, cached}, Context{});
  REQUIRE(r.status == CellStatus::ok);
  // The arrays, and no more than a page of scalars beside them.
  CHECK(r.working_set_bytes >= arrays);
  CHECK(r.working_set_bytes <= arrays + 4096);
  REQUIRE(r.projections.size() == 2);
  REQUIRE(r.projections[0].ok);
  REQUIRE(r.projections[1].ok);
  // Every kernel is memory-bound at these peaks: the step's memory time is bytes / bandwidth.
  const double bytes = total_bytes(r.ledger);
  CHECK(r.projections[0].memory_seconds.nominal == Approx(bytes / 1e10));
  CHECK(r.projections[1].memory_seconds.nominal == Approx(bytes / 4e10));  // the 0.5x to 1.01x steps
}
