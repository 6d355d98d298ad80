// workloads/ernie/encoder.hpp — a bidirectional Transformer encoder with an MLM head, on nn/.
// Forward: embeddings → L encoder layers (full, non-causal attention) → gather the hidden rows
// of the prediction targets (ERNIE's mask_pos) → dense + activation + LayerNorm → tied decoder
// → cross-entropy over the targets only. Backward fills one flat gradient buffer. Templated on
// the scalar so the gradient check runs in double. It has no optimizer and knows no masking.
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
#include "workloads/ernie/encoder_config.hpp"
#include "workloads/nn/nn.hpp"

namespace xpb::ernie {

// Dimension letters: B batch, T sequence, N = B·T rows, C width, H heads, F FFN width,
// V vocabulary, P prediction targets of the current batch (P ≤ N), L layers.

// ================================================================================================
// Encoder-specific kernels: the target gather/scatter and an in-place add.

// out (P, C) = x (N, C) at rows pos (P).
template <class Exec, class T>
void gather_rows(const Exec& exec, const char* name, const nn::Matrix<T>& out, const nn::Matrix<const T>& x,
                 const nn::Tokens& pos, int P) {
  const int C = static_cast<int>(x.extent(1));
  Kokkos::parallel_for(
      name, Kokkos::MDRangePolicy<Exec, Kokkos::Rank<2>>(exec, {0, 0}, {P, C}),
      KOKKOS_LAMBDA(const int p, const int c) { out(p, c) = x(pos(p), c); });
}

// dx (N, C) = 0 (kernel NAME_zero) except dx(pos(p)) = dout(p); positions are distinct, so no two
// writers meet.
template <class Exec, class T>
void scatter_rows(const Exec& exec, const char* name, const nn::Matrix<T>& dx,
                  const nn::Matrix<const T>& dout, const nn::Tokens& pos, int P) {
  const int C = static_cast<int>(dx.extent(1));
  nn::zero_fill(exec, nn::label(name, "_zero"), dx);
  Kokkos::parallel_for(
      name, Kokkos::MDRangePolicy<Exec, Kokkos::Rank<2>>(exec, {0, 0}, {P, C}),
      KOKKOS_LAMBDA(const int p, const int c) { dx(pos(p), c) = dout(p, c); });
}

// y (N, C) += x (N, C)
template <class Exec, class T>
void add_into(const Exec& exec, const char* name, const nn::Matrix<T>& y, const nn::Matrix<const T>& x) {
  Kokkos::parallel_for(
      name,
      Kokkos::MDRangePolicy<Exec, Kokkos::Rank<2>>(
          exec, {0, 0}, {static_cast<int>(y.extent(0)), static_cast<int>(y.extent(1))}),
      KOKKOS_LAMBDA(const int n, const int c) { y(n, c) += x(n, c); });
}

// ================================================================================================
// Memory

// Bytes an Encoder of `c` allocates (c.batch: the batch it holds, one micro-batch) with scalars of
// `scalar` bytes, plus the most a step allocates on top: the partial rows of a layernorm backward
// and the blocks of an ordered sum (not alive at once; both are counted). No optimizer state (the
// workload holds the AdamW moments) and no (T, T) attention scores (one log-sum-exp per row).
// This follows the constructor below view by view; tests/workloads/test_memory_estimate.cpp checks
// it against the bytes the encoder really allocates.
inline double encoder_bytes(const EncoderConfig& c, std::size_t scalar) {
  const double N = double(c.batch) * c.context, C = c.width, F = c.ffn, V = c.vocab, L = c.layers;
  const double P = double(param_count(c)), H = c.heads;
  // Per layer: ln1, atty, r1, ln2, r2 and the layer's output x (N, C); qkv (N, 3C); g and, with
  // GELU, f1 (N, F) (the ReLU is fc's GEMM epilogue: no f1); four (N) statistics; lse (B·H, T).
  const double ffn_bufs = c.gelu ? 2 : 1;
  const double layer = 9 * N * C + ffn_bufs * N * F + 4 * N + N * H;
  // emb and one more (N, C) (x0 post-LN, xf pre-LN); the head's hm, hd, ha, hl (N, C);
  // backward dx, dr, dtmp, dy, dhl, dha, dhd, dhm (N, C) and dqkv (N, 3C); dF1 and, with GELU, dF
  // (N, F); logits, probs (N, V); the emb, xf and hl statistics and losses (N).
  const double rest = 17 * N * C + ffn_bufs * N * F + 2 * N * V + 7 * N;
  const double partials = double(nn::layernorm_blocks(int(N))) * 2 * C;            // (blocks, 2C)
  const double sums = 8.0 * std::ceil(std::max(P, N) / double(nn::kReduceBlock));  // doubles
  return (2 * P + L * layer + rest + partials) * double(scalar) + 3 * N * sizeof(std::int32_t) + sums;
}

// ================================================================================================
// The model

template <class T>
class Encoder {
 public:
  using Exec = Kokkos::DefaultExecutionSpace;
  using Mat = nn::Matrix<T>;
  using CMat = nn::Matrix<const T>;
  using Vec = nn::Vec<T>;

