// tests/workloads/test_ernie_masking.cpp — ERNIE knowledge masking: unit boundaries, the
// selection rate per unit, the per-token 80/10/10 split inside selected units, whole-unit masking,
// specials never touched, determinism from the counter RNG, exact selection and the schedule.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "tests/test_support.hpp"
#include "workloads/ernie/corpus.hpp"
#include "workloads/ernie/lexicon.hpp"
#include "workloads/ernie/masking.hpp"
#include "workloads/ernie/planted_corpus.hpp"
#include "workloads/ernie/units.hpp"
#include "workloads/ernie/vocab.hpp"

using namespace xpb;
using namespace xpb::ernie;

namespace {

// The installed Debian word lists behind derive_lexicon, loaded once per test process.
const LexiconSources& sources() {
  static const LexiconSources s = load_lexicon_sources(default_source_manifest());
  return s;
}
Lexicon derive(const std::string& text) { return derive_lexicon(text, LexiconOptions{}, sources()); }

Lexicon tiny_lexicon() {
  Lexicon lex;
  lex.entities = {{"Simon Peter", 5, ""}, {"Egypt", 9, ""}};
  lex.phrases = {{"fig tree", 30, ""}, {"land of egypt", 40, ""}};
  return lex;
}

// Masks many batches of text windows and returns the concatenated results.
struct Sampled {
  std::int64_t units = 0, selected = 0, targets = 0, tokens = 0;
  std::array<std::int64_t, 3> actions{};
};

Sampled sample(const std::string& text, const UnitLabels& u, const MaskRule& rule, int batches,
               std::uint64_t seed) {
  const int B = 8, T = 64;
  const Rng rng(seed, 7);
  Sampled s;
  std::vector<std::int32_t> tokens;
  std::vector<std::int8_t> seg;
  for (int k = 0; k < batches; ++k) {
    std::vector<std::int64_t> off(B);
    for (int b = 0; b < B; ++b)
      off[b] = static_cast<std::int64_t>(rng.below(1000000 + k * B + b, text.size() - T));
    window_inputs(text, u, off, T, tokens, seg);
    MaskedBatch mb;
    apply_mask(tokens, seg, B, T, rule, rng, static_cast<std::uint64_t>(k) * B * T, mb);
    s.units += mb.stats.units;
    s.selected += mb.stats.selected_units;
    s.targets += static_cast<std::int64_t>(mb.positions.size());
    s.tokens += B * (T - 1);
    for (int a = 0; a < 3; ++a) s.actions[a] += mb.stats.actions[a];
  }
  return s;
}

}  // namespace

TEST_CASE("words split on letters and apostrophes, with possessive keys and sentence starts",
          "[workloads][ernie]") {
  const std::string t = "And Israel's sons went. Then the fathers' God came;\nLo, Egypt";
  const auto w = split_words(t);
  REQUIRE(w.size() == 11);
  CHECK(word_key(t, w[1]) == "Israel");
  CHECK(t.substr(w[1].begin, w[1].end - w[1].begin) == "Israel's");
  CHECK(word_key(t, w[6]) == "fathers");
  CHECK(w[0].sentence_start);
  CHECK_FALSE(w[1].sentence_start);
  CHECK(w[4].sentence_start);   // after '.'
  CHECK(w[9].sentence_start);   // "Lo" after ';' and a line end
  CHECK_FALSE(w[10].sentence_start);  // "Egypt" after "Lo,"
  CHECK(w[0].joined_to_next);
  CHECK_FALSE(w[3].joined_to_next);  // "went." — punctuation between
  CHECK_FALSE(w[9].joined_to_next);  // "Lo," — a comma, not a single space
}

