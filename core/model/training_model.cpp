// core/model/training_model.cpp — FLOPs, memory and step time of transformer training under a plan.
// Sections: model loading, parameter and FLOP counts, plans, the per-plan cost model. Formulas and
// their sources are in docs/projection.md; this file states only choices the formulas leave open.
#include "core/model/training_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "core/base/format.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/paths.hpp"
#include "core/base/yaml_util.hpp"
#include "core/model/projector.hpp"

namespace xpb {

// ================================================================================================
// Model loading

std::string_view to_string(FfnType f) {
  switch (f) {
    case FfnType::gelu: return "gelu";
    case FfnType::swiglu: return "swiglu";
    case FfnType::relu2: return "relu2";
  }
  return "?";
}

std::string_view to_string(Recompute r) {
  switch (r) {
    case Recompute::none: return "none";
    case Recompute::selective: return "selective";
    case Recompute::full: return "full";
    case Recompute::norm_act: return "norm_act";
    case Recompute::ops: return "ops";
  }
  return "?";
}

const input::Node& model_file_schema() {
  using namespace input;
  static const Node s = [] {
    auto positive = [](std::string doc) { return integer(std::move(doc)).range(1, 1 << 30); };
    Node moe = object(
        {required("experts", positive("routed experts per MoE layer")),
         required("active", positive("routed experts per token (top-k)")),
         required("ffn", number("hidden size of one expert").above(0)),
         optional("shared", integer("shared experts every token passes through")
                                .range(0, 1 << 30)
                                .fallback(std::int64_t{0})),
         optional("first_dense_layers", integer("leading layers with a dense MLP instead of experts")
                                            .range(0, 1 << 30)
                                            .fallback(std::int64_t{0})),
         optional("capacity_factor",
                  number("tokens an expert processes relative to perfect balance").above(0).fallback(1.0))},
        "mixture of experts");
    moe.checked([](const Value& m) {
      if (m["active"].integer() > m["experts"].integer())
        m["active"].fail("more active experts than experts");
    });
    Node n = object(
        {required("name", string("the model's name")),
         optional("source", string("where the dimensions come from")),
         optional("note", string("free text")),
         required("layers", positive("transformer layers (l)")),
         required("hidden", positive("model width (h)")),
         required("heads", positive("attention heads (a)")),
         optional("kv_heads", positive("key/value heads (grouped-query attention); default: heads")),
         optional("head_dim", positive("width of one head; default: hidden / heads")),
         optional("ffn", number("dense MLP hidden size; default: 4 · hidden").above(0)),
         optional("ffn_type",
                  choice({"gelu", "swiglu", "relu2"}, "MLP form: gelu or relu2 (2 GEMMs) or swiglu (3 GEMMs)")
                      .noun_text("ffn_type")
                      .hint_text("use gelu or relu2 (2 GEMMs) or swiglu (3 GEMMs)")
                      .fallback(std::string("gelu"))),
         required("vocab", positive("vocabulary size (V)")),
         required("seq_len", positive("sequence length (s)")),
         optional("tied_embeddings", boolean("output layer shares the token embedding").fallback(true)),
         optional("learned_positions", boolean("an s·h position table (GPT-2/3, Megatron)").fallback(false)),
         optional("biases",
                  boolean("linear and layer-norm biases (Narayanan Eq. 2 counts them)").fallback(false)),
         optional("norm", choice({"layernorm", "rmsnorm"}, "normalisation layer")
                              .noun_text("norm")
                              .hint_text("layernorm or rmsnorm")
                              .fallback(std::string("layernorm"))),
         optional("position_encoding",
                  choice({"learned", "rotary", "alibi", "none"},
                         "positions: learned table, rotary (a kernel), alibi or none (no kernel); default: "
                         "learned when learned_positions, else rotary")
                      .noun_text("position_encoding")
                      .hint_text("learned, rotary, alibi or none")),
         optional("dropout",
                  boolean("dropout kernels in training (masks and their traffic)").fallback(false)),
         optional("dtype", choice({"bf16", "fp16", "fp8", "tf32", "fp32"}, "GEMM precision")
                               .noun_text("dtype")
                               .hint_text("use bf16, fp16, fp8, tf32 or fp32")
                               .fallback(std::string("bf16"))),
         optional("global_batch", positive("sequences per step (else given on the command line)")),
         optional("published_params", number("the size the source states, for a check").above(0)),
         optional("moe", moe)},
        "a transformer model (experiments/models/)");
    n.missing_key_hint("a model file needs name, layers, hidden, heads, vocab and seq_len");
    n.checked([](const Value& m) {
      const auto heads = m["heads"].integer();
      if (!m.has("head_dim") && m["hidden"].integer() % heads != 0)
        m["heads"].fail("hidden is not a multiple of heads", "give head_dim explicitly");
      if (m.has("kv_heads") && heads % m["kv_heads"].integer() != 0)
        m["kv_heads"].fail("heads (" + std::to_string(heads) + ") is not a multiple of kv_heads");
      if (m.has("moe") && m["moe"]["first_dense_layers"].integer() >= m["layers"].integer())
        m["moe"]["first_dense_layers"].fail("must be in [0, layers)");
      if (m["position_encoding"].present() && m["learned_positions"].present() &&
          (m["position_encoding"].str() == "learned") != m["learned_positions"].boolean())
        m["position_encoding"].fail("position_encoding and learned_positions disagree", "give one of them");
    });
    return n;
  }();
  return s;
}

ModelSpec load_model_text(const std::string& text, const std::string& path) {
  const input::Value v = input::validate(model_file_schema(), yaml::parse(text, path), path);
  auto i32 = [](const input::Value& x) { return static_cast<int>(x.integer()); };
  ModelSpec m;
  m.path = path;
  m.name = v["name"].str();
  if (v.has("source")) m.source = v["source"].str();
  if (v.has("note")) m.note = v["note"].str();
  m.layers = i32(v["layers"]);
  m.hidden = i32(v["hidden"]);
  m.heads = i32(v["heads"]);
  m.vocab = i32(v["vocab"]);
  m.seq_len = i32(v["seq_len"]);
  m.kv_heads = v.has("kv_heads") ? i32(v["kv_heads"]) : m.heads;
  m.head_dim = v.has("head_dim") ? i32(v["head_dim"]) : m.hidden / m.heads;
  const std::string ffn_type = v["ffn_type"].str();
  m.ffn_type = ffn_type == "swiglu" ? FfnType::swiglu : ffn_type == "relu2" ? FfnType::relu2 : FfnType::gelu;
  m.ffn = v.has("ffn") ? v["ffn"].number() : 4.0 * m.hidden;
  m.tied_embeddings = v["tied_embeddings"].boolean();
  m.learned_positions = v["learned_positions"].boolean();
  m.biases = v["biases"].boolean();
  m.rmsnorm = v["norm"].str() == "rmsnorm";
  // Rotary by default unless positions are learned; alibi and none add no kernel.
  m.rotary = !m.learned_positions;
  if (v["position_encoding"].present()) {
    const std::string pe = v["position_encoding"].str();
    m.learned_positions = pe == "learned";
    m.rotary = pe == "rotary";
  }
  m.dropout = v["dropout"].boolean();
  m.dtype = *parse_dtype(v["dtype"].str());
  if (v.has("global_batch")) m.global_batch = static_cast<double>(v["global_batch"].integer());
  if (v.has("published_params")) m.published_params = v["published_params"].number();
  if (v.has("moe")) {
    const input::Value moe = v["moe"];
    m.moe.experts = i32(moe["experts"]);
    m.moe.active = i32(moe["active"]);
    m.moe.ffn = moe["ffn"].number();
    m.moe.shared = i32(moe["shared"]);
    m.moe.first_dense_layers = i32(moe["first_dense_layers"]);
    m.moe.capacity_factor = moe["capacity_factor"].number();
  }
  return m;
}

ModelSpec load_model_file(const std::string& path) {
  std::string text;
  yaml::load_file(path, &text);
  return load_model_text(text, path);
}

// ================================================================================================
// Parameter and FLOP counts

ParamCount count_params(const ModelSpec& m) {
  ParamCount c;
  const double h = m.hidden, hq = double(m.heads) * m.head_dim, hkv = double(m.kv_heads) * m.head_dim;
  const double g = m.ffn_type == FfnType::swiglu ? 3 : 2;  // weight matrices per MLP
  c.attention = h * (hq + 2 * hkv) + hq * h + (m.biases ? hq + 2 * hkv + h : 0);
  auto mlp = [&](double f) { return g * h * f + (m.biases ? f * (g - 1) + h : 0); };
  c.dense_mlp = mlp(m.ffn);
  c.norms = (m.biases ? 4 : 2) * h;  // two norms per layer (LayerNorm has a bias, RMSNorm not)
  c.embedding = double(m.vocab) * h + (m.learned_positions ? double(m.seq_len) * h : 0) +
                (m.tied_embeddings ? 0 : double(m.vocab) * h);
  if (m.moe.enabled()) {
    c.expert = mlp(m.moe.ffn);
    c.router = h * m.moe.experts;
    c.moe_layers = m.layers - m.moe.first_dense_layers;
    c.dense_layers = m.moe.first_dense_layers;
  } else {
    c.dense_layers = m.layers;
  }
  const double per_dense = c.attention + c.norms + c.dense_mlp;
  const double moe_common = c.attention + c.norms + c.router + m.moe.shared * c.expert;
  c.total = c.dense_layers * per_dense + c.moe_layers * (moe_common + double(m.moe.experts) * c.expert) +
            c.embedding;
  c.active = c.dense_layers * per_dense + c.moe_layers * (moe_common + double(m.moe.active) * c.expert) +
             c.embedding;
  return c;
}

double narayanan_params(double l, double h, double V, double s) {
  return 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h));
}

