// tests/core/test_platform.cpp — descriptor loading: shipped files, unit conversion, derived
// quantities, and the precise error (file, line, key path, message, hint) for each malformed
// descriptor under tests/data/platforms/.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/paths.hpp"
#include "core/platforms/host.hpp"
#include "core/platforms/platform.hpp"
#include "core/platforms/platform_report.hpp"
#include "tests/test_support.hpp"

using Catch::Approx;
using xpb::test::source_path;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

xpb::Platform shipped(const std::string& name) {
  return xpb::load_platform_file(source_path("platforms/" + name + ".yaml"));
}

}  // namespace

TEST_CASE("every shipped descriptor loads without warnings", "[platform]") {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(source_path("platforms"))) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    INFO(e.path().string());
    const xpb::Platform p = xpb::load_platform_file(e.path().string());
    CHECK(p.name == e.path().stem().string());
    CHECK(p.kind == "accelerator");
    CHECK(p.peak.size() == 7);
    CHECK(p.sha256.size() == 64);
    CHECK(!p.yaml_text.empty());
    CHECK(p.memory_capacity.present);
    CHECK(p.warnings.empty());
    // Every present number has a source, and every estimate a derivation.
    for (const auto& f : xpb::platform_fields(p)) {
      INFO(f.key);
      CHECK(!f.quantity->source.title.empty());
      CHECK(!f.quantity->source.url.empty());
      if (f.quantity->confidence == xpb::Confidence::estimated)
        CHECK(!f.quantity->derivation.empty());
      CHECK(f.quantity->value.valid());
    }
    CHECK(!xpb::platform_summary_line(p).empty());
    CHECK(contains(xpb::platform_details(p), p.display_name));
  }
  CHECK(n >= 7);
  const auto names = xpb::list_platforms();
  CHECK(names.size() >= 8);
  CHECK(std::find(names.begin(), names.end(), "host") != names.end());
  CHECK(std::find(names.begin(), names.end(), "alibaba-zhenwu-810e") != names.end());
}

TEST_CASE("units convert to SI", "[platform]") {
  const xpb::Platform h20 = shipped("nvidia-h20");
  CHECK(h20.peak_flops(xpb::DType::bf16)->nominal == Approx(1.48e14));
  CHECK(h20.peak_flops(xpb::DType::int8)->nominal == Approx(2.96e14));  // TOP/s
  CHECK(h20.memory_bandwidth.value.nominal == Approx(4.0e12));
  CHECK(h20.memory_bandwidth.value.high == Approx(4.022e12));
  CHECK(h20.memory_capacity.value.nominal == Approx(96e9));
  CHECK(h20.onchip_cache.value.nominal == Approx(60e6));
  CHECK(h20.intra_node.bandwidth_per_direction.value.nominal == Approx(450e9));
  CHECK(h20.intra_node.latency.value.nominal == Approx(0.936e-6));
  CHECK(h20.intra_node.latency.value.high == Approx(10e-6));
  CHECK(h20.inter_node.bandwidth_per_direction.value.nominal == Approx(50e9));  // 400 Gbit/s
  CHECK(h20.tdp.value.high == Approx(550));
  CHECK(h20.devices_per_node == 8);
  CHECK(h20.intra_node.links == 18);

  const xpb::Platform p800 = shipped("baidu-kunlun-p800");
  CHECK(p800.memory_capacity.value.nominal == Approx(98304.0 * 1048576.0));  // MiB
  CHECK(p800.onchip_cache.value.nominal == Approx(96.0 * 1048576.0));
  CHECK(p800.memory_capacity.confidence == xpb::Confidence::official);
}