  Encoder(const EncoderConfig& cfg, nn::GemmPath path)
      : m_cfg(cfg), m_path(path), m_layout(param_layout(cfg)) {
    XPB_ASSERT(cfg.width % cfg.heads == 0, "width must be a multiple of heads");
    const int B = cfg.batch, TT = cfg.context, N = B * TT, C = cfg.width, F = cfg.ffn, H = cfg.heads;
    const int V = cfg.vocab, L = cfg.layers;
    const std::int64_t np = param_count(cfg);
    m_params = Vec("ernie/params", np);                         // (params)
    m_grads = Vec("ernie/grads", np);                           // (params)
    m_tokens = nn::Tokens("ernie/tokens", N);                   // (N)
    m_pos = nn::Tokens("ernie/positions", N);                   // (P ≤ N)
    m_labels = nn::Tokens("ernie/labels", N);                   // (P ≤ N)
    m_emb = Mat("ernie/emb", N, C);                             // (N, C)
    m_emb_mean = Vec("ernie/emb_mean", N);                      // (N)
    m_emb_rstd = Vec("ernie/emb_rstd", N);                      // (N)
    m_x.push_back(cfg.pre_ln ? m_emb : Mat("ernie/x0", N, C));  // (N, C) layer inputs/outputs
    for (int l = 0; l < L; ++l) {
      Layer a;
      a.ln1 = Mat("ernie/ln1", N, C);           // (N, C)
      a.ln1_mean = Vec("ernie/ln1_mean", N);    // (N)
      a.ln1_rstd = Vec("ernie/ln1_rstd", N);    // (N)
      a.qkv = Mat("ernie/qkv", N, 3 * C);       // (N, 3C)
      a.lse = Mat("ernie/att_lse", B * H, TT);  // (B·H, T)
      a.atty = Mat("ernie/atty", N, C);         // (N, C)
      a.r1 = Mat("ernie/r1", N, C);             // (N, C)
      a.ln2 = Mat("ernie/ln2", N, C);           // (N, C) pre-LN only (post: x[l+1])
      a.ln2_mean = Vec("ernie/ln2_mean", N);    // (N)
      a.ln2_rstd = Vec("ernie/ln2_rstd", N);    // (N)
      // f1 (N, F), the GELU's input; a ReLU is fc's GEMM epilogue, with no buffer of its own.
      if (cfg.gelu) a.f1 = Mat("ernie/f1", N, F);
      a.g = Mat("ernie/g", N, F);    // (N, F)
      a.r2 = Mat("ernie/r2", N, C);  // (N, C) post-LN only
      m_layers.push_back(a);
      m_x.push_back(Mat("ernie/x", N, C));  // (N, C)
    }
    m_xf = cfg.pre_ln ? Mat("ernie/xf", N, C) : m_x.back();  // (N, C)
    m_xf_mean = Vec("ernie/xf_mean", N);                     // (N)
    m_xf_rstd = Vec("ernie/xf_rstd", N);                     // (N)
    m_hm = Mat("ernie/hm", N, C);                            // (P, C) gathered target rows
    m_hd = Mat("ernie/hd", N, C);                            // (P, C) head dense
    m_ha = Mat("ernie/ha", N, C);                            // (P, C) head activation
    m_hl = Mat("ernie/hl", N, C);                            // (P, C) head LayerNorm
    m_hl_mean = Vec("ernie/hl_mean", N);                     // (P)
    m_hl_rstd = Vec("ernie/hl_rstd", N);                     // (P)
    m_logits = Mat("ernie/logits", N, V);                    // (P, V)
    m_probs = Mat("ernie/probs", N, V);                      // (P, V); dlogits in backward
    m_losses = Vec("ernie/losses", N);                       // (P)
    // Backward scratch.
    m_dx = Mat("ernie/dx", N, C);                // (N, C)
    m_dr = Mat("ernie/dr", N, C);                // (N, C)
    m_dtmp = Mat("ernie/dtmp", N, C);            // (N, C)
    m_dy = Mat("ernie/dy", N, C);                // (N, C)
    if (cfg.gelu) m_dF = Mat("ernie/dF", N, F);  // (N, F), GELU only
    m_dF1 = Mat("ernie/dF1", N, F);              // (N, F)
    m_dqkv = Mat("ernie/dqkv", N, 3 * C);        // (N, 3C)
    m_dhl = Mat("ernie/dhl", N, C);              // (P, C)
    m_dha = Mat("ernie/dha", N, C);              // (P, C)
    m_dhd = Mat("ernie/dhd", N, C);              // (P, C)
    m_dhm = Mat("ernie/dhm", N, C);              // (P, C)
  }

