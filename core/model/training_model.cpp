// core/model/training_model.cpp — FLOPs, memory and step time of transformer training under a plan.
// Sections: model loading, parameter and FLOP counts, plans, the per-plan cost model. Formulas and
// their sources are in docs/projection.md; this file states only choices the formulas leave open.
#include "core/model/training_model.hpp"

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <sstream>

#include "core/base/input_schema.hpp"
#include "core/base/paths.hpp"
#include "core/base/yaml_util.hpp"
#include "core/model/projector.hpp"

namespace xpb {

// ================================================================================================
// Model loading

std::string_view to_string(FfnType f) { return f == FfnType::swiglu ? "swiglu" : "gelu"; }

std::string_view to_string(Recompute r) {
  switch (r) {
    case Recompute::none: return "none";
    case Recompute::selective: return "selective";
    case Recompute::full: return "full";
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
         optional("shared", integer("shared experts every token passes through").range(0, 1 << 30)
                                .fallback(std::int64_t{0})),
         optional("first_dense_layers", integer("leading layers with a dense MLP instead of experts")
                                            .range(0, 1 << 30).fallback(std::int64_t{0})),
         optional("capacity_factor", number("tokens an expert processes relative to perfect balance")
                                         .above(0).fallback(1.0))},
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
         optional("ffn_type", choice({"gelu", "swiglu"}, "MLP form: gelu (2 GEMMs) or swiglu (3 GEMMs)")
                                  .noun_text("ffn_type")
                                  .hint_text("use gelu (2 GEMMs) or swiglu (3 GEMMs)")
                                  .fallback(std::string("gelu"))),
         required("vocab", positive("vocabulary size (V)")),
         required("seq_len", positive("sequence length (s)")),
         optional("tied_embeddings", boolean("output layer shares the token embedding").fallback(true)),
         optional("learned_positions", boolean("an s·h position table (GPT-2/3, Megatron)").fallback(false)),
         optional("biases", boolean("linear and layer-norm biases (Narayanan Eq. 2 counts them)").fallback(false)),
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
  m.ffn_type = v["ffn_type"].str() == "swiglu" ? FfnType::swiglu : FfnType::gelu;
  m.ffn = v.has("ffn") ? v["ffn"].number() : 4.0 * m.hidden;
  m.tied_embeddings = v["tied_embeddings"].boolean();
  m.learned_positions = v["learned_positions"].boolean();
  m.biases = v["biases"].boolean();
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
  c.total = c.dense_layers * per_dense +
            c.moe_layers * (moe_common + double(m.moe.experts) * c.expert) + c.embedding;
  c.active = c.dense_layers * per_dense +
             c.moe_layers * (moe_common + double(m.moe.active) * c.expert) + c.embedding;
  return c;
}

double narayanan_params(double l, double h, double V, double s) {
  return 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h));
}

double narayanan_flops(double B, double s, double l, double h, double V) {
  return 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}

namespace {

// Forward FLOPs per token of one layer's parts.
struct LayerFlops {
  double attn_gemm = 0;  // QKV and output projection
  double attn_core = 0;  // QK^T and AV, full (non-causal) cost
  double mlp = 0;        // dense MLP, or router + active + shared experts
};

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

}  // namespace

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
  return model_flops(m, batch) + extra * batch * m.seq_len;
}

// ================================================================================================
// Plans

std::string to_string(const Plan& p) {
  std::ostringstream o;
  o << "tp=" << p.tp << ",pp=" << p.pp << ",dp=" << p.dp << ",ep=" << p.ep << ",mbs=" << p.mbs
    << ",interleave=" << p.interleave << ",recompute=" << to_string(p.recompute)
    << ",seqpar=" << (p.seqpar ? "on" : "off") << ",zero=" << p.zero
    << ",dp_overlap=" << (p.dp_overlap ? "on" : "off");
  return o.str();
}

