// workloads/register_all.hpp — fills a Registry with every compiled-in workload.
#pragma once

#include <string>

#include "core/plugin/registry.hpp"

namespace xpb::workloads {

void register_all(Registry& r);
// Comma-separated names of the workloads this binary was built with.
std::string built_workloads();

}  // namespace xpb::workloads
