// analysis/html_report.cpp — the HTML report: page helpers, then one function per section, then
// the page. Charts are analysis/svg.hpp panels; small multiples sit in a wrapping row no wider than
// 1,600 px. Every label shows only the parameters that vary within its workload.
#include "analysis/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/portability.hpp"
#include "analysis/svg.hpp"
#include "core/base/format.hpp"
#include "core/platforms/platform.hpp"

namespace xpb::analysis {

namespace {

using svg::escape;

// ================================================================================================
// Page helpers

constexpr int kPanelWidth = 500;  // one small multiple; three fit in a 1,600 px row
constexpr int kPanelHeight = 330;
constexpr int kMaxWidth = 1560;  // a single wide panel stays under 1,600 px with the page margin

// Table cells are HTML already (escaped by the caller); a header is plain text.
class HtmlTable {
 public:
  explicit HtmlTable(std::vector<std::string> header) : m_header(std::move(header)) {}
  void row(std::vector<std::string> cells) { m_rows.push_back(std::move(cells)); }
  bool empty() const { return m_rows.empty(); }
  std::string str() const {
    std::string s = "<table>\n<thead><tr>";
    for (const auto& h : m_header) s += "<th>" + escape(h) + "</th>";
    s += "</tr></thead>\n<tbody>\n";
    for (const auto& r : m_rows) {
      s += "<tr>";
      for (const auto& c : r) s += c.rfind("<td", 0) == 0 ? c : "<td>" + c + "</td>";
      s += "</tr>\n";
    }
    return s + "</tbody>\n</table>\n";
  }

 private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

std::string td(const std::string& cls, const std::string& html) {
  return "<td class=\"" + cls + "\">" + html + "</td>";
}

std::string figure(const std::vector<std::string>& panels, const std::string& caption) {
  std::string s = "<figure>\n<div class=\"panels\">\n";
  for (const auto& p : panels) s += p;
  return s + "</div>\n<figcaption>" + escape(caption) + "</figcaption>\n</figure>\n";
}

// Width of a panel with `n` categories on its x axis: more room per category, wrapped at the page.
int panel_width(std::size_t n) { return std::clamp(static_cast<int>(140 + 48 * n), kPanelWidth, kMaxWidth); }

std::string section(const std::string& id, const std::string& heading, const std::string& body) {
  return "<section id=\"" + id + "\">\n<h2>" + escape(heading) + "</h2>\n" + body + "</section>\n";
}

std::string para(const std::string& text) { return "<p>" + escape(text) + "</p>\n"; }

// ================================================================================================
// Labels: only the parameters that vary

std::string param_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>()
                       : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Per workload, the parameter names whose values differ between its cells.
std::map<std::string, std::set<std::string>> varying_params(const ResultSet& rs) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> values;
  for (const auto& c : rs.cells) {
    auto& w = values[c.workload];
    const auto j = nlohmann::json::parse(c.params, nullptr, false);
    if (!j.is_object()) continue;
    for (auto it = j.begin(); it != j.end(); ++it) w[it.key()].insert(param_text(it.value()));
  }
  std::map<std::string, std::set<std::string>> out;
  for (const auto& [w, keys] : values)
    for (const auto& [k, vs] : keys) {
      out[w];  // every workload present, even with nothing varying
      if (vs.size() > 1) out[w].insert(k);
    }
  return out;
}

class Labels {
 public:
  explicit Labels(const ResultSet& rs) : m_vary(varying_params(rs)) {}
  // "n=16384 dtype=fp32": the varying parameters of the cell ("" when none vary).
  std::string params(const CellResult& c) const {
    std::string s;
    const auto j = nlohmann::json::parse(c.params, nullptr, false);
    const auto it = m_vary.find(c.workload);
    if (!j.is_object() || it == m_vary.end()) return s;
    for (auto p = j.begin(); p != j.end(); ++p)
      if (it->second.count(p.key())) s += (s.empty() ? "" : " ") + p.key() + "=" + param_text(p.value());
    return s;
  }
  // The workload and its varying parameters, for a chart.
  std::string label(const CellResult& c) const {
    const std::string p = params(c);
    return p.empty() ? c.workload : c.workload + " " + p;
  }