Plan parse_plan(const std::string& text, const Plan& defaults) {
  Plan p = defaults;
  p.dp = 0;  // derived unless given
  const std::vector<std::string> keys = {"tp", "pp", "dp", "ep", "mbs", "interleave",
                                         "recompute", "seqpar", "zero", "dp_overlap"};
  std::stringstream ss(text);
  std::string item;
  const std::string hint =
      "--plan tp=8,pp=4,mbs=1,interleave=2,recompute=full|selective|none,seqpar=on|off,zero=0|1|3";
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw Error(Where{"", 0, "--plan"}, "'" + item + "' is not key=value", hint);
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
    if (k == "tp") p.tp = as_int();
    else if (k == "pp") p.pp = as_int();
    else if (k == "dp") p.dp = as_int();
    else if (k == "ep") p.ep = as_int();
    else if (k == "mbs") p.mbs = as_int();
    else if (k == "interleave") p.interleave = as_int();
    else if (k == "zero") p.zero = as_int();
    else if (k == "seqpar") p.seqpar = as_onoff();
    else if (k == "dp_overlap") p.dp_overlap = as_onoff();
    else if (k == "recompute") {
      if (v == "none") p.recompute = Recompute::none;
      else if (v == "selective") p.recompute = Recompute::selective;
      else if (v == "full") p.recompute = Recompute::full;
      else throw Error(Where{"", 0, "--plan.recompute"}, "'" + v + "' is not none, selective or full", hint);
    } else {
      const std::string near = closest_match(k, keys);
      throw Error(Where{"", 0, "--plan"}, "unknown plan key '" + k + "'",
                  near.empty() ? hint : "did you mean '" + near + "'?");
    }
  }
  for (int x : {p.tp, p.pp, p.ep, p.mbs, p.interleave})
    if (x < 1) throw Error(Where{"", 0, "--plan"}, "tp, pp, ep, mbs and interleave must be >= 1", hint);
  if (p.zero != 0 && p.zero != 1 && p.zero != 3)
    throw Error(Where{"", 0, "--plan.zero"}, "zero must be 0, 1 or 3", hint);
  return p;
}

// ================================================================================================
// The cost model

namespace {
constexpr double kAct = 2;          // bytes per activation element (bf16/fp16)
constexpr double kOptimizerBytes = 12;   // fp32 master weights, Adam m and v
constexpr double kOptimizerTraffic = 30; // bytes moved per parameter by one Adam step
}  // namespace

namespace {
// Parameters held by one device of the most loaded pipeline stage (which also holds an
// embedding table), split into non-expert and expert parameters (before any ZeRO sharding).
void stage_params(const ModelSpec& m, const ParamCount& c, const Plan& p, double& nonexpert,
                  double& expert) {
  const double t = p.tp;
  const int lps = (m.layers + p.pp - 1) / p.pp;
  const double moe_frac = double(c.moe_layers) / m.layers;
  nonexpert = lps * (c.attention + c.norms + (1 - moe_frac) * c.dense_mlp +
                     moe_frac * (c.router + m.moe.shared * c.expert)) / t +
              (p.pp == 1 ? c.embedding : double(m.vocab) * m.hidden) / t;
  expert = lps * moe_frac * m.moe.experts * c.expert / (p.ep * t);
}
}  // namespace

struct TrainingModel::Acc {
  Range compute, memory, launch, tp, ep;
  Range total() const { return compute + memory + launch + tp + ep; }
  Range gemm_compute;  // compute-bound GEMM time (for overlap windows)
};

