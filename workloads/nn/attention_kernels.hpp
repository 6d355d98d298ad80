// workloads/nn/attention_kernels.hpp — tiled multi-head self-attention with an online softmax
// (flash-style): the (T, T) probabilities are never stored. Same input/output convention as
// nn/attention.hpp (qkv (N, 3C) rows [q | k | v], head h in columns h·D … h·D+D-1 of each part,
// out (N, C)); forward also saves lse (B·H, T), the log-sum-exp of each query row's scores, from
// which backward recomputes the probabilities tile by tile.
//
// Forward (kernel NAME_fwd): one team per (b, h, tile of kBlockQ queries). Its Q tile sits in team
// scratch; for each tile of kBlockK keys it forms S = Q·Kᵀ, updates the running row max m and sum
// l, rescales the output accumulator and adds P·V. Backward (kernel NAME_bwd): one team per (b, h);
// it copies the head's queries and ∂out into contiguous rows and makes Δ once, then for each key
// tile (ascending) it walks the query tiles (ascending) that see it, recomputes
// P = exp(S·scale − lse), dP = dO·Vᵀ, dS = P ⊙ (dP − Δ)·scale with Δ = rowsum(dO ⊙ O), and
// accumulates dV += Pᵀ·dO and dK += dSᵀ·Q in scratch (one fused multiply-add chain per element,
// queries ascending) and dQ += dS·K in a per-head accumulator written to dqkv at the end (key
// tiles ascending). Every output element is
// written by one team in a fixed order, so the bits do not depend on threads (no atomics).
//
// The tile products run on the GEMM micro-kernels (nn/gemm_microkernel.hpp) on host execution
// spaces — each element is one fma chain over k ascending, so the result is also the same for
// AVX-512, AVX2 and scalar. Device execution spaces run the GPU-shaped kernels of
// nn/attention_teams.hpp (threads over (row, key) and (row, d) pairs, same chains). The portable loop nest
// below (one thread per team, the same chains again) stays as a second check of the host bodies. fp32 and
// fp64; accumulation in the element type (fp32 accumulate for fp32).
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/attention.hpp"
#include "workloads/nn/attention_teams.hpp"
#include "workloads/nn/fixed_math.hpp"
#include "workloads/nn/for_each.hpp"
#include "workloads/nn/gemm.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

namespace detail {

KOKKOS_INLINE_FUNCTION int round_up(int x, int m) { return (x + m - 1) / m * m; }

// The packing copy of the tile bodies: dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols, and
// +0 for rows ≤ r < rows_pad (padding rows of a panel or tile). Copies only, so any order of them
// gives the same bits.
template <class T>
KOKKOS_INLINE_FUNCTION void transpose_rows(const T* src, std::ptrdiff_t lds, int rows, int rows_pad, int cols,
                                           T* dst, std::ptrdiff_t ldd) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) dst[c * ldd + r] = src[r * lds + c];
  for (int r = rows; r < rows_pad; ++r)
    for (int c = 0; c < cols; ++c) dst[c * ldd + r] = T(0);
}
// dst[r·ldd + c] = src[r·lds + c] for c < cols, +0 for cols ≤ c < ldd (padded columns), r < rows.
template <class T>
KOKKOS_INLINE_FUNCTION void copy_rows(const T* XPB_RESTRICT src, std::ptrdiff_t lds, int rows, int cols,
                                      T* XPB_RESTRICT dst, int ldd) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) dst[r * ldd + c] = src[r * lds + c];
    for (int c = cols; c < ldd; ++c) dst[r * ldd + c] = T(0);
  }
}

// The row updates of the softmax inside the tiles, over R rows of a tile (row i at x + i·ld) of
// which row i's first n[i] elements are live; a row with n[i] = 0 is not touched, nor its other
// arguments read. Forward: x = exp_fixed(x·scale − shift[i]), and sum[i], their sum in
// sum_fixed's order (0 for a row with none).
template <class T>
KOKKOS_INLINE_FUNCTION void exp_sum_rows(T* x, int ld, int R, const int* n, T scale, const T* shift, T* sum) {
  for (int i = 0; i < R; ++i) {
    sum[i] = T(0);
    if (n[i] == 0) continue;
    T* XPB_RESTRICT r = x + std::ptrdiff_t(i) * ld;
    exp_shifted(r, n[i], scale, shift[i]);
    sum[i] = sum_fixed(r, n[i]);
  }
}
// Backward: the probabilities p = exp_fixed(p·scale − lse[i]) from the recomputed scores, and
// dS: dp = p·(dp − Δ[i])·scale.
template <class T>
KOKKOS_INLINE_FUNCTION void prob_grad_rows(T* p, T* dp, int ld, int R, const int* n, T scale, const T* lse,
                                           const T* delta) {
  for (int i = 0; i < R; ++i) {
    T* XPB_RESTRICT pr = p + std::ptrdiff_t(i) * ld;
    T* XPB_RESTRICT gr = dp + std::ptrdiff_t(i) * ld;
    if (n[i] > 0) exp_shifted(pr, n[i], scale, lse[i]);
    for (int j = 0; j < n[i]; ++j) gr[j] = pr[j] * (gr[j] - delta[i]) * scale;
  }
}
template <class T>
using ExpSumRowsFn = void (*)(T* x, int ld, int R, const int* n, T scale, const T* shift, T* sum);
template <class T>
using ProbGradRowsFn = void (*)(T* p, T* dp, int ld, int R, const int* n, T scale, const T* lse,
                                const T* delta);
// The vector forms of an ISA's bodies where they have them (nullptr: the loops above, which the
// compiler vectorises less well); same bits. Tests take each one the CPU supports.
template <class T>
struct FlashRowFns {
  ExpSumRowsFn<T> exp_sum = nullptr;
  ProbGradRowsFn<T> prob_grad = nullptr;
};
template <class T>
FlashRowFns<T> flash_row_fns(GemmIsa isa);

