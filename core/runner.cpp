// core/runner.cpp — the cell loop: setup, warm-up, timed steps, validation, projection, commit.
#include "core/runner.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/kokkos_compat.hpp"
#include "core/projector.hpp"

namespace xpb {

std::string default_cache_dir() {
  if (const char* e = std::getenv("XPB_CACHE_DIR"); e && *e) return e;
  return std::string(build_info().source_dir) + "/.cache";
}

std::string default_data_dir() {
  if (const char* e = std::getenv("XPB_DATA_DIR"); e && *e) return e;
  return default_cache_dir() + "/data";
}

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
  }
  return out;
}

CellRecord run_cell(const Cell& cell, const Registry& registry, const std::vector<Platform>& platforms,
                    const Context& base_ctx) {
  CellRecord rec;
  rec.cell = cell;
  Context ctx = base_ctx;
  ctx.seed = cell.seed;
  ctx.cell_id = cell.id;

  auto fail = [&](const std::string& status, const std::string& why) {
    rec.status = status;
    rec.reason = why;
  };
  try {
    std::unique_ptr<Workload> w = registry.create(cell.workload);
    try {
      w->setup(cell.params, ctx);
    } catch (const Error& e) {
      fail("invalid", "setup rejected the parameters: " + e.located() +
                          (e.hint().empty() ? "" : " (" + e.hint() + ")"));
    }
    if (rec.status == "ok") {
      const std::int64_t planned = w->planned_steps();
      const int warmup = planned >= 0 ? 0 : cell.warmup;
      const std::int64_t steps = planned >= 0 ? planned : cell.repeats;
      std::map<std::string, std::size_t> value_index;
      auto record_values = [&](const StepResult& r) {
        for (const auto& [name, unit] : r.units) rec.step_units[name] = unit;
        for (const auto& [name, v] : r.values) {
          auto it = value_index.find(name);
          if (it == value_index.end()) {
            it = value_index.emplace(name, rec.step_values.size()).first;
            rec.step_values.push_back({name, {}});
          }
          rec.step_values[it->second].second.push_back(v);
        }
      };
      Kokkos::Timer timer;
      for (int i = 0; i < warmup; ++i) {
        Kokkos::fence();
        timer.reset();
        const StepResult r = w->step(ctx);
        Kokkos::fence();
        const double t = timer.seconds();
        rec.warmup_seconds.push_back(r.manual_seconds > 0 ? r.manual_seconds : t);
      }
      for (std::int64_t i = 0; i < steps; ++i) {
        Kokkos::fence();
        timer.reset();
        const StepResult r = w->step(ctx);
        Kokkos::fence();
        const double t = timer.seconds();
        rec.step_seconds.push_back(r.manual_seconds > 0 ? r.manual_seconds : t);
        record_values(r);
      }
      rec.validation = w->validate(ctx);
      rec.ledger = w->ledger();
      rec.metrics = w->finish(ctx);
      if (!rec.validation.passed) fail("invalid", rec.validation.reason);
      else rec.reason = rec.validation.reason;
    }
    rec.ledger = rec.ledger.empty() && rec.status == "ok" ? w->ledger() : rec.ledger;
  } catch (const Error& e) {
    fail("failed", e.located());
  } catch (const std::exception& e) {
    fail("failed", std::string("exception: ") + e.what());
  }

  // Achieved rates from the ledger (precision-independent counts of work done per step).
  if (rec.status == "ok" && !rec.step_seconds.empty()) {
    const double med = describe(rec.step_seconds).median;
    const double fl = total_flops(rec.ledger), by = total_bytes(rec.ledger);
    if (med > 0 && fl > 0) rec.metrics.scalar("achieved_gflops", fl / med / 1e9, "GFLOP/s", "ledger FLOPs / median step time");
    if (med > 0 && by > 0) rec.metrics.scalar("achieved_gbps", by / med / 1e9, "GB/s", "ledger bytes / median step time");
  }
  // Projection onto every platform; the host projection is the model's self-check.
  if (rec.status == "ok") {
    for (const auto& p : platforms) {
      Projection pr = project(rec.ledger, p);
      pr.platform = p.name;
      if (p.name == "host" && pr.ok && !rec.step_seconds.empty()) {
        const double med = describe(rec.step_seconds).median;
        if (med > 0) rec.model_error = pr.step_seconds.nominal / med - 1.0;
      }
      rec.projections.push_back(std::move(pr));
    }
  }
  return rec;
}

RunSummary run_experiment(const ExperimentSpec& spec, const Registry& registry, const RunOptions& opt,
                          const std::function<void(const CellEvent&)>& progress) {
  RunSummary sum;
  std::vector<Platform> platforms = resolve_experiment_platforms(spec);
  const bool has_host = std::any_of(platforms.begin(), platforms.end(), [](const Platform& p) { return p.name == "host"; });
  if (!has_host) platforms.push_back(resolve_platform("host"));  // self-check always
  for (const auto& p : platforms) sum.platforms.push_back(p.name);

  RunHeader header;
  header.spec = &spec;
  header.provenance = collect_provenance(opt.command_line);
  header.platforms = platforms;
  header.workloads_built = "";
  for (const auto& n : registry.names()) header.workloads_built += (header.workloads_built.empty() ? "" : ",") + n;
  ResultStore store(opt.output, header, opt.resume, opt.force, opt.mpi_rank == 0);

  Context ctx;
  ctx.threads = compat::concurrency();
  ctx.data_dir = default_data_dir();
  ctx.cache_dir = default_cache_dir();
  ctx.mpi_rank = opt.mpi_rank;
  ctx.mpi_size = opt.mpi_size;

  const auto cells = select_cells(spec, opt.only);
  sum.planned = static_cast<int>(cells.size());
  int pos = 0;
  for (const Cell* c : cells) {
    ++pos;
    CellEvent ev;
    ev.position = pos;
    ev.total = sum.planned;
    ev.cell = c;
    if (store.done().count(c->id)) {
      ++sum.skipped;
      ev.kind = CellEvent::skipped;
      if (progress) progress(ev);
      continue;
    }
    ev.kind = CellEvent::start;
    if (progress) progress(ev);
    CellRecord rec;
    {
      const std::string started = utc_now();
      rec = run_cell(*c, registry, platforms, ctx);
      rec.started_utc = started;
      rec.finished_utc = utc_now();
    }
    store.commit(rec);
    ++sum.ran;
    if (rec.status == "ok") ++sum.ok;
    else if (rec.status == "invalid") ++sum.invalid;
    else ++sum.failed;
    ev.kind = CellEvent::done;
    ev.record = &rec;
    if (progress) progress(ev);
  }
  sum.rows = store.summary();
  return sum;
}

}  // namespace xpb
