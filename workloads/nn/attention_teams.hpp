// workloads/nn/attention_teams.hpp — the flash attention of nn/attention_kernels.hpp shaped for
// GPUs: a team per tile of rows, the tile's keys and values staged in team scratch once for all
// its rows. The host path keeps the micro-kernels; these kernels serve device execution spaces
// (and run on host spaces in the tests, which check their bits).
//
// Every row's arithmetic is the host kernels' sequence: each score and ∂P element one fma chain
// over d ascending, the online softmax per key tile of kBlockK (max_scaled, exp_fixed, sum_fixed),
// each output element one fma chain over the keys (forward, dQ within a key tile) or the queries
// (dK, dV) ascending. Terms the host kernels add as exact zeros (masked keys and padding) are left
// out, which changes no bit: a chain that starts at +0 never holds −0, and x + (±0)·y is x. So on
// a host space these kernels give the host path's bits; on a GPU they give the same where the
// compiler neither contracts nor reorders the scalar steps (nvcc contracts a·b + c by default).
//
// Forward: a team per (b, h, tile of kFwdTeamRows queries); per key tile it stages K and V, then
// in phases over the team's threads forms the scores (a thread per query and key), each row's
// running max m and rescale factor, the exponentials (a thread per query and key), each row's
// sum l, and the output rows rescaled plus P·V (a thread per query and d). Backward, with no
// atomics: NAME_bwd_kv, a team per (b, h, tile of kTeamRows keys), each thread owning one key's dK
// and dV and walking every query that sees it (query chunks staged in scratch with their lse and
// Δ = rowsum(dO ⊙ O)); then NAME_bwd_q, a team per (b, h, tile of kTeamRows queries), each thread
// owning one query's dQ and walking the key tiles. Scores and ∂P are recomputed in both (the price
// of determinism without atomics).
//
// Scratch per team does not grow with T (the portable backward's held whole heads): it sits in
// level 0 (GPU shared memory) when it fits the backend's level-0 limit, else in level 1.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstddef>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/attention.hpp"
#include "workloads/nn/fixed_math.hpp"
#include "workloads/nn/gemm.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

inline constexpr int kTeamRows = 64;  // rows (queries or keys) per team: one thread each on a GPU
// Queries per forward team: the forward's threads run over (query, key) and (query, d) pairs, so a
// team of 16 queries still gives every thread of a 256-thread team work, and a T = 128 head 8
// teams instead of 2 (the backward keeps kTeamRows, a thread per row).
inline constexpr int kFwdTeamRows = 16;
inline constexpr int kFwdTeamThreads = 256;  // a forward team's threads on devices

