// tests/core/base/test_input_schema.cpp — the declarative YAML schema: strict validation with file, line,
// key path and hint; typed reading with declared defaults; hostile inputs (non-scalar and
// duplicate keys, alias bombs, deep nesting, oversized files); documentation; writing.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <string>

#include "core/base/error.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/yaml_util.hpp"

using namespace xpb;

namespace {

const input::UnitSet& seconds() {
  static const input::UnitSet u = {"a time", "s", "us", {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}}, {{"sec", "write s"}}};
  return u;
}

const input::Node& doc_schema() {
  using namespace input;
  static const Node s = object(
      {required("name", string("the name")),
       optional("count", integer("how many").range(1, 100).fallback(std::int64_t{7})),
       optional("ratio", number("a fraction").above(0).at_most(1)),
       optional("flag", boolean("on or off").fallback(false)),
       optional("mode", choice({"fast", "slow"}, "speed").fallback(std::string("fast"))),
       optional("tags", list(string(), "labels")),
       optional("extra", map(integer(), "named integers")),
       optional("nested", object({required("a", integer("a")), optional("b", string("b"))}, "a block")),
       optional("latency", quantity(seconds(), {optional("note", string("free text"))}, "a time")
                               .above(0)
                               .statuses_allowed({"unknown"})
                               .flow_style())},
      "a test document");
  return s;
}

Error error_of(const std::string& text) {
  try {
    (void)input::validate(doc_schema(), yaml::parse(text, "t.yaml"), "t.yaml");
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected an xpb::Error for:\n" << text);
  return Error({}, "");
}

input::Value ok(const std::string& text) {
  static std::vector<YAML::Node> keep;  // Values refer to their document
  keep.push_back(yaml::parse(text, "t.yaml"));
  return input::validate(doc_schema(), keep.back(), "t.yaml");
}

}  // namespace

TEST_CASE("schema: typed reading with declared defaults", "[core][schema]") {
  const input::Value v = ok("name: x\nratio: 0.5\ntags: [a, b]\nextra: {p: 1, q: 2}\n"
                             "latency: {value: 3, unit: ms}\nnested: {a: 4}\n");
  CHECK(v["name"].str() == "x");
  CHECK(v["count"].integer() == 7);  // default
  CHECK_FALSE(v.has("count"));
  CHECK(v["ratio"].number() == 0.5);
  CHECK(v["flag"].boolean() == false);
  CHECK(v["mode"].str() == "fast");
  REQUIRE(v["tags"].items().size() == 2);
  CHECK(v["tags"].items()[1].str() == "b");
  CHECK(v["tags"].items()[1].key() == "tags[1]");
  REQUIRE(v["extra"].entries().size() == 2);
  CHECK(v["extra"].entries()[1].first == "q");
  CHECK(v["extra"].entries()[1].second.integer() == 2);
  CHECK(v["latency"].si().nominal == 3e-3);
  CHECK(v["nested"]["a"].integer() == 4);
  CHECK(v["nested"]["a"].line() == 6);
  CHECK(ok("name: y\nlatency: unknown\n")["latency"].status() == "unknown");
}

TEST_CASE("schema: each error names file, line, key path and a hint", "[core][schema]") {
  const Error unknown = error_of("name: x\ncuont: 3\n");
  CHECK(unknown.located() == "t.yaml:2: cuont: unknown key 'cuont'");
  CHECK(unknown.hint() == "did you mean 'count'?");
  const Error nested = error_of("name: x\nnested:\n  a: 1\n  zzz: 2\n");
  CHECK(nested.where().key == "nested.zzz");
  CHECK(nested.where().line == 4);
  CHECK(nested.hint().find("allowed keys: a b") != std::string::npos);
  const Error range = error_of("name: x\ncount: 101\n");
  CHECK(range.located() == "t.yaml:2: count: value 101 is out of range [1, 100]");
  CHECK(error_of("name: x\ncount: many\n").what() == std::string("expected an integer, got 'many'"));
  CHECK(error_of("name: x\nratio: 0\n").what() == std::string("value 0 is out of range (0, 1]"));
  const Error choice = error_of("name: x\nmode: fsat\n");
  CHECK(choice.where().key == "mode");
  CHECK(choice.hint() == "did you mean 'fast'?");
  const Error missing = error_of("count: 3\n");
  CHECK(missing.where().key == "name");  // at the top level, the missing key itself
  CHECK(std::string(missing.what()) == "missing required key 'name'");
  const Error missing_nested = error_of("name: x\nnested: {b: y}\n");
  CHECK(missing_nested.where().key == "nested");  // below it, the mapping that lacks it
  CHECK(std::string(missing_nested.what()) == "missing required key 'a'");
  CHECK(error_of("name: x\ntags: a\n").where().key == "tags");
  CHECK(error_of("name: x\ntags: [a, [b]]\n").where().key == "tags[1]");
  CHECK(error_of("name: [x]\n").what() == std::string("expected a string, got a list"));
  CHECK(error_of("- a\n").what() == std::string("expected a mapping (key: value pairs), got a list"));
}

