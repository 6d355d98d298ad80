// tests/workloads/test_norms.cpp — the `layernorm` and `softmax` micro-benchmarks: their
// validations (double references and finite differences) pass in fp32 and fp64, ledgers are
// memory-bound vector work, and two runs with one seed agree bit for bit.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <string>

#include "core/experiment/experiment.hpp"
#include "core/model/projector.hpp"
#include "core/run/runner.hpp"
#include "tests/workloads/micro_harness.hpp"

using namespace xpb;

TEST_CASE("layernorm workload validates forward and backward", "[layernorm][workload]") {
  for (const char* dtype : {"fp32", "fp64"}) {
    INFO(dtype);
    const auto r = test::run_micro(
        "layernorm",
        {{"rows", std::int64_t(300)}, {"channels", std::int64_t(96)}, {"dtype", std::string(dtype)}});
    INFO(r.validation.reason);
    CHECK(r.validation.passed);
    REQUIRE(r.ledger.size() == 4);  // fwd, zero_grad, bwd, bwd_params
    for (const auto& k : r.ledger) {
      // The row kernels are row normalisation (efficiency.norm); the zeroing and the ordered sum of
      // the partial rows are plain vector work.
      const bool row = k.name == "layernorm/ln_fwd" || k.name == "layernorm/ln_bwd";
      CHECK(k.kind == (row ? OpKind::norm : OpKind::vector));
      CHECK(k.bytes > 0);
    }
    CHECK(r.ledger[0].name == "layernorm/ln_fwd");
    CHECK(r.ledger[2].name == "layernorm/ln_bwd");
  }
}

TEST_CASE("softmax workload validates forward and backward", "[softmax][workload]") {
  for (const char* dtype : {"fp32", "fp64"}) {
    INFO(dtype);
    const auto r = test::run_micro(
        "softmax", {{"rows", std::int64_t(200)}, {"cols", std::int64_t(333)}, {"dtype", std::string(dtype)}});
    INFO(r.validation.reason);
    CHECK(r.validation.passed);
    REQUIRE(r.ledger.size() == 2);
    CHECK(r.ledger[0].name == "softmax/fwd");
    CHECK(r.ledger[1].name == "softmax/bwd");
    // Arithmetic intensity well below any machine balance: memory-bound.
    CHECK(r.ledger[0].flops / r.ledger[0].bytes < 1.0);
  }
}

// The charged ledger takes an exponential as one operation (a special-function unit's); the ledger
// as run counts what exp_fixed does here: 24 operations in float, 34 in double (counted by hand
// from nn/fixed_math.hpp: clamp 2, rounding 3, reduction 4, Horner 2 per degree (7, 12), 2^n 1),
// plus max, x − max, the sum and the scaling.
TEST_CASE("softmax's ledger as run counts exp_fixed's operations", "[softmax][workload]") {
  for (const auto& [dtype, per_element] : {std::pair{"fp32", 3.0 + 24}, std::pair{"fp64", 3.0 + 34}}) {
    INFO(dtype);
    const double N = 40, V = 70;
    const auto r = test::run_micro(
        "softmax", {{"rows", std::int64_t(N)}, {"cols", std::int64_t(V)}, {"dtype", std::string(dtype)}}, 1);
    REQUIRE(r.validation.passed);
    REQUIRE(r.ledger.size() == 2);
    REQUIRE(r.ledger_as_run.size() == 2);
    CHECK(r.ledger[0].flops == 4 * N * V);
    CHECK(r.ledger_as_run[0].flops == per_element * N * V);
    CHECK(r.ledger_as_run[0].bytes == r.ledger[0].bytes);
    CHECK(r.ledger_as_run[1].flops == r.ledger[1].flops);  // backward: no exponential
  }
}

TEST_CASE("forward-only runs charge only forward kernels", "[layernorm][softmax][workload]") {
  const auto ln = test::run_micro(
      "layernorm", {{"rows", std::int64_t(64)}, {"channels", std::int64_t(32)}, {"backward", false}}, 1);
  CHECK(ln.validation.passed);
  CHECK(ln.ledger.size() == 1);
  const auto sm = test::run_micro(
      "softmax", {{"rows", std::int64_t(64)}, {"cols", std::int64_t(32)}, {"backward", false}}, 1);
  CHECK(sm.validation.passed);
  CHECK(sm.ledger.size() == 1);
}

// A cell that charges an accelerator's precision (bf16) while this host computes in fp32: every
// platform is projected from the charged ledger except the host, the model's self-check, which is
// projected from the ledger as run (fp32 bytes), and says so.
TEST_CASE("the self-check projects the ledger as run when the cell charges another precision",
          "[layernorm][softmax][workload][runner]") {
  auto quantity = [](double v) {
    Quantity q;
    q.value = Range::exact(v);
    q.present = true;
    return q;
  };
  Platform host, accel;
  for (Platform* p : {&host, &accel}) {
    for (auto d : kAllDTypes) {
      p->peak[d].status = PeakStatus::known;
      p->peak[d].flops = quantity(1e12);
    }
    p->memory_bandwidth = quantity(1e11);
  }
  host.name = "host", host.kind = "host";
  accel.name = "accel";
  Registry reg;
  workloads::register_micro(reg);
  for (const char* w : {"layernorm", "softmax"}) {
    const std::string size = std::string(w) == "layernorm" ? "channels" : "cols";
    for (const char* precision : {"bf16", "auto"}) {
      INFO(w << ", precision " << precision);
      const auto spec =
          parse_experiment("name: s\nrepeats: 2\nworkloads:\n  - workload: " + std::string(w) +
                               "\n    params: {rows: 64, " + size + ": 1024, precision: " + precision + "}\n",
                           "s.yaml", reg);
      REQUIRE(spec.cells.size() == 1);
      const CellRecord r = run_cell(spec.cells[0], reg, {accel, host}, Context{});
      REQUIRE(r.status == CellStatus::ok);
      REQUIRE(r.projections.size() == 2);
      const Projection& on_accel = r.projections[0];
      const Projection& on_host = r.projections[1];
      CHECK(on_host.self_check);
      if (std::string(precision) == "auto") {
        // Computed as charged: one ledger (softmax keeps its own as run for exp_fixed's
        // operations, below: the same bytes).
        if (std::string(w) == "layernorm") {
          CHECK(r.ledger_as_run.empty());
          CHECK(on_host.ledger_as_run.empty());
        }
        CHECK(on_host.bytes == on_accel.bytes);
        continue;
      }
      REQUIRE_FALSE(r.ledger_as_run.empty());
      // The accelerator is charged bf16 (2 bytes per element); the host moved fp32 (4). The
      // 64 x 1024 elements dominate (per-row statistics and the 1024 parameters are the rest).
      CHECK(on_accel.bytes == total_bytes(r.ledger));
      CHECK(on_host.bytes == total_bytes(r.ledger_as_run));
      CHECK(on_host.bytes / on_accel.bytes > 1.8);
      CHECK(on_host.bytes / on_accel.bytes <= 2.0);
      CHECK(on_host.ledger_as_run.find("as this host ran it") != std::string::npos);
      CHECK(on_accel.ledger_as_run.empty());
      // The achieved bandwidth counts the bytes this host moved.
      double gbps = 0;
      for (const auto& m : r.metrics.scalars)
        if (m.name == "achieved_gbps") gbps = m.value;
      const double med = describe(r.step_seconds).median;
      CHECK(gbps == Catch::Approx(total_bytes(r.ledger_as_run) / med / 1e9));
    }
  }
}