// W (mr, nr; row stride ldw) = (first ? 0 : W) + Σ_k Ap[k·mr + r]·B[k·ldb + c], k ascending, one
// fma per step. Host: the GEMM micro-kernel for this CPU.
// mma: the same with A read in place, element (k, r) at A[k·ak + r·ar].
// tr: transpose_rows, in vector blocks where this CPU's bodies have them (tr_fn); exp_sum and
// prob_grad: exp_sum_rows and prob_grad_rows, the same (row_fns).
template <class T>
struct HostTileOps {
  int mr = 0, nr = 0;
  StridedMicroKernelFn<T> run = nullptr;
  InPlaceMicroKernelFn<T> run_a = nullptr;
  TransposeFn<T> tr_fn = nullptr;
  FlashRowFns<T> row_fns;
  // The micro-kernel for a last panel of at most tail_mr live rows (0: none), as mma.
  int tail_mr = 0;
  InPlaceMicroKernelFn<T> run_tail = nullptr;
  KOKKOS_INLINE_FUNCTION void tr(const T* src, std::ptrdiff_t lds, int rows, int rows_pad, int cols, T* dst,
                                 std::ptrdiff_t ldd) const {
    if (tr_fn)
      tr_fn(src, lds, rows, rows_pad, cols, dst, ldd);
    else
      transpose_rows(src, lds, rows, rows_pad, cols, dst, ldd);
  }
  KOKKOS_INLINE_FUNCTION void exp_sum(T* x, int ld, int R, const int* n, T scale, const T* shift,
                                      T* sum) const {
    if (row_fns.exp_sum)
      row_fns.exp_sum(x, ld, R, n, scale, shift, sum);
    else
      exp_sum_rows(x, ld, R, n, scale, shift, sum);
  }
  KOKKOS_INLINE_FUNCTION void prob_grad(T* p, T* dp, int ld, int R, const int* n, T scale, const T* lse,
                                        const T* delta) const {
    if (row_fns.prob_grad)
      row_fns.prob_grad(p, dp, ld, R, n, scale, lse, delta);
    else
      prob_grad_rows(p, dp, ld, R, n, scale, lse, delta);
  }
  // Host-only in practice (the launch picks this for host spaces); marked so that a device
  // compilation of the shared launch code still accepts the call.
  KOKKOS_INLINE_FUNCTION void mm(int kc, const T* Ap, const T* B, int ldb, T* W, int ldw, bool first) const {
    run(kc, Ap, B, ldb, W, ldw, first);
  }
  KOKKOS_INLINE_FUNCTION void mma(int kc, const T* A, int ak, int ar, const T* B, int ldb, T* W, int ldw,
                                  bool first) const {
    run_a(kc, A, ak, ar, B, ldb, W, ldw, first);
  }
  // mma for a panel whose live rows are at most tail_mr: only those rows of W are written.
  KOKKOS_INLINE_FUNCTION void mma_rows(int rows, int kc, const T* A, int ak, int ar, const T* B, int ldb,
                                       T* W, int ldw, bool first) const {
    if (rows <= tail_mr)
      run_tail(kc, A, ak, ar, B, ldb, W, ldw, first);
    else
      run_a(kc, A, ak, ar, B, ldb, W, ldw, first);
  }
};
template <class T>
struct HostFlashOps;
template <class T>
HostFlashOps<T> host_flash_ops(int D);

// The same contract as a plain loop nest (any backend).
template <class T>
struct PortableTileOps {
  int mr = 4, nr = 4;
  KOKKOS_INLINE_FUNCTION void tr(const T* src, std::ptrdiff_t lds, int rows, int rows_pad, int cols, T* dst,
                                 std::ptrdiff_t ldd) const {
    transpose_rows(src, lds, rows, rows_pad, cols, dst, ldd);
  }
  KOKKOS_INLINE_FUNCTION void exp_sum(T* x, int ld, int R, const int* n, T scale, const T* shift,
                                      T* sum) const {
    exp_sum_rows(x, ld, R, n, scale, shift, sum);
  }
  KOKKOS_INLINE_FUNCTION void prob_grad(T* p, T* dp, int ld, int R, const int* n, T scale, const T* lse,
                                        const T* delta) const {
    prob_grad_rows(p, dp, ld, R, n, scale, lse, delta);
  }
  KOKKOS_INLINE_FUNCTION void mm(int kc, const T* Ap, const T* B, int ldb, T* W, int ldw, bool first) const {
    mma(kc, Ap, mr, 1, B, ldb, W, ldw, first);
  }
  KOKKOS_INLINE_FUNCTION void mma(int kc, const T* A, int ak, int ar, const T* B, int ldb, T* W, int ldw,
                                  bool first) const {
    for (int r = 0; r < mr; ++r)
      for (int c = 0; c < nr; ++c) {
        T acc = first ? T(0) : W[r * ldw + c];
        for (int k = 0; k < kc; ++k) acc = fma_exact(A[k * ak + r * ar], B[k * ldb + c], acc);
        W[r * ldw + c] = acc;
      }
  }
  KOKKOS_INLINE_FUNCTION void mma_rows(int, int kc, const T* A, int ak, int ar, const T* B, int ldb, T* W,
                                       int ldw, bool first) const {
    mma(kc, A, ak, ar, B, ldb, W, ldw, first);
  }
};

// Where one head's rows live: row t of q at q[t·ld], of k at k[t·ld], ... (ld = 3C for qkv).
template <class T>
struct HeadPtrs {
  const T* q;
  const T* k;
  const T* v;
  const T* o;   // forward output (backward only), row stride ldo
  const T* go;  // ∂L/∂out (backward only), row stride ldo
  int ld, ldo;
};

