// core/model/projector.hpp — projects a cost ledger onto a platform descriptor.
// Per kernel a roofline with efficiency: max(flops / (peak·eff(op size)), bytes / (bw·eff_mem))
// plus the GPU-side gap per launch (or their sum in no-overlap mode); collectives by an alpha-beta
// model. The same per-kernel costing prices a measured workload's ledger (project) and a training
// step's ledger (cost_training, with its phases, overlap windows and pipeline schedule). Inputs
// are drawn per Monte Carlo scenario (core/model/uncertainty.hpp); ranges reported are 5–95 %.
// It knows nothing of workloads.
#pragma once

#include <array>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/base/range.hpp"
#include "core/model/collectives.hpp"
#include "core/model/constants.hpp"
#include "core/model/training_ledger.hpp"
#include "core/model/uncertainty.hpp"
#include "core/platforms/platform.hpp"
#include "core/plugin/ledger.hpp"

namespace xpb {

enum class Bound { compute, memory, communication, launch, unknown };
std::string_view to_string(Bound b);

// One scenario's view of a platform: every number the costing needs, drawn from the descriptor
// and the model constants.
class Hardware {
 public:
  // `constants` may be null (then no attention table, no element-wise fraction, no gap default:
  // the descriptor alone); `stack` may be null (no CPU dispatch cost).
  Hardware(const Platform& p, const Scenario& s, const ModelConstants* constants = nullptr,
           const StackProfile* stack = nullptr, bool deepep = false);

  const Platform& platform() const { return *m_p; }
  const Scenario& scenario() const { return m_s; }
  // Peak FLOP/s of a dtype; false (and why) when unknown or unsupported.
  bool peak(DType d, double& out, std::string* why = nullptr) const;
  double gemm_efficiency(double flops, DType d) const;
  double vector_efficiency(DType d) const;
  // OpKind::norm work: efficiency.norm where given, else vector_efficiency(d).
  double norm_efficiency(DType d) const;
  // Flash-attention efficiency (fraction of peak) of the forward (pass 1) or backward (pass 2)
  // launch of `flops`. The descriptor's own fractions when given (by operation size:
  // efficiency.attention_fwd_steps/_bwd_steps; else attention_fwd/_bwd), else the constants'.
  double attention_efficiency(AttentionImpl impl, int pass, DType d,
                              double flops = std::numeric_limits<double>::max()) const;
  // A measured workload's flash-attention kernel: the generation's best published family.
  double flash_attention_efficiency(int pass, DType d,
                                    double flops = std::numeric_limits<double>::max()) const;
  bool bandwidth_known() const { return m_bw > 0; }
  // Host link (PCIe) bandwidth per direction, B/s; 0: the descriptor gives none.
  double host_link() const { return m_link; }
  // Memory bandwidth · memory efficiency; for a workload whose step touches `working_set` bytes,
  // the descriptor's cache steps around it (memory.cache_bandwidth; log-log between the two) instead.
  // 0: unknown (memory).
  double stream_bandwidth(double working_set = 0) const;
  // A kernel of `kernel_bytes` in a step whose kernels hand data between cores (a training step,
  // ProjectOptions::handoff): where the step's working set stays in the caches, the lower of
  // stream_bandwidth(working_set) and the descriptor's handoff steps around the kernel's bytes
  // (memory.handoff_bandwidth; log-log between two, past the last none). Else stream_bandwidth.
  double kernel_bandwidth(double working_set, double kernel_bytes, bool handoff) const;
  double elementwise_fraction() const { return m_elementwise; }
  double grouped_gemm() const { return m_grouped; }
  double gap() const { return m_gap; }            // GPU idle per kernel launch
  double dispatch() const { return m_dispatch; }  // CPU time per kernel issued (0 without a stack)
  double contention() const { return m_contention; }
  double step_fixed() const { return m_step_fixed; }
  double tdp() const { return m_tdp; }
  const NetworkModel& network() const { return m_net; }
  const NetworkModel& all_to_all_network() const { return m_a2a; }
  std::string generation;  // "ampere", "hopper", ... (constants' generations)

