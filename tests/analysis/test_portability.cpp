// tests/analysis/test_portability.cpp — Pennycook's metric, ceilings and efficiency kinds.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <fstream>
#include <sstream>

#include "analysis/portability.hpp"
#include "tests/test_support.hpp"

using namespace xpb;
using namespace xpb::analysis;
using Catch::Approx;

namespace {

std::string golden_descriptor() {
  std::ifstream f(test::source_path("data/golden/golden-accelerator.yaml"));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

Ledger memory_ledger(double bytes) {
  KernelCost k;
  k.name = "test/copy";
  k.kind = OpKind::vector;
  k.dtype = DType::fp32;
  k.bytes = bytes;
  return {k};
}

CellResult cell(const std::string& id, const std::string& params, double measured, CellStatus status = CellStatus::ok) {
  CellResult c;
  c.id = id;
  c.workload = "w";
  c.params = params;
  c.label = "w " + params;
  c.status = status;
  c.measured["step_seconds"] = {measured, measured, measured};
  c.ledger = memory_ledger(2e9);
  return c;
}

ProjectionRecord projection(const std::string& platform, Range seconds) {
  ProjectionRecord p;
  p.platform = platform;
  p.ok = true;
  p.step_seconds = seconds;
  return p;
}

}  // namespace

TEST_CASE("PP is the harmonic mean, zero when unsupported anywhere", "[analysis][portability]") {
  CHECK(pennycook({1.0}) == Approx(1.0));
  CHECK(pennycook({0.5, 1.0}) == Approx(2.0 / 3.0));
  CHECK(pennycook({0.25, 0.25, 0.25}) == Approx(0.25));
  CHECK(pennycook({0.9, 0.0}) == 0.0);
  CHECK(pennycook({}) == 0.0);
  // The harmonic mean is dominated by the worst platform.
  CHECK(pennycook({1.0, 0.1}) < 0.2);
}

TEST_CASE("ideal step time uses the descriptor's ceilings without efficiency", "[analysis][portability]") {
  const std::string yaml = golden_descriptor();
  REQUIRE_FALSE(yaml.empty());
  const IdealTime t = ideal_step_seconds(memory_ledger(2e9), yaml, "golden-accelerator");
  REQUIRE(t.ok);
  CHECK(t.seconds.nominal == Approx(2e9 / 2.0e12));
  CHECK(t.seconds.low == Approx(2e9 / 2.5e12));
  CHECK(t.seconds.high == Approx(2e9 / 1.5e12));

  Ledger fp8 = memory_ledger(1e6);
  fp8[0].kind = OpKind::gemm;
  fp8[0].dtype = DType::fp8;
  fp8[0].flops = 1e12;
  const IdealTime u = ideal_step_seconds(fp8, yaml, "golden-accelerator");
  CHECK_FALSE(u.ok);
  CHECK(u.unsupported);
  CHECK_FALSE(ideal_step_seconds(memory_ledger(1), "", "nothing").ok);
}

TEST_CASE("architectural PP over projected platforms and the measured host", "[analysis][portability]") {
  const std::string yaml = golden_descriptor();
  ResultSet rs;
  rs.platforms = {{"fast", "Fast", "accelerator", "", "", "", yaml}, {"slow", "Slow", "accelerator", "", "", "", yaml},
                  {"host", "Host", "host", "", "", "", yaml}};
  const double ideal = 2e9 / 2.0e12;  // nominal roofline time on the golden descriptor
  CellResult c = cell("c1", R"({"n":1})", ideal / 0.25);
  // Projections with the nominal scenario at efficiency 1 and 0.5.
  const IdealTime it = ideal_step_seconds(c.ledger, yaml, "fast");
  c.projections = {projection("fast", it.seconds), projection("slow", it.seconds * 2.0),
                   projection("host", it.seconds)};
  rs.cells = {c, cell("c2", R"({"n":2})", 1.0, CellStatus::invalid)};

  const auto res = architectural_portability(rs);
  REQUIRE(res.size() == 4);  // two cells x {projected, all}
  const PortabilityResult& proj = res[0];
  CHECK(proj.kind == EfficiencyKind::architectural);
  CHECK(proj.scope == "projected");
  CHECK(proj.H == std::vector<std::string>{"fast", "slow"});
  CHECK(proj.pp.nominal == Approx(2.0 / (1.0 / 1.0 + 1.0 / 0.5)));
  CHECK(proj.supported);
  const PortabilityResult& all = res[1];
  CHECK(all.scope == "all");
  CHECK(all.H.size() == 3);
  // Host measured at 4x the ideal time: e = 0.25.
  CHECK(all.pp.nominal == Approx(3.0 / (1.0 + 2.0 + 4.0)));
  for (const auto& e : all.efficiencies)
    if (e.platform == "host") CHECK(e.source == "measured");
    else CHECK(e.source == "projected");
  // An invalid cell does not run: PP = 0.
  CHECK_FALSE(res[2].supported);
  CHECK(res[2].pp.nominal == 0.0);
}

TEST_CASE("application efficiency compares variants of the same problem", "[analysis][portability]") {
  ResultSet rs;
  rs.cells = {cell("n", R"({"m":64,"path":"native"})", 4e-3), cell("v", R"({"m":64,"path":"vendor"})", 1e-3),
              cell("o", R"({"m":128,"path":"native"})", 1e-3)};
  const auto res = application_portability(rs);
  REQUIRE(res.size() == 2);  // the m=128 problem has a single variant
  CHECK(res[0].kind == EfficiencyKind::application);
  CHECK(res[0].cell == "n");
  CHECK(res[0].pp.nominal == Approx(0.25));
  CHECK(res[1].pp.nominal == Approx(1.0));
  CHECK(res[0].H == std::vector<std::string>{"host"});
  CHECK(res[0].note.find("best path=vendor") != std::string::npos);
}
