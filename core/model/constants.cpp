// core/model/constants.cpp — strict loading of data/model/constants.yaml (see constants.hpp).
// Every required key must be present with a unit of its kind, a confidence and a source; unknown
// keys, inverted ranges and unknown stacks are xpb::Error with file, line and key path.
#include "core/model/constants.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <set>

#include "core/base/build_info.hpp"
#include "core/base/error.hpp"
#include "core/base/sha256.hpp"
#include "core/base/yaml_util.hpp"

namespace xpb {

std::string_view to_string(Fusion f) {
  switch (f) {
    case Fusion::fused: return "fused";
    case Fusion::eager: return "eager";
    case Fusion::compiled: return "compiled";
  }
  return "?";
}

std::string_view to_string(AttentionImpl a) {
  switch (a) {
    case AttentionImpl::standard: return "standard";
    case AttentionImpl::flash2: return "flash2";
    case AttentionImpl::flash3: return "flash3";
  }
  return "?";
}

double ModelConstant::value(const Scenario& s) const {
  if (s.mode() == Scenario::Mode::sample && !group.empty() && !quantity.value.is_exact())
    return s.value(quantity.value, group, dir);
  return draw(quantity, dir, s, "constant:" + key);
}

double draw(const Quantity& q, Dir d, const Scenario& s, std::string_view fallback_group) {
  if (s.mode() != Scenario::Mode::sample || q.value.is_exact()) return s.value(q.value, {}, d);
  // Numbers of one source move together.
  if (!q.source.url.empty()) return s.value(q.value, q.source.url, d);
  if (!q.source.title.empty()) return s.value(q.value, q.source.title, d);
  return s.value(q.value, fallback_group, d);
}

const std::vector<ModelConstants::KeySpec>& ModelConstants::required_keys() {
  static const std::vector<KeySpec> keys = {
      {"kernel_gap", UnitKind::seconds, Dir::slower, "GPU idle time per dependent kernel launch"},
      {"elementwise_bandwidth", UnitKind::fraction, Dir::faster,
       "fraction of STREAM bandwidth element-wise kernels reach"},
      {"attention_flash2_ampere_fwd", UnitKind::fraction, Dir::faster, "FA2 forward / best GEMM efficiency, Ampere"},
      {"attention_flash2_ampere_bwd", UnitKind::fraction, Dir::faster, "FA2 backward / best GEMM efficiency, Ampere"},
      {"attention_flash2_hopper_fwd", UnitKind::fraction, Dir::faster, "FA2 forward / best GEMM efficiency, Hopper"},
      {"attention_flash2_hopper_bwd", UnitKind::fraction, Dir::faster, "FA2 backward / best GEMM efficiency, Hopper"},
      {"attention_flash3_hopper_fwd", UnitKind::fraction, Dir::faster, "FA3/cuDNN forward / best GEMM efficiency"},
      {"attention_flash3_hopper_bwd", UnitKind::fraction, Dir::faster, "FA3/cuDNN backward / best GEMM efficiency"},
      {"attention_flash_other_fwd", UnitKind::fraction, Dir::faster, "flash forward, unmeasured architectures"},
      {"attention_flash_other_bwd", UnitKind::fraction, Dir::faster, "flash backward, unmeasured architectures"},
      {"grouped_gemm", UnitKind::fraction, Dir::faster, "grouped expert GEMM / dense GEMM efficiency"},
      {"moe_imbalance", UnitKind::count, Dir::slower, "most loaded EP rank's tokens over the mean"},
      {"a2a_bus_nccl_intra", UnitKind::fraction, Dir::faster, "NCCL all-to-all bus fraction, intra-node"},
      {"a2a_bus_nccl_inter", UnitKind::fraction, Dir::faster, "NCCL all-to-all bus fraction, inter-node"},
      {"a2a_bus_deepep_intra", UnitKind::fraction, Dir::faster, "DeepEP all-to-all bus fraction, intra-node"},
      {"a2a_bus_deepep_inter", UnitKind::fraction, Dir::faster, "DeepEP all-to-all bus fraction, inter-node"},
      {"inter_node_bus", UnitKind::fraction, Dir::faster, "NCCL bus fraction of the NIC line rate"},
      {"overlap_contention", UnitKind::fraction, Dir::slower, "compute slowdown beside a running collective"},
      {"step_fixed", UnitKind::seconds, Dir::slower, "per-step host-side cost outside the kernels"},
      {"memory_reserved", UnitKind::fraction, Dir::slower, "device memory unavailable to tensors"},
  };
  return keys;
}

const ModelConstant& ModelConstants::at(const std::string& key) const {
  auto it = m_constants.find(key);
  XPB_ASSERT(it != m_constants.end(), ("model constant missing: " + key).c_str());
  return it->second;
}

const StackProfile& ModelConstants::stack(const std::string& name) const {
  auto it = m_stacks.find(name);
  if (it == m_stacks.end()) {
    const std::vector<std::string> names = stack_names();
    const std::string m = closest_match(name, names);
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    throw Error(Where{path, 0, "stack"}, "unknown software stack '" + name + "'",
                m.empty() ? "stacks: " + all : "did you mean '" + m + "'?");
  }
  return it->second;
}

std::vector<std::string> ModelConstants::stack_names() const {
  std::vector<std::string> v;
  for (const auto& kv : m_stacks) v.push_back(kv.first);
  return v;
}

ModelConstants ModelConstants::without_family(const std::string& family) const {
  ModelConstants c = *this;
  for (auto& [key, k] : c.m_constants)
    if (std::find(k.in_sample_of.begin(), k.in_sample_of.end(), family) != k.in_sample_of.end()) {
      k.quantity.value = k.out_of_family;
      k.quantity.derivation = k.out_of_family_derivation;
      k.group = "out-of-family:" + key;
    }
  for (auto& [name, st] : c.m_stacks) st.step_fixed = c.m_constants.at("step_fixed");
  return c;
}

const GenerationFacts& ModelConstants::generation_of(const std::string& platform) const {
  for (const auto& [name, g] : m_generations)
    for (const auto& p : g.platforms)
      if (p == platform) return g;
  auto it = m_generations.find("unknown");
  XPB_ASSERT(it != m_generations.end(), "constants file has no 'unknown' generation");
  return it->second;
}

// ================================================================================================
// Loading

namespace {

class Loader {
 public:
  Loader(std::string file) : m_file(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& msg,
                         const std::string& hint = {}) const {
    throw Error(yaml::where(m_file, n, key), msg, hint);
  }

