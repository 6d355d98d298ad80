// tests/core/test_result_store.cpp — the HDF5 result set: layout, summary, atomic commits, resume.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/record_journal.hpp"
#include "core/results/result_store.hpp"
#include "core/results/schema.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_experiment.hpp"
#include "tests/test_support.hpp"

using namespace xpb;

namespace {

using Fixture = test::ToyExperiment;

}  // namespace

TEST_CASE("describe computes order statistics", "[core][result_store]") {
  const SummaryRow r = describe({4, 1, 3, 2});
  CHECK(r.n == 4);
  CHECK(r.median == Catch::Approx(2.5));
  CHECK(r.q1 == Catch::Approx(1.75));
  CHECK(r.q3 == Catch::Approx(3.25));
  CHECK(r.min == 1);
  CHECK(r.max == 4);
  CHECK(r.last == 2);
  CHECK(r.mean == Catch::Approx(2.5));
  // low/high: the 5 % and 95 % points by linear interpolation (1 + 0.05·3, 1 + 0.95·3).
  CHECK(r.low == Catch::Approx(1.15));
  CHECK(r.high == Catch::Approx(3.85));
}

TEST_CASE("a committed cell is readable with its provenance, samples, metrics and ledger",
          "[core][result_store]") {
  test::TempDir dir;
  Fixture fx;
  const std::string path = dir.file("r.h5");
  ResultStore store(path, fx.header(), false, false);
  const CellRecord rec = fx.run(0);
  REQUIRE(rec.status == CellStatus::ok);
  REQUIRE(rec.step_seconds.size() == 3);
  REQUIRE(rec.warmup_seconds.size() == 1);
  store.commit(rec);
  store.commit(fx.run(1));
  store.flush();

  h5::Handle f = h5::open_file(path);
  CHECK(h5::read_attr_string(f, "schema").value() == "xpubench.results");
  CHECK(h5::read_attr_int(f, "schema_version").value() == schema::kVersion);
  CHECK(h5::read_attr_string(f, "experiment_sha256").value() == fx.spec.sha256);
  CHECK(h5::read_attr_string(f, "experiment_yaml").value() == fx.spec.yaml_text);
  CHECK(h5::read_attr_string(f, "kokkos_backend").has_value());
  CHECK(h5::read_attr_string(f, "git_commit").has_value());
  CHECK(h5::read_attr_string(f, "command_line").value() == "xpubench test");
  const std::string base = "cells/" + rec.cell.id;
  h5::Handle g = h5::open_group(f, base);
  CHECK(h5::read_attr_string(g, "status").value() == "ok");
  CHECK(h5::read_attr_string(g, "params").value() == rec.cell.params.canonical_json());
  CHECK(h5::read_doubles(g, "measured/step_seconds").size() == 3);
  CHECK(h5::read_doubles(g, "measured/value") == rec.step_values.at(0).second);
  CHECK(h5::read_doubles(g, "series/curve/index") == std::vector<double>{10, 20, 30});
  CHECK(h5::dataset_shape(g, "arrays/ref/w") == std::vector<std::size_t>{2, 2});
  CHECK(h5::read_doubles(g, "metrics/steps") == std::vector<double>{4});  // 1 warm-up + 3 timed
  const auto ledger = h5::read_table(g, "ledger");
  REQUIRE(ledger.strings.size() == 1);
  CHECK(ledger.strings[0][0] == "toy/sum");
  CHECK(ledger.doubles[0][0] == 10);  // flops

  // The invalid cell is stored with its reason.
  h5::Handle g1 = h5::open_group(f, "cells/" + fx.spec.cells[1].id);
  CHECK(h5::read_attr_string(g1, "status").value() == "invalid");
  CHECK(h5::read_attr_string(g1, "reason").value() == "toy says invalid");

  // One summary row per cell x metric.
  const auto t = h5::read_table(f, "summary");
  std::set<std::string> cells;
  int step_rows = 0;
  for (const auto& row : t.strings) {
    cells.insert(row[0]);
    if (row[4] == "measured" && row[5] == "step_seconds") ++step_rows;
  }
  CHECK(cells.size() == 2);
  CHECK(step_rows == 2);
}

