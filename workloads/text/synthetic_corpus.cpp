// workloads/text/synthetic_corpus.cpp — generating the test corpus from word lists per book.
#include "workloads/text/synthetic_corpus.hpp"

#include <vector>

#include "core/base/rng.hpp"

namespace xpb::text {

std::string synthetic_corpus(int verses, std::uint64_t seed) {
  // Books are named like the KJV abbreviations so the MLP's book groups apply to them.
  const std::vector<std::string> books = {"Ge", "Josh", "Psa", "Isa", "Mat", "Rom"};
  const std::vector<std::vector<std::string>> words = {
      {"the", "land", "law", "of", "and", "offering", "altar", "tribe"},
      {"king", "the", "city", "and", "battle", "went", "of", "war"},
      {"praise", "my", "soul", "the", "and", "sing", "o", "lord"},
      {"thus", "saith", "woe", "the", "and", "nations", "shall", "of"},
      {"jesus", "said", "the", "and", "unto", "disciples", "came", "them"},
      {"grace", "faith", "brethren", "the", "and", "in", "love", "you"}};
  const Rng rng(seed, hash_name("synthetic_corpus"));
  std::string out;
  std::uint64_t k = 0;
  for (int v = 0; v < verses; ++v) {
    const std::size_t b = static_cast<std::size_t>(v) * books.size() / verses;
    out += books[b] + "1:" + std::to_string(v + 1) + " ";
    const int n = 5 + static_cast<int>(rng.below(k++, 8));
    for (int w = 0; w < n; ++w) {
      out += words[b][rng.below(k++, words[b].size())];
      out += w + 1 < n ? " " : ".\n";
    }
  }
  return out;
}

}  // namespace xpb::text
