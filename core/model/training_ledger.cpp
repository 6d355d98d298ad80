// core/model/training_ledger.cpp — the kernels, collectives and optimizer work of one training step.
// Counts are per device of the most loaded pipeline stage. Notation: T tokens of one micro-batch on
// this device (mbs·s/cp), t tensor parallelism, sp = t with sequence parallelism (else 1), h hidden,
// hq = heads·head_dim, hkv = kv_heads·head_dim, f the MLP width, g the input-side GEMMs of the
// MLP (2 for SwiGLU's gate and up, else 1), a = 2 bytes per activation element.
#include "core/model/training_ledger.hpp"

#include <algorithm>
#include <cmath>

#include "core/model/training_model.hpp"

namespace xpb {

std::string_view to_string(StepPhase p) {
  switch (p) {
    case StepPhase::forward: return "forward";
    case StepPhase::backward: return "backward";
    case StepPhase::recompute: return "recompute";
    case StepPhase::step: return "step";
  }
  return "?";
}

namespace {

constexpr double kA = 2;  // bytes per activation element (bf16 / fp16)

// ------------------------------------------------------------------------------------------------
// Element-wise kernel recipes: kernels and bytes moved per element, by stack fusion level.
// Sources are the stacks' own code: Megatron/TE fused kernels (one read and one write per tensor);
// PyTorch eager (torchtitan's RMSNorm `(x.float() * rsqrt(x.float().pow(2).mean(-1) + eps))
// .type_as(x) * w`: 8 kernels, each reading and writing the tensor, fp32 in the middle); Inductor
// (one generated kernel per fusible region).

struct Pointwise {
  double kernels = 0;  // launches
  double bytes = 0;    // bytes per element over all launches
};

struct Recipe {
  Pointwise norm_fwd, norm_bwd;          // per hidden element
  Pointwise add_fwd, add_bwd;            // residual add (bias-dropout-add), per hidden element
  Pointwise rope_fwd, rope_bwd;          // per q/k element
  Pointwise attn_out_fwd, attn_out_bwd;  // attention output layout copy, per q element
  Pointwise act_fwd_per_in, act_bwd_per_in;  // activation, per MLP output element and input GEMM
  Pointwise act_fwd_base, act_bwd_base;      //   bytes = base + per_in·g per element of width f
  Pointwise ce_fwd, ce_bwd;              // cross-entropy per logit
};

Recipe recipe(Fusion f, bool rmsnorm, bool dropout, bool fused_ce) {
  Recipe r;
  const double mask = dropout ? 1 : 0;  // dropout mask byte written (forward) and read (backward)
  switch (f) {
    case Fusion::fused:
      r.norm_fwd = {1, 4};                  // read x, write y
      r.norm_bwd = {1, 6};                  // read dy, x; write dx (weight grads reduced in-kernel)
      r.add_fwd = {1, 6 + mask};            // read branch and residual, write sum (+ mask)
      r.add_bwd = {1 + mask, 6 + 5 * mask};  // gradient accumulation (+ dropout backward: dy, mask -> dx)
      r.rope_fwd = {1, 4};
      r.rope_bwd = {1, 4};
      r.attn_out_fwd = {0, 0};
      r.attn_out_bwd = {0, 0};
      r.act_fwd_base = {1, 2};  // write y; read g inputs
      r.act_fwd_per_in = {0, 2};
      r.act_bwd_base = {1, 2};  // read dy; read and write per input
      r.act_bwd_per_in = {0, 4};
      break;
    case Fusion::eager:
      if (rmsnorm) {
        r.norm_fwd = {8, 36};   // float (2+4), pow (4+4), mean (4), +eps/rsqrt (~0), mul (4+4), type_as (4+2), *w (2+2)
        r.norm_bwd = {12, 64};  // the autograd of the eight ops, plus the accumulation of the two dx paths
      } else {
        r.norm_fwd = {1, 4};    // native layer_norm kernel
        r.norm_bwd = {2, 8};    // native backward: dx, then dgamma/dbeta reduction
      }
      r.add_fwd = {1 + mask, 6 + 5 * mask};
      r.add_bwd = {1 + mask, 6 + 5 * mask};
      r.rope_fwd = {3, 20};  // float (2+4), complex multiply (4+4), type_as (4+2)
      r.rope_bwd = {3, 20};
      r.attn_out_fwd = {1, 4};  // transpose(1, 2).contiguous() of the attention output
      r.attn_out_bwd = {1, 4};
      // SwiGLU eager: silu (2+2), multiply (2+2+2); GeLU: one kernel (2+2).
      r.act_fwd_base = {1, 2};
      r.act_fwd_per_in = {0.5, 4};
      r.act_bwd_base = {1, 2};
      r.act_bwd_per_in = {1, 8};
      break;
    case Fusion::compiled:
      r.norm_fwd = {1, 4};
      r.norm_bwd = {2, 8};
      r.add_fwd = {1, 6 + mask};
      r.add_bwd = {1 + mask, 6 + 5 * mask};
      r.rope_fwd = {1, 4};
      r.rope_bwd = {1, 4};
      r.attn_out_fwd = {1, 4};
      r.attn_out_bwd = {1, 4};
      r.act_fwd_base = {1, 2};
      r.act_fwd_per_in = {0, 2};
      r.act_bwd_base = {1, 2};
      r.act_bwd_per_in = {0, 4};
      break;
  }
  // Cross-entropy on the logits: fused (Transformer Engine / Megatron fused CE) reads them once
  // in each pass; otherwise float() (2+4), log_softmax (4+4), nll (4) and the reverse.
  r.ce_fwd = fused_ce ? Pointwise{1, 2} : Pointwise{3, 18};
  r.ce_bwd = fused_ce ? Pointwise{1, 4} : Pointwise{2, 14};
  return r;
}

// ------------------------------------------------------------------------------------------------

struct Builder {
  const ModelSpec& m;
  const ParamCount& c;
  const Plan& p;
  const StackProfile& st;
  const LedgerOptions& o;
  TrainingLedger L;