double narayanan_flops(double B, double s, double l, double h, double V) {
  return 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}

LayerFlops layer_flops(const ModelSpec& m, bool moe_layer) {
  LayerFlops f;
  const double h = m.hidden, hq = double(m.heads) * m.head_dim, hkv = double(m.kv_heads) * m.head_dim;
  const double g = m.ffn_type == FfnType::swiglu ? 3 : 2;
  f.attn_gemm = 2 * h * (hq + 2 * hkv) + 2 * hq * h;
  f.attn_core = 4.0 * m.seq_len * hq;
  if (moe_layer)
    f.mlp = 2 * h * m.moe.experts + (m.moe.active + m.moe.shared) * 2 * g * h * m.moe.ffn;
  else
    f.mlp = 2 * g * h * m.ffn;
  return f;
}

double forward_flops_per_token(const ModelSpec& m) {
  const ParamCount c = count_params(m);
  const LayerFlops d = layer_flops(m, false), e = layer_flops(m, true);
  return c.dense_layers * (d.attn_gemm + d.attn_core + d.mlp) +
         c.moe_layers * (e.attn_gemm + e.attn_core + e.mlp) + 2.0 * m.hidden * m.vocab;
}

double model_flops(const ModelSpec& m, double batch) {
  return 3 * forward_flops_per_token(m) * batch * m.seq_len;
}

