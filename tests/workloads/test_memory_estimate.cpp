// tests/workloads/test_memory_estimate.cpp — the training workloads' memory estimates (what
// require_memory is given before anything is allocated) against two independent numbers: a hand
// count of the tensors of a small configuration, written out from its shapes below, and the bytes
// the model really allocates, summed by Kokkos Tools allocation callbacks while it is built and
// trains one step (the peak of live bytes). Host-side copies that are not Kokkos views (the MLP's
// staged input rows) are checked by the budget test at the end, not here.
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "core/base/error.hpp"
#include "core/plugin/registry.hpp"
#include "tests/workloads/workload_harness.hpp"
#include "workloads/ernie/encoder.hpp"
#include "workloads/gpt/gpt.hpp"
#include "workloads/gpt/gpt_model.hpp"
#include "workloads/mlp/mlp_model.hpp"
#include "workloads/nn/data_parallel.hpp"

using namespace xpb;

namespace {

// Live and peak bytes of the Kokkos allocations made while a Meter exists. Kokkos' own buffers are
// excepted: they are not the model's. Those are labelled "Kokkos::…", or, in Kokkos 3.4, carry no
// label at all (the OpenMP backend's per-thread team scratch pool, sized by threads × the scratch a
// team policy asks for, which the GPT's attention does); every view the models allocate is named.
struct Bytes {
  double live = 0, peak = 0;
};
Bytes& bytes() {
  static Bytes b;  // test-only: Kokkos Tools callbacks are plain functions
  return b;
}
bool model_label(const char* label) {
  const std::string s(label);
  return s.rfind("Kokkos::", 0) != 0 && s != "[unlabeled]";
}
void on_alloc(const Kokkos_Profiling_SpaceHandle, const char* label, const void*, const std::uint64_t size) {
  if (!model_label(label)) return;
  bytes().live += double(size);
  bytes().peak = std::max(bytes().peak, bytes().live);
}
void on_free(const Kokkos_Profiling_SpaceHandle, const char* label, const void*, const std::uint64_t size) {
  if (model_label(label)) bytes().live -= double(size);
}
struct Meter {
  Meter() {
    bytes() = Bytes{};
    Kokkos::Tools::Experimental::set_allocate_data_callback(on_alloc);
    Kokkos::Tools::Experimental::set_deallocate_data_callback(on_free);
  }
  ~Meter() {
    Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);
    Kokkos::Tools::Experimental::set_deallocate_data_callback(nullptr);
  }
  double peak() const { return bytes().peak; }
};

// The estimate may count transients that are never alive together (a layernorm's partial rows and
// an ordered sum's blocks): it is an upper bound on the peak, by at most this fraction.
constexpr double kTolerance = 0.01;

std::vector<int> ids(std::size_t n, int mod) {
  std::vector<int> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = int((i * 7 + 3) % std::size_t(mod));
  return v;
}

}  // namespace