  double t = 1, sp = 1, T = 0, s = 0, h = 0, hq = 0, hkv = 0, V = 0, g = 1;
  double e_lin = 2;        // bytes per operand element of the linear layers (1 with fp8)
  bool fp8 = false;
  DType act = DType::bf16;  // precision of attention, logits and element-wise work
  Recipe r;
  int lps = 1;             // layers on the most loaded stage
  double dense_layers = 0, moe_layers = 0;
  int dpn = 8;
  int dp_group = 1;        // data-parallel replicas of a dense parameter: dp·cp
  double wgrad_param_bytes = 2;

  Builder(const ModelSpec& m_, const ParamCount& c_, const Plan& p_, const StackProfile& st_,
          const LedgerOptions& o_)
      : m(m_), c(c_), p(p_), st(st_), o(o_) {
    t = p.tp;
    sp = p.seqpar ? t : 1;
    s = m.seq_len;
    T = double(p.mbs) * s / p.cp;
    h = m.hidden;
    hq = double(m.heads) * m.head_dim;
    hkv = double(m.kv_heads) * m.head_dim;
    V = m.vocab;
    g = m.ffn_type == FfnType::swiglu ? 2 : 1;
    fp8 = o.linear_dtype == DType::fp8;
    e_lin = fp8 ? 1 : std::min(dtype_bytes(o.linear_dtype), kA);
    act = m.dtype == DType::fp16 ? DType::fp16 : DType::bf16;
    r = recipe(st.fusion, m.rmsnorm, m.dropout, st.fused_cross_entropy);
    lps = (m.layers + p.pp - 1) / p.pp;
    const double moe_frac = double(c.moe_layers) / m.layers;
    dense_layers = lps * (1 - moe_frac);
    moe_layers = lps * moe_frac;
    dpn = std::max(1, o.devices_per_node);
    dp_group = std::max(1, p.dp * p.cp);
    // Weight gradients: Megatron-style fp32 main-grad accumulation reads and writes 4 bytes per
    // parameter per micro-batch; FSDP writes the bf16 gradient once.
    wgrad_param_bytes = (st.grad_reduce_bytes == 4 && p.zero != 3) ? 8 : 2;
  }

  // ---------------------------------------------------------------------------------- emitters

  TrainingKernel& push(StepPhase ph, const std::string& name, const char* part, OpKind kind, DType dt,
                       double flops, double bytes, double count) {
    TrainingKernel k;
    k.cost.name = name;
    k.cost.kind = kind;
    k.cost.dtype = dt;
    k.cost.flops = flops;
    k.cost.bytes = bytes;
    k.cost.count = count;
    k.phase = ph;
    k.part = part;
    L.kernels.push_back(std::move(k));
    return L.kernels.back();
  }

  void gemm(StepPhase ph, const std::string& name, double flops, double bytes, double count, DType dt,
            const char* part = "gemm") {
    if (count <= 0 || flops <= 0) return;
    push(ph, name, part, OpKind::gemm, dt, flops, bytes, count);
  }

  // A linear layer y = x W (x: rows × in, W: in × out). Forward: one GEMM; backward: the data
  // gradient and the weight gradient, each of the forward's FLOPs.
  void linear(StepPhase ph, const std::string& name, double rows, double in, double out, double count,
              DType dt, double imbalance = 1, double groups = 1, const char* part = "gemm") {
    if (count <= 0) return;
    const double flops = 2 * rows * in * out;
    const double e = dt == DType::fp8 ? 1 : kA;
    if (ph != StepPhase::backward) {
      TrainingKernel& k = push(ph, name, part, OpKind::gemm, dt, flops, e * (rows * in + in * out) + kA * rows * out, count);
      finish_gemm(k, groups, imbalance);
    } else {
      TrainingKernel& d = push(ph, name + "_dgrad", part, OpKind::gemm, dt, flops,
                               e * (rows * out + in * out) + kA * rows * in, count);
      finish_gemm(d, groups, imbalance);
      TrainingKernel& w = push(ph, name + "_wgrad", part, OpKind::gemm, dt, flops,
                               e * (rows * out + rows * in) + wgrad_param_bytes * in * out, count);
      finish_gemm(w, groups, imbalance);
    }
  }

  // A grouped expert GEMM runs the rank's local experts' GEMMs `grouped_gemm_streams` at a time
  // (the stack's: Transformer Engine's GroupedLinear issues one cuBLAS GEMM per expert round-robin
  // over 4 compute streams; a per-expert loop runs them one after another). GEMMs that run at once
  // share the GPU's SMs like one GEMM of their summed FLOPs, so the efficiency table is read at
  // min(experts, streams) experts' FLOPs; `grouped_gemm` discounts the grouped form.
  void finish_gemm(TrainingKernel& k, double groups, double imbalance) {
    if (groups > 1) {
      k.grouped = true;
      k.shape_flops = k.cost.flops / groups * std::min(groups, double(std::max(1, st.grouped_gemm_streams)));
    }
    k.imbalance = imbalance;
  }