  const EncoderConfig& config() const { return m_cfg; }
  const std::vector<ParamTensor>& layout() const { return m_layout; }
  const Vec& params() const { return m_params; }
  const Vec& grads() const { return m_grads; }
  int targets() const { return m_P; }

  // normal(0, std) matrices (BERT/ERNIE: initializer_range 0.02), LayerNorm weights 1, biases 0.
  void init(const Rng& rng, double std = 0.02) {
    auto h = Kokkos::create_mirror_view(m_params);
    for (const auto& p : m_layout)
      for (std::int64_t i = 0; i < p.size; ++i) {
        const std::int64_t k = p.offset + i;
        h(k) = p.init == 0 ? T(std * rng.normal(static_cast<std::uint64_t>(k))) : (p.init == 1 ? T(1) : T(0));
      }
    Kokkos::deep_copy(m_params, h);
  }

  // ----------------------------------------------------------------------------------------------
  // Forward: tokens (N), positions and labels (P). Returns the mean cross-entropy over targets.
  double forward(const std::vector<std::int32_t>& tokens, const std::vector<std::int32_t>& positions,
                 const std::vector<std::int32_t>& labels) {
    const int B = m_cfg.batch, TT = m_cfg.context, N = B * TT, L = m_cfg.layers;
    XPB_ASSERT(static_cast<int>(tokens.size()) == N, "tokens must be (B·T)");
    XPB_ASSERT(positions.size() == labels.size() && static_cast<int>(positions.size()) <= N,
               "positions and labels must be (P) with P <= B·T");
    m_P = static_cast<int>(positions.size());
    upload(m_tokens, tokens);
    upload(m_pos, positions);
    upload(m_labels, labels);
    const Exec ex;
    const nn::AttentionShape shape{B, TT, m_cfg.heads, m_cfg.width, false};

    nn::embedding_forward<Exec, T>(ex, "ernie/embed", m_emb, m_tokens, pm("wte"), pm("wpe"), TT);
    if (!m_cfg.pre_ln)
      nn::layernorm_forward<Exec, T>(ex, "ernie/embln", m_x[0], m_emb_mean, m_emb_rstd, m_emb, pv("emblnw"),
                                     pv("emblnb"));
    for (int l = 0; l < L; ++l) {
      Layer& a = m_layers[l];
      const Mat xin = m_x[l];
      Mat qin = xin;
      if (m_cfg.pre_ln) {
        nn::layernorm_forward<Exec, T>(ex, "ernie/ln1", a.ln1, a.ln1_mean, a.ln1_rstd, xin, pv("ln1w", l),
                                       pv("ln1b", l));
        qin = a.ln1;
      }
      nn::linear_forward<Exec, T>(ex, "ernie/qkv", m_path, a.qkv, qin, pm("qkvw", l), pv("qkvb", l));
      nn::flash_attention_forward<Exec, T>(ex, "ernie/attn", shape, a.atty, a.lse, a.qkv);
      // r1 = x + attproj(atty), the residual added in the GEMM's epilogue.
      nn::linear_forward<Exec, T>(ex, "ernie/attproj", m_path, a.r1, a.atty, pm("attprojw", l),
                                  pv("attprojb", l), false, xin);
      Mat fin;
      if (m_cfg.pre_ln) {
        nn::layernorm_forward<Exec, T>(ex, "ernie/ln2", a.ln2, a.ln2_mean, a.ln2_rstd, a.r1, pv("ln2w", l),
                                       pv("ln2b", l));
        fin = a.ln2;
      } else {
        nn::layernorm_forward<Exec, T>(ex, "ernie/ln1", a.ln1, a.ln1_mean, a.ln1_rstd, a.r1, pv("ln1w", l),
                                       pv("ln1b", l));
        fin = a.ln1;
      }
      fc_act_forward(ex, a, fin, l);
      // x[l+1] = r1 + fcproj(g) (pre-LN) or r2 = ln1 + fcproj(g) (post-LN), in the GEMM's epilogue.
      nn::linear_forward<Exec, T>(ex, "ernie/fcproj", m_path, m_cfg.pre_ln ? m_x[l + 1] : a.r2, a.g,
                                  pm("fcprojw", l), pv("fcprojb", l), false, m_cfg.pre_ln ? a.r1 : a.ln1);
      if (!m_cfg.pre_ln)
        nn::layernorm_forward<Exec, T>(ex, "ernie/ln2", m_x[l + 1], a.ln2_mean, a.ln2_rstd, a.r2,
                                       pv("ln2w", l), pv("ln2b", l));
    }
    if (m_cfg.pre_ln)
      nn::layernorm_forward<Exec, T>(ex, "ernie/lnf", m_xf, m_xf_mean, m_xf_rstd, m_x[L], pv("lnfw"),
                                     pv("lnfb"));
    if (m_P == 0) {
      ex.fence();
      return 0.0;
    }
    // MLM head on the P target rows only.
    const int P = m_P;
    gather_rows<Exec, T>(ex, "ernie/mlm_gather", rows(m_hm, P), m_xf, m_pos, P);
    nn::linear_forward<Exec, T>(ex, "ernie/head", m_path, rows(m_hd, P), rows(m_hm, P), pm("headw"),
                                pv("headb"));
    act_forward(ex, "ernie/head_act", rows(m_ha, P), rows(m_hd, P));
    nn::layernorm_forward<Exec, T>(ex, "ernie/head_ln", rows(m_hl, P), m_hl_mean, m_hl_rstd, rows(m_ha, P),
                                   pv("headlnw"), pv("headlnb"));
    nn::linear_forward<Exec, T>(ex, "ernie/decoder", m_path, rows(m_logits, P), rows(m_hl, P), pm("wte"),
                                pv("outb"));
    const nn::Tokens lab(m_labels.data(), P);
    const Vec losses(m_losses.data(), P);
    nn::cross_entropy_forward<Exec, T>(ex, "ernie/mlm_loss", losses, rows(m_probs, P), rows(m_logits, P),
                                       lab);
    const double loss = nn::cross_entropy_mean<Exec, T>(ex, "ernie/mlm_loss", losses, lab);
    ex.fence();
    return loss;
  }

