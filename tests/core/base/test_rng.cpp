// tests/core/test_rng.cpp — the counter-based RNG: keyed, reproducible, well spread.
#include <catch2/catch_test_macros.hpp>

#include <cmath>

#include "core/base/rng.hpp"

using namespace xpb;

TEST_CASE("rng values depend only on their key", "[core][rng]") {
  const Rng a(42, hash_name("init")), b(42, hash_name("init")), c(43, hash_name("init")),
      d(42, hash_name("batch"));
  CHECK(a.bits(7) == b.bits(7));
  CHECK(a.bits(7) != c.bits(7));
  CHECK(a.bits(7) != d.bits(7));
  CHECK(a.bits(7) != a.bits(8));
}

TEST_CASE("rng uniform and normal have the right moments", "[core][rng]") {
  const Rng r(1, 2);
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform(static_cast<std::uint64_t>(i));
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    su += u;
    const double z = r.normal(static_cast<std::uint64_t>(i));
    sn += z;
    sn2 += z * z;
  }
  CHECK(std::fabs(su / n - 0.5) < 0.005);
  CHECK(std::fabs(sn / n) < 0.01);
  CHECK(std::fabs(sn2 / n - 1.0) < 0.02);
  for (int i = 0; i < 1000; ++i) CHECK(r.below(static_cast<std::uint64_t>(i), 7) < 7);
}
