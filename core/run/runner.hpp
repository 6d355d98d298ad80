// core/run/runner.hpp — runs the cells of an experiment and commits each to the result set.
// run_experiment reads like a benchmark driver: resolve the platforms, then for each cell the
// scheduler hands out: run it, project it, commit it. Per cell (run_cell): create → setup →
// warm-up → fenced, timed steps → validate → ledger → finish → declared metrics → project onto
// every platform. A failed or invalid cell is recorded with its reason and the run goes on.
// Who runs which cell, and where its record goes, is the scheduler's business (serial, or spread
// over MPI ranks: core/run/scheduler.hpp, docs/distributed.md). Progress goes to a callback (the
// CLI prints it); nothing here prints.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/experiment/experiment.hpp"
#include "core/plugin/registry.hpp"
#include "core/results/result_store.hpp"

namespace xpb {

// One finished step of the cell in progress (RunOptions::on_step).
struct StepProgress {
  std::int64_t step = 0, steps = 0;  // 1-based, over warm-up and timed steps
  double seconds = 0;                // this step's time
  const StepResult* result = nullptr;
};

// What measure_cell asks and tells between steps (both optional).
struct StepHooks {
  std::function<bool()> stop;  // true: end the steps now, the record is marked "interrupted"
  std::function<void(const StepProgress&)> on_step;
};

struct RunOptions {
  std::string output;               // result set path
  bool resume = false, force = false;
  std::vector<std::string> only;    // globs; empty = all cells
  std::string command_line;
  // Under MPI: the most ranks one cell may take (0: what its workload asks for, WorkloadInfo::ranks).
  int max_cell_ranks = 0;
  // Under MPI: seconds without a heartbeat after which a rank counts as dead (0: $XPB_RANK_TIMEOUT,
  // else 60). Only matters when the launcher lets the other ranks live on (docs/distributed.md).
  double rank_timeout = 0;
  // Bytes one cell may allocate (checked before it allocates; over it the cell is stored invalid):
  // 0 = the memory available on this host (MemAvailable at the start) shared among its ranks.
  double max_memory = 0;
  // Messages for the user when the run must stop (a rank died); the CLI prints them.
  std::function<void(const std::string&)> log = [](const std::string&) {};
  // Warnings for the user that do not stop the run (--force discarding an earlier run's journal).
  std::function<void(const std::string&)> warn = [](const std::string&) {};
  // Asked between cells and between a cell's steps (one process only: the CLI sets it from
  // SIGINT/SIGTERM, core/base/interrupt.hpp). When it answers true the cell in progress is
  // abandoned (not stored), the run stops, and RunSummary::interrupted says so.
  std::function<bool()> stop;
  // Called after each step of a cell (warm-up steps included, `step` counting from 1 over
  // warm-up + timed steps); the CLI draws a progress line from it on a terminal.
  std::function<void(const StepProgress&)> on_step;
};

struct CellEvent {
  enum Kind { start, done, skipped } kind = start;
  int position = 0, total = 0;  // 1-based position among the cells to run
  const Cell* cell = nullptr;
  const CellRecord* record = nullptr;  // for done
  int rank = 0;   // world rank reporting (the leader of the cell's ranks)
  int ranks = 1;  // ranks running the cell
};

struct RunSummary {
  int planned = 0, ran = 0, skipped = 0, ok = 0, invalid = 0, failed = 0;
  std::vector<SummaryRow> rows;  // whole result set
  std::vector<std::string> platforms;
  std::set<std::string> hosts;  // those of kind host: the model's self-check, no parity target
  std::vector<PlanProjection> projections;  // the experiment's projections: section (rank 0)
  bool interrupted = false;  // RunOptions::stop ended the run early; every finished cell is stored
};

// Cells selected by the --only globs (all when none).
std::vector<const Cell*> select_cells(const ExperimentSpec& spec, const std::vector<std::string>& only);
// Resolve the experiment's platforms (throws xpb::Error naming the experiment file and key).
std::vector<Platform> resolve_experiment_platforms(const ExperimentSpec& spec);

RunSummary run_experiment(const ExperimentSpec& spec, const Registry& registry,
                          const RunOptions& options,
                          const std::function<void(const CellEvent&)>& progress = {});

// The share of the host one rank has when `ranks_on_node` ranks of `threads` threads each share
// a host calibrated with `calibrated_threads` threads on `cpus` logical CPUs:
//     min(threads, cpus / ranks_on_node) / calibrated_threads, at most 1.
double host_share(int threads, int ranks_on_node, int cpus, int calibrated_threads);
// The host descriptor as one such rank sees it: peaks and memory bandwidth times `share`, and at
// least `ranks_on_node` devices on the node (the ranks talk over its intra-node link).
Platform host_for_rank(const Platform& host, double share, int ranks_on_node);

// Run one cell without storing it: set up, warm up, timed steps, validate, ledger, finish, declared
// metrics. Under MPI every rank of base_ctx.group calls it together. A metric the workload emits
// without declaring it (WorkloadInfo::metrics) fails the cell.
// hooks.stop is asked between steps: when it answers true the steps end early and the record is
// marked failed ("interrupted"), for the caller to drop.
CellRecord measure_cell(const Cell& cell, const Registry& registry, const Context& base_ctx,
                        const StepHooks& hooks = {});
// Project a cell that ran ok onto every platform, as given (run_experiment passes the host already
// reduced to ctx.host_share, which the self-check projection records with the model's error).
// `cache` (optional) keeps the platforms' Monte Carlo scenarios from one cell to the next.
void project_cell(CellRecord& rec, const std::vector<Platform>& platforms, const Context& ctx,
                  HardwareCache* cache = nullptr);
// Both: measure_cell, then project_cell (tests use it).
CellRecord run_cell(const Cell& cell, const Registry& registry, const std::vector<Platform>& platforms,
                    const Context& base_ctx);

// The metrics the runner derives itself (achieved rates from the ledger; communication and wait
// shares from the workload's comm_time and wait_time metrics).
const std::vector<MetricSpec>& runner_metrics();
// The platform whose projection is the model's self-check: the first of kind host (nullptr: none).
const Platform* self_check_platform(const std::vector<Platform>& platforms);
}  // namespace xpb