namespace detail {

// Row strides padded to an odd count, so that threads reading the same column of consecutive
// rows hit different shared-memory banks.
KOKKOS_INLINE_FUNCTION int padded(int n) { return n % 2 == 0 ? n + 1 : n; }

// Scratch elements of a forward team: the key tile's K (rows padded) and V, then per row the
// scores, m, l and the tile's rescale factor.
KOKKOS_INLINE_FUNCTION std::size_t team_fwd_scratch(int D) {
  const std::size_t R = kFwdTeamRows, BK = kBlockK, ld = padded(D), ls = padded(kBlockK);
  return BK * (ld + D) + R * (ls + 3);
}
// Backward (both kernels): the other side's tile of kTeamRows rows (two D-wide operands, lse, Δ),
// then per owned row two D-wide operands and two D-wide accumulators.
KOKKOS_INLINE_FUNCTION std::size_t team_bwd_scratch(int D) {
  const std::size_t R = kTeamRows, ld = padded(D);
  return 2 * R * D + 2 * R + R * 4 * ld;
}

// The level the team's scratch goes to: 0 (on-chip on GPUs) when it fits the backend's limit.
template <class Exec>
int team_scratch_level(std::size_t bytes) {
  return bytes <= std::size_t(Kokkos::TeamPolicy<Exec>::scratch_size_max(0)) ? 0 : 1;
}

template <class Exec>
Kokkos::TeamPolicy<Exec> team_rows_policy(const Exec& exec, int league, int team_size) {
  if (team_size > 0) return Kokkos::TeamPolicy<Exec>(exec, league, team_size);
  return Kokkos::TeamPolicy<Exec>(exec, league, Kokkos::AUTO);
}

// The (batch, head, tile of kTeamRows rows) of a team, league ranks tile-fastest: first row r0,
// rows in it (the last tile of a sequence may be short).
struct TeamTile {
  int b, h, r0, rows;
  KOKKOS_INLINE_FUNCTION TeamTile(int rank, int tiles, int H, int TT, int per_team = kTeamRows)
      : b(rank / (tiles * H)),
        h((rank / tiles) % H),
        r0((rank % tiles) * per_team),
        rows(TT - r0 < per_team ? TT - r0 : per_team) {}
};

// A forward team's operands: its scratch (K, V, scores S, per row m, l, alpha), its query rows and
// output rows in place (row i at qrow + i·ldq, orow + i·ldo), and the tile's geometry.
template <class T>
struct FwdTile {
  T *K, *V, *S, *m, *l, *alpha;
  const T* qrow;
  T* orow;
  std::ptrdiff_t ldq, ldo;
  int rows, D, t0;
  bool causal;
  T scale;
  KOKKOS_INLINE_FUNCTION const T* q(int i) const { return qrow + i * ldq; }
  KOKKOS_INLINE_FUNCTION T* o(int i) const { return orow + i * ldo; }
};

// Σ_d a[d]·b[d] as one fma chain, d ascending (the micro-kernels' chain).
template <class T>
KOKKOS_INLINE_FUNCTION T chain_dot(const T* a, const T* b, int D) {
  T acc = T(0);
  for (int d = 0; d < D; ++d) acc = fma_exact(a[d], b[d], acc);
  return acc;
}

// Rows r0 … r0+n-1 of two D-wide column ranges of qkv (keys from column kc, values from vc) into
// team scratch K (n rows ldk apart) and V (n, D), between barriers (the previous tile's readers
// are done; every thread sees the new tile). Neighbouring threads copy neighbouring elements.
template <class Member, class T>
KOKKOS_INLINE_FUNCTION void stage_keys(const Member& team, const CMatrix<T>& qkv, std::ptrdiff_t r0, int n,
                                       int kc, int vc, int D, int ldk, T* K, T* V) {
  team.team_barrier();
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n * D), [&](const int e) {
    const int j = e / D, d = e % D;
    K[j * ldk + d] = qkv(r0 + j, kc + d);
    V[e] = qkv(r0 + j, vc + d);
  });
  team.team_barrier();
}

// How many keys of the tile starting at j0 (kt keys) query t sees: all, or up to t (causal).
KOKKOS_INLINE_FUNCTION int keys_seen(bool causal, int t, int j0, int kt) {
  const int valid = causal ? t - j0 + 1 : kt;
  return valid > kt ? kt : valid;
}

// One key tile of the forward for a team's rows, in phases over the team's threads (each
// element's arithmetic as the host's row loop has it; rows that see none of the tile's keys skip
// it): the scores, a thread per (row, key); each row's max and rescale factor; the exponentials,
// a thread per (row, key); then each row's sum (a thread per row) beside the output update, a
// thread per (row, d), the accumulator held in `out` itself.
template <class Member, class T>
KOKKOS_INLINE_FUNCTION void forward_key_tile(const Member& team, const FwdTile<T>& f, int j0, int kt) {
  const int rows = f.rows, D = f.D, ld = padded(D), ls = padded(kBlockK);
  const auto seen = [&](const int i) { return keys_seen(f.causal, f.t0 + i, j0, kt); };
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * kt), [&](const int e) {
    const int i = e / kt, j = e % kt;
    if (j < seen(i)) f.S[i * ls + j] = chain_dot(f.q(i), f.K + j * ld, D);
  });
  team.team_barrier();
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](const int i) {
    const int valid = seen(i);
    if (valid <= 0) return;
    const T mx = max_scaled(f.S + i * ls, valid, f.scale, f.m[i]);
    f.alpha[i] = exp_fixed(f.m[i] - mx);
    f.m[i] = mx;
  });
  team.team_barrier();
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * kt), [&](const int e) {
    const int i = e / kt, j = e % kt;
    if (j < seen(i)) f.S[i * ls + j] = exp_fixed(f.S[i * ls + j] * f.scale - f.m[i]);
  });
  team.team_barrier();
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](const int i) {
    const int valid = seen(i);
    if (valid > 0) f.l[i] = f.l[i] * f.alpha[i] + sum_fixed(f.S + i * ls, valid);
  });
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * D), [&](const int e) {
    const int i = e / D, d = e % D, valid = seen(i);
    if (valid <= 0) return;
    T* o = f.o(i) + d;
    T acc = *o * f.alpha[i];
    for (int j = 0; j < valid; ++j) acc = fma_exact(f.S[i * ls + j], f.V[j * D + d], acc);
    *o = acc;
  });
}

