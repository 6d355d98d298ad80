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
// Forward: a team per (b, h, tile of kAttnTeamRows queries); per key tile it stages K and V, then
// in phases over the team's threads forms the scores (a thread per query and key), each row's
// running max m and rescale factor, the exponentials (a thread per query and key), each row's
// sum l, and the output rows rescaled plus P·V (a thread per query and d). Backward, with no
// atomics: NAME_bwd_kv, a team per (b, h, tile of kAttnTeamRows keys), walks the queries that see
// them in staged chunks (with their lse and Δ = rowsum(dO ⊙ O)): P and dS a thread per (key,
// query), then dK and dV a thread per (key, d); NAME_bwd_q, a team per (b, h, tile of
// kAttnTeamRows queries), walks the key tiles: dS a thread per (query, key), then dQ a thread per
// (query, d). Scores and ∂P are recomputed in both (the price of determinism without atomics).
// Output and gradient rows accumulate in place in global memory (a team's 16 rows stay in cache).
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

// Rows each team owns: 16 queries in the forward and in NAME_bwd_q, 16 keys in NAME_bwd_kv. The
// threads run over (row, key or query) and (row, d) pairs, so 16 rows still give each of a team's
// 256 threads work, and a T = 128 head has 8 teams where a thread per row of 64 gave it 2.
inline constexpr int kAttnTeamRows = 16;
inline constexpr int kAttnTeamThreads = 256;  // a team's threads on devices
inline constexpr int kBwdChunk = 32;          // queries NAME_bwd_kv stages at a time

namespace detail {

// Row strides padded to an odd count, so that threads reading the same column of consecutive
// rows hit different shared-memory banks.
KOKKOS_INLINE_FUNCTION int padded(int n) { return n % 2 == 0 ? n + 1 : n; }

// Scratch elements of a forward team: one key tile's rows (padded), holding its K and then its V
// (the scores are made before the values are needed), then per row the scores, m, l and the
// tile's rescale factor.
KOKKOS_INLINE_FUNCTION std::size_t team_fwd_scratch(int D) {
  const std::size_t R = kAttnTeamRows, BK = kBlockK, ld = padded(D), ls = padded(kBlockK);
  return BK * ld + R * (ls + 3);
}
// Backward, the larger of its two kernels' scratch: NAME_bwd_kv holds its own keys' K and V, a
// chunk of queries' Q and dO (rows padded), their lse and Δ, and P and dS per (key, query);
// NAME_bwd_q one key tile's rows (padded: its V, then its K), dS per (query, key) and its rows'
// lse and Δ.
KOKKOS_INLINE_FUNCTION std::size_t team_bwd_kv_scratch(int D) {
  const std::size_t R = kAttnTeamRows, Q = kBwdChunk, ld = padded(D), lp = padded(kBwdChunk);
  return 2 * R * ld + 2 * Q * ld + 2 * Q + 2 * R * lp;
}
KOKKOS_INLINE_FUNCTION std::size_t team_bwd_q_scratch(int D) {
  const std::size_t R = kAttnTeamRows, BK = kBlockK, ld = padded(D), ls = padded(kBlockK);
  return BK * ld + R * ls + 2 * R;
}
KOKKOS_INLINE_FUNCTION std::size_t team_bwd_scratch(int D) {
  const std::size_t kv = team_bwd_kv_scratch(D), q = team_bwd_q_scratch(D);
  return kv > q ? kv : q;
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

// The (batch, head, tile of kAttnTeamRows rows) of a team, league ranks tile-fastest: first row
// r0, rows in it (the last tile of a sequence may be short).
struct TeamTile {
  int b, h, r0, rows;
  KOKKOS_INLINE_FUNCTION TeamTile(int rank, int tiles, int H, int TT)
      : b(rank / (tiles * H)),
        h((rank / tiles) % H),
        r0((rank % tiles) * kAttnTeamRows),
        rows(TT - r0 < kAttnTeamRows ? TT - r0 : kAttnTeamRows) {}
};

// A forward team's operands: its scratch (KV: the key tile's K, then its V; scores S; per row m,
// l, alpha), its query rows and output rows in place (row i at qrow + i·ldq, orow + i·ldo), the
// head's key and value columns in qkv (from kcol, vcol; the tile's first row krow0), and the
// tile's geometry.
template <class T>
struct FwdTile {
  T *KV, *S, *m, *l, *alpha;
  const CMatrix<T>* qkv;
  std::ptrdiff_t krow0;
  int kcol, vcol;
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

// Rows r0 … r0+n-1 of the D columns of qkv from column c (a head's keys or values) into team
// scratch X (rows ld apart), between barriers (the previous readers of X are done; every thread
// sees the new rows). Neighbouring threads copy neighbouring elements.
template <class Member, class T>
KOKKOS_INLINE_FUNCTION void stage_rows(const Member& team, const CMatrix<T>& qkv, std::ptrdiff_t r0, int n,
                                       int c, int D, int ld, T* X) {
  team.team_barrier();
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n * D), [&](const int e) {
    const int j = e / D, d = e % D;
    X[j * ld + d] = qkv(r0 + j, c + d);
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
// it): the keys staged, the scores, a thread per (row, key); each row's max and rescale factor;
// the exponentials, a thread per (row, key), beside the values staged over the keys; then each
// row's sum (a thread per row) beside the output update, a thread per (row, d), the accumulator
// held in `out` itself.
template <class Member, class T>
KOKKOS_INLINE_FUNCTION void forward_key_tile(const Member& team, const FwdTile<T>& f, int j0, int kt) {
  const int rows = f.rows, D = f.D, ld = padded(D), ls = padded(kBlockK);
  const auto seen = [&](const int i) { return keys_seen(f.causal, f.t0 + i, j0, kt); };
  stage_rows(team, *f.qkv, f.krow0 + j0, kt, f.kcol, D, ld, f.KV);
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * kt), [&](const int e) {
    const int i = e / kt, j = e % kt;
    if (j < seen(i)) f.S[i * ls + j] = chain_dot(f.q(i), f.KV + j * ld, D);
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
  stage_rows(team, *f.qkv, f.krow0 + j0, kt, f.vcol, D, ld, f.KV);  // its barriers order the phases
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](const int i) {
    const int valid = seen(i);
    if (valid > 0) f.l[i] = f.l[i] * f.alpha[i] + sum_fixed(f.S + i * ls, valid);
  });
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * D), [&](const int e) {
    const int i = e / D, d = e % D, valid = seen(i);
    if (valid <= 0) return;
    T* o = f.o(i) + d;
    T acc = *o * f.alpha[i];
    for (int j = 0; j < valid; ++j) acc = fma_exact(f.S[i * ls + j], f.KV[j * ld + d], acc);
    *o = acc;
  });
}

