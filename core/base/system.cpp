// core/base/system.cpp — the time, the host name and the CPU model from the OS.
#include "core/base/system.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

namespace xpb {

namespace {
// "2026-11-28T20:51:03" of a moment, and its milliseconds.
std::string utc_seconds(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}
}  // namespace

std::string utc_now() { return utc_seconds(std::chrono::system_clock::now()) + "Z"; }

std::string utc_now_ms() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms));
  return utc_seconds(now) + frac;
}

double meminfo_bytes(const char* key) {
  std::ifstream in("/proc/meminfo");
  const std::string prefix = std::string(key) + ":";
  for (std::string line; std::getline(in, line);) {
    double kb = 0;
    if (line.compare(0, prefix.size(), prefix) == 0 &&
        std::sscanf(line.c_str() + prefix.size(), "%lf kB", &kb) == 1)
      return kb * 1024;
  }
  return 0;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto c = line.find(':');
      if (c != std::string::npos) {
        std::string v = line.substr(c + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
      }
    }
  }
  return {};
}

}  // namespace xpb
