// core/model/constants.cpp — strict loading of data/model/constants.yaml (see constants.hpp).
// Every required key must be present with a unit of its kind, a confidence and a source; unknown
// keys, inverted ranges and unknown stacks are xpb::Error with file, line and key path.
#include "core/model/constants.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

#include "core/base/error.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/paths.hpp"
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
      {"attention_flash2_ampere_fwd", UnitKind::fraction, Dir::faster,
       "FA2 forward / best GEMM efficiency, Ampere"},
      {"attention_flash2_ampere_bwd", UnitKind::fraction, Dir::faster,
       "FA2 backward / best GEMM efficiency, Ampere"},
      {"attention_flash2_hopper_fwd", UnitKind::fraction, Dir::faster,
       "FA2 forward / best GEMM efficiency, Hopper"},
      {"attention_flash2_hopper_bwd", UnitKind::fraction, Dir::faster,
       "FA2 backward / best GEMM efficiency, Hopper"},
      {"attention_flash3_hopper_fwd", UnitKind::fraction, Dir::faster,
       "FA3/cuDNN forward / best GEMM efficiency"},
      {"attention_flash3_hopper_bwd", UnitKind::fraction, Dir::faster,
       "FA3/cuDNN backward / best GEMM efficiency"},
      {"attention_flash_other_fwd", UnitKind::fraction, Dir::faster,
       "flash forward, unmeasured architectures"},
      {"attention_flash_other_bwd", UnitKind::fraction, Dir::faster,
       "flash backward, unmeasured architectures"},
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
// Loading: one declaration (core/base/input_schema.hpp) validates the file; the loader reads it.

