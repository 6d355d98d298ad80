// workloads/ernie/lexicon.cpp — deriving, writing and reading the phrase and entity lists.
// Entities: a capitalisation heuristic (workloads.md §6.3), documented as such — it is not NER.
// Phrases: word bigrams by count and PMI, word trigrams by count, no stopword at either end.
// Every ordering is total (count, then text), so the file is byte-identical run to run.
#include "workloads/ernie/lexicon.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <unistd.h>

#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/base/sha256.hpp"
#include "workloads/ernie/units.hpp"

namespace xpb::ernie {
namespace {

constexpr const char* kFormat = "# xpubench ernie lexicon v1";
constexpr std::size_t kMaxEntityRun = 4;  // longest capitalised run kept as one entity

// Capitalised words that are sentence openers or function words, not names (compared in lower
// case). A word is also rejected when its lower-case form is at least as common (see below).
const std::unordered_set<std::string>& entity_stoplist() {
  static const std::unordered_set<std::string> s = {
      "a", "all", "also", "am", "amen", "an", "and", "are", "as", "at", "be", "because", "before",
      "behold", "blessed", "but", "by", "come", "do", "even", "every", "for", "from", "go",
      "hear", "he", "her", "here", "his", "how", "i", "if", "in", "is", "it", "let", "lo", "my",
      "nay", "neither", "no", "nor", "not", "now", "o", "of", "oh", "on", "or", "our", "praise",
      "say", "selah", "she", "so", "than", "that", "the", "thee", "their", "then", "there",
      "therefore", "these", "they", "this", "those", "thou", "thus", "thy", "to", "unto", "up",
      "upon", "us", "we", "what", "when", "where", "wherefore", "which", "who", "whom", "why",
      "with", "woe", "ye", "yea", "yet", "you", "your"};
  return s;
}

// Function words that may not open or close a phrase (lower case).
const std::unordered_set<std::string>& phrase_stopwords() {
  static const std::unordered_set<std::string> s = {
      "a", "about", "after", "against", "all", "also", "am", "an", "and", "any", "are", "art",
      "as", "at", "be", "because", "been", "before", "but", "by", "came", "come", "did", "do",
      "doth", "even", "every", "for", "from", "had", "hast", "hath", "have", "he", "her", "him",
      "his", "how", "i", "if", "in", "into", "is", "it", "its", "let", "me", "my", "neither",
      "no", "nor", "not", "now", "o", "of", "on", "one", "or", "our", "out", "over", "said",
      "saith", "shall", "shalt", "she", "so", "than", "that", "the", "thee", "their", "them",
      "then", "there", "therefore", "these", "they", "thine", "this", "those", "thou", "thus",
      "thy", "to", "unto", "up", "upon", "us", "was", "we", "went", "were", "what", "when",
      "where", "which", "who", "whom", "why", "will", "wilt", "with", "ye", "yet", "you",
      "your"};
  return s;
}

std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}
bool is_capitalised(std::string_view key) { return !key.empty() && key[0] >= 'A' && key[0] <= 'Z'; }

// Words [i, i + n) joined by single spaces (lower-cased when asked); "" when not joined.
std::string ngram(std::string_view text, const std::vector<WordSpan>& w, std::size_t i,
                  std::size_t n, bool lower_case) {
  std::string out;
  for (std::size_t k = 0; k < n; ++k) {
    if (k > 0) {
      if (!w[i + k - 1].joined_to_next) return {};
      out.push_back(' ');
    }
    out += lower_case ? to_lower(word_key(text, w[i + k])) : std::string(word_key(text, w[i + k]));
  }
  return out;
}

void sort_entries(std::vector<LexiconEntry>& v) {
  std::sort(v.begin(), v.end(), [](const LexiconEntry& a, const LexiconEntry& b) {
    return a.count != b.count ? a.count > b.count : a.text < b.text;
  });
}

int max_words(const std::vector<LexiconEntry>& v) {
  int m = 0;
  for (const auto& e : v) m = std::max(m, 1 + static_cast<int>(std::count(e.text.begin(), e.text.end(), ' ')));
  return m;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error({path, 0, ""}, "cannot read file");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

std::string LexiconOptions::describe() const {
  std::ostringstream os;
  os << "entity_min_count=" << entity_min_count << " bigram_min_count=" << bigram_min_count
     << " bigram_min_pmi=" << bigram_min_pmi << " trigram_min_count=" << trigram_min_count
     << " gazetteer=" << (gazetteer_path.empty() ? "none" : gazetteer_path);
  return os.str();
}

int Lexicon::max_entity_words() const { return max_words(entities); }
int Lexicon::max_phrase_words() const { return max_words(phrases); }

// ------------------------------------------------------------------------------------------------
// Derivation

Lexicon derive_lexicon(std::string_view text, const LexiconOptions& opt,
                       const std::vector<std::string>& gazetteer) {
  const std::vector<WordSpan> words = split_words(text);
  const auto& stop = entity_stoplist();

  // --- Entities: capitalised, not sentence-initial, not stoplisted, rarer in lower case.
  std::unordered_map<std::string, std::int64_t> cap_mid, lower_count;
  std::vector<char> candidate(words.size(), 0);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string_view key = word_key(text, words[i]);
    const std::string lk = to_lower(key);
    if (lk == key) ++lower_count[lk];
    if (!is_capitalised(key) || stop.count(lk)) continue;
    candidate[i] = 1;
    if (!words[i].sentence_start) ++cap_mid[std::string(key)];
  }
  std::map<std::string, std::int64_t> entity_count;  // ordered: deterministic iteration
  for (const auto& [key, c] : cap_mid) {
    const auto it = lower_count.find(to_lower(key));
    const std::int64_t lc = it == lower_count.end() ? 0 : it->second;
    if (c >= opt.entity_min_count && lc < c) entity_count[key] = c;
  }
  // Maximal runs of 2..kMaxEntityRun candidate words joined by single spaces, not at a sentence
  // start ("Jesus Christ", "Lord GOD", "Simon Peter").
  std::map<std::string, std::int64_t> runs;
  for (std::size_t i = 0; i < words.size();) {
    if (!candidate[i]) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < words.size() && candidate[j] && words[j - 1].joined_to_next) ++j;
    const std::size_t n = j - i;
    if (n >= 2 && n <= kMaxEntityRun && !words[i].sentence_start) ++runs[ngram(text, words, i, n, false)];
    i = j;
  }
  for (const auto& [run, c] : runs)
    if (c >= opt.entity_min_count) entity_count[run] = c;