 private:
  std::map<std::string, std::set<std::string>> m_vary;
};

const CellResult* find_cell(const ResultSet& rs, const std::string& id) {
  for (const auto& c : rs.cells)
    if (c.id == id) return &c;
  return nullptr;
}

SummaryRow step_stats(const CellResult& c) {
  const auto it = c.measured.find("step_seconds");
  return describe(it == c.measured.end() ? std::vector<double>{} : it->second);
}

// ================================================================================================
// Provenance

std::string provenance_section(const ResultSet& rs) {
  std::string s = "<table class=\"kv\">\n";
  auto kv = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) s += "<tr><th>" + escape(k) + "</th><td>" + escape(v) + "</td></tr>\n";
  };
  auto integer = [&](const std::string& k) {
    const auto it = rs.root_integers.find(k);
    return it == rs.root_integers.end() ? std::string() : std::to_string(it->second);
  };
  kv("command", rs.root("command_line"));
  kv("git commit",
     rs.root("git_commit") + (integer("git_dirty") == "1" ? " (dirty: uncommitted changes)" : ""));
  kv("xpubench", rs.root("tool_version"));
  kv("created (UTC)", rs.root("created_utc"));
  kv("host", rs.root("host") + (rs.root("cpu_model").empty() ? "" : " (" + rs.root("cpu_model") + ")"));
  kv("Kokkos", rs.root("kokkos_version") +
                   (rs.root("kokkos_backend").empty() ? "" : ", backend " + rs.root("kokkos_backend")) +
                   (integer("kokkos_threads").empty() ? "" : ", " + integer("kokkos_threads") + " threads") +
                   (rs.root("kokkos_gpu_arch").empty() ? "" : ", GPU arch " + rs.root("kokkos_gpu_arch")));
  kv("compiler", rs.root("compiler") + (rs.root("build_type").empty() ? "" : ", " + rs.root("build_type")) +
                     (rs.root("cxx_flags").empty() ? "" : ", " + rs.root("cxx_flags")));
  kv("MPI ranks", integer("mpi_ranks"));
  kv("experiment", rs.experiment_name + (rs.experiment_path.empty() ? "" : " (" + rs.experiment_path + ")"));
  kv("experiment SHA-256", rs.root("experiment_sha256"));
  kv("result set", rs.path + " (schema v" + std::to_string(rs.schema_version) + ")");
  s += "</table>\n";

  HtmlTable pt({"platform", "name", "kind", "worst confidence", "descriptor SHA-256"});
  for (const auto& p : rs.platforms)
    pt.row({escape(p.name), escape(p.display_name), escape(p.kind), escape(p.worst_confidence),
            "<code>" + escape(p.sha256.substr(0, 16)) + "</code>"});
  s += "<h3>Platforms</h3>\n" + pt.str();

  s += "<details><summary>Every root attribute</summary>\n";
  HtmlTable all({"attribute", "value"});
  for (const auto& [k, v] : rs.root_strings)
    if (k != "experiment_yaml" && k != "kokkos_config") all.row({escape(k), escape(v)});
  for (const auto& [k, v] : rs.root_integers) all.row({escape(k), std::to_string(v)});
  s += all.str() + "</details>\n";
  if (!rs.root("kokkos_config").empty())
    s += "<details><summary>Kokkos configuration</summary>\n<pre>" + escape(rs.root("kokkos_config")) +
         "</pre></details>\n";
  if (!rs.experiment_yaml.empty())
    s += "<details><summary>Experiment YAML (as run)</summary>\n<pre>" + escape(rs.experiment_yaml) +
         "</pre></details>\n";
  return section("provenance", "Provenance", s);
}

// ================================================================================================
// Cells

std::string headline_text(const CellResult& c, const WorkloadMetrics& metrics) {
  const auto it = metrics.find(c.workload);
  if (it == metrics.end()) return "";
  std::string text;
  std::set<std::string> shown;
  auto add = [&](const std::string& name, double value, const std::string& unit) {
    const MetricSpec* s = find_metric(it->second, name);
    if (!s || !s->headline || !shown.insert(name).second) return;
    text += (text.empty() ? "" : ", ") + name + " " + fmt(value) + (unit.empty() ? "" : " " + unit);
  };
  for (const auto& m : c.metrics) add(m.name, m.value, m.unit);
  for (const auto& [name, values] : c.measured)
    if (const MetricSpec* s = find_metric(it->second, name)) add(name, describe(values).median, s->unit);
  return text;
}

std::string step_time_figure(const ResultSet& rs, const Labels& labels) {
  std::vector<std::string> workloads;
  for (const auto& c : rs.cells)
    if (std::find(workloads.begin(), workloads.end(), c.workload) == workloads.end())
      workloads.push_back(c.workload);
  std::vector<std::string> panels;
  for (const auto& w : workloads) {
    std::vector<const CellResult*> cells;
    std::vector<double> ys;
    for (const auto& c : rs.cells) {
      const SummaryRow d = step_stats(c);
      if (c.workload != w || d.n == 0) continue;
      cells.push_back(&c);
      ys.insert(ys.end(), {d.q1, d.q3, d.median});
    }
    if (cells.empty()) continue;
    auto x = svg::Axis::linear("cell (parameters that vary)");
    for (const auto* c : cells) x.categories.push_back(labels.params(*c).empty() ? w : labels.params(*c));
    // Seconds scaled to the unit of the largest value, so ticks read "20" rather than "2e-05".
    const double top = *std::max_element(ys.begin(), ys.end());
    const auto [unit, scale] = top < 1e-3 ? std::pair{"us", 1e6}
                               : top < 1  ? std::pair{"ms", 1e3}
                                          : std::pair{"s", 1.0};
    for (double& v : ys) v *= scale;
    auto y = svg::Axis::logarithmic(std::string("step time (") + unit + ")");
    svg::fit_range(y, ys, 0.15);
    svg::Panel p(panel_width(cells.size()), kPanelHeight, w + ": step time (measured)", x, y);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const SummaryRow d = step_stats(*cells[i]);
      const svg::Whisker iqr{d.q1 * scale, d.q3 * scale};
      p.point(double(i), d.median * scale, svg::colour(0), "median, whiskers: IQR", &iqr, nullptr,
              labels.label(*cells[i]) + ": " + fmt_seconds(d.median) + " [" + fmt_seconds(d.q1) + ", " +
                  fmt_seconds(d.q3) + "], n=" + std::to_string(d.n));
    }
    panels.push_back(p.str());
  }
  if (panels.empty()) return para("No cell has measured step times.");
  return figure(panels,
                "Measured step time per cell on this machine: the median with the interquartile range "
                "(25-75 %) as whiskers, log scale. One panel per workload.");
}

