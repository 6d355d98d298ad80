// core/experiment/experiment.cpp — experiment files (declared with core/base/schema) and matrix expansion.
#include "core/experiment/experiment.hpp"

#include <fnmatch.h>

#include <cstdint>
#include <map>
#include <set>

#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/sha256.hpp"
#include "core/base/yaml_util.hpp"

namespace xpb {

namespace {

constexpr std::int64_t kMaxCount = 1000000;  // repeats, warmup
constexpr double kMaxMinTime = 3600;         // min_time: an hour per repeat is already a mistake
// The ranges of core/model/training_model.hpp's kMaxDevices and kMaxGlobalBatch (not a link
// dependency of experiments): counts the plan search holds in int.
constexpr double kMaxDevices = 1 << 24;
constexpr double kMaxGlobalBatch = 1 << 30;

// An entry of `projections:` (ProjectionSpec): a paper-scale training run projected, nothing run.
input::Node projections_schema() {
  using namespace input;
  return list(object(
                  {required("model", string("a model file: a path, or a name under experiments/models/")),
                   required("devices",
                            integer("device count; a list projects each").range(1, kMaxDevices).sweepable()),
                   optional("platforms", list(string(),
                                              "platforms to project onto (default: the "
                                              "experiment's, except the host)")),
                   optional("global_batch", number("sequences per step (default: the model file's)")
                                                .range(1, kMaxGlobalBatch)
                                                .whole_number()),
                   optional("plan", string("evaluate this plan (`tp=..,pp=..,dp=..`) instead of searching")),
                   optional("stack",
                            string("software stack of data/model/constants.yaml (default: its default)")),
                   optional("dtype", string("linear-layer precision (default: the model file's)")),
                   optional("tokens", number("token budget for the days figure").above(0)),
                   optional("inter_node_gbps", string("GB/s per device and direction where a descriptor has "
                                                      "none: N or low,nominal,high")),
                   optional("allow_zero3", boolean("also search ZeRO-3 plans").fallback(false))},
                  "one model projected onto each platform and device count"),
              "paper-scale training projected by the performance model (stored in /projections)")
      .non_empty();
}

std::vector<ProjectionSpec> read_projections(const input::Value& list) {
  std::vector<ProjectionSpec> out;
  for (const input::Value& n : list.items()) {
    ProjectionSpec ps;
    ps.line = n.line();
    ps.model = n["model"].str();
    for (const input::Value& d : n["devices"].items()) ps.devices.push_back(static_cast<int>(d.integer()));
    for (const input::Value& p : n["platforms"].items()) ps.platforms.push_back(p.str());
    if (n["global_batch"].present()) ps.global_batch = n["global_batch"].number();
    if (n["tokens"].present()) ps.tokens = n["tokens"].number();
    if (n["plan"].present()) ps.plan = n["plan"].str();
    if (n["stack"].present()) ps.stack = n["stack"].str();
    if (n["dtype"].present()) ps.dtype = n["dtype"].str();
    if (n["inter_node_gbps"].present()) ps.inter_node_gbps = n["inter_node_gbps"].str();
    ps.allow_zero3 = n["allow_zero3"].boolean();
    out.push_back(std::move(ps));
  }
  return out;
}

// A list of distinct seeds (at most kMaxSeeds: each one is a run of every cell).
input::Node seeds_schema(std::string doc) {
  using namespace input;
  return list(integer().at_least(0), std::move(doc)).non_empty().checked([](const Value& v) {
    std::map<std::int64_t, int> seen;
    for (const auto& s : v.items()) {
      const auto [it, fresh] = seen.emplace(s.integer(), s.line());
      if (!fresh)
        s.fail("seed " + std::to_string(s.integer()) + " is listed twice (first at line " +
                   std::to_string(it->second) + ")",
               "list each seed once");
    }
    if (v.items().size() > kMaxSeeds)
      v.fail(std::to_string(v.items().size()) + " seeds, more than " + std::to_string(kMaxSeeds),
             "statistics over seeds need a handful of runs, not thousands");
  });
}

// Seconds per timed repeat (Cell::min_time).
input::Node min_time_schema(std::string doc) {
  return input::number(std::move(doc)).range(0.0, kMaxMinTime).hint_text("seconds, e.g. 0.05");
}

}  // namespace

const input::Node& experiment_schema() {
  using namespace input;
  static const Node s = [] {
    Node n = object(
        {required("name", string("the experiment's name (result sets default to results/NAME.h5)")),
         optional("description", string("free text; its first line is shown by `xpubench list experiments`")),
         optional("seed", integer("every random number derives from (seed, cell, stream, index)")
                              .at_least(0)
                              .fallback(std::int64_t{0})),
         optional("seeds", seeds_schema("runs every cell once per seed (multi-seed statistics: mean, sd and "
                                        "a 95% interval per metric, in /seed_statistics); instead of seed")),
         optional("repeats",
                  integer("timed steps per benchmark cell (training cells run their own step count)")
                      .range(1, kMaxCount)
                      .fallback(std::int64_t{5})),
         optional("warmup",
                  integer("untimed steps before them").range(0, kMaxCount).fallback(std::int64_t{1})),
         optional("min_time", min_time_schema("seconds each timed repeat of a benchmark cell lasts at least: "
                                              "the step runs as many times per repeat as that takes, and "
                                              "its time is divided by that count (0: one step per repeat)")
                                  .fallback(0.0)),
         optional("platforms", list(string(), "platform names or descriptor paths to project onto")),
         optional("parity", object({optional("reference", string("the platform the others are compared with")
                                                              .fallback(std::string("nvidia-h20"))),
                                    optional("band", number("|ratio - 1| within the band counts as parity")
                                                         .above(0)
                                                         .below(1)
                                                         .fallback(0.10)
                                                         .hint_text("e.g. 0.10 for ±10%"))},
                                   "speed-ratio verdicts")),
         optional("projections", projections_schema()),
         optional(
             "workloads",
             list(object({required("workload", string("a compiled-in workload (`xpubench list workloads`)")),
                          optional("params", any("the workload's parameters (`xpubench show workload NAME`); "
                                                 "a list of values sweeps a parameter")),
                          optional("zip", list(list(string()).checked([](const Value& g) {
                                     if (g.items().size() < 2)
                                       g.fail("a zip group lists two or more parameter names");
                                   }),
                                               "groups of parameters whose lists expand together, "
                                               "e.g. [[m, n]]")),
                          optional("seeds", seeds_schema("overrides the top-level seed or seeds")),
                          optional("repeats", integer("overrides the top-level repeats").range(1, kMaxCount)),
                          optional("warmup", integer("overrides the top-level warmup").range(0, kMaxCount)),
                          optional("min_time", min_time_schema("overrides the top-level min_time"))},
                         "one workload and its parameter lists"),
                  "{workload, params}")
                 .non_empty())},
        "an experiment (see experiments/quickstart.yaml)");
    n.checked([](const Value& v) {
      if (v.has("seed") && v.has("seeds"))
        v["seeds"].fail("give either seed or seeds, not both",
                        "seeds: [42, 43, 44] runs every cell once per seed; seed: 42 once");
      if (!v["workloads"].present() && !v["projections"].present())
        v["workloads"].fail("missing required key 'workloads'",
                            "a list of {workload, params} (or a projections: section)");
    });
    return n;
  }();
  return s;
}

namespace {

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

ExperimentSpec load_experiment(const std::string& path, const Registry& registry, std::size_t max_cells) {
  std::string text;
  yaml::load_file(path, &text);
  return parse_experiment(text, path, registry, max_cells);
}

// The axes of one workloads entry: its zip groups first (in order), then the remaining parameters
// in file order, each with its list of values.
static std::vector<Axis> entry_axes(const input::Value& entry,
                                    const std::map<std::string, std::vector<ParamValue>>& lists,
                                    const std::vector<std::string>& order) {
  std::vector<Axis> axes;
  std::set<std::string> zipped;
  for (const auto& group : entry["zip"].items()) {
    Axis axis;
    std::size_t len = 0;
    const auto names = group.items();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string pn = names[i].str();
      if (!lists.count(pn))
        names[i].fail("'" + pn + "' is not a parameter given in params",
                      "zip names parameters listed under params");
      if (zipped.count(pn)) throw Error(group.where(), "'" + pn + "' appears in two zip groups");
      const std::size_t n = lists.at(pn).size();
      if (i == 0) len = n;
      else if (n != len)
        group.fail("zip group has lists of unequal length (" + axis.names[0] + ": " + std::to_string(len) +
                       ", " + pn + ": " + std::to_string(n) + ")",
                   "zipped parameters must list the same number of values");
      axis.names.push_back(pn);
      zipped.insert(pn);
    }
    for (std::size_t k = 0; k < len; ++k) {
      std::vector<ParamValue> combo;
      for (const auto& pn : axis.names) combo.push_back(lists.at(pn)[k]);
      axis.values.push_back(std::move(combo));
    }
    axes.push_back(std::move(axis));
  }
  for (const auto& pn : order) {
    if (zipped.count(pn)) continue;
    Axis axis;
    axis.names = {pn};
    for (const auto& v : lists.at(pn)) axis.values.push_back({v});
    axes.push_back(std::move(axis));
  }
  return axes;
}

namespace {

// One workloads entry, checked and split into axes, before any cell exists.
struct EntryPlan {
  input::Value entry;
  std::string workload;
  const WorkloadInfo* info = nullptr;
  int repeats = 0, warmup = 0;
  double min_time = 0;
  std::vector<std::uint64_t> seeds;  // the entry's, else the experiment's
  std::vector<Axis> axes;
  std::size_t cells = 1;  // product of the axis lengths (saturates at SIZE_MAX)
  std::string factors;    // "n: 10 × dtype: 2"
};

EntryPlan plan_entry(const input::Value& entry, const ExperimentSpec& spec, const Registry& registry,
                     const std::string& file) {
  EntryPlan plan;
  plan.entry = entry;
  plan.workload = entry["workload"].str();
  try {
    plan.info = &registry.info(plan.workload);
  } catch (const Error& err) {
    entry["workload"].fail(err.what(), err.hint());
  }
  plan.repeats = entry.has("repeats") ? static_cast<int>(entry["repeats"].integer()) : spec.repeats;
  plan.warmup = entry.has("warmup") ? static_cast<int>(entry["warmup"].integer()) : spec.warmup;
  plan.min_time = entry.has("min_time") ? entry["min_time"].number() : spec.min_time;
  plan.seeds = spec.seeds;
  if (entry.has("seeds")) {
    plan.seeds.clear();
    for (const auto& sv : entry["seeds"].items())
      plan.seeds.push_back(static_cast<std::uint64_t>(sv.integer()));
  }
  // Each parameter's list of values, checked against the workload's declaration.
  std::map<std::string, std::vector<ParamValue>> lists;
  std::vector<std::string> order;
  if (entry.has("params")) {
    const input::Value params =
        input::validate(plan.info->params.node(), entry["params"].yaml(), file, entry.key() + ".params");
    for (const auto& [pname, pv] : params.entries()) {
      for (const auto& v : pv.items()) lists[pname].push_back(v.scalar());
      order.push_back(pname);
    }
  }
  plan.axes = entry_axes(entry, lists, order);
  // The seeds multiply like a list (the outermost loop of the entry, expand_entry).
  if (plan.seeds.size() > 1) {
    plan.cells = plan.seeds.size();
    plan.factors = "seeds: " + std::to_string(plan.seeds.size());
  }
  for (const auto& a : plan.axes) {
    const std::size_t n = a.values.size();
    plan.cells = n != 0 && plan.cells > SIZE_MAX / n ? SIZE_MAX : plan.cells * n;
    if (n == 1) continue;  // a single value multiplies nothing
    plan.factors += (plan.factors.empty() ? "" : " × ") +
                    (a.names.size() == 1 ? a.names[0] : "zip(" + a.names[0] + ", …)") + ": " +
                    std::to_string(n);
  }
  return plan;
}

// The count first: a few short lists can multiply into more cells than memory holds.
void check_cell_budget(const std::vector<EntryPlan>& plans, std::size_t max_cells) {
  std::size_t total = 0;
  std::string lists;
  for (const auto& p : plans) {
    total = total > SIZE_MAX - p.cells ? SIZE_MAX : total + p.cells;
    if (p.cells > 1) lists += (lists.empty() ? "" : "; ") + p.entry.key() + ": " + p.factors;
  }
  if (total <= max_cells) return;
  const EntryPlan* biggest = &plans.front();
  for (const auto& p : plans)
    if (p.cells > biggest->cells) biggest = &p;
  const std::string count =
      total == SIZE_MAX ? "more than " + std::to_string(SIZE_MAX) : std::to_string(total);
  throw Error(biggest->entry.where(),
              "the experiment expands to " + count + " cells, more than the limit of " +
                  std::to_string(max_cells) + " (" + lists + ")",
              "shorten the lists, zip lists that belong together, or raise the limit with --max-cells N");
}

// One seed's cells of an entry: the Cartesian product over its axes (last axis fastest).
void expand_entry_seed(const EntryPlan& plan, int e, std::uint64_t seed, ExperimentSpec& spec,
                       std::set<std::string>& seen_ids) {
  const auto& axes = plan.axes;
  std::vector<std::size_t> idx(axes.size(), 0);
  while (true) {
    std::map<std::string, ParamValue> given;
    for (std::size_t a = 0; a < axes.size(); ++a)
      for (std::size_t k = 0; k < axes[a].names.size(); ++k)
        given[axes[a].names[k]] = axes[a].values[idx[a]][k];
    Cell c;
    c.workload = plan.workload;
    c.params = complete(plan.info->params, std::move(given));
    c.seed = seed;
    c.repeats = plan.repeats;
    c.warmup = plan.warmup;
    c.min_time = plan.min_time;
    c.entry = e;
    c.index = static_cast<int>(spec.cells.size());
    c.id = cell_id(c.workload, c.params, c.seed);
    if (!seen_ids.insert(c.id).second)
      plan.entry.fail("duplicate cell: " + c.label(),
                      "two entries expand to the same workload and parameters");
    spec.cells.push_back(std::move(c));
    std::size_t a = axes.size();
    while (a > 0 && ++idx[a - 1] == axes[a - 1].values.size()) idx[--a] = 0;
    if (a == 0) return;
  }
}

// Cartesian product over the axes (last axis fastest), once per seed (the outermost loop: an
// interrupted run has every configuration at the first seeds).
void expand_entry(const EntryPlan& plan, int e, ExperimentSpec& spec, std::set<std::string>& seen_ids) {
  for (const std::uint64_t seed : plan.seeds) expand_entry_seed(plan, e, seed, spec, seen_ids);
}

// The same platform twice would project (and store) every cell onto it twice.
void check_distinct_platforms(const input::Value& list) {
  std::map<std::string, int> seen;
  for (const auto& p : list.items()) {
    const auto [it, fresh] = seen.emplace(p.str(), p.line());
    if (!fresh)
      p.fail("platform '" + p.str() + "' is listed twice (first at line " + std::to_string(it->second) + ")",
             "list each platform once");
  }
}

}  // namespace

ExperimentSpec parse_experiment(const std::string& text, const std::string& file, const Registry& registry,
                                std::size_t max_cells) {
  const input::Value root = input::validate(experiment_schema(), yaml::parse(text, file), file);

  ExperimentSpec spec;
  spec.path = file;
  spec.yaml_text = text;
  spec.sha256 = sha256_hex(text);
  spec.name = root["name"].str();
  if (root.has("description")) spec.description = root["description"].str();
  spec.seed = static_cast<std::uint64_t>(root["seed"].integer());
  if (root.has("seeds")) {
    for (const auto& sv : root["seeds"].items())
      spec.seeds.push_back(static_cast<std::uint64_t>(sv.integer()));
    spec.seed = spec.seeds.front();
  } else {
    spec.seeds = {spec.seed};
  }
  spec.repeats = static_cast<int>(root["repeats"].integer());
  spec.warmup = static_cast<int>(root["warmup"].integer());
  spec.min_time = root["min_time"].number();
  check_distinct_platforms(root["platforms"]);
  for (const auto& p : root["platforms"].items()) spec.platforms.push_back(p.str());
  spec.reference_platform = root["parity"]["reference"].str();
  spec.parity_band = root["parity"]["band"].number();
  if (root["projections"].present()) spec.projections = read_projections(root["projections"]);
  if (!root["workloads"].present()) return spec;  // projections only (the schema asks for one of the two)

  std::vector<EntryPlan> plans;
  for (const input::Value& entry : root["workloads"].items())
    plans.push_back(plan_entry(entry, spec, registry, file));
  check_cell_budget(plans, max_cells);
  std::set<std::string> seen_ids;
  for (std::size_t e = 0; e < plans.size(); ++e) expand_entry(plans[e], static_cast<int>(e), spec, seen_ids);
  return spec;
}

}  // namespace xpb
