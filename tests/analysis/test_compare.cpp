// tests/analysis/test_compare.cpp — schema-aware comparison on small synthetic result sets.
#include <catch2/catch_test_macros.hpp>

#include "analysis/compare.hpp"
#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"
#include "tests/test_support.hpp"

using namespace xpb;
using namespace xpb::analysis;

namespace {

struct Fake {
  double projected = 2.0e-3;
  double step = 1.0e-3;
  double loss = 5.25;
  std::string created = "2026-11-28T00:00:00Z", host = "a", yaml = "name: x\n";
  bool second_cell = true;
  long long version = 1;
  bool hfu = false;  // a projected path schema version 2 added
};

void write_fake(const std::string& path, const Fake& v) {
  h5::Handle f = h5::create_file(path);
  h5::attr(f, "schema", std::string("xpubench.results"));
  h5::attr(f, "schema_version", v.version);
  h5::attr(f, "created_utc", v.created);
  h5::attr(f, "host", v.host);
  h5::attr(f, "experiment_yaml", v.yaml);
  for (const std::string id : {"abc", "def"}) {
    if (id == "def" && !v.second_cell) continue;
    h5::Handle g = h5::create_group(f, "cells/" + id);
    h5::attr(g, "status", std::string("ok"));
    h5::attr(g, "started_utc", v.created);
    h5::write_doubles(g, "measured/step_seconds", {v.step, v.step * 1.1}, "s");
    h5::write_doubles(g, "measured/loss", {v.loss, v.loss - 1});
    h5::write_doubles(g, "projected/p1/step_seconds", {1e-3, v.projected, 3e-3}, "s");
    if (v.hfu) h5::write_doubles(g, "projected/p1/hfu", {0.1, 0.2, 0.3}, "");
  }
  h5::Table t;
  t.string_columns = {"cell", "kind", "metric", "unit", "platform"};
  t.double_columns = {"median"};
  t.int_columns = {"n"};
  t.strings = {{"abc", "measured", "step_seconds", "s", ""}, {"abc", "projected", "step_seconds", "s", "p1"}};
  t.doubles = {{v.step}, {v.projected}};
  t.ints = {{2}, {1}};
  h5::write_table(f, "summary", t);
}

const Difference* find(const CompareResult& r, const std::string& path) {
  for (const auto& d : r.differences)
    if (d.path == path) return &d;
  return nullptr;
}

}  // namespace

TEST_CASE("numbers_close: exact by default, NaN equals NaN, tolerances", "[analysis][compare]") {
  CHECK(numbers_close(1.0, 1.0, 0, 0));
  CHECK_FALSE(numbers_close(1.0, 1.0 + 1e-15, 0, 0));
  CHECK(numbers_close(1.0, 1.0 + 1e-15, 1e-12, 0));
  CHECK(numbers_close(0.0, 1e-10, 0, 1e-9));
  CHECK(numbers_close(std::nan(""), std::nan(""), 0, 0));
  CHECK_FALSE(numbers_close(std::nan(""), 1.0, 1, 1));
}

TEST_CASE("timings, timestamps and provenance do not make files different", "[analysis][compare]") {
  test::TempDir dir;
  Fake a, b;
  b.step = 7e-3;
  b.created = "2026-11-29T12:00:00Z";
  b.host = "b";
  write_fake(dir.file("a.h5"), a);
  write_fake(dir.file("b.h5"), b);
  const auto r = compare_files(dir.file("a.h5"), dir.file("b.h5"), ToleranceRules{});
  CHECK(r.equal());
  CHECK(r.timing_skipped > 0);
  REQUIRE(r.provenance.size() == 1);
  CHECK(r.provenance[0].path == "/@host");
  CHECK(format_compare(r, 10).find("EQUAL") != std::string::npos);

  CompareOptions with;
  with.timings = true;
  const auto t = compare_files(dir.file("a.h5"), dir.file("b.h5"), ToleranceRules{}, with);
  CHECK_FALSE(t.equal());
  CHECK(find(t, "/cells/abc/measured/step_seconds") != nullptr);
  CHECK(find(t, "/summary/abc/measured/step_seconds/-/median") != nullptr);
}

