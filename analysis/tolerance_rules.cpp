// analysis/tolerance_rules.cpp — rules files (declared with core/base/schema), glob matching and the
// result schema's built-in knowledge.
#include "analysis/tolerance_rules.hpp"

#include <fnmatch.h>

#include <array>

#include "core/base/error.hpp"
#include "core/base/schema.hpp"
#include "core/base/yaml_util.hpp"

namespace xpb::analysis {

std::string_view to_string(RuleKind k) {
  switch (k) {
    case RuleKind::compare: return "compare";
    case RuleKind::timing: return "timing";
    case RuleKind::provenance: return "provenance";
    case RuleKind::ignore: return "ignore";
  }
  return "?";
}

bool path_matches(const std::string& pattern, const std::string& path) {
  return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;
}

// ------------------------------------------------------------------------------------------------
// Built-in schema knowledge (docs/reproducibility.md explains each line)

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A unit that makes a number a wall-clock figure or a rate derived from one.
bool timing_unit(const std::string& u) { return u == "s" || ends_with(u, "/s"); }

// Root attributes that decide the numbers; every other root attribute is provenance.
constexpr std::array<const char*, 7> kRootNumerics = {
    "/@schema", "/@schema_version", "/@experiment_yaml", "/@experiment_sha256",
    "/@experiment_cells", "/@parity_reference", "/@parity_band"};

// Metrics that are computed from step times although their unit does not say so.
constexpr std::array<const char*, 6> kTimingMetricGlobs = {
    "/cells/*/metrics/*mfu*", "/cells/*/metrics/*hfu*", "/cells/*/metrics/*utilization*",
    "/cells/*/metrics/*throughput*", "/summary/*/metric/*mfu*/*", "/summary/*/metric/*utilization*/*"};

}  // namespace

RuleKind builtin_kind(const TreeEntry& e, std::string* why) {
  auto say = [&](const char* w, RuleKind k) {
    if (why) *why = w;
    return k;
  };
  const std::string& p = e.path;
  const auto at = p.find('@');
  const std::string attr = at == std::string::npos ? "" : p.substr(at + 1);
  // Timestamps anywhere.
  if (attr == "created_utc" || attr == "started_utc" || attr == "finished_utc")
    return say("timestamp", RuleKind::timing);
  if (attr == "error_vs_measured") return say("model error against the measured time", RuleKind::timing);
  if (attr == "ranks_on_node") return say("how many MPI ranks shared the machine", RuleKind::provenance);
  // Root provenance, environment variables, the auto-described host.
  if (at == 1) {
    for (const char* k : kRootNumerics)
      if (p == k) return say("experiment identity", RuleKind::compare);
    return say("root provenance", RuleKind::provenance);
  }
  if (p.rfind("/environment", 0) == 0) return say("environment", RuleKind::provenance);
  if (p == "/platforms/host" || p.rfind("/platforms/host@", 0) == 0 || p.rfind("/platforms/host/", 0) == 0)
    return say("the machine that ran", RuleKind::provenance);
  if (p.rfind("/platforms/", 0) == 0 && ends_with(p, "@path")) return say("descriptor location", RuleKind::provenance);
  // Timings: measured and metric datasets with a time or rate unit; summary rows of them.
  if (p.rfind("/cells/", 0) == 0 && !e.attribute &&
      (p.find("/measured/") != std::string::npos || p.find("/metrics/") != std::string::npos) &&
      timing_unit(e.unit))
    return say("timing (time or rate unit)", RuleKind::timing);
  if (p.rfind("/cells/", 0) == 0 && p.find("/measured/") != std::string::npos && ends_with(p, "seconds"))
    return say("timing", RuleKind::timing);
  if (p.rfind("/summary/", 0) == 0) {
    if (e.row_kind == "model_error") return say("model error against the measured time", RuleKind::timing);
    if ((e.row_kind == "measured" || e.row_kind == "metric") && timing_unit(e.unit))
      return say("timing", RuleKind::timing);
  }
  for (const char* g : kTimingMetricGlobs)
    if (path_matches(g, p)) return say("derived from step times", RuleKind::timing);
  return say("", RuleKind::compare);
}

