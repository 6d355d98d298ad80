// tests/calibration/test_calibrate.cpp — host calibration: measures with the workloads that declare
// each capability, writes a host descriptor that loads back with the strict loader, and skips
// capabilities nobody declares. Test-only workloads under names calibration has never heard of
// (a naive GEMM, a copy kernel) are picked by their declared capability alone; the MPI link fit is
// checked on synthetic ring all-reduce times.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "calibration/calibrate.hpp"
#include "core/base/error.hpp"
#include "core/model/projector.hpp"
#include "core/platforms/platform.hpp"
#include "tests/test_support.hpp"
#include "tests/workloads/micro_harness.hpp"
#include "workloads/micro/micro.hpp"
#include "workloads/register_all.hpp"
#include "workloads/stream/stream.hpp"

namespace {

// C = A·B with m=n=k=s, naive Kokkos kernel; ledger 2·s³ FLOPs. Matrices: A, B, C each (s, s).
class ToyGemm final : public xpb::Workload {
 public:
  void setup(const xpb::Params& p, xpb::Context&) override {
    m_s = p.get_int("m");
    m_a = Kokkos::View<double**>("toy/a", m_s, m_s);  // (s, s)
    m_b = Kokkos::View<double**>("toy/b", m_s, m_s);  // (s, s)
    m_c = Kokkos::View<double**>("toy/c", m_s, m_s);  // (s, s)
    Kokkos::deep_copy(m_a, 1.0);
    Kokkos::deep_copy(m_b, 2.0);
  }
  xpb::StepResult step(xpb::Context&) override {
    auto a = m_a, b = m_b, c = m_c;
    const std::int64_t s = m_s;
    Kokkos::parallel_for(
        "toy/gemm", Kokkos::RangePolicy<>(0, s), KOKKOS_LAMBDA(const std::int64_t i) {
          for (std::int64_t j = 0; j < s; ++j) {
            double acc = 0;
            for (std::int64_t k = 0; k < s; ++k) acc += a(i, k) * b(k, j);
            c(i, j) = acc;
          }
        });
    Kokkos::fence();
    return {};
  }
  xpb::Ledger ledger() const override {
    const double s = static_cast<double>(m_s);
    return {{"toy/gemm", xpb::OpKind::gemm, xpb::DType::fp64, 2 * s * s * s, 3 * s * s * 8}};
  }
  xpb::Validation validate(xpb::Context&) override {
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_c);
    return h(0, 0) == 2.0 * static_cast<double>(m_s) ? xpb::Validation::ok("c = 2s")
                                                     : xpb::Validation::fail("wrong product");
  }
  xpb::Metrics finish(xpb::Context&) override { return {}; }

 private:
  std::int64_t m_s = 0;
  Kokkos::View<double**> m_a, m_b, m_c;
};

void register_toy_gemm(xpb::Registry& r) {
  xpb::WorkloadInfo info;
  info.name = "toy_gemm";
  info.summary = "test stand-in for a GEMM micro-benchmark";
  info.params.integer("m", 64, 1, 4096, "rows")
      .integer("n", 64, 1, 4096, "cols")
      .integer("k", 64, 1, 4096, "inner")
      .choice("dtype", "fp64", {"fp64"}, "element type")
      .choice("path", "native", {"native"}, "implementation");
  info.capabilities.push_back(xpb::CapabilitySpec(xpb::Capability::matmul_peak)
                                  .size({"m", "n", "k"})
                                  .dtype("dtype", {xpb::DType::fp64})
                                  .variant("path", {"native"}));
  r.add(std::move(info), [] { return std::make_unique<ToyGemm>(); });
}

// b = a over `elements` doubles, one kernel per step; ledger 16 bytes per element. No per-kernel
// times, so calibration measures it by whole steps. With `pause` each step also sleeps that long
// (a workload that is slow for a known reason).
class CopyOnly final : public xpb::Workload {
 public:
  explicit CopyOnly(std::chrono::milliseconds pause) : m_pause(pause) {}
  void setup(const xpb::Params& p, xpb::Context&) override {
    m_n = p.get_int("elements");
    m_a = Kokkos::View<double*>("copy_only/a", m_n);  // (n)
    m_b = Kokkos::View<double*>("copy_only/b", m_n);  // (n)
    Kokkos::deep_copy(m_a, 3.0);
  }
  xpb::StepResult step(xpb::Context&) override {
    auto a = m_a, b = m_b;
    Kokkos::parallel_for(
        "copy_only/copy", m_n, KOKKOS_LAMBDA(const std::int64_t i) { b(i) = a(i); });
    Kokkos::fence();
    std::this_thread::sleep_for(m_pause);
    return {};
  }
  xpb::Ledger ledger() const override {
    const double n = static_cast<double>(m_n);
    return {{"copy_only/copy", xpb::OpKind::vector, xpb::DType::fp64, 0, 16 * n}};
  }
  xpb::Validation validate(xpb::Context&) override {
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_b);
    return h(m_n - 1) == 3.0 ? xpb::Validation::ok("b = a") : xpb::Validation::fail("b != a");
  }
  xpb::Metrics finish(xpb::Context&) override { return {}; }

 private:
  std::chrono::milliseconds m_pause;
  std::int64_t m_n = 0;
  Kokkos::View<double*> m_a, m_b;
};