  void pointwise(StepPhase ph, const std::string& name, double elements, Pointwise pw, double count,
                 const char* part = "elementwise", double imbalance = 1) {
    if (count <= 0 || pw.kernels <= 0 || elements <= 0) return;
    // One ledger entry per recipe: pw.kernels launches per layer, each moving an equal share.
    TrainingKernel& k = push(ph, name, part, OpKind::vector, act, 0, elements * pw.bytes / pw.kernels,
                             count * pw.kernels);
    k.elementwise = true;
    k.imbalance = imbalance;
  }

  TrainingKernel* collective(StepPhase ph, const std::string& name, const char* part, Collective coll, double bytes,
                             int ranks, int per_node, double count, Overlap ov = Overlap::none, double floor = 0,
                             bool a2a = false, double imbalance = 1) {
    if (ranks <= 1 || count <= 0 || bytes <= 0) return nullptr;
    TrainingKernel& k = push(ph, name, part, OpKind::collective, act, 0, 0, count);
    k.cost.collective = coll;
    k.cost.collective_bytes = bytes;
    k.cost.ranks = ranks;
    k.ranks_per_node = std::clamp(per_node, 1, ranks);
    k.overlap = ov;
    k.exposed_floor = std::clamp(floor, 0.0, 1.0);
    k.all_to_all_bus = a2a;
    k.imbalance = imbalance;
    return &k;
  }

  // DeepEP sends a token once to each remote node that holds one of its k experts and forwards it
  // over NVLink inside that node (DeepEP README, normal kernels); NCCL all-to-all sends every copy.
  // With experts spread evenly over N nodes, a token reaches (N-1)(1-(1-1/N)^k) remote nodes on
  // average, against k(N-1)/N copies sent across.
  void a2a(TrainingKernel* k) {
    if (!k || o.moe_dispatcher != MoeDispatcher::deepep) return;
    const double nodes = std::ceil(double(p.ep) / ep_per_node());
    if (nodes <= 1) return;
    const double kk = m.moe.active;
    const double distinct = (nodes - 1) * (1 - std::pow(1 - 1 / nodes, kk));
    k->inter_node_scale = std::min(1.0, distinct / (kk * (nodes - 1) / nodes));
  }

  // --------------------------------------------------------------------------------- placement

  int tp_per_node() const { return std::min(p.tp, dpn); }
  int cp_per_node() const { return std::max(1, std::min(p.cp, dpn / std::max(1, p.tp))); }
  int dp_per_node() const { return std::max(1, std::min(dp_group, dpn / std::max(1, p.tp))); }
  // Expert parallelism folds over the TP x CP x DP ranks with experts not TP-split: EP ranks are
  // consecutive devices (Megatron-Core parallel folding).
  int ep_per_node() const { return std::max(1, std::min(p.ep, dpn)); }

  // ------------------------------------------------------------------------------------ layers

  // TP collectives of one half-layer (after attention, or after the MLP).
  void tp_comm(StepPhase ph, const std::string& name, double count) {
    if (p.tp <= 1) return;
    const double buf = kA * T * h;
    const Overlap ov = o.tp_overlap ? Overlap::phase_compute : Overlap::none;
    if (p.seqpar) {
      collective(ph, name + "_ag", "tp_comm", Collective::all_gather, buf, p.tp, tp_per_node(), count, ov);
      collective(ph, name + "_rs", "tp_comm", Collective::reduce_scatter, buf, p.tp, tp_per_node(), count, ov);
    } else {
      collective(ph, name + "_ar", "tp_comm", Collective::all_reduce, buf, p.tp, tp_per_node(), count, ov);
    }
  }

  // FP8 casts of a linear layer's input (forward) or output gradient (backward).
  void fp8_cast(StepPhase ph, const std::string& name, double elements, double count, bool fused_into_producer) {
    if (!fp8) return;
    if (st.fp8_recipe == Fp8Recipe::te_delayed) {
      if (fused_into_producer && ph != StepPhase::backward) return;  // LayerNormLinear / fused activation casts
      pointwise(ph, name, elements, {1, 4}, count, "fp8_cast");  // read 2, write fp8 and its transpose
    } else {
      pointwise(ph, name + "_amax", elements, {1, 2}, count, "fp8_cast");  // dynamic scaling: amax pass
      pointwise(ph, name, elements, {1, 4}, count, "fp8_cast");
    }
  }

  // One attention block (norm .. residual add) of `count` layers in phase `ph` (forward or
  // recompute: what a full recompute repeats).
  void attention_block_forward(StepPhase ph, double count, bool recompute_all) {
    const DType lin = o.linear_dtype;
    const double qkv = hq + 2 * hkv;
    pointwise(ph, "norm_attn", T * h / sp, r.norm_fwd, count);
    if (recompute_all || ph == StepPhase::forward) {
      fp8_cast(ph, "cast_qkv_in", T * h, count, true);
      if (p.seqpar) {}  // the sequence-parallel all-gather is the TP collective below
      linear(ph, "qkv", T, h, qkv / t, count, lin);
    }
    if (m.rotary) pointwise(ph, "rope", T * (hq + hkv) / t, r.rope_fwd, count);
    attention_core(ph, count, recompute_all || ph == StepPhase::forward);
    if (recompute_all || ph == StepPhase::forward) {
      pointwise(ph, "attn_out_copy", T * hq / t, r.attn_out_fwd, count);
      fp8_cast(ph, "cast_proj_in", T * hq / t, count, false);
      linear(ph, "proj", T, hq / t, h, count, lin);
      tp_comm(ph, "tp_attn", count);
      cp_comm(ph, count);
    }
    pointwise(ph, "residual_attn", T * h / sp, r.add_fwd, count);
  }

