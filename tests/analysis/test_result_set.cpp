// tests/analysis/test_result_set.cpp — a real run read back, reported, compared and verified.
#include <catch2/catch_test_macros.hpp>

#include "analysis/compare.hpp"
#include "analysis/report.hpp"
#include "analysis/result_set.hpp"
#include "analysis/verify.hpp"
#include "core/base/error.hpp"
#include "core/experiment/experiment.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/schema.hpp"
#include "core/run/runner.hpp"
#include "tests/test_support.hpp"
#include "workloads/register_all.hpp"

using namespace xpb;
using namespace xpb::analysis;

namespace {

const char* kExperiment = R"(name: analysis-test
seed: 3
repeats: 2
warmup: 0
platforms: [nvidia-h20]
workloads:
  - workload: stream
    params: {n: 2^12, dtype: [fp32, fp64]}
)";

Registry registry() {
  Registry r;
  workloads::register_all(r);
  return r;
}

std::string run_into(const Registry& reg, const std::string& path) {
  const ExperimentSpec spec = parse_experiment(kExperiment, "analysis-test.yaml", reg);
  RunOptions opt;
  opt.output = path;
  opt.force = true;
  run_experiment(spec, reg, opt);
  return path;
}

}  // namespace

TEST_CASE("a run reads back into a ResultSet", "[analysis][result_set]") {
  test::TempDir dir;
  const Registry reg = registry();
  const ResultSet rs = load_result_set(run_into(reg, dir.file("r.h5")));
  CHECK(rs.schema_version == schema::kVersion);
  CHECK(rs.experiment_name == "analysis-test");
  CHECK(rs.experiment_yaml == kExperiment);
  REQUIRE(rs.cells.size() == 2);
  CHECK(rs.cells[0].index == 0);
  for (const auto& c : rs.cells) {
    CHECK(c.status == CellStatus::ok);
    CHECK(c.measured.at("step_seconds").size() == 2);
    CHECK_FALSE(c.ledger.empty());
    REQUIRE(c.projection("nvidia-h20") != nullptr);
    CHECK(c.projection("nvidia-h20")->ok);
    CHECK(c.projection("host") != nullptr);  // the runner always adds the self-check
  }
  CHECK(rs.platform("nvidia-h20") != nullptr);
  CHECK_FALSE(rs.summary.empty());
  CHECK_FALSE(rs.parity.empty());
  CHECK(rs.platform_order().back() == "host");
}

TEST_CASE("reports label measured and projected numbers in every format", "[analysis][report]") {
  test::TempDir dir;
  const Registry reg = registry();
  const ResultSet rs = load_result_set(run_into(reg, dir.file("r.h5")));
  const std::string md = render_report(rs, ReportFormat::md);
  CHECK(md.find("## Cells: measured on this machine") != std::string::npos);
  CHECK(md.find("## H20 parity matrix (projected)") != std::string::npos);
  CHECK(md.find("Pennycook PP") != std::string::npos);
  CHECK(md.find("Efficiency kind: architectural") != std::string::npos);
  CHECK(md.find("## Model error on this machine") != std::string::npos);
  const std::string csv = render_report(rs, ReportFormat::csv);
  CHECK(csv.rfind("section,cell,workload,problem,platform,source,quantity", 0) == 0);
  CHECK(csv.find(",measured,step_seconds,") != std::string::npos);
  CHECK(csv.find(",projected,step_seconds,") != std::string::npos);
  CHECK(csv.find("pp_architectural") != std::string::npos);
  const std::string js = render_report(rs, ReportFormat::json);
  CHECK(js.find("\"efficiency_kind\": \"architectural\"") != std::string::npos);
  CHECK(js.find("\"H\": [") != std::string::npos);
  CHECK(js.find("NaN") == std::string::npos);
  CHECK(parse_report_format("html") == ReportFormat::html);
  CHECK_THROWS_AS(parse_report_format("pdf"), Error);
  const std::string html = render_report(rs, ReportFormat::html);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<h2>Parity matrix</h2>") != std::string::npos);
  CHECK(html.find("<h2>Performance portability</h2>") != std::string::npos);
  CHECK(html.find("<svg class=\"chart\"") != std::string::npos);
  CHECK(html.find("http") == std::string::npos);  // self-contained
}

