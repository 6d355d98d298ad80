// core/platforms/platform_report.hpp — human-readable views of a platform descriptor.
// One summary line for `xpubench list platforms` and a full listing for `xpubench show platform`:
// every number with range, unit, confidence, source and derivation, plus derived quantities
// (ridge points) and which numbers are estimated. Text only; it computes no projections.
#pragma once

#include <string>

#include "core/platforms/platform.hpp"

namespace xpb {

// "nvidia-h20  NVIDIA  bf16 148 TFLOP/s  4 TB/s  96 GB  worst: reported"
std::string platform_summary_line(const Platform& p);
// Multi-line listing of every field, derived quantities, unknowns, estimates and warnings.
std::string platform_details(const Platform& p);
// A number in a readable unit with its range: "150 [119 .. 312] TFLOP/s".
std::string format_quantity(const Range& r, UnitKind kind);

}  // namespace xpb
