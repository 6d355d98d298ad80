// tests/workloads/test_ledger_instrumented.cpp — ledgers against what actually runs.
// Kokkos Tools callbacks count kernel launches by label during one step; every ledger kernel must
// have been launched `count` times under its own name, and every kernel launched by the workload
// must be in its ledger (Kokkos' own copies excepted). A step zeroes its buffers with labelled
// kernels (nn::zero_fill), never with Kokkos' unlabelled fill, which no ledger entry could name. FLOP
// formulas are checked per workload elsewhere; this checks that the ledger describes the kernels that really
// run.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <map>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "core/plugin/registry.hpp"
#include "tests/test_support.hpp"
#include "tests/workloads/workload_harness.hpp"
#include "workloads/nn/attention_kernels.hpp"
#include "workloads/nn/layernorm.hpp"
#include "workloads/register_all.hpp"

using namespace xpb;

namespace {

std::map<std::string, int>& launches() {
  static std::map<std::string, int> m;  // test-only: Kokkos Tools callbacks are plain functions
  return m;
}
bool& counting() {
  static bool on = false;
  return on;
}
void on_begin(const char* name, const std::uint32_t, std::uint64_t* id) {
  *id = 0;
  if (counting()) ++launches()[name];
}
void on_end(std::uint64_t) {}

struct Counter {
  Counter() {
    Kokkos::Tools::Experimental::set_begin_parallel_for_callback(on_begin);
    Kokkos::Tools::Experimental::set_begin_parallel_reduce_callback(on_begin);
    Kokkos::Tools::Experimental::set_begin_parallel_scan_callback(on_begin);
    Kokkos::Tools::Experimental::set_end_parallel_for_callback(on_end);
    Kokkos::Tools::Experimental::set_end_parallel_reduce_callback(on_end);
    Kokkos::Tools::Experimental::set_end_parallel_scan_callback(on_end);
  }
  ~Counter() {
    counting() = false;
    Kokkos::Tools::Experimental::set_begin_parallel_for_callback(nullptr);
    Kokkos::Tools::Experimental::set_begin_parallel_reduce_callback(nullptr);
    Kokkos::Tools::Experimental::set_begin_parallel_scan_callback(nullptr);
    Kokkos::Tools::Experimental::set_end_parallel_for_callback(nullptr);
    Kokkos::Tools::Experimental::set_end_parallel_reduce_callback(nullptr);
    Kokkos::Tools::Experimental::set_end_parallel_scan_callback(nullptr);
  }
};

bool kokkos_internal(const std::string& label) { return label.rfind("Kokkos::", 0) == 0 || label.empty(); }

// The kernels `run` launches (Kokkos' own left out), by label, with their launch counts.
template <class F>
std::map<std::string, int> count_launches(const F& run) {
  Counter counter;
  launches().clear();
  counting() = true;
  run();
  Kokkos::fence();
  counting() = false;
  std::map<std::string, int> got;
  for (const auto& [label, n] : launches())
    if (!kokkos_internal(label) && n > 0) got[label] = n;
  return got;
}
std::map<std::string, int> ledger_counts(const Ledger& ledger) {
  std::map<std::string, int> want;
  for (const auto& k : ledger) want[k.name] += static_cast<int>(k.count);
  return want;
}

// Workload `name` set up with `given` (the rest its defaults), seed 1, corpora in ctx.data_dir.
std::unique_ptr<Workload> set_up(const std::string& name, std::map<std::string, ParamValue> given,
                                 Context& ctx) {
  static const Registry reg = [] {
    Registry r;
    workloads::register_all(r);
    return r;
  }();
  auto w = reg.create(name);
  ctx.seed = 1;
  w->setup(complete(reg.info(name).params, std::move(given)), ctx);
  return w;
}

// Runs setup, then one counted step, and compares the counts with the ledger.
void check_one_step(const std::string& workload, const std::map<std::string, ParamValue>& given,
                    const std::string& data_dir = {}) {
  Context ctx;
  ctx.data_dir = data_dir;
  auto w = set_up(workload, given, ctx);
  w->step(ctx);  // warm: first-touch and lazy allocations happen outside the counted step
  auto got = count_launches([&] { w->step(ctx); });
  const Ledger ledger = w->ledger();
  INFO(workload << " " << given.size() << " parameters given");
  // With gemm=vendor the GEMMs are library calls, not Kokkos kernels: no launch to count (their
  // epilogues are kernels, and counted).
  const auto vendor = given.find("gemm");
  const bool library_gemms =
      vendor != given.end() && std::get<std::string>(vendor->second) == std::string("vendor");
  std::map<std::string, double> want;
  for (const auto& k : ledger)
    if (k.kind != OpKind::collective && k.kind != OpKind::transfer &&
        !(library_gemms && k.kind == OpKind::gemm))
      want[k.name] += k.count;
  for (const auto& [name, count] : want) {
    INFO("ledger kernel " << name);
    CHECK(got[name] == static_cast<int>(count));
  }
  for (const auto& [label, n] : got) {
    INFO("launched kernel " << label << " x" << n);
    CHECK(want.count(label) == 1);
  }
  for (const auto& [label, n] : launches()) {
    INFO("unlabelled Kokkos kernel " << label << " x" << n);
    CHECK(label.rfind("Kokkos::ViewFill", 0) != 0);
  }
}

}  // namespace