TEST_CASE("segmentation: basic bytes, phrase words/phrases, entity level longest match",
          "[workloads][ernie]") {
  const std::string t = "the fig tree in the land of Egypt, Simon Peter said; Egypt's king came.";
  const Lexicon lex = tiny_lexicon();

  const UnitLabels basic = segment_units(t, lex, UnitLevel::basic);
  for (auto s : basic.seg) CHECK(s == kSegStart);
  CHECK(basic.units[0] == static_cast<std::int64_t>(t.size()));

  // Phrase level: "fig tree" and "land of Egypt" are phrases (case-insensitive); other words
  // are word units; "Simon Peter" is two words because multi-word names are entity-level units;
  // the one-word name "Egypt's" is an entity unit (the same span as its word).
  const UnitLabels ph = segment_units(t, lex, UnitLevel::phrase);
  auto unit_at = [&](const UnitLabels& u, std::size_t pos) {
    std::size_t b = pos;
    while (b > 0 && u.seg[b] == kSegContinue) --b;
    std::size_t e = pos + 1;
    while (e < t.size() && u.seg[e] == kSegContinue) ++e;
    return t.substr(b, e - b);
  };
  CHECK(unit_at(ph, t.find("tree")) == "fig tree");
  CHECK(ph.kind[t.find("fig")] == UnitKind::phrase);
  CHECK(unit_at(ph, t.find("Egypt")) == "land of Egypt");
  CHECK(unit_at(ph, t.find("Peter")) == "Peter");
  CHECK(unit_at(ph, t.find(',')) == ",");
  CHECK(ph.kind[t.find(' ')] == UnitKind::byte);
  CHECK(ph.units[static_cast<int>(UnitKind::phrase)] == 2);
  CHECK(ph.units[static_cast<int>(UnitKind::entity)] == 1);
  CHECK(ph.kind[t.find("Egypt's")] == UnitKind::entity);

  // Entity level: one longest-match pass over entities and phrases, so the phrase "land of Egypt"
  // keeps its entity inside (matching entities first would leave "land", "of" and "Egypt");
  // "Simon Peter" and the possessive "Egypt's" are entity units.
  const UnitLabels en = segment_units(t, lex, UnitLevel::entity);
  CHECK(unit_at(en, t.find("Egypt")) == "land of Egypt");
  CHECK(en.kind[t.find("land")] == UnitKind::phrase);
  CHECK(unit_at(en, t.find("Peter")) == "Simon Peter");
  CHECK(en.kind[t.find("Simon")] == UnitKind::entity);
  CHECK(unit_at(en, t.find("Egypt's")) == "Egypt's");
  CHECK(en.kind[t.find("Egypt's")] == UnitKind::entity);
  CHECK(unit_at(en, t.find("tree")) == "fig tree");
  CHECK(en.units[static_cast<int>(UnitKind::entity)] == 2);
  CHECK(en.units[static_cast<int>(UnitKind::phrase)] == 2);
  // A phrase never runs through a possessive: "Egypt's king" is not "egypt king".
  Lexicon poss = lex;
  poss.phrases.push_back({"egypt king", 5, ""});
  CHECK(unit_at(segment_units(t, poss, UnitLevel::phrase), t.find("king")) == "king");
}

TEST_CASE("windows start with [CLS] and restart a unit cut by the window edge", "[workloads][ernie]") {
  const std::string t = "Simon Peter went";
  const UnitLabels en = segment_units(t, tiny_lexicon(), UnitLevel::entity);
  std::vector<std::int32_t> tok;
  std::vector<std::int8_t> seg;
  window_inputs(t, en, {3}, 6, tok, seg);  // "on Pe"
  REQUIRE(tok.size() == 6);
  CHECK(tok[0] == kCls);
  CHECK(seg[0] == kSegSpecial);
  CHECK(tok[1] == 'o');
  CHECK(seg[1] == kSegStart);  // cut unit restarts
  CHECK(seg[2] == kSegContinue);
  CHECK(seg[3] == kSegContinue);  // the space inside the entity
}

TEST_CASE("basic masking selects 15% of bytes and splits 80/10/10 per token", "[workloads][ernie]") {
  const std::string text = planted_corpus(3, 200000);
  const UnitLabels u = segment_units(text, Lexicon{}, UnitLevel::basic);
  const Sampled s = sample(text, u, MaskRule{}, 400, 11);
  REQUIRE(s.units == s.tokens);  // every byte is a unit; [CLS] is not
  const double sel = double(s.selected) / double(s.units);
  // 400·8·63 = 201,600 Bernoulli(0.15) draws: σ ≈ 0.0008.
  CHECK(sel == Catch::Approx(0.15).margin(0.004));
  CHECK(s.targets == s.selected);
  const double n = double(s.targets);
  CHECK(s.actions[0] / n == Catch::Approx(0.8).margin(0.01));
  CHECK(s.actions[1] / n == Catch::Approx(0.1).margin(0.008));
  CHECK(s.actions[2] / n == Catch::Approx(0.1).margin(0.008));
}

