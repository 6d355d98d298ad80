// tests/core/test_training_model.cpp — model files, parameter/FLOP formulas, memory, step time.
// Formulas are checked against their published closed forms (Narayanan Eq. 2/3, Korthikanti §4
// and §6.3); validation against published iteration times is reported, with the targets.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/base/format.hpp"
#include "core/model/model_validation.hpp"
#include "core/model/training_model.hpp"
#include "tests/test_support.hpp"

using Catch::Approx;

namespace {

xpb::ModelSpec model(const std::string& name) {
  return xpb::load_model_file(xpb::test::source_path("experiments/models/" + name + ".yaml"));
}

}  // namespace

TEST_CASE("training model: Narayanan Eq. 2 reproduces the Table 1 sizes", "[training_model]") {
  const std::vector<std::pair<std::string, double>> rows = {
      {"1.7b", 1.7},   {"3.6b", 3.6},     {"7.5b", 7.5},     {"18.4b", 18.4}, {"39.1b", 39.1},
      {"76.1b", 76.1}, {"145.6b", 145.6}, {"310.1b", 310.1}, {"529.6b", 529.6}, {"1008b", 1008}};
  for (const auto& [name, billions] : rows) {
    const auto m = model("narayanan-" + name);
    const double eq2 = xpb::narayanan_params(m.layers, m.hidden, m.vocab, m.seq_len);
    INFO(name);
    CHECK(xpb::count_params(m).total == Approx(eq2).epsilon(1e-12));
    CHECK(std::round(eq2 / 1e8) / 10 == Approx(billions).margin(billions >= 1000 ? 1.0 : 0.05));
  }
}

TEST_CASE("training model: FLOPs match Narayanan Eq. 3 and Korthikanti 6.3", "[training_model]") {
  for (const char* name : {"narayanan-1.7b", "narayanan-145.6b", "gpt3-175b"}) {
    const auto m = model(name);
    const double B = 512, s = m.seq_len, l = m.layers, h = m.hidden, V = m.vocab;
    INFO(name);
    CHECK(xpb::hardware_flops(m, B, xpb::Recompute::full) ==
          Approx(xpb::narayanan_flops(B, s, l, h, V)).epsilon(1e-12));
    CHECK(xpb::model_flops(m, B) ==
          Approx(72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h))).epsilon(1e-12));
  }
}

TEST_CASE("training model: published sizes of the paper-scale models", "[training_model]") {
  const auto gpt3 = xpb::count_params(model("gpt3-175b"));
  CHECK(gpt3.total == Approx(175e9).epsilon(0.01));
  const auto e300 = xpb::count_params(model("ernie-4.5-300b-a47b"));
  CHECK(e300.total == Approx(300e9).epsilon(0.01));
  CHECK(e300.active == Approx(47e9).epsilon(0.03));
  const auto e21 = xpb::count_params(model("ernie-4.5-21b-a3b"));
  CHECK(e21.total == Approx(21e9).epsilon(0.05));
  CHECK(e21.active == Approx(3e9).epsilon(0.15));
  CHECK(xpb::count_params(model("ernie-3.0-10b")).total == Approx(10e9).epsilon(0.05));
  CHECK(xpb::count_params(model("ernie-3.0-titan-260b")).total == Approx(260e9).epsilon(0.02));
  CHECK(xpb::count_params(model("mpt-7b")).total == Approx(6.66e9).epsilon(0.01));
  // MoE FLOPs follow active parameters: ~6·N_active per token plus attention.
  const auto m = model("ernie-4.5-300b-a47b");
  const double per_token = xpb::model_flops(m, 1) / m.seq_len;
  CHECK(per_token > 6 * e300.active);
  CHECK(per_token < 6 * e300.active * 1.25);
}

TEST_CASE("training model: strict model files", "[training_model]") {
  const std::string ok = "name: t\nlayers: 2\nhidden: 64\nheads: 4\nvocab: 100\nseq_len: 16\n";
  CHECK_NOTHROW(xpb::load_model_text(ok, "t.yaml"));
  try {
    xpb::load_model_text(ok + "hiden: 3\n", "t.yaml");
    FAIL("unknown key accepted");
  } catch (const xpb::Error& e) {
    CHECK(e.where().line == 7);
    CHECK(e.hint().find("hidden") != std::string::npos);
  }
  CHECK_THROWS_AS(xpb::load_model_text("name: t\nlayers: 2\n", "t.yaml"), xpb::Error);
  CHECK_THROWS_AS(xpb::load_model_text(ok + "kv_heads: 3\n", "t.yaml"), xpb::Error);
  CHECK_THROWS_AS(xpb::load_model_text(ok + "ffn_type: relu\n", "t.yaml"), xpb::Error);
  CHECK_THROWS_AS(xpb::load_model_text(ok + "moe: {experts: 4, active: 8, ffn: 32}\n", "t.yaml"),
                  xpb::Error);
}

