// workloads/text/corpus.hpp — a verse corpus: one verse per line, "Ref text" ("Ge1:1 In the ...").
// Loads the file extracted at set-up (scripts/extract-kjv.sh) or a generated test corpus, records
// its SHA-256, and splits it into train and held-out text (every k-th verse held out). It does not
// tokenize (the GPT reads bytes) and never downloads anything.
#pragma once

#include <string>
#include <vector>

namespace xpb::text {

struct Verse {
  std::string ref;   // "Ge1:1"
  std::string book;  // "Ge": the reference up to its chapter number
  int book_index = 0;  // 0-based order of first appearance in the file
  std::string text;  // the verse without its reference
};

struct Corpus {
  std::string path;
  std::string sha256;          // of the file's bytes
  std::vector<Verse> verses;
  std::vector<std::string> books;  // in order of appearance
};

// Reads a verse file; throws xpb::Error (with a hint to run scripts/setup.sh) when it is missing
// or has no verses.
Corpus load_corpus(const std::string& path);

// Resolves a corpus parameter: absolute paths stay, others are relative to data_dir.
std::string resolve_corpus_path(const std::string& name, const std::string& data_dir);

struct TextSplit {
  std::string train, heldout;  // verse texts joined with '\n'
  std::size_t train_verses = 0, heldout_verses = 0;
};

// Verse i goes to held-out when i % every == every - 1 (every 10th verse by default).
TextSplit split_text(const Corpus& c, int every = 10);

}  // namespace xpb::text