  // --- Gazetteer names (as written) that occur in the train split and are not entities yet.
  std::int64_t from_gazetteer = 0;
  if (!gazetteer.empty()) {
    std::map<std::string, std::int64_t> wanted;
    std::size_t longest = 0;
    for (const auto& name : gazetteer) {
      // Normalise to words joined by single spaces, keys as split_words cuts them.
      const std::vector<WordSpan> gw = split_words(name);
      if (gw.empty()) continue;
      const std::string k = ngram(name, gw, 0, gw.size(), false);
      if (k.empty() || entity_count.count(k)) continue;
      wanted[k] = 0;
      longest = std::max(longest, gw.size());
    }
    for (std::size_t i = 0; i < words.size(); ++i)
      for (std::size_t n = 1; n <= longest && i + n <= words.size(); ++n) {
        const std::string k = ngram(text, words, i, n, false);
        if (k.empty()) break;
        auto it = wanted.find(k);
        if (it != wanted.end()) ++it->second;
      }
    for (const auto& [k, c] : wanted)
      if (c > 0) {
        entity_count[k] = c;
        ++from_gazetteer;
      }
  }

  // --- Phrases: lower-case word n-grams inside a clause.
  const auto& pstop = phrase_stopwords();
  std::unordered_map<std::string, std::int64_t> uni;
  std::map<std::string, std::int64_t> bi, tri;
  std::vector<std::string> lk(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    lk[i] = to_lower(word_key(text, words[i]));
    ++uni[lk[i]];
  }
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (!words[i].joined_to_next) continue;
    if (!pstop.count(lk[i]) && !pstop.count(lk[i + 1])) ++bi[lk[i] + " " + lk[i + 1]];
    if (i + 2 < words.size() && words[i + 1].joined_to_next && !pstop.count(lk[i]) &&
        !pstop.count(lk[i + 2]))
      ++tri[lk[i] + " " + lk[i + 1] + " " + lk[i + 2]];
  }
  const double total = static_cast<double>(words.size());
  Lexicon lex;
  for (const auto& [k, c] : bi) {
    if (c < opt.bigram_min_count) continue;
    const std::size_t sp = k.find(' ');
    const double c1 = static_cast<double>(uni[k.substr(0, sp)]);
    const double c2 = static_cast<double>(uni[k.substr(sp + 1)]);
    const double pmi = std::log(static_cast<double>(c) * total / (c1 * c2));
    if (pmi > opt.bigram_min_pmi) lex.phrases.push_back({k, c});
  }
  for (const auto& [k, c] : tri)
    if (c >= opt.trigram_min_count) lex.phrases.push_back({k, c});

  for (const auto& [k, c] : entity_count) lex.entities.push_back({k, c});
  lex.gazetteer_entities = from_gazetteer;
  sort_entries(lex.entities);
  sort_entries(lex.phrases);
  return lex;
}

