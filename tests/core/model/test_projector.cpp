// tests/core/model/test_projector.cpp — the roofline projector and the alpha-beta collectives.
// Platforms are built in code so each number is known exactly; descriptor loading is tested in
// test_platform.cpp. Expected intervals are derived here from the triangular distribution, not
// read back from the code under test.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <cmath>

#include "core/model/collectives.hpp"
#include "core/model/projector.hpp"
#include "core/model/uncertainty.hpp"

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

// The roofline (max of compute and memory time), whatever the constants' processing mode.
xpb::ProjectOptions roofline() {
  xpb::ProjectOptions o;
  o.overlap = true;
  return o;
}

}  // namespace

TEST_CASE("projector: compute-bound GEMM follows the peak range", "[projector]") {
  const auto p = toy();
  const auto pr = xpb::project({gemm(1e12, 1e6, 2)}, p, roofline());
  REQUIRE(pr.ok);
  CHECK(pr.bound == xpb::Bound::compute);
  // Nominal inputs, and the envelope: every input at its fast or slow end.
  CHECK(pr.step.nominal == Approx(0.02 + 2e-6));
  CHECK(pr.step.envelope_low == Approx(2e12 / 120e12 + 2e-6));
  CHECK(pr.step.envelope_high == Approx(2e12 / 80e12 + 2e-6));
  // 5-95 %: time falls as the peak rises, so its 5 % point is the peak's 95 % point of the
  // triangular (80, 100, 120): 120 - sqrt(0.05 * 40 * 20); symmetric, so the median is 100.
  const double peak95 = 120 - std::sqrt(0.05 * 40 * 20), peak5 = 80 + std::sqrt(0.05 * 40 * 20);
  CHECK(pr.step_seconds.low == Approx(2e12 / (peak95 * 1e12) + 2e-6).epsilon(0.01));
  CHECK(pr.step_seconds.high == Approx(2e12 / (peak5 * 1e12) + 2e-6).epsilon(0.01));
  // The sample median's standard error is 1.25 sd/sqrt(n) = 0.3 % of the peak here: 5 of them.
  CHECK(pr.step_seconds.nominal == Approx(0.02 + 2e-6).epsilon(0.015));
  CHECK(pr.step_seconds.valid());
  CHECK(pr.step.samples.size() == 1000);
  CHECK(pr.launch_seconds.nominal == Approx(2e-6));
  CHECK(pr.peak_dtype == xpb::DType::bf16);
  CHECK(pr.hfu.nominal == Approx(2e12 / (0.02 * 100e12)).epsilon(0.01));
  CHECK(pr.hfu.valid());
}

TEST_CASE("projector: the Monte Carlo is reproducible and keyed by its seed", "[projector][uncertainty]") {
  const auto p = toy();
  const auto a = xpb::project({gemm(1e12, 1e6)}, p, roofline());
  const auto b = xpb::project({gemm(1e12, 1e6)}, p, roofline());
  CHECK(a.step.samples == b.step.samples);
  xpb::ProjectOptions o = roofline();
  o.mc.seed = 7;
  const auto c = xpb::project({gemm(1e12, 1e6)}, p, o);
  CHECK(c.step.samples != a.step.samples);
  o.mc.samples = 0;  // nominal inputs only: an exact interval
  const auto d = xpb::project({gemm(1e12, 1e6)}, p, o);
  CHECK(d.step_seconds.low == d.step_seconds.high);
  CHECK(d.step_seconds.nominal == Approx(1e12 / 100e12 + 1e-6));
}

TEST_CASE("projector: memory-bound kernel and the no-overlap mode", "[projector]") {
  const auto p = toy();
  xpb::KernelCost v = gemm(1e9, 1e10);  // 10 µs of compute, 10 ms of memory
  v.kind = xpb::OpKind::vector;
  auto pr = xpb::project({v}, p, roofline());
  REQUIRE(pr.ok);
  CHECK(pr.bound == xpb::Bound::memory);
  CHECK(pr.memory_seconds.nominal == Approx(1e-2));
  xpb::ProjectOptions no;
  no.overlap = false;
  no.include_launch = false;
  pr = xpb::project({v}, p, no);
  CHECK(pr.step_seconds.nominal == Approx(1e-2 + 1e9 / 100e12).epsilon(1e-4));
  CHECK_FALSE(pr.kernel_overlap);
}

