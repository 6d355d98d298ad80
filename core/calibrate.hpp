// core/calibrate.hpp — measuring this machine and writing it down as a host descriptor.
// Runs the registered micro-benchmarks (stream; gemm and launch when built) through the Registry,
// keeps the best fenced time per kernel, and emits a schema-1 descriptor with confidence
// `measured` and the provenance of the measurement. The MPI rank-to-rank link is measured by a
// child `mpirun … xpubench calibrate-link` (cli/cmd_calibrate.cpp); this file holds its measuring
// side, its output lines and the alpha-beta fit. It does not load descriptors (platform.hpp).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "core/range.hpp"
#include "core/registry.hpp"

namespace xpb {

// What the operating system says about this host (no measurement).
struct HostFacts {
  std::string cpu_model;       // /proc/cpuinfo "model name"
  std::string cpu_vendor;      // /proc/cpuinfo "vendor_id"
  std::string hostname;
  int logical_cpus = 0;        // online logical CPUs
  double memory_bytes = 0;     // /proc/meminfo MemTotal (0: unknown)
  double last_level_cache_bytes = 0;  // sysfs cache of cpu0, highest level (0: unknown)
  std::string kokkos_version, kokkos_backend;
  int kokkos_threads = 0;
  std::string date;            // UTC, ISO 8601
};
HostFacts detect_host();

// One measured ceiling: a range over the timed repetitions (low: median, nominal: best).
struct Measured {
  Range value;         // SI units
  std::string method;  // one line: what was run, e.g. "stream triad, fp64, n=2^25, best of 5"
};

struct MeasuredStep {
  double min_flops = 0;
  Range efficiency;    // fraction of the measured peak
  std::string method;
};

struct CalibrateOptions {
  bool quick = false;       // small sizes and few repetitions (seconds, for tests)
  std::string command;      // the command line, recorded as provenance
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

// ------------------------------------------------------------------------------------------------
// The MPI rank-to-rank link

// One message size of the all-reduce sweep: the slowest rank's time per all-reduce.
struct LinkSample {
  int ranks = 0;             // participants of the all-reduce
  double bytes = 0;          // the all-reduced buffer (per rank)
  double best_seconds = 0;   // best of the timed repetitions
  double median_seconds = 0;
  int repeats = 0;
};

// The ring all-reduce model of core/collectives.cpp, t = 2(p−1)·alpha + 2(p−1)/p · bytes / B.
struct LinkFit {
  double alpha = 0;          // s per ring step, >= 0
  double bandwidth = 0;      // B/s per rank, one direction
  double max_rel_error = 0;  // largest |model − measured| / measured over the samples
  bool alpha_clamped = false;  // the unconstrained fit gave alpha < 0; refitted with alpha = 0
};

// Weighted least squares (minimises the sum of squared *relative* errors) of the ring model to
// the best (or median) times. Throws xpb::Error when fewer than two distinct sizes are given, a
// time is not positive, or the fit gives no positive bandwidth.
LinkFit fit_ring_allreduce(const std::vector<LinkSample>& samples, bool use_median = false);

// The link as the descriptor states it: nominal from the best-time fit, the other end of each
// range from the median-time fit. `latency` is empty when the fit cannot resolve alpha (<= 0).
struct MeasuredLink {
  Range bandwidth;                // B/s per rank, one direction
  std::optional<Range> latency;   // s per message step
  int ranks = 0;
  LinkFit best, median;
  std::string method;             // one line: what was run and fitted
};
MeasuredLink link_from_samples(const std::vector<LinkSample>& samples);

// The measuring side, run on every rank under mpirun: the registered `allreduce` workload
// (impl=ring) over log-spaced sizes (4 KiB .. 64 MiB; quick: 4 KiB .. 4 MiB). Throws xpb::Error
// when the workload is absent or a size fails. Every rank returns the same samples.
std::vector<LinkSample> measure_link_sizes(const Registry& registry, const CalibrateOptions& opt);

// The machine-readable line the child prints per sample, and its parser (nullopt: not such a
// line). "xpb-link ranks=2 bytes=4096 best_seconds=… median_seconds=… repeats=…"
std::string link_sample_line(const LinkSample& s);
std::optional<LinkSample> parse_link_sample_line(const std::string& line);

// ------------------------------------------------------------------------------------------------

struct HostMeasurements {
  std::optional<Measured> memory_bandwidth;         // B/s
  std::optional<Measured> memory_efficiency;        // median / best of the bandwidth runs
  std::map<DType, Measured> peak;                   // FLOP/s (fp64, fp32 from GEMM)
  std::vector<MeasuredStep> gemm;                   // by operation size, fraction of fp32 peak
  std::optional<Measured> launch_overhead;          // s per kernel launch
  std::optional<MeasuredLink> link;                 // MPI ranks on this host (intra_node)
  std::string link_not_measured;                    // why `link` is empty, when it was tried
  std::map<std::string, std::string> provenance;    // tool, version, commit, date, command
  std::vector<std::string> skipped;                 // benchmarks not run, and why
};

// Measure with whatever the registry holds: `stream` for the bandwidth ceiling, `gemm` for the
// fp32/fp64 ceilings and the efficiency table, `launch` for the launch overhead. Absent or failing
// workloads are skipped (listed in `skipped`).
HostMeasurements calibrate_host(const Registry& registry, const CalibrateOptions& opt);

// The host descriptor text (schema_version 1, kind: host). Numbers not measured are `unknown`.
// `name` should be the stem of the file it is written to (the loader warns on a mismatch).
std::string host_descriptor_yaml(const HostFacts& facts, const HostMeasurements& m,
                                 const std::string& name = "host");

}  // namespace xpb
