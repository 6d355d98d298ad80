// tests/workloads/test_gpt.cpp — the small-model GPT: whole-model gradients against finite
// differences (double), bit-identical training on Serial and OpenMP, bit-identical repeats of
// the workload, learning on a generated corpus and (when set up) on the KJV text, the exported
// reference step (replayed in PyTorch by tests/workloads/torch_replay_test.py).
#include <catch2/catch_test_macros.hpp>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "core/base/paths.hpp"
#include "tests/workloads/grad_check.hpp"
#include "tests/workloads/workload_harness.hpp"
#include "workloads/gpt/gpt.hpp"
#include "workloads/gpt/gpt_model.hpp"
#include "workloads/gpt/lr_schedule.hpp"

using namespace xpb;

namespace {

std::vector<int> tokens(int n, int mul, int add, int vocab) {
  std::vector<int> t(n);
  for (int i = 0; i < n; ++i) t[i] = (i * mul + add) % vocab;
  return t;
}

// Trains `steps` steps of a small float model on fixed batches; returns the losses and the
// final parameters.
template <class Exec>
std::pair<std::vector<double>, std::vector<float>> train_small(int steps) {
  gpt::GptConfig c;
  c.layers = 2;
  c.width = 16;
  c.heads = 2;
  c.context = 8;
  c.batch = 4;
  gpt::GptModel<float, Exec> m(c, nn::GemmPath::native);
  m.init(Rng(3, 4));
  nn::AdamWConfig opt;
  opt.lr = 3e-3;
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) {
    losses.push_back(m.forward(tokens(32, 17 + s, s, 256), tokens(32, 17 + s, s + 1, 256)));
    m.backward();
    m.update(opt, 1.0, s + 1);
  }
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m.params());
  return {losses, std::vector<float>(h.data(), h.data() + h.extent(0))};
}

std::string kjv_path() { return paths().data_dir + "/kjv.txt"; }

}  // namespace

TEST_CASE("gpt model: every parameter gradient matches finite differences in double", "[gpt][gradcheck]") {
  gpt::GptConfig c;  // the research note's micro-model: V=11, d=8, L=1..2, H=2, T=4, B=2
  c.vocab = 11;
  c.layers = 2;
  c.width = 8;
  c.heads = 2;
  c.context = 4;
  c.batch = 2;
  gpt::GptModel<double> m(c, nn::GemmPath::native);
  m.init(Rng(1, 2));
  double* p = m.params().data();
  test::fill_normal(p, gpt::param_count(c), 99, 0.3);  // move off the trivial init (biases 0, ln 1)
  for (std::int64_t i = 0; i < gpt::param_count(c); ++i) p[i] += (i >= gpt::decayed_count(c) ? 0.5 : 0.0);
  const auto in = tokens(8, 7, 3, 11), tg = tokens(8, 5, 1, 11);
  m.forward(in, tg);
  m.backward();
  std::vector<double> g(m.grads().data(), m.grads().data() + m.grads().extent(0));
  for (const auto& t : m.layout()) {
    INFO("tensor " << t.name);
    const auto r = test::grad_check(
        p + t.offset, t.size, [&] { return m.forward(in, tg); },
        [&](std::int64_t i) { return g[std::size_t(t.offset + i)]; });
    CHECK(r.checked > 0);
    CHECK(r.worst < 1e-6);
  }
}

#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
TEST_CASE("gpt model: Serial and OpenMP train to identical bits", "[gpt][determinism]") {
  const auto serial = train_small<Kokkos::Serial>(6);
  const auto openmp = train_small<Kokkos::OpenMP>(6);
  REQUIRE(serial.first.size() == 6);
  CHECK(serial.first == openmp.first);  // exact, not approximate
  CHECK(serial.second == openmp.second);
  CHECK(serial.first.back() < serial.first.front());
}
#endif

TEST_CASE("gpt lr schedule: warm-up, cosine and linear decay", "[gpt][schedule]") {
  gpt::LrSchedule s;
  s.lr = 1.0;
  s.final_ratio = 0.1;
  s.warmup = 10;
  s.steps = 110;
  CHECK(s.at(0) == 0.1);
  CHECK(s.at(9) == 1.0);
  CHECK(std::fabs(s.at(10) - 1.0) < 1e-12);
  CHECK(std::fabs(s.at(109) - 0.1) < 1e-12);
  s.kind = "linear";
  CHECK(std::fabs(s.at(59) - 0.55) < 0.01);
}

