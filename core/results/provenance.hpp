// core/results/provenance.hpp — where a result came from: build, Kokkos configuration, host, time, command.
// Collected once per run and written as root attributes of the result set; it does not decide
// what is stored where (core/results/result_store.hpp does).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/base/system.hpp"  // utc_now, host_name, cpu_model

namespace xpb {

struct Provenance {
  std::vector<std::pair<std::string, std::string>> strings;  // attribute name → value
  std::vector<std::pair<std::string, long long>> integers;
  std::vector<std::pair<std::string, std::string>> environment;  // whitelisted variables
};

// Everything but the command line and the experiment, which the caller adds.
Provenance collect_provenance(const std::string& command_line);

std::string kokkos_configuration();  // Kokkos::print_configuration text

}  // namespace xpb
