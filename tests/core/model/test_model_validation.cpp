// tests/core/model/test_model_validation.cpp — the published end-to-end rows (docs/validation.md) and
// the sanity bounds of issue 14. Targets are the (15 % per row, median 10 %, leave-one-
// family-out median 12 %); rows that cannot meet them are listed, with the error recorded when
// listed, in data/model/validation-misses.yaml, and the list is held to account both ways.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <map>
#include <vector>

#include "core/model/model_validation.hpp"
#include "core/model/parity.hpp"
#include "core/model/plan_search.hpp"
#include "core/model/projector.hpp"
#include "tests/test_support.hpp"

using Catch::Approx;

namespace {

xpb::Platform descriptor(const std::string& name) {
  return xpb::resolve_platform(xpb::test::source_path("platforms/" + name + ".yaml"));
}

const std::vector<xpb::ValidationResult>& validation() {
  static const auto res = xpb::run_validation(xpb::test::source_path("experiments/models"), descriptor);
  return res;
}

const std::vector<xpb::ValidationResult>& lofo() {
  static const auto res = xpb::run_validation_lofo(xpb::test::source_path("experiments/models"), descriptor);
  return res;
}

const xpb::KnownMisses& known() {
  static const auto m = xpb::load_known_misses(xpb::test::source_path("data/model/validation-misses.yaml"));
  return m;
}

const xpb::KnownMiss* listed(const std::string& id) {
  for (const auto& k : known().rows)
    if (k.id == id) return &k;
  return nullptr;
}

const xpb::KnownCapExcess* listed_cap(const std::string& id) {
  for (const auto& k : known().mfu_caps)
    if (k.id == id) return &k;
  return nullptr;
}

// An MFU against its generation's best published MFU: within the cap, or listed with a recorded
// value it may not exceed (and listed only while above the cap).
void check_cap(const std::string& id, double mfu, double cap) {
  INFO(id << ": MFU " << 100 * mfu << " % against the best published " << 100 * cap << " %");
  if (const auto* k = listed_cap(id)) {
    INFO("listed at " << 100 * k->recorded_mfu << " %: " << k->reason);
    CHECK(mfu > cap);                        // now under the cap: take it off the list
    CHECK(mfu <= k->recorded_mfu + 0.01);    // further above than when listed
  } else {
    CHECK(mfu <= cap);
  }
}

}  // namespace

TEST_CASE("validation: every published row is projected and its plan fits", "[validation]") {
  const auto& res = validation();
  REQUIRE(res.size() == xpb::validation_rows().size());
  std::map<std::string, int> families;
  for (const auto& r : res) {
    INFO(r.row.id << ": " << r.reason);
    REQUIRE(r.ok);
    CHECK(r.estimate.fits);  // a configuration known to have run must fit the memory model
    ++families[r.row.family];
  }
  CHECK(families.size() >= 5);
}

TEST_CASE("validation: every row within 15 %, or listed with a recorded error", "[validation]") {
  for (const auto& r : validation()) {
    const double err = std::fabs(r.error);
    INFO(r.row.id << ": error " << 100 * r.error << " %");
    if (const auto* k = listed(r.row.id)) {
      INFO("listed as a known miss at " << 100 * k->recorded_abs_error << " %: " << k->reason);
      CHECK(err > 0.15);                            // passing now: take it off the list
      CHECK(err <= k->recorded_abs_error + 0.01);   // worse than when it was listed
    } else {
      CHECK(err <= 0.15);
    }
  }
  for (const auto& k : known().rows) {
    bool present = false;
    for (const auto& r : validation()) present |= r.row.id == k.id;
    INFO(k.id);
    CHECK(present);  // a listed row must exist
  }
}

TEST_CASE("validation: median errors, in-sample and leave-one-family-out", "[validation]") {
  std::vector<double> in, out;
  for (const auto& r : validation()) in.push_back(r.error);
  for (const auto& r : lofo()) out.push_back(r.error);
  const double mi = xpb::median_abs(in), mo = xpb::median_abs(out);
  INFO("in-sample median |error| " << 100 * mi << " %, LOFO " << 100 * mo << " %; " << known().median_reason);
  // The targets (10 %, 12 %), or, while recorded as unmet, no worse than recorded.
  auto ratchet = [](double now, double target, double recorded) {
    if (recorded > 0) {
      CHECK(now > target);              // met now: clear the recorded value
      CHECK(now <= recorded + 0.005);   // worse than recorded
    } else {
      CHECK(now <= target);
    }
  };
  ratchet(mi, 0.10, known().recorded_median);
  ratchet(mo, 0.12, known().recorded_lofo_median);
  // LOFO can only differ where a constant is sourced from a family's own publication.
  for (std::size_t i = 0; i < validation().size(); ++i) {
    bool in_sample_source = false;
    for (const auto& [key, c] : xpb::default_model_constants().all())
      for (const auto& f : c.in_sample_of) in_sample_source |= f == validation()[i].row.family;
    if (!in_sample_source) CHECK(lofo()[i].error == Approx(validation()[i].error));
  }
}

