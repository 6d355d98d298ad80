// workloads/gpt/gpt_model.hpp — a GPT-2-style decoder (pre-LN, GELU-tanh, learned positions,
// tied wte, biases on) built from the nn/ layers, templated on the scalar type (float to train,
// double for finite-difference checks) and the execution space (Serial vs OpenMP tests).
// It owns parameters, gradients, AdamW state and activations; it knows nothing about corpora,
// schedules or the runner (workloads/gpt/gpt.cpp does).
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/rng.hpp"
#include "core/plugin/ledger.hpp"
#include "workloads/gpt/gpt_config.hpp"
#include "workloads/nn/nn.hpp"

namespace xpb::gpt {

// Dimension letters: B batch, T context, C width, V vocab, L layers, H heads, N = B·T.

// Bytes a GptModel of `c` allocates (c.batch: the batch the model holds, one micro-batch), with
// scalars of `scalar` bytes, plus the most a training step allocates on top: the partial rows of a
// layernorm backward and the blocks of an ordered sum (not alive at once; both are counted).
// Attention keeps no (T, T) scores: the flash kernels keep one log-sum-exp per row. This follows
// the constructor below view by view; tests/workloads/test_memory_estimate.cpp checks it against
// the bytes the model really allocates.
inline double model_bytes(const GptConfig& c, std::size_t scalar) {
  const double N = double(c.batch) * c.context, C = c.width, V = c.vocab, L = c.layers, H = c.heads;
  const double P = double(param_count(c));
  const double state = 4 * P;  // params, grads, adam_m, adam_v
  // Saved per block: ln1, atty, res1, ln2, res2 (N, C) (attproj and fcproj write the residual
  // sums res1 and res2 directly, GEMM epilogues); qkv (N, 3C); fch, fch_gelu (N, 4C); four (N)
  // statistics; lse (B·H, T).
  const double layer = 16 * N * C + 4 * N + N * H;
  // encoded, lnf (N, C) and lnf's statistics; logits, probs (N, V); losses (N); backward scratch
  // dres, dln, datty (N, C), dqkv (N, 3C), dfch, dfch_gelu (N, 4C).
  const double rest = 2 * N * C + 2 * N + 2 * N * V + N + 14 * N * C;
  const double partials = double(nn::layernorm_blocks(int(N))) * 2 * C;            // (blocks, 2C)
  const double sums = 8.0 * std::ceil(std::max(P, N) / double(nn::kReduceBlock));  // doubles
  return (state + L * layer + rest + partials) * double(scalar) + 2 * N * sizeof(int) + sums;
}

template <class T, class Exec = Kokkos::DefaultExecutionSpace>
class GptModel {
 public:
  using Mat = nn::Matrix<T>;
  using Vec = nn::Vec<T>;