TEST_CASE("the report shows each cell's headline metrics as its workload declares them",
          "[analysis][report]") {
  test::TempDir dir;
  const Registry reg = registry();
  const ResultSet rs = load_result_set(run_into(reg, dir.file("h.h5")));
  const std::string md = render_report(rs, ReportFormat::md, {{"stream", reg.info("stream").metrics}});
  CHECK(md.find("| headline metrics |") != std::string::npos);
  CHECK(md.find("triad_bandwidth ") != std::string::npos);  // declared headline
  CHECK(md.find("copy_bandwidth ") == std::string::npos);   // declared, not headline
  // Without the declarations (a workload this build does not know) the column says "-".
  CHECK(render_report(rs, ReportFormat::md).find("triad_bandwidth ") == std::string::npos);
  CHECK(rs.self_check_platform() == "host");
  CHECK(rs.is_host("host"));
  CHECK_FALSE(rs.is_host("nvidia-h20"));
}

TEST_CASE("two runs compare equal; verify reproduces the numbers", "[analysis][verify]") {
  test::TempDir dir;
  const Registry reg = registry();
  run_into(reg, dir.file("a.h5"));
  run_into(reg, dir.file("b.h5"));
  const auto r = compare_files(dir.file("a.h5"), dir.file("b.h5"), ToleranceRules{});
  INFO(format_compare(r, 20));
  CHECK(r.equal());
  CHECK(r.compared > 50);
  CHECK(r.timing_skipped > 0);

  VerifyOptions opt;
  opt.rerun_path = dir.file("rerun.h5");
  const auto v = verify_result_set(dir.file("a.h5"), reg, ToleranceRules{}, opt);
  INFO(format_compare(v.comparison, 20));
  CHECK(v.cells == 2);
  CHECK(v.comparison.equal());
}

TEST_CASE("load_result_set refuses what is not a result set", "[analysis][result_set]") {
  test::TempDir dir;
  CHECK_THROWS_AS(load_result_set(dir.file("missing.h5")), Error);
  {
    h5::Handle f = h5::create_file(dir.file("other.h5"));
    h5::attr(f, "schema", std::string("something.else"));
  }
  CHECK_THROWS_AS(load_result_set(dir.file("other.h5")), Error);
  {
    h5::Handle f = h5::create_file(dir.file("newer.h5"));
    h5::attr(f, "schema", std::string(schema::kName));
    h5::attr(f, "schema_version", 99LL);
  }
  CHECK_THROWS_AS(load_result_set(dir.file("newer.h5")), Error);
}

TEST_CASE("a written result set holds only declared paths, each dataset with a unit", "[analysis][schema]") {
  test::TempDir dir;
  const Registry reg = registry();
  const Tree t = read_tree(run_into(reg, dir.file("r.h5")));
  std::size_t datasets = 0, reported = 0, cells = 0;
  for (const auto& [path, e] : t) {
    INFO(path);
    const schema::Resolved r = schema::resolve(path);
    REQUIRE(r.entry != nullptr);
    if (!e.table.empty()) {
      ++cells;
      CHECK(r.column != nullptr);
      CHECK(r.column->name == e.column);
      continue;
    }
    const schema::Node node = r.entry->node;
    if (e.attribute) {
      CHECK(node == schema::Node::attribute);
      continue;
    }
    if (e.kind == TreeEntry::Kind::group) {  // groups, tables, and the groups a `{name...}` makes
      const bool several =
          r.entry->path.size() > 4 && r.entry->path.compare(r.entry->path.size() - 4, 4, "...}") == 0;
      CHECK((node == schema::Node::group || node == schema::Node::table || several));
      continue;
    }
    CHECK(node == schema::Node::dataset);
    ++datasets;
    CHECK(t.count(path + "@unit") == 1);
    if (r.entry->kind_from == schema::KindFrom::object) {
      ++reported;
      CHECK(t.count(path + "@kind") == 1);
    } else if (r.entry->unit_from == schema::UnitFrom::fixed) {
      CHECK(t.at(path + "@unit").strings.at(0) == r.entry->unit);
    }
  }
  CHECK(datasets > 40);
  CHECK(reported > 10);
  CHECK(cells > 100);
}

