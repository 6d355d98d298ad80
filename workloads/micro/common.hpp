// workloads/micro/common.hpp — small helpers shared by the micro-benchmarks.
// The type parameters (compute dtype and ledger precision), deterministic fills from the counter
// RNG and the relative-error measure the validations use. No kernels of interest live here.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/dtype.hpp"
#include "core/base/error.hpp"
#include "core/base/rng.hpp"
#include "core/plugin/plugin.hpp"

namespace xpb::micro {

// Choices of the `precision` parameter: the dtype the ledger charges ("auto" = the compute dtype).
inline std::vector<std::string> precision_choices() {
  return {"auto", "fp64", "fp32", "tf32", "bf16", "fp16", "fp8"};
}

// The two type parameters of a micro-benchmark templated on its element type: `dtype`, the
// compute type on this host (DTypeDispatch picks Impl<float> or Impl<double> from it), and
// `precision`, the dtype its ledger charges. A benchmark's parameter struct derives from this.
struct TypeParams {
  std::string dtype, precision;
};

template <class P>
ParamStruct<P> with_type_params(ParamStruct<P> s) {
  s.choice("dtype", &P::dtype, "fp32", dispatch_dtypes(), "compute type on this host")
      .choice("precision", &P::precision, "auto", precision_choices(),
              "dtype charged in the ledger (auto: the compute dtype)");
  return s;
}

// The dtype the ledger charges for an element type of `element_bytes` (4: fp32, 8: fp64).
inline DType ledger_dtype(const TypeParams& q, std::size_t element_bytes) {
  const std::string compute = element_bytes == 8 ? "fp64" : "fp32";
  const auto d = parse_dtype(q.precision == "auto" ? compute : q.precision);
  if (!d) throw Error({{}, 0, "params.precision"}, "unknown precision '" + q.precision + "'");
  return *d;
}

// The dtype this host computes in for an element type of `element_bytes`.
inline DType compute_dtype(std::size_t element_bytes) {
  return element_bytes == 8 ? DType::fp64 : DType::fp32;
}

// Fills a contiguous View with scale·N(0, 1) from `rng`, element i from index offset + i, so the
// values depend only on (seed, stream, index) and never on threads. Labelled `label`.
template <class ViewType>
void fill_normal(const char* label, const ViewType& v, Rng rng, double scale, std::uint64_t offset = 0) {
  using T = typename ViewType::non_const_value_type;
  T* p = v.data();
  Kokkos::parallel_for(
      label, Kokkos::RangePolicy<>(0, static_cast<std::int64_t>(v.span())),
      KOKKOS_LAMBDA(const std::int64_t i) { p[i] = T(scale * rng.normal(offset + i)); });
  Kokkos::fence();
}

// |x - ref| / max(|ref|, floor): a relative error that stays meaningful near zero.
inline double rel_err(double x, double ref, double floor) {
  return std::fabs(x - ref) / std::max(std::fabs(ref), floor);
}

}  // namespace xpb::micro