TrainingModel::TrainingModel(ModelSpec model, const Platform& platform, Cluster cluster,
                             TrainOptions opt)
    : m_model(std::move(model)), m_platform(&platform), m_cluster(cluster), m_opt(opt) {
  if (m_cluster.devices_per_node <= 0) m_cluster.devices_per_node = std::max(1, platform.devices_per_node);
  if (m_cluster.global_batch <= 0) m_cluster.global_batch = m_model.global_batch;
  m_dtype = m_opt.dtype ? *m_opt.dtype : m_model.dtype;
  m_params = count_params(m_model);
  m_net = network_model(platform);

  auto it = platform.peak.find(m_dtype);
  if (it != platform.peak.end() && it->second.status == PeakStatus::known &&
      it->second.flops.present && it->second.flops.value.low > 0) {
    m_peak = it->second.flops.value;
    m_peak_ok = true;
  } else {
    const bool unsupported = it != platform.peak.end() && it->second.status == PeakStatus::unsupported;
    m_missing = std::string(to_string(m_dtype)) + " peak is " +
                (unsupported ? "unsupported" : "unknown") + " on " + platform.name;
  }
  if (platform.memory_bandwidth.present && platform.memory_bandwidth.value.low > 0) {
    const Range eff = platform.efficiency.memory_bandwidth.present
                          ? platform.efficiency.memory_bandwidth.value
                          : Range::exact(1.0);
    m_bw = mul(platform.memory_bandwidth.value, eff);
    m_bw_ok = true;
  } else if (m_missing.empty()) {
    m_missing = "memory bandwidth is unknown on " + platform.name;
  }
  if (!platform.memory_capacity.present && m_missing.empty())
    m_missing = "memory capacity is unknown on " + platform.name;
  m_capacity = platform.memory_capacity.value;
  m_launch = platform.launch_overhead.present ? platform.launch_overhead.value : Range{};
  m_tdp = platform.tdp.present ? platform.tdp.value : Range{};
  if (m_cluster.global_batch <= 0 && m_missing.empty())
    m_missing = "no global batch: the model file gives none (pass --global-batch)";
}

void TrainingModel::add_gemm(Acc& a, double flops, double bytes, double count) const {
  if (count <= 0) return;
  const Range eff = m_platform->gemm_efficiency(flops, m_dtype);
  const Range c = divide(flops, mul(m_peak, eff.low > 0 ? eff : Range::exact(1.0)));
  const Range m = divide(bytes, m_bw);
  if (!m_opt.overlap) {
    a.compute = a.compute + c * count;
    a.memory = a.memory + m * count;
    a.gemm_compute = a.gemm_compute + c * count;
  } else if (c.nominal >= m.nominal) {
    a.compute = a.compute + max(c, m) * count;
    a.gemm_compute = a.gemm_compute + max(c, m) * count;
  } else {
    a.memory = a.memory + max(c, m) * count;
  }
  a.launch = a.launch + m_launch * count;
}

void TrainingModel::add_vector(Acc& a, double bytes, double count) const {
  if (count <= 0) return;
  a.memory = a.memory + divide(bytes * count, m_bw);
  a.launch = a.launch + m_launch * count;
}

