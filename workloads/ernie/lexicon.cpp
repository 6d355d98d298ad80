// workloads/ernie/lexicon.cpp — deriving, writing and reading the phrase and entity lists.
// Entities: capitalisation statistics over clause-internal words (KJV capitalises the first word
// of a verse, of a sentence and of quoted speech after a comma, so only a word joined to the
// previous one by a single space counts), confirmed or completed by gazetteer names; multi-word
// names must pass the significance test. Phrases: noun-phrase and phrasal-verb candidates from the
// tagger (lexicon_words.hpp) that are significant collocations (log-likelihood ratio, min over the
// binary splits of the n-gram) and stand alone as a unit at least phrase_min_count times.
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

#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/base/sha256.hpp"
#include "workloads/ernie/lexicon_words.hpp"
#include "workloads/ernie/units.hpp"

namespace xpb::ernie {
namespace {

constexpr const char* kFormat = "# xpubench ernie lexicon v2";
// Part of the cache key: bump it with every change to what derive_lexicon() or the tagger
// (lexicon_words.cpp) produce, so that no cached list from older code is read back.
constexpr const char* kDerivation = "derivation 9";
constexpr std::size_t kMaxNameWords = 4;  // longest multi-word name (runs and gazetteer names)

std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}
bool is_capitalised(std::string_view key) { return !key.empty() && key[0] >= 'A' && key[0] <= 'Z'; }
bool is_lower_case(std::string_view key) {
  for (char c : key)
    if (c >= 'A' && c <= 'Z') return false;
  return true;
}
bool letters_only(const std::string& s) {
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ' || c == '\'')) return false;
  return !s.empty();
}

void sort_entries(std::vector<LexiconEntry>& v) {
  std::sort(v.begin(), v.end(), [](const LexiconEntry& a, const LexiconEntry& b) {
    return a.count != b.count ? a.count > b.count : a.text < b.text;
  });
}

int max_words(const std::vector<LexiconEntry>& v) {
  int m = 0;
  for (const auto& e : v)
    m = std::max(m, 1 + static_cast<int>(std::count(e.text.begin(), e.text.end(), ' ')));
  return m;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error({path, 0, ""}, "cannot read file");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string fixed(double v, int digits) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(digits);
  os << v;
  return os.str();
}

// The shapes of a noun phrase over word tags (lexicon_words.hpp), Justeson & Katz's (1995)
// terminological patterns widened to base-NP chunks:
//   simple  = (P D | P | D)? U* [A N]* (N | E+), or "the" A ("the wicked")
//   phrase  = simple | simple "of" simple' (simple' without the adjective head) | E poss E
bool simple_np(const WordTag* t, const std::string* low, std::size_t n, bool adjective_head) {
  std::size_t i = 0;
  const bool definite = low[0] == "the";
  if (t[0] == WordTag::predeterminer) {
    ++i;
    if (i < n && t[i] == WordTag::determiner) ++i;
  } else if (t[0] == WordTag::determiner) {
    ++i;
  }
  while (i < n && t[i] == WordTag::number) ++i;
  if (i >= n) return false;
  std::size_t head = n - 1;
  if (t[n - 1] == WordTag::entity) {
    while (head > i && t[head - 1] == WordTag::entity) --head;
  } else if (!(t[n - 1] == WordTag::noun ||
               (definite && n == 2 && adjective_head && t[n - 1] == WordTag::adjective))) {
    return false;
  }
  for (std::size_t j = i; j < head; ++j)
    if (t[j] != WordTag::adjective && t[j] != WordTag::noun) return false;
  return true;
}

bool noun_phrase_shape(const WordTag* t, const std::string* low, std::size_t n) {
  if (low[0] == "own") return false;  // "own home" is cut off from "their own home"
  if (n == 3 && t[0] == WordTag::entity && t[1] == WordTag::determiner && t[2] == WordTag::entity)
    return WordClasses::is_possessive_determiner(low[1]);  // "LORD thy God"
  std::size_t of = n;
  for (std::size_t j = 0; j < n; ++j)
    if (t[j] == WordTag::of) {
      if (of != n) return false;  // at most one "of"
      of = j;
    }
  if (of == n) return simple_np(t, low, n, true);
  if (of == 0 || of + 1 >= n) return false;
  return simple_np(t, low, of, true) && low[of + 1] != "own" &&
         simple_np(t + of + 1, low + of + 1, n - of - 1, false);
}

