// analysis/tolerance_rules.cpp — rules files, glob matching and the schema's built-in knowledge.
#include "analysis/tolerance_rules.hpp"

#include <fnmatch.h>

#include <array>

#include "core/base/error.hpp"
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

ToleranceRules ToleranceRules::parse(const std::string& text, const std::string& path) {
  const YAML::Node root = yaml::parse(text, path);
  ToleranceRules out;
  if (!root || root.IsNull()) return out;
  yaml::require_map(root, path, "");
  yaml::check_keys(root, {"default", "rules"}, path, "");
  auto tol = [&](const YAML::Node& n, const std::string& key, const char* name) -> std::optional<double> {
    if (!n[name]) return std::nullopt;
    const double v = yaml::as_number(n[name], path, yaml::join_key(key, name));
    if (!(v >= 0))
      throw Error(yaml::where(path, n[name], yaml::join_key(key, name)), "tolerance must be >= 0");
    return v;
  };
  if (root["default"]) {
    const YAML::Node d = root["default"];
    yaml::require_map(d, path, "default");
    yaml::check_keys(d, {"rtol", "atol"}, path, "default");
    out.set_default(tol(d, "default", "rtol"), tol(d, "default", "atol"));
  }
  if (root["rules"]) {
    const YAML::Node rs = root["rules"];
    if (!rs.IsSequence())
      throw Error(yaml::where(path, rs, "rules"), "must be a list of {path, kind, rtol, atol, why}");
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const std::string key = "rules[" + std::to_string(i) + "]";
      const YAML::Node n = rs[i];
      yaml::require_map(n, path, key);
      yaml::check_keys(n, {"path", "kind", "rtol", "atol", "why"}, path, key);
      if (!n["path"]) throw Error(yaml::where(path, n, key), "missing `path` (a glob over result paths)");
      ToleranceRule r;
      r.path = yaml::as_string(n["path"], path, key + ".path");
      if (n["kind"]) {
        const std::string k = yaml::as_string(n["kind"], path, key + ".kind");
        bool found = false;
        for (RuleKind c : {RuleKind::compare, RuleKind::timing, RuleKind::provenance, RuleKind::ignore})
          if (to_string(c) == k) r.kind = c, found = true;
        if (!found)
          throw Error(yaml::where(path, n["kind"], key + ".kind"), "unknown kind '" + k + "'",
                      "one of compare, timing, provenance, ignore");
      }
      r.rtol = tol(n, key, "rtol");
      r.atol = tol(n, key, "atol");
      const std::string why = n["why"] ? yaml::as_string(n["why"], path, key + ".why") : "";
      r.why = path + ":" + std::to_string(yaml::line_of(n)) + (why.empty() ? "" : " (" + why + ")");
      out.add(std::move(r));
    }
  }
  return out;
}

}  // namespace xpb::analysis
