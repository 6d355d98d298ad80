// analysis/tolerance_rules.cpp — rules files, glob matching, and the kinds the schema declares.
#include "analysis/tolerance_rules.hpp"

#include <fnmatch.h>


#include "core/base/error.hpp"
#include "core/base/yaml_util.hpp"
#include "core/results/schema.hpp"

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
// Built-in knowledge: the kinds core/results/schema.cpp declares

RuleKind builtin_kind(const TreeEntry& e, std::string* why, const Tree* tree) {
  schema::Probe p;
  p.path = e.path;
  p.unit = e.unit;
  p.stored_kind = e.value_kind;
  p.row_kind = e.row_kind;
  if (tree) {
    p.attribute = [tree](const std::string& path) -> std::optional<std::string> {
      auto it = tree->find(path);
      if (it == tree->end() || it->second.strings.size() != 1) return std::nullopt;
      return it->second.strings.front();
    };
  }
  const schema::Classified c = schema::classify(p);
  if (why) *why = c.why;
  switch (c.kind) {
    case schema::Kind::numeric: return RuleKind::compare;
    case schema::Kind::timing: return RuleKind::timing;
    case schema::Kind::provenance: return RuleKind::provenance;
  }
  return RuleKind::compare;
}

// ------------------------------------------------------------------------------------------------
// Rules

void ToleranceRules::set_default(std::optional<double> rtol, std::optional<double> atol) {
  if (rtol) m_rtol = *rtol;
  if (atol) m_atol = *atol;
}

Resolution ToleranceRules::resolve(const TreeEntry& e, const Tree* tree) const {
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
  r.kind = builtin_kind(e, &r.why, tree);
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