  // Attention core forward. With flash kernels the masked half of causal attention is skipped.
  void attention_core(StepPhase ph, double count, bool with_flash) {
    const double s_keys = s;                      // every query sees the whole sequence's keys
    const double core = 4.0 * T * s_keys * hq / t;  // QK^T and AV, full cost
    if (o.attention != AttentionImpl::standard) {
      if (!with_flash) return;
      TrainingKernel& k = push(ph, "flash_attn_fwd", "attention", OpKind::other, act, core / 2,
                               kA * T * (2 * hq + 2 * hkv) / t, count);
      k.attention_pass = 1;
      k.attention = o.attention;
      return;
    }
    // Materialised scores: two batched GEMMs and the fused scale-mask-softmax (+ dropout).
    const double scores = double(p.mbs) * m.heads / t * (s / p.cp) * s_keys;
    gemm(ph, "attn_scores", core / 2, kA * T * (hq + hkv) / t + kA * scores, count, act, "attention");
    pointwise(ph, "softmax", scores, {1, 4}, count, "attention");
    if (m.dropout) pointwise(ph, "attn_dropout", scores, {1, 5}, count, "attention");
    gemm(ph, "attn_values", core / 2, kA * scores + kA * T * (hkv + hq) / t, count, act, "attention");
  }

  void attention_core_backward(double count) {
    const double core = 4.0 * T * s * hq / t;
    if (o.attention != AttentionImpl::standard) {
      // Flash backward recomputes the scores: QK^T, dV, dP, dQ, dK: 2.5x the forward's FLOPs.
      TrainingKernel& k = push(StepPhase::backward, "flash_attn_bwd", "attention", OpKind::other, act,
                               2.5 * core / 2, kA * T * (4 * hq + 4 * hkv) / t, count);
      k.attention_pass = 2;
      k.attention = o.attention;
      return;
    }
    const double scores = double(p.mbs) * m.heads / t * (s / p.cp) * s;
    gemm(StepPhase::backward, "attn_values_bwd", core, 2 * kA * scores + 2 * kA * T * (hkv + hq) / t, count, act, "attention");
    if (m.dropout) pointwise(StepPhase::backward, "attn_dropout_bwd", scores, {1, 5}, count, "attention");
    pointwise(StepPhase::backward, "softmax_bwd", scores, {1, 6}, count, "attention");
    gemm(StepPhase::backward, "attn_scores_bwd", core, 2 * kA * scores + 2 * kA * T * (hq + hkv) / t, count, act, "attention");
  }

  // Context parallelism: ring attention passes K and V chunks around the CP group, beside the
  // attention kernels; the first step cannot overlap (floor 1/cp).
  void cp_comm(StepPhase ph, double count) {
    if (p.cp <= 1) return;
    const double kv = kA * T * 2 * hkv / t;  // this device's K and V
    const double mult = ph == StepPhase::backward ? 2 : 1;  // backward: K, V again and dK, dV back
    collective(ph, ph == StepPhase::backward ? "cp_kv_ring_bwd" : "cp_kv_ring", "cp_comm", Collective::all_gather,
               kv * p.cp, p.cp, cp_per_node(), count * mult, Overlap::attention, 1.0 / p.cp);
  }

  void mlp_block_forward(StepPhase ph, double count, bool moe, bool recompute_all, double imb) {
    const DType lin = o.linear_dtype;
    pointwise(ph, "norm_mlp", T * h / sp, r.norm_fwd, count);
    if (!moe) {
      const double f = m.ffn;
      if (recompute_all || ph == StepPhase::forward) {
        fp8_cast(ph, "cast_fc1_in", T * h, count * (st.fp8_recipe == Fp8Recipe::dynamic_tensorwise ? g : 1), true);
        linear(ph, "fc1", T, h, f * g / t, count, lin);
      }
      activation(ph, "act", T * f / t, count, 1);
      if (recompute_all || ph == StepPhase::forward) {
        fp8_cast(ph, "cast_fc2_in", T * f / t, count, true);
        linear(ph, "fc2", T, f / t, h, count, lin);
        tp_comm(ph, "tp_mlp", count);
      }
    } else if (recompute_all || ph == StepPhase::forward) {
      moe_forward(ph, count, imb);
    } else {
      // Partial recompute of a MoE layer: the expert activation only.
      const double routed = T / sp * m.moe.active * imb;
      activation(ph, "expert_act", routed * m.moe.ffn / p_etp(), count, imb);
    }
    pointwise(ph, "residual_mlp", T * h / sp, r.add_fwd, count);
  }

  int p_etp() const { return 1; }  // experts are not tensor-parallel (Megatron-Core ETP = 1)

