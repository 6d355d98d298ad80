// core/base/range.hpp — an uncertain quantity {low, nominal, high}.
// Descriptor numbers that are not known exactly carry a range; every projected figure carries the
// range through. Arithmetic here is interval-style for monotone uses (no correlation tracking).
#pragma once

#include <algorithm>

namespace xpb {

struct Range {
  double low = 0, nominal = 0, high = 0;

  static Range exact(double v) { return {v, v, v}; }
  bool is_exact() const { return low == nominal && nominal == high; }
  bool valid() const { return low <= nominal && nominal <= high; }
};

inline Range operator+(Range a, Range b) {
  return {a.low + b.low, a.nominal + b.nominal, a.high + b.high};
}
inline Range operator*(Range a, double s) {
  return s >= 0 ? Range{a.low * s, a.nominal * s, a.high * s}
                : Range{a.high * s, a.nominal * s, a.low * s};
}
inline Range operator*(double s, Range a) { return a * s; }
// Product of two positive ranges.
inline Range mul(Range a, Range b) { return {a.low * b.low, a.nominal * b.nominal, a.high * b.high}; }
// x / r for positive x and a positive range r: a larger denominator gives a smaller result.
inline Range divide(double x, Range r) { return {x / r.high, x / r.nominal, x / r.low}; }
// a / b for positive ranges.
inline Range divide(Range a, Range b) {
  return {a.low / b.high, a.nominal / b.nominal, a.high / b.low};
}
inline Range max(Range a, Range b) {
  return {std::max(a.low, b.low), std::max(a.nominal, b.nominal), std::max(a.high, b.high)};
}

}  // namespace xpb