// Forward: a team per (b, h, tile of kAttnTeamRows queries), threads over (row, key) and (row, d)
// pairs in each key tile (forward_key_tile). The output rows accumulate in place in `out`, so the
// team's scratch (team_fwd_scratch) holds only one key tile's rows (padded: threads over keys read
// one column of K), its K and then its V, the scores and three numbers per row: at D = 64 in fp32,
// 30.6 KiB, under the 40 KiB of level 0 that Kokkos 3.4 gives a CUDA team.
template <class Exec, class T>
void flash_forward_teams(const Exec& exec, const std::string& label, const AttentionShape& s,
                         const Matrix<T>& out, const Matrix<T>& lse, const CMatrix<T>& qkv, int team_size,
                         int level) {
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  const int tiles = (TT + kAttnTeamRows - 1) / kAttnTeamRows;
  const std::size_t bytes = team_fwd_scratch(D) * sizeof(T);
  auto policy = team_rows_policy(exec, s.B * H * tiles, team_size);
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, policy.set_scratch_size(level, Kokkos::PerTeam(bytes)), KOKKOS_LAMBDA(const Member& team) {
        const TeamTile tt(team.league_rank(), tiles, H, TT);
        const int b = tt.b, h = tt.h, t0 = tt.r0, rows = tt.rows;
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT;
        FwdTile<T> f;
        f.KV = static_cast<T*>(team.team_scratch(level).get_shmem(bytes));
        f.S = f.KV + kBlockK * padded(D);
        f.m = f.S + kAttnTeamRows * padded(kBlockK);
        f.l = f.m + kAttnTeamRows;
        f.alpha = f.l + kAttnTeamRows;
        f.qrow = &qkv(row0 + t0, h * D);
        f.orow = &out(row0 + t0, h * D);
        f.ldq = qkv.stride(0), f.ldo = out.stride(0);
        f.rows = rows, f.D = D, f.t0 = t0, f.causal = causal, f.scale = scale;
        f.qkv = &qkv, f.krow0 = row0, f.kcol = C + h * D, f.vcol = 2 * C + h * D;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * D), [&](const int e) {
          f.o(e / D)[e % D] = T(0);
          if (e % D == 0) f.m[e / D] = T(-1e30), f.l[e / D] = T(0);
        });
        const int keys = causal ? t0 + rows : TT;
        for (int j0 = 0; j0 < keys; j0 += kBlockK) {
          const int kt = keys - j0 < kBlockK ? keys - j0 : kBlockK;
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

// dK and dV: a team per kAttnTeamRows keys walks the queries that see them, kBwdChunk at a time:
// P and dS with a thread per (key, query), then each key's dK and dV elements with a thread per
// (key, d), each one chain over the queries ascending across the chunks, accumulated in place in
// dqkv. Same expressions as a thread per key walking its queries.
template <class Exec, class T>
void flash_backward_kv_teams(const Exec& exec, const std::string& label, const AttentionShape& s,
                             const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                             const CMatrix<T>& out, const CMatrix<T>& lse, int team_size, int level) {
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  const int tiles = (TT + kAttnTeamRows - 1) / kAttnTeamRows;
  const std::size_t bytes = team_bwd_kv_scratch(D) * sizeof(T);
  auto policy = team_rows_policy(exec, s.B * H * tiles, team_size);
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, policy.set_scratch_size(level, Kokkos::PerTeam(bytes)), KOKKOS_LAMBDA(const Member& team) {
        const TeamTile tt(team.league_rank(), tiles, H, TT);
        const int b = tt.b, h = tt.h, j0 = tt.r0, keys = tt.rows;
        const int ld = padded(D), lp = padded(kBwdChunk);
        T* Kr = static_cast<T*>(team.team_scratch(level).get_shmem(bytes));  // (R, ld) own keys
        T* Vr = Kr + kAttnTeamRows * ld;                                     // (R, ld) own values
        T* Qs = Vr + kAttnTeamRows * ld;                                     // (Q, ld) query chunk
        T* Gs = Qs + kBwdChunk * ld;                                         // (Q, ld) its ∂out
        T* Ls = Gs + kBwdChunk * ld;                                         // (Q) lse
        T* Ds = Ls + kBwdChunk;                                              // (Q) Δ
        T* Ps = Ds + kBwdChunk;                                              // (R, lp) P
        T* dS = Ps + kAttnTeamRows * lp;                                     // (R, lp) dS
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT, ldd = dqkv.stride(0);
        T* dk = &dqkv(row0 + j0, C + h * D);
        T* dv = &dqkv(row0 + j0, 2 * C + h * D);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, keys * D), [&](const int e) {
          const int j = e / D, d = e % D;
          Kr[j * ld + d] = qkv(row0 + j0 + j, C + h * D + d);
          Vr[j * ld + d] = qkv(row0 + j0 + j, 2 * C + h * D + d);
          dk[j * ldd + d] = dv[j * ldd + d] = T(0);
        });
        // Causal: queries before the tile's first key see none of its keys.
        for (int i0 = causal ? j0 : 0; i0 < TT; i0 += kBwdChunk) {
          const int qn = TT - i0 < kBwdChunk ? TT - i0 : kBwdChunk;
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, qn * D), [&](const int e) {
            const int i = e / D, d = e % D;
            Qs[i * ld + d] = qkv(row0 + i0 + i, h * D + d);
            Gs[i * ld + d] = dout(row0 + i0 + i, h * D + d);
          });
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, qn), [&](const int i) {
            Ls[i] = lse(b * H + h, i0 + i);
            Ds[i] = dot_lanes(&dout(row0 + i0 + i, h * D), &out(row0 + i0 + i, h * D), D);
          });
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, keys * qn), [&](const int e) {
            const int j = e / qn, i = e % qn;
            if (causal && i0 + i < j0 + j) return;
            const T sc = chain_dot(Qs + i * ld, Kr + j * ld, D), dp = chain_dot(Gs + i * ld, Vr + j * ld, D);
            const T p = exp_fixed(sc * scale - Ls[i]);
            Ps[j * lp + i] = p;
            dS[j * lp + i] = p * (dp - Ds[i]) * scale;
          });
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, keys * D), [&](const int e) {
            const int j = e / D, d = e % D, key = j0 + j;
            T av = dv[j * ldd + d], ak = dk[j * ldd + d];
            for (int i = causal && key > i0 ? key - i0 : 0; i < qn; ++i) {
              av = fma_exact(Ps[j * lp + i], Gs[i * ld + d], av);
              ak = fma_exact(dS[j * lp + i], Qs[i * ld + d], ak);
            }
            dv[j * ldd + d] = av;
            dk[j * ldd + d] = ak;
          });
        }
      });
}