TEST_CASE("knowledge masking selects 15% of units and masks them whole", "[workloads][ernie]") {
  const std::string text = planted_corpus(5, 200000);
  const Lexicon lex = derive(text);
  REQUIRE(!lex.entities.empty());
  for (UnitLevel lv : {UnitLevel::phrase, UnitLevel::entity}) {
    const UnitLabels u = segment_units(text, lex, lv);
    const Sampled s = sample(text, u, MaskRule{}, 400, 13);
    INFO(to_string(lv));
    CHECK(double(s.selected) / double(s.units) == Catch::Approx(0.15).margin(0.006));
    // Selection does not depend on unit length, so ~15% of tokens become targets, but in
    // whole units: several bytes per selected unit.
    CHECK(double(s.targets) / double(s.tokens) == Catch::Approx(0.15).margin(0.01));
    CHECK(double(s.targets) / double(s.selected) > 1.8);
    // Per token inside selected units: 80/10/10 (the first token's thresholds are rescaled).
    const double n = double(s.targets);
    CHECK(s.actions[0] / n == Catch::Approx(0.8).margin(0.012));
    CHECK(s.actions[1] / n == Catch::Approx(0.1).margin(0.01));
    CHECK(s.actions[2] / n == Catch::Approx(0.1).margin(0.01));
  }
}

TEST_CASE("a selected unit is a target at every one of its tokens; specials never are",
          "[workloads][ernie]") {
  const std::string text = planted_corpus(9, 50000);
  const Lexicon lex = derive(text);
  const UnitLabels u = segment_units(text, lex, UnitLevel::entity);
  const int B = 16, T = 48;
  std::vector<std::int64_t> off(B);
  for (int b = 0; b < B; ++b) off[b] = 1000 + 2503 * b;
  std::vector<std::int32_t> tok;
  std::vector<std::int8_t> seg;
  window_inputs(text, u, off, T, tok, seg);
  MaskRule rule;
  rule.select_prob = 0.5;  // many selected units in one batch
  MaskedBatch mb;
  apply_mask(tok, seg, B, T, rule, Rng(1, 2), 0, mb);
  std::set<std::int32_t> targets(mb.positions.begin(), mb.positions.end());
  REQUIRE(targets.size() == mb.positions.size());  // distinct
  REQUIRE(std::is_sorted(mb.positions.begin(), mb.positions.end()));
  int multi = 0;
  for (std::size_t i = 0; i < tok.size(); ++i) {
    if (seg[i] == kSegSpecial) {
      CHECK(targets.count(static_cast<std::int32_t>(i)) == 0);
      CHECK(mb.input[i] == tok[i]);
      continue;
    }
    // Continuation tokens share their unit's fate.
    if (seg[i] == kSegContinue) {
      CHECK(targets.count(static_cast<std::int32_t>(i)) == targets.count(static_cast<std::int32_t>(i - 1)));
      if (targets.count(static_cast<std::int32_t>(i))) ++multi;
    }
    if (!targets.count(static_cast<std::int32_t>(i))) CHECK(mb.input[i] == tok[i]);
  }
  CHECK(multi > 10);  // whole multi-byte units were selected
  for (std::size_t k = 0; k < mb.positions.size(); ++k) {
    const auto i = static_cast<std::size_t>(mb.positions[k]);
    CHECK(mb.labels[k] == tok[i]);
    if (mb.actions[k] == MaskAction::mask) CHECK(mb.input[i] == kMask);
    if (mb.actions[k] == MaskAction::keep) CHECK(mb.input[i] == tok[i]);
    if (mb.actions[k] == MaskAction::random) CHECK(mb.input[i] < kNumBytes);  // never a special
  }
}