TEST_CASE("training model: plans parse and print", "[training_model]") {
  const auto p = xpb::parse_plan("tp=8,pp=4,mbs=2,interleave=2,recompute=selective,seqpar=on,zero=1");
  CHECK(p.tp == 8);
  CHECK(p.pp == 4);
  CHECK(p.dp == 0);
  CHECK(p.recompute == xpb::Recompute::selective);
  CHECK(p.seqpar);
  auto q = xpb::parse_plan(xpb::to_string(p));
  CHECK(xpb::to_string(q) == xpb::to_string(p));
  CHECK_THROWS_AS(xpb::parse_plan("tq=8"), xpb::Error);
  CHECK_THROWS_AS(xpb::parse_plan("zero=4"), xpb::Error);
  CHECK_THROWS_AS(xpb::parse_plan("recompute=some"), xpb::Error);
  CHECK(xpb::parse_plan("zero=2").zero == 2);
  const auto c = xpb::parse_plan("tp=2,cp=4,recompute=norm_act");
  CHECK(c.cp == 4);
  CHECK(c.recompute == xpb::Recompute::norm_act);
  CHECK(xpb::to_string(xpb::parse_plan(xpb::to_string(c))) == xpb::to_string(c));
}

TEST_CASE("training model: activation memory follows Korthikanti", "[training_model]") {
  const auto m = model("gpt3-175b");
  const auto a100 = xpb::micro_calibrated_platform("nvidia-a100-sxm-80gb");
  xpb::Cluster c;
  c.devices = 8;
  c.global_batch = 8;
  xpb::TrainOptions opt;
  opt.flash_attention = false;
  opt.stack = "megatron-2021";  // unfused cross-entropy: fp32 logits and their 16-bit copy
  xpb::TrainingModel tm(m, a100, c, opt);
  const double s = m.seq_len, h = m.hidden, a = m.heads, L = m.layers, V = m.vocab, t = 8, b = 1;
  const double logits = s * b * V / t * 6;
  xpb::Plan p = xpb::parse_plan("tp=8,pp=1,mbs=1,recompute=selective,seqpar=on");
  CHECK(tm.memory(p).activations == Approx(L * 34 * s * b * h / t + logits));
  p = xpb::parse_plan("tp=8,pp=1,mbs=1,recompute=none,seqpar=off");
  CHECK(tm.memory(p).activations ==
        Approx(L * s * b * h * (10 + 24 / t + 5 * a * s / (h * t)) + logits));
  p = xpb::parse_plan("tp=8,pp=1,mbs=1,recompute=none,seqpar=on");
  CHECK(tm.memory(p).activations == Approx(L * s * b * h / t * (34 + 5 * a * s / h) + logits));
  // Full recompute keeps only layer inputs (plus one layer in flight).
  const auto full = tm.memory(xpb::parse_plan("tp=8,pp=1,mbs=1,recompute=full,seqpar=on"));
  CHECK(full.activations < tm.memory(p).activations / 10);
}

TEST_CASE("training model: ZeRO shards states, and memory decides the fit", "[training_model]") {
  const auto m = model("narayanan-18.4b");
  const auto a100 = xpb::micro_calibrated_platform("nvidia-a100-sxm-80gb");
  xpb::Cluster c;
  c.devices = 256;
  c.global_batch = 1024;
  xpb::TrainingModel tm(m, a100, c);
  auto mem = [&](const char* plan) { return tm.memory(xpb::parse_plan(plan)); };
  const auto z0 = mem("tp=8,zero=0"), z1 = mem("tp=8,zero=1"), z3 = mem("tp=8,zero=3");
  CHECK(z1.optimizer == Approx(z0.optimizer / 32));
  CHECK(z3.weights < z1.weights);
  CHECK(z3.total < z1.total);
  CHECK(z1.total < z0.total);
  // 16 bytes per parameter of the 18.4B model do not fit on one 80 GB device with tp=1 ...
  CHECK_FALSE(tm.evaluate(xpb::parse_plan("tp=1,pp=1,mbs=1,zero=0")).fits);
  // ... but Narayanan's plan (TP 8, DP 32, full recompute) does.
  const auto e = tm.evaluate(xpb::parse_plan("tp=8,pp=1,mbs=1,recompute=full"));
  REQUIRE(e.ok);
  CHECK(e.fits);
}

