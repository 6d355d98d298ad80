// core/run/mpi_scheduler.cpp — phases, claims, fragments and the dead-rank policy.
#include "core/run/mpi_scheduler.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "core/base/error.hpp"

namespace xpb {

// ------------------------------------------------------------------------------------------------
// Pieces (pure or file-only, tested without a launcher)

std::vector<Phase> plan_phases(const std::vector<int>& widths, int world) {
  std::map<int, Phase> by_width;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] < 0) continue;
    const int w = std::clamp(widths[i], 1, std::max(1, world));
    by_width[w].width = w;
    by_width[w].cells.push_back(i);
  }
  std::vector<Phase> out;
  for (auto& [w, ph] : by_width) out.push_back(std::move(ph));
  return out;
}

int phase_colour(int rank, int width, int world) {
  const int groups = world / width;
  return rank < groups * width ? rank / width : -1;
}

bool claim(const std::string& dir, const std::string& cell_id) {
  const std::string path = dir + "/" + cell_id;
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string dead_rank_message(int rank, const std::vector<int>& dead, double timeout,
                              const std::string& output, std::optional<int> absorbed) {
  std::string who;
  for (int r : dead) who += (who.empty() ? "" : ", ") + std::to_string(r);
  const std::string saved = absorbed ? std::to_string(*absorbed) + " more cell(s) absorbed; " : "";
  return "rank " + std::to_string(rank) + ": rank(s) " + who + " stopped (no heartbeat for " +
         std::to_string(static_cast<int>(timeout)) + " s); " + saved + "every finished cell is saved in " +
         output + (rank == 0 ? "" : " or its fragments") + ". Run the same command with --resume to finish.";
}

// ------------------------------------------------------------------------------------------------
// The scheduler

MpiScheduler::MpiScheduler(const StoreOptions& opt, const RunHeader& header, double rank_timeout,
                           std::function<void(const std::string&)> log)
    : m_world(mpi::Group::world()),
      m_K(m_world.size()),
      m_me(m_world.rank()),
      m_opt(opt),
      m_header(header),
      m_claims(fragment_dir(opt.output) + "/claims"),
      m_alive(fragment_dir(opt.output) + "/alive"),
      m_log(std::move(log)) {
  std::optional<Error> open_error;
  if (m_me == 0) {
    try {
      m_store.emplace(open_result_set(opt, header));
      namespace fs = std::filesystem;
      try {  // claims and heartbeats of an earlier run mean nothing now
        for (const std::string& d : {m_claims, m_alive}) {
          fs::remove_all(d);
          fs::create_directories(d);
        }
      } catch (const fs::filesystem_error& e) {
        throw Error({fragment_dir(opt.output), 0, {}}, e.what());
      }
    } catch (const Error& e) {
      open_error = e;
    }
  }
  if (m_world.max(open_error ? 1.0 : 0.0) > 0) {
    if (open_error) throw *open_error;
    throw Error({opt.output, 0, {}}, "rank 0 could not open the result set");
  }
  if (m_me != 0) m_store.emplace(opt.output, header, /*resume=*/true, /*force=*/true, /*writer=*/false);
  m_heartbeat.emplace(m_alive, m_me, rank_timeout);
}

std::vector<std::size_t> MpiScheduler::plan(const std::vector<const Cell*>& cells,
                                            const std::function<int(const Cell&)>& width) {
  // The same on every rank: computed from the cells, the result set and K alone.
  m_cells = cells;
  std::vector<std::size_t> skipped;
  std::vector<int> widths(cells.size(), -1);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (m_store->done().count(cells[i]->id))
      skipped.push_back(i);
    else
      widths[i] = width(*cells[i]);
  }
  m_phases = plan_phases(widths, m_K);
  return skipped;
}

std::optional<CellSlot> MpiScheduler::next() {
  while (m_phase < m_phases.size()) {
    if (!m_started) start_phase();
    if (auto slot = claim_next()) return slot;
    end_phase();
    ++m_phase;
    m_started = false;
  }
  return std::nullopt;
}

