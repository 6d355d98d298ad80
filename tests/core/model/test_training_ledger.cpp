// tests/core/model/test_training_ledger.cpp — what the training ledger charges, derived here from the
// model and plan: element-wise bytes (the 22 bytes per hidden element docs/projection.md states),
// FP8 on linear layers only, MoE router/permutation/all-to-all, ZeRO-2/3 and CP collectives.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <string>

#include "core/model/model_validation.hpp"
#include "core/model/training_ledger.hpp"
#include "core/model/training_model.hpp"
#include "tests/test_support.hpp"

using Catch::Approx;

namespace {

xpb::ModelSpec model(const std::string& name) {
  return xpb::load_model_file(xpb::test::source_path("experiments/models/" + name + ".yaml"));
}

// Sum of bytes over every launch of the kernels whose name is in `names`, in one phase.
double bytes_of(const xpb::TrainingLedger& L, xpb::StepPhase ph, std::initializer_list<const char*> names) {
  double s = 0;
  for (const auto& k : L.kernels)
    for (const char* n : names)
      if (k.phase == ph && k.cost.name == n) s += k.cost.bytes * k.cost.count;
  return s;
}

double count_part(const xpb::TrainingLedger& L, const std::string& part) {
  double s = 0;
  for (const auto& k : L.kernels)
    if (k.part == part) s += k.cost.count;
  return s;
}

}  // namespace

TEST_CASE("training ledger: norms and residual adds move 22 bytes per hidden element", "[training_ledger]") {
  // Megatron's fused kernels with dropout: two norms (read 2, write 2) and two bias-dropout-adds
  // (read 2 + 2, write 2, mask 1): 2·4 + 2·7 = 22 bytes per hidden element per layer-pass
  // (docs/projection.md §2). Once as the recipe's own number...
  CHECK(xpb::layer_elementwise_bytes_per_hidden(xpb::Fusion::fused, false, true) == Approx(22));
  CHECK(xpb::layer_elementwise_bytes_per_hidden(xpb::Fusion::fused, false, false) == Approx(20));
  // ... and from the kernel list of a real ledger: one layer of the 1.7B model, tp 1, mbs 1.
  const auto m = model("narayanan-1.7b");
  REQUIRE(m.dropout);
  const auto a100 = xpb::micro_calibrated_platform("nvidia-a100-sxm-80gb");
  xpb::Cluster c;
  c.devices = 1;
  c.global_batch = 1;
  xpb::TrainOptions o;
  o.stack = "megatron-2021";
  xpb::TrainingModel tm(m, a100, c, o);
  const auto L = tm.ledger(xpb::parse_plan("tp=1,pp=1,mbs=1,recompute=none"), xpb::Scenario::nominal());
  const double T = m.seq_len, h = m.hidden, layers = m.layers;
  const double fwd = bytes_of(L, xpb::StepPhase::forward, {"norm_attn", "norm_mlp", "residual_attn", "residual_mlp"});
  CHECK(fwd == Approx(22 * T * h * layers));
  // Launches: four kernels per layer (not four launches of 22 bytes each, the v1 bug).
  double launches = 0;
  for (const auto& k : L.kernels)
    if (k.phase == xpb::StepPhase::forward &&
        (k.cost.name == "norm_attn" || k.cost.name == "norm_mlp" || k.cost.name == "residual_attn" ||
         k.cost.name == "residual_mlp"))
      launches += k.cost.count;
  CHECK(launches == Approx(4 * layers));
}