void register_copy_only(xpb::Registry& r, const std::string& name = "copy_only",
                        std::chrono::milliseconds pause = std::chrono::milliseconds(0)) {
  xpb::WorkloadInfo info;
  info.name = name;
  info.summary = "test-only copy kernel declaring memory_bandwidth";
  info.params.integer("elements", 1024, 1, 1LL << 30, "doubles per array");
  info.capabilities.push_back(
      xpb::CapabilitySpec(xpb::Capability::memory_bandwidth).size({"elements"}).dtype({xpb::DType::fp64}));
  r.add(std::move(info), [pause] { return std::make_unique<CopyOnly>(pause); });
}

// "<kernel> best X GB/s" lines of the calibration log, in order.
std::vector<double> best_bandwidths(const std::vector<std::string>& log) {
  std::vector<double> out;
  const std::regex re(R"(^  \S+ best ([0-9.]+) GB/s)");
  for (const auto& l : log)
    if (std::smatch m; std::regex_search(l, m, re)) out.push_back(std::stod(m[1]) * 1e9);
  return out;
}

}  // namespace

TEST_CASE("calibrate with stream only writes a loadable host descriptor", "[calibrate]") {
  xpb::Registry reg;
  xpb::workloads::register_stream(reg);
  xpb::CalibrateOptions opt;
  opt.quick = true;
  opt.command = "xpb_tests calibrate";
  const xpb::HostMeasurements m = xpb::calibrate_host(reg, opt);
  REQUIRE(m.memory_bandwidth);
  CHECK(m.memory_bandwidth->value.nominal > 1e8);  // > 0.1 GB/s on anything
  CHECK(m.memory_bandwidth->value.valid());
  CHECK(m.peak.empty());
  bool gemm_skipped = false;
  for (const auto& s : m.skipped) gemm_skipped = gemm_skipped || s.find("gemm") != std::string::npos;
  CHECK(gemm_skipped);

  xpb::test::TempDir dir;
  const std::string path = dir.file("host.yaml");
  std::ofstream(path) << xpb::host_descriptor_yaml(xpb::detect_host(), m);
  const xpb::Platform p = xpb::load_platform_file(path);
  CHECK(p.kind == "host");
  CHECK(p.memory_bandwidth.present);
  CHECK(p.memory_bandwidth.confidence == xpb::Confidence::measured);
  CHECK(p.memory_bandwidth.value.nominal ==
        Catch::Approx(m.memory_bandwidth->value.nominal).epsilon(1e-5));  // 6 digits
  CHECK(p.efficiency.memory_bandwidth.present);
  CHECK(p.provenance.count("git_commit") == 1);
  CHECK(p.provenance.at("command") == "xpb_tests calibrate");
  CHECK(p.peak.at(xpb::DType::fp32).status == xpb::PeakStatus::unknown);
  CHECK(p.memory_bandwidth.source.title.find("xpubench") != std::string::npos);
}

// A flash-attention stand-in declaring attention_efficiency: no work, and it reports the forward
// and backward times it is told (1 and 4 ms) for a ledger of 1 MFLOP forward and 2.5 backward (1
// and 0.625 GFLOP/s: well inside (0.001, 1] of any host's GEMM ceiling), so the fractions
// calibration derives are known exactly once the GEMM ceiling is read back.
// A stand-in that does no work: each step reports the kernel times it was given; m_size is its
// size parameter's value.
class TimedStandIn : public xpb::Workload {
 public:
  TimedStandIn(std::string size, std::vector<std::pair<std::string, double>> times)
      : m_param(std::move(size)), m_times(std::move(times)) {}
  void setup(const xpb::Params& p, xpb::Context&) override { m_size = p.get_int(m_param); }
  xpb::StepResult step(xpb::Context&) override {
    xpb::StepResult r;
    for (const auto& [k, v] : m_times) r.value(k, v);
    return r;
  }
  xpb::Validation validate(xpb::Context&) override { return xpb::Validation::ok("nothing to check"); }
  xpb::Metrics finish(xpb::Context&) override { return {}; }

 protected:
  std::int64_t m_size = 0;

 private:
  std::string m_param;
  std::vector<std::pair<std::string, double>> m_times;
};

class ToyAttention final : public TimedStandIn {
 public:
  ToyAttention() : TimedStandIn("seq", {{"fwd_seconds", 1e-3}, {"bwd_seconds", 4e-3}}) {}
  xpb::Ledger ledger() const override {
    const double f = 1e6 * double(m_size) / 128;
    return {{"toy_attention/fwd", xpb::OpKind::attention_fwd, xpb::DType::fp32, f, 0},
            {"toy_attention/bwd", xpb::OpKind::attention_bwd, xpb::DType::fp32, 2.5 * f, 0}};
  }
};

// The host descriptor a quick calibration writes with stream and gemm (the memory bandwidth and
// the fp32 ceiling) and the stand-in W as `name`: an fp32 workload whose integer parameter `size`
// carries the capability's size.
template <class W>
xpb::Platform calibrated_with_standin(const std::string& name, const std::string& size,
                                      xpb::CapabilitySpec cap, decltype(xpb::WorkloadInfo::metrics) metrics) {
  xpb::Registry reg;
  xpb::workloads::register_stream(reg);
  xpb::micro::register_micro_gemm(reg);
  xpb::WorkloadInfo info;
  info.name = name;
  info.summary = "test stand-in declaring " + std::string(xpb::to_string(cap.capability));
  info.params.integer(size, 128, 1, 1 << 20, "size").choice("dtype", "fp32", {"fp32"}, "element type");
  info.metrics = std::move(metrics);
  info.capabilities.push_back(cap.size({size}).dtype("dtype", {xpb::DType::fp32}));
  reg.add(std::move(info), [] { return std::make_unique<W>(); });
  xpb::CalibrateOptions opt;
  opt.quick = true;
  const xpb::HostMeasurements m = xpb::calibrate_host(reg, opt);
  return xpb::load_platform_text(xpb::host_descriptor_yaml(xpb::detect_host(), m), "calibrated.yaml");
}

