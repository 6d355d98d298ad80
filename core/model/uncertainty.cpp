// core/model/uncertainty.cpp — scenario draws (triangular, correlation groups) and summaries.
#include "core/model/uncertainty.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/base/format.hpp"
#include "core/base/rng.hpp"

namespace xpb {

namespace {

std::uint64_t hash_group(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, as hash_name, over a string_view
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double triangular_quantile(const Range& r, double u) {
  const double a = r.low, c = r.nominal, b = r.high;
  if (!(b > a)) return c;
  u = std::clamp(u, 0.0, 1.0);
  const double fc = (c - a) / (b - a);
  if (u < fc) return a + std::sqrt(u * (b - a) * (c - a));
  return b - std::sqrt((1 - u) * (b - a) * (b - c));
}

double Scenario::optimism(std::string_view group) const {
  if (m_mode != Mode::sample) return 0.5;
  return Rng(m_seed, hash_group(group)).uniform(m_index);
}

double Scenario::value(const Range& r, std::string_view group, Dir d) const {
  switch (m_mode) {
    case Mode::nominal: return r.nominal;
    case Mode::fast: return d == Dir::faster ? r.high : r.low;
    case Mode::slow: return d == Dir::faster ? r.low : r.high;
    case Mode::sample: {
      if (r.is_exact()) return r.nominal;
      const double u = optimism(group);
      return triangular_quantile(r, d == Dir::faster ? u : 1 - u);
    }
  }
  return r.nominal;
}

namespace {
std::vector<double> without_nan(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  return v;
}
std::vector<double> sorted_finite(std::vector<double> v) {
  v = without_nan(std::move(v));
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

double sample_quantile(std::vector<double> v, double q) {
  return quantile_sorted(sorted_finite(std::move(v)), q);
}

template <std::size_t N>
std::array<double, N> sample_quantiles(std::vector<double> values, const std::array<double, N>& qs) {
  std::array<double, N> out{};
  // The same order statistics as sorting, found by selection: nth_element for the lower one of
  // each pair, the minimum of what lies above it for the upper (a projection summarises some
  // twenty 1,000-sample vectors per cell; sorting them was a tenth of the runner's time per cell).
  values = without_nan(std::move(values));
  const std::size_t n = values.size();
  std::size_t from = 0;  // values[from..] are all >= values[0..from), selected so far
  for (std::size_t k = 0; k < N; ++k) {
    if (n == 0) {
      out[k] = std::nan("");
      continue;
    }
    const double pos = std::clamp(qs[k], 0.0, 1.0) * static_cast<double>(n - 1);
    const auto i = static_cast<std::size_t>(pos);
    if (i < from) from = 0;  // a lower q than the last: select over everything again
    std::nth_element(values.begin() + from, values.begin() + i, values.end());
    from = i;
    const double a = values[i];
    out[k] = i + 1 >= n ? a
                        : interpolate_neighbours(a, *std::min_element(values.begin() + i + 1, values.end()),
                                                 pos - static_cast<double>(i));
  }
  return out;
}
template std::array<double, 3> sample_quantiles(std::vector<double>, const std::array<double, 3>&);

Estimate summarize(double nominal, std::vector<double> samples, double envelope_low, double envelope_high,
                   std::uint64_t seed) {
  Estimate e;
  e.nominal = nominal;
  e.seed = seed;
  e.ok = std::isfinite(nominal);
  const auto [p5, median, p95] = sample_quantiles(samples, std::array<double, 3>{0.05, 0.5, 0.95});
  e.median = median, e.p5 = p5, e.p95 = p95;
  // The envelope contains every sample and the nominal by construction of the corners; min/max
  // guard against non-monotone models (a plan-dependent max(), a sign change).
  double lo = std::min(envelope_low, envelope_high), hi = std::max(envelope_low, envelope_high);
  for (double x : samples)
    if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (std::isfinite(nominal)) lo = std::min(lo, nominal), hi = std::max(hi, nominal);
  e.envelope_low = lo;
  e.envelope_high = hi;
  e.samples = std::move(samples);
  return e;
}

Estimate monte_carlo(const std::function<double(const Scenario&)>& f, const McOptions& opt) {
  const double nominal = f(Scenario::nominal());
  std::vector<double> s(static_cast<std::size_t>(std::max(0, opt.samples)));
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = f(Scenario::sample(opt.seed, i));
  return summarize(nominal, std::move(s), f(Scenario::fast()), f(Scenario::slow()), opt.seed);
}

Estimate combine(const Estimate& a, const Estimate& b, const std::function<double(double, double)>& op) {
  const std::size_t n = std::min(a.samples.size(), b.samples.size());
  std::vector<double> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = op(a.samples[i], b.samples[i]);
  const double c1 = op(a.envelope_low, b.envelope_low), c2 = op(a.envelope_high, b.envelope_high);
  Estimate e = summarize(op(a.nominal, b.nominal), std::move(s), std::min(c1, c2), std::max(c1, c2), a.seed);
  e.ok = a.ok && b.ok;
  return e;
}

Estimate ratio(const Estimate& a, const Estimate& b) {
  const std::size_t n = std::min(a.samples.size(), b.samples.size());
  std::vector<double> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = b.samples[i] > 0 ? a.samples[i] / b.samples[i] : kNaN;
  auto div = [](double x, double y) { return y > 0 ? x / y : kNaN; };
  Estimate e = summarize(div(a.nominal, b.nominal), std::move(s), div(a.envelope_low, b.envelope_high),
                         div(a.envelope_high, b.envelope_low), a.seed);
  e.ok = a.ok && b.ok;
  return e;
}

}  // namespace xpb