double hardware_flops(const ModelSpec& m, double batch, Recompute r) {
  double extra = 0;  // forward FLOPs per token computed again
  const ParamCount c = count_params(m);
  const LayerFlops d = layer_flops(m, false), e = layer_flops(m, true);
  if (r == Recompute::full)
    extra = c.dense_layers * (d.attn_gemm + d.attn_core + d.mlp) +
            c.moe_layers * (e.attn_gemm + e.attn_core + e.mlp);
  else if (r == Recompute::selective)
    extra = c.dense_layers * d.attn_core + c.moe_layers * e.attn_core;
  else if (r == Recompute::ops)  // every second linear-layer matmul of the dense layers
    extra = 0.5 * (c.dense_layers * (d.attn_gemm + d.mlp) + c.moe_layers * e.attn_gemm);
  return model_flops(m, batch) + extra * batch * m.seq_len;
}

// ================================================================================================
// Plans

std::string to_string(const Plan& p) {
  std::ostringstream o;
  o << "tp=" << p.tp << ",pp=" << p.pp << ",cp=" << p.cp << ",dp=" << p.dp << ",ep=" << p.ep
    << ",mbs=" << p.mbs << ",interleave=" << p.interleave << ",recompute=" << to_string(p.recompute)
    << ",seqpar=" << (p.seqpar ? "on" : "off") << ",zero=" << p.zero
    << ",dp_overlap=" << (p.dp_overlap ? "on" : "off");
  return o.str();
}