// One layer, one micro-batch, on one device. pass: 0 forward, 1 backward, 2 full-recompute
// forward, 3 selective recompute (attention core only).
void TrainingModel::layer_pass(Acc& a, const Plan& p, bool moe_layer, int pass) const {
  const ModelSpec& m = m_model;
  const double T = double(p.mbs) * m.seq_len;  // tokens of one micro-batch
  const double t = p.tp, s = m.seq_len, h = m.hidden;
  const double hq = double(m.heads) * m.head_dim, hkv = double(m.kv_heads) * m.head_dim;
  const double e = dtype_bytes(m_dtype) < kAct ? dtype_bytes(m_dtype) : kAct;  // GEMM operands
  const double sp = p.seqpar ? t : 1;
  const double gemms = pass == 1 ? 2 : 1;  // backward: data and weight gradients
  const double vec = pass == 1 ? 2 : 1;    // backward element-wise traffic ≈ 2× forward
  const bool core_only = pass == 3;

  // Attention core: QK^T and AV. Causal kernels (flash) skip the masked half.
  const double core = 4.0 * T * s * hq / t;
  if (m_opt.flash_attention) {
    const double bwd = pass == 1 ? 2.5 : 1;  // flash backward recomputes the scores
    if (!core_only) add_gemm(a, core / 2 * bwd, e * T * (2 * hq + 2 * hkv) / t * vec, 1);
  } else {
    const double scores = T * s * m.heads / t;  // score elements
    add_gemm(a, core / 2, e * T * (hq + hkv) / t + kAct * scores, gemms);
    add_gemm(a, core / 2, kAct * scores + e * T * (hkv + hq) / t, gemms);
    add_vector(a, 9 * scores * vec, 1);  // scale+mask+softmax (r/w) and dropout (r/w + mask)
  }
  if (core_only) return;

  // QKV and output projection.
  add_gemm(a, 2 * T * h * (hq + 2 * hkv) / t, e * (T * h + h * (hq + 2 * hkv) / t + T * (hq + 2 * hkv) / t), gemms);
  add_gemm(a, 2 * T * hq * h / t, e * (T * hq / t + hq * h / t + T * h), gemms);
  // Two norms and two residual dropout-adds per layer: ~11 bytes per hidden element each.
  add_vector(a, 22 * T * h / sp * vec, 4);

  // TP: one all-reduce after attention and one after the MLP (or RS+AG with sequence parallel).
  if (p.tp > 1) {
    bool ok = true;
    const int per_node = std::min(p.tp, m_cluster.devices_per_node);
    const double buf = kAct * T * h;
    Range c = p.seqpar ? collective_time(Collective::reduce_scatter, buf, p.tp, per_node, m_net, ok) +
                             collective_time(Collective::all_gather, buf, p.tp, per_node, m_net, ok)
                       : collective_time(Collective::all_reduce, buf, p.tp, per_node, m_net, ok);
    a.tp = a.tp + c * 2;
  }

  const double g = m.ffn_type == FfnType::swiglu ? 2 : 1;  // input-side GEMMs (gate + up)
  auto mlp = [&](double tokens, double f, double count) {
    add_gemm(a, 2 * tokens * h * f * g / t, e * (tokens * h + h * f * g / t + tokens * f * g / t), gemms * count);
    add_vector(a, kAct * tokens * f * (g + 1) / t * vec, count);
    add_gemm(a, 2 * tokens * f / t * h, e * (tokens * f / t + f * h / t + tokens * h), gemms * count);
  };
  if (!moe_layer) {
    mlp(T, m.ffn, 1);
    return;
  }
  // MoE: router, dispatch/combine all-to-all over the EP group, local experts, shared experts.
  const double E = m.moe.experts;
  add_gemm(a, 2 * T * h * E, e * (T * h + h * E) + 4 * T * E, gemms);
  const double routed = T * m.moe.active * m.moe.capacity_factor;  // token copies leaving a device
  if (p.ep > 1) {
    bool ok = true;
    const int per_node = std::max(1, std::min(p.ep, m_cluster.devices_per_node / std::max(1, p.tp)));
    a.ep = a.ep + collective_time(Collective::all_to_all, kAct * routed * h / sp, p.ep, per_node, m_net, ok) * 2;
  }
  const double local = E / p.ep;
  mlp(routed / local, m.moe.ffn, local);  // each local expert sees routed/local tokens
  if (m.moe.shared > 0) mlp(T, m.moe.ffn * m.moe.shared, 1);
}

bool TrainingModel::valid(const Plan& p, std::string* why) const {
  auto no = [&](std::string s) {
    if (why) *why = std::move(s);
    return false;
  };
  const ModelSpec& m = m_model;
  const int n = m_cluster.devices;
  if (p.tp < 1 || p.pp < 1 || p.ep < 1 || p.mbs < 1 || p.interleave < 1) return no("plan sizes must be >= 1");
  if (n % (p.tp * p.pp) != 0) return no("tp·pp does not divide the device count");
  const int dp = n / (p.tp * p.pp);
  if (p.dp != 0 && p.dp != dp) return no("dp must be devices/(tp·pp) = " + std::to_string(dp));
  if (m.heads % p.tp != 0) return no("tp does not divide the attention heads");
  if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0) return no("tp does not split the kv heads");
  if (p.pp > m.layers) return no("more pipeline stages than layers");
  if (p.interleave > 1 && (p.pp == 1 || p.pp * p.interleave > m.layers))
    return no("interleaving needs pp > 1 and at least one layer per model chunk");
  if (p.seqpar && p.tp == 1) return no("sequence parallelism needs tp > 1");
  if (p.zero != 0 && p.zero != 1 && p.zero != 3) return no("zero must be 0, 1 or 3");
  if (p.zero == 3 && p.pp > 1) return no("ZeRO-3 is not combined with pipeline parallelism");
  if (!m.moe.enabled() && p.ep != 1) return no("ep > 1 needs a MoE model");
  if (m.moe.enabled() && (m.moe.experts % p.ep != 0 || dp % p.ep != 0))
    return no("ep must divide the experts and dp");
  const double B = m_cluster.global_batch;
  const double per_step = double(p.mbs) * dp;
  if (B <= 0 || std::fmod(B, per_step) != 0) return no("mbs·dp does not divide the global batch");
  return true;
}

