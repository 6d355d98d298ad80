// workloads/ernie/lexicon_sources.hpp — the Debian-installed word lists behind the ERNIE lexicon.
// WordNet 3.0 (package wordnet-base: lemmas per part of speech, inflection exceptions, SemCor sense
// counts, proper names) and miscfiles (the connectives list of frequent English function words,
// given names, countries, capitals and cities). Nothing is committed: data/ernie-lexicon-sources.tsv
// names each installed file with its package, version and SHA-256, and loading checks every digest.
// It derives nothing from the corpus (lexicon.hpp) and tags no words (lexicon_words.hpp).
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace xpb::ernie {

// WordNet's four parts of speech, in the order of its index files.
enum class Pos : int { noun = 0, verb = 1, adj = 2, adv = 3 };

// One line of the manifest: which installed file plays which role.
struct SourceFile {
  std::string role, package, version, path, sha256;
  int line = 0;  // line in the manifest (for errors)
};

// Reads the manifest (TSV: role, package, version, path, sha256; '#' comments). Throws xpb::Error
// on a malformed line, a missing role or an unknown one.
std::vector<SourceFile> read_source_manifest(const std::string& manifest_path);

struct WordNet {
  std::array<std::unordered_set<std::string>, 4> lemmas;  // per Pos; lower case, '_' between words
  std::array<std::unordered_map<std::string, std::vector<std::string>>, 4> exceptions;  // form → bases
  std::array<std::unordered_map<std::string, int>, 4> sense_count;  // SemCor tags per (lemma, Pos)
  std::unordered_set<std::string> common_nouns;  // noun lemmas some synset spells in lower case

  // Base forms of a lower-case word as this part of speech, as WordNet's morphy finds them: the
  // exception list, the word itself, and its detachment rules ("offerings" → "offering").
  std::vector<std::string> base_forms(const std::string& word, Pos p) const;
  // SemCor frequency of the word as this part of speech: 1 + the largest count among its base forms
  // (nouns: common-noun bases only), 0 when WordNet has no such base. The word itself wins when it
  // is a lemma of that part of speech (so "seed" is not counted as a form of "see").
  int frequency(const std::string& word, Pos p) const;
  bool has_lemma(const std::string& lemma, Pos p) const {
    return lemmas[static_cast<int>(p)].count(lemma) > 0;
  }
};

struct LexiconSources {
  WordNet wordnet;
  std::vector<std::string> connectives;  // miscfiles' 150 most frequent English words
  std::vector<std::string> gazetteer;    // names: WordNet's capitalised nouns, given names, places
  std::string manifest_sha256;           // of the manifest's bytes (enters the lexicon cache key)
  std::string manifest_path;
};

// The manifest committed with the sources: <source tree>/data/ernie-lexicon-sources.tsv.
std::string default_source_manifest();

// Reads every file the manifest lists, checks its SHA-256 (xpb::Error with the manifest line and
// a set-up hint when a file is missing or differs) and parses it. Gzip files are read through zlib.
LexiconSources load_lexicon_sources(const std::string& manifest_path);

}  // namespace xpb::ernie
