// tests/core/test_experiment.cpp — experiment parsing: expansion, zip, strict errors, cell ids.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include "core/base/error.hpp"
#include "core/experiment/experiment.hpp"
#include "tests/core/toy_workload.hpp"

using namespace xpb;

namespace {

Registry toy_registry() {
  Registry r;
  test::register_toy(r);
  return r;
}

// Parses `text`; returns the error it throws (fails the test if none).
Error parse_error(const std::string& text) {
  const Registry r = toy_registry();
  try {
    parse_experiment(text, "exp.yaml", r);
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected an xpb::Error");
  return Error({}, "");
}

}  // namespace

TEST_CASE("lists expand to a Cartesian product, last parameter fastest", "[core][experiment]") {
  const Registry r = toy_registry();
  const auto spec = parse_experiment(R"(
name: t
seed: 3
repeats: 2
workloads:
  - workload: toy
    params: {n: [1, 2, 3], mode: [ok, invalid]}
)", "exp.yaml", r);
  REQUIRE(spec.cells.size() == 6);
  CHECK(spec.cells[0].params.get_int("n") == 1);
  CHECK(spec.cells[0].params.get_string("mode") == "ok");
  CHECK(spec.cells[1].params.get_string("mode") == "invalid");
  CHECK(spec.cells[2].params.get_int("n") == 2);
  CHECK(spec.cells[5].index == 5);
  CHECK(spec.cells[0].repeats == 2);
  CHECK(spec.cells[0].seed == 3);
  CHECK(spec.cells[0].params.get_bool("flag") == false);  // default filled in
  CHECK(spec.sha256.size() == 64);
}

TEST_CASE("zip groups expand together", "[core][experiment]") {
  const Registry r = toy_registry();
  const auto spec = parse_experiment(R"(
name: t
workloads:
  - workload: toy
    params: {n: [1, 2, 3], x: [0.1, 0.2, 0.3], mode: [ok, train]}
    zip: [[n, x]]
)", "exp.yaml", r);
  REQUIRE(spec.cells.size() == 6);
  for (const auto& c : spec.cells) CHECK(c.params.get_number("x") == Catch::Approx(0.1 * double(c.params.get_int("n"))));
}

TEST_CASE("sizes may be written as powers of two", "[core][experiment]") {
  const Registry r = toy_registry();
  const auto spec = parse_experiment("name: t\nworkloads:\n  - workload: toy\n    params: {n: [2^10, 3*2^4]}\n",
                                     "exp.yaml", r);
  REQUIRE(spec.cells.size() == 2);
  CHECK(spec.cells[0].params.get_int("n") == 1024);
  CHECK(spec.cells[1].params.get_int("n") == 48);
}

TEST_CASE("cell ids are stable and depend on workload, params and seed", "[core][experiment]") {
  const Registry r = toy_registry();
  const std::string a = "name: a\nseed: 1\nworkloads:\n  - workload: toy\n    params: {n: 5}\n";
  const std::string b = "name: b\nseed: 1\ndescription: other\nworkloads:\n  - workload: toy\n    params: {n: 5, mode: ok}\n";
  const std::string c = "name: a\nseed: 2\nworkloads:\n  - workload: toy\n    params: {n: 5}\n";
  const auto ia = parse_experiment(a, "a.yaml", r).cells.at(0).id;
  CHECK(ia.size() == 12);
  CHECK(ia == parse_experiment(b, "b.yaml", r).cells.at(0).id);  // same canonical cell
  CHECK(ia != parse_experiment(c, "c.yaml", r).cells.at(0).id);
}

TEST_CASE("misspelt top-level key names file, line, key and a suggestion", "[core][experiment]") {
  const Error e = parse_error("name: t\nrepeets: 3\nworkloads:\n  - workload: toy\n");
  CHECK(e.where().file == "exp.yaml");
  CHECK(e.where().line == 2);
  CHECK(e.where().key == "repeets");
  CHECK(e.hint().find("repeats") != std::string::npos);
  CHECK(e.located() == "exp.yaml:2: repeets: unknown key 'repeets'");
}

TEST_CASE("unknown parameter names the key path", "[core][experiment]") {
  const Error e = parse_error("name: t\nworkloads:\n  - workload: toy\n    params:\n      nn: 4\n");
  CHECK(e.where().line == 5);
  CHECK(e.where().key == "workloads[0].params.nn");
  CHECK(e.hint() == "did you mean 'n'?");
}

TEST_CASE("out-of-range, wrong type and bad choice values are rejected", "[core][experiment]") {
  CHECK(parse_error("name: t\nworkloads:\n  - workload: toy\n    params: {n: 0}\n").where().key ==
        "workloads[0].params.n");
  CHECK(std::string(parse_error("name: t\nworkloads:\n  - workload: toy\n    params: {n: big}\n").what())
            .find("expected an integer") != std::string::npos);
  const Error e = parse_error("name: t\nworkloads:\n  - workload: toy\n    params: {n: [1, 2], mode: [ok, invlid]}\n");
  CHECK(e.where().key == "workloads[0].params.mode[1]");
  CHECK(e.hint() == "did you mean 'invalid'?");
  CHECK(parse_error("name: t\nrepeats: 0\nworkloads:\n  - workload: toy\n").where().key == "repeats");
}

TEST_CASE("unknown workload, missing keys, unequal zips and duplicates are errors", "[core][experiment]") {
  const Error w = parse_error("name: t\nworkloads:\n  - workload: tyo\n");
  CHECK(w.where().key == "workloads[0].workload");
  CHECK(w.where().line == 3);
  CHECK(w.hint() == "did you mean 'toy'?");
  CHECK(parse_error("workloads:\n  - workload: toy\n").where().key == "name");
  CHECK(parse_error("name: t\n").where().key == "workloads");
  const Error z = parse_error("name: t\nworkloads:\n  - workload: toy\n    params: {n: [1, 2], x: [0.1]}\n    zip: [[n, x]]\n");
  CHECK(std::string(z.what()).find("unequal length") != std::string::npos);
  CHECK(z.where().key == "workloads[0].zip[0]");
  const Error d = parse_error("name: t\nworkloads:\n  - workload: toy\n  - workload: toy\n    params: {n: 10}\n");
  CHECK(std::string(d.what()).find("duplicate cell") != std::string::npos);
  CHECK(parse_error("name: t\nworkloads: [\n").where().line >= 1);  // YAML syntax error
}

TEST_CASE("cell globs match workload, id or label", "[core][experiment]") {
  const Registry r = toy_registry();
  const auto spec = parse_experiment("name: t\nworkloads:\n  - workload: toy\n    params: {n: [1, 2]}\n", "e.yaml", r);
  const Cell& c = spec.cells.at(1);
  CHECK(cell_matches(c, "toy"));
  CHECK(cell_matches(c, c.id.substr(0, 4) + "*"));
  CHECK(cell_matches(c, "*n=2*"));
  CHECK_FALSE(cell_matches(c, "*n=1 *"));
}

TEST_CASE("the cell count is checked before expansion, against --max-cells", "[core][experiment]") {
  const Registry r = toy_registry();
  std::string text = "name: t\nworkloads:\n  - workload: toy\n    params:\n      n: [";
  for (int i = 1; i <= 60; ++i) text += (i > 1 ? ", " : "") + std::to_string(i);
  text += "]\n      mode: [ok, invalid]\n      flag: false\n";
  try {
    parse_experiment(text, "exp.yaml", r, 100);
    FAIL("120 cells passed a budget of 100");
  } catch (const Error& e) {
    // The message names the lists that multiply (not the single value) and the way out.
    CHECK(e.located() ==
          "exp.yaml:3: workloads[0]: the experiment expands to 120 cells, more than the limit of 100 "
          "(workloads[0]: n: 60 × mode: 2)");
    CHECK(e.hint().find("--max-cells") != std::string::npos);
  }
  CHECK(parse_experiment(text, "exp.yaml", r, 120).cells.size() == 120);
  // Entries add up: two entries of 60 are 120.
  std::string two = "name: t\nworkloads:\n";
  for (const char* mode : {"ok", "invalid"}) {
    two += "  - workload: toy\n    params:\n      mode: " + std::string(mode) + "\n      n: [";
    for (int i = 1; i <= 60; ++i) two += (i > 1 ? ", " : "") + std::to_string(i);
    two += "]\n";
  }
  CHECK_THROWS_AS(parse_experiment(two, "exp.yaml", r, 119), Error);
  CHECK(parse_experiment(two, "exp.yaml", r, 120).cells.size() == 120);
  CHECK(kDefaultMaxCells == 100000);
}

TEST_CASE("a platform listed twice is refused where it is written", "[core][experiment]") {
  const Error e = parse_error("name: t\nplatforms: [a, b,\n  a]\nworkloads:\n  - workload: toy\n");
  CHECK(e.located() == "exp.yaml:3: platforms[2]: platform 'a' is listed twice (first at line 2)");
}

TEST_CASE("projections: device counts and batches outside their int ranges are refused",
          "[core][experiment]") {
  const std::string head = "name: t\nprojections:\n  - model: gpt3-175b\n";
  CHECK(std::string(parse_error(head + "    devices: 99999999999\n").what())
            .find("out of range [1, 16777216]") != std::string::npos);
  CHECK(std::string(parse_error(head + "    devices: 8\n    global_batch: 1e300\n").what())
            .find("out of range [1, 1073741824]") != std::string::npos);
  CHECK(std::string(parse_error(head + "    devices: 8\n    global_batch: 1536.5\n").what())
            .find("whole number") != std::string::npos);
}

TEST_CASE("min_time: top level for every entry, an entry's own overrides it, out of range refused",
          "[core][experiment][min_time]") {
  const Registry r = toy_registry();
  const ExperimentSpec spec = parse_experiment(
      "name: t\nmin_time: 0.25\nworkloads:\n  - workload: toy\n    params: {n: 1}\n"
      "  - workload: toy\n    params: {n: 2}\n    min_time: 0\n",
      "exp.yaml", r);
  REQUIRE(spec.cells.size() == 2);
  CHECK(spec.cells[0].min_time == 0.25);
  CHECK(spec.cells[1].min_time == 0);
  CHECK(parse_experiment("name: t\nworkloads:\n  - workload: toy\n", "exp.yaml", r).cells.at(0).min_time ==
        0);
  const Error neg = parse_error("name: t\nmin_time: -1\nworkloads:\n  - workload: toy\n");
  CHECK(neg.where().key == "min_time");
  CHECK(neg.where().line == 2);
  CHECK(parse_error("name: t\nworkloads:\n  - workload: toy\n    min_time: 4000\n").where().key ==
        "workloads[0].min_time");
}
