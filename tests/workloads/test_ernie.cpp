// tests/workloads/test_ernie.cpp — the ERNIE encoder and workloads: central finite differences in
// float64 against every parameter (pre/post-LN, ReLU/GELU), bit-identical loss across runs, the
// learning claim on the planted corpus, ledger names and FLOPs.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <regex>
#include <set>

#include "core/experiment/experiment.hpp"
#include "core/run/runner.hpp"
#include "tests/test_support.hpp"
#include "workloads/ernie/encoder.hpp"
#include "workloads/ernie/ernie.hpp"

using namespace xpb;
using namespace xpb::ernie;

namespace {

// The micro-model of the gradient checks: V=11, L=1, d=8, H=2, F=16, T=4, B=2.
EncoderConfig micro_config() {
  EncoderConfig c;
  c.vocab = 11;
  c.layers = 1;
  c.width = 8;
  c.heads = 2;
  c.ffn = 16;
  c.context = 4;
  c.batch = 2;
  return c;
}

// Worst |analytic − numeric| / (|numeric| + 1e-4) over `per_tensor` evenly spaced coordinates of
// every parameter tensor of a micro-model (0: all coordinates).
double gradient_check(bool pre_ln, bool gelu, std::int64_t per_tensor) {
  EncoderConfig c = micro_config();
  c.pre_ln = pre_ln;
  c.gelu = gelu;
  Encoder<double> e(c, nn::GemmPath::native);
  const Rng rng(3, 4);
  e.init(rng);
  // Larger weights than the 0.02 init, so every path carries a visible gradient.
  auto p = Kokkos::create_mirror(e.params());
  Kokkos::deep_copy(p, e.params());
  for (std::size_t i = 0; i < p.extent(0); ++i) p(i) += 0.3 * rng.normal(100000 + i);
  Kokkos::deep_copy(e.params(), p);
  const std::vector<std::int32_t> tok = {9, 1, 2, 3, 9, 4, 10, 6}, pos = {1, 3, 6}, lab = {5, 7, 2};
  e.forward(tok, pos, lab);
  e.backward();
  auto g = Kokkos::create_mirror(e.grads());
  Kokkos::deep_copy(g, e.grads());
  std::vector<std::int64_t> coords;
  for (const auto& t : e.layout()) {
    const std::int64_t n = per_tensor > 0 ? std::min(per_tensor, t.size) : t.size;
    for (std::int64_t k = 0; k < n; ++k) coords.push_back(t.offset + (k * t.size) / n);
  }
  const double h = 1e-6;
  double worst = 0;
  for (const std::int64_t i : coords) {
    const double keep = p(i);
    p(i) = keep + h;
    Kokkos::deep_copy(e.params(), p);
    const double up = e.forward(tok, pos, lab);
    p(i) = keep - h;
    Kokkos::deep_copy(e.params(), p);
    const double down = e.forward(tok, pos, lab);
    p(i) = keep;
    const double fd = (up - down) / (2 * h);
    worst = std::max(worst, std::fabs(g(i) - fd) / (std::fabs(fd) + 1e-4));
  }
  return worst;
}

const char* const kTiny =
    "name: ernie-test\nseed: 5\nworkloads:\n  - workload: ernie\n    params:\n"
    "      corpus: planted\n      layers: 1\n      width: 16\n      heads: 2\n      context: 16\n"
    "      batch: 8\n      eval_every: 10\n      eval_batches: 2\n";

CellRecord run_one(const std::string& extra, const Registry& reg, const std::string& cache) {
  const auto spec = parse_experiment(std::string(kTiny) + extra, "ernie-test.yaml", reg);
  REQUIRE(spec.cells.size() == 1);
  Context ctx;
  ctx.cache_dir = cache;
  return run_cell(spec.cells[0], reg, {}, ctx);
}

const std::vector<double>& values(const CellRecord& r, const std::string& name) {
  for (const auto& [n, v] : r.step_values)
    if (n == name) return v;
  FAIL("no step series " << name);
  static std::vector<double> none;
  return none;
}

double scalar(const Metrics& m, const std::string& name) {
  for (const auto& s : m.scalars)
    if (s.name == name) return s.value;
  FAIL("no scalar " << name);
  return 0;
}

std::string attribute(const Metrics& m, const std::string& name) {
  for (const auto& [k, v] : m.attributes)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST_CASE("encoder gradients match central finite differences in float64", "[workloads][ernie]") {
  // Every coordinate for ERNIE 1.0's form (post-LN, ReLU); a sample of each tensor otherwise.
  CHECK(gradient_check(false, false, 0) < 1e-5);
  for (bool pre : {true, false})
    for (bool gelu : {false, true}) {
      INFO("pre_ln=" << pre << " gelu=" << gelu);
      CHECK(gradient_check(pre, gelu, 6) < 1e-5);
    }
}

TEST_CASE("a backward with targets writes every gradient: none is left from before", "[workloads][ernie]") {
  // The backward does not zero the gradient buffer first (only a batch without targets does): every
  // gradient must be overwritten. Poisoned with NaN, the buffer must come back as a clean run's.
  for (bool pre : {true, false})
    for (bool gelu : {false, true}) {
      INFO("pre_ln=" << pre << " gelu=" << gelu);
      EncoderConfig c = micro_config();
      c.pre_ln = pre;
      c.gelu = gelu;
      Encoder<double> e(c, nn::GemmPath::native);
      e.init(Rng(3, 4));
      const std::vector<std::int32_t> tok = {9, 1, 2, 3, 9, 4, 10, 6}, pos = {1, 3, 6}, lab = {5, 7, 2};
      e.forward(tok, pos, lab);
      e.backward();
      auto clean = Kokkos::create_mirror(e.grads());
      Kokkos::deep_copy(clean, e.grads());
      Kokkos::deep_copy(e.grads(), std::numeric_limits<double>::quiet_NaN());
      e.forward(tok, pos, lab);
      e.backward();
      auto again = Kokkos::create_mirror(e.grads());
      Kokkos::deep_copy(again, e.grads());
      std::size_t differ = 0;
      for (std::size_t i = 0; i < clean.extent(0); ++i)
        differ += std::memcmp(&clean(i), &again(i), sizeof(double)) != 0;
      CHECK(differ == 0);
    }
}

TEST_CASE("a gradient is wrong when the backward is wrong (the check can fail)", "[workloads][ernie]") {
  // Same micro-model, but compare against the gradient of a different batch: must disagree.
  const EncoderConfig c = micro_config();
  Encoder<double> e(c, nn::GemmPath::native);
  e.init(Rng(3, 4));
  e.forward({9, 1, 2, 3, 9, 4, 10, 6}, {1, 3, 6}, {5, 7, 2});
  e.backward();
  // create_mirror always copies (a mirror "view" would alias host memory).
  auto g1 = Kokkos::create_mirror(e.grads());
  Kokkos::deep_copy(g1, e.grads());
  e.forward({9, 1, 2, 3, 9, 4, 10, 6}, {1, 3, 6}, {5, 7, 3});
  e.backward();
  auto g2 = Kokkos::create_mirror(e.grads());
  Kokkos::deep_copy(g2, e.grads());
  double diff = 0;
  for (std::size_t i = 0; i < g1.extent(0); ++i) diff = std::max(diff, std::fabs(g1(i) - g2(i)));
  CHECK(diff > 1e-3);
}

TEST_CASE("ernie: two runs give bit-identical losses; metrics and ledger are complete",
          "[workloads][ernie]") {
  Registry reg;
  workloads::register_ernie(reg);
  test::TempDir cache;
  const CellRecord a = run_one("      steps: 12\n", reg, cache.path().string());
  const CellRecord b = run_one("      steps: 12\n", reg, cache.path().string());
  INFO(a.reason);
  REQUIRE(a.status == CellStatus::ok);
  REQUIRE(b.status == CellStatus::ok);
  const auto& la = values(a, "loss");
  const auto& lb = values(b, "loss");
  REQUIRE(la.size() == 12);
  CHECK(la == lb);  // bit for bit
  CHECK(values(a, "targets") == values(b, "targets"));
  for (double x : la) CHECK(std::isfinite(x));
  CHECK(la.front() == Catch::Approx(std::log(260.0)).margin(0.5));  // ~ln V at init

  // The schedule visits all three levels (stages over 12 steps).
  std::set<double> levels(values(a, "mask_level").begin(), values(a, "mask_level").end());
  CHECK(levels.count(0.0) == 1);

  const Metrics& m = a.metrics;
  CHECK(scalar(m, "chance_acc") == Catch::Approx(1.0 / 260));
  for (const char* lv : {"basic", "phrase", "entity"}) {
    INFO(lv);
    const double acc = scalar(m, std::string("heldout_acc_") + lv);
    CHECK(acc >= 0);
    CHECK(acc <= 1);
    CHECK(scalar(m, std::string("baseline_majority_acc_") + lv) > 0.05);
    CHECK(scalar(m, std::string("heldout_targets_") + lv) > 0);
    // The fill-in split by mask action: each share in [0, 1], the action counts add up to the
    // level's targets, and the overall accuracy is the count-weighted mean of the shares. Fails
    // when targets are counted against no action or twice, or the per-action hits are not
    // accumulated (checked: `+= 0 * ngram_hit` fails here); hits put under the wrong action keep
    // the weighted sum and are not caught.
    double hits = 0, targets = 0;
    for (const char* action : {"mask", "random", "keep"}) {
      const std::string acc_name = std::string("baseline_ngram_") + action + "_acc_" + lv;
      bool present = false;
      for (const auto& sc : m.scalars) present = present || sc.name == acc_name;
      if (!present) continue;
      const double v = scalar(m, acc_name);
      const double n = scalar(m, std::string("heldout_") + action + "_targets_" + lv);
      CHECK(v >= 0);
      CHECK(v <= 1);
      CHECK(n > 0);
      hits += v * n, targets += n;
    }
    CHECK(targets == scalar(m, std::string("heldout_targets_") + lv));
    CHECK(hits / targets == Catch::Approx(scalar(m, std::string("baseline_ngram_acc_") + lv)).epsilon(1e-12));
  }
  CHECK(scalar(m, "heldout_units_entity_entity") > 0);
  // Entity cloze: eval_batches · batch = 2 · 8 windows, one planted name each (they fit T - 3).
  CHECK(scalar(m, "cloze_entities") == 16);
  for (const char* name : {"cloze_entity_acc", "cloze_entity_exact", "baseline_ngram_cloze_entity_acc"}) {
    CHECK(scalar(m, name) >= 0);
    CHECK(scalar(m, name) <= 1);
  }
  CHECK(scalar(m, "heldout_units_phrase_phrase") > 0);
  CHECK(attribute(m, "lexicon_sha256").size() == 64);
  CHECK(std::filesystem::exists(attribute(m, "lexicon_path")));
  CHECK(attribute(m, "corpus") == "planted");
  bool curve = false;
  for (const auto& s : m.series)
    if (s.name == "eval_acc_basic") curve = s.index.size() == 2 && s.index[0] == 10 && s.index[1] == 12;
  CHECK(curve);

  // Ledger: unique names per kernel label; the tied decoder counts only the targets.
  std::map<std::string, double> flops;
  for (const auto& k : a.ledger) flops[k.name] += k.flops * k.count;
  CHECK(flops.count("ernie/decoder_fwd") == 1);
  CHECK(flops.count("ernie/attn_fwd") == 1);
  CHECK(flops.count("ernie/adamw") == 1);
  const double P = 0.15 * 8 * 15, C = 16, V = 260;
  // The native GEMMs add their bias in the epilogue: one more operation per output element.
  CHECK(flops["ernie/decoder_fwd"] == Catch::Approx(2 * P * C * V + P * V));
  CHECK(flops["ernie/qkv_fwd"] == Catch::Approx(2 * 8 * 16 * C * 3 * C + 8 * 16 * 3 * C));  // L = 1
}

TEST_CASE("ernie: the seed changes the run, the masking level changes the targets", "[workloads][ernie]") {
  Registry reg;
  workloads::register_ernie(reg);
  test::TempDir cache;
  const CellRecord a = run_one("      steps: 4\n", reg, cache.path().string());
  const CellRecord b = run_one("      steps: 4\n      mask_schedule: entity\n", reg, cache.path().string());
  REQUIRE(a.status == CellStatus::ok);
  REQUIRE(b.status == CellStatus::ok);
  CHECK(values(a, "loss") != values(b, "loss"));
  // Another seed (kTiny's is 5), same parameters: other weights, batches and masks.
  const auto spec6 = parse_experiment(
      std::regex_replace(std::string(kTiny), std::regex("seed: 5"), "seed: 6") + "      steps: 4\n",
      "ernie-test.yaml", reg);
  Context ctx;
  ctx.cache_dir = cache.path().string();
  const CellRecord c = run_cell(spec6.cells.at(0), reg, {}, ctx);
  REQUIRE(c.status == CellStatus::ok);
  CHECK(spec6.cells[0].seed == 6);
  CHECK(values(a, "loss") != values(c, "loss"));
  CHECK(values(a, "loss").size() == values(c, "loss").size());
  for (double lv : values(b, "mask_level")) CHECK(lv == 2.0);
}

TEST_CASE("ernie learns the planted corpus at every seed: held-out accuracy beats the majority byte",
          "[workloads][ernie]") {
  // The tiny tier's shape (L2, d32, T32, B16) for 800 steps at lr 5e-3: a few seconds per seed on
  // one core. Held-out accuracy minus the majority-byte baseline over seeds 6-15 (`xpubench run`
  // of this cell with `seeds: [6, ..., 15]`, 2026-12-02; docs/ernie.md): basic 0.119 ± 0.031,
  // phrase 0.104 ± 0.025, entity 0.102 ± 0.019 (smallest single seed 0.072). The bars: every seed
  // at least +0.02 (the worst level's mean − 3.2 sd), and the mean of the three seeds at least +0.05
  // (mean − 3.5 sd/√3). The former 200-step cell failed the first bar at 3 of those 10 seeds (its
  // margin was 0.031 ± 0.019, minimum 0.0): one lucky seed passed it. Seeds 42-44 are not the ones
  // the bars came from.
  Registry reg;
  workloads::register_ernie(reg);
  test::TempDir cache;
  const auto spec = parse_experiment(
      "name: ernie-learn\nseeds: [42, 43, 44]\nworkloads:\n  - workload: ernie\n    params: {corpus: "
      "planted, "
      "layers: 2, width: 32, heads: 2, context: 32, batch: 16, steps: 800, lr: 5.0e-3, "
      "eval_every: 200, eval_batches: 8, expect_beats_baseline: true}\n",
      "ernie-learn.yaml", reg);
  REQUIRE(spec.cells.size() == 3);
  Context ctx;
  ctx.cache_dir = cache.path().string();
  std::map<std::string, double> margin_sum;
  for (const Cell& cell : spec.cells) {
    const CellRecord r = run_cell(cell, reg, {}, ctx);
    INFO("seed " << cell.seed << ": " << r.reason);
    CHECK(r.status == CellStatus::ok);
    CHECK(r.validation.passed);
    const auto& loss = values(r, "loss");
    CHECK(loss.back() < loss.front() - 1.0);
    for (const char* lv : {"basic", "phrase", "entity"}) {
      const double margin = scalar(r.metrics, std::string("heldout_acc_") + lv) -
                            scalar(r.metrics, std::string("baseline_majority_acc_") + lv);
      INFO(lv << " margin over the majority byte " << margin);
      CHECK(margin >= 0.02);
      margin_sum[lv] += margin;
    }
  }
  for (const auto& [lv, sum] : margin_sum) {
    INFO(lv << " mean margin over 3 seeds " << sum / 3);
    CHECK(sum / 3 >= 0.05);
  }
}
