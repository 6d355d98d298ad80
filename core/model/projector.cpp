// core/model/projector.cpp — roofline-with-efficiency projection of a ledger onto a descriptor.
// Total by design: unknown numbers give ok=false and a reason, never an exception, because the
// runner projects every cell onto every platform. Collectives use core/model/collectives.hpp.
#include "core/model/projector.hpp"

#include <algorithm>
#include <array>

#include "core/model/collectives.hpp"

namespace xpb {

std::string_view to_string(Bound b) {
  switch (b) {
    case Bound::compute: return "compute";
    case Bound::memory: return "memory";
    case Bound::communication: return "communication";
    case Bound::launch: return "launch";
    case Bound::unknown: return "unknown";
  }
  return "?";
}

// ------------------------------------------------------------------------------------------------
// Building blocks

bool kernel_time(OpKind kind, DType dtype, double flops, double bytes, const Platform& platform,
                 bool overlap, KernelTime& out, std::string* reason) {
  out = KernelTime{};
  if (flops > 0) {
    auto it = platform.peak.find(dtype);
    if (it == platform.peak.end() || it->second.status != PeakStatus::known ||
        !it->second.flops.present || it->second.flops.value.low <= 0) {
      if (reason) {
        const bool unsupported =
            it != platform.peak.end() && it->second.status == PeakStatus::unsupported;
        *reason = std::string(to_string(dtype)) + " peak is " +
                  (unsupported ? "unsupported" : "unknown") + " on " + platform.name;
      }
      return false;
    }
    Range eff = Range::exact(1.0);
    if (kind == OpKind::gemm) {
      eff = platform.gemm_efficiency(flops, dtype);
    } else if (auto v = platform.vector_efficiency(dtype)) {
      eff = *v;
    }
    if (eff.low <= 0) eff = Range::exact(1.0);
    out.compute = divide(flops, mul(it->second.flops.value, eff));
  }
  if (bytes > 0) {
    if (!platform.memory_bandwidth.present || platform.memory_bandwidth.value.low <= 0) {
      if (reason) *reason = "memory bandwidth is unknown on " + platform.name;
      return false;
    }
    Range eff = platform.efficiency.memory_bandwidth.present
                    ? platform.efficiency.memory_bandwidth.value
                    : Range::exact(1.0);
    out.memory = divide(bytes, mul(platform.memory_bandwidth.value, eff));
  }
  out.total = overlap ? max(out.compute, out.memory) : out.compute + out.memory;
  out.bound = out.compute.nominal >= out.memory.nominal ? Bound::compute : Bound::memory;
  if (flops <= 0 && bytes <= 0) out.bound = Bound::launch;
  return true;
}

Range utilization(double flops, Range seconds, Range peak) {
  auto one = [&](double t, double pk) { return t > 0 && pk > 0 ? flops / (t * pk) : 0.0; };
  std::array<double, 3> v = {one(seconds.low, peak.high), one(seconds.nominal, peak.nominal),
                             one(seconds.high, peak.low)};
  const double nominal = v[1];
  std::sort(v.begin(), v.end());
  return {v[0], nominal, v[2]};
}

// ------------------------------------------------------------------------------------------------
// Public API

Projection project(const Ledger& ledger, const Platform& platform, const ProjectOptions& opt) {
  Projection pr;
  pr.platform = platform.name;
  pr.ok = true;
  pr.flops = total_flops(ledger);
  pr.bytes = total_bytes(ledger);
  pr.kernels.reserve(ledger.size());

  const Range launch = opt.include_launch && platform.launch_overhead.present
                           ? platform.launch_overhead.value
                           : Range{};
  bool have_net = false;
  NetworkModel net;
  auto fail = [&](std::string why) {
    if (pr.ok) pr.reason = std::move(why);  // keep the first reason
    pr.ok = false;
  };

  for (const KernelCost& k : ledger) {
    KernelProjection kp;
    kp.name = k.name;
    const double count = std::max(0.0, k.count);
    if (k.kind == OpKind::collective || k.collective != Collective::none) {
      if (!have_net) net = network_model(platform), have_net = true;
      bool ok = true;
      const int per_node = std::min(k.ranks, std::max(1, platform.devices_per_node));
      Range t = collective_time(k.collective == Collective::none ? Collective::all_reduce
                                                                 : k.collective,
                                k.collective_bytes, k.ranks, per_node, net, ok);
      if (!ok) {
        fail("interconnect bandwidth needed by '" + k.name + "' is unknown on " + platform.name);
        t = {};
      }
      t = t * count;
      kp.seconds = t;
      kp.bound = Bound::communication;
      pr.comm_seconds = pr.comm_seconds + t;
    } else {
      KernelTime kt;
      std::string why;
      if (!kernel_time(k.kind, k.dtype, k.flops, k.bytes, platform, opt.overlap, kt, &why)) {
        fail("kernel '" + k.name + "': " + why);
        kp.bound = Bound::unknown;
      } else {
        kp.bound = kt.bound;
        if (opt.overlap) {
          (kt.bound == Bound::memory ? pr.memory_seconds : pr.compute_seconds) =
              (kt.bound == Bound::memory ? pr.memory_seconds : pr.compute_seconds) +
              kt.total * count;
        } else {
          pr.compute_seconds = pr.compute_seconds + kt.compute * count;
          pr.memory_seconds = pr.memory_seconds + kt.memory * count;
        }
        kp.seconds = kt.total * count;
      }
      const Range l = launch * count;
      pr.launch_seconds = pr.launch_seconds + l;
      kp.seconds = kp.seconds + l;
      if (kp.bound == Bound::launch && !(l.nominal > 0)) kp.bound = Bound::unknown;
    }
    pr.kernels.push_back(std::move(kp));
  }

  pr.step_seconds = pr.compute_seconds + pr.memory_seconds + pr.comm_seconds + pr.launch_seconds;
  if (platform.tdp.present) pr.energy_joules = mul(pr.step_seconds, platform.tdp.value);
  {
    std::array<double, kAllDTypes.size()> by_dtype{};
    for (const KernelCost& k : ledger)
      if (k.kind != OpKind::collective) by_dtype[static_cast<std::size_t>(k.dtype)] += k.flops * std::max(0.0, k.count);
    const auto top = std::max_element(by_dtype.begin(), by_dtype.end()) - by_dtype.begin();
    pr.peak_dtype = kAllDTypes[static_cast<std::size_t>(top)];
    const auto pk = platform.peak.find(pr.peak_dtype);
    if (pr.ok && by_dtype[top] > 0 && pk != platform.peak.end() &&
        pk->second.status == PeakStatus::known && pk->second.flops.present)
      pr.hfu = utilization(by_dtype[top], pr.step_seconds, pk->second.flops.value);
  }

  const std::array<std::pair<double, Bound>, 4> shares = {
      std::pair{pr.compute_seconds.nominal, Bound::compute},
      std::pair{pr.memory_seconds.nominal, Bound::memory},
      std::pair{pr.comm_seconds.nominal, Bound::communication},
      std::pair{pr.launch_seconds.nominal, Bound::launch}};
  double best = 0;
  for (const auto& [t, b] : shares)
    if (t > best) best = t, pr.bound = b;
  if (!pr.ok) {
    // The parts that could be projected stay visible; the total is not a projection.
    pr.bound = Bound::unknown;
    pr.step_seconds = {};
    pr.energy_joules = {};
  }
  return pr;
}

}  // namespace xpb
