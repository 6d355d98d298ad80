// workloads/nn/rownorm_teams.hpp — the row kernels of nn/rownorm_kernels.hpp shaped for GPUs: a
// team per row (layer-norm backward: per block of R rows, rows in order), the row's elements
// spread over the team's threads (neighbouring threads, neighbouring elements: coalesced), and
// every row sum in the fixed lane order of nn/fixed_math.hpp: kLanes threads each sum the
// elements c ≡ j (mod kLanes) of the whole lane groups in ascending order, the kLanes partials are
// folded j = 0, 1, ... and the tail is added last — sum_fixed's order exactly. So on host spaces
// these kernels give the host row bodies' bits (tests/workloads/test_rownorm_kernels.cpp); on a GPU
// the order is the same and the bits are the same where the compiler does not contract a·b + c.
// Device execution spaces run them; host spaces keep the per-ISA row bodies.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/fixed_math.hpp"
#include "workloads/nn/for_each.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

inline constexpr double kRowNormEps = 1e-5;

// Rows per partial block of the layer-norm parameter gradients: at least 32, and at most 128
// blocks. Depends on N only, so the summation order is the same on every thread count.
inline int layernorm_rows_per_block(int N) { return std::max(32, (N + 127) / 128); }
inline int layernorm_blocks(int N) {
  const int R = layernorm_rows_per_block(N);
  return (N + R - 1) / R;
}

inline constexpr int kRowTeam = 128;  // threads per row team on a device

namespace detail {

// team_size −1: kRowTeam on devices, Kokkos::AUTO on host spaces; 0: Kokkos::AUTO.
template <class Exec>
Kokkos::TeamPolicy<Exec> row_team_policy(const Exec& exec, int league, int team_size, std::size_t bytes) {
  if (team_size < 0) team_size = kHostExec<Exec> ? 0 : kRowTeam;
  auto p = team_size > 0 ? Kokkos::TeamPolicy<Exec>(exec, league, team_size)
                         : Kokkos::TeamPolicy<Exec>(exec, league, Kokkos::AUTO);
  return p.set_scratch_size(0, Kokkos::PerTeam(bytes));
}

// Elements of a row that a lane sum stages in team scratch per pass (a multiple of kLanes).
inline constexpr int kStage = 1024;
// Team scratch of a row kernel: kLanes partials, then the kStage staged values.
template <class T>
KOKKOS_INLINE_FUNCTION constexpr std::size_t row_scratch_bytes() {
  return std::size_t(kLanes + kStage) * sizeof(T);
}

// The kLanes chains over f(c), c < count: chain j takes c ≡ j (mod kLanes) ascending, starting
// from the value part[j] holds, acc = op(acc, f(c)), and leaves its result in part[j]. Per pass of
// kStage elements every thread of the team writes f of neighbouring elements into stage (part +
// kLanes: coalesced loads, all in flight at once), then kLanes threads carry their chains on over
// the staged values. Before, the kLanes threads read f's operands from memory themselves, 16 of
// 128 threads in a strided, latency-bound chain (the H200's layer norm at 22 to 58 times its
// projection, docs/validation.md). Each value is rounded to T before op sees it (no contraction
// into a sum on a GPU). Ends without a barrier: the caller's reads of part need one.
template <class Member, class T, class F, class Op>
KOKKOS_INLINE_FUNCTION void staged_lane_chains(const Member& team, int count, const F& f, const Op& op,
                                               T* part) {
  T* stage = part + kLanes;
  for (int c0 = 0; c0 < count; c0 += kStage) {
    const int cn = count - c0 < kStage ? count - c0 : kStage;
    team.team_barrier();  // part is initialised; the previous pass's chains are done with stage
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cn), [&](const int c) { stage[c] = f(c0 + c); });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, kLanes), [&](const int j) {
      T acc = part[j];
      for (int c = j; c < cn; c += kLanes) acc = op(acc, stage[c]);
      part[j] = acc;
    });
  }
}

