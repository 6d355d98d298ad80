// core/plugin/metrics.cpp — matching emitted metric names against their declarations.
#include "core/plugin/metrics.hpp"

#include <cctype>

namespace xpb {

std::string_view to_string(MetricKind k) {
  switch (k) {
    case MetricKind::quantity: return "quantity";
    case MetricKind::time: return "time";
    case MetricKind::comm_time: return "comm_time";
    case MetricKind::wait_time: return "wait_time";
    case MetricKind::rate: return "rate";
    case MetricKind::share: return "share";
    case MetricKind::projected: return "projected";
  }
  return "?";
}

namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Pattern from p, name from n: literal characters match themselves, "{…}" one or more name
// characters (tried shortest first, so "a_{x}_b_{y}" splits where the literals say).
bool matches(const std::string& pat, std::size_t p, const std::string& name, std::size_t n) {
  while (p < pat.size()) {
    if (pat[p] == '{') {
      const std::size_t close = pat.find('}', p);
      if (close == std::string::npos) return false;
      for (std::size_t end = n + 1; end <= name.size() && name_char(name[end - 1]); ++end)
        if (matches(pat, close + 1, name, end)) return true;
      return false;
    }
    if (n >= name.size() || pat[p] != name[n]) return false;
    ++p, ++n;
  }
  return n == name.size();
}

bool time_unit(const std::string& u) { return u == "s" || u == "ms" || u == "us" || u == "ns"; }
bool rate_unit(const std::string& u) { return u.size() > 2 && u.compare(u.size() - 2, 2, "/s") == 0; }

}  // namespace

bool metric_name_matches(const std::string& pattern, const std::string& name) {
  return matches(pattern, 0, name, 0);
}

const MetricSpec* find_metric(const std::vector<MetricSpec>& specs, const std::string& name) {
  for (const auto& s : specs)
    if (metric_name_matches(s.name, name)) return &s;
  return nullptr;
}

std::string metric_spec_problem(const MetricSpec& s) {
  switch (s.kind) {
    case MetricKind::time:
    case MetricKind::comm_time:
    case MetricKind::wait_time:
      return time_unit(s.unit) ? "" : "a " + std::string(to_string(s.kind)) + " needs a time unit (s, ms, us, ns)";
    case MetricKind::rate: return rate_unit(s.unit) ? "" : "a rate needs a unit per second (e.g. GB/s)";
    case MetricKind::quantity:
      return time_unit(s.unit) || rate_unit(s.unit) ? "a quantity with a time or rate unit is a time or rate" : "";
    case MetricKind::share:
    case MetricKind::projected: return "";
  }
  return "";
}

}  // namespace xpb
