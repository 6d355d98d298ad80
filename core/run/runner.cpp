// core/run/runner.cpp — the cell loop: setup, warm-up, timed steps, validation, declared metrics,
// projection, commit. The scheduler decides which cells this process runs (core/run/scheduler.hpp).
#include "core/run/runner.hpp"

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <thread>
#include <tuple>

#include "core/base/allocation_meter.hpp"
#include "core/base/error.hpp"
#include "core/base/kokkos_compat.hpp"
#include "core/base/mpi.hpp"
#include "core/base/paths.hpp"
#include "core/base/system.hpp"
#include "core/model/projector.hpp"
#include "core/run/noise.hpp"
#include "core/run/projections.hpp"
#include "core/run/scheduler.hpp"

namespace xpb {

std::vector<const Cell*> select_cells(const ExperimentSpec& spec, const std::vector<std::string>& only) {
  std::vector<const Cell*> out;
  for (const auto& c : spec.cells) {
    bool keep = only.empty();
    for (const auto& g : only) keep = keep || cell_matches(c, g);
    if (keep) out.push_back(&c);
  }
  return out;
}

std::vector<Platform> resolve_experiment_platforms(const ExperimentSpec& spec) {
  std::vector<Platform> out;
  for (std::size_t i = 0; i < spec.platforms.size(); ++i) {
    try {
      out.push_back(resolve_platform(spec.platforms[i]));
    } catch (const Error& e) {
      // Point at the experiment file, and keep the descriptor's own location in the message.
      throw Error({spec.path, 0, "platforms[" + std::to_string(i) + "]"},
                  "platform '" + spec.platforms[i] + "': " + e.located(), e.hint());
    }
    // Two spellings of one descriptor (a name and its path): the result set keys platforms by name.
    for (std::size_t j = 0; j < i; ++j)
      if (out[j].name == out[i].name)
        throw Error({spec.path, 0, "platforms[" + std::to_string(i) + "]"},
                    "'" + spec.platforms[i] + "' is platform '" + out[i].name + "', already listed as '" +
                        spec.platforms[j] + "'",
                    "list each platform once");
  }
  return out;
}

double host_share(int threads, int ranks_on_node, int cpus, int calibrated_threads) {
  if (threads < 1 || ranks_on_node < 1 || cpus < 1 || calibrated_threads < 1) return 1.0;
  const double cores = std::min(double(threads), double(cpus) / double(ranks_on_node));
  return std::min(1.0, cores / double(calibrated_threads));
}

Platform host_for_rank(const Platform& host, double share, int ranks_on_node) {
  Platform p = host;
  auto scale = [share](Quantity& q) {
    if (q.present) q.value = q.value * share;
  };
  for (auto& [dtype, peak] : p.peak)
    if (peak.status == PeakStatus::known) scale(peak.flops);
  scale(p.memory_bandwidth);
  for (auto& step : p.cache_bandwidth) scale(step.bandwidth);  // a core's share of the caches too
  for (auto& step : p.handoff_bandwidth) scale(step.bandwidth);
  p.devices_per_node = std::max(p.devices_per_node, ranks_on_node);
  return p;
}

// ------------------------------------------------------------------------------------------------
// Metrics the runner derives

const std::vector<MetricSpec>& runner_metrics() {
  static const std::vector<MetricSpec> specs = {
      {"achieved_gflops", "GFLOP/s", MetricKind::rate, "ledger FLOPs (as run here) / median step time",
       false},
      {"achieved_gbps", "GB/s", MetricKind::rate, "ledger bytes (as run here) / median step time", false},
      {"comm_share", "", MetricKind::share, "measured data exchange over step time, all steps", false},
      {"wait_share", "", MetricKind::share,
       "waiting for the slowest rank before exchanges over step time, all steps", false},
      {"seconds_to_target", "s", MetricKind::time,
       "measured time of the steps before the workload's steps_to_target (time to target, as MLPerf "
       "Training reports it; evaluations inside those steps included)",
       false},
  };
  return specs;
}

const Platform* self_check_platform(const std::vector<Platform>& platforms) {
  const auto it =
      std::find_if(platforms.begin(), platforms.end(), [](const Platform& p) { return is_host(p); });
  return it == platforms.end() ? nullptr : &*it;
}

namespace {

// Threads the host descriptor was calibrated with ("…, N threads" in its provenance), else 0.
int calibrated_threads(const Platform& host) {
  const auto it = host.provenance.find("kokkos");
  if (it == host.provenance.end()) return 0;
  const std::string& s = it->second;
  const auto pos = s.rfind(" threads");
  if (pos == std::string::npos) return 0;
  auto b = pos;
  while (b > 0 && std::isdigit(static_cast<unsigned char>(s[b - 1]))) --b;
  return b < pos ? std::atoi(s.substr(b, pos - b).c_str()) : 0;
}

void set_status(CellRecord& rec, CellStatus status, const std::string& why) {
  rec.status = status;
  rec.reason = why;
}

// ------------------------------------------------------------------------------------------------
// One cell

constexpr const char* kInterrupted = "interrupted";  // reason of a cell whose steps `stop` ended

// Why a cell of this workload is skipped on `ranks` ranks (one line: the parity report repeats it).
std::string too_few_ranks(const WorkloadInfo& info, int ranks) {
  const std::string need = std::to_string(info.min_ranks);
  return "needs >= " + need + " MPI ranks, had " + std::to_string(ranks) +
         "; projected from its ledger only (run with --ranks " + need + ")";
}

// setup(); false (and the cell invalid) when the workload rejects the parameters.
bool set_up(Workload& w, const Cell& cell, Context& ctx, CellRecord& rec) {
  try {
    AllocationMeter meter;
    w.setup(cell.params, ctx);
    rec.working_set_bytes = meter.bytes();
    return true;
  } catch (const Error& e) {
    set_status(
        rec, CellStatus::invalid,
        "setup rejected the parameters: " + e.located() + (e.hint().empty() ? "" : " (" + e.hint() + ")"));
    return false;
  }
}

// One timed repeat: `iterations` calls of step(), fenced before the first and after the last
// (each step is blocking), timed as one. A repeat of a group is done when all of it is, so its
// time is the slowest rank's; every rank runs the same iterations (the growth below sees the same
// maximum on each). A workload that times itself (StepResult::manual_seconds on every call) gives
// the sum of its times.
struct Repeat {
  double seconds = 0;  // the whole repeat, all iterations
  StepResult last;     // the last call's result (what on_step shows)
  // Each value the calls reported, folded into one per-iteration value (fold_values).
  std::vector<std::pair<std::string, double>> values;
};

// Folds the values of a repeat's calls into per-iteration values, in order of first appearance:
// a rate by its harmonic mean (work / mean time when each call does the same work, which is what
// a rate over the whole repeat is), anything else by its mean. One call keeps its value as is.
class ValueFold {
 public:
  explicit ValueFold(const WorkloadInfo& info) : m_info(info) {}
  void add(const StepResult& r) {
    for (const auto& nv : r.values) {
      // (A lambda may not capture a structured binding before C++20: nvcc's C++17 front end says so.)
      const std::string& name = nv.first;
      const double v = nv.second;
      auto it = std::find_if(m_acc.begin(), m_acc.end(), [&](const Acc& a) { return a.name == name; });
      if (it == m_acc.end()) {
        const MetricSpec* spec = find_metric(m_info.metrics, name);
        m_acc.push_back({name, spec && spec->kind == MetricKind::rate});
        it = m_acc.end() - 1;
      }
      it->first = it->count == 0 ? v : it->first;
      it->sum += v;
      it->inverse_sum += 1.0 / v;
      it->all_positive = it->all_positive && v > 0 && std::isfinite(v);
      ++it->count;
    }
  }
  std::vector<std::pair<std::string, double>> result() const {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& a : m_acc) {
      const double n = double(a.count);
      double v = a.count == 1 ? a.first : a.sum / n;
      if (a.count > 1 && a.rate && a.all_positive) v = n / a.inverse_sum;
      out.emplace_back(a.name, v);
    }
    return out;
  }