  GptModel(const GptConfig& cfg, nn::GemmPath path) : m_cfg(cfg), m_path(path), m_layout(param_layout(cfg)) {
    const std::int64_t P = param_count(cfg);
    m_params = Vec("gpt/params", P);  // (P)
    m_grads = Vec("gpt/grads", P);    // (P)
    m_adam_m = Vec("gpt/adam_m", P);  // (P)
    m_adam_v = Vec("gpt/adam_v", P);  // (P)
    const int N = cfg.batch * cfg.context, C = cfg.width, V = cfg.vocab, L = cfg.layers;
    auto mat = [](const char* name, int r, int c) { return Mat(std::string(name), r, c); };
    m_encoded = mat("gpt/encoded", N, C);  // (N, C)
    for (int l = 0; l < L; ++l) {
      Layer a;
      a.ln1 = mat("gpt/ln1", N, C);                                    // (N, C)
      a.ln1_mean = Vec("gpt/ln1_mean", N);                             // (N)
      a.ln1_rstd = Vec("gpt/ln1_rstd", N);                             // (N)
      a.qkv = mat("gpt/qkv", N, 3 * C);                                // (N, 3C)
      a.lse = mat("gpt/att_lse", cfg.batch * cfg.heads, cfg.context);  // (B·H, T)
      a.atty = mat("gpt/atty", N, C);                                  // (N, C)
      a.res1 = mat("gpt/res1", N, C);                                  // (N, C)
      a.ln2 = mat("gpt/ln2", N, C);                                    // (N, C)
      a.ln2_mean = Vec("gpt/ln2_mean", N);                             // (N)
      a.ln2_rstd = Vec("gpt/ln2_rstd", N);                             // (N)
      a.fch = mat("gpt/fch", N, 4 * C);                                // (N, 4C)
      a.fch_gelu = mat("gpt/fch_gelu", N, 4 * C);                      // (N, 4C)
      a.res2 = mat("gpt/res2", N, C);                                  // (N, C)
      m_layers.push_back(a);
    }
    m_lnf = mat("gpt/lnf", N, C);                  // (N, C)
    m_lnf_mean = Vec("gpt/lnf_mean", N);           // (N)
    m_lnf_rstd = Vec("gpt/lnf_rstd", N);           // (N)
    m_logits = mat("gpt/logits", N, V);            // (N, V)
    m_probs = mat("gpt/probs", N, V);              // (N, V); becomes dlogits in backward
    m_losses = Vec("gpt/losses", N);               // (N)
    m_dres = mat("gpt/dres", N, C);                // (N, C) gradient of the residual stream
    m_dln = mat("gpt/dln", N, C);                  // (N, C)
    m_dqkv = mat("gpt/dqkv", N, 3 * C);            // (N, 3C)
    m_datty = mat("gpt/datty", N, C);              // (N, C)
    m_dfch = mat("gpt/dfch", N, 4 * C);            // (N, 4C)
    m_dfch_gelu = mat("gpt/dfch_gelu", N, 4 * C);  // (N, 4C)
    m_inputs = nn::Tokens("gpt/inputs", N);        // (N)
    m_targets = nn::Tokens("gpt/targets", N);      // (N)
  }

  // GPT-2 initialisation from a counter-based stream: weights N(0, 0.02), output projections
  // N(0, 0.02/√(2L)), biases 0, layernorm weights 1. Element i of the flat buffer uses index i.
  void init(const Rng& rng) {
    auto h = Kokkos::create_mirror_view(Kokkos::HostSpace(), m_params);
    const double proj_std = 0.02 / std::sqrt(2.0 * m_cfg.layers);
    for (const auto& p : m_layout) {
      const bool ln_weight = p.name == "ln1w" || p.name == "ln2w" || p.name == "lnfw";
      const double sd = (p.name == "attprojw" || p.name == "fcprojw") ? proj_std : 0.02;
      for (std::int64_t i = p.offset; i < p.offset + p.size; ++i) {
        if (p.decay)
          h(i) = T(sd * rng.normal(static_cast<std::uint64_t>(i)));
        else
          h(i) = ln_weight ? T(1) : T(0);
      }
    }
    Kokkos::deep_copy(m_params, h);
    Kokkos::deep_copy(m_adam_m, T(0));
    Kokkos::deep_copy(m_adam_v, T(0));
  }

