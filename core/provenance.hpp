// core/provenance.hpp — where a result came from: build, Kokkos configuration, host, time, command.
// Collected once per run and written as root attributes of the result set; it does not decide
// what is stored where (core/result_store.hpp does).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace xpb {

struct Provenance {
  std::vector<std::pair<std::string, std::string>> strings;  // attribute name → value
  std::vector<std::pair<std::string, long long>> integers;
  std::vector<std::pair<std::string, std::string>> environment;  // whitelisted variables
};

// Everything but the command line and the experiment, which the caller adds.
Provenance collect_provenance(const std::string& command_line);

std::string utc_now();        // "2026-11-28T20:51:03Z"
std::string host_name();
std::string cpu_model();      // from /proc/cpuinfo, "" if unknown
std::string kokkos_configuration();  // Kokkos::print_configuration text

}  // namespace xpb
