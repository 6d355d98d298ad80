// workloads/ernie/lexicon.hpp — the phrase and entity lists behind ERNIE knowledge masking.
// Derived deterministically from the train split alone: entities by a capitalisation heuristic
// with a stoplist (not NER), phrases as frequent word bigrams/trigrams, optionally places from a
// gazetteer file. Written once to the cache folder (never committed) with its SHA-256 recorded.
// It does not cut text into units; that is units.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xpb::ernie {

struct LexiconEntry {
  std::string text;        // words joined by single spaces (entities: as written; phrases: lower case)
  std::int64_t count = 0;  // occurrences in the train split (see lexicon.cpp for how counted)
};

// How the lists are derived. Every field enters the cache key, so changing one rebuilds.
struct LexiconOptions {
  std::int64_t entity_min_count = 3;    // capitalised, not sentence-initial, at least this often
  std::int64_t bigram_min_count = 20;   // word bigram phrases: count at least ...
  double bigram_min_pmi = 3.0;          //   ... and natural-log PMI above this
  std::int64_t trigram_min_count = 30;  // word trigram phrases: count at least this
  std::string gazetteer_path;           // one place name per line; "" for none
  std::string describe() const;         // canonical one-line form (cache key, provenance)
};

struct Lexicon {
  std::vector<LexiconEntry> entities;  // sorted by count (descending), then text
  std::vector<LexiconEntry> phrases;   // sorted by count (descending), then text
  std::int64_t gazetteer_entities = 0; // how many entities came from the gazetteer
  std::string path;                    // cache file it was read from / written to ("" if none)
  std::string sha256;                  // of the serialised file text
  int max_entity_words() const;
  int max_phrase_words() const;
};

// The derivation itself: pure, deterministic, no files. `gazetteer` holds one name per element.
Lexicon derive_lexicon(std::string_view train_text, const LexiconOptions& options,
                       const std::vector<std::string>& gazetteer = {});

// Text form (versioned TSV, one entry per line) and back. parse_lexicon throws xpb::Error.
std::string serialize_lexicon(const Lexicon& lex, const std::string& train_sha256,
                              const LexiconOptions& options);
Lexicon parse_lexicon(const std::string& text, const std::string& where);

// The project tool: returns the lexicon for this train split, reading
// `<cache_dir>/ernie/lexicon-<key>.tsv` when present and deriving + writing it otherwise; the
// key hashes the train text, the options and the gazetteer. Throws xpb::Error on file errors.
Lexicon build_or_load_lexicon(std::string_view train_text, const LexiconOptions& options,
                              const std::string& cache_dir);

// Reads a gazetteer file (one name per line, '#' comments); throws xpb::Error when unreadable.
std::vector<std::string> read_gazetteer(const std::string& path);

}  // namespace xpb::ernie
