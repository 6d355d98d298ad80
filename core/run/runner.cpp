// core/run/runner.cpp — the cell loop: setup, warm-up, timed steps, validation, projection, commit.
#include "core/run/runner.hpp"

#include <Kokkos_Core.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <map>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "core/base/build_info.hpp"
#include "core/base/error.hpp"
#include "core/base/kokkos_compat.hpp"
#include "core/base/mpi.hpp"
#include "core/model/projector.hpp"
#include "core/run/projections.hpp"

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

double host_share(int threads, int ranks_on_node, int cpus, int calibrated_threads) {
  if (threads < 1 || ranks_on_node < 1 || cpus < 1 || calibrated_threads < 1) return 1.0;
  const double cores = std::min(double(threads), double(cpus) / double(ranks_on_node));
  return std::min(1.0, cores / double(calibrated_threads));
}

Platform host_for_rank(const Platform& host, double share, int ranks_on_node) {
  Platform p = host;
  auto scale = [share](Quantity& q) {
    if (q.present) q.value = q.value * share;
  };
  for (auto& [dtype, peak] : p.peak)
    if (peak.status == PeakStatus::known) scale(peak.flops);
  scale(p.memory_bandwidth);
  p.devices_per_node = std::max(p.devices_per_node, ranks_on_node);
  return p;
}

namespace {

// Threads the host descriptor was calibrated with ("…, N threads" in its provenance), else 0.
int calibrated_threads(const Platform& host) {
  const auto it = host.provenance.find("kokkos");
  if (it == host.provenance.end()) return 0;
  const std::string& s = it->second;
  const auto pos = s.rfind(" threads");
  if (pos == std::string::npos) return 0;
  auto b = pos;
  while (b > 0 && std::isdigit(static_cast<unsigned char>(s[b - 1]))) --b;
  return b < pos ? std::atoi(s.substr(b, pos - b).c_str()) : 0;
}

}  // namespace

CellRecord run_cell(const Cell& cell, const Registry& registry, const std::vector<Platform>& platforms,
                    const Context& base_ctx) {
  CellRecord rec;
  rec.cell = cell;
  Context ctx = base_ctx;
  ctx.seed = cell.seed;
  ctx.cell_id = cell.id;
  const mpi::Group group = ctx.group;

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
        const double t = group.max(r.manual_seconds > 0 ? r.manual_seconds : timer.seconds());
        rec.warmup_seconds.push_back(t);
      }
      for (std::int64_t i = 0; i < steps; ++i) {
        Kokkos::fence();
        timer.reset();
        const StepResult r = w->step(ctx);
        Kokkos::fence();
        // The slowest rank's time: a step of a group is done when all of it is.
        const double t = group.max(r.manual_seconds > 0 ? r.manual_seconds : timer.seconds());
        rec.step_seconds.push_back(t);
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
    double total = 0;
    for (double v : rec.step_seconds) total += v;
    for (const auto& [name, vals] : rec.step_values) {
      if ((name != "comm_seconds" && name != "wait_seconds") || total <= 0) continue;
      double sum = 0;
      for (double v : vals) sum += v;
      if (name == "comm_seconds")
        rec.metrics.scalar("comm_share", sum / total, "", "measured data exchange (comm_seconds) over step time, all steps");
      else
        rec.metrics.scalar("wait_share", sum / total, "",
                           "waiting for the slowest rank before exchanges (wait_seconds) over step time, all steps");
    }
  }
  // Projection onto every platform; the host projection is the model's self-check.
  if (rec.status == "ok") {
    for (const auto& p : platforms) {
      Projection pr = project(rec.ledger, p);
      pr.platform = p.name;
      if (p.name == "host" && (ctx.host_share != 1.0 || ctx.ranks_on_node > 1)) {
        pr.host_share = ctx.host_share;
        pr.ranks_on_node = ctx.ranks_on_node;
      }
      if (p.name == "host" && pr.ok && !rec.step_seconds.empty()) {
        const double med = describe(rec.step_seconds).median;
        if (med > 0) rec.model_error = pr.step_seconds.nominal / med - 1.0;
      }
      rec.projections.push_back(std::move(pr));
    }
  }
  return rec;
}