TEST_CASE("every dataset has a unit, reported values a kind, validation numbers only when compared",
          "[core][result_store]") {
  test::TempDir dir;
  Fixture fx;
  const std::string path = dir.file("r.h5");
  ResultStore store(path, fx.header(), false, false);
  const CellRecord ok = fx.run(0), invalid = fx.run(1);
  store.commit(ok);
  store.commit(invalid);
  store.flush();
  h5::Handle f = h5::open_file(path);
  h5::Handle g = h5::open_group(f, "cells/" + ok.cell.id);
  auto attr = [&](const std::string& dataset, const char* name) {
    h5::Handle d(H5Dopen2(g, dataset.c_str(), H5P_DEFAULT));
    return h5::read_attr_string(d, name);
  };
  CHECK(attr("measured/step_seconds", "unit") == "s");
  CHECK(attr("measured/value", "unit") == "");  // the toy declares no unit: dimensionless, said so
  CHECK(attr("measured/value", "kind") == "numeric");
  CHECK(attr("metrics/steps", "unit") == "");
  CHECK(attr("metrics/steps", "kind") == "numeric");
  CHECK(attr("series/curve/values", "unit") == "");
  CHECK(attr("series/curve/index", "unit") == "");
  CHECK(attr("arrays/ref/w", "unit") == "");
  CHECK(attr("arrays/ref/w", "dtype") == "float32");
  // "toy ok" compares no numbers; "toy says invalid" reports 1 against 0.
  h5::Handle v = h5::open_group(g, "validation");
  CHECK_FALSE(h5::read_attr_double(v, "max_rel_err").has_value());
  CHECK_FALSE(h5::read_attr_double(v, "tolerance").has_value());
  h5::Handle v1 = h5::open_group(f, "cells/" + invalid.cell.id + "/validation");
  CHECK(h5::read_attr_double(v1, "max_rel_err") == 1.0);
  CHECK(h5::read_attr_double(v1, "tolerance") == 0.0);
  // /summary says which rows are timings.
  const auto rows = read_summary(f);
  REQUIRE_FALSE(rows.empty());
  for (const auto& r : rows) {
    INFO(r.metric);
    if (r.metric == "step_seconds" && r.kind == "measured") CHECK(r.value_kind == "timing");
    if (r.metric == "value") CHECK(r.value_kind == "numeric");
    // low/high: the 5 % and 95 % points, inside the whole range (rows of a projection that is
    // unavailable, e.g. onto an uncalibrated host, hold no numbers).
    if (std::isnan(r.median)) continue;
    CHECK(r.min <= r.low);
    CHECK(r.low <= r.median);
    CHECK(r.median <= r.high);
    CHECK(r.high <= r.max);
  }
}