 private:
  struct Acc {
    std::string name;
    bool rate = false;
    double first = 0, sum = 0, inverse_sum = 0;
    bool all_positive = true;
    std::int64_t count = 0;
  };
  const WorkloadInfo& m_info;
  std::vector<Acc> m_acc;
};

Repeat run_repeat(Workload& w, const WorkloadInfo& info, Context& ctx, std::int64_t iterations) {
  Repeat rep;
  ValueFold fold(info);
  double manual = 0;
  bool all_manual = true;
  Kokkos::Timer timer;
  Kokkos::fence();
  timer.reset();
  for (std::int64_t i = 0; i < iterations; ++i) {
    StepResult r = w.step(ctx);
    if (r.manual_seconds > 0)
      manual += r.manual_seconds;
    else
      all_manual = false;
    fold.add(r);
    if (i + 1 == iterations) rep.last = std::move(r);
  }
  Kokkos::fence();
  const double wall = timer.seconds();
  rep.seconds = ctx.group.max(all_manual ? manual : wall);
  rep.values = fold.result();
  return rep;
}

// Step calls per timed repeat for a minimum time per repeat (Cell::min_time), found as Google
// Benchmark does: untimed repeats of 1, then geometrically more calls, until one lasts min_time.
// Each guess aims kOvershoot past min_time from the last repeat's time per call, growing at most
// kMaxGrowth-fold at once (a first call slowed by a cold cache must not leap too far) and by at
// least one call; kMaxIterations bounds a step that reads as taking no time at all. 0 when `stop`
// answered true.
constexpr double kOvershoot = 1.4, kMaxGrowth = 10.0;
constexpr std::int64_t kMaxIterations = std::int64_t(1) << 40;

std::int64_t find_iterations(Workload& w, const WorkloadInfo& info, Context& ctx, double min_time,
                             const StepHooks& hooks) {
  std::int64_t n = 1;
  while (true) {
    if (hooks.stop && hooks.stop()) return 0;
    const double t = run_repeat(w, info, ctx, n).seconds;
    if (t >= min_time || n >= kMaxIterations) return n;
    const double growth = t > 0 ? std::min(kMaxGrowth, kOvershoot * min_time / t) : kMaxGrowth;
    const double next = std::ceil(double(n) * growth);
    n = std::min(kMaxIterations,
                 std::max(n + 1, next >= double(kMaxIterations) ? kMaxIterations : std::int64_t(next)));
  }
}

// Warm-up steps (one call each), then, with a minimum time, the calls per repeat (find_iterations),
// then the timed repeats. Each stored step time and value is per call: the repeat's time / its
// calls. Per-step values go to rec.step_values in order of first appearance. Training cells run
// every planned step once and ignore min_time. Returns false when `stop` ended them early.
bool time_steps(Workload& w, const WorkloadInfo& info, const Cell& cell, Context& ctx, CellRecord& rec,
                const StepHooks& hooks) {
  const std::int64_t planned = w.planned_steps();
  const int warmup = planned >= 0 ? 0 : cell.warmup;
  const std::int64_t steps = planned >= 0 ? planned : cell.repeats;
  rec.min_time = planned >= 0 ? 0.0 : cell.min_time;
  std::map<std::string, std::size_t> value_index;
  for (std::int64_t i = 0; i < warmup + steps; ++i) {
    if (i == warmup && rec.min_time > 0) {
      rec.iterations = find_iterations(w, info, ctx, rec.min_time, hooks);
      if (rec.iterations == 0) return false;
    }
    if (hooks.stop && hooks.stop()) return false;
    const std::int64_t calls = i < warmup ? 1 : rec.iterations;
    const Repeat rep = run_repeat(w, info, ctx, calls);
    const double t = rep.seconds / double(calls);
    if (hooks.on_step) hooks.on_step({i + 1, warmup + steps, t, &rep.last});
    if (i < warmup) {
      rec.warmup_seconds.push_back(t);
      continue;
    }
    rec.step_seconds.push_back(t);
    rec.timed_seconds += rep.seconds;
    for (const auto& [name, v] : rep.values) {
      auto it = value_index.emplace(name, rec.step_values.size()).first;
      if (it->second == rec.step_values.size()) rec.step_values.push_back({name, {}});
      rec.step_values[it->second].second.push_back(v);
    }
  }
  return true;
}

// Units and docs of what the workload emitted, from its declarations. Throws xpb::Error naming the
// first undeclared name.
void apply_metric_specs(const WorkloadInfo& info, CellRecord& rec) {
  auto spec = [&](const std::string& name, const char* what) {
    const MetricSpec* s = find_metric(info.metrics, name);
    if (!s)
      throw Error({}, "workload '" + info.name + "' emitted the undeclared " + what + " '" + name + "'",
                  "declare it in the workload's WorkloadInfo::metrics (core/plugin/metrics.hpp)");
    return s;
  };
  for (const auto& [name, vals] : rec.step_values) {
    const MetricSpec* s = spec(name, "step value");
    rec.step_units[name] = s->unit;
    rec.step_kinds[name] = s->kind;
  }
  for (auto& sc : rec.metrics.scalars) {
    const MetricSpec* s = spec(sc.name, "metric");
    sc.unit = s->unit;
    sc.doc = s->doc;
    sc.kind = s->kind;
  }
}

void derived_scalar(CellRecord& rec, const std::string& name, double value, const std::string& doc = {}) {
  const MetricSpec* s = find_metric(runner_metrics(), name);
  rec.metrics.scalars.push_back({name, value, s->unit, doc.empty() ? s->doc : doc, s->kind});
}

// seconds_to_target: the measured time of the first steps_to_target steps, when the workload
// reported that many (time to target, nn/time_to_target.hpp).
void derive_time_to_target(CellRecord& rec) {
  const auto it = std::find_if(rec.metrics.scalars.begin(), rec.metrics.scalars.end(),
                               [](const auto& sc) { return sc.name == "steps_to_target"; });
  if (it == rec.metrics.scalars.end() || !(it->value >= 0) || it->value > double(rec.step_seconds.size()))
    return;
  const auto k = static_cast<std::size_t>(it->value);
  double seconds = 0;
  for (std::size_t i = 0; i < k; ++i) seconds += rec.step_seconds[i];
  derived_scalar(rec, "seconds_to_target", seconds);
}

// Achieved rates from the ledger of what ran here (the as-run ledger when the cell charges another
// precision: the bytes this host moved), and the shares of step time the workload reported as
// communication and as waiting.
void derive_metrics(const WorkloadInfo& info, CellRecord& rec) {
  if (rec.step_seconds.empty()) return;
  const double med = describe(rec.step_seconds).median;
  const Ledger& here = rec.ledger_as_run.empty() ? rec.ledger : rec.ledger_as_run;
  const double fl = total_flops(here), by = total_bytes(here);
  if (med > 0 && fl > 0) derived_scalar(rec, "achieved_gflops", fl / med / 1e9);
  if (med > 0 && by > 0) derived_scalar(rec, "achieved_gbps", by / med / 1e9);
  double total = 0;
  for (double v : rec.step_seconds) total += v;
  derive_time_to_target(rec);
  if (total <= 0) return;
  for (const auto& [kind, name, what] :
       {std::tuple{MetricKind::comm_time, "comm_share", "measured data exchange"},
        std::tuple{MetricKind::wait_time, "wait_share", "waiting for the slowest rank before exchanges"}}) {
    double sum = 0;
    std::string names;
    for (const auto& [value_name, vals] : rec.step_values) {
      if (find_metric(info.metrics, value_name)->kind != kind) continue;
      for (double v : vals) sum += v;
      names += (names.empty() ? "" : " + ") + value_name;
    }
    if (!names.empty())
      derived_scalar(rec, name, sum / total,
                     std::string(what) + " (" + names + ") over step time, all steps");
  }
}

}  // namespace

