// workloads/ernie/corpus.hpp — the text the ERNIE workload trains and evaluates on.
// A thin choice over workloads/text: the KJV verse file extracted at set-up (every 10th verse
// held out, references dropped, verses joined by '\n'), or the planted test corpus. It does not
// read files itself beyond what workloads/text does and never downloads anything.
#pragma once

#include <string>

#include "core/plugin/context.hpp"

namespace xpb::ernie {

struct Corpus {
  std::string name;                          // "kjv" or "planted"
  std::string source_sha256;                 // of the verse file (kjv) or of the generated text
  std::string train, heldout;                // verse texts joined by '\n'
  std::string train_sha256, heldout_sha256;  // of the two strings above
};

// which: "kjv" (ctx.data_dir/kjv.txt; throws xpb::Error with a set-up hint when missing) or
// "planted" (generated, about 400 KB, independent of the experiment seed).
Corpus load_corpus(const std::string& which, const Context& ctx);

}  // namespace xpb::ernie
