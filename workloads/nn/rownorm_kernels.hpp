// workloads/nn/rownorm_kernels.hpp — row kernels of layer normalisation and softmax: one row per
// iteration, the row read from memory once and swept again from cache, inner loops over
// contiguous channels in the fixed lane order of nn/fixed_math.hpp (they vectorise, and the bits
// do not depend on the thread count). Layer-norm parameter gradients are reduced without column
// walks: each block of R rows (R fixed by N alone) sums its rows into a partial row, then the
// partial rows are added in ascending block order, column blocks in parallel.
// Kernels (labels = ledger entries): layernorm NAME_fwd, NAME_bwd (dx and the partial rows),
// NAME_bwd_params (the ordered sum of the partials); softmax: the caller's fwd and bwd labels.
// Host spaces run the row bodies below, compiled per ISA; device spaces run the team kernels of
// nn/rownorm_teams.hpp (a team per row, the same sums in the same order).
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/fixed_math.hpp"
#include "workloads/nn/for_each.hpp"
#include "workloads/nn/gemm_microkernel.hpp"
#include "workloads/nn/rownorm_teams.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

namespace detail {

// Row bodies on raw pointers, shared by the host per-ISA builds (nn/rownorm_host.cpp) and the
// portable kernels.
// Read prefetches of the cache lines of one block of kLanes elements from p (a prefetch past the
// end of the data does not fault).
template <class T>
KOKKOS_INLINE_FUNCTION void prefetch_lanes(const T* p) {
  constexpr int kLine = 64 / int(sizeof(T));
  static_assert(kLanes % kLine == 0, "a lane block is whole cache lines");
  for (int l = 0; l < kLanes; l += kLine) XPB_PREFETCH(p + l);
  (void)p;  // device builds: XPB_PREFETCH is nothing
}

// Σ (x − m)² / C over a row, in the lanes' fixed order (the layer norm's second sweep). `next`: a
// row to prefetch while this one is swept from cache, or null (as exp_sum_row does; a prefetch
// past the end of the data does not fault).
template <class T>
KOKKOS_INLINE_FUNCTION T ln_variance(const T* XPB_RESTRICT xr, int C, T m, const T* next = nullptr) {
  T acc[kLanes] = {};
  int c = 0;
  for (; c + kLanes <= C; c += kLanes) {
    if (next) prefetch_lanes(next + c);
    XPB_SIMD
    for (int j = 0; j < kLanes; ++j) acc[j] += (xr[c + j] - m) * (xr[c + j] - m);
  }
  T var = 0;
  for (int j = 0; j < kLanes; ++j) var += acc[j];
  for (; c < C; ++c) var += (xr[c] - m) * (xr[c] - m);
  return var / T(C);
}

template <class T>
KOKKOS_INLINE_FUNCTION void ln_fwd_row(const T* XPB_RESTRICT xr, T* XPB_RESTRICT yr, const T* XPB_RESTRICT wr,
                                       const T* XPB_RESTRICT br, int C, T* mean_out, T* rstd_out) {
  const T m = sum_fixed(xr, C) / T(C);
  const T rs = T(1) / compat::sqrt(ln_variance(xr, C, m) + T(kRowNormEps));
  for (int k = 0; k < C; ++k) yr[k] = (xr[k] - m) * rs * wr[k] + br[k];
  *mean_out = m;
  *rstd_out = rs;
}

// Rows n0 … n1-1 (at most kRowChunkMax; row strides ldx, ldy) of ln_fwd_row, in phases over the
// rows: all means, all variances, all reciprocal deviations (vectorised across rows), then all
// outputs. A short row's statistics are a few dependent 16-lane folds, and one row's whole
// body was too long a chain for the CPU to overlap the next row's; a loop per phase has
// independent iterations. Each row's operations and their order are ln_fwd_row's, so are the bits.
inline constexpr int kRowChunkMax = 32;
template <class T>
KOKKOS_INLINE_FUNCTION void ln_fwd_rows(const T* x, int ldx, T* y, int ldy, const T* XPB_RESTRICT wr,
                                        const T* XPB_RESTRICT br, int n0, int n1, int C, T* mean_out,
                                        T* rstd_out) {
  T mv[kRowChunkMax], vv[kRowChunkMax];
  const int R = n1 - n0;
  for (int r = 0; r < R; ++r) mv[r] = sum_fixed(x + std::int64_t(n0 + r) * ldx, C) / T(C);
  // While the variances run from cache, the same rows of the next chunk are fetched: the hardware
  // prefetcher idles without demand misses.
  for (int r = 0; r < R; ++r)
    vv[r] = ln_variance(x + std::int64_t(n0 + r) * ldx, C, mv[r], x + std::int64_t(n1 + r) * ldx);
  XPB_SIMD
  for (int r = 0; r < R; ++r) vv[r] = T(1) / compat::sqrt(vv[r] + T(kRowNormEps));
  for (int r = 0; r < R; ++r) {
    const T* XPB_RESTRICT xr = x + std::int64_t(n0 + r) * ldx;
    T* XPB_RESTRICT yr = y + std::int64_t(n0 + r) * ldy;
    const T m = mv[r], rs = vv[r];
    for (int k = 0; k < C; ++k) yr[k] = (xr[k] - m) * rs * wr[k] + br[k];
    mean_out[n0 + r] = m;
    rstd_out[n0 + r] = rs;
  }
}

// Rows per chunk of the phased layer-norm bodies: rows of up to 1 KiB as many as `budget` bytes
// hold (1 … kRowChunkMax); 0 for longer rows, which go one at a time, since their chains are long
// enough to overlap on their own and the phases made them slower (4096 x 1024 fp32 forward, blocks
// of 4 rows: 453-497 -> 576-610 us, 3 alternated runs).
KOKKOS_INLINE_FUNCTION int short_row_chunk(int row_bytes, int budget) {
  if (row_bytes > 1024) return 0;
  const int r = budget / (row_bytes > 0 ? row_bytes : 1);
  return r < 1 ? 1 : (r > kRowChunkMax ? kRowChunkMax : r);
}

// Rows per host work item of the softmax forward: 16 (the AVX-512 body scales each row during the
// next row's exp sweep, so a row per item would leave every scaling pass on its own), fewer where
// that would leave under 4 items per thread.
inline int sm_fwd_rows_per_item(int N, int threads) {
  const int r = N / (4 * (threads > 0 ? threads : 1));
  return r < 1 ? 1 : (r > 16 ? 16 : r);
}

// Rows per host work item of the layer-norm forward: chunks within 16 KiB.
inline int ln_fwd_rows_per_item(int C, int elem_bytes) {
  const int r = short_row_chunk(C * elem_bytes, 16384);
  return r > 0 ? r : 1;
}

// Bytes of x, dy and dx per chunk of short rows in the layer-norm backward (below): 32 rows of 256
// fp32. 4096 x 256 bwd, 3 alternated runs: 254-256 us row by row, 223-230 us with 24 KiB chunks
// (8 rows, L1), 212-222 us with these (L2).
inline constexpr int kLnBwdChunkBytes = 98304;
// One row of the layer-norm backward's first sweep: mean_g = Σ dy·w / C and mean_gx = Σ dy·w·x̂ / C,
// in the lanes' fixed order. Prefetches the row's dx (read in the second sweep).
template <class T>
KOKKOS_INLINE_FUNCTION void ln_bwd_row_stats(const T* XPB_RESTRICT xr, const T* XPB_RESTRICT gr,
                                             const T* XPB_RESTRICT wr, const T* dr, T m, T rs, int C,
                                             T& mean_g, T& mean_gx) {
  T ag[kLanes] = {}, agx[kLanes] = {};
  int c = 0;
  for (; c + kLanes <= C; c += kLanes) {
    prefetch_lanes(dr + c);
    XPB_SIMD
    for (int j = 0; j < kLanes; ++j) {
      const T g = gr[c + j] * wr[c + j];
      ag[j] += g;
      agx[j] += g * ((xr[c + j] - m) * rs);
    }
  }
  T sg = 0, sgx = 0;
  for (int j = 0; j < kLanes; ++j) {
    sg += ag[j];
    sgx += agx[j];
  }
  for (; c < C; ++c) {
    const T g = gr[c] * wr[c];
    sg += g;
    sgx += g * ((xr[c] - m) * rs);
  }
  mean_g = sg / T(C);
  mean_gx = sgx / T(C);
}

// The second sweep: dr += ∂L/∂x of the row, pw += dy·x̂, pb += dy. xn, gn: the next row's x and
// dy to prefetch while this one runs from cache, or null.
template <class T>
KOKKOS_INLINE_FUNCTION void ln_bwd_row_apply(const T* XPB_RESTRICT xr, const T* XPB_RESTRICT gr,
                                             T* XPB_RESTRICT dr, const T* XPB_RESTRICT wr, T m, T rs,
                                             T mean_g, T mean_gx, int C, T* XPB_RESTRICT pw,
                                             T* XPB_RESTRICT pb, const T* xn, const T* gn) {
  constexpr int kLine = 64 / int(sizeof(T));
  // Whole lines first, the tail after: one loop with a min() bound measured slower (layer-norm
  // bwd / triad 0.72 -> 0.59-0.63, xpb_bench_rownorm, alternated twice).
  int k0 = 0;
  for (; k0 + kLine <= C; k0 += kLine) {
    if (xn) XPB_PREFETCH(xn + k0), XPB_PREFETCH(gn + k0);
    for (int k = k0; k < k0 + kLine; ++k) {
      const T xhat = (xr[k] - m) * rs;
      dr[k] += rs * (gr[k] * wr[k] - mean_g - xhat * mean_gx);
      pw[k] += gr[k] * xhat;
      pb[k] += gr[k];
    }
  }
  for (int k = k0; k < C; ++k) {
    const T xhat = (xr[k] - m) * rs;
    dr[k] += rs * (gr[k] * wr[k] - mean_g - xhat * mean_gx);
    pw[k] += gr[k] * xhat;
    pb[k] += gr[k];
  }
}

// Rows n0 … n1-1 (row strides ldx, ldg, ldd): dx += ∂L/∂x; the block's partial rows pw, pb (C)
// overwritten with Σ dy·x̂ and Σ dy over its rows, ascending. Rows of up to 1 KiB run in chunks
// of up to kRowChunkMax: all first sweeps, then all second sweeps (as ln_fwd_rows, so that one
// row's folds overlap the next row's work); longer rows one at a time, the next row fetched while
// this one's second sweep runs from cache. Same operations and order either way.
template <class T>
KOKKOS_INLINE_FUNCTION void ln_bwd_block(const T* x, int ldx, const T* dy, int ldg, T* dx, int ldd,
                                         const T* XPB_RESTRICT wr, const T* mean, const T* rstd, int n0,
                                         int n1, int C, T* XPB_RESTRICT pw, T* XPB_RESTRICT pb) {
  for (int c = 0; c < C; ++c) pw[c] = pb[c] = T(0);
  auto xrow = [&](int n) { return x + std::int64_t(n) * ldx; };
  auto grow = [&](int n) { return dy + std::int64_t(n) * ldg; };
  auto drow = [&](int n) { return dx + std::int64_t(n) * ldd; };
  const int chunk = short_row_chunk(C * int(sizeof(T)), kLnBwdChunkBytes / 3);  // x, dy and dx
  if (chunk == 0) {
    for (int n = n0; n < n1; ++n) {
      T mg, mgx;
      ln_bwd_row_stats(xrow(n), grow(n), wr, drow(n), mean[n], rstd[n], C, mg, mgx);
      const bool next = n + 1 < n1;
      ln_bwd_row_apply(xrow(n), grow(n), drow(n), wr, mean[n], rstd[n], mg, mgx, C, pw, pb,
                       next ? xrow(n + 1) : nullptr, next ? grow(n + 1) : nullptr);
    }
    return;
  }
  T mg[kRowChunkMax], mgx[kRowChunkMax];
  for (int a = n0; a < n1; a += chunk) {
    const int b = n1 - a < chunk ? n1 : a + chunk;
    for (int n = a; n < b; ++n)
      ln_bwd_row_stats(xrow(n), grow(n), wr, drow(n), mean[n], rstd[n], C, mg[n - a], mgx[n - a]);
    for (int n = a; n < b; ++n)
      ln_bwd_row_apply(xrow(n), grow(n), drow(n), wr, mean[n], rstd[n], mg[n - a], mgx[n - a], C, pw, pb,
                       static_cast<const T*>(nullptr), static_cast<const T*>(nullptr));
  }
}

// The end of an exp sweep: the kLanes partial sums folded from lane 0, then the tail from v0 on,
// each exponential stored and added as it is made.
template <class T>
KOKKOS_INLINE_FUNCTION T exp_sum_finish(const T* lanes, const T* XPB_RESTRICT xr, T* XPB_RESTRICT yr, int v0,
                                        int V, T mx) {
  T sum = 0;
  for (int j = 0; j < kLanes; ++j) sum += lanes[j];
  for (int v = v0; v < V; ++v) {
    const T e = exp_fixed(xr[v] - mx);
    yr[v] = e;
    sum += e;
  }
  return sum;
}

// yr[v] = exp_fixed(xr[v] − mx); returns their sum.
template <class T>
KOKKOS_INLINE_FUNCTION T exp_sum_row(const T* XPB_RESTRICT xr, T* XPB_RESTRICT yr, int V, T mx) {
  // The exponentials are summed as they are made, lane j taking index ≡ j mod kLanes and the
  // lanes folded from 0 before the tail: sum_fixed's order, so the same bits as a second sweep.
  // While this row is swept in cache, fetch the next one (rows are contiguous in the callers;
  // a prefetch of an address past the end does not fault): the hardware prefetcher stops when
  // demand misses stop, so without it the DRAM stream idles during the exp sweep.
  T acc[kLanes] = {};
  int v0 = 0;
  for (; v0 + kLanes <= V; v0 += kLanes) {
    prefetch_lanes(xr + V + v0);
    XPB_SIMD
    for (int j = 0; j < kLanes; ++j) {
      const T e = exp_fixed(xr[v0 + j] - mx);
      yr[v0 + j] = e;
      acc[j] += e;
    }
  }
  return exp_sum_finish(acc, xr, yr, v0, V, mx);
}

// exp_sum_row as a function object: the softmax and cross-entropy row bodies take the sweep as a
// parameter, so that a host ISA may run its own form of it with the same bits (nn/rownorm_host.cpp).
// nvcc checks that a host-and-device function calls no host-only function, also in instantiations
// only the host runs (the AVX-512 sweep): XPB_HOST_DEVICE_TEMPLATE turns that check off for them.
#if defined(__CUDACC__)
#define XPB_HOST_DEVICE_TEMPLATE _Pragma("nv_exec_check_disable")
#else
#define XPB_HOST_DEVICE_TEMPLATE
#endif
struct ExpSumRow {
  template <class T>
  KOKKOS_INLINE_FUNCTION T operator()(const T* XPB_RESTRICT xr, T* XPB_RESTRICT yr, int V, T mx) const {
    return exp_sum_row(xr, yr, V, mx);
  }
};
// The row's max, as a function object for the same reason (max is exact: any order, same value;
// the AVX-512 cross-entropy runs its own).
struct MaxRow {
  template <class T>
  KOKKOS_INLINE_FUNCTION T operator()(const T* XPB_RESTRICT xr, int V) const {
    return max_scaled(xr, V, T(1), xr[0]);
  }
};

XPB_HOST_DEVICE_TEMPLATE
template <class T, class ExpSum = ExpSumRow>
KOKKOS_INLINE_FUNCTION void sm_fwd_row(const T* XPB_RESTRICT xr, T* XPB_RESTRICT yr, int V,
                                       ExpSum exp_sum = {}) {
  const T mx = max_scaled(xr, V, T(1), xr[0]);
  const T inv = T(1) / exp_sum(xr, yr, V, mx);
  for (int v = 0; v < V; ++v) yr[v] *= inv;
}

// Cross-entropy of one row against target y: pr = softmax(xr) (sm_fwd_row's arithmetic), and
// the returned loss log Σ_v exp(x_v − max) + max − x_y, or 0 when y < 0 (a row without a target).
XPB_HOST_DEVICE_TEMPLATE
template <class T, class ExpSum = ExpSumRow, class Max = MaxRow>
KOKKOS_INLINE_FUNCTION T ce_fwd_row(const T* XPB_RESTRICT xr, T* XPB_RESTRICT pr, int V, int y,
                                    ExpSum exp_sum = {}, Max row_max = {}) {
  const T mx = row_max(xr, V);
  const T sum = exp_sum(xr, pr, V, mx);
  const T inv = T(1) / sum;
  for (int v = 0; v < V; ++v) pr[v] *= inv;
  return y >= 0 ? compat::log(sum) + mx - xr[y] : T(0);
}

template <class T>
KOKKOS_INLINE_FUNCTION void sm_bwd_row(const T* XPB_RESTRICT yr, const T* XPB_RESTRICT gr, T* XPB_RESTRICT dr,
                                       int V) {
  const T dot = dot_lanes(gr, yr, V);
  for (int v = 0; v < V; ++v) dr[v] = yr[v] * (gr[v] - dot);
}

template <class T>
struct AdamWStep;  // nn/adamw.hpp

// The same bodies compiled for this CPU's ISA (nn/rownorm_host.cpp).
template <class T>
struct RowFns {
  // (x, ldx, y, ldy, w, b, n0, n1, C, mean, rstd): ln_fwd_rows
  void (*ln_fwd)(const T*, int, T*, int, const T*, const T*, int, int, int, T*, T*);
  void (*ln_bwd)(const T*, int, const T*, int, T*, int, const T*, const T*, const T*, int, int, int, T*, T*);
  void (*sm_fwd)(const T*, int, T*, int, int, int, int);  // (x, ldx, y, ldy, n0, n1, V): rows [n0, n1)
  void (*sm_bwd)(const T*, const T*, T*, int);
  T (*ce_fwd)(const T*, T*, int, int);            // (logits, probs, V, target) -> loss
  void (*gelu_fwd)(const T*, T*, int);            // nn/gelu.hpp's row bodies
  void (*gelu_bwd)(const T*, const T*, T*, int);  // (x, dy, dx, C)
  // nn/adamw.hpp's span: (params, grads, m, v, i0, i1, n_decay, step constants)
  void (*adamw)(T*, const T*, T*, T*, std::int64_t, std::int64_t, std::int64_t, const AdamWStep<T>&);
};
template <class T>
RowFns<T> row_fns();  // the widest ISA this CPU runs
template <class T>
RowFns<T> row_fns_for(GemmIsa isa);  // one ISA's build (tests compare them); scalar: the generic one

}  // namespace detail

