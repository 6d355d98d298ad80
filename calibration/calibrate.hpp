// calibration/calibrate.hpp — measuring this machine (the host descriptor is written by
// core/platforms/host.hpp from what is measured here).
// Asks the Registry for the workloads that declare each capability (core/plugin/capability.hpp:
// memory_bandwidth, matmul_peak, launch_overhead, collective_link), never for a workload by name,
// runs them as the runner would and keeps the best fenced times, with the provenance of the
// measurement. When several workloads declare a ceiling, the best measurement wins. The MPI
// rank-to-rank link is measured by a child `mpirun … xpubench calibrate-link`
// (cli/cmd_calibrate.cpp); this file holds its measuring side, its output lines and the
// alpha-beta fit. It neither loads nor writes descriptors.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/dtype.hpp"
#include "core/base/range.hpp"
#include "core/platforms/host.hpp"
#include "core/plugin/registry.hpp"

namespace xpb {

struct CalibrateOptions {
  bool quick = false;   // small sizes and few repetitions (seconds, for tests)
  std::string command;  // the command line, recorded as provenance
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

// ------------------------------------------------------------------------------------------------
// The MPI rank-to-rank link

// One message size of the all-reduce sweep: the slowest rank's time per all-reduce.
struct LinkSample {
  int ranks = 0;            // participants of the all-reduce
  double bytes = 0;         // the all-reduced buffer (per rank)
  double best_seconds = 0;  // best of the timed repetitions
  double median_seconds = 0;
  int repeats = 0;
};

// Weighted least squares (minimises the sum of squared *relative* errors) of the ring model to
// the best (or median) times. Throws xpb::Error when fewer than two distinct sizes are given, a
// time is not positive, or the fit gives no positive bandwidth.
LinkFit fit_ring_allreduce(const std::vector<LinkSample>& samples, bool use_median = false);

// The link as measured by `label` (what ran, e.g. link_workload_label()), fitted from both ends.
MeasuredLink link_from_samples(const std::vector<LinkSample>& samples, const std::string& label);

// A link run whose fit misses one of its own samples by more than this share of the sample's time
// was disturbed (a rank descheduled on a loaded host), and `xpubench calibrate` runs it again, at
// most kLinkAttempts times in all. On this project's 2-core VM the worst misfit was 5-21 % idle and
// 17-36 % beside four busy loops (docs/platforms.md, "calibrate"); a disturbed run misses by 97-99 %.
inline constexpr double kLinkDisturbedMisfit = 0.5;
inline constexpr int kLinkAttempts = 3;
inline bool link_disturbed(const MeasuredLink& l) { return l.best.max_rel_error > kLinkDisturbedMisfit; }

// The workload that measures the link — the first by name declaring collective_link — as its name
// and fixed parameters ("<name> impl=ring"); nullopt when none is built.
std::optional<std::string> link_workload_label(const Registry& registry);

// The measuring side, run on every rank under mpirun: that workload over log-spaced sizes
// (16 KiB .. 64 MiB; quick: 16 KiB .. 4 MiB). Throws xpb::Error when no workload declares
// collective_link or a size fails. Every rank returns the same samples.
std::vector<LinkSample> measure_link_sizes(const Registry& registry, const CalibrateOptions& opt);

// The machine-readable line the child prints per sample, and its parser (nullopt: not such a
// line). "xpb-link ranks=2 bytes=4096 best_seconds=… median_seconds=… repeats=…"
std::string link_sample_line(const LinkSample& s);
std::optional<LinkSample> parse_link_sample_line(const std::string& line);

// Measure with whatever the registry holds: the memory_bandwidth workloads for the bandwidth
// ceiling, matmul_peak for the fp64/fp32 ceilings and the efficiency table, launch_overhead for
// the launch overhead. A capability nobody declares, and a failing run, are listed in `skipped`.
HostMeasurements calibrate_host(const Registry& registry, const CalibrateOptions& opt);

}  // namespace xpb