Plan parse_plan(const std::string& text, const Plan& defaults) {
  Plan p = defaults;
  p.dp = 0;  // derived unless given
  const std::vector<std::string> keys = {"tp",         "pp",        "cp",     "dp",   "ep",        "mbs",
                                         "interleave", "recompute", "seqpar", "zero", "dp_overlap"};
  std::stringstream ss(text);
  std::string item;
  const std::string hint =
      "--plan tp=8,pp=4,cp=1,mbs=1,interleave=2,recompute=full|selective|norm_act|ops|none,"
      "seqpar=on|off,zero=0|1|2|3";
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw Error(Where{"", 0, "--plan"}, "'" + item + "' is not key=value", hint);
    const std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    auto as_int = [&]() {
      try {
        std::size_t used = 0;
        const int x = std::stoi(v, &used);
        if (used != v.size() || x < 0) throw std::invalid_argument(v);
        return x;
      } catch (const std::exception&) {
        throw Error(Where{"", 0, "--plan." + k}, "'" + v + "' is not a non-negative integer", hint);
      }
    };
    auto as_onoff = [&]() {
      if (v == "on" || v == "true" || v == "1") return true;
      if (v == "off" || v == "false" || v == "0") return false;
      throw Error(Where{"", 0, "--plan." + k}, "'" + v + "' is not on or off", hint);
    };
    if (k == "tp")
      p.tp = as_int();
    else if (k == "pp")
      p.pp = as_int();
    else if (k == "cp")
      p.cp = as_int();
    else if (k == "dp")
      p.dp = as_int();
    else if (k == "ep")
      p.ep = as_int();
    else if (k == "mbs")
      p.mbs = as_int();
    else if (k == "interleave")
      p.interleave = as_int();
    else if (k == "zero")
      p.zero = as_int();
    else if (k == "seqpar")
      p.seqpar = as_onoff();
    else if (k == "dp_overlap")
      p.dp_overlap = as_onoff();
    else if (k == "recompute") {
      if (v == "none")
        p.recompute = Recompute::none;
      else if (v == "selective")
        p.recompute = Recompute::selective;
      else if (v == "full")
        p.recompute = Recompute::full;
      else if (v == "norm_act")
        p.recompute = Recompute::norm_act;
      else if (v == "ops")
        p.recompute = Recompute::ops;
      else
        throw Error(Where{"", 0, "--plan.recompute"},
                    "'" + v + "' is not none, selective, full, norm_act or ops", hint);
    } else {
      const std::string near = closest_match(k, keys);
      throw Error(Where{"", 0, "--plan"}, "unknown plan key '" + k + "'",
                  near.empty() ? hint : "did you mean '" + near + "'?");
    }
  }
  for (int x : {p.tp, p.pp, p.cp, p.ep, p.mbs, p.interleave})
    if (x < 1) throw Error(Where{"", 0, "--plan"}, "tp, pp, cp, ep, mbs and interleave must be >= 1", hint);
  if (p.zero < 0 || p.zero > 3) throw Error(Where{"", 0, "--plan.zero"}, "zero must be 0, 1, 2 or 3", hint);
  return p;
}

// ================================================================================================
// The cost model: ledger (core/model/training_ledger.cpp), costed by the projector
// (core/model/projector.cpp), memory here.

namespace {
constexpr double kAct = 2;              // bytes per activation element (bf16/fp16)
constexpr double kOptimizerBytes = 12;  // fp32 master weights, Adam m and v

// Parameters one device of the most loaded pipeline stage holds (which also holds an embedding
// table), split into non-expert (TP-split) and expert parameters (EP-split, not TP-split: experts
// fold over the TP x CP x DP ranks), before any ZeRO sharding.
void stage_params(const ModelSpec& m, const ParamCount& c, const Plan& p, double& nonexpert, double& expert) {
  const double t = p.tp;
  const int lps = (m.layers + p.pp - 1) / p.pp;
  const double moe_frac = double(c.moe_layers) / m.layers;
  nonexpert = lps *
                  (c.attention + c.norms + (1 - moe_frac) * c.dense_mlp +
                   moe_frac * (c.router + m.moe.shared * c.expert)) /
                  t +
              (p.pp == 1 ? c.embedding : double(m.vocab) * m.hidden) / t;
  expert = lps * moe_frac * m.moe.experts * c.expert / p.ep;
}
}  // namespace

