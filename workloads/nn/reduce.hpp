// workloads/nn/reduce.hpp — a sum whose rounding does not depend on threads, team size or backend.
//
// The order is fixed by n alone: the terms are cut into blocks of kReduceBlock; inside a block,
// kReduceLanes lanes each sum the terms lane, lane + L, lane + 2L, ... in ascending order, and the
// L lane partials are folded by a fixed pairwise tree (p[l] += p[l + s] for s = L/2, ..., 1); the
// block partials are then added on the host in ascending order. Two executions of that one order:
//   - host spaces: one iteration per block, the L lanes in a local array, the inner loop over
//     lanes (L interleaved accumulators, which the compiler vectorises);
//   - device spaces: one team per block, lanes over the team's threads (TeamThreadRange), so
//     neighbouring threads read neighbouring terms (coalesced), the tree in team scratch.
// Both give the same bits for the same terms (tests/workloads/test_nn_layers.cpp runs the device
// form on the host and compares). Across backends the terms themselves may round differently
// (a compiler contracting a*b+c into an FMA), so the guarantee there is the order, not the bits;
// docs/reproducibility.md says which numbers are bit-identical where.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>
#include <type_traits>

namespace xpb::nn {

inline constexpr std::int64_t kReduceBlock = 4096;
inline constexpr int kReduceLanes = 32;  // a warp; a power of two (the tree halves it)
static_assert((kReduceLanes & (kReduceLanes - 1)) == 0 && kReduceBlock % kReduceLanes == 0);

namespace detail {

// The fixed pairwise fold of the lane partials p[0..kReduceLanes) into p[0].
template <class Acc>
KOKKOS_INLINE_FUNCTION void fold_lanes(Acc* p) {
  for (int s = kReduceLanes / 2; s >= 1; s /= 2)
    for (int l = 0; l < s; ++l) p[l] += p[l + s];
}

template <class Exec, class View>
typename View::non_const_value_type fold_blocks(const Exec& exec, const View& part, std::int64_t nb) {
  exec.fence();  // (a host mirror of host memory is the view itself: no copy waits for the kernel)
  // Only the first nb partials: `part` may be a longer, reused buffer.
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(),
                                               Kokkos::subview(part, std::make_pair(std::int64_t(0), nb)));
  typename View::non_const_value_type total = 0;
  for (std::int64_t b = 0; b < nb; ++b) total += h(b);
  return total;
}

// Host form: one block per iteration, the lanes in registers.
template <class Exec, class F, class Part>
typename Part::non_const_value_type ordered_sum_host(const Exec& exec, const std::string& label,
                                                     std::int64_t n, const F& term, const Part& part) {
  using Acc = typename Part::non_const_value_type;
  const std::int64_t nb = (n + kReduceBlock - 1) / kReduceBlock;
  if (nb == 0) return Acc(0);
  Kokkos::parallel_for(
      label, Kokkos::RangePolicy<Exec>(exec, 0, nb), KOKKOS_LAMBDA(const std::int64_t b) {
        const std::int64_t lo = b * kReduceBlock;
        const std::int64_t len = (lo + kReduceBlock < n ? lo + kReduceBlock : n) - lo;
        const std::int64_t rows = len / kReduceLanes;
        Acc p[kReduceLanes] = {};
        for (std::int64_t k = 0; k < rows; ++k)
          for (int l = 0; l < kReduceLanes; ++l) p[l] += term(lo + k * kReduceLanes + l);
        for (std::int64_t i = rows * kReduceLanes; i < len; ++i) p[i - rows * kReduceLanes] += term(lo + i);
        fold_lanes(p);
        part(b) = p[0];
      });
  return fold_blocks(exec, part, nb);
}

// Device form: one team per block, lanes over the team's threads, the tree in scratch. Any team
// size gives the same bits (a thread may own several lanes); the host test runs it with 1 and 2.
template <class Exec, class F, class Part>
typename Part::non_const_value_type ordered_sum_team(const Exec& exec, const std::string& label,
                                                     std::int64_t n, const F& term, const Part& part,
                                                     int team_size) {
  using Acc = typename Part::non_const_value_type;
  const std::int64_t nb = (n + kReduceBlock - 1) / kReduceBlock;
  if (nb == 0) return Acc(0);
  using Policy = Kokkos::TeamPolicy<Exec>;
  using Scratch = Kokkos::View<Acc*, typename Exec::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  const Policy policy = Policy(exec, static_cast<int>(nb), team_size)
                            .set_scratch_size(0, Kokkos::PerTeam(Scratch::shmem_size(kReduceLanes)));
  Kokkos::parallel_for(
      label, policy, KOKKOS_LAMBDA(const typename Policy::member_type& team) {
        const std::int64_t b = team.league_rank();
        const std::int64_t lo = b * kReduceBlock;
        const std::int64_t len = (lo + kReduceBlock < n ? lo + kReduceBlock : n) - lo;
        Scratch p(team.team_scratch(0), kReduceLanes);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, kReduceLanes), [&](const int l) {
          Acc acc = 0;
          for (std::int64_t i = l; i < len; i += kReduceLanes) acc += term(lo + i);
          p(l) = acc;
        });
        team.team_barrier();
        Kokkos::single(Kokkos::PerTeam(team), [&]() {
          fold_lanes(p.data());
          part(b) = p(0);
        });
      });
  return fold_blocks(exec, part, nb);
}

}  // namespace detail

// The number of block partials a sum of n terms needs (the length of a reusable `part` buffer).
inline std::int64_t ordered_sum_blocks(std::int64_t n) { return (n + kReduceBlock - 1) / kReduceBlock; }

// Sum of term(i) for i in [0, n) in the order above. The kernel is labelled `label`. `part` holds
// the block partials (at least ordered_sum_blocks(n), in Exec's memory space); its element type is
// the accumulator (term's result is converted to it). A timed loop passes one buffer it allocated
// once, as a device allocation costs more than a small sum.
template <class Exec, class F, class Part>
typename Part::non_const_value_type ordered_sum(const Exec& exec, const std::string& label, std::int64_t n,
                                                const F& term, const Part& part) {
  if constexpr (std::is_same_v<typename Exec::memory_space, Kokkos::HostSpace>) {
    return detail::ordered_sum_host(exec, label, n, term, part);
  } else {
    return detail::ordered_sum_team(exec, label, n, term, part, kReduceLanes);
  }
}

// The same, accumulated in double, with a buffer of its own. `term` is a device-callable
// functor i -> double.
template <class Exec, class F>
double ordered_sum(const Exec& exec, const std::string& label, std::int64_t n, const F& term) {
  Kokkos::View<double*, typename Exec::memory_space> part(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "nn/ordered_sum_partials"),
      ordered_sum_blocks(n));  // (blocks)
  return ordered_sum(exec, label, n, term, part);
}

}  // namespace xpb::nn