  // Argmax over the vocabulary of each target row of the last forward (P), ties to the lowest id.
  std::vector<std::int32_t> predictions() const {
    const int P = m_P, V = m_cfg.vocab;
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_logits);
    std::vector<std::int32_t> out(P);
    for (int p = 0; p < P; ++p) {
      int best = 0;
      for (int v = 1; v < V; ++v)
        if (h(p, v) > h(p, best)) best = v;
      out[p] = best;
    }
    return out;
  }

  // ----------------------------------------------------------------------------------------------
  // Backward of the last forward's mean loss divided by `micro_batches` (one micro-batch's share
  // of an accumulated step): overwrites every gradient in grads().
  void backward(int micro_batches = 1) {
    const int B = m_cfg.batch, TT = m_cfg.context, L = m_cfg.layers, P = m_P;
    const Exec ex;
    const nn::AttentionShape shape{B, TT, m_cfg.heads, m_cfg.width, false};
    // With targets every gradient is written (the tied decoder's first, the embedding's added);
    // a batch without targets leaves zeros (a kernel outside the ledger, which is for P > 0).
    if (P == 0) {
      nn::zero_fill(ex, "ernie/grads_zero", m_grads);
      ex.fence();
      return;
    }
    const nn::Tokens lab(m_labels.data(), P);
    // Head: dlogits overwrite probs; the tied decoder writes dwte first, the embedding adds.
    const T scale = micro_batches == 1 ? T(1) / T(P) : T(1.0 / (double(P) * micro_batches));
    nn::cross_entropy_backward<Exec, T>(ex, "ernie/mlm_loss", rows(m_probs, P), rows(m_probs, P), lab, scale);
    nn::linear_backward<Exec, T>(ex, "ernie/decoder", m_path, rows(m_dhl, P), gm("wte"), gv("outb"),
                                 rows(m_probs, P), rows(m_hl, P), pm("wte"));
    // The layer-norm backwards add into their dx: each is zeroed first (kernels *_zero).
    nn::zero_fill(ex, "ernie/head_ln_dx_zero", rows(m_dha, P));
    nn::layernorm_backward<Exec, T>(ex, "ernie/head_ln", rows(m_dha, P), gv("headlnw"), gv("headlnb"),
                                    rows(m_dhl, P), rows(m_ha, P), pv("headlnw"), Vec(m_hl_mean.data(), P),
                                    Vec(m_hl_rstd.data(), P));
    act_backward(ex, "ernie/head_act", rows(m_dhd, P), rows(m_hd, P), rows(m_dha, P));
    nn::linear_backward<Exec, T>(ex, "ernie/head", m_path, rows(m_dhm, P), gm("headw"), gv("headb"),
                                 rows(m_dhd, P), rows(m_hm, P), pm("headw"));
    if (m_cfg.pre_ln) {
      scatter_rows<Exec, T>(ex, "ernie/mlm_gather_bwd", m_dtmp, rows(m_dhm, P), m_pos, P);
      nn::zero_fill(ex, "ernie/lnf_dx_zero", m_dx);
      nn::layernorm_backward<Exec, T>(ex, "ernie/lnf", m_dx, gv("lnfw"), gv("lnfb"), m_dtmp, m_x[L],
                                      pv("lnfw"), m_xf_mean, m_xf_rstd);
    } else {
      scatter_rows<Exec, T>(ex, "ernie/mlm_gather_bwd", m_dx, rows(m_dhm, P), m_pos, P);
    }
    // Layers, last to first; m_dx holds ∂L/∂x[l+1] on entry and ∂L/∂x[l] on exit.
    for (int l = L - 1; l >= 0; --l) {
      Layer& a = m_layers[l];
      if (m_cfg.pre_ln) {
        // x[l+1] = r1 + fcproj(act(fc(ln2(r1)))), r1 = x[l] + attproj(attn(qkv(ln1(x[l])))).
        fcproj_act_backward(ex, a, m_dx, l);
        nn::linear_backward<Exec, T>(ex, "ernie/fc", m_path, m_dtmp, gm("fcw", l), gv("fcb", l), m_dF1, a.ln2,
                                     pm("fcw", l));
        nn::layernorm_backward<Exec, T>(ex, "ernie/ln2", m_dx, gv("ln2w", l), gv("ln2b", l), m_dtmp, a.r1,
                                        pv("ln2w", l), a.ln2_mean, a.ln2_rstd);
        nn::linear_backward<Exec, T>(ex, "ernie/attproj", m_path, m_dy, gm("attprojw", l), gv("attprojb", l),
                                     m_dx, a.atty, pm("attprojw", l));
        nn::flash_attention_backward<Exec, T>(ex, "ernie/attn", shape, m_dqkv, m_dy, a.qkv, a.atty, a.lse);
        nn::linear_backward<Exec, T>(ex, "ernie/qkv", m_path, m_dtmp, gm("qkvw", l), gv("qkvb", l), m_dqkv,
                                     a.ln1, pm("qkvw", l));
        nn::layernorm_backward<Exec, T>(ex, "ernie/ln1", m_dx, gv("ln1w", l), gv("ln1b", l), m_dtmp, m_x[l],
                                        pv("ln1w", l), a.ln1_mean, a.ln1_rstd);
      } else {
        // x[l+1] = ln2(r2), r2 = h + fcproj(act(fc(h))), h = ln1(r1), r1 = x[l] + attproj(...).
        nn::zero_fill(ex, "ernie/ln2_dx_zero", m_dr);
        nn::layernorm_backward<Exec, T>(ex, "ernie/ln2", m_dr, gv("ln2w", l), gv("ln2b", l), m_dx, a.r2,
                                        pv("ln2w", l), a.ln2_mean, a.ln2_rstd);
        fcproj_act_backward(ex, a, m_dr, l);
        nn::linear_backward<Exec, T>(ex, "ernie/fc", m_path, m_dtmp, gm("fcw", l), gv("fcb", l), m_dF1, a.ln1,
                                     pm("fcw", l));
        add_into<Exec, T>(ex, "ernie/res2_bwd", m_dtmp, m_dr);
        nn::zero_fill(ex, "ernie/ln1_dx_zero", m_dx);
        nn::layernorm_backward<Exec, T>(ex, "ernie/ln1", m_dx, gv("ln1w", l), gv("ln1b", l), m_dtmp, a.r1,
                                        pv("ln1w", l), a.ln1_mean, a.ln1_rstd);
        nn::linear_backward<Exec, T>(ex, "ernie/attproj", m_path, m_dy, gm("attprojw", l), gv("attprojb", l),
                                     m_dx, a.atty, pm("attprojw", l));
        nn::flash_attention_backward<Exec, T>(ex, "ernie/attn", shape, m_dqkv, m_dy, a.qkv, a.atty, a.lse);
        nn::linear_backward<Exec, T>(ex, "ernie/qkv", m_path, m_dtmp, gm("qkvw", l), gv("qkvb", l), m_dqkv,
                                     m_x[l], pm("qkvw", l));
        add_into<Exec, T>(ex, "ernie/res1_bwd", m_dx, m_dtmp);
      }
    }
    Mat demb = m_dx;
    if (!m_cfg.pre_ln) {
      nn::zero_fill(ex, "ernie/embln_dx_zero", m_dtmp);
      nn::layernorm_backward<Exec, T>(ex, "ernie/embln", m_dtmp, gv("emblnw"), gv("emblnb"), m_dx, m_emb,
                                      pv("emblnw"), m_emb_mean, m_emb_rstd);
      demb = m_dtmp;
    }
    nn::embedding_backward<Exec, T>(ex, "ernie/embed", gm("wte"), gm("wpe"), demb, m_tokens, TT);
    ex.fence();
  }