TEST_CASE("a committed cell waits in the journal until the store flushes; a SIGKILL loses none of it",
          "[core][result_store]") {
  test::TempDir dir;
  Fixture fx;
  const std::string path = dir.file("r.h5");
  const CellRecord a = fx.run(0), b = fx.run(1), c = fx.run(2);
  auto file_cells = [&] { return h5::children(h5::open_group(h5::open_file(path), "cells")).size(); };
  {
    ResultStore store(path, fx.header(), false, false);
    store.commit(a);
    store.commit(b);
    // Each cell is appended at once to the journal; the file itself is not rewritten.
    CHECK(count_journal_entries(journal_path(path)) == 2);
    CHECK(list_fragments(path).empty());
    CHECK(file_cells() == 0);
    CHECK(store.done().size() == 2);
    store.flush();
    CHECK(file_cells() == 2);
    CHECK_FALSE(std::filesystem::exists(fragment_dir(path)));
    store.commit(c);
  }  // the end of the store merges what is left
  CHECK(file_cells() == 3);

  // A process killed with cells in its journal, the last entry torn: the complete entries are
  // kept, and a resuming store merges them into the file as it opens.
  const std::string killed = dir.file("killed.h5");
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ResultStore store(killed, fx.header(), false, false);
    store.commit(a);
    store.commit(b);
    raise(SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  CHECK(count_journal_entries(journal_path(killed)) == 2);
  { std::ofstream(journal_path(killed), std::ios::binary | std::ios::app) << std::string(30, '\x11'); }
  ResultStore resumed(killed, fx.header(), true, false);
  CHECK(resumed.done().size() == 2);
  CHECK(h5::children(h5::open_group(h5::open_file(killed), "cells")).size() == 2);
  CHECK_FALSE(std::filesystem::exists(journal_path(killed)));
}

TEST_CASE("resume refuses a result set of another schema version", "[core][result_store]") {
  test::TempDir dir;
  Fixture fx;
  const std::string path = dir.file("r.h5");
  {
    ResultStore store(path, fx.header(), false, false);
    store.commit(fx.run(0));
  }
  {
    h5::Handle f = h5::open_file(path, true);
    h5::attr(f, "schema_version", static_cast<long long>(schema::kVersion - 1));
  }
  try {
    ResultStore s(path, fx.header(), true, false);
    FAIL("a file of another schema version must not be completed");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("schema version") != std::string::npos);
    CHECK(e.hint().find("--force") != std::string::npos);
  }
  ResultStore forced(path, fx.header(), true, true);
  CHECK(forced.done().empty());
}

TEST_CASE("resume keeps completed cells; other experiments are refused", "[core][result_store]") {
  test::TempDir dir;
  Fixture fx;
  const std::string path = dir.file("r.h5");
  {
    ResultStore store(path, fx.header(), false, false);
    store.commit(fx.run(0));
    store.commit(fx.run(1));
  }
  // Without --resume or --force an existing file is refused.
  CHECK_THROWS_AS(ResultStore(path, fx.header(), false, false), Error);
  {
    ResultStore store(path, fx.header(), true, false);
    CHECK(store.done().size() == 2);
    CHECK(store.done().count(fx.spec.cells[0].id) == 1);
    store.commit(fx.run(2));
  }
  {
    h5::Handle f = h5::open_file(path);
    CHECK(h5::children(h5::open_group(f, "cells")).size() == 3);
    CHECK(h5::read_attr_int(f, "resume_count").value() == 1);
  }
  Fixture other("other");
  try {
    ResultStore s(path, other.header(), true, false);
    FAIL("a different experiment must be refused");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("different experiment") != std::string::npos);
  }
  // --force starts over.
  ResultStore forced(path, other.header(), true, true);
  CHECK(forced.done().empty());
}

TEST_CASE("run_cell records invalid, failed and training cells", "[core][runner]") {
  Registry reg;
  test::register_toy(reg);
  const auto spec = parse_experiment(
      "name: r\nrepeats: 2\nworkloads:\n  - workload: toy\n"
      "    params: {mode: [reject, crash, train]}\n",
      "r.yaml", reg);
  const CellRecord reject = run_cell(spec.cells[0], reg, {}, Context{});
  CHECK(reject.status == CellStatus::invalid);
  CHECK(reject.reason.find("mode=reject is not supported") != std::string::npos);
  const CellRecord crash = run_cell(spec.cells[1], reg, {}, Context{});
  CHECK(crash.status == CellStatus::failed);
  CHECK(crash.reason.find("boom") != std::string::npos);
  const CellRecord train = run_cell(spec.cells[2], reg, {}, Context{});
  CHECK(train.status == CellStatus::ok);
  CHECK(train.step_seconds.size() == 7);  // planned steps, not repeats
  CHECK(train.warmup_seconds.empty());    // no warm-up for training
}

