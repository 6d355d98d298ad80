// tests/core/base/test_format.cpp — the one formatting layer: numbers, ranges, statistics, tables.
#include <catch2/catch_test_macros.hpp>

#include <cmath>

#include "core/base/format.hpp"

using namespace xpb;

TEST_CASE("numbers format the same everywhere", "[core][format]") {
  CHECK(fmt(3.14159) == "3.14");
  CHECK(fmt(std::nan("")) == "-");
  CHECK(fmt(INFINITY, "%.1f") == "-");
  CHECK(fmt6(21.4748364800001) == "21.4748");
  CHECK(fmt_shortest(0.1) == "0.1");
  CHECK(fmt_shortest(1e6) == "1e+06");
  CHECK(std::stod(fmt_shortest(2.0 / 3.0)) == 2.0 / 3.0);  // round-trips
  CHECK(fmt_exact(0.1) == "0.10000000000000001");
  CHECK(fmt_exact(NAN).empty());
  CHECK(fmt_short(148e12) == "1.48e+14");
  CHECK(fmt_short(312) == "312");
  CHECK(fmt_short(4.022) == "4.02");
  CHECK(fmt_seconds(4.1e-3) == "4.1 ms");
  CHECK(fmt_seconds(-2e-6) == "-2 us");
  CHECK(fmt_seconds(12) == "12 s");
  CHECK(fmt_percent(0.123) == "12.3%");
  CHECK(fmt_ratio(1.234) == "1.23x");
  CHECK(fmt_range({1, 2, 3}, fmt_short, " .. ") == "2 [1 .. 3]");
  CHECK(fmt_range(Range::exact(2), fmt_short) == "2");
  CHECK(fmt_range({1e-3, 2e-3, 3e-3}, "%.1f", 1e3, " – ") == "2.0 [1.0 – 3.0]");
}

TEST_CASE("median and quantiles", "[core][format]") {
  CHECK(median({3, 1, 2}) == 2);
  CHECK(median({4, 1, 3, 2}) == 2.5);
  CHECK(std::isnan(median({})));
  const std::vector<double> s = {1, 2, 3, 4, 5};
  CHECK(quantile_sorted(s, 0.25) == 2);
  CHECK(quantile_sorted(s, 0.5) == 3);
  CHECK(quantile_sorted({1, 2}, 0.5) == 1.5);  // interpolates, as numpy does
  CHECK(quantile_sorted({1, 2, 3, 4}, 0.5) == median({1, 2, 3, 4}));
  // Three equal timings (a coarse clock): x·0.9 + x·0.1 rounds above x for this x, which put
  // the 5 % point above the median in a CI run. Every quantile of equal samples is the sample,
  // and the points stay ordered in q.
  const double x = 2.595e-6;
  const std::vector<double> same = {x, x, x};
  CHECK(quantile_sorted(same, 0.05) == x);
  CHECK(quantile_sorted(same, 0.95) == x);
  const std::vector<double> ramp = {x, x, 3 * x, 3 * x, 7 * x};
  double last = quantile_sorted(ramp, 0);
  for (int k = 1; k <= 1000; ++k) {
    const double v = quantile_sorted(ramp, k / 1000.0);
    REQUIRE(v >= last);
    last = v;
  }
  CHECK(quantile_sorted(ramp, -1) == x);
  CHECK(quantile_sorted(ramp, 2) == 7 * x);
}

TEST_CASE("text and Markdown tables", "[core][format]") {
  TextTable t({"a", "bb"});
  t.row({"xyz", "1"});
  CHECK(t.str() == "a    bb\n---  --\nxyz  1\n");
  MarkdownTable m({"k", "v"}, 1);
  m.row({"a|b", "2"});
  CHECK(m.str() == "| k | v |\n| --- | ---: |\n| a\\|b | 2 |\n");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("q\"") == "\"q\"\"\"");
}
