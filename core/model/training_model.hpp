// core/model/training_model.hpp — paper-scale transformer training on a cluster of one platform.
// A model spec (strict YAML under experiments/models/), a cluster and a parallel plan give the
// FLOPs per step (Narayanan/Korthikanti, per-GEMM for GQA/SwiGLU, MoE by active experts), the
// memory per device (ZeRO 0/1/3, recompute none/selective/full) and the step time (roofline per
// GEMM, alpha-beta collectives over intra/inter-node links, 1F1B bubble with interleaving). It does
// not search plans (core/model/plan_search.hpp) and never runs anything.
#pragma once

#include <optional>
#include <string>

#include "core/model/collectives.hpp"
#include "core/base/dtype.hpp"
#include "core/base/error.hpp"
#include "core/platforms/platform.hpp"
#include "core/base/range.hpp"
#include "core/base/input_schema.hpp"

namespace xpb {

// ------------------------------------------------------------------------------------------------
// Model spec

enum class FfnType { gelu, swiglu };  // gelu: 2 GEMMs of h×ffn; swiglu: 3 (gate, up, down)
std::string_view to_string(FfnType f);

struct MoeSpec {
  int experts = 0;               // routed experts per MoE layer (0: dense model)
  int active = 0;                // routed experts per token (top-k)
  int shared = 0;                // shared experts every token passes through
  double ffn = 0;                // hidden size of one expert
  int first_dense_layers = 0;    // leading layers with a dense MLP instead of experts
  double capacity_factor = 1.0;  // tokens an expert processes relative to perfect balance
  bool enabled() const { return experts > 0; }
};

struct ModelSpec {
  std::string name, source, path, note;
  int layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0;
  double ffn = 0;  // dense MLP hidden size
  FfnType ffn_type = FfnType::gelu;
  int vocab = 0, seq_len = 0;
  bool tied_embeddings = true;
  bool learned_positions = false;  // s·h position table (GPT-2/3, Megatron)
  bool biases = false;             // linear and layer-norm biases (Narayanan Eq. 2 counts them)
  DType dtype = DType::bf16;       // GEMM precision
  double global_batch = 0;         // sequences per step (0: must be given on the command line)
  double published_params = 0;     // the size the source states, for a check (0: none)
  MoeSpec moe;
};

// The model file format, declared once (validation, `xpubench show schema model`).
const input::Node& model_file_schema();
// Strict loading: unknown keys, missing required keys, bad values → xpb::Error with line and key.
ModelSpec load_model_file(const std::string& path);
// A model given as a path, or as a name under <share>/experiments/models/ (with or without
// ".yaml"; core/base/paths.hpp); nullopt when no such file exists. Throws xpb::Error when it is
// not a file and no share folder was found.
std::optional<std::string> find_model_file(const std::string& name_or_path);
ModelSpec load_model_text(const std::string& text, const std::string& path);

struct ParamCount {
  double total = 0;        // every parameter
  double active = 0;       // parameters one token uses (MoE: top-k + shared experts)
  double embedding = 0;    // token (+ position) embeddings, plus the untied output layer
  double attention = 0;    // one layer's attention weights (+ biases)
  double dense_mlp = 0;    // one dense MLP
  double expert = 0;       // one expert MLP
  double router = 0;       // one MoE layer's router
  double norms = 0;        // one layer's norms
  int moe_layers = 0, dense_layers = 0;
};
ParamCount count_params(const ModelSpec& m);

// Narayanan et al. 2021 Eq. 2 (parameters) and Eq. 3 (FLOPs per step with full recompute).
double narayanan_params(double l, double h, double V, double s);
double narayanan_flops(double B, double s, double l, double h, double V);

enum class Recompute { none, selective, full };
std::string_view to_string(Recompute r);

// Forward FLOPs of one token through the model (per-GEMM count, causal attention at full cost).
double forward_flops_per_token(const ModelSpec& m);
// Model FLOPs of one step (3 × forward) and hardware FLOPs (plus recomputation).
double model_flops(const ModelSpec& m, double batch);
double hardware_flops(const ModelSpec& m, double batch, Recompute r);

// ------------------------------------------------------------------------------------------------
// Cluster and plan

struct Cluster {
  int devices = 1;
  int devices_per_node = 0;  // 0: the platform's
  double global_batch = 0;   // 0: the model's
};

struct Plan {
  int tp = 1, pp = 1, ep = 1, mbs = 1, interleave = 1;
  int dp = 0;               // 0: derived as devices / (tp·pp); evaluate() fills it in
  Recompute recompute = Recompute::full;
  bool seqpar = false;
  int zero = 0;             // 0, 1 (optimizer states sharded over DP) or 3 (everything sharded)
  bool dp_overlap = true;   // overlap DP gradient communication with the backward pass
};
std::string to_string(const Plan& p);
// "tp=8,pp=4,dp=32,ep=1,mbs=1,interleave=2,recompute=full,seqpar=on,zero=1,dp_overlap=on";
// keys may be omitted (defaults above; dp is derived when absent). Throws xpb::Error.
Plan parse_plan(const std::string& text, const Plan& defaults = {});

struct TrainOptions {
  bool flash_attention = true;  // false: scores materialised (softmax/dropout kernels, memory)
  bool overlap = true;          // per-kernel roofline max; false: compute + memory
  double grad_bytes = 2;        // bytes per gradient element communicated and stored
  double memory_headroom = 0.05;  // fraction of capacity kept free (allocator, workspace)
  std::optional<DType> dtype;   // override the model's GEMM precision
};

struct MemoryEstimate {  // bytes per device on the most loaded pipeline stage
  double weights = 0, gradients = 0, optimizer = 0, activations = 0, total = 0;
  double capacity = 0, usable = 0;
};

struct StepEstimate {
  bool ok = false;       // false: a needed descriptor number is unknown, or the plan is invalid
  bool fits = false;     // memory.total <= memory.usable
  std::string reason;
  Plan plan;
  int micro_batches = 0;
  Range step_seconds;
  // Breakdown of the step (sums to step_seconds): compute on the critical stage, the exposed
  // communication by parallel dimension, pipeline bubble, optimizer step.
  Range compute_seconds, memory_seconds, launch_seconds, recompute_seconds;
  Range tp_comm_seconds, ep_comm_seconds, pp_comm_seconds, dp_comm_seconds;
  Range bubble_seconds, optimizer_seconds;
  double model_flops = 0, hardware_flops = 0;  // whole cluster, one step
  Range mfu, hfu, tokens_per_second, energy_joules;
  MemoryEstimate memory;
};

// The model on one cluster: precomputes what does not depend on the plan so `evaluate` is cheap
// (the plan search calls it tens of thousands of times).
class TrainingModel {
 public:
  TrainingModel(ModelSpec model, const Platform& platform, Cluster cluster, TrainOptions opt = {});

