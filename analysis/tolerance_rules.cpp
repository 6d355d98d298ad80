// analysis/tolerance_rules.cpp — rules files (declared with core/base/schema), glob matching, and
// the kinds the result schema declares.
#include "analysis/tolerance_rules.hpp"

#include <fnmatch.h>


#include "core/base/error.hpp"
#include "core/base/input_schema.hpp"
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

const input::Node& ToleranceRules::file_schema() {
  using namespace input;
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
  const input::Value root = input::validate(file_schema(), doc, path);
  auto tol = [](const input::Value& v) -> std::optional<double> {
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
