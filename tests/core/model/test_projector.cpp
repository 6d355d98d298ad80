// tests/core/test_projector.cpp — the roofline projector and the alpha-beta collectives.
// Platforms are built in code so each number is known exactly; descriptor loading is tested in
// test_platform.cpp.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include "core/model/collectives.hpp"
#include "core/model/projector.hpp"

using Catch::Approx;

namespace {

xpb::Quantity q(xpb::Range v) {
  xpb::Quantity x;
  x.value = v;
  x.present = true;
  return x;
}

// 100 TFLOP/s bf16 (80–120), 1 TB/s, 1 µs launch, fp8 unsupported, 8 per node.
xpb::Platform toy() {
  xpb::Platform p;
  p.name = "toy";
  for (auto d : xpb::kAllDTypes) p.peak[d].status = xpb::PeakStatus::unknown;
  p.peak[xpb::DType::bf16].status = xpb::PeakStatus::known;
  p.peak[xpb::DType::bf16].flops = q({80e12, 100e12, 120e12});
  p.peak[xpb::DType::fp8].status = xpb::PeakStatus::unsupported;
  p.memory_bandwidth = q(xpb::Range::exact(1e12));
  p.launch_overhead = q(xpb::Range::exact(1e-6));
  p.tdp = q(xpb::Range::exact(400));
  p.devices_per_node = 8;
  p.intra_node.bandwidth_per_direction = q(xpb::Range::exact(100e9));
  p.intra_node.latency = q(xpb::Range::exact(5e-6));
  p.inter_node.bandwidth_per_direction = q(xpb::Range::exact(10e9));
  p.inter_node.latency = q(xpb::Range::exact(10e-6));
  return p;
}

xpb::KernelCost gemm(double flops, double bytes, double count = 1) {
  xpb::KernelCost k;
  k.name = "gemm";
  k.kind = xpb::OpKind::gemm;
  k.dtype = xpb::DType::bf16;
  k.flops = flops;
  k.bytes = bytes;
  k.count = count;
  return k;
}

}  // namespace

TEST_CASE("projector: compute-bound GEMM follows the peak range", "[projector]") {
  const auto p = toy();
  const auto pr = xpb::project({gemm(1e12, 1e6, 2)}, p);
  REQUIRE(pr.ok);
  CHECK(pr.bound == xpb::Bound::compute);
  CHECK(pr.compute_seconds.nominal == Approx(2 * 1e12 / 100e12));
  CHECK(pr.compute_seconds.low == Approx(2 * 1e12 / 120e12));   // low time from the high peak
  CHECK(pr.compute_seconds.high == Approx(2 * 1e12 / 80e12));
  CHECK(pr.launch_seconds.nominal == Approx(2e-6));
  CHECK(pr.step_seconds.nominal == Approx(0.02 + 2e-6));
  CHECK(pr.step_seconds.valid());
  CHECK(pr.energy_joules.nominal == Approx(400 * pr.step_seconds.nominal));
  CHECK(pr.peak_dtype == xpb::DType::bf16);
  CHECK(pr.hfu.nominal == Approx(2e12 / (pr.step_seconds.nominal * 100e12)));
  CHECK(pr.hfu.valid());
}

TEST_CASE("projector: memory-bound kernel and the no-overlap mode", "[projector]") {
  const auto p = toy();
  xpb::KernelCost v = gemm(1e9, 1e10);  // 10 µs of compute, 10 ms of memory
  v.kind = xpb::OpKind::vector;
  auto pr = xpb::project({v}, p);
  REQUIRE(pr.ok);
  CHECK(pr.bound == xpb::Bound::memory);
  CHECK(pr.memory_seconds.nominal == Approx(1e-2));
  xpb::ProjectOptions no;
  no.overlap = false;
  no.include_launch = false;
  pr = xpb::project({v}, p, no);
  CHECK(pr.step_seconds.nominal == Approx(1e-2 + 1e9 / 100e12));
}

TEST_CASE("projector: size-dependent GEMM efficiency applies", "[projector]") {
  auto p = toy();
  xpb::EfficiencyStep small, big;
  small.min_flops = 0, small.efficiency = xpb::Range::exact(0.5);
  big.min_flops = 1e11, big.efficiency = xpb::Range::exact(0.9);
  p.efficiency.gemm = {small, big};
  CHECK(xpb::project({gemm(1e10, 0)}, p).compute_seconds.nominal == Approx(1e10 / (0.5 * 100e12)));
  CHECK(xpb::project({gemm(1e12, 0)}, p).compute_seconds.nominal == Approx(1e12 / (0.9 * 100e12)));
}

