// core/plugin/plugin.hpp — the plugin API in one include: everything a workload author needs.
// A workload implements xpb::Workload (workload.hpp), declares its parameters in a WorkloadInfo
// and registers itself in `void xpb::workloads::register_<name>(xpb::Registry&)`. It deliberately
// brings in nothing of the runner, the result store or the model.
#pragma once

#include "core/base/dtype.hpp"          // DType
#include "core/base/error.hpp"          // xpb::Error for rejected parameters
#include "core/base/kokkos_compat.hpp"  // compat:: shims across Kokkos 3.4 .. 5.x
#include "core/base/rng.hpp"            // counter-based RNG keyed by (seed, stream, index)
#include "core/plugin/capability.hpp"   // Capability, CapabilitySpec: what calibrate may measure
#include "core/plugin/context.hpp"      // Context: seed, threads, MPI group, data folders
#include "core/plugin/dtype_dispatch.hpp"  // DTypeDispatch: Impl<float> or Impl<double> by `dtype`
#include "core/plugin/ledger.hpp"       // KernelCost, Ledger: the cost of one step
#include "core/plugin/metrics.hpp"      // StepResult, Validation, Metrics
#include "core/plugin/params.hpp"       // ParamSpec, Params
#include "core/plugin/registry.hpp"     // Registry, WorkloadInfo
#include "core/plugin/workload.hpp"     // Workload