TEST_CASE("the projection's HFU and per-kernel times are stored and add up", "[analysis][result_set]") {
  test::TempDir dir;
  const Registry reg = registry();
  const ResultSet rs = load_result_set(run_into(reg, dir.file("r.h5")));
  for (const auto& c : rs.cells) {
    const ProjectionRecord* p = c.projection("nvidia-h20");
    REQUIRE(p != nullptr);
    REQUIRE(p->ok);
    // STREAM's add and triad do FLOPs in its dtype; the H20 knows fp32 and fp64 peaks.
    REQUIRE(p->hfu.has_value());
    CHECK(p->hfu->low > 0);
    CHECK(p->hfu->low <= p->hfu->nominal);
    CHECK(p->hfu->nominal <= p->hfu->high);
    CHECK(p->hfu->high < 1);  // a memory-bound kernel is far from peak
    CHECK_FALSE(p->hfu_dtype.empty());
    // One row per ledger entry, in ledger order; their times make up the step (docs/projection.md:
    // step = compute + memory + comm + launch, each kernel's time counted in one of them).
    REQUIRE(p->kernels.size() == c.ledger.size());
    double sum = 0;
    for (std::size_t i = 0; i < c.ledger.size(); ++i) {
      CHECK(p->kernels[i].name == c.ledger[i].name);
      CHECK(p->kernels[i].bound != "unknown");
      sum += p->kernels[i].seconds.nominal;
    }
    CHECK(std::abs(sum - p->step_seconds.nominal) <= 1e-12 * p->step_seconds.nominal);
  }
}

TEST_CASE("a schema 1 result set (the golden set) still reads back", "[analysis][result_set]") {
  const ResultSet rs = load_result_set(std::string(XPB_SOURCE_DIR) + "/data/golden/golden-schema1.h5");
  CHECK(rs.schema_version == 1);
  REQUIRE(rs.cells.size() == 4);
  for (const auto& c : rs.cells) {
    CHECK(c.status == CellStatus::ok);
    CHECK(c.measured_kinds.at("step_seconds") == "timing");
    CHECK(c.measured_kinds.at("copy_seconds") == "timing");  // from its unit: schema 1 stored no kind
    CHECK(c.validation_max_rel_err.has_value());
    const ProjectionRecord* p = c.projection("golden-accelerator");
    REQUIRE(p != nullptr);
    CHECK(p->ok);
    CHECK_FALSE(p->hfu.has_value());  // added in schema 2
    CHECK(p->kernels.empty());
  }
  REQUIRE_FALSE(rs.summary.empty());
  for (const auto& r : rs.summary)
    if (r.kind == "measured") CHECK(r.value_kind == "timing");
}