// How many rows ahead the backward's walks over rows far apart prefetch (prefetch_row).
inline constexpr int kAheadRows = 8;

// Rows of a forward tile's online-softmax update (BQp = kBlockQ rounded up to the micro-kernel's MR).
inline constexpr int kFlashRowsMax = 128;

// Scratch elements of one forward team that walks `group` query tiles.
KOKKOS_INLINE_FUNCTION std::size_t flash_fwd_scratch(int mr, int nr, int D, int group) {
  const std::size_t BQp = round_up(kBlockQ, mr), BKn = round_up(kBlockK, nr), Dn = round_up(D, nr);
  return std::size_t(group) * (BQp * D + BQp * Dn + 2 * BQp) + D * BKn + BQp * BKn + kBlockK * Dn;
}

// How many of a key tile's kc keys (from j0) row i of a query tile (from t0, `rows` live rows)
// sees: keys_seen (nn/attention_teams.hpp), none for a padding row or a row before the tile.
KOKKOS_INLINE_FUNCTION int row_keys(int i, int rows, bool causal, int t0, int j0, int kc) {
  const int n = i < rows ? keys_seen(causal, t0 + i, j0, kc) : 0;
  return n < 0 ? 0 : n;
}

// Causal masking by panels: of the kc keys from j0, how many the rows of panel p (mr rows from
// query t0 + p·mr, at most `rows` from t0) see in all — the keys past the panel's last query are
// masked for each of its rows. 0 when the panel sees none.
KOKKOS_INLINE_FUNCTION int causal_panel_keys(int t0, int rows, int p, int mr, int j0, int kc) {
  const int last_row = (p + 1) * mr < rows ? (p + 1) * mr : rows;
  const int n = t0 + last_row - j0;
  return n < 0 ? 0 : (n > kc ? kc : n);
}

// Forward of `group` consecutive query tiles of one head, from query i0: out rows written with
// stride ldo, lse[t] for their rows. Each key tile is transposed once for all of them; every
// query row sees the same key tiles in the same order whatever the group, so the bits do not
// depend on it.
template <class T, class Ops>
KOKKOS_INLINE_FUNCTION void flash_fwd_tiles(const Ops& ops, const HeadPtrs<T>& hp, T* out, T* lse, int TT,
                                            int D, bool causal, T scale, int i0, int group, T* scr) {
  const int mr = ops.mr, nr = ops.nr;
  const int BQ = kBlockQ, BQp = round_up(BQ, mr), BKn = round_up(kBlockK, nr), Dn = round_up(D, nr);
  const int BK = kBlockK;
  if (group > (TT - i0 + BQ - 1) / BQ) group = (TT - i0 + BQ - 1) / BQ;
  // Per query tile g: Qp (BQp/mr panels, D, mr): Qp[p·D·mr + d·mr + r] = q(i0+g·BQ+p·mr+r, d);
  // O (BQp, Dn) output accumulator; m (BQp) running max of scaled scores; l (BQp) running Σ exp.
  T* Qh = scr;
  T* Oh = Qh + group * BQp * D;
  T* mh = Oh + group * BQp * Dn;
  T* lh = mh + group * BQp;
  T* Kt = lh + group * BQp;  // (D, BKn) keys transposed
  T* S = Kt + D * BKn;       // (BQp, BKn) scores, then probabilities (P·V reads them in place)
  T* Vn = S + BQp * BKn;     // (BK, Dn) values, padded columns
  for (int g = 0; g < group; ++g) {
    const int t0 = i0 + g * BQ, rows = TT - t0 < BQ ? TT - t0 : BQ;
    // Only the panels that hold the tile's rows are packed and cleared: a short sequence's tile
    // (T < kBlockQ) leaves the rest of the scratch unread.
    const int used = (rows + mr - 1) / mr * mr;
    T* Qp = Qh + g * BQp * D;
    for (int p = 0; p * mr < used; ++p)
      ops.tr(hp.q + std::ptrdiff_t(t0 + p * mr) * hp.ld, hp.ld, rows - p * mr < mr ? rows - p * mr : mr, mr,
             D, Qp + p * D * mr, mr);
    for (int e = 0; e < used * Dn; ++e) Oh[g * BQp * Dn + e] = T(0);
    for (int i = 0; i < BQp; ++i) {
      mh[g * BQp + i] = T(-1e30);
      lh[g * BQp + i] = T(0);
    }
  }
  const int last = i0 + group * BQ < TT ? i0 + group * BQ : TT;
  const int keys = causal ? last : TT;
  for (int j0 = 0; j0 < keys; j0 += BK) {
    const int kt = keys - j0 < BK ? keys - j0 : BK;
    // Score blocks read the key columns below kt rounded up to NR (the padding is zero).
    ops.tr(hp.k + std::ptrdiff_t(j0) * hp.ld, hp.ld, kt, round_up(kt, nr), D, Kt, BKn);
    // The values are copied into contiguous rows (padded columns zero) once per key tile: read in
    // place, 3C apart, the P·V products ran at 131 GFLOP/s against 155 from contiguous rows
    // (AVX-512, T = 512, D = 64, 1 thread, alone: the rows' stride maps them onto few cache sets).
    copy_rows(hp.v + std::ptrdiff_t(j0) * hp.ld, hp.ld, kt, D, Vn, Dn);
    for (int g = 0; g < group; ++g) {
      const int t0 = i0 + g * BQ, rows = TT - t0 < BQ ? TT - t0 : BQ;
      const int j_end = causal ? t0 + rows : TT;
      if (j0 >= j_end) continue;
      const int kc = j_end - j0 < BK ? j_end - j0 : BK;
      const int panels = (rows + mr - 1) / mr;  // the last tile of a sequence may be short
      const T* Qp = Qh + g * BQp * D;
      T* O = Oh + g * BQp * Dn;
      T* m = mh + g * BQp;
      T* l = lh + g * BQp;
      // Causal: a panel's keys past its last query are masked. Their score blocks are not made
      // (the row sweep below reads only each row's valid scores and zeroes the rest), and its
      // P·V chains stop at its last visible key (the terms left out are exact zeros).
      auto panel_keys = [&](int p) { return causal ? causal_panel_keys(t0, rows, p, mr, j0, kc) : kc; };
      for (int p = 0; p < panels; ++p) {
        const int pk = panel_keys(p);
        for (int jb = 0; jb < BKn && jb < pk; jb += nr)
          ops.mm(D, Qp + p * D * mr, Kt + jb, BKn, S + p * mr * BKn + jb, BKn, true);
      }
      // The online-softmax update of the tile's rows, in phases over all rows rather than row by
      // row: each row's maximum, then its exponentials with their sum (a 16-lane fold), then the
      // rescale; one row's whole update was too long for the CPU to overlap the next row's, and a
      // loop per phase has independent iterations. Each row's operations and their order
      // are unchanged, so are the bits. Rows with no visible key keep m and l and get a zero row.
      const int R = panels * mr;  // <= BQp <= kFlashRowsMax (checked at launch)
      T mxv[kFlashRowsMax], sumv[kFlashRowsMax], alv[kFlashRowsMax];
      int nv[kFlashRowsMax];
      for (int i = 0; i < R; ++i) {
        const int valid = row_keys(i, rows, causal, t0, j0, kc);
        nv[i] = valid;
        mxv[i] = valid > 0 ? max_scaled(S + i * BKn, valid, scale, m[i]) : m[i];
      }
      ops.exp_sum(S, BKn, R, nv, scale, mxv, sumv);
      for (int i = 0; i < R; ++i) {
        T* XPB_RESTRICT s = S + i * BKn;
        for (int j = nv[i]; j < kc; ++j) s[j] = T(0);  // P·V reads the first kc
      }
      XPB_SIMD
      for (int i = 0; i < R; ++i) {
        const T alpha = exp_fixed(m[i] - mxv[i]);
        alv[i] = alpha;
        l[i] = nv[i] > 0 ? l[i] * alpha + sumv[i] : l[i];
        m[i] = mxv[i];  // unchanged for a row with no visible key
      }
      for (int i = 0; i < R; ++i) {
        if (nv[i] == 0) continue;
        T* XPB_RESTRICT o = O + i * Dn;
        for (int d = 0; d < Dn; ++d) o[d] *= alv[i];
      }
      for (int p = 0; p < panels; ++p) {
        const int pk = panel_keys(p);
        if (pk > 0)
          for (int db = 0; db < Dn; db += nr)
            ops.mma(pk, S + p * mr * BKn, 1, BKn, Vn + db, Dn, O + p * mr * Dn + db, Dn, false);
      }
    }
  }
  for (int g = 0; g < group; ++g) {
    const int t0 = i0 + g * BQ, rows = TT - t0 < BQ ? TT - t0 : BQ;
    for (int i = 0; i < rows; ++i) {
      const T li = lh[g * BQp + i];
      const T inv = T(1) / li;
      T* o = out + std::ptrdiff_t(t0 + i) * hp.ldo;
      for (int d = 0; d < D; ++d) o[d] = Oh[(g * BQp + i) * Dn + d] * inv;
      lse[t0 + i] = mh[g * BQp + i] + compat::log(li);
    }
  }
}