MemoryEstimate TrainingModel::memory(const Plan& p0) const {
  Plan p = p0;
  const ModelSpec& m = m_model;
  p.dp = m_cluster.devices / std::max(1, p.tp * p.pp);
  const int dp = std::max(1, p.dp);
  const double t = p.tp, h = m.hidden, s = m.seq_len, T = double(p.mbs) * s;
  const double hq = double(m.heads) * m.head_dim, hkv = double(m.kv_heads) * m.head_dim;
  const double sp = p.seqpar ? t : 1;
  const int lps = (m.layers + p.pp - 1) / p.pp;  // layers on the most loaded stage
  const double moe_frac = double(m_params.moe_layers) / m.layers;

  const double layer_common = m_params.attention + m_params.norms;
  double nonexpert = 0, expert = 0;
  stage_params(m, m_params, p, nonexpert, expert);
  const double edp = std::max(1, dp / p.ep);  // replicas of one expert

  MemoryEstimate r;
  const double w = kAct, gb = m_opt.grad_bytes;
  if (p.zero == 3) {
    r.weights = (nonexpert / dp + expert / edp) * w;
    r.gradients = (nonexpert / dp + expert / edp) * gb;
    r.optimizer = (nonexpert / dp + expert / edp) * kOptimizerBytes;
    r.weights += 2 * (layer_common + m_params.dense_mlp) / t * w;  // gathered working layers
  } else {
    r.weights = (nonexpert + expert) * w;
    r.gradients = (nonexpert + expert) * gb;
    r.optimizer = p.zero == 1 ? (nonexpert / dp + expert / edp) * kOptimizerBytes
                              : (nonexpert + expert) * kOptimizerBytes;
  }

  // Activations per layer and micro-batch (Korthikanti et al. 2022 §4, generalised per tensor):
  // replicated across TP unless sequence parallel: norm inputs, QKV/MLP inputs, dropout masks.
  const double f = m.ffn;
  const double mlp_split = (m.ffn_type == FfnType::swiglu ? 6 : 4) * f;
  const double moe_split = m.moe.enabled()
      ? m.moe.active * m.moe.capacity_factor * (2 * h + (m.ffn_type == FfnType::swiglu ? 6 : 4) * m.moe.ffn) +
        m.moe.shared * (m.ffn_type == FfnType::swiglu ? 6 : 4) * m.moe.ffn
      : 0;
  const double replicated = 10 * h;
  const double split_attn = 2 * (hq + 2 * hkv) + 2 * hq;
  const double scores = m_opt.flash_attention ? 0 : 5.0 * m.heads * s;
  const double split_mlp = (1 - moe_frac) * mlp_split + moe_frac * moe_split;
  const double full_layer = T * (replicated / sp + (split_attn + split_mlp + scores) / t);
  double per_layer = full_layer;
  if (p.recompute == Recompute::selective) per_layer = full_layer - T * scores / t;
  if (p.recompute == Recompute::full) per_layer = kAct * T * h / sp;

  const int mbs_per_step = int(m_cluster.global_batch / (double(p.mbs) * dp));
  const double inflight = std::max(1, std::min(p.pp, mbs_per_step));
  const double interleave = p.interleave > 1 ? 1 + double(p.pp - 1) / (p.pp * p.interleave) : 1;
  r.activations = lps * per_layer * inflight * interleave;
  if (p.recompute == Recompute::full) r.activations += full_layer;  // one layer being recomputed
  r.activations += T * m.vocab / t * (4 + kAct);  // fp32 logits and their gradient (last stage)

  r.total = r.weights + r.gradients + r.optimizer + r.activations;
  r.capacity = m_capacity.nominal;
  r.usable = r.capacity * (1 - m_opt.memory_headroom);
  return r;
}

