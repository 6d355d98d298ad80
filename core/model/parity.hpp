// core/model/parity.hpp — H20-parity verdicts from projected step times.
// speed ratio = t(reference) / t(platform): above 1 the platform is faster than the reference.
// The ratio is taken sample by sample from the two platforms' Monte Carlo (same seed, so inputs
// that share a source are drawn together); the verdict uses its 5–95 % interval, `inconclusive`
// when that interval straddles the parity band. The worst-case envelope is kept beside it.
#pragma once

#include <string>

#include "core/base/range.hpp"
#include "core/model/uncertainty.hpp"

namespace xpb {

enum class Verdict { above, parity, below, inconclusive };
std::string_view to_string(Verdict v);

// Joint ratio of reference time to platform time, sample by sample; envelope pairs the extremes.
Estimate speed_ratio(const Estimate& reference_seconds, const Estimate& platform_seconds);
// From two stored intervals only (no samples): the extremes paired as if independent — the
// worst-case envelope of the ratio, not a 5–95 % interval.
Range speed_ratio_envelope(const Range& reference_seconds, const Range& platform_seconds);
Verdict parity_verdict(const Range& ratio, double band);

}  // namespace xpb