TEST_CASE("gpt memory estimate: a hand count of the tensors, and what the model allocates", "[gpt][memory]") {
  gpt::GptConfig c;  // V 256, L 2, C 32, H 2
  c.context = 16;
  c.batch = 4;  // N = 64 positions
  // Parameters: wte 256·32 = 8192, wpe 16·32 = 512, lnf 2·32 = 64, and per layer qkvw 96·32 = 3072,
  // qkvb 96, attprojw 1024, attprojb 32, fcw 128·32 = 4096, fcb 128, fcprojw 4096, fcprojb 32,
  // ln1 and ln2 weights and biases 128: 12 704 per layer, 25 408 for two. P = 34 176.
  const double P = 34176;
  REQUIRE(double(gpt::param_count(c)) == P);
  // Floats: params, grads and the two AdamW moments, 4·P = 136 704;
  // per layer 33 152: five (64, 32) = 10 240 (ln1, atty, res1, ln2, res2: the projections write
  // the residual sums), qkv (64, 96) = 6 144, fch and fch_gelu (64, 128) 16 384, four (64)
  // statistics 256, lse (4·2, 16) = 128; two layers 66 304;
  // encoded and lnf (64, 32) 4 096, lnf's statistics 128, logits and probs (64, 256) 32 768,
  // losses 64; backward dres, dln, datty 6 144, dqkv 6 144, dfch and dfch_gelu 16 384.
  const double floats = 136704 + 66304 + 4096 + 128 + 32768 + 64 + 6144 + 6144 + 16384;
  REQUIRE(floats == 268736);
  const double tokens = 2 * 64 * 4;  // inputs, targets (int)
  // Transients of a step: a layernorm backward's partial rows (blocks, 2C) and the blocks of the
  // gradient norm's ordered sum, ⌈34 176 / 4096⌉ = 9 doubles.
  const double partials = double(nn::layernorm_blocks(64)) * 2 * 32 * 4, sums = 9 * 8;
  const double estimate = gpt::model_bytes(c, sizeof(float));
  CHECK(estimate == floats * 4 + tokens + partials + sums);

  Meter meter;
  {
    gpt::GptModel<float> m(c, nn::GemmPath::native);
    m.init(Rng(1, 2));
    m.forward(ids(64, 256), ids(64, 256));
    m.backward();
    m.update(nn::AdamWConfig{}, 1.0, 1);
  }
  INFO("estimate " << estimate << " B, peak allocated " << meter.peak() << " B");
  CHECK(meter.peak() > 0.5 * estimate);  // the callbacks saw the model
  CHECK(estimate >= meter.peak());
  CHECK(estimate <= meter.peak() * (1 + kTolerance));
}

TEST_CASE("mlp memory estimate: a hand count of the tensors, and what the model allocates", "[mlp][memory]") {
  const int D = 64, H = 16, K = 6, B = 8;
  // P = W1 16·64 + W2 6·16 + b1 16 + b2 6 = 1 024 + 96 + 22 = 1 142.
  // Floats: 4·P = 4 568; x (8, 64) = 512; h_relu, dh (8, 16) = 256 (the ReLU and its backward
  // are GEMM epilogues: no pre-activation buffers); logits and probs (8, 6) = 96; losses 8.
  // Targets 8 ints; the loss's ordered sum one double block.
  const double floats = 4568 + 512 + 256 + 96 + 8;
  const double estimate = mlp::model_bytes(D, H, K, B, sizeof(float));
  CHECK(estimate == floats * 4 + 8 * 4 + 8);

  Meter meter;
  {
    mlp::MlpModel<float> m(D, H, K, B, nn::GemmPath::native);
    m.init(Rng(1, 2));
    std::vector<float> x(std::size_t(B) * D, 0.5f);
    m.forward(x, ids(B, K));
    m.backward();
    m.update(nn::AdamWConfig{}, 1);
  }
  INFO("estimate " << estimate << " B, peak allocated " << meter.peak() << " B");
  CHECK(estimate >= meter.peak());
  CHECK(estimate <= meter.peak() * (1 + kTolerance));
}