// y (N, C) = (x − mean)·rstd·w + b; mean, rstd (N) saved. Two sweeps for the statistics (mean,
// then Σ(x − mean)², which stays accurate when |mean| ≫ std), one for y; the row stays in cache.
// `teams` runs the device kernels (the default on device spaces; tests set it on the host).
template <class Exec, class T>
void rownorm_layernorm_forward(const Exec& exec, const std::string& label, const Matrix<T>& y,
                               const Vec<T>& mean, const Vec<T>& rstd, const Matrix<const T>& x,
                               const Vec<const T>& w, const Vec<const T>& b, bool teams = !kHostExec<Exec>) {
  if constexpr (kHostExec<Exec>) {
    if (!teams) {
      const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
      const int ldx = static_cast<int>(x.stride(0)), ldy = static_cast<int>(y.stride(0));
      const auto f = detail::row_fns<T>().ln_fwd;
      const int R = detail::ln_fwd_rows_per_item(C, int(sizeof(T)));
      Kokkos::parallel_for(label, Kokkos::RangePolicy<Exec>(exec, 0, (N + R - 1) / R), [=](const int blk) {
        f(x.data(), ldx, y.data(), ldy, w.data(), b.data(), blk * R, (blk + 1) * R < N ? (blk + 1) * R : N, C,
          mean.data(), rstd.data());
      });
      return;
    }
  }
  team_layernorm_forward(exec, label, y, mean, rstd, x, w, b);
}

