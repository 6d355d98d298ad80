// core/model/uncertainty.hpp — seeded Monte Carlo over sourced {low, nominal, high} ranges.
// A Scenario says which value every uncertain input takes: its nominal, a random draw, or the end
// that makes the step fastest / slowest (the worst-case envelope). Draws are triangular with the
// nominal as mode; inputs of one correlation group (same source or estimation method) share one
// uniform number per sample, so they move together, on one platform and across platforms. The
// quantities themselves live elsewhere (descriptors, data/model/constants.yaml); this file only
// draws and summarises. Method: docs/projection.md §6.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/range.hpp"

namespace xpb {

// How a larger value of an input moves the projected step time.
enum class Dir {
  faster,  // peaks, bandwidths, efficiencies: higher is faster
  slower   // latencies, overheads, imbalance: higher is slower
};

class Scenario {
 public:
  enum class Mode { nominal, sample, fast, slow };

  static Scenario nominal() { return Scenario(Mode::nominal, 0, 0); }
  // Sample `index` of the Monte Carlo with `seed`: the same (seed, index) gives the same draws.
  static Scenario sample(std::uint64_t seed, std::uint64_t index) {
    return Scenario(Mode::sample, seed, index);
  }
  // Every input at the end of its range that makes the step fastest (slowest).
  static Scenario fast() { return Scenario(Mode::fast, 0, 0); }
  static Scenario slow() { return Scenario(Mode::slow, 0, 0); }

  Mode mode() const { return m_mode; }
  std::uint64_t index() const { return m_index; }
  std::uint64_t seed() const { return m_seed; }

  // The value an input takes in this scenario. `group` names its correlation group; in a sample,
  // every input of one group draws from the same uniform number u ("optimism": u near 1 makes
  // every input of the group favourable: high where `faster`, low where `slower`).
  double value(const Range& r, std::string_view group, Dir d) const;
  // The uniform number of a group in this sample (0.5 outside sampling); exposed for tests.
  double optimism(std::string_view group) const;

 private:
  Scenario(Mode m, std::uint64_t seed, std::uint64_t index) : m_mode(m), m_seed(seed), m_index(index) {}
  Mode m_mode;
  std::uint64_t m_seed, m_index;
};

// Inverse CDF of the triangular distribution on [low, high] with mode `nominal` at u in [0, 1].
double triangular_quantile(const Range& r, double u);

struct McOptions {
  std::uint64_t seed = 20260101;  // the default every command uses unless told otherwise
  int samples = 1000;
};

// A projected figure with its uncertainty.
struct Estimate {
  double nominal = 0;                          // every input at its nominal value
  double median = 0, p5 = 0, p95 = 0;          // over the Monte Carlo samples
  double envelope_low = 0, envelope_high = 0;  // worst-case envelope: all inputs at one end
  std::vector<double> samples;                 // sample i used Scenario::sample(seed, i)
  std::uint64_t seed = 0;
  bool ok = false;

  // {p5, median, p95}: the interval reported wherever a range appears.
  Range interval() const { return {p5, median, p95}; }
  Range envelope() const { return {envelope_low, nominal, envelope_high}; }
};

// q-quantile (0..1) of values by linear interpolation between order statistics; NaN if empty.
double sample_quantile(std::vector<double> values, double q);
// sample_quantile at each of `qs`, sorting once.
template <std::size_t N>
std::array<double, N> sample_quantiles(std::vector<double> values, const std::array<double, N>& qs);

// Evaluates f under the nominal scenario, `samples` random scenarios and the two corners.
// f returns NaN when it cannot evaluate a scenario (then ok is false if the nominal fails).
Estimate monte_carlo(const std::function<double(const Scenario&)>& f, const McOptions& opt = {});

// Summary of samples already drawn (e.g. a ratio of two joint estimates, sample by sample).
Estimate summarize(double nominal, std::vector<double> samples, double envelope_low, double envelope_high,
                   std::uint64_t seed);

// a / b sample by sample (joint: both used the same scenarios); the envelope pairs the extremes
// the worst-case way (a's low with b's high), as interval arithmetic would.
Estimate ratio(const Estimate& a, const Estimate& b);
// a op b sample by sample for other combinations (same scenarios); envelope from the corners.
Estimate combine(const Estimate& a, const Estimate& b, const std::function<double(double, double)>& op);

}  // namespace xpb
