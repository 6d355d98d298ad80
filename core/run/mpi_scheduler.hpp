// core/run/mpi_scheduler.hpp — cells spread over the ranks of an MPI job (docs/distributed.md).
// A cell whose workload can use w ranks runs on a group of w; cells of one width run in a phase
// in which the world is cut into K / w groups. Each group's leader claims the next unclaimed cell
// of that width (an exclusively created file), so groups that finish early take more cells and
// the cells of a rank that dies are taken by the others. Rank 0 commits its cells to the result
// set; other leaders write one-cell fragments that rank 0 absorbs after each phase (and --resume
// after a crash). Every rank beats a heartbeat; at the end of a phase a rank that stopped beating
// ends the job (MPI_Abort, exit status 3) after rank 0 has saved every finished cell.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/run/heartbeat.hpp"
#include "core/run/scheduler.hpp"

namespace xpb {

// The cells of one width, in experiment order.
struct Phase {
  int width = 1;
  std::vector<std::size_t> cells;  // positions among the cells of the run
};

// Phases in order of width, from each cell's width (clamped to 1 … world); cells whose width is
// negative are left out (done earlier).
std::vector<Phase> plan_phases(const std::vector<int>& widths, int world);

// The group of ranks a rank belongs to in a phase of width w on K ranks: consecutive ranks, K / w
// groups; -1 for the ranks left over.
int phase_colour(int rank, int width, int world);

// Claims a cell: true for exactly one caller per (dir, cell id), on any POSIX file system
// (O_EXCL), so the groups of a phase share out its cells without talking to each other.
bool claim(const std::string& dir, const std::string& cell_id);

// What a rank says before it ends the job because ranks `dead` stopped beating. `absorbed`: how
// many cells rank 0 took in from fragments just before (rank 0 only).
std::string dead_rank_message(int rank, const std::vector<int>& dead, double timeout,
                              const std::string& output, std::optional<int> absorbed);

class MpiScheduler final : public Scheduler {
 public:
  // Rank 0 opens the result set first (and, resuming, takes in the fragments a crashed run left)
  // and clears the claims and heartbeats of an earlier run; the others then read which cells are
  // done. A failure to open stops every rank alike (xpb::Error on each).
  MpiScheduler(const StoreOptions& opt, const RunHeader& header, double rank_timeout,
               std::function<void(const std::string&)> log);
  const ResultStore& store() const override { return *m_store; }
  int rank() const override { return m_me; }
  int size() const override { return m_K; }
  std::vector<std::size_t> plan(const std::vector<const Cell*>& cells,
                                const std::function<int(const Cell&)>& width) override;
  std::optional<CellSlot> next() override;
  void commit(const CellRecord& rec) override;
  void set_projections(const std::vector<PlanProjection>& rows) override {
    if (m_me == 0) m_store->set_projections(rows);
  }
  CellTally finish(const CellTally& mine) override;
  void set_stop(std::function<bool()> stop) override { m_stop = std::move(stop); }

 private:
  void start_phase();
  std::optional<CellSlot> claim_next();
  void end_phase();
  [[noreturn]] void stop_for_dead(const std::vector<int>& dead);

  mpi::Group m_world;
  int m_K = 1, m_me = 0;
  StoreOptions m_opt;
  RunHeader m_header;
  std::string m_claims, m_alive;  // folders under the fragment folder
  std::optional<ResultStore> m_store;
  std::optional<Heartbeat> m_heartbeat;
  std::function<void(const std::string&)> m_log;
  std::vector<const Cell*> m_cells;
  std::vector<Phase> m_phases;
  std::size_t m_phase = 0;
  // The current phase: this rank's group (colour −1: none), the leader's scan position.
  bool m_started = false;
  int m_colour = -1;
  mpi::Group m_group;
  std::size_t m_cursor = 0;
  std::function<bool()> m_stop;  // see Scheduler::set_stop
  bool m_interrupted = false;    // this rank, as a leader, stopped claiming
};

}  // namespace xpb
