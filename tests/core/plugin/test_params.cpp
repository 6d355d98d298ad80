// tests/core/test_params.cpp — declared parameters: checks, defaults, canonical forms.
#include <catch2/catch_test_macros.hpp>

#include "core/plugin/params.hpp"

using namespace xpb;

static ParamSchema declared() {
  ParamSchema s;
  s.integer("n", 16, 1, 1024, "elements").number("lr", 1e-3, 0.0, 1.0, "learning rate")
      .boolean("causal", true, "mask").choice("dtype", "fp32", {"fp32", "fp64"}, "type");
  return s;
}

TEST_CASE("check_value enforces type and range", "[core][params]") {
  const ParamSchema s = declared();
  CHECK(check_value(*s.find("n"), ParamValue{std::int64_t{8}}).empty());
  CHECK_FALSE(check_value(*s.find("n"), ParamValue{std::int64_t{0}}).empty());
  CHECK_FALSE(check_value(*s.find("n"), ParamValue{std::int64_t{2048}}).empty());
  CHECK_FALSE(check_value(*s.find("n"), ParamValue{2.5}).empty());
  CHECK(check_value(*s.find("lr"), ParamValue{std::int64_t{1}}).empty());  // integer for a number
  CHECK_FALSE(check_value(*s.find("lr"), ParamValue{1.5}).empty());
  CHECK_FALSE(check_value(*s.find("causal"), ParamValue{std::string("yes")}).empty());
  const std::string msg = check_value(*s.find("dtype"), ParamValue{std::string("fp16")});
  CHECK(msg.find("fp32, fp64") != std::string::npos);
}

TEST_CASE("complete fills defaults and canonicalises numbers", "[core][params]") {
  const Params p = complete(declared(), {{"n", std::int64_t{4}}, {"lr", std::int64_t{1}}});
  CHECK(p.get_int("n") == 4);
  CHECK(p.get_number("lr") == 1.0);
  CHECK(std::holds_alternative<double>(p.values().at("lr")));
  CHECK(p.get_bool("causal"));
  CHECK(p.get_string("dtype") == "fp32");
  CHECK(p.canonical_json() == R"({"causal":true,"dtype":"fp32","lr":1,"n":4})");
  CHECK(p.brief() == "causal=true dtype=fp32 lr=1 n=4");
}

TEST_CASE("canonical JSON is independent of insertion order and escapes strings", "[core][params]") {
  Params a, b;
  a.set("x", std::string("a\"b"));
  a.set("y", std::int64_t{1});
  b.set("y", std::int64_t{1});
  b.set("x", std::string("a\"b"));
  CHECK(a.canonical_json() == b.canonical_json());
  CHECK(a.canonical_json() == R"({"x":"a\"b","y":1})");
  CHECK(to_display(ParamValue{0.1}) == "0.1");
}