std::string cells_section(const ResultSet& rs, const Labels& labels, const WorkloadMetrics& metrics) {
  std::string no_error_why;  // the first reason a host projection failed
  HtmlTable t({"status", "cell", "workload", "parameters that vary", "median step", "IQR [25 %, 75 %]", "n",
               "model error (host)", "headline metrics"});
  for (const auto& c : rs.cells) {
    const SummaryRow d = step_stats(c);
    const std::string status(to_string(c.status));
    std::string err = "-";
    if (const ProjectionRecord* pr = c.projection(rs.self_check_platform())) {
      if (pr->ok && pr->error_vs_measured)
        err = fmt(100 * *pr->error_vs_measured, "%+.1f%%");
      else if (no_error_why.empty())
        no_error_why = pr->reason;
    }
    const std::string head = headline_text(c, metrics);
    t.row({td("status " + status, escape(c.status == CellStatus::ok ? status : status + ": " + c.reason)),
           "<code>" + escape(c.id) + "</code>", escape(c.workload), escape(labels.params(c)),
           td("num", escape(fmt_seconds(d.median))),
           td("num", d.n ? escape("[" + fmt_seconds(d.q1) + ", " + fmt_seconds(d.q3) + "]") : "-"),
           td("num", std::to_string(d.n)), td("num", escape(err)), escape(head.empty() ? "-" : head)});
  }
  if (t.empty()) return section("cells", "Cells", para("No cells: this experiment only projects."));
  std::string s = para(
      "Measured on this machine. Model error: the host projection / measured median - 1 (the "
      "performance model's self-check).");
  s += t.str();
  if (!no_error_why.empty())
    s += para("Model error not available for some cells: the host projection failed (" + no_error_why +
              "). Run `xpubench calibrate` to measure the host's ceilings.");
  s += step_time_figure(rs, labels);
  return section("cells", "Cells", s);
}

// ================================================================================================
// Parity

std::string verdict_class(const std::string& v) { return "verdict " + v; }

std::string parity_figure(const ResultSet& rs, const Labels& labels,
                          const std::vector<std::string>& platforms) {
  std::vector<std::string> panels;
  const double band = rs.parity_band;
  for (const auto& plat : platforms) {
    std::vector<const ParityRow*> rows;
    std::vector<double> ys = {1 - band, 1 + band};
    for (const auto& r : rs.parity)
      if (r.platform == plat && r.verdict != "unavailable" && std::isfinite(r.nominal) && r.nominal > 0)
        rows.push_back(&r), ys.insert(ys.end(), {r.low, r.high});
    if (rows.empty()) continue;
    auto x = svg::Axis::linear("cell (workload and parameters that vary)");
    for (const auto* r : rows) {
      const CellResult* c = find_cell(rs, r->cell);
      x.categories.push_back(c ? labels.label(*c) : r->cell);
    }
    auto y = svg::Axis::logarithmic("speed ratio vs " + rs.parity_reference + " (x)");
    svg::fit_range(y, ys, 0.1);
    svg::Panel p(panel_width(rows.size()), kPanelHeight, plat + " vs " + rs.parity_reference + " (projected)",
                 x, y);
    p.band(1 - band, 1 + band, "parity band +-" + fmt(100 * band, "%.0f") + " %");
    p.hline(1, "#444");
    const std::map<std::string, std::size_t> hue = {
        {"parity", 2}, {"inconclusive", 4}, {"above", 0}, {"below", 1}};
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto* r = rows[i];
      const svg::Whisker w{r->low, r->high};
      const auto h = hue.find(r->verdict);
      p.point(double(i), r->nominal, svg::colour(h == hue.end() ? 7 : h->second), r->verdict, &w, nullptr,
              x.categories[i] + ": " + fmt_ratio(r->nominal) + " [" + fmt_ratio(r->low) + ", " +
                  fmt_ratio(r->high) + "] " + r->verdict);
    }
    panels.push_back(p.str());
  }
  if (panels.empty()) return "";
  return figure(panels,
                "Projected speed ratio of each platform against " + rs.parity_reference +
                    " (above 1: faster), log scale: the median with the 5-95 % interval of the joint Monte "
                    "Carlo as whiskers; the shaded band is parity (+-" +
                    fmt(100 * band, "%.0f") + " %). Colour: the verdict.");
}