TEST_CASE("ledger kernels are the kernels launched: micro-benchmarks", "[ledger][instrumented]") {
  check_one_step("stream", {{"n", std::int64_t{4096}}});
  check_one_step("handoff", {{"n", std::int64_t{4096}}});
  check_one_step("gemm", {{"m", std::int64_t{64}}, {"n", std::int64_t{48}}, {"k", std::int64_t{32}}});
  check_one_step("layernorm", {{"rows", std::int64_t{64}}, {"channels", std::int64_t{128}}});
  check_one_step("softmax", {{"rows", std::int64_t{64}}, {"cols", std::int64_t{64}}});
  check_one_step("attention",
                 {{"seq", std::int64_t{32}}, {"heads", std::int64_t{2}}, {"head_dim", std::int64_t{16}}});
}

TEST_CASE("ledger kernels are the kernels launched: one GPT training step", "[ledger][instrumented]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 400);
  for (const char* gemm : {"native", "vendor"})  // vendor: the biases in LABEL_epilogue kernels
    check_one_step("gpt",
                   {{"corpus", std::string("synthetic.txt")},
                    {"steps", std::int64_t{4}},
                    {"gemm", std::string(gemm)},
                    {"eval_interval", std::int64_t{1000}}},
                   dir.path().string());
}

TEST_CASE("ledger kernels are the kernels launched: one ERNIE and one MLP training step",
          "[ledger][instrumented]") {
  test::TempDir dir;
  // The layer norms' dx buffers differ by norm; a ReLU is fused into the GEMMs, a GELU is not; the
  // vendor path runs the GEMM epilogues as kernels of their own (LABEL_epilogue).
  const char* variants[][3] = {{"pre", "relu", "native"},
                               {"post", "relu", "native"},
                               {"pre", "gelu", "vendor"},
                               {"post", "relu", "vendor"}};
  for (const auto& [norm, act, gemm] : variants) {
    INFO("norm " << norm << ", activation " << act << ", gemm " << gemm);
    check_one_step("ernie",
                   {{"corpus", std::string("planted")},
                    {"norm", std::string(norm)},
                    {"activation", std::string(act)},
                    {"gemm", std::string(gemm)},
                    {"layers", std::int64_t{2}},
                    {"width", std::int64_t{16}},
                    {"heads", std::int64_t{2}},
                    {"context", std::int64_t{16}},
                    {"batch", std::int64_t{8}},
                    {"steps", std::int64_t{4}},
                    {"eval_every", std::int64_t{0}}},
                   dir.path().string());
  }
  test::write_synthetic_corpus(dir, "synthetic.txt", 1200);
  for (const char* gemm : {"native", "vendor"})
    check_one_step(
        "mlp",
        {{"corpus", std::string("synthetic.txt")}, {"steps", std::int64_t{4}}, {"gemm", std::string(gemm)}},
        dir.path().string());
}