// Scratch elements of one backward team: per key tile, plus the whole head's queries and ∂out
// and Δ (copied once per head, read again for every key tile) and its dQ accumulator.
KOKKOS_INLINE_FUNCTION std::size_t flash_bwd_scratch(int mr, int nr, int D, int TT) {
  const std::size_t BQp = round_up(kBlockQ, mr), BKp = round_up(kBlockK, mr), BKn = round_up(kBlockK, nr),
                    Dn = round_up(D, nr), BQ = kBlockQ, BK = kBlockK, tiles = (TT + kBlockQ - 1) / kBlockQ,
                    ldS = BKn > BKp ? BKn : BKp, TTp = round_up(TT, mr);
  return 2 * D * BKn + BK * Dn + 2 * BKp * Dn + 2 * TTp * Dn + 2 * BQp * ldS + BQp * Dn + tiles * BQ +
         std::size_t(TT) * Dn;
}

// Backward of one head: dq, dk, dv rows (stride ld, the dqkv layout) overwritten.
template <class T, class Ops>
KOKKOS_INLINE_FUNCTION void flash_bwd_head(const Ops& ops, const HeadPtrs<T>& hp, const T* lse, T* dq, T* dk,
                                           T* dv, int TT, int D, bool causal, T scale, T* scr) {
  const int mr = ops.mr, nr = ops.nr;
  const int BQ = kBlockQ, BK = kBlockK;
  const int BQp = round_up(BQ, mr), BKp = round_up(BK, mr), BKn = round_up(BK, nr), Dn = round_up(D, nr);
  T* Kt = scr;              // (D, BKn) keys transposed
  T* Vt = Kt + D * BKn;     // (D, BKn) values transposed
  T* Kn = Vt + D * BKn;     // (BK, Dn) keys, padded columns
  T* dKa = Kn + BK * Dn;    // (BKp, Dn) dK accumulator
  T* dVa = dKa + BKp * Dn;  // (BKp, Dn) dV accumulator
  const int tiles = (TT + BQ - 1) / BQ, TTp = round_up(TT, mr);
  // The head's queries and ∂out in contiguous rows (padded columns zero), up to TT rounded up to
  // MR (padding rows zero): the left operands of S = Q·Kᵀ and dP = dO·Vᵀ, read in place by rows
  // (panels of mr from a tile's first row, a multiple of mr), and the right ones of dK and dV.
  T* Qn = dVa + BKp * Dn;  // (TTp, Dn)
  T* dOn = Qn + TTp * Dn;  // (TTp, Dn)
  // S and dP are read in place as left operands, by rows (dQ) and by columns (dV, dK: keys as
  // rows, in panels of mr up to BKp), so their rows are long enough for both, the rest zero.
  const int ldS = BKn > BKp ? BKn : BKp;
  T* S = dOn + TTp * Dn;    // (BQp, ldS) scores → P
  T* dP = S + BQp * ldS;    // (BQp, ldS) dO·Vᵀ → dS
  T* dQt = dP + BQp * ldS;  // (BQp, Dn) this key tile's dQ contribution
  T* Dh = dQt + BQp * Dn;   // (tiles·BQ) Δ of every query
  // (TT, Dn) the head's dQ, summed over key tiles here and written to dq once at the end: dq's
  // rows are 3C apart, and adding into them once per key tile missed the L1 cache at every row.
  T* dQh = Dh + tiles * BQ;
  // The walks over the strided rows of dout, out, dk, dv and dq prefetch kAheadRows rows ahead:
  // the hardware prefetchers do not follow rows C or 3C elements apart (2–6 KiB).
  constexpr int kAhead = kAheadRows;
  for (int i = 0; i < TT; ++i) {
    if (i + kAhead < TT) {
      prefetch_row(hp.go + std::ptrdiff_t(i + kAhead) * hp.ldo, D, false);
      prefetch_row(hp.o + std::ptrdiff_t(i + kAhead) * hp.ldo, D, false);
    }
    Dh[i] = dot_lanes(hp.go + std::ptrdiff_t(i) * hp.ldo, hp.o + std::ptrdiff_t(i) * hp.ldo, D);
  }
  // Q and ∂out copied into contiguous rows once per head (and K once per key tile below), for the
  // reason the forward copies V. As left operands their rows replace the query and ∂out panels
  // the backward used to pack (the same chains, so the same bits; no slower, measured, and two
  // transposes and their scratch fewer).
  copy_rows(hp.q, hp.ld, TT, D, Qn, Dn);
  copy_rows(hp.go, hp.ldo, TT, D, dOn, Dn);
  for (int e = TT * Dn; e < TTp * Dn; ++e) Qn[e] = dOn[e] = T(0);
  for (int j0 = 0; j0 < TT; j0 += BK) {
    const int kc = TT - j0 < BK ? TT - j0 : BK;
    const int key_panels = (kc + mr - 1) / mr;
    ops.tr(hp.k + std::ptrdiff_t(j0) * hp.ld, hp.ld, kc, round_up(kc, nr), D, Kt, BKn);
    ops.tr(hp.v + std::ptrdiff_t(j0) * hp.ld, hp.ld, kc, round_up(kc, nr), D, Vt, BKn);
    copy_rows(hp.k + std::ptrdiff_t(j0) * hp.ld, hp.ld, kc, D, Kn, Dn);
    bool first = true;
    // Causal: the walk starts at the key tile's first query, rounded down to a panel (the head's
    // panels are contiguous). Rows it skips are masked for every key of the tile; they would
    // add only zeros.
    for (int i0 = causal ? j0 / mr * mr : 0; i0 < TT; i0 += BQ) {
      const int rows = TT - i0 < BQ ? TT - i0 : BQ;
      const int panels = (rows + mr - 1) / mr;
      const T* Ls = lse + i0;
      const T* Dl = Dh + i0;
      const T* Qb = Qn + std::ptrdiff_t(i0) * Dn;  // this tile's rows of the contiguous copies
      const T* dOb = dOn + std::ptrdiff_t(i0) * Dn;
      // Causal: as in the forward, a panel's keys past its last query are masked; their score
      // and dP blocks are not made (the row sweep zeroes them) and the panel's dQ chains stop at
      // its last visible key. Every panel walked sees at least the tile's first key.
      auto panel_keys = [&](int p) {
        const int n = causal ? causal_panel_keys(i0, rows, p, mr, j0, kc) : kc;
        return n > 0 ? n : kc;
      };
      for (int p = 0; p < panels; ++p) {
        const int pk = panel_keys(p);
        for (int jb = 0; jb < BKn && jb < pk; jb += nr) {
          ops.mma(D, Qb + p * mr * Dn, 1, Dn, Kt + jb, BKn, S + p * mr * ldS + jb, ldS, true);
          ops.mma(D, dOb + p * mr * Dn, 1, Dn, Vt + jb, BKn, dP + p * mr * ldS + jb, ldS, true);
        }
      }
      int nv[kFlashRowsMax];  // panels·mr <= BQp <= kFlashRowsMax
      for (int i = 0; i < panels * mr; ++i) nv[i] = row_keys(i, rows, causal, i0, j0, kc);
      ops.prob_grad(S, dP, ldS, panels * mr, nv, scale, Ls, Dl);  // reads Ls, Dl only below rows
      for (int i = 0; i < panels * mr; ++i) {
        T* XPB_RESTRICT s = S + i * ldS;
        T* XPB_RESTRICT ds = dP + i * ldS;
        const int valid = nv[i];
        // dV and dK read columns below kc rounded up to MR, dQ below kc.
        for (int j = valid, jn = round_up(kc, mr); j < jn; ++j) {
          s[j] = T(0);
          ds[j] = T(0);
        }
      }
      // dV += Pᵀ·dO and dK += dSᵀ·Q: keys as rows, read down the columns of P and dS.
      // Causal: the queries of this tile before a key panel's first key see none of its keys;
      // the panel's chains start at the first query that does (the terms left out are exact
      // zeros, and a chain from +0 stays +0 through them).
      for (int kp = 0; kp < key_panels; ++kp) {
        int q0 = causal ? j0 + kp * mr - i0 : 0;
        if (q0 < 0 || q0 >= rows) q0 = 0;
        const int n = rows - q0;
        const T* Sk = S + q0 * ldS + kp * mr;
        const T* dPk = dP + q0 * ldS + kp * mr;
        // The last panel of a tile whose keys are not a multiple of mr (a 64-key sequence:
        // 5 × 12 + 4) runs on the host's short micro-kernel where it has one; its padding rows
        // are never read.
        const int live = kc - kp * mr < mr ? kc - kp * mr : mr;
        for (int db = 0; db < Dn; db += nr) {
          ops.mma_rows(live, n, Sk, ldS, 1, dOb + q0 * Dn + db, Dn, dVa + kp * mr * Dn + db, Dn, first);
          ops.mma_rows(live, n, dPk, ldS, 1, Qb + q0 * Dn + db, Dn, dKa + kp * mr * Dn + db, Dn, first);
        }
      }
      for (int p = 0; p < panels; ++p) {
        const int pk = panel_keys(p);
        for (int db = 0; db < Dn; db += nr)
          ops.mma(pk, dP + p * mr * ldS, 1, ldS, Kn + db, Dn, dQt + p * mr * Dn + db, Dn, true);
      }
      for (int i = 0; i < rows; ++i) {
        T* XPB_RESTRICT g = dQh + std::ptrdiff_t(i0 + i) * Dn;
        const T* XPB_RESTRICT c = dQt + i * Dn;
        if (j0 == 0)
          for (int d = 0; d < D; ++d) g[d] = c[d];
        else
          for (int d = 0; d < D; ++d) g[d] += c[d];
      }
      first = false;
    }
    for (int j = 0; j < kc; ++j) {
      T* gk = dk + std::ptrdiff_t(j0 + j) * hp.ld;
      T* gv = dv + std::ptrdiff_t(j0 + j) * hp.ld;
      if (j + kAhead < kc) {
        prefetch_row(gk + std::ptrdiff_t(kAhead) * hp.ld, D, true);
        prefetch_row(gv + std::ptrdiff_t(kAhead) * hp.ld, D, true);
      }
      for (int d = 0; d < D; ++d) {
        gk[d] = first ? T(0) : dKa[j * Dn + d];
        gv[d] = first ? T(0) : dVa[j * Dn + d];
      }
    }
  }
  for (int i = 0; i < TT; ++i) {  // the first key tile walks every query, so every row is set
    T* g = dq + std::ptrdiff_t(i) * hp.ld;
    if (i + kAhead < TT) prefetch_row(g + std::ptrdiff_t(kAhead) * hp.ld, D, true);
    for (int d = 0; d < D; ++d) g[d] = dQh[std::ptrdiff_t(i) * Dn + d];
  }
}

