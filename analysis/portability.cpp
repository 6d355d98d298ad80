// analysis/portability.cpp — per-platform efficiencies and their harmonic mean.
#include "analysis/portability.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

#include "core/base/error.hpp"
#include "core/model/projector.hpp"
#include "core/platforms/platform.hpp"

namespace xpb::analysis {

std::string_view to_string(EfficiencyKind k) {
  return k == EfficiencyKind::architectural ? "architectural" : "application";
}

double pennycook(const std::vector<double>& e) {
  if (e.empty()) return 0;
  double inv = 0;
  for (double x : e) {
    if (!(x > 0)) return 0;
    inv += 1.0 / x;
  }
  return static_cast<double>(e.size()) / inv;
}

// ------------------------------------------------------------------------------------------------
// Ceilings

IdealTime ideal_step_seconds(const Ledger& ledger, const std::string& descriptor_yaml,
                             const std::string& platform_name) {
  IdealTime out;
  if (descriptor_yaml.empty()) {
    out.reason = "no descriptor embedded for " + platform_name;
    return out;
  }
  Platform p;
  try {
    p = load_platform_text(descriptor_yaml, platform_name + ".yaml");
  } catch (const Error& e) {
    out.reason = "embedded descriptor no longer loads: " + e.located();
    return out;
  }
  p.name = platform_name;
  for (const auto& k : ledger) {
    if (k.kind == OpKind::collective || k.collective != Collective::none || !(k.flops > 0)) continue;
    auto it = p.peak.find(k.dtype);
    if (it != p.peak.end() && it->second.status == PeakStatus::unsupported) {
      out.unsupported = true;
      out.reason = std::string(to_string(k.dtype)) + " is unsupported on " + platform_name;
      return out;
    }
  }
  // The ceilings alone: every achievable-fraction table removed, no launch overhead, none of the
  // model's constants (kernel gaps, element-wise fractions). The range is the ceilings' whole
  // range (the worst-case envelope of the nominal-input projection), not a Monte Carlo interval.
  p.efficiency = EfficiencyTables{};
  ProjectOptions opt;
  opt.overlap = true;
  opt.include_launch = false;
  opt.use_constants = false;
  opt.mc.samples = 0;
  const Projection pr = project(ledger, p, opt);
  if (!pr.ok) {
    out.reason = pr.reason;
    return out;
  }
  out.ok = true;
  out.seconds = {pr.step.envelope_low, pr.step.nominal, pr.step.envelope_high};
  return out;
}

namespace {

// e = ideal / achieved per scenario, sorted into a Range (nominal from the nominal scenario).
Range efficiency_range(Range ideal, Range achieved) {
  std::array<double, 3> v = {ideal.low / achieved.low, ideal.nominal / achieved.nominal,
                             ideal.high / achieved.high};
  const double nominal = v[1];
  std::sort(v.begin(), v.end());
  return {v[0], nominal, v[2]};
}

Range pp_of(const std::vector<PlatformEfficiency>& es, const std::vector<std::string>& H) {
  std::vector<double> lo, no, hi;
  for (const auto& e : es) {
    if (std::find(H.begin(), H.end(), e.platform) == H.end()) continue;
    const bool ok = e.status == "ok";
    lo.push_back(ok ? e.value.low : 0);
    no.push_back(ok ? e.value.nominal : 0);
    hi.push_back(ok ? e.value.high : 0);
  }
  return {pennycook(lo), pennycook(no), pennycook(hi)};
}

PortabilityResult make_result(const CellResult& c, EfficiencyKind kind, const std::string& scope,
                              std::vector<PlatformEfficiency> es, bool include_host_measured) {
  PortabilityResult r;
  r.cell = c.id, r.workload = c.workload, r.params = c.params, r.problem = c.label;
  r.kind = kind;
  r.scope = scope;
  for (const auto& e : es) {
    const bool wanted = e.source == "projected" || (include_host_measured && e.source == "measured");
    if (!wanted) continue;
    if (e.status == "unknown")
      r.excluded.push_back(e.platform);
    else
      r.H.push_back(e.platform);
  }
  for (const auto& e : es)
    if (std::find(r.H.begin(), r.H.end(), e.platform) != r.H.end() && e.status != "ok") r.supported = false;
  r.pp = r.H.empty() ? Range{std::nan(""), std::nan(""), std::nan("")} : pp_of(es, r.H);
  if (r.H.empty())
    r.note = "no platform with known ceilings";
  else if (!r.supported)
    r.note = "unsupported on a platform of H: PP = 0";
  r.efficiencies = std::move(es);
  return r;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Architectural efficiency

std::vector<PortabilityResult> architectural_portability(const ResultSet& rs) {
  std::vector<PortabilityResult> out;
  const auto order = rs.platform_order();
  for (const auto& c : rs.cells) {
    std::vector<PlatformEfficiency> es;
    const double measured = c.median_step_seconds();
    for (const auto& name : order) {
      const PlatformRecord* desc = rs.platform(name);
      const std::string yaml = desc ? desc->descriptor_yaml : "";
      // Projected efficiency (every platform but the host, whose projection is the self-check).
      if (!rs.is_host(name)) {
        PlatformEfficiency e;
        e.platform = name;
        e.source = "projected";
        const ProjectionRecord* pr = c.projection(name);
        // A skipped cell (too few ranks) has its ledger and projections: only the host's
        // measured efficiency is missing.
        if (c.status != CellStatus::ok && c.status != CellStatus::skipped) {
          e.status = "unsupported";
          e.note = "cell " + std::string(to_string(c.status)) + ": " + c.reason;
        } else {
          const IdealTime ideal = ideal_step_seconds(c.ledger, yaml, name);
          if (ideal.unsupported)
            e.status = "unsupported", e.note = ideal.reason;
          else if (!pr || !pr->ok)
            e.status = "unknown", e.note = pr ? pr->reason : "no projection";
          else if (!ideal.ok)
            e.status = "unknown", e.note = ideal.reason;
          else {
            e.status = "ok";
            e.value = efficiency_range(ideal.seconds, pr->step_seconds);
            e.note = "roofline-ideal / projected step time";
          }
        }
        es.push_back(e);
        continue;
      }
      // Measured efficiency on this machine against the host descriptor's ceilings.
      PlatformEfficiency e;
      e.platform = name;
      e.source = "measured";
      if (c.status != CellStatus::ok) {
        e.status = "unsupported";
        e.note = "cell " + std::string(to_string(c.status)) + ": " + c.reason;
      } else {
        const IdealTime ideal = ideal_step_seconds(c.ledger, yaml, name);
        if (ideal.unsupported)
          e.status = "unsupported", e.note = ideal.reason;
        else if (!ideal.ok)
          e.status = "unknown", e.note = ideal.reason + " (run `xpubench calibrate`)";
        else if (!(measured > 0))
          e.status = "unknown", e.note = "no measured step time";
        else {
          e.status = "ok";
          e.value = efficiency_range(ideal.seconds, Range::exact(measured));
          e.note = "roofline-ideal / measured median step time";
        }
      }
      es.push_back(e);
    }
    out.push_back(make_result(c, EfficiencyKind::architectural, "projected", es, false));
    const auto host = std::find_if(es.begin(), es.end(),
                                   [](const PlatformEfficiency& e) { return e.source == "measured"; });
    if (host != es.end() && host->status != "unknown")
      out.push_back(make_result(c, EfficiencyKind::architectural, "all", es, true));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Application efficiency

std::vector<PortabilityResult> application_portability(const ResultSet& rs,
                                                       const std::vector<std::string>& variant_keys) {
  // Problem key: workload + params without the variant keys; variant: the removed values.
  struct Member {
    const CellResult* cell;
    std::string variant;
  };
  std::map<std::string, std::vector<Member>> groups;
  std::vector<std::string> order;
  for (const auto& c : rs.cells) {
    YAML::Node p;
    try {
      p = YAML::Load(c.params);
    } catch (const YAML::Exception&) {
      continue;
    }
    if (!p.IsMap()) continue;
    std::string key = c.workload, variant;
    for (const auto& kv : p) {
      if (!kv.first.IsScalar()) continue;  // a damaged file: never a conversion exception
      const std::string& k = kv.first.Scalar();
      const std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "?";
      if (std::find(variant_keys.begin(), variant_keys.end(), k) != variant_keys.end())
        variant += (variant.empty() ? "" : ",") + k + "=" + v;
      else
        key += " " + k + "=" + v;
    }
    if (variant.empty()) continue;
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back({&c, variant});
  }
  std::vector<PortabilityResult> out;
  for (const auto& key : order) {
    const auto& g = groups[key];
    if (g.size() < 2) continue;
    double best = std::numeric_limits<double>::infinity();
    std::string best_variant;
    for (const auto& m : g) {
      const double t = m.cell->median_step_seconds();
      if (m.cell->status == CellStatus::ok && t > 0 && t < best) best = t, best_variant = m.variant;
    }
    for (const auto& m : g) {
      PlatformEfficiency e;
      e.platform = rs.self_check_platform();
      e.source = "measured";
      const double t = m.cell->median_step_seconds();
      if (m.cell->status != CellStatus::ok || !(t > 0) || !std::isfinite(best)) {
        e.status = "unsupported";
        e.note = "variant " + m.variant + " did not run correctly";
      } else {
        e.status = "ok";
        e.value = Range::exact(best / t);
        e.note = "best variant (" + best_variant + ") / this variant (" + m.variant + "), measured medians";
      }
      PortabilityResult r = make_result(*m.cell, EfficiencyKind::application, "measured", {e}, true);
      r.problem = key;
      r.note = (r.note.empty() ? "" : r.note + "; ") + "variant " + m.variant + ", best " + best_variant;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace xpb::analysis