  // ----------------------------------------------------------------------------------------------
  // Cost of one training step with P targets (forward, backward; the optimizer is the caller's).
  // exp_ops: operations per exponential (attention, GELU, loss): 1 charged, kExpFixedOps<T> as run.
  Ledger ledger(double P, DType d, double exp_ops = 1) const {
    const double B = m_cfg.batch, TT = m_cfg.context, N = B * TT, C = m_cfg.width, F = m_cfg.ffn;
    const double V = m_cfg.vocab, L = m_cfg.layers;
    const nn::AttentionShape shape{m_cfg.batch, m_cfg.context, m_cfg.heads, m_cfg.width, false};
    const DType vd = nn::vector_dtype(d);
    const double s = dtype_bytes(d);
    Ledger l, layer;
    // Tokens, then the targets' positions and labels (forward).
    l.push_back(nn::transfer_cost("ernie/upload_tokens", sizeof(std::int32_t) * (N + 2 * P)));
    nn::append(l, nn::embedding_forward_cost("ernie/embed", d, N, C));
    if (!m_cfg.pre_ln) nn::append(l, nn::layernorm_forward_cost("ernie/embln", d, N, C));
    nn::append(layer, nn::layernorm_forward_cost("ernie/ln1", d, N, C));
    nn::append(layer, nn::linear_forward_cost("ernie/qkv", d, N, C, 3 * C, true, m_path));
    nn::append(layer, nn::flash_attention_forward_cost("ernie/attn", d, shape, nn::kFlashTeams, exp_ops));
    nn::append(layer, nn::linear_forward_cost("ernie/attproj", d, N, C, C, true, m_path, false, true));
    nn::append(layer, nn::layernorm_forward_cost("ernie/ln2", d, N, C));
    // With ReLU, fc's GEMM applies it (epilogue) and fcproj's data-gradient GEMM its backward.
    const bool relu = !m_cfg.gelu;
    nn::append(layer, nn::linear_forward_cost("ernie/fc", d, N, C, F, true, m_path, relu));
    if (!relu) nn::append(layer, act_forward_cost("ernie/act", d, N, F, exp_ops));
    nn::append(layer, nn::linear_forward_cost("ernie/fcproj", d, N, F, C, true, m_path, false, true));
    // Backward of a layer.
    nn::append(layer, nn::linear_backward_cost("ernie/fcproj", d, N, F, C, true, true, m_path, relu));
    if (!relu) nn::append(layer, act_backward_cost("ernie/act", d, N, F, exp_ops));
    nn::append(layer, nn::linear_backward_cost("ernie/fc", d, N, C, F, true, true, m_path));
    nn::append(layer, nn::layernorm_backward_cost("ernie/ln2", d, N, C));
    nn::append(layer, nn::linear_backward_cost("ernie/attproj", d, N, C, C, true, true, m_path));
    nn::append(layer, nn::flash_attention_backward_cost("ernie/attn", d, shape, nn::kFlashTeams, exp_ops));
    nn::append(layer, nn::linear_backward_cost("ernie/qkv", d, N, C, 3 * C, true, true, m_path));
    nn::append(layer, nn::layernorm_backward_cost("ernie/ln1", d, N, C));
    if (!m_cfg.pre_ln) {
      nn::append(layer, nn::zero_fill_cost("ernie/ln2_dx_zero", d, N * C));
      nn::append(layer, nn::zero_fill_cost("ernie/ln1_dx_zero", d, N * C));
      layer.push_back(nn::vector_cost("ernie/res2_bwd", vd, N * C, s * 3 * N * C));
      layer.push_back(nn::vector_cost("ernie/res1_bwd", vd, N * C, s * 3 * N * C));
    }
    nn::append(l, layer, L);
    if (m_cfg.pre_ln) nn::append(l, nn::layernorm_forward_cost("ernie/lnf", d, N, C));
    // Head on the P targets.
    l.push_back(nn::vector_cost("ernie/mlm_gather", vd, 0, s * 2 * P * C + 4 * P));
    nn::append(l, nn::linear_forward_cost("ernie/head", d, P, C, C, true, m_path));
    nn::append(l, act_forward_cost("ernie/head_act", d, P, C, exp_ops));
    nn::append(l, nn::layernorm_forward_cost("ernie/head_ln", d, P, C));
    nn::append(l, nn::linear_forward_cost("ernie/decoder", d, P, C, V, true, m_path));
    nn::append(l, nn::cross_entropy_forward_cost("ernie/mlm_loss", d, P, V, exp_ops));
    nn::append(l, nn::cross_entropy_backward_cost("ernie/mlm_loss", d, P, V));
    nn::append(l, nn::linear_backward_cost("ernie/decoder", d, P, C, V, true, true, m_path));
    nn::append(l, nn::layernorm_backward_cost("ernie/head_ln", d, P, C));
    nn::append(l, act_backward_cost("ernie/head_act", d, P, C, exp_ops));
    nn::append(l, nn::linear_backward_cost("ernie/head", d, P, C, C, true, true, m_path));
    nn::append(l, nn::zero_fill_cost("ernie/head_ln_dx_zero", d, P * C));
    nn::append(l, nn::zero_fill_cost("ernie/mlm_gather_bwd_zero", d, N * C));
    l.push_back(nn::vector_cost("ernie/mlm_gather_bwd", vd, 0, s * 2 * P * C + 4 * P));
    const char* last_ln = m_cfg.pre_ln ? "ernie/lnf" : "ernie/embln";
    nn::append(l, nn::zero_fill_cost(nn::label(last_ln, "_dx_zero"), d, N * C));
    nn::append(l, nn::layernorm_backward_cost(last_ln, d, N, C));
    nn::append(l, nn::embedding_backward_cost("ernie/embed", d, N, C, V, TT));
    return l;
  }