namespace {

// The units a constant of a kind may be written in (seconds and fractions as in the descriptors;
// a factor is dimensionless).
const input::UnitSet& units_of_constant(UnitKind kind) {
  static const std::map<UnitKind, input::UnitSet> sets = [] {
    std::map<UnitKind, input::UnitSet> m;
    for (UnitKind k : {UnitKind::seconds, UnitKind::fraction}) {
      input::UnitSet u;
      u.kind = k == UnitKind::seconds ? "a time" : "a fraction";
      u.si = std::string(si_unit(k));
      u.typical = k == UnitKind::seconds ? "us" : "fraction";
      for (const auto& n : unit_names(k)) u.units.push_back({n, *unit_factor(k, n)});
      m[k] = u;
    }
    input::UnitSet f;
    f.kind = "a factor", f.si = "factor", f.typical = "factor";
    f.units = {{"factor", 1}, {"count", 1}};
    m[UnitKind::count] = f;
    return m;
  }();
  return sets.at(kind);
}

input::Node source_schema() {
  using namespace input;
  return object({optional("url", string("where to read it")), required("title", string("what the source is")),
                 required("date", string("YYYY, YYYY-MM or YYYY-MM-DD"))},
                "a source: {url, title, date}")
      .missing_key_hint("a source needs title and date (and url)");
}

// One sourced constant: {value | low, nominal, high; unit} with its confidence and source, an
// optional correlation group and, for a number sourced by a validation family's own publications,
// the out-of-family range leave-one-family-out uses instead.
input::Node constant_schema(UnitKind kind, std::string doc) {
  using namespace input;
  Node source = source_schema();
  source.or_scalar(string("the id of an entry under `sources:`").unquoted());
  Node n = quantity(
      units_of_constant(kind),
      {required("confidence",
                choice({"measured", "official", "reported", "estimated"}, "how sure the number is")
                    .noun_text("confidence")
                    .hint_text("measured, official, reported or estimated"))
           .if_missing("missing 'confidence'"),
       required("source", source).if_missing("missing 'source'"),
       optional("derivation", string("how the number was obtained; required when estimated")),
       optional("note", string("free text")),
       optional("group", string("correlation group of the Monte Carlo (default: the source's URL)")),
       optional("in_sample_of", list(string(), "validation families whose own publications source it")),
       optional("out_of_family",
                object({required("low", number()), required("nominal", number()), required("high", number()),
                        required("derivation", string())},
                       "the range without those families' sources, in the same unit")
                    .missing_key_hint("out_of_family needs low, nominal, high and derivation"))},
      std::move(doc));
  if (kind == UnitKind::fraction)
    n.above(0).at_most(1).noun_text("fraction").hint_text("a fraction lies in (0, 1]");
  else if (kind == UnitKind::count)
    n.at_least(1).hint_text("a factor of this kind is at least 1");
  else
    n.at_least(0);
  n.checked([](const Value& q) {
    if (q["confidence"].str() == "estimated" && !q["derivation"].present())
      q.fail("an estimated number needs a 'derivation'");
    if (q["in_sample_of"].present() && !q["out_of_family"].present())
      q.fail("a number with in_sample_of needs out_of_family: {low, nominal, high, derivation}");
    const Value o = q["out_of_family"];
    if (o.present() &&
        !(o["low"].number() <= o["nominal"].number() && o["nominal"].number() <= o["high"].number()))
      o.fail("range is not ordered");
  });
  return n;
}

input::Node stack_schema() {
  using namespace input;
  auto flag = [](std::string name, std::string doc) {
    return optional(std::move(name), boolean(std::move(doc)));
  };
  Node source = source_schema();
  source.or_scalar(string("the id of an entry under `sources:`").unquoted());
  return object(
      {required("title", string("what the stack is")), required("source", source),
       optional("note", string("free text")),
       required("fusion",
                choice({"fused", "eager", "compiled"}, "how element-wise work is fused").noun_text("value")),
       required("attention", choice({"standard", "flash2", "flash3"}, "attention kernel").noun_text("value")),
       optional("grad_reduce_bytes", number("bytes per gradient element reduced: 2 (bf16/fp16) or 4 (fp32)")
                                         .checked([](const Value& v) {
                                           if (v.number() != 2 && v.number() != 4)
                                             v.fail("must be 2 (bf16/fp16) or 4 (fp32)");
                                         })),
       optional("param_gather_bytes", number("bytes per parameter element gathered").above(0)),
       flag("overlap_grad_reduce", "gradient reduction overlapped with backward"),
       flag("overlap_param_gather", "parameter gathers overlapped with compute"),
       optional("bucket_bytes", number("gradient bucket size").above(0)),
       flag("fsdp_prefetch", "FSDP/ZeRO-3 prefetches the next layer's parameters"),
       optional("zero3_collectives_per_layer", integer("ZeRO-3 collectives per layer").range(0, 1 << 20)),
       flag("tp_overlap", "tensor-parallel communication overlapped with GEMMs"),
       optional("moe_dispatcher", choice({"alltoall", "deepep"}, "MoE token dispatcher").noun_text("value")),
       flag("moe_permute_fused", "token permutation fused"),
       optional("grouped_gemm_streams",
                integer("expert GEMMs of one grouped GEMM that run at once (1: one after another)")
                    .range(1, 1024)),
       optional("fp8_recipe",
                choice({"te_delayed", "dynamic_tensorwise"}, "FP8 scaling recipe").noun_text("value")),
       flag("fused_cross_entropy", "the loss fused with the logits (no fp32 copy)"),
       required("dispatch", constant_schema(UnitKind::seconds, "host-side dispatch time per kernel"))},
      "a software stack");
}

const input::Node& constants_file_schema() {
  using namespace input;
  static const Node s = [] {
    std::vector<Field> constants;
    for (const auto& k : ModelConstants::required_keys())
      constants.push_back(required(k.key, constant_schema(k.kind, k.doc))
                              .if_missing("missing required constant '" + std::string(k.key) + "'", k.doc));
    Node generation =
        object({optional("platforms", list(string(), "platform descriptor names")),
                optional("facts", map(constant_schema(UnitKind::fraction, "a published best value"),
                                      "the generation's facts"))},
               "one architecture generation");
    Node mode_source = source_schema();
    mode_source.or_scalar(string("the id of an entry under `sources:`").unquoted());
    Node processing_mode = object(
        {required("value", choice({"roofline", "no_overlap"}, "per kernel: max(compute, memory) or their sum")
                               .noun_text("value")),
         required("source", mode_source).if_missing("missing 'source'"),
         required("derivation", string("why this mode")).if_missing("missing 'derivation'")},
        "how one kernel's compute and memory times combine on an accelerator");
    return object({required("schema_version", integer("version of this file").range(1, 1))
                       .if_missing("schema_version 1 is required"),
                   optional("sources", map(source_schema(), "sources that numbers cite by id")),
                   required("constants", object(constants, "the model's sourced numbers")),
                   required("generations", map(generation, "architecture generations and their caps")),
                   required("stacks", map(stack_schema(), "software stacks")),
                   optional("default_stack", string("the stack used when none is named")),
                   optional("processing_mode", processing_mode)},
                  "the performance model's constants (data/model/constants.yaml)");
  }();
  return s;
}

Source source_of(const input::Value& v, const std::map<std::string, Source>& sources) {
  if (v.is_scalar()) {
    const std::string id = v.text();
    auto it = sources.find(id);
    if (it != sources.end()) return it->second;
    std::vector<std::string> ids;
    for (const auto& kv : sources) ids.push_back(kv.first);
    const std::string m = closest_match(id, ids);
    v.fail("unknown source '" + id + "'",
           m.empty() ? "define it under 'sources:'" : "did you mean '" + m + "'?");
  }
  Source s;
  if (v["url"].present()) s.url = v["url"].str();
  s.title = v["title"].str();
  s.date = v["date"].str();
  return s;
}

ModelConstant read_constant(const input::Value& v, const std::string& key, Dir dir,
                            const std::map<std::string, Source>& sources) {
  ModelConstant c;
  c.key = key;
  c.dir = dir;
  Quantity& q = c.quantity;
  q.present = true;
  q.line = v.line();
  q.value = v.si();
  q.confidence = *parse_confidence(v["confidence"].str());
  q.source = source_of(v["source"], sources);
  if (v["derivation"].present()) q.derivation = v["derivation"].str();
  if (v["note"].present()) q.note = v["note"].str();
  if (v["group"].present()) c.group = v["group"].str();
  for (const auto& f : v["in_sample_of"].items()) c.in_sample_of.push_back(f.str());
  if (v["out_of_family"].present()) {
    const input::Value o = v["out_of_family"];
    const double factor = *v.schema().units->factor(v.unit());  // out_of_family is in the same unit
    c.out_of_family = {o["low"].number() * factor, o["nominal"].number() * factor,
                       o["high"].number() * factor};
    c.out_of_family_derivation = o["derivation"].str();
  }
  return c;
}

StackProfile read_stack(const std::string& name, const input::Value& n, const ModelConstants& mc,
                        const std::map<std::string, Source>& sources) {
  StackProfile s;
  s.name = name;
  s.title = n["title"].str();
  s.source = source_of(n["source"], sources);
  if (n["note"].present()) s.note = n["note"].str();
  const std::string fusion = n["fusion"].str(), attention = n["attention"].str();
  s.fusion = fusion == "fused" ? Fusion::fused : fusion == "eager" ? Fusion::eager : Fusion::compiled;
  s.attention = attention == "standard" ? AttentionImpl::standard
                : attention == "flash2" ? AttentionImpl::flash2
                                        : AttentionImpl::flash3;
  auto num = [&](const char* k, double& out) {
    if (n[k].present()) out = n[k].number();
  };
  auto flag = [&](const char* k, bool& out) {
    if (n[k].present()) out = n[k].boolean();
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
  if (n["grouped_gemm_streams"].present())
    s.grouped_gemm_streams = static_cast<int>(n["grouped_gemm_streams"].integer());
  if (n["zero3_collectives_per_layer"].present())
    s.zero3_collectives_per_layer = static_cast<int>(n["zero3_collectives_per_layer"].integer());
  if (n["moe_dispatcher"].present())
    s.moe_dispatcher =
        n["moe_dispatcher"].str() == "deepep" ? MoeDispatcher::deepep : MoeDispatcher::alltoall;
  if (n["fp8_recipe"].present())
    s.fp8_recipe =
        n["fp8_recipe"].str() == "te_delayed" ? Fp8Recipe::te_delayed : Fp8Recipe::dynamic_tensorwise;
  s.dispatch = read_constant(n["dispatch"], "stacks." + name + ".dispatch", Dir::slower, sources);
  s.step_fixed = mc.at("step_fixed");
  return s;
}

}  // namespace

ModelConstants load_model_constants_text(const std::string& text, const std::string& path) {
  const input::Value root = input::validate(constants_file_schema(), yaml::parse(text, path), path);
  std::map<std::string, Source> sources;
  for (const auto& [id, v] : root["sources"].entries()) sources[id] = source_of(v, {});

  ModelConstants mc;
  mc.path = path;
  mc.sha256 = sha256_hex(text);
  if (root["default_stack"].present()) mc.default_stack = root["default_stack"].str();
  if (const input::Value pm = root["processing_mode"]; pm.present()) {
    mc.kernel_overlap = pm["value"].str() == "roofline";
    mc.processing_mode_source = source_of(pm["source"], sources);
    mc.processing_mode_derivation = pm["derivation"].str();
  }
  for (const auto& k : ModelConstants::required_keys())
    mc.m_constants[k.key] = read_constant(root["constants"][k.key], k.key, k.dir, sources);

  for (const auto& [name, g] : root["generations"].entries()) {
    GenerationFacts facts;
    facts.name = name;
    for (const auto& p : g["platforms"].items()) facts.platforms.push_back(p.str());
    for (const auto& [fk, f] : g["facts"].entries())
      facts.facts[fk] = read_constant(f, "generations." + name + ".facts." + fk, Dir::faster, sources);
    mc.m_generations[name] = std::move(facts);
  }
  if (!mc.m_generations.count("unknown"))
    root["generations"].fail("a generation named 'unknown' is required",
                             "it holds the caps for chips of no listed generation");

  for (const auto& [name, n] : root["stacks"].entries()) mc.m_stacks[name] = read_stack(name, n, mc, sources);
  if (!mc.m_stacks.count(mc.default_stack))
    root["stacks"].fail("the default stack '" + mc.default_stack + "' is not defined");
  return mc;
}

ModelConstants load_model_constants_file(const std::string& path) {
  std::string text;
  yaml::load_file(path, &text);
  return load_model_constants_text(text, path);
}

std::string default_model_constants_path() { return paths().model_constants(); }

const ModelConstants& default_model_constants() {
  static std::once_flag once;
  static ModelConstants mc;
  std::call_once(once, [] { mc = load_model_constants_file(default_model_constants_path()); });
  return mc;
}

}  // namespace xpb