std::string parity_section(const ResultSet& rs, const Labels& labels) {
  std::vector<std::string> cols;
  for (const auto& p : rs.platform_order())
    if (!rs.is_host(p) && p != rs.parity_reference)
      for (const auto& r : rs.parity)
        if (r.platform == p) {
          cols.push_back(p);
          break;
        }
  std::string s;
  if (rs.parity.empty() || cols.empty()) {
    s = para("No parity rows: the reference platform '" + rs.parity_reference +
             "' is not among the platforms, has no projection, or is the only target.");
    return section("parity", "Parity matrix", s);
  }
  s = para(
      "Projected speed ratio t(" + rs.parity_reference +
      ") / t(platform): above 1 the platform is faster. Median [5 %, 95 %] of a joint Monte Carlo (inputs "
      "that share a source drawn together). Verdict: parity when that interval lies within +-" +
      fmt(100 * rs.parity_band, "%.0f") +
      " %, inconclusive when it straddles the band, above or below "
      "when it lies outside.");
  std::vector<std::string> head = {"cell", "workload", "parameters that vary"};
  head.insert(head.end(), cols.begin(), cols.end());
  HtmlTable t(head);
  for (const auto& c : rs.cells) {
    std::vector<std::string> row = {"<code>" + escape(c.id) + "</code>", escape(c.workload),
                                    escape(labels.params(c))};
    bool any = false;
    for (const auto& p : cols) {
      std::string cell = "<td>-</td>";
      for (const auto& r : rs.parity)
        if (r.cell == c.id && r.platform == p) {
          any = true;
          cell = r.verdict == "unavailable"
                     ? td(verdict_class(r.verdict), "unavailable")
                     : td(verdict_class(r.verdict), escape(fmt_range({r.low, r.nominal, r.high}, fmt_ratio)) +
                                                        " <b>" + escape(r.verdict) + "</b>");
        }
      row.push_back(cell);
    }
    if (any) t.row(row);
  }
  s += t.str() + parity_figure(rs, labels, cols);
  return section("parity", "Parity matrix", s);
}

// ================================================================================================
// Roofline

struct RoofPoint {
  const CellResult* cell;
  double flops, bytes;
  std::string dtype;  // the dtype with the most FLOPs
};

std::vector<RoofPoint> roofline_points(const ResultSet& rs) {
  std::vector<RoofPoint> out;
  for (const auto& c : rs.cells) {
    const double f = total_flops(c.ledger), b = total_bytes(c.ledger);
    if (c.status != CellStatus::ok || !(f > 0) || !(b > 0)) continue;
    std::map<std::string, double> by;
    for (const auto& k : c.ledger) by[std::string(to_string(k.dtype))] += k.flops * k.count;
    const auto top =
        std::max_element(by.begin(), by.end(), [](auto& a, auto& b2) { return a.second < b2.second; });
    out.push_back({&c, f, b, top == by.end() ? "" : top->first});
  }
  return out;
}

std::string roofline_panel(const ResultSet& rs, const PlatformRecord& plat, const std::vector<RoofPoint>& pts,
                           const Labels& labels) {
  Platform d;
  bool ceilings = true;
  try {
    d = load_platform_text(plat.descriptor_yaml, plat.name + ".yaml");
  } catch (const std::exception&) {  // a descriptor this version cannot read: points, no roofs
    ceilings = false;
  }
  const double bw = ceilings && d.memory_bandwidth.present ? d.memory_bandwidth.value.nominal : NAN;
  std::set<std::string> used;
  for (const auto& p : pts) used.insert(p.dtype);
  std::vector<std::pair<std::string, double>> peaks;  // the dtypes the cells run in
  if (ceilings)
    for (DType t : kAllDTypes)
      if (used.count(std::string(to_string(t))))
        if (auto pk = d.peak_flops(t)) peaks.emplace_back(std::string(to_string(t)), pk->nominal);
  const bool host = rs.is_host(plat.name);

  std::vector<double> xs, ys;
  for (const auto& p : pts) xs.push_back(p.flops / p.bytes);
  for (const auto& [n, pk] : peaks) {
    ys.push_back(pk);
    if (bw > 0) xs.push_back(pk / bw);
  }
  struct Mark {
    std::size_t colour;
    double x, y;
    svg::Whisker w;
    char shape;
    std::string title, legend;
  };
  std::vector<Mark> marks;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const auto& p = pts[i];
    const double ai = p.flops / p.bytes;
    const std::string who = labels.label(*p.cell) + " (" + p.dtype + ")";
    if (host) {
      const SummaryRow s = step_stats(*p.cell);
      if (s.n > 0 && s.median > 0)
        marks.push_back({i,
                         ai,
                         p.flops / s.median,
                         {p.flops / s.q3, p.flops / s.q1},
                         'o',
                         who + ": measured " + fmt(p.flops / s.median) + " FLOP/s (IQR whiskers)",
                         who});
    }
    const ProjectionRecord* pr = p.cell->projection(plat.name);
    if (pr && pr->ok && pr->step_seconds.nominal > 0)
      marks.push_back({i,
                       ai,
                       p.flops / pr->step_seconds.nominal,
                       {p.flops / pr->step_seconds.high, p.flops / pr->step_seconds.low},
                       host ? '^' : 's',
                       who + ": projected " + fmt(p.flops / pr->step_seconds.nominal) + " FLOP/s (5-95 %)",
                       host ? "" : who});
  }
  for (const auto& m : marks) ys.insert(ys.end(), {m.w.lo, m.w.hi});
  auto x = svg::Axis::logarithmic("arithmetic intensity (FLOP/byte, from the cost ledger)");
  auto y = svg::Axis::logarithmic("performance (FLOP/s)");
  svg::fit_range(x, xs, 0.25);
  svg::fit_range(y, ys, 0.1);
  if (bw > 0) {  // the memory roof from the left edge
    ys.push_back(bw * x.lo);
    svg::fit_range(y, ys, 0.1);
  }
  const std::string title = (plat.display_name.empty() ? plat.name : plat.display_name) +
                            (host ? " (measured and self-check)" : " (projected)");
  svg::Panel panel(kPanelWidth, kPanelHeight + 40, title, x, y);
  for (std::size_t k = 0; k < peaks.size(); ++k) {
    const double pk = peaks[k].second;
    const std::vector<double> rx = {x.lo, bw > 0 ? pk / bw : x.lo, x.hi};
    std::vector<double> ry(rx.size());
    std::transform(rx.begin(), rx.end(), ry.begin(),
                   [&](double v) { return bw > 0 ? std::min(bw * v, pk) : pk; });
    panel.line(rx, ry, "#555", peaks[k].first + " peak " + fmt(pk / 1e12) + " TFLOP/s", k > 0);
  }
  if (bw > 0 && peaks.empty())
    panel.line({x.lo, x.hi}, {bw * x.lo, bw * x.hi}, "#555", "memory " + fmt(bw / 1e9, "%.0f") + " GB/s");
  else if (bw > 0)
    panel.key("memory " + fmt(bw / 1e9, "%.0f") + " GB/s (the roofs' slope)", "#555", 'l');
  for (const auto& m : marks)
    panel.point(m.x, m.y, svg::colour(m.colour), m.legend, &m.w, nullptr, m.title, m.shape);
  if (host) {
    panel.key("measured (IQR)", "#444", 'o');
    panel.key("host projection (5-95 %)", "#444", '^');
  }
  if (marks.empty()) panel.note("no point: no cell ran or was projected here");
  if (!ceilings || !(bw > 0) || peaks.size() < used.size())
    panel.note("ceilings incomplete in the descriptor (bandwidth or a dtype's peak)");
  return panel.str();
}

