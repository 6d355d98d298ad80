// workloads/stream/stream.hpp — BabelStream-style memory bandwidth kernels in Kokkos.
// copy, mul, add, triad and dot over three arrays of n elements (fp32 or fp64). Registered as the
// `stream` workload; the kernels are also used by `xpubench calibrate` for the bandwidth ceiling.
#pragma once

#include "core/plugin/registry.hpp"

namespace xpb::workloads {

void register_stream(Registry& r);

}  // namespace xpb::workloads
