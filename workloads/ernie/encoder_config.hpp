// workloads/ernie/encoder_config.hpp — the shape of the ERNIE/BERT-style byte encoder and the
// layout of its parameters in one flat buffer (matrices first, so AdamW decays a prefix).
// Post-LN with ReLU is ERNIE 1.0's form; pre-LN and GELU are switches. No token-type
// embedding: with one segment it is a constant row that the embedding LayerNorm/bias absorbs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "workloads/ernie/vocab.hpp"

namespace xpb::ernie {

// Dimension letters: V vocabulary, L layers, C width, H heads, F FFN width, T sequence, B batch.
struct EncoderConfig {
  int vocab = kVocab;
  int layers = 2;
  int width = 32;
  int heads = 2;
  int ffn = 128;
  int context = 32;
  int batch = 16;
  bool pre_ln = true;  // false: ERNIE 1.0 / BERT post-LN
  bool gelu = false;   // false: ReLU (ERNIE 1.0's hidden_act)
};

struct ParamTensor {
  std::string name;                  // e.g. "qkvw" (layers stacked on the first dimension)
  std::vector<std::int64_t> shape;   // e.g. {L, 3C, C}
  std::int64_t offset = 0, size = 0; // elements, into the flat buffer
  bool decay = false;                // matrices take weight decay
  int init = 0;                      // 0: normal(0, 0.02); 1: ones; 2: zeros
};

// Buffer order: wte, wpe, qkvw, attprojw, fcw, fcprojw, headw (decayed), then biases and
// LayerNorm parameters. embln* exists only post-LN, lnf* only pre-LN.
inline std::vector<ParamTensor> param_layout(const EncoderConfig& c) {
  const std::int64_t V = c.vocab, L = c.layers, C = c.width, T = c.context, F = c.ffn;
  std::vector<ParamTensor> t = {
      {"wte", {V, C}, 0, 0, true, 0},        {"wpe", {T, C}, 0, 0, true, 0},
      {"qkvw", {L, 3 * C, C}, 0, 0, true, 0}, {"attprojw", {L, C, C}, 0, 0, true, 0},
      {"fcw", {L, F, C}, 0, 0, true, 0},      {"fcprojw", {L, C, F}, 0, 0, true, 0},
      {"headw", {C, C}, 0, 0, true, 0},
      {"qkvb", {L, 3 * C}, 0, 0, false, 2},   {"attprojb", {L, C}, 0, 0, false, 2},
      {"ln1w", {L, C}, 0, 0, false, 1},       {"ln1b", {L, C}, 0, 0, false, 2},
      {"fcb", {L, F}, 0, 0, false, 2},        {"fcprojb", {L, C}, 0, 0, false, 2},
      {"ln2w", {L, C}, 0, 0, false, 1},       {"ln2b", {L, C}, 0, 0, false, 2},
      {"headb", {C}, 0, 0, false, 2},         {"headlnw", {C}, 0, 0, false, 1},
      {"headlnb", {C}, 0, 0, false, 2},       {"outb", {V}, 0, 0, false, 2}};
  if (c.pre_ln) {
    t.push_back({"lnfw", {C}, 0, 0, false, 1});
    t.push_back({"lnfb", {C}, 0, 0, false, 2});
  } else {
    t.push_back({"emblnw", {C}, 0, 0, false, 1});
    t.push_back({"emblnb", {C}, 0, 0, false, 2});
  }
  std::int64_t off = 0;
  for (auto& p : t) {
    std::int64_t n = 1;
    for (std::int64_t d : p.shape) n *= d;
    p.offset = off;
    p.size = n;
    off += n;
  }
  return t;
}

inline std::int64_t param_count(const EncoderConfig& c) {
  const auto t = param_layout(c);
  return t.back().offset + t.back().size;
}

inline std::int64_t decayed_count(const EncoderConfig& c) {
  std::int64_t n = 0;
  for (const auto& p : param_layout(c))
    if (p.decay) n = p.offset + p.size;
  return n;
}

inline const ParamTensor& find_param(const std::vector<ParamTensor>& layout, const std::string& name) {
  for (const auto& p : layout)
    if (p.name == name) return p;
  XPB_ASSERT(false, "unknown encoder parameter name");
  return layout.front();
}

}  // namespace xpb::ernie
