// core/model/projector.hpp — projects a cost ledger onto a platform descriptor.
// Per kernel a roofline with efficiency: max(flops / (peak·eff(op size)), bytes / (bw·eff_mem))
// plus launch overhead (or their sum in no-overlap mode); collectives by an alpha-beta ring model.
// Every figure is a Range carried from the descriptor's ranges. It knows nothing of workloads.
#pragma once

#include <string>
#include <vector>

#include "core/plugin/ledger.hpp"
#include "core/platforms/platform.hpp"
#include "core/base/range.hpp"

namespace xpb {

enum class Bound { compute, memory, communication, launch, unknown };
std::string_view to_string(Bound b);

struct ProjectOptions {
  bool overlap = true;          // roofline max(); false → sum of compute and memory time
  bool include_launch = true;
};

struct KernelProjection {
  std::string name;
  Range seconds;   // for all `count` launches
  Bound bound = Bound::unknown;
};

struct Projection {
  std::string platform;
  bool ok = false;          // false when a needed number is unknown (see reason)
  std::string reason;
  Range step_seconds;       // total per step
  Range compute_seconds;    // time of kernels whose bound is compute
  Range memory_seconds;     // time of kernels whose bound is memory
  Range comm_seconds;       // collectives
  Range launch_seconds;     // launch overhead
  Range energy_joules;      // TDP · time: an upper bound
  Bound bound = Bound::unknown;  // which share dominates the nominal step time
  double flops = 0, bytes = 0;   // totals of the ledger
  // Hardware FLOP utilization: the ledger's FLOPs of its dominant dtype (most FLOPs) over
  // step time · that dtype's peak (ledgers count what runs, recomputation included, so this is
  // HFU; MFU needs model FLOPs: utilization(model_flops, step_seconds, peak)).
  DType peak_dtype = DType::fp32;
  Range hfu;
  std::vector<KernelProjection> kernels;
  // Set by the runner when the host was projected as one of several ranks sharing it.
  double host_share = 1.0;  // fraction of the calibrated host one rank had (core/run/runner.hpp)
  int ranks_on_node = 1;
  // Set by the runner on the projection onto this machine's descriptor: the model's self-check.
  bool self_check = false;
};

Projection project(const Ledger& ledger, const Platform& platform, const ProjectOptions& opt = {});

// ---- building blocks shared with the training model (core/model/training_model.cpp) -----------------

// Roofline time of one launch of a non-collective kernel, without launch overhead.
struct KernelTime {
  Range compute, memory;  // flops / (peak·eff), bytes / (bw·eff_mem)
  Range total;            // max (overlap) or sum (no overlap) of the two
  Bound bound = Bound::unknown;
};
// False (and `reason` set) when the kernel needs a number the descriptor lacks: the dtype's peak
// (unknown or unsupported) or the memory bandwidth.
bool kernel_time(OpKind kind, DType dtype, double flops, double bytes, const Platform& platform,
                 bool overlap, KernelTime& out, std::string* reason = nullptr);

// Utilization = useful FLOPs / (time · peak). MFU passes model FLOPs, HFU hardware FLOPs
// (recomputation included). Scenario-consistent: the fast case pairs the low time with the high
// peak. The result is sorted into a valid Range.
Range utilization(double flops, Range seconds, Range peak);
}  // namespace xpb
