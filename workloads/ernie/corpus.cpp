// workloads/ernie/corpus.cpp — loading and splitting the ERNIE corpus through workloads/text.
#include "workloads/ernie/corpus.hpp"

#include <sstream>

#include "core/base/sha256.hpp"
#include "workloads/ernie/planted_corpus.hpp"
#include "workloads/text/corpus.hpp"

namespace xpb::ernie {

Corpus load_corpus(const std::string& which, const Context& ctx) {
  Corpus c;
  c.name = which;
  if (which == "planted") {
    // Held out like the KJV: every 10th line.
    const std::string text = planted_corpus(1, 400000);
    c.source_sha256 = sha256_hex(text);
    std::istringstream in(text);
    std::string line;
    for (int i = 0; std::getline(in, line); ++i) {
      std::string& dst = (i % 10 == 9) ? c.heldout : c.train;
      dst += line;
      dst += '\n';
    }
  } else {
    const text::Corpus verses = text::load_corpus(text::resolve_corpus_path("kjv.txt", ctx.data_dir));
    const text::TextSplit split = text::split_text(verses, 10);
    c.source_sha256 = verses.sha256;
    c.train = split.train;
    c.heldout = split.heldout;
  }
  c.train_sha256 = sha256_hex(c.train);
  c.heldout_sha256 = sha256_hex(c.heldout);
  return c;
}

}  // namespace xpb::ernie
