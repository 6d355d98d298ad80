// workloads/mlp/ngram_features.hpp — hashed character n-gram features of a string.
// Counts of the n-grams of " text " (lower-cased), hashed (FNV-1a) into D buckets, L2-normalised,
// kept sparse (sorted bucket, value) so a corpus fits in memory; a batch is densified on demand.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xpb::mlp {

using SparseRow = std::vector<std::pair<std::uint32_t, float>>;  // (bucket, value), buckets ascending

SparseRow ngram_features(const std::string& text, int n, std::uint32_t buckets);

}  // namespace xpb::mlp
