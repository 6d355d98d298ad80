// tests/analysis/test_tolerance_rules.cpp — rules files, glob matching, built-in classification.
#include <catch2/catch_test_macros.hpp>

#include "analysis/tolerance_rules.hpp"
#include "core/base/error.hpp"

using namespace xpb;
using namespace xpb::analysis;

namespace {
TreeEntry entry(std::string path, std::string unit = {}, std::string row_kind = {}) {
  TreeEntry e;
  e.path = std::move(path);
  e.kind = TreeEntry::Kind::numbers;
  e.attribute = e.path.find('@') != std::string::npos;
  e.unit = std::move(unit);
  e.row_kind = std::move(row_kind);
  return e;
}
}  // namespace

TEST_CASE("globs cross slashes", "[analysis][rules]") {
  CHECK(path_matches("/cells/*/measured/*seconds", "/cells/abc/measured/step_seconds"));
  CHECK(path_matches("*/ledger/*", "/cells/abc/ledger/stream/triad/flops"));
  CHECK_FALSE(path_matches("/cells/*/metrics/*", "/summary/abc/metric/x/-/median"));
}

TEST_CASE("built-in classification: timings, timestamps, provenance, numbers", "[analysis][rules]") {
  CHECK(builtin_kind(entry("/cells/a/measured/step_seconds", "s")) == RuleKind::timing);
  CHECK(builtin_kind(entry("/cells/a/metrics/achieved_gbps", "GB/s")) == RuleKind::timing);
  CHECK(builtin_kind(entry("/cells/a@started_utc")) == RuleKind::timing);
  CHECK(builtin_kind(entry("/cells/a/projected/host@error_vs_measured")) == RuleKind::timing);
  CHECK(builtin_kind(entry("/summary/a/measured/step_seconds/-/median", "s", "measured")) == RuleKind::timing);
  CHECK(builtin_kind(entry("/summary/a/model_error/step_seconds/host/median", "", "model_error")) == RuleKind::timing);
  CHECK(builtin_kind(entry("/@host")) == RuleKind::provenance);
  CHECK(builtin_kind(entry("/@git_commit")) == RuleKind::provenance);
  CHECK(builtin_kind(entry("/environment@OMP_NUM_THREADS")) == RuleKind::provenance);
  CHECK(builtin_kind(entry("/platforms/host@descriptor_yaml")) == RuleKind::provenance);
  // Numbers that must be reproduced.
  CHECK(builtin_kind(entry("/@experiment_sha256")) == RuleKind::compare);
  CHECK(builtin_kind(entry("/cells/a/projected/nvidia-h20/step_seconds", "s")) == RuleKind::compare);
  CHECK(builtin_kind(entry("/summary/a/projected/step_seconds/nvidia-h20/median", "s", "projected")) == RuleKind::compare);
  CHECK(builtin_kind(entry("/cells/a/measured/loss")) == RuleKind::compare);
  CHECK(builtin_kind(entry("/platforms/nvidia-h20@sha256")) == RuleKind::compare);
}

TEST_CASE("rules file: first match wins, defaults, CLI overrides", "[analysis][rules]") {
  const auto rules = ToleranceRules::parse(R"(
default: {rtol: 1e-12}
rules:
  - path: "/cells/*/series/loss/values"
    rtol: 1e-6
    why: "loss curves may round differently"
  - path: "/cells/*/series/*"
    kind: ignore
  - path: "/@host"
    kind: compare
)", "rules.yaml");
  const Resolution loss = rules.resolve(entry("/cells/a/series/loss/values"));
  CHECK(loss.kind == RuleKind::compare);
  CHECK(loss.rtol == 1e-6);
  CHECK(loss.why.find("rules.yaml:") != std::string::npos);
  CHECK(rules.resolve(entry("/cells/a/series/acc/values")).kind == RuleKind::ignore);
  CHECK(rules.resolve(entry("/@host")).kind == RuleKind::compare);  // user rule beats built-in
  const Resolution other = rules.resolve(entry("/cells/a/projected/x/step_seconds"));
  CHECK(other.rtol == 1e-12);
  ToleranceRules copy = rules;
  copy.set_default(1e-3, std::nullopt);
  CHECK(copy.resolve(entry("/cells/a/projected/x/step_seconds")).rtol == 1e-3);
}

TEST_CASE("malformed rules are xpb::Error with a location", "[analysis][rules]") {
  CHECK_THROWS_AS(ToleranceRules::parse("rules:\n  - path: x\n    kind: sometimes\n", "r.yaml"), Error);
  CHECK_THROWS_AS(ToleranceRules::parse("rules:\n  - pth: x\n", "r.yaml"), Error);
  CHECK_THROWS_AS(ToleranceRules::parse("rules:\n  - path: x\n    rtol: -1\n", "r.yaml"), Error);
  try {
    ToleranceRules::parse("default: {rtl: 1}\n", "r.yaml");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.located().find("r.yaml:1") != std::string::npos);
  }
}