TEST_CASE("ridge points and efficiency lookups", "[platform]") {
  const xpb::Platform h20 = shipped("nvidia-h20");
  const auto ridge = h20.ridge_point(xpb::DType::bf16);
  REQUIRE(ridge);
  CHECK(ridge->nominal == Approx(37.0).epsilon(0.01));
  CHECK(ridge->low < ridge->nominal);  // bandwidth range reaches 4.022 TB/s
  CHECK(shipped("nvidia-h100-sxm").ridge_point(xpb::DType::bf16)->nominal ==
        Approx(295).epsilon(0.01));
  CHECK(shipped("nvidia-a100-sxm-80gb").ridge_point(xpb::DType::bf16)->nominal ==
        Approx(153).epsilon(0.01));

  // The step of the size table at or below the GEMM's size (platforms/nvidia-h20.yaml, model v2:
  // the LLMCompass size sweep scaled to Hopper's sustained best).
  CHECK(h20.gemm_efficiency(0.5e9).nominal == Approx(0.1));     // min_gflop 0
  CHECK(h20.gemm_efficiency(20e9).nominal == Approx(0.393));    // min_gflop 11.6
  CHECK(h20.gemm_efficiency(1e13).nominal == Approx(0.795));    // min_gflop 1730
  CHECK(h20.gemm_efficiency(200e9, xpb::DType::fp8).nominal == Approx(0.635));  // fp8 table, 195
  CHECK(h20.gemm_efficiency(200e9, xpb::DType::bf16).nominal == Approx(0.719));
  CHECK(h20.vector_efficiency(xpb::DType::bf16)->nominal == Approx(0.297));
  const xpb::Platform h100 = shipped("nvidia-h100-sxm");
  CHECK(h100.gemm_efficiency(5e12).nominal == Approx(0.795));  // min_gflop 2930
  CHECK(h100.efficiency.memory_bandwidth.value.nominal == Approx(0.867));
}

TEST_CASE("unknown, unsupported and estimated are kept apart", "[platform]") {
  const xpb::Platform z = shipped("alibaba-zhenwu-810e");
  CHECK(z.peak.at(xpb::DType::fp8).status == xpb::PeakStatus::unsupported);
  CHECK(z.peak.at(xpb::DType::fp64).status == xpb::PeakStatus::unknown);
  CHECK(!z.peak_flops(xpb::DType::fp64));
  // fp32 is an estimated range (bf16 range x the FP32/BF16 ratio of other parts).
  CHECK(z.peak.at(xpb::DType::fp32).status == xpb::PeakStatus::known);
  CHECK(z.peak.at(xpb::DType::fp32).flops.confidence == xpb::Confidence::estimated);
  const auto bf16 = z.peak_flops(xpb::DType::bf16);
  REQUIRE(bf16);
  CHECK(bf16->low == Approx(119e12));
  CHECK(bf16->nominal == Approx(150e12));
  CHECK(bf16->high == Approx(312e12));
  const auto& q = z.peak.at(xpb::DType::bf16).flops;
  CHECK(q.confidence == xpb::Confidence::estimated);
  CHECK(contains(q.derivation, "16384"));
  CHECK(z.worst_confidence() == xpb::Confidence::estimated);
  CHECK(z.unknown.count("memory.onchip_cache") == 1);

  const std::string details = xpb::platform_details(z);
  CHECK(contains(details, "150 [119 .. 312] TFLOP/s"));
  CHECK(contains(details, "1945 PFLOPS / 16384 cards"));
  CHECK(contains(details, "peak.fp8: unsupported"));
  CHECK(contains(details, "ridge point bf16"));
  CHECK(contains(details, "Estimated numbers"));
  CHECK(contains(xpb::platform_summary_line(z), "Alibaba T-Head"));

  const xpb::Platform a100 = shipped("nvidia-a100-sxm-80gb");
  CHECK(a100.peak.at(xpb::DType::fp8).status == xpb::PeakStatus::unsupported);
  CHECK(a100.peak_flops(xpb::DType::bf16)->is_exact());
}