std::string roofline_section(const ResultSet& rs, const Labels& labels) {
  const auto pts = roofline_points(rs);
  std::vector<std::string> panels;
  for (const auto& name : rs.platform_order())
    if (const PlatformRecord* p = rs.platform(name)) panels.push_back(roofline_panel(rs, *p, pts, labels));
  std::string s = para(
      "Each cell placed at its arithmetic intensity (the cost ledger's FLOPs / bytes of one "
      "step) against each platform's roofs (memory bandwidth and the peak of the dtypes the "
      "cells use, nominal values of the descriptor). Host: measured points (median, IQR "
      "whiskers) and the model's projection for this machine. Other platforms: projected "
      "points with 5-95 % whiskers. Log-log axes.");
  if (pts.empty())
    return section("roofline", "Roofline", s + para("No cell has FLOPs and bytes in its ledger."));
  if (panels.empty()) return section("roofline", "Roofline", s);
  return section("roofline", "Roofline", s + figure(panels, "Roofline per platform (log-log)."));
}

// ================================================================================================
// Training curves

struct Curve {
  const CellResult* cell;
  std::vector<double> x, y;
};

std::string training_section(const ResultSet& rs, const Labels& labels) {
  // Per quantity (loss, lr, ...; held-out series too) the cells that recorded it per step. A
  // timing per step is not a training curve, and cells without such values get no curve.
  std::map<std::string, std::vector<Curve>> by_name;
  std::map<std::string, std::string> units;
  std::vector<std::string> names;
  auto add = [&](const std::string& name, const std::string& unit, Curve c) {
    if (!by_name.count(name)) names.push_back(name), units[name] = unit;
    by_name[name].push_back(std::move(c));
  };
  for (const auto& c : rs.cells) {
    for (const auto& [name, values] : c.measured) {
      const auto k = c.measured_kinds.find(name);
      if (name == "step_seconds" || values.size() < 2 ||
          (k != c.measured_kinds.end() && k->second == "timing"))
        continue;
      const auto u = c.measured_units.find(name);
      if (k == c.measured_kinds.end() && u != c.measured_units.end() &&
          (u->second == "s" || u->second == "ms" || u->second == "us" || u->second == "ns"))
        continue;  // schema 1: a timing is known by its unit
      Curve cv{&c, {}, values};
      for (std::size_t i = 0; i < values.size(); ++i) cv.x.push_back(double(i + 1));
      add(name, u == c.measured_units.end() ? "" : u->second, std::move(cv));
    }
    for (const auto& s : c.series) {
      if (s.kind == "timing" || s.values.size() < 2) continue;
      Curve cv{&c, s.index, s.values};
      if (cv.x.size() != cv.y.size()) {
        cv.x.clear();
        for (std::size_t i = 0; i < s.values.size(); ++i) cv.x.push_back(double(i));
      }
      add(s.name, s.unit, std::move(cv));
    }
  }
  if (names.empty())
    return section(
        "training", "Training curves",
        para("No training cell in this result set: no cell recorded a loss or another value per step."));
  // The loss first, then the held-out values, then the rest (learning rate, norms).
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    auto rank = [](const std::string& n) {
      return n == "loss" ? 0 : n.find("loss") != std::string::npos ? 1 : 2;
    };
    return rank(a) < rank(b);
  });
  std::vector<std::string> panels;
  for (const auto& name : names) {
    const auto& curves = by_name[name];
    std::vector<double> xs, ys;
    for (const auto& c : curves)
      xs.insert(xs.end(), c.x.begin(), c.x.end()), ys.insert(ys.end(), c.y.begin(), c.y.end());
    const std::string unit = units[name].empty() ? "dimensionless" : units[name];
    auto x = svg::Axis::linear("step"), y = svg::Axis::linear(name + " (" + unit + ")");
    svg::fit_range(x, xs, 0.02);
    svg::fit_range(y, ys, 0.05);
    svg::Panel p(kPanelWidth, kPanelHeight, name + " per step (measured)", x, y);
    for (std::size_t i = 0; i < curves.size(); ++i)
      p.line(curves[i].x, curves[i].y, svg::colour(i), labels.label(*curves[i].cell));
    panels.push_back(p.str());
  }
  return section(
      "training", "Training curves",
      para("Values the training cells recorded per step (measured on this machine; deterministic "
           "for a seed). One panel per quantity, one line per cell.") +
          figure(panels, "Training curves: value against step, in the unit the workload declares."));
}