TEST_CASE("ernie memory estimate: a hand count of the tensors, and what the encoder allocates",
          "[ernie][memory]") {
  for (const auto& [pre_ln, gelu] :
       {std::pair{true, false}, std::pair{false, false}, std::pair{true, true}}) {
    ernie::EncoderConfig c;  // V 260, L 2, C 32, H 2
    c.ffn = 64;
    c.context = 16;
    c.batch = 4;  // N = 64 positions
    c.pre_ln = pre_ln;
    c.gelu = gelu;
    // Parameters: wte 260·32 = 8 320, wpe 16·32 = 512, headw 1 024, head bias and LayerNorm 96,
    // outb 260, lnf (pre-LN) or embln (post-LN) 64, and per layer qkvw 3 072, attprojw 1 024,
    // fcw and fcprojw 2·64·32 = 4 096, biases 96 + 32 + 64 + 32, ln1 and ln2 128: 8 544 per
    // layer, 17 088 for two. P = 27 364.
    const double P = 27364;
    REQUIRE(double(ernie::param_count(c)) == P);
    // Floats: params and grads 2·P = 54 728;
    // per layer 27 008: ln1, atty, r1, ln2, r2 and the output x (64, 32) = 12 288, qkv (64, 96)
    // = 6 144, g (64, 64) = 4 096 and with GELU f1 4 096 more (ReLU: fc's GEMM applies it), four
    // (64) statistics 256, lse (8, 16) = 128; two 45 824 (GELU 54 016);
    // emb and x0 (post-LN) or xf (pre-LN) 4 096, hm, hd, ha, hl 8 192, backward dx, dr, dtmp,
    // dy, dhl, dha, dhd, dhm 16 384, dqkv 6 144, dF1 4 096 and with GELU dF 4 096 more, logits and
    // probs (64, 260) = 33 280, the emb, xf and hl statistics 384, losses 64.
    const double ffn = gelu ? 2 * 4096 + 4096 : 0;  // f1 in each layer, dF
    const double floats = 54728 + 45824 + 4096 + 8192 + 16384 + 6144 + 4096 + 33280 + 384 + 64 + ffn;
    REQUIRE(floats == (gelu ? 185480 : 173192));
    const double tokens = 3 * 64 * 4;  // tokens, positions, labels (int32)
    const double partials = double(nn::layernorm_blocks(64)) * 2 * 32 * 4, sums = 7 * 8;  // ⌈27 364/4096⌉
    const double estimate = ernie::encoder_bytes(c, sizeof(float));
    CHECK(estimate == floats * 4 + tokens + partials + sums);

    Meter meter;
    {
      ernie::Encoder<float> e(c, nn::GemmPath::native);
      e.init(Rng(3, 4));
      std::vector<std::int32_t> tok(64), pos = {1, 5, 17, 40}, lab = {7, 9, 11, 13};
      for (int i = 0; i < 64; ++i) tok[std::size_t(i)] = (i * 5 + 1) % 256;
      e.forward(tok, pos, lab);
      e.backward();
    }
    INFO((pre_ln ? "pre-LN" : "post-LN") << (gelu ? ", GELU" : ", ReLU") << ": estimate " << estimate
                                         << " B, peak allocated " << meter.peak() << " B");
    CHECK(estimate >= meter.peak());
    CHECK(estimate <= meter.peak() * (1 + kTolerance));
  }
}

TEST_CASE("gpt workload: checks its estimate against the budget before it allocates, data parallel included",
          "[gpt][workload][memory]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 400);
  Registry reg;
  workloads::register_gpt(reg);
  const Params params = complete(reg.info("gpt").params, {{"corpus", std::string("synthetic.txt")},
                                                          {"context", std::int64_t(16)},
                                                          {"batch", std::int64_t(8)},
                                                          {"micro_batches", std::int64_t(2)},
                                                          {"steps", std::int64_t(1)}});
  gpt::GptConfig micro;
  micro.context = 16;
  micro.batch = 4;  // 8 sequences in 2 micro-batches
  const double P = double(gpt::param_count(micro));
  // The gradient reducer of one rank with two micro-batches: an accumulator of P floats and a
  // receive buffer of 1·P floats in host memory, and a host copy of the gradient (P floats) when
  // the gradient lives in device memory.
  const bool host = std::is_same<nn::Vec<float>::memory_space, Kokkos::HostSpace>::value;
  const double dp = (2 * P + (host ? 0 : P)) * 4;
  REQUIRE(nn::GradientReducer<float>::bytes(std::int64_t(P), 2, 1) == dp);
  const double estimate = gpt::model_bytes(micro, sizeof(float)) + dp;

  Context ctx;
  ctx.seed = 1;
  ctx.data_dir = dir.path().string();
  {  // One byte short: refused, blaming the batch, before the model exists.
    ctx.memory_budget = estimate - 1;
    Meter meter;
    auto w = reg.create("gpt");
    try {
      w->setup(params, ctx);
      FAIL("a cell over its budget must be refused");
    } catch (const Error& e) {
      CHECK(e.where().key == "batch");
      CHECK(std::string(e.what()).find("the gpt model's parameters") != std::string::npos);
    }
    CHECK(meter.peak() == 0);
  }
  {  // Exactly enough: it runs, and the peak of what it allocates is the estimate's, within tolerance.
    ctx.memory_budget = estimate;
    Meter meter;
    auto w = reg.create("gpt");
    w->setup(params, ctx);
    w->step(ctx);
    INFO("estimate " << estimate << " B, peak allocated " << meter.peak() << " B");
    CHECK(estimate >= meter.peak());
    CHECK(estimate <= meter.peak() * (1 + kTolerance));
  }
}
