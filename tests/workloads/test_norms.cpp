// tests/workloads/test_norms.cpp — the `layernorm` and `softmax` micro-benchmarks: their
// validations (double references and finite differences) pass in fp32 and fp64, ledgers are
// memory-bound vector work, and two runs with one seed agree bit for bit.
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <string>

#include "tests/workloads/micro_harness.hpp"

using namespace xpb;

TEST_CASE("layernorm workload validates forward and backward", "[layernorm][workload]") {
  for (const char* dtype : {"fp32", "fp64"}) {
    INFO(dtype);
    const auto r = test::run_micro("layernorm", {{"rows", std::int64_t(300)},
                                                 {"channels", std::int64_t(96)},
                                                 {"dtype", std::string(dtype)}});
    INFO(r.validation.reason);
    CHECK(r.validation.passed);
    REQUIRE(r.ledger.size() == 4);  // fwd, zero_grad, bwd, bwd_params
    for (const auto& k : r.ledger) {
      CHECK(k.kind == OpKind::vector);
      CHECK(k.bytes > 0);
    }
    CHECK(r.ledger[0].name == "layernorm/ln_fwd");
  }
}

TEST_CASE("softmax workload validates forward and backward", "[softmax][workload]") {
  for (const char* dtype : {"fp32", "fp64"}) {
    INFO(dtype);
    const auto r = test::run_micro(
        "softmax",
        {{"rows", std::int64_t(200)}, {"cols", std::int64_t(333)}, {"dtype", std::string(dtype)}});
    INFO(r.validation.reason);
    CHECK(r.validation.passed);
    REQUIRE(r.ledger.size() == 2);
    CHECK(r.ledger[0].name == "softmax/fwd");
    CHECK(r.ledger[1].name == "softmax/bwd");
    // Arithmetic intensity well below any machine balance: memory-bound.
    CHECK(r.ledger[0].flops / r.ledger[0].bytes < 1.0);
  }
}

TEST_CASE("forward-only runs charge only forward kernels", "[layernorm][softmax][workload]") {
  const auto ln = test::run_micro(
      "layernorm",
      {{"rows", std::int64_t(64)}, {"channels", std::int64_t(32)}, {"backward", false}}, 1);
  CHECK(ln.validation.passed);
  CHECK(ln.ledger.size() == 1);
  const auto sm = test::run_micro(
      "softmax", {{"rows", std::int64_t(64)}, {"cols", std::int64_t(32)}, {"backward", false}}, 1);
  CHECK(sm.validation.passed);
  CHECK(sm.ledger.size() == 1);
}
