// workloads/ernie/planted_corpus.hpp — generated text with planted entities and phrases (tests).
// Lines ("verses") are drawn from a few sentence templates over made-up names, fixed two-word
// phrases and common words, so the lexicon heuristics have known answers (the names are the
// entities, the fixed pairs the phrases) and nothing third-party is needed. Not a language model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xpb::ernie {

// About `bytes` bytes of text, one sentence per line, fully determined by `seed`.
std::string planted_corpus(std::uint64_t seed, std::size_t bytes);

// What the generator plants: names (single and two-word) and two-word phrases.
const std::vector<std::string>& planted_names();
const std::vector<std::string>& planted_phrases();

}  // namespace xpb::ernie
