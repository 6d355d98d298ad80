// workloads/micro/common.hpp — small helpers shared by the micro-benchmarks.
// The ledger precision parameter, medians, deterministic fills from the counter RNG and the
// relative-error measure the validations use. No kernels of interest live here.
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
#include "core/plugin/params.hpp"
#include "core/base/rng.hpp"
#include "core/plugin/workload.hpp"

namespace xpb::micro {

// Choices of the `precision` parameter: the dtype the ledger charges ("auto" = the compute dtype).
inline std::vector<std::string> precision_choices() {
  return {"auto", "fp64", "fp32", "tf32", "bf16", "fp16", "fp8"};
}

inline DType ledger_dtype(const Params& p, const std::string& compute_dtype) {
  const std::string& s = p.get_string("precision");
  const auto d = parse_dtype(s == "auto" ? compute_dtype : s);
  if (!d) throw Error({{}, 0, "precision"}, "unknown precision '" + s + "'");
  return *d;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Fills a contiguous View with scale·N(0, 1) from `rng`, element i from index offset + i, so the
// values depend only on (seed, stream, index) and never on threads. Labelled `label`.
template <class ViewType>
void fill_normal(const char* label, const ViewType& v, Rng rng, double scale,
                 std::uint64_t offset = 0) {
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

// Chooses Impl<float> or Impl<double> from the `dtype` parameter at set-up and forwards to it.
template <template <class> class Impl>
class DTypeDispatch final : public Workload {
 public:
  void setup(const Params& p, Context& ctx) override {
    if (p.get_string("dtype") == "fp64")
      m_impl = std::make_unique<Impl<double>>();
    else
      m_impl = std::make_unique<Impl<float>>();
    m_impl->setup(p, ctx);
  }
  StepResult step(Context& ctx) override { return m_impl->step(ctx); }
  Ledger ledger() const override { return m_impl ? m_impl->ledger() : Ledger{}; }
  Validation validate(Context& ctx) override { return m_impl->validate(ctx); }
  Metrics finish(Context& ctx) override { return m_impl->finish(ctx); }

 private:
  std::unique_ptr<Workload> m_impl;
};

}  // namespace xpb::micro
