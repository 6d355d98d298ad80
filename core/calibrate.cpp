// core/calibrate.cpp — host facts, the calibration runs, and the host descriptor writer.
// Every workload is driven exactly as the runner would (setup from declared Params, fenced steps,
// validate) so a ceiling is only kept when the workload's own check passed. Sizes are modest:
// calibration must finish in well under a minute on a laptop.
#include "core/calibrate.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/kokkos_compat.hpp"
#include "core/ledger.hpp"
#include "core/provenance.hpp"

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
// Driving a workload

namespace {

struct Run {
  bool ok = false;
  std::string why;
  Ledger ledger;
  std::vector<double> seconds;                             // per timed step
  std::map<std::string, std::vector<double>> values;       // StepResult values per step
};

// Params from the workload's own declaration; names it does not declare are ignored.
bool make_params(const WorkloadInfo& info, const std::map<std::string, ParamValue>& want,
                 Params* out, std::string* why) {
  std::map<std::string, ParamValue> given;
  for (const auto& kv : want) {
    const ParamSpec* s = info.params.find(kv.first);
    if (!s) continue;
    const std::string err = check_value(*s, kv.second);
    if (!err.empty()) {
      *why = info.name + "." + kv.first + ": " + err;
      return false;
    }
    given[kv.first] = kv.second;
  }
  *out = complete(info.params, given);
  return true;
}

Run run_workload(const Registry& reg, const std::string& name,
                 const std::map<std::string, ParamValue>& want, int warmup, int reps) {
  Run r;
  const WorkloadInfo& info = reg.info(name);
  Params params;
  if (!make_params(info, want, &params, &r.why)) return r;
  Context ctx;
  ctx.seed = 1;
  ctx.cell_id = "calibrate/" + name;
  ctx.threads = compat::concurrency();
  try {
    auto w = reg.create(name);
    w->setup(params, ctx);
    for (int i = 0; i < warmup + reps; ++i) {
      Kokkos::fence();
      Kokkos::Timer timer;
      const StepResult s = w->step(ctx);
      Kokkos::fence();
      const double t = s.manual_seconds > 0 ? s.manual_seconds : timer.seconds();
      if (i < warmup) continue;
      r.seconds.push_back(t);
      for (const auto& kv : s.values) r.values[kv.first].push_back(kv.second);
    }
    r.ledger = w->ledger();
    const Validation v = w->validate(ctx);
    if (!v.passed) {
      r.why = name + " failed its own check: " + v.reason;
      return r;
    }
    (void)w->finish(ctx);
  } catch (const Error& e) {
    r.why = name + ": " + e.located();
    return r;
  }
  r.ok = !r.seconds.empty();
  if (!r.ok) r.why = name + ": no timed steps";
  return r;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string pow2(std::int64_t n) {
  int k = 0;
  while ((std::int64_t(1) << k) < n) ++k;
  return (std::int64_t(1) << k) == n ? "2^" + std::to_string(k) : std::to_string(n);
}

// Kernel times of a step: StepResult "<kernel>_seconds" values where the workload reports them,
// matched to ledger entries "<workload>/<kernel>".
void measure_stream(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m) {
  const std::int64_t n = opt.quick ? (std::int64_t(1) << 22) : (std::int64_t(1) << 25);
  const int reps = opt.quick ? 4 : 10;
  opt.log("stream: fp64, n=" + pow2(n) + ", " + std::to_string(reps) + " repetitions");
  const Run r = run_workload(reg, "stream", {{"n", n}, {"dtype", std::string("fp64")}}, 1, reps);
  if (!r.ok) {
    m.skipped.push_back(r.why);
    return;
  }
  std::map<std::string, std::vector<double>> bw;  // kernel → bandwidth per step (B/s)
  for (const auto& k : r.ledger) {
    const std::string kernel = k.name.substr(k.name.find('/') + 1);
    auto it = r.values.find(kernel + "_seconds");
    if (it == r.values.end() || k.bytes <= 0) continue;
    for (double t : it->second)
      if (t > 0) bw[kernel].push_back(k.bytes * k.count / t);
  }
  std::vector<double> main_bw;
  std::string kernel = "triad";
  if (bw.count("triad")) main_bw = bw["triad"];
  else {  // no per-kernel times: whole steps
    kernel = "step";
    for (double t : r.seconds) main_bw.push_back(total_bytes(r.ledger) / t);
  }
  if (main_bw.empty()) {
    m.skipped.push_back("stream: no bandwidth could be computed");
    return;
  }
  const double top = *std::max_element(main_bw.begin(), main_bw.end());
  const double med = median(main_bw);
  double high = top;
  for (const auto& kv : bw) high = std::max(high, *std::max_element(kv.second.begin(), kv.second.end()));
  const std::string how = "stream " + kernel + ", fp64, n=" + pow2(n) + ", " +
                          std::to_string(reps) + " steps: low median, nominal best " + kernel +
                          ", high best of all kernels";
  m.memory_bandwidth = Measured{{med, top, high}, how};
  double worst = top;
  for (double b : main_bw) worst = std::min(worst, b);
  m.memory_efficiency =
      Measured{{worst / top, med / top, 1.0},
               "stream " + kernel + " slowest / median / best step relative to the best"};
  opt.log("  " + kernel + " best " + std::to_string(top / 1e9) + " GB/s, median " +
          std::to_string(med / 1e9) + " GB/s");
}

// GEMM ceilings (fp64, fp32) and an efficiency-by-size table for the default path.
void measure_gemm(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m) {
  const WorkloadInfo& info = reg.info("gemm");
  const ParamSpec* dt = info.params.find("dtype");
  const ParamSpec* path = info.params.find("path");
  auto has_choice = [](const ParamSpec* s, const std::string& c) {
    return s && std::find(s->choices.begin(), s->choices.end(), c) != s->choices.end();
  };
  std::vector<std::string> paths;
  const std::string default_path =
      path && std::holds_alternative<std::string>(path->default_value)
          ? std::get<std::string>(path->default_value) : std::string();
  if (!default_path.empty()) paths.push_back(default_path);
  if (has_choice(path, "vendor") && default_path != "vendor") paths.push_back("vendor");
  if (paths.empty()) paths.push_back("");
  const std::vector<std::int64_t> sizes = opt.quick ? std::vector<std::int64_t>{32, 64, 128, 256}
                                                    : std::vector<std::int64_t>{64, 128, 256, 512, 1024, 1536};
  const int reps = opt.quick ? 2 : 4;
  auto gflops_run = [&](const std::string& dtype, const std::string& p, std::int64_t s,
                        Run* out) -> double {
    std::map<std::string, ParamValue> want = {{"m", s}, {"n", s}, {"k", s}};
    if (!dtype.empty()) want["dtype"] = dtype;
    if (!p.empty()) want["path"] = p;
    *out = run_workload(reg, "gemm", want, 1, reps);
    if (!out->ok) return 0;
    return total_flops(out->ledger) / best(out->seconds);
  };
  for (DType d : {DType::fp64, DType::fp32}) {
    const std::string dname(to_string(d));
    if (dt && !dt->choices.empty() && !has_choice(dt, dname)) continue;
    double top = 0;
    std::string top_how;
    std::vector<std::pair<double, double>> table;  // (flops of one step, FLOP/s) on default path
    for (const auto& p : paths) {
      for (std::int64_t s : sizes) {
        Run r;
        const double rate = gflops_run(dt ? dname : std::string(), p, s, &r);
        if (!r.ok) {
          m.skipped.push_back(r.why);
          break;
        }
        if (p == paths.front()) table.emplace_back(total_flops(r.ledger), rate);
        if (rate > top) {
          top = rate;
          top_how = "gemm " + dname + (p.empty() ? "" : " path=" + p) + " m=n=k=" +
                    std::to_string(s) + ", best of " + std::to_string(reps);
        }
      }
    }
    if (top <= 0) continue;
    m.peak[d] = Measured{Range::exact(top), top_how};
    opt.log("gemm " + dname + ": ceiling " + std::to_string(top / 1e9) + " GFLOP/s (" + top_how + ")");
    if (d == DType::fp32 && !table.empty()) {
      std::sort(table.begin(), table.end());
      for (std::size_t i = 0; i < table.size(); ++i) {
        // Kept as measured, even where a larger size runs slower (caches): measurements are data.
        MeasuredStep st;
        st.min_flops = i == 0 ? 0 : table[i].first;
        st.efficiency = Range::exact(std::clamp(table[i].second / top, 1e-3, 1.0));
        st.method = "gemm fp32" + (paths.front().empty() ? "" : " path=" + paths.front()) +
                    " of " + std::to_string(table[i].first / 1e9) + " GFLOP / fp32 ceiling";
        m.gemm.push_back(st);
      }
    }
  }
}

void measure_launch(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m) {
  const int reps = opt.quick ? 5 : 20;
  const Run r = run_workload(reg, "launch", {}, 2, reps);
  if (!r.ok) {
    m.skipped.push_back(r.why);
    return;
  }
  double launches = 0;
  for (const auto& k : r.ledger) launches += k.count;
  if (launches <= 0) launches = 1;
  const double b = best(r.seconds) / launches, med = median(r.seconds) / launches;
  m.launch_overhead = Measured{{b, b, med}, "launch workload, " + std::to_string(reps) +
                                                " steps of " + num(launches) +
                                                " launches: nominal best, high median"};
  opt.log("launch: " + std::to_string(b * 1e6) + " us per launch");
}

}  // namespace

HostMeasurements calibrate_host(const Registry& registry, const CalibrateOptions& opt) {
  HostMeasurements m;
  const BuildInfo& b = build_info();
  m.provenance["tool"] = std::string("xpubench ") + b.version;
  m.provenance["git_commit"] = std::string(b.git_commit) + (b.git_dirty ? " (dirty)" : "");
  m.provenance["date"] = utc_now();
  m.provenance["command"] = opt.command.empty() ? "xpubench calibrate" : opt.command;
  m.provenance["host"] = host_name();
  m.provenance["kokkos"] = compat::version_string() + " " + compat::backend_name() + ", " +
                           std::to_string(compat::concurrency()) + " threads";
  m.provenance["mode"] = opt.quick ? "quick" : "full";
  const struct {
    const char* name;
    void (*fn)(const Registry&, const CalibrateOptions&, HostMeasurements&);
  } steps[] = {{"stream", measure_stream}, {"gemm", measure_gemm}, {"launch", measure_launch}};
  for (const auto& s : steps) {
    if (!registry.has(s.name)) {
      m.skipped.push_back(std::string(s.name) + ": workload not built");
      opt.log(std::string(s.name) + ": not built, skipped");
      continue;
    }
    s.fn(registry, opt, m);
  }
  return m;
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
  y << "intra_node:\n  devices_per_node: {value: 1, unit: count, confidence: official, source: os, "
       "note: \"the host runs as one device\"}\n";
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