// The model computes in fp32 whatever precision its ledger charges, and evaluates every
// exponential with exp_fixed (nn/fixed_math.hpp: kExpFixedOps operations where the charged ledger
// counts 1): a run's ledger as run is the fp32 ledger, the same kernels with fp32's bytes, plus
// 23 operations per exponential in the kernels that make them. Exponentials per launch at the
// defaults (B 8, T 32, H 2, C 32, V 256): one per attended pair in the attention forward and
// backward (causal: B·H·T²/2, the ledger's count), one per hidden unit in GELU (B·T·4C), one per
// logit in the loss forward (B·T·V).
TEST_CASE("gpt workload: a run's ledger as run is the fp32 ledger with exp_fixed's operations",
          "[gpt][workload]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 300);
  std::map<std::string, ParamValue> p = {{"corpus", std::string("synthetic.txt")},
                                         {"steps", std::int64_t(1)}};
  p["precision"] = std::string("bf16");
  const auto bf = test::run_training(workloads::register_gpt, "gpt", p, dir.path().string());
  p["precision"] = std::string("fp32");
  const auto fp = test::run_training(workloads::register_gpt, "gpt", p, dir.path().string());
  const double B = 8, T = 32, H = 2, C = 32, V = 256;
  const std::map<std::string, double> exps = {{"gpt/attn_fwd", B * H * T * T / 2},
                                              {"gpt/attn_bwd", B * H * T * T / 2},
                                              {"gpt/gelu_fwd", B * T * 4 * C},
                                              {"gpt/gelu_bwd", B * T * 4 * C},
                                              {"gpt/loss_fwd", B * T * V}};
  REQUIRE(bf.ledger_as_run.size() == fp.ledger.size());
  REQUIRE(fp.ledger_as_run.size() == fp.ledger.size());
  int with_exp = 0;
  for (std::size_t i = 0; i < fp.ledger.size(); ++i) {
    INFO(fp.ledger[i].name);
    const auto e = exps.find(fp.ledger[i].name);
    const double extra = e == exps.end() ? 0.0 : e->second * 23;
    with_exp += e != exps.end();
    CHECK(bf.ledger_as_run[i].name == fp.ledger[i].name);
    CHECK(bf.ledger_as_run[i].bytes == fp.ledger[i].bytes);
    CHECK(bf.ledger_as_run[i].flops == fp.ledger[i].flops + extra);
    CHECK(bf.ledger_as_run[i].count == fp.ledger[i].count);
    CHECK(fp.ledger_as_run[i].flops == bf.ledger_as_run[i].flops);
  }
  CHECK(with_exp == 5);
  CHECK(total_bytes(bf.ledger_as_run) > 1.5 * total_bytes(bf.ledger));
}

TEST_CASE("gpt workload: learns a generated corpus, repeats bit for bit", "[gpt][workload][determinism]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 3000);
  const std::map<std::string, ParamValue> p = {{"corpus", std::string("synthetic.txt")},
                                               {"steps", std::int64_t(150)},
                                               {"eval_interval", std::int64_t(50)}};
  const auto a = test::run_training(workloads::register_gpt, "gpt", p, dir.path().string());
  const auto b = test::run_training(workloads::register_gpt, "gpt", p, dir.path().string());
  REQUIRE(a.losses.size() == 150);
  CHECK(a.losses == b.losses);
  const Series* ev = test::find_series(a.metrics, "eval_loss");
  REQUIRE(ev != nullptr);
  REQUIRE(ev->values.size() == 4);  // steps 0, 50, 100, 150
  CHECK(ev->index.back() == 150);
  CHECK(std::fabs(ev->values.front() - std::log(256.0)) < 0.1);
  CHECK(ev->values.back() < 3.0);
  CHECK(a.validation.passed);
  CHECK(test::find_scalar(a.metrics, "tokens_per_second") > 0);
  bool has_sha = false;
  for (const auto& [k, v] : a.metrics.attributes) has_sha |= k == "corpus_sha256" && v.size() == 64;
  CHECK(has_sha);
  bool labelled = false;
  for (const auto& k : a.ledger) labelled |= k.name == "gpt/attn_fwd" && k.count == 2;
  CHECK(labelled);
}

