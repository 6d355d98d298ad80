// core/run/heartbeat.hpp — a rank shows it is alive by rewriting a file every second.
// Each rank rewrites DIR/<rank> from a thread of its own, so it beats while it computes or waits
// in MPI. A rank whose file is older than the timeout has died and the launcher let the others
// live on (Open MPI with `--mca orte_abort_on_non_zero_status 0`, `srun --no-kill`), or its node
// is gone. The thread also watches the ranks this one runs a cell with: when one of them dies,
// this rank is stuck in a collective of that cell for good, so the thread ends the job
// (MPI_Abort, exit status 3). That is an MPI call from a second thread under
// MPI_THREAD_FUNNELED, which the standard does not promise; Open MPI handles it, and a process
// that is about to end anyway has nothing better to try. It knows nothing of cells or results.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace xpb {

class Heartbeat {
 public:
  // Beats DIR/<rank> now and then every second until stop(); `timeout` in seconds.
  Heartbeat(std::string dir, int rank, double timeout);
  ~Heartbeat() { stop(); }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // The world ranks first … first + count − 1 run the current cell with this one (count 0: none).
  void watch(int first, int count);
  void stop();
  // Whether rank r's last beat (or, before its first, this one's start) is older than the timeout.
  bool dead(int r) const;
  double timeout() const { return m_timeout; }

 private:
  std::string path(int r) const { return m_dir + "/" + std::to_string(r); }
  void beat() const;
  void watch_peers();  // on the thread, with m_mutex held

  std::string m_dir;
  int m_rank;
  double m_timeout;
  std::filesystem::file_time_type m_started;
  int m_first = 0, m_count = 0;  // guarded by m_mutex
  std::thread m_thread;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stop = false;
};

}  // namespace xpb