// Steps of 1 MiB at 400 GB/s and 4 MiB at 100 GB/s on the toy (whose 1 TB/s memory only serves
// past the last step). 2 MiB is the log midpoint of 1 and 4 MiB, so its bandwidth is the geometric
// mean of 400 and 100 GB/s, 200 GB/s; 1.5 MiB sits log(1.5)/log(4) = 0.2925 of the way there,
// 400 · (1/4)^0.2925 = 266.8 GB/s (worked by hand).
TEST_CASE("projector: a working set between two cache steps gets the bandwidth between them, log-log",
          "[projector]") {
  auto p = toy();
  const double MiB = 1 << 20;
  p.cache_bandwidth = {{1 * MiB, q(xpb::Range::exact(400e9))}, {4 * MiB, q(xpb::Range::exact(100e9))}};
  const xpb::Hardware hw(p, xpb::Scenario::nominal());
  CHECK(hw.stream_bandwidth(0.5 * MiB) == Approx(400e9));  // below the first step: the first
  CHECK(hw.stream_bandwidth(1 * MiB) == Approx(400e9));
  CHECK(hw.stream_bandwidth(1.5 * MiB) == Approx(400e9 * std::pow(0.25, std::log(1.5) / std::log(4.0))));
  CHECK(hw.stream_bandwidth(1.5 * MiB) == Approx(266.8e9).epsilon(1e-3));
  CHECK(hw.stream_bandwidth(2 * MiB) == Approx(200e9));
  CHECK(hw.stream_bandwidth(4 * MiB) == Approx(100e9));
  CHECK(hw.stream_bandwidth(5 * MiB) == Approx(1e12));  // past the last step: the memory
  CHECK(hw.stream_bandwidth(0) == Approx(1e12));        // no working set: the memory
  // A memory-bound kernel of a 2 MiB cell: 1 GB at 200 GB/s.
  xpb::KernelCost v = gemm(0, 1e9);
  v.kind = xpb::OpKind::vector;
  xpb::ProjectOptions o = roofline();
  o.include_launch = false;
  o.working_set = 2 * MiB;
  const auto pr = xpb::project({v}, p, o);
  REQUIRE(pr.ok);
  CHECK(pr.memory_seconds.nominal == Approx(1e9 / 200e9));
}

// Handoff steps of 64 KiB at 20 GB/s and 1 MiB at 50 GB/s next to the cache steps above. A kernel
// of a handoff step (a training cell) whose working set stays in the caches streams at the lower of
// the cache step around the working set and the handoff step around its own bytes: a 64 KiB kernel
// of a 2 MiB cell at min(200, 20) = 20 GB/s; 256 KiB sits log(4)/log(16) = 1/2 of the way from 64
// KiB to 1 MiB, 20 · (50/20)^(1/2) = 31.62 GB/s (worked by hand); 2 MiB is past the last handoff
// step (the cache step's 200 GB/s); a cell of 5 MiB is past the caches (memory). Without handoff,
// or with no handoff steps, the cache steps alone.
TEST_CASE("projector: a training cell's kernels stream at the handoff step around their bytes",
          "[projector]") {
  auto p = toy();
  const double MiB = 1 << 20, KiB = 1 << 10;
  p.cache_bandwidth = {{1 * MiB, q(xpb::Range::exact(400e9))}, {4 * MiB, q(xpb::Range::exact(100e9))}};
  p.handoff_bandwidth = {{64 * KiB, q(xpb::Range::exact(20e9))}, {1 * MiB, q(xpb::Range::exact(50e9))}};
  const xpb::Hardware hw(p, xpb::Scenario::nominal());
  CHECK(hw.kernel_bandwidth(2 * MiB, 64 * KiB, true) == Approx(20e9));
  CHECK(hw.kernel_bandwidth(2 * MiB, 16 * KiB, true) == Approx(20e9));  // below the first: the first
  CHECK(hw.kernel_bandwidth(2 * MiB, 256 * KiB, true) == Approx(31.62e9).epsilon(1e-3));
  CHECK(hw.kernel_bandwidth(2 * MiB, 1 * MiB, true) == Approx(50e9));
  CHECK(hw.kernel_bandwidth(2 * MiB, 2 * MiB, true) == Approx(200e9));    // past the last: the cache step
  CHECK(hw.kernel_bandwidth(5 * MiB, 64 * KiB, true) == Approx(1e12));    // the data leave the caches
  CHECK(hw.kernel_bandwidth(0, 64 * KiB, true) == Approx(1e12));          // no working set: memory
  CHECK(hw.kernel_bandwidth(2 * MiB, 64 * KiB, false) == Approx(200e9));  // not a handoff cell
  // The projection: 64 KiB of a vector kernel in a 2 MiB cell, with and without handoff.
  xpb::KernelCost v = gemm(0, 64 * KiB);
  v.kind = xpb::OpKind::vector;
  xpb::ProjectOptions o = roofline();
  o.include_launch = false;
  o.working_set = 2 * MiB;
  auto pr = xpb::project({v}, p, o);
  REQUIRE(pr.ok);
  CHECK(pr.memory_seconds.nominal == Approx(64 * KiB / 200e9));
  o.handoff = true;
  pr = xpb::project({v}, p, o);
  REQUIRE(pr.ok);
  CHECK(pr.memory_seconds.nominal == Approx(64 * KiB / 20e9));
  p.handoff_bandwidth.clear();  // a descriptor without handoff steps: the cache steps
  pr = xpb::project({v}, p, o);
  REQUIRE(pr.ok);
  CHECK(pr.memory_seconds.nominal == Approx(64 * KiB / 200e9));
}

