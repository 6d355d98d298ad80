// core/platforms/host.cpp — what the OS says about this host, and the host descriptor writer.
// Reads /proc and sysfs; writes a schema-1 descriptor from facts and (optional) measurements. It
// measures nothing itself: calibration/ runs the workloads and hands their results in.
#include "core/platforms/host.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/base/kokkos_compat.hpp"
#include "core/base/system.hpp"

namespace xpb {

namespace {
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

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
  std::ifstream mem("/proc/meminfo");
  for (std::string line; std::getline(mem, line);) {
    double kb = 0;
    if (std::sscanf(line.c_str(), "MemTotal: %lf kB", &kb) == 1) f.memory_bytes = kb * 1024;
  }
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
// Writing the descriptor

namespace {

std::string quoted(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (c == '\n') {
      r += "\\n";
      continue;
    }
    r += c;
  }
  return r + "\"";
}

// A measured number in flow style: {value or low/nominal/high, unit, confidence, source, note}.
std::string measured(Range r, double unit_factor, const char* unit, const std::string& note) {
  std::string s = "{";
  if (r.is_exact()) s += "value: " + num(r.nominal / unit_factor);
  else
    s += "low: " + num(r.low / unit_factor) + ", nominal: " + num(r.nominal / unit_factor) +
         ", high: " + num(r.high / unit_factor);
  s += std::string(", unit: ") + (unit[0] == '%' ? "\"%\"" : unit) +
       ", confidence: measured, source: calibration, note: " + quoted(note) + "}";
  return s;
}

}  // namespace

std::string host_descriptor_yaml(const HostFacts& f, const HostMeasurements& m,
                                 const std::string& name) {
  const bool calibrated = !m.provenance.empty();
  std::ostringstream y;
  y << "# Host descriptor: "
    << (calibrated ? "written by `xpubench calibrate`; measured numbers cite the calibration."
                   : "auto-described from the OS; nothing measured yet (run `xpubench calibrate`).")
    << "\n# Schema: platforms/README.md. Facts read from the OS cite /proc and sysfs.\n";
  y << "schema_version: 1\nname: " << quoted(name) << "\n";
  y << "display_name: "
    << quoted("Host: " + f.cpu_model + " (" + std::to_string(f.logical_cpus) + " logical CPUs, Kokkos " +
              f.kokkos_backend + " " + std::to_string(f.kokkos_threads) + " threads)")
    << "\n";
  y << "vendor: " << quoted(f.cpu_vendor) << "\nkind: host\n";
  y << "architecture: " << quoted(f.cpu_model + ", " + std::to_string(f.logical_cpus) + " logical CPUs")
    << "\n";
  if (calibrated) {
    y << "provenance:\n";
    for (const auto& kv : m.provenance) y << "  " << kv.first << ": " << quoted(kv.second) << "\n";
  }
  const std::string day = f.date.size() >= 10 ? f.date.substr(0, 10) : f.date;
  y << "sources:\n";
  y << "  os: {url: \"file:///proc/cpuinfo\", title: "
    << quoted("Linux /proc/cpuinfo, /proc/meminfo and sysfs cache sizes on " + f.hostname)
    << ", date: " << quoted(day) << "}\n";
  if (calibrated) {
    const std::string title = m.provenance.at("tool") + " (commit " + m.provenance.at("git_commit") +
                              ") `" + m.provenance.at("command") + "` on " + f.hostname + ", Kokkos " +
                              m.provenance.at("kokkos");
    y << "  calibration: {title: " << quoted(title) << ", date: " << quoted(m.provenance.at("date"))
      << "}\n";
  }
  const char* not_measured = "not measured: build the gemm workload and run `xpubench calibrate`";
  y << "peak:\n";
  for (DType d : kAllDTypes) {
    y << "  " << to_string(d) << ": ";
    auto it = m.peak.find(d);
    const auto fp32 = m.peak.find(DType::fp32);
    if (it != m.peak.end()) {
      y << measured(it->second.value, 1e9, "GFLOP/s", it->second.method) << "\n";
    } else if ((d == DType::tf32 || d == DType::bf16 || d == DType::fp16) && fp32 != m.peak.end()) {
      y << measured(fp32->second.value, 1e9, "GFLOP/s",
                    "the fp32 GEMM ceiling: on this host the workloads compute " +
                        std::string(to_string(d)) + " ledger entries in fp32")
        << "\n";
    } else {
      y << "{status: unknown, note: "
        << quoted(d == DType::fp8 || d == DType::int8 ? "not measured on the host"
                                                       : not_measured)
        << "}\n";
    }
  }
  y << "memory:\n  type: DRAM\n";
  if (f.memory_bytes > 0)
    y << "  capacity: {value: " << num(f.memory_bytes / 1073741824.0)
      << ", unit: GiB, confidence: official, source: os, note: \"MemTotal\"}\n";
  else
    y << "  capacity: {status: unknown, note: \"/proc/meminfo not readable\"}\n";
  if (m.memory_bandwidth)
    y << "  bandwidth: " << measured(m.memory_bandwidth->value, 1e9, "GB/s", m.memory_bandwidth->method)
      << "\n";
  else
    y << "  bandwidth: {status: unknown, note: \"not measured: run `xpubench calibrate`\"}\n";
  if (f.last_level_cache_bytes > 0)
    y << "  onchip_cache: {value: " << num(f.last_level_cache_bytes / 1048576.0)
      << ", unit: MiB, confidence: official, source: os, note: \"last-level cache of cpu0 (sysfs); "
         "may be shared\"}\n";
  if (m.link) {
    // MPI ranks are this host's devices; the runner divides the whole-host figures among them.
    const MeasuredLink& l = *m.link;
    y << "intra_node:\n  name: \"MPI over shared memory\"\n";
    y << "  topology: " << quoted("ring of MPI ranks on one host (" + std::to_string(l.ranks) +
                                  " measured)")
      << "\n";
    y << "  devices_per_node: {value: " << f.logical_cpus
      << ", unit: count, confidence: official, source: os, note: "
      << quoted("logical CPUs: MPI ranks on this host are its devices; peak, memory and "
                "launch figures above are for the whole host (the runner divides them among "
                "ranks)")
      << "}\n";
    y << "  bandwidth_per_direction: " << measured(l.bandwidth, 1e9, "GB/s", l.method) << "\n";
    if (l.latency)
      y << "  latency: " << measured(*l.latency, 1e-6, "us", l.method) << "\n";
    else
      y << "  latency: {status: unknown, note: "
        << quoted("the fit gave alpha <= 0: latency below what the measured sizes resolve") << "}\n";
  } else {
    y << "intra_node:\n  devices_per_node: {value: 1, unit: count, confidence: official, "
         "source: os, note: "
      << quoted("the host runs as one device" +
                (m.link_not_measured.empty() ? std::string()
                                             : "; MPI link not measured: " + m.link_not_measured))
      << "}\n";
  }
  if (m.launch_overhead)
    y << "launch_overhead: "
      << measured(m.launch_overhead->value, 1e-6, "us", m.launch_overhead->method) << "\n";
  else
    y << "launch_overhead: {status: unknown, note: \"not measured: needs the launch workload\"}\n";
  y << "software: " << quoted("Kokkos " + f.kokkos_version + ", " + f.kokkos_backend + " backend, " +
                              std::to_string(f.kokkos_threads) + " threads")
    << "\n";
  if (!m.gemm.empty() || m.memory_efficiency) {
    y << "efficiency:\n";
    if (!m.gemm.empty()) {
      y << "  gemm:\n";
      for (const auto& s : m.gemm) {
        std::string q = measured(s.efficiency, 1, "fraction", s.method);
        y << "    - {min_gflop: " << num(s.min_flops / 1e9) << ", " << q.substr(1) << "\n";
      }
    }
    if (m.memory_efficiency)
      y << "  memory_bandwidth: "
        << measured(m.memory_efficiency->value, 1, "fraction", m.memory_efficiency->method) << "\n";
  }
  if (!m.skipped.empty()) {
    std::string s;
    for (const auto& k : m.skipped) s += (s.empty() ? "" : "; ") + k;
    y << "notes: " << quoted("skipped: " + s) << "\n";
  }
  return y.str();
}

}  // namespace xpb