// The host bodies compiled for this CPU's ISA (nn/attention_host.cpp).
template <class T>
struct FlashHostFns {
  void (*fwd)(const HostTileOps<T>&, const HeadPtrs<T>&, T*, T*, int, int, bool, T, int, int, T*);
  void (*bwd)(const HostTileOps<T>&, const HeadPtrs<T>&, const T*, T*, T*, T*, int, int, bool, T, T*);
};
template <class T>
FlashHostFns<T> flash_host_fns();

// Host tile operations: the micro-kernels plus the ISA-specific bodies.
template <class T>
struct HostFlashOps : HostTileOps<T> {
  FlashHostFns<T> fns;
};

// Heads no wider than the narrow micro-kernel's NR take it: the products over D (P·V, dV, dK,
// dQ) would otherwise run on tiles padded to twice the head's width, and their operands be copied
// into padded buffers (D ≠ NR); the score products then take two tiles per NR of the wide kernel.
template <class T>
HostFlashOps<T> host_flash_ops(int D) {
  const MicroKernel<T>& wide = micro_kernel<T>(GemmIsa::automatic);
  const MicroKernel<T>& narrow = narrow_micro_kernel<T>(GemmIsa::automatic);
  const MicroKernel<T>& mk = D <= narrow.nr && narrow.nr < wide.nr ? narrow : wide;
  HostFlashOps<T> o;
  o.mr = mk.mr;
  o.nr = mk.nr;
  o.run = mk.run_strided;
  o.run_a = mk.run_in_place;
  o.tail_mr = mk.tail_mr;
  o.run_tail = mk.run_tail;
  o.fns = flash_host_fns<T>();
  o.tr_fn = packing_transpose_fn<T>(best_host_isa());
  o.row_fns = flash_row_fns<T>(best_host_isa());
  return o;
}