// Row normalisation (OpKind::norm) runs at efficiency.norm where the descriptor has it, else at
// the vector efficiency. 1 GFLOP of bf16 work at the toy's nominal 100 TFLOP/s: 1e9 / (100e12 ·
// 0.5) = 20 µs at vector 0.5, 1e9 / (100e12 · 0.2) = 50 µs at norm 0.2 (worked by hand; the
// Monte Carlo median of the 80–120 peak sits within 1 % of 100). The same peak draws scale both,
// so their ratio is 0.5 / 0.2 = 2.5 exactly.
TEST_CASE("projector: norm entries use efficiency.norm, and the vector efficiency without it",
          "[projector]") {
  auto p = toy();
  p.efficiency.vector_flops = q(xpb::Range::exact(0.5));
  xpb::KernelCost k = gemm(1e9, 0);
  k.kind = xpb::OpKind::norm;
  xpb::ProjectOptions o = roofline();
  o.include_launch = false;
  auto pr = xpb::project({k}, p, o);
  REQUIRE(pr.ok);
  const double at_vector = pr.compute_seconds.nominal;
  CHECK(at_vector == Approx(20e-6).epsilon(0.01));
  p.efficiency.norm_flops = q(xpb::Range::exact(0.2));
  pr = xpb::project({k}, p, o);
  REQUIRE(pr.ok);
  CHECK(pr.compute_seconds.nominal == Approx(50e-6).epsilon(0.01));
  CHECK(pr.compute_seconds.nominal / at_vector == Approx(2.5));
  k.kind = xpb::OpKind::vector;  // vector work keeps the vector efficiency
  pr = xpb::project({k}, p, o);
  CHECK(pr.compute_seconds.nominal == Approx(at_vector));
}