TEST_CASE("model v2 fields round-trip: Monte Carlo, envelopes, parity rows and /projections",
          "[analysis][result_set][projections]") {
  const char* yaml = R"(name: v2-roundtrip
seed: 5
repeats: 2
warmup: 0
platforms: [nvidia-h20, nvidia-a100-sxm-80gb]
parity: {reference: nvidia-h20, band: 0.1}
workloads:
  - workload: stream
    params: {n: 2^12, dtype: fp32}
projections:
  - model: narayanan-1.7b
    devices: 32
    global_batch: 512
)";
  test::TempDir dir;
  const Registry reg = registry();
  const ExperimentSpec spec = parse_experiment(yaml, "v2.yaml", reg);
  RunOptions opt;
  opt.output = dir.file("v2.h5");
  const RunSummary sum = run_experiment(spec, reg, opt);
  REQUIRE(sum.projections.size() == 2);

  // Every path written is declared (the writer would have aborted otherwise; the reader agrees).
  for (const auto& [path, e] : read_tree(opt.output)) {
    INFO(path);
    CHECK(schema::resolve(path).entry != nullptr);
  }
  const ResultSet rs = load_result_set(opt.output);
  REQUIRE(rs.cells.size() == 1);
  const ProjectionRecord* a100 = rs.cells[0].projection("nvidia-a100-sxm-80gb");
  REQUIRE(a100 != nullptr);
  REQUIRE(a100->ok);
  CHECK(a100->monte_carlo_samples > 0);
  CHECK(a100->monte_carlo_seed != 0);
  REQUIRE(a100->step_seconds_envelope.has_value());
  REQUIRE(a100->step_seconds_nominal_inputs.has_value());
  // The envelope pairs every input's extremes: it contains the 5-95 % interval.
  CHECK(a100->step_seconds_envelope->first <= a100->step_seconds.low);
  CHECK(a100->step_seconds.high <= a100->step_seconds_envelope->second);

  // /summary: a parity row per projected platform other than the host; /parity keeps the envelope.
  int parity_rows = 0;
  for (const auto& r : rs.summary)
    if (r.kind == "parity") {
      ++parity_rows;
      CHECK(r.platform != rs.self_check_platform());
    }
  CHECK(parity_rows == 2);
  bool saw_a100 = false;
  for (const auto& p : rs.parity) {
    if (p.platform != "nvidia-a100-sxm-80gb") continue;
    saw_a100 = true;
    CHECK(p.envelope_low <= p.low);
    CHECK(p.low <= p.nominal);
    CHECK(p.nominal <= p.high);
    CHECK(p.high <= p.envelope_high);
  }
  CHECK(saw_a100);

  // /projections read back equals what the run computed.
  REQUIRE(rs.projections.size() == sum.projections.size());
  for (std::size_t i = 0; i < rs.projections.size(); ++i) {
    const PlanProjection& w = sum.projections[i];
    const PlanProjection& r = rs.projections[i];
    INFO(r.platform);
    CHECK(r.status == w.status);
    CHECK(r.platform == w.platform);
    CHECK(r.devices == w.devices);
    CHECK(r.plan == w.plan);
    CHECK(r.samples == w.samples);
    CHECK(r.seed == w.seed);
    CHECK(r.step_median == w.step_median);
    CHECK(r.step_envelope_high == w.step_envelope_high);
    CHECK(r.ratio_p5 == w.ratio_p5);
    CHECK(r.verdict == w.verdict);
    CHECK(r.breakdown == w.breakdown);
  }
}

// The ledger's kinds and collectives are read back from the names the result set stores; the one
// list of each (kAllOpKinds, kAllCollectives) must hold every value the enum names.
TEST_CASE("every ledger kind and collective reads back from its stored name",
          "[analysis][result_set][ledger]") {
  for (OpKind k : kAllOpKinds) {
    CAPTURE(to_string(k));
    CHECK(to_string(k) != "?");
    CHECK(parse_op_kind(std::string(to_string(k))) == k);
    CHECK(op_kind_names().find(std::string(to_string(k))) != std::string::npos);
  }
  for (Collective c : kAllCollectives) {
    CAPTURE(to_string(c));
    CHECK(to_string(c) != "?");
    CHECK(parse_collective(std::string(to_string(c))) == c);
  }
  // A value past the lists has no name: the enum has none the lists miss.
  CHECK(to_string(static_cast<OpKind>(kAllOpKinds.size())) == "?");
  CHECK(to_string(static_cast<Collective>(kAllCollectives.size())) == "?");
  CHECK(parse_op_kind("no such kind") == OpKind::other);
  CHECK(op_kind_names() == "gemm, vector, collective, other, attention_fwd, attention_bwd, norm, transfer");
}
