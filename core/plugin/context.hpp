// core/plugin/context.hpp — what a workload may use from its surroundings, passed explicitly.
// Seed and cell id (for the counter-based RNG), thread count, where set-up data lives, and a
// logger. There are no hidden globals: everything a workload reads comes through here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/base/mpi.hpp"
#include "core/base/rng.hpp"

namespace xpb {

struct Context {
  std::uint64_t seed = 0;          // the experiment seed
  std::string cell_id;             // stable id of the cell being run
  int threads = 1;                 // concurrency of the default execution space
  std::string data_dir;            // set-up data (corpora) live here: $XPB_DATA_DIR or .cache/data
  std::string cache_dir;           // scratch that survives runs (derived lists, tables)
  int mpi_rank = 0, mpi_size = 1;  // world rank and size when run under MPI
  // The ranks running this cell together (data-parallel training, collectives): the group of one
  // unless the workload asked for more (WorkloadInfo::ranks) and the run has them.
  mpi::Group group;
  int ranks_on_node = 1;    // ranks of this run sharing this host (they divide its cores and memory)
  double host_share = 1.0;  // the share of the calibrated host this rank was projected with (runner)
  std::function<void(const std::string&)> log = [](const std::string&) {};
  // Bytes one cell may allocate: `--max-memory`, else the host's available memory (MemAvailable)
  // shared among the ranks on it; 0 = no budget (a workload run outside the runner).
  double memory_budget = 0;

  // Refuses a cell before it allocates: throws the parameter error (the cell is stored invalid)
  // when `bytes` exceed the budget. `key`: the parameter to blame; `what`: what needs the memory.
  void require_memory(double bytes, const char* key, const std::string& what) const;

  // A random stream for a named purpose ("init", "batch", ...), keyed by seed and stream name.
  Rng rng(const char* stream) const { return Rng(seed, hash_name(stream)); }
};

}  // namespace xpb
