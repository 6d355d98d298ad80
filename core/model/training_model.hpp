// core/model/training_model.hpp — paper-scale transformer training on a cluster of one platform.
// A model spec (strict YAML under experiments/models/), a cluster and a parallel plan give the
// FLOPs per step (Narayanan/Korthikanti, per-GEMM for GQA/SwiGLU, MoE by active experts), the
// memory per device (ZeRO 0/1/3, recompute none/selective/full) and the step time (roofline per
// GEMM, alpha-beta collectives over intra/inter-node links, 1F1B bubble with interleaving). It does
// not search plans (core/model/plan_search.hpp) and never runs anything.
#pragma once

#include <optional>
#include <string>

#include "core/base/dtype.hpp"
#include "core/base/error.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/range.hpp"
#include "core/model/collectives.hpp"
#include "core/model/constants.hpp"
#include "core/model/training_ledger.hpp"
#include "core/model/uncertainty.hpp"
#include "core/platforms/platform.hpp"

namespace xpb {

// ------------------------------------------------------------------------------------------------
// Model spec

// gelu / relu2 (squared ReLU): 2 GEMMs of h×ffn; swiglu: 3 (gate, up, down)
enum class FfnType { gelu, swiglu, relu2 };
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
  bool rmsnorm = false;            // RMSNorm (else LayerNorm): decides the eager kernel recipe
  bool rotary = false;             // rotary position embedding applied to q and k (a RoPE kernel)
  bool dropout = false;            // hidden and attention dropout (masks written and read)
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
  double total = 0;      // every parameter
  double active = 0;     // parameters one token uses (MoE: top-k + shared experts)
  double embedding = 0;  // token (+ position) embeddings, plus the untied output layer
  double attention = 0;  // one layer's attention weights (+ biases)
  double dense_mlp = 0;  // one dense MLP
  double expert = 0;     // one expert MLP
  double router = 0;     // one MoE layer's router
  double norms = 0;      // one layer's norms
  int moe_layers = 0, dense_layers = 0;
};
ParamCount count_params(const ModelSpec& m);

// Narayanan et al. 2021 Eq. 2 (parameters) and Eq. 3 (FLOPs per step with full recompute).
double narayanan_params(double l, double h, double V, double s);
double narayanan_flops(double B, double s, double l, double h, double V);

// Activation recomputation: none; selective (attention core, Korthikanti et al. 2022); full (every
// layer's forward); norm_act (norms and activation functions, Megatron-Core
// --recompute-modules layernorm moe_act); ops (torchtitan op-level selective checkpointing:
// element-wise ops and every second matmul).
enum class Recompute { none, selective, full, norm_act, ops };
std::string_view to_string(Recompute r);

// Forward FLOPs of one token through the model (per-GEMM count, causal attention at full cost).
double forward_flops_per_token(const ModelSpec& m);
// Model FLOPs of one step (3 × forward) and hardware FLOPs (plus recomputation).
double model_flops(const ModelSpec& m, double batch);
double hardware_flops(const ModelSpec& m, double batch, Recompute r);
// Forward FLOPs per token of one layer, split as the ledger charges them.
struct LayerFlops {
  double attn_gemm = 0;  // QKV and output projection
  double attn_core = 0;  // QK^T and AV, full (non-causal) cost
  double mlp = 0;        // dense MLP, or router + active + shared experts
};
LayerFlops layer_flops(const ModelSpec& m, bool moe_layer);

// ------------------------------------------------------------------------------------------------
// Cluster and plan

// The ranges a cluster is given in (model files, experiments' projections:, `project` flags): the
// plan search and the step arithmetic hold counts in int, so larger values are refused, not wrapped.
constexpr int kMaxDevices = 1 << 24;
constexpr double kMaxGlobalBatch = double(1 << 30);

struct Cluster {
  int devices = 1;
  int devices_per_node = 0;  // 0: the platform's
  double global_batch = 0;   // 0: the model's
};

struct Plan {
  int tp = 1, pp = 1, ep = 1, mbs = 1, interleave = 1;
  int cp = 1;  // context parallelism: the sequence split over cp devices (ring attention)
  int dp = 0;  // 0: derived as devices / (tp·pp·cp); evaluate() fills it in
  Recompute recompute = Recompute::full;
  bool seqpar = false;
  // 0: replicated; 1: optimizer states sharded over DP (distributed optimizer); 2: + gradients
  // (reduce-scattered every micro-batch); 3: + parameters (FSDP / ZeRO-3, gathered per layer)
  int zero = 0;
  bool dp_overlap = true;  // overlap DP/ZeRO communication with compute
};
std::string to_string(const Plan& p);
// "tp=8,pp=4,cp=1,dp=32,ep=1,mbs=1,interleave=2,recompute=full,seqpar=on,zero=1,dp_overlap=on";
// keys may be omitted (defaults above; dp is derived when absent). Throws xpb::Error.
Plan parse_plan(const std::string& text, const Plan& defaults = {});