  std::string str(const YAML::Node& n, const std::string& key) const { return yaml::as_string(n, m_file, key); }

  Source source_map(const YAML::Node& n, const std::string& key) const {
    yaml::require_map(n, m_file, key);
    yaml::check_keys(n, {"url", "title", "date"}, m_file, key);
    if (!n["title"] || !n["date"]) fail(n, key, "a source needs title and date (and url)");
    Source s;
    if (n["url"]) s.url = str(n["url"], yaml::join_key(key, "url"));
    s.title = str(n["title"], yaml::join_key(key, "title"));
    s.date = str(n["date"], yaml::join_key(key, "date"));
    return s;
  }

  void read_sources(const YAML::Node& n) {
    yaml::require_map(n, m_file, "sources");
    for (const auto& kv : n) {
      const std::string id = kv.first.Scalar();
      if (m_sources.count(id)) fail(kv.first, "sources." + id, "duplicate source id '" + id + "'");
      m_sources[id] = source_map(kv.second, "sources." + id);
    }
  }

  Source source(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) {
      auto it = m_sources.find(n.Scalar());
      if (it != m_sources.end()) return it->second;
      std::vector<std::string> ids;
      for (const auto& kv : m_sources) ids.push_back(kv.first);
      const std::string m = closest_match(n.Scalar(), ids);
      fail(n, key, "unknown source '" + n.Scalar() + "'", m.empty() ? "define it under 'sources:'" : "did you mean '" + m + "'?");
    }
    return source_map(n, key);
  }