// What a training step copies from the host (its batch) is in its ledger as transfers, by the
// sizes of the arrays the workloads fill: MLP features B·D floats and B int labels; GPT inputs and
// targets, 2·B·T ints; ERNIE B·T tokens, then the positions and labels of its P targets.
TEST_CASE("training steps' uploads are ledger transfers of their batch's bytes", "[ledger][instrumented]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 1200);
  auto transfers = [&](const std::string& workload, std::map<std::string, ParamValue> given) {
    Context ctx;
    ctx.data_dir = dir.path().string();
    auto w = set_up(workload, std::move(given), ctx);
    std::map<std::string, double> out;
    for (const auto& k : w->ledger())
      if (k.kind == OpKind::transfer) out[k.name] += k.bytes * k.count;
    return out;
  };
  const auto mlp = transfers("mlp", {{"corpus", std::string("synthetic.txt")},
                                     {"features", std::int64_t{256}},
                                     {"batch", std::int64_t{32}}});
  CHECK(mlp.at("mlp/upload_features") == 4.0 * 32 * 256);
  CHECK(mlp.at("mlp/upload_targets") == 4.0 * 32);
  const auto gpt = transfers("gpt", {{"corpus", std::string("synthetic.txt")},
                                     {"batch", std::int64_t{4}},
                                     {"context", std::int64_t{16}},
                                     {"eval_interval", std::int64_t{1000}}});
  CHECK(gpt.at("gpt/upload_tokens") == 4.0 * 2 * 4 * 16);
  const auto ernie = transfers("ernie", {{"corpus", std::string("planted")},
                                         {"batch", std::int64_t{8}},
                                         {"context", std::int64_t{16}},
                                         {"select_prob", 0.25},
                                         {"eval_every", std::int64_t{0}}});
  // P: the expected targets per step, select_prob · B · (T − 1) (the first token is [CLS]).
  CHECK(ernie.at("ernie/upload_tokens") == Catch::Approx(4.0 * (8 * 16 + 2 * 0.25 * 8 * 15)));
}

