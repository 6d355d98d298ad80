// workloads/nn/gemm.cpp — the GEMM paths: the native host kernel (team tiles of C, operands
// packed into team scratch, a register-blocked micro-kernel chosen by CPU), the portable kernel
// for device backends, and the vendor libraries (CBLAS; cuBLAS where Kokkos has CUDA).
// Every native path keeps one ascending fma chain per C element; it never splits k across threads.
#include "workloads/nn/gemm.hpp"

#include <algorithm>
#include <cstdint>

#include "core/base/error.hpp"
#include "workloads/nn/tensor.hpp"  // vector_cost

#if defined(KOKKOS_ENABLE_CUDA) || defined(KOKKOS_ENABLE_HIP) || defined(KOKKOS_ENABLE_SYCL)
#define XPB_GEMM_DEVICE 1
#else
#define XPB_GEMM_DEVICE 0
#include <cblas.h>  // the host vendor path; device builds link no host BLAS
#endif

#if defined(KOKKOS_ENABLE_CUDA) && defined(XPB_HAS_CUBLAS)
#include <cublas_v2.h>
#include <dlfcn.h>
#endif

namespace xpb::nn {

GemmPath parse_gemm_path(const std::string& s) {
  if (s == "native") return GemmPath::native;
  XPB_ASSERT(s == "vendor", "gemm path must be native or vendor");
  return GemmPath::vendor;
}

#if defined(KOKKOS_ENABLE_CUDA) && defined(XPB_HAS_CUBLAS)
namespace {
// cuBLAS is opened at run time (dlopen of XPB_CUBLAS_SONAME, found by CMake's CUDAToolkit) rather
// than linked: with its libcublasLt it weighs about 600 MB, more than a packed build may carry
// (scripts/device-check.sh), while every machine with the CUDA toolkit or PyTorch has it. The
// binary runs without it; only path=vendor then fails, naming the library it looked for.
struct Cublas {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
  decltype(&cublasDgemm_v2) dgemm = nullptr;
  cublasHandle_t handle = nullptr;
  std::string error;  // why it is unavailable ("" when loaded)
};

const Cublas& cublas() {
  static const Cublas c = [] {
    Cublas r;
    void* lib = dlopen(XPB_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = dlerror();
      r.error = std::string("cannot open " XPB_CUBLAS_SONAME ": ") + (e ? e : "unknown error");
      return r;
    }
    r.create = reinterpret_cast<decltype(r.create)>(dlsym(lib, "cublasCreate_v2"));
    r.sgemm = reinterpret_cast<decltype(r.sgemm)>(dlsym(lib, "cublasSgemm_v2"));
    r.dgemm = reinterpret_cast<decltype(r.dgemm)>(dlsym(lib, "cublasDgemm_v2"));
    if (!r.create || !r.sgemm || !r.dgemm) {
      r.error = XPB_CUBLAS_SONAME " lacks cublasCreate_v2/cublasSgemm_v2/cublasDgemm_v2";
      return r;
    }
    if (r.create(&r.handle) != CUBLAS_STATUS_SUCCESS) r.error = "cublasCreate failed";
    return r;
  }();
  return c;
}
}  // namespace

bool vendor_gemm_available() { return cublas().error.empty(); }
std::string vendor_gemm_library() { return "cublas"; }
#elif defined(KOKKOS_ENABLE_CUDA) || defined(KOKKOS_ENABLE_HIP) || defined(KOKKOS_ENABLE_SYCL)
bool vendor_gemm_available() { return false; }  // no device BLAS compiled in
std::string vendor_gemm_library() { return "none"; }
#else
bool vendor_gemm_available() { return true; }
std::string vendor_gemm_library() { return "cblas"; }
#endif

std::string native_gemm_kernel() {
#if XPB_GEMM_DEVICE
  return "portable";
#else
  return to_string(detail::best_host_isa());
#endif
}

namespace detail {

// ================================================================================================
// Host kernel. Dimension letters: MT×NC is a team's tile of C, MC the rows of A packed at once,
// KC the depth packed at once, MR×NR the micro-tile. Scratch per team: Ap (MC, KC) as MC/MR
// panels of (KC, MR), Bp (KC, NC) as NC/NR panels of (KC, NR), W (MT, NC) running sums carried
// from one KC block to the next.

namespace {

template <class T>
struct Blocking {
  int mc, mt, nc, kc;  // A sub-block rows, team tile rows (a multiple of mc), columns, depth
  int direct_rows;     // up to this many rows of C, non-transposed B is read in place, not packed
  bool direct_b;       // this GEMM reads B in place (not transposed, team rows <= direct_rows)
};

// Sizes measured on Zen 4 (1 MiB L2, 32 MiB L3, little DRAM bandwidth per core): Ap (MC, KC) and
// Bp (KC, NC) stay in L2; a team tile of up to 4 MC blocks reuses each packed B block 4 times,
// which cuts the DRAM traffic of B by 4 (packing from DRAM had cost a third of the run time);
// the running sums W (MT, NC) are touched once per micro-tile and KC block, so L3 is enough.
template <class T>
Blocking<T> blocking_for(const MicroKernel<T>& mk, int M, int N, int K, bool tb, int threads) {
  Blocking<T> b;
  b.kc = sizeof(T) == 4 ? 256 : 128;
  b.nc = sizeof(T) == 4 ? 512 : 256;  // a multiple of every NR (4, 8, 16, 32)
  const int mc_full = ((192 + mk.mr - 1) / mk.mr) * mk.mr;
  const int m_pad = ((M + mk.mr - 1) / mk.mr) * mk.mr;
  b.mc = std::min(mc_full, std::max(m_pad, mk.mr));
  b.direct_rows = mk.isa == GemmIsa::avx512 ? mc_full : 2 * mk.mr;
  b.direct_b = !tb && M <= b.direct_rows;
  // Few rows (one A block) and a B that must be packed (transposed, or too many rows to read it in
  // place): split the columns, one tile per thread, rather than the rows. Every row tile packs the
  // whole of its column strip of B, so splitting M = 128 rows four ways packed B (K = 4096, N =
  // 128: 2 MiB) four times and left the MLP's first layer at twice its projected time; split by
  // columns, B is packed once and the narrow tiles read A in place (gemm_native_host, direct_a).
  // Likewise where B is read in place but is large (over 1 MiB, the smaller L2 measured): every row
  // tile read all of it, one tile per thread reads its own columns only (ERNIE medium's fcproj
  // weight gradient, M = 128, N = 512, K = 1,024, B 2 MiB: 10-12 % less time in the step).
  const bool big_b = static_cast<double>(K) * N * sizeof(T) > 1024.0 * 1024.0;
  const bool split_n =
      M <= mc_full && (!b.direct_b || big_b) && threads > 1 && (N + b.nc - 1) / b.nc < threads;
  if (split_n) {
    const int per = (N + threads - 1) / threads;
    b.nc = std::max(mk.nr, (per + mk.nr - 1) / mk.nr * mk.nr);
  }
  // Team rows: even row tiles, enough for two teams per thread, at most four MC blocks each.
  const int tiles_n = (N + b.nc - 1) / b.nc;
  int want_m = std::max(1, (2 * std::max(threads, 1) + tiles_n - 1) / tiles_n);
  // A non-transposed B that stays in cache (at most 1 MiB, the smaller L2 measured) with more rows
  // than one A block (the AVX-512 kernels, whose direct_rows is a whole block): team tiles of at
  // most one block, a whole number per thread, each reading B in place (direct_b) instead of
  // packing its own copy. In a training step B was just written, half of it by the other core,
  // and each of the four teams packed all of it: ERNIE medium's weight-gradient and data-gradient
  // GEMMs (B 256-512 KiB) took 8-11 % less time each in the step (a per-kernel timer, 2 x 300
  // steps, 2 threads); stand-alone, with B hot in L2, the rates did not change.
  const bool rows_cut =
      !tb && !split_n && !b.direct_b && b.direct_rows >= b.mc && M > b.direct_rows && !big_b;
  if (rows_cut) {
    const int t = std::max(threads, 1);
    want_m = std::max(want_m, ((M + b.direct_rows - 1) / b.direct_rows + t - 1) / t * t);
  }
  const int rows_per = ((M + want_m - 1) / want_m + mk.mr - 1) / mk.mr * mk.mr;
  b.mt = std::max(mk.mr, std::min(split_n ? m_pad : rows_per, 4 * b.mc));
  b.direct_b = b.direct_b || (rows_cut && b.mt <= b.direct_rows);
  // Packing B pays off when each packed element is used often. The AVX-512 kernels read a
  // 128-byte row of B per k step (32 fp32 or 16 fp64) for 12 rows of A, and read B in place
  // faster than packed while all rows fit one packed A block (M <= MC): a d = 1024 transformer
  // layer's GEMMs on 64 tokens went from 123-223 to 259-291 GFLOP/s (fp32, 2 threads), M = 48-192
  // by 1.1-1.9x in fp32 and fp64; past MC, each A block would read B again. The AVX2 kernels
  // (64-byte rows of B for 6 rows of A) were 25-35 % slower in place from M = 96
  // (docs/performance.md, Known limits, "Small M"), so they keep it for at most two micro-rows
  // (direct_rows and direct_b, set above).
  return b;
}

inline std::uintptr_t align64(std::uintptr_t p) { return (p + 63) & ~std::uintptr_t(63); }

// Packing reads the source along its contiguous dimension and keeps the few destination lines
// being written in L1 (blocks of kKB steps of k): strided reads of B rows 8 KiB apart defeat the
// prefetchers and once cost a third of the run time at n = 2048.
constexpr int kKB = 16;
// At most this many micro-columns in a tile of C, A is read in place (gemm_native_host).
constexpr int kDirectAPanels = 4;

// Ap panel-major: panel p holds rows i0+p·MR .. +MR, stored (kc, MR). Rows past M are zero.
// Not transposed, the panel is a transpose of MR rows of A: `tr` (packing_transpose_fn) where the
// ISA has a vector one, else the loop below.
template <class T>
void pack_a_panel(const T* A, int lda, bool ta, int M, int i0, int rows, int k0, int kc, int mr, T* Ap, int p,
                  TransposeFn<T> tr) {
  T* dst = Ap + static_cast<std::int64_t>(p) * kc * mr;
  const int r_valid = std::max(0, std::min({mr, rows - p * mr, M - (i0 + p * mr)}));
  const int ib = i0 + p * mr;
  if (!ta && tr) {
    tr(A + static_cast<std::int64_t>(ib) * lda + k0, lda, r_valid, mr, kc, dst, mr);
    return;
  }
  if (ta) {  // A(i, k) = A[k·lda + i]: the MR rows of one k are contiguous
    for (int k = 0; k < kc; ++k) {
      const T* src = A + static_cast<std::int64_t>(k0 + k) * lda + ib;
      T* d = dst + k * mr;
      for (int r = 0; r < r_valid; ++r) d[r] = src[r];
      for (int r = r_valid; r < mr; ++r) d[r] = T(0);
    }
    return;
  }
  for (int kb = 0; kb < kc; kb += kKB) {
    const int kn = std::min(kKB, kc - kb);
    for (int r = 0; r < mr; ++r) {
      T* d = dst + kb * mr + r;
      if (r >= r_valid) {
        for (int kk = 0; kk < kn; ++kk) d[kk * mr] = T(0);
        continue;
      }
      const T* src = A + static_cast<std::int64_t>(ib + r) * lda + k0 + kb;
      for (int kk = 0; kk < kn; ++kk) d[kk * mr] = src[kk];
    }
  }
}

// Bp panel-major: panel q holds columns j0+q·NR .. +NR, stored (kc, NR). Columns past N are
// zero. Not transposed: one call packs row k of the block into every panel (contiguous reads).
template <class T>
void pack_b_row(const T* B, int ldb, int N, int j0, int cols, int k0, int kc, int nr, T* Bp, int q_count,
                int k) {
  const T* src = B + static_cast<std::int64_t>(k0 + k) * ldb + j0;
  const int valid_all = std::min(cols, N - j0);
  for (int q = 0; q < q_count; ++q) {
    T* d = Bp + static_cast<std::int64_t>(q) * kc * nr + static_cast<std::int64_t>(k) * nr;
    const int valid = std::max(0, std::min(nr, valid_all - q * nr));
    const T* s = src + q * nr;
    for (int j = 0; j < valid; ++j) d[j] = s[j];
    for (int j = valid; j < nr; ++j) d[j] = T(0);
  }
}

// Transposed B (B(k, j) = B[j·ldb + k]): one call packs panel q, a transpose of NR rows of B
// (`tr` as in pack_a_panel), else kKB steps of k at a time.
template <class T>
void pack_bt_panel(const T* B, int ldb, int N, int j0, int k0, int kc, int nr, T* Bp, int q,
                   TransposeFn<T> tr) {
  T* dst = Bp + static_cast<std::int64_t>(q) * kc * nr;
  const int jq = j0 + q * nr;
  const int valid = std::max(0, std::min(nr, N - jq));
  if (tr) {
    tr(B + static_cast<std::int64_t>(jq) * ldb + k0, ldb, valid, nr, kc, dst, nr);
    return;
  }
  for (int kb = 0; kb < kc; kb += kKB) {
    const int kn = std::min(kKB, kc - kb);
    for (int j = 0; j < nr; ++j) {
      T* d = dst + kb * nr + j;
      if (j >= valid) {
        for (int kk = 0; kk < kn; ++kk) d[kk * nr] = T(0);
        continue;
      }
      const T* src = B + static_cast<std::int64_t>(jq + j) * ldb + k0 + kb;
      for (int kk = 0; kk < kn; ++kk) d[kk * nr] = src[kk];
    }
  }
}

// The calling thread's share of [0, n) in a host team, the indices and order of Kokkos's
// TeamThreadRange, for a host-only body. Kokkos's parallel_for over a TeamThreadRange is a
// host-and-device function: a CUDA build instantiates it for Kokkos::Serial with these plain host
// lambdas, and nvcc warned about each (#20013, #20015: a host function called from one).
template <class Member, class Body>
void host_team_for(const Member& team, int n, const Body& body) {
  const auto range = Kokkos::TeamThreadRange(team, n);
  for (int i = range.start; i < range.end; i += range.increment) body(i);
}

// The epilogue (GemmEpilogue) on rows i0 … i0+rows-1, columns j0 … j0+cols-1 of C, just written
// and still in cache, by the micro-kernel's ISA (MicroKernel::finish).
template <class T>
void epilogue_rows(const MicroKernel<T>& mk, const GemmEpilogue<T>& ep, T* C, int ldc, int i0, int rows,
                   int j0, int cols) {
  const auto at = [&](const T* m, int ld) {
    return m ? m + static_cast<std::int64_t>(i0) * ld + j0 : nullptr;
  };
  mk.finish(rows, cols, C + static_cast<std::int64_t>(i0) * ldc + j0, ldc, ep.bias ? ep.bias + j0 : nullptr,
            at(ep.residual, ep.ld_residual), ep.ld_residual, ep.relu, at(ep.gate, ep.ld_gate), ep.ld_gate);
}

}  // namespace

template <class ExecSpace, class T>
void gemm_native_host(const ExecSpace& space, const char* label, GemmIsa isa, bool ta, bool tb, int M, int N,
                      int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta, T* C, int ldc,
                      const GemmEpilogue<T>& ep) {
  if (M <= 0 || N <= 0) return;
  const MicroKernel<T> mk = micro_kernel<T>(isa);
  const TransposeFn<T> tr = packing_transpose_fn<T>(mk.isa);
  const Blocking<T> bl = blocking_for(mk, M, N, K, tb, static_cast<int>(space.concurrency()));
  const int tiles_m = (M + bl.mt - 1) / bl.mt, tiles_n = (N + bl.nc - 1) / bl.nc;
  // For few rows, packing B would cost more than it saves (Blocking::direct_rows): the
  // micro-kernel reads non-transposed B in place.
  const bool direct_b = bl.direct_b;
  const std::size_t elems = static_cast<std::size_t>(bl.mc) * bl.kc +
                            static_cast<std::size_t>(bl.kc) * bl.nc + static_cast<std::size_t>(bl.mt) * bl.nc;
  const std::size_t bytes = elems * sizeof(T) + 3 * 64;
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  Policy policy(space, tiles_m * tiles_n, 1);
  // A plain host lambda: this kernel only ever runs on host execution spaces. Teams run down a
  // column of tiles first (ti fastest), so teams in flight together share B's column strip in L3.
  Kokkos::parallel_for(label, policy.set_scratch_size(1, Kokkos::PerTeam(bytes)), [=](const Member& team) {
    const int i0 = (team.league_rank() % tiles_m) * bl.mt;
    const int j0 = (team.league_rank() / tiles_m) * bl.nc;
    const int rows = std::min(bl.mt, M - i0), cols = std::min(bl.nc, N - j0);
    const int q_count = (cols + mk.nr - 1) / mk.nr;
    auto base = reinterpret_cast<std::uintptr_t>(team.team_scratch(1).get_shmem(bytes));
    T* Ap = reinterpret_cast<T*>(align64(base));  // (MC, KC) panels
    T* Bp = reinterpret_cast<T*>(align64(
        reinterpret_cast<std::uintptr_t>(Ap + static_cast<std::size_t>(bl.mc) * bl.kc)));  // (KC, NC) panels
    // With alpha = 1 and beta = 0, C is the running sums themselves: a tile of whole micro-tiles
    // keeps them in C, with no copy through W (the copy was about 2 % of a GPT small step); a
    // ragged tile, whose micro-tiles would write past its edge, goes through W.
    const bool sums_in_c = alpha == T(1) && beta == T(0) && rows % mk.mr == 0 && cols % mk.nr == 0;
    T* W = sums_in_c ? C + static_cast<std::int64_t>(i0) * ldc + j0
                     : reinterpret_cast<T*>(align64(reinterpret_cast<std::uintptr_t>(
                           Bp + static_cast<std::size_t>(bl.kc) * bl.nc)));  // (MT, NC)
    const int ldw = sums_in_c ? ldc : bl.nc;
    // Full-width B panels read in place (small M); a ragged last panel is still packed.
    const int q_direct = direct_b ? cols / mk.nr : 0;
    // A narrow tile of C (a few micro-columns) uses each packed A panel only that often, too few
    // to repay the packing: its full MR-row panels are read in place (the micro-kernel's rows or
    // columns layout), a last panel of fewer rows is still packed.
    const bool direct_a = mk.run_in_place && q_count <= kDirectAPanels;
    // At least one block, so that K == 0 still zeroes W (C = beta·C).
    for (int k0 = 0; k0 == 0 || k0 < K; k0 += bl.kc) {
      const int kc = std::min(bl.kc, K - k0);
      // Sums kept in C are final after the last KC block: each panel's rows get the epilogue
      // right after their micro-tiles, while they are in L1.
      const bool finish_here = sums_in_c && k0 + bl.kc >= K && !ep.empty();
      if (direct_b) {
        if (q_direct < q_count) {
          host_team_for(team, kc, [&](const int k) {
            pack_b_row(B, ldb, N, j0 + q_direct * mk.nr, cols - q_direct * mk.nr, k0, kc, mk.nr,
                       Bp + static_cast<std::size_t>(q_direct) * kc * mk.nr, 1, k);
          });
        }
      } else if (tb) {
        host_team_for(team, q_count,
                      [&](const int q) { pack_bt_panel(B, ldb, N, j0, k0, kc, mk.nr, Bp, q, tr); });
      } else {
        host_team_for(team, kc,
                      [&](const int k) { pack_b_row(B, ldb, N, j0, cols, k0, kc, mk.nr, Bp, q_count, k); });
      }
      for (int i1 = 0; i1 < rows; i1 += bl.mc) {
        const int sub_rows = std::min(bl.mc, rows - i1);
        const int p_count = (sub_rows + mk.mr - 1) / mk.mr;
        host_team_for(team, p_count, [&](const int p) {
          if (!direct_a || sub_rows - p * mk.mr < mk.mr)
            pack_a_panel(A, lda, ta, M, i0 + i1, sub_rows, k0, kc, mk.mr, Ap, p, tr);
        });
        team.team_barrier();
        // Micro-row panels are split across the team's threads; each micro-tile's chain stays
        // with one thread for the whole block, and KC blocks run in k order.
        const auto panel = [&](const int p) {
          const T* a = Ap + static_cast<std::size_t>(p) * kc * mk.mr;
          T* w = W + static_cast<std::size_t>(i1 + p * mk.mr) * ldw;
          // A last panel of few live rows (M = 16 = 12 + 4) runs on the tail kernel's rows only.
          const bool tail = mk.run_tail && sub_rows - p * mk.mr <= mk.tail_mr;
          if (direct_a && sub_rows - p * mk.mr >= mk.mr) {
            const std::int64_t r0 = i0 + i1 + p * mk.mr;
            const T* ai = ta ? A + static_cast<std::int64_t>(k0) * lda + r0 : A + r0 * lda + k0;
            const int ak = ta ? lda : 1, ar = ta ? 1 : lda;
            for (int q = 0; q < q_count; ++q) {
              const bool in_place_b = q < q_direct;
              const T* b = in_place_b ? B + static_cast<std::int64_t>(k0) * ldb + j0 + q * mk.nr
                                      : Bp + static_cast<std::size_t>(q) * kc * mk.nr;
              mk.run_in_place(kc, ai, ak, ar, b, in_place_b ? ldb : mk.nr, w + q * mk.nr, ldw, k0 == 0);
            }
            return;
          }
          for (int q = 0; q < q_direct; ++q) {
            const T* b = B + static_cast<std::int64_t>(k0) * ldb + j0 + q * mk.nr;
            if (tail)
              mk.run_tail(kc, a, mk.mr, 1, b, ldb, w + q * mk.nr, ldw, k0 == 0);
            else
              mk.run_strided(kc, a, b, ldb, w + q * mk.nr, ldw, k0 == 0);
          }
          for (int q = q_direct; q < q_count; ++q) {
            mk.run(kc, a, Bp + static_cast<std::size_t>(q) * kc * mk.nr, w + q * mk.nr, ldw, k0 == 0);
          }
        };
        host_team_for(team, p_count, [&](const int p) {
          panel(p);
          if (finish_here)
            epilogue_rows(mk, ep, C, ldc, i0 + i1 + p * mk.mr, std::min(mk.mr, sub_rows - p * mk.mr), j0,
                          cols);
        });
        team.team_barrier();
      }
    }
    if (sums_in_c) return;
    const int p_all = (rows + mk.mr - 1) / mk.mr;
    host_team_for(team, p_all, [&](const int p) {
      const int r0 = p * mk.mr;
      const int nrows = std::min(mk.mr, rows - r0);
      mk.epilogue(nrows, cols, W + static_cast<std::size_t>(r0) * ldw, ldw,
                  C + static_cast<std::int64_t>(i0 + r0) * ldc + j0, ldc, alpha, beta);
      if (!ep.empty()) epilogue_rows(mk, ep, C, ldc, i0 + r0, nrows, j0, cols);
    });
  });
}

#define XPB_GEMM_INSTANTIATE(SPACE)                                                                          \
  template void gemm_native_host<SPACE, float>(const SPACE&, const char*, GemmIsa, bool, bool, int, int,     \
                                               int, float, const float*, int, const float*, int, float,      \
                                               float*, int, const GemmEpilogue<float>&);                     \
  template void gemm_native_host<SPACE, double>(const SPACE&, const char*, GemmIsa, bool, bool, int, int,    \
                                                int, double, const double*, int, const double*, int, double, \
                                                double*, int, const GemmEpilogue<double>&);
#ifdef KOKKOS_ENABLE_SERIAL
XPB_GEMM_INSTANTIATE(Kokkos::Serial)
#endif
#ifdef KOKKOS_ENABLE_OPENMP
XPB_GEMM_INSTANTIATE(Kokkos::OpenMP)
#endif
#ifdef KOKKOS_ENABLE_THREADS
XPB_GEMM_INSTANTIATE(Kokkos::Threads)
#endif
#undef XPB_GEMM_INSTANTIATE

}  // namespace detail

// ================================================================================================
// Vendor libraries and dispatch.

namespace {

#if !XPB_GEMM_DEVICE
void host_blas(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
               int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha,
              A, lda, B, ldb, beta, C, ldc);
}
void host_blas(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
               int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha,
              A, lda, B, ldb, beta, C, ldc);
}
#endif