  // Forward pass on (B, T) windows given as flat host arrays of N ids; returns the mean loss.
  double forward(const std::vector<int>& inputs, const std::vector<int>& targets) {
    copy_tokens(m_inputs, inputs);
    copy_tokens(m_targets, targets);
    const GptConfig& c = m_cfg;
    const int L = c.layers;
    const nn::AttentionShape as{c.batch, c.context, c.heads, c.width, true};
    nn::embedding_forward(m_exec, "gpt/embed", m_encoded, m_inputs, w("wte"), w("wpe"), c.context);
    Mat residual = m_encoded;
    for (int l = 0; l < L; ++l) {
      Layer& a = m_layers[l];
      nn::layernorm_forward(m_exec, "gpt/ln1", a.ln1, a.ln1_mean, a.ln1_rstd, residual, v("ln1w", l),
                            v("ln1b", l));
      nn::linear_forward(m_exec, "gpt/qkv", m_path, a.qkv, a.ln1, w("qkvw", l), v("qkvb", l));
      nn::flash_attention_forward(m_exec, "gpt/attn", as, a.atty, a.lse, a.qkv);
      // res1 = residual + attproj(atty), the residual added in the GEMM's epilogue.
      nn::linear_forward(m_exec, "gpt/attproj", m_path, a.res1, a.atty, w("attprojw", l), v("attprojb", l),
                         false, residual);
      nn::layernorm_forward(m_exec, "gpt/ln2", a.ln2, a.ln2_mean, a.ln2_rstd, a.res1, v("ln2w", l),
                            v("ln2b", l));
      nn::linear_forward(m_exec, "gpt/fc", m_path, a.fch, a.ln2, w("fcw", l), v("fcb", l));
      nn::gelu_forward(m_exec, "gpt/gelu", a.fch_gelu, a.fch);
      nn::linear_forward(m_exec, "gpt/fcproj", m_path, a.res2, a.fch_gelu, w("fcprojw", l), v("fcprojb", l),
                         false, a.res1);
      residual = a.res2;
    }
    nn::layernorm_forward(m_exec, "gpt/lnf", m_lnf, m_lnf_mean, m_lnf_rstd, residual, v("lnfw"), v("lnfb"));
    nn::linear_forward(m_exec, "gpt/lm_head", m_path, m_logits, m_lnf, w("wte"), Vec());
    nn::cross_entropy_forward(m_exec, "gpt/loss", m_losses, m_probs, m_logits, m_targets);
    m_loss = nn::cross_entropy_mean(m_exec, "gpt/loss", m_losses, m_targets, &m_valid);
    m_exec.fence();
    return m_loss;
  }

  // Gradients of the last forward's mean loss divided by `micro_batches` (the share of one
  // micro-batch in an accumulated step), into grads() (every element overwritten).
  void backward(int micro_batches = 1) {
    const GptConfig& c = m_cfg;
    const int L = c.layers;
    const nn::AttentionShape as{c.batch, c.context, c.heads, c.width, true};
    const int valid = m_valid > 0 ? m_valid : 1;
    const T scale = micro_batches == 1 ? T(1) / T(valid) : T(1.0 / (double(valid) * micro_batches));
    nn::cross_entropy_backward(m_exec, "gpt/loss", m_probs, m_probs, m_targets, scale);
    nn::linear_backward(m_exec, "gpt/lm_head", m_path, m_dln, g("wte"), Vec(), m_probs, m_lnf, w("wte"));
    nn::zero_fill(m_exec, "gpt/dres_zero", m_dres);
    const Mat last = L > 0 ? m_layers[L - 1].res2 : m_encoded;
    nn::layernorm_backward(m_exec, "gpt/lnf", m_dres, gv("lnfw"), gv("lnfb"), m_dln, last, v("lnfw"),
                           m_lnf_mean, m_lnf_rstd);
    for (int l = L - 1; l >= 0; --l) {
      Layer& a = m_layers[l];
      const Mat input = l > 0 ? m_layers[l - 1].res2 : m_encoded;
      // m_dres holds ∂L/∂res2 here; the MLP branch adds its part to give ∂L/∂res1.
      nn::linear_backward(m_exec, "gpt/fcproj", m_path, m_dfch_gelu, g("fcprojw", l), gv("fcprojb", l),
                          m_dres, a.fch_gelu, w("fcprojw", l));
      nn::gelu_backward(m_exec, "gpt/gelu", m_dfch, a.fch, m_dfch_gelu);
      nn::linear_backward(m_exec, "gpt/fc", m_path, m_dln, g("fcw", l), gv("fcb", l), m_dfch, a.ln2,
                          w("fcw", l));
      nn::layernorm_backward(m_exec, "gpt/ln2", m_dres, gv("ln2w", l), gv("ln2b", l), m_dln, a.res1,
                             v("ln2w", l), a.ln2_mean, a.ln2_rstd);
      // The attention branch adds its part to give ∂L/∂input.
      nn::linear_backward(m_exec, "gpt/attproj", m_path, m_datty, g("attprojw", l), gv("attprojb", l), m_dres,
                          a.atty, w("attprojw", l));
      nn::flash_attention_backward(m_exec, "gpt/attn", as, m_dqkv, m_datty, a.qkv, a.atty, a.lse);
      nn::linear_backward(m_exec, "gpt/qkv", m_path, m_dln, g("qkvw", l), gv("qkvb", l), m_dqkv, a.ln1,
                          w("qkvw", l));
      nn::layernorm_backward(m_exec, "gpt/ln1", m_dres, gv("ln1w", l), gv("ln1b", l), m_dln, input,
                             v("ln1w", l), a.ln1_mean, a.ln1_rstd);
    }
    nn::embedding_backward(m_exec, "gpt/embed", g("wte"), g("wpe"), m_dres, m_inputs, c.context);
    m_exec.fence();
  }