// The attention backward runs as one kernel on host spaces and as two (NAME_bwd_kv, NAME_bwd_q)
// on devices; the ledger follows the path. Both paths run here, on the host space, under the
// counter. The two-kernel ledger's FLOPs sum to the one-kernel ledger's.
TEST_CASE("ledger kernels are the kernels launched: attention backward, host and device paths",
          "[ledger][instrumented]") {
  using Space = Kokkos::DefaultHostExecutionSpace;
  for (const bool causal : {true, false}) {
    const nn::AttentionShape s{2, 130, 2, 32, causal};
    const int N = s.B * s.T;
    nn::Matrix<float> qkv("qkv", N, 3 * s.C), dout("dout", N, s.C), out("out", N, s.C);
    nn::Matrix<float> lse("lse", s.B * s.H, s.T), dqkv("dqkv", N, 3 * s.C);
    Kokkos::deep_copy(qkv, 0.25f);
    Kokkos::deep_copy(dout, 0.5f);
    nn::flash_attention_forward<Space, float>(Space(), "t/attn", s, out, lse, qkv);
    Kokkos::fence();
    for (const bool teams : {false, true}) {
      INFO((causal ? "causal" : "bidirectional") << (teams ? ", team kernels" : ", host kernels"));
      const auto got = count_launches([&] {
        if (teams)
          nn::detail::flash_attention_backward_teams<Space, float>(Space(), "t/attn", s, dqkv, dout, qkv, out,
                                                                   lse,
                                                                   /*team_size: AUTO*/ 0);
        else
          nn::flash_attention_backward<Space, float>(Space(), "t/attn", s, dqkv, dout, qkv, out, lse);
      });
      const Ledger ledger = nn::flash_attention_backward_cost("t/attn", DType::fp32, s, teams);
      REQUIRE(ledger.size() == (teams ? 2u : 1u));
      CHECK(got == ledger_counts(ledger));
    }
    // The forward is one launch on either path; the device path's query tiles are 16 rows, so it
    // reads K and V 9 times per head (ceil(130 / 16); the causal half of that) where the host's
    // 60-row tiles read them 3 times: 2·N·C·4 bytes per extra read.
    for (const bool teams : {false, true}) {
      INFO((causal ? "causal forward" : "bidirectional forward")
           << (teams ? ", team kernels" : ", host kernels"));
      const auto got = count_launches([&] {
        if (teams)
          nn::detail::flash_attention_forward_teams<Space, float>(Space(), "t/attn", s, out, lse, qkv, 0);
        else
          nn::flash_attention_forward<Space, float>(Space(), "t/attn", s, out, lse, qkv);
      });
      CHECK(got == ledger_counts(nn::flash_attention_forward_cost("t/attn", DType::fp32, s, teams)));
    }
    const double extra_reads = (9 - 3) * (causal ? 0.5 : 1.0);
    CHECK(nn::flash_attention_forward_cost("t/attn", DType::fp32, s, true)[0].bytes -
              nn::flash_attention_forward_cost("t/attn", DType::fp32, s, false)[0].bytes ==
          extra_reads * 2.0 * N * s.C * 4);
    double host = 0, dev = 0;
    for (const auto& k : nn::flash_attention_backward_cost("t/attn", DType::fp32, s, false)) host += k.flops;
    for (const auto& k : nn::flash_attention_backward_cost("t/attn", DType::fp32, s, true)) dev += k.flops;
    CHECK(dev == host);
  }
}

// The layer-norm backward's device path (team kernels: dx, then the partial rows in a launch of
// their own) against the host's row bodies: each ledger lists exactly the launches of its path,
// and the device path's FLOPs are the host's plus x̂ recomputed (2 per element).
TEST_CASE("ledger kernels are the kernels launched: layer-norm backward, host and device paths",
          "[ledger][instrumented][layernorm]") {
  using Space = Kokkos::DefaultHostExecutionSpace;
  const int N = 300, C = 200;  // 10 blocks of 30 rows; C over one team's 128 columns
  nn::Matrix<float> dx("dx", N, C), dy("dy", N, C), x("x", N, C);
  nn::Vec<float> w("w", C), dw("dw", C), db("db", C), mean("mean", N), rstd("rstd", N);
  Kokkos::deep_copy(dy, 0.5f);
  Kokkos::deep_copy(x, 0.25f);
  Kokkos::deep_copy(w, 1.0f);
  Kokkos::deep_copy(rstd, 2.0f);
  nn::Vec<float> part("part", std::size_t(nn::layernorm_blocks(N)) * 2 * C);
  for (const bool teams : {false, true}) {
    INFO((teams ? "team kernels" : "host kernels"));
    const auto got = count_launches([&] {
      nn::rownorm_layernorm_backward<Space, float>(Space(), "t/ln", dx, dw, db, dy, x, w, mean, rstd, part,
                                                   teams);
    });
    const Ledger ledger = nn::layernorm_backward_cost("t/ln", DType::fp32, N, C, teams);
    REQUIRE(ledger.size() == (teams ? 3u : 2u));
    CHECK(got == ledger_counts(ledger));
  }
  double host = 0, dev = 0;
  for (const auto& k : nn::layernorm_backward_cost("t/ln", DType::fp32, N, C, false)) host += k.flops;
  for (const auto& k : nn::layernorm_backward_cost("t/ln", DType::fp32, N, C, true)) dev += k.flops;
  CHECK(dev == host + 2.0 * N * C);
}
