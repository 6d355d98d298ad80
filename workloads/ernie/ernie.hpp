// workloads/ernie/ernie.hpp — ERNIE-style pretraining (`ernie`). It trains the byte encoder of
// encoder.hpp with knowledge masking (masking.hpp) and reports held-out masked accuracy per masking
// level against chance and the most-frequent-byte baseline. Paper-scale ERNIE is projected by an
// experiment's `projections:` section (experiments/ernie-scale.yaml), not by a workload.
#pragma once

#include "core/plugin/registry.hpp"

namespace xpb::workloads {

void register_ernie(Registry& r);

}  // namespace xpb::workloads
