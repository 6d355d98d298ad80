// workloads/nn/reduce.hpp — a sum whose rounding does not depend on threads or backend.
// Fixed blocks of kBlock terms are summed in ascending order in parallel (one block per
// iteration), then the block partials are folded on the host in ascending order. It is not a
// fast tree reduction; it is a reproducible one (no atomics, no scheduler-dependent order).
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>

namespace xpb::nn {

inline constexpr std::int64_t kReduceBlock = 4096;

// Sum of term(i) for i in [0, n), accumulated in double. `term` is a device-callable functor
// i -> double. The kernel is labelled `label`.
template <class Exec, class F>
double ordered_sum(const Exec& exec, const std::string& label, std::int64_t n, const F& term) {
  const std::int64_t nb = (n + kReduceBlock - 1) / kReduceBlock;
  if (nb == 0) return 0.0;
  Kokkos::View<double*, typename Exec::memory_space> part(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "nn/ordered_sum_partials"), nb);  // (nb)
  Kokkos::parallel_for(
      label, Kokkos::RangePolicy<Exec>(exec, 0, nb), KOKKOS_LAMBDA(const std::int64_t b) {
        const std::int64_t end = (b + 1) * kReduceBlock < n ? (b + 1) * kReduceBlock : n;
        double acc = 0;
        for (std::int64_t i = b * kReduceBlock; i < end; ++i) acc += term(i);
        part(b) = acc;
      });
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), part);
  double total = 0;
  for (std::int64_t b = 0; b < nb; ++b) total += h(b);
  return total;
}

}  // namespace xpb::nn