TrainingModel::TrainingModel(ModelSpec model, const Platform& platform, Cluster cluster, TrainOptions opt)
    : m_model(std::move(model)), m_platform(&platform), m_cluster(cluster), m_opt(opt) {
  if (m_cluster.devices_per_node <= 0) m_cluster.devices_per_node = std::max(1, platform.devices_per_node);
  if (m_cluster.global_batch <= 0) m_cluster.global_batch = m_model.global_batch;
  // The loaders check these ranges with the user's key; this is the backstop for other callers.
  const double B = m_cluster.global_batch;
  if (B > kMaxGlobalBatch || std::floor(B) != B)
    throw Error({}, "global batch " + fmt_shortest(B) + " is not a whole number in [1, " +
                        fmt_shortest(kMaxGlobalBatch) + "]");
  if (m_cluster.devices < 1 || m_cluster.devices > kMaxDevices || m_cluster.devices_per_node > kMaxDevices)
    throw Error({}, "device count " + std::to_string(m_cluster.devices) + " is outside [1, " +
                        std::to_string(kMaxDevices) + "]");
  m_dtype = m_opt.dtype ? *m_opt.dtype : m_model.dtype;
  m_params = count_params(m_model);
  m_constants = m_opt.constants ? m_opt.constants : &default_model_constants();
  m_stack = &m_constants->stack(m_opt.stack.empty() ? m_constants->default_stack : m_opt.stack);

  auto it = platform.peak.find(m_dtype);
  if (it == platform.peak.end() || it->second.status != PeakStatus::known || !it->second.flops.present ||
      it->second.flops.value.low <= 0) {
    const bool unsupported = it != platform.peak.end() && it->second.status == PeakStatus::unsupported;
    m_missing = std::string(to_string(m_dtype)) + " peak is " + (unsupported ? "unsupported" : "unknown") +
                " on " + platform.name;
  }
  if (!(platform.memory_bandwidth.present && platform.memory_bandwidth.value.low > 0) && m_missing.empty())
    m_missing = "memory bandwidth is unknown on " + platform.name;
  if (!platform.memory_capacity.present && m_missing.empty())
    m_missing = "memory capacity is unknown on " + platform.name;
  m_capacity = platform.memory_capacity.value;
  m_tdp = platform.tdp.present ? platform.tdp.value : Range{};
  if (m_cluster.global_batch <= 0 && m_missing.empty())
    m_missing = "no global batch: the model file gives none (pass --global-batch)";
}

bool TrainingModel::valid(const Plan& p, std::string* why) const {
  auto no = [&](std::string s) {
    if (why) *why = std::move(s);
    return false;
  };
  const ModelSpec& m = m_model;
  const int n = m_cluster.devices;
  if (p.tp < 1 || p.pp < 1 || p.cp < 1 || p.ep < 1 || p.mbs < 1 || p.interleave < 1)
    return no("plan sizes must be >= 1");
  if (n % (p.tp * p.pp * p.cp) != 0) return no("tp·pp·cp does not divide the device count");
  const int dp = n / (p.tp * p.pp * p.cp);
  if (p.dp != 0 && p.dp != dp) return no("dp must be devices/(tp·pp·cp) = " + std::to_string(dp));
  if (m.heads % p.tp != 0) return no("tp does not divide the attention heads");
  if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0) return no("tp does not split the kv heads");
  if (p.pp > m.layers) return no("more pipeline stages than layers");
  // Uneven stages are allowed (Megatron's flexible pipeline layouts); each chunk needs a layer on
  // the most loaded stage.
  if (p.interleave > 1 && (p.pp == 1 || p.interleave > (m.layers + p.pp - 1) / p.pp))
    return no("interleaving needs pp > 1 and at least one layer per model chunk");
  if (p.seqpar && p.tp == 1) return no("sequence parallelism needs tp > 1");
  if (p.cp > 1 && m.seq_len % (2 * p.cp) != 0)
    return no("context parallelism needs the sequence to split into 2·cp chunks (causal load balance)");
  if (p.zero < 0 || p.zero > 3) return no("zero must be 0, 1, 2 or 3");
  if (p.zero == 2 && p.pp > 1) return no("ZeRO-2 is not combined with pipeline parallelism");
  if (!m.moe.enabled() && p.ep != 1) return no("ep > 1 needs a MoE model");
  if (m.moe.enabled()) {
    if (m.moe.experts % p.ep != 0) return no("ep must divide the experts");
    if ((p.tp * p.cp * dp) % p.ep != 0)
      return no("ep must divide tp·cp·dp (expert parallelism folds over them)");
    if (p.tp > 1 && !p.seqpar) return no("MoE with tensor parallelism needs sequence parallelism");
  }
  const double B = m_cluster.global_batch;
  const double per_step = double(p.mbs) * dp;
  if (B <= 0 || std::fmod(B, per_step) != 0) return no("mbs·dp does not divide the global batch");
  return true;
}