TEST_CASE("training model: step estimate is ordered, complete and sums up", "[training_model]") {
  const auto m = model("narayanan-76.1b");
  auto a100 = xpb::micro_calibrated_platform("nvidia-a100-sxm-80gb");
  xpb::Cluster c;
  c.devices = 1024;
  c.global_batch = 1792;
  xpb::TrainOptions o;
  o.mc.samples = 300;
  xpb::TrainingModel tm(m, a100, c, o);
  const auto p = xpb::parse_plan("tp=8,pp=4,mbs=1,interleave=3,recompute=full");
  const auto nom = tm.evaluate(p);
  REQUIRE(nom.ok);
  CHECK(nom.plan.dp == 32);
  CHECK(nom.micro_batches == 56);
  // Nominal inputs: the legacy buckets and the ledger parts both sum to the step.
  const double parts = nom.compute_seconds.nominal + nom.memory_seconds.nominal + nom.launch_seconds.nominal +
                       nom.recompute_seconds.nominal + nom.tp_comm_seconds.nominal + nom.ep_comm_seconds.nominal +
                       nom.pp_comm_seconds.nominal + nom.dp_comm_seconds.nominal + nom.bubble_seconds.nominal +
                       nom.optimizer_seconds.nominal + nom.cp_comm_seconds.nominal;
  CHECK(parts == Approx(nom.step_seconds.nominal));
  double sum = 0;
  for (const auto& [k, v] : nom.parts) sum += v;
  CHECK(sum == Approx(nom.nominal_step));
  CHECK(nom.step_seconds.low == nom.step_seconds.high);  // no Monte Carlo: exact
  // With the Monte Carlo: 5 % <= median <= 95 %, inside the envelope, reproducible.
  const auto e = tm.estimate(p);
  REQUIRE(e.ok);
  CHECK(e.step.samples.size() == 300);
  CHECK(e.step_seconds.valid());
  CHECK(e.step_seconds.low < e.step_seconds.high);
  CHECK(e.step.envelope_low <= e.step_seconds.low);
  CHECK(e.step.envelope_high >= e.step_seconds.high);
  CHECK(e.mfu.valid());
  CHECK(e.hfu.nominal > e.mfu.nominal);
  CHECK(tm.estimate(p).step.samples == e.step.samples);
  CHECK(e.bubble_seconds.nominal > 0);
  // Interleaving shrinks the bubble: (p-1)/v micro-batches.
  const auto e1 = tm.evaluate(xpb::parse_plan("tp=8,pp=4,mbs=1,interleave=1,recompute=full"));
  CHECK(e1.bubble_seconds.nominal > nom.bubble_seconds.nominal);
  // Invalid plans are data, not exceptions.
  const auto bad = tm.evaluate(xpb::parse_plan("tp=3"));
  CHECK_FALSE(bad.ok);
  CHECK_FALSE(bad.reason.empty());
}

TEST_CASE("training model: unknown peaks make a platform unusable, without throwing",
          "[training_model]") {
  auto p = xpb::micro_calibrated_platform("nvidia-a100-sxm-80gb");
  xpb::Cluster c;
  c.devices = 32;
  c.global_batch = 512;
  xpb::TrainOptions opt;
  opt.dtype = xpb::DType::fp8;  // unsupported on A100
  xpb::TrainingModel tm(model("narayanan-1.7b"), p, c, opt);
  const auto e = tm.evaluate(xpb::parse_plan("tp=1,mbs=1"));
  CHECK_FALSE(e.ok);
  CHECK(e.reason.find("fp8") != std::string::npos);
}

TEST_CASE("training model: a batch or device count beyond the int ranges is refused, not wrapped",
          "[training_model]") {
  // --global-batch 1e300 once printed "-2147483648 micro-batches" and negative step times.
  const auto m = model("narayanan-18.4b");
  const auto a100 = xpb::micro_calibrated_platform("nvidia-a100-sxm-80gb");
  xpb::Cluster c;
  c.devices = 256;
  for (double bad : {1e300, double(1 << 30) * 2, 1536.5}) {
    c.global_batch = bad;
    CHECK_THROWS_AS(xpb::TrainingModel(m, a100, c), xpb::Error);
  }
  c.global_batch = 1024;
  c.devices = xpb::kMaxDevices + 1;
  CHECK_THROWS_AS(xpb::TrainingModel(m, a100, c), xpb::Error);
  c.devices = 256;
  CHECK_NOTHROW(xpb::TrainingModel(m, a100, c));
}
