// core/run/scheduler.cpp — opening the result set, the serial scheduler, choosing a scheduler.
#include "core/run/scheduler.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/base/error.hpp"
#include "core/run/mpi_scheduler.hpp"

namespace xpb {

void CellTally::add(CellStatus s) {
  ++ran;
  switch (s) {
    case CellStatus::ok: ++ok; break;
    case CellStatus::invalid: ++invalid; break;
    case CellStatus::failed: ++failed; break;
    case CellStatus::skipped: break;  // needs more ranks: not a failure of the run
  }
}

ResultStore open_result_set(const StoreOptions& opt, const RunHeader& header) {
  try {
    ResultStore store(opt.output, header, opt.resume, opt.force, /*writer=*/true);
    if (opt.resume) {
      store.absorb(list_fragments(opt.output));
      // A run killed between merging its journal and removing the folder leaves it empty; a
      // run with nothing left to do would never remove it.
      std::error_code ec;
      std::filesystem::remove(fragment_dir(opt.output), ec);  // only when empty
    } else {
      std::filesystem::remove_all(fragment_dir(opt.output));
      if (store.discarded_journal() > 0)
        opt.warn("--force discarded " + std::to_string(store.discarded_journal()) +
                 " completed cell(s) of an earlier run from " + fragment_dir(opt.output) +
                 " (its journal; --resume would have merged them)");
    }
    return store;
  } catch (const std::filesystem::filesystem_error& e) {
    throw Error({fragment_dir(opt.output), 0, {}}, e.what());
  }
}

// ------------------------------------------------------------------------------------------------
// Serial

SerialScheduler::SerialScheduler(const StoreOptions& opt, const RunHeader& header)
    : m_store(open_result_set(opt, header)) {}

std::vector<std::size_t> SerialScheduler::plan(const std::vector<const Cell*>& cells,
                                               const std::function<int(const Cell&)>&) {
  std::vector<std::size_t> skipped;
  m_todo.clear();
  for (std::size_t i = 0; i < cells.size(); ++i)
    (m_store.done().count(cells[i]->id) ? skipped : m_todo).push_back(i);
  m_next = 0;
  return skipped;
}

std::optional<CellSlot> SerialScheduler::next() {
  if (m_next >= m_todo.size()) return std::nullopt;
  CellSlot slot;
  slot.cell = m_todo[m_next++];
  return slot;
}

// ------------------------------------------------------------------------------------------------

std::unique_ptr<Scheduler> make_scheduler(const StoreOptions& store, const RunHeader& header,
                                          double rank_timeout, std::function<void(const std::string&)> log) {
  if (mpi::Group::world().size() == 1) return std::make_unique<SerialScheduler>(store, header);
  if (rank_timeout <= 0) {
    const char* e = std::getenv("XPB_RANK_TIMEOUT");
    rank_timeout = e && std::atof(e) > 0 ? std::atof(e) : 60.0;
  }
  return std::make_unique<MpiScheduler>(store, header, rank_timeout, std::move(log));
}

}  // namespace xpb
