// cli/table.hpp — plain-text tables with aligned columns for terminal output.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace xpb::cli {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : m_header(std::move(header)) {}
  void row(std::vector<std::string> r) { m_rows.push_back(std::move(r)); }
  bool empty() const { return m_rows.empty(); }
  std::string str() const {
    std::vector<std::size_t> w(m_header.size(), 0);
    auto fit = [&](const std::vector<std::string>& r) {
      for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
    };
    fit(m_header);
    for (const auto& r : m_rows) fit(r);
    std::string out;
    auto line = [&](const std::vector<std::string>& r) {
      std::string s;
      for (std::size_t i = 0; i < w.size(); ++i) {
        const std::string cell = i < r.size() ? r[i] : "";
        s += cell + std::string(w[i] - cell.size() + (i + 1 < w.size() ? 2 : 0), ' ');
      }
      while (!s.empty() && s.back() == ' ') s.pop_back();
      out += s + "\n";
    };
    line(m_header);
    std::vector<std::string> rule;
    for (auto x : w) rule.push_back(std::string(x, '-'));
    line(rule);
    for (const auto& r : m_rows) line(r);
    return out;
  }

 private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// Seconds with an SI prefix: "4.10 ms".
inline std::string fmt_seconds(double s) {
  char buf[32];
  if (!(s == s)) return "-";
  if (s >= 1) std::snprintf(buf, sizeof buf, "%.3g s", s);
  else if (s >= 1e-3) std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
  else if (s >= 1e-6) std::snprintf(buf, sizeof buf, "%.3g us", s * 1e6);
  else std::snprintf(buf, sizeof buf, "%.3g ns", s * 1e9);
  return buf;
}

inline std::string fmt(double v, const char* f = "%.3g") {
  if (!(v == v)) return "-";
  char buf[48];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace xpb::cli