#if defined(KOKKOS_ENABLE_CUDA) && defined(XPB_HAS_CUBLAS)
// Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands. cuBLAS runs
// on its default stream; the caller fences Kokkos before and after.
const Cublas& checked_cublas() {
  const Cublas& c = cublas();
  if (!c.error.empty())
    throw Error({}, "gemm path=vendor needs cuBLAS: " + c.error,
                "put the CUDA toolkit's lib64 (or PyTorch's nvidia/cublas/lib) on LD_LIBRARY_PATH, "
                "or use path=native");
  return c;
}
void device_blas(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                 int ldb, float beta, float* C, int ldc) {
  const Cublas& c = checked_cublas();
  const cublasStatus_t st = c.sgemm(c.handle, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                    N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc);
  XPB_ASSERT(st == CUBLAS_STATUS_SUCCESS, "cublasSgemm failed");
}
void device_blas(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda,
                 const double* B, int ldb, double beta, double* C, int ldc) {
  const Cublas& c = checked_cublas();
  const cublasStatus_t st = c.dgemm(c.handle, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                    N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc);
  XPB_ASSERT(st == CUBLAS_STATUS_SUCCESS, "cublasDgemm failed");
}
#endif

// The epilogue as a kernel of its own (the vendor path), a row per work item.
template <class T>
void epilogue_kernel(const std::string& label, const GemmEpilogue<T>& ep, const Matrix<T>& C) {
  const int N = static_cast<int>(C.extent(1));
  Kokkos::parallel_for(
      label, Kokkos::RangePolicy<>(0, static_cast<int>(C.extent(0))), KOKKOS_LAMBDA(const int i) {
        for (int j = 0; j < N; ++j) C(i, j) = detail::apply_epilogue(ep, i, j, C(i, j));
      });
}