template <class T, class Ops>
KOKKOS_INLINE_FUNCTION void run_fwd_tiles(const Ops& ops, const HeadPtrs<T>& hp, T* out, T* lse, int TT,
                                          int D, bool causal, T scale, int i0, int group, T* scr) {
  flash_fwd_tiles(ops, hp, out, lse, TT, D, causal, scale, i0, group, scr);
}
// The host bodies behind function pointers. Marked host-device only so that a device compiler's
// pass over the shared launch code (instantiated for host spaces) accepts the call; its device
// side is empty, since device spaces never get HostFlashOps.
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
#define XPB_HOST_BODY(call) Kokkos::abort("flash attention: host tile operations on a device")
#else
#define XPB_HOST_BODY(call) call
#endif
template <class T>
KOKKOS_INLINE_FUNCTION void run_fwd_tiles(const HostFlashOps<T>& ops, const HeadPtrs<T>& hp, T* out, T* lse,
                                          int TT, int D, bool causal, T scale, int i0, int group, T* scr) {
  XPB_HOST_BODY(ops.fns.fwd(ops, hp, out, lse, TT, D, causal, scale, i0, group, scr));
}
template <class T, class Ops>
KOKKOS_INLINE_FUNCTION void run_bwd_head(const Ops& ops, const HeadPtrs<T>& hp, const T* lse, T* dq, T* dk,
                                         T* dv, int TT, int D, bool causal, T scale, T* scr) {
  flash_bwd_head(ops, hp, lse, dq, dk, dv, TT, D, causal, scale, scr);
}
template <class T>
KOKKOS_INLINE_FUNCTION void run_bwd_head(const HostFlashOps<T>& ops, const HeadPtrs<T>& hp, const T* lse,
                                         T* dq, T* dk, T* dv, int TT, int D, bool causal, T scale, T* scr) {
  XPB_HOST_BODY(ops.fns.bwd(ops, hp, lse, dq, dk, dv, TT, D, causal, scale, scr));
}
#undef XPB_HOST_BODY