TEST_CASE("training ledger: FP8 applies to the linear layers only", "[training_ledger]") {
  const auto m = model("llama-3.1-8b");
  const auto p = xpb::resolve_platform(xpb::test::source_path("platforms/nvidia-h100-sxm.yaml"));
  xpb::Cluster c;
  c.devices = 8;
  c.global_batch = 16;
  xpb::TrainOptions o;
  o.dtype = xpb::DType::fp8;
  o.stack = "torchtitan-compile";
  xpb::TrainingModel tm(m, p, c, o);
  const auto L = tm.ledger(xpb::parse_plan("tp=1,mbs=2,recompute=none,zero=3"), xpb::Scenario::nominal());
  int fp8_gemms = 0, casts = 0;
  for (const auto& k : L.kernels) {
    const std::string& n = k.cost.name;
    if (n.rfind("flash_attn", 0) == 0 || n.rfind("logits", 0) == 0) CHECK(k.cost.dtype == xpb::DType::bf16);
    if (n.rfind("qkv", 0) == 0 || n.rfind("fc1", 0) == 0 || n.rfind("fc2", 0) == 0 || n.rfind("proj", 0) == 0) {
      CHECK(k.cost.dtype == xpb::DType::fp8);
      ++fp8_gemms;
    }
    if (k.part == "fp8_cast") ++casts;
  }
  CHECK(fp8_gemms == 12);  // 4 linears x (forward + dgrad + wgrad)
  CHECK(casts > 0);        // dynamic scaling: amax and cast kernels are charged
  // Without FP8, no cast kernels.
  o.dtype.reset();
  xpb::TrainingModel tb(m, p, c, o);
  CHECK(count_part(tb.ledger(xpb::parse_plan("tp=1,mbs=2,recompute=none,zero=3"), xpb::Scenario::nominal()),
                   "fp8_cast") == 0);
}

TEST_CASE("training ledger: MoE charges router, permutation, all-to-all and imbalance", "[training_ledger]") {
  const auto m = model("ernie-4.5-300b-a47b");
  const auto h20 = xpb::resolve_platform(xpb::test::source_path("platforms/nvidia-h20.yaml"));
  xpb::Cluster c;
  c.devices = 1024;
  xpb::TrainingModel tm(m, h20, c);
  const auto p = xpb::parse_plan("tp=2,pp=1,ep=64,mbs=1,recompute=none,seqpar=on,zero=1");
  REQUIRE(tm.valid(p));
  const auto L = tm.ledger(p, xpb::Scenario::nominal());
  CHECK(count_part(L, "moe_router") > 0);
  CHECK(count_part(L, "moe_permute") > 0);
  CHECK(count_part(L, "moe_a2a") > 0);
  // Dispatch payload: T/sp tokens x k copies x h x 2 bytes x the imbalance factor's nominal.
  const double imb = tm.constants().at("moe_imbalance").quantity.value.nominal;
  for (const auto& k : L.kernels)
    if (k.cost.name == "moe_dispatch" && k.phase == xpb::StepPhase::forward) {
      CHECK(k.cost.collective_bytes == Approx(2.0 * 4096 / 2 * 8 * 8192 * imb));
      CHECK(k.cost.ranks == 64);
      CHECK(k.imbalance == Approx(imb));
    }
  const auto e = tm.evaluate(p);
  REQUIRE(e.ok);
  bool has_imbalance = false;
  for (const auto& [k, v] : e.parts) has_imbalance |= k == "moe_imbalance" && v > 0;
  CHECK(has_imbalance);
}

TEST_CASE("training ledger: grouped expert GEMMs are sized by the experts running at once",
          "[training_ledger]") {
  // Qwen3-235B-A22B, TP 4, EP 8 (the Model Zoo's QW3-DEEPEP-TP4 plan): 128/8 = 16 local experts.
  // Megatron-Core's TE GroupedLinear runs one cuBLAS GEMM per expert over 4 streams
  // (data/model/constants.yaml, stacks.megatron-core.grouped_gemm_streams), so the efficiency
  // table is read at 4 experts' FLOPs, not at one expert's (the v2 model until now) nor at 16.
  const auto m = model("qwen3-235b-a22b");
  const auto h100 = xpb::micro_calibrated_platform("nvidia-h100-sxm");
  xpb::Cluster c;
  c.devices = 256;
  c.global_batch = 2048;
  xpb::TrainOptions o;
  o.stack = "megatron-core";
  xpb::TrainingModel tm(m, h100, c, o);
  const auto p = xpb::parse_plan("tp=4,pp=8,ep=8,mbs=1,interleave=4,recompute=none,seqpar=on,zero=1");
  REQUIRE(tm.valid(p));
  const auto L = tm.ledger(p, xpb::Scenario::nominal());
  const double imb = tm.constants().at("moe_imbalance").quantity.value.nominal;
  // Token copies on the most loaded rank: 4096 tokens / sp 4 x top-8 x imbalance.
  const double received = 4096.0 / 4 * 8 * imb;
  int seen = 0;
  for (const auto& k : L.kernels)
    if (k.cost.name == "expert_fc1" && k.phase == xpb::StepPhase::forward) {
      ++seen;
      CHECK(k.grouped);
      const double all = 2 * received * 4096 * 2 * 1536;  // SwiGLU gate and up: 2 x 1536 columns
      CHECK(k.cost.flops == Approx(all));
      CHECK(k.shape_flops == Approx(all / 16 * 4));
    }
  CHECK(seen == 1);
  // A stack without the field runs the experts one after another: one expert's FLOPs.
  xpb::TrainOptions o2;
  o2.stack = "megatron-2021";
  xpb::TrainingModel tm2(m, h100, c, o2);
  for (const auto& k : tm2.ledger(p, xpb::Scenario::nominal()).kernels)
    if (k.cost.name == "expert_fc1" && k.phase == xpb::StepPhase::forward)
      CHECK(k.shape_flops == Approx(k.cost.flops / 16));
}