  void activation(StepPhase ph, const std::string& name, double elements, double count, double imb) {
    Pointwise pw{r.act_fwd_base.kernels + r.act_fwd_per_in.kernels * g,
                 r.act_fwd_base.bytes + r.act_fwd_per_in.bytes * g};
    pointwise(ph, name, elements, pw, count, "elementwise", imb);
  }
  void activation_backward(const std::string& name, double elements, double count, double imb) {
    Pointwise pw{r.act_bwd_base.kernels + r.act_bwd_per_in.kernels * g,
                 r.act_bwd_base.bytes + r.act_bwd_per_in.bytes * g};
    pointwise(StepPhase::backward, name, elements, pw, count, "elementwise", imb);
  }

  // Router, dispatch, experts, combine. Tokens of this rank: T/sp (MoE with TP needs sequence
  // parallelism). The most loaded EP rank receives `imb` times the mean of routed tokens.
  void moe_forward(StepPhase ph, double count, double imb) {
    const double Tr = T / sp, k = m.moe.active, E = m.moe.experts, fe = m.moe.ffn;
    const double local = E / p.ep;
    const bool fused = st.moe_permute_fused;
    gemm(ph, "router", 2 * Tr * h * E, kA * (Tr * h + h * E) + 4 * Tr * E, count, act, "moe_router");
    pointwise(ph, "router_topk", Tr * E, fused ? Pointwise{2, 16} : Pointwise{6, 24}, count, "moe_router");
    const double routed = Tr * k;                 // token copies this rank sends
    const double received = routed * imb;         // token copies the most loaded rank computes
    pointwise(ph, "permute", routed * h, fused ? Pointwise{1, kA + kA / k} : Pointwise{3, 2 * kA + kA / k}, count, "moe_permute");
    if (p.ep > 1)
      a2a(collective(ph, "moe_dispatch", "moe_a2a", Collective::all_to_all, kA * received * h, p.ep, ep_per_node(), count,
                     Overlap::none, 0, true, imb));
    fp8_cast(ph, "cast_expert_in", received * h, count, false);
    linear(ph, "expert_fc1", received, h, fe * g / p_etp(), count, o.linear_dtype, imb, local);
    activation(ph, "expert_act", received * fe / p_etp(), count, imb);
    fp8_cast(ph, "cast_expert_fc2_in", received * fe / p_etp(), count, true);
    linear(ph, "expert_fc2", received, fe / p_etp(), h, count, o.linear_dtype, imb, local);
    if (p.ep > 1)
      a2a(collective(ph, "moe_combine", "moe_a2a", Collective::all_to_all, kA * received * h, p.ep, ep_per_node(), count,
                     Overlap::none, 0, true, imb));
    pointwise(ph, "unpermute", routed * h, fused ? Pointwise{1, kA + kA / k} : Pointwise{3, 2 * kA + kA / k}, count, "moe_permute");
    if (m.moe.shared > 0) {
      const double fs = fe * m.moe.shared;
      linear(ph, "shared_fc1", T, h, fs * g / t, count, o.linear_dtype);
      activation(ph, "shared_act", T * fs / t, count, 1);
      linear(ph, "shared_fc2", T, fs / t, h, count, o.linear_dtype);
    }
    tp_comm(ph, "tp_moe", m.moe.shared > 0 ? count : 0);
  }

  void moe_backward(double count, double imb) {
    const double Tr = T / sp, k = m.moe.active, E = m.moe.experts, fe = m.moe.ffn;
    const double local = E / p.ep;
    const bool fused = st.moe_permute_fused;
    const double routed = Tr * k, received = routed * imb;
    pointwise(StepPhase::backward, "unpermute_bwd", routed * h, fused ? Pointwise{1, kA + kA / k} : Pointwise{3, 2 * kA + kA / k}, count, "moe_permute");
    if (p.ep > 1)
      a2a(collective(StepPhase::backward, "moe_combine_bwd", "moe_a2a", Collective::all_to_all, kA * received * h, p.ep,
                     ep_per_node(), count, Overlap::none, 0, true, imb));
    fp8_cast(StepPhase::backward, "cast_expert_fc2_dy", received * h, count, false);
    linear(StepPhase::backward, "expert_fc2", received, fe / p_etp(), h, count, o.linear_dtype, imb, local);
    activation_backward("expert_act_bwd", received * fe / p_etp(), count, imb);
    fp8_cast(StepPhase::backward, "cast_expert_fc1_dy", received * fe * g / p_etp(), count, false);
    linear(StepPhase::backward, "expert_fc1", received, h, fe * g / p_etp(), count, o.linear_dtype, imb, local);
    if (p.ep > 1)
      a2a(collective(StepPhase::backward, "moe_dispatch_bwd", "moe_a2a", Collective::all_to_all, kA * received * h, p.ep,
                     ep_per_node(), count, Overlap::none, 0, true, imb));
    pointwise(StepPhase::backward, "permute_bwd", routed * h, fused ? Pointwise{1, kA + kA / k} : Pointwise{3, 2 * kA + kA / k}, count, "moe_permute");
    pointwise(StepPhase::backward, "router_topk_bwd", Tr * E, fused ? Pointwise{2, 16} : Pointwise{5, 24}, count, "moe_router");
    gemm(StepPhase::backward, "router_bwd", 4 * Tr * h * E, 2 * (kA * (Tr * h + h * E) + 4 * Tr * E), count, act, "moe_router");
    if (m.moe.shared > 0) {
      const double fs = fe * m.moe.shared;
      linear(StepPhase::backward, "shared_fc2", T, fs / t, h, count, o.linear_dtype);
      activation_backward("shared_act_bwd", T * fs / t, count, 1);
      linear(StepPhase::backward, "shared_fc1", T, h, fs * g / t, count, o.linear_dtype);
    }
    tp_comm(StepPhase::backward, "tp_moe_bwd", m.moe.shared > 0 ? count : 0);
  }

