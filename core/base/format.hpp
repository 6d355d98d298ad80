// core/base/format.hpp — the one place numbers, ranges, statistics and text tables are formatted.
// `run`, `report`, `project`, `show`, calibration and the workloads print through these helpers,
// so "4.10 ms" or a median mean the same everywhere. Not a JSON writer (nlohmann::json is) and not
// the canonical form cell ids hash (core/plugin/params.cpp keeps that byte for byte).
#pragma once

#include <string>
#include <vector>

#include "core/base/range.hpp"

namespace xpb {

// ================================================================================================
// Numbers

// printf-style formatting of one double; "-" for NaN and infinities (tables show a gap, not "nan").
std::string fmt(double v, const char* printf_format = "%.3g");
// Six significant digits ("%.6g"): descriptor text written for people (calibrated host, warnings).
std::string fmt6(double v);
// The shortest "%.Ng" that reads back as the same double (parameter values, canonical cell forms).
std::string fmt_shortest(double v);
// Every digit ("%.17g"): CSV cells, where nothing may be lost; "" for NaN and infinities.
std::string fmt_exact(double v);
// A descriptor value for display: 4 significant digits when very large or small, whole numbers
// from 100, else 3 significant digits ("150", "4.02", "1.48e+14").
std::string fmt_short(double v);
// Seconds with an SI prefix: "4.10 ms", "12.3 us"; "-" when not finite.
std::string fmt_seconds(double s);
// A fraction as a percentage: 0.123 → "12.3%".
std::string fmt_percent(double fraction);
// A ratio: 1.234 → "1.23x".
std::string fmt_ratio(double v);

// A range as "nominal [low, high]" (or just "nominal" when exact) with `one` formatting each
// number and `sep` between low and high. Shown as "-" when the nominal value is not finite.
std::string fmt_range(const Range& r, std::string (*one)(double), const char* sep = ", ");
// The same with a printf format and a scale applied to every number: "1.23 [1.1 – 1.5]".
std::string fmt_range(const Range& r, const char* printf_format, double scale = 1, const char* sep = ", ");

// ================================================================================================
// Statistics (of samples in any order; the input is not modified)

// The median: the middle sample, or the mean of the two middle ones. NaN for no samples.
double median(std::vector<double> v);
// The q-quantile (0 <= q <= 1) of sorted samples, interpolating linearly between neighbours
// (numpy's default); q outside [0, 1] is clamped. The result never leaves [neighbour, neighbour],
// so a higher q never gives a lower value (rounding alone could). NaN for no samples.
double quantile_sorted(const std::vector<double>& sorted, double q);
// The point a fraction f (0..1) of the way from order statistic a to the next one, b >= a, as
// quantile_sorted interpolates it (for callers that select the two without sorting).
double interpolate_neighbours(double a, double b, double f);

// ================================================================================================
// Tables

// Plain text with aligned columns, a rule under the header, no trailing blanks (terminal output).
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : m_header(std::move(header)) {}
  void row(std::vector<std::string> r) { m_rows.push_back(std::move(r)); }
  bool empty() const { return m_rows.empty(); }
  std::string str() const;

 private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// GitHub-flavoured Markdown; cells are escaped ('|' and newlines). The first `text_columns`
// columns are left-aligned, the others right-aligned (numbers).
class MarkdownTable {
 public:
  explicit MarkdownTable(std::vector<std::string> header, std::size_t text_columns = 3)
      : m_header(std::move(header)), m_text_columns(text_columns) {}
  void row(std::vector<std::string> r) { m_rows.push_back(std::move(r)); }
  bool empty() const { return m_rows.empty(); }
  std::string str() const;

 private:
  std::vector<std::string> m_header;
  std::size_t m_text_columns;
  std::vector<std::vector<std::string>> m_rows;
};

// One Markdown table cell: '|' escaped, newlines folded to spaces.
std::string md_escape(const std::string& s);
// One CSV field, quoted when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& s);

}  // namespace xpb