 private:
  struct Layer {
    Mat ln1, qkv, atty, r1, ln2, f1, g, r2;  // see the constructor for shapes
    Vec ln1_mean, ln1_rstd, ln2_mean, ln2_rstd;
    Mat lse;  // (B·H, T) attention row log-sum-exp
  };

  // g = act(fc(fin)) of layer l: with ReLU one GEMM, the bias and ReLU in its epilogue; with GELU
  // the GEMM into f1, then the GELU kernel.
  void fc_act_forward(const Exec& ex, const Layer& a, const Mat& fin, int l) {
    if (!m_cfg.gelu) {
      nn::linear_forward<Exec, T>(ex, "ernie/fc", m_path, a.g, fin, pm("fcw", l), pv("fcb", l), true);
      return;
    }
    nn::linear_forward<Exec, T>(ex, "ernie/fc", m_path, a.f1, fin, pm("fcw", l), pv("fcb", l));
    act_forward(ex, "ernie/act", a.g, a.f1);
  }
  // fcproj's backward from dy, and the activation's: m_dF1 = ∂L/∂(fc output). With ReLU the data
  // gradient's GEMM masks by g > 0 (epilogue); with GELU it writes dF, then the GELU backward.
  void fcproj_act_backward(const Exec& ex, const Layer& a, const Mat& dy, int l) {
    if (!m_cfg.gelu) {
      nn::linear_backward<Exec, T>(ex, "ernie/fcproj", m_path, m_dF1, gm("fcprojw", l), gv("fcprojb", l), dy,
                                   a.g, pm("fcprojw", l), true);
      return;
    }
    nn::linear_backward<Exec, T>(ex, "ernie/fcproj", m_path, m_dF, gm("fcprojw", l), gv("fcprojb", l), dy,
                                 a.g, pm("fcprojw", l));
    act_backward(ex, "ernie/act", m_dF1, a.f1, m_dF);
  }