// The launches, with the tile operations given: host micro-kernels or the portable loop nest.
// Query tiles per forward team: 1 on devices (teams are their parallelism); on the host, as many
// as leave at least 4 teams per thread, so that a key tile's transpose serves several query tiles.
template <class Exec>
int flash_fwd_group(const Exec& exec, int heads, int tiles) {
  if constexpr (!kHostExec<Exec>) {
    return 1;
  } else {
    const int per = heads * tiles / (4 * exec.concurrency());
    return per < 1 ? 1 : (per > tiles ? tiles : per);
  }
}

template <class Exec, class T, class Ops>
void flash_forward_with(const Exec& exec, const std::string& label, const AttentionShape& s,
                        const Matrix<T>& out, const Matrix<T>& lse, const CMatrix<T>& qkv, const Ops& ops,
                        int group) {
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  const int tiles = (TT + kBlockQ - 1) / kBlockQ;
  const int groups = (tiles + group - 1) / group;
  if (round_up(kBlockQ, ops.mr) > kFlashRowsMax)
    Kokkos::abort("flash attention: kBlockQ rounded to the micro-kernel's MR exceeds kFlashRowsMax");
  const std::size_t bytes = flash_fwd_scratch(ops.mr, ops.nr, D, group) * sizeof(T);
  using Policy = Kokkos::TeamPolicy<Exec>;
  Policy policy(exec, s.B * H * groups, 1);
  Kokkos::parallel_for(
      label, policy.set_scratch_size(1, Kokkos::PerTeam(bytes)),
      KOKKOS_LAMBDA(const typename Policy::member_type& team) {
        const int r = team.league_rank();
        const int first = (r % groups) * group, h = (r / groups) % H, b = r / (groups * H);
        T* scr = static_cast<T*>(team.team_scratch(1).get_shmem(bytes));
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT;
        HeadPtrs<T> hp{
            &qkv(row0, h * D), &qkv(row0, C + h * D), &qkv(row0, 2 * C + h * D), nullptr, nullptr, 3 * C, C};
        Kokkos::single(Kokkos::PerTeam(team), [&]() {
          run_fwd_tiles(ops, hp, &out(row0, h * D), &lse(b * H + h, 0), TT, D, causal, scale, first * kBlockQ,
                        group, scr);
        });
      });
}

template <class Exec, class T, class Ops>
void flash_backward_with(const Exec& exec, const std::string& label, const AttentionShape& s,
                         const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                         const CMatrix<T>& out, const CMatrix<T>& lse, const Ops& ops) {
  const int TT = s.T, H = s.H, C = s.C, D = s.D();
  const bool causal = s.causal;
  const T scale = T(1) / compat::sqrt(T(D));
  if (kBlockQ % ops.mr != 0 || kBlockQ > kFlashRowsMax)
    Kokkos::abort(
        "flash attention: kBlockQ must be a multiple of the micro-kernel's MR, at most kFlashRowsMax");
  const std::size_t bytes = flash_bwd_scratch(ops.mr, ops.nr, D, TT) * sizeof(T);
  using Policy = Kokkos::TeamPolicy<Exec>;
  Policy policy(exec, s.B * H, 1);
  Kokkos::parallel_for(
      label, policy.set_scratch_size(1, Kokkos::PerTeam(bytes)),
      KOKKOS_LAMBDA(const typename Policy::member_type& team) {
        const int h = team.league_rank() % H, b = team.league_rank() / H;
        T* scr = static_cast<T*>(team.team_scratch(1).get_shmem(bytes));
        const std::ptrdiff_t row0 = std::ptrdiff_t(b) * TT;
        HeadPtrs<T> hp{&qkv(row0, h * D),
                       &qkv(row0, C + h * D),
                       &qkv(row0, 2 * C + h * D),
                       &out(row0, h * D),
                       &dout(row0, h * D),
                       3 * C,
                       C};
        Kokkos::single(Kokkos::PerTeam(team), [&]() {
          run_bwd_head(ops, hp, &lse(b * H + h, 0), &dqkv(row0, h * D), &dqkv(row0, C + h * D),
                       &dqkv(row0, 2 * C + h * D), TT, D, causal, scale, scr);
        });
      });
}

// The portable path on any execution space (tests pin it on the host to check it).
template <class Exec, class T>
void flash_attention_forward_portable(const Exec& exec, const std::string& name, const AttentionShape& s,
                                      const Matrix<T>& out, const Matrix<T>& lse, const CMatrix<T>& qkv) {
  flash_forward_with(exec, label(name, "_fwd"), s, out, lse, qkv, PortableTileOps<T>{}, 1);
}
template <class Exec, class T>
void flash_attention_backward_portable(const Exec& exec, const std::string& name, const AttentionShape& s,
                                       const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                                       const CMatrix<T>& out, const CMatrix<T>& lse) {
  flash_backward_with(exec, label(name, "_bwd"), s, dqkv, dout, qkv, out, lse, PortableTileOps<T>{});
}

}  // namespace detail