// dQ: a team per kAttnTeamRows queries walks the key tiles of kBlockK: with the tile's values
// staged, dP = dO·Vᵀ with a thread per (query, key); with its keys staged in their place, the
// scores and dS, a thread per (query, key) again; then a thread per (query, d) makes the tile's
// chain over its keys and adds it to the sum of the earlier tiles' (the host kernels' order), in
// place in dqkv.
template <class Exec, class T>
void flash_backward_q_teams(const Exec& exec, const std::string& label, const AttentionShape& s,
                            const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                            const CMatrix<T>& out, const CMatrix<T>& lse, int team_size, int level) {
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  const int tiles = (TT + kAttnTeamRows - 1) / kAttnTeamRows;
  const std::size_t bytes = team_bwd_q_scratch(D) * sizeof(T);
  auto policy = team_rows_policy(exec, s.B * H * tiles, team_size);
  using Member = typename Kokkos::TeamPolicy<Exec>::member_type;
  Kokkos::parallel_for(
      label, policy.set_scratch_size(level, Kokkos::PerTeam(bytes)), KOKKOS_LAMBDA(const Member& team) {
        const TeamTile tt(team.league_rank(), tiles, H, TT);
        const int b = tt.b, h = tt.h, t0 = tt.r0, rows = tt.rows;
        const int ld = padded(D), ls = padded(kBlockK);
        T* KV = static_cast<T*>(team.team_scratch(level).get_shmem(bytes));  // (BK, ld) V, then K
        T* dS = KV + kBlockK * ld;                                           // (R, ls) dP, then dS
        T* Ls = dS + kAttnTeamRows * ls;                                     // (R) own lse
        T* Ds = Ls + kAttnTeamRows;                                          // (R) own Δ
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT, ldd = dqkv.stride(0);
        T* dq = &dqkv(row0 + t0, h * D);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](const int i) {
          Ls[i] = lse(b * H + h, t0 + i);
          Ds[i] = dot_lanes(&dout(row0 + t0 + i, h * D), &out(row0 + t0 + i, h * D), D);
        });
        const int keys = causal ? t0 + rows : TT;
        for (int j0 = 0; j0 < keys; j0 += kBlockK) {
          const int kt = keys - j0 < kBlockK ? keys - j0 : kBlockK;
          stage_rows(team, qkv, row0 + j0, kt, 2 * C + h * D, D, ld, KV);
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * kt), [&](const int e) {
            const int i = e / kt, j = e % kt;
            if (j < keys_seen(causal, t0 + i, j0, kt))
              dS[i * ls + j] = chain_dot(&dout(row0 + t0 + i, h * D), KV + j * ld, D);
          });
          stage_rows(team, qkv, row0 + j0, kt, C + h * D, D, ld, KV);
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * kt), [&](const int e) {
            const int i = e / kt, j = e % kt;
            if (j >= keys_seen(causal, t0 + i, j0, kt)) return;
            const T sc = chain_dot(&qkv(row0 + t0 + i, h * D), KV + j * ld, D);
            const T p = exp_fixed(sc * scale - Ls[i]);
            dS[i * ls + j] = p * (dS[i * ls + j] - Ds[i]) * scale;
          });
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * D), [&](const int e) {
            const int i = e / D, d = e % D, valid = keys_seen(causal, t0 + i, j0, kt);
            T acc = T(0);
            for (int j = 0; j < valid; ++j) acc = fma_exact(dS[i * ls + j], KV[j * ld + d], acc);
            T* sum = dq + i * ldd + d;
            *sum = j0 == 0 ? acc : *sum + acc;
          });
        }
      });
}