TEST_CASE("calibrate measures the attention fractions of the GEMM ceiling with any workload declaring them",
          "[calibrate]") {
  const xpb::Platform p = calibrated_with_standin<ToyAttention>(
      "toy_attention", "seq", xpb::CapabilitySpec(xpb::Capability::attention_efficiency),
      {{"fwd_seconds", "s", xpb::MetricKind::time, "forward", true},
       {"bwd_seconds", "s", xpb::MetricKind::time, "backward", true}});
  REQUIRE(p.peak_flops(xpb::DType::fp32));
  REQUIRE_FALSE(p.efficiency.gemm.empty());
  REQUIRE(p.efficiency.attention_fwd.present);
  REQUIRE(p.efficiency.attention_bwd.present);
  // The ceiling the projector applies to the largest GEMMs: fp32 peak x the last step.
  const double ceiling =
      p.peak_flops(xpb::DType::fp32)->nominal * p.efficiency.gemm.back().efficiency.nominal;
  // Quick calibration runs seq = 128: 1 MFLOP in 1 ms forward, 2.5 MFLOP in 4 ms backward.
  const double fwd = 1e9 / ceiling, bwd = 2.5e6 / 4e-3 / ceiling;
  REQUIRE(fwd < 1);
  CHECK(p.efficiency.attention_fwd.value.nominal == Catch::Approx(fwd).epsilon(1e-4));
  CHECK(p.efficiency.attention_bwd.value.nominal == Catch::Approx(bwd).epsilon(1e-4));
  CHECK(p.efficiency.attention_fwd.confidence == xpb::Confidence::measured);
  CHECK(p.efficiency.attention_fwd.note.find("toy_attention fp32 seq=128") != std::string::npos);
  // By size: quick calibration runs seq = 64 then 128 (0.5 and 1 MFLOP forward, 1.25 and 2.5
  // backward, in the same 1 and 4 ms); the first step starts at 0, the second at one launch's FLOPs.
  REQUIRE(p.efficiency.attention_fwd_steps.size() == 2);
  REQUIRE(p.efficiency.attention_bwd_steps.size() == 2);
  CHECK(p.efficiency.attention_fwd_steps[0].min_flops == 0);
  CHECK(p.efficiency.attention_fwd_steps[0].efficiency.nominal == Catch::Approx(fwd / 2).epsilon(1e-4));
  CHECK(p.efficiency.attention_fwd_steps[1].min_flops == Catch::Approx(1e6));
  CHECK(p.efficiency.attention_fwd_steps[1].efficiency.nominal == Catch::Approx(fwd).epsilon(1e-4));
  // Calibration keeps fractions at or above 1e-3: the stand-in's 1.25 MFLOP in 4 ms is below it
  // wherever the GEMM ceiling passes 312.5 GFLOP/s (2 cores of this Xeon, on a fast day).
  CHECK(p.efficiency.attention_bwd_steps[0].efficiency.nominal ==
        Catch::Approx(std::clamp(bwd / 2, 1e-3, 1.0)).epsilon(1e-4));
  CHECK(p.efficiency.attention_bwd_steps[1].min_flops == Catch::Approx(2.5e6));
  CHECK(p.efficiency.attention_fwd_steps[0].quantity.note.find("seq=64") != std::string::npos);
}

// An element-wise stand-in declaring vector_efficiency: no work; its "fwd" takes the 2 ms it is
// told, for 2 MFLOP charged and 6 MFLOP as run (per 1024 columns): 3 GFLOP/s as run.
class ToyVector final : public TimedStandIn {
 public:
  ToyVector() : TimedStandIn("cols", {{"fwd_seconds", 2e-3}}) {}
  xpb::Ledger ledger() const override { return with_flops(2e6); }
  xpb::Ledger ledger_as_run() const override { return with_flops(6e6); }

 private:
  xpb::Ledger with_flops(double f) const {
    return {{"toy_vector/other", xpb::OpKind::vector, xpb::DType::fp32, 1e9, 0},
            {"toy_vector/fwd", xpb::OpKind::vector, xpb::DType::fp32, f * double(m_size) / 1024, 0}};
  }
};

