// workloads/micro/launch.cpp — the `launch` micro-benchmark: the cost of launching an empty
// kernel. Each step launches `launches` empty parallel_fors (fencing after each, or only at the
// end), so step time / launches is the per-launch overhead the projector adds per kernel. It
// measures dispatch, not work: the body is empty and the range tiny.
#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/format.hpp"
#include "core/plugin/registry.hpp"
#include "workloads/micro/common.hpp"
#include "workloads/micro/micro.hpp"

namespace xpb::micro {
namespace {

// The parameters, each declared once and read typed.
struct LaunchParams {
  std::int64_t launches = 0, range = 0;
  bool fence_each = true;
};

const ParamStruct<LaunchParams>& launch_params() {
  static const auto s =
      ParamStruct<LaunchParams>()
          .integer("launches", &LaunchParams::launches, 1000, 1, 10000000, "empty kernels per step")
          .integer("range", &LaunchParams::range, 1, 0, 1 << 30, "iterations of each empty kernel")
          .boolean("fence_each", &LaunchParams::fence_each, true,
                   "fence after every launch (latency) or only at the end");
  return s;
}

constexpr const char* kEmpty = "launch/empty";

class LaunchBench final : public Workload {
 public:
  void setup(const Params& p, Context&) override {
    const LaunchParams q = launch_params().read(p);
    m_launches = q.launches;
    m_range = q.range;
    m_fence_each = q.fence_each;
  }

  StepResult step(Context&) override {
    const std::int64_t range = m_range;
    Kokkos::Timer timer;
    for (std::int64_t i = 0; i < m_launches; ++i) {
      Kokkos::parallel_for(kEmpty, Kokkos::RangePolicy<>(0, range), KOKKOS_LAMBDA(const std::int64_t){});
      if (m_fence_each) Kokkos::fence();
    }
    Kokkos::fence();
    const double per = timer.seconds() / double(m_launches);
    m_per_launch.push_back(per);
    StepResult r;
    r.value("seconds_per_launch", per);
    return r;
  }

  Ledger ledger() const override {
    KernelCost k;
    k.name = kEmpty;
    k.kind = OpKind::vector;
    k.dtype = DType::fp32;
    k.count = double(m_launches);  // no FLOPs, no bytes: launch overhead only
    return {k};
  }

  Validation validate(Context&) override {
    if (m_per_launch.empty()) return Validation::fail("no step ran, nothing to check");
    const double med = median(m_per_launch);
    // An oversubscribed host can take a scheduler time slice (~10 ms) per fork/join, which is
    // slow but true; a second per launch is a broken backend, not a number.
    const double limit = 1.0;
    if (!(med > 0) || !std::isfinite(med) || med > limit)
      return Validation::fail("per-launch time " + std::to_string(med * 1e6) + " us is not in (0, 1] s");
    return Validation::ok("median per-launch time " + std::to_string(med * 1e6) + " us");
  }

  Metrics finish(Context&) override {
    Metrics m;
    if (!m_per_launch.empty()) m.scalar("launch_us", median(m_per_launch) * 1e6);
    return m;
  }

 private:
  std::int64_t m_launches = 1000, m_range = 1;
  bool m_fence_each = true;
  std::vector<double> m_per_launch;
};

}  // namespace

void register_micro_launch(Registry& r) {
  WorkloadInfo info;
  info.name = "launch";
  info.summary = "empty-kernel launch latency";
  info.kind = WorkloadKind::benchmark;
  info.doc =
      "Launches `launches` empty parallel_for kernels over `range` iterations per step, fencing "
      "after each (fence_each) or once at the end (throughput of queued launches). The ledger "
      "has one entry with count = launches and no work, so the projector charges exactly the "
      "descriptor's launch overhead. `xpubench calibrate` uses it for the host descriptor.";
  info.params = launch_params().schema();
  info.metrics = {{"seconds_per_launch", "s", MetricKind::time, "this step's time / launches"},
                  {"launch_us", "us", MetricKind::time, "median over steps of step time / launches", true}};
  info.capabilities.push_back(CapabilitySpec(Capability::launch_overhead));
  r.add(std::move(info), [] { return std::make_unique<LaunchBench>(); });
}

}  // namespace xpb::micro