// dx (N, C) += ∂L/∂x; dw, db (C) = Σ_n dy·x̂ and Σ_n dy, summed per block of R rows (ascending)
// into part (blocks, 2C), then over blocks (ascending). `part` must hold layernorm_blocks(N)·2C.
template <class Exec, class T>
void rownorm_layernorm_backward(const Exec& exec, const std::string& name, const Matrix<T>& dx,
                                const Vec<T>& dw, const Vec<T>& db, const Matrix<const T>& dy,
                                const Matrix<const T>& x, const Vec<const T>& w, const Vec<const T>& mean,
                                const Vec<const T>& rstd, const Vec<T>& part, bool teams = !kHostExec<Exec>) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  const int nb = layernorm_blocks(N);
  if constexpr (kHostExec<Exec>) {
    if (!teams) {
      const int R = layernorm_rows_per_block(N);
      const int ldx = static_cast<int>(x.stride(0)), ldg = static_cast<int>(dy.stride(0)),
                ldd = static_cast<int>(dx.stride(0));
      const auto f = detail::row_fns<T>().ln_bwd;
      Kokkos::parallel_for(label(name, "_bwd"), Kokkos::RangePolicy<Exec>(exec, 0, nb), [=](const int blk) {
        T* pw = part.data() + std::int64_t(blk) * 2 * C;
        f(x.data(), ldx, dy.data(), ldg, dx.data(), ldd, w.data(), mean.data(), rstd.data(), blk * R,
          (blk + 1) * R < N ? (blk + 1) * R : N, C, pw, pw + C);
      });
    }
  }
  if (teams) team_layernorm_backward_rows(exec, label(name, "_bwd"), dx, dy, x, w, mean, rstd, part);
  // Host: blocks of 64 columns (the inner loop vectorises); device: a thread per column, so that
  // neighbouring threads read neighbouring columns. The same order per column either way.
  constexpr int kCols = kHostExec<Exec> ? 64 : 1;
  Kokkos::parallel_for(
      label(name, "_bwd_params"), Kokkos::RangePolicy<Exec>(exec, 0, (C + kCols - 1) / kCols),
      KOKKOS_LAMBDA(const int cb) {
        const int c0 = cb * kCols, cols = C - c0 < kCols ? C - c0 : kCols;
        T aw[kCols], ab[kCols];
        for (int j = 0; j < kCols; ++j) aw[j] = ab[j] = T(0);
        for (int blk = 0; blk < nb; ++blk) {
          const T* XPB_RESTRICT pw = part.data() + std::int64_t(blk) * 2 * C + c0;
          const T* XPB_RESTRICT pb = pw + C;
          for (int j = 0; j < cols; ++j) {
            aw[j] += pw[j];
            ab[j] += pb[j];
          }
        }
        for (int j = 0; j < cols; ++j) {
          dw(c0 + j) = aw[j];
          db(c0 + j) = ab[j];
        }
      });
}