  // Clips by global norm and takes one AdamW step (step is 1-based). Returns the gradient norm.
  double update(const nn::AdamWConfig& opt, double max_grad_norm, std::int64_t step) {
    const double norm = nn::grad_norm(m_exec, "gpt/grad_norm", m_grads);
    const T scale = T(nn::clip_factor(norm, max_grad_norm));
    nn::adamw_update(m_exec, "gpt/adamw", m_params, m_grads, m_adam_m, m_adam_v, decayed_count(m_cfg), opt,
                     step, scale);
    m_exec.fence();
    return norm;
  }

  // Analytic cost of one training step with matrices at `dtype`: `micro_steps` forward and
  // backward passes of this model's batch, then one update. exp_ops: operations per exponential
  // (attention, GELU, loss): 1 charged, nn::detail::kExpFixedOps<T> as run on a host.
  Ledger ledger(DType dtype, double micro_steps = 1, double exp_ops = 1) const {
    const GptConfig& c = m_cfg;
    const double N = double(c.batch) * c.context, C = c.width, V = c.vocab, L = c.layers;
    const nn::AttentionShape as{c.batch, c.context, c.heads, c.width, true};
    Ledger l;
    l.push_back(nn::transfer_cost("gpt/upload_tokens", 2 * sizeof(int) * N));  // inputs and targets
    nn::append(l, nn::embedding_forward_cost("gpt/embed", dtype, N, C));
    nn::append(l, nn::layernorm_forward_cost("gpt/ln1", dtype, N, C), L);
    nn::append(l, nn::linear_forward_cost("gpt/qkv", dtype, N, C, 3 * C, true, m_path), L);
    nn::append(l, nn::flash_attention_forward_cost("gpt/attn", dtype, as, nn::kFlashTeams, exp_ops), L);
    nn::append(l, nn::linear_forward_cost("gpt/attproj", dtype, N, C, C, true, m_path, false, true), L);
    nn::append(l, nn::layernorm_forward_cost("gpt/ln2", dtype, N, C), L);
    nn::append(l, nn::linear_forward_cost("gpt/fc", dtype, N, C, 4 * C, true, m_path), L);
    nn::append(l, nn::gelu_forward_cost("gpt/gelu", dtype, N, 4 * C, exp_ops), L);
    nn::append(l, nn::linear_forward_cost("gpt/fcproj", dtype, N, 4 * C, C, true, m_path, false, true), L);
    nn::append(l, nn::layernorm_forward_cost("gpt/lnf", dtype, N, C));
    nn::append(l, nn::linear_forward_cost("gpt/lm_head", dtype, N, C, V, false, m_path));
    nn::append(l, nn::cross_entropy_forward_cost("gpt/loss", dtype, N, V, exp_ops));
    nn::append(l, nn::cross_entropy_backward_cost("gpt/loss", dtype, N, V));
    nn::append(l, nn::linear_backward_cost("gpt/lm_head", dtype, N, C, V, false, true, m_path));
    nn::append(l, nn::zero_fill_cost("gpt/dres_zero", dtype, N * C));
    nn::append(l, nn::layernorm_backward_cost("gpt/lnf", dtype, N, C));
    nn::append(l, nn::linear_backward_cost("gpt/fcproj", dtype, N, 4 * C, C, true, true, m_path), L);
    nn::append(l, nn::gelu_backward_cost("gpt/gelu", dtype, N, 4 * C, exp_ops), L);
    nn::append(l, nn::linear_backward_cost("gpt/fc", dtype, N, C, 4 * C, true, true, m_path), L);
    nn::append(l, nn::layernorm_backward_cost("gpt/ln2", dtype, N, C), L);
    nn::append(l, nn::linear_backward_cost("gpt/attproj", dtype, N, C, C, true, true, m_path), L);
    nn::append(l, nn::flash_attention_backward_cost("gpt/attn", dtype, as, nn::kFlashTeams, exp_ops), L);
    nn::append(l, nn::linear_backward_cost("gpt/qkv", dtype, N, C, 3 * C, true, true, m_path), L);
    nn::append(l, nn::layernorm_backward_cost("gpt/ln1", dtype, N, C), L);
    nn::append(l, nn::embedding_backward_cost("gpt/embed", dtype, N, C, V, c.context));
    for (auto& k : l) k.count *= micro_steps;
    const double P = double(param_count(c));
    nn::append(l, nn::grad_norm_cost("gpt/grad_norm", P));
    nn::append(l, nn::adamw_cost("gpt/adamw", P));
    return l;
  }

