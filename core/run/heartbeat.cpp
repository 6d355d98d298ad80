// core/run/heartbeat.cpp — heartbeat files and the thread that writes them and watches peers.
#include "core/run/heartbeat.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>

#include "core/base/mpi.hpp"
#include "core/base/system.hpp"

namespace xpb {

Heartbeat::Heartbeat(std::string dir, int rank, double timeout)
    : m_dir(std::move(dir)), m_rank(rank), m_timeout(timeout),
      m_started(std::filesystem::file_time_type::clock::now()) {
  beat();
  m_thread = std::thread([this] {
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_cv.wait_for(lock, std::chrono::seconds(1), [this] { return m_stop; })) {
      beat();
      watch_peers();
    }
  });
}

void Heartbeat::watch_peers() {
  for (int r = m_first; r < m_first + m_count; ++r) {
    if (r == m_rank || !dead(r)) continue;
    std::fprintf(stderr,
                 "error: rank %d: rank %d of this cell's group stopped (no heartbeat for %.0f s); "
                 "the cell cannot finish. Finished cells are saved; run again with --resume.\n",
                 m_rank, r, m_timeout);
    std::fflush(stderr);
    mpi::abort(3);  // MPI_Abort from this thread: the main one is stuck in MPI
  }
}

void Heartbeat::watch(int first, int count) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_first = first;
  m_count = count;
}

void Heartbeat::stop() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

bool Heartbeat::dead(int r) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto t = fs::last_write_time(path(r), ec);
  if (ec) t = m_started;
  return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count() > m_timeout;
}

void Heartbeat::beat() const { std::ofstream(path(m_rank), std::ios::trunc) << utc_now() << "\n"; }

}  // namespace xpb