// ================================================================================================
// Performance portability

std::string pp_text(const PortabilityResult* r) {
  if (!r) return "-";
  if (r->H.empty()) return "n/a";
  return fmt_range(r->pp, fmt_percent) + " (|H|=" + std::to_string(r->H.size()) + ")";
}

std::string portability_figure(const std::vector<PortabilityResult>& arch, const Labels& labels,
                               const ResultSet& rs) {
  std::vector<const PortabilityResult*> proj, all;
  for (const auto& r : arch) (r.scope == "all" ? all : proj).push_back(&r);
  std::vector<std::string> cells;
  for (const auto* r : proj)
    if (!r->H.empty()) cells.push_back(r->cell);
  if (cells.empty()) return "";
  auto x = svg::Axis::linear("cell (workload and parameters that vary)");
  for (const auto& id : cells) {
    const CellResult* c = find_cell(rs, id);
    x.categories.push_back(c ? labels.label(*c) : id);
  }
  auto y = svg::Axis::logarithmic("PP (fraction of the roofline ideal, 1 = ideal)");
  std::vector<double> ys;
  for (const auto& r : arch)
    if (!r.H.empty() && r.pp.nominal > 0) ys.insert(ys.end(), {r.pp.low, r.pp.high, r.pp.nominal});
  svg::fit_range(y, ys, 0.1);
  svg::Panel p(panel_width(cells.size()), kPanelHeight, "Architectural PP per cell", x, y);
  for (std::size_t i = 0; i < cells.size(); ++i)
    for (const auto* group : {&proj, &all})
      for (const auto* r : *group)
        if (r->cell == cells[i] && !r->H.empty() && r->pp.nominal > 0) {
          const bool projected = group == &proj;
          const svg::Whisker w{r->pp.low, r->pp.high};
          p.point(i + (projected ? -0.12 : 0.12), r->pp.nominal, svg::colour(projected ? 0 : 1),
                  projected ? "H = projected platforms" : "H = projected + host (measured)", &w, nullptr,
                  x.categories[i] + ": " + pp_text(r), projected ? 'o' : 's');
        }
  return figure({p.str()},
                "Pennycook PP per cell with the descriptors' range as whiskers, log scale. A cell "
                "that does not run on a platform of H has PP 0 and is not drawn.");
}

std::string portability_section(const ResultSet& rs, const Labels& labels) {
  const auto order = rs.platform_order();
  const auto arch = architectural_portability(rs);
  std::string s = para(
      "PP(a, p, H) = |H| / sum_i 1/e_i over the platforms H, 0 when the problem does not run on one of them. "
      "Efficiency kind: architectural: e_i = roofline-ideal step time from the descriptor's ceilings / step "
      "time, projected (p) for the descriptors and measured (m) for this machine. Platforms whose ceilings "
      "are unknown are left out of H.");
  std::vector<std::string> head = {"cell", "workload", "parameters that vary"};
  for (const auto& p : order) head.push_back("e " + p + (rs.is_host(p) ? " (m)" : " (p)"));
  head.emplace_back("PP, H = projected");
  head.emplace_back("PP, H = projected + host (m)");
  HtmlTable t(head);
  for (const auto& c : rs.cells) {
    const PortabilityResult *proj = nullptr, *all = nullptr;
    for (const auto& r : arch)
      if (r.cell == c.id) (r.scope == "all" ? all : proj) = &r;
    if (!proj) continue;
    std::vector<std::string> row = {"<code>" + escape(c.id) + "</code>", escape(c.workload),
                                    escape(labels.params(c))};
    for (const auto& p : order) {
      std::string cell = "-";
      for (const auto& e : proj->efficiencies)
        if (e.platform == p) cell = e.status == "ok" ? fmt_range(e.value, fmt_percent) : e.status;
      row.push_back(td("num", escape(cell)));
    }
    row.push_back(td("num", escape(pp_text(proj))));
    row.push_back(td("num", escape(pp_text(all))));
    t.row(row);
  }
  s += t.empty() ? para("No cell has a portability result.") : t.str();
  s += portability_figure(arch, labels, rs);

  const auto app = application_portability(rs);
  s += "<h3>Application efficiency (measured on this machine)</h3>\n";
  if (app.empty()) {
    s += para(
        "No problem in this result set ran as several implementation variants (params path, impl or "
        "variant), so no application efficiency.");
  } else {
    HtmlTable at({"cell", "problem", "variant", "e (m)", "PP, H = {host}"});
    for (const auto& r : app)
      at.row({"<code>" + escape(r.cell) + "</code>", escape(r.problem), escape(r.note),
              escape(r.efficiencies.empty() || r.efficiencies[0].status != "ok"
                         ? "unsupported"
                         : fmt_percent(r.efficiencies[0].value.nominal)),
              escape(fmt_percent(r.pp.nominal))});
    s += at.str();
  }
  return section("portability", "Performance portability", s);
}

