// tests/core/test_dtype.cpp — names and sizes of precisions.
#include <catch2/catch_test_macros.hpp>

#include "core/base/dtype.hpp"

using namespace xpb;

TEST_CASE("dtype names round-trip", "[core][dtype]") {
  for (DType d : kAllDTypes) {
    const auto parsed = parse_dtype(to_string(d));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == d);
  }
  CHECK_FALSE(parse_dtype("bfloat16").has_value());
  CHECK_FALSE(parse_dtype("").has_value());
}

TEST_CASE("dtype sizes", "[core][dtype]") {
  CHECK(dtype_bytes(DType::fp64) == 8);
  CHECK(dtype_bytes(DType::tf32) == 4);
  CHECK(dtype_bytes(DType::bf16) == 2);
  CHECK(dtype_bytes(DType::fp8) == 1);
}
