// workloads/nn/for_each.hpp — an element-wise loop over [0, n) in the launch shape that streams
// well on each kind of backend.
//
// Host spaces: a RangePolicy, as before. Device spaces: a team of kForEachTeam threads per
// kForEachTeam·kForEachItems consecutive elements, thread r of the team taking elements
// r, r + kForEachTeam, … of its span, so each warp's loads and stores are consecutive.
//
// Why not a RangePolicy on a GPU: Kokkos 3.4's CUDA back end gives a RangePolicy the smallest block
// that reaches full occupancy (loop from 1024 down with `>=`: 64 threads on Hopper, 32 blocks of 64
// per SM) and one element per thread. On the H200 of docs/validation.md the STREAM copy, mul, add
// and triad over 2^26 floats each took 643 µs whatever their bytes (0.83 to 1.25 TB/s of ~4.8),
// while the dot (a TeamPolicy of fixed team size) moved 2.4 TB/s: the 2^20 tiny blocks, not the
// memory, set the pace. Which element a thread handles changes no result: element-wise bodies only.
//
// nvcc: f is an extended lambda, which host code holds in a wrapper of function pointers. From
// nn::adamw_update the wrapper's host side called a null pointer inside for_each_element_teams on
// the H200 (a backtrace of the CUDA build's GPT cell), while stream, gelu, residual and zero_fill
// ran through it; adamw writes the same loop itself. A caller that crashes here on a GPU build
// should do the same.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>
#include <type_traits>

namespace xpb::nn {

inline constexpr int kForEachTeam = 256;  // threads per team on device spaces
inline constexpr int kForEachItems = 4;   // elements per thread on device spaces

// Whether Exec runs on host memory: the one test the nn kernels branch on (host bodies or the
// device shapes).
template <class Exec>
inline constexpr bool kHostExec = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;

// The device form on any space (the tests run it on hosts): a team of team_size threads per
// team_size·Items consecutive elements, thread r taking r, r + team_size, … of them. Items is a
// compile-time count, so that a thread issues all its loads before its stores: with the count a
// run-time value the H200's triad fell from 3.5 to 2.6 TB/s at 4 items (docs/performance.md).
template <int Items = kForEachItems, class Exec, class F>
void for_each_element_teams(const Exec& exec, const std::string& label, std::int64_t n, const F& f,
                            int team_size = kForEachTeam) {
  const std::int64_t span = std::int64_t(team_size) * Items;
  using Policy = Kokkos::TeamPolicy<Exec>;
  const Policy policy(exec, static_cast<int>((n + span - 1) / span), team_size);
  Kokkos::parallel_for(
      label, policy, KOKKOS_LAMBDA(const typename Policy::member_type& team) {
        const std::int64_t first = std::int64_t(team.league_rank()) * span + team.team_rank();
        for (int k = 0; k < Items; ++k) {
          const std::int64_t i = first + std::int64_t(k) * team_size;
          if (i < n) f(i);
        }
      });
}

// dst(i) = value(i) for every i in [0, n); value only reads. On device spaces each thread computes
// all its Items values before its first store: with the store inside the element body (as
// for_each_element has it) the compiler cannot move the next element's loads above a store that
// may alias them, so a thread had one element's loads in flight at a time (the H200's triad at
// 3.5-3.6 TB/s, 75 % of its memory bandwidth, docs/validation.md). Host spaces: a RangePolicy.
template <int Items = kForEachItems, class Exec, class View, class F>
void for_each_assign(const Exec& exec, const std::string& label, std::int64_t n, const View& dst,
                     const F& value, int team_size = kForEachTeam) {
  using T = typename View::non_const_value_type;
  if constexpr (kHostExec<Exec>) {
    if (team_size == kForEachTeam) {
      Kokkos::parallel_for(
          label, Kokkos::RangePolicy<Exec>(exec, 0, n),
          KOKKOS_LAMBDA(const std::int64_t i) { dst(i) = value(i); });
      return;
    }
  }
  // The device form (also on hosts when a test names a team size).
  const std::int64_t span = std::int64_t(team_size) * Items;
  using Policy = Kokkos::TeamPolicy<Exec>;
  Kokkos::parallel_for(
      label, Policy(exec, static_cast<int>((n + span - 1) / span), team_size),
      KOKKOS_LAMBDA(const typename Policy::member_type& team) {
        const std::int64_t first = std::int64_t(team.league_rank()) * span + team.team_rank();
        T v[Items];
        for (int k = 0; k < Items; ++k) {
          const std::int64_t i = first + std::int64_t(k) * team_size;
          v[k] = i < n ? value(i) : T(0);
        }
        for (int k = 0; k < Items; ++k) {
          const std::int64_t i = first + std::int64_t(k) * team_size;
          if (i < n) dst(i) = v[k];
        }
      });
}

// f(i) for every i in [0, n), i a std::int64_t; f is a KOKKOS_LAMBDA (it runs on Exec).
template <class Exec, class F>
void for_each_element(const Exec& exec, const std::string& label, std::int64_t n, const F& f) {
  if constexpr (kHostExec<Exec>)
    Kokkos::parallel_for(label, Kokkos::RangePolicy<Exec>(exec, 0, n), f);
  else
    for_each_element_teams(exec, label, n, f);
}

}  // namespace xpb::nn
