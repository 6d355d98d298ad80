// tests/workloads/test_stream.cpp — the stream workload validates, reports bandwidth, and its
// ledger matches BabelStream's byte counts.
#include <catch2/catch_test_macros.hpp>

#include "core/experiment/experiment.hpp"
#include "core/run/runner.hpp"
#include "workloads/stream/stream.hpp"

using namespace xpb;

TEST_CASE("stream cells validate for both element types", "[workloads][stream]") {
  Registry reg;
  workloads::register_stream(reg);
  const auto spec = parse_experiment("name: s\nrepeats: 3\nworkloads:\n  - workload: stream\n"
                                     "    params: {n: [4096, 100003], dtype: [fp32, fp64]}\n", "s.yaml", reg);
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
    bool has_triad_bw = false;
    for (const auto& m : r.metrics.scalars) has_triad_bw = has_triad_bw || (m.name == "triad_bandwidth" && m.value > 0);
    CHECK(has_triad_bw);
    REQUIRE(r.step_values.size() == 5);  // one timing series per kernel
    CHECK(r.step_values[0].first == "copy_seconds");
  }
}