// A host-to-device copy (OpKind::transfer) of 32 MB: over a 64 GB/s host link 0.5 ms, counted as
// communication, plus the 1 µs launch overhead (a copy is issued as a kernel is); without a host
// link the projection fails and says why; on a host descriptor (1 TB/s memory) the payload is
// read and written once, 64 MB / 1 TB/s = 64 µs of memory time, and no launch.
TEST_CASE("projector: a transfer crosses the host link on an accelerator and is a copy in memory on a host",
          "[projector]") {
  xpb::KernelCost k;
  k.name = "upload";
  k.kind = xpb::OpKind::transfer;
  k.bytes = 32e6;
  xpb::ProjectOptions o = roofline();
  o.mc.samples = 0;
  auto p = toy();
  auto pr = xpb::project({k}, p, o);
  REQUIRE_FALSE(pr.ok);
  CHECK(pr.reason.find("host link") != std::string::npos);
  p.host_link_bandwidth = q(xpb::Range::exact(64e9));
  pr = xpb::project({k}, p, o);
  REQUIRE(pr.ok);
  CHECK(pr.comm_seconds.nominal == Approx(0.5e-3));
  CHECK(pr.memory_seconds.nominal == 0);
  CHECK(pr.launch_seconds.nominal == Approx(1e-6));
  CHECK(pr.step_seconds.nominal == Approx(0.5e-3 + 1e-6));
  p.kind = "host";
  pr = xpb::project({k}, p, o);
  REQUIRE(pr.ok);
  CHECK(pr.memory_seconds.nominal == Approx(64e-6));
  CHECK(pr.comm_seconds.nominal == 0);
  CHECK(pr.launch_seconds.nominal == 0);
  CHECK(pr.step_seconds.nominal == Approx(64e-6));
}

TEST_CASE(
    "projector: without a choice, the constants' processing mode on accelerators, the roofline on hosts",
    "[projector]") {
  // 1 GFLOP at 100 TFLOP/s (10 µs) beside 10 MB at 1 TB/s (10 µs): max 10 µs, sum 20 µs.
  const xpb::Ledger ledger = {gemm(1e9, 1e7)};
  xpb::ProjectOptions o;
  o.include_launch = false;
  o.mc.samples = 0;
  o.use_constants = false;  // no constants: the roofline
  auto pr = xpb::project(ledger, toy(), o);
  CHECK(pr.kernel_overlap);
  CHECK(pr.step_seconds.nominal == Approx(1e-5));

  // The shipped constants (data/model/constants.yaml) choose Calculon's no_overlap.
  const xpb::ModelConstants& c = xpb::default_model_constants();
  REQUIRE_FALSE(c.kernel_overlap);
  CHECK(c.processing_mode() == "no_overlap");
  CHECK(c.processing_mode_source.url.find("calculon") != std::string::npos);
  o.use_constants = true;
  o.constants = &c;
  pr = xpb::project(ledger, toy(), o);
  CHECK_FALSE(pr.kernel_overlap);
  // The constants also add their kernel gap; without launch costs the two times add.
  CHECK(pr.step_seconds.nominal == Approx(2e-5));

  // A host descriptor is measured: it never takes the constants, and keeps the roofline.
  xpb::Platform host = toy();
  host.kind = "host";
  pr = xpb::project(ledger, host, o);
  CHECK(pr.kernel_overlap);
  CHECK(pr.step_seconds.nominal == Approx(1e-5));

  // An explicit choice wins over the constants.
  o.overlap = true;
  pr = xpb::project(ledger, toy(), o);
  CHECK(pr.kernel_overlap);
  CHECK(pr.step_seconds.nominal == Approx(1e-5));
}

TEST_CASE("projector: size-dependent GEMM efficiency applies", "[projector]") {
  auto p = toy();
  xpb::EfficiencyStep small, big;
  small.min_flops = 0, small.efficiency = xpb::Range::exact(0.5);
  big.min_flops = 1e11, big.efficiency = xpb::Range::exact(0.9);
  p.efficiency.gemm = {small, big};
  // Medians over the peak's symmetric triangular range (80, 100, 120).
  CHECK(xpb::project({gemm(1e10, 0)}, p).compute_seconds.nominal ==
        Approx(1e10 / (0.5 * 100e12)).epsilon(0.01));
  CHECK(xpb::project({gemm(1e12, 0)}, p).compute_seconds.nominal ==
        Approx(1e12 / (0.9 * 100e12)).epsilon(0.01));
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
  // A missing number fails every draw as it fails the nominal: no Monte Carlo is run for it (the
  // runner projects every cell onto every platform, an uncalibrated host included).
  CHECK(pr.step.samples.size() <= 1);
  p.memory_bandwidth.present = true;
  pr = xpb::project({gemm(0, 1e9)}, p);
  CHECK(pr.ok);
  CHECK(pr.step.samples.size() == static_cast<std::size_t>(xpb::ProjectOptions{}.mc.samples));
}