TEST_CASE("schema: quantities need a unit of their kind and ordered ranges", "[core][schema]") {
  CHECK(error_of("name: x\nlatency: 5\n").what() == std::string("a bare number has no unit"));
  CHECK(error_of("name: x\nlatency: {value: 5}\n").hint() == "one of: s, ms, us");
  const Error unit = error_of("name: x\nlatency: {value: 5, unit: ns}\n");
  CHECK(unit.located() == "t.yaml:2: latency.unit: unit 'ns' is not a time unit");
  CHECK(error_of("name: x\nlatency: {value: 5, unit: sec}\n").hint() == "write s");
  CHECK(error_of("name: x\nlatency: {value: -1, unit: s}\n").what() ==
        std::string("must be positive, got -1 s"));
  const Error order = error_of("name: x\nlatency: {low: 3, nominal: 2, high: 4, unit: s}\n");
  CHECK(order.where().key == "latency.low");
  CHECK(std::string(order.what()) == "low (3) is above nominal (2)");
  CHECK(std::string(error_of("name: x\nlatency: {low: 1, nominal: 2, unit: s}\n").what())
            .find("'high' is missing") != std::string::npos);
  CHECK(error_of("name: x\nlatency: {status: unknwon}\n").hint() == "did you mean 'unknown'?");
}

TEST_CASE("schema: hostile inputs are errors, never crashes", "[core][schema]") {
  // A key that is a list or a mapping (yaml-cpp would throw a conversion error).
  const Error list_key = error_of("? [a, b]\n: 1\nname: x\n");
  CHECK(std::string(list_key.what()).find("a key must be a plain word, not a list") != std::string::npos);
  CHECK(list_key.where().line == 1);
  CHECK(std::string(error_of("name: x\nnested:\n  ? {a: 1}\n  : 2\n").what()).find("not a mapping") !=
        std::string::npos);
  // The same key twice: an error, not "last one wins".
  const Error dup = error_of("name: x\ncount: 2\ncount: 3\n");
  CHECK(dup.located() == "t.yaml:3: count: duplicate key 'count'");
  // Aliases that multiply: 10 levels of 10 references are 10^10 nodes from a few hundred bytes.
  std::string any = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    any += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) any += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    any += "]\n";
  }
  const input::Node anything = input::any();
  try {
    (void)input::validate(anything, yaml::parse(any, "bomb.yaml"), "bomb.yaml");
    FAIL("an alias bomb was accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("expands to more than") != std::string::npos);
  }
  // Nesting beyond the limit.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  CHECK_THROWS_AS(input::validate(anything, yaml::parse(deep, "deep.yaml"), "deep.yaml"), Error);
  // A document over the size limit is refused before parsing.
  CHECK_THROWS_AS(yaml::parse(std::string(yaml::kMaxDocumentBytes + 1, '#'), "big.yaml"), Error);
  // Whatever yaml-cpp throws while parsing becomes an xpb::Error with a line.
  const Error syntax = [] {
    try {
      (void)yaml::parse("a: [1, 2\nb: 3\n", "s.yaml");
    } catch (const Error& e) {
      return e;
    }
    return Error({}, "not thrown");
  }();
  CHECK(std::string(syntax.what()).find("YAML syntax error") != std::string::npos);
  CHECK(syntax.where().line >= 1);
}

namespace {
Error parse_error(const std::string& text) {
  try {
    (void)yaml::parse(text, "p.yaml");
  } catch (const Error& e) {
    return e;
  }
  FAIL("parse accepted a bad text");
  return Error({}, "");
}
bool says(const Error& e, const std::string& fragment) {
  return std::string(e.what()).find(fragment) != std::string::npos;
}
}  // namespace

