// core/platforms/host.cpp — what the OS says about this host, and the host descriptor writer.
// Reads /proc and sysfs; writes a schema-1 descriptor from facts and (optional) measurements
// through the descriptor schema. It measures nothing itself: calibration/ runs the workloads and
// hands their results in.
#include "core/platforms/host.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/base/format.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/kokkos_compat.hpp"
#include "core/base/system.hpp"
#include "core/platforms/platform.hpp"

namespace xpb {

// ================================================================================================
// Host facts

static std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\n");
  const auto e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

static double cache_size_bytes(const std::string& text) {
  // sysfs writes e.g. "32768K" or "1M"
  double v = 0;
  char suffix = 0;
  if (std::sscanf(text.c_str(), "%lf%c", &v, &suffix) < 1) return 0;
  if (suffix == 'K') v *= 1024;
  if (suffix == 'M') v *= 1024 * 1024;
  return v;
}

HostFacts detect_host() {
  HostFacts f;
  std::ifstream cpu("/proc/cpuinfo");
  int processors = 0;
  for (std::string line; std::getline(cpu, line);) {
    const auto c = line.find(':');
    if (c == std::string::npos) continue;
    const std::string k = trim(line.substr(0, c)), v = trim(line.substr(c + 1));
    if (k == "processor") ++processors;
    if (k == "model name" && f.cpu_model.empty()) f.cpu_model = v;
    if (k == "vendor_id" && f.cpu_vendor.empty()) f.cpu_vendor = v;
  }
  f.logical_cpus = processors > 0 ? processors : static_cast<int>(std::thread::hardware_concurrency());
  if (f.cpu_model.empty()) f.cpu_model = "unknown CPU";
  if (f.cpu_vendor.empty()) f.cpu_vendor = "unknown";
  f.memory_bytes = meminfo_bytes("MemTotal");
  int best_level = -1;
  for (int i = 0; i < 8; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i);
    std::ifstream lvl(dir + "/level"), sz(dir + "/size");
    int level = 0;
    std::string size;
    if (!(lvl >> level) || !(sz >> size)) continue;
    if (level > best_level) {
      best_level = level;
      f.last_level_cache_bytes = cache_size_bytes(size);
    }
  }
  f.hostname = host_name();
  f.kokkos_version = compat::version_string();
  f.kokkos_backend = compat::backend_name();
  f.kokkos_threads = compat::concurrency();
  f.date = utc_now();
  return f;
}

// ================================================================================================
// Writing the descriptor: a YAML document built here, checked against and written by the descriptor
// schema (core/platforms/platform.cpp), so the file reads back through the same declaration.

namespace {

// A measured number: {value or low/nominal/high, unit, confidence, source, note}. Six significant
// digits: repeated runs differ far earlier than that.
YAML::Node measured(Range r, double unit_factor, const char* unit, const std::string& note) {
  YAML::Node q(YAML::NodeType::Map);
  if (r.is_exact()) {
    q["value"] = fmt6(r.nominal / unit_factor);
  } else {
    q["low"] = fmt6(r.low / unit_factor);
    q["nominal"] = fmt6(r.nominal / unit_factor);
    q["high"] = fmt6(r.high / unit_factor);
  }
  q["unit"] = unit;
  q["confidence"] = "measured";
  q["source"] = "calibration";
  q["note"] = note;
  return q;
}

YAML::Node from_os(const std::string& value, const char* unit, const std::string& note) {
  YAML::Node q(YAML::NodeType::Map);
  q["value"] = value;
  q["unit"] = unit;
  q["confidence"] = "official";
  q["source"] = "os";
  q["note"] = note;
  return q;
}

YAML::Node unknown(const std::string& note) {
  YAML::Node q(YAML::NodeType::Map);
  q["status"] = "unknown";
  q["note"] = note;
  return q;
}

}  // namespace

// The measured fractions of peak: the GEMM table by size, STREAM's, attention's, element-wise work's.
static void write_efficiency(const HostMeasurements& m, YAML::Node e) {
  auto steps = [&](const char* key, const std::vector<MeasuredStep>& v) {
    for (const auto& s : v) {
      YAML::Node step = measured(s.efficiency, 1, "fraction", s.method);
      step["min_gflop"] = fmt6(s.min_flops / 1e9);
      e[key].push_back(step);
    }
  };
  steps("gemm", m.gemm);
  auto fraction = [&](const char* key, const std::optional<Measured>& v) {
    if (v) e[key] = measured(v->value, 1, "fraction", v->method);
  };
  fraction("memory_bandwidth", m.memory_efficiency);
  fraction("attention_fwd", m.attention_fwd);
  fraction("attention_bwd", m.attention_bwd);
  steps("attention_fwd_steps", m.attention_fwd_steps);
  steps("attention_bwd_steps", m.attention_bwd_steps);
  fraction("vector", m.vector_efficiency);
  fraction("norm", m.norm_efficiency);
}