// ------------------------------------------------------------------------------------------------
// File form

std::string serialize_lexicon(const Lexicon& lex, const std::string& train_sha256,
                              const LexiconOptions& options) {
  std::ostringstream os;
  os << kFormat << "\n# train_sha256 " << train_sha256 << "\n# options " << options.describe()
     << "\n# gazetteer_entities " << lex.gazetteer_entities << "\n";
  for (const auto& e : lex.entities) os << "entity\t" << e.count << "\t" << e.text << "\n";
  for (const auto& p : lex.phrases) os << "phrase\t" << p.count << "\t" << p.text << "\n";
  return os.str();
}

Lexicon parse_lexicon(const std::string& text, const std::string& where) {
  Lexicon lex;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line != kFormat)
      throw Error({where, 1, ""}, "not an xpubench ernie lexicon (v1)",
                  "delete the file; the workload derives it again");
    if (line.empty()) continue;
    if (line[0] == '#') {
      const std::string tag = "# gazetteer_entities ";
      if (line.compare(0, tag.size(), tag) == 0) lex.gazetteer_entities = std::stoll(line.substr(tag.size()));
      continue;
    }
    const std::size_t t1 = line.find('\t'), t2 = line.find('\t', t1 == std::string::npos ? t1 : t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos)
      throw Error({where, line_no, ""}, "expected KIND<TAB>COUNT<TAB>TEXT");
    LexiconEntry e{line.substr(t2 + 1), 0};
    try {
      e.count = std::stoll(line.substr(t1 + 1, t2 - t1 - 1));
    } catch (const std::exception&) {
      throw Error({where, line_no, ""}, "count is not an integer");
    }
    const std::string kind = line.substr(0, t1);
    if (kind == "entity") lex.entities.push_back(std::move(e));
    else if (kind == "phrase") lex.phrases.push_back(std::move(e));
    else throw Error({where, line_no, ""}, "unknown entry kind '" + kind + "'", "entity or phrase");
  }
  lex.sha256 = sha256_hex(text);
  return lex;
}

std::vector<std::string> read_gazetteer(const std::string& path) {
  std::istringstream in(read_text_file(path));
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    names.push_back(line);
  }
  return names;
}

Lexicon build_or_load_lexicon(std::string_view train_text, const LexiconOptions& options,
                              const std::string& cache_dir) {
  namespace fs = std::filesystem;
  const std::string train_sha = sha256_hex(std::string(train_text));
  std::string gaz_sha = "none";
  std::vector<std::string> gazetteer;
  if (!options.gazetteer_path.empty()) {
    gaz_sha = sha256_file(options.gazetteer_path);
    gazetteer = read_gazetteer(options.gazetteer_path);
  }
  const std::string key =
      sha256_hex(std::string(kFormat) + "\n" + train_sha + "\n" + options.describe() + "\n" + gaz_sha)
          .substr(0, 16);
  const fs::path dir = fs::path(cache_dir) / "ernie";
  const fs::path file = dir / ("lexicon-" + key + ".tsv");
  std::error_code ec;
  if (fs::exists(file, ec)) {
    Lexicon lex = parse_lexicon(read_text_file(file.string()), file.string());
    lex.path = file.string();
    return lex;
  }
  Lexicon lex = derive_lexicon(train_text, options, gazetteer);
  const std::string text = serialize_lexicon(lex, train_sha, options);
  fs::create_directories(dir, ec);
  if (ec) throw Error({dir.string(), 0, ""}, "cannot create the cache folder: " + ec.message());
  // Write beside, then rename: a concurrent reader never sees half a file.
  write_file_atomically(file.string(), text, "the lexicon cache");
  lex.path = file.string();
  lex.sha256 = sha256_hex(text);
  return lex;
}

}  // namespace xpb::ernie