TEST_CASE("collectives: ring all-reduce is the alpha-beta formula", "[projector][collectives]") {
  const auto p = toy();
  const auto net = xpb::network_model(p, xpb::Scenario::nominal());
  const double n = 1e9;
  const int r = 8;
  const auto t = xpb::ring_time(xpb::Collective::all_reduce, n, r, net.intra);
  CHECK(t == Approx(2 * (r - 1) * 5e-6 + 2.0 * (r - 1) / r * n / 100e9));
  const auto ag = xpb::ring_time(xpb::Collective::all_gather, n, r, net.intra);
  CHECK(ag == Approx((r - 1) * 5e-6 + (r - 1.0) / r * n / 100e9));
  CHECK(xpb::ring_time(xpb::Collective::all_reduce, n, 1, net.intra) == 0);
}

TEST_CASE("collectives: groups beyond a node use the slower inter-node tier", "[projector][collectives]") {
  const auto p = toy();
  const auto net = xpb::network_model(p, xpb::Scenario::nominal());
  bool ok = true;
  const double n = 1e9;
  const auto in = xpb::collective_time(xpb::Collective::all_reduce, n, 8, 8, net, ok);
  const auto across = xpb::collective_time(xpb::Collective::all_reduce, n, 64, 8, net, ok);
  REQUIRE(ok);
  // Hierarchical: RS + AG inside (8 ranks) plus all-reduce of n/8 across 8 nodes.
  const double inner = 2 * (7 * 5e-6 + 7.0 / 8 * n / 100e9);
  const double outer = 2 * 7 * 10e-6 + 2 * 7.0 / 8 * (n / 8) / 10e9;
  CHECK(across == Approx(inner + outer));
  CHECK(across > in);
  auto q2 = p;
  q2.inter_node.bandwidth_per_direction.present = false;
  const auto net2 = xpb::network_model(q2, xpb::Scenario::nominal());
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
  CHECK(
      pr.step_seconds.nominal ==
      Approx(pr.comm_seconds.nominal + pr.compute_seconds.nominal + pr.launch_seconds.nominal).epsilon(1e-3));
}

TEST_CASE("projector: utilization is useful FLOPs over time and peak", "[projector]") {
  CHECK(xpb::utilization(100, 2, 20) == Approx(100.0 / 40));
  CHECK(xpb::utilization(100, 0, 20) == 0);
}

TEST_CASE("collectives: a deduplicated all-to-all sends less across nodes", "[projector][collectives]") {
  const auto p = toy();
  const auto net = xpb::network_model(p, xpb::Scenario::nominal());
  bool ok = true;
  const double full = xpb::collective_time(xpb::Collective::all_to_all, 1e9, 32, 8, net, ok);
  const double half = xpb::collective_time(xpb::Collective::all_to_all, 1e9, 32, 8, net, ok, 0.5);
  REQUIRE(ok);
  // The inter-node part decides (10 GB/s against 100 inside): (nodes-1) alpha + (32-8)/32 of the bytes.
  CHECK(full == Approx(3 * 10e-6 + 24.0 / 32 * 1e9 / 10e9));
  CHECK(half == Approx(3 * 10e-6 + 0.5 * 24.0 / 32 * 1e9 / 10e9));
}

TEST_CASE("projector: numbers sharing a source are drawn jointly across platforms",
          "[projector][uncertainty]") {
  // Two chips whose GEMM efficiency estimates cite one source: their ratio does not spread.
  auto chip = [](double peak, const char* url) {
    auto p = toy();
    p.peak[xpb::DType::bf16].flops = q(xpb::Range::exact(peak));
    xpb::EfficiencyStep s;
    s.min_flops = 0;
    s.efficiency = {0.2, 0.5, 0.8};
    s.quantity = q(s.efficiency);
    s.quantity.source.url = url;
    p.efficiency.gemm = {s};
    p.launch_overhead = q(xpb::Range::exact(0));
    return p;
  };
  const auto a = xpb::project({gemm(1e12, 0)}, chip(100e12, "https://example.org/shared"));
  const auto b = xpb::project({gemm(1e12, 0)}, chip(150e12, "https://example.org/shared"));
  const auto r = xpb::ratio(a.step, b.step);
  CHECK(r.p5 == Approx(1.5));
  CHECK(r.p95 == Approx(1.5));
  // Different sources: independent draws, a ratio spread by the efficiency range.
  const auto c = xpb::project({gemm(1e12, 0)}, chip(150e12, "https://example.org/other"));
  const auto r2 = xpb::ratio(a.step, c.step);
  CHECK(r2.p95 / r2.p5 > 2.0);
}

