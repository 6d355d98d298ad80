// analysis/tolerance_rules.hpp — which paths of a result set must be equal, and how closely.
// A rules file (YAML) maps path globs to a kind (compare, timing, provenance, ignore) and a
// tolerance (rtol, atol); the first matching user rule wins, then the kind core/results/schema.cpp
// declares for the path (timings, timestamps, provenance), then the default tolerance. Nothing
// here reads HDF5.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/h5_tree.hpp"
#include "core/base/input_schema.hpp"

namespace xpb::analysis {

enum class RuleKind {
  compare,     // values must agree within rtol/atol
  timing,      // wall-clock figure or derived from one: ignored unless --timings
  provenance,  // where and when a result came from: differences are listed, not counted
  ignore       // not compared at all
};
std::string_view to_string(RuleKind k);

struct ToleranceRule {
  std::string path;  // glob over entry paths; `*` also crosses '/'
  RuleKind kind = RuleKind::compare;
  std::optional<double> rtol, atol;
  std::string why;   // shown next to a difference; file:line for rules from a file
};

// What applies to one entry.
struct Resolution {
  RuleKind kind = RuleKind::compare;
  double rtol = 0, atol = 0;
  std::string why;
};

class ToleranceRules {
 public:
  // Only the built-in rules and an exact default.
  ToleranceRules() = default;
  // Reads a rules file:  default: {rtol, atol}  and  rules: [{path, kind, rtol, atol, why}].
  // Throws xpb::Error with file, line and key path for anything malformed.
  static ToleranceRules load(const std::string& path);
  static ToleranceRules parse(const std::string& text, const std::string& path);
  // The rules file format, declared once (validation, `xpubench show schema rules`).
  static const input::Node& file_schema();

  void add(ToleranceRule r) { m_rules.push_back(std::move(r)); }
  // The default tolerance for numbers no rule covers (CLI --rtol / --atol override the file).
  void set_default(std::optional<double> rtol, std::optional<double> atol);
  double default_rtol() const { return m_rtol; }
  double default_atol() const { return m_atol; }
  const std::vector<ToleranceRule>& rules() const { return m_rules; }

  // `tree`, the file `e` belongs to, lets the schema look at other attributes (a platform's kind).
  Resolution resolve(const TreeEntry& e, const Tree* tree = nullptr) const;

 private:
  std::vector<ToleranceRule> m_rules;
  double m_rtol = 0, m_atol = 0;
};

// The schema's classification alone (no user rules): timing, provenance or compare.
RuleKind builtin_kind(const TreeEntry& e, std::string* why = nullptr, const Tree* tree = nullptr);

// Shell-style glob where `*` and `?` also match '/'.
bool path_matches(const std::string& pattern, const std::string& path);

}  // namespace xpb::analysis