TrainingModel::Acc TrainingModel::stage_pass(const Plan& p, int pass) const {
  const ModelSpec& m = m_model;
  const int lps = (m.layers + p.pp - 1) / p.pp;
  const double moe_frac = double(m_params.moe_layers) / m.layers;
  const double dense_layers = lps * (1 - moe_frac), moe_layers = lps * moe_frac;
  Acc d, e;
  if (dense_layers > 0) layer_pass(d, p, false, pass);
  if (moe_layers > 0) layer_pass(e, p, true, pass);
  Acc s;
  s.compute = d.compute * dense_layers + e.compute * moe_layers;
  s.memory = d.memory * dense_layers + e.memory * moe_layers;
  s.launch = d.launch * dense_layers + e.launch * moe_layers;
  s.tp = d.tp * dense_layers + e.tp * moe_layers;
  s.ep = d.ep * dense_layers + e.ep * moe_layers;
  s.gemm_compute = d.gemm_compute * dense_layers + e.gemm_compute * moe_layers;
  // Output layer and loss on the last stage (the critical one: it also holds the most layers).
  const double T = double(p.mbs) * m.seq_len;
  const double e_b = std::min(dtype_bytes(m_dtype), kAct);
  if (pass <= 1) {
    add_gemm(s, 2 * T * m.hidden * m.vocab / p.tp,
             e_b * (T * m.hidden + double(m.hidden) * m.vocab / p.tp + T * m.vocab / p.tp),
             pass == 1 ? 2 : 1);
    add_vector(s, T * m.vocab / p.tp * (kAct + 4), 1);  // softmax / cross-entropy in fp32
  }
  return s;
}

TrainingModel::Acc TrainingModel::recompute_pass(const Plan& p) const {
  Acc rec;
  if (p.recompute == Recompute::full) return stage_pass(p, 2);
  if (p.recompute == Recompute::selective && !m_opt.flash_attention) {
    const int lps = (m_model.layers + p.pp - 1) / p.pp;
    Acc d;
    layer_pass(d, p, false, 3);
    rec.compute = d.compute * double(lps);
    rec.memory = d.memory * double(lps);
    rec.launch = d.launch * double(lps);
  }
  return rec;
}

// Activations out and gradients back, per model chunk.
Range TrainingModel::pipeline_p2p(const Plan& p, bool& net_ok) const {
  if (p.pp <= 1) return {};
  const double msg = kAct * double(p.mbs) * m_model.seq_len * m_model.hidden / (p.tp > 1 ? p.tp : 1);
  const bool inter = p.tp * p.dp >= m_cluster.devices_per_node;
  const Range one = inter ? collective_time(Collective::p2p, msg, 2, 1, m_net, net_ok)
                          : collective_time(Collective::p2p, msg, 2, 2, m_net, net_ok);
  return one * (2.0 * p.interleave);
}

