// core/platforms/host.hpp — this machine as a platform: OS facts, measured ceilings, descriptor.
// The types of what calibration/ measures and the writer of the host descriptor (schema 1, kind
// host) from them. Nothing here measures: `xpubench calibrate` (calibration/) does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/dtype.hpp"
#include "core/base/range.hpp"

namespace xpb {

// What the operating system says about this host (no measurement).
struct HostFacts {
  std::string cpu_model;   // /proc/cpuinfo "model name"
  std::string cpu_vendor;  // /proc/cpuinfo "vendor_id"
  std::string hostname;
  int logical_cpus = 0;               // online logical CPUs
  double memory_bytes = 0;            // /proc/meminfo MemTotal (0: unknown)
  double last_level_cache_bytes = 0;  // sysfs cache of cpu0, highest level (0: unknown)
  std::string kokkos_version, kokkos_backend;
  int kokkos_threads = 0;
  std::string date;  // UTC, ISO 8601
};
HostFacts detect_host();

// One measured ceiling: a range over the timed repetitions (low: median, nominal: best).
struct Measured {
  Range value;         // SI units
  std::string method;  // one line: what was run, e.g. "stream triad, fp64, n=2^25, best of 5"
};

struct MeasuredStep {
  double min_flops = 0;
  Range efficiency;  // fraction of the measured peak
  std::string method;
};

// Memory bandwidth of a working set that fits in the caches (memory.cache_bandwidth).
struct MeasuredCacheStep {
  double max_bytes = 0;  // the working set it was measured with (the workload's allocations)
  Measured bandwidth;    // B/s
};

// The ring all-reduce model of core/model/collectives.cpp, t = 2(p−1)·alpha + 2(p−1)/p · bytes / B.
struct LinkFit {
  double alpha = 0;            // s per ring step, >= 0
  double bandwidth = 0;        // B/s per rank, one direction
  double max_rel_error = 0;    // largest |model − measured| / measured over the samples
  bool alpha_clamped = false;  // the unconstrained fit gave alpha < 0; refitted with alpha = 0
};

// The link as the descriptor states it: nominal from the best-time fit, the other end of each
// range from the median-time fit. `latency` is empty when the fit cannot resolve alpha (<= 0).
struct MeasuredLink {
  Range bandwidth;               // B/s per rank, one direction
  std::optional<Range> latency;  // s per message step
  int ranks = 0;
  LinkFit best, median;
  std::string method;  // one line: what was run and fitted
};
struct HostMeasurements {
  std::optional<Measured> memory_bandwidth;   // B/s
  std::optional<Measured> memory_efficiency;  // median / best of the bandwidth runs
  std::vector<MeasuredCacheStep> cache;       // ascending working sets, each faster than memory
  std::map<DType, Measured> peak;             // FLOP/s (fp64, fp32 from GEMM)
  std::vector<MeasuredStep> gemm;             // by operation size, fraction of fp32 peak
  std::optional<Measured> launch_overhead;    // s per kernel launch
  // A kernel's bandwidth on data another core wrote, by its bytes (max_bytes), ascending.
  std::vector<MeasuredCacheStep> handoff;
  // Flash-attention forward / backward FLOP rate over the GEMM ceiling the projector applies
  // (fp32 peak x the efficiency of the largest GEMM step).
  std::optional<Measured> attention_fwd, attention_bwd;
  // The same by operation size (one launch's FLOPs), ascending, the first from 0.
  std::vector<MeasuredStep> attention_fwd_steps, attention_bwd_steps;
  // Element-wise work's FLOP rate (as run) over the fp32 peak: efficiency.vector; the same for
  // row normalisation (OpKind::norm): efficiency.norm.
  std::optional<Measured> vector_efficiency, norm_efficiency;
  std::optional<MeasuredLink> link;               // MPI ranks on this host (intra_node)
  std::string link_not_measured;                  // why `link` is empty, when it was tried
  std::map<std::string, std::string> provenance;  // tool, version, commit, date, command
  std::vector<std::string> skipped;               // benchmarks not run, and why
};

// The host descriptor text (schema_version 1, kind: host). Numbers not measured are `unknown`.
// `name` should be the stem of the file it is written to (the loader warns on a mismatch).
std::string host_descriptor_yaml(const HostFacts& facts, const HostMeasurements& m,
                                 const std::string& name = "host");

}  // namespace xpb