// The self-check platform's projection records this rank's share of the host and the model's
// error against the measured median.
void project_cell(CellRecord& rec, const std::vector<Platform>& platforms, const Context& ctx,
                  HardwareCache* cache) {
  if (rec.status != CellStatus::ok && rec.status != CellStatus::skipped) return;
  const Platform* self = self_check_platform(platforms);
  ProjectOptions opt;
  opt.cache = cache;
  opt.working_set = rec.working_set_bytes;
  opt.handoff = rec.training;
  for (const auto& p : platforms) {
    // The self-check compares with what ran here: the as-run ledger when the cell charges another
    // precision than this host computed in.
    const bool as_run = &p == self && !rec.ledger_as_run.empty();
    Projection pr = project(as_run ? rec.ledger_as_run : rec.ledger, p, opt);
    pr.platform = p.name;
    pr.self_check = &p == self;
    if (as_run)
      pr.ledger_as_run =
          "projected from the ledger as this host ran it (its compute dtype), not from the cell's ledger, "
          "which "
          "charges the cell's precision";
    if (pr.self_check && (ctx.host_share != 1.0 || ctx.ranks_on_node > 1)) {
      pr.host_share = ctx.host_share;
      pr.ranks_on_node = ctx.ranks_on_node;
    }
    if (pr.self_check && pr.ok && !rec.step_seconds.empty()) {
      const double med = describe(rec.step_seconds).median;
      if (med > 0) rec.model_error = pr.step_seconds.nominal / med - 1.0;
    }
    rec.projections.push_back(std::move(pr));
  }
}