TEST_CASE("projector: a measured flash-attention kernel runs at its generation's attention fraction",
          "[projector]") {
  // 1 TFLOP of bf16 attention at 100 TFLOP/s; no GEMM table, so the best GEMM efficiency is 1.
  const xpb::ModelConstants& c = xpb::default_model_constants();
  auto nominal = [&](const char* key) { return c.at(key).quantity.value.nominal; };
  xpb::ProjectOptions o;
  o.include_launch = false;
  o.mc.samples = 0;
  auto seconds = [&](const xpb::Platform& p, xpb::OpKind kind) {
    xpb::KernelCost k = gemm(1e12, 0);
    k.kind = kind;
    const auto pr = xpb::project({k}, p, o);
    REQUIRE(pr.ok);
    return pr.step_seconds.nominal;
  };
  xpb::Platform hopper = toy();
  hopper.name = "nvidia-h20";  // a Hopper chip in the constants' generations: FlashAttention-3
  CHECK(seconds(hopper, xpb::OpKind::attention_fwd) == Approx(0.01 / nominal("attention_flash3_hopper_fwd")));
  CHECK(seconds(hopper, xpb::OpKind::attention_bwd) == Approx(0.01 / nominal("attention_flash3_hopper_bwd")));
  // A chip of no known generation: the span of published kernels.
  CHECK(seconds(toy(), xpb::OpKind::attention_fwd) == Approx(0.01 / nominal("attention_flash_other_fwd")));
  // The same FLOPs charged as a GEMM: the GEMM efficiency.
  CHECK(seconds(toy(), xpb::OpKind::gemm) == Approx(0.01));
  // A fraction in the descriptor (the host's, measured by calibrate) comes first.
  xpb::Platform own = toy();
  own.efficiency.attention_fwd = q(xpb::Range::exact(0.5));
  own.efficiency.attention_bwd = q(xpb::Range::exact(0.25));
  CHECK(seconds(own, xpb::OpKind::attention_fwd) == Approx(0.02));
  CHECK(seconds(own, xpb::OpKind::attention_bwd) == Approx(0.04));
  own.kind = "host";
  CHECK(seconds(own, xpb::OpKind::attention_bwd) == Approx(0.04));
  // A host without one: the GEMM ceiling, as before calibrate measured attention.
  xpb::Platform host = toy();
  host.kind = "host";
  CHECK(seconds(host, xpb::OpKind::attention_fwd) == Approx(0.01));
  // Fractions by operation size replace the single one: the step with the largest min_flops not
  // above the launch's FLOPs applies (1 TFLOP: the 0.5 TFLOP step; 0.4 TFLOP: the first).
  auto step = [&](double min_flops, double e) {
    xpb::EfficiencyStep s;
    s.min_flops = min_flops;
    s.efficiency = xpb::Range::exact(e);
    s.quantity = q(s.efficiency);
    return s;
  };
  own.efficiency.attention_fwd_steps = {step(0, 0.2), step(0.5e12, 0.8), step(2e12, 0.1)};
  CHECK(seconds(own, xpb::OpKind::attention_fwd) == Approx(0.01 / 0.8));
  CHECK(seconds(own, xpb::OpKind::attention_bwd) == Approx(0.04));  // no backward steps: its fraction
  auto at = [&](double flops) {
    xpb::KernelCost k = gemm(flops, 0);
    k.kind = xpb::OpKind::attention_fwd;
    const auto pr = xpb::project({k}, own, o);
    REQUIRE(pr.ok);
    return pr.step_seconds.nominal;
  };
  CHECK(at(0.4e12) == Approx(0.004 / 0.2));
  CHECK(at(3e12) == Approx(0.03 / 0.1));
}
