// analysis/gbench_export.cpp — see gbench_export.hpp.
#include "analysis/gbench_export.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

namespace xpb::analysis {

namespace {

using json = nlohmann::ordered_json;

struct Stats {
  double mean = 0, median = 0, stddev = 0;
};

Stats stats_of(std::vector<double> v) {
  Stats s;
  const std::size_t n = v.size();
  for (double x : v) s.mean += x;
  s.mean /= double(n);
  std::sort(v.begin(), v.end());
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.stddev = n > 1 ? std::sqrt(ss / double(n - 1)) : 0.0;  // sample sd, as Google Benchmark
  return s;
}

// Benchmark names in Google Benchmark's style: the cell label with its spaces as '/' ("stream/
// dtype=fp32/n=16384"), else WORKLOAD/ID; /ID appended where a name repeats.
std::vector<std::string> names_of(const std::vector<const CellResult*>& cells) {
  std::map<std::string, int> uses;
  auto base = [](const CellResult& c) {
    if (c.label.empty()) return c.workload + "/" + c.id;
    std::string name = c.label;
    std::replace(name.begin(), name.end(), ' ', '/');
    return name;
  };
  for (const CellResult* c : cells) uses[base(*c)] += 1;
  std::vector<std::string> names;
  for (const CellResult* c : cells) names.push_back(uses[base(*c)] > 1 ? base(*c) + "/" + c->id : base(*c));
  return names;
}

// `seconds` per iteration; `iterations`: the step calls of each repetition (the cell's @iterations).
json entry(const std::string& name, std::size_t family, std::size_t reps, long long iterations,
           double seconds) {
  json e;
  e["name"] = name;
  e["family_index"] = family;
  e["per_family_instance_index"] = 0;
  e["run_name"] = name;
  e["repetitions"] = reps;
  e["threads"] = 1;
  e["iterations"] = iterations;
  e["real_time"] = seconds * 1e9;
  e["cpu_time"] = seconds * 1e9;
  e["time_unit"] = "ns";
  return e;
}

json context_of(const ResultSet& rs, std::size_t left_out) {
  json c;
  c["date"] = rs.root("created_utc");
  c["host_name"] = rs.root("host");
  c["executable"] = "xpubench (" + rs.root("tool_version") + ")";
  c["library_build_type"] = rs.root("build_type").empty() ? "release" : rs.root("build_type");
  c["xpubench_result_set"] = rs.path;
  c["xpubench_experiment"] = rs.experiment_name;
  c["xpubench_git_commit"] = rs.root("git_commit");
  c["xpubench_kokkos_backend"] = rs.root("kokkos_backend");
  c["xpubench_note"] =
      "one repetition per timed repeat (measured/step_seconds, per step call; iterations: the cell's "
      "@iterations, step calls per repeat under min_time); cpu_time repeats the wall time";
  c["xpubench_cells_left_out"] = left_out;
  return c;
}

}  // namespace

std::string gbench_json(const ResultSet& rs) {
  std::vector<const CellResult*> timed;
  for (const CellResult& c : rs.cells) {
    const auto it = c.measured.find("step_seconds");
    if (it != c.measured.end() && !it->second.empty()) timed.push_back(&c);
  }
  const std::vector<std::string> names = names_of(timed);
  json benchmarks = json::array();
  for (std::size_t f = 0; f < timed.size(); ++f) {
    const std::vector<double>& t = timed[f]->measured.at("step_seconds");
    for (std::size_t i = 0; i < t.size(); ++i) {
      json e = entry(names[f], f, t.size(), timed[f]->iterations, t[i]);
      e["run_type"] = "iteration";
      e["repetition_index"] = i;
      benchmarks.push_back(std::move(e));
    }
    const Stats s = stats_of(t);
    const std::pair<const char*, double> aggregates[] = {
        {"mean", s.mean}, {"median", s.median}, {"stddev", s.stddev}};
    for (const auto& [agg, v] : aggregates) {
      json e = entry(names[f] + "_" + agg, f, t.size(), timed[f]->iterations, v);
      e["run_name"] = names[f];
      e["run_type"] = "aggregate";
      e["aggregate_name"] = agg;
      e["aggregate_unit"] = "time";
      benchmarks.push_back(std::move(e));
    }
  }
  json out;
  out["context"] = context_of(rs, rs.cells.size() - timed.size());
  out["benchmarks"] = std::move(benchmarks);
  return out.dump(2) + "\n";
}

}  // namespace xpb::analysis