 private:
  // Draws already made (peaks and vector efficiencies by dtype, GEMM efficiency by dtype and table step): the
  // same in every call, so they are drawn once. The memos make a Hardware unfit to share between threads.
  mutable std::array<double, kAllDTypes.size()> m_peak_memo = nan_array();
  mutable std::array<double, kAllDTypes.size()> m_vector_memo = nan_array();
  mutable double m_norm_memo = std::numeric_limits<double>::quiet_NaN();
  // Steps of efficiency tables drawn: (table·64 + step, efficiency); tables are the GEMM ones by
  // dtype, then attention by pass.
  mutable std::vector<std::pair<std::size_t, double>> m_step_memo;
  std::vector<std::pair<double, double>> m_cache_bw;    // (max working set, B/s · efficiency)
  std::vector<std::pair<double, double>> m_handoff_bw;  // (max kernel bytes, B/s · efficiency)
  // The step of table `t` that holds a launch of `flops` (the largest min_flops not above it),
  // drawn once as `name:step`. `table` tells the tables apart in the memo.
  double step_efficiency(const std::vector<EfficiencyStep>& t, double flops, std::size_t table,
                         const std::string& name) const;
  static std::array<double, kAllDTypes.size()> nan_array() {
    std::array<double, kAllDTypes.size()> a{};
    a.fill(std::numeric_limits<double>::quiet_NaN());
    return a;
  }
  const Platform* m_p;
  Scenario m_s;
  const ModelConstants* m_c;
  double m_bw = 0, m_elementwise = 1, m_grouped = 1, m_gap = 0, m_dispatch = 0, m_contention = 0;
  double m_step_fixed = 0, m_tdp = 0, m_link = 0;
  NetworkModel m_net, m_a2a;
};

// Roofline time of one launch of a non-collective kernel, without the launch gap.
struct KernelTime {
  double compute = 0, memory = 0;  // flops / (peak·eff), bytes / (bw·eff_mem)
  double total = 0;                // max (overlap) or sum (no overlap) of the two
  Bound bound = Bound::unknown;
};
// `tk` carries the training ledger's extras (attention pass, grouped GEMM, element-wise fraction).
// False (and `reason` set) when the kernel needs a number the descriptor lacks.
// `working_set`: bytes the whole step touches (a measured workload's allocations), 0 if unknown;
// `handoff`: the step's kernels read what other cores wrote (Hardware::kernel_bandwidth).
// An OpKind::transfer entry: bytes / host link on an accelerator (bound: communication), a copy in
// memory on a host.
bool kernel_time(const KernelCost& k, const Hardware& hw, bool overlap, KernelTime& out,
                 std::string* reason = nullptr, const TrainingKernel* tk = nullptr, double working_set = 0,
                 bool handoff = false);

// ---- measured workloads' ledgers -----------------------------------------------------------

class HardwareCache;

struct ProjectOptions {
  // true: roofline max(); false: sum of compute and memory time; unset: the constants'
  // processing_mode on accelerators, the roofline on hosts and without constants.
  std::optional<bool> overlap;
  bool include_launch = true;
  // Bytes the workload's step touches (the runner measures its allocations): picks the
  // descriptor's cache bandwidth step that holds them. 0: unknown, memory bandwidth throughout.
  double working_set = 0;
  // The step chains kernels that split their data differently between threads (a training step),
  // so that they read what other cores wrote: memory time at Hardware::kernel_bandwidth.
  bool handoff = false;
  McOptions mc;                               // Monte Carlo; samples = 0: the nominal scenario only
  const ModelConstants* constants = nullptr;  // nullptr: default_model_constants()
  bool use_constants = true;                  // false: the descriptor alone (ideal-time projections)
  // Reuses each platform's scenarios (nominal, Monte Carlo samples, envelope) across calls: they
  // depend on the descriptor, the constants and the seed, not on the ledger. Optional; it must
  // not outlive the platforms and constants it has seen.
  HardwareCache* cache = nullptr;
};

// The Hardware of every scenario project() draws for one platform, kept for the next call (a
// sweep projects thousands of cells onto the same descriptors). Not thread-safe.
class HardwareCache {
 public:
  struct Scenarios {
    std::vector<Hardware> samples;  // Scenario::sample(seed, i), i < samples
    std::optional<Hardware> nominal, fast, slow;
  };
  const Scenarios& get(const Platform& p, const ModelConstants* c, const McOptions& mc);

