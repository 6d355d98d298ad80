// core/runner.hpp — runs the cells of an experiment and commits each to the result set.
// Per cell: create → setup → warm-up → fenced, timed steps → validate → ledger → finish → project
// onto every platform → commit. A failed or invalid cell is recorded with its reason and the run
// goes on. Progress goes to a callback (the CLI prints it); nothing here prints.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/experiment.hpp"
#include "core/registry.hpp"
#include "core/result_store.hpp"

namespace xpb {

struct RunOptions {
  std::string output;               // result set path
  bool resume = false, force = false;
  std::vector<std::string> only;    // globs; empty = all cells
  std::string command_line;
  int mpi_rank = 0, mpi_size = 1;  // under MPI every rank runs every cell; rank 0 writes
};

struct CellEvent {
  enum Kind { start, done, skipped } kind = start;
  int position = 0, total = 0;  // 1-based position among the cells to run
  const Cell* cell = nullptr;
  const CellRecord* record = nullptr;  // for done
};

struct RunSummary {
  int planned = 0, ran = 0, skipped = 0, ok = 0, invalid = 0, failed = 0;
  std::vector<SummaryRow> rows;  // whole result set
  std::vector<std::string> platforms;
};

// Cells selected by the --only globs (all when none).
std::vector<const Cell*> select_cells(const ExperimentSpec& spec, const std::vector<std::string>& only);
// Resolve the experiment's platforms (throws xpb::Error naming the experiment file and key).
std::vector<Platform> resolve_experiment_platforms(const ExperimentSpec& spec);

RunSummary run_experiment(const ExperimentSpec& spec, const Registry& registry,
                          const RunOptions& options,
                          const std::function<void(const CellEvent&)>& progress = {});

// Run one cell without storing it (used by the runner and by tests).
CellRecord run_cell(const Cell& cell, const Registry& registry, const std::vector<Platform>& platforms,
                    const Context& base_ctx);

// Default locations of set-up data and caches (source tree's .cache unless XPB_DATA_DIR /
// XPB_CACHE_DIR are set).
std::string default_data_dir();
std::string default_cache_dir();

}  // namespace xpb
