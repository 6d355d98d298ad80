// analysis/portability.hpp — Pennycook's performance-portability metric over a result set.
// PP(a, p, H) = |H| / Σ 1/e_i when the application runs on every platform of H, else 0: the
// harmonic mean of per-platform efficiencies. Every result names its efficiency kind, H and the
// problem p, and keeps measured (this machine) and projected (model) efficiencies apart.
// It reads a loaded ResultSet; it runs nothing and projects only with the embedded descriptors.
#pragma once

#include <string>
#include <vector>

#include "analysis/result_set.hpp"
#include "core/base/range.hpp"

namespace xpb::analysis {

enum class EfficiencyKind {
  architectural,  // achieved / the descriptor's roofline ceilings (peak[dtype], memory bandwidth)
  application     // achieved / the best variant of the same problem (e.g. gemm path=vendor)
};
std::string_view to_string(EfficiencyKind k);

struct PlatformEfficiency {
  std::string platform;
  std::string source;  // "measured" (timed on this machine) or "projected" (performance model)
  std::string status;  // "ok", "unsupported" (does not run: PP = 0) or "unknown" (left out of H)
  Range value;         // efficiency in [0, 1] with the descriptor's uncertainty
  std::string note;    // why unsupported/unknown, or what the ceiling was
};

struct PortabilityResult {
  std::string cell, workload, params, problem;  // problem: the cell's label
  EfficiencyKind kind = EfficiencyKind::architectural;
  std::string scope;                        // "projected", "measured" or "all"
  std::vector<PlatformEfficiency> efficiencies;  // every platform considered
  std::vector<std::string> H;               // platforms in the metric
  std::vector<std::string> excluded;        // platforms left out (efficiency unknown)
  Range pp;                                 // 0 when unsupported on a platform of H
  bool supported = true;
  std::string note;
};

// Harmonic mean of efficiencies; 0 when empty or when any efficiency is ≤ 0 (unsupported).
double pennycook(const std::vector<double>& efficiencies);

// Roofline-ideal step time of a ledger on a descriptor: the projection with every efficiency
// set to 1 and no launch overhead. ok=false (with `reason`) when a ceiling is unknown;
// `unsupported` is set when a dtype's peak is marked unsupported.
struct IdealTime {
  bool ok = false, unsupported = false;
  Range seconds;
  std::string reason;
};
IdealTime ideal_step_seconds(const Ledger& ledger, const std::string& descriptor_yaml,
                             const std::string& platform_name);

// Architectural PP per cell, for scope "projected" (H = projected platforms) and, when the host
// descriptor has ceilings, "all" (H = projected platforms + the measured host).
std::vector<PortabilityResult> architectural_portability(const ResultSet& rs);

// Application efficiency per cell whose problem also ran as other variants: cells equal in
// workload and params except the variant keys ("path", "impl", "variant"). Measured only: the
// projection of a variant is the same ledger, so projected application efficiency is 1 by
// construction and is not reported.
std::vector<PortabilityResult> application_portability(const ResultSet& rs,
                                                       const std::vector<std::string>& variant_keys = {
                                                           "path", "impl", "variant"});

}  // namespace xpb::analysis