TEST_CASE("masking is a pure function of (rng key, draw base)", "[workloads][ernie]") {
  const std::string text = planted_corpus(2, 30000);
  const UnitLabels u = segment_units(text, derive(text), UnitLevel::entity);
  std::vector<std::int32_t> tok;
  std::vector<std::int8_t> seg;
  window_inputs(text, u, {10, 500, 9000, 20000}, 32, tok, seg);
  MaskedBatch a, b, c, d;
  apply_mask(tok, seg, 4, 32, MaskRule{}, Rng(42, 1), 1024, a);
  apply_mask(tok, seg, 4, 32, MaskRule{}, Rng(42, 1), 1024, b);
  apply_mask(tok, seg, 4, 32, MaskRule{}, Rng(42, 1), 2048, c);
  apply_mask(tok, seg, 4, 32, MaskRule{}, Rng(43, 1), 1024, d);
  CHECK(a.input == b.input);
  CHECK(a.positions == b.positions);
  CHECK(a.labels == b.labels);
  CHECK((a.positions != c.positions || a.input != c.input));
  CHECK((a.positions != d.positions || a.input != d.input));
}

TEST_CASE("the bernoulli path reproduces batching.py's thresholds token by token", "[workloads][ernie]") {
  // Basic mode with every byte a unit: selected iff p <= 0.15; (0.03, 0.15] → [MASK],
  // (0.015, 0.03] → random, <= 0.015 → keep, with p the token's own uniform.
  const int B = 2, T = 200;
  std::vector<std::int32_t> tok(B * T, 'a');
  std::vector<std::int8_t> seg(B * T, kSegStart);
  tok[0] = tok[T] = kCls;
  seg[0] = seg[T] = kSegSpecial;
  const Rng rng(5, 6);
  const std::uint64_t base = 77;
  MaskedBatch mb;
  apply_mask(tok, seg, B, T, MaskRule{}, rng, base, mb);
  std::size_t k = 0;
  for (std::size_t i = 0; i < tok.size(); ++i) {
    if (seg[i] == kSegSpecial) continue;
    const double p = rng.uniform(3 * (base + i));
    if (p > 0.15) continue;
    REQUIRE(k < mb.positions.size());
    CHECK(mb.positions[k] == static_cast<std::int32_t>(i));
    const MaskAction want = p > 0.2 * 0.15 ? MaskAction::mask : (p > 0.1 * 0.15 ? MaskAction::random : MaskAction::keep);
    CHECK(mb.actions[k] == want);
    ++k;
  }
  CHECK(k == mb.positions.size());
}

TEST_CASE("exact selection takes floor(units·0.15) units per batch", "[workloads][ernie]") {
  const std::string text = planted_corpus(4, 60000);
  const UnitLabels u = segment_units(text, derive(text), UnitLevel::phrase);
  std::vector<std::int32_t> tok;
  std::vector<std::int8_t> seg;
  MaskRule rule;
  rule.selection = UnitSelection::exact;
  std::array<std::int64_t, 3> actions{};
  for (int k = 0; k < 200; ++k) {
    std::vector<std::int64_t> off(4);
    for (int b = 0; b < 4; ++b) off[b] = (k * 4 + b) * 61;
    window_inputs(text, u, off, 40, tok, seg);
    MaskedBatch mb;
    apply_mask(tok, seg, 4, 40, rule, Rng(3, k), 0, mb);
    CHECK(mb.stats.selected_units ==
          std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(mb.stats.units * 0.15))));
    for (int a = 0; a < 3; ++a) actions[a] += mb.stats.actions[a];
  }
  const double n = double(actions[0] + actions[1] + actions[2]);
  CHECK(actions[0] / n == Catch::Approx(0.8).margin(0.03));
}