TEST_CASE("yaml parse: refused before or while parsing", "[core][schema]") {
  // Flow nesting is counted before yaml-cpp recurses (100000 levels would overflow its stack
  // guard's budget of time); brackets in quotes and comments do not count.
  const Error deep = parse_error("a: 1\nb: " + std::string(100000, '['));
  CHECK(says(deep, "nested deeper than 64 levels"));
  CHECK(deep.where().line == 2);
  CHECK_NOTHROW(
      yaml::parse("a: \"" + std::string(100, '[') + "\"\n# " + std::string(100, '{') + "\n", "p.yaml"));
  CHECK_NOTHROW(yaml::parse("a: " + std::string(64, '[') + std::string(64, ']') + "\n", "p.yaml"));
  CHECK(says(parse_error("a: " + std::string(65, '[') + std::string(65, ']') + "\n"), "nested deeper"));
  // Block nesting past yaml-cpp's own guard.
  std::string block;
  for (int i = 0; i < 700; ++i) block += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
  CHECK(says(parse_error(block), "nested too deeply"));
  // A second document would be ignored silently; an empty file would read as "expected a mapping".
  const Error two = parse_error("a: 1\n---\nb: 2\n");
  CHECK(says(two, "2 YAML documents"));
  CHECK(two.where().line == 3);
  CHECK(says(parse_error(""), "the file is empty"));
  CHECK(says(parse_error("# only a comment\n"), "the file is empty"));
  // yaml-cpp drops a NUL without a word; a binary file is not YAML.
  const Error nul = parse_error(std::string("a: b\nc: d\0e\n", 12));
  CHECK(says(nul, "control character (byte 0)"));
  CHECK(nul.where().line == 2);
  CHECK_NOTHROW(yaml::parse("a: 1\r\nb:\t2\r\n", "p.yaml"));
  // The size limit, just over and just under.
  CHECK(says(parse_error("a: \"" + std::string(yaml::kMaxDocumentBytes, 'x') + "\"\n"), "limited to 1 MiB"));
  CHECK_NOTHROW(yaml::parse("a: \"" + std::string(yaml::kMaxDocumentBytes - 8, 'x') + "\"\n", "p.yaml"));
}

TEST_CASE("schema: sweepable scalars accept a non-empty list", "[core][schema]") {
  using namespace input;
  const Node s = object({optional("n", integer("n").range(1, 10).sweepable().fallback(std::int64_t{1}))});
  const YAML::Node d = yaml::parse("n: [1, 2, 3]\n", "p.yaml");
  const Value v = validate(s, d, "p.yaml", "params");
  REQUIRE(v["n"].items().size() == 3);
  CHECK(v["n"].items()[2].integer() == 3);
  try {
    (void)validate(s, yaml::parse("n: [1, 20]\n", "p.yaml"), "p.yaml", "params");
    FAIL("out of range accepted");
  } catch (const Error& e) {
    CHECK(e.where().key == "params.n[1]");
  }
  CHECK_THROWS_AS(validate(s, yaml::parse("n: []\n", "p.yaml"), "p.yaml", "params"), Error);
}

TEST_CASE("schema: the declaration documents itself", "[core][schema]") {
  const std::string md = input::markdown_keys(doc_schema());
  CHECK(md.find("| `name` | text | yes | the name |") != std::string::npos);
  CHECK(md.find("| `count` | integer in [1, 100]; default `7` | no | how many |") != std::string::npos);
  CHECK(md.find("| `nested.a` |") != std::string::npos);
  CHECK(md.find("| `latency` | time (s), or `unknown` | no | a time |") != std::string::npos);
  const std::string units = input::markdown_units(doc_schema());
  CHECK(units.find("| time | `latency` | `s` `ms` `us` | s |") != std::string::npos);
}

TEST_CASE("schema: emit writes declaration order and reads back to the same text", "[core][schema]") {
  YAML::Node d(YAML::NodeType::Map);
  d["latency"]["note"] = "measured \"twice\"";
  d["latency"]["unit"] = "us";
  d["latency"]["value"] = "2.5";
  d["tags"].push_back("yes");  // a string that YAML would read as a boolean unquoted
  d["name"] = "a: b";
  d["count"] = "3";
  const std::string text = input::emit(doc_schema(), d, {"written by a test"});
  CHECK(text.rfind("# written by a test\nname: \"a: b\"\ncount: 3\n", 0) == 0);
  CHECK(text.find("latency: {value: 2.5, unit: us, note: \"measured \\\"twice\\\"\"}") != std::string::npos);
  const YAML::Node back = yaml::parse(text, "w.yaml");
  const input::Value v = input::validate(doc_schema(), back, "w.yaml");
  CHECK(v["name"].str() == "a: b");
  CHECK(v["tags"].items()[0].str() == "yes");
  CHECK(v["latency"].si().nominal == Catch::Approx(2.5e-6).epsilon(1e-15));
  CHECK(input::emit(doc_schema(), back, {"written by a test"}) == text);  // a fixpoint
  // A document the schema rejects is never written.
  YAML::Node bad(YAML::NodeType::Map);
  bad["count"] = "3";
  CHECK_THROWS_AS(input::emit(doc_schema(), bad), Error);
}