// Forward: a team per (b, h, tile of kFwdTeamRows queries), threads over (row, key) and (row, d)
// pairs in each key tile (forward_key_tile). The output rows accumulate in place in `out`, so the
// team's scratch (team_fwd_scratch) holds only the key tile (K rows padded: threads over keys read
// one column of K), its V, the scores and three numbers per row: at D = 64 in fp32, 37 KiB, under
// the 40 KiB of level 0 that Kokkos 3.4 gives a CUDA team.
template <class Exec, class T>
void flash_forward_teams(const Exec& exec, const std::string& label, const AttentionShape& s,
                         const Matrix<T>& out, const Matrix<T>& lse, const CMatrix<T>& qkv, int team_size,
                         int level) {
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  const int tiles = (TT + kFwdTeamRows - 1) / kFwdTeamRows;
  const std::size_t bytes = team_fwd_scratch(D) * sizeof(T);
  auto policy = team_rows_policy(exec, s.B * H * tiles, team_size);
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, policy.set_scratch_size(level, Kokkos::PerTeam(bytes)), KOKKOS_LAMBDA(const Member& team) {
        const TeamTile tt(team.league_rank(), tiles, H, TT, kFwdTeamRows);
        const int b = tt.b, h = tt.h, t0 = tt.r0, rows = tt.rows;
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT;
        FwdTile<T> f;
        f.K = static_cast<T*>(team.team_scratch(level).get_shmem(bytes));
        f.V = f.K + kBlockK * padded(D);
        f.S = f.V + kBlockK * D;
        f.m = f.S + kFwdTeamRows * padded(kBlockK);
        f.l = f.m + kFwdTeamRows;
        f.alpha = f.l + kFwdTeamRows;
        f.qrow = &qkv(row0 + t0, h * D);
        f.orow = &out(row0 + t0, h * D);
        f.ldq = qkv.stride(0), f.ldo = out.stride(0);
        f.rows = rows, f.D = D, f.t0 = t0, f.causal = causal, f.scale = scale;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * D), [&](const int e) {
          f.o(e / D)[e % D] = T(0);
          if (e % D == 0) f.m[e / D] = T(-1e30), f.l[e / D] = T(0);
        });
        const int keys = causal ? t0 + rows : TT;
        for (int j0 = 0; j0 < keys; j0 += kBlockK) {
          const int kt = keys - j0 < kBlockK ? keys - j0 : kBlockK;
          stage_keys(team, qkv, row0 + j0, kt, C + h * D, 2 * C + h * D, D, padded(D), f.K, f.V);
          forward_key_tile(team, f, j0, kt);
        }
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * D), [&](const int e) {
          const int i = e / D;
          const T inv = T(1) / f.l[i];
          f.o(i)[e % D] *= inv;
          if (e % D == 0) lse(b * H + h, t0 + i) = f.m[i] + compat::log(f.l[i]);
        });
      });
}

