// tests/workloads/test_ernie_lexicon.cpp — the phrase/entity lists. On small texts: the
// capitalisation statistic (clause-internal capitals only), the gazetteer, the significance test,
// the noun-phrase shapes, the file form and the cache. On the KJV train split (skipped, visibly,
// without scripts/setup.sh's data): the known junk is gone, phrases containing names stay whole,
// and the precision on the hand-labelled sample data/ernie-lexicon-sample.tsv is at least 90%.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "core/base/error.hpp"
#include "core/base/rng.hpp"
#include "core/base/sha256.hpp"
#include "tests/test_support.hpp"
#include "workloads/ernie/corpus.hpp"
#include "workloads/ernie/lexicon.hpp"
#include "workloads/ernie/lexicon_words.hpp"
#include "workloads/ernie/planted_corpus.hpp"
#include "workloads/ernie/units.hpp"

using namespace xpb;
using namespace xpb::ernie;

namespace {

std::set<std::string> texts(const std::vector<LexiconEntry>& v) {
  std::set<std::string> s;
  for (const auto& e : v) s.insert(e.text);
  return s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// The installed Debian word lists, loaded (and their digests checked) once per test process.
const LexiconSources& sources() {
  static const LexiconSources s = load_lexicon_sources(default_source_manifest());
  return s;
}

std::string kjv_dir() {
  const char* env = std::getenv("XPB_DATA_DIR");
  return env ? env : test::source_path(".cache/data");
}

// The KJV train split (every 10th verse held out) and its lexicon, derived once per process.
// Empty when the corpus is not set up.
struct Kjv {
  Corpus corpus;
  Lexicon lexicon;
  bool ok = false;
};
const Kjv& kjv() {
  static const Kjv k = [] {
    Kjv r;
    if (!std::filesystem::exists(kjv_dir() + "/kjv.txt")) return r;
    Context ctx;
    ctx.data_dir = kjv_dir();
    r.corpus = load_corpus("kjv", ctx);
    r.lexicon = derive_lexicon(r.corpus.train, LexiconOptions{}, sources());  // never a stale cache
    r.ok = true;
    return r;
  }();
  return k;
}
#define REQUIRE_KJV() \
  if (!kjv().ok) SKIP("no " << kjv_dir() << "/kjv.txt: run scripts/setup.sh")

std::string unit_text(std::string_view text, const UnitLabels& u, std::size_t pos) {
  std::size_t b = pos, e = pos + 1;
  while (b > 0 && u.seg[b] == kSegContinue) --b;
  while (e < text.size() && u.seg[e] == kSegContinue) ++e;
  return std::string(text.substr(b, e - b));
}

// The labelled sample: entry, kind, label, reason.
struct Labelled {
  std::string entry, kind;
  bool correct = false;
};
std::vector<Labelled> read_sample(const std::string& path) {
  std::vector<Labelled> v;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream ls(line);
    for (std::string x; std::getline(ls, x, '\t');) f.push_back(x);
    REQUIRE(f.size() == 4);
    REQUIRE((f[2] == "correct" || f[2] == "incorrect"));
    v.push_back({f[0], f[1], f[2] == "correct"});
  }
  return v;
}

// The sample to label: per kind, the 50 entries with the smallest hash of their text (a bottom-k
// sample, as random as the hash, and stable: a change to the lexicon changes the sample only where
// it removes a sampled entry or adds one that hashes lower).
std::vector<LexiconEntry> bottom_k(const std::vector<LexiconEntry>& v, std::size_t k) {
  auto mix = [](std::uint64_t z) {  // SplitMix64's finaliser over the FNV-1a name hash
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::vector<std::pair<std::uint64_t, const LexiconEntry*>> h;
  for (const auto& e : v) h.push_back({mix(hash_name(("ernie/lexicon_sample/" + e.text).c_str())), &e});
  std::sort(h.begin(), h.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->text < b.second->text;
  });
  std::vector<LexiconEntry> out;
  for (std::size_t i = 0; i < k && i < h.size(); ++i) out.push_back(*h[i].second);
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Small texts

TEST_CASE("log-likelihood ratio: independence scores 0, a perfect association 40 ln 2",
          "[workloads][ernie]") {
  CHECK(log_likelihood_ratio(5, 5, 5, 5) == Catch::Approx(0.0).margin(1e-12));
  // (10, 0; 0, 10): every expected count is 5, G² = 2 (10 ln 2 + 10 ln 2).
  CHECK(log_likelihood_ratio(10, 0, 0, 10) == Catch::Approx(40.0 * std::log(2.0)).epsilon(1e-12));
  // A hand-computed table: (20, 80; 30, 870) has G² = 2 Σ O ln(O/E) with E = (5, 95; 45, 855).
  const double g = 2 * (20 * std::log(20 / 5.0) + 80 * std::log(80 / 95.0) + 30 * std::log(30 / 45.0) +
                        870 * std::log(870 / 855.0));
  CHECK(log_likelihood_ratio(20, 80, 30, 870) == Catch::Approx(g).epsilon(1e-12));
}

TEST_CASE("the capitalisation rule: inside a clause, count >= 3, capitalised >= 90% of the time",
          "[workloads][ernie]") {
  std::string text;
  for (int i = 0; i < 3; ++i) text += "we saw Zeb there.\n";              // 3 inside a clause: entity
  for (int i = 0; i < 5; ++i) text += "Quor went home.\n";                // line-initial only: not
  for (int i = 0; i < 6; ++i) text += "and he said, Yarb, come here.\n";  // after a comma (speech): not
  for (int i = 0; i < 2; ++i) text += "we met Pell today.\n";             // 2 < 3: not
  for (int i = 0; i < 4; ++i) text += "the Stone and the stone and the stone.\n";  // lower more common
  for (int i = 0; i < 9; ++i) text += "we saw Vask there and Vask saw vask.\n";    // 18 vs 9: 67% < 90%
  LexiconOptions opt;
  opt.gazetteer = false;
  const Lexicon lex = derive_lexicon(text, opt, sources());
  const auto ent = texts(lex.entities);
  CHECK(ent.count("Zeb") == 1);
  CHECK(ent.count("Quor") == 0);
  CHECK(ent.count("Yarb") == 0);
  CHECK(ent.count("Pell") == 0);
  CHECK(ent.count("Stone") == 0);
  CHECK(ent.count("Vask") == 0);
  LexiconOptions lower = opt;
  lower.entity_min_count = 2;
  CHECK(texts(derive_lexicon(text, lower, sources()).entities).count("Pell") == 1);
  lower.entity_cap_share = 0.6;
  CHECK(texts(derive_lexicon(text, lower, sources()).entities).count("Vask") == 1);
}

TEST_CASE("gazetteer names need only be capitalised twice as often as not; function words never are names",
          "[workloads][ernie]") {
  LexiconSources src = sources();
  src.gazetteer = {"Vask", "Ohm Land", "Zeb Dar"};
  std::string text;
  text += "we saw Vask there and Vask saw Vask and vask.\n";  // 3 vs 1: a gazetteer name (75% < 90%)
  text += "they came to Ohm Land at night.\n";                // a gazetteer name of two words, once
  text += "they came to Zeb dar and to zeb dar.\n";           // 1 vs 1: 50% < 2/3, not
  for (int i = 0; i < 4; ++i) text += "and then I went, and O my soul.\n";
  const Lexicon lex = derive_lexicon(text, LexiconOptions{}, src);
  const auto ent = texts(lex.entities);
  CHECK(ent.count("Vask") == 1);
  CHECK(ent.count("Ohm Land") == 1);
  CHECK(ent.count("Zeb dar") == 0);
  CHECK(ent.count("I") == 0);
  CHECK(ent.count("O") == 0);
  CHECK(lex.gazetteer_entities == 2);
  LexiconOptions none;
  none.gazetteer = false;
  CHECK(derive_lexicon(text, none, src).entities.empty());
}

TEST_CASE("the tagger: determiners decide ambiguous words, archaic verbs are verbs", "[workloads][ernie]") {
  const WordClasses wc(sources());
  auto tags = [&](const std::string& t, std::vector<char> ent = {}) {
    const auto w = split_words(t);
    ent.resize(w.size(), 0);
    std::string s;
    for (WordTag g : wc.tag(t, w, ent)) s.push_back(static_cast<char>(g));
    return s;
  };
  CHECK(tags("the burnt offering of the congregation") == "DANODN");
  CHECK(tags("and the LORD spake unto Moses", {0, 0, 1, 0, 0, 1}) == "SDESSE");
  CHECK(tags("he cometh and goeth") == "SVSV");
  CHECK(wc.is_function_word("unto"));
  CHECK(wc.is_function_word("shall"));
  CHECK_FALSE(wc.is_function_word("man"));  // in the connectives list, but a noun by WordNet
  CHECK_FALSE(wc.is_function_word("people"));
  CHECK(wc.phrasal_verb("brought", "forth"));
  CHECK(wc.phrasal_verb("goeth", "up"));
  CHECK_FALSE(wc.phrasal_verb("bread", "up"));
}

TEST_CASE("planted names are entities; planted pairs are inside phrases", "[workloads][ernie]") {
  const std::string text = planted_corpus(1, 150000);
  const Lexicon lex = derive_lexicon(text, LexiconOptions{}, sources());
  const auto ent = texts(lex.entities);
  for (const auto& n : planted_names()) CHECK(ent.count(n) == 1);
  for (const auto& p : planted_phrases()) {
    bool inside = false;
    for (const auto& e : lex.phrases)
      inside = inside || (" " + e.text + " ").find(" " + p + " ") != std::string::npos;
    INFO(p);
    CHECK(inside);
  }
  // Sentence openers and function words are never entities, even when capitalised.
  for (const char* w : {"And", "Then", "Now", "Behold", "But", "The"}) CHECK(ent.count(w) == 0);
  for (const auto& p : lex.phrases) {
    for (char c : p.text) CHECK(!(c >= 'A' && c <= 'Z'));
    CHECK(p.count >= 3);
    CHECK(p.text.find(' ') != std::string::npos);
  }
  for (std::size_t i = 1; i < lex.entities.size(); ++i)
    CHECK(lex.entities[i - 1].count >= lex.entities[i].count);
  CHECK(lex.max_entity_words() == 2);  // "Doran Vell", "Ilsa Moor"
}

TEST_CASE("derivation and its file are deterministic; parse inverts serialise", "[workloads][ernie]") {
  const std::string text = planted_corpus(7, 80000);
  const LexiconOptions opt;
  const Lexicon a = derive_lexicon(text, opt, sources()), b = derive_lexicon(text, opt, sources());
  const std::string fa = serialize_lexicon(a, sha256_hex(text), opt, "m");
  CHECK(fa == serialize_lexicon(b, sha256_hex(text), opt, "m"));
  const Lexicon back = parse_lexicon(fa, "mem");
  REQUIRE(back.entities.size() == a.entities.size());
  REQUIRE(back.phrases.size() == a.phrases.size());
  for (std::size_t i = 0; i < a.entities.size(); ++i) {
    CHECK(back.entities[i].text == a.entities[i].text);
    CHECK(back.entities[i].count == a.entities[i].count);
    CHECK(back.entities[i].evidence == a.entities[i].evidence);
  }
  CHECK(back.sha256 == sha256_hex(fa));
  CHECK_THROWS_AS(parse_lexicon("not a lexicon\n", "bad.tsv"), Error);
  CHECK_THROWS_AS(parse_lexicon(fa + "entity\tseven\tX\tcaps 1/0\n", "bad.tsv"), Error);
  CHECK_THROWS_AS(parse_lexicon(fa + "entity\t7\tX\n", "bad.tsv"), Error);
}

TEST_CASE("build_or_load writes the cache once and reads it back with the same SHA-256",
          "[workloads][ernie]") {
  test::TempDir dir;
  const std::string text = planted_corpus(8, 60000);
  const Lexicon first = build_or_load_lexicon(text, LexiconOptions{}, dir.path().string());
  REQUIRE(std::filesystem::exists(first.path));
  CHECK(first.path.find(dir.path().string() + "/ernie/lexicon-") == 0);
  CHECK(first.sha256 == sha256_hex(slurp(first.path)));
  const auto stamp = std::filesystem::last_write_time(first.path);
  const Lexicon second = build_or_load_lexicon(text, LexiconOptions{}, dir.path().string());
  CHECK(second.path == first.path);
  CHECK(second.sha256 == first.sha256);
  CHECK(std::filesystem::last_write_time(second.path) == stamp);
  CHECK(second.entities.size() == first.entities.size());
  // Different options, text or manifest: a different file.
  LexiconOptions other;
  other.phrase_min_count = 10;
  CHECK(build_or_load_lexicon(text, other, dir.path().string()).path != first.path);
  CHECK(build_or_load_lexicon(text + "x", LexiconOptions{}, dir.path().string()).path != first.path);
  const std::string manifest = dir.file("manifest.tsv");
  {
    std::ofstream out(manifest);
    out << slurp(default_source_manifest()) << "# another comment\n";
  }
  CHECK(build_or_load_lexicon(text, LexiconOptions{}, dir.path().string(), manifest).path != first.path);
  // No cache folder: the same lexicon, nothing written (not even into the working directory).
  test::TempDir cwd;
  const auto before = std::filesystem::current_path();
  std::filesystem::current_path(cwd.path());
  const Lexicon bare = build_or_load_lexicon(text, LexiconOptions{}, "");
  const bool wrote = !std::filesystem::is_empty(cwd.path());
  std::filesystem::current_path(before);
  CHECK_FALSE(wrote);
  CHECK(bare.path.empty());
  CHECK(bare.sha256 == first.sha256);
  CHECK(bare.entities.size() == first.entities.size());
}

TEST_CASE("the source manifest: a changed file or a missing role is an error with a hint",
          "[workloads][ernie]") {
  test::TempDir dir;
  const std::string good = slurp(default_source_manifest());
  CHECK(read_source_manifest(default_source_manifest()).size() == 13);
  // A digest that does not match the installed file.
  std::string bad = good;
  const std::size_t at = bad.find("\twordnet-base\t");
  REQUIRE(at != std::string::npos);
  const std::size_t digest = bad.find('\n', at) - 64;
  bad[digest] = bad[digest] == '0' ? '1' : '0';
  const std::string path = dir.file("bad.tsv");
  { std::ofstream(path) << bad; }
  try {
    load_lexicon_sources(path);
    FAIL("a wrong digest was accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("SHA-256") != std::string::npos);
    CHECK(e.where().line > 0);
    CHECK(!e.hint().empty());
  }
  const std::string missing = dir.file("missing.tsv");
  { std::ofstream(missing) << good.substr(0, good.find("cities")); }
  CHECK_THROWS_AS(read_source_manifest(missing), Error);
}

// ------------------------------------------------------------------------------------------------
// The KJV lexicon

TEST_CASE("KJV lexicon: the known junk is not an entry and not a unit", "[workloads][ernie][kjv]") {
  REQUIRE_KJV();
  const Lexicon& lex = kjv().lexicon;
  const auto ent = texts(lex.entities), phr = texts(lex.phrases);
  // Issue 16's examples: speech openers after a comma, appositions across a possessive, clause
  // fragments, a possessive dropped inside a phrase, and a name with the noun after it; then the
  // junk earlier derivations of this lexicon had: a gazetteer possessive ("Lord's Day" matched
  // "the LORD day by day"), constituents cut off, a preposition taken for a noun.
  const std::vector<std::string> junk = {
      "Would God",   "Michal Saul", "Assuredly Solomon", "Sir",       "Alas",  "Would",    "Assuredly",
      "mother name", "lord spake",  "pharaoh king",      "I",         "O",     "And",      "Behold",
      "LORD day",    "own home",    "the golden",        "the inner", "a dry", "king over"};
  for (const auto& j : junk) {
    INFO(j);
    CHECK(ent.count(j) == 0);
    std::string lower = j;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(phr.count(lower) == 0);
  }
  // Nor a unit where they occur in the train split, at either knowledge level: no unit contains a
  // whole junk span, and a junk word is never an entity unit.
  const std::string& train = kjv().corpus.train;
  auto is_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  for (UnitLevel lv : {UnitLevel::phrase, UnitLevel::entity}) {
    const UnitLabels u = segment_units(train, lex, lv);
    for (const std::string j : {"Would God", "Michal Saul", "Assuredly Solomon", "Sir", "Alas", "Would",
                                "Assuredly", "LORD spake", "Pharaoh king", "mother's name"}) {
      std::size_t found = 0;
      for (std::size_t p = train.find(j); p != std::string::npos; p = train.find(j, p + 1)) {
        if ((p > 0 && is_letter(train[p - 1])) || is_letter(train[p + j.size()])) continue;  // "Sirion"
        ++found;
        INFO(to_string(lv) << ": '" << j << "' at " << p << " is in unit '" << unit_text(train, u, p) << "'");
        if (j.find(' ') == std::string::npos && j.find('\'') == std::string::npos)
          CHECK(u.kind[p] != UnitKind::entity);
        else
          CHECK(unit_text(train, u, p).find(j) == std::string::npos);
      }
      INFO(j);
      CHECK(found > 0);  // the text does contain them
    }
  }
}

TEST_CASE("KJV lexicon: the names and phrases ERNIE should mask whole", "[workloads][ernie][kjv]") {
  REQUIRE_KJV();
  const Lexicon& lex = kjv().lexicon;
  const auto ent = texts(lex.entities), phr = texts(lex.phrases);
  for (const char* e : {"LORD", "God", "Israel", "Moses", "Jerusalem", "Egypt", "Jesus Christ", "Holy Ghost",
                        "Simon Peter", "Mary Magdalene", "Judas Iscariot", "Abimelech", "Michal", "Saul"}) {
    INFO(e);
    CHECK(ent.count(e) == 1);
  }
  for (const char* p : {"children of israel", "land of egypt", "burnt offering", "fig tree", "high priest",
                        "ark of the covenant"}) {
    bool inside = false;
    for (const auto& e : phr)
      inside = inside || (" " + e + " ").find(std::string(" ") + p + " ") != std::string::npos;
    INFO(p);
    CHECK(inside);
  }
  // A phrase containing an entity stays whole at the entity level.
  const std::string t = "and the children of Israel went up out of the land of Egypt, and Jesus Christ came.";
  const UnitLabels en = segment_units(t, lex, UnitLevel::entity);
  CHECK(unit_text(t, en, t.find("Israel")).find("children of Israel") != std::string::npos);
  CHECK(unit_text(t, en, t.find("Egypt")).find("land of Egypt") != std::string::npos);
  CHECK(unit_text(t, en, t.find("Jesus")) == "Jesus Christ");
  CHECK(en.kind[t.find("Jesus")] == UnitKind::entity);
}

TEST_CASE("KJV lexicon: precision on the hand-labelled sample is at least 90%", "[workloads][ernie][kjv]") {
  REQUIRE_KJV();
  const Lexicon& lex = kjv().lexicon;
  const auto ent = texts(lex.entities), phr = texts(lex.phrases);
  const std::vector<Labelled> sample = read_sample(test::source_path("data/ernie-lexicon-sample.tsv"));
  REQUIRE(sample.size() == 100);
  // The sample was drawn from the lexicon as derived then; entries the lexicon no longer has say
  // nothing about it. Most must still be there (and still be the sample a new draw would take),
  // or the sample must be drawn and labelled anew.
  std::map<std::string, int> present, correct, total;
  for (const auto& s : sample) {
    ++total[s.kind];
    const bool in = s.kind == "entity" ? ent.count(s.entry) > 0 : phr.count(s.entry) > 0;
    if (!in) continue;
    ++present[s.kind];
    correct[s.kind] += s.correct ? 1 : 0;
  }
  // How far the lexicon has moved from the labelled one: labelled entries that are no longer
  // among the current sample's (a new draw would pick others).
  std::set<std::string> now;
  for (const auto& e : bottom_k(lex.entities, 50)) now.insert("entity\t" + e.text);
  for (const auto& e : bottom_k(lex.phrases, 50)) now.insert("phrase\t" + e.text);
  int drawn_now = 0;
  for (const auto& s : sample) drawn_now += now.count(s.kind + "\t" + s.entry) ? 1 : 0;
  INFO(drawn_now << " of 100 labelled entries are the sample a new draw would label");
  CHECK(drawn_now >= 80);
  for (const char* kind : {"entity", "phrase"}) {
    INFO(kind << ": " << present[kind] << " of " << total[kind] << " labelled entries still in the lexicon, "
              << correct[kind] << " correct");
    REQUIRE(total[kind] > 0);
    CHECK(present[kind] >= 0.9 * total[kind]);
    CHECK(correct[kind] >= 0.9 * present[kind]);
  }
}

// Prints a fresh sample to label (not run by default), as data/ernie-lexicon-sample.tsv holds it.
// ERNIE's knowledge levels must have knowledge to mask: issue 16 asks that at the phrase and entity
// levels at least 25% of the masked-LM targets lie inside phrase or entity units. A unit is
// selected with one Bernoulli draw and every token of a selected unit is a target (apply_mask), so
// the expected share of targets inside units of a kind is that kind's share of the text's tokens;
// the byte share measured here is that expectation (the workload's knowledge_target_share_* metric
// reports the realised share of a run).
TEST_CASE("KJV lexicon: at the phrase and entity levels >= 25% of the text is inside phrase or entity units",
          "[workloads][ernie][kjv]") {
  REQUIRE_KJV();
  const std::string& train = kjv().corpus.train;
  for (UnitLevel lv : {UnitLevel::phrase, UnitLevel::entity}) {
    const UnitLabels u = segment_units(train, kjv().lexicon, lv);
    double inside = 0;
    for (UnitKind k : u.kind) inside += (k == UnitKind::phrase || k == UnitKind::entity) ? 1 : 0;
    const double share = inside / double(train.size());
    INFO(to_string(lv) << " level: " << 100 * share << "% of the bytes inside phrase or entity units");
    CHECK(share >= 0.25);
  }
}

TEST_CASE("draw the lexicon sample to label", "[.ernie-lexicon-sample]") {
  REQUIRE_KJV();
  const Lexicon& lex = kjv().lexicon;
  for (const auto* list : {&lex.entities, &lex.phrases})
    for (const auto& e : bottom_k(*list, 50))
      std::cout << e.text << "\t" << (list == &lex.entities ? "entity" : "phrase") << "\t\t" << e.count << " "
                << e.evidence << "\n";
}

// Statistics for docs/ernie.md (not run by default).
TEST_CASE("report the KJV lexicon's statistics", "[.ernie-lexicon-report]") {
  REQUIRE_KJV();
  LexiconOptions o;
  if (const char* v = std::getenv("LLR")) o.min_llr = std::atof(v);
  if (const char* v = std::getenv("MINC")) o.phrase_min_count = std::atoi(v);
  const Lexicon lex = derive_lexicon(kjv().corpus.train, o, sources());
  std::map<std::string, int> by_source;
  for (const auto& e : lex.entities) {
    const std::string src = e.evidence.substr(0, e.evidence.find(' '));
    ++by_source[std::string(e.text.find(' ') == std::string::npos ? "entity-word " : "entity-multi ") + src];
  }
  for (const auto& e : lex.phrases) ++by_source["phrase " + e.evidence.substr(0, e.evidence.find(' '))];
  for (const auto& [k, v] : by_source) std::cout << k << "\t" << v << "\n";
  const std::string& train = kjv().corpus.train;
  for (UnitLevel lv : {UnitLevel::phrase, UnitLevel::entity}) {
    const UnitLabels u = segment_units(train, lex, lv);
    std::array<double, kUnitKinds> bytes{};
    for (UnitKind k : u.kind) bytes[static_cast<int>(k)] += 1;
    std::cout << to_string(lv) << " units:";
    for (int k = 0; k < kUnitKinds; ++k)
      std::cout << " " << to_string(static_cast<UnitKind>(k)) << " " << u.units[k] << " ("
                << 100.0 * bytes[k] / double(train.size()) << "% of bytes)";
    std::cout << "\n";
  }
  if (const char* t = std::getenv("XPB_TAG")) {  // tags of a text, for reading
    const WordClasses wc(sources());
    const std::string text(t);
    const auto w = split_words(text);
    std::vector<char> ent(w.size(), 0);
    for (WordTag g : wc.tag(text, w, ent)) std::cout << static_cast<char>(g);
    std::cout << "\n";
  }
  if (const char* f = std::getenv("XPB_FIND")) {  // tags around a phrase in the train split
    const WordClasses wc(sources());
    const std::string& text = kjv().corpus.train;
    const auto w = split_words(text);
    std::vector<char> ent(w.size(), 0);
    const auto tg = wc.tag(text, w, ent);
    const std::size_t at = text.find(f);
    for (std::size_t i = 0; i < w.size(); ++i)
      if (w[i].begin + 40 >= at && w[i].begin <= at + 40)
        std::cout << text.substr(w[i].begin, w[i].end - w[i].begin) << "/" << static_cast<char>(tg[i]) << " ";
    std::cout << "\n";
  }
  if (const char* dump = std::getenv("XPB_LEXICON_DUMP"))  // the whole list, for reading
    std::ofstream(dump) << serialize_lexicon(lex, kjv().corpus.train_sha256, o, sources().manifest_sha256);
}
