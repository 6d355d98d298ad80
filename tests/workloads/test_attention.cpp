// tests/workloads/test_attention.cpp — the `attention` micro-benchmark: forward against a double
// reference and backward against finite differences (its own validation, which must pass here
// and must fail on a corrupted result), the ledger, and Serial/OpenMP bit-equality of the layer.
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <cstring>
#include <string>

#include "tests/workloads/micro_harness.hpp"
#include "workloads/nn/attention.hpp"

using namespace xpb;

TEST_CASE("attention workload validates, causal and not, fp32 and fp64", "[attention][workload]") {
  for (bool causal : {true, false}) {
    for (const char* dtype : {"fp32", "fp64"}) {
      INFO("causal=" << causal << " dtype=" << dtype);
      const auto r = test::run_micro("attention", {{"batch", std::int64_t(2)},
                                                   {"seq", std::int64_t(24)},
                                                   {"heads", std::int64_t(3)},
                                                   {"head_dim", std::int64_t(8)},
                                                   {"causal", causal},
                                                   {"dtype", std::string(dtype)}});
      CHECK(r.validation.passed);
      INFO(r.validation.reason);
      CHECK(r.validation.max_rel_err <= r.validation.tolerance);
      REQUIRE(r.ledger.size() == 2);  // the tiled kernels: fwd, bwd
      CHECK(r.ledger[0].name == "attention/attn_fwd");
      CHECK(r.ledger[1].name == "attention/attn_bwd");
      double flops = 0;
      for (const auto& k : r.ledger) flops += k.flops;
      CHECK(flops > 0);
    }
  }
}

TEST_CASE("attention causal ledger charges about half the pairs", "[attention][workload]") {
  auto total = [](bool causal) {
    const auto r = test::run_micro("attention",
                                   {{"seq", std::int64_t(32)},
                                    {"heads", std::int64_t(2)},
                                    {"head_dim", std::int64_t(8)},
                                    {"causal", causal},
                                    {"backward", false}},
                                   1);
    double f = 0;
    for (const auto& k : r.ledger) f += k.flops;
    return f;
  };
  CHECK(total(true) * 2 == total(false));
}

TEST_CASE("attention layer gives the same bits on Serial and OpenMP", "[attention][determinism]") {
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
  nn::AttentionShape s;
  s.B = 2;
  s.T = 33;
  s.H = 2;
  s.C = 16;
  const int N = s.B * s.T;
  auto run = [&](auto space) {
    using Space = decltype(space);
    nn::Matrix<float> qkv("qkv", N, 3 * s.C), out("out", N, s.C), dout("dout", N, s.C),
        dqkv("dqkv", N, 3 * s.C);
    nn::Tensor4<float> att("att", s.B, s.H, s.T, s.T), dsc("dsc", s.B, s.H, s.T, s.T);
    const Rng rng(1, 2);
    for (std::size_t i = 0; i < qkv.span(); ++i) qkv.data()[i] = float(rng.normal(i));
    for (std::size_t i = 0; i < dout.span(); ++i) dout.data()[i] = float(rng.normal(100000 + i));
    nn::attention_forward<Space, float>(space, "test/attn", s, out, att, qkv);
    nn::attention_backward<Space, float>(space, "test/attn", s, dqkv, dsc, dout, qkv, att);
    Kokkos::fence();
    std::vector<float> v(out.data(), out.data() + out.span());
    v.insert(v.end(), dqkv.data(), dqkv.data() + dqkv.span());
    return v;
  };
  const auto a = run(Kokkos::Serial());
  const auto b = run(Kokkos::OpenMP());
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
#else
  SKIP("needs both the Serial and the OpenMP backend");
#endif
}
