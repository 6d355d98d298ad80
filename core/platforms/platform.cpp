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
#include <set>
#include <sstream>

#include "core/base/error.hpp"
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
  for (Confidence c : {Confidence::measured, Confidence::official, Confidence::reported,
                       Confidence::estimated})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

namespace {

struct UnitDef {
  const char* name;
  double factor;
};

const std::vector<UnitDef>& units_of(UnitKind k) {
  static const std::vector<UnitDef> flops = {
      {"FLOP/s", 1},     {"GFLOP/s", 1e9}, {"TFLOP/s", 1e12}, {"PFLOP/s", 1e15},
      {"OP/s", 1},       {"GOP/s", 1e9},   {"TOP/s", 1e12},   {"POP/s", 1e15}};
  static const std::vector<UnitDef> bandwidth = {
      {"B/s", 1},           {"KB/s", 1e3},         {"MB/s", 1e6},        {"GB/s", 1e9},
      {"TB/s", 1e12},       {"KiB/s", 1024.0},     {"MiB/s", 1048576.0}, {"GiB/s", 1073741824.0},
      {"TiB/s", 1099511627776.0}, {"Mbit/s", 1e6 / 8}, {"Gbit/s", 1e9 / 8}, {"Tbit/s", 1e12 / 8}};
  static const std::vector<UnitDef> bytes = {
      {"B", 1},          {"KB", 1e3},          {"MB", 1e6},        {"GB", 1e9},
      {"TB", 1e12},      {"KiB", 1024.0},      {"MiB", 1048576.0}, {"GiB", 1073741824.0},
      {"TiB", 1099511627776.0}};
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

// "did you mean" candidate: the closest by edit distance, else a same-letters anagram (bf61).
std::string suggest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string m = closest_match(word, candidates);
  if (!m.empty()) return m;
  std::string w = word;
  std::sort(w.begin(), w.end());
  for (const auto& c : candidates) {
    std::string t = c;
    std::sort(t.begin(), t.end());
    if (t == w) return c;
  }
  return {};
}

bool is_integer_op_unit(std::string_view u) {
  return u.size() >= 4 && u.substr(u.size() - 4) == "OP/s" && u.find("FLOP") == std::string::npos;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string fmt(double v) {
  std::ostringstream ss;
  ss.precision(6);
  ss << v;
  return ss.str();
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

std::vector<std::string> unit_names(UnitKind k) {
  std::vector<std::string> v;
  for (const auto& u : units_of(k)) v.emplace_back(u.name);
  return v;
}

std::optional<double> unit_factor(UnitKind k, std::string_view unit) {
  for (const auto& u : units_of(k))
    if (unit == u.name) return u.factor;
  return std::nullopt;
}

// ================================================================================================
// The loader

namespace {

using yaml::join_key;

class Loader {
 public:
  explicit Loader(std::string file) : m_file(std::move(file)) {}

  Platform load(const std::string& text) {
    const YAML::Node root = yaml::parse(text, m_file);
    try {
      read(root);
    } catch (const YAML::Exception& e) {
      throw Error({m_file, e.mark.line >= 0 ? e.mark.line + 1 : 0, {}},
                  "malformed descriptor: " + e.msg);
    }
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

  [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& msg,
                         const std::string& hint = {}) const {
    throw Error(yaml::where(m_file, n, key), msg, hint);
  }

  // Known keys only, no duplicates, the required ones present.
  void keys(const YAML::Node& n, const std::string& key, const std::vector<std::string>& allowed,
            const std::vector<std::string>& required = {}) const {
    yaml::require_map(n, m_file, key);
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        const std::string m = suggest(k, allowed);
        fail(kv.first, join_key(key, k), "unknown key '" + k + "'",
             m.empty() ? "allowed keys: " + join(allowed, " ") : "did you mean '" + m + "'?");
      }
      if (!seen.insert(k).second)
        fail(kv.first, join_key(key, k), "duplicate key '" + k + "'", "remove one of them");
    }
    for (const auto& r : required)
      if (!n[r]) fail(n, key, "missing required key '" + r + "'", "see platforms/README.md");
  }

  std::string str(const YAML::Node& n, const std::string& key) const {
    return yaml::as_string(n, m_file, key);
  }

  // ---------------------------------------------------------------------------------- sources

  Source source_map(const YAML::Node& n, const std::string& key) const {
    keys(n, key, {"url", "title", "date"}, {"title", "date"});
    Source s;
    if (n["url"]) s.url = str(n["url"], join_key(key, "url"));
    s.title = str(n["title"], join_key(key, "title"));
    s.date = str(n["date"], join_key(key, "date"));
    const std::string& d = s.date;
    auto digits = [&](std::size_t a, std::size_t b) {
      for (std::size_t i = a; i < b; ++i)
        if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
      return true;
    };
    const bool ok = (d.size() == 4 && digits(0, 4)) ||
                    (d.size() == 7 && digits(0, 4) && d[4] == '-' && digits(5, 7)) ||
                    (d.size() == 10 && digits(0, 4) && d[4] == '-' && digits(5, 7) &&
                     d[7] == '-' && digits(8, 10)) ||
                    (d.size() == 20 && digits(0, 4) && d[4] == '-' && d[10] == 'T' && d[19] == 'Z');
    if (!ok)
      fail(n["date"], join_key(key, "date"), "date '" + d + "' is not YYYY, YYYY-MM or YYYY-MM-DD",
           "write e.g. 2024-02 for 'about Feb 2024'");
    return s;
  }

  void read_sources(const YAML::Node& n) {
    yaml::require_map(n, m_file, "sources");
    for (const auto& kv : n) {
      const std::string id = kv.first.Scalar();
      if (m_sources.count(id))
        fail(kv.first, "sources." + id, "duplicate source id '" + id + "'", "remove one of them");
      m_sources[id] = source_map(kv.second, "sources." + id);
    }
  }

  Source source(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) {
      const std::string id = n.Scalar();
      auto it = m_sources.find(id);
      if (it != m_sources.end()) return it->second;
      std::vector<std::string> ids;
      for (const auto& kv : m_sources) ids.push_back(kv.first);
      const std::string m = closest_match(id, ids);
      fail(n, key, "unknown source '" + id + "'",
           m.empty() ? "define it under 'sources:' at the top, or give {url, title, date} here"
                     : "did you mean '" + m + "'?");
    }
    if (!n.IsMap())
      fail(n, key, "expected a source: {url, title, date} or the id of an entry under 'sources:'");
    return source_map(n, key);
  }

  // ----------------------------------------------------------------------------------- numbers

  // One sourced number. `extra` are further keys the caller reads itself (e.g. min_gflop).
  // Returns present=false for a number stated `unknown` (recorded in Platform::unknown).
  Quantity quantity(const YAML::Node& n, const std::string& key, UnitKind kind,
                    const std::vector<std::string>& extra = {}) {
    if (n.IsScalar()) {
      const std::string s = n.Scalar();
      if (s == "unknown") {
        m_p.unknown[key] = "";
        return {};
      }
      if (s == "unsupported")
        fail(n, key, "only peak dtypes can be 'unsupported'", "write 'unknown' or give the number");
      fail(n, key, "a bare number has no unit, confidence or source",
           "write {value: " + s + ", unit: " + typical_unit(kind) +
               ", confidence: ..., source: ...}");
    }
    if (!n.IsMap())
      fail(n, key, "expected a number as a mapping {value, unit, confidence, source}");
    if (n["status"]) {
      keys(n, key, {"status", "note", "source", "confidence", "derivation"}, {"status"});
      const std::string st = str(n["status"], join_key(key, "status"));
      if (st != "unknown")
        fail(n["status"], join_key(key, "status"), "status '" + st + "' is not 'unknown'",
             "only peak dtypes may also be 'unsupported'");
      m_p.unknown[key] = n["note"] ? str(n["note"], join_key(key, "note")) : std::string();
      return {};
    }
    std::vector<std::string> allowed = {"value",      "low",        "nominal", "high", "unit",
                                        "confidence", "source",     "derivation", "note"};
    allowed.insert(allowed.end(), extra.begin(), extra.end());
    keys(n, key, allowed);

    Quantity q;
    q.line = yaml::line_of(n);
    q.present = true;

    // Unit first: the numbers mean nothing without it.
    if (!n["unit"])
      fail(n, key, "missing 'unit' (" + std::string(kind_words(kind)) + ")",
           "one of: " + join(unit_names(kind)));
    const std::string unit = str(n["unit"], join_key(key, "unit"));
    const auto factor = unit_factor(kind, unit);
    if (!factor) {
      std::string hint;
      if (kind == UnitKind::bandwidth && (unit == "Gb/s" || unit == "Tb/s" || unit == "Mb/s"))
        hint = "write GB/s for bytes per second or Gbit/s for bits per second";
      else {
        const std::string m = suggest(unit, unit_names(kind));
        hint = m.empty() ? "one of: " + join(unit_names(kind)) : "did you mean '" + m + "'?";
      }
      fail(n["unit"], join_key(key, "unit"),
           "unit '" + unit + "' is not " + std::string(kind_words(kind)) + " unit", hint);
    }

    const bool has_value = static_cast<bool>(n["value"]);
    const bool has_range = n["low"] || n["nominal"] || n["high"];
    if (has_value && has_range)
      fail(n, key, "give either 'value' or 'low'/'nominal'/'high', not both");
    if (!has_value && !has_range)
      fail(n, key, "missing 'value' (or 'low', 'nominal' and 'high')");
    auto number = [&](const char* k) {
      const YAML::Node v = n[k];
      const std::string kk = join_key(key, k);
      const double x = yaml::as_number(v, m_file, kk) * *factor;
      if (kind == UnitKind::fraction) {
        if (!(x > 0 && x <= 1))
          fail(v, kk, "efficiency " + fmt(x) + " is outside (0, 1]",
               "efficiencies are fractions of peak: 0.8, or 80 with unit %");
      } else if (!(x > 0)) {
        fail(v, kk, "must be positive, got " + v.Scalar() + " " + unit,
             "a rate, size or time is > 0; write 'unknown' if it is not known");
      }
      if (kind == UnitKind::count && std::floor(x) != x)
        fail(v, kk, "a count must be a whole number, got " + v.Scalar());
      return x;
    };
    if (has_value) {
      q.value = Range::exact(number("value"));
    } else {
      for (const char* k : {"low", "nominal", "high"})
        if (!n[k])
          fail(n, key, std::string("a range needs low, nominal and high; '") + k + "' is missing");
      q.value = {number("low"), number("nominal"), number("high")};
      if (q.value.low > q.value.nominal)
        fail(n["low"], join_key(key, "low"),
             "low (" + n["low"].Scalar() + ") is above nominal (" + n["nominal"].Scalar() + ")",
             "ranges are ordered: low <= nominal <= high");
      if (q.value.nominal > q.value.high)
        fail(n["high"], join_key(key, "high"),
             "high (" + n["high"].Scalar() + ") is below nominal (" + n["nominal"].Scalar() + ")",
             "ranges are ordered: low <= nominal <= high");
    }

    if (!n["confidence"])
      fail(n, key, "missing 'confidence'", "one of: measured, official, reported, estimated");
    const std::string cs = str(n["confidence"], join_key(key, "confidence"));
    const auto conf = parse_confidence(cs);
    if (!conf) {
      const std::string m =
          closest_match(cs, {"measured", "official", "reported", "estimated"});
      fail(n["confidence"], join_key(key, "confidence"), "unknown confidence '" + cs + "'",
           !m.empty() ? "did you mean '" + m + "'?"
                      : "one of: measured, official, reported, estimated (a rumour is "
                        "'estimated' with a derivation)");
    }
    q.confidence = *conf;

    if (!n["source"])
      fail(n, key, "missing 'source': every number needs one (url, title, date)",
           "add source: {url: ..., title: ..., date: ...} or the id of an entry under 'sources:'");
    q.source = source(n["source"], join_key(key, "source"));
    if (q.source.url.empty() && q.confidence != Confidence::measured)
      fail(n["source"], join_key(key, "source"), "the source has no url",
           "only measured numbers may cite a source without a url");

    if (n["derivation"]) {
      q.derivation = str(n["derivation"], join_key(key, "derivation"));
      if (q.derivation.find('\n') != std::string::npos)
        fail(n["derivation"], join_key(key, "derivation"), "derivation must be one line",
             "put longer explanations in 'note'");
    }
    if (q.confidence == Confidence::estimated && q.derivation.empty())
      fail(n, key, "estimated number without 'derivation'",
           "say in one line how it was derived, e.g. derivation: \"900 GB/s bidirectional / 2\"");
    if (n["note"]) q.note = str(n["note"], join_key(key, "note"));
    return q;
  }

  int count(const YAML::Node& n, const std::string& key, Quantity* out) {
    Quantity q = quantity(n, key, UnitKind::count);
    if (q.present && !q.value.is_exact())
      fail(n, key, "a count must be a single value, not a range");
    *out = q;
    return q.present ? static_cast<int>(q.value.nominal) : 0;
  }

  // ------------------------------------------------------------------------------------ blocks

  void read_peaks(const YAML::Node& n) {
    const auto names = dtype_names();
    keys(n, "peak", names, names);
    for (DType d : kAllDTypes) {
      const std::string name(to_string(d));
      const std::string key = "peak." + name;
      const YAML::Node v = n[name];
      Peak p;
      std::string status;
      if (v.IsScalar() && (v.Scalar() == "unknown" || v.Scalar() == "unsupported")) {
        status = v.Scalar();
      } else if (v.IsMap() && v["status"]) {
        keys(v, key, {"status", "note", "source", "confidence", "derivation"}, {"status"});
        status = str(v["status"], key + ".status");
        if (status != "unknown" && status != "unsupported") {
          const std::string m = closest_match(status, {"unknown", "unsupported"});
          fail(v["status"], key + ".status", "status '" + status + "' is not known",
               m.empty() ? "one of: unknown, unsupported" : "did you mean '" + m + "'?");
        }
        if (v["source"]) (void)source(v["source"], key + ".source");
        if (status == "unknown")
          m_p.unknown[key] = v["note"] ? str(v["note"], key + ".note") : std::string();
      }
      if (status == "unsupported") {
        p.status = PeakStatus::unsupported;
      } else if (status == "unknown") {
        p.status = PeakStatus::unknown;
        m_p.unknown.emplace(key, "");
      } else {
        p.flops = quantity(v, key, UnitKind::flops);
        p.status = p.flops.present ? PeakStatus::known : PeakStatus::unknown;
        if (p.flops.present && d != DType::int8 && is_integer_op_unit(str(v["unit"], key)))
          fail(v["unit"], key + ".unit",
               "unit '" + v["unit"].Scalar() + "' counts integer operations, " + name +
                   " is a floating-point dtype",
               "use TFLOP/s");
      }
      m_p.peak[d] = p;
    }
  }

  void read_memory(const YAML::Node& n) {
    keys(n, "memory", {"type", "capacity", "bandwidth", "onchip_cache", "note"},
         {"capacity", "bandwidth"});
    if (n["type"]) m_p.memory_type = str(n["type"], "memory.type");
    m_p.memory_capacity = quantity(n["capacity"], "memory.capacity", UnitKind::bytes);
    m_p.memory_bandwidth = quantity(n["bandwidth"], "memory.bandwidth", UnitKind::bandwidth);
    if (n["onchip_cache"])
      m_p.onchip_cache = quantity(n["onchip_cache"], "memory.onchip_cache", UnitKind::bytes);
  }

  void read_link(const YAML::Node& n, const std::string& key, Link& l, bool intra) {
    std::vector<std::string> allowed = {"name", "topology", "bandwidth_per_direction", "latency",
                                        "note"};
    if (intra) {
      allowed.push_back("devices_per_node");
      allowed.push_back("links");
    }
    keys(n, key, allowed);
    if (n["name"]) l.name = str(n["name"], key + ".name");
    if (n["topology"]) l.topology = str(n["topology"], key + ".topology");
    if (n["bandwidth_per_direction"])
      l.bandwidth_per_direction =
          quantity(n["bandwidth_per_direction"], key + ".bandwidth_per_direction",
                   UnitKind::bandwidth);
    if (n["latency"]) l.latency = quantity(n["latency"], key + ".latency", UnitKind::seconds);
    if (n["links"]) l.links = count(n["links"], key + ".links", &l.links_quantity);
    if (n["devices_per_node"]) {
      const int d =
          count(n["devices_per_node"], key + ".devices_per_node", &m_p.devices_per_node_quantity);
      if (d > 0) m_p.devices_per_node = d;
    }
  }

  std::vector<EfficiencyStep> gemm_table(const YAML::Node& n, const std::string& key) {
    if (!n.IsSequence())
      fail(n, key, "expected a list of {min_gflop, value | low/nominal/high, unit: fraction, ...}");
    std::vector<EfficiencyStep> steps;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const std::string k = key + "[" + std::to_string(i) + "]";
      const YAML::Node e = n[i];
      EfficiencyStep s;
      s.quantity = quantity(e, k, UnitKind::fraction, {"min_gflop"});
      if (!s.quantity.present) fail(e, k, "a GEMM efficiency step cannot be 'unknown'",
                                    "leave the table out instead");
      if (!e["min_gflop"]) fail(e, k, "missing 'min_gflop' (operation size where this step starts)");
      const double g = yaml::as_number(e["min_gflop"], m_file, k + ".min_gflop");
      if (g < 0) fail(e["min_gflop"], k + ".min_gflop", "min_gflop must be >= 0");
      if (i == 0 && g != 0)
        fail(e["min_gflop"], k + ".min_gflop", "the first step must start at min_gflop: 0",
             "every operation size needs an efficiency");
      if (i > 0 && g * 1e9 <= steps.back().min_flops)
        fail(e["min_gflop"], k + ".min_gflop", "steps must be sorted by min_gflop, ascending");
      s.min_flops = g * 1e9;
      s.efficiency = s.quantity.value;
      steps.push_back(s);
    }
    return steps;
  }

  void read_efficiency(const YAML::Node& n) {
    keys(n, "efficiency",
         {"gemm", "gemm_per_dtype", "vector", "vector_per_dtype", "memory_bandwidth",
          "collective_bus", "note"});
    EfficiencyTables& t = m_p.efficiency;
    if (n["note"]) t.source_note = str(n["note"], "efficiency.note");
    if (n["gemm"]) t.gemm = gemm_table(n["gemm"], "efficiency.gemm");
    const auto names = dtype_names();
    if (n["gemm_per_dtype"]) {
      keys(n["gemm_per_dtype"], "efficiency.gemm_per_dtype", names);
      for (const auto& kv : n["gemm_per_dtype"]) {
        const std::string d = kv.first.Scalar();
        t.gemm_per_dtype[*parse_dtype(d)] =
            gemm_table(kv.second, "efficiency.gemm_per_dtype." + d);
      }
    }
    if (n["vector"]) t.vector_flops = quantity(n["vector"], "efficiency.vector", UnitKind::fraction);
    if (n["vector_per_dtype"]) {
      keys(n["vector_per_dtype"], "efficiency.vector_per_dtype", names);
      for (const auto& kv : n["vector_per_dtype"]) {
        const std::string d = kv.first.Scalar();
        Quantity q = quantity(kv.second, "efficiency.vector_per_dtype." + d, UnitKind::fraction);
        if (q.present) t.vector_per_dtype[*parse_dtype(d)] = q;
      }
    }
    if (n["memory_bandwidth"])
      t.memory_bandwidth =
          quantity(n["memory_bandwidth"], "efficiency.memory_bandwidth", UnitKind::fraction);
    if (n["collective_bus"])
      t.collective_bus =
          quantity(n["collective_bus"], "efficiency.collective_bus", UnitKind::fraction);
  }

  void read_software(const YAML::Node& n) {
    if (n.IsScalar()) {
      m_p.software = n.Scalar();
      return;
    }
    keys(n, "software", {"stack", "compatibility", "source", "note"}, {"stack"});
    m_p.software = str(n["stack"], "software.stack");
    if (n["compatibility"])
      m_p.software += "; compatibility: " + str(n["compatibility"], "software.compatibility");
    if (n["note"]) m_p.software += "; " + str(n["note"], "software.note");
    if (n["source"]) {
      const Source s = source(n["source"], "software.source");
      m_p.software += " [" + s.title + (s.url.empty() ? "" : ", " + s.url) + "]";
    }
  }

  void read(const YAML::Node& root) {
    if (!root.IsMap())
      fail(root, "", "a platform descriptor is a YAML mapping", "see platforms/README.md");
    keys(root,  "",
         {"schema_version", "name", "display_name", "vendor", "kind", "architecture", "sources",
          "peak", "memory", "intra_node", "inter_node", "host_link", "power", "launch_overhead",
          "software", "efficiency", "notes", "provenance"},
         {"schema_version", "name", "display_name", "vendor", "kind", "peak", "memory"});
    const std::int64_t ver = yaml::as_integer(root["schema_version"], m_file, "schema_version");
    if (ver != 1)
      fail(root["schema_version"], "schema_version",
           "schema_version " + std::to_string(ver) + " is not supported",
           "this build reads schema_version: 1");
    const std::string stem = std::filesystem::path(m_file).stem().string();
    const std::string declared = str(root["name"], "name");
    m_p.name = stem.empty() ? declared : stem;
    if (!stem.empty() && declared != stem)
      m_p.warnings.push_back("name '" + declared + "' differs from the file name '" + stem +
                             "'; the file name is used");
    m_p.display_name = str(root["display_name"], "display_name");
    m_p.vendor = str(root["vendor"], "vendor");
    m_p.kind = str(root["kind"], "kind");
    if (m_p.kind != "accelerator" && m_p.kind != "host") {
      const std::string m = closest_match(m_p.kind, {"accelerator", "host"});
      fail(root["kind"], "kind", "kind '" + m_p.kind + "' is not 'accelerator' or 'host'",
           m.empty() ? "" : "did you mean '" + m + "'?");
    }
    if (root["architecture"]) m_p.architecture = str(root["architecture"], "architecture");
    if (root["notes"]) m_p.notes = str(root["notes"], "notes");
    if (root["provenance"]) {
      yaml::require_map(root["provenance"], m_file, "provenance");
      for (const auto& kv : root["provenance"])
        m_p.provenance[kv.first.Scalar()] =
            str(kv.second, "provenance." + kv.first.Scalar());
    }
    if (root["sources"]) read_sources(root["sources"]);
    read_peaks(root["peak"]);
    read_memory(root["memory"]);
    if (root["intra_node"]) read_link(root["intra_node"], "intra_node", m_p.intra_node, true);
    if (root["inter_node"]) read_link(root["inter_node"], "inter_node", m_p.inter_node, false);
    if (const YAML::Node h = root["host_link"]) {
      keys(h, "host_link", {"name", "bandwidth_per_direction", "note"});
      if (h["name"]) m_p.host_link_name = str(h["name"], "host_link.name");
      if (h["bandwidth_per_direction"])
        m_p.host_link_bandwidth = quantity(h["bandwidth_per_direction"],
                                           "host_link.bandwidth_per_direction", UnitKind::bandwidth);
    }
    if (const YAML::Node pw = root["power"]) {
      keys(pw, "power", {"tdp", "note"});
      if (pw["tdp"]) m_p.tdp = quantity(pw["tdp"], "power.tdp", UnitKind::watts);
    }
    if (root["launch_overhead"])
      m_p.launch_overhead = quantity(root["launch_overhead"], "launch_overhead", UnitKind::seconds);
    if (root["software"]) read_software(root["software"]);
    if (root["efficiency"]) read_efficiency(root["efficiency"]);
  }

  // ------------------------------------------------------------------------------- relations

  void check_relations() {
    auto peak = [&](DType d) { return m_p.peak_flops(d); };
    auto warn_below = [&](DType a, DType b, const char* why) {
      const auto pa = peak(a), pb = peak(b);
      if (pa && pb && pa->nominal < pb->nominal)
        m_p.warnings.push_back("peak." + std::string(to_string(a)) + " (" +
                               fmt(pa->nominal / 1e12) + " TFLOP/s) is below peak." +
                               std::string(to_string(b)) + " (" + fmt(pb->nominal / 1e12) +
                               " TFLOP/s): " + why);
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
      m_p.warnings.push_back("memory.bandwidth " + fmt(bw.value.nominal / 1e9) +
                             " GB/s is outside 1 GB/s .. 50 TB/s: check the unit");
    const Quantity& cap = m_p.memory_capacity;
    if (cap.present && (cap.value.nominal > 4e12 || cap.value.nominal < 1e8))
      m_p.warnings.push_back("memory.capacity " + fmt(cap.value.nominal / 1e9) +
                             " GB is outside 0.1 GB .. 4 TB: check the unit");
    const Quantity& link = m_p.intra_node.bandwidth_per_direction;
    if (link.present && bw.present && link.value.nominal > bw.value.nominal)
      m_p.warnings.push_back("intra_node.bandwidth_per_direction exceeds memory.bandwidth");
    auto check_table = [&](const std::vector<EfficiencyStep>& t, const std::string& key) {
      for (std::size_t i = 1; i < t.size(); ++i)
        if (t[i].efficiency.nominal < t[i - 1].efficiency.nominal &&
            t[i].quantity.confidence != Confidence::measured)  // measured dips are data
          m_p.warnings.push_back(key + "[" + std::to_string(i) +
                                 "]: efficiency falls as operations grow");
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
  for (const auto& f : platform_fields(*this))
    worst = std::max(worst, f.quantity->confidence);
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
  add("intra_node.devices_per_node", UnitKind::count, p.devices_per_node_quantity);
  add("intra_node.links", UnitKind::count, p.intra_node.links_quantity);
  add("intra_node.bandwidth_per_direction", UnitKind::bandwidth,
      p.intra_node.bandwidth_per_direction);
  add("intra_node.latency", UnitKind::seconds, p.intra_node.latency);
  add("inter_node.bandwidth_per_direction", UnitKind::bandwidth,
      p.inter_node.bandwidth_per_direction);
  add("inter_node.latency", UnitKind::seconds, p.inter_node.latency);
  add("host_link.bandwidth_per_direction", UnitKind::bandwidth, p.host_link_bandwidth);
  add("power.tdp", UnitKind::watts, p.tdp);
  add("launch_overhead", UnitKind::seconds, p.launch_overhead);
  const EfficiencyTables& e = p.efficiency;
  for (std::size_t i = 0; i < e.gemm.size(); ++i)
    add("efficiency.gemm[" + std::to_string(i) + "]", UnitKind::fraction, e.gemm[i].quantity);
  for (const auto& kv : e.gemm_per_dtype)
    for (std::size_t i = 0; i < kv.second.size(); ++i)
      add("efficiency.gemm_per_dtype." + std::string(to_string(kv.first)) + "[" +
              std::to_string(i) + "]",
          UnitKind::fraction, kv.second[i].quantity);
  add("efficiency.vector", UnitKind::fraction, e.vector_flops);
  for (const auto& kv : e.vector_per_dtype)
    add("efficiency.vector_per_dtype." + std::string(to_string(kv.first)), UnitKind::fraction,
        kv.second);
  add("efficiency.memory_bandwidth", UnitKind::fraction, e.memory_bandwidth);
  add("efficiency.collective_bus", UnitKind::fraction, e.collective_bus);
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
      if (e.is_regular_file() && e.path().extension() == ".yaml")
        names.insert(e.path().stem().string());
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
  const bool looks_path = name_or_path.find('/') != std::string::npos || ends_with(".yaml") ||
                          ends_with(".yml");
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