TEST_CASE("calibrate measures the element-wise efficiency from the ledger as run of the declared kernel",
          "[calibrate]") {
  const xpb::Platform p = calibrated_with_standin<ToyVector>(
      "toy_vector", "cols", xpb::CapabilitySpec(xpb::Capability::vector_efficiency).headline_kernel("fwd"),
      {{"fwd_seconds", "s", xpb::MetricKind::time, "forward", true}});
  REQUIRE(p.peak_flops(xpb::DType::fp32));
  REQUIRE(p.efficiency.vector_flops.present);
  // No launch workload here: nothing taken off. 6 MFLOP as run in 2 ms over the fp32 peak (the
  // charged 2 MFLOP would give a third of it; the other entry's 1 GFLOP would exceed 1).
  const double expect = 6e6 / 2e-3 / p.peak_flops(xpb::DType::fp32)->nominal;
  REQUIRE(expect < 1);
  CHECK(p.efficiency.vector_flops.value.nominal == Catch::Approx(expect).epsilon(1e-4));
  CHECK(p.efficiency.vector_flops.confidence == xpb::Confidence::measured);
  CHECK(p.efficiency.vector_flops.note.find("toy_vector fp32 cols=1024") != std::string::npos);
}

// A row-normalisation stand-in declaring norm_efficiency: its kernel "ln_fwd" is timed by the value
// "fwd_seconds" (2 ms), as the layernorm workload's is.
class ToyNorm final : public TimedStandIn {
 public:
  ToyNorm() : TimedStandIn("channels", {{"fwd_seconds", 2e-3}}) {}
  xpb::Ledger ledger() const override {
    return {{"toy_norm/ln_fwd", xpb::OpKind::norm, xpb::DType::fp32, 3e6 * double(m_size) / 1024, 0}};
  }
};

TEST_CASE("calibrate measures the row-normalisation efficiency into efficiency.norm, apart from vector",
          "[calibrate]") {
  const xpb::Platform p = calibrated_with_standin<ToyNorm>(
      "toy_norm", "channels",
      xpb::CapabilitySpec(xpb::Capability::norm_efficiency).headline_kernel("ln_fwd").timed_by("fwd_seconds"),
      {{"fwd_seconds", "s", xpb::MetricKind::time, "forward", true}});
  REQUIRE(p.peak_flops(xpb::DType::fp32));
  REQUIRE(p.efficiency.norm_flops.present);
  CHECK_FALSE(p.efficiency.vector_flops.present);  // nothing declared vector_efficiency
  // 3 MFLOP in 2 ms over the fp32 peak, nothing taken off (no launch workload).
  const double expect = 3e6 / 2e-3 / p.peak_flops(xpb::DType::fp32)->nominal;
  REQUIRE(expect < 1);
  CHECK(p.efficiency.norm_flops.value.nominal == Catch::Approx(expect).epsilon(1e-4));
  CHECK(p.efficiency.norm_flops.confidence == xpb::Confidence::measured);
  CHECK(p.efficiency.norm_flops.note.find("ln_fwd FLOPs as run / fwd_seconds") != std::string::npos);
}

TEST_CASE("calibrate measures GEMM ceilings and an efficiency table when gemm exists", "[calibrate]") {
  xpb::Registry reg;
  xpb::workloads::register_stream(reg);
  register_toy_gemm(reg);
  xpb::CalibrateOptions opt;
  opt.quick = true;
  const xpb::HostMeasurements m = xpb::calibrate_host(reg, opt);
  REQUIRE(m.peak.count(xpb::DType::fp64) == 1);
  CHECK(m.peak.at(xpb::DType::fp64).value.nominal > 1e6);
  // Found by its capability: a name calibration does not know, described in the method line.
  CHECK(m.peak.at(xpb::DType::fp64).method.rfind("toy_gemm fp64 path=native m=n=k=", 0) == 0);
  CHECK(m.peak.count(xpb::DType::fp32) == 0);  // it declares fp64 only

  const xpb::Platform p =
      xpb::load_platform_text(xpb::host_descriptor_yaml(xpb::detect_host(), m), "calibrated.yaml");
  CHECK(p.name == "calibrated");
  CHECK(p.peak_flops(xpb::DType::fp64));
  CHECK(p.peak.at(xpb::DType::fp64).flops.confidence == xpb::Confidence::measured);
  CHECK(p.ridge_point(xpb::DType::fp64));
  CHECK(p.worst_confidence() == xpb::Confidence::official);  // OS facts; the rest measured
}

TEST_CASE("calibrate measures bandwidth with any workload that declares it", "[calibrate]") {
  xpb::Registry reg;
  register_copy_only(reg);
  xpb::CalibrateOptions opt;
  opt.quick = true;
  std::vector<std::string> log;
  opt.log = [&log](const std::string& s) { log.push_back(s); };
  const xpb::HostMeasurements alone = xpb::calibrate_host(reg, opt);
  REQUIRE(alone.memory_bandwidth);
  CHECK(alone.memory_bandwidth->method.rfind("copy_only step, fp64, elements=2^22, 4 steps", 0) == 0);
  CHECK(alone.memory_bandwidth->value.nominal > 1e8);
  CHECK(alone.memory_bandwidth->value.valid());
  // The capabilities nobody declares are listed, by capability.
  std::string skipped;
  for (const auto& s : alone.skipped) skipped += s + "\n";
  CHECK(skipped.find("matmul_peak (gemm ceilings and efficiency table): not built") != std::string::npos);
  CHECK(skipped.find("launch_overhead (kernel launch overhead): not built") != std::string::npos);

  // Three declare it: all run, and the highest best bandwidth is kept, wherever it comes in the
  // (name) order. The copies before and after stream sleep 100 ms per step: at most
  // 64 MiB / 0.1 s = 0.67 GB/s, so neither the first nor the last run is the best one.
  xpb::Registry three;
  register_copy_only(three, "a_slow_copy", std::chrono::milliseconds(100));
  xpb::workloads::register_stream(three);
  register_copy_only(three, "z_slow_copy", std::chrono::milliseconds(100));
  log.clear();
  const xpb::HostMeasurements best = xpb::calibrate_host(three, opt);
  const std::vector<double> tops = best_bandwidths(log);
  REQUIRE(tops.size() == 3);
  REQUIRE(best.memory_bandwidth);
  CHECK(best.memory_bandwidth->value.nominal ==
        Catch::Approx(*std::max_element(tops.begin(), tops.end())).margin(1e3));  // log: 6 decimals of GB/s
  CHECK(tops[1] > std::max(tops[0], tops[2]));
  CHECK(best.memory_bandwidth->method.rfind("stream triad, fp64, n=2^22, 4 steps", 0) == 0);
}

