// core/calibrate.hpp — measuring this machine and writing it down as a host descriptor.
// Runs the registered micro-benchmarks (stream; gemm and launch when built) through the Registry,
// keeps the best fenced time per kernel, and emits a schema-1 descriptor with confidence
// `measured` and the provenance of the measurement. It does not load descriptors (platform.hpp).
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

struct HostMeasurements {
  std::optional<Measured> memory_bandwidth;         // B/s
  std::optional<Measured> memory_efficiency;        // median / best of the bandwidth runs
  std::map<DType, Measured> peak;                   // FLOP/s (fp64, fp32 from GEMM)
  std::vector<MeasuredStep> gemm;                   // by operation size, fraction of fp32 peak
  std::optional<Measured> launch_overhead;          // s per kernel launch
  std::map<std::string, std::string> provenance;    // tool, version, commit, date, command
  std::vector<std::string> skipped;                 // benchmarks not run, and why
};

struct CalibrateOptions {
  bool quick = false;       // small sizes and few repetitions (seconds, for tests)
  std::string command;      // the command line, recorded as provenance
  std::function<void(const std::string&)> log = [](const std::string&) {};
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