 private:
  std::map<std::tuple<const Platform*, const ModelConstants*, std::uint64_t, int>, Scenarios> m_scenarios;
};

struct KernelProjection {
  std::string name;
  Range seconds;  // for all `count` launches (5-95 % over the Monte Carlo)
  Bound bound = Bound::unknown;
};

// Every Range is {p5, median, p95} of the Monte Carlo; `step` keeps the nominal-input value, the
// samples and the worst-case envelope (all inputs at one end).
struct Projection {
  std::string platform;
  bool ok = false;  // false when a needed number is unknown (see reason)
  std::string reason;
  Range step_seconds;  // total per step
  Estimate step;
  Range compute_seconds;         // time of kernels whose bound is compute
  Range memory_seconds;          // time of kernels whose bound is memory
  Range comm_seconds;            // collectives, and transfers over the host link
  Range launch_seconds;          // launch gaps
  Range energy_joules;           // TDP · time: an upper bound
  Bound bound = Bound::unknown;  // which share dominates the nominal step time
  double flops = 0, bytes = 0;   // totals of the ledger
  // Hardware FLOP utilization: the ledger's FLOPs of its dominant dtype (most FLOPs) over
  // step time · that dtype's peak (ledgers count what runs, recomputation included, so this is
  // HFU; MFU needs model FLOPs).
  DType peak_dtype = DType::fp32;
  Range hfu;
  std::vector<KernelProjection> kernels;
  // Set by the runner when the host was projected as one of several ranks sharing it.
  double host_share = 1.0;  // fraction of the calibrated host one rank had (core/run/runner.hpp)
  int ranks_on_node = 1;
  // Set by the runner on the projection onto this machine's descriptor: the model's self-check.
  bool self_check = false;
  // Set by the runner when the self-check projected the workload's as-run ledger (what it says).
  std::string ledger_as_run;
  bool kernel_overlap = true;  // the processing mode used: max (true) or sum of compute and memory
};

Projection project(const Ledger& ledger, const Platform& platform, const ProjectOptions& opt = {});

// ---- training steps ---------------------------------------------------------------------------

// One scenario's cost of a training step: the step time and its attribution by ledger part
// (gemm, attention, elementwise, launch, dispatch, moe_*, fp8_cast, *_comm, contention, bubble,
// optimizer, step_fixed); parts sum to `step`. The legacy buckets below also sum to `step`.
struct TrainingCost {
  bool ok = false;
  std::string reason;
  double step = 0;
  double peak = 0;  // peak FLOP/s of the linear dtype in this scenario (for MFU)
  std::vector<std::pair<std::string, double>> parts;
  double compute = 0, memory = 0, launch = 0, recompute = 0, tp_comm = 0, ep_comm = 0, cp_comm = 0,
         pp_comm = 0, dp_comm = 0, bubble = 0, optimizer = 0;
  double exposed_comm = 0;  // every communication second on the critical path
};

TrainingCost cost_training(const TrainingLedger& ledger, const Hardware& hw, DType linear_dtype,
                           bool overlap = true);

// Utilization = useful FLOPs / (time · peak), per sample when given estimates.
double utilization(double flops, double seconds, double peak);

}  // namespace xpb