TEST_CASE("describe_host text is itself a valid descriptor", "[calibrate]") {
  const std::string text = xpb::host_descriptor_yaml(xpb::detect_host(), {});
  const xpb::Platform p = xpb::load_platform_text(text, "host.yaml");
  CHECK(p.kind == "host");
  CHECK(!p.memory_bandwidth.present);
  CHECK(p.unknown.count("memory.bandwidth") == 1);
}

TEST_CASE("calibrate with every compiled-in workload loads back", "[calibrate]") {
  xpb::Registry reg;
  xpb::workloads::register_all(reg);
  xpb::CalibrateOptions opt;
  opt.quick = true;
  const xpb::HostMeasurements m = xpb::calibrate_host(reg, opt);
  for (const auto& s : m.skipped) CHECK(s.find("not built") != std::string::npos);  // none failed
  xpb::test::TempDir dir;
  const std::string path = dir.file("full.yaml");
  std::ofstream(path) << xpb::host_descriptor_yaml(xpb::detect_host(), m, "full");
  const xpb::Platform p = xpb::load_platform_file(path);
  CHECK(p.warnings.empty());
  CHECK(p.memory_bandwidth.present);
  if (reg.has("gemm")) {
    CHECK(p.peak_flops(xpb::DType::fp32));
    CHECK(!p.efficiency.gemm.empty());
  }
  if (reg.has("launch")) CHECK(p.launch_overhead.present);
  if (reg.has("attention")) {
    REQUIRE(p.efficiency.attention_fwd.present);
    REQUIRE(p.efficiency.attention_bwd.present);
    for (const xpb::Quantity* q : {&p.efficiency.attention_fwd, &p.efficiency.attention_bwd}) {
      CHECK(q->value.nominal > 0);
      CHECK(q->value.nominal <= 1);
      CHECK(q->value.low <= q->value.nominal);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// The MPI link fit: synthetic ring all-reduce times t = 2(p−1)·alpha + 2(p−1)/p · bytes / B.

namespace {

std::vector<xpb::LinkSample> synthetic_link(int p, double alpha, double bw, double median_factor) {
  std::vector<xpb::LinkSample> s;
  for (double bytes = 4096; bytes <= 64.0 * 1048576; bytes *= 4) {
    const double t = 2 * (p - 1) * alpha + 2.0 * (p - 1) / p * bytes / bw;
    s.push_back({p, bytes, t, t * median_factor, 10});
  }
  return s;
}

}  // namespace

TEST_CASE("calibrate link fit recovers alpha and bandwidth from exact ring times", "[calibrate][link]") {
  for (int p : {2, 3, 8}) {
    const auto s = synthetic_link(p, 3.5e-6, 7.25e9, 1.0);
    const xpb::LinkFit f = xpb::fit_ring_allreduce(s);
    CHECK(f.alpha == Catch::Approx(3.5e-6).epsilon(1e-9));
    CHECK(f.bandwidth == Catch::Approx(7.25e9).epsilon(1e-9));
    CHECK(f.max_rel_error < 1e-9);
    CHECK(!f.alpha_clamped);
  }
  // Two sizes are enough.
  const auto all = synthetic_link(2, 1e-5, 2e9, 1.0);
  const xpb::LinkFit two = xpb::fit_ring_allreduce({all[0], all[3]});
  CHECK(two.alpha == Catch::Approx(1e-5).epsilon(1e-9));
  CHECK(two.bandwidth == Catch::Approx(2e9).epsilon(1e-9));
}

TEST_CASE("calibrate link fit clamps a negative alpha and refits the bandwidth", "[calibrate][link]") {
  // Times slightly below pure bandwidth at the small end: the free fit would give alpha < 0.
  auto s = synthetic_link(2, 0, 5e9, 1.0);
  for (auto& x : s) x.best_seconds = x.median_seconds = x.best_seconds * (x.bytes < 1e5 ? 0.7 : 1.0);
  const xpb::LinkFit f = xpb::fit_ring_allreduce(s);
  CHECK(f.alpha_clamped);
  CHECK(f.alpha == 0);
  CHECK(f.bandwidth > 4e9);
  CHECK(f.bandwidth < 8e9);
  CHECK(f.max_rel_error > 0.1);
}

TEST_CASE("calibrate link fit refuses one size and non-positive times", "[calibrate][link]") {
  auto s = synthetic_link(2, 1e-6, 1e9, 1.0);
  CHECK_THROWS_AS(xpb::fit_ring_allreduce({s[0]}), xpb::Error);
  CHECK_THROWS_AS(xpb::fit_ring_allreduce({s[0], s[0]}), xpb::Error);
  s[1].best_seconds = 0;
  CHECK_THROWS_AS(xpb::fit_ring_allreduce(s), xpb::Error);
}

TEST_CASE("calibrate link ranges: nominal from best times, the other end from median times",
          "[calibrate][link]") {
  xpb::Registry reg;
  xpb::workloads::register_all(reg);
  const auto label = xpb::link_workload_label(reg);  // the workload declaring collective_link
  REQUIRE(label);
  CHECK(*label == "allreduce impl=ring");
  const auto s = synthetic_link(2, 4e-6, 6e9, 1.25);  // median 25% slower at every size
  const xpb::MeasuredLink l = xpb::link_from_samples(s, *label);
  CHECK(l.ranks == 2);
  CHECK(l.bandwidth.nominal == Catch::Approx(6e9).epsilon(1e-9));
  CHECK(l.bandwidth.low == Catch::Approx(6e9 / 1.25).epsilon(1e-9));
  CHECK(l.bandwidth.high == l.bandwidth.nominal);
  REQUIRE(l.latency);
  CHECK(l.latency->nominal == Catch::Approx(4e-6).epsilon(1e-9));
  CHECK(l.latency->high == Catch::Approx(5e-6).epsilon(1e-9));
  CHECK(l.method.find("allreduce impl=ring") != std::string::npos);
  CHECK(l.method.find("4 KiB .. 64 MiB") != std::string::npos);
}

// Quick link runs measured on this project's 2-core VM with four busy loops beside the two ranks
// (`mpirun -n 2 xpubench calibrate-link --quick`, 10 runs): an undisturbed one, and the same sizes
// where one rank was descheduled through every repetition of one size (a ~24 ms scheduler slice).
TEST_CASE("calibrate link: a size swamped by a scheduler slice marks the run as disturbed",
          "[calibrate][link]") {
  auto parse = [](const std::vector<std::string>& lines) {
    std::vector<xpb::LinkSample> out;
    for (const auto& l : lines) {
      const auto s = xpb::parse_link_sample_line(l);
      REQUIRE(s);
      out.push_back(*s);
    }
    return out;
  };
  const std::vector<std::string> clean = {
      "xpb-link ranks=2 bytes=16384 best_seconds=1.3005e-05 median_seconds=1.4036e-05 repeats=5",
      "xpb-link ranks=2 bytes=65536 best_seconds=1.7814e-05 median_seconds=2.3394e-05 repeats=5",
      "xpb-link ranks=2 bytes=262144 best_seconds=3.686e-05 median_seconds=3.8484e-05 repeats=5",
      "xpb-link ranks=2 bytes=1048576 best_seconds=0.000142721 median_seconds=0.000168041 repeats=5",
      "xpb-link ranks=2 bytes=4194304 best_seconds=0.000609832 median_seconds=0.000854098 repeats=5"};
  const xpb::MeasuredLink ok = xpb::link_from_samples(parse(clean), "allreduce impl=ring");
  CHECK(!xpb::link_disturbed(ok));
  CHECK(ok.bandwidth.nominal > 4e9);  // 2(p-1)/p * 4 MiB / 0.61 ms = 6.9 GB/s, less the latency
  CHECK(ok.bandwidth.nominal < 1e10);

  // Each swamped size as measured (16 KiB, 256 KiB, 4 MiB), and the two smallest sizes swamped at
  // once. Either the fit misses the swamped size by ~100 % or it gives no bandwidth at all (an
  // Error): calibrate runs the child again in both cases.
  auto disturbed = [&](const std::vector<xpb::LinkSample>& samples) {
    try {
      return xpb::link_disturbed(xpb::link_from_samples(samples, "allreduce impl=ring"));
    } catch (const xpb::Error&) {
      return true;
    }
  };
  const std::vector<std::pair<std::size_t, std::string>> swamped = {
      {0, "xpb-link ranks=2 bytes=16384 best_seconds=0.023940556 median_seconds=0.024001824 repeats=5"},
      {2, "xpb-link ranks=2 bytes=262144 best_seconds=0.024012513 median_seconds=0.024022383 repeats=5"},
      {4, "xpb-link ranks=2 bytes=4194304 best_seconds=0.024294311 median_seconds=0.024321112 repeats=5"}};
  for (const auto& [at, line] : swamped) {
    auto lines = clean;
    lines[at] = line;
    INFO(line);
    CHECK(disturbed(parse(lines)));
  }
  auto two = parse(clean);
  two[0].best_seconds = two[0].median_seconds = 0.024;
  two[1].best_seconds = two[1].median_seconds = 0.024;
  CHECK(disturbed(two));
}

TEST_CASE("calibrate xpb-link lines round-trip and junk is not a sample", "[calibrate][link]") {
  const xpb::LinkSample s{2, 1048576, 1.234567891e-4, 2.5e-4, 15};
  const auto back = xpb::parse_link_sample_line(xpb::link_sample_line(s));
  REQUIRE(back);
  CHECK(back->ranks == 2);
  CHECK(back->bytes == 1048576);
  CHECK(back->best_seconds == Catch::Approx(1.234567891e-4).epsilon(1e-8));
  CHECK(back->median_seconds == Catch::Approx(2.5e-4));
  CHECK(back->repeats == 15);
  CHECK(!xpb::parse_link_sample_line("calibrate-link: allreduce ring 2^12 B"));
  CHECK(
      !xpb::parse_link_sample_line("xpb-link ranks=1 bytes=4096 best_seconds=1 median_seconds=1 repeats=1"));
  CHECK(!xpb::parse_link_sample_line(xpb::link_sample_line(s) + " extra"));
}

TEST_CASE("calibrate writes a measured link as intra_node with MPI ranks as devices", "[calibrate][link]") {
  xpb::HostMeasurements m;
  m.provenance = {{"tool", "xpubench test"},
                  {"git_commit", "abc"},
                  {"date", "2025-01-01T00:00:00Z"},
                  {"command", "xpb_tests"},
                  {"kokkos", "4.0 OpenMP, 2 threads"}};
  m.link = xpb::link_from_samples(synthetic_link(2, 4e-6, 6e9, 1.25), "test link");
  const xpb::HostFacts facts = xpb::detect_host();
  const xpb::Platform p = xpb::load_platform_text(xpb::host_descriptor_yaml(facts, m), "host.yaml");
  CHECK(p.intra_node.name == "MPI over shared memory");
  CHECK(p.devices_per_node == facts.logical_cpus);
  REQUIRE(p.intra_node.bandwidth_per_direction.present);
  CHECK(p.intra_node.bandwidth_per_direction.confidence == xpb::Confidence::measured);
  CHECK(p.intra_node.bandwidth_per_direction.value.nominal == Catch::Approx(6e9).epsilon(1e-5));
  REQUIRE(p.intra_node.latency.present);
  CHECK(p.intra_node.latency.value.nominal == Catch::Approx(4e-6).epsilon(1e-5));

  // Not measured: one device, and the reason is kept.
  xpb::HostMeasurements none;
  none.provenance = m.provenance;
  none.link_not_measured = "no mpirun in PATH";
  const xpb::Platform q = xpb::load_platform_text(xpb::host_descriptor_yaml(facts, none), "host.yaml");
  CHECK(q.devices_per_node == 1);
  CHECK(!q.intra_node.bandwidth_per_direction.present);
  CHECK(q.devices_per_node_quantity.note.find("no mpirun in PATH") != std::string::npos);
}

// A STREAM stand-in declaring memory_bandwidth with the headline kernel triad: it allocates the
// three arrays as one view of 3n doubles and three scalars (a working set of 24n + 24 bytes,
// which 6 significant digits of MiB round down at n = 2^17: 3.0000229 MiB) and reports triad
// times it is told, from a bandwidth of 200 GB/s up to n = 2^17 (3 MiB) and 50 GB/s above. With
// no launch workload registered there is no launch overhead to take off, so the cache steps
// calibration derives are known exactly.
class ToyTriad final : public xpb::Workload {
 public:
  static double bandwidth(std::int64_t n) { return n <= (std::int64_t(1) << 17) ? 200e9 : 50e9; }
  // With handoff (the handoff test below): 20 GB/s up to n = 2^12, 40 GB/s above.
  static double handoff_bandwidth(std::int64_t n) { return n <= (std::int64_t(1) << 12) ? 20e9 : 40e9; }
  void setup(const xpb::Params& p, xpb::Context&) override {
    m_n = p.get_int("n");
    m_handoff = p.has("handoff") && p.get_bool("handoff");
    m_abc = Kokkos::View<double*>("toy_triad/abc", 3 * m_n);    // (3n): a, b, c
    m_scalars = Kokkos::View<double*>("toy_triad/scalars", 3);  // (3)
  }
  xpb::StepResult step(xpb::Context&) override {
    xpb::StepResult r;
    r.value("triad_seconds", 24.0 * double(m_n) / (m_handoff ? handoff_bandwidth(m_n) : bandwidth(m_n)));
    return r;
  }
  xpb::Ledger ledger() const override {
    return {
        {"toy_triad/triad", xpb::OpKind::vector, xpb::DType::fp64, 2.0 * double(m_n), 24.0 * double(m_n)}};
  }
  xpb::Validation validate(xpb::Context&) override { return xpb::Validation::ok("nothing to check"); }
  xpb::Metrics finish(xpb::Context&) override { return {}; }

 private:
  std::int64_t m_n = 0;
  bool m_handoff = false;
  Kokkos::View<double*> m_abc, m_scalars;
};

// The toy's declaration: memory_bandwidth from triad (and a handoff parameter, off by default).
static xpb::WorkloadInfo toy_triad_info() {
  xpb::WorkloadInfo info;
  info.name = "toy_triad";
  info.summary = "test stand-in for STREAM";
  info.params.integer("n", 1024, 1, 1LL << 30, "doubles per array")
      .choice("dtype", "fp64", {"fp64"}, "type")
      .boolean("handoff", false, "triad on data another thread wrote");
  info.metrics = {{"triad_seconds", "s", xpb::MetricKind::time, "triad", true}};
  info.capabilities.push_back(xpb::CapabilitySpec(xpb::Capability::memory_bandwidth)
                                  .size({"n"})
                                  .dtype("dtype", {xpb::DType::fp64})
                                  .headline_kernel("triad"));
  return info;
}

TEST_CASE("calibrate measures cache bandwidth steps by working set and the projector applies them",
          "[calibrate][cache]") {
  xpb::Registry reg;
  reg.add(toy_triad_info(), [] { return std::make_unique<ToyTriad>(); });
  xpb::CalibrateOptions opt;
  opt.quick = true;  // memory at n = 2^22; the sweep at 2^14, 2^17, 2^20
  const xpb::HostMeasurements m = xpb::calibrate_host(reg, opt);
  REQUIRE(m.memory_bandwidth);
  CHECK(m.memory_bandwidth->value.nominal == Catch::Approx(50e9));
  // 2^20 runs no faster than memory: no step for it.
  REQUIRE(m.cache.size() == 2);
  CHECK(m.cache[0].max_bytes == 24.0 * (1 << 14) + 24);
  CHECK(m.cache[1].max_bytes == 24.0 * (1 << 17) + 24);
  CHECK(m.cache[1].bandwidth.value.nominal == Catch::Approx(200e9));
  CHECK(m.cache[1].bandwidth.method.find("toy_triad triad, fp64, n=2^17") == 0);

  const xpb::Platform p =
      xpb::load_platform_text(xpb::host_descriptor_yaml(xpb::detect_host(), m), "calibrated.yaml");
  REQUIRE(p.cache_bandwidth.size() == 2);
  CHECK(p.cache_bandwidth[1].bandwidth.confidence == xpb::Confidence::measured);
  const xpb::Ledger ledger = {{"k", xpb::OpKind::vector, xpb::DType::fp64, 0, 1e6}};
  auto memory_seconds = [&](double working_set) {
    xpb::ProjectOptions o;
    o.working_set = working_set;
    o.include_launch = false;
    const xpb::Projection pr = xpb::project(ledger, p, o);
    REQUIRE(pr.ok);
    return pr.step.nominal;
  };
  // The toy's times never vary: the median-to-best efficiency is 1.
  CHECK(memory_seconds(24.0 * (1 << 17) + 24) ==
        Catch::Approx(1e6 / 200e9));                                      // its own step, rounding and all
  CHECK(memory_seconds(24.0 * (1 << 15)) == Catch::Approx(1e6 / 200e9));  // the smallest step holding it
  CHECK(memory_seconds(24.0 * (1 << 17) + 4096) == Catch::Approx(1e6 / 50e9));  // beyond: memory
  CHECK(memory_seconds(0) == Catch::Approx(1e6 / 50e9));                        // unknown: memory
}

// The toy also declares handoff_bandwidth (handoff = true). With --quick the sweep runs n = 2^11,
// 2^14 and 2^17, each a step keyed by the triad's ledger bytes (24n) at the toy's handoff rate; the
// descriptor round-trips them as memory.handoff_bandwidth, and a training cell's kernel of 48 KiB
// in a cell whose working set stays in the caches streams at 20 GB/s, one of 1 MiB (between the
// 384 KiB and 3 MiB steps, both 40 GB/s) at 40 GB/s, while a benchmark cell's stays at 200 GB/s.
TEST_CASE("calibrate measures handoff steps by kernel bytes and training cells use them",
          "[calibrate][cache]") {
  xpb::Registry reg;
  xpb::WorkloadInfo info = toy_triad_info();
  info.capabilities.push_back(xpb::CapabilitySpec(xpb::Capability::handoff_bandwidth)
                                  .size({"n"})
                                  .dtype("dtype", {xpb::DType::fp64})
                                  .set("handoff", true)
                                  .headline_kernel("triad"));
  reg.add(std::move(info), [] { return std::make_unique<ToyTriad>(); });
  xpb::CalibrateOptions opt;
  opt.quick = true;
  const xpb::HostMeasurements m = xpb::calibrate_host(reg, opt);
  REQUIRE(m.handoff.size() == 3);
  CHECK(m.handoff[0].max_bytes == 24.0 * (1 << 11));
  CHECK(m.handoff[0].bandwidth.value.nominal == Catch::Approx(20e9));
  CHECK(m.handoff[1].max_bytes == 24.0 * (1 << 14));
  CHECK(m.handoff[1].bandwidth.value.nominal == Catch::Approx(40e9));
  CHECK(m.handoff[2].max_bytes == 24.0 * (1 << 17));
  CHECK(m.handoff[2].bandwidth.method.find("toy_triad triad, handoff=true, fp64, n=2^17") == 0);

  const xpb::Platform p =
      xpb::load_platform_text(xpb::host_descriptor_yaml(xpb::detect_host(), m), "calibrated.yaml");
  REQUIRE(p.handoff_bandwidth.size() == 3);
  CHECK(p.handoff_bandwidth[2].bandwidth.confidence == xpb::Confidence::measured);
  CHECK(p.handoff_bandwidth[2].bandwidth.value.nominal == Catch::Approx(40e9));
  auto seconds = [&](double bytes, bool handoff) {
    xpb::ProjectOptions o;
    o.working_set = 24.0 * (1 << 16);  // in the 3 MiB cache step (200 GB/s)
    o.include_launch = false;
    o.handoff = handoff;
    const xpb::Projection pr = xpb::project({{"k", xpb::OpKind::vector, xpb::DType::fp64, 0, bytes}}, p, o);
    REQUIRE(pr.ok);
    return pr.step.nominal;
  };
  CHECK(seconds(48 * 1024, true) == Catch::Approx(48 * 1024 / 20e9));
  CHECK(seconds(1 << 20, true) == Catch::Approx(double(1 << 20) / 40e9));
  CHECK(seconds(1 << 20, false) == Catch::Approx(double(1 << 20) / 200e9));
}
