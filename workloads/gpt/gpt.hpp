// workloads/gpt/gpt.hpp — registration of the `gpt` training workload (small-model training).
// A byte-level GPT-2-style decoder trained with AdamW on the KJV text (or any verse corpus);
// the model itself is workloads/gpt/gpt_model.hpp.
#pragma once

#include "core/plugin/registry.hpp"

namespace xpb::workloads {

void register_gpt(Registry& r);

}  // namespace xpb::workloads
