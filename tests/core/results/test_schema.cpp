// tests/core/results/test_schema.cpp — the result set declaration: path matching, the kinds it
// gives compare, and its markdown and JSON descriptions.
#include <catch2/catch_test_macros.hpp>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>

#include "core/results/schema.hpp"

using namespace xpb::schema;

namespace {

// A concrete path of a pattern: {x} → "x7", {x...} → "x7/y8".
std::string instance(const std::string& pattern) {
  std::string s = std::regex_replace(pattern, std::regex(R"(\{\w+\.\.\.\})"), "x7/y8");
  return std::regex_replace(s, std::regex(R"(\{\w+\})"), "x7");
}

Kind kind_of(const std::string& path, const std::string& unit = {}, const std::string& stored = {},
             const std::string& row_kind = {}) {
  Probe p;
  p.path = path, p.unit = unit, p.stored_kind = stored, p.row_kind = row_kind;
  return classify(p).kind;
}

}  // namespace

TEST_CASE("every declared entry is the first match of its own instances", "[core][schema]") {
  std::set<std::string> seen;
  for (const Entry* e : entries()) {
    CHECK(seen.insert(e->path).second);  // declared once
    INFO(e->path);
    CHECK(find(instance(e->path)) == e);
    CHECK(find(e->path) == e);  // literal placeholders are segments too
    CHECK_FALSE(e->doc.empty());
    CHECK(e->since >= 1);
    CHECK(e->since <= kVersion);
    if (e->node == Node::table) CHECK_FALSE(e->keys().empty());
  }
  CHECK(entries().size() > 80);
}

TEST_CASE("paths the schema does not declare are not found", "[core][schema]") {
  CHECK(find("/@nonesuch") == nullptr);
  CHECK(find("/cells/abc/nonesuch") == nullptr);
  CHECK(find("/cells/abc/measured/loss/deeper") == nullptr);  // {name} is one segment
  CHECK(find("/cells/abc@nonesuch") == nullptr);
  CHECK(find("/cells/abc/arrays/reference/grads/wte") != nullptr);  // {name...} is several
  CHECK(matches("/a/{x}", "/a/b"));
  CHECK_FALSE(matches("/a/{x}", "/a/"));
  CHECK_FALSE(matches("/a/{x}", "/a/b@c"));
  CHECK(matches("/a/{x...}@u", "/a/b/c@u"));
}

TEST_CASE("flattened table cells resolve to their table and column", "[core][schema]") {
  const Resolved s = resolve("/summary/abc/measured/step_seconds/-/median");
  REQUIRE(s.entry != nullptr);
  CHECK(s.entry->path == "/summary");
  REQUIRE(s.column != nullptr);
  CHECK(s.column->name == "median");
  const Resolved l = resolve("/cells/abc/ledger/stream/copy/flops");  // kernel names contain '/'
  REQUIRE(l.column != nullptr);
  CHECK(l.entry->path == "/cells/{cell}/ledger");
  CHECK(l.column->unit == "FLOP");
  CHECK(resolve("/summary/abc/measured/x/-/value_kind").since() == 2);
  CHECK(resolve("/cells/abc/projected/p/kernels/gpt/qkv/seconds_low").since() == 2);
  CHECK(resolve("/cells/abc/ledger/k/nonesuch").entry == nullptr);
  CHECK(find("/summary")->keys() == std::vector<std::string>{"cell", "kind", "metric", "platform"});
}

