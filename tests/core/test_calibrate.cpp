// tests/core/test_calibrate.cpp — host calibration: measures with the registered workloads, writes
// a host descriptor that loads back with the strict loader, and skips workloads that are absent.
// A small stand-in `gemm` workload exercises the GEMM ceiling and efficiency-table path.
#include <Kokkos_Core.hpp>
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <fstream>
#include <memory>

#include "core/calibrate.hpp"
#include "core/platform.hpp"
#include "tests/test_support.hpp"
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
    Kokkos::parallel_for("toy/gemm", Kokkos::RangePolicy<>(0, s), KOKKOS_LAMBDA(const std::int64_t i) {
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
  info.name = "gemm";
  info.summary = "test stand-in for the gemm micro-benchmark";
  info.params.integer("m", 64, 1, 4096, "rows").integer("n", 64, 1, 4096, "cols")
      .integer("k", 64, 1, 4096, "inner")
      .choice("dtype", "fp64", {"fp64"}, "element type")
      .choice("path", "native", {"native"}, "implementation");
  r.add(std::move(info), [] { return std::make_unique<ToyGemm>(); });
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

TEST_CASE("calibrate measures GEMM ceilings and an efficiency table when gemm exists",
          "[calibrate]") {
  xpb::Registry reg;
  xpb::workloads::register_stream(reg);
  register_toy_gemm(reg);
  xpb::CalibrateOptions opt;
  opt.quick = true;
  const xpb::HostMeasurements m = xpb::calibrate_host(reg, opt);
  REQUIRE(m.peak.count(xpb::DType::fp64) == 1);
  CHECK(m.peak.at(xpb::DType::fp64).value.nominal > 1e6);

  const xpb::Platform p =
      xpb::load_platform_text(xpb::host_descriptor_yaml(xpb::detect_host(), m), "calibrated.yaml");
  CHECK(p.name == "calibrated");
  CHECK(p.peak_flops(xpb::DType::fp64));
  CHECK(p.peak.at(xpb::DType::fp64).flops.confidence == xpb::Confidence::measured);
  CHECK(p.ridge_point(xpb::DType::fp64));
  CHECK(p.worst_confidence() == xpb::Confidence::official);  // OS facts; the rest measured
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
}
