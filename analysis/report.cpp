// analysis/report.cpp — building the report's numbers once and rendering them three ways.
#include "analysis/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "analysis/html_report.hpp"
#include "analysis/portability.hpp"
#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/platforms/platform.hpp"

namespace xpb::analysis {

using json = nlohmann::ordered_json;  // keys stay in the order written

ReportFormat parse_report_format(const std::string& s) {
  if (s == "md" || s == "markdown") return ReportFormat::md;
  if (s == "csv") return ReportFormat::csv;
  if (s == "json") return ReportFormat::json;
  if (s == "html") return ReportFormat::html;
  throw Error({{}, 0, "--format"}, "unknown report format '" + s + "'", "use md, csv, json or html");
}

// ------------------------------------------------------------------------------------------------
// Formatting helpers (numbers and tables come from core/base/format.hpp)

namespace {

std::string set_text(const std::vector<std::string>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "}";
}

const char* kTimingNote = "measured on this machine";

// A seed group's label: that of its first cell ("gpt layers=2 ..."), else the workload.
std::string seed_group_label(const ResultSet& rs, const SeedStatRow& st) {
  const auto comma = st.cells.find(',');
  const std::string first = st.cells.substr(0, comma);
  for (const auto& c : rs.cells)
    if (c.id == first) return c.label;
  return st.workload;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Records (CSV / JSON)

std::vector<ReportRecord> report_records(const ResultSet& rs) {
  std::vector<ReportRecord> out;
  auto base = [](const CellResult& c, const char* section) {
    ReportRecord r;
    r.section = section;
    r.cell = c.id, r.workload = c.workload, r.problem = c.label;
    return r;
  };
  for (const auto& c : rs.cells) {
    ReportRecord r = base(c, "cells");
    auto it = c.measured.find("step_seconds");
    const SummaryRow d = describe(it == c.measured.end() ? std::vector<double>{} : it->second);
    r.platform = rs.self_check_platform(), r.source = "measured", r.quantity = "step_seconds";
    r.value = d.median, r.low = d.low, r.high = d.high, r.n = d.n, r.unit = "s";
    r.verdict = std::string(to_string(c.status)),
    r.note = std::string(kTimingNote) + "; low/high: 5 % and 95 % of the steps";
    out.push_back(r);
    // How quiet the machine was and how the repeats were taken (docs/performance.md, Noise and
    // Minimum time): the noisy flag with its reasons, the dispersion, the calls per repeat.
    ReportRecord noisy = base(c, "cells");
    noisy.platform = rs.self_check_platform(), noisy.source = "measured", noisy.quantity = "noisy";
    noisy.value = noisy.low = noisy.high = c.noisy ? 1 : 0, noisy.n = 1;
    noisy.verdict = c.noisy ? "noisy" : "quiet";
    noisy.note = c.noisy ? c.noise_reasons : "dispersion and load average within bounds";
    out.push_back(noisy);
    if (c.dispersion) {
      ReportRecord q = noisy;
      q.quantity = "dispersion", q.value = q.low = q.high = *c.dispersion, q.verdict = noisy.verdict;
      q.note = "IQR / median of the timed steps";
      out.push_back(q);
    }
    ReportRecord calls = noisy;
    calls.quantity = "iterations", calls.value = calls.low = calls.high = double(c.iterations);
    calls.verdict = "", calls.note = "step calls per timed repeat; min_time " + fmt(c.min_time, "%g") + " s";
    out.push_back(calls);
    for (const auto& m : c.metrics) {
      ReportRecord q = base(c, "cells");
      q.platform = rs.self_check_platform(), q.source = "metric", q.quantity = m.name;
      q.value = q.low = q.high = m.value, q.n = 1, q.unit = m.unit,
      q.verdict = std::string(to_string(c.status));
      out.push_back(q);
    }
    for (const auto& p : c.projections) {
      ReportRecord q = base(c, "projection");
      q.platform = p.platform, q.source = "projected", q.quantity = "step_seconds", q.unit = "s";
      q.value = p.ok ? p.step_seconds.nominal : std::nan("");
      q.low = p.ok ? p.step_seconds.low : std::nan("");
      q.high = p.ok ? p.step_seconds.high : std::nan("");
      q.n = p.ok ? 1 : 0;
      q.verdict = p.ok ? p.bound : "unavailable";
      q.note = p.ok ? "performance model; low/high: 5 % and 95 % of its seeded Monte Carlo" : p.reason;
      out.push_back(q);
      if (p.error_vs_measured) {  // on the self-check projection only
        ReportRecord e = base(c, "model_error");
        e.platform = p.platform, e.source = "model_error", e.quantity = "projected_over_measured_minus_1";
        e.value = e.low = e.high = *p.error_vs_measured, e.n = 1;
        e.note = "host projection / measured median - 1";
        out.push_back(e);
      }
    }
  }
  for (const auto& p : rs.parity) {
    ReportRecord q;
    q.section = "parity";
    q.cell = p.cell, q.workload = p.workload, q.platform = p.platform;
    for (const auto& c : rs.cells)
      if (c.id == p.cell) q.problem = c.label;
    q.source = "projected", q.quantity = "speed_ratio_vs_" + rs.parity_reference;
    q.value = p.nominal, q.low = p.low, q.high = p.high, q.n = 1, q.verdict = p.verdict;
    q.note = "t(" + rs.parity_reference + ") / t(platform), band +-" + fmt(100 * rs.parity_band, "%.0f") +
             "%; " + p.bound;
    out.push_back(q);
  }
  auto add_pp = [&](const PortabilityResult& r) {
    ReportRecord q;
    q.section = "portability";
    q.cell = r.cell, q.workload = r.workload, q.problem = r.problem;
    q.platform = "H=" + set_text(r.H);
    q.source = r.scope == "projected"  ? "projected"
               : r.scope == "measured" ? "measured"
                                       : "measured+projected";
    q.quantity = "pp_" + std::string(to_string(r.kind));
    q.value = r.pp.nominal, q.low = r.pp.low, q.high = r.pp.high, q.n = static_cast<long long>(r.H.size());
    q.verdict = r.supported ? "supported" : "unsupported";
    q.note = "Pennycook PP, " + std::string(to_string(r.kind)) + " efficiency";
    if (!r.excluded.empty()) q.note += "; excluded (unknown ceilings): " + set_text(r.excluded);
    if (!r.note.empty()) q.note += "; " + r.note;
    out.push_back(q);
    if (r.scope == "all") return;  // per-platform efficiencies were listed with the first scope
    for (const auto& e : r.efficiencies) {
      ReportRecord x = q;
      x.platform = e.platform, x.source = e.source;
      x.quantity = "efficiency_" + std::string(to_string(r.kind));
      x.value = e.status == "ok" ? e.value.nominal : (e.status == "unsupported" ? 0 : std::nan(""));
      x.low = e.status == "ok" ? e.value.low : x.value;
      x.high = e.status == "ok" ? e.value.high : x.value;
      x.n = 1, x.verdict = e.status, x.note = e.note;
      out.push_back(x);
    }
  };
  for (const auto& r : architectural_portability(rs)) add_pp(r);
  for (const auto& r : application_portability(rs)) add_pp(r);
  for (const auto& st : rs.seed_statistics) {
    ReportRecord q;
    q.section = "seeds";
    q.cell = st.group, q.workload = st.workload, q.problem = seed_group_label(rs, st);
    q.platform = rs.self_check_platform(), q.source = st.kind == "metric" ? "metric" : "measured";
    q.quantity = st.metric, q.unit = st.unit, q.n = st.n;
    // low/high keep their one meaning (5 % and 95 % points of a distribution); with a handful of
    // seeds there is none to speak of, so they are empty and the interval of the mean has its
    // own fields.
    q.value = st.mean, q.low = q.high = std::nan("");
    q.ci95_low = st.ci95_low, q.ci95_high = st.ci95_high;
    q.note = "mean over seeds " + st.seeds + "; sd " + fmt(st.sd, "%.3g") + "; 95% interval of the mean [" +
             fmt(st.ci95_low, "%.4g") + ", " + fmt(st.ci95_high, "%.4g") + "] (Student's t)";
    out.push_back(q);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Markdown

namespace {

// A cell's headline metrics (MetricSpec::headline): "name value unit", a scalar's value or a
// per-step value's median; "-" when none.
std::string headline(const CellResult& c, const WorkloadMetrics& metrics) {
  const auto it = metrics.find(c.workload);
  if (it == metrics.end()) return "-";
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
  return text.empty() ? "-" : text;
}

std::string render_md(const ResultSet& rs, const WorkloadMetrics& metrics) {
  std::string s;
  const auto order = rs.platform_order();
  std::vector<std::string> targets;
  for (const auto& p : order)
    if (!rs.is_host(p)) targets.push_back(p);

  s += "# xpubench report: " + rs.experiment_name + "\n\n";
  s += "- result set: `" + rs.path + "` (schema v" + std::to_string(rs.schema_version) + ")\n";
  s += "- written by xpubench " + rs.root("tool_version") + ", commit " + rs.root("git_commit") +
       (rs.root_integers.count("git_dirty") && rs.root_integers.at("git_dirty") ? " (dirty)" : "") +
       ", created " + rs.root("created_utc") + "\n";
  s += "- host: " + rs.root("host") +
       (rs.root("cpu_model").empty() ? "" : " (" + rs.root("cpu_model") + ")") + "\n";
  if (!rs.root("kokkos_backend").empty())
    s += "- Kokkos: " + rs.root("kokkos_version") + ", backend " + rs.root("kokkos_backend") +
         (rs.root_integers.count("kokkos_threads")
              ? ", " + std::to_string(rs.root_integers.at("kokkos_threads")) + " threads"
              : "") +
         "\n";
  s += "- platforms:";
  for (const auto& p : rs.platforms)
    s += " " + p.name +
         (p.worst_confidence.empty() ? "" : " (worst confidence: " + p.worst_confidence + ")") + ";";
  s += "\n\n";

  // Cells
  s += "## Cells: measured on this machine\n\n";
  MarkdownTable cells({"cell", "workload", "problem", "status", "median step", "IQR", "n",
                       "achieved (measured)", "headline metrics"});
  for (const auto& c : rs.cells) {
    auto it = c.measured.find("step_seconds");
    const SummaryRow d = describe(it == c.measured.end() ? std::vector<double>{} : it->second);
    std::string achieved;
    if (const auto* m = c.metric("achieved_gbps"))
      achieved = fmt(m->value) + " GB/s";
    else if (const auto* g = c.metric("achieved_gflops"))
      achieved = fmt(g->value) + " GFLOP/s";
    std::string status(to_string(c.status));
    if (c.status != CellStatus::ok) status += ": " + c.reason;
    if (c.noisy) status += " (noisy: " + c.noise_reasons + ")";
    cells.row({c.id, c.workload, c.label, status, fmt_seconds(d.median), fmt_seconds(d.q3 - d.q1),
               std::to_string(d.n), achieved.empty() ? "-" : achieved, headline(c, metrics)});
  }
  s += cells.str() + "\n";

  // Over seeds
  if (!rs.seed_statistics.empty()) {
    s += "## Over seeds: cells that differ only in their seed\n\n";
    s += "Mean ± sample sd over the seeds; interval: 95% of the mean (Student's t, n − 1 degrees of "
         "freedom). Scalar metrics, and each cell's median step time; quantities equal for every seed "
         "are left out.\n\n";
    MarkdownTable st({"group", "problem", "metric", "unit", "mean ± sd", "95% interval", "n", "seeds"});
    for (const auto& r : rs.seed_statistics) {
      if (r.kind == "measured" && r.metric != "step_seconds") continue;
      if (r.min == r.max) continue;
      st.row({r.group, seed_group_label(rs, r), r.kind == "measured" ? r.metric + " (median)" : r.metric,
              r.unit, fmt(r.mean, "%.4g") + " ± " + fmt(r.sd, "%.2g"),
              "[" + fmt(r.ci95_low, "%.4g") + ", " + fmt(r.ci95_high, "%.4g") + "]", std::to_string(r.n),
              r.seeds});
    }
    s += st.str() + "\n";
  }

  // Projections
  s += "## Projected step time per platform (performance model)\n\n";
  s += "Nominal [low, high] from the descriptors' ranges; the dominant bound in parentheses.\n\n";
  std::vector<std::string> head = {"cell", "problem"};
  for (const auto& p : order) head.push_back(p + (rs.is_host(p) ? " (self-check)" : ""));
  MarkdownTable proj(head);
  for (const auto& c : rs.cells) {
    std::vector<std::string> row = {c.id, c.label};
    for (const auto& p : order) {
      const ProjectionRecord* pr = c.projection(p);
      if (!pr)
        row.push_back("-");
      else if (!pr->ok)
        row.push_back("n/a");
      else
        row.push_back(fmt_range(pr->step_seconds, fmt_seconds) + " (" + pr->bound + ")");
    }
    proj.row(row);
  }
  s += proj.str() + "\n";

  // Parity matrix
  s += "## H20 parity matrix (projected)\n\n";
  if (rs.parity.empty()) {
    s += "No parity rows: the reference platform '" + rs.parity_reference +
         "' is not among the platforms or has no projection.\n\n";
  } else {
    s += "Speed ratio t(" + rs.parity_reference +
         ") / t(platform): above 1 the platform is faster. "
         "Ranges: 5-95 % of a joint Monte Carlo (inputs that share a source drawn together). Verdict: "
         "parity when that interval lies within +-" +
         fmt(100 * rs.parity_band, "%.0f") + "%, inconclusive when it straddles the band.\n\n";
    std::vector<std::string> ph = {"cell", "problem"};
    std::vector<std::string> cols;
    for (const auto& p : targets) {
      bool any = false;
      for (const auto& r : rs.parity) any = any || r.platform == p;
      if (any) cols.push_back(p), ph.push_back(p);
    }
    MarkdownTable par(ph);
    for (const auto& c : rs.cells) {
      std::vector<std::string> row = {c.id, c.label};
      bool any = false;
      for (const auto& p : cols) {
        std::string cell = "-";
        for (const auto& r : rs.parity)
          if (r.cell == c.id && r.platform == p) {
            any = true;
            cell = r.verdict == "unavailable"
                       ? "unavailable"
                       : fmt_range({r.low, r.nominal, r.high}, fmt_ratio) + " " + r.verdict;
          }
        row.push_back(cell);
      }
      if (any) par.row(row);
    }
    s += par.str() + "\n";
  }

  // Model error
  s += "## Model error on this machine\n\n";
  MarkdownTable err({"cell", "problem", "measured median", "projected (host)", "error"});
  std::vector<double> abs_err;
  std::string why_none;
  for (const auto& c : rs.cells) {
    const ProjectionRecord* pr = c.projection(rs.self_check_platform());
    if (!pr) continue;
    if (!pr->ok || !pr->error_vs_measured) {
      if (why_none.empty()) why_none = pr->reason;
      continue;
    }
    abs_err.push_back(std::fabs(*pr->error_vs_measured));
    err.row({c.id, c.label, fmt_seconds(c.median_step_seconds()), fmt_seconds(pr->step_seconds.nominal),
             fmt(100 * *pr->error_vs_measured, "%+.1f%%")});
  }
  if (err.empty()) {
    s += "Not available: the host projection failed (" +
         (why_none.empty() ? "no host projection" : why_none) +
         "). Run `xpubench calibrate` to measure the host's ceilings.\n\n";
  } else {
    s += "Error = host projection / measured median - 1 (the model's self-check; measured vs "
         "projected, labelled). Median |error| " +
         fmt_percent(median(abs_err)) + ", worst " +
         fmt_percent(*std::max_element(abs_err.begin(), abs_err.end())) + ".\n\n" + err.str() + "\n";
  }

  // Portability
  const auto arch = architectural_portability(rs);
  s += "## Performance portability (Pennycook PP)\n\n";
  s += "PP(a, p, H) = |H| / sum_i 1/e_i over the platforms H, 0 when the problem does not run on "
       "one of them. **Efficiency kind: architectural**: e_i = roofline-ideal step time from the "
       "descriptor's ceilings (peak per dtype, memory bandwidth; efficiency tables and launch "
       "overhead removed) / step time, where the step time is *projected* (p) for the descriptors "
       "and *measured* (m) for this machine. Problem p = the cell (workload and parameters). "
       "Platforms whose ceilings are unknown are left out of H and named.\n\n";
  std::vector<std::string> eh = {"cell", "problem"};
  for (const auto& p : order) eh.push_back("e " + p + (rs.is_host(p) ? " (m)" : " (p)"));
  eh.push_back("PP, H = projected");
  eh.push_back("PP, H = projected + host (m)");
  MarkdownTable pt(eh);
  std::vector<std::string> notes;
  for (const auto& c : rs.cells) {
    const PortabilityResult* pp_proj = nullptr;
    const PortabilityResult* pp_all = nullptr;
    for (const auto& r : arch)
      if (r.cell == c.id) (r.scope == "all" ? pp_all : pp_proj) = &r;
    if (!pp_proj) continue;
    std::vector<std::string> row = {c.id, c.label};
    for (const auto& p : order) {
      std::string cell = "-";
      for (const auto& e : pp_proj->efficiencies)
        if (e.platform == p) cell = e.status == "ok" ? fmt_range(e.value, fmt_percent) : e.status;
      row.push_back(cell);
    }
    auto pp_text = [](const PortabilityResult* r) -> std::string {
      if (!r) return "-";
      if (r->H.empty()) return "n/a";
      return fmt_range(r->pp, fmt_percent) + " (|H|=" + std::to_string(r->H.size()) + ")";
    };
    row.push_back(pp_text(pp_proj));
    row.push_back(pp_text(pp_all));
    pt.row(row);
    std::string n = c.id + ": H = " + set_text(pp_proj->H);
    if (!pp_proj->excluded.empty()) {
      std::string left;
      for (const auto& e : pp_proj->efficiencies)
        if (e.status == "unknown" && e.source == "projected")
          left += (left.empty() ? "" : ", ") + e.platform + " (" + e.note + ")";
      n += "; left out (unknown ceilings): " + left;
    }
    // One note per reason, naming every platform it applies to (a cell that did not run has the
    // same reason on each).
    std::vector<std::pair<std::string, std::string>> unsupported;  // note, platforms
    for (const auto& e : pp_proj->efficiencies) {
      if (e.status == "unsupported") {
        auto it = std::find_if(unsupported.begin(), unsupported.end(),
                               [&](const auto& u) { return u.first == e.note; });
        if (it == unsupported.end())
          unsupported.emplace_back(e.note, e.platform);
        else
          it->second += ", " + e.platform;
      }
      if (e.source == "measured" && e.status == "unknown") n += "; host (m) left out: " + e.note;
    }
    for (const auto& [note, platforms] : unsupported) n += "; unsupported on " + platforms + ": " + note;
    notes.push_back(n);
  }
  s += pt.str() + "\n";
  for (const auto& n : notes) s += "- " + n + "\n";
  s += "\n";

  const auto app = application_portability(rs);
  s += "### Application efficiency (measured on this machine)\n\n";
  if (app.empty()) {
    s += "No problem in this result set ran as several implementation variants (params `path`, "
         "`impl` or `variant`, e.g. gemm path=native vs path=vendor), so no application efficiency.\n";
  } else {
    s += "**Efficiency kind: application**: e = best measured variant / this variant for the same "
         "problem, H = {host}. Projected application efficiency is not reported: variants share a "
         "ledger, so the model cannot tell them apart.\n\n";
    MarkdownTable at({"cell", "problem", "variant", "e (m)", "PP, H = {host}"});
    for (const auto& r : app)
      at.row({r.cell, r.problem, r.note,
              r.efficiencies.empty() || r.efficiencies[0].status != "ok"
                  ? "unsupported"
                  : fmt_percent(r.efficiencies[0].value.nominal),
              fmt_percent(r.pp.nominal)});
    s += at.str();
  }
  return s;
}

// ------------------------------------------------------------------------------------------------
// CSV and JSON

std::string render_csv(const ResultSet& rs) {
  std::string s =
      "section,cell,workload,problem,platform,source,quantity,value,low,high,n,unit,verdict,note\n";
  for (const auto& r : report_records(rs)) {
    s += csv_field(r.section) + "," + csv_field(r.cell) + "," + csv_field(r.workload) + "," +
         csv_field(r.problem) + "," + csv_field(r.platform) + "," + csv_field(r.source) + "," +
         csv_field(r.quantity) + "," + fmt_exact(r.value) + "," + fmt_exact(r.low) + "," + fmt_exact(r.high) +
         "," + std::to_string(r.n) + "," + csv_field(r.unit) + "," + csv_field(r.verdict) + "," +
         csv_field(r.note) + "\n";
  }
  return s;
}

// A number for JSON: NaN and infinities become null, which JSON can spell.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json range_json(const Range& r) {
  return json{{"low", number(r.low)}, {"nominal", number(r.nominal)}, {"high", number(r.high)}};
}

std::string render_json(const ResultSet& rs) {
  json doc = {{"xpubench_json", 1},  // docs/json.md's layout version (the key added later: keys only grow)
              {"schema", "xpubench.report"},
              {"result_set", rs.path},
              {"experiment", rs.experiment_name},
              {"parity_reference", rs.parity_reference},
              {"parity_band", number(rs.parity_band)}};
  json prov = json::object();
  for (const auto& [k, v] : rs.root_strings)
    if (k != "experiment_yaml") prov[k] = v;
  for (const auto& [k, v] : rs.root_integers) prov[k] = v;
  doc["provenance"] = prov;

  // The descriptors' ceilings, for the roofline plots (plots/plot_results.py --report).
  json platforms = json::array();
  for (const auto& p : rs.platforms) {
    json j = {{"name", p.name}, {"display_name", p.display_name}, {"kind", p.kind}};
    Platform d;
    try {
      d = load_platform_text(p.descriptor_yaml, p.name + ".yaml");
    } catch (const Error& e) {
      j["error"] = e.located();
      platforms.push_back(j);
      continue;
    }
    j["memory_bandwidth"] = d.memory_bandwidth.present ? range_json(d.memory_bandwidth.value) : json(nullptr);
    json peaks = json::object();
    for (DType t : kAllDTypes) {
      auto it = d.peak.find(t);
      json v = nullptr;
      if (it != d.peak.end() && it->second.status == PeakStatus::unsupported)
        v = "unsupported";
      else if (auto pk = d.peak_flops(t))
        v = range_json(*pk);
      peaks[std::string(to_string(t))] = v;
    }
    j["peaks"] = peaks;
    platforms.push_back(j);
  }
  doc["platforms"] = platforms;

  json portability = json::array();
  auto add = [&](const PortabilityResult& r) {
    json effs = json::array();
    for (const auto& e : r.efficiencies) {
      const bool ok = e.status == "ok";
      effs.push_back({{"platform", e.platform},
                      {"source", e.source},
                      {"status", e.status},
                      {"low", number(ok ? e.value.low : NAN)},
                      {"nominal", number(ok ? e.value.nominal : NAN)},
                      {"high", number(ok ? e.value.high : NAN)},
                      {"note", e.note}});
    }
    portability.push_back({{"cell", r.cell},
                           {"problem", r.problem},
                           {"efficiency_kind", std::string(to_string(r.kind))},
                           {"scope", r.scope},
                           {"H", r.H},
                           {"excluded", r.excluded},
                           {"supported", r.supported},
                           {"pp", range_json(r.pp)},
                           {"efficiencies", effs},
                           {"note", r.note}});
  };
  for (const auto& r : architectural_portability(rs)) add(r);
  for (const auto& r : application_portability(rs)) add(r);
  doc["portability"] = portability;

  json records = json::array();
  for (const auto& r : report_records(rs)) {
    records.push_back({{"section", r.section},
                       {"cell", r.cell},
                       {"workload", r.workload},
                       {"problem", r.problem},
                       {"platform", r.platform},
                       {"source", r.source},
                       {"quantity", r.quantity},
                       {"value", number(r.value)},
                       {"low", number(r.low)},
                       {"high", number(r.high)},
                       {"n", r.n},
                       {"unit", r.unit},
                       {"verdict", r.verdict},
                       {"note", r.note}});
    if (r.section == "seeds")
      records.back()["ci95"] = {{"low", number(r.ci95_low)}, {"high", number(r.ci95_high)}};
  }
  doc["records"] = records;
  // Invalid UTF-8 in a name or a note is replaced, not thrown: a report never fails on text.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string render_report(const ResultSet& rs, ReportFormat format, const WorkloadMetrics& metrics) {
  switch (format) {
    case ReportFormat::md: return render_md(rs, metrics);
    case ReportFormat::csv: return render_csv(rs);
    case ReportFormat::json: return render_json(rs);
    case ReportFormat::html: return render_html_report(rs, metrics);
  }
  return {};
}

}  // namespace xpb::analysis
