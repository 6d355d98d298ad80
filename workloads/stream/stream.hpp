// workloads/stream/stream.hpp — BabelStream-style memory bandwidth kernels in Kokkos.
// copy, mul, add, triad and dot over three arrays of n elements (fp32 or fp64). Registered as the
// `stream` workload, and with triad on data another core wrote as `handoff`; `xpubench calibrate`
// takes the bandwidth ceiling and the handoff steps from them.
#pragma once

#include "core/plugin/registry.hpp"

namespace xpb::workloads {

void register_stream(Registry& r);

}  // namespace xpb::workloads