// Gradients (and ZeRO-3 parameters) of this device's share.
Range TrainingModel::dp_comm(const Plan& p, const Acc& fwd, const Acc& bwd, const Acc& rec, double mb,
                             bool& net_ok) const {
  if (p.dp <= 1) return {};
  double dense_params = 0, expert_params = 0;
  stage_params(m_model, m_params, p, dense_params, expert_params);
  const int per_node = std::max(1, std::min(p.dp, m_cluster.devices_per_node / p.tp));
  const int edp = std::max(1, p.dp / p.ep);
  const int eper_node = std::max(1, std::min(edp, per_node));
  if (p.zero == 3) {
    // Per micro-batch: gather weights for forward and backward, reduce-scatter gradients.
    // Expert parameters are sharded (and gathered) over their own replicas, dp/ep of them.
    Range ag = collective_time(Collective::all_gather, kAct * dense_params, p.dp, per_node, m_net, net_ok);
    Range rs = collective_time(Collective::reduce_scatter, m_opt.grad_bytes * dense_params, p.dp, per_node, m_net, net_ok);
    if (expert_params > 0) {
      ag = ag + collective_time(Collective::all_gather, kAct * expert_params, edp, eper_node, m_net, net_ok);
      rs = rs + collective_time(Collective::reduce_scatter, m_opt.grad_bytes * expert_params, edp, eper_node, m_net, net_ok);
    }
    Range exposed = ag + ag + rs;
    if (p.dp_overlap) {
      auto expose = [](Range x, Range window) {
        return Range{std::max(0.0, x.low - window.low), std::max(0.0, x.nominal - window.nominal),
                     std::max(0.0, x.high - window.high)};
      };
      exposed = expose(ag, fwd.gemm_compute + rec.gemm_compute) + expose(ag + rs, bwd.gemm_compute);
    }
    return exposed * mb;
  }
  Range c = collective_time(Collective::all_reduce, m_opt.grad_bytes * dense_params, p.dp, per_node, m_net, net_ok);
  if (expert_params > 0)
    c = c + collective_time(Collective::all_reduce, m_opt.grad_bytes * expert_params, edp, eper_node, m_net, net_ok);
  if (p.dp_overlap) {  // buckets reduce while the last micro-batch's backward runs
    const Range w = bwd.gemm_compute;
    c = Range{std::max(0.05 * c.low, c.low - w.low), std::max(0.05 * c.nominal, c.nominal - w.nominal),
              std::max(0.05 * c.high, c.high - w.high)};
  }
  return c;
}

StepEstimate TrainingModel::evaluate(const Plan& p0) const {
  StepEstimate r;
  r.plan = p0;
  r.plan.dp = m_cluster.devices / std::max(1, p0.tp * p0.pp);
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

  // One micro-batch through the most loaded stage: forward, backward, recomputation; then the
  // pipeline's bubble and point-to-point traffic.
  bool net_ok = true;
  const Acc fwd = stage_pass(p, 0), bwd = stage_pass(p, 1), rec = recompute_pass(p);
  const Range p2p = pipeline_p2p(p, net_ok);
  const Range per_mb = fwd.total() + bwd.total() + rec.total() + p2p;
  const double mb = r.micro_batches;
  const double bubble_mb = double(p.pp - 1) / p.interleave;
  r.compute_seconds = (fwd.compute + bwd.compute) * mb;
  r.memory_seconds = (fwd.memory + bwd.memory) * mb;
  r.launch_seconds = (fwd.launch + bwd.launch) * mb;
  r.tp_comm_seconds = (fwd.tp + bwd.tp) * mb;
  r.ep_comm_seconds = (fwd.ep + bwd.ep) * mb;
  r.recompute_seconds = rec.total() * mb;
  r.pp_comm_seconds = p2p * mb;
  r.bubble_seconds = per_mb * bubble_mb;
  r.dp_comm_seconds = dp_comm(p, fwd, bwd, rec, mb, net_ok);

  // Optimizer step over the parameters this device updates.
  double dense_params = 0, expert_params = 0;
  stage_params(m, m_params, p, dense_params, expert_params);
  const double edp_all = std::max(1, p.dp / p.ep);
  const double updated = p.zero >= 1 ? dense_params / std::max(1, p.dp) + expert_params / edp_all
                                     : dense_params + expert_params;
  r.optimizer_seconds = divide(kOptimizerTraffic * updated, m_bw) + m_launch * 4.0;

  if (!net_ok) {
    r.reason = "interconnect bandwidth needed by this plan is unknown on " + m_platform->name;
    return r;
  }
  r.step_seconds = r.compute_seconds + r.memory_seconds + r.launch_seconds + r.tp_comm_seconds +
                   r.ep_comm_seconds + r.recompute_seconds + r.pp_comm_seconds + r.bubble_seconds +
                   r.dp_comm_seconds + r.optimizer_seconds;
  const Range peak_all = m_peak * double(m_cluster.devices);
  r.mfu = utilization(r.model_flops, r.step_seconds, peak_all);
  r.hfu = utilization(r.hardware_flops, r.step_seconds, peak_all);
  r.tokens_per_second = divide(B * m.seq_len, r.step_seconds);
  r.energy_joules = mul(r.step_seconds, m_tdp) * double(m_cluster.devices);
  r.ok = true;
  if (!r.fits) r.reason = "does not fit in memory";
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
