// workloads/ernie/planted_corpus.cpp — the template generator behind planted_corpus().
// Every choice is a counter-based draw (core/base/rng.hpp), so the text depends on the seed only.
#include "workloads/ernie/planted_corpus.hpp"

#include "core/base/rng.hpp"

namespace xpb::ernie {
namespace {

const std::vector<std::string>& openers() {
  static const std::vector<std::string> v = {"And", "Then", "Now", "Behold,", "But"};
  return v;
}
const std::vector<std::string>& verbs() {
  static const std::vector<std::string> v = {"went to", "came from", "looked at", "spoke of",
                                             "built", "found", "carried", "remembered"};
  return v;
}
const std::vector<std::string>& nouns() {
  static const std::vector<std::string> v = {"the house", "the river", "a field", "the city",
                                             "the people", "a stone", "the hill", "the road",
                                             "the bread", "the water", "a tree", "the door"};
  return v;
}
const std::vector<std::string>& adverbs() {
  static const std::vector<std::string> v = {"in the morning", "by night", "with joy",
                                             "in haste", "at evening", "again"};
  return v;
}

}  // namespace

const std::vector<std::string>& planted_names() {
  static const std::vector<std::string> v = {"Zorath", "Milcah", "Ebrun", "Talvo", "Quessa",
                                             "Doran Vell", "Ilsa Moor", "Kesh"};
  return v;
}

const std::vector<std::string>& planted_phrases() {
  static const std::vector<std::string> v = {"silver lamp", "north gate", "cedar chest",
                                             "salt meadow", "iron bell"};
  return v;
}

std::string planted_corpus(std::uint64_t seed, std::size_t bytes) {
  const Rng rng(seed, hash_name("ernie/planted_corpus"));
  std::uint64_t k = 0;
  auto pick = [&](const std::vector<std::string>& v) -> const std::string& {
    return v[rng.below(k++, v.size())];
  };
  std::string text;
  while (text.size() < bytes) {
    std::string line = pick(openers()) + " " + pick(planted_names()) + " " + pick(verbs()) + " ";
    switch (rng.below(k++, 3)) {
      case 0: line += "the " + pick(planted_phrases()) + " of " + pick(planted_names()); break;
      case 1: line += pick(nouns()) + " with " + pick(planted_names()); break;
      default: line += pick(nouns()) + " and the " + pick(planted_phrases()); break;
    }
    line += " " + pick(adverbs()) + (rng.below(k++, 4) == 0 ? "; and it was good." : ".");
    text += line + "\n";
  }
  return text;
}

}  // namespace xpb::ernie