TEST_CASE("a changed number is found, located and printed", "[analysis][compare]") {
  test::TempDir dir;
  Fake a, b;
  b.projected = 2.5e-3;
  b.loss = 5.0;
  write_fake(dir.file("a.h5"), a);
  write_fake(dir.file("b.h5"), b);
  const auto r = compare_files(dir.file("a.h5"), dir.file("b.h5"), ToleranceRules{});
  CHECK_FALSE(r.equal());
  const Difference* d = find(r, "/cells/abc/projected/p1/step_seconds");
  REQUIRE(d != nullptr);
  CHECK(d->index == 1);
  CHECK(d->differing == 1);
  CHECK(d->a == "0.002");
  CHECK(d->b == "0.0025");
  CHECK(find(r, "/summary/abc/projected/step_seconds/p1/median") != nullptr);
  CHECK(find(r, "/cells/def/measured/loss") != nullptr);
  const std::string text = format_compare(r, 2);
  CHECK(text.find("DIFFERENT") != std::string::npos);
  CHECK(text.find("/cells/abc/projected/p1/step_seconds[1]: 0.002 vs 0.0025") != std::string::npos);
  CHECK(text.find("more (raise -n") != std::string::npos);
}

TEST_CASE("tolerance rules accept small changes and ignore paths", "[analysis][compare]") {
  test::TempDir dir;
  Fake a, b;
  b.projected = a.projected * (1 + 1e-9);
  b.loss = 6.0;
  write_fake(dir.file("a.h5"), a);
  write_fake(dir.file("b.h5"), b);
  const auto rules = ToleranceRules::parse(R"(
rules:
  - {path: "*/measured/loss", kind: ignore}
  - {path: "*step_seconds*", rtol: 1e-6}
)", "inline.yaml");
  const auto r = compare_files(dir.file("a.h5"), dir.file("b.h5"), rules);
  CHECK(r.equal());
  CHECK(r.ignored >= 2);
  // The same change under the default exact comparison is a difference.
  CHECK_FALSE(compare_files(dir.file("a.h5"), dir.file("b.h5"), ToleranceRules{}).equal());
}

TEST_CASE("a missing cell is reported once, and errors are xpb::Error", "[analysis][compare]") {
  test::TempDir dir;
  Fake a, b;
  b.second_cell = false;
  write_fake(dir.file("a.h5"), a);
  write_fake(dir.file("b.h5"), b);
  const auto r = compare_files(dir.file("a.h5"), dir.file("b.h5"), ToleranceRules{});
  REQUIRE(r.differences.size() == 1);
  CHECK(r.differences[0].path == "/cells/def");
  CHECK(r.differences[0].what == "only in A");
  CHECK_THROWS_AS(compare_files(dir.file("a.h5"), dir.file("missing.h5"), ToleranceRules{}), Error);
}

TEST_CASE("paths a later schema added are listed, not counted, against an older file", "[analysis][compare]") {
  test::TempDir dir;
  Fake a, b;
  b.version = 2;
  b.hfu = true;
  write_fake(dir.file("a.h5"), a);
  write_fake(dir.file("b.h5"), b);
  const auto r = compare_files(dir.file("a.h5"), dir.file("b.h5"), ToleranceRules{});
  INFO(format_compare(r, 20));
  CHECK(r.equal());
  REQUIRE(r.added.size() == 2);  // once per cell
  CHECK(r.added[0].path == "/cells/abc/projected/p1/hfu");
  CHECK(r.added[0].what == "new in schema v2");
  CHECK(format_compare(r, 20).find("/cells/abc/projected/p1/hfu: new in schema v2") != std::string::npos);
  // Reversed, the same.
  CHECK(compare_files(dir.file("b.h5"), dir.file("a.h5"), ToleranceRules{}).added.size() == 2);

  // Between files of the same version a missing path is a difference.
  Fake c = a;
  c.hfu = true;
  write_fake(dir.file("c.h5"), c);
  const auto same = compare_files(dir.file("a.h5"), dir.file("c.h5"), ToleranceRules{});
  CHECK_FALSE(same.equal());
  CHECK(same.added.empty());
  REQUIRE(find(same, "/cells/abc/projected/p1/hfu") != nullptr);
  CHECK(find(same, "/cells/abc/projected/p1/hfu")->what == "only in B");

  // A path the older version already had is counted even across versions.
  Fake d = b;
  d.second_cell = false;
  write_fake(dir.file("d.h5"), d);
  const auto gone = compare_files(dir.file("a.h5"), dir.file("d.h5"), ToleranceRules{});
  CHECK_FALSE(gone.equal());
  REQUIRE(find(gone, "/cells/def") != nullptr);
}
