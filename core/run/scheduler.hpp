// core/run/scheduler.hpp — who runs which cell, and where its record goes.
// The runner's loop asks a Scheduler for the next cell this process runs, runs it, and hands the
// record back. The serial scheduler (one process) runs the cells in experiment order and commits
// each to the result set. The MPI scheduler (core/run/mpi_scheduler.hpp) spreads them over the
// ranks with claims, heartbeats and fragments, and applies the dead-rank policy. Both open the
// result set; neither runs a workload or prints anything.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/mpi.hpp"
#include "core/experiment/experiment.hpp"
#include "core/results/result_store.hpp"

namespace xpb {

// Where the result set goes and how an existing one is treated (a part of RunOptions).
struct StoreOptions {
  std::string output;
  bool resume = false, force = false;
  // Told of what a fresh run with --force throws away (the cells of an earlier run's journal).
  std::function<void(const std::string&)> warn = [](const std::string&) {};
};

// One cell for this process to run: an index into the cells given to Scheduler::plan, and the
// ranks that run it together.
struct CellSlot {
  std::size_t cell = 0;
  mpi::Group group;    // the group of one unless the cell is wider
  int first_rank = 0;  // world rank of the group's leader
  bool leader = true;  // reports the cell and hands its record to commit()
};

// Cells that finished, by status (summed over every rank by Scheduler::finish).
struct CellTally {
  int ran = 0, ok = 0, invalid = 0, failed = 0;
  int interrupted = 0;  // ranks that stopped claiming cells on a signal (under MPI)
  void add(CellStatus s);
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // The result set, open from construction on (with resume: the cells done earlier in it).
  virtual const ResultStore& store() const = 0;
  virtual int rank() const = 0;  // world rank of this process
  virtual int size() const = 0;  // world size
  // Takes the cells of this run. `width(cell)` is how many ranks a cell can use. Returns the
  // positions of the cells already done in the result set (skipped, in order); the others are
  // handed out by next().
  virtual std::vector<std::size_t> plan(const std::vector<const Cell*>& cells,
                                        const std::function<int(const Cell&)>& width) = 0;
  // The next cell this process runs, or nothing when none is left for it.
  virtual std::optional<CellSlot> next() = 0;
  // Under MPI: asked by each group's leader before it claims a cell; when it answers true the
  // leader claims nothing more and its group follows (the ranks of a cell learn their leader's
  // answer with the cell, so they never split mid-cell). A serial run asks between cells and steps
  // itself, so this does nothing there.
  virtual void set_stop(std::function<bool()> /*stop*/) {}
  // Saves the record of a cell this process led (only leaders call it).
  virtual void commit(const CellRecord& rec) = 0;
  // Waits for every rank, tidies up, and returns the tally summed over the ranks.
  virtual CellTally finish(const CellTally& mine) = 0;
  // Stores the experiment's projected training plans (/projections) in the result set; only the
  // process that writes it (rank 0) stores them, the others ignore the call.
  virtual void set_projections(const std::vector<PlanProjection>& rows) = 0;
};

// Opens the result set as its writer: resuming, takes in the fragments a distributed run left,
// else deletes them. File-system errors become xpb::Error.
ResultStore open_result_set(const StoreOptions& opt, const RunHeader& header);

// The serial scheduler for a world of one process, else the MPI scheduler. `log` receives the
// messages of a run that must stop (a rank died); `rank_timeout` is in seconds (0: default).
std::unique_ptr<Scheduler> make_scheduler(const StoreOptions& store, const RunHeader& header,
                                          double rank_timeout, std::function<void(const std::string&)> log);

// ------------------------------------------------------------------------------------------------
// Serial: one process, every cell in experiment order, each committed to the result set.

class SerialScheduler final : public Scheduler {
 public:
  // Opens (or creates) the result set; resuming, takes in the fragments a distributed run left,
  // else deletes them.
  SerialScheduler(const StoreOptions& opt, const RunHeader& header);
  const ResultStore& store() const override { return m_store; }
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<std::size_t> plan(const std::vector<const Cell*>& cells,
                                const std::function<int(const Cell&)>& width) override;
  std::optional<CellSlot> next() override;
  void commit(const CellRecord& rec) override { m_store.commit(rec); }
  CellTally finish(const CellTally& mine) override {
    m_store.flush();  // the journal into the file (core/results/result_store.hpp)
    return mine;
  }
  void set_projections(const std::vector<PlanProjection>& rows) override { m_store.set_projections(rows); }

 private:
  ResultStore m_store;
  std::vector<std::size_t> m_todo;
  std::size_t m_next = 0;
};

}  // namespace xpb