// Σ f(c), c < n, in sum_fixed's order; every thread of the team gets the sum. part: kLanes
// elements of team scratch, then kStage more (staged_lane_chains). The partials start at 0 and
// take the same values in the same order as the unstaged chains, so the sum is the same.
template <class Member, class T, class F>
KOKKOS_INLINE_FUNCTION T lanes_sum(const Member& team, int n, const F& f, T* part) {
  const int full = n / kLanes * kLanes;
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, kLanes), [&](const int j) { part[j] = T(0); });
  staged_lane_chains(
      team, full, f, [](T acc, T v) { return acc + v; }, part);
  team.team_barrier();
  T s = 0;
  for (int j = 0; j < kLanes; ++j) s += part[j];
  for (int c = full; c < n; ++c) s += f(c);
  team.team_barrier();  // part is written again by the next sum
  return s;
}

// max(x[0], max_c x[c]) over the row; max is exact, so the lane order gives max_scaled's value.
// part: as lanes_sum's.
template <class Member, class T>
KOKKOS_INLINE_FUNCTION T lanes_max(const Member& team, const T* x, int n, T* part) {
  const T x0 = x[0];
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, kLanes), [&](const int j) { part[j] = x0; });
  staged_lane_chains(
      team, n, [&](int c) { return x[c]; }, [](T m, T v) { return v > m ? v : m; }, part);
  team.team_barrier();
  T m = x0;
  for (int j = 0; j < kLanes; ++j) m = part[j] > m ? part[j] : m;
  team.team_barrier();
  return m;
}

}  // namespace detail

// The kernels, for any execution space (team_size as row_team_policy). Same contracts and labels
// as rownorm_layernorm_forward & co. Each spells out its launch: nvcc rejects a KOKKOS_LAMBDA
// handed to a shared launcher that wraps it in its own (the stub names an undeclared function).
template <class Exec, class T>
void team_layernorm_forward(const Exec& exec, const std::string& label, const Matrix<T>& y,
                            const Vec<T>& mean, const Vec<T>& rstd, const Matrix<const T>& x,
                            const Vec<const T>& w, const Vec<const T>& b, int team_size = -1) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, detail::row_team_policy(exec, N, team_size, detail::row_scratch_bytes<T>()),
      KOKKOS_LAMBDA(const Member& team) {
        const int n = team.league_rank();
        T* part = static_cast<T*>(team.team_scratch(0).get_shmem(detail::row_scratch_bytes<T>()));
        const T* xr = &x(n, 0);
        T* yr = &y(n, 0);
        const T m = detail::lanes_sum(
                        team, C, [&](int c) { return xr[c]; }, part) /
                    T(C);
        T var = detail::lanes_sum(
            team, C, [&](int c) { return (xr[c] - m) * (xr[c] - m); }, part);
        var /= T(C);
        const T rs = T(1) / compat::sqrt(var + T(kRowNormEps));
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, C),
                             [&](const int c) { yr[c] = (xr[c] - m) * rs * w(c) + b(c); });
        Kokkos::single(Kokkos::PerTeam(team), [&]() {
          mean(n) = m;
          rstd(n) = rs;
        });
      });
}

