// tests/workloads/test_ernie_lexicon.cpp — the phrase/entity lists: the heuristics find what the
// planted corpus plants and reject stopwords; derivation, the file form and the cache are
// deterministic; the SHA-256 is of the file's bytes; gazetteer names that occur are added.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/base/error.hpp"
#include "core/base/sha256.hpp"
#include "tests/test_support.hpp"
#include "workloads/ernie/lexicon.hpp"
#include "workloads/ernie/planted_corpus.hpp"

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

}  // namespace

TEST_CASE("planted names are entities and planted pairs are phrases", "[workloads][ernie]") {
  const std::string text = planted_corpus(1, 150000);
  const Lexicon lex = derive_lexicon(text, LexiconOptions{});
  const auto ent = texts(lex.entities), phr = texts(lex.phrases);
  for (const auto& n : planted_names()) CHECK(ent.count(n) == 1);
  for (const auto& p : planted_phrases()) CHECK(phr.count(p) == 1);
  // Sentence openers and function words are never entities, even when capitalised.
  for (const char* w : {"And", "Then", "Now", "Behold", "But", "The"}) CHECK(ent.count(w) == 0);
  // No phrase opens or closes with a stopword, and phrases are lower case.
  for (const auto& p : lex.phrases) {
    CHECK(p.text.rfind("the ", 0) != 0);
    CHECK(p.text.rfind("and ", 0) != 0);
    CHECK(p.text.find(" of", p.text.size() - 3) == std::string::npos);
    for (char c : p.text) CHECK(!(c >= 'A' && c <= 'Z'));
    CHECK(p.count >= 20);
  }
  // Sorted by count, descending.
  for (std::size_t i = 1; i < lex.entities.size(); ++i) CHECK(lex.entities[i - 1].count >= lex.entities[i].count);
  CHECK(lex.max_entity_words() == 2);  // "Doran Vell", "Ilsa Moor"
}

TEST_CASE("the capitalisation rule: not sentence-initial, count >= 3, rarer in lower case",
          "[workloads][ernie]") {
  std::string text;
  for (int i = 0; i < 3; ++i) text += "we saw Zeb there.\n";    // 3 mid-sentence: entity
  for (int i = 0; i < 5; ++i) text += "Quor went home.\n";      // only sentence-initial: not
  for (int i = 0; i < 2; ++i) text += "we met Pell today.\n";   // 2 < 3: not
  for (int i = 0; i < 4; ++i) text += "the Stone and the stone and the stone.\n";  // lower more common
  const Lexicon lex = derive_lexicon(text, LexiconOptions{});
  const auto ent = texts(lex.entities);
  CHECK(ent.count("Zeb") == 1);
  CHECK(ent.count("Quor") == 0);
  CHECK(ent.count("Pell") == 0);
  CHECK(ent.count("Stone") == 0);
  LexiconOptions lower;
  lower.entity_min_count = 2;
  CHECK(texts(derive_lexicon(text, lower).entities).count("Pell") == 1);
}

TEST_CASE("derivation and its file are deterministic; parse inverts serialise", "[workloads][ernie]") {
  const std::string text = planted_corpus(7, 80000);
  const LexiconOptions opt;
  const Lexicon a = derive_lexicon(text, opt), b = derive_lexicon(text, opt);
  const std::string fa = serialize_lexicon(a, sha256_hex(text), opt);
  CHECK(fa == serialize_lexicon(b, sha256_hex(text), opt));
  const Lexicon back = parse_lexicon(fa, "mem");
  REQUIRE(back.entities.size() == a.entities.size());
  REQUIRE(back.phrases.size() == a.phrases.size());
  for (std::size_t i = 0; i < a.entities.size(); ++i) {
    CHECK(back.entities[i].text == a.entities[i].text);
    CHECK(back.entities[i].count == a.entities[i].count);
  }
  CHECK(back.sha256 == sha256_hex(fa));
  CHECK_THROWS_AS(parse_lexicon("not a lexicon\n", "bad.tsv"), Error);
  CHECK_THROWS_AS(parse_lexicon(fa + "entity\tseven\tX\n", "bad.tsv"), Error);
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
  // Different options or text: a different file.
  LexiconOptions other;
  other.trigram_min_count = 10;
  CHECK(build_or_load_lexicon(text, other, dir.path().string()).path != first.path);
  CHECK(build_or_load_lexicon(text + "x", LexiconOptions{}, dir.path().string()).path != first.path);
}

TEST_CASE("gazetteer names that occur in the text become entities", "[workloads][ernie]") {
  test::TempDir dir;
  const std::string gaz = dir.file("places.txt");
  {
    std::ofstream out(gaz);
    out << "# test places\nNorth Gate\nAtlantis\nZorath\n";
  }
  const std::string text = planted_corpus(1, 60000) + "they saw Ohm Land and Atlantis once.\n";
  LexiconOptions opt;
  opt.gazetteer_path = gaz;
  const Lexicon lex = build_or_load_lexicon(text, opt, dir.path().string());
  const auto ent = texts(lex.entities);
  CHECK(ent.count("Atlantis") == 1);    // occurs once: added by the gazetteer
  CHECK(ent.count("North Gate") == 0);  // never written capitalised in the text
  CHECK(lex.gazetteer_entities == 1);   // Zorath was an entity already
  CHECK(read_gazetteer(gaz).size() == 3);
  CHECK_THROWS_AS(read_gazetteer(dir.file("missing.txt")), Error);
}