// Capacity, bandwidth, the caches' bandwidth by working set and the last-level cache size.
static void write_memory(const HostFacts& f, const HostMeasurements& m, YAML::Node mem) {
  mem["type"] = "DRAM";
  mem["capacity"] = f.memory_bytes > 0 ? from_os(fmt6(f.memory_bytes / 1073741824.0), "GiB", "MemTotal")
                                       : unknown("/proc/meminfo not readable");
  mem["bandwidth"] = m.memory_bandwidth
                         ? measured(m.memory_bandwidth->value, 1e9, "GB/s", m.memory_bandwidth->method)
                         : unknown("not measured: run `xpubench calibrate`");
  if (f.last_level_cache_bytes > 0)
    mem["onchip_cache"] = from_os(fmt6(f.last_level_cache_bytes / 1048576.0), "MiB",
                                  "last-level cache of cpu0 (sysfs); may be shared");
  auto steps = [&](const std::vector<MeasuredCacheStep>& in, const char* table, const char* size_key) {
    for (const auto& c : in) {
      YAML::Node step = measured(c.bandwidth.value, 1e9, "GB/s", c.bandwidth.method);
      // Rounded up (6 significant digits round by at most 5e-6): the measured size itself must
      // fall in its own step.
      step[size_key] = fmt6(c.max_bytes / 1048576.0 * (1 + 1e-5));
      mem[table].push_back(step);
    }
  };
  steps(m.cache, "cache_bandwidth", "max_working_set_mib");
  steps(m.handoff, "handoff_bandwidth", "max_kernel_mib");
}

std::string host_descriptor_yaml(const HostFacts& f, const HostMeasurements& m, const std::string& name) {
  const bool calibrated = !m.provenance.empty();
  YAML::Node d(YAML::NodeType::Map);
  d["schema_version"] = "1";
  d["name"] = name;
  d["display_name"] = "Host: " + f.cpu_model + " (" + std::to_string(f.logical_cpus) +
                      " logical CPUs, Kokkos " + f.kokkos_backend + " " + std::to_string(f.kokkos_threads) +
                      " threads)";
  d["vendor"] = f.cpu_vendor;
  d["kind"] = "host";
  d["architecture"] = f.cpu_model + ", " + std::to_string(f.logical_cpus) + " logical CPUs";
  for (const auto& kv : m.provenance) d["provenance"][kv.first] = kv.second;

  const std::string day = f.date.size() >= 10 ? f.date.substr(0, 10) : f.date;
  YAML::Node os(YAML::NodeType::Map);
  os["url"] = "file:///proc/cpuinfo";
  os["title"] = "Linux /proc/cpuinfo, /proc/meminfo and sysfs cache sizes on " + f.hostname;
  os["date"] = day;
  d["sources"]["os"] = os;
  if (calibrated) {
    YAML::Node c(YAML::NodeType::Map);
    c["title"] = m.provenance.at("tool") + " (commit " + m.provenance.at("git_commit") + ") `" +
                 m.provenance.at("command") + "` on " + f.hostname + ", Kokkos " + m.provenance.at("kokkos");
    c["date"] = m.provenance.at("date");
    d["sources"]["calibration"] = c;
  }

  const char* not_measured = "not measured: build the gemm workload and run `xpubench calibrate`";
  const auto fp32 = m.peak.find(DType::fp32);
  for (DType t : kAllDTypes) {
    const std::string dt(to_string(t));
    auto it = m.peak.find(t);
    if (it != m.peak.end())
      d["peak"][dt] = measured(it->second.value, 1e9, "GFLOP/s", it->second.method);
    else if ((t == DType::tf32 || t == DType::bf16 || t == DType::fp16) && fp32 != m.peak.end())
      d["peak"][dt] = measured(
          fp32->second.value, 1e9, "GFLOP/s",
          "the fp32 GEMM ceiling: on this host the workloads compute " + dt + " ledger entries in fp32");
    else
      d["peak"][dt] =
          unknown(t == DType::fp8 || t == DType::int8 ? "not measured on the host" : not_measured);
  }

  write_memory(f, m, d["memory"]);
  if (m.link) {
    // MPI ranks are this host's devices; the runner divides the whole-host figures among them.
    const MeasuredLink& l = *m.link;
    d["intra_node"]["name"] = "MPI over shared memory";
    d["intra_node"]["topology"] = "ring of MPI ranks on one host (" + std::to_string(l.ranks) + " measured)";
    d["intra_node"]["devices_per_node"] =
        from_os(std::to_string(f.logical_cpus), "count",
                "logical CPUs: MPI ranks on this host are its devices; peak, memory and launch figures "
                "above are for the whole host (the runner divides them among ranks)");
    d["intra_node"]["bandwidth_per_direction"] = measured(l.bandwidth, 1e9, "GB/s", l.method);
    d["intra_node"]["latency"] = l.latency ? measured(*l.latency, 1e-6, "us", l.method)
                                           : unknown(
                                                 "the fit gave alpha <= 0: latency below what the "
                                                 "measured sizes resolve");
  } else {
    d["intra_node"]["devices_per_node"] =
        from_os("1", "count",
                "the host runs as one device" + (m.link_not_measured.empty()
                                                     ? std::string()
                                                     : "; MPI link not measured: " + m.link_not_measured));
  }
  d["launch_overhead"] = m.launch_overhead
                             ? measured(m.launch_overhead->value, 1e-6, "us", m.launch_overhead->method)
                             : unknown("not measured: needs the launch workload");
  d["software"] = "Kokkos " + f.kokkos_version + ", " + f.kokkos_backend + " backend, " +
                  std::to_string(f.kokkos_threads) + " threads";
  write_efficiency(m, d["efficiency"]);
  if (!m.skipped.empty()) {
    std::string s;
    for (const auto& k : m.skipped) s += (s.empty() ? "" : "; ") + k;
    d["notes"] = "skipped: " + s;
  }
  return input::emit(
      platform_schema(), d,
      {std::string("Host descriptor: ") +
           (calibrated ? "written by `xpubench calibrate`; measured numbers cite the calibration."
                       : "auto-described from the OS; nothing measured yet (run `xpubench calibrate`)."),
       "Schema: platforms/README.md. Facts read from the OS cite /proc and sysfs."});
}

}  // namespace xpb