// dK and dV: a thread per key, every query that sees it in ascending order.
template <class Exec, class T>
void flash_backward_kv_teams(const Exec& exec, const std::string& label, const AttentionShape& s,
                             const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                             const CMatrix<T>& out, const CMatrix<T>& lse, int team_size, int level) {
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  const int tiles = (TT + kTeamRows - 1) / kTeamRows;
  const std::size_t bytes = team_bwd_scratch(D) * sizeof(T);
  auto policy = team_rows_policy(exec, s.B * H * tiles, team_size);
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, policy.set_scratch_size(level, Kokkos::PerTeam(bytes)), KOKKOS_LAMBDA(const Member& team) {
        const TeamTile tt(team.league_rank(), tiles, H, TT);
        const int b = tt.b, h = tt.h, j0 = tt.r0, keys = tt.rows;
        const int ld = padded(D);
        T* Qs = static_cast<T*>(team.team_scratch(level).get_shmem(bytes));  // (R, D) query chunk
        T* Gs = Qs + kTeamRows * D;                                          // (R, D) its ∂out
        T* Ls = Gs + kTeamRows * D;                                          // (R) lse
        T* Ds = Ls + kTeamRows;                                              // (R) Δ
        T* Kr = Ds + kTeamRows;                                              // (R, ld) own keys
        T* Vr = Kr + kTeamRows * ld;
        T* dK = Vr + kTeamRows * ld;
        T* dV = dK + kTeamRows * ld;
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, keys), [&](const int j) {
          for (int d = 0; d < D; ++d) {
            Kr[j * ld + d] = qkv(row0 + j0 + j, C + h * D + d);
            Vr[j * ld + d] = qkv(row0 + j0 + j, 2 * C + h * D + d);
            dK[j * ld + d] = dV[j * ld + d] = T(0);
          }
        });
        // Causal: queries before the tile's first key see none of its keys.
        for (int i0 = causal ? j0 : 0; i0 < TT; i0 += kTeamRows) {
          const int qn = TT - i0 < kTeamRows ? TT - i0 : kTeamRows;
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, qn), [&](const int i) {
            const T* q = &qkv(row0 + i0 + i, h * D);
            const T* g = &dout(row0 + i0 + i, h * D);
            for (int d = 0; d < D; ++d) {
              Qs[i * D + d] = q[d];
              Gs[i * D + d] = g[d];
            }
            Ls[i] = lse(b * H + h, i0 + i);
            Ds[i] = dot_lanes(g, &out(row0 + i0 + i, h * D), D);
          });
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, keys), [&](const int j) {
            const int key = j0 + j;
            for (int i = causal && key > i0 ? key - i0 : 0; i < qn; ++i) {
              const T* q = Qs + i * D;
              const T* g = Gs + i * D;
              const T sc = chain_dot(q, Kr + j * ld, D), dp = chain_dot(g, Vr + j * ld, D);
              const T p = exp_fixed(sc * scale - Ls[i]);
              const T ds = p * (dp - Ds[i]) * scale;
              for (int d = 0; d < D; ++d) {
                dV[j * ld + d] = fma_exact(p, g[d], dV[j * ld + d]);
                dK[j * ld + d] = fma_exact(ds, q[d], dK[j * ld + d]);
              }
            }
          });
        }
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, keys), [&](const int j) {
          for (int d = 0; d < D; ++d) {
            dqkv(row0 + j0 + j, C + h * D + d) = dK[j * ld + d];
            dqkv(row0 + j0 + j, 2 * C + h * D + d) = dV[j * ld + d];
          }
        });
      });
}

