// workloads/micro/micro.hpp — the H20-parity micro-benchmarks: gemm, attention, layernorm,
// softmax, launch and allreduce (stream lives in workloads/stream). Each is one file with one
// registration function; register_micro() adds them all.
#pragma once

#include "core/plugin/registry.hpp"

namespace xpb::micro {
void register_micro_gemm(Registry& r);
void register_micro_attention(Registry& r);
void register_micro_layernorm(Registry& r);
void register_micro_softmax(Registry& r);
void register_micro_launch(Registry& r);
void register_micro_allreduce(Registry& r);
}  // namespace xpb::micro

namespace xpb::workloads {
// Registers every micro-benchmark above.
void register_micro(Registry& r);
}  // namespace xpb::workloads