TEST_CASE("kinds come from the declaration, a value's stored kind, or its unit", "[core][schema]") {
  // Fixed kinds.
  CHECK(kind_of("/cells/a/measured/step_seconds", "s") == Kind::timing);
  CHECK(kind_of("/@host") == Kind::provenance);
  CHECK(kind_of("/@created_utc") == Kind::timing);
  CHECK(kind_of("/@experiment_sha256") == Kind::numeric);
  CHECK(kind_of("/cells/a@finished_utc") == Kind::timing);
  CHECK(kind_of("/cells/a/projected/nvidia-h20/step_seconds", "s") == Kind::numeric);
  CHECK(kind_of("/cells/a/projected/nvidia-h20/hfu") == Kind::numeric);
  CHECK(kind_of("/cells/a/projected/host@error_vs_measured") == Kind::timing);
  CHECK(kind_of("/environment@OMP_NUM_THREADS") == Kind::provenance);
  // Reported values: the stored kind wins; without one (schema 1) the unit decides, never the name.
  CHECK(kind_of("/cells/a/measured/loss", "nats") == Kind::numeric);
  CHECK(kind_of("/cells/a/measured/copy_seconds", "s") == Kind::timing);
  CHECK(kind_of("/cells/a/metrics/launch_us", "us") == Kind::timing);
  CHECK(kind_of("/cells/a/metrics/achieved_gbps", "GB/s") == Kind::timing);
  CHECK(kind_of("/cells/a/metrics/mfu", "") == Kind::numeric);
  CHECK(kind_of("/cells/a/metrics/comm_share", "", "timing") == Kind::timing);
  CHECK(kind_of("/cells/a/metrics/step_seconds", "s", "numeric") == Kind::numeric);
  // /summary rows: their value_kind column; schema 1 rows by row kind and unit.
  CHECK(kind_of("/summary/a/metric/comm_share/-/median", "", "timing", "metric") == Kind::timing);
  CHECK(kind_of("/summary/a/measured/step_seconds/-/median", "s", "", "measured") == Kind::timing);
  CHECK(kind_of("/summary/a/projected/step_seconds/p/median", "s", "", "projected") == Kind::numeric);
  CHECK(kind_of("/summary/a/model_error/step_seconds/host/median", "", "", "model_error") == Kind::timing);
  CHECK(kind_of("/parity/a/p/ratio_low") == Kind::numeric);
  // The machine that ran: by its kind attribute when the file is at hand, else by the name host.
  Probe p;
  p.path = "/platforms/my-box@descriptor_yaml";
  p.attribute = [](const std::string& path) -> std::optional<std::string> {
    return path == "/platforms/my-box@kind" ? std::optional<std::string>("host") : std::nullopt;
  };
  CHECK(classify(p).kind == Kind::provenance);
  p.attribute = [](const std::string&) { return std::optional<std::string>("accelerator"); };
  CHECK(classify(p).kind == Kind::numeric);
  CHECK(kind_of("/platforms/host@sha256") == Kind::provenance);
  CHECK(kind_of("/platforms/nvidia-h20@sha256") == Kind::numeric);
  CHECK(kind_of("/platforms/nvidia-h20@path") == Kind::provenance);
  // Undeclared paths are compared.
  CHECK(kind_of("/nonesuch/x") == Kind::numeric);
}

TEST_CASE("timing units are times and rates per second", "[core][schema]") {
  for (const char* u : {"s", "ms", "us", "ns", "GB/s", "tokens/s", "GFLOP/s"}) CHECK(timing_unit(u));
  for (const char* u : {"", "J", "nats", "B", "FLOP", "days", "GB", "s2"}) CHECK_FALSE(timing_unit(u));
}

TEST_CASE("the markdown and JSON descriptions cover every entry", "[core][schema]") {
  const std::string md = markdown();
  const auto j = nlohmann::json::parse(json());
  CHECK(j["schema"] == kName);
  CHECK(j["version"] == kVersion);
  CHECK(j["oldest_readable"] == kOldestReadable);
  REQUIRE(j["entries"].size() == entries().size());
  std::size_t i = 0;
  for (const Entry* e : entries()) {
    INFO(e->path);
    CHECK(md.find("| `" + e->path + "` |") != std::string::npos);
    const auto& je = j["entries"][i++];
    CHECK(je["path"] == e->path);
    CHECK(je["since"] == e->since);
    for (const auto& c : e->columns) CHECK(md.find("| `" + c.name + "` |") != std::string::npos);
    if (e->node == Node::table) CHECK(je["columns"].size() == e->columns.size());
  }
}