TEST_CASE("projector: unknown or unsupported numbers give ok=false, never throw", "[projector]") {
  auto p = toy();
  xpb::KernelCost k = gemm(1e12, 0);
  k.dtype = xpb::DType::fp8;
  auto pr = xpb::project({k}, p);
  CHECK_FALSE(pr.ok);
  CHECK(pr.reason.find("fp8") != std::string::npos);
  CHECK(pr.reason.find("unsupported") != std::string::npos);
  k.dtype = xpb::DType::fp32;
  pr = xpb::project({k}, p);
  CHECK_FALSE(pr.ok);
  CHECK(pr.reason.find("unknown") != std::string::npos);
  p.memory_bandwidth.present = false;
  pr = xpb::project({gemm(0, 1e9)}, p);
  CHECK_FALSE(pr.ok);
  CHECK(pr.step_seconds.nominal == 0);
}

TEST_CASE("collectives: ring all-reduce is the alpha-beta formula", "[projector][collectives]") {
  const auto p = toy();
  const auto net = xpb::network_model(p);
  const double n = 1e9;
  const int r = 8;
  const auto t = xpb::ring_time(xpb::Collective::all_reduce, n, r, net.intra);
  CHECK(t.nominal == Approx(2 * (r - 1) * 5e-6 + 2.0 * (r - 1) / r * n / 100e9));
  const auto ag = xpb::ring_time(xpb::Collective::all_gather, n, r, net.intra);
  CHECK(ag.nominal == Approx((r - 1) * 5e-6 + (r - 1.0) / r * n / 100e9));
  CHECK(xpb::ring_time(xpb::Collective::all_reduce, n, 1, net.intra).nominal == 0);
}

TEST_CASE("collectives: groups beyond a node use the slower inter-node tier", "[projector][collectives]") {
  const auto p = toy();
  const auto net = xpb::network_model(p);
  bool ok = true;
  const double n = 1e9;
  const auto in = xpb::collective_time(xpb::Collective::all_reduce, n, 8, 8, net, ok);
  const auto across = xpb::collective_time(xpb::Collective::all_reduce, n, 64, 8, net, ok);
  REQUIRE(ok);
  // Hierarchical: RS + AG inside (8 ranks) plus all-reduce of n/8 across 8 nodes.
  const double inner = 2 * (7 * 5e-6 + 7.0 / 8 * n / 100e9);
  const double outer = 2 * 7 * 10e-6 + 2 * 7.0 / 8 * (n / 8) / 10e9;
  CHECK(across.nominal == Approx(inner + outer));
  CHECK(across.nominal > in.nominal);
  auto q2 = p;
  q2.inter_node.bandwidth_per_direction.present = false;
  const auto net2 = xpb::network_model(q2);
  xpb::collective_time(xpb::Collective::all_reduce, n, 64, 8, net2, ok);
  CHECK_FALSE(ok);
}

TEST_CASE("projector: collectives in a ledger are communication time", "[projector]") {
  const auto p = toy();
  xpb::KernelCost c;
  c.name = "allreduce";
  c.kind = xpb::OpKind::collective;
  c.collective = xpb::Collective::all_reduce;
  c.collective_bytes = 1e9;
  c.ranks = 4;
  const auto pr = xpb::project({c, gemm(1e12, 0)}, p);
  REQUIRE(pr.ok);
  CHECK(pr.comm_seconds.nominal == Approx(2 * 3 * 5e-6 + 1.5 * 1e9 / 100e9));
  CHECK(pr.kernels.size() == 2);
  CHECK(pr.kernels[0].bound == xpb::Bound::communication);
  CHECK(pr.step_seconds.nominal ==
        Approx(pr.comm_seconds.nominal + pr.compute_seconds.nominal + pr.launch_seconds.nominal));
}

TEST_CASE("projector: utilization pairs the fast time with the high peak", "[projector]") {
  const auto u = xpb::utilization(100, {1, 2, 4}, {10, 20, 25});
  CHECK(u.valid());
  CHECK(u.nominal == Approx(100.0 / 40));
  CHECK(u.high == Approx(100.0 / 25));  // time 1 s at 25 FLOP/s
  CHECK(u.low == Approx(100.0 / 40));
}