TEST_CASE("training ledger: ZeRO stages and context parallelism place their collectives", "[training_ledger]") {
  const auto m = model("llama-3.1-8b");
  const auto p = xpb::resolve_platform(xpb::test::source_path("platforms/nvidia-h100-sxm.yaml"));
  xpb::Cluster c;
  c.devices = 16;
  c.global_batch = 16;
  xpb::TrainingModel tm(m, p, c);
  auto find = [](const xpb::TrainingLedger& L, const std::string& name, xpb::StepPhase ph) {
    for (const auto& k : L.kernels)
      if (k.cost.name == name && k.phase == ph) return true;
    return false;
  };
  const auto z1 = tm.ledger(xpb::parse_plan("mbs=1,zero=1,recompute=none"), xpb::Scenario::nominal());
  CHECK(find(z1, "dp_grad_reduce", xpb::StepPhase::step));                 // once per step
  CHECK(find(z1, "dp_grad_reduce_param_gather", xpb::StepPhase::step));
  const auto z2 = tm.ledger(xpb::parse_plan("mbs=1,zero=2,recompute=none"), xpb::Scenario::nominal());
  CHECK(find(z2, "dp_grad_reduce", xpb::StepPhase::backward));             // every micro-batch
  const auto z3 = tm.ledger(xpb::parse_plan("mbs=1,zero=3,recompute=full"), xpb::Scenario::nominal());
  CHECK(find(z3, "fsdp_gather_fwd", xpb::StepPhase::forward));
  CHECK(find(z3, "fsdp_gather_bwd", xpb::StepPhase::backward));
  CHECK(find(z3, "fsdp_gather_rec", xpb::StepPhase::recompute));
  CHECK(find(z3, "fsdp_reduce_scatter", xpb::StepPhase::backward));
  // Memory: ZeRO-2 shards the gradients, ZeRO-3 also the weights.
  const auto m1 = tm.memory(xpb::parse_plan("mbs=1,zero=1")), m2 = tm.memory(xpb::parse_plan("mbs=1,zero=2")),
             m3 = tm.memory(xpb::parse_plan("mbs=1,zero=3"));
  CHECK(m2.gradients < m1.gradients);
  CHECK(m3.weights < m2.weights);
  // Context parallelism: the ring exchange of K and V runs beside the attention kernels, and the
  // tokens per device shrink by cp.
  xpb::Cluster c2 = c;
  c2.global_batch = 8;
  auto ml = m;
  ml.seq_len = 65536;
  xpb::TrainingModel tc(ml, p, c2);
  const auto L = tc.ledger(xpb::parse_plan("cp=4,mbs=1,zero=3,recompute=full"), xpb::Scenario::nominal());
  bool ring = false;
  for (const auto& k : L.kernels)
    if (k.part == "cp_comm") {
      ring = true;
      CHECK(k.overlap == xpb::Overlap::attention);
      CHECK(k.cost.ranks == 4);
    }
  CHECK(ring);
  CHECK(tc.memory(xpb::parse_plan("cp=4,mbs=1,zero=3,recompute=full")).activations <
        tc.memory(xpb::parse_plan("cp=2,mbs=1,zero=3,recompute=full")).activations);
}
