// cli/cmd_run.cpp — `xpubench run` and `xpubench expand`.
// run: parse + validate the experiment, run the selected cells into the result set with a progress
// line per cell on stderr, then print the cell table and the parity table on stdout.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "cli/cli.hpp"
#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/interrupt.hpp"
#include "core/base/mpi.hpp"
#include "core/base/output_path.hpp"
#include "core/base/paths.hpp"
#include "core/base/subprocess.hpp"
#include "core/experiment/experiment.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/result_store.hpp"
#include "core/results/seed_stats.hpp"
#include "core/run/runner.hpp"

namespace xpb::cli {

namespace {

std::string default_output(const ExperimentSpec& spec) {
  std::string stem = spec.path;
  const auto slash = stem.find_last_of('/');
  if (slash != std::string::npos) stem = stem.substr(slash + 1);
  const auto dot = stem.find_last_of('.');
  if (dot != std::string::npos) stem = stem.substr(0, dot);
  return "results/" + stem + ".h5";
}

// The cell's headline metrics as its workload declares them (MetricSpec::headline): "name value
// unit", a scalar's value or a per-step value's median; "-" when none.
std::string headline_text(const std::vector<const SummaryRow*>& rows, const Registry& registry) {
  if (!registry.has(rows.front()->workload)) return "-";
  const std::vector<MetricSpec>& specs = registry.info(rows.front()->workload).metrics;
  std::string text;
  std::set<std::string> shown;
  for (const char* kind : {"metric", "measured"}) {  // a scalar before a per-step value of that name
    for (const auto* r : rows) {
      const MetricSpec* s = r->kind == kind ? find_metric(specs, r->metric) : nullptr;
      if (!s || !s->headline || !shown.insert(r->metric).second) continue;
      text += (text.empty() ? "" : ", ") + r->metric + " " + fmt(r->median) +
              (r->unit.empty() ? "" : " " + r->unit);
    }
  }
  return text.empty() ? "-" : text;
}

void print_cells_table(const std::vector<SummaryRow>& rows, const Registry& registry, std::ostream& out) {
  // Order cells as they appear in the summary; pick the interesting rows of each.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const SummaryRow*>> by_cell;
  for (const auto& r : rows) {
    if (!by_cell.count(r.cell)) order.push_back(r.cell);
    by_cell[r.cell].push_back(&r);
  }
  TextTable t(
      {"cell", "workload", "params", "status", "median", "IQR", "n", "headline metrics", "model err"});
  for (const auto& id : order) {
    const auto& rs = by_cell[id];
    const SummaryRow* step = nullptr;
    std::string err = "-";
    for (const auto* r : rs) {
      if (r->kind == "measured" && r->metric == "step_seconds") step = r;
      if (r->kind == "model_error") err = fmt(100 * r->median, "%+.0f%%");
    }
    std::string params = rs.front()->params;
    if (params.size() > 48) params = params.substr(0, 45) + "...";
    t.row({id, rs.front()->workload, params, std::string(to_string(rs.front()->status)),
           step ? fmt_seconds(step->median) : "-", step ? fmt_seconds(step->q3 - step->q1) : "-",
           step ? std::to_string(step->n) : "0", headline_text(rs, registry), err});
  }
  out << "\nCells (measured on this machine):\n" << t.str();
}

void print_parity_table(const RunSummary& sum, const std::string& reference, double band, std::ostream& out) {
  const auto pr = parity_rows(sum.rows, reference, band, sum.hosts);
  if (pr.empty()) {
    out << "\nNo parity table: reference platform '" << reference
        << "' is not among the experiment's platforms or has no projection.\n";
    return;
  }
  TextTable t({"cell", "workload", "platform", "speed vs " + reference + " (projected, median [5-95 %])",
               "worst-case envelope", "verdict", "bound"});
  for (const auto& r : pr) {
    const std::string ratio =
        r.verdict == "unavailable"
            ? "-"
            : fmt(r.nominal, "%.2f") + "x [" + fmt(r.low, "%.2f") + ", " + fmt(r.high, "%.2f") + "]";
    const std::string env =
        r.verdict == "unavailable" || !(r.envelope_high > 0)
            ? "-"
            : "[" + fmt(r.envelope_low, "%.2f") + ", " + fmt(r.envelope_high, "%.2f") + "]";
    t.row({r.cell, r.workload, r.platform, ratio, env, r.verdict, r.bound});
  }
  out << "\nH20 parity (projected; ratio > 1 means faster than " << reference << ", band ±"
      << fmt(band * 100, "%.0f") << "%; median and 5-95 % of a seeded Monte Carlo in which inputs sharing a "
      << "source move together; verdicts use the 5-95 % interval):\n"
      << t.str();
}

// A cell's label for tables where its full parameter list would be cut: the workload and only the
// parameters whose value differs among the experiment's cells of that workload (seeds aside), so
// groups that share a long prefix ("ernie activation=relu batch=32 ...") stay apart.
std::string distinguishing_label(const Cell& cell, const std::vector<Cell>& cells) {
  std::set<std::string> varying;
  for (const auto& other : cells) {
    if (other.workload != cell.workload) continue;
    for (const auto& [k, v] : cell.params.values()) {
      const auto it = other.params.values().find(k);
      if (it == other.params.values().end() || to_display(it->second) != to_display(v)) varying.insert(k);
    }
  }
  std::string s = cell.workload;
  for (const auto& [k, v] : cell.params.values())
    if (varying.count(k) != 0) s += " " + k + "=" + to_display(v);
  return s;
}

// Statistics over seeds (an experiment's `seeds:`): per group of cells differing only in the seed,
// each scalar metric and the step time as mean ± sd [95% interval of the mean] over n seeds.
void print_seed_statistics(const RunSummary& sum, const ExperimentSpec& spec, std::ostream& out) {
  std::map<std::string, std::uint64_t> seeds;
  std::map<std::string, const Cell*> first;  // group -> a cell of it, for the label
  for (const auto& c : spec.cells) seeds.emplace(c.id, c.seed);
  const std::vector<SeedStatRow> stats = seed_statistics(sum.rows, seeds);
  if (stats.empty()) return;
  for (const auto& c : spec.cells) first.emplace(seed_group_id(c.workload, c.params.canonical_json()), &c);
  TextTable t({"group", "cell", "metric", "unit", "mean ± sd", "95% interval of the mean", "n"});
  int constant = 0;
  for (const auto& r : stats) {
    if (r.kind == "measured" && r.metric != "step_seconds") continue;
    if (r.min == r.max) {  // the same for every seed (a count, a baseline that ignores the seed)
      ++constant;
      continue;
    }
    const auto it = first.find(r.group);
    std::string label = it == first.end() ? r.workload : distinguishing_label(*it->second, spec.cells);
    if (label.size() > 100) label = label.substr(0, 97) + "...";
    t.row({r.group, label, r.kind == "measured" ? "step_seconds (median)" : r.metric, r.unit,
           fmt(r.mean, "%.4g") + " ± " + fmt(r.sd, "%.2g"),
           "[" + fmt(r.ci95_low, "%.4g") + ", " + fmt(r.ci95_high, "%.4g") + "]", std::to_string(r.n)});
  }
  out << "\nOver seeds (cells that differ only in their seed; sd: sample standard deviation; interval: "
         "Student's t, n - 1 degrees of freedom; in /seed_statistics):\n"
      << t.str();
  if (constant > 0)
    out << constant << " quantit" << (constant == 1 ? "y" : "ies")
        << " equal for every seed not shown (all in /seed_statistics).\n";
}

// Time to target per platform: the measured steps to the target times each projected step time.
void print_time_to_target(const std::vector<SummaryRow>& rows, std::ostream& out) {
  TextTable t({"cell", "workload", "platform", "seconds to target, projected median [5-95 %]", "how"});
  bool any = false;
  for (const auto& r : rows) {
    if (r.kind != "projected" || r.metric != "seconds_to_target") continue;
    any = true;
    t.row({r.cell, r.workload, r.platform,
           fmt_seconds(r.median) + " [" + fmt_seconds(r.low) + ", " + fmt_seconds(r.high) + "]", r.note});
  }
  if (any) out << "\nTime to target (MLPerf-style, per platform):\n" << t.str();
}

// The experiment's projections: section (nothing measured), one row per platform and size.
void print_projections(const std::vector<PlanProjection>& rows, const std::string& reference,
                       std::ostream& out) {
  if (rows.empty()) return;
  TextTable t({"#", "model", "platform", "devices", "plan", "step s, median [5-95 %]", "MFU", "days",
               "speed vs " + reference + " [5-95 %]", "verdict"});
  for (const auto& r : rows) {
    if (r.status != CellStatus::ok) {
      t.row({std::to_string(r.entry), r.model, r.platform, std::to_string(r.devices), "none: " + r.reason,
             "-", "-", "-", "-", "-"});
      continue;
    }
    const std::string days = r.tokens > 0 ? fmt(r.days_median, "%.3g") + " [" + fmt(r.days_p5, "%.3g") +
                                                ", " + fmt(r.days_p95, "%.3g") + "]"
                                          : "-";
    const std::string ratio = r.verdict.empty()
                                  ? "-"
                                  : fmt(r.ratio_median, "%.2f") + "x [" + fmt(r.ratio_p5, "%.2f") + ", " +
                                        fmt(r.ratio_p95, "%.2f") + "]";
    t.row({std::to_string(r.entry), r.model, r.platform, std::to_string(r.devices), r.plan,
           fmt(r.step_median, "%.3g") + " [" + fmt(r.step_p5, "%.3g") + ", " + fmt(r.step_p95, "%.3g") + "]",
           fmt(100 * r.mfu_median, "%.1f") + " %", days, ratio, r.verdict.empty() ? "-" : r.verdict});
  }
  out << "\nProjected training (performance model, nothing run; median and 5-95 % of a seeded Monte Carlo):\n"
      << t.str();
  for (const auto& r : rows)
    if (!r.assumptions.empty()) out << "assumed for " << r.platform << ": " << r.assumptions << "\n";
}

// `run --ranks N` in a plain process: this same command line, without --ranks, under
// `mpirun -n N` (exec: mpirun's exit status is ours). Open MPI refuses root without
// --allow-run-as-root, and more ranks than cores without --oversubscribe.
[[noreturn]] void relaunch_under_mpirun(const State& st, int ranks) {
  if (!mpi::compiled_in())
    throw Error({{}, 0, "--ranks"}, "this xpubench was built without MPI",
                "rebuild with MPI (libopenmpi-dev) or drop --ranks");
  const std::string launcher = find_in_path(paths().mpirun);
  if (launcher.empty())
    throw Error({{}, 0, "--ranks"}, "no MPI launcher '" + paths().mpirun + "' found",
                "install Open MPI (mpirun) or set XPB_MPIRUN to the launcher");
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (self.empty()) throw Error({{}, 0, "--ranks"}, "cannot find this executable (/proc/self/exe)", "");
  const ProcessResult v = run_process({launcher, "--version"}, {}, 30);
  const bool open_mpi = (v.out + v.err).find("Open MPI") != std::string::npos ||
                        (v.out + v.err).find("OpenRTE") != std::string::npos;
  std::vector<std::string> cmd = {launcher, "-n", std::to_string(ranks)};
  if (open_mpi) {
    if (::geteuid() == 0) cmd.emplace_back("--allow-run-as-root");
    if (ranks > static_cast<int>(std::thread::hardware_concurrency())) cmd.emplace_back("--oversubscribe");
  }
  cmd.push_back(self);
  for (std::size_t i = 1; i < st.argv.size(); ++i) {
    const std::string& a = st.argv[i];
    if (a == "--ranks")
      ++i;  // and its value
    else if (a.rfind("--ranks=", 0) != 0)
      cmd.push_back(a);
  }
  std::string shown;
  for (const auto& c : cmd) shown += (shown.empty() ? "" : " ") + c;
  std::cerr << "running: " << shown << std::endl;
  std::vector<char*> args;
  for (auto& c : cmd) args.push_back(c.data());
  args.push_back(nullptr);
  if (open_mpi && ::geteuid() == 0) {  // the environment form, for launchers started by mpirun itself
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  }
  std::cout.flush();
  ::execv(launcher.c_str(), args.data());
  throw Error({{}, 0, "--ranks"}, "cannot start " + launcher + ": " + std::strerror(errno), "");
}

// On a terminal, the line of the cell in progress, rewritten in place: "[ 3/20] label ... step
// k/N, loss X, ETA T" (loss when the workload reports one). Drawn only once a cell has run for a
// second, at most five times a second: short cells print as before.
class LiveLine {
 public:
  void begin(std::string prefix) {
    m_prefix = std::move(prefix);
    m_start = Clock::now();
    m_drawn = false;
    std::cerr << m_prefix << std::flush;
  }
  void step(const StepProgress& s) {
    const auto now = Clock::now();
    if (s.step == 1) m_first = now;
    if (now - m_start < std::chrono::seconds(1) || (m_drawn && now - m_last < std::chrono::milliseconds(200)))
      return;
    m_last = now;
    std::string text = m_prefix + " step " + std::to_string(s.step) + "/" + std::to_string(s.steps);
    for (const auto& [name, v] : s.result->values)
      if (name == "loss") text += ", loss " + fmt(v, "%.4g");
    if (s.step > 1) {
      const double per_step = std::chrono::duration<double>(now - m_first).count() / double(s.step - 1);
      text += ", ETA " + fmt_seconds(per_step * double(s.steps - s.step));
    }
    std::cerr << "\r" << text << "\033[K" << std::flush;
    m_drawn = true;
  }
  void end(const std::string& tail) {
    if (m_drawn) std::cerr << "\r" << m_prefix << "\033[K";
    std::cerr << " " << tail << "\n";
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string m_prefix;
  Clock::time_point m_start, m_first, m_last;
  bool m_drawn = false;
};

// `run --json`: the run's outcome as one object (docs/json.md), built from the /summary rows.
json run_json(const RunSummary& sum, const ExperimentSpec& spec, const std::string& output, int exit_code) {
  json j = json_object();
  j["experiment"] = spec.name;
  j["path"] = spec.path;
  j["output"] = output;
  j["exit_code"] = exit_code;
  j["interrupted"] = sum.interrupted;
  j["planned"] = sum.planned, j["ran"] = sum.ran, j["skipped_done_earlier"] = sum.skipped;
  j["ok"] = sum.ok, j["invalid"] = sum.invalid, j["failed"] = sum.failed;
  std::map<std::string, const Cell*> by_id;
  for (const auto& c : spec.cells) by_id.emplace(c.id, &c);
  json cells = json::array();
  std::map<std::string, std::size_t> at;  // cell id -> index in cells
  for (const auto& r : sum.rows) {
    auto [it, fresh] = at.emplace(r.cell, cells.size());
    if (fresh) {
      const auto c = by_id.find(r.cell);
      json params = json::object();
      if (c != by_id.end())
        for (const auto& [k, v] : c->second->params.values()) params[k] = json_param(to_json(v));
      cells.push_back({{"id", r.cell},
                       {"workload", r.workload},
                       {"label", c == by_id.end() ? r.workload : c->second->label()},
                       {"params", params},
                       {"seed", c == by_id.end() ? json(nullptr) : json(c->second->seed)},
                       {"status", std::string(to_string(r.status))},
                       {"step_seconds", nullptr},
                       {"metrics", json::object()},
                       {"projected_step_seconds", json::object()},
                       {"projected_seconds_to_target", json::object()},
                       {"model_error", nullptr}});
    }
    json& cell = cells[it->second];
    if (r.kind == "measured" && r.metric == "step_seconds")
      cell["step_seconds"] = {{"median", json_number(r.median)}, {"q1", json_number(r.q1)},
                              {"q3", json_number(r.q3)},         {"min", json_number(r.min)},
                              {"max", json_number(r.max)},       {"n", r.n}};
    else if (r.kind == "metric")
      cell["metrics"][r.metric] = {{"value", json_number(r.last)}, {"unit", r.unit}};
    else if (r.kind == "projected" && r.metric == "seconds_to_target")
      cell["projected_seconds_to_target"][r.platform] = {
          {"p5", json_number(r.low)}, {"median", json_number(r.median)}, {"p95", json_number(r.high)}};
    else if (r.kind == "projected")
      cell["projected_step_seconds"][r.platform] = {{"p5", json_number(r.low)},
                                                    {"median", json_number(r.median)},
                                                    {"p95", json_number(r.high)},
                                                    {"note", r.note}};
    else if (r.kind == "model_error")
      cell["model_error"] = json_number(r.median);
  }
  j["cells"] = std::move(cells);
  std::map<std::string, std::uint64_t> seeds;
  for (const auto& c : spec.cells) seeds.emplace(c.id, c.seed);
  json stats = json::array();
  for (const auto& r : seed_statistics(sum.rows, seeds))
    stats.push_back({{"group", r.group},
                     {"workload", r.workload},
                     {"params", json_param(r.params)},
                     {"kind", r.kind},
                     {"metric", r.metric},
                     {"unit", r.unit},
                     {"n", r.n},
                     {"seeds", r.seeds},
                     {"mean", json_number(r.mean)},
                     {"sd", json_number(r.sd)},
                     {"ci95_low", json_number(r.ci95_low)},
                     {"ci95_high", json_number(r.ci95_high)},
                     {"min", json_number(r.min)},
                     {"max", json_number(r.max)}});
  j["seed_statistics"] = std::move(stats);
  json parity = json::array();
  for (const auto& r : parity_rows(sum.rows, spec.reference_platform, spec.parity_band, sum.hosts))
    parity.push_back({{"cell", r.cell},
                      {"workload", r.workload},
                      {"platform", r.platform},
                      {"verdict", r.verdict},
                      {"bound", r.bound},
                      {"ratio_p5", json_number(r.low)},
                      {"ratio_median", json_number(r.nominal)},
                      {"ratio_p95", json_number(r.high)},
                      {"ratio_envelope_low", json_number(r.envelope_low)},
                      {"ratio_envelope_high", json_number(r.envelope_high)}});
  j["parity_reference"] = spec.reference_platform;
  j["parity_band"] = spec.parity_band;
  j["parity"] = std::move(parity);
  json projections = json::array();
  for (const auto& r : sum.projections)
    projections.push_back({{"entry", r.entry},
                           {"model", r.model},
                           {"platform", r.platform},
                           {"devices", r.devices},
                           {"status", std::string(to_string(r.status))},
                           {"reason", r.reason},
                           {"plan", r.plan},
                           {"step_seconds",
                            {{"p5", json_number(r.step_p5)},
                             {"median", json_number(r.step_median)},
                             {"p95", json_number(r.step_p95)}}},
                           {"mfu",
                            {{"p5", json_number(r.mfu_p5)},
                             {"median", json_number(r.mfu_median)},
                             {"p95", json_number(r.mfu_p95)}}},
                           {"verdict", r.verdict}});
  j["projections"] = std::move(projections);
  return j;
}

// --only that selects nothing is a mistake, not an empty run.
void check_selection(const ExperimentSpec& spec, const std::vector<std::string>& only) {
  if (only.empty() || !select_cells(spec, only).empty()) return;
  std::string globs;
  for (const auto& g : only) globs += (globs.empty() ? "'" : ", '") + g + "'";
  throw Error({{}, 0, "--only"}, "no cell of " + spec.path + " matches " + globs,
              "--only matches a cell's workload, id or label (a glob such as 'gemm*'); list them with "
              "`xpubench run " +
                  spec.path + " --dry-run`");
}

}  // namespace

// "8G", "512M", "1.5GiB", "4096": bytes (K, M, G, T are powers of 1024; a B or iB after them is
// optional). Anything else, zero or negative is an error naming the option.
static double parse_byte_size(const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  auto ends_with = [&](const std::string& t) {
    return unit.size() >= t.size() && unit.compare(unit.size() - t.size(), t.size(), t) == 0;
  };
  if (ends_with("iB"))
    unit.erase(unit.size() - 2);
  else if (ends_with("B"))
    unit.erase(unit.size() - 1);
  double scale = 0;
  if (unit.empty())
    scale = 1;
  else if (unit == "K" || unit == "k")
    scale = 1024.0;
  else if (unit == "M")
    scale = 1048576.0;
  else if (unit == "G")
    scale = 1073741824.0;
  else if (unit == "T")
    scale = 1099511627776.0;
  if (used == 0 || scale == 0 || !(v > 0) || !std::isfinite(v * scale))
    throw Error({{}, 0, "--max-memory"}, "'" + text + "' is not a memory size",
                "give bytes or a number with K, M, G or T (powers of 1024), e.g. 8G or 512M");
  return v * scale;
}

// `--min-time SECONDS`: a number in [0, 3600] (the range the experiment's min_time key takes).
static double parse_min_time(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || v < 0 || v > 3600)
    throw Error({{}, 0, "--min-time"}, "'" + text + "' is not a number of seconds in [0, 3600]",
                "give the least seconds each timed repeat should last, e.g. --min-time 0.05 (0: one step "
                "per repeat)");
  return v;
}

void add_run_command(CLI::App& app, State& st) {
  auto* run = app.add_subcommand("run", "Run an experiment and write its HDF5 result set");
  static std::string exp_path, output;
  static bool resume = false, force = false, dry_run = false;
  static int max_cell_ranks = 0;
  static std::size_t max_cells = kDefaultMaxCells;
  static std::vector<std::string> only;
  run->add_option("experiment", exp_path, "Experiment YAML file")->required();
  run->add_option("-o,--output", output, "Result set path (default results/<experiment>.h5)");
  run->add_flag("--resume", resume, "Complete an existing result set: run only missing cells");
  run->add_flag("--force", force, "Overwrite an existing result set");
  run->add_option("--only", only, "Run only cells whose workload, id or label matches GLOB")
      ->type_name("GLOB");
  run->add_flag("--dry-run", dry_run, "Validate and list the cells, run nothing");
  static bool run_json_flag = false;
  run->add_flag("--json", run_json_flag,
                "Print one JSON object instead of the tables: every cell, the statistics over seeds, "
                "parity and projections (docs/json.md)");
  run->add_option("--max-cell-ranks", max_cell_ranks,
                  "Under mpirun: at most N ranks per cell (default: as many as its workload can use; "
                  "1 spreads every cell over its own rank)")
      ->check(CLI::NonNegativeNumber);
  static int ranks = 0;
  run->add_option("--ranks", ranks,
                  "Run under `mpirun -n N` (re-launches itself; $XPB_MPIRUN names the launcher); "
                  "cells that need more ranks than they get are stored as skipped")
      ->check(CLI::PositiveNumber);
  add_max_cells_option(run, max_cells);
  static std::string max_memory;
  run->add_option("--max-memory", max_memory,
                  "The most one cell may allocate, e.g. 8G (K, M, G, T: powers of 1024); a cell that "
                  "needs more is stored invalid before it allocates (default: the memory available "
                  "on this host, shared among its ranks)")
      ->type_name("SIZE");
  static std::string min_time;
  run->add_option("--min-time", min_time,
                  "Each timed repeat of a benchmark cell lasts at least SECONDS: its step runs as many "
                  "times per repeat as that takes, and its time is divided by that count (overrides "
                  "the experiment's min_time; training cells ignore it)")
      ->type_name("SECONDS");
  static std::string kokkos_tools;  // applied by main() before Kokkos starts; recorded in provenance
  run->add_option("--kokkos-tools-library", kokkos_tools,
                  "Load a Kokkos Tools library, e.g. libkp_kernel_timer.so (else $KOKKOS_TOOLS_LIBS, "
                  "or $KOKKOS_PROFILE_LIBRARY with Kokkos 3; docs/kokkos-tools.md)")
      ->type_name("PATH");
  run->callback([&st] {
    ExperimentSpec spec = load_experiment(exp_path, st.registry, max_cells);
    check_selection(spec, only);
    if (!min_time.empty()) {
      spec.min_time = parse_min_time(min_time);
      for (auto& c : spec.cells) c.min_time = spec.min_time;
    }
    const double max_memory_bytes = max_memory.empty() ? 0 : parse_byte_size(max_memory);
    if (ranks > 1 && !dry_run) {
      if (mpi::size() == 1 && !mpi::launched_by_launcher()) relaunch_under_mpirun(st, ranks);
      if (mpi::size() != ranks)
        throw Error({{}, 0, "--ranks"},
                    "--ranks " + std::to_string(ranks) + " under a launcher that gave " +
                        std::to_string(mpi::size()) + " rank(s)",
                    "use either --ranks or mpirun -n, not both");
    }
    if (dry_run) {
      resolve_experiment_platforms(spec);
      if (run_json_flag) {
        json j = json_object();
        j["experiment"] = spec.name;
        j["path"] = spec.path;
        j["dry_run"] = true;
        json cells = json::array();
        for (const Cell* c : select_cells(spec, only))
          cells.push_back({{"id", c->id}, {"label", c->label()}, {"seed", c->seed}});
        j["cells"] = std::move(cells);
        print_json(j);
        st.exit_code = 0;
        return;
      }
      for (const Cell* c : select_cells(spec, only)) std::cout << c->id << "  " << c->label() << "\n";
      st.exit_code = 0;
      return;
    }
    RunOptions opt;
    opt.output = output.empty() ? default_output(spec) : output;
    // Existing result sets are the store's business (--resume / --force); never the experiment itself.
    check_output(opt.output, {/*force=*/true, {exp_path}, "the result set"});
    opt.resume = resume;
    opt.force = force;
    opt.only = only;
    opt.command_line = joined_command_line(st);
    opt.max_cell_ranks = max_cell_ranks;
    opt.max_memory = max_memory_bytes;
    opt.log = [](const std::string& m) { std::cerr << "error: " << m << std::endl; };
    opt.warn = [](const std::string& m) { std::cerr << "warning: " << m << std::endl; };
    const int world = mpi::size();
    // Under MPI each cell's leading rank reports its cells (lines, never a \r-style live line);
    // rank 0 prints the tables at the end.
    const bool tty = ::isatty(2) != 0 && world == 1;
    const bool quiet = mpi::rank() != 0;
    auto live = std::make_shared<LiveLine>();
    if (tty) opt.on_step = [live](const StepProgress& s) { live->step(s); };
    auto progress = [tty, world, live](const CellEvent& ev) {
      char head[64];
      std::snprintf(head, sizeof head, "[%*d/%d]", ev.total >= 100 ? 3 : 2, ev.position, ev.total);
      std::string where;
      if (world > 1)
        where = ev.ranks > 1 ? " (ranks " + std::to_string(ev.rank) + "-" +
                                   std::to_string(ev.rank + ev.ranks - 1) + ")"
                             : " (rank " + std::to_string(ev.rank) + ")";
      std::string label = ev.cell->label();
      if (label.size() > 60) label = label.substr(0, 57) + "...";
      if (ev.kind == CellEvent::start && !tty) {
        if (world > 1) std::cerr << head << where << " " << label << " ... started\n";
        return;
      }
      if (ev.kind == CellEvent::skipped) {
        std::cerr << head << " " << label << " ... done earlier, skipped\n";
      } else if (ev.kind == CellEvent::start) {
        if (tty) live->begin(std::string(head) + " " + label + " ...");
      } else {
        const auto& r = *ev.record;
        std::string tail(to_string(r.status));
        if (r.status == CellStatus::ok)
          tail += "  median " + fmt_seconds(describe(r.step_seconds).median);
        else
          tail += ": " + r.reason;
        if (tty)
          live->end(tail);
        else
          std::cerr << head << where << " " << label << " ... " << tail << "\n";
        if (!r.noise_reasons.empty()) {
          std::string why;
          for (const auto& n : r.noise_reasons) why += (why.empty() ? "" : "; ") + n;
          std::cerr << "warning: cell " << r.cell.id << " (" << label << ") is noisy: " << why << "\n";
        }
      }
    };
    // Ctrl-C or SIGTERM: one process ends the run between steps (the cell in progress is
    // abandoned); under MPI, where the launcher passes the signal on to every rank (Open MPI's
    // mpirun sends SIGTERM, and SIGKILL a few seconds later), no new cell starts and the cells in
    // progress finish. Every finished cell is kept either way.
    install_interrupt_handlers();
    opt.stop = [] { return interrupt_signal() != 0; };
    const RunSummary sum = run_experiment(spec, st.registry, opt, progress);
    if (sum.interrupted) {
      const int sig = interrupt_signal();  // 0: another rank was signalled, this one was not
      const char* name = sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "a signal to another rank";
      if (tty) std::cerr << "\n";
      if (!quiet)
        std::cerr << "interrupted (" << name << "): " << sum.ran
                  << " cell(s) of this run finished and are kept in " << opt.output
                  << (world > 1 ? "; no further cell was started" : "; the cell in progress was abandoned")
                  << ".\nresume with: xpubench run " << exp_path << " -o " << opt.output << " --resume\n";
      st.exit_code = 128 + (sig != 0 ? sig : SIGTERM);
      if (run_json_flag && !quiet) print_json(run_json(sum, spec, opt.output, st.exit_code));
      return;
    }
    if (quiet) {
      st.exit_code = 0;
      return;
    }
    if (run_json_flag) {
      bool bad = false;
      for (const auto& r : sum.rows) bad = bad || is_bad(r.status);
      st.exit_code = bad ? 1 : 0;
      print_json(run_json(sum, spec, opt.output, st.exit_code));
      return;
    }
    if (!spec.cells.empty()) print_cells_table(sum.rows, st.registry, std::cout);
    print_seed_statistics(sum, spec, std::cout);
    print_time_to_target(sum.rows, std::cout);
    print_projections(sum.projections, spec.reference_platform, std::cout);
    if (!spec.cells.empty()) print_parity_table(sum, spec.reference_platform, spec.parity_band, std::cout);
    std::set<std::string> bad, few;
    int need = 2;  // ranks the skipped cells' workloads ask for, at least
    for (const auto& r : sum.rows) {
      if (is_bad(r.status)) bad.insert(r.cell);
      if (r.status != CellStatus::skipped) continue;
      few.insert(r.cell);
      if (st.registry.has(r.workload)) need = std::max(need, st.registry.info(r.workload).min_ranks);
    }
    std::cout << "\n"
              << sum.ran << " cell(s) run, " << sum.skipped << " skipped (done earlier); " << bad.size()
              << " not ok. Results: " << opt.output << "\n";
    if (!few.empty())
      std::cout << few.size() << " cell(s) need more MPI ranks than this run had: stored as skipped and "
                << "projected only; measure them with `xpubench run " << exp_path << " -o " << opt.output
                << " --resume --ranks " << need << "`.\n";
    st.exit_code = bad.empty() ? 0 : 1;
  });

  auto* expand = app.add_subcommand("expand", "Print the cells an experiment expands to, without running");
  static std::string exp2;
  static std::size_t expand_max_cells = kDefaultMaxCells;
  expand->add_option("experiment", exp2, "Experiment YAML file")->required();
  add_max_cells_option(expand, expand_max_cells);
  static bool expand_json = false;
  expand->add_flag("--json", expand_json, "Print one JSON object (docs/json.md)");
  expand->callback([&st] {
    const ExperimentSpec spec = load_experiment(exp2, st.registry, expand_max_cells);
    if (expand_json) {
      json cells = json::array();
      for (const auto& c : spec.cells) {
        json params = json::object();
        for (const auto& [k, v] : c.params.values()) params[k] = json_param(to_json(v));
        cells.push_back({{"index", c.index},
                         {"id", c.id},
                         {"workload", c.workload},
                         {"params", params},
                         {"seed", c.seed},
                         {"repeats", c.repeats},
                         {"warmup", c.warmup},
                         {"min_time", c.min_time},
                         {"label", c.label()}});
      }
      json j = json_object();
      j["experiment"] = spec.name;
      j["path"] = exp2;
      j["seed"] = spec.seed;
      j["seeds"] = spec.seeds;
      j["cells"] = std::move(cells);
      print_json(j);
      st.exit_code = 0;
      return;
    }
    TextTable t({"#", "cell", "workload", "params", "seed", "repeats", "warmup"});
    std::set<std::uint64_t> used;
    for (const auto& c : spec.cells) {
      t.row({std::to_string(c.index + 1), c.id, c.workload, c.params.brief(), std::to_string(c.seed),
             std::to_string(c.repeats), std::to_string(c.warmup)});
      used.insert(c.seed);
    }
    std::string seeds;
    for (const auto s : used) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
    std::cout << spec.name << ": " << spec.cells.size() << " cell(s), seed" << (used.size() > 1 ? "s " : " ")
              << (used.empty() ? std::to_string(spec.seed) : seeds) << "\n"
              << t.str();
    st.exit_code = 0;
  });
}

}  // namespace xpb::cli