// ================================================================================================
// Projections (/projections: paper-scale training runs)

std::string projections_section(const ResultSet& rs) {
  HtmlTable t({"#", "model", "platform", "devices", "plan", "step (s), median [5 %, 95 %]", "MFU", "tokens/s",
               "days, median [5 %, 95 %]", "speed vs reference [5 %, 95 %]", "verdict"});
  std::vector<std::string> models;
  for (const auto& p : rs.projections) {
    if (std::find(models.begin(), models.end(), p.model) == models.end()) models.push_back(p.model);
    if (p.status != CellStatus::ok) {
      t.row({std::to_string(p.entry), escape(p.model), escape(p.platform), std::to_string(p.devices),
             td("status invalid", escape("no plan: " + p.reason)), "-", "-", "-", "-", "-", "-"});
      continue;
    }
    t.row({std::to_string(p.entry), escape(p.model), escape(p.platform), std::to_string(p.devices),
           "<code>" + escape(p.plan) + "</code>",
           td("num", escape(fmt_range({p.step_p5, p.step_median, p.step_p95}, "%.3g"))),
           td("num", escape(fmt_percent(p.mfu_median))), td("num", escape(fmt(p.tokens_per_second))),
           td("num", escape(fmt_range({p.days_p5, p.days_median, p.days_p95}, "%.3g"))),
           td("num",
              escape(fmt_range({p.ratio_p5, p.ratio_median, p.ratio_p95}, fmt_ratio) + " vs " + p.reference)),
           td(verdict_class(p.verdict), escape(p.verdict))});
  }
  std::vector<std::string> panels;
  for (const auto& m : models) {
    auto x = svg::Axis::linear("platform");
    std::vector<const PlanProjection*> rows;
    std::vector<double> ys;
    for (const auto& p : rs.projections)
      if (p.model == m && p.status == CellStatus::ok && p.days_median > 0) {
        rows.push_back(&p);
        x.categories.push_back(p.platform + " x" + std::to_string(p.devices));
        ys.insert(ys.end(), {p.days_p5, p.days_p95});
      }
    if (rows.empty()) continue;
    auto y = svg::Axis::logarithmic("days to train the token budget (d)");
    svg::fit_range(y, ys, 0.15);
    svg::Panel panel(panel_width(rows.size()), kPanelHeight, m + ": projected training time", x, y);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const svg::Whisker w{rows[i]->days_p5, rows[i]->days_p95};
      panel.point(double(i), rows[i]->days_median, svg::colour(0), "median, whiskers: 5-95 %", &w, nullptr,
                  x.categories[i] + ": " + fmt(rows[i]->days_median) + " days");
    }
    panels.push_back(panel.str());
  }
  std::string s = para(
      "Paper-scale training runs (the experiment's projections: entries), projected by the "
      "performance model onto each platform: nothing here was run. Intervals: 5 %, median and "
      "95 % of a seeded Monte Carlo.");
  s += t.str();
  if (!panels.empty()) s += figure(panels, "Projected days to train per model and platform (log scale).");
  return section("projections", "Projections", s);
}

// ------------------------------------------------------------------------------------------------
// Over seeds (/seed_statistics): cells that differ only in their seed