TEST_CASE("validation: known-miss list loads strictly", "[validation]") {
  CHECK_NOTHROW(xpb::load_known_misses(xpb::test::source_path("data/model/validation-misses.yaml")));
  xpb::test::TempDir tmp;
  const std::string bad = tmp.file("m.yaml");
  std::FILE* f = std::fopen(bad.c_str(), "w");
  std::fputs("schema_version: 1\nmisses:\n  - {id: X, recorded_abs_error: 0.2}\n", f);  // no reason
  std::fclose(f);
  CHECK_THROWS_AS(xpb::load_known_misses(bad), xpb::Error);
}

// ------------------------------------------------------------------------------------------------
// Sanity bounds

TEST_CASE("sanity: ERNIE 4.5 300B-A47B on 1024 H20 projects to 30-55 % MFU", "[validation][sanity]") {
  const auto m = xpb::load_model_file(xpb::test::source_path("experiments/models/ernie-4.5-300b-a47b.yaml"));
  const auto h20 = descriptor("nvidia-h20");
  xpb::Cluster c;
  c.devices = 1024;
  xpb::TrainOptions o;
  o.mc.samples = 200;
  xpb::TrainingModel tm(m, h20, c, o);
  const auto sr = xpb::search_plans(tm, xpb::default_space(tm), 1);
  REQUIRE(sr.found);
  const auto e = tm.estimate(sr.best.plan);
  REQUIRE(e.ok);
  INFO(xpb::to_string(e.plan) << ": MFU " << 100 * e.mfu.nominal << " %");
  CHECK(e.mfu.nominal >= 0.30);
  CHECK(e.mfu.nominal <= 0.55);
  bool named = true;
  for (const char* part : {"launch", "attention", "moe_a2a", "moe_imbalance", "moe_permute"}) {
    bool found = false;
    for (const auto& [k, v] : e.parts) found |= k == part && v > 0;
    INFO(part);
    CHECK(found);
    named &= found;
  }
  CHECK(named);
}

TEST_CASE("sanity: no projected MFU above the best published for its generation and precision",
          "[validation][sanity]") {
  const auto& mc = xpb::default_model_constants();
  auto cap_for = [&](const std::string& platform, xpb::DType d) {
    const auto& g = mc.generation_of(platform);
    const std::string key = d == xpb::DType::fp8 ? "mfu_fp8" : "mfu_bf16";
    auto it = g.facts.find(key);
    return it == g.facts.end() ? 1.0 : it->second.quantity.value.nominal;
  };
  for (const auto& r : validation()) check_cap(r.row.id, r.estimate.mfu.nominal, cap_for(r.row.platform, r.estimate.peak_dtype));
  // Paper-scale projections onto the descriptors the verdicts are about.
  const auto m = xpb::load_model_file(xpb::test::source_path("experiments/models/ernie-4.5-300b-a47b.yaml"));
  for (const char* plat : {"nvidia-h20", "baidu-kunlun-p800"}) {
    const auto p = descriptor(plat);
    xpb::Cluster c;
    c.devices = 1024;
    xpb::TrainingModel tm(m, p, c);
    const auto sr = xpb::search_plans(tm, xpb::default_space(tm), 1);
    REQUIRE(sr.found);
    check_cap(std::string("ERNIE-4.5-300B@1024x") + plat, tm.estimate(sr.best.plan).mfu.nominal,
              cap_for(plat, xpb::DType::bf16));
  }
}

TEST_CASE("sanity: unmeasured efficiencies stay under their generation's best measured", "[sanity]") {
  const auto& mc = xpb::default_model_constants();
  for (const auto& name : xpb::list_platforms()) {
    if (name == "host") continue;
    const auto p = descriptor(name);
    const auto& g = mc.generation_of(name);
    auto cap = [&](const char* key) {
      auto it = g.facts.find(key);
      return it == g.facts.end() ? 1.0 : it->second.quantity.value.high;
    };
    INFO(name << " (" << g.name << ")");
    for (const auto& s : p.efficiency.gemm)
      if (s.quantity.confidence != xpb::Confidence::measured) CHECK(s.efficiency.high <= cap("gemm_bf16") + 1e-9);
    auto fp8 = p.efficiency.gemm_per_dtype.find(xpb::DType::fp8);
    if (fp8 != p.efficiency.gemm_per_dtype.end())
      for (const auto& s : fp8->second)
        if (s.quantity.confidence != xpb::Confidence::measured) CHECK(s.efficiency.high <= cap("gemm_fp8") + 1e-9);
  }
}

TEST_CASE("sanity: a 256^3 GEMM's parity interval, Zhenwu vs H20, is no wider than 4x", "[sanity][parity]") {
  xpb::KernelCost k;
  k.name = "gemm/native";
  k.kind = xpb::OpKind::gemm;
  k.dtype = xpb::DType::bf16;
  k.flops = 2.0 * 256 * 256 * 256;
  k.bytes = 2.0 * 3 * 256 * 256;
  const auto h20 = xpb::project({k}, descriptor("nvidia-h20"));
  const auto zw = xpb::project({k}, descriptor("alibaba-zhenwu-810e"));
  REQUIRE(h20.ok);
  REQUIRE(zw.ok);
  const auto r = xpb::speed_ratio(h20.step, zw.step);
  INFO("ratio " << r.median << " [" << r.p5 << ", " << r.p95 << "], envelope " << r.envelope_low << " - "
                << r.envelope_high);
  CHECK(r.p95 / r.p5 <= 4.0);
  // The worst-case envelope is kept apart and is wider.
  CHECK(r.envelope_high / r.envelope_low > r.p95 / r.p5);
}
