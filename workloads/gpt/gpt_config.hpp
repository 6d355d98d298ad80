// workloads/gpt/gpt_config.hpp — the shape of a GPT-2-style byte-level decoder and its parameter
// layout in one flat buffer. Matrices (weight-decayed) come first, then vectors, so AdamW can
// decay a prefix. Names and shapes follow PyTorch's conventions (Linear weights (out, in)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xpb::gpt {

struct GptConfig {
  int vocab = 256;  // V: bytes
  int layers = 2;   // L
  int width = 32;   // C
  int heads = 2;    // H (C % H == 0)
  int context = 32; // T: sequence length of training windows and of wpe
  int batch = 8;    // B
};

struct ParamTensor {
  std::string name;                 // e.g. "qkvw" (all layers stacked on the first dimension)
  std::vector<std::size_t> shape;   // e.g. {L, 3C, C}
  std::int64_t offset = 0, size = 0;  // in elements, into the flat buffer
  bool decay = false;               // matrices take weight decay
};

// The tensors in buffer order: wte, wpe, qkvw, attprojw, fcw, fcprojw (decayed), then ln1w,
// ln1b, qkvb, attprojb, ln2w, ln2b, fcb, fcprojb, lnfw, lnfb.
inline std::vector<ParamTensor> param_layout(const GptConfig& c) {
  using S = std::size_t;
  const S V = c.vocab, L = c.layers, C = c.width, T = c.context;
  std::vector<ParamTensor> t = {
      {"wte", {V, C}, 0, 0, true},          {"wpe", {T, C}, 0, 0, true},
      {"qkvw", {L, 3 * C, C}, 0, 0, true},  {"attprojw", {L, C, C}, 0, 0, true},
      {"fcw", {L, 4 * C, C}, 0, 0, true},   {"fcprojw", {L, C, 4 * C}, 0, 0, true},
      {"ln1w", {L, C}, 0, 0, false},        {"ln1b", {L, C}, 0, 0, false},
      {"qkvb", {L, 3 * C}, 0, 0, false},    {"attprojb", {L, C}, 0, 0, false},
      {"ln2w", {L, C}, 0, 0, false},        {"ln2b", {L, C}, 0, 0, false},
      {"fcb", {L, 4 * C}, 0, 0, false},     {"fcprojb", {L, C}, 0, 0, false},
      {"lnfw", {C}, 0, 0, false},           {"lnfb", {C}, 0, 0, false}};
  std::int64_t off = 0;
  for (auto& p : t) {
    std::int64_t n = 1;
    for (S d : p.shape) n *= static_cast<std::int64_t>(d);
    p.offset = off;
    p.size = n;
    off += n;
  }
  return t;
}

inline std::int64_t param_count(const GptConfig& c) {
  const auto t = param_layout(c);
  return t.back().offset + t.back().size;
}

// Elements that take weight decay (the matrices, laid out first).
inline std::int64_t decayed_count(const GptConfig& c) {
  std::int64_t n = 0;
  for (const auto& p : param_layout(c)) n += p.decay ? p.size : 0;
  return n;
}

}  // namespace xpb::gpt
