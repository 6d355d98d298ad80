// tests/analysis/test_record_journal.cpp — the writer's journal of cell records
// (core/results/record_journal.hpp): every field comes back, a torn tail is cut off, another
// experiment's journal is refused. Here rather than in tests/core because the round trip is
// checked with analysis/'s reader of whole files (analysis::read_tree), independent of the writer.
// Only fields the result set stores can be checked this way (Projection::kernel_overlap is not).
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "analysis/h5_tree.hpp"
#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/record_journal.hpp"
#include "core/results/result_store.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_experiment.hpp"
#include "tests/test_support.hpp"

using namespace xpb;

namespace {

using Fixture = test::ToyExperiment;

Estimate estimate(double base) {
  Estimate e;
  e.nominal = base, e.median = base * 1.01, e.p5 = base * 0.9, e.p95 = base * 1.2;
  e.envelope_low = base * 0.8, e.envelope_high = base * 1.4, e.samples = {base * 0.95, base * 1.05, base};
  e.seed = 77, e.ok = true;
  return e;
}

Projection projection(const std::string& platform, double base) {
  Projection p;
  p.platform = platform, p.ok = true, p.reason = "projected from 1 kernel";
  p.step = estimate(base), p.step_seconds = p.step.interval();
  p.compute_seconds = {base * 0.1, base * 0.2, base * 0.3}, p.memory_seconds = {base * 0.7, base * 0.8, base};
  p.comm_seconds = {1e-6, 2e-6, 3e-6}, p.launch_seconds = {4e-6, 5e-6, 6e-6}, p.energy_joules = {1, 2, 3};
  p.bound = Bound::memory, p.flops = 123, p.bytes = 456, p.peak_dtype = DType::bf16, p.hfu = {0.1, 0.2, 0.3};
  p.kernels = {{"toy/sum", {base * 0.7, base * 0.8, base}, Bound::memory}};
  p.host_share = 0.5, p.ranks_on_node = 2, p.self_check = platform == "host";
  p.ledger_as_run = "toy as run", p.kernel_overlap = false;
  return p;
}

// A real toy cell with every field a run can leave empty filled in as well.
CellRecord full_record(const Fixture& fx) {
  CellRecord r = fx.run(0);
  r.iterations = 5, r.min_time = 0.25, r.timed_seconds = 1.5, r.working_set_bytes = 4096;
  r.step_units["value"] = "s";
  r.step_kinds["value"] = MetricKind::time;
  r.validation = Validation::ok("compared with a reference", 1e-7, 1e-5);
  r.metrics.scalars.back().unit = "", r.metrics.scalars.back().doc = "steps taken";
  r.ledger_as_run = r.ledger;
  r.ledger_as_run.push_back(
      {"toy/extra", OpKind::gemm, DType::fp16, 1e6, 2e3, 3, Collective::all_reduce, 64, 4});
  r.projections = {projection("host", 1e-3), projection("nvidia-h20", 2e-5)};
  r.model_error = 0.125;
  attach_parity(r, "nvidia-h20");
  r.parity.emplace_back("extra", estimate(3.0));
  r.load_start = 0.5, r.load_end = 0.75, r.cpu_freq = "2100 MHz", r.cpu_governor = "performance";
  r.dispersion = 0.02, r.noise_reasons = {"load average 3 at cell start > 2 online CPU(s)", "second"};
  return r;
}

void append_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

}  // namespace

TEST_CASE("a journal record comes back with every field, as the result set stores it", "[core][journal]") {
  test::TempDir dir;
  Fixture fx;
  const CellRecord rec = full_record(fx);
  REQUIRE(rec.status == CellStatus::ok);
  REQUIRE_FALSE(rec.parity.empty());
  const std::string bytes = serialize_record(rec);
  const CellRecord back = deserialize_record(bytes, fx.spec);
  CHECK(back.cell.id == rec.cell.id);
  CHECK(back.cell.label() == rec.cell.label());
  CHECK(serialize_record(back) == bytes);
  // Written as result sets, the two are the same in every group, dataset, attribute and row.
  const RunHeader h = fx.header();  // one provenance (its created_utc has 1 s resolution)
  ResultStore::write_single(dir.file("a.h5"), h, rec);
  ResultStore::write_single(dir.file("b.h5"), h, back);
  const analysis::Tree a = analysis::read_tree(dir.file("a.h5")), b = analysis::read_tree(dir.file("b.h5"));
  REQUIRE(a.size() > 100);
  CHECK(a.size() == b.size());
  for (const auto& [path, e] : a) {
    INFO(path);
    const auto it = b.find(path);
    REQUIRE(it != b.end());
    CHECK(e.strings == it->second.strings);
    CHECK(e.shape == it->second.shape);
    REQUIRE(e.numbers.size() == it->second.numbers.size());
    for (std::size_t i = 0; i < e.numbers.size(); ++i)
      CHECK((e.numbers[i] == it->second.numbers[i] ||
             (e.numbers[i] != e.numbers[i] && it->second.numbers[i] != it->second.numbers[i])));
  }
  // Truncated or padded bytes do not decode, nor a status (the int32 after the cell id) that no
  // CellStatus has.
  CHECK_THROWS_AS(deserialize_record(std::string_view(bytes).substr(0, bytes.size() - 1), fx.spec), Error);
  CHECK_THROWS_AS(deserialize_record(bytes + "x", fx.spec), Error);
  std::string bad = bytes;
  bad[8 + rec.cell.id.size()] = 4;  // CellStatus::skipped is 3
  CHECK_THROWS_AS(deserialize_record(bad, fx.spec), Error);
  bad[8 + rec.cell.id.size()] = 3;
  CHECK(deserialize_record(bad, fx.spec).status == CellStatus::skipped);
}

