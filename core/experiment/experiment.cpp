// core/experiment/experiment.cpp — strict experiment parsing and matrix expansion.
#include "core/experiment/experiment.hpp"

#include <fnmatch.h>

#include <map>
#include <set>

#include "core/base/error.hpp"
#include "core/base/sha256.hpp"
#include "core/base/yaml_util.hpp"

namespace xpb {

namespace {

const std::vector<std::string> kTopKeys = {"name",     "description", "seed",
                                           "repeats",  "warmup",      "platforms",
                                           "parity",   "workloads", "projections"};
const std::vector<std::string> kEntryKeys = {"workload", "params", "zip", "repeats", "warmup"};
const std::vector<std::string> kParityKeys = {"reference", "band"};

// One parameter's value from YAML, typed by its declaration.
ParamValue convert(const ParamSpec& spec, const YAML::Node& n, const std::string& file,
                   const std::string& key) {
  ParamValue v;
  switch (spec.type) {
    case ParamType::boolean: v = yaml::as_bool(n, file, key); break;
    case ParamType::integer: v = yaml::as_integer(n, file, key); break;
    case ParamType::number: v = yaml::as_number(n, file, key); break;
    case ParamType::string:
    case ParamType::choice: v = yaml::as_string(n, file, key); break;
  }
  const std::string msg = check_value(spec, v);
  if (!msg.empty()) {
    std::string hint;
    if (spec.type == ParamType::choice) {
      const std::string m = closest_match(std::get<std::string>(v), spec.choices);
      if (!m.empty()) hint = "did you mean '" + m + "'?";
    }
    if (hint.empty()) hint = spec.name + ": " + spec.doc;
    throw Error(yaml::where(file, n, key), msg, hint);
  }
  return v;
}

struct Axis {
  std::vector<std::string> names;                   // one name, or a zip group
  std::vector<std::vector<ParamValue>> values;      // values[i] = i-th combination (per name)
};

}  // namespace

std::string Cell::label() const { return workload + (params.brief().empty() ? "" : " " + params.brief()); }

std::string cell_id(const std::string& workload, const Params& params, std::uint64_t seed) {
  const std::string canon = "{\"params\":" + params.canonical_json() + ",\"seed\":" +
                            std::to_string(seed) + ",\"workload\":\"" + json_escape(workload) +
                            "\"}";
  return sha256_hex(canon).substr(0, 12);
}

bool cell_matches(const Cell& c, const std::string& pattern) {
  return fnmatch(pattern.c_str(), c.workload.c_str(), 0) == 0 ||
         fnmatch(pattern.c_str(), c.id.c_str(), 0) == 0 ||
         fnmatch(pattern.c_str(), c.label().c_str(), 0) == 0;
}

ExperimentSpec load_experiment(const std::string& path, const Registry& registry) {
  std::string text;
  yaml::load_file(path, &text);
  return parse_experiment(text, path, registry);
}

ExperimentSpec parse_experiment(const std::string& text, const std::string& file,
                                const Registry& registry) {
  const YAML::Node root = yaml::parse(text, file);
  if (!root.IsMap()) throw Error({file, 1, {}}, "an experiment must be a mapping", "see experiments/quickstart.yaml");
  yaml::check_keys(root, kTopKeys, file, "");

  ExperimentSpec spec;
  spec.path = file;
  spec.yaml_text = text;
  spec.sha256 = sha256_hex(text);
  if (!root["name"]) throw Error({file, 1, "name"}, "missing required key 'name'");
  spec.name = yaml::as_string(root["name"], file, "name");
  if (root["description"]) spec.description = yaml::as_string(root["description"], file, "description");
  if (root["seed"]) {
    const auto s = yaml::as_integer(root["seed"], file, "seed");
    if (s < 0) throw Error(yaml::where(file, root["seed"], "seed"), "seed must be >= 0");
    spec.seed = static_cast<std::uint64_t>(s);
  }
  auto count = [&](const YAML::Node& n, const std::string& key, int lo) {
    const auto v = yaml::as_integer(n, file, key);
    if (v < lo || v > 1000000)
      throw Error(yaml::where(file, n, key), "value " + std::to_string(v) + " is out of range [" +
                                                 std::to_string(lo) + ", 1000000]");
    return static_cast<int>(v);
  };
  if (root["repeats"]) spec.repeats = count(root["repeats"], "repeats", 1);
  if (root["warmup"]) spec.warmup = count(root["warmup"], "warmup", 0);
  if (root["platforms"]) {
    const YAML::Node p = root["platforms"];
    if (!p.IsSequence()) throw Error(yaml::where(file, p, "platforms"), "expected a list of platform names or paths");
    for (std::size_t i = 0; i < p.size(); ++i)
      spec.platforms.push_back(yaml::as_string(p[i], file, "platforms[" + std::to_string(i) + "]"));
  }
  if (root["parity"]) {
    const YAML::Node p = root["parity"];
    yaml::check_keys(p, kParityKeys, file, "parity");
    if (p["reference"]) spec.reference_platform = yaml::as_string(p["reference"], file, "parity.reference");
    if (p["band"]) {
      spec.parity_band = yaml::as_number(p["band"], file, "parity.band");
      if (!(spec.parity_band > 0 && spec.parity_band < 1))
        throw Error(yaml::where(file, p["band"], "parity.band"), "band must be in (0, 1)", "e.g. 0.10 for ±10%");
    }
  }

  if (const YAML::Node pj = root["projections"]) {
    if (!pj.IsSequence() || pj.size() == 0)
      throw Error(yaml::where(file, pj, "projections"), "expected a non-empty list of {model, devices, ...}");
    static const std::vector<std::string> kProjKeys = {"model", "platforms", "devices", "global_batch", "plan",
                                                       "stack", "dtype", "tokens", "inter_node_gbps", "allow_zero3"};
    for (std::size_t i = 0; i < pj.size(); ++i) {
      const std::string key = "projections[" + std::to_string(i) + "]";
      const YAML::Node n = pj[i];
      yaml::require_map(n, file, key);
      yaml::check_keys(n, kProjKeys, file, key);
      ProjectionSpec ps;
      ps.line = yaml::line_of(n);
      if (!n["model"]) throw Error(yaml::where(file, n, key), "missing required key 'model'", "a name under experiments/models/");
      ps.model = yaml::as_string(n["model"], file, key + ".model");
      if (!n["devices"]) throw Error(yaml::where(file, n, key), "missing required key 'devices'", "a count or a list of counts");
      auto one_int = [&](const YAML::Node& v, const std::string& k) {
        const auto x = yaml::as_integer(v, file, k);
        if (x < 1 || x > (1 << 24)) throw Error(yaml::where(file, v, k), "must be in [1, 16777216]");
        return static_cast<int>(x);
      };
      if (n["devices"].IsSequence())
        for (std::size_t j = 0; j < n["devices"].size(); ++j)
          ps.devices.push_back(one_int(n["devices"][j], key + ".devices[" + std::to_string(j) + "]"));
      else
        ps.devices.push_back(one_int(n["devices"], key + ".devices"));
      if (const YAML::Node pl = n["platforms"]) {
        if (!pl.IsSequence()) throw Error(yaml::where(file, pl, key + ".platforms"), "expected a list of platforms");
        for (std::size_t j = 0; j < pl.size(); ++j)
          ps.platforms.push_back(yaml::as_string(pl[j], file, key + ".platforms[" + std::to_string(j) + "]"));
      }
      auto positive = [&](const char* k, double& out) {
        if (!n[k]) return;
        out = yaml::as_number(n[k], file, key + "." + k);
        if (!(out > 0)) throw Error(yaml::where(file, n[k], key + "." + k), "must be positive");
      };
      positive("global_batch", ps.global_batch);
      positive("tokens", ps.tokens);
      if (n["plan"]) ps.plan = yaml::as_string(n["plan"], file, key + ".plan");
      if (n["stack"]) ps.stack = yaml::as_string(n["stack"], file, key + ".stack");
      if (n["dtype"]) ps.dtype = yaml::as_string(n["dtype"], file, key + ".dtype");
      if (n["inter_node_gbps"]) ps.inter_node_gbps = yaml::as_string(n["inter_node_gbps"], file, key + ".inter_node_gbps");
      if (n["allow_zero3"]) ps.allow_zero3 = yaml::as_bool(n["allow_zero3"], file, key + ".allow_zero3");
      spec.projections.push_back(std::move(ps));
    }
  }

  const YAML::Node wl = root["workloads"];
  if (!wl && !spec.projections.empty()) return spec;  // projections only
  if (!wl) throw Error({file, 1, "workloads"}, "missing required key 'workloads'", "a list of {workload, params}");
  if (!wl.IsSequence() || wl.size() == 0)
    throw Error(yaml::where(file, wl, "workloads"), "expected a non-empty list of {workload, params}");

  std::set<std::string> seen_ids;
  for (std::size_t e = 0; e < wl.size(); ++e) {
    const std::string ekey = "workloads[" + std::to_string(e) + "]";
    const YAML::Node entry = wl[e];
    yaml::check_keys(entry, kEntryKeys, file, ekey);
    if (!entry["workload"]) throw Error(yaml::where(file, entry, ekey), "missing required key 'workload'");
    const std::string wname = yaml::as_string(entry["workload"], file, ekey + ".workload");
    const WorkloadInfo* info = nullptr;
    try {
      info = &registry.info(wname);
    } catch (const Error& err) {
      throw Error(yaml::where(file, entry["workload"], ekey + ".workload"), err.what(), err.hint());
    }
    int repeats = spec.repeats, warmup = spec.warmup;
    if (entry["repeats"]) repeats = count(entry["repeats"], ekey + ".repeats", 1);
    if (entry["warmup"]) warmup = count(entry["warmup"], ekey + ".warmup", 0);

    // Collect each parameter's list of values.
    std::map<std::string, std::vector<ParamValue>> lists;
    std::map<std::string, YAML::Node> nodes;
    std::vector<std::string> order;
    if (entry["params"]) {
      const YAML::Node params = entry["params"];
      yaml::check_keys(params, info->params.names(), file, ekey + ".params");
      for (const auto& kv : params) {
        const std::string pname = kv.first.as<std::string>();
        const std::string pkey = ekey + ".params." + pname;
        const ParamSpec& ps = *info->params.find(pname);
        std::vector<ParamValue> vals;
        if (kv.second.IsSequence()) {
          if (kv.second.size() == 0) throw Error(yaml::where(file, kv.second, pkey), "empty list of values");
          for (std::size_t i = 0; i < kv.second.size(); ++i)
            vals.push_back(convert(ps, kv.second[i], file, pkey + "[" + std::to_string(i) + "]"));
        } else {
          vals.push_back(convert(ps, kv.second, file, pkey));
        }
        lists[pname] = std::move(vals);
        nodes[pname] = kv.first;
        order.push_back(pname);
      }
    }

    // Axes: zip groups first (in order), then the remaining parameters in file order.
    std::vector<Axis> axes;
    std::set<std::string> zipped;
    if (entry["zip"]) {
      const YAML::Node z = entry["zip"];
      const std::string zkey = ekey + ".zip";
      if (!z.IsSequence()) throw Error(yaml::where(file, z, zkey), "expected a list of parameter-name lists", "e.g. zip: [[m, n]]");
      for (std::size_t g = 0; g < z.size(); ++g) {
        const std::string gkey = zkey + "[" + std::to_string(g) + "]";
        if (!z[g].IsSequence() || z[g].size() < 2)
          throw Error(yaml::where(file, z[g], gkey), "a zip group lists two or more parameter names");
        Axis axis;
        std::size_t len = 0;
        for (std::size_t i = 0; i < z[g].size(); ++i) {
          const std::string pn = yaml::as_string(z[g][i], file, gkey + "[" + std::to_string(i) + "]");
          if (!lists.count(pn))
            throw Error(yaml::where(file, z[g][i], gkey + "[" + std::to_string(i) + "]"),
                        "'" + pn + "' is not a parameter given in params", "zip names parameters listed under params");
          if (zipped.count(pn))
            throw Error(yaml::where(file, z[g][i], gkey), "'" + pn + "' appears in two zip groups");
          const std::size_t n = lists[pn].size();
          if (i == 0) len = n;
          else if (n != len)
            throw Error(yaml::where(file, z[g], gkey),
                        "zip group has lists of unequal length (" + axis.names[0] + ": " + std::to_string(len) +
                            ", " + pn + ": " + std::to_string(n) + ")",
                        "zipped parameters must list the same number of values");
          axis.names.push_back(pn);
          zipped.insert(pn);
        }
        for (std::size_t k = 0; k < len; ++k) {
          std::vector<ParamValue> combo;
          for (const auto& pn : axis.names) combo.push_back(lists[pn][k]);
          axis.values.push_back(std::move(combo));
        }
        axes.push_back(std::move(axis));
      }
    }
    for (const auto& pn : order) {
      if (zipped.count(pn)) continue;
      Axis axis;
      axis.names = {pn};
      for (const auto& v : lists[pn]) axis.values.push_back({v});
      axes.push_back(std::move(axis));
    }

    // Cartesian product over axes (last axis fastest).
    std::vector<std::size_t> idx(axes.size(), 0);
    while (true) {
      std::map<std::string, ParamValue> given;
      for (std::size_t a = 0; a < axes.size(); ++a)
        for (std::size_t k = 0; k < axes[a].names.size(); ++k) given[axes[a].names[k]] = axes[a].values[idx[a]][k];
      Cell c;
      c.workload = wname;
      c.params = complete(info->params, std::move(given));
      c.seed = spec.seed;
      c.repeats = repeats;
      c.warmup = warmup;
      c.entry = static_cast<int>(e);
      c.index = static_cast<int>(spec.cells.size());
      c.id = cell_id(c.workload, c.params, c.seed);
      if (!seen_ids.insert(c.id).second)
        throw Error(yaml::where(file, entry, ekey), "duplicate cell: " + c.label(),
                    "two entries expand to the same workload and parameters");
      spec.cells.push_back(std::move(c));
      int a = static_cast<int>(axes.size()) - 1;
      while (a >= 0) {
        if (++idx[static_cast<std::size_t>(a)] < axes[static_cast<std::size_t>(a)].values.size()) break;
        idx[static_cast<std::size_t>(a)] = 0;
        --a;
      }
      if (a < 0) break;
    }
  }
  return spec;
}

}  // namespace xpb