// dQ: a thread per query; per key tile of kBlockK, one chain over its keys, added to the sum of
// the earlier tiles' (the host kernels' order).
template <class Exec, class T>
void flash_backward_q_teams(const Exec& exec, const std::string& label, const AttentionShape& s,
                            const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                            const CMatrix<T>& out, const CMatrix<T>& lse, int team_size, int level) {
  static_assert(kBlockK <= kTeamRows, "a key tile must fit the staged rows");
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  const int tiles = (TT + kTeamRows - 1) / kTeamRows;
  const std::size_t bytes = team_bwd_scratch(D) * sizeof(T);
  auto policy = team_rows_policy(exec, s.B * H * tiles, team_size);
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, policy.set_scratch_size(level, Kokkos::PerTeam(bytes)), KOKKOS_LAMBDA(const Member& team) {
        const TeamTile tt(team.league_rank(), tiles, H, TT);
        const int b = tt.b, h = tt.h, t0 = tt.r0, rows = tt.rows;
        const int ld = padded(D);
        T* Ks = static_cast<T*>(team.team_scratch(level).get_shmem(bytes));  // (BK, D) key tile
        T* Vs = Ks + kTeamRows * D;                                          // (BK, D) value tile
        T* Ls = Vs + kTeamRows * D;                                          // (R) own lse
        T* Ds = Ls + kTeamRows;                                              // (R) own Δ
        T* Qr = Ds + kTeamRows;                                              // (R, ld) own queries
        T* Gr = Qr + kTeamRows * ld;                                         // (R, ld) own ∂out
        T* dQ = Gr + kTeamRows * ld;                                         // (R, ld) Σ of tiles
        T* dT = dQ + kTeamRows * ld;                                         // (R, ld) this tile
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](const int i) {
          const T* q = &qkv(row0 + t0 + i, h * D);
          const T* g = &dout(row0 + t0 + i, h * D);
          for (int d = 0; d < D; ++d) {
            Qr[i * ld + d] = q[d];
            Gr[i * ld + d] = g[d];
          }
          Ls[i] = lse(b * H + h, t0 + i);
          Ds[i] = dot_lanes(g, &out(row0 + t0 + i, h * D), D);
        });
        const int keys = causal ? t0 + rows : TT;
        for (int j0 = 0; j0 < keys; j0 += kBlockK) {
          const int kt = keys - j0 < kBlockK ? keys - j0 : kBlockK;
          stage_keys(team, qkv, row0 + j0, kt, C + h * D, 2 * C + h * D, D, D, Ks, Vs);
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](const int i) {
            const int t = t0 + i;
            const int valid = keys_seen(causal, t, j0, kt);
            T* acc = dT + i * ld;
            for (int d = 0; d < D; ++d) acc[d] = T(0);
            for (int j = 0; j < valid; ++j) {
              const T sc = chain_dot(Qr + i * ld, Ks + j * D, D), dp = chain_dot(Gr + i * ld, Vs + j * D, D);
              const T p = exp_fixed(sc * scale - Ls[i]);
              const T ds = p * (dp - Ds[i]) * scale;
              for (int d = 0; d < D; ++d) acc[d] = fma_exact(ds, Ks[j * D + d], acc[d]);
            }
            T* sum = dQ + i * ld;
            for (int d = 0; d < D; ++d) sum[d] = j0 == 0 ? acc[d] : sum[d] + acc[d];
          });
        }
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](const int i) {
          for (int d = 0; d < D; ++d) dqkv(row0 + t0 + i, h * D + d) = dQ[i * ld + d];
        });
      });
}

// The team kernels with their scratch level chosen for the backend (or forced: tests run both).
template <class Exec, class T>
void flash_attention_forward_teams(const Exec& exec, const std::string& name, const AttentionShape& s,
                                   const Matrix<T>& out, const Matrix<T>& lse, const CMatrix<T>& qkv,
                                   int team_size = kFwdTeamThreads, int level = -1) {
  if (level < 0) level = team_scratch_level<Exec>(team_fwd_scratch(s.D()) * sizeof(T));
  flash_forward_teams(exec, label(name, "_fwd"), s, out, lse, qkv, team_size, level);
}
template <class Exec, class T>
void flash_attention_backward_teams(const Exec& exec, const std::string& name, const AttentionShape& s,
                                    const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                                    const CMatrix<T>& out, const CMatrix<T>& lse, int team_size = kTeamRows,
                                    int level = -1) {
  if (level < 0) level = team_scratch_level<Exec>(team_bwd_scratch(s.D()) * sizeof(T));
  flash_backward_kv_teams(exec, label(name, "_bwd_kv"), s, dqkv, dout, qkv, out, lse, team_size, level);
  flash_backward_q_teams(exec, label(name, "_bwd_q"), s, dqkv, dout, qkv, out, lse, team_size, level);
}

}  // namespace detail
}  // namespace xpb::nn