  void layer_backward(double count, bool moe, double imb) {
    const DType lin = o.linear_dtype;
    const double qkv = hq + 2 * hkv;
    // MLP half, in reverse order.
    pointwise(StepPhase::backward, "residual_mlp_bwd", T * h / sp, r.add_bwd, count);
    if (!moe) {
      const double f = m.ffn;
      tp_comm(StepPhase::backward, "tp_mlp_bwd", count);
      fp8_cast(StepPhase::backward, "cast_fc2_dy", T * h, count, false);
      linear(StepPhase::backward, "fc2", T, f / t, h, count, lin);
      activation_backward("act_bwd", T * f / t, count, 1);
      fp8_cast(StepPhase::backward, "cast_fc1_dy", T * f * g / t, count, false);
      linear(StepPhase::backward, "fc1", T, h, f * g / t, count, lin);
    } else {
      moe_backward(count, imb);
    }
    pointwise(StepPhase::backward, "norm_mlp_bwd", T * h / sp, r.norm_bwd, count);
    // Attention half.
    pointwise(StepPhase::backward, "residual_attn_bwd", T * h / sp, r.add_bwd, count);
    tp_comm(StepPhase::backward, "tp_attn_bwd", count);
    fp8_cast(StepPhase::backward, "cast_proj_dy", T * h, count, false);
    linear(StepPhase::backward, "proj", T, hq / t, h, count, lin);
    pointwise(StepPhase::backward, "attn_out_copy_bwd", T * hq / t, r.attn_out_bwd, count);
    cp_comm(StepPhase::backward, count);
    attention_core_backward(count);
    if (m.rotary) pointwise(StepPhase::backward, "rope_bwd", T * (hq + hkv) / t, r.rope_bwd, count);
    fp8_cast(StepPhase::backward, "cast_qkv_dy", T * qkv / t, count, false);
    linear(StepPhase::backward, "qkv", T, h, qkv / t, count, lin);
    pointwise(StepPhase::backward, "norm_attn_bwd", T * h / sp, r.norm_bwd, count);
  }

  // --------------------------------------------------------------------------------- the step

  void build() {
    const double imb = m.moe.enabled() ? std::max(1.0, o.moe_imbalance) : 1;
    L.pp = p.pp;
    L.interleave = p.interleave;
    L.micro_batches = int(o.global_batch / (double(p.mbs) * p.dp));

    // Forward of the stage's layers.
    for (int moe = 0; moe < 2; ++moe) {
      const double n = moe ? moe_layers : dense_layers;
      if (n <= 0) continue;
      attention_block_forward(StepPhase::forward, n, true);
      mlp_block_forward(StepPhase::forward, n, moe, true, imb);
    }
    // Output layer and loss on the last stage (the critical one: it holds as many layers).
    gemm(StepPhase::forward, "logits", 2 * T * h * V / t, kA * (T * h + h * V / t + T * V / t), 1, act);
    pointwise(StepPhase::forward, "cross_entropy", T * V / t, r.ce_fwd, 1);
    // Backward.
    pointwise(StepPhase::backward, "cross_entropy_bwd", T * V / t, r.ce_bwd, 1);
    gemm(StepPhase::backward, "logits_dgrad", 2 * T * h * V / t, kA * (T * V / t + h * V / t + T * h), 1, act);
    gemm(StepPhase::backward, "logits_wgrad", 2 * T * h * V / t, kA * (T * V / t + T * h) + wgrad_param_bytes * h * V / t, 1, act);
    for (int moe = 0; moe < 2; ++moe) {
      const double n = moe ? moe_layers : dense_layers;
      if (n > 0) layer_backward(n, moe, imb);
    }
    // Recomputation.
    for (int moe = 0; moe < 2; ++moe) {
      const double n = moe ? moe_layers : dense_layers;
      if (n <= 0) continue;
      switch (p.recompute) {
        case Recompute::none: break;
        case Recompute::full:
          attention_block_forward(StepPhase::recompute, n, true);
          mlp_block_forward(StepPhase::recompute, n, moe, true, imb);
          break;
        case Recompute::selective:
          if (o.attention == AttentionImpl::standard) attention_core(StepPhase::recompute, n, false);
          break;
        case Recompute::norm_act:
          pointwise(StepPhase::recompute, "norm_attn", T * h / sp, r.norm_fwd, n);
          pointwise(StepPhase::recompute, "norm_mlp", T * h / sp, r.norm_fwd, n);
          if (!moe) activation(StepPhase::recompute, "act", T * m.ffn / t, n, 1);
          else activation(StepPhase::recompute, "expert_act", T / sp * m.moe.active * imb * m.moe.ffn, n, imb);
          break;
        case Recompute::ops: {
          // torchtitan op-level SAC: element-wise ops recomputed, and every second matmul.
          attention_block_forward_elementwise(n);
          const double qkv = hq + 2 * hkv;
          const double f = moe ? 0 : m.ffn;
          const double half = 0.5;
          linear(StepPhase::recompute, "qkv", T, h, qkv / t, n * half, o.linear_dtype);
          linear(StepPhase::recompute, "proj", T, hq / t, h, n * half, o.linear_dtype);
          if (!moe) {
            linear(StepPhase::recompute, "fc1", T, h, f * g / t, n * half, o.linear_dtype);
            linear(StepPhase::recompute, "fc2", T, f / t, h, n * half, o.linear_dtype);
            activation(StepPhase::recompute, "act", T * f / t, n, 1);
          }
          break;
        }
      }
    }
    pipeline_p2p();
    zero3_gathers();
    data_parallel();
    optimizer();
  }

