// workloads/ernie/baselines.cpp — see baselines.hpp.
#include "workloads/ernie/baselines.hpp"

#include <algorithm>

#include "workloads/ernie/vocab.hpp"

namespace xpb::ernie {

std::int32_t copy_or_fallback(std::int32_t input_token, std::int32_t fallback) {
  return is_special(input_token) ? fallback : input_token;
}

namespace {

// The context of a pattern as one number: the dense ids of the left bytes (farthest first), then
// the right bytes (nearest first), in base A. `at(d)` is the dense id at offset d from the target.
template <class At>
std::uint64_t context_key(NgramFillIn::Pattern p, int A, At at) {
  std::uint64_t key = 0;
  for (int d = -p.left; d < 0; ++d) key = key * std::uint64_t(A) + std::uint64_t(at(d));
  for (int d = 1; d <= p.right; ++d) key = key * std::uint64_t(A) + std::uint64_t(at(d));
  return key;
}

// keys ascending, as std::sort leaves them, in linear passes: least significant digit first, 11 bits
// a pass, as many passes as the largest key needs (the keys of the KJV text, 5 digits base 75 at
// most, need 3). std::sort of the 4 M keys of each of the 8 patterns took about a fifth of an ERNIE
// medium cell's run (perf, 100 steps, 2 threads).
void radix_sort(std::vector<std::uint64_t>& keys) {
  if (keys.empty()) return;
  constexpr int kBits = 11;
  constexpr std::uint64_t kMask = (std::uint64_t(1) << kBits) - 1;
  const std::uint64_t top = *std::max_element(keys.begin(), keys.end());
  std::vector<std::uint64_t> out(keys.size());
  std::vector<std::size_t> start(kMask + 2);
  for (int shift = 0; shift < 64 && (top >> shift) != 0; shift += kBits) {
    std::fill(start.begin(), start.end(), 0);
    for (const std::uint64_t k : keys) ++start[((k >> shift) & kMask) + 1];
    for (std::size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    for (const std::uint64_t k : keys) out[start[(k >> shift) & kMask]++] = k;
    keys.swap(out);
  }
}

// From (context key · A + byte) for every occurrence, sorted: the most frequent byte per context
// (the smaller byte on ties).
std::vector<std::pair<std::uint64_t, std::int32_t>> most_frequent(std::vector<std::uint64_t>& keys, int A) {
  radix_sort(keys);
  std::vector<std::pair<std::uint64_t, std::int32_t>> best;
  std::size_t most = 0;
  for (std::size_t i = 0; i < keys.size();) {
    std::size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    const std::uint64_t ctx = keys[i] / std::uint64_t(A);
    const auto c = static_cast<std::int32_t>(keys[i] % std::uint64_t(A));
    if (best.empty() || best.back().first != ctx) {
      best.push_back({ctx, c});
      most = j - i;
    } else if (j - i > most) {
      best.back().second = c;
      most = j - i;
    }
    i = j;
  }
  return best;
}

}  // namespace

NgramFillIn::NgramFillIn(std::string_view train) : m_dense(kNumBytes, -1) {
  std::vector<std::uint64_t> hist(kNumBytes, 0);
  for (unsigned char c : train) hist[c] += 1;
  for (int v = 0; v < kNumBytes; ++v)
    if (hist[v] > 0) {
      m_dense[v] = m_alphabet++;
      m_byte.push_back(v);
    }
  m_majority = static_cast<std::int32_t>(std::max_element(hist.begin(), hist.end()) - hist.begin());
  const std::int64_t n = static_cast<std::int64_t>(train.size());
  std::vector<std::uint64_t> keys;
  for (const Pattern p : kPatterns) {
    keys.clear();
    for (std::int64_t i = p.left; i + p.right < n; ++i) {
      auto at = [&](int d) { return m_dense[static_cast<unsigned char>(train[std::size_t(i + d)])]; };
      keys.push_back(context_key(p, m_alphabet, at) * std::uint64_t(m_alphabet) + std::uint64_t(at(0)));
    }
    m_best.push_back(most_frequent(keys, m_alphabet));
  }
}

int NgramFillIn::dense(std::int32_t token) const {
  return is_special(token) || token < 0 ? -1 : m_dense[std::size_t(token)];
}

std::int32_t NgramFillIn::predict(const std::int32_t* row, int T, int t) const {
  // Visible bytes on each side, nearest first, up to two.
  int left = 0, right = 0;
  while (left < 2 && t - left - 1 >= 0 && dense(row[t - left - 1]) >= 0) ++left;
  while (right < 2 && t + right + 1 < T && dense(row[t + right + 1]) >= 0) ++right;
  for (std::size_t k = 0; k < std::size(kPatterns); ++k) {
    const Pattern p = kPatterns[k];
    if (p.left > left || p.right > right) continue;
    const std::uint64_t key = context_key(p, m_alphabet, [&](int d) { return dense(row[t + d]); });
    const auto& best = m_best[k];
    const auto it = std::lower_bound(best.begin(), best.end(), std::make_pair(key, std::int32_t(-1)));
    if (it != best.end() && it->first == key) return m_byte[std::size_t(it->second)];
  }
  return m_majority;
}

}  // namespace xpb::ernie