MemoryEstimate TrainingModel::memory(const Plan& p0) const {
  Plan p = p0;
  const ModelSpec& m = m_model;
  p.dp = m_cluster.devices / std::max(1, p.tp * p.pp * p.cp);
  const int dp = std::max(1, p.dp);
  const double shard = double(dp) * p.cp;                    // dense-parameter replicas
  const double eshard = std::max(1.0, shard * p.tp / p.ep);  // expert-parameter replicas
  const double t = p.tp, h = m.hidden, s = m.seq_len, T = double(p.mbs) * s / p.cp;
  const double hq = double(m.heads) * m.head_dim, hkv = double(m.kv_heads) * m.head_dim;
  const double sp = p.seqpar ? t : 1;
  const int lps = (m.layers + p.pp - 1) / p.pp;
  const double moe_frac = double(m_params.moe_layers) / m.layers;
  const StackProfile& st = *m_stack;

  double nonexpert = 0, expert = 0;
  stage_params(m, m_params, p, nonexpert, expert);

  MemoryEstimate r;
  const double w = kAct;
  const double gb = st.grad_reduce_bytes;  // main gradients kept at the reduction precision
  if (p.zero == 3 && p.pp > 1) {
    // FSDP with a pipeline: the stage's parameters stay gathered for the step (bf16), gradients
    // unsharded until the last backward, fp32 shards and Adam states sharded.
    r.weights = (nonexpert + expert) * w + (nonexpert / shard + expert / eshard) * 4;
    r.gradients = (nonexpert + expert) * gb;
    r.optimizer = (nonexpert / shard + expert / eshard) * 8;
  } else if (p.zero == 3) {
    r.weights = (nonexpert / shard + expert / eshard) * w;
    r.gradients = (nonexpert / shard + expert / eshard) * w;
    r.optimizer = (nonexpert / shard + expert / eshard) * kOptimizerBytes;
    // Two gathered layers (the running one and the prefetched one) and one layer's gradients.
    const double layer = (m_params.attention + m_params.norms + (1 - moe_frac) * m_params.dense_mlp +
                          moe_frac * m.moe.experts * m_params.expert / p.ep) /
                         t;
    r.buffers += 2 * layer * w + layer * gb;
  } else {
    r.weights = (nonexpert + expert) * w;
    r.gradients = p.zero == 2 ? (nonexpert / shard + expert / eshard) * gb +
                                    std::min(st.bucket_bytes, (nonexpert + expert) * gb)
                              : (nonexpert + expert) * gb;
    r.optimizer = p.zero >= 1 ? (nonexpert / shard + expert / eshard) * kOptimizerBytes
                              : (nonexpert + expert) * kOptimizerBytes;
  }
  // FP8 with Transformer Engine keeps an fp8 copy and its transpose of every linear weight.
  if (m_dtype == DType::fp8 && st.fp8_recipe == Fp8Recipe::te_delayed)
    r.buffers += 2 * (p.zero == 3 ? 0 : nonexpert + expert);

  // Activations per layer and micro-batch (Korthikanti et al. 2022 §4, generalised per tensor):
  // replicated across TP unless sequence parallel: norm inputs, QKV/MLP inputs, dropout masks.
  const bool flash = attention() != AttentionImpl::standard;
  const double f = m.ffn;
  const double mlp_split = (m.ffn_type == FfnType::swiglu ? 6 : 4) * f;
  // MoE: routed token copies on this rank (T/sp tokens, experts not TP-split) and shared experts.
  const double moe_split =
      m.moe.enabled() ? m.moe.active * m.moe.capacity_factor *
                                (2 * h + (m.ffn_type == FfnType::swiglu ? 6 : 4) * m.moe.ffn) * t / sp +
                            m.moe.shared * (m.ffn_type == FfnType::swiglu ? 6 : 4) * m.moe.ffn
                      : 0;
  const double replicated = 10 * h;
  const double split_attn = 2 * (hq + 2 * hkv) + 2 * hq;
  const double scores = flash ? 0 : 5.0 * m.heads * s;
  const double split_mlp = (1 - moe_frac) * mlp_split + moe_frac * moe_split;
  const double full_layer = T * (replicated / sp + (split_attn + split_mlp + scores) / t);
  double per_layer = full_layer;
  switch (p.recompute) {
    case Recompute::none: break;
    case Recompute::selective: per_layer = full_layer - T * scores / t; break;
    case Recompute::full: per_layer = kAct * T * h / sp; break;
    case Recompute::norm_act:
      per_layer =
          full_layer - T * (4 * h / sp + 2 * ((1 - moe_frac) * f + moe_frac * m.moe.ffn * m.moe.active) / t);
      break;
    case Recompute::ops: per_layer = 0.5 * (full_layer - T * scores / t); break;
  }

  const int mbs_per_step = int(m_cluster.global_batch / (double(p.mbs) * dp));
  const double inflight = std::max(1, std::min(p.pp, mbs_per_step));
  const double interleave = p.interleave > 1 ? 1 + double(p.pp - 1) / (p.pp * p.interleave) : 1;
  r.activations = lps * per_layer * inflight * interleave;
  if (p.recompute == Recompute::full) r.activations += full_layer;  // one layer being recomputed
  r.activations += T * m.vocab / t * (st.fused_cross_entropy ? kAct : 4 + kAct);  // logits (+ fp32 copy)

  r.total = r.weights + r.gradients + r.optimizer + r.activations + r.buffers;
  r.capacity = m_capacity.nominal;
  r.usable = r.capacity * (1 - m_constants->at("memory_reserved").quantity.value.nominal);
  return r;
}