  // Units of the constants file: seconds, fractions, counts/factors.
  double unit_factor_of(const YAML::Node& n, const std::string& key, UnitKind kind) const {
    const std::string u = str(n, key);
    if (kind == UnitKind::count && (u == "factor" || u == "count")) return 1;
    if (kind != UnitKind::count)
      if (auto f = unit_factor(kind, u)) return *f;
    std::string all;
    for (const auto& s : unit_names(kind)) all += (all.empty() ? "" : " ") + s;
    if (kind == UnitKind::count) all = "factor count";
    fail(n, key, "unit '" + u + "' does not fit this number", "one of: " + all);
  }

  ModelConstant constant(const YAML::Node& n, const std::string& key, UnitKind kind, Dir dir,
                         bool fraction_bounded) const {
    if (!n.IsMap()) fail(n, key, "expected {value | low, nominal, high, unit, confidence, source}");
    yaml::check_keys(n, {"value", "low", "nominal", "high", "unit", "confidence", "source", "derivation", "note", "group",
                         "in_sample_of", "out_of_family"},
                     m_file, key);
    ModelConstant c;
    c.key = key;
    c.dir = dir;
    Quantity& q = c.quantity;
    q.present = true;
    q.line = yaml::line_of(n);
    if (!n["unit"]) fail(n, key, "missing 'unit'");
    const double f = unit_factor_of(n["unit"], yaml::join_key(key, "unit"), kind);
    const bool has_value = static_cast<bool>(n["value"]);
    const bool has_range = n["low"] || n["nominal"] || n["high"];
    if (has_value == has_range) fail(n, key, "give either 'value' or all of 'low', 'nominal', 'high'");
    auto num = [&](const char* k) { return yaml::as_number(n[k], m_file, yaml::join_key(key, k)) * f; };
    if (has_value) {
      q.value = Range::exact(num("value"));
    } else {
      if (!n["low"] || !n["nominal"] || !n["high"]) fail(n, key, "a range needs low, nominal and high");
      q.value = {num("low"), num("nominal"), num("high")};
      if (!q.value.valid()) fail(n, key, "range is not ordered: low <= nominal <= high is required");
    }
    if (fraction_bounded && (q.value.low <= 0 || q.value.high > 1))
      fail(n, key, "a fraction must lie in (0, 1]");
    if (!fraction_bounded && q.value.low < 0) fail(n, key, "must not be negative");
    if (!n["confidence"]) fail(n, key, "missing 'confidence'");
    const std::string conf = str(n["confidence"], yaml::join_key(key, "confidence"));
    auto cc = parse_confidence(conf);
    if (!cc) fail(n["confidence"], yaml::join_key(key, "confidence"), "unknown confidence '" + conf + "'",
                  "measured, official, reported or estimated");
    q.confidence = *cc;
    if (!n["source"]) fail(n, key, "missing 'source'");
    q.source = source(n["source"], yaml::join_key(key, "source"));
    if (n["derivation"]) q.derivation = str(n["derivation"], yaml::join_key(key, "derivation"));
    if (q.confidence == Confidence::estimated && q.derivation.empty())
      fail(n, key, "an estimated number needs a 'derivation'");
    if (n["note"]) q.note = str(n["note"], yaml::join_key(key, "note"));
    if (n["group"]) c.group = str(n["group"], yaml::join_key(key, "group"));
    if (n["in_sample_of"]) {
      for (const auto& f : n["in_sample_of"]) c.in_sample_of.push_back(str(f, yaml::join_key(key, "in_sample_of")));
      const YAML::Node o = n["out_of_family"];
      const std::string ok = yaml::join_key(key, "out_of_family");
      if (!o) fail(n, key, "a number with in_sample_of needs out_of_family: {low, nominal, high, derivation}");
      yaml::check_keys(o, {"low", "nominal", "high", "derivation"}, m_file, ok);
      if (!o["low"] || !o["nominal"] || !o["high"] || !o["derivation"])
        fail(o, ok, "out_of_family needs low, nominal, high and derivation");
      c.out_of_family = {yaml::as_number(o["low"], m_file, ok + ".low") * f,
                         yaml::as_number(o["nominal"], m_file, ok + ".nominal") * f,
                         yaml::as_number(o["high"], m_file, ok + ".high") * f};
      if (!c.out_of_family.valid()) fail(o, ok, "range is not ordered");
      c.out_of_family_derivation = str(o["derivation"], ok + ".derivation");
    }
    return c;
  }