CellRecord measure_cell(const Cell& cell, const Registry& registry, const Context& base_ctx,
                        const StepHooks& hooks) {
  CellRecord rec;
  rec.cell = cell;
  Context ctx = base_ctx;
  ctx.seed = cell.seed;
  ctx.cell_id = cell.id;
  try {
    const WorkloadInfo& info = registry.info(cell.workload);
    rec.training = info.kind == WorkloadKind::training;
    std::unique_ptr<Workload> w = registry.create(cell.workload);
    if (!set_up(*w, cell, ctx, rec)) return rec;
    if (ctx.group.size() < info.min_ranks) {  // nothing to measure: project the ledger only
      rec.ledger = w->ledger();
      set_status(rec, CellStatus::skipped, too_few_ranks(info, ctx.group.size()));
      return rec;
    }
    if (!time_steps(*w, info, cell, ctx, rec, hooks)) {
      const std::string done = std::to_string(rec.step_seconds.size());
      set_status(rec, CellStatus::failed, std::string(kInterrupted) + " after " + done + " timed step(s)");
      return rec;
    }
    rec.validation = w->validate(ctx);
    rec.ledger = w->ledger();
    rec.ledger_as_run = w->ledger_as_run();
    rec.metrics = w->finish(ctx);
    apply_metric_specs(info, rec);
    if (!rec.validation.passed)
      set_status(rec, CellStatus::invalid, rec.validation.reason);
    else
      rec.reason = rec.validation.reason;
    if (rec.status == CellStatus::ok) derive_metrics(info, rec);
  } catch (const Error& e) {
    set_status(rec, CellStatus::failed, e.located());
  } catch (const std::exception& e) {
    set_status(rec, CellStatus::failed, std::string("exception: ") + e.what());
  }
  return rec;
}