  template <class Ex>
  void act_forward(const Ex& ex, const char* name, const Mat& y, const Mat& x) const {
    if (m_cfg.gelu)
      nn::gelu_forward<Ex, T>(ex, name, y, x);
    else
      nn::relu_forward<Ex, T>(ex, name, y, x);
  }
  template <class Ex>
  void act_backward(const Ex& ex, const char* name, const Mat& dx, const Mat& x, const Mat& dy) const {
    if (m_cfg.gelu)
      nn::gelu_backward<Ex, T>(ex, name, dx, x, dy);
    else
      nn::relu_backward<Ex, T>(ex, name, dx, x, dy);
  }
  Ledger act_forward_cost(const std::string& name, DType d, double N, double C, double exp_ops) const {
    return m_cfg.gelu ? nn::gelu_forward_cost(name, d, N, C, exp_ops) : nn::relu_forward_cost(name, d, N, C);
  }
  Ledger act_backward_cost(const std::string& name, DType d, double N, double C, double exp_ops) const {
    return m_cfg.gelu ? nn::gelu_backward_cost(name, d, N, C, exp_ops)
                      : nn::relu_backward_cost(name, d, N, C);
  }

  // The first P rows of a (rows, cols) buffer, as a contiguous (P, cols) matrix.
  static Mat rows(const Mat& m, int P) { return Mat(m.data(), P, m.extent(1)); }