  std::string m_file;
  std::map<std::string, Source> m_sources;
};

template <class E>
E parse_enum(const Loader& L, const YAML::Node& n, const std::string& key,
             const std::vector<std::pair<const char*, E>>& values) {
  const std::string s = L.str(n, key);
  std::string all;
  for (const auto& [name, v] : values) {
    if (s == name) return v;
    all += (all.empty() ? "" : ", ") + std::string(name);
  }
  L.fail(n, key, "unknown value '" + s + "'", "one of: " + all);
}

}  // namespace

ModelConstants load_model_constants_text(const std::string& text, const std::string& path) {
  const YAML::Node root = yaml::parse(text, path);
  yaml::require_map(root, path, "");
  yaml::check_keys(root, {"schema_version", "sources", "constants", "generations", "stacks", "default_stack"}, path, "");
  Loader L(path);
  if (!root["schema_version"] || yaml::as_integer(root["schema_version"], path, "schema_version") != 1)
    L.fail(root, "schema_version", "schema_version 1 is required");
  if (root["sources"]) L.read_sources(root["sources"]);

  ModelConstants mc;
  mc.path = path;
  mc.sha256 = sha256_hex(text);
  if (root["default_stack"]) mc.default_stack = L.str(root["default_stack"], "default_stack");

  // Constants: exactly the required keys.
  const YAML::Node cs = root["constants"];
  if (!cs) L.fail(root, "constants", "missing 'constants'");
  std::vector<std::string> allowed;
  for (const auto& k : ModelConstants::required_keys()) allowed.push_back(k.key);
  yaml::check_keys(cs, allowed, path, "constants");
  for (const auto& k : ModelConstants::required_keys()) {
    const std::string key = std::string("constants.") + k.key;
    if (!cs[k.key]) L.fail(cs, key, "missing required constant '" + std::string(k.key) + "'", k.doc);
    ModelConstant c = L.constant(cs[k.key], key, k.kind, k.dir, k.kind == UnitKind::fraction);
    if (k.kind == UnitKind::count && c.quantity.value.low < 1)
      L.fail(cs[k.key], key, "a factor of this kind is at least 1");
    c.key = k.key;
    mc.m_constants[k.key] = std::move(c);
  }

  // Generations and their facts.
  const YAML::Node gs = root["generations"];
  if (!gs) L.fail(root, "generations", "missing 'generations'");
  yaml::require_map(gs, path, "generations");
  for (const auto& kv : gs) {
    const std::string name = kv.first.Scalar();
    const std::string key = "generations." + name;
    yaml::check_keys(kv.second, {"platforms", "facts"}, path, key);
    GenerationFacts g;
    g.name = name;
    for (const auto& p : kv.second["platforms"]) g.platforms.push_back(L.str(p, key + ".platforms"));
    const YAML::Node facts = kv.second["facts"];
    if (facts)
      for (const auto& f : facts) {
        const std::string fk = f.first.Scalar();
        ModelConstant c = L.constant(f.second, key + ".facts." + fk, UnitKind::fraction, Dir::faster, true);
        g.facts[fk] = std::move(c);
      }
    mc.m_generations[name] = std::move(g);
  }
  if (!mc.m_generations.count("unknown")) L.fail(gs, "generations", "a generation named 'unknown' is required",
                                                 "it holds the caps for chips of no listed generation");

  // Stacks.
  const YAML::Node ss = root["stacks"];
  if (!ss) L.fail(root, "stacks", "missing 'stacks'");
  yaml::require_map(ss, path, "stacks");
  for (const auto& kv : ss) {
    const std::string name = kv.first.Scalar();
    const std::string key = "stacks." + name;
    const YAML::Node n = kv.second;
    yaml::check_keys(n, {"title", "source", "note", "fusion", "attention", "grad_reduce_bytes", "param_gather_bytes",
                         "overlap_grad_reduce", "overlap_param_gather", "bucket_bytes", "fsdp_prefetch",
                         "zero3_collectives_per_layer", "tp_overlap", "moe_dispatcher", "moe_permute_fused",
                         "fp8_recipe", "fused_cross_entropy", "dispatch"},
                     path, key);
    StackProfile s;
    s.name = name;
    auto req = [&](const char* k) {
      if (!n[k]) L.fail(n, key, std::string("missing '") + k + "'");
      return n[k];
    };
    s.title = L.str(req("title"), key + ".title");
    s.source = L.source(req("source"), key + ".source");
    if (n["note"]) s.note = L.str(n["note"], key + ".note");
    s.fusion = parse_enum<Fusion>(L, req("fusion"), key + ".fusion",
                                  {{"fused", Fusion::fused}, {"eager", Fusion::eager}, {"compiled", Fusion::compiled}});
    s.attention = parse_enum<AttentionImpl>(L, req("attention"), key + ".attention",
                                            {{"standard", AttentionImpl::standard},
                                             {"flash2", AttentionImpl::flash2},
                                             {"flash3", AttentionImpl::flash3}});
    auto num = [&](const char* k, double& out) {
      if (n[k]) out = yaml::as_number(n[k], path, key + "." + k);
    };
    auto flag = [&](const char* k, bool& out) {
      if (n[k]) out = yaml::as_bool(n[k], path, key + "." + k);
    };
    num("grad_reduce_bytes", s.grad_reduce_bytes);
    num("param_gather_bytes", s.param_gather_bytes);
    num("bucket_bytes", s.bucket_bytes);
    flag("overlap_grad_reduce", s.overlap_grad_reduce);
    flag("overlap_param_gather", s.overlap_param_gather);
    flag("fsdp_prefetch", s.fsdp_prefetch);
    flag("tp_overlap", s.tp_overlap);
    flag("moe_permute_fused", s.moe_permute_fused);
    flag("fused_cross_entropy", s.fused_cross_entropy);
    if (n["zero3_collectives_per_layer"])
      s.zero3_collectives_per_layer =
          static_cast<int>(yaml::as_integer(n["zero3_collectives_per_layer"], path, key + ".zero3_collectives_per_layer"));
    if (n["moe_dispatcher"])
      s.moe_dispatcher = parse_enum<MoeDispatcher>(L, n["moe_dispatcher"], key + ".moe_dispatcher",
                                                   {{"alltoall", MoeDispatcher::alltoall}, {"deepep", MoeDispatcher::deepep}});
    if (n["fp8_recipe"])
      s.fp8_recipe = parse_enum<Fp8Recipe>(L, n["fp8_recipe"], key + ".fp8_recipe",
                                           {{"te_delayed", Fp8Recipe::te_delayed},
                                            {"dynamic_tensorwise", Fp8Recipe::dynamic_tensorwise}});
    if (s.grad_reduce_bytes != 2 && s.grad_reduce_bytes != 4)
      L.fail(n["grad_reduce_bytes"], key + ".grad_reduce_bytes", "must be 2 (bf16/fp16) or 4 (fp32)");
    s.dispatch = L.constant(req("dispatch"), key + ".dispatch", UnitKind::seconds, Dir::slower, false);
    s.step_fixed = mc.m_constants.at("step_fixed");
    mc.m_stacks[name] = std::move(s);
  }
  if (!mc.m_stacks.count(mc.default_stack))
    L.fail(ss, "stacks", "the default stack '" + mc.default_stack + "' is not defined");
  return mc;
}

ModelConstants load_model_constants_file(const std::string& path) {
  std::string text;
  yaml::load_file(path, &text);
  return load_model_constants_text(text, path);
}

std::string default_model_constants_path() {
  if (const char* e = std::getenv("XPB_MODEL_CONSTANTS"); e && *e) return e;
  return std::string(build_info().source_dir) + "/data/model/constants.yaml";
}

const ModelConstants& default_model_constants() {
  static std::once_flag once;
  static ModelConstants mc;
  std::call_once(once, [] { mc = load_model_constants_file(default_model_constants_path()); });
  return mc;
}

}  // namespace xpb