// The team kernels with their scratch level chosen for the backend (or forced: tests run both).
template <class Exec, class T>
void flash_attention_forward_teams(const Exec& exec, const std::string& name, const AttentionShape& s,
                                   const Matrix<T>& out, const Matrix<T>& lse, const CMatrix<T>& qkv,
                                   int team_size = kAttnTeamThreads, int level = -1) {
  if (level < 0) level = team_scratch_level<Exec>(team_fwd_scratch(s.D()) * sizeof(T));
  flash_forward_teams(exec, label(name, "_fwd"), s, out, lse, qkv, team_size, level);
}
template <class Exec, class T>
void flash_attention_backward_teams(const Exec& exec, const std::string& name, const AttentionShape& s,
                                    const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                                    const CMatrix<T>& out, const CMatrix<T>& lse,
                                    int team_size = kAttnTeamThreads, int level = -1) {
  if (level < 0) level = team_scratch_level<Exec>(team_bwd_scratch(s.D()) * sizeof(T));
  flash_backward_kv_teams(exec, label(name, "_bwd_kv"), s, dqkv, dout, qkv, out, lse, team_size, level);
  flash_backward_q_teams(exec, label(name, "_bwd_q"), s, dqkv, dout, qkv, out, lse, team_size, level);
}

}  // namespace detail
}  // namespace xpb::nn
