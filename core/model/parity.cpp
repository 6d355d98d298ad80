// core/model/parity.cpp — ratio and verdict arithmetic.
#include "core/model/parity.hpp"

namespace xpb {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::above: return "above";
    case Verdict::parity: return "parity";
    case Verdict::below: return "below";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

Estimate speed_ratio(const Estimate& ref, const Estimate& plat) { return ratio(ref, plat); }

Range speed_ratio_envelope(const Range& ref, const Range& plat) {
  return {ref.low / plat.high, ref.nominal / plat.nominal, ref.high / plat.low};
}

Verdict parity_verdict(const Range& r, double band) {
  const double lo = 1.0 - band, hi = 1.0 + band;
  if (r.low > hi) return Verdict::above;
  if (r.high < lo) return Verdict::below;
  if (r.low >= lo && r.high <= hi) return Verdict::parity;
  return Verdict::inconclusive;
}

}  // namespace xpb