  void attention_block_forward_elementwise(double n) {
    pointwise(StepPhase::recompute, "norm_attn", T * h / sp, r.norm_fwd, n);
    if (m.rotary) pointwise(StepPhase::recompute, "rope", T * (hq + hkv) / t, r.rope_fwd, n);
    pointwise(StepPhase::recompute, "residual_attn", T * h / sp, r.add_fwd, n);
    pointwise(StepPhase::recompute, "norm_mlp", T * h / sp, r.norm_fwd, n);
    pointwise(StepPhase::recompute, "residual_mlp", T * h / sp, r.add_fwd, n);
  }

  // Pipeline: one activation send forward and one gradient send backward per model chunk; with
  // TP the message is split across the TP ranks (scatter/gather optimisation).
  void pipeline_p2p() {
    if (p.pp <= 1) return;
    const double msg = kA * T * h / t;
    const bool across_nodes = p.tp * p.cp * p.dp >= dpn;
    const int per_node = across_nodes ? 1 : 2;
    collective(StepPhase::forward, "pp_send_act", "pp_comm", Collective::p2p, msg, 2, per_node, p.interleave);
    collective(StepPhase::backward, "pp_send_grad", "pp_comm", Collective::p2p, msg, 2, per_node, p.interleave);
  }

  // Parameters of one layer on this device before ZeRO sharding (TP-split).
  double layer_params(bool moe, double& expert_part) const {
    expert_part = moe ? m.moe.experts * c.expert / p.ep / p_etp() : 0;
    const double rest = c.attention + c.norms + (moe ? c.router + m.moe.shared * c.expert : c.dense_mlp);
    return rest / t;
  }

  // ZeRO-3 / FSDP: per layer and micro-batch, gather the parameters for the forward and again for
  // the backward, reduce-scatter the gradients. With prefetching they run beside the previous
  // layer's compute; the first gather and the last reduce-scatter are exposed (floor 1/layers).
  void zero3_gathers() {
    if (p.zero != 3 || dp_group <= 1) return;
    if (p.pp > 1) return zero3_with_pipeline();
    const int k = std::max(1, st.zero3_collectives_per_layer);
    const Overlap ov = (st.fsdp_prefetch && p.dp_overlap) ? Overlap::phase_compute : Overlap::none;
    const double floor_f = 1.0 / std::max(1, lps);
    for (int moe = 0; moe < 2; ++moe) {
      const double n = moe ? moe_layers : dense_layers;
      if (n <= 0) continue;
      double ex = 0;
      const double dense = layer_params(moe, ex);
      const int edp = std::max(1, dp_group * p.tp / (p.ep * p_etp()));
      const double count = n * k;
      auto gather = [&](StepPhase ph, const char* name, double params, int ranks) {
        collective(ph, name, "dp_comm", Collective::all_gather, st.param_gather_bytes * params / k, ranks,
                   dp_per_node(), count, ov, floor_f);
        pointwise(ph, std::string(name) + "_copy", params, {1, 4}, n, "dp_copy");
      };
      auto scatter = [&](const char* name, double params, int ranks) {
        collective(StepPhase::backward, name, "dp_comm", Collective::reduce_scatter, st.grad_reduce_bytes * params / k,
                   ranks, dp_per_node(), count, ov, floor_f);
        if (st.grad_reduce_bytes == 4) pointwise(StepPhase::backward, std::string(name) + "_cast", params, {1, 6}, n, "dp_copy");
      };
      gather(StepPhase::forward, "fsdp_gather_fwd", dense, dp_group);
      gather(StepPhase::backward, "fsdp_gather_bwd", dense, dp_group);
      if (p.recompute == Recompute::full) gather(StepPhase::recompute, "fsdp_gather_rec", dense, dp_group);
      scatter("fsdp_reduce_scatter", dense, dp_group);
      if (ex > 0) {
        gather(StepPhase::forward, "fsdp_gather_experts_fwd", ex, edp);
        gather(StepPhase::backward, "fsdp_gather_experts_bwd", ex, edp);
        scatter("fsdp_reduce_scatter_experts", ex, edp);
      }
    }
    // Embedding and output layer (held whole by the stage with pp = 1): the first gather of the
    // forward and of the backward, and the last reduce-scatter, have nothing to hide behind.
    const double emb = (p.pp == 1 ? c.embedding : V * h) / t;
    collective(StepPhase::forward, "fsdp_gather_embed", "dp_comm", Collective::all_gather, st.param_gather_bytes * emb,
               dp_group, dp_per_node(), 1, ov, 1);
    collective(StepPhase::backward, "fsdp_gather_embed_bwd", "dp_comm", Collective::all_gather,
               st.param_gather_bytes * emb, dp_group, dp_per_node(), 1, ov, 1);
    collective(StepPhase::backward, "fsdp_reduce_scatter_embed", "dp_comm", Collective::reduce_scatter,
               st.grad_reduce_bytes * emb, dp_group, dp_per_node(), 1, ov, 1);
  }

