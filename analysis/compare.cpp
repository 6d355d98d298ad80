// analysis/compare.cpp — walking two flattened trees side by side under tolerance rules.
#include "analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "core/results/schema.hpp"

namespace xpb::analysis {

bool numbers_close(double a, double b, double rtol, double atol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;  // also equal infinities
  const double d = std::fabs(a - b);
  return d <= std::max(atol, rtol * std::max(std::fabs(a), std::fabs(b)));
}

namespace {

// The shortest decimal that reads back as exactly `v` (so 0.0025 prints as 0.0025).
std::string number_text(double v) {
  char buf[40];
  for (int prec = 15; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v || std::isnan(v)) break;
  }
  return buf;
}

std::string short_text(const std::string& s) {
  std::string t;
  for (char c : s) t += c == '\n' ? std::string("\\n") : std::string(1, c);
  return t.size() > 70 ? "\"" + t.substr(0, 67) + "...\"" : "\"" + t + "\"";
}

std::string entry_text(const TreeEntry& e) {
  switch (e.kind) {
    case TreeEntry::Kind::group: return "(group)";
    case TreeEntry::Kind::numbers:
      return e.numbers.size() == 1 ? number_text(e.numbers[0])
                                   : "(" + std::to_string(e.numbers.size()) + " numbers)";
    case TreeEntry::Kind::strings:
      return e.strings.size() == 1 ? short_text(e.strings[0])
                                   : "(" + std::to_string(e.strings.size()) + " strings)";
  }
  return "?";
}

// Compares two entries of the same path; returns true and fills `d` when they differ.
bool differ(const TreeEntry& x, const TreeEntry& y, const Resolution& res, Difference& d) {
  d.path = x.path;
  d.rule = res.why;
  if (x.kind != y.kind) {
    d.what = "type";
    d.a = entry_text(x), d.b = entry_text(y);
    return true;
  }
  if (x.kind == TreeEntry::Kind::group) return false;
  if (x.shape != y.shape && !x.shape.empty() && !y.shape.empty()) {
    auto dims = [](const std::vector<std::size_t>& s) {
      std::string t;
      for (auto v : s) t += (t.empty() ? "" : "x") + std::to_string(v);
      return "shape " + t;
    };
    d.what = "shape";
    d.a = dims(x.shape), d.b = dims(y.shape);
    return true;
  }
  if (x.kind == TreeEntry::Kind::strings) {
    if (x.strings.size() != y.strings.size()) {
      d.what = "count";
      d.a = std::to_string(x.strings.size()) + " strings", d.b = std::to_string(y.strings.size()) + " strings";
      return true;
    }
    for (std::size_t i = 0; i < x.strings.size(); ++i) {
      if (x.strings[i] == y.strings[i]) continue;
      if (d.differing == 0) {
        d.index = x.strings.size() == 1 ? -1 : static_cast<long long>(i);
        d.a = short_text(x.strings[i]), d.b = short_text(y.strings[i]);
      }
      ++d.differing;
    }
    d.what = "value";
    return d.differing > 0;
  }
  if (x.numbers.size() != y.numbers.size()) {
    d.what = "count";
    d.a = std::to_string(x.numbers.size()) + " numbers", d.b = std::to_string(y.numbers.size()) + " numbers";
    return true;
  }
  for (std::size_t i = 0; i < x.numbers.size(); ++i) {
    const double a = x.numbers[i], b = y.numbers[i];
    if (numbers_close(a, b, res.rtol, res.atol)) continue;
    const double ad = std::fabs(a - b), rd = ad / std::max(std::fabs(a), std::fabs(b));
    if (d.differing == 0) {
      d.index = x.numbers.size() == 1 ? -1 : static_cast<long long>(i);
      d.a = number_text(a), d.b = number_text(b);
      d.abs_err = ad, d.rel_err = rd;
    }
    d.abs_err = std::max(d.abs_err, ad);
    d.rel_err = std::max(d.rel_err, rd);
    ++d.differing;
  }
  d.what = "value";
  return d.differing > 0;
}

}  // namespace

namespace {

// The schema version of a result set's tree; 0 for other HDF5 files.
int schema_version(const Tree& t) {
  auto it = t.find("/@schema_version");
  return it != t.end() && it->second.numbers.size() == 1 ? static_cast<int>(it->second.numbers[0]) : 0;
}

}  // namespace