// y (N, V) = softmax of each row of x: max, then exp and Σ (one sweep), then the scaling.
template <class Exec, class T>
void rownorm_softmax_forward(const Exec& exec, const std::string& label, const Matrix<T>& y,
                             const Matrix<const T>& x, bool teams = !kHostExec<Exec>) {
  if constexpr (kHostExec<Exec>) {
    if (!teams) {
      const int N = static_cast<int>(x.extent(0)), V = static_cast<int>(x.extent(1));
      const auto f = detail::row_fns<T>().sm_fwd;
      const int R = detail::sm_fwd_rows_per_item(N, exec.concurrency());
      const int ldx = static_cast<int>(x.stride(0)), ldy = static_cast<int>(y.stride(0));
      Kokkos::parallel_for(label, Kokkos::RangePolicy<Exec>(exec, 0, (N + R - 1) / R), [=](const int blk) {
        f(x.data(), ldx, y.data(), ldy, blk * R, (blk + 1) * R < N ? (blk + 1) * R : N, V);
      });
      return;
    }
  }
  team_softmax_forward(exec, label, y, x);
}

// dx (N, V) = y ⊙ (dy − Σ dy·y) per row.
template <class Exec, class T>
void rownorm_softmax_backward(const Exec& exec, const std::string& label, const Matrix<T>& dx,
                              const Matrix<const T>& y, const Matrix<const T>& dy,
                              bool teams = !kHostExec<Exec>) {
  if constexpr (kHostExec<Exec>) {
    if (!teams) {
      const int N = static_cast<int>(y.extent(0)), V = static_cast<int>(y.extent(1));
      const auto f = detail::row_fns<T>().sm_bwd;
      Kokkos::parallel_for(label, Kokkos::RangePolicy<Exec>(exec, 0, N),
                           [=](const int n) { f(&y(n, 0), &dy(n, 0), &dx(n, 0), V); });
      return;
    }
  }
  team_softmax_backward(exec, label, dx, y, dy);
}

// Ledgers: bytes are one pass over each (N, ·) operand (the DRAM traffic when a row stays in
// cache), plus the partial rows of the parameter gradients. Softmax forward: the max, x − max, the
// sum and the scaling, plus exp_ops per exponential — 1 where a special-function unit evaluates it
// (what the charged ledger assumes), kExpFixedOps<T> for exp_fixed as run on a host.
inline Ledger rownorm_softmax_cost(const std::string& fwd, const std::string& bwd, DType dtype, double N,
                                   double V, bool backward, double exp_ops = 1) {
  const double e = N * V, s = dtype_bytes(dtype);
  const DType d = vector_dtype(dtype);
  Ledger l = {vector_cost(fwd, d, (4 + exp_ops - 1) * e, 2 * s * e)};
  if (backward) l.push_back(vector_cost(bwd, d, 4 * e, 3 * s * e));
  return l;
}

}  // namespace xpb::nn