  // FSDP with pipeline parallelism (torchtitan): parameters stay gathered across the micro-batches
  // of a step (reshard_after_forward off), so each is gathered once per step, beside the first
  // forward, and its gradient reduce-scattered once, beside the last backward.
  void zero3_with_pipeline() {
    double dense = 0, expert = 0;
    stage_params(dense, expert);
    const int edp = std::max(1, dp_group * p.tp / (p.ep * p_etp()));
    const bool ov = st.fsdp_prefetch && p.dp_overlap;
    const double floor_f = 1.0 / std::max(1, lps);
    auto both = [&](const char* name, double params, int ranks) {
      if (params <= 0 || ranks <= 1) return;
      collective(StepPhase::step, std::string(name) + "_gather", "dp_comm", Collective::all_gather,
                 st.param_gather_bytes * params, ranks, dp_per_node(), 1, ov ? Overlap::first_forward : Overlap::none,
                 floor_f);
      collective(StepPhase::step, std::string(name) + "_reduce_scatter", "dp_comm", Collective::reduce_scatter,
                 st.grad_reduce_bytes * params, ranks, dp_per_node(), 1, ov ? Overlap::last_backward : Overlap::none,
                 floor_f);
    };
    both("fsdp_stage", dense, dp_group);
    both("fsdp_stage_experts", expert, edp);
  }

  // Stage parameters on this device (TP/EP-split), dense and expert.
  void stage_params(double& dense, double& expert) const {
    dense = 0, expert = 0;
    for (int moe = 0; moe < 2; ++moe) {
      const double n = moe ? moe_layers : dense_layers;
      double ex = 0;
      dense += n * layer_params(moe, ex);
      expert += n * ex;
    }
    dense += (p.pp == 1 ? c.embedding : V * h) / t;
  }

  // ZeRO 0-2: gradient reduction (and parameter all-gather) over the data-parallel group.
  void data_parallel() {
    if (dp_group <= 1 || p.zero == 3) return;
    double dense = 0, expert = 0;
    stage_params(dense, expert);
    const int edp = std::max(1, dp_group * p.tp / (p.ep * p_etp()));
    const double gb = st.grad_reduce_bytes, pb = st.param_gather_bytes;
    const bool grad_ov = st.overlap_grad_reduce && p.dp_overlap;
    const bool param_ov = st.overlap_param_gather && p.dp_overlap;
    auto floor_of = [&](double bytes) { return bytes > 0 ? std::min(1.0, st.bucket_bytes / bytes) : 1.0; };
    auto reduce = [&](const char* name, double params, int ranks) {
      if (ranks <= 1 || params <= 0) return;
      const double bytes = gb * params;
      if (p.zero == 0)
        collective(StepPhase::step, name, "dp_comm", Collective::all_reduce, bytes, ranks, dp_per_node(), 1,
                   grad_ov ? Overlap::last_backward : Overlap::none, floor_of(bytes));
      else if (p.zero == 1)
        collective(StepPhase::step, name, "dp_comm", Collective::reduce_scatter, bytes, ranks, dp_per_node(), 1,
                   grad_ov ? Overlap::last_backward : Overlap::none, floor_of(bytes));
      else  // ZeRO-2: reduce-scattered during every micro-batch's backward
        collective(StepPhase::backward, name, "dp_comm", Collective::reduce_scatter, bytes, ranks, dp_per_node(), 1,
                   grad_ov ? Overlap::phase_compute : Overlap::none, floor_of(bytes));
      if (p.zero >= 1)
        collective(StepPhase::step, (std::string(name) + "_param_gather").c_str(), "dp_comm", Collective::all_gather,
                   pb * params, ranks, dp_per_node(), 1, param_ov ? Overlap::first_forward : Overlap::none,
                   floor_of(pb * params));
    };
    reduce("dp_grad_reduce", dense, dp_group);
    reduce("dp_grad_reduce_experts", expert, edp);
  }

  // Adam step over the parameters this device updates: fp32 master weights, m and v read and
  // written, the gradient read, the 16-bit copy written; gradient-norm clipping reads the
  // gradients once more and zeroing writes them (Megatron / PyTorch fused multi-tensor Adam).
  void optimizer() {
    double dense = 0, expert = 0;
    stage_params(dense, expert);
    const int edp = std::max(1, dp_group * p.tp / (p.ep * p_etp()));
    const double updated = p.zero >= 1 ? dense / dp_group + expert / edp : dense + expert;
    const double grad = p.zero == 3 ? 4 : st.grad_reduce_bytes;
    const double bytes = 24 + grad + kA + grad + grad;  // master, m, v (r+w); grad; 16-bit copy; clip; zero
    pointwise(StepPhase::step, "adam", updated, {4, bytes}, 1, "optimizer");
  }
};

}  // namespace

TrainingLedger build_training_ledger(const ModelSpec& m, const ParamCount& c, const Plan& p,
                                     const StackProfile& stack, const LedgerOptions& opt) {
  Builder b(m, c, p, stack, opt);
  b.build();
  const double B = opt.global_batch;
  b.L.model_flops = model_flops(m, B);
  b.L.hardware_flops = hardware_flops(m, B, p.recompute);
  return std::move(b.L);
}

double layer_elementwise_bytes_per_hidden(Fusion f, bool rmsnorm, bool dropout) {
  const Recipe r = recipe(f, rmsnorm, dropout, false);
  return 2 * r.norm_fwd.bytes + 2 * r.add_fwd.bytes;
}

}  // namespace xpb
