// workloads/ernie/lexicon.hpp — the phrase and entity lists behind ERNIE knowledge masking.
// Derived deterministically from the train split and the Debian word lists (lexicon_sources.hpp):
//  - entities: words written capitalised inside a clause far more often than in lower case
//    (a capitalisation statistic, not NER), gazetteer names the text writes capitalised, and
//    multi-word names (runs of capitalised words, "LORD thy God") that pass a significance test;
//  - phrases: noun phrases (a tag grammar over lexicon_words.hpp's classes) and WordNet phrasal
//    verbs that are significant collocations (Dunning's log-likelihood ratio), stop-words and
//    clause fragments out.
// Written once to the cache folder (never committed) with its SHA-256 recorded. It does not cut
// text into units; that is units.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/ernie/lexicon_sources.hpp"

namespace xpb::ernie {

struct LexiconEntry {
  std::string text;        // words joined by single spaces (entities: as written; phrases: lower case)
  std::int64_t count = 0;  // occurrences in the train split (see lexicon.cpp for how counted)
  std::string evidence;    // why it is in the list: "caps 812/0", "gazetteer 2/1", "llr 1864.7"
};

// How the lists are derived. Every field enters the cache key, so changing one rebuilds.
struct LexiconOptions {
  std::int64_t entity_min_count = 3;  // capitalised inside a clause at least this often ...
  double entity_cap_share = 0.9;      // ... and in this share of its clause-internal/lower-case uses
  double gazetteer_cap_share = 2.0 / 3;  // a gazetteer name: capitalised twice as often as not
  std::int64_t phrase_min_count = 3;  // phrases and multi-word names: at least this many occurrences
  double min_llr = 10.83;             // log-likelihood ratio G² >= χ²₁ quantile at p = 0.001
  int max_phrase_words = 6;
  bool gazetteer = true;              // use the gazetteer names (WordNet, miscfiles)
  std::string describe() const;       // canonical one-line form (cache key, provenance)
};

struct Lexicon {
  std::vector<LexiconEntry> entities;  // sorted by count (descending), then text
  std::vector<LexiconEntry> phrases;   // sorted by count (descending), then text
  std::int64_t gazetteer_entities = 0; // entities that only the gazetteer admitted
  std::string path;                    // cache file it was read from / written to ("" if none)
  std::string sha256;                  // of the serialised file text
  int max_entity_words() const;
  int max_phrase_words() const;
};

// The derivation itself: pure, deterministic, no files.
Lexicon derive_lexicon(std::string_view train_text, const LexiconOptions& options,
                       const LexiconSources& sources);

// Dunning's log-likelihood ratio G² of a 2×2 contingency table (k11: both, k12: first only,
// k21: second only, k22: neither); 0 when an entry is negative or all are 0.
double log_likelihood_ratio(double k11, double k12, double k21, double k22);

// Text form (versioned TSV, one entry per line) and back. parse_lexicon throws xpb::Error.
std::string serialize_lexicon(const Lexicon& lex, const std::string& train_sha256,
                              const LexiconOptions& options, const std::string& sources_sha256);
Lexicon parse_lexicon(const std::string& text, const std::string& where);

// The project tool: returns the lexicon for this train split, reading
// `<cache_dir>/ernie/lexicon-<key>.tsv` when present and deriving + writing it otherwise (loading
// the sources from `manifest`, "" = default_source_manifest()); the key hashes the train text,
// the options and the manifest. Throws xpb::Error on file errors.
Lexicon build_or_load_lexicon(std::string_view train_text, const LexiconOptions& options,
                              const std::string& cache_dir, const std::string& manifest = "");

}  // namespace xpb::ernie
