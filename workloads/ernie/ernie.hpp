// workloads/ernie/ernie.hpp — ERNIE-style pretraining (`ernie`) and its paper-scale projection
// (`ernie_scale`), registered together. `ernie` trains the byte encoder of encoder.hpp with
// knowledge masking (masking.hpp) and reports held-out masked accuracy per masking level against
// chance and the most-frequent-byte baseline; `ernie_scale` (ernie_scale.cpp) runs no kernels.
#pragma once

#include "core/plugin/registry.hpp"

namespace xpb::workloads {

void register_ernie(Registry& r);

}  // namespace xpb::workloads
