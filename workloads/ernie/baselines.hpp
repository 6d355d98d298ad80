// workloads/ernie/baselines.hpp — cheap predictors of masked-LM targets, with no training, that
// the encoder must beat before its held-out accuracy counts as evidence of learning. Each sees
// only what the encoder sees (the masked input row) plus counts over the train split.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace xpb::ernie {

// The input byte at the target when it is a byte (a kept or randomly replaced target), else the
// train split's most frequent byte (`fallback`; the space in the KJV text): "copy or space".
std::int32_t copy_or_fallback(std::int32_t input_token, std::int32_t fallback);

// Count-based fill-in from the visible neighbours, no training: for the target at t, the longest
// visible context around it — up to two bytes on each side, a neighbour being visible when it is
// a byte of the train split (not [CLS]/[SEP]/[PAD]/[MASK]) and every byte between it and t is
// too — predicts the byte that most often sits between those bytes in the train split. Contexts
// are tried longest first (2+2, 2+1, 1+2, 1+1, 2+0, 0+2, 1+0, 0+1 bytes left+right); one never
// seen in the train split falls back to the next; with none, the most frequent byte. Ties go to
// the smaller byte value.
class NgramFillIn {
 public:
  explicit NgramFillIn(std::string_view train);

  // Prediction for position t of one input row of length T (token ids, bytes < 256).
  std::int32_t predict(const std::int32_t* row, int T, int t) const;
  std::int32_t majority() const { return m_majority; }

  struct Pattern {
    int left = 0, right = 0;  // context bytes on each side
  };
  static constexpr Pattern kPatterns[] = {{2, 2}, {2, 1}, {1, 2}, {1, 1}, {2, 0}, {0, 2}, {1, 0}, {0, 1}};

 private:
  int dense(std::int32_t token) const;  // -1 when not a byte of the train split

  int m_alphabet = 0;                // A: distinct bytes of the train split
  std::vector<int> m_dense;          // (256) byte -> 0..A-1, or -1
  std::vector<std::int32_t> m_byte;  // (A) dense id -> byte
  // Per pattern: (context key, most frequent byte between), sorted by key.
  std::vector<std::vector<std::pair<std::uint64_t, std::int32_t>>> m_best;
  std::int32_t m_majority = ' ';
};

}  // namespace xpb::ernie
