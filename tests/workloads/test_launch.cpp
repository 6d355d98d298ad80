// tests/workloads/test_launch.cpp — the `launch` micro-benchmark: a per-launch time in a sane
// range and a ledger of `launches` work-free kernels (what `xpubench calibrate` divides by).
#include <catch2/catch_test_macros.hpp>
#include <cstdint>

#include "tests/workloads/micro_harness.hpp"

using namespace xpb;

TEST_CASE("launch workload measures a per-launch time", "[launch][workload]") {
  for (bool fence_each : {true, false}) {
    INFO("fence_each=" << fence_each);
    const auto r =
        test::run_micro("launch", {{"launches", std::int64_t(50)}, {"fence_each", fence_each}}, 3);
    INFO(r.validation.reason);
    CHECK(r.validation.passed);
    REQUIRE(r.ledger.size() == 1);
    CHECK(r.ledger[0].count == 50);
    CHECK(r.ledger[0].flops == 0);
    CHECK(r.ledger[0].bytes == 0);
    CHECK(r.ledger[0].name == "launch/empty");
    const Scalar* us = test::find_scalar(r.metrics, "launch_us");
    REQUIRE(us != nullptr);
    CHECK(us->value > 0);
    CHECK(us->value < 1e5);  // microseconds: generous, as the test host may be oversubscribed
  }
}