// Lower-case n-gram statistics over spans of words joined by single spaces with no possessive
// word in them: the number of span positions per length and the counts of the keys asked for.
struct NgramCounts {
  std::vector<std::int64_t> positions;                  // per n
  std::unordered_map<std::string, std::int64_t> count;  // only the keys asked for
  std::int64_t of(const std::string& key) const {
    const auto it = count.find(key);
    return it == count.end() ? 0 : it->second;
  }
};

NgramCounts count_ngrams(const std::vector<WordSpan>& words, const std::vector<std::string>& low,
                         std::size_t max_n, const std::unordered_set<std::string>& wanted) {
  NgramCounts c;
  c.positions.assign(max_n + 1, 0);
  for (const auto& k : wanted) c.count[k] = 0;
  std::string key;
  for (std::size_t i = 0; i < words.size(); ++i) {
    key.clear();
    for (std::size_t n = 1; n <= max_n && i + n <= words.size(); ++n) {
      const WordSpan& w = words[i + n - 1];
      if (n > 1 && !words[i + n - 2].joined_to_next) break;
      if (w.key_end != w.end) break;  // a possessive word ends every span through it
      if (n > 1) key.push_back(' ');
      key += low[i + n - 1];
      ++c.positions[n];
      auto it = c.count.find(key);
      if (it != c.count.end()) ++it->second;
    }
  }
  return c;
}

// Significance of an n-gram as a unit: the smallest G² over its binary splits (prefix, suffix),
// 0 when a split is not positively associated.
double min_split_llr(const std::string& key, const NgramCounts& c) {
  std::vector<std::size_t> spaces;
  for (std::size_t p = 0; p < key.size(); ++p)
    if (key[p] == ' ') spaces.push_back(p);
  const std::size_t n = spaces.size() + 1;
  if (n < 2 || n >= c.positions.size()) return 0.0;
  const double k11 = static_cast<double>(c.of(key)), T = static_cast<double>(c.positions[n]);
  double best = INFINITY;
  for (std::size_t sp : spaces) {
    const double ca = static_cast<double>(c.of(key.substr(0, sp)));
    const double cb = static_cast<double>(c.of(key.substr(sp + 1)));
    if (k11 * T <= ca * cb) return 0.0;  // not more frequent together than apart
    best = std::min(best, log_likelihood_ratio(k11, ca - k11, cb - k11, T - ca - cb + k11));
  }
  return best;
}

void add_prefixes_and_suffixes(const std::string& key, std::unordered_set<std::string>& out) {
  out.insert(key);
  for (std::size_t p = 0; p < key.size(); ++p)
    if (key[p] == ' ') {
      out.insert(key.substr(0, p));
      out.insert(key.substr(p + 1));
    }
}

}  // namespace

double log_likelihood_ratio(double k11, double k12, double k21, double k22) {
  if (k11 < 0 || k12 < 0 || k21 < 0 || k22 < 0) return 0.0;
  auto xlogx = [](double x) { return x > 0 ? x * std::log(x) : 0.0; };
  const double n = k11 + k12 + k21 + k22;
  if (n <= 0) return 0.0;
  // G² = 2 Σ O ln(O/E) = 2 (Σ k ln k − Σ rows r ln r − Σ cols c ln c + n ln n)
  const double g = xlogx(k11) + xlogx(k12) + xlogx(k21) + xlogx(k22) - xlogx(k11 + k12) - xlogx(k21 + k22) -
                   xlogx(k11 + k21) - xlogx(k12 + k22) + xlogx(n);
  return std::max(0.0, 2.0 * g);
}

std::string LexiconOptions::describe() const {
  std::ostringstream os;
  os << "entity_min_count=" << entity_min_count << " entity_cap_share=" << entity_cap_share
     << " gazetteer_cap_share=" << gazetteer_cap_share << " phrase_min_count=" << phrase_min_count
     << " min_llr=" << min_llr << " max_phrase_words=" << max_phrase_words
     << " gazetteer=" << (gazetteer ? "debian" : "none");
  return os.str();
}