TEST_CASE("run_cell is deterministic in every non-timing number", "[core][runner]") {
  Fixture fx;
  const CellRecord a = fx.run(2), b = fx.run(2);
  CHECK(a.step_values == b.step_values);
  CHECK(a.metrics.attributes == b.metrics.attributes);
}

TEST_CASE("parity rows compare each platform with the reference", "[core][parity]") {
  std::vector<SummaryRow> rows;
  auto proj = [&](const std::string& plat, double lo, double nom, double hi) {
    SummaryRow r;
    r.cell = "c1", r.workload = "w", r.kind = "projected", r.metric = "step_seconds";
    r.platform = plat, r.n = 1, r.low = lo, r.median = nom, r.high = hi, r.note = "memory";
    rows.push_back(r);
  };
  proj("ref", 1.0, 1.0, 1.0);
  proj("fast", 0.4, 0.5, 0.6);
  proj("same", 0.97, 1.0, 1.03);
  proj("wide", 0.5, 1.0, 2.0);
  proj("slow", 2.0, 3.0, 4.0);
  proj("host", 9, 9, 9);
  const auto pr = parity_rows(rows, "ref", 0.10, {"host"});
  std::map<std::string, ParityRow> by;
  for (const auto& p : pr) by[p.platform] = p;
  CHECK(by.count("host") == 0);
  CHECK(by["ref"].verdict == "parity");
  CHECK(by["fast"].verdict == "above");
  CHECK(by["fast"].nominal == Catch::Approx(2.0));
  CHECK(by["same"].verdict == "parity");
  CHECK(by["wide"].verdict == "inconclusive");
  CHECK(by["slow"].verdict == "below");
  CHECK(by["slow"].low == Catch::Approx(0.25));
}

TEST_CASE("summary: time to target per platform is measured steps x projected step time",
          "[core][result_store][time_to_target]") {
  CellRecord rec;
  rec.cell.id = "c", rec.cell.workload = "w";
  rec.metrics.scalars.push_back({"steps_to_target", 40, "steps", "", MetricKind::quantity});
  Projection ok;
  ok.platform = "fast", ok.ok = true;
  ok.step_seconds = {0.5, 1.0, 2.0};  // low, nominal, high
  Projection missing;
  missing.platform = "unknown", missing.ok = false;
  rec.projections = {ok, missing};
  std::vector<SummaryRow> ttt;
  for (const auto& r : summarize(rec))
    if (r.metric == "seconds_to_target") ttt.push_back(r);
  REQUIRE(ttt.size() == 1);  // none for the platform without a projection
  CHECK(ttt[0].kind == "projected");
  CHECK(ttt[0].platform == "fast");
  CHECK(ttt[0].median == Catch::Approx(40.0));
  CHECK(ttt[0].low == Catch::Approx(20.0));
  CHECK(ttt[0].high == Catch::Approx(80.0));
  // A target never reached (steps_to_target -1) projects no time.
  rec.metrics.scalars[0].value = -1;
  for (const auto& r : summarize(rec)) CHECK(r.metric != "seconds_to_target");
}

TEST_CASE("the same cell written twice, seconds apart, gives the same bytes (no object times)",
          "[core][result_store]") {
  test::TempDir dir;
  Fixture fx;
  const RunHeader h = fx.header();  // one provenance for both
  const CellRecord rec = fx.run(0);
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  ResultStore::write_single(dir.file("a.h5"), h, rec);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // HDF5 times have 1 s resolution
  ResultStore::write_single(dir.file("b.h5"), h, rec);
  const std::string a = bytes(dir.file("a.h5"));
  REQUIRE(a.size() > 1000);
  CHECK(a.size() == bytes(dir.file("b.h5")).size());
  CHECK((a == bytes(dir.file("b.h5"))));  // in parentheses: Catch would print both files
}