// out (N, C) and lse (B·H, T) written from qkv (N, 3C). Kernel NAME_fwd.
template <class Exec, class T>
void flash_attention_forward(const Exec& exec, const std::string& name, const AttentionShape& s,
                             const Matrix<T>& out, const Matrix<T>& lse, const CMatrix<T>& qkv) {
  if constexpr (kHostExec<Exec>)
    detail::flash_forward_with(exec, label(name, "_fwd"), s, out, lse, qkv, detail::host_flash_ops<T>(s.D()),
                               detail::flash_fwd_group(exec, s.B * s.H, (s.T + kBlockQ - 1) / kBlockQ));
  else
    detail::flash_attention_forward_teams(exec, name, s, out, lse, qkv);
}

// dqkv (N, 3C) overwritten from dout (N, C), given the forward's qkv, out and lse. Kernel NAME_bwd.
template <class Exec, class T>
void flash_attention_backward(const Exec& exec, const std::string& name, const AttentionShape& s,
                              const Matrix<T>& dqkv, const CMatrix<T>& dout, const CMatrix<T>& qkv,
                              const CMatrix<T>& out, const CMatrix<T>& lse) {
  if constexpr (kHostExec<Exec>)
    detail::flash_backward_with(exec, label(name, "_bwd"), s, dqkv, dout, qkv, out, lse,
                                detail::host_flash_ops<T>(s.D()));
  else
    detail::flash_attention_backward_teams(exec, name, s, dqkv, dout, qkv, out, lse);
}

// Ledger: FLOPs are the useful work (2 products forward, 4 backward, over the attended pairs;
// the masked half of diagonal tiles and the backward's recomputation of S are not counted), plus
// a few per pair for the softmax, of which one exponential (forward, and the backward's
// recomputed P) of exp_ops operations: 1 charged (a special-function unit), kExpFixedOps<T> as run
// on a host. Bytes: q, k, v read once per query tile that uses them (forward)
// or once per key tile (backward, which also reads out and dout), outputs written once.
// `teams`: the device path (nn/attention_teams.hpp), whose query tiles are kAttnTeamRows rows (the
// host's kBlockQ); its output rows accumulate in place, a team's 16 rows staying in cache.
// kFlashTeams: the shape this build's default execution space runs (forward and backward).
inline constexpr bool kFlashTeams = !kHostExec<Kokkos::DefaultExecutionSpace>;
inline Ledger flash_attention_forward_cost(const std::string& name, DType dtype, const AttentionShape& s,
                                           bool teams = kFlashTeams, double exp_ops = 1) {
  const double pairs = double(s.B) * s.H * s.T * s.T * (s.causal ? 0.5 : 1.0);
  const double b = dtype_bytes(dtype), N = double(s.B) * s.T;
  const double qtiles = std::ceil(double(s.T) / (teams ? kAttnTeamRows : kBlockQ)) * (s.causal ? 0.5 : 1.0);
  KernelCost k = vector_cost(label(name, "_fwd"), dtype, pairs * (4.0 * s.D() + 5 + exp_ops),
                             b * (N * s.C * (2 + 2 * qtiles) + double(s.B) * s.H * s.T));
  k.kind = OpKind::attention_fwd;
  return {k};
}

// `teams`: the device path (nn/attention_teams.hpp), which runs the backward as two kernels with
// no atomics: NAME_bwd_kv (a team per tile of kAttnTeamRows keys walks the queries that see them,
// staging Q, dO, O and lse per chunk) and NAME_bwd_q (a team per tile of queries walks the key
// tiles, staging K and V). Both recompute the scores and dP; the useful FLOPs are split by the
// gradients each one makes (dK, dV and the dP they need; dQ), so the two sum to the host figure
// (with exponentials charged as one operation; each kernel recomputes P).
inline Ledger flash_attention_backward_cost(const std::string& name, DType dtype, const AttentionShape& s,
                                            bool teams = kFlashTeams, double exp_ops = 1) {
  const double pairs = double(s.B) * s.H * s.T * s.T * (s.causal ? 0.5 : 1.0);
  const double b = dtype_bytes(dtype), N = double(s.B) * s.T, stats = double(s.B) * s.H * s.T;
  if (teams) {
    const double tiles = std::ceil(double(s.T) / kAttnTeamRows) * (s.causal ? 0.5 : 1.0);
    // kv: own K and V read, dK and dV written; per tile walked: Q, dO and O read, lse read.
    KernelCost kv = vector_cost(label(name, "_bwd_kv"), dtype, pairs * (6.0 * s.D() + 5 + exp_ops),
                                b * (N * s.C * (4 + 3 * tiles) + stats * tiles));
    // q: own Q, dO and O read, lse read, dQ written; per tile walked: K and V read.
    KernelCost q = vector_cost(label(name, "_bwd_q"), dtype, pairs * (2.0 * s.D() + 1 + exp_ops),
                               b * (N * s.C * (4 + 2 * tiles) + stats));
    kv.kind = q.kind = OpKind::attention_bwd;
    return {kv, q};
  }
  const double ktiles = std::ceil(double(s.T) / kBlockK) * (s.causal ? 0.5 : 1.0);
  KernelCost k = vector_cost(label(name, "_bwd"), dtype, pairs * (8.0 * s.D() + 7 + exp_ops),
                             b * (N * s.C * (2 + 4 * ktiles + 3) + stats));
  k.kind = OpKind::attention_bwd;
  return {k};
}

}  // namespace xpb::nn