CellRecord run_cell(const Cell& cell, const Registry& registry, const std::vector<Platform>& platforms,
                    const Context& base_ctx) {
  CellRecord rec = measure_cell(cell, registry, base_ctx);
  project_cell(rec, platforms, base_ctx);
  return rec;
}

// ------------------------------------------------------------------------------------------------
// The run

namespace {

// The experiment's platforms, and the calibrated host (the default platform name "host") when
// none of them is a host: every run checks the model against what it measured.
std::vector<Platform> run_platforms(const ExperimentSpec& spec) {
  std::vector<Platform> platforms = resolve_experiment_platforms(spec);
  if (!self_check_platform(platforms)) platforms.push_back(resolve_platform("host"));
  return platforms;
}

RunHeader run_header(const ExperimentSpec& spec, const Registry& registry,
                     const std::vector<Platform>& platforms, const RunOptions& opt) {
  RunHeader header;
  header.spec = &spec;
  header.provenance = collect_provenance(opt.command_line);
  header.provenance.integers.emplace_back("mpi_ranks", mpi::Group::world().size());
  header.platforms = platforms;
  for (const auto& n : registry.names())
    header.workloads_built += (header.workloads_built.empty() ? "" : ",") + n;
  return header;
}

// What every cell of this process sees: threads, folders, its MPI rank, and its share of the host.
// One rank of several on this host, or a run with fewer threads than the calibration, has a share
// of the host: the self-check projects onto that share (the descriptor in the header stays whole).
Context run_context(const Scheduler& sched, std::vector<Platform>& platforms, double max_memory) {
  Context ctx;
  ctx.threads = compat::concurrency();
  ctx.data_dir = paths().data_dir;
  ctx.cache_dir = paths().cache_dir;
  ctx.mpi_rank = sched.rank();
  ctx.mpi_size = sched.size();
  ctx.ranks_on_node = mpi::Group::world().ranks_on_node();
  ctx.memory_budget =
      max_memory > 0 ? max_memory : meminfo_bytes("MemAvailable") / std::max(1, ctx.ranks_on_node);
  const Platform* self = self_check_platform(platforms);
  if (!self) return ctx;
  Platform& host = platforms[static_cast<std::size_t>(self - platforms.data())];
  const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int calib = calibrated_threads(host);
  ctx.host_share = host_share(ctx.threads, ctx.ranks_on_node, cpus, calib > 0 ? calib : cpus);
  if (ctx.host_share < 1.0 || ctx.ranks_on_node > 1)
    host = host_for_rank(host, ctx.host_share, ctx.ranks_on_node);
  return ctx;
}

// Ranks a cell can use: what its workload asks for, at most --max-cell-ranks.
int cell_width(const Cell& c, const Registry& registry, int max_cell_ranks, int world) {
  int w = 1;
  if (registry.has(c.workload) && registry.info(c.workload).ranks)
    w = registry.info(c.workload).ranks(c.params, world);
  return max_cell_ranks > 0 ? std::min(w, max_cell_ranks) : w;
}

CellEvent cell_event(CellEvent::Kind kind, std::size_t i, const std::vector<const Cell*>& cells, int rank,
                     int ranks) {
  CellEvent ev;
  ev.kind = kind;
  ev.position = static_cast<int>(i) + 1;
  ev.total = static_cast<int>(cells.size());
  ev.cell = cells[i];
  ev.rank = rank;
  ev.ranks = ranks;
  return ev;
}

// The host's load, frequency and governor around the cell, its dispersion, and why it is noisy
// (the CLI warns; the status is left alone).
void note_noise(CellRecord& rec, const HostConditions& before, const HostConditions& after) {
  rec.load_start = before.load_1min;
  rec.load_end = after.load_1min;
  rec.cpu_freq = before.cpu_freq;
  rec.cpu_governor = before.cpu_governor;
  if (rec.status != CellStatus::ok) return;
  rec.dispersion = dispersion(rec.step_seconds);
  rec.noise_reasons = noise_reasons(rec.dispersion, rec.load_start, rec.load_end, online_cpus());
}

}  // namespace