void MpiScheduler::start_phase() {
  const int w = m_phases[m_phase].width;
  m_colour = phase_colour(m_me, w, m_K);
  // Groups of one need no communicator; a group of everyone is the world.
  m_group = w == 1 ? mpi::Group() : (w == m_K ? m_world : m_world.split(m_colour, m_me));
  m_cursor = 0;
  m_started = true;
}

std::optional<CellSlot> MpiScheduler::claim_next() {
  if (m_colour < 0) return std::nullopt;
  const Phase& ph = m_phases[m_phase];
  const bool leader = m_group.rank() == 0;
  // The leader claims the next cell nobody has claimed; its group follows.
  int pick = -1;
  if (leader && !m_interrupted && m_stop && m_stop()) m_interrupted = true;
  if (leader && !m_interrupted) {
    while (m_cursor < ph.cells.size() && pick < 0) {
      const std::size_t j = m_cursor++;
      if (claim(m_claims, m_cells[ph.cells[j]]->id)) pick = static_cast<int>(j);
    }
  }
  if (m_group.size() > 1) pick = m_group.broadcast(pick);
  if (pick < 0) return std::nullopt;
  if (ph.width > 1) m_heartbeat->watch(m_colour * ph.width, ph.width);
  CellSlot slot;
  slot.cell = ph.cells[static_cast<std::size_t>(pick)];
  slot.group = m_group;
  slot.first_rank = m_colour * ph.width;
  slot.leader = leader;
  return slot;
}

void MpiScheduler::commit(const CellRecord& rec) {
  if (m_me == 0) m_store->commit(rec);
  // Write the fragment, then the cell counts as done: a crash later cannot lose it.
  else
    ResultStore::write_single(fragment_path(m_opt.output, rec.cell.id), m_header, rec);
}

void MpiScheduler::end_phase() {
  // Wait for every rank; a rank that stopped beating ends the job, once rank 0 has saved every
  // finished cell (its own are committed, the others' are in fragments). Rank 0 watches every
  // rank, the others watch rank 0 (which ends the job for them), once a second: K file checks per
  // second in all, on a shared file system too.
  m_heartbeat->watch(0, 0);
  std::vector<int> dead;
  auto next_check = std::chrono::steady_clock::now();
  auto keep_waiting = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_check) return true;
    next_check = now + std::chrono::seconds(1);
    for (int r = 0; r < (m_me == 0 ? m_K : 1); ++r)
      if (r != m_me && m_heartbeat->dead(r)) dead.push_back(r);
    return dead.empty();
  };
  if (!m_world.barrier_while(keep_waiting)) stop_for_dead(dead);
  if (m_me == 0) m_store->absorb(list_fragments(m_opt.output));
}

void MpiScheduler::stop_for_dead(const std::vector<int>& dead) {
  std::optional<int> absorbed;
  if (m_me == 0) absorbed = m_store->absorb(list_fragments(m_opt.output));
  m_log(dead_rank_message(m_me, dead, m_heartbeat->timeout(), m_opt.output, absorbed));
  mpi::abort(3);
}

CellTally MpiScheduler::finish(const CellTally& mine) {
  m_heartbeat->stop();
  m_world.barrier();
  if (m_me == 0) {
    m_store->flush();  // rank 0's own journal (the other ranks' fragments were absorbed as they came)
    std::error_code ec;
    std::filesystem::remove_all(m_claims, ec);
    std::filesystem::remove_all(m_alive, ec);
    std::filesystem::remove(fragment_dir(m_opt.output), ec);  // only when empty
  }
  std::vector<double> counts = {double(mine.ran), double(mine.ok), double(mine.invalid), double(mine.failed),
                                m_interrupted ? 1.0 : 0.0};
  m_world.sum(counts);
  CellTally all;
  all.ran = static_cast<int>(counts[0]);
  all.ok = static_cast<int>(counts[1]);
  all.invalid = static_cast<int>(counts[2]);
  all.failed = static_cast<int>(counts[3]);
  all.interrupted = static_cast<int>(counts[4]);
  return all;
}

}  // namespace xpb