TEST_CASE("malformed descriptors give file, line, key path and message", "[platform]") {
  struct Case {
    const char* file;
    int line;
    const char* key;
    const char* message;
    const char* hint;  // "" when not checked
  };
  const std::vector<Case> cases = {
      {"missing-source", 13, "peak.bf16", "missing 'source'", "url"},
      {"low-above-nominal", 19, "memory.bandwidth.low", "low (3) is above nominal (2)", ""},
      {"nominal-above-high", 13, "peak.bf16.high", "high (110) is below nominal (120)", ""},
      {"negative-bandwidth", 19, "memory.bandwidth.value", "must be positive, got -2 TB/s", ""},
      {"unknown-key", 19, "memory.bandwith", "unknown key 'bandwith'", "did you mean 'bandwidth'?"},
      {"wrong-unit", 19, "memory.bandwidth.unit", "unit 'GFLOP/s' is not a bandwidth unit", "GB/s"},
      {"bits-unit", 19, "memory.bandwidth.unit", "unit 'Tb/s' is not a bandwidth unit", "Gbit/s"},
      {"dtype-typo", 13, "peak.bf61", "unknown key 'bf61'", "did you mean 'bf16'?"},
      {"estimated-no-derivation", 14, "peak.fp16", "estimated number without 'derivation'", ""},
      {"efficiency-above-one", 21, "efficiency.memory_bandwidth.value", "outside (0, 1]", ""},
      {"wrong-type", 13, "peak.bf16.value", "expected a number, got 'fast'", ""},
      {"bare-number", 18, "memory.capacity", "a bare number has no unit", "unit: GB"},
      {"unknown-confidence", 13, "peak.bf16.confidence", "unknown confidence 'rumored'", "estimated"},
      {"unknown-source-id", 11, "peak.fp32.source", "unknown source 'sheet'", ""},
      {"missing-dtype", 10, "peak", "missing required key 'fp8'", ""},
      {"gemm-unsorted", 24, "efficiency.gemm[2].min_gflop", "sorted by min_gflop", ""},
      {"int-unit-on-float", 14, "peak.fp16.unit", "counts integer operations", "TFLOP/s"},
      {"schema-version", 2, "schema_version", "schema_version 2 is not supported", ""},
      {"bad-date", 8, "sources.s.date", "is not YYYY, YYYY-MM or YYYY-MM-DD", ""},
      {"missing-url", 11, "peak.fp32.source", "the source has no url", ""},
      {"range-incomplete", 13, "peak.bf16", "'high' is missing", ""},
      {"missing-unit", 18, "memory.capacity", "missing 'unit'", "GiB"},
  };
  CHECK(cases.size() >= 12);
  for (const auto& c : cases) {
    const std::string path = source_path(std::string("tests/data/platforms/") + c.file + ".yaml");
    INFO(path);
    bool threw = false;
    try {
      (void)xpb::load_platform_file(path);
    } catch (const xpb::Error& e) {
      threw = true;
      INFO(e.located() << " | hint: " << e.hint());
      CHECK(e.where().file == path);
      CHECK(e.where().line == c.line);
      CHECK(e.where().key == c.key);
      CHECK(contains(e.what(), c.message));
      if (c.hint[0]) CHECK(contains(e.hint(), c.hint));
      CHECK(contains(e.located(), path + ":" + std::to_string(c.line) + ": " + c.key + ": "));
    }
    CHECK(threw);
  }
}

TEST_CASE("implausible relations warn instead of failing", "[platform]") {
  const xpb::Platform p =
      xpb::load_platform_file(source_path("tests/data/platforms/warn-bf16-below-fp32.yaml"));
  REQUIRE(!p.warnings.empty());
  bool found = false;
  for (const auto& w : p.warnings) found = found || contains(w, "peak.bf16");
  CHECK(found);
}