template <class T>
void gemm_any(const char* label, GemmPath path, bool ta, bool tb, T alpha, const Matrix<const T>& A,
              const Matrix<const T>& B, T beta, const Matrix<T>& C, const GemmEpilogue<T>& ep) {
  const int M = static_cast<int>(C.extent(0)), N = static_cast<int>(C.extent(1));
  const int K = static_cast<int>(ta ? A.extent(0) : A.extent(1));
  XPB_ASSERT(static_cast<int>(ta ? A.extent(1) : A.extent(0)) == M, "gemm: A rows != C rows");
  XPB_ASSERT(static_cast<int>(tb ? B.extent(0) : B.extent(1)) == N, "gemm: B cols != C cols");
  XPB_ASSERT(static_cast<int>(tb ? B.extent(1) : B.extent(0)) == K, "gemm: inner dims differ");
  // The host kernel writes C's sums before its epilogue reads the residual or gate rows.
  XPB_ASSERT(ep.residual != C.data() && ep.gate != C.data(), "gemm: the epilogue's operands must not be C");
  const int lda = static_cast<int>(A.extent(1)), ldb = static_cast<int>(B.extent(1));
  const int ldc = static_cast<int>(C.extent(1));
  if (path == GemmPath::vendor) {
    Kokkos::fence();
#if defined(KOKKOS_ENABLE_CUDA) && defined(XPB_HAS_CUBLAS)
    device_blas(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
    Kokkos::fence();
#elif XPB_GEMM_DEVICE
    throw Error({}, "gemm path=vendor: this device build has no vendor BLAS", "use path=native");
#else
    host_blas(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
#endif
    if (!ep.empty()) epilogue_kernel(std::string(label) + "_epilogue", ep, C);
    return;
  }
#if XPB_GEMM_DEVICE
  detail::gemm_portable<Kokkos::DefaultExecutionSpace, T>(Kokkos::DefaultExecutionSpace(), label, ta, tb,
                                                          alpha, A, B, beta, C, 0, ep);
#else
  detail::gemm_native_host<Kokkos::DefaultExecutionSpace, T>(
      Kokkos::DefaultExecutionSpace(), label, GemmIsa::automatic, ta, tb, M, N, K, alpha, A.data(), lda,
      B.data(), ldb, beta, C.data(), ldc, ep);
#endif
}

}  // namespace

void gemm(const char* label, GemmPath path, bool ta, bool tb, float alpha, const Matrix<const float>& A,
          const Matrix<const float>& B, float beta, const Matrix<float>& C, const GemmEpilogue<float>& ep) {
  gemm_any<float>(label, path, ta, tb, alpha, A, B, beta, C, ep);
}

void gemm(const char* label, GemmPath path, bool ta, bool tb, double alpha, const Matrix<const double>& A,
          const Matrix<const double>& B, double beta, const Matrix<double>& C,
          const GemmEpilogue<double>& ep) {
  gemm_any<double>(label, path, ta, tb, alpha, A, B, beta, C, ep);
}

KernelCost gemm_cost(const std::string& label, DType dtype, double M, double N, double K, bool beta_nonzero) {
  KernelCost k;
  k.name = label;
  k.kind = OpKind::gemm;
  k.dtype = dtype;
  k.flops = 2 * M * N * K;
  k.bytes = dtype_bytes(dtype) * (M * K + K * N + (beta_nonzero ? 2 : 1) * M * N);
  return k;
}

Ledger gemm_costs(const std::string& label, DType dtype, double M, double N, double K, bool beta_nonzero,
                  GemmPath path, EpilogueOps ep) {
  const double steps = double(ep.bias) + double(ep.residual) + double(ep.relu) + double(ep.gate);
  const double s = dtype_bytes(dtype);
  // The reads of bias, residual and gate.
  const double extra = s * ((ep.bias ? N : 0) + (ep.residual ? M * N : 0) + (ep.gate ? M * N : 0));
  Ledger l{gemm_cost(label, dtype, M, N, K, beta_nonzero)};
  if (steps == 0) return l;
  if (path == GemmPath::native) {
    l[0].flops += steps * M * N;
    l[0].bytes += extra;
    return l;
  }
  l.push_back(vector_cost(label + "_epilogue", vector_dtype(dtype), steps * M * N, s * 2 * M * N + extra));
  return l;
}

}  // namespace xpb::nn
