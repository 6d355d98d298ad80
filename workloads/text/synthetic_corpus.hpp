// workloads/text/synthetic_corpus.hpp — a small generated verse corpus for tests and quick demos.
// Six "books" in two-letter groups, each with its own word list, so a byte model can learn it
// and a classifier can tell books apart. Deterministic in the seed; not natural language.
#pragma once

#include <cstdint>
#include <string>

namespace xpb::text {

// The file content ("Ab1:1 words ...\n" lines), `verses` lines long.
std::string synthetic_corpus(int verses, std::uint64_t seed);

}  // namespace xpb::text