TEST_CASE("platforms resolve by name, path and host", "[platform]") {
  CHECK(xpb::resolve_platform("nvidia-h20").display_name == "NVIDIA H20 (96 GB HBM3)");
  CHECK(xpb::resolve_platform(source_path("platforms/nvidia-h200-sxm.yaml")).name ==
        "nvidia-h200-sxm");
  try {
    (void)xpb::resolve_platform("nvidia-h21");
    FAIL("an unknown platform must throw");
  } catch (const xpb::Error& e) {
    CHECK(contains(e.what(), "unknown platform 'nvidia-h21'"));
    CHECK(contains(e.hint(), "did you mean"));
  }

  const xpb::Platform host = xpb::describe_host();
  CHECK(host.name == "host");
  CHECK(host.kind == "host");
  CHECK(host.path.empty());
  CHECK(host.sha256.size() == 64);
  CHECK(host.peak.at(xpb::DType::fp32).status == xpb::PeakStatus::unknown);
  CHECK(host.memory_capacity.present);

  // $XPB_HOST_DESCRIPTOR points `host` at a calibrated file. Locations are resolved once per
  // process (core/base/paths.hpp), so the test resolves them again after changing the variable.
  xpb::test::TempDir dir;
  const std::string f = dir.file("myhost.yaml");
  std::ofstream(f) << host.yaml_text;
  const xpb::Paths before = xpb::paths();
  ::setenv("XPB_HOST_DESCRIPTOR", f.c_str(), 1);
  xpb::set_paths(xpb::resolve_paths(xpb::PathSources::from_process()));
  CHECK(xpb::host_descriptor_path() == f);
  const xpb::Platform again = xpb::resolve_platform("host");
  ::unsetenv("XPB_HOST_DESCRIPTOR");
  xpb::set_paths(before);
  CHECK(again.name == "host");
  CHECK(again.path == f);
}

// ------------------------------------------------------------------------------------------------
// Writing descriptors through the schema (the calibrated host is written this way)

namespace {

// Everything the loader keeps of a descriptor, in one comparable text.
std::string loaded_form(const xpb::Platform& p) {
  std::string s = p.name + "|" + p.display_name + "|" + p.vendor + "|" + p.kind + "|" + p.architecture +
                  "|" + p.memory_type + "|" + p.host_link_name + "|" + p.notes + "|" + p.software + "|" +
                  std::to_string(p.devices_per_node) + "|" + p.intra_node.name + "|" + p.intra_node.topology +
                  "|" + std::to_string(p.intra_node.links) + "|" + p.efficiency.source_note + "\n";
  for (const auto& [d, pk] : p.peak) s += std::string(xpb::to_string(d)) + "=" + std::to_string(int(pk.status)) + " ";
  for (const auto& [k, v] : p.unknown) s += "\nunknown " + k + ": " + v;
  for (const auto& [k, v] : p.provenance) s += "\nprovenance " + k + ": " + v;
  for (const auto& f : xpb::platform_fields(p)) {
    const xpb::Quantity& q = *f.quantity;
    s += "\n" + f.key + " " + xpb::fmt_exact(q.value.low) + " " + xpb::fmt_exact(q.value.nominal) + " " +
         xpb::fmt_exact(q.value.high) + " " + std::string(xpb::to_string(q.confidence)) + " " + q.source.url + " " +
         q.source.title + " " + q.source.date + " " + q.derivation + " " + q.note;
  }
  for (const auto& st : p.efficiency.gemm) s += "\ngemm step " + std::to_string(st.min_flops);
  for (const auto& w : p.warnings) s += "\nwarning " + w;
  return s;
}

}  // namespace

TEST_CASE("every shipped descriptor written through the schema loads back identically", "[platform]") {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(source_path("platforms"))) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    INFO(e.path().string());
    const xpb::Platform original = xpb::load_platform_file(e.path().string());
    const std::string written = xpb::input::emit(xpb::platform_schema(), YAML::Load(original.yaml_text));
    const xpb::Platform again = xpb::load_platform_text(written, e.path().string());
    CHECK(loaded_form(again) == loaded_form(original));
    // The writer is a fixpoint on its own output.
    CHECK(xpb::input::emit(xpb::platform_schema(), YAML::Load(written)) == written);
  }
  CHECK(n >= 7);
}

