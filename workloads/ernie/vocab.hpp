// workloads/ernie/vocab.hpp — the encoder's token ids: the 256 byte values plus four specials.
// V = 260 as in workloads.md §4.1 ([PAD] [CLS] [SEP] [MASK] after the bytes). No tokenizer
// is trained; a byte is its own id. Padding the vocabulary for SIMD is the encoder's business.
#pragma once

#include <cstdint>

namespace xpb::ernie {

inline constexpr std::int32_t kNumBytes = 256;
inline constexpr std::int32_t kPad = 256, kCls = 257, kSep = 258, kMask = 259;
inline constexpr std::int32_t kVocab = 260;

inline constexpr bool is_special(std::int32_t id) { return id >= kNumBytes; }

}  // namespace xpb::ernie
