// core/base/system.hpp — small facts from the operating system: the time, the host, the CPU.
// Read on demand, never cached; nothing here depends on Kokkos or the build.
#pragma once

#include <string>

namespace xpb {

std::string utc_now();                  // "2026-11-28T20:51:03Z"
std::string utc_now_ms();               // "2026-11-28T20:51:03.042Z" (to the millisecond)
std::string host_name();                // gethostname(), "unknown" when it fails
std::string cpu_model();                // from /proc/cpuinfo, "" if unknown
double meminfo_bytes(const char* key);  // a /proc/meminfo line ("MemAvailable") in bytes; 0 if unknown

}  // namespace xpb
