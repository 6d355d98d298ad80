// core/base/dtype.cpp — names and sizes of DType values.
#include "core/base/dtype.hpp"

namespace xpb {

std::string_view to_string(DType d) {
  switch (d) {
    case DType::fp64: return "fp64";
    case DType::fp32: return "fp32";
    case DType::tf32: return "tf32";
    case DType::bf16: return "bf16";
    case DType::fp16: return "fp16";
    case DType::fp8: return "fp8";
    case DType::int8: return "int8";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view s) {
  for (DType d : kAllDTypes)
    if (to_string(d) == s) return d;
  return std::nullopt;
}

double dtype_bytes(DType d) {
  switch (d) {
    case DType::fp64: return 8;
    case DType::fp32:
    case DType::tf32: return 4;
    case DType::bf16:
    case DType::fp16: return 2;
    case DType::fp8:
    case DType::int8: return 1;
  }
  return 0;
}

}  // namespace xpb