AttentionImpl TrainingModel::attention() const {
  if (!m_opt.flash_attention) return m_stack->attention;
  if (!*m_opt.flash_attention) return AttentionImpl::standard;
  return m_stack->attention == AttentionImpl::standard ? AttentionImpl::flash2 : m_stack->attention;
}

LedgerOptions TrainingModel::ledger_options(const Scenario& s) const {
  LedgerOptions o;
  o.linear_dtype = m_dtype;
  o.attention = attention();
  o.moe_dispatcher = m_opt.moe_dispatcher ? *m_opt.moe_dispatcher : m_stack->moe_dispatcher;
  o.tp_overlap = m_opt.tp_overlap ? *m_opt.tp_overlap : m_stack->tp_overlap;
  o.devices_per_node = m_cluster.devices_per_node;
  o.global_batch = m_cluster.global_batch;
  o.moe_imbalance = m_model.moe.enabled() ? m_constants->value("moe_imbalance", s) : 1;
  return o;
}

TrainingLedger TrainingModel::ledger(const Plan& p0, const Scenario& s) const {
  Plan p = p0;
  p.dp = m_cluster.devices / std::max(1, p.tp * p.pp * p.cp);
  return build_training_ledger(m_model, m_params, p, *m_stack, ledger_options(s));
}

namespace {
struct ScenarioCost {
  TrainingCost cost;
  double tdp = 0;
};
}  // namespace

double TrainingModel::step_seconds(const Plan& p, const Scenario& s) const {
  if (!m_missing.empty() || !valid(p)) return std::numeric_limits<double>::quiet_NaN();
  const LedgerOptions lo = ledger_options(s);
  const Hardware hw(*m_platform, s, m_constants, m_stack, lo.moe_dispatcher == MoeDispatcher::deepep);
  Plan q = p;
  q.dp = m_cluster.devices / std::max(1, p.tp * p.pp * p.cp);
  const TrainingCost c =
      cost_training(build_training_ledger(m_model, m_params, q, *m_stack, lo), hw, m_dtype, kernel_overlap());
  return c.ok ? c.step : std::numeric_limits<double>::quiet_NaN();
}

StepEstimate TrainingModel::evaluate(const Plan& p) const { return evaluate_with(p, false); }
StepEstimate TrainingModel::estimate(const Plan& p) const { return evaluate_with(p, m_opt.mc.samples > 0); }