RunSummary run_experiment(const ExperimentSpec& spec, const Registry& registry, const RunOptions& opt,
                          const std::function<void(const CellEvent&)>& progress) {
  std::vector<Platform> platforms = run_platforms(spec);
  const RunHeader header = run_header(spec, registry, platforms, opt);
  const std::unique_ptr<Scheduler> sched =
      make_scheduler({opt.output, opt.resume, opt.force, opt.warn}, header, opt.rank_timeout, opt.log);
  const Context ctx = run_context(*sched, platforms, opt.max_memory);
  const auto cells = select_cells(spec, opt.only);
  auto report = [&](const CellEvent& ev) {
    if (progress) progress(ev);
  };

  RunSummary sum;
  sum.planned = static_cast<int>(cells.size());
  for (const auto& p : platforms) sum.platforms.push_back(p.name);
  for (const auto& p : platforms)
    if (is_host(p)) sum.hosts.insert(p.name);
  auto width = [&](const Cell& c) { return cell_width(c, registry, opt.max_cell_ranks, sched->size()); };
  for (std::size_t i : sched->plan(cells, width)) {
    ++sum.skipped;
    if (sched->rank() == 0) report(cell_event(CellEvent::skipped, i, cells, 0, 1));
  }

  CellTally mine;
  HardwareCache scenarios;  // after the platforms took their final place (run_context may adjust them)
  // One process stops between cells and between a cell's steps; under MPI the group leaders stop
  // claiming cells (Scheduler::set_stop) and every cell that started is finished, since a rank
  // leaving a cell alone would leave its partners waiting in a collective.
  const bool distributed = sched->size() > 1;
  if (distributed) sched->set_stop(opt.stop);
  auto stopping = [&] { return !distributed && opt.stop && opt.stop(); };
  while (const std::optional<CellSlot> slot = sched->next()) {
    if ((sum.interrupted = stopping())) break;
    CellEvent ev = cell_event(CellEvent::start, slot->cell, cells, sched->rank(), slot->group.size());
    if (slot->leader) report(ev);
    Context cell_ctx = ctx;
    cell_ctx.group = slot->group;
    const std::string started = utc_now_ms();
    const HostConditions before = read_host_conditions();
    CellRecord rec = measure_cell(
        *cells[slot->cell], registry, cell_ctx,
        {distributed ? std::function<bool()>() : opt.stop, slot->leader ? opt.on_step : nullptr});
    // Stopped between its steps: abandoned, not stored (a cell that finished is kept).
    if ((sum.interrupted =
             stopping() && rec.status == CellStatus::failed && rec.reason.rfind(kInterrupted, 0) == 0))
      break;
    project_cell(rec, platforms, cell_ctx, &scenarios);
    attach_parity(rec, spec.reference_platform);
    rec.started_utc = started;
    rec.finished_utc = utc_now_ms();
    note_noise(rec, before, read_host_conditions());
    if (!slot->leader) continue;
    sched->commit(rec);
    mine.add(rec.status);
    ev.kind = CellEvent::done;
    ev.record = &rec;
    report(ev);
  }
  const CellTally all = sched->finish(mine);
  sum.ran = all.ran, sum.ok = all.ok, sum.invalid = all.invalid, sum.failed = all.failed;
  if (all.interrupted > 0) sum.interrupted = true;
  // Paper-scale projections (no kernels run): rank 0 computes and stores them beside the cells.
  if (!spec.projections.empty() && sched->rank() == 0 && !sum.interrupted) {
    sum.projections = project_training_plans(spec, platforms);
    sched->set_projections(sum.projections);
  }
  sum.rows = sched->store().summary();
  return sum;
}

}  // namespace xpb