TEST_CASE("gpt workload: the tiny tier learns the KJV text at every seed, within its seed distribution",
          "[gpt][workload][kjv]") {
  // The tiny tier of experiments/small-model.yaml (L2 d32 H2 T32 B16, 2 micro-batches, 600 steps,
  // lr 3e-3). Its final held-out loss over seeds 6-15 (`xpubench run` of that cell with
  // `seeds: [6, ..., 15]`, 2026-12-02, one run each): mean 2.153, sd 0.029, range 2.091-2.194
  // (docs/small-model.md). The bar, mean + 4 sd = 2.27, is one that a correct build misses at a
  // given seed with probability ~3e-5 if the losses are normal; a byte-frequency model scores 2.89
  // and the old 300-step tier 2.83 ± 0.13, so a model that stops learning early fails it. The
  // seeds here (42-44) are not the ones the bar came from.
  if (!std::filesystem::exists(kjv_path())) SKIP("no " << kjv_path() << ": run scripts/setup.sh");
  const std::map<std::string, ParamValue> tiny = {
      {"layers", std::int64_t(2)},         {"width", std::int64_t(32)},
      {"heads", std::int64_t(2)},          {"context", std::int64_t(32)},
      {"batch", std::int64_t(16)},         {"micro_batches", std::int64_t(2)},
      {"steps", std::int64_t(600)},        {"lr", 3e-3},
      {"eval_interval", std::int64_t(100)}};
  const std::string dir = std::filesystem::path(kjv_path()).parent_path().string();
  double previous = -1;
  for (const std::uint64_t seed : {42, 43, 44}) {
    const auto r = test::run_training(workloads::register_gpt, "gpt", tiny, dir, seed);
    const Series* ev = test::find_series(r.metrics, "eval_loss");
    REQUIRE(ev != nullptr);
    INFO("seed " << seed << ": held-out loss " << ev->values.front() << " -> " << ev->values.back());
    CHECK(std::fabs(ev->values.front() - std::log(256.0)) < 0.1);
    CHECK(ev->values.back() <= 2.27);
    CHECK(ev->values.back() != previous);  // the seed reaches the run
    previous = ev->values.back();
  }
}

TEST_CASE("gpt workload: export_reference reports step 0 in full", "[gpt][workload][reference]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 600);
  const auto r = test::run_training(workloads::register_gpt, "gpt",
                                    {{"corpus", std::string("synthetic.txt")},
                                     {"steps", std::int64_t(2)},
                                     {"context", std::int64_t(16)},
                                     {"batch", std::int64_t(4)},
                                     {"export_reference", true}},
                                    dir.path().string());
  std::map<std::string, const NamedArray*> a;
  for (const auto& x : r.metrics.arrays) a[x.name] = &x;
  REQUIRE(a.count("reference/logits"));
  CHECK(a["reference/logits"]->shape == std::vector<std::size_t>{4, 16, 256});
  CHECK(a["reference/loss"]->data[0] == r.losses[0]);
  for (const char* t : {"wte", "qkvw", "lnfb"}) {
    CHECK(a.count(std::string("reference/params/") + t));
    CHECK(a.count(std::string("reference/grads/") + t));
    CHECK(a.count(std::string("reference/updated/") + t));
  }
  // Every step's batch (the first is step 0's) and the final parameters, for scripts/torch_replay.py.
  REQUIRE(a.count("reference/steps/inputs"));
  CHECK(a["reference/steps/inputs"]->shape == std::vector<std::size_t>{2, 4, 16});
  CHECK(a["reference/steps/targets"]->shape == std::vector<std::size_t>{2, 4, 16});
  const auto& steps_in = a["reference/steps/inputs"]->data;
  CHECK(std::vector<double>(steps_in.begin(), steps_in.begin() + 64) == a["reference/inputs"]->data);
  CHECK(std::vector<double>(steps_in.begin() + 64, steps_in.end()) != a["reference/inputs"]->data);
  for (const char* t : {"wte", "qkvw", "lnfb"}) {
    REQUIRE(a.count(std::string("reference/final/") + t));
    CHECK(a[std::string("reference/final/") + t]->data != a[std::string("reference/updated/") + t]->data);
  }
}

TEST_CASE("gpt workload: loss bits for the thread-count check", "[.][gpt][threads]") {
  // Run by tests/workloads/gpt_threads.cmake with OMP_NUM_THREADS=1 and 2; it compares the files.
  const char* out = std::getenv("XPB_LOSS_OUT");
  if (!out) SKIP("XPB_LOSS_OUT is not set");
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 1000);
  const auto r = test::run_training(workloads::register_gpt, "gpt",
                                    {{"corpus", std::string("synthetic.txt")},
                                     {"steps", std::int64_t(20)},
                                     {"eval_interval", std::int64_t(10)}},
                                    dir.path().string());
  std::ofstream f(out);
  f.precision(17);
  for (double l : r.losses) f << l << '\n';
  for (double l : test::find_series(r.metrics, "eval_loss")->values) f << l << '\n';
}