  // Structural validity of a plan (divisibility, head/expert splits); why it is not, if not.
  bool valid(const Plan& p, std::string* why = nullptr) const;
  MemoryEstimate memory(const Plan& p) const;
  StepEstimate evaluate(const Plan& p) const;

  const ModelSpec& model() const { return m_model; }
  const Platform& platform() const { return *m_platform; }
  const Cluster& cluster() const { return m_cluster; }
  const TrainOptions& options() const { return m_opt; }
  const ParamCount& params() const { return m_params; }
  DType dtype() const { return m_dtype; }
  int devices_per_node() const { return m_cluster.devices_per_node; }
  // Why this platform cannot project this model at all ("" when it can).
  const std::string& unusable_reason() const { return m_missing; }

 private:
  struct Acc;  // time accumulator (training_model.cpp)
  void add_gemm(Acc& a, double flops, double bytes, double count) const;
  void add_vector(Acc& a, double bytes, double count) const;
  void layer_pass(Acc& a, const Plan& p, bool moe_layer, int pass) const;
  // The parts of evaluate(): one micro-batch through the most loaded stage (pass as in
  // layer_pass), its recomputation, the pipeline's point-to-point traffic, and the exposed
  // data-parallel communication of a step (net_ok false when a needed link is unknown).
  Acc stage_pass(const Plan& p, int pass) const;
  Acc recompute_pass(const Plan& p) const;
  Range pipeline_p2p(const Plan& p, bool& net_ok) const;
  Range dp_comm(const Plan& p, const Acc& fwd, const Acc& bwd, const Acc& rec, double micro_batches,
                bool& net_ok) const;

  ModelSpec m_model;
  const Platform* m_platform;
  Cluster m_cluster;
  TrainOptions m_opt;
  ParamCount m_params;
  DType m_dtype;
  NetworkModel m_net;
  // Resolved descriptor numbers (ok flags say whether they are known).
  Range m_peak, m_bw, m_launch, m_capacity, m_tdp;
  bool m_peak_ok = false, m_bw_ok = false;
  std::string m_missing;  // why the descriptor cannot project this model, "" if it can
};

}  // namespace xpb