  const GptConfig& config() const { return m_cfg; }
  const std::vector<ParamTensor>& layout() const { return m_layout; }
  const Vec& params() const { return m_params; }
  const Vec& grads() const { return m_grads; }
  const Mat& logits() const { return m_logits; }
  double loss() const { return m_loss; }

 private:
  struct Layer {                                 // saved activations of one block
    Mat ln1, atty, res1, ln2, res2;              // (N, C)
    Mat qkv;                                     // (N, 3C)
    Mat fch, fch_gelu;                           // (N, 4C)
    Vec ln1_mean, ln1_rstd, ln2_mean, ln2_rstd;  // (N)
    Mat lse;                                     // (B·H, T) attention row log-sum-exp
  };

  const ParamTensor& find(const std::string& name) const {
    for (const auto& p : m_layout)
      if (p.name == name) return p;
    XPB_ASSERT(false, "unknown GPT parameter tensor");
    return m_layout.front();
  }
  // Layer l's slice of a stacked tensor, as an unmanaged view into a flat buffer.
  Mat mat_in(const Vec& buf, const std::string& name, int l) const {
    const ParamTensor& p = find(name);
    const bool stacked = p.shape.size() == 3;
    const std::size_t r = p.shape[stacked ? 1 : 0], c = p.shape[stacked ? 2 : 1];
    return Mat(buf.data() + p.offset + (stacked ? std::int64_t(l) * std::int64_t(r * c) : 0), r, c);
  }
  Vec vec_in(const Vec& buf, const std::string& name, int l) const {
    const ParamTensor& p = find(name);
    const std::size_t n = p.shape.back();
    return Vec(buf.data() + p.offset + (p.shape.size() == 2 ? std::int64_t(l) * std::int64_t(n) : 0), n);
  }
  Mat w(const std::string& name, int l = 0) const { return mat_in(m_params, name, l); }
  Vec v(const std::string& name, int l = 0) const { return vec_in(m_params, name, l); }
  Mat g(const std::string& name, int l = 0) const { return mat_in(m_grads, name, l); }
  Vec gv(const std::string& name, int l = 0) const { return vec_in(m_grads, name, l); }

  static void copy_tokens(const nn::Tokens& dst, const std::vector<int>& src) {
    XPB_ASSERT(src.size() == dst.extent(0), "token count must be batch * context");
    Kokkos::View<const int*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged> h(src.data(), src.size());  // (N)
    Kokkos::deep_copy(dst, h);
  }

  GptConfig m_cfg;
  nn::GemmPath m_path;
  std::vector<ParamTensor> m_layout;
  Exec m_exec;
  Vec m_params, m_grads, m_adam_m, m_adam_v;  // (P)
  std::vector<Layer> m_layers;
  Mat m_encoded, m_lnf, m_logits, m_probs;  // (N, C), (N, C), (N, V), (N, V)
  Vec m_lnf_mean, m_lnf_rstd, m_losses;     // (N)
  Mat m_dres, m_dln, m_datty;               // (N, C)
  Mat m_dqkv;                               // (N, 3C)
  Mat m_dfch, m_dfch_gelu;                  // (N, 4C)
  nn::Tokens m_inputs, m_targets;           // (N)
  double m_loss = 0;
  int m_valid = 0;
};

}  // namespace xpb::gpt
