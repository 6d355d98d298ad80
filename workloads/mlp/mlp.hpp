// workloads/mlp/mlp.hpp — registration of the `mlp` training workload (small classification
// model): hashed character n-grams of a verse → its book group, with held-out accuracy against
// the majority-class baseline. The model is workloads/mlp/mlp_model.hpp.
#pragma once

#include "core/plugin/registry.hpp"

namespace xpb::workloads {

void register_mlp(Registry& r);

}  // namespace xpb::workloads
