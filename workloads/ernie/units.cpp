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
  // Phrases: lower-case keys over words with no possessive in the span. Entities: keys as written
  // (a possessive allowed on the last word only: "Jesus Christ's").
  // The phrase level knows one-word names too: such a name is a word unit either way (the same
  // span), typed as an entity; multi-word names are units at the entity level only.
  std::unordered_set<std::string> phrase_dict, entity_dict;
  for (const auto& e : lex.phrases) phrase_dict.insert(e.text);
  for (const auto& e : lex.entities)
    if (level == UnitLevel::entity || e.text.find(' ') == std::string::npos) entity_dict.insert(e.text);
  const std::size_t max_n = static_cast<std::size_t>(
      std::max({1, lex.max_phrase_words(), level == UnitLevel::entity ? lex.max_entity_words() : 1}));
  std::string pkey, ekey;
  std::size_t i = 0;
  while (i < words.size()) {
    // One greedy pass, longest match first over the union of the level's dictionaries, so a phrase
    // that contains an entity ("children of Israel") is one unit; at equal length an entity wins.
    std::size_t taken = 0;
    UnitKind kind = UnitKind::word;
    bool phrase_ok = true;  // no possessive so far
    pkey.clear();
    ekey.clear();
    std::size_t best_len = 0;
    for (std::size_t n = 1; n <= max_n && i + n <= words.size(); ++n) {
      const WordSpan& w = words[i + n - 1];
      if (n > 1) {
        if (!words[i + n - 2].joined_to_next || words[i + n - 2].key_end != words[i + n - 2].end) break;
        pkey.push_back(' ');
        ekey.push_back(' ');
      }
      for (char c : word_key(text, w)) {
        pkey.push_back(lower(c));
        ekey.push_back(c);
      }
      phrase_ok = phrase_ok && w.key_end == w.end;
      if (entity_dict.count(ekey)) {
        best_len = n;
        kind = UnitKind::entity;
      } else if (n >= 2 && phrase_ok && phrase_dict.count(pkey)) {
        best_len = n;
        kind = UnitKind::phrase;
      }
    }
    taken = best_len;
    if (taken == 0) {
      span[i] = 1;
      ++i;
      continue;
    }
    span[i] = static_cast<std::uint32_t>(taken);
    kinds[i] = kind;
    i += taken;
  }

  std::vector<char> in_word(text.size(), 0);
  for (std::size_t w = 0; w < words.size(); ++w) {
    if (span[w] == 0) continue;
    const std::uint32_t b = words[w].begin, e = words[w + span[w] - 1].end;
    mark(u, b, e, kinds[w]);
    for (std::uint32_t j = b; j < e; ++j) in_word[j] = 1;
  }
  for (std::size_t j = 0; j < text.size(); ++j)
    if (!in_word[j]) ++u.units[static_cast<int>(UnitKind::byte)];
  return u;
}

}  // namespace xpb::ernie