TEST_CASE("stage schedule: basic, then phrase, then entity, mixed by mask_word_prob", "[workloads][ernie]") {
  MaskSchedule s;  // stages, word_prob 0.5
  const Rng rng(1, 99);
  const std::int64_t total = 3000;
  std::array<std::array<int, 3>, 3> count{};  // [stage][level]
  for (std::int64_t k = 0; k < total; ++k) {
    const int stage = static_cast<int>(k * 3 / total);
    ++count[stage][static_cast<int>(level_for_step(s, k, total, rng))];
  }
  CHECK(count[0][0] == 1000);  // stage 1: basic only
  CHECK(count[1][2] == 0);
  CHECK(count[1][1] == Catch::Approx(500).margin(60));
  CHECK(count[2][1] == 0);
  CHECK(count[2][2] == Catch::Approx(500).margin(60));
  // Stage 3's coin of step k is rng.uniform(k) < word_prob: the same whatever the call order (a
  // stateful draw would differ when the steps are asked backwards), and another stream differs.
  const Rng other(2, 99);
  int differ = 0;
  for (std::int64_t k = total - 1; k >= 2 * total / 3 + 1; --k) {
    const UnitLevel want = rng.uniform(static_cast<std::uint64_t>(k)) < s.word_prob ? UnitLevel::entity : UnitLevel::basic;
    CHECK(level_for_step(s, k, total, rng) == want);
    differ += level_for_step(s, k, total, other) != want ? 1 : 0;
  }
  CHECK(differ > 300);  // about half of the ~1000 steps

  MaskSchedule fixed;
  fixed.kind = ScheduleKind::phrase;
  CHECK(level_for_step(fixed, 0, total, rng) == UnitLevel::phrase);
  MaskSchedule prob;
  prob.kind = ScheduleKind::probability;
  prob.word_prob = 1.0;
  CHECK(level_for_step(prob, 5, total, rng) == UnitLevel::entity);
  prob.word_prob = 0.0;
  CHECK(level_for_step(prob, 5, total, rng) == UnitLevel::basic);
}

TEST_CASE("KJV: at the phrase and entity levels at least 25% of targets are inside phrase/entity units",
          "[workloads][ernie][kjv]") {
  const char* env = std::getenv("XPB_DATA_DIR");
  const std::string dir = env ? env : test::source_path(".cache/data");
  if (!std::filesystem::exists(dir + "/kjv.txt")) SKIP("no " << dir << "/kjv.txt: run scripts/setup.sh");
  Context ctx;
  ctx.data_dir = dir;
  const Corpus c = load_corpus("kjv", ctx);
  const Lexicon lex = derive(c.train);
  // Batches as the workload draws them: B random windows of [CLS] + T-1 bytes of the train split,
  // masked with Baidu's per-unit Bernoulli(0.15); the share counts targets, not bytes.
  const int B = 16, T = 32, batches = 600;
  for (UnitLevel lv : {UnitLevel::phrase, UnitLevel::entity}) {
    const UnitLabels u = segment_units(c.train, lex, lv);
    const Rng rng(42, hash_name("ernie/batch")), mrng(42, hash_name("ernie/mask"));
    std::array<std::int64_t, kUnitKinds> by_kind{};
    std::vector<std::int32_t> tokens;
    std::vector<std::int8_t> seg;
    const std::uint64_t span = c.train.size() - (T - 1) + 1;
    for (int k = 0; k < batches; ++k) {
      std::vector<std::int64_t> off(B);
      for (int b = 0; b < B; ++b) off[b] = static_cast<std::int64_t>(rng.below(std::uint64_t(k) * B + b, span));
      window_inputs(c.train, u, off, T, tokens, seg);
      MaskedBatch mb;
      apply_mask(tokens, seg, B, T, MaskRule{}, mrng, std::uint64_t(k) * B * T, mb);
      for (std::int32_t p : mb.positions) {
        const std::size_t b = static_cast<std::size_t>(p / T), t = static_cast<std::size_t>(p % T);
        ++by_kind[static_cast<int>(u.kind[static_cast<std::size_t>(off[b]) + t - 1])];
      }
    }
    const double all = double(by_kind[0] + by_kind[1] + by_kind[2] + by_kind[3]);
    const double knowledge = double(by_kind[static_cast<int>(UnitKind::phrase)] +
                                    by_kind[static_cast<int>(UnitKind::entity)]) / all;
    INFO(to_string(lv) << ": " << all << " targets, " << knowledge << " inside phrase/entity units (bytes "
                       << by_kind[0] / all << ", words " << by_kind[1] / all << ")");
    CHECK(all > 40000);  // 600 batches · 16 windows · 31 bytes · 0.15
    CHECK(knowledge >= 0.25);
  }
}
