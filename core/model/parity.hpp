// core/model/parity.hpp — H20-parity verdicts from projected step times.
// speed ratio = t(reference) / t(platform): above 1 the platform is faster than the reference.
// The verdict uses the whole range: `inconclusive` when the range straddles the parity band.
#pragma once

#include <string>

#include "core/base/range.hpp"

namespace xpb {

enum class Verdict { above, parity, below, inconclusive };
std::string_view to_string(Verdict v);

// Ratio of reference time to platform time with its range (low: slowest platform case).
Range speed_ratio(const Range& reference_seconds, const Range& platform_seconds);
Verdict parity_verdict(const Range& ratio, double band);

}  // namespace xpb