int Lexicon::max_entity_words() const { return max_words(entities); }
int Lexicon::max_phrase_words() const { return max_words(phrases); }

// ------------------------------------------------------------------------------------------------
// Derivation

Lexicon derive_lexicon(std::string_view text, const LexiconOptions& opt, const LexiconSources& src) {
  const std::vector<WordSpan> words = split_words(text);
  const std::size_t N = words.size();
  const WordClasses wc(src);
  std::vector<std::string> low(N);
  std::vector<std::string_view> key(N);
  std::vector<char> internal(N, 0), poss(N, 0);
  for (std::size_t i = 0; i < N; ++i) {
    key[i] = word_key(text, words[i]);
    low[i] = to_lower(key[i]);
    internal[i] = i > 0 && words[i - 1].joined_to_next;
    poss[i] = words[i].key_end != words[i].end;
  }
  Lexicon lex;

  // --- Gazetteer names, lower case, by number of words.
  std::unordered_set<std::string> gaz1, gazn;
  if (opt.gazetteer)
    for (const auto& name : src.gazetteer) {
      // Letters and spaces only: a possessive ("Lord's Day") would match "the LORD day by day".
      if (!letters_only(name) || name.find('\'') != std::string::npos) continue;
      const std::vector<WordSpan> gw = split_words(name);
      if (gw.empty() || gw.size() > kMaxNameWords) continue;
      std::string k;
      for (std::size_t j = 0; j < gw.size(); ++j) k += (j ? " " : "") + to_lower(word_key(name, gw[j]));
      (gw.size() == 1 ? gaz1 : gazn).insert(k);
    }

  // --- Single-word entities: capitalised inside a clause (C) against written in lower case (L).
  std::unordered_map<std::string, std::int64_t> cap_internal, lower_count;
  std::map<std::string, std::int64_t> spelling_all;  // capitalised spelling → occurrences
  std::unordered_map<std::string, std::int64_t> spelling_internal;
  for (std::size_t i = 0; i < N; ++i) {
    if (is_capitalised(key[i])) {
      const std::string k(key[i]);
      ++spelling_all[k];
      if (internal[i]) {
        ++cap_internal[low[i]];
        ++spelling_internal[k];
      }
    } else if (is_lower_case(key[i])) {
      ++lower_count[low[i]];
    }
  }
  std::unordered_map<std::string, std::string> accepted;  // lower form → evidence
  for (const auto& [lk, C] : cap_internal) {
    if (wc.is_function_word(lk)) continue;  // "I", "O", "Thou"
    const auto it = lower_count.find(lk);
    const std::int64_t L = it == lower_count.end() ? 0 : it->second;
    const double share = double(C) / double(C + L);
    const std::string ev = std::to_string(C) + "/" + std::to_string(L);
    if (C >= opt.entity_min_count && share >= opt.entity_cap_share)
      accepted[lk] = "caps " + ev;
    else if (gaz1.count(lk) && C >= 1 && share >= opt.gazetteer_cap_share)
      accepted[lk] = "gazetteer " + ev;
  }
  std::unordered_set<std::string> entity_spelling;
  for (const auto& [spelling, c] : spelling_all) {
    const auto it = accepted.find(to_lower(spelling));
    if (it == accepted.end() || !spelling_internal.count(spelling)) continue;
    entity_spelling.insert(spelling);
    lex.entities.push_back({spelling, c, it->second});
    if (it->second.rfind("gazetteer", 0) == 0) ++lex.gazetteer_entities;
  }

  // --- Multi-word name candidates (as written): maximal runs of 2..4 capitalised content words
  // starting inside a clause, never through or ending on a possessive ("Michal Saul's daughter"
  // is two names); an entity, a possessive determiner, an entity ("LORD thy God"); gazetteer
  // names written with a capital first word inside a clause (C) against all in lower case (L).
  std::map<std::string, std::int64_t> name_runs;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> gaz_multi;  // lower → (C, L)
  std::map<std::string, std::map<std::string, std::int64_t>> gaz_spelling;
  auto content_cap = [&](std::size_t i) { return is_capitalised(key[i]) && !wc.is_function_word(low[i]); };
  for (std::size_t i = 0; i < N; ++i) {
    if (internal[i] && content_cap(i) && !(i > 0 && content_cap(i - 1))) {
      std::size_t j = i + 1;
      while (j < N && words[j - 1].joined_to_next && !poss[j - 1] && content_cap(j)) ++j;
      if (j - i >= 2 && j - i <= kMaxNameWords && !poss[j - 1]) {
        std::string k;
        for (std::size_t m = i; m < j; ++m) k += (m > i ? " " : "") + std::string(key[m]);
        ++name_runs[k];
      }
    }
    if (internal[i] && i + 2 < N && entity_spelling.count(std::string(key[i])) && words[i].joined_to_next &&
        words[i + 1].joined_to_next && WordClasses::is_possessive_determiner(std::string(key[i + 1])) &&
        entity_spelling.count(std::string(key[i + 2])) && !poss[i] && !poss[i + 2])
      ++name_runs[std::string(key[i]) + " " + std::string(key[i + 1]) + " " + std::string(key[i + 2])];
    if (!gazn.empty()) {
      std::string lk = low[i], as_written(key[i]);
      for (std::size_t n = 2; n <= kMaxNameWords && i + n <= N; ++n) {
        if (!words[i + n - 2].joined_to_next || poss[i + n - 2]) break;
        lk += " " + low[i + n - 1];
        as_written += " " + std::string(key[i + n - 1]);
        if (!gazn.count(lk) || poss[i + n - 1]) continue;
        bool function_word = false;  // "God will", "I John": not names here
        for (std::size_t m = i; m < i + n; ++m)
          function_word = function_word || (wc.is_function_word(low[m]) &&
                                            !(m > i && m + 1 < i + n && (low[m] == "the" || low[m] == "of")));
        if (function_word) continue;
        if (is_capitalised(key[i]) && internal[i]) {
          ++gaz_multi[lk].first;
          ++gaz_spelling[lk][as_written];
        } else if (is_lower_case(as_written)) {
          ++gaz_multi[lk].second;
        }
      }
    }
  }

  // --- Phrase candidates: tag the words (names as entities), then every span of 2..max words
  // joined by single spaces with no possessive word whose tags make a noun phrase, and every
  // verb + particle pair that WordNet lists as a phrasal verb.
  std::vector<char> is_entity(N, 0);
  for (std::size_t i = 0; i < N; ++i) is_entity[i] = entity_spelling.count(std::string(key[i])) ? 1 : 0;
  for (std::size_t i = 0; i + 1 < N; ++i) {  // words of capitalised runs count as names ("Holy Ghost")
    if (content_cap(i) && content_cap(i + 1) && words[i].joined_to_next && internal[i])
      is_entity[i] = is_entity[i + 1] = 1;
  }
  const std::vector<WordTag> tags = wc.tag(text, words, is_entity);
  const std::size_t max_n = static_cast<std::size_t>(std::max(2, opt.max_phrase_words));
  std::map<std::string, std::pair<std::int64_t, char>> candidates;  // key → (count, 'n'oun / 'v'erb)
  {
    std::string k;
    for (std::size_t i = 0; i < N; ++i) {
      if (poss[i]) continue;
      k = low[i];
      for (std::size_t n = 2; n <= max_n && i + n <= N; ++n) {
        if (!words[i + n - 2].joined_to_next || poss[i + n - 1]) break;
        k += " " + low[i + n - 1];
        // "the" + adjective is a noun phrase only where a function word, a verb or punctuation
        // follows ("the wicked shall", "the poor of"), not a word it may modify ("the golden altar",
        // "the golden basons").
        const WordTag next = i + 2 < N && words[i + 1].joined_to_next ? tags[i + 2] : WordTag::function;
        const bool cut_modifier =
            n == 2 && tags[i + 1] == WordTag::adjective &&
            !(next == WordTag::function || next == WordTag::of || next == WordTag::determiner ||
              next == WordTag::predeterminer || next == WordTag::verb);
        if (!cut_modifier && noun_phrase_shape(&tags[i], &low[i], n)) {
          auto& c = candidates[k];
          ++c.first;
          c.second = 'n';
        } else if (n == 2 && WordClasses::is_particle(low[i + 1]) &&
                   (tags[i] == WordTag::verb || tags[i] == WordTag::noun || tags[i] == WordTag::adjective ||
                    tags[i] == WordTag::other || tags[i] == WordTag::unknown) &&
                   wc.phrasal_verb(low[i], low[i + 1])) {
          auto& c = candidates[k];
          ++c.first;
          if (c.second == 0) c.second = 'v';
        }
      }
    }
  }

  // --- Significance: count the n-grams the tests need, then G² per candidate.
  std::unordered_set<std::string> wanted;
  for (const auto& [k, c] : candidates)
    if (c.first >= opt.phrase_min_count) add_prefixes_and_suffixes(k, wanted);
  for (const auto& [k, c] : name_runs)
    if (c >= opt.phrase_min_count) add_prefixes_and_suffixes(to_lower(k), wanted);
  const NgramCounts counts = count_ngrams(words, low, std::max(max_n, kMaxNameWords), wanted);

  for (const auto& [k, c] : name_runs) {
    if (c < opt.phrase_min_count) continue;
    const double g = min_split_llr(to_lower(k), counts);
    if (g >= opt.min_llr) lex.entities.push_back({k, c, "llr " + fixed(g, 1)});
  }
  std::set<std::string> entity_texts;
  for (const auto& e : lex.entities) entity_texts.insert(e.text);
  for (const auto& [lk, cl] : gaz_multi) {
    if (cl.first < 1 || double(cl.first) < opt.gazetteer_cap_share * double(cl.first + cl.second)) continue;
    const auto& sp = gaz_spelling[lk];
    const auto best = std::max_element(sp.begin(), sp.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first > b.first;
    });
    if (entity_texts.count(best->first)) continue;
    lex.entities.push_back(
        {best->first, cl.first, "gazetteer " + std::to_string(cl.first) + "/" + std::to_string(cl.second)});
    entity_texts.insert(best->first);
    ++lex.gazetteer_entities;
  }

  std::map<std::string, std::pair<double, char>> phrases;  // key → (G², kind)
  for (const auto& [k, c] : candidates) {
    if (c.first < opt.phrase_min_count) continue;
    // A phrase must have its shape in most of its occurrences: "the whole" is a noun phrase in
    // "the whole of", but mostly it is cut from "the whole land" (the tags differ, the key not).
    if (2 * c.first < counts.of(k)) continue;
    const double g = min_split_llr(k, counts);
    if (g >= opt.min_llr) phrases[k] = {g, c.second};
  }
  // --- Each phrase must stand as a unit on its own: segment the text greedily (longest match, as
  // units.cpp does) and drop phrases matched fewer than phrase_min_count times ("the fig" is
  // nearly always inside "the fig tree"), until nothing changes.
  std::map<std::string, std::int64_t> free_count;
  for (int round = 0; round < 8; ++round) {
    free_count.clear();
    std::vector<std::string> prefix(max_n + 1);
    for (std::size_t i = 0; i < N;) {
      std::size_t taken = 0;
      if (!poss[i]) {
        prefix[1] = low[i];
        std::size_t len = 1;
        for (std::size_t n = 2; n <= max_n && i + n <= N; ++n) {
          if (!words[i + n - 2].joined_to_next || poss[i + n - 1]) break;
          prefix[n] = prefix[n - 1] + " " + low[i + n - 1];
          len = n;
        }
        for (std::size_t n = len; n >= 2 && taken == 0; --n)
          if (phrases.count(prefix[n])) {
            taken = n;
            ++free_count[prefix[n]];
          }
      }
      i += taken ? taken : 1;
    }
    bool changed = false;
    for (auto it = phrases.begin(); it != phrases.end();) {
      if (free_count[it->first] < opt.phrase_min_count) {
        it = phrases.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
    if (!changed) break;
  }
  for (const auto& [k, gk] : phrases)
    lex.phrases.push_back(
        {k, free_count[k], std::string(gk.second == 'v' ? "verb" : "np") + " llr " + fixed(gk.first, 1)});

  sort_entries(lex.entities);
  sort_entries(lex.phrases);
  return lex;
}

// ------------------------------------------------------------------------------------------------
// File form

std::string serialize_lexicon(const Lexicon& lex, const std::string& train_sha256,
                              const LexiconOptions& options, const std::string& sources_sha256) {
  std::ostringstream os;
  os << kFormat << "\n# " << kDerivation << "\n# train_sha256 " << train_sha256 << "\n# options "
     << options.describe() << "\n# sources_manifest_sha256 " << sources_sha256 << "\n# gazetteer_entities "
     << lex.gazetteer_entities << "\n# kind\tcount\ttext\tevidence\n";
  for (const auto& e : lex.entities)
    os << "entity\t" << e.count << "\t" << e.text << "\t" << e.evidence << "\n";
  for (const auto& p : lex.phrases)
    os << "phrase\t" << p.count << "\t" << p.text << "\t" << p.evidence << "\n";
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
      throw Error({where, 1, ""}, "not an xpubench ernie lexicon (v2)",
                  "delete the file; the workload derives it again");
    if (line.empty()) continue;
    if (line[0] == '#') {
      const std::string tag = "# gazetteer_entities ";
      if (line.compare(0, tag.size(), tag) == 0) lex.gazetteer_entities = std::stoll(line.substr(tag.size()));
      continue;
    }
    std::vector<std::string> f;
    std::size_t b = 0;
    for (std::size_t e; (e = line.find('\t', b)) != std::string::npos; b = e + 1)
      f.push_back(line.substr(b, e - b));
    f.push_back(line.substr(b));
    if (f.size() != 4) throw Error({where, line_no, ""}, "expected KIND<TAB>COUNT<TAB>TEXT<TAB>EVIDENCE");
    LexiconEntry e{f[2], 0, f[3]};
    try {
      std::size_t used = 0;
      e.count = std::stoll(f[1], &used);
      if (used != f[1].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw Error({where, line_no, ""}, "count is not an integer");
    }
    if (f[0] == "entity")
      lex.entities.push_back(std::move(e));
    else if (f[0] == "phrase")
      lex.phrases.push_back(std::move(e));
    else
      throw Error({where, line_no, ""}, "unknown entry kind '" + f[0] + "'", "entity or phrase");
  }
  lex.sha256 = sha256_hex(text);
  return lex;
}

Lexicon build_or_load_lexicon(std::string_view train_text, const LexiconOptions& options,
                              const std::string& cache_dir, const std::string& manifest) {
  namespace fs = std::filesystem;
  const std::string manifest_path = manifest.empty() ? default_source_manifest() : manifest;
  const std::string train_sha = sha256_hex(std::string(train_text));
  const std::string manifest_sha = sha256_hex(read_text_file(manifest_path));
  const std::string key = sha256_hex(std::string(kFormat) + "\n" + kDerivation + "\n" + train_sha + "\n" +
                                     options.describe() + "\n" + manifest_sha)
                              .substr(0, 16);
  const fs::path dir = fs::path(cache_dir) / "ernie";
  const fs::path file = dir / ("lexicon-" + key + ".tsv");
  std::error_code ec;
  if (!cache_dir.empty() && fs::exists(file, ec)) {
    Lexicon lex = parse_lexicon(read_text_file(file.string()), file.string());
    lex.path = file.string();
    return lex;
  }
  const LexiconSources sources = load_lexicon_sources(manifest_path);
  Lexicon lex = derive_lexicon(train_text, options, sources);
  const std::string text = serialize_lexicon(lex, train_sha, options, manifest_sha);
  lex.sha256 = sha256_hex(text);
  // No cache folder (a bare Context, as in tests): nothing written; the empty path had put the
  // cache in the working directory.
  if (cache_dir.empty()) return lex;
  fs::create_directories(dir, ec);
  if (ec) throw Error({dir.string(), 0, ""}, "cannot create the cache folder: " + ec.message());
  // Write beside, then rename: a concurrent reader never sees half a file.
  write_file_atomically(file.string(), text, "the lexicon cache");
  lex.path = file.string();
  return lex;
}

}  // namespace xpb::ernie