StepEstimate TrainingModel::evaluate_with(const Plan& p0, bool monte_carlo) const {
  StepEstimate r;
  r.plan = p0;
  r.plan.dp = m_cluster.devices / std::max(1, p0.tp * p0.pp * p0.cp);
  r.stack = m_stack->name;
  const Plan& p = r.plan;
  if (!m_missing.empty()) {
    r.reason = m_missing;
    return r;
  }
  if (!valid(p0, &r.reason)) return r;

  const ModelSpec& m = m_model;
  const double B = m_cluster.global_batch;
  r.micro_batches = int(B / (double(p.mbs) * p.dp));
  r.memory = memory(p);
  r.fits = r.memory.total <= r.memory.usable;
  r.model_flops = model_flops(m, B);
  r.hardware_flops = hardware_flops(m, B, p.recompute);
  r.peak_dtype = m_dtype;

  auto run = [&](const Scenario& s) {
    ScenarioCost sc;
    const LedgerOptions lo = ledger_options(s);
    const Hardware hw(*m_platform, s, m_constants, m_stack, lo.moe_dispatcher == MoeDispatcher::deepep);
    const TrainingLedger L = build_training_ledger(m_model, m_params, p, *m_stack, lo);
    sc.cost = cost_training(L, hw, m_dtype, kernel_overlap());
    sc.tdp = hw.tdp();
    return sc;
  };
  const ScenarioCost nom = run(Scenario::nominal());
  if (!nom.cost.ok) {
    r.reason = nom.cost.reason.find("interconnect") != std::string::npos
                   ? "interconnect bandwidth needed by this plan is unknown on " + m_platform->name
                   : nom.cost.reason;
    return r;
  }
  r.nominal_step = nom.cost.step;
  r.parts = nom.cost.parts;
  r.kernels_per_step =
      int(build_training_ledger(m_model, m_params, p, *m_stack, ledger_options(Scenario::nominal()))
              .kernels.size());

  const double devices = m_cluster.devices;
  const double tokens = B * m.seq_len;
  // Samples of every reported figure; without the Monte Carlo, the nominal scenario alone.
  std::vector<double> step, mfu, hfu, tps, energy;
  std::array<std::vector<double>, 12> legacy;
  auto take = [&](const ScenarioCost& sc) {
    const TrainingCost& c = sc.cost;
    const double st = c.ok ? c.step : std::numeric_limits<double>::quiet_NaN();
    step.push_back(st);
    mfu.push_back(utilization(r.model_flops, st, c.peak * devices));
    hfu.push_back(utilization(r.hardware_flops, st, c.peak * devices));
    tps.push_back(tokens / st);
    energy.push_back(sc.tdp * st * devices);
    const double v[12] = {c.compute, c.memory,  c.launch, c.recompute, c.tp_comm, c.ep_comm,
                          c.pp_comm, c.dp_comm, c.bubble, c.optimizer, c.cp_comm, 0};
    for (int i = 0; i < 12; ++i) legacy[i].push_back(v[i]);
  };
  if (!monte_carlo) {
    take(nom);
  } else {
    for (int i = 0; i < m_opt.mc.samples; ++i) take(run(Scenario::sample(m_opt.mc.seed, i)));
  }
  auto iv = [](const std::vector<double>& v) {
    const auto [p5, median, p95] = sample_quantiles(v, std::array<double, 3>{0.05, 0.5, 0.95});
    return Range{p5, median, p95};
  };
  double fast = nom.cost.step, slow = nom.cost.step;
  if (monte_carlo) {
    const ScenarioCost f = run(Scenario::fast()), sl = run(Scenario::slow());
    if (f.cost.ok) fast = f.cost.step;
    if (sl.cost.ok) slow = sl.cost.step;
  }
  r.step = summarize(nom.cost.step, step, fast, slow, m_opt.mc.seed);
  r.step_seconds = r.step.interval();
  r.mfu = iv(mfu);
  r.hfu = iv(hfu);
  r.tokens_per_second = iv(tps);
  r.energy_joules = iv(energy);
  r.compute_seconds = iv(legacy[0]);
  r.memory_seconds = iv(legacy[1]);
  r.launch_seconds = iv(legacy[2]);
  r.recompute_seconds = iv(legacy[3]);
  r.tp_comm_seconds = iv(legacy[4]);
  r.ep_comm_seconds = iv(legacy[5]);
  r.pp_comm_seconds = iv(legacy[6]);
  r.dp_comm_seconds = iv(legacy[7]);
  r.bubble_seconds = iv(legacy[8]);
  r.optimizer_seconds = iv(legacy[9]);
  r.cp_comm_seconds = iv(legacy[10]);
  r.ok = r.step.ok && std::isfinite(r.step_seconds.nominal);
  if (!r.ok && r.reason.empty()) r.reason = "no Monte Carlo sample could be projected";
  if (r.ok && !r.fits) r.reason = "does not fit in memory";
  return r;
}

std::optional<std::string> find_model_file(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  const std::string& m = name_or_path;
  if (fs::exists(m)) return m;
  const std::string share = paths().share("", "model '" + m + "' (not a file here)");
  const std::string models = paths().models_dir();
  for (const std::string& c : {share + m, models + "/" + m, models + "/" + m + ".yaml"})
    if (fs::exists(c)) return c;
  return std::nullopt;
}

}  // namespace xpb
