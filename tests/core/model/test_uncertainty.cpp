// tests/core/model/test_uncertainty.cpp — the Monte Carlo: triangular draws, correlation groups,
// reproducibility, summaries, and joint ratios. Expected values come from the triangular
// distribution's closed forms and from sample statistics computed here.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "core/model/parity.hpp"
#include "core/model/uncertainty.hpp"

using Catch::Approx;

TEST_CASE("uncertainty: triangular quantiles follow the closed form", "[uncertainty]") {
  const xpb::Range r{1, 2, 5};
  CHECK(xpb::triangular_quantile(r, 0) == Approx(1));
  CHECK(xpb::triangular_quantile(r, 1) == Approx(5));
  // F(mode) = (c - a) / (b - a) = 0.25: the quantile at 0.25 is the mode.
  CHECK(xpb::triangular_quantile(r, 0.25) == Approx(2));
  // Below the mode F(x) = (x - a)^2 / ((b - a)(c - a)): x = 1.5 gives 0.0625.
  CHECK(xpb::triangular_quantile(r, 0.0625) == Approx(1.5));
  CHECK(xpb::triangular_quantile(xpb::Range::exact(3), 0.9) == 3);
}

TEST_CASE("uncertainty: scenarios draw by group and direction", "[uncertainty]") {
  const xpb::Range r{1, 2, 3};
  CHECK(xpb::Scenario::nominal().value(r, "g", xpb::Dir::faster) == 2);
  CHECK(xpb::Scenario::fast().value(r, "g", xpb::Dir::faster) == 3);
  CHECK(xpb::Scenario::fast().value(r, "g", xpb::Dir::slower) == 1);
  CHECK(xpb::Scenario::slow().value(r, "g", xpb::Dir::faster) == 1);
  // One group: favourable together (a high efficiency comes with a low latency).
  int together = 0, n = 2000;
  std::vector<double> a, b, c;
  for (int i = 0; i < n; ++i) {
    const auto s = xpb::Scenario::sample(11, i);
    const double eff = s.value(r, "src", xpb::Dir::faster);
    const double lat = s.value(r, "src", xpb::Dir::slower);
    together += (eff > 2) == (lat < 2);
    a.push_back(eff);
    b.push_back(s.value(r, "other", xpb::Dir::faster));
    c.push_back(s.value(r, "src", xpb::Dir::faster));
  }
  CHECK(together == n);
  CHECK(a == c);  // same group, same value
  // Different groups: sample correlation near zero.
  double ma = 0, mb = 0;
  for (int i = 0; i < n; ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (int i = 0; i < n; ++i)
    sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  CHECK(std::fabs(sab / std::sqrt(saa * sbb)) < 0.08);
  // The sample mean approaches the triangular mean (a + b + c) / 3.
  CHECK(ma == Approx(2.0).epsilon(0.02));
}

TEST_CASE("uncertainty: the Monte Carlo is seeded and summarised by quantiles", "[uncertainty]") {
  const xpb::Range r{10, 20, 40};
  auto f = [&](const xpb::Scenario& s) { return 100.0 / s.value(r, "bw", xpb::Dir::faster); };
  xpb::McOptions o;
  o.samples = 4000;
  const auto e1 = xpb::monte_carlo(f, o), e2 = xpb::monte_carlo(f, o);
  CHECK(e1.samples == e2.samples);
  CHECK(e1.nominal == Approx(5));
  CHECK(e1.envelope_low == Approx(100.0 / 40));
  CHECK(e1.envelope_high == Approx(100.0 / 10));
  // f falls with the input: its 95 % point is 100 / (the input's 5 % point).
  const double in5 = xpb::triangular_quantile(r, 0.05), in95 = xpb::triangular_quantile(r, 0.95);
  CHECK(e1.p95 == Approx(100.0 / in5).epsilon(0.02));
  CHECK(e1.p5 == Approx(100.0 / in95).epsilon(0.02));
  CHECK(e1.p5 <= e1.median);
  CHECK(e1.median <= e1.p95);
  o.seed = 12;
  CHECK(xpb::monte_carlo(f, o).samples != e1.samples);
}

TEST_CASE("uncertainty: joint ratios cancel shared sources; the envelope does not", "[uncertainty][parity]") {
  const xpb::Range eff{0.1, 0.3, 0.6};
  // Two chips whose efficiency estimates share one source, peaks 100 and 150.
  auto t_ref = [&](const xpb::Scenario& s) { return 1.0 / (100 * s.value(eff, "calculon", xpb::Dir::faster)); };
  auto t_new = [&](const xpb::Scenario& s) { return 1.0 / (150 * s.value(eff, "calculon", xpb::Dir::faster)); };
  const auto ref = xpb::monte_carlo(t_ref), plat = xpb::monte_carlo(t_new);
  const auto r = xpb::speed_ratio(ref, plat);
  CHECK(r.p5 == Approx(1.5));
  CHECK(r.p95 == Approx(1.5));
  CHECK(xpb::parity_verdict(r.interval(), 0.1) == xpb::Verdict::above);
  // The worst-case envelope pairs the fast reference with the slow platform: 6x wider each way.
  CHECK(r.envelope_low == Approx(1.5 * 0.1 / 0.6));
  CHECK(r.envelope_high == Approx(1.5 * 0.6 / 0.1));
  CHECK(xpb::parity_verdict(xpb::speed_ratio_envelope(ref.envelope(), plat.envelope()), 0.1) ==
        xpb::Verdict::inconclusive);
}

TEST_CASE("uncertainty: sample quantiles by selection equal those of the sorted samples", "[uncertainty]") {
  // Independent reference: sort a copy, drop NaNs, interpolate between neighbours by hand.
  auto by_sorting = [](std::vector<double> v, double q) {
    std::vector<double> s;
    for (double x : v)
      if (!std::isnan(x)) s.push_back(x);
    std::sort(s.begin(), s.end());
    if (s.empty()) return std::nan("");
    const double pos = q * static_cast<double>(s.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    if (i + 1 >= s.size()) return s.back();
    const double f = pos - static_cast<double>(i);
    return std::min(std::max(s[i] * (1 - f) + s[i + 1] * f, s[i]), s[i + 1]);
  };
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.5, 2.0);
  for (std::size_t n : {1u, 2u, 3u, 20u, 21u, 1000u, 1001u}) {
    for (int rep = 0; rep < 5; ++rep) {
      std::vector<double> v(n);
      for (auto& x : v) x = rep == 1 ? 1.25 : rep == 2 ? std::round(u(rng) * 4) / 4 : u(rng);  // ties too
      if (rep == 3 && n > 2) v[n / 2] = std::nan(""), v[0] = std::nan("");
      const auto got = xpb::sample_quantiles(v, std::array<double, 3>{0.05, 0.5, 0.95});
      INFO("n " << n << ", rep " << rep);
      CHECK(got[0] == by_sorting(v, 0.05));
      CHECK(got[1] == by_sorting(v, 0.5));
      CHECK(got[2] == by_sorting(v, 0.95));
      CHECK(got[1] == xpb::sample_quantile(v, 0.5));
    }
  }
  const auto none = xpb::sample_quantiles({std::nan("")}, std::array<double, 3>{0.05, 0.5, 0.95});
  CHECK(std::isnan(none[0]));
  CHECK(std::isnan(none[2]));
}
