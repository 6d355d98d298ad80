// core/platforms/platform.cpp — loading, validating and resolving platform descriptors.
// The loader is strict: every number needs a unit of the right kind, a confidence and a source,
// ranges must be ordered, keys must be known; each error names file, line and key path. Numbers
// are converted to SI here. It neither measures (calibration/calibrate.cpp) nor prints (platform_report).
#include "core/platforms/platform.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/paths.hpp"
#include "core/base/sha256.hpp"
#include "core/base/yaml_util.hpp"
#include "core/platforms/host.hpp"

namespace xpb {

// ================================================================================================
// Confidence and units

std::string_view to_string(Confidence c) {
  switch (c) {
    case Confidence::measured: return "measured";
    case Confidence::official: return "official";
    case Confidence::reported: return "reported";
    case Confidence::estimated: return "estimated";
  }
  return "?";
}

std::optional<Confidence> parse_confidence(std::string_view s) {
  for (Confidence c :
       {Confidence::measured, Confidence::official, Confidence::reported, Confidence::estimated})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

namespace {

struct UnitDef {
  const char* name;
  double factor;
};

const std::vector<UnitDef>& units_of(UnitKind k) {
  static const std::vector<UnitDef> flops = {{"FLOP/s", 1},     {"GFLOP/s", 1e9}, {"TFLOP/s", 1e12},
                                             {"PFLOP/s", 1e15}, {"OP/s", 1},      {"GOP/s", 1e9},
                                             {"TOP/s", 1e12},   {"POP/s", 1e15}};
  static const std::vector<UnitDef> bandwidth = {
      {"B/s", 1},           {"KB/s", 1e3},           {"MB/s", 1e6},
      {"GB/s", 1e9},        {"TB/s", 1e12},          {"KiB/s", 1024.0},
      {"MiB/s", 1048576.0}, {"GiB/s", 1073741824.0}, {"TiB/s", 1099511627776.0},
      {"Mbit/s", 1e6 / 8},  {"Gbit/s", 1e9 / 8},     {"Tbit/s", 1e12 / 8}};
  static const std::vector<UnitDef> bytes = {
      {"B", 1},           {"KB", 1e3},           {"MB", 1e6},
      {"GB", 1e9},        {"TB", 1e12},          {"KiB", 1024.0},
      {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  static const std::vector<UnitDef> seconds = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};
  static const std::vector<UnitDef> watts = {{"W", 1}, {"kW", 1e3}};
  static const std::vector<UnitDef> fraction = {{"fraction", 1}, {"%", 0.01}};
  static const std::vector<UnitDef> count = {{"count", 1}};
  switch (k) {
    case UnitKind::flops: return flops;
    case UnitKind::bandwidth: return bandwidth;
    case UnitKind::bytes: return bytes;
    case UnitKind::seconds: return seconds;
    case UnitKind::watts: return watts;
    case UnitKind::fraction: return fraction;
    case UnitKind::count: return count;
  }
  return count;
}

std::string_view kind_words(UnitKind k) {
  switch (k) {
    case UnitKind::flops: return "a compute rate";
    case UnitKind::bandwidth: return "a bandwidth";
    case UnitKind::bytes: return "a size";
    case UnitKind::seconds: return "a time";
    case UnitKind::watts: return "a power";
    case UnitKind::fraction: return "a fraction";
    case UnitKind::count: return "a count";
  }
  return "?";
}

// The unit to suggest when a number is written bare.
const char* typical_unit(UnitKind k) {
  switch (k) {
    case UnitKind::flops: return "TFLOP/s";
    case UnitKind::bandwidth: return "GB/s";
    case UnitKind::bytes: return "GB";
    case UnitKind::seconds: return "us";
    case UnitKind::watts: return "W";
    case UnitKind::fraction: return "fraction";
    case UnitKind::count: return "count";
  }
  return "?";
}

constexpr UnitKind kAllUnitKinds[] = {UnitKind::flops,   UnitKind::bandwidth, UnitKind::bytes,
                                      UnitKind::seconds, UnitKind::watts,     UnitKind::fraction,
                                      UnitKind::count};

// The schema's view of a unit kind (built once from the tables above).
const input::UnitSet& unit_set(UnitKind k) {
  static const std::vector<input::UnitSet> sets = [] {
    std::vector<input::UnitSet> v;
    for (UnitKind kind : kAllUnitKinds) {
      input::UnitSet s;
      s.kind = std::string(kind_words(kind));
      s.si = std::string(si_unit(kind));
      s.typical = typical_unit(kind);
      for (const auto& u : units_of(kind)) s.units.push_back({u.name, u.factor});
      if (kind == UnitKind::bandwidth)
        for (const char* bits : {"Mb/s", "Gb/s", "Tb/s"})
          s.refused.emplace_back(bits, "write GB/s for bytes per second or Gbit/s for bits per second");
      v.push_back(std::move(s));
    }
    return v;
  }();
  return sets[static_cast<std::size_t>(k)];
}

bool is_integer_op_unit(std::string_view u) {
  return u.size() >= 4 && u.substr(u.size() - 4) == "OP/s" && u.find("FLOP") == std::string::npos;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::vector<std::string> dtype_names() {
  std::vector<std::string> v;
  for (DType d : kAllDTypes) v.emplace_back(to_string(d));
  return v;
}

}  // namespace

std::string_view si_unit(UnitKind k) {
  switch (k) {
    case UnitKind::flops: return "FLOP/s";
    case UnitKind::bandwidth: return "B/s";
    case UnitKind::bytes: return "B";
    case UnitKind::seconds: return "s";
    case UnitKind::watts: return "W";
    case UnitKind::fraction: return "fraction";
    case UnitKind::count: return "count";
  }
  return "?";
}

std::vector<std::string> unit_names(UnitKind k) { return unit_set(k).names(); }

std::optional<double> unit_factor(UnitKind k, std::string_view unit) {
  return unit_set(k).factor(std::string(unit));
}

// ================================================================================================
// The descriptor schema: validation, `xpubench show schema platform` (platforms/README.md) and the
// host descriptor writer all come from this one declaration.

namespace {

// YYYY, YYYY-MM, YYYY-MM-DD or a UTC timestamp YYYY-MM-DDThh:mm:ssZ.
void check_date(const input::Value& v) {
  const std::string& d = v.text();
  auto digits = [&](std::size_t a, std::size_t b) {
    for (std::size_t i = a; i < b; ++i)
      if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
    return true;
  };
  const bool ok =
      (d.size() == 4 && digits(0, 4)) || (d.size() == 7 && digits(0, 4) && d[4] == '-' && digits(5, 7)) ||
      (d.size() == 10 && digits(0, 4) && d[4] == '-' && digits(5, 7) && d[7] == '-' && digits(8, 10)) ||
      (d.size() == 20 && digits(0, 4) && d[4] == '-' && d[10] == 'T' && d[19] == 'Z');
  if (!ok)
    v.fail("date '" + d + "' is not YYYY, YYYY-MM or YYYY-MM-DD", "write e.g. 2024-02 for 'about Feb 2024'");
}

input::Node source_schema() {
  using namespace input;
  Node s = object({optional("url", string("where to read it; may be left out only for measured numbers")),
                   required("title", string("what the source is")),
                   required("date", string("`YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a UTC timestamp "
                                           "`YYYY-MM-DDThh:mm:ssZ`")
                                        .checked(check_date))},
                  "a source: {url, title, date}");
  s.flow_style();
  return s;
}

input::Node cited_source() {
  input::Node s = source_schema();
  s.or_scalar(input::string("the id of an entry under `sources:`").unquoted());
  s.documented_as("`{url, title, date}` or the id of an entry under `sources:`");
  return s;
}

// One sourced number of a unit kind; `statuses` are the words that stand for it.
input::Node sourced_number(UnitKind kind, std::string doc, std::vector<std::string> statuses = {"unknown"},
                           std::vector<input::Field> leading = {}) {
  using namespace input;
  std::vector<Field> extra = std::move(leading);
  const std::size_t lead = extra.size();
  extra.push_back(required("confidence",
                           choice({"measured", "official", "reported", "estimated"},
                                  "`official` (vendor datasheet, docs or tool output), `reported` (reputable "
                                  "press or analysts, published third-party measurements), `estimated` "
                                  "(derived by us, or a single weak source), `measured` (by `xpubench "
                                  "calibrate` on this machine)")
                               .noun_text("confidence")
                               .hint_text("one of: measured, official, reported, estimated (a rumour is "
                                          "'estimated' with a derivation)"))
                      .if_missing("missing 'confidence'", "one of: measured, official, reported, estimated"));
  extra.push_back(required("source", cited_source())
                      .if_missing("missing 'source': every number needs one (url, title, date)",
                                  "add source: {url: ..., title: ..., date: ...} or the id of an entry under "
                                  "'sources:'"));
  extra.push_back(optional("derivation", string("one line on how the number was obtained; required when "
                                                "`confidence: estimated`")
                                             .checked([](const Value& v) {
                                               if (v.text().find('\n') != std::string::npos)
                                                 v.fail("derivation must be one line",
                                                        "put longer explanations in 'note'");
                                             })));
  extra.push_back(optional("note", string("free text")));
  Node n = quantity(unit_set(kind), std::move(extra), std::move(doc));
  n.lead_keys(lead);
  n.statuses_allowed(std::move(statuses));
  n.flow_style();
  if (kind == UnitKind::fraction) {
    n.above(0)
        .at_most(1)
        .noun_text("efficiency")
        .hint_text("efficiencies are fractions of peak: 0.8, or 80 with unit %");
  } else {
    n.above(0).hint_text("a rate, size or time is > 0; write 'unknown' if it is not known");
    if (kind == UnitKind::count) n.at_most(std::numeric_limits<int>::max()).whole_number().single_value();
  }
  n.checked([](const Value& q) {
    if (!q.status().empty()) return;
    if (q["confidence"].str() == "estimated" && !q.has("derivation"))
      q.fail("estimated number without 'derivation'",
             "say in one line how it was derived, e.g. derivation: \"900 GB/s bidirectional / 2\"");
  });
  return n;
}

input::Node gemm_table(std::string doc) {
  using namespace input;
  Node step = sourced_number(
      UnitKind::fraction, "", {},
      {required("min_gflop",
                number("operation size (GFLOP of one launch) where this step starts").at_least(0))
           .if_missing("missing 'min_gflop' (operation size where this step starts)")});
  Node t = list(step, std::move(doc));
  t.checked([](const Value& table) {
    const auto steps = table.items();
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Value g = steps[i]["min_gflop"];
      if (i == 0 && g.number() != 0)
        g.fail("the first step must start at min_gflop: 0", "every operation size needs an efficiency");
      if (i > 0 && g.number() <= steps[i - 1]["min_gflop"].number())
        g.fail("steps must be sorted by min_gflop, ascending");
    }
  });
  t.documented_as("list of `{min_gflop, ...a fraction}`");
  return t;
}

// A bandwidth table by size: steps {KEY: MiB, ...a bandwidth}, ascending in KEY.
input::Node size_table(const std::string& key, const std::string& key_doc, const std::string& missing,
                       const std::string& doc) {
  using namespace input;
  Node step = sourced_number(
      UnitKind::bandwidth, "", {},
      {required(key, number(key_doc).at_least(0)).if_missing("missing '" + key + "' (" + missing + ")")});
  Node t = list(step, doc);
  t.checked([key](const Value& table) {
    const auto steps = table.items();
    for (std::size_t i = 1; i < steps.size(); ++i)
      if (steps[i][key].number() <= steps[i - 1][key].number())
        steps[i][key].fail("steps must be sorted by " + key + ", ascending");
  });
  t.documented_as("list of `{" + key + ", ...a bandwidth}`");
  return t;
}

input::Node cache_table() {
  return size_table(
      "max_working_set_mib",
      "largest working set (MiB, the workload's allocations) this bandwidth applies to",
      "the working set up to which this bandwidth applies",
      "bandwidth of working sets that stay in the caches (measured by `xpubench calibrate`); between "
      "two steps interpolated log-log, larger working sets use `bandwidth`");
}

input::Node handoff_table() {
  return size_table(
      "max_kernel_mib", "largest kernel (MiB it reads and writes) this bandwidth applies to",
      "the kernel size up to which this bandwidth applies",
      "bandwidth of a kernel on data that another core wrote (measured by `xpubench calibrate`): "
      "the kernels of a training step whose working set stays in the caches, by their bytes; "
      "between two steps interpolated log-log, larger kernels use `cache_bandwidth`");
}

input::Node memory_schema() {
  using namespace input;
  return object({optional("type", string("e.g. HBM3")),
                 required("capacity", sourced_number(UnitKind::bytes, "memory per device")),
                 required("bandwidth", sourced_number(UnitKind::bandwidth, "memory bandwidth per device")),
                 optional("onchip_cache", sourced_number(UnitKind::bytes, "L2 / SRAM")),
                 optional("cache_bandwidth", cache_table()), optional("handoff_bandwidth", handoff_table()),
                 optional("note", string("free text"))},
                "device memory");
}

// The `efficiency` mapping: fractions of peak the model applies (dtypes: the per-dtype map keys).
input::Node efficiency_schema(const std::vector<std::string>& dtypes) {
  using namespace input;
  return object(
      {optional("gemm", gemm_table("GEMM efficiency by operation size (the step with the largest min_gflop "
                                   "not above the operation's GFLOP applies)")),
       optional("gemm_per_dtype", map(gemm_table("a replacement table for that dtype"),
                                      "replacement tables, e.g. FP8 GEMMs reach a lower fraction of peak")
                                      .keys_allowed(dtypes)),
       optional("vector",
                sourced_number(UnitKind::fraction, "fraction of the dtype's peak for non-GEMM work")),
       optional("vector_per_dtype", map(sourced_number(UnitKind::fraction, "for that dtype"),
                                        "per-dtype replacements of `vector`")
                                        .keys_allowed(dtypes)),
       optional("norm",
                sourced_number(UnitKind::fraction,
                               "fraction of the fp32 peak for row normalisation (layer norm; `vector` "
                               "where absent)")),
       optional("memory_bandwidth",
                sourced_number(UnitKind::fraction, "fraction of memory bandwidth reached (STREAM-like)")),
       optional("collective_bus",
                sourced_number(UnitKind::fraction, "collective bus-bandwidth fraction of link bandwidth")),
       optional(
           "attention_fwd",
           sourced_number(UnitKind::fraction,
                          "fraction of the best GEMM efficiency a flash-attention forward kernel reaches")),
       optional(
           "attention_bwd",
           sourced_number(UnitKind::fraction,
                          "fraction of the best GEMM efficiency a flash-attention backward kernel reaches")),
       optional("attention_fwd_steps",
                gemm_table("attention_fwd by operation size (GFLOP of one forward launch; the step with the "
                           "largest min_gflop not above it applies); replaces attention_fwd")),
       optional("attention_bwd_steps",
                gemm_table("attention_bwd by operation size (GFLOP of one backward launch); replaces "
                           "attention_bwd")),
       optional("note", string("where these come from"))},
      "fractions of peak the performance model applies");
}

input::Node build_descriptor_schema() {
  using namespace input;
  const auto dtypes = dtype_names();
  std::vector<Field> peaks;
  for (const auto& d : dtypes)
    peaks.push_back(required(
        d, sourced_number(UnitKind::flops,
                          d == "int8" ? "dense peak, integer operations (OP/s units allowed)" : "dense peak",
                          {"unknown", "unsupported"})));
  Node peak = object(std::move(peaks), "dense peak throughput for all seven dtypes");
  peak.missing_key_hint("see platforms/README.md");

  auto link = [](bool intra) {
    std::vector<Field> f = {optional("name", string(intra ? "e.g. NVLink 4" : "e.g. InfiniBand NDR")),
                            optional("topology", string("free text"))};
    if (intra) {
      f.push_back(optional("devices_per_node", sourced_number(UnitKind::count, "chips in one node")));
      f.push_back(optional("links", sourced_number(UnitKind::count, "physical links per device")));
    }
    f.push_back(optional("bandwidth_per_direction",
                         sourced_number(UnitKind::bandwidth, intra ? "per device, one direction"
                                                                   : "per device, one direction (network)")));
    f.push_back(optional("latency", sourced_number(UnitKind::seconds, "per message (alpha)")));
    f.push_back(optional("note", string("free text")));
    return object(std::move(f),
                  intra ? "chip-to-chip link inside a node" : "network between nodes, per device");
  };

  Node software = object({required("stack", string("the software stack")),
                          optional("compatibility", string("CUDA or other compatibility layers")),
                          optional("source", cited_source()), optional("note", string("free text"))},
                         "stack notes");
  software.or_scalar(string("stack notes as one text"));

  Node efficiency = efficiency_schema(dtypes);

  Node root =
      object({required("schema_version", integer("`1`").checked([](const Value& v) {
                if (v.integer() != 1)
                  v.fail("schema_version " + std::to_string(v.integer()) + " is not supported",
                         "this build reads schema_version: 1");
              })),
              required("name",
                       string("should equal the file stem; the file stem wins, and a mismatch is a warning")),
              required("display_name", string("e.g. \"NVIDIA H20 (96 GB HBM3)\"")),
              required("vendor", string("e.g. NVIDIA")),
              required("kind", choice({"accelerator", "host"}, "what the descriptor describes")),
              optional("architecture", string("free text")),
              optional("provenance", map(string(),
                                         "written by `xpubench calibrate`: tool, version, git commit, date, "
                                         "command, host, Kokkos")),
              optional("sources", map(source_schema(), "sources that numbers cite by id")),
              required("peak", peak), required("memory", memory_schema()), optional("intra_node", link(true)),
              optional("inter_node", link(false)),
              optional("host_link",
                       object({optional("name", string("e.g. PCIe 5.0 x16")),
                               optional("bandwidth_per_direction",
                                        sourced_number(UnitKind::bandwidth, "host to device, one direction")),
                               optional("note", string("free text"))},
                              "the link to the host")),
              optional("power", object({optional("tdp", sourced_number(UnitKind::watts, "board power")),
                                        optional("note", string("free text"))},
                                       "power")),
              optional("launch_overhead", sourced_number(UnitKind::seconds, "time per kernel launch")),
              optional("software", software), optional("efficiency", efficiency),
              optional("notes", string("free text"))},
             "a platform descriptor (see platforms/README.md)");
  root.missing_key_hint("see platforms/README.md");
  return root;
}

}  // namespace

const input::Node& platform_schema() {
  static const input::Node s = build_descriptor_schema();
  return s;
}

const input::Node& platform_number_schema() {
  static const input::Node s = sourced_number(UnitKind::bandwidth, "a sourced number");
  return s;
}

// ================================================================================================
// The loader: the validated document → Platform (SI units, sources resolved)

namespace {

class Loader {
 public:
  explicit Loader(std::string file) : m_file(std::move(file)) {}

  Platform load(const std::string& text) {
    const input::Value root = input::validate(platform_schema(), yaml::parse(text, m_file), m_file);
    read(root);
    m_p.yaml_text = text;
    m_p.sha256 = sha256_hex(text);
    m_p.path = m_file;
    check_relations();
    return std::move(m_p);
  }

 private:
  std::string m_file;
  std::map<std::string, Source> m_sources;
  Platform m_p;

  static Source source_of(const input::Value& v) {
    Source s;
    if (v.has("url")) s.url = v["url"].str();
    s.title = v["title"].str();
    s.date = v["date"].str();
    return s;
  }

  Source source(const input::Value& v) const {
    if (!v.is_scalar()) return source_of(v);
    const std::string id = v.text();
    auto it = m_sources.find(id);
    if (it != m_sources.end()) return it->second;
    std::vector<std::string> ids;
    for (const auto& kv : m_sources) ids.push_back(kv.first);
    const std::string m = closest_match(id, ids);
    v.fail("unknown source '" + id + "'",
           m.empty() ? "define it under 'sources:' at the top, or give {url, title, date} here"
                     : "did you mean '" + m + "'?");
  }

  // One sourced number; present=false for a number stated unknown (recorded in Platform::unknown).
  Quantity quantity(const input::Value& v) {
    if (!v.status().empty()) {
      if (v.has("source")) (void)source(v["source"]);
      m_p.unknown[v.key()] = v.has("note") ? v["note"].str() : std::string();
      return {};
    }
    Quantity q;
    q.line = v.line();
    q.present = true;
    q.value = v.si();
    q.confidence = *parse_confidence(v["confidence"].str());
    q.source = source(v["source"]);
    if (q.source.url.empty() && q.confidence != Confidence::measured)
      v["source"].fail("the source has no url", "only measured numbers may cite a source without a url");
    if (v.has("derivation")) q.derivation = v["derivation"].str();
    if (v.has("note")) q.note = v["note"].str();
    return q;
  }

  int count(const input::Value& v, Quantity* out) {
    *out = quantity(v);
    return out->present ? static_cast<int>(out->value.nominal) : 0;
  }

  void read_peaks(const input::Value& n) {
    for (DType d : kAllDTypes) {
      const std::string name(to_string(d));
      const input::Value v = n[name];
      Peak p;
      const std::string status = v.status();
      if (status == "unsupported") {
        p.status = PeakStatus::unsupported;
        if (v.has("source")) (void)source(v["source"]);
      } else if (status == "unknown") {
        p.status = PeakStatus::unknown;
        (void)quantity(v);
      } else {
        p.flops = quantity(v);
        p.status = PeakStatus::known;
        if (d != DType::int8 && is_integer_op_unit(v.unit()))
          v.fail_at(
              "unit",
              "unit '" + v.unit() + "' counts integer operations, " + name + " is a floating-point dtype",
              "use TFLOP/s");
      }
      m_p.peak[d] = p;
    }
  }

  void read_link(const input::Value& n, Link& l, bool intra) {
    if (n.has("name")) l.name = n["name"].str();
    if (n.has("topology")) l.topology = n["topology"].str();
    if (n.has("bandwidth_per_direction")) l.bandwidth_per_direction = quantity(n["bandwidth_per_direction"]);
    if (n.has("latency")) l.latency = quantity(n["latency"]);
    if (!intra) return;
    if (n.has("links")) l.links = count(n["links"], &l.links_quantity);
    if (n.has("devices_per_node")) {
      const int d = count(n["devices_per_node"], &m_p.devices_per_node_quantity);
      if (d > 0) m_p.devices_per_node = d;
    }
  }

  std::vector<EfficiencyStep> gemm_table(const input::Value& n) {
    std::vector<EfficiencyStep> steps;
    for (const auto& e : n.items()) {
      EfficiencyStep s;
      s.quantity = quantity(e);
      s.min_flops = e["min_gflop"].number() * 1e9;
      s.efficiency = s.quantity.value;
      steps.push_back(s);
    }
    return steps;
  }

  void read_efficiency(const input::Value& n) {
    EfficiencyTables& t = m_p.efficiency;
    if (n.has("note")) t.source_note = n["note"].str();
    if (n.has("gemm")) t.gemm = gemm_table(n["gemm"]);
    for (const auto& [d, table] : n["gemm_per_dtype"].entries())
      t.gemm_per_dtype[*parse_dtype(d)] = gemm_table(table);
    if (n.has("vector")) t.vector_flops = quantity(n["vector"]);
    if (n.has("norm")) t.norm_flops = quantity(n["norm"]);
    for (const auto& [d, v] : n["vector_per_dtype"].entries()) {
      Quantity q = quantity(v);
      if (q.present) t.vector_per_dtype[*parse_dtype(d)] = q;
    }
    if (n.has("memory_bandwidth")) t.memory_bandwidth = quantity(n["memory_bandwidth"]);
    if (n.has("collective_bus")) t.collective_bus = quantity(n["collective_bus"]);
    if (n.has("attention_fwd")) t.attention_fwd = quantity(n["attention_fwd"]);
    if (n.has("attention_bwd")) t.attention_bwd = quantity(n["attention_bwd"]);
    if (n.has("attention_fwd_steps")) t.attention_fwd_steps = gemm_table(n["attention_fwd_steps"]);
    if (n.has("attention_bwd_steps")) t.attention_bwd_steps = gemm_table(n["attention_bwd_steps"]);
  }

  void read_software(const input::Value& n) {
    if (n.is_scalar()) {
      m_p.software = n.text();
      return;
    }
    m_p.software = n["stack"].str();
    if (n.has("compatibility")) m_p.software += "; compatibility: " + n["compatibility"].str();
    if (n.has("note")) m_p.software += "; " + n["note"].str();
    if (n.has("source")) {
      const Source s = source(n["source"]);
      m_p.software += " [" + s.title + (s.url.empty() ? "" : ", " + s.url) + "]";
    }
  }

  void read(const input::Value& root) {
    const std::string stem = std::filesystem::path(m_file).stem().string();
    const std::string declared = root["name"].str();
    m_p.name = stem.empty() ? declared : stem;
    if (!stem.empty() && declared != stem)
      m_p.warnings.push_back("name '" + declared + "' differs from the file name '" + stem +
                             "'; the file name is used");
    m_p.display_name = root["display_name"].str();
    m_p.vendor = root["vendor"].str();
    m_p.kind = root["kind"].str();
    if (root.has("architecture")) m_p.architecture = root["architecture"].str();
    if (root.has("notes")) m_p.notes = root["notes"].str();
    for (const auto& [k, v] : root["provenance"].entries()) m_p.provenance[k] = v.str();
    for (const auto& [id, s] : root["sources"].entries()) m_sources[id] = source_of(s);
    read_peaks(root["peak"]);
    const input::Value mem = root["memory"];
    if (mem.has("type")) m_p.memory_type = mem["type"].str();
    m_p.memory_capacity = quantity(mem["capacity"]);
    m_p.memory_bandwidth = quantity(mem["bandwidth"]);
    if (mem.has("onchip_cache")) m_p.onchip_cache = quantity(mem["onchip_cache"]);
    auto steps = [&](const char* table, const char* size_key, std::vector<CacheStep>& out) {
      for (const auto& e : mem[table].items()) {
        CacheStep c;
        c.bandwidth = quantity(e);
        c.max_bytes = e[size_key].number() * 1048576.0;
        if (c.bandwidth.present) out.push_back(c);
      }
    };
    steps("cache_bandwidth", "max_working_set_mib", m_p.cache_bandwidth);
    steps("handoff_bandwidth", "max_kernel_mib", m_p.handoff_bandwidth);
    if (root.has("intra_node")) read_link(root["intra_node"], m_p.intra_node, true);
    if (root.has("inter_node")) read_link(root["inter_node"], m_p.inter_node, false);
    if (root.has("host_link")) {
      const input::Value h = root["host_link"];
      if (h.has("name")) m_p.host_link_name = h["name"].str();
      if (h.has("bandwidth_per_direction")) m_p.host_link_bandwidth = quantity(h["bandwidth_per_direction"]);
    }
    if (root["power"].has("tdp")) m_p.tdp = quantity(root["power"]["tdp"]);
    if (root.has("launch_overhead")) m_p.launch_overhead = quantity(root["launch_overhead"]);
    if (root.has("software")) read_software(root["software"]);
    if (root.has("efficiency")) read_efficiency(root["efficiency"]);
  }

  // ------------------------------------------------------------------------------- relations

  void check_relations() {
    auto peak = [&](DType d) { return m_p.peak_flops(d); };
    auto warn_below = [&](DType a, DType b, const char* why) {
      const auto pa = peak(a), pb = peak(b);
      if (pa && pb && pa->nominal < pb->nominal)
        m_p.warnings.push_back("peak." + std::string(to_string(a)) + " (" + fmt6(pa->nominal / 1e12) +
                               " TFLOP/s) is below peak." + std::string(to_string(b)) + " (" +
                               fmt6(pb->nominal / 1e12) + " TFLOP/s): " + why);
    };
    if (m_p.kind == "accelerator") {
      warn_below(DType::bf16, DType::fp32, "accelerators run 16-bit matrix work faster than fp32");
      warn_below(DType::fp16, DType::fp32, "accelerators run 16-bit matrix work faster than fp32");
      warn_below(DType::fp8, DType::bf16, "fp8 is normally at least the bf16 rate");
      warn_below(DType::bf16, DType::tf32, "tf32 is normally at most the bf16 rate");
    }
    warn_below(DType::fp32, DType::fp64, "fp64 is normally at most the fp32 rate");
    const Quantity& bw = m_p.memory_bandwidth;
    if (bw.present && (bw.value.nominal > 50e12 || bw.value.nominal < 1e9))
      m_p.warnings.push_back("memory.bandwidth " + fmt6(bw.value.nominal / 1e9) +
                             " GB/s is outside 1 GB/s .. 50 TB/s: check the unit");
    const Quantity& cap = m_p.memory_capacity;
    if (cap.present && (cap.value.nominal > 4e12 || cap.value.nominal < 1e8))
      m_p.warnings.push_back("memory.capacity " + fmt6(cap.value.nominal / 1e9) +
                             " GB is outside 0.1 GB .. 4 TB: check the unit");
    const Quantity& link = m_p.intra_node.bandwidth_per_direction;
    if (link.present && bw.present && link.value.nominal > bw.value.nominal)
      m_p.warnings.push_back("intra_node.bandwidth_per_direction exceeds memory.bandwidth");
    auto check_table = [&](const std::vector<EfficiencyStep>& t, const std::string& key) {
      for (std::size_t i = 1; i < t.size(); ++i)
        if (t[i].efficiency.nominal < t[i - 1].efficiency.nominal &&
            t[i].quantity.confidence != Confidence::measured)  // measured dips are data
          m_p.warnings.push_back(key + "[" + std::to_string(i) + "]: efficiency falls as operations grow");
    };
    check_table(m_p.efficiency.gemm, "efficiency.gemm");
    for (const auto& kv : m_p.efficiency.gemm_per_dtype)
      check_table(kv.second, "efficiency.gemm_per_dtype." + std::string(to_string(kv.first)));
    if (m_p.kind == "accelerator" && !m_p.peak_flops(DType::bf16) && !m_p.peak_flops(DType::fp16))
      m_p.warnings.push_back("neither bf16 nor fp16 peak is known: training projections fail");
  }
};

}  // namespace

// ================================================================================================
// Platform methods

std::optional<Range> Platform::peak_flops(DType d) const {
  auto it = peak.find(d);
  if (it == peak.end() || it->second.status != PeakStatus::known || !it->second.flops.present)
    return std::nullopt;
  return it->second.flops.value;
}

std::optional<Range> Platform::ridge_point(DType d) const {
  const auto p = peak_flops(d);
  if (!p || !memory_bandwidth.present) return std::nullopt;
  return divide(*p, memory_bandwidth.value);
}

static Range step_lookup(const std::vector<EfficiencyStep>& t, double flops) {
  if (t.empty()) return Range::exact(1.0);
  Range r = t.front().efficiency;
  for (const auto& s : t)
    if (s.min_flops <= flops) r = s.efficiency;
  return r;
}

Range Platform::gemm_efficiency(double flops) const { return step_lookup(efficiency.gemm, flops); }

Range Platform::gemm_efficiency(double flops, DType d) const {
  auto it = efficiency.gemm_per_dtype.find(d);
  if (it != efficiency.gemm_per_dtype.end()) return step_lookup(it->second, flops);
  return gemm_efficiency(flops);
}

std::optional<Range> Platform::vector_efficiency(DType d) const {
  auto it = efficiency.vector_per_dtype.find(d);
  if (it != efficiency.vector_per_dtype.end()) return it->second.value;
  if (efficiency.vector_flops.present) return efficiency.vector_flops.value;
  if (!efficiency.gemm.empty()) return efficiency.gemm.back().efficiency;
  return std::nullopt;
}

Confidence Platform::worst_confidence() const {
  Confidence worst = Confidence::measured;
  for (const auto& f : platform_fields(*this)) worst = std::max(worst, f.quantity->confidence);
  return worst;
}

std::vector<FieldRef> platform_fields(const Platform& p) {
  std::vector<FieldRef> v;
  auto add = [&](const std::string& key, UnitKind k, const Quantity& q) {
    if (q.present) v.push_back({key, k, &q});
  };
  for (DType d : kAllDTypes) {
    auto it = p.peak.find(d);
    if (it != p.peak.end() && it->second.status == PeakStatus::known)
      add("peak." + std::string(to_string(d)), UnitKind::flops, it->second.flops);
  }
  add("memory.capacity", UnitKind::bytes, p.memory_capacity);
  add("memory.bandwidth", UnitKind::bandwidth, p.memory_bandwidth);
  add("memory.onchip_cache", UnitKind::bytes, p.onchip_cache);
  for (std::size_t i = 0; i < p.cache_bandwidth.size(); ++i)
    add("memory.cache_bandwidth[" + std::to_string(i) + "]", UnitKind::bandwidth,
        p.cache_bandwidth[i].bandwidth);
  for (std::size_t i = 0; i < p.handoff_bandwidth.size(); ++i)
    add("memory.handoff_bandwidth[" + std::to_string(i) + "]", UnitKind::bandwidth,
        p.handoff_bandwidth[i].bandwidth);
  add("intra_node.devices_per_node", UnitKind::count, p.devices_per_node_quantity);
  add("intra_node.links", UnitKind::count, p.intra_node.links_quantity);
  add("intra_node.bandwidth_per_direction", UnitKind::bandwidth, p.intra_node.bandwidth_per_direction);
  add("intra_node.latency", UnitKind::seconds, p.intra_node.latency);
  add("inter_node.bandwidth_per_direction", UnitKind::bandwidth, p.inter_node.bandwidth_per_direction);
  add("inter_node.latency", UnitKind::seconds, p.inter_node.latency);
  add("host_link.bandwidth_per_direction", UnitKind::bandwidth, p.host_link_bandwidth);
  add("power.tdp", UnitKind::watts, p.tdp);
  add("launch_overhead", UnitKind::seconds, p.launch_overhead);
  const EfficiencyTables& e = p.efficiency;
  for (std::size_t i = 0; i < e.gemm.size(); ++i)
    add("efficiency.gemm[" + std::to_string(i) + "]", UnitKind::fraction, e.gemm[i].quantity);
  for (const auto& kv : e.gemm_per_dtype)
    for (std::size_t i = 0; i < kv.second.size(); ++i)
      add("efficiency.gemm_per_dtype." + std::string(to_string(kv.first)) + "[" + std::to_string(i) + "]",
          UnitKind::fraction, kv.second[i].quantity);
  add("efficiency.vector", UnitKind::fraction, e.vector_flops);
  add("efficiency.norm", UnitKind::fraction, e.norm_flops);
  for (const auto& kv : e.vector_per_dtype)
    add("efficiency.vector_per_dtype." + std::string(to_string(kv.first)), UnitKind::fraction, kv.second);
  add("efficiency.memory_bandwidth", UnitKind::fraction, e.memory_bandwidth);
  add("efficiency.collective_bus", UnitKind::fraction, e.collective_bus);
  add("efficiency.attention_fwd", UnitKind::fraction, e.attention_fwd);
  add("efficiency.attention_bwd", UnitKind::fraction, e.attention_bwd);
  for (std::size_t i = 0; i < e.attention_fwd_steps.size(); ++i)
    add("efficiency.attention_fwd_steps[" + std::to_string(i) + "]", UnitKind::fraction,
        e.attention_fwd_steps[i].quantity);
  for (std::size_t i = 0; i < e.attention_bwd_steps.size(); ++i)
    add("efficiency.attention_bwd_steps[" + std::to_string(i) + "]", UnitKind::fraction,
        e.attention_bwd_steps[i].quantity);
  return v;
}

// ================================================================================================
// Loading and resolving

Platform load_platform_text(const std::string& text, const std::string& path) {
  return Loader(path).load(text);
}

Platform load_platform_file(const std::string& path) {
  std::string text;
  if (!std::filesystem::is_regular_file(path))
    throw Error({path, 0, {}}, "no such descriptor file", "check the path");
  (void)yaml::load_file(path, &text);
  return load_platform_text(text, path);
}

std::vector<std::string> platform_dirs() { return paths().platform_dirs; }

std::vector<std::string> list_platforms() {
  std::set<std::string> names;
  for (const auto& d : platform_dirs()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(d, ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(d, ec))
      if (e.is_regular_file() && e.path().extension() == ".yaml") names.insert(e.path().stem().string());
  }
  names.insert("host");
  return {names.begin(), names.end()};
}

std::string host_descriptor_path() { return paths().host_descriptor; }

Platform describe_host() {
  Platform p = load_platform_text(host_descriptor_yaml(detect_host(), HostMeasurements{}), "host");
  p.name = "host";
  p.path.clear();
  return p;
}

Platform resolve_platform(const std::string& name_or_path) {
  if (name_or_path == "host") {
    const std::string hp = host_descriptor_path();
    if (std::filesystem::is_regular_file(hp)) {
      Platform p = load_platform_file(hp);
      p.name = "host";
      return p;
    }
    return describe_host();
  }
  auto ends_with = [&](const std::string& suffix) {
    return name_or_path.size() > suffix.size() &&
           name_or_path.compare(name_or_path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const bool looks_path =
      name_or_path.find('/') != std::string::npos || ends_with(".yaml") || ends_with(".yml");
  if (looks_path) return load_platform_file(name_or_path);
  for (const auto& d : platform_dirs()) {
    const std::string f = d + "/" + name_or_path + ".yaml";
    if (std::filesystem::is_regular_file(f)) return load_platform_file(f);
  }
  if (paths().share_dir.empty())  // nothing to search but $XPB_PLATFORM_DIR: say where we looked
    (void)paths().share("platforms", "platform descriptor '" + name_or_path + "'");
  const auto names = list_platforms();
  const std::string m = closest_match(name_or_path, names);
  throw Error({{}, 0, {}}, "unknown platform '" + name_or_path + "'",
              m.empty() ? "known platforms: " + join(names) : "did you mean '" + m + "'?");
}

}  // namespace xpb