CompareResult compare_trees(const Tree& a, const Tree& b, const ToleranceRules& rules,
                            const CompareOptions& opt) {
  CompareResult out;
  const int va = schema_version(a), vb = schema_version(b);
  std::set<std::string> paths;
  for (const auto& [p, e] : a) paths.insert(p);
  for (const auto& [p, e] : b) paths.insert(p);
  // A missing object hides everything below it: report the top-most missing path only, and a
  // missing table row once (its columns share the row's virtual path).
  std::set<std::string> missing;
  auto parent_of = [](const std::string& p) {
    const auto cut = p.find_last_of("/@");
    return cut == std::string::npos || cut == 0 ? std::string("/") : p.substr(0, cut);
  };
  auto has_missing_ancestor = [&](std::string p) {
    while (p.size() > 1) {
      p = parent_of(p);
      if (missing.count(p)) return true;
    }
    return false;
  };
  for (const auto& p : paths) {
    auto ia = a.find(p), ib = b.find(p);
    const TreeEntry& e = ia != a.end() ? ia->second : ib->second;
    const Resolution res = rules.resolve(e, ia != a.end() ? &a : &b);
    if (res.kind == RuleKind::ignore) {
      ++out.ignored;
      continue;
    }
    if (res.kind == RuleKind::timing && !opt.timings) {
      ++out.timing_skipped;
      continue;
    }
    if (ia == a.end() || ib == b.end()) {
      const bool only_b = ia == a.end();
      if (has_missing_ancestor(p)) continue;
      std::string shown = p;
      const std::string parent = parent_of(p);
      // A table cell whose whole row is missing is reported once, as the row; a column that only
      // one file has (a later schema) as itself.
      const Tree& other = only_b ? a : b;
      const auto next = other.lower_bound(parent + "/");
      const bool row_cell = !e.table.empty() &&
                            (next == other.end() || next->first.compare(0, parent.size() + 1, parent + "/") != 0);
      if (row_cell) shown = parent;
      missing.insert(shown);
      Difference d;
      d.path = shown;
      d.what = only_b ? "only in B" : "only in A";
      const std::string text = row_cell ? "(table row)" : entry_text(e);
      d.a = only_b ? "-" : text;
      d.b = only_b ? text : "-";
      d.rule = res.why;
      // A path the older of two result sets could not have: new in the schema, not a difference.
      const int lacking = only_b ? va : vb, since = schema::resolve(p).since();
      if (lacking > 0 && since > lacking && since <= std::max(va, vb)) {
        d.what = "new in schema v" + std::to_string(since);
        out.added.push_back(d);
        continue;
      }
      (res.kind == RuleKind::provenance ? out.provenance : out.differences).push_back(d);
      continue;
    }
    if (res.kind == RuleKind::timing) ++out.timing_compared;
    else if (res.kind != RuleKind::provenance) ++out.compared;
    Difference d;
    if (differ(ia->second, ib->second, res, d))
      (res.kind == RuleKind::provenance ? out.provenance : out.differences).push_back(d);
  }
  return out;
}

CompareResult compare_files(const std::string& a, const std::string& b, const ToleranceRules& rules,
                            const CompareOptions& opt) {
  const Tree ta = read_tree(a), tb = read_tree(b);
  CompareResult r = compare_trees(ta, tb, rules, opt);
  r.file_a = a;
  r.file_b = b;
  return r;
}

std::string format_compare(const CompareResult& r, std::size_t max_shown, bool verbose) {
  std::string s;
  auto line = [&](const Difference& d) {
    std::string t = "  " + d.path;
    if (d.index >= 0) t += "[" + std::to_string(d.index) + "]";
    t += ": ";
    if (d.what == "value") {
      t += d.a + " vs " + d.b;
      if (d.abs_err > 0) {
        char buf[96];
        std::snprintf(buf, sizeof buf, d.differing > 1 ? " (max abs %.3g, max rel %.3g)" : " (abs %.3g, rel %.3g)",
                      d.abs_err, d.rel_err);
        t += buf;
      }
      if (d.differing > 1) t += "; " + std::to_string(d.differing) + " elements differ";
    } else {
      t += d.what + ": " + d.a + " vs " + d.b;
    }
    if (!d.rule.empty() && d.rule != "root provenance") t += "  [" + d.rule + "]";
    return t + "\n";
  };
  s += "A: " + r.file_a + "\nB: " + r.file_b + "\n";
  if (!r.provenance.empty()) {
    s += "\nProvenance differences (listed, not counted):\n";
    const std::size_t n = verbose ? r.provenance.size() : std::min<std::size_t>(r.provenance.size(), 12);
    for (std::size_t i = 0; i < n; ++i) s += line(r.provenance[i]);
    if (n < r.provenance.size()) s += "  ... " + std::to_string(r.provenance.size() - n) + " more (-v lists all)\n";
  }
  if (!r.added.empty()) {
    s += "\nNew in a later schema version (absent from the older file; listed, not counted):\n";
    const std::size_t n = verbose ? r.added.size() : std::min<std::size_t>(r.added.size(), 12);
    for (std::size_t i = 0; i < n; ++i) s += "  " + r.added[i].path + ": " + r.added[i].what + "\n";
    if (n < r.added.size()) s += "  ... " + std::to_string(r.added.size() - n) + " more (-v lists all)\n";
  }
  if (!r.differences.empty()) {
    s += "\nDifferences:\n";
    const std::size_t n = std::min(r.differences.size(), max_shown);
    for (std::size_t i = 0; i < n; ++i) s += line(r.differences[i]);
    if (n < r.differences.size())
      s += "  ... " + std::to_string(r.differences.size() - n) + " more (raise -n to see them)\n";
  }
  s += "\n" + std::string(r.equal() ? "EQUAL" : "DIFFERENT") + ": " + std::to_string(r.differences.size()) +
       " difference(s) in " + std::to_string(r.compared) + " compared path(s)";
  if (r.timing_compared) s += " and " + std::to_string(r.timing_compared) + " timing path(s)";
  if (r.timing_skipped) s += "; " + std::to_string(r.timing_skipped) + " timing path(s) not compared (--timings compares them)";
  if (r.ignored) s += "; " + std::to_string(r.ignored) + " ignored by rules";
  s += "; " + std::to_string(r.provenance.size()) + " provenance difference(s)";
  if (!r.added.empty()) s += "; " + std::to_string(r.added.size()) + " path(s) new in a later schema";
  s += "\n";
  return s;
}

}  // namespace xpb::analysis
