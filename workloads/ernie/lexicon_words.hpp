// workloads/ernie/lexicon_words.hpp — word classes for the ERNIE lexicon: a small tagger that says,
// for each word of a text, whether it can be part of a noun phrase and in which slot (determiner,
// number, modifier, head, "of", name). It stands in for the "lexical analysis and chunking tools"
// Baidu used, with WordNet (part of speech, SemCor sense counts, morphy), miscfiles' connectives
// (function words) and a stated list of archaic function words; context decides ambiguous words.
// It does not decide what is a phrase (lexicon.cpp does, with a significance test).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "workloads/ernie/lexicon_sources.hpp"
#include "workloads/ernie/units.hpp"

namespace xpb::ernie {

// One letter per class, so tag sequences can be read as strings in tests and docs.
enum class WordTag : char {
  function = 'S',       // pronoun, auxiliary, preposition, conjunction, interjection, archaic forms
  determiner = 'D',     // the, a, this, every, no, ... and possessives (his, thy, ...)
  predeterminer = 'P',  // all, both, half (before a determiner)
  number = 'U',         // one ... twelve, the tens, hundred, thousand, threescore, fourscore
  of = 'O',             // "of", the one preposition a noun phrase may contain
  entity = 'E',         // a word the caller marked as (part of) a name
  noun = 'N',
  adjective = 'A',
  verb = 'V',
  other = 'R',          // adverbs and content words used in none of the above roles here
  unknown = 'X'         // not in WordNet, not an archaic verb form, not after a determiner
};

class WordClasses {
 public:
  explicit WordClasses(const LexiconSources& sources);

  // Function words: miscfiles' connectives, except those WordNet counts mainly as nouns or
  // adjectives (man, people, day, good, ...), plus the archaic/function list in lexicon_words.cpp.
  bool is_function_word(const std::string& lower) const;
  static bool is_possessive_determiner(const std::string& lower);
  static bool is_particle(const std::string& lower);  // up, down, out, forth, away, off, ...

  // Tags every word of `text` (split by split_words). entity[i] != 0 marks words that are names.
  std::vector<WordTag> tag(std::string_view text, const std::vector<WordSpan>& words,
                           const std::vector<char>& entity) const;

  // True when WordNet lists "<base>_<particle>" as a verb for a verb base of `word` (KJV
  // inflections -eth/-est/-th/-st included): "went up" (go_up), "brought forth" (bring_forth).
  bool phrasal_verb(const std::string& word, const std::string& particle) const;

 private:
  struct TypeInfo {
    WordTag fixed = WordTag::other;  // a closed class, or `other` for content words
    bool closed = false;
    bool known = false;    // WordNet knows it as some part of speech, or it is an archaic verb form
    bool can_noun = false, can_adj = false;
    char dominant = 0;     // 'n' 'v' 'a' 'r' by SemCor frequency, 0 when WordNet has no counts
  };
  const TypeInfo& info(const std::string& lower) const;
  std::vector<std::string> verb_bases(const std::string& lower) const;

  const WordNet& m_wn;
  std::unordered_set<std::string> m_function;
  mutable std::unordered_map<std::string, TypeInfo> m_cache;
};

}  // namespace xpb::ernie
