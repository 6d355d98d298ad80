// workloads/ernie/units.hpp — cutting byte text into ERNIE masking units.
// A unit is what knowledge masking selects as a whole: a byte (basic level), a word or a phrase
// (phrase level), an entity (entity level, which keeps words and phrases around the entities).
// Boundaries are stored as ERNIE's seg_labels (0 = first byte of a unit, 1 = continuation).
// This file does not choose units to mask (masking.hpp) nor derive the lists (lexicon.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/ernie/lexicon.hpp"

namespace xpb::ernie {

enum class UnitLevel : std::uint8_t { basic = 0, phrase = 1, entity = 2 };
inline constexpr std::array<UnitLevel, 3> kAllLevels = {UnitLevel::basic, UnitLevel::phrase,
                                                        UnitLevel::entity};
const char* to_string(UnitLevel l);
UnitLevel parse_unit_level(const std::string& s);  // asserts on an unknown name

// What formed a unit (for statistics; masking only reads the boundaries).
enum class UnitKind : std::uint8_t { byte = 0, word = 1, phrase = 2, entity = 3 };
inline constexpr int kUnitKinds = 4;
const char* to_string(UnitKind k);

// Segment labels as in ERNIE's records.
inline constexpr std::int8_t kSegStart = 0, kSegContinue = 1, kSegSpecial = -1;

// A word: a letter followed by letters and apostrophes ("Israel's"). `key` drops a trailing
// possessive ("'s" or "'"), so "Israel's" matches the entity "Israel".
struct WordSpan {
  std::uint32_t begin = 0, end = 0;  // byte range [begin, end) in the text
  std::uint32_t key_end = 0;         // end of the key part (<= end)
  bool sentence_start = false;       // first word of a line or after . ? ! : ;
  bool joined_to_next = false;       // exactly one space separates it from the next word
};
std::vector<WordSpan> split_words(std::string_view text);
inline std::string_view word_key(std::string_view text, const WordSpan& w) {
  return text.substr(w.begin, w.key_end - w.begin);
}

// Units of a whole text at one level: labels per byte.
struct UnitLabels {
  std::vector<std::int8_t> seg;     // (N) kSegStart / kSegContinue
  std::vector<UnitKind> kind;       // (N) kind of the unit each byte belongs to
  std::array<std::int64_t, kUnitKinds> units{};  // number of units of each kind
};

// Greedy, left to right, longest match first, over words joined by single spaces, in one pass
// over the level's names and phrases together, so a phrase containing a name ("children of
// Israel") stays one unit; at equal length a name wins. Phrases: lower-case keys, 2+ words, no
// possessive word in them. Names: keys as written; the last word may be possessive ("Egypt's").
// Phrase level: phrases and one-word names (a one-word name is the same span as its word unit,
// typed as an entity); entity level: phrases and all names. Other words are word units. Basic:
// every byte alone. Bytes outside words (spaces, punctuation, newlines) are single-byte units at
// every level.
UnitLabels segment_units(std::string_view text, const Lexicon& lex, UnitLevel level);

}  // namespace xpb::ernie