TEST_CASE("a journal keeps its complete entries and cuts a torn one off", "[core][journal]") {
  test::TempDir dir;
  Fixture fx;
  const std::string path = dir.file("out.h5.parts/cells.journal");
  const CellRecord a = fx.run(0), b = fx.run(2);
  {
    JournalWriter w(path, fx.spec.sha256);
    w.append(a);
    w.append(b);
  }
  CHECK(count_journal_entries(path) == 2);
  const auto full = std::filesystem::file_size(path);
  std::vector<CellRecord> recs;
  JournalContents c = read_journal(path, fx.spec, recs);
  REQUIRE(recs.size() == 2);
  CHECK(c.entries == 2);
  CHECK(recs[0].cell.id == a.cell.id);
  CHECK(recs[1].cell.id == b.cell.id);
  CHECK(recs[1].step_seconds == b.step_seconds);
  CHECK(c.valid_bytes == full);
  CHECK(c.torn_bytes == 0);

  // A write cut short: the header of a third entry and part of its payload.
  append_bytes(path, std::string("\x40\0\0\0\0\0\0\0\x01\x02\x03\x04partial", 19));
  recs.clear();
  c = read_journal(path, fx.spec, recs);
  CHECK(recs.size() == 2);
  CHECK(c.valid_bytes == full);
  CHECK(c.torn_bytes == 19);

  // A damaged last entry (its checksum fails) is cut off with what follows it.
  std::filesystem::resize_file(path, full);
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(full) - 3);
    f.put('\x7f');
  }
  recs.clear();
  c = read_journal(path, fx.spec, recs);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].cell.id == a.cell.id);
  CHECK(count_journal_entries(path) == 1);

  // Absent: empty. Another experiment's, or not a journal: refused, naming the file.
  recs.clear();
  CHECK(read_journal(dir.file("none"), fx.spec, recs).entries == 0);
  CHECK(recs.empty());
  const Fixture other("other");
  try {
    read_journal(path, other.spec, recs);
    FAIL("another experiment's journal must be refused");
  } catch (const Error& e) {
    CHECK(e.where().file == path);
    CHECK(std::string(e.what()).find("another experiment") != std::string::npos);
  }
  append_bytes(dir.file("junk"), "not a journal at all");
  CHECK_THROWS_AS(read_journal(dir.file("junk"), fx.spec, recs), Error);
  CHECK(count_journal_entries(dir.file("junk")) == 0);
}

TEST_CASE("a cell committed twice before a merge keeps its last record and one set of rows",
          "[core][journal]") {
  test::TempDir dir;
  Fixture fx;
  const std::string path = dir.file("r.h5");
  CellRecord first = fx.run(0);
  first.status = CellStatus::failed, first.reason = "first try";
  CellRecord second = fx.run(0);
  second.reason = "second try";
  {
    ResultStore store(path, fx.header(), false, false);
    store.commit(first);
    CHECK(store.done().empty());
    store.commit(second);
    store.commit(fx.run(1));
    CHECK(count_journal_entries(journal_path(path)) == 3);
    CHECK(store.done().size() == 2);
  }  // merged as the store closes
  h5::Handle f = h5::open_file(path);
  CHECK(h5::children(h5::open_group(f, "cells")).size() == 2);
  CHECK(h5::read_attr_string(h5::open_group(f, "cells/" + first.cell.id), "reason").value() == "second try");
  std::size_t rows = 0;
  for (const auto& r : read_summary(f)) rows += r.cell == first.cell.id && r.metric == "step_seconds" ? 1 : 0;
  CHECK(rows == 1);
}
