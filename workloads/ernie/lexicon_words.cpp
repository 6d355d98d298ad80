// workloads/ernie/lexicon_words.cpp — closed word classes, WordNet look-ups and the contextual
// rules that tag each word. A word's type gives what it can be (noun, adjective, verb, by WordNet)
// and what it mostly is (SemCor counts); its neighbours decide when it is ambiguous.
#include "workloads/ernie/lexicon_words.hpp"

#include <algorithm>

namespace xpb::ernie {
namespace {

// Archaic (KJV) and other function words the connectives list lacks: pronouns and their archaic
// forms, auxiliaries and modals, prepositions and conjunctions, adverbial connectives,
// interjections, prepositions. Our own list; each is a function word in any grammar of English.
const std::unordered_set<std::string>& extra_function_words() {
  static const std::unordered_set<std::string> s = {
      "among", "toward", "towards", "till", "until", "unto", "upon", "lest", "whilst", "while",
      "whither", "thither", "hither", "whence", "thence", "hence", "wherefore", "whereby",
      "wherein", "whereof", "whereon", "whereupon", "whereunto", "wherewith", "thereof",
      "therein", "thereon", "therefore", "thereby", "thereto", "herein", "hereby", "within",
      "without", "throughout", "beside", "besides", "beneath", "above", "below", "behind",
      "beyond", "neither", "nor", "either", "yea", "nay", "lo", "behold", "o", "oh", "ah", "alas",
      "selah", "amen", "thee", "thou", "thy", "thine", "mine", "ye", "hath", "hast", "doth",
      "dost", "art", "wast", "wert", "wilt", "shalt", "shall", "will", "may", "might", "must",
      "can", "could", "should", "would", "canst", "couldest", "mayest", "mightest", "shouldest",
      "wouldest", "cannot", "let", "saith", "spake", "also", "even", "yet", "whom", "whose",
      "whoso", "whosoever", "whatsoever", "himself", "herself", "itself", "myself", "thyself",
      "ourselves", "yourselves", "themselves", "that", "which", "who", "what",
      // prepositions (some, like "over", are also WordNet adjectives or nouns)
      "over", "under", "about", "after", "before", "up", "down", "out", "off", "on", "in",
      "through", "against", "between", "into", "from", "with", "by", "at", "for", "to", "like",
      "near", "round", "across", "along", "past", "since", "than"};
  return s;
}

const std::unordered_set<std::string>& determiners() {
  static const std::unordered_set<std::string> s = {
      "the", "a", "an", "this", "these", "those", "every", "any", "each", "no", "some",
      "another", "my", "thy", "his", "her", "its", "our", "your", "their", "mine", "thine"};
  return s;
}
const std::unordered_set<std::string>& possessive_determiners() {
  static const std::unordered_set<std::string> s = {"my",   "thy",  "his",   "her", "its",
                                                    "our",  "your", "their", "mine", "thine"};
  return s;
}
const std::unordered_set<std::string>& predeterminers() {
  static const std::unordered_set<std::string> s = {"all", "both", "half"};
  return s;
}
const std::unordered_set<std::string>& numbers() {
  static const std::unordered_set<std::string> s = {
      "one",    "two",    "three",  "four",    "five",     "six",       "seven",     "eight",
      "nine",   "ten",    "eleven", "twelve",  "twenty",   "thirty",    "forty",     "fifty",
      "sixty",  "seventy", "eighty", "ninety", "hundred",  "thousand",  "threescore", "fourscore"};
  return s;
}
const std::unordered_set<std::string>& particles() {
  static const std::unordered_set<std::string> s = {"up",       "down",    "out",  "forth",
                                                    "away",     "off",     "aside", "asunder",
                                                    "together", "back",    "abroad"};
  return s;
}

bool ends_with(const std::string& w, const char* suffix) {
  const std::string s(suffix);
  return w.size() > s.size() && w.compare(w.size() - s.size(), s.size(), s) == 0;
}

}  // namespace

WordClasses::WordClasses(const LexiconSources& sources) : m_wn(sources.wordnet) {
  m_function = extra_function_words();
  for (const auto& w : sources.connectives) {
    if (determiners().count(w) || predeterminers().count(w) || numbers().count(w) || w == "of") continue;
    // A frequent word that WordNet counts mainly as a noun or adjective is a content word.
    const int na = std::max(m_wn.frequency(w, Pos::noun), m_wn.frequency(w, Pos::adj));
    const int vr = std::max(m_wn.frequency(w, Pos::verb), m_wn.frequency(w, Pos::adv));
    if (na >= 11 && 2 * na >= vr) continue;
    m_function.insert(w);
  }
}

bool WordClasses::is_function_word(const std::string& lower) const { return m_function.count(lower) > 0; }
bool WordClasses::is_possessive_determiner(const std::string& lower) {
  return possessive_determiners().count(lower) > 0;
}
bool WordClasses::is_particle(const std::string& lower) { return particles().count(lower) > 0; }

// Verb bases of a word: WordNet's, or for a KJV inflection (-eth, -est, -edst, -th, -st) the
// stem's ("cometh" → come, "saith" → say, "goest" → go).
std::vector<std::string> WordClasses::verb_bases(const std::string& w) const {
  std::vector<std::string> out = m_wn.base_forms(w, Pos::verb);
  if (!out.empty()) return out;
  for (const char* suffix : {"eth", "est", "edst", "th", "st"}) {
    if (!ends_with(w, suffix) || w.size() < std::string(suffix).size() + 2) continue;
    const std::string b = w.substr(0, w.size() - std::string(suffix).size());
    std::vector<std::string> stems = {b, b + "e"};
    if (b.size() > 2 && b[b.size() - 1] == b[b.size() - 2]) stems.push_back(b.substr(0, b.size() - 1));
    if (b.back() == 'i') stems.push_back(b.substr(0, b.size() - 1) + "y");
    for (const auto& s : stems)
      for (const auto& base : m_wn.base_forms(s, Pos::verb))
        if (std::find(out.begin(), out.end(), base) == out.end()) out.push_back(base);
    if (!out.empty()) return out;
  }
  return out;
}

const WordClasses::TypeInfo& WordClasses::info(const std::string& w) const {
  const auto it = m_cache.find(w);
  if (it != m_cache.end()) return it->second;
  TypeInfo t;
  auto closed = [&](WordTag tag) {
    t.fixed = tag;
    t.closed = true;
  };
  if (w == "of") closed(WordTag::of);
  else if (predeterminers().count(w)) closed(WordTag::predeterminer);
  else if (determiners().count(w)) closed(WordTag::determiner);
  else if (numbers().count(w)) closed(WordTag::number);
  else if (m_function.count(w)) closed(WordTag::function);
  else {
    const int n = m_wn.frequency(w, Pos::noun), v = m_wn.frequency(w, Pos::verb);
    const int a = m_wn.frequency(w, Pos::adj), r = m_wn.frequency(w, Pos::adv);
    t.can_noun = n > 0;
    t.can_adj = a > 0;
    t.known = n > 0 || v > 0 || a > 0 || r > 0;
    const int best = std::max({n, v, a, r});
    if (best > 1) t.dominant = best == n ? 'n' : best == a ? 'a' : best == v ? 'v' : 'r';
    if (!t.known && !verb_bases(w).empty()) {  // "cometh", "goest": a verb, never a noun
      t.known = true;
      t.dominant = 'v';
    }
  }
  return m_cache.emplace(w, t).first->second;
}

std::vector<WordTag> WordClasses::tag(std::string_view text, const std::vector<WordSpan>& words,
                                      const std::vector<char>& entity) const {
  const std::size_t N = words.size();
  std::vector<std::string> low(N);
  for (std::size_t i = 0; i < N; ++i) {
    std::string_view k = word_key(text, words[i]);
    low[i].assign(k.begin(), k.end());
    for (char& c : low[i])
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // Corpus evidence for nouns: how often a word follows a determiner ("the offering").
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>> det_follow;  // (after, all)
  for (std::size_t i = 0; i < N; ++i) {
    auto& c = det_follow[low[i]];
    ++c.second;
    if (i > 0 && words[i - 1].joined_to_next && determiners().count(low[i - 1])) ++c.first;
  }
  std::vector<WordTag> tags(N, WordTag::other);
  for (std::size_t i = 0; i < N; ++i) {
    if (entity[i]) {
      tags[i] = WordTag::entity;
      continue;
    }
    const TypeInfo& t = info(low[i]);
    if (t.closed) {
      tags[i] = t.fixed;
      continue;
    }
    const bool joined_prev = i > 0 && words[i - 1].joined_to_next;
    const WordTag prev = joined_prev ? tags[i - 1] : WordTag::function;
    const bool after_modifier_slot = prev == WordTag::determiner || prev == WordTag::predeterminer ||
                                     prev == WordTag::adjective || prev == WordTag::number;
    const bool after_det = prev == WordTag::determiner || prev == WordTag::predeterminer;
    const bool before_name = words[i].joined_to_next && i + 1 < N && entity[i + 1];
    const auto& ad = det_follow.at(low[i]);
    const bool nominal = 5 * ad.first >= ad.second;  // after a determiner at least 1 time in 5
    WordTag tg;
    if (!t.known) tg = after_det ? WordTag::noun : WordTag::unknown;
    else if (t.can_noun && nominal && t.dominant != 'a') tg = WordTag::noun;
    else if (t.dominant == 0) tg = t.can_noun ? WordTag::noun : t.can_adj ? WordTag::adjective : WordTag::other;
    else if (t.dominant == 'n') tg = WordTag::noun;
    else if (t.dominant == 'a') tg = WordTag::adjective;
    else if (t.can_adj && after_modifier_slot) tg = WordTag::adjective;
    else if (t.can_noun && (after_modifier_slot || before_name)) tg = WordTag::noun;
    else tg = t.dominant == 'v' ? WordTag::verb : WordTag::other;
    tags[i] = tg;
  }
  // A word that can be an adjective and stands before a noun is a modifier: "the holy place".
  for (std::size_t i = 0; i + 1 < N; ++i)
    if (tags[i] == WordTag::noun && words[i].joined_to_next && tags[i + 1] == WordTag::noun && info(low[i]).can_adj)
      tags[i] = WordTag::adjective;
  return tags;
}

bool WordClasses::phrasal_verb(const std::string& word, const std::string& particle) const {
  for (const auto& b : verb_bases(word))
    if (m_wn.has_lemma(b + "_" + particle, Pos::verb)) return true;
  return false;
}

}  // namespace xpb::ernie
