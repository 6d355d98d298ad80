// core/run/noise.cpp — host load, CPU frequency and governor, and a cell's dispersion (noise.hpp).
// Everything read here is read, never required: a missing file reads "unreadable".
#include "core/run/noise.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "core/results/result_store.hpp"

namespace xpb {

namespace {

std::optional<std::string> first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::optional<double> parse_number(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return std::nullopt;
  return v;
}

std::string cpufreq_path(int cpu, const char* file) {
  return "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/" + file;
}

std::string format_number(double v, const char* fmt) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

HostConditions read_host_conditions() {
  HostConditions h;
  if (const char* injected = std::getenv("XPB_TEST_LOADAVG")) {
    h.load_1min = parse_number(injected);
  } else if (const auto line = first_line("/proc/loadavg")) {
    h.load_1min = parse_number(*line);
  }
  double khz_sum = 0;
  int cpus = 0;
  std::string governor;
  bool governors_agree = true;
  // cpu0, cpu1, ... until the first CPU without a cpufreq folder.
  for (int cpu = 0;; ++cpu) {
    const auto freq = first_line(cpufreq_path(cpu, "scaling_cur_freq"));
    const auto gov = first_line(cpufreq_path(cpu, "scaling_governor"));
    if (!freq && !gov) break;
    if (freq)
      if (const auto khz = parse_number(*freq)) khz_sum += *khz, ++cpus;
    if (gov) {
      if (governor.empty())
        governor = *gov;
      else if (governor != *gov)
        governors_agree = false;
    }
  }
  h.cpu_freq = cpus > 0 ? format_number(khz_sum / cpus / 1000.0, "%.0f") + " MHz (mean of " +
                              std::to_string(cpus) + " cpus)"
                        : "unreadable";
  h.cpu_governor = governor.empty()  ? "unreadable"
                   : governors_agree ? governor
                                     : "mixed (cpu0: " + governor + ")";
  return h;
}

std::optional<double> dispersion(const std::vector<double>& samples) {
  if (samples.size() < 2) return std::nullopt;
  const SummaryRow d = describe(samples);
  if (!(d.median > 0)) return std::nullopt;
  return (d.q3 - d.q1) / d.median;
}

int online_cpus() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::vector<std::string> noise_reasons(std::optional<double> disp, std::optional<double> load_start,
                                       std::optional<double> load_end, int cpus, double threshold) {
  std::vector<std::string> out;
  if (disp && *disp > threshold)
    out.push_back("dispersion (IQR/median of timed steps) " + format_number(*disp, "%.3g") + " > " +
                  format_number(threshold, "%.3g"));
  for (const auto& [when, load] : {std::pair{"start", load_start}, std::pair{"end", load_end}})
    if (load && *load > double(cpus))
      out.push_back(std::string("load average ") + format_number(*load, "%.2f") + " at cell " + when + " > " +
                    std::to_string(cpus) + " online CPU(s): the machine was oversubscribed");
  return out;
}

}  // namespace xpb
