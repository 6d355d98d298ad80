// core/base/dtype.hpp — the numeric precisions the testbed reasons about.
// A DType names the precision a kernel would use on an accelerator (for the ledger and the
// projector); it does not say what this host computed in. No conversions live here.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace xpb {

enum class DType { fp64, fp32, tf32, bf16, fp16, fp8, int8 };

inline constexpr std::array<DType, 7> kAllDTypes = {DType::fp64, DType::fp32, DType::tf32,
                                                     DType::bf16, DType::fp16, DType::fp8,
                                                     DType::int8};

std::string_view to_string(DType d);
std::optional<DType> parse_dtype(std::string_view s);
// Bytes per element when stored in this precision (tf32 is stored as fp32).
double dtype_bytes(DType d);

}  // namespace xpb