struct TrainOptions {
  std::string stack;  // software stack (data/model/constants.yaml); "" = the default
  // Attention kernel: nullopt = the stack's; false forces materialised scores, true flash.
  std::optional<bool> flash_attention;
  // Per kernel: true: roofline max; false: compute + memory; unset: the constants' processing_mode.
  std::optional<bool> overlap;
  std::optional<DType> dtype;  // override the model's linear-layer precision (fp8: linears only)
  std::optional<MoeDispatcher> moe_dispatcher;  // override the stack's
  std::optional<bool> tp_overlap;               // override the stack's
  McOptions mc;                                 // Monte Carlo of evaluate(); samples = 0: nominal only
  const ModelConstants* constants = nullptr;    // nullptr: default_model_constants()
};

struct MemoryEstimate {  // bytes per device on the most loaded pipeline stage
  double weights = 0, gradients = 0, optimizer = 0, activations = 0, total = 0;
  double capacity = 0, usable = 0;
  double buffers = 0;  // communication buckets, gathered FSDP layers, FP8 weight copies
};

// Ranges below are {p5, median, p95} of the Monte Carlo (TrainOptions::mc); with samples = 0 they
// are exact at the nominal-input value. `step` carries the nominal, the samples and the envelope.
struct StepEstimate {
  bool ok = false;    // false: a needed descriptor number is unknown, or the plan is invalid
  bool fits = false;  // memory.total <= memory.usable
  std::string reason;
  Plan plan;
  std::string stack;
  int micro_batches = 0;
  Range step_seconds;
  Estimate step;            // nominal-input value, samples, 5-95%, worst-case envelope
  double nominal_step = 0;  // every input at its nominal value (what the plan search ranks by)
  // Breakdown of the step (sums to step_seconds): compute on the critical stage, the exposed
  // communication by parallel dimension, pipeline bubble, optimizer step.
  Range compute_seconds, memory_seconds, launch_seconds, recompute_seconds;
  Range tp_comm_seconds, ep_comm_seconds, pp_comm_seconds, dp_comm_seconds;
  Range bubble_seconds, optimizer_seconds, cp_comm_seconds;
  // Detailed breakdown by ledger part (nominal inputs; sums to nominal_step): gemm, attention,
  // elementwise, launch, dispatch, moe_router, moe_permute, moe_a2a, moe_imbalance, fp8_cast,
  // tp_comm, cp_comm, pp_comm, dp_comm, exposed_comm, contention, bubble, optimizer, step_fixed, ...
  std::vector<std::pair<std::string, double>> parts;
  double model_flops = 0, hardware_flops = 0;  // whole cluster, one step
  DType peak_dtype = DType::bf16;              // the precision MFU/HFU are measured against
  Range mfu, hfu, tokens_per_second, energy_joules;
  MemoryEstimate memory;
  int kernels_per_step = 0;  // ledger entries (for reports)
};

// The model on one cluster: precomputes what does not depend on the plan so `evaluate` is cheap
// (the plan search calls it tens of thousands of times).
class TrainingModel {
 public:
  TrainingModel(ModelSpec model, const Platform& platform, Cluster cluster, TrainOptions opt = {});

  // Structural validity of a plan (divisibility, head/expert splits); why it is not, if not.
  bool valid(const Plan& p, std::string* why = nullptr) const;
  MemoryEstimate memory(const Plan& p) const;
  // Nominal inputs only (fast; the plan search); ranges are exact at the nominal value.
  StepEstimate evaluate(const Plan& p) const;
  // With the Monte Carlo of options().mc (seeded, reproducible).
  StepEstimate estimate(const Plan& p) const;
  // Step time in one scenario (NaN when it cannot be projected): the Monte Carlo's function.
  double step_seconds(const Plan& p, const Scenario& s) const;
  // The ledger of one step in a scenario (for reports and tests).
  TrainingLedger ledger(const Plan& p, const Scenario& s) const;
  const StackProfile& stack() const { return *m_stack; }
  const ModelConstants& constants() const { return *m_constants; }
  // The processing mode in use: the options' when set, else the constants'.
  bool kernel_overlap() const { return m_opt.overlap ? *m_opt.overlap : m_constants->kernel_overlap; }

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
  StepEstimate evaluate_with(const Plan& p, bool monte_carlo) const;
  AttentionImpl attention() const;
  LedgerOptions ledger_options(const Scenario& s) const;

  ModelSpec m_model;
  const Platform* m_platform;
  Cluster m_cluster;
  TrainOptions m_opt;
  ParamCount m_params;
  DType m_dtype;
  const ModelConstants* m_constants;
  const StackProfile* m_stack;
  Range m_capacity, m_tdp;
  std::string m_missing;  // why the descriptor cannot project this model, "" if it can
};

}  // namespace xpb