  // Views into the flat parameter / gradient buffers (layer l of a stacked tensor).
  const ParamTensor& tensor(const char* name) const { return find_param(m_layout, name); }
  static Mat mat_at(const Vec& buf, const ParamTensor& p, int l) {
    const std::int64_t r = p.shape[p.shape.size() - 2], c = p.shape.back();
    return Mat(buf.data() + p.offset + l * r * c, r, c);
  }
  static Vec vec_at(const Vec& buf, const ParamTensor& p, int l) {
    const std::int64_t c = p.shape.back();
    return Vec(buf.data() + p.offset + l * c, c);
  }
  Mat pm(const char* n, int l = 0) const { return mat_at(m_params, tensor(n), l); }
  Vec pv(const char* n, int l = 0) const { return vec_at(m_params, tensor(n), l); }
  Mat gm(const char* n, int l = 0) const { return mat_at(m_grads, tensor(n), l); }
  Vec gv(const char* n, int l = 0) const { return vec_at(m_grads, tensor(n), l); }

  static void upload(const nn::Tokens& dst, const std::vector<std::int32_t>& src) {
    auto h = Kokkos::create_mirror_view(dst);
    for (std::size_t i = 0; i < src.size(); ++i) h(i) = src[i];
    Kokkos::deep_copy(dst, h);
  }

  EncoderConfig m_cfg;
  nn::GemmPath m_path;
  std::vector<ParamTensor> m_layout;
  int m_P = 0;
  Vec m_params, m_grads;                 // (params)
  nn::Tokens m_tokens, m_pos, m_labels;  // (N), (P), (P)
  Mat m_emb;                             // (N, C)
  Vec m_emb_mean, m_emb_rstd;            // (N)
  std::vector<Mat> m_x;                  // L+1 of (N, C)
  std::vector<Layer> m_layers;           // L
  Mat m_xf;                              // (N, C)
  Vec m_xf_mean, m_xf_rstd;              // (N)
  Mat m_hm, m_hd, m_ha, m_hl;            // (P, C) in (N, C) buffers
  Vec m_hl_mean, m_hl_rstd, m_losses;    // (P) in (N) buffers
  Mat m_logits, m_probs;                 // (P, V) in (N, V) buffers
  Mat m_dx, m_dr, m_dtmp, m_dy;          // (N, C)
  Mat m_dF, m_dF1;                       // (N, F)
  Mat m_dqkv;                            // (N, 3C)
  Mat m_dhl, m_dha, m_dhd, m_dhm;        // (P, C) in (N, C) buffers
};

}  // namespace xpb::ernie
