// core/model/constants.hpp — the performance model's own sourced numbers (data/model/constants.yaml).
// What a descriptor cannot say about a chip but a training step pays anyway: kernel gaps, the
// bandwidth fraction element-wise kernels reach, attention-kernel efficiency, MoE imbalance and
// all-to-all efficiency, overlap contention, and the software stacks (frameworks) whose kernels
// and overlap rules the training ledger follows. Every number is a {low, nominal, high} range with
// a source; none is fitted to an end-to-end row. Loading is strict, like the descriptors'. It
// costs nothing itself (core/model/projector.hpp does).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model/uncertainty.hpp"
#include "core/platforms/platform.hpp"

namespace xpb {

// One sourced number (SI units). `group` is its correlation group (default: its source's URL).
struct ModelConstant {
  std::string key;
  Quantity quantity;
  Dir dir = Dir::slower;
  std::string group;  // explicit correlation group; empty: the source's URL
  // Validation families whose own publications this number was read from, and the range it takes
  // when such a family is left out (leave-one-family-out validation).
  std::vector<std::string> in_sample_of;
  Range out_of_family;
  std::string out_of_family_derivation;
  double value(const Scenario& s) const;
};

// How a stack implements element-wise work (norms, activations, residual adds, RoPE, casts).
enum class Fusion {
  fused,    // hand-fused kernels (Apex / Megatron / Transformer Engine): one kernel per op group
  eager,    // PyTorch eager: one kernel per elementary op, fp32 up-casts where the code has them
  compiled  // torch.compile (Inductor): one generated kernel per fusible region
};
enum class AttentionImpl {
  standard,  // scores materialised: two batched GEMMs plus scale/mask/softmax/dropout kernels
  flash2,    // FlashAttention-2 (or PyTorch SDPA's flash backend)
  flash3     // FlashAttention-3 / cuDNN fused attention (Hopper)
};
enum class MoeDispatcher { alltoall, deepep };
enum class Fp8Recipe {
  te_delayed,         // Transformer Engine delayed scaling: casts fused into the producers
  dynamic_tensorwise  // torchao Float8 dynamic tensorwise: an amax pass and a cast per tensor
};
std::string_view to_string(Fusion f);
std::string_view to_string(AttentionImpl a);

// A training software stack: the kernels it launches and how it overlaps communication.
struct StackProfile {
  std::string name, title, note;
  Source source;
  Fusion fusion = Fusion::fused;
  AttentionImpl attention = AttentionImpl::flash2;
  double grad_reduce_bytes = 4;         // bytes per gradient element in DP reductions
  double param_gather_bytes = 2;        // bytes per parameter element in ZeRO/FSDP all-gathers
  bool overlap_grad_reduce = false;     // DP reduction overlapped with the last backward
  bool overlap_param_gather = false;    // ZeRO-1/2 parameter all-gather overlapped with the next forward
  double bucket_bytes = 25e6;           // DP bucket: the last one is exposed whatever the overlap
  bool fsdp_prefetch = true;            // ZeRO-3: gathers of layer i+1 run while layer i computes
  int zero3_collectives_per_layer = 1;  // separate all-gathers per layer (per-parameter gathers)
  bool tp_overlap = false;              // TP collectives overlapped with the GEMMs (Megatron/AsyncTP)
  MoeDispatcher moe_dispatcher = MoeDispatcher::alltoall;
  bool moe_permute_fused = false;
  int grouped_gemm_streams = 1;  // expert GEMMs of a grouped GEMM running at once (TE: 4 streams)
  Fp8Recipe fp8_recipe = Fp8Recipe::te_delayed;
  bool fused_cross_entropy = false;  // loss without materialising fp32 logits twice
  ModelConstant dispatch;            // CPU time to issue one kernel (s)
  ModelConstant step_fixed;          // per-step cost outside the kernels: optimizer launch, logging (s)
};

// Best measured / published values per architecture generation: caps and sanity bounds.
struct GenerationFacts {
  std::string name;                            // "ampere", "hopper", "unknown"
  std::vector<std::string> platforms;          // descriptor names of this generation
  std::map<std::string, ModelConstant> facts;  // "gemm_bf16", "gemm_fp8", "mfu_bf16", "mfu_fp8", ...
};

class ModelConstants {
 public:
  // Keys every constants file must give, with their unit kind and direction (declared once here).
  struct KeySpec {
    const char* key;
    UnitKind kind;
    Dir dir;
    const char* doc;
  };
  static const std::vector<KeySpec>& required_keys();

  const ModelConstant& at(const std::string& key) const;
  double value(const std::string& key, const Scenario& s) const { return at(key).value(s); }
  const StackProfile& stack(const std::string& name) const;  // throws xpb::Error if unknown
  bool has_stack(const std::string& name) const { return m_stacks.count(name) > 0; }
  std::vector<std::string> stack_names() const;
  // The generation a platform belongs to ("unknown" when the file does not list it).
  const GenerationFacts& generation_of(const std::string& platform) const;
  const std::map<std::string, GenerationFacts>& generations() const { return m_generations; }
  const std::map<std::string, ModelConstant>& all() const { return m_constants; }
  // A copy in which every constant sourced from `family`'s publications takes its out-of-family
  // range (leave-one-family-out).
  ModelConstants without_family(const std::string& family) const;

  std::string path, sha256;
  std::string default_stack = "megatron-core";
  // How one kernel's compute and memory times combine on an accelerator (`processing_mode:`):
  // true: the roofline's max(compute, memory); false: their sum (Calculon's no_overlap). A file
  // without the key keeps the roofline. Host descriptors never use the constants (their ceilings
  // are measured), so this applies to accelerators and to training steps.
  bool kernel_overlap = true;
  Source processing_mode_source;
  std::string processing_mode_derivation;
  std::string_view processing_mode() const { return kernel_overlap ? "roofline" : "no_overlap"; }

 private:
  friend ModelConstants load_model_constants_text(const std::string&, const std::string&);
  std::map<std::string, ModelConstant> m_constants;
  std::map<std::string, StackProfile> m_stacks;
  std::map<std::string, GenerationFacts> m_generations;
};

ModelConstants load_model_constants_text(const std::string& text, const std::string& path);
ModelConstants load_model_constants_file(const std::string& path);
// data/model/constants.yaml of the share folder (or $XPB_MODEL_CONSTANTS; core/base/paths.hpp), loaded once.
const ModelConstants& default_model_constants();
std::string default_model_constants_path();

// The value of a descriptor quantity in a scenario; its correlation group is its source URL
// (or title), else `fallback_group` (then it varies on its own).
double draw(const Quantity& q, Dir d, const Scenario& s, std::string_view fallback_group);

}  // namespace xpb
