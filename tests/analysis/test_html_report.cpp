// tests/analysis/test_html_report.cpp — the HTML report on a result set built in memory: hostile
// text is escaped, labels show only varying parameters, curves only for training cells, and the
// page stands alone. (tests/cli/html_report.sh renders a real one in Chromium.) Catches: an
// experiment name or failure reason injected as markup, labels with constant parameters, timings
// drawn as training curves, a Projections section without /projections rows.
#include <catch2/catch_test_macros.hpp>

#include "analysis/html_report.hpp"

using namespace xpb;
using namespace xpb::analysis;

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

CellResult cell(std::string id, std::string workload, std::string params) {
  CellResult c;
  c.id = std::move(id), c.workload = std::move(workload), c.params = std::move(params);
  c.label = c.workload;
  c.status = CellStatus::ok;
  c.measured["step_seconds"] = {1e-3, 2e-3, 3e-3};
  c.measured_kinds["step_seconds"] = "timing";
  c.measured_units["step_seconds"] = "s";
  return c;
}

}  // namespace

TEST_CASE("html report: escaped text, varying parameters only, curves only for training cells",
          "[analysis][report]") {
  ResultSet rs;
  rs.path = "r<1>.h5";
  rs.experiment_name = "exp </title><script>alert(1)</script>";
  rs.root_strings["command_line"] = "xpubench run \"a&b.yaml\"";
  rs.root_strings["host"] = std::string("bad\xFFutf8");
  rs.parity_reference = "nvidia-h20";
  rs.cells.push_back(cell("a1", "stream", R"({"dtype":"fp32","n":1024})"));
  rs.cells.push_back(cell("a2", "stream", R"({"dtype":"fp32","n":2048})"));
  CellResult g = cell("g1", "gpt", R"({"steps":3})");
  g.measured["loss"] = {5.5, 4.0, 3.5};
  g.measured_kinds["loss"] = "numeric";
  g.measured_units["loss"] = "nats/byte";
  rs.cells.push_back(g);
  CellResult f = cell("f1", "stream", R"({"dtype":"fp32","n":4096})");
  f.status = CellStatus::failed, f.reason = "out of memory <oops>";
  f.measured.clear();
  rs.cells.push_back(f);

  const std::string html = render_html_report(rs);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  for (const char* h :
       {"Provenance", "Cells", "Parity matrix", "Roofline", "Training curves", "Performance portability"})
    CHECK(html.find(std::string("<h2>") + h + "</h2>") != std::string::npos);
  CHECK(html.find("<h2>Projections</h2>") == std::string::npos);  // no /projections rows
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;/title&gt;&lt;script&gt;") != std::string::npos);
  CHECK(html.find("&quot;a&amp;b.yaml&quot;") != std::string::npos);
  CHECK(html.find("bad\xEF\xBF\xBDutf8") != std::string::npos);
  CHECK(html.find("out of memory &lt;oops&gt;") != std::string::npos);
  CHECK(html.find("http") == std::string::npos);
  // dtype is fp32 for every stream cell: no label names it; n varies: labels do.
  CHECK(html.find("dtype=fp32") == std::string::npos);
  CHECK(html.find("n=2048") != std::string::npos);
  // One training curve (loss of the gpt cell, with its unit); step_seconds is never a curve.
  CHECK(html.find("loss per step") != std::string::npos);
  CHECK(html.find("loss (nats/byte)") != std::string::npos);
  CHECK(html.find("step_seconds per step") == std::string::npos);
  // Charts: step time for stream and gpt, the loss curve; no platforms, so no roofline panel.
  CHECK(count(html, "<svg class=\"chart\"") == 3);
}

TEST_CASE("html report: the Over seeds section lists varying quantities with their intervals",
          "[analysis][report][seed_stats]") {
  ResultSet rs;
  rs.experiment_name = "seeds";
  rs.cells.push_back(cell("c1", "gpt", R"({"lr":0.001})"));
  rs.cells.push_back(cell("c2", "gpt", R"({"lr":0.002})"));
  CHECK(render_html_report(rs).find("<h2>Over seeds</h2>") == std::string::npos);  // one seed: none
  SeedStatRow a;
  a.group = "g1", a.workload = "gpt", a.kind = "metric", a.metric = "final_eval_loss", a.unit = "nats/byte";
  a.cells = "c1,c3", a.seeds = "1,2", a.n = 2, a.mean = 2.25, a.sd = 0.5, a.ci95_low = -2.24,
  a.ci95_high = 6.74;
  a.min = 1.9, a.max = 2.6;
  SeedStatRow b = a;
  b.group = "g2", b.cells = "c2,c4", b.mean = 3.125;
  SeedStatRow constant = a;
  constant.metric = "parameters", constant.min = constant.max = 100;
  rs.seed_statistics = {a, b, constant};
  const std::string html = render_html_report(rs);
  CHECK(html.find("<h2>Over seeds</h2>") != std::string::npos);
  CHECK(html.find("2.25 ± 0.5") != std::string::npos);
  CHECK(html.find("[-2.24, 6.74]") != std::string::npos);
  CHECK(html.find("3.125 ± 0.5") != std::string::npos);
  CHECK(html.find(">parameters<") == std::string::npos);  // equal for every seed: counted, not listed
  CHECK(html.find("1 quantity equal for every seed is not shown") != std::string::npos);
  CHECK(html.find("final_eval_loss over seeds") != std::string::npos);  // two groups share it: a chart
}
