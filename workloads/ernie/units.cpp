// workloads/ernie/units.cpp — word splitting and unit segmentation at the three levels.
// Matching is greedy longest-match over words joined by single spaces, as a dictionary
// segmenter does; it never crosses punctuation or a line end.
#include "workloads/ernie/units.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "core/base/error.hpp"

namespace xpb::ernie {
namespace {

bool is_letter(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool ends_sentence(unsigned char c) {
  return c == '.' || c == '?' || c == '!' || c == ':' || c == ';';
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Key of words [i, i + n) joined by single spaces, or false when they are not joined that way.
bool join_keys(std::string_view text, const std::vector<WordSpan>& w, std::size_t i,
               std::size_t n, bool lower_case, std::string& out) {
  out.clear();
  for (std::size_t k = 0; k < n; ++k) {
    if (k > 0) {
      if (!w[i + k - 1].joined_to_next) return false;
      out.push_back(' ');
    }
    for (char c : word_key(text, w[i + k])) out.push_back(lower_case ? lower(c) : c);
  }
  return true;
}

void mark(UnitLabels& u, std::uint32_t begin, std::uint32_t end, UnitKind kind) {
  u.seg[begin] = kSegStart;
  for (std::uint32_t j = begin + 1; j < end; ++j) u.seg[j] = kSegContinue;
  for (std::uint32_t j = begin; j < end; ++j) u.kind[j] = kind;
  ++u.units[static_cast<int>(kind)];
}

}  // namespace

const char* to_string(UnitLevel l) {
  switch (l) {
    case UnitLevel::basic: return "basic";
    case UnitLevel::phrase: return "phrase";
    case UnitLevel::entity: return "entity";
  }
  return "?";
}

UnitLevel parse_unit_level(const std::string& s) {
  if (s == "basic") return UnitLevel::basic;
  if (s == "phrase") return UnitLevel::phrase;
  XPB_ASSERT(s == "entity", "unknown unit level (the parameter declaration lists the choices)");
  return UnitLevel::entity;
}

const char* to_string(UnitKind k) {
  switch (k) {
    case UnitKind::byte: return "byte";
    case UnitKind::word: return "word";
    case UnitKind::phrase: return "phrase";
    case UnitKind::entity: return "entity";
  }
  return "?";
}

// ------------------------------------------------------------------------------------------------
// Words

std::vector<WordSpan> split_words(std::string_view text) {
  std::vector<WordSpan> words;
  const std::size_t n = text.size();
  bool at_sentence_start = true;  // start of text counts as a line start
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_letter(c)) {
      if (c == '\n' || ends_sentence(c)) at_sentence_start = true;
      ++i;
      continue;
    }
    WordSpan w;
    w.begin = static_cast<std::uint32_t>(i);
    while (i < n && (is_letter(static_cast<unsigned char>(text[i])) || text[i] == '\'')) ++i;
    w.end = static_cast<std::uint32_t>(i);
    w.key_end = w.end;
    if (text[w.key_end - 1] == '\'') --w.key_end;  // "fathers'"
    else if (w.key_end - w.begin > 2 && text[w.key_end - 1] == 's' && text[w.key_end - 2] == '\'')
      w.key_end -= 2;  // "Israel's"
    w.sentence_start = at_sentence_start;
    at_sentence_start = false;
    if (!words.empty()) {
      WordSpan& prev = words.back();
      prev.joined_to_next = (w.begin == prev.end + 1 && text[prev.end] == ' ');
    }
    words.push_back(w);
  }
  return words;
}

// ------------------------------------------------------------------------------------------------
// Segmentation

UnitLabels segment_units(std::string_view text, const Lexicon& lex, UnitLevel level) {
  UnitLabels u;
  u.seg.assign(text.size(), kSegStart);
  u.kind.assign(text.size(), UnitKind::byte);
  if (level == UnitLevel::basic) {
    u.units[static_cast<int>(UnitKind::byte)] = static_cast<std::int64_t>(text.size());
    return u;
  }
  const std::vector<WordSpan> words = split_words(text);
  // Per word: how many words the unit starting here spans (0 = inside an earlier unit) and kind.
  std::vector<std::uint32_t> span(words.size(), 0);
  std::vector<UnitKind> kinds(words.size(), UnitKind::word);
  std::vector<char> covered(words.size(), 0);
  std::string key;
  // One greedy longest-match pass of a dictionary over words not yet covered.
  auto match_pass = [&](const std::vector<LexiconEntry>& entries, std::size_t min_words,
                        std::size_t max_words, bool lower_case, UnitKind kind) {
    std::unordered_set<std::string> dict;
    for (const auto& e : entries) dict.insert(e.text);
    std::size_t i = 0;
    while (i < words.size()) {
      std::size_t taken = 0;
      for (std::size_t n = std::min(max_words, words.size() - i); n >= min_words && taken == 0; --n) {
        bool free = true;
        for (std::size_t k = 0; k < n; ++k) free = free && !covered[i + k];
        if (free && join_keys(text, words, i, n, lower_case, key) && dict.count(key)) taken = n;
      }
      if (taken == 0) {
        ++i;
        continue;
      }
      span[i] = static_cast<std::uint32_t>(taken);
      kinds[i] = kind;
      for (std::size_t k = 0; k < taken; ++k) covered[i + k] = 1;
      i += taken;
    }
  };
  // Entities first, so they win over any phrase that overlaps them.
  if (level == UnitLevel::entity)
    match_pass(lex.entities, 1, static_cast<std::size_t>(lex.max_entity_words()), false,
               UnitKind::entity);
  match_pass(lex.phrases, 2, static_cast<std::size_t>(lex.max_phrase_words()), true,
             UnitKind::phrase);
  for (std::size_t i = 0; i < words.size(); ++i)
    if (!covered[i]) span[i] = 1;

  std::vector<char> in_word(text.size(), 0);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (span[i] == 0) continue;
    const std::uint32_t b = words[i].begin, e = words[i + span[i] - 1].end;
    mark(u, b, e, kinds[i]);
    for (std::uint32_t j = b; j < e; ++j) in_word[j] = 1;
  }
  for (std::size_t j = 0; j < text.size(); ++j)
    if (!in_word[j]) ++u.units[static_cast<int>(UnitKind::byte)];
  return u;
}

}  // namespace xpb::ernie
