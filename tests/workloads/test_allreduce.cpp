// tests/workloads/test_allreduce.cpp — the `allreduce` micro-benchmark in a one-rank process: the
// cell must be invalid with the reason "needs >= 2 ranks" and carry no bandwidth. The two-rank
// measurement runs under mpirun as the CTest case mpi.allreduce (allreduce_driver.cpp).
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <string>

#include "core/base/mpi.hpp"
#include "tests/workloads/micro_harness.hpp"

using namespace xpb;

TEST_CASE("allreduce on one rank is invalid, with the reason, and no made-up number",
          "[allreduce][workload]") {
  if (mpi::size() > 1) SKIP("running under a multi-rank launcher");
  for (const char* impl : {"ring", "mpi"}) {
    const auto r =
        test::run_micro("allreduce", {{"bytes", std::int64_t(4096)}, {"impl", std::string(impl)}});
    CHECK_FALSE(r.validation.passed);
    CHECK(r.validation.reason.find(">= 2 MPI ranks") != std::string::npos);
    CHECK(test::find_scalar(r.metrics, "busbw") == nullptr);
    for (const auto& s : r.steps) CHECK(s.manual_seconds <= 0);
    REQUIRE(r.ledger.size() == 1);
    CHECK(r.ledger[0].kind == OpKind::collective);
    CHECK(r.ledger[0].collective == Collective::all_reduce);
    CHECK(r.ledger[0].collective_bytes == 4096);
  }
}
