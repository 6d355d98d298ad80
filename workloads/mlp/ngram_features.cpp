// workloads/mlp/ngram_features.cpp — hashing n-grams and normalising the count vector.
#include "workloads/mlp/ngram_features.hpp"

#include <cmath>
#include <map>

namespace xpb::mlp {

SparseRow ngram_features(const std::string& text, int n, std::uint32_t buckets) {
  std::string s = " ";
  for (char c : text) s += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  s += ' ';
  std::map<std::uint32_t, float> counts;
  for (std::size_t i = 0; i + n <= s.size(); ++i) {
    std::uint32_t h = 2166136261u;
    for (int k = 0; k < n; ++k) h = (h ^ static_cast<unsigned char>(s[i + k])) * 16777619u;
    counts[h % buckets] += 1.0f;
  }
  double norm = 0;
  for (const auto& kv : counts) norm += double(kv.second) * kv.second;
  const float inv = norm > 0 ? float(1.0 / std::sqrt(norm)) : 0.0f;
  SparseRow row;
  row.reserve(counts.size());
  for (const auto& kv : counts) row.emplace_back(kv.first, kv.second * inv);
  return row;
}

}  // namespace xpb::mlp
