// core/model/training_ledger.hpp — one training step of a transformer as a cost ledger.
// The kernels of one micro-batch on the most loaded pipeline stage (forward, backward,
// recomputation), the collectives of every parallel dimension, the optimizer and the pipeline
// schedule: what the stack launches, with FLOPs and bytes counted from the model and plan. The
// projector (core/model/projector.hpp) costs it; nothing here knows a time. Byte counts per
// element-wise kernel follow the stack's implementation (docs/projection.md §2).
#pragma once

#include <string>
#include <vector>

#include "core/model/constants.hpp"
#include "core/plugin/ledger.hpp"

namespace xpb {

struct ModelSpec;
struct ParamCount;
struct Plan;

// When a kernel runs within the step.
enum class StepPhase {
  forward,    // once per micro-batch, forward pass of the critical stage
  backward,   // once per micro-batch, backward pass
  recompute,  // once per micro-batch, recomputed forward work (activation checkpointing)
  step        // once per step: optimizer, gradient reduction, per-step framework cost
};
std::string_view to_string(StepPhase p);

// A collective that runs beside compute; what it cannot hide is exposed.
enum class Overlap {
  none,           // on the critical path
  phase_compute,  // beside the compute kernels of its own phase (FSDP prefetch, TP/CP overlap)
  attention,      // beside the attention kernels of its phase (ring attention)
  last_backward,  // step level: beside one micro-batch's backward compute (DP gradient buckets)
  first_forward   // step level: beside one micro-batch's forward compute (ZeRO parameter gather)
};

struct TrainingKernel {
  KernelCost cost;           // name, kind, dtype, FLOPs, bytes, count, collective, payload, ranks
  StepPhase phase = StepPhase::forward;
  std::string part;          // breakdown bucket ("gemm", "attention", "elementwise", "tp_comm", ...)
  int ranks_per_node = 0;    // collectives: ranks placed per node (0: min(ranks, devices per node))
  bool all_to_all_bus = false;  // collectives: costed with the all-to-all bus efficiency
  double inter_node_scale = 1;  // all-to-all: inter-node bytes relative to one copy per routed
                                // token (< 1 when copies bound for one node travel once, DeepEP)
  double shape_flops = 0;       // GEMM size for the efficiency table (0: cost.flops); grouped GEMMs: the
                                // experts running at once (stack's grouped_gemm_streams)
  bool grouped = false;      // grouped expert GEMM (efficiency x grouped_gemm)
  int attention_pass = 0;    // flash attention kernels: 1 forward, 2 backward
  AttentionImpl attention = AttentionImpl::flash2;  // which flash kernel family
  bool elementwise = false;  // charged at the element-wise bandwidth fraction
  Overlap overlap = Overlap::none;
  double exposed_floor = 0;  // fraction of an overlapped collective exposed whatever the window
  double imbalance = 1;      // MoE load factor already applied to FLOPs/bytes (for attribution)
};

struct TrainingLedger {
  std::vector<TrainingKernel> kernels;
  int micro_batches = 1;
  int pp = 1, interleave = 1;
  // Totals for reporting (per device, one step).
  double model_flops = 0, hardware_flops = 0;  // whole cluster, one step
};

// What the ledger builder needs besides model and plan.
struct LedgerOptions {
  DType linear_dtype = DType::bf16;  // precision of the linear layers (fp8: only they)
  AttentionImpl attention = AttentionImpl::flash2;
  MoeDispatcher moe_dispatcher = MoeDispatcher::alltoall;
  bool tp_overlap = false;
  int devices_per_node = 8;
  double global_batch = 0;
  double moe_imbalance = 1;  // drawn by the caller (a scenario's value)
};

// Builds the ledger of one step. `plan` must be valid (TrainingModel::valid).
TrainingLedger build_training_ledger(const ModelSpec& m, const ParamCount& c, const Plan& p,
                                     const StackProfile& stack, const LedgerOptions& opt);

// Bytes of element-wise traffic per hidden element of one layer's forward pass (norms, residual
// adds, dropout masks) under a stack's fusion level: the number docs/projection.md states, derived
// here from the same kernel list the ledger uses (a test compares the two).
double layer_elementwise_bytes_per_hidden(Fusion f, bool rmsnorm, bool dropout);

}  // namespace xpb