// dx += ∂L/∂x and the partial rows (blocks of R rows, rows ascending), as ln_bwd_block, in two
// launches: LABEL, a team per row (dx: its two row sums and the update), and LABEL_part, a thread
// per (block, column) summing the block's rows in order. One team per block of rows did both
// before, which left a GPU idle (128 teams at N = 4096). Same expressions, same order per element
// and per partial, so the same bits.
template <class Exec, class T>
void team_layernorm_backward_rows(const Exec& exec, const std::string& label, const Matrix<T>& dx,
                                  const Matrix<const T>& dy, const Matrix<const T>& x, const Vec<const T>& w,
                                  const Vec<const T>& mean, const Vec<const T>& rstd, const Vec<T>& part,
                                  int team_size = -1) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  const int R = layernorm_rows_per_block(N), nb = layernorm_blocks(N);
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, detail::row_team_policy(exec, N, team_size, detail::row_scratch_bytes<T>()),
      KOKKOS_LAMBDA(const Member& team) {
        const int n = team.league_rank();
        T* lanes = static_cast<T*>(team.team_scratch(0).get_shmem(detail::row_scratch_bytes<T>()));
        const T* xr = &x(n, 0);
        const T* gr = &dy(n, 0);
        T* dr = &dx(n, 0);
        const T m = mean(n), rs = rstd(n);
        T mean_g = detail::lanes_sum(
            team, C, [&](int c) { return gr[c] * w(c); }, lanes);
        T mean_gx = detail::lanes_sum(
            team, C, [&](int c) { return (gr[c] * w(c)) * ((xr[c] - m) * rs); }, lanes);
        mean_g /= T(C);
        mean_gx /= T(C);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, C), [&](const int k) {
          const T xhat = (xr[k] - m) * rs;
          dr[k] += rs * (gr[k] * w(k) - mean_g - xhat * mean_gx);
        });
      });
  // The partials: a team per (block, kRowTeam columns), a thread per column, rows ascending.
  const int col_tiles = (C + kRowTeam - 1) / kRowTeam;
  Kokkos::parallel_for(
      label + "_part", detail::row_team_policy(exec, nb * col_tiles, team_size, 0),
      KOKKOS_LAMBDA(const Member& team) {
        const int blk = team.league_rank() / col_tiles, c0 = (team.league_rank() % col_tiles) * kRowTeam;
        const int cols = C - c0 < kRowTeam ? C - c0 : kRowTeam;
        const int n1 = (blk + 1) * R < N ? (blk + 1) * R : N;
        T* pw = part.data() + std::int64_t(blk) * 2 * C;
        T* pb = pw + C;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cols), [&](const int j) {
          const int k = c0 + j;
          T aw = T(0), ab = T(0);
          for (int n = blk * R; n < n1; ++n) {
            const T g = dy(n, k);
            aw += g * ((x(n, k) - mean(n)) * rstd(n));
            ab += g;
          }
          pw[k] = aw;
          pb[k] = ab;
        });
      });
}

template <class Exec, class T>
void team_softmax_forward(const Exec& exec, const std::string& label, const Matrix<T>& y,
                          const Matrix<const T>& x, int team_size = -1) {
  const int N = static_cast<int>(x.extent(0)), V = static_cast<int>(x.extent(1));
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, detail::row_team_policy(exec, N, team_size, detail::row_scratch_bytes<T>()),
      KOKKOS_LAMBDA(const Member& team) {
        const int n = team.league_rank();
        T* part = static_cast<T*>(team.team_scratch(0).get_shmem(detail::row_scratch_bytes<T>()));
        const T* xr = &x(n, 0);
        T* yr = &y(n, 0);
        const T mx = detail::lanes_max(team, xr, V, part);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, V),
                             [&](const int v) { yr[v] = detail::exp_fixed(xr[v] - mx); });
        team.team_barrier();
        const T inv = T(1) / detail::lanes_sum(
                                 team, V, [&](int v) { return yr[v]; }, part);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, V), [&](const int v) { yr[v] *= inv; });
      });
}

template <class Exec, class T>
void team_softmax_backward(const Exec& exec, const std::string& label, const Matrix<T>& dx,
                           const Matrix<const T>& y, const Matrix<const T>& dy, int team_size = -1) {
  const int N = static_cast<int>(y.extent(0)), V = static_cast<int>(y.extent(1));
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, detail::row_team_policy(exec, N, team_size, detail::row_scratch_bytes<T>()),
      KOKKOS_LAMBDA(const Member& team) {
        const int n = team.league_rank();
        T* part = static_cast<T*>(team.team_scratch(0).get_shmem(detail::row_scratch_bytes<T>()));
        const T* yr = &y(n, 0);
        const T* gr = &dy(n, 0);
        T* dr = &dx(n, 0);
        const T dot = detail::lanes_sum(
            team, V, [&](int v) { return gr[v] * yr[v]; }, part);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, V),
                             [&](const int v) { dr[v] = yr[v] * (gr[v] - dot); });
      });
}

}  // namespace xpb::nn
