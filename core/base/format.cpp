// core/base/format.cpp — number, range, statistics and table formatting (see format.hpp).
#include "core/base/format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace xpb {

// ================================================================================================
// Numbers

std::string fmt(double v, const char* printf_format) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, printf_format, v);
  return buf;
}

std::string fmt6(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string fmt_shortest(double v) {
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string fmt_exact(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string fmt_short(double v) {
  char buf[64];
  const double a = std::fabs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-3))
    std::snprintf(buf, sizeof buf, "%.4g", v);
  else if (a >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string fmt_seconds(double s) {
  if (!std::isfinite(s)) return "-";
  const double a = std::fabs(s);
  if (a >= 1) return fmt(s, "%.3g s");
  if (a >= 1e-3) return fmt(s * 1e3, "%.3g ms");
  if (a >= 1e-6) return fmt(s * 1e6, "%.3g us");
  return fmt(s * 1e9, "%.3g ns");
}

std::string fmt_percent(double fraction) { return fmt(100 * fraction, "%.1f%%"); }
std::string fmt_ratio(double v) { return fmt(v, "%.2fx"); }

std::string fmt_range(const Range& r, std::string (*one)(double), const char* sep) {
  if (!std::isfinite(r.nominal)) return "-";
  if (r.low == r.nominal && r.nominal == r.high) return one(r.nominal);
  return one(r.nominal) + " [" + one(r.low) + sep + one(r.high) + "]";
}

std::string fmt_range(const Range& r, const char* printf_format, double scale, const char* sep) {
  if (!std::isfinite(r.nominal)) return "-";
  const std::string n = fmt(r.nominal * scale, printf_format);
  if (r.low == r.nominal && r.nominal == r.high) return n;
  return n + " [" + fmt(r.low * scale, printf_format) + sep + fmt(r.high * scale, printf_format) + "]";
}

// ================================================================================================
// Statistics

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  if (i + 1 >= sorted.size()) return sorted.back();
  return interpolate_neighbours(sorted[i], sorted[i + 1], pos - static_cast<double>(i));
}

double interpolate_neighbours(double a, double b, double f) {
  // Rounding can carry the weighted sum past a neighbour (x·0.9 + x·0.1 > x for x = 2.595e-6),
  // which would put the 5 % point above a median equal to x: bounded, quantiles stay ordered.
  return std::clamp(a * (1 - f) + b * f, a, b);
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// ================================================================================================
// Tables

std::string TextTable::str() const {
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

std::string md_escape(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return o;
}

std::string MarkdownTable::str() const {
  std::string s = "|";
  for (const auto& h : m_header) s += " " + md_escape(h) + " |";
  s += "\n|";
  for (std::size_t i = 0; i < m_header.size(); ++i) s += i < m_text_columns ? " --- |" : " ---: |";
  s += "\n";
  for (const auto& r : m_rows) {
    s += "|";
    for (std::size_t i = 0; i < m_header.size(); ++i) s += " " + md_escape(i < r.size() ? r[i] : "") + " |";
    s += "\n";
  }
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

}  // namespace xpb