std::string seeds_section(const ResultSet& rs, const Labels& labels) {
  HtmlTable t({"group", "cell (first seed)", "metric", "unit", "mean ± sd", "95 % interval of the mean", "n",
               "seeds"});
  // One chart per metric that several groups share (mean with its 95 % interval).
  std::vector<std::string> metric_order;
  std::map<std::string, std::vector<std::pair<std::string, const SeedStatRow*>>> by_metric;
  int constant = 0;
  for (const auto& r : rs.seed_statistics) {
    if (r.kind == "measured" && r.metric != "step_seconds") continue;
    if (r.min == r.max) {
      ++constant;
      continue;
    }
    const CellResult* first = find_cell(rs, r.cells.substr(0, r.cells.find(',')));
    const std::string label = first ? labels.label(*first) : r.workload;
    const std::string metric = r.kind == "measured" ? r.metric + " (median)" : r.metric;
    t.row({"<code>" + escape(r.group) + "</code>", escape(label), escape(metric), escape(r.unit),
           td("num", escape(fmt(r.mean, "%.4g") + " ± " + fmt(r.sd, "%.2g"))),
           td("num", escape("[" + fmt(r.ci95_low, "%.4g") + ", " + fmt(r.ci95_high, "%.4g") + "]")),
           td("num", std::to_string(r.n)), escape(r.seeds)});
    if (!by_metric.count(metric)) metric_order.push_back(metric);
    by_metric[metric].emplace_back(label, &r);
  }
  std::string s = para(
      "Cells that differ only in their seed (the experiment's seeds: list) form a group; each "
      "quantity is the mean over the seeds with the sample standard deviation and a 95 % interval "
      "of the mean (Student's t, n - 1 degrees of freedom). Scalar metrics, and each cell's median "
      "step time.");
  s += t.str();
  if (constant > 0)
    s += para(std::to_string(constant) +
              (constant == 1 ? " quantity equal for every seed is" : " quantities equal for every seed are") +
              " not shown (all are in /seed_statistics).");
  std::vector<std::string> panels;
  for (const auto& metric : metric_order) {
    const auto& rows = by_metric[metric];
    if (rows.size() < 2 || panels.size() >= 12) continue;  // a lone group: the table says it
    auto x = svg::Axis::linear("group");
    std::vector<double> ys;
    for (const auto& [label, r] : rows) {
      x.categories.push_back(label);
      ys.insert(ys.end(), {r->ci95_low, r->ci95_high});
    }
    const std::string unit = rows.front().second->unit;
    auto y = svg::Axis::linear(metric + (unit.empty() ? "" : " (" + unit + ")"));
    svg::fit_range(y, ys, 0.15);
    svg::Panel panel(panel_width(rows.size()), kPanelHeight, metric + " over seeds", x, y);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const SeedStatRow* r = rows[i].second;
      const svg::Whisker w{r->ci95_low, r->ci95_high};
      panel.point(double(i), r->mean, svg::colour(0), "mean, whiskers: 95 % interval of the mean", &w,
                  nullptr,
                  rows[i].first + ": " + fmt(r->mean, "%.4g") + " ± " + fmt(r->sd, "%.2g") +
                      " (n = " + std::to_string(r->n) + ")");
    }
    panels.push_back(panel.str());
  }
  if (!panels.empty())
    s += figure(panels, "Means over seeds with 95 % intervals, per metric shared by several groups.");
  return section("seeds", "Over seeds", s);
}

// ================================================================================================
// The page

// Only system fonts and no external resource: the page renders the same offline.
constexpr const char* kStyle = R"(
body { font-family: system-ui, sans-serif; font-size: 14px; margin: 16px; max-width: 1600px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ccc; margin-top: 28px; }
h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 12em; }
td.status.ok { background: #e6f4ea; } td.status { background: #fdecea; }
td.verdict.parity { background: #e6f4ea; } td.verdict.inconclusive { background: #fff4d6; }
td.verdict.above { background: #e3eefa; } td.verdict.below { background: #fdecea; }
td.verdict.unavailable { color: #777; }
figure { margin: 10px 0; } figcaption { font-size: 13px; color: #444; max-width: 1560px; }
.panels { display: flex; flex-wrap: wrap; gap: 8px; max-width: 1600px; }
svg.chart { font-family: system-ui, sans-serif; font-size: 11px; border: 1px solid #eee; }
svg.chart .title { font-size: 13px; font-weight: 600; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; }
nav a { margin-right: 12px; }
)";

}  // namespace

std::string render_html_report(const ResultSet& rs, const WorkloadMetrics& metrics) {
  const Labels labels(rs);
  std::string body;
  body += provenance_section(rs);
  body += cells_section(rs, labels, metrics);
  if (!rs.seed_statistics.empty()) body += seeds_section(rs, labels);
  body += parity_section(rs, labels);
  body += roofline_section(rs, labels);
  body += training_section(rs, labels);
  body += portability_section(rs, labels);
  if (!rs.projections.empty()) body += projections_section(rs);

  std::string nav = "<nav>";
  for (const auto& [id, name] :
       std::vector<std::pair<std::string, std::string>>{{"provenance", "Provenance"},
                                                        {"cells", "Cells"},
                                                        {"parity", "Parity matrix"},
                                                        {"roofline", "Roofline"},
                                                        {"training", "Training curves"},
                                                        {"portability", "Performance portability"},
                                                        {"projections", "Projections"}})
    if (id != "projections" || !rs.projections.empty()) nav += "<a href=\"#" + id + "\">" + name + "</a>";
  nav += "</nav>\n";

  const std::string title = "xpubench report: " + rs.experiment_name;
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) +
         "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" + escape(title) + "</h1>\n" +
         para(
             "Measured numbers come from this machine; projected numbers from the performance model and the "
             "platform descriptors embedded in the result set. Hover a point for its values.") +
         nav + body + "</body>\n</html>\n";
}

}  // namespace xpb::analysis
