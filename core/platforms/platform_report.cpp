// core/platforms/platform_report.cpp — text views of a descriptor for `list platforms` / `show platform`.
// Numbers are shown in a readable unit chosen from their magnitude (the struct holds SI); ranges
// as "nominal [low .. high]". Every number keeps its confidence and source next to it.
#include "core/platforms/platform_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/base/format.hpp"

namespace xpb {

namespace {

struct Shown {
  double factor;
  const char* unit;
};

Shown display_unit(double nominal, UnitKind kind) {
  switch (kind) {
    case UnitKind::flops: return nominal >= 1e12 ? Shown{1e12, "TFLOP/s"} : Shown{1e9, "GFLOP/s"};
    case UnitKind::bandwidth: return nominal >= 1e12 ? Shown{1e12, "TB/s"} : Shown{1e9, "GB/s"};
    case UnitKind::bytes:
      return nominal >= 1e9 ? Shown{1e9, "GB"} : nominal >= 1e6 ? Shown{1e6, "MB"} : Shown{1, "B"};
    case UnitKind::seconds:
      if (nominal >= 1) return {1, "s"};
      return nominal >= 1e-3 ? Shown{1e-3, "ms"} : nominal >= 1e-6 ? Shown{1e-6, "us"} : Shown{1e-9, "ns"};
    case UnitKind::watts: return {1, "W"};
    case UnitKind::fraction: return {1, ""};
    case UnitKind::count: return {1, ""};
  }
  return {1, ""};
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string source_text(const Source& s) {
  std::string t = s.title;
  if (!s.url.empty()) t += " <" + s.url + ">";
  if (!s.date.empty()) t += " (" + s.date + ")";
  return t;
}

}  // namespace

std::string format_quantity(const Range& r, UnitKind kind) {
  const Shown u = display_unit(r.nominal, kind);
  std::string s = fmt_range({r.low / u.factor, r.nominal / u.factor, r.high / u.factor}, fmt_short, " .. ");
  if (u.unit[0]) s += std::string(" ") + u.unit;
  // Sizes quoted by drivers are binary: show GiB too when it is a round number of them.
  const double gib = r.nominal / 1073741824.0;
  if (kind == UnitKind::bytes && gib >= 1 && std::fabs(gib - std::round(gib)) < 1e-9)
    s += " (" + fmt_short(gib) + " GiB)";
  return s;
}

// The value of a field in display form; int8 peaks count operations, not FLOPs.
static std::string field_value(const FieldRef& f) {
  std::string v = format_quantity(f.quantity->value, f.kind);
  if (f.key == "peak.int8") {
    const auto at = v.find("FLOP/s");
    if (at != std::string::npos) v.replace(at, 6, "OP/s");
  }
  return v;
}

// Worst confidence of the headline specs (peaks, memory), as opposed to the model tables.
static Confidence spec_confidence(const Platform& p) {
  Confidence worst = Confidence::measured;
  for (const auto& f : platform_fields(p))
    if (f.key.rfind("peak.", 0) == 0 || f.key.rfind("memory.", 0) == 0)
      worst = std::max(worst, f.quantity->confidence);
  return worst;
}

std::string platform_summary_line(const Platform& p) {
  std::string bf16 = "bf16 ";
  auto it = p.peak.find(DType::bf16);
  if (it == p.peak.end() || it->second.status == PeakStatus::unknown)
    bf16 += "unknown";
  else if (it->second.status == PeakStatus::unsupported)
    bf16 += "unsupported";
  else
    bf16 += format_quantity(it->second.flops.value, UnitKind::flops);
  auto field = [](const Quantity& q, UnitKind k) {
    return q.present ? format_quantity(q.value, k) : std::string("unknown");
  };
  std::string s = pad(p.name, 24) + " " + pad(p.vendor, 16) + " " + pad(bf16, 30) + " bw " +
                  pad(field(p.memory_bandwidth, UnitKind::bandwidth), 24) + " mem " +
                  pad(field(p.memory_capacity, UnitKind::bytes), 19) +
                  " specs: " + pad(std::string(to_string(spec_confidence(p))), 9) +
                  " worst: " + std::string(to_string(p.worst_confidence()));
  if (!p.unknown.empty()) s += ", " + std::to_string(p.unknown.size()) + " unknown";
  return s;
}

std::string platform_details(const Platform& p) {
  std::ostringstream o;
  o << p.name << ": " << p.display_name << "\n";
  o << "  vendor: " << p.vendor << "    kind: " << p.kind << "\n";
  if (!p.architecture.empty()) o << "  architecture: " << p.architecture << "\n";
  if (!p.memory_type.empty()) o << "  memory type: " << p.memory_type << "\n";
  if (!p.intra_node.name.empty() || !p.intra_node.topology.empty())
    o << "  intra-node link: " << p.intra_node.name
      << (p.intra_node.topology.empty() ? "" : "; " + p.intra_node.topology) << "\n";
  if (!p.inter_node.name.empty() || !p.inter_node.topology.empty())
    o << "  inter-node network: " << p.inter_node.name
      << (p.inter_node.topology.empty() ? "" : "; " + p.inter_node.topology) << "\n";
  if (!p.host_link_name.empty()) o << "  host link: " << p.host_link_name << "\n";
  if (!p.software.empty()) o << "  software: " << p.software << "\n";
  o << "  file: " << (p.path.empty() ? "(auto-described)" : p.path) << "\n";
  o << "  sha256: " << p.sha256 << "\n";
  o << "  worst confidence: " << to_string(p.worst_confidence()) << "\n";
  for (const auto& kv : p.provenance) o << "  provenance." << kv.first << ": " << kv.second << "\n";
  if (!p.notes.empty()) o << "  notes: " << p.notes << "\n";

  o << "\nNumbers (nominal [low .. high]; confidence; source):\n";
  const auto fields = platform_fields(p);
  std::size_t w = 12;
  for (const auto& f : fields) w = std::max(w, f.key.size());
  for (const auto& f : fields) {
    const Quantity& q = *f.quantity;
    std::string value = field_value(f);
    if (f.key.rfind("efficiency.gemm", 0) == 0) {
      // Show where the step starts.
      for (const auto& st : p.efficiency.gemm)
        if (&st.quantity == &q) value = ">= " + fmt_short(st.min_flops / 1e9) + " GFLOP: " + value;
      for (const auto& kv : p.efficiency.gemm_per_dtype)
        for (const auto& st : kv.second)
          if (&st.quantity == &q) value = ">= " + fmt_short(st.min_flops / 1e9) + " GFLOP: " + value;
    }
    for (const auto& st : p.cache_bandwidth)  // show the working sets a cache step holds
      if (&st.bandwidth == &q) value = "<= " + fmt_short(st.max_bytes / 1048576.0) + " MiB: " + value;
    for (const auto& st : p.handoff_bandwidth)  // and the kernel sizes a handoff step holds
      if (&st.bandwidth == &q)
        value = "<= " + fmt_short(st.max_bytes / 1048576.0) + " MiB a kernel: " + value;
    o << "  " << pad(f.key, w) << "  " << pad(value, 30) << "  "
      << pad(std::string(to_string(q.confidence)), 9) << "\n";
    o << "  " << pad("", w) << "    source: " << source_text(q.source) << "\n";
    if (!q.derivation.empty()) o << "  " << pad("", w) << "    derivation: " << q.derivation << "\n";
    if (!q.note.empty()) o << "  " << pad("", w) << "    note: " << q.note << "\n";
  }

  o << "\nPeaks not available:\n";
  bool any = false;
  for (DType d : kAllDTypes) {
    auto it = p.peak.find(d);
    if (it == p.peak.end() || it->second.status == PeakStatus::known) continue;
    any = true;
    o << "  peak." << to_string(d) << ": "
      << (it->second.status == PeakStatus::unsupported
              ? "unsupported (no such hardware path)"
              : "unknown (no value given; support may or may not exist)");
    auto u = p.unknown.find("peak." + std::string(to_string(d)));
    if (u != p.unknown.end() && !u->second.empty()) o << " — " << u->second;
    o << "\n";
  }
  if (!any) o << "  (none)\n";
  bool header = false;
  for (const auto& kv : p.unknown) {
    if (kv.first.rfind("peak.", 0) == 0) continue;
    if (!header) o << "\nOther numbers stated unknown:\n";
    header = true;
    o << "  " << kv.first << (kv.second.empty() ? "" : ": " + kv.second) << "\n";
  }

  o << "\nDerived:\n";
  for (DType d : kAllDTypes) {
    const auto r = p.ridge_point(d);
    if (!r) continue;
    o << "  ridge point " << pad(std::string(to_string(d)), 5) << " " << fmt_range(*r, fmt_short, " .. ");
    o << " FLOP/B  (peak / memory bandwidth)\n";
  }
  if (p.memory_capacity.present && p.memory_bandwidth.present)
    o << "  time to stream all memory once: "
      << format_quantity(divide(p.memory_capacity.value, p.memory_bandwidth.value), UnitKind::seconds)
      << "\n";

  o << "\nEstimated numbers (derived, not published):\n";
  any = false;
  for (const auto& f : fields)
    if (f.quantity->confidence == Confidence::estimated) {
      o << "  " << f.key << ": " << f.quantity->derivation << "\n";
      any = true;
    }
  if (!any) o << "  (none)\n";

  if (!p.warnings.empty()) {
    o << "\nWarnings:\n";
    for (const auto& wn : p.warnings) o << "  " << wn << "\n";
  }
  return o.str();
}

}  // namespace xpb