// ------------------------------------------------------------------------------------------------
// Rules

void ToleranceRules::set_default(std::optional<double> rtol, std::optional<double> atol) {
  if (rtol) m_rtol = *rtol;
  if (atol) m_atol = *atol;
}

Resolution ToleranceRules::resolve(const TreeEntry& e) const {
  Resolution r;
  r.rtol = m_rtol;
  r.atol = m_atol;
  for (const auto& rule : m_rules) {
    if (!path_matches(rule.path, e.path)) continue;
    r.kind = rule.kind;
    if (rule.rtol) r.rtol = *rule.rtol;
    if (rule.atol) r.atol = *rule.atol;
    r.why = rule.why.empty() ? "rule " + rule.path : rule.why;
    return r;
  }
  r.kind = builtin_kind(e, &r.why);
  if (r.why.empty()) r.why = r.rtol == 0 && r.atol == 0 ? "exact" : "default tolerance";
  return r;
}

ToleranceRules ToleranceRules::load(const std::string& path) {
  std::string text;
  yaml::load_file(path, &text);
  return parse(text, path);
}

const schema::Node& ToleranceRules::file_schema() {
  using namespace schema;
  static const Node s = [] {
    auto tol = [](std::string doc) { return number(std::move(doc)).at_least(0).hint_text("tolerances are >= 0"); };
    Node rule = object(
        {required("path", string("a glob over result paths; `*` also crosses '/'"))
             .if_missing("missing `path` (a glob over result paths)"),
         optional("kind", choice({"compare", "timing", "provenance", "ignore"},
                                 "compare: equal within the tolerance; timing: skipped unless --timings; "
                                 "provenance: listed, never counted; ignore: not compared")
                              .noun_text("kind")
                              .hint_text("one of compare, timing, provenance, ignore")
                              .fallback(std::string("compare"))),
         optional("rtol", tol("relative tolerance for the matched numbers")),
         optional("atol", tol("absolute tolerance for the matched numbers")),
         optional("why", string("shown next to each difference the rule explains"))},
        "one rule");
    return object({optional("default", object({optional("rtol", tol("relative tolerance (0: exact)")),
                                               optional("atol", tol("absolute tolerance (0: exact)"))},
                                              "for numbers no rule covers (--rtol/--atol override it)")),
                   optional("rules", list(rule, "first match wins"))},
                  "tolerance rules for `xpubench compare` and `verify`");
  }();
  return s;
}

ToleranceRules ToleranceRules::parse(const std::string& text, const std::string& path) {
  const YAML::Node doc = yaml::parse(text, path);
  ToleranceRules out;
  if (!doc || doc.IsNull()) return out;
  const schema::Value root = schema::validate(file_schema(), doc, path);
  auto tol = [](const schema::Value& v) -> std::optional<double> {
    if (!v.present()) return std::nullopt;
    return v.number();
  };
  out.set_default(tol(root["default"]["rtol"]), tol(root["default"]["atol"]));
  for (const auto& n : root["rules"].items()) {
    ToleranceRule r;
    r.path = n["path"].str();
    const std::string kind = n["kind"].str();
    for (RuleKind c : {RuleKind::compare, RuleKind::timing, RuleKind::provenance, RuleKind::ignore})
      if (to_string(c) == kind) r.kind = c;
    r.rtol = tol(n["rtol"]);
    r.atol = tol(n["atol"]);
    const std::string why = n.has("why") ? n["why"].str() : "";
    r.why = path + ":" + std::to_string(n.line()) + (why.empty() ? "" : " (" + why + ")");
    out.add(std::move(r));
  }
  return out;
}

}  // namespace xpb::analysis