TEST_CASE("the host descriptor is written through the schema and reads back", "[platform]") {
  xpb::HostFacts facts;
  facts.cpu_model = "Test CPU \"X\" @ 2.0GHz";
  facts.cpu_vendor = "GenuineTest";
  facts.hostname = "node-1";
  facts.logical_cpus = 8;
  facts.memory_bytes = 64.0 * 1073741824.0;
  facts.last_level_cache_bytes = 32.0 * 1048576.0;
  facts.kokkos_version = "4.0.0";
  facts.kokkos_backend = "OpenMP";
  facts.kokkos_threads = 8;
  facts.date = "2025-01-02T03:04:05Z";
  xpb::HostMeasurements m;
  m.provenance = {{"tool", "xpubench 1.0"}, {"git_commit", "abc"}, {"date", "2025-01-02T03:04:05Z"},
                  {"command", "xpubench calibrate"}, {"kokkos", "4.0 OpenMP, 8 threads"}};
  m.memory_bandwidth = xpb::Measured{{18.5e9, 21.25e9, 21.25e9}, "stream triad, best of 5"};
  m.peak[xpb::DType::fp32] = xpb::Measured{xpb::Range::exact(412.5e9), "gemm fp32"};
  m.gemm = {{0, {0.1, 0.2, 0.3}, "gemm 64"}, {2e6, {0.5, 0.6, 0.7}, "gemm 1024"}};
  m.launch_overhead = xpb::Measured{xpb::Range::exact(3.25e-6), "launch"};
  m.skipped = {"allreduce: not built"};
  const std::string text = xpb::host_descriptor_yaml(facts, m, "host");
  INFO(text);
  CHECK(text.rfind("# Host descriptor: written by `xpubench calibrate`", 0) == 0);
  CHECK(text.find("  bandwidth: {low: 18.5, nominal: 21.25, high: 21.25, unit: GB/s, confidence: measured, "
                  "source: calibration, note: \"stream triad, best of 5\"}") != std::string::npos);
  CHECK(text.find("    - {min_gflop: 0.002, low: 0.5, nominal: 0.6, high: 0.7, unit: fraction,") != std::string::npos);
  const xpb::Platform p = xpb::load_platform_text(text, "host.yaml");
  CHECK(p.kind == "host");
  CHECK(p.architecture == "Test CPU \"X\" @ 2.0GHz, 8 logical CPUs");
  CHECK(p.memory_bandwidth.value.low == Approx(18.5e9).epsilon(1e-12));
  CHECK(p.memory_bandwidth.confidence == xpb::Confidence::measured);
  CHECK(p.memory_bandwidth.source.title.find("xpubench 1.0 (commit abc)") == 0);
  CHECK(p.peak_flops(xpb::DType::fp32)->nominal == Approx(412.5e9).epsilon(1e-12));
  CHECK(p.peak_flops(xpb::DType::bf16)->nominal == Approx(412.5e9).epsilon(1e-12));  // the fp32 ceiling
  CHECK(p.peak.at(xpb::DType::fp8).status == xpb::PeakStatus::unknown);
  CHECK(p.memory_capacity.value.nominal == Approx(64.0 * 1073741824.0).epsilon(1e-12));
  REQUIRE(p.efficiency.gemm.size() == 2);
  CHECK(p.efficiency.gemm[1].min_flops == Approx(2e6).epsilon(1e-12));
  CHECK(p.launch_overhead.value.nominal == Approx(3.25e-6).epsilon(1e-12));
  CHECK(p.devices_per_node == 1);
  CHECK(p.notes == "skipped: allreduce: not built");
  CHECK(p.provenance.at("git_commit") == "abc");
  // Written again from what was read, the text is the same.
  CHECK(xpb::input::emit(xpb::platform_schema(), YAML::Load(text),
                          {"Host descriptor: written by `xpubench calibrate`; measured numbers cite the calibration.",
                           "Schema: platforms/README.md. Facts read from the OS cite /proc and sysfs."}) == text);
}