namespace {

// The cells of one width, in experiment order.
struct Phase {
  int width = 1;
  std::vector<std::size_t> cells;  // indices into the selected cells
};

// Claims a cell for this group: true for exactly one caller per file, on any POSIX file system
// (O_EXCL), so the groups of a phase share out its cells without talking to each other.
bool claim(const std::string& dir, const std::string& cell_id) {
  const std::string path = dir + "/" + cell_id;
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Each rank shows it is alive by rewriting OUTPUT.parts/alive/<rank> every second from a thread
// of its own, so it beats while it computes or waits in MPI. A rank whose file is older than the
// timeout has died and the launcher let the others live on (Open MPI with
// `--mca orte_abort_on_non_zero_status 0`, `srun --no-kill`), or its node is gone.
// The thread also watches the ranks this rank is running a cell with: when one of them dies this
// rank is stuck in a collective of that cell for good, so the thread ends the job (MPI_Abort,
// exit status 3). That is an MPI call from a second thread under MPI_THREAD_FUNNELED, which the
// standard does not promise; Open MPI handles it, and a process that is about to end anyway has
// nothing better to try.
class Heartbeat {
 public:
  Heartbeat(std::string dir, int rank, double timeout)
      : m_dir(std::move(dir)), m_rank(rank), m_timeout(timeout),
        m_started(std::filesystem::file_time_type::clock::now()) {
    beat();
    m_thread = std::thread([this] {
      std::unique_lock<std::mutex> lock(m_mutex);
      while (!m_cv.wait_for(lock, std::chrono::seconds(1), [this] { return m_stop; })) {
        beat();
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
    });
  }
  ~Heartbeat() { stop(); }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // The world ranks first … first + count − 1 run the current cell with this one (count 0: none).
  void watch(int first, int count) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_first = first;
    m_count = count;
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
  }

  // Whether rank r's last beat (or, before its first, this one's start) is older than the timeout.
  bool dead(int r) const {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto t = fs::last_write_time(path(r), ec);
    if (ec) t = m_started;
    return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count() > m_timeout;
  }

 private:
  std::string path(int r) const { return m_dir + "/" + std::to_string(r); }
  void beat() const { std::ofstream(path(m_rank), std::ios::trunc) << utc_now() << "\n"; }

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

double rank_timeout(const RunOptions& opt) {
  if (opt.rank_timeout > 0) return opt.rank_timeout;
  if (const char* e = std::getenv("XPB_RANK_TIMEOUT"); e && std::atof(e) > 0) return std::atof(e);
  return 60.0;
}

}  // namespace

RunSummary run_experiment(const ExperimentSpec& spec, const Registry& registry, const RunOptions& opt,
                          const std::function<void(const CellEvent&)>& progress) {
  RunSummary sum;
  std::vector<Platform> platforms = resolve_experiment_platforms(spec);
  const bool has_host = std::any_of(platforms.begin(), platforms.end(), [](const Platform& p) { return p.name == "host"; });
  if (!has_host) platforms.push_back(resolve_platform("host"));  // self-check always
  for (const auto& p : platforms) sum.platforms.push_back(p.name);

  const mpi::Group world = mpi::Group::world();
  const int K = world.size(), me = world.rank();

  RunHeader header;
  header.spec = &spec;
  header.provenance = collect_provenance(opt.command_line);
  header.provenance.integers.emplace_back("mpi_ranks", K);
  header.platforms = platforms;
  header.workloads_built = "";
  for (const auto& n : registry.names()) header.workloads_built += (header.workloads_built.empty() ? "" : ",") + n;

  // Rank 0 opens the result set first (and, resuming, takes in the fragments a crashed run left);
  // the others then read which cells are done. A failure to open stops every rank alike.
  std::optional<ResultStore> store;
  std::optional<Error> open_error;
  const std::string claims_dir = fragment_dir(opt.output) + "/claims";
  const std::string alive_dir = fragment_dir(opt.output) + "/alive";
  if (me == 0) {
    try {
      store.emplace(opt.output, header, opt.resume, opt.force, true);
      if (opt.resume) store->absorb(list_fragments(opt.output));
      else std::filesystem::remove_all(fragment_dir(opt.output));
      if (K > 1) {  // claims and heartbeats of an earlier run mean nothing now
        std::filesystem::remove_all(claims_dir);
        std::filesystem::remove_all(alive_dir);
        std::filesystem::create_directories(claims_dir);
        std::filesystem::create_directories(alive_dir);
      }
    } catch (const Error& e) {
      open_error = e;
    } catch (const std::filesystem::filesystem_error& e) {
      open_error = Error({fragment_dir(opt.output), 0, {}}, e.what());
    }
  }
  if (world.max(open_error ? 1.0 : 0.0) > 0) {
    if (open_error) throw *open_error;
    throw Error({opt.output, 0, {}}, "rank 0 could not open the result set");
  }
  if (me != 0) store.emplace(opt.output, header, /*resume=*/true, /*force=*/true, /*writer=*/false);
  std::optional<Heartbeat> heartbeat;
  if (K > 1) heartbeat.emplace(alive_dir, me, rank_timeout(opt));

  Context ctx;
  ctx.threads = compat::concurrency();
  ctx.data_dir = default_data_dir();
  ctx.cache_dir = default_cache_dir();
  ctx.mpi_rank = me;
  ctx.mpi_size = K;
  ctx.ranks_on_node = world.ranks_on_node();
  // One rank of several on this host, or a run with fewer threads than the calibration, has a
  // share of the host: its projections use that share (the descriptor in the header stays whole).
  for (auto& p : platforms) {
    if (p.name != "host") continue;
    const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int calib = calibrated_threads(p);
    ctx.host_share = host_share(ctx.threads, ctx.ranks_on_node, cpus, calib > 0 ? calib : cpus);
    if (ctx.host_share < 1.0 || ctx.ranks_on_node > 1) p = host_for_rank(p, ctx.host_share, ctx.ranks_on_node);
  }

  const auto cells = select_cells(spec, opt.only);
  sum.planned = static_cast<int>(cells.size());

  // Widths and phases (the same on every rank: computed from the spec and K alone).
  std::map<int, Phase> phases;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const Cell& c = *cells[i];
    if (store->done().count(c.id)) {
      ++sum.skipped;
      if (progress && me == 0) {
        CellEvent ev;
        ev.kind = CellEvent::skipped;
        ev.position = static_cast<int>(i) + 1;
        ev.total = sum.planned;
        ev.cell = &c;
        progress(ev);
      }
      continue;
    }
    int w = 1;
    if (registry.has(c.workload)) {
      const WorkloadInfo& info = registry.info(c.workload);
      if (info.ranks) w = info.ranks(c.params, K);
    }
    if (opt.max_cell_ranks > 0) w = std::min(w, opt.max_cell_ranks);
    w = std::clamp(w, 1, K);
    Phase& ph = phases[w];
    ph.width = w;
    ph.cells.push_back(i);
  }

  std::array<double, 4> tally{};  // ran, ok, invalid, failed (this rank's cells)
  for (const auto& [w, ph] : phases) {
    const int groups = K / w;
    const int colour = me < groups * w ? me / w : -1;
    // Groups of one need no communicator; a group of everyone is the world.
    const mpi::Group group = w == 1 ? mpi::Group() : (w == K ? world : world.split(colour, me));
    const bool leader = group.rank() == 0;
    std::size_t cursor = 0;  // the leader's scan position in the phase's cells
    while (colour >= 0) {
      // The leader claims the next cell nobody has claimed; its group follows.
      int pick = -1;
      if (leader) {
        while (cursor < ph.cells.size() && pick < 0) {
          const std::size_t j = cursor++;
          if (K == 1 || claim(claims_dir, cells[ph.cells[j]]->id)) pick = static_cast<int>(j);
        }
      }
      if (group.size() > 1) pick = group.broadcast(pick);
      if (pick < 0) break;
      const std::size_t i = ph.cells[static_cast<std::size_t>(pick)];
      const Cell& c = *cells[i];
      CellEvent ev;
      ev.position = static_cast<int>(i) + 1;
      ev.total = sum.planned;
      ev.cell = &c;
      ev.rank = me;
      ev.ranks = group.size();
      ev.kind = CellEvent::start;
      if (progress && leader) progress(ev);
      Context cell_ctx = ctx;
      cell_ctx.group = group;
      if (heartbeat && w > 1) heartbeat->watch(colour * w, w);
      const std::string started = utc_now();
      CellRecord rec = run_cell(c, registry, platforms, cell_ctx);
      attach_parity(rec, spec.reference_platform);
      rec.started_utc = started;
      rec.finished_utc = utc_now();
      if (leader) {
        if (me == 0) {
          store->commit(rec);
        } else {
          // Write the fragment, then the cell counts as done: a crash later cannot lose it.
          ResultStore::write_single(fragment_path(opt.output, c.id), header, rec);
        }
        tally[0] += 1;
        tally[rec.status == "ok" ? 1 : rec.status == "invalid" ? 2 : 3] += 1;
        ev.kind = CellEvent::done;
        ev.record = &rec;
        if (progress) progress(ev);
      }
    }
    if (K > 1) {
      // Wait for every rank; a rank that stopped beating ends the job, once rank 0 has saved
      // every finished cell (its own are committed, the others' are in fragments).
      // Rank 0 watches every rank, the others watch rank 0 (which ends the job for them), once a
      // second: K file checks per second in all, on a shared file system too.
      if (heartbeat) heartbeat->watch(0, 0);
      std::vector<int> dead;
      auto next = std::chrono::steady_clock::now();
      auto keep_waiting = [&] {
        const auto now = std::chrono::steady_clock::now();
        if (now < next) return true;
        next = now + std::chrono::seconds(1);
        for (int r = 0; r < (me == 0 ? K : 1); ++r)
          if (r != me && heartbeat->dead(r)) dead.push_back(r);
        return dead.empty();
      };
      if (!world.barrier_while(keep_waiting)) {
        std::string who;
        for (int r : dead) who += (who.empty() ? "" : ", ") + std::to_string(r);
        std::string saved;
        if (me == 0) saved = std::to_string(store->absorb(list_fragments(opt.output))) + " more cell(s) absorbed; ";
        opt.log("rank " + std::to_string(me) + ": rank(s) " + who + " stopped (no heartbeat for " +
                std::to_string(static_cast<int>(rank_timeout(opt))) + " s); " + saved +
                "every finished cell is saved in " + opt.output +
                (me == 0 ? "" : " or its fragments") + ". Run the same command with --resume to finish.");
        mpi::abort(3);
      }
      if (me == 0) store->absorb(list_fragments(opt.output));
    }
  }
  if (K > 1) {
    heartbeat->stop();
    world.barrier();
    if (me == 0) {
      std::error_code ec;
      std::filesystem::remove_all(claims_dir, ec);
      std::filesystem::remove_all(alive_dir, ec);
      std::filesystem::remove(fragment_dir(opt.output), ec);  // only when empty
    }
  }
  std::vector<double> counts(tally.begin(), tally.end());
  world.sum(counts);
  sum.ran = static_cast<int>(counts[0]);
  sum.ok = static_cast<int>(counts[1]);
  sum.invalid = static_cast<int>(counts[2]);
  sum.failed = static_cast<int>(counts[3]);
  // Paper-scale projections (no kernels run): rank 0 computes and stores them beside the cells.
  if (!spec.projections.empty() && me == 0) {
    sum.projections = project_training_plans(spec, platforms);
    store->set_projections(sum.projections);
  }
  sum.rows = store->summary();
  return sum;
}

}  // namespace xpb
